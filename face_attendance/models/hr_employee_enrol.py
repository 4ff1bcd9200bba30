"""What the enrolment screen (upload or webcam) calls: instant feedback per photo, then enrolment."""
import base64

from odoo import _, api, models
from odoo.exceptions import UserError

from face_attendance_daemon.engine import vector_from_bytes


class HrEmployeeEnrol(models.Model):
    _inherit = 'hr.employee'

    def face_check_photo(self, image_b64):
        """Feedback on one photo before enrolling it: face found, size, sharpness, and whether it
        already matches somebody else's templates."""
        self.ensure_one()
        self.env['face.template'].check_access('create')
        image_b64 = _strip_data_url(image_b64)
        try:
            vals = self.env['face.template']._template_vals(image_b64)
        except UserError as error:
            return {'ok': False, 'message': str(error.args[0])}
        answer = {'ok': True, 'face_size': vals['face_size'], 'sharpness': round(vals['sharpness'], 1),
                  'detector_score': round(vals['detector_score'], 3), 'warnings': []}
        if vals['sharpness'] < 30:
            answer['warnings'].append(_("The photo looks blurred."))
        # The photo's one face is already encoded above: match that vector, do not detect again.
        config = self.env['face.attendance.config']
        encoder = config.encoder()
        match = self.env['face.template.gallery'].get(encoder).match(
            vector_from_bytes(base64.b64decode(vals['encoding'])), config.match_threshold(encoder))
        if match.matched and match.person_key != self.id:
            other = self.browse(match.person_key).sudo()
            answer['warnings'].append(_("This face already matches %s.", other.name))
            answer['duplicate_of'] = other.name
        answer['message'] = _("Face found: %(size)s px, sharpness %(sharp)s",
                              size=answer['face_size'], sharp=answer['sharpness'])
        return answer

    def face_enrol_photos(self, images_b64, origin='upload', consent=False):
        """Enrol several photos at once; all or nothing. Returns the person's face count."""
        self.ensure_one()
        if origin not in ('upload', 'webcam'):
            raise UserError(_("Unknown origin %s.", origin))
        if not images_b64:
            raise UserError(_("Add at least one photo."))
        if consent and not self.face_consent:
            self.face_consent = True
        templates = self.env['face.template'].create([
            {'employee_id': self.id, 'image': _strip_data_url(image), 'origin': origin} for image in images_b64])
        self.env['face.system.log'].log(
            _("%(count)s face(s) enrolled for %(name)s", count=len(templates), name=self.name),
            category='system', action='face.enrol', object_ref='hr.employee,%d' % self.id)
        return {'face_count': self.face_count}

    def action_open_face_enrol(self):
        """The enrolment screen: several photos by upload or webcam, each checked at once."""
        self.ensure_one()
        return {'type': 'ir.actions.client', 'tag': 'face_attendance.enrol_faces', 'name': _("Enrol faces"),
                'target': 'current', 'context': {'active_id': self.id}, 'params': {'employee_id': self.id}}

    def action_face_attendances(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('face_attendance.hr_attendance_face_action')
        action.update(domain=[('employee_id', '=', self.id)], context={'default_employee_id': self.id},
                      name=_("Attendance of %s", self.name))
        return action

    def action_face_events(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('face_attendance.face_recognition_event_action')
        action.update(domain=[('employee_id', '=', self.id)], name=_("Sightings of %s", self.name), context={})
        return action

    @api.model
    def face_enrol_context(self, employee_id):
        employee = self.browse(employee_id)
        return {'id': employee.id, 'name': employee.name, 'face_count': employee.face_count,
                'consent': employee.face_consent,
                'consent_required': self.env['face.attendance.config'].get('consent_required')}


def _strip_data_url(value):
    if isinstance(value, str) and value.startswith('data:'):
        return value.partition(',')[2]
    return value
