"""GET /audit: the system log (face.system.log) and the attendance changes Odoo tracks on
hr.attendance (its chatter: creation and check-in/check-out changes made by people, not cameras),
in one list, newest first.

Deleted attendances have no chatter left: the code that deletes them logs it in the system log.
"""

from datetime import datetime, time, timedelta

from odoo import http
from odoo.http import request
from odoo.tools import html2plaintext
from odoo.tools.sql import escape_psql

from ..models.face_recognition_event import EventInputError, parse_timestamp
from .api_common import api_route, bad_request, iso, ok_page, plan_paging
from .openapi_spec import DATETIME, PLAN_PAGING, obj, operation, plan_page, query, s

# Pages of a merged list are cut from the first offset + size rows of each source.
MAX_DEPTH = 10000
SEVERITY = {"debug": "info", "info": "info", "warning": "warning", "error": "critical"}
ENTITIES = {
    "person": "hr.employee",
    "employee": "hr.employee",
    "attendance": "hr.attendance",
    "face": "face.template",
    "camera": "face.camera",
    "daemon": "face.daemon",
    "key": "face.api.key",
    "setting": "setting",
}
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
            day = datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            raise bad_request("%s must be a date (YYYY-MM-DD) or an ISO 8601 date-time." % name, field=name) from None
        try:
            return datetime.combine(day + timedelta(days=1) if end else day, time.min)
        except OverflowError:
            raise bad_request("%s is out of range." % name, field=name) from None
    try:
        return parse_timestamp(value)
    except (EventInputError, OverflowError):
        raise bad_request("%s must be a date (YYYY-MM-DD) or an ISO 8601 date-time." % name, field=name) from None


def user_filter(field, login_field, user):
    """A user id or a login. ASCII digits only: ``str.isdigit`` also accepts "²", which ``int()`` refuses."""
    if user.isascii() and user.isdigit():
        return (field, "=", int(user) if int(user) <= 2**31 - 1 else 0)
    return (login_field, "=", user)


def text_param(params, name):
    value = params.get(name) or None
    if value and len(value) > 256:
        raise bad_request("%s is longer than 256 characters." % name, field=name)
    return value


def split_ref(object_ref):
    if not object_ref:
        return None, None
    model, _sep, rest = object_ref.partition(",")
    first = rest.split(",")[0]
    return model, int(first) if first.isdigit() and int(first) <= 2**31 - 1 else None


def log_item(log):
    entity, entity_id = split_ref(log.object_ref)
    # Who acted is part of the line the caller may read, even a user of a company they cannot see.
    user = log.user_id.sudo()
    return {
        "id": "log-%d" % log.id,
        "source": "log",
        "timestamp": iso(log.create_date),
        "user": user.login or None,
        "userName": user.name or None,
        "action": log.action or log.category,
        "entity": entity,
        "entityId": entity_id,
        "objectRef": log.object_ref or None,
        "message": log.message,
        "details": log.details,
        "ipAddress": log.address or None,
        "apiKey": log.api_key_name or None,
        "category": log.category,
        "level": log.level,
        "severity": SEVERITY.get(log.level, "info"),
    }


def message_action(message):
    if message.tracking_value_ids:
        return "attendance.update"
    return "attendance.create" if message.message_type == "notification" else "attendance.note"


def message_item(message, attendances):
    """A chatter message of an attendance (``message`` read as superuser: see attendance_messages)."""
    env = request.env
    changes = []
    for tracking in message.tracking_value_ids._filter_has_field_access(env):
        field = tracking.field_id
        changes.append(
            {
                "field": field.name,
                "label": field.field_description,
                "old": tracking._format_display_value(field.ttype, new=False)[0],
                "new": tracking._format_display_value(field.ttype, new=True)[0],
            }
        )
    attendance = attendances.get(message.res_id)
    text = html2plaintext(message.body or "").strip()
    if changes:
        text = "; ".join("%s: %s -> %s" % (c["label"], c["old"] or "-", c["new"] or "-") for c in changes)
    elif not text:
        text = message.subtype_id.name or "Attendance"
    user = message.create_uid
    return {
        "id": "attendance-%d" % message.id,
        "source": "attendance",
        "timestamp": iso(message.date),
        "user": user.login or None,
        "userName": message.author_id.name or user.name or None,
        "action": message_action(message),
        "entity": "hr.attendance",
        "entityId": message.res_id,
        "objectRef": "hr.attendance,%d" % message.res_id,
        "message": text,
        "details": {
            "changes": changes,
            "employeeId": attendance.employee_id.id if attendance else None,
            "personId": (attendance.employee_id.person_ref or None) if attendance else None,
        },
        "ipAddress": None,
        "apiKey": None,
        "category": "attendance",
        "level": "info",
        "severity": "info",
    }


def log_domain(filters):
    domain = []
    if filters.get("action"):
        action = filters["action"]
        domain += ["|", ("action", "=", action), ("action", "=like", escape_psql(action) + ".%")]
    if filters.get("user"):
        user = filters["user"]
        domain.append(user_filter("user_id", "user_id.login", user))
    if filters.get("entity"):
        model = filters["entity"]
        if filters.get("entityId"):
            ref = "%s,%d" % (model, filters["entityId"])
            domain += ["|", ("object_ref", "=", ref), ("object_ref", "=like", escape_psql(ref) + ",%")]
        else:
            domain.append(("object_ref", "=like", escape_psql(model) + ",%"))
    if filters.get("from"):
        domain.append(("create_date", ">=", filters["from"]))
    if filters.get("to"):
        domain.append(("create_date", "<", filters["to"]))
    if filters.get("search"):
        domain.append(("message", "ilike", filters["search"]))
    return domain


def message_domain(filters, attendance_domain=None):
    """Chatter of the attendances the user may read, or None when the filters exclude it."""
    action = filters.get("action")
    domain = [
        ("model", "=", "hr.attendance"),
        # Record rules and rights of the caller decide which attendances: the same as Odoo's own
        # rule for messages (a message is read where its document is).
        ("res_id", "in", request.env["hr.attendance"]._search(attendance_domain or [])),
        ("message_type", "in", ("notification", "comment")),
    ]
    if action:
        if action in ("attendance.update",):
            domain.append(("tracking_value_ids", "!=", False))
        elif action == "attendance.create":
            domain += [("tracking_value_ids", "=", False), ("message_type", "=", "notification")]
        elif action == "attendance.note":
            domain += [("tracking_value_ids", "=", False), ("message_type", "=", "comment")]
        elif action != "attendance":
            return None
    if filters.get("user"):
        user = filters["user"]
        domain.append(user_filter("create_uid", "create_uid.login", user))
    if filters.get("entity"):
        if filters["entity"] != "hr.attendance":
            return None
        if filters.get("entityId"):
            domain.append(("res_id", "=", filters["entityId"]))
    if filters.get("from"):
        domain.append(("date", ">=", filters["from"]))
    if filters.get("to"):
        domain.append(("date", "<", filters["to"]))
    if filters.get("search"):
        domain.append(("body", "ilike", filters["search"]))
    return domain


def log_source(domain):
    Log = request.env["face.system.log"]

    def fetch(limit):
        return [(r.create_date, r.id, log_item(r)) for r in Log.search(domain, limit=limit)]

    return Log.search_count(domain), fetch


def message_source(domain):
    """Attendance chatter, read as superuser: tracking values are for administrators only in
    Odoo's rights, but the chatter shows them to whoever may read the document, and the domain
    keeps only messages of attendances the caller may read (fields filtered by their access)."""
    if domain is None:
        return 0, lambda limit: []
    Message = request.env["mail.message"].sudo()

    def fetch(limit):
        messages = Message.search(domain, limit=limit, order="date desc, id desc")
        attendances = {a.id: a for a in request.env["hr.attendance"].browse(set(messages.mapped("res_id"))).exists()}
        return [(m.date, m.id, message_item(m, attendances)) for m in messages]

    return Message.search_count(domain), fetch


def merged_page(sources, number, size, offset):
    """One page of several newest-first sources, each given as (count, fetch(limit))."""
    total = sum(count for count, _fetch in sources)
    if offset + size > MAX_DEPTH and offset < total:
        raise bad_request(
            "Pages reach at most %d rows deep: narrow the list with from and to." % MAX_DEPTH,
            max_depth=MAX_DEPTH,
        )
    rows = []
    if offset < total:
        for count, fetch in sources:
            if count:
                rows += fetch(min(count, offset + size))
    rows.sort(key=lambda row: (row[0], row[1]), reverse=True)
    return ok_page([row[2] for row in rows[offset : offset + size]], total, number, size)


def audit_filters(params):
    filters = {name: text_param(params, name) for name in ("action", "user", "entity", "search")}
    entity = filters.get("entity")
    if entity:
        filters["entity"] = ENTITIES.get(entity, entity)
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
        if source not in (None, "log", "attendance"):
            raise bad_request("source must be log or attendance.", field="source")
        sources = []
        if source in (None, "log"):
            sources.append(log_source(log_domain(filters)))
        if source in (None, "attendance"):
            sources.append(message_source(message_domain(filters)))
        return merged_page(sources, number, size, offset)
