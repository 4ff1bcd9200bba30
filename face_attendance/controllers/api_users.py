"""Users and roles of the operations frontend, read from Odoo: a user is an Odoo user with a Face
Attendance group, a role is one of those groups. Users are created, changed and archived in Odoo
(Settings > Users), never through the API."""

from odoo import http
from odoo.http import request

from ..models.face_api_key import iso
from ..models.face_user_directory import ROLE_IDS, ROLES, STATUSES
from .api_common import api_route, ok, ok_page, plan_paging
from .openapi_spec import DATETIME, PLAN_PAGING, obj, operation, plan_page, query, s

USER_ACCOUNT = obj(
    {
        "id": s("integer"),
        "name": s("string"),
        "login": s("string"),
        "email": s("string", nullable=True),
        "roleId": s("string", enum=ROLE_IDS, nullable=True),
        "status": s("string", enum=STATUSES, description="suspended: archived in Odoo"),
        "lastActive": dict(DATETIME, description="Latest sign-in to Odoo (web or API)"),
        "companyId": s("integer"),
    }
)
ROLE = obj(
    {
        "id": s("string", enum=ROLE_IDS),
        "name": s("string"),
        "group": s("string", description="The Odoo group (XML id)"),
        "permissions": s("array", items=s("string"), description="The scopes of a sign-in token of this role"),
        "description": s("string"),
        "userCount": s("integer"),
    }
)


def role_of(user):
    for role_id, group, _text in ROLES:
        if user.has_group(group):
            return role_id
    return None


def user_account(user, role_id=None):
    """The plan's UserAccount of an Odoo user (``role_id`` when already known)."""
    return {
        "id": user.id,
        "name": user.name or "",
        "login": user.login or "",
        "email": user.email or None,
        "roleId": role_id if role_id is not None else role_of(user),
        "status": "active" if user.active else "suspended",
        "lastActive": iso(user.login_date),
        "companyId": user.company_id.id,
    }


class FaceApiUsers(http.Controller):
    @api_route(
        "/users",
        ["GET"],
        scope="users:read",
        doc=operation(
            "Users with a Face Attendance group (managed in Odoo)",
            "Users",
            "users:read",
            200,
            None,
            PLAN_PAGING
            + [
                query("role", s("string", enum=ROLE_IDS), "The user's highest Face Attendance group"),
                query("status", s("string", enum=STATUSES)),
                query("search", s("string", maxLength=256), "Part of the name, login or email"),
            ],
            ok_content=plan_page(USER_ACCOUNT),
            description="Users are created, changed and archived in Odoo (Settings > Users); the API reads them.",
        ),
    )
    def users(self, **params):
        Directory = request.env["face.user.directory"]
        Directory._check_reader()
        number, size, offset = plan_paging(params)
        found = Directory.users(
            role=params.get("role") or None,
            status=params.get("status") or None,
            search=params.get("search") or None,
            limit=size,
            offset=offset,
        )
        users = request.env["res.users"].with_context(active_test=False).browse(found["ids"])
        return ok_page([user_account(user) for user in users], found["total"], number, size)

    @api_route(
        "/roles",
        ["GET"],
        scope="users:read",
        doc=operation(
            "Roles: the Face Attendance groups and the scopes of their sign-in tokens",
            "Users",
            "users:read",
            200,
            s("array", items=ROLE),
        ),
    )
    def roles(self):
        return ok(request.env["face.user.directory"].roles())
