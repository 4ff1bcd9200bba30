"""The plan's "Odoo integration", mapped onto an addon that IS Odoo: what is synchronised here is the
daemons' delivery of events to Odoo. ``/odoo/status`` is the state of each daemon's outbox,
``/odoo/logs`` the sync lines of the system log, ``/odoo/sync`` asks the daemons to flush their
outbox now. There is no connection to configure or test (no ``/odoo/config``, ``/odoo/test``):
the API and the records live in the same Odoo."""

from odoo import http
from odoo.http import request

from ..models.face_system_figures import NothingToFlush
from .api_common import ApiError, api_route, iso, ok, ok_page, plan_paging
from .api_jobs import JOB
from .api_system import DELIVERY, WAIT, wait_param
from .openapi_spec import DATETIME, PLAN_PAGING, envelope, json_content, obj, operation, plan_page, query, s

DAEMON_DELIVERY = obj(
    dict(
        {
            "id": s("integer"),
            "name": s("string"),
            "status": s("string", enum=["online", "offline", "never"]),
            "lastHeartbeat": DATETIME,
            "lastDelivery": dict(DATETIME, description="Latest event from this daemon received by Odoo"),
            "failing": s("boolean"),
        },
        **DELIVERY,
    )
)
STATUS = obj(
    {
        "status": s(
            "string",
            enum=["connected", "degraded", "disconnected"],
            description="connected: every daemon online and delivering; degraded: some offline or failing; "
            "disconnected: no daemon online",
        ),
        "autoSync": s("boolean", description="Daemons deliver continuously: always true"),
        "lastSync": dict(DATETIME, description="Latest daemon heartbeat or event received"),
        "pendingCount": s("integer", description="Events waiting in the daemons' outboxes (last heartbeats)"),
        "failureCount": s("integer", description="Daemons whose delivery is failing"),
        "daemons": s("array", items=DAEMON_DELIVERY),
    }
)
LOG_LINE = obj(
    {
        "id": s("integer"),
        "timestamp": DATETIME,
        "level": s("string", enum=["debug", "info", "warning", "error"]),
        "result": s("string", enum=["success", "failure"], description="failure: a warning or an error"),
        "message": s("string"),
        "action": s("string", nullable=True),
        "object": s("string", nullable=True),
        "employeeId": s("integer", nullable=True),
        "details": s("object", nullable=True),
    }
)
SYNC = obj(
    {
        "requested": s("integer", description="Daemons asked to flush"),
        "answered": s("integer", description="Daemons that answered while the request waited"),
        "jobs": s("array", items=JOB),
    }
)
LEVELS = ["debug", "info", "warning", "error"]


def _employee_id(object_ref):
    model, _sep, record_id = (object_ref or "").partition(",")
    return int(record_id) if model == "hr.employee" and record_id.isdigit() else None


def _sync_operation():
    op = operation(
        "Ask every online daemon to deliver its outbox now (managers)",
        "Odoo integration",
        "config:write",
        200,
        SYNC,
        parameters=[WAIT],
        extra_errors=["409"],
        description="200 when every daemon answered while the request waited, else 202 with the jobs "
        "(GET /jobs/{id}). 409 when no daemon is online.",
    )
    op["responses"]["202"] = {
        "description": "Some daemons did not answer in time: see their jobs",
        "content": json_content(envelope(SYNC)),
    }
    return op


class FaceApiOdoo(http.Controller):
    @api_route(
        "/odoo/status",
        ["GET"],
        scope="config:read",
        doc=operation("Delivery of events from the daemons to Odoo", "Odoo integration", "config:read", 200, STATUS),
    )
    def status(self):
        return ok(request.env["face.system.figures"]._delivery_status())

    @api_route(
        "/odoo/logs",
        ["GET"],
        scope="logs:read",
        doc=operation(
            "Sync lines of the system log (daemons registering, delivering, failing)",
            "Odoo integration",
            "logs:read",
            200,
            None,
            PLAN_PAGING
            + [
                query("level", s("string", enum=LEVELS)),
                query("result", s("string", enum=["success", "failure"])),
            ],
            ok_content=plan_page(LOG_LINE),
        ),
    )
    def logs(self, **params):
        number, size, offset = plan_paging(params)
        lines, total = request.env["face.system.log"]._api_sync_lines(
            params.get("level"), params.get("result"), limit=size, offset=offset
        )
        return ok_page(
            [
                {
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
                for line in lines
            ],
            total,
            number,
            size,
        )

    @api_route("/odoo/sync", ["POST"], scope="config:write", doc=_sync_operation())
    def sync(self, **params):
        wait = wait_param(params)
        try:
            answer = request.env["face.system.figures"]._flush_outboxes(wait)
        except NothingToFlush as error:
            raise ApiError(409, "CONFLICT", str(error.args[0])) from None
        return ok(answer, status=200 if answer["answered"] == answer["requested"] else 202)
