"""GET /audit: the system log (face.system.log) and the attendance changes Odoo tracks on
hr.attendance (its chatter: creation and check-in/check-out changes made by people, not cameras),
in one list, newest first.

Deleted attendances have no chatter left: the code that deletes them logs it in the system log.
The route parses the filters; face.system.log reads the page (the same for RPC).
"""

from datetime import datetime, time, timedelta

from odoo import http
from odoo.http import request

from ..models.face_recognition_event import EventInputError, parse_day, parse_timestamp
from .api_common import api_route, bad_request, ok_page, plan_paging
from .openapi_spec import DATETIME, PLAN_PAGING, obj, operation, plan_page, query, s

ITEM = obj(
    {
        "id": s("string", description="log-<id> or attendance-<message id>"),
        "source": s("string", enum=["log", "attendance"]),
        "timestamp": DATETIME,
        "user": s("string", nullable=True, description="Login of the user who acted"),
        "userName": s("string", nullable=True),
        "action": s("string"),
        "entity": s("string", nullable=True, description="Model, e.g. hr.employee"),
        "entityId": s("integer", nullable=True),
        "objectRef": s("string", nullable=True),
        "message": s("string"),
        "details": {"nullable": True, "description": "Structured details, or the tracked changes"},
        "ipAddress": s("string", nullable=True),
        "apiKey": s("string", nullable=True),
        "category": s("string"),
        "level": s("string"),
        "severity": s("string", enum=["info", "warning", "critical"]),
    }
)
TEXT = s("string", maxLength=256)
FILTERS = [
    query("action", TEXT, "An action (person.create) or its prefix (person)"),
    query("user", TEXT, "A login or a user id"),
    query("entity", TEXT, "A model (hr.employee) or person, attendance, face, camera, daemon, key, setting"),
    query("entityId", s("integer", minimum=1, maximum=2147483647), "With entity: one record"),
    query("from", s("string", maxLength=64), "Date (YYYY-MM-DD, UTC) or ISO 8601 date-time"),
    query("to", s("string", maxLength=64), "Date (inclusive) or ISO 8601 date-time"),
    query("search", TEXT, "Part of the message"),
    query("source", s("string", enum=["log", "attendance"])),
]


def parse_bound(params, name, end=False):
    """A date (whole day, UTC) or an ISO 8601 date-time as naive UTC; None when absent."""
    value = params.get(name)
    if not value:
        return None
    if len(value) == 10:
        try:
            day = parse_day(value)
        except EventInputError as error:
            raise bad_request("%s: %s." % (name, error), field=name) from None
        return datetime.combine(day + timedelta(days=1) if end else day, time.min)
    try:
        return parse_timestamp(value)
    except (EventInputError, OverflowError):
        raise bad_request("%s must be a date (YYYY-MM-DD) or an ISO 8601 date-time." % name, field=name) from None


def text_param(params, name):
    value = params.get(name) or None
    if value and len(value) > 256:
        raise bad_request("%s is longer than 256 characters." % name, field=name)
    return value


def audit_filters(params):
    filters = {name: text_param(params, name) for name in ("action", "user", "entity", "search")}
    entity = filters.get("entity")
    if params.get("entityId"):
        try:
            filters["entityId"] = int(params["entityId"])
        except ValueError:
            raise bad_request("entityId must be an integer.", field="entityId") from None
        if not 0 < filters["entityId"] <= 2**31 - 1:
            raise bad_request("entityId is out of range.", field="entityId")
        if not entity:
            raise bad_request("entityId needs entity.", field="entityId")
    filters["from"] = parse_bound(params, "from")
    filters["to"] = parse_bound(params, "to", end=True)
    return filters


class FaceApiAudit(http.Controller):
    @api_route(
        "/audit",
        ["GET"],
        scope="logs:read",
        doc=operation(
            "Audit trail: the system log and the attendance changes",
            "Audit",
            "logs:read",
            200,
            None,
            PLAN_PAGING + FILTERS,
            ok_content=plan_page(ITEM),
            description="Newest first. `source` log: what the addon and its API did (who, from where, with "
            "which key); attendance: creations and check-in/check-out changes of attendances made in Odoo "
            "(Odoo's tracking; camera attendances are in the recognition events). Pages reach 10000 rows deep.",
        ),
    )
    def audit_trail(self, **params):
        number, size, offset = plan_paging(params)
        filters = audit_filters(params)
        source = params.get("source") or None
        items, total = request.env["face.system.log"]._audit_page(filters, source, size, offset)
        return ok_page(items, total, number, size)
