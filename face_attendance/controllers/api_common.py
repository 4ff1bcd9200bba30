"""What every REST endpoint shares: the envelope, errors, API-key authentication, scopes, paging."""

import functools
import json
import logging
import math
import re
import typing
import uuid

from psycopg2 import InterfaceError, OperationalError
from psycopg2.errors import ReadOnlySqlTransaction
from pydantic import TypeAdapter
from pydantic import ValidationError as ModelInvalid
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from odoo import http, release
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request
from odoo.tools import config as odoo_config

from ..models.api_errors import MAX_ID
from ..models.api_types import Envelope, PlanPage, page_meta
from ..models.face_api_key import iso  # noqa: F401  (one date-time format for every answer)
from ..models.face_event_ingest import MAX_TRIES, RETRYABLE, IngestionBusy, in_test_transaction, retry_pause
from ..models.ir_http import api_body_limit
from ..models.ir_http_replica import replica_configured
from .openapi_spec import COMPAT_STATUS, build_openapi, json_content, model_parameters, model_schema, operation

_logger = logging.getLogger(__name__)

API_VERSION = "1.0.0"
BASE = "/api/v1"
# Odoo serves a route declared readonly from its replica (--db_replica_host) since 18.0.
REPLICA_ROUTES = release.version_info[0] >= 18


def _has_nul(value):
    """PostgreSQL refuses NUL characters in text: such input is refused before it gets there.
    Iterative: a body nested deeper than Python's recursion limit is walked like any other."""
    pending = [value]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, (list, tuple)):
            pending.extend(value)
    return False


def _refuse_constant(name):
    raise ValueError("%s is not a JSON number" % name)


def _finite_float(text):
    # 1e400 is valid JSON but no number: Python reads it as infinity.
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("%s is out of range" % text[:40])
    return value


def parse_json(raw):
    """Strict JSON: no NaN/Infinity (nor numbers too large to be finite), no NUL characters."""
    try:
        body = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise bad_request("The request body is not valid JSON: %s" % error) from None
    if _has_nul(body):
        raise bad_request("Text in the request body cannot contain NUL characters.")
    return body


class ApiError(Exception):
    def __init__(self, status, code, message, details=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or {}
        self.headers = headers or {}


def model_error(error):
    """A model's refusal as HTTP: its ``api_status`` when it names one (400 with the field, 409 with
    details), else Odoo's refusals of input as 422."""
    message = str(error.args[0] if error.args else error)
    status = getattr(error, "api_status", None)
    if status == 400:
        field = getattr(error, "field", None)
        return ApiError(
            400, "VALIDATION_ERROR", message, getattr(error, "details", None) or ({"field": field} if field else None)
        )
    if status == 409:
        return ApiError(409, "CONFLICT", message, getattr(error, "details", None))
    return ApiError(422, "UNPROCESSABLE", message, getattr(error, "details", None))


def bad_request(message, **details):
    return ApiError(400, "VALIDATION_ERROR", message, details)


def unprocessable(message, **details):
    """Input as documented that a rule refuses (see api_errors.RuleError): 422."""
    return ApiError(422, "UNPROCESSABLE", message, details)


def json_response(payload, status=200, headers=None):
    body = json.dumps(payload, default=str)
    response = request.make_response(
        body, headers=[("Content-Type", "application/json; charset=utf-8"), *(headers or {}).items()], status=status
    )
    return response


def ok(data, status=200):
    return json_response({"success": True, "data": data}, status=status)


def error_response(error, request_id, compat=None):
    if compat:
        return compat_error_response(error, request_id)
    return json_response(
        {
            "success": False,
            "error": {"code": error.code, "message": error.message, "details": error.details},
            "requestId": request_id,
        },
        status=error.status,
        headers=error.headers,
    )


def compat_error_response(error, request_id):
    """Compatibility routes answer as the FastAPI backends they replace: errors as {"detail": ...},
    invalid input as 422 (FastAPI's status for a request its schema refuses)."""
    status = COMPAT_STATUS.get(error.status, error.status)
    return json_response(
        {"detail": error.message, "code": error.code, "details": error.details, "requestId": request_id},
        status=status,
        headers=error.headers,
    )


def compat_ok(data, status=200, headers=None):
    """The answer of a compatibility route: the object or list itself, without the envelope."""
    return json_response(data, status=status, headers=headers)


def _api_key_from_headers():
    header = request.httprequest.headers
    secret = header.get("X-API-Key")
    if not secret:
        auth = header.get("Authorization", "")
        if auth[:7].lower() == "bearer ":
            secret = auth[7:].strip()
    return secret


def client_address():
    return request.httprequest.remote_addr


# (compiled path pattern, methods) of every endpoint, to tell "wrong method" (405) from "no such path".
ROUTES = []
# The OpenAPI operation of every endpoint, declared with the endpoint itself: {openapi path: {method: op}}.
# ``openapi.json`` is built from this alone, so a route cannot exist undocumented.
OPERATIONS = {}
# (path, compiled pattern, methods, compat) of every compatibility route (for api_compat_fallback.py).
COMPAT_ROUTES = []
INT32 = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
PATH_STRING = {"type": "string", "minLength": 1, "maxLength": 128}


def _path_pattern(path):
    pattern = re.sub(r"<int:[^>]+>", "[0-9]+", re.escape(path).replace("\\<", "<").replace("\\>", ">"))
    pattern = re.sub(r"<(string:)?[^>]+>", "[^/]+", pattern)
    return re.compile("^%s$" % pattern)


def allowed_methods(path):
    return sorted({m for pattern, methods in ROUTES if pattern.match(path) for m in methods})


def compat_allowed_methods(path):
    """The methods the compatibility routes serve at a concrete path (empty: no such path); a trailing
    slash is optional, as in Odoo's routing."""
    forms = {path, path.rstrip("/"), path.rstrip("/") + "/"}
    return sorted(
        {m for _path, pattern, methods, _compat in COMPAT_ROUTES if any(map(pattern.match, forms)) for m in methods}
    )


def _unserved_method(compat):
    """The answer to a method this route does not serve: Odoo adds OPTIONS to every rule and would
    call the handler with it. OPTIONS answers 204 with the path's methods, anything else 405."""
    path = request.httprequest.path
    allowed = compat_allowed_methods(path) if compat else allowed_methods(path[len(BASE) :])
    headers = {"Allow": ", ".join(allowed)}
    if request.httprequest.method == "OPTIONS":
        return request.make_response(b"", headers=list(headers.items()), status=204)
    error = ApiError(405, "METHOD_NOT_ALLOWED", "%s accepts %s." % (path, headers["Allow"]), headers=headers)
    return error_response(error, uuid.uuid4().hex[:16], compat)


def openapi_path(path):
    return re.sub(r"<(?:[a-z]+:)?(\w+)>", r"{\1}", path)


def _declare(path, methods, scope, public, doc, path_params, compat=None):
    """Record the route's OpenAPI operation, checked against what the route enforces."""
    if doc is None:
        raise TypeError("API route %s %s declares no OpenAPI operation (doc=...)" % (methods, path))
    if len(methods) != 1:
        raise TypeError("API route %s declares one method per operation, not %s" % (path, methods))
    if doc.get("x-compat") != compat:
        raise TypeError(
            "API route %s %s is served as %r; its OpenAPI operation says %r"
            % (methods, path, compat, doc.get("x-compat"))
        )
    documented_scope = doc.get("x-required-scope")
    if public != (doc.get("security") == []) or (documented_scope or None) != (scope or None):
        raise TypeError(
            "API route %s %s: its OpenAPI operation says scope %r (public: %s), the route enforces %r (public: %s)"
            % (methods[0], path, documented_scope, doc.get("security") == [], scope, public)
        )
    operation = dict(doc)
    given = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "path"}
    declared = []
    for converter, name in re.findall(r"<(?:([a-z]+):)?(\w+)>", path):
        if name not in given:
            schema = (path_params or {}).get(name) or (INT32 if converter == "int" else PATH_STRING)
            declared.append({"name": name, "in": "path", "required": True, "schema": schema})
    operation["parameters"] = declared + list(operation.get("parameters", []))
    methods_of_path = OPERATIONS.setdefault(openapi_path(path), {})
    if methods[0].lower() in methods_of_path:
        raise TypeError("API route %s %s is declared twice" % (methods[0], path))
    methods_of_path[methods[0].lower()] = operation


def openapi_paths():
    return {path: dict(OPERATIONS[path]) for path in sorted(OPERATIONS)}


def served_document():
    """The OpenAPI document at this request's address: /openapi.json, the developer console and the
    docs pages all read this one."""
    root = request.httprequest.host_url.rstrip("/")
    return build_openapi(root + BASE, API_VERSION, openapi_paths(), root)


class Reply:
    """A declared route's answer with headers of its own (``X-Total-Count``), or with another
    success status than its first: ``data`` is then checked against ``api_route(more=...)``'s model
    for ``status`` (e.g. 202 for a command the daemon did not answer in time)."""

    __slots__ = ("data", "headers", "status")

    def __init__(self, data, status=None, headers=None):
        self.data, self.status, self.headers = data, status, headers


class Declaration:
    """What a route declares with pydantic models (``api_route(query=, body=, answer=, ...)``): the
    request is validated by the models that document it, the answer is checked against its model
    in test mode, and the OpenAPI operation is generated from the same models."""

    def __init__(
        self,
        path,
        query=None,
        body=None,
        answer=None,
        status=200,
        paged=False,
        body_required=True,
        path_model=None,
        more=None,
        enveloped=True,
        compat=None,
        form=None,
    ):
        self.form = form
        self.path_names = re.findall(r"<(?:[a-z]+:)?(\w+)>", path)
        self.path_model, self.query, self.body, self.answer = path_model, query, body, answer
        self.status, self.paged, self.body_required = status, paged, body_required
        # Compatibility routes answer the object itself, as the FastAPI backends they replace.
        self.enveloped = enveloped and not compat
        self.compat = compat
        if paged and not (query and "pageSize" in query.model_fields):
            raise TypeError("API route %s: a paged answer needs a query model with page and pageSize" % path)
        # {status: (answer type, its validator)}: the first status's and ``more``'s.
        self.answers = {}
        for code, kind in [(status, answer), *sorted((more or {}).items())]:
            if kind is not None:
                kind = self._wrapped(kind, paged and code == status)
                self.answers[code] = (kind, TypeAdapter(kind))

    def _wrapped(self, kind, paged):
        if paged:
            return PlanPage[kind]
        return Envelope[kind] if self.enveloped else kind

    def operation(self, summary, tag, scope, public, description, extra_errors, produces):
        def content(code):
            kind = self.answers.get(code)
            schema = json_content(model_schema(kind[0], mode="serialization")) if kind else {}
            if produces and code == self.status:
                schema[produces] = {"schema": {"type": "string"}}
            return schema or False

        op = operation(
            summary,
            tag,
            scope,
            self.status,
            None,
            model_parameters(self.path_model, "path") + model_parameters(self.query, "query"),
            body=self._request_body(),
            extra_errors=extra_errors,
            ok_content=content(self.status),
            description=description,
            public=public,
            body_required=self.body_required,
            compat=self.compat,
        )
        for code in self.answers:
            if code != self.status:
                op["responses"][str(code)] = {
                    "description": MORE_STATUSES.get(code, "Success"),
                    "content": content(code),
                }
        return op

    def _request_body(self):
        content = json_content(model_schema(self.body)) if self.body else {}
        if self.form:
            schema = model_schema(self.form)
            # Files travel in multipart bodies only; a form of text fields may also be urlencoded.
            has_files = '"binary"' in json.dumps(self.form.model_json_schema())
            content.update({kind: {"schema": schema} for kind in FORM_TYPES[: 1 if has_files else 2]})
        return content or None

    def call(self, func, controller, args, kwargs):
        values = {name: kwargs[name] for name in self.path_names if name in kwargs}
        if self.path_model:
            values.update(dict(validated(self.path_model, values)))
        if self.query:
            # An empty parameter is an absent one, as the routes always read them.
            given = {name: value for name, value in request.httprequest.args.items() if value != ""}
            values["query"] = validated(self.query, given)
        if self.form and (not self.body or request.httprequest.mimetype in FORM_TYPES):
            # A route that also takes JSON reads a form only when the request says it sends one.
            values["form"] = validated(self.form, _form_values(self.form))
            if self.body:
                values["body"] = None
        elif self.body:
            if self.form:
                values["form"] = None
            # A body model may take a bare JSON list too (``accepts_list``: POST /events' older form).
            raw = _json_object(allow_empty=not self.body_required, allow_list=getattr(self.body, "accepts_list", False))
            values["body"] = validated(self.body, raw)
        result = func(controller, *args, **values)
        if isinstance(result, Response):
            return result
        status, headers = self.status, None
        if isinstance(result, Reply):
            result, status, headers = result.data, result.status or self.status, result.headers
        if self.paged and status == self.status:
            items, total = result
            payload = {"success": True, "data": items, "meta": page_meta(total, values["query"])}
        elif self.enveloped:
            payload = {"success": True, "data": result}
        else:
            payload = result
        response = json_response(payload, status=status, headers=headers)
        if _checking_answers():
            if status not in self.answers and (self.answers or status != self.status):
                raise TypeError("%s answered %s, which it does not declare" % (func.__name__, status))
            if status in self.answers:
                # The answer as a client reads it (after JSON), against the model that documents it.
                self.answers[status][1].validate_json(response.get_data(), strict=True)
        return response


# What a route's other success statuses mean, in the document.
MORE_STATUSES = {
    201: "Created",
    202: "Accepted: the work goes on (see the answer for where to follow it)",
    204: "No content",
    503: "Unavailable: the answer says which part is down",
}


def _checking_answers():
    return bool(odoo_config["test_enable"]) or in_test_transaction(request.env.registry)


def _problem(error):
    field = ".".join(str(part) for part in error["loc"]) or "body"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return {"field": field, "message": message}


def validated(model, values):
    """``values`` as ``model``; refused as today's 400 VALIDATION_ERROR, field by field:
    ``details.field`` the first field at fault, ``details.errors`` each (field, message), with
    ``unknown_fields``/``missing_fields`` as ``json_body`` names them."""
    try:
        return model.model_validate(values)
    except ModelInvalid as error:
        errors = error.errors(include_url=False)
        problems = [_problem(e) for e in errors]
        unknown = sorted({str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden" and e["loc"]})
        missing = [str(e["loc"][0]) for e in errors if e["type"] == "missing" and e["loc"]]
        if unknown:
            raise bad_request(
                "Unknown fields: %s." % ", ".join(unknown),
                unknown_fields=unknown,
                allowed_fields=sorted(model.model_fields),
                errors=problems,
            ) from None
        if missing:
            raise bad_request(
                "Missing fields: %s." % ", ".join(missing), missing_fields=missing, field=missing[0], errors=problems
            ) from None
        first = problems[0]
        raise bad_request(
            "%s: %s." % (first["field"], first["message"].rstrip(".")), field=first["field"], errors=problems
        ) from None


def api_route(  # noqa: C901  # one branch per error kind: the table of answers
    path,
    methods,
    scope=None,
    public=False,
    doc=None,
    path_params=None,
    compat=None,
    summary=None,
    tag=None,
    description=None,
    extra_errors=(),
    produces=None,
    readonly=False,
    **declared,
):
    """Declare an endpoint: routing, authentication, scope check, errors as JSON envelopes, and its
    OpenAPI operation (``doc``, made with ``openapi_spec.operation``; path parameters are added from
    the path's converters, ``path_params`` overrides their schemas).

    ``compat`` (e.g. ``"backend-readme"``): a route of an older backend's API, served at ``path``
    itself rather than under ``/api/v1``, with the same keys, scopes, rate limits and audit, its
    errors in that backend's shape (``compat_error_response``); its operation says the same
    (``operation(..., compat=...)``).

    ``scope=None`` without ``public`` still requires a valid key (any scope).

    Declared with models (``summary`` and ``tag`` given, no ``doc``; ``declared`` holds
    ``Declaration``'s arguments): ``query`` and ``body`` are
    pydantic models (api_types.Query, api_types.Body) the handler receives validated as ``query=``
    and ``body=`` (path parameters as themselves); it returns the answer's ``data`` (``answer``, a
    type), or (items, total) when ``paged``, or a Response (``produces``: e.g. CSV). The operation is
    generated from the same models; ``status`` is the success status. ``more``: {status: model} of
    other success statuses, answered by returning ``Reply(data, status)``. ``enveloped=False``: the
    answer model is the whole body (compatibility routes always are). ``produces`` beside ``answer``:
    a second content type of the first status (the handler returns it as a Response). ``form``: an
    api_types.Form model of a form body (multipart, with ``Upload`` files), received as ``form=``;
    with ``body`` too, the route takes either, by the request's content type (the other is None).

    ``readonly=True``: the route writes nothing in the request's transaction, so that Odoo may serve
    it from the replica (``--db_replica_host``) while the replica keeps up (``_serve_readonly``).
    The key's rate-limit count and last use are no obstacle: face_api_key writes them through a
    connection of its own to the primary. A route that reads what its client may have just written
    (a job it polls) stays read-write: the replica may not have it yet.
    """
    declaration = None
    if declared and summary is None:
        raise TypeError(
            "API route %s: %s declare a route with models, which needs summary and tag" % (path, sorted(declared))
        )
    if summary is not None:
        if doc is not None:
            raise TypeError("API route %s: a route declared with models has no hand-written doc" % path)
        declaration = Declaration(path, compat=compat, **declared)
        doc = declaration.operation(summary, tag, scope, public, description, extra_errors, produces)
    if "<path:" not in path and "<any_path:" not in path:
        if compat:
            COMPAT_ROUTES.append((path, _path_pattern(path), tuple(methods), compat))
        else:
            ROUTES.append((_path_pattern(path), tuple(methods)))
        _declare(path, methods, scope, public, doc, path_params, compat)

    routing = {"readonly": _serve_readonly(public) if readonly else False} if REPLICA_ROUTES else {}

    def decorate(func):  # noqa: C901  # see api_route
        @http.route(
            path if compat else BASE + path,
            type="http",
            auth="none",
            methods=methods,
            csrf=False,
            save_session=False,
            face_api=True,
            **routing,
        )
        @functools.wraps(func)
        def wrapper(self, *args, **kwargs):
            method = request.httprequest.method
            if method not in methods and not (method == "HEAD" and "GET" in methods):
                return _unserved_method(compat)
            request_id = uuid.uuid4().hex[:16]
            request.face_request_id = request_id
            # Conflicts with concurrent writers are retried here, in a fresh transaction, rather than
            # by Odoo around the wrapper (which would answer an HTML 500 when its tries run out).
            for attempt in range(1, MAX_TRIES + 1):
                try:
                    return serve(self, request_id, attempt, *args, **kwargs)
                except RETRYABLE as error:
                    request.env.cr.rollback()
                    request.env.transaction.reset()
                    if attempt == MAX_TRIES:
                        _logger.warning(
                            "API %s %s: %s after %d tries (request %s)",
                            request.httprequest.method,
                            path,
                            type(error).__name__,
                            attempt,
                            request_id,
                        )
                        return error_response(busy(), request_id, compat)
                    retry_pause(attempt)

        def serve(self, request_id, attempt, *args, **kwargs):  # noqa: C901  # see api_route
            try:
                if not request.db:
                    raise ApiError(503, "SERVICE_UNAVAILABLE", "No database is selected on this server.")
                if getattr(request, "face_body_too_large", False):
                    raise ApiError(
                        413,
                        "PAYLOAD_TOO_LARGE",
                        "The request body is larger than the limit of %d bytes." % api_body_limit(request.env),
                    )
                if not public:
                    # Counted once per request, also when Odoo runs it again on the primary.
                    key = _authenticate(scope, count=attempt == 1 and not getattr(request, "face_counted", False))
                    request.face_api_key = key
                if (
                    _has_nul(kwargs)
                    # Every value of a repeated parameter, not only the first that dict() keeps.
                    or _has_nul(list(request.httprequest.args.lists()))
                    or _has_nul(list(request.httprequest.form.lists()))
                ):
                    raise bad_request("Parameters cannot contain NUL characters.")
                for name, value in kwargs.items():
                    if isinstance(value, int) and not 0 < value <= MAX_ID:
                        raise ApiError(404, "NOT_FOUND", "%s %d does not exist." % (name, value))
                if declaration:
                    response = declaration.call(func, self, args, kwargs)
                else:
                    response = func(self, *args, **kwargs)
                # Write now, inside the retry loop, not when Odoo flushes after the endpoint.
                request.env.flush_all()
                return response
            except (*RETRYABLE, ReadOnlySqlTransaction):
                # The second: a read-only route wrote after all; Odoo runs it again on the primary.
                raise
            except IngestionBusy:
                request.env.cr.rollback()
                return error_response(busy(), request_id, compat)
            except ApiError as error:
                if _replica_may_lag_behind(error.status):
                    raise _replay_on_primary("%s on the replica" % error.status) from None
                if request.db:
                    request.env.cr.rollback()
                return error_response(error, request_id, compat)
            except RequestEntityTooLarge:
                return error_response(
                    ApiError(413, "PAYLOAD_TOO_LARGE", "The request body is too large."), request_id, compat
                )
            except AccessError as error:
                request.env.cr.rollback()
                return error_response(
                    ApiError(403, "FORBIDDEN", str(error.args[0] if error.args else error)), request_id, compat
                )
            except MissingError as error:
                if _replica_may_lag_behind(404):
                    raise _replay_on_primary("404 on the replica") from None
                request.env.cr.rollback()
                return error_response(
                    ApiError(404, "NOT_FOUND", str(error.args[0] if error.args else error)), request_id, compat
                )
            except (ValidationError, UserError) as error:
                request.env.cr.rollback()
                return error_response(model_error(error), request_id, compat)
            except Exception as error:
                if isinstance(error, (OperationalError, InterfaceError)) and _on_replica():
                    # The replica went away mid-request: Odoo runs the request again on the primary
                    # (and keeps to the primary until the replica answers again).
                    raise _replay_on_primary("the replica failed: %s" % error) from error
                _logger.exception("API %s %s failed (request %s)", request.httprequest.method, path, request_id)
                if request.db:
                    request.env.cr.rollback()
                return error_response(
                    ApiError(500, "INTERNAL_ERROR", "An unexpected error occurred."), request_id, compat
                )

        if declaration:
            # The declaration reads the query itself: Odoo must not judge the parameters by the
            # handler's signature (query=, body=), or it logs every query parameter as ignored.
            del wrapper.original_endpoint.__wrapped__
        return wrapper

    return decorate


def _serve_readonly(public):
    """The ``readonly`` routing value of a read-only route: called by Odoo for each request (18 with
    the controller, 19 with the controller, rule and arguments)."""

    def readonly(*_args):
        registry = request.registry
        if in_test_transaction(registry):
            # Tests count a key's requests in their own transaction (face_api_key._bookkeeping),
            # which a read-only cursor cannot write: keyed routes take the read-write one there.
            return public
        return registry["ir.http"]._face_replica_fresh(registry)

    return readonly


def _on_replica():
    """Whether this request runs on Odoo's replica (not on the primary it fell back to)."""
    try:
        return bool(request.db) and replica_configured() and bool(request.env.cr.readonly)
    except InterfaceError:  # its connection is gone: it was the replica's or the primary's
        return False


def _replica_may_lag_behind(status):
    """A key or a record that the replica does not know may have been written on the primary an
    instant ago (a token just issued, a person just created): that answer is the primary's to give."""
    if status == 401:
        return _on_replica() and bool(_api_key_from_headers())
    return status == 404 and _on_replica()


def _replay_on_primary(reason):
    # Odoo's answer to this error from a read-only route: roll back and run the whole request again
    # on a read-write cursor of the primary (odoo.http, "retrying with a read/write cursor").
    return ReadOnlySqlTransaction("API request to be served by the primary: %s" % reason)


def busy():
    return ApiError(
        503,
        "SERVICE_BUSY",
        "The server is busy with concurrent writes: send the same request again "
        "shortly (it is safe: events are idempotent by event_id).",
        headers={"Retry-After": "2"},
    )


def _authenticate(scope, count=True):
    secret = _api_key_from_headers()
    if not secret:
        raise ApiError(
            401,
            "UNAUTHORIZED",
            'Send an API key as "X-API-Key: <key>" or "Authorization: Bearer <key>".',
            headers={"WWW-Authenticate": "Bearer"},
        )
    key, reason = request.env["face.api.key"].sudo()._authenticate(secret)
    if not key:
        raise ApiError(401, "UNAUTHORIZED", reason, headers={"WWW-Authenticate": "Bearer"})
    retry_after = key._rate_limit_hit() if count else 0
    request.face_counted = True
    if retry_after:
        raise ApiError(
            429,
            "RATE_LIMITED",
            "Too many requests for this key; retry in %d s." % retry_after,
            headers={"Retry-After": str(retry_after)},
        )
    if scope and not key._has_scope(scope):
        raise ApiError(403, "FORBIDDEN", "This key lacks the scope %r." % scope, {"required_scope": scope})
    key._touch(client_address())
    # From here on the request acts as the key's user: their rights and record rules apply.
    _scopes, _limit, user_id, company_id = key._grant(key.id)
    request.update_env(user=user_id, context=dict(request.env.context, allowed_company_ids=[company_id]))
    return key


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _is_list(annotation):
    return typing.get_origin(annotation) is list or any(
        typing.get_origin(option) is list for option in typing.get_args(annotation)
    )


def _form_values(model):
    """The form's fields as ``model`` names them (aliases), files and texts alike; empty ones are
    absent ones (a browser sends an empty file input as an empty part, an empty text as "")."""
    httprequest = request.httprequest
    fields = {(field.alias or name): field for name, field in model.model_fields.items()}
    if httprequest.mimetype not in FORM_TYPES:
        raise bad_request(
            "Send the body as multipart/form-data (fields: %s)." % ", ".join(sorted(fields)), field="body"
        )
    values = {}
    for name in list(httprequest.form) + [n for n in httprequest.files if n not in httprequest.form]:
        field = fields.get(name)
        given = [text for text in httprequest.form.getlist(name) if text != ""]
        given += [upload for upload in httprequest.files.getlist(name) if _has_content(upload)]
        if field is None:
            values[name] = given  # unknown, empty or not: the model names it
        elif len(given) > 1 and not _is_list(field.annotation):
            raise bad_request("%s is given %d times." % (name, len(given)), field=name)
        elif given:
            values[name] = given if _is_list(field.annotation) else given[0]
    return values


def _has_content(upload):
    """Whether an uploaded file holds anything (its spooled stream is left at its start)."""
    upload.stream.seek(0, 2)
    size = upload.stream.tell()
    upload.stream.seek(0)
    return size > 0


def _json_object(allow_empty=False, allow_list=False):
    raw = request.httprequest.get_data(cache=True)
    if not raw:
        if allow_empty:
            return {}
        raise bad_request("The request body must be a JSON object.")
    body = parse_json(raw)
    if not isinstance(body, dict) and not (allow_list and isinstance(body, list)):
        raise bad_request("The request body must be a JSON object.")
    return body


def audit(action, object_ref, message, details=None):
    """Every call that changes data leaves a log line: key, user, action, object, address."""
    request.env["face.system.log"]._log_api(action, object_ref, message, details)
