"""face.system.figures: the system and delivery figures of /status, /system/* and /odoo/*, as model
methods, and who may read them or ask the daemons to flush."""

import xmlrpc.client
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from ..models.face_system_figures import NothingToFlush, daemon_delivery, integer, number, percentile, text


def heartbeat_status(pending=7, breaker="open", last_error="timed out", uptime=3600):
    return {
        "status": "degraded" if breaker != "closed" else "ok",
        "uptime_seconds": uptime,
        "outbox": {"pending": pending, "sent": 120, "bytes": 40960, "oldest_pending_age": 12.5},
        "delivery": {"delivered": 120, "breaker": breaker, "last_error": last_error},
    }


@tagged("post_install", "-at_install", "face_attendance")
class TestSystemFigures(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.device = new_test_user(env, login="fig_device", groups="face_attendance.group_face_attendance_device")
        cls.daemon = env["face.daemon"].create({"name": "fig-daemon", "user_id": cls.device.id})
        cls.idle = env["face.daemon"].create({"name": "fig-idle", "user_id": cls.device.id})
        cls.camera = env["face.camera"].create(
            {"name": "Fig entry", "source_type": "file", "source": "x", "daemon_id": cls.daemon.id}
        )
        cls.ada = env["hr.employee"].create({"name": "Fig Ada", "person_ref": "FIG-ADA"})
        cls.manager = new_test_user(
            env, login="fig_manager", groups="base.group_user,face_attendance.group_face_attendance_manager"
        )
        cls.user = new_test_user(
            env, login="fig_user", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        cls.internal = new_test_user(env, login="fig_internal", groups="base.group_user")
        elsewhere = env["res.company"].create({"name": "Fig Elsewhere"})
        cls.outsider = new_test_user(
            env,
            login="fig_outsider",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_id=elsewhere.id,
            company_ids=[(6, 0, [elsewhere.id])],
        )
        now = fields.Datetime.now()
        cls.daemon.with_user(cls.device).daemon_heartbeat(
            heartbeat_status(),
            [
                {
                    "camera_id": cls.camera.id,
                    "fps": 7.5,
                    "error_count": 2,
                    "last_error": "",
                    "last_frame_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
            ],
        )
        sighted = now - timedelta(seconds=20)
        env["face.recognition.event"].with_user(cls.device).ingest_events(
            [
                {
                    "event_id": "fig-1",
                    "camera_id": cls.camera.id,
                    "timestamp": sighted.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "employee_id": cls.ada.id,
                }
            ],
            daemon_id=cls.daemon.id,
        )

    def figures(self, user):
        return self.env["face.system.figures"].with_user(user)

    def test_coercion_of_a_daemons_figures(self):
        self.assertEqual((number(1.5), number(True), number(float("nan")), number("3")), (1.5, None, None, None))
        self.assertEqual((integer(7.9), integer(2**60)), (7, None))
        self.assertEqual((text("x" * 600)[:3], len(text("x" * 600)), text(""), text(3)), ("xxx", 500, None, None))
        self.assertEqual((percentile([], 0.5), percentile([1.0, 2.0, 3.0, 4.0], 0.95)), (None, 4.0))
        self.daemon.sudo().status_details = {"outbox": "full", "delivery": {"breaker": 3, "delivered": "many"}}
        delivery = daemon_delivery(self.daemon)
        self.assertEqual((delivery["outboxPending"], delivery["breaker"], delivery["delivered"]), (None, None, None))

    def test_figures_of_the_users_companies(self):
        figures = self.figures(self.user)
        for method in (
            "status",
            "summary",
            "health_metrics",
            "health_services",
            "uptime",
            "versions",
            "network_metrics",
            "delivery_status",
        ):
            # Every answer travels over XML-RPC: no None anywhere.
            xmlrpc.client.dumps((getattr(figures, method)(),), methodresponse=True, allow_none=False)
        metrics = figures._health_metrics()
        row = next(d for d in metrics["daemons"] if d["id"] == self.daemon.id)
        self.assertEqual((row["outboxPending"], row["breaker"], row["uptimeSeconds"]), (7, "open", 3600))
        self.assertEqual((row["cameraCount"], row["fps"], row["errors"]), (1, 7.5, 2))
        self.assertGreater(metrics["odoo"]["databaseSize"], 0)
        services = {row["id"]: row for row in figures._health_services()}
        self.assertEqual(services["daemon-%d" % self.daemon.id]["status"], "degraded")
        self.assertEqual(services["daemon-%d" % self.idle.id]["state"], "never")
        self.assertTrue(services["postgresql"]["version"])
        network = {row["id"]: row for row in figures._network_metrics()}
        self.assertEqual(network[self.daemon.id]["events24h"], 1)
        self.assertGreaterEqual(network[self.daemon.id]["latency"]["p50Ms"], 19000.0)
        self.assertEqual(network[self.idle.id]["latency"], {"p50Ms": None, "p95Ms": None, "samples": 0})
        status = figures._delivery_status()
        self.assertEqual((status["status"], status["pendingCount"], status["failureCount"]), ("degraded", 7, 1))
        self.assertTrue(status["lastSync"].endswith("Z"))
        summary = figures._summary()
        self.assertEqual((summary["peopleDetectedToday"], summary["activeCameras"]), (1, 1))
        versions = figures.versions()
        self.assertNotIn("apiVersion", versions)
        self.assertEqual(figures._versions(api_version="9.9")["apiVersion"], "9.9")
        # Another company's manager sees none of these daemons and cameras.
        other = self.figures(self.outsider)
        self.assertEqual(other.delivery_status()["daemons"], [])
        self.assertEqual(other.health_metrics()["cameras"], [])
        self.assertEqual(other.summary()["activeCameras"], 0)
        self.assertFalse({"daemon-%d" % self.daemon.id} & {row["id"] for row in other.health_services()})

    def test_who_may_read_and_flush(self):
        for user in (self.device, self.internal):
            for method in ("status", "summary", "health_metrics", "uptime", "delivery_status", "flush_outboxes"):
                with self.subTest(user=user.login, method=method), self.assertRaises(AccessError):
                    getattr(self.figures(user).with_context(su=True), method)()
        with self.assertRaises(AccessError):
            self.figures(self.user).flush_outboxes(0)
        Command = self.env["face.daemon.command"].sudo()
        before = Command.search_count([])
        with self.assertRaises(NothingToFlush):
            self.figures(self.outsider).flush_outboxes(0)
        self.assertEqual(Command.search_count([]), before)
        answer = self.figures(self.manager).flush_outboxes(0)
        self.assertEqual((answer["requested"], answer["answered"]), (1, 0))
        self.assertEqual((answer["jobs"][0]["daemonId"], answer["jobs"][0]["kind"]), (self.daemon.id, "flush_outbox"))
        self.assertTrue(self.env["face.system.log"].search([("action", "=", "odoo.sync")]))
