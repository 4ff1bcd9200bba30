"""The API of the FastAPI backend of ``../shared/seeds/backend-readme.md``, served by Odoo at its own
paths (``/api/auth``, ``/api/persons``, ``/api/enrollment``, plus its attendance logs and health check)
so that the scripts written for it keep working.

Its tables map onto Odoo's records: a person is an ``hr.employee`` (``id`` is the employee's id,
``personnel_code`` the person ID, ``first_name``/``last_name`` the name in two parts, see
``models/hr_employee_names.py``), an enrollment a ``face.template``, an attendance log a recognition
event. The keys, scopes, rate limits and audit are those of ``/api/v1``; answers are bare JSON and
errors ``{"detail": ...}`` as FastAPI gives them (``api_route(compat=...)``).
"""

import base64

from odoo import http
from odoo.http import request

from ..models.face_attendance_log import LOG_FILTERS, STATUS_OUTCOMES
from ..models.security_groups import MANAGER
from .api_auth import SignInRefused, sign_in
from .api_common import (
    MAX_ID,
    ApiError,
    api_route,
    bad_request,
    bool_param,
    compat_error_response,
    compat_ok,
    expect,
    iso,
    json_body,
    paging,
)
from .api_persons import enrol_errors, require_erase_scope
from .openapi_spec import DATETIME, INT32, json_content, obj, operation, query, s

COMPAT = "backend-readme"
TAG = "Compatibility: backend README"
NAME_PART = s("string", maxLength=128)
PERSON_FIELDS = {
    "first_name": NAME_PART,
    "last_name": NAME_PART,
    "personnel_code": s("string", minLength=1, maxLength=64, pattern=r"^\S+$"),
    "department": s("string", nullable=True, maxLength=256),
    "position": s("string", nullable=True, maxLength=256),
    "email": s("string", nullable=True, maxLength=256),
    "phone": s("string", nullable=True, maxLength=64),
    "is_active": s("boolean"),
}
ENROLLMENT = obj(
    {
        "id": s("integer"),
        "person_id": s("integer"),
        "personnel_code": s("string", nullable=True),
        "face_encoding_path": s(
            "string", nullable=True, description="Always null: the encoding is kept in Odoo's database"
        ),
        "face_image_path": s("string", nullable=True, description="Always null: the photo is an Odoo attachment"),
        "confidence_score": s("number", description="The face detector's score for the enrolled face, 0-1"),
        "is_active": s("boolean"),
        "face_size": s("integer"),
        "encoder": s("string"),
        "created_at": DATETIME,
        "updated_at": DATETIME,
    }
)
PERSON = obj(
    {
        "id": s("integer", description="The employee's id in Odoo"),
        "first_name": s("string"),
        "last_name": s("string"),
        "personnel_code": s("string", nullable=True, description="The person ID"),
        "department": s("string", nullable=True),
        "position": s("string", nullable=True),
        "email": s("string", nullable=True),
        "phone": s("string", nullable=True),
        "is_active": s("boolean"),
        "face_count": s("integer"),
        "created_at": DATETIME,
        "updated_at": DATETIME,
    }
)
PERSON_WITH_ENROLLMENTS = obj(
    dict(
        PERSON["properties"],
        enrollments=s(
            "array",
            nullable=True,
            items=ENROLLMENT,
            description="null when the key's user may not read face templates (Face Attendance managers may)",
        ),
    )
)
ATTENDANCE_LOG = obj(
    {
        "id": s("integer"),
        "person_id": s("integer", nullable=True),
        "personnel_code": s("string", nullable=True),
        "person_name": s("string", nullable=True),
        "gate_name": s("string", nullable=True, description="The camera's location, else its name"),
        "direction": s("string", nullable=True, enum=["entry", "exit", None]),
        "confidence_score": s("number", nullable=True),
        "camera_name": s("string", nullable=True),
        "status": s("string", enum=["authorized", "unauthorized", "spoof", "rejected", "pending"]),
        "outcome": s("string", description="The recognition event's outcome in Odoo"),
        "attendance_id": s("integer", nullable=True),
        "created_at": DATETIME,
    }
)
MESSAGE = obj({"message": s("string"), "id": s("integer")})
SKIP_LIMIT = [
    query("skip", s("integer", minimum=0, maximum=1000000000, default=0), "Rows to skip"),
    query("limit", s("integer", minimum=1, maximum=1000, default=100), "Rows to return"),
]
TOTAL_HEADER = "X-Total-Count"
TOKEN_TYPE = "bearer"  # nosec B105  # OAuth2's name of the token's kind, not a password


def _op(summary, scope, ok_status, schema, **extra):
    return operation(summary, TAG, scope, ok_status, schema, compat=COMPAT, **extra)


def listed(items, total):
    return compat_ok(items, headers={TOTAL_HEADER: str(total)})


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


def int_param(params, name):
    """An optional integer query parameter (absent or empty: None)."""
    if params.get(name) in (None, ""):
        return None
    try:
        return int(params[name])
    except ValueError:
        raise bad_request("%s must be an integer." % name, field=name) from None


PERSON_BODY = json_content(
    {
        "type": "object",
        "required": ["first_name", "personnel_code"],
        "additionalProperties": False,
        "properties": PERSON_FIELDS,
    }
)
PERSON_REQUIRED = ("first_name", "personnel_code")
PERSON_OPTIONAL = ("last_name", "department", "position", "email", "phone", "is_active")


class FaceApiCompatBackend(http.Controller):
    # -- Authentication ---------------------------------------------------------------------------
    @api_route(
        "/api/auth/login",
        ["POST"],
        public=True,
        compat=COMPAT,
        doc=_op(
            "Login and get access token",
            None,
            200,
            obj(
                {
                    "access_token": s("string"),
                    "token_type": s("string", enum=["bearer"]),
                    "expires_in": s("integer"),
                    "refresh_token": s("string", description="For POST /api/v1/auth/refresh"),
                }
            ),
            body={
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["username", "password"],
                        "properties": {
                            "username": s("string", minLength=1, maxLength=256),
                            "password": s("string", minLength=1, maxLength=1024, format="password"),
                            "grant_type": s("string", maxLength=64),
                            "scope": s("string", maxLength=1024),
                            "client_id": s("string", maxLength=256),
                            "client_secret": s("string", maxLength=256),
                        },
                    }
                },
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["username", "password"],
                        "additionalProperties": False,
                        "properties": {
                            "username": s("string", minLength=1, maxLength=256),
                            "password": s("string", minLength=1, maxLength=1024, format="password"),
                        },
                    }
                },
            },
            extra_errors=["400", "401", "403", "413", "429", "503"],
            description="OAuth2's password form (username, password) as FastAPI reads it, or the same as "
            "JSON. The Odoo login and password are checked by Odoo, with its login cooldown; the access "
            "token is the same short-lived token as POST /api/v1/auth/login's, with the scopes of the "
            "user's Face Attendance groups.",
        ),
    )
    def login(self, **_form):
        content_type = request.httprequest.mimetype
        if content_type == "application/json":
            body = json_body(required=("username", "password"))
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            body = request.httprequest.form.to_dict()
            unknown = sorted(set(body) - {"username", "password", "grant_type", "scope", "client_id", "client_secret"})
            if unknown:
                raise bad_request("Unknown fields: %s." % ", ".join(unknown))
            missing = [name for name in ("username", "password") if not body.get(name)]
            if missing:
                raise bad_request("Missing fields: %s." % ", ".join(missing))
        else:
            raise bad_request("Send username and password as a form (application/x-www-form-urlencoded) or JSON.")
        login = expect(body, "username", str, 256)
        password = expect(body, "password", str, 1024)
        try:
            _user, access, access_secret, refresh, refresh_secret = sign_in(login, password)
        except SignInRefused as refused:
            # Answered here rather than raised: the refusal's log line must not be rolled back.
            headers = dict(refused.headers or {})
            if refused.status == 401:
                headers["WWW-Authenticate"] = "Bearer"
            return compat_error_response(
                ApiError(refused.status, refused.code, refused.message, headers=headers), request.face_request_id
            )
        return compat_ok(
            {
                "access_token": access_secret,
                "token_type": TOKEN_TYPE,
                "expires_in": int((access.expires_at - access.create_date).total_seconds()),
                "refresh_token": refresh_secret,
            }
        )

    @api_route(
        "/api/auth/register",
        ["POST"],
        scope="person:write",
        compat=COMPAT,
        doc=_op(
            "Register a new person (managers' keys)",
            "person:write",
            201,
            PERSON,
            body=PERSON_BODY,
            extra_errors=["409"],
            description="The backend README's registration of a person (not of a user account): the "
            "same as POST /api/persons, for keys of Face Attendance managers only.",
        ),
    )
    def register(self):
        if not request.env.user.has_group(MANAGER):
            raise ApiError(403, "FORBIDDEN", "Registering a person needs the key of a Face Attendance manager.")
        return self._create_person()

    @api_route(
        "/api/persons",
        ["GET"],
        scope="person:read",
        compat=COMPAT,
        doc=_op(
            "Get all persons with filtering",
            "person:read",
            200,
            s("array", items=PERSON),
            parameters=[
                query("is_active", s("boolean"), "Only active (true) or inactive (false) persons; absent: both"),
                query("department", s("string", maxLength=256), "The department's name (any case)"),
                query("search", s("string", maxLength=256), "In the name, personnel code or e-mail"),
            ]
            + SKIP_LIMIT,
            description="The total number of matches is in the X-Total-Count header.",
        ),
    )
    def list_persons(self, **params):
        limit, skip = paging(params, offset_name="skip")
        filters = {
            "active": bool_param(params, "is_active", None),
            "department_name": params.get("department") or None,
            "search": params.get("search") or None,
        }
        found = request.env["hr.employee"].face_person_search(filters, limit=limit, offset=skip, order="id")
        return listed([person_dict(employee(e)) for e in found["ids"]], found["total"])

    @api_route(
        "/api/persons",
        ["POST"],
        scope="person:write",
        compat=COMPAT,
        doc=_op(
            "Create new person",
            "person:write",
            201,
            PERSON,
            body=PERSON_BODY,
            extra_errors=["409"],
            description="An Odoo employee named first_name + ' ' + last_name, with personnel_code as "
            "its person ID (unique per company: 409). An unknown department is created.",
        ),
    )
    def create_person(self):
        return self._create_person()

    def _create_person(self):
        body = json_body(required=PERSON_REQUIRED, optional=PERSON_OPTIONAL)
        values = {k: v for k, v in body.items() if k != "personnel_code"}
        created = request.env["hr.employee"].face_person_create(
            body["personnel_code"], values, id_field="personnel_code"
        )
        return compat_ok(person_dict(employee(created["id"])), status=201)

    @api_route(
        "/api/persons/<int:person_id>",
        ["GET"],
        scope="person:read",
        compat=COMPAT,
        doc=_op("Get specific person with enrollments", "person:read", 200, PERSON_WITH_ENROLLMENTS),
    )
    def get_person(self, person_id):
        found = request.env["hr.employee"].face_person_templates(person_id, archived=True, unreadable_as_none=True)
        enrollments = None if found["ids"] is False else template(found["ids"])
        return compat_ok(person_dict(employee(found["employee_id"]), enrollments))

    @api_route(
        "/api/persons/<int:person_id>",
        ["PUT"],
        scope="person:write",
        compat=COMPAT,
        doc=_op(
            "Update person",
            "person:write",
            200,
            PERSON,
            body=json_content({"type": "object", "additionalProperties": False, "properties": PERSON_FIELDS}),
            extra_errors=["409"],
            description="Only the fields sent change.",
        ),
    )
    def update_person(self, person_id):
        body = json_body(optional=PERSON_REQUIRED + PERSON_OPTIONAL)
        return compat_ok(person_dict(employee(request.env["hr.employee"].face_person_update(person_id, body))))

    @api_route(
        "/api/persons/<int:person_id>",
        ["DELETE"],
        scope="person:write",
        compat=COMPAT,
        doc=_op(
            "Delete person",
            "person:write",
            200,
            MESSAGE,
            parameters=[query("erase", s("string", enum=["true", "false", "1", "0"]))],
            description="Odoo keeps an employee's HR history: the person is archived (is_active false, out "
            "of every gallery). erase=true also deletes their face templates (scope face:write).",
        ),
    )
    def delete_person(self, person_id, **params):
        request.env["hr.employee"].face_person_find(person_id)  # 404 before the parameters are read
        erase = bool_param(params, "erase", False)
        require_erase_scope(erase)
        employee_id = request.env["hr.employee"].face_person_archive(person_id, erase)
        return compat_ok({"message": "Person %d deleted (archived)." % employee_id, "id": employee_id})

    def _set_active(self, person_id, active):
        return compat_ok(person_dict(employee(request.env["hr.employee"].face_person_activate(person_id, active))))

    @api_route(
        "/api/persons/<int:person_id>/toggle-active",
        ["PATCH"],
        scope="person:write",
        compat=COMPAT,
        doc=_op("Toggle person active status", "person:write", 200, PERSON),
    )
    def toggle_person(self, person_id):
        return self._set_active(person_id, None)

    @api_route(
        "/api/persons/<int:person_id>/deactivate",
        ["PATCH"],
        scope="person:write",
        compat=COMPAT,
        doc=_op("Deactivate person", "person:write", 200, PERSON),
    )
    def deactivate_person(self, person_id):
        return self._set_active(person_id, False)

    @api_route(
        "/api/persons/<int:person_id>/activate",
        ["PATCH"],
        scope="person:write",
        compat=COMPAT,
        doc=_op("Activate person", "person:write", 200, PERSON),
    )
    def activate_person(self, person_id):
        return self._set_active(person_id, True)

    # -- Enrollments ------------------------------------------------------------------------------
    @api_route(
        "/api/enrollment",
        ["GET"],
        scope="person:read",
        compat=COMPAT,
        doc=_op(
            "Get all enrollments",
            "person:read",
            200,
            s("array", items=ENROLLMENT),
            parameters=[query("person_id", INT32), query("is_active", s("boolean"))] + SKIP_LIMIT,
            description="Face templates; readable by Face Attendance managers (others: 403). The total "
            "number of matches is in the X-Total-Count header.",
        ),
    )
    def list_enrollments(self, **params):
        limit, skip = paging(params, offset_name="skip")
        person_id = int_param(params, "person_id")
        found = request.env["face.template"].face_api_template_search(
            employee_id=None if person_id is None else (person_id if 0 < person_id <= MAX_ID else 0),
            active=bool_param(params, "is_active", None),
            limit=limit,
            offset=skip,
        )
        return listed([enrollment_dict(t) for t in template(found["ids"])], found["total"])

    @api_route(
        "/api/enrollment",
        ["POST"],
        scope="face:write",
        compat=COMPAT,
        doc=_op(
            "Create new enrollment (with file upload)",
            "face:write",
            201,
            ENROLLMENT,
            body={
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["person_id", "file"],
                        "properties": {"person_id": INT32, "file": s("string", format="binary")},
                    }
                }
            },
            description="One photo (JPEG, PNG, BMP, TIFF...) with one face, or one clearly larger than the "
            "others. Refused images answer 422 with code NOT_AN_IMAGE, NO_FACE, SEVERAL_FACES or "
            "FACE_TOO_SMALL, 413 IMAGE_TOO_LARGE.",
        ),
    )
    def create_enrollment(self):
        form = request.httprequest.form
        upload = request.httprequest.files.get("file")
        if form.get("person_id") in (None, ""):
            raise bad_request("person_id is required (a form field).", field="person_id")
        person_id = int_param(form, "person_id")
        if not upload:
            raise bad_request("file is required (a form field with the photo).", field="file")
        image = base64.b64encode(upload.read()).decode()
        with enrol_errors():
            (face_id,) = request.env["hr.employee"].face_person_enrol(person_id, [image], "api")
        return compat_ok(enrollment_dict(template(face_id)), status=201)

    @api_route(
        "/api/enrollment/<int:enrollment_id>",
        ["GET"],
        scope="person:read",
        compat=COMPAT,
        doc=_op("Get specific enrollment", "person:read", 200, ENROLLMENT),
    )
    def get_enrollment(self, enrollment_id):
        return compat_ok(enrollment_dict(template(request.env["face.template"].face_api_template_find(enrollment_id))))

    @api_route(
        "/api/enrollment/<int:enrollment_id>",
        ["PUT"],
        scope="face:write",
        compat=COMPAT,
        doc=_op(
            "Update enrollment",
            "face:write",
            200,
            ENROLLMENT,
            body=json_content(
                {
                    "type": "object",
                    "required": ["is_active"],
                    "additionalProperties": False,
                    "properties": {"is_active": s("boolean")},
                }
            ),
            description="is_active is what can change: the encoding and its score come from the photo "
            "(enrol a new photo to replace them).",
        ),
    )
    def update_enrollment(self, enrollment_id):
        body = json_body(optional=("is_active",))
        active = expect(body, "is_active", bool)
        if active is None:
            raise bad_request("is_active is required (true or false).", field="is_active")
        return self._set_enrollment_active(enrollment_id, active)

    def _set_enrollment_active(self, enrollment_id, active):
        face_id = request.env["face.template"].face_api_template_activate(enrollment_id, active)
        return compat_ok(enrollment_dict(template(face_id)))

    @api_route(
        "/api/enrollment/<int:enrollment_id>/toggle-active",
        ["PATCH"],
        scope="face:write",
        compat=COMPAT,
        doc=_op("Toggle enrollment active status", "face:write", 200, ENROLLMENT),
    )
    def toggle_enrollment(self, enrollment_id):
        return self._set_enrollment_active(enrollment_id, None)

    @api_route(
        "/api/enrollment/<int:enrollment_id>",
        ["DELETE"],
        scope="face:write",
        compat=COMPAT,
        doc=_op("Delete enrollment", "face:write", 200, MESSAGE),
    )
    def delete_enrollment(self, enrollment_id):
        request.env["face.template"].face_api_template_delete(enrollment_id)
        return compat_ok({"message": "Enrollment %d deleted." % enrollment_id, "id": enrollment_id})

    @api_route(
        "/api/attendance-logs",
        ["GET"],
        scope="attendance:read",
        compat=COMPAT,
        doc=_op(
            "Attendance logs (gate, direction, status) from the recognition events",
            "attendance:read",
            200,
            s("array", items=ATTENDANCE_LOG),
            parameters=[
                query("person_id", INT32),
                query("gate_name", s("string", maxLength=256)),
                query("camera_name", s("string", maxLength=256)),
                query("direction", s("string", enum=["entry", "exit"])),
                query("status", s("string", enum=sorted(STATUS_OUTCOMES))),
                query("start_date", s("string", maxLength=64), "A date (from its start) or date-time, UTC"),
                query("end_date", s("string", maxLength=64), "A date (to its end) or date-time, UTC"),
            ]
            + SKIP_LIMIT,
            description="Newest first. direction is where the person went: entry for a check-in, exit "
            "for a check-out, else the camera's direction. status: authorized (a known person), "
            "unauthorized (an unknown face), spoof, rejected, pending. Total in X-Total-Count.",
        ),
    )
    def list_logs(self, **params):
        limit, skip = paging(params, offset_name="skip")
        filters = {name: params[name] for name in LOG_FILTERS if params.get(name) not in (None, "")}
        found = request.env["face.attendance.log"].attendance_logs(filters, limit=limit, offset=skip)
        return listed(found["logs"], found["total"])

    @api_route(
        "/api/attendance-logs/<int:log_id>",
        ["GET"],
        scope="attendance:read",
        compat=COMPAT,
        doc=_op("One attendance log", "attendance:read", 200, ATTENDANCE_LOG),
    )
    def get_log(self, log_id):
        return compat_ok(request.env["face.attendance.log"].attendance_log(log_id))
