"""Banner messages of the key's company: shown on the live monitors during their time window."""

from odoo import http
from odoo.http import request

from ..models.face_alert import SEVERITIES
from ..models.face_banner_message import MAX_BANNER_LENGTH
from .api_alerts import LEVELS
from .api_common import api_route, bool_param, json_body, ok, ok_page, plan_paging
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
    return banner._api_dict()


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
        current = bool_param(params, "current", default=True)
        banners, total = request.env["face.banner.message"]._api_search(current, size, offset)
        return ok_page([banner_dict(b) for b in banners], total, number, size)

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
        Banner = request.env["face.banner.message"]
        Banner._api_check_poster()  # before the body: a refused caller learns nothing of its checks
        body = json_body(required=("message",), optional=("severity", "startsAt", "endsAt"))
        return ok(banner_dict(Banner._api_post(body)), status=201)
