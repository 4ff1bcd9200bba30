"""/faces: the operations frontend's face profiles, which are the persons of /persons (hr.employee)
and their face templates, served through the same enrolment code.

A profile's ``id`` is the person ID. Uploads are multipart, at most 5 images per request, all or
nothing: when one image is refused (no face, several faces, too small, not an image, too large)
nothing of the request is saved, and the error lists every refused image with its own code.
"""

import base64
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from odoo import http
from odoo.http import request

from ..models.api_types import Answer, Body, DateTime, Email, Form, PersonId, PlanPaging, Upload
from .api_common import ApiError, api_route, iso, unprocessable
from .api_persons import (
    EraseQuery,
    OptionalText,
    PersonPath,
    Text,
    archive,
    enrol_errors,
    find_person,
    template_quality,
)

MAX_IMAGES = 5
STATUSES = ("active", "pending", "archived")
PROFILE_FIELDS = ("name", "email", "department", "position")
SearchText = Annotated[str, Field(max_length=256)]


class ProfilesQuery(PlanPaging):
    status: Literal[STATUSES] = Field(None, description="archived; pending: no face enrolled yet")
    search: SearchText = Field(None, description="Part of the name, person ID or e-mail")
    department: SearchText = Field(None, description="Part of the department's name")


class ProfileChange(Body):
    # Absent: unchanged.
    name: Text = None
    email: Email | None = None
    department: OptionalText = None
    position: OptionalText = None
    status: Literal["active", "archived"] = None


class FaceProfile(Answer):
    id: str = Field(description="The person ID (as in /persons)")
    employeeId: str = Field(description="The person ID")  # noqa: N815  # the plan's camelCase
    odooEmployeeId: int  # noqa: N815
    name: str
    email: str | None
    department: str | None
    position: str | None
    status: Literal[STATUSES] = Field(description="archived; pending: no face enrolled yet")
    imageCount: int  # noqa: N815
    faceCount: int  # noqa: N815
    createdAt: DateTime  # noqa: N815
    updatedAt: DateTime  # noqa: N815


class ImageQuality(Answer):
    faceSize: int  # noqa: N815
    sharpness: float
    detectorScore: float  # noqa: N815


class FaceProfileImage(Answer):
    id: int
    profileId: str  # noqa: N815
    createdAt: DateTime  # noqa: N815
    origin: str
    encoder: str
    quality: ImageQuality
    note: str | None = Field(description="Smaller faces in the background were ignored")


class ProfileCreated(FaceProfile):
    images: list[FaceProfileImage]


class ImagesAdded(Answer):
    id: str
    added: int
    imageCount: int  # noqa: N815
    images: list[FaceProfileImage]


class ProfileArchived(Answer):
    id: str
    status: Literal["archived"]
    biometricDataErased: bool  # noqa: N815


class ImageRemoved(Answer):
    id: str
    imageId: int  # noqa: N815
    imageCount: int  # noqa: N815


Images = Annotated[list[Upload], Field(min_length=1, max_length=MAX_IMAGES)]


class ImagesForm(Form):
    """Up to 5 images, as files named images (or images[])."""

    images: Images = []
    images_list: Images = Field([], alias="images[]")

    @model_validator(mode="after")
    def _at_most_five(self):
        count = len(self.images) + len(self.images_list)
        if count > MAX_IMAGES:
            # Each name's list is within the document's bounds: their sum is a rule it cannot say.
            raise unprocessable("At most %d images per request, not %d." % (MAX_IMAGES, count), field="images")
        return self

    def uploads(self):
        return list(self.images) + list(self.images_list)


class ImagesAdd(ImagesForm):
    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": ["images"]}, {"required": ["images[]"]}]})

    @model_validator(mode="after")
    def _at_least_one(self):
        if not self.uploads():
            raise ValueError("send at least one image, as a file named images (or images[])")
        return self


class ProfileForm(ImagesForm):
    name: Text
    employeeId: PersonId  # noqa: N815  # the plan's camelCase
    email: Email = None
    department: OptionalText = None
    position: OptionalText = None


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
        readonly=True,
        scope="person:read",
        summary="Face profiles",
        tag="Faces",
        query=ProfilesQuery,
        answer=FaceProfile,
        paged=True,
        description="The persons that have a person ID, with their face counts.",
    )
    def list_faces(self, query):
        filters = {
            "with_person_id": True,
            "active": {"archived": False, "active": True, "pending": True}.get(query.status),
            "faces": {"active": "enrolled", "pending": "none"}.get(query.status),
            "search": query.search,
            "department": query.department,
        }
        Employee = request.env["hr.employee"]
        found = Employee.face_person_search(filters, limit=query.pageSize, offset=query.offset)
        return [profile_dict(e) for e in Employee.browse(found["ids"])], found["total"]

    @api_route(
        "/faces",
        ["POST"],
        scope="person:write",
        summary="Create a face profile (a person) with up to 5 images",
        tag="Faces",
        form=ProfileForm,
        answer=ProfileCreated,
        status=201,
        extra_errors=["409"],
        description="Creates the person as POST /persons (employeeId is the person ID) and enrols each "
        "image as /persons/{person_id}/register-face; images need the scope face:write too. " + IMAGE_ERRORS,
    )
    def create_face(self, form):
        uploads = form.uploads()
        if uploads:
            require_face_write()
        person_id = form.employeeId
        values = form.model_dump(include=set(PROFILE_FIELDS), exclude_unset=True)
        images, filenames = encoded(uploads)
        with enrol_errors(filenames):
            created = request.env["hr.employee"].face_person_create(
                person_id, values, id_field="employeeId", images=images or None, listed=True
            )
        answer = profile_dict(request.env["hr.employee"].browse(created["id"]))
        answer["images"] = [image_dict(t, person_id) for t in request.env["face.template"].browse(created["face_ids"])]
        return answer

    @api_route(
        "/faces/<string:person_id>",
        ["GET"],
        readonly=True,
        scope="person:read",
        summary="One face profile",
        tag="Faces",
        path_model=PersonPath,
        answer=FaceProfile,
    )
    def get_face(self, person_id):
        return profile_dict(find_person(person_id))

    @api_route(
        "/faces/<string:person_id>",
        ["PUT"],
        scope="person:write",
        summary="Update a face profile (partial)",
        tag="Faces",
        path_model=PersonPath,
        body=ProfileChange,
        answer=FaceProfile,
    )
    def update_face(self, person_id, body):
        Employee = request.env["hr.employee"]
        return profile_dict(Employee.browse(Employee.face_person_update(person_id, body.given(), inactive="archived")))

    @api_route(
        "/faces/<string:person_id>",
        ["DELETE"],
        scope="person:write",
        summary="Archive a face profile; erase=true deletes its biometric data (scope face:write too)",
        tag="Faces",
        path_model=PersonPath,
        query=EraseQuery,
        answer=ProfileArchived,
    )
    def delete_face(self, person_id, query):
        archive(person_id, query.erase)
        return {"id": person_id, "status": "archived", "biometricDataErased": query.erase}

    @api_route(
        "/faces/<string:person_id>/images",
        ["GET"],
        readonly=True,
        scope="person:read",
        summary="A face profile's images (templates)",
        tag="Faces",
        path_model=PersonPath,
        query=PlanPaging,
        answer=FaceProfileImage,
        paged=True,
        description="The enrolled templates and their quality; the photos themselves stay in Odoo "
        "(Face Attendance managers see them on the person's form).",
    )
    def list_images(self, person_id, query):
        found = request.env["hr.employee"].face_person_templates(person_id, limit=query.pageSize, offset=query.offset)
        templates = request.env["face.template"].browse(found["ids"])
        return [image_dict(t, person_id) for t in templates], found["total"]

    @api_route(
        "/faces/<string:person_id>/images",
        ["POST"],
        scope="face:write",
        summary="Add up to 5 images to a face profile",
        tag="Faces",
        path_model=PersonPath,
        form=ImagesAdd,
        answer=ImagesAdded,
        status=201,
        description=IMAGE_ERRORS,
    )
    def add_images(self, person_id, form):
        employee = find_person(person_id)
        images, filenames = encoded(form.uploads())
        with enrol_errors(filenames):
            face_ids = request.env["hr.employee"].face_person_enrol(person_id, images, listed=True)
        return {
            "id": person_id,
            "added": len(face_ids),
            "imageCount": employee.face_count,
            "images": [image_dict(t, person_id) for t in request.env["face.template"].browse(face_ids)],
        }

    @api_route(
        "/faces/<string:person_id>/images/<int:face_id>",
        ["DELETE"],
        scope="face:write",
        summary="Remove one image (template) of a face profile",
        tag="Faces",
        path_model=PersonPath,
        answer=ImageRemoved,
    )
    def delete_image(self, person_id, face_id):
        done = request.env["hr.employee"].face_person_delete_template(person_id, face_id)
        return {"id": person_id, "imageId": face_id, "imageCount": done["face_count"]}
