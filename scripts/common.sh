# Shared set-up for scripts/run.sh and scripts/test.sh: sourced, not executed.
# Every step is idempotent so that the run and test commands can be repeated on any machine.
set -euo pipefail

PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Odoo 18.0's source (ODOO_SRC) and 19.0's (ODOO19_SRC); use_odoo picks one of them.
# (ODOO18_SRC and FA_VENV18 are exported for the scripts the tests call: there ODOO_SRC and FA_VENV
# may already name the other version.)
ODOO18_SRC="${ODOO18_SRC:-${ODOO_SRC:-/opt/odoo-src}}"
ODOO19_SRC="${ODOO19_SRC:-/opt/odoo19-src}"
PYTHON="${PYTHON:-python3}"
# The virtualenvs (one per Odoo version: their requirements differ) live outside the checkout so
# that fresh clones (CI) reuse them.
FA_VENV18="${FA_VENV18:-${FA_VENV:-$HOME/.cache/face-attendance/venv}}"
FA_VENV19="${FA_VENV19:-$HOME/.cache/face-attendance/venv19}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
# Odoo refuses to run as the "postgres" role: it gets a role of its own.
FA_DB_USER="${FA_DB_USER:-face_attendance}"
FA_DB_PASSWORD="${FA_DB_PASSWORD:-face_attendance}"
export PGHOST PGPORT FA_DB_USER FA_DB_PASSWORD ODOO18_SRC ODOO19_SRC FA_VENV18 FA_VENV19
# The liveness models (README, "Liveness models"), read by the daemon and by Odoo when its setting is
# empty: the shared copy beside the project when there is one. Left unset otherwise: liveness is then
# unavailable (never "live").
if [ -z "${FA_LIVENESS_MODELS:-}" ] && [ -d "$PROJECT_ROOT/../shared/data/models" ]; then
    FA_LIVENESS_MODELS="$PROJECT_ROOT/../shared/data/models"
fi
if [ -n "${FA_LIVENESS_MODELS:-}" ]; then
    export FA_LIVENESS_MODELS
fi

# pip.conf on some machines names local indexes that may be absent: keep their warnings out.
quiet_pip() {
    local out rc=0
    out="$("$@" 2>&1)" || rc=$?
    printf '%s\n' "$out" | grep -v -e "is ignored: it is neither a file nor a directory" -e '^$' >&2 || true
    return "$rc"
}

log() { printf '\033[1m[face-attendance]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[face-attendance] error:\033[0m %s\n' "$*" >&2; exit 1; }

# use_odoo 18|19: the Odoo version the following commands set up, serve and test
# (ODOO_SRC, FA_VENV and FA_ODOO_MAJOR are exported for the Python side).
use_odoo() {
    case "$1" in
        18) ODOO_SRC="$ODOO18_SRC"; FA_VENV="$FA_VENV18"; ODOO_SRC_VAR=ODOO_SRC ;;
        19) ODOO_SRC="$ODOO19_SRC"; FA_VENV="$FA_VENV19"; ODOO_SRC_VAR=ODOO19_SRC ;;
        *) die "unknown Odoo version '$1': 18 or 19" ;;
    esac
    FA_ODOO_MAJOR="$1"
    export ODOO_SRC FA_VENV FA_ODOO_MAJOR
}

require_odoo_src() {
    if [ ! -f "$ODOO_SRC/odoo-bin" ] || [ ! -d "$ODOO_SRC/odoo/addons/base" ] || [ ! -d "$ODOO_SRC/addons/hr_attendance" ]; then
        die "Odoo $FA_ODOO_MAJOR.0's source was not found at $ODOO_SRC_VAR=$ODOO_SRC (expected odoo-bin, odoo/ and addons/ there).
Put a copy of Odoo $FA_ODOO_MAJOR.0 there (see README.md, 'Getting Odoo') or point $ODOO_SRC_VAR at one; FA_ODOO_VERSIONS=18 or 19 uses only one version."
    fi
    grep -q "version_info = ($FA_ODOO_MAJOR, 0" "$ODOO_SRC/odoo/release.py" \
        || die "$ODOO_SRC_VAR=$ODOO_SRC is not Odoo $FA_ODOO_MAJOR.0 (odoo/release.py says otherwise)."
}

# The venv is rebuilt only when one of the requirement files changed.
ensure_venv() {
    local stamp_src stamp
    stamp_src="$(cat "$ODOO_SRC/requirements.txt" "$PROJECT_ROOT/requirements.txt" \
        "$PROJECT_ROOT/requirements-nodeps.txt" "$PROJECT_ROOT/pyproject.toml"; "$PYTHON" --version)"
    stamp="$(printf '%s' "$stamp_src" | sha256sum | cut -c1-16)"
    if [ -f "$FA_VENV/.fa-stamp" ] && [ "$(cat "$FA_VENV/.fa-stamp")" = "$stamp" ]; then
        ensure_project_installed
        return 0
    fi
    log "preparing the Python environment in $FA_VENV (first time: a few minutes)"
    [ -x "$FA_VENV/bin/python" ] || "$PYTHON" -m venv "$FA_VENV"
    local pip="$FA_VENV/bin/pip" constraints
    constraints="$(mktemp)"
    # cbor2 5.4.2 builds from source and breaks with setuptools 81+.
    echo 'setuptools<81' > "$constraints"
    quiet_pip env PIP_CONSTRAINT="$constraints" "$pip" install -q --upgrade 'pip<25' 'setuptools<81' wheel
    # python-ldap needs OpenLDAP headers and only serves the auth_ldap addon: left out.
    grep -v -i '^python-ldap' "$ODOO_SRC/requirements.txt" > "$constraints.odoo"
    quiet_pip env PIP_CONSTRAINT="$constraints" "$pip" install -q -r "$constraints.odoo"
    quiet_pip env PIP_CONSTRAINT="$constraints" "$pip" install -q -r "$PROJECT_ROOT/requirements.txt"
    quiet_pip "$pip" install -q --no-deps -r "$PROJECT_ROOT/requirements-nodeps.txt"
    rm -f "$constraints" "$constraints.odoo"
    echo "$stamp" > "$FA_VENV/.fa-stamp"
    ensure_project_installed
}

# The venv is shared by checkouts (CI clones afresh): point its editable install of the daemon
# package at this checkout.
ensure_project_installed() {
    # Real paths: the checkout reached through a symbolic link is the same checkout.
    local installed here
    installed="$(realpath -q "$(cat "$FA_VENV/.fa-project" 2>/dev/null)" 2>/dev/null || true)"
    here="$(realpath "$PROJECT_ROOT")"
    if [ "$installed" != "$here" ]; then
        quiet_pip "$FA_VENV/bin/pip" install -q --no-deps -e "$here"
        echo "$here" > "$FA_VENV/.fa-project"
    fi
}

# schemathesis gets a virtualenv of its own: its dependencies must not move Odoo's pins.
FA_FUZZ_VENV="${FA_FUZZ_VENV:-$HOME/.cache/face-attendance/fuzz-venv}"
export FA_FUZZ_VENV
ensure_fuzz_venv() {
    local stamp
    stamp="$(cat "$PROJECT_ROOT/requirements-fuzz.txt" | sha256sum | cut -c1-16)"
    [ -f "$FA_FUZZ_VENV/.fa-stamp" ] && [ "$(cat "$FA_FUZZ_VENV/.fa-stamp")" = "$stamp" ] && return 0
    log "preparing the fuzzer's environment in $FA_FUZZ_VENV"
    [ -x "$FA_FUZZ_VENV/bin/python" ] || "$PYTHON" -m venv "$FA_FUZZ_VENV"
    quiet_pip "$FA_FUZZ_VENV/bin/pip" install -q -r "$PROJECT_ROOT/requirements-fuzz.txt"
    echo "$stamp" > "$FA_FUZZ_VENV/.fa-stamp"
}

# The static security checkers (bandit, pylint-odoo) get a virtualenv of their own too: pylint's
# and astroid's pins must not meet Odoo's.
FA_LINT_VENV="${FA_LINT_VENV:-$HOME/.cache/face-attendance/lint-venv}"
export FA_LINT_VENV
ensure_lint_venv() {
    local stamp
    stamp="$( (cat "$PROJECT_ROOT/requirements-lint.txt"; "$PYTHON" --version) | sha256sum | cut -c1-16)"
    [ -f "$FA_LINT_VENV/.fa-stamp" ] && [ "$(cat "$FA_LINT_VENV/.fa-stamp")" = "$stamp" ] && return 0
    log "preparing the static checkers' environment in $FA_LINT_VENV"
    [ -x "$FA_LINT_VENV/bin/python" ] || "$PYTHON" -m venv "$FA_LINT_VENV"
    quiet_pip "$FA_LINT_VENV/bin/pip" install -q -r "$PROJECT_ROOT/requirements-lint.txt"
    echo "$stamp" > "$FA_LINT_VENV/.fa-stamp"
}

pg_ready() { pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; }

# Runs SQL as the cluster's superuser, over the socket as the postgres OS user when we can.
pg_super() {
    if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
        runuser -u postgres -- psql -p "$PGPORT" -v ON_ERROR_STOP=1 -qtA "$@"
    else
        psql -h "$PGHOST" -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"
    fi
}

ensure_postgres() {
    if ! command -v pg_isready >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
        if ! pg_ready; then
            log "PostgreSQL is not installed: installing it from Debian"
            [ "$(id -u)" = 0 ] || die "installing PostgreSQL needs root (apt-get)"
            DEBIAN_FRONTEND=noninteractive apt-get update -q
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql postgresql-client
        fi
    fi
    if ! pg_ready; then
        log "PostgreSQL is down on $PGHOST:$PGPORT: starting it"
        local ver
        ver="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)"
        [ -n "$ver" ] || die "no PostgreSQL cluster under /etc/postgresql"
        pg_ctlcluster --skip-systemctl-redirect "$ver" main start \
            || pg_ctlcluster "$ver" main start
        for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
        pg_ready || die "PostgreSQL did not come up on $PGHOST:$PGPORT"
    fi
    if [ "$(pg_super -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = '$FA_DB_USER'")" != 1 ]; then
        log "creating the database role $FA_DB_USER"
        pg_super -d postgres -c "CREATE ROLE \"$FA_DB_USER\" LOGIN CREATEDB PASSWORD '$FA_DB_PASSWORD'"
    fi
}

# Odoo's command line with this project's addons path and database settings;
# a subcommand (shell, ...) may come first.
odoo_cmd() {
    local sub=()
    case "${1:-}" in shell|scaffold|neutralize|populate) sub=("$1"); shift ;; esac
    "$FA_VENV/bin/python" "$ODOO_SRC/odoo-bin" "${sub[@]}" \
        --addons-path="$ODOO_SRC/odoo/addons,$ODOO_SRC/addons,$PROJECT_ROOT" \
        --db_host="$PGHOST" --db_port="$PGPORT" --db_user="$FA_DB_USER" --db_password="$FA_DB_PASSWORD" \
        "$@"
}

# Browser tours need Debian's Chromium; PDF reports need wkhtmltopdf.
ensure_browser_tools() {
    local missing=()
    command -v chromium >/dev/null || missing+=(chromium)
    command -v wkhtmltopdf >/dev/null || missing+=(wkhtmltopdf)
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]} from Debian (browser tours, PDF reports)"
    [ "$(id -u)" = 0 ] || die "installing ${missing[*]} needs root (apt-get); install them and run again"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null \
        || { DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
             DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; } \
        || die "could not install ${missing[*]}"
}

# The run command's reverse proxy: Debian's nginx (the light build).
ensure_nginx() {
    command -v nginx >/dev/null && return 0
    log "installing nginx from Debian (reverse proxy in front of Odoo's workers and its websocket process)"
    [ "$(id -u)" = 0 ] || die "installing nginx needs root (apt-get); install it, or run with FA_WORKERS=0"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light >/dev/null \
        || { DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
             DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light >/dev/null; } \
        || die "could not install nginx"
}

# start_proxy LISTEN_PORT ODOO_PORT GEVENT_PORT DIR: nginx in the foreground (PID in PROXY_PID), the
# way Odoo's deployment guide sets it up: /websocket to the gevent process, the rest to the workers.
# Several Odoo nodes: comma-separated ports (ODOO_PORT and GEVENT_PORT in the same order), served in
# turn; a node that refuses connections is skipped. DIR (one per listening port) holds its
# configuration, PID and error log.
start_proxy() {
    local listen="$1" http="$2" gevent="$3" dir="$4" user_line="" group code status name message answer
    local http_servers="" gevent_servers="" port
    for port in ${http//,/ }; do http_servers+=" server 127.0.0.1:$port;"; done
    for port in ${gevent//,/ }; do gevent_servers+=" server 127.0.0.1:$port;"; done
    mkdir -p "$dir"
    # nginx writes request bodies larger than its memory buffer (every photo) to files of its worker
    # processes. Started by root, those run as nobody, who cannot enter a checkout in a private
    # directory (/root/...): their files go to a fresh directory of theirs under /tmp, mode 700,
    # removed by stop_proxy. Started by anybody else, the workers are that user.
    if [ "$(id -u)" = 0 ]; then
        group="$(id -gn nobody)"
        user_line="user nobody $group;"
        PROXY_TMP="$(mktemp -d /tmp/face-attendance-proxy.XXXXXX)"
        chown "nobody:$group" "$PROXY_TMP"
    else
        PROXY_TMP="$(mktemp -d "${TMPDIR:-/tmp}/face-attendance-proxy.XXXXXX")"
    fi
    chmod 700 "$PROXY_TMP"
    # Errors of the proxy itself (Odoo down or restarting, a body over the limit, a temporary file
    # it could not write, a malformed request: bad chunk, headers too large) answer API clients
    # in the API's JSON envelope, never an HTML page; other paths keep nginx's pages; Odoo's own
    # answers pass through untouched (proxy_intercept_errors is off). The error pages are the
    # server's, so that errors met before a location is chosen (a header too large) are covered too;
    # a request line nginx cannot read (a URI over its buffers: 414, an unknown HTTP version: 505)
    # names no path to tell it by.
    local api_errors="" api_pages=""
    for code in 400:BAD_REQUEST:"The request is malformed." \
                411:BAD_REQUEST:"The request needs a Content-Length or a valid chunked body." \
                413:PAYLOAD_TOO_LARGE:"The request body is too large." \
                494:BAD_REQUEST:"The request headers are too large." \
                501:BAD_REQUEST:"This transfer encoding is not supported." \
                500:PROXY_ERROR:"The proxy could not handle the request." \
                502:SERVICE_UNAVAILABLE:"Odoo is not answering; try again shortly." \
                503:SERVICE_UNAVAILABLE:"Odoo is not answering; try again shortly." \
                504:GATEWAY_TIMEOUT:"Odoo did not answer in time."; do
        IFS=: read -r status name message <<< "$code"
        # 494 (headers too large) is nginx's own name for a 400.
        answer="$status"
        [ "$status" != 494 ] || answer=400
        api_pages+="        error_page $status @api_$status;
"
        api_errors+="        location @api_$status {
            if (\$request_uri !~ ^/api/) { return $answer; }
            default_type application/json;
            add_header Cache-Control no-store always;
            return $answer '{\"success\": false, \"error\": {\"code\": \"$name\", \"message\": \"$message\", \"details\": {}}, \"detail\": \"$message\", \"requestId\": \"\$request_id\"}';
        }
"
    done
    cat > "$dir/nginx.conf" <<NGINX
$user_line
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $PROXY_TMP/body;
    proxy_temp_path $PROXY_TMP/proxy;
    fastcgi_temp_path $PROXY_TMP/fastcgi;
    uwsgi_temp_path $PROXY_TMP/uwsgi;
    scgi_temp_path $PROXY_TMP/scgi;
    client_max_body_size 128m;
    proxy_read_timeout 720s;
    # Connecting is quick or the node is gone: the next node is tried (720 s is for slow answers).
    proxy_connect_timeout 5s;
    proxy_send_timeout 720s;
    map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
    upstream odoo {$http_servers }
    upstream odoochat {$gevent_servers }
    server {
        listen 127.0.0.1:$listen;
        proxy_set_header X-Forwarded-Host \$http_host;
        proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto \$scheme;
        proxy_set_header X-Real-IP \$remote_addr;
        location /websocket {
            proxy_pass http://odoochat;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade;
        }
$api_pages        location /api/ {
            proxy_pass http://odoo;
            proxy_redirect off;
        }
        location / {
            proxy_pass http://odoo;
            proxy_redirect off;
        }
$api_errors    }
}
NGINX
    nginx -t -c "$dir/nginx.conf" -p "$dir" >/dev/null 2>&1 || { nginx -t -c "$dir/nginx.conf" -p "$dir"; die "nginx refused its configuration"; }
    nginx -c "$dir/nginx.conf" -p "$dir" -g 'daemon off;' &
    PROXY_PID=$!
}

# Removes what start_proxy left in /tmp (after nginx stopped).
stop_proxy() {
    if [ -n "${PROXY_TMP:-}" ] && [ -d "$PROXY_TMP" ]; then
        rm -rf "$PROXY_TMP"
    fi
}

# The version the run command serves (FA_ODOO_VERSION) and the ones the test command tests
# (FA_ODOO_VERSIONS, in that order).
# A script run by the tests of one version (create_api_key.sh) keeps to that version.
FA_ODOO_VERSION="${FA_ODOO_VERSION:-${FA_ODOO_MAJOR:-18}}"
FA_ODOO_VERSIONS="${FA_ODOO_VERSIONS:-18 19}"
use_odoo "$FA_ODOO_VERSION"

setup_all() {
    require_odoo_src
    ensure_postgres
    ensure_venv
}
