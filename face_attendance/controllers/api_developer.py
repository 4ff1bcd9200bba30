"""The developer console: every endpoint of the API, read from the OpenAPI document itself.

The list is derived from the document ``/openapi.json`` serves (``build_openapi`` over the routes'
own declarations), never kept by hand: a new route appears here the moment it is declared.
The backend page (static/src/developer_console) shows the same list to managers and calls the API
from the browser with a key the manager pastes; the key never reaches this server other than as
the ``X-API-Key`` of those calls.
"""

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field

from odoo import http
from odoo.exceptions import AccessError
from odoo.http import request

from ..models.api_types import Answer
from ..models.odoo_compat import V19
from ..models.security_groups import MANAGER
from .api_common import BASE, api_route, served_document

# Every operation key OpenAPI 3.0 knows, in the order the lists show them.
METHOD_ORDER = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
_MAX_DEPTH = 6  # bounds the walk through nested (and possibly self-referring) schemas


class DevParameter(Answer):
    name: str
    # "in" is a Python keyword: the field has another name, the answer keeps its own.
    where: Literal["path", "query", "header", "cookie"] = Field(alias="in")
    required: bool
    type: str | None
    description: str | None
    schema_: dict[str, Any] = Field(alias="schema")


class DevField(Answer):
    name: str
    type: str | None
    required: bool
    nullable: bool
    description: str | None


class DevRequestBody(Answer):
    required: bool
    contentType: str  # noqa: N815  # the console's camelCase
    contentTypes: list[str]  # noqa: N815
    fields: list[DevField]
    example: Any = Field(description="A skeleton of the body, from its schema (may be null)")


class DevEndpoint(Answer):
    id: str = Field(pattern=r"^DEV-\d{3,}$")
    label: str
    description: str
    details: str | None
    method: Literal[tuple(m.upper() for m in METHOD_ORDER)]
    path: str
    public: bool
    requiredScope: str | None  # noqa: N815
    parameters: list[DevParameter]
    requestBody: DevRequestBody | None  # noqa: N815
    responses: list[str]


def _resolve(schema, components, depth=0):
    """``schema`` with its ``$ref`` (and those of ``allOf`` members) replaced by what they point to."""
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return {}
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _resolve(components.get(name, {}), components, depth + 1)
    if "allOf" in schema:
        merged = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            part = _resolve(part, components, depth + 1)
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        return merged
    return schema


def _type_of(schema):
    if "type" in schema:
        kind = schema["type"]
        return "%s of %s" % (kind, schema["items"].get("type", "object")) if kind == "array" else kind
    if "oneOf" in schema or "anyOf" in schema:
        return " | ".join(filter(None, (m.get("type") for m in schema.get("oneOf", schema.get("anyOf", [])))))
    return None


def _example(schema, components, depth=0):  # noqa: C901  # one branch per JSON type
    """A value of ``schema`` to start from: its example or default, else the simplest valid one."""
    schema = _resolve(schema, components, depth)
    if depth > _MAX_DEPTH:
        return None
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            return _example(schema[key][0], components, depth + 1)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        # Required fields, and optional ones whose schema suggests a value; all of them when that
        # leaves nothing, so that the skeleton still shows the shape of the body.
        chosen = [n for n, p in properties.items() if n in required or "example" in p or "default" in p]
        return {name: _example(properties[name], components, depth + 1) for name in chosen or properties}
    if kind == "array":
        return [_example(schema.get("items", {}), components, depth + 1)] if "items" in schema else []
    if kind == "integer":
        return schema.get("minimum", 1)
    if kind == "number":
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    if kind == "string":
        return "2026-11-21" if schema.get("format") == "date" else ""
    return None


def _parameter(parameter, components):
    schema = _resolve(parameter.get("schema", {}), components)
    return {
        "name": parameter["name"],
        "in": parameter["in"],
        "required": bool(parameter.get("required")),
        "type": _type_of(schema),
        "description": parameter.get("description") or schema.get("description") or None,
        "schema": schema,
    }


def _request_body(body, components):
    if not body:
        return None
    content = body.get("content", {})
    content_type = "application/json" if "application/json" in content else next(iter(content), "")
    schema = _resolve(content.get(content_type, {}).get("schema", {}), components)
    required = set(schema.get("required", []))
    fields = []
    for name, field in schema.get("properties", {}).items():
        field = _resolve(field, components)
        fields.append(
            {
                "name": name,
                "type": _type_of(field),
                "required": name in required,
                "nullable": bool(field.get("nullable")),
                "description": field.get("description") or None,
            }
        )
    return {
        "required": bool(body.get("required")),
        "contentType": content_type,
        "contentTypes": list(content),
        "fields": fields,
        "example": _example(schema, components) if content_type == "application/json" else None,
    }


def methods_of(path_item):
    """The operations of an OpenAPI path item in METHOD_ORDER: its other keys (``servers``,
    ``parameters``, ``summary``, ...) are not operations."""
    return [(method, path_item[method]) for method in METHOD_ORDER if method in path_item]


def full_path(document, path):
    """The path from the host's root at which ``path`` of the document is served.

    The compatibility routes live outside /api/v1: their path item carries its own ``servers``
    (the bare host), which OpenAPI 3 makes take precedence over the document's. Only the server's
    path is kept: the call goes to the host that served the document.
    """
    servers = document["paths"][path].get("servers") or document.get("servers") or [{"url": ""}]
    return urlsplit(servers[0]["url"]).path.rstrip("/") + path


def endpoint_list(document):
    """The console's items for the OpenAPI ``document``: one per (path, method), ordered by full
    path then method, numbered DEV-001, DEV-002, ... in that order."""
    components = document.get("components", {}).get("schemas", {})
    items = []
    for path in sorted(document["paths"], key=lambda path: full_path(document, path)):
        for method, op in methods_of(document["paths"][path]):
            items.append(
                {
                    "id": "DEV-%03d" % (len(items) + 1),
                    "label": (op.get("tags") or ["Other"])[0],
                    "description": op.get("summary") or "",
                    "details": op.get("description") or None,
                    "method": method.upper(),
                    "path": full_path(document, path),
                    "public": op.get("security") == [],
                    "requiredScope": op.get("x-required-scope") or None,
                    "parameters": [_parameter(p, components) for p in op.get("parameters", [])],
                    "requestBody": _request_body(op.get("requestBody"), components),
                    "responses": sorted(op.get("responses", {})),
                }
            )
    return items


def current_endpoints():
    """The list for the document this server serves right now."""
    return endpoint_list(served_document())


class FaceApiDeveloper(http.Controller):
    @api_route(
        "/developer/endpoints",
        ["GET"],
        readonly=True,
        summary="Every endpoint of this API, from its OpenAPI document",
        tag="Developer",
        answer=list[DevEndpoint],
        description="The full list (no paging), ordered by path then method; ids DEV-001... follow that order.",
    )
    def endpoints(self):
        return current_endpoints()


class FaceDeveloperConsole(http.Controller):
    """The backend page's source of the list: a session route, so the page needs no key to show it."""

    @http.route(
        "/face_attendance/developer/endpoints",
        type="jsonrpc" if V19 else "json",
        auth="user",
        methods=["POST"],
        readonly=True,
    )
    def console_endpoints(self):
        if not request.env.user.has_group(MANAGER):
            raise AccessError(request.env._("The developer console is for Face Attendance managers."))
        return {"base": BASE, "endpoints": current_endpoints()}
