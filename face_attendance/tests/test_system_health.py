"""The System Health screen: its figures (uptime day by day, cron lag, database size), its daemon
commands and their pushed answers, who may see it; and the screen itself in Chromium."""

import contextlib
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tests.common import ChromeBrowser

from .common import face_b64
from .tour_case import FaceTourCase

# The screen's "now": every figure is computed against it, whatever day the tests run.
NOW = datetime(2026, 3, 10, 12, 0)
BUCKETS_PER_DAY = 288


def buckets(start, count):
    return [start + timedelta(minutes=5 * number) for number in range(count)]


@tagged("post_install", "-at_install", "face_attendance")
class TestSystemHealth(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.device = new_test_user(env, login="sh_device", groups="face_attendance.group_face_attendance_device")
        cls.daemon = env["face.daemon"].create({"name": "sh-daemon", "user_id": cls.device.id})
        cls.camera = env["face.camera"].create(
            {"name": "SH entry", "source_type": "file", "source": "x", "daemon_id": cls.daemon.id}
        )
        cls.late_camera = env["face.camera"].create(
            {"name": "SH late", "source_type": "file", "source": "x", "daemon_id": cls.daemon.id}
        )
        # Created long before the week shown, but the late camera on the week's second-to-last day.
        env.cr.execute("UPDATE face_daemon SET create_date = %s WHERE id = %s", (datetime(2026, 2, 1), cls.daemon.id))
        env.cr.execute("UPDATE face_camera SET create_date = %s WHERE id = %s", (datetime(2026, 2, 1), cls.camera.id))
        env.cr.execute(
            "UPDATE face_camera SET create_date = %s WHERE id = %s",
            (datetime(2026, 3, 9, 6, 0), cls.late_camera.id),
        )
        env.invalidate_all()
        cls.manager = new_test_user(
            env, login="sh_manager", groups="base.group_user,face_attendance.group_face_attendance_manager", tz="UTC"
        )
        cls.roles = {
            "portal": new_test_user(env, login="sh_portal", groups="base.group_portal"),
            "internal": new_test_user(env, login="sh_internal", groups="base.group_user"),
            "device": cls.device,
            "user": new_test_user(
                env, login="sh_user", groups="base.group_user,face_attendance.group_face_attendance_user"
            ),
        }
        elsewhere = env["res.company"].create({"name": "SH Elsewhere"})
        cls.outsider = new_test_user(
            env,
            login="sh_outsider",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_id=elsewhere.id,
            company_ids=[(6, 0, [elsewhere.id])],
        )

    def setUp(self):
        super().setUp()
        figures_class = type(self.env["face.system.figures"])
        self.startPatcher(patch.object(figures_class, "_now", lambda _self: NOW))

    def log(self, moments, camera=None):
        self.env["face.heartbeat.log"].sudo().create(
            [
                {
                    "daemon_id": self.daemon.id,
                    "camera_id": camera.id if camera else False,
                    "camera_key": camera.id if camera else 0,
                    "bucket": moment,
                    "online": True,
                }
                for moment in moments
            ]
        )

    def health(self, user=None):
        return self.env["face.system.figures"].with_user(user or self.manager).system_health()

    def days_of(self, rows, record):
        return {
            day["date"]: day["percent"] for day in next(row for row in rows if row["id"] == record.id)["uptimeDays"]
        }

    # ------------------------------------------------------------------ figures
    def test_uptime_day_by_day_from_the_heartbeat_history(self):
        self.log(buckets(datetime(2026, 3, 8), BUCKETS_PER_DAY))  # all day
        self.log(buckets(datetime(2026, 3, 9), BUCKETS_PER_DAY // 2))  # half the day
        self.log(buckets(datetime(2026, 3, 7), 72), camera=self.camera)  # 6 hours
        self.log(buckets(datetime(2026, 3, 9, 6, 0), 72), camera=self.late_camera)  # 6 of its 18 hours
        uptime = self.health()["uptime"]
        self.assertEqual(
            self.days_of(uptime["daemons"], self.daemon),
            {
                "2026-03-04": 0.0,
                "2026-03-05": 0.0,
                "2026-03-06": 0.0,
                "2026-03-07": 0.0,
                "2026-03-08": 100.0,
                "2026-03-09": 50.0,
                "2026-03-10": 0.0,  # today, up to noon: no heartbeat
            },
        )
        self.assertEqual(self.days_of(uptime["cameras"], self.camera)["2026-03-07"], 25.0)
        late = self.days_of(uptime["cameras"], self.late_camera)
        # Before it existed: no figure (False over RPC), not a day of downtime.
        self.assertEqual([late[day] for day in sorted(late)[:5]], [False] * 5)
        self.assertEqual(late["2026-03-09"], 33.3)
        self.assertEqual(late["2026-03-10"], 0.0)

    def test_uptime_days_are_the_users_days(self):
        # 23:30 UTC on the 8th is the 9th in Paris (UTC+1 in March).
        self.log(buckets(datetime(2026, 3, 8, 23, 0), 12))
        self.manager.tz = "Europe/Paris"
        days = self.days_of(self.health()["uptime"]["daemons"], self.daemon)
        self.assertEqual(days["2026-03-08"], 0.0)
        self.assertEqual(days["2026-03-09"], round(100.0 * 12 / BUCKETS_PER_DAY, 1))
        self.assertEqual(len(days), 7)
        self.assertIn("2026-03-10", days)

    def test_the_rest_api_serves_the_same_days(self):
        self.log(buckets(datetime(2026, 3, 8), BUCKETS_PER_DAY))
        rest = self.env["face.system.figures"].with_user(self.manager)._uptime()
        row = next(row for row in rest["daemons"] if row["id"] == self.daemon.id)
        self.assertEqual(row["uptimeDays"][4], {"date": "2026-03-08", "percent": 100.0})
        row = next(row for row in rest["cameras"] if row["id"] == self.late_camera.id)
        self.assertEqual(row["uptimeDays"][0], {"date": "2026-03-04", "percent": None})

    def test_cron_lag_and_database_size(self):
        cron = self.env.ref("face_attendance.ir_cron_daemon_commands")
        cron.write({"active": True, "nextcall": NOW - timedelta(hours=2), "lastcall": NOW - timedelta(hours=3)})
        data = self.health()
        row = next(row for row in data["services"] if row["id"] == "cron-%d" % cron.id)
        self.assertEqual(row["lagSeconds"], 7200)
        self.assertEqual(row["lastRun"], "2026-03-10T09:00:00Z")
        self.assertEqual(data["metrics"]["odoo"]["addonCronLag"]["lagSeconds"], 7200)
        self.assertEqual(data["metrics"]["odoo"]["addonCronLag"]["worst"], cron.cron_name)
        self.assertGreater(data["metrics"]["odoo"]["databaseSize"], 0)
        self.assertEqual({row["type"] for row in data["services"]}, {"odoo", "database", "cron"})
        self.assertIn(self.daemon.id, [row["id"] for row in data["network"]])

    # ------------------------------------------------------------------ commands
    def test_a_command_is_queued_and_its_answer_pushed(self):
        job = self.env["face.system.figures"].with_user(self.manager).send_command("test_connection", self.camera.id)
        self.assertEqual((job["status"], job["cameraId"], job["daemonId"]), ("queued", self.camera.id, self.daemon.id))
        command = self.env["face.daemon.command"].browse(job["jobId"])
        self.assertEqual(self.health()["commands"][0]["status"], "queued")
        # The daemon picks it up and answers: the answer is pushed to its company's live channel.
        self.daemon.with_user(self.device).daemon_commands_poll()
        pushes = []
        bus_class = type(self.env["bus.bus"])
        with patch.object(bus_class, "_sendone", lambda _bus, *args: pushes.append(args)):
            self.daemon.with_user(self.device).daemon_command_result(
                command.id, True, {"message": "Connection OK", "latencyMs": 80}
            )
        self.assertIn(
            ((self.env.company, "face_attendance_managers"), "face_attendance/commands", {"command_ids": command.ids}),
            pushes,
        )
        shown = self.health()["commands"][0]
        self.assertEqual((shown["jobId"], shown["status"], shown["message"]), (command.id, "done", "Connection OK"))
        self.assertTrue(self.camera.check_ok)

    def test_only_managers_are_subscribed_to_the_commands_channel(self):
        # Commands are managers' to read: their pushes go where no other user listens.
        channel = (self.env.company, "face_attendance_managers")
        Websocket = self.env["ir.websocket"]
        self.assertIn(channel, Websocket.with_user(self.manager)._face_channels())
        for role in ("user", "internal", "device", "portal"):
            self.assertNotIn(channel, Websocket.with_user(self.roles[role])._face_channels(), role)
        self.assertIn(
            (self.env.company, "face_attendance_live"), Websocket.with_user(self.roles["user"])._face_channels()
        )
        self.assertNotIn(channel, Websocket.with_user(self.outsider)._face_channels())

    def test_a_snapshot_is_shown_to_managers(self):
        job = self.env["face.system.figures"].with_user(self.manager).send_command("snapshot", self.camera.id)
        self.daemon.with_user(self.device).daemon_commands_poll()
        self.daemon.with_user(self.device).daemon_command_result(
            job["jobId"], True, {"message": "Snapshot taken"}, face_b64("Hugo_Chavez", 1).decode()
        )
        shown = self.health()["commands"][0]
        self.assertEqual((shown["status"], shown["message"]), ("done", "Snapshot taken"))
        attachment = self.env["ir.attachment"].browse(shown["assetId"])
        self.assertEqual(shown["snapshotUrl"], "/web/content/%d?download=false" % attachment.id)
        self.assertTrue(attachment.with_user(self.manager).datas)
        with self.assertRaises(AccessError):
            attachment.with_user(self.roles["user"]).datas  # noqa: B018 (reading is the test)

    def test_each_command_of_the_screen(self):
        figures = self.env["face.system.figures"].with_user(self.manager)
        for kind, target in (
            ("snapshot", self.camera),
            ("restart_camera", self.camera),
            ("restart_daemon", self.daemon),
            ("flush_outbox", self.daemon),
        ):
            job = figures.send_command(kind, target.id)
            self.assertEqual((job["kind"], job["status"]), (kind, "queued"))
        restarts = self.env["face.system.log"].sudo().search([("action", "=", "service.restart")])
        self.assertEqual(len(restarts), 2)
        with self.assertRaises(ValidationError):
            figures.send_command("format_disk", self.daemon.id)
        with self.assertRaises(ValidationError):
            figures.send_command("test_connection", "1")
        with self.assertRaises(ValidationError):
            figures.send_command(["snapshot"], self.camera.id)

    def test_a_command_nobody_answers_expires(self):
        job = self.env["face.system.figures"].with_user(self.manager).send_command("snapshot", self.camera.id)
        self.env["face.daemon.command"].browse(job["jobId"]).sudo().deadline = datetime.now() - timedelta(seconds=1)
        self.assertEqual(self.health()["commands"][0]["status"], "expired")

    # ------------------------------------------------------------------ who may
    def test_only_managers_see_the_screen(self):
        Figures = self.env["face.system.figures"]
        action = self.env.ref("face_attendance.face_system_health_action")
        menu = self.env.ref("face_attendance.menu_face_system_health")
        self.assertEqual(action.with_user(self.manager).run()["tag"], "face_attendance.system_health")
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(self.manager)._visible_menu_ids())
        for role, user in self.roles.items():
            with self.subTest(role=role):
                with self.assertRaises(AccessError):
                    Figures.with_user(user).system_health()
                with self.assertRaises(AccessError):
                    Figures.with_user(user).send_command("test_connection", self.camera.id)
                with self.assertRaises(AccessError):
                    action.with_user(user).run()
                if not user.share:  # portal and device users have no backend menu at all
                    self.assertNotIn(menu.id, self.env["ir.ui.menu"].with_user(user)._visible_menu_ids())
        self.assertFalse(self.env["face.daemon.command"].sudo().search([("daemon_id", "=", self.daemon.id)]))

    def test_another_companys_manager_sees_none_of_it(self):
        self.env["face.system.figures"].with_user(self.manager).send_command("snapshot", self.camera.id)
        data = self.health(self.outsider)
        self.assertFalse(data["metrics"]["daemons"] + data["metrics"]["cameras"])
        self.assertFalse(data["uptime"]["daemons"] + data["uptime"]["cameras"])
        self.assertFalse(data["commands"] + data["network"])
        for kind, target in (("test_connection", self.camera), ("restart_daemon", self.daemon)):
            with self.assertRaises(AccessError):
                self.env["face.system.figures"].with_user(self.outsider).send_command(kind, target.id)


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_tours")
class TestSystemHealthTour(FaceTourCase):
    def test_a_daemon_command_from_system_health(self):
        device = new_test_user(self.env, login="sh_tour_device", groups="face_attendance.group_face_attendance_device")
        daemon = self.env["face.daemon"].create({"name": "Health tour daemon", "user_id": device.id})
        camera = self.env["face.camera"].create(
            {"name": "Health tour camera", "source_type": "file", "source": "x", "daemon_id": daemon.id}
        )
        now = datetime.utcnow().replace(microsecond=0)
        daemon.with_user(device).daemon_heartbeat(
            {"status": "ok", "uptime_seconds": 5400, "outbox": {"pending": 3}, "delivery": {"breaker": "closed"}},
            [{"camera_id": camera.id, "fps": 9.5, "last_frame_at": now.strftime("%Y-%m-%dT%H:%M:%SZ")}],
        )
        with self.pushed_bus(), self.tablet_viewport():
            self.start_tour_with_screenshots(
                "/odoo/action-face_attendance.face_system_health_action", "face_attendance_system_health_tour"
            )
        commands = self.env["face.daemon.command"].search([("camera_id", "=", camera.id)], order="id")
        self.assertEqual([(c.kind, c.state) for c in commands], [("test_connection", "done"), ("snapshot", "done")])
        self.assertTrue(commands[1].attachment_id)
        self.assertTrue(camera.check_ok)
        self.assertEqual(set(self.saved), {"system_health", "system_health_tablet"})

    @contextlib.contextmanager
    def tablet_viewport(self):
        """A tour step logging "fa-viewport:tablet" turns the page into a 768-pixel-wide tablet's."""
        original = ChromeBrowser._handle_console

        def handle_console(browser, type, args=None, stackTrace=None, **kw):  # noqa: A002 (Chrome's name)
            value = args and isinstance(args[0], dict) and args[0].get("value")
            if value == "fa-viewport:tablet":
                # With a future: Odoo's browser expects an answer for every command it sends.
                browser._websocket_send(
                    "Emulation.setDeviceMetricsOverride",
                    params={"width": 768, "height": 1024, "deviceScaleFactor": 1, "mobile": False},
                    with_future=True,
                )
                return None
            return original(browser, type, args=args, stackTrace=stackTrace, **kw)

        with patch.object(ChromeBrowser, "_handle_console", handle_console):
            yield
