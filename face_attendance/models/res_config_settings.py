from odoo import api, fields, models
from odoo.exceptions import AccessError

from .face_config import PREFIX, SETTINGS


def _check_admin(env):
    # Public over RPC, even on an empty recordset: the settings screen (of every app) is for
    # administrators, as Odoo's own execute() requires.
    if not (env.su or env.user.has_group("base.group_system")):
        raise AccessError(env._("Only administrators read or save the settings."))


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    face_duplicate_window_minutes = fields.Integer(
        config_parameter=PREFIX + "duplicate_window_minutes", default=5, help=SETTINGS["duplicate_window_minutes"][4]
    )
    face_auto_mark = fields.Boolean(string="Mark attendance automatically", default=True, help=SETTINGS["auto_mark"][4])
    face_work_start_hour = fields.Float(
        config_parameter=PREFIX + "work_start_hour", default=9.0, help=SETTINGS["work_start_hour"][4]
    )
    face_work_end_hour = fields.Float(
        config_parameter=PREFIX + "work_end_hour", default=17.0, help=SETTINGS["work_end_hour"][4]
    )
    face_late_grace_minutes = fields.Integer(
        config_parameter=PREFIX + "late_grace_minutes", default=10, help=SETTINGS["late_grace_minutes"][4]
    )
    face_encoder = fields.Selection(
        [("sface", "SFace (OpenCV, default)"), ("dlib", "dlib (face_recognition)")],
        config_parameter=PREFIX + "encoder",
        default="sface",
        help=SETTINGS["encoder"][4],
    )
    face_match_threshold = fields.Float(
        config_parameter=PREFIX + "match_threshold", digits=(4, 3), help=SETTINGS["match_threshold"][4]
    )
    face_min_face_size = fields.Integer(
        config_parameter=PREFIX + "min_face_size", default=60, help=SETTINGS["min_face_size"][4]
    )
    face_consent_required = fields.Boolean(string="Require biometric consent", help=SETTINGS["consent_required"][4])
    face_future_tolerance_seconds = fields.Integer(
        config_parameter=PREFIX + "future_tolerance_seconds", default=300, help=SETTINGS["future_tolerance_seconds"][4]
    )
    face_forgotten_checkout_hours = fields.Float(
        config_parameter=PREFIX + "forgotten_checkout_hours", default=16.0, help=SETTINGS["forgotten_checkout_hours"][4]
    )
    face_forgotten_checkout_rule = fields.Selection(
        [("last_seen", "At the last sighting"), ("fixed", "Check-in plus fixed hours")],
        config_parameter=PREFIX + "forgotten_checkout_rule",
        default="last_seen",
        help=SETTINGS["forgotten_checkout_rule"][4],
    )
    face_forgotten_checkout_fixed_hours = fields.Float(
        config_parameter=PREFIX + "forgotten_checkout_fixed_hours",
        default=8.0,
        help=SETTINGS["forgotten_checkout_fixed_hours"][4],
    )
    face_event_retention_days = fields.Integer(
        config_parameter=PREFIX + "event_retention_days", default=365, help=SETTINGS["event_retention_days"][4]
    )
    face_snapshot_retention_days = fields.Integer(
        config_parameter=PREFIX + "snapshot_retention_days", default=30, help=SETTINGS["snapshot_retention_days"][4]
    )
    face_unknown_retention_days = fields.Integer(
        config_parameter=PREFIX + "unknown_retention_days", default=30, help=SETTINGS["unknown_retention_days"][4]
    )
    face_max_image_bytes = fields.Integer(
        config_parameter=PREFIX + "max_image_bytes", default=10 * 1024 * 1024, help=SETTINGS["max_image_bytes"][4]
    )
    face_camera_offline_minutes = fields.Integer(
        config_parameter=PREFIX + "camera_offline_minutes", default=10, help=SETTINGS["camera_offline_minutes"][4]
    )
    face_liveness_model_dir = fields.Char(
        string="Liveness model directory",
        config_parameter=PREFIX + "liveness_model_dir",
        help=SETTINGS["liveness_model_dir"][4],
    )
    face_liveness_threshold = fields.Float(
        config_parameter=PREFIX + "liveness_threshold",
        default=0.5,
        digits=(3, 2),
        help=SETTINGS["liveness_threshold"][4],
    )
    face_liveness_status = fields.Char(string="Liveness", compute="_compute_face_liveness_status")
    face_kiosk_live_frames = fields.Integer(
        config_parameter=PREFIX + "kiosk_live_frames", default=3, help=SETTINGS["kiosk_live_frames"][4]
    )
    face_kiosk_window_frames = fields.Integer(
        config_parameter=PREFIX + "kiosk_window_frames", default=5, help=SETTINGS["kiosk_window_frames"][4]
    )
    face_kiosk_spoof_alert_minutes = fields.Integer(
        config_parameter=PREFIX + "kiosk_spoof_alert_minutes", default=5, help=SETTINGS["kiosk_spoof_alert_minutes"][4]
    )
    face_kiosk_frames_per_minute = fields.Integer(
        config_parameter=PREFIX + "kiosk_frames_per_minute", default=240, help=SETTINGS["kiosk_frames_per_minute"][4]
    )
    # Learning, look-alikes and calibration (issue 25).
    face_learning_enabled = fields.Boolean(
        related="company_id.face_learning_enabled",
        readonly=False,
        string="Learn from confirmed sightings",
        help="Sightings of this company whose decision stood may become learned templates of the person.",
    )
    face_learning_settle_hours = fields.Integer(
        config_parameter=PREFIX + "learning_settle_hours", default=48, help=SETTINGS["learning_settle_hours"][4]
    )
    face_learning_max_distance_ratio = fields.Float(
        config_parameter=PREFIX + "learning_max_distance_ratio",
        default=0.6,
        digits=(3, 2),
        help=SETTINGS["learning_max_distance_ratio"][4],
    )
    face_learning_min_face_size = fields.Integer(
        config_parameter=PREFIX + "learning_min_face_size", default=80, help=SETTINGS["learning_min_face_size"][4]
    )
    face_learning_min_sharpness = fields.Float(
        config_parameter=PREFIX + "learning_min_sharpness",
        default=40.0,
        digits=(10, 1),
        help=SETTINGS["learning_min_sharpness"][4],
    )
    face_learning_min_frontal = fields.Float(
        config_parameter=PREFIX + "learning_min_frontal",
        default=0.5,
        digits=(3, 2),
        help=SETTINGS["learning_min_frontal"][4],
    )
    face_learning_min_frames = fields.Integer(
        config_parameter=PREFIX + "learning_min_frames", default=3, help=SETTINGS["learning_min_frames"][4]
    )
    face_learned_templates_per_person = fields.Integer(
        config_parameter=PREFIX + "learned_templates_per_person",
        default=5,
        help=SETTINGS["learned_templates_per_person"][4],
    )
    face_learned_retention_days = fields.Integer(
        config_parameter=PREFIX + "learned_retention_days", default=365, help=SETTINGS["learned_retention_days"][4]
    )
    face_lookalike_distance = fields.Float(
        config_parameter=PREFIX + "lookalike_distance", digits=(4, 3), help=SETTINGS["lookalike_distance"][4]
    )
    face_lookalike_margin = fields.Float(
        config_parameter=PREFIX + "lookalike_margin", default=0.05, digits=(4, 3), help=SETTINGS["lookalike_margin"][4]
    )
    face_calibration_target_far = fields.Float(
        config_parameter=PREFIX + "calibration_target_far",
        default=0.001,
        digits=(6, 5),
        help=SETTINGS["calibration_target_far"][4],
    )

    @api.depends("face_liveness_model_dir")
    def _compute_face_liveness_status(self):
        from face_attendance_daemon.engine.liveness import checker_status

        for settings in self:
            checker, reason = checker_status(settings.face_liveness_model_dir or None)
            settings.face_liveness_status = (
                self.env._("Available (%s)", checker.model_dir) if checker else self.env._("Unavailable: %s", reason)
            )

    # Booleans are stored as 'True'/'False' by the config model rather than Odoo's empty-means-false,
    # so that a default of True survives.
    @api.model
    def get_values(self):
        _check_admin(self.env)
        res = super().get_values()
        config = self.env["face.attendance.config"]
        res.update(face_auto_mark=config._get("auto_mark"), face_consent_required=config._get("consent_required"))
        return res

    def set_values(self):
        _check_admin(self.env)
        self.ensure_one()
        config = self.env["face.attendance.config"]
        result = super().set_values()
        config.set("auto_mark", self.face_auto_mark)
        config.set("consent_required", self.face_consent_required)
        # Validate what the config_parameter fields wrote, with the same bounds as the API.
        for name, field in self._fields.items():
            if name.startswith("face_") and getattr(field, "config_parameter", None):
                # An empty text field reads False; the setting's empty value is "".
                value = "" if field.type == "char" and not self[name] else self[name]
                config.set(field.config_parameter[len(PREFIX) :], value)
        return result
