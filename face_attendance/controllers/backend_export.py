from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from .api_attendance import attendance_csv, attendance_domain


class FaceAttendanceBackendExport(http.Controller):
    """CSV download for HR staff in the backend (their session, their rights), same rows as the API."""

    @http.route("/face_attendance/attendance.csv", type="http", auth="user", methods=["GET"])
    def download_attendance_csv(self, **params):
        try:
            domain = attendance_domain(params)
        except Exception as error:  # the API's validation errors carry the reason
            raise UserError(getattr(error, "message", str(error))) from None
        if params.get("department_id"):
            domain.append(("employee_id.department_id", "child_of", int(params["department_id"])))
        records = request.env["hr.attendance"].search(domain, order="check_in, id")
        filename = "attendance-%s-%s.csv" % (params.get("start_date") or "all", params.get("end_date") or "all")
        return request.make_response(
            attendance_csv(records),
            headers=[
                ("Content-Type", "text/csv; charset=utf-8"),
                ("Content-Disposition", 'attachment; filename="%s"' % filename),
            ],
        )
