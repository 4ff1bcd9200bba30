"""Detections of the operations frontend: the events' history, frames pushed by cameras or providers,
and the detection providers' configuration and health."""

import re
import time
import uuid
from datetime import datetime, timedelta

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from ..models.face_recognition_event import EventInputError, parse_day, parse_timestamp
from ..models.face_recognition_service import STATUS_OUTCOMES
from ..models.security_groups import MANAGER
from .api_common import (
    ApiError,
    api_route,
    audit,
    bad_request,
    expect,
    json_body,
    ok,
    ok_page,
    plan_paging,
)
from .api_persons import decode_image_field
from .api_recognition import check_marking_scope, engine_refusal
from .openapi_spec import (
    DATETIME,
    INT32,
    PLAN_PAGING,
    json_content,
    obj,
    operation,
    plan_page,
    query,
    ref,
    s,
)

DETECTION_EVENT = obj(
    {
        "id": s("integer"),
        "eventId": s("string"),
        "cameraId": s("integer", nullable=True),
        "cameraName": s("string", nullable=True),
        "timestamp": DATETIME,
        "receivedAt": DATETIME,
        "status": s("string", enum=list(STATUS_OUTCOMES)),
        "latencyMs": s("integer", nullable=True),
        "payload": obj(
            {
                "personId": s("string", nullable=True),
                "employeeId": s("integer", nullable=True),
                "name": s("string", nullable=True),
                "confidence": s("number", nullable=True),
                "distance": s("number", nullable=True),
                "outcome": s("string"),
                "message": s("string", nullable=True),
                "attendanceId": s("integer", nullable=True),
                "source": s("string", nullable=True),
                "trackId": s("string", nullable=True),
                "liveness": s("string", nullable=True),
                "livenessScore": s("number", nullable=True),
                "hasSnapshot": s("boolean"),
            }
        ),
    }
)
PROVIDER_CONFIG = obj(
    {
        "id": s("integer"),
        "providerName": s("string"),
        "endpoint": s("string", nullable=True, description="Managers and the provider itself only."),
        "apiKey": s("string", description="The key's public prefix, never its secret: fa_<prefix>_***"),
        "apiKeyId": s("integer"),
        "enabled": s("boolean"),
        "status": s("string", enum=["connected", "degraded", "offline"]),
        "lastHeartbeat": DATETIME,
        "averageLatencyMs": s("number", nullable=True),
        "framesReceived": s("integer"),
        "lastFrameAt": DATETIME,
        "lastError": s("string", nullable=True),
        "lastErrorAt": DATETIME,
    }
)
TEST_RESULT = obj(
    {
        "status": s("string", enum=["connected", "degraded", "offline"]),
        "latencyMs": s("number", nullable=True),
        "message": s("string"),
        "lastHeartbeat": DATETIME,
    }
)
FRAME_ID = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"^[A-Za-z0-9_.:-]+$"}


def parse_moment(value, name, end_of_day=False):
    """An ISO 8601 date-time (UTC without an offset), or a date: its start, or its end for ``to``."""
    if len(value or "") == 10:
        try:
            day = datetime.combine(parse_day(value), datetime.min.time())
        except EventInputError as error:
            raise bad_request("%s: %s." % (name, error), field=name) from None
        return day + timedelta(days=1, seconds=-1) if end_of_day else day
    try:
        return parse_timestamp(value)
    except (EventInputError, ValueError, OverflowError):
        raise bad_request("%s must be an ISO 8601 date-time or a date." % name, field=name) from None


def int_param(params, name):
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise bad_request("%s must be an integer." % name, field=name) from None
    if not 0 < number < 2**31:
        raise bad_request("%s is out of range." % name, field=name)
    return number


class FaceApiDetections(http.Controller):
    @api_route(
        "/detections/events",
        ["GET"],
        scope="attendance:read",
        doc=operation(
            "Detection events, newest first",
            "Detections",
            "attendance:read",
            200,
            None,
            [
                query("status", s("string", enum=list(STATUS_OUTCOMES))),
                query("cameraId", INT32),
                query("from", s("string", maxLength=40), "ISO 8601 date-time (UTC) or date, inclusive"),
                query("to", s("string", maxLength=40), "ISO 8601 date-time (UTC) or date (its end), inclusive"),
                *PLAN_PAGING,
            ],
            ok_content=plan_page(DETECTION_EVENT),
            description="Every recognition event (a camera's, a daemon's, a provider's, a kiosk's). status maps "
            "the rules' outcome: received = stored, not decided yet (pending); processed = decided for "
            "attendance (checked_in, checked_out, duplicate); unknown = face not recognised; rejected = "
            "refused (rejected: future time, marking off, liveness unavailable; spoof); failed = the rules "
            "could not apply it (error). latencyMs = received - sighted (the sender's clock), in ms.",
        ),
    )
    def detection_events(self, **params):
        number, size, offset = plan_paging(params)
        status = params.get("status") or None
        if status is not None and status not in STATUS_OUTCOMES:
            raise bad_request("status must be one of %s." % ", ".join(STATUS_OUTCOMES), field="status")
        camera_id = int_param(params, "cameraId")
        start = parse_moment(params["from"], "from") if params.get("from") else None
        end = parse_moment(params["to"], "to", end_of_day=True) if params.get("to") else None
        if start and end and end < start:
            raise bad_request("to is before from.")
        items, total = request.env["face.recognition.service"]._detection_events(
            status, camera_id, start, end, offset, size
        )
        return ok_page(items, total, number, size)

    @api_route(
        "/detections/send-frame",
        ["POST"],
        scope="events:write",
        doc=operation(
            "A camera frame to recognise and record, pushed by a camera or a detection provider",
            "Detections",
            "events:write",
            200,
            obj(
                {
                    "jobId": s("string", description="The frame's id: the sender's frameId, else one made here"),
                    "status": s("string", enum=["processed"]),
                    "cameraId": s("integer"),
                    "providerId": s("integer", nullable=True),
                    "faces": s("array", items=ref("RecognizedFace")),
                    "count": s("integer"),
                    "events": s("array", items=ref("EventAnswer")),
                    "encoder": s("string"),
                    "image": s("object"),
                    "threshold": s("number"),
                    "attendanceMarked": s("boolean"),
                    "latencyMs": s("number"),
                },
                required=["jobId", "status", "cameraId", "faces", "count", "events", "latencyMs"],
            ),
            body=json_content(
                {
                    "type": "object",
                    "required": ["cameraId", "image"],
                    "additionalProperties": False,
                    "properties": {
                        "cameraId": INT32,
                        "image": s("string", description="Base64 or a data URL (data:image/jpeg;base64,...)"),
                        "frameId": FRAME_ID,
                        "timestamp": s("string", maxLength=40, description="Capture time, ISO 8601; default now"),
                        "liveness": s("boolean"),
                    },
                }
            ),
            extra_errors=["409"],
            description="Processed at once, not queued (the plan's 202 + job): recognised exactly as /recognize "
            "with mark_attendance (same engine, limits and liveness), each face becoming a recognition event "
            "of the camera through the same ingestion as /events. With a frameId the events are named after "
            "it, so sending the same frame again records nothing new (events answered 'exists'). The sender "
            "must be a device of the camera's daemon or a manager; a disabled provider's frames are refused "
            "(409). A provider's key counts frames, latency (Odoo's processing time) and errors.",
        ),
    )
    def send_frame(self):
        started = time.monotonic()
        body = json_body(required=("cameraId", "image"), optional=("frameId", "timestamp", "liveness"))
        camera_id = expect(body, "cameraId", int)
        frame_id = expect(body, "frameId", str, 64)
        if frame_id is not None and not re.fullmatch(FRAME_ID["pattern"], frame_id):
            raise bad_request("frameId may hold letters, digits and _ . : - only.", field="frameId")
        with_liveness = bool(expect(body, "liveness", bool))
        sighted_at = None
        if body.get("timestamp") is not None:
            sighted_at = parse_moment(expect(body, "timestamp", str, 40), "timestamp")
        key = request.face_api_key
        provider = request.env["face.detection.provider"]._of_key(key)
        if provider and not provider.enabled:
            raise ApiError(409, "CONFLICT", "Detection provider %s is disabled." % provider.name)
        check_marking_scope(key)
        data = decode_image_field(body["image"])
        # One frame id per HTTP request: a request retried after a concurrency error names its
        # events the same, so that they are not recorded twice.
        if not frame_id:
            frame_id = getattr(request, "face_frame_id", None) or uuid.uuid4().hex
            request.face_frame_id = frame_id
        try:
            answer, events = request.env["face.recognition.service"]._send_frame(
                data, camera_id, frame_id, sighted_at, with_liveness, namespace=key.prefix
            )
        except UserError as error:
            refusal = engine_refusal(error)
            if refusal is not error:
                provider._record_error("%s: %s" % (refusal.code, refusal.message))
            raise refusal from None
        latency = round((time.monotonic() - started) * 1000.0, 1)
        provider._record_frame(latency)
        return ok(
            {
                "jobId": frame_id,
                "status": "processed",
                "cameraId": answer["camera_id"],
                "providerId": provider.id or None,
                "faces": answer["faces"],
                "count": answer["count"],
                "events": events,
                "encoder": answer["encoder"],
                "image": answer["image"],
                "threshold": answer["threshold"],
                "attendanceMarked": answer["attendance_marked"],
                "latencyMs": latency,
            }
        )

    @api_route(
        "/detections/provider/config",
        ["GET"],
        scope="config:read",
        doc=operation(
            "The detection provider's configuration and health",
            "Detections",
            "config:read",
            200,
            PROVIDER_CONFIG,
            description="The calling key's own provider when the key is a provider's, else the company's "
            "default provider (the first enabled one). apiKey is the key's public prefix, never a secret; "
            "endpoint is shown to managers and to the provider itself only.",
        ),
    )
    def get_provider_config(self):
        key = request.face_api_key
        return ok(request.env["face.detection.provider"]._api_current(key)._api_config(key))

    @api_route(
        "/detections/provider/config",
        ["PUT"],
        scope="config:write",
        doc=operation(
            "Change (or create) the detection provider's configuration",
            "Detections",
            "config:write",
            200,
            PROVIDER_CONFIG,
            body=json_content(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "minProperties": 1,
                    "properties": {
                        "providerName": s("string", minLength=1, maxLength=256),
                        "endpoint": s("string", nullable=True, maxLength=1024, description="http(s) URL"),
                        "enabled": s("boolean"),
                        "apiKeyId": dict(INT32, description="Another key for the provider (scope events:write)"),
                    },
                }
            ),
            description="Managers only. Changes the provider GET shows; when the company has none, creates "
            "one from providerName and apiKeyId. Audited.",
        ),
    )
    def put_provider_config(self):
        if not request.env.user.has_group(MANAGER):
            raise ApiError(403, "FORBIDDEN", "Only Face Attendance managers configure detection providers.")
        body = json_body(optional=("providerName", "endpoint", "enabled", "apiKeyId"))
        if not body:
            raise bad_request("Send at least one of providerName, endpoint, enabled, apiKeyId.")
        vals = {}
        if "providerName" in body:
            name = expect(body, "providerName", str, 256)
            if not name or not name.strip():
                raise bad_request("providerName cannot be empty.", field="providerName")
            vals["name"] = name.strip()
        if "endpoint" in body:
            vals["endpoint"] = (expect(body, "endpoint", str, 1024) or "").strip() or False
        if "enabled" in body:
            if body["enabled"] is None:
                raise bad_request("enabled must be true or false.", field="enabled")
            vals["enabled"] = expect(body, "enabled", bool)
        key_id = expect(body, "apiKeyId", int) if "apiKeyId" in body else None
        key = request.face_api_key
        provider, action = request.env["face.detection.provider"]._api_configure(
            key, vals, key_id, key_sent="apiKeyId" in body
        )
        shown = {name: value for name, value in body.items() if name != "endpoint"}
        audit(
            action,
            "face.detection.provider,%d" % provider.id,
            "Detection provider %s configured" % provider.name,
            details=dict(shown, endpointChanged="endpoint" in body),
        )
        return ok(provider._api_config(key))

    @api_route(
        "/detections/test-provider",
        ["POST"],
        scope="config:read",
        doc=operation(
            "The detection provider's health, as Odoo observed it",
            "Detections",
            "config:read",
            200,
            TEST_RESULT,
            description="Odoo does not call the provider's endpoint: a client choosing what Odoo connects to "
            "would make it a proxy into the server's network (SSRF), and providers, like cameras, often sit on "
            "networks Odoo cannot reach. The answer is the provider's recorded health: status from its last "
            "heartbeat (the key's last use or last frame) and last error, latencyMs = its average frame "
            "processing time.",
        ),
    )
    def test_provider(self):
        return ok(request.env["face.detection.provider"]._api_test(request.face_api_key))
