"""Third-party detection providers: an API key that pushes frames or events, with its settings and health.

A provider is not a second credential store: it IS an API key (``face.api.key``) with the
``events:write`` scope. The key authenticates the provider's calls; this record holds what the
operations frontend configures (name, endpoint, enabled) and what Odoo observes of it (frames
received, average processing latency, last error). Its health is computed from those observations
only: Odoo never calls the provider's endpoint (see ``_health``).
"""

from datetime import timedelta
from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.exceptions import AccessError, MissingError, ValidationError

from .face_api_key import _bookkeeping, iso
from .odoo_compat import unique
from .security_groups import MANAGER

# Written by the API's bookkeeping only (see _record_frame and _record_error).
OBSERVED = ("last_frame_at", "frame_count", "avg_latency_ms", "last_error", "last_error_at", "error_count")
PROVIDER_STATES = [("connected", "Connected"), ("degraded", "Degraded"), ("offline", "Offline")]
# Frames counted after the latest one weigh this much in the average latency (exponential average:
# recent behaviour shows, one slow frame does not dominate).
LATENCY_WEIGHT = 0.2
FRAME_SQL = """
    UPDATE face_detection_provider
       SET last_frame_at = %(now)s,
           frame_count = COALESCE(frame_count, 0) + 1,
           avg_latency_ms = CASE WHEN COALESCE(frame_count, 0) = 0 OR avg_latency_ms IS NULL THEN %(ms)s
                                 ELSE avg_latency_ms * (1 - %(weight)s) + %(ms)s * %(weight)s END
     WHERE id = %(id)s"""
ERROR_SQL = """
    UPDATE face_detection_provider
       SET last_error = %(error)s, last_error_at = %(now)s, error_count = COALESCE(error_count, 0) + 1
     WHERE id = %(id)s"""


@unique("api_key_uniq", "unique(api_key_id)", "An API key serves one detection provider only.")
class FaceDetectionProvider(models.Model):
    _name = "face.detection.provider"
    _description = "Detection Provider"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10, help="The first enabled provider is the company's default one.")
    api_key_id = fields.Many2one(
        "face.api.key",
        string="API key",
        required=True,
        ondelete="cascade",
        check_company=True,
        help="The key the provider calls the API with; it needs the events:write scope.",
    )
    company_id = fields.Many2one(
        "res.company", related="api_key_id.company_id", store=True, index=True, readonly=True, string="Company"
    )
    endpoint = fields.Char(
        string="Endpoint URL",
        groups=MANAGER,
        help="Where the provider's own service runs (for the operators' reference; Odoo never calls it).",
    )
    enabled = fields.Boolean(default=True, help="A disabled provider's frames are refused.")
    # Observed by the API (written outside the request's transaction, see _record_frame).
    last_frame_at = fields.Datetime(readonly=True)
    frame_count = fields.Integer(string="Frames received", readonly=True)
    avg_latency_ms = fields.Float(
        string="Average latency (ms)", readonly=True, digits=(10, 1), help="Time Odoo took to process a frame."
    )
    last_error = fields.Char(readonly=True)
    last_error_at = fields.Datetime(readonly=True)
    error_count = fields.Integer(readonly=True)
    last_heartbeat = fields.Datetime(compute="_compute_health", help="The key's last use or the last frame.")
    status = fields.Selection(PROVIDER_STATES, compute="_compute_health")

    @api.constrains("api_key_id")
    def _check_key_scope(self):
        for provider in self:
            # The key's scopes are managers-only data; the check needs only whether one is granted.
            scopes = set((provider.api_key_id.sudo().scopes or "").split())
            if not scopes & {"*", "events:write"}:
                raise ValidationError(self.env._("A detection provider's API key needs the events:write scope."))

    @api.constrains("endpoint")
    def _check_endpoint(self):
        for provider in self.sudo():
            if provider.endpoint:
                parts = urlsplit(provider.endpoint.strip())
                if parts.scheme not in ("http", "https") or not parts.hostname:
                    raise ValidationError(self.env._("The endpoint is an http:// or https:// URL."))

    @api.depends("enabled", "last_frame_at", "last_error_at", "api_key_id.last_used_at", "api_key_id.state")
    def _compute_health(self):
        for provider in self:
            provider.last_heartbeat, provider.status = provider._health()

    def _health(self):
        """(last heartbeat, status) from what Odoo saw of the provider, never from calling it.

        offline: disabled, its key not active, or silent for longer than the camera offline delay;
        degraded: its latest frame failed; connected: otherwise.
        """
        self.ensure_one()
        # The key record is managers-only; its last use and state are what health is made of.
        key = self.api_key_id.sudo()
        beats = [moment for moment in (key.last_used_at, self.last_frame_at) if moment]
        heartbeat = max(beats) if beats else False
        now = fields.Datetime.now()
        window = timedelta(minutes=self.env["face.attendance.config"]._get("camera_offline_minutes"))
        expired = key.expires_at and key.expires_at < now
        if not self.enabled or key.state != "active" or expired or not heartbeat or heartbeat < now - window:
            return heartbeat, "offline"
        if self.last_error_at and (not self.last_frame_at or self.last_error_at >= self.last_frame_at):
            return heartbeat, "degraded"
        return heartbeat, "connected"

    # Constraints run as superuser in Odoo 19: the user's rights are checked here instead.
    def write(self, vals):
        if not self.env.su and set(OBSERVED) & set(vals):
            raise AccessError(self.env._("A detection provider's health is observed by Odoo, not entered."))
        result = super().write(vals)
        if not self.env.su:
            # Odoo checks the company rule before a write, not after, and the provider's company
            # follows its key: another company's key would move the provider into that company,
            # making its key a (possibly disabled) provider there.
            self.check_access("write")
        return result

    @api.model
    def _of_key(self, key):
        """The provider whose API key is ``key`` (read as superuser: the key identifies itself)."""
        return self.sudo().with_context(active_test=False).search([("api_key_id", "=", key.id)], limit=1)

    def _record_frame(self, latency_ms):
        """Count a processed frame. Committed at once on the API's bookkeeping connection: frames
        of one provider arrive concurrently, and a row write in each request's transaction would
        make them fail each other (and a retried request recognise its frame twice)."""
        for provider in self:
            _bookkeeping(
                self.env,
                FRAME_SQL,
                {"now": fields.Datetime.now(), "ms": float(latency_ms), "weight": LATENCY_WEIGHT, "id": provider.id},
            )
        self.invalidate_recordset(["last_frame_at", "frame_count", "avg_latency_ms"])

    def _record_error(self, message):
        for provider in self:
            _bookkeeping(
                self.env, ERROR_SQL, {"error": str(message)[:500], "now": fields.Datetime.now(), "id": provider.id}
            )
        self.invalidate_recordset(["last_error", "last_error_at", "error_count"])

    # ------------------------------------------------------------------ REST API (private: no RPC door)
    @api.model
    def _api_current(self, key):
        """The calling key's own provider, else the company's default one (the first enabled provider
        the key's user may read, by sequence)."""
        own = self._of_key(key)
        if own:
            # The key identifies its provider; read it with the caller's rights from here on.
            return own.with_env(self.env)
        provider = self.search([("enabled", "=", True)], limit=1) or self.search([], limit=1)
        if not provider:
            raise MissingError(self.env._("No detection provider is configured for this company."))
        return provider

    def _api_config(self, key):
        """The plan's provider configuration; the secret never leaves Odoo (it is not even stored)."""
        self.ensure_one()
        # Health and the key's prefix: managers-only data of the key, needed here without its secret.
        api_key = self.api_key_id.sudo()
        heartbeat, status = self._health()
        sees_endpoint = self.env.user.has_group(MANAGER) or api_key == key
        return {
            "id": self.id,
            "providerName": self.name,
            "endpoint": (self.sudo().endpoint or None) if sees_endpoint else None,
            "apiKey": "fa_%s_***" % api_key.prefix,
            "apiKeyId": api_key.id,
            "enabled": self.enabled,
            "status": status,
            "lastHeartbeat": iso(heartbeat),
            "averageLatencyMs": round(self.avg_latency_ms, 1) if self.frame_count else None,
            "framesReceived": self.frame_count,
            "lastFrameAt": iso(self.last_frame_at),
            "lastError": self.last_error or None,
            "lastErrorAt": iso(self.last_error_at),
        }

    @api.model
    def _api_configure(self, key, vals, api_key_id=None, key_sent=False):
        """Change the provider GET shows (see ``_api_current``), or create one when the company has
        none. ``api_key_id``: the provider's key when ``key_sent`` (0 or None: refused). (provider, action)."""
        vals = dict(vals)
        if key_sent:
            api_key = self.env["face.api.key"].search([("id", "=", api_key_id)]) if api_key_id else None
            if not api_key:
                raise MissingError(self.env._("API key %s does not exist.", api_key_id))
            vals["api_key_id"] = api_key.id
        try:
            provider = self._api_current(key)
        except MissingError:
            provider = self.browse()
        if provider:
            provider.write(vals)
            return provider, "provider.update"
        if "name" not in vals or "api_key_id" not in vals:
            raise MissingError(
                self.env._("No detection provider is configured: send providerName and apiKeyId to create one.")
            )
        return self.create(vals), "provider.create"

    @api.model
    def _api_test(self, key):
        """The current provider's health as Odoo observed it (never by calling its endpoint)."""
        provider = self._api_current(key)
        heartbeat, status = provider._health()
        if status == "connected":
            message = self.env._("Provider healthy: last heard from %s.", iso(heartbeat))
        elif status == "degraded":
            message = self.env._("Provider reachable but its latest frame failed: %s", provider.last_error or "")
        elif not provider.enabled:
            message = self.env._("Provider disabled.")
        elif not heartbeat:
            message = self.env._("Provider never called the API.")
        else:
            message = self.env._("No call from the provider since %s.", iso(heartbeat))
        return {
            "status": status,
            "latencyMs": round(provider.avg_latency_ms, 1) if provider.frame_count else None,
            "message": message.strip(),
            "lastHeartbeat": iso(heartbeat),
        }
