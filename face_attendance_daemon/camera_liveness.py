"""Liveness per camera: off, flag (score only) or enforce (a verdict Odoo acts on).

Scored once per event, not per frame: on the frames of the track that agreed on the decision. The
engine's checker answers for a model directory; without it liveness is *unavailable*, never live.
"""

import logging
from dataclasses import dataclass

from .engine.liveness import DEFAULT_THRESHOLD, check_face, checker_status

_logger = logging.getLogger(__name__)

OFF, FLAG, ENFORCE = "off", "flag", "enforce"
MODES = (OFF, FLAG, ENFORCE)
LIVE, SPOOF, UNAVAILABLE = "live", "spoof", "unavailable"


def camera_mode(value):
    """(mode, problem) from Odoo's camera value. Not set is off (CCTV: faces too far for liveness);
    a value this daemon does not know fails closed, as enforce, since it may be a stricter mode."""
    if value is None or value is False or value == "":
        return OFF, ""
    if isinstance(value, str) and value.strip().lower() in MODES:
        return value.strip().lower(), ""
    return ENFORCE, "unknown liveness mode %r (known: %s): enforced" % (value, ", ".join(MODES))


@dataclass(frozen=True)
class FaceLiveness:
    score: object  # mean "real" probability of the scored frames, or None
    verdict: str  # live, spoof or unavailable
    frames: int  # frames scored
    reason: str = ""


def judge(checker, observations, threshold, unavailable_reason=""):
    """The liveness of one decided face from its agreeing frames (observations carrying an image)."""
    if checker is None:
        return FaceLiveness(None, UNAVAILABLE, 0, unavailable_reason or "no liveness models")
    scores, failure = [], ""
    for observation in observations:
        if observation.image is None:
            continue
        try:
            scores.append(check_face(checker, observation.image, observation.box, threshold).score)
        except Exception as error:  # a frame that cannot be scored must not lose the event
            failure = str(error)[:200]
    if not scores:
        return FaceLiveness(None, UNAVAILABLE, 0, failure or "no frame of the face could be checked")
    # The mean, so that the score sent explains the verdict; one odd frame (blur, a turn of the
    # head) moves it less than a vote over the three or so frames a decision rests on would.
    mean = sum(scores) / len(scores)
    return FaceLiveness(mean, LIVE if mean >= threshold else SPOOF, len(scores))


def event_fields(mode, result):
    """The event's liveness fields: none when off, the score in flag, score and verdict in enforce."""
    if mode == OFF:
        return {}
    # null, not left out: Odoo tells "checked, no score" from "not checked" by the key's presence.
    fields = {"liveness_score": None if result.score is None else round(min(1.0, max(0.0, result.score)), 4)}
    if mode == ENFORCE:
        fields["liveness"] = result.verdict
    return fields


class CameraLiveness:
    """One camera's mode and its view of the checker, warning once per change, not per frame."""

    def __init__(self, camera, settings):
        self.camera_id = camera.get("id")
        self.mode, self.problem = camera_mode(camera.get("liveness"))
        self.model_dir = getattr(settings, "liveness_models", "") or ""
        self.threshold = getattr(settings, "liveness_threshold", None) or DEFAULT_THRESHOLD
        self._warned = None
        if self.problem:
            _logger.error(self.problem, extra={"camera_id": self.camera_id})
        if self.active:
            self.checker()

    @property
    def active(self):
        return self.mode != OFF

    def checker(self):
        """(checker or None, reason); logs when liveness becomes unavailable or available again."""
        checker, reason = checker_status(self.model_dir)
        if checker is None and self._warned != reason:
            consequence = (
                "events carry liveness_score null"
                if self.mode == FLAG
                else "events carry liveness unavailable: Odoo records no attendance from this camera"
            )
            _logger.warning(
                "liveness unavailable: " + consequence,
                extra={"camera_id": self.camera_id, "mode": self.mode, "reason": reason},
            )
            self._warned = reason
        elif checker is not None and self._warned is not None:
            _logger.info("liveness available again", extra={"camera_id": self.camera_id, "mode": self.mode})
            self._warned = None
        return checker, reason

    def fields_for(self, observations):
        """(event fields, FaceLiveness or None) for the frames a decision rests on."""
        if not self.active:
            return {}, None
        checker, reason = self.checker()
        result = judge(checker, observations, self.threshold, reason)
        return event_fields(self.mode, result), result
