"""Languages, time zones and a user's own preferences, as a frontend's settings read and change them
(``/i18n/languages``, ``/settings/timezones``, ``/settings/preferences``): the installed languages
(``res.lang``), the time zones Odoo offers its users (pytz's common ones), and the user's own
language and time zone (Odoo's preferences) with the frontend's display preferences.

Every method acts on the caller's own user (``self.env.user``), never on a user given to it.
"""

from datetime import datetime

import pytz

from odoo import api, fields, models

from .face_ops_common import OpsInputError, expect
from .face_recognition_service import audit

THEMES = ("dark", "light", "system")
DEFAULT_DISPLAY = {"theme": "dark", "gridMode": "3x3", "autoRotate": True}


def utc_offset(zone, now):
    minutes = int(now.astimezone(pytz.timezone(zone)).utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return "%s%02d:%02d" % (sign, abs(minutes) // 60, abs(minutes) % 60)


class ResUsersLocale(models.Model):
    _inherit = "res.users"

    @api.model
    def _face_languages(self):
        """The installed languages, the caller's marked as their default."""
        current = self.env.user.lang
        return [
            {
                "code": lang.code,
                "isoCode": lang.iso_code or None,
                "name": lang.name,
                "direction": lang.direction or "ltr",
                "dateFormat": lang.date_format or None,
                "timeFormat": lang.time_format or None,
                "isDefault": lang.code == current,
            }
            for lang in self.env["res.lang"].search([], order="name")
        ]

    @api.model
    def _face_timezones(self):
        """The common time zones with their offset now, the caller's marked as their default."""
        current = self.env.user.tz
        now = datetime.now(pytz.utc)
        return [
            {"id": zone, "utcOffset": utc_offset(zone, now), "isDefault": zone == current}
            for zone in pytz.common_timezones
        ]

    @api.model
    def _face_preferences(self):
        """The caller's language, time zone and display preferences."""
        user = self.env.user
        stored = dict(DEFAULT_DISPLAY, **(user.face_ui_preferences or {}))
        return {
            "language": user.lang or "en_US",
            "timezone": user.tz or None,
            "theme": stored["theme"],
            "gridMode": stored["gridMode"],
            "autoRotate": stored["autoRotate"],
            "preferences": stored.get("preferences") or {},
            "updatedAt": stored.get("updatedAt"),
        }

    @api.model
    def _face_update_preferences(self, body):
        """Change the caller's own preferences given in ``body`` (language, timezone, theme,
        gridMode, autoRotate, preferences), logged; the preferences as they are then."""
        user = self.env.user
        vals = {}
        language = expect(body, "language", str, 16)
        if language is not None:
            if not self.env["res.lang"].search_count([("code", "=", language)]):
                raise OpsInputError(
                    "language must be an installed language code (GET /i18n/languages).", field="language"
                )
            vals["lang"] = language
        timezone = expect(body, "timezone", str, 64)
        if timezone is not None:
            if timezone not in pytz.all_timezones_set:
                raise OpsInputError("timezone must be an IANA time zone (GET /settings/timezones).", field="timezone")
            vals["tz"] = timezone
        display = dict(user.face_ui_preferences or {})
        theme = expect(body, "theme", str)
        if theme is not None:
            if theme not in THEMES:
                raise OpsInputError("theme must be one of %s." % ", ".join(THEMES), field="theme")
            display["theme"] = theme
        grid = expect(body, "gridMode", str, 3)
        if grid is not None:
            if len(grid) != 3 or grid[1] != "x" or grid[0] not in "123456" or grid[2] not in "123456":
                raise OpsInputError("gridMode is columns x rows, each 1 to 6, e.g. 3x3.", field="gridMode")
            display["gridMode"] = grid
        auto_rotate = expect(body, "autoRotate", bool)
        if auto_rotate is not None:
            display["autoRotate"] = auto_rotate
        if "preferences" in body and body["preferences"] is not None:
            if not isinstance(body["preferences"], dict):
                raise OpsInputError("preferences must be a JSON object.", field="preferences")
            display["preferences"] = body["preferences"]
        display["updatedAt"] = fields.Datetime.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        vals["face_ui_preferences"] = display
        # A user may write these fields of their own record (SELF_WRITEABLE_FIELDS): no sudo here.
        user.write(vals)
        audit(
            self.env,
            "preferences.update",
            "res.users,%d" % user.id,
            "Preferences changed: %s" % ", ".join(sorted(body)),
        )
        return self._face_preferences()
