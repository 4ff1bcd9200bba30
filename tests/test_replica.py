"""A PostgreSQL streaming replica for the REST API's read-only routes (``scripts/run.sh --replica``).

A hot standby of the local cluster (scripts/pg_replica.sh: a second cluster made with pg_basebackup,
logging every statement it runs) serves an Odoo started with ``--db_replica_host/--db_replica_port``.
Which database served a request is read from the replica's own statement log: an API request reads
its key's user (``res_company_users_rel``) in the request's transaction on every call, so that
statement in the replica's log while the request ran means the route ran there. Writes, and the
key's rate-limit count, must land on the primary; a replica that lags or stops must cost no request.
"""

import datetime
import glob
import os
import re
import subprocess
import threading
import time
import uuid

import psycopg2
import pytest
import requests
from odoo_server import PG, ROOT, OdooServer, clone_database, drop_database

pytestmark = pytest.mark.odoo

REPLICA_PORT = int(os.environ.get("FA_REPLICA_PORT", "5442"))
# What a keyed request runs in its own transaction every time (face_api_key._verify).
REQUEST_MARK = "res_company_users_rel"
# Odoo's words when a read-only route's request is run again on the primary (odoo/http.py).
REPLAYED = "retrying with a read/write cursor"
# GET routes that stay on the primary: a job is polled right after it was queued (and expires lazily,
# a write); the health check answers for the database that takes the writes.
PRIMARY_GETS = {"/api/v1/jobs/{job_id}", "/api/v1/health"}
# Asked for a job that does not exist: the replica's 404 may only mean it has not caught up yet, so the
# request runs again on the primary, which answers the 404.
CONFIRMED_MISSES = {"/api/v1/jobs/{job_id}/snapshot"}
# Public routes read nothing of the database: served read-only, with no statement to show for it.
PUBLIC_GETS = {"/api/v1/openapi.json", "/api/v1/docs", "/api/v1/redoc"}

SETUP = """
import base64, datetime
admin = env.ref("base.user_admin")
key, secret = env["face.api.key"]._generate("replica", admin, "*")
key.write({"rate_limit_per_minute": 0})
print("KEY", key.id, secret)
employee = env["hr.employee"].create({"name": "Replica Person", "person_ref": "REP-1", "tz": "UTC"})
for number in (1, 2):
    with open("%(faces)s/known/Kofi_Annan/Kofi_Annan_%%04d.jpg" %% number, "rb") as handle:
        env["face.template"].create({"employee_id": employee.id, "image": base64.b64encode(handle.read())})
env["face.detection.provider"].create({"name": "Replica provider", "api_key_id": key.id})
camera = env["face.camera"].create({"name": "Replica door", "source_type": "file", "source": "/dev/null"})
now = datetime.datetime.now().replace(microsecond=0)
attendance = env["hr.attendance"].create({"employee_id": employee.id, "check_in": now - datetime.timedelta(hours=2),
                                          "check_out": now - datetime.timedelta(hours=1)})
env["face.recognition.event"].create({"event_uid": "replica-1", "camera_id": camera.id, "employee_id": employee.id,
                                     "sighted_at": now - datetime.timedelta(hours=2), "outcome": "duplicate"})
print("IDS", employee.id, camera.id, attendance.id)
env.cr.commit()
"""


def _shell(script, **env):
    """scripts/pg_replica.sh's functions, after common.sh (as run.sh calls them)."""
    command = "source scripts/common.sh >/dev/null; source scripts/pg_replica.sh; set +e; %s" % script
    return subprocess.run(
        ["bash", "-c", command], cwd=ROOT, env=dict(os.environ, **env), capture_output=True, text=True, timeout=300
    )


def _local_cluster_missing():
    """Why this machine cannot run a second cluster beside the primary, or None."""
    if PG["host"] not in ("127.0.0.1", "localhost"):
        return "the primary is not on this machine (PGHOST=%s)" % PG["host"]
    binaries = glob.glob("/usr/lib/postgresql/*/bin/")
    for program in ("pg_ctl", "pg_basebackup"):
        if not any(os.access(os.path.join(folder, program), os.X_OK) for folder in binaries):
            return "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/%s) to run a replica with" % program
    if os.geteuid() != 0:
        return "setting up a replica edits the primary's pg_hba.conf and runs the server as postgres: needs root"
    return None


class Log:
    """A log file read from a mark on: what was written to it since."""

    def __init__(self, path):
        self.path = path
        self.offset = os.path.getsize(path) if os.path.exists(path) else 0

    def since(self):
        time.sleep(0.05)  # the server writes its lines before it answers; let the file catch up
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            return handle.read().decode("utf-8", "replace")

    def mark(self):
        self.offset = os.path.getsize(self.path)


def replica_sql(sql):
    run = _shell('replica_sql "$FA_SQL"', FA_SQL=sql)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


@pytest.fixture(scope="module")
def replica():
    reason = _local_cluster_missing()
    if reason:
        pytest.skip("no replica on this machine: %s" % reason)
    was_running = _shell("_replica_up").returncode == 0
    # Every statement the replica runs goes to its log: that is how the tests see where requests ran.
    run = _shell("ensure_replica", FA_REPLICA_LOG_STATEMENT="all")
    assert run.returncode == 0, run.stdout + run.stderr
    values = dict(line.split("=", 1) for line in run.stdout.splitlines() if line.startswith("FA_REPLICA_"))
    assert values["FA_REPLICA_PORT"] == str(REPLICA_PORT), run.stdout
    directory = _shell('echo "$FA_REPLICA_DIR"').stdout.strip()
    yield {"host": values["FA_REPLICA_HOST"], "port": REPLICA_PORT, "log": os.path.join(directory, "replica.log")}
    # Leave the machine as found: a replica that was running keeps running (without the statement log).
    run = _shell("ensure_replica" if was_running else "stop_replica", FA_REPLICA_LOG_STATEMENT="none")
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.fixture(scope="module")
def served(replica, odoo_template, faces_dir):
    db = os.environ.get("FA_REPLICA_TEST_DB", "fa_e2e_replica_%d" % os.getpid())
    port = int(os.environ.get("FA_REPLICA_TEST_PORT", int(os.environ.get("FA_E2E_PORT", "8269")) + 40))
    clone_database(odoo_template, db)
    server = OdooServer(
        db,
        port,
        extra_args=("--db_replica_host=%s" % replica["host"], "--db_replica_port=%d" % replica["port"]),
        name="replica",
    )
    try:
        output = server.shell(SETUP % {"faces": faces_dir})
        key_line = next(line for line in output.splitlines() if line.startswith("KEY "))
        ids = next(line for line in output.splitlines() if line.startswith("IDS ")).split()[1:]
        _, key_id, secret = key_line.split()
        _wait_replayed(db)
        odoo_log = Log(server.log_path)
        server.start()
        session = requests.Session()
        session.headers["X-API-Key"] = secret
        yield {
            "server": server,
            "db": db,
            "key_id": int(key_id),
            "session": session,
            "employee_id": int(ids[0]),
            "camera_id": int(ids[1]),
            "attendance_id": int(ids[2]),
            "replica_log": Log(replica["log"]),
            "odoo_log": odoo_log,
        }
    finally:
        server.stop()
        drop_database(db)


def _primary_lsn():
    connection = psycopg2.connect(dbname="postgres", **PG)
    try:
        with connection.cursor() as cr:
            cr.execute("SELECT pg_current_wal_lsn()")
            return cr.fetchone()[0]
    finally:
        connection.close()


def _wait_replayed(db, timeout=30):
    """Until the replica replayed everything the primary wrote so far (and has the database)."""
    target = _primary_lsn()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = replica_sql(
            "SELECT pg_last_wal_replay_lsn() >= '%s' AND EXISTS (SELECT 1 FROM pg_database WHERE datname = '%s')"
            % (target, db)
        )
        if done == "t":
            return
        time.sleep(0.2)
    raise AssertionError("the replica did not replay up to %s within %d s" % (target, timeout))


def _where(served, method, path, **kwargs):
    """(response, "replica" or "primary", what Odoo logged meanwhile) of one request."""
    served["replica_log"].mark()
    served["odoo_log"].mark()
    response = served["session"].request(method, served["server"].url + path, timeout=60, **kwargs)
    statements = served["replica_log"].since()
    return response, ("replica" if REQUEST_MARK in statements else "primary"), served["odoo_log"].since()


def _concrete(path, served):
    today = datetime.date.today().isoformat()
    values = {
        "person_id": "REP-1",
        "camera_id": served["camera_id"],
        "attendance_id": served["attendance_id"],
        "day": today,
        "job_id": 999999,
    }
    if path.startswith("/api/persons/"):
        values["person_id"] = served["employee_id"]
    for name in ("enrollment_id", "log_id"):
        if "{%s}" % name in path:
            listing = {"enrollment_id": "/api/enrollment", "log_id": "/api/attendance-logs"}[name]
            answer = served["session"].get(served["server"].url + listing, timeout=60).json()
            items = answer if isinstance(answer, list) else answer.get("items") or answer.get("data") or []
            values[name] = items[0]["id"]
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def test_read_only_routes_are_served_by_the_replica_and_writes_by_the_primary(served):
    url = served["server"].url
    document = requests.get(url + "/api/v1/openapi.json", timeout=60).json()
    base = document["servers"][0]["url"][len(url) :] if document.get("servers") else "/api/v1"
    gets = sorted(
        (path if op.get("x-compat") else base + path)
        for path, ops in document["paths"].items()
        for method, op in ops.items()
        if method == "get"
    )
    assert len(gets) > 40, gets
    misplaced, replayed = [], []
    for template in gets:
        path = _concrete(template, served)
        response, where, odoo_said = _where(served, "GET", path)
        assert response.status_code < 500, (path, response.status_code, response.text[:300])
        if (REPLAYED in odoo_said) != (template in CONFIRMED_MISSES):
            replayed.append((path, response.status_code))
        expected = "primary" if template in PRIMARY_GETS else "replica"
        if template in PUBLIC_GETS:
            continue  # no statement either way; a write would show as a replay
        if where != expected:
            misplaced.append((template, response.status_code, where))
    assert not misplaced, "routes served by the wrong database: %s" % misplaced
    assert not replayed, "read-only routes that wrote (or missed, or did not replay a miss): %s" % replayed

    # A write goes to the primary, and the replica then serves it.
    person = "REP-%s" % uuid.uuid4().hex[:8]
    response, where, _ = _where(served, "POST", "/api/v1/persons", json={"person_id": person, "name": "Replica New"})
    assert (response.status_code, where) == (201, "primary"), response.text
    _wait_replayed(served["db"])
    response, where, _ = _where(served, "GET", "/api/v1/persons/%s" % person)
    assert (response.status_code, where) == (200, "replica"), response.text


def _hits(db, key_id):
    connection = psycopg2.connect(dbname=db, **PG)
    try:
        with connection.cursor() as cr:
            cr.execute("SELECT COALESCE(sum(hits), 0) FROM face_api_rate_hit WHERE key_id = %s", [key_id])
            return cr.fetchone()[0]
    finally:
        connection.close()


def test_rate_limit_counts_of_read_only_routes_land_on_the_primary(served):
    before = _hits(served["db"], served["key_id"])
    for _ in range(3):
        response, where, _ = _where(served, "GET", "/api/v1/persons")
        assert (response.status_code, where) == (200, "replica")
    assert _hits(served["db"], served["key_id"]) - before == 3


def test_a_lagging_replica_gives_way_to_the_primary(served):
    """Replay paused on the replica: what the primary has just written is not there yet."""
    replica_sql("SELECT pg_wal_replay_pause()")
    try:
        person = "REP-%s" % uuid.uuid4().hex[:8]
        response, where, _ = _where(
            served, "POST", "/api/v1/persons", json={"person_id": person, "name": "Written During Lag"}
        )
        assert (response.status_code, where) == (201, "primary"), response.text
        # At once: the replica does not know the person; the primary answers instead of a 404.
        response, where, odoo_said = _where(served, "GET", "/api/v1/persons/%s" % person)
        assert response.status_code == 200, response.text
        assert "served by the primary: 404 on the replica" in odoo_said
        # Beyond the allowed lag, read-only routes go to the primary without trying the replica.
        time.sleep(3.2)
        response, where, odoo_said = _where(served, "GET", "/api/v1/persons?search=%s" % person)
        assert (response.status_code, where) == (200, "primary"), response.text
        assert [p["person_id"] for p in response.json()["data"]["persons"]] == [person]
        assert "behind: read-only API routes use the primary" in odoo_said
    finally:
        replica_sql("SELECT pg_wal_replay_resume()")
    _wait_replayed(served["db"])
    time.sleep(1.1)
    response, where, odoo_said = _where(served, "GET", "/api/v1/persons?search=%s" % person)
    assert (response.status_code, where) == (200, "replica"), odoo_said
    assert [p["person_id"] for p in response.json()["data"]["persons"]] == [person]


def test_a_stopped_replica_costs_no_request(served):
    """Stopped while requests run: those that start after it stopped are answered by the primary
    (Odoo tries the replica again 20 minutes later). A request whose transaction was on the replica
    at the instant it stopped may fail: Odoo cannot even close that dead cursor."""
    url = served["server"].url + "/api/v1/persons/REP-1"
    answers, stop = [], threading.Event()

    def client():
        session = requests.Session()
        session.headers.update(served["session"].headers)
        while not stop.is_set():
            began = time.monotonic()
            status = session.get(url, timeout=60).status_code
            answers.append((began, time.monotonic(), status))

    served["odoo_log"].mark()
    threads = [threading.Thread(target=client) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.5)
        stopping = time.monotonic()
        run = _shell("stop_replica")
        stopped = time.monotonic()
        assert run.returncode == 0, run.stderr
        time.sleep(1.0)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    before = [status for began, ended, status in answers if ended < stopping]
    during = [status for began, ended, status in answers if ended >= stopping and began <= stopped]
    after = [status for began, ended, status in answers if began > stopped]
    print(
        "replica stopped in %.2f s: %d answers before, %s while stopping, %d after"
        % (stopped - stopping, len(before), during, len(after))
    )
    assert before and set(before) == {200}, before
    assert after and set(after) == {200}, after
    assert during.count(200) >= len(during) - len(threads), during
    assert "Failed to open a readonly cursor, falling back to read-write cursor" in served["odoo_log"].since()
    run = _shell("ensure_replica", FA_REPLICA_LOG_STATEMENT="all")
    assert run.returncode == 0, run.stdout + run.stderr
