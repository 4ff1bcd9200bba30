"""Keeps the daemon's gallery equal to Odoo's templates of its encoder: full at start, then changes.

Besides templates (enrolled and learned), Odoo sends each person's negatives (faces HR said were not
them) and the look-alikes with their margin; an Odoo without these sends neither and the gallery has none.
"""

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
        self._negatives = {}  # negative id -> (employee id, vector)
        self._lookalikes = (frozenset(), 0.0)  # (employee ids, margin)
        self._since = None
        self._lock = threading.Lock()
        self.last_sync_ok = None
        self.syncs = 0

    @property
    def negatives(self):
        return len(self._negatives)

    @property
    def lookalikes(self):
        return len(self._lookalikes[0])

    def _vector(self, item, kind):
        try:
            vector = vector_from_bytes(base64.b64decode(item["encoding"]))
        except (ValueError, KeyError, TypeError):
            _logger.warning("%s with an unreadable encoding skipped", kind, extra={"%s_id" % kind: item.get("id")})
            return None
        return vector if len(vector) == self.encoder.dimension else None

    def sync(self):
        answer = self.transport.gallery(self.encoder.tag, self._since)
        lookalikes = self._lookalikes
        if answer.get("lookalikes") is not None:
            # Always the whole current list, so a person who is no longer a look-alike drops out.
            lookalikes = (
                frozenset(answer["lookalikes"]),
                float(answer.get("lookalike_margin") or 0.0),
            )
        changed = any(answer.get(key) for key in ("templates", "removed", "negatives", "removed_negatives"))
        if self._since and not changed and lookalikes == self._lookalikes:
            # Nothing changed: keep the gallery as it is rather than rebuilding its matrix.
            self._since = answer.get("server_time") or self._since
            self.syncs += 1
            return len(self.gallery)
        with self._lock:
            entries = dict(self._entries) if self._since else {}
            negatives = dict(self._negatives) if self._since else {}
            for template in answer.get("templates", []):
                vector = self._vector(template, "template")
                if vector is None:
                    continue
                entries[template["id"]] = (template["employee_id"], vector)
                self.names[template["employee_id"]] = (template.get("person_id"), template.get("name"))
            for template_id in answer.get("removed", []):
                entries.pop(template_id, None)
            for negative in answer.get("negatives") or []:
                vector = self._vector(negative, "negative")
                if vector is not None:
                    negatives[negative["id"]] = (negative["employee_id"], vector)
            for negative_id in answer.get("removed_negatives") or []:
                negatives.pop(negative_id, None)
            gallery = Gallery(self.encoder)
            gallery.replace((t, p, v) for t, (p, v) in entries.items())
            gallery.replace_negatives((n, p, v) for n, (p, v) in negatives.items())
            gallery.set_lookalikes(sorted(lookalikes[0]), lookalikes[1])
            self._entries, self._negatives, self._lookalikes, self.gallery = entries, negatives, lookalikes, gallery
            self._since = answer.get("server_time") or self._since
            self.syncs += 1
        return len(gallery)
