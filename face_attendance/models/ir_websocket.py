from odoo import models

from .face_recognition_event import live_channel, managers_channel
from .security_groups import MANAGER, USER

LIVE = "face_attendance_live"
MANAGERS = "face_attendance_managers"


class IrWebsocket(models.AbstractModel):
    _inherit = "ir.websocket"

    def _build_bus_channel_list(self, channels):
        # The live monitor's channel is never taken from the client: a Face Attendance user is
        # subscribed to the channels of their own companies, and nobody else to any.
        channels = [channel for channel in channels if channel not in (LIVE, MANAGERS)]
        channels = super()._build_bus_channel_list(channels)
        channels.extend(self._face_channels())
        return channels

    def _face_channels(self):
        """The addon's channels of the current user: the live monitor's of their companies for
        Face Attendance users, the managers' too for managers."""
        user = self.env.user
        if not user or user._is_public() or not user.has_group(USER):
            return []
        channels = [live_channel(company) for company in user.company_ids]
        if user.has_group(MANAGER):
            channels += [managers_channel(company) for company in user.company_ids]
        return channels
