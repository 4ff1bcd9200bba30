"""Commands for a camera daemon: Odoo cannot reach a site's cameras, their daemon can.

A manager (REST route or backend button) queues a command with ``_submit``; the daemon polls its
queue every second or so (``face.daemon.daemon_commands_poll``), runs the command and answers with
``face.daemon.daemon_command_result``. The caller may ``_wait`` a few seconds for that answer; a
command nobody answered in time stays a job whose state is read later (``GET /jobs/{id}``).
"""

import base64
import binascii
import json
import logging
import time
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .face_api_key import iso
from .face_recognition_event import managers_channel
from .security_groups import MANAGER

_logger = logging.getLogger(__name__)

KINDS = [
    ("test_connection", "Test connection"),
    ("snapshot", "Snapshot"),
    ("restart_camera", "Restart camera"),
    ("restart_daemon", "Restart daemon"),
    ("flush_outbox", "Flush outbox"),
]
CAMERA_KINDS = ("test_connection", "snapshot", "restart_camera")
STATES = [
    ("queued", "Queued"),
    ("sent", "Sent to the daemon"),
    ("done", "Done"),
    ("failed", "Failed"),
    ("expired", "Expired"),
]
FINAL_STATES = ("done", "failed", "expired")
# A daemon polls every second: a command not picked up or answered within a minute has a daemon
# that is down or stuck, and running it later (a snapshot an hour late) would surprise everyone.
COMMAND_TTL_SECONDS = 60
MAX_WAIT_SECONDS = 10.0
WAIT_STEP_SECONDS = 0.25
MAX_RESULT_BYTES = 16 * 1024
MAX_SNAPSHOT_BYTES = 4 * 1024 * 1024
KEEP_DAYS = 30
BUS_COMMANDS = "face_attendance/commands"


class FaceDaemonCommand(models.Model):
    _name = "face.daemon.command"
    _description = "Daemon Command"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    daemon_id = fields.Many2one("face.daemon", required=True, ondelete="cascade", index=True, readonly=True)
    camera_id = fields.Many2one("face.camera", ondelete="cascade", index=True, readonly=True)
    kind = fields.Selection(KINDS, required=True, readonly=True)
    state = fields.Selection(STATES, required=True, default="queued", index=True, readonly=True)
    result = fields.Json(readonly=True)
    message = fields.Char(readonly=True, help="The daemon's answer in one line.")
    # The snapshot: an attachment of this command, so that only who may read the command may read it.
    attachment_id = fields.Many2one("ir.attachment", readonly=True, ondelete="set null")
    requested_by = fields.Many2one("res.users", readonly=True, ondelete="set null")
    deadline = fields.Datetime(required=True, readonly=True, index=True)
    picked_at = fields.Datetime(readonly=True)
    done_at = fields.Datetime(readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    result_text = fields.Text(compute="_compute_result_text", string="Answer")
    snapshot = fields.Binary(compute="_compute_snapshot")

    # Seconds a backend button waits for the answer before showing the command as queued.
    _BUTTON_WAIT = 6.0

    @api.depends("kind", "camera_id", "daemon_id")
    def _compute_name(self):
        labels = dict(KINDS)
        for command in self:
            target = command.camera_id.name or command.daemon_id.name or ""
            command.name = "%s: %s" % (labels.get(command.kind, command.kind or ""), target)

    def _compute_result_text(self):
        for command in self:
            command.result_text = json.dumps(command.result, indent=2, sort_keys=True) if command.result else False

    def _compute_snapshot(self):
        for command in self:
            # Readable by who reads the command: the attachment belongs to it.
            command.snapshot = command.sudo().attachment_id.datas if command.attachment_id else False

    # ------------------------------------------------------------------ queueing (managers)
    @api.model
    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group(MANAGER):
            raise AccessError(self.env._("Only face attendance managers may send commands to daemons."))

    @api.model
    def _action_run(self, daemon, kind, camera=None):
        """A backend button: queue, wait a few seconds, show the command (answered or still queued)."""
        self._check_manager()
        command = self._submit(daemon, kind, camera=camera)
        command._wait(self._BUTTON_WAIT)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Daemon command"),
            "res_model": self._name,
            "res_id": command.id,
            "view_mode": "form",
            "target": "new",
        }

    @api.model
    def _submit(self, daemon, kind, camera=None):
        """Queue ``kind`` for ``daemon`` (and ``camera``); the record, in the caller's environment.

        Managers only, on their companies' daemons and cameras, whatever the caller route checked.
        An identical command still waiting in the queue is answered instead of a second one.
        """
        self._check_manager()
        if kind not in dict(KINDS):
            raise ValidationError(self.env._("Unknown command %s.", kind))
        # The caller's rights decide, whatever environment the records came with.
        daemon = daemon.with_env(self.env).exists() if daemon else self.env["face.daemon"]
        camera = camera.with_env(self.env) if camera else self.env["face.camera"]
        if not daemon or len(daemon) != 1:
            raise ValidationError(self.env._("A command goes to exactly one daemon."))
        if not self.env.su:
            # Record rules (companies) apply: a daemon of another company is not found, let alone driven.
            daemon.check_access("read")
        if kind in CAMERA_KINDS:
            if not camera or len(camera) != 1:
                raise ValidationError(self.env._("This command is about one camera."))
            if not self.env.su:
                camera.check_access("read")
            if camera.sudo().daemon_id != daemon or camera.sudo().company_id != daemon.sudo().company_id:
                raise UserError(
                    self.env._(
                        "Camera %(camera)s is not read by daemon %(daemon)s.", camera=camera.name, daemon=daemon.name
                    )
                )
        elif camera:
            raise ValidationError(self.env._("This command is about a daemon, not a camera."))
        self._expire_overdue()
        # sudo: managers have no create right on the queue; only this method fills it, after the checks.
        Command = self.sudo()
        same = Command.search(
            [
                ("daemon_id", "=", daemon.id),
                ("camera_id", "=", camera.id if camera else False),
                ("kind", "=", kind),
                ("state", "=", "queued"),
                ("deadline", ">", fields.Datetime.now()),
            ],
            limit=1,
        )
        command = same or Command.create(
            {
                "daemon_id": daemon.id,
                "camera_id": camera.id if camera else False,
                "kind": kind,
                "requested_by": self.env.uid,
                "deadline": fields.Datetime.now() + timedelta(seconds=COMMAND_TTL_SECONDS),
                "company_id": daemon.sudo().company_id.id,
            }
        )
        if not same:
            self.env["face.system.log"]._log(
                self.env._("Command %(kind)s queued for daemon %(daemon)s", kind=kind, daemon=daemon.sudo().name),
                category="sync",
                action="daemon.command",
                object_ref="face.daemon.command,%d" % command.id,
                details={"kind": kind, "camera_id": camera.id if camera else None},
            )
        return self.browse(command.id)

    def _wait(self, seconds):
        """Wait up to ``seconds`` (at most 10) for the daemon's answer; True when it came.

        The caller's transaction is committed first: the daemon, in another transaction, can only
        pick up a committed command. No row lock is held while waiting: the state is read in short
        steps with a separate cursor, and the caller's cursor stays idle (its next read, in a fresh
        transaction, sees the answer).
        """
        self.ensure_one()
        seconds = min(max(float(seconds or 0.0), 0.0), MAX_WAIT_SECONDS)
        if self.sudo().state in FINAL_STATES or seconds <= 0:
            return self.sudo().state in FINAL_STATES
        command_id = self.id
        # The command must be visible to the daemon's poll: the queue is read from other transactions.
        self.env.cr.commit()  # pylint: disable=invalid-commit
        end = time.monotonic() + seconds
        done = False
        with self.env.registry.cursor() as cr:
            # sudo: a read of one state column of the caller's own command, in a side cursor.
            command = self.with_env(self.env(cr=cr, su=True)).browse(command_id)
            while True:
                command.invalidate_recordset(["state"])
                done = command.state in FINAL_STATES
                if done or time.monotonic() >= end:
                    break
                cr.rollback()  # ends the snapshot: the next read sees what committed meanwhile
                self._wait_pause()
        self.invalidate_recordset()
        return done

    def _wait_pause(self):
        time.sleep(WAIT_STEP_SECONDS)

    # ------------------------------------------------------------------ what callers show
    def _snapshot_url(self):
        attachment = self.sudo().attachment_id
        return "/web/content/%d?download=false" % attachment.id if attachment else None

    def _job_dict(self):
        """The command as a job of the operations plan (camelCase)."""
        self.ensure_one()
        command = self.sudo()
        return {
            "jobId": command.id,
            "status": command.state,
            "kind": command.kind,
            "cameraId": command.camera_id.id or None,
            "daemonId": command.daemon_id.id,
            "result": command.result if isinstance(command.result, dict) else None,
            "message": command.message or None,
            "assetId": command.attachment_id.id or None,
            "snapshotUrl": command._snapshot_url(),
            "requestedBy": command.requested_by.name or None,
            "createdAt": iso(command.create_date),
            "deadline": iso(command.deadline),
            "pickedAt": iso(command.picked_at),
            "finishedAt": iso(command.done_at),
        }

    # ------------------------------------------------------------------ the daemon's side
    def _daemon_payload(self):
        """What the daemon needs to run the command: never another daemon's data."""
        self.ensure_one()
        command = self.sudo()
        return {
            "id": command.id,
            "kind": command.kind,
            "camera_id": command.camera_id.id or False,
            # The camera as the pipeline knows it, even when disabled: testing a disabled camera is useful.
            "camera": command.camera_id._daemon_vals() if command.camera_id else False,
            "deadline": iso(command.deadline),
        }

    @api.model
    def _take_queued(self, daemon, limit=10):
        """Mark the daemon's queued commands as sent and answer them; two polls never take the same one."""
        self._expire_overdue(daemon)
        # A row lock skipped by a concurrent poll (a daemon restarted while its old process still
        # polls): each command is handed out once. The ORM has no SKIP LOCKED.
        self.env.cr.execute(
            "SELECT id FROM face_daemon_command WHERE daemon_id = %s AND state = 'queued' AND deadline > %s "
            "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
            (daemon.id, fields.Datetime.now(), limit),
        )
        commands = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        if commands:
            commands.write({"state": "sent", "picked_at": fields.Datetime.now()})
        return [command._daemon_payload() for command in commands]

    def _record_result(self, success, result, snapshot_b64=None):
        """Store the daemon's answer once: a repeated answer (a retried call) changes nothing."""
        self.ensure_one()
        if not isinstance(result, dict):
            raise ValidationError(self.env._("result must be an object."))
        if len(json.dumps(result, default=str)) > MAX_RESULT_BYTES:
            raise ValidationError(self.env._("result is larger than %d bytes.", MAX_RESULT_BYTES))
        image = None
        if snapshot_b64:
            if not isinstance(snapshot_b64, str) or len(snapshot_b64) > MAX_SNAPSHOT_BYTES * 4 // 3 + 4:
                raise ValidationError(self.env._("The snapshot must be base64 text of at most 4 MB."))
            try:
                image = base64.b64decode(snapshot_b64, validate=True)
            except (binascii.Error, ValueError):
                raise ValidationError(self.env._("The snapshot is not valid base64.")) from None
            if not image.startswith(b"\xff\xd8\xff"):
                raise ValidationError(self.env._("The snapshot must be a JPEG image."))
        # Lock the row: two answers for one command (a retried call) are stored once, in order.
        self.env.cr.execute("SELECT state FROM face_daemon_command WHERE id = %s FOR UPDATE", (self.id,))
        command = self.sudo()
        command.invalidate_recordset(["state"])
        if command.state in FINAL_STATES:
            return command.state
        vals = {
            "state": "done" if success else "failed",
            "result": result,
            "message": str(result.get("message") or "")[:500] or False,
            "done_at": fields.Datetime.now(),
        }
        if image and command.kind == "snapshot":
            attachment = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    {
                        "name": "snapshot-camera-%s-%s.jpg"
                        % (command.camera_id.id, fields.Datetime.now().strftime("%Y%m%dT%H%M%S")),
                        "raw": image,
                        "mimetype": "image/jpeg",
                        "res_model": self._name,
                        "res_id": command.id,
                        "company_id": command.company_id.id,
                    }
                )
            )
            vals["attachment_id"] = attachment.id
        command.write(vals)
        if command.kind == "test_connection" and command.camera_id:
            command.camera_id._record_test_result(success, result)
        # The System Health screens of the company reload on it; the push names the command only,
        # the screen reads it with its manager's rights.
        self.env["bus.bus"].sudo()._sendone(
            managers_channel(command.company_id), BUS_COMMANDS, {"command_ids": command.ids}
        )
        return command.state

    # ------------------------------------------------------------------ housekeeping
    @api.model
    def _expire_overdue(self, daemons=None):
        """Expire the overdue commands of ``daemons`` (every daemon's when None)."""
        domain = [("state", "in", ("queued", "sent")), ("deadline", "<=", fields.Datetime.now())]
        if daemons is not None:
            domain.append(("daemon_id", "in", daemons.ids))
        overdue = self.sudo().search(domain)
        if overdue:
            overdue.write({"state": "expired", "done_at": fields.Datetime.now()})
        return len(overdue)

    @api.model
    def _cron_expire_and_prune(self):
        """Expire what no daemon answered in time; forget old commands (their snapshots with them)."""
        self._expire_overdue()
        # Camera snapshots show people: they follow the retention of recognition snapshots.
        snapshot_days = self.env["face.attendance.config"]._get("snapshot_retention_days")
        with_snapshot = self.sudo().search(
            [
                ("attachment_id", "!=", False),
                ("create_date", "<", fields.Datetime.now() - timedelta(days=snapshot_days)),
            ]
        )
        with_snapshot.attachment_id.unlink()
        old = self.sudo().search([("create_date", "<", fields.Datetime.now() - timedelta(days=KEEP_DAYS))])
        old.unlink()
        self.env["face.heartbeat.log"]._prune()
        return True
