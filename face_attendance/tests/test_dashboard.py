"""The dashboard: its own figures (on leave, arrivals per hour against the shift starts, the lists
behind the counts), who may read them, the REST route that answers the same, and the screen in
Chromium updated by a pushed sighting."""

from datetime import date, datetime, timedelta

import pytz

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

from ..models.odoo_compat import USER_GROUPS
from ..models.security_groups import USER
from .common import ApiCase
from .tour_case import FaceTourCase

FRIDAY = date(2026, 11, 20)


@tagged("post_install", "-at_install", "face_attendance")
class TestDashboardFigures(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        env = cls.env
        env["face.attendance.config"].set("late_grace_minutes", 10)
        # A company of its own: the figures count every employee of the reader's companies.
        cls.company = env["res.company"].create({"name": "Dashboard Co"})
        cls.calendar = env["resource.calendar"].create(
            {
                "name": "Dashboard 8-16",
                "tz": "UTC",
                "company_id": cls.company.id,
                "attendance_ids": [
                    (0, 0, {"name": "d%d" % d, "dayofweek": str(d), "hour_from": 8, "hour_to": 16}) for d in range(5)
                ],
            }
        )
        department = env["hr.department"].create({"name": "Dashboard Dept", "company_id": cls.company.id})
        common = {
            "tz": "UTC",
            "company_id": cls.company.id,
            "resource_calendar_id": cls.calendar.id,
            "department_id": department.id,
        }
        Employee = env["hr.employee"]
        cls.ann = Employee.create(dict(common, name="Dash Ann", person_ref="DASH-ANN"))
        cls.ben = Employee.create(dict(common, name="Dash Ben", person_ref="DASH-BEN"))
        cls.cid = Employee.create(dict(common, name="Dash Cid", person_ref="DASH-CID"))
        cls.dee = Employee.create(dict(common, name="Dash Dee", person_ref="DASH-DEE"))
        # Dee's whole Friday is a leave (what Odoo's time off writes when a request is approved).
        env["resource.calendar.leaves"].create(
            {
                "name": "Dee's day off",
                "resource_id": cls.dee.resource_id.id,
                "calendar_id": cls.calendar.id,
                "company_id": cls.company.id,
                "date_from": datetime(2026, 11, 20, 0, 0),
                "date_to": datetime(2026, 11, 20, 23, 59),
                "time_type": "leave",
            }
        )
        Attendance = env["hr.attendance"]
        # Ann on time and gone; Ben late (08:40 > 08:00 + 10 minutes) and still in; Cid absent.
        cls.ann_day = Attendance.create(
            {
                "employee_id": cls.ann.id,
                "check_in": datetime(2026, 11, 20, 7, 55),
                "check_out": datetime(2026, 11, 20, 16, 5),
            }
        )
        cls.ben_day = Attendance.create({"employee_id": cls.ben.id, "check_in": datetime(2026, 11, 20, 8, 40)})
        cls.manager = new_test_user(
            env,
            login="fa_dash_manager",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_id=cls.company.id,
            company_ids=[(6, 0, [cls.company.id])],
            tz="UTC",
        )
        cls.Figures = (
            env["face.attendance.figures"].with_user(cls.manager).with_context(allowed_company_ids=[cls.company.id])
        )

    def test_the_day_at_a_glance_counts_those_on_leave_apart(self):
        overview = self.Figures.overview(FRIDAY)
        counts = {
            key: overview[key] for key in ("employees", "expected", "present", "late", "absent", "onLeave", "onSite")
        }
        self.assertEqual(
            counts, {"employees": 4, "expected": 3, "present": 2, "late": 1, "absent": 1, "onLeave": 1, "onSite": 1}
        )
        self.assertEqual(overview["notExpected"], 0)
        self.assertEqual(overview["byDepartment"][0]["onLeave"], 1)
        # The trend reads the same figures: a day on leave is neither expected nor absent.
        day = self.Figures.statistics(FRIDAY, FRIDAY)["byDay"][0]
        self.assertEqual((day["expected"], day["absent"], day["present"]), (3, 1, 2))
        # And so does the daily summary: its absent are the overview's.
        summary = self.Figures.env["face.attendance.daily.summary"]._summarize(FRIDAY)
        self.assertEqual([person["name"] for person in summary["absent"]], ["Dash Cid"])
        # Coming in on a day off is being present, not on leave.
        self.env["hr.attendance"].create({"employee_id": self.dee.id, "check_in": datetime(2026, 11, 20, 9, 0)})
        overview = self.Figures.overview(FRIDAY)
        self.assertEqual((overview["onLeave"], overview["present"]), (0, 3))

    def test_arrivals_and_departures_per_hour_with_the_shift_starts(self):
        hourly = self.Figures.hourly(FRIDAY)
        self.assertEqual((hourly["date"], hourly["timezone"]), ("2026-11-20", "UTC"))
        self.assertEqual(len(hourly["hours"]), 24)
        busy = {
            row["hour"]: (row["checkIns"], row["checkOuts"])
            for row in hourly["hours"]
            if row["checkIns"] or row["checkOuts"]
        }
        self.assertEqual(busy, {7: (1, 0), 8: (1, 0), 16: (0, 1)})
        # Dee's shift is on leave: three persons start at 08:00.
        self.assertEqual(hourly["shiftStarts"], [{"time": "08:00", "employees": 3}])
        # In the reader's zone (Brussels is UTC+1 in November).
        self.manager.tz = "Europe/Brussels"
        hourly = self.Figures.hourly(FRIDAY)
        busy = {
            row["hour"]: (row["checkIns"], row["checkOuts"])
            for row in hourly["hours"]
            if row["checkIns"] or row["checkOuts"]
        }
        self.assertEqual(busy, {8: (1, 0), 9: (1, 0), 17: (0, 1)})
        self.assertEqual(hourly["shiftStarts"], [{"time": "09:00", "employees": 3}])
        with self.assertRaises(ValidationError):
            self.Figures.hourly("2026-13-01")

    def test_each_count_opens_the_list_it_counts(self):
        def listed(kind):
            action = self.Figures.dashboard_action(kind, FRIDAY.isoformat())
            return action["res_model"], self.env[action["res_model"]].search(action["domain"])

        self.assertEqual(listed("present"), ("hr.attendance", self.ann_day | self.ben_day))
        self.assertEqual(listed("late"), ("hr.attendance", self.ben_day))
        self.assertEqual(listed("onSite"), ("hr.attendance", self.ben_day))
        self.assertEqual(listed("absent"), ("hr.employee", self.cid))
        self.assertEqual(listed("onLeave"), ("hr.employee", self.dee))
        action = self.Figures.dashboard_action("present", FRIDAY.isoformat())
        self.assertEqual(action["type"], "ir.actions.act_window")
        with self.assertRaises(ValidationError):
            self.Figures.dashboard_action("everyone", FRIDAY.isoformat())

    def test_only_face_attendance_users_read_the_dashboard(self):
        portal = new_test_user(self.env, login="fa_dash_portal", groups="base.group_portal")
        employee_user = new_test_user(self.env, login="fa_dash_employee", groups="base.group_user")
        device = new_test_user(
            self.env, login="fa_dash_device", groups="base.group_user,face_attendance.group_face_attendance_device"
        )
        for user in (portal, employee_user, device):
            Figures = self.env["face.attendance.figures"].with_user(user)
            for call in (
                lambda F: F.hourly(FRIDAY.isoformat()),
                lambda F: F.dashboard_action("present", FRIDAY.isoformat()),
                lambda F: F.overview(FRIDAY.isoformat()),
            ):
                with self.assertRaises(AccessError, msg=user.login):
                    call(Figures)
        # The context gives no privilege.
        with self.assertRaises(AccessError):
            self.env["face.attendance.figures"].with_user(employee_user).with_context(su=True).hourly()
        # The screen is not in their menus (a client action has no groups: its figures refuse them).
        menu = self.env.ref("face_attendance.menu_face_dashboard")
        self.assertEqual(menu[USER_GROUPS], self.env.ref(USER))
        for user in (employee_user, device):  # a portal user reads no menu at all
            self.assertNotIn(menu.id, self.env["ir.ui.menu"].with_user(user)._visible_menu_ids())
        face_user = new_test_user(
            self.env, login="fa_dash_user", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        for user in (face_user, self.manager):
            self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(user)._visible_menu_ids())
            self.assertIsInstance(self.env["face.attendance.figures"].with_user(user).hourly(), dict)

    def test_another_companys_manager_sees_nothing_of_this_company(self):
        other = self.env["res.company"].create({"name": "Dashboard Other Co"})
        boss = new_test_user(
            self.env,
            login="fa_dash_other",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_id=other.id,
            company_ids=[(6, 0, [other.id])],
            tz="UTC",
        )
        Figures = self.env["face.attendance.figures"].with_user(boss).with_context(allowed_company_ids=[other.id])
        hourly = Figures.hourly(FRIDAY.isoformat())
        self.assertFalse(any(row["checkIns"] or row["checkOuts"] for row in hourly["hours"]))
        self.assertEqual(hourly["shiftStarts"], [])
        self.assertEqual(Figures.overview(FRIDAY.isoformat())["onLeave"], 0)
        for kind in ("present", "late", "onSite", "absent", "onLeave"):
            action = Figures.dashboard_action(kind, FRIDAY.isoformat())
            self.assertFalse(self.env[action["res_model"]].with_user(boss).search(action["domain"]), kind)


@tagged("post_install", "-at_install", "face_attendance")
class TestDashboardApi(ApiCase):
    def test_hourly_and_on_leave_over_rest(self):
        employee = self.env["hr.employee"].create({"name": "Dash Api", "person_ref": "DASH-API", "tz": "UTC"})
        self.manager.tz = "UTC"
        self.env["hr.attendance"].create(
            {
                "employee_id": employee.id,
                "check_in": datetime(2026, 11, 18, 10, 5),
                "check_out": datetime(2026, 11, 18, 12, 0),
            }
        )
        response, payload = self.api("GET", "/attendance/hourly?date=2026-11-18")
        self.assertEqual(response.status_code, 200, payload)
        data = payload["data"]
        self.assertEqual(data["date"], "2026-11-18")
        self.assertEqual(len(data["hours"]), 24)
        # The same figures as the model method the dashboard calls.
        expected = self.env["face.attendance.figures"].with_user(self.manager).hourly("2026-11-18")
        self.assertEqual(data, expected)
        self.assertGreaterEqual(data["hours"][10]["checkIns"], 1)
        self.assertGreaterEqual(data["hours"][12]["checkOuts"], 1)
        response, payload = self.api("GET", "/attendance/overview?date=2026-11-18")
        self.assertIn("onLeave", payload["data"])
        self.assertIn("onLeave", payload["data"]["byDepartment"][0])
        for bad in ("yesterday", "9999-12-31"):
            response, payload = self.api("GET", "/attendance/hourly?date=%s" % bad)
            self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("GET", "/attendance/hourly?date=2026-11-18", key=self.reader_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_tours")
class TestDashboardTour(FaceTourCase):
    def test_dashboard_is_pushed(self):
        admin = self.env.ref("base.user_admin")
        zone = admin.tz or "UTC"
        camera = self.env["face.camera"].create(
            {"name": "Dashboard camera", "source_type": "file", "source": "x", "direction": "entry"}
        )
        Employee = self.env["hr.employee"]
        early = Employee.create({"name": "Dashboard Early Bird", "person_ref": "TOUR-DASH-EARLY", "tz": zone})
        Employee.create({"name": "Dashboard Tour Person", "person_ref": "TOUR-DASH", "tz": zone})
        now = datetime.utcnow().replace(microsecond=0)
        # Checked in today in the admin's zone, whatever the hour the tests run at.
        local_now = pytz.utc.localize(now).astimezone(pytz.timezone(zone))
        since_midnight = local_now - local_now.replace(hour=0, minute=0, second=0)
        check_in = now - min(timedelta(minutes=30), since_midnight)
        self.env["hr.attendance"].create(
            {"employee_id": early.id, "check_in": check_in, "face_camera_id": camera.id, "in_mode": "face"}
        )
        with self.pushed_bus():
            self.start_tour_with_screenshots(
                "/odoo/action-face_attendance.face_dashboard_action", "face_attendance_dashboard_tour"
            )
        event = self.env["face.recognition.event"].search([("event_uid", "=", "tour-dashboard-1")])
        self.assertEqual(event.outcome, "checked_in")
        self.assertIn("dashboard", self.saved)


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_tours")
class TestDashboardTablet(FaceTourCase):
    browser_size = "768x1024"

    def test_dashboard_fits_a_tablet(self):
        self.env["face.camera"].create(
            {"name": "Dashboard camera", "source_type": "file", "source": "x", "direction": "entry"}
        )
        self.start_tour_with_screenshots(
            "/odoo/action-face_attendance.face_dashboard_action", "face_attendance_dashboard_tablet_tour"
        )
        self.assertIn("dashboard_tablet", self.saved)
