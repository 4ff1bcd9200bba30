# A PostgreSQL streaming replica of the local cluster, for Odoo's read-only routes
# (--db_replica_host/--db_replica_port): sourced after scripts/common.sh, not executed.
#
#   ensure_replica   set up (idempotent) and start a hot standby of the cluster at $PGHOST:$PGPORT on
#                    $FA_REPLICA_PORT (5442), made with pg_basebackup by Debian's binaries of the same
#                    version; exports FA_REPLICA_HOST and FA_REPLICA_PORT and prints them.
#   stop_replica     stop it (its data stays: the next ensure_replica catches up from the primary).
#   replica_sql SQL  run SQL on the replica as the superuser (tests read its pg_stat_* views).
#
# Environment: FA_REPLICA_PORT (5442), FA_REPLICA_DIR (/var/lib/face-attendance-replica as root, else
# $HOME/.cache/face-attendance/replica; data in data/, log in replica.log), FA_REPLICA_ROLE and
# FA_REPLICA_PASSWORD (the replication role, fa_replicator), FA_REPLICA_LOG_STATEMENT (none; "all" logs
# every statement the replica runs, as the tests do).
#
# On the primary it needs what any streaming replica needs, and sets up only what is missing:
# wal_level replica (the default; changing it restarts the primary), a role with REPLICATION, and a
# "host replication" line for 127.0.0.1 in its pg_hba.conf. No replication slot: a replica left
# stopped must not make the primary keep WAL for ever; one that fell too far behind is rebuilt.

FA_REPLICA_HOST="${FA_REPLICA_HOST:-127.0.0.1}"
FA_REPLICA_PORT="${FA_REPLICA_PORT:-5442}"
if [ "$(id -u)" = 0 ]; then
    FA_REPLICA_DIR="${FA_REPLICA_DIR:-/var/lib/face-attendance-replica}"
else
    FA_REPLICA_DIR="${FA_REPLICA_DIR:-$HOME/.cache/face-attendance/replica}"
fi
FA_REPLICA_ROLE="${FA_REPLICA_ROLE:-fa_replicator}"
FA_REPLICA_PASSWORD="${FA_REPLICA_PASSWORD:-fa_replicator}"
FA_REPLICA_LOG_STATEMENT="${FA_REPLICA_LOG_STATEMENT:-none}"
export FA_REPLICA_HOST FA_REPLICA_PORT FA_REPLICA_DIR

# The server binaries run as the postgres OS user when we are root (PostgreSQL refuses root).
_replica_as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

_replica_bin() {
    local version
    version="$(pg_super -d postgres -c "SHOW server_version_num")"
    version="$((version / 10000))"
    [ -x "/usr/lib/postgresql/$version/bin/pg_ctl" ] \
        || die "the primary runs PostgreSQL $version but /usr/lib/postgresql/$version/bin has no pg_ctl"
    echo "/usr/lib/postgresql/$version/bin"
}

replica_sql() {
    _replica_as_owner psql -h "$FA_REPLICA_DIR" -p "$FA_REPLICA_PORT" -U postgres -d postgres \
        -v ON_ERROR_STOP=1 -qtA -c "$1"
}

_replica_up() { pg_isready -q -h "$FA_REPLICA_HOST" -p "$FA_REPLICA_PORT" 2>/dev/null; }

# Streaming from the primary right now (not merely started, nor replaying old WAL only).
_replica_streaming() {
    [ "$(replica_sql "SELECT pg_is_in_recovery() AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver
        WHERE status = 'streaming')" 2>/dev/null)" = t ]
}

# What the primary needs to serve a streaming replica; only the missing part is set.
_replica_prepare_primary() {
    local wal_level senders hba line
    wal_level="$(pg_super -d postgres -c "SHOW wal_level")"
    senders="$(pg_super -d postgres -c "SHOW max_wal_senders")"
    if [ "$wal_level" = minimal ] || [ "$senders" = 0 ]; then
        log "the primary has wal_level=$wal_level, max_wal_senders=$senders: setting replica/10 and restarting it"
        pg_super -d postgres -c "ALTER SYSTEM SET wal_level = 'replica'"
        pg_super -d postgres -c "ALTER SYSTEM SET max_wal_senders = 10"
        local ver
        ver="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)"
        pg_ctlcluster --skip-systemctl-redirect "$ver" main restart || pg_ctlcluster "$ver" main restart
        for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
        pg_ready || die "PostgreSQL did not come back on $PGHOST:$PGPORT"
    fi
    if [ "$(pg_super -d postgres -c "SELECT rolreplication FROM pg_roles WHERE rolname = '$FA_REPLICA_ROLE'")" != t ]; then
        log "creating the replication role $FA_REPLICA_ROLE"
        if [ -n "$(pg_super -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = '$FA_REPLICA_ROLE'")" ]; then
            pg_super -d postgres -c "ALTER ROLE \"$FA_REPLICA_ROLE\" REPLICATION LOGIN PASSWORD '$FA_REPLICA_PASSWORD'"
        else
            pg_super -d postgres -c "CREATE ROLE \"$FA_REPLICA_ROLE\" REPLICATION LOGIN PASSWORD '$FA_REPLICA_PASSWORD'"
        fi
    fi
    # "all" in pg_hba.conf's database column does not cover replication connections: they need a
    # line of their own. Checked as PostgreSQL reads the file, not by grepping it.
    if [ "$(pg_super -d postgres -c "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database)
            AND (user_name = '{all}' OR '$FA_REPLICA_ROLE' = ANY(user_name))
            AND (type = 'local' OR address IN ('127.0.0.1', 'all', 'samehost'))")" = 0 ]; then
        hba="$(pg_super -d postgres -c "SHOW hba_file")"
        line="host replication $FA_REPLICA_ROLE 127.0.0.1/32 scram-sha-256"
        log "allowing $FA_REPLICA_ROLE to replicate from 127.0.0.1 ($hba) and reloading the primary"
        printf '# face-attendance: the streaming replica (scripts/pg_replica.sh)\n%s\n' "$line" >> "$hba"
        pg_super -d postgres -c "SELECT pg_reload_conf()" >/dev/null
    fi
}

# The replica's own configuration: a hot standby must allow at least as many connections, workers,
# prepared transactions and locks as its primary, or it refuses to start.
_replica_write_config() {
    local data="$1" setting value
    {
        echo "# Written by scripts/pg_replica.sh: a hot standby of $PGHOST:$PGPORT"
        echo "port = $FA_REPLICA_PORT"
        echo "listen_addresses = '$FA_REPLICA_HOST'"
        echo "unix_socket_directories = '$FA_REPLICA_DIR'"
        echo "hot_standby = on"
        # The primary's vacuum waits for the replica's readers instead of cancelling their queries.
        echo "hot_standby_feedback = on"
        echo "shared_buffers = 64MB"
        echo "hba_file = '$data/pg_hba.conf'"
        echo "ident_file = '$data/pg_ident.conf'"
        echo "log_line_prefix = '%m [%p] %a@%d '"
        echo "log_statement = '$FA_REPLICA_LOG_STATEMENT'"
        for setting in max_connections max_worker_processes max_prepared_transactions \
                       max_locks_per_transaction max_wal_senders; do
            value="$(pg_super -d postgres -c "SHOW $setting")"
            echo "$setting = $value"
        done
    } > "$data/postgresql.conf.new"
    chown --reference="$data" "$data/postgresql.conf.new"
    mv "$data/postgresql.conf.new" "$data/postgresql.conf"
}

_replica_build() {
    local data="$FA_REPLICA_DIR/data" hba ident
    log "making a base backup of $PGHOST:$PGPORT into $data (pg_basebackup)"
    rm -rf "$data"
    mkdir -p "$FA_REPLICA_DIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$FA_REPLICA_DIR"
    # -R writes standby.signal and primary_conninfo; -X stream copies the WAL made meanwhile.
    _replica_as_owner env PGPASSWORD="$FA_REPLICA_PASSWORD" "$BIN/pg_basebackup" -h "$PGHOST" -p "$PGPORT" \
        -U "$FA_REPLICA_ROLE" -D "$data" -X stream -R -c fast --no-password \
        || die "pg_basebackup from $PGHOST:$PGPORT failed"
    chmod 700 "$data"
    # Debian keeps the primary's pg_hba.conf and pg_ident.conf outside its data directory: the
    # replica authenticates its clients (Odoo's role) by the same rules.
    hba="$(pg_super -d postgres -c "SHOW hba_file")"
    ident="$(pg_super -d postgres -c "SHOW ident_file")"
    cp "$hba" "$data/pg_hba.conf"
    cp "$ident" "$data/pg_ident.conf" 2>/dev/null || : > "$data/pg_ident.conf"
    chown --reference="$data" "$data/pg_hba.conf" "$data/pg_ident.conf"
}

_replica_start() {
    _replica_as_owner "$BIN/pg_ctl" -D "$FA_REPLICA_DIR/data" -l "$FA_REPLICA_DIR/replica.log" -w -t 60 start \
        >/dev/null || return 1
    local _
    for _ in $(seq 1 40); do
        _replica_streaming && return 0
        sleep 0.5
    done
    return 1
}

ensure_replica() {
    declare -F ensure_postgres >/dev/null && ensure_postgres
    local BIN
    BIN="$(_replica_bin)"
    _replica_prepare_primary
    mkdir -p "$FA_REPLICA_DIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$FA_REPLICA_DIR"
    if [ -f "$FA_REPLICA_DIR/data/standby.signal" ]; then
        _replica_write_config "$FA_REPLICA_DIR/data"
        if _replica_up; then
            _replica_as_owner "$BIN/pg_ctl" -D "$FA_REPLICA_DIR/data" reload >/dev/null
        fi
        if _replica_streaming || _replica_start; then
            _replica_announce
            return 0
        fi
        # Typically: stopped longer than the primary kept its WAL. A new base backup catches up.
        log "the replica on port $FA_REPLICA_PORT does not stream from the primary (see $FA_REPLICA_DIR/replica.log): rebuilding it"
        _replica_as_owner "$BIN/pg_ctl" -D "$FA_REPLICA_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    elif _replica_up; then
        die "port $FA_REPLICA_PORT is taken by a server that is not this replica: set FA_REPLICA_PORT"
    fi
    _replica_build
    _replica_write_config "$FA_REPLICA_DIR/data"
    _replica_start || die "the replica did not start streaming on port $FA_REPLICA_PORT (see $FA_REPLICA_DIR/replica.log)"
    _replica_announce
}

_replica_announce() {
    log "streaming replica of $PGHOST:$PGPORT on $FA_REPLICA_HOST:$FA_REPLICA_PORT ($FA_REPLICA_DIR)"
    echo "FA_REPLICA_HOST=$FA_REPLICA_HOST"
    echo "FA_REPLICA_PORT=$FA_REPLICA_PORT"
}

stop_replica() {
    [ -f "$FA_REPLICA_DIR/data/PG_VERSION" ] || return 0
    local BIN
    BIN="$(_replica_bin)"
    if _replica_as_owner "$BIN/pg_ctl" -D "$FA_REPLICA_DIR/data" status >/dev/null 2>&1; then
        log "stopping the replica on port $FA_REPLICA_PORT"
        _replica_as_owner "$BIN/pg_ctl" -D "$FA_REPLICA_DIR/data" -m fast -w stop >/dev/null
    fi
}
