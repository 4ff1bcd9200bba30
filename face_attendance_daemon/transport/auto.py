"""protocol = "auto": JSON-2 on Odoo 19 and later, XML-RPC on Odoo 18, decided by asking the server.

The question is asked at the first call, not at construction: a daemon may start while Odoo is
down, and its first call then fails like any other (TransportError) and is retried.
"""

import logging
import threading

from .base import PermanentError, Transport
from .json2 import Json2Transport, server_version
from .xmlrpc import XmlRpcTransport  # nosec B411  # our own module, not the standard library's xmlrpc

_logger = logging.getLogger(__name__)


class AutoTransport(Transport):
    def __init__(self, url, db, login, password, api_key, timeout=30.0):
        self.url, self.db, self.login, self.timeout = url.rstrip("/"), db, login, timeout
        self._password, self._api_key = password, api_key
        self._chosen = None
        self._lock = threading.Lock()

    def describe(self):
        if self._chosen is None:
            return "auto %s db=%s (JSON-2 on Odoo 19+, XML-RPC on 18; not connected yet)" % (self.url, self.db)
        return "auto -> %s" % self._chosen.describe()

    def chosen(self):
        """The transport for this server, asking it once (TransportError while it is unreachable)."""
        with self._lock:
            if self._chosen is None:
                self._chosen = self._choose()
            return self._chosen

    def _choose(self):
        answer = server_version(self.url, self.timeout, self.db)
        major = int(answer["server_version_info"][0]) if answer else None
        if major is not None and major >= 19:
            if self._api_key:
                return Json2Transport(self.url, self.db, self._api_key, self.timeout)
            # Works, but every call logs a deprecation warning in Odoo and Odoo 20 removes it.
            _logger.warning(
                "Odoo %s is served at %s but no [odoo] api_key is set: using XML-RPC, which "
                "Odoo 19 deprecates; set api_key (FA_ODOO_API_KEY) to use JSON-2",
                answer["server_version"],
                self.url,
            )
        if not self.login:
            raise PermanentError(
                "Odoo at %s speaks XML-RPC only (Odoo %s), which needs [odoo] login "
                "(and password or api_key)" % (self.url, answer["server_version"] if answer else "18")
            )
        return XmlRpcTransport(self.url, self.db, self.login, self._password or self._api_key, self.timeout)

    def register(self, name, host, version, encoder):
        return self.chosen().register(name, host, version, encoder)

    def heartbeat(self, daemon_id, status, cameras):
        return self.chosen().heartbeat(daemon_id, status, cameras)

    def gallery(self, encoder_tag, since=None):
        return self.chosen().gallery(encoder_tag, since)

    def send_events(self, daemon_id, events):
        return self.chosen().send_events(daemon_id, events)

    def commands(self, daemon_id):
        return self.chosen().commands(daemon_id)

    def command_result(self, daemon_id, command_id, success, result, snapshot_b64=None):
        return self.chosen().command_result(daemon_id, command_id, success, result, snapshot_b64)

    def version(self):
        return self.chosen().version()
