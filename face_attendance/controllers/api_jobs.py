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
from .api_common import ApiError, Reply, api_route


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


DEFAULT_WAIT = 8.0


def run_command(daemon, kind, camera=None, wait=None, present=None, ok_status=200):
    """Queue ``kind`` for ``daemon`` (and ``camera``), wait up to ``wait`` seconds (default 8) for its answer.

    For a declared route (``answer=<the answer's model>, more={202: JobAccepted}, extra_errors=["409"]``):
    answered in time, the answer's data, ``present(command)`` (default: the job, ``Job``), which the
    route answers with its declared ``status``; otherwise ``Reply({"jobId", "status"}, 202)``.
    ``ok_status`` is no longer used (the route's declared ``status`` is); kept for the callers.
    The caller's transaction is committed before waiting (the daemon must see the command), so the
    route does its own checks and writes before calling this.
    """
    if not daemon:
        raise ApiError(409, "CONFLICT", "No daemon reads this camera: assign one first.")
    command = request.env["face.daemon.command"]._submit(daemon, kind, camera=camera)
    if command._wait(DEFAULT_WAIT if wait is None else wait):
        return present(command) if present else command._job_dict()
    return Reply({"jobId": command.id, "status": command.sudo().state}, 202)


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
        readonly=True,
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
