from odoo import http
from odoo.http import request

from .api_attendance import parse_day
from .api_common import api_route, bad_request, iso, ok
from .api_shifts import COMPLIANCE
from .openapi_spec import DATE, INT32, obj, operation, query, ref

# Today's summary, plus how the shifts of the working-hours calendars were kept.
SUMMARY = {"allOf": [ref("DailySummary"), obj({"shift_compliance": COMPLIANCE})]}


def summary_dict(summary):
    return dict(
        summary,
        earliest_checkin=iso(summary["earliest_checkin"]),
        latest_checkout=iso(summary["latest_checkout"]),
        late=[dict(item, check_in=iso(item["check_in"])) for item in summary["late"]],
    )


class FaceApiReports(http.Controller):
    def _summary(self, day_text, params):
        day = parse_day(day_text, "date")
        department_id = None
        if params.get("department_id"):
            try:
                department_id = int(params["department_id"])
            except ValueError:
                raise bad_request("department_id must be an integer.", field="department_id") from None
        summary = request.env["face.attendance.daily.summary"]._summarize(day, department_id=department_id)
        return ok(summary_dict(summary))

    @api_route(
        "/reports/daily-summary/<string:day>",
        ["GET"],
        path_params={"day": DATE},
        scope="report:read",
        doc=operation("Daily summary", "Reports", "report:read", 200, SUMMARY, [query("department_id", INT32)]),
    )
    def daily_summary(self, day, **params):
        return self._summary(day, params)

    @api_route(
        "/reports/daily",
        ["GET"],
        scope="report:read",
        doc=operation(
            "Daily summary",
            "Reports",
            "report:read",
            200,
            SUMMARY,
            [query("date", DATE, required=True), query("department_id", INT32)],
        ),
    )
    def daily(self, **params):
        if not params.get("date"):
            raise bad_request("date is required, as YYYY-MM-DD.", field="date")
        return self._summary(params["date"], params)
