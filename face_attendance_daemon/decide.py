"""From a verdict to the event Odoo receives: the daemon decides who and when, Odoo decides what
it means for attendance (duplicate window, direction, working day)."""

import base64
import datetime
import hashlib

from .engine import encode_jpeg, vector_to_bytes


def iso_utc(timestamp):
    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_id(daemon_name, camera_id, track_id, verdict):
    """Derived from what was seen, not drawn at random: stored in the outbox and re-sent it is the
    same event, and a video analysed again after a crash yields the same ids, so Odoo keeps one."""
    seen = "%s|%s|%s|%s|%.3f" % (daemon_name, camera_id, track_id, verdict.person_key, verdict.first_seen)
    return "%s-%s-%s" % (daemon_name, camera_id, hashlib.sha1(seen.encode(), usedforsecurity=False).hexdigest()[:24])


def make_event(daemon_name, camera_id, track, verdict, encoder_tag, liveness=None):
    """``liveness``: the camera's liveness fields (camera_liveness.event_fields), kept even when null."""
    event = {
        "event_id": event_id(daemon_name, camera_id, track.track_id, verdict),
        "timestamp": iso_utc(verdict.first_seen),
        "camera_id": camera_id,
        "track_id": track.track_id,
        "encoder": encoder_tag,
        "confidence": round(float(verdict.confidence), 4) if verdict.person_key is not None else None,
    }
    if verdict.person_key is not None:
        event["employee_id"] = int(verdict.person_key)
    if verdict.distance != float("inf"):
        event["distance"] = round(float(verdict.distance), 4)
    event.update(face_fields(verdict))
    event = {k: v for k, v in event.items() if v is not None}
    event.update(liveness or {})
    return event


def best_face(verdict):
    """The agreeing frame whose face was nearest to the person named (for an unknown face: nearest
    to anybody): the one Odoo may learn from, so the one its quality figures describe."""
    return min(verdict.agreeing, key=lambda o: o.distance, default=None)


def face_fields(verdict):
    """What Odoo's learning rules judge a sighting by: the best face's size, sharpness, frontality
    and, for a recognised person only, its vector; and how many frames agreed. A stranger's vector is
    never sent: the distance is all that calibration needs of an unknown face."""
    fields = {"frames": len(verdict.agreeing) or None}
    best = best_face(verdict)
    if best is None:
        return fields
    fields.update(
        face_size=None if best.face_size is None else int(best.face_size),
        sharpness=None if best.sharpness is None else round(float(best.sharpness), 2),
        frontal=None if best.frontal is None else round(float(best.frontal), 3),
    )
    if verdict.person_key is not None and best.vector is not None:
        fields["encoding"] = base64.b64encode(vector_to_bytes(best.vector)).decode()
    return fields


def face_crop(image, box, margin=0.35):
    x, y, w, h = box
    pad_x, pad_y = int(w * margin), int(h * margin)
    top, left = max(0, y - pad_y), max(0, x - pad_x)
    return image[top : y + h + pad_y, left : x + w + pad_x].copy()


def snapshot_b64(crop, max_bytes):
    """A JPEG of the face under ``max_bytes``, lowering quality then size; None if impossible."""
    if crop is None or crop.size == 0:
        return None
    for max_side, quality in ((320, 85), (320, 70), (240, 60), (160, 50), (112, 40)):
        data = encode_jpeg(crop, quality=quality, max_side=max_side)
        if len(data) <= max_bytes:
            return base64.b64encode(data).decode()
    return None
