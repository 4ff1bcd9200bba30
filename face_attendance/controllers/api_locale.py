"""Languages, time zones and the key user's preferences for a frontend's settings, from Odoo: the
installed languages (``res.lang``), the time zones Odoo offers its users (pytz's common ones), and the
user's own language and time zone (Odoo's preferences) with the frontend's display preferences."""

from datetime import datetime

import pytz

from odoo import fields, http
from odoo.http import request

from ..models.res_users import MAX_PREFERENCES_BYTES
from .api_common import api_route, audit, bad_request, expect, json_body, ok
from .openapi_spec import json_content, obj, operation, s

LANGUAGE = obj(
    {
        "code": s("string", description="Odoo's language code, e.g. en_US"),
        "isoCode": s("string", nullable=True),
        "name": s("string"),
        "direction": s("string", enum=["ltr", "rtl"]),
        "dateFormat": s("string", nullable=True),
        "timeFormat": s("string", nullable=True),
        "isDefault": s("boolean", description="The language of the key's user"),
    }
)
TIMEZONE = obj(
    {
        "id": s("string", description="IANA name, e.g. Europe/Brussels"),
        "utcOffset": s("string", pattern=r"^[+-]\d{2}:\d{2}$", description="Now, daylight saving included"),
        "isDefault": s("boolean", description="The time zone of the key's user"),
    }
)

THEMES = ("dark", "light", "system")
DEFAULT_DISPLAY = {"theme": "dark", "gridMode": "3x3", "autoRotate": True}
PREFERENCES = obj(
    {
        "language": s("string", description="Odoo's language code of the user, e.g. en_US"),
        "timezone": s("string", nullable=True, description="IANA name; null: none set (UTC)"),
        "theme": s("string", enum=list(THEMES)),
        "gridMode": s("string", pattern=r"^[1-6]x[1-6]$"),
        "autoRotate": s("boolean"),
        "preferences": s("object", description="The frontend's own further preferences"),
        "updatedAt": s("string", nullable=True),
    }
)
PREFERENCES_WRITE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "language": s("string", minLength=2, maxLength=16),
        "timezone": s("string", minLength=1, maxLength=64),
        "theme": s("string", enum=list(THEMES)),
        "gridMode": s("string", pattern=r"^[1-6]x[1-6]$"),
        "autoRotate": s("boolean"),
        "preferences": s("object", description="At most %d bytes as JSON" % MAX_PREFERENCES_BYTES),
    },
}


def _preferences(user):
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


def _offset(zone, now):
    minutes = int(now.astimezone(pytz.timezone(zone)).utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return "%s%02d:%02d" % (sign, abs(minutes) // 60, abs(minutes) % 60)


class FaceApiLocale(http.Controller):
    @api_route(
        "/i18n/languages",
        ["GET"],
        doc=operation("Installed languages", "Settings", None, 200, s("array", items=LANGUAGE), public=False),
    )
    def languages(self):
        current = request.env.user.lang
        return ok(
            [
                {
                    "code": lang.code,
                    "isoCode": lang.iso_code or None,
                    "name": lang.name,
                    "direction": lang.direction or "ltr",
                    "dateFormat": lang.date_format or None,
                    "timeFormat": lang.time_format or None,
                    "isDefault": lang.code == current,
                }
                for lang in request.env["res.lang"].search([], order="name")
            ]
        )

    @api_route(
        "/settings/timezones",
        ["GET"],
        doc=operation("Time zones", "Settings", None, 200, s("array", items=TIMEZONE), public=False),
    )
    def timezones(self):
        current = request.env.user.tz
        now = datetime.now(pytz.utc)
        return ok(
            [
                {"id": zone, "utcOffset": _offset(zone, now), "isDefault": zone == current}
                for zone in pytz.common_timezones
            ]
        )

    @api_route(
        "/settings/preferences",
        ["GET"],
        doc=operation("The key user's preferences", "Settings", None, 200, PREFERENCES, public=False),
    )
    def preferences(self):
        return ok(_preferences(request.env.user))

    @api_route(
        "/settings/preferences",
        ["PUT"],
        doc=operation(
            "Change the key user's preferences (partial)",
            "Settings",
            None,
            200,
            PREFERENCES,
            body=json_content(PREFERENCES_WRITE),
            description="language and timezone are the user's Odoo preferences (also used by Odoo's own "
            "screens and reports); the others are kept for the frontend.",
            public=False,
        ),
    )
    def update_preferences(self):
        body = json_body(optional=("language", "timezone", "theme", "gridMode", "autoRotate", "preferences"))
        user = request.env.user
        vals = {}
        language = expect(body, "language", str, 16)
        if language is not None:
            if not request.env["res.lang"].search_count([("code", "=", language)]):
                raise bad_request(
                    "language must be an installed language code (GET /i18n/languages).", field="language"
                )
            vals["lang"] = language
        timezone = expect(body, "timezone", str, 64)
        if timezone is not None:
            if timezone not in pytz.all_timezones_set:
                raise bad_request("timezone must be an IANA time zone (GET /settings/timezones).", field="timezone")
            vals["tz"] = timezone
        display = dict(user.face_ui_preferences or {})
        theme = expect(body, "theme", str)
        if theme is not None:
            if theme not in THEMES:
                raise bad_request("theme must be one of %s." % ", ".join(THEMES), field="theme")
            display["theme"] = theme
        grid = expect(body, "gridMode", str, 3)
        if grid is not None:
            if len(grid) != 3 or grid[1] != "x" or grid[0] not in "123456" or grid[2] not in "123456":
                raise bad_request("gridMode is columns x rows, each 1 to 6, e.g. 3x3.", field="gridMode")
            display["gridMode"] = grid
        auto_rotate = expect(body, "autoRotate", bool)
        if auto_rotate is not None:
            display["autoRotate"] = auto_rotate
        if "preferences" in body and body["preferences"] is not None:
            if not isinstance(body["preferences"], dict):
                raise bad_request("preferences must be a JSON object.", field="preferences")
            display["preferences"] = body["preferences"]
        display["updatedAt"] = fields.Datetime.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        vals["face_ui_preferences"] = display
        # A user may write these fields of their own record (SELF_WRITEABLE_FIELDS): no sudo here.
        user.write(vals)
        audit("preferences.update", "res.users,%d" % user.id, "Preferences changed: %s" % ", ".join(sorted(body)))
        return ok(_preferences(user))
