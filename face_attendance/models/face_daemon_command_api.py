"""Daemon commands as the REST API's jobs (``/jobs``, the cameras' test and snapshot answers)."""

from odoo import api, models
from odoo.exceptions import MissingError

from .face_api_key import iso


def _number(result, key):
    value = result.get(key)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


class FaceDaemonCommandApi(models.Model):
    _inherit = "face.daemon.command"

    @api.model
    def _api_find(self, job_id):
        """The command the caller may read (managers of its daemon's company), or MissingError."""
        command = self.search([("id", "=", job_id)])
        if not command:
            raise MissingError(self.env._("Job %s does not exist.", job_id))
        return command

    @api.model
    def _api_job(self, job_id):
        """The job as the API answers it; one past its deadline is expired first (expiry is lazy)."""
        command = self._api_find(job_id)
        if command.sudo().state in ("queued", "sent"):
            command._expire_overdue(command.sudo().daemon_id)
            command.invalidate_recordset()
        return command._job_dict()

    @api.model
    def _api_snapshot_attachment(self, job_id):
        """The JPEG attachment of a snapshot job, read as the caller (its job's access check applies)."""
        command = self._api_find(job_id)
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", command._name), ("res_id", "=", command.id), ("mimetype", "=", "image/jpeg")],
            limit=1,
        )
        if not attachment:
            raise MissingError(self.env._("Job %s has no snapshot.", job_id))
        return attachment

    def _api_test_answer(self):
        """A connection test's answer: success, message and the stream's figures."""
        command = self.sudo()
        result = command.result if isinstance(command.result, dict) else {}
        success = command.state == "done" and result.get("success") is not False
        message = result.get("message") if isinstance(result.get("message"), str) else None
        frame_rate = _number(result, "frameRate")
        return {
            "success": success,
            "message": message or ("Connection OK" if success else "The daemon could not read the camera."),
            "latencyMs": _number(result, "latencyMs"),
            "resolution": result.get("resolution") if isinstance(result.get("resolution"), str) else None,
            "width": _number(result, "width"),
            "height": _number(result, "height"),
            "fps": frame_rate,
            "frameRate": frame_rate,
            "bitrate": _number(result, "bitrate"),
            "jobId": command.id,
            "status": command.state,
            "testedAt": iso(command.done_at),
        }

    def _api_snapshot_failure(self):
        """Why a snapshot job has no picture (None when it has one)."""
        command = self.sudo()
        if command.state == "done" and command.attachment_id:
            return None
        result = command.result if isinstance(command.result, dict) else {}
        return "The daemon could not take a snapshot: %s" % (result.get("message") or command.state)

    def _api_snapshot_answer(self):
        """A snapshot job's picture: the attachment and where to read it."""
        command = self.sudo()
        attachment = command.attachment_id
        return {
            "assetId": attachment.id,
            "url": "/api/v1/jobs/%d/snapshot" % command.id,
            "odooUrl": "/web/content/%d" % attachment.id,
            "timestamp": iso(command.done_at),
            "jobId": command.id,
            "cameraId": command.camera_id.id,
            "contentType": attachment.mimetype or "image/jpeg",
            "size": attachment.file_size,
        }
