from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .api_types import is_person_id
from .odoo_compat import unique
from .security_groups import MANAGER, PERSON_READERS

FACE_STATUSES = [("none", "No face"), ("registered", "Registered")]


# A person ID is unique within a company: one in use elsewhere neither blocks nor reveals anybody.
@unique("person_ref_uniq", "unique(person_ref, company_id)", "This person ID is already used in this company.")
class HrEmployee(models.Model):
    _inherit = "hr.employee"

    person_ref = fields.Char(
        string="Person ID",
        copy=False,
        index=True,
        tracking=True,
        groups=PERSON_READERS,
        help="Unique reference of the person for the API and integrations, e.g. EMP001.",
    )
    face_template_ids = fields.One2many("face.template", "employee_id", string="Face templates", groups=MANAGER)
    face_count = fields.Integer(compute="_compute_face_status", store=True, string="Faces", groups=PERSON_READERS)
    face_status = fields.Selection(
        FACE_STATUSES,
        compute="_compute_face_status",
        store=True,
        string="Face status",
        groups=PERSON_READERS,
    )
    face_consent = fields.Boolean(string="Biometric consent", groups="hr.group_hr_user", tracking=True)
    face_consent_date = fields.Datetime(string="Consent recorded on", readonly=True, groups="hr.group_hr_user")
    face_consent_user_id = fields.Many2one(
        "res.users", string="Consent recorded by", readonly=True, groups="hr.group_hr_user"
    )
    face_event_ids = fields.One2many("face.recognition.event", "employee_id", string="Recognition events")

    @api.depends("face_template_ids", "face_template_ids.active")
    def _compute_face_status(self):
        counts = dict(
            self.env["face.template"]
            .sudo()
            ._read_group([("employee_id", "in", self.ids), ("active", "=", True)], ["employee_id"], ["__count"])
        )
        for employee in self:
            count = counts.get(employee._origin, 0) if employee._origin else 0
            employee.face_count = count
            employee.face_status = "registered" if count else "none"

    @api.constrains("person_ref")
    def _check_person_ref(self):
        for employee in self:
            # The API's PersonId (api_types): the same rule on every door.
            if employee.person_ref and not is_person_id(employee.person_ref):
                raise ValidationError(self.env._("A person ID has no spaces and at most 64 characters."))

    def _face_consent_vals(self, vals):
        if "face_consent" in vals:
            vals = dict(vals)
            vals["face_consent_date"] = fields.Datetime.now() if vals["face_consent"] else False
            vals["face_consent_user_id"] = self.env.uid if vals["face_consent"] else False
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._face_consent_vals(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._face_consent_vals(vals))

    def action_erase_biometric_data(self):
        """Erase templates, their images and every event snapshot of these persons, for good."""
        if not self.env.user.has_group(MANAGER):
            raise AccessError(self.env._("Only Face Attendance managers erase biometric data."))
        self.check_access("write")
        self._erase_biometric_data()
        self.env["face.system.log"]._log(
            self.env._("Biometric data erased for %s", ", ".join(self.mapped("name"))),
            category="system",
            action="person.erase",
            object_ref=",".join("hr.employee,%d" % e.id for e in self),
        )
        return True

    def _erase_biometric_data(self):
        """Templates (tombstoned, so daemons drop them at their next sync), their photos, the
        snapshots and snapshot vectors of the persons' sightings, and the enrolment photos waiting
        in wizards; the attachments go through the ORM so their files are collected."""
        if not self:
            return
        templates = (
            self.env["face.template"].sudo().with_context(active_test=False).search([("employee_id", "in", self.ids)])
        )
        events = self.env["face.recognition.event"].sudo().search([("employee_id", "in", self.ids)])
        events.filtered(lambda e: e.has_snapshot or e.snapshot_encoding).write(
            {"snapshot": False, "has_snapshot": False, "snapshot_encoding": False}
        )
        templates.unlink()
        self.env["face.enrol.wizard"].sudo().search([("employee_id", "in", self.ids)]).unlink()
        groups = self.env["face.unknown.group"].sudo().search([("event_ids", "in", events.ids)]) if events else []
        if groups:
            groups.unlink()
        self.env.cr.postcommit.add(self._collect_deleted_files)

    def _collect_deleted_files(self):
        """After commit, delete the files of the attachments just removed (Odoo otherwise waits for
        its daily garbage collection)."""
        with self.env.registry.cursor() as cr:
            self.env(cr=cr, su=True)["ir.attachment"]._gc_file_store()

    def unlink(self):
        self.check_access("unlink")
        # The database would cascade templates and events without the ORM: no tombstones for the
        # daemons and orphaned photo files. Erase first, through the ORM.
        self.sudo()._erase_biometric_data()
        self.env["face.recognition.event"].sudo().search([("employee_id", "in", self.ids)]).unlink()
        return super().unlink()

    def action_open_face_enrol_wizard(self):
        self._check_enrol_access()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Enrol faces"),
            "res_model": "face.enrol.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_employee_id": self.id},
        }
