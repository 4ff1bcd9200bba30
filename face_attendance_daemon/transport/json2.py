"""Odoo 19's external API, JSON-2 (``POST /json/2/<model>/<method>``), as the daemon's device user.

Odoo 19 deprecates /xmlrpc/2 and /jsonrpc (every call logs a warning; Odoo 20 removes them). JSON-2
authenticates each request with an API key of the device user (``Authorization: bearer``), takes
named arguments and answers with real HTTP status codes, which decide here between "try again
later" (TransportError) and "Odoo refuses this" (PermanentError).

Only the standard library: the daemon package does not depend on ``requests``.
"""

import http.client
import json
import re
import threading
import urllib.parse

from .. import __version__
from .base import PermanentError, Transport, TransportError

# Statuses worth retrying: overload, rate limit, a lock held by another transaction, a proxy
# in front of an Odoo that is restarting. Any other 4xx means the request itself is refused.
_RETRY_STATUSES = {408, 409, 425, 429}
# A connection kept alive between calls may have been closed by Odoo (or a proxy) meanwhile:
# these, on a reused connection, mean "open a new one", not "Odoo is down".
_STALE_CONNECTION = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
_MAX_MESSAGE = 500


class Json2Transport(Transport):
    def __init__(self, url, db, api_key, timeout=30.0):
        if not api_key:
            raise ValueError("JSON-2 needs an Odoo API key of the device user")
        parts = urllib.parse.urlsplit(url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("url must be http(s)://host[:port][/path], got %r" % url)
        self.url, self.db, self.timeout = url.rstrip("/"), db, timeout
        self._scheme, self._host, self._port = parts.scheme, parts.hostname, parts.port
        self._base_path = parts.path
        self._api_key = api_key
        # http.client connections are not thread-safe; delivery and sync run in their own threads.
        self._local = threading.local()

    def describe(self):
        # Never the key: this line goes to the daemon's start-up log.
        return "json2 %s db=%s (API key)" % (self.url, self.db or "(server's default)")

    def __repr__(self):
        return "<Json2Transport %s>" % self.describe()

    # ------------------------------------------------------------------ the daemon's calls
    def register(self, name, host, version, encoder):
        return self.call("face.daemon", "daemon_register", name=name, host=host, version=version, encoder=encoder)

    def heartbeat(self, daemon_id, status, cameras):
        return self.call("face.daemon", "daemon_heartbeat", ids=[daemon_id], status=status, cameras=cameras)

    def gallery(self, encoder_tag, since=None):
        return self.call("face.template", "gallery_sync", encoder_tag=encoder_tag, since=since)

    def send_events(self, daemon_id, events):
        return self.call("face.recognition.event", "ingest_events", events=events, daemon_id=daemon_id)

    def commands(self, daemon_id):
        return self.call("face.daemon", "daemon_commands_poll", ids=[daemon_id])

    def command_result(self, daemon_id, command_id, success, result, snapshot_b64=None):
        return self.call(
            "face.daemon",
            "daemon_command_result",
            ids=[daemon_id],
            command_id=command_id,
            success=success,
            result=result,
            snapshot_b64=snapshot_b64 or None,
        )

    def version(self):
        """The server's version, as XmlRpcTransport.version() answers it (``server_version``)."""
        answer = server_version(self.url, self.timeout, self.db)
        if answer is None:
            raise PermanentError(_not_json2(self.url))
        return answer

    # ------------------------------------------------------------------ HTTP
    def call(self, model, method, ids=None, **params):
        """``model.method(**params)`` on ``ids`` (none: an @api.model method), the answer decoded."""
        if ids is not None:
            params["ids"] = list(ids)
        body = json.dumps(params).encode()
        path = "%s/json/2/%s/%s" % (self._base_path, urllib.parse.quote(model), urllib.parse.quote(method))
        what = "%s.%s" % (model, method)
        status, headers, data = self._request(path, body, what)
        if status == 200:
            return _decode_result(data, self.url, what)
        raise _error(status, headers, data, self.url, self.db, what, self._api_key)

    def _headers(self):
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Authorization": "bearer %s" % self._api_key,
            "User-Agent": "face-attendance-daemon/%s" % __version__,
        }
        if self.db:
            headers["X-Odoo-Database"] = self.db
        return headers

    def _connection(self):
        connection = getattr(self._local, "connection", None)
        if connection is None:
            factory = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
            # The timeout bounds the connect and every read: a hung Odoo never blocks a thread.
            connection = factory(self._host, self._port, timeout=self.timeout)
            self._local.connection, self._local.used = connection, False
        return connection

    def _drop_connection(self):
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.close()

    def _request(self, path, body, what):
        for attempt in (1, 2):
            connection = self._connection()
            reused = self._local.used
            try:
                connection.request("POST", path, body=body, headers=self._headers())
                response = connection.getresponse()
                data = response.read()
            except _STALE_CONNECTION as error:
                self._drop_connection()
                # Every call the daemon makes is idempotent, so sending it once more is safe.
                if reused and attempt == 1:
                    continue
                raise TransportError("cannot reach Odoo at %s (%s): %s" % (self.url, what, _plain(error))) from None
            except (OSError, http.client.HTTPException) as error:  # refused, timeout, DNS, TLS, garbage
                self._drop_connection()
                raise TransportError("cannot reach Odoo at %s (%s): %s" % (self.url, what, _plain(error))) from None
            self._local.used = True
            if response.will_close:
                self._drop_connection()
            return response.status, response.headers, data
        raise AssertionError("unreachable")  # pragma: no cover


def _plain(error):
    return str(error) or type(error).__name__


def _not_json2(url):
    return (
        "Odoo at %s has no JSON-2 API (it needs Odoo 19 or later; an Odoo 18 answers only "
        'XML-RPC): set [odoo] protocol = "xmlrpc" or "auto"' % url
    )


def _decode_result(data, url, what):
    try:
        result = json.loads(data) if data else None
    except ValueError:
        raise TransportError("Odoo at %s answered %s with something that is not JSON" % (url, what)) from None
    # Odoo 18 answers an unknown path posted as JSON with a JSON-RPC error and status 200.
    if isinstance(result, dict) and result.get("jsonrpc") and "error" in result:
        raise PermanentError(_not_json2(url))
    return result


def _error(status, headers, data, url, db, what, api_key):
    """The exception for a non-200 answer, with Odoo's own message (never its traceback)."""
    name, message = "", ""
    try:
        body = json.loads(data)
        if isinstance(body, dict):
            name = str(body.get("name") or "").rsplit(".", 1)[-1]
            message = str(body.get("message") or "")
    except ValueError:
        # Not Odoo's JSON: a proxy's page, or an Odoo 18 404 page.
        message = re.sub(r"<[^>]*>", " ", data[:500].decode("utf-8", "replace")) if data else ""
        message = " ".join(message.split())[:200]
    # Odoo's messages never quote the key, but a proxy's might echo a header: never pass it on.
    message = message.replace(api_key, "***")[:_MAX_MESSAGE]
    label = "HTTP %d%s" % (status, ", %s" % name if name else "")
    if status == 401:
        return PermanentError(
            "Odoo at %s refused the API key (%s: %s): the key is wrong, revoked or expired, "
            "or belongs to another database" % (url, label, message or "unauthorized")
        )
    if status == 404 and not name:
        # Odoo 19 without a database (unknown or refused by its dbfilter) answers a plain 404 page.
        if "No database is selected" in message:
            return PermanentError(
                "Odoo at %s serves no database %r (unknown, or refused by its dbfilter): check [odoo] db" % (url, db)
            )
        return PermanentError("%s (%s on %s)" % (_not_json2(url), label, what))
    if status >= 500 or status in _RETRY_STATUSES:
        retry_after = headers.get("Retry-After")
        return TransportError(
            "Odoo at %s cannot serve %s now (%s%s)%s"
            % (
                url,
                what,
                label,
                ": %s" % message if message else "",
                "; retry after %s s" % retry_after if retry_after else "",
            )
        )
    if 400 <= status < 500:
        return PermanentError("Odoo refused %s (%s): %s" % (what, label, message or "no message"))
    location = headers.get("Location")
    # Odoo 18 has a /json/<path> page for logged-in browsers: it sends the daemon to the login.
    if location and "/web/login" in location:
        return PermanentError("%s (%s on %s)" % (_not_json2(url), label, what))
    # Other redirects (http -> https, a path prefix) mean the configured url is not Odoo's.
    return PermanentError(
        "Odoo at %s answered %s with %s%s: check [odoo] url"
        % (url, what, label, " to %s" % location if location else "")
    )


def server_version(url, timeout, db=None):
    """GET <url>/web/version: {'server_version', 'server_version_info'} on Odoo 19+, None before.

    The route arrived with Odoo 19 (module rpc, loaded server-wide, so no database is needed; the
    database header still finds it where rpc is not loaded server-wide); an Odoo 18 answers 404.
    Down or 5xx is a TransportError: the daemon waits for Odoo.
    """
    parts = urllib.parse.urlsplit(url.rstrip("/"))
    factory = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = factory(parts.hostname, parts.port, timeout=timeout)
    try:
        headers = {"Accept": "application/json", "User-Agent": "face-attendance-daemon/%s" % __version__}
        if db:
            headers["X-Odoo-Database"] = db
        connection.request("GET", parts.path + "/web/version", headers=headers)
        response = connection.getresponse()
        data = response.read()
    except (OSError, http.client.HTTPException) as error:
        raise TransportError("cannot reach Odoo at %s: %s" % (url, _plain(error))) from None
    finally:
        connection.close()
    if response.status == 404:
        return None
    if response.status != 200:
        error = TransportError if response.status >= 500 or response.status in _RETRY_STATUSES else PermanentError
        raise error("Odoo at %s answered GET /web/version with HTTP %d: check [odoo] url" % (url, response.status))
    try:
        info = json.loads(data)
        version_info = list(info["version_info"])
        int(version_info[0])
    except (ValueError, KeyError, TypeError, IndexError):
        raise PermanentError("%s/web/version is not Odoo's version answer: check [odoo] url" % url) from None
    return {
        "server_version": info.get("version") or ".".join(str(v) for v in version_info[:2]),
        "server_version_info": version_info,
    }
