"""Alerts of the operations frontend: list, acknowledge, mute, delete (archive). Alerts are raised by
the code that notices a condition (models/face_alert.py); the API only reads and handles them."""

from odoo import http
from odoo.http import request

from ..models.face_alert import ALERT_TYPES, SEVERITIES, STATES
from ..models.face_alert_api import LEVELS, MAX_MUTE_MINUTES
from .api_common import MAX_ID, api_route, bad_request, json_body, ok, ok_page, plan_paging
from .openapi_spec import DATETIME, INT32, PLAN_PAGING, json_content, obj, operation, plan_page, query, s

STATUS_FILTERS = [value for value, _label in STATES] + ["active"]

ALERT = obj(
    {
        "id": s("integer"),
        "type": s("string", enum=[value for value, _label in ALERT_TYPES]),
        "title": s("string"),
        "description": s("string"),
        "message": s("string"),
        "level": s("string", enum=sorted(set(LEVELS.values()))),
        "severity": s("string", enum=[value for value, _label in SEVERITIES]),
        "status": s("string", enum=[value for value, _label in STATES]),
        "timestamp": dict(DATETIME, description="When the condition was last seen"),
        "cameraId": s("integer", nullable=True),
        "cameraName": s("string", nullable=True),
        "daemonId": s("integer", nullable=True),
        "daemonName": s("string", nullable=True),
        "employeeId": s("integer", nullable=True),
        "personName": s("string", nullable=True),
        "eventId": s("integer", nullable=True),
        "acknowledged": s("boolean"),
        "acknowledgedBy": s("string", nullable=True),
        "acknowledgedAt": DATETIME,
        "muted": s("boolean"),
        "mutedUntil": DATETIME,
        "occurrences": s("integer"),
        "firstSeen": DATETIME,
        "lastSeen": DATETIME,
        "resolvedAt": DATETIME,
        "tags": s("array", items=s("string")),
    }
)


def alert_dict(alert):
    return alert._api_dict()


def choice_param(params, name, choices):
    value = params.get(name)
    if value in (None, ""):
        return None
    if value not in choices:
        raise bad_request("%s must be one of %s." % (name, ", ".join(choices)), field=name)
    return value


def id_param(params, name):
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise bad_request("%s must be an integer." % name, field=name) from None
    if not 0 < number <= MAX_ID:
        raise bad_request("%s is out of range." % name, field=name)
    return number


class FaceApiAlerts(http.Controller):
    @api_route(
        "/alerts",
        ["GET"],
        scope="alerts:read",
        doc=operation(
            "Alerts, newest first",
            "Alerts",
            "alerts:read",
            200,
            ALERT,
            PLAN_PAGING
            + [
                query("status", s("string", enum=STATUS_FILTERS), "active: open or acknowledged"),
                query("state", s("string", enum=STATUS_FILTERS), "Same as status"),
                query("type", s("string", enum=[value for value, _label in ALERT_TYPES])),
                query("severity", s("string", enum=[value for value, _label in SEVERITIES])),
                query("cameraId", INT32),
            ],
            ok_content=plan_page(ALERT),
            description="The alerts of the key's company, archived (deleted) ones aside.",
        ),
    )
    def list_alerts(self, **params):
        number, size, offset = plan_paging(params)
        status = choice_param(params, "status", STATUS_FILTERS) or choice_param(params, "state", STATUS_FILTERS)
        alert_type = choice_param(params, "type", [value for value, _label in ALERT_TYPES])
        severity = choice_param(params, "severity", [value for value, _label in SEVERITIES])
        camera_id = id_param(params, "cameraId")
        alerts, total = request.env["face.alert"]._api_search(status, alert_type, severity, camera_id, size, offset)
        return ok_page([alert_dict(alert) for alert in alerts], total, number, size)

    @api_route(
        "/alerts/<int:alert_id>/acknowledge",
        ["POST"],
        scope="alerts:write",
        doc=operation(
            "Acknowledge an alert",
            "Alerts",
            "alerts:write",
            200,
            ALERT,
            description="Face Attendance users. Idempotent; a resolved alert cannot be acknowledged (422).",
        ),
    )
    def acknowledge(self, alert_id):
        return ok(alert_dict(request.env["face.alert"]._api_acknowledge(alert_id)))

    @api_route(
        "/alerts/<int:alert_id>/mute",
        ["POST"],
        scope="alerts:write",
        doc=operation(
            "Mute an alert for some minutes or until a time (0 minutes: unmute)",
            "Alerts",
            "alerts:write",
            200,
            ALERT,
            body=json_content(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "minProperties": 1,
                    "maxProperties": 1,
                    "description": "Exactly one of minutes and until.",
                    "properties": {
                        "minutes": s("integer", minimum=0, maximum=MAX_MUTE_MINUTES),
                        "until": s("string", description="ISO 8601, UTC if no offset; at most 30 days ahead"),
                    },
                }
            ),
            description="Face Attendance managers. While muted, the condition seen again notifies nobody "
            "and the live monitor hides the alert.",
        ),
    )
    def mute(self, alert_id):
        body = json_body(optional=("minutes", "until"))
        return ok(alert_dict(request.env["face.alert"]._api_mute(alert_id, body)))

    @api_route(
        "/alerts/<int:alert_id>",
        ["DELETE"],
        scope="alerts:write",
        doc=operation(
            "Delete an alert (resolved and archived; the audit log keeps it)",
            "Alerts",
            "alerts:write",
            200,
            obj({"id": s("integer"), "deleted": s("boolean"), "status": s("string", enum=["resolved"])}),
            description="Face Attendance managers.",
        ),
    )
    def delete(self, alert_id):
        request.env["face.alert"]._api_delete(alert_id)
        return ok({"id": alert_id, "deleted": True, "status": "resolved"})
