"""The daemon's JSON-2 transport against a real Odoo with the addon, as a device user's API key.

JSON-2 exists from Odoo 19: its tests skip on an Odoo 18 (told by GET /web/version). The choice of
protocol ("auto") is tested on both versions. Run with ODOO_SRC at the Odoo under test and that
version's virtualenv. The first tests need no Odoo: they give the transport the answers a proxy or
an overloaded server gives, which a healthy Odoo cannot be made to produce on demand.
"""

import base64
import datetime
import http.server
import logging
import os
import secrets
import socket
import subprocess
import sys
import threading
import time

import pytest
from odoo_server import ODOO_SRC

from face_attendance_daemon.transport import (
    AutoTransport,
    Json2Transport,
    PermanentError,
    TransportError,
    XmlRpcTransport,
)
from face_attendance_daemon.transport.json2 import server_version

DEVICE_GROUP = "face_attendance.group_face_attendance_device"
DEVICE_LOGIN, DEVICE_PASSWORD = "json2-daemon", "json2-daemon-secret"
DEPRECATION = "are deprecated in Odoo 19"


# ---------------------------------------------------------------------------------------- no Odoo
class _Peer(http.server.BaseHTTPRequestHandler):
    """Answers ``POST /<status>`` with that status, as proxies and overloaded servers do."""

    protocol_version = "HTTP/1.1"
    close_after_answer = False

    def do_POST(self):  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status = int(self.path.rsplit("/", 1)[1])
        body, kind = b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"
        if status == 200:  # what an Odoo 18 answers to a JSON POST on a path it does not know
            body, kind = (
                b'{"jsonrpc": "2.0", "id": null, "error": {"code": 404, "message": "404: Not Found"}}',
                "application/json",
            )
        elif status in (400, 413):
            body, kind = (
                b'{"name": "werkzeug.exceptions.BadRequest", "message": "no", "debug": "Traceback..."}',
                "application/json",
            )
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if status == 429:
            self.send_header("Retry-After", "7")
        if status == 302:
            self.send_header("Location", "https://odoo.example.com/")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = self.close_after_answer

    def log_message(self, *args):
        pass


@pytest.fixture()
def peer():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Peer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


KEY = "0123456789abcdef0123456789abcdef01234567"


def test_statuses_decide_between_retry_and_refusal(peer):
    url = "http://127.0.0.1:%d" % peer.server_address[1]
    transport = Json2Transport(url, "db", KEY, timeout=5)
    for status in (429, 500, 502, 503, 504, 409):
        with pytest.raises(TransportError) as caught:
            transport.call("x", str(status))
        assert not isinstance(caught.value, PermanentError), status
        assert "HTTP %d" % status in str(caught.value)
    with pytest.raises(TransportError, match="retry after 7 s"):
        transport.call("x", "429")
    for status in (400, 413):
        with pytest.raises(PermanentError, match=r"HTTP %d, BadRequest\): no$" % status):
            transport.call("x", str(status))
    with pytest.raises(PermanentError, match="to https://odoo.example.com/: check \\[odoo\\] url"):
        transport.call("x", "302")
    with pytest.raises(PermanentError, match='has no JSON-2 API .*protocol = "xmlrpc" or "auto"'):
        transport.call("x", "200")


def test_a_connection_closed_between_calls_is_reopened(peer):
    url = "http://127.0.0.1:%d" % peer.server_address[1]
    transport = Json2Transport(url, "db", KEY, timeout=5)
    with pytest.raises(TransportError):
        transport.call("x", "503")
    first = transport._local.connection.sock
    with pytest.raises(TransportError):
        transport.call("x", "503")
    assert transport._local.connection.sock is first  # kept alive
    # The peer now closes after each answer, without telling (no Connection: close).
    _Peer.close_after_answer = True
    try:
        for _ in range(3):
            with pytest.raises(TransportError, match="HTTP 503"):
                transport.call("x", "503")
    finally:
        _Peer.close_after_answer = False


def test_a_hung_or_absent_odoo_is_a_transport_error_within_the_timeout():
    with socket.socket() as hung:  # accepts the connection, never answers
        hung.bind(("127.0.0.1", 0))
        hung.listen(1)
        transport = Json2Transport("http://127.0.0.1:%d" % hung.getsockname()[1], "db", KEY, timeout=1)
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            transport.register("site", "host", "1", None)
        assert not isinstance(caught.value, PermanentError)
        assert time.monotonic() - started < 5
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for transport in (
        Json2Transport("http://127.0.0.1:%d" % port, "db", KEY, timeout=2),
        AutoTransport("http://127.0.0.1:%d" % port, "db", "", "", KEY, timeout=2),
    ):
        with pytest.raises(TransportError, match="cannot reach Odoo") as caught:
            transport.send_events(1, [])
        assert not isinstance(caught.value, PermanentError)


# ---------------------------------------------------------------------------------------- real Odoo
@pytest.fixture(scope="module")
def odoo(odoo_servers):
    return odoo_servers("json2")


@pytest.fixture(scope="module")
def odoo_major(odoo):
    answer = server_version(odoo.url, 10)
    return int(answer["server_version_info"][0]) if answer else 18


@pytest.fixture(scope="module")
def device(odoo):
    """The device user, its keys ('daemon' for the daemon, 'revoked' to be revoked) and its daemon."""
    user_id = odoo.create_user("JSON-2 daemon", DEVICE_LOGIN, DEVICE_PASSWORD, [DEVICE_GROUP])
    keys = odoo.create_user_api_keys(DEVICE_LOGIN, "daemon", "revoked")
    daemon_id = odoo.rpc("face.daemon", "create", {"name": "json2-site", "user_id": user_id})
    return {"user_id": user_id, "keys": keys, "daemon_id": daemon_id}


@pytest.fixture(scope="module")
def json2_only(odoo_major):
    if odoo_major < 19:
        pytest.skip("JSON-2 arrived with Odoo 19; the Odoo under test (%s) is %d" % (ODOO_SRC, odoo_major))


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage() + " " + " ".join(str(v) for v in vars(record).values()))


@pytest.fixture()
def daemon_logs():
    handler = _Records()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler.lines
    root.removeHandler(handler)
    root.setLevel(level)


def log_size(server):
    return os.path.getsize(server.log_path)


def log_since(server, offset):
    time.sleep(0.5)  # the access line of the last request is written after its answer
    with open(server.log_path, "rb") as handle:
        handle.seek(offset)
        return handle.read().decode("utf-8", "replace")


def test_register_heartbeat_gallery_and_events_round_trip_over_json2(odoo, device, json2_only, photo, daemon_logs):
    # Set-up as the administrator (over XML-RPC: the harness, not the daemon).
    employee = odoo.rpc("hr.employee", "create", {"name": "Kofi Annan", "person_ref": "J2001", "tz": "UTC"})
    template = odoo.rpc(
        "face.template", "create", {"employee_id": employee, "image": base64.b64encode(photo("Kofi_Annan", 1)).decode()}
    )
    camera = odoo.rpc(
        "face.camera",
        "create",
        {
            "name": "J2 entry",
            "source_type": "file",
            "source": "x.mp4",
            "direction": "entry",
            "daemon_id": device["daemon_id"],
        },
    )
    encoder = odoo.rpc("face.template", "read", [template], ["encoder_name", "encoder_version"])[0]
    encoder_tag = "%s:%s" % (encoder["encoder_name"], encoder["encoder_version"])
    key = device["keys"]["daemon"]
    offset = log_size(odoo)

    transport = Json2Transport(odoo.url, odoo.db, key, timeout=30)
    remote = transport.register("json2-site", "host-1", "1.2.3", None)
    assert remote["daemon_id"] == device["daemon_id"]
    assert [c["id"] for c in remote["cameras"]] == [camera]
    # (Odoo's own HTTP server closes every connection; behind a proxy the transport keeps it.)
    assert (
        transport.heartbeat(
            remote["daemon_id"],
            {"status": "ok"},
            [{"camera_id": camera, "fps": 7.5, "error_count": 0, "last_error": ""}],
        )
        is True
    )
    gallery = transport.gallery(encoder_tag)
    assert [t["id"] for t in gallery["templates"]] == [template] and gallery["server_time"]
    assert transport.gallery(encoder_tag, gallery["server_time"])["removed"] == []
    assert transport.gallery("no-such-encoder:0")["templates"] == []

    sighted = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=3)
    sighted = sighted.strftime("%Y-%m-%dT%H:%M:%SZ")
    events = [
        {
            "event_id": "j2-known",
            "timestamp": sighted,
            "camera_id": camera,
            "employee_id": employee,
            "distance": 0.2,
            "confidence": 0.9,
            "track_id": "t1",
            "encoder": encoder_tag,
        },
        {"event_id": "j2-unknown", "timestamp": sighted, "camera_id": camera, "track_id": "t2"},
    ]
    first = transport.send_events(remote["daemon_id"], events)
    assert [a["status"] for a in first] == ["created", "created"]
    assert first[0]["outcome"] == "checked_in" and first[0]["attendance_id"]
    # Idempotent: the same batch again changes nothing and answers the stored outcomes.
    again = transport.send_events(remote["daemon_id"], events)
    assert [a["status"] for a in again] == ["exists", "exists"]
    assert [(a["outcome"], a["attendance_id"]) for a in again] == [(a["outcome"], a["attendance_id"]) for a in first]

    served = log_since(odoo, offset)
    assert served.count("POST /json/2/") >= 7, served
    assert "/xmlrpc" not in served and "/jsonrpc" not in served and DEPRECATION not in served, served
    assert all(key not in line for line in daemon_logs)

    assert len(odoo.rpc("face.recognition.event", "search", [("event_uid", "in", ["j2-known", "j2-unknown"])])) == 2
    attendance = odoo.rpc("hr.attendance", "search_read", [("employee_id", "=", employee)], ["check_in", "check_out"])
    assert len(attendance) == 1 and attendance[0]["check_out"] is False
    daemon = odoo.rpc("face.daemon", "read", [device["daemon_id"]], ["host", "version", "last_heartbeat"])[0]
    assert (daemon["host"], daemon["version"]) == ("host-1", "1.2.3") and daemon["last_heartbeat"]


def test_refusals_are_permanent_with_odoos_message_and_never_the_key(odoo, device, json2_only, daemon_logs):
    key = device["keys"]["daemon"]
    transport = Json2Transport(odoo.url, odoo.db, key, timeout=30)
    other_daemon = odoo.rpc("face.daemon", "create", {"name": "json2-someone-else"})
    wrong_key = Json2Transport(odoo.url, odoo.db, secrets.token_hex(20), 30)
    refusals = [  # (call, what the error says): Odoo's status, exception and message
        (lambda: transport.heartbeat(other_daemon, {}, []), "HTTP 403, AccessError"),
        (
            lambda: transport.send_events(device["daemon_id"], "not a list"),
            "HTTP 422, ValidationError): Events must be a list",
        ),
        (
            lambda: transport.call("face.no.such.model", "read"),
            "HTTP 404, NotFound): the model 'face.no.such.model' does not exist",
        ),
        (
            lambda: transport.call("face.daemon", "daemon_register", name="x", colour="red"),
            "HTTP 422, UnprocessableEntity",
        ),
        (lambda: wrong_key.register("json2-site", "h", "1", None), "refused the API key (HTTP 401"),
        (
            lambda: Json2Transport(odoo.url, "fa_no_such_db", key, 30).register("json2-site", "h", "1", None),
            "serves no database 'fa_no_such_db' (unknown, or refused by its dbfilter): check [odoo] db",
        ),
    ]
    errors = []
    for call, expected in refusals:
        with pytest.raises(PermanentError) as caught:
            call()
        assert expected in str(caught.value)
        errors.append(str(caught.value))
    assert "Traceback" not in " ".join(errors)

    revoked = Json2Transport(odoo.url, odoo.db, device["keys"]["revoked"], timeout=30)
    assert revoked.register("json2-site", "h", "1", None)["daemon_id"] == device["daemon_id"]
    odoo.revoke_user_api_key(DEVICE_LOGIN, "revoked")
    with pytest.raises(PermanentError, match="refused the API key") as caught:
        revoked.register("json2-site", "h", "1", None)
    errors.append(str(caught.value))
    for secret in (key, device["keys"]["revoked"]):
        assert all(secret not in text for text in errors + daemon_logs + [revoked.describe(), repr(revoked)])


def test_protocol_auto_picks_json2_on_19_and_xmlrpc_on_18(odoo, device, odoo_major, tmp_path):
    key = device["keys"]["daemon"]
    auto = AutoTransport(odoo.url, odoo.db, DEVICE_LOGIN, "", key, timeout=30)
    assert "not connected yet" in auto.describe()
    assert auto.register("json2-site", "h", "1", None)["daemon_id"] == device["daemon_id"]
    if odoo_major >= 19:
        assert isinstance(auto.chosen(), Json2Transport) and auto.describe().startswith("auto -> json2 ")
        # Without a key, auto still works on 19 over XML-RPC (and says it should not).
        legacy = AutoTransport(odoo.url, odoo.db, DEVICE_LOGIN, DEVICE_PASSWORD, "", timeout=30)
        assert legacy.register("json2-site", "h", "1", None)["daemon_id"] == device["daemon_id"]
        assert isinstance(legacy.chosen(), XmlRpcTransport)
    else:
        # Odoo 18 takes the API key as the XML-RPC password.
        assert isinstance(auto.chosen(), XmlRpcTransport) and auto.describe().startswith("auto -> xmlrpc ")
        with pytest.raises(PermanentError, match="has no JSON-2 API .*Odoo 18"):
            Json2Transport(odoo.url, odoo.db, key, timeout=30).register("json2-site", "h", "1", None)
        with pytest.raises(PermanentError, match="speaks XML-RPC only .*needs \\[odoo\\] login"):
            AutoTransport(odoo.url, odoo.db, "", "", key, timeout=30).register("json2-site", "h", "1", None)

    def check(config, key):
        return subprocess.run(
            [sys.executable, "-m", "face_attendance_daemon.cli", "check", "-c", str(config)],
            capture_output=True,
            text=True,
            timeout=180,
            env=dict(os.environ, FA_ODOO_API_KEY=key),
        )

    # The check command says which protocol it reached Odoo with, and never the key.
    config = tmp_path / "daemon.toml"
    config.write_text(
        '[odoo]\nurl = "%s"\ndb = "%s"\nlogin = "%s"\n[daemon]\nname = "json2-site"\n'
        % (odoo.url, odoo.db, DEVICE_LOGIN)
    )
    run = check(config, key)
    assert run.returncode == 0, run.stdout + run.stderr
    expected = "over auto -> %s %s" % ("json2" if odoo_major >= 19 else "xmlrpc", odoo.url)
    assert expected in run.stdout and "daemon: 'json2-site' is daemon #%d" % device["daemon_id"] in run.stdout
    assert key not in run.stdout + run.stderr
    config.write_text('[odoo]\nurl = "%s"\nprotocol = "json2"\n' % odoo.url)
    run = check(config, key)
    if odoo_major >= 19:  # one database served: JSON-2 needs no db
        assert run.returncode == 0 and "over json2 %s" % odoo.url in run.stdout, run.stdout + run.stderr
    else:
        assert run.returncode == 1 and "has no JSON-2 API" in run.stdout, run.stdout + run.stderr


def test_odoo_down_is_a_transport_error_and_the_same_transport_resumes(odoo, device, json2_only):
    transport = Json2Transport(odoo.url, odoo.db, device["keys"]["daemon"], timeout=10)
    assert transport.register("json2-site", "h", "1", None)["daemon_id"] == device["daemon_id"]
    odoo.stop()
    try:
        for _ in range(2):
            with pytest.raises(TransportError, match="cannot reach Odoo") as caught:
                transport.heartbeat(device["daemon_id"], {}, [])
            assert not isinstance(caught.value, PermanentError)
    finally:
        odoo.start()
    assert transport.heartbeat(device["daemon_id"], {}, []) is True
