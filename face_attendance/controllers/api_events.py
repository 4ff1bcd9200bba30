import json

from odoo import http
from odoo.http import request

from .api_common import ApiError, api_route, audit, bad_request, ok


class FaceApiEvents(http.Controller):

    @api_route('/events', ['POST'], scope='events:write')
    def post_events(self):
        """Batch ingestion: the very same code path as the daemons' XML-RPC method."""
        try:
            body = json.loads(request.httprequest.get_data(cache=True) or b'null')
        except (ValueError, UnicodeDecodeError) as error:
            raise bad_request('The request body is not valid JSON: %s' % error)
        events = body.get('events') if isinstance(body, dict) else body
        if isinstance(body, dict) and set(body) - {'events'}:
            raise bad_request('Unknown fields: %s.' % ', '.join(sorted(set(body) - {'events'})))
        if not isinstance(events, list) or not events:
            raise bad_request('Send {"events": [...]} with at least one event.')
        if len(events) > 1000:
            raise ApiError(413, 'PAYLOAD_TOO_LARGE', 'At most 1000 events per batch.')
        Event = request.env['face.recognition.event'].with_context(face_api_scope_events=True)
        answers = Event.ingest_events(events, source='api')
        created = sum(1 for a in answers if a['status'] == 'created')
        audit('events.ingest', 'face.recognition.event', '%d event(s) received, %d new' % (len(events), created))
        return ok({'results': answers, 'received': len(events), 'created': created})
