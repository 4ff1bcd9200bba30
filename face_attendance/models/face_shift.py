"""Shifts are the employees' working-hours calendars (resource.calendar): what each calendar expects
of a day, and how the day's attendances kept to it (late arrivals, early departures, missing
check-outs), every person judged in their own time zone.

A day's shift of a person is the span of their calendar's lines for that weekday (lunch breaks
inside it). A line ending at midnight that the next day's line starting at midnight continues is a
night shift: it belongs to the day it started on, and the next day does not count it again. Leaves
(public holidays and personal time off, ``resource.calendar.leaves``) cut the span; a person whose
span is entirely on leave, or whose calendar has no line that day (a day off), is not expected.
Flexible calendars (and employees without one) have no shift to keep to: compliance counts them
apart. Lateness, early departures and missing check-outs are the day's figures of
``attendance_replay`` (one definition for every report), from the plans of ``_plans``.
"""

from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError

from . import attendance_replay as rules
from .face_api_key import iso
from .security_groups import USER

DAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
COUNTERS = (
    "scheduled",
    "present",
    "onTime",
    "lateArrivals",
    "earlyDepartures",
    "missingCheckouts",
    "absent",
    "onLeave",
    "upcoming",
    "flexible",
    "offSchedule",
)


def hhmm(hours):
    """Calendar hours (8.5) as "08:30"; 24 is the end of the day."""
    minutes = int(round(hours * 60))
    return "%02d:%02d" % (minutes // 60, minutes % 60)


class FaceShift(models.AbstractModel):
    _name = "face.shift"
    _description = "Face Attendance Shifts"

    @api.model
    def _check_reader(self):
        # Reads calendars, leaves and attendances of every person in Python: Face Attendance users
        # only, as the daily summary.
        if not (self.env.su or self.env.user.has_group(USER)):
            raise AccessError(self.env._("Only Face Attendance users see shifts and their compliance."))

    # ------------------------------------------------------------------ calendars
    @api.model
    def _is_flexible(self, calendar):
        return not calendar or calendar.flexible_hours or bool(getattr(calendar, "duration_based", False))

    @api.model
    def _blocks(self, calendar, day, resource=None):
        """Merged (hour_from, hour_to) work blocks of ``calendar`` on ``day``, lunch excluded."""
        Line = self.env["resource.calendar.attendance"]
        # Odoo 18's lines may be one resource's or dated; 19 dropped both.
        per_resource = "resource_id" in Line._fields
        dated = "date_from" in Line._fields
        lines = calendar.attendance_ids.filtered(
            lambda a: not a.display_type
            and a.day_period != "lunch"
            and int(a.dayofweek) == day.weekday()
            and (not per_resource or not a.resource_id or a.resource_id == resource)
            and (not dated or ((not a.date_from or a.date_from <= day) and (not a.date_to or day <= a.date_to)))
            and a.hour_to > a.hour_from
        )
        if calendar.two_weeks_calendar:
            week = str(Line.get_week_type(day))
            lines = lines.filtered(lambda a: a.week_type == week)
        blocks = []
        for start, end in sorted((a.hour_from, a.hour_to) for a in lines):
            if blocks and start <= blocks[-1][1]:
                blocks[-1] = (blocks[-1][0], max(blocks[-1][1], end))
            else:
                blocks.append((start, end))
        return blocks

    @api.model
    def _day_span(self, calendar, day, resource=None):
        """(start, end, night) in hours from ``day``'s midnight of the shift that starts on ``day``,
        or None on a day off. A night shift's end is past 24."""
        blocks = self._blocks(calendar, day, resource)
        previous = self._blocks(calendar, day - timedelta(days=1), resource)
        if blocks and blocks[0][0] == 0 and previous and previous[-1][1] >= 24:
            blocks = blocks[1:]  # the end of yesterday's night shift
        if not blocks:
            return None
        start, end = blocks[0][0], blocks[-1][1]
        night = False
        if end >= 24:
            following = self._blocks(calendar, day + timedelta(days=1), resource)
            if following and following[0][0] == 0:
                end, night = 24 + following[0][1], True
        return start, end, night

    @api.model
    def _schedule(self, calendar):
        """The calendar's week: per weekday (and week type in two-week calendars) its periods."""
        rows = []
        lines = calendar.attendance_ids.filtered(lambda a: not a.display_type and a.day_period != "lunch")
        weeks = ["0", "1"] if calendar.two_weeks_calendar else [None]
        for week in weeks:
            for weekday in range(7):
                own = lines.filtered(
                    lambda a, w=weekday, wk=week: int(a.dayofweek) == w and (wk is None or a.week_type == wk)
                )
                if not own:
                    continue
                periods = sorted((a.hour_from, a.hour_to) for a in own)
                rows.append(
                    {
                        "dayOfWeek": weekday,
                        "day": DAY_NAMES[weekday],
                        "weekType": int(week) if week is not None else None,
                        "start": hhmm(periods[0][0]),
                        "end": hhmm(max(p[1] for p in periods)),
                        "periods": [{"start": hhmm(a), "end": hhmm(b)} for a, b in periods],
                    }
                )
        return rows

    # ------------------------------------------------------------------ leaves
    @api.model
    def _leaves(self, employees, start, end):
        """{employee id: [(from, to)]} of leaves (naive UTC) touching [start, end)."""
        if not employees:
            return {}
        # Only the time spans are used, to tell who is expected; the caller may read these
        # employees, personal leaves may be hidden from them by time-off rules.
        leaves = (
            self.env["resource.calendar.leaves"]
            .sudo()
            .search(
                [
                    ("time_type", "=", "leave"),
                    ("date_from", "<", end),
                    ("date_to", ">", start),
                    "|",
                    ("resource_id", "=", False),
                    ("resource_id", "in", employees.resource_id.ids),
                ]
            )
        )
        result = {}
        for employee in employees:
            calendar = employee.resource_calendar_id
            result[employee.id] = [
                (leave.date_from, leave.date_to)
                for leave in leaves
                if (leave.resource_id and leave.resource_id == employee.resource_id)
                or (
                    not leave.resource_id
                    and leave.company_id in (employee.company_id, self.env["res.company"])
                    and leave.calendar_id in (calendar, self.env["resource.calendar"])
                )
            ]
        return result

    @api.model
    def _cut(self, start, end, leaves):
        """What remains of [start, end) outside the leaves: (first start, last end) or None."""
        spans = [(start, end)]
        for leave_from, leave_to in leaves:
            kept = []
            for a, b in spans:
                if leave_to <= a or leave_from >= b:
                    kept.append((a, b))
                    continue
                if a < leave_from:
                    kept.append((a, leave_from))
                if leave_to < b:
                    kept.append((leave_to, b))
            spans = kept
        if not spans:
            return None
        return spans[0][0], spans[-1][1]

    # ------------------------------------------------------------------ compliance
    @api.model
    def _expected(self, employee, day, memo=None):
        """(start, end, night), start and end in naive UTC, of the shift ``employee`` starts on
        ``day`` (their time zone), or None on a day off. ``memo``: a dict shared by the calls of one
        computation, to read each calendar's day once."""
        calendar = employee.resource_calendar_id
        if not calendar:
            return None
        key = (calendar.id, employee.resource_id.id, day)
        if memo is not None and key in memo:
            span = memo[key]
        else:
            span = self._day_span(calendar, day, employee.resource_id)
            if memo is not None:
                memo[key] = span
        if not span:
            return None
        tz = self.env["face.recognition.event"]._employee_tz(employee)
        midnight = datetime.combine(day, time.min)

        def utc(hours):
            local = tz.localize(midnight + timedelta(hours=hours))
            return local.astimezone(pytz.utc).replace(tzinfo=None)

        return utc(span[0]), utc(span[1]), span[2]

    @api.model
    def _plans(self, pairs):
        """What each (employee, day) of ``pairs`` expects: {(employee id, day): (calendar, kind,
        start, end)}, start and end naive UTC. kind: ``shift`` (the calendar's shift that day, cut by
        leaves), ``default`` (no calendar: the configured start of the working day, no end),
        ``flexible`` (flexible calendar), ``dayoff`` or ``leave`` (the shift is entirely on leave);
        only ``shift`` and ``default`` have a start."""
        start_hour = self.env["face.attendance.config"]._get("work_start_hour")
        Event = self.env["face.recognition.event"]
        plans, spans, memo, zones = {}, {}, {}, {}
        for employee, day in pairs:
            calendar = employee.resource_calendar_id
            if not calendar:
                if employee.id not in zones:
                    zones[employee.id] = Event._employee_tz(employee)
                start = rules.day_moment(day, start_hour, zones[employee.id])
                plans[(employee.id, day)] = (calendar, "default", start, None)
            elif self._is_flexible(calendar):
                plans[(employee.id, day)] = (calendar, "flexible", None, None)
            else:
                span = self._expected(employee, day, memo)
                if span:
                    spans[(employee, day)] = span
                else:
                    plans[(employee.id, day)] = (calendar, "dayoff", None, None)
        if spans:
            # In the env of the employees given (the figures' population is read as superuser).
            first = next(iter(spans))[0]
            employees = first.browse(list({employee.id for employee, _day in spans}))
            window_start = min(span[0] for span in spans.values()) - timedelta(days=1)
            window_end = max(span[1] for span in spans.values()) + timedelta(days=1)
            leaves = self._leaves(employees, window_start, window_end)
            for (employee, day), (start, end, _night) in spans.items():
                calendar = employee.resource_calendar_id
                remaining = self._cut(start, end, leaves.get(employee.id, []))
                plans[(employee.id, day)] = (
                    (calendar, "shift", *remaining) if remaining else (calendar, "leave", None, None)
                )
        return plans

    @api.model
    def _compliance(self, day, employees=None, details=False):
        """How the shifts starting on ``day`` were kept, over ``employees`` (default: the active
        employees the current user may read).

        Per person with a shift that day, not entirely on leave (``scheduled``): ``lateArrivals``
        (first check-in later than the start plus the late grace minutes), ``onTime`` (present and
        not late), ``earlyDepartures`` (last check-out earlier than the end minus the grace),
        ``missingCheckouts`` (still checked in past the end plus the grace, or closed by the
        forgotten check-out rule), ``absent`` (no attendance overlapping the shift although it has
        started), ``upcoming`` (not come yet, the shift has not started). ``onLeave``: shift
        entirely on leave; ``flexible``: flexible calendar, not judged; ``offSchedule``: came on a
        day off. ``compliance``: percent of the judged persons (scheduled minus upcoming) who came
        on time and neither left early nor forgot to check out (null when nobody is judged).
        ``details=True`` adds ``issues``: one row per person with a problem.
        """
        self._check_reader()
        if employees is None:
            employees = self.env["face.attendance.figures"]._population()
        config = self.env["face.attendance.config"]
        grace = timedelta(minutes=config._get("late_grace_minutes"))
        now = fields.Datetime.now()
        plans = self._plans([(employee, day) for employee in employees])
        spans = [(p[2], p[3]) for p in plans.values() if p[1] == "shift"]
        window_start = min([s[0] for s in spans], default=datetime.combine(day, time.min)) - timedelta(days=1)
        window_end = max([s[1] for s in spans], default=datetime.combine(day, time.min)) + timedelta(days=1)
        attendances = self.env["hr.attendance"].search(
            [
                ("employee_id", "in", employees.ids),
                ("check_in", "<", window_end),
                "|",
                ("check_out", "=", False),
                ("check_out", ">", window_start),
            ],
            order="check_in",
        )
        by_employee = {}
        for attendance in attendances:
            by_employee.setdefault(attendance.employee_id.id, []).append(attendance)
        totals = dict.fromkeys(COUNTERS, 0)
        totals["compliant"] = 0
        shifts, issues = {}, []
        for employee in employees:
            calendar, kind, start, end = plans[(employee.id, day)]
            key = calendar.id or 0
            shift = shifts.setdefault(key, self._shift_row(calendar, day))
            own = by_employee.get(employee.id, [])
            # Without a calendar there is no shift to keep to: counted with the flexible ones.
            if kind in ("flexible", "default"):
                self._count(totals, shift, "flexible")
                if any(a.face_date == day for a in own):
                    self._count(totals, shift, "present")
                continue
            if kind == "dayoff":
                if any(a.face_date == day for a in own):
                    self._count(totals, shift, "offSchedule")
                continue
            if kind == "leave":
                self._count(totals, shift, "onLeave")
                continue
            self._count(totals, shift, "scheduled")
            row = self._judge(employee, start, end, own, now, grace)
            for counter in row["counters"]:
                self._count(totals, shift, counter)
            if details and row["problems"]:
                issues.append(self._issue(employee, calendar, start, end, row))
        result = self._with_rate(totals)
        result["date"] = day.isoformat()
        result["lateGraceMinutes"] = int(grace.total_seconds() // 60)
        result["byShift"] = [self._with_rate(shifts[k]) for k in sorted(shifts, key=lambda k: (shifts[k]["name"], k))]
        if details:
            result["issues"] = issues
        return result

    @api.model
    def _judge(self, employee, start, end, own, now, grace):
        """Counters and problems of one person's shift [start, end) (naive UTC), by the day's
        figures of ``attendance_replay``."""
        stays = [rules.Stay(a.check_in, a.check_out or None, a.face_date, a.face_auto_closed) for a in own]
        verdict = rules.judge_day(rules.day_attendances(stays, None, start, end), start, end, grace, now, False)
        result = {"counters": [], "problems": [], "check_in": None, "check_out": None, "late": 0, "early": 0}
        if not verdict.present:
            if now > start + grace:
                result["counters"].append("absent")
                result["problems"].append("absent")
            else:
                result["counters"].append("upcoming")
            return result
        result["check_in"], result["check_out"] = verdict.check_in, verdict.check_out
        result["counters"].append("present")
        late, early, missing = verdict.late, verdict.early, verdict.missing_check_out
        if late:
            result["late"] = verdict.late_minutes
            result["counters"].append("lateArrivals")
            result["problems"].append("late")
        else:
            result["counters"].append("onTime")
        if early:
            result["early"] = verdict.early_minutes
            result["counters"].append("earlyDepartures")
            result["problems"].append("earlyDeparture")
        if missing:
            result["counters"].append("missingCheckouts")
            result["problems"].append("missingCheckout")
        if not (late or early or missing):
            result["counters"].append("compliant")
        return result

    @api.model
    def _shift_row(self, calendar, day):
        span = self._day_span(calendar, day) if calendar and not self._is_flexible(calendar) else None
        row = {
            "shiftId": calendar.id or None,
            "name": calendar.name or self.env._("No working hours"),
            "timezone": calendar.tz or None,
            "flexibleHours": self._is_flexible(calendar),
            "startTime": hhmm(span[0]) if span else None,
            "endTime": hhmm(span[1] % 24 if span[2] else span[1]) if span else None,
            "nightShift": bool(span and span[2]),
            "dayOff": not span and not self._is_flexible(calendar),
            "compliant": 0,
        }
        row.update(dict.fromkeys(COUNTERS, 0))
        return row

    @api.model
    def _count(self, totals, shift, counter):
        totals[counter] += 1
        shift[counter] += 1

    @api.model
    def _with_rate(self, counts):
        counts = dict(counts)
        judged = counts["scheduled"] - counts["upcoming"]
        compliant = counts.pop("compliant")
        counts["compliance"] = round(100.0 * compliant / judged, 1) if judged else None
        return counts

    @api.model
    def _issue(self, employee, calendar, start, end, row):
        return {
            "personId": employee.person_ref or None,
            "employeeId": employee.id,
            "name": employee.name,
            "department": employee.department_id.name or None,
            "shiftId": calendar.id or None,
            "shift": calendar.name or None,
            "problems": row["problems"],
            "expectedStart": iso(start),
            "expectedEnd": iso(end),
            "checkIn": iso(row["check_in"]),
            "checkOut": iso(row["check_out"]),
            "minutesLate": row["late"],
            "minutesEarly": row["early"],
        }

    # ------------------------------------------------------------------ the shifts list
    @api.model
    def _api_shifts(self, day, search=None, limit=20, offset=0):
        """GET /shifts: (one page of ``_shifts``, how many in all)."""
        rows = self._shifts(day, search=search)
        return rows[offset : offset + limit], len(rows)

    @api.model
    def _shifts(self, day, search=None):
        """Every calendar in use by the employees the user may read (and the company's default),
        as a shift schedule with ``day``'s figures."""
        self._check_reader()
        employees = self.env["face.attendance.figures"]._population()
        calendars = employees.resource_calendar_id | self.env.company.resource_calendar_id
        if search:
            term = search.lower()
            calendars = calendars.filtered(lambda c: term in (c.name or "").lower())
        compliance = {row["shiftId"]: row for row in self._compliance(day, employees)["byShift"]}
        counts = {}
        for employee in employees:
            counts[employee.resource_calendar_id.id] = counts.get(employee.resource_calendar_id.id, 0) + 1
        result = []
        for calendar in calendars.sorted(lambda c: (c.name or "", c.id)):
            figures = compliance.get(calendar.id) or self._with_rate(self._shift_row(calendar, day))
            result.append(
                dict(
                    figures,
                    id=calendar.id,
                    date=day.isoformat(),
                    hoursPerDay=calendar.hours_per_day,
                    twoWeeks=calendar.two_weeks_calendar,
                    location=calendar.company_id.name or None,
                    employeeCount=counts.get(calendar.id, 0),
                    expectedHeadcount=figures["scheduled"],
                    schedule=self._schedule(calendar),
                )
            )
        return result
