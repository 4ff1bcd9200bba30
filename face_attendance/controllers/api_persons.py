import base64
import binascii

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from face_attendance_daemon.engine import EngineError

from .api_common import ApiError, api_route, audit, bad_request, expect, iso, json_body, not_found, ok, paging
from .openapi_spec import PAGING, PERSON_ID, PERSON_WRITE, image_body, json_content, obj, operation, page, query, ref, s


def person_dict(employee):
    return {
        "person_id": employee.person_ref or None,
        "name": employee.name,
        "email": employee.work_email or None,
        "department": employee.department_id.name or None,
        "position": employee.job_title or None,
        "status": "active" if employee.active else "inactive",
        "created_at": iso(employee.create_date),
        "face_count": employee.face_count,
        "face_status": employee.face_status,
        "metadata": {"employee_id": employee.id, "company": employee.company_id.name},
    }


def check_person_access():
    """Persons are hr.employee records: a user without read access to them (Odoo shows such users
    only the public employee directory, without person IDs) is refused clearly, not with a 500."""
    if not request.env["hr.employee"].browse().has_access("read"):
        raise ApiError(
            403, "FORBIDDEN", "This key's user may not read employees (Odoo's Employees officer right is needed)."
        )


def find_person(person_id, active_test=False):
    check_person_access()
    employee = (
        request.env["hr.employee"]
        .with_context(active_test=active_test)
        .search([("person_ref", "=", person_id)], limit=1)
    )
    if not employee:
        raise not_found("Person %s does not exist." % person_id)
    return employee


def decode_image_field(value):
    if not isinstance(value, str) or not value:
        raise bad_request("image must be a base64 string or a data URL.", field="image")
    if value.startswith("data:"):
        header, _sep, value = value.partition(",")
        if ";base64" not in header:
            raise bad_request("A data URL image must be base64-encoded.", field="image")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise bad_request("image is not valid base64.", field="image") from None


def person_vals(body):
    """hr.employee values from the person fields of a body (name, email, position, department);
    an unknown department is created. Shared by /persons and /faces."""
    vals = {}
    if "name" in body:
        name = expect(body, "name", str, 256)
        if not name or not name.strip():
            raise bad_request("name cannot be empty.", field="name")
        vals["name"] = name.strip()
    if "email" in body:
        email = expect(body, "email", str, 256)
        if email and "@" not in email:
            raise bad_request("email is not an e-mail address.", field="email")
        vals["work_email"] = email or False
    if "position" in body:
        vals["job_title"] = expect(body, "position", str, 256) or False
    if "department" in body:
        name = expect(body, "department", str, 256)
        department = request.env["hr.department"]
        if name:
            department = department.search([("name", "=", name)], limit=1) or department.create({"name": name})
        vals["department_id"] = department.id or False
    return vals


def create_person(person_id, body, field="person_id", vals=None):
    """A new person with this person ID (409 when the key's company already has one), from the
    person fields of ``body``, or from hr.employee ``vals`` a caller has already checked."""
    if not isinstance(person_id, str) or not person_id or len(person_id) > 64 or any(c.isspace() for c in person_id):
        raise bad_request("%s must be 1 to 64 characters without spaces." % field, field=field)
    # Only a user who may create employees learns whether a person ID is taken (409).
    if not request.env["hr.employee"].browse().has_access("create"):
        raise ApiError(403, "FORBIDDEN", "This key's user may not create employees (Odoo's Employees officer right).")
    # Person IDs are unique per company: only the key's company is looked at, so the answer
    # says nothing about people of other companies.
    if (
        request.env["hr.employee"]
        .sudo()
        .with_context(active_test=False)
        .search_count([("person_ref", "=", person_id), ("company_id", "=", request.env.company.id)])
    ):
        raise ApiError(409, "CONFLICT", "Person %s already exists." % person_id, {field: person_id})
    vals = dict(person_vals(body) if vals is None else vals, person_ref=person_id)
    employee = request.env["hr.employee"].create(vals)
    audit("person.create", "hr.employee,%d" % employee.id, "Person %s created" % person_id)
    return employee


def enrol_image(employee, data, origin="api"):
    """One face template from the image bytes, by the engine; its refusal as the API's error
    (NOT_AN_IMAGE, NO_FACE, SEVERAL_FACES, FACE_TOO_SMALL: 422, IMAGE_TOO_LARGE: 413)."""
    try:
        return request.env["face.template"].create(
            {"employee_id": employee.id, "image": base64.b64encode(data), "origin": origin}
        )
    except UserError as error:
        cause = error.__cause__
        if not isinstance(cause, EngineError):
            raise
        status = 413 if cause.code == "IMAGE_TOO_LARGE" else 422
        raise ApiError(status, cause.code, str(error.args[0]), cause.details) from None


def audit_enrolment(template, person_id, force_update=False):
    audit(
        "face.register",
        "face.template,%d" % template.id,
        "Face registered for %s" % person_id,
        {"face_size": template.face_size, "force_update": force_update},
    )


def template_quality(template):
    return {
        "face_size": template.face_size,
        "sharpness": round(template.sharpness, 1),
        "detector_score": round(template.detector_score, 3),
    }


def archive_person(employee, person_id, erase):
    """DELETE of a person: archived; with ``erase`` (scope face:write) their biometric data goes."""
    if erase:
        if not request.face_api_key._has_scope("face:write"):
            raise ApiError(
                403,
                "FORBIDDEN",
                "Erasing biometric data needs the scope 'face:write'.",
                {"required_scope": "face:write"},
            )
        employee.action_erase_biometric_data()
    employee.active = False
    audit(
        "person.delete",
        "hr.employee,%d" % employee.id,
        "Person %s archived%s" % (person_id, " and biometric data erased" if erase else ""),
    )


def delete_template(employee, person_id, face_id):
    template = request.env["face.template"].search([("id", "=", face_id), ("employee_id", "=", employee.id)])
    if not template:
        raise not_found("Face %s of person %s does not exist." % (face_id, person_id))
    template.unlink()
    audit("face.delete", "face.template,%d" % face_id, "Face %s of %s deleted" % (face_id, person_id))


def parse_erase(params):
    erase = str(params.get("erase", "false")).lower()
    if erase not in ("true", "false", "1", "0"):
        raise bad_request("erase must be true or false.")
    return erase in ("true", "1")


class FaceApiPersons(http.Controller):
    @api_route(
        "/persons",
        ["GET"],
        scope="person:read",
        doc=operation(
            "Persons",
            "Persons",
            "person:read",
            200,
            page("persons", ref("Person")),
            PAGING
            + [
                query("status", s("string", enum=["active", "inactive"])),
                query("search", s("string")),
                query("department", s("string")),
            ],
        ),
    )
    def list_persons(self, **params):
        limit, offset = paging(params)
        check_person_access()
        domain = []
        status = params.get("status")
        if status not in (None, "", "active", "inactive"):
            raise bad_request("status must be active or inactive.")
        if status == "inactive":
            domain.append(("active", "=", False))
        if params.get("search"):
            term = params["search"]
            domain += ["|", "|", ("name", "ilike", term), ("person_ref", "ilike", term), ("work_email", "ilike", term)]
        if params.get("department"):
            domain.append(("department_id.name", "ilike", params["department"]))
        # No status: everybody, archived persons included.
        Employee = request.env["hr.employee"].with_context(active_test=status == "active")
        records = Employee.search(domain, limit=limit, offset=offset, order="person_ref, id")
        return ok(
            {
                "persons": [person_dict(e) for e in records],
                "total": Employee.search_count(domain),
                "limit": limit,
                "offset": offset,
            }
        )

    @api_route(
        "/persons/<string:person_id>",
        ["GET"],
        path_params={"person_id": PERSON_ID["schema"]},
        scope="person:read",
        doc=operation("One person with face status", "Persons", "person:read", 200, ref("Person")),
    )
    def get_person(self, person_id):
        return ok(person_dict(find_person(person_id)))

    @api_route(
        "/persons",
        ["POST"],
        scope="person:write",
        doc=operation(
            "Create a person",
            "Persons",
            "person:write",
            201,
            ref("Person"),
            extra_errors=["409"],
            body=json_content(
                {
                    "type": "object",
                    "required": ["person_id", "name"],
                    "additionalProperties": False,
                    "properties": dict(
                        PERSON_WRITE, person_id=s("string", minLength=1, maxLength=64, pattern=r"^\S+$")
                    ),
                }
            ),
        ),
    )
    def create_person(self):
        body = json_body(required=("person_id", "name"), optional=("email", "department", "position"))
        person_id = expect(body, "person_id", str, 64)
        if any(c.isspace() for c in person_id):
            raise bad_request("person_id cannot contain spaces.", field="person_id")
        employee = create_person(person_id, {k: v for k, v in body.items() if k != "person_id"})
        return ok(person_dict(employee), status=201)

    @api_route(
        "/persons/<string:person_id>",
        ["PUT"],
        path_params={"person_id": PERSON_ID["schema"]},
        scope="person:write",
        doc=operation(
            "Update a person (partial)",
            "Persons",
            "person:write",
            200,
            ref("Person"),
            body=json_content(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": dict(PERSON_WRITE, status=s("string", enum=["active", "inactive"])),
                }
            ),
        ),
    )
    def update_person(self, person_id):
        body = json_body(optional=("name", "email", "department", "position", "status"))
        employee = find_person(person_id)
        vals = person_vals(body)
        if "status" in body:
            if body["status"] not in ("active", "inactive"):
                raise bad_request("status must be active or inactive.", field="status")
            vals["active"] = body["status"] == "active"
        if vals:
            employee.write(vals)
        audit(
            "person.update", "hr.employee,%d" % employee.id, "Person %s updated" % person_id, {"fields": sorted(body)}
        )
        return ok(person_dict(employee))

    @api_route(
        "/persons/<string:person_id>",
        ["DELETE"],
        path_params={"person_id": PERSON_ID["schema"]},
        scope="person:write",
        doc=operation(
            "Archive a person; erase=true deletes their biometric data",
            "Persons",
            "person:write",
            200,
            obj({"person_id": s("string"), "status": s("string"), "biometric_data_erased": s("boolean")}),
            [query("erase", s("string", enum=["true", "false", "1", "0"]))],
        ),
    )
    def delete_person(self, person_id, **params):
        employee = find_person(person_id)
        erase = parse_erase(params)
        archive_person(employee, person_id, erase)
        return ok({"person_id": person_id, "status": "inactive", "biometric_data_erased": erase})

    @api_route(
        "/persons/<string:person_id>/register-face",
        ["POST"],
        path_params={"person_id": PERSON_ID["schema"]},
        scope="face:write",
        doc=operation(
            "Enrol a face from a photo",
            "Persons",
            "face:write",
            201,
            obj(
                {
                    "person_id": s("string"),
                    "face_id": s("integer"),
                    "total_faces": s("integer"),
                    "quality": s("object"),
                    "encoder": s("string"),
                    "note": s(
                        "string",
                        description="Only when the photo also showed smaller faces in the background: they "
                        "were ignored and the largest face was enrolled.",
                    ),
                },
                required=["person_id", "face_id", "total_faces", "quality", "encoder"],
            ),
            body=dict(
                image_body(
                    {"force_update": s("boolean"), "origin": s("string", enum=["api", "webcam", "upload"])},
                    "One photo with one face, or with one face clearly larger than the others (smaller faces "
                    "in the background are ignored, and the answer's note says so).",
                ),
                **{
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {
                                "file": s("string", format="binary"),
                                "force_update": s("string", enum=["true", "false"]),
                            },
                        }
                    }
                },
            ),
            description="Errors: NOT_AN_IMAGE, NO_FACE, SEVERAL_FACES (faces of similar size), FACE_TOO_SMALL "
            "(422), IMAGE_TOO_LARGE (413).",
        ),
    )
    def register_face(self, person_id, **params):
        employee = find_person(person_id)
        upload = request.httprequest.files.get("file")
        force_update = False
        if upload:
            data = upload.read()
            force_update = str(request.httprequest.form.get("force_update", "false")).lower() in ("true", "1")
            origin = "api"
        else:
            body = json_body(required=("image",), optional=("force_update", "origin"))
            data = decode_image_field(body["image"])
            force_update = bool(expect(body, "force_update", bool))
            origin = body.get("origin") or "api"
            if origin not in ("api", "webcam", "upload"):
                raise bad_request("origin must be api, webcam or upload.", field="origin")
        if force_update:
            # Undone with the rest of the request (rollback) if the new image is refused below.
            request.env["face.template"].with_context(active_test=False).search(
                [("employee_id", "=", employee.id)]
            ).unlink()
        template = enrol_image(employee, data, origin)
        audit_enrolment(template, person_id, force_update)
        answer = {
            "person_id": person_id,
            "face_id": template.id,
            "total_faces": employee.face_count,
            "quality": template_quality(template),
            "encoder": "%s:%s" % (template.encoder_name, template.encoder_version),
        }
        if template.enrol_note:
            # The photo also showed smaller faces: the client learns which face was enrolled.
            answer["note"] = template.enrol_note
        return ok(answer, status=201)

    @api_route(
        "/persons/<string:person_id>/faces",
        ["GET"],
        path_params={"person_id": PERSON_ID["schema"]},
        scope="person:read",
        doc=operation(
            "A person's face templates",
            "Persons",
            "person:read",
            200,
            obj({"faces": s("array", items=ref("Face")), "total": s("integer")}),
        ),
    )
    def list_faces(self, person_id):
        employee = find_person(person_id)
        templates = request.env["face.template"].search([("employee_id", "=", employee.id)])
        return ok(
            {
                "faces": [
                    {
                        "face_id": t.id,
                        "origin": t.origin,
                        "encoder": "%s:%s" % (t.encoder_name, t.encoder_version),
                        "face_size": t.face_size,
                        "sharpness": t.sharpness,
                        "created_at": iso(t.create_date),
                    }
                    for t in templates
                ],
                "total": len(templates),
            }
        )

    @api_route(
        "/persons/<string:person_id>/faces/<int:face_id>",
        ["DELETE"],
        path_params={"person_id": PERSON_ID["schema"]},
        scope="face:write",
        doc=operation(
            "Remove one face template",
            "Persons",
            "face:write",
            200,
            obj({"person_id": s("string"), "face_id": s("integer"), "total_faces": s("integer")}),
        ),
    )
    def delete_face(self, person_id, face_id):
        employee = find_person(person_id)
        delete_template(employee, person_id, face_id)
        return ok({"person_id": person_id, "face_id": face_id, "total_faces": employee.face_count})

    @api_route(
        "/persons/<string:person_id>/faces",
        ["DELETE"],
        path_params={"person_id": PERSON_ID["schema"]},
        scope="face:write",
        doc=operation(
            "Remove all of a person's faces",
            "Persons",
            "face:write",
            200,
            obj({"person_id": s("string"), "deleted": s("integer"), "total_faces": s("integer")}),
        ),
    )
    def delete_faces(self, person_id):
        employee = find_person(person_id)
        templates = (
            request.env["face.template"].with_context(active_test=False).search([("employee_id", "=", employee.id)])
        )
        count = len(templates)
        templates.unlink()
        audit("face.delete_all", "hr.employee,%d" % employee.id, "%d face(s) of %s deleted" % (count, person_id))
        return ok({"person_id": person_id, "deleted": count, "total_faces": 0})
