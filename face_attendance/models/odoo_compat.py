"""What differs between Odoo 18.0 and 19.0, in one place: the rest of the addon is written once for
both and asks here when a name or a mechanism changed between them."""

from odoo import models, release

ODOO_MAJOR = release.version_info[0]
V19 = ODOO_MAJOR >= 19

# res.users' groups (also on menus, views and actions) and res.groups' users were renamed in 19.
USER_GROUPS = "group_ids" if V19 else "groups_id"
GROUP_USERS = "user_ids" if V19 else "users"
# A user's groups including the implied ones (18 stores them all in groups_id).
USER_ALL_GROUPS = "all_group_ids" if V19 else "groups_id"

if V19:
    from odoo.fields import Domain

    def domain_and(domains):
        return Domain.AND(domains)

    def domain_or(domains):
        return Domain.OR(domains)
else:
    from odoo.osv import expression

    def domain_and(domains):
        return expression.AND(domains)

    def domain_or(domains):
        return expression.OR(domains)


# resource's intervals moved to odoo.tools in 19.
if V19:
    from odoo.tools.intervals import Intervals  # noqa: F401
else:
    from odoo.addons.resource.models.utils import Intervals  # noqa: F401


def registry_in_test_mode(registry):
    """18's registry says when tests hold it; 19 patches its cursor() instead (odoo.tests)."""
    return bool(getattr(registry, "in_test_mode", lambda: False)())


def group_users(group):
    return group[GROUP_USERS]


def unique(name, definition, message):
    """Class decorator: the SQL constraint ``<table>_<name>`` (``definition`` as in ``unique(a, b)``).
    18 declares it in ``_sql_constraints``; 19 ignores that list and wants a ``models.Constraint``."""

    def decorate(cls):
        if V19:
            constraint = models.Constraint(definition, message)
            attribute = "_" + name
            setattr(cls, attribute, constraint)
            constraint.__set_name__(cls, attribute)
        else:
            cls._sql_constraints = list(cls.__dict__.get("_sql_constraints", ())) + [(name, definition, message)]
        return cls

    return decorate


def setup_groups(env, groups, category, privilege_xmlid, privilege_name, manager, user, users=(), actions=()):
    """Where the addon's groups appear on the user form, and who is in them from the start.

    18 files groups under an ``ir.module.category``; 19 under a ``res.groups.privilege`` that
    belongs to the category. Run from the security data on every install and update (idempotent).
    ``users`` join ``manager``; ``actions`` are restricted to it. ``user`` sees every attendance:
    19 split 18's attendance officer into an officer of their own team and a user of all.
    """
    if V19:
        privilege = env.ref(privilege_xmlid, raise_if_not_found=False)
        if not privilege:
            privilege = env["res.groups.privilege"].create({"name": privilege_name, "category_id": category.id})
            env["ir.model.data"]._update_xmlids([{"xml_id": privilege_xmlid, "record": privilege, "noupdate": True}])
        for sequence, group in enumerate(groups, start=1):
            group.write({"privilege_id": privilege.id, "sequence": sequence * 10})
        user.write({"implied_ids": [(4, env.ref("hr_attendance.group_hr_attendance_user").id)]})
    else:
        for group in groups:
            group.write({"category_id": category.id})
    if users:
        manager.write({GROUP_USERS: [(4, user.id) for user in users]})
    for action in actions:
        action.write({USER_GROUPS: [(4, manager.id)]})
