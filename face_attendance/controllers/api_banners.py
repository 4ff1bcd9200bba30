"""Banner messages of the key's company: shown on the live monitors during their time window."""

from odoo import fields, http
from odoo.http import request

from ..models.face_alert import SEVERITIES
from ..models.face_banner_message import MAX_BANNER_LENGTH
from ..models.face_recognition_event import EventInputError, parse_timestamp
from ..models.security_groups import MANAGER
from .api_alerts import LEVELS
from .api_common import (
    ApiError,
    api_route,
    audit,
    bad_request,
    bool_param,
    expect,
    iso,
    json_body,
    ok,
    ok_page,
    plan_paging,
)
from .openapi_spec import DATETIME, PLAN_PAGING, json_content, obj, operation, plan_page, query, s

SEVERITY_VALUES = [value for value, _label in SEVERITIES]

BANNER = obj(
    {
        "id": s("integer"),
        "message": s("string"),
        "level": s("string", enum=sorted(set(LEVELS.values()))),
        "severity": s("string", enum=SEVERITY_VALUES),
        "startsAt": DATETIME,
        "endsAt": DATETIME,
        "current": s("boolean", description="Within its time window now"),
        "createdBy": s("string", nullable=True),
        "createdAt": DATETIME,
    }
)


def banner_dict(banner):
    return {
        "id": banner.id,
        "message": banner.message or "",
        "level": LEVELS[banner.severity],
        "severity": banner.severity,
        "startsAt": iso(banner.date_start),
        "endsAt": iso(banner.date_end),
        "current": banner._is_current(),
        # Who wrote a banner of the user's own company: the author's name only.
        "createdBy": banner.sudo().create_uid.name or None,
        "createdAt": iso(banner.create_date),
    }


def _moment(body, name):
    value = expect(body, name, str, 64)
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except EventInputError as error:
        raise bad_request(str(error).replace("timestamp", name), field=name) from None
    except OverflowError:
        # A date at the ends of the calendar whose offset takes it past them.
        raise bad_request("%s is out of range." % name, field=name) from None


class FaceApiBanners(http.Controller):
    @api_route(
        "/services/banner-messages",
        ["GET"],
        scope="alerts:read",
        doc=operation(
            "Banner messages of the key's company",
            "Alerts",
            "alerts:read",
            200,
            BANNER,
            PLAN_PAGING + [query("current", s("boolean", default=True), "Only those shown now (default) or all")],
            ok_content=plan_page(BANNER),
        ),
    )
    def list_banners(self, **params):
        number, size, offset = plan_paging(params)
        Banner = request.env["face.banner.message"]
        domain = Banner._current_domain() if bool_param(params, "current", default=True) else []
        banners = Banner.search(domain, limit=size, offset=offset)
        return ok_page([banner_dict(b) for b in banners], Banner.search_count(domain), number, size)

    @api_route(
        "/services/banner-messages",
        ["POST"],
        scope="alerts:write",
        doc=operation(
            "Post a banner message on the company's live monitors",
            "Alerts",
            "alerts:write",
            201,
            BANNER,
            body=json_content(
                {
                    "type": "object",
                    "required": ["message"],
                    "additionalProperties": False,
                    "properties": {
                        "message": s("string", minLength=1, maxLength=MAX_BANNER_LENGTH),
                        "severity": s("string", enum=SEVERITY_VALUES, default="info"),
                        "startsAt": s("string", description="ISO 8601, UTC if no offset; default now"),
                        "endsAt": s("string", nullable=True, description="ISO 8601; empty: until archived"),
                    },
                }
            ),
            description="Face Attendance managers.",
        ),
    )
    def post_banner(self):
        if not request.env.user.has_group(MANAGER):
            raise ApiError(403, "FORBIDDEN", "Only Face Attendance managers post banner messages.")
        body = json_body(required=("message",), optional=("severity", "startsAt", "endsAt"))
        message = (expect(body, "message", str, MAX_BANNER_LENGTH) or "").strip()
        if not message:
            raise bad_request("message cannot be empty.", field="message")
        severity = expect(body, "severity", str) or "info"
        if severity not in SEVERITY_VALUES:
            raise bad_request("severity must be one of %s." % ", ".join(SEVERITY_VALUES), field="severity")
        start = _moment(body, "startsAt") or fields.Datetime.now()
        end = _moment(body, "endsAt")
        if end and end <= start:
            raise bad_request("endsAt must be after startsAt.", field="endsAt")
        banner = request.env["face.banner.message"].create(
            {"message": message, "severity": severity, "date_start": start, "date_end": end or False}
        )
        audit("banner.create", "face.banner.message,%d" % banner.id, "Banner message posted: %s" % message[:200])
        return ok(banner_dict(banner), status=201)
