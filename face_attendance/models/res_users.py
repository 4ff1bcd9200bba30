"""A user's preferences for a Face Attendance frontend (theme, grid, rotation...), kept with the user
like Odoo's own preferences (language and time zone), which the user may change themselves; and
what signing in through the API needs of users (logins, sign-out everywhere)."""

import json
import secrets

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessDenied, AccessError, ValidationError
from odoo.http import request

from .face_signin_throttle import is_counted
from .odoo_compat import USER_ALL_GROUPS
from .security_groups import MANAGER

MAX_PREFERENCES_BYTES = 8192
# A hash per password-hashing policy (rounds), made once per process, for unknown logins to be
# checked against (see _face_spend_password_check).
_dummy_hashes = {}


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
        auth_info = super()._check_credentials(credential, env)  # AccessDenied: the attempt stays counted
        if auth_info.get("auth_method") == "apikey":
            if not wait:
                Throttle._key_used(login, address)
            return auth_info
        if wait:
            raise AccessDenied()
        Throttle._succeeded(login, address)
        return auth_info

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
