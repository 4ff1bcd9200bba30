from datetime import date, timedelta

import pytz

from odoo import fields, http
from odoo.http import request

from ..models.face_attendance_figures import LOG_STATUSES, MAX_RANGE_DAYS
from ..models.face_recognition_event import EventInputError, parse_timestamp
from ..models.face_recognition_event import parse_day as parse_calendar_day
from .api_common import (
    api_route,
    bad_request,
    expect,
    json_body,
    ok,
    ok_page,
    paging,
    plan_paging,
)
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


def moment_param(body, name):
    """An ISO 8601 date-time of a JSON body (UTC when it has no offset), or None when absent."""
    if body.get(name) is None:
        return None
    try:
        return parse_timestamp(expect(body, name, str, 40))
    except (EventInputError, OverflowError) as error:
        raise bad_request("%s: %s" % (name, error), field=name) from None


def parse_day(value, name):
    try:
        return parse_calendar_day(value)
    except EventInputError as error:
        raise bad_request("%s: %s." % (name, error), field=name) from None


def attendance_dicts(attendances):
    """check_in/check_out: ISO 8601 in UTC ("Z"); date: the working day in the employee's time zone."""
    return request.env["face.attendance.figures"]._attendance_dicts(attendances)


def attendance_dict(attendance):
    return attendance_dicts(attendance)[0]


def attendance_filters(params):
    """Filters shared by the list and the CSV export; dates are working days in each employee's zone."""
    start = parse_day(params["start_date"], "start_date") if params.get("start_date") else None
    end = parse_day(params["end_date"], "end_date") if params.get("end_date") else None
    if start and end and end < start:
        raise bad_request("end_date is before start_date.")
    return {"start_date": start, "end_date": end, "person_id": params.get("person_id") or None}


def csv_response(params):
    body = request.env["face.attendance.figures"].attendance_csv(attendance_filters(params))
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
        filters = attendance_filters(params)
        return ok(request.env["face.attendance.figures"].attendance_list(filters, limit, offset))

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
        return ok(request.env["face.attendance.figures"].attendance_record(attendance_id))

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
        person = request.env["face.attendance.figures"].find_person(expect(body, "person_id", str, 64))
        if body.get("marked_by", "manual") not in ("manual", "auto"):
            raise bad_request("marked_by must be manual or auto.", field="marked_by")
        notes = expect(body, "notes", str, 2000) or ""
        check_in = moment_param(body, "timestamp")
        attendance_id = request.env["hr.attendance"].face_enter_manually(
            person["id"], notes, status="checked-in", timestamp=check_in, door="mark"
        )
        return ok(attendance_dict(request.env["hr.attendance"].browse(attendance_id)), status=201)

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
        body = json_body(optional=("notes",), allow_empty=True)
        notes = expect(body, "notes", str, 2000) or ""
        attendance = request.env["hr.attendance"]._face_check_out_now(attendance_id, notes)
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
        "odooStatus": s("string", enum=list(LOG_STATUSES)),
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
        return ok(request.env["face.attendance.figures"].presence(limit))

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
                query("odooStatus", s("string", enum=list(LOG_STATUSES))),
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
        if status and status not in LOG_STATUSES:
            raise bad_request("odooStatus must be one of %s." % ", ".join(LOG_STATUSES), field="odooStatus")
        filters["odooStatus"] = status
        text = (params.get("search") or "").strip()
        if len(text) > 128:
            raise bad_request("search is longer than 128 characters.", field="search")
        filters["search"] = text
        result = request.env["face.attendance.figures"].logs(filters, offset, size)
        return ok_page(result["items"], result["total"], number, size)

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
            "open); a camera-made attendance closed so is corrected by HR (pinned): no later sighting moves it. "
            "A check-in is made in manual mode and the person's sightings from then on are decided again with it "
            "by the same rules as the cameras' events (sightings inside its times are absorbed); Odoo's own "
            "constraints apply (422). The same as a create or write in Odoo's screens or over RPC "
            "(hr.attendance.face_enter_manually). The note is posted on the attendance and written to the "
            "audit log with the camera.",
        ),
    )
    def manual(self):
        body = json_body(required=("employeeId", "note"), optional=("cameraId", "timestamp", "checkOut", "status"))
        person = request.env["face.attendance.figures"].find_person(expect(body, "employeeId", str, 64))
        attendance_id = request.env["hr.attendance"].face_enter_manually(
            person["id"],
            expect(body, "note", str, 2000),
            status=expect(body, "status", str) or "present",
            timestamp=moment_param(body, "timestamp"),
            check_out=moment_param(body, "checkOut"),
            camera_id=expect(body, "cameraId", int),
        )
        request.env.flush_all()
        return ok(request.env["face.attendance.figures"].log_entry(attendance_id), status=201)

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
            description="Face Attendance managers only (hr.attendance.action_face_delete, as the backend's "
            "'Delete with the reason'). The sightings inside the deleted times are set aside (rejected, the "
            "message names who deleted it, when and why) and stay as evidence; no sighting, even one arriving "
            "late, makes the attendance again. Audited with the reason and the attendance's times.",
        ),
    )
    def delete_attendance(self, attendance_id, **params):
        result = request.env["hr.attendance"]._face_delete(attendance_id, params.get("reason"))
        return ok({"id": attendance_id, "deleted": True, "rejectedEvents": result["rejected_events"]})

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
        department_id = int_param(params, "departmentId")
        return ok(request.env["face.attendance.figures"].statistics(start, end, department_id))

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
        return ok(request.env["face.attendance.figures"].overview(day))

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
        return ok(request.env["face.attendance.figures"].pending(limit, days))
