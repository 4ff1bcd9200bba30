"""The durable outbox: every event is on disk (SQLite, WAL, synchronous=FULL) before it is sent.

An event leaves the outbox only when Odoo has answered for it (created or already there), so a
daemon killed at any point re-sends at most what it had not seen confirmed, and Odoo's event ids
make that harmless. Disk use is bounded: snapshots are dropped first, events never.
"""

import json
import os
import sqlite3
import threading
import time

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    snapshot TEXT,
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at REAL,
    outcome TEXT
);
CREATE INDEX IF NOT EXISTS events_pending ON events (sent_at, next_attempt_at, seq);
"""


class Outbox:
    def __init__(self, path, max_bytes=500 * 1024 * 1024):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.path = path
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed event survives a power cut, not only a killed process.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

    def close(self):
        with self._lock:
            self._db.close()

    def put(self, event, snapshot=None):
        """Store one event (a dict with ``event_id``); True if new. Returns once it is on disk."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO events (event_id, payload, snapshot, created_at) VALUES (?, ?, ?, ?)",
                (event["event_id"], json.dumps(event, separators=(",", ":")), snapshot, time.time()),
            )
            added = cursor.rowcount == 1
        if added and snapshot:
            self.enforce_limit()
        return added

    def due(self, limit, now=None):
        """The oldest unsent events whose retry time has come, as (event dicts with snapshots)."""
        now = time.time() if now is None else now
        with self._lock:
            rows = self._db.execute(
                "SELECT payload, snapshot FROM events WHERE sent_at IS NULL AND next_attempt_at <= ? "
                "ORDER BY seq LIMIT ?",
                (now, limit),
            ).fetchall()
        events = []
        for payload, snapshot in rows:
            event = json.loads(payload)
            if snapshot:
                event["snapshot"] = snapshot
            events.append(event)
        return events

    def mark_sent(self, results):
        """``results``: (event_id, outcome) pairs Odoo answered for."""
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany(
                "UPDATE events SET sent_at = ?, outcome = ?, snapshot = NULL WHERE event_id = ?",
                [(now, outcome, event_id) for event_id, outcome in results],
            )
            self._db.execute("COMMIT")

    def mark_failed(self, event_ids, error, delay):
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany(
                "UPDATE events SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE event_id = ?",
                [(time.time() + delay, str(error)[:500], event_id) for event_id in event_ids],
            )
            self._db.execute("COMMIT")

    def retry_now(self):
        """After Odoo came back: every waiting event is due at once (order is kept by seq)."""
        with self._lock:
            self._db.execute("UPDATE events SET next_attempt_at = 0 WHERE sent_at IS NULL")

    def pending_count(self):
        with self._lock:
            return self._db.execute("SELECT count(*) FROM events WHERE sent_at IS NULL").fetchone()[0]

    def stats(self):
        with self._lock:
            pending, sent, oldest = self._db.execute(
                "SELECT sum(sent_at IS NULL), sum(sent_at IS NOT NULL), "
                "min(CASE WHEN sent_at IS NULL THEN created_at END) "
                "FROM events"
            ).fetchone()
        return {
            "pending": pending or 0,
            "sent": sent or 0,
            "bytes": self.size_bytes(),
            "oldest_pending_age": round(time.time() - oldest, 1) if oldest else 0.0,
        }

    def size_bytes(self):
        total = 0
        for suffix in ("", "-wal", "-shm"):
            try:
                total += os.path.getsize(self.path + suffix)
            except OSError:
                pass
        return total

    def _payload_bytes(self):
        return self._db.execute(
            "SELECT coalesce(sum(length(payload) + coalesce(length(snapshot), 0)), 0) FROM events"
        ).fetchone()[0]

    def enforce_limit(self):
        """Over the limit: forget delivered events, then drop the oldest snapshots. Never an event."""
        with self._lock:
            if self._payload_bytes() <= self.max_bytes:
                return
            self._db.execute("DELETE FROM events WHERE sent_at IS NOT NULL")
            excess = self._payload_bytes() - self.max_bytes
            dropped = []
            for seq, size in self._db.execute(
                "SELECT seq, length(snapshot) FROM events WHERE snapshot IS NOT NULL ORDER BY seq"
            ):
                if excess <= 0:
                    break
                dropped.append((seq,))
                excess -= size
            self._db.executemany("UPDATE events SET snapshot = NULL WHERE seq = ?", dropped)

    def prune_sent(self, older_than_seconds):
        with self._lock:
            self._db.execute(
                "DELETE FROM events WHERE sent_at IS NOT NULL AND sent_at < ?", (time.time() - older_than_seconds,)
            )
