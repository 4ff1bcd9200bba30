from odoo import http
from odoo.http import request

from ..models.csv_export import CsvWriter
from ..models.face_camera import DIRECTIONS
from ..models.face_camera_api import (
    CAMERA_STATUSES,
    EXPORT_COLUMNS,
    MAX_CSV_CHARS,
    MAX_IMPORT_ROWS,
    STREAM_TYPES,
)
from .api_common import (
    ApiError,
    api_route,
    bad_request,
    expect,
    json_body,
    json_response,
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


def camera_dict(camera):
    return camera._api_dict()


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


def _test_result(command):
    return command._api_test_answer()


def _snapshot_result(command):
    failure = command._api_snapshot_failure()
    if failure:
        raise ApiError(422, "SNAPSHOT_FAILED", failure, {"jobId": command.id})
    return command._api_snapshot_answer()


# ---------------------------------------------------------------------- import / export
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
IMPORT_RESULT = obj(
    {
        "created": s("integer"),
        "updated": s("integer"),
        "cameras": s("array", items=s("integer")),
        "errors": s("array", items=s("object")),
        "dryRun": s("boolean"),
    }
)


class FaceApiCameras(http.Controller):
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
        cameras, total = request.env["face.camera"]._api_search(params, limit, offset)
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
        return ok(request.env["face.camera"]._api_summary(params.get("date")))

    @api_route(
        "/cameras/<int:camera_id>",
        ["GET"],
        scope="camera:read",
        doc=operation("One camera", "Cameras", "camera:read", 200, ref("Camera")),
    )
    def get_camera(self, camera_id):
        return ok(camera_dict(request.env["face.camera"]._api_find(camera_id)))

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
        return ok(camera_dict(request.env["face.camera"]._api_create(body)), status=201)

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
        return ok(camera_dict(request.env["face.camera"]._api_update(camera_id, body)))

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
        camera = request.env["face.camera"]._api_archive(camera_id)
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
        return ok(camera_dict(request.env["face.camera"]._api_set_state(camera_id, enabled)))

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
        camera = request.env["face.camera"]._api_command_camera(camera_id, "test_connection", "Connection test")
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
        camera = request.env["face.camera"]._api_command_camera(camera_id, "snapshot", "Snapshot")
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
        report, count = request.env["face.camera"]._api_import(body)
        if report["errors"]:
            raise ApiError(
                422,
                "IMPORT_REFUSED",
                "%d of %d rows were refused: nothing was imported." % (len(report["errors"]), count),
                {"errors": report["errors"]},
            )
        return ok(report)

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
        rows = request.env["face.camera"]._api_export_rows()
        if export_format == "json":
            return ok(rows)
        writer = CsvWriter(EXPORT_COLUMNS)
        for row in rows:
            writer.row(row)
        return request.make_response(
            writer.text(),
            headers=[
                ("Content-Type", "text/csv; charset=utf-8"),
                ("Content-Disposition", 'attachment; filename="cameras.csv"'),
            ],
        )
