import base64
import binascii
from contextlib import contextmanager

from odoo import http
from odoo.http import request

from ..models.hr_employee_api import EnrolRefused
from .api_common import ApiError, api_route, bad_request, expect, iso, json_body, ok, paging
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


def find_person(person_id):
    """The hr.employee of a person ID the key's user may read (archived too), else 404."""
    Employee = request.env["hr.employee"]
    return Employee.browse(Employee.face_person_find(person_id))


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


@contextmanager
def enrol_errors(filenames=None):
    """The engine's refusal of a photo as the API's error (NOT_AN_IMAGE, NO_FACE, SEVERAL_FACES,
    FACE_TOO_SMALL: 422, IMAGE_TOO_LARGE: 413); ``filenames`` name the refused images of a list."""
    try:
        yield
    except EnrolRefused as refused:
        details = refused.details
        if filenames is not None and "images" in details:
            details = dict(
                details, images=[dict(image, filename=filenames[image["index"]]) for image in details["images"]]
            )
        raise ApiError(refused.status, refused.code, str(refused.args[0]), details) from None


def template_quality(template):
    return {
        "face_size": template.face_size,
        "sharpness": round(template.sharpness, 1),
        "detector_score": round(template.detector_score, 3),
    }


def require_erase_scope(erase):
    """Erasing biometric data needs the key's scope face:write too (the model checks the user)."""
    if erase and not request.face_api_key._has_scope("face:write"):
        raise ApiError(
            403,
            "FORBIDDEN",
            "Erasing biometric data needs the scope 'face:write'.",
            {"required_scope": "face:write"},
        )


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
        status = params.get("status")
        if status not in (None, "", "active", "inactive"):
            raise bad_request("status must be active or inactive.")
        # No status: everybody, archived persons included.
        filters = {
            "active": {"active": True, "inactive": False}.get(status),
            "search": params.get("search") or None,
            "department": params.get("department") or None,
        }
        Employee = request.env["hr.employee"]
        found = Employee.face_person_search(filters, limit=limit, offset=offset)
        return ok(
            {
                "persons": [person_dict(e) for e in Employee.browse(found["ids"])],
                "total": found["total"],
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
        Employee = request.env["hr.employee"]
        created = Employee.face_person_create(person_id, {k: v for k, v in body.items() if k != "person_id"})
        return ok(person_dict(Employee.browse(created["id"])), status=201)

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
        Employee = request.env["hr.employee"]
        return ok(person_dict(Employee.browse(Employee.face_person_update(person_id, body))))

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
        find_person(person_id)  # an unknown person answers 404 before the parameters are read
        erase = parse_erase(params)
        require_erase_scope(erase)
        request.env["hr.employee"].face_person_archive(person_id, erase)
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
        find_person(person_id)  # an unknown person answers 404 before the body is read
        upload = request.httprequest.files.get("file")
        if upload:
            image = base64.b64encode(upload.read()).decode()
            force_update = str(request.httprequest.form.get("force_update", "false")).lower() in ("true", "1")
            origin = "api"
        else:
            body = json_body(required=("image",), optional=("force_update", "origin"))
            image = base64.b64encode(decode_image_field(body["image"])).decode()
            force_update = bool(expect(body, "force_update", bool))
            origin = body.get("origin") or "api"
        Employee = request.env["hr.employee"]
        with enrol_errors():
            (face_id,) = Employee.face_person_enrol(person_id, [image], origin, replace=force_update)
        template = request.env["face.template"].browse(face_id)
        answer = {
            "person_id": person_id,
            "face_id": template.id,
            "total_faces": template.employee_id.face_count,
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
        found = request.env["hr.employee"].face_person_templates(person_id)
        templates = request.env["face.template"].browse(found["ids"])
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
        done = request.env["hr.employee"].face_person_delete_template(person_id, face_id)
        return ok({"person_id": person_id, "face_id": face_id, "total_faces": done["face_count"]})

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
        done = request.env["hr.employee"].face_person_delete_templates(person_id)
        return ok({"person_id": person_id, "deleted": done["deleted"], "total_faces": 0})
