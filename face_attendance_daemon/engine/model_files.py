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
    return verified_file(path, (sha256,))


def verified_file(path, sha256s):
    """``path`` once its sha256 is one of ``sha256s`` (checked once per process and file)."""
    if _verified.get(path) not in sha256s:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        if digest.hexdigest() not in sha256s:
            raise EngineUnavailable(
                "The model file %s is damaged or not the expected one (sha256 %s, expected %s)."
                % (path, digest.hexdigest(), " or ".join(sha256s))
            )
        _verified[path] = digest.hexdigest()
    return path
