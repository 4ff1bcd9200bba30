"""Languages, time zones and the key user's preferences for a frontend's settings, from Odoo: the
installed languages (``res.lang``), the time zones Odoo offers its users (pytz's common ones), and the
user's own language and time zone (Odoo's preferences) with the frontend's display preferences.
The routes parse and serialise; res.users (res_users_locale.py) reads and writes."""

from odoo import http
from odoo.http import request

from ..models.res_users import MAX_PREFERENCES_BYTES
from ..models.res_users_locale import THEMES
from .api_common import api_route, json_body, ok
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


class FaceApiLocale(http.Controller):
    @api_route(
        "/i18n/languages",
        ["GET"],
        doc=operation("Installed languages", "Settings", None, 200, s("array", items=LANGUAGE), public=False),
    )
    def languages(self):
        return ok(request.env["res.users"]._face_languages())

    @api_route(
        "/settings/timezones",
        ["GET"],
        doc=operation("Time zones", "Settings", None, 200, s("array", items=TIMEZONE), public=False),
    )
    def timezones(self):
        return ok(request.env["res.users"]._face_timezones())

    @api_route(
        "/settings/preferences",
        ["GET"],
        doc=operation("The key user's preferences", "Settings", None, 200, PREFERENCES, public=False),
    )
    def preferences(self):
        return ok(request.env["res.users"]._face_preferences())

    @api_route(
        "/settings/preferences",
        ["PUT"],
        scope="preferences:write",
        doc=operation(
            "Change the key user's preferences (partial)",
            "Settings",
            "preferences:write",
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
        return ok(request.env["res.users"]._face_update_preferences(body))
