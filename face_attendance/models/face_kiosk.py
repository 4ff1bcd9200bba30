"""Face kiosks: a tablet at the door where employees check in by looking at its camera.

The browser only films; the server decides. Each frame the tablet sends is matched here (the
largest face, against the kiosk company's gallery), its liveness scored, and the K-of-M vote kept on
the kiosk record, so that frames landing on different Odoo workers still vote together. A decision
becomes one recognition event through the same ingestion as the daemons' (rules, duplicate window,
photo evidence on the attendance). The kiosk's secret URL names the kiosk and grants nothing but
this; frames and PINs are taken only from a tablet paired with the kiosk (face_kiosk_device.py).
"""

import base64
import hashlib
import json
import logging
import re
import secrets
import time
import uuid
from datetime import timedelta

import cv2
import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError

from face_attendance_daemon.engine import decode_image, encode_jpeg, vector_to_bytes
from face_attendance_daemon.engine.liveness import SPOOF, UNDECIDED, LivenessVote
from face_attendance_daemon.engine.quality import frontal_score, sharpness

from .face_api_key import _bookkeeping, _bookkeeping_together
from .odoo_compat import group_users
from .security_groups import MANAGER

_logger = logging.getLogger(__name__)

KIOSK_DIRECTIONS = [("entry", "Check in"), ("exit", "Check out"), ("toggle", "Check in or out (toggle)")]
CAMERA_DIRECTION = {"entry": "entry", "exit": "exit", "toggle": "toggle"}
# A kiosk frame is a webcam picture, never a poster: enough for 1080p JPEGs, little for an attacker.
MAX_FRAME_BYTES = 2 * 1024 * 1024
# A tablet's camera frame, not a poster: bounds checked from the header, before decoding.
MAX_FRAME_PIXELS = 1920 * 1080
MAX_FRAME_SIDE = 1920
# Detection's cost grows with the pixels and a face at the door is large: it is found on a 320 px copy
# (a face of 48 px at 640 is 24 px there, which YuNet finds) and encoded and scored at up to 960 px.
DETECT_SIDE = 320
ENCODE_SIDE = 960
# A face at a door kiosk fills a good part of the frame; tiny faces are people walking past.
MIN_FACE = 48
# A vote older than this belongs to somebody who walked away: it starts again.
VOTE_SECONDS = 10
SNAPSHOT_SIDE = 480
PIN_FAILURES_PER_MINUTE = 5
# Per typed person ID (or badge), across the company's kiosks: 5 wrong PINs lock it for up to a quarter
# of an hour, whether or not anybody has that ID (the lock must not tell which IDs exist).
PIN_FAILURES_PER_PERSON = 5
PIN_PERSON_WINDOW = 900
PIN_PATTERN = re.compile(r"[0-9]{1,32}")
MAX_PERSON_REF = 64
# Frames whose digest was already seen in the vote count once, however they are interleaved.
REPLAY_WINDOW = 16
# A look-alike's recognition waits this long for their PIN; then they look at the camera again.
CONFIRM_SECONDS = 60
# What _face_figures adds to a sighting for learning to read.
FACE_FIGURES = ("encoding", "face_size", "sharpness", "frontal", "frames")
_WARNED = set()


def _seconds():
    return time.time()


class KioskRefused(Exception):
    """A frame or a PIN the kiosk will not process: (HTTP status, code, message). ``counted``: the
    refusal itself was counted (a PIN attempt), so the request's transaction keeps its counts."""

    def __init__(self, status, code, message, counted=False):
        super().__init__(message)
        self.status, self.code, self.message, self.counted = status, code, message, counted


class FaceKiosk(models.Model):
    _name = "face.kiosk"
    _description = "Face Kiosk"
    _inherit = ["mail.thread"]
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    direction = fields.Selection(KIOSK_DIRECTIONS, required=True, default="toggle", tracking=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    liveness_required = fields.Boolean(
        default=True,
        tracking=True,
        help="Mark attendance only for a live face: a printed photo or a screen is refused, recorded as a spoof "
        "attempt and reported to the managers. Without the liveness models the kiosk then marks nothing by face.",
    )
    pin_fallback = fields.Boolean(
        string="PIN fallback",
        tracking=True,
        help="When a face is not recognised, offer a keypad: person ID (or badge) and the employee's attendance PIN.",
    )
    camera_id = fields.Many2one(
        "face.camera",
        readonly=True,
        ondelete="restrict",
        copy=False,
        help="The camera its events are recorded under (created with the kiosk).",
    )
    # Not "access_token": mail.thread with portal would take that name as a chatter access key.
    kiosk_token = fields.Char(readonly=True, copy=False, index=True, groups=MANAGER)
    kiosk_url = fields.Char(string="Kiosk URL", compute="_compute_kiosk_url", groups=MANAGER)
    last_spoof_alert_at = fields.Datetime(readonly=True, copy=False)
    # The first spoof event of the burst in progress: repeats within the alert minutes are counted on
    # the kiosk's alert, not stored again (a flood of photos must not fill the database with snapshots).
    last_spoof_event_at = fields.Datetime(readonly=True, copy=False)
    # The spoof event the managers are still to be told of (by the notice cron, triggered at once).
    spoof_notice_event_uid = fields.Char(readonly=True, copy=False, groups="base.group_system")
    # The vote in progress: written by the kiosk's requests only.
    vote_state = fields.Char(readonly=True, copy=False, groups="base.group_system")
    # A look-alike's recognition waiting for their PIN (who, until when, the event to record).
    pin_confirmation = fields.Char(readonly=True, copy=False, groups="base.group_system")

    def _auto_init(self):
        result = super()._auto_init()
        # Frames and wrong PINs per kiosk (or per person) and window, counted on a connection that
        # commits at once (so a refused or failed request still counts), shared by every worker.
        # Unlogged and not an ORM model: no RPC reaches it, a crash loses only counts.
        self.env.cr.execute("""
            CREATE UNLOGGED TABLE IF NOT EXISTS face_kiosk_hit (
                kiosk_id integer NOT NULL, subject varchar NOT NULL, window_start bigint NOT NULL,
                hits integer NOT NULL, PRIMARY KEY (kiosk_id, subject, window_start))""")
        return result

    @api.autovacuum
    def _gc_kiosk_hits(self):
        self.env.cr.execute("DELETE FROM face_kiosk_hit WHERE window_start < %s", [int(_seconds()) - 3600])

    liveness_problem = fields.Char(
        compute="_compute_liveness_problem", help="Why this kiosk cannot check liveness now (its face check-ins stop)."
    )

    @api.depends("liveness_required")
    def _compute_liveness_problem(self):
        checker, reason = self.env["face.attendance.config"]._liveness_checker()
        for kiosk in self:
            kiosk.liveness_problem = reason if kiosk.liveness_required and checker is None else False

    @api.depends("kiosk_token")
    def _compute_kiosk_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for kiosk in self:
            token = kiosk.sudo().kiosk_token
            kiosk.kiosk_url = "%s/face_attendance/kiosk/%s" % (base, token) if token else False

    @api.model_create_multi
    def create(self, vals_list):
        self._check_manager()
        for vals in vals_list:
            self._check_vals(vals)
        kiosks = super().create(vals_list)
        for kiosk in kiosks.sudo():
            kiosk.kiosk_token = secrets.token_urlsafe(32)
            kiosk.camera_id = self.env["face.camera"].sudo().create(kiosk._camera_vals())
        return kiosks

    def write(self, vals):
        self._check_manager()
        self._check_vals(vals)
        result = super().write(vals)
        if {"name", "direction", "company_id", "active"} & set(vals):
            for kiosk in self.sudo():
                kiosk._own_camera().write(kiosk._camera_vals())
        return result

    def unlink(self):
        self._check_manager()
        self.check_access("unlink")
        cameras = self.env["face.camera"].sudo()
        for kiosk in self.sudo():
            cameras |= kiosk._own_camera()
        result = super().unlink()
        # Its events keep their camera: archived, not deleted.
        cameras.write({"active": False})
        return result

    def _check_vals(self, vals):
        """What the kiosk itself keeps (its camera, URL, alert clock, vote) is never written by a caller,
        and a kiosk moves only into a company of its manager."""
        if self.env.su:
            return
        kept = {
            "camera_id",
            "kiosk_token",
            "last_spoof_alert_at",
            "last_spoof_event_at",
            "spoof_notice_event_uid",
            "vote_state",
            "pin_confirmation",
            "device_ids",
            "pairing_code_hash",
            "pairing_code_expires_at",
        } & set(vals)
        if kept:
            raise AccessError(self.env._("These fields are set by the kiosk itself: %s.", ", ".join(sorted(kept))))
        if vals.get("company_id") and vals["company_id"] not in self.env.user.company_ids.ids:
            raise AccessError(self.env._("A kiosk can only belong to one of your companies."))

    def _own_camera(self):
        """The kiosk's camera, and only if it is still the one made for this kiosk."""
        camera = self.camera_id.sudo().with_context(active_test=False)
        return camera if camera.source_type == "kiosk" and camera.source == "kiosk:%d" % self.id else camera.browse()

    def _camera_vals(self):
        return {
            "name": self.env._("Kiosk: %s", self.name),
            "source_type": "kiosk",
            "source": "kiosk:%s" % self.id,
            "direction": CAMERA_DIRECTION[self.direction],
            "company_id": self.company_id.id,
            "active": self.active,
            "daemon_id": False,
        }

    def _check_manager(self):
        if not (self.env.su or self.env.user.has_group(MANAGER)):
            raise AccessError(self.env._("Only Face Attendance managers set up face kiosks."))

    def action_regenerate_token(self):
        """A new secret URL: the old one stops working at once (a tablet lost, a URL shared), and every
        tablet paired with the kiosk must be paired again."""
        self._check_manager()
        self.check_access("write")
        for kiosk in self.sudo():
            kiosk.kiosk_token = secrets.token_urlsafe(32)
            kiosk.vote_state = False
            kiosk.pin_confirmation = False
            kiosk.pairing_code_hash = False
            kiosk.pairing_code_expires_at = False
            kiosk.device_ids.unlink()
            _bookkeeping(self.env, "DELETE FROM face_kiosk_hit WHERE kiosk_id = %s", (kiosk.id,))
            kiosk.message_post(
                body=self.env._("Kiosk URL regenerated by %s: its tablets must be paired again.", self.env.user.name)
            )
        return True

    def action_open_kiosk(self):
        self._check_manager()
        self.ensure_one()
        self.check_access("read")
        return {"type": "ir.actions.act_url", "url": self.kiosk_url, "target": "new"}

    # ------------------------------------------------------------------ the kiosk's requests (sudo)
    @api.model
    def _from_token(self, token):
        if not isinstance(token, str) or not 20 <= len(token) <= 128:
            return self.browse()
        return self.sudo().search([("kiosk_token", "=", token), ("active", "=", True)], limit=1)

    def _hit(self, subject, window_seconds, kiosk_id=None, add=1):
        """Count ``add`` against ``subject`` in the current window and answer the window's count."""
        return self._hits([(subject, window_seconds, kiosk_id)], add)[0]

    def _hits(self, counters, add=1):
        """Count ``add`` on each (subject, window seconds, kiosk id or None for this kiosk) counter, in
        one transaction and in the order given, and answer their counts in the current windows.

        Callers give one fixed order: the kiosk's counter first, then persons' by ascending employee id.
        Each row stays locked until the last is counted, so two requests sharing rows in different orders
        could deadlock, or be counted in opposite orders on two rows."""
        now = int(_seconds())
        return _bookkeeping_together(
            self.env,
            [
                (
                    """INSERT INTO face_kiosk_hit (kiosk_id, subject, window_start, hits) VALUES (%s, %s, %s, %s)
                       ON CONFLICT (kiosk_id, subject, window_start) DO UPDATE SET hits = face_kiosk_hit.hits + %s
                       RETURNING hits""",
                    (self.id if kiosk_id is None else kiosk_id, subject, now // window * window, add, add),
                )
                for subject, window, kiosk_id in counters
            ],
            fetch=True,
        )

    def _take_frame_budget(self, limit):
        """Count one frame against the kiosk's per-minute budget, before any work is done on it."""
        if self._hit("frames", 60) > limit:
            raise KioskRefused(429, "RATE_LIMITED", self.env._("Too many frames: wait a moment."))

    def _vote(self, config):
        k, m = config._get("kiosk_live_frames"), config._get("kiosk_window_frames")
        k = min(k, m)
        state = {}
        try:
            state = json.loads(self.vote_state or "{}")
        except ValueError:
            _logger.warning("Kiosk %s: unreadable vote state dropped", self.id)
        if not isinstance(state, dict) or state.get("at", 0) < fields.Datetime.now().timestamp() - VOTE_SECONDS:
            state = {}
        vote = LivenessVote.from_state(state, k, m)
        recent = state.get("recent_frames")
        vote.recent_frames = (
            [d for d in recent if isinstance(d, str)][-REPLAY_WINDOW:] if isinstance(recent, list) else []
        )
        return vote

    def _save_vote(self, vote):
        state = None
        if vote and (vote.window or vote.recent_frames):
            state = dict(
                vote.as_state(), at=fields.Datetime.now().timestamp(), recent_frames=vote.recent_frames[-REPLAY_WINDOW:]
            )
        # Plain SQL: the kiosk record's write() (tracking, checks) is for managers, not for every frame.
        self.env.cr.execute(
            "UPDATE face_kiosk SET vote_state = %s WHERE id = %s", (json.dumps(state) if state else None, self.id)
        )
        self.invalidate_recordset(["vote_state"])

    def _process_frame(self, data):
        """One frame from the tablet -> what the page shows. Runs as superuser for the kiosk's company.

        Detection, matching and liveness are face.recognition.service's, as for /recognize: here only
        the largest face (the person at the door), found on a scaled-down copy."""
        self.ensure_one()
        env = self.env(context=dict(self.env.context, allowed_company_ids=[self.company_id.id]), su=True)
        kiosk = self.with_env(env)
        config = env["face.attendance.config"]
        service = env["face.recognition.service"]
        kiosk._take_frame_budget(config._get("kiosk_frames_per_minute"))
        image = kiosk._frame_image(data)
        encoder = config._encoder()
        faces = service._detect_faces(image, encoder, MIN_FACE, detect_side=DETECT_SIDE, largest=True)
        face = faces[0] if faces else None
        vote = kiosk._vote(config)
        # A camera never sends the same picture twice; a script replaying pictures does (one, or a few in
        # turn): each counts once in the vote. The decoded pixels are compared, not the bytes, so
        # changing a trailing byte or the metadata of a replayed JPEG makes no new picture.
        digest = hashlib.sha256(image.tobytes()).hexdigest()[:32]
        if face is not None and digest in vote.recent_frames:
            return {"state": "checking", "message": env._("Hold still…"), "box": list(face.box)}
        vote.recent_frames.append(digest)
        if face is None:
            kiosk._save_vote(None)
            return {"state": "no_face", "message": env._("Look at the camera.")}
        checker, reason = (None, "")
        live = True
        score = None
        if kiosk.liveness_required:
            checker, reason = config._liveness_checker()
            if checker is None:
                if (kiosk.id, reason) not in _WARNED:  # once per process, not once per frame
                    _WARNED.add((kiosk.id, reason))
                    _logger.warning("Kiosk %s requires liveness, which is unavailable: %s", kiosk.id, reason)
                return kiosk._with_pin(
                    {
                        "state": "unavailable",
                        "message": env._("Face check-in is unavailable on this kiosk: please use your PIN."),
                    }
                )
            result = service._liveness(checker, image, face.box)
            live, score = result.live, result.score
        identified = service._match_faces(image, [face], encoder, service._threshold(encoder, kiosk.camera_id))[0]
        match = identified.match
        person_key = match.person_key
        # Cameras refuse a look-alike short of a margin; here the PIN is the second factor instead.
        lookalike_refused = match.refusal == "lookalike"
        if lookalike_refused:
            gallery = env["face.template.gallery"]._get(encoder)
            person_key = env["face.lookalike"]._refused_person(gallery, encoder, identified.vector, match.distance)
        employee = env["hr.employee"]
        if person_key is not None:
            # A search, not browse().exists().filtered(): reading the company fetched the whole
            # hr.employee row, each field through HR's access hook, on every frame, where the vote
            # needs only the id. Archived employees are found as exists() found them.
            employee = employee.browse(
                employee.with_context(active_test=False)
                .search([("id", "=", person_key), ("company_id", "=", kiosk.company_id.id)], limit=1)
                .ids
            )
        decision = vote.add(employee.id or "unknown", live)
        if decision == UNDECIDED:
            kiosk._save_vote(vote)
            return {"state": "checking", "message": env._("Hold still…"), "box": list(face.box)}
        kiosk._save_vote(None)
        snapshot = kiosk._snapshot(image)
        if decision == SPOOF:
            return kiosk._spoof(employee, score, snapshot)
        if not employee:
            return kiosk._with_pin(
                {"state": "unknown", "message": env._("Face not recognised. Please try again or ask HR.")}
            )
        event = {
            "confidence": round(match.confidence, 4),
            "distance": round(match.distance, 4),
            "encoder": encoder.tag,
        }
        if kiosk.liveness_required:
            event.update(liveness="live", liveness_score=round(score, 4))
        event.update(kiosk._face_figures(image, face, identified.vector, sum(vote.window)))
        others = kiosk._lookalikes_of(employee, encoder)
        if lookalike_refused or others or employee.sudo().face_is_lookalike:
            return kiosk._ask_pin_confirmation(employee, others, event, snapshot, identified.vector, encoder)
        return kiosk._record(employee, event, snapshot, "kiosk")

    def _face_figures(self, image, face, vector, frames):
        """What learning reads of the sighting (as a daemon's track sends it): the vector, the face's
        size, sharpness and pose, and the frames of the vote that agreed on the person."""
        figures = {
            "encoding": base64.b64encode(vector_to_bytes(vector)).decode(),
            "face_size": int(face.size),
            "sharpness": round(float(sharpness(image, tuple(int(v) for v in face.box))), 2),
            "frames": max(1, int(frames)),
        }
        frontal = frontal_score(face.landmarks)
        if frontal is not None:
            figures["frontal"] = round(float(frontal), 4)
        return figures

    def _lookalikes_of(self, employee, encoder):
        """The persons ``employee`` looks like: flagged by the last recomputation, or close in the gallery
        right now (somebody enrolled since then)."""
        gallery = self.env["face.template.gallery"]._get(encoder)
        others = set(employee.sudo().face_lookalike_ids.ids)
        others.update(self.env["face.lookalike"]._nearby(gallery, encoder, employee.id))
        others.discard(employee.id)
        return (
            self.env["hr.employee"]
            .browse(sorted(others))
            .exists()
            .filtered(lambda e: e.company_id == self.company_id and e.active)
        )

    def _ask_pin_confirmation(self, employee, others, event, snapshot, vector, encoder):
        """A look-alike's face is not enough: their recognition waits on this kiosk for a PIN, theirs or
        that of one of the persons they look like (the camera may have taken one twin for the other;
        the PIN tells which of them stands there)."""
        if not employee.pin:
            self._set_pin_confirmation(None)
            return {
                "state": "no_pin",
                "name": employee.name,
                "message": self.env._(
                    "%s, you look like somebody else to the camera, so this kiosk also needs your PIN, and you "
                    "have none. Please ask HR to set one.",
                    employee.name,
                ),
            }
        candidates = employee | others.filtered("pin")
        # Each candidate's own distance: the event records the distance of whom the PIN confirms.
        gallery = self.env["face.template.gallery"]._get(encoder)
        distances = self.env["face.lookalike"]._distances(gallery, encoder, vector, candidates.ids)
        self._set_pin_confirmation(
            {
                "employee_id": employee.id,
                "candidates": {str(key): distance for key, distance in distances.items()},
                "until": _seconds() + CONFIRM_SECONDS,
                "event": event,
                "snapshot": snapshot,
            }
        )
        return {
            "state": "pin_required",
            "name": employee.name,
            "seconds": CONFIRM_SECONDS,
            "message": self.env._("%s, please confirm with your PIN.", employee.name),
        }

    def _set_pin_confirmation(self, pending):
        # Plain SQL, as the vote: a kiosk's request, not a manager's edit.
        self.env.cr.execute(
            "UPDATE face_kiosk SET pin_confirmation = %s WHERE id = %s",
            (json.dumps(pending) if pending else None, self.id),
        )
        self.invalidate_recordset(["pin_confirmation"])

    def _take_pin_confirmation(self):
        """The recognition waiting for a PIN on this kiosk, row locked (one PIN consumes it once), or None."""
        self.env.cr.execute("SELECT pin_confirmation FROM face_kiosk WHERE id = %s FOR UPDATE", (self.id,))
        row = self.env.cr.fetchone()
        try:
            pending = json.loads(row[0]) if row and row[0] else None
        except ValueError:
            pending = None
        return pending if isinstance(pending, dict) and isinstance(pending.get("employee_id"), int) else None

    def _pin_subject(self, person_ref):
        """The per-person PIN counter of what was typed (or of whom a confirmation names)."""
        return "pin-id:%s" % hashlib.sha256(("%d:%s" % (self.company_id.id, person_ref)).encode()).hexdigest()[:32]

    def _confirm_pin(self, pending, pin):
        """A look-alike's PIN for the recognition waiting on this kiosk; counted as every PIN is (the
        kiosk's minute and the person's quarter of an hour), whether or not the kiosk offers PINs."""
        env = self.env
        if pending.get("until", 0) < _seconds():
            self._set_pin_confirmation(None)
            return {"state": "expired", "message": env._("Too late: please look at the camera again.")}
        employee = env["hr.employee"].browse(pending["employee_id"]).exists()
        employee = employee.filtered(lambda e: e.company_id == self.company_id)
        candidates = pending.get("candidates") if isinstance(pending.get("candidates"), dict) else {}
        if not employee:
            self._set_pin_confirmation(None)
            return {"state": "expired", "message": env._("Please look at the camera again.")}
        self._take_frame_budget(env["face.attendance.config"]._get("kiosk_frames_per_minute"))
        people = env["hr.employee"].browse([int(key) for key in candidates if key.isdigit()]).exists() | employee
        people = people.filtered(lambda e: e.company_id == self.company_id and e.active)
        # One guess is tested against every candidate's PIN, so it costs each of them an attempt, on the
        # counter their typed person ID (or badge) counts on: a look-alike's own limit holds here too.
        # The kiosk's counter first, then the persons' by ascending id (see _hits).
        subjects = []
        for person in (people | employee).sorted("id"):
            subject = self._pin_subject(person.person_ref or person.barcode or "employee:%d" % person.id)
            if subject not in subjects:
                subjects.append(subject)
        counters = [("pin", 60, None)] + [(subject, PIN_PERSON_WINDOW, 0) for subject in subjects]
        counts = self._hits(counters)
        if counts[0] > PIN_FAILURES_PER_MINUTE or any(count > PIN_FAILURES_PER_PERSON for count in counts[1:]):
            self._set_pin_confirmation(None)
            raise KioskRefused(429, "RATE_LIMITED", env._("Too many wrong PINs: try again later."), counted=True)
        if not PIN_PATTERN.fullmatch(pin):
            raise KioskRefused(400, "BAD_REQUEST", env._("Type your PIN: digits only."), counted=True)
        confirmed = env["hr.employee"]
        for person in people:
            # Every candidate compared, in constant time each: the answer's time does not tell whose PIN it was.
            if person.pin and secrets.compare_digest(person.pin.encode(), pin.encode()) and not confirmed:
                confirmed = person
        if not confirmed:
            return {
                "state": "wrong_pin",
                "confirm": True,
                "name": employee.name,
                "message": env._("Wrong PIN, %s. Try again.", employee.name),
            }
        self._hits(counters, add=-1)
        self._set_pin_confirmation(None)
        event = dict(pending.get("event") or {})
        distance = candidates.get(str(confirmed.id))
        if isinstance(distance, (int, float)):
            encoder = env["face.attendance.config"]._encoder()
            event.update(distance=round(distance, 4), confidence=round(float(encoder.confidence(distance)), 4))
        elif confirmed != employee:
            # Another person's distance would mislead whoever reads (or learns from) the event.
            event.pop("distance", None)
            event.pop("confidence", None)
        if confirmed == employee:
            return self._record(confirmed, event, pending.get("snapshot"), "kiosk")
        # The camera took this face for somebody else: recorded as a PIN check-in (learning skips those)
        # and without the face's figures, or the look-alike's face could become this person's template.
        # The snapshot stays, as evidence of who stood there.
        for key in FACE_FIGURES:
            event.pop(key, None)
        return self._record(confirmed, event, pending.get("snapshot"), "kiosk_pin")

    def _frame_image(self, data):
        """A webcam frame, decoded within a kiosk's bounds and scaled to what detection needs."""
        try:
            image = decode_image(data, max_bytes=MAX_FRAME_BYTES, max_pixels=MAX_FRAME_PIXELS, max_side=MAX_FRAME_SIDE)
            height, width = image.shape[:2]
            if max(height, width) > ENCODE_SIDE:
                scale = ENCODE_SIDE / float(max(height, width))
                image = cv2.resize(image, (int(width * scale), int(height * scale)), interpolation=cv2.INTER_AREA)
        except cv2.error as error:
            _logger.info("Kiosk %s: undecodable frame: %s", self.id, error)
            raise KioskRefused(422, "NOT_AN_IMAGE", self.env._("The frame could not be read.")) from None
        return image

    def _with_pin(self, answer):
        answer["pin"] = bool(self.pin_fallback)
        return answer

    def _snapshot(self, image):
        return base64.b64encode(encode_jpeg(image, quality=80, max_side=SNAPSHOT_SIDE)).decode()

    def _ingest(self, employee, extra, snapshot, source):
        event = dict(
            extra,
            event_id="kiosk-%s-%s" % (self.id, uuid.uuid4().hex),
            timestamp=fields.Datetime.now().isoformat() + "Z",
            camera_id=self.camera_id.id,
            snapshot=snapshot,
        )
        if employee:
            event["employee_id"] = employee.id
        return self.env["face.recognition.event"]._ingest_events([event], source)[0]

    def _record(self, employee, extra, snapshot, source):
        answer = self._ingest(employee, extra, snapshot, source)
        outcome = answer.get("outcome")
        tz = pytz.timezone(employee._get_tz() or "UTC")
        local = pytz.utc.localize(fields.Datetime.now()).astimezone(tz)
        reply = {
            "state": outcome if outcome in ("checked_in", "checked_out", "duplicate") else "refused",
            "name": employee.name,
            "time": local.strftime("%H:%M"),
            "event_id": answer.get("event_id"),
        }
        if outcome == "checked_in":
            reply["message"] = self.env._(
                "Welcome, %(name)s! Checked in at %(time)s.", name=employee.name, time=reply["time"]
            )
        elif outcome == "checked_out":
            reply["message"] = self.env._(
                "Goodbye, %(name)s! Checked out at %(time)s.", name=employee.name, time=reply["time"]
            )
        elif outcome == "duplicate":
            reply["message"] = self.env._("%s, you were already recorded a moment ago.", employee.name)
        else:
            reply["message"] = answer.get("message") or self.env._("Attendance could not be recorded.")
        return reply

    def _spoof(self, employee, score, snapshot):
        answer = {
            "state": "spoof",
            "message": self.env._("This does not look like a live face. The attempt was recorded."),
        }
        if self._spoof_burst_continues():
            # Counted on the kiosk's alert; the burst's first event keeps the evidence.
            self._raise_spoof_alert(employee, None)
            return answer
        extra = {"liveness": "spoof"}
        if score is not None:
            extra["liveness_score"] = round(score, 4)
        ingested = self._ingest(employee, extra, snapshot, "kiosk")
        self._raise_spoof_alert(employee, ingested.get("event_id"))
        self._alert_spoof(ingested.get("event_id"))
        return answer

    def _spoof_burst_continues(self):
        """Whether a spoof event of this kiosk was recorded within the alert minutes; if not, this
        one starts a burst. The kiosk's row lock makes concurrent frames agree on which is first."""
        minutes = self.env["face.attendance.config"]._get("kiosk_spoof_alert_minutes")
        now = fields.Datetime.now()
        self.env.cr.execute("SELECT last_spoof_event_at FROM face_kiosk WHERE id = %s FOR UPDATE", (self.id,))
        started = self.env.cr.fetchone()[0]
        if started and now - timedelta(minutes=minutes) < started <= now:
            return True
        self.env.cr.execute("UPDATE face_kiosk SET last_spoof_event_at = %s WHERE id = %s", (now, self.id))
        self.invalidate_recordset(["last_spoof_event_at"])
        return False

    def _raise_spoof_alert(self, employee, event_uid):
        """The spoof alert of this kiosk (one active per kiosk, on the live monitor and REST)."""
        event = (
            self.env["face.recognition.event"]
            .sudo()
            .search([("event_uid", "=", event_uid or ""), ("company_id", "=", self.company_id.id)], limit=1)
        )
        return self.env["face.alert"]._raise(
            "spoof_attempt",
            self.env._("Spoof attempt at face kiosk %(name)s: a face that is not live was shown.", name=self.name),
            severity="critical",
            camera=self.camera_id or None,
            employee=employee or None,
            event=event or None,
            key="kiosk:%d" % self.id,
            company=self.company_id,
        )

    def _alert_spoof(self, event_uid):
        """Tell the managers, at most once per kiosk within the configured minutes. Decided here, in
        the frame (the kiosk's row is locked by _spoof_burst_continues), with the log line (it keeps
        the tablet's address and the kiosk's user); the chatter message and its mails are the notice
        cron's, triggered at once: the tablet's answer does not wait for them."""
        minutes = self.env["face.attendance.config"]._get("kiosk_spoof_alert_minutes")
        now = fields.Datetime.now()
        if self.last_spoof_alert_at and self.last_spoof_alert_at > now - timedelta(minutes=minutes):
            return False
        self.env.cr.execute(
            "UPDATE face_kiosk SET last_spoof_alert_at = %s, spoof_notice_event_uid = %s WHERE id = %s",
            (now, event_uid or "", self.id),
        )
        self.invalidate_recordset(["last_spoof_alert_at", "spoof_notice_event_uid"])
        self.env["face.system.log"]._log(
            self.env._("Spoof attempt at face kiosk %s", self.name),
            level="warning",
            category="system",
            action="kiosk.spoof",
            object_ref="face.kiosk,%d" % self.id,
            details={"event_id": event_uid},
        )
        self._trigger_spoof_notices()
        return True

    @api.model
    def _trigger_spoof_notices(self, at=None):
        cron = self.env.ref("face_attendance.ir_cron_kiosk_spoof_notices", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger(at)

    @api.model
    def _cron_post_spoof_notices(self):
        """Post the spoof notices the kiosks' frames left (see _alert_spoof): the managers' message in
        the kiosk's chatter, their emails through the mail queue. A kiosk whose row a frame holds is
        left for a run half a minute later (a burst of frames must not hold its notice back); one
        kiosk's failure leaves the others' notices standing."""
        self.env.cr.execute(
            "SELECT id FROM face_kiosk WHERE spoof_notice_event_uid IS NOT NULL ORDER BY id FOR UPDATE SKIP LOCKED"
        )
        kiosks = self.sudo().with_context(active_test=False).browse([row[0] for row in self.env.cr.fetchall()])
        for kiosk in kiosks:
            event_uid = kiosk.spoof_notice_event_uid or None
            try:
                with self.env.cr.savepoint():
                    kiosk.with_company(kiosk.company_id)._post_spoof_notice(event_uid)
            except Exception:
                _logger.exception("Kiosk %s: the spoof notice of event %s could not be posted", kiosk.id, event_uid)
            self.env.cr.execute("UPDATE face_kiosk SET spoof_notice_event_uid = NULL WHERE id = %s", (kiosk.id,))
        kiosks.invalidate_recordset(["spoof_notice_event_uid"])
        self.env.cr.execute(
            "SELECT 1 FROM face_kiosk WHERE spoof_notice_event_uid IS NOT NULL AND NOT id = ANY(%s) LIMIT 1",
            (kiosks.ids,),
        )
        if self.env.cr.fetchone():
            self._trigger_spoof_notices(fields.Datetime.now() + timedelta(seconds=30))
        if kiosks:
            scheduler = self.env.ref("mail.ir_cron_mail_scheduler_action", raise_if_not_found=False)
            if scheduler:
                scheduler.sudo()._trigger()
        return len(kiosks)

    def _post_spoof_notice(self, event_uid):
        managers = group_users(self.env.ref(MANAGER).sudo()).filtered(
            lambda u: not u.share and self.company_id in u.company_ids
        )
        self.with_context(mail_notify_force_send=False).message_post(
            body=self.env._(
                "Spoof attempt at face kiosk %(name)s: a face that is not live (a photo or a screen) was shown. "
                "Event %(event)s holds its snapshot.",
                name=self.name,
                event=event_uid,
            ),
            partner_ids=managers.partner_id.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    def _process_pin(self, person_ref, pin, image_data=None):
        """The PIN fallback: a person ID (or badge) and the employee's attendance PIN.

        Every attempt is counted before anything is looked up, against the kiosk and against the typed
        ID (whoever has it, or nobody), in one atomic statement each: parallel guesses cannot overtake
        the limits, and unknown IDs are answered exactly as wrong PINs of existing ones."""
        self.ensure_one()
        env = self.env(context=dict(self.env.context, allowed_company_ids=[self.company_id.id]), su=True)
        kiosk = self.with_env(env)
        person_ref = person_ref.strip() if isinstance(person_ref, str) else ""
        pin = pin.strip() if isinstance(pin, str) else ""
        # No person ID: the PIN of the look-alike the kiosk just recognised, if one is waiting.
        pending = None if person_ref else kiosk._take_pin_confirmation()
        if pending:
            return kiosk._confirm_pin(pending, pin)
        if not kiosk.pin_fallback:
            raise KioskRefused(403, "PIN_DISABLED", env._("This kiosk does not take PINs."))
        kiosk._take_frame_budget(env["face.attendance.config"]._get("kiosk_frames_per_minute"))
        typed = kiosk._pin_subject(person_ref)
        # The kiosk's counter first, then the ID's, always: the order that makes them agree.
        counters = [("pin", 60, None), (typed, PIN_PERSON_WINDOW, 0)]
        on_kiosk, on_id = kiosk._hits(counters)
        if on_kiosk > PIN_FAILURES_PER_MINUTE or on_id > PIN_FAILURES_PER_PERSON:
            raise KioskRefused(429, "RATE_LIMITED", env._("Too many wrong PINs: try again later."), counted=True)
        if not person_ref or len(person_ref) > MAX_PERSON_REF or not PIN_PATTERN.fullmatch(pin):
            raise KioskRefused(400, "BAD_REQUEST", env._("Type your person ID and a PIN made of digits."), counted=True)
        employee = env["hr.employee"].search(
            [
                ("company_id", "=", kiosk.company_id.id),
                "|",
                ("person_ref", "=", person_ref),
                ("barcode", "=", person_ref),
            ],
            limit=2,
        )
        expected = (employee.pin or "") if len(employee) == 1 else ""
        if not expected or not secrets.compare_digest(expected.encode(), pin.encode()):
            return {"state": "wrong_pin", "message": env._("Wrong person ID or PIN.")}
        # Only failures count: the right PIN gives its attempt back.
        kiosk._hits(counters, add=-1)
        snapshot = None
        if image_data:
            try:
                # The same bounds as a frame's: a PIN's photo is no way around them.
                snapshot = kiosk._snapshot(kiosk._frame_image(image_data))
            except Exception:  # noqa: BLE001  # evidence is optional: a bad frame never blocks a PIN
                _logger.info("Kiosk %s: PIN check-in without a readable snapshot", kiosk.id)
        return kiosk._record(employee, {}, snapshot, "kiosk_pin")

    def _kiosk_info(self):
        self.ensure_one()
        kiosk = self.sudo()
        return {
            "name": kiosk.name,
            "company": kiosk.company_id.name,
            "company_id": kiosk.company_id.id,
            "direction": kiosk.direction,
            "pin": bool(kiosk.pin_fallback),
            "liveness": bool(kiosk.liveness_required),
            "lang": kiosk.company_id.partner_id.lang or "en_US",
        }
