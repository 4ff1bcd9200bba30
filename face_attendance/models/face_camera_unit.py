"""A camera unit of the enterprise README (``POST /attendance/``) logs a sighting, for every door:
the camera by id, name or the caller's only enabled camera, then the same ingestion as the daemons'
events. Devices (their daemons' cameras) and managers (their companies'), as ``ingest_events``."""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.sql import escape_psql

from .face_api_key import iso
from .face_recognition_event import EventInputError, parse_timestamp
from .hr_employee_api import MAX_ID, PersonInputError


class InvalidSighting(UserError):
    """A sighting the ingestion (or the camera lookup) refused: REST answers 422 INVALID_EVENT."""

    def __init__(self, message, details=None):
        super().__init__(message)
        self.details = details or {}


class FaceCameraUnit(models.AbstractModel):
    _name = "face.camera.unit"
    _description = "Face Attendance camera units (compatibility API)"

    @api.model
    def _camera(self, camera):
        """The camera of a sighting: its id, its name, or the caller's only enabled camera."""
        if isinstance(camera, int) and not isinstance(camera, bool):
            return camera
        Camera, domain = self.env["face.recognition.event"]._sendable_cameras()
        if camera is None:
            cameras = Camera.search(domain + [("enabled", "=", True)], limit=2)
            if len(cameras) != 1:
                raise PersonInputError(
                    "camera is required (its id or name): this key may send for %s enabled cameras."
                    % ("several" if cameras else "no"),
                    field="camera",
                )
            return cameras.id
        if not isinstance(camera, str) or not camera.strip() or len(camera) > 128:
            raise PersonInputError("camera is a camera's id or its name (at most 128 characters).", field="camera")
        cameras = Camera.search(domain + [("name", "=ilike", escape_psql(camera.strip()))], limit=2)
        if not cameras:
            raise InvalidSighting("Camera %r does not exist or is not one of yours." % camera)
        if len(cameras) > 1:
            raise InvalidSighting("Several cameras are named %r: send its id." % camera)
        return cameras.id

    @api.model
    def log_attendance(self, user_id, timestamp=None, camera=None, event_id=None, confidence=None, distance=None):
        """Record a camera unit's sighting of employee ``user_id`` (idempotent by ``event_id``; without
        one, by camera, person and second). The sighting's answer: event_id, status (created, exists),
        outcome, message, user_id, name, attendance_id (False when none), camera_id, timestamp; a
        refused one raises InvalidSighting."""
        Event = self.env["face.recognition.event"]
        if isinstance(user_id, bool) or not isinstance(user_id, int) or not -MAX_ID <= user_id <= MAX_ID:
            raise PersonInputError("user_id must be an integer.", field="user_id")
        if event_id is not None and (not isinstance(event_id, str) or len(event_id) > 128):
            raise PersonInputError("event_id is a string of at most 128 characters.", field="event_id")
        try:
            moment = parse_timestamp(timestamp) if timestamp is not None else None
        except EventInputError as error:
            raise PersonInputError(str(error), field="timestamp") from None
        moment = moment or fields.Datetime.now().replace(microsecond=0)
        Event._check_sender()
        camera_id = self._camera(camera)
        event = {
            "event_id": event_id or "enterprise:%s:%s:%s" % (camera_id, user_id, iso(moment)),
            "timestamp": iso(moment),
            "camera_id": camera_id,
            "employee_id": user_id,
        }
        for name, value in (("confidence", confidence), ("distance", distance)):
            if value is None:
                continue
            try:
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise TypeError
                event[name] = float(value)
            except (TypeError, OverflowError):
                raise PersonInputError("%s must be a number." % name, field=name) from None
        (answer,) = Event._ingest_events([event], "api")
        self.env["face.system.log"]._log(
            "Attendance of user %s from a camera unit: %s" % (user_id, answer["status"]),
            category="api",
            action="events.ingest",
            object_ref="face.recognition.event",
        )
        if answer["status"] == "invalid":
            raise InvalidSighting(answer["message"], {"event_id": event["event_id"]})
        # The ingestion commits in a transaction of its own: its answer is all this call may read
        # of the new event (this transaction's snapshot predates it).
        employee = self.env["hr.employee"].sudo().browse(answer["employee_id"] or [])
        return {
            "event_id": answer["event_id"],
            "status": answer["status"],
            "outcome": answer["outcome"],
            "message": answer["message"],
            "user_id": employee.id or False,
            "name": employee.name or False,
            "attendance_id": answer["attendance_id"] or False,
            "camera_id": camera_id,
            "timestamp": event["timestamp"],
        }
