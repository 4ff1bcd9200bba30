"""Per-user notifications: what a manager is told when an alert opens. Only the system creates them;
their owner reads, acknowledges and clears their own (record rule), nobody else sees them."""

from odoo import fields, models
from odoo.exceptions import AccessError

from .face_alert import SEVERITIES
from .security_groups import USER


class FaceNotification(models.Model):
    _name = "face.notification"
    _description = "Face Attendance Notification"
    _order = "create_date desc, id desc"
    _rec_name = "title"

    user_id = fields.Many2one("res.users", required=True, readonly=True, index=True, ondelete="cascade")
    alert_id = fields.Many2one("face.alert", readonly=True, index="btree_not_null", ondelete="set null")
    title = fields.Char(required=True, readonly=True)
    message = fields.Char(readonly=True)
    severity = fields.Selection(SEVERITIES, required=True, default="info", readonly=True)
    acknowledged = fields.Boolean(readonly=True, index=True)
    acknowledged_at = fields.Datetime(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True)

    def _check_owner(self):
        """The owner only: the record rule hides the others' notifications, this says so plainly."""
        if not self.env.su and not self.env.user.has_group(USER):
            raise AccessError(self.env._("Only Face Attendance users have notifications."))
        self.check_access("read")
        if not self.env.su and any(n.user_id != self.env.user for n in self):
            raise AccessError(self.env._("This notification is not yours."))

    def _acknowledge(self):
        self._check_owner()
        todo = self.filtered(lambda n: not n.acknowledged)
        # Only the two fields of the acknowledgement change: the user has no write right on the rest.
        todo.sudo().write({"acknowledged": True, "acknowledged_at": fields.Datetime.now()})
        return True

    def _clear(self):
        self._check_owner()
        count = len(self)
        self.sudo().unlink()
        return count

    def action_acknowledge(self):
        return self._acknowledge()
