"""The integration guide's client flow, with the requests library against a running Odoo."""

import base64
import datetime

import requests


def test_integration_guide_flow(odoo_servers, photo):
    server = odoo_servers("client")
    secret = server.create_api_key("integration guide", "*")
    base = server.url + "/api/v1"
    session = requests.Session()
    session.headers["Authorization"] = "Bearer %s" % secret

    answer = session.post(
        base + "/persons",
        json={
            "person_id": "EMP001",
            "name": "Jackie Chan",
            "email": "jackie@example.com",
            "department": "Stunts",
            "position": "Lead actor",
        },
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["success"] is True

    image = base64.b64encode(photo("Jackie_Chan", 1)).decode()
    answer = session.post(
        base + "/persons/EMP001/register-face", json={"image": image, "force_update": False}, timeout=60
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["data"]["total_faces"] == 1

    # A sighting arrives as an event (what the daemon or a detection provider sends) and makes attendance.
    camera = session.post(
        base + "/cameras",
        json={"name": "Lobby", "source_type": "file", "source": "/dev/null", "direction": "entry"},
        timeout=30,
    ).json()["data"]
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    answer = session.post(
        base + "/events",
        json={
            "events": [
                {
                    "event_id": "guide-1",
                    "camera_id": camera["id"],
                    "person_id": "EMP001",
                    "timestamp": (now - datetime.timedelta(minutes=1)).isoformat().replace("+00:00", "Z"),
                    "confidence": 0.93,
                }
            ]
        },
        timeout=30,
    )
    assert answer.json()["data"]["results"][0]["outcome"] == "checked_in", answer.text

    today = now.date()
    answer = session.get(
        base + "/attendance",
        params={
            "start_date": (today - datetime.timedelta(days=1)).isoformat(),
            "end_date": (today + datetime.timedelta(days=1)).isoformat(),
            "limit": 1000,
        },
        timeout=30,
    )
    records = answer.json()["data"]["records"]
    names = [record["person_name"] for record in records]
    assert "Jackie Chan" in names
    record = records[names.index("Jackie Chan")]
    assert record["check_in"] == (now - datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert record["source"] == "face" and record["status"] == "checked_in"

    # The key also works as X-API-Key; without a key the answer is a 401 envelope.
    assert (
        requests.get(base + "/persons/EMP001", headers={"X-API-Key": secret}, timeout=30).json()["data"]["face_count"]
        == 1
    )
    denied = requests.get(base + "/persons", timeout=30)
    assert denied.status_code == 401 and denied.json()["error"]["code"] == "UNAUTHORIZED"
