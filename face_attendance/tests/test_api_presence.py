import base64
from datetime import datetime, time, timedelta

from odoo.tests import new_test_user, tagged

from .common import ApiCase, face_photo


def moment(day, hours, minutes=0):
    return datetime.combine(day, time(hours, minutes))


def stamp(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


@tagged("post_install", "-at_install", "face_attendance")
class TestApiPresence(ApiCase):
    """Presence and the attendance log of the operations frontend, over real HTTP."""

    def setUp(self):
        super().setUp()
        Key = self.env["face.api.key"]
        self.department = self.env["hr.department"].create({"name": "Night Watch"})
        Employee = self.env["hr.employee"]
        # UTC employees without a calendar of their own: working days are the company's calendar.
        common = {"tz": "UTC", "resource_calendar_id": False, "department_id": self.department.id}
        self.ana = Employee.create(dict(common, name="Ana Early", person_ref="PRE-ANA", job_title="Guard"))
        self.ben = Employee.create(dict(common, name="Ben Late", person_ref="PRE-BEN"))
        self.cid = Employee.create(dict(common, name="Cid Away", person_ref="PRE-CID"))
        self.device = new_test_user(
            self.env, login="fa_pre_device", groups="face_attendance.group_face_attendance_device"
        )
        daemon = self.env["face.daemon"].create({"name": "pre-daemon", "user_id": self.device.id})
        Camera = self.env["face.camera"].with_context(default_daemon_id=daemon.id)
        self.gate = Camera.create({"name": "Gate", "source_type": "file", "source": "x", "direction": "entry"})
        self.hall = Camera.create({"name": "Hall", "source_type": "file", "source": "x", "direction": "both"})
        self.corridor = Camera.create({"name": "Corridor", "source_type": "file", "source": "x", "direction": "entry"})
        # Odoo 19 reads an employee's zone from the calendar first.
        self.env.company.resource_calendar_id.tz = "UTC"
        self.user = new_test_user(
            self.env, login="fa_pre_user", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        _key, self.user_secret = Key._generate("desk", self.user, "attendance:read attendance:write")
        # The latest weekday before today that is over for the forgotten check-out rule (16 h after
        # its first sighting at 08:30): a working day of the company's calendar, in the past. Just
        # after midnight yesterday's 08:30 is not 16 h old yet, and Ana's attendance would be open.
        now = datetime.utcnow()
        day = now.date() - timedelta(days=1)
        while day.weekday() >= 5 or moment(day, 8, 30) + timedelta(hours=17) > now:
            day -= timedelta(days=1)
        self.day = day
        self.counter = 0
        # Odoo 18's attendance officers see the attendances of the employees they manage.
        (self.ana | self.ben | self.cid).attendance_manager_id = self.user

    def ingest(self, camera, when, employee=None, **extra):
        self.counter += 1
        event = {"event_id": "pre-%d" % self.counter, "camera_id": camera.id, "timestamp": stamp(when)}
        if employee:
            event["employee_id"] = employee.id
        event.update(extra)
        answer = self.env["face.recognition.event"].with_user(self.device).ingest_events([event])[0]
        self.assertIn(answer["status"], ("created",), answer)
        return answer

    def test_records_show_who_is_on_site_with_the_last_camera(self):
        now = datetime.utcnow().replace(microsecond=0)
        # All sightings on one working day, not too long ago (the forgotten check-out rule is 16 h).
        base = now - timedelta(hours=2)
        if base.date() != now.date():
            base = datetime.combine(now.date(), time(0)) - timedelta(hours=12)
        self.ingest(self.gate, base, self.ana, confidence=0.91)
        snapshot = base64.b64encode(face_photo("Kofi_Annan", 1)).decode()
        self.ingest(self.corridor, base + timedelta(minutes=30), self.ana, confidence=0.97, snapshot=snapshot)
        self.ingest(self.gate, base + timedelta(minutes=60), self.ben, confidence=0.88)
        self.env["hr.attendance"].create(
            {"employee_id": self.cid.id, "check_in": base - timedelta(hours=5), "check_out": base - timedelta(hours=4)}
        )
        response, payload = self.api("GET", "/attendance/records", key=self.user_secret)
        self.assertEqual(response.status_code, 200, payload)
        records = {r["personId"]: r for r in payload["data"]}
        self.assertEqual(set(records), {"PRE-ANA", "PRE-BEN"})
        ana = records["PRE-ANA"]
        self.assertEqual((ana["cameraName"], ana["accuracy"], ana["role"]), ("Corridor", 97.0, "Guard"), ana)
        self.assertEqual((ana["department"], ana["status"]), ("Night Watch", "on-site"))
        self.assertEqual(ana["timestamp"], stamp(base))
        self.assertIsNone(ana["thumbnail"], "only managers get snapshots")
        self.assertEqual(payload["data"][0]["personId"], "PRE-BEN", "latest arrival first")
        response, payload = self.api("GET", "/attendance/records?limit=1")
        self.assertEqual(len(payload["data"]), 1)
        response, payload = self.api("GET", "/attendance/records")
        ana = {r["personId"]: r for r in payload["data"]}["PRE-ANA"]
        self.assertRegex(ana["thumbnail"], r"^/web/image/face.recognition.event/\d+/snapshot$")
        for bad in ("limit=0", "limit=abc", "limit=501"):
            response, payload = self.api("GET", "/attendance/records?" + bad)
            self.assertError(response, payload, 400, "VALIDATION_ERROR")
        # Pending: the open attendances, and sightings awaiting a decision.
        self.ingest(self.gate, now - timedelta(minutes=10))
        response, payload = self.api("GET", "/attendance/pending", key=self.user_secret)
        data = payload["data"]
        self.assertEqual(data["counts"]["openAttendances"], 2, payload)
        self.assertEqual(data["counts"]["unknownFaces"], 1)
        self.assertEqual([e["kind"] for e in data["events"]], ["unknown-face"])
        self.assertEqual(data["events"][0]["cameraName"], "Gate")

    def test_logs_mix_attendances_and_days_seen_only(self):
        day = self.day
        self.ingest(self.gate, moment(day, 8, 30), self.ana, confidence=0.9)
        self.ingest(self.hall, moment(day, 10, 0), self.ben, confidence=0.8)
        self.ingest(self.hall, moment(day, 17, 0), self.ben, confidence=0.8)
        self.env["face.attendance.config"].set("auto_mark", False)
        self.ingest(self.gate, moment(day, 9, 15), self.cid, confidence=0.7)
        self.ingest(self.hall, moment(day, 12, 15), self.cid, confidence=0.7)
        response, payload = self.api("GET", "/attendance/logs?dateFrom=%s&dateTo=%s" % (day, day), key=self.user_secret)
        self.assertEqual(response.status_code, 200, payload)
        rows = {r["employeeId"]: r for r in payload["data"]}
        self.assertEqual(payload["meta"]["total"], 3, payload)
        ana, ben, cid = rows["PRE-ANA"], rows["PRE-BEN"], rows["PRE-CID"]
        # Ana's day is over and nobody saw her leave: the forgotten check-out rule closed it at her last sighting.
        self.assertEqual(
            (ana["status"], ana["odooStatus"], ana["timeIn"], ana["timeOut"]),
            ("present", "synced", "08:30:00", "08:30:00"),
        )
        self.assertEqual((ana["cameraName"], ana["accuracy"]), ("Gate", 90.0))
        self.assertTrue(ana["odooSyncTime"])
        self.assertEqual((ben["status"], ben["timeIn"], ben["timeOut"]), ("late", "10:00:00", "17:00:00"))
        self.assertEqual((cid["status"], cid["odooStatus"], cid["eventCount"]), ("seen", "events-only", 2))
        self.assertEqual((cid["timeIn"], cid["timeOut"], cid["attendanceId"]), ("09:15:00", "12:15:00", None))
        self.assertEqual(cid["id"], "EVT-%d-%s" % (self.cid.id, day.strftime("%Y%m%d")))
        # Filters and paging.
        response, payload = self.api("GET", "/attendance/logs?odooStatus=events-only")
        self.assertEqual([r["employeeId"] for r in payload["data"]], ["PRE-CID"], payload)
        response, payload = self.api("GET", "/attendance/logs?odooStatus=synced&search=pre-a")
        self.assertEqual([r["employeeId"] for r in payload["data"]], ["PRE-ANA"], payload)
        response, payload = self.api("GET", "/attendance/logs?search=Ben")
        self.assertEqual([r["employeeId"] for r in payload["data"]], ["PRE-BEN"], payload)
        response, payload = self.api("GET", "/attendance/logs?cameraId=%d" % self.hall.id)
        # Ben's attendance was made there; Cid was seen there too (events-only).
        self.assertEqual({r["employeeId"] for r in payload["data"]}, {"PRE-BEN", "PRE-CID"}, payload)
        response, payload = self.api("GET", "/attendance/logs?pageSize=2&page=2&dateFrom=%s" % day)
        self.assertEqual(payload["meta"], {"page": 2, "pageSize": 2, "total": 3, "totalPages": 2})
        self.assertEqual(len(payload["data"]), 1)
        response, payload = self.api("GET", "/attendance/logs?dateFrom=%s" % (day + timedelta(days=1)))
        self.assertEqual(payload["meta"]["total"], 0, payload)
        for bad in ("odooStatus=lost", "dateFrom=yesterday", "cameraId=-1"):
            response, payload = self.api("GET", "/attendance/logs?" + bad)
            self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("GET", "/attendance/logs?dateFrom=2026-02-02&dateTo=2026-01-01")
        self.assertError(response, payload, 422, "UNPROCESSABLE")
        # Statistics and overview of that day, for the department.
        query = "dateFrom=%s&dateTo=%s&departmentId=%d" % (day, day, self.department.id)
        response, payload = self.api("GET", "/attendance/statistics?" + query, key=self.user_secret)
        stats = payload["data"]
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual(
            (
                stats["totalEmployees"],
                stats["presentDays"],
                stats["lateDays"],
                stats["expectedDays"],
                stats["absentDays"],
            ),
            (3, 2, 1, 3, 1),
            stats,
        )
        self.assertEqual((stats["attendanceRate"], stats["lateRate"]), (66.7, 50.0))
        self.assertEqual(stats["events"]["total"], 5)
        self.assertEqual(stats["byDay"][0]["date"], day.isoformat())
        response, payload = self.api("GET", "/attendance/overview?date=%s" % day, key=self.user_secret)
        watch = [d for d in payload["data"]["byDepartment"] if d["departmentId"] == self.department.id]
        self.assertEqual(len(watch), 1, payload)
        self.assertEqual(
            (watch[0]["employees"], watch[0]["present"], watch[0]["late"], watch[0]["absent"], watch[0]["onSite"]),
            (3, 2, 1, 1, 0),
            watch,
        )
        response, payload = self.api("GET", "/attendance/statistics?departmentId=x")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        # Days as documented, but too many or in the wrong order: rules the document cannot say.
        for bad in ("dateFrom=2026-01-01&dateTo=2026-12-31", "dateTo=2026-01-01&dateFrom=2026-01-02"):
            response, payload = self.api("GET", "/attendance/statistics?" + bad)
            self.assertError(response, payload, 422, "UNPROCESSABLE")
        response, payload = self.api("GET", "/attendance/overview?date=tomorrow")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")

    def test_manual_entry_and_delete_are_audited(self):
        Log = self.env["face.system.log"]
        when = datetime.utcnow().replace(microsecond=0) - timedelta(hours=3)
        body = {
            "employeeId": "PRE-ANA",
            "timestamp": stamp(when),
            "cameraId": self.gate.id,
            "note": "Badge reader down",
        }
        response, payload = self.api("POST", "/attendance/manual", dict(body, note=""), key=self.user_secret)
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("POST", "/attendance/manual", {"employeeId": "PRE-ANA"}, key=self.user_secret)
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("POST", "/attendance/manual", body, key=self.user_secret)
        self.assertEqual(response.status_code, 201, payload)
        row = payload["data"]
        self.assertEqual((row["odooStatus"], row["source"], row["employeeId"]), ("synced", "manual", "PRE-ANA"))
        attendance = self.env["hr.attendance"].browse(row["attendanceId"])
        self.assertEqual((attendance.check_in, attendance.check_out), (when, False))
        line = Log.search(
            [("action", "=", "attendance.manual"), ("object_ref", "=", "hr.attendance,%d" % attendance.id)]
        )
        self.assertEqual(line.details["reason"], "Badge reader down")
        self.assertEqual(line.details["cameraId"], self.gate.id)
        response, payload = self.api("POST", "/attendance/manual", body, key=self.user_secret)
        self.assertError(response, payload, 409, "CONFLICT")
        # A later camera sighting is decided with the manual check-in: already checked in.
        answer = self.ingest(self.gate, when + timedelta(hours=1), self.ana)
        self.assertEqual(answer["outcome"], "duplicate")
        out = dict(body, status="checked-out", timestamp=stamp(when + timedelta(hours=2)), note="Left by the back door")
        response, payload = self.api("POST", "/attendance/manual", out, key=self.user_secret)
        self.assertEqual(response.status_code, 201, payload)
        self.assertEqual(payload["data"]["checkOut"], stamp(when + timedelta(hours=2)))
        response, payload = self.api("POST", "/attendance/manual", out, key=self.user_secret)
        self.assertError(response, payload, 409, "CONFLICT")
        for bad, status in (
            ({"employeeId": "NOBODY", "note": "x"}, 404),
            (dict(body, cameraId=99999999), 404),
            (dict(body, status="absent"), 400),
            (dict(body, timestamp="noon"), 400),
            (dict(body, checkOut=stamp(when - timedelta(hours=1))), 422),
            (dict(body, extra=1), 400),
        ):
            response, payload = self.api("POST", "/attendance/manual", bad, key=self.user_secret)
            self.assertEqual(response.status_code, status, (bad, payload))
        # A closed span in one go.
        response, payload = self.api(
            "POST",
            "/attendance/manual",
            {
                "employeeId": "PRE-BEN",
                "timestamp": stamp(when),
                "checkOut": stamp(when + timedelta(hours=1)),
                "note": "Forgot badge",
            },
            key=self.user_secret,
        )
        self.assertEqual(
            (response.status_code, payload["data"]["timeOut"]), (201, (when + timedelta(hours=1)).strftime("%H:%M:%S"))
        )
        # The plan's POST form of the CSV export, for a Face Attendance user too.
        response, _payload = self.api(
            "POST", "/attendance/export", {"employeeId": "PRE-BEN"}, key=self.user_secret, expect_json=False
        )
        self.assertEqual((response.status_code, response.headers["Content-Type"].split(";")[0]), (200, "text/csv"))
        self.assertIn("PRE-BEN", response.text)
        self.assertNotIn("PRE-ANA", response.text)
        response, payload = self.api("POST", "/attendance/export", {"dateFrom": "soon"}, key=self.user_secret)
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("GET", "/attendance?person_id=NOBODY", key=self.user_secret)
        self.assertError(response, payload, 404, "NOT_FOUND")
        # Delete: managers only, with a reason.
        path = "/attendance/%d" % attendance.id
        response, payload = self.api("DELETE", path + "?reason=mistake", key=self.user_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")
        response, payload = self.api("DELETE", path)
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("DELETE", path + "?reason=Entered%20twice")
        self.assertEqual(response.status_code, 200, payload)
        self.assertFalse(attendance.exists())
        line = Log.search([("action", "=", "attendance.delete")])
        self.assertEqual((line.details["reason"], line.details["employee"]), ("Entered twice", "PRE-ANA"))
        response, payload = self.api("DELETE", path + "?reason=again")
        self.assertError(response, payload, 404, "NOT_FOUND")

    def test_deleting_a_camera_attendance_keeps_it_deleted(self):
        now = datetime.utcnow().replace(microsecond=0)
        first = self.ingest(self.gate, now - timedelta(hours=2), self.ana)
        attendance = self.env["hr.attendance"].browse(first["attendance_id"])
        response, payload = self.api("DELETE", "/attendance/%d?reason=Twin%%20brother" % attendance.id)
        self.assertEqual((response.status_code, payload["data"]["rejectedEvents"]), (200, 1), payload)
        event = self.env["face.recognition.event"].search([("event_uid", "=", first["event_id"])])
        self.assertEqual(event.outcome, "rejected")
        # The next sighting is decided without the deleted one: a new check-in, nothing revived.
        answer = self.ingest(self.gate, now - timedelta(hours=1), self.ana)
        self.assertEqual(answer["outcome"], "checked_in")
        self.assertEqual(self.env["hr.attendance"].search_count([("employee_id", "=", self.ana.id)]), 1)

    def test_other_company_is_invisible(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        stranger = self.env["hr.employee"].create(
            {"name": "Other Person", "person_ref": "PRE-OTHER", "company_id": other.id, "tz": "UTC"}
        )
        camera = self.env["face.camera"].create(
            {"name": "Other Gate", "source_type": "file", "source": "x", "direction": "entry", "company_id": other.id}
        )
        now = datetime.utcnow().replace(microsecond=0)
        self.env["face.recognition.event"].with_context(allowed_company_ids=[other.id]).ingest_events(
            [
                {
                    "event_id": "o-1",
                    "camera_id": camera.id,
                    "timestamp": stamp(now - timedelta(hours=1)),
                    "employee_id": stranger.id,
                },
                {"event_id": "o-2", "camera_id": camera.id, "timestamp": stamp(now - timedelta(minutes=5))},
            ]
        )
        self.assertTrue(self.env["hr.attendance"].search([("employee_id", "=", stranger.id)]))
        for path in ("/attendance/records", "/attendance/logs", "/attendance/pending"):
            response, payload = self.api("GET", path, key=self.user_secret)
            self.assertEqual(response.status_code, 200, payload)
            self.assertNotIn("PRE-OTHER", response.text, path)
            self.assertNotIn("Other Gate", response.text, path)
        response, payload = self.api("GET", "/attendance/pending", key=self.user_secret)
        self.assertEqual(payload["data"]["counts"]["unknownFaces"], 0, payload)
        attendance = self.env["hr.attendance"].search([("employee_id", "=", stranger.id)])
        response, payload = self.api("DELETE", "/attendance/%d?reason=x" % attendance.id)
        self.assertError(response, payload, 404, "NOT_FOUND")
        response, payload = self.api("POST", "/attendance/manual", {"employeeId": "PRE-OTHER", "note": "x"})
        self.assertError(response, payload, 404, "NOT_FOUND")
