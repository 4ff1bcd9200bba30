from typing import Any

from odoo import http
from odoo.http import request

from .api_common import BASE, ApiError, allowed_methods, api_route, served_document


class FaceApiOpenApi(http.Controller):
    @api_route(
        "/openapi.json",
        ["GET"],
        readonly=True,
        public=True,
        summary="This document",
        tag="System",
        answer=dict[str, Any],
        enveloped=False,
    )
    def openapi(self):
        return served_document()

    @api_route("/<any_path:unknown>", ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"], public=True)
    def unknown(self, unknown):
        """Anything else under /api/v1 is answered in the envelope too, never with Odoo's HTML page."""
        allowed = allowed_methods("/" + unknown)
        if allowed:
            raise ApiError(
                405,
                "METHOD_NOT_ALLOWED",
                "%s/%s accepts %s." % (BASE, unknown, ", ".join(allowed)),
                headers={"Allow": ", ".join(allowed)},
            )
        raise ApiError(404, "NOT_FOUND", "There is no endpoint %s %s/%s." % (request.httprequest.method, BASE, unknown))
