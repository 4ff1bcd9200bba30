"""What the attendance views are made of: who the caller may read, the attendance list and its CSV,
presence, the attendance log (Odoo's attendances and the days seen only by cameras), statistics,
the overview of a day and what awaits a decision.

The REST controllers (``controllers/api_attendance.py``) and the backend CSV download are thin over
this model. Its public methods are callable over RPC by any logged-in user: each checks its caller
(Face Attendance users) and reads with the caller's rights, except names, departments and time zones
of the persons behind records the caller may read (as Odoo shows a many2one's name), and the
day's figures, which take every attendance of a readable person's day into account.

Late, early leave and missing check-out are the day's figures of ``attendance_replay`` (one
definition for every report); the population is ``_population``: the active employees of the
caller's companies whose attendance they may read.
"""

from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, MissingError, ValidationError
from odoo.tools import SQL

from . import attendance_replay as rules
from .csv_export import CsvWriter
from .face_api_key import iso
from .face_recognition_event import EventInputError, parse_day
from .security_groups import FULL_ATTENDANCE_GROUP, MANAGER, USER

# odooStatus of a log row: an hr.attendance record, or a person and working day seen by cameras only.
LOG_STATUSES = ("synced", "events-only")

# Rows that are only sightings are grouped from the events table: without a start date they are
# looked for over this many days before the end, so that no request scans a site's whole history.
EVENTS_ONLY_DEFAULT_DAYS = 93

# The longest range of the statistics, in days.
MAX_RANGE_DAYS = 93

# The columns an attendance dict is made of: only these are read, in one query per page.
READ_FIELDS = [
    "employee_id",
    "check_in",
    "check_out",
    "face_date",
    "worked_hours",
    "in_mode",
    "face_confidence",
    "face_camera_id",
    "face_auto_closed",
]

CSV_COLUMNS = (
    "id",
    "person_id",
    "person_name",
    "date",
    "check_in",
    "check_out",
    "duration_minutes",
    "worked_hours",
    "status",
    "source",
    "marked_by",
    "confidence",
    "camera",
    "auto_closed",
    "timezone",
)

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).

# Outcomes of the events awaiting a decision, as the pending list names them.
PENDING_KINDS = {"unknown": "unknown-face", "pending": "undecided", "error": "error"}

# How /detections/events names the outcomes, for the event counts of the statistics.
EVENT_STATUSES = {
    "processed": ("checked_in", "checked_out", "duplicate"),
    "unknown": ("unknown",),
    "rejected": ("rejected", "spoof"),
    "failed": ("error",),
}


def invalid(message):
    """Refused input: the message is the REST API's answer (English, as the API documents it)."""
    return ValidationError(message)


def missing(message):
    """Nothing the caller may read by that id: the REST API answers 404 with this message."""
    return MissingError(message)


def percent(confidence):
    return round(confidence * 100.0, 1) if confidence else None


def rate(part, whole):
    return round(100.0 * part / whole, 1) if whole else 0.0


def local_time(moment, tz):
    return pytz.utc.localize(moment).astimezone(tz).strftime("%H:%M:%S") if moment else None


class FaceAttendanceFigures(models.AbstractModel):
    _name = "face.attendance.figures"
    _description = "Face Attendance figures"

    # ------------------------------------------------------------------ who, for whom
    @api.model
    def _check_reader(self):
        # Reads persons' names, zones and calendars in Python, some as superuser: Face Attendance
        # users only, whatever else the caller may read (as the daily summary).
        if not (self.env.su or self.env.user.has_group(USER)):
            raise AccessError(self.env._("Only Face Attendance users see attendance summaries."))

    @api.model
    def _population(self, domain=()):
        """The active employees of the caller's companies whose attendances the caller may read: all
        for attendance administrators (and the superuser), else those whose attendance manager they
        are (Odoo's officer rule). As superuser: for names, departments, zones and calendars."""
        # hr.employee is the HR officers' model and Face Attendance users are not all HR officers: the
        # population is chosen here by Odoo's attendance rules.
        return self.env["hr.employee"].sudo().search(list(domain) + self._reachable_domain())

    @api.model
    def _reachable_domain(self):
        """The employees whose attendances the caller may read, by Odoo's attendance rules: of the
        caller's companies, all for attendance administrators, else those they are attendance
        manager of (the officers' rule)."""
        domain = [("company_id", "in", self.env.companies.ids)]
        if not (self.env.su or self.env.user.has_group(FULL_ATTENDANCE_GROUP)):
            domain.append(("attendance_manager_id", "=", self.env.uid))
        return domain

    @api.model
    def _find_employee(self, person_id):
        """The person with this ID among those whose attendances the caller may read (archived too),
        as superuser: for their id and name. Empty when there is none: a person out of the caller's
        reach answers as one who does not exist, so an ID never tells a name or a presence."""
        if not person_id or not isinstance(person_id, str):
            return self.env["hr.employee"].sudo().browse()
        return (
            self.env["hr.employee"]
            .sudo()
            .with_context(active_test=False)
            .search([("person_ref", "=", person_id)] + self._reachable_domain(), limit=1)
        )

    @api.model
    def find_person(self, person_id):
        """{"id", "personId", "name"} of the person with this ID in the caller's companies."""
        self._check_reader()
        employee = self._find_employee(person_id)
        if not employee:
            raise missing("Person %s does not exist." % person_id)
        return {"id": employee.id, "personId": employee.person_ref, "name": employee.name}

    @api.model
    def _employee_info(self, employee_ids):
        """{employee id: (person ref, name, department id, department name, job title, tz)} of employees
        the reader reached through a record they may read (an attendance, an event of their company)."""
        Event = self.env["face.recognition.event"]
        # Shown as Odoo shows a many2one's name: not the whole record.
        employees = self.env["hr.employee"].sudo().with_context(active_test=False).browse(set(employee_ids))
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

    @api.model
    def _person_zones(self, employee_ids):
        """{employee id: (person ref, name, time zone name)}: what an attendance row shows of its
        person (as ``_employee_info``, without department and job)."""
        employees = self.env["hr.employee"].sudo().with_context(active_test=False).browse(set(employee_ids))
        zones = self.env["face.recognition.event"]._employee_zones(employees, also=("person_ref", "name"))
        return {
            employee.id: (employee.person_ref or None, employee.name, zone.zone) for employee, zone in zones.items()
        }

    @api.model
    def _camera_names(self, camera_ids):
        # The name of a camera a readable record points to, as a many2one's name is shown.
        return {
            row["id"]: row["name"]
            for row in self.env["face.camera"]
            .sudo()
            .with_context(active_test=False)
            .browse(set(camera_ids))
            .read(["name"])
        }

    # ------------------------------------------------------------------ input
    @api.model
    def _date(self, value, name):
        if value in (None, "", False):
            return None
        try:
            return parse_day(value)
        except EventInputError as error:
            raise invalid("%s: %s." % (name, error)) from None

    @api.model
    def _number(self, value, name, default, low, high):
        if value in (None, "", False):
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise invalid("%s must be an integer between %d and %d." % (name, low, high))
        return value

    # ------------------------------------------------------------------ attendance records
    @api.model
    def _attendance_domain(self, filters):
        """Filters of the list and the CSV: ``start_date``, ``end_date`` (working days in each
        employee's zone), ``person_id``, ``department_id``."""
        filters = filters or {}
        domain = []
        start = self._date(filters.get("start_date"), "start_date")
        end = self._date(filters.get("end_date"), "end_date")
        if start and end and end < start:
            raise invalid("end_date is before start_date.")
        if start:
            domain.append(("face_date", ">=", start))
        if end:
            domain.append(("face_date", "<=", end))
        if filters.get("person_id"):
            employee = self._find_employee(filters["person_id"])
            if not employee:
                raise missing("Person %s does not exist." % filters["person_id"])
            domain.append(("employee_id", "=", employee.id))
        if filters.get("department_id"):
            department_id = filters["department_id"]
            if isinstance(department_id, str) and department_id.isdigit():
                department_id = int(department_id)
            department_id = self._number(department_id, "department_id", None, 1, 2**31 - 1)
            domain.append(("employee_id.department_id", "child_of", department_id))
        return domain

    @api.model
    def _attendance_dicts(self, attendances):
        """check_in/check_out: ISO 8601 in UTC ("Z"); date: the working day in the employee's zone."""
        # Plain ids (load=None): names are read once per person and camera, not formatted per row.
        rows = attendances.read(READ_FIELDS, load=None)
        people = self._person_zones(r["employee_id"] for r in rows if r["employee_id"])
        cameras = self._camera_names(r["face_camera_id"] for r in rows if r["face_camera_id"])
        now = fields.Datetime.now()
        return [self._attendance_dict(row, people, cameras, now) for row in rows]

    @api.model
    def _attendance_dict(self, row, people, cameras, now):
        person_ref, name, zone = people.get(row["employee_id"], (None, "", "UTC"))
        in_mode = row["in_mode"]
        source = in_mode if in_mode in ("face", "manual", "kiosk") else ("card" if in_mode == "systray" else "manual")
        end = row["check_out"] or now
        return {
            "id": row["id"],
            "person_id": person_ref,
            "person_name": name,
            "check_in": iso(row["check_in"]),
            "check_out": iso(row["check_out"]),
            "date": row["face_date"].isoformat() if row["face_date"] else None,
            "timezone": zone,
            "duration_minutes": round((end - row["check_in"]).total_seconds() / 60.0, 1),
            "worked_hours": round(row["worked_hours"], 4),
            "status": "checked_out" if row["check_out"] else "checked_in",
            "source": source,
            "confidence": row["face_confidence"] or None,
            "marked_by": "auto" if in_mode == "face" else "manual",
            "camera": cameras.get(row["face_camera_id"]),
            "auto_closed": row["face_auto_closed"],
        }

    @api.model
    def attendance_list(self, filters=None, limit=100, offset=0):
        """{"records", "total", "limit", "offset"}: the attendances the caller may read matching
        ``filters`` (see ``_attendance_domain``), newest first."""
        self._check_reader()
        limit = self._number(limit, "limit", 100, 1, 1000)
        offset = self._number(offset, "offset", 0, 0, 10**9)
        domain = self._attendance_domain(filters)
        Attendance = self.env["hr.attendance"]
        records = Attendance.search(domain, order="check_in desc, id desc", limit=limit, offset=offset)
        if len(records) < limit and (records or not offset):
            # A page that is not full is the last one: the total is known without counting again
            # (both reads see the transaction's one snapshot).
            total = offset + len(records)
        else:
            total = Attendance.search_count(domain)
        return {
            "records": self._attendance_dicts(records),
            "total": total,
            "limit": limit,
            "offset": offset,
        }

    @api.model
    def attendance_record(self, attendance_id):
        """One attendance the caller may read, as the list shows it."""
        self._check_reader()
        attendance_id = self._number(attendance_id, "attendance_id", None, 1, 2**31 - 1)
        attendance = self.env["hr.attendance"].search([("id", "=", attendance_id)])
        if not attendance:
            raise missing("Attendance %s does not exist." % attendance_id)
        return self._attendance_dicts(attendance)[0]

    @api.model
    def attendance_csv(self, filters=None):
        """UTF-8 CSV (bytes) of the attendances the caller may read matching ``filters``, oldest first,
        one row each, built in chunks to bound memory."""
        self._check_reader()
        attendances = self.env["hr.attendance"].search(self._attendance_domain(filters), order="check_in, id")
        writer = CsvWriter(CSV_COLUMNS)
        ids = attendances.ids
        for start in range(0, len(ids), 1000):
            for row in self._attendance_dicts(attendances.browse(ids[start : start + 1000])):
                writer.row(row)
            attendances.invalidate_model()
        return writer.text().encode("utf-8")

    # ------------------------------------------------------------------ presence
    @api.model
    def presence(self, limit=50):
        """Who is on site now: the open attendances the caller may read, latest arrival first, with
        the camera of the person's latest sighting since the check-in (else the one that opened it)."""
        self._check_reader()
        limit = self._number(limit, "limit", 50, 1, 500)
        attendances = self.env["hr.attendance"].search(
            [("check_out", "=", False)], order="check_in desc, id desc", limit=limit
        )
        return self._presence_items(attendances)

    @api.model
    def _presence_items(self, attendances):
        rows = attendances.read(["employee_id", "check_in", "face_camera_id", "face_confidence"], load=None)
        employee_ids = [row["employee_id"] for row in rows]
        last = {}
        if rows:
            self.env.flush_all()
            # The latest sighting of each person, in the reader's companies (the events' record rule).
            self.env.cr.execute(
                SQL(
                    """SELECT DISTINCT ON (e.employee_id) e.employee_id, e.id, e.camera_id, e.sighted_at,
                              e.confidence, e.has_snapshot
                         FROM face_recognition_event e
                        WHERE e.employee_id = ANY(%s) AND e.company_id = ANY(%s) AND e.sighted_at >= %s
                     ORDER BY e.employee_id, e.sighted_at DESC, e.id DESC""",
                    employee_ids,
                    self.env.companies.ids,
                    min(row["check_in"] for row in rows),
                )
            )
            last = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        people = self._employee_info(employee_ids)
        cameras = self._camera_names(
            [row["face_camera_id"] for row in rows if row["face_camera_id"]] + [v[1] for v in last.values() if v[1]]
        )
        manager = self.env.user.has_group(MANAGER)
        items = []
        for row in rows:
            person_ref, name, _dept_id, department, job, _tz = people[row["employee_id"]]
            event_id, camera_id, seen_at, confidence, has_snapshot = last.get(row["employee_id"], (None,) * 5)
            if not seen_at or seen_at < row["check_in"]:
                event_id, camera_id, seen_at, confidence = None, row["face_camera_id"], None, row["face_confidence"]
                has_snapshot = False
            items.append(
                {
                    "id": row["id"],
                    "personId": person_ref,
                    "employeeId": row["employee_id"],
                    "name": name,
                    "role": job,
                    "department": department,
                    "status": "on-site",
                    "accuracy": percent(confidence),
                    "confidence": round(confidence, 4) if confidence else None,
                    "timestamp": iso(row["check_in"]),
                    "lastSeen": iso(seen_at),
                    "cameraId": camera_id or None,
                    "cameraName": cameras.get(camera_id),
                    "thumbnail": "/web/image/face.recognition.event/%d/snapshot" % event_id
                    if manager and has_snapshot and event_id
                    else None,
                }
            )
        return items

    # ------------------------------------------------------------------ the attendance log
    @api.model
    def logs(self, filters=None, offset=0, limit=20):
        """{"items", "total"}: one page of the attendance log, newest working day first. ``filters``:
        ``dateFrom``, ``dateTo`` (working days), ``cameraId``, ``odooStatus`` (see LOG_STATUSES),
        ``search`` (name or person ID contains)."""
        self._check_reader()
        filters = dict(filters or {})
        offset = self._number(offset, "offset", 0, 0, 10**9)
        limit = self._number(limit, "limit", 20, 1, 200)
        filters["dateFrom"] = self._date(filters.get("dateFrom"), "dateFrom")
        filters["dateTo"] = self._date(filters.get("dateTo"), "dateTo")
        if filters["dateFrom"] and filters["dateTo"] and filters["dateTo"] < filters["dateFrom"]:
            raise invalid("dateTo is before dateFrom.")
        filters["cameraId"] = self._number(filters.get("cameraId"), "cameraId", None, 1, 2**31 - 1)
        if filters.get("odooStatus") not in (None, "", False) + LOG_STATUSES:
            raise invalid("odooStatus must be one of %s." % ", ".join(LOG_STATUSES))
        filters["odooStatus"] = filters.get("odooStatus") or None
        text = filters.pop("search", None) or ""
        if not isinstance(text, str) or len(text.strip()) > 128:
            raise invalid("search must be a text of at most 128 characters.")
        filters.pop("employee_ids", None)  # chosen here only, from ``search``
        if text.strip():
            # Matching names narrow the rows; which rows the caller may read is Odoo's rules' business.
            filters["employee_ids"] = (
                self.env["hr.employee"]
                .sudo()
                .with_context(active_test=False)
                .search(
                    [
                        "|",
                        ("name", "ilike", text.strip()),
                        ("person_ref", "ilike", text.strip()),
                        ("company_id", "in", self.env.companies.ids),
                    ]
                )
                .ids
            )
        self.env.flush_all()
        union, count = self._log_query(filters)
        if union is None:
            return {"items": [], "total": 0}
        cr = self.env.cr
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
        return {"items": self._log_items(cr.fetchall()), "total": total}

    @api.model
    def log_entry(self, attendance_id):
        """One attendance the caller may read, as a row of the attendance log."""
        self._check_reader()
        attendance_id = self._number(attendance_id, "attendance_id", None, 1, 2**31 - 1)
        attendance = self.env["hr.attendance"].search([("id", "=", attendance_id)])
        if not attendance:
            raise missing("Attendance %s does not exist." % attendance_id)
        self.env.flush_all()
        row = ("a", attendance.id, attendance.employee_id.id, attendance.face_date, attendance.check_in, None, None)
        return self._log_items([row])[0]

    @api.model
    def _log_query(self, filters):
        """(SQL of the union of log rows, SQL of its count) for ``filters``: attendances the reader may
        read (with Odoo's record rules) and, per person and working day without an attendance, the
        sightings of a known person in the reader's companies."""
        Attendance = self.env["hr.attendance"]
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
        Event = self.env["face.recognition.event"]
        if filters.get("odooStatus") in (None, "events-only") and Event.has_access("read"):
            events_part = self._events_only_query(filters)
            if events_part is not None:
                parts.append(events_part)
        if not parts:
            return None, None
        union = SQL(" UNION ALL ").join(parts)
        return union, SQL("SELECT count(*) FROM (%s) AS rows", union)

    @api.model
    def _events_only_query(self, filters):
        if not filters.get("dateFrom"):
            end = filters.get("dateTo") or fields.Date.context_today(self.env.user)
            filters = dict(filters, dateFrom=end - timedelta(days=EVENTS_ONLY_DEFAULT_DAYS - 1))
        conditions = [
            SQL("e.employee_id IS NOT NULL"),
            SQL("e.attendance_id IS NULL"),
            SQL("e.company_id = ANY(%s)", self.env.companies.ids),
        ]
        # A coarse UTC window on the indexed column; the working days are cut exactly below.
        if filters.get("dateFrom"):
            conditions.append(
                SQL("e.sighted_at >= %s", datetime.combine(filters["dateFrom"], time.min) - timedelta(days=1))
            )
        if filters.get("dateTo"):
            conditions.append(
                SQL("e.sighted_at < %s", datetime.combine(filters["dateTo"], time.min) + timedelta(days=2))
            )
        if filters.get("employee_ids") is not None:
            conditions.append(SQL("e.employee_id = ANY(%s)", list(filters["employee_ids"]) or [0]))
        if filters.get("cameraId"):
            conditions.append(SQL("e.camera_id = %s", filters["cameraId"]))
        where = SQL(" AND ").join(conditions)
        cr = self.env.cr
        cr.execute(SQL("SELECT DISTINCT e.employee_id FROM face_recognition_event e WHERE %s", where))
        employee_ids = [row[0] for row in cr.fetchall()]
        if not employee_ids:
            return None
        zones = {employee_id: info[5].zone for employee_id, info in self._employee_info(employee_ids).items()}
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

    @api.model
    def _log_items(self, rows):
        """The log's items of rows (kind, ref, employee id, day, moment, event ids, last seen): kind
        "a" an attendance the caller may read (ref its id), "e" a person's day of sightings."""
        attendance_ids = [ref for kind, ref, *_rest in rows if kind == "a"]
        attendances = {
            row["id"]: row
            for row in self.env["hr.attendance"]
            .browse(attendance_ids)
            .read(["check_in", "check_out", "face_camera_id", "face_confidence", "write_date", "in_mode"], load=None)
        }
        first_event_ids = [event_ids[0] for kind, _r, _e, _d, _m, event_ids, _l in rows if kind == "e"]
        # Events of the reader's companies (the query kept only those): camera and confidence.
        events = {
            row["id"]: row
            for row in self.env["face.recognition.event"]
            .browse(first_event_ids)
            .read(["camera_id", "confidence", "outcome"], load=None)
        }
        people = self._employee_info([row[2] for row in rows])
        cameras = self._camera_names(
            [a["face_camera_id"] for a in attendances.values() if a["face_camera_id"]]
            + [e["camera_id"] for e in events.values() if e["camera_id"]]
        )
        employees = self.env["hr.employee"].sudo().with_context(active_test=False)
        verdicts = self._day_verdicts([(employees.browse(row[2]), row[3]) for row in rows if row[0] == "a"])
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
                verdict = verdicts.get((employee_id, day)) or rules.DayVerdict()
                # The row of the day's first check-in carries the day's lateness.
                late = verdict.late and verdict.check_in == attendance["check_in"]
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

    # ------------------------------------------------------------------ the day's figures
    @api.model
    def _day_verdicts(self, pairs, plans=None):
        """{(employee id, day): attendance_replay.DayVerdict} of each (employee, working day) of
        ``pairs``: late, early leave and missing check-out by the one definition, against what the
        day expects (``face.shift._plans``, or ``plans`` when the caller has them already). Every
        attendance of the person's day counts, also those the caller cannot read (as superuser: only
        the verdict is shown)."""
        pairs = list(dict.fromkeys((employee, day) for employee, day in pairs if day))
        if not pairs:
            return {}
        plans = plans or self.env["face.shift"]._plans(pairs)
        days = [day for _employee, day in pairs]
        # Wide enough for every zone and night shift of those days.
        window_start = datetime.combine(min(days), time.min) - timedelta(days=2)
        window_end = datetime.combine(max(days), time.min) + timedelta(days=3)
        rows = (
            self.env["hr.attendance"]
            .sudo()
            .search_read(
                [
                    ("employee_id", "in", list({employee.id for employee, _day in pairs})),
                    ("check_in", "<", window_end),
                    "|",
                    ("check_out", "=", False),
                    ("check_out", ">", window_start),
                ],
                ["employee_id", "check_in", "check_out", "face_date", "face_auto_closed"],
                order="check_in",
                load=None,
            )
        )
        stays = {}
        for row in rows:
            stays.setdefault(row["employee_id"], []).append(
                rules.Stay(row["check_in"], row["check_out"] or None, row["face_date"], row["face_auto_closed"])
            )
        grace = timedelta(minutes=self.env["face.attendance.config"]._get("late_grace_minutes"))
        now = fields.Datetime.now()
        Event = self.env["face.recognition.event"]
        today = {}
        verdicts = {}
        for employee, day in pairs:
            if employee.id not in today:
                today[employee.id] = pytz.utc.localize(now).astimezone(Event._employee_tz(employee)).date()
            _calendar, kind, start, end = plans[(employee.id, day)]
            chosen = rules.day_attendances(stays.get(employee.id, []), day, start, end)
            verdicts[(employee.id, day)] = rules.judge_day(chosen, start, end, grace, now, day < today[employee.id])
        return verdicts

    @api.model
    def _day_figures(self, employees, start, end):
        """Per employee and working day from ``start`` to ``end``: present, late, expected, on site now,
        on leave (the day's shift entirely on leave, not come: not absent), worked hours. Returns
        ({(employee id, day): figures}, attendances read)."""
        Event = self.env["face.recognition.event"]
        Summary = self.env["face.attendance.daily.summary"]
        rows = self.env["hr.attendance"].search_read(
            [("face_date", ">=", start), ("face_date", "<=", end), ("employee_id", "in", employees.ids)],
            ["employee_id", "face_date", "check_in", "check_out", "worked_hours", "in_mode"],
            order="check_in",
            load=None,
        )
        by_day = {}
        for row in rows:
            by_day.setdefault((row["employee_id"], row["face_date"]), []).append(row)
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        pairs = [(employee, day) for employee in employees for day in days]
        plans = self.env["face.shift"]._plans(pairs) if pairs else {}
        verdicts = self._day_verdicts(pairs, plans)
        expected_days = {}  # memoised per calendar and day
        now = fields.Datetime.now()
        figures = {}
        for employee in employees:
            today = pytz.utc.localize(now).astimezone(Event._employee_tz(employee)).date()
            calendar = employee.resource_calendar_id or employee.company_id.resource_calendar_id
            for day in days:
                own = by_day.get((employee.id, day))
                if day > today:
                    expected = False
                else:
                    if (calendar.id, day) not in expected_days:
                        expected_days[(calendar.id, day)] = Summary._expected_to_work(employee, day)
                    expected = expected_days[(calendar.id, day)]
                on_leave = not own and plans[(employee.id, day)][1] == "leave"
                figures[(employee.id, day)] = {
                    "present": bool(own),
                    "late": bool(own) and verdicts[(employee.id, day)].late,
                    "expected": expected and not on_leave,
                    "onLeave": on_leave,
                    "onSite": bool(own and any(not r["check_out"] for r in own)),
                    "hours": sum(((r["check_out"] or now) - r["check_in"]).total_seconds() for r in own or []) / 3600.0,
                }
        return figures, rows

    @api.model
    def _event_counts(self, start, end):
        Event = self.env["face.recognition.event"]
        counts = dict.fromkeys(("total", *EVENT_STATUSES), 0)
        if not Event.has_access("read"):
            return counts
        domain = [("sighted_at", ">=", start), ("sighted_at", "<", end + timedelta(days=1))]
        for outcome, count in Event._read_group(domain, ["outcome"], ["__count"]):
            counts["total"] += count
            for status, outcomes in EVENT_STATUSES.items():
                if outcome in outcomes:
                    counts[status] += count
        return counts

    @api.model
    def statistics(self, date_from, date_to, department_id=None):
        """Attendance figures over the working days ``date_from`` to ``date_to`` (at most
        MAX_RANGE_DAYS) of the population (in ``department_id`` and below when given)."""
        self._check_reader()
        start, end = self._date(date_from, "dateFrom"), self._date(date_to, "dateTo")
        if not (start and end):
            raise invalid("dateFrom and dateTo are required.")
        if end < start:
            raise invalid("dateTo is before dateFrom.")
        if (end - start).days >= MAX_RANGE_DAYS:
            raise invalid("A range is at most %d days." % MAX_RANGE_DAYS)
        department_id = self._number(department_id, "departmentId", None, 1, 2**31 - 1)
        employees = self._population([("department_id", "child_of", department_id)] if department_id else [])
        days_figures, rows = self._day_figures(employees, start, end)
        by_day = {}
        for (_employee_id, day), fig in days_figures.items():
            counts = by_day.setdefault(day, {"present": 0, "late": 0, "absent": 0, "expected": 0, "presentExpected": 0})
            counts["present"] += fig["present"]
            counts["late"] += fig["late"]
            counts["expected"] += fig["expected"]
            counts["absent"] += fig["expected"] and not fig["present"]
            counts["presentExpected"] += fig["expected"] and fig["present"]
        present = sum(c["present"] for c in by_day.values())
        expected = sum(c["expected"] for c in by_day.values())
        late = sum(c["late"] for c in by_day.values())
        hours = sum(fig["hours"] for fig in days_figures.values())
        return {
            "dateFrom": start.isoformat(),
            "dateTo": end.isoformat(),
            "days": (end - start).days + 1,
            "totalEmployees": len(employees),
            "attendances": len(rows),
            "faceAttendances": sum(1 for r in rows if r["in_mode"] == "face"),
            "manualAttendances": sum(1 for r in rows if r["in_mode"] == "manual"),
            "presentDays": present,
            "expectedDays": expected,
            "absentDays": sum(c["absent"] for c in by_day.values()),
            "lateDays": late,
            "attendanceRate": rate(sum(c["presentExpected"] for c in by_day.values()), expected),
            "lateRate": rate(late, present),
            "averageHours": round(hours / present, 2) if present else 0.0,
            "events": self._event_counts(start, end),
            "byDay": [
                {
                    "date": day.isoformat(),
                    "present": c["present"],
                    "late": c["late"],
                    "absent": c["absent"],
                    "expected": c["expected"],
                    "attendanceRate": rate(c["presentExpected"], c["expected"]),
                }
                for day, c in sorted(by_day.items())
            ],
        }

    @api.model
    def overview(self, day):
        """One working day at a glance over the population, per department too."""
        self._check_reader()
        day = self._date(day, "date")
        if not day:
            raise invalid("date is required.")
        employees = self._population()
        day_figures, _rows = self._day_figures(employees, day, day)
        totals = dict.fromkeys(("employees", "expected", "present", "late", "absent", "onSite", "onLeave"), 0)
        departments = {}
        checked_out = not_expected = present_expected = 0
        for employee in employees:
            fig = day_figures[(employee.id, day)]
            department = departments.setdefault(
                employee.department_id.id or None,
                dict(dict.fromkeys(totals, 0), department=employee.department_id.name or None),
            )
            for counts in (totals, department):
                counts["employees"] += 1
                counts["expected"] += fig["expected"]
                counts["present"] += fig["present"]
                counts["late"] += fig["late"]
                counts["absent"] += fig["expected"] and not fig["present"]
                counts["onSite"] += fig["onSite"]
                counts["onLeave"] += fig["onLeave"]
            checked_out += fig["present"] and not fig["onSite"]
            not_expected += not fig["expected"] and not fig["present"] and not fig["onLeave"]
            present_expected += fig["expected"] and fig["present"]
        events = self._event_counts(day, day)
        return dict(
            totals,
            date=day.isoformat(),
            checkedOut=checked_out,
            notExpected=not_expected,
            attendanceRate=rate(present_expected, totals["expected"]),
            detectionsToday=events["total"],
            unknownFacesToday=events["unknown"],
            byDepartment=[
                dict(counts, departmentId=department_id)
                for department_id, counts in sorted(departments.items(), key=lambda i: i[1]["department"] or "")
            ],
        )

    # ------------------------------------------------------------------ pending
    @api.model
    def pending(self, limit=50, days=7):
        """What awaits a decision: open attendances the caller may read, and the events of the last
        ``days`` days that are unknown faces, undecided or in error; the lists stop at ``limit``."""
        self._check_reader()
        limit = self._number(limit, "limit", 50, 1, 500)
        days = self._number(days, "days", 7, 1, 366)
        since = fields.Datetime.now() - timedelta(days=days)
        Attendance = self.env["hr.attendance"]
        open_domain = [("check_out", "=", False)]
        open_attendances = Attendance.search(open_domain, order="check_in desc, id desc", limit=limit)
        Event = self.env["face.recognition.event"]
        events, counts = [], {"unknown": 0, "pending": 0, "error": 0}
        if Event.has_access("read"):
            domain = [("outcome", "in", list(PENDING_KINDS)), ("sighted_at", ">=", since)]
            for outcome, count in Event._read_group(domain, ["outcome"], ["__count"]):
                counts[outcome] = count
            rows = Event.search_read(
                domain,
                ["event_uid", "sighted_at", "camera_id", "employee_id", "outcome", "message"],
                limit=limit,
                order="sighted_at desc, id desc",
                load=None,
            )
            people = self._employee_info([r["employee_id"] for r in rows if r["employee_id"]])
            cameras = self._camera_names([r["camera_id"] for r in rows if r["camera_id"]])
            for row in rows:
                person = people.get(row["employee_id"], (None, None))
                events.append(
                    {
                        "id": row["id"],
                        "eventId": row["event_uid"],
                        "kind": PENDING_KINDS[row["outcome"]],
                        "timestamp": iso(row["sighted_at"]),
                        "cameraId": row["camera_id"] or None,
                        "cameraName": cameras.get(row["camera_id"]),
                        "personId": person[0],
                        "name": person[1],
                        "message": row["message"] or None,
                    }
                )
        return {
            "openAttendances": self._presence_items(open_attendances),
            "events": events,
            "counts": {
                "openAttendances": Attendance.search_count(open_domain),
                "unknownFaces": counts["unknown"],
                "undecided": counts["pending"],
                "errors": counts["error"],
            },
            "since": iso(since),
        }
