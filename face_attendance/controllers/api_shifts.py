"""GET /shifts: the employees' working-hours calendars as shift schedules, with a day's compliance."""

from odoo import http
from odoo.http import request

from .api_attendance import day_param, user_today
from .api_common import api_route, bad_request, ok_page, plan_paging
from .openapi_spec import DATE, DATETIME, PLAN_PAGING, obj, operation, plan_page, query, s

SEARCH = s("string", maxLength=256)
_COUNTS = {
    "scheduled": s("integer", description="Persons whose shift starts that day, not entirely on leave"),
    "present": s("integer"),
    "onTime": s("integer"),
    "lateArrivals": s("integer"),
    "earlyDepartures": s("integer"),
    "missingCheckouts": s("integer"),
    "absent": s("integer", description="Shift started, nobody came"),
    "onLeave": s("integer", description="Shift entirely on leave (public holiday, time off)"),
    "upcoming": s("integer", description="Shift not started yet, not come yet"),
    "flexible": s("integer", description="Flexible hours: not judged"),
    "offSchedule": s("integer", description="Came on a day off"),
    "compliance": s(
        "number",
        nullable=True,
        description="Percent of the judged persons (scheduled minus upcoming) on time, not early, checked out",
    ),
}
SHIFT_FIGURES = obj(
    dict(
        _COUNTS,
        shiftId=s("integer", nullable=True, description="The calendar; null: employees without working hours"),
        name=s("string"),
        timezone=s("string", nullable=True),
        flexibleHours=s("boolean"),
        startTime=s("string", nullable=True, description="HH:MM in the calendar's time zone; null on a day off"),
        endTime=s("string", nullable=True),
        nightShift=s("boolean", description="Ends the next day"),
        dayOff=s("boolean"),
    )
)
ISSUE = obj(
    {
        "personId": s("string", nullable=True),
        "employeeId": s("integer"),
        "name": s("string"),
        "department": s("string", nullable=True),
        "shiftId": s("integer", nullable=True),
        "shift": s("string", nullable=True),
        "problems": s("array", items=s("string", enum=["late", "earlyDeparture", "missingCheckout", "absent"])),
        "expectedStart": DATETIME,
        "expectedEnd": DATETIME,
        "checkIn": DATETIME,
        "checkOut": DATETIME,
        "minutesLate": s("integer"),
        "minutesEarly": s("integer"),
    }
)
# What face.shift._compliance answers: the daily summary and the system summary share it.
COMPLIANCE = obj(
    dict(
        _COUNTS,
        date=DATE,
        lateGraceMinutes=s("integer"),
        byShift=s("array", items=SHIFT_FIGURES),
        issues=s("array", items=ISSUE, description="Only in the daily summary"),
    ),
    required=list(_COUNTS) + ["date", "lateGraceMinutes", "byShift"],
)
PERIOD = obj({"start": s("string"), "end": s("string")})
SHIFT = {
    "allOf": [
        SHIFT_FIGURES,
        obj(
            {
                "id": s("integer"),
                "date": DATE,
                "hoursPerDay": s("number"),
                "twoWeeks": s("boolean"),
                "location": s("string", nullable=True, description="The calendar's company"),
                "employeeCount": s("integer"),
                "expectedHeadcount": s("integer"),
                "schedule": s(
                    "array",
                    items=obj(
                        {
                            "dayOfWeek": s("integer", minimum=0, maximum=6, description="0 is Monday"),
                            "day": s("string"),
                            "weekType": s("integer", nullable=True, description="Two-week calendars: 0 or 1"),
                            "start": s("string"),
                            "end": s("string"),
                            "periods": s("array", items=PERIOD),
                        }
                    ),
                ),
            }
        ),
    ]
}


class FaceApiShifts(http.Controller):
    @api_route(
        "/shifts",
        ["GET"],
        scope="report:read",
        doc=operation(
            "Shifts: the working-hours calendars and a day's compliance",
            "Shifts",
            "report:read",
            200,
            None,
            PLAN_PAGING
            + [
                query("date", DATE, "The day whose shifts and compliance are shown; default today (key user's zone)"),
                query("search", SEARCH, "Part of the calendar's name"),
            ],
            ok_content=plan_page(SHIFT),
            description="Every working-hours calendar of the readable employees (and the company's default) "
            "with its week and the figures of the shifts starting on `date`, each person judged in their own "
            "time zone; late and early use the late grace minutes setting.",
        ),
    )
    def shifts(self, **params):
        number, size, offset = plan_paging(params)
        # Bounded like the attendance views' days: the calendar's ends overflow the shift arithmetic.
        day = day_param(params, "date") or user_today()
        search = params.get("search") or None
        if search and len(search) > 256:
            raise bad_request("search is longer than 256 characters.", field="search")
        rows = request.env["face.shift"]._shifts(day, search=search)
        return ok_page(rows[offset : offset + size], len(rows), number, size)
