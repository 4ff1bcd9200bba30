"""From a verdict to the event Odoo receives: the daemon decides who and when, Odoo decides what
it means for attendance (duplicate window, direction, working day)."""

import base64
import datetime
import hashlib

from .engine import encode_jpeg


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
    event = {k: v for k, v in event.items() if v is not None}
    event.update(liveness or {})
    return event


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
