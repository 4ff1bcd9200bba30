"""What erasure removes, who issues API keys, the system log, and who hears the live monitor."""

import json
import os
from datetime import datetime, timedelta

import psycopg2
import websocket as ws_client

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.bus.models.bus import channel_with_db, dispatch, hashable
from odoo.addons.bus.tests.common import WebsocketCase

from .common import FaceAttendanceCase, face_b64


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_security")
class TestErasure(FaceAttendanceCase):
    def setUp(self):
        super().setUp()
        self.templates = self.env["face.template"].create(
            [{"employee_id": self.employee.id, "image": face_b64("Hugo_Chavez", n)} for n in (1, 2)]
        )
        when = datetime(2026, 1, 20, 7, 0)
        self.ingest(
            self.event(
                self.cam_entry, when, self.employee, uid="erase-1", snapshot=face_b64("Hugo_Chavez", 3).decode()
            ),
            self.event(
                self.cam_entry, when + timedelta(minutes=1), uid="erase-2", snapshot=face_b64("Hugo_Chavez", 4).decode()
            ),
        )
        self.events = self.env["face.recognition.event"].search([("event_uid", "in", ("erase-1", "erase-2"))])
        # erase-2 was an unknown face, later assigned to the person in the review queue (with its
        # snapshot's vector cached).
        unknown = self.events.filtered(lambda e: e.event_uid == "erase-2")
        unknown._snapshot_vector(self.config._encoder())
        unknown._assign_to_employee(self.employee)
        self.assertTrue(unknown.snapshot_encoding)
        self.wizard = self.env["face.enrol.wizard"].create(
            {"employee_id": self.employee.id, "line_ids": [(0, 0, {"image": face_b64("Hugo_Chavez", 5)})]}
        )
        # Records are stamped with the transaction's time: a daemon's last sync came before it.
        self.since = (self.env.cr.now() - timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")

    def attachments(self):
        # Field attachments are only found when the search names res_field.
        Attachment = self.env["ir.attachment"].sudo()
        return Attachment.search(
            [("res_model", "=", "face.template"), ("res_id", "in", self.templates.ids), ("res_field", "!=", False)]
        ) | Attachment.search(
            [
                ("res_model", "=", "face.recognition.event"),
                ("res_id", "in", self.events.ids),
                ("res_field", "!=", False),
            ]
        )

    def assertErased(self, files):
        self.assertFalse(self.attachments())
        self.assertFalse(self.templates.exists())
        for event in self.events.exists():
            self.assertFalse(event.snapshot or event.has_snapshot or event.snapshot_encoding)
        self.assertFalse(self.wizard.exists() and self.wizard.line_ids)
        removed = (
            self.env["face.template"]
            .with_user(self.device_user)
            .gallery_sync("sface:2021dec-int8bq", since=self.since)["removed"]
        )
        self.assertEqual(set(self.templates.ids) - set(removed), set(), "daemons must be told to drop them")
        # The files go with Odoo's filestore collection (run after commit in production).
        self.env["ir.attachment"]._gc_file_store_unsafe()
        self.assertEqual([path for path in files if os.path.exists(path)], [])

    def stored_files(self):
        Attachment = self.env["ir.attachment"].sudo()
        files = [Attachment._full_path(a.store_fname) for a in self.attachments() if a.store_fname]
        self.assertGreaterEqual(len(files), 4)  # two templates, two snapshots
        self.assertTrue(all(os.path.exists(path) for path in files))
        return files

    def test_erasing_biometric_data_removes_everything(self):
        files = self.stored_files()
        manager = new_test_user(
            self.env, login="erase_manager", groups="base.group_user,face_attendance.group_face_attendance_manager"
        )
        self.employee.with_user(manager).action_erase_biometric_data()
        self.assertErased(files)
        self.assertTrue(self.employee.active)
        self.assertEqual(len(self.events.exists()), 2)  # the sightings stay, without the photos
        self.assertEqual(self.employee.face_count, 0)

    def test_deleting_an_employee_removes_everything(self):
        files = self.stored_files()
        self.employee.attendance_ids.unlink()
        self.employee.unlink()
        self.assertErased(files)
        self.assertFalse(self.events.exists())

    def test_erasure_is_for_managers_of_the_person(self):
        other_company = self.env["res.company"].create({"name": "Erase Co"})
        outsider = new_test_user(
            self.env,
            login="erase_outsider",
            company_id=other_company.id,
            company_ids=[(6, 0, [other_company.id])],
            groups="base.group_user,face_attendance.group_face_attendance_manager",
        )
        fa_user = new_test_user(
            self.env, login="erase_user", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        for user in (outsider, fa_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.employee.with_user(user).action_erase_biometric_data()
        self.assertEqual(len(self.templates.exists()), 2)


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_security")
class TestKeysAndLog(FaceAttendanceCase):
    def test_keys_never_exceed_their_issuer(self):
        manager = new_test_user(
            self.env, login="key_manager", groups="base.group_user,face_attendance.group_face_attendance_manager"
        )
        clerk = new_test_user(self.env, login="key_clerk", groups="base.group_user")
        portal = new_test_user(self.env, login="key_portal", groups="base.group_portal")
        other_company = self.env["res.company"].create({"name": "Keys Co"})
        foreign = new_test_user(
            self.env,
            login="key_foreign",
            company_id=other_company.id,
            company_ids=[(6, 0, [other_company.id])],
            groups="base.group_user",
        )
        Wizard = self.env["face.api.key.wizard"].with_user(manager)
        for target, company in (
            (self.env.ref("base.user_admin"), self.env.company),
            (portal, self.env.company),
            (foreign, other_company),
            (clerk, other_company),
        ):
            with self.subTest(target=target.login), self.assertRaises(AccessError):
                Wizard.create({"name": "x", "user_id": target.id, "company_id": company.id}).action_generate()
        # A user with a subset of the manager's rights, in the manager's company: allowed.
        wizard = Wizard.create({"name": "clerk key", "user_id": clerk.id, "scopes": "person:read"})
        wizard.action_generate()
        self.assertEqual(wizard.key_id.user_id, clerk)
        # Nobody else reads the wizard (and its secret), not even another manager.
        other_manager = new_test_user(
            self.env, login="key_manager_2", groups="base.group_user,face_attendance.group_face_attendance_manager"
        )
        with self.assertRaises(AccessError):
            wizard.with_user(other_manager).read(["secret"])
        # Keys of another company are invisible; prefixes are unique.
        foreign_key, _secret = self.env["face.api.key"]._generate(
            "foreign", foreign, "person:read", company=other_company
        )
        self.assertNotIn(foreign_key, self.env["face.api.key"].with_user(manager).search([]))
        self.env.flush_all()
        with self.assertRaises(psycopg2.errors.UniqueViolation), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env.cr.execute(
                "UPDATE face_api_key SET prefix = %s WHERE id = %s", [foreign_key.prefix, wizard.key_id.id]
            )

    def test_the_log_cannot_be_written_by_callers(self):
        manager = new_test_user(
            self.env, login="log_manager", groups="base.group_user,face_attendance.group_face_attendance_manager"
        )
        line = self.env["face.system.log"].with_user(manager)._log("written by the code", action="test.log")
        self.assertEqual((line.user_id, line.company_id), (manager, manager.company_id))
        Log = self.env["face.system.log"].with_user(manager)
        with self.assertRaises(AccessError):
            Log.create({"message": "forged"})
        with self.assertRaises(AccessError):
            line.with_user(manager).write({"message": "rewritten"})
        with self.assertRaises(AccessError):
            line.with_user(manager).unlink()
        self.assertEqual(line.message, "written by the code")

    def test_settings_changes_are_checked_and_logged(self):
        clerk = new_test_user(self.env, login="set_clerk", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.config.with_user(clerk).set("match_threshold", 1.9)
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(clerk).browse().set_values()
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(clerk).get_values()
        self.assertEqual(self.config._get("match_threshold"), 0.0)
        self.config.set("match_threshold", 0.45)
        line = self.env["face.system.log"].search([("action", "=", "config.set")], limit=1)
        self.assertEqual(
            (line.details["key"], line.details["old"], line.details["new"]), ("match_threshold", 0.0, 0.45)
        )


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_security")
class TestLiveChannel(WebsocketCase):
    """The live monitor's pushes reach Face Attendance users of the company, and nobody else."""

    def connect(self, login):
        session = self.authenticate(login, login)
        return self.websocket_connect(cookie="session_id=%s" % session.sid)

    def subscribed(self, channel):
        return bool(dispatch._channels_to_ws.get(hashable(channel_with_db(self.env.cr.dbname, channel))))

    def test_only_face_attendance_users_of_the_company_hear_it(self):
        company = self.env.company
        new_test_user(self.env, login="live_clerk", groups="base.group_user")
        new_test_user(
            self.env, login="live_fa_user", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        clerk_ws = self.connect("live_clerk")
        self.subscribe(clerk_ws, ["face_attendance_live"], self.env["bus.bus"]._bus_last_id())
        self.assertFalse(self.subscribed("face_attendance_live"), "a client-chosen channel name grants nothing")
        self.assertFalse(self.subscribed((company, "face_attendance_live")))
        user_ws = self.connect("live_fa_user")
        self.subscribe(user_ws, [], self.env["bus.bus"]._bus_last_id())
        self.assertTrue(self.subscribed((company, "face_attendance_live")))
        camera = self.env["face.camera"].create(
            {"name": "Live ws", "source_type": "file", "source": "x", "direction": "entry"}
        )
        self.env["face.recognition.event"]._ingest_events(
            [
                {
                    "event_id": "live-ws-1",
                    "camera_id": camera.id,
                    "timestamp": datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
            ],
            "daemon",
        )
        self.trigger_notification_dispatching([(company, "face_attendance_live"), "face_attendance_live"])
        notifications = json.loads(user_ws.recv())
        self.assertIn("face_attendance/events", [n["message"]["type"] for n in notifications])
        clerk_ws.settimeout(0.5)
        with self.assertRaises(ws_client.WebSocketTimeoutException):
            clerk_ws.recv()


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_security")
class TestManagersStayInTheirLane(FaceAttendanceCase):
    """What a Face Attendance manager may not do either: forge camera evidence, move faces or
    cameras across companies, edit the audit trail, see another company's events."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Lane B"})
        cls.manager = new_test_user(
            cls.env, login="lane_manager", groups="base.group_user,face_attendance.group_face_attendance_manager"
        )
        cls.employee_b = cls.env["hr.employee"].create(
            {"name": "Bob of B", "person_ref": "EMP-ADA", "company_id": cls.company_b.id}
        )
        cls.daemon_b = cls.env["face.daemon"].create({"name": "lane-b", "company_id": cls.company_b.id})
        cls.camera_b = cls.env["face.camera"].create(
            {
                "name": "B cam",
                "source_type": "file",
                "source": "x",
                "direction": "entry",
                "company_id": cls.company_b.id,
                "daemon_id": cls.daemon_b.id,
            }
        )

    def test_camera_evidence_and_events_are_not_typed_in(self):
        self.ingest(self.event(self.cam_entry, "2026-01-20T07:00:00Z", self.employee, uid="lane-1"))
        attendance = self.attendances()
        event_b = self.env["face.recognition.event"]._ingest_events(
            [
                {
                    "event_id": "lane-1",
                    "camera_id": self.camera_b.id,
                    "timestamp": "2026-01-20T07:00:00Z",
                    "employee_id": self.employee_b.id,
                    "snapshot": face_b64("Kofi_Annan", 4).decode(),
                }
            ],
            "daemon",
        )
        # The same event id in another company is another event, not a duplicate of ours.
        self.assertEqual(event_b[0]["status"], "created")
        event_b = self.env["face.recognition.event"].search([("company_id", "=", self.company_b.id)])
        as_manager = attendance.with_user(self.manager)
        with self.assertRaises(AccessError):
            as_manager.write({"face_in_event_id": event_b.id})
        with self.assertRaises(AccessError):
            self.env["hr.attendance"].with_user(self.manager).create(
                {
                    "employee_id": self.employee.id,
                    "check_in": "2026-01-21 07:00:00",
                    "face_camera_id": self.cam_entry.id,
                }
            )
        own_event = attendance.face_in_event_id.with_user(self.manager)
        for vals in ({"outcome": "checked_out"}, {"employee_id": self.other.id}):
            with self.assertRaises(AccessError):
                own_event.write(vals)
        with self.assertRaises(AccessError):
            self.env["face.recognition.event"].with_user(self.manager).create(
                {"event_uid": "typed", "sighted_at": "2026-01-20 07:00:00", "outcome": "checked_in"}
            )
        # Even linked (as the superuser could), another company's snapshot is not read through it.
        attendance.sudo().face_in_event_id = event_b
        with self.assertRaises(AccessError):
            attendance.with_user(self.manager).read(["face_snapshot"])

    def test_faces_and_cameras_do_not_change_company(self):
        template = self.env["face.template"].create(
            {"employee_id": self.employee.id, "image": face_b64("Hugo_Chavez", 1)}
        )
        manager_of_both = new_test_user(
            self.env,
            login="lane_manager_both",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_ids=[(6, 0, (self.env.company | self.company_b).ids)],
        )
        for vals in ({"employee_id": self.employee_b.id}, {"encoding": template.encoding}, {"encoder_name": "dlib"}):
            with self.subTest(vals=list(vals)), self.assertRaises(AccessError):
                template.with_user(manager_of_both).write(vals)
        self.assertEqual(template.employee_id, self.employee)
        with self.assertRaises(AccessError):
            self.env["face.template"].with_user(self.manager).create(
                {"employee_id": self.employee.id, "image": face_b64("Hugo_Chavez", 2), "encoding": template.encoding}
            )
        # A camera of company B is never handed to company A's daemon.
        with self.assertRaises(UserError):
            self.camera_b.with_user(manager_of_both).write({"daemon_id": self.daemon.id})
        self.env.flush_all()
        self.env.cr.execute("UPDATE face_camera SET daemon_id = %s WHERE id = %s", [self.daemon.id, self.camera_b.id])
        self.env.invalidate_all()
        config = self.daemon.with_user(self.device_user).daemon_config()
        self.assertNotIn(self.camera_b.id, [camera["id"] for camera in config["cameras"]])

    def test_keys_are_made_by_the_screen_only_and_its_secret_is_shown_once(self):
        with self.assertRaises(AccessError):
            self.env["face.api.key"].with_user(self.manager).create(
                {"name": "hand made", "prefix": "deadbeef", "salt": "s", "key_hash": "h", "scopes": "*"}
            )
        wizard = self.env["face.api.key.wizard"].with_user(self.manager).create({"name": "once"})
        wizard.action_generate()
        first = wizard.search_read([("id", "=", wizard.id)], ["secret"])
        self.assertTrue(first[0]["secret"].startswith("fa_"))
        self.env.invalidate_all()
        self.assertFalse(wizard.search_read([("id", "=", wizard.id)], ["secret"])[0]["secret"])

    def test_reports_are_for_face_attendance_users(self):
        clerk = new_test_user(self.env, login="lane_clerk", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["face.attendance.daily.summary"].with_user(clerk)._summarize(datetime(2026, 1, 20).date())
