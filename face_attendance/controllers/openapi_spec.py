"""The vocabulary of the OpenAPI 3 description: schemas, parameters and the operation builder.

Each route declares its own operation (``api_route(..., doc=operation(...))``); ``build_openapi``
assembles the document from those declarations and the shared components here. The fuzz test
(schemathesis) checks every answer of the running server against it, so a controller that drifts
from its declaration fails the test command.
"""

import re

from pydantic import TypeAdapter

from ..models.face_api_key import SCOPES
from ..models.face_camera import DIRECTIONS, SOURCE_TYPES

# The statuses compatibility routes answer instead of ours: FastAPI answers invalid input with 422.
COMPAT_STATUS = {400: 422}

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
PLAN_PAGING = [
    query("page", {"type": "integer", "minimum": 1, "maximum": 1000000, "default": 1}),
    query("pageSize", {"type": "integer", "minimum": 1, "maximum": 200, "default": 20}),
]
META = obj({"page": s("integer"), "pageSize": s("integer"), "total": s("integer"), "totalPages": s("integer")})


def plan_page(item):
    """The answer of a paged endpoint of the operations frontend: ``data`` is the list, ``meta`` the paging."""
    return json_content(
        obj({"success": {"type": "boolean", "enum": [True]}, "data": {"type": "array", "items": item}, "meta": META})
    )


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
    public=None,
    body_required=True,
    compat=None,
):
    """One route's OpenAPI operation, declared beside the route with ``api_route(doc=...)``.

    ``scope`` is the scope the route enforces; without one the route is public unless
    ``public=False`` (then any valid key may call it). ``ok_content=False``: an answer without a body.
    ``compat``: a route of an older backend's API (``api_route(compat=...)``): its answer is
    ``data_schema`` itself, its errors ``{"detail": ...}`` with 422 for invalid input.
    """
    if public is None:
        public = scope is None
    if ok_content is False:
        success = {"description": "Success"}
    elif compat:
        success = {"description": "Success", "content": ok_content or json_content(data_schema)}
    else:
        success = {"description": "Success", "content": ok_content or json_content(envelope(data_schema))}
    responses = {str(ok_status): success}
    statuses = ["500"] if public else ["400", "401", "403", "404", "413", "422", "429", "500", "503"]
    statuses = set(statuses) | set(extra_errors)
    if compat:
        statuses = {str(COMPAT_STATUS.get(int(status), status)) for status in statuses}
    for status in sorted(statuses):
        responses[status] = {"$ref": "#/components/responses/%s%s" % ("C" if compat else "E", status)}
    op = {"summary": summary, "tags": [tag], "parameters": list(parameters), "responses": responses}
    if compat:
        op["x-compat"] = compat
    if description:
        op["description"] = description
    if public:
        op["security"] = []
    else:
        op["security"] = [{"ApiKey": []}, {"Bearer": []}]
        if scope:
            op["x-required-scope"] = scope
            op["description"] = ((description or "") + " Scope: `%s`." % scope).strip()
        else:
            op["description"] = ((description or "") + " Any valid key.").strip()
    if body:
        op["requestBody"] = {"required": body_required, "content": body}
    return op


# ------------------------------------------------------------------ schemas from pydantic models
# The components a route's models define (``api_route(query=, body=, answer=)``), by name.
MODEL_SCHEMAS = {}
REF = "#/components/schemas/{model}"


def openapi30(schema):
    """pydantic's JSON Schema (2020-12) in OpenAPI 3.0's dialect: ``nullable`` rather than a null
    type, ``enum`` rather than ``const``; titles dropped (the names say it)."""
    if isinstance(schema, list):
        return [openapi30(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {key: openapi30(value) for key, value in schema.items() if key != "title" or isinstance(value, dict)}
    if "const" in schema:
        schema["enum"] = [schema.pop("const")]
    options = schema.get("anyOf")
    if options and {"type": "null"} in options:
        rest = [option for option in options if option != {"type": "null"}]
        del schema["anyOf"]
        if len(rest) == 1 and "$ref" not in rest[0]:
            schema.update(rest[0])
        else:
            schema["allOf" if len(rest) == 1 else "anyOf"] = rest
        schema["nullable"] = True
    if "default" in schema and schema["default"] is None and not schema.get("nullable"):
        # An optional field that may not be sent as null: absent is its default, null is refused.
        del schema["default"]
    return schema


def model_schema(kind, mode="validation"):
    """The schema of a pydantic type, its models registered as components (a name defined twice
    differently is a declaration error, not a silent overwrite)."""
    schema = TypeAdapter(kind).json_schema(ref_template=REF, mode=mode)
    for name, definition in schema.pop("$defs", {}).items():
        definition = openapi30(definition)
        if MODEL_SCHEMAS.setdefault(name, definition) != definition:
            raise TypeError("Two API models are named %s: rename one" % name)
    if schema.get("type") == "object" and "properties" in schema and hasattr(kind, "model_fields"):
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", kind.__name__).strip("_")
        schema = openapi30(schema)
        if MODEL_SCHEMAS.setdefault(name, schema) != schema:
            raise TypeError("Two API models are named %s: rename one" % name)
        return ref(name)
    return openapi30(schema)


def model_parameters(model, where):
    """The fields of a query (or path) model as OpenAPI parameters."""
    if model is None:
        return []
    schema = openapi30(TypeAdapter(model).json_schema(ref_template=REF))
    required = set(schema.get("required", []))
    parameters = []
    for name, field in schema.get("properties", {}).items():
        field = dict(field)
        parameter = {"name": name, "in": where, "required": where == "path" or name in required, "schema": field}
        if field.get("description"):
            parameter["description"] = field.pop("description")
        parameters.append(parameter)
    return parameters


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
            "personId": s("string", nullable=True),
            "name": s("string", nullable=True),
            "cameraId": s("integer", nullable=True),
            "trackId": s("string", nullable=True),
            "status": s("string", enum=["authorized", "unknown", "rejected"]),
            "boundingBox": s("object", nullable=True, description="Not stored with a sighting: always null"),
            "thumbnail": s("string", nullable=True, description="Snapshots are served to managers in Odoo only"),
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
    compat_error = obj(
        {
            "detail": s("string", description="What went wrong (FastAPI's field)"),
            "code": s("string"),
            "details": s("object"),
            "requestId": s("string"),
        }
    )
    return {
        "CompatError": compat_error,
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


def image_body(extra_properties, description):
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


PERSON_WRITE = {
    "name": s("string", minLength=1, maxLength=256),
    "email": s("string", nullable=True, maxLength=256),
    "department": s("string", nullable=True, maxLength=256),
    "position": s("string", nullable=True, maxLength=256),
}

CAMERA_WRITE = {
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

ATTENDANCE_FILTERS = [
    query("start_date", DATE, "First working day (employee time zone)"),
    query("end_date", DATE, "Last working day (employee time zone)"),
    query("person_id", s("string", maxLength=64)),
]


def build_openapi(server_url, version, paths, root_url):
    """The document: the operations the routes declare (``api_route(doc=...)``) and the shared parts.

    Compatibility routes are served from the host's root, not under ``server_url``: their path
    items carry their own ``servers`` (``root_url``).
    """
    statuses = dict(
        ERROR_STATUSES,
        **{
            "409": "Conflict with the current state (existing id, already checked in/out)",
            "503": "Busy with concurrent writes, or the database is unavailable: retry after Retry-After seconds",
        },
    )
    responses = {}
    for prefix, schema in (("E", "Error"), ("C", "CompatError")):
        for status, text in statuses.items():
            if prefix == "C" and int(status) in COMPAT_STATUS:
                continue
            if prefix == "C" and status == "422":
                text = "Invalid input, or refused by a business rule (e.g. an image with no face)"
            responses[prefix + status] = {"description": text, "content": json_content(ref(schema))}
        for status in ("429", "503"):
            responses[prefix + status]["headers"] = {
                "Retry-After": {"schema": s("integer"), "description": "Seconds to wait"}
            }
    paths = {
        path: dict(item, servers=[{"url": root_url}])
        if any(isinstance(op, dict) and op.get("x-compat") for op in item.values())
        else item
        for path, item in paths.items()
    }
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
            "schemas": dict(_schemas(), **MODEL_SCHEMAS),
            "responses": responses,
            "securitySchemes": {
                "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "Bearer": {"type": "http", "scheme": "bearer"},
            },
        },
    }
