"""The API of the FastAPI backend of ``../shared/seeds/backend-readme.md``, served by Odoo at its own
paths (``/api/auth``, ``/api/persons``, ``/api/enrollment``, plus its attendance logs and health check)
so that the scripts written for it keep working.

Its tables map onto Odoo's records: a person is an ``hr.employee`` (``id`` is the employee's id,
``personnel_code`` the person ID, ``first_name``/``last_name`` the name in two parts, see
``models/hr_employee_names.py``), an enrollment a ``face.template``, an attendance log a recognition
event. The keys, scopes, rate limits and audit are those of ``/api/v1``; answers are bare JSON and
errors ``{"detail": ...}`` as FastAPI gives them (``api_route(compat=...)``): the routes are declared
with the pydantic models below, whose refusals answer 422.
"""

import base64
from typing import Annotated, Literal

from pydantic import Field

from odoo import http
from odoo.http import request

from ..models.api_types import Answer, Body, DateTime, Email, Flag, Form, Id, PersonId, Query, Upload
from ..models.face_attendance_log import LOG_FILTERS, STATUS_OUTCOMES
from ..models.security_groups import MANAGER
from .api_auth import SignInRefused, sign_in
from .api_common import ApiError, Reply, api_route, compat_error_response, iso
from .api_persons import EraseQuery, OptionalText, archive, enrol_errors

COMPAT = "backend-readme"
TAG = "Compatibility: backend README"
TOTAL_HEADER = "X-Total-Count"
TOKEN_TYPE = "bearer"  # nosec B105  # OAuth2's name of the token's kind, not a password
TOTAL = "The total number of matches is in the X-Total-Count header."


# ------------------------------------------------------------------ declarations
NamePart = Annotated[str, Field(max_length=128)]
OptionalNamePart = Annotated[str | None, Field(max_length=128)]
OptionalPhone = Annotated[str | None, Field(max_length=64)]
Filter = Annotated[str, Field(max_length=256)]


class BackendPersonCreate(Body):
    first_name: NamePart
    personnel_code: PersonId
    last_name: OptionalNamePart = None
    department: OptionalText = None
    position: OptionalText = None
    email: Email | None = None
    phone: OptionalPhone = None
    is_active: bool = None


class BackendPersonChange(Body):
    # Absent: unchanged (a null name part too).
    first_name: OptionalNamePart = None
    last_name: OptionalNamePart = None
    personnel_code: PersonId = None
    department: OptionalText = None
    position: OptionalText = None
    email: Email | None = None
    phone: OptionalPhone = None
    is_active: bool = None


class BackendEnrollmentChange(Body):
    is_active: bool


Username = Annotated[str, Field(min_length=1, max_length=256)]
Password = Annotated[str, Field(min_length=1, max_length=1024, json_schema_extra={"format": "password"})]


class BackendLogin(Body):
    """The sign-in as JSON."""

    username: Username
    password: Password


class BackendLoginForm(Form):
    """OAuth2's password form, as FastAPI's OAuth2PasswordRequestForm reads it."""

    username: Username
    password: Password

    grant_type: Annotated[str, Field(max_length=64)] = None
    scope: Annotated[str, Field(max_length=1024)] = None
    client_id: Annotated[str, Field(max_length=256)] = None
    client_secret: Annotated[str, Field(max_length=256)] = None


class BackendEnrollmentUpload(Form):
    """The multipart form of POST /api/enrollment."""

    person_id: Id = Field(description="The person's id (the employee's id in Odoo)")
    file: Upload = Field(description="The photo")


class SkipLimit(Query):
    """FastAPI's skip/limit."""

    skip: Annotated[int, Field(ge=0, le=10**9)] = Field(0, description="Rows to skip")
    limit: Annotated[int, Field(ge=1, le=1000)] = Field(100, description="Rows to return")


class BackendPersonsQuery(SkipLimit):
    is_active: Flag = Field(None, description="Only active (true) or inactive (false) persons; absent: both")
    department: Filter = Field(None, description="The department's name (any case)")
    search: Filter = Field(None, description="In the name, personnel code or e-mail")


class BackendEnrollmentsQuery(SkipLimit):
    person_id: Id = None
    is_active: Flag = None


class BackendLogsQuery(SkipLimit):
    person_id: Id = None
    gate_name: Filter = None
    camera_name: Filter = None
    direction: Literal["entry", "exit"] = None
    status: Literal[tuple(sorted(STATUS_OUTCOMES))] = None
    start_date: Annotated[str, Field(max_length=64)] = Field(
        None, description="A date (from its start) or date-time, UTC"
    )
    end_date: Annotated[str, Field(max_length=64)] = Field(None, description="A date (to its end) or date-time, UTC")


class BackendToken(Answer):
    access_token: str
    token_type: Literal["bearer"]
    expires_in: int
    refresh_token: str = Field(description="For POST /api/v1/auth/refresh")


class BackendEnrollment(Answer):
    id: int
    person_id: int
    personnel_code: str | None
    face_encoding_path: str | None = Field(description="Always null: the encoding is kept in Odoo's database")
    face_image_path: str | None = Field(description="Always null: the photo is an Odoo attachment")
    confidence_score: float = Field(description="The face detector's score for the enrolled face, 0-1")
    is_active: bool
    face_size: int
    encoder: str
    created_at: DateTime
    updated_at: DateTime


class BackendPerson(Answer):
    id: int = Field(description="The employee's id in Odoo")
    first_name: str
    last_name: str
    personnel_code: str | None = Field(description="The person ID")
    department: str | None
    position: str | None
    email: str | None
    phone: str | None
    is_active: bool
    face_count: int
    created_at: DateTime
    updated_at: DateTime


class BackendPersonWithEnrollments(BackendPerson):
    enrollments: list[BackendEnrollment] | None = Field(
        description="null when the key's user may not read face templates (Face Attendance managers may)"
    )


class BackendAttendanceLog(Answer):
    id: int
    person_id: int | None
    personnel_code: str | None
    person_name: str | None
    gate_name: str | None = Field(description="The camera's location, else its name")
    direction: Literal["entry", "exit"] | None
    confidence_score: float | None
    camera_name: str | None
    status: Literal[tuple(sorted(STATUS_OUTCOMES))]
    outcome: str = Field(description="The recognition event's outcome in Odoo")
    attendance_id: int | None
    created_at: DateTime


class BackendMessage(Answer):
    message: str
    id: int


def listed(items, total):
    """A list's answer: its items, the total number of matches in X-Total-Count."""
    return Reply(items, headers={TOTAL_HEADER: str(total)})


def enrollment_dict(template):
    return {
        "id": template.id,
        "person_id": template.employee_id.id,
        "personnel_code": template.employee_id.person_ref or None,
        "face_encoding_path": None,
        "face_image_path": None,
        "confidence_score": round(template.detector_score, 3),
        "is_active": template.active,
        "face_size": template.face_size,
        "encoder": "%s:%s" % (template.encoder_name, template.encoder_version),
        "created_at": iso(template.create_date),
        "updated_at": iso(template.write_date),
    }


def person_dict(employee, enrollments=False):
    """The backend's person; ``enrollments``: its templates (None: the key's user may not read
    them), left out when False."""
    first, last = employee._name_parts()
    answer = {
        "id": employee.id,
        "first_name": first,
        "last_name": last,
        "personnel_code": employee.person_ref or None,
        "department": employee.department_id.name or None,
        "position": employee.job_title or None,
        "email": employee.work_email or None,
        "phone": employee.mobile_phone or None,
        "is_active": employee.active,
        "face_count": employee.face_count,
        "created_at": iso(employee.create_date),
        "updated_at": iso(employee.write_date),
    }
    if enrollments is not False:
        answer["enrollments"] = None if enrollments is None else [enrollment_dict(t) for t in enrollments]
    return answer


def employee(employee_id):
    return request.env["hr.employee"].browse(employee_id)


def template(template_id):
    return request.env["face.template"].browse(template_id)


class FaceApiCompatBackend(http.Controller):
    # -- Authentication ---------------------------------------------------------------------------
    @api_route(
        "/api/auth/login",
        ["POST"],
        public=True,
        compat=COMPAT,
        summary="Login and get access token",
        tag=TAG,
        body=BackendLogin,
        form=BackendLoginForm,
        answer=BackendToken,
        extra_errors=["400", "401", "403", "413", "429", "503"],
        description="OAuth2's password form (username, password) as FastAPI reads it, or the same as JSON. "
        "The Odoo login and password are checked by Odoo, with its login cooldown; the access token is the "
        "same short-lived token as POST /api/v1/auth/login's, with the scopes of the user's Face Attendance "
        "groups.",
    )
    def login(self, body, form):
        fields = form or body
        try:
            _user, access, access_secret, _refresh, refresh_secret = sign_in(fields.username, fields.password)
        except SignInRefused as refused:
            # Answered here rather than raised: the refusal's log line must not be rolled back.
            headers = dict(refused.headers or {})
            if refused.status == 401:
                headers["WWW-Authenticate"] = "Bearer"
            return compat_error_response(
                ApiError(refused.status, refused.code, refused.message, headers=headers), request.face_request_id
            )
        return {
            "access_token": access_secret,
            "token_type": TOKEN_TYPE,
            "expires_in": int((access.expires_at - access.create_date).total_seconds()),
            "refresh_token": refresh_secret,
        }

    @api_route(
        "/api/auth/register",
        ["POST"],
        scope="person:write",
        compat=COMPAT,
        summary="Register a new person (managers' keys)",
        tag=TAG,
        body=BackendPersonCreate,
        answer=BackendPerson,
        status=201,
        extra_errors=["409"],
        description="The backend README's registration of a person (not of a user account): the same as "
        "POST /api/persons, for keys of Face Attendance managers only.",
    )
    def register(self, body):
        if not request.env.user.has_group(MANAGER):
            raise ApiError(403, "FORBIDDEN", "Registering a person needs the key of a Face Attendance manager.")
        return self._create_person(body)

    @api_route(
        "/api/persons",
        ["GET"],
        readonly=True,
        scope="person:read",
        compat=COMPAT,
        summary="Get all persons with filtering",
        tag=TAG,
        query=BackendPersonsQuery,
        answer=list[BackendPerson],
        description=TOTAL,
    )
    def list_persons(self, query):
        filters = {"active": query.is_active, "department_name": query.department, "search": query.search}
        found = request.env["hr.employee"].face_person_search(filters, limit=query.limit, offset=query.skip, order="id")
        return listed([person_dict(employee(e)) for e in found["ids"]], found["total"])

    @api_route(
        "/api/persons",
        ["POST"],
        scope="person:write",
        compat=COMPAT,
        summary="Create new person",
        tag=TAG,
        body=BackendPersonCreate,
        answer=BackendPerson,
        status=201,
        extra_errors=["409"],
        description="An Odoo employee named first_name + ' ' + last_name, with personnel_code as its person "
        "ID (unique per company: 409). An unknown department is created.",
    )
    def create_person(self, body):
        return self._create_person(body)

    def _create_person(self, body):
        values = body.given()
        personnel_code = values.pop("personnel_code")
        created = request.env["hr.employee"].face_person_create(personnel_code, values, id_field="personnel_code")
        return person_dict(employee(created["id"]))

    @api_route(
        "/api/persons/<int:person_id>",
        ["GET"],
        readonly=True,
        scope="person:read",
        compat=COMPAT,
        summary="Get specific person with enrollments",
        tag=TAG,
        answer=BackendPersonWithEnrollments,
    )
    def get_person(self, person_id):
        found = request.env["hr.employee"].face_person_templates(person_id, archived=True, unreadable_as_none=True)
        enrollments = None if found["ids"] is False else template(found["ids"])
        return person_dict(employee(found["employee_id"]), enrollments)

    @api_route(
        "/api/persons/<int:person_id>",
        ["PUT"],
        scope="person:write",
        compat=COMPAT,
        summary="Update person",
        tag=TAG,
        body=BackendPersonChange,
        answer=BackendPerson,
        extra_errors=["409"],
        description="Only the fields sent change.",
    )
    def update_person(self, person_id, body):
        return person_dict(employee(request.env["hr.employee"].face_person_update(person_id, body.given())))

    @api_route(
        "/api/persons/<int:person_id>",
        ["DELETE"],
        scope="person:write",
        compat=COMPAT,
        summary="Delete person",
        tag=TAG,
        query=EraseQuery,
        answer=BackendMessage,
        description="Odoo keeps an employee's HR history: the person is archived (is_active false, out of "
        "every gallery). erase=true also deletes their face templates (scope face:write).",
    )
    def delete_person(self, person_id, query):
        archive(person_id, query.erase)
        return {"message": "Person %d deleted (archived)." % person_id, "id": person_id}

    def _set_active(self, person_id, active):
        return person_dict(employee(request.env["hr.employee"].face_person_activate(person_id, active)))

    @api_route(
        "/api/persons/<int:person_id>/toggle-active",
        ["PATCH"],
        scope="person:write",
        compat=COMPAT,
        summary="Toggle person active status",
        tag=TAG,
        answer=BackendPerson,
    )
    def toggle_person(self, person_id):
        return self._set_active(person_id, None)

    @api_route(
        "/api/persons/<int:person_id>/deactivate",
        ["PATCH"],
        scope="person:write",
        compat=COMPAT,
        summary="Deactivate person",
        tag=TAG,
        answer=BackendPerson,
    )
    def deactivate_person(self, person_id):
        return self._set_active(person_id, False)

    @api_route(
        "/api/persons/<int:person_id>/activate",
        ["PATCH"],
        scope="person:write",
        compat=COMPAT,
        summary="Activate person",
        tag=TAG,
        answer=BackendPerson,
    )
    def activate_person(self, person_id):
        return self._set_active(person_id, True)

    # -- Enrollments ------------------------------------------------------------------------------
    @api_route(
        "/api/enrollment",
        ["GET"],
        readonly=True,
        scope="person:read",
        compat=COMPAT,
        summary="Get all enrollments",
        tag=TAG,
        query=BackendEnrollmentsQuery,
        answer=list[BackendEnrollment],
        description="Face templates; readable by Face Attendance managers (others: 403). " + TOTAL,
    )
    def list_enrollments(self, query):
        found = request.env["face.template"].face_api_template_search(
            employee_id=query.person_id, active=query.is_active, limit=query.limit, offset=query.skip
        )
        return listed([enrollment_dict(t) for t in template(found["ids"])], found["total"])

    @api_route(
        "/api/enrollment",
        ["POST"],
        scope="face:write",
        compat=COMPAT,
        summary="Create new enrollment (with file upload)",
        tag=TAG,
        form=BackendEnrollmentUpload,
        answer=BackendEnrollment,
        status=201,
        description="One photo (JPEG, PNG, BMP, TIFF...) with one face, or one clearly larger than the others. "
        "Refused images answer 422 with code NOT_AN_IMAGE, NO_FACE, SEVERAL_FACES or FACE_TOO_SMALL, 413 "
        "IMAGE_TOO_LARGE.",
    )
    def create_enrollment(self, form):
        with enrol_errors():
            (face_id,) = request.env["hr.employee"].face_person_enrol(
                form.person_id, [base64.b64encode(form.file.read()).decode()], "api"
            )
        return enrollment_dict(template(face_id))

    @api_route(
        "/api/enrollment/<int:enrollment_id>",
        ["GET"],
        readonly=True,
        scope="person:read",
        compat=COMPAT,
        summary="Get specific enrollment",
        tag=TAG,
        answer=BackendEnrollment,
    )
    def get_enrollment(self, enrollment_id):
        return enrollment_dict(template(request.env["face.template"].face_api_template_find(enrollment_id)))

    @api_route(
        "/api/enrollment/<int:enrollment_id>",
        ["PUT"],
        scope="face:write",
        compat=COMPAT,
        summary="Update enrollment",
        tag=TAG,
        body=BackendEnrollmentChange,
        answer=BackendEnrollment,
        description="is_active is what can change: the encoding and its score come from the photo (enrol a "
        "new photo to replace them).",
    )
    def update_enrollment(self, enrollment_id, body):
        return self._set_enrollment_active(enrollment_id, body.is_active)

    def _set_enrollment_active(self, enrollment_id, active):
        return enrollment_dict(template(request.env["face.template"].face_api_template_activate(enrollment_id, active)))

    @api_route(
        "/api/enrollment/<int:enrollment_id>/toggle-active",
        ["PATCH"],
        scope="face:write",
        compat=COMPAT,
        summary="Toggle enrollment active status",
        tag=TAG,
        answer=BackendEnrollment,
    )
    def toggle_enrollment(self, enrollment_id):
        return self._set_enrollment_active(enrollment_id, None)

    @api_route(
        "/api/enrollment/<int:enrollment_id>",
        ["DELETE"],
        scope="face:write",
        compat=COMPAT,
        summary="Delete enrollment",
        tag=TAG,
        answer=BackendMessage,
    )
    def delete_enrollment(self, enrollment_id):
        request.env["face.template"].face_api_template_delete(enrollment_id)
        return {"message": "Enrollment %d deleted." % enrollment_id, "id": enrollment_id}

    @api_route(
        "/api/attendance-logs",
        ["GET"],
        readonly=True,
        scope="attendance:read",
        compat=COMPAT,
        summary="Attendance logs (gate, direction, status) from the recognition events",
        tag=TAG,
        query=BackendLogsQuery,
        answer=list[BackendAttendanceLog],
        description="Newest first. direction is where the person went: entry for a check-in, exit for a "
        "check-out, else the camera's direction. status: authorized (a known person), unauthorized (an "
        "unknown face), spoof, rejected, pending. Total in X-Total-Count.",
    )
    def list_logs(self, query):
        filters = query.model_dump(include=set(LOG_FILTERS), exclude_none=True)
        found = request.env["face.attendance.log"].attendance_logs(filters, limit=query.limit, offset=query.skip)
        return listed(found["logs"], found["total"])

    @api_route(
        "/api/attendance-logs/<int:log_id>",
        ["GET"],
        readonly=True,
        scope="attendance:read",
        compat=COMPAT,
        summary="One attendance log",
        tag=TAG,
        answer=BackendAttendanceLog,
    )
    def get_log(self, log_id):
        return request.env["face.attendance.log"].attendance_log(log_id)
