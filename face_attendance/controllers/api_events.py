from typing import Annotated, Literal

from pydantic import Field

from odoo import http
from odoo.http import request

from ..models.api_types import Answer, Body, PersonId
from .api_common import ApiError, api_route, audit, bad_request, ok, parse_json
from .openapi_spec import INT32, json_content, obj, operation, ref, s


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
        doc=operation(
            "Batch of recognition events (idempotent by event_id)",
            "Events",
            "events:write",
            200,
            obj({"results": s("array", items=ref("EventAnswer")), "received": s("integer"), "created": s("integer")}),
            body=json_content(
                {
                    "type": "object",
                    "required": ["events"],
                    "additionalProperties": False,
                    "properties": {
                        "events": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": 1000,
                            "items": {
                                "type": "object",
                                "properties": {
                                    "event_id": s("string", maxLength=128),
                                    "timestamp": s("string"),
                                    "camera_id": INT32,
                                    "employee_id": INT32,
                                    "person_id": s("string"),
                                    "distance": s("number"),
                                    "confidence": s("number", minimum=0, maximum=1),
                                    "track_id": s("string"),
                                    "encoder": s("string"),
                                    "snapshot": s("string"),
                                    "liveness_score": s("number", nullable=True, minimum=0, maximum=1),
                                    "liveness": s("string", nullable=True, enum=["live", "spoof", "unavailable", None]),
                                },
                            },
                        }
                    },
                }
            ),
            description="The same ingestion as the daemons' XML-RPC method. Each event is answered in "
            "order: created, exists (sent before) or invalid (with the reason).",
        ),
    )
    def post_events(self):
        """Batch ingestion: the very same code path as the daemons' XML-RPC method."""
        body = parse_json(request.httprequest.get_data(cache=True) or b"null")
        events = body.get("events") if isinstance(body, dict) else body
        if isinstance(body, dict) and set(body) - {"events"}:
            raise bad_request("Unknown fields: %s." % ", ".join(sorted(set(body) - {"events"})))
        if not isinstance(events, list) or not events:
            raise bad_request('Send {"events": [...]} with at least one event.')
        if len(events) > 1000:
            raise ApiError(413, "PAYLOAD_TOO_LARGE", "At most 1000 events per batch.")
        Event = request.env["face.recognition.event"]
        Event._check_sender()
        answers = Event._ingest_events(events, "api")
        for answer in answers:
            answer["event_id"] = answer["event_id"] or None
        created = sum(1 for a in answers if a["status"] == "created")
        audit("events.ingest", "face.recognition.event", "%d event(s) received, %d new" % (len(events), created))
        return ok({"results": answers, "received": len(events), "created": created})

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
