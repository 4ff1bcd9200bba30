#!/usr/bin/env bash
# The test command: set-up (idempotent), a fresh test database, the addon's tests with Odoo's own
# hr_attendance tests, then the rest of the project's tests. Exits non-zero on any failure.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

setup_all
ensure_fuzz_venv
ensure_browser_tools
# Static security checks (bandit, pylint-odoo) first: a finding fails the command before the
# long Odoo run.
log "static security checks (bandit, pylint-odoo)"
bash "$PROJECT_ROOT/scripts/security_lint.sh" || die "static security checks failed (findings above)"
export FA_SCREENSHOTS_DIR="${FA_SCREENSHOTS_DIR:-$PROJECT_ROOT/test-artifacts/screenshots}"
rm -rf "$FA_SCREENSHOTS_DIR"

TEST_DB="${FA_TEST_DB:-fa_test_$$}"
TEST_HTTP_PORT="${FA_TEST_HTTP_PORT:-8169}"
ARTIFACTS="$PROJECT_ROOT/test-artifacts"
mkdir -p "$ARTIFACTS"
ODOO_LOG="$ARTIFACTS/odoo-tests.log"
export FA_FACES_DIR="${FA_FACES_DIR:-$PROJECT_ROOT/../shared/data/faces}"
[ -d "$FA_FACES_DIR/known" ] || die "the face photos were not found at FA_FACES_DIR=$FA_FACES_DIR"

cleanup() { dropdb -h "$PGHOST" -p "$PGPORT" -U "$FA_DB_USER" --if-exists "$TEST_DB" 2>/dev/null || true; }
trap cleanup EXIT
cleanup

log "addon tests on a fresh database $TEST_DB (face_attendance + Odoo's hr_attendance tests)"
set +e
odoo_cmd -d "$TEST_DB" -i face_attendance,hr_attendance --test-enable \
    --test-tags "/face_attendance,/hr_attendance" --stop-after-init \
    --http-interface=127.0.0.1 --http-port="$TEST_HTTP_PORT" --workers=0 --max-cron-threads=0 \
    --log-level=test --logfile= > "$ODOO_LOG" 2>&1
odoo_rc=$?
set -e
# Odoo's runner prints one line per test class and a final count; show the essentials.
grep -E "(ERROR|FAIL):|odoo.tests.result|tests? .*queries|Ran [0-9]+ test" "$ODOO_LOG" | sed 's/^[0-9-]* [0-9:,]* [0-9]* //' | tail -n 40 || true
summary="$(grep -E "odoo.tests.result: [0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests" "$ODOO_LOG" | tail -n1 || true)"
if [ -z "$summary" ]; then
    grep -E "ERROR|Traceback" -A5 "$ODOO_LOG" | head -n 60 >&2 || true
    die "Odoo did not report a test result (see $ODOO_LOG)"
fi
failed="$(echo "$summary" | sed -E 's/.*: ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests.*/\1 \2 \3/')"
read -r n_failed n_errors n_total <<< "$failed"
n_bad=$((n_failed + n_errors))
# Odoo skips browser tours when it cannot drive a browser: here that is a failure, not a pass.
if grep -qE "skipped .*(Tour|tour)" "$ODOO_LOG"; then
    grep -E "skipped .*(Tour|tour)" "$ODOO_LOG" | head -n 5 >&2
    n_bad=$((n_bad + 1))
fi
echo "odoo: $((n_total - n_bad)) passed, $n_bad failed"
if [ "$odoo_rc" -ne 0 ] || [ "$n_bad" -ne 0 ] || [ "$n_total" -eq 0 ]; then
    grep -E "^(FAIL|ERROR):|(ERROR|FAIL): " -A20 "$ODOO_LOG" | head -n 150 >&2 || true
    die "addon tests failed (rc=$odoo_rc, $n_bad failed of $n_total; full log: $ODOO_LOG)"
fi

log "project tests (engine, daemon, end to end)"
set +e
# The servers these tests start run on copies of the database the addon tests just used.
FA_TEMPLATE_DB="$TEST_DB" "$FA_VENV/bin/python" -m pytest -q -p no:cacheprovider "$PROJECT_ROOT/tests"
py_rc=$?
set -e
[ "$py_rc" -eq 0 ] || die "project tests failed (pytest rc=$py_rc)"
log "all tests passed"
