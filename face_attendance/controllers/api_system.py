"""Health, status, keys, the system log, settings and the operations plan's system pages."""

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from odoo import fields, http
from odoo.http import request

from ..models.api_types import Answer, Body, DateTime, Paging, Query
from ..models.face_config import CHOICES, SETTINGS, parse_setting
from ..models.face_system_figures import LATENCY_SAMPLE, MAX_WAIT
from .api_common import API_VERSION, Reply, api_route, iso
from .api_jobs import Job, JobAccepted, run_command

SettingKey = Literal[tuple(sorted(SETTINGS))]
SettingValue = int | float | bool | str
Number = int | float


# ------------------------------------------------------------------ health, status
class Health(Answer):
    success: bool
    status: Literal["healthy", "unhealthy"]
    timestamp: DateTime
    version: str
    database: Literal["connected", "unavailable"]


class StatusDaemon(Answer):
    id: int
    name: str
    status: str
    host: str | None
    version: str | None
    last_heartbeat: DateTime


class StatusCamera(Answer):
    id: int
    name: str
    status: str
    direction: str
    source_type: str
    fps: float
    last_frame_at: DateTime
    daemon_id: int | None


class Status(Answer):
    uptime_seconds: int
    daemons: list[StatusDaemon]
    cameras: list[StatusCamera]
    running_daemons: int
    running_cameras: int


# ------------------------------------------------------------------ keys, log
class KeyQuery(Paging):
    status: Literal["active", "inactive", "revoked"] = None
    kind: Literal["api", "access", "refresh"] = Field(
        "api", description="API keys, or the sign-in tokens of POST /auth/login"
    )


class KeyInfo(Answer):
    id: int
    name: str
    prefix: str | None
    kind: Literal["api", "access", "refresh"]
    scopes: list[str]
    user: str
    company: str
    status: Literal["active", "inactive", "revoked"]
    expires_at: DateTime
    last_used_at: DateTime
    created_at: DateTime


class KeyList(Answer):
    keys: list[KeyInfo]
    total: int
    limit: int
    offset: int


LogLevel = Literal["debug", "info", "warning", "error"]


class LogQuery(Paging):
    level: LogLevel = None
    category: Literal["sync", "api", "system", "attendance"] = None


class LogLine(Answer):
    id: int
    timestamp: DateTime
    level: LogLevel
    category: str
    message: str
    details: Any = Field(description="Structured details (may be null)")
    action: str | None
    object: str | None
    user: str | None
    api_key: str | None
    address: str | None


class LogList(Answer):
    logs: list[LogLine]
    total: int
    limit: int
    offset: int


# ------------------------------------------------------------------ settings
class ConfigSetting(Answer):
    key: SettingKey
    type: Literal["int", "float", "bool", "str"]
    value: SettingValue
    default: SettingValue
    min: Number | None
    max: Number | None
    description: str
    choices: list[str] | None


class ConfigSettings(Answer):
    settings: list[ConfigSetting]


def _ranges():
    rows = []
    for key in sorted(SETTINGS):
        kind, _default, low, high, _doc = SETTINGS[key]
        if key in CHOICES:
            rows.append("%s: one of %s" % (key, ", ".join(CHOICES[key])))
        elif low is not None:
            rows.append("%s: %s from %s to %s" % (key, kind.__name__, low, high))
        else:
            rows.append("%s: %s" % (key, kind.__name__))
    return "; ".join(rows)


class ConfigChange(Body):
    key: SettingKey
    value: SettingValue = Field(
        description="Of the setting's type, within its range: %s." % _ranges(),
        # The validator below reads the value: its schema is the settings' types.
        json_schema_extra={"anyOf": [{"type": kind} for kind in ("integer", "number", "boolean", "string")]},
    )
    description: str = None

    # Not strict: the setting's own parser reads "7" for an int setting, as it always did.
    @field_validator("value", mode="plain")
    @classmethod
    def _fits_the_setting(cls, value, info):
        if value is None or value == "":
            raise ValueError("value is required")
        if "key" not in info.data:
            return value  # the key is refused on its own
        return parse_setting(info.data["key"], value)


class ConfigChanged(Answer):
    key: SettingKey
    value: SettingValue


# ------------------------------------------------------------------ the operations plan's system pages
class ShiftComplianceToday(Answer):
    lateArrivals: int  # noqa: N815  # the plan's camelCase
    earlyDepartures: int  # noqa: N815
    missingCheckouts: int  # noqa: N815
    absent: int
    scheduled: int
    compliance: float | None


class SystemSummary(Answer):
    activeCameras: int = Field(description="Cameras online now")  # noqa: N815
    registeredPeople: int = Field(description="Persons with at least one face template")  # noqa: N815
    peopleDetectedToday: int = Field(description="Distinct persons recognised today")  # noqa: N815
    unknownFaceAlerts: int = Field(description="Open unknown-face alerts")  # noqa: N815
    manualOverrides: int = Field(  # noqa: N815
        description="Today's attendances with a check-in or check-out not recorded by a camera: typed in "
        "(Odoo, POST /attendance/manual), a kiosk's PIN or badge, the employee's own button"
    )
    attendanceCompletion: float | None = Field(  # noqa: N815
        description="Percent of today's check-ins that have their check-out; null when nobody checked in today"
    )
    lastSync: DateTime = Field(description="Latest daemon heartbeat or event received")  # noqa: N815
    checkIns: int = Field(description="Today's check-ins")  # noqa: N815
    checkOuts: int = Field(description="Today's check-ins already checked out")  # noqa: N815
    date: str = Field(description="Today, in the key's user's time zone")
    shiftCompliance: ShiftComplianceToday | None = Field(  # noqa: N815
        description="Today's shift compliance (see GET /shifts); null when unavailable"
    )


class Delivery(Answer):
    """A daemon's outbox and delivery to Odoo, from its last heartbeat."""

    outboxPending: int | None = Field(description="Events waiting in the daemon's outbox")  # noqa: N815
    outboxSent: int | None  # noqa: N815
    outboxBytes: int | None  # noqa: N815
    oldestPendingAge: float | None = Field(description="Seconds the oldest waiting event has waited")  # noqa: N815
    delivered: int | None = Field(description="Events delivered since the daemon started")
    breaker: str | None = Field(description="closed (delivering), open (Odoo considered down) or half-open")
    lastError: str | None  # noqa: N815


DaemonStatus = Literal["online", "offline", "never"]


class DaemonMetrics(Delivery):
    id: int
    name: str
    status: DaemonStatus
    state: str | None = Field(description="ok or degraded, as the daemon says")
    version: str | None
    lastHeartbeat: DateTime  # noqa: N815
    uptimeSeconds: int | None  # noqa: N815
    cameraCount: int  # noqa: N815
    fps: float = Field(description="Frames analysed per second, all its cameras")
    errors: int = Field(description="Capture errors of its cameras")


class CameraMetrics(Answer):
    id: int
    name: str
    daemonId: int | None  # noqa: N815
    status: str
    fps: float
    latencyMs: float | None = Field(description="Time to the first frame in the last connection test")  # noqa: N815
    errorCount: int  # noqa: N815
    lastError: str | None  # noqa: N815
    lastFrameAt: DateTime  # noqa: N815


class CronLag(Answer):
    lagSeconds: int = Field(description="How late the latest overdue cron is (0: none overdue)")  # noqa: N815
    overdue: int
    worst: str | None


class OdooMetrics(Answer):
    workers: int = Field(description="Odoo's worker processes (0: threaded server)")
    maxCronThreads: int  # noqa: N815
    processId: int = Field(description="The process that answered")  # noqa: N815
    databaseSize: int = Field(description="Bytes")  # noqa: N815
    cronLag: CronLag  # noqa: N815
    addonCronLag: CronLag  # noqa: N815


class HealthMetrics(Answer):
    timestamp: DateTime
    daemons: list[DaemonMetrics]
    cameras: list[CameraMetrics]
    odoo: OdooMetrics


class Service(Answer):
    id: str = Field(description="odoo, postgresql, daemon-<id>, camera-<id> or cron-<id>")
    name: str
    type: Literal["odoo", "database", "daemon", "camera", "cron"]
    status: Literal["running", "degraded", "stopped"]
    state: str = Field(description="The component's own state (online, offline, never, disabled, ...)")
    version: str | None
    uptimeSeconds: int | None  # noqa: N815
    lastHeartbeat: DateTime  # noqa: N815
    lastRun: DateTime  # noqa: N815
    nextRun: DateTime  # noqa: N815
    lagSeconds: int | None  # noqa: N815
    restartable: bool = Field(description="POST /system/services/{id}/restart applies")
    message: str | None


class OdooUptime(Answer):
    startedAt: DateTime  # noqa: N815
    uptimeSeconds: int  # noqa: N815


class UptimeDay(Answer):
    date: str = Field(description="YYYY-MM-DD, a day in the time zone of the key's user (UTC without one)")
    percent: float | None = Field(description="Percent of the day (today: so far); null before it existed")


class UptimeRow(Answer):
    id: int
    name: str
    status: str
    uptimeSeconds: int | None  # noqa: N815
    uptime24h: float | None = Field(description="Percent of the last 24 hours")
    uptime7d: float | None = Field(description="Percent of the last 7 days")
    uptimeDays: list[UptimeDay] = Field(description="The last 7 days, oldest first")  # noqa: N815


class CameraUptimeRow(UptimeRow):
    daemonId: int | None  # noqa: N815


class Uptime(Answer):
    odoo: OdooUptime
    history: bool = Field(description="Whether heartbeat history exists for the percentages")
    daemons: list[UptimeRow]
    cameras: list[CameraUptimeRow]


class DaemonVersion(Answer):
    id: int
    name: str
    version: str | None
    encoder: str | None
    status: str


class Versions(Answer):
    addon: str = Field(description="Installed version of face_attendance")
    odoo: str
    odooSeries: str  # noqa: N815
    apiVersion: str  # noqa: N815
    postgresql: str
    daemons: list[DaemonVersion]


class DaemonDelivery(Delivery):
    id: int
    name: str
    status: DaemonStatus
    lastHeartbeat: DateTime  # noqa: N815
    lastDelivery: DateTime = Field(description="Latest event from this daemon received by Odoo")  # noqa: N815
    failing: bool = Field(description="Its breaker is not closed or its last delivery failed")


class Latency(Answer):
    p50Ms: float | None  # noqa: N815
    p95Ms: float | None  # noqa: N815
    samples: int


class NetworkRow(DaemonDelivery):
    events24h: int
    latency: Latency


class ServicePath(Query):
    service_id: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z]+(-[0-9]+)?$")]


# Seconds a restart or sync request waits for the daemons (MAX_WAIT): a worker is never held long,
# and a client with a 10-second timeout still gets the 202 and its job.
class WaitQuery(Query):
    wait: Annotated[float, Field(ge=0, le=MAX_WAIT)] = Field(
        MAX_WAIT, description="Seconds to wait for the daemon's answer before answering 202 with the job"
    )


class FaceApiSystem(http.Controller):
    @api_route(
        "/health",
        ["GET"],
        public=True,
        summary="Health, with the database state",
        tag="System",
        answer=Health,
        enveloped=False,
        more={503: Health},
    )
    def health(self):
        healthy = request.env["face.system.figures"]._api_database_ok()
        answer = {
            "success": healthy,
            "status": "healthy" if healthy else "unhealthy",
            "timestamp": iso(fields.Datetime.now()),
            "version": API_VERSION,
            "database": "connected" if healthy else "unavailable",
        }
        return answer if healthy else Reply(answer, 503)

    @api_route(
        "/status",
        ["GET"],
        readonly=True,
        scope="config:read",
        summary="Daemons and cameras, uptime",
        tag="System",
        answer=Status,
    )
    def status(self):
        return request.env["face.system.figures"]._status()

    @api_route(
        "/keys",
        ["GET"],
        readonly=True,
        scope="keys:read",
        summary="API keys (never their secrets)",
        tag="System",
        query=KeyQuery,
        answer=KeyList,
    )
    def keys(self, query):
        keys, total = request.env["face.api.key"]._api_list(
            query.kind, query.status, limit=query.limit, offset=query.offset
        )
        return {"keys": [k._api_dict() for k in keys], "total": total, "limit": query.limit, "offset": query.offset}

    @api_route(
        "/logs",
        ["GET"],
        readonly=True,
        scope="logs:read",
        summary="System log",
        tag="System",
        query=LogQuery,
        answer=LogList,
    )
    def logs(self, query):
        records, total = request.env["face.system.log"]._api_lines(
            query.level, query.category, limit=query.limit, offset=query.offset
        )
        return {
            "logs": [
                {
                    "id": r.id,
                    "timestamp": iso(r.create_date),
                    "level": r.level,
                    "category": r.category,
                    "message": r.message,
                    "details": r.details,
                    "action": r.action or None,
                    "object": r.object_ref or None,
                    "user": r.user_id.login or None,
                    "api_key": r.api_key_name or None,
                    "address": r.address or None,
                }
                for r in records
            ],
            "total": total,
            "limit": query.limit,
            "offset": query.offset,
        }

    @api_route(
        "/config",
        ["GET"],
        readonly=True,
        scope="config:read",
        summary="Settings with their descriptions",
        tag="System",
        answer=ConfigSettings,
    )
    def config_get(self):
        return {"settings": request.env["face.attendance.config"]._api_settings()}

    @api_route(
        "/config",
        ["POST"],
        scope="config:write",
        summary="Change one setting (managers)",
        tag="System",
        body=ConfigChange,
        answer=ConfigChanged,
    )
    def config_set(self, body):
        return {"key": body.key, "value": request.env["face.attendance.config"]._api_set(body.key, body.value)}

    # ------------------------------------------------------------------ the operations plan's system pages
    @api_route(
        "/system/summary",
        ["GET"],
        readonly=True,
        scope="config:read",
        summary="Today at a glance",
        tag="System",
        answer=SystemSummary,
        description="Today is the day in the time zone of the key's user (UTC without one).",
    )
    def system_summary(self):
        return request.env["face.system.figures"]._summary()

    @api_route(
        "/system/health/metrics",
        ["GET"],
        readonly=True,
        scope="config:read",
        summary="Figures of the daemons, cameras and Odoo itself",
        tag="System",
        answer=HealthMetrics,
        description="Daemon and camera figures come from the daemons' last heartbeats; null when the "
        "daemon did not report them.",
    )
    def health_metrics(self):
        return request.env["face.system.figures"]._health_metrics()

    @api_route(
        "/system/health/services",
        ["GET"],
        readonly=True,
        scope="config:read",
        summary="Odoo, PostgreSQL, each daemon, camera and cron of the addon: state and last run",
        tag="System",
        answer=list[Service],
    )
    def health_services(self):
        return request.env["face.system.figures"]._health_services()

    @api_route(
        "/system/uptime",
        ["GET"],
        readonly=True,
        scope="config:read",
        summary="Uptime of Odoo, the daemons and the cameras",
        tag="System",
        answer=Uptime,
        description="Percentages: the share of 5-minute periods of the last 24 hours and 7 days in "
        "which the daemon sent a heartbeat (a camera: delivered frames); null without history. "
        "uptimeSeconds of a daemon: since its process started, as its last heartbeat said.",
    )
    def uptime(self):
        return request.env["face.system.figures"]._uptime()

    @api_route(
        "/system/version",
        ["GET"],
        readonly=True,
        scope="config:read",
        summary="Versions: the addon, Odoo, the API, PostgreSQL and each daemon",
        tag="System",
        answer=Versions,
    )
    def version(self):
        return request.env["face.system.figures"]._versions(api_version=API_VERSION)

    @api_route(
        "/system/network-metrics",
        ["GET"],
        readonly=True,
        scope="config:read",
        summary="Delivery from each daemon to Odoo: latency, failures, backlog",
        tag="System",
        answer=list[NetworkRow],
        description="Latency: from the sighting to its arrival in Odoo, over the daemon's events of the "
        "last 24 hours (at most %d). Failures and backlog: from its last heartbeat." % LATENCY_SAMPLE,
    )
    def network_metrics(self):
        return request.env["face.system.figures"]._network_metrics()

    @api_route(
        "/system/services/<string:service_id>/restart",
        ["POST"],
        scope="config:write",
        summary="Restart a daemon or a camera (through its daemon; managers)",
        tag="System",
        path_model=ServicePath,
        query=WaitQuery,
        answer=Job,
        more={202: JobAccepted},
        extra_errors=["409"],
        description="service_id: daemon-<id> or camera-<id> (see GET /system/health/services). Odoo, "
        "PostgreSQL and crons are not restarted through the API (422).",
    )
    def restart_service(self, service_id, query):
        daemon, kind, camera = request.env["face.system.figures"]._api_restart(service_id)
        return run_command(daemon, kind, camera=camera, wait=query.wait)
