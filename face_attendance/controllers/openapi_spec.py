"""The OpenAPI 3 description of the REST API, kept beside the controllers it describes.

The fuzz test (schemathesis) checks every answer of the running server against this document, so
a controller that drifts from it fails the test command.
"""

from ..models.face_api_key import SCOPES
from ..models.face_camera import DIRECTIONS, SOURCE_TYPES
from ..models.face_config import SETTINGS

INT32 = {"type": "integer", "minimum": 1, "maximum": 2147483647}
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "example": "2026-11-21"}
DATETIME = {
    "type": "string",
    "nullable": True,
    "description": "ISO 8601, UTC, e.g. 2026-11-21T08:30:00Z",
    "example": "2026-11-21T08:30:00Z",
}
ERROR_STATUSES = {
    "400": "Invalid input (malformed JSON, wrong types, unknown or missing fields, bad dates, invalid base64)",
    "401": "Missing, wrong, expired or revoked API key",
    "403": "The key lacks the scope, or its user the access right",
    "404": "Unknown id",
    "413": "The body is over the configured limit",
    "422": "Refused by a business rule (e.g. an image with no face)",
    "429": "Too many requests from this key; see Retry-After",
    "500": "Unexpected error (reported with a request id)",
}


def s(kind, nullable=False, **extra):
    schema = dict(type=kind, **extra)
    if nullable:
        schema["nullable"] = True
    return schema


def obj(properties, required=None):
    return {"type": "object", "properties": properties, "required": list(required or properties)}


def ref(name):
    return {"$ref": "#/components/schemas/%s" % name}


def envelope(data):
    return obj({"success": {"type": "boolean", "enum": [True]}, "data": data})


def page(key, item):
    return obj(
        {key: {"type": "array", "items": item}, "total": s("integer"), "limit": s("integer"), "offset": s("integer")}
    )


def json_content(schema):
    return {"application/json": {"schema": schema}}


def query(name, schema, description="", required=False):
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def path(name, schema):
    return {"name": name, "in": "path", "required": True, "schema": schema}


PAGING = [
    query("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}),
    query("offset", {"type": "integer", "minimum": 0, "maximum": 1000000000, "default": 0}),
]
PERSON_ID = path("person_id", {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"^[A-Za-z0-9_.-]+$"})


def operation(
    summary,
    tag,
    scope,
    ok_status,
    data_schema,
    parameters=(),
    body=None,
    extra_errors=(),
    ok_content=None,
    description=None,
):
    responses = {
        str(ok_status): {"description": "Success", "content": ok_content or json_content(envelope(data_schema))}
    }
    statuses = ["400", "401", "403", "404", "413", "422", "429", "500", "503"] if scope else ["500"]
    for status in sorted(set(statuses) | set(extra_errors)):
        responses[status] = {"$ref": "#/components/responses/E%s" % status}
    op = {"summary": summary, "tags": [tag], "parameters": list(parameters), "responses": responses}
    if description:
        op["description"] = description
    if scope:
        op["security"] = [{"ApiKey": []}, {"Bearer": []}]
        op["x-required-scope"] = scope
        op["description"] = ((description or "") + " Scope: `%s`." % scope).strip()
    else:
        op["security"] = []
    if body:
        op["requestBody"] = {"required": True, "content": body}
    return op


def _schemas():
    person = obj(
        {
            "person_id": s("string", nullable=True),
            "name": s("string"),
            "email": s("string", nullable=True),
            "department": s("string", nullable=True),
            "position": s("string", nullable=True),
            "status": s("string", enum=["active", "inactive"]),
            "created_at": DATETIME,
            "face_count": s("integer"),
            "face_status": s("string"),
            "metadata": s("object"),
        }
    )
    attendance = obj(
        {
            "id": s("integer"),
            "person_id": s("string", nullable=True),
            "person_name": s("string"),
            "check_in": DATETIME,
            "check_out": DATETIME,
            "date": s("string", nullable=True),
            "timezone": s("string"),
            "duration_minutes": s("number"),
            "worked_hours": s("number"),
            "status": s("string", enum=["checked_in", "checked_out"]),
            "source": s("string", enum=["face", "manual", "card", "kiosk"]),
            "confidence": s("number", nullable=True),
            "marked_by": s("string", enum=["auto", "manual"]),
            "camera": s("string", nullable=True),
            "auto_closed": s("boolean"),
        }
    )
    camera = obj(
        {
            "id": s("integer"),
            "name": s("string"),
            "location": s("string", nullable=True),
            "source_type": s("string", enum=[v for v, _l in SOURCE_TYPES]),
            "direction": s("string", enum=[v for v, _l in DIRECTIONS]),
            "enabled": s("boolean"),
            "active": s("boolean"),
            "daemon_id": s("integer", nullable=True),
            "match_threshold": s("number", nullable=True),
            "min_face_size": s("integer", nullable=True),
            "status": s("string"),
            "fps": s("number"),
            "last_frame_at": DATETIME,
            "error_count": s("integer"),
            "last_error": s("string", nullable=True),
            "source": s("string", description="Only for managers and devices: URLs can hold credentials."),
        },
        required=["id", "name", "source_type", "direction", "enabled", "status"],
    )
    event_answer = obj(
        {
            "event_id": s("string", nullable=True),
            "status": s("string", enum=["created", "exists", "invalid"]),
            "outcome": s(
                "string",
                enum=["pending", "checked_in", "checked_out", "duplicate", "unknown", "rejected", "spoof", "error"],
            ),
            "message": s("string"),
            "attendance_id": {"oneOf": [s("integer"), s("boolean")]},
        },
        required=["event_id", "status", "outcome", "message", "attendance_id"],
    )
    face = obj(
        {
            "face_id": s("integer"),
            "origin": s("string"),
            "encoder": s("string"),
            "face_size": s("integer"),
            "sharpness": s("number"),
            "created_at": DATETIME,
        }
    )
    person_ref = obj(
        {"person_id": s("string", nullable=True), "name": s("string"), "department": s("string", nullable=True)}
    )
    summary = obj(
        {
            "date": s("string"),
            "total_persons": s("integer"),
            "present_count": s("integer"),
            "late_count": s("integer"),
            "absent_count": s("integer"),
            "avg_duration_hours": s("number"),
            "earliest_checkin": DATETIME,
            "latest_checkout": DATETIME,
            "open_count": s("integer"),
            "work_start_hour": s("number"),
            "late_grace_minutes": s("integer"),
            "late": {
                "type": "array",
                "items": {"allOf": [person_ref, obj({"check_in": DATETIME, "minutes_late": s("integer")})]},
            },
            "absent": {"type": "array", "items": person_ref},
        }
    )
    detection = obj(
        {
            "id": s("integer"),
            "event_id": s("string"),
            "timestamp": DATETIME,
            "camera_id": s("integer", nullable=True),
            "camera_name": s("string", nullable=True),
            "employee_id": s("integer", nullable=True),
            "person_name": s("string", nullable=True),
            "person_id": s("string", nullable=True),
            "confidence": s("number", nullable=True),
            "outcome": s("string"),
            "attendance_id": s("integer", nullable=True),
            "has_snapshot": s("boolean"),
        }
    )
    recognized = obj(
        {
            "box": obj({"x": s("integer"), "y": s("integer"), "width": s("integer"), "height": s("integer")}),
            "detector_score": s("number"),
            "person_id": s("string", nullable=True),
            "employee_id": s("integer", nullable=True),
            "name": s("string", nullable=True),
            "distance": s("number", nullable=True),
            "confidence": s("number", nullable=True),
            "event_id": s("string"),
            "outcome": s("string"),
            "attendance_id": s("integer", nullable=True),
            "liveness": dict(
                obj({"score": s("number", nullable=True, minimum=0, maximum=1), "live": s("boolean", nullable=True)}),
                description="Only when the request asked for liveness; null score and live: unavailable.",
            ),
        },
        required=["box", "person_id", "confidence"],
    )
    error = obj(
        {
            "success": {"type": "boolean", "enum": [False]},
            "error": obj({"code": s("string"), "message": s("string"), "details": s("object")}),
            "requestId": s("string"),
        }
    )
    return {
        "Person": person,
        "Attendance": attendance,
        "Camera": camera,
        "EventAnswer": event_answer,
        "Face": face,
        "DailySummary": summary,
        "Detection": detection,
        "RecognizedFace": recognized,
        "Error": error,
    }


def _image_body(extra_properties, description):
    return json_content(
        {
            "type": "object",
            "required": ["image"],
            "additionalProperties": False,
            "description": description,
            "properties": dict(
                {"image": s("string", description="Base64 or a data URL (data:image/jpeg;base64,...)")},
                **extra_properties,
            ),
        }
    )


def build_openapi(server_url, version):
    person_write = {
        "name": s("string", minLength=1, maxLength=256),
        "email": s("string", nullable=True, maxLength=256),
        "department": s("string", nullable=True, maxLength=256),
        "position": s("string", nullable=True, maxLength=256),
    }
    camera_write = {
        "name": s("string", minLength=1, maxLength=1024),
        "location": s("string", nullable=True, maxLength=1024),
        "source_type": s("string", enum=[v for v, _l in SOURCE_TYPES]),
        "source": s(
            "string", minLength=1, maxLength=1024, description="Webcam index, rtsp:// or http(s):// URL, or a file path"
        ),
        "direction": s("string", enum=[v for v, _l in DIRECTIONS]),
        "enabled": s("boolean"),
        "daemon_id": dict(INT32, nullable=True),
        "match_threshold": s("number", nullable=True, minimum=0, maximum=2),
        "min_face_size": s("integer", nullable=True, minimum=0, maximum=4096),
    }
    attendance_filters = [
        query("start_date", DATE, "First working day (employee time zone)"),
        query("end_date", DATE, "Last working day (employee time zone)"),
        query("person_id", s("string", maxLength=64)),
    ]
    paths = {
        "/health": {
            "get": operation(
                "Health, with the database state",
                "System",
                None,
                200,
                None,
                extra_errors=["503"],
                ok_content=json_content(
                    obj(
                        {
                            "success": s("boolean"),
                            "status": s("string"),
                            "timestamp": DATETIME,
                            "version": s("string"),
                            "database": s("string"),
                        }
                    )
                ),
            )
        },
        "/status": {
            "get": operation(
                "Daemons and cameras, uptime",
                "System",
                "config:read",
                200,
                obj(
                    {
                        "uptime_seconds": s("integer"),
                        "daemons": s("array", items=s("object")),
                        "cameras": s("array", items=s("object")),
                        "running_daemons": s("integer"),
                        "running_cameras": s("integer"),
                    }
                ),
            )
        },
        "/keys": {
            "get": operation(
                "API keys (never their secrets)",
                "System",
                "keys:read",
                200,
                page("keys", s("object")),
                PAGING + [query("status", s("string", enum=["active", "inactive", "revoked"]))],
            )
        },
        "/logs": {
            "get": operation(
                "System log",
                "System",
                "logs:read",
                200,
                page("logs", s("object")),
                PAGING
                + [
                    query("level", s("string", enum=["debug", "info", "warning", "error"])),
                    query("category", s("string", enum=["sync", "api", "system", "attendance"])),
                ],
            )
        },
        "/config": {
            "get": operation(
                "Settings with their descriptions",
                "System",
                "config:read",
                200,
                obj({"settings": s("array", items=s("object"))}),
            ),
            "post": operation(
                "Change one setting (managers)",
                "System",
                "config:write",
                200,
                obj({"key": s("string"), "value": {}}),
                body=json_content(
                    {
                        "type": "object",
                        "required": ["key", "value"],
                        "additionalProperties": False,
                        "properties": {
                            "key": s("string", enum=sorted(SETTINGS)),
                            "value": {},
                            "description": s("string"),
                        },
                    }
                ),
            ),
        },
        "/persons": {
            "get": operation(
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
            "post": operation(
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
                            person_write, person_id=s("string", minLength=1, maxLength=64, pattern=r"^\S+$")
                        ),
                    }
                ),
            ),
        },
        "/persons/{person_id}": {
            "parameters": [PERSON_ID],
            "get": operation("One person with face status", "Persons", "person:read", 200, ref("Person")),
            "put": operation(
                "Update a person (partial)",
                "Persons",
                "person:write",
                200,
                ref("Person"),
                body=json_content(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": dict(person_write, status=s("string", enum=["active", "inactive"])),
                    }
                ),
            ),
            "delete": operation(
                "Archive a person; erase=true deletes their biometric data",
                "Persons",
                "person:write",
                200,
                obj({"person_id": s("string"), "status": s("string"), "biometric_data_erased": s("boolean")}),
                [query("erase", s("string", enum=["true", "false", "1", "0"]))],
            ),
        },
        "/persons/{person_id}/register-face": {
            "parameters": [PERSON_ID],
            "post": operation(
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
                    _image_body(
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
        },
        "/persons/{person_id}/faces": {
            "parameters": [PERSON_ID],
            "get": operation(
                "A person's face templates",
                "Persons",
                "person:read",
                200,
                obj({"faces": s("array", items=ref("Face")), "total": s("integer")}),
            ),
            "delete": operation(
                "Remove all of a person's faces",
                "Persons",
                "face:write",
                200,
                obj({"person_id": s("string"), "deleted": s("integer"), "total_faces": s("integer")}),
            ),
        },
        "/persons/{person_id}/faces/{face_id}": {
            "parameters": [PERSON_ID, path("face_id", INT32)],
            "delete": operation(
                "Remove one face template",
                "Persons",
                "face:write",
                200,
                obj({"person_id": s("string"), "face_id": s("integer"), "total_faces": s("integer")}),
            ),
        },
        "/attendance": {
            "get": operation(
                "Attendance records, newest first",
                "Attendance",
                "attendance:read",
                200,
                page("records", ref("Attendance")),
                PAGING + attendance_filters,
                description="check_in/check_out are ISO 8601 in UTC (Z); date and the date filters are the "
                "working day in each employee's time zone.",
            )
        },
        "/attendance/export": {
            "get": operation(
                "CSV of the same filters",
                "Attendance",
                "attendance:read",
                200,
                None,
                attendance_filters,
                ok_content={"text/csv": {"schema": s("string")}},
            )
        },
        "/attendance/{attendance_id}": {
            "parameters": [path("attendance_id", INT32)],
            "get": operation("One attendance record", "Attendance", "attendance:read", 200, ref("Attendance")),
        },
        "/attendance/mark": {
            "post": operation(
                "Check a person in",
                "Attendance",
                "attendance:write",
                201,
                ref("Attendance"),
                extra_errors=["409"],
                body=json_content(
                    {
                        "type": "object",
                        "required": ["person_id"],
                        "additionalProperties": False,
                        "properties": {
                            "person_id": s("string", maxLength=64),
                            "marked_by": s("string", enum=["manual", "auto"]),
                            "notes": s("string", maxLength=2000),
                            "timestamp": s("string", description="ISO 8601; default now"),
                        },
                    }
                ),
            )
        },
        "/attendance/{attendance_id}/checkout": {
            "parameters": [path("attendance_id", INT32)],
            "post": operation(
                "Check out",
                "Attendance",
                "attendance:write",
                200,
                ref("Attendance"),
                extra_errors=["409"],
                body=json_content(
                    {"type": "object", "additionalProperties": False, "properties": {"notes": s("string")}}
                ),
            ),
        },
        "/reports/daily-summary/{date}": {
            "parameters": [path("date", DATE)],
            "get": operation(
                "Daily summary", "Reports", "report:read", 200, ref("DailySummary"), [query("department_id", INT32)]
            ),
        },
        "/reports/daily": {
            "get": operation(
                "Daily summary",
                "Reports",
                "report:read",
                200,
                ref("DailySummary"),
                [query("date", DATE, required=True), query("department_id", INT32)],
            )
        },
        "/events": {
            "post": operation(
                "Batch of recognition events (idempotent by event_id)",
                "Events",
                "events:write",
                200,
                obj(
                    {"results": s("array", items=ref("EventAnswer")), "received": s("integer"), "created": s("integer")}
                ),
                body=json_content(
                    {
                        "type": "object",
                        "required": ["events"],
                        "additionalProperties": False,
                        "properties": {
                            "events": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": 1000,
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "event_id": s("string", maxLength=128),
                                        "timestamp": s("string"),
                                        "camera_id": INT32,
                                        "employee_id": INT32,
                                        "person_id": s("string"),
                                        "distance": s("number"),
                                        "confidence": s("number", minimum=0, maximum=1),
                                        "track_id": s("string"),
                                        "encoder": s("string"),
                                        "snapshot": s("string"),
                                        "liveness_score": s("number", nullable=True, minimum=0, maximum=1),
                                        "liveness": s(
                                            "string", nullable=True, enum=["live", "spoof", "unavailable", None]
                                        ),
                                    },
                                },
                            }
                        },
                    }
                ),
                description="The same ingestion as the daemons' XML-RPC method. Each event is answered in "
                "order: created, exists (sent before) or invalid (with the reason).",
            )
        },
        "/recognize": {
            "post": operation(
                "Every face of an image, with the person it matches",
                "Recognition",
                "recognize",
                200,
                obj(
                    {
                        "faces": s("array", items=ref("RecognizedFace")),
                        "count": s("integer"),
                        "encoder": s("string"),
                        "image": s("object"),
                        "threshold": s("number"),
                        "liveness_threshold": s("number"),
                        "liveness_available": s("boolean"),
                        "attendance_marked": s("boolean"),
                    }
                ),
                body=_image_body(
                    {"camera_id": INT32, "mark_attendance": s("boolean"), "liveness": s("boolean")},
                    "mark_attendance needs camera_id and the scope events:write or attendance:write. With "
                    "liveness=true each face gets its liveness score; with mark_attendance too, a face that is not "
                    "live makes a spoof event and no attendance, and without the liveness models nothing is marked.",
                ),
            )
        },
        "/detections/live": {
            "get": operation(
                "Latest recognitions, newest first",
                "Recognition",
                "attendance:read",
                200,
                obj({"detections": s("array", items=ref("Detection")), "count": s("integer"), "server_time": DATETIME}),
                [query("cameraId", INT32), query("limit", {"type": "integer", "minimum": 1, "maximum": 200})],
            )
        },
        "/cameras": {
            "get": operation(
                "Cameras",
                "Cameras",
                "camera:read",
                200,
                page("cameras", ref("Camera")),
                PAGING + [query("direction", s("string", enum=[v for v, _l in DIRECTIONS]))],
            ),
            "post": operation(
                "Add a camera",
                "Cameras",
                "camera:write",
                201,
                ref("Camera"),
                body=json_content(
                    {
                        "type": "object",
                        "required": ["name", "source"],
                        "additionalProperties": False,
                        "properties": camera_write,
                    }
                ),
            ),
        },
        "/cameras/summary": {
            "get": operation(
                "Per-camera counts for a day (the key user's time zone)",
                "Cameras",
                "camera:read",
                200,
                obj(
                    {
                        "date": s("string"),
                        "timezone": s("string"),
                        "cameras": s("array", items=s("object")),
                        "total": s("integer"),
                        "online": s("integer"),
                    }
                ),
                [query("date", DATE)],
            )
        },
        "/cameras/{camera_id}": {
            "parameters": [path("camera_id", INT32)],
            "get": operation("One camera", "Cameras", "camera:read", 200, ref("Camera")),
            "put": operation(
                "Update a camera (partial)",
                "Cameras",
                "camera:write",
                200,
                ref("Camera"),
                body=json_content(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": dict(camera_write, active=s("boolean")),
                    }
                ),
            ),
            "delete": operation(
                "Archive a camera",
                "Cameras",
                "camera:write",
                200,
                obj({"id": s("integer"), "active": s("boolean")}),
                extra_errors=["409"],
            ),
        },
        "/openapi.json": {
            "get": operation("This document", "System", None, 200, None, ok_content=json_content(s("object")))
        },
    }
    responses = {
        "E%s" % status: {"description": text, "content": json_content(ref("Error"))}
        for status, text in dict(
            ERROR_STATUSES,
            **{
                "409": "Conflict with the current state (existing id, already checked in/out)",
                "503": "Busy with concurrent writes, or the database is unavailable: retry after Retry-After seconds",
            },
        ).items()
    }
    responses["E429"]["headers"] = {"Retry-After": {"schema": s("integer"), "description": "Seconds to wait"}}
    responses["E503"]["headers"] = {"Retry-After": {"schema": s("integer"), "description": "Seconds to wait"}}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Face Attendance API",
            "version": version,
            "description": "REST API of the face_attendance Odoo addon. Every answer is a JSON envelope "
            "(success/data or success/error/requestId). Scopes: %s." % ", ".join(SCOPES),
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "responses": responses,
            "securitySchemes": {
                "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "Bearer": {"type": "http", "scheme": "bearer"},
            },
        },
    }
