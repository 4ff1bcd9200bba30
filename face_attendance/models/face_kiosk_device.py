"""A kiosk bound to its tablets.

Knowing a kiosk's URL is not enough to post frames or PINs: a script anywhere could inject a video
call or a photo from the intranet (liveness stops a print held to the camera, not injected frames).
The URL opens a pairing screen; a manager of the kiosk's company shows a short one-time code on the
kiosk's form and types it on the tablet, which receives a device secret in an HttpOnly cookie. Only
hashes of the code and of the secret are kept.
"""

import hashlib
import secrets
from datetime import timedelta

from odoo import fields, models

from .face_kiosk import KioskRefused
from .security_groups import MANAGER

PAIRING_MINUTES = 5
PAIRING_ATTEMPTS = 5
PAIRING_CODE_DIGITS = 8
# Writing a device's last use on every frame would be one more write per frame for nothing.
LAST_USE_PRECISION = timedelta(minutes=1)


def _digest(value):
    return hashlib.sha256(value.encode()).hexdigest()


class FaceKioskDevice(models.Model):
    _name = "face.kiosk.device"
    _description = "Face Kiosk Paired Tablet"
    _order = "last_used_at desc, id desc"

    kiosk_id = fields.Many2one("face.kiosk", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="kiosk_id.company_id", store=True, index=True)
    name = fields.Char(readonly=True, help="The tablet's browser, as it introduced itself when it was paired.")
    paired_by_id = fields.Many2one("res.users", string="Paired by", readonly=True)
    last_used_at = fields.Datetime(readonly=True)
    secret_hash = fields.Char(readonly=True, copy=False, index=True, groups="base.group_system")

    def action_unpair(self):
        """The tablet's secret stops working at once: it shows the pairing screen again."""
        self.env["face.kiosk"]._check_manager()
        # Managers read paired tablets (of their companies) and remove them only through this.
        self.check_access("read")
        self.kiosk_id.check_access("write")
        for device in self.sudo():
            device.kiosk_id.message_post(
                body=self.env._("Tablet %(name)s unpaired by %(user)s.", name=device.name, user=self.env.user.name)
            )
        self.sudo().unlink()
        return True


class FaceKiosk(models.Model):
    _inherit = "face.kiosk"

    device_ids = fields.One2many("face.kiosk.device", "kiosk_id", string="Paired tablets", groups=MANAGER)
    pairing_code_hash = fields.Char(readonly=True, copy=False, groups="base.group_system")
    pairing_code_expires_at = fields.Datetime(
        string="Pairing code valid until", readonly=True, copy=False, groups=MANAGER
    )
    pairing_attempts = fields.Integer(readonly=True, copy=False, groups="base.group_system")

    def action_pairing_code(self):
        """A new one-time code (the previous one stops working), shown once to the manager."""
        self._check_manager()
        self.ensure_one()
        self.check_access("write")
        code = "%0*d" % (PAIRING_CODE_DIGITS, secrets.randbelow(10**PAIRING_CODE_DIGITS))
        expires = fields.Datetime.now() + timedelta(minutes=PAIRING_MINUTES)
        self.sudo().write(
            {"pairing_code_hash": self._pairing_hash(code), "pairing_code_expires_at": expires, "pairing_attempts": 0}
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Pairing code for %s", self.name),
                "message": self.env._(
                    "Type %(code)s on the tablet within %(minutes)s minutes. It works once.",
                    code=code,
                    minutes=PAIRING_MINUTES,
                ),
                "sticky": True,
                "type": "info",
            },
        }

    def _pairing_hash(self, code):
        return _digest("kiosk-pairing:%d:%s" % (self.id, code))

    def _pair_device(self, code, name):
        """The tablet typed ``code``: a new paired device and its secret (to be set as its cookie).

        Attempts are counted on the kiosk's row, locked by the statement that counts (the refusal keeps
        its count), so a code is tried at most PAIRING_ATTEMPTS times and used at most once."""
        self.ensure_one()
        kiosk = self.sudo()
        refused = KioskRefused(
            403, "PAIRING_REFUSED", self.env._("This code is not valid: ask a manager for a new one."), counted=True
        )
        kiosk.flush_recordset(["pairing_code_hash", "pairing_code_expires_at", "pairing_attempts"])
        self.env.cr.execute(
            """UPDATE face_kiosk SET pairing_attempts = COALESCE(pairing_attempts, 0) + 1 WHERE id = %s
               RETURNING pairing_attempts, pairing_code_hash, pairing_code_expires_at""",
            (kiosk.id,),
        )
        attempts, current, expires = self.env.cr.fetchone()
        kiosk.invalidate_recordset(["pairing_attempts"])
        if not current or not expires or expires < fields.Datetime.now():
            raise refused
        if attempts > PAIRING_ATTEMPTS:
            raise KioskRefused(
                429, "RATE_LIMITED", self.env._("Too many wrong codes: ask a manager for a new one."), counted=True
            )
        code = code.strip() if isinstance(code, str) else ""
        if not code.isdigit() or not secrets.compare_digest(kiosk._pairing_hash(code), current):
            raise refused
        self.env.cr.execute(
            "UPDATE face_kiosk SET pairing_code_hash = NULL, pairing_code_expires_at = NULL WHERE id = %s",
            (kiosk.id,),
        )
        kiosk.invalidate_recordset(["pairing_code_hash", "pairing_code_expires_at"])
        secret = secrets.token_urlsafe(32)
        device = (
            self.env["face.kiosk.device"]
            .sudo()
            .create(
                {
                    "kiosk_id": kiosk.id,
                    "name": (name or "").strip()[:120] or self.env._("Tablet"),
                    "secret_hash": _digest(secret),
                    "last_used_at": fields.Datetime.now(),
                }
            )
        )
        kiosk.message_post(body=self.env._("Tablet %s paired.", device.name))
        return secret

    def _paired_device(self, secret):
        """The paired tablet whose secret this is, with its last use kept (to the minute)."""
        self.ensure_one()
        if not isinstance(secret, str) or not 20 <= len(secret) <= 128:
            return self.env["face.kiosk.device"]
        device = (
            self.env["face.kiosk.device"]
            .sudo()
            .search([("kiosk_id", "=", self.id), ("secret_hash", "=", _digest(secret))], limit=1)
        )
        now = fields.Datetime.now()
        if device and (not device.last_used_at or device.last_used_at < now - LAST_USE_PRECISION):
            # Plain SQL: no write() bookkeeping for a tablet's heartbeat.
            self.env.cr.execute("UPDATE face_kiosk_device SET last_used_at = %s WHERE id = %s", (now, device.id))
            device.invalidate_recordset(["last_used_at"])
        return device

    def _require_device(self, secret):
        if not self._paired_device(secret):
            raise KioskRefused(
                401, "NOT_PAIRED", self.env._("This tablet is not paired with the kiosk: ask a manager for a code.")
            )
