import csv
import io
from datetime import date, timedelta

import pytz

from odoo import fields, http
from odoo.http import request

from ..models.face_recognition_event import EventInputError, parse_timestamp
from ..models.hr_attendance import overtime_once
from ..models.security_groups import MANAGER
from . import attendance_figures as figures
from .api_common import (
    ApiError,
    api_route,
    audit,
    bad_request,
    expect,
    iso,
    json_body,
    not_found,
    ok,
    ok_page,
    paging,
    plan_paging,
)
from .api_detections import STATUS_OUTCOMES
from .openapi_spec import (
    ATTENDANCE_FILTERS,
    DATE,
    DATETIME,
    INT32,
    PAGING,
    PLAN_PAGING,
    json_content,
    obj,
    operation,
    page,
    plan_page,
    query,
    ref,
    s,
)


def parse_day(value, name):
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise bad_request("%s must be a date as YYYY-MM-DD." % name, field=name) from None


# The columns an answer is made of: only these are read, in one query per page.
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


def attendance_dicts(attendances):
    """check_in/check_out: ISO 8601 in UTC ("Z"); date: the working day in the employee's time zone."""
    # Plain ids (load=None): names are read once per person and camera, not formatted per row.
    rows = attendances.read(READ_FIELDS, load=None)
    # The person of an attendance the reader may read, named as Odoo names a many2one (Face
    # Attendance users are not all HR officers, who alone read hr.employee).
    employees = (
        attendances.env["hr.employee"]
        .sudo()
        .with_context(active_test=False)
        .browse({row["employee_id"] for row in rows if row["employee_id"]})
    )
    Event = request.env["face.recognition.event"]
    people = {
        employee.id: (employee.person_ref or None, employee.name, Event._employee_tz(employee).zone)
        for employee in employees
    }
    # A camera's name as shown on an attendance the reader may read (Odoo's own many2one reading
    # does the same): the camera record itself stays as protected as it is.
    cameras = {
        row["id"]: row["name"]
        for row in attendances.env["face.camera"]
        .sudo()
        .with_context(active_test=False)
        .browse({row["face_camera_id"] for row in rows if row["face_camera_id"]})
        .read(["name"])
    }
    now = fields.Datetime.now()
    return [_attendance_dict(row, people, cameras, now) for row in rows]


def attendance_dict(attendance):
    return attendance_dicts(attendance)[0]


def _attendance_dict(row, people, cameras, now):
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
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A CSV cell that no spreadsheet evaluates: text starting like a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def attendance_csv(attendances):
    """UTF-8 CSV of attendance records, one row each, built in chunks to bound memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    ids = attendances.ids
    for start in range(0, len(ids), 1000):
        for row in attendance_dicts(attendances.browse(ids[start : start + 1000])):
            writer.writerow([csv_cell(row[c]) for c in CSV_COLUMNS])
        attendances.invalidate_model()
    return buffer.getvalue().encode("utf-8")


def attendance_domain(params):
    """Filters shared by the list and the CSV export; dates are working days in each employee's zone."""
    domain = []
    start = parse_day(params["start_date"], "start_date") if params.get("start_date") else None
    end = parse_day(params["end_date"], "end_date") if params.get("end_date") else None
    if start and end and end < start:
        raise bad_request("end_date is before start_date.")
    if start:
        domain.append(("face_date", ">=", start))
    if end:
        domain.append(("face_date", "<=", end))
    if params.get("person_id"):
        # Not find_person: Face Attendance users who are not HR officers cannot search hr.employee.
        employee = figures.find_employee(params["person_id"])
        if not employee:
            raise not_found("Person %s does not exist." % params["person_id"])
        domain.append(("employee_id", "=", employee.id))
    return domain


def csv_response(params):
    domain = attendance_domain(params)
    Attendance = request.env["hr.attendance"]
    body = attendance_csv(Attendance.search(domain, order="check_in, id"))
    filename = "attendance-%s-%s.csv" % (params.get("start_date") or "all", params.get("end_date") or "all")
    return request.make_response(
        body,
        headers=[
            ("Content-Type", "text/csv; charset=utf-8"),
            ("Content-Disposition", 'attachment; filename="%s"' % filename),
        ],
    )


class FaceApiAttendance(http.Controller):
    @api_route(
        "/attendance",
        ["GET"],
        scope="attendance:read",
        doc=operation(
            "Attendance records, newest first",
            "Attendance",
            "attendance:read",
            200,
            page("records", ref("Attendance")),
            PAGING + ATTENDANCE_FILTERS,
            description="check_in/check_out are ISO 8601 in UTC (Z); date and the date filters are the "
            "working day in each employee's time zone.",
        ),
    )
    def list_attendance(self, **params):
        limit, offset = paging(params)
        domain = attendance_domain(params)
        Attendance = request.env["hr.attendance"]
        records = Attendance.search(domain, order="check_in desc, id desc", limit=limit, offset=offset)
        return ok(
            {
                "records": attendance_dicts(records),
                "total": Attendance.search_count(domain),
                "limit": limit,
                "offset": offset,
            }
        )

    @api_route(
        "/attendance/export",
        ["GET"],
        scope="attendance:read",
        doc=operation(
            "CSV of the same filters",
            "Attendance",
            "attendance:read",
            200,
            None,
            ATTENDANCE_FILTERS,
            ok_content={"text/csv": {"schema": s("string")}},
        ),
    )
    def export_attendance(self, **params):
        """CSV of the list's filters, every matching row, oldest first, written in chunks."""
        return csv_response(params)

    @api_route(
        "/attendance/export",
        ["POST"],
        scope="attendance:read",
        doc=operation(
            "CSV of attendance records (the plan's POST form of the export)",
            "Attendance",
            "attendance:read",
            200,
            None,
            body=json_content(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "dateFrom": DATE,
                        "dateTo": DATE,
                        "employeeId": s("string", maxLength=64, description="The person ID"),
                    },
                }
            ),
            body_required=False,
            ok_content={"text/csv": {"schema": s("string")}},
            description="The same CSV as GET /attendance/export, filters in a JSON body.",
        ),
    )
    def export_attendance_post(self):
        body = json_body(optional=("dateFrom", "dateTo", "employeeId"), allow_empty=True)
        params = {
            "start_date": expect(body, "dateFrom", str, 10),
            "end_date": expect(body, "dateTo", str, 10),
            "person_id": expect(body, "employeeId", str, 64),
        }
        return csv_response(params)

    @api_route(
        "/attendance/<int:attendance_id>",
        ["GET"],
        scope="attendance:read",
        doc=operation("One attendance record", "Attendance", "attendance:read", 200, ref("Attendance")),
    )
    def get_attendance(self, attendance_id):
        attendance = request.env["hr.attendance"].search([("id", "=", attendance_id)])
        if not attendance:
            raise not_found("Attendance %s does not exist." % attendance_id)
        return ok(attendance_dict(attendance))

    @api_route(
        "/attendance/mark",
        ["POST"],
        scope="attendance:write",
        doc=operation(
            "Check a person in",
            "Attendance",
            "attendance:write",
            201,
            ref("Attendance"),
            extra_errors=["409"],
            body=json_content(
                {
                    "type": "object",
                    "required": ["person_id"],
                    "additionalProperties": False,
                    "properties": {
                        "person_id": s("string", maxLength=64),
                        "marked_by": s("string", enum=["manual", "auto"]),
                        "notes": s("string", maxLength=2000),
                        "timestamp": s("string", description="ISO 8601; default now"),
                    },
                }
            ),
        ),
    )
    def mark(self):
        body = json_body(required=("person_id",), optional=("marked_by", "notes", "timestamp"))
        person_id = expect(body, "person_id", str, 64)
        employee = figures.find_employee(person_id)
        if not employee:
            raise not_found("Person %s does not exist." % person_id)
        if body.get("marked_by", "manual") not in ("manual", "auto"):
            raise bad_request("marked_by must be manual or auto.", field="marked_by")
        expect(body, "notes", str, 2000)
        if employee.attendance_state == "checked_in":
            raise ApiError(
                409,
                "CONFLICT",
                "%s is already checked in." % employee.name,
                {"attendance_id": employee.last_attendance_id.id},
            )
        check_in = fields.Datetime.now()
        if body.get("timestamp"):
            try:
                check_in = parse_timestamp(body["timestamp"])
            except (EventInputError, OverflowError) as error:
                raise bad_request(str(error), field="timestamp") from None
        attendance = request.env["hr.attendance"].create(
            {"employee_id": employee.id, "check_in": check_in, "in_mode": "manual"}
        )
        if body.get("notes"):
            attendance.message_post(body=body["notes"])
        audit("attendance.mark", "hr.attendance,%d" % attendance.id, "%s checked in" % employee.name)
        return ok(attendance_dict(attendance), status=201)

    @api_route(
        "/attendance/<int:attendance_id>/checkout",
        ["POST"],
        scope="attendance:write",
        doc=operation(
            "Check out",
            "Attendance",
            "attendance:write",
            200,
            ref("Attendance"),
            extra_errors=["409"],
            body=json_content({"type": "object", "additionalProperties": False, "properties": {"notes": s("string")}}),
        ),
    )
    def checkout(self, attendance_id):
        json_body(optional=("notes",), allow_empty=True)
        attendance = request.env["hr.attendance"].search([("id", "=", attendance_id)])
        if not attendance:
            raise not_found("Attendance %s does not exist." % attendance_id)
        if attendance.check_out:
            raise ApiError(409, "CONFLICT", "Attendance %s is already checked out." % attendance_id)
        attendance.write({"check_out": max(fields.Datetime.now(), attendance.check_in), "out_mode": "manual"})
        audit("attendance.checkout", "hr.attendance,%d" % attendance.id, "%s checked out" % attendance.employee_id.name)
        return ok(attendance_dict(attendance))


# ------------------------------------------------------------------ the operations frontend's views
LOG_ITEM = obj(
    {
        "id": s("string", description="ATT-<attendance id>, or EVT-<employee id>-<YYYYMMDD> for a day seen only"),
        "attendanceId": s("integer", nullable=True),
        "employeeId": s("string", nullable=True, description="The person ID"),
        "personEmployeeId": s("integer"),
        "name": s("string"),
        "departmentId": s("integer", nullable=True),
        "department": s("string", nullable=True),
        "date": DATE,
        "timezone": s("string"),
        "timeIn": s("string", nullable=True, description="HH:MM:SS in the employee's time zone"),
        "timeOut": s("string", nullable=True),
        "checkIn": DATETIME,
        "checkOut": DATETIME,
        "cameraId": s("integer", nullable=True),
        "cameraName": s("string", nullable=True),
        "accuracy": s("number", nullable=True, description="Recognition confidence, percent"),
        "status": s("string", enum=["present", "late", "seen"]),
        "source": s("string", nullable=True),
        "odooStatus": s("string", enum=list(figures.LOG_STATUSES)),
        "odooSyncTime": DATETIME,
        "eventCount": s("integer", nullable=True),
    }
)
RECORD_ITEM = obj(
    {
        "id": s("integer"),
        "personId": s("string", nullable=True),
        "employeeId": s("integer"),
        "name": s("string"),
        "role": s("string", nullable=True),
        "department": s("string", nullable=True),
        "status": s("string", enum=["on-site"]),
        "accuracy": s("number", nullable=True),
        "confidence": s("number", nullable=True),
        "timestamp": DATETIME,
        "lastSeen": DATETIME,
        "cameraId": s("integer", nullable=True),
        "cameraName": s("string", nullable=True),
        "thumbnail": s("string", nullable=True, description="Managers only: URL of the last sighting's snapshot"),
    }
)
COUNTS = {
    "employees": s("integer"),
    "expected": s("integer"),
    "present": s("integer"),
    "late": s("integer"),
    "absent": s("integer"),
    "onSite": s("integer"),
}
STATISTICS = obj(
    {
        "dateFrom": DATE,
        "dateTo": DATE,
        "days": s("integer"),
        "totalEmployees": s("integer"),
        "attendances": s("integer"),
        "faceAttendances": s("integer"),
        "manualAttendances": s("integer"),
        "presentDays": s("integer"),
        "expectedDays": s("integer"),
        "absentDays": s("integer"),
        "lateDays": s("integer"),
        "attendanceRate": s("number"),
        "lateRate": s("number"),
        "averageHours": s("number"),
        "events": obj({status: s("integer") for status in ("total", "processed", "unknown", "rejected", "failed")}),
        "byDay": s(
            "array",
            items=obj(
                {
                    "date": DATE,
                    "present": s("integer"),
                    "late": s("integer"),
                    "absent": s("integer"),
                    "expected": s("integer"),
                    "attendanceRate": s("number"),
                }
            ),
        ),
    }
)
OVERVIEW = obj(
    dict(
        COUNTS,
        date=DATE,
        checkedOut=s("integer"),
        notExpected=s("integer"),
        attendanceRate=s("number"),
        detectionsToday=s("integer"),
        unknownFacesToday=s("integer"),
        byDepartment=s(
            "array",
            items=obj(dict(COUNTS, departmentId=s("integer", nullable=True), department=s("string", nullable=True))),
        ),
    )
)
PENDING_EVENT = obj(
    {
        "id": s("integer"),
        "eventId": s("string"),
        "kind": s("string", enum=["unknown-face", "undecided", "error"]),
        "timestamp": DATETIME,
        "cameraId": s("integer", nullable=True),
        "cameraName": s("string", nullable=True),
        "personId": s("string", nullable=True),
        "name": s("string", nullable=True),
        "message": s("string", nullable=True),
    }
)
PENDING = obj(
    {
        "openAttendances": s("array", items=RECORD_ITEM),
        "events": s("array", items=PENDING_EVENT),
        "counts": obj(
            {
                "openAttendances": s("integer"),
                "unknownFaces": s("integer"),
                "undecided": s("integer"),
                "errors": s("integer"),
            }
        ),
        "since": DATETIME,
    }
)
PENDING_KINDS = {"unknown": "unknown-face", "pending": "undecided", "error": "error"}
MAX_RANGE_DAYS = 93
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)


def day_param(params, name, default=None):
    value = params.get(name)
    if value in (None, ""):
        return default
    day = parse_day(value, name)
    # Far from any attendance, and from the ends of the calendar where date arithmetic overflows.
    if not FIRST_DAY <= day <= LAST_DAY:
        raise bad_request("%s must be between %s and %s." % (name, FIRST_DAY, LAST_DAY), field=name)
    return day


def int_param(params, name, default=None, low=1, high=2**31 - 1):
    value = params.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise bad_request("%s must be an integer." % name, field=name) from None
    if not low <= number <= high:
        raise bad_request("%s must be between %d and %d." % (name, low, high), field=name)
    return number


def user_today():
    """Today in the calling user's time zone (UTC when they have none)."""
    try:
        tz = pytz.timezone(request.env.user.tz or "UTC")
    except pytz.UnknownTimeZoneError:
        tz = pytz.utc
    return pytz.utc.localize(fields.Datetime.now()).astimezone(tz).date()


def date_range(params, default_days):
    end = day_param(params, "dateTo", user_today())
    start = day_param(params, "dateFrom", end - timedelta(days=default_days - 1))
    if end < start:
        raise bad_request("dateTo is before dateFrom.")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise bad_request("A range is at most %d days." % MAX_RANGE_DAYS)
    return start, end


def overtime_as_bookkeeping():
    """The caller's own rights decide their write of an attendance; Odoo's overtime update that follows
    (in 19 it reads overtime rules only attendance administrators may read) runs once, as superuser."""
    return overtime_once(request.env["hr.attendance"].sudo())


def presence_items(attendances):
    """Open attendances as the plan's presence records: the last camera is the camera of the person's
    latest sighting since the check-in (else the one that opened it)."""
    rows = attendances.read(["employee_id", "check_in", "face_camera_id", "face_confidence"], load=None)
    employee_ids = [row["employee_id"] for row in rows]
    last = {}
    if rows:
        request.env.flush_all()
        # The latest sighting of each person, in the reader's companies (the events' record rule).
        request.env.cr.execute(
            """SELECT DISTINCT ON (e.employee_id) e.employee_id, e.id, e.camera_id, e.sighted_at, e.confidence,
                      e.has_snapshot
                 FROM face_recognition_event e
                WHERE e.employee_id = ANY(%s) AND e.company_id = ANY(%s) AND e.sighted_at >= %s
             ORDER BY e.employee_id, e.sighted_at DESC, e.id DESC""",
            [employee_ids, request.env.companies.ids, min(row["check_in"] for row in rows)],
        )
        last = {row[0]: row[1:] for row in request.env.cr.fetchall()}
    people = figures.employee_info(employee_ids)
    cameras = figures.camera_names(
        [row["face_camera_id"] for row in rows if row["face_camera_id"]] + [v[1] for v in last.values() if v[1]]
    )
    manager = request.env.user.has_group(MANAGER)
    items = []
    for row in rows:
        person_ref, name, _dept_id, department, job, _tz = people[row["employee_id"]]
        event_id, camera_id, seen_at, confidence, has_snapshot = last.get(row["employee_id"], (None,) * 5)
        if not seen_at or seen_at < row["check_in"]:
            event_id, camera_id, seen_at, confidence, has_snapshot = (
                None,
                row["face_camera_id"],
                None,
                row["face_confidence"],
                False,
            )
        items.append(
            {
                "id": row["id"],
                "personId": person_ref,
                "employeeId": row["employee_id"],
                "name": name,
                "role": job,
                "department": department,
                "status": "on-site",
                "accuracy": figures.percent(confidence),
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


class FaceApiAttendancePlan(http.Controller):
    """Presence and the attendance log as the operations frontend shows them."""

    @api_route(
        "/attendance/records",
        ["GET"],
        scope="attendance:read",
        doc=operation(
            "Who is on site now",
            "Attendance",
            "attendance:read",
            200,
            s("array", items=RECORD_ITEM),
            [query("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 50})],
            description="Open attendances, latest arrival first: timestamp is the check-in, lastSeen/camera "
            "the person's latest sighting since (else the camera that checked them in). thumbnail: managers only.",
        ),
    )
    def presence(self, **params):
        limit = int_param(params, "limit", 50, 1, 500)
        attendances = request.env["hr.attendance"].search(
            [("check_out", "=", False)], order="check_in desc, id desc", limit=limit
        )
        return ok(presence_items(attendances))

    @api_route(
        "/attendance/logs",
        ["GET"],
        scope="attendance:read",
        doc=operation(
            "The attendance log: Odoo's attendances and the days seen only by cameras",
            "Attendance",
            "attendance:read",
            200,
            None,
            [
                query("search", s("string", maxLength=128), "Name or person ID contains"),
                query("cameraId", INT32),
                query("dateFrom", DATE, "First working day (employee time zone)"),
                query("dateTo", DATE, "Last working day (employee time zone)"),
                query("odooStatus", s("string", enum=list(figures.LOG_STATUSES))),
                *PLAN_PAGING,
            ],
            ok_content=plan_page(LOG_ITEM),
            description="Newest working day first. odooStatus synced: the row is an hr.attendance record "
            "(odooSyncTime: its last change); events-only: a known person was sighted that working day but "
            "no attendance exists for it (marking off, spoof, rejected, an exit with nothing open...): one "
            "row per person and day, timeIn/timeOut their first and last sighting. status: late (the day's "
            "first check-in after the start of the working day plus grace), present, or seen (events-only). "
            "Times are in the employee's time zone.",
        ),
    )
    def logs(self, **params):
        number, size, offset = plan_paging(params)
        filters = {"dateFrom": day_param(params, "dateFrom"), "dateTo": day_param(params, "dateTo")}
        if filters["dateFrom"] and filters["dateTo"] and filters["dateTo"] < filters["dateFrom"]:
            raise bad_request("dateTo is before dateFrom.")
        filters["cameraId"] = int_param(params, "cameraId")
        status = params.get("odooStatus") or None
        if status and status not in figures.LOG_STATUSES:
            raise bad_request("odooStatus must be one of %s." % ", ".join(figures.LOG_STATUSES), field="odooStatus")
        filters["odooStatus"] = status
        text = (params.get("search") or "").strip()
        if len(text) > 128:
            raise bad_request("search is longer than 128 characters.", field="search")
        if text:
            # Matching names narrow the rows; which rows the caller may read is Odoo's rules' business.
            filters["employee_ids"] = (
                request.env["hr.employee"]
                .sudo()
                .with_context(active_test=False)
                .search(
                    [
                        "|",
                        ("name", "ilike", text),
                        ("person_ref", "ilike", text),
                        ("company_id", "in", request.env.companies.ids),
                    ]
                )
                .ids
            )
        request.env.flush_all()
        items, total = figures.log_page(filters, offset, size)
        return ok_page(items, total, number, size)

    @api_route(
        "/attendance/manual",
        ["POST"],
        scope="attendance:write",
        doc=operation(
            "Record an attendance by hand, with the reason",
            "Attendance",
            "attendance:write",
            201,
            LOG_ITEM,
            extra_errors=["409"],
            body=json_content(
                {
                    "type": "object",
                    "required": ["employeeId", "note"],
                    "additionalProperties": False,
                    "properties": {
                        "employeeId": s("string", minLength=1, maxLength=64, description="The person ID"),
                        "cameraId": dict(INT32, description="Where the person was (kept in the audit and note)"),
                        "timestamp": s("string", maxLength=40, description="ISO 8601; default now"),
                        "checkOut": s("string", maxLength=40, description="ISO 8601: a closed attendance"),
                        "status": s("string", enum=["present", "checked-in", "checked-out"]),
                        "note": s("string", minLength=1, maxLength=2000, description="The reason (required)"),
                    },
                }
            ),
            description="present / checked-in (default): opens an attendance at timestamp (closed at checkOut "
            "when given); checked-out: closes the person's open attendance at timestamp (409 when none is "
            "open; like /attendance/{id}/checkout it is written as is, and a later sighting of that day may "
            "move it, as the rules do for any check-out). A check-in is made in manual mode and the person's "
            "sightings from then on are decided again with it by the same rules as the cameras' events; "
            "Odoo's own constraints apply (422). "
            "The note is posted on the attendance and written to the audit log with the camera.",
        ),
    )
    def manual(self):
        body = json_body(required=("employeeId", "note"), optional=("cameraId", "timestamp", "checkOut", "status"))
        person_id = expect(body, "employeeId", str, 64)
        employee = figures.find_employee(person_id)
        if not employee:
            raise not_found("Person %s does not exist." % person_id)
        note = (expect(body, "note", str, 2000) or "").strip()
        if not note:
            raise bad_request("note (the reason) cannot be empty.", field="note")
        status = expect(body, "status", str) or "present"
        if status not in ("present", "checked-in", "checked-out"):
            raise bad_request("status must be present, checked-in or checked-out.", field="status")
        camera = request.env["face.camera"]
        camera_id = expect(body, "cameraId", int)
        if camera_id is not None:
            camera = camera.search([("id", "=", camera_id)]) if camera_id > 0 else camera
            if not camera:
                raise not_found("Camera %s does not exist." % camera_id)
        moment = self._moment(body, "timestamp") or fields.Datetime.now()
        check_out = self._moment(body, "checkOut")
        if check_out and status == "checked-out":
            raise bad_request("checkOut goes with a check-in; checked-out uses timestamp.", field="checkOut")
        if check_out and check_out < moment:
            raise bad_request("checkOut is before timestamp.", field="checkOut")
        Event = request.env["face.recognition.event"]
        # The person's attendance is written by ingestion too: take its lock first, as it does.
        Event._lock_persons(employee.ids)
        Attendance = request.env["hr.attendance"]
        open_attendance = Attendance.search([("employee_id", "=", employee.id), ("check_out", "=", False)], limit=1)
        if status == "checked-out":
            if not open_attendance:
                raise ApiError(409, "CONFLICT", "%s has no open attendance to close." % employee.name)
            if moment < open_attendance.check_in:
                raise bad_request("timestamp is before the open attendance's check-in.", field="timestamp")
            attendance = open_attendance
            with overtime_as_bookkeeping():
                attendance.write({"check_out": moment, "out_mode": "manual"})
            action, since = "attendance.manual_checkout", None
        else:
            if open_attendance and (not check_out or open_attendance.check_in <= check_out):
                raise ApiError(
                    409,
                    "CONFLICT",
                    "%s is already checked in." % employee.name,
                    {"attendance_id": open_attendance.id},
                )
            vals = {"employee_id": employee.id, "check_in": moment, "in_mode": "manual"}
            if check_out:
                vals.update(check_out=check_out, out_mode="manual")
            with overtime_as_bookkeeping():
                attendance = Attendance.create(vals)
            action, since = "attendance.manual", moment
        attendance.message_post(
            body=request.env._(
                "Entered by hand (%(status)s, camera: %(camera)s): %(note)s",
                status=status,
                camera=camera.display_name or "-",
                note=note,
            )
        )
        if since:
            # Sightings around the new times are decided again with it, by the one set of rules.
            Event.sudo()._rebuild_attendance(employee, since)
        attendance = attendance.exists()
        if not attendance:
            raise ApiError(409, "CONFLICT", "The rules replaced this attendance with the cameras' sightings.")
        audit(
            action,
            "hr.attendance,%d" % attendance.id,
            "%s: %s by hand (%s)" % (employee.name, status, note[:200]),
            details={
                "reason": note,
                "status": status,
                "cameraId": camera.id or None,
                "timestamp": iso(moment),
                "checkOut": iso(check_out),
            },
        )
        request.env.flush_all()
        items = figures.log_items(
            [("a", attendance.id, employee.id, attendance.face_date, attendance.check_in, None, None)]
        )
        return ok(items[0], status=201)

    def _moment(self, body, name):
        if body.get(name) is None:
            return None
        try:
            return parse_timestamp(expect(body, name, str, 40))
        except (EventInputError, OverflowError) as error:
            raise bad_request("%s: %s" % (name, error), field=name) from None

    @api_route(
        "/attendance/<int:attendance_id>",
        ["DELETE"],
        scope="attendance:write",
        doc=operation(
            "Delete an attendance (managers), with the reason",
            "Attendance",
            "attendance:write",
            200,
            obj({"id": s("integer"), "deleted": s("boolean"), "rejectedEvents": s("integer")}),
            [query("reason", s("string", minLength=1, maxLength=2000), "Why (required, audited)", required=True)],
            description="Face Attendance managers only. An attendance made by the cameras would be made again "
            "from its sightings: those sightings are marked rejected (with the reason) and stay as evidence. "
            "Audited with the reason and the attendance's times.",
        ),
    )
    def delete_attendance(self, attendance_id, **params):
        if not request.env.user.has_group(MANAGER):
            raise ApiError(403, "FORBIDDEN", "Only Face Attendance managers delete attendances.")
        reason = (params.get("reason") or "").strip()
        if not reason:
            raise bad_request("reason is required: say why the attendance is deleted.", field="reason")
        if len(reason) > 2000:
            raise bad_request("reason is longer than 2000 characters.", field="reason")
        attendance = request.env["hr.attendance"].search([("id", "=", attendance_id)])
        if not attendance:
            raise not_found("Attendance %s does not exist." % attendance_id)
        employee = attendance.employee_id
        Event = request.env["face.recognition.event"]
        Event._lock_persons(employee.ids)
        details = {
            "reason": reason,
            "employee": employee.person_ref or employee.name,
            "check_in": iso(attendance.check_in),
            "check_out": iso(attendance.check_out),
            "in_mode": attendance.in_mode,
        }
        # The sightings that made it (events are written by the rules only): rejected, so that the
        # next decision does not make the attendance again.
        events = Event.sudo().search(
            [
                "|",
                "|",
                ("attendance_id", "=", attendance.id),
                ("id", "=", attendance.face_in_event_id.id),
                ("id", "=", attendance.face_out_event_id.id),
            ]
        )
        message = "Attendance deleted by %s: %s" % (request.env.user.name, reason)
        events.write({"outcome": "rejected", "message": message[:255]})
        attendance.unlink()
        details["rejected_events"] = events.ids
        audit("attendance.delete", "hr.attendance,%d" % attendance_id, message[:500], details=details)
        return ok({"id": attendance_id, "deleted": True, "rejectedEvents": len(events)})

    @api_route(
        "/attendance/statistics",
        ["GET"],
        scope="attendance:read",
        doc=operation(
            "Attendance figures over a range of working days",
            "Attendance",
            "attendance:read",
            200,
            STATISTICS,
            [
                query("dateFrom", DATE, "Default: 6 days before dateTo"),
                query("dateTo", DATE, "Default: today (the caller's time zone)"),
                query("departmentId", INT32),
            ],
            description="At most %d days. Over the active employees the caller may read: presentDays = "
            "person-days with an attendance; expectedDays = working days of their calendars up to today; "
            "absentDays = expected without attendance; lateDays = first check-in after the start of the day "
            "plus grace; attendanceRate = present on expected days / expected, lateRate = late / present (both "
            "percent). events counts the recognition events sighted in the range (UTC days) by status, as "
            "/detections/events maps them." % MAX_RANGE_DAYS,
        ),
    )
    def statistics(self, **params):
        start, end = date_range(params, 7)
        employees = self._employees(params)
        days_figures, rows = figures.day_figures(employees, start, end)
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
        return ok(
            {
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
                "attendanceRate": figures.rate(sum(c["presentExpected"] for c in by_day.values()), expected),
                "lateRate": figures.rate(late, present),
                "averageHours": round(hours / present, 2) if present else 0.0,
                "events": self._event_counts(start, end),
                "byDay": [
                    {
                        "date": day.isoformat(),
                        "present": c["present"],
                        "late": c["late"],
                        "absent": c["absent"],
                        "expected": c["expected"],
                        "attendanceRate": figures.rate(c["presentExpected"], c["expected"]),
                    }
                    for day, c in sorted(by_day.items())
                ],
            }
        )

    def _employees(self, params):
        department_id = int_param(params, "departmentId")
        domain = [("department_id", "child_of", department_id)] if department_id else []
        return figures.readable_employees(domain)

    def _event_counts(self, start, end):
        Event = request.env["face.recognition.event"]
        counts = dict.fromkeys(("total", "processed", "unknown", "rejected", "failed"), 0)
        if not Event.has_access("read"):
            return counts
        domain = [("sighted_at", ">=", start), ("sighted_at", "<", end + timedelta(days=1))]
        for outcome, count in Event._read_group(domain, ["outcome"], ["__count"]):
            counts["total"] += count
            for status, outcomes in STATUS_OUTCOMES.items():
                if outcome in outcomes and status in counts:
                    counts[status] += count
        return counts

    @api_route(
        "/attendance/overview",
        ["GET"],
        scope="attendance:read",
        doc=operation(
            "Today at a glance",
            "Attendance",
            "attendance:read",
            200,
            OVERVIEW,
            [query("date", DATE, "Default: today (the caller's time zone)")],
            description="Over the active employees the caller may read, for one working day: present, late, "
            "absent (expected by their calendar, no attendance), onSite (an attendance still open), "
            "checkedOut (present, nothing open), notExpected (a day off and not present); per department too. "
            "detectionsToday/unknownFacesToday: recognition events sighted that UTC day.",
        ),
    )
    def overview(self, **params):
        day = day_param(params, "date", user_today())
        employees = figures.readable_employees()
        day_figures, _rows = figures.day_figures(employees, day, day)
        totals = dict.fromkeys(("employees", "expected", "present", "late", "absent", "onSite"), 0)
        departments = {}
        checked_out = not_expected = 0
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
            checked_out += fig["present"] and not fig["onSite"]
            not_expected += not fig["expected"] and not fig["present"]
        events = self._event_counts(day, day)
        present_expected = sum(
            1 for e in employees if day_figures[(e.id, day)]["expected"] and day_figures[(e.id, day)]["present"]
        )
        return ok(
            dict(
                totals,
                date=day.isoformat(),
                checkedOut=checked_out,
                notExpected=not_expected,
                attendanceRate=figures.rate(present_expected, totals["expected"]),
                detectionsToday=events["total"],
                unknownFacesToday=events["unknown"],
                byDepartment=[
                    dict(counts, departmentId=department_id)
                    for department_id, counts in sorted(departments.items(), key=lambda i: (i[1]["department"] or ""))
                ],
            )
        )

    @api_route(
        "/attendance/pending",
        ["GET"],
        scope="attendance:read",
        doc=operation(
            "What awaits a decision: open attendances and undecided sightings",
            "Attendance",
            "attendance:read",
            200,
            PENDING,
            [
                query("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}),
                query("days", {"type": "integer", "minimum": 1, "maximum": 366, "default": 7}, "How far back"),
            ],
            description="openAttendances: attendances not checked out yet (as /attendance/records). events, "
            "newest first, sighted in the last `days` days: unknown-face (not recognised and not assigned to "
            "a person yet: the unknown faces review decides them), undecided (stored, not decided by the "
            "rules yet), error (the rules could not apply them, e.g. an exit with nothing open). counts are "
            "the totals; the lists stop at limit.",
        ),
    )
    def pending(self, **params):
        limit = int_param(params, "limit", 50, 1, 500)
        days = int_param(params, "days", 7, 1, 366)
        since = fields.Datetime.now() - timedelta(days=days)
        Attendance = request.env["hr.attendance"]
        open_domain = [("check_out", "=", False)]
        open_attendances = Attendance.search(open_domain, order="check_in desc, id desc", limit=limit)
        Event = request.env["face.recognition.event"]
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
            people = figures.employee_info([r["employee_id"] for r in rows if r["employee_id"]])
            cameras = figures.camera_names([r["camera_id"] for r in rows if r["camera_id"]])
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
        return ok(
            {
                "openAttendances": presence_items(open_attendances),
                "events": events,
                "counts": {
                    "openAttendances": Attendance.search_count(open_domain),
                    "unknownFaces": counts["unknown"],
                    "undecided": counts["pending"],
                    "errors": counts["error"],
                },
                "since": iso(since),
            }
        )
