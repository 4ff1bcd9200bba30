from odoo import fields, http
from odoo.exceptions import ValidationError
from odoo.http import request

from ..models.face_config import SETTINGS
from ..models.face_system_figures import LATENCY_SAMPLE, MAX_WAIT
from ..models.security_groups import MANAGER, USER
from .api_common import (
    API_VERSION,
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

# The schemas of the system figures (face.system.figures).
NUMBER = s("number", nullable=True)
INTEGER = s("integer", nullable=True)
TEXT = s("string", nullable=True)
DELIVERY = {
    "outboxPending": dict(INTEGER, description="Events waiting in the daemon's outbox"),
    "outboxSent": INTEGER,
    "outboxBytes": INTEGER,
    "oldestPendingAge": dict(NUMBER, description="Seconds the oldest waiting event has waited"),
    "delivered": dict(INTEGER, description="Events delivered since the daemon started"),
    "breaker": dict(TEXT, description="closed (delivering), open (Odoo considered down) or half-open"),
    "lastError": TEXT,
}
LATENCY = obj({"p50Ms": NUMBER, "p95Ms": NUMBER, "samples": s("integer")})
CRON_LAG = obj(
    {
        "lagSeconds": s("integer", description="How late the latest overdue cron is (0: none overdue)"),
        "overdue": s("integer"),
        "worst": s("string", nullable=True),
    }
)
SERVICE = obj(
    {
        "id": s("string", description="odoo, postgresql, daemon-<id>, camera-<id> or cron-<id>"),
        "name": s("string"),
        "type": s("string", enum=["odoo", "database", "daemon", "camera", "cron"]),
        "status": s("string", enum=["running", "degraded", "stopped"]),
        "state": s("string", description="The component's own state (online, offline, never, disabled, ...)"),
        "version": TEXT,
        "uptimeSeconds": INTEGER,
        "lastHeartbeat": DATETIME,
        "lastRun": DATETIME,
        "nextRun": DATETIME,
        "lagSeconds": INTEGER,
        "restartable": s("boolean", description="POST /system/services/{id}/restart applies"),
        "message": TEXT,
    }
)
UPTIME_ROW = {
    "id": s("integer"),
    "name": s("string"),
    "status": s("string"),
    "uptimeSeconds": INTEGER,
    "uptime24h": dict(NUMBER, description="Percent of the last 24 hours"),
    "uptime7d": dict(NUMBER, description="Percent of the last 7 days"),
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
            "latency": LATENCY,
            "failing": s("boolean", description="Its breaker is not closed or its last delivery failed"),
        },
        **DELIVERY,
    )
)
# Seconds a restart or sync request waits for the daemons (MAX_WAIT): a worker is never held long,
# and a client with a 10-second timeout still gets the 202 and its job.
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
        database = "connected" if request.env["face.system.figures"]._api_database_ok() else "unavailable"
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
        return ok(request.env["face.system.figures"]._status())

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
        keys, total = request.env["face.api.key"]._api_list(
            params.get("kind") or "api", params.get("status"), limit=limit, offset=offset
        )
        return ok({"keys": [k._api_dict() for k in keys], "total": total, "limit": limit, "offset": offset})

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
        records, total = request.env["face.system.log"]._api_lines(
            params.get("level"), params.get("category"), limit=limit, offset=offset
        )
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
                "total": total,
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
        return ok(request.env["face.system.figures"]._summary())

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
                                    "state": dict(TEXT, description="ok or degraded, as the daemon says"),
                                    "version": TEXT,
                                    "lastHeartbeat": DATETIME,
                                    "uptimeSeconds": INTEGER,
                                    "cameraCount": s("integer"),
                                    "fps": s("number", description="Frames analysed per second, all its cameras"),
                                    "errors": s("integer", description="Capture errors of its cameras"),
                                },
                                **DELIVERY,
                            )
                        ),
                    ),
                    "cameras": s(
                        "array",
                        items=obj(
                            {
                                "id": s("integer"),
                                "name": s("string"),
                                "daemonId": INTEGER,
                                "status": s("string"),
                                "fps": s("number"),
                                "latencyMs": dict(
                                    NUMBER, description="Time to the first frame in the last connection test"
                                ),
                                "errorCount": s("integer"),
                                "lastError": TEXT,
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
                            "cronLag": CRON_LAG,
                            "addonCronLag": CRON_LAG,
                        }
                    ),
                }
            ),
            description="Daemon and camera figures come from the daemons' last heartbeats; null when the "
            "daemon did not report them.",
        ),
    )
    def health_metrics(self):
        return ok(request.env["face.system.figures"]._health_metrics())

    @api_route(
        "/system/health/services",
        ["GET"],
        scope="config:read",
        doc=operation(
            "Odoo, PostgreSQL, each daemon, camera and cron of the addon: state and last run",
            "System",
            "config:read",
            200,
            s("array", items=SERVICE),
        ),
    )
    def health_services(self):
        return ok(request.env["face.system.figures"]._health_services())

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
                    "cameras": s("array", items=obj(dict(UPTIME_ROW, daemonId=INTEGER))),
                }
            ),
            description="Percentages: the share of 5-minute periods of the last 24 hours and 7 days in "
            "which the daemon sent a heartbeat (a camera: delivered frames); null without history. "
            "uptimeSeconds of a daemon: since its process started, as its last heartbeat said.",
        ),
    )
    def uptime(self):
        return ok(request.env["face.system.figures"]._uptime())

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
                                "version": TEXT,
                                "encoder": TEXT,
                                "status": s("string"),
                            }
                        ),
                    ),
                }
            ),
        ),
    )
    def version(self):
        return ok(request.env["face.system.figures"]._versions(api_version=API_VERSION))

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
            "last 24 hours (at most %d). Failures and backlog: from its last heartbeat." % LATENCY_SAMPLE,
        ),
    )
    def network_metrics(self):
        return ok(request.env["face.system.figures"]._network_metrics())

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
        kind, record = request.env["face.system.figures"]._api_restart_target(service_id)
        audit(
            "service.restart", "%s,%d" % (record._name, record.id), "Restart of %s %s requested" % (kind, record.name)
        )
        if kind == "daemon":
            return run_command(record, "restart_daemon", wait=wait)
        return run_command(record.daemon_id, "restart_camera", camera=record, wait=wait)


def wait_param(params):
    try:
        wait = float(params.get("wait", MAX_WAIT))
    except (TypeError, ValueError):
        raise bad_request("wait must be a number of seconds.") from None
    if not 0 <= wait <= MAX_WAIT:
        raise bad_request("wait is between 0 and %d seconds." % MAX_WAIT)
    return wait
