import os
import time
from datetime import timedelta

from odoo import fields, http
from odoo import release as odoo_release
from odoo.exceptions import AccessError, ValidationError
from odoo.http import request
from odoo.tools import config as odoo_config

from ..models.face_config import SETTINGS
from ..models.security_groups import MANAGER, USER
from . import system_figures as figures
from .api_common import (
    API_VERSION,
    MAX_ID,
    ApiError,
    api_route,
    audit,
    bad_request,
    iso,
    json_body,
    json_response,
    ok,
    paging,
)
from .api_jobs import job_operation, run_command
from .openapi_spec import DATETIME, PAGING, json_content, obj, operation, page, query, s

_STARTED = time.time()

UPTIME_ROW = {
    "id": s("integer"),
    "name": s("string"),
    "status": s("string"),
    "uptimeSeconds": figures.INTEGER,
    "uptime24h": dict(figures.NUMBER, description="Percent of the last 24 hours"),
    "uptime7d": dict(figures.NUMBER, description="Percent of the last 7 days"),
}
NETWORK_ROW = obj(
    dict(
        {
            "id": s("integer"),
            "name": s("string"),
            "status": s("string", enum=["online", "offline", "never"]),
            "lastHeartbeat": DATETIME,
            "lastDelivery": dict(DATETIME, description="Latest event from this daemon received by Odoo"),
            "events24h": s("integer"),
            "latency": figures.LATENCY,
            "failing": s("boolean", description="Its breaker is not closed or its last delivery failed"),
        },
        **figures.DELIVERY,
    )
)
# Seconds a restart or sync request waits for the daemons: a worker is never held long, and a
# client with a 10-second timeout still gets the 202 and its job.
MAX_WAIT = 5
SERVICE_ID = {"type": "string", "minLength": 1, "maxLength": 32, "pattern": r"^[a-z]+(-[0-9]+)?$"}
WAIT = query(
    "wait",
    {"type": "number", "minimum": 0, "maximum": MAX_WAIT, "default": MAX_WAIT},
    "Seconds to wait for the daemon's answer before answering 202 with the job",
)


class FaceApiSystem(http.Controller):
    @api_route(
        "/health",
        ["GET"],
        public=True,
        doc=operation(
            "Health, with the database state",
            "System",
            None,
            200,
            None,
            extra_errors=["503"],
            ok_content=json_content(
                obj(
                    {
                        "success": s("boolean"),
                        "status": s("string"),
                        "timestamp": DATETIME,
                        "version": s("string"),
                        "database": s("string"),
                    }
                )
            ),
        ),
    )
    def health(self):
        try:
            request.env.cr.execute("SELECT 1")
            database = "connected"
        except Exception:  # the answer must say the database is down, not crash
            database = "unavailable"
        healthy = database == "connected"
        return json_response(
            {
                "success": healthy,
                "status": "healthy" if healthy else "unhealthy",
                "timestamp": iso(fields.Datetime.now()),
                "version": API_VERSION,
                "database": database,
            },
            status=200 if healthy else 503,
        )

    @api_route(
        "/status",
        ["GET"],
        scope="config:read",
        doc=operation(
            "Daemons and cameras, uptime",
            "System",
            "config:read",
            200,
            obj(
                {
                    "uptime_seconds": s("integer"),
                    "daemons": s("array", items=s("object")),
                    "cameras": s("array", items=s("object")),
                    "running_daemons": s("integer"),
                    "running_cameras": s("integer"),
                }
            ),
        ),
    )
    def status(self):
        daemons = request.env["face.daemon"].search([])
        cameras = request.env["face.camera"].search([])
        return ok(
            {
                "uptime_seconds": int(time.time() - _STARTED),
                "daemons": [
                    {
                        "id": d.id,
                        "name": d.name,
                        "status": d.status,
                        "host": d.host,
                        "version": d.version,
                        "last_heartbeat": iso(d.last_heartbeat),
                    }
                    for d in daemons
                ],
                "cameras": [
                    {
                        "id": c.id,
                        "name": c.name,
                        "status": c.status,
                        "direction": c.direction,
                        "source_type": c.source_type,
                        "fps": c.fps,
                        "last_frame_at": iso(c.last_frame_at),
                        "daemon_id": c.daemon_id.id or None,
                    }
                    for c in cameras
                ],
                "running_daemons": len(daemons.filtered(lambda d: d.status == "online")),
                "running_cameras": len(cameras.filtered(lambda c: c.status == "online")),
            }
        )

    @api_route(
        "/keys",
        ["GET"],
        scope="keys:read",
        doc=operation(
            "API keys (never their secrets)",
            "System",
            "keys:read",
            200,
            page("keys", s("object")),
            PAGING
            + [
                query("status", s("string", enum=["active", "inactive", "revoked"])),
                query(
                    "kind",
                    s("string", enum=["api", "access", "refresh"], default="api"),
                    "API keys, or the sign-in tokens of POST /auth/login",
                ),
            ],
        ),
    )
    def keys(self, **params):
        limit, offset = paging(params)
        kind = params.get("kind") or "api"
        if kind not in ("api", "access", "refresh"):
            raise bad_request("kind must be api, access or refresh.")
        domain = [("kind", "=", kind)]
        if params.get("status"):
            if params["status"] not in ("active", "inactive", "revoked"):
                raise bad_request("status must be active, inactive or revoked.")
            domain.append(("state", "=", params["status"]))
        keys = request.env["face.api.key"].search(domain, limit=limit, offset=offset)
        return ok(
            {
                "keys": [k._api_dict() for k in keys],
                "total": request.env["face.api.key"].search_count(domain),
                "limit": limit,
                "offset": offset,
            }
        )

    @api_route(
        "/logs",
        ["GET"],
        scope="logs:read",
        doc=operation(
            "System log",
            "System",
            "logs:read",
            200,
            page("logs", s("object")),
            PAGING
            + [
                query("level", s("string", enum=["debug", "info", "warning", "error"])),
                query("category", s("string", enum=["sync", "api", "system", "attendance"])),
            ],
        ),
    )
    def logs(self, **params):
        limit, offset = paging(params)
        Log = request.env["face.system.log"]
        domain = []
        for name in ("level", "category"):
            if params.get(name):
                allowed = [v for v, _label in Log._fields[name].selection]
                if params[name] not in allowed:
                    raise bad_request("%s must be one of %s." % (name, ", ".join(allowed)))
                domain.append((name, "=", params[name]))
        records = Log.search(domain, limit=limit, offset=offset)
        return ok(
            {
                "logs": [
                    {
                        "id": r.id,
                        "timestamp": iso(r.create_date),
                        "level": r.level,
                        "category": r.category,
                        "message": r.message,
                        "details": r.details,
                        "action": r.action,
                        "object": r.object_ref,
                        "user": r.user_id.login,
                        "api_key": r.api_key_name,
                        "address": r.address,
                    }
                    for r in records
                ],
                "total": Log.search_count(domain),
                "limit": limit,
                "offset": offset,
            }
        )

    @api_route(
        "/config",
        ["GET"],
        scope="config:read",
        doc=operation(
            "Settings with their descriptions",
            "System",
            "config:read",
            200,
            obj({"settings": s("array", items=s("object"))}),
        ),
    )
    def config_get(self):
        if not request.env.user.has_group(USER):
            raise ApiError(403, "FORBIDDEN", "Only Face Attendance users read its settings.")
        config = request.env["face.attendance.config"]
        described = config._describe()
        values = config._get_all()
        return ok({"settings": [dict(described[key], key=key, value=values[key]) for key in sorted(described)]})

    @api_route(
        "/config",
        ["POST"],
        scope="config:write",
        doc=operation(
            "Change one setting (managers)",
            "System",
            "config:write",
            200,
            obj({"key": s("string"), "value": {}}),
            body=json_content(
                {
                    "type": "object",
                    "required": ["key", "value"],
                    "additionalProperties": False,
                    "properties": {
                        "key": s("string", enum=sorted(SETTINGS)),
                        "value": {},
                        "description": s("string"),
                    },
                }
            ),
        ),
    )
    def config_set(self):
        body = json_body(required=("key", "value"), optional=("description",))
        if not isinstance(body["key"], str):
            raise bad_request("key must be a string.")
        config = request.env["face.attendance.config"]
        if not request.env.user.has_group(MANAGER):
            raise ApiError(403, "FORBIDDEN", "Only face attendance managers change settings.")
        if body["key"] not in config._describe():
            raise bad_request("Unknown setting %r." % body["key"], known=sorted(config._describe()))
        try:
            value = config.set(body["key"], body["value"])
        except ValidationError as error:
            raise bad_request(str(error.args[0]), key=body["key"]) from None
        audit("config.set", "setting,%s" % body["key"], "Setting %s changed" % body["key"], {"value": value})
        return ok({"key": body["key"], "value": value})

    # ------------------------------------------------------------------ the operations plan's system pages
    @api_route(
        "/system/summary",
        ["GET"],
        scope="config:read",
        doc=operation(
            "Today at a glance",
            "System",
            "config:read",
            200,
            obj(
                {
                    "activeCameras": s("integer", description="Cameras online now"),
                    "registeredPeople": s("integer", description="Persons with at least one face template"),
                    "peopleDetectedToday": s("integer", description="Distinct persons recognised today"),
                    "unknownFaceAlerts": s("integer", description="Open unknown-face alerts"),
                    "manualOverrides": s(
                        "integer",
                        description="Today's attendances with a check-in or check-out not recorded by a camera: "
                        "typed in (Odoo, POST /attendance/manual), a kiosk's PIN or badge, the employee's own button",
                    ),
                    "attendanceCompletion": s(
                        "number",
                        nullable=True,
                        description="Percent of today's check-ins that have their check-out; null when nobody "
                        "checked in today",
                    ),
                    "lastSync": dict(DATETIME, description="Latest daemon heartbeat or event received"),
                    "checkIns": s("integer", description="Today's check-ins"),
                    "checkOuts": s("integer", description="Today's check-ins already checked out"),
                    "date": s("string", description="Today, in the key's user's time zone"),
                    "shiftCompliance": {
                        "type": "object",
                        "nullable": True,
                        "description": "Today's shift compliance (see GET /shifts); null when unavailable",
                        "properties": {
                            "lateArrivals": s("integer"),
                            "earlyDepartures": s("integer"),
                            "missingCheckouts": s("integer"),
                            "absent": s("integer"),
                            "scheduled": s("integer"),
                            "compliance": s("number", nullable=True),
                        },
                    },
                },
            ),
            description="Today is the day in the time zone of the key's user (UTC without one).",
        ),
    )
    def system_summary(self):
        env = request.env
        day, start, end = figures.today_bounds()
        cameras = env["face.camera"].search([])
        today = [("check_in", ">=", start), ("check_in", "<", end)]
        Attendance = env["hr.attendance"]
        check_ins = Attendance.search_count(today)
        check_outs = Attendance.search_count([*today, ("check_out", "!=", False)])
        manual = Attendance.search_count(
            [
                *today,
                "|",
                ("in_mode", "in", figures.MANUAL_MODES),
                "&",
                ("check_out", "!=", False),
                ("out_mode", "in", figures.MANUAL_MODES),
            ]
        )
        Event = env["face.recognition.event"]
        detected = Event._read_group(
            [("sighted_at", ">=", start), ("sighted_at", "<", end), ("employee_id", "!=", False)],
            ["employee_id"],
            ["__count"],
        )
        unknown_alerts = 0
        if "face.alert" in env and env["face.alert"].has_access("read"):
            unknown_alerts = env["face.alert"].search_count(
                [("alert_type", "=", "unknown_face"), ("state", "=", "open")]
            )
        moments = [d.last_heartbeat for d in figures.daemons() if d.last_heartbeat]
        latest_event = Event.search([], order="received_at desc", limit=1)
        if latest_event.received_at:
            moments.append(latest_event.received_at)
        return ok(
            {
                "activeCameras": len(cameras.filtered(lambda c: c.status == "online")),
                "registeredPeople": _registered_people(),
                "peopleDetectedToday": len(detected),
                "unknownFaceAlerts": unknown_alerts,
                "manualOverrides": manual,
                "attendanceCompletion": round(100.0 * check_outs / check_ins, 1) if check_ins else None,
                "lastSync": iso(max(moments)) if moments else None,
                "checkIns": check_ins,
                "checkOuts": check_outs,
                "date": day.isoformat(),
                "shiftCompliance": _shift_compliance(day),
            }
        )

    @api_route(
        "/system/health/metrics",
        ["GET"],
        scope="config:read",
        doc=operation(
            "Figures of the daemons, cameras and Odoo itself",
            "System",
            "config:read",
            200,
            obj(
                {
                    "timestamp": DATETIME,
                    "daemons": s(
                        "array",
                        items=obj(
                            dict(
                                {
                                    "id": s("integer"),
                                    "name": s("string"),
                                    "status": s("string", enum=["online", "offline", "never"]),
                                    "state": dict(figures.TEXT, description="ok or degraded, as the daemon says"),
                                    "version": figures.TEXT,
                                    "lastHeartbeat": DATETIME,
                                    "uptimeSeconds": figures.INTEGER,
                                    "cameraCount": s("integer"),
                                    "fps": s("number", description="Frames analysed per second, all its cameras"),
                                    "errors": s("integer", description="Capture errors of its cameras"),
                                },
                                **figures.DELIVERY,
                            )
                        ),
                    ),
                    "cameras": s(
                        "array",
                        items=obj(
                            {
                                "id": s("integer"),
                                "name": s("string"),
                                "daemonId": figures.INTEGER,
                                "status": s("string"),
                                "fps": s("number"),
                                "latencyMs": dict(
                                    figures.NUMBER, description="Time to the first frame in the last connection test"
                                ),
                                "errorCount": s("integer"),
                                "lastError": figures.TEXT,
                                "lastFrameAt": DATETIME,
                            }
                        ),
                    ),
                    "odoo": obj(
                        {
                            "workers": s("integer", description="Odoo's worker processes (0: threaded server)"),
                            "maxCronThreads": s("integer"),
                            "processId": s("integer", description="The process that answered"),
                            "databaseSize": s("integer", description="Bytes"),
                            "cronLag": figures.CRON_LAG,
                            "addonCronLag": figures.CRON_LAG,
                        }
                    ),
                }
            ),
            description="Daemon and camera figures come from the daemons' last heartbeats; null when the "
            "daemon did not report them.",
        ),
    )
    def health_metrics(self):
        now = figures.now()
        daemons = figures.daemons()
        daemon_rows = []
        for daemon in daemons:
            cameras = daemon.camera_ids
            daemon_rows.append(
                dict(
                    {
                        "id": daemon.id,
                        "name": daemon.name,
                        "status": daemon.status,
                        "state": figures.text(figures.as_dict(daemon.status_details).get("status"), 32),
                        "version": daemon.version or None,
                        "lastHeartbeat": iso(daemon.last_heartbeat),
                        "uptimeSeconds": figures.daemon_uptime(daemon),
                        "cameraCount": len(cameras),
                        "fps": round(sum(cameras.mapped("fps")), 2),
                        "errors": sum(cameras.mapped("error_count")),
                    },
                    **figures.daemon_delivery(daemon),
                )
            )
        cameras = request.env["face.camera"].search([])
        crons_all = figures.crons(addon_only=False)
        crons_addon = figures.crons(addon_only=True)
        return ok(
            {
                "timestamp": iso(now),
                "daemons": daemon_rows,
                "cameras": [
                    {
                        "id": camera.id,
                        "name": camera.name,
                        "daemonId": camera.daemon_id.id or None,
                        "status": camera.status,
                        "fps": camera.fps,
                        "latencyMs": (camera.latency_ms or None) if "latency_ms" in camera._fields else None,
                        "errorCount": camera.error_count,
                        "lastError": camera.last_error or None,
                        "lastFrameAt": iso(camera.last_frame_at),
                    }
                    for camera in cameras
                ],
                "odoo": {
                    "workers": int(config_value("workers")),
                    "maxCronThreads": int(config_value("max_cron_threads")),
                    "processId": os.getpid(),
                    "databaseSize": figures.database_size(),
                    "cronLag": figures.lag_of(crons_all, now),
                    "addonCronLag": figures.lag_of(crons_addon, now),
                },
            }
        )

    @api_route(
        "/system/health/services",
        ["GET"],
        scope="config:read",
        doc=operation(
            "Odoo, PostgreSQL, each daemon, camera and cron of the addon: state and last run",
            "System",
            "config:read",
            200,
            s("array", items=figures.SERVICE),
        ),
    )
    def health_services(self):
        now = figures.now()
        started = figures.odoo_started_at()
        rows = [
            figures.service(
                "odoo",
                "Odoo",
                "odoo",
                "running",
                "running",
                version=odoo_release.version,
                uptimeSeconds=int((now - started).total_seconds()),
            )
        ]
        try:
            version = figures.postgres_version()
            rows.append(
                figures.service("postgresql", "PostgreSQL", "database", "running", "reachable", version=version)
            )
        except Exception:  # the answer reports the database, it must not fail with it
            rows.append(figures.service("postgresql", "PostgreSQL", "database", "stopped", "unreachable"))
        for daemon in figures.daemons():
            delivery = figures.daemon_delivery(daemon)
            rows.append(
                figures.service(
                    "daemon-%d" % daemon.id,
                    daemon.name,
                    "daemon",
                    figures.daemon_service_status(daemon),
                    daemon.status,
                    version=daemon.version or None,
                    uptimeSeconds=figures.daemon_uptime(daemon),
                    lastHeartbeat=iso(daemon.last_heartbeat),
                    restartable=True,
                    message=delivery["lastError"],
                )
            )
        for camera in request.env["face.camera"].search([]):
            rows.append(
                figures.service(
                    "camera-%d" % camera.id,
                    camera.name,
                    "camera",
                    figures.CAMERA_SERVICE_STATUS.get(camera.status, "stopped"),
                    camera.status,
                    lastHeartbeat=iso(camera.last_frame_at),
                    restartable=bool(camera.daemon_id),
                    message=camera.last_error or None,
                )
            )
        for cron in figures.crons(addon_only=True):
            lag = figures.cron_lag(cron, now)
            status = "stopped" if not cron.active else ("degraded" if lag > figures.CRON_LATE_SECONDS else "running")
            rows.append(
                figures.service(
                    "cron-%d" % cron.id,
                    cron.cron_name,
                    "cron",
                    status,
                    "active" if cron.active else "inactive",
                    lastRun=iso(cron.lastcall),
                    nextRun=iso(cron.nextcall),
                    lagSeconds=lag,
                )
            )
        return ok(rows)

    @api_route(
        "/system/uptime",
        ["GET"],
        scope="config:read",
        doc=operation(
            "Uptime of Odoo, the daemons and the cameras",
            "System",
            "config:read",
            200,
            obj(
                {
                    "odoo": obj({"startedAt": DATETIME, "uptimeSeconds": s("integer")}),
                    "history": s("boolean", description="Whether heartbeat history exists for the percentages"),
                    "daemons": s("array", items=obj(UPTIME_ROW)),
                    "cameras": s("array", items=obj(dict(UPTIME_ROW, daemonId=figures.INTEGER))),
                }
            ),
            description="Percentages: the share of 5-minute periods of the last 24 hours and 7 days in "
            "which the daemon sent a heartbeat (a camera: delivered frames); null without history. "
            "uptimeSeconds of a daemon: since its process started, as its last heartbeat said.",
        ),
    )
    def uptime(self):
        now = figures.now()
        started = figures.odoo_started_at()
        daemons = figures.daemons()
        cameras = request.env["face.camera"].search([])
        day = figures.heartbeat_uptime(daemons.ids, cameras.ids, now - timedelta(hours=24), now)
        week = figures.heartbeat_uptime(daemons.ids, cameras.ids, now - timedelta(days=7), now)

        def row(kind, record, status, seconds):
            return {
                "id": record.id,
                "name": record.name,
                "status": status,
                "uptimeSeconds": seconds,
                "uptime24h": day.get((kind, record.id)),
                "uptime7d": week.get((kind, record.id)),
            }

        return ok(
            {
                "odoo": {"startedAt": iso(started), "uptimeSeconds": int((now - started).total_seconds())},
                "history": "face.heartbeat.log" in request.env,
                "daemons": [row("daemon", d, d.status, figures.daemon_uptime(d)) for d in daemons],
                "cameras": [dict(row("camera", c, c.status, None), daemonId=c.daemon_id.id or None) for c in cameras],
            }
        )

    @api_route(
        "/system/version",
        ["GET"],
        scope="config:read",
        doc=operation(
            "Versions: the addon, Odoo, the API, PostgreSQL and each daemon",
            "System",
            "config:read",
            200,
            obj(
                {
                    "addon": s("string", description="Installed version of face_attendance"),
                    "odoo": s("string"),
                    "odooSeries": s("string"),
                    "apiVersion": s("string"),
                    "postgresql": s("string"),
                    "daemons": s(
                        "array",
                        items=obj(
                            {
                                "id": s("integer"),
                                "name": s("string"),
                                "version": figures.TEXT,
                                "encoder": figures.TEXT,
                                "status": s("string"),
                            }
                        ),
                    ),
                }
            ),
        ),
    )
    def version(self):
        # sudo: the installed version string of this addon; modules are read by administrators.
        module = request.env["ir.module.module"].sudo().search([("name", "=", "face_attendance")], limit=1)
        return ok(
            {
                "addon": module.latest_version or module.installed_version or "",
                "odoo": odoo_release.version,
                "odooSeries": odoo_release.serie,
                "apiVersion": API_VERSION,
                "postgresql": figures.postgres_version(),
                "daemons": [
                    {
                        "id": d.id,
                        "name": d.name,
                        "version": d.version or None,
                        "encoder": d.encoder or None,
                        "status": d.status,
                    }
                    for d in figures.daemons()
                ],
            }
        )

    @api_route(
        "/system/network-metrics",
        ["GET"],
        scope="config:read",
        doc=operation(
            "Delivery from each daemon to Odoo: latency, failures, backlog",
            "System",
            "config:read",
            200,
            s("array", items=NETWORK_ROW),
            description="Latency: from the sighting to its arrival in Odoo, over the daemon's events of the "
            "last 24 hours (at most %d). Failures and backlog: from its last heartbeat." % figures.LATENCY_SAMPLE,
        ),
    )
    def network_metrics(self):
        now = figures.now()
        since = now - timedelta(hours=24)
        Event = request.env["face.recognition.event"]
        rows = []
        for daemon in figures.daemons():
            delivery = figures.daemon_delivery(daemon)
            rows.append(
                dict(
                    {
                        "id": daemon.id,
                        "name": daemon.name,
                        "status": daemon.status,
                        "lastHeartbeat": iso(daemon.last_heartbeat),
                        "lastDelivery": iso(figures.last_delivery(daemon)),
                        "events24h": Event.search_count([("daemon_id", "=", daemon.id), ("received_at", ">=", since)]),
                        "latency": figures.delivery_latency(daemon, since),
                        "failing": figures.failing(delivery),
                    },
                    **delivery,
                )
            )
        return ok(rows)

    @api_route(
        "/system/services/<string:service_id>/restart",
        ["POST"],
        scope="config:write",
        path_params={"service_id": SERVICE_ID},
        doc=job_operation(
            "Restart a daemon or a camera (through its daemon; managers)",
            "System",
            "config:write",
            parameters=[WAIT],
            description="service_id: daemon-<id> or camera-<id> (see GET /system/health/services). Odoo, "
            "PostgreSQL and crons are not restarted through the API (422).",
        ),
    )
    def restart_service(self, service_id, **params):
        if not request.env.user.has_group(MANAGER):
            raise ApiError(403, "FORBIDDEN", "Only Face Attendance managers restart daemons and cameras.")
        wait = wait_param(params)
        kind, _sep, number = service_id.partition("-")
        if service_id in ("odoo", "postgresql") or (kind == "cron" and number.isdigit()):
            raise ApiError(422, "UNPROCESSABLE", "%s is not restarted through the API." % service_id)
        if kind not in ("daemon", "camera") or not number.isdigit() or not 0 < int(number) <= MAX_ID:
            raise ApiError(404, "NOT_FOUND", "Unknown service %s: use daemon-<id> or camera-<id>." % service_id)
        model = "face.daemon" if kind == "daemon" else "face.camera"
        record = request.env[model].search([("id", "=", int(number))])
        if not record:
            raise ApiError(404, "NOT_FOUND", "Unknown service %s." % service_id)
        audit("service.restart", "%s,%d" % (model, record.id), "Restart of %s %s requested" % (kind, record.name))
        if kind == "daemon":
            return run_command(record, "restart_daemon", wait=wait)
        return run_command(record.daemon_id, "restart_camera", camera=record, wait=wait)


def _registered_people():
    """Active persons of the key's company with at least one face template."""
    # sudo: Face Attendance users without an HR right cannot read employees; this is one count of
    # the key's company's enrolled persons, the figure the dashboard shows them.
    return (
        request.env["hr.employee"]
        .sudo()
        .search_count([("face_count", ">", 0), ("company_id", "in", request.env.companies.ids)])
    )


def _shift_compliance(day):
    """Today's shift compliance from the shifts (face.shift), None when unavailable to this user."""
    if "face.shift" not in request.env or not request.env.user.has_group(USER):
        return None
    Shift = request.env["face.shift"]
    if not hasattr(Shift, "_compliance"):
        return None
    try:
        result = Shift._compliance(day)
    except AccessError:
        return None  # the shifts read employees, which some users may not
    keys = ("lateArrivals", "earlyDepartures", "missingCheckouts", "absent", "scheduled")
    answer = {key: figures.integer(result.get(key)) or 0 for key in keys}
    answer["compliance"] = figures.number(result.get("compliance"))
    return answer


def config_value(name):
    return odoo_config.get(name) or 0


def wait_param(params):
    try:
        wait = float(params.get("wait", MAX_WAIT))
    except (TypeError, ValueError):
        raise bad_request("wait must be a number of seconds.") from None
    if not 0 <= wait <= MAX_WAIT:
        raise bad_request("wait is between 0 and %d seconds." % MAX_WAIT)
    return wait
