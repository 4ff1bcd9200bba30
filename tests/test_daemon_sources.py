"""Camera sources come from Odoo, typed by people: the daemon opens only what its own configuration
allows. Real files, real sockets and the daemon's real executors; no Odoo."""

import os
import shutil
import socket
import threading
import types

import cv2
import numpy as np
import pytest

from face_attendance_daemon.capture import REFUSED, CameraSource, SourceRefused, checked_source
from face_attendance_daemon.commands import CommandRunner
from face_attendance_daemon.config import CaptureSettings, ConfigError, SyncSettings, load


@pytest.fixture()
def roots(tmp_path):
    """An allowed folder with a video, and a private file beside it (outside the folder)."""
    allowed = tmp_path / "videos"
    allowed.mkdir()
    video = str(allowed / "door.avi")
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*"MJPG"), 10, (160, 120))
    for index in range(20):
        writer.write(np.full((120, 160, 3), index * 10, np.uint8))
    writer.release()
    secret = str(tmp_path / "secret.png")
    cv2.imwrite(secret, np.full((120, 160, 3), 200, np.uint8))
    return types.SimpleNamespace(allowed=str(allowed), video=video, secret=secret, tmp=tmp_path)


def refused(source_type, source, settings):
    with pytest.raises(SourceRefused) as caught:
        checked_source(source_type, source, settings)
    assert REFUSED in str(caught.value)
    return str(caught.value)


def test_file_sources_only_under_the_configured_folders(roots):
    settings = CaptureSettings(file_roots=[roots.allowed])
    assert checked_source("file", roots.video, settings) == os.path.realpath(roots.video)
    # No folder configured: no file at all.
    refused("file", roots.video, CaptureSettings())
    refused("file", roots.secret, settings)
    refused("file", "/etc/passwd", settings)
    refused("file", os.path.join(roots.allowed, "..", "secret.png"), settings)
    refused("file", "file://" + roots.video, settings)
    refused("file", "FILE:" + roots.video, settings)
    refused("file", os.path.join(roots.allowed, "frame_%03d.png"), settings)
    refused("file", os.path.join(roots.allowed, "*.avi"), settings)
    refused("file", "concat:%s|%s" % (roots.video, roots.secret), settings)
    # A link inside the folder to a file outside it is outside; a folder whose name only starts
    # like the allowed one is another folder.
    os.symlink(roots.secret, os.path.join(roots.allowed, "link.png"))
    refused("file", os.path.join(roots.allowed, "link.png"), settings)
    sibling = roots.allowed + "-other"
    os.mkdir(sibling)
    shutil.copy(roots.video, sibling)
    refused("file", os.path.join(sibling, "door.avi"), settings)
    # The allowed folder reached through a link is still the allowed folder.
    os.symlink(roots.allowed, str(roots.tmp / "via-link"))
    assert checked_source("file", str(roots.tmp / "via-link" / "door.avi"), settings) == os.path.realpath(roots.video)


def test_stream_sources_to_the_daemons_host_and_site_are_refused():
    settings = CaptureSettings()
    for source in (
        "http://127.0.0.1:8069/web",
        "http://localhost:8069/web",  # a name that resolves to loopback
        "http://2130706433/",  # 127.0.0.1 written as a number
        "http://0.0.0.0:22/",
        "http://[::1]:8069/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "http://[fe80::1]/",
        "http://192.168.1.10/mjpeg",
        "http://10.0.0.5/",
        "http://user:pw@172.16.0.1/",
        "http://100.64.0.1/",
        "http://unresolvable.invalid/",
        "http://8.8.8.8\\@127.0.0.1/",
        # Hosts that readers of URLs disagree on: the credentials end at the last "@" for some.
        "http://8.8.8.8#@127.0.0.1:9911/",
        "http://8.8.8.8?@127.0.0.1/",
        "http://8.8.8.8/@127.0.0.1/",
        "rtsp://8.8.8.8/stream#x",
        "file:///etc/passwd",
        "ftp://8.8.8.8/x",
    ):
        message = refused("http", source, settings)
        assert "pw@" not in message
    for source in ("rtsp://127.0.0.1:554/stream", "rtsp://192.168.0.20/h264", "http://192.168.0.20/x"):
        refused("rtsp", source, settings)
    assert checked_source("rtsp", "rtsp://8.8.8.8/stream", settings) == "rtsp://8.8.8.8/stream"
    # Credentials are fine, with their reserved characters percent-encoded.
    assert checked_source("rtsp", "rtsp://cam:p%2F%3Fss@8.8.8.8/stream", settings)
    # The cameras' subnet, once listed, is allowed; other private networks stay refused.
    site = CaptureSettings(allowed_networks=["192.168.0.0/24", "127.0.0.1/32"])
    assert checked_source("rtsp", "rtsp://192.168.0.20/h264", site)
    assert checked_source("http", "http://127.0.0.1:8554/restream", site)
    refused("rtsp", "rtsp://192.168.1.20/h264", site)
    refused("http", "http://169.254.169.254/", site)
    refused("webcam", "../dev/video0", settings)
    assert checked_source("webcam", "0", settings) == "0"


def listening():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.5)
    return server


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Daemon:
    def __init__(self, capture):
        self.pipelines = {}
        self.config = types.SimpleNamespace(capture=capture, daemon=types.SimpleNamespace(restart_mode="exec"))

    def resolve_camera(self, camera):
        return dict(camera)


def run(capture, kind, source_type, source):
    commands = CommandRunner(Daemon(capture), None, 1, SyncSettings(command_timeout=10))
    camera = {"id": 7, "name": "Probe", "source_type": source_type, "source": source, "direction": "both"}
    return commands.execute({"id": 1, "kind": kind, "camera": camera})


def test_test_connection_is_no_port_scanner():
    server = listening()
    open_port, shut_port = server.getsockname()[1], closed_port()
    try:
        answers = {}
        for kind in ("test_connection", "snapshot"):
            for port in (open_port, shut_port):
                ok, result, snapshot = run(CaptureSettings(), kind, "http", "http://127.0.0.1:%d/video" % port)
                assert (ok, snapshot) == (False, None)
                assert REFUSED in result["message"]
                result.pop("durationMs")
                answers[kind, port] = str(result).replace(str(port), "PORT")
            assert answers[kind, open_port] == answers[kind, shut_port], "open and closed ports answer alike"
        with pytest.raises(socket.timeout):
            server.accept()  # nothing ever connected to the open port
    finally:
        server.close()


def test_snapshot_of_a_file_outside_the_folders_is_refused(roots):
    capture = CaptureSettings(file_roots=[roots.allowed])
    for source in (roots.secret, "file://" + roots.secret, os.path.join(roots.allowed, "..", "secret.png")):
        ok, result, snapshot = run(capture, "snapshot", "file", source)
        assert (ok, snapshot) == (False, None) and REFUSED in result["message"]
        ok, result, _none = run(capture, "test_connection", "file", source)
        assert not ok and REFUSED in result["message"]
    ok, result, snapshot = run(capture, "snapshot", "file", roots.video)
    assert ok and snapshot, result


def test_the_pipeline_refuses_too(roots):
    settings = CaptureSettings(reconnect_base=0.2, reconnect_max=0.5, file_roots=[roots.allowed])
    outside = CameraSource(1, "file", roots.secret, settings).start()
    inside = CameraSource(2, "file", roots.video, settings).start()
    try:
        frame = inside.next_frame(timeout=5)
        assert frame is not None
        ended = threading.Event()
        ended.wait(1.0)
        assert outside.stats.frames_read == 0 and outside.stats.errors >= 1
        assert REFUSED in outside.stats.last_error
    finally:
        outside.stop()
        inside.stop()


def test_configuration_of_the_rules(tmp_path):
    path = tmp_path / "daemon.toml"
    path.write_text(
        '[odoo]\ndb = "x"\napi_key = "%s"\n[capture]\nfile_roots = ["%s"]\nallowed_networks = ["192.168.0.0/24"]\n'
        % ("a" * 40, tmp_path)
    )
    config = load(str(path), environ={})
    assert config.capture.file_roots == [str(tmp_path)] and config.capture.allowed_networks == ["192.168.0.0/24"]
    config = load(str(path), environ={"FA_CAPTURE_ALLOWED_NETWORKS": "10.1.0.0/16, 127.0.0.1/32"})
    assert config.capture.allowed_networks == ["10.1.0.0/16", "127.0.0.1/32"]
    assert load(str(path), environ={"FA_CAPTURE_FILE_ROOTS": ""}).capture.file_roots == []
    path.write_text(
        '[odoo]\ndb = "x"\napi_key = "%s"\n[capture]\nfile_roots = ["relative/videos", "/no/such/folder"]\n'
        'allowed_networks = ["192.168.0.0/33", 5]\n' % ("a" * 40)
    )
    with pytest.raises(ConfigError) as caught:
        load(str(path), environ={})
    problems = "\n".join(caught.value.problems)
    assert "'relative/videos' is not an absolute path" in problems and "/no/such/folder" in problems
    assert "allowed_networks" in problems
