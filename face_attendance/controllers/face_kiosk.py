"""The face kiosk's page and the two requests its tablet makes; the URL's token is the only credential."""

import base64
import binascii
import json
import logging

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

from face_attendance_daemon.engine import EngineError

from ..models.face_kiosk import MAX_FRAME_BYTES, KioskRefused

_logger = logging.getLogger(__name__)

# base64 of the largest frame, with room for a data-URL prefix and the JSON around it.
MAX_BODY = MAX_FRAME_BYTES * 4 // 3 + 4096
# The name of the header that carries the token (bandit takes any "token" for a password).
TOKEN_HEADER = "X-Face-Kiosk-Token"  # nosec B105
NO_STORE = [("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer"), ("X-Robots-Tag", "noindex")]


def _answer(data, status=200):
    return request.make_json_response(data, status=status, headers=NO_STORE)


def _refused(status, code, message):
    return _answer({"state": "error", "code": code, "message": message}, status)


def _body():
    if (request.httprequest.content_length or 0) > MAX_BODY:
        raise KioskRefused(413, "PAYLOAD_TOO_LARGE", "The frame is too large.")
    raw = request.httprequest.get_data(cache=False)
    if len(raw) > MAX_BODY:
        raise KioskRefused(413, "PAYLOAD_TOO_LARGE", "The frame is too large.")
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise KioskRefused(400, "BAD_REQUEST", "The body must be a JSON object.") from None
    if not isinstance(body, dict):
        raise KioskRefused(400, "BAD_REQUEST", "The body must be a JSON object.")
    return body


def _image(value, required=True):
    if value in (None, "") and not required:
        return None
    if not isinstance(value, str) or not value:
        raise KioskRefused(400, "BAD_REQUEST", "image must be a base64 JPEG or PNG (or a data URL).")
    if value.startswith("data:"):
        value = value.partition(",")[2]
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise KioskRefused(400, "BAD_REQUEST", "image is not valid base64.") from None


class FaceKioskController(http.Controller):
    def _kiosk(self, token):
        kiosk = request.env["face.kiosk"]._from_token(token)
        if not kiosk:
            # The same answer for a wrong, regenerated or archived kiosk's token: nothing to learn.
            raise NotFound()
        return kiosk

    @http.route("/face_attendance/kiosk/<string:token>", type="http", auth="public", methods=["GET"], sitemap=False)
    def kiosk_page(self, token, **_kw):
        kiosk = self._kiosk(token)
        info = dict(kiosk._kiosk_info(), token=token)
        # QWeb's own json (script-safe: "</script>" in a kiosk's name cannot end the script) renders it.
        response = request.render("face_attendance.face_kiosk_page", {"kiosk_info": info})
        response.headers.update(dict(NO_STORE))
        return response

    def _serve(self, handler):
        try:
            # The token travels in a header, not the path: access logs and proxies keep paths.
            kiosk = self._kiosk(request.httprequest.headers.get(TOKEN_HEADER))
            return _answer(handler(kiosk, _body()))
        except KioskRefused as error:
            request.env.cr.rollback()
            return _refused(error.status, error.code, error.message)
        except EngineError as error:
            request.env.cr.rollback()
            status = 413 if error.code == "IMAGE_TOO_LARGE" else 422
            return _refused(status, error.code, error.message)

    @http.route(
        ["/face_attendance/kiosk/frame", "/face_attendance/kiosk/pin"],
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
        sitemap=False,
    )
    def kiosk_request(self, **_kw):
        """The tablet's two requests.

        /frame: {"image": base64} -> what to show (checking, greeting, unknown, spoof, ...).
        /pin: {"person_id", "pin", "image"?} -> greeting or "wrong_pin" (the PIN fallback).
        """
        if request.httprequest.path.endswith("/pin"):
            return self._serve(
                lambda kiosk, body: kiosk._process_pin(
                    body.get("person_id"), body.get("pin"), _image(body.get("image"), required=False)
                )
            )
        return self._serve(lambda kiosk, body: kiosk._process_frame(_image(body.get("image"))))
