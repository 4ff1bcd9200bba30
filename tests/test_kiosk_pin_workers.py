"""A kiosk's PIN limits hold against parallel guesses served by several Odoo worker processes."""

import re
import time
from concurrent.futures import ThreadPoolExecutor

import requests

LIMIT = 5  # face_kiosk.PIN_FAILURES_PER_MINUTE and PIN_FAILURES_PER_PERSON
GUESSES = 20
DEVICE_COOKIE = "fa_kiosk_device"

SETUP = """
employee = env["hr.employee"].create({"name": "Parallel Pin", "person_ref": "PAR-1", "pin": "2580"})
kiosk = env["face.kiosk"].create({"name": "Parallel door", "pin_fallback": True, "liveness_required": False})
action = kiosk.action_pairing_code()
env.cr.commit()
print("KIOSK", kiosk.kiosk_token, action["params"]["message"])
"""


def test_parallel_wrong_pins_never_pass_the_limit(prefork_server):
    server = prefork_server
    line = next(line for line in server.shell(SETUP).splitlines() if line.startswith("KIOSK "))
    token = line.split()[1]
    code = re.search(r"\b(\d{8})\b", line).group(1)
    headers = {"Content-Type": "application/json", "X-Face-Kiosk-Token": token}
    paired = requests.post(server.url + "/face_attendance/kiosk/pair", json={"code": code}, headers=headers, timeout=60)
    assert paired.status_code == 200, paired.text
    # requests keeps a Secure cookie but does not send it over http://: sent by hand.
    headers["Cookie"] = "%s=%s" % (DEVICE_COOKIE, paired.cookies[DEVICE_COOKIE])

    def guess(index):
        answer = requests.post(
            server.url + "/face_attendance/kiosk/pin",
            json={"person_id": "PAR-1", "pin": "%04d" % index},
            headers=dict(headers, Connection="close"),
            timeout=60,
        )
        return answer.status_code, answer.json().get("state"), answer.json().get("code")

    # Both limits count in fixed windows (a minute per kiosk, a quarter of an hour per ID): keep the
    # burst inside one of each.
    while time.time() % 60 > 45 or time.time() % 900 > 885:
        time.sleep(0.5)
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(guess, range(GUESSES)))
    wrong = [a for a in answers if a[:2] == (200, "wrong_pin")]
    limited = [a for a in answers if a[0] == 429 and a[2] == "RATE_LIMITED"]
    assert len(wrong) == LIMIT, answers
    assert len(limited) == GUESSES - LIMIT, answers
    # The right PIN is locked too now: the limit holds for the person, not for a worker.
    right = requests.post(
        server.url + "/face_attendance/kiosk/pin",
        json={"person_id": "PAR-1", "pin": "2580"},
        headers=headers,
        timeout=60,
    )
    assert right.status_code == 429, right.text
