"""Persons as the REST API (/persons, /faces and the older backends' twins) and XML-RPC/JSON-2 see
them: lookups by person ID or employee id, lists with filters and paging, create, update, archive,
(de)activation, enrolment and removal of faces. Every door gets the same checks, here: Odoo's rights
on employees and face templates (and its record rules: companies) decide, never the context.

The REST routes parse, call one of these methods and serialise; an API key's scopes stay theirs.
"""

from odoo import api, models
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.tools.sql import escape_psql

from face_attendance_daemon.engine import EngineError

from .api_errors import Conflict, InputError
from .hr_employee_names import join_name

MAX_ID = 2**31 - 1
MAX_IMAGES = 20
ORIGINS = ("api", "webcam", "upload")
# The fields a caller may give for a person (the union of the APIs' bodies).
PERSON_FIELDS = (
    "name",
    "email",
    "position",
    "department",
    "phone",
    "status",
    "is_active",
    "first_name",
    "last_name",
    "personnel_code",
)
FILTERS = ("active", "faces", "search", "department", "department_name", "with_person_id")
ORDERS = {"person_ref": "person_ref, id", "id": "id"}


# This service's names for the one pair of refusals (api_errors.py).
PersonInputError, PersonConflict = InputError, Conflict


class EnrolRefused(UserError):
    """Photos the engine refused (nothing was enrolled): ``status`` (413 IMAGE_TOO_LARGE, else 422),
    the engine's ``code`` and ``details``."""

    def __init__(self, message, status, code, details=None):
        super().__init__(message)
        self.status, self.code, self.details = status, code, details or {}


def _text(values, name, max_length):
    value = values.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise PersonInputError("%s must be a string." % name, field=name)
    if len(value) > max_length:
        raise PersonInputError("%s is longer than %d characters." % (name, max_length), field=name)
    return value


def _number(value, name, low, high):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PersonInputError("%s must be an integer between %d and %d." % (name, low, high), field=name)
    return value


def _person_id(value, field):
    if not isinstance(value, str) or not value or len(value) > 64 or any(c.isspace() for c in value):
        raise PersonInputError("%s must be 1 to 64 characters without spaces." % field, field=field)
    return value


class HrEmployeeApi(models.Model):
    _inherit = "hr.employee"

    # ------------------------------------------------------------------ who, which person
    @api.model
    def _face_check_reader(self):
        """Persons are hr.employee records: a user without read access to them (Odoo shows such
        users only the public employee directory, without person IDs) is refused clearly."""
        if not self.browse().has_access("read"):
            raise AccessError(
                self.env._("This key's user may not read employees (Odoo's Employees officer right is needed).")
            )

    @api.model
    def _face_person(self, person):
        """The person the caller may read: by person ID (a string) or employee id (an integer),
        archived ones too; the caller's record rules (companies) decide what exists."""
        self._face_check_reader()
        Employee = self.with_context(active_test=False)
        if isinstance(person, str):
            employee = Employee.search([("person_ref", "=", person)], limit=1) if person else Employee
            if not employee:
                raise MissingError(self.env._("Person %s does not exist.", person))
            return employee
        if isinstance(person, bool) or not isinstance(person, int):
            raise PersonInputError("person must be a person ID or an employee id.", field="person")
        # search, not browse: record rules decide.
        employee = Employee.search([("id", "=", person)]) if 0 < person <= MAX_ID else Employee
        if not employee:
            raise MissingError(self.env._("Person %s not found.", person))
        return employee

    def _face_label(self, person):
        """How the log names a person: as addressed by person ID, else by its person ID or id."""
        return person if isinstance(person, str) else (self.person_ref or str(self.id))

    def _face_audit(self, action, object_ref, message, details=None):
        self.env["face.system.log"]._log(message, category="api", action=action, object_ref=object_ref, details=details)

    # ------------------------------------------------------------------ values
    @api.model
    def _face_person_vals(self, values, employee=None):
        """hr.employee values from a person's fields (see PERSON_FIELDS); an unknown department is
        created. ``employee``: the person being changed (their name parts, company)."""
        if not isinstance(values, dict):
            raise PersonInputError("The person's fields must be an object.")
        unknown = sorted(set(values) - set(PERSON_FIELDS))
        if unknown:
            raise PersonInputError("Unknown fields: %s." % ", ".join(unknown), field=unknown[0])
        vals = {}
        for name in ("first_name", "last_name"):
            _text(values, name, 128)
        if "name" in values:
            name = _text(values, "name", 256)
            if not name or not name.strip():
                raise PersonInputError("name cannot be empty.", field="name")
            vals["name"] = name.strip()
        if "email" in values:
            email = _text(values, "email", 256)
            if email and "@" not in email:
                raise PersonInputError("email is not an e-mail address.", field="email")
            vals["work_email"] = email or False
        if "position" in values:
            vals["job_title"] = _text(values, "position", 256) or False
        if "department" in values:
            name = _text(values, "department", 256)
            department = self.env["hr.department"]
            if name:
                department = department.search([("name", "=", name)], limit=1) or department.create({"name": name})
            vals["department_id"] = department.id or False
        if "phone" in values:
            vals["mobile_phone"] = _text(values, "phone", 64) or False
        if "is_active" in values:
            if not isinstance(values["is_active"], bool):
                raise PersonInputError("is_active must be true or false.", field="is_active")
            vals["active"] = values["is_active"]
        if "first_name" in values or "last_name" in values:
            first, last = employee._name_parts() if employee else ("", "")
            first = values["first_name"] if values.get("first_name") is not None else first
            last = values["last_name"] if values.get("last_name") is not None else last
            if not first.strip():
                raise PersonInputError("first_name cannot be empty.", field="first_name")
            vals.update(
                name=join_name(first, last),
                face_first_name=" ".join(first.split()),
                face_last_name=" ".join(last.split()),
            )
        return vals

    @api.model
    def _face_person_domain(self, filters):
        filters = filters or {}
        if not isinstance(filters, dict):
            raise PersonInputError("filters must be an object.")
        unknown = sorted(set(filters) - set(FILTERS))
        if unknown:
            raise PersonInputError("Unknown filters: %s." % ", ".join(unknown), field=unknown[0])
        domain = []
        if filters.get("with_person_id"):
            domain.append(("person_ref", "!=", False))
        if filters.get("active") is not None:
            domain.append(("active", "=", bool(filters["active"])))
        faces = filters.get("faces")
        if faces not in (None, "", "enrolled", "none"):
            raise PersonInputError("faces must be enrolled or none.", field="faces")
        if faces:
            domain.append(("face_count", ">" if faces == "enrolled" else "=", 0))
        term = _text(filters, "search", 10000)
        if term:
            domain += ["|", "|", ("name", "ilike", term), ("person_ref", "ilike", term), ("work_email", "ilike", term)]
        department = _text(filters, "department", 10000)
        if department:
            domain.append(("department_id.name", "ilike", department))
        department = _text(filters, "department_name", 10000)
        if department:
            # A name, not a pattern: % and _ are themselves.
            domain.append(("department_id.name", "=ilike", escape_psql(department)))
        return domain

    # ------------------------------------------------------------------ persons
    @api.model
    def face_person_find(self, person):
        """The employee id of a person the caller may read, by person ID or employee id."""
        return self._face_person(person).id

    @api.model
    def face_person_search(self, filters=None, limit=100, offset=0, order="person_ref"):
        """{"ids", "total"}: the persons the caller may read matching ``filters`` (archived ones too
        unless ``active`` says; ``faces``: enrolled or none; ``search`` in name, person ID, e-mail;
        ``department`` part of its name, ``department_name`` its name in any case;
        ``with_person_id``), ordered by person ID (``order="id"``: by id)."""
        self._face_check_reader()
        limit = _number(limit, "limit", 1, 1000)
        offset = _number(offset, "offset", 0, 10**9)
        if order not in ORDERS:
            raise PersonInputError("order must be one of %s." % ", ".join(ORDERS), field="order")
        domain = self._face_person_domain(filters)
        Employee = self.with_context(active_test=False)
        records = Employee.search(domain, limit=limit, offset=offset, order=ORDERS[order])
        return {"ids": records.ids, "total": Employee.search_count(domain)}

    @api.model
    def face_person_create(self, person_id, values, id_field="person_id", images=None, listed=False):
        """A new person of the caller's company with this person ID (409 when the company already has
        one; none: a person without a person ID) from a person's fields; with ``images`` (base64)
        their faces are enrolled too, all or nothing (see ``_face_enrol`` for ``listed``).
        {"id", "face_ids"}."""
        if person_id not in (None, False):
            _person_id(person_id, id_field)
        # Only a user who may create employees learns whether a person ID is taken (409).
        if not self.browse().has_access("create"):
            raise AccessError(self.env._("This key's user may not create employees (Odoo's Employees officer right)."))
        # Person IDs are unique per company: only the caller's company is looked at, so the answer
        # says nothing about people of other companies.
        if person_id and self.sudo().with_context(active_test=False).search_count(
            [("person_ref", "=", person_id), ("company_id", "=", self.env.company.id)]
        ):
            raise PersonConflict("Person %s already exists." % person_id, {id_field: person_id})
        vals = self._face_person_vals(values)
        if "name" not in vals:
            raise PersonInputError("name cannot be empty.", field="name")
        if person_id:
            vals["person_ref"] = person_id
        employee = self.create(vals)
        label = person_id or str(employee.id)
        employee._face_audit("person.create", "hr.employee,%d" % employee.id, "Person %s created" % label)
        templates = employee._face_enrol(images, "api", label, listed=bool(listed)) if images else []
        return {"id": employee.id, "face_ids": [t.id for t in templates]}

    @api.model
    def face_person_update(self, person, values, inactive="inactive"):
        """Change a person's fields (only those given); ``status`` is active or ``inactive`` (the word
        of the caller's API: inactive or archived). Returns the employee id."""
        employee = self._face_person(person)
        if inactive not in ("inactive", "archived"):
            raise PersonInputError("inactive must be inactive or archived.", field="inactive")
        vals = employee._face_person_vals(values, employee)
        if "status" in values:
            if values["status"] not in ("active", inactive):
                raise PersonInputError(
                    "status must be active or archived (pending follows the faces)."
                    if inactive == "archived"
                    else "status must be active or inactive.",
                    field="status",
                )
            vals["active"] = values["status"] == "active"
        if "personnel_code" in values:
            code = _person_id(values["personnel_code"], "personnel_code")
            taken = (
                self.sudo()
                .with_context(active_test=False)
                .search_count(
                    [("person_ref", "=", code), ("company_id", "=", employee.company_id.id), ("id", "!=", employee.id)]
                )
            )
            if taken:
                raise PersonConflict("Personnel code %s is already used." % code)
            vals["person_ref"] = code
        if vals:
            employee.write(vals)
        employee._face_audit(
            "person.update",
            "hr.employee,%d" % employee.id,
            "Person %s updated" % (person if isinstance(person, str) else employee.id),
            {"fields": sorted(values)},
        )
        return employee.id

    @api.model
    def face_person_archive(self, person, erase=False):
        """Archive a person; with ``erase`` their biometric data goes for good (Face Attendance
        managers). Returns the employee id."""
        employee = self._face_person(person)
        if not isinstance(erase, bool):
            raise PersonInputError("erase must be true or false.", field="erase")
        if erase:
            employee.action_erase_biometric_data()
        employee.active = False
        employee._face_audit(
            "person.delete",
            "hr.employee,%d" % employee.id,
            "Person %s archived%s" % (employee._face_label(person), " and biometric data erased" if erase else ""),
        )
        return employee.id

    @api.model
    def face_person_activate(self, person, active=None):
        """(De)activate a person (``active`` None: toggle). Returns the employee id."""
        employee = self._face_person(person)
        if active is not None and not isinstance(active, bool):
            raise PersonInputError("active must be true, false or null.", field="active")
        employee.active = (not employee.active) if active is None else active
        employee._face_audit(
            "person.activate" if employee.active else "person.deactivate",
            "hr.employee,%d" % employee.id,
            "Person %s %s" % (employee.id, "activated" if employee.active else "deactivated"),
        )
        return employee.id

    # ------------------------------------------------------------------ faces
    def _face_enrol(self, images, origin, label, replace=False, listed=False):
        """Face templates of this person from base64 images, by the engine, all or nothing. A refused
        image raises EnrolRefused: its own error, or with ``listed`` every refused image in
        ``details.images`` (index, status, code, message, details)."""
        self.ensure_one()
        if origin not in ORIGINS:
            raise PersonInputError("origin must be api, webcam or upload.", field="origin")
        if not isinstance(images, list) or not images or not all(isinstance(i, (str, bytes)) for i in images):
            raise PersonInputError("images must be a list of base64 images.", field="images")
        if len(images) > MAX_IMAGES:
            raise PersonInputError("At most %d images at once." % MAX_IMAGES, field="images")
        Template = self.env["face.template"]
        Template.check_access("create")
        if replace:
            # Undone with the rest of the call (rollback) if a new image is refused below.
            Template.with_context(active_test=False).search([("employee_id", "=", self.id)]).unlink()
        templates, refused = Template, []
        for index, image in enumerate(images):
            try:
                templates |= Template.create({"employee_id": self.id, "image": image, "origin": origin})
            except UserError as error:
                cause = error.__cause__
                if not isinstance(cause, EngineError):
                    raise
                status = 413 if cause.code == "IMAGE_TOO_LARGE" else 422
                if not listed:
                    raise EnrolRefused(str(error.args[0]), status, cause.code, cause.details) from None
                refused.append(
                    {
                        "index": index,
                        "status": status,
                        "code": cause.code,
                        "message": str(error.args[0]),
                        "details": cause.details or {},
                    }
                )
        if refused:
            first = refused[0]
            message = first["message"]
            if len(images) > 1:
                message = "%d of %d images were refused, nothing was saved. Image %d: %s" % (
                    len(refused),
                    len(images),
                    first["index"] + 1,
                    first["message"],
                )
            # The whole call is rolled back: the person and the other images are not kept.
            raise EnrolRefused(message, first["status"], first["code"], {"images": refused})
        for template in templates:
            self._face_audit(
                "face.register",
                "face.template,%d" % template.id,
                "Face registered for %s" % label,
                {"face_size": template.face_size, "force_update": bool(replace)},
            )
        return templates

    @api.model
    def face_person_enrol(self, person, images, origin="api", replace=False, listed=False):
        """Enrol faces of a person from base64 photos (Face Attendance managers: Odoo's rights on face
        templates), all or nothing; ``replace`` removes their faces first. The new templates' ids."""
        employee = self._face_person(person)
        return employee._face_enrol(images, origin, employee._face_label(person), bool(replace), bool(listed)).ids

    @api.model
    def face_person_templates(self, person, limit=None, offset=0, archived=False, unreadable_as_none=False):
        """{"employee_id", "ids", "total"}: a person's face templates the caller may read (by id;
        ``archived`` ones too). ``unreadable_as_none``: "ids" is False (not a list) for a caller who
        may not read templates, rather than an access error."""
        employee = self._face_person(person)
        Template = self.env["face.template"].with_context(active_test=not archived)
        if unreadable_as_none and not Template.browse().has_access("read"):
            return {"employee_id": employee.id, "ids": False, "total": 0}
        if limit is not None:
            limit = _number(limit, "limit", 1, 1000)
        offset = _number(offset, "offset", 0, 10**9)
        domain = [("employee_id", "=", employee.id)]
        records = Template.search(domain, limit=limit, offset=offset, order="id" if limit else None)
        return {"employee_id": employee.id, "ids": records.ids, "total": Template.search_count(domain)}

    @api.model
    def face_person_delete_template(self, person, face_id):
        """Remove one face template of a person. {"employee_id", "face_count"}."""
        employee = self._face_person(person)
        label = employee._face_label(person)
        template = (
            self.env["face.template"].search([("id", "=", face_id), ("employee_id", "=", employee.id)])
            if isinstance(face_id, int) and not isinstance(face_id, bool) and 0 < face_id <= MAX_ID
            else None
        )
        if not template:
            raise MissingError(
                self.env._("Face %(face)s of person %(person)s does not exist.", face=face_id, person=label)
            )
        template.unlink()
        employee._face_audit("face.delete", "face.template,%d" % face_id, "Face %s of %s deleted" % (face_id, label))
        return {"employee_id": employee.id, "face_count": employee.face_count}

    @api.model
    def face_person_delete_templates(self, person):
        """Remove all of a person's face templates. {"employee_id", "deleted"}."""
        employee = self._face_person(person)
        templates = (
            self.env["face.template"].with_context(active_test=False).search([("employee_id", "=", employee.id)])
        )
        count = len(templates)
        templates.unlink()
        employee._face_audit(
            "face.delete_all",
            "hr.employee,%d" % employee.id,
            "%d face(s) of %s deleted" % (count, employee._face_label(person)),
        )
        return {"employee_id": employee.id, "deleted": count}
