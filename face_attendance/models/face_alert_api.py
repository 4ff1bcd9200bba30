"""Alerts, notifications and banner messages as the REST API shows and handles them (``/alerts``,
``/notifications``, ``/services/banner-messages``).

The routes parse HTTP and serialise; the lists, the actions and their log lines live here. Records
are read and changed with the caller's rights: the models' own checks (``_check_rights``,
``_check_owner``, record rules) decide who may.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import MissingError

from .api_errors import RuleError
from .face_alert import SEVERITIES
from .face_api_key import iso
from .face_banner_message import MAX_BANNER_LENGTH
from .face_ops_common import OpsInputError, check_manager, expect
from .face_recognition_event import EventInputError, parse_timestamp
from .face_recognition_service import audit

# The plan's alert levels (low, medium, high, critical) for the addon's severities.
LEVELS = {"info": "low", "warning": "high", "critical": "critical"}
MAX_MUTE_MINUTES = 30 * 24 * 60
ALERT_ACTION = "face_attendance.face_alert_action"


def body_moment(body, name):
    """``body[name]``, an ISO 8601 text, as naive UTC; None when absent."""
    value = expect(body, name, str, 64)
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except EventInputError as error:
        raise OpsInputError(str(error).replace("timestamp", name), field=name) from None
    except OverflowError:
        # A date at the ends of the calendar whose offset takes it past them.
        raise OpsInputError("%s is out of range." % name, field=name) from None


class FaceAlertApi(models.Model):
    _inherit = "face.alert"

    @api.model
    def _api_find(self, alert_id):
        alert = self.search([("id", "=", alert_id)])
        if not alert:
            raise MissingError(self.env._("Alert %s does not exist.", alert_id))
        return alert

    @api.model
    def _api_search(self, status=None, alert_type=None, severity=None, camera_id=None, limit=None, offset=0):
        """(alerts, total): the alerts of the caller's companies, archived ones aside; ``status``
        "active" is open or acknowledged."""
        domain = []
        if status == "active":
            domain.append(("state", "!=", "resolved"))
        elif status:
            domain.append(("state", "=", status))
        if alert_type:
            domain.append(("alert_type", "=", alert_type))
        if severity:
            domain.append(("severity", "=", severity))
        if camera_id:
            domain.append(("camera_id", "=", camera_id))
        return self.search(domain, limit=limit, offset=offset), self.search_count(domain)

    def _api_dict(self):
        self.ensure_one()
        alert = self
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

    @api.model
    def _api_acknowledge(self, alert_id):
        alert = self._api_find(alert_id)
        alert._acknowledge(log=False)
        audit(self.env, "alert.acknowledge", "face.alert,%d" % alert.id, "Alert acknowledged: %s" % alert.display_name)
        return alert

    @api.model
    def _api_mute_until(self, body):
        """When a mute of ``body`` (exactly one of ``minutes``, 0 to unmute, and ``until``) ends:
        naive UTC, False to unmute."""
        if ("minutes" in body) == ("until" in body):
            raise OpsInputError("Send exactly one of minutes and until.")
        if "minutes" in body:
            minutes = expect(body, "minutes", int)
            if minutes is None or not 0 <= minutes <= MAX_MUTE_MINUTES:
                raise OpsInputError("minutes is a number from 0 to %d." % MAX_MUTE_MINUTES, field="minutes")
            return fields.Datetime.now() + timedelta(minutes=minutes) if minutes else False
        try:
            return parse_timestamp(expect(body, "until", str, 64))
        except EventInputError as error:
            raise OpsInputError(str(error).replace("timestamp", "until"), field="until") from None
        except OverflowError:
            # A date at the ends of the calendar whose offset takes it past them.
            raise OpsInputError("until is out of range.", field="until") from None

    @api.model
    def _api_mute(self, alert_id, body):
        until = self._api_mute_until(body)
        alert = self._api_find(alert_id)
        alert._mute(until, log=False)
        audit(
            self.env,
            "alert.mute",
            "face.alert,%d" % alert.id,
            ("Alert muted until %s: %s" % (iso(until), alert.display_name))
            if until
            else ("Alert unmuted: %s" % alert.display_name),
        )
        return alert

    @api.model
    def _api_delete(self, alert_id):
        alert = self._api_find(alert_id)
        alert._dismiss(log=False)
        audit(
            self.env,
            "alert.delete",
            "face.alert,%d" % alert_id,
            "Alert deleted (resolved, archived): %s" % alert.display_name,
        )
        return alert


class FaceNotificationApi(models.Model):
    _inherit = "face.notification"

    @api.model
    def _api_own_domain(self):
        # The record rule already limits a user to their own; said again so the intent is local.
        return [("user_id", "=", self.env.uid)]

    @api.model
    def _api_search(self, acknowledged=None, limit=None, offset=0):
        """(notifications, total) of the caller's own; ``acknowledged``: only those (True) or only new ones."""
        domain = self._api_own_domain()
        if acknowledged is not None:
            domain.append(("acknowledged", "=", acknowledged))
        return self.search(domain, limit=limit, offset=offset), self.search_count(domain)

    def _api_dict(self):
        self.ensure_one()
        alert_id = self.alert_id.id or None
        return {
            "id": self.id,
            "title": self.title or "",
            "message": self.message or "",
            "level": LEVELS[self.severity],
            "severity": self.severity,
            "acknowledged": self.acknowledged,
            "acknowledgedAt": iso(self.acknowledged_at),
            "alertId": alert_id,
            "link": "/odoo/action-%s/%d" % (ALERT_ACTION, alert_id) if alert_id else None,
            "timestamp": iso(self.create_date),
        }

    @api.model
    def _api_acknowledge(self, notification_id):
        notification = self.search(self._api_own_domain() + [("id", "=", notification_id)])
        if not notification:
            raise MissingError(self.env._("Notification %s does not exist.", notification_id))
        notification._acknowledge()
        return notification

    @api.model
    def _api_clear(self, acknowledged_only=False):
        """Delete the caller's own notifications (only the acknowledged ones), logged; how many."""
        domain = self._api_own_domain()
        if acknowledged_only:
            domain.append(("acknowledged", "=", True))
        deleted = self.search(domain)._clear()
        if deleted:
            audit(self.env, "notifications.clear", "face.notification", "%d notification(s) cleared" % deleted)
        return deleted


class FaceBannerMessageApi(models.Model):
    _inherit = "face.banner.message"

    @api.model
    def _api_search(self, current=True, limit=None, offset=0):
        """(banners, total) of the caller's companies: those shown now, or all."""
        domain = self._current_domain() if current else []
        return self.search(domain, limit=limit, offset=offset), self.search_count(domain)

    def _api_dict(self):
        self.ensure_one()
        return {
            "id": self.id,
            "message": self.message or "",
            "level": LEVELS[self.severity],
            "severity": self.severity,
            "startsAt": iso(self.date_start),
            "endsAt": iso(self.date_end),
            "current": self._is_current(),
            # Who wrote a banner of the user's own company: the author's name only.
            "createdBy": self.sudo().create_uid.name or None,
            "createdAt": iso(self.create_date),
        }

    @api.model
    def _api_check_poster(self):
        check_manager(self.env, "Only Face Attendance managers post banner messages.")

    @api.model
    def _api_post(self, body):
        """A banner from ``body`` (message, severity, startsAt, endsAt), logged. Managers."""
        self._api_check_poster()
        severities = [value for value, _label in SEVERITIES]
        message = (expect(body, "message", str, MAX_BANNER_LENGTH) or "").strip()
        if not message:
            raise OpsInputError("message cannot be empty.", field="message")
        severity = expect(body, "severity", str) or "info"
        if severity not in severities:
            raise OpsInputError("severity must be one of %s." % ", ".join(severities), field="severity")
        start = body_moment(body, "startsAt") or fields.Datetime.now()
        end = body_moment(body, "endsAt")
        if end and end <= start:
            raise RuleError("endsAt must be after startsAt.", field="endsAt")
        banner = self.create({"message": message, "severity": severity, "date_start": start, "date_end": end or False})
        audit(
            self.env, "banner.create", "face.banner.message,%d" % banner.id, "Banner message posted: %s" % message[:200]
        )
        return banner
