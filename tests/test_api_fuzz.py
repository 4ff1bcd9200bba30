"""schemathesis against the served openapi.json: no 5xx, every answer as the document says.

Runs in its own virtualenv (FA_FUZZ_VENV, made by the test command) so that its dependencies never
touch Odoo's. Bounded: a fixed number of examples per operation and a hard time limit.
"""

import os
import subprocess

import pytest
from odoo_server import ARTIFACTS

FUZZ_VENV = os.environ.get("FA_FUZZ_VENV", os.path.expanduser("~/.cache/face-attendance/fuzz-venv"))
# The answers as documented, and the requests as documented: what the document allows is accepted
# (positive_data_acceptance), what it forbids is refused (negative_data_rejection).
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_headers_conformance,response_schema_conformance,"
    "positive_data_acceptance,negative_data_rejection"
)
CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemathesis.toml")
# Everything but changing settings: a fuzzer switching auto-mark off or the body limit down would
# only test itself.
FUZZ_SCOPES = (
    "person:read person:write face:write attendance:read attendance:write report:read config:read "
    "logs:read keys:read events:write camera:read camera:write recognize alerts:read alerts:write users:read "
    "gallery:read"
)


def test_schemathesis_fuzz(odoo_servers):
    binary = os.path.join(FUZZ_VENV, "bin", "schemathesis")
    if not os.path.exists(binary):
        pytest.fail("schemathesis is not installed at %s (scripts/test.sh installs it)" % binary)
    server = odoo_servers("fuzz")
    secret = server.create_api_key("fuzz", FUZZ_SCOPES, rate_limit=0)
    report_dir = os.path.join(ARTIFACTS, "schemathesis")
    command = [
        binary,
        "--config-file",
        CONFIG,
        "run",
        server.url + "/api/v1/openapi.json",
        "--header",
        "X-API-Key: %s" % secret,
        "--checks",
        CHECKS,
        "--max-examples",
        os.environ.get("FA_FUZZ_EXAMPLES", "25"),
        "--workers",
        os.environ.get("FA_FUZZ_WORKERS", "1"),  # one: the same seed, the same run
        "--request-timeout",
        "60",
        "--seed",
        os.environ.get("FA_FUZZ_SEED", "20261121"),
        "--generation-database",
        "none",
        "--no-color",
        # PostgreSQL holds no NUL character in text: every route refuses one (400), which no schema
        # can say for each of its strings.
        "--generation-allow-x00",
        "false",
        "--suppress-health-check",
        "all",
        "--report",
        "junit",
        "--report-dir",
        report_dir,
    ]
    # Its cache (.schemathesis/) goes with the other artifacts, not into the checkout.
    run = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=ARTIFACTS)
    with open(os.path.join(ARTIFACTS, "schemathesis.log"), "w") as log:
        log.write(run.stdout + run.stderr)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
