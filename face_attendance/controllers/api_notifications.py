"""The key user's own notifications (one per alert opened in their company, for managers)."""

from odoo import http
from odoo.http import request

from ..models.face_alert import SEVERITIES
from .api_alerts import LEVELS
from .api_common import api_route, bool_param, ok, ok_page, plan_paging
from .openapi_spec import DATETIME, PLAN_PAGING, obj, operation, plan_page, query, s

NOTIFICATION = obj(
    {
        "id": s("integer"),
        "title": s("string"),
        "message": s("string"),
        "level": s("string", enum=sorted(set(LEVELS.values()))),
        "severity": s("string", enum=[value for value, _label in SEVERITIES]),
        "acknowledged": s("boolean"),
        "acknowledgedAt": DATETIME,
        "alertId": s("integer", nullable=True),
        "link": s("string", nullable=True, description="The alert in Odoo's backend"),
        "timestamp": DATETIME,
    }
)


def notification_dict(notification):
    return notification._api_dict()


class FaceApiNotifications(http.Controller):
    @api_route(
        "/notifications",
        ["GET"],
        scope="alerts:read",
        doc=operation(
            "The key user's notifications, newest first",
            "Alerts",
            "alerts:read",
            200,
            NOTIFICATION,
            PLAN_PAGING + [query("acknowledged", s("boolean"), "Only acknowledged (true) or only new (false) ones")],
            ok_content=plan_page(NOTIFICATION),
        ),
    )
    def list_notifications(self, **params):
        number, size, offset = plan_paging(params)
        acknowledged = None
        if params.get("acknowledged") not in (None, ""):
            acknowledged = bool_param(params, "acknowledged")
        notifications, total = request.env["face.notification"]._api_search(acknowledged, size, offset)
        return ok_page([notification_dict(n) for n in notifications], total, number, size)

    @api_route(
        "/notifications/<int:notification_id>/acknowledge",
        ["POST"],
        scope="alerts:write",
        doc=operation(
            "Acknowledge one of the key user's notifications",
            "Alerts",
            "alerts:write",
            200,
            NOTIFICATION,
            description="Idempotent. Another user's notification is not found (404).",
        ),
    )
    def acknowledge(self, notification_id):
        return ok(notification_dict(request.env["face.notification"]._api_acknowledge(notification_id)))

    @api_route(
        "/notifications",
        ["DELETE"],
        scope="alerts:write",
        doc=operation(
            "Clear the key user's notifications (all, or only the acknowledged ones)",
            "Alerts",
            "alerts:write",
            200,
            obj({"deleted": s("integer")}),
            [query("acknowledgedOnly", s("boolean", default=False), "Keep the ones not acknowledged yet")],
            description="Only the key user's own notifications are ever deleted; alerts stay.",
        ),
    )
    def clear(self, **params):
        deleted = request.env["face.notification"]._api_clear(bool_param(params, "acknowledgedOnly"))
        return ok({"deleted": deleted})
