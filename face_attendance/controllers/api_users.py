"""Users and roles of the operations frontend, read from Odoo: a user is an Odoo user with a Face
Attendance group, a role is one of those groups. Users are created, changed and archived in Odoo
(Settings > Users), never through the API."""

from odoo import SUPERUSER_ID, http
from odoo.http import request

from ..models.face_api_key import iso, role_scopes
from ..models.odoo_compat import USER_ALL_GROUPS
from ..models.security_groups import DEVICE, MANAGER, USER
from .api_common import ApiError, api_route, bad_request, ok, ok_page, plan_paging
from .openapi_spec import DATETIME, PLAN_PAGING, obj, operation, plan_page, query, s

# Highest first: a user's role is the highest of their Face Attendance groups.
ROLES = (
    ("ROLE-MANAGER", MANAGER, "Manages cameras, persons, attendance corrections, settings and API keys."),
    ("ROLE-USER", USER, "Sees attendance, presence, cameras, alerts and reports."),
    ("ROLE-DEVICE", DEVICE, "A camera daemon or kiosk: sends recognition events."),
)
ROLE_IDS = [role_id for role_id, _group, _text in ROLES]
STATUSES = ["active", "suspended"]

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


def _check_reader():
    if not request.env.user.has_group(USER):
        raise ApiError(403, "FORBIDDEN", "Only Face Attendance users see its users and roles.")


def _members_domain():
    """Odoo users of the key's company with a Face Attendance group (the superuser aside)."""
    groups = [request.env.ref(group).id for _role, group, _text in ROLES]
    return [
        (USER_ALL_GROUPS, "in", groups),
        ("company_ids", "in", [request.env.company.id]),
        ("share", "=", False),
        ("id", "!=", SUPERUSER_ID),
    ]


def _members_of(group_id):
    """Ids of the users in a group, implied membership included. (A negated domain on 19's
    all_group_ids would match users having any other group, so exclusions go by ids.)"""
    Users = request.env["res.users"].with_context(active_test=False)
    return Users.search([(USER_ALL_GROUPS, "in", [group_id]), ("company_ids", "in", [request.env.company.id])]).ids


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
        _check_reader()
        number, size, offset = plan_paging(params)
        domain = _members_domain()
        status = params.get("status")
        if status:
            if status not in STATUSES:
                raise bad_request("status must be active or suspended.")
            domain.append(("active", "=", status == "active"))
        search = params.get("search")
        if search:
            if len(search) > 256:
                raise bad_request("search is longer than 256 characters.")
            domain += ["|", "|", ("name", "ilike", search), ("login", "ilike", search), ("email", "ilike", search)]
        role = params.get("role")
        if role:
            if role not in ROLE_IDS:
                raise bad_request("role must be one of %s." % ", ".join(ROLE_IDS))
            # The highest group decides: a manager is not listed as a user too.
            for role_id, group, _text in ROLES:
                group_id = request.env.ref(group).id
                if role_id == role:
                    domain.append((USER_ALL_GROUPS, "in", [group_id]))
                    break
                domain.append(("id", "not in", _members_of(group_id)))
        Users = request.env["res.users"].with_context(active_test=False)
        total = Users.search_count(domain)
        users = Users.search(domain, limit=size, offset=offset, order="name, id")
        return ok_page([user_account(user) for user in users], total, number, size)

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
        _check_reader()
        scopes = role_scopes()
        Users = request.env["res.users"]
        answer = []
        above = []
        for role_id, xmlid, text in ROLES:
            group = request.env.ref(xmlid)
            count_domain = [*_members_domain(), (USER_ALL_GROUPS, "in", [group.id])]
            for higher in above:
                count_domain.append(("id", "not in", _members_of(higher)))
            answer.append(
                {
                    "id": role_id,
                    "name": group.name,
                    "group": xmlid,
                    "permissions": scopes[xmlid],
                    "description": text,
                    "userCount": Users.search_count(count_domain),
                }
            )
            above.append(group.id)
        return ok(answer)
