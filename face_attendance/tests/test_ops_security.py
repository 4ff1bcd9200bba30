"""The operations API seen by an attacker: other companies' managers, Face Attendance users, devices,
employees without Face Attendance rights; over REST and over RPC with the ORM's public doors."""

import xmlrpc.client

from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import ApiCase

MANAGER = "base.group_user,face_attendance.group_face_attendance_manager"
FA_USER = "base.group_user,face_attendance.group_face_attendance_user"


@tagged("post_install", "-at_install", "face_attendance")
class TestOpsSecurity(ApiCase):
    def setUp(self):
        super().setUp()
        Key = self.env["face.api.key"]
        self.company = self.env.company
        self.other = self.env["res.company"].create({"name": "Rival Co"})
        # Managers of one company each; the attacker is the first one.
        self.attacker = new_test_user(self.env, login="fa_sec_attacker", groups=MANAGER)
        self.victim = new_test_user(
            self.env,
            login="fa_sec_victim",
            groups=MANAGER,
            company_id=self.other.id,
            company_ids=[(6, 0, [self.other.id])],
        )
        self.victim_key, self.victim_secret = Key._generate("victim", self.victim, "*", company=self.other)
        self.fa_user = new_test_user(self.env, login="fa_sec_user", groups=FA_USER)
        _key, self.user_secret = Key._generate("ops user", self.fa_user, "*")
        self.employee = self.env["hr.employee"].create({"name": "Sec Person", "person_ref": "SEC-1"})
        self.camera = self.env["face.camera"].create(
            {"name": "Gate", "source_type": "file", "source": "x", "direction": "entry"}
        )
        self.alert = self.env["face.alert"]._raise("camera_offline", "Gate offline", camera=self.camera)
        self.attendance = self.env["hr.attendance"].create(
            {"employee_id": self.employee.id, "check_in": "2026-01-05 08:00:00", "check_out": "2026-01-05 16:00:00"}
        )

    def rpc(self, user, model, method, *args):
        """``method`` called over XML-RPC as ``user`` (password = login, as new_test_user sets it)."""
        return self.xmlrpc_object.execute_kw(self.env.cr.dbname, user.id, user.login, model, method, list(args), {})

    def assertRpcRefused(self, user, model, method, *args):
        with mute_logger("odoo.http"), self.assertRaises(xmlrpc.client.Fault) as caught:
            self.rpc(user, model, method, *args)
        self.assertEqual(caught.exception.faultCode, 4, caught.exception.faultString)  # AccessError

    # ------------------------------------------------------------------ across companies, over RPC
    def test_banner_cannot_be_moved_into_another_company(self):
        banner_id = self.rpc(self.attacker, "face.banner.message", "create", {"message": "Evacuate: call 555"})
        self.assertRpcRefused(self.attacker, "face.banner.message", "write", [banner_id], {"company_id": self.other.id})
        banner = self.env["face.banner.message"].browse(banner_id)
        self.assertEqual(banner.company_id, self.company)
        response, payload = self.api("GET", "/services/banner-messages?current=false", key=self.victim_secret)
        self.assertEqual(response.status_code, 200, payload)
        self.assertNotIn(banner_id, [item["id"] for item in payload["data"]])
        # Within their company a manager still edits their banner.
        self.rpc(self.attacker, "face.banner.message", "write", [banner_id], {"message": "Drill at noon"})
        self.assertEqual(banner.message, "Drill at noon")

    def test_provider_cannot_be_bound_to_another_companys_key(self):
        own_key, _secret = self.env["face.api.key"]._generate("nvr", self.attacker, "events:write")
        provider = self.env["face.detection.provider"].create({"name": "NVR", "api_key_id": own_key.id})
        # Rebinding the provider to the victim's key would move it into their company, where a
        # disabled provider refuses the victim's frames.
        self.assertRpcRefused(
            self.attacker,
            "face.detection.provider",
            "write",
            [provider.id],
            {"api_key_id": self.victim_key.id, "enabled": False, "endpoint": "https://evil.example/"},
        )
        self.assertRpcRefused(
            self.attacker, "face.detection.provider", "create", {"name": "Evil", "api_key_id": self.victim_key.id}
        )
        self.assertFalse(self.env["face.detection.provider"]._of_key(self.victim_key))
        self.assertEqual(provider.api_key_id, own_key)
        response, payload = self.api("GET", "/detections/provider/config", key=self.victim_secret)
        self.assertError(response, payload, 404, "NOT_FOUND")

    def test_provider_health_is_not_entered_by_hand(self):
        own_key, _secret = self.env["face.api.key"]._generate("nvr", self.attacker, "events:write")
        provider = self.env["face.detection.provider"].create({"name": "NVR", "api_key_id": own_key.id})
        self.assertRpcRefused(
            self.attacker, "face.detection.provider", "write", [provider.id], {"frame_count": 999, "last_error": "x"}
        )
        self.assertFalse(provider.frame_count)
        self.rpc(self.attacker, "face.detection.provider", "write", [provider.id], {"name": "NVR 2"})
        self.assertEqual(provider.name, "NVR 2")

    # ------------------------------------------------------------------ across companies, over REST
    def test_another_companys_manager_reaches_nothing(self):
        alert, attendance = self.alert.id, self.attendance.id
        for method, path, body in (
            ("POST", "/alerts/%d/acknowledge" % alert, None),
            ("POST", "/alerts/%d/mute" % alert, {"minutes": 60}),
            ("DELETE", "/alerts/%d" % alert, None),
            ("DELETE", "/attendance/%d?reason=x" % attendance, None),
            ("GET", "/attendance/%d" % attendance, None),
            ("GET", "/faces/SEC-1", None),
            ("GET", "/history/person/SEC-1", None),
        ):
            response, payload = self.api(method, path, body, key=self.victim_secret)
            self.assertError(response, payload, 404, "NOT_FOUND")
        response, payload = self.api("GET", "/alerts", key=self.victim_secret)
        self.assertNotIn(alert, [item["id"] for item in payload["data"]])
        self.assertTrue(self.alert.exists() and self.alert.active and not self.alert.muted)
        self.assertTrue(self.attendance.exists())

    def test_face_attendance_user_is_not_a_manager(self):
        for method, path, body in (
            ("POST", "/alerts/%d/mute" % self.alert.id, {"minutes": 60}),
            ("DELETE", "/alerts/%d" % self.alert.id, None),
            ("POST", "/services/banner-messages", {"message": "hello"}),
            ("PUT", "/detections/provider/config", {"enabled": False}),
            ("DELETE", "/attendance/%d?reason=x" % self.attendance.id, None),
        ):
            response, payload = self.api(method, path, body, key=self.user_secret)
            self.assertError(response, payload, 403, "FORBIDDEN")
        self.assertTrue(self.attendance.exists())
        self.assertFalse(self.alert.muted)
        self.assertTrue(self.alert.active)

    # ------------------------------------------------------------------ odd input: 400, never a 500
    def test_dates_at_the_ends_of_the_calendar_are_refused(self):
        for path in (
            "/shifts?date=9999-12-31",
            "/shifts?date=0001-01-01",
            "/audit?to=9999-12-31",
            "/audit?from=9999-12-31T23:59:59-14:00",
            "/audit?from=0001-01-01T00:00:00%2B14:00",
            "/history/person/SEC-1?to=9999-12-31",
            "/history/person/SEC-1?from=9999-12-31T23:59:59-14:00",
        ):
            response, payload = self.api("GET", path)
            self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("POST", "/alerts/%d/mute" % self.alert.id, {"until": "9999-12-31T23:59:59-14:00"})
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        for field in ("startsAt", "endsAt"):
            response, payload = self.api(
                "POST", "/services/banner-messages", {"message": "m", field: "0001-01-01T00:00:00+14:00"}
            )
            self.assertError(response, payload, 400, "VALIDATION_ERROR")

    def test_audit_user_filter_takes_odd_digits(self):
        for user in ("%C2%B2", "%D9%A3", "99999999999999999999"):
            response, payload = self.api("GET", "/audit?user=%s" % user)
            self.assertEqual(response.status_code, 200, payload)
            self.assertEqual(payload["data"], [])
        response, payload = self.api("GET", "/audit?user=%d" % self.manager.id)
        self.assertEqual(response.status_code, 200, payload)
