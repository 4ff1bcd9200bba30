"""Calibration on site: how often the recognition errs here, told by the company's own sightings."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .face_api_key import iso
from .face_recognition_event import ACCEPTED
from .security_groups import MANAGER

# A duplicate is a sighting the engine took for the person, as a check-in or a check-out is.
RECOGNISED = (*ACCEPTED, "duplicate")
CORRECTED = ("not_person", "reassigned")


def _encoder_class(name):
    # The class alone holds the default threshold: no model file is loaded, and an encoder whose
    # libraries are missing here (dlib) is still calibrated from its daemons' sightings.
    if name == "sface":
        from face_attendance_daemon.engine.sface import SFaceEncoder

        return SFaceEncoder
    if name == "dlib":
        from face_attendance_daemon.engine.dlib_encoder import DlibEncoder

        return DlibEncoder
    return None


class FaceRecognitionCalibration(models.AbstractModel):
    """The estimated error rates of the recognition at its current threshold, per encoder, from the
    decided sightings of the caller's companies, and the threshold a target false-accept rate would need.

    Which sightings: those of the caller's companies that carry a distance and the encoder that
    measured it (the event's ``encoder`` tag), sighted within the event retention period
    (``event_retention_days``) and settled: sighted before now minus ``learning_settle_hours``, so that
    HR had the time to correct them.

    Genuine (the face was the person the distance was measured to, or the engine missed them):

    - sightings the engine recognised (checked in, checked out or duplicate) and HR did not correct;
    - unknown faces that HR later assigned to a person in the unknown faces review (``review_state``
      "assigned"): misses, over the threshold. Their distance is to the nearest person, which is at most
      the distance to the right one; either way over the threshold, so each counts as one false reject.

    Impostor (the face was not the person the distance was measured to):

    - sightings HR corrected as "not this person" or reassigned to somebody else: the distance was to
      the wrong person;
    - unknown faces never assigned (still to review, or dismissed): the distance to the nearest
      person, of a face presumed a stranger's.

    Left out: sightings whose attendance HR deleted or corrected around them (the face may have been
    right), those refused for liveness or in error, and unknown faces assigned by HR and then corrected
    again (neither kind can be told).

    Figures, per encoder tag, at ``threshold`` (the match threshold setting, else that encoder's
    default, as the daemons use it): ``far`` = impostors with distance <= threshold / impostors,
    ``frr`` = genuine with distance > threshold / genuine (None when there are none),
    ``threshold_for_target`` = the largest threshold whose FAR stays <= ``calibration_target_far``
    (``engine.calibrate``), and the distance histograms of both. The threshold itself is never changed
    here: a manager changes the setting.

    Face Attendance managers (and administrators) read it: it tells the error rates of whole companies.
    """

    _name = "face.recognition.calibration"
    _description = "Recognition calibration"

    @api.model
    def calibration(self):
        """The calibration of the caller's companies (see the class): Face Attendance managers and administrators."""
        user = self.env.user
        if not (self.env.su or user.has_group(MANAGER) or user.has_group("base.group_system")):
            raise AccessError(self.env._("Only Face Attendance managers read the recognition's error rates."))
        return self._calibration(self.env.companies.ids)

    @api.model
    def _calibration(self, company_ids, now=None):
        from face_attendance_daemon.engine.calibrate import calibrate

        config = self.env["face.attendance.config"]
        now = now or fields.Datetime.now()
        settle_hours = config._get("learning_settle_hours")
        retention_days = config._get("event_retention_days")
        target_far = config._get("calibration_target_far")
        samples = self._samples(company_ids, now - timedelta(days=retention_days), now - timedelta(hours=settle_hours))
        configured = _encoder_class(config._get("encoder"))
        if configured:
            # The encoder in use is always shown, with no sightings yet if need be.
            samples.setdefault("%s:%s" % (configured.name, configured.version), ([], []))
        encoders = []
        for tag in sorted(samples):
            genuine, impostor = samples[tag]
            threshold = float(config._match_threshold(_encoder_class(tag.split(":", 1)[0])))
            # Distances beyond twice the threshold tell nothing more: they share the last bin, so that
            # one far-off value cannot squeeze the histogram into its first bins.
            top = max([threshold] + [min(max(values), 2 * threshold) for values in (genuine, impostor) if values])
            figures = calibrate(genuine, impostor, threshold, target_far, top=top)
            encoders.append(
                {
                    "encoder": tag,
                    "name": tag.split(":", 1)[0],
                    "threshold": threshold,
                    "genuine_count": int(figures["genuine_count"]),
                    "impostor_count": int(figures["impostor_count"]),
                    "far": _number(figures["far"]),
                    "frr": _number(figures["frr"]),
                    "threshold_for_target": _number(figures["threshold_for_target"]),
                    "histogram": {
                        "edges": [float(edge) for edge in figures["histogram"]["edges"]],
                        "genuine": [int(count) for count in figures["histogram"]["genuine"]],
                        "impostor": [int(count) for count in figures["histogram"]["impostor"]],
                    },
                }
            )
        return {
            "encoders": encoders,
            "target_far": float(target_far),
            "settle_hours": settle_hours,
            "retention_days": retention_days,
            "since": iso(now - timedelta(days=retention_days)),
            "until": iso(now - timedelta(hours=settle_hours)),
        }

    @api.model
    def _samples(self, company_ids, since, until):
        """{encoder tag: (genuine distances, impostor distances)} of the companies' decided sightings."""
        if not company_ids:
            return {}
        Event = self.env["face.recognition.event"]
        Event.flush_model(["company_id", "distance", "encoder", "sighted_at", "outcome", "review_state"])
        Event.flush_model(["face_correction_kind"])
        # Every sighting of a whole year: read as rows, not as records.
        self.env.cr.execute(
            SQL(
                """SELECT encoder, distance, outcome, face_correction_kind, review_state
                     FROM face_recognition_event
                    WHERE company_id = ANY(%s) AND distance IS NOT NULL AND coalesce(encoder, '') != ''
                      AND sighted_at >= %s AND sighted_at < %s""",
                list(company_ids),
                since,
                until,
            )
        )
        samples = {}
        for tag, distance, outcome, correction, review in self.env.cr.fetchall():
            encoder = _encoder_class(tag.split(":", 1)[0])
            if encoder is None or tag != "%s:%s" % (encoder.name, encoder.version):
                # A sender's own encoder or version: no threshold of ours applies to it (and a sender
                # cannot make rows up by naming versions).
                continue
            kind = _kind(outcome, correction, review)
            if kind is not None:
                samples.setdefault(tag, ([], []))[kind].append(float(distance))
        return samples


def _kind(outcome, correction, review):
    """0 genuine, 1 impostor, None left out (see FaceRecognitionCalibration)."""
    if review == "assigned":
        return None if correction in CORRECTED else 0
    if correction in CORRECTED:
        return 1
    if outcome in RECOGNISED and not correction:
        return 0
    if outcome == "unknown":
        return 1
    return None


def _number(value):
    return None if value is None else float(value)
