"""Encoders by name; each is built once per process because loading models is slow."""

import threading

from .errors import EngineError

DEFAULT_ENCODER = "sface"
ENCODERS = ("sface", "dlib")
_instances = {}
_lock = threading.Lock()


def _build(name):
    if name == "sface":
        from .sface import SFaceEncoder

        return SFaceEncoder()
    if name == "dlib":
        from .dlib_encoder import DlibEncoder

        return DlibEncoder()
    raise EngineError("Unknown encoder %r; known encoders: %s." % (name, ", ".join(ENCODERS)))


def get_encoder(name=DEFAULT_ENCODER):
    name = name or DEFAULT_ENCODER
    with _lock:
        if name not in _instances:
            _instances[name] = _build(name)
        return _instances[name]
