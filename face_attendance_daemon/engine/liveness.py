"""Passive liveness: is the face in a camera frame a live person, or a photo held up to the camera?

Two MiniFASNet models (Silent-Face-Anti-Spoofing, minivision-ai, Apache-2.0; ONNX exports) each
look at the face at their own crop scale; their "real" probabilities are averaged. Neither is
downloaded at run time: the files come from a directory the operator sets (``FA_LIVENESS_MODELS``
for the daemon, a setting in Odoo) and are checked against their sha256 before use. Without them
liveness is *unavailable* (``score`` None, ``live`` None) — never "live": each caller decides what
an unavailable check means for it.
"""

import os
import queue
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

import cv2
import numpy as np

from .errors import EngineUnavailable
from .model_files import verified_file

ENV_MODEL_DIR = "FA_LIVENESS_MODELS"
# 0.5 is the models' own decision point; on the shared NUAA frames it passes 95% of real frames and
# no attack frame (BENCHMARKS.md), and the kiosk's K-of-M rule absorbs the real frames it misses.
DEFAULT_THRESHOLD = 0.5
INPUT_SIZE = 80
RETRY_SECONDS = 60
REAL_INDEX = 1


@dataclass(frozen=True)
class LivenessModel:
    name: str
    crop_scale: float
    # The files in ../shared/data/models and, with other bytes, the same weights as published by
    # yakhyo/face-anti-spoofing (releases/download/weights/<published_name>).
    file_names: tuple
    sha256: tuple


MODELS = (
    LivenessModel(
        "MiniFASNetV2",
        2.7,
        ("minifasnet_v2.onnx", "MiniFASNetV2.onnx"),
        (
            "4eed38f0bde33c9b805942a5f25e42ce1161e2bda545254be622be957727794e",
            "b32929adc2d9c34b9486f8c4c7bc97c1b69bc0ea9befefc380e4faae4e463907",
        ),
    ),
    LivenessModel(
        "MiniFASNetV1SE",
        4.0,
        ("minifasnet_v1se.onnx", "MiniFASNetV1SE.onnx"),
        (
            "d819a69bac6b9ade2a0f4d9b60b618e1260f7bf3ba1fddff6c5d82131cb1083f",
            "ebab7f90c7833fbccd46d3a555410e78d969db5438e169b6524be444862b3676",
        ),
    ),
)


@dataclass(frozen=True)
class LivenessResult:
    """``score`` is 0..1 (None when unavailable); ``live`` is True/False, or None when unavailable."""

    score: object
    live: object
    reason: str = ""

    def as_dict(self):
        return {"score": None if self.score is None else round(float(self.score), 4), "live": self.live}


UNAVAILABLE = LivenessResult(None, None, "unavailable")


def crop_for_model(image, box, scale, size=INPUT_SIZE):
    """The face box enlarged ``scale`` times around its centre, clamped to the image, at size x size.

    Clamped, not shifted back into the frame: the exports were made (and measured, see
    ../shared/data/models/README.md) that way; shifting the box passed 78% of real frames at 0.5
    instead of 95% on the shared NUAA frames.
    """
    height, width = image.shape[:2]
    x, y, w, h = (float(v) for v in box)
    cx, cy = x + w / 2.0, y + h / 2.0
    half_w, half_h = w * scale / 2.0, h * scale / 2.0
    left, top = int(max(0.0, cx - half_w)), int(max(0.0, cy - half_h))
    right, bottom = int(min(float(width), cx + half_w)), int(min(float(height), cy + half_h))
    if right - left < 2 or bottom - top < 2:
        raise ValueError("face box %r lies outside the image" % (box,))
    return cv2.resize(image[top:bottom, left:right], (size, size))


def _softmax(logits):
    logits = np.asarray(logits, dtype=np.float64).reshape(-1)
    exp = np.exp(logits - logits.max())
    return exp / exp.sum()


class LivenessChecker:
    """Scores faces found by an encoder's detector; one per process and model directory."""

    def __init__(self, model_dir, threshold=DEFAULT_THRESHOLD):
        self.model_dir = model_dir
        self.threshold = float(threshold)
        self.paths = [self._find(model) for model in MODELS]
        # As with SFace: DNN nets are not thread-safe, so sets of nets are lent one caller at a time.
        self._idle = queue.LifoQueue()
        with self._nets():
            pass  # load once now, so a broken file fails here and not on the first frame

    def _find(self, model):
        for file_name in model.file_names:
            path = os.path.join(self.model_dir, file_name)
            if os.path.isfile(path):
                return verified_file(path, model.sha256)
        raise EngineUnavailable(
            "The liveness model %s is missing: none of %s in %s."
            % (model.name, " or ".join(model.file_names), self.model_dir)
        )

    @contextmanager
    def _nets(self):
        try:
            nets = self._idle.get_nowait()
        except queue.Empty:
            try:
                nets = [cv2.dnn.readNetFromONNX(path) for path in self.paths]
            except cv2.error as error:
                raise EngineUnavailable("OpenCV cannot load the liveness models: %s" % error) from None
        try:
            yield nets
        finally:
            self._idle.put(nets)

    def score(self, image, box):
        """The averaged "real" probability (0..1) of the face at ``box`` (x, y, w, h) in a BGR image."""
        if box[2] <= 0 or box[3] <= 0:
            raise ValueError("face box %r is empty" % (box,))
        blobs = [
            crop_for_model(image, box, model.crop_scale).astype(np.float32).transpose(2, 0, 1)[None] for model in MODELS
        ]
        probabilities = []
        with self._nets() as nets:
            for net, blob in zip(nets, blobs, strict=True):
                net.setInput(blob)
                probabilities.append(_softmax(net.forward())[REAL_INDEX])
        return float(np.mean(probabilities))

    def check(self, image, box, threshold=None):
        threshold = self.threshold if threshold is None else float(threshold)
        value = self.score(image, box)
        return LivenessResult(value, value >= threshold, "live" if value >= threshold else "spoof")


_checkers = {}
_lock = threading.Lock()


def model_dir_from_env():
    return os.environ.get(ENV_MODEL_DIR, "").strip()


def get_checker(model_dir=None):
    """The process's checker for ``model_dir`` (default: $FA_LIVENESS_MODELS), or None when the
    directory is not set or its files are missing or damaged (liveness unavailable)."""
    return checker_status(model_dir)[0]


def checker_status(model_dir=None):
    """(checker or None, why it is unavailable): the reason is for logs and settings pages."""
    model_dir = (model_dir if model_dir is not None else model_dir_from_env()) or ""
    if not model_dir:
        return None, "No liveness model directory is set."
    with _lock:
        checker, reason, tried_at = _checkers.get(model_dir, (None, "", None))
        # A failure is tried again after a while: files copied in later are picked up without a restart.
        if checker is None and (tried_at is None or time.monotonic() - tried_at > RETRY_SECONDS):
            try:
                checker, reason = LivenessChecker(model_dir), ""
            except EngineUnavailable as error:
                checker, reason = None, error.message
            _checkers[model_dir] = (checker, reason, time.monotonic())
        return checker, reason


def forget_checkers():
    """Drop loaded checkers (after the model directory's files changed)."""
    with _lock:
        _checkers.clear()


def check_face(checker, image, box, threshold=None):
    """Liveness of one face; UNAVAILABLE without a checker."""
    if checker is None:
        return UNAVAILABLE
    return checker.check(image, box, threshold)


# K of the last M frames of one person: enough live frames to believe a person stands there, enough
# refused ones to call it an attack; one odd frame (motion blur, a turn of the head) decides nothing.
DEFAULT_K, DEFAULT_M = 3, 5
LIVE, SPOOF, UNDECIDED = "live", "spoof", "undecided"


class LivenessVote:
    """Per-subject vote over consecutive frames (the kiosk's rule, and the benchmark's per attempt).

    ``add(subject, live)`` with live True/False (None, unavailable, is not counted) answers LIVE once
    K of the last M frames of that subject were live, SPOOF once it can no longer reach K in M
    (M - K + 1 refused frames among the last M), else UNDECIDED. Another subject starts a new window.
    """

    def __init__(self, k=DEFAULT_K, m=DEFAULT_M):
        if not 1 <= k <= m:
            raise ValueError("liveness vote needs 1 <= K <= M, got K=%s M=%s" % (k, m))
        self.k, self.m = int(k), int(m)
        self.subject = None
        self.window = []

    def reset(self):
        self.subject = None
        self.window = []

    def add(self, subject, live):
        if subject != self.subject:
            self.subject, self.window = subject, []
        if live is None:
            return UNDECIDED
        self.window = (self.window + [bool(live)])[-self.m :]
        return self.decision()

    def decision(self):
        live = sum(self.window)
        if live >= self.k:
            return LIVE
        if len(self.window) - live >= self.m - self.k + 1:
            return SPOOF
        return UNDECIDED

    def as_state(self):
        """Plain data to keep between requests (the kiosk's frames arrive in separate requests)."""
        return {"subject": self.subject, "window": list(self.window)}

    @classmethod
    def from_state(cls, state, k=DEFAULT_K, m=DEFAULT_M):
        vote = cls(k, m)
        if isinstance(state, dict) and isinstance(state.get("window"), list):
            vote.subject = state.get("subject")
            vote.window = [bool(v) for v in state["window"]][-vote.m :]
        return vote
