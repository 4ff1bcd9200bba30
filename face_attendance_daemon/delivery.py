"""Moves events from the outbox to Odoo in batches, with backoff and a circuit breaker."""

import logging
import threading
import time

from .breaker import CircuitBreaker, backoff_delay
from .transport import PermanentError, TransportError

_logger = logging.getLogger(__name__)


class Delivery:
    def __init__(self, outbox, transport, daemon_id, settings):
        self.outbox, self.transport, self.daemon_id = outbox, transport, daemon_id
        self.settings = settings
        self.breaker = CircuitBreaker(settings.breaker_failures, settings.breaker_reset)
        self.consecutive_failures = 0
        self.delivered = 0
        self.rejected = 0
        self.last_error = None
        self._wake = threading.Event()

    def wake(self):
        self._wake.set()

    def send_once(self):
        """One batch; returns how many events Odoo answered for (0 when nothing was due or it failed)."""
        if not self.breaker.allow():
            return 0
        events = self.outbox.due(self.settings.batch_size)
        if not events:
            return 0
        ids = [e["event_id"] for e in events]
        try:
            results = self.transport.send_events(self.daemon_id, events)
        except TransportError as error:
            self._failed(ids, error, permanent=isinstance(error, PermanentError))
            return 0
        answered = []
        for event_id, result in zip(ids, results or [], strict=False):
            if isinstance(result, dict):
                answered.append((event_id, result.get("outcome") or result.get("status")))
                if result.get("status") == "invalid":
                    # Odoo keeps nothing of an invalid event: it is logged here, where its data is.
                    self.rejected += 1
                    _logger.error(
                        "event refused by Odoo", extra={"event_id": event_id, "reason": result.get("message")}
                    )
        self.outbox.mark_sent(answered)
        self.breaker.success()
        if self.consecutive_failures:
            _logger.info("Odoo reachable again; delivering the backlog", extra={"pending": self.outbox.pending_count()})
            self.outbox.retry_now()
        self.consecutive_failures = 0
        self.delivered += len(answered)
        self.last_error = None
        return len(answered)

    def _failed(self, ids, error, permanent):
        self.consecutive_failures += 1
        self.breaker.failure()
        delay = backoff_delay(self.consecutive_failures, self.settings.retry_base, self.settings.retry_max)
        self.outbox.mark_failed(ids, error, delay)
        self.last_error = str(error)
        _logger.warning(
            "delivery failed; retrying later",
            extra={
                "error": str(error),
                "retry_in": round(delay, 1),
                "breaker": self.breaker.state,
                "permanent": permanent,
                "events": len(ids),
            },
        )

    def run(self, stop):
        """Until ``stop`` is set: send while there is something due, else wait a little."""
        while not stop.is_set():
            try:
                sent = self.send_once()
            except Exception:  # the delivery thread must never die; the outbox keeps the events
                _logger.exception("unexpected delivery error")
                sent = 0
            if not sent:
                self._wake.wait(self.settings.interval)
                self._wake.clear()

    def flush(self, deadline_seconds):
        """At shutdown: try to send what is due for a bounded time; the rest stays in the outbox."""
        end = time.monotonic() + deadline_seconds
        while time.monotonic() < end and self.send_once():
            pass
