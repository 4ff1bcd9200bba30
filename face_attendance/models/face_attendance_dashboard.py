"""The dashboard's own figures: arrivals and departures per hour against the day's shift starts, and
the lists behind each count of the day at a glance (the rule of who is counted stays here, not in the
screen). The other tiles read the existing services (overview, statistics, status, delivery...)."""

from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models

from .face_attendance_figures import invalid

# The model of the list a count of the day at a glance opens.
DASHBOARD_LISTS = {
    "present": "hr.attendance",
    "late": "hr.attendance",
    "onSite": "hr.attendance",
    "absent": "hr.employee",
    "onLeave": "hr.employee",
}


class FaceAttendanceDashboard(models.AbstractModel):
    _inherit = "face.attendance.figures"

    @api.model
    def _user_zone(self):
        try:
            return pytz.timezone(self.env.user.tz or "UTC")
        except pytz.UnknownTimeZoneError:
            return pytz.utc

    @api.model
    def _day_or_today(self, day):
        day = self._date(day, "date")
        if day:
            return day
        return pytz.utc.localize(fields.Datetime.now()).astimezone(self._user_zone()).date()

    @api.model
    def hourly(self, day=None):
        """Check-ins and check-outs per hour of ``day`` (default today) in the caller's time zone, of
        the attendances the caller may read, and the shift starts of that day (the population's
        shifts, each start in the caller's zone, with the number of persons starting then)."""
        self._check_reader()
        day = self._day_or_today(day)
        zone = self._user_zone()

        def utc(moment):
            return zone.localize(moment).astimezone(pytz.utc).replace(tzinfo=None)

        start = utc(datetime.combine(day, time.min))
        end = utc(datetime.combine(day + timedelta(days=1), time.min))
        hours = [{"hour": hour, "checkIns": 0, "checkOuts": 0} for hour in range(24)]
        Attendance = self.env["hr.attendance"]
        for field, key in (("check_in", "checkIns"), ("check_out", "checkOuts")):
            for row in Attendance.search_read([(field, ">=", start), (field, "<", end)], [field], load=None):
                hours[pytz.utc.localize(row[field]).astimezone(zone).hour][key] += 1
        employees = self._population()
        starts = {}
        for _calendar, kind, shift_start, _end in self.env["face.shift"]._plans([(e, day) for e in employees]).values():
            if kind not in ("shift", "default") or not shift_start:
                continue
            local = pytz.utc.localize(shift_start).astimezone(zone)
            if local.date() == day:  # a shift of another zone may start on the caller's previous day
                starts[local.strftime("%H:%M")] = starts.get(local.strftime("%H:%M"), 0) + 1
        return {
            "date": day.isoformat(),
            "timezone": zone.zone,
            "hours": hours,
            "shiftStarts": [{"time": moment, "employees": count} for moment, count in sorted(starts.items())],
        }

    @api.model
    def dashboard_action(self, kind, day=None):
        """The list behind a count of ``overview(day)``: ``present`` (the day's attendances), ``late``
        (the attendances of those late), ``onSite`` (the day's attendances still open), ``absent`` and
        ``onLeave`` (the persons). The same population and figures as the overview."""
        self._check_reader()
        if kind not in DASHBOARD_LISTS:
            raise invalid("kind must be one of %s." % ", ".join(DASHBOARD_LISTS))
        day = self._day_or_today(day)
        employees = self._population()
        figures, _rows = self._day_figures(employees, day, day)

        def who(condition):
            return [employee.id for employee in employees if condition(figures[(employee.id, day)])]

        titles = {
            "present": self.env._("Present on %s", day),
            "late": self.env._("Late on %s", day),
            "onSite": self.env._("Still checked in on %s", day),
            "absent": self.env._("Absent on %s", day),
            "onLeave": self.env._("On leave on %s", day),
        }
        if kind == "absent":
            domain = [("id", "in", who(lambda f: f["expected"] and not f["present"]))]
        elif kind == "onLeave":
            domain = [("id", "in", who(lambda f: f["onLeave"]))]
        else:
            domain = [("face_date", "=", day.isoformat()), ("employee_id", "in", employees.ids)]
            if kind == "late":
                domain[1] = ("employee_id", "in", who(lambda f: f["late"]))
            elif kind == "onSite":
                domain.append(("check_out", "=", False))
        return {
            "type": "ir.actions.act_window",
            "name": titles[kind],
            "res_model": DASHBOARD_LISTS[kind],
            "views": [[False, "list"], [False, "form"]],
            "domain": domain,
            "context": {"create": False},
            "target": "current",
        }
