"""The figures of the system and Odoo-integration pages, read from what Odoo holds: the daemons'
heartbeats (``status_details``, see ``face_attendance_daemon.daemon.Daemon.status``), the cameras'
live status, the heartbeat history, the recognition events, the crons and PostgreSQL itself.

One implementation for the REST routes (``/status``, ``/system/*``, ``/odoo/status``, ``/odoo/sync``)
and RPC. Public methods check their caller (Face Attendance users read the figures, managers ask the
daemons to flush) and answer values XML-RPC can carry (False for nothing); the routes call the
private methods they wrap, which answer null for nothing. Every figure is read with the caller's
rights: a user sees the daemons and cameras of their companies only.

A heartbeat is the daemon's own JSON: every figure taken from it is checked for its type, so a
daemon sending something odd never breaks an answer.
"""

import math
import os
import time
from datetime import datetime, timedelta, timezone
from datetime import time as dtime

import psutil
import pytz

from odoo import api, fields, models
from odoo import release as odoo_release
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.tools import config as odoo_config

from .face_api_key import iso
from .face_recognition_service import audit, rpc_safe
from .security_groups import MANAGER, USER

# A cron this late (past its next run) is degraded: cron threads are stopped or overloaded.
CRON_LATE_SECONDS = 3600
LATENCY_SAMPLE = 500
# Attendance modes that are not a camera's: typed in (Odoo's backend, POST /attendance/manual),
# a kiosk's PIN or badge, the employee's own button in Odoo.
MANUAL_MODES = ("manual", "kiosk", "systray")
CAMERA_SERVICE_STATUS = {"online": "running", "offline": "stopped", "never": "stopped", "disabled": "stopped"}
# Seconds a flush request waits for the daemons at most.
MAX_WAIT = 5
_STARTED = time.time()


class NothingToFlush(UserError):
    """No daemon is online: there is nothing to ask (the REST route answers 409)."""

    api_status = 409


# ---------------------------------------------------------------------- coercion of a daemon's figures
def number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return value


def integer(value):
    value = number(value)
    return int(value) if value is not None and abs(value) < 2**53 else None


def text(value, limit=500):
    return value[:limit] if isinstance(value, str) and value else None


def as_dict(value):
    return value if isinstance(value, dict) else {}


def section(details, name):
    return as_dict(as_dict(details).get(name))


def percentile(values, fraction):
    """Nearest-rank percentile of a sorted list, None when empty."""
    if not values:
        return None
    rank = max(1, math.ceil(fraction * len(values)))
    return round(values[rank - 1], 1)


def daemon_delivery(daemon):
    """The daemon's outbox and delivery to Odoo, from its last heartbeat."""
    details = daemon.status_details
    outbox, delivery = section(details, "outbox"), section(details, "delivery")
    return {
        "outboxPending": integer(outbox.get("pending")),
        "outboxSent": integer(outbox.get("sent")),
        "outboxBytes": integer(outbox.get("bytes")),
        "oldestPendingAge": number(outbox.get("oldest_pending_age")),
        "delivered": integer(delivery.get("delivered")),
        "breaker": text(delivery.get("breaker"), 32),
        "lastError": text(delivery.get("last_error")),
    }


def failing(delivery):
    """Whether a daemon's delivery to Odoo is failing: its breaker is not closed or its last try failed."""
    return delivery["breaker"] not in (None, "closed") or bool(delivery["lastError"])


def daemon_uptime(daemon):
    """Seconds the daemon process has run, from its last heartbeat; None when it is not online."""
    if daemon.status != "online":
        return None
    return integer(as_dict(daemon.status_details).get("uptime_seconds"))


def daemon_service_status(daemon):
    if daemon.status != "online":
        return "stopped"
    degraded = as_dict(daemon.status_details).get("status") == "degraded"
    return "degraded" if degraded else "running"


def cron_lag(cron, now):
    """Seconds the cron is past its next run (0 when not due yet or inactive)."""
    if not cron.active or not cron.nextcall or cron.nextcall >= now:
        return 0
    return int((now - cron.nextcall).total_seconds())


def lag_of(cron_records, now):
    lags = [(cron_lag(cron, now), cron) for cron in cron_records]
    worst = max(lags, key=lambda item: item[0], default=(0, None))
    return {
        "lagSeconds": worst[0],
        "overdue": sum(1 for lag, _cron in lags if lag > 0),
        "worst": worst[1].cron_name if worst[1] and worst[0] else None,
    }


def service(service_id, name, kind, status, state, **extra):
    row = {
        "id": service_id,
        "name": name or service_id,
        "type": kind,
        "status": status,
        "state": state,
        "version": None,
        "uptimeSeconds": None,
        "lastHeartbeat": None,
        "lastRun": None,
        "nextRun": None,
        "lagSeconds": None,
        "restartable": False,
        "message": None,
    }
    row.update(extra)
    return row


def config_value(name):
    return odoo_config.get(name) or 0


def odoo_started_at():
    """When this Odoo server started: the prefork master when there are workers, else this process."""
    process = psutil.Process(os.getpid())
    if odoo_config["workers"]:
        parent = process.parent()
        process = parent or process
    return datetime.fromtimestamp(process.create_time(), timezone.utc).replace(tzinfo=None)


class FaceSystemFigures(models.AbstractModel):
    _name = "face.system.figures"
    _description = "Face Attendance system and delivery figures"

    # ------------------------------------------------------------------ public (RPC)
    @api.model
    def status(self):
        """Daemons and cameras, and this server's uptime (Face Attendance users)."""
        return rpc_safe(self._status())

    @api.model
    def summary(self):
        """Today at a glance, today in the user's time zone (Face Attendance users)."""
        return rpc_safe(self._summary())

    @api.model
    def health_metrics(self):
        """Figures of the daemons, cameras and Odoo itself (Face Attendance users)."""
        return rpc_safe(self._health_metrics())

    @api.model
    def health_services(self):
        """Odoo, PostgreSQL, each daemon, camera and cron of the addon (Face Attendance users)."""
        return rpc_safe(self._health_services())

    @api.model
    def uptime(self):
        """Uptime of Odoo, the daemons and the cameras (Face Attendance users)."""
        return rpc_safe(self._uptime())

    @api.model
    def versions(self):
        """The addon's, Odoo's, PostgreSQL's and each daemon's version (Face Attendance users)."""
        return rpc_safe(self._versions())

    @api.model
    def network_metrics(self):
        """Delivery from each daemon to Odoo: latency, failures, backlog (Face Attendance users)."""
        return rpc_safe(self._network_metrics())

    @api.model
    def delivery_status(self):
        """Delivery of events from the daemons to Odoo (Face Attendance users)."""
        return rpc_safe(self._delivery_status())

    @api.model
    def flush_outboxes(self, wait=MAX_WAIT):
        """Ask every online daemon of the manager's companies to deliver its outbox now (managers)."""
        return rpc_safe(self._flush_outboxes(wait))

    # ------------------------------------------------------------------ who may
    @api.model
    def _check_reader(self):
        if self.env.su or self.env.user.has_group(USER):
            return
        raise AccessError(self.env._("Only Face Attendance users read the system figures."))

    @api.model
    def _check_manager(self, message=None):
        if self.env.su or self.env.user.has_group(MANAGER):
            return
        raise AccessError(message or self.env._("Only Face Attendance managers ask the daemons to flush."))

    # ------------------------------------------------------------------ reading
    @api.model
    def _now(self):
        return fields.Datetime.now()

    @api.model
    def _today_bounds(self):
        """(day, start, end) of today in the user's time zone (UTC without one), naive UTC."""
        zone = pytz.timezone(self.env.user.tz or "UTC")
        day = datetime.now(pytz.utc).astimezone(zone).date()
        start = zone.localize(datetime.combine(day, dtime.min)).astimezone(pytz.utc).replace(tzinfo=None)
        end = (
            zone.localize(datetime.combine(day + timedelta(days=1), dtime.min))
            .astimezone(pytz.utc)
            .replace(tzinfo=None)
        )
        return day, start, end

    @api.model
    def _daemons(self):
        """The daemons the user may read (record rules: their companies)."""
        return self.env["face.daemon"].search([])

    @api.model
    def _cameras(self):
        return self.env["face.camera"].search([])

    @api.model
    def _last_delivery(self, daemon):
        """When Odoo last received an event from this daemon."""
        event = self.env["face.recognition.event"].search(
            [("daemon_id", "=", daemon.id)], order="received_at desc", limit=1
        )
        return event.received_at or None

    @api.model
    def _last_sync(self, daemons):
        """The latest daemon heartbeat or event received."""
        moments = [d.last_heartbeat for d in daemons if d.last_heartbeat]
        event = self.env["face.recognition.event"].search([], order="received_at desc", limit=1)
        if event.received_at:
            moments.append(event.received_at)
        return max(moments) if moments else None

    @api.model
    def _delivery_latency(self, daemon, since):
        """Milliseconds from sighting to arrival in Odoo of the daemon's recent events: p50, p95, samples."""
        rows = self.env["face.recognition.event"].search_read(
            [("daemon_id", "=", daemon.id), ("received_at", ">=", since)],
            ["sighted_at", "received_at"],
            order="received_at desc",
            limit=LATENCY_SAMPLE,
        )
        values = sorted(
            max(0.0, (row["received_at"] - row["sighted_at"]).total_seconds() * 1000.0)
            for row in rows
            if row["received_at"] and row["sighted_at"]
        )
        return {"p50Ms": percentile(values, 0.5), "p95Ms": percentile(values, 0.95), "samples": len(values)}

    @api.model
    def _heartbeat_uptime(self, daemon_ids, camera_ids, start, end):
        """{("daemon"|"camera", id): percent of the 5-minute buckets of [start, end) in which it was
        heard from (a camera: delivered frames)}, None without a whole bucket of history. {} when the
        heartbeat history does not exist."""
        if "face.heartbeat.log" not in self.env:
            return {}
        from .face_heartbeat_log import BUCKET_MINUTES, bucket_of

        # sudo: the history is managers-only; the rows read are those of the daemons and cameras the
        # caller may read (their ids come from searches with the caller's rights), as counts only.
        History = self.env["face.heartbeat.log"].sudo()
        answer = {}
        for kind, ids, field, extra in (
            ("daemon", daemon_ids, "daemon_id", [("camera_key", "=", 0)]),
            ("camera", camera_ids, "camera_id", []),
        ):
            if not ids:
                continue
            groups = History._read_group(
                [(field, "in", ids), ("online", "=", True), ("bucket", ">=", bucket_of(start)), ("bucket", "<", end)]
                + extra,
                [field],
                ["__count"],
            )
            online = {record.id: count for record, count in groups}
            created = {
                record.id: record.create_date
                for record in self.env["face.daemon" if kind == "daemon" else "face.camera"]
                .browse(ids)
                .with_context(active_test=False)
            }
            for record_id in ids:
                begin = max(start, created.get(record_id) or start)
                if end - begin < timedelta(minutes=BUCKET_MINUTES):
                    answer[kind, record_id] = 100.0 if online.get(record_id) else None
                    continue
                total = int((end - bucket_of(begin)).total_seconds() // (BUCKET_MINUTES * 60)) + 1
                answer[kind, record_id] = round(min(100.0, 100.0 * online.get(record_id, 0) / max(total, 1)), 1)
        return answer

    @api.model
    def _database_size(self):
        self.env.cr.execute("SELECT pg_database_size(current_database())")
        return self.env.cr.fetchone()[0]

    @api.model
    def _postgres_version(self):
        self.env.cr.execute("SHOW server_version")
        return self.env.cr.fetchone()[0]

    @api.model
    def _crons(self, addon_only):
        """The active crons (of the addon, or all), as superuser reads their schedule: ir.model.data and
        ir.cron are readable by administrators only; what is read is their names and schedule."""
        Cron = self.env["ir.cron"].sudo().with_context(active_test=False)
        if addon_only:
            ids = (
                self.env["ir.model.data"]
                .sudo()
                .search([("module", "=", "face_attendance"), ("model", "=", "ir.cron")])
                .mapped("res_id")
            )
            return Cron.browse(sorted(set(ids))).exists()
        return Cron.search([("active", "=", True)])

    @api.model
    def _registered_people(self):
        """Active persons of the user's companies with at least one face template."""
        # sudo: Face Attendance users without an HR right cannot read employees; this is one count of
        # the user's companies' enrolled persons, the figure the dashboard shows them.
        return (
            self.env["hr.employee"]
            .sudo()
            .search_count([("face_count", ">", 0), ("company_id", "in", self.env.companies.ids)])
        )

    @api.model
    def _shift_compliance(self, day):
        """Today's shift compliance from the shifts (face.shift), None when unavailable to this user."""
        if "face.shift" not in self.env or not self.env.user.has_group(USER):
            return None
        Shift = self.env["face.shift"]
        if not hasattr(Shift, "_compliance"):
            return None
        try:
            result = Shift._compliance(day)
        except AccessError:
            return None  # the shifts read employees, which some users may not
        keys = ("lateArrivals", "earlyDepartures", "missingCheckouts", "absent", "scheduled")
        answer = {key: integer(result.get(key)) or 0 for key in keys}
        answer["compliance"] = number(result.get("compliance"))
        return answer

    # ------------------------------------------------------------------ the pages
    @api.model
    def _status(self):
        self._check_reader()
        daemons, cameras = self._daemons(), self._cameras()
        return {
            "uptime_seconds": int(time.time() - _STARTED),
            "daemons": [
                {
                    "id": d.id,
                    "name": d.name,
                    "status": d.status,
                    "host": d.host or None,
                    "version": d.version or None,
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

    @api.model
    def _summary(self):
        self._check_reader()
        env = self.env
        day, start, end = self._today_bounds()
        today = [("check_in", ">=", start), ("check_in", "<", end)]
        Attendance = env["hr.attendance"]
        check_ins = Attendance.search_count(today)
        check_outs = Attendance.search_count([*today, ("check_out", "!=", False)])
        manual = Attendance.search_count(
            [
                *today,
                "|",
                ("in_mode", "in", MANUAL_MODES),
                "&",
                ("check_out", "!=", False),
                ("out_mode", "in", MANUAL_MODES),
            ]
        )
        detected = env["face.recognition.event"]._read_group(
            [("sighted_at", ">=", start), ("sighted_at", "<", end), ("employee_id", "!=", False)],
            ["employee_id"],
            ["__count"],
        )
        unknown_alerts = 0
        if "face.alert" in env and env["face.alert"].has_access("read"):
            unknown_alerts = env["face.alert"].search_count(
                [("alert_type", "=", "unknown_face"), ("state", "=", "open")]
            )
        return {
            "activeCameras": len(self._cameras().filtered(lambda c: c.status == "online")),
            "registeredPeople": self._registered_people(),
            "peopleDetectedToday": len(detected),
            "unknownFaceAlerts": unknown_alerts,
            "manualOverrides": manual,
            "attendanceCompletion": round(100.0 * check_outs / check_ins, 1) if check_ins else None,
            "lastSync": iso(self._last_sync(self._daemons())),
            "checkIns": check_ins,
            "checkOuts": check_outs,
            "date": day.isoformat(),
            "shiftCompliance": self._shift_compliance(day),
        }

    @api.model
    def _health_metrics(self):
        self._check_reader()
        now = self._now()
        daemon_rows = []
        for daemon in self._daemons():
            cameras = daemon.camera_ids
            daemon_rows.append(
                dict(
                    {
                        "id": daemon.id,
                        "name": daemon.name,
                        "status": daemon.status,
                        "state": text(as_dict(daemon.status_details).get("status"), 32),
                        "version": daemon.version or None,
                        "lastHeartbeat": iso(daemon.last_heartbeat),
                        "uptimeSeconds": daemon_uptime(daemon),
                        "cameraCount": len(cameras),
                        "fps": round(sum(cameras.mapped("fps")), 2),
                        "errors": sum(cameras.mapped("error_count")),
                    },
                    **daemon_delivery(daemon),
                )
            )
        return {
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
                for camera in self._cameras()
            ],
            "odoo": {
                "workers": int(config_value("workers")),
                "maxCronThreads": int(config_value("max_cron_threads")),
                "processId": os.getpid(),
                "databaseSize": self._database_size(),
                "cronLag": lag_of(self._crons(addon_only=False), now),
                "addonCronLag": lag_of(self._crons(addon_only=True), now),
            },
        }

    @api.model
    def _health_services(self):
        self._check_reader()
        now = self._now()
        started = odoo_started_at()
        rows = [
            service(
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
            version = self._postgres_version()
            rows.append(service("postgresql", "PostgreSQL", "database", "running", "reachable", version=version))
        except Exception:  # noqa: BLE001  # the answer reports the database, it must not fail with it
            rows.append(service("postgresql", "PostgreSQL", "database", "stopped", "unreachable"))
        for daemon in self._daemons():
            rows.append(
                service(
                    "daemon-%d" % daemon.id,
                    daemon.name,
                    "daemon",
                    daemon_service_status(daemon),
                    daemon.status,
                    version=daemon.version or None,
                    uptimeSeconds=daemon_uptime(daemon),
                    lastHeartbeat=iso(daemon.last_heartbeat),
                    restartable=True,
                    message=daemon_delivery(daemon)["lastError"],
                )
            )
        for camera in self._cameras():
            rows.append(
                service(
                    "camera-%d" % camera.id,
                    camera.name,
                    "camera",
                    CAMERA_SERVICE_STATUS.get(camera.status, "stopped"),
                    camera.status,
                    lastHeartbeat=iso(camera.last_frame_at),
                    restartable=bool(camera.daemon_id),
                    message=camera.last_error or None,
                )
            )
        for cron in self._crons(addon_only=True):
            lag = cron_lag(cron, now)
            status = "stopped" if not cron.active else ("degraded" if lag > CRON_LATE_SECONDS else "running")
            rows.append(
                service(
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
        return rows

    @api.model
    def _uptime(self):
        self._check_reader()
        now = self._now()
        started = odoo_started_at()
        daemons, cameras = self._daemons(), self._cameras()
        day = self._heartbeat_uptime(daemons.ids, cameras.ids, now - timedelta(hours=24), now)
        week = self._heartbeat_uptime(daemons.ids, cameras.ids, now - timedelta(days=7), now)

        def row(kind, record, status, seconds):
            return {
                "id": record.id,
                "name": record.name,
                "status": status,
                "uptimeSeconds": seconds,
                "uptime24h": day.get((kind, record.id)),
                "uptime7d": week.get((kind, record.id)),
            }

        return {
            "odoo": {"startedAt": iso(started), "uptimeSeconds": int((now - started).total_seconds())},
            "history": "face.heartbeat.log" in self.env,
            "daemons": [row("daemon", d, d.status, daemon_uptime(d)) for d in daemons],
            "cameras": [dict(row("camera", c, c.status, None), daemonId=c.daemon_id.id or None) for c in cameras],
        }

    @api.model
    def _versions(self, api_version=None):
        self._check_reader()
        # sudo: the installed version string of this addon; modules are read by administrators.
        module = self.env["ir.module.module"].sudo().search([("name", "=", "face_attendance")], limit=1)
        answer = {
            "addon": module.latest_version or module.installed_version or "",
            "odoo": odoo_release.version,
            "odooSeries": odoo_release.serie,
        }
        if api_version:
            answer["apiVersion"] = api_version
        answer["postgresql"] = self._postgres_version()
        answer["daemons"] = [
            {
                "id": d.id,
                "name": d.name,
                "version": d.version or None,
                "encoder": d.encoder or None,
                "status": d.status,
            }
            for d in self._daemons()
        ]
        return answer

    @api.model
    def _delivery_row(self, daemon, since=None):
        """A daemon's delivery to Odoo: its last heartbeat's figures, its latest event; with ``since``,
        its events since then and their latency."""
        delivery = daemon_delivery(daemon)
        row = {
            "id": daemon.id,
            "name": daemon.name,
            "status": daemon.status,
            "lastHeartbeat": iso(daemon.last_heartbeat),
            "lastDelivery": iso(self._last_delivery(daemon)),
        }
        if since:
            row["events24h"] = self.env["face.recognition.event"].search_count(
                [("daemon_id", "=", daemon.id), ("received_at", ">=", since)]
            )
            row["latency"] = self._delivery_latency(daemon, since)
        row["failing"] = failing(delivery)
        return dict(row, **delivery)

    @api.model
    def _network_metrics(self):
        self._check_reader()
        since = self._now() - timedelta(hours=24)
        return [self._delivery_row(daemon, since) for daemon in self._daemons()]

    @api.model
    def _delivery_status(self):
        self._check_reader()
        daemons = self._daemons()
        rows = [self._delivery_row(daemon) for daemon in daemons]
        online = [row for row in rows if row["status"] == "online"]
        failures = sum(1 for row in rows if row["failing"])
        if not online:
            state = "disconnected"
        elif failures or len(online) < len(rows):
            state = "degraded"
        else:
            state = "connected"
        return {
            "status": state,
            "autoSync": True,
            "lastSync": iso(self._last_sync(daemons)),
            "pendingCount": sum(row["outboxPending"] or 0 for row in rows),
            "failureCount": failures,
            "daemons": rows,
        }

    @api.model
    def _flush_outboxes(self, wait=MAX_WAIT):
        """Queue a flush for every online daemon and wait up to ``wait`` seconds, shared by all, for
        their answers: {"requested", "answered", "jobs"}. Audited."""
        self._check_manager()
        if isinstance(wait, bool) or not isinstance(wait, (int, float)) or not 0 <= wait <= MAX_WAIT:
            raise UserError(self.env._("wait is between 0 and %s seconds.", MAX_WAIT))
        daemons = self._daemons().filtered(lambda d: d.status == "online")
        if not daemons:
            raise NothingToFlush(self.env._("No daemon is online: there is nothing to flush."))
        audit(
            self.env,
            "odoo.sync",
            ",".join("face.daemon,%d" % d.id for d in daemons),
            "Outbox flush requested from %d daemon(s)" % len(daemons),
        )
        Command = self.env["face.daemon.command"]
        commands = [Command._submit(daemon, "flush_outbox") for daemon in daemons]
        end = time.monotonic() + wait
        answered = 0
        for command in commands:
            # One wait shared by all: the request never waits longer than ``wait`` seconds.
            if command._wait(max(0.0, end - time.monotonic())):
                answered += 1
        return {"requested": len(commands), "answered": answered, "jobs": [c._job_dict() for c in commands]}

    # ------------------------------------------------------------------ REST API (private: no RPC door)
    @api.model
    def _api_database_ok(self):
        """Whether the database answers (GET /health): the answer must say it is down, not crash."""
        try:
            self.env.cr.execute("SELECT 1")
        except Exception:  # noqa: BLE001 - any failure means the database is unavailable
            return False
        return True

    @api.model
    def _api_restart_target(self, service_id):
        """(kind, record) of a restartable service: daemon-<id> or camera-<id> the caller may read.
        Odoo, PostgreSQL and crons are not restarted through the API."""
        kind, _sep, number = service_id.partition("-")
        if service_id in ("odoo", "postgresql") or (kind == "cron" and number.isdigit()):
            raise UserError(self.env._("%s is not restarted through the API.", service_id))
        if kind not in ("daemon", "camera") or not number.isdigit() or not 0 < int(number) <= 2**31 - 1:
            raise MissingError(self.env._("Unknown service %s: use daemon-<id> or camera-<id>.", service_id))
        model = "face.daemon" if kind == "daemon" else "face.camera"
        record = self.env[model].search([("id", "=", int(number))])
        if not record:
            raise MissingError(self.env._("Unknown service %s.", service_id))
        return kind, record

    @api.model
    def _api_restart(self, service_id):
        """POST /system/services/{id}/restart (managers): (daemon, command kind, camera or None) of the
        restart to send, audited; the route sends it (and waits for the daemon)."""
        self._check_manager(self.env._("Only face attendance managers may send commands to daemons."))
        kind, record = self._api_restart_target(service_id)
        audit(
            self.env,
            "service.restart",
            "%s,%d" % (record._name, record.id),
            "Restart of %s %s requested" % (kind, record.name),
        )
        if kind == "daemon":
            return record, "restart_daemon", None
        return record.daemon_id, "restart_camera", record
