"""/faces: the operations frontend's face profiles, which are the persons of /persons (hr.employee)
and their face templates, served through the same enrolment code.

A profile's ``id`` is the person ID. Uploads are multipart, at most 5 images per request, all or
nothing: when one image is refused (no face, several faces, too small, not an image, too large)
nothing of the request is saved, and the error lists every refused image with its own code.
"""

import base64

from odoo import http
from odoo.http import request

from .api_common import ApiError, api_route, bad_request, iso, json_body, ok, ok_page, plan_paging
from .api_persons import enrol_errors, find_person, parse_erase, require_erase_scope, template_quality
from .openapi_spec import (
    DATETIME,
    PERSON_ID,
    PERSON_WRITE,
    PLAN_PAGING,
    json_content,
    obj,
    operation,
    plan_page,
    query,
    s,
)

MAX_IMAGES = 5
STATUSES = ("active", "pending", "archived")
PROFILE_FIELDS = ("name", "email", "department", "position")

PROFILE = obj(
    {
        "id": s("string", description="The person ID (as in /persons)"),
        "employeeId": s("string", description="The person ID"),
        "odooEmployeeId": s("integer"),
        "name": s("string"),
        "email": s("string", nullable=True),
        "department": s("string", nullable=True),
        "position": s("string", nullable=True),
        "status": s("string", enum=list(STATUSES), description="archived; pending: no face enrolled yet"),
        "imageCount": s("integer"),
        "faceCount": s("integer"),
        "createdAt": DATETIME,
        "updatedAt": DATETIME,
    }
)
IMAGE = obj(
    {
        "id": s("integer"),
        "profileId": s("string"),
        "createdAt": DATETIME,
        "origin": s("string"),
        "encoder": s("string"),
        "quality": obj({"faceSize": s("integer"), "sharpness": s("number"), "detectorScore": s("number")}),
        "note": s("string", nullable=True, description="Smaller faces in the background were ignored"),
    }
)
IMAGES_FORM = {
    "images": s("array", items=s("string", format="binary"), maxItems=MAX_IMAGES),
    "images[]": s("array", items=s("string", format="binary"), maxItems=MAX_IMAGES),
}
IMAGE_ERRORS = (
    "Images are enrolled all or nothing. A refused image fails the request with its error code "
    "(NOT_AN_IMAGE, NO_FACE, SEVERAL_FACES, FACE_TOO_SMALL: 422; IMAGE_TOO_LARGE: 413) and "
    "`details.images` lists every refused image (index, filename, code, message). The body limit "
    "applies to the whole request."
)


def profile_status(employee):
    if not employee.active:
        return "archived"
    return "active" if employee.face_count else "pending"


def profile_dict(employee):
    return {
        "id": employee.person_ref,
        "employeeId": employee.person_ref,
        "odooEmployeeId": employee.id,
        "name": employee.name,
        "email": employee.work_email or None,
        "department": employee.department_id.name or None,
        "position": employee.job_title or None,
        "status": profile_status(employee),
        "imageCount": employee.face_count,
        "faceCount": employee.face_count,
        "createdAt": iso(employee.create_date),
        "updatedAt": iso(employee.write_date),
    }


def image_dict(template, person_id):
    quality = template_quality(template)
    return {
        "id": template.id,
        "profileId": person_id,
        "createdAt": iso(template.create_date),
        "origin": template.origin,
        "encoder": "%s:%s" % (template.encoder_name, template.encoder_version),
        "quality": {
            "faceSize": quality["face_size"],
            "sharpness": quality["sharpness"],
            "detectorScore": quality["detector_score"],
        },
        "note": template.enrol_note or None,
    }


def multipart(fields=()):
    """(form fields, uploaded images) of a multipart request; unknown fields refused."""
    httprequest = request.httprequest
    if httprequest.mimetype != "multipart/form-data":
        raise bad_request("Send multipart/form-data with the images as files named images (or images[]).")
    names = set(httprequest.form) | set(httprequest.files)
    unknown = sorted(names - set(fields) - set(IMAGES_FORM))
    if unknown:
        raise bad_request(
            "Unknown fields: %s." % ", ".join(unknown),
            unknown_fields=unknown,
            allowed_fields=sorted(set(fields) | set(IMAGES_FORM)),
        )
    form = {name: httprequest.form.get(name) for name in fields if name in httprequest.form}
    uploads = [
        upload
        for name in IMAGES_FORM
        for upload in httprequest.files.getlist(name)
        # A file input left empty by a browser sends an empty part without a name.
        if upload.filename or upload.content_length
    ]
    if len(uploads) > MAX_IMAGES:
        raise bad_request("At most %d images per request, not %d." % (MAX_IMAGES, len(uploads)), count=len(uploads))
    return form, uploads


def encoded(uploads):
    """(base64 images, file names) of uploaded files, for the model's enrolment."""
    return [base64.b64encode(u.read()).decode() for u in uploads], [u.filename or None for u in uploads]


def require_face_write():
    if not request.face_api_key._has_scope("face:write"):
        raise ApiError(
            403, "FORBIDDEN", "Enrolling faces needs the scope 'face:write'.", {"required_scope": "face:write"}
        )


class FaceApiFaces(http.Controller):
    @api_route(
        "/faces",
        ["GET"],
        scope="person:read",
        doc=operation(
            "Face profiles",
            "Faces",
            "person:read",
            200,
            None,
            PLAN_PAGING
            + [
                query("status", s("string", enum=list(STATUSES))),
                query("search", s("string", maxLength=256), "Part of the name, person ID or e-mail"),
                query("department", s("string", maxLength=256), "Part of the department's name"),
            ],
            ok_content=plan_page(PROFILE),
            description="The persons that have a person ID, with their face counts.",
        ),
    )
    def list_faces(self, **params):
        number, size, offset = plan_paging(params)
        status = params.get("status") or None
        if status not in (None,) + STATUSES:
            raise bad_request("status must be one of %s." % ", ".join(STATUSES), field="status")
        for name in ("search", "department"):
            if params.get(name) and len(params[name]) > 256:
                raise bad_request("%s is longer than 256 characters." % name, field=name)
        filters = {
            "with_person_id": True,
            "active": {"archived": False, "active": True, "pending": True}.get(status),
            "faces": {"active": "enrolled", "pending": "none"}.get(status),
            "search": params.get("search") or None,
            "department": params.get("department") or None,
        }
        Employee = request.env["hr.employee"]
        found = Employee.face_person_search(filters, limit=size, offset=offset)
        return ok_page([profile_dict(e) for e in Employee.browse(found["ids"])], found["total"], number, size)

    @api_route(
        "/faces",
        ["POST"],
        scope="person:write",
        doc=operation(
            "Create a face profile (a person) with up to 5 images",
            "Faces",
            "person:write",
            201,
            dict(PROFILE, properties=dict(PROFILE["properties"], images=s("array", items=IMAGE))),
            body={
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["name", "employeeId"],
                        "properties": dict(
                            {k: {a: b for a, b in v.items() if a != "nullable"} for k, v in PERSON_WRITE.items()},
                            employeeId=s("string", minLength=1, maxLength=64, pattern=r"^\S+$"),
                            **IMAGES_FORM,
                        ),
                    }
                }
            },
            extra_errors=["409"],
            description="Creates the person as POST /persons (employeeId is the person ID) and enrols each "
            "image as /persons/{person_id}/register-face; images need the scope face:write too. " + IMAGE_ERRORS,
        ),
    )
    def create_face(self, **_params):
        form, uploads = multipart(("name", "employeeId") + PROFILE_FIELDS[1:])
        missing = [name for name in ("name", "employeeId") if not form.get(name)]
        if missing:
            raise bad_request("Missing fields: %s." % ", ".join(missing), missing_fields=missing)
        if uploads:
            require_face_write()
        person_id = form.pop("employeeId")
        images, filenames = encoded(uploads)
        with enrol_errors(filenames):
            created = request.env["hr.employee"].face_person_create(
                person_id, form, id_field="employeeId", images=images or None, listed=True
            )
        answer = profile_dict(request.env["hr.employee"].browse(created["id"]))
        answer["images"] = [image_dict(t, person_id) for t in request.env["face.template"].browse(created["face_ids"])]
        return ok(answer, status=201)

    @api_route(
        "/faces/<string:person_id>",
        ["GET"],
        path_params={"person_id": PERSON_ID["schema"]},
        scope="person:read",
        doc=operation("One face profile", "Faces", "person:read", 200, PROFILE),
    )
    def get_face(self, person_id):
        return ok(profile_dict(find_person(person_id)))

    @api_route(
        "/faces/<string:person_id>",
        ["PUT"],
        path_params={"person_id": PERSON_ID["schema"]},
        scope="person:write",
        doc=operation(
            "Update a face profile (partial)",
            "Faces",
            "person:write",
            200,
            PROFILE,
            body=json_content(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": dict(PERSON_WRITE, status=s("string", enum=["active", "archived"])),
                }
            ),
        ),
    )
    def update_face(self, person_id):
        body = json_body(optional=PROFILE_FIELDS + ("status",))
        Employee = request.env["hr.employee"]
        return ok(profile_dict(Employee.browse(Employee.face_person_update(person_id, body, inactive="archived"))))

    @api_route(
        "/faces/<string:person_id>",
        ["DELETE"],
        path_params={"person_id": PERSON_ID["schema"]},
        scope="person:write",
        doc=operation(
            "Archive a face profile; erase=true deletes its biometric data (scope face:write too)",
            "Faces",
            "person:write",
            200,
            obj({"id": s("string"), "status": s("string", enum=["archived"]), "biometricDataErased": s("boolean")}),
            [query("erase", s("string", enum=["true", "false", "1", "0"]))],
        ),
    )
    def delete_face(self, person_id, **params):
        find_person(person_id)  # an unknown person answers 404 before the parameters are read
        erase = parse_erase(params)
        require_erase_scope(erase)
        request.env["hr.employee"].face_person_archive(person_id, erase)
        return ok({"id": person_id, "status": "archived", "biometricDataErased": erase})

    @api_route(
        "/faces/<string:person_id>/images",
        ["GET"],
        path_params={"person_id": PERSON_ID["schema"]},
        scope="person:read",
        doc=operation(
            "A face profile's images (templates)",
            "Faces",
            "person:read",
            200,
            None,
            PLAN_PAGING,
            ok_content=plan_page(IMAGE),
            description="The enrolled templates and their quality; the photos themselves stay in Odoo "
            "(Face Attendance managers see them on the person's form).",
        ),
    )
    def list_images(self, person_id, **params):
        number, size, offset = plan_paging(params)
        found = request.env["hr.employee"].face_person_templates(person_id, limit=size, offset=offset)
        templates = request.env["face.template"].browse(found["ids"])
        return ok_page([image_dict(t, person_id) for t in templates], found["total"], number, size)

    @api_route(
        "/faces/<string:person_id>/images",
        ["POST"],
        path_params={"person_id": PERSON_ID["schema"]},
        scope="face:write",
        doc=operation(
            "Add up to 5 images to a face profile",
            "Faces",
            "face:write",
            201,
            obj(
                {
                    "id": s("string"),
                    "added": s("integer"),
                    "imageCount": s("integer"),
                    "images": s("array", items=IMAGE),
                }
            ),
            body={"multipart/form-data": {"schema": {"type": "object", "properties": IMAGES_FORM}}},
            description=IMAGE_ERRORS,
        ),
    )
    def add_images(self, person_id, **_params):
        employee = find_person(person_id)
        _form, uploads = multipart()
        if not uploads:
            raise bad_request("Send at least one image, as a file named images (or images[]).", field="images")
        images, filenames = encoded(uploads)
        with enrol_errors(filenames):
            face_ids = request.env["hr.employee"].face_person_enrol(person_id, images, listed=True)
        return ok(
            {
                "id": person_id,
                "added": len(face_ids),
                "imageCount": employee.face_count,
                "images": [image_dict(t, person_id) for t in request.env["face.template"].browse(face_ids)],
            },
            status=201,
        )

    @api_route(
        "/faces/<string:person_id>/images/<int:face_id>",
        ["DELETE"],
        path_params={"person_id": PERSON_ID["schema"]},
        scope="face:write",
        doc=operation(
            "Remove one image (template) of a face profile",
            "Faces",
            "face:write",
            200,
            obj({"id": s("string"), "imageId": s("integer"), "imageCount": s("integer")}),
        ),
    )
    def delete_image(self, person_id, face_id):
        done = request.env["hr.employee"].face_person_delete_template(person_id, face_id)
        return ok({"id": person_id, "imageId": face_id, "imageCount": done["face_count"]})
