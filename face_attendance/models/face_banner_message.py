"""Banner messages: a line the managers put on top of every live monitor of their company for a
time window (maintenance, an evacuation drill). Managers write them; Face Attendance users read."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .face_alert import SEVERITIES
from .face_recognition_event import live_channel

MAX_BANNER_LENGTH = 500
BUS_BANNERS = "face_attendance/banners"


class FaceBannerMessage(models.Model):
    _name = "face.banner.message"
    _description = "Face Attendance Banner Message"
    _order = "date_start desc, id desc"
    _rec_name = "message"
    _check_company_auto = True

    message = fields.Char(required=True)
    severity = fields.Selection(SEVERITIES, required=True, default="info")
    date_start = fields.Datetime(string="Shown from", required=True, default=fields.Datetime.now)
    date_end = fields.Datetime(string="Shown until", help="Empty: until archived.")
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    active = fields.Boolean(default=True)

    @api.constrains("message", "date_start", "date_end")
    def _check_window(self):
        for banner in self:
            if len(banner.message or "") > MAX_BANNER_LENGTH:
                raise ValidationError(self.env._("A banner message has at most %s characters.", MAX_BANNER_LENGTH))
            if banner.date_end and banner.date_end <= banner.date_start:
                raise ValidationError(self.env._("A banner ends after it starts."))

    def _is_current(self, now=None):
        now = now or fields.Datetime.now()
        return self.date_start <= now and (not self.date_end or self.date_end > now)

    @api.model
    def _current_domain(self, now=None):
        now = now or fields.Datetime.now()
        return [("date_start", "<=", now), "|", ("date_end", "=", False), ("date_end", ">", now)]

    @api.model
    def _live_banners(self):
        """Banners not over yet (future ones too: the live monitor shows each within its window
        by its own clock, so a scheduled banner appears on time without a push)."""
        now = fields.Datetime.now()
        banners = self.search(["|", ("date_end", "=", False), ("date_end", ">", now)], limit=20)
        return [
            {
                "id": banner.id,
                "message": banner.message,
                "severity": banner.severity,
                "start": fields.Datetime.to_string(banner.date_start),
                "end": fields.Datetime.to_string(banner.date_end) if banner.date_end else False,
            }
            for banner in banners
        ]

    def _push(self, companies):
        for company in companies:
            self.env["bus.bus"].sudo()._sendone(live_channel(company), BUS_BANNERS, {"banner_ids": self.ids})

    # The ORM's own doors stay guarded by the access rights and company rules; these only tell the
    # live monitors that something changed.
    @api.model_create_multi
    def create(self, vals_list):
        banners = super().create(vals_list)
        banners._push(banners.company_id)
        return banners

    def write(self, vals):
        companies = self.company_id
        result = super().write(vals)
        if not self.env.su:
            # Odoo checks the company rule before a write, not after: without this a manager could
            # move their banner into a company they are not in, onto its live monitors.
            self.check_access("write")
        self._push(companies | self.company_id)
        return result

    def unlink(self):
        companies = self.company_id
        result = super().unlink()
        self._push(companies)
        return result
