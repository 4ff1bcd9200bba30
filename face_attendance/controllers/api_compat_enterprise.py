"""The API of the FastAPI server of ``../shared/seeds/enterprise-readme.md`` (the "Brain" its camera
units sync from), served by Odoo at its own paths so that its scripts and camera units keep working:

- ``POST /users/``: a name and a photo make a person (an ``hr.employee``) with an enrolled face;
- ``GET /users/``: the camera unit's sync, the enrolled people with their encodings, built on the
  daemons' own gallery sync (``face.template.gallery_sync``);
- ``POST /attendance/``: a camera unit's sighting, through the same ingestion as ``POST /api/v1/events``.

``/users`` and ``/attendance`` without the trailing slash are the same routes: FastAPI redirects them
to the slashed path, Odoo's routing map (``strict_slashes=False``) serves them directly, so a client
of either form works. The keys, scopes, rate limits and audit are those of ``/api/v1``; answers are
bare JSON and errors ``{"detail": ...}`` as FastAPI gives them (``api_route(compat=...)``), the
requests and answers declared by the pydantic models below.
"""

import base64
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StringConstraints

from odoo import fields, http
from odoo.http import request

from ..models.api_types import Answer, Body, DateTime, Email, Form, Id, PersonId, Query, Upload
from ..models.face_camera_unit import InvalidSighting
from .api_common import ApiError, Reply, api_route, iso
from .api_faces import require_face_write
from .api_persons import EnrolQuality, enrol_errors, template_quality

COMPAT = "enterprise-readme"
TAG = "Compatibility: enterprise README"
SYNC_DESCRIPTION = (
    "The enterprise README's employee sync for camera units (served at /users/ and /users), on the "
    "daemons' own gallery sync: the same face templates, company rules and removals. For a Face "
    "Attendance device's or manager's key (others: 403), in the key's company. One entry per person "
    "with at least one active face of the encoder: face_encoding (the first) and face_encodings (all), "
    "float lists to compare by Euclidean distance for dlib (face_recognition's face_distance), by 1 - "
    "cosine similarity for sface. Important: face_recognition camera units compare 128-d dlib "
    "encodings; with the sface encoder configured (the default) the vectors are SFace's and mean "
    "nothing to dlib, so such units need the dlib encoder configured in Odoo (Settings) or "
    "encoder=dlib:resnet_v1 with faces enrolled under it. Every answer carries X-Server-Time (the next "
    "since); with since, the list holds only the users changed since then (each with all their current "
    "encodings) and format=sync also tells which users and encodings to forget."
)
SIGHTING_DESCRIPTION = (
    "The camera unit's attendance log (served at /attendance/ and /attendance), recorded as a "
    "recognition event through the same ingestion as POST /api/v1/events and the daemons: Odoo's "
    "attendance rules decide check-in or check-out (or a duplicate within the cool-down), by the "
    "camera's direction. For a Face Attendance device's key (the cameras of its daemons) or a "
    "manager's (the company's cameras). Idempotent by event_id; without one the key is made of the "
    "camera, the user and the second of the sighting, so the same sighting sent twice is recorded "
    "once. A camera that enforces liveness rejects these sightings (a camera unit does not check "
    "liveness). An event the ingestion refuses (unknown user, a camera or user of another company, a "
    "bad timestamp) answers 422 INVALID_EVENT."
)


# ------------------------------------------------------------------ declarations
FormText = Annotated[str, Field(max_length=256)]


class EnterpriseUserForm(Form):
    """The multipart form of POST /users/."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)] = Field(
        description="Employee name"
    )
    file: Upload = Field(description="A clear photo of the face")
    # An empty field is an absent one, as the form was always read.
    # (Its description is PersonId's: the route's description says the rest.)
    personnel_code: Annotated[PersonId | None, BeforeValidator(lambda value: value or None)] = None
    email: Email = None
    department: FormText = Field(None, description="Created when unknown")
    position: FormText = None


class EnterpriseSyncQuery(Query):
    encoder: Annotated[str, Field(min_length=1, max_length=128)] = Field(
        None,
        description="The encoder tag (dlib:resnet_v1, sface:2021dec-int8bq) or name (dlib, sface) whose "
        "encodings to send; default: the configured encoder",
    )
    since: Annotated[str, Field(max_length=64)] = Field(
        None,
        description="ISO 8601 (UTC without an offset): only the users changed since then (the server_time "
        "of the previous sync, also in the X-Server-Time header)",
    )
    format: Literal["list", "sync"] = Field(
        "list", description="list (default): the users; sync: {users, removed, removed_face_ids, server_time}"
    )
    skip: Annotated[int, Field(ge=0, le=10**9)] = 0
    limit: Annotated[int, Field(ge=1, le=100000)] = Field(None, description="Default: every user")


class EnterpriseSighting(Body):
    user_id: Id = Field(description="The id of GET /users/ (the employee's id)")
    timestamp: Annotated[str, Field(max_length=64)] = Field(None, description="ISO 8601; default now; no offset: UTC")
    camera: Id | Annotated[str, Field(min_length=1, max_length=128)] = Field(
        None, description="The camera's id or name; default: the key's only enabled camera"
    )
    event_id: Annotated[str, Field(min_length=1, max_length=128)] = Field(None, description="Idempotency key")
    # The range is the ingestion's to judge (422 INVALID_EVENT), as for POST /api/v1/events.
    confidence: Annotated[float, Field(allow_inf_nan=False)] = Field(None, description="0 to 1")
    distance: Annotated[float, Field(allow_inf_nan=False)] = None


Encoding = Annotated[list[float], Field(description="float32 values, 128 for both encoders")]


class EnterpriseSyncedUser(Answer):
    id: int = Field(description="The employee's id in Odoo: the user_id of POST /attendance/")
    name: str
    personnel_code: str | None = Field(description="The person ID")
    face_encoding: Encoding = Field(description="The person's first enrolled face")
    face_encodings: list[Encoding] = Field(description="Every enrolled face, oldest first")
    face_ids: list[int] = Field(description="The face templates' ids, in the same order")
    encoder: str = Field(description="The encoder of the vectors, e.g. dlib:resnet_v1")


class EnterpriseSync(Answer):
    users: list[EnterpriseSyncedUser]
    removed: list[int] = Field(description="Users to forget: archived, or with no enrolled face of this encoder left")
    removed_face_ids: list[int] = Field(description="Encodings to forget (face_ids)")
    server_time: str = Field(description="The since of the next sync (ISO 8601, UTC)")
    encoder: str


SyncAnswer = Annotated[
    list[EnterpriseSyncedUser] | EnterpriseSync,
    Field(description="A list of users; with format=sync an object that also names the removals"),
]


class EnterpriseCreatedUser(Answer):
    id: int = Field(description="The employee's id in Odoo: the user_id of POST /attendance/")
    name: str
    personnel_code: str | None
    face_id: int = Field(description="The enrolled face template's id")
    face_count: int
    encoder: str
    quality: EnrolQuality
    note: str | None = Field(description="Set when smaller faces in the background were ignored")
    created_at: DateTime


class EnterpriseSightingAnswer(Answer):
    event_id: str = Field(description="The idempotency key the event was recorded under")
    status: Literal["created", "exists"] = Field(description="exists: this event_id was sent before")
    outcome: str = Field(
        description="What Odoo's attendance rules made of it: checked_in, checked_out, duplicate, unknown, "
        "spoof, rejected, pending"
    )
    message: str
    user_id: int | None
    name: str | None
    attendance_id: int | None
    camera_id: int
    timestamp: str = Field(description="The sighting time of this request, UTC")


class FaceApiCompatEnterprise(http.Controller):
    @api_route(
        "/users/",
        ["POST"],
        scope="person:write",
        compat=COMPAT,
        summary="Register a user: a name and a photo",
        tag=TAG,
        form=EnterpriseUserForm,
        answer=EnterpriseCreatedUser,
        status=201,
        extra_errors=["409"],
        description="The enterprise README's registration (served at /users/ and /users): creates the person "
        "(an Odoo employee) and enrols the face of the photo in one call, all or nothing: a refused photo "
        "creates nobody (422 NOT_AN_IMAGE, NO_FACE, SEVERAL_FACES, FACE_TOO_SMALL; 413 IMAGE_TOO_LARGE). The "
        "face is encoded with the configured encoder. personnel_code is the person ID (unique in the company: "
        "409); without it the employee has none. Needs the scope face:write too (403 otherwise). Unknown form "
        "fields are refused.",
    )
    def create_user(self, form):
        require_face_write()
        details = form.model_dump(include={"name", "email", "department", "position"}, exclude_unset=True)
        # A refused photo raises: nothing is created (the call's rollback takes the new employee).
        with enrol_errors():
            created = request.env["hr.employee"].face_person_create(
                form.personnel_code,
                details,
                id_field="personnel_code",
                images=[base64.b64encode(form.file.read()).decode()],
            )
        employee = request.env["hr.employee"].browse(created["id"])
        template = request.env["face.template"].browse(created["face_ids"])
        return {
            "id": employee.id,
            "name": employee.name,
            "personnel_code": employee.person_ref or None,
            "face_id": template.id,
            "face_count": employee.face_count,
            "encoder": "%s:%s" % (template.encoder_name, template.encoder_version),
            "quality": template_quality(template),
            "note": template.enrol_note or None,
            "created_at": iso(employee.create_date),
        }

    @api_route(
        "/users/",
        ["GET"],
        readonly=True,
        scope="gallery:read",
        compat=COMPAT,
        summary="Camera unit sync: the users with their face encodings",
        tag=TAG,
        query=EnterpriseSyncQuery,
        answer=SyncAnswer,
        description=SYNC_DESCRIPTION,
    )
    def sync_users(self, query):
        sync = request.env["face.template"].gallery_people(query.encoder, query.since)
        end = None if query.limit is None else query.skip + query.limit
        users = [dict(user, personnel_code=user["personnel_code"] or None) for user in sync["users"][query.skip : end]]
        server_time = iso(fields.Datetime.to_datetime(sync["server_time"]))
        headers = {"X-Server-Time": server_time, "X-Total-Count": str(len(sync["users"]))}
        answer = dict(sync, users=users, server_time=server_time) if query.format == "sync" else users
        return Reply(answer, headers=headers)

    @api_route(
        "/attendance/",
        ["POST"],
        scope="events:write",
        compat=COMPAT,
        summary="Camera unit: log attendance for a recognised face",
        tag=TAG,
        body=EnterpriseSighting,
        answer=EnterpriseSightingAnswer,
        description=SIGHTING_DESCRIPTION,
    )
    def log_attendance(self, body):
        try:
            answer = request.env["face.camera.unit"].log_attendance(
                body.user_id,
                timestamp=body.timestamp,
                camera=body.camera,
                event_id=body.event_id,
                confidence=body.confidence,
                distance=body.distance,
            )
        except InvalidSighting as refused:
            raise ApiError(422, "INVALID_EVENT", str(refused.args[0]), refused.details or None) from None
        return {name: None if value is False else value for name, value in answer.items()}
