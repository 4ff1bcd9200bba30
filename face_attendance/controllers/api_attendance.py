from datetime import timedelta
from typing import Annotated, Literal

import pytz
from pydantic import Field

from odoo import fields, http
from odoo.http import request

from ..models.api_types import Answer, Body, DateTime, Day, Id, Moment, Paging, PersonId, PlanPaging, Query
from ..models.face_attendance_figures import LOG_STATUSES, MAX_RANGE_DAYS
from ..models.face_recognition_event import EventInputError
from ..models.face_recognition_event import parse_day as parse_calendar_day
from .api_common import api_route, bad_request, unprocessable


def parse_day(value, name):
    try:
        return parse_calendar_day(value)
    except EventInputError as error:
        raise bad_request("%s: %s." % (name, error), field=name) from None


def attendance_dicts(attendances):
    """check_in/check_out: ISO 8601 in UTC ("Z"); date: the working day in the employee's time zone."""
    return request.env["face.attendance.figures"]._attendance_dicts(attendances)


def attendance_dict(attendance):
    return attendance_dicts(attendance)[0]


class AttendanceFilters(Query):
    start_date: Day = Field(None, description="First working day (employee time zone)")
    end_date: Day = Field(None, description="Last working day (employee time zone)")
    person_id: PersonId = None

    def filters(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise unprocessable("end_date is before start_date.", field="end_date")
        return {"start_date": self.start_date, "end_date": self.end_date, "person_id": self.person_id}


class AttendanceListQuery(AttendanceFilters, Paging):
    pass


class ExportBody(Body):
    dateFrom: Day = None  # noqa: N815  # the plan's camelCase
    dateTo: Day = None  # noqa: N815
    employeeId: PersonId = None  # noqa: N815


class MarkBody(Body):
    person_id: PersonId
    marked_by: Literal["manual", "auto"] = "manual"
    notes: Annotated[str, Field(max_length=2000)] = ""
    timestamp: Moment = None


class CheckoutBody(Body):
    notes: Annotated[str, Field(max_length=2000)] = ""


class Attendance(Answer):
    id: int
    person_id: str | None
    person_name: str
    check_in: DateTime
    check_out: DateTime
    date: str | None
    timezone: str
    duration_minutes: float
    worked_hours: float
    status: Literal["checked_in", "checked_out"]
    source: Literal["face", "manual", "card", "kiosk"]
    confidence: float | None
    marked_by: Literal["auto", "manual"]
    camera: str | None
    auto_closed: bool


class AttendancePage(Answer):
    records: list[Attendance]
    total: int
    limit: int
    offset: int


def csv_response(filters):
    body = request.env["face.attendance.figures"].attendance_csv(filters)
    filename = "attendance-%s-%s.csv" % (filters["start_date"] or "all", filters["end_date"] or "all")
    return request.make_response(
        body,
        headers=[
            ("Content-Type", "text/csv; charset=utf-8"),
            ("Content-Disposition", 'attachment; filename="%s"' % filename),
        ],
    )


class FaceApiAttendance(http.Controller):
    @api_route(
        "/attendance",
        ["GET"],
        readonly=True,
        scope="attendance:read",
        summary="Attendance records, newest first",
        tag="Attendance",
        query=AttendanceListQuery,
        answer=AttendancePage,
        description="check_in/check_out are ISO 8601 in UTC (Z); date and the date filters are the "
        "working day in each employee's time zone.",
    )
    def list_attendance(self, query):
        return request.env["face.attendance.figures"].attendance_list(query.filters(), query.limit, query.offset)

    @api_route(
        "/attendance/export",
        ["GET"],
        readonly=True,
        scope="attendance:read",
        summary="CSV of the same filters",
        tag="Attendance",
        query=AttendanceFilters,
        produces="text/csv",
    )
    def export_attendance(self, query):
        """CSV of the list's filters, every matching row, oldest first, written in chunks."""
        return csv_response(query.filters())

    @api_route(
        "/attendance/export",
        ["POST"],
        scope="attendance:read",
        summary="CSV of attendance records (the plan's POST form of the export)",
        tag="Attendance",
        body=ExportBody,
        body_required=False,
        produces="text/csv",
        description="The same CSV as GET /attendance/export, filters in a JSON body.",
    )
    def export_attendance_post(self, body):
        filters = AttendanceFilters.model_construct(
            start_date=body.dateFrom, end_date=body.dateTo, person_id=body.employeeId
        )
        return csv_response(filters.filters())

    @api_route(
        "/attendance/<int:attendance_id>",
        ["GET"],
        readonly=True,
        scope="attendance:read",
        summary="One attendance record",
        tag="Attendance",
        answer=Attendance,
    )
    def get_attendance(self, attendance_id):
        return request.env["face.attendance.figures"].attendance_record(attendance_id)

    @api_route(
        "/attendance/mark",
        ["POST"],
        scope="attendance:write",
        summary="Check a person in",
        tag="Attendance",
        body=MarkBody,
        answer=Attendance,
        status=201,
        extra_errors=["409"],
    )
    def mark(self, body):
        person = request.env["face.attendance.figures"].find_person(body.person_id)
        attendance_id = request.env["hr.attendance"].face_enter_manually(
            person["id"], body.notes, status="checked-in", timestamp=body.timestamp, door="mark"
        )
        return attendance_dict(request.env["hr.attendance"].browse(attendance_id))

    @api_route(
        "/attendance/<int:attendance_id>/checkout",
        ["POST"],
        scope="attendance:write",
        summary="Check out",
        tag="Attendance",
        body=CheckoutBody,
        body_required=False,
        answer=Attendance,
        extra_errors=["409"],
    )
    def checkout(self, attendance_id, body):
        attendance = request.env["hr.attendance"]._face_check_out_now(attendance_id, body.notes)
        return attendance_dict(attendance)


# ------------------------------------------------------------------ the operations frontend's views
class LogItem(Answer):
    id: str = Field(description="ATT-<attendance id>, or EVT-<employee id>-<YYYYMMDD> for a day seen only")
    attendanceId: int | None  # noqa: N815  # the plan's camelCase
    employeeId: str | None = Field(description="The person ID")  # noqa: N815
    personEmployeeId: int  # noqa: N815
    name: str
    departmentId: int | None  # noqa: N815
    department: str | None
    date: str
    timezone: str
    timeIn: str | None = Field(description="HH:MM:SS in the employee's time zone")  # noqa: N815
    timeOut: str | None  # noqa: N815
    checkIn: DateTime  # noqa: N815
    checkOut: DateTime  # noqa: N815
    cameraId: int | None  # noqa: N815
    cameraName: str | None  # noqa: N815
    accuracy: float | None = Field(description="Recognition confidence, percent")
    status: Literal["present", "late", "seen"]
    source: str | None
    odooStatus: Literal[LOG_STATUSES]  # noqa: N815
    odooSyncTime: DateTime  # noqa: N815
    eventCount: int | None  # noqa: N815


class RecordItem(Answer):
    id: int
    personId: str | None  # noqa: N815
    employeeId: int  # noqa: N815
    name: str
    role: str | None
    department: str | None
    status: Literal["on-site"]
    accuracy: float | None
    confidence: float | None
    timestamp: DateTime
    lastSeen: DateTime  # noqa: N815
    cameraId: int | None  # noqa: N815
    cameraName: str | None  # noqa: N815
    thumbnail: str | None = Field(description="Managers only: URL of the last sighting's snapshot")


class Counts(Answer):
    employees: int
    expected: int
    present: int
    late: int
    absent: int
    onSite: int  # noqa: N815
    onLeave: int  # noqa: N815


class EventCounts(Answer):
    total: int
    processed: int
    unknown: int
    rejected: int
    failed: int


class DayFigures(Answer):
    date: str
    present: int
    late: int
    absent: int
    expected: int
    attendanceRate: float  # noqa: N815


class Statistics(Answer):
    dateFrom: str  # noqa: N815
    dateTo: str  # noqa: N815
    days: int
    totalEmployees: int  # noqa: N815
    attendances: int
    faceAttendances: int  # noqa: N815
    manualAttendances: int  # noqa: N815
    presentDays: int  # noqa: N815
    expectedDays: int  # noqa: N815
    absentDays: int  # noqa: N815
    lateDays: int  # noqa: N815
    attendanceRate: float  # noqa: N815
    lateRate: float  # noqa: N815
    averageHours: float  # noqa: N815
    events: EventCounts
    byDay: list[DayFigures]  # noqa: N815


class DepartmentCounts(Counts):
    departmentId: int | None  # noqa: N815
    department: str | None


class Overview(Counts):
    date: str
    checkedOut: int  # noqa: N815
    notExpected: int  # noqa: N815
    attendanceRate: float  # noqa: N815
    detectionsToday: int  # noqa: N815
    unknownFacesToday: int  # noqa: N815
    byDepartment: list[DepartmentCounts]  # noqa: N815


class HourFigures(Answer):
    hour: int = Field(ge=0, le=23, description="Hour of the day in the caller's time zone")
    checkIns: int  # noqa: N815
    checkOuts: int  # noqa: N815


class ShiftStart(Answer):
    time: str = Field(description="HH:MM in the caller's time zone")
    employees: int


class Hourly(Answer):
    date: str
    timezone: str
    hours: list[HourFigures]
    shiftStarts: list[ShiftStart]  # noqa: N815


class PendingEvent(Answer):
    id: int
    eventId: str  # noqa: N815
    kind: Literal["unknown-face", "undecided", "error"]
    timestamp: DateTime
    cameraId: int | None  # noqa: N815
    cameraName: str | None  # noqa: N815
    personId: str | None  # noqa: N815
    name: str | None
    message: str | None


class PendingCounts(Answer):
    openAttendances: int  # noqa: N815
    unknownFaces: int  # noqa: N815
    undecided: int
    errors: int


class Pending(Answer):
    openAttendances: list[RecordItem]  # noqa: N815
    events: list[PendingEvent]
    counts: PendingCounts
    since: DateTime


class Deleted(Answer):
    id: int
    deleted: bool
    rejectedEvents: int  # noqa: N815


def user_today():
    """Today in the calling user's time zone (UTC when they have none)."""
    try:
        tz = pytz.timezone(request.env.user.tz or "UTC")
    except pytz.UnknownTimeZoneError:
        tz = pytz.utc
    return pytz.utc.localize(fields.Datetime.now()).astimezone(tz).date()


class RecordsQuery(Query):
    limit: Annotated[int, Field(ge=1, le=500)] = 50


class PendingQuery(RecordsQuery):
    days: Annotated[int, Field(ge=1, le=366, description="How far back")] = 7


class LogsQuery(PlanPaging):
    search: Annotated[str, Field(max_length=128, description="Name or person ID contains")] = ""
    cameraId: Id = None  # noqa: N815
    dateFrom: Day = Field(None, description="First working day (employee time zone)")  # noqa: N815
    dateTo: Day = Field(None, description="Last working day (employee time zone)")  # noqa: N815
    odooStatus: Literal[LOG_STATUSES] = None  # noqa: N815

    def filters(self):
        if self.dateFrom and self.dateTo and self.dateTo < self.dateFrom:
            raise unprocessable("dateTo is before dateFrom.", field="dateTo")
        return {
            "dateFrom": self.dateFrom,
            "dateTo": self.dateTo,
            "cameraId": self.cameraId,
            "odooStatus": self.odooStatus,
            "search": self.search.strip(),
        }


class StatisticsQuery(Query):
    dateFrom: Day = Field(None, description="Default: 6 days before dateTo")  # noqa: N815
    dateTo: Day = Field(None, description="Default: today (the caller's time zone)")  # noqa: N815
    departmentId: Id = None  # noqa: N815

    def range(self):
        end = self.dateTo or user_today()
        start = self.dateFrom or end - timedelta(days=6)
        if end < start:
            raise unprocessable("dateTo is before dateFrom.", field="dateTo")
        if (end - start).days >= MAX_RANGE_DAYS:
            raise unprocessable("A range is at most %d days." % MAX_RANGE_DAYS, field="dateFrom")
        return start, end


class OverviewQuery(Query):
    date: Day = Field(None, description="Default: today (the caller's time zone)")


class DeleteQuery(Query):
    reason: Annotated[str, Field(min_length=1, max_length=2000, description="Why (required, audited)")]


class ManualBody(Body):
    employeeId: PersonId  # noqa: N815
    cameraId: Id = Field(None, description="Where the person was (kept in the audit and note)")  # noqa: N815
    timestamp: Moment = Field(None, description="ISO 8601; default now")
    checkOut: Moment = Field(None, description="ISO 8601: a closed attendance")  # noqa: N815
    status: Literal["present", "checked-in", "checked-out"] = "present"
    note: Annotated[str, Field(min_length=1, max_length=2000, description="The reason (required)")]


class FaceApiAttendancePlan(http.Controller):
    """Presence and the attendance log as the operations frontend shows them."""

    @api_route(
        "/attendance/records",
        ["GET"],
        readonly=True,
        scope="attendance:read",
        summary="Who is on site now",
        tag="Attendance",
        query=RecordsQuery,
        answer=list[RecordItem],
        description="Open attendances, latest arrival first: timestamp is the check-in, lastSeen/camera "
        "the person's latest sighting since (else the camera that checked them in). thumbnail: managers only.",
    )
    def presence(self, query):
        return request.env["face.attendance.figures"].presence(query.limit)

    @api_route(
        "/attendance/logs",
        ["GET"],
        readonly=True,
        scope="attendance:read",
        summary="The attendance log: Odoo's attendances and the days seen only by cameras",
        tag="Attendance",
        query=LogsQuery,
        answer=LogItem,
        paged=True,
        description="Newest working day first. odooStatus synced: the row is an hr.attendance record "
        "(odooSyncTime: its last change); events-only: a known person was sighted that working day but "
        "no attendance exists for it (marking off, spoof, rejected, an exit with nothing open...): one "
        "row per person and day, timeIn/timeOut their first and last sighting. status: late (the day's "
        "first check-in after the start of the working day plus grace), present, or seen (events-only). "
        "Times are in the employee's time zone.",
    )
    def logs(self, query):
        result = request.env["face.attendance.figures"].logs(query.filters(), query.offset, query.pageSize)
        return result["items"], result["total"]

    @api_route(
        "/attendance/manual",
        ["POST"],
        scope="attendance:write",
        summary="Record an attendance by hand, with the reason",
        tag="Attendance",
        body=ManualBody,
        answer=LogItem,
        status=201,
        extra_errors=["409"],
        description="present / checked-in (default): opens an attendance at timestamp (closed at checkOut "
        "when given); checked-out: closes the person's open attendance at timestamp (409 when none is "
        "open); a camera-made attendance closed so is corrected by HR (pinned): no later sighting moves it. "
        "A check-in is made in manual mode and the person's sightings from then on are decided again with it "
        "by the same rules as the cameras' events (sightings inside its times are absorbed); Odoo's own "
        "constraints apply (422). The same as a create or write in Odoo's screens or over RPC "
        "(hr.attendance.face_enter_manually). The note is posted on the attendance and written to the "
        "audit log with the camera.",
    )
    def manual(self, body):
        person = request.env["face.attendance.figures"].find_person(body.employeeId)
        attendance_id = request.env["hr.attendance"].face_enter_manually(
            person["id"],
            body.note,
            status=body.status,
            timestamp=body.timestamp,
            check_out=body.checkOut,
            camera_id=body.cameraId,
        )
        request.env.flush_all()
        return request.env["face.attendance.figures"].log_entry(attendance_id)

    @api_route(
        "/attendance/<int:attendance_id>",
        ["DELETE"],
        scope="attendance:write",
        summary="Delete an attendance (managers), with the reason",
        tag="Attendance",
        query=DeleteQuery,
        answer=Deleted,
        description="Face Attendance managers only (hr.attendance.action_face_delete, as the backend's "
        "'Delete with the reason'). The sightings inside the deleted times are set aside (rejected, the "
        "message names who deleted it, when and why) and stay as evidence; no sighting, even one arriving "
        "late, makes the attendance again. Audited with the reason and the attendance's times.",
    )
    def delete_attendance(self, attendance_id, query):
        result = request.env["hr.attendance"]._face_delete(attendance_id, query.reason)
        return {"id": attendance_id, "deleted": True, "rejectedEvents": result["rejected_events"]}

    @api_route(
        "/attendance/statistics",
        ["GET"],
        readonly=True,
        scope="attendance:read",
        summary="Attendance figures over a range of working days",
        tag="Attendance",
        query=StatisticsQuery,
        answer=Statistics,
        description="At most %d days. Over the active employees the caller may read: presentDays = "
        "person-days with an attendance; expectedDays = working days of their calendars up to today; "
        "absentDays = expected without attendance; lateDays = first check-in after the start of the day "
        "plus grace; attendanceRate = present on expected days / expected, lateRate = late / present (both "
        "percent). events counts the recognition events sighted in the range (UTC days) by status, as "
        "/detections/events maps them." % MAX_RANGE_DAYS,
    )
    def statistics(self, query):
        start, end = query.range()
        return request.env["face.attendance.figures"].statistics(start, end, query.departmentId)

    @api_route(
        "/attendance/overview",
        ["GET"],
        readonly=True,
        scope="attendance:read",
        summary="Today at a glance",
        tag="Attendance",
        query=OverviewQuery,
        answer=Overview,
        description="Over the active employees the caller may read, for one working day: present, late, "
        "absent (expected by their calendar, no attendance), onSite (an attendance still open), "
        "onLeave (the day's shift entirely on leave and not present: not counted expected nor absent), "
        "checkedOut (present, nothing open), notExpected (a day off and not present); per department too. "
        "detectionsToday/unknownFacesToday: recognition events sighted that UTC day.",
    )
    def overview(self, query):
        return request.env["face.attendance.figures"].overview(query.date or user_today())

    @api_route(
        "/attendance/hourly",
        ["GET"],
        readonly=True,
        scope="attendance:read",
        summary="Arrivals and departures per hour of a day, and the day's shift starts",
        tag="Attendance",
        query=OverviewQuery,
        answer=Hourly,
        description="hours: 24 rows, the check-ins and check-outs of the attendances the caller may read "
        "per hour of `date` in the caller's time zone. shiftStarts: the starts of the shifts of that day "
        "of the active employees the caller may read (in the caller's time zone), with how many start then.",
    )
    def hourly(self, query):
        return request.env["face.attendance.figures"].hourly(query.date or user_today())

    @api_route(
        "/attendance/pending",
        ["GET"],
        readonly=True,
        scope="attendance:read",
        summary="What awaits a decision: open attendances and undecided sightings",
        tag="Attendance",
        query=PendingQuery,
        answer=Pending,
        description="openAttendances: attendances not checked out yet (as /attendance/records). events, "
        "newest first, sighted in the last `days` days: unknown-face (not recognised and not assigned to "
        "a person yet: the unknown faces review decides them), undecided (stored, not decided by the "
        "rules yet), error (the rules could not apply them, e.g. an exit with nothing open). counts are "
        "the totals; the lists stop at limit.",
    )
    def pending(self, query):
        return request.env["face.attendance.figures"].pending(query.limit, query.days)
