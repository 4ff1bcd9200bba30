"""What the presence and attendance views of the operations frontend are made of: the rows of the
attendance log (Odoo's attendances and the days seen only by cameras), who is late, who was expected.

Lateness is the daily summary's rule: the first check-in of a working day later than the configured
start of the day plus the grace minutes, in the employee's time zone. Expected: a working day of the
employee's calendar (Monday to Friday without one) that is not in the future.
"""

from datetime import datetime, time, timedelta

import pytz

from odoo import fields
from odoo.http import request
from odoo.tools import SQL

from ..models.odoo_compat import V19
from .api_common import iso

# Outcomes of a sighting of a known person that made no attendance: such days are "events-only" rows.
LOG_STATUSES = ("synced", "events-only")


# The group of Odoo's full-access attendance rule; others see the employees they manage attendance of.
FULL_ATTENDANCE_GROUP = "hr_attendance.group_hr_attendance_user" if V19 else "hr_attendance.group_hr_attendance_manager"


def readable_employees(domain=()):
    """Active employees of the caller's companies whose attendances the caller may read: all for
    attendance administrators, else those whose attendance manager they are (Odoo's officer rule)."""
    # hr.employee is the HR officers' model and Face Attendance users are not all HR officers: the
    # population is chosen here by Odoo's attendance rules, and shown by name and department only.
    domain = list(domain) + [("company_id", "in", request.env.companies.ids)]
    if not request.env.user.has_group(FULL_ATTENDANCE_GROUP):
        domain.append(("attendance_manager_id", "=", request.env.uid))
    return request.env["hr.employee"].sudo().search(domain)


def find_employee(person_id):
    """The person with this ID in the caller's companies, as superuser: for their id and name only;
    what the caller may do with them is decided by Odoo's rights on the attendance they write."""
    # Looked up as superuser for the same reason as readable_employees.
    return (
        request.env["hr.employee"]
        .sudo()
        .with_context(active_test=False)
        .search([("person_ref", "=", person_id), ("company_id", "in", request.env.companies.ids)], limit=1)
    )


def employee_info(employee_ids):
    """{employee id: (person ref, name, department id, department name, job title, tz)} of employees the
    reader reached through a record they may read (an attendance, an event of their company)."""
    Event = request.env["face.recognition.event"]
    # Names, departments and zones are shown as Odoo shows a many2one's name: not the whole record.
    employees = request.env["hr.employee"].sudo().with_context(active_test=False).browse(set(employee_ids))
    return {
        employee.id: (
            employee.person_ref or None,
            employee.name,
            employee.department_id.id or None,
            employee.department_id.name or None,
            employee.job_title or None,
            Event._employee_tz(employee),
        )
        for employee in employees
    }


def camera_names(camera_ids):
    # The name of a camera a readable record points to, as a many2one's name is shown.
    return {
        row["id"]: row["name"]
        for row in request.env["face.camera"]
        .sudo()
        .with_context(active_test=False)
        .browse(set(camera_ids))
        .read(["name"])
    }


def local_time(moment, tz):
    return pytz.utc.localize(moment).astimezone(tz).strftime("%H:%M:%S") if moment else None


def late_minutes(first_check_in, day, tz, start_hour, grace):
    """Minutes late of the day's first check-in, or 0 when on time."""
    expected = tz.localize(datetime.combine(day, time.min) + timedelta(hours=start_hour))
    local = pytz.utc.localize(first_check_in).astimezone(tz)
    if local > expected + grace:
        return int((local - expected).total_seconds() // 60)
    return 0


def lateness_rule():
    config = request.env["face.attendance.config"]
    return config._get("work_start_hour"), timedelta(minutes=config._get("late_grace_minutes"))


def percent(confidence):
    return round(confidence * 100.0, 1) if confidence else None


# ---------------------------------------------------------------------------------------------- logs
def log_query(filters):
    """(SQL of the union of log rows, SQL of its count) for ``filters``: attendances the reader may
    read (with Odoo's record rules) and, per person and working day without an attendance, the
    sightings of a known person in the reader's companies."""
    Attendance = request.env["hr.attendance"]
    parts = []
    if filters.get("odooStatus") in (None, "synced"):
        domain = []
        if filters.get("dateFrom"):
            domain.append(("face_date", ">=", filters["dateFrom"]))
        if filters.get("dateTo"):
            domain.append(("face_date", "<=", filters["dateTo"]))
        if filters.get("employee_ids") is not None:
            domain.append(("employee_id", "in", filters["employee_ids"]))
        if filters.get("cameraId"):
            domain.append(("face_camera_id", "=", filters["cameraId"]))
        subquery = Attendance._search(domain).subselect()
        parts.append(
            SQL(
                "SELECT 'a' AS kind, a.id AS ref, a.employee_id, a.face_date AS day, a.check_in AS moment, "
                "NULL::int[] AS event_ids, NULL::timestamp AS last_seen FROM hr_attendance a WHERE a.id IN %s",
                subquery,
            )
        )
    Event = request.env["face.recognition.event"]
    if filters.get("odooStatus") in (None, "events-only") and Event.has_access("read"):
        events_part = _events_only_query(filters)
        if events_part is not None:
            parts.append(events_part)
    if not parts:
        return None, None
    union = SQL(" UNION ALL ").join(parts)
    return union, SQL("SELECT count(*) FROM (%s) AS rows", union)


# Rows that are only sightings are grouped from the events table: without a start date they are
# looked for over this many days before the end, so that no request scans a site's whole history.
EVENTS_ONLY_DEFAULT_DAYS = 93


def _events_only_query(filters):
    if not filters.get("dateFrom"):
        end = filters.get("dateTo") or fields.Date.context_today(request.env.user)
        filters = dict(filters, dateFrom=end - timedelta(days=EVENTS_ONLY_DEFAULT_DAYS - 1))
    conditions = [
        SQL("e.employee_id IS NOT NULL"),
        SQL("e.attendance_id IS NULL"),
        SQL("e.company_id = ANY(%s)", request.env.companies.ids),
    ]
    # A coarse UTC window on the indexed column; the working days are cut exactly below.
    if filters.get("dateFrom"):
        conditions.append(
            SQL("e.sighted_at >= %s", datetime.combine(filters["dateFrom"], time.min) - timedelta(days=1))
        )
    if filters.get("dateTo"):
        conditions.append(SQL("e.sighted_at < %s", datetime.combine(filters["dateTo"], time.min) + timedelta(days=2)))
    if filters.get("employee_ids") is not None:
        conditions.append(SQL("e.employee_id = ANY(%s)", list(filters["employee_ids"]) or [0]))
    if filters.get("cameraId"):
        conditions.append(SQL("e.camera_id = %s", filters["cameraId"]))
    where = SQL(" AND ").join(conditions)
    cr = request.env.cr
    cr.execute(SQL("SELECT DISTINCT e.employee_id FROM face_recognition_event e WHERE %s", where))
    employee_ids = [row[0] for row in cr.fetchall()]
    if not employee_ids:
        return None
    zones = {employee_id: info[5].zone for employee_id, info in employee_info(employee_ids).items()}
    ids = sorted(zones)
    day_conditions = [SQL("TRUE")]
    if filters.get("dateFrom"):
        day_conditions.append(SQL("ev.day >= %s", filters["dateFrom"]))
    if filters.get("dateTo"):
        day_conditions.append(SQL("ev.day <= %s", filters["dateTo"]))
    # Zones come from pytz (validated names), passed as parameters.
    return SQL(
        """SELECT 'e' AS kind, min(ev.id) AS ref, ev.employee_id, ev.day, min(ev.sighted_at) AS moment,
                  array_agg(ev.id ORDER BY ev.sighted_at, ev.id) AS event_ids, max(ev.sighted_at) AS last_seen
             FROM (SELECT e.id, e.employee_id, e.sighted_at,
                          (e.sighted_at AT TIME ZONE 'UTC' AT TIME ZONE z.tz)::date AS day
                     FROM face_recognition_event e
                     JOIN unnest(%s::int[], %s::text[]) AS z(employee_id, tz) ON z.employee_id = e.employee_id
                    WHERE %s) AS ev
            WHERE %s
              AND NOT EXISTS (SELECT 1 FROM hr_attendance a
                               WHERE a.employee_id = ev.employee_id AND a.face_date = ev.day)
         GROUP BY ev.employee_id, ev.day""",
        ids,
        [zones[i] for i in ids],
        where,
        SQL(" AND ").join(day_conditions),
    )


def log_page(filters, offset, limit):
    """(items, total) of one page of the attendance log, newest working day first."""
    union, count = log_query(filters)
    if union is None:
        return [], 0
    cr = request.env.cr
    cr.execute(count)
    total = cr.fetchone()[0]
    cr.execute(
        SQL(
            "SELECT kind, ref, employee_id, day, moment, event_ids, last_seen FROM (%s) AS rows "
            "ORDER BY day DESC, moment DESC, kind, ref DESC LIMIT %s OFFSET %s",
            union,
            limit,
            offset,
        )
    )
    rows = cr.fetchall()
    return log_items(rows), total


def log_items(rows):
    attendance_ids = [ref for kind, ref, *_rest in rows if kind == "a"]
    attendances = {
        row["id"]: row
        for row in request.env["hr.attendance"]
        .browse(attendance_ids)
        .read(["check_in", "check_out", "face_camera_id", "face_confidence", "write_date", "in_mode"], load=None)
    }
    first_event_ids = [event_ids[0] for kind, _r, _e, _d, _m, event_ids, _l in rows if kind == "e"]
    # Events of the reader's companies (the query kept only those): camera and confidence.
    events = {
        row["id"]: row
        for row in request.env["face.recognition.event"]
        .browse(first_event_ids)
        .read(["camera_id", "confidence", "outcome"], load=None)
    }
    people = employee_info([row[2] for row in rows])
    cameras = camera_names(
        [a["face_camera_id"] for a in attendances.values() if a["face_camera_id"]]
        + [e["camera_id"] for e in events.values() if e["camera_id"]]
    )
    firsts = first_check_ins([(row[2], row[3]) for row in rows if row[0] == "a"])
    start_hour, grace = lateness_rule()
    items = []
    for kind, ref, employee_id, day, moment, event_ids, last_seen in rows:
        person_ref, name, department_id, department, _job, tz = people.get(
            employee_id, (None, "", None, None, None, pytz.utc)
        )
        item = {
            "employeeId": person_ref,
            "personEmployeeId": employee_id,
            "name": name,
            "departmentId": department_id,
            "department": department,
            "date": day.isoformat(),
            "timezone": tz.zone,
        }
        if kind == "a":
            attendance = attendances[ref]
            first = firsts.get((employee_id, day))
            late = bool(first and first == attendance["check_in"] and late_minutes(first, day, tz, start_hour, grace))
            item.update(
                id="ATT-%d" % ref,
                attendanceId=ref,
                timeIn=local_time(attendance["check_in"], tz),
                timeOut=local_time(attendance["check_out"], tz),
                checkIn=iso(attendance["check_in"]),
                checkOut=iso(attendance["check_out"]),
                cameraId=attendance["face_camera_id"] or None,
                cameraName=cameras.get(attendance["face_camera_id"]),
                accuracy=percent(attendance["face_confidence"]),
                status="late" if late else "present",
                source=attendance["in_mode"] or None,
                odooStatus="synced",
                odooSyncTime=iso(attendance["write_date"]),
                eventCount=None,
            )
        else:
            event = events.get(event_ids[0], {"camera_id": False, "confidence": 0.0})
            item.update(
                id="EVT-%d-%s" % (employee_id, day.strftime("%Y%m%d")),
                attendanceId=None,
                timeIn=local_time(moment, tz),
                timeOut=local_time(last_seen, tz) if len(event_ids) > 1 else None,
                checkIn=iso(moment),
                checkOut=None,
                cameraId=event["camera_id"] or None,
                cameraName=cameras.get(event["camera_id"]),
                accuracy=percent(event["confidence"]),
                status="seen",
                source="face",
                odooStatus="events-only",
                odooSyncTime=None,
                eventCount=len(event_ids),
            )
        items.append(item)
    return items


def first_check_ins(pairs):
    """{(employee id, working day): first check-in} over every attendance of those days."""
    if not pairs:
        return {}
    employee_ids = sorted({p[0] for p in pairs})
    days = sorted({p[1] for p in pairs})
    # The day's first check-in decides lateness even when the reader sees only some of the day's rows.
    request.env.cr.execute(
        SQL(
            "SELECT employee_id, face_date, min(check_in) FROM hr_attendance "
            "WHERE employee_id = ANY(%s) AND face_date = ANY(%s) GROUP BY employee_id, face_date",
            employee_ids,
            days,
        )
    )
    return {(e, d): first for e, d, first in request.env.cr.fetchall()}


# ------------------------------------------------------------------------------------------ figures
class ExpectedDays:
    """Whether an employee was expected to work on a day, memoised per calendar and day."""

    def __init__(self):
        self.cache = {}
        self.summary = request.env["face.attendance.daily.summary"]

    def __call__(self, employee, day, today):
        if day > today:
            return False
        calendar = employee.resource_calendar_id or employee.company_id.resource_calendar_id
        key = (calendar.id, day)
        if key not in self.cache:
            self.cache[key] = self.summary._expected_to_work(employee, day)
        return self.cache[key]


def day_figures(employees, start, end):
    """Per employee and working day from ``start`` to ``end``: present, late, expected, on site now,
    worked hours. Returns ({(employee id, day): figures}, attendances read)."""
    Event = request.env["face.recognition.event"]
    rows = request.env["hr.attendance"].search_read(
        [("face_date", ">=", start), ("face_date", "<=", end), ("employee_id", "in", employees.ids)],
        ["employee_id", "face_date", "check_in", "check_out", "worked_hours", "in_mode"],
        order="check_in",
        load=None,
    )
    by_day = {}
    for row in rows:
        by_day.setdefault((row["employee_id"], row["face_date"]), []).append(row)
    start_hour, grace = lateness_rule()
    expected = ExpectedDays()
    now = fields.Datetime.now()
    figures = {}
    day = start
    days = []
    while day <= end:
        days.append(day)
        day += timedelta(days=1)
    for employee in employees:
        tz = Event._employee_tz(employee)
        today = pytz.utc.localize(now).astimezone(tz).date()
        for day in days:
            own = by_day.get((employee.id, day))
            figures[(employee.id, day)] = {
                "present": bool(own),
                "late": bool(own and late_minutes(own[0]["check_in"], day, tz, start_hour, grace)),
                "expected": expected(employee, day, today),
                "onSite": bool(own and any(not r["check_out"] for r in own)),
                "hours": sum(((r["check_out"] or now) - r["check_in"]).total_seconds() for r in own or []) / 3600.0,
            }
    return figures, rows


def rate(part, whole):
    return round(100.0 * part / whole, 1) if whole else 0.0
