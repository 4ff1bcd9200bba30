"""Ingestion of recognition events: parse and validate a batch, lock what it touches in one order,
insert it idempotently, replay each affected person's days with the rules of attendance_replay.py and
write the attendances; in a transaction of its own, retried on concurrency errors."""

import base64
import binascii
import logging
import math
import random
import time
import zlib
from datetime import timedelta

import numpy as np
from psycopg2 import errors as pg_errors
from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

import odoo
from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from face_attendance_daemon.engine import EngineError, check_image_header, vector_from_bytes

from . import attendance_replay as rules
from .face_recognition_event import (
    ACCEPTED,
    LIVENESS_VERDICTS,
    MAX_BATCH,
    MAX_SNAPSHOT_BYTES,
    REPLAYED,
    EventInputError,
    live_channel,
    parse_timestamp,
)
from .hr_attendance import overtime_once, rules_writing
from .odoo_compat import domain_and, domain_or, registry_in_test_mode
from .security_groups import DEVICE, MANAGER

_logger = logging.getLogger(__name__)

# Advisory lock namespaces (pg_advisory_xact_lock(namespace, key)): every writer of a person's
# attendance takes the person's lock, every ingestion the locks of its event ids; always persons
# first, then events, each in ascending order, so that no two transactions wait for each other.
LOCK_PERSON = 0x46410001
LOCK_EVENT = 0x46410002
# Concurrency errors are retried in a fresh transaction this many times before the caller is told
# to come back later (REST: 503 with Retry-After; XML-RPC: a fault the daemon retries).
MAX_TRIES = 5
RETRYABLE = (pg_errors.SerializationFailure, pg_errors.DeadlockDetected, pg_errors.LockNotAvailable)
# base64 of the largest vector any encoder makes (dlib 128, sface 128 floats), with room to spare.
MAX_ENCODING_CHARS = 16384
# How far from length 1 a unit vector sent as float32 may be (rounding is about 1e-7).
UNIT_TOLERANCE = 1e-3


def in_test_transaction(registry):
    """Tests run in one transaction that is never committed: code that would open a second
    connection and commit must stay in the current one."""
    return registry_in_test_mode(registry) or bool(odoo.modules.module.current_test)


def retry_pause(attempt):
    """Sleep before another try: exponential with full jitter, so that colliding writers part."""
    time.sleep(random.uniform(0, 0.05 * 2**attempt))  # nosec B311  # jitter, not a secret


class IngestionBusy(Exception):
    """The database stayed too busy for this batch: nothing of it was kept; send it again."""


def _changed_values(record, vals):
    changed = {}
    for key, value in vals.items():
        current = record[key]
        if isinstance(current, models.BaseModel):
            current = current.id or False
        if current != value:
            changed[key] = value
    return changed


# What hr.attendance's overtime, worked hours and the person's last attendance read of a person, on
# the versions that have them.
ATTENDANCE_COLUMNS = ("is_flexible", "is_fully_flexible", "last_attendance_id")


def _group(records):
    """Records by their employee id, in their order."""
    ids = {}
    for record in records:
        ids.setdefault(record.employee_id.id, []).append(record.id)
    return {employee_id: records.browse(record_ids) for employee_id, record_ids in ids.items()}


def _event_key(event_uid, company_id):
    """An int4 lock key for an event id in a company (collisions only serialise two batches)."""
    return zlib.crc32(("%s\x00%s" % (company_id, event_uid)).encode()) - 2**31


def _mode(event):
    """Odoo's attendance mode of a sighting: a kiosk's PIN is Odoo's kiosk mode, anything else a face."""
    return "kiosk" if event and event.source == "kiosk_pin" else "face"


class FaceRecognitionEventIngest(models.Model):
    _inherit = "face.recognition.event"

    # ------------------------------------------------------------------ ingestion
    @api.model
    def ingest_events(self, events, daemon_id=None):
        """Take a batch of events (list of dicts) and answer each one's outcome, in order.

        For daemons over RPC: the caller must be a Face Attendance device or manager; a device
        sends events only for the cameras of its own daemons. Idempotent by ``event_id``: an id
        seen before is answered with its stored outcome and changes nothing. Each event:
        ``event_id`` (str), ``timestamp`` (ISO 8601, UTC if no offset), ``camera_id`` (int), and
        either ``employee_id`` (int) or ``person_id`` (str) or neither (an unknown face); optional
        ``distance``, ``confidence``, ``track_id``, ``encoder``, ``snapshot`` (base64 JPEG), and the
        face's figures learning reads: ``encoding`` (base64 float32 vector of the configured encoder),
        ``face_size`` (px), ``sharpness``, ``frontal`` (0-1), ``frames`` (of the track that agreed).
        """
        self._check_sender()
        daemon = self.env["face.daemon"]
        if daemon_id:
            if isinstance(daemon_id, bool) or not isinstance(daemon_id, int):
                raise ValidationError(self.env._("daemon_id must be an integer."))
            daemon = daemon.browse(daemon_id).exists()
            if not daemon:
                raise AccessError(self.env._("Daemon %s does not exist or is not yours.", daemon_id))
            daemon._check_device_access()
        return self._ingest_events(events, "daemon", daemon)

    @api.model
    def _check_sender(self):
        """Who may record sightings: devices and managers. Privileges come from groups only."""
        user = self.env.user
        if self.env.su or user.has_group(DEVICE) or user.has_group(MANAGER):
            return
        raise AccessError(self.env._("Only face attendance devices and managers may send recognition events."))

    @api.model
    def _api_ingest(self, events):
        """``POST /events``: a batch from an API key's user (a device or a manager), through the same
        ingestion as the daemons' RPC; each event answered in order, and the batch logged."""
        self._check_sender()
        answers = self._ingest_events(events, "api")
        for answer in answers:
            answer["event_id"] = answer["event_id"] or None
        created = sum(1 for answer in answers if answer["status"] == "created")
        self.env["face.system.log"]._log_api(
            "events.ingest", "face.recognition.event", "%d event(s) received, %d new" % (len(events), created)
        )
        return {"results": answers, "received": len(events), "created": created}

    @api.model
    def _ingest_events(self, events, source, daemon=None):
        """Ingestion proper, after the caller's right to send was checked (RPC or REST key)."""
        if not isinstance(events, (list, tuple)):
            raise ValidationError(self.env._("Events must be a list."))
        if len(events) > MAX_BATCH:
            raise ValidationError(self.env._("At most %s events per batch.", MAX_BATCH))
        daemon = daemon or self.env["face.daemon"]
        answers = [None] * len(events)
        parsed = []
        lookups = self._lookups(events)
        for index, raw in enumerate(events):
            try:
                parsed.append((index, self._parse_event(raw, lookups)))
            except EventInputError as error:
                sent_id = raw.get("event_id") if isinstance(raw, dict) else None
                # False, not None: the answer goes back over XML-RPC, which cannot carry None.
                answers[index] = {
                    "event_id": sent_id if isinstance(sent_id, str) else False,
                    "status": "invalid",
                    "outcome": "rejected",
                    "message": str(error),
                    "attendance_id": False,
                }
        if parsed:
            answers = self._in_own_transaction(parsed, answers, source, daemon.id or False)
        self.env["face.alert"]._raise_for_refused(answers, daemon)
        return answers

    def _in_own_transaction(self, parsed, answers, source, daemon_id):
        """Run the writing part in a READ COMMITTED transaction of its own, committed at once.

        Under Odoo's REPEATABLE READ, a batch that waited for another's lock would still read the
        world as it was before that batch committed, and fail on its rows; committed reads after
        ordered locks see it. Concurrency errors (which the lock order should prevent) are retried
        with backoff; when they persist, IngestionBusy tells the caller to try later.
        """
        registry = self.env.registry
        if in_test_transaction(registry):
            with self.env.cr.savepoint():
                return self.sudo()._ingest_parsed(parsed, list(answers), source, daemon_id)
        for attempt in range(1, MAX_TRIES + 1):
            try:
                with registry.cursor() as cr:
                    cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
                    cr.execute("SET LOCAL lock_timeout = '20s'")
                    env = self.env(cr=cr, su=True)
                    return env[self._name]._ingest_parsed(parsed, list(answers), source, daemon_id)
            except RETRYABLE as error:
                if attempt == MAX_TRIES:
                    _logger.warning("Ingestion of %d event(s) gave up after %d tries: %s", len(parsed), attempt, error)
                    raise IngestionBusy(self.env._("The database is busy: send these events again later.")) from error
                _logger.info("Ingestion retried after %s", type(error).__name__)
                retry_pause(attempt)

    @api.model
    def _sendable_cameras(self):
        """Cameras the current user may send events for: a device only its own daemons' cameras."""
        Camera = self.env["face.camera"].sudo().with_context(active_test=False)
        domain = [("company_id", "in", self.env.companies.ids)]
        user = self.env.user
        if not self.env.su and not user.has_group(MANAGER):
            domain.append(("daemon_id.user_id", "=", user.id))
        return Camera, domain

    def _lookups(self, events):
        """The cameras and persons a batch names, read in three queries rather than per event."""
        items = [raw for raw in events if isinstance(raw, dict)]

        def valid_ids(key):
            return {
                raw.get(key)
                for raw in items
                if isinstance(raw.get(key), int) and not isinstance(raw.get(key), bool) and 0 < raw.get(key) < 2**31
            }

        Camera, domain = self._sendable_cameras()
        camera_ids = valid_ids("camera_id")
        cameras = {c.id: c for c in Camera.search(domain + [("id", "in", list(camera_ids))])} if camera_ids else {}
        Employee = self.env["hr.employee"].sudo().with_context(active_test=False)
        employee_ids = valid_ids("employee_id")
        employees = {e.id: e for e in Employee.browse(list(employee_ids)).exists()} if employee_ids else {}
        refs = {raw.get("person_id") for raw in items if isinstance(raw.get("person_id"), str) and raw.get("person_id")}
        by_ref = {}
        if refs:
            companies = {c.company_id.id for c in cameras.values()}
            for employee in Employee.search([("person_ref", "in", list(refs)), ("company_id", "in", list(companies))]):
                by_ref[(employee.person_ref, employee.company_id.id)] = employee
        return {"cameras": cameras, "employees": employees, "by_ref": by_ref}

    def _parse_event(self, raw, lookups):  # noqa: C901  # one check per field of the contract, in order
        if not isinstance(raw, dict):
            raise EventInputError("each event must be an object")
        known = {
            "event_id",
            "timestamp",
            "camera_id",
            "employee_id",
            "person_id",
            "distance",
            "confidence",
            "track_id",
            "encoder",
            "snapshot",
            "liveness_score",
            "liveness",
            "encoding",
            "face_size",
            "sharpness",
            "frontal",
            "frames",
        }
        unknown = set(raw) - known
        if unknown:
            raise EventInputError("unknown fields: %s" % ", ".join(sorted(map(str, unknown))))
        event_uid = raw.get("event_id")
        if not isinstance(event_uid, str) or not event_uid.strip() or len(event_uid) > 128:
            raise EventInputError("event_id must be a non-empty string of at most 128 characters")
        vals = {"event_uid": event_uid.strip(), "sighted_at": parse_timestamp(raw.get("timestamp"))}
        camera_id = raw.get("camera_id")
        if isinstance(camera_id, bool) or not isinstance(camera_id, int):
            raise EventInputError("camera_id must be an integer")
        if not 0 < camera_id < 2**31:
            raise EventInputError("camera %s does not exist" % camera_id)
        camera = lookups["cameras"].get(camera_id)
        if not camera:
            raise EventInputError("camera %s does not exist or is not one of yours" % camera_id)
        vals.update(camera_id=camera.id, direction=camera.direction, company_id=camera.company_id.id)
        employee = self.env["hr.employee"]
        if raw.get("employee_id") not in (None, False):
            if isinstance(raw["employee_id"], bool) or not isinstance(raw["employee_id"], int):
                raise EventInputError("employee_id must be an integer")
            if not 0 < raw["employee_id"] < 2**31:
                raise EventInputError("employee %s does not exist" % raw["employee_id"])
            employee = lookups["employees"].get(raw["employee_id"])
            # One answer whether the id is free or another company's: a sender learns nothing of
            # the people of companies its camera is not in.
            if not employee or employee.company_id != camera.company_id:
                raise EventInputError("employee %s does not exist in the camera's company" % raw["employee_id"])
        elif raw.get("person_id") not in (None, False, ""):
            if not isinstance(raw["person_id"], str):
                raise EventInputError("person_id must be a string")
            employee = lookups["by_ref"].get((raw["person_id"], camera.company_id.id))
            if not employee:
                raise EventInputError("person %s does not exist" % raw["person_id"])
        if employee and employee.company_id != camera.company_id:
            raise EventInputError("the person and the camera belong to different companies")
        vals["employee_id"] = employee.id if employee else False
        for key in ("distance", "confidence"):
            value = raw.get(key)
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                    raise EventInputError("%s must be a finite number" % key)
                if value < 0:
                    raise EventInputError("%s cannot be negative" % key)
                vals[key] = float(value)
        if vals.get("confidence") is not None and not 0.0 <= vals["confidence"] <= 1.0:
            raise EventInputError("confidence must be between 0 and 1")
        score = raw.get("liveness_score")
        if score is not None:
            if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0.0 <= score <= 1.0:
                raise EventInputError("liveness_score must be a number between 0 and 1")
            vals["liveness_score"] = float(score)
        verdict = raw.get("liveness")
        if verdict is not None:
            if verdict not in dict(LIVENESS_VERDICTS):
                raise EventInputError("liveness must be one of %s" % ", ".join(dict(LIVENESS_VERDICTS)))
            vals["liveness"] = verdict
        elif camera.liveness_mode == "enforce":
            # The camera requires liveness and the sender did not check it: nothing is marked.
            vals["liveness"] = "unavailable"
        for key in ("track_id", "encoder"):
            value = raw.get(key)
            if value is not None:
                if not isinstance(value, (str, int)) or isinstance(value, bool):
                    raise EventInputError("%s must be a string" % key)
                vals[key] = str(value)[:128]
        snapshot = raw.get("snapshot")
        if snapshot:
            if not isinstance(snapshot, str):
                raise EventInputError("snapshot must be base64 text")
            try:
                data = base64.b64decode(snapshot, validate=True)
            except (binascii.Error, ValueError):
                raise EventInputError("snapshot is not valid base64") from None
            if len(data) > MAX_SNAPSHOT_BYTES:
                raise EventInputError("snapshot is larger than %d bytes" % MAX_SNAPSHOT_BYTES)
            try:
                # From the header alone: a small file claiming a huge picture is never decoded.
                kind, _width, _height = check_image_header(data)
            except EngineError as error:
                raise EventInputError("snapshot: %s" % error.message) from None
            if kind not in ("JPEG", "PNG"):
                raise EventInputError("snapshot must be a JPEG or PNG image")
            vals["snapshot"] = snapshot
            vals["has_snapshot"] = True
        vals.update(self._parse_face_figures(raw))
        return vals

    def _parse_face_figures(self, raw):
        """The optional figures of the sighting's face (issue 25): its vector, size, sharpness, how
        frontal it was and how many frames agreed. Only what learning may read, bounded."""
        vals = {}
        encoding = raw.get("encoding")
        if encoding not in (None, False, ""):
            if not isinstance(encoding, str) or len(encoding) > MAX_ENCODING_CHARS:
                raise EventInputError("encoding must be base64 text of a float32 vector")
            try:
                data = base64.b64decode(encoding, validate=True)
            except (binascii.Error, ValueError):
                raise EventInputError("encoding is not valid base64") from None
            # The dimension of the configured encoder: a vector of another one could not be compared.
            encoder = self.env["face.attendance.config"]._encoder()
            dimension = encoder.dimension
            try:
                vector = vector_from_bytes(data, dimension)
            except EngineError:
                raise EventInputError(
                    "encoding must hold %s finite float32 values (the encoder's dimension)" % dimension
                ) from None
            if encoder.unit_length and abs(float(np.linalg.norm(vector)) - 1.0) > UNIT_TOLERANCE:
                # A longer vector would outweigh every real face it is compared with.
                raise EventInputError("encoding must be a unit-length vector, as %s's vectors are" % encoder.name)
            vals["face_vector"] = encoding
        bounds = {
            "face_size": ("face_size", int, 1, 100000),
            "sharpness": ("face_sharpness", float, 0.0, 1e9),
            "frontal": ("face_frontal", float, 0.0, 1.0),
            "frames": ("track_frames", int, 1, 1000000),
        }
        for key, (field, kind, low, high) in bounds.items():
            value = raw.get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise EventInputError("%s must be a finite number" % key)
            if kind is int and not float(value).is_integer():
                raise EventInputError("%s must be an integer" % key)
            if not low <= value <= high:
                raise EventInputError("%s must be between %s and %s" % (key, low, high))
            vals[field] = kind(value)
        return vals

    def _ingest_parsed(self, parsed, answers, source, daemon_id):
        """Lock, insert, replay, write: the batch's one transaction. ``parsed`` is not modified."""
        parsed = [(index, dict(vals)) for index, vals in parsed]
        config = self.env["face.attendance.config"]
        # (no local named "uid": Odoo's _() reads the caller's locals to find the language)
        # An event is known by its sender's id within its camera's company.
        keys = {(vals["event_uid"], vals["company_id"]) for _i, vals in parsed}
        self._lock_persons({vals["employee_id"] for _i, vals in parsed if vals["employee_id"]})
        self._lock(LOCK_EVENT, {_event_key(*key) for key in keys})
        existing = {}
        if keys:
            found = self.search(
                [("event_uid", "in", list({k[0] for k in keys})), ("company_id", "in", list({k[1] for k in keys}))]
            )
            existing = {(e.event_uid, e.company_id.id): e for e in found}
        horizon = fields.Datetime.now() + timedelta(seconds=config._get("future_tolerance_seconds"))
        auto_mark = config._get("auto_mark")
        to_create, seen = [], set()
        for index, vals in parsed:
            key = (vals["event_uid"], vals["company_id"])
            if key in existing or key in seen:
                answers[index] = ("exists", key)
                continue
            seen.add(key)
            vals.update(source=source, daemon_id=daemon_id)
            if vals["sighted_at"] > horizon:
                vals.update(outcome="rejected", message=self.env._("The sighting time is in the future."))
            elif vals.get("liveness") == "spoof":
                vals.update(outcome="spoof", message=self.env._("Not a live face: a photo or a screen was shown."))
            elif vals.get("liveness") == "unavailable":
                vals.update(outcome="rejected", message=self.env._("Liveness was required but could not be checked."))
            elif not vals["employee_id"]:
                vals.update(outcome="unknown", message=self.env._("Face not recognised."))
            elif not auto_mark:
                vals.update(outcome="rejected", message=self.env._("Automatic attendance marking is off."))
            to_create.append((index, vals))
        created = self._create_idempotent(to_create, answers)
        pending = created.filtered(lambda e: e.outcome == "pending")
        starts = {}
        for event in pending:
            starts[event.employee_id] = min(starts.get(event.employee_id, event.sighted_at), event.sighted_at)
        self._rebuild_attendances(starts)
        sent_cameras = {index: vals["camera_id"] for index, vals in parsed}
        for index, answer in enumerate(answers):
            if isinstance(answer, tuple):
                event = existing.get(answer[1]) or self.search(
                    [("event_uid", "=", answer[1][0]), ("company_id", "=", answer[1][1])], limit=1
                )
                if event.camera_id.id != sent_cameras.get(index):
                    # Another camera's event id: its sighting is none of this sender's business,
                    # and the id stays that camera's (no answer tells who or what it was).
                    answers[index] = {
                        "event_id": answer[1][0],
                        "status": "invalid",
                        "outcome": "rejected",
                        "message": self.env._("This event_id is already used by another camera."),
                        "attendance_id": False,
                    }
                    continue
                answers[index] = dict(event._answer(), status="exists")
            elif isinstance(answer, models.BaseModel):
                answers[index] = dict(answer._answer(), status="created")
        # Last: the alerts' rows stay locked only until this transaction commits.
        self.env["face.alert"]._raise_for_events(created)
        for company in created.company_id:
            self.env["bus.bus"]._sendone(
                live_channel(company),
                "face_attendance/events",
                {"event_ids": created.filtered(lambda e, company=company: e.company_id == company).ids},
            )
        return answers

    def _lock_persons(self, employee_ids):
        """Take the locks of these persons' attendance (held until the transaction ends)."""
        self._lock(LOCK_PERSON, set(employee_ids))

    def _lock(self, namespace, keys):
        if keys:
            # The subquery's order is the order the locks are taken in.
            self.env.cr.execute(
                """
                SELECT count(pg_advisory_xact_lock(%s, key))
                  FROM (SELECT unnest(%s::int[]) AS key ORDER BY 1) AS ordered""",
                [namespace, sorted(keys)],
            )

    def _create_idempotent(self, to_create, answers):
        if not to_create:
            return self.browse()
        try:
            with self.env.cr.savepoint():
                records = self.create([vals for _i, vals in to_create])
        except Exception as error:  # a concurrent batch created some of the same ids
            if "event_uid_uniq" not in str(error):
                raise
            records = self.browse()
            for index, vals in to_create:
                try:
                    with self.env.cr.savepoint():
                        record = self.create(vals)
                except Exception as inner:
                    if "event_uid_uniq" not in str(inner):
                        raise
                    answers[index] = ("exists", (vals["event_uid"], vals["company_id"]))
                    continue
                records |= record
                answers[index] = record
            return records
        for (index, _vals), record in zip(to_create, records, strict=False):
            answers[index] = record
        return records

    @api.model
    def _policy(self):
        config = self.env["face.attendance.config"]
        return rules.Policy(
            duplicate_window=timedelta(minutes=config._get("duplicate_window_minutes")),
            forgotten_after=timedelta(hours=config._get("forgotten_checkout_hours")),
            forgotten_rule=config._get("forgotten_checkout_rule"),
            forgotten_fixed=timedelta(hours=config._get("forgotten_checkout_fixed_hours")),
        )

    @api.model
    def _rebuild_attendance(self, employee, since):
        """Decide again every sighting of ``employee`` from the working day of ``since`` on."""
        self._rebuild_attendances({employee: since})

    @api.model
    def _rebuild_attendances(self, starts):
        """Decide again every sighting of each employee from the working day of their ``since`` on.

        ``starts`` maps employees to the time of their earliest new sighting. Live events only touch
        today's attendance; a late event (replayed after an outage) rewrites the days it belongs to,
        so the result never depends on arrival order. What the rules need is read in a handful of
        queries for all the persons together; each person's result is then written on its own, so
        that Odoo's constraints refusing one person's change leave the others' standing.
        """
        if not starts:
            return
        # What is written here is the rules' own: HR's corrections hooks (face_attendance_correction.py)
        # stay out of it.
        with rules_writing(self.env):
            self._rebuild_attendances_now(starts)

    def _rebuild_attendances_now(self, starts):
        Attendance = self.env["hr.attendance"].sudo()
        first = next(iter(starts))
        # With the columns Odoo's attendance code reads of each person: the first read of any other
        # would fetch each person's whole row, field by field through HR's access checks.
        zones = self._employee_zones(first.browse([employee.id for employee in starts]), also=ATTENDANCE_COLUMNS)
        anchors = {
            employee.id: self._day_start_utc(zones[employee], self._working_day(zones[employee], since))
            for employee, since in starts.items()
        }
        self.env.flush_all()
        # An attendance still open, or closed after the anchor, moves the anchor back to its check-in.
        for employee_id, check_in in self._per_person_sql(
            """
                WITH anchors(employee_id, anchor) AS (SELECT * FROM unnest(%(ids)s::int[], %(times)s::timestamp[]))
                SELECT DISTINCT ON (a.employee_id) a.employee_id, a.check_in
                  FROM hr_attendance a JOIN anchors v ON v.employee_id = a.employee_id
                 WHERE a.check_in < v.anchor AND (a.check_out IS NULL OR a.check_out >= v.anchor)
              ORDER BY a.employee_id, a.check_in""",
            anchors,
        ):
            anchors[employee_id] = check_in
        previous = dict(
            self._per_person_sql(
                """
                WITH anchors(employee_id, anchor) AS (SELECT * FROM unnest(%(ids)s::int[], %(times)s::timestamp[]))
                SELECT DISTINCT ON (e.employee_id) e.employee_id, e.sighted_at
                  FROM face_recognition_event e JOIN anchors v ON v.employee_id = e.employee_id
                 WHERE e.sighted_at < v.anchor AND e.outcome IN %(accepted)s
              ORDER BY e.employee_id, e.sighted_at DESC""",
                anchors,
                accepted=ACCEPTED,
            )
        )

        # Persons sharing an anchor (most of a batch: the same working day) share one clause: a domain
        # of one clause per person costs more to build and parse than its query takes to run.
        by_anchor = {}
        for employee_id, anchor in anchors.items():
            by_anchor.setdefault(anchor, []).append(employee_id)

        def since_anchor(field):
            return domain_or([[("employee_id", "in", ids), (field, ">=", anchor)] for anchor, ids in by_anchor.items()])

        events = self.search(
            domain_and([since_anchor("sighted_at"), [("outcome", "in", REPLAYED)]]), order="sighted_at, event_uid, id"
        )
        own = Attendance.search(
            domain_and([since_anchor("check_in"), [("face_in_event_id", "!=", False), ("face_pinned", "=", False)]]),
            order="check_in, id",
        )
        # Attendances entered by hand, and camera-made ones HR corrected (pinned): the rules' walls.
        others = Attendance.search(
            domain_and(
                [
                    [
                        ("employee_id", "in", list(anchors)),
                        "|",
                        ("face_in_event_id", "=", False),
                        ("face_pinned", "=", True),
                    ],
                    domain_or(
                        [
                            [("employee_id", "in", ids), "|", ("check_out", "=", False), ("check_out", ">=", anchor)]
                            for anchor, ids in by_anchor.items()
                        ]
                    ),
                ]
            ),
            order="check_in",
        )
        policy, now = self._policy(), fields.Datetime.now()
        removals = self.env["face.attendance.correction"]._removals_since(anchors)
        events_of, own_of, others_of = _group(events), _group(own), _group(others)
        plans = []
        for employee in sorted(starts, key=lambda e: e.id):
            anchor, tz = anchors[employee.id], zones[employee]
            mine = events_of.get(employee.id, self.browse())
            externals = []
            for attendance in others_of.get(employee.id, Attendance):
                # HR's times are fixed; a check-out a camera made (on an attendance entered by hand, or
                # pinned while open) is not.
                closed_by_camera = (
                    (not attendance.face_pinned or attendance.face_pinned_open)
                    and attendance.face_out_event_id
                    and attendance.face_out_event_id.sighted_at >= anchor
                )
                externals.append(
                    rules.Span(
                        check_in=attendance.check_in,
                        record=attendance,
                        fixed_check_out=None if closed_by_camera else (attendance.check_out or None),
                        pinned=attendance.face_pinned,
                        day=self._working_day(tz, attendance.check_in),
                    )
                )
            sightings = [
                rules.Sighting(
                    key=e.id, at=e.sighted_at, direction=e.direction or "both", day=self._working_day(tz, e.sighted_at)
                )
                for e in mine
            ]
            result = rules.replay(
                sightings,
                policy,
                now,
                last_accepted_at=previous.get(employee.id),
                externals=externals,
                removals=removals.get(employee.id, ()),
            )
            plans.append((employee, result, own_of.get(employee.id, Attendance), mine))
        span_records = self._apply_all_spans(plans)
        self._apply_outcomes(events, [result for _e, result, _o, _m in plans], span_records)

    def _per_person_sql(self, query, anchors, **params):
        """Rows of ``query``, whose table ``anchors(employee_id, anchor)`` is made of ``anchors``."""
        self.env.cr.execute(query, dict(params, ids=list(anchors), times=list(anchors.values())))
        return self.env.cr.fetchall()

    def _span_vals(self, employee, span, events_by_id):
        in_event = events_by_id.get(span.in_key)
        out_event = events_by_id.get(span.out_key) if span.out_key else None
        vals = {
            "employee_id": employee.id,
            "check_in": span.check_in,
            "check_out": span.check_out or False,
            "in_mode": _mode(in_event),
            "out_mode": "auto_check_out" if span.auto_closed else (_mode(out_event) if span.out_key else "manual"),
            "face_in_event_id": span.in_key,
            "face_out_event_id": span.out_key or False,
            "face_camera_id": in_event.camera_id.id if in_event else False,
            "face_confidence": in_event.confidence if in_event else 0.0,
            "face_auto_closed": span.auto_closed,
        }
        return vals

    def _apply_all_spans(self, plans):
        """Write every person's spans together; should Odoo's constraints refuse any of it (typically
        because of an attendance entered by hand), write each person on their own, so that one
        person's conflict leaves the others' attendance standing."""
        try:
            return self._write_plans(plans)
        except ValidationError as error:
            _logger.info("Attendances of %d person(s) written one person at a time: %s", len(plans), error)
        records = {}
        for plan in plans:
            try:
                records.update(self._write_plans([plan]))
            except ValidationError as error:
                _logger.info("Attendance of %s rebuilt span by span: %s", plan[0].name, error)
                records.update(self._rebuild_span_by_span(*plan))
        return records

    def _write_plans(self, plans):
        """Make the attendances match the rules' spans, updating records in place where possible:
        one create for all new attendances, Odoo's overtime updated once; all or nothing."""
        # Camera-made attendances carry their evidence in the events: no chatter tracking per write.
        Attendance = self.env["hr.attendance"].sudo().with_context(tracking_disable=True)
        records, surplus, writes, creates = {}, Attendance, [], []
        # Which of the batch's attendances still exist, in one query rather than one per person.
        own_ids = [record_id for _employee, _result, own, _events in plans for record_id in own.ids]
        alive_ids = Attendance.browse(own_ids).exists().ids
        alive = set(alive_ids)
        for employee, result, own, events in plans:
            own = Attendance.browse([record_id for record_id in own.ids if record_id in alive]).with_prefetch(alive_ids)
            events_by_id = {e.id: e for e in events}
            wanted = [self._span_vals(employee, span, events_by_id) for span in result.spans]
            surplus |= own[len(wanted) :]
            for position, (span, vals) in enumerate(zip(result.spans, wanted, strict=False)):
                if position < len(own):
                    records[id(span)] = own[position]
                    changed = _changed_values(own[position], vals)
                    if changed:
                        writes.append((own[position], changed))
                else:
                    creates.append((span, vals))
            for span in result.externals:
                records[id(span)] = span.record
        with self.env.cr.savepoint():
            with overtime_once(Attendance):
                if surplus:
                    surplus.unlink()
                for record, changed in writes:
                    record.write(changed)
                created = Attendance.create([vals for _span, vals in creates]) if creates else Attendance
                for (span, _vals), record in zip(creates, created, strict=False):
                    records[id(span)] = record
                for _employee, result, _own, _events in plans:
                    self._apply_externals(result, Attendance.env)
            Attendance.env.flush_all()
        return records

    def _rebuild_span_by_span(self, employee, result, own, events):
        """Odoo refused the in-place update: drop this person's camera-made attendances and create
        them again one span at a time; a span Odoo still refuses marks its events as errors."""
        Attendance = self.env["hr.attendance"].sudo().with_context(tracking_disable=True)
        events_by_id = {e.id: e for e in events}
        records = {}
        with self.env.cr.savepoint():
            own.exists().unlink()
        for span in result.spans:
            try:
                with self.env.cr.savepoint():
                    records[id(span)] = Attendance.create(self._span_vals(employee, span, events_by_id))
                    Attendance.env.flush_all()
            except ValidationError as inner:
                result.outcomes[span.in_key] = (rules.ERROR, str(inner.args[0] if inner.args else inner), None)
                if span.out_key:
                    result.outcomes[span.out_key] = (rules.ERROR, str(inner.args[0] if inner.args else inner), None)
        try:
            with self.env.cr.savepoint():
                self._apply_externals(result, Attendance.env)
                Attendance.env.flush_all()
        except ValidationError as inner:
            for span in result.externals:
                if span.out_key:
                    result.outcomes[span.out_key] = (rules.ERROR, str(inner.args[0] if inner.args else inner), None)
        for span in result.externals:
            records[id(span)] = span.record
        return records

    def _apply_externals(self, result, env):
        for span in result.externals:
            record = span.record.with_env(env)
            if span.fixed_check_out is not None:
                continue
            check_out = span.check_out or False
            out_event = span.out_key or False
            if record.check_out != check_out or record.face_out_event_id.id != out_event:
                vals = {"check_out": check_out, "face_out_event_id": out_event}
                if out_event:
                    vals["out_mode"] = "face"
                record.write(vals)

    def _apply_outcomes(self, events, results, span_records):
        # Events that end with the same outcome, message and attendance are written together.
        outcomes = {}
        for result in results:
            outcomes.update(result.outcomes)
        changes = {}
        for event in events:
            kind, message, span = outcomes.get(event.id, ("error", self.env._("Not decided."), None))
            attendance = span_records.get(id(span)) if span is not None else False
            vals = (kind, message or False, attendance.id if attendance else False)
            if (event.outcome, event.message or False, event.attendance_id.id) != vals:
                changes.setdefault(vals, []).append(event.id)
        for (kind, message, attendance_id), ids in changes.items():
            vals = {"outcome": kind, "message": message, "attendance_id": attendance_id}
            if kind == rules.SET_ASIDE:
                # Set aside by a deletion of HR's: what "not this person" may give back to the right one.
                vals["face_correction_kind"] = "deleted"
            self.browse(ids).write(vals)
