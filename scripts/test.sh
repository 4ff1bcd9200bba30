#!/usr/bin/env bash
# The test command: set-up (idempotent), then for each Odoo version (FA_ODOO_VERSIONS, default
# "18 19") a fresh test database, the addon's tests with Odoo's own hr_attendance tests, and the
# rest of the project's tests against servers of that version (the tests that need no Odoo run
# with the first version only); a version's project tests run beside the next version's addon
# tests. Prints the seconds of each phase. Exits non-zero on any failure.
#   scripts/test.sh                      everything, as CI runs it
#   scripts/test.sh --quick [--tags T]   the developers' inner loop: one Odoo version (the first of
#                                        FA_ODOO_VERSIONS), no static checks, the addon's tests only
#                                        (or Odoo test tags T, e.g. /face_attendance:TestApiAuth), then
#                                        the project tests that need no Odoo server
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

QUICK=0
ADDON_TAGS="/face_attendance,/hr_attendance"
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1; ADDON_TAGS="/face_attendance" ;;
        --tags) shift; [ $# -gt 0 ] || die "--tags needs Odoo test tags"; ADDON_TAGS="$1" ;;
        --tags=*) ADDON_TAGS="${1#--tags=}" ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
    shift
done
if [ "$QUICK" = 1 ]; then
    FA_ODOO_VERSIONS="${FA_ODOO_VERSIONS%% *}"
fi
FIRST_VERSION="${FA_ODOO_VERSIONS%% *}"

for version in $FA_ODOO_VERSIONS; do
    use_odoo "$version"
    require_odoo_src
done
ensure_postgres
ensure_fuzz_venv
ensure_browser_tools
# Seconds each phase took, printed at the end (the README's test times come from these lines).
TIMES=()
phase_started=$SECONDS
phase_done() { TIMES+=("$(printf '%-46s %4d s' "$1" $((SECONDS - phase_started)))"); phase_started=$SECONDS; }
# Static security checks (bandit, pylint-odoo) first: a finding fails the command before the
# long Odoo run.
if [ "$QUICK" = 0 ]; then
    log "static security checks (bandit, pylint-odoo)"
    bash "$PROJECT_ROOT/scripts/security_lint.sh" || die "static security checks failed (findings above)"
    log "pre-commit: ruff, ruff-format and pylint-odoo with OCA's configuration"
    if ! (cd "$PROJECT_ROOT" && "$FA_LINT_VENV/bin/pre-commit" run --all-files --show-diff-on-failure --color=never); then
        die "pre-commit found problems (above); its fixes are in the working tree: review and commit them"
    fi
    phase_done "static checks (bandit, pylint-odoo, pre-commit)"
fi
export FA_SCREENSHOTS_DIR="${FA_SCREENSHOTS_DIR:-$PROJECT_ROOT/test-artifacts/screenshots}"
rm -rf "$FA_SCREENSHOTS_DIR"

ARTIFACTS="$PROJECT_ROOT/test-artifacts"
mkdir -p "$ARTIFACTS"
export FA_FACES_DIR="${FA_FACES_DIR:-$PROJECT_ROOT/../shared/data/faces}"
[ -d "$FA_FACES_DIR/known" ] || die "the face photos were not found at FA_FACES_DIR=$FA_FACES_DIR"
BG_PID=""
# Every test database of this run ("<FA_TEST_DB or fa_test_<pid>>_<version>"), dropped at the end.
test_db() { echo "${FA_TEST_DB:-fa_test_$$}_$1"; }
cleanup() {
    if [ -n "$BG_PID" ]; then
        pkill -TERM -P "$BG_PID" 2>/dev/null || true
        kill "$BG_PID" 2>/dev/null || true
    fi
    for version in $FA_ODOO_VERSIONS; do
        dropdb -h "$PGHOST" -p "$PGPORT" -U "$FA_DB_USER" --if-exists "$(test_db "$version")" 2>/dev/null || true
    done
}
trap cleanup EXIT
SUMMARY=()

# addon_tests 18|19 PORT: a fresh database with the addon and Odoo's hr_attendance, their tests
# (HttpCase on 127.0.0.1:PORT); a failure stops the command.
addon_tests() {
    use_odoo "$1"
    ensure_venv
    local db port="$2" odoo_log="$ARTIFACTS/odoo$1-tests.log"
    db="$(test_db "$1")"
    dropdb -h "$PGHOST" -p "$PGPORT" -U "$FA_DB_USER" --if-exists "$db" 2>/dev/null || true
    log "Odoo $1: addon tests on a fresh database $db (face_attendance + Odoo's hr_attendance tests)"
    set +e
    odoo_cmd -d "$db" -i face_attendance,hr_attendance --test-enable \
        --test-tags "$ADDON_TAGS" --stop-after-init \
        --http-interface=127.0.0.1 --http-port="$port" --workers=0 --max-cron-threads=0 \
        --log-level=test --logfile= > "$odoo_log" 2>&1
    local odoo_rc=$?
    set -e
    # Odoo's runner prints one line per test class and a final count; show the essentials.
    grep -E "(ERROR|FAIL):|odoo.tests.result|tests? .*queries|Ran [0-9]+ test" "$odoo_log" | sed 's/^[0-9-]* [0-9:,]* [0-9]* //' | tail -n 40 || true
    local summary
    summary="$(grep -E "odoo.tests.result: [0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests" "$odoo_log" | tail -n1 || true)"
    if [ -z "$summary" ]; then
        grep -E "ERROR|Traceback" -A5 "$odoo_log" | head -n 60 >&2 || true
        die "Odoo $1 did not report a test result (see $odoo_log)"
    fi
    local n_failed n_errors n_total n_bad
    read -r n_failed n_errors n_total <<< "$(echo "$summary" | sed -E 's/.*: ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests.*/\1 \2 \3/')"
    n_bad=$((n_failed + n_errors))
    # Odoo skips browser tours when it cannot drive a browser: here that is a failure, not a pass.
    if grep -qE "skipped .*(Tour|tour)" "$odoo_log"; then
        grep -E "skipped .*(Tour|tour)" "$odoo_log" | head -n 5 >&2
        n_bad=$((n_bad + 1))
    fi
    echo "odoo $1: $((n_total - n_bad)) passed, $n_bad failed"
    echo "$((n_total - n_bad))" > "$ARTIFACTS/addon-passed-odoo$1.txt"
    if [ "$odoo_rc" -ne 0 ] || [ "$n_bad" -ne 0 ] || [ "$n_total" -eq 0 ]; then
        grep -E "^(FAIL|ERROR):|(ERROR|FAIL): " -A20 "$odoo_log" | head -n 150 >&2 || true
        die "Odoo $1: addon tests failed (rc=$odoo_rc, $n_bad failed of $n_total; full log: $odoo_log)"
    fi
}

# project_tests 18|19: the project's pytest suite against servers of that version, on copies of
# the database its addon tests used.
project_tests() {
    use_odoo "$1"
    # The tests that need no Odoo server (engine, daemon stages, rules) run with the first version
    # only; the others (marked "odoo" by tests/conftest.py) with every version; --quick: none of them.
    local selection=() what="engine, daemon, end to end"
    if [ "$QUICK" = 1 ]; then
        selection=(-m "not odoo"); what="engine and daemon, no Odoo server"
    elif [ "$1" != "$FIRST_VERSION" ]; then
        selection=(-m odoo); what="end to end against Odoo $1"
        # The API's contract is the same code on every version, fuzzed in full with the first; here
        # fewer examples look for what this version's ORM answers differently (a 5xx, a shape).
        export FA_FUZZ_EXAMPLES="${FA_FUZZ_EXAMPLES_OTHER:-10}"
    fi
    log "Odoo $1: project tests ($what)"
    local report="$ARTIFACTS/pytest-odoo$1.txt" py_rc
    set +e
    FA_TEMPLATE_DB="$(test_db "$1")" "$FA_VENV/bin/python" -m pytest -q -p no:cacheprovider "${selection[@]}" "$PROJECT_ROOT/tests" 2>&1 | tee "$report"
    py_rc=${PIPESTATUS[0]}
    set -e
    [ "$py_rc" -eq 0 ] || die "Odoo $1: project tests failed (pytest rc=$py_rc)"
    dropdb -h "$PGHOST" -p "$PGPORT" -U "$FA_DB_USER" --if-exists "$(test_db "$1")" 2>/dev/null || true
    SUMMARY+=("Odoo $1: addon $(cat "$ARTIFACTS/addon-passed-odoo$1.txt") passed; project $(grep -Eo "[0-9]+ passed[^=]*" "$report" | tail -n1)")
}

# One version after the other, overlapped by one step: while a version's project tests run (Odoo
# servers that mostly wait on their clients and daemons), the next version's addon tests (one Odoo
# process) run beside them, on the next HTTP port and their own database.
port="${FA_TEST_HTTP_PORT:-8169}"
read -r -a versions <<< "$FA_ODOO_VERSIONS"
addon_tests "${versions[0]}" "$port"
phase_done "Odoo ${versions[0]}: addon tests (incl. install)"
for index in "${!versions[@]}"; do
    version="${versions[$index]}"
    next="${versions[$((index + 1))]:-}"
    if [ -n "$next" ]; then
        (addon_tests "$next" "$((port + 1))") > "$ARTIFACTS/addon-tests-odoo$next.out" 2>&1 &
        BG_PID=$!
    fi
    project_tests "$version"
    if [ -n "$next" ]; then
        set +e
        wait "$BG_PID"
        bg_rc=$?
        set -e
        BG_PID=""
        cat "$ARTIFACTS/addon-tests-odoo$next.out"
        [ "$bg_rc" -eq 0 ] || die "Odoo $next: addon tests failed (above)"
        phase_done "Odoo $version: project tests, beside Odoo $next's addon tests"
    else
        phase_done "Odoo $version: project tests"
    fi
done
printf '%s\n' "${SUMMARY[@]}"
printf '%s\n' "${TIMES[@]}"
log "all tests passed in $SECONDS s"
