import csv
import io
from datetime import date

from odoo import fields, http
from odoo.http import request

from ..models.face_recognition_event import EventInputError, parse_timestamp
from .api_common import ApiError, api_route, audit, bad_request, expect, iso, json_body, not_found, ok, paging
from .api_persons import find_person
from .openapi_spec import ATTENDANCE_FILTERS, PAGING, json_content, operation, page, ref, s


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
    employees = (
        attendances.env["hr.employee"]
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
        domain.append(("employee_id", "=", find_person(params["person_id"]).id))
    return domain


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
        employee = find_person(expect(body, "person_id", str, 64))
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
            except EventInputError as error:
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
