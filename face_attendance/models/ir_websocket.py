from odoo import models

from .face_recognition_event import live_channel
from .security_groups import USER

LIVE = "face_attendance_live"


class IrWebsocket(models.AbstractModel):
    _inherit = "ir.websocket"

    def _build_bus_channel_list(self, channels):
        # The live monitor's channel is never taken from the client: a Face Attendance user is
        # subscribed to the channels of their own companies, and nobody else to any.
        channels = [channel for channel in channels if channel != LIVE]
        channels = super()._build_bus_channel_list(channels)
        user = self.env.user
        if user and not user._is_public() and user.has_group(USER):
            channels.extend(live_channel(company) for company in user.company_ids)
        return channels
