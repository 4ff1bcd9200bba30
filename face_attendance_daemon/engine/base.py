"""The interface every encoder implements."""

from dataclasses import dataclass, field

import cv2
import numpy as np


@dataclass
class DetectedFace:
    """A face found in an image; box is (x, y, width, height) in pixels of that image."""

    box: tuple
    score: float
    landmarks: np.ndarray = field(default=None, repr=False)
    # Encoder-specific data needed to encode this face (e.g. YuNet's raw detection row).
    raw: object = field(default=None, repr=False)

    @property
    def size(self):
        """The shorter side of the box: what 'face too small' is measured on."""
        return int(min(self.box[2], self.box[3]))


class Encoder:
    """Detects faces and turns each into a fixed-length vector.

    ``distance`` is always "lower is closer" so that thresholds mean the same thing everywhere;
    ``default_threshold`` is the distance under which two faces are taken for the same person.
    """

    name = None
    version = None
    dimension = None
    default_threshold = None
    # Two persons whose centroids are closer than this are look-alikes (flagged to HR, a margin in matching).
    lookalike_distance = None

    @property
    def tag(self):
        return "%s:%s" % (self.name, self.version)

    def detect(self, image):
        """Return the DetectedFace list of a BGR uint8 image, best score first."""
        raise NotImplementedError

    def encode(self, image, face):
        """Return the float32 vector of ``face`` found in ``image``."""
        raise NotImplementedError

    def detect_downscaled(self, image, max_side):
        """``detect`` on a copy scaled down to ``max_side``, boxes given in ``image``'s pixels: for frames
        whose faces are large (a kiosk's), where detection's cost is in the pixels, and encoding keeps
        the full resolution."""
        height, width = image.shape[:2]
        if max(height, width) <= max_side:
            return self.detect(image)
        scale = max_side / float(max(height, width))
        small = cv2.resize(image, (int(round(width * scale)), int(round(height * scale))), interpolation=cv2.INTER_AREA)
        factor = 1.0 / scale
        faces = []
        for face in self.detect(small):
            x, y, w, h = face.box
            box = (
                int(round(x * factor)),
                int(round(y * factor)),
                min(int(round(w * factor)), width - int(round(x * factor))),
                min(int(round(h * factor)), height - int(round(y * factor))),
            )
            faces.append(
                DetectedFace(
                    box=box,
                    score=face.score,
                    landmarks=None if face.landmarks is None else face.landmarks * factor,
                    raw=self._scale_raw(face.raw, factor),
                )
            )
        return faces

    def _scale_raw(self, raw, factor):
        """The encoder-specific detection data of a face found on a scaled copy, in the original's pixels."""
        raise NotImplementedError

    def encode_many(self, image, faces):
        return [self.encode(image, face) for face in faces]

    def distances(self, query, gallery):
        """Distances between one vector and each row of a (n, dimension) float32 matrix."""
        raise NotImplementedError

    def distance_matrix(self, queries, gallery):
        """(q, n) distances between each query row and each gallery row."""
        return np.stack([self.distances(q, gallery) for q in queries])

    def centroid(self, vectors):
        """The vector that stands for a person's templates in matching: their mean, ``normalised`` as the
        encoder's vectors are (renormalised to unit length for a cosine distance).

        One template is its own centroid, bit for bit, so that a person with one photo matches as before.
        """
        vectors = np.asarray(vectors, dtype=np.float32)
        if len(vectors) == 1:
            return vectors[0].copy()
        return self.normalised(vectors.mean(axis=0, dtype=np.float64)).astype(np.float32)

    def centroids(self, vectors, starts):
        """``centroid`` of each run ``vectors[starts[i]:starts[i + 1]]`` (runs not empty), in one pass."""
        vectors = np.asarray(vectors, dtype=np.float32)
        starts = np.asarray(starts)
        counts = np.diff(starts)
        sums = np.add.reduceat(vectors, starts[:-1], axis=0, dtype=np.float64)
        # The means made centroids as ``centroid`` makes them (put back on the unit sphere for a cosine).
        result = self.normalised(sums / counts[:, None]).astype(np.float32)
        single = counts == 1
        result[single] = vectors[starts[:-1][single]]  # as ``centroid``: one vector is its own centroid
        return result

    # Whether the encoder's vectors are unit length (their distance is a cosine): a longer vector from
    # outside would weigh more than any of them in every comparison.
    unit_length = False

    def normalised(self, vectors):
        """Rows of ``vectors`` as this encoder's own vectors are: unchanged here (Euclidean distance)."""
        return vectors

    def confidence(self, distance):
        """A 0..1 figure for people: 1 at distance 0, 0.5 at the threshold, 0 far beyond it."""
        ratio = float(distance) / float(self.default_threshold)
        return max(0.0, min(1.0, 1.0 - 0.5 * ratio))
