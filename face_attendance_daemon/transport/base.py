"""The interface between the daemon and Odoo.

Implementations: JSON-2 (json2.py, Odoo 19 and later, authenticated by an API key), XML-RPC
(xmlrpc.py, Odoo 18; deprecated by Odoo 19) and auto (auto.py, asks the server which of the two
it speaks). Another one (REST) implements the same methods and nothing else changes.
"""


class TransportError(Exception):
    """Odoo could not be reached or answered with a temporary failure: try again later."""


class PermanentError(TransportError):
    """Odoo refused the call (bad credentials, access rights): retrying the same call cannot help."""


class Transport:
    def register(self, name, host, version, encoder):
        """Announce the daemon; answer its configuration: daemon_id, encoder, match_threshold, cameras."""
        raise NotImplementedError

    def heartbeat(self, daemon_id, status, cameras):
        raise NotImplementedError

    def gallery(self, encoder_tag, since=None):
        """Templates of ``encoder_tag``: {'templates': [...], 'removed': [ids], 'server_time': str}."""
        raise NotImplementedError

    def send_events(self, daemon_id, events):
        """Deliver a batch; answer one result per event, in order (idempotent by event_id)."""
        raise NotImplementedError

    def commands(self, daemon_id):
        """The daemon's queued commands (Odoo marks them sent): [{id, kind, camera_id, camera, deadline}]."""
        raise NotImplementedError

    def command_result(self, daemon_id, command_id, success, result, snapshot_b64=None):
        """Answer a command (idempotent: a repeated answer is stored once)."""
        raise NotImplementedError

    def describe(self):
        return self.__class__.__name__
