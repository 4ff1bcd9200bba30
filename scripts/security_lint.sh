#!/usr/bin/env bash
# Static security checks of the addon and the daemon: bandit (configured by .bandit.yml) and
# pylint with pylint-odoo's security checks only. Runs in a virtualenv of its own
# (FA_LINT_VENV, built from requirements-lint.txt). Prints every finding with its code line and
# exits non-zero on any; a false positive is silenced on its own line with the reason:
#     code  # nosec B105  # why it is safe          (bandit)
#     code  # pylint: disable=sql-injection  # why  (pylint)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_lint_venv
cd "$PROJECT_ROOT"

# Scanned: the addon and the daemon package; not their tests, nor the addon's static/.
TARGETS=(face_attendance face_attendance_daemon)

# pylint-odoo's security-relevant checks, with pylint's own eval/exec ones:
#   sql-injection (E8103)             cr.execute() on SQL built by %, +, .format or f-string
#   external-request-timeout (E8106)  requests/urllib/http.client/smtplib/... call without timeout
#                                     (a hung peer holds an Odoo worker: denial of service)
#   translation-injection (E8151)     _("...").format(...): a translation can read attributes
#                                     ("{0.__class__...}") of the values formatted in
#   invalid-commit (E8102)            cr.commit() by hand: persists writes that a later access
#                                     error or exception should have rolled back
#   manifest-external-assets (W8162)  assets loaded from a third-party CDN (supply chain)
#   eval-used (W0123), exec-used (W0122)
#   syntax-error (E0001)              a file that does not parse would otherwise go unchecked
# Left out as not security: translation-format-interpolation, translation-fstring-interpolation,
# translation-not-lazy and translation-contains-variable (_() of an already formatted string
# only goes untranslated), and the manifest/style checks.
PYLINT_CHECKS=sql-injection,external-request-timeout,translation-injection,invalid-commit
PYLINT_CHECKS+=,manifest-external-assets,eval-used,exec-used,syntax-error

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

set +e
"$FA_LINT_VENV/bin/bandit" -c .bandit.yml -r "${TARGETS[@]}" \
    --severity-level all --confidence-level all -q -f json -o "$out/bandit.json"
bandit_rc=$?
"$FA_LINT_VENV/bin/pylint" --rcfile=/dev/null --persistent=n --recursive=y --ignore=tests,static \
    --load-plugins=pylint_odoo --valid-odoo-versions=18.0 \
    --disable=all --enable="$PYLINT_CHECKS" --output-format=json2 "${TARGETS[@]}" > "$out/pylint.json"
pylint_rc=$?
set -e

# One line per finding (file:line: check [tool] message) and the code line under it.
"$FA_LINT_VENV/bin/python" - "$out/bandit.json" "$out/pylint.json" "$bandit_rc" "$pylint_rc" <<'EOF'
import json
import linecache
import sys

bandit_file, pylint_file, bandit_rc, pylint_rc = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
findings, problems = [], []
try:
    with open(bandit_file) as f:
        bandit = json.load(f)
    for r in bandit["results"]:
        findings.append((r["filename"], r["line_number"], r["test_id"], "bandit",
                         "%s (severity %s, confidence %s)" % (r["issue_text"], r["issue_severity"].lower(),
                                                               r["issue_confidence"].lower())))
    problems += ["bandit could not scan %s: %s" % (e["filename"], e["reason"]) for e in bandit.get("errors", [])]
    if bandit_rc not in (0, 1) or (bandit_rc == 1 and not bandit["results"]):
        problems.append("bandit exited with %d" % bandit_rc)
except (OSError, ValueError, KeyError) as error:
    problems.append("bandit gave no report (exit %d): %s" % (bandit_rc, error))
try:
    with open(pylint_file) as f:
        pylint = json.load(f)
    for m in pylint["messages"]:
        findings.append((m["path"], m["line"], "%s %s" % (m["messageId"], m["symbol"]), "pylint", m["message"]))
    if pylint_rc and not pylint["messages"]:
        problems.append("pylint exited with %d" % pylint_rc)
except (OSError, ValueError, KeyError) as error:
    problems.append("pylint gave no report (exit %d): %s" % (pylint_rc, error))

for path, line, check, tool, message in sorted(findings):
    print("%s:%s: %s [%s] %s" % (path, line, check, tool, message))
    print("    %s" % linecache.getline(path, line).strip())
sys.stdout.flush()
for problem in problems:
    print("security-lint: error: %s" % problem, file=sys.stderr)
print("security-lint: %d finding%s" % (len(findings), "" if len(findings) == 1 else "s"))
sys.exit(1 if findings or problems else 0)
EOF
