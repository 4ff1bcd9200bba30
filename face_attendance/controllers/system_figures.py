"""The figures of the system and Odoo-integration endpoints, read from what Odoo holds: the daemons'
heartbeats (``status_details``, see ``face_attendance_daemon.daemon.Daemon.status``), the cameras'
live status, the heartbeat history, the recognition events, the crons and PostgreSQL itself.

A heartbeat is the daemon's own JSON: every figure taken from it is checked for its type, so a
daemon sending something odd never breaks an answer.
"""

import math
import os
from datetime import datetime, timedelta, timezone
from datetime import time as dtime

import psutil
import pytz

from odoo import fields
from odoo.http import request
from odoo.tools import config

from ..models.face_api_key import iso
from .openapi_spec import DATETIME, obj, s

# A cron this late (past its next run) is degraded: cron threads are stopped or overloaded.
CRON_LATE_SECONDS = 3600
LATENCY_SAMPLE = 500
# Attendance modes that are not a camera's: typed in (Odoo's backend, POST /attendance/manual),
# a kiosk's PIN or badge, the employee's own button in Odoo.
MANUAL_MODES = ("manual", "kiosk", "systray")

NUMBER = s("number", nullable=True)
INTEGER = s("integer", nullable=True)
TEXT = s("string", nullable=True)


def number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return value


def integer(value):
    value = number(value)
    return int(value) if value is not None and abs(value) < 2**53 else None


def text(value, limit=500):
    return value[:limit] if isinstance(value, str) and value else None


def as_dict(value):
    return value if isinstance(value, dict) else {}


def section(details, name):
    return as_dict(as_dict(details).get(name))


# ---------------------------------------------------------------------- time
def today_bounds():
    """(day, start, end) of today in the key's user's time zone (UTC without one), naive UTC."""
    zone = pytz.timezone(request.env.user.tz or "UTC")
    day = datetime.now(pytz.utc).astimezone(zone).date()
    start = zone.localize(datetime.combine(day, dtime.min)).astimezone(pytz.utc).replace(tzinfo=None)
    end = zone.localize(datetime.combine(day + timedelta(days=1), dtime.min)).astimezone(pytz.utc).replace(tzinfo=None)
    return day, start, end


def percentile(values, fraction):
    """Nearest-rank percentile of a sorted list, None when empty."""
    if not values:
        return None
    rank = max(1, math.ceil(fraction * len(values)))
    return round(values[rank - 1], 1)


# ---------------------------------------------------------------------- daemons
def daemons():
    """The daemons the key's user may read (record rules: their company)."""
    return request.env["face.daemon"].search([])


def daemon_delivery(daemon):
    """The daemon's outbox and delivery to Odoo, from its last heartbeat."""
    details = daemon.status_details
    outbox, delivery = section(details, "outbox"), section(details, "delivery")
    return {
        "outboxPending": integer(outbox.get("pending")),
        "outboxSent": integer(outbox.get("sent")),
        "outboxBytes": integer(outbox.get("bytes")),
        "oldestPendingAge": number(outbox.get("oldest_pending_age")),
        "delivered": integer(delivery.get("delivered")),
        "breaker": text(delivery.get("breaker"), 32),
        "lastError": text(delivery.get("last_error")),
    }


def failing(delivery):
    """Whether a daemon's delivery to Odoo is failing: its breaker is not closed or its last try failed."""
    return delivery["breaker"] not in (None, "closed") or bool(delivery["lastError"])


DELIVERY = {
    "outboxPending": dict(INTEGER, description="Events waiting in the daemon's outbox"),
    "outboxSent": INTEGER,
    "outboxBytes": INTEGER,
    "oldestPendingAge": dict(NUMBER, description="Seconds the oldest waiting event has waited"),
    "delivered": dict(INTEGER, description="Events delivered since the daemon started"),
    "breaker": dict(TEXT, description="closed (delivering), open (Odoo considered down) or half-open"),
    "lastError": TEXT,
}


def daemon_uptime(daemon):
    """Seconds the daemon process has run, from its last heartbeat; None when it is not online."""
    if daemon.status != "online":
        return None
    return integer(as_dict(daemon.status_details).get("uptime_seconds"))


def last_delivery(daemon):
    """When Odoo last received an event from this daemon."""
    event = request.env["face.recognition.event"].search(
        [("daemon_id", "=", daemon.id)], order="received_at desc", limit=1
    )
    return event.received_at or None


def delivery_latency(daemon, since):
    """Seconds from sighting to arrival in Odoo of the daemon's recent events: p50, p95, samples."""
    rows = request.env["face.recognition.event"].search_read(
        [("daemon_id", "=", daemon.id), ("received_at", ">=", since)],
        ["sighted_at", "received_at"],
        order="received_at desc",
        limit=LATENCY_SAMPLE,
    )
    values = sorted(
        max(0.0, (row["received_at"] - row["sighted_at"]).total_seconds() * 1000.0)
        for row in rows
        if row["received_at"] and row["sighted_at"]
    )
    return {"p50Ms": percentile(values, 0.5), "p95Ms": percentile(values, 0.95), "samples": len(values)}


LATENCY = obj({"p50Ms": NUMBER, "p95Ms": NUMBER, "samples": s("integer")})


def heartbeat_uptime(daemon_ids, camera_ids, start, end):
    """{("daemon"|"camera", id): percent of the 5-minute buckets of [start, end) in which it was
    heard from (a camera: delivered frames)}, None without a whole bucket of history. {} when the
    heartbeat history does not exist."""
    if "face.heartbeat.log" not in request.env:
        return {}
    from ..models.face_heartbeat_log import BUCKET_MINUTES, bucket_of

    # sudo: the history is managers-only; the rows read are those of the daemons and cameras the
    # caller may read (their ids come from searches with the caller's rights), as counts only.
    History = request.env["face.heartbeat.log"].sudo()
    answer = {}
    for kind, ids, field, extra in (
        ("daemon", daemon_ids, "daemon_id", [("camera_key", "=", 0)]),
        ("camera", camera_ids, "camera_id", []),
    ):
        if not ids:
            continue
        groups = History._read_group(
            [(field, "in", ids), ("online", "=", True), ("bucket", ">=", bucket_of(start)), ("bucket", "<", end)]
            + extra,
            [field],
            ["__count"],
        )
        online = {record.id: count for record, count in groups}
        created = {
            record.id: record.create_date
            for record in request.env["face.daemon" if kind == "daemon" else "face.camera"]
            .browse(ids)
            .with_context(active_test=False)
        }
        for record_id in ids:
            begin = max(start, created.get(record_id) or start)
            if end - begin < timedelta(minutes=BUCKET_MINUTES):
                answer[kind, record_id] = 100.0 if online.get(record_id) else None
                continue
            total = int((end - bucket_of(begin)).total_seconds() // (BUCKET_MINUTES * 60)) + 1
            answer[kind, record_id] = round(min(100.0, 100.0 * online.get(record_id, 0) / max(total, 1)), 1)
    return answer


# ---------------------------------------------------------------------- Odoo and PostgreSQL
def odoo_started_at():
    """When this Odoo server started: the prefork master when there are workers, else this process."""
    process = psutil.Process(os.getpid())
    if config["workers"]:
        parent = process.parent()
        process = parent or process
    return datetime.fromtimestamp(process.create_time(), timezone.utc).replace(tzinfo=None)


def database_size():
    request.env.cr.execute("SELECT pg_database_size(current_database())")
    return request.env.cr.fetchone()[0]


def postgres_version():
    request.env.cr.execute("SHOW server_version")
    return request.env.cr.fetchone()[0]


def addon_cron_ids():
    # sudo: ir.model.data and ir.cron are readable by administrators only; what is read is the
    # addon's own crons' names and schedule.
    return set(
        request.env["ir.model.data"]
        .sudo()
        .search([("module", "=", "face_attendance"), ("model", "=", "ir.cron")])
        .mapped("res_id")
    )


def crons(addon_only):
    """The active crons (of the addon, or all), as superuser reads their schedule (see addon_cron_ids)."""
    Cron = request.env["ir.cron"].sudo().with_context(active_test=False)
    if addon_only:
        return Cron.browse(sorted(addon_cron_ids())).exists()
    return Cron.search([("active", "=", True)])


def cron_lag(cron, now):
    """Seconds the cron is past its next run (0 when not due yet or inactive)."""
    if not cron.active or not cron.nextcall or cron.nextcall >= now:
        return 0
    return int((now - cron.nextcall).total_seconds())


def lag_of(cron_records, now):
    lags = [(cron_lag(cron, now), cron) for cron in cron_records]
    worst = max(lags, key=lambda item: item[0], default=(0, None))
    return {
        "lagSeconds": worst[0],
        "overdue": sum(1 for lag, _cron in lags if lag > 0),
        "worst": worst[1].cron_name if worst[1] and worst[0] else None,
    }


CRON_LAG = obj(
    {
        "lagSeconds": s("integer", description="How late the latest overdue cron is (0: none overdue)"),
        "overdue": s("integer"),
        "worst": s("string", nullable=True),
    }
)


def now():
    return fields.Datetime.now()


def iso_or_none(value):
    return iso(value) if value else None


SERVICE = obj(
    {
        "id": s("string", description="odoo, postgresql, daemon-<id>, camera-<id> or cron-<id>"),
        "name": s("string"),
        "type": s("string", enum=["odoo", "database", "daemon", "camera", "cron"]),
        "status": s("string", enum=["running", "degraded", "stopped"]),
        "state": s("string", description="The component's own state (online, offline, never, disabled, ...)"),
        "version": TEXT,
        "uptimeSeconds": INTEGER,
        "lastHeartbeat": DATETIME,
        "lastRun": DATETIME,
        "nextRun": DATETIME,
        "lagSeconds": INTEGER,
        "restartable": s("boolean", description="POST /system/services/{id}/restart applies"),
        "message": TEXT,
    }
)


def service(service_id, name, kind, status, state, **extra):
    row = {
        "id": service_id,
        "name": name or service_id,
        "type": kind,
        "status": status,
        "state": state,
        "version": None,
        "uptimeSeconds": None,
        "lastHeartbeat": None,
        "lastRun": None,
        "nextRun": None,
        "lagSeconds": None,
        "restartable": False,
        "message": None,
    }
    row.update(extra)
    return row


def daemon_service_status(daemon):
    if daemon.status != "online":
        return "stopped"
    degraded = as_dict(daemon.status_details).get("status") == "degraded"
    return "degraded" if degraded else "running"


CAMERA_SERVICE_STATUS = {"online": "running", "offline": "stopped", "never": "stopped", "disabled": "stopped"}
