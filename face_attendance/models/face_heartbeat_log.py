"""A compact history of heartbeats: one row per daemon (and per camera) per 5-minute bucket.

Uptime is the share of a period's buckets in which the daemon was heard from, or the camera
delivered frames. Rows older than ``KEEP_DAYS`` are pruned by the command cron.
"""

from datetime import datetime, timedelta

from odoo import api, fields, models

from .odoo_compat import unique

BUCKET_MINUTES = 5
KEEP_DAYS = 35


def bucket_of(moment):
    return moment.replace(minute=moment.minute - moment.minute % BUCKET_MINUTES, second=0, microsecond=0)


@unique(
    "daemon_camera_bucket_uniq",
    "unique(daemon_id, camera_key, bucket)",
    "One heartbeat row per daemon, camera and bucket.",
)
class FaceHeartbeatLog(models.Model):
    _name = "face.heartbeat.log"
    _description = "Heartbeat History"
    _order = "bucket desc"
    _log_access = False

    daemon_id = fields.Many2one("face.daemon", required=True, ondelete="cascade", index=True)
    camera_id = fields.Many2one("face.camera", ondelete="cascade", index=True)
    # 0 for the daemon's own row: a unique index treats NULLs as distinct, so camera_id cannot be the key.
    camera_key = fields.Integer(required=True, default=0)
    bucket = fields.Datetime(required=True, index=True)
    online = fields.Boolean()
    fps = fields.Float(digits=(6, 2))

    @api.model
    def _record(self, daemon, camera_rows, now=None):
        """Record a heartbeat: the daemon online, each camera online when it delivers frames.

        One upsert per row: concurrent heartbeats (two workers, a retried call) neither collide
        nor duplicate, and a bucket once online stays online. The ORM has no upsert.
        """
        bucket = bucket_of(now or fields.Datetime.now())
        rows = [(daemon.id, None, 0, True, 0.0)]
        rows += [
            (daemon.id, camera.id, camera.id, bool(online), float(fps or 0.0)) for camera, online, fps in camera_rows
        ]
        for daemon_id, camera_id, key, online, fps in rows:
            self.env.cr.execute(
                "INSERT INTO face_heartbeat_log (daemon_id, camera_id, camera_key, bucket, online, fps) "
                "VALUES (%s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (daemon_id, camera_key, bucket) DO UPDATE SET "
                "online = face_heartbeat_log.online OR EXCLUDED.online, "
                "fps = GREATEST(face_heartbeat_log.fps, EXCLUDED.fps)",
                (daemon_id, camera_id, key, bucket, online, fps),
            )
        self.invalidate_model()

    @api.model
    def _uptime_percent(self, cameras, start, end):
        """{camera id: percent of the buckets of [start, end) in which it delivered frames}, None
        when the period holds no whole bucket yet (or a camera did not exist during it)."""
        answer = {}
        if end <= start:
            return {camera.id: None for camera in cameras}
        groups = self.sudo()._read_group(
            [
                ("camera_id", "in", cameras.ids),
                ("online", "=", True),
                ("bucket", ">=", bucket_of(start)),
                ("bucket", "<", end),
            ],
            ["camera_id"],
            ["__count"],
        )
        online = {camera.id: count for camera, count in groups}
        for camera in cameras:
            begin = max(start, camera.sudo().create_date or start)
            total = int((end - bucket_of(begin)).total_seconds() // (BUCKET_MINUTES * 60)) + 1
            if end - begin < timedelta(minutes=BUCKET_MINUTES):
                answer[camera.id] = None if not online.get(camera.id) else 100.0
                continue
            answer[camera.id] = round(min(100.0, 100.0 * online.get(camera.id, 0) / max(total, 1)), 1)
        return answer

    @api.model
    def _prune(self):
        self.sudo().search([("bucket", "<", datetime.now() - timedelta(days=KEEP_DAYS))]).unlink()
