"""The API's documentation pages: /api/v1/docs (interactive, OWL) and /api/v1/redoc (a reference).

Both are rendered from the one OpenAPI document ``/openapi.json`` serves, never written by hand:
the reference is built here, on the server, and reads without JavaScript; the interactive page
loads the document in the browser and calls the API from there with the key its reader pastes
(the key stays in that browser: this server only ever sees it as the API calls' Bearer header).
Everything taken from the document is escaped by QWeb (``t-out`` of plain strings): descriptions
come from the code, but a page that trusts them would be one careless docstring away from XSS.
"""

import json
import re
import shlex
from urllib.parse import urlsplit

from odoo import http
from odoo.http import request
from odoo.tools import config

from .api_common import BASE, api_route, served_document
from .api_developer import _MAX_DEPTH, _example, full_path, methods_of
from .openapi_spec import operation

HTML = {"text/html": {"schema": {"type": "string"}}}
# The tags of the older backends' routes start so (their operations also say "x-compat").
COMPAT_TAG = "Compatibility: "

# OWL compiles its templates into functions in the browser: the interactive page needs
# 'unsafe-eval' (no inline script, no other origin). The reference runs no script at all.
_COMMON_POLICY = (
    "default-src 'self'",
    "style-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
)
# blob: shows an image the API answered (a snapshot), read by this page's own fetch.
DOCS_POLICY = "; ".join(_COMMON_POLICY + ("script-src 'self' 'unsafe-eval'", "img-src 'self' data: blob:"))
REFERENCE_POLICY = "; ".join(_COMMON_POLICY + ("script-src 'none'", "img-src 'self' data:"))

INDENTATION = re.compile(r">\s*\n\s*<")
# Form bodies, with the curl option that sends each field.
FORM_OPTIONS = {"multipart/form-data": "-F", "application/x-www-form-urlencoded": "--data-urlencode"}
_CONSTRAINT_KEYS = (
    "format",
    "default",
    "minimum",
    "exclusiveMinimum",
    "maximum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "example",
)


def security_headers(policy):
    return [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Security-Policy", policy),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        # The pages show the document of the moment: a cached copy would hide a new route.
        ("Cache-Control", "no-cache"),
    ]


def segments(text):
    """``text`` as (piece, is_code) pairs: the document marks code with backticks, as Markdown does."""
    return [(piece, bool(index % 2)) for index, piece in enumerate((text or "").split("`")) if piece]


def slug(*parts):
    return re.sub(r"[^A-Za-z0-9]+", "-", "-".join(parts)).strip("-").lower()


def _deref(schema, components, depth=0):
    """(component name or None, schema with its ``$ref`` followed and its ``allOf`` merged)."""
    name = None
    for _depth in range(_MAX_DEPTH):
        if not isinstance(schema, dict) or "$ref" not in schema:
            break
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = components.get(name, {})
    if not isinstance(schema, dict):
        return name, {}
    if "allOf" in schema and depth < _MAX_DEPTH:
        merged = {key: value for key, value in schema.items() if key != "allOf"}
        merged.setdefault("type", "object")
        merged["properties"], merged["required"] = {}, []
        for part in schema["allOf"]:
            part = _deref(part, components, depth + 1)[1]
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        schema = merged
    return name, schema


def type_label(schema, components, name=None, depth=0):
    """A short type: ``string (date-time)``, ``Person[]``, ``integer | boolean``, ``object (Person)``."""
    kind = schema.get("type")
    if kind == "array" and depth < _MAX_DEPTH:
        item_name, items = _deref(schema.get("items", {}), components)
        return "%s[]" % (item_name or type_label(items, components, depth=depth + 1))
    if kind:
        label = "%s (%s)" % (kind, schema["format"]) if schema.get("format") else kind
    elif schema.get("oneOf") or schema.get("anyOf"):
        members = [_deref(m, components) for m in schema.get("oneOf") or schema.get("anyOf")]
        label = " | ".join(n or type_label(m, components, depth=depth + 1) for n, m in members)
    elif "properties" in schema:
        label = "object"
    else:
        label = "any"
    return "%s (%s)" % (label, name) if name and kind == "object" else label


def constraints(schema):
    """The schema's constraints as ``keyword: value`` (OpenAPI's own words need no translation)."""
    found = []
    if "enum" in schema:
        found.append("enum: %s" % ", ".join(json.dumps(value) for value in schema["enum"]))
    for key in _CONSTRAINT_KEYS:
        if key in schema and not (key == "format" and schema.get("type")):
            # A pattern is shown as written, not with JSON's escaped backslashes.
            found.append("%s: %s" % (key, schema[key] if key == "pattern" else json.dumps(schema[key])))
    if schema.get("additionalProperties") is False:
        found.append("additionalProperties: false")
    return found


def _nested(schema, components, depth=0):
    """The object schemas whose fields are shown under a field of type ``schema``."""
    if depth > _MAX_DEPTH:
        return []
    if schema.get("type") == "array":
        return _nested(_deref(schema.get("items", {}), components)[1], components, depth + 1)
    if "properties" in schema or isinstance(schema.get("additionalProperties"), dict):
        return [schema]
    found = []
    for member in schema.get("oneOf") or schema.get("anyOf") or ():
        found += _nested(_deref(member, components)[1], components, depth + 1)
    return found


def field_rows(schema, components, depth=0, seen=frozenset()):
    """The fields of an object schema and, indented, those of the objects inside them."""
    rows = []
    required = set(schema.get("required", []))
    fields = list(schema.get("properties", {}).items())
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        fields.append(("*", extra))
    for field_name, field in fields:
        ref_name, resolved = _deref(field, components)
        description = (field.get("description") if isinstance(field, dict) else None) or resolved.get("description")
        rows.append(
            {
                "depth": min(depth, _MAX_DEPTH),
                "name": field_name,
                "type": type_label(resolved, components, ref_name),
                "required": field_name in required,
                "nullable": bool(resolved.get("nullable")),
                "read_only": bool(resolved.get("readOnly")),
                "description": segments(description),
                "constraints": constraints(resolved),
            }
        )
        if depth < _MAX_DEPTH and (ref_name is None or ref_name not in seen):
            for inner in _nested(resolved, components):
                rows += field_rows(inner, components, depth + 1, seen | {ref_name})
    return rows


def schema_view(schema, components):
    """What the reference shows of a body's or an answer's schema: its type and its fields."""
    ref_name, resolved = _deref(schema or {}, components)
    fields = []
    for inner in _nested(resolved, components):
        fields += field_rows(inner, components, seen=frozenset({ref_name}))
    return {
        "type": type_label(resolved, components, ref_name),
        "description": segments(resolved.get("description")),
        "constraints": constraints(resolved),
        "fields": fields,
    }


def _sample(content_type, schema, components):
    if "json" not in content_type:
        return None
    return json.dumps(_example(schema, components), indent=2, ensure_ascii=False)


def _curl(method, url, op, components, token_needed):
    """The operation as a curl command: its body from the schema's skeleton, the key as $API_KEY
    (double-quoted for the shell to expand: the page never holds a key)."""
    words = ["curl", "-X", method.upper(), shlex.quote(url)]
    if token_needed:
        words += ["-H", '"Authorization: Bearer $API_KEY"']
    # The body in the first of its media types (the document lists the usual one first).
    content_type, media = next(iter(((op.get("requestBody") or {}).get("content") or {"": {}}).items()))
    schema = media.get("schema", {})
    if content_type == "application/json":
        body = json.dumps(_example(schema, components), ensure_ascii=False)
        words += ["-H", shlex.quote("Content-Type: application/json"), "-d", shlex.quote(body)]
    elif content_type in FORM_OPTIONS:
        # The required fields (and those with an example), as the JSON skeletons have.
        form = _deref(schema, components)[1]
        fields = form.get("properties", {})
        chosen = [n for n, f in fields.items() if n in form.get("required", []) or "example" in f] or list(fields)
        for field_name in chosen:
            field = _deref(fields[field_name], components)[1]
            binary = field.get("format") == "binary" or field.get("items", {}).get("format") == "binary"
            value = "@photo.jpg" if binary else _example(field, components)
            words += [FORM_OPTIONS[content_type], shlex.quote("%s=%s" % (field_name, "" if value is None else value))]
    return " ".join(words)


def _answer_view(answer, components):
    """The contents (schema and sample per media type) and headers of an answer."""
    contents = [
        {
            "type": content_type,
            "schema": schema_view(media.get("schema"), components),
            "sample": _sample(content_type, media.get("schema", {}), components),
        }
        for content_type, media in (answer.get("content") or {}).items()
    ]
    headers = [
        {
            "name": name,
            "type": type_label(_deref(header.get("schema", {}), components)[1], components),
            "description": segments(header.get("description")),
        }
        for name, header in (answer.get("headers") or {}).items()
    ]
    return {"description": segments(answer.get("description")), "contents": contents, "headers": headers}


def _response(status, answer, components, responses):
    """An operation's answer. One the document shares (``$ref`` to ``components/responses``: the
    errors every route has) links to where the page shows it once: repeated under each of the
    operations it would make the page several times larger."""
    kind = "success" if status.startswith("2") else "redirect" if status.startswith("3") else "error"
    if "$ref" in answer:
        name = answer["$ref"].rsplit("/", 1)[-1]
        shared = responses.get(name, {})
        view = {"description": segments(shared.get("description")), "contents": [], "headers": []}
        return dict(view, status=status, kind=kind, shared=name, shared_anchor="response-%s" % slug(name))
    return dict(_answer_view(answer, components), status=status, kind=kind, shared=None, shared_anchor=None)


def _parameter(parameter, components):
    ref_name, schema = _deref(parameter.get("schema", {}), components)
    return {
        "name": parameter["name"],
        "in": parameter["in"],
        "required": bool(parameter.get("required")),
        "type": type_label(schema, components, ref_name),
        "description": segments(parameter.get("description") or schema.get("description")),
        "constraints": constraints(schema),
        "deprecated": bool(parameter.get("deprecated")),
    }


def reference(document):
    """The reference page's content: the document's operations grouped by tag, each one with what
    a client needs (method, full path, scope, parameters, bodies, answers) and samples."""
    components = document.get("components", {})
    schemas, responses = components.get("schemas", {}), components.get("responses", {})
    origin = urlsplit(document["servers"][0]["url"])
    host = "%s://%s" % (origin.scheme, origin.netloc)
    tags, anchors = {}, set()
    for path in sorted(document["paths"], key=lambda path: full_path(document, path)):
        route = full_path(document, path)
        for method, op in methods_of(document["paths"][path]):
            anchor = "operation-%s" % slug(method, route)
            while anchor in anchors:
                anchor += "-"
            anchors.add(anchor)
            public = op.get("security") == []
            body = op.get("requestBody")
            tag = (op.get("tags") or ["Other"])[0]
            compat = op.get("x-compat") or (tag[len(COMPAT_TAG) :] if tag.startswith(COMPAT_TAG) else None)
            entry = {
                "anchor": anchor,
                "method": method.upper(),
                "path": route,
                "summary": op.get("summary") or "%s %s" % (method.upper(), route),
                "description": segments(op.get("description")),
                "public": public,
                "scope": op.get("x-required-scope"),
                "compat": compat,
                "deprecated": bool(op.get("deprecated")),
                "parameters": [_parameter(p, schemas) for p in op.get("parameters", [])],
                "body": body
                and {
                    "required": bool(body.get("required")),
                    "contents": [
                        {
                            "type": content_type,
                            "schema": schema_view(media.get("schema"), schemas),
                            "sample": _sample(content_type, media.get("schema", {}), schemas),
                        }
                        for content_type, media in (body.get("content") or {}).items()
                    ],
                },
                "responses": [
                    _response(status, answer, schemas, responses) for status, answer in sorted(op["responses"].items())
                ],
                "curl": _curl(method, host + route, op, schemas, not public),
            }
            tags.setdefault(tag, {"name": tag, "anchor": "tag-%s" % slug(tag), "compat": compat, "operations": []})
            tags[tag]["operations"].append(entry)
    # The addon's own tags first, the compatibility APIs of the older backends after them.
    ordered = sorted(tags.values(), key=lambda tag: (bool(tag["compat"]), tag["name"].lower()))
    used = sorted(
        {
            answer["shared"]
            for tag in ordered
            for op in tag["operations"]
            for answer in op["responses"]
            if answer["shared"]
        }
    )
    shared = [
        dict(_answer_view(responses[name], schemas), name=name, anchor="response-%s" % slug(name))
        for name in used
        if name in responses
    ]
    info = document.get("info", {})
    return {
        "title": info.get("title") or "API",
        "version": info.get("version") or "",
        "description": segments(info.get("description")),
        "servers": [server["url"] for server in document.get("servers", [])],
        "security_schemes": [
            {
                "name": name,
                "text": "%s: %s" % (scheme["in"], scheme["name"])
                if scheme.get("type") == "apiKey"
                else "Authorization: %s <key>" % scheme.get("scheme", "").capitalize(),
            }
            for name, scheme in components.get("securitySchemes", {}).items()
        ],
        "tags": ordered,
        "shared_responses": shared,
        "count": len(anchors),
    }


def _page_values(**values):
    lang = request.env.context.get("lang") or "en_US"
    return dict(values, base=BASE, lang_tag=lang.replace("_", "-"))


def _scripts():
    """The page's script URLs. Odoo's own asset tags carry an inline ``onerror`` handler, which the
    page's policy refuses (and the browser reports): the tags are written by the template instead.
    The tours' machinery comes along in test mode only, as Odoo's ``conditional_assets_tests`` does."""
    debug = request.session.debug or ""
    bundles = ["face_attendance.assets_api_docs"]
    if config["test_enable"] or "tests" in debug:
        bundles.append("face_attendance.assets_api_docs_tests")
    qweb = request.env["ir.qweb"]
    return [url for bundle in bundles for url in qweb._get_asset_links(bundle, css=False, js=True, debug=debug)]


class FaceApiDocs(http.Controller):
    @api_route(
        "/docs",
        ["GET"],
        public=True,
        doc=operation(
            "Interactive documentation of this API",
            "Documentation",
            None,
            200,
            None,
            ok_content=HTML,
            description="Every operation of `/openapi.json`, grouped by tag, with a form to call it from "
            "the browser with an API key (kept in the browser). Needs JavaScript; `/redoc` does not.",
        ),
    )
    def docs(self):
        html = request.env["ir.qweb"]._render("face_attendance.api_docs_page", _page_values(scripts=_scripts()))
        return request.make_response(html, headers=security_headers(DOCS_POLICY))

    @api_route(
        "/redoc",
        ["GET"],
        public=True,
        doc=operation(
            "Reference of this API",
            "Documentation",
            None,
            200,
            None,
            ok_content=HTML,
            description="Every operation of `/openapi.json` on one page: paths, scopes, parameters, "
            "bodies and answers with their schemas, and samples. Plain HTML, no JavaScript.",
        ),
    )
    def redoc(self):
        html = request.env["ir.qweb"]._render(
            "face_attendance.api_reference_page", _page_values(ref=reference(served_document()))
        )
        # The templates' indentation, repeated for every field of every schema, would be half the
        # page: a line break renders as the spaces did (no <pre> holds a tag, so none is touched).
        html = INDENTATION.sub(">\n<", str(html))
        return request.make_response(html, headers=security_headers(REFERENCE_POLICY))
