"""Languages and time zones for a frontend's settings, from Odoo: the installed languages
(``res.lang``) and the time zones Odoo offers its users (pytz's common ones)."""

from datetime import datetime

import pytz

from odoo import http
from odoo.http import request

from .api_common import api_route, ok
from .openapi_spec import obj, operation, s

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
