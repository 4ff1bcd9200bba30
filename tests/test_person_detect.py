"""The optional person-detection stage, through OpenCV's dnn on a YOLOv8-shaped ONNX model.

No real YOLO weights can be downloaded here, so the test builds a tiny ONNX graph (with the onnx
package) whose output has YOLOv8's layout and a known detection: what is tested is our loading,
decoding, scaling, filtering, and the pipeline searching faces only inside people.
"""

import os
import types

import cv2
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from face_attendance_daemon.config import RecognitionSettings
from face_attendance_daemon.engine import Gallery, get_encoder
from face_attendance_daemon.person_detect import PersonDetector, regions_for_faces
from face_attendance_daemon.pipeline import CameraPipeline


@pytest.fixture(scope="module")
def yolo_model(tmp_path_factory):
    anchors = 100
    output = np.zeros((1, 84, anchors), np.float32)
    output[0, :4, 0] = [320, 300, 200, 400]  # a person: centre, size in the 640x640 input
    output[0, 4, 0] = 0.9
    output[0, :4, 1] = [100, 100, 50, 50]  # too weak to count
    output[0, 4, 1] = 0.1
    output[0, :4, 2] = [322, 302, 198, 396]  # the same person again: removed by NMS
    output[0, 4, 2] = 0.8
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["mean"], keepdims=1),
        helper.make_node("Reshape", ["mean", "shape"], ["mean3"]),
        helper.make_node("Mul", ["mean3", "zero"], ["nothing"]),
        helper.make_node("Add", ["nothing", "detections"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes,
        "yolo_shaped",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 640, 640])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 84, anchors])],
        initializer=[
            numpy_helper.from_array(np.array([1, 1, 1], np.int64), "shape"),
            numpy_helper.from_array(np.zeros((1, 1, 1), np.float32), "zero"),
            numpy_helper.from_array(output, "detections"),
        ],
    )
    path = str(tmp_path_factory.mktemp("yolo") / "person.onnx")
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    return path


def test_detections_are_decoded_scaled_and_filtered(yolo_model):
    detector = PersonDetector(yolo_model, confidence=0.4)
    boxes = detector.detect(np.zeros((480, 640, 3), np.uint8))
    assert boxes == [(220, 75, 200, 300)]  # x scaled by 640/640, y by 480/640


def test_faces_are_searched_only_inside_people(yolo_model, photo, faces_dir):
    encoder = get_encoder("sface")
    gallery = Gallery(encoder)
    kofi = cv2.imdecode(np.frombuffer(photo("Kofi_Annan", 1), np.uint8), cv2.IMREAD_COLOR)
    gallery.replace([(1, 7, encoder.encode(kofi, encoder.detect(kofi)[0]))])
    frame = np.full((480, 640, 3), 100, np.uint8)
    frame[55:255, 220:420] = cv2.resize(
        cv2.imdecode(np.frombuffer(photo("Kofi_Annan", 4), np.uint8), cv2.IMREAD_COLOR), (200, 200)
    )
    stranger = cv2.imread(os.path.join(faces_dir, "unknown", "Aaron_Pena_0001.jpg"))
    frame[270:470, 430:630] = cv2.resize(stranger, (200, 200))  # outside the person box
    pipeline = CameraPipeline(
        {"id": 1, "name": "wide"},
        None,
        encoder,
        types.SimpleNamespace(gallery=gallery, names={}),
        None,
        lambda: None,
        RecognitionSettings(min_face_size=20),
        "t",
        0.5,
        person_detector=PersonDetector(yolo_model),
    )
    found = pipeline.identify(frame)
    assert len(found) == 1
    assert found[0].match.person_key == 7
    x, y, _w, _h = found[0].box
    assert 220 <= x < 420 and 55 <= y < 255  # mapped back to frame coordinates
    without = CameraPipeline(
        {"id": 1, "name": "wide"},
        None,
        encoder,
        types.SimpleNamespace(gallery=gallery, names={}),
        None,
        lambda: None,
        RecognitionSettings(min_face_size=20),
        "t",
        0.5,
    )
    assert len(without.identify(frame)) == 2
    assert len(regions_for_faces(frame, [(220, 75, 200, 300)])) == 1


def test_model_errors_are_clear(tmp_path):
    with pytest.raises(FileNotFoundError):
        PersonDetector(str(tmp_path / "missing.onnx"))
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"x")
    with pytest.raises(ValueError, match=".pt"):
        PersonDetector(str(bad))
