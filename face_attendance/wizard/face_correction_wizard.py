"""The backend's doors to HR's corrections that need words: "not this person" (optionally who it
was) on sightings, and deleting attendances with the reason. Each calls the model's one method."""

from odoo import fields, models


def _active_records(wizard, model):
    """The records the action was opened on (the client's selection), read with the user's rights."""
    if wizard.env.context.get("active_model") != model:
        return wizard.env[model]
    ids = [i for i in wizard.env.context.get("active_ids") or [] if isinstance(i, int)]
    return wizard.env[model].browse(ids).exists()


class FaceEventNotPersonWizard(models.TransientModel):
    _name = "face.event.not.person.wizard"
    _description = "Not This Person"

    event_ids = fields.Many2many(
        "face.recognition.event",
        string="Sightings",
        required=True,
        default=lambda self: _active_records(self, "face.recognition.event"),
    )
    employee_id = fields.Many2one(
        "hr.employee", string="It was", help="Leave empty when you do not know who it was: the sighting is set aside."
    )
    reason = fields.Char(string="Why")

    def action_confirm(self):
        self.ensure_one()
        self.event_ids.action_not_this_person(self.employee_id.id or None, self.reason or None)
        return {"type": "ir.actions.act_window_close"}


class FaceAttendanceDeleteWizard(models.TransientModel):
    _name = "face.attendance.delete.wizard"
    _description = "Delete Attendances with the Reason"

    attendance_ids = fields.Many2many(
        "hr.attendance",
        string="Attendances",
        required=True,
        default=lambda self: _active_records(self, "hr.attendance"),
    )
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.attendance_ids.action_face_delete(self.reason)
        return {"type": "ir.actions.act_window_close"}
