"""A route converter for the REST API's catch-all routes: any rest of a path, line breaks included."""

from werkzeug.routing import PathConverter

from odoo import models


class AnyPathConverter(PathConverter):
    # PathConverter's "." stops at a line break: /api/v1/cameras/a%0Ab would miss the catch-all route
    # and get Odoo's HTML page instead of the API's JSON 404.
    regex = "[^/][\\s\\S]*?"


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _get_converters(cls):
        return dict(super()._get_converters(), any_path=AnyPathConverter)
