"""Sign-in sessions against an attacker, over real HTTP: sessions die with the password and have a
maximum age, users sign out everywhere, failed sign-ins are counted per login and per address in the
database, unknown logins cost a password check, and failed sign-ins do not publish what was typed."""

import statistics
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessDenied, AccessError
from odoo.tests import tagged

from odoo.addons.base.models.res_users import CryptContext

from ..models.face_api_key import SESSION_MAX_DAYS_PARAM, SESSIONS_PER_USER_PARAM
from ..models.face_signin_throttle import ADDRESS_LIMIT_PARAM, COOLDOWN_PARAM, LOGIN_LIMIT_PARAM
from .common import SIGN_IN_PASSWORD, SignInCase

PASSWORD = SIGN_IN_PASSWORD
NEW_PASSWORD = "Changed-Pass-43"  # nosec B105  # a test user's password


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_security")
class TestSignInSecurity(SignInCase):
    def setUp(self):
        super().setUp()
        param = self.env["ir.config_parameter"].sudo().set_param
        # Odoo's own per-process cooldown stays out of the way: what is tested here is the addon's.
        param("base.login_cooldown_after", "1000")
        self.env.cr.execute("DELETE FROM face_sign_in_failure")
        self.boss = self._user("fa_sec_manager", "face_attendance.group_face_attendance_manager")
        self.clerk = self._user("fa_sec_user", "face_attendance.group_face_attendance_user")

    def me(self, access):
        return self.api("GET", "/auth/me", key=access, bearer=True)

    def refresh(self, refresh):
        return self.api("POST", "/auth/refresh", {"refreshToken": refresh}, key="")

    def token(self, secret):
        return self.env["face.api.key"].search([("prefix", "=", secret.split("_")[1])])

    # ------------------------------------------------------------------ sessions and credentials
    def test_password_change_ends_every_session(self):
        first, second = self.signed_in("fa_sec_user"), self.signed_in("fa_sec_user")
        other = self.signed_in("fa_sec_manager")
        response, payload = self.refresh(first["refreshToken"])
        self.assertEqual(response.status_code, 200, payload)
        first = payload["data"]
        self.clerk.password = NEW_PASSWORD
        self.env.flush_all()
        for data in (first, second):
            # Revoked by the change itself; bound to the old password besides.
            response, payload = self.me(data["accessToken"])
            self.assertError(response, payload, 401, "UNAUTHORIZED")
            response, payload = self.refresh(data["refreshToken"])
            self.assertError(response, payload, 401, "UNAUTHORIZED")
        response, payload = self.me(other["accessToken"])
        self.assertEqual(response.status_code, 200, "another user's session is not theirs to lose")
        fresh = self.signed_in("fa_sec_user", NEW_PASSWORD)
        response, payload = self.me(fresh["accessToken"])
        self.assertEqual(response.status_code, 200, payload)
        # Any field of Odoo's session token counts (two-factor modules add theirs): a new login too.
        self.clerk.login = "fa_sec_user_renamed"
        self.env.flush_all()
        response, payload = self.me(fresh["accessToken"])
        self.assertError(response, payload, 401, "UNAUTHORIZED")
        if "totp_secret" in self.env["res.users"]._fields:
            renewed = self.signed_in("fa_sec_user_renamed", NEW_PASSWORD)
            self.clerk.sudo().totp_secret = "JBSWY3DPEHPK3PXP"
            self.env.flush_all()
            response, payload = self.me(renewed["accessToken"])
            self.assertError(response, payload, 401, "UNAUTHORIZED")

    def test_a_session_has_a_maximum_age(self):
        self.env["ir.config_parameter"].sudo().set_param(SESSION_MAX_DAYS_PARAM, "2")
        data = self.signed_in("fa_sec_user")
        refresh = self.token(data["refreshToken"])
        self.assertLessEqual(refresh.expires_at, refresh.session_started_at + timedelta(days=2))
        # Signed in three days ago, refreshed ever since: the chain ends.
        started = fields.Datetime.now() - timedelta(days=3)
        self.env.cr.execute(
            "UPDATE face_api_key SET session_started_at = %s WHERE token_family = %s", [started, refresh.token_family]
        )
        self.env.invalidate_all()
        response, payload = self.refresh(data["refreshToken"])
        self.assertError(response, payload, 401, "UNAUTHORIZED")
        self.assertIn("maximum age", payload["error"]["message"])
        response, payload = self.me(data["accessToken"])
        self.assertError(response, payload, 401, "UNAUTHORIZED")
        # A refreshed pair keeps the session's start: it cannot outlive the session either.
        self.env["ir.config_parameter"].sudo().set_param(SESSION_MAX_DAYS_PARAM, "1")
        data = self.signed_in("fa_sec_user")
        response, payload = self.refresh(data["refreshToken"])
        self.assertEqual(response.status_code, 200, payload)
        first, renewed = self.token(data["refreshToken"]), self.token(payload["data"]["refreshToken"])
        self.assertEqual(renewed.session_started_at, first.session_started_at)
        self.assertLessEqual(renewed.expires_at, first.session_started_at + timedelta(days=1))

    def test_sign_out_everywhere(self):
        phone, laptop = self.signed_in("fa_sec_user"), self.signed_in("fa_sec_user")
        other = self.signed_in("fa_sec_manager")
        key, key_secret = self.env["face.api.key"]._generate("clerk key", self.clerk, "person:read")
        # An API key is no session: signing out everywhere is for a sign-in token.
        response, payload = self.api("POST", "/auth/logout-all", key=key_secret)
        self.assertError(response, payload, 422, "UNPROCESSABLE")
        response, _payload = self.api(
            "POST", "/auth/logout-all", key=phone["accessToken"], bearer=True, expect_json=False
        )
        self.assertEqual(response.status_code, 204, response.text)
        for data in (phone, laptop):
            response, payload = self.me(data["accessToken"])
            self.assertError(response, payload, 401, "UNAUTHORIZED")
            response, payload = self.refresh(data["refreshToken"])
            self.assertError(response, payload, 401, "UNAUTHORIZED")
        self.assertEqual(key.state, "active", "API keys are a manager's to revoke")
        response, payload = self.me(other["accessToken"])
        self.assertEqual(response.status_code, 200, payload)
        self.assertTrue(self.env["face.system.log"].search([("action", "=", "auth.logout_all")]))
        # A manager signs a user out; a user cannot sign a manager out.
        again = self.signed_in("fa_sec_user")
        with self.assertRaises(AccessError):
            self.boss.with_user(self.clerk).action_face_sign_out_everywhere()
        response, payload = self.me(other["accessToken"])
        self.assertEqual(response.status_code, 200, payload)
        self.clerk.with_user(self.boss).action_face_sign_out_everywhere()
        response, payload = self.me(again["accessToken"])
        self.assertError(response, payload, 401, "UNAUTHORIZED")
        # The user form offers it to managers.
        form = self.env.ref("base.view_users_form").id
        arch = self.env["res.users"].with_user(self.boss).get_views([(form, "form")])["views"]["form"]["arch"]
        self.assertIn('name="action_face_sign_out_everywhere"', arch)

    def test_live_sessions_per_user_are_capped(self):
        self.env["ir.config_parameter"].sudo().set_param(SESSIONS_PER_USER_PARAM, "2")
        sessions = [self.signed_in("fa_sec_user") for _i in range(3)]
        response, payload = self.me(sessions[0]["accessToken"])
        self.assertError(response, payload, 401, "UNAUTHORIZED")
        response, payload = self.refresh(sessions[0]["refreshToken"])
        self.assertError(response, payload, 401, "UNAUTHORIZED")
        for data in sessions[1:]:
            response, payload = self.me(data["accessToken"])
            self.assertEqual(response.status_code, 200, payload)
        live = self.env["face.api.key"].search(
            [("user_id", "=", self.clerk.id), ("kind", "=", "refresh"), ("state", "=", "active")]
        )
        self.assertEqual(len(live), 2)

    # ------------------------------------------------------------------ failed sign-ins
    def _limits(self, login, address, cooldown=600):
        param = self.env["ir.config_parameter"].sudo().set_param
        param(LOGIN_LIMIT_PARAM, str(login))
        param(ADDRESS_LIMIT_PARAM, str(address))
        param(COOLDOWN_PARAM, str(cooldown))

    def compat_login(self, login, password=PASSWORD):
        response = self.opener.post(
            self.base_url() + "/api/auth/login", data={"username": login, "password": password}, timeout=60
        )
        return response, response.json()

    def test_failures_per_login_are_not_cleared_by_another_account(self):
        self._limits(login=3, address=100)
        for _round in range(3):
            response, payload = self.login("fa_sec_manager", "guess")
            self.assertError(response, payload, 401, "INVALID_CREDENTIALS")
            # The attacker's own account signs in between guesses, on the other sign-in route too.
            self.signed_in("fa_sec_user")
            response, payload = self.compat_login("fa_sec_user")
            self.assertEqual(response.status_code, 200, payload)
        # Three failures for this login: even its right password waits, on both routes.
        response, payload = self.login("fa_sec_manager")
        self.assertError(response, payload, 429, "RATE_LIMITED")
        self.assertGreater(int(response.headers["Retry-After"]), 500)
        response, payload = self.compat_login("fa_sec_manager")
        self.assertDetail(response, payload, 429)
        self.assertTrue(response.headers["Retry-After"])
        # The login is typed differently: it is the same login.
        response, payload = self.login("FA_SEC_MANAGER ", "guess")
        self.assertError(response, payload, 429, "RATE_LIMITED")
        # Other logins from the same address still sign in, and the limit counted nothing more.
        self.signed_in("fa_sec_user")
        self.env.cr.execute("SELECT max(failures) FROM face_sign_in_failure WHERE subject LIKE 'login:%%'")
        self.assertEqual(self.env.cr.fetchone()[0], 3)
        # After the cooldown the login may try again.
        self.env.cr.execute("UPDATE face_sign_in_failure SET last_at = last_at - 601")
        self.signed_in("fa_sec_manager")

    def test_an_rpc_key_is_checked_before_the_password_hash(self):
        """A daemon's RPC call with its Odoo API key, on a worker that has not cached it yet, costs the
        key's hash only: Odoo alone would first verify it as the password (600,000 rounds, ~0.5 s)."""
        device = self._user("fa_sec_device", "face_attendance.group_face_attendance_device")
        key = self.env["res.users.apikeys"].with_user(device).sudo()._generate(None, "daemon", None)
        context = self.env["res.users"]._crypt_context()
        verified = []

        class CountingContext:
            def __getattr__(self, name):
                return getattr(context, name)

            def verify_and_update(self, secret, hashed):
                verified.append(secret)
                return context.verify_and_update(secret, hashed)

        as_device = self.env["res.users"].with_user(device)

        def check(secret, interactive):
            credential = {"login": device.login, "password": secret, "type": "password"}
            return as_device._check_credentials(credential, {"interactive": interactive})

        with patch.object(type(self.env["res.users"]), "_crypt_context", lambda _users: CountingContext()):
            self.assertEqual(check(key, False)["auth_method"], "apikey")
            self.assertEqual(verified, [], "the key was verified as a password first")
            self.assertEqual(check(PASSWORD, False)["auth_method"], "password")
            self.assertEqual(len(verified), 1)
            # The login page is no door for keys: there Odoo's own checks run, and refuse it.
            with self.assertRaises(AccessDenied):
                check(key, True)
            with self.assertRaises(AccessDenied):
                check("not-the-key-nor-the-password", False)

    def test_malformed_sign_ins_are_refused_before_they_count(self):
        # The declared body refuses these before any password check: nothing is counted, nothing echoed.
        long_password = "P" * 1025
        for body in (
            {"username": "fa_sec_manager"},
            {"username": "fa_sec_manager", "password": ""},
            {"username": "fa_sec_manager", "password": 3},
            {"username": "", "password": PASSWORD},
            {"username": "fa_sec_manager", "password": long_password},
            {"username": "fa_sec_manager", "password": PASSWORD, "otp": "123456"},
        ):
            response, payload = self.api("POST", "/auth/login", body, key="")
            self.assertError(response, payload, 400, "VALIDATION_ERROR")
            self.assertNotIn(long_password, response.text)
        self.env.cr.execute("SELECT count(*) FROM face_sign_in_failure")
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.assertFalse(self.env["face.system.log"].search([("action", "=", "auth.login_failed")]))
        data = self.signed_in("fa_sec_manager")
        # An empty refresh token is none, as before the declaration: the access token's session ends.
        response, _payload = self.api(
            "POST", "/auth/logout", {"refreshToken": ""}, key=data["accessToken"], bearer=True, expect_json=False
        )
        self.assertEqual(response.status_code, 204, response.text)
        response, payload = self.me(data["accessToken"])
        self.assertError(response, payload, 401, "UNAUTHORIZED")

    def test_restoring_credentials_does_not_revive_a_session(self):
        # A password changed behind the ORM's back (as a rehash does): the binding refuses the session.
        data = self.signed_in("fa_sec_user")
        self.clerk._set_encrypted_password(self.clerk.id, self.clerk._crypt_context().hash(NEW_PASSWORD))
        self.env.registry.clear_cache()  # the session token Odoo caches per worker
        response, payload = self.me(data["accessToken"])
        self.assertError(response, payload, 401, "UNAUTHORIZED")
        self.assertIn("password", payload["error"]["message"])
        self.clerk.password = PASSWORD
        # Through the ORM a change revokes the sessions for good: restoring the values revives none.
        data = self.signed_in("fa_sec_user")
        self.clerk.login = "fa_sec_user_elsewhere"
        self.clerk.login = "fa_sec_user"
        self.clerk.active = False
        self.clerk.active = True
        self.env.flush_all()
        for response, payload in (self.me(data["accessToken"]), self.refresh(data["refreshToken"])):
            self.assertError(response, payload, 401, "UNAUTHORIZED")
        self.assertTrue(self.signed_in("fa_sec_user")["accessToken"])

    def test_failures_per_address_are_not_cleared_by_successes(self):
        self._limits(login=100, address=3)
        for login in ("nobody-1", "fa_sec_manager", "nobody-2"):
            # Successes in between take back their own attempt, never the failures.
            self.signed_in("fa_sec_user")
            response, payload = self.login(login, "guess")
            self.assertError(response, payload, 401, "INVALID_CREDENTIALS")
        # Three failures from this address: every login waits, a right password too.
        for login in ("fa_sec_user", "fa_sec_manager", "nobody-3"):
            response, payload = self.login(login)
            self.assertError(response, payload, 429, "RATE_LIMITED")
            self.assertTrue(response.headers["Retry-After"])
        response, payload = self.compat_login("fa_sec_user")
        self.assertDetail(response, payload, 429)

    def test_unknown_logins_cost_a_password_check(self):
        # Odoo's tests hash with one round; real hashing makes a password check the slow part of a
        # sign-in, as in production, so that skipping it shows.
        def real_cost(_users):
            return CryptContext(["pbkdf2_sha512", "plaintext"], deprecated=["auto"], pbkdf2_sha512__rounds=150_000)

        archived = self._user("fa_sec_archived", "face_attendance.group_face_attendance_user")
        with patch.object(type(self.env["res.users"]), "_crypt_context", real_cost):
            self.boss.password = PASSWORD
            archived.password = PASSWORD
            archived.active = False
            self.env.flush_all()
            self.login("nobody-warm-up", "guess")  # the process makes its reference hash once

            def median(login):
                times = []
                for _i in range(3):
                    start = time.perf_counter()
                    response, payload = self.login(login, "wrong guess")
                    times.append(time.perf_counter() - start)
                    self.assertError(response, payload, 401, "INVALID_CREDENTIALS")
                return statistics.median(times)

            existing = median("fa_sec_manager")
            unknown = median("no-such-login")
            archived_time = median("fa_sec_archived")
            self.signed_in("fa_sec_manager")
        self.assertGreater(
            unknown, existing * 0.5, "unknown logins answer faster: %.3f s vs %.3f s" % (unknown, existing)
        )
        self.assertGreater(archived_time, existing * 0.5, "archived: %.3f s vs %.3f s" % (archived_time, existing))

    def test_failed_sign_ins_do_not_publish_what_was_typed(self):
        typed = "Hunter2-typed-as-login"
        response, payload = self.login(typed, "guess")
        self.assertError(response, payload, 401, "INVALID_CREDENTIALS")
        response, payload = self.login("fa_sec_manager", "guess")
        self.assertError(response, payload, 401, "INVALID_CREDENTIALS")
        self.signed_in("fa_sec_user")
        failed = self.env["face.system.log"].search([("action", "=", "auth.login_failed")])
        self.assertEqual(len(failed), 2)
        for line in failed:
            self.assertNotIn(typed.lower(), ("%s %s" % (line.message, line.details)).lower())
        self.assertEqual(sorted(str(line.details.get("login")) for line in failed), ["None", "fa_sec_manager"])
        self.env.cr.execute("SELECT subject FROM face_sign_in_failure")
        self.assertNotIn(typed.lower(), str(self.env.cr.fetchall()).lower())
        # Sign-in lines are for managers: a Face Attendance user's token reads the log without them.
        self.env["face.system.log"]._log("an ordinary line", category="system")
        clerk = self.signed_in("fa_sec_user")["accessToken"]
        boss = self.signed_in("fa_sec_manager")["accessToken"]
        for path, rows, action in (("/logs?limit=200", "logs", "action"), ("/audit?pageSize=200", None, "action")):
            response, payload = self.api("GET", path, key=clerk, bearer=True)
            self.assertEqual(response.status_code, 200, payload)
            lines = payload["data"][rows] if rows else payload["data"]
            self.assertTrue(lines, "the user reads the other lines")
            self.assertFalse([line for line in lines if (line[action] or "").startswith("auth.")], path)
            response, payload = self.api("GET", path, key=boss, bearer=True)
            lines = payload["data"][rows] if rows else payload["data"]
            actions = {line[action] for line in lines}
            self.assertTrue({"auth.login_failed", "auth.login"} <= actions, (path, actions))
        # Over RPC too: the record rule holds for every reader.
        self.assertFalse(self.env["face.system.log"].with_user(self.clerk).search_count([("action", "like", "auth.")]))
