"""Ingestion under concurrent senders, /recognize latency, and a simulation of many site daemons
feeding one Odoo (heartbeats and sightings over XML-RPC, as the daemon does)."""

import base64
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from concurrent.futures import ProcessPoolExecutor

import cv2
import numpy as np
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
SIM_SECONDS = 12
SIM_EVENTS_PER_BATCH = 5  # a site's sightings per second (10 cameras, people passing now and then)
SIM_PEOPLE_PER_SITE = 20
TARGET_P95_S = 1.0


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _percentiles(values):
    values = sorted(values)
    if not values:
        return {"p50_ms": None, "p95_ms": None}
    return {
        "p50_ms": round(1000 * values[len(values) // 2], 1),
        "p95_ms": round(1000 * values[min(len(values) - 1, int(0.95 * len(values)))], 1),
    }


def _send_batches(args):
    """One sender process: its batches by POST /events; returns (events, errors, statuses)."""
    url, secret, batches = args
    session = requests.Session()
    session.headers["X-API-Key"] = secret
    errors, statuses = 0, {}
    for batch in batches:
        answer = session.post(url + "/api/v1/events", json={"events": batch}, timeout=300)
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        if answer.status_code != 200 or any(
            r["status"] not in ("created", "exists") for r in answer.json()["data"]["results"]
        ):
            errors += 1
    return sum(len(b) for b in batches), errors, statuses


def ingestion_scale(server, secret, employee_ids, camera, log):
    rows = []
    base = datetime.datetime.utcnow().replace(microsecond=0) - datetime.timedelta(days=5)
    # 8 senders at once, batches of 100 (each event a different person, as in the single-sender rows).
    senders, per_sender = 8, 4
    batches = [
        [
            {
                "event_id": "scale-%d-%d-%d" % (s, b, i),
                "camera_id": camera,
                "employee_id": employee_ids[(s * 100 + i) % len(employee_ids)],
                "timestamp": _iso(base + datetime.timedelta(seconds=s * 1000 + b * 100 + i)),
            }
            for i in range(100)
        ]
        for s in range(senders)
        for b in range(per_sender)
    ]
    log("ingestion: 8 concurrent senders, batches of 100")
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=senders) as pool:
        results = list(pool.map(_send_batches, [(server.url, secret, batches[s::senders]) for s in range(senders)]))
    wall = time.perf_counter() - started
    statuses = {}
    for _events, _errors, counts in results:
        for status, count in counts.items():
            statuses[str(status)] = statuses.get(str(status), 0) + count
    rows.append(
        {
            "workload": "8 concurrent senders, POST /events, batches of 100 (100 persons each)",
            "events": sum(r[0] for r in results),
            "events_per_s": round(sum(r[0] for r in results) / wall, 1),
            "errors": sum(r[1] for r in results),
            "statuses": statuses,
        }
    )
    # What a CCTV daemon sends: 100 sightings of 10 people over ten minutes.
    log("ingestion: CCTV batches (100 sightings of 10 people)")
    session = requests.Session()
    session.headers["X-API-Key"] = secret
    total, errors, started = 0, 0, time.perf_counter()
    for b in range(20):
        batch = [
            {
                "event_id": "cctv-%d-%d" % (b, i),
                "camera_id": camera,
                "employee_id": employee_ids[(b * 10 + i % 10) % len(employee_ids)],
                "timestamp": _iso(base + datetime.timedelta(days=1, minutes=b * 10, seconds=6 * i)),
            }
            for i in range(100)
        ]
        answer = session.post(server.url + "/api/v1/events", json={"events": batch}, timeout=300)
        errors += answer.status_code != 200
        total += len(batch)
    wall = time.perf_counter() - started
    rows.append(
        {
            "workload": "one sender, POST /events, CCTV batches of 100 (10 persons each)",
            "events": total,
            "events_per_s": round(total / wall, 1),
            "errors": errors,
            "statuses": {},
        }
    )
    return rows


def recognize(server, secret, faces_dir, log, seconds=5.0):
    """POST /recognize with a 640x480 JPEG holding one enrolled face, at concurrency 1 and 8."""
    person = "Kofi_Annan"
    session = requests.Session()
    session.headers["X-API-Key"] = secret
    session.post(server.url + "/api/v1/persons", json={"person_id": "BENCH-REC", "name": "Bench Recognize"}, timeout=60)
    with open(os.path.join(faces_dir, "known", person, "%s_0001.jpg" % person), "rb") as handle:
        enrolled = session.post(
            server.url + "/api/v1/persons/BENCH-REC/register-face",
            json={"image": base64.b64encode(handle.read()).decode()},
            timeout=60,
        )
    assert enrolled.status_code == 201, enrolled.text
    photo = cv2.imread(os.path.join(faces_dir, "known", person, "%s_0002.jpg" % person))
    canvas = np.full((480, 640, 3), 90, dtype=np.uint8)
    canvas[115 : 115 + photo.shape[0], 195 : 195 + photo.shape[1]] = photo
    _ok, jpeg = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 90])
    body = json.dumps({"image": base64.b64encode(jpeg.tobytes()).decode()})
    check = session.post(
        server.url + "/api/v1/recognize", data=body, headers={"Content-Type": "application/json"}, timeout=60
    ).json()
    assert check["data"]["faces"][0]["person_id"] == "BENCH-REC", check
    rows = []
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        handle.write(body)
        body_path = handle.name
    try:
        for concurrency in (1, 8):
            log("api: POST /recognize (640x480, one face) at concurrency %d" % concurrency)
            run = subprocess.run(
                [
                    sys.executable,
                    os.path.join(HERE, "loadgen.py"),
                    server.url + "/api/v1/recognize",
                    secret,
                    str(concurrency),
                    str(seconds),
                    body_path,
                ],
                capture_output=True,
                text=True,
                timeout=300,
            )
            result = json.loads(run.stdout.strip().splitlines()[-1])
            result.update({"endpoint": "POST /api/v1/recognize (640x480, 1 face)", "concurrency": concurrency})
            rows.append(result)
    finally:
        os.unlink(body_path)
    return rows


def _site(args):
    """One simulated site daemon: a batch of sightings every second and a heartbeat every other
    second, for SIM_SECONDS; returns the latencies of the sighting batches and the errors. It signs in
    as the daemon does on Odoo 18 (transport/xmlrpc.py): its login, and an API key as the password."""
    url, db, login, password, daemon_id, camera_id, people, site = args
    common = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common")
    uid = common.authenticate(db, login, password, {})
    models = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object", allow_none=True)
    latencies, errors, sent, tick = [], 0, 0, 0
    end = time.monotonic() + SIM_SECONDS
    while time.monotonic() < end:
        started = time.monotonic()
        now = datetime.datetime.utcnow().replace(microsecond=0)
        batch = [
            {
                "event_id": "sim-%s-%d-%d" % (site, tick, i),
                "camera_id": camera_id,
                "employee_id": people[(tick * SIM_EVENTS_PER_BATCH + i) % len(people)],
                "timestamp": _iso(now),
            }
            for i in range(SIM_EVENTS_PER_BATCH)
        ]
        try:
            models.execute_kw(db, uid, password, "face.recognition.event", "ingest_events", [batch, daemon_id])
            latencies.append(time.monotonic() - started)
            sent += len(batch)
            if tick % 2 == 0:
                models.execute_kw(
                    db,
                    uid,
                    password,
                    "face.daemon",
                    "daemon_heartbeat",
                    [[daemon_id], {"fps": 8}, [{"camera_id": camera_id, "fps": 8.0, "last_frame_at": _iso(now)}]],
                )
        except (xmlrpc.client.Error, OSError):
            errors += 1
        tick += 1
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
    return latencies, errors, sent


def daemon_simulation(server, log, sizes=(1, 2, 4, 8, 16, 32), stop=True):
    """N site daemons (processes) at once; the largest N whose sighting-to-attendance p95 stays under
    TARGET_P95_S. The call returns once the attendance rows are written. ``stop``: no larger N after
    the first that misses the target (False: every size, for a comparison)."""
    server.rpc("face.attendance.config", "set", "duplicate_window_minutes", 5)
    sites = []
    rows, held, missed = [], 0, False
    for size in sizes:
        made = []
        while len(sites) + len(made) < size:
            n = len(sites) + len(made)
            login = "sim-site-%d" % n
            user = server.create_user(
                "Site %d daemon" % n, login, login, ["face_attendance.group_face_attendance_device"]
            )
            daemon = server.rpc("face.daemon", "create", {"name": "site-%d" % n, "user_id": user})
            camera = server.rpc(
                "face.camera",
                "create",
                {
                    "name": "Site %d hall" % n,
                    "source_type": "file",
                    "source": "x",
                    "direction": "both",
                    "daemon_id": daemon,
                },
            )
            people = server.rpc(
                "hr.employee",
                "create",
                [{"name": "Site %d person %d" % (n, p), "tz": "UTC"} for p in range(SIM_PEOPLE_PER_SITE)],
            )
            made.append((login, daemon, camera, people))
        if made:
            # Each device user's Odoo API key, as its Preferences make them (README, 'Odoo 18'): the
            # daemon's XML-RPC password. All of this size's at once: one odoo-bin shell.
            output = server.shell(
                (
                    "for login in %r:\n"
                    "    user = env['res.users'].search([('login', '=', login)])\n"
                    "    keys = env['res.users.apikeys'].with_user(user).sudo()\n"
                    "    print('KEY', login, keys._generate(None, 'site', None))\n"
                    "env.cr.commit()\n"
                )
                % [login for login, *_rest in made]
            )
            keys = dict(line.split()[1:] for line in output.splitlines() if line.startswith("KEY "))
            for login, daemon, camera, people in made:
                sites.append((server.url, server.db, login, keys[login], daemon, camera, people, ""))
        log("simulation: %d site daemons" % size)
        runs = [tuple(site[:7]) + ("%d-%d" % (size, i),) for i, site in enumerate(sites[:size])]
        with ProcessPoolExecutor(max_workers=size) as pool:
            results = list(pool.map(_site, runs))
        latencies = [value for result in results for value in result[0]]
        row = {
            "daemons": size,
            "events_per_s": round(sum(r[2] for r in results) / SIM_SECONDS, 1),
            "errors": sum(r[1] for r in results),
        }
        row.update(_percentiles(latencies))
        rows.append(row)
        if row["p95_ms"] is not None and row["p95_ms"] < TARGET_P95_S * 1000 and not row["errors"]:
            held = held if missed else size
        else:
            missed = True
            if stop:
                break
    return {
        "rows": rows,
        "largest_held": held,
        "seconds_per_run": SIM_SECONDS,
        "events_per_site_per_s": SIM_EVENTS_PER_BATCH,
        "target_p95_ms": TARGET_P95_S * 1000,
    }
