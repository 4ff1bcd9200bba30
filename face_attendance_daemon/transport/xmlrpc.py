"""Odoo 18's external API over XML-RPC, as the daemon's device user."""

import http.client
import threading
import xmlrpc.client  # nosec B411  # answers come only from the configured Odoo; expat >= 2.4.1 refuses entity bombs

from .base import PermanentError, Transport, TransportError

# Odoo faults that mean "your request is wrong", not "try again".
_PERMANENT_FAULTS = ("AccessDenied", "AccessError", "ValidationError", "UserError", "MissingError")


def _with_timeout(base):
    """xmlrpc.client's transports have no timeout: a hung Odoo would block a thread forever."""

    class WithTimeout(base):
        def __init__(self, timeout, **kwargs):
            super().__init__(**kwargs)
            self._timeout = timeout

        def make_connection(self, host):
            connection = super().make_connection(host)
            connection.timeout = self._timeout
            return connection

    return WithTimeout


_TimeoutTransport = _with_timeout(xmlrpc.client.Transport)
_TimeoutSafeTransport = _with_timeout(xmlrpc.client.SafeTransport)


class XmlRpcTransport(Transport):
    def __init__(self, url, db, login, password, timeout=30.0):
        self.url, self.db, self.login, self._password = url.rstrip("/"), db, login, password
        self.timeout = timeout
        self._uid = None
        # ServerProxy objects are not thread-safe: one per thread.
        self._local = threading.local()

    def describe(self):
        return "xmlrpc %s db=%s login=%s" % (self.url, self.db, self.login)

    def _proxy(self, endpoint):
        proxies = getattr(self._local, "proxies", None)
        if proxies is None:
            proxies = self._local.proxies = {}
        if endpoint not in proxies:
            factory = _TimeoutSafeTransport if self.url.startswith("https") else _TimeoutTransport
            proxies[endpoint] = xmlrpc.client.ServerProxy(
                "%s/xmlrpc/2/%s" % (self.url, endpoint), allow_none=True, transport=factory(self.timeout)
            )
        return proxies[endpoint]

    def _call(self, function, *args):
        try:
            return function(*args)
        except xmlrpc.client.Fault as fault:
            text = str(fault.faultString)
            if any(name in text for name in _PERMANENT_FAULTS):
                raise PermanentError(text.strip().splitlines()[-1][:500]) from None
            raise TransportError("Odoo fault: %s" % text.strip().splitlines()[-1][:500]) from None
        except xmlrpc.client.ProtocolError as error:
            raise TransportError("HTTP %s from Odoo" % error.errcode) from None
        except (TimeoutError, OSError, http.client.HTTPException, xmlrpc.client.ResponseError) as error:
            self._local.proxies = None  # the connection may be half-open: start afresh
            raise TransportError("cannot reach Odoo at %s: %s" % (self.url, error)) from None

    def uid(self):
        if self._uid is None:
            uid = self._call(self._proxy("common").authenticate, self.db, self.login, self._password, {})
            if not uid:
                raise PermanentError("Odoo refused the login %r on database %r" % (self.login, self.db))
            self._uid = uid
        return self._uid

    def execute(self, model, method, *args, **kwargs):
        return self._call(
            self._proxy("object").execute_kw, self.db, self.uid(), self._password, model, method, list(args), kwargs
        )

    def version(self):
        return self._call(self._proxy("common").version)

    def register(self, name, host, version, encoder):
        return self.execute("face.daemon", "daemon_register", name, host, version, encoder)

    def heartbeat(self, daemon_id, status, cameras):
        return self.execute("face.daemon", "daemon_heartbeat", [daemon_id], status, cameras)

    def gallery(self, encoder_tag, since=None):
        return self.execute("face.template", "gallery_sync", encoder_tag, since)

    def send_events(self, daemon_id, events):
        return self.execute("face.recognition.event", "ingest_events", events, daemon_id)

    def commands(self, daemon_id):
        return self.execute("face.daemon", "daemon_commands_poll", [daemon_id])

    def command_result(self, daemon_id, command_id, success, result, snapshot_b64=None):
        return self.execute(
            "face.daemon", "daemon_command_result", [daemon_id], command_id, success, result, snapshot_b64 or False
        )
