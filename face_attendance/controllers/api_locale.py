"""Languages, time zones and the key user's preferences for a frontend's settings, from Odoo: the
installed languages (``res.lang``), the time zones Odoo offers its users (pytz's common ones), and the
user's own language and time zone (Odoo's preferences) with the frontend's display preferences.
The routes parse and serialise; res.users (res_users_locale.py) reads and writes."""

from typing import Annotated, Any, Literal

from pydantic import Field

from odoo import http
from odoo.http import request

from ..models.api_types import Answer, Body
from ..models.res_users import MAX_PREFERENCES_BYTES
from ..models.res_users_locale import THEMES
from .api_common import api_route

Theme = Literal[THEMES]
GridMode = Annotated[str, Field(pattern=r"^[1-6]x[1-6]$", description="Columns x rows, each 1 to 6")]


class Language(Answer):
    code: str = Field(description="Odoo's language code, e.g. en_US")
    isoCode: str | None  # noqa: N815  # the plan's camelCase
    name: str
    direction: Literal["ltr", "rtl"]
    dateFormat: str | None  # noqa: N815
    timeFormat: str | None  # noqa: N815
    isDefault: bool = Field(description="The language of the key's user")  # noqa: N815


class TimeZone(Answer):
    id: str = Field(description="IANA name, e.g. Europe/Brussels")
    utcOffset: str = Field(pattern=r"^[+-]\d{2}:\d{2}$", description="Now, daylight saving included")  # noqa: N815
    isDefault: bool = Field(description="The time zone of the key's user")  # noqa: N815


class Preferences(Answer):
    language: str = Field(description="Odoo's language code of the user, e.g. en_US")
    timezone: str | None = Field(description="IANA name; null: none set (UTC)")
    theme: Theme
    gridMode: GridMode  # noqa: N815
    autoRotate: bool  # noqa: N815
    preferences: dict[str, Any] = Field(description="The frontend's own further preferences")
    updatedAt: str | None  # noqa: N815


class PreferencesChange(Body):
    # Absent: unchanged. res.users checks what only Odoo knows (installed languages, time zones).
    language: Annotated[str, Field(min_length=2, max_length=16)] = None
    timezone: Annotated[str, Field(min_length=1, max_length=64)] = None
    theme: Theme = None
    gridMode: GridMode = None  # noqa: N815
    autoRotate: bool = None  # noqa: N815
    preferences: dict[str, Any] = Field(None, description="At most %d bytes as JSON" % MAX_PREFERENCES_BYTES)


class FaceApiLocale(http.Controller):
    @api_route(
        "/i18n/languages", ["GET"], readonly=True, summary="Installed languages", tag="Settings", answer=list[Language]
    )
    def languages(self):
        return request.env["res.users"]._face_languages()

    @api_route(
        "/settings/timezones", ["GET"], readonly=True, summary="Time zones", tag="Settings", answer=list[TimeZone]
    )
    def timezones(self):
        return request.env["res.users"]._face_timezones()

    @api_route(
        "/settings/preferences",
        ["GET"],
        readonly=True,
        summary="The key user's preferences",
        tag="Settings",
        answer=Preferences,
    )
    def preferences(self):
        return request.env["res.users"]._face_preferences()

    @api_route(
        "/settings/preferences",
        ["PUT"],
        scope="preferences:write",
        summary="Change the key user's preferences (partial)",
        tag="Settings",
        body=PreferencesChange,
        answer=Preferences,
        description="language and timezone are the user's Odoo preferences (also used by Odoo's own "
        "screens and reports); the others are kept for the frontend.",
    )
    def update_preferences(self, body):
        return request.env["res.users"]._face_update_preferences(body.given())
