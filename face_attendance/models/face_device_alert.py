"""Alerts to the managers when a camera or a daemon stays offline past the configured threshold."""

from odoo import api, fields, models

from .odoo_compat import group_users


class FaceDeviceAlert(models.AbstractModel):
    _name = "face.device.alert"
    _description = "Offline alert for face attendance devices"

    offline_alerted = fields.Boolean(
        readonly=True, help="An offline alert went out and the device has not come back since."
    )

    def _alert_managers(self, body):
        managers = group_users(self.env.ref("face_attendance.group_face_attendance_manager").sudo())
        partners = managers.filtered(lambda u: not u.share).partner_id
        for record in self:
            record.sudo().message_post(
                body=body % {"name": record.name},
                partner_ids=partners.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            record.sudo().activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("%s is offline", record.name),
                user_id=(managers[:1] or self.env.user).id,
            )

    @api.model
    def _check_offline(self, model_name, body):
        records = self.env[model_name].sudo().search([])
        offline = records.filtered(lambda r: r.status == "offline" and not r.offline_alerted)
        back = records.filtered(lambda r: r.status == "online" and r.offline_alerted)
        back.write({"offline_alerted": False})
        if offline:
            offline._alert_managers(body)
            offline.write({"offline_alerted": True})
        return offline

    @api.model
    def _cron_alert_offline(self):
        minutes = self.env["face.attendance.config"]._get("camera_offline_minutes")
        cameras = self._check_offline(
            "face.camera", self.env._("Camera %%(name)s has sent no frame for more than %s minutes.") % minutes
        )
        daemons = self._check_offline(
            "face.daemon", self.env._("Daemon %%(name)s has sent no heartbeat for more than %s minutes.") % minutes
        )
        if cameras or daemons:
            self.env["face.system.log"]._log(
                self.env._("Offline alert: %s", ", ".join(cameras.mapped("name") + daemons.mapped("name"))),
                level="warning",
                category="system",
                action="device.offline",
            )
        return True
