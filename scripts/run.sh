#!/usr/bin/env bash
# The run command: set-up (idempotent), a database with the addon installed, Odoo on 127.0.0.1:8069.
#   scripts/run.sh            serve the database "face_attendance" (created on first run) with Odoo 18
#   FA_ODOO_VERSION=19 scripts/run.sh    the same with Odoo 19 (database "face_attendance19")
#   scripts/run.sh --demo     also enrol demo persons from ../shared/data/faces, add demo cameras and
#                             start a recognition daemon on demo videos made from their photos
#   scripts/run.sh --nodes N  N Odoo servers (each with its workers and websocket process) on the same
#                             database and filestore, behind the one nginx (round robin); node k (1..N)
#                             listens on FA_ODOO_PORT+4(k-1) and FA_GEVENT_PORT+4(k-1)
#   scripts/run.sh --replica  also a PostgreSQL streaming replica of the local cluster (FA_REPLICA_PORT,
#                             5442; scripts/pg_replica.sh) serving the API's read-only routes
# Environment: FA_DB (database name), FA_HTTP_PORT (8069), FA_WORKERS (Odoo worker processes per
# node; default twice the cores; 0 = one threaded process, no proxy), FA_ODOO_VERSION (18 or 19),
# ODOO_SRC (18.0's source), ODOO19_SRC (19.0's), FA_FACES_DIR. Every other port derives from
# FA_HTTP_PORT, so that two run commands on different ports do not meet: FA_ODOO_PORT (the workers,
# +1), FA_GEVENT_PORT (the websocket process, +3: 8072 by default), FA_DEMO_HEALTH_PORT (the demo
# daemon's health, +696: 8765).
#
# As in production, Odoo runs prefork workers behind a reverse proxy (Debian's nginx, installed when
# missing): http://127.0.0.1:FA_HTTP_PORT goes to the workers, /websocket (the live monitor's bus) to
# Odoo's gevent process.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DEMO=0
NODES=1
REPLICA=0
while [ $# -gt 0 ]; do
    case "$1" in
        --demo) DEMO=1 ;;
        --nodes) [ $# -ge 2 ] || die "--nodes needs a number"; NODES="$2"; shift ;;
        --nodes=*) NODES="${1#--nodes=}" ;;
        --replica) REPLICA=1 ;;
        -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
    shift
done
[[ "$NODES" =~ ^[1-9][0-9]?$ ]] || die "--nodes takes a number of Odoo servers from 1 to 99 (got '$NODES')"
[ "$NODES" = 1 ] || [ "${FA_WORKERS:-1}" != 0 ] || die "--nodes needs prefork workers behind nginx: FA_WORKERS must be above 0"

setup_all
# A database belongs to one Odoo version: 19 gets its own by default.
DB="${FA_DB:-face_attendance$([ "$FA_ODOO_MAJOR" = 18 ] || echo "$FA_ODOO_MAJOR")}"
PORT="${FA_HTTP_PORT:-8069}"

if ! psql -h "$PGHOST" -p "$PGPORT" -U "$FA_DB_USER" -d postgres -qtAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
    log "creating database $DB with the face_attendance addon (login admin / admin)"
    odoo_cmd -d "$DB" -i face_attendance --without-demo=all --stop-after-init --log-level=warn
else
    log "updating the face_attendance addon in $DB"
    odoo_cmd -d "$DB" -u face_attendance --stop-after-init --log-level=warn
fi

if [ "$DEMO" = 1 ]; then
    export FA_FACES_DIR="${FA_FACES_DIR:-$PROJECT_ROOT/../shared/data/faces}"
    log "loading demo persons with faces from $FA_FACES_DIR"
    # The demo daemon's Odoo API key, made by demo_data.py the first time (one per database).
    export FA_DEMO_KEY_FILE="$PROJECT_ROOT/var/demo/$DB.api-key"
    odoo_cmd shell -d "$DB" --no-http --log-level=warn < "$PROJECT_ROOT/scripts/demo_data.py"
fi

WORKERS="${FA_WORKERS:-$(( $(nproc) * 2 ))}"
# -d alone exposes this one database (a --db-filter would make Odoo list PostgreSQL's databases on
# every request without a session, each API call); the database manager is off.
ODOO=("$FA_VENV/bin/python" "$ODOO_SRC/odoo-bin"
    --addons-path="$ODOO_SRC/odoo/addons,$ODOO_SRC/addons,$PROJECT_ROOT"
    --db_host="$PGHOST" --db_port="$PGPORT" --db_user="$FA_DB_USER" --db_password="$FA_DB_PASSWORD"
    -d "$DB" --no-database-list --http-interface=127.0.0.1)
# What every node shares goes into ODOO (a read replica's options too); each node adds its own ports.
if [ "$REPLICA" = 1 ]; then
    source "$PROJECT_ROOT/scripts/pg_replica.sh"
    ensure_replica >/dev/null
    ODOO+=(--db_replica_host="$FA_REPLICA_HOST" --db_replica_port="$FA_REPLICA_PORT")
    log "read-only API routes are served by the replica on $FA_REPLICA_HOST:$FA_REPLICA_PORT"
fi
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; wait || true; stop_proxy' INT TERM EXIT
# Every node's own ports; one node: FA_ODOO_PORT and FA_GEVENT_PORT as always.
NODE_ARGS=()
if [ "$WORKERS" -gt 0 ]; then
    ensure_nginx
    ODOO_PORT="${FA_ODOO_PORT:-$((PORT + 1))}"
    GEVENT_PORT="${FA_GEVENT_PORT:-$((PORT + 3))}"
    # Each node runs crons too: Odoo locks a job's row while it runs, so each runs once.
    ODOO+=(--workers="$WORKERS" --proxy-mode
           --max-cron-threads=1 --limit-time-real=600 --limit-memory-soft=2147483648 --limit-memory-hard=2684354560)
    HTTP_PORTS=() GEVENT_PORTS=()
    for node in $(seq 0 $((NODES - 1))); do
        HTTP_PORTS+=($((ODOO_PORT + 4 * node)))
        GEVENT_PORTS+=($((GEVENT_PORT + 4 * node)))
        NODE_ARGS+=("--http-port=${HTTP_PORTS[-1]} --gevent-port=${GEVENT_PORTS[-1]}")
    done
    start_proxy "$PORT" "$(IFS=,; echo "${HTTP_PORTS[*]}")" "$(IFS=,; echo "${GEVENT_PORTS[*]}")" "$PROJECT_ROOT/var/proxy/$PORT"
    PIDS+=("$PROXY_PID")
    if [ "$NODES" = 1 ]; then
        log "serving Odoo ($WORKERS workers) on http://127.0.0.1:$PORT through nginx (database $DB; Ctrl-C stops it)"
    else
        log "serving $NODES Odoo nodes ($WORKERS workers each; ports ${HTTP_PORTS[*]}, websockets ${GEVENT_PORTS[*]}) on http://127.0.0.1:$PORT through nginx (database $DB; Ctrl-C stops them)"
    fi
else
    NODE_ARGS+=("--http-port=$PORT")
    log "serving Odoo (one threaded process) on http://127.0.0.1:$PORT (database $DB; Ctrl-C stops it)"
fi
NODE_PIDS=()
for node in "${NODE_ARGS[@]}"; do
    read -r -a ports <<< "$node"
    "${ODOO[@]}" "${ports[@]}" &
    NODE_PIDS+=($!)
    PIDS+=($!)
done
if [ "$DEMO" != 1 ]; then
    # Serving while any node lives: one node stopping is what the others are there for.
    wait "${NODE_PIDS[@]}"
    exit
fi

# Demo: Odoo and a daemon watching the demo videos; Ctrl-C stops both.
DEMO_DIR="$PROJECT_ROOT/var/demo"
HEALTH_PORT="${FA_DEMO_HEALTH_PORT:-$((PORT + 696))}"
"$FA_VENV/bin/python" "$PROJECT_ROOT/scripts/demo_videos.py" "$DEMO_DIR"
cat > "$DEMO_DIR/daemon.toml" <<TOML
[odoo]
url = "http://127.0.0.1:$PORT"
db = "$DB"
login = "face-daemon"
# api_key comes from FA_ODOO_API_KEY: JSON-2 on Odoo 19, XML-RPC on 18 ("auto")

[daemon]
name = "demo"
state_dir = "$DEMO_DIR/state"
health_port = $HEALTH_PORT

[capture]
file_loop = true
# The demo cameras play the videos of this folder: the daemon opens files nowhere else.
file_roots = ["$DEMO_DIR"]
TOML
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 1; done
log "starting the demo daemon on $DEMO_DIR/*.mp4 (health: http://127.0.0.1:$HEALTH_PORT/health; log: $DEMO_DIR/daemon.log)"
(cd "$PROJECT_ROOT" && FA_ODOO_API_KEY="$(cat "$FA_DEMO_KEY_FILE")" \
    exec "$FA_VENV/bin/face-attendance-daemon" run --config "$DEMO_DIR/daemon.toml") \
    >> "$DEMO_DIR/daemon.log" 2>&1 &
PIDS+=($!)
wait "${NODE_PIDS[@]}"
