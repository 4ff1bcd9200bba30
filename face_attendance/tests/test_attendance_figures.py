"""face.attendance.figures: the attendance views' model, its callers' rights and the one definition of
late, early leave and missing check-out shared by the daily summary, shift compliance and the sheet."""

from datetime import date, datetime

from odoo.exceptions import AccessError, MissingError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

FRIDAY = date(2026, 11, 20)


@tagged("post_install", "-at_install", "face_attendance")
class TestAttendanceFigures(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        env = cls.env
        config = env["face.attendance.config"]
        config.set("work_start_hour", 9.0)
        config.set("late_grace_minutes", 10)
        cls.department = env["hr.department"].create({"name": "Figures Dept"})
        # A day shift 07:00-15:00 (UTC) Monday to Friday.
        cls.early_shift = env["resource.calendar"].create(
            {
                "name": "FIG Early 7-15",
                "tz": "UTC",
                "attendance_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "d%d" % d,
                            "dayofweek": str(d),
                            "hour_from": 7,
                            "hour_to": 15,
                            "day_period": "morning",
                        },
                    )
                    for d in range(5)
                ],
            }
        )
        Employee = env["hr.employee"]
        common = {"tz": "UTC", "department_id": cls.department.id}
        # Without a calendar: the configured start of the day (09:00) decides.
        cls.free = Employee.create(dict(common, name="Fig Free", person_ref="FIG-FREE", resource_calendar_id=False))
        # With the early shift: 07:00 decides, 08:30 is late although before 09:00.
        cls.shifted = Employee.create(
            dict(common, name="Fig Shift", person_ref="FIG-SHIFT", resource_calendar_id=cls.early_shift.id)
        )
        Attendance = env["hr.attendance"]
        cls.free_day = Attendance.create(
            {
                "employee_id": cls.free.id,
                "check_in": datetime(2026, 11, 20, 8, 55),
                "check_out": datetime(2026, 11, 20, 17),
            }
        )
        cls.shift_day = Attendance.create(
            {
                "employee_id": cls.shifted.id,
                "check_in": datetime(2026, 11, 20, 8, 30),
                "check_out": datetime(2026, 11, 20, 14, 0),
            }
        )
        cls.user = new_test_user(
            env, login="fa_fig_user", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        (cls.free | cls.shifted).attendance_manager_id = cls.user
        cls.manager = new_test_user(
            env, login="fa_fig_manager", groups="base.group_user,face_attendance.group_face_attendance_manager"
        )
        cls.Figures = env["face.attendance.figures"]

    def test_one_definition_of_late_early_and_missing(self):
        verdicts = self.Figures._day_verdicts([(self.free, FRIDAY), (self.shifted, FRIDAY)])
        free, shifted = verdicts[(self.free.id, FRIDAY)], verdicts[(self.shifted.id, FRIDAY)]
        self.assertEqual((free.late, free.early, free.missing_check_out), (False, False, False))
        self.assertEqual((shifted.late, shifted.late_minutes), (True, 90))
        self.assertEqual((shifted.early, shifted.early_minutes), (True, 60))
        # The daily summary, shift compliance and the sheet say the same.
        summary = (
            self.env["face.attendance.daily.summary"].with_user(self.manager)._summarize(FRIDAY, self.department.id)
        )
        self.assertEqual([(p["person_id"], p["minutes_late"]) for p in summary["late"]], [("FIG-SHIFT", 90)])
        issue = [i for i in summary["shift_compliance"]["issues"] if i["personId"] == "FIG-SHIFT"][0]
        self.assertEqual(
            (issue["problems"], issue["minutesLate"], issue["minutesEarly"]), (["late", "earlyDeparture"], 90, 60)
        )
        sheet = (
            self.env["face.attendance.sheet.wizard"]
            .with_user(self.manager)
            .create({"date_from": FRIDAY, "date_to": FRIDAY, "department_id": self.department.id})
        )
        rows = {p["employee"].person_ref: p["rows"][0] for p in sheet._sheet()}
        self.assertEqual((rows["FIG-SHIFT"]["late_minutes"], rows["FIG-SHIFT"]["early_minutes"]), (90, 60))
        self.assertEqual((rows["FIG-FREE"]["late_minutes"], rows["FIG-FREE"]["early_minutes"]), (None, None))
        stats = self.Figures.with_user(self.user).statistics(FRIDAY, FRIDAY, self.department.id)
        self.assertEqual((stats["presentDays"], stats["lateDays"]), (2, 1), stats)
        logs = self.Figures.with_user(self.user).logs({"dateFrom": FRIDAY, "dateTo": FRIDAY, "search": "FIG-"})
        self.assertEqual(
            {i["employeeId"]: i["status"] for i in logs["items"]}, {"FIG-FREE": "present", "FIG-SHIFT": "late"}
        )
        # An attendance still open on a past day lacks its check-out.
        self.free_day.check_out = False
        verdict = self.Figures._day_verdicts([(self.free, FRIDAY)])[(self.free.id, FRIDAY)]
        self.assertTrue(verdict.missing_check_out)

    def test_face_attendance_user_reads_through_the_model(self):
        Figures = self.Figures.with_user(self.user)
        self.assertEqual(Figures.find_person("FIG-FREE")["id"], self.free.id)
        with self.assertRaises(MissingError):
            Figures.find_person("NOBODY")
        listed = Figures.attendance_list({"person_id": "FIG-SHIFT"})
        self.assertEqual([r["id"] for r in listed["records"]], [self.shift_day.id])
        self.assertEqual(Figures.attendance_record(self.shift_day.id)["person_id"], "FIG-SHIFT")
        with self.assertRaises(MissingError):
            Figures.attendance_record(2**31 - 2)
        csv_bytes = Figures.attendance_csv(
            {"start_date": "2026-11-20", "end_date": "2026-11-20", "person_id": "FIG-FREE"}
        )
        self.assertIn(b"FIG-FREE", csv_bytes)
        self.assertNotIn(b"FIG-SHIFT", csv_bytes)
        with self.assertRaises(ValidationError):
            Figures.attendance_list({"start_date": "2026-11-21", "end_date": "2026-11-20"})
        with self.assertRaises(ValidationError):
            Figures.statistics("2026-01-01", "2026-12-31")
        overview = Figures.overview("2026-11-20")
        department = [d for d in overview["byDepartment"] if d["departmentId"] == self.department.id][0]
        self.assertEqual((department["employees"], department["present"], department["late"]), (2, 2, 1))
        self.free_day.check_out = False
        self.assertIn(self.free_day.id, [r["id"] for r in Figures.presence()])
        self.assertEqual(Figures.pending()["counts"]["openAttendances"], 1)
        self.assertEqual(Figures.log_entry(self.shift_day.id)["status"], "late")

    def test_callers_without_face_attendance_are_refused(self):
        portal = new_test_user(self.env, login="fa_fig_portal", groups="base.group_portal")
        employee_user = new_test_user(self.env, login="fa_fig_employee", groups="base.group_user")
        for user in (portal, employee_user):
            Figures = self.Figures.with_user(user)
            for call in (
                lambda F: F.find_person("FIG-FREE"),
                lambda F: F.attendance_list(),
                lambda F: F.attendance_record(self.free_day.id),
                lambda F: F.attendance_csv(),
                lambda F: F.presence(),
                lambda F: F.logs(),
                lambda F: F.log_entry(self.free_day.id),
                lambda F: F.statistics(FRIDAY, FRIDAY),
                lambda F: F.overview(FRIDAY),
                lambda F: F.pending(),
            ):
                with self.assertRaises(AccessError, msg=user.login):
                    call(Figures)
        # A privilege is never taken from the context.
        with self.assertRaises(AccessError):
            self.Figures.with_user(employee_user).with_context(su=True, active_test=False).overview(FRIDAY)

    def test_another_companys_manager_sees_nothing(self):
        other = self.env["res.company"].create({"name": "Figures Other Co"})
        boss = new_test_user(
            self.env,
            login="fa_fig_other",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_id=other.id,
            company_ids=[(6, 0, [other.id])],
        )
        Figures = self.Figures.with_user(boss).with_context(allowed_company_ids=[other.id])
        self.assertFalse(Figures._population())
        with self.assertRaises(MissingError):
            Figures.find_person("FIG-FREE")
        self.assertEqual(Figures.attendance_list()["total"], 0)
        self.assertEqual(Figures.statistics(FRIDAY, FRIDAY)["totalEmployees"], 0)
        self.assertEqual(Figures.overview(FRIDAY)["employees"], 0)
        self.assertEqual(Figures.logs({"dateFrom": FRIDAY, "dateTo": FRIDAY})["total"], 0)
        self.assertEqual(Figures.pending()["counts"]["openAttendances"], 0)
        self.assertNotIn(b"FIG-", Figures.attendance_csv())
        with self.assertRaises(MissingError):
            Figures.attendance_record(self.free_day.id)
