"""The API of the FastAPI server of ``../shared/seeds/enterprise-readme.md`` (the "Brain" its camera
units sync from), served by Odoo at its own paths so that its scripts and camera units keep working:

- ``POST /users/``: a name and a photo make a person (an ``hr.employee``) with an enrolled face;
- ``GET /users/``: the camera unit's sync, the enrolled people with their encodings, built on the
  daemons' own gallery sync (``face.template.gallery_sync``);
- ``POST /attendance/``: a camera unit's sighting, through the same ingestion as ``POST /api/v1/events``.

``/users`` and ``/attendance`` without the trailing slash are the same routes: FastAPI redirects them
to the slashed path, Odoo's routing map (``strict_slashes=False``) serves them directly, so a client
of either form works. The keys, scopes, rate limits and audit are those of ``/api/v1``; answers are
bare JSON and errors ``{"detail": ...}`` as FastAPI gives them (``api_route(compat=...)``).
"""

import base64

from odoo import fields, http
from odoo.http import request

from ..models.face_camera_unit import InvalidSighting
from .api_common import ApiError, api_route, bad_request, compat_ok, expect, iso, json_body
from .api_faces import require_face_write
from .api_persons import enrol_errors, template_quality
from .openapi_spec import DATETIME, INT32, json_content, obj, operation, query, s

COMPAT = "enterprise-readme"
TAG = "Compatibility: enterprise README"
# The form fields of POST /users/: the README's two, the person ID, and the person fields of /persons.
USER_FORM = ("name", "file", "personnel_code", "email", "department", "position")
ENCODING = s("array", items=s("number"), description="float32 values, 128 for both encoders")
SYNCED_USER = obj(
    {
        "id": s("integer", description="The employee's id in Odoo: the user_id of POST /attendance/"),
        "name": s("string"),
        "personnel_code": s("string", nullable=True, description="The person ID"),
        "face_encoding": ENCODING | {"description": "The person's first enrolled face"},
        "face_encodings": s("array", items=ENCODING, description="Every enrolled face, oldest first"),
        "face_ids": s("array", items=s("integer"), description="The face templates' ids, in the same order"),
        "encoder": s("string", description="The encoder of the vectors, e.g. dlib:resnet_v1"),
    }
)
SYNC = obj(
    {
        "users": s("array", items=SYNCED_USER),
        "removed": s(
            "array",
            items=s("integer"),
            description="Users to forget: archived, or with no enrolled face of this encoder left",
        ),
        "removed_face_ids": s("array", items=s("integer"), description="Encodings to forget (face_ids)"),
        "server_time": DATETIME | {"nullable": False, "description": "The since of the next sync"},
        "encoder": s("string"),
    }
)
CREATED_USER = obj(
    {
        "id": s("integer", description="The employee's id in Odoo: the user_id of POST /attendance/"),
        "name": s("string"),
        "personnel_code": s("string", nullable=True),
        "face_id": s("integer", description="The enrolled face template's id"),
        "face_count": s("integer"),
        "encoder": s("string"),
        "quality": obj({"face_size": s("integer"), "sharpness": s("number"), "detector_score": s("number")}),
        "note": s("string", nullable=True, description="Set when smaller faces in the background were ignored"),
        "created_at": DATETIME,
    }
)
SIGHTING = obj(
    {
        "event_id": s("string", description="The idempotency key the event was recorded under"),
        "status": s("string", enum=["created", "exists"], description="exists: this event_id was sent before"),
        "outcome": s(
            "string",
            description="What Odoo's attendance rules made of it: checked_in, checked_out, duplicate, "
            "unknown, spoof, rejected, pending",
        ),
        "message": s("string"),
        "user_id": s("integer", nullable=True),
        "name": s("string", nullable=True),
        "attendance_id": s("integer", nullable=True),
        "camera_id": s("integer"),
        "timestamp": DATETIME | {"nullable": False, "description": "The sighting time of this request, UTC"},
    }
)


def _op(summary, scope, ok_status, schema, **extra):
    return operation(summary, TAG, scope, ok_status, schema, compat=COMPAT, **extra)


def _user_form():
    """(fields, photo bytes) of POST /users/: the README's multipart form, unknown fields refused."""
    httprequest = request.httprequest
    if httprequest.mimetype != "multipart/form-data":
        raise bad_request("Send multipart/form-data with the fields name and file (the photo).")
    unknown = sorted((set(httprequest.form) | set(httprequest.files)) - set(USER_FORM))
    if unknown:
        raise bad_request(
            "Unknown fields: %s." % ", ".join(unknown), unknown_fields=unknown, allowed_fields=list(USER_FORM)
        )
    form = {name: httprequest.form[name] for name in USER_FORM if name in httprequest.form}
    upload = httprequest.files.get("file")
    data = upload.read() if upload else b""
    missing = [name for name, value in (("name", (form.get("name") or "").strip()), ("file", data)) if not value]
    if missing:
        raise bad_request("Missing fields: %s (name and a photo as file)." % ", ".join(missing), missing_fields=missing)
    return form, data


def _page(params):
    """FastAPI's skip/limit, optional: a camera unit's sync takes everybody."""
    try:
        skip = int(params.get("skip") or 0)
        limit = int(params["limit"]) if params.get("limit") not in (None, "") else None
    except ValueError:
        raise bad_request("skip and limit must be integers.") from None
    if not 0 <= skip <= 10**9 or (limit is not None and not 1 <= limit <= 100000):
        raise bad_request("skip must be from 0 and limit between 1 and 100000.")
    return skip, limit


class FaceApiCompatEnterprise(http.Controller):
    @api_route(
        "/users/",
        ["POST"],
        scope="person:write",
        compat=COMPAT,
        doc=_op(
            "Register a user: a name and a photo",
            "person:write",
            201,
            CREATED_USER,
            body={
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["name", "file"],
                        "properties": {
                            "name": s("string", minLength=1, maxLength=256, description="Employee name"),
                            "file": s("string", format="binary", description="A clear photo of the face"),
                            "personnel_code": s(
                                "string",
                                minLength=1,
                                maxLength=64,
                                pattern=r"^\S+$",
                                description="The person ID (unique in the company: 409); without it the "
                                "employee has none",
                            ),
                            "email": s("string", maxLength=256),
                            "department": s("string", maxLength=256, description="Created when unknown"),
                            "position": s("string", maxLength=256),
                        },
                    }
                }
            },
            extra_errors=["409"],
            description="The enterprise README's registration (served at /users/ and /users): creates the "
            "person (an Odoo employee) and enrols the face of the photo in one call, all or nothing: a "
            "refused photo creates nobody (422 NOT_AN_IMAGE, NO_FACE, SEVERAL_FACES, FACE_TOO_SMALL; 413 "
            "IMAGE_TOO_LARGE). The face is encoded with the configured encoder. Needs the scope face:write "
            "too (403 otherwise). Unknown form fields are refused.",
        ),
    )
    def create_user(self, **_form):
        # (Odoo passes the form fields as arguments too: they are read from the request below.)
        require_face_write()
        form, data = _user_form()
        details = {k: form[k] for k in ("name", "email", "department", "position") if k in form}
        # A refused photo raises: nothing is created (the call's rollback takes the new employee).
        with enrol_errors():
            created = request.env["hr.employee"].face_person_create(
                form.get("personnel_code") or None,
                details,
                id_field="personnel_code",
                images=[base64.b64encode(data).decode()],
            )
        employee = request.env["hr.employee"].browse(created["id"])
        template = request.env["face.template"].browse(created["face_ids"])
        return compat_ok(
            {
                "id": employee.id,
                "name": employee.name,
                "personnel_code": employee.person_ref or None,
                "face_id": template.id,
                "face_count": employee.face_count,
                "encoder": "%s:%s" % (template.encoder_name, template.encoder_version),
                "quality": template_quality(template),
                "note": template.enrol_note or None,
                "created_at": iso(employee.create_date),
            },
            status=201,
        )

    @api_route(
        "/users/",
        ["GET"],
        scope="gallery:read",
        compat=COMPAT,
        doc=_op(
            "Camera unit sync: the users with their face encodings",
            "gallery:read",
            200,
            None,
            ok_content=json_content(
                {
                    "oneOf": [s("array", items=SYNCED_USER), SYNC],
                    "description": "A list of users; with format=sync an object that also names the removals",
                }
            ),
            parameters=[
                query(
                    "encoder",
                    s("string", minLength=1, maxLength=128),
                    "The encoder tag (dlib:resnet_v1, sface:2021dec-int8bq) or name (dlib, sface) whose "
                    "encodings to send; default: the configured encoder",
                ),
                query(
                    "since",
                    s("string", maxLength=64),
                    "ISO 8601 (UTC without an offset): only the users changed since then (the "
                    "server_time of the previous sync, also in the X-Server-Time header)",
                ),
                query(
                    "format",
                    s("string", enum=["list", "sync"]),
                    "list (default): the users; sync: {users, removed, removed_face_ids, server_time}",
                ),
                query("skip", s("integer", minimum=0, maximum=1000000000, default=0)),
                query("limit", s("integer", minimum=1, maximum=100000), "Default: every user"),
            ],
            description="The enterprise README's employee sync for camera units (served at /users/ and "
            "/users), on the daemons' own gallery sync: the same face templates, company rules and "
            "removals. For a Face Attendance device's or manager's key (others: 403), in the key's company. "
            "One entry per person with at least one active face of the encoder: face_encoding (the "
            "first) and face_encodings (all), float lists to compare by Euclidean distance for dlib "
            "(face_recognition's face_distance), by 1 - cosine similarity for sface. Important: "
            "face_recognition camera units compare 128-d dlib encodings; with the sface encoder "
            "configured (the default) the vectors are SFace's and mean nothing to dlib, so such units "
            "need the dlib encoder configured in Odoo (Settings) or encoder=dlib:resnet_v1 with faces "
            "enrolled under it. Every answer carries X-Server-Time (the next since); with since, the "
            "list holds only the users changed since then (each with all their current encodings) and "
            "format=sync also tells which users and encodings to forget.",
        ),
    )
    def sync_users(self, **params):
        output = params.get("format") or "list"
        if output not in ("list", "sync"):
            raise bad_request("format must be list or sync.", field="format")
        skip, limit = _page(params)
        sync = request.env["face.template"].gallery_people(params.get("encoder") or None, params.get("since") or None)
        users = [
            dict(user, personnel_code=user["personnel_code"] or None)
            for user in sync["users"][skip : None if limit is None else skip + limit]
        ]
        server_time = iso(fields.Datetime.to_datetime(sync["server_time"]))
        headers = {"X-Server-Time": server_time, "X-Total-Count": str(len(sync["users"]))}
        if output == "sync":
            return compat_ok(dict(sync, users=users, server_time=server_time), headers=headers)
        return compat_ok(users, headers=headers)

    @api_route(
        "/attendance/",
        ["POST"],
        scope="events:write",
        compat=COMPAT,
        doc=_op(
            "Camera unit: log attendance for a recognised face",
            "events:write",
            200,
            SIGHTING,
            body=json_content(
                {
                    "type": "object",
                    "required": ["user_id"],
                    "additionalProperties": False,
                    "properties": {
                        "user_id": INT32 | {"description": "The id of GET /users/ (the employee's id)"},
                        "timestamp": s("string", maxLength=64, description="ISO 8601; default now; no offset: UTC"),
                        "camera": {
                            "oneOf": [INT32, s("string", minLength=1, maxLength=128)],
                            "description": "The camera's id or name; default: the key's only enabled camera",
                        },
                        "event_id": s("string", minLength=1, maxLength=128, description="Idempotency key"),
                        "confidence": s("number", minimum=0, maximum=1),
                        "distance": s("number"),
                    },
                }
            ),
            description="The camera unit's attendance log (served at /attendance/ and /attendance), recorded "
            "as a recognition event through the same ingestion as POST /api/v1/events and the daemons: "
            "Odoo's attendance rules decide check-in or check-out (or a duplicate within the cool-down), "
            "by the camera's direction. For a Face Attendance device's key (the cameras of its daemons) "
            "or a manager's (the company's cameras). Idempotent by event_id; without one the key is "
            "made of the camera, the user and the second of the sighting, so the same sighting sent "
            "twice is recorded once. A camera that enforces liveness rejects these sightings (a camera "
            "unit does not check liveness). An event the ingestion refuses (unknown user, a camera or "
            "user of another company, a bad timestamp) answers 422 INVALID_EVENT.",
        ),
    )
    def log_attendance(self):
        body = json_body(required=("user_id",), optional=("timestamp", "camera", "event_id", "confidence", "distance"))
        user_id = expect(body, "user_id", int)
        event_id = expect(body, "event_id", str, 128)
        try:
            answer = request.env["face.camera.unit"].log_attendance(
                user_id,
                timestamp=body.get("timestamp"),
                camera=body.get("camera"),
                event_id=event_id,
                confidence=body.get("confidence"),
                distance=body.get("distance"),
            )
        except InvalidSighting as refused:
            raise ApiError(422, "INVALID_EVENT", str(refused.args[0]), refused.details or None) from None
        return compat_ok({name: None if value is False else value for name, value in answer.items()})
