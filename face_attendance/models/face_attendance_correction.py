"""HR's corrections of attendance, whatever the door (Odoo's list and form, XML-RPC/JSON-2, REST,
crons): an attendance a person deletes, corrects or enters by hand stays as they left it, because
each correction is recorded here and fed to the rules (attendance_replay.py) as an input.

- delete: a ``deleted`` correction keeps the attendance's times; the sightings inside them are set
  aside by the rules, now and when they arrive late;
- edit of check-in, check-out or person: the attendance is pinned ("corrected by HR"): the rules
  never move it again, sightings inside it are absorbed, the ones that made its old times and fall
  outside the new ones are set aside; a manager's "Return to camera decisions" undoes the pin;
- manual entry: the person's lock, Odoo's checks, then the person's sightings decided again with it;
- "not this person" on a sighting (face_event_correction.py).

Every correction is audited once, here: a correction record (old and new values, who, why), the
attendance's chatter (the person's when the attendance is gone) and the system log.
"""

from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from .api_errors import Conflict, InputError, RuleError
from .attendance_replay import Removal
from .face_recognition_event import REPLAYED
from .hr_attendance import deletion_reason, overtime_once, rules_are_writing, rules_writing, with_deletion_reason
from .security_groups import MANAGER, USER

BOUNDS = ("check_in", "check_out", "employee_id")
# Set by Face Attendance only: a caller pinning or unpinning would take HR's word or give it.
PROTECTED = {"face_pinned", "face_pinned_open"}
# The audit's action of a manual entry by the door it came through: (check-in, check-out).
MANUAL_PAST, MANUAL_FUTURE = timedelta(days=366), timedelta(minutes=5)
DOORS = {
    "manual": ("attendance.manual", "attendance.manual_checkout"),
    "mark": ("attendance.mark", "attendance.checkout"),
    "checkout": ("attendance.mark", "attendance.checkout"),
}
KINDS = [
    ("deleted", "Deleted"),
    ("pinned", "Corrected by HR"),
    ("unpinned", "Returned to camera decisions"),
    ("manual", "Entered by hand"),
    ("not_person", "Not this person"),
    ("reassigned", "Sighting reassigned"),
]


# The names this module's callers know them by.
CorrectionInputError, CorrectionConflict = InputError, Conflict


def _stamp(value):
    return fields.Datetime.to_string(value) if value else False


class FaceAttendanceCorrection(models.Model):
    """One correction by a person: what it changed, who made it, when and why. Written by the
    correction methods only (as superuser); read by Face Attendance users of its company, and
    written by nobody else (no group has more than read access)."""

    _name = "face.attendance.correction"
    _description = "Attendance Correction by HR"
    _order = "create_date desc, id desc"
    _rec_name = "kind"

    kind = fields.Selection(KINDS, required=True, readonly=True, index=True)
    employee_id = fields.Many2one("hr.employee", required=True, readonly=True, index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    attendance_id = fields.Many2one("hr.attendance", readonly=True, ondelete="set null", index="btree_not_null")
    attendance_ref = fields.Integer(string="Attendance ID", readonly=True, help="Kept when the attendance is gone.")
    event_id = fields.Many2one("face.recognition.event", readonly=True, ondelete="set null")
    check_in = fields.Datetime(readonly=True, help="Deleted: the start of the times whose sightings are set aside.")
    check_out = fields.Datetime(readonly=True, help="Deleted: the end of the times whose sightings are set aside.")
    old_values = fields.Json(readonly=True)
    new_values = fields.Json(readonly=True)
    user_id = fields.Many2one("res.users", string="By", required=True, readonly=True, ondelete="restrict")
    reason = fields.Text(readonly=True)
    # The chatter note telling it: a person's history shows the correction once, not its note again.
    message_id = fields.Many2one("mail.message", string="Chatter note", readonly=True, ondelete="set null")

    def _removal_message(self):
        when = fields.Datetime.to_string(self.create_date or fields.Datetime.now())
        text = self.env._("Attendance deleted by %(user)s on %(when)s UTC", user=self.user_id.name, when=when)
        return "%s: %s" % (text, self.reason) if self.reason else text + "."

    @api.model
    def _removals_since(self, anchors):
        """{employee id: [Removal]} of the deletions that end at or after each employee's anchor."""
        if not anchors:
            return {}
        corrections = self.sudo().search(
            [("kind", "=", "deleted"), ("employee_id", "in", list(anchors)), ("check_in", "!=", False)],
            order="check_in, id",
        )
        removals = {}
        for correction in corrections:
            if correction.check_out and correction.check_out < anchors[correction.employee_id.id]:
                continue
            removals.setdefault(correction.employee_id.id, []).append(
                Removal(
                    start=correction.check_in,
                    end=correction.check_out or correction.check_in,
                    message=correction._removal_message()[:255],
                )
            )
        return removals

    @api.model
    def _record(self, kind, employee, reason=None, attendance=None, event=None, old=None, new=None, **times):
        """The correction as it was made; ``_audit`` tells it (chatter and system log)."""
        return self.sudo().create(
            {
                "kind": kind,
                "employee_id": employee.id,
                "company_id": employee.company_id.id or self.env.company.id,
                "attendance_id": attendance.id if attendance and attendance.exists() else False,
                "attendance_ref": attendance.id if attendance else False,
                "event_id": event.id if event else False,
                "old_values": old or None,
                "new_values": new or None,
                "user_id": self.env.uid,
                "reason": reason or False,
                **times,
            }
        )

    def _audit(self, action, details=None):
        """Tell the correction once: on the attendance's chatter (the person's when it is gone, the
        sighting's person for a sighting) and in the system log, with old and new values and why."""
        self.ensure_one()
        label = dict(KINDS)[self.kind]
        attendance = self.attendance_id.exists()
        target = attendance or self.employee_id
        note = target.sudo().message_post(
            body=self._chatter_body(label, self.old_values, self.new_values, self.reason),
            author_id=self.env.user.partner_id.id,
        )
        self.sudo().message_id = note
        summary = "%s — %s (%s)" % (self.employee_id.name, label, self.env.user.name)
        if self.attendance_ref:
            object_ref = "hr.attendance,%d" % self.attendance_ref
        else:
            object_ref = "face.recognition.event,%d" % self.event_id.id
        # Through a REST key the line is the API's, as every change made with a key.
        api_call = bool(request and getattr(request, "face_api_key", None))
        self.env["face.system.log"]._log(
            summary + (": %s" % self.reason[:300] if self.reason else ""),
            category="api" if api_call else "attendance",
            action=action,
            object_ref=object_ref,
            details=dict(
                {
                    "correction_id": self.id,
                    "old": self.old_values,
                    "new": self.new_values,
                    "reason": self.reason or None,
                },
                **(details or {}),
            ),
        )
        return self

    @api.model
    def _chatter_body(self, label, old, new, reason):
        from markupsafe import Markup, escape

        lines = [Markup("<b>%s</b>") % label]
        for key in sorted(set(old or {}) | set(new or {})):
            lines.append(
                Markup("%s: %s &rarr; %s")
                % (key, escape(str((old or {}).get(key) or "-")), escape(str((new or {}).get(key) or "-")))
            )
        if reason:
            lines.append(Markup("%s: %s") % (_("Reason"), escape(reason)))
        return Markup("<br/>").join(lines)


class HrAttendanceCorrections(models.Model):
    _inherit = "hr.attendance"

    face_pinned = fields.Boolean(
        string="Corrected by HR",
        readonly=True,
        copy=False,
        help="A person corrected this camera-made attendance: the cameras never move it again. A Face "
        "Attendance manager's 'Return to camera decisions' undoes it.",
    )
    face_pinned_open = fields.Boolean(
        readonly=True,
        copy=False,
        help="Pinned while still open: its check-out is not HR's, the cameras decide it as usual.",
    )
    # Never stored: it travels with the write of the correction it explains (see write()).
    face_correction_note = fields.Char(
        string="Reason for the correction",
        copy=False,
        help="Why the times are corrected: written to the audit with this correction.",
    )

    # ------------------------------------------------------------------ the ORM's doors
    def _face_by_a_person(self):
        """Whether this write is a person's correction: not the rules' own writes, not Odoo's own
        machinery (crons and kiosks run as superuser or as the public user), not module loading."""
        return not (rules_are_writing(self.env) or not self.pool.ready or self.env.su or self.env.user._is_public())

    @api.model_create_multi
    def create(self, vals_list):
        if any(PROTECTED & set(vals) for vals in vals_list) and not rules_are_writing(self.env):
            raise AccessError(self.env._("Whether an attendance is corrected by HR is set by Face Attendance itself."))
        if not self._face_by_a_person() or any(vals.get("in_mode") == "technical" for vals in vals_list):
            return super().create(vals_list)
        # Rights first: nobody holds a person's lock for a write they may not make.
        self.check_access("create")
        Event = self.env["face.recognition.event"]
        Event._lock_persons([vals["employee_id"] for vals in vals_list if isinstance(vals.get("employee_id"), int)])
        vals_list = [{k: v for k, v in vals.items() if k != "face_correction_note"} for vals in vals_list]
        records = super().create(vals_list)
        # The employee Odoo chose by default is locked too, before the rules read anything.
        Event._lock_persons(records.employee_id.ids)
        # What a person enters is decided with the cameras' sightings by the same rules.
        starts = {}
        for record in records:
            employee = record.employee_id
            starts[employee] = min(starts.get(employee, record.check_in), record.check_in)
        Event.sudo()._rebuild_attendances(starts)
        return records

    def write(self, vals):
        if PROTECTED & set(vals) and not rules_are_writing(self.env):
            raise AccessError(self.env._("Whether an attendance is corrected by HR is set by Face Attendance itself."))
        vals = dict(vals)  # the caller's dict stays as they sent it
        note = vals.pop("face_correction_note", None)
        if not vals:
            return True
        if not self._face_by_a_person() or not set(BOUNDS) & set(vals):
            return super().write(vals)
        self.check_access("write")
        Event = self.env["face.recognition.event"]
        new_employee = vals.get("employee_id")
        Event._lock_persons(self.employee_id.ids + ([new_employee] if isinstance(new_employee, int) else []))
        before = {record.id: {key: record[key] for key in BOUNDS} for record in self}
        result = super().write(vals)
        starts = {}
        for record in self:
            old = before[record.id]
            changed = [key for key in BOUNDS if record[key] != old[key]]
            if not changed:
                continue
            for employee, moment in ((old["employee_id"], old["check_in"]), (record.employee_id, record.check_in)):
                starts[employee] = min(starts.get(employee, moment), moment)
            if record.face_in_event_id or record.face_out_event_id:
                record._face_pin(old, changed, note if isinstance(note, str) else None)
        Event.sudo()._rebuild_attendances(starts)
        return result

    def unlink(self):
        if not self._face_by_a_person() or all(record.in_mode == "technical" for record in self):
            return super().unlink()
        self.check_access("unlink")
        Event = self.env["face.recognition.event"]
        Event._lock_persons(self.employee_id.ids)
        reason = deletion_reason(self.env)
        starts, corrections = {}, []
        for record in self:
            employee = record.employee_id
            starts[employee] = min(starts.get(employee, record.check_in), record.check_in)
            # An attendance a camera made or closed keeps its sightings out for good; one entered by
            # hand gives them back to the rules (HR's entry was the mistake, not the cameras).
            if record.face_in_event_id or record.face_out_event_id:
                corrections.append((record, record._face_extent(), record._face_values()))
            else:
                corrections.append((record, None, record._face_values()))
        result = super().unlink()
        Correction = self.env["face.attendance.correction"]
        made = [
            Correction._record(
                "deleted",
                old["employee"],
                reason=reason,
                attendance=record,
                old=old["values"],
                check_in=extent[0] if extent else False,
                check_out=extent[1] if extent else False,
            )
            for record, extent, old in corrections
        ]
        Event.sudo()._rebuild_attendances(starts)
        for correction in made:
            set_aside = 0
            if correction.check_in:
                set_aside = Event.sudo().search_count(
                    [
                        ("employee_id", "=", correction.employee_id.id),
                        ("outcome", "=", "rejected"),
                        ("sighted_at", ">=", correction.check_in),
                        ("sighted_at", "<=", correction.check_out),
                    ]
                )
            correction._audit(
                "attendance.delete",
                {
                    "employee": correction.employee_id.person_ref or correction.employee_id.name,
                    "check_in": correction.old_values["check_in"],
                    "check_out": correction.old_values["check_out"],
                    "in_mode": correction.old_values["in_mode"],
                    "rejected_events": set_aside,
                },
            )
        return result

    # ------------------------------------------------------------------ the correction actions
    def action_face_delete(self, reason):
        """Delete these attendances for good, with the reason (REST's DELETE, the backend's action).

        Face Attendance managers only, with Odoo's own right to delete them; the sightings inside
        them are set aside and stay as evidence, and no sighting makes them again."""
        if not (self.env.su or self.env.user.has_group(MANAGER)):
            raise AccessError(self.env._("Only Face Attendance managers delete attendances."))
        self = self.browse(list(dict.fromkeys(self.ids)))  # each attendance once
        reason = (reason or "").strip() if isinstance(reason, str) else None
        if not reason or "\x00" in reason:
            raise CorrectionInputError(self.env._("reason is required: say why the attendance is deleted."), "reason")
        if len(reason) > 2000:
            raise CorrectionInputError(self.env._("reason is longer than 2000 characters."), "reason")
        self.check_access("unlink")
        events = self.env["face.recognition.event"].sudo().search(self._face_event_domain())
        with with_deletion_reason(self.env, reason):
            self.unlink()
        return {"deleted": len(self), "rejected_events": len(events.filtered(lambda e: e.outcome == "rejected"))}

    @api.model
    def _face_delete(self, attendance_id, reason):
        """REST's DELETE (RPC has action_face_delete): the attendance with this id. Who may is told
        before whether the attendance exists (a user learns nothing of attendances they may not delete)."""
        if not (self.env.su or self.env.user.has_group(MANAGER)):
            raise AccessError(self.env._("Only Face Attendance managers delete attendances."))
        if isinstance(attendance_id, bool) or not isinstance(attendance_id, int) or not 0 < attendance_id < 2**31:
            raise CorrectionInputError(self.env._("attendance_id must be a positive integer."), "attendance_id")
        attendance = self.search([("id", "=", attendance_id)])
        if not attendance:
            raise MissingError(self.env._("Attendance %s does not exist.", attendance_id))
        return attendance.action_face_delete(reason)

    @api.model
    def _face_check_out_now(self, attendance_id, notes):
        """REST's check-out of one attendance, now: a manual check-out of its person (see
        face_enter_manually), refused when it is closed already. Returns the attendance."""
        attendance = self.search([("id", "=", attendance_id)])
        if not attendance:
            raise MissingError(self.env._("Attendance %s does not exist.", attendance_id))
        if attendance.check_out:
            raise Conflict(self.env._("Attendance %s is already checked out.", attendance_id))
        self.face_enter_manually(
            attendance.employee_id.id,
            notes,
            status="checked-out",
            timestamp=max(fields.Datetime.now(), attendance.check_in),
            door="checkout",
        )
        return attendance

    def action_face_unpin(self):
        """Return to camera decisions: forget HR's pin and decide the day again from the sightings."""
        if not (self.env.su or self.env.user.has_group(MANAGER)):
            raise AccessError(self.env._("Only Face Attendance managers return attendances to camera decisions."))
        self.check_access("write")
        pinned = self.browse(list(dict.fromkeys(self.ids))).filtered("face_pinned")
        if not pinned:
            return True
        Event = self.env["face.recognition.event"]
        Event._lock_persons(pinned.employee_id.ids)
        starts = {}
        for record in pinned:
            set_aside = Event.sudo().search(
                [("face_correction_kind", "=", "pinned"), ("face_corrected_attendance_ref", "=", record.id)]
            )
            # The sightings HR's times had set aside are the cameras' again.
            set_aside.write(
                {
                    "outcome": "pending",
                    "message": False,
                    "face_correction_kind": False,
                    "face_corrected_attendance_ref": False,
                }
            )
            with rules_writing(self.env):
                record.sudo().write({"face_pinned": False, "face_pinned_open": False})
            self.env["face.attendance.correction"]._record(
                "unpinned", record.employee_id, attendance=record, old={"pinned": True}, new={"pinned": False}
            )._audit("attendance.unpin")
            moments = [record.check_in] + set_aside.mapped("sighted_at")
            starts[record.employee_id] = min([starts.get(record.employee_id, record.check_in)] + moments)
        Event.sudo()._rebuild_attendances(starts)
        return True

    @api.model
    def face_enter_manually(
        self,
        employee_id,
        note,
        status="present",
        timestamp=None,
        check_out=None,
        camera_id=None,
        door="manual",
    ):
        """Record an attendance by hand (REST's manual entry and mark, the same as a person's create).

        ``status``: present / checked-in open an attendance at ``timestamp`` (closed at ``check_out``
        when given), checked-out closes the person's open attendance at ``timestamp``. Odoo's rights
        on attendances decide; the person must be of the caller's companies. ``door`` names the entry
        in the audit (manual, mark, checkout: REST's routes). Returns the attendance id.
        """
        if door not in DOORS:
            raise CorrectionInputError(self.env._("door must be one of %s.", ", ".join(DOORS)), "door")
        if not (self.env.su or self.env.user.has_group(USER)):
            raise AccessError(self.env._("Only Face Attendance users enter attendances through Face Attendance."))
        employee = self._face_employee(employee_id)
        note, camera, moment, check_out = self._face_entry_input(note, status, timestamp, check_out, camera_id, door)
        self.env["face.recognition.event"]._lock_persons(employee.ids)
        open_attendance = self.search([("employee_id", "=", employee.id), ("check_out", "=", False)], limit=1)
        if status == "checked-out":
            if not open_attendance:
                raise CorrectionConflict(self.env._("%s has no open attendance to close.", employee.name))
            if moment < open_attendance.check_in:
                raise RuleError(self.env._("timestamp is before the open attendance's check-in."), "timestamp")
            attendance, action = open_attendance, DOORS[door][1]
            old = {"check_out": False}
            by_camera = bool(open_attendance.face_in_event_id or open_attendance.face_out_event_id)
            with overtime_once(self.sudo()):
                # The reason goes with the write: closing a camera-made attendance by hand pins it,
                # and the pin's audit (with this reason) is this entry's.
                attendance.write({"check_out": moment, "out_mode": "manual", "face_correction_note": note})
            if by_camera and attendance.exists():
                return attendance.id
        else:
            if open_attendance and (not check_out or open_attendance.check_in <= check_out):
                raise CorrectionConflict(
                    self.env._("%s is already checked in.", employee.name), {"attendance_id": open_attendance.id}
                )
            vals = {"employee_id": employee.id, "check_in": moment, "in_mode": "manual"}
            if check_out:
                vals.update(check_out=check_out, out_mode="manual")
            action, old = DOORS[door][0], None
            with overtime_once(self.sudo()):
                attendance = self.create(vals)
        attendance = attendance.exists()
        if not attendance:
            raise CorrectionConflict(self.env._("The rules replaced this attendance with the cameras' sightings."))
        new = {"status": status, "check_in": _stamp(attendance.check_in), "check_out": _stamp(attendance.check_out)}
        if camera:
            new["camera"] = camera.display_name
        self.env["face.attendance.correction"]._record(
            "manual", employee, reason=note, attendance=attendance, old=old, new=new
        )._audit(
            action,
            {
                "status": status,
                "cameraId": camera.id or None,
                "timestamp": _stamp(moment),
                "checkOut": _stamp(check_out),
            },
        )
        return attendance.id

    # ------------------------------------------------------------------ helpers
    @api.model
    def _face_employee(self, employee_id):
        """The employee with this id whose attendances the caller may read: any other id (free, of
        another company, out of the caller's reach) is 'not found' alike, before anything names them."""
        if isinstance(employee_id, bool) or not isinstance(employee_id, int) or not 0 < employee_id < 2**31:
            raise CorrectionInputError(self.env._("employee_id must be an integer."), "employeeId")
        Figures = self.env["face.attendance.figures"]
        employee = (
            self.env["hr.employee"]
            .sudo()
            .with_context(active_test=False)
            .search([("id", "=", employee_id)] + Figures._reachable_domain(), limit=1)
        )
        if not employee:
            # One answer for a free id and another company's person.
            raise AccessError(self.env._("Person %s does not exist or is not in your companies.", employee_id))
        return employee

    @api.model
    def _face_entry_input(self, note, status, timestamp, check_out, camera_id, door):
        """A manual entry's input, checked: (note, camera, moment, check-out)."""
        note = (note or "").strip() if isinstance(note, str) or note is None else None
        # The reason is required of a manual entry; REST's mark and check-out take optional notes.
        if note is None or "\x00" in note or (door == "manual" and not note):
            raise CorrectionInputError(self.env._("note (the reason) cannot be empty."), "note")
        if len(note) > 2000:
            raise CorrectionInputError(self.env._("note is longer than 2000 characters."), "note")
        if status not in ("present", "checked-in", "checked-out"):
            raise CorrectionInputError(self.env._("status must be present, checked-in or checked-out."), "status")
        camera = self.env["face.camera"]
        if camera_id not in (None, False):
            if isinstance(camera_id, bool) or not isinstance(camera_id, int) or not 0 < camera_id < 2**31:
                raise CorrectionInputError(self.env._("cameraId must be a positive integer."), "cameraId")
            camera = camera.search([("id", "=", camera_id)])
            if not camera:
                raise MissingError(self.env._("Camera %s does not exist.", camera_id))
        moment = self._face_moment(timestamp, "timestamp") or fields.Datetime.now()
        check_out = self._face_moment(check_out, "checkOut")
        if check_out and status == "checked-out":
            raise RuleError(self.env._("checkOut goes with a check-in; checked-out uses timestamp."), "checkOut")
        if check_out and check_out < moment:
            raise RuleError(self.env._("checkOut is before timestamp."), "checkOut")
        now = fields.Datetime.now()
        for name, value in (("timestamp", moment), ("checkOut", check_out)):
            # HR enters what happened: not the future, nor beyond a year back (a replay that far
            # would hold the person's lock for long).
            if value and not now - MANUAL_PAST <= value <= now + MANUAL_FUTURE:
                raise CorrectionInputError(
                    self.env._("%s must be within the last 366 days and not in the future.", name), name
                )
        return note, camera, moment, check_out

    @api.model
    def _face_moment(self, value, name):
        """A moment given as a datetime or Odoo's 'YYYY-MM-DD HH:MM:SS' (UTC), to the second."""
        if value in (None, False, ""):
            return None
        try:
            moment = fields.Datetime.to_datetime(value)
        except (TypeError, ValueError):
            moment = None
        if moment is None or not 2000 <= moment.year <= 2999:
            raise CorrectionInputError(
                self.env._("%s must be a date and time (UTC) between 2000 and 2999.", name), name
            )
        return moment.replace(microsecond=0)

    def _face_event_domain(self):
        """The sightings that made these attendances or were decided with them."""
        return [
            "|",
            "|",
            ("attendance_id", "in", self.ids),
            ("id", "in", self.face_in_event_id.ids),
            ("id", "in", self.face_out_event_id.ids),
        ]

    def _face_extent(self):
        """The times a deleted attendance covered: to its check-out, else to its latest sighting."""
        self.ensure_one()
        if self.check_out:
            return self.check_in, self.check_out
        events = self.env["face.recognition.event"].sudo().search(self._face_event_domain())
        return self.check_in, max([self.check_in] + events.mapped("sighted_at"))

    def _face_values(self):
        self.ensure_one()
        return {
            "employee": self.employee_id,
            "values": {
                "check_in": _stamp(self.check_in),
                "check_out": _stamp(self.check_out),
                "in_mode": self.in_mode,
                "camera": self.face_camera_id.display_name or False,
            },
        }

    def _face_pin(self, old, changed, note=None):
        """A person changed this camera-made attendance: the rules keep HR's times from now on; the
        sightings that made the old times and fall outside the new ones are set aside; moved to
        another person, its sightings are that person's (the first one was not seen)."""
        self.ensure_one()
        Event = self.env["face.recognition.event"].sudo()
        now = fields.Datetime.now()
        if "employee_id" in changed:
            mine = Event.search(self._face_event_domain() + [("employee_id", "=", old["employee_id"].id)])
            mine.write(
                {
                    "employee_id": self.employee_id.id,
                    "face_rejected_employee_id": old["employee_id"].id,
                    "face_correction_kind": "reassigned",
                    "face_corrected_by": self.env.uid,
                    "face_corrected_at": now,
                }
            )
        outside = Event.search(
            self._face_event_domain()
            + [("outcome", "in", REPLAYED), "|", ("sighted_at", "<", self.check_in)]
            + ([("sighted_at", ">", self.check_out)] if self.check_out else [("id", "=", 0)])
        )
        message = self.env._(
            "Set aside: %(user)s corrected the attendance on %(when)s UTC",
            user=self.env.user.name,
            when=fields.Datetime.to_string(now),
        )
        outside.write(
            {
                "outcome": "rejected",
                "message": message[:255],
                "face_correction_kind": "pinned",
                "face_corrected_attendance_ref": self.id,
            }
        )
        with rules_writing(self.env):
            self.sudo().write({"face_pinned": True, "face_pinned_open": not self.check_out})
        old_values = {key: _stamp(old[key]) if key != "employee_id" else old[key].name for key in changed}
        new_values = {key: _stamp(self[key]) if key != "employee_id" else self[key].name for key in changed}
        self.env["face.attendance.correction"]._record(
            "pinned", self.employee_id, reason=note or None, attendance=self, old=old_values, new=new_values
        )._audit("attendance.correct", {"set_aside_events": outside.ids})
