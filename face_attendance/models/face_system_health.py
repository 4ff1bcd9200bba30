"""The System Health screen's figures: the REST API's health figures (``/system/health/metrics``,
``/system/health/services``, ``/system/uptime``) in one answer, each daemon's and camera's uptime day
by day, and the daemon commands sent from the screen.

The screen is the managers': it drives the daemons (restart, flush, snapshots that show people). The
REST routes keep their own rights (Face Attendance users read the figures).
"""

import math
from datetime import datetime, timedelta

import pytz

from odoo import api, models
from odoo.exceptions import MissingError, ValidationError

from .face_daemon_command import CAMERA_KINDS, KINDS
from .face_heartbeat_log import BUCKET_MINUTES, bucket_of
from .face_recognition_service import audit, rpc_safe

UPTIME_DAYS = 7
# Enough for the screen's history table: older commands are in Devices → Daemon Commands.
RECENT_COMMANDS = 20


class FaceSystemHealth(models.AbstractModel):
    _inherit = "face.system.figures"

    # ------------------------------------------------------------------ public (RPC)
    @api.model
    def system_health(self):
        """Everything the System Health screen shows (Face Attendance managers)."""
        return rpc_safe(self._system_health())

    @api.model
    def send_command(self, kind, target_id):
        """Queue a daemon command from the System Health screen and answer it as a job, without
        waiting for the daemon: the screen shows it pending until the answer is pushed (managers)."""
        return rpc_safe(self._send_command(kind, target_id)._job_dict())

    # ------------------------------------------------------------------ the screen
    @api.model
    def _check_health_manager(self):
        self._check_manager(self.env._("Only Face Attendance managers see the System Health screen."))

    @api.model
    def _system_health(self):
        self._check_health_manager()
        Command = self.env["face.daemon.command"]
        # A command nobody answered is expired lazily: the screen must not show it pending forever.
        # Only the reader's daemons' (record rules): a screen's read writes nothing of other companies.
        Command._expire_overdue(self.env["face.daemon"].search([]))
        services = self._health_services()
        commands = Command.search([], limit=RECENT_COMMANDS)
        return {
            "metrics": self._health_metrics(),
            "uptime": self._uptime(),
            # Each daemon's delivery latency to Odoo over the last 24 hours (GET /system/network).
            "network": self._network_metrics(),
            # Odoo's and PostgreSQL's rows (version, Odoo's uptime) and the addon's crons (last run, lag).
            "services": [row for row in services if row["type"] in ("odoo", "database", "cron")],
            "commands": [dict(command._job_dict(), name=command.name) for command in commands],
        }

    @api.model
    def _send_command(self, kind, target_id):
        """The command queued: the same checks and audit lines as the REST routes that send it."""
        self._check_health_manager()
        if not isinstance(kind, str) or kind not in dict(KINDS):
            raise ValidationError(self.env._("Unknown command %s.", kind))
        if isinstance(target_id, bool) or not isinstance(target_id, int) or not 0 < target_id < 2**31:
            raise ValidationError(self.env._("The command's target is a record id."))
        model = "face.camera" if kind in CAMERA_KINDS else "face.daemon"
        record = self.env[model].with_context(active_test=False).browse(target_id).exists()
        if not record:
            raise MissingError(self.env._("The command's target does not exist."))
        # Another company's daemon or camera is refused here, whatever the id.
        record.check_access("read")
        Command = self.env["face.daemon.command"]
        if kind in ("restart_camera", "restart_daemon"):
            daemon, kind, camera = self._api_restart("%s-%d" % (kind.split("_")[1], record.id))
            return Command._submit(daemon, kind, camera=camera)
        if kind == "flush_outbox":
            audit(self.env, "odoo.sync", "face.daemon,%d" % record.id, "Outbox flush requested from 1 daemon(s)")
            return Command._submit(record, kind)
        label = dict(KINDS)[kind]
        camera = self.env["face.camera"]._api_command_camera(record.id, kind, label)
        return Command._submit(camera.daemon_id, kind, camera=camera)

    # ------------------------------------------------------------------ uptime day by day
    @api.model
    def _uptime(self):
        answer = super()._uptime()
        days = self._uptime_days(self._daemons(), self._cameras())
        for kind, rows in (("daemon", answer["daemons"]), ("camera", answer["cameras"])):
            for row in rows:
                row["uptimeDays"] = [
                    {"date": day.isoformat(), "percent": percents.get((kind, row["id"]))} for day, percents in days
                ]
        return answer

    @api.model
    def _day_bounds(self, days):
        """[(day, start, end)] of the last ``days`` days in the user's time zone (UTC without one),
        today last and ending now; naive UTC."""
        zone = pytz.timezone(self.env.user.tz or "UTC")
        now = self._now()
        today = pytz.utc.localize(now).astimezone(zone).date()

        def utc(day):
            return zone.localize(datetime.combine(day, datetime.min.time())).astimezone(pytz.utc).replace(tzinfo=None)

        bounds = []
        for back in range(days - 1, -1, -1):
            day = today - timedelta(days=back)
            bounds.append((day, utc(day), min(utc(day + timedelta(days=1)), now)))
        return bounds

    @api.model
    def _uptime_days(self, daemons, cameras, days=UPTIME_DAYS):
        """[(day, {("daemon"|"camera", id): percent of the day's 5-minute buckets in which it was
        heard from (a camera: delivered frames), None before it existed})], oldest day first."""
        bounds = self._day_bounds(days)
        first, now = bounds[0][1], bounds[-1][2]
        zone = self.env.user.tz or "UTC"
        # sudo: the history is managers-only; the ids are those of records the caller may read.
        History = self.env["face.heartbeat.log"].sudo().with_context(tz=zone)
        online = {}
        for kind, records, field, extra in (
            ("daemon", daemons, "daemon_id", [("camera_key", "=", 0)]),
            ("camera", cameras, "camera_id", []),
        ):
            if not records:
                continue
            # Grouped by the day of the user's time zone (the context's tz), as the screen shows it.
            groups = History._read_group(
                [(field, "in", records.ids), ("online", "=", True), ("bucket", ">=", first), ("bucket", "<", now)]
                + extra,
                [field, "bucket:day"],
                ["__count"],
            )
            for record, day, count in groups:
                day = day.date() if isinstance(day, datetime) else day
                online[kind, record.id, day] = count
        created = {("daemon", d.id): d.create_date for d in daemons.sudo()}
        created.update({("camera", c.id): c.create_date for c in cameras.sudo()})
        answer = []
        for day, start, end in bounds:
            percents = {}
            for (kind, record_id), since in created.items():
                begin = max(start, bucket_of(since)) if since else start
                count = online.get((kind, record_id, day), 0)
                if begin >= end:
                    percents[kind, record_id] = None
                    continue
                buckets = math.ceil((end - begin).total_seconds() / (BUCKET_MINUTES * 60))
                percents[kind, record_id] = round(min(100.0, 100.0 * count / max(buckets, 1)), 1)
            answer.append((day, percents))
        return answer
