"""Learning from confirmed sightings, and forgetting what HR corrects (issue 25, items 2 and 3).

A sighting may become a LEARNED template of its person when its decision stood: accepted (checked in,
checked out, or a duplicate of a recognition that stood), not corrected by HR for the settling period,
live where liveness was checked, of good quality and confirmed by several frames of its track, and
confident: its distance to the person's ENROLLED centroid, recomputed here, well under the threshold.

- The vector is the sighting's SNAPSHOT encoded here, as enrolment encodes a photo: a template needs
  its photo (re-encoding after an encoder switch, what HR sees and removes), so a sighting without a
  snapshot, or whose snapshot shows no single clear face, is not learned. The sender's vector is NOT
  used for the distance check: the vector that becomes the template is the one that must be close, and
  a snapshot's largest face may be somebody else's than the track's (then it is too far: refused).
- The distance is to the centroid of the ENROLLED templates only, never the sender's: learned templates
  cannot pull the person towards another face step by step.
- Size, sharpness and frontality are the sender's (it saw the full-resolution face; the snapshot may be
  scaled down) when it sent them, else measured on the snapshot; frames are the sender's only.
- Few per person and encoder (setting learned_templates_per_person), the most diverse kept
  (engine pick_diverse): learned templates not kept are removed.
- Each sighting is looked at once (face_learning_state), under the person's lock: HR's corrections
  take it too and write the sighting, so a correction that commits while learning runs makes one of the
  two fail and be retried (the row is read FOR UPDATE), never both pass.

A sighting later corrected (set aside by an attendance correction, "not this person", reassigned)
loses at once the learned template made from it (tombstone: daemons drop it at their next sync).
"""

import base64
import binascii
import logging
from datetime import timedelta

import cv2
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from face_attendance_daemon.engine import (
    EngineError,
    LearnPolicy,
    decode_image,
    dominant_face,
    frontal_score,
    learn_refusal,
    pick_diverse,
    vector_from_bytes,
)
from face_attendance_daemon.engine.quality import sharpness as face_sharpness

_logger = logging.getLogger(__name__)

# Outcomes of a recognition that stood (a duplicate was the same person, seen again).
LEARNABLE = ("checked_in", "checked_out", "duplicate")
# Sightings looked at per cron run; the rest wait for the next run.
BATCH = 500
LEARNING_STATES = [("learned", "Learned"), ("refused", "Not learned")]
# Why a sighting was not learned: the rules of this file and of engine.learn.learn_refusal.
LEARNING_NOTES = [
    ("disabled", "Learning is off for the company"),
    ("consent", "No biometric consent"),
    ("archived", "The person is archived"),
    ("no_enrolment", "The person has no enrolled face"),
    ("no_snapshot", "No snapshot"),
    ("no_face", "No single clear face in the snapshot"),
    ("distance", "Not close enough to the enrolled faces"),
    ("face_size", "Face too small"),
    ("sharpness", "Face too blurred"),
    ("frontal", "Face not frontal enough"),
    ("frames", "Too few frames agreed"),
    ("liveness", "Not live"),
    ("cap", "Less diverse than the learned faces kept"),
    ("corrected", "Corrected by HR"),
]


class FaceRecognitionEventLearning(models.Model):
    _inherit = "face.recognition.event"

    face_learning_state = fields.Selection(
        LEARNING_STATES,
        string="Learning",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Empty until learning has looked at the sighting (once its settling period is over).",
    )
    face_learning_note = fields.Selection(LEARNING_NOTES, string="Why not learned", readonly=True, copy=False)

    def write(self, vals):
        result = super().write(vals)
        if vals.get("face_correction_kind"):
            # HR corrected these sightings: nothing learned from them may stay, and a face that was
            # not its person teaches the matcher so.
            self._face_forget_learned()
            if vals["face_correction_kind"] in ("not_person", "reassigned"):
                self.env["face.negative"]._from_events(self)
        return result

    def _face_forget_learned(self):
        learned = (
            self.env["face.template"]
            .sudo()
            .with_context(active_test=False)
            .search([("source_event_id", "in", self.ids), ("origin", "=", "learned")])
        )
        learned.unlink()
        was_learned = self.sudo().filtered(lambda e: e.face_learning_state == "learned")
        return super(FaceRecognitionEventLearning, was_learned).write(
            {"face_learning_state": "refused", "face_learning_note": "corrected"}
        )


class FaceTemplateLearning(models.AbstractModel):
    _name = "face.template.learning"
    _description = "Learning face templates from confirmed sightings"

    @api.model
    def _policy(self):
        get = self.env["face.attendance.config"]._get
        return LearnPolicy(
            max_distance_ratio=get("learning_max_distance_ratio"),
            min_face_size=get("learning_min_face_size"),
            min_sharpness=get("learning_min_sharpness"),
            min_frontal=get("learning_min_frontal"),
            min_frames=get("learning_min_frames"),
            cap=get("learned_templates_per_person"),
        )

    @api.model
    def _cron_learn(self, limit=BATCH):
        """Retention first, then the settled sightings not looked at yet. Returns the templates learned."""
        self._purge_retention()
        config = self.env["face.attendance.config"]
        now = fields.Datetime.now()
        settled = now - timedelta(hours=config._get("learning_settle_hours"))
        # Older than the retention, a learned template would be deleted at once.
        oldest = now - timedelta(days=config._get("learned_retention_days"))
        Event = self.env["face.recognition.event"].sudo()
        events = Event.search(
            [
                ("face_learning_state", "=", False),
                ("outcome", "in", LEARNABLE),
                ("face_correction_kind", "=", False),
                ("employee_id", "!=", False),
                # A PIN at the kiosk is not a face recognised.
                ("source", "!=", "kiosk_pin"),
                ("sighted_at", "<", settled),
                ("sighted_at", ">=", oldest),
            ],
            order="sighted_at, id",
            limit=limit,
        )
        learned = self.env["face.template"]
        by_person = {}
        for event in events:
            by_person.setdefault(event.employee_id, []).append(event.id)
        encoder = config._encoder()
        policy = self._policy()
        for employee, event_ids in sorted(by_person.items(), key=lambda item: item[0].id):
            try:
                with self.env.cr.savepoint():
                    learned |= self._learn_person(employee, Event.browse(event_ids), encoder, policy)
            except (pg_errors.SerializationFailure, pg_errors.LockNotAvailable):
                # A correction of HR's touched these sightings meanwhile: the next run sees it.
                _logger.info("Learning for %s postponed: its sightings changed meanwhile", employee.id)
        if learned:
            self.env["face.system.log"]._log(
                self.env._("%s face template(s) learned from sightings", len(learned)),
                category="system",
                action="cron.learn_faces",
                details={"template_ids": learned.ids},
            )
        return learned

    def _learn_person(self, employee, events, encoder, policy):
        """Learn what may be learned of one person's ``events``, under the person's lock."""
        Event = self.env["face.recognition.event"].sudo()
        Event._lock_persons(employee.ids)
        # Under REPEATABLE READ the lock alone shows the world as this transaction first saw it: a
        # sighting corrected since then makes this fail (and the person wait for the next run).
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT id FROM face_recognition_event WHERE id IN %s FOR NO KEY UPDATE", [tuple(events.ids)]
        )
        # The person too: consent withdrawn or the person archived meanwhile fails it alike.
        self.env.cr.execute("SELECT id FROM hr_employee WHERE id = %s FOR SHARE", [employee.id])
        events.invalidate_recordset()
        employee.invalidate_recordset()
        events = events.filtered(
            lambda e: not e.face_learning_state
            and not e.face_correction_kind
            and e.employee_id == employee
            and e.outcome in LEARNABLE
        )
        if not events:
            return self.env["face.template"]
        Template = self.env["face.template"].sudo().with_context(active_test=False)
        mine = Template.search(
            [
                ("employee_id", "=", employee.id),
                ("encoder_name", "=", encoder.name),
                ("encoder_version", "=", encoder.version),
                ("active", "=", True),
            ]
        )
        enrolled = [self._vector(t.encoding) for t in mine if t.origin != "learned" and t.encoding]
        learned = [(("t", t.id), self._vector(t.encoding)) for t in mine if t.origin == "learned" and t.encoding]
        refusals, candidates = {}, []
        for event in events:
            reason, vector = self._refusal(event, employee, encoder, policy, enrolled)
            if reason:
                refusals.setdefault(reason, []).append(event.id)
            else:
                candidates.append((("e", event.id), vector))
        created = Template
        if candidates:
            kept = set(pick_diverse(encoder, enrolled, learned, candidates, policy.cap))
            dropped = Template.browse([key[1] for key, _v in learned if key not in kept])
            dropped.unlink()
            for key, _vector in candidates:
                if key not in kept:
                    refusals.setdefault("cap", []).append(key[1])
                    continue
                event = Event.browse(key[1])
                try:
                    with self.env.cr.savepoint():
                        template = Template.create(
                            {
                                "employee_id": employee.id,
                                "image": event.snapshot,
                                "origin": "learned",
                                "source_event_id": event.id,
                            }
                        )
                except (UserError, ValidationError) as error:
                    # Enrolment's own checks (size limits, one clear face) refuse the snapshot: this
                    # sighting is not learned, and the others of the run still are.
                    _logger.info("Sighting %s not learned: %s", event.id, error)
                    refusals.setdefault("no_face", []).append(event.id)
                    continue
                created |= template
                event.write({"face_learning_state": "learned", "face_learning_note": False})
        for reason, ids in refusals.items():
            Event.browse(ids).write({"face_learning_state": "refused", "face_learning_note": reason})
        return created

    def _refusal(self, event, employee, encoder, policy, enrolled):
        """(None, vector) when ``event`` may be learned, else (reason code, None)."""
        if not event.company_id.face_learning_enabled:
            return "disabled", None
        if employee.face_learning_withdrawn or (
            self.env["face.attendance.config"]._get("consent_required") and not employee.face_consent
        ):
            return "consent", None
        if not employee.active:
            return "archived", None
        if not enrolled:
            return "no_enrolment", None
        if not event.snapshot:
            return "no_snapshot", None
        seen = self._snapshot_face(event.snapshot, encoder)
        if seen is None:
            return "no_face", None
        vector, size, sharp, frontal = seen
        sent_size, sent_sharp, sent_frontal = self._sent_figures(event)
        # The face's size as the sender measured it at full resolution (the snapshot may be scaled
        # down); sharpness and pose are measured on the snapshot, which becomes the template, and a
        # sender's worse figure refuses too: what was not sent is not taken for 0, and what was sent
        # cannot lift a blurred or turned snapshot over the rules.
        size = sent_size or size
        sharp = min(v for v in (sharp, sent_sharp) if v is not None)
        frontal = min((v for v in (frontal, sent_frontal) if v is not None), default=None)
        centroid = encoder.centroid(enrolled)
        distance = float(encoder.distances(vector, centroid[None, :])[0])
        threshold = self.env["face.recognition.service"]._threshold(encoder, event.camera_id)
        reason = learn_refusal(
            policy,
            threshold,
            distance,
            size,
            sharp,
            frontal,
            event.track_frames or None,
            event.liveness or None,
        )
        return (reason, None) if reason else (None, vector)

    @api.model
    def _sent_figures(self, event):
        """(face size, sharpness, frontal) as the sender sent them, None for each it did not send."""
        self.env.cr.execute(
            "SELECT face_size, face_sharpness, face_frontal FROM face_recognition_event WHERE id = %s", [event.id]
        )
        return self.env.cr.fetchone()

    @api.model
    def _snapshot_face(self, snapshot, encoder):
        """(vector, size, sharpness, frontal) of the snapshot's one clear face, as enrolment takes it,
        or None when there is none (no face, or faces of similar size)."""
        config = self.env["face.attendance.config"]
        try:
            data = base64.b64decode(snapshot)
            if len(data) > config._get("max_image_bytes"):
                return None
            image = decode_image(data)
            face = dominant_face(encoder.detect(image))
            if face is None or face.size < config._get("min_face_size"):
                return None
            return (
                encoder.encode(image, face),
                face.size,
                face_sharpness(image, face.box),
                frontal_score(face.landmarks),
            )
        except (EngineError, binascii.Error, ValueError, cv2.error):
            # A snapshot the engine cannot read is not learned; it must not stop the others.
            return None

    @api.model
    def _vector(self, encoding):
        return vector_from_bytes(base64.b64decode(encoding))

    @api.model
    def _purge_retention(self):
        """Learned templates and negative examples past the learning retention (biometric data)."""
        cutoff = fields.Datetime.now() - timedelta(
            days=self.env["face.attendance.config"]._get("learned_retention_days")
        )
        old = (
            self.env["face.template"]
            .sudo()
            .with_context(active_test=False)
            .search([("origin", "=", "learned"), ("create_date", "<", cutoff)])
        )
        old.unlink()
        negatives = self.env["face.negative"]._cron_purge(cutoff)
        if old or negatives:
            self.env["face.system.log"]._log(
                self.env._(
                    "Retention: %(templates)s learned template(s) and %(negatives)s negative example(s) deleted",
                    templates=len(old),
                    negatives=negatives,
                ),
                category="system",
                action="cron.purge_learned",
            )
        return {"templates": len(old), "negatives": negatives}
