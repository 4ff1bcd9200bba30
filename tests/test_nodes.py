"""Several Odoo nodes on one database (``scripts/run.sh --nodes N``): what must hold whichever node
serves a request.

Two Odoo servers, each with two prefork workers, its own websocket (gevent) process and a cron
worker, serve one copy of the template with one data directory (filestore and sessions), as the run
command serves them behind nginx; here each node is spoken to directly, so that a request is known to
reach the node it names. Nothing of what a request leaves behind may stay in one node's memory: the
gallery, keys, the kiosk's vote, rate limits and the bus live in PostgreSQL.
"""

import base64
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import pytest
import requests
import websocket
from odoo_server import ARTIFACTS, PG, OdooServer, clone_database, drop_database

from face_attendance_daemon.config import ConfigError, load
from face_attendance_daemon.daemon import make_transport
from face_attendance_daemon.tools.video import Walker, build_video
from face_attendance_daemon.transport import FailoverTransport, PermanentError, Transport, TransportError

LIMIT = 7
DEVICE_LOGIN = "nodes-daemon"
# The daemon's persons, enrolled from photos 1-3; its video shows photo 4 of each.
DAEMON_PERSONS = {"NODE-D1": "Winona_Ryder", "NODE-D2": "Hugo_Chavez", "NODE-D3": "Keanu_Reeves"}
PROBE_CRONS = 4
CRON_MARK = "FA nodes cron run"

SETUP = """
import base64
from datetime import timedelta
from odoo import fields
admin = env.ref("base.user_admin")
for name, scopes, limit in %(keys)r:
    key, secret = env["face.api.key"]._generate(name, admin, scopes)
    key.write({"rate_limit_per_minute": limit})
    print("KEY", name, secret)
for ref, name in %(rest_persons)r:
    env["hr.employee"].create({"name": name, "person_ref": ref, "tz": "UTC"})
for ref, folder in %(daemon_persons)r.items():
    employee = env["hr.employee"].create({"name": folder.replace("_", " "), "person_ref": ref, "tz": "UTC"})
    for number in (1, 2, 3):
        with open("%(faces)s/known/%%s/%%s_%%04d.jpg" %% (folder, folder, number), "rb") as handle:
            env["face.template"].create({"employee_id": employee.id, "image": base64.b64encode(handle.read())})
group = env.ref("face_attendance.group_face_attendance_device")
groups = "group_ids" if "group_ids" in env["res.users"]._fields else "groups_id"
device = env["res.users"].create(
    {"name": "Nodes daemon", "login": %(device)r, "password": "nodes-daemon-secret", groups: [(6, 0, [group.id])]}
)
print("DEVICE", device.id, env["res.users.apikeys"].with_user(device).sudo()._generate(None, "nodes", None))
camera = env["face.camera"].create({"name": "Nodes lobby", "source_type": "file", "source": "/dev/null",
                                    "direction": "both"})
print("CAMERA", camera.id)
kiosk = env["face.kiosk"].create({"name": "Nodes door", "pin_fallback": False, "liveness_required": False})
action = kiosk.action_pairing_code()
print("KIOSK", kiosk.kiosk_token, action["params"]["message"])
# Jobs that only a wake-up runs (next call tomorrow): each node's cron worker hears it at once.
partner = env["ir.model"]._get("res.partner")
crons = env["ir.cron"].create([
    {"name": "FA nodes probe %%d" %% n, "model_id": partner.id, "state": "code",
     "code": "model.create({'name': '%(cron_mark)s %%d'})" %% n, "interval_number": 1, "interval_type": "days",
     "nextcall": fields.Datetime.now() + timedelta(days=1)}
    for n in range(%(probes)d)
])
for cron in crons:
    cron._trigger()
env["face.attendance.config"].set("duplicate_window_minutes", 0)
env.cr.commit()
"""

KEYS = (
    ("nodes-enrol", "person:read person:write face:write", 0),
    ("nodes-recognize", "recognize", 0),
    ("nodes-events", "events:write", 0),
    ("nodes-narrowed", "person:read attendance:read", 0),
    ("nodes-limit", "person:read", LIMIT),
)


@pytest.fixture(scope="module")
def nodes(odoo_template, faces_dir):
    """Nodes A and B on one database, started side by side; set-up made once for every test."""
    base = int(os.environ.get("FA_E2E_PORT", "8269")) + 10
    db = "fa_e2e_nodes_%d" % os.getpid()
    clone_database(odoo_template, db)
    servers = []
    for index, name in enumerate("ab"):
        server = OdooServer(
            db,
            base + index,
            workers=2,
            name="%s-%s" % (db, name),
            extra_args=("--gevent-port=%d" % (base + 2 + index), "--max-cron-threads=1"),
        )
        server.websocket_url = "ws://127.0.0.1:%d/websocket" % (base + 2 + index)
        servers.append(server)
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda server: server.start(), servers))
        output = servers[0].shell(
            SETUP
            % {
                "keys": KEYS,
                "rest_persons": [("NODE-KOFI", "Kofi Annan"), ("NODE-JACKIE", "Jackie Chan")],
                "daemon_persons": DAEMON_PERSONS,
                "faces": faces_dir,
                "device": DEVICE_LOGIN,
                "cron_mark": CRON_MARK,
                "probes": PROBE_CRONS,
            }
        )
        lines = {line.split()[0]: line.split()[1:] for line in output.splitlines() if line.split()}
        keys = dict(line.split()[1:] for line in output.splitlines() if line.startswith("KEY "))
        assert set(keys) == {name for name, _scopes, _limit in KEYS}, output[-2000:]
        yield {
            "a": servers[0],
            "b": servers[1],
            "keys": keys,
            "device_api_key": lines["DEVICE"][1],
            "camera_id": int(lines["CAMERA"][0]),
            "kiosk_token": lines["KIOSK"][0],
            "pairing_code": re.search(r"\b(\d{8})\b", " ".join(lines["KIOSK"][1:])).group(1),
        }
    finally:
        for server in servers:
            server.stop()
        drop_database(db)


def api(server, method, path, secret, **kwargs):
    headers = dict(kwargs.pop("headers", {}), **{"X-API-Key": secret, "Connection": "close"})
    return requests.request(method, server.url + "/api/v1" + path, headers=headers, timeout=60, **kwargs)


def image(photo, person, number):
    return base64.b64encode(photo(person, number)).decode()


def enrol(nodes, photo, ref, person):
    for number in (1, 2, 3):
        answer = api(
            nodes["a"],
            "POST",
            "/persons/%s/register-face" % ref,
            nodes["keys"]["nodes-enrol"],
            json={"image": image(photo, person, number)},
        )
        assert answer.status_code == 201, answer.text


def test_a_face_enrolled_on_one_node_is_recognised_on_the_other_at_once(nodes, photo):
    secret = nodes["keys"]["nodes-recognize"]
    body = {"image": image(photo, "Kofi_Annan", 5)}

    def recognise_on_b(_index):
        answer = api(nodes["b"], "POST", "/recognize", secret, json=body)
        assert answer.status_code == 200, answer.text
        faces = answer.json()["data"]["faces"]
        assert len(faces) == 1, faces
        return faces[0]["person_id"]

    # B's workers build and keep their gallery before the enrolment: nobody is known yet.
    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(recognise_on_b, range(4))) == {None}
    enrol(nodes, photo, "NODE-KOFI", "Kofi_Annan")
    # The very next requests to B, whichever of its workers takes them, know the new face.
    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(recognise_on_b, range(4))) == {"NODE-KOFI"}


def test_the_kiosk_vote_holds_when_its_frames_alternate_nodes(nodes, photo):
    enrol(nodes, photo, "NODE-JACKIE", "Jackie_Chan")
    headers = {"Content-Type": "application/json", "X-Face-Kiosk-Token": nodes["kiosk_token"]}
    paired = requests.post(
        nodes["a"].url + "/face_attendance/kiosk/pair",
        json={"code": nodes["pairing_code"]},
        headers=headers,
        timeout=60,
    )
    assert paired.status_code == 200, paired.text
    # requests keeps a Secure cookie but does not send it over http://: sent by hand.
    headers["Cookie"] = "fa_kiosk_device=%s" % paired.cookies["fa_kiosk_device"]
    states = []
    # Three agreeing frames decide (kiosk_live_frames, default 3): two on B, one on A between them.
    for node, number in (("b", 4), ("a", 5), ("b", 6)):
        answer = requests.post(
            nodes[node].url + "/face_attendance/kiosk/frame",
            json={"image": image(photo, "Jackie_Chan", number)},
            headers=dict(headers, Connection="close"),
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        states.append(answer.json()["state"])
    assert states == ["checking", "checking", "checked_in"], states
    attendances = nodes["b"].rpc(
        "hr.attendance", "search_read", [("employee_id.person_ref", "=", "NODE-JACKIE")], ["check_in", "check_out"]
    )
    assert len(attendances) == 1 and not attendances[0]["check_out"], attendances


def test_a_key_narrowed_or_revoked_on_one_node_is_refused_on_the_other(nodes):
    secret = nodes["keys"]["nodes-narrowed"]
    key_id = nodes["a"].rpc("face.api.key", "search", [("name", "=", "nodes-narrowed")])[0]

    def burst_on_b(path):
        with ThreadPoolExecutor(4) as pool:
            return set(pool.map(lambda _i: api(nodes["b"], "GET", path, secret).status_code, range(8)))

    assert burst_on_b("/attendance") == {200}
    nodes["a"].rpc("face.api.key", "write", [key_id], {"scopes": "person:read"})
    assert burst_on_b("/attendance") == {403}
    assert burst_on_b("/persons") == {200}
    nodes["a"].rpc("face.api.key", "action_revoke", [key_id])
    assert burst_on_b("/persons") == {401}


def test_a_rate_limit_counts_the_requests_of_every_node(nodes):
    secret = nodes["keys"]["nodes-limit"]
    total = 3 * LIMIT

    def call(index):
        return api(nodes["ab"[index % 2]], "GET", "/persons", secret).status_code

    # The limit counts per minute: keep the burst inside one minute.
    while time.time() % 60 > 45:
        time.sleep(0.5)
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(call, range(total)))
    assert statuses.count(200) == LIMIT, statuses
    assert statuses.count(429) == total - LIMIT, statuses


def test_a_sighting_ingested_on_one_node_reaches_the_live_monitor_connected_to_the_other(nodes):
    a, b = nodes["a"], nodes["b"]
    login = requests.post(
        a.url + "/web/session/authenticate",
        json={"jsonrpc": "2.0", "method": "call", "params": {"db": a.db, "login": "admin", "password": "admin"}},
        timeout=60,
    )
    assert login.json().get("result", {}).get("uid"), login.text
    session = login.cookies["session_id"]
    # Sessions live in the shared data directory: the session opened on A is known to B.
    info = requests.post(
        b.url + "/web/session/get_session_info",
        json={"jsonrpc": "2.0", "method": "call", "params": {}},
        cookies={"session_id": session},
        timeout=60,
    )
    assert info.json().get("result", {}).get("uid") == login.json()["result"]["uid"], info.text
    # The live monitor's browser: a websocket to A's gevent process, subscribed as the client does.
    connection = websocket.create_connection(a.websocket_url, cookie="session_id=%s" % session, timeout=30)
    try:
        connection.send(json.dumps({"event_name": "subscribe", "data": {"channels": [], "last": 0}}))
        event_id = "nodes-bus-%s" % uuid.uuid4().hex
        answer = api(
            b,
            "POST",
            "/events",
            nodes["keys"]["nodes-events"],
            json={
                "events": [
                    {
                        "event_id": event_id,
                        "camera_id": nodes["camera_id"],
                        "person_id": "NODE-KOFI",
                        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                        "confidence": 0.9,
                    }
                ]
            },
        )
        assert answer.status_code == 200 and answer.json()["data"]["created"] == 1, answer.text
        created = b.rpc("face.recognition.event", "search", [("event_uid", "=", event_id)])
        pushed = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            connection.settimeout(max(0.1, deadline - time.monotonic()))
            for notification in json.loads(connection.recv()):
                message = notification.get("message", {})
                if message.get("type") == "face_attendance/events":
                    pushed.extend(message["payload"]["event_ids"])
            if set(created) <= set(pushed):
                break
        assert created and set(created) <= set(pushed), (created, pushed)
    finally:
        connection.close()


def test_each_cron_job_runs_once_with_every_node_running_crons(nodes):
    a, b = nodes["a"], nodes["b"]
    # The set-up woke both nodes' cron workers with four jobs due.
    deadline = time.monotonic() + 90
    names = []
    while time.monotonic() < deadline:
        names = [p["name"] for p in a.rpc("res.partner", "search_read", [("name", "like", CRON_MARK)], ["name"])]
        if len(set(names)) == PROBE_CRONS:
            break
        time.sleep(0.5)
    time.sleep(3)  # a second run, if any, has had its time
    names = [p["name"] for p in a.rpc("res.partner", "search_read", [("name", "like", CRON_MARK)], ["name"])]
    assert sorted(names) == sorted("%s %d" % (CRON_MARK, n) for n in range(PROBE_CRONS)), names
    starts = {}
    for server in (a, b):
        with open(server.log_path, encoding="utf-8", errors="replace") as handle:
            log = handle.read()
        # Both nodes run a cron worker on this database.
        assert "Worker WorkerCron" in log, server.log_path
        starts[server.url] = re.findall(r"Job 'FA nodes probe (\d+)' \(\d+\) starting", log)
    assert sorted(starts[a.url] + starts[b.url]) == [str(n) for n in range(PROBE_CRONS)], starts


@pytest.fixture(scope="module")
def daemon_video(faces_dir, tmp_path_factory):
    """One pass of each of the daemon's persons, photo 4, then a stranger, spread over 16 seconds
    played at their own speed: the node stops while the later ones are still to come."""
    folder = tmp_path_factory.mktemp("nodes-video")
    walkers = [
        Walker(os.path.join(faces_dir, "known", folder_name, "%s_0004.jpg" % folder_name), start, start + 2.0)
        for (folder_name, start) in zip(DAEMON_PERSONS.values(), (0.5, 8.0, 11.0), strict=True)
    ]
    walkers.append(Walker(os.path.join(faces_dir, "unknown", "Aaron_Pena_0001.jpg"), 13.5, 15.5))
    path = str(folder / "door.mp4")
    build_video(path, walkers, duration=16.0, fps=10)
    return path


def test_a_daemon_with_two_urls_fails_over_when_its_node_stops(nodes, daemon_video, tmp_path):
    a, b = nodes["a"], nodes["b"]
    device_id = b.rpc("res.users", "search", [("login", "=", DEVICE_LOGIN)])[0]
    daemon_id = b.rpc("face.daemon", "create", {"name": "nodes", "user_id": device_id})
    camera_id = b.rpc(
        "face.camera",
        "create",
        {
            "name": "Nodes door",
            "source_type": "file",
            "source": daemon_video,
            "direction": "entry",
            "daemon_id": daemon_id,
        },
    )
    config = tmp_path / "daemon.toml"
    config.write_text(
        """
[odoo]
url = "%s"
failover_urls = ["%s"]
db = "%s"
login = "%s"
api_key = "%s"
timeout = 10

[daemon]
name = "nodes"
state_dir = "%s"
health_port = 0

[capture]
file_roots = [%s]

[delivery]
interval = 0.2
retry_base = 0.3
retry_max = 2.0

[sync]
heartbeat_interval = 2
gallery_interval = 5
"""
        % (
            a.url,
            b.url,
            a.db,
            DEVICE_LOGIN,
            nodes["device_api_key"],
            tmp_path / "state",
            json.dumps(os.path.dirname(daemon_video)),
        )
    )
    log_path = os.path.join(ARTIFACTS, "daemon-nodes-odoo%s.log" % os.environ.get("FA_ODOO_MAJOR", "18"))
    if os.path.exists(log_path):
        os.remove(log_path)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "face_attendance_daemon.cli", "run", "-c", str(config), "--exit-when-files-end"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        # The first sighting reaches Odoo through A; then A stops.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not b.rpc(
            "face.recognition.event", "search_count", [("camera_id", "=", camera_id)]
        ):
            assert process.poll() is None, open(log_path).read()[-3000:]
            time.sleep(0.2)
        a.stop()
        stopped_at = database_now()
        assert process.wait(timeout=180) == 0, open(log_path).read()[-3000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if a.process is None:
            a.start()
    with open(log_path) as handle:
        entries = [json.loads(line) for line in handle if line.startswith("{")]
    switched = [e for e in entries if e["msg"] == "now talking to another Odoo node" and e.get("node") == b.url]
    assert switched, entries[-20:]
    # Nothing lost, nothing twice: Odoo holds exactly the events the daemon's outbox saw answered.
    outbox = sqlite3.connect(str(tmp_path / "state" / "outbox.sqlite3"))
    try:
        sent = outbox.execute("SELECT event_id, sent_at FROM events").fetchall()
    finally:
        outbox.close()
    assert sent and all(sent_at for _event_id, sent_at in sent), sent
    events = b.rpc(
        "face.recognition.event",
        "search_read",
        [("camera_id", "=", camera_id)],
        ["event_uid", "employee_id", "create_date"],
    )
    assert sorted(e["event_uid"] for e in events) == sorted(event_id for event_id, _sent_at in sent), (events, sent)
    names = sorted(n.replace("_", " ") for n in DAEMON_PERSONS.values())
    assert sorted({e["employee_id"][1] for e in events if e["employee_id"]}) == names, events
    # Some came in through A before it stopped, the later ones through B.
    assert any(e["create_date"] > stopped_at for e in events), (stopped_at, events)
    assert any(e["create_date"] <= stopped_at for e in events), (stopped_at, events)
    attendances = b.rpc(
        "hr.attendance",
        "search_read",
        [("employee_id.person_ref", "in", list(DAEMON_PERSONS))],
        ["employee_id", "check_out"],
    )
    assert sorted(r["employee_id"][1] for r in attendances) == names, attendances
    assert not any(r["check_out"] for r in attendances), attendances


def database_now():
    """PostgreSQL's clock, as Odoo writes create_date (UTC, second precision)."""
    connection = psycopg2.connect(dbname="postgres", **PG)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')")
            return cursor.fetchone()[0]
    finally:
        connection.close()


class Node(Transport):
    """A node as the daemon sees it: answers, cannot be reached, or refuses."""

    def __init__(self, url, failure=None):
        self.url, self.failure, self.batches = url, failure, []

    def send_events(self, daemon_id, events):
        if self.failure:
            raise self.failure
        self.batches.append([event["event_id"] for event in events])
        return [{"event_id": event["event_id"], "status": "created"} for event in events]


def test_failover_urls_make_one_transport_per_node(tmp_path):
    path = tmp_path / "daemon.toml"
    path.write_text(
        '[odoo]\nurl = "http://a:8069"\nfailover_urls = ["http://b:8069/", "http://a:8069", "ftp://c"]\n'
        'db = "d"\nlogin = "x"\napi_key = "%s"\n' % ("0" * 40)
    )
    with pytest.raises(ConfigError) as caught:
        load(str(path), environ={})
    assert caught.value.problems == ["[odoo] failover_urls: 'ftp://c' does not start with http:// or https://"]
    config = load(str(path), environ={"FA_ODOO_FAILOVER_URLS": "http://b:8069/, http://a:8069"})
    assert config.odoo.urls == ["http://a:8069", "http://b:8069"]
    transport = make_transport(config)
    assert isinstance(transport, FailoverTransport)
    assert [node.url for node in transport.transports] == ["http://a:8069", "http://b:8069"]
    # One url: the node's own transport, as before.
    assert not isinstance(make_transport(load(str(path), environ={"FA_ODOO_FAILOVER_URLS": ""})), FailoverTransport)


def test_failover_moves_on_when_a_node_is_unreachable_and_stays_there():
    a, b = Node("http://a"), Node("http://b")
    transport = FailoverTransport([a, b])
    transport.send_events(1, [{"event_id": "e1"}])
    a.failure = TransportError("connection refused")
    transport.send_events(1, [{"event_id": "e2"}])
    a.failure = None  # back, but B answers now: the daemon stays on B until B fails
    transport.send_events(1, [{"event_id": "e3"}])
    assert (a.batches, b.batches) == ([["e1"]], [["e2"], ["e3"]])
    assert transport.url == "http://b"
    b.failure = TransportError("connection refused")
    transport.send_events(1, [{"event_id": "e4"}])
    assert a.batches[-1] == ["e4"]
    # Every node down: the error reaches the delivery, which keeps the batch in the outbox.
    a.failure = TransportError("connection refused")
    with pytest.raises(TransportError):
        transport.send_events(1, [{"event_id": "e5"}])


def test_a_refusal_is_the_database_answer_and_is_not_tried_on_another_node():
    a, b = Node("http://a", PermanentError("the API key was revoked")), Node("http://b")
    with pytest.raises(PermanentError):
        FailoverTransport([a, b]).send_events(1, [{"event_id": "e1"}])
    assert b.batches == []
