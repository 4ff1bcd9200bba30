"""How the daemon talks to Odoo. The pipeline only knows the Transport interface."""
from .base import Transport, TransportError, PermanentError  # noqa: F401
from .xmlrpc import XmlRpcTransport  # noqa: F401
