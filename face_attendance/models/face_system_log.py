from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.http import request


class FaceSystemLog(models.Model):
    """The audit trail. Lines are written only by the code that acts (``_log``); nobody, managers
    included, creates, edits or deletes them through the ORM or RPC."""

    _name = "face.system.log"
    _description = "Face Attendance System Log"
    _order = "create_date desc, id desc"
    _rec_name = "message"

    level = fields.Selection(
        [("debug", "Debug"), ("info", "Info"), ("warning", "Warning"), ("error", "Error")],
        required=True,
        default="info",
        index=True,
        readonly=True,
    )
    category = fields.Selection(
        [("sync", "Sync"), ("api", "API"), ("system", "System"), ("attendance", "Attendance")],
        required=True,
        default="system",
        index=True,
        readonly=True,
    )
    message = fields.Char(required=True, readonly=True)
    details = fields.Json(readonly=True)
    user_id = fields.Many2one("res.users", readonly=True, ondelete="set null")
    action = fields.Char(readonly=True, help="What was done, e.g. person.create.")
    object_ref = fields.Char(string="Object", readonly=True, help="What it was done to, e.g. hr.employee,42.")
    address = fields.Char(readonly=True, help="Network address of the caller.")
    api_key_name = fields.Char(string="API key", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True)

    @api.model
    def _log(
        self, message, level="info", category="system", details=None, action=None, object_ref=None, api_key_name=None
    ):
        """Write a log line whatever the caller's rights: logging must never fail an operation.

        Who, which company and from where come from the environment and the request, never from
        the caller: ``self.env.uid`` is the real user even under ``sudo()``.
        """
        address = None
        if request and getattr(request, "httprequest", None) is not None:
            address = request.httprequest.remote_addr
            if api_key_name is None:
                # A model method called by a REST route: the key that called it is part of who.
                key = getattr(request, "face_api_key", None)
                api_key_name = key and "%s (%s)" % (key.name, key.prefix) or None
        vals = {
            "message": str(message)[:1000],
            "level": level,
            "category": category,
            "details": details,
            "user_id": self.env.uid,
            "company_id": self.env.company.id,
            "address": address,
            "action": action,
            "object_ref": object_ref,
            "api_key_name": api_key_name,
        }
        return self.sudo().create(vals)

    @api.model
    def _log_api(self, action, object_ref, message, details=None):
        """The log line of a REST call that changed data (the request's key is named by ``_log``)."""
        return self._log(message, category="api", action=action, object_ref=object_ref, details=details)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(self.env._("System log lines are written by Face Attendance itself."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise AccessError(self.env._("System log lines cannot be changed."))
        return super().write(vals)

    def unlink(self):
        if not self.env.su:
            raise AccessError(self.env._("System log lines cannot be deleted."))
        return super().unlink()
