"""Locating model files inside their installed packages, and checking them before use."""

import hashlib
import importlib.util
import os

from .errors import EngineUnavailable

_verified = {}


def package_file(package, relative_path, sha256):
    """Path of a file shipped in ``package``, after checking its sha256 (once per process)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EngineUnavailable("The Python package %r that ships the model files is not installed." % package)
    path = os.path.join(list(spec.submodule_search_locations)[0], relative_path)
    if not os.path.isfile(path):
        raise EngineUnavailable("The model file %s is missing." % path)
    if _verified.get(path) != sha256:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        if digest.hexdigest() != sha256:
            raise EngineUnavailable(
                "The model file %s is damaged (sha256 %s, expected %s)." % (path, digest.hexdigest(), sha256)
            )
        _verified[path] = sha256
    return path
