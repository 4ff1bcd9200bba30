"""The throughput issue 26 asks of one node, this checkout against BASELINE, in one run.

BASELINE is the commit the issue measured ("now" when it was filed): its addon and its daemon package
are taken from git into a temporary folder (bench_api_declarations.baseline_tree) and served by a
second Odoo on its own database. Both databases are seeded alike (bench_odoo.seed: 200 persons, one
camera, no duplicate window), both servers run the run command's default number of workers, and every
measurement alternates the two sides (A B, then B A) so that both see the same machine:

1. ingestion by ``POST /api/v1/events``: batches of 100 events of 100 different persons (each event
   changes one attendance), CCTV batches (100 sightings of 10 persons over ten minutes), and 8
   concurrent senders of 100-person batches (bench_scale's shapes), ROUNDS rounds each, fresh event
   ids and later timestamps every round;
2. ``GET /api/v1/attendance?limit=1000`` over 100,000 attendance rows (concurrency 1 and 8) and
   ``GET /api/v1/detections/live`` at concurrency 8 over what the ingestion wrote (as section 5 reads
   it), tests/benchmarks/loadgen.py, READ_ROUNDS rounds, median of the rounds;
3. the face kiosk (bench_kiosk: the shared NUAA sequences at the page's pace): server time of the
   frames that decide, when liveness data and models are given;
4. the daemons simulation (bench_scale.daemon_simulation): 1, 2, 4 and 8 site daemons.

Runnable alone: ``$FA_VENV/bin/python tests/benchmarks/bench_throughput.py`` (prints the table,
writes test-artifacts/benchmarks-throughput.json and section 6e of BENCHMARKS.md).
"""

import datetime
import os
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]  # also run as a script

import bench_api_declarations  # noqa: E402
import bench_kiosk  # noqa: E402
import bench_odoo  # noqa: E402
import bench_scale  # noqa: E402
from odoo_server import ARTIFACTS, ROOT, OdooServer, drop_database, install_template  # noqa: E402

SECTION = "## 6e. Throughput of one node against the issue's baseline"
BASELINE = os.environ.get("FA_THROUGHPUT_BASELINE", "9be210c")
BASE_PORT = int(os.environ.get("FA_BENCH_THROUGHPUT_PORT", "8409"))
ROUNDS = int(os.environ.get("FA_THROUGHPUT_ROUNDS", "2"))
READ_ROUNDS = int(os.environ.get("FA_THROUGHPUT_READ_ROUNDS", "3"))
SECONDS = float(os.environ.get("FA_BENCH_SECONDS", "4"))
SIM_SIZES = (1, 2, 4, 8)
HISTORY_BATCHES = 3  # a batch takes seconds on a long history: a few are enough
SIDES = ("baseline", "current")
# What issue 26 asks of the current side (the "Throughput to reach" list).
TARGETS = {
    "different_persons": (">=", 200, "events/s"),
    "cctv": (">=", 500, "events/s"),
    "senders": (">=", 300, "events/s"),
    "attendance_c1": ("<", 100, "ms p95"),
    "detections_live_c8": ("<", 50, "ms p95"),
    "kiosk_deciding": ("<", 100, "ms p95"),
    "daemons_8": ("<", 1000, "ms p95"),
}
LABELS = {
    "different_persons": "POST /events, batches of 100 different persons",
    "different_persons_history": "the same with 500 attendances of history each (after the reads)",
    "cctv": "POST /events, CCTV batches (100 sightings of 10 persons)",
    "senders": "POST /events, 8 concurrent senders of 100-person batches",
    "attendance_c1": "GET /attendance?limit=1000 over 100k rows, concurrency 1",
    "attendance_c8": "GET /attendance?limit=1000 over 100k rows, concurrency 8",
    "detections_live_c8": "GET /detections/live at concurrency 8 (after the ingestion)",
    "kiosk_deciding": "kiosk frames that decide (server time)",
    "kiosk_voting": "kiosk frames that only vote (server time)",
    "daemons_8": "8 site daemons, sighting batch to answer",
}


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Side:
    """One server and its seeded database; ``clock`` hands out later timestamps to every workload, so
    that no round's events arrive late for another's (no replays on either side)."""

    def __init__(self, name, root, port, workdir):
        self.name, self.root = name, root
        self.db = "fa_bench_tp_%s_%d" % (name, os.getpid())
        self.port = port
        self.clock = datetime.datetime.utcnow().replace(microsecond=0) - datetime.timedelta(days=20)
        self.server = self.secret = self.employees = self.camera = None

    def start(self, log, workers):
        log("throughput: installing the %s addon in %s" % (self.name, self.db))
        install_template(self.db, os.path.join(ARTIFACTS, "benchmark-throughput-%s-install.log" % self.name), self.root)
        self.server = OdooServer(self.db, self.port, workers=workers, addons_root=self.root).start()
        self.secret = bench_api_declarations.api_key(self.server)
        self.employees, self.camera = bench_odoo.seed(self.server)

    def take(self, seconds):
        start = self.clock
        self.clock += datetime.timedelta(seconds=seconds)
        return start

    def stop(self):
        if self.server:
            self.server.stop()
        drop_database(self.db)


def _post(session, url, batch):
    answer = session.post(url + "/api/v1/events", json={"events": batch}, timeout=300)
    ok = answer.status_code == 200 and all(
        r["status"] in ("created", "exists") for r in answer.json()["data"]["results"]
    )
    return ok


def _one_sender(side, batches):
    session = requests.Session()
    session.headers["X-API-Key"] = side.secret
    session.post(side.server.url + "/api/v1/events", json={"events": []}, timeout=60)  # warm the connection
    errors, started = 0, time.perf_counter()
    for batch in batches:
        errors += not _post(session, side.server.url, batch)
    wall = time.perf_counter() - started
    return {"events_per_s": round(sum(map(len, batches)) / wall, 1), "errors": errors}


def _batches(side, name, keys, person, seconds, span):
    """Batches of 100 events, one per key: event i of key k is of seeded person ``person(k, i)``,
    ``seconds(k, i)`` after the start of a span of ``span`` seconds the side's clock hands out."""
    start = side.take(span)
    people = side.employees
    return [
        [
            {
                "event_id": "tp-%s-%s-%d" % (name, "-".join(map(str, key)), i),
                "camera_id": side.camera,
                "employee_id": people[person(key, i) % len(people)],
                "timestamp": _iso(start + datetime.timedelta(seconds=seconds(key, i))),
            }
            for i in range(100)
        ]
        for key in keys
    ]


def different_persons(side, tag, batches=10):
    """Every event of a batch another person's: each changes one attendance."""

    def order(key, i):
        return key[0] * 100 + i

    keys = [(b,) for b in range(batches)]
    return _one_sender(side, _batches(side, tag + "-diff", keys, order, order, batches * 100 + 60))


def cctv(side, tag, batches=20):
    """What a CCTV daemon sends: 100 sightings of 10 persons over ten minutes a batch."""
    keys = [(b,) for b in range(batches)]
    work = _batches(
        side,
        tag + "-cctv",
        keys,
        lambda key, i: key[0] * 10 + i % 10,
        lambda key, i: key[0] * 600 + 6 * i,
        batches * 600 + 60,
    )
    return _one_sender(side, work)


def _sender(args):
    url, secret, batches = args
    session = requests.Session()
    session.headers["X-API-Key"] = secret
    return sum(not _post(session, url, batch) for batch in batches)


def senders(side, tag, count=8, per_sender=4):
    """bench_scale.ingestion_scale's shape: sender s's events are persons s*100.. (two senders share
    each person), interleaved in time, so some events of a person arrive after later ones."""
    keys = [(s, b) for s in range(count) for b in range(per_sender)]
    batches = _batches(
        side,
        tag + "-send",
        keys,
        lambda key, i: key[0] * 100 + i,
        lambda key, i: key[0] * 1000 + key[1] * 100 + i,
        count * 1000 + 60,
    )
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=count) as pool:
        errors = list(pool.map(_sender, [(side.server.url, side.secret, batches[s::count]) for s in range(count)]))
    wall = time.perf_counter() - started
    return {"events_per_s": round(count * per_sender * 100 / wall, 1), "errors": sum(errors)}


def _alternate(sides, round_number):
    return sides if round_number % 2 == 0 else sides[::-1]


def run(log, faces_dir=None, liveness_dir=None, models_dir=None):
    liveness_dir = liveness_dir or os.environ.get("FA_LIVENESS_DATA")
    models_dir = models_dir or os.environ.get("FA_LIVENESS_MODELS")
    workers = int(os.environ.get("FA_WORKERS") or 2 * os.cpu_count())
    workdir = tempfile.mkdtemp(prefix="fa-bench-throughput-")
    sides = []
    try:
        roots = {"baseline": bench_api_declarations.baseline_tree(workdir, BASELINE), "current": ROOT}
        sides = [Side(name, roots[name], BASE_PORT + 10 * n, workdir) for n, name in enumerate(SIDES)]
        for side in sides:
            side.start(log, workers)
        runs = {key: {side.name: [] for side in sides} for key in LABELS}

        for key, workload in (("different_persons", different_persons), ("cctv", cctv), ("senders", senders)):
            for round_number in range(ROUNDS):
                for side in _alternate(sides, round_number):
                    log("throughput: %s, %s, round %d" % (LABELS[key], side.name, round_number + 1))
                    runs[key][side.name].append(workload(side, "r%d" % round_number))

        for side in sides:
            log("throughput: seeding %s with 100,000 attendance rows" % side.name)
            bench_odoo.seed_attendance(side.server, side.employees, 100_000)
            # What autovacuum does after such a load in production (this machine's PostgreSQL may run
            # without it): the planner sees the events the ingestion wrote.
            bench_odoo.analyze(side.server, "face_recognition_event", "hr_attendance")
        reads = (
            ("attendance_c1", "/attendance?limit=1000", 1),
            ("attendance_c8", "/attendance?limit=1000", 8),
            ("detections_live_c8", "/detections/live", 8),
        )
        for key, path, concurrency in reads:
            for round_number in range(READ_ROUNDS):
                for side in _alternate(sides, round_number):
                    log("throughput: %s, %s, round %d" % (LABELS[key], side.name, round_number + 1))
                    runs[key][side.name].append(
                        bench_api_declarations.load(side.server, side.secret, path, concurrency, seconds=SECONDS)
                    )

        # A year or two in: every person has ~500 attendances (the rows seeded for the reads).
        for round_number in range(ROUNDS):
            for side in _alternate(sides, round_number):
                log("throughput: %s, %s, round %d" % (LABELS["different_persons_history"], side.name, round_number + 1))
                work = different_persons(side, "h%d" % round_number, batches=HISTORY_BATCHES)
                runs["different_persons_history"][side.name].append(work)

        kiosk = {}
        if liveness_dir and models_dir:
            for side in sides:
                log("throughput: kiosk on %s" % side.name)
                kiosk[side.name] = bench_kiosk.run(side.server, side.secret, log, liveness_dir, models_dir)
                runs["kiosk_deciding"][side.name].append(kiosk[side.name]["deciding_frame"])
                runs["kiosk_voting"][side.name].append(kiosk[side.name]["voting_frame"])

        simulation = {}
        for side in _alternate(sides, 1):
            log("throughput: daemons simulation on %s" % side.name)
            simulation[side.name] = bench_scale.daemon_simulation(side.server, log, sizes=SIM_SIZES, stop=False)
            eight = [row for row in simulation[side.name]["rows"] if row["daemons"] == 8]
            runs["daemons_8"][side.name] += eight

        return {
            "baseline": BASELINE,
            "workers": workers,
            "rounds": ROUNDS,
            "read_rounds": READ_ROUNDS,
            "seconds_per_load": SECONDS,
            "rows": _rows(runs),
            "kiosk": kiosk,
            "simulation": simulation,
        }
    finally:
        for side in sides:
            side.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _figure(key, results):
    """One side's figure for a measure: events/s (mean of the rounds) or p95 ms (median of the rounds)."""
    if not results:
        return None, None
    if key in ("different_persons", "different_persons_history", "cctv", "senders"):
        return round(statistics.mean(r["events_per_s"] for r in results), 1), sum(r["errors"] for r in results)
    p95s = [r["p95_ms"] for r in results if r.get("p95_ms") is not None]
    return (round(statistics.median(p95s), 1) if p95s else None), sum(r.get("errors", 0) for r in results)


def _rows(runs):
    rows = []
    for key, label in LABELS.items():
        baseline, baseline_errors = _figure(key, runs[key]["baseline"])
        current, current_errors = _figure(key, runs[key]["current"])
        if current is None:
            continue
        row = {
            "key": key,
            "measure": label,
            "unit": TARGETS.get(key, (None, None, "ms p95" if "kiosk" in key or "_c" in key else "events/s"))[2],
            "baseline": baseline,
            "current": current,
            "ratio": round(current / baseline, 2) if baseline else None,
            "errors": [baseline_errors, current_errors],
            "each_round": {side: [_figure(key, [r])[0] for r in runs[key][side]] for side in SIDES},
        }
        if key in TARGETS:
            sign, goal, _unit = TARGETS[key]
            row["target"] = "%s %s" % (sign, goal)
            row["met"] = current >= goal if sign == ">=" else current < goal
        rows.append(row)
    return rows


def throughput_section(results):
    from report import _table, alone_header

    out = alone_header(results, SECTION, "bench_throughput.py")
    out += [
        "Baseline: the addon and its face engine at `%s` (the commit issue 26 measured), served from a "
        "temporary folder; current: this checkout. Two databases seeded alike (200 persons, one camera), two "
        "servers with %d prefork workers each, on the same machine at the same time; every measure alternates "
        "the sides (ingestion: %d rounds, mean events/s; loads: %d rounds of %.0f s, median p95). The kiosk "
        "and the daemons simulation run once per side. Targets are issue 26's for the current side."
        % (
            results["baseline"],
            results["workers"],
            results["rounds"],
            results["read_rounds"],
            results["seconds_per_load"],
        ),
        "",
    ]
    table = []
    for row in results["rows"]:
        table.append(
            [
                row["measure"],
                row["unit"],
                row["baseline"],
                row["current"],
                "%sx" % row["ratio"] if row["ratio"] is not None else "-",
                row.get("target", "-"),
                {True: "met", False: "**not met**"}.get(row.get("met"), "-"),
                " / ".join(map(str, row["each_round"]["baseline"]))
                + " ; "
                + " / ".join(map(str, row["each_round"]["current"])),
                "%d / %d" % tuple(row["errors"]),
            ]
        )
    out.append(
        _table(
            [
                "measure",
                "unit",
                "baseline",
                "current",
                "current / baseline",
                "target",
                "verdict",
                "each round (b ; c)",
                "errors (b / c)",
            ],
            table,
        )
    )
    simulation = results.get("simulation") or {}
    if simulation:
        out += ["", "Daemons simulation, p50 / p95 ms from sending a batch to Odoo's answer:", ""]
        sizes = sorted({row["daemons"] for side in simulation.values() for row in side["rows"]})
        lines = []
        for size in sizes:
            cells = [size]
            for side in SIDES:
                row = next((r for r in simulation.get(side, {}).get("rows", []) if r["daemons"] == size), None)
                cells.append("%s / %s (errors %d)" % (row["p50_ms"], row["p95_ms"], row["errors"]) if row else "-")
            lines.append(cells)
        out.append(_table(["daemons", "baseline", "current"], lines))
    return out + [""]


def main():
    from report import alone_main

    alone_main(__doc__, run, "benchmarks-throughput.json", throughput_section, SECTION, before="## 7. ")


if __name__ == "__main__":
    main()
