"""Recognition of faces in images, inside Odoo: the one path of ``/recognize``, ``/detections/send-frame``,
``/detections/live``, XML-RPC/JSON-RPC and the face kiosk.

Detection, encoding, matching against the company's gallery and liveness are done here, once; a
recognised face becomes an event through the one ingestion (``face.recognition.event._ingest_events``).

Public methods are RPC entry points: each checks its caller itself (groups and companies of the Odoo
user, never a flag of the context or an argument) and answers values XML-RPC can carry (False for
nothing). The REST routes call the private methods they wrap, which make the same checks and answer
null for nothing; what belongs to an API key (its scopes, its provider) is checked by the routes.
"""

import base64
import binascii
import re
import uuid

from odoo import api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError

from face_attendance_daemon.engine import (
    EngineError,
    IdentifiedFace,
    decode_image,
    frontal_score,
    largest_face,
    vector_to_bytes,
)
from face_attendance_daemon.engine.liveness import check_face
from face_attendance_daemon.engine.quality import sharpness

from .api_errors import RuleError
from .face_api_key import iso
from .face_recognition_event import EventInputError, parse_timestamp
from .security_groups import DEVICE, USER

# Faces smaller than this are reported but not matched: too few pixels to tell people apart.
RECOGNIZE_MIN_FACE = 32
LIVE_DEFAULT, LIVE_MAX = 20, 200
LIVE_FIELDS = [
    "event_uid",
    "sighted_at",
    "camera_id",
    "employee_id",
    "confidence",
    "outcome",
    "attendance_id",
    "has_snapshot",
    "track_id",
]
# The operations plan's statuses of a detection event, from the event's outcome (what the rules decided).
STATUS_OUTCOMES = {
    "received": ("pending",),
    "processed": ("checked_in", "checked_out", "duplicate"),
    "unknown": ("unknown",),
    "rejected": ("rejected", "spoof"),
    "failed": ("error",),
}
OUTCOME_STATUS = {outcome: status for status, outcomes in STATUS_OUTCOMES.items() for outcome in outcomes}
EVENT_FIELDS = [
    "event_uid",
    "sighted_at",
    "received_at",
    "camera_id",
    "employee_id",
    "confidence",
    "distance",
    "outcome",
    "message",
    "attendance_id",
    "source",
    "track_id",
    "liveness",
    "liveness_score",
    "has_snapshot",
]
EVENTS_MAX = 200
# A frame id names the frame's events: letters, digits and _ . : - only.
FRAME_ID_PATTERN = r"^[A-Za-z0-9_.:-]+$"
FRAME_ID_MAX = 64


def rpc_safe(value):
    """``value`` with every None turned into False: XML-RPC cannot carry None."""
    if value is None:
        return False
    if isinstance(value, dict):
        return {key: rpc_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [rpc_safe(item) for item in value]
    return value


def audit(env, action, object_ref, message, details=None):
    """The log line of a call that changed data, as the API's: the REST request's key is named in it."""
    env["face.system.log"]._log_api(action, object_ref, message, details)


def live_status(event):
    """authorized: a known person the rules accepted or will decide on; unknown; rejected otherwise."""
    if event["outcome"] == "unknown" or not event["employee_id"]:
        return "unknown"
    if event["outcome"] in ("checked_in", "checked_out", "duplicate", "pending"):
        return "authorized"
    return "rejected"


def live_dict(event, camera_names, people):
    """A sighting (an event row, plain ids) as /detections/live shows it."""
    employee = event["employee_id"]
    person_ref, name = people.get(employee, (None, None)) if employee else (None, None)
    return {
        "id": event["id"],
        "event_id": event["event_uid"],
        "timestamp": iso(event["sighted_at"]),
        "camera_id": event["camera_id"] or None,
        "camera_name": camera_names.get(event["camera_id"]),
        "employee_id": employee or None,
        "person_name": name,
        "person_id": person_ref,
        "confidence": event["confidence"] if employee else None,
        "outcome": event["outcome"],
        "attendance_id": event["attendance_id"] or None,
        "has_snapshot": event["has_snapshot"],
        # The operations frontend's names for the same sighting.
        "personId": person_ref,
        "name": name,
        "cameraId": event["camera_id"] or None,
        "trackId": event["track_id"] or None,
        "status": live_status(event),
        "boundingBox": None,
        "thumbnail": None,
    }


def detection_item(row, camera_names, people):
    """An event row (plain ids) as the operations plan's detection event."""
    person_ref, name = people.get(row["employee_id"], (None, None))
    latency = None
    if row["sighted_at"] and row["received_at"]:
        latency = int((row["received_at"] - row["sighted_at"]).total_seconds() * 1000)
    return {
        "id": row["id"],
        "eventId": row["event_uid"],
        "cameraId": row["camera_id"] or None,
        "cameraName": camera_names.get(row["camera_id"]),
        "timestamp": iso(row["sighted_at"]),
        "receivedAt": iso(row["received_at"]),
        "status": OUTCOME_STATUS.get(row["outcome"], "failed"),
        "latencyMs": latency,
        "payload": {
            "personId": person_ref,
            "employeeId": row["employee_id"] or None,
            "name": name,
            "confidence": row["confidence"] if row["employee_id"] else None,
            "distance": row["distance"] if row["employee_id"] else None,
            "outcome": row["outcome"],
            "message": row["message"] or None,
            "attendanceId": row["attendance_id"] or None,
            "source": row["source"] or None,
            "trackId": row["track_id"] or None,
            "liveness": row["liveness"] or None,
            "livenessScore": row["liveness_score"] if row["liveness"] else None,
            "hasSnapshot": bool(row["has_snapshot"]),
        },
    }


class FaceRecognitionService(models.AbstractModel):
    _name = "face.recognition.service"
    _description = "Face recognition of images and camera frames"

    # ------------------------------------------------------------------ public (RPC)
    @api.model
    def recognize(self, image, camera_id=False, liveness=False, mark_attendance=False):
        """Every face of ``image`` (base64, or a data URL) with the person it matches.

        ``camera_id``: the camera whose threshold and minimum face size apply (a camera the caller may
        read); with ``mark_attendance`` each face becomes a recognition event of that camera (devices
        and managers only). ``liveness``: each face gets its liveness score (a camera that enforces
        liveness gets it unasked). Face Attendance users, managers and devices may call it; a face is
        named only to a caller who may read that person.
        """
        self._check_recognizer()
        return rpc_safe(self._recognize(self._image_bytes(image), camera_id, liveness, mark_attendance))

    @api.model
    def send_frame(self, image, camera_id, frame_id=False, timestamp=False, liveness=False):
        """A camera frame to recognise and record, as a camera or a detection provider pushes it.

        Devices (for their own daemons' cameras) and managers (any camera of their companies) only.
        ``frame_id`` names the events (``frame-u<uid>-<frame_id>-<n>``): sending the same frame again
        records nothing new. ``timestamp``: capture time, ISO 8601 (default now).
        """
        self._check_marker()
        sighted_at = None
        if timestamp:
            try:
                sighted_at = parse_timestamp(timestamp)
            except (EventInputError, ValueError, TypeError, OverflowError):
                raise ValidationError(self.env._("timestamp must be an ISO 8601 date-time.")) from None
        answer, events = self._send_frame(
            self._image_bytes(image), camera_id, frame_id or None, sighted_at, liveness, "u%d" % self.env.uid
        )
        return rpc_safe(dict(answer, events=events))

    @api.model
    def live_detections(self, camera_id=False, limit=LIVE_DEFAULT):
        """The latest sightings the caller may read, newest first (Face Attendance users)."""
        return rpc_safe(self._live_detections(camera_id or None, limit))

    @api.model
    def detection_events(self, status=False, camera_id=False, date_from=False, date_to=False, offset=0, limit=20):
        """Recognition events the caller may read, newest first, as the operations plan's detection
        events (Face Attendance users): {"items", "total"}. ``status``: received, processed, unknown,
        rejected or failed; ``date_from``/``date_to``: UTC date-times, inclusive."""
        try:
            start = fields.Datetime.to_datetime(date_from) if date_from else None
            end = fields.Datetime.to_datetime(date_to) if date_to else None
        except (ValueError, TypeError):
            raise ValidationError(self.env._("date_from and date_to must be date-times.")) from None
        items, total = self._detection_events(status or None, camera_id or None, start, end, offset, limit)
        return rpc_safe({"items": items, "total": total})

    # ------------------------------------------------------------------ who may
    @api.model
    def _check_recognizer(self):
        """Who may have faces recognised: Face Attendance users, managers and devices."""
        user = self.env.user
        if self.env.su or user.has_group(USER) or user.has_group(DEVICE):
            return
        raise AccessError(self.env._("Only Face Attendance users and devices may recognise faces."))

    @api.model
    def _check_marker(self):
        """Who may turn recognised faces into events: devices and managers, as for events."""
        self.env["face.recognition.event"]._check_sender()

    @api.model
    def _check_reader(self):
        user = self.env.user
        if self.env.su or user.has_group(USER):
            return
        raise AccessError(self.env._("Only Face Attendance users read the recognitions."))

    # ------------------------------------------------------------------ the REST routes' methods
    @api.model
    def _recognize(self, data, camera_id=None, liveness=False, mark_attendance=False):
        """/recognize: the answer of ``_recognize_frame`` for image bytes, after the caller's checks."""
        self._check_recognizer()
        camera = self.env["face.camera"]
        if camera_id is not None and camera_id is not False:
            camera = self._readable_camera(camera_id)
        if mark_attendance:
            if not camera:
                raise ValidationError(self.env._("mark_attendance needs a camera_id: the camera gives the direction."))
            self._check_marker()
        answer, _events = self._recognize_frame(data, camera, bool(liveness), bool(mark_attendance))
        return answer

    @api.model
    def _send_frame(self, data, camera_id, frame_id=None, sighted_at=None, liveness=False, namespace=None):
        """/detections/send-frame: recognise a frame of a camera the caller sends for and record each
        face. (answer with its ``frame_id`` and ``camera_id``, ingestion answers); the events are named
        ``frame-<namespace>-<frame_id>-<n>`` (the REST route's namespace is its key's prefix)."""
        self._check_marker()
        if frame_id is not None and (
            not isinstance(frame_id, str)
            or len(frame_id) > FRAME_ID_MAX
            or not re.fullmatch(FRAME_ID_PATTERN, frame_id)
        ):
            raise ValidationError(self.env._("frameId may hold letters, digits and _ . : - only."))
        camera = self._sendable_camera(camera_id)
        frame_id = frame_id or uuid.uuid4().hex
        namespace = namespace or "u%d" % self.env.uid

        def event_ids(count):
            return ["frame-%s-%s-%d" % (namespace, frame_id, n) for n in range(1, count + 1)]

        answer, events = self._recognize_frame(
            data, camera, bool(liveness), True, source="frame", event_ids=event_ids, sighted_at=sighted_at
        )
        for event in events:
            event["event_id"] = event["event_id"] or None
        return dict(answer, frame_id=frame_id, camera_id=camera.id), events

    @api.model
    def _live_detections(self, camera_id=None, limit=LIVE_DEFAULT):
        """/detections/live: the latest sightings, newest first: one indexed query, no per-row ORM work."""
        self._check_reader()
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= LIVE_MAX:
            raise ValidationError(self.env._("limit must be between 1 and %s.", LIVE_MAX))
        domain = []
        if camera_id is not None:
            if isinstance(camera_id, bool) or not isinstance(camera_id, int):
                raise ValidationError(self.env._("cameraId must be an integer."))
            domain.append(("camera_id", "=", camera_id))
        # Plain ids (load=None): no display names computed per row; names come in two reads.
        rows = self.env["face.recognition.event"].search_read(
            domain, LIVE_FIELDS, limit=limit, order="sighted_at desc, id desc", load=None
        )
        people, cameras = self._sighting_names(rows)
        return {
            "detections": [live_dict(row, cameras, people) for row in rows],
            "count": len(rows),
            "server_time": iso(fields.Datetime.now()),
        }

    @api.model
    def _detection_events(self, status=None, camera_id=None, start=None, end=None, offset=0, limit=20):
        """/detections/events: (detection events, total) of the events the caller may read."""
        self._check_reader()
        if status is not None and status not in STATUS_OUTCOMES:
            raise ValidationError(self.env._("status must be one of %s.", ", ".join(STATUS_OUTCOMES)))
        for value, low, high in ((offset, 0, 10**9), (limit, 1, EVENTS_MAX)):
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValidationError(self.env._("limit must be between 1 and %s, offset at least 0.", EVENTS_MAX))
        if camera_id is not None and (isinstance(camera_id, bool) or not isinstance(camera_id, int)):
            raise ValidationError(self.env._("cameraId must be an integer."))
        if start and end and end < start:
            raise RuleError(self.env._("to is before from."), "to")
        domain = []
        if status:
            domain.append(("outcome", "in", list(STATUS_OUTCOMES[status])))
        if camera_id:
            domain.append(("camera_id", "=", camera_id))
        if start:
            domain.append(("sighted_at", ">=", start))
        if end:
            domain.append(("sighted_at", "<=", end))
        Event = self.env["face.recognition.event"]
        rows = Event.search_read(
            domain, EVENT_FIELDS, offset=offset, limit=limit, order="sighted_at desc, id desc", load=None
        )
        people, cameras = self._sighting_names(rows)
        return [detection_item(row, cameras, people) for row in rows], Event.search_count(domain)

    # ------------------------------------------------------------------ helpers
    @api.model
    def _image_bytes(self, image):
        """Image bytes from RPC: bytes as they are, text as base64 (or a data URL)."""
        if isinstance(image, bytes):
            return image
        if not isinstance(image, str) or not image:
            raise ValidationError(self.env._("image must be a base64 JPEG or PNG (or a data URL)."))
        if image.startswith("data:"):
            image = image.partition(",")[2]
        try:
            return base64.b64decode(image, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(self.env._("image is not valid base64.")) from None

    @api.model
    def _readable_camera(self, camera_id):
        """The camera ``camera_id`` if the caller may read it, else MissingError (the same answer for
        another company's camera as for none)."""
        camera = self.env["face.camera"]
        if isinstance(camera_id, int) and not isinstance(camera_id, bool) and 0 < camera_id < 2**31:
            camera = camera.search([("id", "=", camera_id)])
        if not camera:
            raise MissingError(self.env._("Camera %s does not exist.", camera_id))
        return camera

    @api.model
    def _sendable_camera(self, camera_id):
        """The camera ``camera_id`` if the caller may send events for it (a device: its own daemons')."""
        Camera, domain = self.env["face.recognition.event"]._sendable_cameras()
        camera = Camera.browse()
        if isinstance(camera_id, int) and not isinstance(camera_id, bool) and 0 < camera_id < 2**31:
            camera = Camera.search(domain + [("id", "=", camera_id)])
        if not camera:
            raise MissingError(self.env._("Camera %s does not exist or is not one of yours.", camera_id))
        return camera

    @api.model
    def _threshold(self, encoder, camera=None):
        """The match threshold: the camera's own, else the configured one, else the encoder's."""
        return (camera and camera.match_threshold) or self.env["face.attendance.config"]._match_threshold(encoder)

    @api.model
    def _detect_faces(self, image, encoder, min_face, detect_side=None, largest=False):
        """The faces of ``image`` at least ``min_face`` big (only the largest with ``largest``);
        ``detect_side``: detect on a copy scaled down to that side (a kiosk's large faces)."""
        found = encoder.detect_downscaled(image, detect_side) if detect_side else encoder.detect(image)
        faces = [face for face in found if face.size >= min_face]
        if largest:
            return [largest_face(faces)] if faces else []
        return faces

    @api.model
    def _match_faces(self, image, faces, encoder, threshold):
        """Each face encoded (in one batch) and matched against the gallery of the environment's
        companies: IdentifiedFace items, in order. Person keys are employee ids."""
        if not faces:
            return []
        gallery = self.env["face.template.gallery"]._get(encoder)
        vectors = encoder.encode_many(image, faces)
        matches = gallery.match_many(vectors, threshold)
        return [
            IdentifiedFace(face, match, vector) for face, match, vector in zip(faces, matches, vectors, strict=True)
        ]

    @api.model
    def _identify(self, image, encoder, camera=None, min_face=None, detect_side=None, largest=False):
        """Detection then matching: (IdentifiedFace items, threshold)."""
        threshold = self._threshold(encoder, camera)
        min_face = min_face or (camera and camera.min_face_size) or RECOGNIZE_MIN_FACE
        faces = self._detect_faces(image, encoder, min_face, detect_side=detect_side, largest=largest)
        return self._match_faces(image, faces, encoder, threshold), threshold

    @api.model
    def _liveness(self, checker, image, box):
        """The liveness result of one face (UNAVAILABLE without a checker)."""
        return check_face(checker, image, box, self.env["face.attendance.config"]._get("liveness_threshold"))

    @api.model
    def _decode(self, data):
        """Image bytes decoded within the configured size; the engine's refusal as a UserError whose
        cause is the EngineError (the REST routes answer its code: NOT_AN_IMAGE, IMAGE_TOO_LARGE)."""
        try:
            return decode_image(data, max_bytes=self.env["face.attendance.config"]._get("max_image_bytes"))
        except EngineError as error:
            raise UserError(error.message) from error

    @api.model
    def _visible_employees(self, employee_ids):
        """The employees among ``employee_ids`` the caller may read."""
        Employee = self.env["hr.employee"]
        return Employee.browse(employee_ids)._filtered_access("read") if Employee.has_access("read") else Employee

    @api.model
    def _recognize_frame(self, data, camera, with_liveness, mark, source="recognize", event_ids=None, sighted_at=None):
        """Every face of the image ``data`` with the person it matches; with ``mark``, each face becomes a
        recognition event of ``camera`` through the one ingestion. The caller was checked.

        ``event_ids(count)`` names the events (idempotent senders give stable ids); ``sighted_at`` is
        the capture time (default now). Returns (answer, ingestion answers or []).
        """
        # A camera that enforces liveness gets it whether or not the caller asked.
        with_liveness = with_liveness or bool(camera and camera.liveness_mode == "enforce")
        config = self.env["face.attendance.config"]
        encoder = config._encoder()
        image = self._decode(data)
        found, threshold = self._identify(image, encoder, camera)
        checker = None
        if with_liveness:
            checker, _reason = config._liveness_checker()
            liveness_threshold = config._get("liveness_threshold")
        # Names and ids only of persons the caller may read; a face that matches nobody (or nobody
        # they may see) gets no distance, so that a stranger cannot climb towards a match.
        visible = self._visible_employees([f.match.person_key for f in found if f.match.matched])
        faces = []
        for item in found:
            seen = item.match.matched and item.match.person_key in visible.ids
            employee = visible.browse(item.match.person_key) if seen else visible.browse()
            x, y, width, height = item.box
            faces.append(
                {
                    "box": {"x": x, "y": y, "width": width, "height": height},
                    "detector_score": round(float(item.face.score), 4),
                    "person_id": employee.person_ref or None if employee else None,
                    "employee_id": employee.id or None,
                    "name": employee.name or None if employee else None,
                    "distance": round(item.match.distance, 4) if employee else None,
                    "confidence": round(item.match.confidence, 4) if employee else None,
                }
            )
            if with_liveness:
                faces[-1]["liveness"] = self._liveness(checker, image, item.box).as_dict()
        answers = []
        if mark and faces:
            answers = self._mark(
                found, faces, camera, encoder, with_liveness, source, event_ids, sighted_at, image=image
            )
        answer = {
            "faces": faces,
            "count": len(faces),
            "encoder": encoder.tag,
            "image": {"width": int(image.shape[1]), "height": int(image.shape[0])},
            "threshold": threshold,
            "attendance_marked": bool(mark and faces),
        }
        if with_liveness:
            answer.update(liveness_threshold=liveness_threshold, liveness_available=checker is not None)
        return answer, answers

    @api.model
    def _mark(self, found, faces, camera, encoder, with_liveness, source, event_ids, sighted_at, image=None):
        """Each recognised face as an event of ``camera``; ``faces`` get the events' outcomes. The events
        carry the face's vector and quality figures (``image``: the frame they were measured on), as a
        daemon's do: what learning and HR's corrections read."""
        moment = sighted_at or fields.Datetime.now()
        names = event_ids(len(faces)) if event_ids else ["recognize-%s" % uuid.uuid4().hex for _face in faces]
        # The event names whom the engine matched, whether or not the sender may read that person (a
        # device may not): ingestion checks the person against the camera's company.
        events = [
            {
                "event_id": name,
                "timestamp": moment.isoformat() + "Z",
                "camera_id": camera.id,
                "employee_id": item.match.person_key if item.match.matched else None,
                "distance": round(item.match.distance, 4) if item.match.matched else None,
                "confidence": round(item.match.confidence, 4) if item.match.matched else None,
                "encoder": encoder.tag,
            }
            for name, item in zip(names, found, strict=True)
        ]
        for event, item in zip(events, found, strict=True):
            event.update(self._face_figures(item, image))
        if with_liveness:
            # Asked for, liveness decides: not live is a spoof, and an unavailable check marks nothing.
            for event, face in zip(events, faces, strict=True):
                live = face["liveness"]["live"]
                event.update(
                    liveness_score=face["liveness"]["score"],
                    liveness="unavailable" if live is None else ("live" if live else "spoof"),
                )
        answers = self.env["face.recognition.event"]._ingest_events(events, source)
        for face, answer in zip(faces, answers, strict=False):
            face.update(
                event_id=answer["event_id"],
                outcome=answer["outcome"],
                attendance_id=answer["attendance_id"] or None,
            )
        audit(
            self.env,
            "%s.mark" % source,
            "face.camera,%d" % camera.id,
            "%d face(s) recognised, events recorded" % len(faces),
        )
        return answers

    @api.model
    def _face_figures(self, item, image):
        """An IdentifiedFace's vector and quality figures as ingestion takes them; one frame is one frame."""
        figures = {
            "encoding": base64.b64encode(vector_to_bytes(item.vector)).decode(),
            "face_size": int(item.face.size),
            "frames": 1,
        }
        if image is not None:
            figures["sharpness"] = round(float(sharpness(image, item.box)), 2)
        frontal = frontal_score(item.face.landmarks)
        if frontal is not None:
            figures["frontal"] = round(min(max(float(frontal), 0.0), 1.0), 4)
        return figures

    @api.model
    def _sighting_names(self, rows):
        """({employee id: (person ref, name)}, {camera id: name}) of event rows (plain ids) the reader may
        read: read as superuser like Odoo's own many2one names (same company, enforced when the event
        was stored), nothing more than the names."""
        employee_ids = {row["employee_id"] for row in rows if row["employee_id"]}
        camera_ids = {row["camera_id"] for row in rows if row["camera_id"]}
        people = {
            row["id"]: (row["person_ref"] or None, row["name"])
            for row in self.env["hr.employee"]
            .sudo()
            .with_context(active_test=False)
            .browse(employee_ids)
            .read(["person_ref", "name"])
        }
        cameras = {
            row["id"]: row["name"]
            for row in self.env["face.camera"].sudo().with_context(active_test=False).browse(camera_ids).read(["name"])
        }
        return people, cameras
