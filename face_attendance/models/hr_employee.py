from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

MANAGER = 'face_attendance.group_face_attendance_manager'


class HrEmployee(models.Model):
    _inherit = 'hr.employee'

    person_ref = fields.Char(string="Person ID", copy=False, index=True, tracking=True,
                             help="Unique reference of the person for the API and integrations, e.g. EMP001.")
    face_template_ids = fields.One2many('face.template', 'employee_id', string="Face templates", groups=MANAGER)
    face_count = fields.Integer(compute='_compute_face_status', store=True, string="Faces")
    face_status = fields.Selection([('none', 'No face'), ('registered', 'Registered')],
                                   compute='_compute_face_status', store=True, string="Face status")
    face_consent = fields.Boolean(string="Biometric consent", groups="hr.group_hr_user", tracking=True)
    face_consent_date = fields.Datetime(string="Consent recorded on", readonly=True, groups="hr.group_hr_user")
    face_consent_user_id = fields.Many2one('res.users', string="Consent recorded by", readonly=True,
                                           groups="hr.group_hr_user")
    face_event_ids = fields.One2many('face.recognition.event', 'employee_id', string="Recognition events")

    _sql_constraints = [('person_ref_uniq', 'unique(person_ref)', 'This person ID is already used.')]

    @api.depends('face_template_ids', 'face_template_ids.active')
    def _compute_face_status(self):
        counts = dict(self.env['face.template'].sudo()._read_group(
            [('employee_id', 'in', self.ids), ('active', '=', True)], ['employee_id'], ['__count']))
        for employee in self:
            count = counts.get(employee._origin, 0) if employee._origin else 0
            employee.face_count = count
            employee.face_status = 'registered' if count else 'none'

    @api.constrains('person_ref')
    def _check_person_ref(self):
        for employee in self:
            ref = employee.person_ref
            if ref and (ref != ref.strip() or len(ref) > 64 or any(c.isspace() for c in ref)):
                raise ValidationError(_("A person ID has no spaces and at most 64 characters."))

    def _face_consent_vals(self, vals):
        if 'face_consent' in vals:
            vals = dict(vals)
            vals['face_consent_date'] = fields.Datetime.now() if vals['face_consent'] else False
            vals['face_consent_user_id'] = self.env.uid if vals['face_consent'] else False
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._face_consent_vals(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._face_consent_vals(vals))

    def action_erase_biometric_data(self):
        """Erase templates, their images and every event snapshot of these persons, for good."""
        self.env['face.template'].check_access('unlink')
        templates = self.env['face.template'].sudo().with_context(active_test=False).search(
            [('employee_id', 'in', self.ids)])
        events = self.env['face.recognition.event'].sudo().search([('employee_id', 'in', self.ids)])
        events.write({'snapshot': False})
        templates.unlink()
        self.env['face.system.log'].log(
            _("Biometric data erased for %s", ", ".join(self.mapped('name'))), category='system',
            action='person.erase', object_ref=','.join('hr.employee,%d' % e.id for e in self))
        return True

    def action_open_face_enrol_wizard(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': _("Enrol faces"),
            'res_model': 'face.enrol.wizard',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_employee_id': self.id},
        }
