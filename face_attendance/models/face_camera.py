import logging
import re
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

_logger = logging.getLogger(__name__)
# A file:// URL reads the daemon's host as a file source does, whatever the camera's type says.
_FILE_URL = re.compile(r"\s*file:", re.IGNORECASE)

SOURCE_TYPES = [
    ("webcam", "Webcam"),
    ("rtsp", "RTSP"),
    ("http", "HTTP / MJPEG"),
    ("file", "Video file"),
    ("kiosk", "Face kiosk (browser)"),
]
LIVENESS_MODES = [
    ("off", "Off"),
    ("flag", "Score only"),
    ("enforce", "Enforce (not live: spoof, no attendance)"),
]
DIRECTIONS = [
    ("entry", "Entry"),
    ("exit", "Exit"),
    ("both", "Both (CCTV)"),
    ("toggle", "Toggle (check in, then out, as a kiosk)"),
]


class FaceCamera(models.Model):
    _name = "face.camera"
    _description = "Camera"
    _inherit = ["mail.thread", "mail.activity.mixin", "face.device.alert"]
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    location = fields.Char()
    source_type = fields.Selection(SOURCE_TYPES, required=True, default="rtsp", tracking=True)
    # Stream URLs can hold credentials: only managers may read them.
    source = fields.Char(
        required=True,
        groups="face_attendance.group_face_attendance_manager,face_attendance.group_face_attendance_device",
        help="Webcam index, rtsp:// or http(s):// URL, or video file path.",
    )
    direction = fields.Selection(DIRECTIONS, required=True, default="both", tracking=True)
    enabled = fields.Boolean(default=True, tracking=True)
    active = fields.Boolean(default=True)
    daemon_id = fields.Many2one("face.daemon", string="Daemon", ondelete="set null", tracking=True, check_company=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    match_threshold = fields.Float(digits=(4, 3), help="0 uses the global match threshold.")
    min_face_size = fields.Integer(help="Smallest face to recognise, in pixels; 0 uses the daemon's default.")
    liveness_mode = fields.Selection(
        LIVENESS_MODES,
        string="Liveness",
        required=True,
        default="off",
        tracking=True,
        help="Off for CCTV (faces too far for it). Score only: events carry the liveness score. Enforce: a face "
        "that is not live makes a spoof event and never attendance (and nothing is marked when the daemon has "
        "no liveness models). For cameras people face from up close, such as a door camera.",
    )
    # Live status, reported by the daemon's heartbeat.
    last_frame_at = fields.Datetime(readonly=True)
    fps = fields.Float(readonly=True, digits=(6, 2))
    error_count = fields.Integer(readonly=True)
    last_error = fields.Char(readonly=True)
    status = fields.Selection(
        [("online", "Online"), ("offline", "Offline"), ("disabled", "Disabled"), ("never", "Never seen")],
        compute="_compute_status",
    )
    event_ids = fields.One2many("face.recognition.event", "camera_id")
    # The last connection test, run by the daemon (test_connection command).
    last_checked = fields.Datetime(readonly=True)
    check_ok = fields.Boolean(readonly=True, string="Last test passed")
    check_message = fields.Char(readonly=True, string="Last test message")
    resolution = fields.Char(readonly=True)
    frame_rate = fields.Float(readonly=True, digits=(6, 2), help="The stream's frame rate, from the last test.")
    latency_ms = fields.Float(readonly=True, digits=(8, 1), help="Time to the first frame in the last test.")
    bitrate = fields.Float(readonly=True, digits=(8, 2), help="Megabits per second, when the stream says.")

    @api.constrains("source_type", "source", "daemon_id")
    def _check_source(self):
        for camera in self.sudo():
            source = (camera.source or "").strip()
            if camera.source_type == "webcam" and not source.isdigit():
                raise ValidationError(self.env._("A webcam source is the device index, e.g. 0."))
            if camera.source_type == "rtsp" and not source.startswith(("rtsp://", "rtsps://")):
                raise ValidationError(self.env._("An RTSP source starts with rtsp://."))
            if camera.source_type == "http" and not source.startswith(("http://", "https://")):
                raise ValidationError(self.env._("An HTTP source starts with http:// or https://."))
            if camera.source_type == "kiosk" and camera.daemon_id:
                raise ValidationError(self.env._("A face kiosk's camera is the tablet's: no daemon reads it."))

    @api.constrains("source_type", "source", "daemon_id")
    def _check_file_source_rights(self):
        """A file source makes a daemon open a file of its own host: only system administrators
        name one (or give one to a daemon), through every door (form, RPC, REST, import). The
        daemon itself opens files only under the folders its configuration names."""
        # The writer, even under sudo(): a route or import that elevates keeps its caller's rights.
        if self.env.uid == SUPERUSER_ID or self.env.user.has_group("base.group_system"):
            return
        for camera in self.sudo():
            if camera.source_type == "file" or _FILE_URL.match(camera.source or ""):
                raise AccessError(
                    self.env._(
                        "Only system administrators may set up a video file camera (%(camera)s): a file "
                        "source reads the daemon's own computer.",
                        camera=camera.name,
                    )
                )

    @api.constrains("match_threshold", "min_face_size")
    def _check_thresholds(self):
        for camera in self:
            if camera.match_threshold < 0 or camera.match_threshold > 2:
                raise ValidationError(self.env._("The match threshold is a distance between 0 and 2."))
            if camera.min_face_size < 0:
                raise ValidationError(self.env._("The minimum face size cannot be negative."))

    @api.depends("enabled", "last_frame_at")
    def _compute_status(self):
        limit = fields.Datetime.now() - timedelta(
            minutes=self.env["face.attendance.config"]._get("camera_offline_minutes")
        )
        for camera in self:
            if not camera.enabled:
                camera.status = "disabled"
            elif not camera.last_frame_at:
                camera.status = "never"
            else:
                camera.status = "online" if camera.last_frame_at >= limit else "offline"

    def _daemon_vals(self):
        self.ensure_one()
        camera = self.sudo()
        return {
            "id": camera.id,
            "name": camera.name,
            "source_type": camera.source_type,
            "source": camera.source,
            "direction": camera.direction,
            # XML-RPC cannot carry None: "not set" is False.
            "match_threshold": camera.match_threshold or False,
            "min_face_size": camera.min_face_size or False,
            "liveness": camera.liveness_mode or "off",
        }

    def _update_live_status(self, item):
        vals = {}
        if isinstance(item.get("last_frame_at"), str):
            try:
                vals["last_frame_at"] = fields.Datetime.to_datetime(item["last_frame_at"][:19].replace("T", " "))
            except ValueError:
                # A bad figure from a daemon is dropped; the heartbeat still counts.
                _logger.debug("Camera %s: unreadable last_frame_at %r", self.id, item["last_frame_at"])
        for key in ("fps", "error_count"):
            value = item.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 2**31:
                vals[key] = value
        if isinstance(item.get("last_error"), (str, bool)) or item.get("last_error") is None and "last_error" in item:
            vals["last_error"] = (item["last_error"] or "")[:500]
        if vals:
            self.sudo().write(vals)

    def _record_test_result(self, success, result):
        """Keep the figures of the last connection test on the camera (GET /cameras shows them)."""
        self.ensure_one()

        def number(key):
            value = result.get(key)
            return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0

        resolution = result.get("resolution")
        self.sudo().write(
            {
                "last_checked": fields.Datetime.now(),
                "check_ok": bool(success),
                "check_message": str(result.get("message") or "")[:300] or False,
                "resolution": resolution[:32] if isinstance(resolution, str) and success else False,
                "frame_rate": number("frameRate") if success else 0.0,
                "latency_ms": number("latencyMs") if success else 0.0,
                "bitrate": number("bitrate") if success else 0.0,
            }
        )

    def _command_target(self):
        self.ensure_one()
        self.env["face.daemon.command"]._check_manager()
        self.check_access("read")
        if not self.sudo().daemon_id:
            raise UserError(self.env._("No daemon reads camera %s: assign one first.", self.name))
        return self.sudo().daemon_id.sudo(False)

    def action_test_connection(self):
        self.ensure_one()
        return self.env["face.daemon.command"]._action_run(self._command_target(), "test_connection", self)

    def action_snapshot(self):
        self.ensure_one()
        return self.env["face.daemon.command"]._action_run(self._command_target(), "snapshot", self)

    def action_restart_camera(self):
        self.ensure_one()
        return self.env["face.daemon.command"]._action_run(self._command_target(), "restart_camera", self)
