"""Calibration on site (issue 25): the figures of a hand-computed example, who may read them, the REST
answer and the settings screen that shows them."""

import bisect
import itertools
import os
from datetime import datetime, timedelta

from odoo.exceptions import AccessError
from odoo.tests import Form, HttpCase, TransactionCase, new_test_user, tagged

from . import test_tours
from .common import ApiCase

SFACE = "sface:2021dec-int8bq"
DLIB = "dlib:resnet_v1"
_uids = itertools.count(1)

# The hand-computed example, match threshold 0.5 and target false-accept rate 0.2:
# genuine: recognised and standing 0.21, 0.31, 0.45 (a duplicate); an unknown face HR assigned, 0.55.
GENUINE = [0.21, 0.31, 0.45, 0.55]
# impostor: "not this person" 0.49, reassigned 0.43; unknown faces never assigned 0.63, 0.71 (dismissed), 0.81.
IMPOSTOR = [0.43, 0.49, 0.63, 0.71, 0.81]
# FRR: 0.55 over 0.5 -> 1 of 4. FAR: 0.43 and 0.49 at or under 0.5 -> 2 of 5.
FRR, FAR = 0.25, 0.4
# At most one impostor of five (0.2) may be accepted: the threshold must stay under the second one,
# 0.49; the largest such multiple of 0.0001 is 0.4899.
TARGET = 0.4899
# Histogram: 40 bins from 0 to the largest distance, 0.81 (no distance here falls on a bin's edge).
BINS, TOP = 40, 0.81


class CalibrationData:
    """Sightings of every kind, created as the rules would have left them (their outcomes and HR's
    corrections written directly: what is measured here is the calibration, not the rules)."""

    @classmethod
    def make_data(cls, env):
        cls.company = env.company
        cls.employee = env["hr.employee"].create({"name": "Cal Person", "person_ref": "CAL-1"})
        cls.other = env["hr.employee"].create({"name": "Cal Other", "person_ref": "CAL-2"})
        cls.camera = env["face.camera"].create(
            {"name": "Cal cam", "source_type": "file", "source": "/dev/null", "direction": "both"}
        )
        cls.other_company = env["res.company"].create({"name": "Cal Other Company"})
        config = env["face.attendance.config"]
        config.set("match_threshold", 0.5)
        config.set("calibration_target_far", 0.2)
        config.set("learning_settle_hours", 48)
        config.set("event_retention_days", 30)
        config.set("encoder", "sface")
        now = datetime.utcnow().replace(microsecond=0)
        settled = now - timedelta(days=3)
        make = cls.make_event
        # Genuine.
        make(env, settled, 0.21, "checked_in", employee=cls.employee)
        make(env, settled, 0.31, "checked_out", employee=cls.employee)
        make(env, settled, 0.45, "duplicate", employee=cls.employee)
        make(env, settled, 0.55, "checked_in", employee=cls.other, review_state="assigned")
        # Impostor.
        make(
            env, settled, 0.49, "rejected", face_correction_kind="not_person", face_rejected_employee_id=cls.employee.id
        )
        make(
            env,
            settled,
            0.43,
            "checked_in",
            employee=cls.other,
            face_correction_kind="reassigned",
            face_rejected_employee_id=cls.employee.id,
        )
        make(env, settled, 0.63, "unknown")
        make(env, settled, 0.71, "unknown", review_state="dismissed")
        make(env, settled, 0.81, "unknown")
        # Left out: not settled yet, older than the retention, without a distance, set aside by an
        # attendance correction, refused for liveness, an assignment corrected again, a sender's own encoder,
        # without an encoder.
        make(env, now - timedelta(hours=1), 0.35, "checked_in", employee=cls.employee)
        make(env, now - timedelta(days=40), 0.05, "checked_in", employee=cls.employee)
        make(env, settled, None, "checked_in", employee=cls.employee)
        make(env, settled, 0.01, "checked_in", employee=cls.employee, face_correction_kind="pinned")
        make(env, settled, 0.02, "rejected", employee=cls.employee, face_correction_kind="deleted")
        make(env, settled, 0.03, "spoof", employee=cls.employee)
        make(
            env,
            settled,
            0.66,
            "checked_in",
            employee=cls.employee,
            review_state="assigned",
            face_correction_kind="reassigned",
        )
        make(env, settled, 0.04, "checked_in", employee=cls.employee, encoder="arcface:1")
        make(env, settled, 0.06, "checked_in", employee=cls.employee, encoder=False)
        # Another encoder's sightings: its own figures.
        make(env, settled, 0.30, "checked_in", employee=cls.employee, encoder=DLIB)
        make(env, settled, 0.40, "unknown", encoder=DLIB)
        # Another company's sightings: never counted for this one.
        other_employee = env["hr.employee"].create({"name": "Cal B", "company_id": cls.other_company.id})
        make(env, settled, 0.10, "checked_in", employee=other_employee, company=cls.other_company)
        make(env, settled, 0.15, "unknown", company=cls.other_company)

    @classmethod
    def make_event(
        cls, env, when, distance, outcome, employee=None, company=None, encoder=SFACE, review_state=None, **extra
    ):
        vals = {
            "event_uid": "cal-%d" % next(_uids),
            "camera_id": cls.camera.id if company is None else False,
            "sighted_at": when,
            "employee_id": employee.id if employee else False,
            "company_id": (company or cls.company).id,
            "outcome": outcome,
            "encoder": encoder,
            **extra,
        }
        if distance is not None:
            vals["distance"] = distance
        if review_state:
            vals["review_state"] = review_state
        return env["face.recognition.event"].sudo().create(vals)


def by_encoder(answer):
    return {item["encoder"]: item for item in answer["encoders"]}


@tagged("post_install", "-at_install", "face_attendance")
class TestCalibration(CalibrationData, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_data(cls.env)
        cls.manager = new_test_user(
            cls.env, login="cal_manager", groups="base.group_user,face_attendance.group_face_attendance_manager"
        )

    def calibration(self, user=None):
        return self.env["face.recognition.calibration"].with_user(user or self.manager).calibration()

    def assertHistogram(self, histogram, distances, kind):
        edges = histogram["edges"]
        self.assertEqual(len(edges), len(histogram[kind]) + 1)
        self.assertLessEqual(edges[0], min(distances))
        self.assertGreaterEqual(edges[-1], max(distances))
        expected = [0] * len(histogram[kind])
        for distance in distances:
            # Each bin holds [low, high), the last one its high edge too.
            expected[min(bisect.bisect_right(edges, distance) - 1, len(expected) - 1)] += 1
        self.assertEqual(histogram[kind], expected, "%s histogram of %s over %s" % (kind, distances, edges))

    def test_figures_match_the_hand_computed_example(self):
        answer = self.calibration()
        self.assertEqual((answer["target_far"], answer["settle_hours"], answer["retention_days"]), (0.2, 48, 30))
        self.assertEqual(set(by_encoder(answer)), {SFACE, DLIB})
        sface = by_encoder(answer)[SFACE]
        self.assertEqual((sface["name"], sface["threshold"]), ("sface", 0.5))
        self.assertEqual((sface["genuine_count"], sface["impostor_count"]), (len(GENUINE), len(IMPOSTOR)))
        self.assertAlmostEqual(sface["frr"], FRR)
        self.assertAlmostEqual(sface["far"], FAR)
        self.assertAlmostEqual(sface["threshold_for_target"], TARGET, places=6)
        self.assertEqual(len(sface["histogram"]["edges"]), BINS + 1)
        self.assertEqual((sface["histogram"]["edges"][0], sface["histogram"]["edges"][-1]), (0.0, TOP))
        self.assertHistogram(sface["histogram"], GENUINE, "genuine")
        self.assertHistogram(sface["histogram"], IMPOSTOR, "impostor")
        dlib = by_encoder(answer)[DLIB]
        self.assertEqual((dlib["threshold"], dlib["genuine_count"], dlib["impostor_count"]), (0.5, 1, 1))
        self.assertEqual((dlib["frr"], dlib["far"]), (0.0, 1.0))
        # The threshold is only read: the setting stays as the manager left it.
        self.assertEqual(self.env["face.attendance.config"]._get("match_threshold"), 0.5)

    def test_each_encoder_has_its_own_default_threshold(self):
        from face_attendance_daemon.engine.dlib_encoder import DlibEncoder
        from face_attendance_daemon.engine.sface import SFaceEncoder

        self.env["face.attendance.config"].set("match_threshold", 0)
        answer = by_encoder(self.calibration())
        self.assertEqual(answer[SFACE]["threshold"], SFaceEncoder.default_threshold)
        self.assertEqual(answer[DLIB]["threshold"], DlibEncoder.default_threshold)

    def test_the_settings_follow(self):
        # A longer settling period leaves the 3-day-old sightings out; the encoder in use is still shown.
        config = self.env["face.attendance.config"]
        config.set("learning_settle_hours", 96)
        answer = by_encoder(self.calibration())
        self.assertEqual(set(answer), {SFACE})
        self.assertEqual((answer[SFACE]["genuine_count"], answer[SFACE]["impostor_count"]), (0, 0))
        self.assertEqual(
            (answer[SFACE]["far"], answer[SFACE]["frr"], answer[SFACE]["threshold_for_target"]), (None,) * 3
        )
        # A longer retention takes the 40-day-old sighting in.
        config.set("learning_settle_hours", 48)
        config.set("event_retention_days", 60)
        self.assertEqual(by_encoder(self.calibration())[SFACE]["genuine_count"], len(GENUINE) + 1)

    def test_an_unknown_face_assigned_by_hr_becomes_a_genuine_miss(self):
        unknown = self.make_event(self.env, datetime.utcnow() - timedelta(days=3), 0.58, "unknown")
        before = by_encoder(self.calibration())[SFACE]
        # A person with no other sighting: only this one's day is decided again.
        newcomer = self.env["hr.employee"].create({"name": "Cal Newcomer", "person_ref": "CAL-3"})
        unknown.with_user(self.manager)._assign_to_employee(newcomer)
        self.assertEqual(unknown.employee_id, newcomer)
        self.assertEqual(unknown.review_state, "assigned")
        after = by_encoder(self.calibration())[SFACE]
        self.assertEqual(
            (after["genuine_count"], after["impostor_count"]),
            (before["genuine_count"] + 1, before["impostor_count"] - 1),
        )
        self.assertAlmostEqual(after["frr"], 2 / 5)

    def test_who_reads_it(self):
        for login, groups in (
            ("cal_portal", "base.group_portal"),
            ("cal_internal", "base.group_user"),
            ("cal_user", "base.group_user,face_attendance.group_face_attendance_user"),
            ("cal_device", "face_attendance.group_face_attendance_device"),
        ):
            user = new_test_user(self.env, login=login, groups=groups)
            with self.subTest(login=login), self.assertRaises(AccessError):
                self.calibration(user)
        # A manager of the other company reads its figures only.
        boss = new_test_user(
            self.env,
            login="cal_manager_b",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_id=self.other_company.id,
            company_ids=[(6, 0, [self.other_company.id])],
        )
        theirs = by_encoder(self.calibration(boss))[SFACE]
        self.assertEqual((theirs["genuine_count"], theirs["impostor_count"]), (1, 1))
        # ... and cannot ask for this company's by the context.
        with self.assertRaises(AccessError):
            self.env["face.recognition.calibration"].with_user(boss).with_context(
                allowed_company_ids=[self.company.id]
            ).calibration()
        # The administrator reads it (the settings screen shows it to them).
        admin = self.env.ref("base.user_admin")
        Calibration = self.env["face.recognition.calibration"].with_user(admin)
        answer = Calibration.with_context(allowed_company_ids=[self.company.id]).calibration()
        self.assertEqual(by_encoder(answer)[SFACE]["far"], FAR)

    def test_settings_screen_has_every_new_setting_and_the_chart(self):
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="face_calibration"', arch)
        settings = Form(self.env["res.config.settings"])
        for key in (
            "learning_settle_hours",
            "learning_max_distance_ratio",
            "learning_min_face_size",
            "learning_min_sharpness",
            "learning_min_frontal",
            "learning_min_frames",
            "learned_templates_per_person",
            "learned_retention_days",
            "lookalike_distance",
            "lookalike_margin",
            "calibration_target_far",
        ):
            self.assertIn('name="face_%s"' % key, arch)
            self.assertEqual(settings["face_%s" % key], self.env["face.attendance.config"]._get(key), key)
        self.assertIn('name="face_learning_enabled"', arch)
        self.assertEqual(settings.face_learning_enabled, self.company.face_learning_enabled)
        # Saved through the screen, validated and stored as the settings are.
        settings.face_calibration_target_far = 0.01
        settings.face_learning_enabled = False
        settings.save().execute()
        self.assertEqual(self.env["face.attendance.config"]._get("calibration_target_far"), 0.01)
        self.assertFalse(self.company.face_learning_enabled)


@tagged("post_install", "-at_install", "face_attendance")
class TestCalibrationApi(CalibrationData, ApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_data(cls.env)

    def test_rest_answer_is_the_models(self):
        response, payload = self.api("GET", "/recognition/calibration")
        self.assertEqual(response.status_code, 200, payload)
        self.assertTrue(payload["success"])
        data = payload["data"]
        expected = self.env["face.recognition.calibration"].with_user(self.manager).calibration()
        self.assertEqual(data["encoders"], expected["encoders"])
        self.assertEqual(data["target_far"], 0.2)
        sface = by_encoder(data)[SFACE]
        self.assertEqual((sface["far"], sface["frr"]), (FAR, FRR))
        self.assertTrue(data["until"].endswith("Z"))
        # A key without config:read is refused.
        response, payload = self.api("GET", "/recognition/calibration", key=self.reader_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")

    def test_rest_refuses_a_user_who_is_not_a_manager(self):
        clerk = new_test_user(
            self.env, login="cal_api_user", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        _key, secret = self.env["face.api.key"]._generate("clerk", clerk, "config:read")
        response, payload = self.api("GET", "/recognition/calibration", key=secret)
        self.assertEqual(response.status_code, 403, payload)
        self.assertFalse(payload["success"])


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_tours")
class TestCalibrationTour(CalibrationData, HttpCase):
    def test_settings_show_the_chart(self):
        self.make_data(self.env)
        self.saved = []
        os.makedirs(test_tours.SCREENSHOTS, exist_ok=True)
        # The tours' screenshots (FA_SCREENSHOTS_DIR), by the tours' own helper.
        test_tours.TestTours.start_tour_with_screenshots(
            self, "/odoo/action-face_attendance.face_attendance_settings_action", "face_attendance_calibration_tour"
        )
