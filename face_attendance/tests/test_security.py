from datetime import datetime

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..models.security_groups import FULL_ATTENDANCE_GROUP
from .common import FaceAttendanceCase, face_b64


@tagged("post_install", "-at_install", "face_attendance")
class TestSecurity(FaceAttendanceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = cls.env["face.template"].create(
            {"employee_id": cls.employee.id, "image": face_b64("Hugo_Chavez", 1)}
        )
        cls.plain = new_test_user(cls.env, login="fa_plain", groups="base.group_user")
        cls.fa_user = new_test_user(
            cls.env, login="fa_user", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        cls.fa_manager = new_test_user(
            cls.env, login="fa_manager", groups="base.group_user,face_attendance.group_face_attendance_manager"
        )

    def test_templates_are_for_managers_only(self):
        for user in (self.plain, self.fa_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["face.template"].with_user(user).browse(self.template.id).read(["encoding"])
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["face.template"].with_user(user).search([])
        record = self.env["face.template"].with_user(self.fa_manager).browse(self.template.id)
        self.assertTrue(record.encoding and record.image)

    def test_face_image_fields_on_the_employee_are_hidden(self):
        with self.assertRaises(AccessError):
            self.employee.with_user(self.fa_user).read(["face_template_ids"])
        self.assertEqual(self.employee.with_user(self.fa_manager).face_template_ids, self.template)

    def test_the_person_fields_follow_the_public_profile(self):
        self.employee.person_ref = "SEC-HC"
        administrator = new_test_user(
            self.env, login="fa_att_admin", groups="base.group_user,%s" % FULL_ATTENDANCE_GROUP
        )
        for user in (self.plain, self.fa_user, administrator):
            # From an empty cache, as a fresh request: Odoo prefetches every stored field the reader
            # may see, through hr.employee.public for who is no HR officer.
            self.env.invalidate_all()
            employee = self.employee.with_user(user)
            with self.subTest(user=user.login):
                self.assertEqual(employee.name, self.employee.name)
                self.assertEqual(employee.search([("id", "=", self.employee.id)]).name, self.employee.name)
        # Attendance administrators reach every person of their companies: they may know who holds an
        # ID. (Odoo 19's Face Attendance users are: 19 split 18's officer into one of their own team
        # and a user of all attendances.)
        readers = administrator | self.fa_user.filtered(lambda user: user.has_group(FULL_ATTENDANCE_GROUP))
        for user in readers:
            self.env.invalidate_all()
            as_reader = self.employee.with_user(user)
            with self.subTest(user=user.login):
                self.assertEqual(
                    (as_reader.person_ref, as_reader.face_count, as_reader.face_status), ("SEC-HC", 1, "registered")
                )
                self.assertEqual(as_reader.search([("person_ref", "=", "SEC-HC")]), self.employee)
        # An officer who sees only the persons they manage, and any employee, do not.
        for user in (self.plain | self.fa_user) - readers:
            for field in ("person_ref", "face_count", "face_status"):
                with self.subTest(user=user.login, field=field), self.assertRaises(AccessError):
                    self.employee.with_user(user).read([field])
                with self.subTest(user=user.login, field=field), self.assertRaises(AccessError):
                    self.env["hr.employee.public"].with_user(user).browse(self.employee.id).read([field])
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["hr.employee.public"].with_user(user).search([("person_ref", "=", "SEC-HC")])

    def test_camera_urls_are_for_managers_and_devices(self):
        camera = self.env["face.camera"].create(
            {"name": "Gate", "source_type": "rtsp", "source": "rtsp://admin:secret@10.0.0.5/live"}
        )
        self.assertEqual(camera.with_user(self.fa_user).name, "Gate")
        with self.assertRaises(AccessError):
            camera.with_user(self.fa_user).read(["source"])
        self.assertIn("secret", camera.with_user(self.fa_manager).source)
        self.assertIn("secret", camera.with_user(self.device_user).source)

    def test_events_are_readable_by_face_users_but_not_plain_users(self):
        self.ingest(self.event(self.cam_entry, "2026-01-20T07:00:00Z", self.employee, uid="sec-1"))
        self.assertEqual(
            self.env["face.recognition.event"].with_user(self.fa_user).search_count([("event_uid", "=", "sec-1")]), 1
        )
        with self.assertRaises(AccessError):
            self.env["face.recognition.event"].with_user(self.plain).search([])

    def test_records_of_another_company_are_invisible(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        foreign = self.env["hr.employee"].create({"name": "Foreign", "company_id": other_company.id})
        foreign_template = self.env["face.template"].create(
            {"employee_id": foreign.id, "image": face_b64("Kofi_Annan", 1)}
        )
        foreign_camera = self.env["face.camera"].create(
            {"name": "Foreign cam", "source_type": "file", "source": "x", "company_id": other_company.id}
        )
        templates = self.env["face.template"].with_user(self.fa_manager).search([])
        self.assertIn(self.template, templates)
        self.assertNotIn(foreign_template, templates)
        self.assertNotIn(foreign_camera, self.env["face.camera"].with_user(self.fa_manager).search([]))
        # A device of the first company cannot send events for the other company's camera.
        answers = self.ingest(self.event(foreign_camera, "2026-01-20T07:00:00Z", foreign))
        self.assertEqual(answers[0]["status"], "invalid")

    def test_a_manager_cannot_widen_keys_of_more_powerful_users(self):
        Key = self.env["face.api.key"]
        admin = self.env.ref("base.user_admin")
        manager = new_test_user(
            self.env, login="fa_key_widener", groups="base.group_user,face_attendance.group_face_attendance_manager"
        )
        admin_key, _secret = Key._generate("admin narrow", admin, "camera:read", expires_at=datetime(2020, 1, 1))
        for vals in ({"scopes": "*"}, {"expires_at": False}, {"rate_limit_per_minute": 0}):
            with self.assertRaises(AccessError):
                admin_key.with_user(manager).write(vals)
        self.assertEqual((admin_key.scopes, admin_key.expires_at), ("camera:read", datetime(2020, 1, 1)))
        # Their own key, as they could issue it: allowed.
        own_key, _secret = Key.with_user(manager)._generate("own", manager, "camera:read")
        own_key.with_user(manager).write({"scopes": "camera:read person:read"})
        self.assertEqual(own_key.scopes, "camera:read person:read")
        # Sign-in tokens change only by revocation, even for their own user.
        token, _secret = Key._generate("session", manager, "camera:read", kind="access")
        with self.assertRaises(AccessError):
            token.with_user(manager).write({"expires_at": False})
