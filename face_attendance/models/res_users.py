"""A user's preferences for a Face Attendance frontend (theme, grid, rotation...), kept with the user
like Odoo's own preferences (language and time zone), which the user may change themselves."""

import json

from odoo import api, fields, models
from odoo.exceptions import ValidationError

MAX_PREFERENCES_BYTES = 8192


class ResUsers(models.Model):
    _inherit = "res.users"

    face_ui_preferences = fields.Json(string="Face Attendance display preferences", copy=False)

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + ["face_ui_preferences"]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + ["face_ui_preferences"]

    @api.constrains("face_ui_preferences")
    def _check_face_ui_preferences(self):
        for user in self:
            value = user.face_ui_preferences
            if value in (None, False):
                continue
            if not isinstance(value, dict) or len(json.dumps(value)) > MAX_PREFERENCES_BYTES:
                raise ValidationError(
                    self.env._("Display preferences are a JSON object of at most %s bytes.", MAX_PREFERENCES_BYTES)
                )
