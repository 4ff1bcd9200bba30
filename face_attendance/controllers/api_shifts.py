"""GET /shifts: the employees' working-hours calendars as shift schedules, with a day's compliance."""

from typing import Annotated

from pydantic import Field

from odoo import http
from odoo.http import request

from ..models.api_types import Answer, Day, PlanPaging
from .api_attendance import user_today
from .api_common import api_route
from .api_reports import ShiftFigures


class ShiftPeriod(Answer):
    start: str
    end: str


class ShiftDay(Answer):
    dayOfWeek: int = Field(ge=0, le=6, description="0 is Monday")  # noqa: N815  # the plan's camelCase
    day: str
    weekType: int | None = Field(description="Two-week calendars: 0 or 1")  # noqa: N815
    start: str
    end: str
    periods: list[ShiftPeriod]


class Shift(ShiftFigures):
    """A calendar's day: the compliance report's row of that calendar, and its schedule."""

    id: int
    date: str = Field(description="YYYY-MM-DD")
    hoursPerDay: float  # noqa: N815
    twoWeeks: bool  # noqa: N815
    location: str | None = Field(description="The calendar's company")
    employeeCount: int  # noqa: N815
    expectedHeadcount: int  # noqa: N815
    schedule: list[ShiftDay]


class ShiftQuery(PlanPaging):
    # Bounded like the attendance views' days: the calendar's ends overflow the shift arithmetic.
    date: Day = Field(
        None, description="The day whose shifts and compliance are shown; default today (key user's zone)"
    )
    search: Annotated[str, Field(max_length=256)] = Field(None, description="Part of the calendar's name")


class FaceApiShifts(http.Controller):
    @api_route(
        "/shifts",
        ["GET"],
        readonly=True,
        scope="report:read",
        summary="Shifts: the working-hours calendars and a day's compliance",
        tag="Shifts",
        query=ShiftQuery,
        answer=Shift,
        paged=True,
        description="Every working-hours calendar of the readable employees (and the company's default) "
        "with its week and the figures of the shifts starting on `date`, each person judged in their own "
        "time zone; late and early use the late grace minutes setting.",
    )
    def shifts(self, query):
        return request.env["face.shift"]._api_shifts(
            query.date or user_today(), query.search, query.pageSize, query.offset
        )
