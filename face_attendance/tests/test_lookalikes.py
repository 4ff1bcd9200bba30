"""Look-alikes: persons the encoder can hardly tell apart are flagged on both sides, and the kiosk asks
them for their PIN as well (real photos: the same person's pictures split between two employees)."""

import base64
import glob
import json
import os
from unittest.mock import patch

import numpy as np

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from face_attendance_daemon.engine import Gallery

from . import test_face_kiosk
from .common import face_b64, fake_camera
from .test_face_kiosk import KioskCase, frames, liveness_dir


def twin_frames():
    """Frames of the kiosk's subject other than its enrolment's: a second employee with the same face."""
    paths = sorted(glob.glob(os.path.join(liveness_dir(), "real", "0001", "*.jpg")))
    result = []
    for path in paths[3 :: max(1, len(paths) // 4)][:4]:
        with open(path, "rb") as handle:
            result.append(base64.b64encode(handle.read()))
    return result


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_lookalikes")
class TestLookalikeFlags(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        config = cls.env["face.attendance.config"]
        # Between the same person's two halves (about 0.12 apart with SFace) and two persons (0.85 and more).
        config.set("lookalike_distance", 0.3)
        Employee = cls.env["hr.employee"]
        cls.brody_a = Employee.create({"name": "Brody A", "person_ref": "LOOK-A"})
        cls.brody_b = Employee.create({"name": "Brody B", "person_ref": "LOOK-B"})
        cls.colin = Employee.create({"name": "Colin", "person_ref": "LOOK-C"})
        Template = cls.env["face.template"]
        for number in (1, 2, 3):
            Template.create({"employee_id": cls.brody_a.id, "image": face_b64("Adrien_Brody", number)})
        cls.b_templates = Template.browse()
        for number in (4, 5, 6):
            cls.b_templates |= Template.create(
                {"employee_id": cls.brody_b.id, "image": face_b64("Adrien_Brody", number)}
            )
        for number in (1, 2):
            Template.create({"employee_id": cls.colin.id, "image": face_b64("Colin_Farrell", number)})
        cls.other_company = cls.env["res.company"].create({"name": "Look-alike Company B"})
        cls.brody_elsewhere = Employee.create(
            {"name": "Brody Elsewhere", "person_ref": "LOOK-X", "company_id": cls.other_company.id}
        )
        Template.create({"employee_id": cls.brody_elsewhere.id, "image": face_b64("Adrien_Brody", 1)})
        cls.manager = new_test_user(
            cls.env,
            login="look_manager",
            groups="base.group_user,hr.group_hr_user,face_attendance.group_face_attendance_manager",
        )

    def recompute(self):
        self.env["face.lookalike"]._recompute()
        self.env.invalidate_all()

    def test_two_halves_of_one_face_are_flagged_both_ways_and_unflagged_when_a_template_goes(self):
        self.recompute()
        self.assertTrue(self.brody_a.face_is_lookalike)
        self.assertTrue(self.brody_b.face_is_lookalike)
        self.assertEqual(self.brody_a.face_lookalike_ids, self.brody_b)
        self.assertEqual(self.brody_b.face_lookalike_ids, self.brody_a)
        self.assertFalse(self.colin.face_is_lookalike, "another person is far from both")
        # Another company's person with the very same face is no look-alike of this company's.
        self.assertNotIn(self.brody_elsewhere, self.brody_a.face_lookalike_ids)
        self.assertFalse(self.brody_elsewhere.face_is_lookalike)
        # Archived templates count no more than deleted ones.
        self.b_templates[:2].active = False
        self.b_templates[2].unlink()
        self.recompute()
        self.assertFalse(self.brody_a.face_is_lookalike)
        self.assertFalse(self.brody_b.face_is_lookalike)
        self.assertFalse(self.brody_a.face_lookalike_ids | self.brody_b.face_lookalike_ids)

    def test_the_bound_is_the_setting(self):
        self.env["face.attendance.config"].set("lookalike_distance", 0.01)
        self.recompute()
        self.assertFalse(self.brody_a.face_is_lookalike, "0.01 is closer than the two halves are")
        # 0 is the encoder's own bound: two halves of one face are well within it.
        self.env["face.attendance.config"].set("lookalike_distance", 0.0)
        encoder = self.env["face.attendance.config"]._encoder()
        self.assertEqual(self.env["face.lookalike"]._bound(encoder), encoder.lookalike_distance)
        self.recompute()
        self.assertEqual(self.brody_a.face_lookalike_ids, self.brody_b)

    def test_the_hourly_cron_recomputes(self):
        cron = self.env.ref("face_attendance.ir_cron_recompute_lookalikes")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "hours"))
        # The cron's action in this test's transaction (19's method_direct_trigger runs it apart).
        cron.ir_actions_server_id.with_user(cron.user_id).run()
        self.env.invalidate_all()
        self.assertEqual(self.brody_b.face_lookalike_ids, self.brody_a)

    def test_a_manager_recomputes_their_companies_only(self):
        action = self.brody_a.with_user(self.manager).action_recompute_face_lookalikes()
        self.assertEqual(action["tag"], "display_notification")
        self.env.invalidate_all()
        self.assertEqual(self.brody_a.face_lookalike_ids, self.brody_b)
        # Company B's flags are not theirs to recompute: a stale flag there stays as it was.
        self.brody_elsewhere.sudo().write({"face_is_lookalike": True})
        self.brody_a.with_user(self.manager).action_recompute_face_lookalikes()
        self.env.invalidate_all()
        self.assertTrue(self.brody_elsewhere.face_is_lookalike)
        # The list shows the manager their own companies' look-alikes only.
        listed = self.env["hr.employee"].with_user(self.manager).search([("face_is_lookalike", "=", True)])
        self.assertLessEqual(self.brody_a | self.brody_b, listed)
        self.assertNotIn(self.brody_elsewhere, listed)

    def test_employees_and_portal_users_cannot_recompute_or_read_the_flags(self):
        self.recompute()
        employee_user = new_test_user(self.env, login="look_employee", groups="base.group_user,hr.group_hr_user")
        portal = new_test_user(self.env, login="look_portal", groups="base.group_portal")
        for user in (employee_user, portal):
            with self.assertRaises(AccessError):
                self.env["hr.employee"].with_user(user).action_recompute_face_lookalikes()
        # Who looks like whom is biometric knowledge: Face Attendance managers only.
        with self.assertRaises(AccessError):
            self.brody_a.with_user(employee_user).read(["face_lookalike_ids"])
        with self.assertRaises(AccessError):
            self.brody_a.with_user(employee_user).read(["face_is_lookalike"])

    def test_the_kiosk_finds_whom_the_cameras_margin_refused(self):
        encoder = self.env["face.attendance.config"]._encoder()
        rng = np.random.default_rng(25)

        def unit(vector):
            return (vector / np.linalg.norm(vector)).astype(np.float32)

        face = unit(rng.normal(size=encoder.dimension))
        twin = unit(face + 0.1 * unit(rng.normal(size=encoder.dimension)))
        gallery = Gallery(encoder)
        gallery.replace([(1, 10, face), (2, 20, twin)])
        gallery.set_lookalikes([10, 20], 0.5)
        query = unit(face + 0.05 * unit(rng.normal(size=encoder.dimension)))
        match = gallery.match(query)
        self.assertEqual((match.person_key, match.refusal), (None, "lookalike"))
        self.assertEqual(self.env["face.lookalike"]._refused_person(gallery, encoder, query, match.distance), 10)
        distances = self.env["face.lookalike"]._distances(gallery, encoder, query, [10, 20, 30])
        self.assertEqual(set(distances), {10, 20})
        self.assertLess(distances[10], distances[20])
        self.assertEqual(self.env["face.lookalike"]._nearby(gallery, encoder, 10), [20])

    def test_the_forms_show_the_banner_to_managers(self):
        self.recompute()
        arch = self.env["hr.employee"].with_user(self.manager).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("o_face_lookalike_banner", arch)
        self.assertIn("face_lookalike_ids", arch)


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_lookalikes")
class TestLookalikeKiosk(KioskCase):
    def setUp(self):
        super().setUp()
        # The same face under another employee: the kiosk cannot tell which of them stands there.
        self.twin = self.env["hr.employee"].create(
            {"name": "Kiosk Twin", "person_ref": "KIOSK-TWIN", "tz": "Europe/Brussels", "pin": "8765"}
        )
        for image in twin_frames():
            self.env["face.template"].create({"employee_id": self.twin.id, "image": image})
        self.pins = {self.subject.name: "4321", self.twin.name: "8765"}

    def ask(self):
        """Frames until the kiosk decides: it must ask the recognised look-alike for their PIN."""
        answer = self.play(frames("real"))[-1]
        self.assertEqual(answer["state"], "pin_required", answer)
        self.assertIn(answer["name"], self.pins)
        self.assertIn(answer["name"], answer["message"])
        self.assertFalse(self.env["hr.attendance"].search([("employee_id", "in", (self.subject | self.twin).ids)]))
        self.assertFalse(self.events(), "nothing is recorded before the PIN")
        return answer

    def test_a_look_alike_is_checked_in_only_with_the_pin(self):
        self.env["face.lookalike"]._recompute()
        self.assertTrue(self.subject.face_is_lookalike and self.twin.face_is_lookalike)
        self.kiosk.pin_fallback = False  # the confirmation does not need the PIN pad of strangers
        answer = self.ask()
        status, wrong = self.post("pin", {"person_id": "", "pin": "0000"})
        self.assertEqual((status, wrong["state"]), (200, "wrong_pin"), wrong)
        self.assertFalse(self.events())
        # The typed-ID PIN pad stays closed on this kiosk.
        self.assertEqual(self.post("pin", {"person_id": "KIOSK-0001", "pin": "4321"})[0], 403)
        # Either twin's own PIN tells which of them stands there.
        status, done = self.post("pin", {"person_id": "", "pin": self.pins[answer["name"]]})
        self.assertEqual((status, done["state"]), (200, "checked_in"), done)
        event = self.events()
        self.assertEqual(len(event), 1)
        self.assertEqual(event.employee_id.name, answer["name"])
        self.assertEqual(event.source, "kiosk")
        self.assertEqual(event.attendance_id.in_mode, "face")
        self.assertTrue(event.snapshot, "the face that was confirmed is the evidence")
        # Kiosk sightings carry what learning reads, as a daemon's do.
        self.assertTrue(event.sudo().face_vector)
        self.assertGreaterEqual(event.face_size, 48)
        self.assertGreater(event.face_sharpness, 0)
        self.assertGreaterEqual(event.track_frames, 3, "the live frames of the vote")
        # The confirmation is used once.
        status, again = self.post("pin", {"person_id": "", "pin": self.pins[answer["name"]]})
        self.assertEqual((status, again.get("code")), (403, "PIN_DISABLED"))

    def test_the_other_twin_confirms_with_their_own_pin(self):
        answer = self.ask()  # no recomputation: the kiosk sees the look-alike in its gallery at once
        other = (self.subject | self.twin).filtered(lambda e: e.name != answer["name"])
        status, done = self.post("pin", {"person_id": "", "pin": self.pins[other.name]})
        self.assertEqual((status, done["state"], done["name"]), (200, "checked_in", other.name), done)
        event = self.events()
        self.assertEqual(event.employee_id, other)
        # The face was taken for the recognised twin: it is no sighting of the other one to learn from.
        self.assertEqual(event.source, "kiosk_pin")
        self.assertFalse(event.sudo().face_vector)
        self.assertFalse(event.face_size or event.face_sharpness or event.face_frontal or event.track_frames)
        self.assertTrue(event.snapshot, "the face that stood there stays the evidence")
        self.assertEqual(event.attendance_id.in_mode, "kiosk")

    def test_the_recognised_twin_confirming_keeps_a_learnable_sighting(self):
        answer = self.ask()
        named = (self.subject | self.twin).filtered(lambda e: e.name == answer["name"])
        status, done = self.post("pin", {"person_id": "", "pin": self.pins[named.name]})
        self.assertEqual((status, done["state"], done["name"]), (200, "checked_in", named.name), done)
        event = self.events()
        self.assertEqual((event.employee_id, event.source), (named, "kiosk"))
        self.assertTrue(event.sudo().face_vector)
        self.assertGreaterEqual(event.track_frames, 3)

    def test_wrong_pins_count_against_the_limits(self):
        clock = [1_800_000_000.0]
        with patch("odoo.addons.face_attendance.models.face_kiosk._seconds", side_effect=lambda: clock[0]):
            answer = self.ask()
            named = (self.subject | self.twin).filtered(lambda e: e.name == answer["name"])
            for _attempt in range(5):
                status, wrong = self.post("pin", {"person_id": "", "pin": "0000"})
                self.assertEqual(wrong["state"], "wrong_pin")
            status, refused = self.post("pin", {"person_id": "", "pin": self.pins[named.name]})
            self.assertEqual((status, refused["code"]), (429, "RATE_LIMITED"))
            self.assertFalse(self.events())
            # A few minutes later the kiosk takes PINs again, but the person's own counter still holds
            # the confirmation's failures, typed by ID as well.
            clock[0] += 120
            self.assertEqual(self.post("pin", {"person_id": named.person_ref, "pin": self.pins[named.name]})[0], 429)
            # The guesses were tested against the other twin's PIN as well: their counter holds them too.
            other = (self.subject | self.twin) - named
            self.assertEqual(self.post("pin", {"person_id": other.person_ref, "pin": self.pins[other.name]})[0], 429)
            clock[0] += 900
            status, typed = self.post("pin", {"person_id": named.person_ref, "pin": self.pins[named.name]})
            self.assertEqual(typed["state"], "checked_in", typed)

    def test_a_look_alike_locked_out_by_id_cannot_be_confirmed_by_face(self):
        clock = [1_800_000_000.0]
        with patch("odoo.addons.face_attendance.models.face_kiosk._seconds", side_effect=lambda: clock[0]):
            # Somebody guessed the twin's PIN on the PIN pad until their ID was locked.
            for _attempt in range(5):
                status, wrong = self.post("pin", {"person_id": self.twin.person_ref, "pin": "0000"})
                self.assertEqual((status, wrong["state"]), (200, "wrong_pin"), wrong)
            clock[0] += 120  # the kiosk's minute is over; the twin's quarter of an hour is not
            answer = self.ask()
            # Any PIN at the confirmation is tested against the twin's as well: refused while they are locked.
            status, refused = self.post("pin", {"person_id": "", "pin": self.pins[answer["name"]]})
            self.assertEqual((status, refused["code"]), (429, "RATE_LIMITED"), refused)
            self.assertFalse(self.events())
            clock[0] += 900
            answer = self.ask()
            status, done = self.post("pin", {"person_id": "", "pin": self.pins[answer["name"]]})
            self.assertEqual((status, done["state"]), (200, "checked_in"), done)

    def test_the_confirmation_expires(self):
        clock = [1_800_000_000.0]
        with patch("odoo.addons.face_attendance.models.face_kiosk._seconds", side_effect=lambda: clock[0]):
            answer = self.ask()
            clock[0] += 61
            status, late = self.post("pin", {"person_id": "", "pin": self.pins[answer["name"]]})
        self.assertEqual((status, late["state"]), (200, "expired"), late)
        self.assertFalse(self.events())

    def test_a_look_alike_without_a_pin_is_told_and_not_marked(self):
        (self.subject | self.twin).write({"pin": False})
        answer = self.play(frames("real"))[-1]
        self.assertEqual(answer["state"], "no_pin", answer)
        self.assertIn("PIN", answer["message"])
        self.assertFalse(self.events())
        self.assertFalse(self.env["hr.attendance"].search([("employee_id", "in", (self.subject | self.twin).ids)]))
        # Nothing waits for a PIN: an empty person ID is the PIN pad's usual refusal.
        self.assertEqual(self.post("pin", {"person_id": "", "pin": "4321"})[0], 400)

    def test_somebody_who_looks_like_nobody_is_marked_as_before(self):
        self.twin.unlink()
        self.env["face.lookalike"]._recompute()
        self.assertFalse(self.subject.face_is_lookalike)
        answer = self.play(frames("real"))[-1]
        self.assertEqual(answer["state"], "checked_in", answer)
        event = self.events()
        self.assertEqual(event.employee_id, self.subject)
        self.assertTrue(event.sudo().face_vector)
        self.assertGreaterEqual(event.track_frames, 3)


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_lookalikes")
class TestLookalikeKioskBrowser(KioskCase):
    """The tablet's page in headless Chromium: a look-alike gets the PIN pad, without a person ID to type."""

    # The kiosk suite's fake camera (its class is not imported here: its tests would run twice).
    y4m = test_face_kiosk.TestFaceKioskBrowser.y4m
    tmp_dir = test_face_kiosk.TestFaceKioskBrowser.tmp_dir

    def test_the_tablet_asks_a_look_alike_for_their_pin(self):
        twin = self.env["hr.employee"].create({"name": "Kiosk Twin", "person_ref": "KIOSK-TWIN", "pin": "8765"})
        for image in twin_frames():
            self.env["face.template"].create({"employee_id": twin.id, "image": image})
        pins = {self.subject.name: "4321", twin.name: "8765"}
        code = """
            const deadline = Date.now() + 90000;
            const pins = %(pins)s;
            const wait = async (test, what) => {
                while (!test()) {
                    if (Date.now() > deadline) {
                        throw new Error("no " + what + ": " + document.body.innerText);
                    }
                    await new Promise((resolve) => setTimeout(resolve, 200));
                }
            };
            const input = document.querySelector(".o_face_kiosk_pairing_code");
            input.value = "%(pairing)s";
            input.dispatchEvent(new Event("input", { bubbles: true }));
            document.querySelector(".o_face_kiosk_pair").click();
            (async () => {
                await wait(() => document.querySelector(".o_face_kiosk_pin"), "PIN pad");
                const pad = document.querySelector(".o_face_kiosk_pin");
                if (pad.querySelector(".o_face_kiosk_person_id")) {
                    throw new Error("a look-alike's confirmation asks for no person ID");
                }
                const name = pad.querySelector(".o_face_kiosk_person").innerText.trim();
                if (!(name in pins)) {
                    throw new Error("the pad names somebody else: " + name);
                }
                const type = (value) => {
                    const pin = document.querySelector(".o_face_kiosk_pin_value");
                    pin.value = value;
                    pin.dispatchEvent(new Event("input", { bubbles: true }));
                    document.querySelector(".o_face_kiosk_pin .o_face_kiosk_ok").click();
                };
                type("0000");
                await wait(() => document.querySelector("[data-kind='wrong_pin'] .o_face_kiosk_pin"), "wrong PIN");
                type(pins[name]);
                await wait(() => document.querySelector(".o_face_kiosk_result.o_face_kiosk_checked_in"), "greeting");
                console.log("kiosk shows: " + document.querySelector(".o_face_kiosk_result").innerText);
                console.log("test successful");
            })().catch((error) => console.error(error.message));
        """ % {"pins": json.dumps(pins), "pairing": self.pairing_code()}
        with fake_camera(self.y4m("real")):
            self.browser_js(
                "/face_attendance/kiosk/%s" % self.token(),
                code,
                ready="!!document.querySelector('.o_face_kiosk_pairing_code')",
                timeout=120,
            )
        event = self.events()
        self.assertEqual(len(event), 1)
        self.assertIn(event.employee_id, self.subject | twin)
        self.assertEqual(event.attendance_id.in_mode, "face")
