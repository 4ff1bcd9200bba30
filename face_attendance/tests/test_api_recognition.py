import base64
from datetime import datetime, timedelta

from odoo.tests import tagged

from .common import ApiCase, face_b64, face_photo, stranger_photo


@tagged("post_install", "-at_install", "face_attendance")
class TestApiRecognition(ApiCase):
    """/recognize runs the engine inside Odoo; /detections/live reads the latest sightings."""

    def setUp(self):
        super().setUp()
        self.kofi = self.env["hr.employee"].create({"name": "Kofi Annan", "person_ref": "REC-KOFI"})
        self.env["face.template"].create(
            [{"employee_id": self.kofi.id, "image": face_b64("Kofi_Annan", n)} for n in (1, 2, 3)]
        )
        self.camera = self.env["face.camera"].create(
            {"name": "Front door", "source_type": "file", "source": "x", "direction": "entry"}
        )

    def recognize(self, image_bytes, **extra):
        return self.api("POST", "/recognize", dict({"image": base64.b64encode(image_bytes).decode()}, **extra))

    def test_recognizes_an_enrolled_person_and_not_a_stranger(self):
        response, payload = self.recognize(face_photo("Kofi_Annan", 5))
        self.assertEqual(response.status_code, 200, payload)
        faces = payload["data"]["faces"]
        self.assertEqual(len(faces), 1)
        self.assertEqual(faces[0]["person_id"], "REC-KOFI")
        self.assertGreater(faces[0]["confidence"], 0.5)
        self.assertGreater(faces[0]["box"]["width"], 40)
        self.assertFalse(payload["data"]["attendance_marked"])
        self.assertFalse(self.env["face.recognition.event"].search([("employee_id", "=", self.kofi.id)]))
        response, payload = self.recognize(stranger_photo("Aaron_Pena"))
        self.assertEqual(payload["data"]["count"], 1)
        self.assertIsNone(payload["data"]["faces"][0]["person_id"])
        self.assertIsNone(payload["data"]["faces"][0]["confidence"])

    def test_several_faces_are_all_reported(self):
        response, payload = self.recognize(face_photo("Carlos_Menem", 3))
        self.assertGreaterEqual(payload["data"]["count"], 2, payload)

    def test_mark_attendance_goes_through_the_event_path(self):
        response, payload = self.recognize(face_photo("Kofi_Annan", 4), camera_id=self.camera.id, mark_attendance=True)
        face = payload["data"]["faces"][0]
        self.assertEqual(face["outcome"], "checked_in", payload)
        event = self.env["face.recognition.event"].search([("event_uid", "=", face["event_id"])])
        self.assertEqual(
            (event.source, event.employee_id, event.attendance_id.id), ("recognize", self.kofi, face["attendance_id"])
        )
        self.assertEqual(event.attendance_id.in_mode, "face")
        # Inside the duplicate window: recorded, changes nothing. (Both sightings fall in the same
        # second; ties are broken by event id, so either one may be the check-in.)
        response, payload = self.recognize(face_photo("Kofi_Annan", 6), camera_id=self.camera.id, mark_attendance=True)
        events = self.env["face.recognition.event"].search([("employee_id", "=", self.kofi.id)])
        self.assertEqual(sorted(events.mapped("outcome")), ["checked_in", "duplicate"])
        self.assertEqual(self.env["hr.attendance"].search_count([("employee_id", "=", self.kofi.id)]), 1)
        # The live feed shows the sightings, newest first, and filters by camera.
        response, payload = self.api("GET", "/detections/live?cameraId=%d&limit=5" % self.camera.id)
        detections = payload["data"]["detections"]
        self.assertEqual(sorted(d["outcome"] for d in detections), ["checked_in", "duplicate"], payload)
        self.assertEqual({d["person_id"] for d in detections}, {"REC-KOFI"})
        self.assertEqual(detections[0]["camera_name"], "Front door")
        response, payload = self.api("GET", "/detections/live?cameraId=%d" % (self.camera.id + 1000))
        self.assertEqual(payload["data"]["count"], 0)

    def test_refusals(self):
        response, payload = self.recognize(face_photo("Kofi_Annan", 4), mark_attendance=True)
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.recognize(b"plain text, not a picture")
        self.assertError(response, payload, 422, "NOT_AN_IMAGE")
        response, payload = self.recognize(face_photo("Kofi_Annan", 4), camera_id=999999)
        self.assertError(response, payload, 404, "NOT_FOUND")
        _key, recognize_only = self.env["face.api.key"]._generate("recognizer", self.manager, "recognize")
        response, payload = self.api(
            "POST",
            "/recognize",
            {"image": face_b64("Kofi_Annan", 4).decode(), "camera_id": self.camera.id, "mark_attendance": True},
            key=recognize_only,
        )
        self.assertError(response, payload, 403, "FORBIDDEN")
        response, payload = self.api(
            "POST", "/recognize", {"image": face_b64("Kofi_Annan", 4).decode()}, key=recognize_only
        )
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual(payload["data"]["faces"][0]["person_id"], "REC-KOFI")
        response, payload = self.api("GET", "/detections/live?limit=0")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("GET", "/detections/live?cameraId=abc")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")

    def test_archived_template_stops_matching(self):
        self.env["face.template"].search([("employee_id", "=", self.kofi.id)]).write({"active": False})
        response, payload = self.recognize(face_photo("Kofi_Annan", 5))
        self.assertIsNone(payload["data"]["faces"][0]["person_id"], payload)

    def test_live_feed_order_and_unknowns(self):
        Event = self.env["face.recognition.event"]
        now = datetime.utcnow()
        Event.ingest_events(
            [
                {
                    "event_id": "live-1",
                    "camera_id": self.camera.id,
                    "timestamp": (now - timedelta(minutes=3)).isoformat() + "Z",
                },
                {
                    "event_id": "live-2",
                    "camera_id": self.camera.id,
                    "timestamp": (now - timedelta(minutes=1)).isoformat() + "Z",
                    "person_id": "REC-KOFI",
                    "confidence": 0.9,
                },
            ]
        )
        response, payload = self.api("GET", "/detections/live?limit=2")
        detections = payload["data"]["detections"]
        self.assertEqual([d["event_id"] for d in detections], ["live-2", "live-1"])
        self.assertEqual((detections[1]["outcome"], detections[1]["person_id"]), ("unknown", None))
        self.assertEqual(detections[0]["confidence"], 0.9)


@tagged("post_install", "-at_install", "face_attendance")
class TestApiRecognitionLiveness(ApiCase):
    """``"liveness": true`` on /recognize: scores per face, and spoofs never marked, on real NUAA frames."""

    def setUp(self):
        from .test_face_kiosk import enrolment_frames, models_dir

        super().setUp()
        self.models = models_dir()
        self.env["face.attendance.config"].set("liveness_model_dir", self.models)
        self.subject = self.env["hr.employee"].create({"name": "Live Subject", "person_ref": "LIVE-0001"})
        for image in enrolment_frames():
            self.env["face.template"].create({"employee_id": self.subject.id, "image": image})
        self.camera = self.env["face.camera"].create(
            {"name": "Door", "source_type": "file", "source": "x", "direction": "entry"}
        )

    def recognize(self, image_bytes, **extra):
        return self.api("POST", "/recognize", dict({"image": base64.b64encode(image_bytes).decode()}, **extra))

    def test_scores_live_and_printed_faces(self):
        from .test_face_kiosk import frames

        response, payload = self.recognize(frames("real")[0], liveness=True)
        self.assertEqual(response.status_code, 200, payload)
        face = payload["data"]["faces"][0]
        self.assertEqual(face["person_id"], "LIVE-0001")
        self.assertTrue(face["liveness"]["live"], face)
        self.assertGreaterEqual(face["liveness"]["score"], payload["data"]["liveness_threshold"])
        self.assertTrue(payload["data"]["liveness_available"])
        response, payload = self.recognize(frames("attack")[0], liveness=True)
        face = payload["data"]["faces"][0]
        self.assertIs(face["liveness"]["live"], False, face)
        self.assertLess(face["liveness"]["score"], 0.5)
        # Not asked: no liveness work and no field.
        response, payload = self.recognize(frames("attack")[0])
        self.assertNotIn("liveness", payload["data"]["faces"][0])
        # The threshold is a setting.
        self.env["face.attendance.config"].set("liveness_threshold", 0.99)
        response, payload = self.recognize(frames("real")[0], liveness=True)
        self.assertEqual(payload["data"]["liveness_threshold"], 0.99)
        live = payload["data"]["faces"][0]["liveness"]
        self.assertIs(live["live"], live["score"] >= 0.99)

    def test_a_camera_that_enforces_liveness_gets_it_unasked(self):
        from .test_face_kiosk import frames

        self.camera.liveness_mode = "enforce"
        response, payload = self.recognize(frames("attack")[1], mark_attendance=True, camera_id=self.camera.id)
        face = payload["data"]["faces"][0]
        self.assertIs(face["liveness"]["live"], False)
        self.assertEqual(face["outcome"], "spoof", payload)

    def test_a_printed_face_marks_nothing_and_unavailable_is_never_live(self):
        from .test_face_kiosk import frames

        response, payload = self.recognize(
            frames("attack")[3], liveness=True, mark_attendance=True, camera_id=self.camera.id
        )
        face = payload["data"]["faces"][0]
        self.assertEqual(face["outcome"], "spoof", payload)
        event = self.env["face.recognition.event"].search([("event_uid", "=", face["event_id"])])
        self.assertEqual((event.outcome, event.liveness, event.attendance_id.id), ("spoof", "spoof", False))
        self.assertFalse(self.env["hr.attendance"].search([("employee_id", "=", self.subject.id)]))
        self.env["face.attendance.config"].set("liveness_model_dir", "/nonexistent/models")
        response, payload = self.recognize(
            frames("real")[0], liveness=True, mark_attendance=True, camera_id=self.camera.id
        )
        face = payload["data"]["faces"][0]
        self.assertEqual(face["liveness"], {"score": None, "live": None})
        self.assertFalse(payload["data"]["liveness_available"])
        self.assertEqual(face["outcome"], "rejected", payload)
        self.assertFalse(self.env["hr.attendance"].search([("employee_id", "=", self.subject.id)]))
        response, payload = self.recognize(
            frames("real")[0], liveness=True, mark_attendance=True, camera_id=self.camera.id
        )
        self.assertNotEqual(payload["data"]["faces"][0]["outcome"], "checked_in")
        # A live face with liveness available checks in.
        self.env["face.attendance.config"].set("liveness_model_dir", self.models)
        response, payload = self.recognize(
            frames("real")[2], liveness=True, mark_attendance=True, camera_id=self.camera.id
        )
        self.assertEqual(payload["data"]["faces"][0]["outcome"], "checked_in", payload)
