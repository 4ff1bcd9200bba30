import csv
import io
import urllib.parse
from datetime import date, datetime, time, timedelta

import pytz

from odoo import fields, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from ..models.face_camera import DIRECTIONS, SOURCE_TYPES
from ..models.security_groups import MANAGER
from .api_common import (
    ApiError,
    api_route,
    audit,
    bad_request,
    bool_param,
    expect,
    iso,
    json_body,
    json_response,
    not_found,
    ok,
    paging,
    plan_paging,
)
from .api_jobs import job_operation, run_command
from .openapi_spec import (
    CAMERA_WRITE,
    DATE,
    DATETIME,
    META,
    PAGING,
    PLAN_PAGING,
    envelope,
    json_content,
    obj,
    operation,
    page,
    query,
    ref,
    s,
)

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


STREAM_TYPES = {value: value.upper() for value, _label in SOURCE_TYPES}
CAMERA_STATUSES = ["online", "offline", "disabled", "never"]
# The plan's fields beside today's, on every camera answer.
CAMERA_PLAN_FIELDS = {
    "streamType": s("string", enum=sorted(STREAM_TYPES.values())),
    "streamUrl": s("string", nullable=True, description="Managers only (null for others): URLs can hold credentials"),
    "ipAddress": s("string", nullable=True, description="The stream's host; managers only"),
    "lastSeen": DATETIME,
    "lastChecked": DATETIME,
    "latency": s("number", nullable=True, description="Milliseconds to the first frame, last connection test"),
    "bitrate": s("number", nullable=True, description="Mbit/s, last connection test, when the stream says"),
    "resolution": s("string", nullable=True),
    "frameRate": s("number", nullable=True, description="The stream's frame rate, last connection test"),
    "thumbnail": s("string", nullable=True, description="URL of the last snapshot (managers only)"),
    "daemonId": s("integer", nullable=True),
    "tags": s("array", items=s("string")),
}
CAMERA_ITEM = {"allOf": [ref("Camera"), obj(CAMERA_PLAN_FIELDS)]}


def _is_manager():
    return request.env.user.has_group(MANAGER)


def _stream_host(camera):
    if camera.source_type not in ("rtsp", "http") or not camera.source:
        return None
    try:
        return urllib.parse.urlsplit(camera.source).hostname or None
    except ValueError:
        return None


def _last_snapshot_url(camera):
    # Commands (and their snapshots) are the managers': no thumbnail for anybody else.
    command = request.env["face.daemon.command"].search(
        [("camera_id", "=", camera.id), ("kind", "=", "snapshot"), ("attachment_id", "!=", False)], limit=1
    )
    return "/api/v1/jobs/%d/snapshot" % command.id if command else None


def camera_dict(camera):
    """The source is left out for users who may not read it: stream URLs can hold credentials."""
    manager = _is_manager()
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
    data.update(
        {
            "streamType": STREAM_TYPES.get(camera.source_type, (camera.source_type or "").upper()),
            "streamUrl": camera.source if manager else None,
            "ipAddress": _stream_host(camera) if manager else None,
            "lastSeen": iso(camera.last_frame_at),
            "lastChecked": iso(camera.last_checked),
            "latency": camera.latency_ms or None,
            "bitrate": camera.bitrate or None,
            "resolution": camera.resolution or None,
            "frameRate": camera.frame_rate or None,
            "thumbnail": _last_snapshot_url(camera) if manager else None,
            "daemonId": camera.daemon_id.id or None,
            "tags": [
                tag
                for tag in (camera.direction, camera.source_type, camera.liveness_mode != "off" and "liveness")
                if tag
            ],
        }
    )
    return data


def _find_camera(camera_id):
    camera = request.env["face.camera"].with_context(active_test=False).search([("id", "=", camera_id)])
    if not camera:
        raise not_found("Camera %s does not exist." % camera_id)
    return camera


# ---------------------------------------------------------------------- commands through the daemon
TEST_RESULT = obj(
    {
        "success": s("boolean"),
        "message": s("string"),
        "latencyMs": s("number", nullable=True),
        "resolution": s("string", nullable=True),
        "width": s("integer", nullable=True),
        "height": s("integer", nullable=True),
        "fps": s("number", nullable=True),
        "frameRate": s("number", nullable=True),
        "bitrate": s("number", nullable=True),
        "jobId": s("integer"),
        "status": s("string", enum=["done", "failed", "expired"]),
        "testedAt": DATETIME,
    }
)
SNAPSHOT = obj(
    {
        "assetId": s("integer"),
        "url": s("string", description="GET it with a manager's key: the JPEG"),
        "odooUrl": s("string", description="The attachment in Odoo's web client (a manager's session)"),
        "timestamp": DATETIME,
        "jobId": s("integer"),
        "cameraId": s("integer"),
        "contentType": s("string"),
        "size": s("integer"),
    }
)


def _camera_for_command(camera_id):
    camera = _find_camera(camera_id)
    if not _is_manager():
        raise ApiError(403, "FORBIDDEN", "Only face attendance managers may send commands to a camera's daemon.")
    if not camera.daemon_id:
        raise ApiError(409, "CONFLICT", "No daemon reads camera %s: assign one first." % camera.name)
    return camera


def _number(result, key):
    value = result.get(key)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _test_result(command):
    command = command.sudo()
    result = command.result if isinstance(command.result, dict) else {}
    success = command.state == "done" and result.get("success") is not False
    message = result.get("message") if isinstance(result.get("message"), str) else None
    frame_rate = _number(result, "frameRate")
    return {
        "success": success,
        "message": message or ("Connection OK" if success else "The daemon could not read the camera."),
        "latencyMs": _number(result, "latencyMs"),
        "resolution": result.get("resolution") if isinstance(result.get("resolution"), str) else None,
        "width": _number(result, "width"),
        "height": _number(result, "height"),
        "fps": frame_rate,
        "frameRate": frame_rate,
        "bitrate": _number(result, "bitrate"),
        "jobId": command.id,
        "status": command.state,
        "testedAt": iso(command.done_at),
    }


def _snapshot_result(command):
    command = command.sudo()
    attachment = command.attachment_id
    if command.state != "done" or not attachment:
        result = command.result if isinstance(command.result, dict) else {}
        raise ApiError(
            422,
            "SNAPSHOT_FAILED",
            "The daemon could not take a snapshot: %s" % (result.get("message") or command.state),
            {"jobId": command.id},
        )
    return {
        "assetId": attachment.id,
        "url": "/api/v1/jobs/%d/snapshot" % command.id,
        "odooUrl": "/web/content/%d" % attachment.id,
        "timestamp": iso(command.done_at),
        "jobId": command.id,
        "cameraId": command.camera_id.id,
        "contentType": attachment.mimetype or "image/jpeg",
        "size": attachment.file_size,
    }


# ---------------------------------------------------------------------- import / export
MAX_IMPORT_ROWS = 500
MAX_CSV_CHARS = 1_000_000
EXPORT_COLUMNS = [
    "id",
    "name",
    "location",
    "streamType",
    "streamUrl",
    "direction",
    "enabled",
    "daemonId",
    "daemonName",
    "matchThreshold",
    "minFaceSize",
]
IMPORT_ROW = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "id": s("integer", nullable=True, description="Ignored on import: rows match cameras by name"),
        "name": s("string", minLength=1, maxLength=1024),
        "location": s("string", nullable=True, maxLength=1024),
        "streamType": s("string", enum=sorted(STREAM_TYPES.values())),
        "streamUrl": s("string", nullable=True, maxLength=1024),
        "direction": s("string", enum=[v for v, _l in DIRECTIONS]),
        "enabled": s("boolean"),
        "daemonId": s("integer", nullable=True),
        "daemonName": s("string", nullable=True, description="Ignored on import"),
        "matchThreshold": s("number", nullable=True, minimum=0, maximum=2),
        "minFaceSize": s("integer", nullable=True, minimum=0, maximum=4096),
    },
}
# Row field -> today's API field (CameraController._values checks the values).
ROW_FIELDS = {
    "name": "name",
    "location": "location",
    "streamUrl": "source",
    "direction": "direction",
    "enabled": "enabled",
    "daemonId": "daemon_id",
    "matchThreshold": "match_threshold",
    "minFaceSize": "min_face_size",
}
IGNORED_ROW_FIELDS = ("id", "daemonName")
IMPORT_RESULT = obj(
    {
        "created": s("integer"),
        "updated": s("integer"),
        "cameras": s("array", items=s("integer")),
        "errors": s("array", items=s("object")),
        "dryRun": s("boolean"),
    }
)


def _export_row(camera, manager):
    return {
        "id": camera.id,
        "name": camera.name,
        "location": camera.location or None,
        "streamType": STREAM_TYPES.get(camera.source_type),
        "streamUrl": camera.source if manager else None,
        "direction": camera.direction,
        "enabled": camera.enabled,
        "daemonId": camera.daemon_id.id or None,
        "daemonName": camera.daemon_id.name or None,
        "matchThreshold": camera.match_threshold or None,
        "minFaceSize": camera.min_face_size or None,
    }


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _csv_rows(text):
    """CSV text as rows of typed values (the export's columns); a bad cell is the row's error later."""
    try:
        reader = csv.DictReader(io.StringIO(text))
        header = reader.fieldnames or []
        unknown = [name for name in header if name not in EXPORT_COLUMNS]
        if unknown:
            raise bad_request("Unknown CSV columns: %s." % ", ".join(unknown), allowed=EXPORT_COLUMNS)
        rows = []
        for raw in reader:
            if len(rows) >= MAX_IMPORT_ROWS:
                raise bad_request("At most %d rows per import." % MAX_IMPORT_ROWS)
            rows.append({key: _csv_value(key, value) for key, value in raw.items() if key is not None})
        return rows
    except csv.Error as error:
        raise bad_request("The CSV cannot be read: %s" % error, field="csv") from None


def _csv_value(key, value):
    value = (value or "").strip() if isinstance(value, str) else value
    if value in ("", None):
        return None
    if key == "enabled":
        return {"true": True, "1": True, "false": False, "0": False}.get(value.lower(), value)
    for kind, keys in ((int, ("id", "daemonId", "minFaceSize")), (float, ("matchThreshold",))):
        if key in keys:
            try:
                return kind(value)
            except ValueError:
                return value  # refused with the row's other errors
    return value


def _row_values(row):
    """One import row as today's write fields; unknown fields and wrong types refused."""
    unknown = sorted(set(row) - set(ROW_FIELDS) - {"streamType"} - set(IGNORED_ROW_FIELDS))
    if unknown:
        raise bad_request("Unknown fields: %s." % ", ".join(unknown), field=unknown[0])
    values = {ROW_FIELDS[key]: value for key, value in row.items() if key in ROW_FIELDS}
    if row.get("streamType") is not None:
        wanted = [value for value, label in STREAM_TYPES.items() if label == str(row["streamType"]).upper()]
        if not wanted:
            raise bad_request(
                "streamType must be one of %s." % ", ".join(sorted(STREAM_TYPES.values())), field="streamType"
            )
        values["source_type"] = wanted[0]
    if values.get("source") is None:
        values.pop("source", None)  # kept as it is (a redacted export re-imported by a manager)
    if values.get("name") is None:
        raise bad_request("name is required.", field="name")
    if isinstance(values.get("enabled"), str):
        raise bad_request("enabled must be true or false.", field="enabled")
    return values


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
            None,
            PAGING
            + PLAN_PAGING
            + [
                query("direction", s("string", enum=[v for v, _l in DIRECTIONS])),
                query("status", s("string", enum=CAMERA_STATUSES)),
                query("streamType", s("string", enum=sorted(STREAM_TYPES.values()))),
                query("enabled", s("boolean")),
                query("search", s("string", maxLength=256), "In the name and location"),
            ],
            ok_content=json_content(
                obj(
                    {
                        "success": {"type": "boolean", "enum": [True]},
                        "data": {
                            "allOf": [
                                page("cameras", CAMERA_ITEM),
                                obj({"page": s("integer"), "pageSize": s("integer"), "totalPages": s("integer")}),
                            ]
                        },
                        "meta": META,
                    }
                )
            ),
            description="Paged by limit/offset or by the plan's page/pageSize (page wins when both are given).",
        ),
    )
    def list_cameras(self, **params):
        limit, offset = paging(params)
        if "page" in params or "pageSize" in params:
            number, size, offset = plan_paging(params)
            limit = size
        else:
            number, size = offset // limit + 1, limit
        domain = []
        if params.get("direction"):
            if params["direction"] not in [d for d, _l in DIRECTIONS]:
                raise bad_request("direction must be one of %s." % ", ".join(d for d, _l in DIRECTIONS))
            domain.append(("direction", "=", params["direction"]))
        if params.get("streamType"):
            wanted = [value for value, label in STREAM_TYPES.items() if label == params["streamType"].upper()]
            if not wanted:
                raise bad_request("streamType must be one of %s." % ", ".join(sorted(STREAM_TYPES.values())))
            domain.append(("source_type", "=", wanted[0]))
        enabled = bool_param(params, "enabled", default=None)
        if enabled is not None:
            domain.append(("enabled", "=", enabled))
        if params.get("search"):
            if len(params["search"]) > 256:
                raise bad_request("search is longer than 256 characters.", field="search")
            domain += ["|", ("name", "ilike", params["search"]), ("location", "ilike", params["search"])]
        Camera = request.env["face.camera"]
        status = params.get("status")
        if status:
            if status not in CAMERA_STATUSES:
                raise bad_request("status must be one of %s." % ", ".join(CAMERA_STATUSES), field="status")
            # The status is computed (last frame against the offline delay): filtered here, then paged.
            matching = Camera.search(domain).filtered(lambda camera: camera.status == status)
            total, cameras = len(matching), matching[offset : offset + limit]
        else:
            cameras = Camera.search(domain, limit=limit, offset=offset)
            total = Camera.search_count(domain)
        meta = {"page": number, "pageSize": size, "total": total, "totalPages": -(-total // size)}
        return json_response(
            {
                "success": True,
                "data": {
                    "cameras": [camera_dict(c) for c in cameras],
                    "total": total,
                    "limit": limit,
                    "offset": offset,
                    "page": number,
                    "pageSize": size,
                    "totalPages": meta["totalPages"],
                },
                "meta": meta,
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
                    "cameras": s(
                        "array",
                        items=obj(
                            {
                                "id": s("integer"),
                                "detectionsToday": s("integer", description="Events of the day"),
                                "unknownFaces": s("integer", description="Unknown faces of the day"),
                                "uptimePercent": s(
                                    "number",
                                    nullable=True,
                                    description="Share of the day's 5-minute buckets with frames (null: too early)",
                                ),
                            }
                        ),
                    ),
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
        now = fields.Datetime.now()
        # sudo: the heartbeat history is read for cameras the caller may read, as one figure each.
        uptime = request.env["face.heartbeat.log"].sudo()._uptime_percent(cameras, start, min(end, now))
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
                    "detectionsToday": sum(own.values()),
                    "unknownFaces": own.get("unknown", 0),
                    "uptimePercent": uptime.get(camera.id),
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

    # ------------------------------------------------------------------ the plan's operations
    @api_route(
        "/cameras/<int:camera_id>/state",
        ["PATCH"],
        scope="camera:write",
        doc=operation(
            "Enable or disable a camera",
            "Cameras",
            "camera:write",
            200,
            CAMERA_ITEM,
            body=json_content(
                {
                    "type": "object",
                    "required": ["enabled"],
                    "additionalProperties": False,
                    "properties": {"enabled": s("boolean")},
                }
            ),
            description="Its daemon starts or stops reading it at its next configuration refresh.",
        ),
    )
    def set_state(self, camera_id):
        body = json_body(required=("enabled",))
        enabled = expect(body, "enabled", bool)
        camera = _find_camera(camera_id)
        if camera.enabled != enabled:
            camera.write({"enabled": enabled})
        audit(
            "camera.state",
            "face.camera,%d" % camera.id,
            "Camera %s %s" % (camera.name, "enabled" if enabled else "disabled"),
            {"enabled": enabled},
        )
        return ok(camera_dict(camera))

    @api_route(
        "/cameras/<int:camera_id>/test-connection",
        ["POST"],
        scope="camera:write",
        doc=job_operation(
            "Test a camera's connection, through its daemon",
            "Cameras",
            "camera:write",
            data_schema=TEST_RESULT,
            description="Managers. The daemon opens the stream (as its pipeline does) and reports the time to "
            "the first frame, the resolution and frame rate. Answered within 8 s: 200 (success false when the "
            "stream cannot be read); otherwise 202 and the answer comes with GET /jobs/{id}. 409: no daemon "
            "reads this camera.",
        ),
    )
    def test_connection(self, camera_id):
        camera = _camera_for_command(camera_id)
        audit("camera.test_connection", "face.camera,%d" % camera.id, "Connection test of camera %s" % camera.name)
        return run_command(camera.daemon_id, "test_connection", camera=camera, present=_test_result)

    @api_route(
        "/cameras/<int:camera_id>/snapshot",
        ["POST"],
        scope="camera:write",
        doc=job_operation(
            "Take a snapshot (JPEG) through the camera's daemon",
            "Cameras",
            "camera:write",
            ok_status=201,
            data_schema=SNAPSHOT,
            description="Managers only. 201 with the attachment when the daemon answered within 8 s, 202 with "
            "the job otherwise; 422 when the daemon could not read a frame; 409: no daemon reads this camera. "
            "``url`` serves the JPEG to the managers' keys.",
        ),
    )
    def snapshot(self, camera_id):
        camera = _camera_for_command(camera_id)
        audit("camera.snapshot", "face.camera,%d" % camera.id, "Snapshot of camera %s" % camera.name)
        return run_command(camera.daemon_id, "snapshot", camera=camera, present=_snapshot_result, ok_status=201)

    @api_route(
        "/cameras/import",
        ["POST"],
        scope="camera:write",
        doc=operation(
            "Import cameras (JSON rows or CSV text)",
            "Cameras",
            "camera:write",
            200,
            IMPORT_RESULT,
            body=json_content(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "cameras": s("array", items=IMPORT_ROW, maxItems=MAX_IMPORT_ROWS),
                        "csv": s("string", maxLength=MAX_CSV_CHARS, description="CSV with a header row (export's)"),
                        "dryRun": s("boolean"),
                    },
                }
            ),
            description="Managers. Give ``cameras`` (rows as GET /cameras/export?format=json answers them) or "
            "``csv`` (its CSV). A row whose name matches an existing camera updates it, any other creates one. "
            "All or nothing: when any row is refused, nothing is imported and the 422 answer lists every "
            "refused row (details.errors: row, name, field, message). ``dryRun`` checks without importing.",
        ),
    )
    def import_cameras(self):
        body = json_body(optional=("cameras", "csv", "dryRun"))
        if not _is_manager():
            raise ApiError(403, "FORBIDDEN", "Only face attendance managers may import cameras.")
        dry_run = bool(expect(body, "dryRun", bool))
        if body.get("cameras") is not None and body.get("csv") is not None:
            raise bad_request("Give either cameras or csv, not both.")
        if body.get("csv") is not None:
            text = expect(body, "csv", str, MAX_CSV_CHARS)
            rows = _csv_rows(text)
        elif body.get("cameras") is not None:
            rows = body["cameras"]
            if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
                raise bad_request("cameras must be a list of objects.", field="cameras")
        else:
            raise bad_request("Give cameras (a list of rows) or csv (CSV text).")
        if not rows:
            raise bad_request("There is no row to import.")
        if len(rows) > MAX_IMPORT_ROWS:
            raise bad_request("At most %d rows per import." % MAX_IMPORT_ROWS)
        report = self._import_rows(rows, dry_run)
        if report["errors"]:
            raise ApiError(
                422,
                "IMPORT_REFUSED",
                "%d of %d rows were refused: nothing was imported." % (len(report["errors"]), len(rows)),
                {"errors": report["errors"]},
            )
        if not dry_run:
            audit(
                "camera.import",
                "face.camera",
                "%d cameras imported (%d created, %d updated)" % (len(rows), report["created"], report["updated"]),
                {"ids": report["cameras"]},
            )
        return ok(report)

    def _import_rows(self, rows, dry_run):
        Camera = request.env["face.camera"].with_context(active_test=False)
        report = {"created": 0, "updated": 0, "cameras": [], "errors": [], "dryRun": dry_run}

        class Refused(Exception):
            pass

        try:
            # One savepoint for the import, one per row: a refused row is reported, and any refusal
            # (or a dry run) undoes the whole import.
            with request.env.cr.savepoint():
                for number, row in enumerate(rows, start=1):
                    name = row.get("name") if isinstance(row.get("name"), str) else None
                    try:
                        with request.env.cr.savepoint():
                            vals = self._values(_row_values(row))
                            existing = Camera.search([("name", "=", (name or "").strip())], limit=1) if name else Camera
                            if existing:
                                existing.write(vals)
                                report["updated"] += 1
                                report["cameras"].append(existing.id)
                            else:
                                if not vals.get("source"):
                                    raise bad_request("streamUrl is required for a new camera.", field="streamUrl")
                                vals.setdefault("source_type", "rtsp")
                                report["cameras"].append(Camera.create(vals).id)
                                report["created"] += 1
                            request.env.flush_all()
                    except ApiError as error:
                        report["errors"].append(
                            {"row": number, "name": name, "field": error.details.get("field"), "message": error.message}
                        )
                    except (ValidationError, UserError) as error:
                        message = str(error.args[0] if error.args else error)
                        report["errors"].append({"row": number, "name": name, "field": None, "message": message})
                if report["errors"] or dry_run:
                    raise Refused()
        except Refused:
            request.env.invalidate_all()
        return report

    @api_route(
        "/cameras/export",
        ["GET"],
        scope="camera:read",
        doc=operation(
            "Export cameras (JSON or CSV)",
            "Cameras",
            "camera:read",
            200,
            None,
            [query("format", s("string", enum=["json", "csv"], default="json"))],
            ok_content={
                **json_content(envelope(s("array", items=IMPORT_ROW))),
                "text/csv": {"schema": s("string")},
            },
            description="The rows POST /cameras/import reads. Stream URLs only for managers: for everybody "
            "else they are null (empty in CSV).",
        ),
    )
    def export_cameras(self, **params):
        export_format = params.get("format") or "json"
        if export_format not in ("json", "csv"):
            raise bad_request("format must be json or csv.", field="format")
        cameras = request.env["face.camera"].search([])
        manager = _is_manager()
        rows = [_export_row(camera, manager) for camera in cameras]
        if export_format == "json":
            return ok(rows)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: _csv_cell(value) for key, value in row.items()})
        return request.make_response(
            buffer.getvalue(),
            headers=[
                ("Content-Type", "text/csv; charset=utf-8"),
                ("Content-Disposition", 'attachment; filename="cameras.csv"'),
            ],
        )
