"""Users and roles of the operations frontend, read from Odoo: a user is an Odoo user with a Face
Attendance group, a role is one of those groups. Users are created, changed and archived in Odoo
(Settings > Users), never through the API."""

from typing import Annotated, Literal

from pydantic import Field

from odoo import http
from odoo.http import request

from ..models.api_types import Answer, DateTime, PlanPaging
from ..models.face_user_directory import ROLE_IDS, STATUSES, user_account  # noqa: F401  # api_auth reads it here
from .api_common import api_route
from .openapi_spec import model_schema

RoleId = Literal[tuple(ROLE_IDS)]
UserStatus = Literal[tuple(STATUSES)]


class UserAccount(Answer):
    id: int
    name: str
    login: str
    email: str | None
    roleId: RoleId | None  # noqa: N815  # the plan's camelCase
    status: UserStatus = Field(description="suspended: archived in Odoo")
    lastActive: DateTime = Field(description="Latest sign-in to Odoo (web or API)")  # noqa: N815
    companyId: int  # noqa: N815


class Role(Answer):
    id: RoleId
    name: str
    group: str = Field(description="The Odoo group (XML id)")
    permissions: list[str] = Field(description="The scopes of a sign-in token of this role")
    description: str
    userCount: int  # noqa: N815


class UserQuery(PlanPaging):
    role: RoleId = Field(None, description="The user's highest Face Attendance group")
    status: UserStatus = None
    search: Annotated[str, Field(max_length=256)] = Field(None, description="Part of the name, login or email")


# The sign-in routes (api_auth.py) still describe their answers by hand: the same schema, by reference.
USER_ACCOUNT = model_schema(UserAccount, mode="serialization")


class FaceApiUsers(http.Controller):
    @api_route(
        "/users",
        ["GET"],
        readonly=True,
        scope="users:read",
        summary="Users with a Face Attendance group (managed in Odoo)",
        tag="Users",
        query=UserQuery,
        answer=UserAccount,
        paged=True,
        description="Users are created, changed and archived in Odoo (Settings > Users); the API reads them.",
    )
    def users(self, query):
        Directory = request.env["face.user.directory"]
        return Directory._api_users(query.role, query.status, query.search, query.pageSize, query.offset)

    @api_route(
        "/roles",
        ["GET"],
        readonly=True,
        scope="users:read",
        summary="Roles: the Face Attendance groups and the scopes of their sign-in tokens",
        tag="Users",
        answer=list[Role],
    )
    def roles(self):
        return request.env["face.user.directory"].roles()
