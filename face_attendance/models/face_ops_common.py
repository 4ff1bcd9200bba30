"""What the operations services (cameras, jobs, audit trail, alerts, notifications, banners, locale
settings) share: their refusals of input and conflicts, the JSON checks of their arguments, and who
may call them.

A refusal carries what the REST API answers (``api_status``, ``field``, see ``api_common.model_error``);
RPC callers get Odoo's ValidationError or UserError.
"""

from odoo.exceptions import AccessError

from .api_errors import MAX_ID, Conflict, InputError, expect  # noqa: F401  # expect: for the services
from .security_groups import MANAGER, USER

# The operations services' names for the one pair of refusals.
OpsInputError, OpsConflict = InputError, Conflict


def bool_text(params, name, default=False):
    """A true/false parameter as text (true, false, 1, 0); absent or empty: ``default``."""
    value = params.get(name)
    if value in (None, ""):
        return default
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1"):
        return True
    if str(value).lower() in ("false", "0"):
        return False
    raise OpsInputError("%s must be true or false." % name, field=name)


def check_user(env, message=None):
    """Face Attendance users (or the superuser) only."""
    if env.su or env.user.has_group(USER):
        return
    raise AccessError(message or "Only Face Attendance users may read this.")


def check_manager(env, message=None):
    """Face Attendance managers (or the superuser) only."""
    if env.su or env.user.has_group(MANAGER):
        return
    raise AccessError(message or "Only Face Attendance managers may do this.")
