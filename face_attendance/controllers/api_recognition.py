from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from face_attendance_daemon.engine import EngineError

from ..models.face_recognition_service import LIVE_DEFAULT, LIVE_MAX
from .api_common import ApiError, api_route, bad_request, expect, json_body, ok
from .api_persons import decode_image_field
from .openapi_spec import DATETIME, INT32, image_body, obj, operation, query, ref, s


def check_marking_scope(key):
    """Marking attendance needs a key with events:write or attendance:write (the key's user is
    checked by the model: a device or a manager, as for /events)."""
    if not (key._has_scope("events:write") or key._has_scope("attendance:write")):
        raise ApiError(
            403,
            "FORBIDDEN",
            "Marking attendance needs the scope events:write or attendance:write.",
            {"required_scope": "events:write"},
        )


def engine_refusal(error):
    """The API's answer to an image the engine refused (the model's UserError caused by an
    EngineError): 413 IMAGE_TOO_LARGE, else 422 with the engine's code; other errors unchanged."""
    cause = error.__cause__
    if not isinstance(cause, EngineError):
        return error
    return ApiError(413 if cause.code == "IMAGE_TOO_LARGE" else 422, cause.code, cause.message, cause.details)


class FaceApiRecognition(http.Controller):
    @api_route(
        "/recognize",
        ["POST"],
        scope="recognize",
        doc=operation(
            "Every face of an image, with the person it matches",
            "Recognition",
            "recognize",
            200,
            obj(
                {
                    "faces": s("array", items=ref("RecognizedFace")),
                    "count": s("integer"),
                    "encoder": s("string"),
                    "image": s("object"),
                    "threshold": s("number"),
                    "liveness_threshold": s("number"),
                    "liveness_available": s("boolean"),
                    "attendance_marked": s("boolean"),
                }
            ),
            body=image_body(
                {"camera_id": INT32, "mark_attendance": s("boolean"), "liveness": s("boolean")},
                "mark_attendance needs camera_id and the scope events:write or attendance:write. With "
                "liveness=true each face gets its liveness score; with mark_attendance too, a face that is not "
                "live makes a spoof event and no attendance, and without the liveness models nothing is marked.",
            ),
        ),
    )
    def recognize(self):
        body = json_body(required=("image",), optional=("camera_id", "mark_attendance", "liveness"))
        data = decode_image_field(body["image"])
        mark = bool(expect(body, "mark_attendance", bool))
        with_liveness = bool(expect(body, "liveness", bool))
        camera_id = expect(body, "camera_id", int)
        if mark:
            if camera_id is None:
                raise bad_request(
                    "mark_attendance needs a camera_id: the camera gives the direction.", field="camera_id"
                )
            check_marking_scope(request.face_api_key)
        try:
            answer = request.env["face.recognition.service"]._recognize(data, camera_id, with_liveness, mark)
        except UserError as error:
            raise engine_refusal(error) from None
        return ok(answer)

    @api_route(
        "/detections/live",
        ["GET"],
        scope="attendance:read",
        doc=operation(
            "Latest recognitions, newest first",
            "Recognition",
            "attendance:read",
            200,
            obj({"detections": s("array", items=ref("Detection")), "count": s("integer"), "server_time": DATETIME}),
            [query("cameraId", INT32), query("limit", {"type": "integer", "minimum": 1, "maximum": 200})],
        ),
    )
    def detections_live(self, **params):
        """The latest sightings, newest first."""
        try:
            limit = int(params.get("limit", LIVE_DEFAULT))
        except (TypeError, ValueError):
            raise bad_request("limit must be an integer.") from None
        if not 1 <= limit <= LIVE_MAX:
            raise bad_request("limit must be between 1 and %d." % LIVE_MAX)
        camera_id = None
        camera_param = params.get("cameraId", params.get("camera_id"))
        if camera_param not in (None, ""):
            try:
                camera_id = int(camera_param)
            except (TypeError, ValueError):
                raise bad_request("cameraId must be an integer.") from None
        return ok(request.env["face.recognition.service"]._live_detections(camera_id, limit))
