"""GET /history/person/{employeeId}: one person's sightings, attendances and the changes about them
(system log lines and attendance chatter), newest first. The route parses; face.system.log reads."""

from odoo import http
from odoo.http import request

from ..models.face_audit_trail import HISTORY_TYPES as TYPES
from .api_audit import ITEM, parse_bound
from .api_common import api_route, bad_request, ok_page, plan_paging
from .api_persons import find_person
from .openapi_spec import DATETIME, PERSON_ID, PLAN_PAGING, obj, operation, plan_page, query, s

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
        items, total = request.env["face.system.log"]._person_history(employee, kind, start, end, size, offset)
        return ok_page(items, total, number, size)
