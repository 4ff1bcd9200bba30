"""Shifts from working-hours calendars and their compliance: day and night shifts, days off,
leaves and public holidays, each person in their own time zone."""

from datetime import date, datetime

from odoo.tests import TransactionCase, new_test_user, tagged

from .common import ApiCase

WEDNESDAY = date(2026, 11, 18)
THURSDAY = date(2026, 11, 19)
SATURDAY = date(2026, 11, 21)
SUNDAY = date(2026, 11, 22)


def make_calendars(env):
    Calendar = env["resource.calendar"]

    def line(day, start, end, period="morning"):
        return (
            0,
            0,
            {
                "name": "%s %s" % (day, start),
                "dayofweek": str(day),
                "hour_from": start,
                "hour_to": end,
                "day_period": period,
            },
        )

    day = Calendar.create(
        {
            "name": "FA Day 9-17",
            "tz": "UTC",
            "attendance_ids": [line(d, 9, 12) for d in range(5)] + [line(d, 13, 17, "afternoon") for d in range(5)],
        }
    )
    # Night: 22:00 Monday to Saturday, each ending at 06:00 the next morning; Sunday night off.
    night = Calendar.create(
        {
            "name": "FA Night 22-06",
            "tz": "UTC",
            "attendance_ids": [line(d, 22, 24, "afternoon") for d in range(6)] + [line(d, 0, 6) for d in range(1, 7)],
        }
    )
    flexible = Calendar.create({"name": "FA Flexible", "tz": "UTC", "flexible_hours": True, "hours_per_day": 8})
    return day, night, flexible


class ShiftFixture:
    def make_people(self):
        env = self.env
        self.day_cal, self.night_cal, self.flex_cal = make_calendars(env)
        self.people = env["hr.employee"]

        def person(name, calendar, tz="UTC"):
            employee = env["hr.employee"].create(
                {"name": name, "person_ref": "SH-" + name, "tz": tz, "resource_calendar_id": calendar.id}
            )
            self.people |= employee
            return employee

        def came(employee, start, end=None):
            env["hr.attendance"].create({"employee_id": employee.id, "check_in": start, "check_out": end})

        w = (2026, 11, 18)
        self.ontime = person("ontime", self.day_cal)
        came(self.ontime, datetime(*w, 8, 55), datetime(*w, 17, 5))
        self.late = person("late", self.day_cal)
        came(self.late, datetime(*w, 9, 30), datetime(*w, 17, 0))
        self.early = person("early", self.day_cal)
        came(self.early, datetime(*w, 9, 0), datetime(*w, 15, 0))
        self.missing = person("missing", self.day_cal)
        came(self.missing, datetime(*w, 9, 0))
        self.absent = person("absent", self.day_cal)
        self.on_leave = person("onleave", self.day_cal)
        env["resource.calendar.leaves"].create(
            {
                "name": "Time off",
                "resource_id": self.on_leave.resource_id.id,
                "calendar_id": self.day_cal.id,
                "date_from": datetime(*w, 0, 0),
                "date_to": datetime(*w, 23, 59),
            }
        )
        self.night = person("night", self.night_cal)
        came(self.night, datetime(*w, 21, 55), datetime(2026, 11, 19, 6, 2))
        self.night_late = person("nightlate", self.night_cal)
        came(self.night_late, datetime(2026, 11, 19, 0, 30), datetime(2026, 11, 19, 6, 0))
        self.flex = person("flex", self.flex_cal)
        came(self.flex, datetime(*w, 11, 0), datetime(*w, 15, 0))


@tagged("post_install", "-at_install", "face_attendance")
class TestShiftCompliance(ShiftFixture, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))

    def setUp(self):
        super().setUp()
        self.make_people()
        self.Shift = self.env["face.shift"]

    def test_day_spans_night_shifts_and_days_off(self):
        self.assertEqual(self.Shift._day_span(self.day_cal, WEDNESDAY), (9, 17, False))
        self.assertIsNone(self.Shift._day_span(self.day_cal, SATURDAY))
        # The night shift belongs to the evening it starts; the next morning's part is not a shift.
        self.assertEqual(self.Shift._day_span(self.night_cal, WEDNESDAY), (22, 30, True))
        self.assertEqual(self.Shift._day_span(self.night_cal, THURSDAY), (22, 30, True))
        self.assertIsNone(self.Shift._day_span(self.night_cal, SUNDAY))

    def test_compliance_numbers(self):
        result = self.Shift._compliance(WEDNESDAY, self.people, details=True)
        expected = {
            "scheduled": 7,
            "present": 7,  # the flexible person came too
            "onTime": 4,
            "lateArrivals": 2,
            "earlyDepartures": 1,
            "missingCheckouts": 1,
            "absent": 1,
            "onLeave": 1,
            "upcoming": 0,
            "flexible": 1,
            "offSchedule": 0,
            "compliance": round(100 * 2 / 7, 1),
        }
        self.assertEqual({k: result[k] for k in expected}, expected, result)
        by_shift = {row["name"]: row for row in result["byShift"]}
        night = by_shift["FA Night 22-06"]
        self.assertEqual((night["startTime"], night["endTime"], night["nightShift"]), ("22:00", "06:00", True))
        self.assertEqual((night["scheduled"], night["onTime"], night["lateArrivals"]), (2, 1, 1))
        self.assertEqual((by_shift["FA Day 9-17"]["scheduled"], by_shift["FA Flexible"]["flexible"]), (5, 1))
        problems = {row["name"]: row["problems"] for row in result["issues"]}
        self.assertEqual(
            problems,
            {
                "late": ["late"],
                "early": ["earlyDeparture"],
                "missing": ["missingCheckout"],
                "absent": ["absent"],
                "nightlate": ["late"],
            },
        )
        late = next(row for row in result["issues"] if row["name"] == "late")
        self.assertEqual((late["minutesLate"], late["expectedStart"]), (30, "2026-11-18T09:00:00Z"))

    def test_days_off_holidays_and_time_zones(self):
        result = self.Shift._compliance(SATURDAY, self.people)
        self.assertEqual(result["byShift"][0]["name"], "FA Day 9-17")
        self.assertTrue(result["byShift"][0]["dayOff"])
        self.assertEqual(result["absent"], 2)  # the night shift of Saturday evening, nobody came
        # A public holiday of the company: nobody of the day shift is expected.
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Holiday",
                "company_id": self.env.company.id,
                "date_from": datetime(2026, 11, 18, 0, 0),
                "date_to": datetime(2026, 11, 18, 23, 59),
            }
        )
        result = self.Shift._compliance(WEDNESDAY, self.people)
        day = next(row for row in result["byShift"] if row["shiftId"] == self.day_cal.id)
        self.assertEqual((day["scheduled"], day["onLeave"], day["lateArrivals"]), (0, 6, 0))
        # Brussels (UTC+1): 09:00 there is 08:00 UTC; 08:30 UTC is 09:30 there, late.
        # (Odoo 19 takes the calendar's zone before the employee's, 18 the other way round.)
        brussels_day = self.day_cal.copy({"name": "FA Day Brussels", "tz": "Europe/Brussels"})
        brussels = self.env["hr.employee"].create(
            {"name": "bru", "tz": "Europe/Brussels", "resource_calendar_id": brussels_day.id}
        )
        self.env["hr.attendance"].create(
            {
                "employee_id": brussels.id,
                "check_in": datetime(2026, 11, 19, 8, 30),
                "check_out": datetime(2026, 11, 19, 16, 0),
            }
        )
        result = self.Shift._compliance(THURSDAY, brussels, details=True)
        self.assertEqual((result["lateArrivals"], result["earlyDepartures"]), (1, 0), result)
        self.assertEqual(result["issues"][0]["expectedStart"], "2026-11-19T08:00:00Z")

    def test_daily_summary_carries_compliance(self):
        summary = self.env["face.attendance.daily.summary"]._summarize(WEDNESDAY)
        self.assertGreaterEqual(summary["shift_compliance"]["lateArrivals"], 2)
        html = self.env["ir.qweb"]._render("face_attendance.daily_summary_details", {"data": summary})
        self.assertIn("FA Night 22-06", str(html))


@tagged("post_install", "-at_install", "face_attendance")
class TestShiftsApi(ShiftFixture, ApiCase):
    def test_shifts_and_daily_report(self):
        self.make_people()
        response, payload = self.api("GET", "/shifts?date=2026-11-18&search=FA%20")
        self.assertEqual(response.status_code, 200, payload)
        shifts = {row["name"]: row for row in payload["data"]}
        self.assertEqual(set(shifts), {"FA Day 9-17", "FA Night 22-06", "FA Flexible"})
        night = shifts["FA Night 22-06"]
        self.assertEqual((night["employeeCount"], night["expectedHeadcount"], night["nightShift"]), (2, 2, True))
        self.assertEqual(night["schedule"][0]["periods"], [{"start": "22:00", "end": "24:00"}])
        self.assertTrue(shifts["FA Flexible"]["flexibleHours"])
        day = shifts["FA Day 9-17"]
        self.assertEqual((day["startTime"], day["endTime"], len(day["schedule"])), ("09:00", "17:00", 5))
        self.assertEqual(
            day["schedule"][0]["periods"], [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]
        )
        response, payload = self.api("GET", "/shifts?date=2026-11-21&search=FA%20Day")
        self.assertTrue(payload["data"][0]["dayOff"], payload)
        response, payload = self.api("GET", "/shifts?date=2026-02-30")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("GET", "/shifts", key=self.reader_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")
        response, payload = self.api("GET", "/reports/daily?date=2026-11-18")
        compliance = payload["data"]["shift_compliance"]
        self.assertGreaterEqual(compliance["missingCheckouts"], 1)
        self.assertIn("late", payload["data"])  # today's fields are still there
        # Another company's manager sees none of this company's people in the shifts.
        other = self.env["res.company"].create({"name": "Shift Other Co"})
        boss = new_test_user(
            self.env,
            login="fa_shift_other",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_id=other.id,
            company_ids=[(6, 0, [other.id])],
        )
        _key, boss_key = self.env["face.api.key"]._generate("other", boss, "*", company=other)
        response, payload = self.api("GET", "/shifts?date=2026-11-18", key=boss_key)
        self.assertEqual(response.status_code, 200, payload)
        self.assertFalse([row for row in payload["data"] if row["employeeCount"] or row["name"].startswith("FA ")])
