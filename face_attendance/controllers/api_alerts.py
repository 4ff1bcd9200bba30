"""Alerts of the operations frontend: list, acknowledge, mute, delete (archive). Alerts are raised by
the code that notices a condition (models/face_alert.py); the API only reads and handles them."""

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, WithJsonSchema

from odoo import http
from odoo.http import request

from ..models.api_types import MOMENT_SCHEMA, Answer, Body, DateTime, Id, PlanPaging
from ..models.face_alert import ALERT_TYPES, SEVERITIES, STATES
from ..models.face_alert_api import LEVELS, MAX_MUTE_MINUTES
from .api_common import api_route

STATUS_FILTERS = [value for value, _label in STATES] + ["active"]

Level = Literal[tuple(sorted(set(LEVELS.values())))]
Severity = Literal[tuple(value for value, _label in SEVERITIES)]
AlertType = Literal[tuple(value for value, _label in ALERT_TYPES)]
AlertState = Literal[tuple(value for value, _label in STATES)]
StatusFilter = Literal[tuple(STATUS_FILTERS)]


class Alert(Answer):
    id: int
    type: AlertType
    title: str
    description: str
    message: str
    level: Level
    severity: Severity
    status: AlertState
    timestamp: DateTime = Field(description="When the condition was last seen")
    cameraId: int | None  # noqa: N815  # the plan's camelCase
    cameraName: str | None  # noqa: N815
    daemonId: int | None  # noqa: N815
    daemonName: str | None  # noqa: N815
    employeeId: int | None  # noqa: N815
    personName: str | None  # noqa: N815
    eventId: int | None  # noqa: N815
    acknowledged: bool
    acknowledgedBy: str | None  # noqa: N815
    acknowledgedAt: DateTime  # noqa: N815
    muted: bool
    mutedUntil: DateTime  # noqa: N815
    occurrences: int
    firstSeen: DateTime  # noqa: N815
    lastSeen: DateTime  # noqa: N815
    resolvedAt: DateTime  # noqa: N815
    tags: list[str]


class AlertDeleted(Answer):
    id: int
    deleted: bool
    status: Literal["resolved"]


class AlertQuery(PlanPaging):
    status: StatusFilter = Field(None, description="active: open or acknowledged")
    state: StatusFilter = Field(None, description="Same as status")
    type: AlertType = None
    severity: Severity = None
    cameraId: Id = None  # noqa: N815


class AlertMute(Body):
    # Exactly one of them: face.alert checks it (and the time's range), as the XML-RPC callers need.
    model_config = ConfigDict(
        json_schema_extra={"minProperties": 1, "maxProperties": 1, "description": "Exactly one of minutes and until."}
    )

    minutes: Annotated[int, Field(ge=0, le=MAX_MUTE_MINUTES)] = None
    until: Annotated[
        str,
        Field(max_length=64, description="ISO 8601, UTC if no offset; at most 30 days ahead"),
        WithJsonSchema(MOMENT_SCHEMA),
    ] = None


def alert_dict(alert):
    return alert._api_dict()


class FaceApiAlerts(http.Controller):
    @api_route(
        "/alerts",
        ["GET"],
        readonly=True,
        scope="alerts:read",
        summary="Alerts, newest first",
        tag="Alerts",
        query=AlertQuery,
        answer=Alert,
        paged=True,
        description="The alerts of the key's company, archived (deleted) ones aside.",
    )
    def list_alerts(self, query):
        alerts, total = request.env["face.alert"]._api_search(
            query.status or query.state,
            query.type,
            query.severity,
            query.cameraId,
            query.pageSize,
            query.offset,
        )
        return [alert_dict(alert) for alert in alerts], total

    @api_route(
        "/alerts/<int:alert_id>/acknowledge",
        ["POST"],
        scope="alerts:write",
        summary="Acknowledge an alert",
        tag="Alerts",
        answer=Alert,
        description="Face Attendance users. Idempotent; a resolved alert cannot be acknowledged (422).",
    )
    def acknowledge(self, alert_id):
        return alert_dict(request.env["face.alert"]._api_acknowledge(alert_id))

    @api_route(
        "/alerts/<int:alert_id>/mute",
        ["POST"],
        scope="alerts:write",
        summary="Mute an alert for some minutes or until a time (0 minutes: unmute)",
        tag="Alerts",
        body=AlertMute,
        answer=Alert,
        description="Face Attendance managers. While muted, the condition seen again notifies nobody "
        "and the live monitor hides the alert.",
    )
    def mute(self, alert_id, body):
        return alert_dict(request.env["face.alert"]._api_mute(alert_id, body.given()))

    @api_route(
        "/alerts/<int:alert_id>",
        ["DELETE"],
        scope="alerts:write",
        summary="Delete an alert (resolved and archived; the audit log keeps it)",
        tag="Alerts",
        answer=AlertDeleted,
        description="Face Attendance managers.",
    )
    def delete(self, alert_id):
        request.env["face.alert"]._api_delete(alert_id)
        return {"id": alert_id, "deleted": True, "status": "resolved"}
