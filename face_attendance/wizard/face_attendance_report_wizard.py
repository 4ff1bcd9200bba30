import base64
from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.image import image_data_uri, image_process

from ..models.security_groups import MANAGER, USER

# Side of the snapshots' thumbnails on the attendance sheet, in pixels.
SHEET_THUMBNAIL = 64


def _check_face_user(wizard):
    if not wizard.env.user.has_group(USER):
        raise AccessError(wizard.env._("Only Face Attendance users open attendance reports."))
    wizard.check_access("read")


class FaceDailySummaryWizard(models.TransientModel):
    """The daily summary screen: the same figures as GET /api/v1/reports/daily-summary/{date}."""

    _name = "face.daily.summary.wizard"
    _description = "Daily attendance summary"

    date = fields.Date(required=True, default=fields.Date.context_today)
    department_id = fields.Many2one("hr.department")
    total_persons = fields.Integer(compute="_compute_summary")
    present_count = fields.Integer(string="Present", compute="_compute_summary")
    late_count = fields.Integer(string="Late", compute="_compute_summary")
    absent_count = fields.Integer(string="Absent", compute="_compute_summary")
    open_count = fields.Integer(string="Still in", compute="_compute_summary")
    avg_duration_hours = fields.Float(string="Average hours", compute="_compute_summary")
    earliest_checkin = fields.Datetime(compute="_compute_summary")
    latest_checkout = fields.Datetime(compute="_compute_summary")
    details = fields.Html(compute="_compute_summary", sanitize=True)

    @api.depends("date", "department_id")
    def _compute_summary(self):
        Summary = self.env["face.attendance.daily.summary"]
        for wizard in self:
            data = Summary._summarize(wizard.date or fields.Date.context_today(wizard), wizard.department_id.id or None)
            wizard.update(
                {
                    key: data[key]
                    for key in (
                        "total_persons",
                        "present_count",
                        "late_count",
                        "absent_count",
                        "open_count",
                        "avg_duration_hours",
                    )
                }
            )
            wizard.earliest_checkin = data["earliest_checkin"]
            wizard.latest_checkout = data["latest_checkout"]
            wizard.details = self.env["ir.qweb"]._render("face_attendance.daily_summary_details", {"data": data})

    def action_attendances(self):
        self.ensure_one()
        _check_face_user(self)
        action = self.env["ir.actions.act_window"]._for_xml_id("face_attendance.hr_attendance_face_action")
        action["domain"] = [("face_date", "=", self.date)] + (
            [("employee_id.department_id", "child_of", self.department_id.id)] if self.department_id else []
        )
        return action


class FaceAttendanceSheetWizard(models.TransientModel):
    """Attendance sheet for a period and a department: PDF (QWeb) or CSV."""

    _name = "face.attendance.sheet.wizard"
    _description = "Attendance sheet"

    date_from = fields.Date(required=True, default=lambda self: fields.Date.context_today(self).replace(day=1))
    date_to = fields.Date(required=True, default=fields.Date.context_today)
    department_id = fields.Many2one("hr.department")

    def _check_period(self):
        self.ensure_one()
        _check_face_user(self)
        if self.date_to < self.date_from:
            raise UserError(self.env._("The period ends before it starts."))

    def _domain(self):
        domain = [("face_date", ">=", self.date_from), ("face_date", "<=", self.date_to)]
        if self.department_id:
            domain.append(("employee_id.department_id", "child_of", self.department_id.id))
        return domain

    def action_print(self):
        self._check_period()
        return self.env.ref("face_attendance.action_report_attendance_sheet").report_action(self)

    def action_export_csv(self):
        self._check_period()
        query = "start_date=%s&end_date=%s" % (self.date_from, self.date_to)
        if self.department_id:
            query += "&department_id=%d" % self.department_id.id
        return {"type": "ir.actions.act_url", "url": "/face_attendance/attendance.csv?" + query, "target": "self"}

    def _sheet(self):
        """Rows per employee for the PDF: local times, worked hours, totals, and the day's figures
        (late, left early, no check-out: ``attendance_replay``'s one definition)."""
        self._check_period()
        attendances = self.env["hr.attendance"].search(self._domain(), order="employee_id, check_in")
        Event = self.env["face.recognition.event"]
        photos = self._sheet_photos(attendances)
        verdicts = self.env["face.attendance.figures"]._day_verdicts(
            {(a.employee_id.sudo(), a.face_date) for a in attendances}
        )
        people = []
        # The persons of the attendances the reader may read, named as superuser: a Face Attendance user
        # who is no HR officer reads employees through their public profile, which lacks the person ID.
        for employee in attendances.employee_id.sudo().sorted("name"):
            tz = Event._employee_tz(employee)
            rows = []
            for attendance in attendances.filtered(lambda a, employee=employee: a.employee_id == employee):
                check_in = pytz.utc.localize(attendance.check_in).astimezone(tz)
                check_out = attendance.check_out and pytz.utc.localize(attendance.check_out).astimezone(tz)
                verdict = verdicts.get((employee.id, attendance.face_date))
                # The day's first check-in carries its lateness, its last check-out leaving early.
                first = verdict and verdict.check_in == attendance.check_in
                last = verdict and attendance.check_out and verdict.check_out == attendance.check_out
                rows.append(
                    {
                        "date": attendance.face_date,
                        "check_in": check_in.strftime("%H:%M"),
                        "check_out": check_out.strftime("%H:%M") if check_out else "",
                        "hours": attendance.worked_hours,
                        "source": dict(attendance._fields["in_mode"].selection).get(attendance.in_mode),
                        "auto_closed": attendance.face_auto_closed,
                        "late_minutes": verdict.late_minutes if first and verdict.late else None,
                        "early_minutes": verdict.early_minutes if last and verdict.early else None,
                        "no_check_out": bool(
                            verdict
                            and verdict.missing_check_out
                            and (attendance.face_auto_closed or not attendance.check_out)
                        ),
                        "photo_in": photos.get(attendance.face_in_event_id.id),
                        "photo_out": photos.get(attendance.face_out_event_id.id),
                    }
                )
            people.append(
                {
                    "employee": employee,
                    # Through the public profile: Odoo 19 keeps an employee's department on their contract
                    # version, which a Face Attendance user (no HR officer) may not read.
                    "department": self.env["hr.employee.public"].browse(employee.id).department_id.name or "",
                    "tz": tz.zone,
                    "rows": rows,
                    "days": len({r["date"] for r in rows}),
                    "total": sum(r["hours"] for r in rows),
                }
            )
        return people

    def _show_photos(self):
        """Snapshots are biometric data: only a Face Attendance manager's sheet shows them."""
        return self.env.user.has_group(MANAGER)

    def _sheet_photos(self, attendances):
        """{event id: thumbnail data URI} of the attendances' check-in and check-out snapshots, read
        with the printing user's rights; empty for anybody but a manager."""
        if not self._show_photos():
            return {}
        events = (attendances.face_in_event_id | attendances.face_out_event_id)._filtered_access("read")
        events = events.filtered("has_snapshot")
        thumbnails = {}
        for event in events:
            if not event.snapshot:
                continue
            try:
                data = image_process(
                    base64.b64decode(event.snapshot), size=(SHEET_THUMBNAIL, SHEET_THUMBNAIL), quality=80
                )
            except (UserError, ValueError, TypeError):
                continue  # a snapshot that is not a readable image is left out, not the sheet
            if data:
                thumbnails[event.id] = image_data_uri(base64.b64encode(data))
        return thumbnails


class ReportAttendanceSheet(models.AbstractModel):
    _name = "report.face_attendance.report_attendance_sheet"
    _description = "Attendance sheet report"

    @api.model
    def _get_report_values(self, docids, data=None):
        wizards = self.env["face.attendance.sheet.wizard"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "face.attendance.sheet.wizard",
            "docs": wizards,
            "sheets": {wizard.id: wizard._sheet() for wizard in wizards},
            "show_photos": wizards._show_photos(),
            "timedelta": timedelta,
        }
