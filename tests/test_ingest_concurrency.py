"""Several daemons and REST clients at once: overlapping batches (shared event ids, the same people,
out of order) by XML-RPC and POST /events against one Odoo. No 5xx, every id stored once, and
the attendance exactly what one serial replay of the same events gives."""

import datetime
import os
import random
import xmlrpc.client
from concurrent.futures import ProcessPoolExecutor

import pytest
import requests
from odoo_server import OdooServer, clone_database, drop_database

DEVICE_LOGIN, DEVICE_PASSWORD = "cc-daemon", "cc-daemon-secret"
SENDERS = 8
ROUNDS = 10
BATCH = 20


@pytest.fixture()
def two_servers(odoo_template):
    base = int(os.environ.get("FA_E2E_PORT", "8269")) + 30
    servers = []
    # A threaded server takes every sender's request at once: the most concurrent transactions.
    for offset, (name, workers) in enumerate((("concurrent", 0), ("serial", 0))):
        db = "fa_e2e_cc_%s_%d" % (name, os.getpid())
        clone_database(odoo_template, db)
        servers.append(OdooServer(db, base + offset, workers=workers).start())
    yield servers
    for server in servers:
        server.stop()
        drop_database(server.db)


def prepare(server):
    """The same people, cameras and device in both databases (created in the same order: same ids)."""
    server.rpc("face.attendance.config", "set", "duplicate_window_minutes", 2)
    device = server.create_user(
        "CC daemon", DEVICE_LOGIN, DEVICE_PASSWORD, ["face_attendance.group_face_attendance_device"]
    )
    daemon = server.rpc("face.daemon", "create", {"name": "cc", "user_id": device})
    cameras = {
        direction: server.rpc(
            "face.camera",
            "create",
            {
                "name": "CC %s" % direction,
                "source_type": "file",
                "source": "x",
                "direction": direction,
                "daemon_id": daemon,
            },
        )
        for direction in ("entry", "exit", "both")
    }
    people = [
        server.rpc("hr.employee", "create", {"name": "CC %d" % n, "person_ref": "CC%d" % n, "tz": "Europe/Brussels"})
        for n in range(3)
    ]
    return cameras, people


def scenario(cameras, people, seed=7):
    """Two working days of three people: entry/exit passes and CCTV sightings all day long."""
    rng = random.Random(seed)
    events = []
    start = datetime.datetime.utcnow().replace(microsecond=0, second=0) - datetime.timedelta(days=2)
    for day in range(2):
        for person in people:
            arrive = start + datetime.timedelta(days=day, hours=7, minutes=rng.randint(0, 60))
            leave = arrive + datetime.timedelta(hours=8, minutes=rng.randint(0, 90))
            moments = [("entry", arrive), ("exit", leave)]
            moments += [("both", arrive + datetime.timedelta(minutes=rng.randint(5, 470))) for _ in range(14)]
            for direction, moment in moments:
                events.append(
                    {
                        "event_id": "cc-%d" % len(events),
                        "camera_id": cameras[direction],
                        "employee_id": person,
                        "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    }
                )
    return events


def send(args):
    """One sender process: ROUNDS overlapping, shuffled batches, by REST or XML-RPC."""
    index, url, db, secret, events = args
    rng = random.Random(index)
    statuses = []
    session = requests.Session()
    models = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object", allow_none=True)
    uid = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common").authenticate(db, DEVICE_LOGIN, DEVICE_PASSWORD, {})
    own = events[index::SENDERS]  # every event is someone's own: all of them arrive
    for round_ in range(ROUNDS):
        batch = rng.sample(events, BATCH - min(len(own), BATCH // 2)) + (
            own if round_ == ROUNDS - 1 else own[: BATCH // 2]
        )
        rng.shuffle(batch)
        if index % 2:
            try:
                answers = models.execute_kw(
                    db, uid, DEVICE_PASSWORD, "face.recognition.event", "ingest_events", [batch]
                )
                statuses.append(("xmlrpc", 200, sorted({a["status"] for a in answers})))
            except xmlrpc.client.Fault as fault:
                statuses.append(("xmlrpc", 500, fault.faultString[-300:]))
        else:
            answer = session.post(
                url + "/api/v1/events", json={"events": batch}, headers={"X-API-Key": secret}, timeout=120
            )
            detail = sorted({r["status"] for r in answer.json()["data"]["results"]}) if answer.ok else answer.text[:300]
            statuses.append(("rest", answer.status_code, detail))
    return statuses


def attendance_rows(server, people):
    rows = server.rpc(
        "hr.attendance",
        "search_read",
        [("employee_id", "in", people)],
        ["employee_id", "check_in", "check_out", "in_mode", "out_mode", "face_camera_id"],
        order="employee_id, check_in",
    )
    return [
        (
            r["employee_id"][0],
            r["check_in"],
            r["check_out"],
            r["in_mode"],
            r["out_mode"],
            r["face_camera_id"] and r["face_camera_id"][0],
        )
        for r in rows
    ]


def test_concurrent_senders_store_each_event_once_and_agree_with_a_serial_replay(two_servers):
    concurrent, serial = two_servers
    cameras, people = prepare(concurrent)
    assert prepare(serial) == (cameras, people)
    events = scenario(cameras, people)
    secret = concurrent.create_api_key("cc sender", "events:write", rate_limit=0)

    with ProcessPoolExecutor(max_workers=SENDERS) as pool:
        results = [
            status
            for statuses in pool.map(send, [(i, concurrent.url, concurrent.db, secret, events) for i in range(SENDERS)])
            for status in statuses
        ]
    failures = [r for r in results if r[1] >= 500]
    assert not failures, failures
    assert all(r[1] == 200 for r in results), results
    assert all(set(r[2]) <= {"created", "exists"} for r in results), results

    stored = concurrent.rpc("face.recognition.event", "search_read", [("event_uid", "like", "cc-")], ["event_uid"])
    assert sorted(r["event_uid"] for r in stored) == sorted(e["event_id"] for e in events)

    answers = serial.rpc(
        "face.recognition.event", "ingest_events", sorted(events, key=lambda e: (e["timestamp"], e["event_id"]))
    )
    assert {a["status"] for a in answers} == {"created"}
    expected = attendance_rows(serial, people)
    assert len(expected) >= 6, expected
    assert attendance_rows(concurrent, people) == expected
