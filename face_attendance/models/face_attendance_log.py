"""Attendance logs as the older backend's API (``/api/attendance-logs``) shows them, for every door:
the recognition events the caller may read, with gate, direction and an authorization status.
Face Attendance users, within Odoo's rights and record rules (companies)."""

from odoo import api, models
from odoo.exceptions import AccessError, MissingError
from odoo.tools.sql import escape_psql

from .face_api_key import iso
from .face_recognition_event import EventInputError, parse_timestamp
from .hr_employee_api import MAX_ID, PersonInputError, _number
from .security_groups import USER

# The backend's authorization status of a log, from the event's outcome.
STATUS_OUTCOMES = {
    "authorized": ("checked_in", "checked_out", "duplicate"),
    "unauthorized": ("unknown",),
    "spoof": ("spoof",),
    "rejected": ("rejected", "error"),
    "pending": ("pending",),
}
OUTCOME_STATUS = {outcome: status for status, outcomes in STATUS_OUTCOMES.items() for outcome in outcomes}
LOG_FILTERS = ("person_id", "gate_name", "camera_name", "direction", "status", "start_date", "end_date")


class FaceAttendanceLog(models.AbstractModel):
    _name = "face.attendance.log"
    _description = "Face Attendance logs (compatibility API)"

    @api.model
    def _check_reader(self):
        if not self.env.user.has_group(USER):
            raise AccessError(self.env._("Only Face Attendance users see attendance logs."))

    @api.model
    def _log_domain(self, filters):
        """The events' domain of the filters (strings, as query parameters give them)."""
        filters = filters or {}
        if not isinstance(filters, dict):
            raise PersonInputError("filters must be an object.")
        unknown = sorted(set(filters) - set(LOG_FILTERS))
        if unknown:
            raise PersonInputError("Unknown filters: %s." % ", ".join(unknown), field=unknown[0])
        wrong = [name for name, value in filters.items() if not isinstance(value, (str, int, type(None)))]
        if wrong or any(isinstance(value, bool) for value in filters.values()):
            name = (wrong or [n for n, v in filters.items() if isinstance(v, bool)])[0]
            raise PersonInputError("%s must be a string." % name, field=name)
        domain = []
        if filters.get("person_id") not in (None, ""):
            try:
                person_id = int(filters["person_id"])
            except ValueError:
                raise PersonInputError("person_id must be an integer.", field="person_id") from None
            domain.append(("employee_id", "=", person_id if 0 < person_id <= MAX_ID else 0))
        if filters.get("gate_name"):
            gate = escape_psql(str(filters["gate_name"]))
            domain += ["|", ("camera_id.location", "=ilike", gate), ("camera_id.name", "=ilike", gate)]
        if filters.get("camera_name"):
            domain.append(("camera_id.name", "=ilike", escape_psql(str(filters["camera_name"]))))
        direction = filters.get("direction")
        if direction not in (None, ""):
            if direction not in ("entry", "exit"):
                raise PersonInputError("direction must be entry or exit.", field="direction")
            went = "checked_in" if direction == "entry" else "checked_out"
            domain += [
                "|",
                ("outcome", "=", went),
                "&",
                ("outcome", "not in", ("checked_in", "checked_out")),
                ("direction", "=", direction),
            ]
        status = filters.get("status")
        if status not in (None, ""):
            if status not in STATUS_OUTCOMES:
                raise PersonInputError("status must be one of %s." % ", ".join(sorted(STATUS_OUTCOMES)), field="status")
            domain.append(("outcome", "in", STATUS_OUTCOMES[status]))
        return domain + self._log_dates(filters)

    @api.model
    def _log_dates(self, filters):
        """start_date (from its start) and end_date (to its end): dates or date-times, UTC."""
        domain = []
        for name, operator, day_end in (("start_date", ">=", False), ("end_date", "<=", True)):
            value = filters.get(name)
            if value in (None, ""):
                continue
            value = str(value)
            if len(value) == 10:
                value += "T23:59:59" if day_end else "T00:00:00"
            try:
                moment = parse_timestamp(value)
            except EventInputError:
                raise PersonInputError(
                    "%s is not an ISO 8601 date or date-time (years 2000-2999)." % name, field=name
                ) from None
            domain.append(("sighted_at", operator, moment))
        return domain

    @api.model
    def _logs(self, events):
        """The logs of readable events; the names of their persons and cameras as Odoo shows a
        many2one's name (users without HR rights may read events, not employees)."""
        rows = events.read(
            ["employee_id", "camera_id", "direction", "outcome", "confidence", "attendance_id", "sighted_at"]
        )
        for row in rows:
            for name in ("employee_id", "camera_id", "attendance_id"):
                row[name] = row[name][0] if row[name] else False
        people, cameras = self.env["face.recognition.service"]._sighting_names(rows)
        locations = {
            c["id"]: c["location"]
            for c in self.env["face.camera"]
            .sudo()
            .with_context(active_test=False)
            .browse(list(cameras))
            .read(["location"])
        }
        logs = []
        for row in rows:
            if row["outcome"] == "checked_in":
                direction = "entry"
            elif row["outcome"] == "checked_out":
                direction = "exit"
            else:
                direction = row["direction"] if row["direction"] in ("entry", "exit") else None
            person_ref, name = people.get(row["employee_id"], (None, None))
            camera = row["camera_id"]
            logs.append(
                {
                    "id": row["id"],
                    "person_id": row["employee_id"] or None,
                    "personnel_code": person_ref,
                    "person_name": name,
                    "gate_name": locations.get(camera) or cameras.get(camera) or None,
                    "direction": direction,
                    "confidence_score": round(row["confidence"], 3) if row["employee_id"] else None,
                    "camera_name": cameras.get(camera) or None,
                    "status": OUTCOME_STATUS.get(row["outcome"], "pending"),
                    "outcome": row["outcome"],
                    "attendance_id": row["attendance_id"] or None,
                    "created_at": iso(row["sighted_at"]),
                }
            )
        return logs

    @api.model
    def attendance_logs(self, filters=None, limit=100, offset=0):
        """{"logs", "total"}: the logs of the events the caller may read matching ``filters``
        (person_id, gate_name, camera_name, direction entry/exit, status, start_date, end_date),
        newest first."""
        self._check_reader()
        limit = _number(limit, "limit", 1, 1000)
        offset = _number(offset, "offset", 0, 10**9)
        domain = self._log_domain(filters)
        Event = self.env["face.recognition.event"]
        records = Event.search(domain, offset=offset, limit=limit, order="sighted_at desc, id desc")
        return {"logs": self._logs(records), "total": Event.search_count(domain)}

    @api.model
    def attendance_log(self, log_id):
        """One log of an event the caller may read."""
        self._check_reader()
        if isinstance(log_id, bool) or not isinstance(log_id, int):
            raise PersonInputError("log_id must be an integer.", field="log_id")
        event = (
            self.env["face.recognition.event"].search([("id", "=", log_id)])
            if 0 < log_id <= MAX_ID
            else self.env["face.recognition.event"]
        )
        if not event:
            raise MissingError(self.env._("Attendance log %s not found.", log_id))
        return self._logs(event)[0]
