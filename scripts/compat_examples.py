#!/usr/bin/env python3
"""Runs the usage examples of the two older backends' READMEs against an Odoo with the addon.

    python3 scripts/compat_examples.py --key fa_xxxxxxxx_... [--host http://127.0.0.1:8069]

The backend README's ``curl`` commands (its "Usage Examples") run as that README writes them, with
only the host, an ``Authorization: Bearer`` header and the id of the person the first example
created changed; then the enterprise README's registration (``POST /users/`` with a name and a
photo) and a camera unit's sync (``GET /users/``). Each answer is printed; the exit status is 1 when
one of them is not what the README says. Standard library and curl only.
"""

import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared"))


def usage_examples(readme):
    """The shell blocks of a README's "Usage Examples" section: [(title, command)]."""
    section = readme.split("## Usage Examples", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"### ([^\n]+)\n```bash\n(.*?)```", section, re.S)


def curl(command, host, key, extra=()):
    """A curl command line with the host replaced and the key added: (status, answer)."""
    command = command.replace("http://localhost:8000", host).replace("http://127.0.0.1:8000", host)
    options = "curl -sS -w '\\n%%{http_code}' -H 'Authorization: Bearer %s' %s " % (key, " ".join(extra))
    run = subprocess.run(["bash", "-c", command.replace("curl ", options, 1)], capture_output=True, text=True)
    if run.returncode:
        raise RuntimeError("curl failed: %s" % run.stderr.strip())
    body, _sep, status = run.stdout.rpartition("\n")
    try:
        return int(status), json.loads(body)
    except ValueError:
        return int(status), body


def check(label, ok, status, answer):
    print("%s %s -> %s %s" % ("ok  " if ok else "FAIL", label, status, json.dumps(answer)[:300]))
    return ok


def backend_examples(args):
    with open(os.path.join(args.seeds, "backend-readme.md"), encoding="utf-8") as handle:
        examples = dict(usage_examples(handle.read()))
    results = []
    status, person = curl(examples["Create a New Person"], args.host, args.key, args.curl_option)
    if status == 409:
        # Run before: EMP001 exists. The README's flow goes on with that person.
        status, found = curl("curl '%s/api/persons?search=EMP001'" % args.host, args.host, args.key, args.curl_option)
        person = next((p for p in found if p.get("personnel_code") == "EMP001"), {}) if status == 200 else {}
        status = 201 if person else status
    results.append(
        check("backend: create a new person", status == 201 and person.get("first_name") == "John", status, person)
    )
    enrol = examples["Enroll a Face"].replace("/path/to/face_image.jpg", args.photo)
    enrol = enrol.replace("person_id=1", "person_id=%s" % person.get("id", 1))
    status, answer = curl(enrol, args.host, args.key, args.curl_option)
    results.append(
        check("backend: enroll a face", status == 201 and answer.get("person_id") == person.get("id"), status, answer)
    )
    status, answer = curl(examples["Get All Persons"], args.host, args.key, args.curl_option)
    listed = status == 200 and isinstance(answer, list)
    ok = listed and any(p.get("personnel_code") == "EMP001" for p in answer)
    ok = ok and all(p.get("is_active") and p.get("department") == "IT" for p in answer)
    results.append(check("backend: get all persons (active, IT)", ok, status, answer))
    return results


def enterprise_examples(args):
    """Its "Register a User" (POST /users/ with a name and a photo: each run registers one more, as
    that server did), then a camera unit's sync."""
    results = []
    register = "curl -X POST '%s/users/' -F 'name=Kofi Annan' -F 'file=@%s'" % (args.host, args.photo)
    status, user = curl(register, args.host, args.key, args.curl_option)
    results.append(check("enterprise: register a user", status == 201 and user.get("face_id"), status, user))
    status, users = curl("curl '%s/users/'" % args.host, args.host, args.key, args.curl_option)
    synced = [u for u in users if u.get("id") == user.get("id")] if status == 200 and isinstance(users, list) else []
    ok = bool(synced) and len(synced[0].get("face_encoding") or []) >= 128
    shown = [dict(u, face_encoding="[%d numbers]" % len(u["face_encoding"]), face_encodings="...") for u in synced]
    results.append(check("enterprise: camera unit sync", ok, status, shown))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="http://127.0.0.1:8069", help="Odoo's address (the run command's)")
    parser.add_argument("--key", required=True, help="an API key with every scope (scripts/create_api_key.sh)")
    parser.add_argument("--seeds", default=os.path.join(SHARED, "seeds"), help="where the two READMEs are")
    parser.add_argument(
        "--photo",
        default=os.path.join(SHARED, "data", "faces", "known", "Kofi_Annan", "Kofi_Annan_0001.jpg"),
        help="a photo of one face, for the enrolments",
    )
    parser.add_argument("--curl-option", action="append", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args()
    results = backend_examples(args) + enterprise_examples(args)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
