"""The face kiosk's page and the requests its tablet makes: the URL's token names the kiosk, the paired
tablet's cookie proves the request comes from it."""

import base64
import binascii
import json
import logging

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

from face_attendance_daemon.engine import EngineError

from ..models.face_kiosk import KioskRefused
from ..models.ir_http import KIOSK_MAX_BODY

_logger = logging.getLogger(__name__)

MAX_BODY = KIOSK_MAX_BODY
# The name of the header that carries the token (bandit takes any "token" for a password).
TOKEN_HEADER = "X-Face-Kiosk-Token"  # nosec B105
# The paired tablet's secret: HttpOnly (no script reads it), Secure, SameSite=Strict, sent to the
# kiosk's URLs only.
DEVICE_COOKIE = "fa_kiosk_device"
DEVICE_COOKIE_PATH = "/face_attendance/kiosk/"
DEVICE_COOKIE_AGE = 5 * 365 * 24 * 3600
# A kiosk is never framed (a page framing it could overlay the PIN pad) and runs only its own assets.
# OWL compiles its templates in the browser ('unsafe-eval'); the camera is a media stream.
PAGE_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' blob: mediastream:; font-src 'self' data:; "
    "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; object-src 'none'; "
    "frame-ancestors 'none'"
)
API_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
NO_STORE = [
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Robots-Tag", "noindex"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
]


def _answer(data, status=200):
    return request.make_json_response(data, status=status, headers=NO_STORE + [("Content-Security-Policy", API_CSP)])


def _refused(status, code, message):
    return _answer({"state": "error", "code": code, "message": message}, status)


def _body():
    # The body was bounded before dispatch (ir.http, face_kiosk routes): chunked or not, no more
    # than MAX_BODY + 1 bytes were read.
    if getattr(request, "face_body_too_large", False) or (request.httprequest.content_length or 0) > MAX_BODY:
        raise KioskRefused(413, "PAYLOAD_TOO_LARGE", "The frame is too large.")
    raw = request.httprequest.get_data(cache=False)
    if len(raw) > MAX_BODY:
        raise KioskRefused(413, "PAYLOAD_TOO_LARGE", "The frame is too large.")
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, RecursionError):
        # RecursionError: a few kilobytes of nested brackets exhaust the parser's stack.
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
        info = dict(
            kiosk._kiosk_info(),
            token=token,
            paired=bool(kiosk._paired_device(request.httprequest.cookies.get(DEVICE_COOKIE))),
        )
        # QWeb's own json (script-safe: "</script>" in a kiosk's name cannot end the script) renders it.
        response = request.render("face_attendance.face_kiosk_page", {"kiosk_info": info})
        response.headers.update(dict(NO_STORE, **{"Content-Security-Policy": PAGE_CSP}))
        return response

    def _serve(self, handler, paired=True):
        try:
            # The token travels in a header, not the path: access logs and proxies keep paths.
            kiosk = self._kiosk(request.httprequest.headers.get(TOKEN_HEADER))
            body = _body()
            if paired:
                kiosk._require_device(request.httprequest.cookies.get(DEVICE_COOKIE))
            return handler(kiosk, body)
        except KioskRefused as error:
            if not error.counted:
                request.env.cr.rollback()
            return _refused(error.status, error.code, error.message)
        except EngineError as error:
            request.env.cr.rollback()
            status = 413 if error.code == "IMAGE_TOO_LARGE" else 422
            return _refused(status, error.code, error.message)

    @http.route(
        ["/face_attendance/kiosk/frame", "/face_attendance/kiosk/pin", "/face_attendance/kiosk/pair"],
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
        sitemap=False,
        face_kiosk=True,
    )
    def kiosk_request(self, **_kw):
        """The tablet's requests; frames and PINs only from a paired tablet.

        /frame: {"image": base64} -> what to show (checking, greeting, unknown, spoof, ...).
        /pin: {"person_id", "pin", "image"?} -> greeting or "wrong_pin" (the PIN fallback).
        /pair: {"code"} -> the tablet's secret in its cookie (the code a manager read on the kiosk form).
        """
        path = request.httprequest.path
        if path.endswith("/pair"):
            return self._serve(self._pair, paired=False)
        if path.endswith("/pin"):
            return self._serve(
                lambda kiosk, body: _answer(
                    kiosk._process_pin(
                        body.get("person_id"), body.get("pin"), _image(body.get("image"), required=False)
                    )
                )
            )
        return self._serve(lambda kiosk, body: _answer(kiosk._process_frame(_image(body.get("image")))))

    def _pair(self, kiosk, body):
        secret = kiosk._pair_device(body.get("code"), request.httprequest.headers.get("User-Agent", ""))
        response = _answer({"state": "paired"})
        response.set_cookie(
            DEVICE_COOKIE,
            secret,
            max_age=DEVICE_COOKIE_AGE,
            path=DEVICE_COOKIE_PATH,
            secure=True,
            httponly=True,
            samesite="Strict",
        )
        return response
