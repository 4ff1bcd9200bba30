import uuid

from odoo import fields, http
from odoo.http import request

from face_attendance_daemon.engine import EngineError, decode_image, identify_faces
from face_attendance_daemon.engine.liveness import check_face

from .api_common import ApiError, api_route, audit, bad_request, expect, iso, json_body, ok
from .api_persons import decode_image_field
from .attendance_figures import camera_names
from .openapi_spec import DATETIME, INT32, image_body, obj, operation, query, ref, s

# Faces smaller than this are reported but not matched: too few pixels to tell people apart.
RECOGNIZE_MIN_FACE = 32
LIVE_DEFAULT, LIVE_MAX = 20, 200


def live_dict(event, camera_names, people):
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


def live_status(event):
    """authorized: a known person the rules accepted or will decide on; unknown; rejected otherwise."""
    if event["outcome"] == "unknown" or not event["employee_id"]:
        return "unknown"
    if event["outcome"] in ("checked_in", "checked_out", "duplicate", "pending"):
        return "authorized"
    return "rejected"


def sighting_names(rows):
    """({employee id: (person ref, name)}, {camera id: name}) of event rows (plain ids) the reader may
    read: read as superuser like Odoo's own many2one names (same company, enforced when the event
    was stored), nothing more than the names."""
    people = {
        row["id"]: (row["person_ref"] or None, row["name"])
        for row in request.env["hr.employee"]
        .sudo()
        .with_context(active_test=False)
        .browse({r["employee_id"] for r in rows if r["employee_id"]})
        .read(["person_ref", "name"])
    }
    return people, camera_names(r["camera_id"] for r in rows if r["camera_id"])


def check_marking_rights(key):
    """Who may turn recognised faces into events: a key with events:write or attendance:write whose
    user may send events (a device or a manager), as for /events."""
    if not (key._has_scope("events:write") or key._has_scope("attendance:write")):
        raise ApiError(
            403,
            "FORBIDDEN",
            "Marking attendance needs the scope events:write or attendance:write.",
            {"required_scope": "events:write"},
        )
    request.env["face.recognition.event"]._check_sender()


def recognize_frame(data, camera, with_liveness, mark, source="recognize", event_ids=None, sighted_at=None):
    """Every face of the image ``data`` with the person it matches; with ``mark``, each face becomes a
    recognition event of ``camera`` through the one ingestion (``face.recognition.event._ingest_events``).

    The one implementation of /recognize and /detections/send-frame. ``event_ids(count)`` names the
    events (idempotent senders give stable ids); ``sighted_at`` is the capture time (default now).
    Returns (answer, ingestion answers or []).
    """
    # A camera that enforces liveness gets it whether or not the caller asked.
    with_liveness = with_liveness or bool(camera and camera.liveness_mode == "enforce")
    config = request.env["face.attendance.config"]
    encoder = config._encoder()
    try:
        image = decode_image(data, max_bytes=config._get("max_image_bytes"))
    except EngineError as error:
        raise ApiError(
            413 if error.code == "IMAGE_TOO_LARGE" else 422, error.code, error.message, error.details
        ) from None
    gallery = request.env["face.template.gallery"]._get(encoder)
    threshold = camera.match_threshold or config._match_threshold(encoder)
    found = identify_faces(encoder, image, gallery, threshold, camera.min_face_size or RECOGNIZE_MIN_FACE)
    checker = None
    if with_liveness:
        checker, _reason = config._liveness_checker()
        liveness_threshold = config._get("liveness_threshold")
    # Names and ids only of persons the key's user may read; a face that matches nobody (or
    # nobody they may see) gets no distance, so that a stranger cannot climb towards a match.
    matched_ids = [f.match.person_key for f in found if f.match.matched]
    visible = (
        request.env["hr.employee"].browse(matched_ids)._filtered_access("read")
        if request.env["hr.employee"].has_access("read")
        else request.env["hr.employee"]
    )
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
            faces[-1]["liveness"] = check_face(checker, image, item.box, liveness_threshold).as_dict()
    answers = []
    if mark and faces:
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
        if with_liveness:
            # Asked for, liveness decides: not live is a spoof, and an unavailable check marks nothing.
            for event, face in zip(events, faces, strict=True):
                live = face["liveness"]["live"]
                event.update(
                    liveness_score=face["liveness"]["score"],
                    liveness="unavailable" if live is None else ("live" if live else "spoof"),
                )
        answers = request.env["face.recognition.event"]._ingest_events(events, source)
        for face, answer in zip(faces, answers, strict=False):
            face.update(
                event_id=answer["event_id"],
                outcome=answer["outcome"],
                attendance_id=answer["attendance_id"] or None,
            )
        audit(
            "%s.mark" % source,
            "face.camera,%d" % camera.id,
            "%d face(s) recognised, events recorded" % len(faces),
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
        camera = request.env["face.camera"]
        if camera_id is not None:
            camera = camera.search([("id", "=", camera_id)])
            if not camera:
                raise ApiError(404, "NOT_FOUND", "Camera %s does not exist." % camera_id)
        if mark:
            if not camera:
                raise bad_request(
                    "mark_attendance needs a camera_id: the camera gives the direction.", field="camera_id"
                )
            check_marking_rights(request.face_api_key)
        answer, _events = recognize_frame(data, camera, with_liveness, mark)
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
        """The latest sightings, newest first: one indexed query, no per-row ORM work."""
        try:
            limit = int(params.get("limit", LIVE_DEFAULT))
        except (TypeError, ValueError):
            raise bad_request("limit must be an integer.") from None
        if not 1 <= limit <= LIVE_MAX:
            raise bad_request("limit must be between 1 and %d." % LIVE_MAX)
        domain = []
        camera_param = params.get("cameraId", params.get("camera_id"))
        if camera_param not in (None, ""):
            try:
                domain.append(("camera_id", "=", int(camera_param)))
            except (TypeError, ValueError):
                raise bad_request("cameraId must be an integer.") from None
        Event = request.env["face.recognition.event"]
        # Plain ids (load=None): no display names computed per row; names come in two reads, as
        # superuser like Odoo's own many2one names: the person and camera of an event the key may
        # read (same company, enforced when the event was stored) are named, nothing more.
        rows = Event.search_read(
            domain,
            [
                "event_uid",
                "sighted_at",
                "camera_id",
                "employee_id",
                "confidence",
                "outcome",
                "attendance_id",
                "has_snapshot",
                "track_id",
            ],
            limit=limit,
            order="sighted_at desc, id desc",
            load=None,
        )
        people, cameras = sighting_names(rows)
        return ok(
            {
                "detections": [live_dict(r, cameras, people) for r in rows],
                "count": len(rows),
                "server_time": iso(fields.Datetime.now()),
            }
        )
