import math
import re
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .odoo_compat import unique
from .security_groups import DEVICE, MANAGER

# A device registers its daemons itself: a bounded number each, with names that read as host names
# (they reach managers' messages, alerts and exports). A manager names the others as they like.
MAX_DAEMONS_PER_DEVICE = 10
MAX_DAEMONS_PARAM = "face_attendance.max_daemons_per_device"
# ASCII only: look-alike letters of other scripts could pass for another daemon's name.
DEVICE_DAEMON_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ .:@()-]{0,63}$")


def _finite(value):
    """The figures with infinities and NaN as null: XML-RPC carries them, PostgreSQL's JSON refuses them."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


@unique("name_company_uniq", "unique(name, company_id)", "A daemon with this name already exists.")
class FaceDaemon(models.Model):
    _name = "face.daemon"
    _description = "Face Recognition Daemon"
    _inherit = ["mail.thread", "mail.activity.mixin", "face.device.alert"]
    _order = "name"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    user_id = fields.Many2one(
        "res.users",
        string="Odoo user",
        tracking=True,
        ondelete="restrict",
        help="The user the daemon logs in as over XML-RPC (give it the 'Face Attendance / Device' group "
        "and an API key as its password).",
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    camera_ids = fields.One2many("face.camera", "daemon_id", string="Cameras")
    camera_count = fields.Integer(compute="_compute_camera_count")
    version = fields.Char(readonly=True)
    host = fields.Char(readonly=True)
    encoder = fields.Char(readonly=True, help="Encoder the daemon runs (name:version).")
    last_heartbeat = fields.Datetime(readonly=True)
    status = fields.Selection(
        [("online", "Online"), ("offline", "Offline"), ("never", "Never seen")], compute="_compute_status"
    )
    status_details = fields.Json(readonly=True)

    def _compute_camera_count(self):
        for daemon in self:
            daemon.camera_count = len(daemon.camera_ids)

    @api.depends("last_heartbeat")
    def _compute_status(self):
        limit = fields.Datetime.now() - timedelta(
            minutes=self.env["face.attendance.config"]._get("camera_offline_minutes")
        )
        for daemon in self:
            if not daemon.last_heartbeat:
                daemon.status = "never"
            else:
                daemon.status = "online" if daemon.last_heartbeat >= limit else "offline"

    def _check_device_access(self):
        """Devices and managers only; a device acts only on the daemons assigned to it, a manager on
        those of their companies. Groups and assignments decide, never the caller's arguments."""
        user = self.env.user
        is_manager = user.has_group(MANAGER)
        if not self.env.su and not (is_manager or user.has_group(DEVICE)):
            raise AccessError(self.env._("Only face attendance devices and managers may do this."))
        if self and not self.env.su:
            self.check_access("read")
            if not is_manager:
                for daemon in self:
                    if daemon.user_id != user:
                        raise AccessError(self.env._("Daemon %s is not assigned to you.", daemon.name))

    @api.model
    def daemon_register(self, name, host=None, version=None, encoder=None):
        """Called by a daemon at start over XML-RPC: find its record (or create one assigned to the
        caller), return its config. A record assigned to another user, or to nobody, is not taken."""
        self._check_device_access()
        if not isinstance(name, str) or not name.strip() or len(name) > 128:
            raise ValidationError(self.env._("A daemon name is a non-empty string of at most 128 characters."))
        for label, value in (("host", host), ("version", version), ("encoder", encoder)):
            if value not in (None, False) and (not isinstance(value, str) or len(value) > 256):
                raise ValidationError(self.env._("%s must be a string of at most 256 characters.", label))
        name = name.strip()
        daemon = self.sudo().search([("name", "=", name), ("company_id", "in", self.env.companies.ids)], limit=1)
        if not daemon:
            self._check_device_may_create(name)
            daemon = self.sudo().create({"name": name, "user_id": self.env.uid, "company_id": self.env.company.id})
            self.env["face.system.log"]._log(
                self.env._("Daemon %s registered", name),
                category="sync",
                action="daemon.create",
                object_ref="face.daemon,%d" % daemon.id,
            )
        elif not daemon.user_id and not self.env.user.has_group(MANAGER):
            raise AccessError(self.env._("Daemon %s is assigned to no user: a manager assigns it first.", name))
        daemon = daemon.sudo(False)
        daemon._check_device_access()
        daemon.sudo().write(
            {
                "host": host or False,
                "version": version or False,
                "encoder": encoder or False,
                "last_heartbeat": fields.Datetime.now(),
            }
        )
        return daemon.daemon_config()

    @api.model
    def _check_device_may_create(self, name):
        """A device (not a manager) creating its own daemon record: a plain name, and no more records
        than the cap. Counted under a lock per device user, so parallel registrations cannot pass it."""
        if self.env.su or self.env.user.has_group(MANAGER):
            return
        if not DEVICE_DAEMON_NAME.match(name):
            raise ValidationError(
                self.env._(
                    "A daemon registering itself is named with ASCII letters, digits, spaces and . : @ ( ) - _ "
                    "(at most 64 characters); a manager can rename it afterwards."
                )
            )
        self.env.cr.execute("SELECT pg_advisory_xact_lock(hashtext('face.daemon.register'), %s)", [self.env.uid])
        cap = MAX_DAEMONS_PER_DEVICE
        text = self.env["ir.config_parameter"].sudo().get_param(MAX_DAEMONS_PARAM)
        if text and text.strip().isdigit():
            cap = int(text)
        owned = self.sudo().with_context(active_test=False).search_count([("user_id", "=", self.env.uid)])
        if owned >= cap:
            raise AccessError(
                self.env._(
                    "This device already has %(count)s daemons, the most a device registers itself: a manager "
                    "creates or reassigns more.",
                    count=owned,
                )
            )

    def _own_cameras(self):
        """The daemon's cameras of its own company: a camera of another company is never handed
        to it, whoever assigned it."""
        self.ensure_one()
        return self.sudo().camera_ids.filtered(lambda camera: camera.company_id == self.sudo().company_id)

    def daemon_config(self):
        self.ensure_one()
        self._check_device_access()
        config = self.env["face.attendance.config"]
        cameras = self._own_cameras().filtered("enabled")
        return {
            "daemon_id": self.id,
            "encoder": config._get("encoder"),
            "match_threshold": config._match_threshold(),
            "duplicate_window_minutes": config._get("duplicate_window_minutes"),
            "cameras": [camera._daemon_vals() for camera in cameras],
        }

    def daemon_heartbeat(self, status=None, cameras=None):
        """Called periodically by the daemon with its own and its cameras' figures."""
        self.ensure_one()
        self._check_device_access()
        if status not in (None, False) and not isinstance(status, dict):
            raise ValidationError(self.env._("status must be an object."))
        if cameras not in (None, False) and not (
            isinstance(cameras, list) and all(isinstance(item, dict) for item in cameras)
        ):
            raise ValidationError(self.env._("cameras must be a list of objects."))
        now = fields.Datetime.now()
        self.sudo().write({"last_heartbeat": now, "status_details": _finite(status or {})})
        own = self._own_cameras()
        seen = self.env["face.camera"]
        for item in cameras or []:
            camera = own.filtered(lambda c, item=item: c.id == item.get("camera_id"))
            if camera:
                camera._update_live_status(item)
                seen |= camera
        self.env["face.heartbeat.log"]._record(
            self, [(camera, camera.status == "online", camera.fps) for camera in seen], now=now
        )
        return True

    # ------------------------------------------------------------------ commands (the daemon's side)
    def daemon_commands_poll(self, limit=10):
        """Called by the daemon every second or so: its queued commands, now marked as sent.
        A device sees the commands of the daemons assigned to it, and no other."""
        self.ensure_one()
        self._check_device_access()
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 50:
            raise ValidationError(self.env._("limit must be an integer between 1 and 50."))
        return self.env["face.daemon.command"]._take_queued(self, limit)

    def daemon_command_result(self, command_id, success, result=None, snapshot_b64=None):
        """The daemon's answer to one of its commands; answering twice changes nothing.
        Answers the command's state (done, failed, or expired when it came too late)."""
        self.ensure_one()
        self._check_device_access()
        if isinstance(command_id, bool) or not isinstance(command_id, int):
            raise ValidationError(self.env._("command_id must be an integer."))
        if not isinstance(success, bool):
            raise ValidationError(self.env._("success must be true or false."))
        # sudo: devices have no right on the queue; the command must be this (checked) daemon's.
        command = (
            self.env["face.daemon.command"]
            .sudo()
            .search([("id", "=", command_id), ("daemon_id", "=", self.id)], limit=1)
        )
        if not command:
            raise AccessError(
                self.env._("Command %(command)s is not one of daemon %(daemon)s.", command=command_id, daemon=self.name)
            )
        return command._record_result(success, result if result not in (None, False) else {}, snapshot_b64)

    # ------------------------------------------------------------------ commands (backend buttons)
    def action_flush_outbox(self):
        self.ensure_one()
        return self.env["face.daemon.command"]._action_run(self, "flush_outbox")

    def action_restart_daemon(self):
        self.ensure_one()
        return self.env["face.daemon.command"]._action_run(self, "restart_daemon")
