"""Alerts: a condition noticed by the code that watches for it (an unknown face at a camera, a device
offline, deliveries failing, a spoof attempt, refused events). One alert stays active per condition
however often the condition is seen again; the managers are notified once, when it opens."""

from collections import defaultdict
from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .face_recognition_event import live_channel
from .odoo_compat import group_users
from .security_groups import MANAGER, USER

ALERT_TYPES = [
    ("unknown_face", "Unknown face"),
    ("camera_offline", "Camera offline"),
    ("daemon_offline", "Daemon offline"),
    ("delivery_failing", "Delivery failing"),
    ("spoof_attempt", "Spoof attempt"),
    ("ingestion_error", "Ingestion error"),
]
SEVERITIES = [("info", "Info"), ("warning", "Warning"), ("critical", "Critical")]
STATES = [("open", "Open"), ("acknowledged", "Acknowledged"), ("resolved", "Resolved")]
# An alert is active until resolved: acknowledging it says "seen", not "gone", so the condition seen
# again is counted on it rather than opening (and notifying) a new one.
ACTIVE = ("open", "acknowledged")
MAX_MUTE = timedelta(days=30)
BUS_ALERTS = "face_attendance/alerts"
BUS_NOTIFICATION = "face_attendance/notification"


class FaceAlert(models.Model):
    _name = "face.alert"
    _description = "Face Attendance Alert"
    _order = "last_seen desc, id desc"

    alert_type = fields.Selection(ALERT_TYPES, string="Type", required=True, readonly=True, index=True)
    severity = fields.Selection(SEVERITIES, required=True, default="warning", readonly=True, index=True)
    state = fields.Selection(STATES, required=True, default="open", readonly=True, index=True)
    message = fields.Char(readonly=True)
    camera_id = fields.Many2one("face.camera", readonly=True, index=True, ondelete="set null")
    daemon_id = fields.Many2one("face.daemon", readonly=True, index=True, ondelete="set null")
    employee_id = fields.Many2one("hr.employee", string="Person", readonly=True, ondelete="set null")
    event_id = fields.Many2one(
        "face.recognition.event", string="Latest event", readonly=True, ondelete="set null", index="btree_not_null"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    dedup_key = fields.Char(
        string="Condition", required=True, readonly=True, help="What the alert is about, e.g. camera:7."
    )
    occurrences = fields.Integer(readonly=True, default=1, help="How many times the condition was seen.")
    first_seen = fields.Datetime(readonly=True)
    last_seen = fields.Datetime(readonly=True, index=True)
    acknowledged_by = fields.Many2one("res.users", readonly=True, ondelete="set null")
    acknowledged_at = fields.Datetime(readonly=True)
    resolved_at = fields.Datetime(readonly=True)
    muted_until = fields.Datetime(
        readonly=True, help="Until then the condition seen again notifies nobody and the live monitor hides it."
    )
    muted = fields.Boolean(compute="_compute_muted")
    active = fields.Boolean(default=True, readonly=True)

    def _auto_init(self):
        result = super()._auto_init()
        # One active alert per condition, enforced by the database: concurrent raisers meet in
        # INSERT ... ON CONFLICT on this index (see _raise) instead of creating duplicates.
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS face_alert_active_condition_uniq
                   ON face_alert (company_id, alert_type, dedup_key) WHERE state != 'resolved'"""
        )
        return result

    @api.depends("muted_until")
    def _compute_muted(self):
        now = fields.Datetime.now()
        for alert in self:
            alert.muted = bool(alert.muted_until and alert.muted_until > now)

    @api.depends("alert_type", "camera_id", "daemon_id")
    def _compute_display_name(self):
        labels = dict(self._fields["alert_type"]._description_selection(self.env))
        for alert in self:
            subject = alert.camera_id.name or alert.daemon_id.name
            label = labels.get(alert.alert_type, alert.alert_type or "")
            alert.display_name = "%s: %s" % (label, subject) if subject else label

    # ------------------------------------------------------------------ raising and resolving
    @api.model
    def _raise(
        self,
        alert_type,
        message,
        severity="warning",
        camera=None,
        daemon=None,
        employee=None,
        event=None,
        key=None,
        company=None,
        count=1,
    ):
        """Record that a condition holds: opens its alert (notifying the company's managers) or,
        when one is already active, counts the occurrence on it. Safe under concurrent raisers."""
        if alert_type not in dict(ALERT_TYPES) or severity not in dict(SEVERITIES):
            raise ValueError("unknown alert type or severity: %s, %s" % (alert_type, severity))
        company = (
            company
            or (camera and camera.company_id)
            or (daemon and daemon.company_id)
            or (event and event.company_id)
            or self.env.company
        )
        key = key or (camera and "camera:%d" % camera.id) or (daemon and "daemon:%d" % daemon.id) or "global"
        now = fields.Datetime.now()
        self.env["face.alert"].flush_model()
        # The ORM has no upsert: one statement decides create-or-count atomically, whoever else
        # raises the same condition at the same moment (a plain search-then-create would race).
        self.env.cr.execute(
            """
            INSERT INTO face_alert (company_id, alert_type, dedup_key, state, severity, message, camera_id,
                                    daemon_id, employee_id, event_id, occurrences, first_seen, last_seen,
                                    active, create_uid, create_date, write_uid, write_date)
                 VALUES (%(company)s, %(type)s, %(key)s, 'open', %(severity)s, %(message)s, %(camera)s,
                         %(daemon)s, %(employee)s, %(event)s, %(count)s, %(now)s, %(now)s,
                         true, %(uid)s, %(now)s, %(uid)s, %(now)s)
            ON CONFLICT (company_id, alert_type, dedup_key) WHERE state != 'resolved'
            DO UPDATE SET occurrences = face_alert.occurrences + EXCLUDED.occurrences,
                          last_seen = GREATEST(face_alert.last_seen, EXCLUDED.last_seen),
                          message = EXCLUDED.message,
                          severity = CASE WHEN EXCLUDED.severity = 'critical' OR face_alert.severity = 'info'
                                          THEN EXCLUDED.severity ELSE face_alert.severity END,
                          employee_id = COALESCE(EXCLUDED.employee_id, face_alert.employee_id),
                          event_id = COALESCE(EXCLUDED.event_id, face_alert.event_id),
                          write_uid = EXCLUDED.write_uid,
                          write_date = EXCLUDED.write_date
              RETURNING id, (xmax = 0) AS created
            """,
            {
                "company": company.id,
                "type": alert_type,
                "key": key[:256],
                "severity": severity,
                "message": (message or "")[:1000],
                "camera": camera.id if camera else None,
                "daemon": daemon.id if daemon else None,
                "employee": employee.id if employee else None,
                "event": event.id if event else None,
                "count": max(int(count), 1),
                "now": now,
                "uid": self.env.uid,
            },
        )
        alert_id, created = self.env.cr.fetchone()
        alert = self.sudo().browse(alert_id)
        alert.invalidate_recordset()
        if created:
            # A mute outlives the alert it was set on: the condition back within it notifies nobody.
            muted = alert.with_context(active_test=False).search(
                [
                    ("company_id", "=", company.id),
                    ("alert_type", "=", alert_type),
                    ("dedup_key", "=", alert.dedup_key),
                    ("muted_until", ">", now),
                    ("id", "!=", alert.id),
                ],
                order="muted_until desc",
                limit=1,
            )
            if muted:
                alert.muted_until = muted.muted_until
            else:
                alert._notify_managers()
        alert._push()
        return alert

    @api.model
    def _resolve(self, alert_type, key, company=None):
        """The condition is gone (e.g. the camera is back): its active alert is resolved. ``key``
        may be a list of keys (one query for all the cameras a cron found back)."""
        keys = list(key) if isinstance(key, (list, tuple, set)) else [key]
        if not keys:
            return self.browse()
        domain = [("alert_type", "=", alert_type), ("dedup_key", "in", keys), ("state", "in", ACTIVE)]
        if company:
            domain.append(("company_id", "=", company.id))
        alerts = self.sudo().search(domain)
        if alerts:
            alerts.write({"state": "resolved", "resolved_at": fields.Datetime.now()})
            alerts._push()
        return alerts

    # ------------------------------------------------------------------ who hears of it
    def _notify_managers(self):
        """One notification per Face Attendance manager of the alert's company, pushed to them."""
        Notification = self.env["face.notification"].sudo()
        managers = group_users(self.env.ref(MANAGER).sudo())
        bus = self.env["bus.bus"].sudo()
        for alert in self:
            users = managers.filtered(
                lambda u, alert=alert: u.active and not u.share and alert.company_id in u.company_ids
            )
            if not users:
                continue
            title = alert.display_name
            notifications = Notification.create(
                [
                    {
                        "user_id": user.id,
                        "alert_id": alert.id,
                        "title": title,
                        "message": alert.message,
                        "severity": alert.severity,
                        "company_id": alert.company_id.id,
                    }
                    for user in users
                ]
            )
            for notification in notifications:
                bus._sendone(
                    notification.user_id.partner_id,
                    BUS_NOTIFICATION,
                    {"id": notification.id, "alert_id": alert.id, "title": title, "severity": alert.severity},
                )

    def _push(self):
        """Tell the live monitors of the alerts' companies to show the change."""
        by_company = defaultdict(list)
        for alert in self:
            by_company[alert.company_id].append(alert.id)
        for company, ids in by_company.items():
            self.env["bus.bus"].sudo()._sendone(live_channel(company), BUS_ALERTS, {"alert_ids": ids})

    # ------------------------------------------------------------------ what users do with it
    def _check_rights(self, group):
        """Face Attendance groups decide, and only on alerts the user can see (their companies)."""
        if not self.env.su and not self.env.user.has_group(group):
            raise AccessError(
                self.env._("Only Face Attendance managers may do this with alerts.")
                if group == MANAGER
                else self.env._("Only Face Attendance users may do this with alerts.")
            )
        self.check_access("read")

    def _audit(self, action, message):
        for alert in self:
            self.env["face.system.log"]._log(
                message % {"name": alert.display_name},
                category="system",
                action=action,
                object_ref="face.alert,%d" % alert.id,
            )

    # ``log``: the REST API writes its own audit line (with the key) instead.
    def _acknowledge(self, log=True):
        self._check_rights(USER)
        if any(alert.state == "resolved" for alert in self):
            raise UserError(self.env._("A resolved alert cannot be acknowledged."))
        todo = self.filtered(lambda a: a.state == "open")
        if todo:
            todo.sudo().write(
                {"state": "acknowledged", "acknowledged_by": self.env.uid, "acknowledged_at": fields.Datetime.now()}
            )
            if log:
                todo._audit("alert.acknowledge", self.env._("Alert acknowledged: %(name)s"))
            todo._push()
        return True

    def _mute(self, until, log=True):
        """Mute until ``until`` (naive UTC), or unmute with a falsy value."""
        self._check_rights(MANAGER)
        now = fields.Datetime.now()
        if until and not now < until <= now + MAX_MUTE:
            raise UserError(self.env._("An alert is muted for at most 30 days, until a time in the future."))
        self.sudo().write({"muted_until": until or False})
        if log:
            self._audit(
                "alert.mute",
                self.env._("Alert muted until %s: %%(name)s", fields.Datetime.to_string(until))
                if until
                else self.env._("Alert unmuted: %(name)s"),
            )
        self._push()
        return True

    def _close(self, log=True):
        self._check_rights(MANAGER)
        todo = self.filtered(lambda a: a.state != "resolved")
        if todo:
            todo.sudo().write({"state": "resolved", "resolved_at": fields.Datetime.now()})
            if log:
                todo._audit("alert.resolve", self.env._("Alert resolved: %(name)s"))
            todo._push()
        return True

    def _dismiss(self, log=True):
        """DELETE: resolved and archived, never erased (the audit trail keeps what happened)."""
        self._check_rights(MANAGER)
        self._close(log=False)
        self.sudo().write({"active": False})
        if log:
            self._audit("alert.delete", self.env._("Alert archived: %(name)s"))
        return True

    def action_acknowledge(self):
        return self._acknowledge()

    def action_mute_hour(self):
        return self._mute(fields.Datetime.now() + timedelta(hours=1))

    def action_unmute(self):
        return self._mute(False)

    def action_resolve(self):
        return self._close()

    # ------------------------------------------------------------------ the live monitor
    @api.model
    def _live_alerts(self, limit=20):
        """The active, unmuted alerts the current user can see, for the live monitor."""
        now = fields.Datetime.now()
        alerts = self.search(
            [("state", "in", ACTIVE), "|", ("muted_until", "=", False), ("muted_until", "<=", now)],
            limit=limit,
        )
        tz = pytz.timezone(self.env.user.tz or "UTC")
        return [
            {
                "id": alert.id,
                "title": alert.display_name,
                "message": alert.message or "",
                "type": alert.alert_type,
                "severity": alert.severity,
                "state": alert.state,
                "camera_id": alert.camera_id.id or False,
                "occurrences": alert.occurrences,
                "last_seen": fields.Datetime.to_string(alert.last_seen),
                "time": pytz.utc.localize(alert.last_seen).astimezone(tz).strftime("%H:%M:%S"),
            }
            for alert in alerts
        ]

    # ------------------------------------------------------------------ raised by ingestion
    @api.model
    def _raise_for_events(self, events):
        """Unknown faces and spoof attempts among newly created events: one alert per camera.
        A kiosk raises its own spoof alert (it names the kiosk); raised in one order (type, camera)
        so that concurrent batches take the alerts' row locks in the same order."""
        groups = defaultdict(lambda: self.env["face.recognition.event"])
        for event in events:
            if event.outcome == "unknown" and event.camera_id:
                groups[("unknown_face", event.camera_id.id)] |= event
            elif event.outcome == "spoof" and event.camera_id and not (event.source or "").startswith("kiosk"):
                groups[("spoof_attempt", event.camera_id.id)] |= event
        for (alert_type, _camera_id), found in sorted(groups.items(), key=lambda item: item[0]):
            latest = found.sorted(lambda e: (e.sighted_at, e.id))[-1]
            camera = latest.camera_id
            if alert_type == "unknown_face":
                message = self.env._(
                    "%(count)s unknown face(s) seen at camera %(camera)s.", count=len(found), camera=camera.name
                )
                severity = "warning"
            else:
                message = self.env._(
                    "%(count)s spoof attempt(s) (a face that is not live) at camera %(camera)s.",
                    count=len(found),
                    camera=camera.name,
                )
                severity = "critical"
            self._raise(
                alert_type,
                message,
                severity=severity,
                camera=camera,
                daemon=latest.daemon_id or camera.daemon_id or None,
                employee=latest.employee_id or None,
                event=latest,
                count=len(found),
            )

    @api.model
    def _raise_for_refused(self, answers, daemon=None):
        """Events of a batch refused as invalid: one alert per sender (its daemon, else its user)."""
        refused = [a for a in answers if isinstance(a, dict) and a.get("status") == "invalid"]
        if not refused:
            return None
        daemon = daemon or None
        sender = daemon.name if daemon else self.env.user.name
        return self._raise(
            "ingestion_error",
            self.env._(
                "%(count)s of %(total)s event(s) from %(sender)s refused; first reason: %(reason)s",
                count=len(refused),
                total=len(answers),
                sender=sender,
                reason=refused[0].get("message") or "",
            ),
            daemon=daemon,
            key="daemon:%d" % daemon.id if daemon else "user:%d" % self.env.uid,
            company=daemon.company_id if daemon else self.env.company,
            count=len(refused),
        )
