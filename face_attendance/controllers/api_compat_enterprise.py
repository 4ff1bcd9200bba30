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
from collections import OrderedDict

from odoo import fields, http
from odoo.http import request
from odoo.tools.sql import escape_psql

from face_attendance_daemon.engine import vector_from_bytes

from ..models.face_recognition_event import EventInputError, parse_timestamp
from .api_common import ApiError, api_route, audit, bad_request, compat_ok, expect, iso, json_body
from .api_faces import require_face_write
from .api_persons import audit_enrolment, create_person, enrol_image, person_vals, template_quality
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


def encoder_tag(name):
    """The tag (name:version) of an encoder known by name, without loading its models."""
    from face_attendance_daemon.engine.dlib_encoder import DlibEncoder
    from face_attendance_daemon.engine.sface import SFaceEncoder

    return {cls.name: "%s:%s" % (cls.name, cls.version) for cls in (SFaceEncoder, DlibEncoder)}.get(name)


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


def _synced_users(templates, tag):
    """One entry per person of ``gallery_sync``'s templates, in employee order."""
    people = OrderedDict()
    for template in sorted(templates, key=lambda t: (t["employee_id"], t["id"])):
        if not template["encoding"]:
            continue
        entry = people.setdefault(
            template["employee_id"],
            {
                "id": template["employee_id"],
                "name": template["name"],
                "personnel_code": template["person_id"] or None,
                "face_encoding": None,  # the first of face_encodings, set below
                "face_encodings": [],
                "face_ids": [],
                "encoder": tag,
            },
        )
        entry["face_encodings"].append(vector_from_bytes(base64.b64decode(template["encoding"])).tolist())
        entry["face_ids"].append(template["id"])
    for entry in people.values():
        entry["face_encoding"] = entry["face_encodings"][0]
    return people


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


def _sync_camera(body, Event):
    """The camera of a camera unit's sighting: its id, its name, or the key's only enabled camera."""
    camera = body.get("camera")
    if isinstance(camera, int) and not isinstance(camera, bool):
        return camera
    Camera, domain = Event._sendable_cameras()
    if camera is None:
        cameras = Camera.search(domain + [("enabled", "=", True)], limit=2)
        if len(cameras) != 1:
            raise bad_request(
                "camera is required (its id or name): this key may send for %s enabled cameras."
                % ("several" if cameras else "no"),
                field="camera",
            )
        return cameras.id
    if not isinstance(camera, str) or not camera.strip() or len(camera) > 128:
        raise bad_request("camera is a camera's id or its name (at most 128 characters).", field="camera")
    cameras = Camera.search(domain + [("name", "=ilike", escape_psql(camera.strip()))], limit=2)
    if not cameras:
        raise ApiError(422, "INVALID_EVENT", "Camera %r does not exist or is not one of yours." % camera)
    if len(cameras) > 1:
        raise ApiError(422, "INVALID_EVENT", "Several cameras are named %r: send its id." % camera)
    return cameras.id


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
        code = form.get("personnel_code")
        if code not in (None, ""):
            employee = create_person(code, details, field="personnel_code")
        else:
            # No person ID: the same person fields and audit line as create_person, without the ID.
            employee = request.env["hr.employee"].create(person_vals(details))
            audit("person.create", "hr.employee,%d" % employee.id, "Person %s created" % employee.id)
        # A refused photo raises: the request's rollback takes the new employee with it.
        template = enrol_image(employee, data, "api")
        audit_enrolment(template, employee.person_ref or str(employee.id))
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
        tag = params.get("encoder") or request.env["face.attendance.config"]._get("encoder")
        if ":" not in tag:
            # A name (dlib, sface) stands for its tag; an unknown one matches no template.
            tag = encoder_tag(tag) or tag
        since = params.get("since") or None
        if since:
            try:
                since = fields.Datetime.to_string(parse_timestamp(since))
            except EventInputError:
                raise bad_request("since must be an ISO 8601 date-time, e.g. 2026-11-21T08:30:00Z.") from None
        Template = request.env["face.template"]
        # Everybody's current faces: with since, a changed person is sent with all of them.
        current = Template.gallery_sync(tag)
        people = _synced_users(current["templates"], tag)
        server_time = current["server_time"]
        removed, removed_faces = [], []
        if since:
            changes = Template.gallery_sync(tag, since)
            server_time = changes["server_time"]
            removed_faces = sorted(changes["removed"])
            touched = {t["employee_id"] for t in changes["templates"]}
            # Archived templates still exist, deleted ones left a tombstone with their person;
            # gallery_sync named both, in the key's companies, so reading their person is no leak.
            touched |= set(
                Template.sudo().with_context(active_test=False).browse(removed_faces).exists().employee_id.ids
            )
            touched |= set(changes.get("removed_employees", ()))
            removed = sorted(touched - set(people))
            people = OrderedDict((key, entry) for key, entry in people.items() if key in touched)
        users = list(people.values())[skip : None if limit is None else skip + limit]
        server_time = iso(fields.Datetime.to_datetime(server_time))
        headers = {"X-Server-Time": server_time, "X-Total-Count": str(len(people))}
        if output == "sync":
            return compat_ok(
                {
                    "users": users,
                    "removed": removed,
                    "removed_face_ids": removed_faces,
                    "server_time": server_time,
                    "encoder": tag,
                },
                headers=headers,
            )
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
        event_uid = expect(body, "event_id", str, 128)
        try:
            moment = parse_timestamp(body["timestamp"]) if body.get("timestamp") is not None else None
        except EventInputError as error:
            raise bad_request(str(error), field="timestamp") from None
        moment = moment or fields.Datetime.now().replace(microsecond=0)
        Event = request.env["face.recognition.event"]
        Event._check_sender()
        camera_id = _sync_camera(body, Event)
        event = {
            "event_id": event_uid or "enterprise:%s:%s:%s" % (camera_id, user_id, iso(moment)),
            "timestamp": iso(moment),
            "camera_id": camera_id,
            "employee_id": user_id,
        }
        for name in ("confidence", "distance"):
            value = body.get(name)
            if value is None:
                continue
            try:
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise TypeError
                event[name] = float(value)
            except (TypeError, OverflowError):
                raise bad_request("%s must be a number." % name, field=name) from None
        (answer,) = Event._ingest_events([event], "api")
        audit(
            "events.ingest",
            "face.recognition.event",
            "Attendance of user %s from a camera unit: %s" % (user_id, answer["status"]),
        )
        if answer["status"] == "invalid":
            raise ApiError(422, "INVALID_EVENT", answer["message"], {"event_id": event["event_id"]})
        # The ingestion commits in a transaction of its own: its answer is all this request may read
        # of the new event (this request's snapshot predates it).
        employee = request.env["hr.employee"].sudo().browse(answer["employee_id"] or [])
        return compat_ok(
            {
                "event_id": answer["event_id"],
                "status": answer["status"],
                "outcome": answer["outcome"],
                "message": answer["message"],
                "user_id": employee.id or None,
                "name": employee.name or None,
                "attendance_id": answer["attendance_id"] or None,
                "camera_id": camera_id,
                "timestamp": event["timestamp"],
            }
        )
