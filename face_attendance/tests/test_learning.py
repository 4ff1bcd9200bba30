"""Learning from confirmed sightings and from HR's corrections (issue 25, items 2 and 3), on real photos."""

import base64
from datetime import datetime, timedelta

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from face_attendance_daemon.engine import enrol_image, vector_from_bytes, vector_to_bytes

from .common import FaceAttendanceCase, face_b64, face_photo


@tagged("post_install", "-at_install", "face_attendance")
class TestLearning(FaceAttendanceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Template = cls.env["face.template"]
        cls.Negative = cls.env["face.negative"]
        cls.Learning = cls.env["face.template.learning"]
        # Hugo Chavez's photos 1-3 enrolled; his other photos arrive as sightings (5 and 4 are frontal enough
        # to be learned, 6 is turned).
        cls.enrolled = cls.Template.create(
            [{"employee_id": cls.employee.id, "image": face_b64("Hugo_Chavez", n)} for n in (1, 2, 3)]
        )
        cls.Template.create({"employee_id": cls.other.id, "image": face_b64("Kofi_Annan", 1)})
        cls.encoder = cls.config._encoder()
        cls.tag = cls.encoder.tag
        cls.manager = new_test_user(
            cls.env, login="fa_learn_manager", groups="base.group_user,face_attendance.group_face_attendance_manager"
        )
        cls.fa_user = new_test_user(
            cls.env, login="fa_learn_user", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        cls.portal = new_test_user(cls.env, login="fa_learn_portal", groups="base.group_portal")
        cls.company_b = cls.env["res.company"].create({"name": "Learning Company B"})
        cls.manager_b = new_test_user(
            cls.env,
            login="fa_learn_manager_b",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, [cls.company_b.id])],
        )
        cls.day = 0

    def sight(self, person, number, days_ago=None, employee=None, camera=None, **figures):
        """A sighting of ``employee`` (default Ada, enrolled as Hugo Chavez) whose snapshot is the photo,
        on a day of its own (each an accepted check-in), with good figures unless told otherwise."""
        if days_ago is None:
            type(self).day += 1
            days_ago = 3 + self.day
        photo = face_photo(person, number)
        extra = {
            "snapshot": base64.b64encode(photo).decode(),
            "encoding": base64.b64encode(vector_to_bytes(enrol_image(self.encoder, photo).vector)).decode(),
            "face_size": 120,
            "sharpness": 100.0,
            "frontal": 0.9,
            "frames": 5,
            # The sender's word is never taken for it: learning measures the distance itself.
            "distance": 0.01,
            "encoder": self.tag,
        }
        extra.update(figures)
        extra = {key: value for key, value in extra.items() if value is not None}
        when = datetime.utcnow().replace(microsecond=0) - timedelta(days=days_ago)
        [answer] = self.ingest(self.event(camera or self.cam_entry, when, employee or self.employee, **extra))
        self.assertEqual(answer["status"], "created", answer)
        return self.env["face.recognition.event"].search([("event_uid", "=", answer["event_id"])])

    def vector(self, encoding):
        return vector_from_bytes(base64.b64decode(encoding))

    def learned(self, employee=None):
        return self.Template.search([("employee_id", "=", (employee or self.employee).id), ("origin", "=", "learned")])

    def sync(self, since=None):
        return self.Template.with_user(self.device_user).gallery_sync(self.tag, since)

    # ------------------------------------------------------------------ learning
    def test_qualifying_sighting_is_learned_and_synced(self):
        event = self.sight("Hugo_Chavez", 5)
        self.assertEqual(event.outcome, "checked_in")
        self.assertEqual((event.face_size, event.track_frames, event.face_frontal), (120, 5, 0.9))
        self.assertTrue(event.face_vector)
        learned = self.Learning._cron_learn()
        self.assertEqual(learned, self.learned())
        self.assertEqual(len(learned), 1)
        self.assertEqual((learned.source_event_id, learned.origin), (event, "learned"))
        self.assertEqual(event.face_learning_state, "learned")
        # The template's photo is the snapshot, its vector computed from it here.
        self.assertTrue(learned.image)
        self.assertEqual(learned.encoder_name, self.encoder.name)
        answer = self.sync()
        synced = {t["id"]: t for t in answer["templates"]}
        self.assertEqual(synced[learned.id]["origin"], "learned")
        self.assertEqual(synced[self.enrolled[0].id]["origin"], "upload")
        self.assertEqual(synced[learned.id]["employee_id"], self.employee.id)
        # Looked at once: running again learns nothing more.
        self.assertFalse(self.Learning._cron_learn())
        self.assertEqual(len(self.learned()), 1)

    def test_too_recent_is_not_looked_at(self):
        event = self.sight("Hugo_Chavez", 5, days_ago=0.5)
        self.config.set("learning_settle_hours", 24)
        self.assertFalse(self.Learning._cron_learn())
        self.assertFalse(event.face_learning_state)
        self.config.set("learning_settle_hours", 1)
        self.assertEqual(len(self.Learning._cron_learn()), 1)

    def test_corrected_sighting_is_not_learned(self):
        event = self.sight("Hugo_Chavez", 5)
        event.attendance_id.with_user(self.manager).action_face_delete("not at work")
        self.assertEqual(event.face_correction_kind, "deleted")
        self.assertFalse(self.Learning._cron_learn())
        self.assertFalse(self.learned())

    def test_low_quality_is_refused(self):
        cases = {
            "face_size": {"face_size": 40},
            "sharpness": {"sharpness": 2.0},
            "frontal": {"frontal": 0.1},
            "frames": {"frames": 1},
        }
        events = {reason: self.sight("Hugo_Chavez", 5, **figures) for reason, figures in cases.items()}
        self.assertFalse(self.Learning._cron_learn())
        for reason, event in events.items():
            self.assertEqual((event.face_learning_state, event.face_learning_note), ("refused", reason))

    def test_live_sighting_is_learned(self):
        # Found live is fine (not live or unavailable never makes an accepted sighting: never learned).
        live = self.sight("Hugo_Chavez", 5, liveness="live", liveness_score=0.9)
        self.assertEqual(len(self.Learning._cron_learn()), 1)
        self.assertEqual(live.face_learning_state, "learned")

    def test_too_far_from_the_enrolled_centroid_is_refused(self):
        # Somebody else's face sent as Ada's with a tiny distance: the distance is measured here.
        event = self.sight("Kofi_Annan", 4)
        self.assertEqual(event.outcome, "checked_in")
        self.assertFalse(self.Learning._cron_learn())
        self.assertEqual((event.face_learning_state, event.face_learning_note), ("refused", "distance"))

    def test_without_snapshot_nothing_is_learned(self):
        event = self.sight("Hugo_Chavez", 5, snapshot=None)
        self.assertFalse(self.Learning._cron_learn())
        self.assertEqual(event.face_learning_note, "no_snapshot")

    def test_company_switch_off(self):
        self.company.face_learning_enabled = False
        event = self.sight("Hugo_Chavez", 5)
        self.assertFalse(self.Learning._cron_learn())
        self.assertEqual((event.face_learning_state, event.face_learning_note), ("refused", "disabled"))

    def test_consent_required(self):
        self.config.set("consent_required", True)
        self.employee.face_consent = False
        event = self.sight("Hugo_Chavez", 5)
        self.assertFalse(self.Learning._cron_learn())
        self.assertEqual(event.face_learning_note, "consent")

    def test_cap_keeps_the_most_diverse(self):
        self.config.set("learned_templates_per_person", 1)
        first, second = self.sight("Hugo_Chavez", 5), self.sight("Hugo_Chavez", 4)
        learned = self.Learning._cron_learn()
        self.assertEqual(len(learned), 1)
        states = {first.face_learning_state, second.face_learning_state}
        self.assertEqual(states, {"learned", "refused"})
        self.assertIn("cap", (first | second).mapped("face_learning_note"))
        # A later sighting competes with the kept one: still one learned template at most.
        self.sight("Hugo_Chavez", 2)
        self.Learning._cron_learn()
        self.assertEqual(len(self.learned()), 1)
        self.config.set("learned_templates_per_person", 0)
        self.sight("Hugo_Chavez", 1)
        self.assertFalse(self.Learning._cron_learn())

    def test_learned_templates_do_not_move_the_reference(self):
        """The distance is to the enrolled centroid only: a learned face never counts towards it."""
        self.sight("Hugo_Chavez", 5)
        self.Learning._cron_learn()
        self.assertEqual(len(self.learned()), 1)
        event = self.sight("Kofi_Annan", 5)
        self.Learning._cron_learn()
        self.assertEqual(event.face_learning_note, "distance")

    # ------------------------------------------------------------------ corrections teach
    def test_not_this_person_removes_learned_and_adds_negative(self):
        event = self.sight("Hugo_Chavez", 5)
        learned = self.Learning._cron_learn()
        self.assertEqual(len(learned), 1)
        before = self.sync()
        self.assertIn(learned.id, [t["id"] for t in before["templates"]])
        self.assertEqual(before["negatives"], [])
        event.with_user(self.manager).action_not_this_person(reason="a visitor")
        self.assertFalse(learned.exists())
        negative = self.Negative.search([("event_id", "=", event.id)])
        self.assertEqual(len(negative), 1)
        self.assertEqual(negative.employee_id, self.employee)
        # The face HR looked at (the snapshot's), here the same face the sender encoded.
        self.assertLess(
            float(self.encoder.distances(self.vector(negative.encoding), self.vector(event.face_vector)[None, :])[0]),
            1e-4,
        )
        after = self.sync(before["server_time"])
        self.assertIn(learned.id, after["removed"])
        self.assertEqual([n["id"] for n in after["negatives"]], negative.ids)
        self.assertEqual(after["negatives"][0]["employee_id"], self.employee.id)
        self.assertIsInstance(after["lookalikes"], list)
        self.assertIsInstance(after["lookalike_margin"], float)
        # The sighting is not learned again.
        self.assertFalse(self.Learning._cron_learn())
        # A manager removes the negative: daemons hear of it.
        negative.with_user(self.manager).unlink()
        self.assertIn(negative.id, self.sync(before["server_time"])["removed_negatives"])

    def test_reassigned_negative_of_the_wrong_person_from_the_snapshot(self):
        event = self.sight("Hugo_Chavez", 5, encoding=None)
        self.assertFalse(event.face_vector)
        self.Learning._cron_learn()
        event.with_user(self.manager).action_not_this_person(self.other.id)
        self.assertEqual(event.employee_id, self.other)
        negative = self.Negative.search([("event_id", "=", event.id)])
        self.assertEqual(negative.employee_id, self.employee)
        self.assertTrue(negative.encoding)
        self.assertFalse(self.learned())

    def test_attendance_deleted_after_learning_removes_learned(self):
        event = self.sight("Hugo_Chavez", 5)
        learned = self.Learning._cron_learn()
        self.assertTrue(learned)
        event.attendance_id.with_user(self.manager).action_face_delete("not at work")
        self.assertFalse(learned.exists())
        self.assertTrue(self.env["face.template.tombstone"].search([("template_id", "=", learned.id)]))
        # Set aside is not "not this person": no negative.
        self.assertFalse(self.Negative.search([("event_id", "=", event.id)]))

    def test_negative_refuses_the_match_inside_odoo(self):
        """/recognize's gallery holds the negatives: a face closer to one of Ada's negatives than to
        her centroid is not Ada."""
        Service = self.env["face.recognition.service"].with_user(self.manager)
        answer = Service.recognize(face_b64("Hugo_Chavez", 5).decode())
        self.assertEqual(answer["faces"][0]["employee_id"], self.employee.id)
        event = self.sight("Hugo_Chavez", 5)
        event.with_user(self.manager).action_not_this_person()
        answer = Service.recognize(face_b64("Hugo_Chavez", 5).decode())
        self.assertNotEqual(answer["faces"][0]["employee_id"], self.employee.id)

    # ------------------------------------------------------------------ retention, erasure, consent
    def test_retention_and_erasure(self):
        event = self.sight("Hugo_Chavez", 5)
        learned = self.Learning._cron_learn()
        other_event = self.sight("Hugo_Chavez", 5)
        other_event.with_user(self.manager).action_not_this_person()
        negative = self.Negative.search([("event_id", "=", other_event.id)])
        self.assertTrue(learned and negative)
        self.env.cr.execute(
            "UPDATE face_template SET create_date = now() - interval '400 days' WHERE id = %s", [learned.id]
        )
        self.env.cr.execute(
            "UPDATE face_negative SET create_date = now() - interval '400 days' WHERE id = %s", [negative.id]
        )
        self.env.invalidate_all()
        self.config.set("learned_retention_days", 365)
        self.Learning._cron_learn()
        self.assertFalse(learned.exists())
        self.assertFalse(negative.exists())
        self.assertTrue(event.exists())
        # Erasure takes the person's negatives and their sightings' vectors.
        third = self.sight("Hugo_Chavez", 4)
        third.with_user(self.manager).action_not_this_person(self.other.id)
        negative = self.Negative.search([("event_id", "=", third.id)])
        self.assertTrue(negative)
        self.employee.with_user(self.manager).action_erase_biometric_data()
        self.assertFalse(negative.exists())
        # The sighting is now Bob's: erasing Bob's data also removes the negative made of his face.
        fourth = self.sight("Hugo_Chavez", 2)
        fourth.with_user(self.manager).action_not_this_person(self.other.id)
        self.assertTrue(fourth.face_vector)
        negative = self.Negative.search([("event_id", "=", fourth.id)])
        self.other.with_user(self.manager).action_erase_biometric_data()
        self.assertFalse(negative.exists())
        self.assertFalse(fourth.face_vector)

    def test_consent_withdrawn_removes_learning(self):
        self.employee.face_consent = True
        self.sight("Hugo_Chavez", 5)
        self.Learning._cron_learn()
        self.sight("Hugo_Chavez", 5).with_user(self.manager).action_not_this_person()
        self.assertTrue(self.learned())
        self.assertTrue(self.Negative.search([("employee_id", "=", self.employee.id)]))
        self.employee.face_consent = False
        self.assertFalse(self.learned())
        self.assertFalse(self.Negative.search([("employee_id", "=", self.employee.id)]))
        self.assertEqual(len(self.Template.search([("employee_id", "=", self.employee.id)])), 3)

    def test_negative_is_the_face_hr_saw_at_unit_length(self):
        """A sender that claims Ada with a stranger's snapshot and a long vector near Ada's faces cannot
        make a negative that refuses Ada: the negative is the snapshot's face, as long as any other."""
        centroid = self.encoder.centroid([self.vector(t.encoding) for t in self.enrolled])
        long_vector = base64.b64encode(vector_to_bytes(3 * centroid)).decode()
        when = datetime.utcnow() - timedelta(days=3)
        [answer] = self.ingest(self.event(self.cam_entry, when, self.employee, encoding=long_vector))
        self.assertEqual(answer["status"], "invalid", answer)
        self.assertIn("unit-length", answer["message"])
        event = self.sight("Gordon_Brown", 1, encoding=base64.b64encode(vector_to_bytes(centroid)).decode())
        event.with_user(self.manager).action_not_this_person(reason="a visitor")
        negative = self.Negative.search([("event_id", "=", event.id)])
        stranger = enrol_image(self.encoder, face_photo("Gordon_Brown", 1)).vector
        self.assertLess(float(self.encoder.distances(stranger, self.vector(negative.encoding)[None, :])[0]), 1e-4)
        # Ada's own faces are still Ada's.
        Service = self.env["face.recognition.service"].with_user(self.manager)
        for number in (4, 5, 6):
            answer = Service.recognize(face_b64("Hugo_Chavez", number).decode())
            self.assertEqual(answer["faces"][0]["employee_id"], self.employee.id, number)

    def test_an_unreadable_snapshot_stops_no_learning(self):
        """A snapshot enrolment would refuse (over the image size limit) is not learned; the others are."""
        big = self.sight("Hugo_Chavez", 4)
        small = self.sight("Hugo_Chavez", 5)
        size = len(base64.b64decode(big.snapshot))
        self.assertGreater(size, len(base64.b64decode(small.snapshot)))
        self.config.set("max_image_bytes", size - 1)
        learned = self.Learning._cron_learn()
        self.assertEqual(learned.source_event_id, small)
        self.assertEqual((big.face_learning_state, big.face_learning_note), ("refused", "no_face"))

    def test_consent_withdrawn_stops_learning_even_when_not_required(self):
        self.config.set("consent_required", False)
        self.employee.face_consent = True
        self.employee.face_consent = False
        event = self.sight("Hugo_Chavez", 5)
        self.assertFalse(self.Learning._cron_learn())
        self.assertEqual((event.face_learning_state, event.face_learning_note), ("refused", "consent"))
        # Given again, learning resumes for the sightings not yet looked at.
        self.employee.face_consent = True
        self.sight("Hugo_Chavez", 5)
        self.assertEqual(len(self.Learning._cron_learn()), 1)

    def test_sent_figures_cannot_lift_a_poor_snapshot(self):
        """Sharpness and pose are measured on the snapshot (what becomes the template); a sender's figures
        may only be worse. Unsent figures are not taken for 0."""
        blurred = self.sight("Hugo_Chavez", 5, snapshot=self.blurred("Hugo_Chavez", 5), sharpness=500.0)
        unsent = self.sight("Hugo_Chavez", 5, sharpness=None, frontal=None)
        self.Learning._cron_learn()
        self.assertEqual((blurred.face_learning_state, blurred.face_learning_note), ("refused", "sharpness"))
        self.assertEqual(unsent.face_learning_state, "learned")

    def blurred(self, person, number):
        import cv2
        import numpy as np

        image = cv2.imdecode(np.frombuffer(face_photo(person, number), np.uint8), cv2.IMREAD_COLOR)
        image = cv2.GaussianBlur(image, (0, 0), 1.5)
        return base64.b64encode(cv2.imencode(".jpg", image)[1].tobytes()).decode()

    # ------------------------------------------------------------------ input and /recognize
    def test_event_face_figures_are_checked(self):
        bad = {
            "encoding": "bm90IGEgdmVjdG9y",
            "frontal": 1.5,
            "face_size": 0,
            "frames": 2.5,
            "sharpness": float("inf"),
        }
        when = datetime.utcnow() - timedelta(days=3)
        for key, value in bad.items():
            with self.subTest(key=key):
                [answer] = self.ingest(self.event(self.cam_entry, when, self.employee, **{key: value}))
                self.assertEqual(answer["status"], "invalid", answer)
                self.assertIn(key, answer["message"])

    def test_recognize_stores_the_face_figures(self):
        answer = (
            self.env["face.recognition.service"]
            .with_user(self.manager)
            .recognize(face_b64("Hugo_Chavez", 5).decode(), self.cam_entry.id, mark_attendance=True)
        )
        event = self.env["face.recognition.event"].search([("event_uid", "=", answer["faces"][0]["event_id"])])
        self.assertEqual(event.employee_id, self.employee)
        self.assertTrue(event.face_vector)
        self.assertGreater(event.face_size, 50)
        self.assertGreater(event.face_sharpness, 0)
        self.assertEqual(event.track_frames, 1)

    # ------------------------------------------------------------------ security
    def test_security(self):
        event = self.sight("Hugo_Chavez", 5)
        learned = self.Learning._cron_learn()
        other = self.sight("Hugo_Chavez", 5)
        other.with_user(self.manager).action_not_this_person()
        negative = self.Negative.search([("event_id", "=", other.id)])
        self.assertEqual(negative.with_user(self.manager).read(["employee_id"])[0]["employee_id"][0], self.employee.id)
        for user in (self.fa_user, self.portal, self.device_user, self.manager_b):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    negative.with_user(user).read(["encoding"])
                with self.assertRaises(AccessError):
                    negative.with_user(user).unlink()
                with self.assertRaises(AccessError):
                    learned.with_user(user).action_face_remove_learned()
        self.assertEqual(self.Negative.with_user(self.manager_b).search_count([]), 0)
        # Nobody types a negative in, managers included.
        with self.assertRaises(AccessError):
            self.Negative.with_user(self.manager).create(
                {"employee_id": self.other.id, "encoding": negative.encoding, "event_id": event.id}
            )
        self.assertTrue(learned.exists() and negative.exists())
        learned.with_user(self.manager).action_face_remove_learned()
        self.assertFalse(learned.exists())
        # Enrolled templates are not removed by the learned faces' button.
        self.enrolled[0].with_user(self.manager).action_face_remove_learned()
        self.assertTrue(self.enrolled[0].exists())
        negative.with_user(self.manager).unlink()
        self.assertFalse(negative.exists())
