"""The usage examples of the two older backends' READMEs, run by scripts/compat_examples.py with curl
against a real Odoo server, twice: a second run keeps working."""

import os
import subprocess
import sys

from odoo_server import ROOT


def test_readme_usage_examples_against_a_running_odoo(odoo_servers, faces_dir):
    server = odoo_servers("compat")
    secret = server.create_api_key("older backends' scripts", "*")
    command = [
        sys.executable,
        os.path.join(ROOT, "scripts", "compat_examples.py"),
        "--host",
        server.url,
        "--key",
        secret,
        "--seeds",
        os.path.join(faces_dir, "..", "..", "seeds"),
        "--photo",
        os.path.join(faces_dir, "known", "Kofi_Annan", "Kofi_Annan_0001.jpg"),
    ]
    for _run in range(2):
        run = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        lines = run.stdout.splitlines()
        assert [line.split(" -> ")[0] for line in lines] == [
            "ok   backend: create a new person",
            "ok   backend: enroll a face",
            "ok   backend: get all persons (active, IT)",
            "ok   enterprise: register a user",
            "ok   enterprise: camera unit sync",
        ], run.stdout
