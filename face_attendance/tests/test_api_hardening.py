from datetime import datetime, timedelta

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..models.security_groups import FULL_ATTENDANCE_GROUP
from .common import ApiCase


@tagged("post_install", "-at_install", "face_attendance")
class TestApiHardening(ApiCase):
    """Second security pass over the REST API: days out of the calendar, the preferences' scope and
    person IDs as an oracle (issue 23, holes 10 to 12), numbers too large to be finite."""

    def setUp(self):
        super().setUp()
        Employee = self.env["hr.employee"]
        self.managed = Employee.create({"name": "Reachable Rita", "person_ref": "HARD-OWN"})
        other = self.env["res.company"].create({"name": "Hardening Other Co"})
        self.secret_person = Employee.create(
            {"name": "Hidden Hannah", "person_ref": "HARD-HIDDEN", "company_id": other.id}
        )
        self.colleague = Employee.create({"name": "Colleague Carl", "person_ref": "HARD-COLLEAGUE"})
        # A Face Attendance user is an attendance officer: on 18 they reach the persons they manage
        # only, on 19 every person of their companies (19's "all attendances" officer).
        self.officer = new_test_user(
            self.env, login="fa_hard_officer", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        self.managed.attendance_manager_id = self.officer
        Key = self.env["face.api.key"]
        _key, self.officer_secret = Key._generate("officer", self.officer, "*")

    def test_days_out_of_the_calendar_are_refused_not_overflowed(self):
        for path in (
            "/cameras/summary?date=9999-12-31",
            "/cameras/summary?date=0001-01-01",
            "/reports/daily-summary/9999-12-31",
            "/reports/daily-summary/0001-01-01",
            "/reports/daily?date=9999-12-31",
            "/attendance?start_date=9999-12-31",
            "/attendance?end_date=0001-01-01",
            "/attendance/statistics?dateFrom=9999-12-31&dateTo=9999-12-31",
            "/attendance/overview?date=9999-12-31",
            "/audit?from=9999-12-31",
            "/audit?to=9999-12-31",
            "/detections/events?from=9999-12-31",
        ):
            with self.subTest(path=path):
                response, payload = self.api("GET", path)
                self.assertError(response, payload, 400, "VALIDATION_ERROR")
                self.assertIn("between the years", payload["error"]["message"])
        # The calendar's last day still answers.
        response, payload = self.api("GET", "/reports/daily-summary/2999-12-31")
        self.assertEqual(response.status_code, 200, payload)
        response, payload = self.api("GET", "/cameras/summary?date=2999-12-31")
        self.assertEqual(response.status_code, 200, payload)

    def test_numbers_too_large_to_be_finite_are_refused(self):
        response, payload = self.api(
            "PUT",
            "/settings/preferences",
            raw='{"theme": "dark", "x": 1e400}',
            headers={"Content-Type": "application/json"},
        )
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        # Nested deeper than Python's recursion: an answer, not a crash.
        response, payload = self.api(
            "PUT", "/settings/preferences", raw="[" * 5000 + "]" * 5000, headers={"Content-Type": "application/json"}
        )
        self.assertEqual(response.status_code, 400, payload)

    def test_preferences_need_their_scope(self):
        Key = self.env["face.api.key"]
        _key, camera_reader = Key._generate("camera reader", self.manager, "camera:read")
        response, payload = self.api("PUT", "/settings/preferences", body={"theme": "dark"}, key=camera_reader)
        self.assertError(response, payload, 403, "FORBIDDEN")
        self.assertEqual(payload["error"]["details"]["required_scope"], "preferences:write")
        self.assertNotEqual((self.manager.face_ui_preferences or {}).get("theme"), "dark")
        _key, own = Key._generate("prefs", self.manager, "preferences:write")
        response, payload = self.api("PUT", "/settings/preferences", body={"theme": "dark"}, key=own)
        self.assertEqual(response.status_code, 200, payload)
        # Reading them needs a valid key of any scope; a sign-in token of any Face Attendance user
        # may change its own.
        response, payload = self.api("GET", "/settings/preferences", key=camera_reader)
        self.assertEqual((response.status_code, payload["data"]["theme"]), (200, "dark"), payload)
        self.assertIn("preferences:write", Key._scopes_of_user(self.officer))
        device = new_test_user(self.env, login="fa_hard_device", groups="face_attendance.group_face_attendance_device")
        self.assertNotIn("preferences:write", Key._scopes_of_user(device))

    def _refusal(self, response, payload):
        self.assertEqual(response.status_code, 404, payload)
        return payload["error"]["code"], payload["error"]["message"].replace("HARD-HIDDEN", "X").replace("NOBODY", "X")

    def test_person_ids_tell_nothing_out_of_reach(self):
        # Hannah is checked in: an officer who does not manage her learns neither her name nor that.
        self.env["hr.attendance"].create(
            {"employee_id": self.secret_person.id, "check_in": datetime.now() - timedelta(hours=1)}
        )
        key = self.officer_secret
        answers = []
        for person_id in ("HARD-HIDDEN", "NOBODY"):
            response, payload = self.api("POST", "/attendance/mark", body={"person_id": person_id}, key=key)
            answers.append(self._refusal(response, payload))
            self.assertNotIn("Hannah", response.text)
            response, payload = self.api("GET", "/attendance?person_id=%s" % person_id, key=key)
            answers.append(self._refusal(response, payload))
            self.assertNotIn("Hannah", response.text)
        self.assertEqual(answers[0], answers[2])
        self.assertEqual(answers[1], answers[3])
        self.assertEqual(self.env["hr.attendance"].search_count([("employee_id", "=", self.secret_person.id)]), 1)
        # The same by id through the manual entry (REST and the model method alike).
        response, payload = self.api(
            "POST", "/attendance/manual", body={"employeeId": "HARD-HIDDEN", "note": "x", "status": "present"}, key=key
        )
        self.assertEqual(response.status_code, 404, payload)
        self.assertNotIn("Hannah", response.text)
        Attendance = self.env["hr.attendance"].with_user(self.officer)
        refusals = []
        for employee_id in (self.secret_person.id, 2**31 - 2):
            with self.assertRaises(AccessError) as refused:
                Attendance.face_enter_manually(employee_id, "by hand")
            refusals.append(str(refused.exception).replace(str(employee_id), "X"))
        self.assertEqual(refusals[0], refusals[1])
        # The person they manage is theirs to mark.
        response, payload = self.api("POST", "/attendance/mark", body={"person_id": "HARD-OWN"}, key=key)
        self.assertEqual(response.status_code, 201, payload)
        response, payload = self.api("POST", "/attendance/mark", body={"person_id": "HARD-OWN"}, key=key)
        self.assertError(response, payload, 409, "CONFLICT")
        # A colleague they do not manage: reached as Odoo's attendance rules reach them, else unknown.
        response, payload = self.api("GET", "/attendance?person_id=HARD-COLLEAGUE", key=key)
        reached = self.officer.has_group(FULL_ATTENDANCE_GROUP)
        self.assertEqual(response.status_code, 200 if reached else 404, payload)
        self.env["hr.attendance"].create(
            {"employee_id": self.colleague.id, "check_in": datetime.now() - timedelta(hours=1)}
        )
        response, payload = self.api("POST", "/attendance/mark", body={"person_id": "HARD-COLLEAGUE"}, key=key)
        self.assertEqual(response.status_code, 409 if reached else 404, payload)
        self.assertEqual("Carl" in response.text, reached)
        # A manager (attendance administrator) reaches everybody of their own companies only.
        response, payload = self.api("GET", "/attendance?person_id=HARD-COLLEAGUE")
        self.assertEqual(response.status_code, 200, payload)
        response, payload = self.api("GET", "/attendance?person_id=HARD-HIDDEN")
        self.assertEqual(response.status_code, 404, payload)
