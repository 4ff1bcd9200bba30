"""The REST API's and the kiosk's body limits, applied before Odoo parses anything, also to chunked
bodies."""

import io

from odoo import models
from odoo.http import request

from .face_kiosk import MAX_FRAME_BYTES

# Room for JSON around a base64 image (4/3 of the image limit) or a multipart envelope.
BODY_OVERHEAD = 64 * 1024
# base64 of the kiosk's largest frame, with room for a data-URL prefix and the JSON around it.
KIOSK_MAX_BODY = MAX_FRAME_BYTES * 4 // 3 + 4096


def api_body_limit(env):
    return env["face.attendance.config"].sudo()._get("max_image_bytes") * 4 // 3 + BODY_OVERHEAD


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        result = super()._pre_dispatch(rule, args)
        routing = rule.endpoint.routing
        if routing.get("face_api"):
            cls._face_bound_body(api_body_limit(request.env))
        elif routing.get("face_kiosk"):
            # The kiosk's frames and PINs: at most the largest frame's body is read, chunked or not.
            cls._face_bound_body(KIOSK_MAX_BODY)
        return result

    @classmethod
    def _face_bound_body(cls, limit):
        """Read at most ``limit`` + 1 bytes of the body before Odoo parses forms or files.

        A body over the limit, announced or chunked, is replaced by an empty one and flagged: the
        endpoint answers 413 without the rest ever being read, spooled or parsed. A chunked body
        within the limit becomes an ordinary one of known length.
        """
        httprequest = request.httprequest
        # Odoo keeps the WSGI environ private and shows a filtered copy (which its headers read):
        # both must agree on the body's new shape.
        environ = httprequest._HTTPRequest__environ
        visible = httprequest.environ
        announced = environ.get("CONTENT_LENGTH")
        chunked = environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked"
        request.face_body_too_large = False
        if not chunked:
            try:
                too_large = announced not in (None, "") and int(announced) > limit
            except ValueError:
                too_large = False
            if not too_large:
                return
            data = None
        else:
            stream = environ["wsgi.input"]
            parts, size = [], 0
            while size <= limit:
                part = stream.read(min(65536, limit + 1 - size))
                if not part:
                    break
                parts.append(part)
                size += len(part)
            data = b"".join(parts) if size <= limit else None
        if data is None:
            request.face_body_too_large = True
            data = b""
        for headers in (environ, visible):
            headers.pop("HTTP_TRANSFER_ENCODING", None)
            headers["CONTENT_LENGTH"] = str(len(data))
        environ.pop("wsgi.input_terminated", None)
        environ["wsgi.input"] = io.BytesIO(data)
