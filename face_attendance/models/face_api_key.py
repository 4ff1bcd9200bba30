import hashlib
import hmac
import secrets
import time

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

SCOPES = ('*', 'person:read', 'person:write', 'face:write', 'attendance:read', 'attendance:write',
          'report:read', 'config:read', 'config:write', 'logs:read', 'keys:read', 'events:write',
          'camera:read', 'camera:write', 'recognize')
KEY_PREFIX = 'fa'
# Last use is written at most this often per key: authentication itself never writes.
LAST_USE_INTERVAL = 300
_last_use_written = {}


def _hash(salt, secret):
    return hashlib.sha256((salt + ':' + secret).encode()).hexdigest()


class FaceApiKey(models.Model):
    """A REST API key. The secret is shown once at creation; only a salted hash is kept."""
    _name = 'face.api.key'
    _description = 'Face Attendance API Key'
    _order = 'create_date desc, id desc'

    name = fields.Char(required=True)
    prefix = fields.Char(readonly=True, index=True, copy=False,
                         help="The first characters of the key, to recognise it; not secret.")
    salt = fields.Char(readonly=True, copy=False, groups='base.group_system')
    key_hash = fields.Char(readonly=True, copy=False, groups='base.group_system')
    scopes = fields.Char(required=True, default='*',
                         help="Space-separated scopes: %s" % ' '.join(SCOPES))
    user_id = fields.Many2one('res.users', required=True, ondelete='cascade', default=lambda self: self.env.user,
                              help="The key acts as this user: their access rights and record rules apply.")
    company_id = fields.Many2one('res.company', required=True, default=lambda self: self.env.company)
    state = fields.Selection([('active', 'Active'), ('inactive', 'Inactive'), ('revoked', 'Revoked')],
                             default='active', required=True)
    expires_at = fields.Datetime(string="Expires on")
    last_used_at = fields.Datetime(readonly=True)
    last_used_ip = fields.Char(readonly=True)
    rate_limit_per_minute = fields.Integer(default=600, help="Requests per minute before answering 429.")

    @api.constrains('scopes')
    def _check_scopes(self):
        for key in self:
            unknown = set((key.scopes or '').split()) - set(SCOPES)
            if unknown or not (key.scopes or '').split():
                raise ValidationError(_("Unknown scopes: %(bad)s. Known scopes: %(known)s",
                                        bad=' '.join(sorted(unknown)) or '(none given)', known=' '.join(SCOPES)))

    @api.model
    def generate(self, name, user, scopes='*', expires_at=None, company=None):
        """Create a key; returns (record, secret). The secret is never stored."""
        prefix = secrets.token_hex(4)
        secret_part = secrets.token_urlsafe(32)
        secret = '%s_%s_%s' % (KEY_PREFIX, prefix, secret_part)
        salt = secrets.token_hex(16)
        record = self.sudo().create({
            'name': name, 'user_id': user.id, 'scopes': scopes, 'expires_at': expires_at,
            'company_id': (company or user.company_id).id, 'prefix': prefix, 'salt': salt,
            'key_hash': _hash(salt, secret)})
        return record, secret

    @api.model
    def _authenticate(self, secret):
        """The active key matching ``secret``, or (None, reason)."""
        parts = (secret or '').split('_', 2)
        if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != 8:
            return None, _("The API key is malformed.")
        key = self.sudo().search([('prefix', '=', parts[1])], limit=1)
        # Compare even when no key matched, so that timing does not tell which prefixes exist.
        expected = key.key_hash if key else _hash('x', 'y')
        salt = key.salt if key else 'x'
        if not hmac.compare_digest(expected, _hash(salt, secret)) or not key:
            return None, _("The API key is not valid.")
        if key.state == 'revoked':
            return None, _("The API key was revoked.")
        if key.state != 'active':
            return None, _("The API key is inactive.")
        if key.expires_at and key.expires_at < fields.Datetime.now():
            return None, _("The API key expired on %s.", key.expires_at)
        if not key.user_id.active:
            return None, _("The API key's user is archived.")
        return key, None

    def has_scope(self, scope):
        self.ensure_one()
        granted = set((self.scopes or '').split())
        return '*' in granted or scope in granted

    def _touch(self, address):
        """Record last use, at most once per LAST_USE_INTERVAL per key and process."""
        now = time.monotonic()
        if now - _last_use_written.get(self.id, -LAST_USE_INTERVAL) < LAST_USE_INTERVAL:
            return
        _last_use_written[self.id] = now
        self.sudo().write({'last_used_at': fields.Datetime.now(), 'last_used_ip': address})

    def action_revoke(self):
        self.write({'state': 'revoked'})
        self.env['face.system.log'].log(_("API key(s) revoked: %s", ', '.join(self.mapped('name'))),
                                        category='api', action='key.revoke')

    def _api_dict(self):
        self.ensure_one()
        return {'id': self.id, 'name': self.name, 'prefix': self.prefix, 'scopes': (self.scopes or '').split(),
                'user': self.user_id.login, 'company': self.company_id.name, 'status': self.state,
                'expires_at': iso(self.expires_at), 'last_used_at': iso(self.last_used_at),
                'created_at': iso(self.create_date)}


def iso(value):
    """The API's one date-time format: ISO 8601 in UTC with a Z."""
    return value.strftime('%Y-%m-%dT%H:%M:%SZ') if value else None


class FaceApiKeyWizard(models.TransientModel):
    _name = 'face.api.key.wizard'
    _description = 'Create an API key'

    name = fields.Char(required=True)
    user_id = fields.Many2one('res.users', required=True, default=lambda self: self.env.user)
    scopes = fields.Char(required=True, default='*')
    expires_at = fields.Datetime(string="Expires on")
    secret = fields.Char(readonly=True)
    key_id = fields.Many2one('face.api.key', readonly=True)

    def action_generate(self):
        self.ensure_one()
        if self.key_id:
            raise UserError(_("This key was already created."))
        key, secret = self.env['face.api.key'].generate(self.name, self.user_id, self.scopes, self.expires_at)
        self.env['face.system.log'].log(_("API key %s created", key.name), category='api', action='key.create',
                                        object_ref='face.api.key,%d' % key.id)
        # The secret lives only in this transient record, which Odoo's vacuum deletes.
        self.write({'secret': secret, 'key_id': key.id})
        return {'type': 'ir.actions.act_window', 'res_model': self._name, 'res_id': self.id,
                'view_mode': 'form', 'target': 'new'}
