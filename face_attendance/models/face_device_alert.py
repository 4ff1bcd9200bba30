"""Alerts to the managers when a camera or a daemon stays offline past the configured threshold, or
when a daemon's heartbeat shows its deliveries to Odoo failing."""

from odoo import api, fields, models

from .odoo_compat import group_users

# model: (alert type, severity, what the alert names) of the offline alerts.
OFFLINE_ALERTS = {
    "face.camera": ("camera_offline", "warning", "camera"),
    "face.daemon": ("daemon_offline", "critical", "daemon"),
}
# Events waiting in a daemon's outbox longer than this: its deliveries are failing even when each
# attempt looks fine (e.g. every batch refused), seconds.
STUCK_OUTBOX_SECONDS = 600


def delivery_problem(details):
    """Why a daemon's heartbeat (its ``status()``) shows deliveries failing, or None."""
    if not isinstance(details, dict):
        return None
    delivery = details.get("delivery") if isinstance(details.get("delivery"), dict) else {}
    outbox = details.get("outbox") if isinstance(details.get("outbox"), dict) else {}
    breaker = delivery.get("breaker")
    pending = outbox.get("pending") if isinstance(outbox.get("pending"), (int, float)) else 0
    age = outbox.get("oldest_pending_age") if isinstance(outbox.get("oldest_pending_age"), (int, float)) else 0
    last_error = delivery.get("last_error")
    if breaker in ("open", "half_open"):
        return "circuit breaker %s, %d event(s) waiting, last error: %s" % (breaker, pending, last_error or "-")
    if pending and age > STUCK_OUTBOX_SECONDS:
        return "%d event(s) waiting for %d s, last error: %s" % (pending, age, last_error or "-")
    if pending and last_error:
        return "%d event(s) waiting, last error: %s" % (pending, last_error)
    return None


class FaceDeviceAlert(models.AbstractModel):
    _name = "face.device.alert"
    _description = "Offline alert for face attendance devices"

    offline_alerted = fields.Boolean(
        readonly=True, help="An offline alert went out and the device has not come back since."
    )

    def _alert_managers(self, body):
        managers = group_users(self.env.ref("face_attendance.group_face_attendance_manager").sudo())
        managers = managers.filtered(lambda u: not u.share)
        for record in self:
            # The managers of the device's company only: another company hears nothing of it.
            mine = managers.filtered(lambda u, company=record.company_id: company in u.company_ids)
            record.sudo().message_post(
                body=body % {"name": record.name},
                partner_ids=mine.partner_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            if mine:
                record.sudo().activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=self.env._("%s is offline", record.name),
                    user_id=mine[:1].id,
                )

    @api.model
    def _check_offline(self, model_name, body):
        records = self.env[model_name].sudo().search([])
        offline = records.filtered(lambda r: r.status == "offline" and not r.offline_alerted)
        # Back online, or switched off (a disabled camera is not watched): the condition is gone.
        back = records.filtered(lambda r: r.status in ("online", "disabled"))
        back.filtered("offline_alerted").write({"offline_alerted": False})
        if offline:
            offline._alert_managers(body)
            offline.write({"offline_alerted": True})
        alert_type, severity, subject = OFFLINE_ALERTS[model_name]
        Alert = self.env["face.alert"]
        for record in offline:
            Alert._raise(
                alert_type,
                body % {"name": record.name},
                severity=severity,
                company=record.company_id,
                **{subject: record},
            )
        Alert._resolve(alert_type, ["%s:%d" % (subject, record.id) for record in back])
        return offline

    @api.model
    def _check_deliveries(self):
        """A daemon online whose heartbeat shows an open circuit breaker or a stuck outbox."""
        Alert = self.env["face.alert"]
        failing, fine = self.env["face.daemon"], []
        for daemon in self.env["face.daemon"].sudo().search([]):
            if daemon.status != "online":
                continue  # its figures are stale; the offline alert says what is known
            problem = delivery_problem(daemon.status_details)
            if problem:
                failing |= daemon
                Alert._raise(
                    "delivery_failing",
                    self.env._(
                        "Daemon %(name)s cannot deliver its events to Odoo: %(problem)s",
                        name=daemon.name,
                        problem=problem,
                    ),
                    severity="critical",
                    daemon=daemon,
                )
            else:
                fine.append("daemon:%d" % daemon.id)
        Alert._resolve("delivery_failing", fine)
        return failing

    @api.model
    def _cron_alert_offline(self):
        minutes = self.env["face.attendance.config"]._get("camera_offline_minutes")
        cameras = self._check_offline(
            "face.camera", self.env._("Camera %%(name)s has sent no frame for more than %s minutes.") % minutes
        )
        daemons = self._check_offline(
            "face.daemon", self.env._("Daemon %%(name)s has sent no heartbeat for more than %s minutes.") % minutes
        )
        self._check_deliveries()
        if cameras or daemons:
            self.env["face.system.log"]._log(
                self.env._("Offline alert: %s", ", ".join(cameras.mapped("name") + daemons.mapped("name"))),
                level="warning",
                category="system",
                action="device.offline",
            )
        return True
