from datetime import date, datetime, time, timedelta

import pytz

from odoo import fields, http
from odoo.http import request

from ..models.face_camera import DIRECTIONS, SOURCE_TYPES
from .api_common import ApiError, api_route, audit, bad_request, expect, iso, json_body, not_found, ok, paging
from .openapi_spec import CAMERA_WRITE, DATE, PAGING, json_content, obj, operation, page, query, ref, s

CAMERA_FIELDS = (
    "name",
    "location",
    "source_type",
    "source",
    "direction",
    "enabled",
    "daemon_id",
    "match_threshold",
    "min_face_size",
)


def camera_dict(camera):
    """The source is left out for users who may not read it: stream URLs can hold credentials."""
    data = {
        "id": camera.id,
        "name": camera.name,
        "location": camera.location or None,
        "source_type": camera.source_type,
        "direction": camera.direction,
        "enabled": camera.enabled,
        "active": camera.active,
        "daemon_id": camera.daemon_id.id or None,
        "match_threshold": camera.match_threshold or None,
        "min_face_size": camera.min_face_size or None,
        "status": camera.status,
        "fps": camera.fps,
        "last_frame_at": iso(camera.last_frame_at),
        "error_count": camera.error_count,
        "last_error": camera.last_error or None,
    }
    if request.env.user.has_groups(camera._fields["source"].groups):
        data["source"] = camera.source
    return data


def _find_camera(camera_id):
    camera = request.env["face.camera"].with_context(active_test=False).search([("id", "=", camera_id)])
    if not camera:
        raise not_found("Camera %s does not exist." % camera_id)
    return camera


class FaceApiCameras(http.Controller):
    def _values(self, body):
        vals = {}
        for name in ("name", "location", "source"):
            if name in body:
                value = expect(body, name, str, 1024)
                if name != "location" and not (value or "").strip():
                    raise bad_request("%s cannot be empty." % name, field=name)
                vals[name] = (value or "").strip() or False
        for name, choices in (("source_type", SOURCE_TYPES), ("direction", DIRECTIONS)):
            if name in body:
                allowed = [value for value, _label in choices]
                if body[name] not in allowed:
                    raise bad_request("%s must be one of %s." % (name, ", ".join(allowed)), field=name)
                vals[name] = body[name]
        if "enabled" in body:
            vals["enabled"] = bool(expect(body, "enabled", bool))
        if "min_face_size" in body:
            vals["min_face_size"] = expect(body, "min_face_size", int) or 0
        if "match_threshold" in body:
            value = body["match_threshold"]
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise bad_request("match_threshold must be a number.", field="match_threshold")
            vals["match_threshold"] = float(value or 0.0)
        if "daemon_id" in body:
            daemon_id = expect(body, "daemon_id", int)
            if daemon_id:
                if not request.env["face.daemon"].search_count([("id", "=", daemon_id)]):
                    raise bad_request("Daemon %s does not exist." % daemon_id, field="daemon_id")
            vals["daemon_id"] = daemon_id or False
        return vals

    @api_route(
        "/cameras",
        ["GET"],
        scope="camera:read",
        doc=operation(
            "Cameras",
            "Cameras",
            "camera:read",
            200,
            page("cameras", ref("Camera")),
            PAGING + [query("direction", s("string", enum=[v for v, _l in DIRECTIONS]))],
        ),
    )
    def list_cameras(self, **params):
        limit, offset = paging(params)
        domain = []
        if params.get("direction"):
            if params["direction"] not in [d for d, _l in DIRECTIONS]:
                raise bad_request("direction must be one of %s." % ", ".join(d for d, _l in DIRECTIONS))
            domain.append(("direction", "=", params["direction"]))
        Camera = request.env["face.camera"]
        cameras = Camera.search(domain, limit=limit, offset=offset)
        return ok(
            {
                "cameras": [camera_dict(c) for c in cameras],
                "total": Camera.search_count(domain),
                "limit": limit,
                "offset": offset,
            }
        )

    @api_route(
        "/cameras/summary",
        ["GET"],
        scope="camera:read",
        doc=operation(
            "Per-camera counts for a day (the key user's time zone)",
            "Cameras",
            "camera:read",
            200,
            obj(
                {
                    "date": s("string"),
                    "timezone": s("string"),
                    "cameras": s("array", items=s("object")),
                    "total": s("integer"),
                    "online": s("integer"),
                }
            ),
            [query("date", DATE)],
        ),
    )
    def summary(self, **params):
        """Per-camera counts for one day (``date``, default today) in the key user's time zone."""
        tz = pytz.timezone(request.env.user.tz or "UTC")
        if params.get("date"):
            try:
                day = date.fromisoformat(params["date"])
            except ValueError:
                raise bad_request("date must be a date as YYYY-MM-DD.", field="date") from None
        else:
            day = pytz.utc.localize(fields.Datetime.now()).astimezone(tz).date()
        start = tz.localize(datetime.combine(day, time.min)).astimezone(pytz.utc).replace(tzinfo=None)
        end = tz.localize(datetime.combine(day + timedelta(days=1), time.min)).astimezone(pytz.utc).replace(tzinfo=None)
        cameras = request.env["face.camera"].search([])
        groups = request.env["face.recognition.event"]._read_group(
            [("sighted_at", ">=", start), ("sighted_at", "<", end), ("camera_id", "in", cameras.ids)],
            ["camera_id", "outcome"],
            ["__count"],
        )
        counts = {}
        for camera, outcome, count in groups:
            counts.setdefault(camera.id, {})[outcome] = count
        items = []
        for camera in cameras:
            own = counts.get(camera.id, {})
            items.append(
                {
                    "id": camera.id,
                    "name": camera.name,
                    "direction": camera.direction,
                    "status": camera.status,
                    "events": sum(own.values()),
                    "recognised": sum(n for o, n in own.items() if o != "unknown"),
                    "unknown": own.get("unknown", 0),
                    "checked_in": own.get("checked_in", 0),
                    "checked_out": own.get("checked_out", 0),
                    "duplicates": own.get("duplicate", 0),
                    "errors": own.get("error", 0) + own.get("rejected", 0),
                }
            )
        return ok(
            {
                "date": day.isoformat(),
                "timezone": tz.zone,
                "cameras": items,
                "total": len(items),
                "online": sum(1 for c in cameras if c.status == "online"),
            }
        )

    @api_route(
        "/cameras/<int:camera_id>",
        ["GET"],
        scope="camera:read",
        doc=operation("One camera", "Cameras", "camera:read", 200, ref("Camera")),
    )
    def get_camera(self, camera_id):
        return ok(camera_dict(_find_camera(camera_id)))

    @api_route(
        "/cameras",
        ["POST"],
        scope="camera:write",
        doc=operation(
            "Add a camera",
            "Cameras",
            "camera:write",
            201,
            ref("Camera"),
            body=json_content(
                {
                    "type": "object",
                    "required": ["name", "source"],
                    "additionalProperties": False,
                    "properties": CAMERA_WRITE,
                }
            ),
        ),
    )
    def create_camera(self):
        body = json_body(required=("name", "source"), optional=CAMERA_FIELDS)
        vals = self._values(body)
        vals.setdefault("source_type", "rtsp")
        camera = request.env["face.camera"].create(vals)
        audit("camera.create", "face.camera,%d" % camera.id, "Camera %s created" % camera.name)
        return ok(camera_dict(camera), status=201)

    @api_route(
        "/cameras/<int:camera_id>",
        ["PUT"],
        scope="camera:write",
        doc=operation(
            "Update a camera (partial)",
            "Cameras",
            "camera:write",
            200,
            ref("Camera"),
            body=json_content(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": dict(CAMERA_WRITE, active=s("boolean")),
                }
            ),
        ),
    )
    def update_camera(self, camera_id):
        body = json_body(optional=CAMERA_FIELDS + ("active",))
        camera = _find_camera(camera_id)
        vals = self._values(body)
        if "active" in body:
            vals["active"] = bool(expect(body, "active", bool))
        if vals:
            camera.write(vals)
        audit(
            "camera.update", "face.camera,%d" % camera.id, "Camera %s updated" % camera.name, {"fields": sorted(body)}
        )
        return ok(camera_dict(camera))

    @api_route(
        "/cameras/<int:camera_id>",
        ["DELETE"],
        scope="camera:write",
        doc=operation(
            "Archive a camera",
            "Cameras",
            "camera:write",
            200,
            obj({"id": s("integer"), "active": s("boolean")}),
            extra_errors=["409"],
        ),
    )
    def delete_camera(self, camera_id):
        """Archived, not deleted: its events and attendance keep pointing at it."""
        camera = _find_camera(camera_id)
        if not camera.active:
            raise ApiError(409, "CONFLICT", "Camera %s is already archived." % camera_id)
        camera.active = False
        audit("camera.delete", "face.camera,%d" % camera.id, "Camera %s archived" % camera.name)
        return ok({"id": camera.id, "active": False})
