"""The key user's own notifications (one per alert opened in their company, for managers)."""

from pydantic import Field

from odoo import http
from odoo.http import request

from ..models.api_types import Answer, DateTime, PlanPaging, Query
from .api_alerts import Level, Severity
from .api_common import api_route


class Notification(Answer):
    id: int
    title: str
    message: str
    level: Level
    severity: Severity
    acknowledged: bool
    acknowledgedAt: DateTime  # noqa: N815  # the plan's camelCase
    alertId: int | None  # noqa: N815
    link: str | None = Field(description="The alert in Odoo's backend")
    timestamp: DateTime


class NotificationsCleared(Answer):
    deleted: int


class NotificationQuery(PlanPaging):
    acknowledged: bool = Field(None, description="Only acknowledged (true) or only new (false) ones")


class NotificationClearQuery(Query):
    acknowledgedOnly: bool = Field(False, description="Keep the ones not acknowledged yet")  # noqa: N815


def notification_dict(notification):
    return notification._api_dict()


class FaceApiNotifications(http.Controller):
    @api_route(
        "/notifications",
        ["GET"],
        readonly=True,
        scope="alerts:read",
        summary="The key user's notifications, newest first",
        tag="Alerts",
        query=NotificationQuery,
        answer=Notification,
        paged=True,
    )
    def list_notifications(self, query):
        notifications, total = request.env["face.notification"]._api_search(
            query.acknowledged, query.pageSize, query.offset
        )
        return [notification_dict(n) for n in notifications], total

    @api_route(
        "/notifications/<int:notification_id>/acknowledge",
        ["POST"],
        scope="alerts:write",
        summary="Acknowledge one of the key user's notifications",
        tag="Alerts",
        answer=Notification,
        description="Idempotent. Another user's notification is not found (404).",
    )
    def acknowledge(self, notification_id):
        return notification_dict(request.env["face.notification"]._api_acknowledge(notification_id))

    @api_route(
        "/notifications",
        ["DELETE"],
        scope="alerts:write",
        summary="Clear the key user's notifications (all, or only the acknowledged ones)",
        tag="Alerts",
        query=NotificationClearQuery,
        answer=NotificationsCleared,
        description="Only the key user's own notifications are ever deleted; alerts stay.",
    )
    def clear(self, query):
        return {"deleted": request.env["face.notification"]._api_clear(query.acknowledgedOnly)}
