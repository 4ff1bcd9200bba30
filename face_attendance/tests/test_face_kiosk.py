"""The face kiosk over real HTTP, on real webcam frames and printed-photo attacks (NUAA, ../shared)."""

import base64
import glob
import http.client
import json
import logging
import os
import re
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlparse
from xmlrpc.client import Fault

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME, new_test_user

from ..controllers.face_kiosk import DEVICE_COOKIE
from ..models.odoo_compat import group_users
from .common import faces_dir, fake_camera, release_test_lock

_logger = logging.getLogger(__name__)


def liveness_dir():
    """The shared liveness frames: FA_LIVENESS_DIR, else ../shared/data/liveness beside the project."""
    default = os.path.normpath(os.path.join(faces_dir(), "..", "liveness"))
    path = os.environ.get("FA_LIVENESS_DIR") or default
    if not os.path.isdir(os.path.join(path, "sequences")):
        raise RuntimeError("Liveness frames not found at %s (set FA_LIVENESS_DIR)" % path)
    return path


def models_dir():
    default = os.path.normpath(os.path.join(faces_dir(), "..", "models"))
    path = os.environ.get("FA_LIVENESS_MODELS") or default
    if not os.path.isfile(os.path.join(path, "minifasnet_v2.onnx")) and not os.path.isfile(
        os.path.join(path, "MiniFASNetV2.onnx")
    ):
        raise RuntimeError("Liveness models not found at %s (set FA_LIVENESS_MODELS)" % path)
    return path


def frames(kind):
    """The 30 consecutive frames of subject 0001: 'real' (the person) or 'attack' (their printed photo)."""
    paths = sorted(
        glob.glob(os.path.join(liveness_dir(), "sequences", kind, "*.jpg")),
        key=lambda p: int("".join(c for c in os.path.basename(p) if c.isdigit()) or 0),
    )
    assert len(paths) >= 20, "expected the 30-frame sequence of %s" % kind
    result = []
    for path in paths:
        with open(path, "rb") as handle:
            result.append(handle.read())
    return result


def enrolment_frames():
    """Real frames of subject 0001 that are not in the sequences: enrol with other pictures than the test's."""
    paths = sorted(glob.glob(os.path.join(liveness_dir(), "real", "0001", "*.jpg")))
    result = []
    for path in paths[:: max(1, len(paths) // 4)][:4]:
        with open(path, "rb") as handle:
            result.append(base64.b64encode(handle.read()))
    return result


class KioskCase(HttpCase):
    def setUp(self):
        super().setUp()
        config = self.env["face.attendance.config"]
        config.set("auto_mark", True)
        config.set("liveness_model_dir", models_dir())
        self.subject = self.env["hr.employee"].create(
            {"name": "Kiosk Subject", "person_ref": "KIOSK-0001", "tz": "Europe/Brussels", "pin": "4321"}
        )
        for image in enrolment_frames():
            self.env["face.template"].create({"employee_id": self.subject.id, "image": image})
        self.kiosk = self.env["face.kiosk"].create(
            {"name": "Front door", "direction": "toggle", "liveness_required": True, "pin_fallback": True}
        )
        # The tablet's secret per kiosk token: requests (url_open) keep a Secure cookie but never send
        # it over http://127.0.0.1, so the tests send it themselves.
        self.device_secrets = {}
        self.pair()

    def token(self, kiosk=None):
        return (kiosk or self.kiosk).sudo().kiosk_token

    def pairing_code(self, kiosk=None):
        """The one-time code a manager reads on the kiosk's form."""
        action = (kiosk or self.kiosk).action_pairing_code()
        self.assertEqual(action["tag"], "display_notification")
        return re.search(r"\b(\d{8})\b", str(action["params"]["message"])).group(1)

    def pair(self, kiosk=None, code=None):
        """Pairs a tablet with the kiosk as its page does; answers the response."""
        token = self.token(kiosk)
        response = self.url_open(
            "/face_attendance/kiosk/pair",
            data=json.dumps({"code": code or self.pairing_code(kiosk)}),
            headers={"Content-Type": "application/json", "X-Face-Kiosk-Token": token},
        )
        if response.status_code == 200:
            self.device_secrets[token] = response.cookies[DEVICE_COOKIE]
        return response

    def use_device(self, device):
        """The tablet's secret as a plain cookie of the test client (whose Secure copy http:// never sends)."""
        jar = self.opener.cookies
        for cookie in [c for c in jar if c.name == DEVICE_COOKIE]:
            jar.clear(cookie.domain, cookie.path, cookie.name)
        if device:
            jar.set(DEVICE_COOKIE, device, path="/face_attendance/kiosk/")

    def requests_allowed(self):
        """Odoo 19 lets a test's raw HTTP requests in within allow_requests(); Odoo 18 by releasing its lock."""
        return self.allow_requests() if hasattr(self, "allow_requests") else release_test_lock()

    def post(self, path, body, token=None, raw=None, device=None):
        token = token or self.token()
        headers = {"Content-Type": "application/json", "X-Face-Kiosk-Token": token}
        self.use_device(self.device_secrets.get(token) if device is None else device)
        response = self.url_open(
            "/face_attendance/kiosk/%s" % path, data=raw if raw is not None else json.dumps(body), headers=headers
        )
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, {}

    def play(self, images, token=None):
        """Send frames in order until the kiosk decides; every answer is returned."""
        answers = []
        for image in images:
            status, answer = self.post("frame", {"image": base64.b64encode(image).decode()}, token)
            self.assertEqual(status, 200, answer)
            answers.append(answer)
            if answer["state"] not in ("checking", "no_face"):
                break
        return answers

    def events(self):
        return self.env["face.recognition.event"].search([("camera_id", "=", self.kiosk.camera_id.id)])


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_kiosk")
class TestFaceKiosk(KioskCase):
    def test_live_person_is_checked_in_then_out_with_photo_evidence(self):
        answers = self.play(frames("real"))
        final = answers[-1]
        self.assertEqual(final["state"], "checked_in", answers)
        self.assertEqual(final["name"], "Kiosk Subject")
        self.assertIn("Kiosk Subject", final["message"])
        self.assertRegex(final["time"], r"^\d\d:\d\d$")
        self.assertGreaterEqual(len(answers), 3, "one frame must not decide: K of M frames")
        attendance = self.env["hr.attendance"].search([("employee_id", "=", self.subject.id)])
        self.assertEqual(len(attendance), 1)
        self.assertFalse(attendance.check_out)
        event = attendance.face_in_event_id
        self.assertEqual(attendance.in_mode, "face")
        self.assertEqual(event.camera_id, self.kiosk.camera_id)
        self.assertEqual(event.liveness, "live")
        self.assertGreaterEqual(event.liveness_score, 0.5)
        self.assertTrue(event.has_snapshot and event.snapshot, "the check-in keeps its photo evidence")
        self.assertEqual(event.source, "kiosk")
        # Frames are never stored except as the evidence of an event: one event, one snapshot.
        self.assertEqual(len(self.events()), 1)
        # The same person again within the duplicate window changes nothing.
        # (Sightings in the same second are ordered by event id: either may be the check-in.)
        again = self.play(frames("real")[10:])[-1]
        self.assertIn(again["state"], ("duplicate", "checked_in"), again)
        self.assertEqual(sorted(self.events().mapped("outcome")), ["checked_in", "duplicate"])
        self.assertEqual(self.env["hr.attendance"].search_count([("employee_id", "=", self.subject.id)]), 1)
        # Out of the duplicate window, the toggle kiosk checks the person out.
        with patch("odoo.fields.Datetime.now", return_value=attendance.check_in + timedelta(hours=4)):
            out = self.play(frames("real"))[-1]
        self.assertEqual(out["state"], "checked_out", out)
        self.assertIn("Goodbye", out["message"])
        self.assertEqual(attendance.check_out, attendance.check_in + timedelta(hours=4))
        self.assertTrue(attendance.face_out_event_id.snapshot)

    def test_printed_photo_is_refused_recorded_and_reported_once(self):
        answers = self.play(frames("attack"))
        self.assertEqual(answers[-1]["state"], "spoof", answers)
        self.assertFalse(any(a["state"] in ("checked_in", "checked_out") for a in answers))
        self.assertFalse(self.env["hr.attendance"].search([("employee_id", "=", self.subject.id)]))
        spoof = self.events()
        self.assertEqual(spoof.mapped("outcome"), ["spoof"])
        self.assertEqual(spoof.liveness, "spoof")
        self.assertLess(spoof.liveness_score, 0.5)
        self.assertTrue(spoof.snapshot, "the attempt keeps its snapshot")
        self.assertFalse(spoof.attendance_id)
        # The managers' message is the notice cron's, triggered by the frame: the answer did not wait for it.
        notices = self.env.ref("face_attendance.ir_cron_kiosk_spoof_notices")
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", notices.id)]), "the notice cron is due now"
        )
        self.assertFalse(self.kiosk.message_ids.filtered(lambda m: "Spoof attempt" in (m.body or "")))
        # The log line is the frame's own: it keeps the tablet's address.
        logged = self.env["face.system.log"].search(
            [("action", "=", "kiosk.spoof"), ("object_ref", "=", "face.kiosk,%d" % self.kiosk.id)]
        )
        self.assertEqual(len(logged), 1)
        self.assertTrue(logged.address)
        self.assertEqual(self.env["face.kiosk"]._cron_post_spoof_notices(), 1)
        self.assertEqual(self.env["face.kiosk"]._cron_post_spoof_notices(), 0, "each notice is posted once")
        alerts = self.kiosk.message_ids.filtered(lambda m: "Spoof attempt" in (m.body or ""))
        self.assertEqual(len(alerts), 1)
        self.assertIn(spoof.event_uid, alerts.body, "the message names the event holding the snapshot")
        managers = group_users(self.env.ref("face_attendance.group_face_attendance_manager").sudo())
        self.assertTrue(alerts.partner_ids & managers.partner_id)
        # Repeats within the alert minutes are counted on the kiosk's alert: no new event, snapshot or message.
        for _burst in range(3):
            self.assertEqual(self.play(frames("attack")[5:])[-1]["state"], "spoof")
        self.assertEqual(self.events(), spoof, "a flood of photos stores one event and one snapshot")
        self.env["face.kiosk"]._cron_post_spoof_notices()
        alerts = self.kiosk.message_ids.filtered(lambda m: "Spoof attempt" in (m.body or ""))
        self.assertEqual(len(alerts), 1, "at most one alert per kiosk every few minutes")
        alert = self.env["face.alert"].search(
            [("alert_type", "=", "spoof_attempt"), ("dedup_key", "=", "kiosk:%d" % self.kiosk.id)]
        )
        self.assertEqual(alert.occurrences, 4)
        self.assertEqual(alert.event_id, spoof, "the alert keeps the burst's first event")
        # Once the burst's minutes are over, the next attempt is recorded again.
        with patch("odoo.fields.Datetime.now", return_value=spoof.create_date + timedelta(minutes=6)):
            self.assertEqual(self.play(frames("attack"))[-1]["state"], "spoof")
        self.assertEqual(len(self.events()), 2)

    def test_without_the_models_a_liveness_kiosk_marks_nothing(self):
        self.assertFalse(self.kiosk.liveness_problem)
        self.env["face.attendance.config"].set("liveness_model_dir", "/nonexistent/liveness-models")
        self.kiosk.invalidate_recordset(["liveness_problem"])
        self.assertIn("/nonexistent/liveness-models", self.kiosk.liveness_problem, "the form says why")
        status, answer = self.post("frame", {"image": base64.b64encode(frames("real")[0]).decode()})
        self.assertEqual(status, 200)
        self.assertEqual(answer["state"], "unavailable")
        self.assertTrue(answer["pin"], "the PIN pad is offered instead")
        self.assertFalse(self.events())
        # A kiosk that does not require liveness still recognises people without the models.
        self.kiosk.liveness_required = False
        self.assertEqual(self.play(frames("real"))[-1]["state"], "checked_in")
        self.assertFalse(self.events().liveness)

    def test_pin_fallback(self):
        status, answer = self.post("pin", {"person_id": "KIOSK-0001", "pin": "0000"})
        self.assertEqual((status, answer["state"]), (200, "wrong_pin"))
        status, answer = self.post("pin", {"person_id": "NOBODY", "pin": "4321"})
        self.assertEqual(answer["state"], "wrong_pin")
        image = base64.b64encode(frames("real")[0]).decode()
        status, answer = self.post("pin", {"person_id": "KIOSK-0001", "pin": "4321", "image": image})
        self.assertEqual((status, answer["state"]), (200, "checked_in"), answer)
        event = self.events()
        self.assertEqual((event.source, event.employee_id), ("kiosk_pin", self.subject))
        self.assertTrue(event.snapshot)
        self.assertEqual(event.attendance_id.in_mode, "kiosk", "a PIN is Odoo's kiosk mode, not a face")
        for _attempt in range(5):
            self.post("pin", {"person_id": "KIOSK-0001", "pin": "9999"})
        status, answer = self.post("pin", {"person_id": "KIOSK-0001", "pin": "4321"})
        self.assertEqual((status, answer["code"]), (429, "RATE_LIMITED"), "wrong PINs are throttled")
        self.kiosk.pin_fallback = False
        status, answer = self.post("pin", {"person_id": "KIOSK-0001", "pin": "4321"})
        self.assertEqual((status, answer["code"]), (403, "PIN_DISABLED"))

    def test_regenerated_token_is_refused_everywhere(self):
        old = self.token()
        self.assertEqual(self.url_open("/face_attendance/kiosk/%s" % old).status_code, 200)
        self.kiosk.action_regenerate_token()
        new = self.token()
        self.assertNotEqual(old, new)
        self.assertEqual(self.url_open("/face_attendance/kiosk/%s" % old).status_code, 404)
        image = base64.b64encode(frames("real")[0]).decode()
        self.assertEqual(self.post("frame", {"image": image}, token=old)[0], 404)
        self.assertEqual(self.post("pin", {"person_id": "KIOSK-0001", "pin": "4321"}, token=old)[0], 404)
        page = self.url_open("/face_attendance/kiosk/%s" % new)
        self.assertEqual(page.status_code, 200)
        self.assertIn("no-store", page.headers.get("Cache-Control", ""))
        # Regenerating the URL unpaired the tablet: it must be paired again.
        self.assertFalse(self.kiosk.device_ids)
        status, answer = self.post("frame", {"image": image}, token=new, device=self.device_secrets[old])
        self.assertEqual((status, answer["code"]), (401, "NOT_PAIRED"))
        self.assertEqual(self.pair().status_code, 200)
        self.assertEqual(self.post("frame", {"image": image}, token=new)[0], 200)
        # An archived kiosk's URL is dead too.
        self.kiosk.active = False
        self.assertEqual(self.url_open("/face_attendance/kiosk/%s" % new).status_code, 404)

    def test_bad_input_gets_a_clear_error(self):
        self.assertEqual(self.post("frame", None, raw="not json")[0], 400)
        self.assertEqual(self.post("frame", {"image": "%%%"})[0], 400)
        status, answer = self.post("frame", {"image": base64.b64encode(b"hello, this is no picture").decode()})
        self.assertEqual((status, answer["code"]), (422, "NOT_AN_IMAGE"))
        status, _answer = self.post("frame", None, raw=json.dumps({"image": "A" * (4 * 1024 * 1024)}))
        self.assertEqual(status, 413)
        self.assertEqual(self.post("frame", [1, 2])[0], 400)

    def test_a_replayed_picture_never_decides(self):
        image = base64.b64encode(frames("real")[0]).decode()
        answers = [self.post("frame", {"image": image})[1]["state"] for _i in range(8)]
        self.assertEqual(set(answers), {"checking"})
        self.assertFalse(self.events())
        # The same picture with other bytes (a byte after the JPEG's end, a comment segment) is the
        # same picture.
        data = frames("real")[0]
        variants = [data + bytes([n]) * (n + 1) for n in range(4)]
        variants += [data[:2] + b"\xff\xfe\x00\x07note" + bytes([n]) + data[2:] for n in range(4)]
        self.assertEqual(len(set(variants)), 8)
        answers = [self.post("frame", {"image": base64.b64encode(v).decode()})[1]["state"] for v in variants]
        self.assertEqual(set(answers), {"checking"}, answers)
        self.assertFalse(self.events())

    def test_the_token_is_not_in_the_path(self):
        image = base64.b64encode(frames("real")[0]).decode()
        response = self.url_open("/face_attendance/kiosk/%s/frame" % self.token(), data=json.dumps({"image": image}))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.post("frame", {"image": image}, token="x" * 43)[0], 404)

    def test_wrong_pins_lock_a_person_across_kiosks_for_a_while(self):
        clock = [1_800_000_000.0]
        other = self.env["face.kiosk"].create({"name": "Side door", "pin_fallback": True})
        self.pair(other)
        with patch("odoo.addons.face_attendance.models.face_kiosk._seconds", side_effect=lambda: clock[0]):
            for kiosk in (self.kiosk, self.kiosk, self.kiosk, other, other):
                status, answer = self.post("pin", {"person_id": "KIOSK-0001", "pin": "0000"}, token=self.token(kiosk))
                self.assertEqual(answer["state"], "wrong_pin")
            for kiosk in (self.kiosk, other):
                status, answer = self.post("pin", {"person_id": "KIOSK-0001", "pin": "4321"}, token=self.token(kiosk))
                self.assertEqual((status, answer["code"]), (429, "RATE_LIMITED"))
            # A minute later the kiosks take PINs again, but not this person's yet.
            clock[0] += 120
            self.env["hr.employee"].create({"name": "Other Person", "person_ref": "KIOSK-0002", "pin": "1111"})
            status, answer = self.post("pin", {"person_id": "KIOSK-0002", "pin": "1111"})
            self.assertEqual(answer["state"], "checked_in", answer)
            self.assertEqual(self.post("pin", {"person_id": "KIOSK-0001", "pin": "4321"})[0], 429)
            clock[0] += 900
            self.assertEqual(self.post("pin", {"person_id": "KIOSK-0001", "pin": "4321"})[1]["state"], "checked_in")

    def test_frames_are_rate_limited_per_kiosk(self):
        self.env["face.attendance.config"].set("kiosk_frames_per_minute", 10)
        image = base64.b64encode(frames("real")[0]).decode()
        statuses = [self.post("frame", {"image": image})[0] for _i in range(12)]
        self.assertEqual(statuses[:10], [200] * 10)
        self.assertEqual(statuses[10:], [429, 429])
        other = self.env["face.kiosk"].create({"name": "Back door"})
        self.pair(other)
        self.assertEqual(self.post("frame", {"image": image}, token=self.token(other))[0], 200)

    def test_a_few_pictures_replayed_in_turn_never_decide(self):
        # Not only the previous frame: A, B, A, B, ... counts as two frames.
        pictures = [base64.b64encode(data).decode() for data in frames("real")[:2]]
        answers = [self.post("frame", {"image": pictures[i % 2]})[1]["state"] for i in range(10)]
        self.assertEqual(set(answers), {"checking"}, answers)
        self.assertFalse(self.events())

    def test_a_pin_photo_has_the_frame_bounds(self):
        import cv2
        import numpy

        # A poster-sized picture (a few kilobytes of PNG) is never decoded for a PIN's evidence.
        poster = cv2.imencode(".png", numpy.full((1500, 2400, 3), 128, numpy.uint8))[1].tobytes()
        status, answer = self.post(
            "pin", {"person_id": "KIOSK-0001", "pin": "4321", "image": base64.b64encode(poster).decode()}
        )
        self.assertEqual((status, answer["state"]), (200, "checked_in"), answer)
        self.assertFalse(self.events().snapshot, "the PIN is taken, the oversized picture is not")


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_security")
class TestFaceKioskHostileInput(KioskCase):
    def test_pin_pad_tells_nothing_about_who_exists(self):
        clock = [1_800_000_000.0]
        with patch("odoo.addons.face_attendance.models.face_kiosk._seconds", side_effect=lambda: clock[0]):
            known = self.post("pin", {"person_id": "KIOSK-0001", "pin": "0000"})
            unknown = self.post("pin", {"person_id": "NOBODY-42", "pin": "0000"})
            self.assertEqual(known, unknown)
            self.assertEqual(known[1]["state"], "wrong_pin")
            # The lock after five failures holds for unknown IDs exactly as for existing ones.
            for person_id in ("KIOSK-0001", "NOBODY-42"):
                clock[0] += 60
                answers = []
                for _attempt in range(5):
                    clock[0] += 13  # under the kiosk's per-minute limit: the per-ID limit decides
                    answers.append(self.post("pin", {"person_id": person_id, "pin": "9999"}))
                with self.subTest(person_id=person_id):
                    self.assertEqual([a[0] for a in answers], [200, 200, 200, 200, 429])
                    self.assertEqual(answers[-1][1]["code"], "RATE_LIMITED")
            self.assertEqual(
                self.post("pin", {"person_id": "KIOSK-0001", "pin": "4321"}),
                self.post("pin", {"person_id": "NOBODY-42", "pin": "4321"}),
            )

    def test_a_pin_of_digits_only_and_refusals_count(self):
        for pin in ("12a4", "٤٣٢١", "4321 OR 1=1", "", 4321, None, ["4321"], "9" * 40):
            with self.subTest(pin=pin):
                status, answer = self.post("pin", {"person_id": "KIOSK-0001", "pin": pin})
                if status == 429:
                    break
                self.assertEqual((status, answer.get("code")), (400, "BAD_REQUEST"), answer)
        # Those refusals were failures: the right PIN is locked now (kiosk and person ID alike).
        status, answer = self.post("pin", {"person_id": "KIOSK-0001", "pin": "4321"})
        self.assertEqual((status, answer["code"]), (429, "RATE_LIMITED"))
        self.assertFalse(self.events())

    def test_deeply_nested_json_is_a_clean_400(self):
        self.use_device(self.device_secrets[self.token()])
        for body in ("[" * 100000, '{"image": ' + "[" * 100000):
            response = self.url_open(
                "/face_attendance/kiosk/frame",
                data=body,
                headers={"Content-Type": "application/json", "X-Face-Kiosk-Token": self.token()},
            )
            self.assertEqual(response.status_code, 400)
            self.assertEqual(response.json()["code"], "BAD_REQUEST")

    def test_a_chunked_flood_is_refused_without_being_read(self):
        # 40 MB announced by no Content-Length. The last chunk is never sent: a server that reads the
        # whole body before its 413 waits for it and the test times out.
        url = urlparse(self.base_url())
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        self.addCleanup(connection.close)
        connection.putrequest("POST", "/face_attendance/kiosk/frame")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Transfer-Encoding", "chunked")
        connection.putheader("X-Face-Kiosk-Token", self.token())
        chunk = b"A" * 65536
        with self.requests_allowed():
            connection.putheader(
                "Cookie",
                "%s=%s; %s=%s"
                % (TEST_CURSOR_COOKIE_NAME, self.http_request_key, DEVICE_COOKIE, self.device_secrets[self.token()]),
            )
            connection.endheaders()
            try:
                for _i in range(40 * 16):
                    connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError as error:
                # The server answered and closed while the flood was being sent: its answer counts.
                _logger.info("The kiosk closed the flood early: %s", error)
            response = connection.getresponse()
            status, body = response.status, response.read()
        self.assertEqual(status, 413, body[:300])
        self.assertEqual(json.loads(body)["code"], "PAYLOAD_TOO_LARGE")

    def test_the_page_and_its_answers_cannot_be_framed(self):
        page = self.url_open("/face_attendance/kiosk/%s" % self.token())
        self.assertEqual(page.status_code, 200)
        csp = page.headers.get("Content-Security-Policy", "")
        for directive in ("default-src 'none'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"):
            self.assertIn(directive, csp)
        self.assertNotIn("unsafe-inline", csp.split("script-src", 1)[1].split(";")[0], "no inline script runs")
        self.assertEqual(page.headers.get("X-Frame-Options"), "DENY")
        # No inline script at all (the settings are JSON data): the policy needs no exception for it.
        inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page.text)
        self.assertEqual(inline, [])
        for path, body in (("frame", {"image": "%%%"}), ("pin", {"person_id": "X", "pin": "1"}), ("pair", {})):
            response = self.url_open(
                "/face_attendance/kiosk/%s" % path,
                data=json.dumps(body),
                headers={"Content-Type": "application/json", "X-Face-Kiosk-Token": self.token()},
            )
            with self.subTest(path=path):
                self.assertIn("frame-ancestors 'none'", response.headers.get("Content-Security-Policy", ""))
                self.assertEqual(response.headers.get("X-Frame-Options"), "DENY")


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_security")
class TestFaceKioskPairing(KioskCase):
    def test_frames_and_pins_need_a_paired_tablet(self):
        image = base64.b64encode(frames("real")[0]).decode()
        other = self.env["face.kiosk"].create({"name": "Side door", "pin_fallback": True})
        self.pair(other)
        for device in ("", "x" * 43, self.device_secrets[self.token(other)]):
            for path, body in (("frame", {"image": image}), ("pin", {"person_id": "KIOSK-0001", "pin": "4321"})):
                with self.subTest(path=path, device=device[:4]):
                    status, answer = self.post(path, body, device=device)
                    self.assertEqual((status, answer["code"]), (401, "NOT_PAIRED"))
        self.assertFalse(self.events())
        self.assertEqual(self.post("frame", {"image": image})[0], 200)
        # The page itself opens on the pairing screen for an unpaired browser.
        self.use_device("")
        page = self.url_open("/face_attendance/kiosk/%s" % self.token())
        self.assertIn('"paired": false', page.text)

    def test_the_secret_cookie_and_what_is_kept(self):
        code = self.pairing_code()
        self.assertNotIn(code, str(self.kiosk.sudo().read(["pairing_code_hash"])))
        response = self.pair(code=code)
        self.assertEqual(response.status_code, 200)
        cookie = response.headers["Set-Cookie"]
        self.assertIn("%s=" % DEVICE_COOKIE, cookie)
        for attribute in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/face_attendance/kiosk/"):
            self.assertIn(attribute, cookie)
        secret = response.cookies[DEVICE_COOKIE]
        devices = self.kiosk.device_ids
        self.assertEqual(len(devices), 2)
        self.assertNotIn(secret, str(devices.sudo().read(["secret_hash", "name"])), "only a hash is kept")
        # The code works once.
        self.assertEqual(self.pair(code=code).status_code, 403)

    def test_codes_expire_and_are_tried_a_few_times_only(self):
        code = self.pairing_code()
        wrong = "%08d" % ((int(code) + 1) % 10**8)
        statuses = [self.pair(code=wrong).status_code for _i in range(5)]
        self.assertEqual(statuses, [403] * 5)
        self.assertEqual(self.pair(code=code).status_code, 429, "the right code after five wrong ones")
        code = self.pairing_code()
        # By the clock the check reads (the transaction's now() may be minutes old), written through the
        # ORM (a raw UPDATE could be overwritten by the pending write of the code).
        self.kiosk.sudo().write({"pairing_code_expires_at": fields.Datetime.now() - timedelta(minutes=1)})
        self.env.flush_all()
        self.assertEqual(self.pair(code=code).status_code, 403, "an expired code")
        # A code of another kiosk pairs nothing here.
        other = self.env["face.kiosk"].create({"name": "Side door"})
        self.assertEqual(self.pair(code=self.pairing_code(other)).status_code, 403)

    def test_managers_see_and_unpair_tablets(self):
        device = self.kiosk.device_ids
        self.assertEqual(len(device), 1)
        self.assertTrue(device.last_used_at)
        manager = new_test_user(
            self.env, login="kiosk_pair_manager", groups="base.group_user,face_attendance.group_face_attendance_manager"
        )
        fa_user = new_test_user(
            self.env, login="kiosk_pair_user", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        for call in (
            lambda: self.kiosk.with_user(fa_user).action_pairing_code(),
            lambda: device.with_user(fa_user).action_unpair(),
            lambda: device.with_user(fa_user).read(["name"]),
        ):
            with self.assertRaises(Exception) as refused:
                call()
            self.assertEqual(type(refused.exception).__name__, "AccessError")
        self.assertEqual(device.with_user(manager).read(["name"])[0]["name"], device.name)
        device.with_user(manager).action_unpair()
        self.assertFalse(self.kiosk.device_ids)
        image = base64.b64encode(frames("real")[0]).decode()
        self.assertEqual(self.post("frame", {"image": image})[0], 401)


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_security")
class TestFaceKioskAccess(KioskCase):
    def test_only_managers_set_up_kiosks_and_see_their_url(self):
        users = {
            "portal": new_test_user(self.env, login="kiosk_portal", groups="base.group_portal"),
            "employee": new_test_user(self.env, login="kiosk_employee", groups="base.group_user"),
            "fa_user": new_test_user(
                self.env, login="kiosk_fa_user", groups="base.group_user,face_attendance.group_face_attendance_user"
            ),
        }
        for name, user in users.items():
            env = self.env(user=user)
            with self.subTest(user=name):
                for call in (
                    lambda env=env: env["face.kiosk"].create({"name": "Mine"}),
                    lambda env=env: env["face.kiosk"].browse(self.kiosk.id).action_regenerate_token(),
                    lambda env=env: env["face.kiosk"].browse(self.kiosk.id).write({"liveness_required": False}),
                    lambda env=env: env["face.kiosk"].browse(self.kiosk.id).read(["kiosk_token"]),
                    lambda env=env: env["face.kiosk"].browse(self.kiosk.id).read(["kiosk_url"]),
                ):
                    with self.assertRaises(Exception) as refused:
                        call()
                    self.assertEqual(type(refused.exception).__name__, "AccessError", refused.exception)
        self.assertTrue(self.kiosk.liveness_required)

    def test_a_device_cannot_regenerate_over_xmlrpc_with_a_hostile_context(self):
        new_test_user(
            self.env,
            login="kiosk_device",
            password="kiosk_device_pw",
            groups="face_attendance.group_face_attendance_device",
        )
        old = self.token()
        models = self.xmlrpc_object
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, "kiosk_device", "kiosk_device_pw", {})
        for method, args in (
            ("action_regenerate_token", [[self.kiosk.id]]),
            ("_process_pin", [[self.kiosk.id], "x", "y"]),
        ):
            with self.assertRaises(Fault):
                models.execute_kw(
                    self.env.cr.dbname, uid, "kiosk_device_pw", "face.kiosk", method, args, {"context": {"su": True}}
                )
        self.assertEqual(self.token(), old)

    def test_a_manager_cannot_move_a_kiosk_or_take_a_camera(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        manager_b = new_test_user(
            self.env,
            login="kiosk_manager_b",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        env_b = self.env(user=manager_b, context={"allowed_company_ids": other.ids})
        theirs = env_b["face.kiosk"].create({"name": "B door", "company_id": other.id})
        camera_a = self.env["face.camera"].create({"name": "A cam", "source_type": "rtsp", "source": "rtsp://a/1"})
        for vals in (
            {"company_id": self.env.company.id},
            {"camera_id": camera_a.id},
            {"kiosk_token": "a" * 24},
            {"last_spoof_alert_at": "2099-01-01 00:00:00"},
        ):
            with self.subTest(vals=vals), self.assertRaises(Exception) as refused:
                theirs.write(vals)
            self.assertEqual(type(refused.exception).__name__, "AccessError")
        with self.assertRaises(Exception) as refused:
            env_b["face.kiosk"].create({"name": "Into A", "company_id": self.env.company.id})
        self.assertEqual(type(refused.exception).__name__, "AccessError")
        theirs.name = "B door 2"
        self.assertEqual(camera_a.source, "rtsp://a/1")
        self.assertEqual(theirs.sudo().camera_id.company_id, other)

    def test_the_page_cannot_be_broken_out_of(self):
        self.kiosk.name = '</script><script>alert("kiosk")</script><!--'
        page = self.url_open("/face_attendance/kiosk/%s" % self.token()).text
        self.assertNotIn('<script>alert("kiosk")', page)

    def test_the_token_grants_nothing_else(self):
        token = self.token()
        for url in ("/api/v1/persons", "/api/v1/attendance"):
            response = self.url_open(url, headers={"Authorization": "Bearer %s" % token})
            self.assertEqual(response.status_code, 401, url)
        backend = self.url_open("/odoo/action-face_attendance.face_kiosk_action", headers={"Authorization": token})
        self.assertNotIn("Front door", backend.text)
        # The page itself names the kiosk and its company, and no person.
        page = self.url_open("/face_attendance/kiosk/%s" % token).text
        self.assertIn("Front door", page)
        self.assertNotIn("Kiosk Subject", page)
        self.assertNotIn("KIOSK-0001", page)


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_tours")
class TestFaceKioskBrowser(KioskCase):
    """The kiosk page in headless Chromium, its fake camera playing the real NUAA sequence as y4m."""

    def y4m(self, kind):
        import cv2
        import numpy

        path = os.path.join(self.tmp_dir(), "%s.y4m" % kind)
        with open(path, "wb") as handle:
            handle.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
            for data in frames(kind):
                frame = cv2.imdecode(numpy.frombuffer(data, numpy.uint8), cv2.IMREAD_COLOR)
                frame = cv2.resize(frame, (640, 480))
                handle.write(b"FRAME\n" + cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
        return path

    def tmp_dir(self):
        import shutil
        import tempfile

        path = tempfile.mkdtemp(prefix="fa_kiosk_")
        self.addCleanup(lambda: shutil.rmtree(path, ignore_errors=True))
        return path

    def run_kiosk(self, kind, expect_class):
        video = self.y4m(kind)
        # A fresh browser sees the pairing screen: it types the code a manager read on the kiosk's form
        # (the server sets the tablet's cookie), then waits for the server's decision on the page.
        code = """
            const deadline = Date.now() + 90000;
            const input = document.querySelector(".o_face_kiosk_pairing_code");
            if (!input || document.querySelector(".o_face_kiosk_result")) {
                console.error("a fresh browser must see the pairing screen: " + document.body.innerText);
            }
            input.value = "%(pairing)s";
            input.dispatchEvent(new Event("input", { bubbles: true }));
            document.querySelector(".o_face_kiosk_pair").click();
            (function poll() {
                const result = document.querySelector(".o_face_kiosk_result");
                if (result && result.classList.contains("%(cls)s")) {
                    console.log("kiosk shows: " + result.innerText.replace(/\\s+/g, " "));
                    console.log("test successful");
                } else if (result && !result.classList.contains("o_face_kiosk_checking")) {
                    console.error("kiosk showed something else: " + result.className + " " + result.innerText);
                } else if (Date.now() > deadline) {
                    console.error("no decision shown: " + document.body.innerText);
                } else {
                    setTimeout(poll, 200);
                }
            })();
        """ % {"cls": expect_class, "pairing": self.pairing_code()}
        paired = self.kiosk.device_ids
        with fake_camera(video):
            self.browser_js(
                "/face_attendance/kiosk/%s" % self.token(),
                code,
                ready="!!document.querySelector('.o_face_kiosk_pairing_code')",
                timeout=120,
            )
        self.kiosk.invalidate_recordset(["device_ids"])
        self.assertEqual(len(self.kiosk.device_ids - paired), 1, "the browser paired itself")

    def test_kiosk_greets_a_live_person(self):
        self.run_kiosk("real", "o_face_kiosk_checked_in")
        attendance = self.env["hr.attendance"].search([("employee_id", "=", self.subject.id)])
        self.assertEqual(len(attendance), 1)
        self.assertEqual(attendance.face_in_event_id.liveness, "live")
        self.assertTrue(attendance.face_in_event_id.snapshot)

    def test_kiosk_refuses_a_printed_photo(self):
        self.run_kiosk("attack", "o_face_kiosk_spoof")
        self.assertFalse(self.env["hr.attendance"].search([("employee_id", "=", self.subject.id)]))
        self.assertEqual(self.events().mapped("outcome"), ["spoof"])
