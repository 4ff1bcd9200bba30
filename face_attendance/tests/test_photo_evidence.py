"""Photo evidence on the attendance: the check-in and check-out snapshots, for managers only.

The snapshots are biometric data: a Face Attendance manager sees them on the attendance form and
on the attendance sheet; a Face Attendance user, an employee reading their own attendance and a
portal user get them through no door (read, search_read, web_read, export, the views' fields, the
sheet), over real XML-RPC as those users.
"""

import base64
import re
import xmlrpc.client

from odoo.tests import HttpCase, new_test_user, tagged

from .common import face_b64

ACCESS_ERROR = 4  # odoo.addons.base.controllers.rpc.RPC_FAULT_CODE_ACCESS_ERROR
USER_ERROR = 2  # RPC_FAULT_CODE_WARNING
SNAPSHOT_FIELDS = ["face_snapshot", "face_out_snapshot", "face_in_seen_at", "face_out_seen_at"]
IMG_TAG = re.compile(r"<img[^>]*o_face_sheet_photo_(?:in|out)[^>]*>")


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_security")
class TestPhotoEvidence(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.users = {
            "manager": new_test_user(
                env, login="pe_manager", groups="base.group_user,face_attendance.group_face_attendance_manager"
            ),
            # May export, so that export_data itself is what keeps the photos from them.
            "fa_user": new_test_user(
                env,
                login="pe_fa_user",
                groups="base.group_user,base.group_allow_export,face_attendance.group_face_attendance_user",
            ),
            "employee": new_test_user(env, login="pe_employee", groups="base.group_user,base.group_allow_export"),
            "portal": new_test_user(env, login="pe_portal", groups="base.group_portal"),
        }
        # The plain employee is the person on the photos: they read their own attendance, not its photos.
        # The Face Attendance user is their attendance manager: in 18 an attendance officer (what a Face
        # Attendance user is there) reads the attendance of those employees only.
        cls.employee = env["hr.employee"].create(
            {
                "name": "Evidence Person",
                "person_ref": "PE-1",
                "tz": "UTC",
                "user_id": cls.users["employee"].id,
                "attendance_manager_id": cls.users["fa_user"].id,
                "department_id": env["hr.department"].create({"name": "Evidence Department"}).id,
            }
        )
        device = new_test_user(env, login="pe_device", groups="face_attendance.group_face_attendance_device")
        daemon = env["face.daemon"].create({"name": "pe-daemon", "user_id": device.id})
        Camera = env["face.camera"].with_context(default_daemon_id=daemon.id)
        cls.cam_entry = Camera.create({"name": "PE entry", "source_type": "file", "source": "x", "direction": "entry"})
        cls.cam_exit = Camera.create({"name": "PE exit", "source_type": "file", "source": "x", "direction": "exit"})
        answers = env["face.recognition.event"]._ingest_events(
            [
                {
                    "event_id": "pe-in",
                    "camera_id": cls.cam_entry.id,
                    "timestamp": "2026-02-03T08:00:00Z",
                    "employee_id": cls.employee.id,
                    "snapshot": face_b64("Hugo_Chavez", 4).decode(),
                },
                {
                    "event_id": "pe-out",
                    "camera_id": cls.cam_exit.id,
                    "timestamp": "2026-02-03T16:30:00Z",
                    "employee_id": cls.employee.id,
                    "snapshot": face_b64("Hugo_Chavez", 5).decode(),
                },
            ],
            "daemon",
        )
        assert [a["outcome"] for a in answers] == ["checked_in", "checked_out"], answers
        cls.attendance = env["hr.attendance"].search([("employee_id", "=", cls.employee.id)])
        assert len(cls.attendance) == 1 and cls.attendance.face_out_event_id, cls.attendance

    def setUp(self):
        super().setUp()
        self.uids = {}

    def rpc(self, role, model, method, *args, **kwargs):
        login = self.users[role].login
        uid = self.uids.get(login) or self.xmlrpc_common.authenticate(self.env.cr.dbname, login, login, {})
        self.assertTrue(uid, login)
        self.uids[login] = uid
        return self.xmlrpc_object.execute_kw(self.env.cr.dbname, uid, login, model, method, list(args), kwargs)

    def assertNoPhoto(self, answer):
        """Nothing of the snapshots in an answer (the photos' base64 starts like any JPEG's)."""
        text = repr(answer)
        for name in SNAPSHOT_FIELDS:
            self.assertNotIn(name, text)
        self.assertNotIn("/9j/", text)

    # ------------------------------------------------------------------ the model
    def test_the_attendance_carries_both_snapshots(self):
        attendance = self.attendance.with_user(self.users["manager"])
        self.assertEqual(attendance.face_snapshot, attendance.face_in_event_id.snapshot)
        self.assertEqual(attendance.face_out_snapshot, attendance.face_out_event_id.snapshot)
        self.assertTrue(attendance.face_snapshot and attendance.face_out_snapshot)
        self.assertNotEqual(attendance.face_snapshot, attendance.face_out_snapshot)
        self.assertEqual(attendance.face_in_seen_at, attendance.check_in)
        self.assertEqual(attendance.face_out_seen_at, attendance.check_out)
        for name in SNAPSHOT_FIELDS:
            field = self.attendance._fields[name]
            self.assertEqual(field.groups, "face_attendance.group_face_attendance_manager", name)
            self.assertFalse(field.store, name)

    # ------------------------------------------------------------------ over XML-RPC
    def test_a_manager_reads_the_snapshots(self):
        [values] = self.rpc("manager", "hr.attendance", "read", self.attendance.ids, SNAPSHOT_FIELDS)
        self.assertEqual(values["face_snapshot"], self.attendance.face_in_event_id.snapshot.decode())
        self.assertEqual(values["face_out_snapshot"], self.attendance.face_out_event_id.snapshot.decode())
        [values] = self.rpc(
            "manager", "hr.attendance", "web_read", self.attendance.ids, {"face_snapshot": {}, "face_out_snapshot": {}}
        )
        self.assertTrue(values["face_snapshot"] and values["face_out_snapshot"])
        self.assertIn("face_out_snapshot", self.rpc("manager", "hr.attendance", "fields_get", SNAPSHOT_FIELDS))
        arch = self.rpc("manager", "hr.attendance", "get_views", [[False, "form"]])["views"]["form"]["arch"]
        self.assertIn('name="face_photo_evidence"', arch)
        self.assertIn('name="face_out_snapshot"', arch)

    def test_nobody_else_reads_them(self):
        ids = self.attendance.ids
        for role in ("fa_user", "employee", "portal"):
            for method, args, kwargs in (
                ("read", [ids, ["face_snapshot"]], {}),
                ("read", [ids, ["face_out_snapshot"]], {}),
                ("read", [ids, ["face_in_seen_at"]], {}),
                ("search_read", [[("id", "in", ids)], ["check_in", "face_out_snapshot"]], {}),
                ("web_read", [ids, {"check_in": {}, "face_snapshot": {}}], {}),
                ("web_search_read", [[("id", "in", ids)], {"face_out_snapshot": {}}], {}),
                ("export_data", [ids, ["face_snapshot"]], {}),
                ("export_data", [ids, ["face_out_snapshot"]], {}),
            ):
                with self.subTest(role=role, method=method, args=str(args)[:60]):
                    with self.assertRaises(xmlrpc.client.Fault) as caught:
                        self.rpc(role, "hr.attendance", method, *args, **kwargs)
                    # A portal user may not export at all: refused before anything is read (a user error).
                    expected = (
                        (ACCESS_ERROR, USER_ERROR) if (role, method) == ("portal", "export_data") else (ACCESS_ERROR,)
                    )
                    self.assertIn(caught.exception.faultCode, expected, caught.exception.faultString[-300:])
                    self.assertNotIn("/9j/", caught.exception.faultString)

    def test_what_the_others_may_read_has_no_photo(self):
        ids = self.attendance.ids
        # The FA user reads every attendance, the employee their own: all fields they may see, no photo.
        for role in ("fa_user", "employee"):
            with self.subTest(role=role):
                # (An employee cannot read every field of their attendance in 19: Odoo's overtime lines.)
                fields = [[]] if role == "fa_user" else [["check_in", "check_out", "in_mode", "face_confidence"]]
                [values] = self.rpc(role, "hr.attendance", "read", ids, *fields)
                self.assertEqual(values["id"], ids[0])
                self.assertNoPhoto(values)
                self.assertNoPhoto(self.rpc(role, "hr.attendance", "fields_get"))
                self.assertNoPhoto(self.rpc(role, "hr.attendance", "search_read", [("id", "in", ids)], *fields))
                self.assertNoPhoto(self.rpc(role, "hr.attendance", "export_data", ids, ["employee_id", "check_in"]))
        views = self.rpc("fa_user", "hr.attendance", "get_views", [[False, "form"], [False, "list"]])
        self.assertNotIn("face_photo_evidence", views["views"]["form"]["arch"])
        self.assertNoPhoto(views)
        # A portal user reads no attendance at all.
        with self.assertRaises(xmlrpc.client.Fault) as caught:
            self.rpc("portal", "hr.attendance", "read", ids, ["check_in"])
        self.assertEqual(caught.exception.faultCode, ACCESS_ERROR)

    # ------------------------------------------------------------------ the attendance sheet
    def render_sheet(self, role):
        user = self.users[role]
        self.env.invalidate_all()  # as a new request finds it: nothing of the employees read yet
        wizard = (
            self.env["face.attendance.sheet.wizard"]
            .with_user(user)
            .create({"date_from": "2026-02-01", "date_to": "2026-02-28"})
        )
        html, _kind = (
            self.env["ir.actions.report"]
            .with_user(user)
            ._render_qweb_html("face_attendance.action_report_attendance_sheet", wizard.ids)
        )
        return html.decode() if isinstance(html, bytes) else html

    def test_a_managers_sheet_shows_the_thumbnails(self):
        html = self.render_sheet("manager")
        self.assertIn("Evidence Person", html)
        tags = IMG_TAG.findall(html)
        self.assertEqual(len(tags), 2, html[-3000:])
        self.assertIn("o_face_sheet_photo_in", tags[0])
        self.assertIn("o_face_sheet_photo_out", tags[1])
        for tag in tags:
            source = re.search(r'src="data:image/\w+;base64,([^"]+)"', tag)
            self.assertTrue(source, tag[:200])
            # Thumbnails, not the 640-pixel snapshots.
            self.assertLess(
                len(base64.b64decode(source.group(1))), len(base64.b64decode(self.attendance.face_snapshot))
            )

    def test_a_face_users_sheet_shows_no_photo(self):
        html = self.render_sheet("fa_user")
        self.assertIn("Evidence Person", html)
        self.assertIn("Evidence Department", html)
        self.assertEqual(IMG_TAG.findall(html), [])
        self.assertNotIn("o_face_sheet_photos", html)
        self.assertNotIn(">Photos<", html)
