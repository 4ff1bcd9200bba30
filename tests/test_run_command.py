"""The run command where users start it: as root, from a directory nobody else may enter.

nginx, started by root, runs its workers as nobody; they buffer every request body larger than
nginx's memory buffer (every photo) in files. This starts scripts/run.sh as root from a private
directory (mode 700) with prefork workers behind nginx, posts a real photo to /api/v1/recognize and
checks that the answer is the API's JSON, as is a proxy error on /api/."""

import base64
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import cv2
import pytest
from odoo_server import ARTIFACTS, ROOT, clone_database, drop_database

NGINX_BUFFER = 16 * 1024  # client_body_buffer_size: two memory pages, 8 or 16 KiB


def free_ports(first):
    """A port p with p (nginx), p+1 (Odoo's workers) and p+3 (its websocket process) all free."""
    for port in range(first, first + 200, 5):
        try:
            for offset in (0, 1, 3):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port + offset))
        except OSError:
            continue
        return port
    raise RuntimeError("no free ports from %d" % first)


def request(url, body=None, headers=None, timeout=60):
    req = urllib.request.Request(url, data=body, headers=headers or {}, method="POST" if body else "GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as answer:
            return answer.status, answer.headers.get("Content-Type", ""), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


@pytest.fixture(scope="module")
def run_command(odoo_template):
    if os.geteuid() != 0:
        pytest.skip("starts the run command as root (nginx's workers then run as nobody): run the tests as root")
    major = os.environ.get("FA_ODOO_MAJOR", "18")
    db = "fa_run_%d" % os.getpid()
    clone_database(odoo_template, db)
    port = free_ports(int(os.environ.get("FA_RUN_TEST_PORT", "8600")))
    private = tempfile.mkdtemp(prefix="fa-run-")
    os.chmod(private, 0o700)
    project = os.path.join(private, "project")
    os.symlink(ROOT, project)  # the checkout as seen from the private directory
    env = dict(os.environ, FA_DB=db, FA_HTTP_PORT=str(port), FA_WORKERS="2", FA_ODOO_VERSION=major)
    for name in ("FA_ODOO_PORT", "FA_GEVENT_PORT"):
        env.pop(name, None)
    proxy_dir = os.path.join(ROOT, "var", "proxy", str(port))
    os.makedirs(ARTIFACTS, exist_ok=True)
    log = open(os.path.join(ARTIFACTS, "run-command-odoo%s.log" % major), "wb")
    process = None
    try:
        key = subprocess.run(
            [os.path.join(project, "scripts", "create_api_key.sh"), "run command", "admin", "recognize"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        secret = re.search(r"^Key: (\S+)", key.stdout, re.M)
        assert secret, key.stdout + key.stderr
        if os.path.exists(os.path.join(proxy_dir, "error.log")):
            os.remove(os.path.join(proxy_dir, "error.log"))  # an earlier run's lines are not this run's
        process = subprocess.Popen(
            [os.path.join(project, "scripts", "run.sh")],
            cwd=private,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = "http://127.0.0.1:%d" % port
        deadline = time.monotonic() + 100
        while time.monotonic() < deadline:
            assert process.poll() is None, "the run command ended: see %s" % log.name
            try:
                if request(url + "/api/v1/health", timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(1)
        else:
            raise AssertionError("the run command did not answer /api/v1/health in time: see %s" % log.name)
        yield url, secret.group(1), proxy_dir
    finally:
        if process is not None:
            stop(process)
        log.close()
        drop_database(db)
        shutil.rmtree(private, ignore_errors=True)


def stop(process):
    """The run command stops its Odoo and nginx on SIGTERM; its whole session is ended either way."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def test_a_photo_through_the_run_command_started_as_root_from_a_private_directory(run_command, faces_dir):
    url, secret, proxy_dir = run_command
    # A real photo, at twice its size: well over nginx's memory buffer, so nginx writes it to a file.
    image = cv2.imread(os.path.join(faces_dir, "known", "Kofi_Annan", "Kofi_Annan_0004.jpg"))
    image = cv2.resize(image, (image.shape[1] * 2, image.shape[0] * 2))
    photo = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
    body = json.dumps({"image": base64.b64encode(photo).decode()}).encode()
    assert len(body) > NGINX_BUFFER
    for _attempt in range(3):
        status, kind, answer = request(
            url + "/api/v1/recognize", body, {"X-API-Key": secret, "Content-Type": "application/json"}
        )
        assert kind.startswith("application/json"), (status, answer[:300])
        assert status == 200, answer[:300]
        payload = json.loads(answer)
        assert payload["success"] and payload["data"]["count"] == 1, payload
    with open(os.path.join(proxy_dir, "error.log")) as handle:
        errors = handle.read()
    assert "Permission denied" not in errors
    # The body went through a file of nginx's workers, outside the private directory.
    with open(os.path.join(proxy_dir, "nginx.conf")) as handle:
        temp_dir = re.search(r"client_body_temp_path (\S+)/body;", handle.read()).group(1)
    assert not temp_dir.startswith(os.path.dirname(ROOT)) and os.stat(temp_dir).st_mode & 0o077 == 0


def test_a_proxy_error_on_the_api_is_json(run_command):
    url, _secret, _proxy_dir = run_command
    host, port = url.rsplit("/", 1)[1].split(":")
    # A body over nginx's limit is refused by nginx itself, before Odoo sees it.
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.putrequest("POST", "/api/v1/recognize")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(512 * 1024 * 1024))
    connection.endheaders()
    answer = connection.getresponse()
    body = answer.read()
    connection.close()
    assert answer.status == 413
    assert answer.getheader("Content-Type").startswith("application/json"), body[:200]
    payload = json.loads(body)
    assert payload["success"] is False and payload["error"]["code"] == "PAYLOAD_TOO_LARGE" and payload["requestId"]


def test_malformed_requests_to_the_api_answer_json_too(run_command):
    url, _secret, _proxy_dir = run_command
    host, port = url.rsplit("/", 1)[1].split(":")
    for request, status in (
        # Headers over nginx's buffers: refused before a location is chosen.
        (b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 30000 + b"\r\n\r\n", 400),
        (b"POST /api/v1/recognize HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n\r\n", 400),
        (b"POST /api/v1/recognize HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    ):
        with socket.create_connection((host, int(port)), timeout=30) as connection:
            connection.sendall(request)
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                chunk = connection.recv(65536)
                if not chunk:
                    break
                answer += chunk
        head, _sep, body = answer.partition(b"\r\n\r\n")
        assert head.split(b" ")[1] == str(status).encode(), head
        assert b"content-type: application/json" in head.lower(), answer[:300]
        assert json.loads(body)["success"] is False
