from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, TypeAdapter, WithJsonSchema

from odoo import http
from odoo.http import request

from ..models.api_types import Answer, Body, DateTime, Day, Flag, Id, PageMeta, Paging, Query
from ..models.csv_export import CsvWriter
from ..models.face_camera import DIRECTIONS, SOURCE_TYPES
from ..models.face_camera_api import (
    CAMERA_STATUSES,
    EXPORT_COLUMNS,
    MAX_CSV_CHARS,
    MAX_IMPORT_ROWS,
    STREAM_TYPES,
)
from ..models.face_daemon_command import FINAL_STATES
from .api_common import ApiError, api_route
from .api_jobs import JobAccepted, run_command
from .openapi_spec import openapi30


def camera_dict(camera):
    return camera._api_dict()


# ---------------------------------------------------------------------- declarations
def _upper(value):
    return value.upper() if isinstance(value, str) else value


Direction = Literal[tuple(value for value, _label in DIRECTIONS)]
SourceType = Literal[tuple(value for value, _label in SOURCE_TYPES)]
StreamType = Literal[tuple(sorted(STREAM_TYPES.values()))]
CameraStatus = Literal[tuple(CAMERA_STATUSES)]
# The plan's stream type, in any case as a filter (rtsp or RTSP), as it always was read.
AnyCaseStreamType = Annotated[StreamType, BeforeValidator(_upper)]
Text = Annotated[str, Field(min_length=1, max_length=1024)]
OptionalText = Annotated[str | None, Field(max_length=1024)]
Threshold = Annotated[float | None, Field(ge=0, le=2, description="A distance; 0 or null: the global threshold")]
FaceSize = Annotated[int | None, Field(ge=0, le=4096, description="Pixels; 0 or null: the daemon's default")]


class Camera(Answer):
    id: int
    name: str
    location: str | None
    source_type: SourceType
    direction: Direction
    enabled: bool
    active: bool
    daemon_id: int | None
    match_threshold: float | None
    min_face_size: int | None
    status: CameraStatus
    fps: float
    last_frame_at: DateTime
    error_count: int
    last_error: str | None
    source: str = Field(None, description="Only for managers and devices: URLs can hold credentials.")
    # The plan's fields beside today's.
    streamType: StreamType  # noqa: N815  # the plan's camelCase
    streamUrl: str | None = Field(  # noqa: N815
        description="Managers only (null for others): URLs can hold credentials"
    )
    ipAddress: str | None = Field(description="The stream's host; managers only")  # noqa: N815
    lastSeen: DateTime  # noqa: N815
    lastChecked: DateTime  # noqa: N815
    latency: float | None = Field(description="Milliseconds to the first frame, last connection test")
    bitrate: float | None = Field(description="Mbit/s, last connection test, when the stream says")
    resolution: str | None
    frameRate: float | None = Field(description="The stream's frame rate, last connection test")  # noqa: N815
    thumbnail: str | None = Field(description="URL of the last snapshot (managers only)")
    daemonId: int | None  # noqa: N815
    tags: list[str]


class CamerasQuery(Paging):
    """limit/offset, or the plan's page/pageSize (page wins when both are given)."""

    page: Annotated[int, Field(ge=1, le=10**6)] = 1
    pageSize: Annotated[int, Field(ge=1, le=200)] = 20  # noqa: N815  # the plan's camelCase
    direction: Direction = None
    status: CameraStatus = None
    streamType: AnyCaseStreamType = None  # noqa: N815
    enabled: Flag = None
    search: Annotated[str, Field(max_length=256, description="In the name and location")] = None

    def window(self):
        """(limit, offset, page, pageSize) of the page asked for."""
        if {"page", "pageSize"} & self.model_fields_set:
            return self.pageSize, (self.page - 1) * self.pageSize, self.page, self.pageSize
        return self.limit, self.offset, self.offset // self.limit + 1, self.limit

    def filters(self):
        return self.model_dump(include={"direction", "status", "streamType", "enabled", "search"}, exclude_none=True)


class CameraPage(Answer):
    cameras: list[Camera]
    total: int
    limit: int
    offset: int
    page: int
    pageSize: int  # noqa: N815
    totalPages: int  # noqa: N815


class CameraList(Answer):
    """The list's page in ``data`` (both pagings' figures) and the plan's ``meta``."""

    success: Literal[True]
    data: CameraPage
    meta: PageMeta


class CameraDayQuery(Query):
    date: Day = Field(None, description="Default: today in the key user's time zone")


class CameraDay(Answer):
    id: int
    name: str
    direction: Direction
    status: CameraStatus
    events: int
    recognised: int
    unknown: int
    checked_in: int
    checked_out: int
    duplicates: int
    errors: int
    detectionsToday: int = Field(description="Events of the day")  # noqa: N815
    unknownFaces: int = Field(description="Unknown faces of the day")  # noqa: N815
    uptimePercent: float | None = Field(  # noqa: N815
        description="Share of the day's 5-minute buckets with frames (null: too early)"
    )


class CameraSummary(Answer):
    date: str
    timezone: str
    cameras: list[CameraDay]
    total: int
    online: int


class CameraWrite(Body):
    # Absent: unchanged (or the default, on creation).
    name: Text = None
    location: OptionalText = None
    source_type: SourceType = None
    source: Annotated[
        str, Field(min_length=1, max_length=1024, description="Webcam index, rtsp:// or http(s):// URL, or a file path")
    ] = None
    direction: Direction = None
    enabled: bool = None
    daemon_id: Id | None = None
    match_threshold: Threshold = None
    min_face_size: FaceSize = None


class CameraCreate(CameraWrite):
    name: Text
    source: Annotated[
        str, Field(min_length=1, max_length=1024, description="Webcam index, rtsp:// or http(s):// URL, or a file path")
    ]


class CameraChange(CameraWrite):
    active: bool = Field(None, description="false archives the camera, true restores it")


class CameraArchived(Answer):
    id: int
    active: bool


class CameraState(Body):
    enabled: bool


# ---------------------------------------------------------------------- commands through the daemon
class ConnectionTest(Answer):
    success: bool
    message: str
    latencyMs: float | None  # noqa: N815  # the plan's camelCase
    resolution: str | None
    width: int | None
    height: int | None
    fps: float | None
    frameRate: float | None  # noqa: N815
    bitrate: float | None
    jobId: int  # noqa: N815
    status: Literal[FINAL_STATES]
    testedAt: DateTime  # noqa: N815


class CameraSnapshot(Answer):
    assetId: int  # noqa: N815  # the plan's camelCase
    url: str = Field(description="GET it with a manager's key: the JPEG")
    odooUrl: str = Field(description="The attachment in Odoo's web client (a manager's session)")  # noqa: N815
    timestamp: DateTime
    jobId: int  # noqa: N815
    cameraId: int  # noqa: N815
    contentType: str  # noqa: N815
    size: int


def _test_result(command):
    return command._api_test_answer()


def _snapshot_result(command):
    failure = command._api_snapshot_failure()
    if failure:
        raise ApiError(422, "SNAPSHOT_FAILED", failure, {"jobId": command.id})
    return command._api_snapshot_answer()


# ---------------------------------------------------------------------- import / export
class CameraRow(Answer):
    """A camera as the export answers it and the import reads it."""

    id: int = Field(description="Ignored on import: rows match cameras by name")
    name: str
    location: str | None
    streamType: StreamType  # noqa: N815  # the plan's camelCase
    streamUrl: str | None = Field(description="Managers only (null for others, empty in CSV)")  # noqa: N815
    direction: Direction
    enabled: bool
    daemonId: int | None  # noqa: N815
    daemonName: str | None = Field(description="Ignored on import")  # noqa: N815
    matchThreshold: float | None  # noqa: N815
    minFaceSize: int | None  # noqa: N815


class CameraImportRow(Body):
    """An import row: the export's fields, each optional (a row that updates a camera names what
    changes). Rows are checked one by one by the import, which reports every refused row."""

    id: int | None = Field(None, description="Ignored on import: rows match cameras by name")
    name: Text = None
    location: OptionalText = None
    streamType: StreamType = None  # noqa: N815  # the plan's camelCase
    streamUrl: OptionalText = Field(None, description="Required for a new camera")  # noqa: N815
    direction: Direction = None
    enabled: bool = None
    daemonId: int | None = None  # noqa: N815
    daemonName: str | None = Field(None, description="Ignored on import")  # noqa: N815
    matchThreshold: Threshold = None  # noqa: N815
    minFaceSize: FaceSize = None  # noqa: N815


# The rows are objects checked by the import itself, row by row (all or nothing, every refused row
# reported in the 422 answer), not refused as a whole request: documented as CameraImportRow says.
ImportRow = Annotated[dict[str, Any], WithJsonSchema(openapi30(TypeAdapter(CameraImportRow).json_schema()))]


class CameraImport(Body):
    cameras: Annotated[list[ImportRow] | None, Field(max_length=MAX_IMPORT_ROWS)] = Field(
        None, description="Rows as GET /cameras/export?format=json answers them"
    )
    csv: Annotated[str | None, Field(max_length=MAX_CSV_CHARS)] = Field(
        None, description="CSV with a header row (the export's)"
    )
    dryRun: bool | None = Field(None, description="Check without importing")  # noqa: N815


class CameraImportError(Answer):
    row: int
    name: str | None
    field: str | None
    message: str


class CameraImportReport(Answer):
    created: int
    updated: int
    cameras: list[int]
    errors: list[CameraImportError]
    dryRun: bool  # noqa: N815


class CameraExportQuery(Query):
    format: Literal["json", "csv"] = "json"


class FaceApiCameras(http.Controller):
    @api_route(
        "/cameras",
        ["GET"],
        readonly=True,
        scope="camera:read",
        summary="Cameras",
        tag="Cameras",
        query=CamerasQuery,
        answer=CameraList,
        enveloped=False,
        description="Paged by limit/offset or by the plan's page/pageSize (page wins when both are given).",
    )
    def list_cameras(self, query):
        limit, offset, number, size = query.window()
        cameras, total = request.env["face.camera"]._api_search(query.filters(), limit, offset)
        pages = -(-total // size)
        return {
            "success": True,
            "data": {
                "cameras": [camera_dict(c) for c in cameras],
                "total": total,
                "limit": limit,
                "offset": offset,
                "page": number,
                "pageSize": size,
                "totalPages": pages,
            },
            "meta": {"page": number, "pageSize": size, "total": total, "totalPages": pages},
        }

    @api_route(
        "/cameras/summary",
        ["GET"],
        readonly=True,
        scope="camera:read",
        summary="Per-camera counts for a day (the key user's time zone)",
        tag="Cameras",
        query=CameraDayQuery,
        answer=CameraSummary,
    )
    def summary(self, query):
        """Per-camera counts for one day (``date``, default today) in the key user's time zone."""
        return request.env["face.camera"]._api_summary(query.date and query.date.isoformat())

    @api_route(
        "/cameras/<int:camera_id>",
        ["GET"],
        readonly=True,
        scope="camera:read",
        summary="One camera",
        tag="Cameras",
        answer=Camera,
    )
    def get_camera(self, camera_id):
        return camera_dict(request.env["face.camera"]._api_find(camera_id))

    @api_route(
        "/cameras",
        ["POST"],
        scope="camera:write",
        summary="Add a camera",
        tag="Cameras",
        body=CameraCreate,
        answer=Camera,
        status=201,
    )
    def create_camera(self, body):
        return camera_dict(request.env["face.camera"]._api_create(body.given()))

    @api_route(
        "/cameras/<int:camera_id>",
        ["PUT"],
        scope="camera:write",
        summary="Update a camera (partial)",
        tag="Cameras",
        body=CameraChange,
        answer=Camera,
    )
    def update_camera(self, camera_id, body):
        return camera_dict(request.env["face.camera"]._api_update(camera_id, body.given()))

    @api_route(
        "/cameras/<int:camera_id>",
        ["DELETE"],
        scope="camera:write",
        summary="Archive a camera",
        tag="Cameras",
        answer=CameraArchived,
        extra_errors=["409"],
    )
    def delete_camera(self, camera_id):
        """Archived, not deleted: its events and attendance keep pointing at it."""
        camera = request.env["face.camera"]._api_archive(camera_id)
        return {"id": camera.id, "active": False}

    # ------------------------------------------------------------------ the plan's operations

    @api_route(
        "/cameras/<int:camera_id>/state",
        ["PATCH"],
        scope="camera:write",
        summary="Enable or disable a camera",
        tag="Cameras",
        body=CameraState,
        answer=Camera,
        description="Its daemon starts or stops reading it at its next configuration refresh.",
    )
    def set_state(self, camera_id, body):
        return camera_dict(request.env["face.camera"]._api_set_state(camera_id, body.enabled))

    @api_route(
        "/cameras/<int:camera_id>/test-connection",
        ["POST"],
        scope="camera:write",
        summary="Test a camera's connection, through its daemon",
        tag="Cameras",
        answer=ConnectionTest,
        more={202: JobAccepted},
        extra_errors=["409"],
        description="Managers. The daemon opens the stream (as its pipeline does) and reports the time to "
        "the first frame, the resolution and frame rate. Answered within 8 s: 200 (success false when the "
        "stream cannot be read); otherwise 202 and the answer comes with GET /jobs/{id}. 409: no daemon "
        "reads this camera.",
    )
    def test_connection(self, camera_id):
        camera = request.env["face.camera"]._api_command_camera(camera_id, "test_connection", "Connection test")
        return run_command(camera.daemon_id, "test_connection", camera=camera, present=_test_result)

    @api_route(
        "/cameras/<int:camera_id>/snapshot",
        ["POST"],
        scope="camera:write",
        summary="Take a snapshot (JPEG) through the camera's daemon",
        tag="Cameras",
        answer=CameraSnapshot,
        status=201,
        more={202: JobAccepted},
        extra_errors=["409"],
        description="Managers only. 201 with the attachment when the daemon answered within 8 s, 202 with "
        "the job otherwise; 422 when the daemon could not read a frame; 409: no daemon reads this camera. "
        "``url`` serves the JPEG to the managers' keys.",
    )
    def snapshot(self, camera_id):
        camera = request.env["face.camera"]._api_command_camera(camera_id, "snapshot", "Snapshot")
        return run_command(camera.daemon_id, "snapshot", camera=camera, present=_snapshot_result)

    @api_route(
        "/cameras/import",
        ["POST"],
        scope="camera:write",
        summary="Import cameras (JSON rows or CSV text)",
        tag="Cameras",
        body=CameraImport,
        answer=CameraImportReport,
        description="Managers. Give ``cameras`` (rows as GET /cameras/export?format=json answers them) or "
        "``csv`` (its CSV). A row whose name matches an existing camera updates it, any other creates one. "
        "All or nothing: when any row is refused, nothing is imported and the 422 answer lists every "
        "refused row (details.errors: row, name, field, message). ``dryRun`` checks without importing.",
    )
    def import_cameras(self, body):
        report, count = request.env["face.camera"]._api_import(body.given())
        if report["errors"]:
            raise ApiError(
                422,
                "IMPORT_REFUSED",
                "%d of %d rows were refused: nothing was imported." % (len(report["errors"]), count),
                {"errors": report["errors"]},
            )
        return report

    @api_route(
        "/cameras/export",
        ["GET"],
        readonly=True,
        scope="camera:read",
        summary="Export cameras (JSON or CSV)",
        tag="Cameras",
        query=CameraExportQuery,
        answer=list[CameraRow],
        produces="text/csv",
        description="The rows POST /cameras/import reads. Stream URLs only for managers: for everybody "
        "else they are null (empty in CSV).",
    )
    def export_cameras(self, query):
        rows = request.env["face.camera"]._api_export_rows()
        if query.format == "json":
            return rows
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
