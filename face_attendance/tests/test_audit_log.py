"""The Audit Log screen (face.audit.entry): the system log and the attendance changes in one list,
with the rows and rights of the audit trail service it mirrors."""

from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from ..models.odoo_compat import USER_GROUPS
from .tour_case import FaceTourCase


def seed_audit(env, manager, employee):
    """A log line about ``employee``, an attendance the manager creates, then corrects (check_out)."""
    log = (
        env["face.system.log"]
        .with_user(manager)
        ._log("Audit seeded line", category="api", action="person.update", object_ref="hr.employee,%d" % employee.id)
    )
    attendance = (
        env["hr.attendance"]
        .with_user(manager)
        .create({"employee_id": employee.id, "check_in": datetime(2026, 11, 18, 8)})
    )
    env.flush_all()
    # Tracking folds changes into the creation within one transaction: end the creation's first.
    env.cr.precommit.run()
    attendance.write({"check_out": datetime(2026, 11, 18, 16, 30)})
    env.flush_all()
    env.cr.precommit.run()
    return log, attendance.sudo()


@tagged("post_install", "-at_install", "face_attendance")
class TestAuditLog(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.start = fields.Datetime.now() - timedelta(minutes=5)
        cls.company = env.company
        cls.other_company = env["res.company"].create({"name": "Audit Log Other Co"})
        cls.manager = new_test_user(
            env, login="fa_audit_manager", groups="base.group_user,face_attendance.group_face_attendance_manager"
        )
        # A Face Attendance user is an attendance officer: hr.attendance shows them only the
        # attendances of the employees they manage.
        cls.user = new_test_user(
            env, login="fa_audit_user", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        cls.portal = new_test_user(env, login="fa_audit_portal", groups="base.group_portal")
        cls.internal = new_test_user(env, login="fa_audit_internal", groups="base.group_user")
        cls.device = new_test_user(env, login="fa_audit_device", groups="face_attendance.group_face_attendance_device")
        cls.other_manager = new_test_user(
            env,
            login="fa_audit_other",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_id=cls.other_company.id,
            company_ids=[(6, 0, [cls.other_company.id])],
        )
        cls.employee = env["hr.employee"].create({"name": "Audrey Audit", "person_ref": "AUDLOG-1"})
        cls.log, cls.attendance = seed_audit(env, cls.manager, cls.employee)
        cls.auth_log = (
            env["face.system.log"].with_user(cls.manager)._log("Signed in", category="api", action="auth.login")
        )
        cls.end = fields.Datetime.now() + timedelta(minutes=5)
        cls.Entry = env["face.audit.entry"]

    def rows(self, user, domain=()):
        window = [("date", ">=", self.start), ("date", "<", self.end)]
        return self.Entry.with_user(user).search(window + list(domain))

    def test_rows_say_who_what_when_and_object(self):
        rows = self.rows(self.manager)
        line = rows.filtered(lambda r: r.log_id == self.log)
        self.assertEqual(len(line), 1)
        self.assertEqual((line.source, line.user_id, line.action), ("log", self.manager, "person.update"))
        self.assertEqual(
            (line.res_model, line.res_id, line.employee_id), ("hr.employee", self.employee.id, self.employee)
        )
        self.assertEqual((line.object_name, line.company_id), ("Audrey Audit", self.company))
        self.assertEqual((line.date, line.category, line.message), (self.log.create_date, "api", "Audit seeded line"))
        changes = rows.filtered(lambda r: r.attendance_id == self.attendance)
        self.assertIn("attendance.create", changes.mapped("action"))
        update = changes.filtered(lambda r: r.action == "attendance.update" and r.field_id.sudo().name == "check_out")
        self.assertEqual(len(update), 1, changes.sudo().read(["action", "field_id"]))
        self.assertEqual(
            (update.user_id, update.employee_id, update.company_id), (self.manager, self.employee, self.company)
        )
        self.assertEqual((update.res_model, update.res_id), ("hr.attendance", self.attendance.id))
        self.assertFalse(update.old_value)
        self.assertIn("2026", update.new_value)
        self.assertEqual(update.object_name, self.attendance.display_name)

    def test_filters_and_group_by(self):
        Entry = self.Entry.with_user(self.manager)
        window = [("date", ">=", self.start), ("date", "<", self.end)]
        by_user = Entry.search(window + [("user_id", "=", self.manager.id)])
        self.assertTrue(by_user)
        self.assertEqual(by_user.user_id, self.manager)
        by_model = Entry.search(window + [("res_model", "=", "hr.attendance")])
        self.assertEqual(set(by_model.mapped("source")), {"attendance"})
        by_action = Entry.search(window + [("action", "=like", "person.%")])
        self.assertIn(self.log, by_action.log_id)
        self.assertNotIn("attendance.update", by_action.mapped("action"))
        groups = dict(Entry._read_group(window + [("employee_id", "=", self.employee.id)], ["action"], ["__count"]))
        self.assertEqual(groups.get("person.update"), 1)
        self.assertGreaterEqual(groups.get("attendance.update", 0), 1)
        days = Entry._read_group(window, ["date:day", "source"], ["__count"])
        self.assertEqual({source for _day, source, _count in days}, {"log", "attendance"})

    def test_export(self):
        # The list's columns, as its Export action proposes them, for a manager and a user.
        columns = ["date", "user_id", "action", "object_name", "employee_name", "field_label", "old_value", "new_value"]
        for user in (self.manager, self.user):
            with self.subTest(user=user.login):
                # Exporting is Odoo's own right (Settings: "Allow export"), given to the user here.
                user.write({USER_GROUPS: [(4, self.env.ref("base.group_allow_export").id)]})
                lines = self.rows(user).export_data(columns)["datas"]
                line = next(line for line in lines if line[2] == "person.update" and line[3] == "Audrey Audit")
                self.assertEqual(line[1:6], [self.manager.name, "person.update", "Audrey Audit", "Audrey Audit", ""])
        lines = self.rows(self.manager, [("attendance_id", "=", self.attendance.id)]).export_data(columns)["datas"]
        line = next(line for line in lines if line[5] == "Check Out")
        self.assertEqual(
            line[1:5], [self.manager.name, "attendance.update", self.attendance.display_name, "Audrey Audit"]
        )
        self.assertIn("2026", line[7])

    def audit_trail_keys(self, user):
        keys, page = set(), 1
        while True:
            answer = (
                self.env["face.system.log"]
                .with_user(user)
                .audit_trail({"from": self.start, "to": self.end}, page=page, page_size=200)
            )
            keys |= {tuple(item["id"].split("-")) for item in answer["items"]}
            if page * 200 >= answer["total"]:
                return keys
            page += 1

    def test_same_entries_as_the_audit_trail(self):
        for user in (self.manager, self.user, self.other_manager):
            with self.subTest(user=user.login):
                rows = self.rows(user)
                keys = {("log", str(r.log_id.id)) for r in rows if r.source == "log"}
                keys |= {("attendance", str(r.message_id)) for r in rows if r.source == "attendance"}
                self.assertEqual(keys, self.audit_trail_keys(user))
        # Not two empty lists: the seeded line and correction are in both.
        update = self.rows(
            self.manager, [("attendance_id", "=", self.attendance.id), ("action", "=", "attendance.update")]
        )
        self.assertLessEqual(
            {("log", str(self.log.id)), ("attendance", str(update[:1].message_id))}, self.audit_trail_keys(self.manager)
        )

    def test_the_menu_is_for_face_attendance_users(self):
        menu = self.env.ref("face_attendance.menu_face_audit_log")
        # (A portal user reads no menu at all.)
        for user, visible in ((self.internal, False), (self.user, True), (self.manager, True)):
            with self.subTest(user=user.login):
                self.assertEqual(menu.id in self.env["ir.ui.menu"].with_user(user)._visible_menu_ids(), visible)

    def test_who_reads_what(self):
        for user in (self.portal, self.internal, self.device):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.Entry.with_user(user).search([])
        # Another company's manager: none of this company's rows, not even by id.
        mine = self.rows(self.manager)
        self.assertFalse(self.rows(self.other_manager) & mine.with_user(self.other_manager))
        with self.assertRaises(AccessError):
            mine.with_user(self.other_manager).read(["action"])
        # Sign-in lines are for managers.
        self.assertIn(self.auth_log, self.rows(self.manager).log_id)
        self.assertNotIn(self.auth_log, self.rows(self.user).log_id)
        # The attendance rows follow hr.attendance's rules, whatever they are: in 18 a Face
        # Attendance user reads the attendances of the employees they manage, in 19 all.
        seen = self.rows(self.user)
        self.assertIn(self.log, seen.log_id)
        readable = bool(self.env["hr.attendance"].with_user(self.user).search([("id", "=", self.attendance.id)]))
        self.assertEqual(self.attendance in seen.attendance_id.sudo(), readable)
        # A rule that hides this attendance (global: from everyone) hides its rows.
        hidden = mine.filtered(lambda r: r.attendance_id == self.attendance)
        self.assertTrue(hidden)
        hidden_keys = {("attendance", str(message)) for message in hidden.mapped("message_id")}
        self.assertLessEqual(hidden_keys, self.audit_trail_keys(self.manager))
        self.env["ir.rule"].create(
            {
                "name": "test: one attendance hidden",
                "model_id": self.env["ir.model"]._get_id("hr.attendance"),
                "domain_force": "[('id', '!=', %d)]" % self.attendance.id,
            }
        )
        for user in (self.user, self.manager):
            with self.subTest(user=user.login):
                self.assertFalse(self.rows(user) & hidden.with_user(user))
                self.assertIn(self.log, self.rows(user).log_id)
                with self.assertRaises(AccessError):
                    hidden.with_user(user).read(["action"])
                self.assertFalse(self.audit_trail_keys(user) & hidden_keys)

    def test_an_object_is_named_only_to_who_may_read_it(self):
        key, _secret = self.env["face.api.key"]._generate("Audit key", self.manager, "*")
        line = (
            self.env["face.system.log"]
            .with_user(self.manager)
            ._log("Key made", action="key.create", object_ref="face.api.key,%d" % key.id)
        )
        self.assertEqual(self.rows(self.manager, [("log_id", "=", line.id)]).object_name, key.display_name)
        self.assertEqual(self.rows(self.user, [("log_id", "=", line.id)]).object_name, "face.api.key,%d" % key.id)

    def test_changes_of_fields_the_reader_may_not_read_are_left_out(self):
        def fields_seen(user):
            rows = self.rows(user, [("attendance_id", "=", self.attendance.id)])
            return set(rows.field_id.sudo().mapped("name"))

        self.assertIn("check_out", fields_seen(self.manager))
        field = type(self.env["hr.attendance"])._fields["check_out"]
        with patch.object(field, "groups", "base.group_system"):
            self.assertNotIn("check_out", fields_seen(self.manager))
            self.assertIn("check_out", fields_seen(self.env.ref("base.user_admin")))
            row = self.rows(self.env.ref("base.user_admin"), [("field_id.name", "=", "check_out")])
            with self.assertRaises(AccessError):
                row.with_user(self.manager).read(["new_value"])

    def test_nobody_writes_the_log(self):
        row = self.rows(self.manager)[:1]
        for user in (self.manager, self.env.ref("base.user_admin")):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.Entry.with_user(user).create({"action": "forged"})
                with self.assertRaises(AccessError):
                    row.with_user(user).write({"action": "rewritten"})
                with self.assertRaises(AccessError):
                    row.with_user(user).unlink()


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_tours")
class TestAuditLogTour(FaceTourCase):
    def test_audit_log_screen(self):
        manager = new_test_user(
            self.env,
            login="fa_audit_tour",
            name="Audit Tour Manager",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
        )
        employee = self.env["hr.employee"].create({"name": "Tour Audited", "person_ref": "AUDLOG-TOUR"})
        seed_audit(self.env, manager, employee)
        self.start_tour_with_screenshots(
            "/odoo/action-face_attendance.hr_employee_face_action",
            "face_attendance_audit_log_tour",
            login=manager.login,
        )
        self.assertIn("audit_log", self.saved)
