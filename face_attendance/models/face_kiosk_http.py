"""The kiosk's body limit, applied before Odoo reads or parses the body, chunked bodies included."""

from odoo import models

from .face_kiosk import MAX_FRAME_BYTES

# base64 of the largest frame, with room for a data-URL prefix and the JSON around it.
KIOSK_MAX_BODY = MAX_FRAME_BYTES * 4 // 3 + 4096


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        result = super()._pre_dispatch(rule, args)
        if rule.endpoint.routing.get("face_kiosk"):
            # At most KIOSK_MAX_BODY + 1 bytes are read; a larger body is flagged for a 413.
            cls._face_bound_body(KIOSK_MAX_BODY)
        return result
