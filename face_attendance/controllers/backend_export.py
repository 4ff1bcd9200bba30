from odoo import http
from odoo.exceptions import MissingError, UserError, ValidationError
from odoo.http import request


class FaceAttendanceBackendExport(http.Controller):
    """CSV download for HR staff in the backend (their session, their rights), same rows as the API."""

    @http.route("/face_attendance/attendance.csv", type="http", auth="user", methods=["GET"])
    def download_attendance_csv(self, **params):
        filters = {name: params.get(name) or None for name in ("start_date", "end_date", "person_id")}
        filters["department_id"] = params.get("department_id") or None
        try:
            body = request.env["face.attendance.figures"].attendance_csv(filters)
        except (ValidationError, MissingError) as error:  # the reason, as the API gives it
            raise UserError(str(error.args[0] if error.args else error)) from None
        filename = "attendance-%s-%s.csv" % (params.get("start_date") or "all", params.get("end_date") or "all")
        return request.make_response(
            body,
            headers=[
                ("Content-Type", "text/csv; charset=utf-8"),
                ("Content-Disposition", 'attachment; filename="%s"' % filename),
            ],
        )
