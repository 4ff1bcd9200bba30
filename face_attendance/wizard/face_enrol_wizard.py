from odoo import api, fields, models
from odoo.exceptions import UserError


class FaceEnrolWizard(models.TransientModel):
    _name = "face.enrol.wizard"
    _description = "Enrol faces"

    employee_id = fields.Many2one("hr.employee", required=True)
    consent_required = fields.Boolean(compute="_compute_consent_required")
    consent_given = fields.Boolean(string="The person has given biometric consent")
    origin = fields.Selection([("upload", "Upload"), ("webcam", "Webcam")], default="upload", required=True)
    line_ids = fields.One2many("face.enrol.wizard.line", "wizard_id", string="Photos")

    def _compute_consent_required(self):
        required = self.env["face.attendance.config"]._get("consent_required")
        for wizard in self:
            wizard.consent_required = required and not wizard.employee_id.face_consent

    def action_enrol(self):
        self.ensure_one()
        self.check_access("write")
        self.employee_id._check_enrol_access()
        if not self.line_ids:
            raise UserError(self.env._("Add at least one photo."))
        if self.consent_given and not self.employee_id.face_consent:
            self.employee_id.face_consent = True
        templates = self.env["face.template"].create(
            [{"employee_id": self.employee_id.id, "image": line.image, "origin": self.origin} for line in self.line_ids]
        )
        self.env["face.system.log"]._log(
            self.env._("%(count)s face(s) enrolled for %(name)s", count=len(templates), name=self.employee_id.name),
            category="system",
            action="face.enrol",
            object_ref="hr.employee,%d" % self.employee_id.id,
        )
        # The photos now live in the templates only: none stays behind in the wizard.
        self.line_ids.unlink()
        return {"type": "ir.actions.act_window_close"}


class FaceEnrolWizardLine(models.TransientModel):
    _name = "face.enrol.wizard.line"
    _description = "Photo to enrol"

    wizard_id = fields.Many2one("face.enrol.wizard", required=True, ondelete="cascade")
    image = fields.Image(required=True, max_width=1024, max_height=1024)
    feedback = fields.Char(compute="_compute_feedback")

    @api.depends("image")
    def _compute_feedback(self):
        for line in self:
            if not line.image:
                line.feedback = False
                continue
            try:
                vals = self.env["face.template"]._template_vals(line.image)
                line.feedback = self.env._(
                    "Face found: %(size)s px, sharpness %(sharp).0f", size=vals["face_size"], sharp=vals["sharpness"]
                )
                if vals["enrol_note"]:
                    line.feedback = "%s. %s" % (line.feedback, vals["enrol_note"])
            except UserError as error:
                line.feedback = str(error.args[0])
