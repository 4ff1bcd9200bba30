"""The API's documentation pages: /api/v1/docs (Swagger UI) and /api/v1/redoc (ReDoc).

Both read the one OpenAPI document ``/openapi.json`` serves. Their code is not the addon's: it is the
distribution builds that the Python package ``drf-spectacular-sidecar`` ships (Swagger UI's
``swagger-ui-dist`` and ReDoc's ``redoc.standalone.js``, released with each of theirs), installed by
the set-up (requirements-nodeps.txt) and served by this controller from where pip put them, so a
reader's browser fetches nothing from another origin. The addon adds a page frame and the few lines
that start each viewer (``static/api_docs/``): files, because the pages' policy runs no inline script.
"""

import functools
import importlib.util
import os
import secrets

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import Stream, request

from .api_common import BASE, api_route

# Where the pages load the viewers' files from (this controller, below).
LIB = "/face_attendance/api_docs/lib"
# What may be asked of the package: nothing else of the site-packages folder is ever served.
LIB_FILES = {
    "swagger-ui-bundle.js": ("swagger-ui-dist/swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": ("swagger-ui-dist/swagger-ui.css", "text/css"),
    "redoc.standalone.js": ("redoc/bundles/redoc.standalone.js", "text/javascript"),
}
# The viewers' files change only with the package: an hour in the browser's cache, then revalidated.
LIB_MAX_AGE = 3600

_COMMON_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
)
# Swagger UI: its stylesheet draws its icons as data: images; blob: shows an image the API answered
# (a snapshot) when it is tried out.
DOCS_POLICY = "; ".join(_COMMON_POLICY + ("style-src 'self'", "img-src 'self' data: blob:"))
# ReDoc styles its page with <style> elements it inserts (styled-components): they carry the nonce
# of the response (ReDoc's ``nonce`` option, ``redoc`` below), no other inline style is allowed. Its
# search runs in a worker it makes from a blob of its own code (only a script of this server can).
REFERENCE_POLICY = "; ".join(_COMMON_POLICY + ("img-src 'self' data:", "worker-src 'self' blob:"))


def security_headers(policy):
    return [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Security-Policy", policy),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        # The pages are tiny frames; the document they load is the one of the moment.
        ("Cache-Control", "no-cache"),
    ]


@functools.cache
def lib_root():
    """The package's folder of distribution builds, or None when it is not installed. Found, not
    imported: the package's ``__init__`` imports Django, which the addon does not need."""
    spec = importlib.util.find_spec("drf_spectacular_sidecar")
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.join(list(spec.submodule_search_locations)[0], "static", "drf_spectacular_sidecar")


def _page(template, **values):
    lang = request.env.context.get("lang") or "en_US"
    values.update(base=BASE, lib=LIB, lang_tag=lang.replace("_", "-"))
    return request.env["ir.qweb"]._render(template, values)


class FaceApiDocs(http.Controller):
    @api_route(
        "/docs",
        ["GET"],
        readonly=True,
        public=True,
        summary="Interactive documentation of this API (Swagger UI)",
        tag="Documentation",
        produces="text/html",
        description="Swagger UI on `/openapi.json`: every operation by tag; *Authorize* with an API "
        "key (kept in the page's memory) and *Try it out*.",
    )
    def docs(self):
        return request.make_response(_page("face_attendance.api_docs_page"), headers=security_headers(DOCS_POLICY))

    @api_route(
        "/redoc",
        ["GET"],
        readonly=True,
        public=True,
        summary="Reference of this API (ReDoc)",
        tag="Documentation",
        produces="text/html",
        description="ReDoc on `/openapi.json`: every operation on one page, with its schemas and samples.",
    )
    def redoc(self):
        nonce = secrets.token_urlsafe(18)
        policy = "%s; style-src 'self' 'nonce-%s'" % (REFERENCE_POLICY, nonce)
        html = _page("face_attendance.api_reference_page", nonce=nonce)
        return request.make_response(html, headers=security_headers(policy))

    @http.route(LIB + "/<string:name>", type="http", auth="none", methods=["GET"], csrf=False, save_session=False)
    def lib(self, name):
        """One of the viewers' files, from the installed package (the names of ``LIB_FILES`` only)."""
        root = lib_root()
        if name not in LIB_FILES or root is None:
            raise NotFound()
        relative, mimetype = LIB_FILES[name]
        path = os.path.join(root, relative)
        if not os.path.isfile(path):
            raise NotFound()
        stream = Stream(type="path", path=path, mimetype=mimetype, size=os.path.getsize(path), max_age=LIB_MAX_AGE)
        stream.last_modified = os.path.getmtime(path)
        return stream.get_response()
