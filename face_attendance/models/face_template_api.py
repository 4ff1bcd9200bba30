"""Face templates as the older backend's API sees them (its "enrollments"), for every door: a list
with filters and paging, one by id, (de)activation and removal. Face Attendance managers only
(devices read encodings through ``gallery_sync``), within Odoo's rights and record rules (companies).
"""

import base64
from collections import OrderedDict

from odoo import api, fields, models
from odoo.exceptions import AccessError, MissingError

from face_attendance_daemon.engine import vector_from_bytes

from .face_recognition_event import EventInputError, parse_timestamp
from .hr_employee_api import MAX_ID, PersonInputError, _number
from .security_groups import MANAGER


def encoder_tag(name):
    """The tag (name:version) of an encoder known by name, without loading its models."""
    from face_attendance_daemon.engine.dlib_encoder import DlibEncoder
    from face_attendance_daemon.engine.sface import SFaceEncoder

    return {cls.name: "%s:%s" % (cls.name, cls.version) for cls in (SFaceEncoder, DlibEncoder)}.get(name)


def _synced_users(templates, tag):
    """One entry per person of ``gallery_sync``'s templates, in employee order."""
    people = OrderedDict()
    for template in sorted(templates, key=lambda t: (t["employee_id"], t["id"])):
        if not template["encoding"]:
            continue
        entry = people.setdefault(
            template["employee_id"],
            {
                "id": template["employee_id"],
                "name": template["name"],
                "personnel_code": template["person_id"] or False,
                "face_encoding": None,  # the first of face_encodings, set below
                "face_encodings": [],
                "face_ids": [],
                "encoder": tag,
            },
        )
        entry["face_encodings"].append(vector_from_bytes(base64.b64decode(template["encoding"])).tolist())
        entry["face_ids"].append(template["id"])
    for entry in people.values():
        entry["face_encoding"] = entry["face_encodings"][0]
    return people


class FaceTemplateApi(models.Model):
    _inherit = "face.template"

    @api.model
    def _face_api_check(self):
        if not self.env.user.has_group(MANAGER):
            raise AccessError(self.env._("Only Face Attendance managers see and change face templates."))

    @api.model
    def _face_api_template(self, template_id):
        """The template the caller may read, archived too."""
        self._face_api_check()
        if isinstance(template_id, bool) or not isinstance(template_id, int):
            raise PersonInputError("template_id must be an integer.", field="template_id")
        Template = self.with_context(active_test=False)
        template = Template.search([("id", "=", template_id)]) if 0 < template_id <= MAX_ID else Template
        if not template:
            raise MissingError(self.env._("Enrollment %s not found.", template_id))
        return template

    def _face_api_audit(self, action, message):
        self.env["face.system.log"]._log(
            message, category="api", action=action, object_ref="face.template,%d" % self.id
        )

    @api.model
    def face_api_template_search(self, employee_id=None, active=None, limit=100, offset=0):
        """{"ids", "total"}: the templates the caller may read, archived ones too, by id; of one
        employee (``employee_id``), active or not (``active``)."""
        self._face_api_check()
        limit = _number(limit, "limit", 1, 1000)
        offset = _number(offset, "offset", 0, 10**9)
        domain = []
        if employee_id is not None:
            if isinstance(employee_id, bool) or not isinstance(employee_id, int):
                raise PersonInputError("employee_id must be an integer.", field="employee_id")
            domain.append(("employee_id", "=", employee_id if 0 < employee_id <= MAX_ID else 0))
        if active is not None:
            if not isinstance(active, bool):
                raise PersonInputError("active must be true or false.", field="active")
            domain.append(("active", "=", active))
        Template = self.with_context(active_test=False)
        records = Template.search(domain, offset=offset, limit=limit, order="id")
        return {"ids": records.ids, "total": Template.search_count(domain)}

    @api.model
    def face_api_template_find(self, template_id):
        """The id of a template the caller may read (archived too)."""
        return self._face_api_template(template_id).id

    @api.model
    def face_api_template_activate(self, template_id, active=None):
        """(De)activate a template (``active`` None: toggle). Returns its id."""
        template = self._face_api_template(template_id)
        if active is not None and not isinstance(active, bool):
            raise PersonInputError("is_active is required (true or false).", field="is_active")
        active = (not template.active) if active is None else active
        template.active = active
        template._face_api_audit("face.update", "Face %s %s" % (template.id, "activated" if active else "deactivated"))
        return template.id

    @api.model
    def face_api_template_delete(self, template_id):
        """Remove a template for good (a tombstone tells the daemons). Returns its id."""
        template = self._face_api_template(template_id)
        person = template.employee_id.person_ref or str(template.employee_id.id)
        template.unlink()
        self.env["face.system.log"]._log(
            "Face %s of %s deleted" % (template_id, person),
            category="api",
            action="face.delete",
            object_ref="face.template,%d" % template_id,
        )
        return template_id

    @api.model
    def gallery_people(self, encoder=None, since=None):
        """The camera units' sync, on ``gallery_sync`` (devices and managers, their companies): one
        entry per person with an active face of ``encoder`` (a tag or a name; default: the configured
        encoder), with all their encodings; with ``since`` (ISO 8601) only the persons changed since
        then, and who and which faces to forget. {"users", "removed", "removed_face_ids",
        "server_time" (UTC string), "encoder"}."""
        self.env["face.daemon"]._check_device_access()
        if encoder is not None and (not isinstance(encoder, str) or not encoder):
            raise PersonInputError("encoder is an encoder's tag or name.", field="encoder")
        if since not in (None, False, "") and not isinstance(since, str):
            raise PersonInputError("since must be an ISO 8601 date-time, e.g. 2026-11-21T08:30:00Z.")
        tag = encoder or self.env["face.attendance.config"]._get("encoder")
        if ":" not in tag:
            # A name (dlib, sface) stands for its tag; an unknown one matches no template.
            tag = encoder_tag(tag) or tag
        if since:
            try:
                since = fields.Datetime.to_string(parse_timestamp(since))
            except EventInputError:
                raise PersonInputError("since must be an ISO 8601 date-time, e.g. 2026-11-21T08:30:00Z.") from None
        # Everybody's current faces: with since, a changed person is sent with all of them.
        current = self.gallery_sync(tag)
        people = _synced_users(current["templates"], tag)
        server_time = current["server_time"]
        removed, removed_faces = [], []
        if since:
            changes = self.gallery_sync(tag, since)
            server_time = changes["server_time"]
            removed_faces = sorted(changes["removed"])
            touched = {t["employee_id"] for t in changes["templates"]}
            # Archived templates still exist, deleted ones left a tombstone with their person;
            # gallery_sync named both, in the caller's companies, so reading their person is no leak.
            touched |= set(self.sudo().with_context(active_test=False).browse(removed_faces).exists().employee_id.ids)
            touched |= set(changes.get("removed_employees", ()))
            removed = sorted(touched - set(people))
            people = OrderedDict((key, entry) for key, entry in people.items() if key in touched)
        return {
            "users": list(people.values()),
            "removed": removed,
            "removed_face_ids": removed_faces,
            "server_time": server_time,
            "encoder": tag,
        }
