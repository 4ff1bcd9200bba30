"""Look-alikes: persons whose faces the encoder can hardly tell apart.

A camera may still take one look-alike for the other, so the flag travels: the kiosk asks a flagged
person for their PIN as a second factor, and daemons need a larger margin for them (gallery sync).
The flags are recomputed from the templates by face.lookalike (hourly cron and a manager's button).
"""

from odoo import fields, models
from odoo.exceptions import AccessError

from .security_groups import MANAGER


class HrEmployeeLookalike(models.Model):
    _inherit = "hr.employee"

    face_lookalike_ids = fields.Many2many(
        "hr.employee",
        "face_employee_lookalike_rel",
        "employee_id",
        "lookalike_id",
        string="Look-alikes",
        readonly=True,
        copy=False,
        groups=MANAGER,
        help="Persons of the same company whose face, as the encoder sees it, is too close to this person's "
        "for a camera to tell them apart reliably.",
    )
    face_is_lookalike = fields.Boolean(
        string="Look-alike",
        readonly=True,
        copy=False,
        index=True,
        groups=MANAGER,
        help="This person looks like somebody else: the kiosk asks for their PIN as well, and cameras need a "
        "larger margin to recognise them.",
    )

    def action_recompute_face_lookalikes(self):
        """Recompute the look-alikes of the manager's companies now (the cron does it hourly), whatever
        records the button was pressed on."""
        if not self.env.user.has_group(MANAGER):
            raise AccessError(self.env._("Only Face Attendance managers recompute look-alikes."))
        # The user's own companies, never the context's: a manager acts within their companies only.
        count = self.env["face.lookalike"]._recompute(self.env.user.company_ids)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Look-alikes recomputed"),
                "message": self.env._("%s persons look like somebody else.", count),
                "type": "warning" if count else "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
