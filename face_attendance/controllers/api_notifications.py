"""The key user's own notifications (one per alert opened in their company, for managers)."""

from odoo import http
from odoo.http import request

from ..models.face_alert import SEVERITIES
from .api_alerts import LEVELS
from .api_common import api_route, audit, bool_param, iso, not_found, ok, ok_page, plan_paging
from .openapi_spec import DATETIME, PLAN_PAGING, obj, operation, plan_page, query, s

ALERT_ACTION = "face_attendance.face_alert_action"

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
    alert_id = notification.alert_id.id or None
    return {
        "id": notification.id,
        "title": notification.title or "",
        "message": notification.message or "",
        "level": LEVELS[notification.severity],
        "severity": notification.severity,
        "acknowledged": notification.acknowledged,
        "acknowledgedAt": iso(notification.acknowledged_at),
        "alertId": alert_id,
        "link": "/odoo/action-%s/%d" % (ALERT_ACTION, alert_id) if alert_id else None,
        "timestamp": iso(notification.create_date),
    }


def _own_domain():
    # The record rule already limits a user to their own; said again so the intent is local.
    return [("user_id", "=", request.env.uid)]


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
        domain = _own_domain()
        if params.get("acknowledged") not in (None, ""):
            domain.append(("acknowledged", "=", bool_param(params, "acknowledged")))
        Notification = request.env["face.notification"]
        notifications = Notification.search(domain, limit=size, offset=offset)
        return ok_page([notification_dict(n) for n in notifications], Notification.search_count(domain), number, size)

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
        notification = request.env["face.notification"].search(_own_domain() + [("id", "=", notification_id)])
        if not notification:
            raise not_found("Notification %s does not exist." % notification_id)
        notification._acknowledge()
        return ok(notification_dict(notification))

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
        domain = _own_domain()
        if bool_param(params, "acknowledgedOnly"):
            domain.append(("acknowledged", "=", True))
        notifications = request.env["face.notification"].search(domain)
        deleted = notifications._clear()
        if deleted:
            audit("notifications.clear", "face.notification", "%d notification(s) cleared" % deleted)
        return ok({"deleted": deleted})
