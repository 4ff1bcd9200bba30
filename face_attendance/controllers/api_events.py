from odoo import http
from odoo.http import request

from .api_common import ApiError, api_route, audit, bad_request, ok, parse_json


class FaceApiEvents(http.Controller):
    @api_route("/events", ["POST"], scope="events:write")
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
