"""GET /audit: the system log (face.system.log) and the attendance changes Odoo tracks on
hr.attendance (its chatter: creation and check-in/check-out changes made by people, not cameras),
in one list, newest first.

Deleted attendances have no chatter left: the code that deletes them logs it in the system log.
The query model parses the filters; face.system.log reads the page (the same for RPC).
"""

from datetime import datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field, PlainValidator, WithJsonSchema, field_validator

from odoo import http
from odoo.http import request

from ..models.api_types import WHEN_SCHEMA, Answer, DateTime, Id, PlanPaging
from ..models.face_audit_trail import AUDIT_SOURCES
from ..models.face_recognition_event import EventInputError, parse_day, parse_timestamp
from .api_common import api_route, bad_request, unprocessable

BOUND_LENGTH = 64


def bound(value, end=False):
    """A date (the whole day, UTC) or an ISO 8601 date-time, as naive UTC: a day ``end`` bound is
    the start of the next day. ValueError when it is neither."""
    if len(value) > BOUND_LENGTH:
        raise ValueError("at most %d characters" % BOUND_LENGTH)
    if len(value) == 10:
        try:
            day = parse_day(value)
        except EventInputError as error:
            raise ValueError(str(error)) from None
        return datetime.combine(day + timedelta(days=1) if end else day, time.min)
    try:
        return parse_timestamp(value)
    except (EventInputError, OverflowError):
        raise ValueError("a date (YYYY-MM-DD) or an ISO 8601 date-time is expected") from None


def parse_bound(params, name, end=False):
    """``params[name]`` as ``bound`` reads it, None when absent; refused as 400 naming ``name``."""
    value = params.get(name)
    if not value:
        return None
    try:
        return bound(value, end)
    except ValueError as error:
        raise bad_request("%s: %s." % (name, str(error).rstrip(".")), field=name) from None


def _bound_type(end, description):
    def validate(value):
        if not isinstance(value, str):
            raise ValueError("a date (YYYY-MM-DD) or an ISO 8601 date-time is expected")
        return bound(value, end)

    return Annotated[
        datetime,
        PlainValidator(validate),
        WithJsonSchema(dict(WHEN_SCHEMA, maxLength=BOUND_LENGTH, description=description)),
    ]


# A lower bound: a date is its first moment; an upper bound: a date is included whole.
Start = _bound_type(False, "Date (YYYY-MM-DD, UTC) or ISO 8601 date-time")
End = _bound_type(True, "Date (inclusive) or ISO 8601 date-time")
Text = Annotated[str, Field(max_length=256)]


class AuditQuery(PlanPaging):
    action: Text = Field(None, description="An action (person.create) or its prefix (person)")
    user: Text = Field(None, description="A login or a user id")
    entity: Text = Field(
        None, description="A model (hr.employee) or person, attendance, face, camera, daemon, key, setting"
    )
    entityId: Id = Field(None, description="With entity: one record")  # noqa: N815  # the plan's camelCase
    # "from" is a Python keyword: the field has another name, the parameter keeps its own.
    start: Start = Field(None, alias="from")
    to: End = None
    search: Text = Field(None, description="Part of the message")
    source: Literal[AUDIT_SOURCES] = None

    @field_validator("entityId")
    @classmethod
    def _needs_entity(cls, value, info):
        if value is not None and not info.data.get("entity"):
            # Both are as documented: that one needs the other is a rule the document cannot say.
            raise unprocessable("entityId needs entity.", field="entityId")
        return value

    def filters(self):
        """The filters as face.system.log._audit_page reads them."""
        return {
            "action": self.action,
            "user": self.user,
            "entity": self.entity,
            "entityId": self.entityId,
            "search": self.search,
            "from": self.start,
            "to": self.to,
        }


class AuditItem(Answer):
    id: str = Field(description="log-<id> or attendance-<message id>")
    source: Literal[AUDIT_SOURCES]
    timestamp: DateTime
    user: str | None = Field(description="Login of the user who acted")
    userName: str | None  # noqa: N815
    action: str
    entity: str | None = Field(description="Model, e.g. hr.employee")
    entityId: int | None  # noqa: N815
    objectRef: str | None  # noqa: N815
    message: str
    details: Any = Field(description="Structured details, or the tracked changes (may be null)")
    ipAddress: str | None  # noqa: N815
    apiKey: str | None  # noqa: N815
    category: str
    level: str
    severity: Literal["info", "warning", "critical"]


class FaceApiAudit(http.Controller):
    @api_route(
        "/audit",
        ["GET"],
        readonly=True,
        scope="logs:read",
        summary="Audit trail: the system log and the attendance changes",
        tag="Audit",
        query=AuditQuery,
        answer=AuditItem,
        paged=True,
        description="Newest first. `source` log: what the addon and its API did (who, from where, with "
        "which key); attendance: creations and check-in/check-out changes of attendances made in Odoo "
        "(Odoo's tracking; camera attendances are in the recognition events). Pages reach 10000 rows deep.",
    )
    def audit_trail(self, query):
        return request.env["face.system.log"]._audit_page(query.filters(), query.source, query.pageSize, query.offset)
