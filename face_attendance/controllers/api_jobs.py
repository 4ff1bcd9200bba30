"""Commands run by a camera daemon, seen as jobs: ``run_command`` for the routes that send one,
``GET /jobs/{id}`` for a command that was not answered while its route waited.

A route never waits more than ``wait`` seconds (at most 10): past that it answers 202 with the job
id, and the daemon's answer, when it comes, is read with ``GET /jobs/{id}``.
"""

from typing import Any, Literal

from pydantic import Field

from odoo import http
from odoo.http import request

from ..models.api_types import Answer, DateTime
from .api_common import ApiError, api_route, ok
from .openapi_spec import envelope, json_content, model_schema, operation


class Job(Answer):
    jobId: int  # noqa: N815  # the plan's camelCase
    status: Literal["queued", "sent", "done", "failed", "expired"]
    kind: Literal["test_connection", "snapshot", "restart_camera", "restart_daemon", "flush_outbox"]
    cameraId: int | None  # noqa: N815
    daemonId: int  # noqa: N815
    result: dict[str, Any] | None = Field(description="The daemon's answer (success, message and figures)")
    message: str | None
    assetId: int | None = Field(description="The snapshot's attachment")  # noqa: N815
    snapshotUrl: str | None  # noqa: N815
    requestedBy: str | None  # noqa: N815
    createdAt: DateTime  # noqa: N815
    deadline: DateTime
    pickedAt: DateTime  # noqa: N815
    finishedAt: DateTime  # noqa: N815


class JobAccepted(Answer):
    jobId: int  # noqa: N815
    status: Literal["queued", "sent", "expired"]


# The camera routes that send commands still declare their operations by hand (job_operation).
JOB = model_schema(Job, mode="serialization")
JOB_ACCEPTED = model_schema(JobAccepted, mode="serialization")
DEFAULT_WAIT = 8.0


def job_operation(summary, tag, scope, ok_status=200, data_schema=None, **kwargs):
    """An operation that sends a daemon command: ``ok_status`` when answered in time, 202 (job id)
    otherwise, 409 when there is no daemon to send it to."""
    kwargs["extra_errors"] = sorted(set(kwargs.get("extra_errors", ())) | {"409"})
    op = operation(summary, tag, scope, ok_status, JOB if data_schema is None else data_schema, **kwargs)
    op["responses"]["202"] = {
        "description": "The daemon did not answer in time: the command is a job, see GET /jobs/{id}",
        "content": json_content(envelope(JOB_ACCEPTED)),
    }
    return op


def run_command(daemon, kind, camera=None, wait=None, present=None, ok_status=200):
    """Queue ``kind`` for ``daemon`` (and ``camera``), wait up to ``wait`` seconds (default 8) for its answer.

    Answered in time: ``ok_status`` with ``present(command)`` (default: the job). Otherwise 202 with
    ``{"jobId", "status"}``. The caller's transaction is committed before waiting (the daemon must
    see the command), so the route does its own checks and writes before calling this.
    """
    if not daemon:
        raise ApiError(409, "CONFLICT", "No daemon reads this camera: assign one first.")
    command = request.env["face.daemon.command"]._submit(daemon, kind, camera=camera)
    if command._wait(DEFAULT_WAIT if wait is None else wait):
        return ok(present(command) if present else command._job_dict(), status=ok_status)
    return ok({"jobId": command.id, "status": command.sudo().state}, status=202)


class FaceApiJobs(http.Controller):
    @api_route(
        "/jobs/<int:job_id>",
        ["GET"],
        scope="camera:read",
        summary="A daemon command (job) and its answer",
        tag="Jobs",
        answer=Job,
        description="Commands are seen by the managers of their daemon's company.",
    )
    def get_job(self, job_id):
        return request.env["face.daemon.command"]._api_job(job_id)

    @api_route(
        "/jobs/<int:job_id>/snapshot",
        ["GET"],
        scope="camera:read",
        summary="The JPEG of a snapshot job",
        tag="Jobs",
        produces="image/jpeg",
        description="Managers of the camera's company (the snapshot is an attachment of the job).",
    )
    def get_job_snapshot(self, job_id):
        attachment = request.env["face.daemon.command"]._api_snapshot_attachment(job_id)
        return request.make_response(
            attachment.raw,
            headers=[
                ("Content-Type", "image/jpeg"),
                ("Content-Disposition", 'inline; filename="%s"' % attachment.name),
                ("Cache-Control", "private, max-age=300"),
            ],
        )
