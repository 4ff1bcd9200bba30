"""Data for the live monitor screen: the latest sightings of each camera, the active alerts and the
banner messages."""

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .security_groups import MANAGER, USER


class FaceRecognitionEventLive(models.Model):
    _inherit = "face.recognition.event"

    @api.model
    def live_monitor_data(self, per_camera=6):
        """One tile per camera (enabled first), each with its latest sightings, newest first."""
        if not self.env.user.has_group(USER):
            raise AccessError(self.env._("Only Face Attendance users open the live monitor."))
        if isinstance(per_camera, bool) or not isinstance(per_camera, int) or not 1 <= per_camera <= 50:
            raise ValidationError(self.env._("per_camera is a number from 1 to 50."))
        tz = pytz.timezone(self.env.user.tz or "UTC")
        can_see_snapshots = self.env.user.has_group(MANAGER)
        tiles = []
        for camera in self.env["face.camera"].search([], order="enabled desc, name"):
            events = self.search([("camera_id", "=", camera.id)], limit=per_camera, order="sighted_at desc, id desc")
            tiles.append(
                {
                    "id": camera.id,
                    "name": camera.name,
                    "direction": camera.direction,
                    "status": camera.status,
                    "location": camera.location or "",
                    "fps": round(camera.fps, 1),
                    "last_frame": camera.last_frame_at
                    and pytz.utc.localize(camera.last_frame_at).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                    "events": [
                        {
                            "id": event.id,
                            "person": event.employee_id.name or "",
                            "outcome": event.outcome,
                            "outcome_label": dict(self._fields["outcome"].selection)[event.outcome],
                            "confidence": round(event.confidence * 100) if event.employee_id else None,
                            "time": pytz.utc.localize(event.sighted_at).astimezone(tz).strftime("%H:%M:%S"),
                            "snapshot": can_see_snapshots and event.has_snapshot,
                        }
                        for event in events
                    ],
                }
            )
        return {
            "cameras": tiles,
            # Active alerts and banners of the user's companies (record rules), pushed like sightings.
            "alerts": self.env["face.alert"]._live_alerts(),
            "banners": self.env["face.banner.message"]._live_banners(),
            "server_time": fields.Datetime.to_string(fields.Datetime.now()),
        }
