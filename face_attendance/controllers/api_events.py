from typing import Annotated, Any, ClassVar, Literal

from pydantic import ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from odoo import http
from odoo.http import request

from ..models.api_types import Answer, Body, PersonId
from ..models.face_recognition_event import LIVENESS_VERDICTS, MAX_BATCH, OUTCOMES
from .api_common import INT32, ApiError, api_route

# One event as the ingestion reads it. Each event is checked by the ingestion itself
# (face.recognition.event._ingest_events), which answers a bad one as "invalid" without refusing
# the others: the batch's model documents the fields but does not refuse the batch for one event.
_EVENT = {
    "type": "object",
    "properties": {
        "event_id": {"type": "string", "maxLength": 128},
        "timestamp": {"type": "string", "description": "ISO 8601; UTC when it has no offset"},
        "camera_id": INT32,
        "employee_id": INT32,
        "person_id": {"type": "string"},
        "distance": {"type": "number"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "track_id": {"type": "string"},
        "encoder": {"type": "string"},
        "snapshot": {"type": "string", "description": "Base64 JPEG"},
        "liveness_score": {"type": "number", "nullable": True, "minimum": 0, "maximum": 1},
        "liveness": {
            "type": "string",
            "nullable": True,
            "enum": [value for value, _label in LIVENESS_VERDICTS] + [None],
        },
        # The face's figures, read by learning (issue 25).
        "encoding": {"type": "string", "description": "Base64 of the face's float32 little-endian vector"},
        "face_size": {"type": "integer", "minimum": 1, "description": "Shorter side of the face box, px"},
        "sharpness": {"type": "number", "minimum": 0, "description": "Variance of the Laplacian of the face"},
        "frontal": {"type": "number", "minimum": 0, "maximum": 1, "description": "How frontal the face was"},
        "frames": {"type": "integer", "minimum": 1, "description": "Frames of the track that agreed on the person"},
    },
}
EventIn = Annotated[
    Any,
    WithJsonSchema(
        {
            "description": "A sighting: event_id, timestamp and camera_id, and employee_id or person_id or "
            "neither (an unknown face). Checked one by one: a bad event is answered invalid, the others "
            "are ingested.",
            # The event as it should be, or anything else: the batch is taken all the same, and such an
            # event answered status invalid with the reason.
            "anyOf": [_EVENT, {"description": "Anything else: answered invalid"}],
        }
    ),
]


def _also_a_list(schema):
    # The document says both forms the batch takes: the object, or the bare list of its events.
    batch = dict(schema)
    schema.clear()
    schema["anyOf"] = [batch, dict(batch["properties"]["events"], type="array")]
    schema["description"] = batch.pop("description", "")


class EventBatch(Body):
    """``{"events": [...]}``, or the list itself."""

    model_config = ConfigDict(json_schema_extra=_also_a_list)

    # A bare JSON list is read as the batch (see _bare_list): api_common reads such a body for the
    # models that say so.
    accepts_list: ClassVar[bool] = True

    events: list[EventIn] = Field(min_length=1, json_schema_extra={"maxItems": MAX_BATCH})

    @model_validator(mode="before")
    @classmethod
    def _bare_list(cls, value):
        return {"events": value} if isinstance(value, list) else value

    @field_validator("events")
    @classmethod
    def _not_too_many(cls, events):
        # Too many events is a body too large (413), as it always was, not invalid input (400).
        if len(events) > MAX_BATCH:
            raise ApiError(413, "PAYLOAD_TOO_LARGE", "At most %d events per batch." % MAX_BATCH)
        return events


class EventAnswer(Answer):
    event_id: str | None
    status: Literal["created", "exists", "invalid"]
    outcome: Literal[tuple(value for value, _label in OUTCOMES)]
    message: str
    attendance_id: int | bool = Field(description="false: none")
    employee_id: int | bool = Field(None, description="The person recognised (false: none); not on invalid events")


class EventsIngested(Answer):
    results: list[EventAnswer]
    received: int
    created: int


class NotThisPerson(Body):
    personId: PersonId = Field(None, description="Who it was, when known")  # noqa: N815  # the plan's camelCase
    reason: Annotated[str, Field(max_length=255)] = None


class CorrectedSighting(Answer):
    id: int
    eventId: str  # noqa: N815
    outcome: Literal["pending", "checked_in", "checked_out", "duplicate", "rejected", "spoof", "error"]
    message: str | None
    attendanceId: int | None  # noqa: N815
    personId: str | None = Field(description="Whose sighting it is now")  # noqa: N815
    notPersonId: str | None = Field(description="Whom it was wrongly given to")  # noqa: N815


class FaceApiEvents(http.Controller):
    @api_route(
        "/events",
        ["POST"],
        scope="events:write",
        summary="Batch of recognition events (idempotent by event_id)",
        tag="Events",
        body=EventBatch,
        answer=EventsIngested,
        description="The same ingestion as the daemons' XML-RPC method. Each event is answered in "
        "order: created, exists (sent before) or invalid (with the reason). More than %d events: 413." % MAX_BATCH,
    )
    def post_events(self, body):
        """Batch ingestion: the very same code path as the daemons' XML-RPC method."""
        return request.env["face.recognition.event"]._api_ingest(list(body.events))

    @api_route(
        "/events/<int:event_id>/not-this-person",
        ["POST"],
        scope="attendance:write",
        summary="HR's word on a sighting: not this person (managers)",
        tag="Events",
        body=NotThisPerson,
        body_required=False,
        answer=CorrectedSighting,
        description="Face Attendance managers only. Without personId the sighting is set aside (outcome "
        "rejected); with it the sighting becomes that person's. The days of both persons are decided again "
        "by the rules; the sighting keeps who corrected it, when, why and whom it was wrongly given to. "
        "The same as the backend's 'Not this person' action.",
    )
    def not_this_person(self, event_id, body):
        return request.env["face.recognition.event"]._api_not_this_person(event_id, body.personId, body.reason)
