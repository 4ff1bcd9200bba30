"""The face attendance settings: one list of known keys, typed, bounded and documented.

Settings live in ir.config_parameter (as Odoo's own settings do). Everything that reads or writes
them goes through this model so that the settings screen, the rules and the REST API agree.
"""

import logging

from odoo import api, models
from odoo.exceptions import AccessError, ValidationError

from .odoo_compat import setup_groups
from .security_groups import DEVICE, MANAGER, USER

_logger = logging.getLogger(__name__)

PREFIX = "face_attendance."

# key: (type, default, minimum, maximum, description)
SETTINGS = {
    "duplicate_window_minutes": (
        int,
        5,
        0,
        1440,
        "A recognised sighting within this many minutes of the person's previous accepted event "
        "is recorded as a duplicate and changes nothing.",
    ),
    "auto_mark": (bool, True, None, None, "When off, recognition events are recorded but create no attendance."),
    "work_start_hour": (
        float,
        9.0,
        0.0,
        24.0,
        "Start of the working day (hours, employee's time zone), for late counts in reports.",
    ),
    "work_end_hour": (float, 17.0, 0.0, 24.0, "End of the working day (hours, employee's time zone), for reports."),
    "late_grace_minutes": (
        int,
        10,
        0,
        600,
        "A check-in later than the start of the working day plus this is counted as late.",
    ),
    "encoder": (
        str,
        "sface",
        None,
        None,
        "Face encoder used for new templates and by the daemons: 'sface' (default) or 'dlib'.",
    ),
    "match_threshold": (
        float,
        0.0,
        0.0,
        2.0,
        "Largest distance from a person's centroid (the mean of their templates) at which a face is taken "
        "for them; 0 uses the encoder's measured default (sface 0.50, dlib 0.38).",
    ),
    "min_face_size": (int, 60, 16, 4096, "Smallest face, in pixels of its shorter side, accepted at enrolment."),
    "max_image_bytes": (
        int,
        10 * 1024 * 1024,
        1024,
        100 * 1024 * 1024,
        "Largest image accepted at enrolment or recognition, in bytes.",
    ),
    "consent_required": (
        bool,
        False,
        None,
        None,
        "Refuse to enrol faces of a person whose biometric consent is not recorded.",
    ),
    "future_tolerance_seconds": (
        int,
        300,
        0,
        86400,
        "Events whose sighting time is further than this in the future are rejected.",
    ),
    "forgotten_checkout_hours": (
        float,
        16.0,
        1.0,
        72.0,
        "An attendance opened by a camera and still open after this many hours is closed by the "
        "forgotten check-out rule.",
    ),
    "forgotten_checkout_rule": (
        str,
        "last_seen",
        None,
        None,
        "How a forgotten check-out is closed: 'last_seen' (at the person's last sighting, never "
        "later) or 'fixed' (check-in plus the fixed number of hours).",
    ),
    "forgotten_checkout_fixed_hours": (
        float,
        8.0,
        0.0,
        24.0,
        "Hours added to the check-in by the 'fixed' forgotten check-out rule.",
    ),
    "event_retention_days": (
        int,
        365,
        1,
        3650,
        "Recognition events older than this are deleted (their attendance stays).",
    ),
    "snapshot_retention_days": (int, 30, 1, 3650, "Snapshots of recognition events older than this are deleted."),
    "unknown_retention_days": (
        int,
        30,
        1,
        3650,
        "Events of unknown faces older than this are deleted with their snapshots.",
    ),
    "camera_offline_minutes": (int, 10, 1, 1440, "A camera or daemon silent for longer than this is shown as offline."),
    "liveness_model_dir": (
        str,
        "",
        None,
        None,
        "Directory of the liveness models (minifasnet_v2.onnx and minifasnet_v1se.onnx, checked against "
        "their sha256); empty uses the server's FA_LIVENESS_MODELS. Without them liveness is unavailable: "
        "kiosks that require it refuse to mark attendance.",
    ),
    "liveness_threshold": (
        float,
        0.5,
        0.05,
        0.99,
        "Liveness score (0-1) from which a face counts as a live person rather than a photo or a screen.",
    ),
    "kiosk_live_frames": (
        int,
        3,
        1,
        30,
        "A face kiosk marks attendance once this many of the person's last frames (see the next setting) were live.",
    ),
    "kiosk_window_frames": (
        int,
        5,
        1,
        30,
        "How many of a person's last frames a face kiosk weighs; when the live ones can no longer reach the "
        "setting above, it is a spoof attempt.",
    ),
    "kiosk_spoof_alert_minutes": (
        int,
        5,
        1,
        1440,
        "At most one spoof alert per face kiosk within this many minutes (each attempt is still recorded).",
    ),
    "learning_settle_hours": (
        int,
        48,
        1,
        720,
        "A sighting may become a learned template only once its decision has stood (not corrected by HR) "
        "for this many hours.",
    ),
    "learning_max_distance_ratio": (
        float,
        0.6,
        0.1,
        1.0,
        "A sighting may become a learned template only when its distance to the person is at most this "
        "fraction of the match threshold (confident, well under it).",
    ),
    "learning_min_face_size": (
        int,
        80,
        16,
        4096,
        "Smallest face, in pixels of its shorter side, that may become a learned template.",
    ),
    "learning_min_sharpness": (
        float,
        40.0,
        0.0,
        100000.0,
        "Least sharpness (variance of the Laplacian of the face) of a sighting that may become a learned template.",
    ),
    "learning_min_frontal": (
        float,
        0.5,
        0.0,
        1.0,
        "How frontal (0-1, from the face's landmarks) a sighting must be to become a learned template.",
    ),
    "learning_min_frames": (
        int,
        3,
        1,
        100,
        "Frames of its track (or kiosk frames) that must have agreed on the person before a sighting may "
        "become a learned template.",
    ),
    "learned_templates_per_person": (
        int,
        5,
        0,
        50,
        "At most this many learned templates per person and encoder, the most diverse kept; 0 learns nothing.",
    ),
    "learned_retention_days": (
        int,
        365,
        1,
        3650,
        "Learned templates and negative examples older than this are deleted.",
    ),
    "lookalike_distance": (
        float,
        0.0,
        0.0,
        2.0,
        "Persons whose centroids are closer than this distance are flagged as look-alikes; 0 uses the "
        "encoder's measured default.",
    ),
    "lookalike_margin": (
        float,
        0.05,
        0.0,
        1.0,
        "A look-alike is recognised by a camera only when their distance is at least this much smaller than "
        "the distance to the nearest other person.",
    ),
    "calibration_target_far": (
        float,
        0.001,
        0.00001,
        0.5,
        "False-accept rate the calibration proposes a threshold for (0.001 = one stranger in a thousand).",
    ),
    "kiosk_frames_per_minute": (
        int,
        240,
        10,
        6000,
        "Frames a face kiosk may send per minute; more are refused (429) until the minute has passed.",
    ),
}
CHOICES = {
    "encoder": ("sface", "dlib"),
    "forgotten_checkout_rule": ("last_seen", "fixed"),
}


class _BadSetting(ValueError):
    """A value that does not fit its setting: (problem, params); the message is only translated
    when it is shown to somebody, never when a stored value is read."""


def _parse(env, key, value):
    try:
        return _coerce(key, value)
    except _BadSetting as error:
        problem, params = error.args
        if problem == "type":
            message = env._("Setting %(key)s expects a %(kind)s, got %(value)r.", **params)
        elif problem == "range":
            message = env._("Setting %(key)s must be between %(low)s and %(high)s.", **params)
        else:
            message = env._("Setting %(key)s must be one of %(choices)s.", **params)
        raise ValidationError(message) from None


def _coerce(key, value):
    kind, default, low, high, _doc = SETTINGS[key]
    if value is None or value == "":
        return default
    try:
        if kind is bool:
            if isinstance(value, bool):
                parsed = value
            elif str(value).strip().lower() in ("1", "true", "yes", "on"):
                parsed = True
            elif str(value).strip().lower() in ("0", "false", "no", "off"):
                parsed = False
            else:
                raise ValueError(value)
        elif kind is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            parsed = int(str(value).strip()) if isinstance(value, str) else int(value)
        elif kind is float:
            if isinstance(value, bool):
                raise ValueError(value)
            parsed = float(value)
            if parsed != parsed:
                # NaN passes no bound check (every comparison with it is false).
                raise ValueError(value)
        else:
            if not isinstance(value, str):
                raise ValueError(value)
            parsed = value.strip()
    except (TypeError, ValueError):
        raise _BadSetting("type", {"key": key, "kind": kind.__name__, "value": value}) from None
    if low is not None and parsed < low or high is not None and parsed > high:
        raise _BadSetting("range", {"key": key, "low": low, "high": high})
    if key in CHOICES and parsed not in CHOICES[key]:
        raise _BadSetting("choice", {"key": key, "choices": ", ".join(CHOICES[key])})
    return parsed


def parse_setting(key, value):
    """``value`` as setting ``key`` (its type, bounds and choices), for a caller with no environment
    (the REST API's request model): ValueError with the reason, in English, when it does not fit."""
    try:
        return _coerce(key, value)
    except _BadSetting as error:
        problem, params = error.args
        if problem == "type":
            message = "Setting %(key)s expects a %(kind)s, got %(value)r." % params
        elif problem == "range":
            message = "Setting %(key)s must be between %(low)s and %(high)s." % params
        else:
            message = "Setting %(key)s must be one of %(choices)s." % params
        raise ValueError(message) from None


class FaceAttendanceConfig(models.AbstractModel):
    """Settings access. Reading is internal (private methods); changing goes through ``set``, which
    only Face Attendance managers and system administrators may call, and which logs every change."""

    _name = "face.attendance.config"
    _description = "Face Attendance Settings"

    @api.model
    def _setup_groups(self):
        """Called by data/face_attendance_setup.xml on install and update (not over RPC: private)."""
        ref = self.env.ref
        setup_groups(
            self.env,
            groups=ref(USER) | ref(MANAGER) | ref(DEVICE),
            category=ref("face_attendance.module_category_face_attendance"),
            privilege_xmlid="face_attendance.res_groups_privilege_face_attendance",
            privilege_name="Face Attendance",
            manager=ref(MANAGER),
            user=ref(USER),
            users=ref("base.user_root") | ref("base.user_admin"),
            actions=[
                ref("face_attendance.face_unknown_group_action"),
                ref("face_attendance.face_developer_console_action"),
                ref("face_attendance.face_system_health_action"),
                ref("face_attendance.face_template_reencode_action"),
                ref("face_attendance.face_event_not_person_wizard_action"),
                ref("face_attendance.face_attendance_delete_wizard_action"),
            ],
        )

    @api.model
    def _get(self, key):
        if key not in SETTINGS:
            raise ValidationError(self.env._("Unknown setting %s.", key))
        raw = self.env["ir.config_parameter"].sudo().get_param(PREFIX + key)
        if raw in (None, False, ""):
            return SETTINGS[key][1]  # never set: the default, quietly
        try:
            return _coerce(key, raw)
        except _BadSetting:
            # A hand-edited bad value must not stop attendance: fall back to the default.
            _logger.warning("Setting %s holds an invalid value %r: its default is used", key, raw)
            return SETTINGS[key][1]

    @api.model
    def _get_all(self):
        return {key: self._get(key) for key in SETTINGS}

    @api.model
    def _check_can_change(self):
        """Settings hold for the whole database, so every company's attendance: administrators
        change them, and Face Attendance managers who belong to every company."""
        user = self.env.user
        if self.env.su or user.has_group("base.group_system"):
            return
        if not user.has_group(MANAGER):
            raise AccessError(self.env._("Only Face Attendance managers and administrators change its settings."))
        if self.env["res.company"].sudo().search_count([("id", "not in", user.company_ids.ids)]):
            raise AccessError(
                self.env._(
                    "Face Attendance settings apply to every company: only a manager of all "
                    "companies, or an administrator, changes them."
                )
            )

    @api.model
    def set(self, key, value):
        """Change one setting, validated against its type and bounds; the change is logged."""
        self._check_can_change()
        if key not in SETTINGS:
            raise ValidationError(
                self.env._(
                    "Unknown setting %(key)s; known settings: %(known)s.", key=key, known=", ".join(sorted(SETTINGS))
                )
            )
        parsed = _parse(self.env, key, value)
        before = self._get(key)
        params = self.env["ir.config_parameter"].sudo()
        if params.get_param(PREFIX + key) != str(parsed):
            params.set_param(PREFIX + key, str(parsed))
        if before != parsed:
            self.env["face.system.log"]._log(
                self.env._("Setting %(key)s changed from %(old)s to %(new)s", key=key, old=before, new=parsed),
                category="system",
                action="config.set",
                object_ref="setting,%s" % key,
                details={"key": key, "old": before, "new": parsed},
            )
        return parsed

    @api.model
    def _api_settings(self):
        """GET /config: every setting with its description and value (Face Attendance users)."""
        if not self.env.user.has_group(USER):
            raise AccessError(self.env._("Only Face Attendance users read the system figures."))
        described, values = self._describe(), self._get_all()
        return [dict(described[key], key=key, value=values[key]) for key in sorted(described)]

    @api.model
    def _api_set(self, key, value):
        """POST /config: change one setting (managers; ``set`` checks the value and who may), logged
        as an API change. The value as stored."""
        if not self.env.user.has_group(MANAGER):
            raise AccessError(self.env._("Only Face Attendance managers and administrators change its settings."))
        value = self.set(key, value)
        self.env["face.system.log"]._log_api(
            "config.set", "setting,%s" % key, "Setting %s changed" % key, {"value": value}
        )
        return value

    @api.model
    def _describe(self):
        return {
            key: {
                "type": spec[0].__name__,
                "default": spec[1],
                "min": spec[2],
                "max": spec[3],
                "description": spec[4],
                "choices": list(CHOICES.get(key, ())) or None,
            }
            for key, spec in SETTINGS.items()
        }

    @api.model
    def _encoder(self):
        """The encoder of the configured name, built once per process."""
        from face_attendance_daemon.engine import get_encoder

        return get_encoder(self._get("encoder"))

    @api.model
    def _liveness_checker(self):
        """(checker or None, reason): the engine's liveness for the configured model directory."""
        from face_attendance_daemon.engine.liveness import checker_status

        return checker_status(self._get("liveness_model_dir") or None)

    @api.model
    def _match_threshold(self, encoder=None):
        threshold = self._get("match_threshold")
        return threshold or (encoder or self._encoder()).default_threshold
