"""GET /history/person/{employeeId}: one person's sightings, attendances and the changes about them
(system log lines and attendance chatter), newest first."""

from odoo import http
from odoo.http import request

from .api_audit import ITEM, log_item, merged_page, message_domain, message_source, parse_bound
from .api_common import api_route, bad_request, iso, plan_paging
from .api_persons import find_person
from .openapi_spec import DATETIME, PERSON_ID, PLAN_PAGING, obj, operation, plan_page, query, s

TYPES = ("sighting", "attendance", "change")
ENTRY = obj(
    {
        "id": s("string", description="sighting-<event id>, attendance-<id>, log-<id> or attendance-change-<id>"),
        "type": s("string", enum=list(TYPES)),
        "timestamp": DATETIME,
        "message": s("string"),
        "cameraId": s("integer", nullable=True),
        "cameraName": s("string", nullable=True),
        "confidence": s("number", nullable=True),
        "outcome": s("string", nullable=True, description="Sightings: the rules' outcome"),
        "attendanceId": s("integer", nullable=True),
        "checkIn": DATETIME,
        "checkOut": DATETIME,
        "change": dict(ITEM, nullable=True, description="Changes: the audit line (as in GET /audit)"),
    }
)


def _entry(kind, ident, moment, message, **extra):
    entry = {
        "id": "%s-%s" % (kind, ident),
        "type": kind,
        "timestamp": iso(moment),
        "message": message,
        "cameraId": None,
        "cameraName": None,
        "confidence": None,
        "outcome": None,
        "attendanceId": None,
        "checkIn": None,
        "checkOut": None,
        "change": None,
    }
    entry.update(extra)
    return entry


def _camera(record):
    # The camera's name as shown on a sighting or attendance the reader may read (as the
    # attendance API does): the camera record stays as protected as it is.
    camera = record.sudo().camera_id if "camera_id" in record._fields else record.sudo().face_camera_id
    return {"cameraId": camera.id or None, "cameraName": camera.name or None}


def sighting_source(employee, start, end):
    Event = request.env["face.recognition.event"]
    domain = [("employee_id", "=", employee.id)] + _range("sighted_at", start, end)
    outcomes = dict(Event._fields["outcome"].selection)

    def fetch(limit):
        return [
            (
                e.sighted_at,
                e.id,
                _entry(
                    "sighting",
                    e.id,
                    e.sighted_at,
                    e.message or outcomes.get(e.outcome, e.outcome),
                    confidence=e.confidence,
                    outcome=e.outcome,
                    attendanceId=e.attendance_id.id or None,
                    **_camera(e),
                ),
            )
            for e in Event.search(domain, limit=limit)
        ]

    return Event.search_count(domain), fetch


def attendance_source(employee, start, end):
    Attendance = request.env["hr.attendance"]
    domain = [("employee_id", "=", employee.id)] + _range("check_in", start, end)

    def fetch(limit):
        rows = []
        for a in Attendance.search(domain, limit=limit, order="check_in desc, id desc"):
            text = "Checked in" if not a.check_out else "Worked %.2f h" % a.worked_hours
            rows.append(
                (
                    a.check_in,
                    a.id,
                    _entry(
                        "attendance",
                        a.id,
                        a.check_in,
                        text,
                        attendanceId=a.id,
                        checkIn=iso(a.check_in),
                        checkOut=iso(a.check_out),
                        confidence=a.face_confidence or None,
                        **_camera(a),
                    ),
                )
            )
        return rows

    return Attendance.search_count(domain), fetch


def _range(field, start, end):
    return ([(field, ">=", start)] if start else []) + ([(field, "<", end)] if end else [])


def _person_log_ids(employee):
    """System log lines about the person: their record, their attendances (also deleted ones that
    say whose they were), their templates."""
    request.env["face.system.log"].flush_model()
    request.env.cr.execute(
        r"""
        SELECT l.id FROM face_system_log l
         WHERE l.object_ref ~ %(person)s
            OR l.details ->> 'employee_id' = %(id)s
            OR l.details ->> 'person_id' = %(ref)s
            OR (l.object_ref LIKE 'hr.attendance,%%' AND EXISTS (
                    SELECT 1 FROM hr_attendance a
                     WHERE a.employee_id = %(num)s AND l.object_ref = 'hr.attendance,' || a.id))
            OR (l.object_ref LIKE 'face.template,%%' AND EXISTS (
                    SELECT 1 FROM face_template t
                     WHERE t.employee_id = %(num)s AND l.object_ref = 'face.template,' || t.id))
        """,
        {
            "person": r"(^|,)hr\.employee,%d(,|$)" % employee.id,
            "id": str(employee.id),
            "ref": employee.person_ref or "",
            "num": employee.id,
        },
    )
    return [row[0] for row in request.env.cr.fetchall()]


def change_sources(employee, start, end):
    Log = request.env["face.system.log"]
    # The ids come from SQL; the search applies the caller's rights and record rules to them.
    domain = [("id", "in", _person_log_ids(employee))] + _range("create_date", start, end)

    def fetch_logs(limit):
        return [
            (r.create_date, r.id, _entry("log", r.id, r.create_date, r.message, type="change", change=log_item(r)))
            for r in Log.search(domain, limit=limit)
        ]

    count, fetch_messages = message_source(
        message_domain({"from": start, "to": end}, attendance_domain=[("employee_id", "=", employee.id)])
    )

    def fetch_changes(limit):
        return [
            (
                moment,
                ident,
                _entry(
                    "attendance-change",
                    ident,
                    moment,
                    item["message"],
                    type="change",
                    attendanceId=item["entityId"],
                    change=item,
                ),
            )
            for moment, ident, item in fetch_messages(limit)
        ]

    return [(Log.search_count(domain), fetch_logs), (count, fetch_changes)]


class FaceApiHistory(http.Controller):
    @api_route(
        "/history/person/<string:person_id>",
        ["GET"],
        path_params={"person_id": PERSON_ID["schema"]},
        scope="attendance:read",
        doc=operation(
            "A person's history: sightings, attendances and changes",
            "Audit",
            "attendance:read",
            200,
            None,
            PLAN_PAGING
            + [
                query("type", s("string", enum=list(TYPES))),
                query("from", s("string", maxLength=64), "Date (YYYY-MM-DD, UTC) or ISO 8601 date-time"),
                query("to", s("string", maxLength=64), "Date (inclusive) or ISO 8601 date-time"),
            ],
            ok_content=plan_page(ENTRY),
            description="The person is the person ID (as in /persons and /faces). Newest first: sightings at "
            "their time, attendances at their check-in, changes at their time. Pages reach 10000 rows deep.",
        ),
    )
    def person_history(self, person_id, **params):
        number, size, offset = plan_paging(params)
        kind = params.get("type") or None
        if kind not in (None,) + TYPES:
            raise bad_request("type must be one of %s." % ", ".join(TYPES), field="type")
        start, end = parse_bound(params, "from"), parse_bound(params, "to", end=True)
        employee = find_person(person_id)
        sources = []
        if kind in (None, "sighting"):
            sources.append(sighting_source(employee, start, end))
        if kind in (None, "attendance"):
            sources.append(attendance_source(employee, start, end))
        if kind in (None, "change"):
            sources += change_sources(employee, start, end)
        return merged_page(sources, number, size, offset)
