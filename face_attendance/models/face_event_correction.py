"""HR's word on a sighting: "not this person". The sighting is set aside, or given to the right person,
and both people's days are decided again by the rules. The sighting keeps who corrected it, when and
whom it was wrongly given to: the recognition learns from these. Setting face_correction_kind on a
sighting, here or by an attendance correction, removes the templates learned from it and, for "not
this person" and a reassignment, adds a negative example of the wrong person (face_template_learning.py)."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, MissingError

from .api_errors import RuleError
from .face_attendance_correction import CorrectionInputError
from .face_recognition_event import REPLAYED
from .security_groups import MANAGER


class FaceRecognitionEventCorrection(models.Model):
    _inherit = "face.recognition.event"

    face_correction_kind = fields.Selection(
        [
            ("deleted", "Inside an attendance deleted by HR"),
            ("pinned", "Outside an attendance corrected by HR"),
            ("not_person", "Not this person"),
            ("reassigned", "Reassigned"),
        ],
        string="Corrected",
        readonly=True,
        index="btree_not_null",
    )
    face_corrected_attendance_ref = fields.Integer(readonly=True, help="The attendance whose correction set it aside.")
    face_rejected_employee_id = fields.Many2one(
        "hr.employee",
        string="Not this person",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="HR said this sighting was not this person.",
    )
    face_corrected_by = fields.Many2one("res.users", string="Corrected by", readonly=True, ondelete="set null")
    face_corrected_at = fields.Datetime(string="Corrected on", readonly=True)
    face_correction_reason = fields.Char(string="Why", readonly=True)

    def _answer(self):
        answer = super()._answer()
        if self.face_correction_kind in ("deleted", "pinned", "not_person"):
            # Who corrected it and why is HR's business, not the sender's.
            answer["message"] = self.env._("Set aside by a correction of HR.")
        return answer

    def action_not_this_person(self, employee_id=None, reason=None):
        """ "Not this person": each sighting is set aside, or given to ``employee_id`` (of the sighting's
        company) when given; the days of the person it was given to, and of the right person, are
        decided again. Face Attendance managers only. Returns each sighting's answer, as ingestion does."""
        if not (self.env.su or self.env.user.has_group(MANAGER)):
            raise AccessError(self.env._("Only Face Attendance managers correct recognitions."))
        self.check_access("read")
        if reason is not None and (not isinstance(reason, str) or "\x00" in reason):
            raise CorrectionInputError(self.env._("reason must be text."), "reason")
        reason = (reason or "").strip()[:255] or False
        right = self.env["hr.employee"]
        if employee_id not in (None, False):
            if isinstance(employee_id, bool) or not isinstance(employee_id, int) or not 0 < employee_id < 2**31:
                raise CorrectionInputError(self.env._("employee_id must be a positive integer."), "personId")
            right = right.sudo().with_context(active_test=False).browse(employee_id).exists()
        # Each sighting once, whatever the caller sent.
        events = self.sudo().browse(list(dict.fromkeys(self.ids)))
        for event in events:
            if not event.employee_id:
                raise RuleError(
                    self.env._("Sighting %s was given to nobody: assign it from the unknown faces review.", event.id),
                    "eventId",
                )
            if employee_id not in (None, False) and (not right or right.company_id != event.company_id):
                # One answer for a free id and another company's person: nothing is told of others.
                raise MissingError(self.env._("Person %s does not exist in the sighting's company.", employee_id))
            if right == event.employee_id:
                raise RuleError(self.env._("The sighting is already this person's."), "personId")
        self._lock_persons((events.employee_id | right).ids)
        now = fields.Datetime.now()
        starts = {}
        Correction = self.env["face.attendance.correction"]
        for event in events:
            wrong = event.employee_id
            for employee in (wrong, right):
                if employee:
                    starts[employee] = min(starts.get(employee, event.sighted_at), event.sighted_at)
            vals = {
                "face_rejected_employee_id": wrong.id,
                "face_corrected_by": self.env.uid,
                "face_corrected_at": now,
                "face_correction_reason": reason,
                "attendance_id": False,
            }
            if right:
                vals.update(employee_id=right.id, face_correction_kind="reassigned")
                # Only what the rules may decide is decided again: a sighting refused for liveness
                # stays refused, whoever it was.
                if event.outcome in REPLAYED or event.face_correction_kind in ("deleted", "pinned"):
                    vals.update(outcome="pending", message=False)
            else:
                text = self.env._("Not %(person)s: corrected by %(user)s", person=wrong.name, user=self.env.user.name)
                vals.update(
                    employee_id=False,
                    outcome="rejected",
                    message=("%s: %s" % (text, reason) if reason else text)[:255],
                    face_correction_kind="not_person",
                )
            event.write(vals)
            Correction._record(
                "reassigned" if right else "not_person",
                wrong,
                reason=reason,
                event=event.with_env(self.env),
                old={"person": wrong.name},
                new={"person": right.name if right else False},
            )._audit("event.reassign" if right else "event.not_this_person", {"event_id": event.event_uid})
        events._rebuild_attendances(starts)
        return [event._answer() for event in events]

    @api.model
    def _api_not_this_person(self, event_id, person_id, reason):
        """REST's "not this person": the sighting with this id (404 when the caller cannot see it), the
        right person by person ID (404 when none), as the REST answer."""
        event = self.search([("id", "=", event_id)])
        if not event:
            raise MissingError(self.env._("Event %s does not exist.", event_id))
        right = self.env["face.attendance.figures"].find_person(person_id)["id"] if person_id else None
        event.action_not_this_person(right, reason)
        event = event.sudo()
        return {
            "id": event.id,
            "eventId": event.event_uid,
            "outcome": event.outcome,
            "message": event.message or None,
            "attendanceId": event.attendance_id.id or None,
            "personId": event.employee_id.person_ref or None,
            "notPersonId": event.face_rejected_employee_id.person_ref or None,
        }
