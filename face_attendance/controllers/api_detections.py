"""Detections of the operations frontend: the events' history, frames pushed by cameras or providers,
and the detection providers' configuration and health."""

import time
import uuid
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, PlainValidator, WithJsonSchema, model_validator

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from ..models.api_types import WHEN_SCHEMA, Answer, Body, DateTime, Id, ImageData, PlanPaging
from ..models.face_recognition_service import FRAME_ID_MAX, FRAME_ID_PATTERN, STATUS_OUTCOMES
from ..models.security_groups import MANAGER
from .api_audit import bound
from .api_common import ApiError, api_route, audit
from .api_events import EventAnswer
from .api_recognition import ImageSize, RecognizedFace, check_marking_scope, engine_refusal

BOUND_MAX = 40
ProviderStatus = Literal["connected", "degraded", "offline"]


# ------------------------------------------------------------------ request types
def _bound(end_of_day):
    """A query's or body's moment as the audit's ``bound`` reads it: an ISO 8601 date-time (UTC
    without an offset), or a date: its start, or its last second (``end_of_day``, for ``to``)."""

    def parse(value):
        if not isinstance(value, str) or len(value) > BOUND_MAX:
            raise ValueError("an ISO 8601 date-time or a date of at most %d characters is expected" % BOUND_MAX)
        moment = bound(value, end_of_day)
        # bound's end of a day is the next day's start; this inclusive ``to`` is the second before.
        return moment - timedelta(seconds=1) if end_of_day and len(value) == 10 else moment

    return PlainValidator(parse)


# An ISO 8601 date-time (UTC without an offset) or a date, which means its first second...
StartBound = Annotated[datetime, _bound(False), WithJsonSchema(dict(WHEN_SCHEMA, maxLength=BOUND_MAX))]
# ... or, as the end of a range, its last.
EndBound = Annotated[datetime, _bound(True), WithJsonSchema(dict(WHEN_SCHEMA, maxLength=BOUND_MAX))]
FrameId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=FRAME_ID_MAX,
        pattern=FRAME_ID_PATTERN,
        description="Letters, digits and _ . : - (the sender's id of the frame: sending it again records nothing new)",
    ),
]


def _stripped(value):
    return value.strip() if value is not None else None


def _named(value):
    value = value.strip()
    if not value:
        raise ValueError("cannot be empty")
    return value


class DetectionEventsQuery(PlanPaging):
    status: Literal[tuple(STATUS_OUTCOMES)] = None
    cameraId: Id = None  # noqa: N815  # the plan's camelCase
    # "from" is a Python keyword: the field has another name, the parameter keeps its own.
    start: StartBound = Field(None, alias="from", description="ISO 8601 date-time (UTC) or date, inclusive")
    to: EndBound = Field(None, description="ISO 8601 date-time (UTC) or date (its end), inclusive")


class SendFrameBody(Body):
    cameraId: Id  # noqa: N815
    image: ImageData
    # As before the declaration, null is as absent for the optional fields.
    frameId: FrameId | None = None  # noqa: N815
    timestamp: StartBound | None = Field(None, description="Capture time, ISO 8601; default now")
    liveness: bool | None = None


class ProviderConfigBody(Body):
    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    providerName: Annotated[str, Field(min_length=1, max_length=256), AfterValidator(_named)] = None  # noqa: N815
    endpoint: Annotated[Annotated[str, Field(max_length=1024)] | None, AfterValidator(_stripped)] = Field(
        None, description="http(s) URL; null or empty: none"
    )
    enabled: bool = None
    apiKeyId: Id = Field(None, description="Another key for the provider (scope events:write)")  # noqa: N815

    @model_validator(mode="after")
    def _something(self):
        if not self.model_fields_set:
            raise ValueError("Send at least one of providerName, endpoint, enabled, apiKeyId.")
        return self


# ------------------------------------------------------------------ answers
class DetectionPayload(Answer):
    personId: str | None  # noqa: N815
    employeeId: int | None  # noqa: N815
    name: str | None
    confidence: float | None
    distance: float | None
    outcome: str
    message: str | None
    attendanceId: int | None  # noqa: N815
    source: str | None
    trackId: str | None  # noqa: N815
    liveness: str | None
    livenessScore: float | None  # noqa: N815
    hasSnapshot: bool  # noqa: N815


class DetectionEvent(Answer):
    id: int
    eventId: str  # noqa: N815
    cameraId: int | None  # noqa: N815
    cameraName: str | None  # noqa: N815
    timestamp: DateTime
    receivedAt: DateTime  # noqa: N815
    status: Literal[tuple(STATUS_OUTCOMES)]
    latencyMs: int | None  # noqa: N815
    payload: DetectionPayload


class DetectionFrame(Answer):
    jobId: str = Field(description="The frame's id: the sender's frameId, else one made here")  # noqa: N815
    status: Literal["processed"]
    cameraId: int  # noqa: N815
    providerId: int | None  # noqa: N815
    faces: list[RecognizedFace]
    count: int
    events: list[EventAnswer] = Field(description="What the ingestion (as POST /events) answered for each face")
    encoder: str
    image: ImageSize
    threshold: float
    attendanceMarked: bool  # noqa: N815
    latencyMs: float  # noqa: N815


class ProviderConfig(Answer):
    id: int
    providerName: str  # noqa: N815
    endpoint: str | None = Field(description="Managers and the provider itself only.")
    apiKey: str = Field(description="The key's public prefix, never its secret: fa_<prefix>_***")  # noqa: N815
    apiKeyId: int  # noqa: N815
    enabled: bool
    status: ProviderStatus
    lastHeartbeat: DateTime  # noqa: N815
    averageLatencyMs: float | None  # noqa: N815
    framesReceived: int  # noqa: N815
    lastFrameAt: DateTime  # noqa: N815
    lastError: str | None  # noqa: N815
    lastErrorAt: DateTime  # noqa: N815


class ProviderHealth(Answer):
    status: ProviderStatus
    latencyMs: float | None  # noqa: N815
    message: str
    lastHeartbeat: DateTime  # noqa: N815


class FaceApiDetections(http.Controller):
    @api_route(
        "/detections/events",
        ["GET"],
        readonly=True,
        scope="attendance:read",
        summary="Detection events, newest first",
        tag="Detections",
        query=DetectionEventsQuery,
        answer=DetectionEvent,
        paged=True,
        description="Every recognition event (a camera's, a daemon's, a provider's, a kiosk's). status maps "
        "the rules' outcome: received = stored, not decided yet (pending); processed = decided for "
        "attendance (checked_in, checked_out, duplicate); unknown = face not recognised; rejected = "
        "refused (rejected: future time, marking off, liveness unavailable; spoof); failed = the rules "
        "could not apply it (error). latencyMs = received - sighted (the sender's clock), in ms.",
    )
    def detection_events(self, query):
        return request.env["face.recognition.service"]._detection_events(
            query.status, query.cameraId, query.start, query.to, query.offset, query.pageSize
        )

    @api_route(
        "/detections/send-frame",
        ["POST"],
        scope="events:write",
        summary="A camera frame to recognise and record, pushed by a camera or a detection provider",
        tag="Detections",
        body=SendFrameBody,
        answer=DetectionFrame,
        extra_errors=["409"],
        description="Processed at once, not queued (the plan's 202 + job): recognised exactly as /recognize "
        "with mark_attendance (same engine, limits and liveness), each face becoming a recognition event "
        "of the camera through the same ingestion as /events. With a frameId the events are named after "
        "it, so sending the same frame again records nothing new (events answered 'exists'). The sender "
        "must be a device of the camera's daemon or a manager; a disabled provider's frames are refused "
        "(409). A provider's key counts frames, latency (Odoo's processing time) and errors.",
    )
    def send_frame(self, body):
        started = time.monotonic()
        key = request.face_api_key
        provider = request.env["face.detection.provider"]._of_key(key)
        if provider and not provider.enabled:
            raise ApiError(409, "CONFLICT", "Detection provider %s is disabled." % provider.name)
        check_marking_scope(key)
        # One frame id per HTTP request: a request retried after a concurrency error names its
        # events the same, so that they are not recorded twice.
        frame_id = body.frameId
        if not frame_id:
            frame_id = getattr(request, "face_frame_id", None) or uuid.uuid4().hex
            request.face_frame_id = frame_id
        try:
            answer, events = request.env["face.recognition.service"]._send_frame(
                body.image, body.cameraId, frame_id, body.timestamp, bool(body.liveness), namespace=key.prefix
            )
        except UserError as error:
            refusal = engine_refusal(error)
            if refusal is not error:
                provider._record_error("%s: %s" % (refusal.code, refusal.message))
            raise refusal from None
        latency = round((time.monotonic() - started) * 1000.0, 1)
        provider._record_frame(latency)
        return {
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

    @api_route(
        "/detections/provider/config",
        ["GET"],
        readonly=True,
        scope="config:read",
        summary="The detection provider's configuration and health",
        tag="Detections",
        answer=ProviderConfig,
        description="The calling key's own provider when the key is a provider's, else the company's "
        "default provider (the first enabled one). apiKey is the key's public prefix, never a secret; "
        "endpoint is shown to managers and to the provider itself only.",
    )
    def get_provider_config(self):
        key = request.face_api_key
        return request.env["face.detection.provider"]._api_current(key)._api_config(key)

    @api_route(
        "/detections/provider/config",
        ["PUT"],
        scope="config:write",
        summary="Change (or create) the detection provider's configuration",
        tag="Detections",
        body=ProviderConfigBody,
        answer=ProviderConfig,
        description="Managers only. Changes the provider GET shows; when the company has none, creates "
        "one from providerName and apiKeyId. Audited.",
    )
    def put_provider_config(self, body):
        if not request.env.user.has_group(MANAGER):
            raise ApiError(403, "FORBIDDEN", "Only Face Attendance managers configure detection providers.")
        given = body.given()
        names = {"providerName": "name", "endpoint": "endpoint", "enabled": "enabled"}
        vals = {names[name]: value for name, value in given.items() if name in names}
        if "endpoint" in vals:
            vals["endpoint"] = vals["endpoint"] or False
        key = request.face_api_key
        provider, action = request.env["face.detection.provider"]._api_configure(
            key, vals, body.apiKeyId, key_sent="apiKeyId" in given
        )
        shown = {name: value for name, value in given.items() if name != "endpoint"}
        audit(
            action,
            "face.detection.provider,%d" % provider.id,
            "Detection provider %s configured" % provider.name,
            details=dict(shown, endpointChanged="endpoint" in given),
        )
        return provider._api_config(key)

    @api_route(
        "/detections/test-provider",
        ["POST"],
        scope="config:read",
        summary="The detection provider's health, as Odoo observed it",
        tag="Detections",
        answer=ProviderHealth,
        description="Odoo does not call the provider's endpoint: a client choosing what Odoo connects to "
        "would make it a proxy into the server's network (SSRF), and providers, like cameras, often sit on "
        "networks Odoo cannot reach. The answer is the provider's recorded health: status from its last "
        "heartbeat (the key's last use or last frame) and last error, latencyMs = its average frame "
        "processing time.",
    )
    def test_provider(self):
        return request.env["face.detection.provider"]._api_test(request.face_api_key)
