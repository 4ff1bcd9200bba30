"""Several Odoo nodes serving one database ([odoo] url and failover_urls): the daemon talks to one
node and moves on to the next when that one cannot be reached.

Sending a call again to another node is safe because every call the daemon makes is idempotent:
events by their event_id, command answers by the command's id, and registration, heartbeats and the
gallery read or overwrite the same rows. A batch that reached a node which died before answering is
answered "exists" by the next one: nothing is counted twice, and the outbox keeps every event until
some node has answered for it.
"""

import logging
import threading

from .base import PermanentError, Transport, TransportError

_logger = logging.getLogger(__name__)


class FailoverTransport(Transport):
    def __init__(self, transports):
        if not transports:
            raise ValueError("FailoverTransport needs at least one transport")
        self.transports = list(transports)
        # The node that answered last: calls stay on it (its connections are warm) until it fails.
        self._current = 0
        self._lock = threading.Lock()

    @property
    def url(self):
        return self.transports[self._current].url

    def describe(self):
        return "failover %s (nodes: %s)" % (
            self.transports[self._current].describe(),
            ", ".join(t.url for t in self.transports),
        )

    def _call(self, name, *args):
        """``name(*args)`` on the current node, then on each other in turn while they cannot be
        reached. A refusal (PermanentError: a revoked key, missing rights) is the database's answer,
        the same on every node: it is not tried elsewhere."""
        with self._lock:
            first = self._current
        failures = []
        for step in range(len(self.transports)):
            index = (first + step) % len(self.transports)
            transport = self.transports[index]
            try:
                answer = getattr(transport, name)(*args)
            except PermanentError:
                raise
            except TransportError as error:
                failures.append(str(error))
                continue
            if index != first:
                with self._lock:
                    self._current = index
                _logger.warning(
                    "now talking to another Odoo node",
                    extra={"node": transport.url, "unreachable": failures, "call": name},
                )
            return answer
        raise TransportError("no Odoo node answered: %s" % "; ".join(failures))

    def register(self, name, host, version, encoder):
        return self._call("register", name, host, version, encoder)

    def heartbeat(self, daemon_id, status, cameras):
        return self._call("heartbeat", daemon_id, status, cameras)

    def gallery(self, encoder_tag, since=None):
        return self._call("gallery", encoder_tag, since)

    def send_events(self, daemon_id, events):
        return self._call("send_events", daemon_id, events)

    def commands(self, daemon_id):
        return self._call("commands", daemon_id)

    def command_result(self, daemon_id, command_id, success, result, snapshot_b64=None):
        return self._call("command_result", daemon_id, command_id, success, result, snapshot_b64)

    def version(self):
        return self._call("version")
