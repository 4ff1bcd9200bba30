"""Users and roles of the operations frontend, read from Odoo for every door: a user is an Odoo user
of the caller's company with a Face Attendance group, a role is one of those groups (the highest
decides). Face Attendance users only; users are created, changed and archived in Odoo itself."""

from odoo import SUPERUSER_ID, api, models
from odoo.exceptions import AccessError

from .face_api_key import iso, role_scopes
from .hr_employee_api import PersonInputError, _number
from .odoo_compat import USER_ALL_GROUPS
from .security_groups import DEVICE, MANAGER, USER

# Highest first: a user's role is the highest of their Face Attendance groups.
ROLES = (
    ("ROLE-MANAGER", MANAGER, "Manages cameras, persons, attendance corrections, settings and API keys."),
    ("ROLE-USER", USER, "Sees attendance, presence, cameras, alerts and reports."),
    ("ROLE-DEVICE", DEVICE, "A camera daemon or kiosk: sends recognition events."),
)
ROLE_IDS = [role_id for role_id, _group, _text in ROLES]
STATUSES = ["active", "suspended"]


def role_of(user):
    """The role id of the user's highest Face Attendance group, None without one."""
    for role_id, group, _text in ROLES:
        if user.has_group(group):
            return role_id
    return None


def user_account(user, role_id=None):
    """The operations frontend's UserAccount of an Odoo user (``role_id`` when already known)."""
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


class FaceUserDirectory(models.AbstractModel):
    _name = "face.user.directory"
    _description = "Face Attendance users and roles"

    @api.model
    def _check_reader(self):
        if not self.env.user.has_group(USER):
            raise AccessError(self.env._("Only Face Attendance users see its users and roles."))

    @api.model
    def _members_domain(self):
        """Odoo users of the caller's company with a Face Attendance group (the superuser aside)."""
        groups = [self.env.ref(group).id for _role, group, _text in ROLES]
        return [
            (USER_ALL_GROUPS, "in", groups),
            ("company_ids", "in", [self.env.company.id]),
            ("share", "=", False),
            ("id", "!=", SUPERUSER_ID),
        ]

    @api.model
    def _members_of(self, group_id):
        """Ids of the users in a group, implied membership included. (A negated domain on 19's
        all_group_ids would match users having any other group, so exclusions go by ids.)"""
        Users = self.env["res.users"].with_context(active_test=False)
        return Users.search([(USER_ALL_GROUPS, "in", [group_id]), ("company_ids", "in", [self.env.company.id])]).ids

    @api.model
    def users(self, role=None, status=None, search=None, limit=20, offset=0):
        """{"ids", "total"}: the Face Attendance users of the caller's company (archived ones too), by
        name; ``role`` a role id (the highest group), ``status`` active or suspended (archived),
        ``search`` part of the name, login or e-mail."""
        self._check_reader()
        limit = _number(limit, "limit", 1, 1000)
        offset = _number(offset, "offset", 0, 10**9)
        domain = self._members_domain()
        if status:
            if status not in STATUSES:
                raise PersonInputError("status must be active or suspended.")
            domain.append(("active", "=", status == "active"))
        if search:
            if not isinstance(search, str) or len(search) > 256:
                raise PersonInputError("search is longer than 256 characters.")
            domain += ["|", "|", ("name", "ilike", search), ("login", "ilike", search), ("email", "ilike", search)]
        if role:
            if role not in ROLE_IDS:
                raise PersonInputError("role must be one of %s." % ", ".join(ROLE_IDS))
            # The highest group decides: a manager is not listed as a user too.
            for role_id, group, _text in ROLES:
                group_id = self.env.ref(group).id
                if role_id == role:
                    domain.append((USER_ALL_GROUPS, "in", [group_id]))
                    break
                domain.append(("id", "not in", self._members_of(group_id)))
        Users = self.env["res.users"].with_context(active_test=False)
        return {
            "ids": Users.search(domain, limit=limit, offset=offset, order="name, id").ids,
            "total": Users.search_count(domain),
        }

    @api.model
    def _api_users(self, role=None, status=None, search=None, limit=20, offset=0):
        """GET /users: (UserAccount dicts, total) of ``users``."""
        found = self.users(role=role, status=status, search=search, limit=limit, offset=offset)
        users = self.env["res.users"].with_context(active_test=False).browse(found["ids"])
        return [user_account(user) for user in users], found["total"]

    @api.model
    def roles(self):
        """The roles, highest first, with their group, the scopes of their sign-in tokens and how many
        users of the caller's company have each as their highest."""
        self._check_reader()
        scopes = role_scopes()
        Users = self.env["res.users"]
        answer = []
        above = []
        for role_id, xmlid, text in ROLES:
            group = self.env.ref(xmlid)
            count_domain = [*self._members_domain(), (USER_ALL_GROUPS, "in", [group.id])]
            for higher in above:
                count_domain.append(("id", "not in", self._members_of(higher)))
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
        return answer
