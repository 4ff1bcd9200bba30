"""The REST routes before and after they were declared with pydantic models (issue 24), in one run.

The baseline is the addon as it was at ``BASELINE`` (routes that parsed and checked their input by
hand, hand-written OpenAPI), taken from git into a temporary folder; the current addon is this
checkout. Each gets its own database, seeded alike (200 persons, one enrolled face, 100,000
attendance rows, a day of sightings), and its own server with the same number of workers. Every
measurement alternates baseline and current (A B A B ...) so that both see the same machine, and
reports the median p95 of the rounds for each side.
"""

import base64
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

import cv2
import numpy as np
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]  # also run as a script: python bench_api_declarations.py

from odoo_server import ARTIFACTS, ROOT, OdooServer, drop_database, install_template  # noqa: E402

# The last commit before issue 24 (issue 23's review): every route still parsed its input by hand.
BASELINE = os.environ.get("FA_BENCH_BASELINE", "e23bcc1")
# Seven: with three, a p95 at concurrency 1 moved by 25% between runs of the same code.
ROUNDS = int(os.environ.get("FA_BENCH_ROUNDS", "7"))
SECONDS = float(os.environ.get("FA_BENCH_SECONDS", "4"))
ATTENDANCE_ROWS = 100_000
PERSON = "Kofi_Annan"


def baseline_tree(workdir, commit=BASELINE):
    """The addon and the daemon package (its face engine) at ``commit``, as a folder Odoo can load
    (no checkout: git archive); odoo_server.server_env puts the folder first on the server's path."""
    target = os.path.join(workdir, "baseline-%s" % commit)
    os.makedirs(target)
    run = subprocess.run(
        ["git", "-C", ROOT, "archive", commit, "face_attendance", "face_attendance_daemon"], capture_output=True
    )
    if run.returncode:
        raise RuntimeError(
            "the baseline commit %s is not in this checkout (%s): clone the full history or set the "
            "benchmark's baseline variable" % (commit, run.stderr.decode(errors="replace").strip())
        )
    subprocess.run(["tar", "-x", "-C", target], input=run.stdout, check=True)
    return target


def api_key(server):
    """A key of admin's with every scope and no rate limit, made by the server's own addon code."""
    output = server.shell(
        "key, secret = env['face.api.key']._generate('bench', env.ref('base.user_admin'), '*')\n"
        "key.sudo().rate_limit_per_minute = 0\n"
        "print('KEY', secret)\n"
        "env.cr.commit()\n"
    )
    return next(line.split()[1] for line in output.splitlines() if line.startswith("KEY "))


def recognize_body(faces_dir):
    photo = cv2.imread(os.path.join(faces_dir, "known", PERSON, "%s_0002.jpg" % PERSON))
    canvas = np.full((480, 640, 3), 90, dtype=np.uint8)
    canvas[115 : 115 + photo.shape[0], 195 : 195 + photo.shape[1]] = photo
    _ok, jpeg = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return json.dumps({"image": base64.b64encode(jpeg.tobytes()).decode()})


def seed(server, secret, faces_dir, body):
    import bench_odoo

    employee_ids, camera = bench_odoo.seed(server)
    session = requests.Session()
    session.headers["X-API-Key"] = secret
    created = session.post(
        server.url + "/api/v1/persons", json={"person_id": "BENCH-REC", "name": "Bench Recognize"}, timeout=60
    )
    assert created.status_code == 201, created.text
    with open(os.path.join(faces_dir, "known", PERSON, "%s_0001.jpg" % PERSON), "rb") as handle:
        enrolled = session.post(
            server.url + "/api/v1/persons/BENCH-REC/register-face",
            json={"image": base64.b64encode(handle.read()).decode()},
            timeout=60,
        )
    assert enrolled.status_code == 201, enrolled.text
    check = session.post(
        server.url + "/api/v1/recognize", data=body, headers={"Content-Type": "application/json"}, timeout=60
    ).json()
    assert check["data"]["faces"][0]["person_id"] == "BENCH-REC", check
    # Sightings for /detections/live: the same batch on both sides.
    events = [
        {
            "event_id": "bench-live-%d" % i,
            "timestamp": "2026-11-20T%02d:%02d:00Z" % (8 + i // 60, i % 60),
            "camera_id": camera,
            "employee_id": employee_ids[i % len(employee_ids)],
            "distance": 0.3,
            "confidence": 0.9,
        }
        for i in range(300)
    ]
    answer = session.post(server.url + "/api/v1/events", json={"events": events}, timeout=300)
    assert answer.status_code == 200, answer.text
    bench_odoo.seed_attendance(server, employee_ids, ATTENDANCE_ROWS)


def load(server, secret, path, concurrency, body_path=None, seconds=SECONDS):
    """tests/benchmarks/loadgen.py on ``/api/v1`` + ``path`` in its own process; its JSON answer."""
    command = [sys.executable, os.path.join(HERE, "loadgen.py"), server.url + "/api/v1" + path, secret]
    command += [str(concurrency), str(seconds)] + ([body_path] if body_path else [])
    run = subprocess.run(command, capture_output=True, text=True, timeout=300)
    return json.loads(run.stdout.strip().splitlines()[-1])


def run(log, faces_dir, port=8389):
    workers = int(os.environ.get("FA_WORKERS") or 2 * os.cpu_count())
    workdir = tempfile.mkdtemp(prefix="fa-bench-decl-")
    servers = {}
    try:
        roots = {"baseline": baseline_tree(workdir), "current": ROOT}
        body = recognize_body(faces_dir)
        body_path = os.path.join(workdir, "recognize.json")
        with open(body_path, "w") as handle:
            handle.write(body)
        secrets = {}
        os.makedirs(ARTIFACTS, exist_ok=True)
        for offset, (side, root) in enumerate(roots.items()):
            db = "fa_bench_%s_%d" % (side, os.getpid())
            log("declarations: installing the %s addon in %s" % (side, db))
            install_template(db, os.path.join(ARTIFACTS, "benchmark-%s-install.log" % side), addons_root=root)
            servers[side] = OdooServer(db, port + 10 * offset, workers=workers, addons_root=root).start()
            secrets[side] = api_key(servers[side])
            log(
                "declarations: seeding %s (200 persons, 1 face, 300 sightings, %d attendance rows)"
                % (side, ATTENDANCE_ROWS)
            )
            seed(servers[side], secrets[side], faces_dir, body)
        cases = [
            ("POST /api/v1/recognize (640x480, 1 face)", "/recognize", body_path, 1),
            ("POST /api/v1/recognize (640x480, 1 face)", "/recognize", body_path, 8),
            ("GET /api/v1/attendance?limit=1000 (100k rows)", "/attendance?limit=1000", None, 1),
            ("GET /api/v1/attendance?limit=1000 (100k rows)", "/attendance?limit=1000", None, 8),
            ("GET /api/v1/detections/live", "/detections/live", None, 1),
            ("GET /api/v1/detections/live", "/detections/live", None, 8),
        ]
        rows = []
        for label, path, body_file, concurrency in cases:
            runs = {"baseline": [], "current": []}
            for round_number in range(ROUNDS):
                # Alternate which side goes first, so neither always follows the other.
                order = ("baseline", "current") if round_number % 2 == 0 else ("current", "baseline")
                for side in order:
                    runs[side].append(load(servers[side], secrets[side], path, concurrency, body_file))
            log("declarations: %s at concurrency %d" % (label, concurrency))
            row = {"endpoint": label, "concurrency": concurrency, "rounds": ROUNDS}
            for side, results in runs.items():
                p95s = [r["p95_ms"] for r in results if r["p95_ms"] is not None]
                row[side] = {
                    "p50_ms": statistics.median(r["p50_ms"] for r in results if r["p50_ms"] is not None),
                    "p95_ms": statistics.median(p95s),
                    "rps": round(statistics.median(r["rps"] for r in results), 1),
                    "errors": sum(r["errors"] for r in results),
                }
            row["p95_ratio"] = round(row["current"]["p95_ms"] / row["baseline"]["p95_ms"], 3)
            rows.append(row)
        return {"baseline": BASELINE, "workers": workers, "seconds_per_run": SECONDS, "rows": rows}
    finally:
        for server in servers.values():
            server.stop()
            drop_database(server.db)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    import time

    started = time.perf_counter()
    faces = os.environ.get("FA_FACES_DIR") or os.path.join(ROOT, "..", "shared", "data", "faces")
    print(
        json.dumps(
            run(lambda m: print("[%6.1fs] %s" % (time.perf_counter() - started, m), flush=True), faces), indent=1
        )
    )
