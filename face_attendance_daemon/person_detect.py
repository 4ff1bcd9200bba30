"""Optional first stage for wide CCTV scenes: find people, then look for faces only inside them.

Off by default. With ultralytics installed and a ``.pt`` model, ultralytics runs it; an ``.onnx``
YOLO export runs through OpenCV's dnn module. No model ships with the product: the operator
provides one.
"""

import os

import cv2
import numpy as np


class PersonDetector:
    def __init__(self, model_path, confidence=0.4, input_size=640):
        if not os.path.isfile(model_path):
            raise FileNotFoundError("person model %s does not exist" % model_path)
        self.confidence, self.input_size = confidence, input_size
        self._ultralytics = None
        self._net = None
        if model_path.endswith(".pt"):
            try:
                from ultralytics import YOLO
            except ImportError as error:
                raise RuntimeError(
                    "a .pt person model needs the ultralytics package (pip install ultralytics)"
                ) from error
            self._ultralytics = YOLO(model_path)
        elif model_path.endswith(".onnx"):
            self._net = cv2.dnn.readNetFromONNX(model_path)
        else:
            raise ValueError("person model must be a .pt (ultralytics) or .onnx file")

    def detect(self, image):
        """(x, y, w, h) boxes of people (COCO class 0)."""
        if self._ultralytics is not None:
            result = self._ultralytics.predict(image, classes=[0], conf=self.confidence, verbose=False)[0]
            return [
                tuple(int(v) for v in (x1, y1, x2 - x1, y2 - y1))
                for x1, y1, x2, y2 in result.boxes.xyxy.cpu().numpy().tolist()
            ]
        return self._detect_onnx(image)

    def _detect_onnx(self, image):
        height, width = image.shape[:2]
        blob = cv2.dnn.blobFromImage(image, 1 / 255.0, (self.input_size, self.input_size), swapRB=True, crop=False)
        self._net.setInput(blob)
        output = self._net.forward()
        # YOLOv8 layout: (1, 4 + classes, anchors) -> rows of cx, cy, w, h, class scores.
        rows = output[0].T if output.shape[1] < output.shape[2] else output[0]
        scores = rows[:, 4]
        keep = scores >= self.confidence
        rows, scores = rows[keep], scores[keep]
        sx, sy = width / self.input_size, height / self.input_size
        boxes = [
            [int((cx - w / 2) * sx), int((cy - h / 2) * sy), int(w * sx), int(h * sy)] for cx, cy, w, h in rows[:, :4]
        ]
        indices = cv2.dnn.NMSBoxes(boxes, scores.astype(np.float32).tolist(), self.confidence, 0.45)
        return [tuple(boxes[i]) for i in np.array(indices).flatten()]


def regions_for_faces(image, people, margin=0.1):
    """Crops (with offsets) where faces are searched: the upper part of each person box."""
    height, width = image.shape[:2]
    regions = []
    for x, y, w, h in people:
        x0, y0 = max(0, int(x - w * margin)), max(0, int(y - h * margin))
        x1, y1 = min(width, int(x + w * (1 + margin))), min(height, int(y + h * 0.6))
        if x1 - x0 > 16 and y1 - y0 > 16:
            regions.append((x0, y0, image[y0:y1, x0:x1]))
    return regions
