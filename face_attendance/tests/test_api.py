import base64
from datetime import datetime, timedelta

from odoo.tests import tagged

from .common import ApiCase, face_photo
from .test_enrolment import DOMINANT_WITH_BYSTANDER, side_by_side_b64


@tagged("post_install", "-at_install", "face_attendance")
class TestRestApi(ApiCase):
    """The REST API over real HTTP, as other systems use it."""

    def test_health_needs_no_key(self):
        response, payload = self.api("GET", "/health", key="")
        self.assertEqual(response.status_code, 200)
        self.assertEqual((payload["success"], payload["status"], payload["database"]), (True, "healthy", "connected"))

    def test_integration_guide_flow(self):
        # Create person EMP001 with a Bearer key.
        response, payload = self.api(
            "POST",
            "/persons",
            {
                "person_id": "EMP001",
                "name": "Kofi Annan",
                "email": "kofi@example.com",
                "department": "Diplomacy",
                "position": "Secretary-General",
            },
            bearer=True,
        )
        self.assertEqual(response.status_code, 201, payload)
        self.assertTrue(payload["success"])
        self.assertEqual(payload["data"]["department"], "Diplomacy")
        # Register a real face, base64-encoded.
        image = base64.b64encode(face_photo("Kofi_Annan", 1)).decode()
        response, payload = self.api(
            "POST", "/persons/EMP001/register-face", {"image": image, "force_update": False}, bearer=True
        )
        self.assertEqual(response.status_code, 201, payload)
        self.assertEqual(payload["data"]["total_faces"], 1)
        # A data URL works too, and a multipart upload.
        response, payload = self.api(
            "POST",
            "/persons/EMP001/register-face",
            {"image": "data:image/jpeg;base64," + base64.b64encode(face_photo("Kofi_Annan", 2)).decode()},
        )
        self.assertEqual(payload["data"]["total_faces"], 2)
        response, payload = self.api(
            "POST",
            "/persons/EMP001/register-face",
            files={"file": ("k.jpg", face_photo("Kofi_Annan", 3), "image/jpeg")},
        )
        self.assertEqual(payload["data"]["total_faces"], 3, payload)
        # Check in, then pull today's attendance.
        response, payload = self.api(
            "POST", "/attendance/mark", {"person_id": "EMP001", "marked_by": "manual", "notes": "desk"}
        )
        self.assertEqual(response.status_code, 201, payload)
        today = datetime.utcnow().date().isoformat()
        response, payload = self.api(
            "GET",
            "/attendance?start_date=%s&end_date=%s&limit=1000"
            % (
                (datetime.utcnow() - timedelta(days=1)).date().isoformat(),
                (datetime.utcnow() + timedelta(days=1)).date().isoformat(),
            ),
        )
        names = [r["person_name"] for r in payload["data"]["records"]]
        self.assertIn("Kofi Annan", names)
        record = payload["data"]["records"][names.index("Kofi Annan")]
        self.assertTrue(record["check_in"].endswith("Z"))
        self.assertEqual(record["status"], "checked_in")
        self.assertTrue(today)
        # Every change left a log line with the key and the address.
        logs = self.env["face.system.log"].search(
            [("category", "=", "api"), ("action", "in", ("person.create", "face.register", "attendance.mark"))]
        )
        self.assertEqual(len(logs), 5)
        self.assertTrue(all(log.api_key_name and log.address for log in logs))

    def test_register_face_refusals(self):
        self.api("POST", "/persons", {"person_id": "EMP002", "name": "Someone"})
        cases = [
            ({"image": base64.b64encode(b"not an image at all").decode()}, 422, "NOT_AN_IMAGE"),
            ({"image": base64.b64encode(face_photo("Carlos_Menem", 3)).decode()}, 422, "SEVERAL_FACES"),
            ({"image": side_by_side_b64(("Hugo_Chavez", 1), ("Kofi_Annan", 1)).decode()}, 422, "SEVERAL_FACES"),
            ({"image": "***"}, 400, "VALIDATION_ERROR"),
            ({"image": 42}, 400, "VALIDATION_ERROR"),
            ({"picture": "x"}, 400, "VALIDATION_ERROR"),
        ]
        for body, status, code in cases:
            with self.subTest(code=code, body=str(body)[:40]):
                response, payload = self.api("POST", "/persons/EMP002/register-face", body)
                self.assertError(response, payload, status, code)
        # An unknown person: 404 before the photo is decoded (the body itself is well formed).
        response, payload = self.api("POST", "/persons/NOBODY/register-face", {"image": "aGk="})
        self.assertError(response, payload, 404, "NOT_FOUND")

    def test_register_face_notes_ignored_bystanders(self):
        self.api("POST", "/persons", {"person_id": "EMP003", "name": "Gordon Brown"})
        response, payload = self.api(
            "POST",
            "/persons/EMP003/register-face",
            {"image": base64.b64encode(face_photo(*DOMINANT_WITH_BYSTANDER)).decode()},
        )
        self.assertEqual(response.status_code, 201, payload)
        self.assertEqual(
            payload["data"]["note"],
            "1 smaller face(s) in the background were ignored; the largest face was enrolled.",
        )
        self.assertEqual(payload["data"]["total_faces"], 1)
        # A photo of one face: no note.
        response, payload = self.api(
            "POST",
            "/persons/EMP003/register-face",
            files={"file": ("g.jpg", face_photo("Gordon_Brown", 1), "image/jpeg")},
        )
        self.assertEqual(response.status_code, 201, payload)
        self.assertNotIn("note", payload["data"])
        # The document describes the note, as optional.
        response, spec = self.api("GET", "/openapi.json", key="")
        answer = spec["paths"]["/persons/{person_id}/register-face"]["post"]["responses"]["201"]
        envelope = answer["content"]["application/json"]["schema"]
        envelope = spec["components"]["schemas"][envelope["$ref"].rsplit("/", 1)[-1]]
        data = envelope["properties"]["data"]
        data = spec["components"]["schemas"][data["$ref"].rsplit("/", 1)[-1]] if "$ref" in data else data
        self.assertIn("note", data["properties"])
        self.assertNotIn("note", data["required"])

    def test_errors(self):
        response, payload = self.api("GET", "/persons", key="")
        self.assertError(response, payload, 401, "UNAUTHORIZED")
        response, payload = self.api("GET", "/persons", key="fa_deadbeef_wrongsecret")
        self.assertError(response, payload, 401, "UNAUTHORIZED")
        response, payload = self.api("POST", "/persons", {"person_id": "X1", "name": "x"}, key=self.reader_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")
        response, payload = self.api(
            "POST", "/persons", raw='{"person_id": ', headers={"Content-Type": "application/json"}
        )
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("POST", "/persons", {"person_id": "X1"})
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        self.assertEqual(payload["error"]["details"]["missing_fields"], ["name"])
        response, payload = self.api("POST", "/persons", {"person_id": "X1", "name": "x", "shoe_size": 44})
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("POST", "/persons", {"person_id": 7, "name": "x"})
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        self.api("POST", "/persons", {"person_id": "X1", "name": "x"})
        response, payload = self.api("POST", "/persons", {"person_id": "X1", "name": "again"})
        self.assertError(response, payload, 409, "CONFLICT")
        response, payload = self.api("GET", "/persons/UNKNOWN")
        self.assertError(response, payload, 404, "NOT_FOUND")
        response, payload = self.api("GET", "/attendance?start_date=2026-13-01")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("GET", "/persons?limit=abc")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")

    def test_expired_and_revoked_keys(self):
        Key = self.env["face.api.key"]
        expired, expired_secret = Key._generate(
            "old", self.manager, "*", expires_at=datetime.utcnow() - timedelta(days=1)
        )
        revoked, revoked_secret = Key._generate("gone", self.manager, "*")
        revoked.action_revoke()
        for secret, word in ((expired_secret, "expired"), (revoked_secret, "revoked")):
            response, payload = self.api("GET", "/persons", key=secret)
            self.assertError(response, payload, 401, "UNAUTHORIZED")
            self.assertIn(word, payload["error"]["message"])

    def test_rate_limit(self):
        key, secret = self.env["face.api.key"]._generate("tight", self.manager, "*")
        key.rate_limit_per_minute = 3
        statuses = [self.api("GET", "/persons", key=secret)[0] for _ in range(4)]
        self.assertEqual([r.status_code for r in statuses], [200, 200, 200, 429])
        self.assertTrue(int(statuses[-1].headers["Retry-After"]) > 0)

    def test_persons_paging_and_filters(self):
        for n in range(5):
            self.api(
                "POST",
                "/persons",
                {"person_id": "P%02d" % n, "name": "Paged %d" % n, "department": "Ops" if n % 2 else "Sales"},
            )
        response, payload = self.api("GET", "/persons?search=Paged&limit=2&offset=1")
        self.assertEqual(payload["data"]["total"], 5)
        self.assertEqual([p["person_id"] for p in payload["data"]["persons"]], ["P01", "P02"])
        response, payload = self.api("GET", "/persons?search=Paged&department=Ops")
        self.assertEqual(payload["data"]["total"], 2)
        self.api("DELETE", "/persons/P00")
        response, payload = self.api("GET", "/persons?search=Paged&status=inactive")
        self.assertEqual([p["person_id"] for p in payload["data"]["persons"]], ["P00"])
        response, payload = self.api("PUT", "/persons/P01", {"position": "Lead", "email": "p1@example.com"})
        self.assertEqual((payload["data"]["position"], payload["data"]["email"]), ("Lead", "p1@example.com"))

    def test_events_share_the_xmlrpc_ingestion(self):
        employee = self.env["hr.employee"].create({"name": "Event Person", "person_ref": "EV1"})
        camera = self.env["face.camera"].create(
            {"name": "Api cam", "source_type": "file", "source": "x", "direction": "entry"}
        )
        when = (datetime.utcnow() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
        batch = {"events": [{"event_id": "api-ev-1", "camera_id": camera.id, "timestamp": when, "person_id": "EV1"}]}
        response, payload = self.api("POST", "/events", batch)
        self.assertEqual(payload["data"]["results"][0]["outcome"], "checked_in", payload)
        response, payload = self.api("POST", "/events", batch)
        self.assertEqual(payload["data"]["results"][0]["status"], "exists")
        self.assertEqual(self.env["hr.attendance"].search_count([("employee_id", "=", employee.id)]), 1)

    def test_events_batch_is_declared(self):
        """The batch's model refuses the batch as a whole only for what is not a batch; each event is
        judged by the ingestion (a bad one is answered invalid), and too many is a body too large."""
        response, payload = self.api("POST", "/events", {"events": []})
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("POST", "/events", {"events": [{}], "extra": 1})
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        self.assertEqual(payload["error"]["details"]["unknown_fields"], ["extra"])
        response, payload = self.api("POST", "/events", {"events": [{"event_id": "x"}, "not an event"]})
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual([r["status"] for r in payload["data"]["results"]], ["invalid", "invalid"])
        self.assertEqual((payload["data"]["received"], payload["data"]["created"]), (2, 0))
        self.assertEqual(payload["data"]["results"][1]["event_id"], None)
        response, payload = self.api("POST", "/events", {"events": [{}] * 1001})
        self.assertError(response, payload, 413, "PAYLOAD_TOO_LARGE")
        # The older form, a bare list of events, is still a batch; a bare string is no body.
        response, payload = self.api("POST", "/events", [{"event_id": "bare-1"}])
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual(payload["data"]["received"], 1)
        response, payload = self.api("POST", "/events", "events")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")

    def test_config_keys_logs_status(self):
        response, payload = self.api("POST", "/config", {"key": "duplicate_window_minutes", "value": 7})
        self.assertEqual(payload["data"]["value"], 7, payload)
        response, payload = self.api("POST", "/config", {"key": "duplicate_window_minutes", "value": "soon"})
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        self.assertEqual(payload["error"]["details"]["field"], "value")
        response, payload = self.api("POST", "/config", {"key": "no_such_setting", "value": 1})
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        self.assertEqual(payload["error"]["details"]["field"], "key")
        # The setting's own parser reads the value (as it always did), within the setting's range.
        response, payload = self.api("POST", "/config", {"key": "duplicate_window_minutes", "value": "8"})
        self.assertEqual(payload["data"], {"key": "duplicate_window_minutes", "value": 8}, payload)
        for value in (None, "", 1441, -1, True):
            response, payload = self.api("POST", "/config", {"key": "duplicate_window_minutes", "value": value})
            self.assertError(response, payload, 400, "VALIDATION_ERROR")
            self.assertEqual(payload["error"]["details"]["field"], "value", (value, payload))
        self.assertEqual(self.env["face.attendance.config"]._get("duplicate_window_minutes"), 8)
        response, payload = self.api("GET", "/config")
        self.assertIn("duplicate_window_minutes", [s["key"] for s in payload["data"]["settings"]])
        response, payload = self.api("GET", "/keys")
        self.assertTrue(payload["data"]["keys"])
        self.assertNotIn(self.secret, response.text)
        self.assertNotIn("hash", response.text)
        response, payload = self.api("GET", "/logs?category=api&limit=5")
        self.assertTrue(payload["success"])
        response, payload = self.api("GET", "/status")
        self.assertIn("cameras", payload["data"])
