"""/faces: the operations frontend's face profiles, which are the persons of /persons (hr.employee)
and their face templates, served through the same enrolment code.

A profile's ``id`` is the person ID. Uploads are multipart, at most 5 images per request, all or
nothing: when one image is refused (no face, several faces, too small, not an image, too large)
nothing of the request is saved, and the error lists every refused image with its own code.
"""

from odoo import http
from odoo.http import request

from .api_common import ApiError, api_route, audit, bad_request, iso, json_body, ok, ok_page, plan_paging
from .api_persons import (
    archive_person,
    audit_enrolment,
    check_person_access,
    create_person,
    delete_template,
    enrol_image,
    find_person,
    parse_erase,
    person_vals,
    template_quality,
)
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


def enrol_uploads(employee, person_id, uploads):
    """Every image enrolled, or none: the request fails with every refused image listed."""
    templates, refused = [], []
    for index, upload in enumerate(uploads):
        try:
            templates.append(enrol_image(employee, upload.read(), origin="api"))
        except ApiError as error:
            refused.append(
                {
                    "index": index,
                    "filename": upload.filename or None,
                    "status": error.status,
                    "code": error.code,
                    "message": error.message,
                    "details": error.details,
                }
            )
    if refused:
        first = refused[0]
        message = first["message"]
        if len(uploads) > 1:
            message = "%d of %d images were refused, nothing was saved. Image %d: %s" % (
                len(refused),
                len(uploads),
                first["index"] + 1,
                first["message"],
            )
        # The whole request is rolled back: the person and the other images are not kept.
        raise ApiError(first["status"], first["code"], message, {"images": refused})
    for template in templates:
        audit_enrolment(template, person_id)
    return templates


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
        check_person_access()
        domain = [("person_ref", "!=", False)]
        status = params.get("status") or None
        if status not in (None,) + STATUSES:
            raise bad_request("status must be one of %s." % ", ".join(STATUSES), field="status")
        if status == "archived":
            domain.append(("active", "=", False))
        elif status:
            domain.append(("face_count", ">" if status == "active" else "=", 0))
        for name in ("search", "department"):
            if params.get(name) and len(params[name]) > 256:
                raise bad_request("%s is longer than 256 characters." % name, field=name)
        if params.get("search"):
            term = params["search"]
            domain += ["|", "|", ("name", "ilike", term), ("person_ref", "ilike", term), ("work_email", "ilike", term)]
        if params.get("department"):
            domain.append(("department_id.name", "ilike", params["department"]))
        Employee = request.env["hr.employee"].with_context(active_test=status in ("active", "pending"))
        records = Employee.search(domain, limit=size, offset=offset, order="person_ref, id")
        return ok_page([profile_dict(e) for e in records], Employee.search_count(domain), number, size)

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
        employee = create_person(person_id, form, field="employeeId")
        templates = enrol_uploads(employee, person_id, uploads)
        answer = profile_dict(employee)
        answer["images"] = [image_dict(t, person_id) for t in templates]
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
        employee = find_person(person_id)
        vals = person_vals(body)
        if "status" in body:
            if body["status"] not in ("active", "archived"):
                raise bad_request("status must be active or archived (pending follows the faces).", field="status")
            vals["active"] = body["status"] == "active"
        if vals:
            employee.write(vals)
        audit(
            "person.update", "hr.employee,%d" % employee.id, "Person %s updated" % person_id, {"fields": sorted(body)}
        )
        return ok(profile_dict(employee))

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
        employee = find_person(person_id)
        erase = parse_erase(params)
        archive_person(employee, person_id, erase)
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
        employee = find_person(person_id)
        Template = request.env["face.template"]
        domain = [("employee_id", "=", employee.id)]
        templates = Template.search(domain, limit=size, offset=offset, order="id")
        return ok_page([image_dict(t, person_id) for t in templates], Template.search_count(domain), number, size)

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
        templates = enrol_uploads(employee, person_id, uploads)
        return ok(
            {
                "id": person_id,
                "added": len(templates),
                "imageCount": employee.face_count,
                "images": [image_dict(t, person_id) for t in templates],
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
        employee = find_person(person_id)
        delete_template(employee, person_id, face_id)
        return ok({"id": person_id, "imageId": face_id, "imageCount": employee.face_count})
