"""The face kiosk over real HTTP, on real webcam frames and printed-photo attacks (NUAA, ../shared)."""

import base64
import glob
import json
import os
from datetime import timedelta
from unittest.mock import patch
from xmlrpc.client import Fault

from odoo.tests import HttpCase, tagged
from odoo.tests.common import new_test_user

from ..models.odoo_compat import group_users
from .common import faces_dir, fake_camera


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

    def token(self, kiosk=None):
        return (kiosk or self.kiosk).sudo().kiosk_token

    def post(self, path, body, token=None, raw=None):
        response = self.url_open(
            "/face_attendance/kiosk/%s" % path,
            data=raw if raw is not None else json.dumps(body),
            headers={"Content-Type": "application/json", "X-Face-Kiosk-Token": token or self.token()},
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
        alerts = self.kiosk.message_ids.filtered(lambda m: "Spoof attempt" in (m.body or ""))
        self.assertEqual(len(alerts), 1)
        managers = group_users(self.env.ref("face_attendance.group_face_attendance_manager").sudo())
        self.assertTrue(alerts.partner_ids & managers.partner_id)
        # A second attempt minutes later: recorded, but no second alert within the configured minutes.
        second = self.play(frames("attack")[5:])
        self.assertEqual(second[-1]["state"], "spoof")
        self.assertEqual(len(self.events()), 2)
        alerts = self.kiosk.message_ids.filtered(lambda m: "Spoof attempt" in (m.body or ""))
        self.assertEqual(len(alerts), 1, "at most one alert per kiosk every few minutes")

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

    def test_the_token_is_not_in_the_path(self):
        image = base64.b64encode(frames("real")[0]).decode()
        response = self.url_open("/face_attendance/kiosk/%s/frame" % self.token(), data=json.dumps({"image": image}))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.post("frame", {"image": image}, token="x" * 43)[0], 404)

    def test_wrong_pins_lock_a_person_across_kiosks_for_a_while(self):
        clock = [1_800_000_000.0]
        other = self.env["face.kiosk"].create({"name": "Side door", "pin_fallback": True})
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
        self.assertEqual(self.post("frame", {"image": image}, token=self.token(other))[0], 200)


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
        # Waits for the server's decision on the page, then reports what the tablet shows.
        code = """
            const deadline = Date.now() + 90000;
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
        """ % {"cls": expect_class}
        with fake_camera(video):
            self.browser_js(
                "/face_attendance/kiosk/%s" % self.token(),
                code,
                ready="!!document.querySelector('.o_face_kiosk_video')",
                timeout=120,
            )

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
