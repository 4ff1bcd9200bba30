"""One Odoo node, two nodes, two nodes and a streaming replica (issue 26): the same load on each, in one run.

One database is installed and seeded once (200 persons, one enrolled face, 300 sightings, 100,000
attendance rows: bench_api_declarations' seed), then copied for each set-up, so that every set-up
starts from the same rows (the daemons simulation of one set-up writes thousands of events that the
next would otherwise read):

(a) one node: prefork, ``FA_WORKERS`` workers (the run command's default, twice the cores), behind nginx;
(b) two nodes, each with as many workers, behind the same nginx in round robin (scripts/common.sh's
    start_proxy, as ``scripts/run.sh --nodes 2`` serves them);
(c) the two nodes started with ``--db_replica_host/--db_replica_port`` on the streaming replica of
    scripts/pg_replica.sh (``scripts/run.sh --nodes 2 --replica``).

Every client goes through nginx in all three, so that the ratios compare like with like. Measured on
each: ``GET /detections/live``, ``GET /attendance?limit=1000`` and ``POST /recognize`` at concurrency 8
and 32 (tests/benchmarks/loadgen.py), then the daemons simulation (bench_scale.daemon_simulation,
1, 2, 4 and 8 site daemons). The server side of each load run is read from the nodes' own request log
(Odoo's werkzeug line ends with the request's SQL query count, SQL time and the rest of its time, and,
with a replica configured, the cursor it ran on). Then the per-request cost of ``/detections/live`` on
one node: straight to the node against through nginx, at concurrency 1 and 8, and a cProfile of the
same request dispatched in one process (werkzeug's test client on Odoo's WSGI application).

Runnable alone: ``$FA_VENV/bin/python tests/benchmarks/bench_nodes.py`` (prints the table, writes
test-artifacts/benchmarks-nodes.json and section 6d of BENCHMARKS.md).
"""

import datetime
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]  # also run as a script

import bench_api_declarations  # noqa: E402
import bench_odoo  # noqa: E402
import bench_scale  # noqa: E402
import psycopg2  # noqa: E402
from odoo_server import PG, ROOT, OdooServer, clone_database, drop_database  # noqa: E402

SECTION = "## 6d. One node, two nodes, two nodes and a replica"
BASE_PORT = int(os.environ.get("FA_BENCH_NODES_PORT", "8640"))
SECONDS = float(os.environ.get("FA_BENCH_SECONDS", "4"))
CONCURRENCIES = (8, 32)
SIM_SIZES = (1, 2, 4, 8)
SETUPS = (("one node", 1, False), ("two nodes", 2, False), ("two nodes + replica", 2, True))
ENDPOINTS = (
    ("GET /api/v1/detections/live", "/detections/live", False),
    ("GET /api/v1/attendance?limit=1000 (100k rows)", "/attendance?limit=1000", False),
    ("POST /api/v1/recognize (640x480, 1 face)", "/recognize", True),
)
PROFILE_REQUESTS = 300
# Odoo's request line: ... werkzeug: ADDR - - [date] "GET /path HTTP/1.1" 200 - QUERIES SQL_S REST_S [CURSOR]
REQUEST_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) \d+ \w+ \S+ werkzeug: .*\"(?:GET|POST) (\S+) HTTP/[\d.]+\" "
    r"(\d{3}) \S+ (\d+) ([\d.]+) ([\d.]+)(?: (\S+))?\s*$"
)

PROFILE_SCRIPT = """
import cProfile, io, json, pstats, time
from werkzeug.test import Client
from odoo import http
env.cr.rollback()
client = Client(http.root)
headers = {"X-API-Key": %(secret)r}
for _ in range(30):
    assert client.get("/api/v1/detections/live", headers=headers).status_code == 200
profile = cProfile.Profile()
started = time.perf_counter()
profile.enable()
for _ in range(%(requests)d):
    client.get("/api/v1/detections/live", headers=headers)
profile.disable()
wall = time.perf_counter() - started
stats = pstats.Stats(profile)
rows = []
for (path, line, name), (calls, _rc, tottime, cumtime, _callers) in stats.stats.items():
    rows.append({"function": "%%s:%%d(%%s)" %% (path.split("/site-packages/")[-1].replace(%(odoo)r, "odoo:")
                 .replace(%(root)r, ""), line, name), "calls": calls, "tottime": tottime, "cumtime": cumtime})
print("PROFILE " + json.dumps({"requests": %(requests)d, "wall_s": wall, "rows": rows}))
"""
# What the per-request profile adds up, by where the function lives (first match wins).
PROFILE_GROUPS = (
    ("SQL (psycopg2 and Odoo's cursor)", ("psycopg2", "odoo:odoo/sql_db.py")),
    ("JSON encoding", ("json/",)),
    ("the addon (routes, API layer, models)", ("face_attendance/",)),
    (
        "Odoo's ORM (fields, models, domains)",
        (
            "odoo:odoo/models.py",
            "odoo:odoo/fields.py",
            "odoo:odoo/osv/",
            "odoo:odoo/api.py",
            "odoo:odoo/tools/",
            "odoo:odoo/orm/",
        ),
    ),
    (
        "Odoo's HTTP dispatch (odoo/http.py, sessions, registry checks)",
        (
            "odoo:odoo/http.py",
            "odoo:odoo/modules/registry.py",
            "odoo:odoo/service/",
            "odoo:odoo/addons/base/models/ir_http.py",
            "odoo:addons/web/",
            "odoo:addons/http_routing/",
        ),
    ),
    ("werkzeug (request parsing, test client)", ("werkzeug/",)),
    ("other Odoo code", ("odoo:",)),
)


def _log(path):
    return os.path.getsize(path) if os.path.exists(path) else 0


def _server_side(nodes, offsets, path, since):
    """Requests for ``path`` the nodes logged from ``since`` on: per-request SQL and Python time."""
    rows = []
    for node, offset in zip(nodes, offsets, strict=True):
        with open(node.log_path, "rb") as handle:
            handle.seek(offset)
            text = handle.read().decode("utf-8", "replace")
        for line in text.splitlines():
            match = REQUEST_LINE.match(line)
            if not match or match.group(2).split("?")[0] != "/api/v1" + path.split("?")[0]:
                continue
            if datetime.datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f") < since:
                continue
            rows.append((int(match.group(4)), float(match.group(5)), float(match.group(6)), match.group(7)))
    if not rows:
        return None
    totals = sorted(sql + rest for _q, sql, rest, _c in rows)
    cursors = Counter(cursor for *_rest, cursor in rows if cursor)
    return {
        "requests": len(rows),
        "queries": statistics.median(q for q, *_ in rows),
        "sql_ms_p50": round(1000 * statistics.median(sql for _q, sql, _r, _c in rows), 1),
        "python_ms_p50": round(1000 * statistics.median(rest for _q, _s, rest, _c in rows), 1),
        "server_ms_p50": round(1000 * totals[len(totals) // 2], 1),
        "server_ms_p95": round(1000 * totals[min(len(totals) - 1, int(0.95 * len(totals)))], 1),
        "cursors": dict(cursors),
    }


def measure(url, nodes, secret, path, concurrency, body_path=None, seconds=SECONDS):
    """One loadgen run against ``url`` (nginx or a node), with what the nodes logged for it."""
    offsets = [_log(node.log_path) for node in nodes]
    # loadgen does not count its first second (warm-up): neither does the server side.
    since = datetime.datetime.now() + datetime.timedelta(seconds=1.1)
    command = [sys.executable, os.path.join(HERE, "loadgen.py"), url + "/api/v1" + path, secret]
    command += [str(concurrency), str(seconds)] + ([body_path] if body_path else [])
    run = subprocess.run(command, capture_output=True, text=True, timeout=300)
    result = json.loads(run.stdout.strip().splitlines()[-1])
    time.sleep(0.2)  # the nodes' last log lines
    result["server"] = _server_side(nodes, offsets, path, since)
    return result


class Proxy:
    """nginx as the run command starts it (scripts/common.sh's start_proxy), in front of ``nodes``."""

    def __init__(self, port, nodes):
        self.port, self.nodes = port, nodes
        self.url = "http://127.0.0.1:%d" % port
        self.dir = tempfile.mkdtemp(prefix="fa-bench-nodes-proxy-")
        self.process = None

    def start(self):
        script = (
            'source scripts/common.sh >/dev/null 2>&1; set +e; start_proxy "$P" "$H" "$G" "$D"; '
            "trap 'kill $PROXY_PID 2>/dev/null; wait $PROXY_PID; stop_proxy; exit 0' TERM INT; "
            "wait $PROXY_PID; stop_proxy"
        )
        env = dict(
            os.environ,
            P=str(self.port),
            H=",".join(str(n.port) for n in self.nodes),
            G=",".join(str(n.gevent_port) for n in self.nodes),
            D=self.dir,
        )
        self.process = subprocess.Popen(["bash", "-c", script], cwd=ROOT, env=env, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/api/v1/health", timeout=5) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("nginx did not answer on %s (see %s/error.log)" % (self.url, self.dir))

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
        shutil.rmtree(self.dir, ignore_errors=True)


def _replica_shell(script, **env):
    """scripts/pg_replica.sh's functions, after common.sh (as run.sh calls them)."""
    command = "source scripts/common.sh >/dev/null 2>&1; source scripts/pg_replica.sh; set +e; %s" % script
    return subprocess.run(
        ["bash", "-c", command], cwd=ROOT, env=dict(os.environ, **env), capture_output=True, text=True, timeout=600
    )


def _wait_replayed(replica, db, timeout=60):
    """Until the replica has replayed what the primary wrote so far (the copied database included)."""
    primary = psycopg2.connect(dbname="postgres", **PG)
    try:
        with primary.cursor() as cr:
            cr.execute("SELECT pg_current_wal_lsn()")
            target = cr.fetchone()[0]
    finally:
        primary.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = psycopg2.connect(dbname=db, **dict(PG, host=replica["host"], port=replica["port"]))
        except psycopg2.OperationalError:
            time.sleep(0.3)
            continue
        try:
            with connection.cursor() as cr:
                cr.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
                if cr.fetchone()[0]:
                    return
        finally:
            connection.close()
        time.sleep(0.3)
    raise RuntimeError("the replica did not replay %s within %d s" % (db, timeout))


def _replica_transactions(replica, db):
    """Transactions the replica has run on ``db`` (its own pg_stat_database)."""
    connection = psycopg2.connect(dbname=db, **dict(PG, host=replica["host"], port=replica["port"]))
    try:
        with connection.cursor() as cr:
            cr.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s", [db])
            return cr.fetchone()[0]
    finally:
        connection.close()


def start_nodes(db, count, workers, replica=None):
    nodes = []
    for k in range(count):
        extra = ["--proxy-mode", "--gevent-port=%d" % (BASE_PORT + 3 + 4 * k)]
        if replica:
            extra += ["--db_replica_host=%s" % replica["host"], "--db_replica_port=%d" % replica["port"]]
        node = OdooServer(db, BASE_PORT + 1 + 4 * k, workers=workers, extra_args=extra, name="%s-n%d" % (db, k + 1))
        node.gevent_port = BASE_PORT + 3 + 4 * k
        nodes.append(node)
    with ThreadPoolExecutor(count) as pool:
        list(pool.map(lambda node: node.start(), nodes))
    return nodes


def profile(nodes, proxy, secret, log):
    """Where a /detections/live request's time goes on one node."""
    node = nodes[0]
    out = {"runs": []}
    for label, url, path in (
        ("GET /api/v1/health, straight to the node", node.url, "/health"),
        ("GET /api/v1/detections/live, straight to the node", node.url, "/detections/live"),
        ("GET /api/v1/detections/live, through nginx", proxy.url, "/detections/live"),
    ):
        for concurrency in (1, 8):
            log("profile: %s at concurrency %d" % (label, concurrency))
            result = measure(url, nodes, secret, path, concurrency)
            result.update({"run": label, "concurrency": concurrency})
            out["runs"].append(result)
    log("profile: cProfile of %d /detections/live requests dispatched in one process" % PROFILE_REQUESTS)
    try:
        output = node.shell(
            PROFILE_SCRIPT
            % {
                "secret": secret,
                "requests": PROFILE_REQUESTS,
                "odoo": os.environ.get("ODOO_SRC", "/opt/odoo-src").rstrip("/") + "/",
                "root": ROOT.rstrip("/") + "/",
            }
        )
        raw = json.loads(next(line for line in output.splitlines() if line.startswith("PROFILE "))[8:])
    except (RuntimeError, StopIteration, ValueError) as error:
        out["cprofile_error"] = str(error)[-500:]
        return out
    n = raw["requests"]
    # Self time by group; what matches no group is the interpreter, the standard library and the rest.
    groups = Counter()
    for row in raw["rows"]:
        group = next((name for name, marks in PROFILE_GROUPS if any(m in row["function"] for m in marks)), "other")
        groups[group] += row["tottime"]
    total = sum(groups.values())
    top = sorted(raw["rows"], key=lambda r: -r["tottime"])[:12]
    out["cprofile"] = {
        "requests": n,
        "wall_ms_per_request": round(1000 * raw["wall_s"] / n, 2),
        "profiled_ms_per_request": round(1000 * total / n, 2),
        "groups": [
            {
                "group": name,
                "ms_per_request": round(1000 * groups[name] / n, 2),
                "share": round(groups[name] / total, 3),
            }
            for name, _marks in PROFILE_GROUPS + (("other", ()),)
            if groups[name]
        ],
        "top_self_time": [
            {
                "function": r["function"],
                "calls_per_request": round(r["calls"] / n, 1),
                "self_ms_per_request": round(1000 * r["tottime"] / n, 3),
            }
            for r in top
        ],
    }
    return out


def run_setup(label, seed_db, count, replica, secret, body_path, workers, log):
    db = "%s_%s" % (seed_db, re.sub(r"\W+", "", label.replace(" ", "")))[:60]
    clone_database(seed_db, db)
    nodes, proxy = [], None
    result = {"setup": label, "nodes": count, "workers_per_node": workers, "replica": bool(replica), "rows": []}
    try:
        if replica:
            _wait_replayed(replica, db)
        log("%s: starting %d node(s) with %d workers each" % (label, count, workers))
        nodes = start_nodes(db, count, workers, replica)
        proxy = Proxy(BASE_PORT, nodes).start()
        # Every worker loads the registry, the engine and the gallery once: not measured.
        for _label, path, post in ENDPOINTS:
            measure(proxy.url, nodes, secret, path, workers * count, body_path if post else None, seconds=2)
        for endpoint, path, post in ENDPOINTS:
            for concurrency in CONCURRENCIES:
                log("%s: %s at concurrency %d" % (label, endpoint, concurrency))
                before = _replica_transactions(replica, db) if replica else None
                row = measure(proxy.url, nodes, secret, path, concurrency, body_path if post else None)
                row.update({"endpoint": endpoint, "concurrency": concurrency})
                if replica:
                    row["replica_transactions"] = _replica_transactions(replica, db) - before
                result["rows"].append(row)
        front = OdooServer(db, BASE_PORT)  # the simulation's daemons speak to nginx, as they would
        result["simulation"] = bench_scale.daemon_simulation(front, log, sizes=SIM_SIZES)
        if count == 1 and not replica:
            result["profile"] = profile(nodes, proxy, secret, log)
        return result
    finally:
        if proxy:
            proxy.stop()
        for node in nodes:
            node.stop()
        drop_database(db)


def run(log, faces_dir):
    workers = int(os.environ.get("FA_WORKERS") or 2 * os.cpu_count())
    workdir = tempfile.mkdtemp(prefix="fa-bench-nodes-")
    seed_server, replica, replica_was_up = None, None, None
    out = {"workers_per_node": workers, "seconds_per_run": SECONDS, "cores": os.cpu_count(), "setups": []}
    try:
        body_path = os.path.join(workdir, "recognize.json")
        with open(body_path, "w") as handle:
            handle.write(bench_api_declarations.recognize_body(faces_dir))
        seed_server = bench_odoo.setup(log, BASE_PORT + 20)
        secret = bench_api_declarations.api_key(seed_server)
        log("seeding (200 persons, 1 face, 300 sightings, %d attendance rows)" % bench_api_declarations.ATTENDANCE_ROWS)
        bench_api_declarations.seed(seed_server, secret, faces_dir, bench_api_declarations.recognize_body(faces_dir))
        seed_server.stop()
        for label, count, with_replica in SETUPS:
            if with_replica and replica is None:
                replica_was_up = _replica_shell("_replica_up").returncode == 0
                log("replica: scripts/pg_replica.sh ensure_replica")
                started = _replica_shell("ensure_replica", FA_REPLICA_LOG_STATEMENT="none")
                values = dict(line.split("=", 1) for line in started.stdout.splitlines() if line.startswith("FA_"))
                if started.returncode or "FA_REPLICA_PORT" not in values:
                    out["setups"].append({"setup": label, "skipped": (started.stdout + started.stderr)[-600:]})
                    continue
                replica = {"host": values["FA_REPLICA_HOST"], "port": int(values["FA_REPLICA_PORT"])}
            out["setups"].append(
                run_setup(
                    label, seed_server.db, count, replica if with_replica else None, secret, body_path, workers, log
                )
            )
        _ratios(out)
        return out
    finally:
        if seed_server:
            seed_server.stop()
            drop_database(seed_server.db)
        if replica is not None and not replica_was_up:
            _replica_shell("stop_replica")
        shutil.rmtree(workdir, ignore_errors=True)


def _ratios(out):
    """Each figure against one node's, measured in this run."""
    setups = [s for s in out["setups"] if "rows" in s]
    if not setups or setups[0]["nodes"] != 1:
        return
    base = {(r["endpoint"], r["concurrency"]): r for r in setups[0]["rows"]}
    for setup in setups:
        for row in setup["rows"]:
            ref = base[(row["endpoint"], row["concurrency"])]
            row["rps_ratio"] = round(row["rps"] / ref["rps"], 2) if ref["rps"] else None
            row["p95_ratio"] = round(row["p95_ms"] / ref["p95_ms"], 2) if ref["p95_ms"] and row["p95_ms"] else None


def _cell(value, suffix=""):
    return "-" if value is None else "%s%s" % (value, suffix)


def nodes_section(bench):
    """Section 6d of BENCHMARKS.md."""
    from report import _table, alone_header

    out = alone_header(bench, SECTION, "bench_nodes.py")
    out += [
        "The same load on three set-ups, one after the other in one run, each on its own copy of one seeded "
        "database (200 persons, one enrolled face, 300 sightings, 100,000 attendance rows): **(a)** one Odoo "
        "node, **(b)** two nodes on the same database, **(c)** the same two nodes with "
        "`--db_replica_host/--db_replica_port` on the streaming replica of `scripts/pg_replica.sh` (a second "
        "PostgreSQL cluster on this machine). Each node: prefork, %d workers (the run command's default, twice "
        "the cores), `--proxy-mode`, no cron thread; every client goes through nginx as `scripts/run.sh "
        "--nodes N` configures it (round robin over the nodes), in (a) too. Load generator: %s s per point "
        "after one unmeasured second, keep-alive connections, its own process. *Server* columns come from "
        "the nodes' own request log (Odoo's werkzeug line: SQL queries, SQL time and the rest of the "
        "request's time in the worker), median per request; *replica txns*: transactions the replica ran "
        "on the database during the point (its `pg_stat_database`)."
        % (bench["workers_per_node"], bench["seconds_per_run"]),
        "",
        "**On %d cores this shows contention as much as scale.** The nodes, nginx, PostgreSQL (and in (c) "
        "the replica replaying the primary's WAL), the load generator and the simulated daemons all share "
        "the same %d cores: a second node adds workers, not CPU, so (b) and (c) can only show what the "
        "extra processes cost or save on one machine; on separate hosts each node brings its own cores. "
        "Ratios are against (a), measured in this run." % (bench["cores"], bench["cores"]),
        "",
    ]
    setups = [s for s in bench["setups"] if "rows" in s]
    for skipped in (s for s in bench["setups"] if "skipped" in s):
        out += ["%s: not measured (%s)." % (skipped["setup"], skipped["skipped"].strip().splitlines()[-1]), ""]
    rows = []
    for endpoint, _path, _post in ENDPOINTS:
        for concurrency in CONCURRENCIES:
            for setup in setups:
                row = next(r for r in setup["rows"] if r["endpoint"] == endpoint and r["concurrency"] == concurrency)
                server = row.get("server") or {}
                cursors = server.get("cursors") or {}
                rows.append(
                    [
                        endpoint,
                        concurrency,
                        setup["setup"],
                        row["rps"],
                        row["p50_ms"],
                        row["p95_ms"],
                        row["errors"],
                        _cell(row.get("rps_ratio"), "x"),
                        _cell(row.get("p95_ratio"), "x"),
                        _cell(server.get("server_ms_p50")),
                        _cell(server.get("queries")),
                        _cell(server.get("sql_ms_p50")),
                        ", ".join("%s %s" % kv for kv in sorted(cursors.items())) or "-",
                        _cell(row.get("replica_transactions")),
                    ]
                )
    out += [
        _table(
            [
                "endpoint",
                "concurrency",
                "set-up",
                "requests/s",
                "p50 ms",
                "p95 ms",
                "errors",
                "req/s vs (a)",
                "p95 vs (a)",
                "server ms p50",
                "SQL queries",
                "SQL ms p50",
                "cursors",
                "replica txns",
            ],
            rows,
        ),
        "",
    ]
    out += _readings(setups)
    sims = [(s["setup"], s["simulation"]) for s in setups if s.get("simulation")]
    if sims:
        sizes = sorted({r["daemons"] for _l, sim in sims for r in sim["rows"]})

        def cell(sim, size):
            row = next((r for r in sim["rows"] if r["daemons"] == size), None)
            if not row:
                return "-"
            return "%s / %s%s" % (row["p50_ms"], row["p95_ms"], " (%d errors)" % row["errors"] if row["errors"] else "")

        out += [
            "Daemons simulation (`bench_scale.daemon_simulation`, through nginx): N site daemons, each a process "
            "sending %d sightings a second and a heartbeat every other second over XML-RPC for %d s; p50 / p95 "
            "ms from sending a batch to Odoo's answer (the attendance rows written). A set-up stops at the first "
            "N over %d ms."
            % (sims[0][1]["events_per_site_per_s"], sims[0][1]["seconds_per_run"], sims[0][1]["target_p95_ms"]),
            "",
            _table(
                ["daemons"] + [label for label, _sim in sims],
                [[size] + [cell(sim, size) for _l, sim in sims] for size in sizes]
                + [["largest N under 1 s p95"] + ["**%d**" % sim["largest_held"] for _l, sim in sims]],
            ),
            "",
        ]
    prof = setups and setups[0].get("profile")
    if prof:
        out += [
            "Per-request cost of `GET /api/v1/detections/live` on one node (%d workers): the same request straight "
            "to the node's port and through nginx, at concurrency 1 (one request at a time: the cost of one "
            "request) and 8 (queueing for the workers and the cores); *server* from the node's request log. "
            "`/health` is the floor of any keyed request (key check, Odoo's dispatch, the JSON envelope). The "
            "route reads the 300 seeded sightings here; section 5's figure comes after the ingestion runs."
            % bench["workers_per_node"],
            "",
            _table(
                [
                    "run",
                    "concurrency",
                    "requests/s",
                    "p50 ms",
                    "p95 ms",
                    "server ms p50",
                    "SQL queries",
                    "SQL ms p50",
                    "rest of the worker ms p50",
                ],
                [
                    [
                        r["run"],
                        r["concurrency"],
                        r["rps"],
                        r["p50_ms"],
                        r["p95_ms"],
                        _cell((r.get("server") or {}).get("server_ms_p50")),
                        _cell((r.get("server") or {}).get("queries")),
                        _cell((r.get("server") or {}).get("sql_ms_p50")),
                        _cell((r.get("server") or {}).get("python_ms_p50")),
                    ]
                    for r in prof["runs"]
                ],
            ),
            "",
        ]
        out += _profile_reading(prof["runs"])
        cp = prof.get("cprofile")
        if cp:
            out += [
                "cProfile of %d `/detections/live` requests dispatched in one process (`odoo-bin shell`, "
                "werkzeug's test client on Odoo's WSGI application: the whole dispatch, no socket): %s ms of "
                "self time per request (%s ms wall with the profiler on; the profiler's own cost inflates both against "
                "the worker's time above: read the shares), by where the code lives:"
                % (cp["requests"], cp["profiled_ms_per_request"], cp["wall_ms_per_request"]),
                "",
                _table(
                    ["where", "ms per request", "share"],
                    [[g["group"], g["ms_per_request"], "%.0f%%" % (100 * g["share"])] for g in cp["groups"]],
                ),
                "",
                "Largest self times:",
                "",
                _table(
                    ["function", "calls per request", "self ms per request"],
                    [
                        ["`%s`" % _short(t["function"]), t["calls_per_request"], t["self_ms_per_request"]]
                        for t in cp["top_self_time"]
                    ],
                ),
                "",
            ]
            binding = [t for t in cp["top_self_time"] if "/inspect.py:" in t["function"]]
            if binding:
                out += [
                    "`inspect.py` above is Odoo's `ormcache`: its wrappers (made with the `decorator` package) bind "
                    "each call's arguments to the method's signature, %d calls per request, %.2f ms per request in "
                    "these rows alone."
                    % (max(t["calls_per_request"] for t in binding), sum(t["self_ms_per_request"] for t in binding)),
                    "",
                ]
        elif prof.get("cprofile_error"):
            out += ["cProfile: not measured (%s)." % prof["cprofile_error"].strip().splitlines()[-1], ""]
    return out


def _short(function):
    """A standard-library path without the interpreter's folder."""
    return re.sub(r"^.*/lib/python3\.\d+/", "", function)


def _span(values):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    return "x%.2f" % values[0] if min(values) == max(values) else "x%.2f-%.2f" % (min(values), max(values))


def _readings(setups):
    """What the table says, from its own figures: each set-up against one node."""
    if not setups or setups[0]["nodes"] != 1:
        return []
    base = {(r["endpoint"], r["concurrency"]): r for r in setups[0]["rows"]}
    lines = []
    for setup in setups[1:]:
        server_ratios = []
        for row in setup["rows"]:
            mine, ref = row.get("server") or {}, base[(row["endpoint"], row["concurrency"])].get("server") or {}
            if mine.get("server_ms_p50") and ref.get("server_ms_p50"):
                server_ratios.append(round(mine["server_ms_p50"] / ref["server_ms_p50"], 2))
        line = (
            "- **%s** against one node, over the %d points: requests/s %s, p95 %s, the worker's own time per "
            "request (server ms p50) %s."
            % (
                setup["setup"],
                len(setup["rows"]),
                _span([r.get("rps_ratio") for r in setup["rows"]]),
                _span([r.get("p95_ratio") for r in setup["rows"]]),
                _span(server_ratios),
            )
        )
        if setup["replica"]:
            modes = Counter()
            for row in setup["rows"]:
                for mode, count in ((row.get("server") or {}).get("cursors") or {}).items():
                    modes[(row["endpoint"].split()[0], mode)] += count
            line += " Cursors the logged requests ran on: %s (`ro`: the replica)." % ", ".join(
                "%s %s %d" % (method, mode, count) for (method, mode), count in sorted(modes.items())
            )
        lines.append(line)
    if lines:
        lines.append(
            "- Twice the workers on the same cores: every request shares the CPU with more others, so the "
            "worker's own time per request grows (the last span above) and the total rate cannot rise above "
            "what the cores give. These ratios say what a second node costs on one machine, not what it "
            "brings on its own host."
        )
        lines.append("")
    return lines


def _profile_reading(runs):
    def get(label, concurrency):
        return next((r for r in runs if r["run"].startswith(label) and r["concurrency"] == concurrency), None)

    direct1, direct8 = get("GET /api/v1/detections/live, straight", 1), get("GET /api/v1/detections/live, straight", 8)
    nginx1, health1 = get("GET /api/v1/detections/live, through", 1), get("GET /api/v1/health", 1)
    if not (direct1 and direct8 and nginx1 and health1 and direct1.get("server") and direct8.get("server")):
        return []
    s1, s8 = direct1["server"], direct8["server"]
    return [
        "Read: one request at a time, `/detections/live` takes %s ms (p50) at the client straight to the node, "
        "%s ms of it in the worker (%g SQL queries, %s ms in SQL, %s ms the rest; the log counts whole "
        "milliseconds); nginx adds %.1f ms (p50 %s ms through it). A keyed `/health` takes %s ms: the floor of "
        "the dispatch and the key check. At concurrency 8 the worker's own time grows to %s ms (the node's "
        "workers, PostgreSQL and the load generator on the same cores) and the client's p50 to %s ms: the "
        "other %.1f ms are spent waiting for a worker and for the CPU, outside the request's code."
        % (
            direct1["p50_ms"],
            s1["server_ms_p50"],
            s1["queries"],
            s1["sql_ms_p50"],
            s1["python_ms_p50"],
            nginx1["p50_ms"] - direct1["p50_ms"],
            nginx1["p50_ms"],
            health1["p50_ms"],
            s8["server_ms_p50"],
            direct8["p50_ms"],
            direct8["p50_ms"] - s8["server_ms_p50"],
        ),
        "",
    ]


def main():
    from report import alone_main

    alone_main(__doc__, run, "benchmarks-nodes.json", nodes_section, SECTION, before="## 7. ")


if __name__ == "__main__":
    main()
