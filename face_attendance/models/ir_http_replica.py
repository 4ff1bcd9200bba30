"""Which database serves the REST API's read-only routes: Odoo's replica (--db_replica_host) while it
keeps up with the primary, the primary otherwise.

Odoo itself sends a route declared ``readonly`` to the replica and falls back to the primary when it
cannot connect to it (for 20 minutes, then it tries again). It does not look at how far behind the
replica is: a replica whose replay stopped, or that lost its primary, still answers with old data.
``_face_replica_fresh`` is asked by every read-only API route (``api_route(readonly=True)``) and
passes over a replica that lags more than ``REPLICA_MAX_LAG`` seconds.
"""

import logging
import os
import time
from contextlib import closing

import psycopg2

from odoo import models
from odoo.tools import config

_logger = logging.getLogger(__name__)

# A replica further behind than this (seconds of primary time not yet replayed) serves no API reads.
REPLICA_MAX_LAG = 2.0
# How often each process asks the replica how far behind it is (the answer is reused meanwhile).
REPLICA_CHECK_INTERVAL = 1.0

# On the replica: seconds of the primary's history it received but has not replayed yet (0 when it
# replayed everything it received); NULL when no WAL receiver runs (it lost its primary, or was
# promoted while still named as replica). pg_stat_wal_receiver shows its pid to any role.
LAG_SQL = """
    SELECT CASE
        WHEN NOT pg_is_in_recovery() THEN 0
        WHEN NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE pid IS NOT NULL) THEN NULL
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
        ELSE COALESCE(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)
    END"""

# (process, database) -> (monotonic time of the last check, whether the replica was fresh then).
_freshness = {}


def replica_configured():
    """Whether Odoo was started with a replica (18: an empty host is the local socket; 19: None)."""
    return config.get("db_replica_host") not in (None, False) or bool(config.get("db_replica_port"))


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _face_replica_fresh(cls, registry):
        """Whether a read-only route may use the replica now: it is not more than REPLICA_MAX_LAG
        behind (or Odoo has none, or already falls back to the primary). Checked at most every
        REPLICA_CHECK_INTERVAL per process, on a cursor of Odoo's own replica pool."""
        if not replica_configured():
            return True
        slot = (os.getpid(), registry.db_name)
        now = time.monotonic()
        checked_at, fresh = _freshness.get(slot, (None, True))
        if checked_at is not None and now - checked_at < REPLICA_CHECK_INTERVAL:
            return fresh
        # Claimed before asking: the process's other threads keep the last answer meanwhile.
        _freshness[slot] = (now, fresh)
        lag = None
        try:
            with closing(registry.cursor(readonly=True)) as cr:
                if not cr.readonly:
                    # Odoo could not reach the replica and gave the primary: nothing lags.
                    _freshness[slot] = (now, True)
                    return True
                cr.execute(LAG_SQL)
                lag = cr.fetchone()[0]
        except psycopg2.Error as error:
            _logger.info("Could not ask the replica how far behind it is: %s", error)
        now_fresh = lag is not None and float(lag) <= REPLICA_MAX_LAG
        if now_fresh != fresh:
            if now_fresh:
                _logger.info("The replica caught up: read-only API routes use it again")
            else:
                _logger.warning(
                    "The replica is %s: read-only API routes use the primary until it catches up",
                    "not streaming from the primary" if lag is None else "%.1f s behind" % float(lag),
                )
        _freshness[slot] = (now, now_fresh)
        return now_fresh
