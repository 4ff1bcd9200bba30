import base64
import binascii
from contextlib import contextmanager
from typing import Annotated, Literal

from pydantic import Field

from odoo import http
from odoo.http import request

from ..models.api_types import Answer, Body, DateTime, Email, Flag, Form, ImageData, Paging, PersonId, Query, Upload
from ..models.hr_employee_api import EnrolRefused
from .api_common import ApiError, api_route, bad_request, iso


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


# ------------------------------------------------------------------ declarations
Text = Annotated[str, Field(min_length=1, max_length=256)]
OptionalText = Annotated[str | None, Field(max_length=256)]


class PersonPath(Query):
    person_id: PersonId


class EraseQuery(Query):
    erase: Flag = Field(False, description="Also delete the biometric data (scope face:write too)")


class PersonsQuery(Paging):
    status: Literal["active", "inactive"] = Field(None, description="Absent: everybody, archived persons too")
    search: str = None
    department: str = None


class PersonCreate(Body):
    person_id: PersonId
    name: Text
    email: Email | None = None
    department: OptionalText = None
    position: OptionalText = None


class PersonChange(Body):
    # Absent: unchanged.
    name: Text = None
    email: Email | None = None
    department: OptionalText = None
    position: OptionalText = None
    status: Literal["active", "inactive"] = None


class FaceRegistration(Body):
    """One photo with one face, or with one face clearly larger than the others (smaller faces in
    the background are ignored, and the answer's note says so)."""

    image: ImageData
    force_update: bool = False
    origin: Literal["api", "webcam", "upload"] = "api"


class FaceUpload(Form):
    """The photo as a file (multipart), as the older backends took it."""

    file: Upload
    force_update: Flag = False


class PersonMetadata(Answer):
    employee_id: int
    company: str


class Person(Answer):
    person_id: str | None
    name: str
    email: str | None
    department: str | None
    position: str | None
    status: Literal["active", "inactive"]
    created_at: DateTime
    face_count: int
    face_status: str
    metadata: PersonMetadata


class PersonPage(Answer):
    persons: list[Person]
    total: int
    limit: int
    offset: int


class PersonArchived(Answer):
    person_id: str
    status: Literal["inactive"]
    biometric_data_erased: bool


class EnrolQuality(Answer):
    face_size: int
    sharpness: float
    detector_score: float


class FaceRegistered(Answer):
    person_id: str
    face_id: int
    total_faces: int
    quality: EnrolQuality
    encoder: str
    note: str = Field(
        None,
        description="Only when the photo also showed smaller faces in the background: they were ignored and "
        "the largest face was enrolled.",
    )


class Face(Answer):
    face_id: int
    origin: str
    encoder: str
    face_size: int
    sharpness: float
    created_at: DateTime


class FaceList(Answer):
    faces: list[Face]
    total: int


class FaceRemoved(Answer):
    person_id: str
    face_id: int
    total_faces: int


class FacesRemoved(Answer):
    person_id: str
    deleted: int
    total_faces: int


def archive(person_id, erase):
    find_person(person_id)  # an unknown person answers 404 before the scope is judged
    require_erase_scope(erase)
    request.env["hr.employee"].face_person_archive(person_id, erase)


class FaceApiPersons(http.Controller):
    @api_route(
        "/persons",
        ["GET"],
        readonly=True,
        scope="person:read",
        summary="Persons",
        tag="Persons",
        query=PersonsQuery,
        answer=PersonPage,
    )
    def list_persons(self, query):
        filters = {
            "active": {"active": True, "inactive": False}.get(query.status),
            "search": query.search,
            "department": query.department,
        }
        Employee = request.env["hr.employee"]
        found = Employee.face_person_search(filters, limit=query.limit, offset=query.offset)
        return {
            "persons": [person_dict(e) for e in Employee.browse(found["ids"])],
            "total": found["total"],
            "limit": query.limit,
            "offset": query.offset,
        }

    @api_route(
        "/persons/<string:person_id>",
        ["GET"],
        readonly=True,
        scope="person:read",
        summary="One person with face status",
        tag="Persons",
        path_model=PersonPath,
        answer=Person,
    )
    def get_person(self, person_id):
        return person_dict(find_person(person_id))

    @api_route(
        "/persons",
        ["POST"],
        scope="person:write",
        summary="Create a person",
        tag="Persons",
        body=PersonCreate,
        answer=Person,
        status=201,
        extra_errors=["409"],
    )
    def create_person(self, body):
        values = body.given()
        person_id = values.pop("person_id")
        Employee = request.env["hr.employee"]
        created = Employee.face_person_create(person_id, values)
        return person_dict(Employee.browse(created["id"]))

    @api_route(
        "/persons/<string:person_id>",
        ["PUT"],
        scope="person:write",
        summary="Update a person (partial)",
        tag="Persons",
        path_model=PersonPath,
        body=PersonChange,
        answer=Person,
    )
    def update_person(self, person_id, body):
        Employee = request.env["hr.employee"]
        return person_dict(Employee.browse(Employee.face_person_update(person_id, body.given())))

    @api_route(
        "/persons/<string:person_id>",
        ["DELETE"],
        scope="person:write",
        summary="Archive a person; erase=true deletes their biometric data",
        tag="Persons",
        path_model=PersonPath,
        query=EraseQuery,
        answer=PersonArchived,
    )
    def delete_person(self, person_id, query):
        archive(person_id, query.erase)
        return {"person_id": person_id, "status": "inactive", "biometric_data_erased": query.erase}

    @api_route(
        "/persons/<string:person_id>/register-face",
        ["POST"],
        scope="face:write",
        summary="Enrol a face from a photo",
        tag="Persons",
        path_model=PersonPath,
        body=FaceRegistration,
        form=FaceUpload,
        answer=FaceRegistered,
        status=201,
        description="The photo as JSON (base64) or as a multipart file. Errors: NOT_AN_IMAGE, NO_FACE, "
        "SEVERAL_FACES (faces of similar size), FACE_TOO_SMALL (422), IMAGE_TOO_LARGE (413).",
    )
    def register_face(self, person_id, body, form):
        find_person(person_id)
        if form:
            image, force_update, origin = form.file.read(), form.force_update, "api"
        else:
            image, force_update, origin = body.image, body.force_update, body.origin
        Employee = request.env["hr.employee"]
        with enrol_errors():
            (face_id,) = Employee.face_person_enrol(
                person_id, [base64.b64encode(image).decode()], origin, replace=force_update
            )
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
        return answer

    @api_route(
        "/persons/<string:person_id>/faces",
        ["GET"],
        readonly=True,
        scope="person:read",
        summary="A person's face templates",
        tag="Persons",
        path_model=PersonPath,
        answer=FaceList,
    )
    def list_faces(self, person_id):
        found = request.env["hr.employee"].face_person_templates(person_id)
        templates = request.env["face.template"].browse(found["ids"])
        faces = [
            {
                "face_id": t.id,
                "origin": t.origin,
                "encoder": "%s:%s" % (t.encoder_name, t.encoder_version),
                "face_size": t.face_size,
                "sharpness": t.sharpness,
                "created_at": iso(t.create_date),
            }
            for t in templates
        ]
        return {"faces": faces, "total": len(templates)}

    @api_route(
        "/persons/<string:person_id>/faces/<int:face_id>",
        ["DELETE"],
        scope="face:write",
        summary="Remove one face template",
        tag="Persons",
        path_model=PersonPath,
        answer=FaceRemoved,
    )
    def delete_face(self, person_id, face_id):
        done = request.env["hr.employee"].face_person_delete_template(person_id, face_id)
        return {"person_id": person_id, "face_id": face_id, "total_faces": done["face_count"]}

    @api_route(
        "/persons/<string:person_id>/faces",
        ["DELETE"],
        scope="face:write",
        summary="Remove all of a person's faces",
        tag="Persons",
        path_model=PersonPath,
        answer=FacesRemoved,
    )
    def delete_faces(self, person_id):
        done = request.env["hr.employee"].face_person_delete_templates(person_id)
        return {"person_id": person_id, "deleted": done["deleted"], "total_faces": 0}
