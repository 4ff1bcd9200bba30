"""What the compatibility routes' paths answer for a method or an id they do not serve: a JSON
error in their backend's shape (404, or 405 with Allow), never Odoo's HTML page.

Built from the routes the compatibility controllers declared (``api_common.COMPAT_ROUTES``), so this
module is imported after them: for each declared path, a rule with the methods it does not serve,
and under each resource, a ``<path:...>`` rule for anything else (``/api/persons/-1``,
``/api/persons/1/nope``); Werkzeug prefers the declared rules' converters to ``path``.
"""

import re
import uuid

from odoo import http
from odoo.http import request

from .api_common import COMPAT_ROUTES, ApiError, compat_allowed_methods, compat_error_response

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _fallback_rules():
    declared = {}
    for path, _pattern, methods, _compat in COMPAT_ROUTES:
        declared.setdefault(path, set()).update(methods)
    other_methods = {path: tuple(m for m in METHODS if m not in methods) for path, methods in declared.items()}
    # The resource of each path: what comes before its first converter, or the path itself.
    resources = sorted({re.split(r"/<", path, maxsplit=1)[0].rstrip("/") for path in declared})
    return other_methods, resources


OTHER_METHODS, RESOURCES = _fallback_rules()


def _answer(_controller, **_kwargs):
    path = request.httprequest.path
    method = request.httprequest.method
    allowed = compat_allowed_methods(path)
    if allowed and method not in allowed:
        error = ApiError(
            405,
            "METHOD_NOT_ALLOWED",
            "%s accepts %s." % (path, ", ".join(allowed)),
            headers={"Allow": ", ".join(allowed)},
        )
    else:
        error = ApiError(404, "NOT_FOUND", "There is no endpoint %s %s." % (method, path))
    return compat_error_response(error, uuid.uuid4().hex[:16])


class FaceApiCompatFallback(http.Controller):
    pass


# One endpoint per rule set: Odoo routes a method's rules together, so paths that refuse different
# methods get their own endpoints.
for number, (declared_path, refused) in enumerate(sorted(OTHER_METHODS.items())):
    if refused:
        endpoint = http.route(
            declared_path, type="http", auth="none", methods=list(refused), csrf=False, save_session=False
        )(_answer)
        setattr(FaceApiCompatFallback, "refused_%d" % number, endpoint)
for number, resource in enumerate(RESOURCES):
    endpoint = http.route(
        "%s/<any_path:unknown>" % resource,
        type="http",
        auth="none",
        methods=list(METHODS),
        csrf=False,
        save_session=False,
    )(_answer)
    setattr(FaceApiCompatFallback, "unknown_%d" % number, endpoint)
