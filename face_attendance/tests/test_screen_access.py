"""Who reaches which of the app's screens: an employee without Face Attendance groups, a portal user
and a device see none of them; users see theirs; managers see the managers' ones too."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import FaceAttendanceCase

USER = "face_attendance.group_face_attendance_user"
MANAGER = "face_attendance.group_face_attendance_manager"
# The operations screens and whether a Face Attendance user (not a manager) reaches them.
SCREENS = {
    "face_attendance.menu_face_dashboard": True,
    "face_attendance.menu_face_live_monitor": True,
    "face_attendance.menu_face_audit_log": True,
    "face_attendance.menu_face_system_health": False,
}


@tagged("post_install", "-at_install", "face_attendance")
class TestScreenAccess(FaceAttendanceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.employee_user = new_test_user(cls.env, login="fa_screens_employee", groups="base.group_user")
        cls.portal_user = new_test_user(cls.env, login="fa_screens_portal", groups="base.group_portal")
        cls.fa_user = new_test_user(cls.env, login="fa_screens_user", groups="base.group_user,%s" % USER)
        cls.fa_manager = new_test_user(cls.env, login="fa_screens_manager", groups="base.group_user,%s" % MANAGER)
        data = cls.env["ir.model.data"].search([("module", "=", "face_attendance"), ("model", "=", "ir.ui.menu")])
        cls.menus = cls.env["ir.ui.menu"].browse(data.mapped("res_id"))

    def visible(self, user):
        """The menus the user reaches: visible to them, and so is every menu above (Odoo's
        ``_visible_menu_ids`` keeps a sub-menu whose parent is hidden; the menu bar does not show it)."""
        try:
            visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        except AccessError:  # Odoo 19 lets portal users read no menu at all
            return self.menus.browse()

        def reached(menu):
            while menu:
                if menu.id not in visible:
                    return False
                menu = menu.parent_id
            return True

        return self.menus.filtered(reached)

    def test_an_employee_a_portal_user_and_a_device_see_no_screen_of_the_app(self):
        self.assertGreater(len(self.menus), 10)
        for user in (self.employee_user, self.portal_user, self.device_user):
            self.assertFalse(self.visible(user), user.login)

    def test_users_see_the_dashboard_first_and_managers_see_every_screen(self):
        root = self.env.ref("face_attendance.menu_face_attendance_root")
        user_menus = self.visible(self.fa_user)
        self.assertIn(root, user_menus)
        # The app opens on its first visible child: the dashboard.
        first = root.child_id.filtered(lambda menu: menu in user_menus).sorted("sequence")[:1]
        self.assertEqual(first.action, self.env.ref("face_attendance.face_dashboard_action"))
        manager_menus = self.visible(self.fa_manager)
        self.assertLess(user_menus, manager_menus)
        for xmlid, user_sees in SCREENS.items():
            menu = self.env.ref(xmlid)
            self.assertIn(menu, manager_menus, xmlid)
            self.assertEqual(menu in user_menus, user_sees, xmlid)
