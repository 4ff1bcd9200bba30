"""The daily summary: who came, who was late, who is absent, how the shifts were kept, in each
employee's own time zone."""

from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError

from .security_groups import USER


class FaceDailySummary(models.AbstractModel):
    _name = "face.attendance.daily.summary"
    _description = "Face Attendance Daily Summary"

    @api.model
    def _summarize(self, day, department_id=None):
        """Figures for ``day`` (a date) over the active employees the current user may read.

        Present: at least one attendance whose working day (``face_date``) is ``day``. Late: the
        day's figures of ``attendance_replay`` (the first check-in of the working day later than its
        expected start plus the grace minutes: the shift of the employee's calendar, else the
        configured start of the working day, in the employee's time zone). Absent: not present
        although ``day`` is a working day of the employee's calendar (Monday to Friday without a
        calendar), not in the future, and not a day whose whole shift is covered by leave (on leave).
        The population: ``face.attendance.figures._population``.

        ``shift_compliance``: how the shifts of the employees' working-hours calendars starting on
        ``day`` were kept (see ``face.shift._compliance``), with the persons who were late, left
        early, did not check out or did not come.
        """
        # It reads employees' private fields in Python (person IDs, calendars): Face Attendance
        # users only, whatever else the caller may read.
        if not (self.env.su or self.env.user.has_group(USER)):
            raise AccessError(self.env._("Only Face Attendance users see attendance summaries."))
        config = self.env["face.attendance.config"]
        Event = self.env["face.recognition.event"]
        Figures = self.env["face.attendance.figures"]
        employee_domain = [("department_id", "child_of", department_id)] if department_id else []
        employees = Figures._population(employee_domain)
        attendances = self.env["hr.attendance"].search(
            [("face_date", "=", day), ("employee_id", "in", employees.ids)], order="check_in"
        )
        by_employee = {}
        for attendance in attendances:
            by_employee.setdefault(attendance.employee_id.id, self.env["hr.attendance"])
            by_employee[attendance.employee_id.id] |= attendance
        start_hour = config._get("work_start_hour")
        grace = timedelta(minutes=config._get("late_grace_minutes"))
        now = fields.Datetime.now()
        pairs = [(employee, day) for employee in employees]
        # The day's plans once for both: the verdicts, and who is on leave (not absent), as the overview.
        plans = self.env["face.shift"]._plans(pairs) if pairs else {}
        verdicts = Figures._day_verdicts(pairs, plans)
        late, absent, durations = [], [], []
        for employee in employees:
            tz = Event._employee_tz(employee)
            own = by_employee.get(employee.id)
            verdict = verdicts[(employee.id, day)]
            if own:
                if verdict.late:
                    late.append(
                        dict(self._person(employee), check_in=verdict.check_in, minutes_late=verdict.late_minutes)
                    )
                durations.append(sum(((a.check_out or now) - a.check_in).total_seconds() for a in own) / 3600.0)
            elif (
                self._expected_to_work(employee, day)
                and plans[(employee.id, day)][1] != "leave"
                and day <= pytz.utc.localize(now).astimezone(tz).date()
            ):
                absent.append(self._person(employee))
        check_ins = attendances.mapped("check_in")
        check_outs = [c for c in attendances.mapped("check_out") if c]
        return {
            "date": day.isoformat(),
            "total_persons": len(employees),
            "present_count": len(by_employee),
            "late_count": len(late),
            "absent_count": len(absent),
            "avg_duration_hours": round(sum(durations) / len(durations), 2) if durations else 0.0,
            "earliest_checkin": min(check_ins) if check_ins else None,
            "latest_checkout": max(check_outs) if check_outs else None,
            "open_count": len(attendances.filtered(lambda a: not a.check_out)),
            "work_start_hour": start_hour,
            "late_grace_minutes": int(grace.total_seconds() // 60),
            "late": late,
            "absent": absent,
            "shift_compliance": self.env["face.shift"]._compliance(day, employees, details=True),
        }

    @api.model
    def _person(self, employee):
        return {
            "person_id": employee.person_ref or None,
            "name": employee.name,
            "department": employee.department_id.name or None,
        }

    @api.model
    def _expected_to_work(self, employee, day):
        calendar = employee.resource_calendar_id or employee.company_id.resource_calendar_id
        if not calendar:
            return day.weekday() < 5
        return calendar._works_on_date(day)
