from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged
from odoo.tests.common import new_test_user

from ..models.face_api_key import ACCESS_TOKEN_SECONDS
from .common import SIGN_IN_PASSWORD, SignInCase

PASSWORD = SIGN_IN_PASSWORD


@tagged("post_install", "-at_install", "face_attendance")
class TestApiAuth(SignInCase):
    """Sign-in for a frontend over real HTTP: Odoo's password check and cooldown, tokens as keys."""

    def setUp(self):
        super().setUp()
        self.login_manager = self._user("fa_login_manager", "face_attendance.group_face_attendance_manager")
        self.login_user = self._user("fa_login_user", "face_attendance.group_face_attendance_user")
        self.login_device = self._user("fa_login_device", "face_attendance.group_face_attendance_device")
        self.login_none = self._user("fa_login_none", "base.group_user")

    def token_record(self, secret):
        return self.env["face.api.key"].search([("prefix", "=", secret.split("_")[1])])

    def test_login_answers_tokens_that_are_keys(self):
        data = self.signed_in("fa_login_manager")
        self.assertEqual(data["tokenType"], "Bearer")
        self.assertEqual(data["expiresIn"], ACCESS_TOKEN_SECONDS)
        self.assertEqual(data["user"]["id"], self.login_manager.id)
        self.assertEqual(data["user"]["roleId"], "ROLE-MANAGER")
        self.assertEqual(data["user"]["status"], "active")
        self.assertIn("config:write", data["permissions"])
        self.assertNotIn("events:write", data["permissions"], "a browser session never posts camera events")
        access, refresh = self.token_record(data["accessToken"]), self.token_record(data["refreshToken"])
        self.assertEqual((access.kind, refresh.kind), ("access", "refresh"))
        self.assertEqual(access.token_family, refresh.token_family)
        self.assertEqual(access.user_id, self.login_manager)
        # Stored hashed like keys: the secrets are nowhere in the database's key or log rows.
        self.assertNotIn(data["accessToken"], access.sudo().key_hash)
        logs = self.env["face.system.log"].search([("action", "like", "auth.")])
        self.assertTrue(logs.filtered(lambda line: line.action == "auth.login"))
        for line in logs:
            for secret in (data["accessToken"], data["refreshToken"], PASSWORD):
                self.assertNotIn(secret, "%s %s" % (line.message, line.details))
        # The access token works as a Bearer key, with its scopes.
        response, payload = self.api("GET", "/auth/me", key=data["accessToken"], bearer=True)
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual(payload["data"]["user"]["login"], "fa_login_manager")
        self.assertEqual(payload["data"]["kind"], "access")
        self.assertEqual(payload["data"]["permissions"], sorted(data["permissions"]))
        response, payload = self.api("GET", "/persons", key=data["accessToken"], bearer=True)
        self.assertEqual(response.status_code, 200, payload)
        # A refresh token is not an API key.
        response, payload = self.api("GET", "/auth/me", key=data["refreshToken"], bearer=True)
        self.assertError(response, payload, 401, "UNAUTHORIZED")
        # Tokens are listed apart from the API keys.
        response, payload = self.api("GET", "/keys")
        self.assertNotIn(access.id, [k["id"] for k in payload["data"]["keys"]])
        response, payload = self.api("GET", "/keys?kind=access")
        self.assertIn(access.id, [k["id"] for k in payload["data"]["keys"]])

    def test_scopes_come_from_groups(self):
        user = self.signed_in("fa_login_user")
        self.assertEqual(user["user"]["roleId"], "ROLE-USER")
        self.assertTrue(user["permissions"])
        # Users read, and change nothing but their own display preferences.
        self.assertTrue(
            all(scope.endswith(":read") or scope == "preferences:write" for scope in user["permissions"]),
            user["permissions"],
        )
        response, payload = self.api(
            "POST", "/persons", {"person_id": "TOK-1", "name": "Nope"}, key=user["accessToken"], bearer=True
        )
        self.assertError(response, payload, 403, "FORBIDDEN")
        device = self.signed_in("fa_login_device")
        self.assertEqual(device["permissions"], ["events:write", "gallery:read"])
        self.assertNotIn("gallery:read", user["permissions"], "face encodings are for devices and managers")
        self.assertEqual(device["user"]["roleId"], "ROLE-DEVICE")
        response, payload = self.login("fa_login_none")
        self.assertError(response, payload, 403, "FORBIDDEN")
        self.assertFalse(self.env["face.api.key"].search([("user_id", "=", self.login_none.id)]))

    def test_wrong_password_and_cooldown(self):
        # Odoo's own per-process cooldown still answers 429 (the addon's own count: test_api_sign_in_security).
        self.env["ir.config_parameter"].sudo().set_param("base.login_cooldown_after", "2")
        self.env["ir.config_parameter"].sudo().set_param("base.login_cooldown_duration", "600")
        for login in ("fa_login_manager", "nobody-at-all"):
            response, payload = self.login(login, "wrong password")
            self.assertError(response, payload, 401, "INVALID_CREDENTIALS")
        # On cooldown now: even the right password is not tried.
        response, payload = self.login("fa_login_manager")
        self.assertError(response, payload, 429, "RATE_LIMITED")
        self.assertGreater(int(response.headers["Retry-After"]), 0)
        failed = self.env["face.system.log"].search([("action", "=", "auth.login_failed")])
        # An unknown login is not recorded: what people type there is often a password.
        self.assertEqual(sorted(str(line.details["login"]) for line in failed), ["None", "fa_login_manager"])
        for line in failed:
            self.assertNotIn("wrong password", "%s %s" % (line.message, line.details))
            self.assertNotIn("nobody-at-all", "%s %s" % (line.message, line.details))
        self._clear_failures()
        self.signed_in("fa_login_manager")

    def test_login_input_is_checked(self):
        for body in ({"username": "fa_login_manager"}, {"username": 3, "password": PASSWORD}, {"user": "x"}):
            response, payload = self.api("POST", "/auth/login", body, key="")
            self.assertError(response, payload, 400, "VALIDATION_ERROR")

    def test_two_factor_users_are_refused(self):
        Users = type(self.env["res.users"])
        with patch.object(Users, "_mfa_url", lambda user: "/web/login/totp"):
            response, payload = self.login("fa_login_manager")
        self.assertError(response, payload, 403, "MFA_REQUIRED")
        self.assertFalse(self.env["face.api.key"].search([("user_id", "=", self.login_manager.id)]))

    def test_refresh_rotates_and_reuse_revokes_the_session(self):
        first = self.signed_in("fa_login_user")
        response, payload = self.api("POST", "/auth/refresh", {"refreshToken": first["refreshToken"]}, key="")
        self.assertEqual(response.status_code, 200, payload)
        second = payload["data"]
        self.assertNotEqual(second["refreshToken"], first["refreshToken"])
        self.assertNotEqual(second["accessToken"], first["accessToken"])
        self.assertEqual(self.token_record(first["refreshToken"]).state, "revoked")
        response, payload = self.api("GET", "/auth/me", key=second["accessToken"], bearer=True)
        self.assertEqual(response.status_code, 200, payload)
        # The used refresh token presented again: the whole session is revoked.
        response, payload = self.api("POST", "/auth/refresh", {"refreshToken": first["refreshToken"]}, key="")
        self.assertError(response, payload, 401, "UNAUTHORIZED")
        for secret in (second["accessToken"], first["accessToken"]):
            response, payload = self.api("GET", "/auth/me", key=secret, bearer=True)
            self.assertError(response, payload, 401, "UNAUTHORIZED")
        response, payload = self.api("POST", "/auth/refresh", {"refreshToken": second["refreshToken"]}, key="")
        self.assertError(response, payload, 401, "UNAUTHORIZED")
        self.assertTrue(self.env["face.system.log"].search([("action", "=", "auth.refresh_reused")]))
        # An access token, or garbage, is no refresh token.
        for secret in (second["accessToken"], "fa_00000000_nothing", "garbage"):
            response, payload = self.api("POST", "/auth/refresh", {"refreshToken": secret}, key="")
            self.assertError(response, payload, 401, "UNAUTHORIZED")

    def test_logout_revokes_both(self):
        data = self.signed_in("fa_login_manager")
        response, _payload = self.api(
            "POST",
            "/auth/logout",
            {"refreshToken": data["refreshToken"]},
            key=data["accessToken"],
            bearer=True,
            expect_json=False,
        )
        self.assertEqual(response.status_code, 204, response.text)
        response, payload = self.api("GET", "/auth/me", key=data["accessToken"], bearer=True)
        self.assertError(response, payload, 401, "UNAUTHORIZED")
        response, payload = self.api("POST", "/auth/refresh", {"refreshToken": data["refreshToken"]}, key="")
        self.assertError(response, payload, 401, "UNAUTHORIZED")
        self.assertTrue(self.env["face.system.log"].search([("action", "=", "auth.logout")]))
        # Another user's refresh token cannot be revoked by someone else.
        other = self.signed_in("fa_login_user")
        mine = self.signed_in("fa_login_manager")
        response, payload = self.api(
            "POST", "/auth/logout", {"refreshToken": other["refreshToken"]}, key=mine["accessToken"], bearer=True
        )
        self.assertError(response, payload, 403, "FORBIDDEN")
        self.assertEqual(self.token_record(other["refreshToken"]).state, "active")
        # An API key has no session: it names the refresh token to revoke.
        response, payload = self.api("POST", "/auth/logout", {})
        self.assertError(response, payload, 422, "UNPROCESSABLE")

    def test_expired_access_token_is_refused(self):
        data = self.signed_in("fa_login_manager")
        self.token_record(data["accessToken"]).write({"expires_at": fields.Datetime.now() - timedelta(minutes=1)})
        response, payload = self.api("GET", "/auth/me", key=data["accessToken"], bearer=True)
        self.assertError(response, payload, 401, "UNAUTHORIZED")
        self.assertIn("expired", payload["error"]["message"])

    def test_expired_tokens_are_vacuumed(self):
        data = self.signed_in("fa_login_manager")
        tokens = self.token_record(data["accessToken"]) | self.token_record(data["refreshToken"])
        tokens.write({"expires_at": fields.Datetime.now() - timedelta(days=2)})
        self.env["face.api.key"]._gc_expired_tokens()
        self.assertFalse(tokens.exists())
        self.assertTrue(self.env["face.api.key"].search([("name", "=", "integration")]), "API keys stay")

    def test_users_and_roles(self):
        other_company = self.env["res.company"].create({"name": "Users Elsewhere"})
        new_test_user(
            self.env,
            login="fa_login_far",
            groups="base.group_user,face_attendance.group_face_attendance_user",
            company_id=other_company.id,
            company_ids=[(6, 0, [other_company.id])],
        )
        self.login_device.active = False
        response, payload = self.api("GET", "/users?pageSize=200")
        self.assertEqual(response.status_code, 200, payload)
        roles = {row["login"]: row["roleId"] for row in payload["data"]}
        self.assertEqual(roles["fa_login_manager"], "ROLE-MANAGER")
        self.assertEqual(roles["fa_login_user"], "ROLE-USER")
        self.assertEqual(roles["fa_login_device"], "ROLE-DEVICE")
        self.assertNotIn("fa_login_none", roles, "no Face Attendance group")
        self.assertNotIn("fa_login_far", roles, "another company")
        self.assertEqual(payload["meta"]["total"], len(payload["data"]))
        response, payload = self.api("GET", "/users?role=ROLE-USER&pageSize=200")
        self.assertIn("fa_login_user", [r["login"] for r in payload["data"]])
        self.assertEqual({r["roleId"] for r in payload["data"]}, {"ROLE-USER"})
        response, payload = self.api("GET", "/users?status=suspended")
        self.assertEqual([r["login"] for r in payload["data"]], ["fa_login_device"])
        self.assertEqual(payload["data"][0]["status"], "suspended")
        response, payload = self.api("GET", "/users?search=login_user&pageSize=1")
        self.assertEqual([r["login"] for r in payload["data"]], ["fa_login_user"])
        self.assertEqual(payload["meta"], {"page": 1, "pageSize": 1, "total": 1, "totalPages": 1})
        response, payload = self.api("GET", "/users?role=ROLE-ADMIN")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("GET", "/roles")
        self.assertEqual(response.status_code, 200, payload)
        by_id = {role["id"]: role for role in payload["data"]}
        self.assertEqual(set(by_id), {"ROLE-MANAGER", "ROLE-USER", "ROLE-DEVICE"})
        self.assertIn("config:write", by_id["ROLE-MANAGER"]["permissions"])
        self.assertEqual(by_id["ROLE-DEVICE"]["permissions"], ["events:write", "gallery:read"])
        # users:read is needed, and the key's user must be a Face Attendance user.
        response, payload = self.api("GET", "/users", key=self.reader_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")
        device_only = self._user("fa_login_dev2", "face_attendance.group_face_attendance_device")
        _key, device_secret = self.env["face.api.key"]._generate("dev2", device_only, "users:read")
        response, payload = self.api("GET", "/roles", key=device_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")

    def test_languages_and_timezones(self):
        response, payload = self.api("GET", "/i18n/languages", key=self.reader_secret)
        self.assertEqual(response.status_code, 200, payload)
        english = [lang for lang in payload["data"] if lang["code"] == "en_US"]
        self.assertEqual(len(english), 1)
        self.assertEqual(english[0]["direction"], "ltr")
        response, payload = self.api("GET", "/settings/timezones", key=self.reader_secret)
        self.assertEqual(response.status_code, 200, payload)
        zones = {zone["id"]: zone for zone in payload["data"]}
        self.assertEqual(zones["UTC"]["utcOffset"], "+00:00")
        self.assertIn(zones["Asia/Kolkata"]["utcOffset"], ("+05:30",))
        self.assertIn("Europe/Brussels", zones)
        response, payload = self.api("GET", "/settings/timezones", key="")
        self.assertError(response, payload, 401, "UNAUTHORIZED")

    def test_preferences_are_the_users_own(self):
        data = self.signed_in("fa_login_user")
        token = data["accessToken"]
        response, payload = self.api("GET", "/settings/preferences", key=token)
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual(payload["data"]["theme"], "dark")
        self.assertEqual(payload["data"]["gridMode"], "3x3")
        response, payload = self.api(
            "PUT",
            "/settings/preferences",
            {"timezone": "Europe/Brussels", "theme": "light", "gridMode": "4x2", "preferences": {"wall": [1, 2]}},
            key=token,
        )
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual(payload["data"]["timezone"], "Europe/Brussels")
        self.assertEqual(payload["data"]["preferences"], {"wall": [1, 2]})
        self.env.invalidate_all()
        self.assertEqual(self.login_user.tz, "Europe/Brussels")
        self.assertEqual(self.login_user.face_ui_preferences["theme"], "light")
        # Another user's preferences are untouched, and bad values change nothing.
        self.assertFalse(self.login_manager.face_ui_preferences)
        for body, field in (
            ({"timezone": "Mars/Olympus"}, "timezone"),
            ({"language": "xx_XX"}, "language"),
            ({"gridMode": "9x9"}, "gridMode"),
            ({"theme": "neon"}, "theme"),
            ({"owner": 1}, None),
        ):
            response, payload = self.api("PUT", "/settings/preferences", body, key=token)
            self.assertError(response, payload, 400, "VALIDATION_ERROR")
            if field:
                self.assertEqual(payload["error"]["details"].get("field"), field)
        response, payload = self.api("PUT", "/settings/preferences", {"preferences": {"x": "y" * 9000}}, key=token)
        self.assertError(response, payload, 422, "UNPROCESSABLE")
        self.env.invalidate_all()
        self.assertEqual(self.login_user.tz, "Europe/Brussels")
        self.assertEqual(self.login_user.face_ui_preferences["theme"], "light")
        response, payload = self.api("GET", "/settings/preferences", key="")
        self.assertError(response, payload, 401, "UNAUTHORIZED")
