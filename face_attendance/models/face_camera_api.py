"""The cameras as the REST API (``/cameras``) and RPC see them: the answer of a camera, the list's
filters, a day's per-camera counts, the import and export rows, and the writes the routes make.

The routes parse HTTP and serialise; every check lives here. Private methods are the routes'
(answers with None for nothing); the public ones wrap them for RPC (False for nothing) and check
their caller: Face Attendance users read, managers import. Records are read with the caller's
rights: a user sees the cameras of their companies only.
"""

import csv
import io
import urllib.parse
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import MissingError, UserError, ValidationError

from .api_errors import RuleError
from .face_api_key import iso
from .face_camera import DIRECTIONS, SOURCE_TYPES
from .face_ops_common import OpsConflict, OpsInputError, bool_text, check_manager, check_user, expect
from .face_recognition_event import EventInputError, parse_day
from .face_recognition_service import audit, rpc_safe
from .security_groups import MANAGER

STREAM_TYPES = {value: value.upper() for value, _label in SOURCE_TYPES}
CAMERA_STATUSES = ["online", "offline", "disabled", "never"]
MAX_IMPORT_ROWS = 500
MAX_CSV_CHARS = 1_000_000
EXPORT_COLUMNS = [
    "id",
    "name",
    "location",
    "streamType",
    "streamUrl",
    "direction",
    "enabled",
    "daemonId",
    "daemonName",
    "matchThreshold",
    "minFaceSize",
]
# Row field -> the camera API's field (FaceCamera._api_values checks the values).
ROW_FIELDS = {
    "name": "name",
    "location": "location",
    "streamUrl": "source",
    "direction": "direction",
    "enabled": "enabled",
    "daemonId": "daemon_id",
    "matchThreshold": "match_threshold",
    "minFaceSize": "min_face_size",
}
IGNORED_ROW_FIELDS = ("id", "daemonName")


def _stream_host(camera):
    if camera.source_type not in ("rtsp", "http") or not camera.source:
        return None
    try:
        return urllib.parse.urlsplit(camera.source).hostname or None
    except ValueError:
        return None


def _csv_value(key, value):
    value = (value or "").strip() if isinstance(value, str) else value
    if value in ("", None):
        return None
    if key == "enabled":
        return {"true": True, "1": True, "false": False, "0": False}.get(value.lower(), value)
    for kind, keys in ((int, ("id", "daemonId", "minFaceSize")), (float, ("matchThreshold",))):
        if key in keys:
            try:
                return kind(value)
            except ValueError:
                return value  # refused with the row's other errors
    return value


def csv_rows(text):
    """CSV text as rows of typed values (the export's columns); a bad cell is the row's error later."""
    try:
        reader = csv.DictReader(io.StringIO(text))
        header = reader.fieldnames or []
        unknown = [name for name in header if name not in EXPORT_COLUMNS]
        if unknown:
            raise RuleError("Unknown CSV columns: %s." % ", ".join(unknown), field="csv", allowed=EXPORT_COLUMNS)
        rows = []
        for raw in reader:
            if len(rows) >= MAX_IMPORT_ROWS:
                raise RuleError("At most %d rows per import." % MAX_IMPORT_ROWS, field="csv")
            rows.append({key: _csv_value(key, value) for key, value in raw.items() if key is not None})
        return rows
    except csv.Error as error:
        raise RuleError("The CSV cannot be read: %s" % error, field="csv") from None


def row_values(row):
    """One import row as the camera API's write fields; unknown fields and wrong types refused."""
    unknown = sorted(set(row) - set(ROW_FIELDS) - {"streamType"} - set(IGNORED_ROW_FIELDS))
    if unknown:
        raise OpsInputError("Unknown fields: %s." % ", ".join(unknown), field=unknown[0])
    values = {ROW_FIELDS[key]: value for key, value in row.items() if key in ROW_FIELDS}
    if row.get("streamType") is not None:
        wanted = [value for value, label in STREAM_TYPES.items() if label == str(row["streamType"]).upper()]
        if not wanted:
            raise OpsInputError(
                "streamType must be one of %s." % ", ".join(sorted(STREAM_TYPES.values())), field="streamType"
            )
        values["source_type"] = wanted[0]
    if values.get("source") is None:
        values.pop("source", None)  # kept as it is (a redacted export re-imported by a manager)
    if values.get("name") is None:
        raise OpsInputError("name is required.", field="name")
    if isinstance(values.get("enabled"), str):
        raise OpsInputError("enabled must be true or false.", field="enabled")
    return values


class FaceCameraApi(models.Model):
    _inherit = "face.camera"

    # ------------------------------------------------------------------ public (RPC)
    @api.model
    def camera_summary(self, day=None):
        """Per-camera counts of a day (``YYYY-MM-DD``, default today in the user's time zone).
        Face Attendance users; the cameras of their companies."""
        check_user(self.env)
        return rpc_safe(self._api_summary(day))

    @api.model
    def camera_export(self):
        """The cameras as import rows (stream URLs for managers only). Face Attendance users."""
        check_user(self.env)
        return rpc_safe(self._api_export_rows())

    @api.model
    def camera_import(self, rows=None, csv_text=None, dry_run=False):
        """Import rows (as ``camera_export`` answers them) or CSV text, all or nothing: the report
        lists every refused row, and nothing is imported when there is one. Face Attendance managers."""
        check_manager(self.env, "Only face attendance managers may import cameras.")
        report, _count = self._api_import({"cameras": rows, "csv": csv_text, "dryRun": bool(dry_run)})
        return rpc_safe(report)

    # ------------------------------------------------------------------ finding and showing
    @api.model
    def _api_find(self, camera_id):
        """The camera (archived ones too) the caller may read, or MissingError."""
        camera = self.with_context(active_test=False).search([("id", "=", camera_id)])
        if not camera:
            raise MissingError(self.env._("Camera %s does not exist.", camera_id))
        return camera

    def _api_last_snapshot_url(self):
        # Commands (and their snapshots) are the managers': no thumbnail for anybody else.
        command = self.env["face.daemon.command"].search(
            [("camera_id", "=", self.id), ("kind", "=", "snapshot"), ("attachment_id", "!=", False)], limit=1
        )
        return "/api/v1/jobs/%d/snapshot" % command.id if command else None

    def _api_dict(self):
        """The camera as the API answers it. The source is left out for users who may not read it:
        stream URLs can hold credentials."""
        self.ensure_one()
        camera = self
        manager = self.env.user.has_group(MANAGER)
        data = {
            "id": camera.id,
            "name": camera.name,
            "location": camera.location or None,
            "source_type": camera.source_type,
            "direction": camera.direction,
            "enabled": camera.enabled,
            "active": camera.active,
            "daemon_id": camera.daemon_id.id or None,
            "match_threshold": camera.match_threshold or None,
            "min_face_size": camera.min_face_size or None,
            "status": camera.status,
            "fps": camera.fps,
            "last_frame_at": iso(camera.last_frame_at),
            "error_count": camera.error_count,
            "last_error": camera.last_error or None,
        }
        if self.env.user.has_groups(camera._fields["source"].groups):
            data["source"] = camera.source
        data.update(
            {
                "streamType": STREAM_TYPES.get(camera.source_type, (camera.source_type or "").upper()),
                "streamUrl": camera.source if manager else None,
                "ipAddress": _stream_host(camera) if manager else None,
                "lastSeen": iso(camera.last_frame_at),
                "lastChecked": iso(camera.last_checked),
                "latency": camera.latency_ms or None,
                "bitrate": camera.bitrate or None,
                "resolution": camera.resolution or None,
                "frameRate": camera.frame_rate or None,
                "thumbnail": camera._api_last_snapshot_url() if manager else None,
                "daemonId": camera.daemon_id.id or None,
                "tags": [
                    tag
                    for tag in (camera.direction, camera.source_type, camera.liveness_mode != "off" and "liveness")
                    if tag
                ],
            }
        )
        return data

    @api.model
    def _api_search(self, params, limit, offset):
        """(cameras, total) of the list's filters (``direction``, ``streamType``, ``enabled``,
        ``search``, ``status``: text as a query string gives them), one page of them."""
        domain = []
        if params.get("direction"):
            if params["direction"] not in [d for d, _l in DIRECTIONS]:
                raise OpsInputError("direction must be one of %s." % ", ".join(d for d, _l in DIRECTIONS))
            domain.append(("direction", "=", params["direction"]))
        if params.get("streamType"):
            wanted = [value for value, label in STREAM_TYPES.items() if label == str(params["streamType"]).upper()]
            if not wanted:
                raise OpsInputError("streamType must be one of %s." % ", ".join(sorted(STREAM_TYPES.values())))
            domain.append(("source_type", "=", wanted[0]))
        enabled = bool_text(params, "enabled", default=None)
        if enabled is not None:
            domain.append(("enabled", "=", enabled))
        if params.get("search"):
            if len(params["search"]) > 256:
                raise OpsInputError("search is longer than 256 characters.", field="search")
            domain += ["|", ("name", "ilike", params["search"]), ("location", "ilike", params["search"])]
        status = params.get("status")
        if status:
            if status not in CAMERA_STATUSES:
                raise OpsInputError("status must be one of %s." % ", ".join(CAMERA_STATUSES), field="status")
            # The status is computed (last frame against the offline delay): filtered here, then paged.
            matching = self.search(domain).filtered(lambda camera: camera.status == status)
            return matching[offset : offset + limit], len(matching)
        return self.search(domain, limit=limit, offset=offset), self.search_count(domain)

    @api.model
    def _api_summary(self, day_text=None):
        """Per-camera counts for one day (default today) in the user's time zone."""
        tz = pytz.timezone(self.env.user.tz or "UTC")
        if day_text:
            try:
                day = parse_day(day_text)
            except EventInputError as error:
                raise OpsInputError("date: %s." % error, field="date") from None
        else:
            day = pytz.utc.localize(fields.Datetime.now()).astimezone(tz).date()
        start = tz.localize(datetime.combine(day, time.min)).astimezone(pytz.utc).replace(tzinfo=None)
        end = tz.localize(datetime.combine(day + timedelta(days=1), time.min)).astimezone(pytz.utc).replace(tzinfo=None)
        cameras = self.search([])
        groups = self.env["face.recognition.event"]._read_group(
            [("sighted_at", ">=", start), ("sighted_at", "<", end), ("camera_id", "in", cameras.ids)],
            ["camera_id", "outcome"],
            ["__count"],
        )
        counts = {}
        for camera, outcome, count in groups:
            counts.setdefault(camera.id, {})[outcome] = count
        now = fields.Datetime.now()
        # sudo: the heartbeat history is read for cameras the caller may read, as one figure each.
        uptime = self.env["face.heartbeat.log"].sudo()._uptime_percent(cameras, start, min(end, now))
        items = []
        for camera in cameras:
            own = counts.get(camera.id, {})
            items.append(
                {
                    "id": camera.id,
                    "name": camera.name,
                    "direction": camera.direction,
                    "status": camera.status,
                    "events": sum(own.values()),
                    "recognised": sum(n for o, n in own.items() if o != "unknown"),
                    "unknown": own.get("unknown", 0),
                    "checked_in": own.get("checked_in", 0),
                    "checked_out": own.get("checked_out", 0),
                    "duplicates": own.get("duplicate", 0),
                    "errors": own.get("error", 0) + own.get("rejected", 0),
                    "detectionsToday": sum(own.values()),
                    "unknownFaces": own.get("unknown", 0),
                    "uptimePercent": uptime.get(camera.id),
                }
            )
        return {
            "date": day.isoformat(),
            "timezone": tz.zone,
            "cameras": items,
            "total": len(items),
            "online": sum(1 for c in cameras if c.status == "online"),
        }

    # ------------------------------------------------------------------ writes
    @api.model
    def _api_values(self, body):
        """The write values of the API's fields in ``body``, each checked."""
        vals = {}
        for name in ("name", "location", "source"):
            if name in body:
                value = expect(body, name, str, 1024)
                if name != "location" and not (value or "").strip():
                    raise OpsInputError("%s cannot be empty." % name, field=name)
                vals[name] = (value or "").strip() or False
        for name, choices in (("source_type", SOURCE_TYPES), ("direction", DIRECTIONS)):
            if name in body:
                allowed = [value for value, _label in choices]
                if body[name] not in allowed:
                    raise OpsInputError("%s must be one of %s." % (name, ", ".join(allowed)), field=name)
                vals[name] = body[name]
        if "enabled" in body:
            vals["enabled"] = bool(expect(body, "enabled", bool))
        if "min_face_size" in body:
            vals["min_face_size"] = expect(body, "min_face_size", int) or 0
        if "match_threshold" in body:
            value = body["match_threshold"]
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise OpsInputError("match_threshold must be a number.", field="match_threshold")
            vals["match_threshold"] = float(value or 0.0)
        if "daemon_id" in body:
            daemon_id = expect(body, "daemon_id", int)
            if daemon_id:
                if not self.env["face.daemon"].search_count([("id", "=", daemon_id)]):
                    raise RuleError("Daemon %s does not exist." % daemon_id, field="daemon_id")
            vals["daemon_id"] = daemon_id or False
        return vals

    @api.model
    def _api_create(self, body):
        """A camera from the API's fields (the caller's rights decide), logged."""
        vals = self._api_values(body)
        vals.setdefault("source_type", "rtsp")
        camera = self.create(vals)
        audit(self.env, "camera.create", "face.camera,%d" % camera.id, "Camera %s created" % camera.name)
        return camera

    @api.model
    def _api_update(self, camera_id, body):
        """Change the API's fields in ``body`` (and ``active``) of a camera, logged."""
        camera = self._api_find(camera_id)
        vals = self._api_values(body)
        if "active" in body:
            vals["active"] = bool(expect(body, "active", bool))
        if vals:
            camera.write(vals)
        audit(
            self.env,
            "camera.update",
            "face.camera,%d" % camera.id,
            "Camera %s updated" % camera.name,
            {"fields": sorted(body)},
        )
        return camera

    @api.model
    def _api_archive(self, camera_id):
        """Archived, not deleted: its events and attendance keep pointing at it."""
        camera = self._api_find(camera_id)
        if not camera.active:
            raise OpsConflict("Camera %s is already archived." % camera_id)
        camera.active = False
        audit(self.env, "camera.delete", "face.camera,%d" % camera.id, "Camera %s archived" % camera.name)
        return camera

    @api.model
    def _api_set_state(self, camera_id, enabled):
        """Enable or disable a camera (its daemon follows at its next configuration refresh), logged."""
        camera = self._api_find(camera_id)
        if camera.enabled != enabled:
            camera.write({"enabled": enabled})
        audit(
            self.env,
            "camera.state",
            "face.camera,%d" % camera.id,
            "Camera %s %s" % (camera.name, "enabled" if enabled else "disabled"),
            {"enabled": enabled},
        )
        return camera

    @api.model
    def _api_command_camera(self, camera_id, action, label):
        """The camera a daemon command (``action``: test_connection, snapshot) goes to: managers,
        a camera with a daemon; the request is logged."""
        camera = self._api_find(camera_id)
        check_manager(self.env, "Only face attendance managers may send commands to a camera's daemon.")
        if not camera.daemon_id:
            raise OpsConflict("No daemon reads camera %s: assign one first." % camera.name)
        audit(self.env, "camera.%s" % action, "face.camera,%d" % camera.id, "%s of camera %s" % (label, camera.name))
        return camera

    # ------------------------------------------------------------------ import / export
    @api.model
    def _api_export_rows(self):
        """Every camera the caller may read as an import row; stream URLs for managers only."""
        manager = self.env.user.has_group(MANAGER)
        return [
            {
                "id": camera.id,
                "name": camera.name,
                "location": camera.location or None,
                "streamType": STREAM_TYPES.get(camera.source_type),
                "streamUrl": camera.source if manager else None,
                "direction": camera.direction,
                "enabled": camera.enabled,
                "daemonId": camera.daemon_id.id or None,
                "daemonName": camera.daemon_id.name or None,
                "matchThreshold": camera.match_threshold or None,
                "minFaceSize": camera.min_face_size or None,
            }
            for camera in self.search([])
        ]

    @api.model
    def _api_import(self, body):
        """Import ``body``'s ``cameras`` (rows) or ``csv`` (text), ``dryRun`` to check only.

        Managers. (report, number of rows); the report (created, updated, cameras, errors, dryRun):
        when it lists errors, nothing was imported. An import is logged."""
        check_manager(self.env, "Only face attendance managers may import cameras.")
        dry_run = bool(expect(body, "dryRun", bool))
        if body.get("cameras") is not None and body.get("csv") is not None:
            raise RuleError("Give either cameras or csv, not both.", field="csv")
        if body.get("csv") is not None:
            rows = csv_rows(expect(body, "csv", str, MAX_CSV_CHARS))
        elif body.get("cameras") is not None:
            rows = body["cameras"]
            if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
                raise OpsInputError("cameras must be a list of objects.", field="cameras")
        else:
            raise RuleError("Give cameras (a list of rows) or csv (CSV text).", field="cameras")
        if not rows:
            raise RuleError("There is no row to import.", field="cameras")
        if len(rows) > MAX_IMPORT_ROWS:
            raise RuleError("At most %d rows per import." % MAX_IMPORT_ROWS, field="csv")
        report = self._api_import_rows(rows, dry_run)
        if not report["errors"] and not dry_run:
            audit(
                self.env,
                "camera.import",
                "face.camera",
                "%d cameras imported (%d created, %d updated)" % (len(rows), report["created"], report["updated"]),
                {"ids": report["cameras"]},
            )
        return report, len(rows)

    @api.model
    def _api_import_rows(self, rows, dry_run):
        Camera = self.with_context(active_test=False)
        report = {"created": 0, "updated": 0, "cameras": [], "errors": [], "dryRun": dry_run}

        class Refused(Exception):
            pass

        try:
            # One savepoint for the import, one per row: a refused row is reported, and any refusal
            # (or a dry run) undoes the whole import.
            with self.env.cr.savepoint():
                for number, row in enumerate(rows, start=1):
                    name = row.get("name") if isinstance(row.get("name"), str) else None
                    try:
                        with self.env.cr.savepoint():
                            vals = self._api_values(row_values(row))
                            existing = Camera.search([("name", "=", (name or "").strip())], limit=1) if name else Camera
                            if existing:
                                existing.write(vals)
                                report["updated"] += 1
                                report["cameras"].append(existing.id)
                            else:
                                if not vals.get("source"):
                                    raise OpsInputError("streamUrl is required for a new camera.", field="streamUrl")
                                vals.setdefault("source_type", "rtsp")
                                report["cameras"].append(Camera.create(vals).id)
                                report["created"] += 1
                            self.env.flush_all()
                    except OpsInputError as error:
                        report["errors"].append(
                            {"row": number, "name": name, "field": error.field, "message": error.args[0]}
                        )
                    except (ValidationError, UserError) as error:
                        message = str(error.args[0] if error.args else error)
                        report["errors"].append({"row": number, "name": name, "field": None, "message": message})
                if report["errors"] or dry_run:
                    raise Refused()
        except Refused:
            self.env.invalidate_all()
        return report
