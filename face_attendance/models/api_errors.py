"""The refusals a model method raises when its caller's input or the records' state says no: Odoo's
own exceptions (RPC callers get a ValidationError or a UserError), carrying what the REST API
answers (``api_status``, see ``controllers/api_common.model_error``). Defined once for every service."""

from odoo.exceptions import UserError, ValidationError


class InputError(ValidationError):
    """Bad input: REST answers 400 VALIDATION_ERROR naming ``field`` (with ``details``)."""

    api_status = 400

    def __init__(self, message, field=None, **details):
        super().__init__(message)
        self.field = field
        self.details = dict(details, field=field) if field else details


class Conflict(UserError):
    """The call contradicts the records as they are: REST answers 409 CONFLICT with ``details``."""

    api_status = 409

    def __init__(self, message, details=None):
        super().__init__(message)
        self.details = details
