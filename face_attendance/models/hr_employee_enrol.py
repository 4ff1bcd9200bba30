"""What the enrolment screen (upload or webcam) calls: instant feedback per photo, then enrolment."""

import base64

from odoo import api, models
from odoo.exceptions import AccessError, UserError

from face_attendance_daemon.engine import vector_from_bytes

from .security_groups import MANAGER, USER

MAX_PHOTOS = 20


class HrEmployeeEnrol(models.Model):
    _inherit = "hr.employee"

    def _check_enrol_access(self):
        """Enrolment is for Face Attendance managers, on persons of their companies."""
        self.ensure_one()
        if not self.env.user.has_group(MANAGER):
            raise AccessError(self.env._("Only Face Attendance managers enrol faces."))
        self.check_access("write")
        self.env["face.template"].check_access("create")

    def face_check_photo(self, image_b64):
        """Feedback on one photo before enrolling it: face found, size, sharpness, and whether it
        already matches somebody else's templates."""
        self._check_enrol_access()
        if not isinstance(image_b64, str):
            raise UserError(self.env._("The photo must be sent as base64 text or a data URL."))
        image_b64 = _strip_data_url(image_b64)
        try:
            vals = self.env["face.template"]._template_vals(image_b64)
        except UserError as error:
            return {"ok": False, "message": str(error.args[0])}
        answer = {
            "ok": True,
            "face_size": vals["face_size"],
            "sharpness": round(vals["sharpness"], 1),
            "detector_score": round(vals["detector_score"], 3),
            "warnings": [],
            # Set when the photo also showed smaller faces: which face is taken (shown beside the check).
            "note": vals["enrol_note"] or "",
        }
        if vals["sharpness"] < 30:
            answer["warnings"].append(self.env._("The photo looks blurred."))
        # The photo's one face is already encoded above: match that vector, do not detect again.
        config = self.env["face.attendance.config"]
        encoder = config._encoder()
        match = (
            self.env["face.template.gallery"]
            ._get(encoder)
            .match(vector_from_bytes(base64.b64decode(vals["encoding"])), config._match_threshold(encoder))
        )
        if match.matched and match.person_key != self.id:
            # Named only when the manager may see that person (the gallery is their companies').
            other = self.browse(match.person_key)._filtered_access("read")
            name = other.name if other else self.env._("another person")
            answer["warnings"].append(self.env._("This face already matches %s.", name))
            answer["duplicate_of"] = name
        answer["message"] = self.env._(
            "Face found: %(size)s px, sharpness %(sharp)s", size=answer["face_size"], sharp=answer["sharpness"]
        )
        return answer

    def face_enrol_photos(self, images_b64, origin="upload", consent=False):
        """Enrol several photos at once; all or nothing. Returns the person's face count."""
        self._check_enrol_access()
        if origin not in ("upload", "webcam"):
            raise UserError(self.env._("Unknown origin %s.", origin))
        if not images_b64 or not isinstance(images_b64, list) or not all(isinstance(i, str) for i in images_b64):
            raise UserError(self.env._("Add at least one photo."))
        if len(images_b64) > MAX_PHOTOS:
            raise UserError(self.env._("At most %s photos at once.", MAX_PHOTOS))
        if consent and not self.face_consent:
            self.face_consent = True
        templates = self.env["face.template"].create(
            [{"employee_id": self.id, "image": _strip_data_url(image), "origin": origin} for image in images_b64]
        )
        self.env["face.system.log"]._log(
            self.env._("%(count)s face(s) enrolled for %(name)s", count=len(templates), name=self.name),
            category="system",
            action="face.enrol",
            object_ref="hr.employee,%d" % self.id,
        )
        return {"face_count": self.face_count, "notes": [template.enrol_note or "" for template in templates]}

    def action_open_face_enrol(self):
        """The enrolment screen: several photos by upload or webcam, each checked at once."""
        self._check_enrol_access()
        return {
            "type": "ir.actions.client",
            "tag": "face_attendance.enrol_faces",
            "name": self.env._("Enrol faces"),
            "target": "current",
            "context": {"active_id": self.id},
            "params": {"employee_id": self.id},
        }

    def _check_face_user(self):
        self.ensure_one()
        if not self.env.user.has_group(USER):
            raise AccessError(self.env._("Only Face Attendance users open these lists."))
        self.check_access("read")

    def action_face_attendances(self):
        self._check_face_user()
        action = self.env["ir.actions.act_window"]._for_xml_id("face_attendance.hr_attendance_face_action")
        action.update(
            domain=[("employee_id", "=", self.id)],
            context={"default_employee_id": self.id},
            name=self.env._("Attendance of %s", self.name),
        )
        return action

    def action_face_events(self):
        self._check_face_user()
        action = self.env["ir.actions.act_window"]._for_xml_id("face_attendance.face_recognition_event_action")
        action.update(domain=[("employee_id", "=", self.id)], name=self.env._("Sightings of %s", self.name), context={})
        return action

    def action_face_history(self):
        """The person's history screen: it reads face.system.log.person_history, which checks again."""
        self._check_face_user()
        return {
            "type": "ir.actions.client",
            "tag": "face_attendance.person_history",
            "name": self.env._("History of %s", self.name),
            "target": "current",
            "context": {"active_id": self.id},
            "params": {"employee_id": self.id, "employee_name": self.name},
        }

    @api.model
    def face_enrol_context(self, employee_id):
        if isinstance(employee_id, bool) or not isinstance(employee_id, int):
            raise UserError(self.env._("employee_id must be an integer."))
        employee = self.browse(employee_id).exists()
        if not employee:
            raise UserError(self.env._("This person no longer exists."))
        employee._check_enrol_access()
        return {
            "id": employee.id,
            "name": employee.name,
            "face_count": employee.face_count,
            "consent": employee.face_consent,
            "consent_required": self.env["face.attendance.config"]._get("consent_required"),
        }


def _strip_data_url(value):
    if isinstance(value, str) and value.startswith("data:"):
        return value.partition(",")[2]
    return value
