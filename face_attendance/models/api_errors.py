"""The refusals a model method raises when its caller's input or the records' state says no: Odoo's
own exceptions (RPC callers get a ValidationError or a UserError), carrying what the REST API
answers (``api_status``, see ``controllers/api_common.model_error``). Defined once for every service."""

from odoo.exceptions import UserError, ValidationError

MAX_ID = 2**31 - 1  # PostgreSQL's integer


class InputError(ValidationError):
    """Bad input: REST answers 400 VALIDATION_ERROR naming ``field`` (with ``details``)."""

    api_status = 400

    def __init__(self, message, field=None, **details):
        super().__init__(message)
        self.field = field
        self.details = dict(details, field=field) if field else details


class RuleError(InputError):
    """Input as its document allows it that a rule refuses (dates in the wrong order, something it
    names that does not exist, a session that is not there): REST answers 422 UNPROCESSABLE naming
    ``field``. A 400 says the request breaks its document; this one, that it cannot be served as it
    stands."""

    api_status = 422


class Conflict(UserError):
    """The call contradicts the records as they are: REST answers 409 CONFLICT with ``details``."""

    api_status = 409

    def __init__(self, message, details=None):
        super().__init__(message)
        self.details = details


def expect(body, name, kind, max_length=None):
    """``body[name]`` of type ``kind`` (None when absent): a JSON field checked the same way by the REST
    routes and the services."""
    value = body.get(name)
    if value is None:
        return None
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise InputError("%s must be an integer." % name, field=name)
    if kind is int and not -MAX_ID <= value <= MAX_ID:
        raise InputError("%s is out of range." % name, field=name)
    if kind is str and not isinstance(value, str):
        raise InputError("%s must be a string." % name, field=name)
    if kind is bool and not isinstance(value, bool):
        raise InputError("%s must be true or false." % name, field=name)
    if max_length and isinstance(value, str) and len(value) > max_length:
        raise InputError("%s is longer than %d characters." % (name, max_length), field=name)
    return value
