"""Retry pacing for calls to Odoo: exponential backoff with jitter, and a circuit breaker."""

import random
import time


def backoff_delay(attempt, base, cap, rng=random):
    """Full jitter: uniform in [0, min(cap, base * 2**attempt)], so that daemons coming back after an
    outage do not all hit Odoo in the same second."""
    return rng.uniform(0, min(cap, base * (2 ** min(attempt, 30))))


class CircuitBreaker:
    """closed -> (``failures`` in a row) -> open -> (``reset_after`` s) -> half-open -> one trial call.

    While open no call is tried at all: a dead Odoo costs nothing and is not hammered.
    """

    def __init__(self, failures=5, reset_after=30.0, clock=time.monotonic):
        self.failures_to_open = failures
        self.reset_after = reset_after
        self.clock = clock
        self.state = "closed"
        self.failures = 0
        self.opened_at = None
        self.trips = 0

    def allow(self):
        if self.state == "open" and self.clock() - self.opened_at >= self.reset_after:
            self.state = "half_open"
        return self.state != "open"

    def success(self):
        self.state, self.failures, self.opened_at = "closed", 0, None

    def failure(self):
        self.failures += 1
        if self.state == "half_open" or self.failures >= self.failures_to_open:
            if self.state != "open":
                self.trips += 1
            self.state, self.opened_at = "open", self.clock()
