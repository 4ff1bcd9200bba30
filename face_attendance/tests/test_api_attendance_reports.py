import csv
import io
from datetime import date, datetime, timedelta

from odoo.tests import tagged

from .common import ApiCase


@tagged("post_install", "-at_install", "face_attendance")
class TestApiAttendanceReports(ApiCase):
    """Attendance dates, CSV export and the daily summary, in the employees' own time zones."""

    def setUp(self):
        super().setUp()
        Employee = self.env["hr.employee"]
        # Brussels is UTC+1 in November: 23:30 UTC on the 19th is 00:30 on the 20th there.
        self.brussels = Employee.create({"name": "Night Owl", "person_ref": "TZ-BRU", "tz": "Europe/Brussels"})
        self.brussels.resource_calendar_id = self.env["resource.calendar"].create(
            {"name": "Brussels week", "tz": "Europe/Brussels"}
        )
        Attendance = self.env["hr.attendance"]
        self.late_night = Attendance.create(
            {
                "employee_id": self.brussels.id,
                "check_in": datetime(2026, 11, 19, 23, 30),
                "check_out": datetime(2026, 11, 20, 7, 0),
            }
        )
        self.day_before = Attendance.create(
            {
                "employee_id": self.brussels.id,
                "check_in": datetime(2026, 11, 19, 8, 0),
                "check_out": datetime(2026, 11, 19, 16, 0),
            }
        )

    def test_date_is_the_working_day_in_the_employee_zone(self):
        response, payload = self.api("GET", "/attendance?start_date=2026-11-20&end_date=2026-11-20&person_id=TZ-BRU")
        records = payload["data"]["records"]
        self.assertEqual([r["id"] for r in records], [self.late_night.id], payload)
        self.assertEqual(records[0]["date"], "2026-11-20")
        self.assertEqual(records[0]["check_in"], "2026-11-19T23:30:00Z")
        self.assertEqual(records[0]["timezone"], "Europe/Brussels")
        self.assertEqual(records[0]["duration_minutes"], 450.0)
        response, payload = self.api("GET", "/attendance?start_date=2026-11-19&end_date=2026-11-19&person_id=TZ-BRU")
        self.assertEqual([r["id"] for r in payload["data"]["records"]], [self.day_before.id])
        self.assertEqual(payload["data"]["total"], 1)
        # Changing the employee's zone moves the working day.
        self.brussels.tz = "UTC"
        self.brussels.resource_calendar_id.tz = "UTC"
        response, payload = self.api("GET", "/attendance?start_date=2026-11-19&end_date=2026-11-19&person_id=TZ-BRU")
        self.assertEqual(payload["data"]["total"], 2)

    def test_paging_is_done_by_the_database(self):
        response, payload = self.api("GET", "/attendance?person_id=TZ-BRU&limit=1&offset=1")
        self.assertEqual(payload["data"]["total"], 2)
        self.assertEqual([r["id"] for r in payload["data"]["records"]], [self.day_before.id])
        response, payload = self.api("GET", "/attendance?start_date=2026-11-21&end_date=2026-11-19")
        self.assertError(response, payload, 422, "UNPROCESSABLE")

    def test_csv_export(self):
        response, _payload = self.api(
            "GET", "/attendance/export?person_id=TZ-BRU&start_date=2026-11-19&end_date=2026-11-20", expect_json=False
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers["Content-Type"].startswith("text/csv"))
        self.assertIn(
            'attachment; filename="attendance-2026-11-19-2026-11-20.csv"', response.headers["Content-Disposition"]
        )
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
        self.assertEqual(
            [(r["date"], r["check_in"], r["person_id"]) for r in rows],
            [("2026-11-19", "2026-11-19T08:00:00Z", "TZ-BRU"), ("2026-11-20", "2026-11-19T23:30:00Z", "TZ-BRU")],
        )
        # Errors of the export are JSON envelopes, like every other answer.
        response, payload = self.api("GET", "/attendance/export?start_date=yesterday")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("GET", "/attendance/export", key=self.reader_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")

    def test_daily_summary_late_and_absent(self):
        Employee = self.env["hr.employee"]
        department = self.env["hr.department"].create({"name": "Summary Dept"})
        calendar = self.env["resource.calendar"].create({"name": "Brussels 40h", "tz": "Europe/Brussels"})
        # Late is measured from the shift of the person's working hours (work_start_hour serves those
        # without any): these people's mornings start at 09:00.
        calendar.attendance_ids.filtered(lambda line: line.hour_from == 8).write({"hour_from": 9})
        people = Employee.create(
            [
                {"name": "On Time", "person_ref": "S1", "tz": "Europe/Brussels"},
                {"name": "Late One", "person_ref": "S2", "tz": "Europe/Brussels"},
                {"name": "Absent One", "person_ref": "S3", "tz": "Europe/Brussels"},
            ]
        )
        people.write({"department_id": department.id, "resource_calendar_id": calendar.id})
        self.config_set = self.env["face.attendance.config"]
        self.config_set.set("work_start_hour", 9.0)
        self.config_set.set("late_grace_minutes", 10)
        Attendance = self.env["hr.attendance"]
        # Friday 2026-11-20; 08:05 UTC = 09:05 Brussels (within grace), 08:30 UTC = 09:30 (late by 30 min).
        Attendance.create(
            {
                "employee_id": people[0].id,
                "check_in": datetime(2026, 11, 20, 8, 5),
                "check_out": datetime(2026, 11, 20, 16, 5),
            }
        )
        Attendance.create(
            {
                "employee_id": people[1].id,
                "check_in": datetime(2026, 11, 20, 8, 30),
                "check_out": datetime(2026, 11, 20, 12, 30),
            }
        )
        response, payload = self.api("GET", "/reports/daily-summary/2026-11-20?department_id=%d" % department.id)
        data = payload["data"]
        self.assertEqual(
            (data["total_persons"], data["present_count"], data["late_count"], data["absent_count"]), (3, 2, 1, 1), data
        )
        self.assertEqual(data["late"][0]["person_id"], "S2")
        self.assertEqual(data["late"][0]["minutes_late"], 30)
        self.assertEqual(data["absent"][0]["person_id"], "S3")
        self.assertEqual(data["avg_duration_hours"], 6.0)
        self.assertEqual(
            (data["earliest_checkin"], data["latest_checkout"]), ("2026-11-20T08:05:00Z", "2026-11-20T16:05:00Z")
        )
        # The query form answers the same; a Saturday makes nobody absent.
        response, payload = self.api("GET", "/reports/daily?date=2026-11-20&department_id=%d" % department.id)
        self.assertEqual(payload["data"]["present_count"], 2)
        response, payload = self.api("GET", "/reports/daily?date=2026-11-21&department_id=%d" % department.id)
        self.assertEqual((payload["data"]["present_count"], payload["data"]["absent_count"]), (0, 0))
        # Future days count nobody absent either.
        future = (date.today() + timedelta(days=30)).isoformat()
        response, payload = self.api("GET", "/reports/daily?date=%s&department_id=%d" % (future, department.id))
        self.assertEqual(payload["data"]["absent_count"], 0)
        response, payload = self.api("GET", "/reports/daily")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("GET", "/reports/daily-summary/2026-02-30")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("GET", "/reports/daily-summary/2026-11-20", key=self.reader_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")
