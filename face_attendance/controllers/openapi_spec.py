"""The OpenAPI 3 document: pydantic's JSON Schema in OpenAPI 3.0's dialect, the operation builder
and the document's assembly.

Each route's operation is generated from its declaration (``api_route(summary=, query=, body=,
answer=, ...)``, see ``api_common.Declaration``); ``build_openapi`` assembles the document from
those operations, the models' components and the two error shapes. The fuzz test (schemathesis)
checks the running server against it both ways: answers as documented, and input accepted or refused
as documented.
"""

import re

from pydantic import TypeAdapter

from ..models.face_api_key import SCOPES

# The statuses compatibility routes answer instead of ours: FastAPI answers invalid input with 422.
COMPAT_STATUS = {400: 422}

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


def json_content(schema):
    return {"application/json": {"schema": schema}}


def ref(name):
    return {"$ref": "#/components/schemas/%s" % name}


def envelope(data):
    return {
        "type": "object",
        "properties": {"success": {"type": "boolean", "enum": [True]}, "data": data},
        "required": ["success", "data"],
    }


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
        if where == "query" and not parameter["required"]:
            # An empty optional parameter is an absent one (Declaration.call): say so.
            parameter["allowEmptyValue"] = True
        if field.get("description"):
            parameter["description"] = field.pop("description")
        parameters.append(parameter)
    return parameters


def _error_schemas():
    """The two error shapes: the envelope's and the compatibility routes' (FastAPI's)."""
    text, obj = {"type": "string"}, {"type": "object"}
    return {
        "Error": {
            "type": "object",
            "properties": {
                "success": {"type": "boolean", "enum": [False]},
                "error": {
                    "type": "object",
                    "properties": {"code": text, "message": text, "details": obj},
                    "required": ["code", "message", "details"],
                },
                "requestId": text,
            },
            "required": ["success", "error", "requestId"],
        },
        "CompatError": {
            "type": "object",
            "properties": {
                "detail": dict(text, description="What went wrong (FastAPI's field)"),
                "code": text,
                "details": obj,
                "requestId": text,
            },
            "required": ["detail", "code", "details", "requestId"],
        },
    }


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
                "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}
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
            "schemas": dict(_error_schemas(), **MODEL_SCHEMAS),
            "responses": responses,
            "securitySchemes": {
                "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "Bearer": {"type": "http", "scheme": "bearer"},
            },
        },
    }
