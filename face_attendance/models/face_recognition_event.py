import logging
import re
from datetime import date, datetime, time, timedelta, timezone

import pytz

from odoo import api, fields, models
from odoo.tools.sql import create_index

from .odoo_compat import unique
from .security_groups import MANAGER

_logger = logging.getLogger(__name__)

OUTCOMES = [
    ("pending", "Pending"),
    ("checked_in", "Checked in"),
    ("checked_out", "Checked out"),
    ("duplicate", "Duplicate"),
    ("unknown", "Unknown face"),
    ("rejected", "Rejected"),
    ("spoof", "Spoof attempt"),
    ("error", "Error"),
]
LIVENESS_VERDICTS = [("live", "Live"), ("spoof", "Not live"), ("unavailable", "Unavailable")]
# Outcomes the rules decide, and may decide again when an earlier sighting arrives late.
REPLAYED = ("pending", "checked_in", "checked_out", "duplicate", "error")
ACCEPTED = ("checked_in", "checked_out")
MAX_BATCH = 1000
MAX_SNAPSHOT_BYTES = 512 * 1024


def live_channel(company):
    """The live monitor's bus channel: one per company, subscribed only by Face Attendance users
    of that company (see ir.websocket)."""
    return (company, "face_attendance_live")


def managers_channel(company):
    """The bus channel of what only managers may read (daemon commands): one per company,
    subscribed only by Face Attendance managers of that company (see ir.websocket)."""
    return (company, "face_attendance_managers")


class EventInputError(ValueError):
    pass


# The calendar every timestamp and day of the API lives in.
FIRST_YEAR, LAST_YEAR = 2000, 2999


_LEAP_SECOND = re.compile(r"([Tt ][0-9]{2}:[0-9]{2}):60")


def parse_timestamp(value):
    """ISO 8601 with an offset (or Z), or naive meaning UTC -> naive UTC datetime, to the second."""
    if not isinstance(value, str) or not value.strip():
        raise EventInputError("timestamp must be an ISO 8601 string, e.g. 2026-11-21T08:30:00Z")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # RFC 3339 allows a leap second (23:59:60), which Python's datetime does not hold.
    text = _LEAP_SECOND.sub(r"\1:59", text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise EventInputError("timestamp %r is not an ISO 8601 date-time" % value) from None
    # The year as written: 2000-01-01T00:00+05:00 is a year-2000 time, though 1999 in UTC.
    if moment.year < FIRST_YEAR or moment.year > LAST_YEAR:
        raise EventInputError("timestamp %r is not between the years %d and %d" % (value, FIRST_YEAR, LAST_YEAR))
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def parse_day(value):
    """A date as YYYY-MM-DD within the years timestamps may take, so that the day before or after it
    and its bounds in any time zone stay in the calendar (9999-12-31 + 1 day overflows)."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(value)
        except (TypeError, ValueError):
            raise EventInputError("a date as YYYY-MM-DD is expected, e.g. 2026-11-21") from None
    if day.year < FIRST_YEAR or day.year > LAST_YEAR:
        raise EventInputError("the date %s is not between the years %d and %d" % (day, FIRST_YEAR, LAST_YEAR))
    return day


# What hr.employee._get_tz reads: the employee's zone, its resource's, its calendar's (Odoo 19 reaches
# the calendar through the current version), its company's.
TZ_COLUMNS = ("tz", "resource_id", "resource_calendar_id", "current_version_id", "company_id")


# Unique per company: one company's senders can neither see nor block another's event ids.
@unique("event_uid_uniq", "unique(event_uid, company_id)", "An event with this ID already exists.")
class FaceRecognitionEvent(models.Model):
    """A sighting reported by a daemon or a detection provider: the audit trail of attendance."""

    _name = "face.recognition.event"
    _description = "Recognition Event"
    _order = "sighted_at desc, id desc"
    _rec_name = "event_uid"

    event_uid = fields.Char(
        string="Event ID",
        required=True,
        readonly=True,
        index=True,
        help="Set by the sender; makes sending an event again harmless.",
    )
    camera_id = fields.Many2one("face.camera", readonly=True, index=True, ondelete="set null")
    daemon_id = fields.Many2one("face.daemon", readonly=True, ondelete="set null")
    direction = fields.Selection(
        [("entry", "Entry"), ("exit", "Exit"), ("both", "Both"), ("toggle", "Toggle")],
        readonly=True,
        help="The camera's direction when the event arrived.",
    )
    sighted_at = fields.Datetime(string="Seen at", required=True, readonly=True, index=True)
    received_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    employee_id = fields.Many2one("hr.employee", readonly=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, default=lambda self: self.env.company
    )
    distance = fields.Float(readonly=True, digits=(6, 4))
    confidence = fields.Float(readonly=True, digits=(4, 3))
    track_id = fields.Char(readonly=True)
    encoder = fields.Char(readonly=True)
    snapshot = fields.Image(attachment=True, readonly=True, max_width=640, max_height=640, groups=MANAGER)
    has_snapshot = fields.Boolean(readonly=True)
    liveness_score = fields.Float(
        string="Liveness", readonly=True, digits=(4, 3), help="0-1: how sure the liveness check was of a live face."
    )
    liveness = fields.Selection(
        LIVENESS_VERDICTS,
        string="Liveness verdict",
        readonly=True,
        help="Set when the sender required liveness: a face that is not live makes a spoof event, never "
        "attendance; an unavailable check marks nothing.",
    )
    outcome = fields.Selection(OUTCOMES, required=True, default="pending", readonly=True, index=True)
    message = fields.Char(readonly=True)
    attendance_id = fields.Many2one("hr.attendance", readonly=True, ondelete="set null")
    source = fields.Char(readonly=True, help="Who sent it: daemon, api, recognize.")
    # The sender's view of the face (issue 25): what learning and HR's corrections are made of. The
    # vector is biometric data: managers only, erased with the person's other biometric data.
    face_vector = fields.Binary(
        string="Face vector", attachment=False, readonly=True, groups=MANAGER, help="float32 little-endian vector."
    )
    face_size = fields.Integer(readonly=True, help="Shorter side of the face box, in pixels, as the sender saw it.")
    face_sharpness = fields.Float(string="Sharpness", readonly=True, digits=(10, 1))
    face_frontal = fields.Float(string="Frontal", readonly=True, digits=(4, 3), help="0-1: how frontal the face was.")
    track_frames = fields.Integer(readonly=True, help="Frames of the track that agreed on the person.")

    # ------------------------------------------------------------------ reads (the REST API's)
    def _auto_init(self):
        result = super()._auto_init()
        # The latest sightings of the reader's company (/detections/live, /detections/events, the
        # model's order under its company rule): read from this index in order, the first rows
        # answer at once, whatever the table's size and whether it was analysed since it grew;
        # without it PostgreSQL reads every event of the company and sorts them for each page.
        create_index(
            self.env.cr,
            "face_recognition_event_company_sighted_id_desc_index",
            self._table,
            ["company_id", "sighted_at DESC", "id DESC"],
        )
        return result

    def _answer(self):
        self.ensure_one()
        return {
            "event_id": self.event_uid,
            "outcome": self.outcome,
            "message": self.message or "",
            "attendance_id": self.attendance_id.id or False,
            "employee_id": self.employee_id.id or False,
        }

    # ------------------------------------------------------------------ the rules, applied
    @api.model
    def _employee_zones(self, employees, also=()):
        """{employee: pytz zone} of several employees at once, reading only the stored columns their
        zone is found from (and ``also``): the first access to any other column would fetch each
        one's whole, wide row, through HR's access checks when the reader is a device."""
        stored = [name for name in (*also, *TZ_COLUMNS) if name in employees._fields and employees._fields[name].store]
        employees.fetch(stored)
        return {employee: self._employee_tz(employee) for employee in employees}

    @api.model
    def _employee_tz(self, employee):
        try:
            return pytz.timezone(employee._get_tz())
        except pytz.UnknownTimeZoneError:
            return pytz.utc

    @api.model
    def _working_day(self, tz, moment):
        return pytz.utc.localize(moment).astimezone(tz).date()

    @api.model
    def _day_start_utc(self, tz, day):
        return tz.localize(datetime.combine(day, time.min)).astimezone(pytz.utc).replace(tzinfo=None)

    # ------------------------------------------------------------------ housekeeping
    @api.model
    def _cron_close_forgotten_checkouts(self):
        """Close attendances opened by a camera and left open past the configured hours."""
        limit = fields.Datetime.now() - timedelta(
            hours=self.env["face.attendance.config"]._get("forgotten_checkout_hours")
        )
        forgotten = (
            self.env["hr.attendance"]
            .sudo()
            .search(
                [
                    ("check_out", "=", False),
                    ("face_in_event_id", "!=", False),
                    ("face_pinned", "=", False),
                    ("check_in", "<", limit),
                ]
            )
        )
        self._lock_persons(forgotten.employee_id.ids)
        for attendance in forgotten.sorted(lambda a: a.employee_id.id):
            self._rebuild_attendance(attendance.employee_id, attendance.check_in)
            if not attendance.check_out:
                _logger.warning("Forgotten check-out of attendance %s was not closed", attendance.id)
        if forgotten:
            self.env["face.system.log"]._log(
                self.env._("%s forgotten check-out(s) closed", len(forgotten)),
                category="attendance",
                details={"attendance_ids": forgotten.ids},
                action="cron.close_forgotten",
            )
        return len(forgotten)

    @api.model
    def _cron_purge_retention(self):
        """Delete events, snapshots and unknown faces past their retention periods."""
        config = self.env["face.attendance.config"]
        now = fields.Datetime.now()
        events = self.sudo()
        old_snapshots = events.search(
            [
                ("has_snapshot", "=", True),
                ("sighted_at", "<", now - timedelta(days=config._get("snapshot_retention_days"))),
            ]
        )
        old_snapshots.write({"snapshot": False, "has_snapshot": False})
        old_unknown = events.search(
            [
                ("outcome", "=", "unknown"),
                ("sighted_at", "<", now - timedelta(days=config._get("unknown_retention_days"))),
            ]
        )
        old_events = events.search([("sighted_at", "<", now - timedelta(days=config._get("event_retention_days")))])
        # Attendances keep their times; only their links to the purged events go.
        doomed = old_unknown | old_events
        doomed.unlink()
        if old_snapshots or doomed:
            self.env["face.system.log"]._log(
                self.env._(
                    "Retention: %(snapshots)s snapshot(s) and %(events)s event(s) deleted",
                    snapshots=len(old_snapshots),
                    events=len(doomed),
                ),
                category="system",
                action="cron.purge_retention",
            )
        return {"snapshots": len(old_snapshots), "events": len(doomed)}

    def _assign_to_employee(self, employee):
        """Unknown-face review: this event was ``employee``; decide attendance for it again."""
        employee.ensure_one()
        if not self:
            return True
        self._lock_persons(employee.ids)
        # review_state "assigned" also marks a miss of the engine's: the calibration counts it as genuine.
        self.sudo().write(
            {"employee_id": employee.id, "outcome": "pending", "message": False, "review_state": "assigned"}
        )
        self.sudo()._rebuild_attendance(employee, min(self.mapped("sighted_at")))
        return True
