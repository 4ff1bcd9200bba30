"""Ingestion into a real Odoo (XML-RPC method and POST /events) and REST API latency under load."""

import datetime
import json
import os
import subprocess
import sys
import time
import xmlrpc.client

import requests
from odoo_server import ARTIFACTS, OdooServer, _connect, drop_database, install_template

HERE = os.path.dirname(os.path.abspath(__file__))


def _percentiles(values):
    values = sorted(values)
    return {
        "p50_ms": round(1000 * values[len(values) // 2], 1),
        "p95_ms": round(1000 * values[min(len(values) - 1, int(0.95 * len(values)))], 1),
    }


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def setup(log, port):
    db = "fa_bench_%d" % os.getpid()
    log("odoo: installing the addon in %s" % db)
    install_template(db, os.path.join(ARTIFACTS, "benchmark-odoo-install.log"))
    # What scripts/run.sh serves by default: twice the cores.
    server = OdooServer(db, port, workers=int(os.environ.get("FA_WORKERS") or 2 * os.cpu_count())).start()
    return server


def seed(server, employees=200):
    server.rpc("face.attendance.config", "set", "duplicate_window_minutes", 0)
    ids = server.rpc(
        "hr.employee",
        "create",
        [{"name": "Bench %04d" % i, "person_ref": "B%04d" % i, "tz": "UTC"} for i in range(employees)],
    )
    camera = server.rpc(
        "face.camera", "create", {"name": "Bench hall", "source_type": "file", "source": "x", "direction": "both"}
    )
    return ids, camera


def ingestion(server, secret, employee_ids, camera, log):
    common = xmlrpc.client.ServerProxy(server.url + "/xmlrpc/2/common")
    uid = common.authenticate(server.db, "admin", "admin", {})
    models = xmlrpc.client.ServerProxy(server.url + "/xmlrpc/2/object", allow_none=True)
    session = requests.Session()
    session.headers["X-API-Key"] = secret
    base = datetime.datetime.utcnow().replace(microsecond=0) - datetime.timedelta(days=2)
    counter = [0]

    def batch_of(size):
        events = []
        for _ in range(size):
            n = counter[0]
            counter[0] += 1
            events.append(
                {
                    "event_id": "bench-%d" % n,
                    "camera_id": camera,
                    "employee_id": employee_ids[n % len(employee_ids)],
                    "timestamp": _iso(base + datetime.timedelta(seconds=n)),
                }
            )
        return events

    def via_xmlrpc(events):
        return models.execute_kw(server.db, uid, "admin", "face.recognition.event", "ingest_events", [events])

    def via_rest(events):
        answer = session.post(server.url + "/api/v1/events", json={"events": events}, timeout=120)
        answer.raise_for_status()
        return answer.json()["data"]["results"]

    rows = []
    for label, send in (("XML-RPC ingest_events", via_xmlrpc), ("POST /api/v1/events", via_rest)):
        for size, total in ((1, 200), (10, 1000), (100, 3000)):
            log("ingestion: %s, batches of %d" % (label, size))
            send(batch_of(size))  # warm-up
            latencies, started = [], time.perf_counter()
            for _ in range(total // size):
                t0 = time.perf_counter()
                results = send(batch_of(size))
                latencies.append(time.perf_counter() - t0)
                assert all(r["status"] == "created" for r in results), results[:2]
            wall = time.perf_counter() - started
            row = {"path": label, "batch": size, "events": total, "events_per_s": round(total / wall, 1)}
            row.update({"call_" + k: v for k, v in _percentiles(latencies).items()})
            rows.append(row)
    # Sighting to hr.attendance row: one event per call, the call returns once the row is written.
    log("ingestion: latency from sighting to hr.attendance row")
    latencies = []
    for _ in range(100):
        event = batch_of(1)[0]
        t0 = time.perf_counter()
        result = via_xmlrpc([event])[0]
        latencies.append(time.perf_counter() - t0)
        assert result["attendance_id"], result
    return {
        "rows": rows,
        "sighting_to_attendance": _percentiles(latencies),
        "note": "Odoo side only (the call returns after the attendance row is written); the daemon adds "
        "its voting window (3 analysed frames) and its delivery interval.",
    }


def seed_attendance(server, employee_ids, total):
    """Attendance rows for the API load test, written with SQL for speed (the API reads them through
    the ORM as always)."""
    connection = _connect(server.db)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM hr_attendance")
            have = cursor.fetchone()[0]
            missing = total - have
            if missing > 0:
                cursor.execute(
                    """
                    INSERT INTO hr_attendance (employee_id, check_in, check_out, worked_hours, in_mode, out_mode,
                                               face_date, create_uid, write_uid, create_date, write_date)
                    SELECT (%s::int[])[1 + (g %% %s)],
                           timestamp '2020-01-01 08:00' + ((g / %s) || ' days')::interval,
                           timestamp '2020-01-01 16:00' + ((g / %s) || ' days')::interval,
                           8.0, 'manual', 'manual',
                           date '2020-01-01' + (g / %s)::int, 1, 1, now(), now()
                      FROM generate_series(%s, %s) AS g""",
                    [
                        employee_ids,
                        len(employee_ids),
                        len(employee_ids),
                        len(employee_ids),
                        len(employee_ids),
                        have,
                        total - 1,
                    ],
                )
                # What autovacuum does shortly after a bulk load in production: the planner needs
                # the new row counts to pick the check_in index.
                cursor.execute("ANALYZE hr_attendance, hr_employee")
    finally:
        connection.close()


def analyze(server, *tables):
    """ANALYZE ``tables`` of the server's database (table statistics, as autovacuum keeps them)."""
    connection = _connect(server.db)
    try:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE %s" % ", ".join(tables))
    finally:
        connection.close()


def api_load(server, secret, employee_ids, log, seconds=4.0):
    endpoints = [("/health", None), ("/persons", None), ("/detections/live", None)]
    rows = []

    def load(path, concurrency):
        run = subprocess.run(
            [
                sys.executable,
                os.path.join(HERE, "loadgen.py"),
                server.url + "/api/v1" + path,
                secret,
                str(concurrency),
                str(seconds),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        return json.loads(run.stdout.strip().splitlines()[-1])

    for records in (10_000, 100_000):
        log("api: seeding %d attendance records" % records)
        seed_attendance(server, employee_ids, records)
        paths = [("/attendance?limit=1000", records)]
        if records == 10_000:
            paths = [(p, None) for p, _r in endpoints] + paths
        for path, count in paths:
            for concurrency in (1, 8, 32):
                log("api: %s at concurrency %d" % (path, concurrency))
                result = load(path, concurrency)
                result.update(
                    {"endpoint": "GET /api/v1" + path, "concurrency": concurrency, "attendance_records": count}
                )
                rows.append(result)
    return {"rows": rows, "server_workers": server.workers, "seconds_per_run": seconds}


def run(log, faces_dir, port=8369):
    import bench_scale

    sys.path.insert(0, os.path.dirname(HERE))
    server = setup(log, port)
    try:
        secret = server.create_api_key("benchmark", "*", rate_limit=0)
        employee_ids, camera = seed(server)
        out = {"ingestion": ingestion(server, secret, employee_ids, camera, log)}
        out["ingestion"]["scale"] = bench_scale.ingestion_scale(server, secret, employee_ids, camera, log)
        out["recognize"] = bench_scale.recognize(server, secret, faces_dir, log)
        out["api"] = api_load(server, secret, employee_ids, log)
        out["simulation"] = bench_scale.daemon_simulation(server, log)
        liveness_dir, models_dir = os.environ.get("FA_LIVENESS_DATA"), os.environ.get("FA_LIVENESS_MODELS")
        if liveness_dir and models_dir:
            import bench_kiosk

            out["kiosk"] = bench_kiosk.run(server, secret, log, liveness_dir, models_dir)
        live = [r for r in out["api"]["rows"] if "detections/live" in r["endpoint"]]
        out["detections_live_target_met"] = all(r["p95_ms"] is not None and r["p95_ms"] < 200 for r in live)
        return out
    finally:
        server.stop()
        drop_database(server.db)
