"""Banner messages of the key's company: shown on the live monitors during their time window."""

from typing import Annotated

from pydantic import Field, WithJsonSchema

from odoo import http
from odoo.http import request

from ..models.api_types import MOMENT_SCHEMA, Answer, Body, DateTime, PlanPaging
from ..models.face_banner_message import MAX_BANNER_LENGTH
from .api_alerts import Level, Severity
from .api_common import api_route

# Times stay text here: face.banner.message reads them (range, order) as its XML-RPC callers send them.
BannerMoment = Annotated[str, Field(max_length=64), WithJsonSchema(MOMENT_SCHEMA)]


class Banner(Answer):
    id: int
    message: str
    level: Level
    severity: Severity
    startsAt: DateTime  # noqa: N815  # the plan's camelCase
    endsAt: DateTime  # noqa: N815
    current: bool = Field(description="Within its time window now")
    createdBy: str | None  # noqa: N815
    createdAt: DateTime  # noqa: N815


class BannerQuery(PlanPaging):
    current: bool = Field(True, description="Only those shown now (default) or all")


class BannerPost(Body):
    message: Annotated[str, Field(min_length=1, max_length=MAX_BANNER_LENGTH)]
    severity: Severity = "info"
    startsAt: BannerMoment = Field(None, description="ISO 8601, UTC if no offset; default now")  # noqa: N815
    endsAt: BannerMoment | None = Field(None, description="ISO 8601; empty: until archived")  # noqa: N815


def banner_dict(banner):
    return banner._api_dict()


class FaceApiBanners(http.Controller):
    @api_route(
        "/services/banner-messages",
        ["GET"],
        readonly=True,
        scope="alerts:read",
        summary="Banner messages of the key's company",
        tag="Alerts",
        query=BannerQuery,
        answer=Banner,
        paged=True,
    )
    def list_banners(self, query):
        banners, total = request.env["face.banner.message"]._api_search(query.current, query.pageSize, query.offset)
        return [banner_dict(b) for b in banners], total

    @api_route(
        "/services/banner-messages",
        ["POST"],
        scope="alerts:write",
        summary="Post a banner message on the company's live monitors",
        tag="Alerts",
        body=BannerPost,
        answer=Banner,
        status=201,
        description="Face Attendance managers.",
    )
    def post_banner(self, body):
        return banner_dict(request.env["face.banner.message"]._api_post(body.given()))
