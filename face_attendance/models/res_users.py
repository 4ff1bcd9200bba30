"""A user's preferences for a Face Attendance frontend (theme, grid, rotation...), kept with the user
like Odoo's own preferences (language and time zone), which the user may change themselves; and
what signing in through the API needs of users (logins, sign-out everywhere)."""

import contextvars
import datetime
import hashlib
import hmac
import json
import secrets

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessDenied, AccessError, ValidationError
from odoo.http import request

from .api_errors import RuleError
from .face_signin_throttle import already_counted, is_counted
from .odoo_compat import USER_ALL_GROUPS, V19
from .security_groups import MANAGER

MAX_PREFERENCES_BYTES = 8192
# A hash per password-hashing policy (rounds), made once per process, for unknown logins to be
# checked against (see _face_spend_password_check).
_dummy_hashes = {}
# Set while Odoo checks an RPC secret already known to be a valid API key of the user: Odoo's chain
# then checks it as a key only (as for a user whose RPC takes keys only), skipping the password hash.
_VALID_RPC_KEY = contextvars.ContextVar("face_attendance_valid_rpc_key", default=False)


class SignInRefused(Exception):
    """A refusal of the sign-in routes (sign in, refresh, sign out), answered by each REST route in its
    own shape without rolling back what the refusal wrote (the log line, a revoked session)."""

    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def _log(env, message, action, level="info", details=None, object_ref=None):
    env["face.system.log"]._log(
        message, level=level, category="api", action=action, details=details, object_ref=object_ref
    )


class ResUsers(models.Model):
    _inherit = "res.users"

    face_ui_preferences = fields.Json(string="Face Attendance display preferences", copy=False)

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + ["face_ui_preferences"]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + ["face_ui_preferences"]

    @api.constrains("face_ui_preferences")
    def _check_face_ui_preferences(self):
        for user in self:
            value = user.face_ui_preferences
            if value in (None, False):
                continue
            if not isinstance(value, dict) or len(json.dumps(value)) > MAX_PREFERENCES_BYTES:
                raise ValidationError(
                    self.env._("Display preferences are a JSON object of at most %s bytes.", MAX_PREFERENCES_BYTES)
                )

    # ------------------------------------------------------------------ passwords, every door
    def _check_credentials(self, credential, env):
        """Every password check (Odoo's login page, XML-RPC, JSON-RPC, the API's sign-in) counts
        against the login (and the client address where the door tells it) in PostgreSQL, before the password is
        verified: Odoo's own cooldown is per process and cleared by anybody's success. Over the limit
        even the right password is refused; an API key still passes (it cannot be guessed, and a
        daemon's login locked by an attacker would stop attendance), without clearing the count."""
        if credential.get("type") != "password" or not credential.get("password") or is_counted():
            return super()._check_credentials(credential, env)
        Throttle = self.env["face.sign.in.throttle"]
        # XML-RPC runs its methods with the request put aside: its guesses count against the login.
        login, address = self.env.user.login, (request.httprequest.remote_addr if request else None)
        wait = Throttle._attempt(login, address)
        token = _VALID_RPC_KEY.set(True) if self._face_is_rpc_key(credential, env) else None
        try:
            # AccessDenied: the attempt stays counted.
            auth_info = super()._check_credentials(credential, env)
        finally:
            if token is not None:
                _VALID_RPC_KEY.reset(token)
        if auth_info.get("auth_method") == "apikey":
            if not wait:
                Throttle._key_used(login, address)
            return auth_info
        if wait:
            raise AccessDenied()
        Throttle._succeeded(login, address)
        return auth_info

    def _face_is_rpc_key(self, credential, env):
        """Whether an RPC call's secret is a valid API key of this user, checked before Odoo checks it.

        Odoo tries the password first, so every key-authenticated RPC call whose (uid, key) is not in
        the worker's cache (a worker's first call, any cache invalidation) paid a full password hash
        (600,000 rounds) before the key's (6,000): ~0.5 s per daemon and worker. When it is a key,
        Odoo's own chain still decides, every module's override included, but as for a user whose
        RPC takes keys only (``_rpc_api_keys_only``): the key is checked, the password hash skipped.
        On interactive doors (the login page) keys are no passwords: nothing changes there."""
        secret = credential.get("password")
        if (env or {}).get("interactive", True) or not isinstance(secret, str):
            return False
        return self.env["res.users.apikeys"]._check_credentials(scope="rpc", key=secret) == self.env.uid

    def _rpc_api_keys_only(self):
        return _VALID_RPC_KEY.get() or super()._rpc_api_keys_only()

    def write(self, vals):
        """A change of what a session is bound to (login, password, active, 2FA) ends the users' API
        sign-in sessions for good: restoring the old value does not revive them."""
        result = super().write(vals)
        if set(vals) & set(self._get_session_token_fields()):
            Key = self.env["face.api.key"]
            live = Key._live_sign_in_tokens([("user_id", "in", self.ids)])
            for user in live.user_id:
                Key._revoke_sessions_of(user, live.filtered(lambda token, user=user: token.user_id == user))
        return result

    # ------------------------------------------------------------------ API sign-in
    def action_face_sign_out_everywhere(self):
        """Revoke every API sign-in session of these users (their API keys stay). A user may sign
        themselves out; a Face Attendance manager or an administrator may sign out a user who has
        no rights or companies that they do not have themselves."""
        caller = self.env.user
        for user in self:
            if user == caller or self.env.uid == SUPERUSER_ID:
                continue
            if not (caller.has_group(MANAGER) or caller.has_group("base.group_system")):
                raise AccessError(self.env._("Only Face Attendance managers sign other users out."))
            if user.share or user[USER_ALL_GROUPS] - caller[USER_ALL_GROUPS] or user.company_ids - caller.company_ids:
                raise AccessError(
                    self.env._(
                        "%(user)s has rights or companies that %(caller)s does not have: only they or an "
                        "administrator with those rights can sign them out.",
                        user=user.sudo().name,
                        caller=caller.name,
                    )
                )
        Key = self.env["face.api.key"]
        for user in self:
            Key._revoke_sessions_of(user.sudo())
        return True

    @api.model
    def _face_known_login(self, login):
        """The user (archived too) whose login this is, else an empty recordset."""
        return (
            self.sudo()
            .with_context(active_test=False)
            .search(self._get_login_domain(login), order=self._get_login_order(), limit=1)
        )

    @api.model
    def _face_spend_password_check(self, password):
        """Verify ``password`` against a hash of nobody's, as long as checking a real user's takes:
        a refused sign-in then costs the same whether the login exists or not."""
        context = self._crypt_context()
        # Odoo wraps passlib's context (in __obj__); its policy says how costly a hash is.
        policy = getattr(getattr(context, "__obj__", context), "to_string", lambda: None)()
        dummy = _dummy_hashes.get(policy)
        if dummy is None:
            dummy = _dummy_hashes[policy] = context.hash(secrets.token_urlsafe(16))
        context.verify(password or "", dummy)

    @api.model
    def _face_cooldown_left(self, address):
        """Seconds ``address`` must still wait under Odoo's login cooldown, else 0."""
        failures_map = getattr(self.env.registry, "_login_failures", None) or {}
        failures, previous = failures_map.get(address, (0, datetime.datetime.min))
        if not self._on_login_cooldown(failures, previous):
            return 0
        delay = int(self.env["ir.config_parameter"].sudo().get_param("base.login_cooldown_duration", 60))
        return max(1, delay - int((datetime.datetime.now() - previous).total_seconds()))

    @api.model
    def _face_odoo_authenticate(self, login, password):
        """Odoo's own password check, cooldown and failure count included: the auth_info, or AccessDenied."""
        credential = {"type": "password", "login": login, "password": password}
        environ = request.httprequest.environ if request else {}
        # No base_location: signing in through the API must not move web.base.url.
        user_agent_env = {
            "interactive": True,
            "HTTP_HOST": environ.get("HTTP_HOST", ""),
            "REMOTE_ADDR": environ.get("REMOTE_ADDR", ""),
        }
        if V19:
            return self.env(user=None, su=False)["res.users"].authenticate(credential, user_agent_env)
        return self.env.registry["res.users"].authenticate(self.env.cr.dbname, credential, user_agent_env)

    @api.model
    def _face_sign_in_refused(self, login, password):
        """A wrong login or password: it costs the time of a password check whether the login exists or
        not, and the log names the login only when it is one (people type passwords as logins)."""
        server = self.env(user=SUPERUSER_ID, su=True)
        Users = server["res.users"]
        user = Users._face_known_login(login)
        if not user.active:
            # Odoo looked no password up (no such login, or an archived user's): spend the same time.
            Users._face_spend_password_check(password)
        if user:
            _log(server, "Sign-in refused for %s" % user.login, "auth.login_failed", "warning", {"login": user.login})
            return
        # Keyed with the database's secret: a reader of the log cannot test guesses of what was typed.
        secret = server["ir.config_parameter"].get_param("database.secret") or ""
        digest = hmac.new(secret.encode(), login.encode(), hashlib.sha256).hexdigest()[:12]
        _log(
            server,
            "Sign-in refused for an unknown login",
            "auth.login_failed",
            "warning",
            {"login": None, "unknown_login_sha256": digest},
        )

    @api.model
    def _face_api_sign_in(self, login, password, address):
        """Odoo's password check of ``login`` from the client ``address``, then a sign-in token pair:
        (user, access, access secret, refresh, refresh secret); else SignInRefused (429, 401, 403).

        Failed sign-ins are counted (face.sign.in.throttle) before the password is checked, and a
        wrong login answers as a wrong password does, in the same time. Shared by
        ``/api/v1/auth/login`` and the backend README's ``/api/auth/login``."""
        server = self.env(user=SUPERUSER_ID, su=True)
        Throttle = server["face.sign.in.throttle"]
        wait = server["res.users"]._face_cooldown_left(address) or Throttle._attempt(login, address)
        if wait:
            raise SignInRefused(
                429,
                "RATE_LIMITED",
                "Too many failed sign-ins for this login or from this address; retry in %d s." % wait,
                headers={"Retry-After": str(wait)},
            )
        try:
            with already_counted():
                auth_info = self._face_odoo_authenticate(login, password)
        except AccessDenied:
            self._face_sign_in_refused(login, password)
            raise SignInRefused(401, "INVALID_CREDENTIALS", "Wrong login or password.") from None
        Throttle._succeeded(login, address)
        env = self.env(user=auth_info["uid"], su=False)
        user = env.user
        if auth_info.get("mfa") != "skip" and user._mfa_url():
            _log(env, "Sign-in refused for %s: two-factor authentication" % login, "auth.login_refused", "warning")
            raise SignInRefused(
                403,
                "MFA_REQUIRED",
                "This user signs in with two-factor authentication, which the API cannot ask for: "
                "use an API key issued by a Face Attendance manager.",
            )
        Key = env["face.api.key"]
        if not Key._scopes_of_user(user):
            _log(env, "Sign-in refused for %s: no Face Attendance group" % login, "auth.login_refused", "warning")
            raise SignInRefused(403, "FORBIDDEN", "%s has no Face Attendance group: ask a manager for one." % login)
        access, access_secret, refresh, refresh_secret = Key._issue_tokens(user)
        _log(
            env,
            "Signed in through the API: %s" % login,
            "auth.login",
            details={"session": access.token_family},
            object_ref="face.api.key,%d" % access.id,
        )
        return user, access, access_secret, refresh, refresh_secret

    @api.model
    def _face_api_refresh(self, secret):
        """A new token pair for a refresh token (which is revoked): (access, access secret, refresh,
        refresh secret); else SignInRefused (429 over the token's rate limit, 401 otherwise: a refresh
        token presented again revokes its whole session)."""
        Key = self.env(user=SUPERUSER_ID, su=True)["face.api.key"]
        token, _reason, kind = Key._verify(secret, revoked_ok=True)
        if token and kind == "refresh":
            retry_after = token._rate_limit_hit()
            if retry_after:
                raise SignInRefused(
                    429,
                    "RATE_LIMITED",
                    "Too many requests for this token; retry in %d s." % retry_after,
                    headers={"Retry-After": str(retry_after)},
                )
        issued, reason = Key._refresh(secret)
        if not issued:
            raise SignInRefused(401, "UNAUTHORIZED", reason, headers={"WWW-Authenticate": "Bearer"})
        access = issued[0]
        _log(
            self.env(user=access.user_id.id, su=False),
            "Sign-in session refreshed: %s" % access.user_id.login,
            "auth.refresh",
            details={"session": access.token_family},
            object_ref="face.api.key,%d" % access.id,
        )
        return issued

    @api.model
    def _face_api_sign_out(self, key, refresh_secret=None):
        """Revoke the session of ``key`` (a sign-in access token) and of ``refresh_secret`` (a refresh
        token of the same user): an API key names the refresh token to revoke. Another user's refresh
        token: SignInRefused (403); no session to end: RuleError (422)."""
        families = set()
        if key.kind == "access":
            families.add(key.token_family)
        if refresh_secret:
            token, _reason, kind = key.env["face.api.key"]._verify(refresh_secret, revoked_ok=True)
            if token and kind == "refresh":
                if token.user_id != key.user_id:
                    raise SignInRefused(403, "FORBIDDEN", "This refresh token belongs to another user.")
                families.add(token.token_family)
            elif not families:
                raise RuleError("refreshToken is not a valid refresh token.", field="refreshToken")
        if not families:
            raise RuleError("An API key has no session to end: send the refreshToken to revoke, or revoke the key.")
        revoked = key.env["face.api.key"]
        for family in sorted(f for f in families if f):
            revoked |= key.env["face.api.key"]._revoke_family(family)
        _log(
            self.env,
            "Signed out through the API: %s" % self.env.user.login,
            "auth.logout",
            details={"sessions": sorted(f for f in families if f), "tokens": len(revoked)},
        )

    @api.model
    def _face_api_sign_out_everywhere(self, key):
        """Revoke every sign-in session of the user of ``key``, a sign-in access token (API keys are
        revoked by a manager)."""
        if key.kind != "access":
            raise RuleError("Sign out everywhere with a sign-in access token; API keys are revoked by a manager.")
        self.env.user.action_face_sign_out_everywhere()
