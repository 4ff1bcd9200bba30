"""The wire and storage form of a template: little-endian float32 bytes."""

import numpy as np

from .errors import EngineError


def vector_to_bytes(vector):
    return np.asarray(vector, dtype="<f4").tobytes()


def vector_from_bytes(data, dimension=None):
    vector = np.frombuffer(bytes(data), dtype="<f4")
    if dimension is not None and vector.shape[0] != dimension:
        raise EngineError("A template has %d values where %d were expected." % (vector.shape[0], dimension))
    if not np.all(np.isfinite(vector)):
        raise EngineError("A template holds values that are not finite numbers.")
    return vector.astype(np.float32)
