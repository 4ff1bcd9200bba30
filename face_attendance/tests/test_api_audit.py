"""GET /audit (system log + attendance chatter) and GET /history/person/{id} over real HTTP."""

from datetime import datetime

from odoo.tests import new_test_user, tagged

from .common import ApiCase


@tagged("post_install", "-at_install", "face_attendance")
class TestApiAudit(ApiCase):
    def setUp(self):
        super().setUp()
        response, payload = self.api("POST", "/persons", {"person_id": "AUD-1", "name": "Audrey Audit"})
        self.assertEqual(response.status_code, 201, payload)
        self.api("PUT", "/persons/AUD-1", {"position": "Guard"})
        self.employee = self.env["hr.employee"].search([("person_ref", "=", "AUD-1")])
        # A change made by a person in Odoo: hr.attendance's own tracking records it.
        Attendance = self.env["hr.attendance"].with_user(self.manager)
        self.attendance = Attendance.create({"employee_id": self.employee.id, "check_in": datetime(2026, 11, 18, 8, 0)})
        self.env.flush_all()
        # Tracking folds changes into the creation within one transaction: end the creation's first.
        self.env.cr.precommit.run()
        self.attendance.write({"check_out": datetime(2026, 11, 18, 16, 0)})
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.camera = self.env["face.camera"].create(
            {"name": "Audit cam", "source_type": "file", "source": "x", "direction": "entry"}
        )
        self.env["face.recognition.event"].create(
            {
                "event_uid": "aud-ev-1",
                "camera_id": self.camera.id,
                "sighted_at": datetime(2026, 11, 18, 7, 59),
                "employee_id": self.employee.id,
                "outcome": "checked_in",
                "confidence": 0.91,
                "attendance_id": self.attendance.id,
            }
        )
        self.env["face.recognition.event"].create(
            {
                "event_uid": "aud-ev-2",
                "camera_id": self.camera.id,
                "sighted_at": datetime(2026, 11, 18, 16, 30),
                "employee_id": self.employee.id,
                "outcome": "duplicate",
            }
        )

    def other_company_key(self):
        other = self.env["res.company"].create({"name": "Audit Other Co"})
        boss = new_test_user(
            self.env,
            login="fa_audit_other",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_id=other.id,
            company_ids=[(6, 0, [other.id])],
        )
        return self.env["face.api.key"]._generate("other", boss, "*", company=other)[1]

    def test_audit_merges_log_and_attendance_changes(self):
        response, payload = self.api("GET", "/audit?pageSize=200")
        self.assertEqual(response.status_code, 200, payload)
        items = payload["data"]
        stamps = [item["timestamp"] for item in items]
        self.assertEqual(stamps, sorted(stamps, reverse=True))
        self.assertEqual({item["source"] for item in items}, {"log", "attendance"})
        create = next(item for item in items if item["action"] == "person.create")
        self.assertEqual((create["entity"], create["entityId"]), ("hr.employee", self.employee.id))
        self.assertEqual((create["user"], create["ipAddress"]), ("fa_api_manager", "127.0.0.1"))
        response, payload = self.api("GET", "/audit?source=attendance&action=attendance.update")
        update = payload["data"][0]
        self.assertEqual((update["entity"], update["entityId"]), ("hr.attendance", self.attendance.id), payload)
        self.assertEqual(update["user"], "fa_api_manager")
        self.assertEqual(update["details"]["personId"], "AUD-1")
        self.assertIn("check_out", [change["field"] for change in update["details"]["changes"]])

    def test_audit_filters_and_paging(self):
        response, payload = self.api("GET", "/audit?action=person")
        self.assertEqual({item["action"] for item in payload["data"]}, {"person.create", "person.update"}, payload)
        response, payload = self.api("GET", "/audit?entity=person&entityId=%d&source=log" % self.employee.id)
        self.assertEqual(payload["meta"]["total"], 2, payload)
        response, payload = self.api("GET", "/audit?entity=attendance&entityId=%d" % self.attendance.id)
        self.assertTrue(payload["data"])
        self.assertTrue(all(item["source"] == "attendance" for item in payload["data"]), payload)
        response, payload = self.api("GET", "/audit?user=fa_api_manager&search=AUD-1%20created")
        self.assertEqual({item["action"] for item in payload["data"]}, {"person.create"}, payload)
        response, payload = self.api("GET", "/audit?user=nobody-at-all")
        self.assertEqual(payload["meta"]["total"], 0)
        response, payload = self.api("GET", "/audit?from=2999-01-01")
        self.assertEqual(payload["meta"]["total"], 0)
        response, payload = self.api("GET", "/audit?to=2000-01-01T00:00:00Z")
        self.assertEqual(payload["meta"]["total"], 0)
        response, all_items = self.api("GET", "/audit?pageSize=200")
        total = all_items["meta"]["total"]
        self.assertGreaterEqual(total, 4)
        response, payload = self.api("GET", "/audit?page=2&pageSize=1")
        self.assertEqual(payload["data"], all_items["data"][1:2])
        self.assertEqual(payload["meta"]["totalPages"], total)
        response, payload = self.api("GET", "/audit?page=9999&pageSize=200")
        self.assertEqual(payload["data"], [])
        for query, field in (
            ("from=yesterday", "from"),
            ("to=2026-02-30", "to"),
            ("source=mail", "source"),
            ("page=0", "page"),
            ("entityId=abc&entity=person", "entityId"),
            ("search=" + "x" * 257, "search"),
        ):
            response, payload = self.api("GET", "/audit?" + query)
            self.assertError(response, payload, 400, "VALIDATION_ERROR")
            self.assertEqual(payload["error"]["details"]["field"], field, (query, payload))
        # entityId alone is as documented; that it needs entity is a rule the document cannot say.
        response, payload = self.api("GET", "/audit?entityId=3")
        self.assertError(response, payload, 422, "UNPROCESSABLE")
        self.assertEqual(payload["error"]["details"]["field"], "entityId")
        response, payload = self.api("GET", "/audit", key=self.reader_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")

    def test_other_company_sees_nothing(self):
        key = self.other_company_key()
        response, payload = self.api("GET", "/audit?pageSize=200", key=key)
        self.assertEqual(response.status_code, 200, payload)
        self.assertFalse(
            [item for item in payload["data"] if "AUD-1" in item["message"] or item["source"] == "attendance"]
        )
        response, payload = self.api("GET", "/history/person/AUD-1", key=key)
        self.assertError(response, payload, 404, "NOT_FOUND")

    def test_person_history(self):
        response, payload = self.api("GET", "/history/person/AUD-1?pageSize=200")
        self.assertEqual(response.status_code, 200, payload)
        items = payload["data"]
        stamps = [item["timestamp"] for item in items]
        self.assertEqual(stamps, sorted(stamps, reverse=True))
        self.assertEqual({item["type"] for item in items}, {"sighting", "attendance", "change"})
        sightings = [item for item in items if item["type"] == "sighting"]
        self.assertEqual([s["outcome"] for s in sightings], ["duplicate", "checked_in"])
        self.assertEqual((sightings[1]["cameraName"], sightings[1]["attendanceId"]), ("Audit cam", self.attendance.id))
        # The check-in sighting (07:59) comes after the attendance (08:00) in newest-first order.
        order = [(item["type"], item["timestamp"]) for item in items if item["type"] != "change"]
        self.assertEqual(
            order,
            [
                ("sighting", "2026-11-18T16:30:00Z"),
                ("attendance", "2026-11-18T08:00:00Z"),
                ("sighting", "2026-11-18T07:59:00Z"),
            ],
        )
        changes = [item["change"]["action"] for item in items if item["type"] == "change"]
        self.assertIn("person.create", changes)
        self.assertIn("attendance.update", changes)
        response, payload = self.api("GET", "/history/person/AUD-1?type=sighting&from=2026-11-18T12:00:00Z")
        self.assertEqual([item["outcome"] for item in payload["data"]], ["duplicate"], payload)
        response, payload = self.api("GET", "/history/person/AUD-1?type=attendance&to=2026-11-17")
        self.assertEqual(payload["meta"]["total"], 0)
        response, payload = self.api("GET", "/history/person/AUD-1?type=sighting&pageSize=1&page=2")
        self.assertEqual([item["outcome"] for item in payload["data"]], ["checked_in"])
        response, payload = self.api("GET", "/history/person/NOBODY")
        self.assertError(response, payload, 404, "NOT_FOUND")
        response, payload = self.api("GET", "/history/person/AUD-1?type=gossip")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("GET", "/history/person/AUD-1", key=self.reader_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")
