import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="session")
def faces_dir():
    path = os.environ.get("FA_FACES_DIR") or os.path.join(ROOT, "..", "shared", "data", "faces")
    if not os.path.isdir(os.path.join(path, "known")):
        pytest.fail("face photos not found at %s (set FA_FACES_DIR)" % path)
    return os.path.normpath(path)


@pytest.fixture(scope="session")
def photo(faces_dir):
    def load(person, number):
        with open(os.path.join(faces_dir, "known", person, "%s_%04d.jpg" % (person, number)), "rb") as handle:
            return handle.read()
    return load
