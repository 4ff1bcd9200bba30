"""Cameras driven through their daemon: Odoo's command queue, the daemon's executors.

The unit tests run the executors on a real video file (no Odoo). The end-to-end test starts a
real Odoo server and a real ``face-attendance-daemon`` process reading a file camera, and asks for
a connection test and a snapshot over the REST API, then restarts the daemon through the queue.
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import types
import urllib.error
import urllib.request

import cv2
import numpy as np
import pytest
from odoo_server import ARTIFACTS

from face_attendance_daemon.commands import CommandRunner, jpeg_b64, probe
from face_attendance_daemon.config import CaptureSettings, SyncSettings
from face_attendance_daemon.transport import TransportError

WIDTH, HEIGHT, FPS = 320, 240, 12
# The test videos live under the temporary directory: the daemon may play files there.
CAPTURE = CaptureSettings(file_roots=[tempfile.gettempdir()])


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """A short video of moving colour bars: its size and frame rate are what the tests expect back."""
    path = str(tmp_path_factory.mktemp("commands") / "camera.avi")
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), FPS, (WIDTH, HEIGHT))
    assert writer.isOpened()
    for index in range(FPS * 4):
        frame = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
        frame[:, (index * 7) % WIDTH :] = (40, 160, 220)
        cv2.putText(frame, str(index), (20, 120), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
        writer.write(frame)
    writer.release()
    return path


# ---------------------------------------------------------------------- executors, without Odoo
class FakeTransport:
    def __init__(self, commands=()):
        self.queue = list(commands)
        self.answers = []
        self.fail_answers = 0

    def commands(self, daemon_id):
        queue, self.queue = self.queue, []
        return queue

    def command_result(self, daemon_id, command_id, success, result, snapshot_b64=None):
        if self.fail_answers:
            self.fail_answers -= 1
            raise TransportError("Odoo is restarting")
        self.answers.append((command_id, success, result, snapshot_b64))
        return "done" if success else "failed"


class FakeOutbox:
    def __init__(self, pending):
        self.pending = pending
        self.retried = False

    def pending_count(self):
        return self.pending

    def retry_now(self):
        self.retried = True


class FakeDaemon:
    def __init__(self, pending=0):
        self.pipelines = {}
        self.outbox = FakeOutbox(pending)
        self.restarted = []
        self.restart_requests = 0
        self.config = types.SimpleNamespace(daemon=types.SimpleNamespace(restart_mode="exec"), capture=CAPTURE)

        class Delivery:
            def wake(inner):
                self.outbox.pending = 0  # delivered at once

        self.delivery = Delivery()

    def resolve_camera(self, camera):
        return dict(camera)

    def restart_camera(self, camera_id):
        self.restarted.append(camera_id)
        return camera_id == 7

    def request_restart(self):
        self.restart_requests += 1


def runner(daemon, transport=None, **settings):
    sync = SyncSettings(**settings)
    return CommandRunner(daemon, transport or FakeTransport(), 1, sync)


def file_camera(path):
    return {"id": 7, "name": "File", "source_type": "file", "source": path, "direction": "both"}


def test_probe_reads_size_and_frame_rate(video):
    result, image = probe(file_camera(video), CAPTURE)
    assert result["success"], result
    assert (result["resolution"], result["width"], result["height"]) == ("%dx%d" % (WIDTH, HEIGHT), WIDTH, HEIGHT)
    assert result["frameRate"] == pytest.approx(FPS)
    assert result["latencyMs"] >= 0
    assert image.shape == (HEIGHT, WIDTH, 3)


def test_probe_failures_are_answers():
    result, image = probe(
        {"source_type": "file", "source": os.path.join(tempfile.gettempdir(), "nonexistent.mp4")}, CAPTURE
    )
    assert (result["success"], image) == (False, None)
    assert "Cannot open" in result["message"]
    result, _image = probe({"source_type": "rtsp", "source": "rtsp://user:secret@127.0.0.1:1/x"}, CAPTURE)
    assert not result["success"]
    assert "secret" not in result["message"], "credentials never reach a message"
    result, _image = probe({"source_type": "webcam", "source": "not-a-number"}, CAPTURE)
    assert not result["success"]


def test_executors(video):
    daemon = FakeDaemon(pending=3)
    commands = runner(daemon)
    ok, result, snapshot = commands.execute({"id": 1, "kind": "test_connection", "camera": file_camera(video)})
    assert ok and result["resolution"] == "320x240" and result["frameRate"] == pytest.approx(FPS)
    ok, result, snapshot = commands.execute({"id": 2, "kind": "snapshot", "camera": file_camera(video)})
    assert ok, result
    data = base64.b64decode(snapshot)
    assert data[:3] == b"\xff\xd8\xff" and result["bytes"] == len(data)
    assert cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR).shape == (HEIGHT, WIDTH, 3)
    ok, result, _none = commands.execute({"id": 3, "kind": "snapshot", "camera": file_camera("/nonexistent.mp4")})
    assert not ok and not result["success"]
    ok, result, _none = commands.execute({"id": 4, "kind": "restart_camera", "camera": file_camera(video)})
    assert ok and daemon.restarted == [7]
    ok, result, _none = commands.execute({"id": 5, "kind": "restart_camera", "camera": {"id": 8}})
    assert not ok and "not running" in result["message"]
    ok, result, _none = commands.execute({"id": 6, "kind": "flush_outbox"})
    assert ok and (result["pendingBefore"], result["pending"]) == (3, 0) and daemon.outbox.retried
    ok, result, _none = commands.execute({"id": 7, "kind": "format_disk"})
    assert not ok and "does not know" in result["message"]
    ok, result, _none = commands.execute({"id": 8, "kind": "snapshot", "camera": False})
    assert not ok


def test_snapshot_size_is_bounded(video):
    _result, image = probe(file_camera(video), CAPTURE)
    big = cv2.resize(image, (1920, 1440))
    data, size = jpeg_b64(big, 20_000)
    assert data and size <= 20_000
    assert jpeg_b64(big, 10)[0] is None


def test_a_hung_camera_answers_in_time():
    release = threading.Event()

    class Hanging:
        def isOpened(self):
            release.wait(30)
            return False

        def release(self):
            pass

    daemon = FakeDaemon()
    commands = CommandRunner(
        daemon, FakeTransport(), 1, SyncSettings(command_timeout=1.0), opener=lambda *_a: Hanging()
    )
    started = time.monotonic()
    ok, result, _none = commands.execute(
        {"id": 1, "kind": "test_connection", "camera": {"id": 7, "source_type": "rtsp", "source": "rtsp://1.1.1.1/x"}}
    )
    release.set()
    assert not ok and "within" in result["message"]
    assert time.monotonic() - started < 10


def test_poll_loop_answers_once_and_retries_answers(video):
    daemon = FakeDaemon()
    transport = FakeTransport(
        [{"id": 11, "kind": "test_connection", "camera": file_camera(video)}, {"id": 12, "kind": "restart_daemon"}]
    )
    transport.fail_answers = 1  # the first answer is lost: it is sent again
    commands = runner(daemon, transport, command_interval=0.2)
    stop = threading.Event()
    thread = threading.Thread(target=commands.run, args=(stop,), daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while len(transport.answers) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(5)
    answered = {command_id: (success, result) for command_id, success, result, _snap in transport.answers}
    assert sorted(answered) == [11, 12]
    assert answered[11][0] and answered[12][0]
    assert "_after" not in answered[12][1], "the restart hook stays in the daemon"
    assert daemon.restart_requests == 1, "the daemon restarts after answering"


# ---------------------------------------------------------------------- end to end
DEVICE_LOGIN, DEVICE_PASSWORD = "cmd-e2e-daemon", "cmd-e2e-daemon-secret"


def api(server, key, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.url + path, data=data, method=method)
    request.add_header("X-API-Key", key)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.headers.get("Content-Type", ""), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def command_answer(server, key, path):
    """POST a command route until the daemon answers it: 202 jobs are followed with GET /jobs/{id}."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status, _kind, body = api(server, key, "POST", path)
        payload = json.loads(body)
        if status in (200, 201):
            return status, payload["data"]
        assert status == 202, payload
        job = payload["data"]["jobId"]
        while time.monotonic() < deadline:
            _status, _kind, body = api(server, key, "GET", "/api/v1/jobs/%d" % job)
            job_data = json.loads(body)["data"]
            if job_data["status"] not in ("queued", "sent"):
                break
            time.sleep(0.5)
        if job_data["status"] in ("done", "failed"):
            # Answered after the route stopped waiting (the daemon was still starting): ask again,
            # the daemon now polls and answers in time.
            continue
    raise AssertionError("the daemon never answered %s" % path)


def test_commands_end_to_end(odoo_servers, video, tmp_path):
    server = odoo_servers("commands")
    user_id = server.create_user(
        "Commands daemon", DEVICE_LOGIN, DEVICE_PASSWORD, ["face_attendance.group_face_attendance_device"]
    )
    device_key = server.create_user_api_keys(DEVICE_LOGIN, "cmd")["cmd"]
    daemon_id = server.rpc("face.daemon", "create", {"name": "cmd-e2e", "user_id": user_id})
    camera_id = server.rpc(
        "face.camera",
        "create",
        {
            "name": "Commands file camera",
            "source_type": "file",
            "source": video,
            "direction": "both",
            "daemon_id": daemon_id,
        },
    )
    key = server.create_api_key("commands-e2e", "*")
    config = str(tmp_path / "daemon.toml")
    with open(config, "w") as handle:
        handle.write(
            """
[odoo]
url = "%s"
db = "%s"
login = "%s"
api_key = "%s"
timeout = 20

[daemon]
name = "cmd-e2e"
state_dir = "%s"
health_port = 0

[capture]
file_loop = true
file_roots = [%s]

[recognition]
process_fps = 2

[sync]
heartbeat_interval = 2
command_interval = 0.5
"""
            % (server.url, server.db, DEVICE_LOGIN, device_key, tmp_path / "state", json.dumps(os.path.dirname(video)))
        )
    major = int(os.environ.get("FA_ODOO_MAJOR", "18"))
    log_path = os.path.join(ARTIFACTS, "daemon-commands-e2e-odoo%d.log" % major)
    if os.path.exists(log_path):
        os.remove(log_path)
    log = open(log_path, "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "face_attendance_daemon.cli", "run", "-c", config], stdout=log, stderr=subprocess.STDOUT
    )
    log.close()
    try:
        status, data = command_answer(server, key, "/api/v1/cameras/%d/test-connection" % camera_id)
        assert status == 200, data
        assert data["success"] is True, data
        assert data["resolution"] == "%dx%d" % (WIDTH, HEIGHT)
        assert data["fps"] == pytest.approx(FPS) and data["frameRate"] == pytest.approx(FPS)
        assert data["latencyMs"] is not None

        status, data = command_answer(server, key, "/api/v1/cameras/%d/snapshot" % camera_id)
        assert status == 201, data
        status, kind, body = api(server, key, "GET", data["url"])
        assert (status, kind) == (200, "image/jpeg")
        assert body[:3] == b"\xff\xd8\xff"
        image = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR)
        assert image.shape == (HEIGHT, WIDTH, 3)
        [attachment] = server.rpc("ir.attachment", "read", [data["assetId"]], ["mimetype", "res_model"])
        assert (attachment["mimetype"], attachment["res_model"]) == ("image/jpeg", "face.daemon.command")

        # The camera list shows the test's figures; the summary its day.
        status, _kind, body = api(server, key, "GET", "/api/v1/cameras/%d" % camera_id)
        camera = json.loads(body)["data"]
        assert (camera["resolution"], camera["streamType"]) == ("%dx%d" % (WIDTH, HEIGHT), "FILE")

        # Restart through the queue: the daemon answers, re-executes itself (same process) and
        # answers commands again.
        pid = process.pid
        command_id = server.rpc("face.daemon", "action_restart_daemon", [daemon_id])["res_id"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            [job] = server.rpc("face.daemon.command", "read", [command_id], ["state", "result"])
            if job["state"] not in ("queued", "sent"):
                break
            time.sleep(0.5)
        assert job["state"] == "done", job
        assert job["result"]["pid"] == pid
        status, data = command_answer(server, key, "/api/v1/cameras/%d/test-connection" % camera_id)
        assert status == 200 and data["success"], data
        assert process.poll() is None and process.pid == pid, "re-executed in place"
        with open(log_path, "rb") as handle:
            assert handle.read().count(b"daemon started") >= 2
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
