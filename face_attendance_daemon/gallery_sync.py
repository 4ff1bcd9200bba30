"""Keeps the daemon's gallery equal to Odoo's templates of its encoder: full at start, then changes."""

import base64
import logging
import threading

from .engine import Gallery, vector_from_bytes

_logger = logging.getLogger(__name__)


class GallerySync:
    """Holds the current Gallery; each sync builds a new one and swaps it in, so that matching
    threads never see a half-updated matrix."""

    def __init__(self, transport, encoder):
        self.transport, self.encoder = transport, encoder
        self.gallery = Gallery(encoder)
        self.names = {}  # person key (employee id) -> (person_ref, name), for logs
        self._entries = {}  # template id -> (employee id, vector)
        self._since = None
        self._lock = threading.Lock()
        self.last_sync_ok = None
        self.syncs = 0

    def sync(self):
        answer = self.transport.gallery(self.encoder.tag, self._since)
        if self._since and not answer.get("templates") and not answer.get("removed"):
            # Nothing changed: keep the gallery as it is rather than rebuilding its matrix.
            self._since = answer.get("server_time") or self._since
            self.syncs += 1
            return len(self.gallery)
        with self._lock:
            entries = dict(self._entries) if self._since else {}
            for template in answer.get("templates", []):
                try:
                    vector = vector_from_bytes(base64.b64decode(template["encoding"]))
                except (ValueError, KeyError, TypeError):
                    _logger.warning(
                        "template with an unreadable encoding skipped", extra={"template_id": template.get("id")}
                    )
                    continue
                if len(vector) != self.encoder.dimension:
                    continue
                entries[template["id"]] = (template["employee_id"], vector)
                self.names[template["employee_id"]] = (template.get("person_id"), template.get("name"))
            for template_id in answer.get("removed", []):
                entries.pop(template_id, None)
            gallery = Gallery(self.encoder)
            gallery.replace((t, p, v) for t, (p, v) in entries.items())
            self._entries, self.gallery = entries, gallery
            self._since = answer.get("server_time") or self._since
            self.syncs += 1
        return len(gallery)
