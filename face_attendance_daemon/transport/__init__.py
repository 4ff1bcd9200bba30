"""How the daemon talks to Odoo. The pipeline only knows the Transport interface."""

from .base import Transport, TransportError, PermanentError  # noqa: F401
from .xmlrpc import XmlRpcTransport  # noqa: F401  # nosec B411  # our own module, not the standard library's xmlrpc
from .json2 import Json2Transport  # noqa: F401
from .auto import AutoTransport  # noqa: F401
from .failover import FailoverTransport  # noqa: F401
