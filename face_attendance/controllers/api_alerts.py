"""Alerts of the operations frontend: list, acknowledge, mute, delete (archive). Alerts are raised by
the code that notices a condition (models/face_alert.py); the API only reads and handles them."""

from datetime import timedelta

from odoo import fields, http
from odoo.http import request

from ..models.face_alert import ALERT_TYPES, SEVERITIES, STATES
from ..models.face_recognition_event import EventInputError, parse_timestamp
from .api_common import (
    MAX_ID,
    api_route,
    audit,
    bad_request,
    expect,
    iso,
    json_body,
    not_found,
    ok,
    ok_page,
    plan_paging,
)
from .openapi_spec import DATETIME, INT32, PLAN_PAGING, json_content, obj, operation, plan_page, query, s

# The plan's alert levels (low, medium, high, critical) for the addon's severities.
LEVELS = {"info": "low", "warning": "high", "critical": "critical"}
MAX_MUTE_MINUTES = 30 * 24 * 60
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
    # The names an alert refers to (camera, daemon, person, who acknowledged) are part of the alert
    # the user may read (same company): read them without asking for each model's rights.
    named = alert.sudo()
    return {
        "id": alert.id,
        "type": alert.alert_type,
        "title": alert.display_name,
        "description": alert.message or "",
        "message": alert.message or "",
        "level": LEVELS[alert.severity],
        "severity": alert.severity,
        "status": alert.state,
        "timestamp": iso(alert.last_seen),
        "cameraId": named.camera_id.id or None,
        "cameraName": named.camera_id.name or None,
        "daemonId": named.daemon_id.id or None,
        "daemonName": named.daemon_id.name or None,
        "employeeId": named.employee_id.id or None,
        "personName": named.employee_id.name or None,
        "eventId": named.event_id.id or None,
        "acknowledged": bool(alert.acknowledged_at),
        "acknowledgedBy": named.acknowledged_by.name or None,
        "acknowledgedAt": iso(alert.acknowledged_at),
        "muted": alert.muted,
        "mutedUntil": iso(alert.muted_until),
        "occurrences": alert.occurrences,
        "firstSeen": iso(alert.first_seen),
        "lastSeen": iso(alert.last_seen),
        "resolvedAt": iso(alert.resolved_at),
        "tags": [alert.alert_type],
    }


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


def _find_alert(alert_id):
    alert = request.env["face.alert"].search([("id", "=", alert_id)])
    if not alert:
        raise not_found("Alert %s does not exist." % alert_id)
    return alert


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
        domain = []
        if status == "active":
            domain.append(("state", "!=", "resolved"))
        elif status:
            domain.append(("state", "=", status))
        alert_type = choice_param(params, "type", [value for value, _label in ALERT_TYPES])
        if alert_type:
            domain.append(("alert_type", "=", alert_type))
        severity = choice_param(params, "severity", [value for value, _label in SEVERITIES])
        if severity:
            domain.append(("severity", "=", severity))
        camera_id = id_param(params, "cameraId")
        if camera_id:
            domain.append(("camera_id", "=", camera_id))
        Alert = request.env["face.alert"]
        alerts = Alert.search(domain, limit=size, offset=offset)
        return ok_page([alert_dict(alert) for alert in alerts], Alert.search_count(domain), number, size)

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
        alert = _find_alert(alert_id)
        alert._acknowledge(log=False)
        audit("alert.acknowledge", "face.alert,%d" % alert.id, "Alert acknowledged: %s" % alert.display_name)
        return ok(alert_dict(alert))

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
        if ("minutes" in body) == ("until" in body):
            raise bad_request("Send exactly one of minutes and until.")
        if "minutes" in body:
            minutes = expect(body, "minutes", int)
            if minutes is None or not 0 <= minutes <= MAX_MUTE_MINUTES:
                raise bad_request("minutes is a number from 0 to %d." % MAX_MUTE_MINUTES, field="minutes")
            until = fields.Datetime.now() + timedelta(minutes=minutes) if minutes else False
        else:
            try:
                until = parse_timestamp(expect(body, "until", str, 64))
            except EventInputError as error:
                raise bad_request(str(error).replace("timestamp", "until"), field="until") from None
            except OverflowError:
                # A date at the ends of the calendar whose offset takes it past them.
                raise bad_request("until is out of range.", field="until") from None
        alert = _find_alert(alert_id)
        alert._mute(until, log=False)
        audit(
            "alert.mute",
            "face.alert,%d" % alert.id,
            ("Alert muted until %s: %s" % (iso(until), alert.display_name))
            if until
            else ("Alert unmuted: %s" % alert.display_name),
        )
        return ok(alert_dict(alert))

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
        alert = _find_alert(alert_id)
        alert._dismiss(log=False)
        audit("alert.delete", "face.alert,%d" % alert_id, "Alert deleted (resolved, archived): %s" % alert.display_name)
        return ok({"id": alert_id, "deleted": True, "status": "resolved"})
