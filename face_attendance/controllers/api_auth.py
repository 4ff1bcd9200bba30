"""Sign-in for a frontend: an Odoo login and password buy a short-lived access token and a refresh
token. Both are keys of ``face.api.key`` (kinds ``access`` and ``refresh``): stored hashed, rate
limited, revocable and audited like any key, with the scopes of the user's Face Attendance groups.

Odoo checks the password (``res.users.authenticate``), with its login cooldown per address; failed
sign-ins are also counted in the database per login and per address (face.sign.in.throttle), which
every worker shares and nobody else's success clears. A user with two-factor authentication is
refused: the API cannot ask for the second factor. A session is bound to the user's credentials
(face.api.key._session_still_valid) and ends at the latest some days after the password was checked.
"""

from typing import Annotated, Literal

from pydantic import Field

from odoo import http
from odoo.http import request

from ..models.api_types import Answer, Body, DateTime
from ..models.face_api_key import ACCESS_TOKEN_SECONDS, REFRESH_TOKEN_SECONDS, SESSION_MAX_DAYS, iso
from ..models.res_users import SignInRefused
from .api_common import api_route, client_address, json_response
from .api_users import UserAccount, user_account

__all__ = ["SignInRefused", "sign_in"]

PUBLIC_ERRORS = ["400", "401", "403", "413", "429", "503"]


# ------------------------------------------------------------------ requests
class LoginBody(Body):
    username: Annotated[str, Field(min_length=1, max_length=256, description="The Odoo login")]
    password: Annotated[str, Field(min_length=1, max_length=1024, json_schema_extra={"format": "password"})]


class RefreshBody(Body):
    refreshToken: Annotated[str, Field(min_length=1, max_length=256)]  # noqa: N815  # the plan's camelCase


class LogoutBody(Body):
    # As before the declaration: an empty or null refreshToken is none.
    refreshToken: Annotated[str, Field(max_length=256)] | None = Field(  # noqa: N815
        None, description="The refresh token to revoke too (an API key names the session it ends)"
    )


# ------------------------------------------------------------------ answers
class SessionTokens(Answer):
    accessToken: str = Field(description="Send as Authorization: Bearer <token> (or X-API-Key)")  # noqa: N815
    refreshToken: str = Field(description="Only for POST /auth/refresh and /auth/logout")  # noqa: N815
    tokenType: Literal["Bearer"]  # noqa: N815
    expiresIn: int = Field(description="Seconds the access token lives")  # noqa: N815
    refreshExpiresIn: int = Field(description="Seconds the refresh token lives")  # noqa: N815
    accessTokenExpiresAt: DateTime  # noqa: N815
    refreshTokenExpiresAt: DateTime  # noqa: N815


class SignedIn(SessionTokens):
    user: UserAccount
    permissions: list[str]


class SignedInKey(Answer):
    user: UserAccount
    permissions: list[str] = Field(description="The scopes of the key or token")
    kind: Literal["api", "access", "refresh"]
    companyId: int  # noqa: N815
    expiresAt: DateTime  # noqa: N815


def _refuse(refused):
    """A refused sign-in as an error answer that keeps what the request wrote (an audit line, a revoked
    session): a raised ApiError would roll it back."""
    return json_response(
        {
            "success": False,
            "error": {"code": refused.code, "message": refused.message, "details": {}},
            "requestId": request.face_request_id,
        },
        status=refused.status,
        headers=refused.headers,
    )


def sign_in(login, password):
    """Odoo's password check for a login, then a token pair: (user, access, secret, refresh, secret),
    else SignInRefused (res.users._face_api_sign_in).

    Shared by ``/api/v1/auth/login`` and the backend README's ``/api/auth/login``.
    """
    return request.env["res.users"]._face_api_sign_in(login, password, client_address())


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
        summary="Sign in with an Odoo login and password",
        tag="Auth",
        body=LoginBody,
        answer=SignedIn,
        extra_errors=PUBLIC_ERRORS,
        description="Odoo checks the password. Failed sign-ins are counted per login and per client "
        "address (another account's success clears neither): over the limit, 429 with Retry-After. The "
        "access token lives %d minutes, the refresh token %d days, a session (refreshed or not) at most "
        "%d days by default, and ends when the user's password or two-factor setup changes; their scopes "
        "come from the user's Face Attendance groups (none: 403). Users with two-factor authentication "
        "are refused (403): they use an API key issued by a manager."
        % (ACCESS_TOKEN_SECONDS // 60, REFRESH_TOKEN_SECONDS // 86400, SESSION_MAX_DAYS),
    )
    def login(self, body):
        try:
            user, access, access_secret, refresh, refresh_secret = sign_in(body.username, body.password)
        except SignInRefused as refused:
            return _refuse(refused)
        answer = _tokens(access, access_secret, refresh, refresh_secret)
        answer["user"] = user_account(user)
        answer["permissions"] = (access.scopes or "").split()
        return answer

    @api_route(
        "/auth/refresh",
        ["POST"],
        public=True,
        summary="A new token pair for a refresh token (which is revoked)",
        tag="Auth",
        body=RefreshBody,
        answer=SessionTokens,
        extra_errors=PUBLIC_ERRORS,
        description="Each refresh token serves once. One presented again (stolen or replayed) "
        "revokes its whole sign-in session: sign in again.",
    )
    def refresh(self, body):
        try:
            issued = request.env["res.users"]._face_api_refresh(body.refreshToken)
        except SignInRefused as refused:
            return _refuse(refused)
        return _tokens(*issued)

    @api_route(
        "/auth/logout",
        ["POST"],
        summary="Sign out: revoke the access token's session and the refresh token",
        tag="Auth",
        body=LogoutBody,
        body_required=False,
        status=204,
    )
    def logout(self, body):
        try:
            request.env["res.users"]._face_api_sign_out(request.face_api_key, body.refreshToken)
        except SignInRefused as refused:
            return _refuse(refused)
        return request.make_response("", status=204)

    @api_route(
        "/auth/logout-all",
        ["POST"],
        summary="Sign out everywhere: revoke every sign-in session of the signed-in user",
        tag="Auth",
        status=204,
        description="For a sign-in access token: every access and refresh token of its user is "
        "revoked, on every device (API keys stay). An API key is refused (422): a manager revokes keys.",
    )
    def logout_all(self):
        request.env["res.users"]._face_api_sign_out_everywhere(request.face_api_key)
        return request.make_response("", status=204)

    @api_route(
        "/auth/me",
        ["GET"],
        readonly=True,
        summary="The signed-in user and their permissions",
        tag="Auth",
        answer=SignedInKey,
    )
    def me(self):
        key = request.face_api_key
        return {
            "user": user_account(request.env.user),
            "permissions": sorted(key._grant(key.id)[0]),
            "kind": key.kind,
            "companyId": key.company_id.id,
            "expiresAt": iso(key.expires_at),
        }
