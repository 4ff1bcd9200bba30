from typing import Literal

from pydantic import Field

from odoo import http
from odoo.http import request

from ..models.api_types import Answer, DateTime, Day, Id, Query
from .api_common import api_route, iso

PROBLEMS = Literal["late", "earlyDeparture", "missingCheckout", "absent"]


class ShiftCounts(Answer):
    scheduled: int = Field(description="Persons whose shift starts that day, not entirely on leave")
    present: int
    onTime: int  # noqa: N815  # the plan's camelCase
    lateArrivals: int  # noqa: N815
    earlyDepartures: int  # noqa: N815
    missingCheckouts: int  # noqa: N815
    absent: int = Field(description="Shift started, nobody came")
    onLeave: int = Field(description="Shift entirely on leave (public holiday, time off)")  # noqa: N815
    upcoming: int = Field(description="Shift not started yet, not come yet")
    flexible: int = Field(description="Flexible hours: not judged")
    offSchedule: int = Field(description="Came on a day off")  # noqa: N815
    compliance: float | None = Field(
        description="Percent of the judged persons (scheduled minus upcoming) on time, not early, checked out"
    )


class ShiftFigures(ShiftCounts):
    shiftId: int | None = Field(description="The calendar; null: employees without working hours")  # noqa: N815
    name: str
    timezone: str | None
    flexibleHours: bool  # noqa: N815
    startTime: str | None = Field(description="HH:MM in the calendar's time zone; null on a day off")  # noqa: N815
    endTime: str | None  # noqa: N815
    nightShift: bool = Field(description="Ends the next day")  # noqa: N815
    dayOff: bool  # noqa: N815


class ShiftIssue(Answer):
    personId: str | None  # noqa: N815
    employeeId: int  # noqa: N815
    name: str
    department: str | None
    shiftId: int | None  # noqa: N815
    shift: str | None
    problems: list[PROBLEMS]
    expectedStart: DateTime  # noqa: N815
    expectedEnd: DateTime  # noqa: N815
    checkIn: DateTime  # noqa: N815
    checkOut: DateTime  # noqa: N815
    minutesLate: int  # noqa: N815
    minutesEarly: int  # noqa: N815


class Compliance(ShiftCounts):
    date: str
    lateGraceMinutes: int  # noqa: N815
    byShift: list[ShiftFigures]  # noqa: N815
    issues: list[ShiftIssue] = Field(None, description="Only in the daily summary")


class PersonRef(Answer):
    person_id: str | None
    name: str
    department: str | None


class LatePerson(PersonRef):
    check_in: DateTime
    minutes_late: int


class DailySummary(Answer):
    date: str
    total_persons: int
    present_count: int
    late_count: int
    absent_count: int
    avg_duration_hours: float
    earliest_checkin: DateTime
    latest_checkout: DateTime
    open_count: int
    work_start_hour: float
    late_grace_minutes: int
    late: list[LatePerson]
    absent: list[PersonRef]
    shift_compliance: Compliance


class SummaryQuery(Query):
    department_id: Id = None


class DailyQuery(SummaryQuery):
    date: Day


class SummaryPath(Query):
    day: Day


def summary_dict(summary):
    return dict(
        summary,
        earliest_checkin=iso(summary["earliest_checkin"]),
        latest_checkout=iso(summary["latest_checkout"]),
        late=[dict(item, check_in=iso(item["check_in"])) for item in summary["late"]],
    )


def _summary(day, department_id):
    return summary_dict(request.env["face.attendance.daily.summary"]._summarize(day, department_id=department_id))


class FaceApiReports(http.Controller):
    @api_route(
        "/reports/daily-summary/<string:day>",
        ["GET"],
        readonly=True,
        scope="report:read",
        summary="Daily summary",
        tag="Reports",
        path_model=SummaryPath,
        query=SummaryQuery,
        answer=DailySummary,
    )
    def daily_summary(self, day, query):
        return _summary(day, query.department_id)

    @api_route(
        "/reports/daily",
        ["GET"],
        readonly=True,
        scope="report:read",
        summary="Daily summary",
        tag="Reports",
        query=DailyQuery,
        answer=DailySummary,
    )
    def daily(self, query):
        return _summary(query.date, query.department_id)
