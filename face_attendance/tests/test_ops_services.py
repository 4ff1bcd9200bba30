"""The operations routes' model methods (cameras, jobs, audit trail and history, alerts,
notifications, banners, locale settings): what they answer and do, and whom they refuse."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, MissingError
from odoo.tests import TransactionCase, new_test_user, tagged

from ..models.face_camera_api import csv_rows
from ..models.face_ops_common import OpsConflict, OpsInputError


@tagged("post_install", "-at_install", "face_attendance")
class TestOpsServices(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = env.company
        cls.device = new_test_user(env, login="ops_device", groups="face_attendance.group_face_attendance_device")
        cls.daemon = env["face.daemon"].create({"name": "ops-daemon", "user_id": cls.device.id})
        cls.camera = env["face.camera"].create(
            {
                "name": "Ops entry",
                "location": "Hall",
                "source_type": "rtsp",
                "source": "rtsp://admin:secret@10.0.0.9/live",
                "direction": "entry",
                "daemon_id": cls.daemon.id,
            }
        )
        cls.idle_camera = env["face.camera"].create(
            {"name": "Ops exit", "source_type": "file", "source": "x", "direction": "exit", "enabled": False}
        )
        cls.employee = env["hr.employee"].create({"name": "Ops Ada", "person_ref": "OPS-ADA"})
        cls.manager = new_test_user(
            env, login="ops_manager", groups="base.group_user,face_attendance.group_face_attendance_manager"
        )
        cls.user = new_test_user(
            env, login="ops_user", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        cls.portal = new_test_user(env, login="ops_portal", groups="base.group_portal")
        cls.elsewhere = env["res.company"].create({"name": "Ops Elsewhere"})
        cls.outsider = new_test_user(
            env,
            login="ops_outsider",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_id=cls.elsewhere.id,
            company_ids=[(6, 0, [cls.elsewhere.id])],
        )

    def as_(self, user, model):
        return self.env[model].with_user(user).with_context(allowed_company_ids=user.company_ids.ids)

    # ------------------------------------------------------------------ cameras
    def test_camera_answer_hides_the_stream_from_non_managers(self):
        as_manager = self.as_(self.manager, "face.camera")._api_find(self.camera.id)._api_dict()
        self.assertEqual(as_manager["streamUrl"], "rtsp://admin:secret@10.0.0.9/live")
        self.assertEqual(as_manager["ipAddress"], "10.0.0.9")
        as_user = self.as_(self.user, "face.camera")._api_find(self.camera.id)._api_dict()
        self.assertIsNone(as_user["streamUrl"])
        self.assertNotIn("source", as_user)
        self.assertEqual(as_user["streamType"], "RTSP")
        with self.assertRaises(MissingError):
            self.as_(self.outsider, "face.camera")._api_find(self.camera.id)

    def test_camera_search_filters(self):
        Camera = self.as_(self.user, "face.camera")
        cameras, total = Camera._api_search({"direction": "entry", "search": "Ops"}, 10, 0)
        self.assertEqual((cameras, total), (self.camera, 1))
        cameras, total = Camera._api_search({"enabled": "false", "search": "Ops"}, 10, 0)
        self.assertEqual(cameras, self.idle_camera)
        cameras, total = Camera._api_search({"status": "disabled", "search": "Ops"}, 10, 0)
        self.assertEqual(cameras, self.idle_camera)
        for params, field in (({"status": "asleep"}, "status"), ({"enabled": "maybe"}, "enabled")):
            with self.subTest(params=params), self.assertRaises(OpsInputError) as caught:
                Camera._api_search(params, 10, 0)
            self.assertEqual(caught.exception.field, field)
        with self.assertRaises(AccessError):
            self.as_(self.portal, "face.camera")._api_search({}, 10, 0)

    def test_camera_writes(self):
        Camera = self.as_(self.manager, "face.camera")
        camera = Camera._api_create({"name": " Ops side ", "source": "rtsp://10.0.0.10/"})
        self.assertEqual((camera.name, camera.source_type), ("Ops side", "rtsp"))
        with self.assertRaises(OpsInputError) as caught:
            Camera._api_update(camera.id, {"daemon_id": 2**31 - 2})
        self.assertEqual(caught.exception.field, "daemon_id")
        Camera._api_update(camera.id, {"location": "Side door", "min_face_size": 40})
        self.assertEqual((camera.location, camera.min_face_size), ("Side door", 40))
        Camera._api_set_state(camera.id, False)
        self.assertFalse(camera.enabled)
        Camera._api_archive(camera.id)
        self.assertFalse(camera.active)
        with self.assertRaises(OpsConflict):
            Camera._api_archive(camera.id)
        log = self.env["face.system.log"].search([("object_ref", "=", "face.camera,%d" % camera.id)])
        self.assertEqual(set(log.mapped("action")), {"camera.create", "camera.update", "camera.state", "camera.delete"})
        # A Face Attendance user reads cameras, never writes them.
        with self.assertRaises(AccessError):
            self.as_(self.user, "face.camera")._api_set_state(self.camera.id, False)
        with self.assertRaises(AccessError):
            self.as_(self.user, "face.camera")._api_command_camera(self.camera.id, "snapshot", "Snapshot")
        with self.assertRaises(OpsConflict):
            Camera._api_command_camera(self.idle_camera.id, "snapshot", "Snapshot")

    def test_camera_import_is_all_or_nothing(self):
        Camera = self.as_(self.manager, "face.camera")
        rows = [
            {"name": "Ops entry", "location": "Lobby"},
            {"name": "Ops new", "streamUrl": "rtsp://10.0.0.11/", "streamType": "RTSP"},
        ]
        report, count = Camera._api_import({"cameras": rows, "dryRun": True})
        self.assertEqual((report["created"], report["updated"], report["errors"], count), (1, 1, [], 2))
        self.assertEqual(self.camera.location, "Hall")
        self.assertFalse(Camera.search([("name", "=", "Ops new")]))
        report, _count = Camera._api_import({"cameras": rows + [{"name": "Ops bad"}]})
        self.assertEqual([(e["row"], e["field"]) for e in report["errors"]], [(3, "streamUrl")])
        self.assertEqual(self.camera.location, "Hall")
        report, _count = Camera._api_import({"cameras": rows})
        self.assertEqual(report["errors"], [])
        self.assertEqual(self.camera.location, "Lobby")
        self.assertTrue(Camera.search([("name", "=", "Ops new")]))
        with self.assertRaises(OpsInputError) as caught:
            csv_rows("name,secret\nx,y\n")
        self.assertIn("allowed", caught.exception.details)
        with self.assertRaises(OpsInputError):
            Camera._api_import({"cameras": rows, "csv": "name\n"})
        with self.assertRaises(AccessError):
            self.as_(self.user, "face.camera")._api_import({"cameras": rows})

    def test_camera_public_methods(self):
        rows = self.as_(self.user, "face.camera").camera_export()
        mine = [row for row in rows if row["name"] == "Ops entry"]
        self.assertEqual(mine[0]["streamUrl"], False)
        summary = self.as_(self.user, "face.camera").camera_summary(fields.Date.today().isoformat())
        self.assertIn(self.camera.id, [item["id"] for item in summary["cameras"]])
        with self.assertRaises(OpsInputError):
            self.as_(self.user, "face.camera").camera_summary("yesterday")
        # Another company's manager sees none of this company's cameras and imports into their own.
        self.assertEqual(self.as_(self.outsider, "face.camera").camera_export(), [])
        report = self.as_(self.outsider, "face.camera").camera_import(
            [{"name": "Ops entry", "streamUrl": "rtsp://evil/"}]
        )
        self.assertEqual((report["created"], report["updated"]), (1, 0))
        self.assertEqual(self.camera.sudo().source, "rtsp://admin:secret@10.0.0.9/live")
        self.assertEqual(self.env["face.camera"].browse(report["cameras"]).company_id, self.elsewhere)
        for method, args in (
            ("camera_export", []),
            ("camera_summary", []),
            ("camera_import", [[{"name": "Planted", "streamUrl": "rtsp://evil/"}]]),
        ):
            with self.subTest(method=method), self.assertRaises(AccessError):
                getattr(self.as_(self.portal, "face.camera"), method)(*args)
        with self.assertRaises(AccessError):
            self.as_(self.user, "face.camera").camera_import([{"name": "Planted", "streamUrl": "rtsp://evil/"}])
        self.assertFalse(self.env["face.camera"].search([("name", "=", "Planted")]))

    # ------------------------------------------------------------------ jobs
    def test_jobs(self):
        command = self.env["face.daemon.command"]._submit(self.daemon, "test_connection", camera=self.camera)
        Command = self.as_(self.manager, "face.daemon.command")
        self.assertEqual(Command._api_job(command.id)["jobId"], command.id)
        with self.assertRaises(MissingError):
            Command._api_snapshot_attachment(command.id)
        with self.assertRaises(AccessError):
            self.as_(self.user, "face.daemon.command")._api_job(command.id)
        with self.assertRaises(MissingError):
            self.as_(self.outsider, "face.daemon.command")._api_job(command.id)
        answer = command._api_test_answer()
        self.assertEqual((answer["success"], answer["jobId"]), (False, command.id))
        self.assertTrue(command._api_snapshot_failure())

    # ------------------------------------------------------------------ audit trail and history
    def test_audit_trail(self):
        self.env["face.system.log"].with_user(self.manager)._log(
            "Ops line", action="camera.update", object_ref="face.camera,%d" % self.camera.id
        )
        Trail = self.as_(self.user, "face.system.log")
        items, total = Trail._audit_page({"entity": "camera", "entityId": self.camera.id}, "log", 20, 0)
        self.assertIn("Ops line", [item["message"] for item in items])
        self.assertEqual(total, len(items))
        with self.assertRaises(OpsInputError) as caught:
            Trail._audit_page({}, "elsewhere", 20, 0)
        self.assertEqual(caught.exception.field, "source")
        for filters in ({"entityId": 5}, {"entity": "camera", "entityId": "5"}, {"password": "x"}, ["x"]):
            with self.subTest(filters=filters), self.assertRaises(OpsInputError):
                Trail.audit_trail(filters)
        answer = Trail.audit_trail({"action": "camera", "search": "Ops line"})
        self.assertEqual([item["message"] for item in answer["items"]], ["Ops line"])
        # Another company's manager reads none of it; a portal user nothing at all.
        answer = self.as_(self.outsider, "face.system.log").audit_trail({"search": "Ops line"})
        self.assertEqual(answer["items"], [])
        with self.assertRaises(AccessError):
            self.as_(self.portal, "face.system.log").audit_trail()
        with self.assertRaises(AccessError):
            self.as_(self.internal_user(), "face.system.log").audit_trail()

    def test_person_history(self):
        attendance = self.env["hr.attendance"].create(
            {"employee_id": self.employee.id, "check_in": fields.Datetime.now() - timedelta(hours=2)}
        )
        # A person's history is read by those who may read the person (the HR officers' right).
        with self.assertRaises(AccessError):
            self.as_(self.user, "face.system.log").person_history(self.employee.id)
        Trail = self.as_(self.manager, "face.system.log")
        answer = Trail.person_history(self.employee.id)
        self.assertIn("attendance-%d" % attendance.id, [item["id"] for item in answer["items"]])
        answer = Trail.person_history(self.employee.id, kind="sighting")
        self.assertEqual(answer["items"], [])
        with self.assertRaises(OpsInputError):
            Trail.person_history(self.employee.id, kind="gossip")
        with self.assertRaises(MissingError):
            Trail.person_history(2**31 - 2)
        with self.assertRaises(AccessError):
            self.as_(self.outsider, "face.system.log").person_history(self.employee.id)
        with self.assertRaises(AccessError):
            self.as_(self.portal, "face.system.log").person_history(self.employee.id)

    # ------------------------------------------------------------------ alerts, notifications, banners
    def test_alerts(self):
        alert = self.env["face.alert"]._raise("camera_offline", "Ops seed", camera=self.camera)
        Alert = self.as_(self.user, "face.alert")
        alerts, total = Alert._api_search(status="active", camera_id=self.camera.id)
        self.assertEqual((alerts, total), (alert, 1))
        self.assertEqual(Alert._api_acknowledge(alert.id)._api_dict()["status"], "acknowledged")
        for body, field in (({}, None), ({"minutes": -1}, "minutes"), ({"until": "soon"}, "until")):
            with self.subTest(body=body), self.assertRaises(OpsInputError) as caught:
                self.as_(self.manager, "face.alert")._api_mute(alert.id, body)
            self.assertEqual(caught.exception.field, field)
        with self.assertRaises(AccessError):
            Alert._api_mute(alert.id, {"minutes": 5})
        self.as_(self.manager, "face.alert")._api_mute(alert.id, {"minutes": 5})
        self.assertTrue(alert.muted)
        with self.assertRaises(MissingError):
            self.as_(self.outsider, "face.alert")._api_delete(alert.id)
        self.as_(self.manager, "face.alert")._api_delete(alert.id)
        self.assertEqual((alert.state, alert.active), ("resolved", False))
        with self.assertRaises(AccessError):
            self.as_(self.portal, "face.alert")._api_search()

    def test_notifications_are_the_callers_own(self):
        Notification = self.env["face.notification"].sudo()
        mine = Notification.create({"user_id": self.user.id, "title": "Mine"})
        theirs = Notification.create({"user_id": self.manager.id, "title": "Theirs"})
        Own = self.as_(self.user, "face.notification")
        notifications, total = Own._api_search()
        self.assertEqual((notifications, total), (mine, 1))
        with self.assertRaises(MissingError):
            Own._api_acknowledge(theirs.id)
        self.assertTrue(Own._api_acknowledge(mine.id).acknowledged)
        self.assertEqual(Own._api_clear(acknowledged_only=True), 1)
        self.assertTrue(theirs.exists())
        with self.assertRaises(AccessError):
            self.as_(self.portal, "face.notification")._api_search()

    def test_banners(self):
        Banner = self.as_(self.manager, "face.banner.message")
        banner = Banner._api_post({"message": " Fire drill ", "severity": "warning"})
        self.assertEqual(banner._api_dict()["message"], "Fire drill")
        self.assertTrue(banner._api_dict()["current"])
        banners, _total = self.as_(self.user, "face.banner.message")._api_search(current=True)
        self.assertIn(banner, banners)
        self.assertFalse(self.as_(self.outsider, "face.banner.message")._api_search(current=False)[0] & banner)
        for body, field in (
            ({"message": "  "}, "message"),
            ({"message": "x", "severity": "loud"}, "severity"),
            ({"message": "x", "startsAt": "2026-01-02T00:00:00Z", "endsAt": "2026-01-01T00:00:00Z"}, "endsAt"),
        ):
            with self.subTest(body=body), self.assertRaises(OpsInputError) as caught:
                Banner._api_post(body)
            self.assertEqual(caught.exception.field, field)
        for user in (self.user, self.portal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.as_(user, "face.banner.message")._api_post({"message": "Planted"})

    # ------------------------------------------------------------------ locale settings
    def test_preferences_are_the_callers_own(self):
        Users = self.as_(self.portal, "res.users")
        answer = Users._face_update_preferences({"timezone": "Europe/Brussels", "theme": "light"})
        self.assertEqual((answer["timezone"], answer["theme"]), ("Europe/Brussels", "light"))
        self.assertEqual(self.portal.tz, "Europe/Brussels")
        self.assertNotEqual(self.user.tz, "Europe/Brussels")
        for body, field in (({"timezone": "Mars/Olympus"}, "timezone"), ({"gridMode": "9x9"}, "gridMode")):
            with self.subTest(body=body), self.assertRaises(OpsInputError) as caught:
                Users._face_update_preferences(body)
            self.assertEqual(caught.exception.field, field)
        self.assertIn("Europe/Brussels", [zone["id"] for zone in Users._face_timezones() if zone["isDefault"]])
        self.assertTrue(any(lang["isDefault"] for lang in Users._face_languages()))

    def internal_user(self):
        return new_test_user(self.env, login="ops_internal", groups="base.group_user")
