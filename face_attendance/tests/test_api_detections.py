from datetime import datetime, timedelta

from odoo.tests import new_test_user, tagged

from .common import ApiCase, face_b64, stranger_photo


@tagged("post_install", "-at_install", "face_attendance")
class TestApiDetections(ApiCase):
    """/detections/*: the events' history, frames pushed by a provider, the providers' configuration."""

    def setUp(self):
        super().setUp()
        Key = self.env["face.api.key"]
        self.kofi = self.env["hr.employee"].create({"name": "Kofi Annan", "person_ref": "DET-KOFI", "tz": "UTC"})
        self.env["face.template"].create(
            [{"employee_id": self.kofi.id, "image": face_b64("Kofi_Annan", n)} for n in (1, 2, 3)]
        )
        self.device = new_test_user(
            self.env, login="fa_det_device", groups="face_attendance.group_face_attendance_device"
        )
        daemon = self.env["face.daemon"].create({"name": "det-daemon", "user_id": self.device.id})
        Camera = self.env["face.camera"]
        self.camera = Camera.create(
            {"name": "Lobby", "source_type": "file", "source": "x", "direction": "entry", "daemon_id": daemon.id}
        )
        self.foreign_camera = Camera.create({"name": "Yard", "source_type": "file", "source": "x", "direction": "exit"})
        self.provider_key, self.provider_secret = Key._generate("nvr", self.device, "events:write config:read")
        self.provider = self.env["face.detection.provider"].create(
            {"name": "NVR analytics", "api_key_id": self.provider_key.id, "endpoint": "https://nvr.example/detect"}
        )
        self.user = new_test_user(
            self.env, login="fa_det_user", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        _key, self.user_secret = Key._generate("ops", self.user, "attendance:read config:read config:write")

    def send(self, image_b64, key=None, **extra):
        body = dict({"cameraId": self.camera.id, "image": image_b64}, **extra)
        return self.api("POST", "/detections/send-frame", body, key=key or self.provider_secret)

    def test_send_frame_is_recognised_and_recorded_once(self):
        image = face_b64("Kofi_Annan", 5).decode()
        response, payload = self.send(image, frameId="f-0001")
        self.assertEqual(response.status_code, 200, payload)
        data = payload["data"]
        self.assertEqual((data["jobId"], data["status"], data["count"]), ("f-0001", "processed", 1))
        # A device does not read persons: the face is not named to it, yet its event is the person's.
        self.assertEqual(data["faces"][0]["person_id"], None)
        self.assertEqual(data["events"][0]["status"], "created")
        self.assertEqual(data["faces"][0]["outcome"], "checked_in")
        self.assertEqual(data["providerId"], self.provider.id)
        event = self.env["face.recognition.event"].search([("event_uid", "=", data["events"][0]["event_id"])])
        self.assertEqual((event.source, event.camera_id, event.employee_id), ("frame", self.camera, self.kofi))
        attendance = self.env["hr.attendance"].search([("employee_id", "=", self.kofi.id)])
        self.assertEqual((len(attendance), attendance.face_camera_id, attendance.in_mode), (1, self.camera, "face"))
        self.assertEqual(attendance, event.attendance_id)
        # The same frame again: nothing new.
        response, payload = self.send(image, frameId="f-0001")
        self.assertEqual(payload["data"]["events"][0]["status"], "exists", payload)
        self.assertEqual(self.env["face.recognition.event"].search_count([("employee_id", "=", self.kofi.id)]), 1)
        self.provider.invalidate_recordset()
        self.assertEqual(self.provider.frame_count, 2)
        self.assertEqual(self.provider.status, "connected")
        self.assertTrue(self.env["face.system.log"].search([("action", "=", "frame.mark")]))
        # A stranger makes an unknown event; the history shows both, newest first, with the plan's status.
        response, payload = self.send(
            __import__("base64").b64encode(stranger_photo("Aaron_Pena")).decode(), frameId="f-0002"
        )
        self.assertEqual(payload["data"]["faces"][0]["outcome"], "unknown", payload)
        response, payload = self.api("GET", "/detections/events?cameraId=%d&pageSize=1" % self.camera.id)
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual(payload["meta"], {"page": 1, "pageSize": 1, "total": 2, "totalPages": 2})
        response, payload = self.api("GET", "/detections/events?cameraId=%d&status=processed" % self.camera.id)
        self.assertEqual(len(payload["data"]), 1, payload)
        item = payload["data"][0]
        self.assertEqual((item["status"], item["cameraName"]), ("processed", "Lobby"))
        self.assertEqual((item["payload"]["personId"], item["payload"]["outcome"]), ("DET-KOFI", "checked_in"))
        self.assertIsInstance(item["latencyMs"], int)
        response, payload = self.api("GET", "/detections/events?status=unknown&cameraId=%d" % self.camera.id)
        self.assertEqual([i["payload"]["personId"] for i in payload["data"]], [None])

    def test_send_frame_refusals(self):
        image = face_b64("Kofi_Annan", 5).decode()
        # A camera of another daemon is not the device's to send for.
        response, payload = self.send(image, cameraId=self.foreign_camera.id)
        self.assertError(response, payload, 404, "NOT_FOUND")
        response, payload = self.send(image, cameraId=99999999)
        self.assertError(response, payload, 404, "NOT_FOUND")
        response, payload = self.send("bm90IGFuIGltYWdl")
        self.assertError(response, payload, 422, "NOT_AN_IMAGE")
        response, payload = self.send("***")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.send(image, frameId="bad id/with spaces")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.send(image, timestamp="yesterday")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.send(image, camera_id=1)
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("POST", "/detections/send-frame", {"image": image}, key=self.provider_secret)
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        # Scope, then the sender's rights: a Face Attendance user may not record sightings.
        response, payload = self.send(image, key=self.user_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")
        _key, user_writer = self.env["face.api.key"]._generate("w", self.user, "events:write")
        response, payload = self.send(image, key=user_writer)
        self.assertError(response, payload, 403, "FORBIDDEN")
        self.provider.enabled = False
        response, payload = self.send(image)
        self.assertError(response, payload, 409, "CONFLICT")
        self.assertFalse(self.env["face.recognition.event"].search([("employee_id", "=", self.kofi.id)]))
        # A manager may send for any camera of the company (as with /events).
        response, payload = self.send(image, key=self.secret, cameraId=self.foreign_camera.id)
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual(payload["data"]["providerId"], None)

    def test_events_filters_and_companies(self):
        Event = self.env["face.recognition.event"]
        now = datetime.utcnow().replace(microsecond=0)
        Event.ingest_events(
            [
                {"event_id": "h-1", "camera_id": self.camera.id, "timestamp": (now - timedelta(days=2)).isoformat()},
                {
                    "event_id": "h-2",
                    "camera_id": self.foreign_camera.id,
                    "timestamp": (now - timedelta(hours=1)).isoformat(),
                    "person_id": "DET-KOFI",
                    "confidence": 0.8,
                },
            ]
        )
        other = self.env["res.company"].create({"name": "Other Co"})
        other_camera = self.env["face.camera"].create(
            {"name": "Elsewhere", "source_type": "file", "source": "x", "company_id": other.id}
        )
        Event.with_context(allowed_company_ids=[other.id]).ingest_events(
            [{"event_id": "h-3", "camera_id": other_camera.id, "timestamp": now.isoformat()}]
        )
        response, payload = self.api("GET", "/detections/events", key=self.user_secret)
        self.assertEqual([i["eventId"] for i in payload["data"]], ["h-2", "h-1"], payload)
        self.assertEqual(payload["data"][1]["status"], "unknown")
        self.assertEqual(payload["data"][0]["payload"]["confidence"], 0.8)
        day = (now - timedelta(days=2)).date().isoformat()
        response, payload = self.api("GET", "/detections/events?from=%s&to=%s" % (day, day), key=self.user_secret)
        self.assertEqual([i["eventId"] for i in payload["data"]], ["h-1"], payload)
        response, payload = self.api(
            "GET", "/detections/events?from=%s" % (now - timedelta(hours=2)).isoformat(), key=self.user_secret
        )
        self.assertEqual([i["eventId"] for i in payload["data"]], ["h-2"], payload)
        for bad in (
            "status=done",
            "cameraId=x",
            "from=yesterday",
            "page=0",
            "pageSize=500",
        ):
            response, payload = self.api("GET", "/detections/events?" + bad, key=self.user_secret)
            self.assertError(response, payload, 400, "VALIDATION_ERROR")
        # Each bound as documented, in the wrong order: a rule the document cannot say.
        response, payload = self.api("GET", "/detections/events?from=2026-02-02&to=2026-01-01", key=self.user_secret)
        self.assertError(response, payload, 422, "UNPROCESSABLE")
        _key, no_read = self.env["face.api.key"]._generate("cfg", self.user, "config:read")
        response, payload = self.api("GET", "/detections/events", key=no_read)
        self.assertError(response, payload, 403, "FORBIDDEN")

    def test_provider_configuration(self):
        # The provider's own key sees its own configuration, endpoint included, never a secret.
        response, payload = self.api("GET", "/detections/provider/config", key=self.provider_secret)
        self.assertEqual(response.status_code, 200, payload)
        data = payload["data"]
        self.assertEqual(data["apiKey"], "fa_%s_***" % self.provider_key.prefix)
        self.assertNotIn(self.provider_secret, response.text)
        self.assertEqual((data["providerName"], data["endpoint"]), ("NVR analytics", "https://nvr.example/detect"))
        self.assertIn(data["status"], ("connected", "offline"))
        # A Face Attendance user sees the company's default provider, without its endpoint.
        response, payload = self.api("GET", "/detections/provider/config", key=self.user_secret)
        self.assertEqual((payload["data"]["id"], payload["data"]["endpoint"]), (self.provider.id, None), payload)
        # Only managers change it.
        response, payload = self.api("PUT", "/detections/provider/config", {"enabled": False}, key=self.user_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")
        response, payload = self.api(
            "PUT", "/detections/provider/config", {"providerName": "Lobby NVR", "enabled": False}
        )
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual((payload["data"]["providerName"], payload["data"]["status"]), ("Lobby NVR", "offline"))
        self.assertFalse(self.provider.enabled)
        self.assertTrue(self.env["face.system.log"].search([("action", "=", "provider.update")]))
        for body, status in (
            ({"endpoint": "file:///etc/passwd"}, 422),
            ({"color": "red"}, 400),
            ({}, 400),
            ({"apiKeyId": 99999999}, 404),
            ({"enabled": None}, 400),
        ):
            response, payload = self.api("PUT", "/detections/provider/config", body)
            self.assertEqual(response.status_code, status, (body, payload))
        # A key without events:write cannot be a provider's.
        response, payload = self.api("PUT", "/detections/provider/config", {"apiKeyId": self.reader_key.id})
        self.assertError(response, payload, 422, "UNPROCESSABLE")
        # Health: from what Odoo saw, never by calling the endpoint.
        response, payload = self.api("POST", "/detections/test-provider", key=self.provider_secret)
        self.assertEqual(payload["data"]["status"], "offline", payload)
        self.assertEqual(payload["data"]["message"], "Provider disabled.")
        self.provider.enabled = True
        self.provider._record_frame(120.0)
        self.provider._record_frame(220.0)
        response, payload = self.api("POST", "/detections/test-provider", key=self.provider_secret)
        self.assertEqual((payload["data"]["status"], payload["data"]["latencyMs"]), ("connected", 140.0), payload)
        self.provider._record_error("NOT_AN_IMAGE: broken frame")
        response, payload = self.api("POST", "/detections/test-provider", key=self.user_secret)
        self.assertEqual(payload["data"]["status"], "degraded", payload)
        self.assertIn("broken frame", payload["data"]["message"])

    def test_declared_input_names_its_field(self):
        for path, field, status in (
            ("/detections/events?from=2026-02-02&to=2026-01-01", "to", 422),
            ("/detections/events?from=2026-02-31", "from", 400),
            ("/detections/events?to=soon", "to", 400),
            ("/detections/events?cameraId=0", "cameraId", 400),
        ):
            response, payload = self.api("GET", path, key=self.user_secret)
            self.assertEqual(response.status_code, status, payload)
            self.assertEqual(payload["error"]["details"]["field"], field, payload)
        for body, field in (({"providerName": "  "}, "providerName"), ({"enabled": "yes"}, "enabled")):
            response, payload = self.api("PUT", "/detections/provider/config", body)
            self.assertError(response, payload, 400, "VALIDATION_ERROR")
            self.assertEqual(payload["error"]["details"]["field"], field, payload)
        response, payload = self.api("PUT", "/detections/provider/config", {})
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        self.assertIn("at least one of providerName", payload["error"]["message"])
        # Optional fields sent as null are absent, as before the declaration.
        response, payload = self.send(face_b64("Kofi_Annan", 5).decode(), frameId=None, timestamp=None, liveness=None)
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual(payload["data"]["events"][0]["status"], "created", payload)

    def test_provider_of_another_company_is_not_shown(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        manager = new_test_user(
            self.env,
            login="fa_det_other_manager",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_id=other.id,
            company_ids=[(6, 0, [other.id])],
        )
        _key, secret = self.env["face.api.key"]._generate("other", manager, "*", company=other)
        response, payload = self.api("GET", "/detections/provider/config", key=secret)
        self.assertError(response, payload, 404, "NOT_FOUND")
        response, payload = self.api(
            "PUT", "/detections/provider/config", {"apiKeyId": self.provider_key.id}, key=secret
        )
        self.assertError(response, payload, 404, "NOT_FOUND")
        response, payload = self.api("POST", "/detections/test-provider", key=secret)
        self.assertError(response, payload, 404, "NOT_FOUND")
