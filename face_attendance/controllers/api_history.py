"""GET /history/person/{employeeId}: one person's sightings, attendances, HR's corrections and the
changes about them (system log lines and attendance chatter), newest first. The route parses; face.system.log reads."""

from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema

from odoo import http
from odoo.http import request

from ..models.api_types import WHEN_SCHEMA, Answer, DateTime, Id, PlanPaging
from ..models.face_audit_trail import HISTORY_TYPES as TYPES
from .api_audit import parse_bound
from .api_common import api_route
from .api_persons import PersonPath, find_person

# Read by parse_bound (as the audit's bounds are), documented as the audit's.
Bound = Annotated[str, Field(max_length=64), WithJsonSchema(dict(WHEN_SCHEMA, maxLength=64))]


class HistoryQuery(PlanPaging):
    type: Literal[TYPES] = None
    # "from" is a Python keyword: the field has another name, the parameter keeps its own.
    start: Bound = Field(None, alias="from", description="Date (YYYY-MM-DD, UTC) or ISO 8601 date-time")
    to: Bound = Field(None, description="Date (inclusive) or ISO 8601 date-time")
    cameraId: Id = Field(None, description="Only what this camera saw or made, and its corrections")  # noqa: N815


class HistoryEntry(Answer):
    id: str = Field(
        description="sighting-<event id>, attendance-<id>, correction-<id>, log-<id> or attendance-change-<id>"
    )
    type: Literal[TYPES]
    timestamp: DateTime
    message: str
    cameraId: int | None  # noqa: N815  # the plan's camelCase
    cameraName: str | None  # noqa: N815
    confidence: float | None
    outcome: str | None = Field(description="Sightings: the rules' outcome")
    attendanceId: int | None  # noqa: N815
    checkIn: DateTime  # noqa: N815
    checkOut: DateTime  # noqa: N815
    change: dict[str, Any] | None = Field(description="Changes: the audit line (as in GET /audit)")
    eventId: int | None = Field(description="Sightings and corrections of one: the recognition event")  # noqa: N815
    outcomeLabel: str | None = Field(description="Sightings: the outcome in the reader's language")  # noqa: N815
    snapshot: bool = Field(description="Sightings: a snapshot to show (Face Attendance managers only)")
    userName: str | None = Field(description="Corrections and changes: who made them")  # noqa: N815
    correction: dict[str, Any] | None = Field(
        description="Corrections: kind, label, userName, user, reason, old, new, checkIn, checkOut"
    )


class FaceApiHistory(http.Controller):
    @api_route(
        "/history/person/<string:person_id>",
        ["GET"],
        readonly=True,
        scope="attendance:read",
        summary="A person's history: sightings, attendances, corrections and changes",
        tag="Audit",
        path_model=PersonPath,
        query=HistoryQuery,
        answer=HistoryEntry,
        paged=True,
        description="The person is the person ID (as in /persons and /faces). Newest first: sightings at "
        "their time, attendances at their check-in, corrections and changes at their time. Pages reach 10000 "
        "rows deep.",
    )
    def person_history(self, person_id, query):
        bounds = {"from": query.start, "to": query.to}
        start, end = parse_bound(bounds, "from"), parse_bound(bounds, "to", end=True)
        employee = find_person(person_id)
        return request.env["face.system.log"]._person_history(
            employee, query.type, start, end, query.pageSize, query.offset, query.cameraId
        )
