"""Negative examples: faces HR said were NOT a person ("not this person", a sighting reassigned).

A later face closer to one of X's negatives than to X's centroid is not taken for X (engine Gallery).
They are made only here, from the corrected sighting's vector (never typed in: nobody creates one by
hand), reach the daemons through the gallery sync, and are biometric data: kept for the learning
retention, erased with the person (theirs, and those made of the person's own face).
"""

import base64
import logging

import numpy as np

from odoo import api, fields, models
from odoo.exceptions import AccessError

from face_attendance_daemon.engine import EngineError, vector_from_bytes, vector_to_bytes

from .security_groups import MANAGER

_logger = logging.getLogger(__name__)


class FaceNegative(models.Model):
    _name = "face.negative"
    _description = "Negative face example"
    _order = "employee_id, id desc"

    employee_id = fields.Many2one(
        "hr.employee", string="Not this person", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="employee_id.company_id", store=True, index=True)
    encoder_name = fields.Char(readonly=True, index=True)
    encoder_version = fields.Char(readonly=True)
    encoding = fields.Binary(attachment=False, readonly=True, help="float32 little-endian vector.")
    event_id = fields.Many2one(
        "face.recognition.event", string="Sighting", readonly=True, index="btree_not_null", ondelete="set null"
    )

    @api.model
    def _from_events(self, events):
        """A negative of each corrected sighting's wrong person (face_rejected_employee_id), one per
        sighting and person: the face HR looked at (the snapshot's, encoded here), else the sender's
        vector, normalised as the encoder's own (a longer vector would veto faces far from it). A
        negative HR regrets is removed on the person's form."""
        events = events.sudo().filtered("face_rejected_employee_id")
        if not events:
            return self.browse()
        config = self.env["face.attendance.config"]
        encoder = config._encoder()
        existing = set((n.event_id.id, n.employee_id.id) for n in self.sudo().search([("event_id", "in", events.ids)]))
        vals_list = []
        for event in events:
            person = event.face_rejected_employee_id
            if (event.id, person.id) in existing:
                continue
            vector = self._event_vector(event, encoder)
            if vector is None:
                continue
            vals_list.append(
                {
                    "employee_id": person.id,
                    "event_id": event.id,
                    "encoder_name": encoder.name,
                    "encoder_version": encoder.version,
                    "encoding": base64.b64encode(vector_to_bytes(vector)).decode(),
                }
            )
        return self.sudo().create(vals_list) if vals_list else self.browse()

    @api.model
    def _event_vector(self, event, encoder):
        """The sighting's face as a vector of ``encoder`` (normalised as its own are), or None."""
        vector = None
        if event.snapshot:
            try:
                vector = event._snapshot_vector(encoder)
            except Exception:  # noqa: BLE001  # an unreadable snapshot makes no negative, and stops nothing
                _logger.info("Sighting %s: no face read from its snapshot for a negative", event.id)
        if vector is None and event.face_vector and (event.encoder or encoder.tag) == encoder.tag:
            try:
                vector = vector_from_bytes(base64.b64decode(event.face_vector), encoder.dimension)
            except (EngineError, ValueError):
                return None
        return None if vector is None else encoder.normalised(vector).astype(np.float32)

    def unlink(self):
        if not (self.env.su or self.env.user.has_group(MANAGER)):
            raise AccessError(self.env._("Only Face Attendance managers remove negative examples."))
        self.check_access("unlink")
        # Daemons learn about deleted negatives from tombstones at their next incremental sync.
        self.env["face.negative.tombstone"].sudo().create(
            [{"negative_id": n.id, "employee_id": n.employee_id.id, "company_id": n.company_id.id} for n in self]
        )
        return super().unlink()

    @api.model
    def _cron_purge(self, cutoff):
        """Negatives older than ``cutoff`` (the learning retention)."""
        old = self.sudo().search([("create_date", "<", cutoff)])
        old.unlink()
        return len(old)


class FaceNegativeTombstone(models.Model):
    _name = "face.negative.tombstone"
    _description = "Deleted negative face example (for daemon sync)"

    negative_id = fields.Integer(required=True, index=True)
    employee_id = fields.Integer()
    company_id = fields.Integer(index=True)


class HrEmployeeLearning(models.Model):
    _inherit = "hr.employee"

    # The person's form shows enrolled and learned faces apart (learned ones with one-click removal).
    face_enrolled_template_ids = fields.One2many(
        "face.template",
        "employee_id",
        string="Enrolled faces",
        domain=[("origin", "!=", "learned")],
        groups=MANAGER,
    )
    face_learned_template_ids = fields.One2many(
        "face.template",
        "employee_id",
        string="Learned faces",
        domain=[("origin", "=", "learned")],
        readonly=True,
        groups=MANAGER,
    )

    face_negative_ids = fields.One2many(
        "face.negative", "employee_id", string="Negative examples", readonly=True, groups=MANAGER
    )
    face_negative_count = fields.Integer(
        string="Number of negative examples", compute="_compute_face_negative_count", groups=MANAGER
    )

    def _compute_face_negative_count(self):
        counts = dict(
            self.env["face.negative"]
            .sudo()
            ._read_group([("employee_id", "in", self.ids)], ["employee_id"], ["__count"])
        )
        for employee in self:
            employee.face_negative_count = counts.get(employee._origin, 0) if employee._origin else 0

    def _erase_biometric_data(self):
        """Also the negatives of these persons, those made of their own face (sightings now theirs),
        and the face vectors their sightings carry."""
        if self:
            events = self.env["face.recognition.event"].sudo().search([("employee_id", "in", self.ids)])
            negatives = (
                self.env["face.negative"]
                .sudo()
                .search(["|", ("employee_id", "in", self.ids), ("event_id", "in", events.ids)])
            )
            negatives.unlink()
            events.filtered("face_vector").write({"face_vector": False})
        return super()._erase_biometric_data()

    # Consent withdrawn: nothing is learned of the person any more, whether consent is required or not,
    # until it is given again.
    face_learning_withdrawn = fields.Boolean(readonly=True, copy=False, groups="hr.group_hr_user")

    def write(self, vals):
        withdrawn = self.browse()
        if "face_consent" in vals:
            if vals["face_consent"]:
                vals = dict(vals, face_learning_withdrawn=False)
            else:
                withdrawn = self.sudo().filtered("face_consent")
        result = super().write(vals)
        if withdrawn:
            # What was learned of them was learned under their consent: it goes with it (enrolled
            # photos stay HR's decision, as before).
            withdrawn.write({"face_learning_withdrawn": True})
            withdrawn._face_forget_learning()
        return result

    def _face_forget_learning(self):
        self.env["face.negative"].sudo().search([("employee_id", "in", self.ids)]).unlink()
        self.env["face.template"].sudo().with_context(active_test=False).search(
            [("employee_id", "in", self.ids), ("origin", "=", "learned")]
        ).unlink()
