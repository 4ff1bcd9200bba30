"""The plan's "Odoo integration", mapped onto an addon that IS Odoo: what is synchronised here is the
daemons' delivery of events to Odoo. ``/odoo/status`` is the state of each daemon's outbox,
``/odoo/logs`` the sync lines of the system log, ``/odoo/sync`` asks the daemons to flush their
outbox now. There is no connection to configure or test (no ``/odoo/config``, ``/odoo/test``):
the API and the records live in the same Odoo."""

from typing import Any, Literal

from pydantic import Field

from odoo import http
from odoo.http import request

from ..models.api_types import Answer, DateTime, PlanPaging
from .api_common import Reply, api_route, iso
from .api_jobs import Job
from .api_system import DaemonDelivery, LogLevel, WaitQuery

SyncResult = Literal["success", "failure"]


class DeliveryStatus(Answer):
    status: Literal["connected", "degraded", "disconnected"] = Field(
        description="connected: every daemon online and delivering; degraded: some offline or failing; "
        "disconnected: no daemon online"
    )
    autoSync: bool = Field(description="Daemons deliver continuously: always true")  # noqa: N815  # camelCase
    lastSync: DateTime = Field(description="Latest daemon heartbeat or event received")  # noqa: N815
    pendingCount: int = Field(description="Events waiting in the daemons' outboxes (last heartbeats)")  # noqa: N815
    failureCount: int = Field(description="Daemons whose delivery is failing")  # noqa: N815
    daemons: list[DaemonDelivery]


class SyncLogQuery(PlanPaging):
    level: LogLevel = None
    result: SyncResult = None


class SyncLogLine(Answer):
    id: int
    timestamp: DateTime
    level: LogLevel
    result: SyncResult = Field(description="failure: a warning or an error")
    message: str
    action: str | None
    object: str | None
    employeeId: int | None  # noqa: N815
    details: dict[str, Any] | None


class Sync(Answer):
    requested: int = Field(description="Daemons asked to flush")
    answered: int = Field(description="Daemons that answered while the request waited")
    jobs: list[Job]


def _employee_id(object_ref):
    model, _sep, record_id = (object_ref or "").partition(",")
    return int(record_id) if model == "hr.employee" and record_id.isdigit() else None


def sync_line(line):
    return {
        "id": line.id,
        "timestamp": iso(line.create_date),
        "level": line.level,
        "result": "failure" if line.level in ("warning", "error") else "success",
        "message": line.message,
        "action": line.action or None,
        "object": line.object_ref or None,
        "employeeId": _employee_id(line.object_ref),
        "details": line.details if isinstance(line.details, dict) else None,
    }


class FaceApiOdoo(http.Controller):
    @api_route(
        "/odoo/status",
        ["GET"],
        readonly=True,
        scope="config:read",
        summary="Delivery of events from the daemons to Odoo",
        tag="Odoo integration",
        answer=DeliveryStatus,
    )
    def status(self):
        return request.env["face.system.figures"]._delivery_status()

    @api_route(
        "/odoo/logs",
        ["GET"],
        readonly=True,
        scope="logs:read",
        summary="Sync lines of the system log (daemons registering, delivering, failing)",
        tag="Odoo integration",
        query=SyncLogQuery,
        answer=SyncLogLine,
        paged=True,
    )
    def logs(self, query):
        lines, total = request.env["face.system.log"]._api_sync_lines(
            query.level, query.result, limit=query.pageSize, offset=query.offset
        )
        return [sync_line(line) for line in lines], total

    @api_route(
        "/odoo/sync",
        ["POST"],
        scope="config:write",
        summary="Ask every online daemon to deliver its outbox now (managers)",
        tag="Odoo integration",
        query=WaitQuery,
        answer=Sync,
        more={202: Sync},
        extra_errors=["409"],
        description="200 when every daemon answered while the request waited, else 202 with the jobs "
        "(GET /jobs/{id}). 409 when no daemon is online.",
    )
    def sync(self, query):
        answer = request.env["face.system.figures"]._flush_outboxes(query.wait)
        return answer if answer["answered"] == answer["requested"] else Reply(answer, 202)
