import base64
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from ..controllers import api_jobs
from ..models import face_daemon_command
from .common import ApiCase, FaceAttendanceCase, face_photo


def _command_class(env):
    return type(env["face.daemon.command"])


@tagged("post_install", "-at_install", "face_attendance")
class TestDaemonCommands(FaceAttendanceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, login="fa_cmd_manager", groups="base.group_user,face_attendance.group_face_attendance_manager"
        )
        cls.officer = new_test_user(
            cls.env, login="fa_cmd_officer", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        cls.portal = new_test_user(cls.env, login="fa_cmd_portal", groups="base.group_portal")
        cls.other_device = new_test_user(
            cls.env, login="fa_cmd_device2", groups="face_attendance.group_face_attendance_device"
        )
        cls.other_daemon = cls.env["face.daemon"].create({"name": "other-daemon", "user_id": cls.other_device.id})
        cls.other_company = cls.env["res.company"].create({"name": "Other Co"})
        cls.foreign_manager = new_test_user(
            cls.env,
            login="fa_cmd_foreign",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_id=cls.other_company.id,
            company_ids=[(6, 0, [cls.other_company.id])],
        )
        cls.Command = cls.env["face.daemon.command"]
        cls.jpeg = face_photo("Adrien_Brody", 1)

    def submit(self, kind="test_connection", camera=None, user=None):
        camera = self.cam_entry if camera is None and kind in face_daemon_command.CAMERA_KINDS else camera
        return self.Command.with_user(user or self.manager)._submit(self.daemon, kind, camera=camera)

    def poll(self, daemon=None, user=None):
        return (daemon or self.daemon).with_user(user or self.device_user).daemon_commands_poll()

    def test_queue_poll_answer(self):
        command = self.submit()
        self.assertEqual(
            (command.state, command.kind, command.camera_id), ("queued", "test_connection", self.cam_entry)
        )
        self.assertEqual(command.requested_by, self.manager)
        self.assertEqual(self.submit(), command, "an identical command still queued is answered again")
        self.assertEqual(self.poll(self.other_daemon, self.other_device), [], "another daemon sees nothing")
        [payload] = self.poll()
        self.assertEqual(
            (payload["id"], payload["kind"], payload["camera_id"]), (command.id, "test_connection", self.cam_entry.id)
        )
        self.assertEqual(payload["camera"]["source"], "/dev/null", "the device gets the source to open")
        self.assertEqual(command.state, "sent")
        self.assertTrue(command.picked_at)
        self.assertEqual(self.poll(), [], "a command is handed out once")
        result = {"success": True, "latencyMs": 12.5, "resolution": "640x480", "frameRate": 25.0, "message": "OK"}
        state = self.daemon.with_user(self.device_user).daemon_command_result(command.id, True, result)
        self.assertEqual(state, "done")
        self.assertEqual(command.result["resolution"], "640x480")
        self.assertEqual((self.cam_entry.resolution, self.cam_entry.frame_rate), ("640x480", 25.0))
        # A retried answer (the daemon did not get Odoo's reply) changes nothing.
        state = self.daemon.with_user(self.device_user).daemon_command_result(
            command.id, False, {"success": False, "message": "late"}
        )
        self.assertEqual((state, command.state, command.message), ("done", "done", "OK"))
        job = command.with_user(self.manager)._job_dict()
        self.assertEqual(
            (job["jobId"], job["status"], job["cameraId"], job["daemonId"]),
            (command.id, "done", self.cam_entry.id, self.daemon.id),
        )
        self.assertTrue(job["createdAt"] and job["finishedAt"])

    def test_snapshot_attachment_for_managers_only(self):
        command = self.submit("snapshot")
        self.poll()
        with self.assertRaises(ValidationError):
            self.daemon.with_user(self.device_user).daemon_command_result(
                command.id, True, {}, base64.b64encode(b"not a jpeg").decode()
            )
        with self.assertRaises(ValidationError):
            self.daemon.with_user(self.device_user).daemon_command_result(command.id, True, {}, "###")
        self.daemon.with_user(self.device_user).daemon_command_result(
            command.id, True, {"success": True}, base64.b64encode(self.jpeg).decode()
        )
        attachment = command.attachment_id
        self.assertEqual((attachment.mimetype, attachment.raw[:3]), ("image/jpeg", b"\xff\xd8\xff"))
        self.assertEqual((attachment.res_model, attachment.res_id), ("face.daemon.command", command.id))
        attachment.with_user(self.manager).check_access("read")
        self.assertTrue(command.with_user(self.manager).snapshot)
        for user in (self.officer, self.portal, self.device_user, self.foreign_manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                attachment.with_user(user).check_access("read")
                attachment.with_user(user).read(["raw"])
        # Past the snapshot retention, the picture goes; the command stays (until its own pruning).
        self.config.set("snapshot_retention_days", 5)
        self.env.cr.execute(
            "UPDATE face_daemon_command SET create_date = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(days=6), command.id),
        )
        self.Command._cron_expire_and_prune()
        self.assertFalse(attachment.exists())
        self.assertTrue(command.exists())

    def test_who_may_queue(self):
        for user in (self.officer, self.portal, self.device_user, self.other_device):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.submit(user=user)
        with self.assertRaises(AccessError):
            self.Command.with_user(self.foreign_manager)._submit(self.daemon, "flush_outbox")
        with self.assertRaises(UserError):
            self.Command.with_user(self.manager)._submit(self.other_daemon, "snapshot", camera=self.cam_entry)
        with self.assertRaises(ValidationError):
            self.Command.with_user(self.manager)._submit(self.daemon, "snapshot")
        with self.assertRaises(ValidationError):
            self.Command.with_user(self.manager)._submit(self.daemon, "flush_outbox", camera=self.cam_entry)
        with self.assertRaises(ValidationError):
            self.Command.with_user(self.manager)._submit(self.daemon, "format_disk")
        command = self.submit("flush_outbox")
        for user in (self.officer, self.portal, self.device_user, self.foreign_manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                command.with_user(user).read(["state"])

    def test_device_acts_on_its_own_daemon_only(self):
        command = self.submit()
        with self.assertRaises(AccessError):
            self.poll(self.daemon, self.other_device)
        with self.assertRaises(AccessError):
            self.daemon.with_user(self.other_device).daemon_command_result(command.id, True, {})
        # Its own daemon, another daemon's command: refused, nothing recorded.
        with self.assertRaises(AccessError):
            self.other_daemon.with_user(self.other_device).daemon_command_result(command.id, True, {})
        for user in (self.officer, self.portal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.poll(self.daemon, user)
        self.assertEqual(command.state, "queued")
        with self.assertRaises(ValidationError):
            self.daemon.with_user(self.device_user).daemon_command_result(command.id, "yes", {})
        with self.assertRaises(ValidationError):
            self.daemon.with_user(self.device_user).daemon_command_result(command.id, True, {"x": "y" * 20000})
        with self.assertRaises(ValidationError):
            self.daemon.with_user(self.device_user).daemon_commands_poll(limit=10**6)

    def test_expiry(self):
        command = self.submit("restart_daemon")
        command.sudo().deadline = fields.Datetime.now() - timedelta(seconds=1)
        self.assertEqual(self.poll(), [], "an overdue command is not handed out")
        self.assertEqual(command.state, "expired")
        state = self.daemon.with_user(self.device_user).daemon_command_result(command.id, True, {"success": True})
        self.assertEqual((state, command.state), ("expired", "expired"), "a late answer does not revive it")
        fresh = self.submit("restart_daemon")
        self.assertNotEqual(fresh, command)
        fresh.sudo().write({"deadline": fields.Datetime.now() - timedelta(seconds=1), "state": "sent"})
        self.Command._cron_expire_and_prune()
        self.assertEqual(fresh.state, "expired")
        self.env.cr.execute(
            "UPDATE face_daemon_command SET create_date = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(days=40), fresh.id),
        )
        self.Command._cron_expire_and_prune()
        self.assertFalse(fresh.exists())

    def test_buttons(self):
        with patch.object(_command_class(self.env), "_BUTTON_WAIT", 0):
            action = self.cam_entry.with_user(self.manager).action_snapshot()
            self.assertEqual(action["res_model"], "face.daemon.command")
            command = self.Command.browse(action["res_id"])
            self.assertEqual((command.kind, command.camera_id), ("snapshot", self.cam_entry))
            action = self.daemon.with_user(self.manager).action_flush_outbox()
            self.assertEqual(self.Command.browse(action["res_id"]).kind, "flush_outbox")
            self.daemon.with_user(self.manager).action_restart_daemon()
            self.cam_entry.with_user(self.manager).action_test_connection()
            self.cam_entry.with_user(self.manager).action_restart_camera()
            self.assertEqual(
                sorted(self.Command.search([("daemon_id", "=", self.daemon.id)]).mapped("kind")),
                ["flush_outbox", "restart_camera", "restart_daemon", "snapshot", "test_connection"],
            )
            for user in (self.officer, self.portal, self.device_user, self.foreign_manager):
                for method in ("action_snapshot", "action_test_connection", "action_restart_camera"):
                    with self.subTest(user=user.login, method=method), self.assertRaises(AccessError):
                        getattr(self.cam_entry.with_user(user), method)()
                for method in ("action_flush_outbox", "action_restart_daemon"):
                    with self.subTest(user=user.login, method=method), self.assertRaises(AccessError):
                        getattr(self.daemon.with_user(user), method)()
            kiosk_camera = self.env["face.camera"].create({"name": "No daemon", "source_type": "webcam", "source": "0"})
            with self.assertRaises(UserError):
                kiosk_camera.with_user(self.manager).action_snapshot()

    def test_heartbeat_history_and_uptime(self):
        History = self.env["face.heartbeat.log"]
        now = fields.Datetime.now()
        fresh = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.env.cr.execute(
            "UPDATE face_camera SET create_date = %s WHERE id = %s", (now - timedelta(hours=2), self.cam_entry.id)
        )
        self.cam_entry.invalidate_recordset(["create_date"])
        foreign = self.env["face.camera"].create(
            {"name": "Not mine", "source_type": "file", "source": "/dev/null", "daemon_id": self.other_daemon.id}
        )
        for _repeat in range(2):  # two heartbeats in one bucket: one row
            self.daemon.with_user(self.device_user).daemon_heartbeat(
                {"status": "ok"},
                [
                    {"camera_id": self.cam_entry.id, "fps": 8.0, "last_frame_at": fresh},
                    {"camera_id": foreign.id, "fps": 8.0, "last_frame_at": fresh},
                ],
            )
        rows = History.search([("daemon_id", "=", self.daemon.id)])
        self.assertEqual(sorted(rows.mapped("camera_key")), [0, self.cam_entry.id])
        self.assertTrue(rows.filtered("camera_id").online)
        uptime = History._uptime_percent(self.cam_entry | self.cam_exit, now - timedelta(hours=1), now)
        # One online bucket out of the thirteen 5-minute buckets of the last hour.
        self.assertEqual(uptime[self.cam_entry.id], round(100.0 / 13, 1))
        self.assertEqual(uptime[self.cam_exit.id], None, "created just now: no whole bucket yet")
        self.assertEqual(History._uptime_percent(self.cam_entry, now, now)[self.cam_entry.id], None)
        rows.sudo().write({"bucket": now - timedelta(days=60)})
        History._prune()
        self.assertFalse(rows.exists())

    def test_heartbeat_figures_that_json_cannot_hold(self):
        """XML-RPC carries infinities and NaN; the daemon's status keeps them as null instead of failing."""
        self.daemon.with_user(self.device_user).daemon_heartbeat(
            {"status": "ok", "delivery": {"latency": float("inf"), "rates": [1.5, float("nan")]}}, []
        )
        self.env.flush_all()
        self.assertEqual(self.daemon.status_details["delivery"], {"latency": None, "rates": [1.5, None]})


@tagged("post_install", "-at_install", "face_attendance")
class TestDaemonCommandRoutes(ApiCase):
    def setUp(self):
        super().setUp()
        self.device = new_test_user(
            self.env, login="fa_route_device", groups="face_attendance.group_face_attendance_device"
        )
        self.daemon = self.env["face.daemon"].create({"name": "route-daemon", "user_id": self.device.id})
        self.camera = self.env["face.camera"].create(
            {"name": "Route cam", "source_type": "rtsp", "source": "rtsp://u:p@10.1.2.3/s", "daemon_id": self.daemon.id}
        )
        self.officer = new_test_user(
            self.env, login="fa_route_officer", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        _key, self.officer_secret = self.env["face.api.key"]._generate("officer", self.officer, "*")
        self.jpeg = face_photo("Adrien_Brody", 1)
        # Unanswered commands would make each test wait the full 8 s.
        patcher = patch.object(api_jobs, "DEFAULT_WAIT", 1.0)
        patcher.start()
        self.addCleanup(patcher.stop)

    def answer_while_waiting(self, success, result, snapshot=None):
        """The device's answer, given while the route waits (as the daemon's poll thread would)."""
        env, daemon, device = self.env, self.daemon, self.device

        def pause(command_self):
            for payload in daemon.with_user(device).daemon_commands_poll():
                daemon.with_user(device).daemon_command_result(payload["id"], success, result, snapshot)
            env.flush_all()

        return patch.object(type(self.env["face.daemon.command"]), "_wait_pause", pause)

    def test_unanswered_is_a_job(self):
        response, payload = self.api("POST", "/cameras/%d/test-connection" % self.camera.id)
        self.assertEqual(response.status_code, 202, payload)
        job_id = payload["data"]["jobId"]
        self.assertEqual(payload["data"]["status"], "queued")
        response, payload = self.api("GET", "/jobs/%d" % job_id)
        self.assertEqual((response.status_code, payload["data"]["status"]), (200, "queued"))
        self.assertEqual(payload["data"]["kind"], "test_connection")
        # The daemon answers later (over XML-RPC, as the device): the job shows it.
        rpc = self.xmlrpc_object
        db, login = self.env.cr.dbname, self.device.login
        uid = self.xmlrpc_common.authenticate(db, login, login, {})
        [polled] = rpc.execute_kw(db, uid, login, "face.daemon", "daemon_commands_poll", [[self.daemon.id]])
        self.assertEqual(polled["id"], job_id)
        state = rpc.execute_kw(
            db,
            uid,
            login,
            "face.daemon",
            "daemon_command_result",
            [[self.daemon.id], job_id, True, {"success": True, "latencyMs": 40, "message": "Connection OK"}, False],
        )
        self.assertEqual(state, "done")
        response, payload = self.api("GET", "/jobs/%d" % job_id)
        self.assertEqual((payload["data"]["status"], payload["data"]["result"]["latencyMs"]), ("done", 40))
        response, payload = self.api("GET", "/jobs/%d" % job_id, key=self.officer_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")
        response, payload = self.api("GET", "/jobs/987654321")
        self.assertError(response, payload, 404, "NOT_FOUND")

    def test_test_connection_answered(self):
        result = {
            "success": True,
            "latencyMs": 42.0,
            "resolution": "1280x720",
            "frameRate": 25.0,
            "message": "Connection OK",
        }
        with self.answer_while_waiting(True, result):
            response, payload = self.api("POST", "/cameras/%d/test-connection" % self.camera.id)
        self.assertEqual(response.status_code, 200, payload)
        data = payload["data"]
        self.assertEqual(
            (data["success"], data["latencyMs"], data["resolution"], data["fps"]), (True, 42.0, "1280x720", 25.0)
        )
        self.assertEqual(data["status"], "done")
        response, payload = self.api("GET", "/cameras/%d" % self.camera.id)
        self.assertEqual((payload["data"]["resolution"], payload["data"]["latency"]), ("1280x720", 42.0))
        with self.answer_while_waiting(False, {"success": False, "message": "Cannot open rtsp source"}):
            response, payload = self.api("POST", "/cameras/%d/test-connection" % self.camera.id)
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual((payload["data"]["success"], payload["data"]["message"]), (False, "Cannot open rtsp source"))

    def test_snapshot(self):
        with self.answer_while_waiting(True, {"success": True}, base64.b64encode(self.jpeg).decode()):
            response, payload = self.api("POST", "/cameras/%d/snapshot" % self.camera.id)
        self.assertEqual(response.status_code, 201, payload)
        data = payload["data"]
        self.assertTrue(data["assetId"] and data["timestamp"])
        response, _none = self.api("GET", data["url"].replace("/api/v1", ""), expect_json=False)
        self.assertEqual((response.status_code, response.headers["Content-Type"]), (200, "image/jpeg"))
        self.assertEqual(response.content, self.jpeg)
        response, payload = self.api("GET", data["url"].replace("/api/v1", ""), key=self.officer_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")
        response, payload = self.api("GET", "/cameras/%d" % self.camera.id)
        self.assertEqual(payload["data"]["thumbnail"], data["url"])
        with self.answer_while_waiting(False, {"success": False, "message": "no frame"}):
            response, payload = self.api("POST", "/cameras/%d/snapshot" % self.camera.id)
        self.assertError(response, payload, 422, "SNAPSHOT_FAILED")

    def test_rights_and_conflicts(self):
        for path in ("test-connection", "snapshot"):
            response, payload = self.api("POST", "/cameras/%d/%s" % (self.camera.id, path), key=self.officer_secret)
            self.assertError(response, payload, 403, "FORBIDDEN")
            response, payload = self.api("POST", "/cameras/%d/%s" % (self.camera.id, path), key=self.reader_secret)
            self.assertError(response, payload, 403, "FORBIDDEN")
        lonely = self.env["face.camera"].create({"name": "Lonely", "source_type": "webcam", "source": "0"})
        response, payload = self.api("POST", "/cameras/%d/snapshot" % lonely.id)
        self.assertError(response, payload, 409, "CONFLICT")
        other = self.env["res.company"].create({"name": "Elsewhere"})
        foreign = new_test_user(
            self.env,
            login="fa_route_foreign",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_id=other.id,
            company_ids=[(6, 0, [other.id])],
        )
        _key, foreign_secret = self.env["face.api.key"]._generate("foreign", foreign, "*")
        response, payload = self.api("POST", "/cameras/%d/snapshot" % self.camera.id, key=foreign_secret)
        self.assertError(response, payload, 404, "NOT_FOUND")
        self.assertFalse(self.env["face.daemon.command"].search([("daemon_id", "=", self.daemon.id)]))

    def test_state_list_and_summary(self):
        response, payload = self.api("PATCH", "/cameras/%d/state" % self.camera.id, {"enabled": False})
        self.assertEqual(
            (response.status_code, payload["data"]["enabled"], payload["data"]["status"]), (200, False, "disabled")
        )
        response, payload = self.api("PATCH", "/cameras/%d/state" % self.camera.id, {"enabled": "no"})
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api(
            "PATCH", "/cameras/%d/state" % self.camera.id, {"enabled": True}, key=self.officer_secret
        )
        self.assertError(response, payload, 403, "FORBIDDEN")
        response, payload = self.api("GET", "/cameras?page=1&pageSize=1&search=route&enabled=false")
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual([c["id"] for c in payload["data"]["cameras"]], [self.camera.id])
        self.assertEqual(payload["meta"], {"page": 1, "pageSize": 1, "total": 1, "totalPages": 1})
        item = payload["data"]["cameras"][0]
        self.assertEqual(
            (item["streamType"], item["streamUrl"], item["ipAddress"]), ("RTSP", "rtsp://u:p@10.1.2.3/s", "10.1.2.3")
        )
        response, payload = self.api("GET", "/cameras?status=disabled&streamType=rtsp", key=self.officer_secret)
        item = [c for c in payload["data"]["cameras"] if c["id"] == self.camera.id][0]
        self.assertEqual((item["streamUrl"], item["ipAddress"]), (None, None))
        self.assertNotIn("source", item)
        # limit/offset, or the plan's page/pageSize: the page wins when both are given.
        response, payload = self.api("GET", "/cameras?limit=1&offset=0")
        self.assertEqual(
            (payload["data"]["limit"], payload["data"]["page"], payload["meta"]["pageSize"]), (1, 1, 1), payload
        )
        response, payload = self.api("GET", "/cameras?limit=1&offset=0&pageSize=2")
        self.assertEqual((payload["data"]["limit"], payload["data"]["pageSize"]), (2, 2), payload)
        for bad in ("limit=0", "offset=-1", "pageSize=201", "page=0", "enabled=maybe", "search=" + "x" * 257):
            response, payload = self.api("GET", "/cameras?" + bad)
            self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("GET", "/cameras?status=sleeping")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("GET", "/cameras/summary")
        item = [c for c in payload["data"]["cameras"] if c["id"] == self.camera.id][0]
        self.assertEqual((item["detectionsToday"], item["unknownFaces"]), (0, 0))
        self.assertIn("uptimePercent", item)

    def test_import_export(self):
        rows = [
            {"name": "Imported A", "streamType": "RTSP", "streamUrl": "rtsp://10.0.0.9/a", "direction": "entry"},
            {"name": "Route cam", "location": "Moved"},
        ]
        response, payload = self.api("POST", "/cameras/import", {"cameras": rows, "dryRun": True})
        self.assertEqual((response.status_code, payload["data"]["created"], payload["data"]["updated"]), (200, 1, 1))
        self.assertFalse(self.env["face.camera"].search([("name", "=", "Imported A")]), "a dry run imports nothing")
        bad = rows + [{"name": "Broken", "streamType": "RTSP", "streamUrl": "http://wrong"}, {"name": "No URL"}]
        response, payload = self.api("POST", "/cameras/import", {"cameras": bad})
        self.assertError(response, payload, 422, "IMPORT_REFUSED")
        self.assertEqual([e["row"] for e in payload["error"]["details"]["errors"]], [3, 4])
        self.assertFalse(self.env["face.camera"].search([("name", "=", "Imported A")]), "all or nothing")
        response, payload = self.api("POST", "/cameras/import", {"cameras": rows})
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual(self.camera.location, "Moved")
        response, _none = self.api("GET", "/cameras/export?format=csv", expect_json=False)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "text/csv")
        text = response.text
        self.assertIn("rtsp://10.0.0.9/a", text)
        response, payload = self.api("POST", "/cameras/import", {"csv": text.replace("Moved", "Moved again")})
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual(self.camera.location, "Moved again")
        response, payload = self.api("GET", "/cameras/export?format=json", key=self.officer_secret)
        mine = [row for row in payload["data"] if row["id"] == self.camera.id][0]
        self.assertIsNone(mine["streamUrl"])
        response, payload = self.api("POST", "/cameras/import", {"cameras": rows}, key=self.officer_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")
        # Text as documented holding unknown columns, or nothing to import: refused by the import's rules.
        response, payload = self.api("POST", "/cameras/import", {"csv": "name,colour\nx,red\n"})
        self.assertError(response, payload, 422, "UNPROCESSABLE")
        self.assertEqual(payload["error"]["details"]["field"], "csv")
        response, payload = self.api("POST", "/cameras/import", {})
        self.assertError(response, payload, 422, "UNPROCESSABLE")
        # A row of wrong types is one refused row of the report, not a refused request.
        response, payload = self.api("POST", "/cameras/import", {"cameras": [{"name": "Typed", "enabled": "yes"}]})
        self.assertError(response, payload, 422, "IMPORT_REFUSED")
        self.assertEqual(payload["error"]["details"]["errors"][0]["field"], "enabled")
        response, payload = self.api("POST", "/cameras/import", {"cameras": ["not a row"]})
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("GET", "/cameras/export?format=xml")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
