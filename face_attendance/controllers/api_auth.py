"""Sign-in for a frontend: an Odoo login and password buy a short-lived access token and a refresh
token. Both are keys of ``face.api.key`` (kinds ``access`` and ``refresh``): stored hashed, rate
limited, revocable and audited like any key, with the scopes of the user's Face Attendance groups.

Odoo checks the password (``res.users.authenticate``), with its login cooldown per address; failed
sign-ins are also counted in the database per login and per address (face.sign.in.throttle), which
every worker shares and nobody else's success clears. A user with two-factor authentication is
refused: the API cannot ask for the second factor. A session is bound to the user's credentials
(face.api.key._session_still_valid) and ends at the latest some days after the password was checked.
"""

import datetime
import hashlib
import hmac
import uuid

from odoo import SUPERUSER_ID, http
from odoo.exceptions import AccessDenied
from odoo.http import request

from ..models.face_api_key import ACCESS_TOKEN_SECONDS, REFRESH_TOKEN_SECONDS, SESSION_MAX_DAYS, iso
from ..models.face_signin_throttle import already_counted
from ..models.odoo_compat import V19
from .api_common import ApiError, api_route, bad_request, client_address, expect, json_body, json_response, ok
from .api_users import USER_ACCOUNT, user_account
from .openapi_spec import DATETIME, json_content, obj, operation, s

TOKENS = {
    "accessToken": s("string", description="Send as Authorization: Bearer <token> (or X-API-Key)"),
    "refreshToken": s("string", description="Only for POST /auth/refresh and /auth/logout"),
    "tokenType": s("string", enum=["Bearer"]),
    "expiresIn": s("integer", description="Seconds the access token lives"),
    "refreshExpiresIn": s("integer", description="Seconds the refresh token lives"),
    "accessTokenExpiresAt": DATETIME,
    "refreshTokenExpiresAt": DATETIME,
}
SIGNED_IN = obj(
    dict(TOKENS, user=USER_ACCOUNT, permissions=s("array", items=s("string"))),
)
ME = obj(
    {
        "user": USER_ACCOUNT,
        "permissions": s("array", items=s("string"), description="The scopes of the key or token"),
        "kind": s("string", enum=["api", "access", "refresh"]),
        "companyId": s("integer"),
        "expiresAt": DATETIME,
    }
)
PUBLIC_ERRORS = ["400", "401", "403", "413", "429", "503"]


def _refuse(status, code, message, headers=None):
    """An error answer that keeps what the request wrote (an audit line, a revoked session): a
    raised ApiError would roll it back."""
    return json_response(
        {
            "success": False,
            "error": {"code": code, "message": message, "details": {}},
            "requestId": uuid.uuid4().hex[:16],
        },
        status=status,
        headers=headers,
    )


def _log(env, message, action, level="info", details=None, object_ref=None):
    env["face.system.log"]._log(
        message, level=level, category="api", action=action, details=details, object_ref=object_ref
    )


def _cooldown_left(Users):
    """Seconds the caller's address must still wait under Odoo's login cooldown, else 0."""
    failures_map = getattr(request.env.registry, "_login_failures", None) or {}
    failures, previous = failures_map.get(request.httprequest.remote_addr, (0, datetime.datetime.min))
    if not Users._on_login_cooldown(failures, previous):
        return 0
    delay = int(Users.env["ir.config_parameter"].get_param("base.login_cooldown_duration", 60))
    return max(1, delay - int((datetime.datetime.now() - previous).total_seconds()))


def _odoo_authenticate(login, password):
    """Odoo's own password check, cooldown and failure count included: the auth_info, or AccessDenied."""
    credential = {"type": "password", "login": login, "password": password}
    environ = request.httprequest.environ
    # No base_location: signing in through the API must not move web.base.url.
    user_agent_env = {
        "interactive": True,
        "HTTP_HOST": environ.get("HTTP_HOST", ""),
        "REMOTE_ADDR": environ.get("REMOTE_ADDR", ""),
    }
    if V19:
        return request.env(user=None, su=False)["res.users"].authenticate(credential, user_agent_env)
    return request.env.registry["res.users"].authenticate(request.db, credential, user_agent_env)


def _refused(server, login, password):
    """A wrong login or password: it costs the time of a password check whether the login exists or
    not, and the log names the login only when it is one (people type passwords as logins)."""
    Users = server["res.users"]
    user = Users._face_known_login(login)
    if not user.active:
        # Odoo looked no password up (no such login, or an archived user's): spend the same time.
        Users._face_spend_password_check(password)
    if user:
        _log(server, "Sign-in refused for %s" % user.login, "auth.login_failed", "warning", {"login": user.login})
    else:
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


class SignInRefused(Exception):
    """A refused sign-in, answered by each route in its own shape without rolling back its log line."""

    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def sign_in(login, password):
    """Odoo's password check for a login, then a token pair: (user, access, secret, refresh, secret).

    Shared by ``/api/v1/auth/login`` and the backend README's ``/api/auth/login``.
    """
    server = request.env(user=SUPERUSER_ID, su=True)
    address = client_address()
    Throttle = server["face.sign.in.throttle"]
    wait = _cooldown_left(server["res.users"]) or Throttle._attempt(login, address)
    if wait:
        raise SignInRefused(
            429,
            "RATE_LIMITED",
            "Too many failed sign-ins for this login or from this address; retry in %d s." % wait,
            headers={"Retry-After": str(wait)},
        )
    try:
        with already_counted():
            auth_info = _odoo_authenticate(login, password)
    except AccessDenied:
        _refused(server, login, password)
        raise SignInRefused(401, "INVALID_CREDENTIALS", "Wrong login or password.") from None
    Throttle._succeeded(login, address)
    env = request.env(user=auth_info["uid"], su=False)
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


def _tokens(access, access_secret, refresh, refresh_secret):
    return {
        "accessToken": access_secret,
        "refreshToken": refresh_secret,
        "tokenType": "Bearer",
        "expiresIn": ACCESS_TOKEN_SECONDS,
        "refreshExpiresIn": REFRESH_TOKEN_SECONDS,
        "accessTokenExpiresAt": iso(access.expires_at),
        "refreshTokenExpiresAt": iso(refresh.expires_at),
    }


class FaceApiAuth(http.Controller):
    @api_route(
        "/auth/login",
        ["POST"],
        public=True,
        doc=operation(
            "Sign in with an Odoo login and password",
            "Auth",
            None,
            200,
            SIGNED_IN,
            body=json_content(
                {
                    "type": "object",
                    "required": ["username", "password"],
                    "additionalProperties": False,
                    "properties": {
                        "username": s("string", minLength=1, maxLength=256, description="The Odoo login"),
                        "password": s("string", minLength=1, maxLength=1024, format="password"),
                    },
                }
            ),
            extra_errors=PUBLIC_ERRORS,
            description="Odoo checks the password. Failed sign-ins are counted per login and per client "
            "address (another account's success clears neither): over the limit, 429 with Retry-After. The "
            "access token lives %d minutes, the refresh token %d days, a session (refreshed or not) at most "
            "%d days by default, and ends when the user's password or two-factor setup changes; their scopes "
            "come from the user's Face Attendance groups (none: 403). Users with two-factor authentication "
            "are refused (403): they use an API key issued by a manager."
            % (ACCESS_TOKEN_SECONDS // 60, REFRESH_TOKEN_SECONDS // 86400, SESSION_MAX_DAYS),
        ),
    )
    def login(self):
        body = json_body(required=("username", "password"))
        try:
            user, access, access_secret, refresh, refresh_secret = sign_in(
                expect(body, "username", str, 256), expect(body, "password", str, 1024)
            )
        except SignInRefused as refused:
            return _refuse(refused.status, refused.code, refused.message, refused.headers)
        answer = _tokens(access, access_secret, refresh, refresh_secret)
        answer["user"] = user_account(user)
        answer["permissions"] = (access.scopes or "").split()
        return ok(answer)

    @api_route(
        "/auth/refresh",
        ["POST"],
        public=True,
        doc=operation(
            "A new token pair for a refresh token (which is revoked)",
            "Auth",
            None,
            200,
            obj(TOKENS),
            body=json_content(
                {
                    "type": "object",
                    "required": ["refreshToken"],
                    "additionalProperties": False,
                    "properties": {"refreshToken": s("string", minLength=1, maxLength=256)},
                }
            ),
            extra_errors=PUBLIC_ERRORS,
            description="Each refresh token serves once. One presented again (stolen or replayed) "
            "revokes its whole sign-in session: sign in again.",
        ),
    )
    def refresh(self):
        body = json_body(required=("refreshToken",))
        secret = expect(body, "refreshToken", str, 256)
        server = request.env(user=SUPERUSER_ID, su=True)
        Key = server["face.api.key"]
        token, reason, kind = Key._verify(secret, revoked_ok=True)
        if token and kind == "refresh":
            retry_after = token._rate_limit_hit()
            if retry_after:
                return _refuse(
                    429,
                    "RATE_LIMITED",
                    "Too many requests for this token; retry in %d s." % retry_after,
                    headers={"Retry-After": str(retry_after)},
                )
        issued, reason = Key._refresh(secret)
        if not issued:
            return _refuse(401, "UNAUTHORIZED", reason, headers={"WWW-Authenticate": "Bearer"})
        access, access_secret, refresh, refresh_secret = issued
        _log(
            request.env(user=access.user_id.id, su=False),
            "Sign-in session refreshed: %s" % access.user_id.login,
            "auth.refresh",
            details={"session": access.token_family},
            object_ref="face.api.key,%d" % access.id,
        )
        return ok(_tokens(access, access_secret, refresh, refresh_secret))

    @api_route(
        "/auth/logout",
        ["POST"],
        doc=operation(
            "Sign out: revoke the access token's session and the refresh token",
            "Auth",
            None,
            204,
            None,
            public=False,
            ok_content=False,
            body=json_content(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"refreshToken": s("string", minLength=1, maxLength=256)},
                }
            ),
            body_required=False,
        ),
    )
    def logout(self):
        body = json_body(optional=("refreshToken",), allow_empty=True)
        secret = expect(body, "refreshToken", str, 256)
        key = request.face_api_key
        families = set()
        if key.kind == "access":
            families.add(key.token_family)
        if secret:
            token, _reason, kind = key.env["face.api.key"]._verify(secret, revoked_ok=True)
            if token and kind == "refresh":
                if token.user_id != key.user_id:
                    raise ApiError(403, "FORBIDDEN", "This refresh token belongs to another user.")
                families.add(token.token_family)
            elif not families:
                raise bad_request("refreshToken is not a valid refresh token.", field="refreshToken")
        if not families:
            raise bad_request("An API key has no session to end: send the refreshToken to revoke, or revoke the key.")
        revoked = key.env["face.api.key"]
        for family in sorted(f for f in families if f):
            revoked |= key.env["face.api.key"]._revoke_family(family)
        _log(
            request.env,
            "Signed out through the API: %s" % request.env.user.login,
            "auth.logout",
            details={"sessions": sorted(f for f in families if f), "tokens": len(revoked)},
        )
        return request.make_response("", status=204)

    @api_route(
        "/auth/logout-all",
        ["POST"],
        doc=operation(
            "Sign out everywhere: revoke every sign-in session of the signed-in user",
            "Auth",
            None,
            204,
            None,
            public=False,
            ok_content=False,
            description="For a sign-in access token: every access and refresh token of its user is "
            "revoked, on every device (API keys stay). An API key is refused (400): a manager revokes keys.",
        ),
    )
    def logout_all(self):
        if request.face_api_key.kind != "access":
            raise bad_request("Sign out everywhere with a sign-in access token; API keys are revoked by a manager.")
        request.env.user.action_face_sign_out_everywhere()
        return request.make_response("", status=204)

    @api_route(
        "/auth/me",
        ["GET"],
        doc=operation("The signed-in user and their permissions", "Auth", None, 200, ME, public=False),
    )
    def me(self):
        key = request.face_api_key
        return ok(
            {
                "user": user_account(request.env.user),
                "permissions": sorted(key._grant(key.id)[0]),
                "kind": key.kind,
                "companyId": key.company_id.id,
                "expiresAt": iso(key.expires_at),
            }
        )
