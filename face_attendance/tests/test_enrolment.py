import base64

import cv2
import numpy as np

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from face_attendance_daemon.engine import get_encoder, vector_from_bytes

from .common import FaceAttendanceCase, face_b64, face_photo


def _jpeg_b64(image):
    return base64.b64encode(cv2.imencode(".jpg", image)[1].tobytes())


def side_by_side_b64(*photos):
    """Real photos (person, number) side by side in one JPEG: faces of similar size, nobody the subject."""
    return _jpeg_b64(
        np.hstack([cv2.imdecode(np.frombuffer(face_photo(*p), np.uint8), cv2.IMREAD_COLOR) for p in photos])
    )


# A real photo whose subject's face is clearly the largest, with one smaller face behind.
DOMINANT_WITH_BYSTANDER = ("Gordon_Brown", 6)


@tagged("post_install", "-at_install", "face_attendance")
class TestEnrolment(FaceAttendanceCase):
    def enrol(self, employee, image, **vals):
        return self.env["face.template"].create(dict(vals, employee_id=employee.id, image=image))

    def test_real_photos_are_encoded_at_once(self):
        templates = self.env["face.template"]
        for number in (1, 2, 3):
            templates |= self.enrol(self.employee, face_b64("George_W_Bush", number))
        self.assertEqual(self.employee.face_count, 3)
        self.assertEqual(self.employee.face_status, "registered")
        encoder = get_encoder("sface")
        for template in templates:
            vector = vector_from_bytes(base64.b64decode(template.encoding), encoder.dimension)
            self.assertAlmostEqual(float(np.linalg.norm(vector)), 1.0, places=4)
            self.assertEqual((template.encoder_name, template.encoder_version), ("sface", encoder.version))
            self.assertGreaterEqual(template.face_size, 60)
            self.assertGreater(template.sharpness, 0)
            self.assertGreater(template.detector_score, 0.5)
        # The stored templates recognise another photo of the same person, and not a stranger.
        a = vector_from_bytes(base64.b64decode(templates[0].encoding))
        same = self.enrol(self.other, face_b64("George_W_Bush", 5))
        stranger = self.enrol(self.other, face_b64("Hugo_Chavez", 1))
        threshold = encoder.default_threshold
        self.assertLess(
            float(encoder.distances(a, vector_from_bytes(base64.b64decode(same.encoding))[None, :])[0]), threshold
        )
        self.assertGreater(
            float(encoder.distances(a, vector_from_bytes(base64.b64decode(stranger.encoding))[None, :])[0]), threshold
        )

    def test_archiving_a_template_updates_the_face_status(self):
        template = self.enrol(self.employee, face_b64("Hugo_Chavez", 1))
        self.assertEqual(self.employee.face_status, "registered")
        template.active = False
        self.assertEqual((self.employee.face_count, self.employee.face_status), (0, "none"))

    def test_refusals(self):
        cases = {
            "No face": _jpeg_b64(np.full((240, 240, 3), 128, np.uint8)),
            "faces of similar size were found": face_b64("Carlos_Menem", 3),
            "pixels wide": _jpeg_b64(
                cv2.resize(
                    cv2.imdecode(np.frombuffer(face_photo("Hugo_Chavez", 1), np.uint8), cv2.IMREAD_COLOR), (90, 90)
                )
            ),
            "not an image": base64.b64encode(b"%PDF-1.4 this is not a photo"),
        }
        refused_pair = side_by_side_b64(("Hugo_Chavez", 1), ("Kofi_Annan", 1))
        for expected, image in cases.items():
            with self.subTest(expected=expected), self.assertRaises(UserError) as caught:
                self.enrol(self.employee, image)
            self.assertIn(expected, str(caught.exception))
        # Two people of similar size in one photo: nobody can say which one is meant.
        with self.assertRaisesRegex(UserError, "2 faces of similar size"):
            self.enrol(self.employee, refused_pair)
        self.assertEqual(self.env["face.template"].search_count([("employee_id", "=", self.employee.id)]), 0)
        self.assertEqual(self.employee.face_status, "none")

    def test_a_dominant_face_is_enrolled_with_a_note(self):
        photo = face_b64(*DOMINANT_WITH_BYSTANDER)
        template = self.enrol(self.employee, photo)
        self.assertEqual(
            template.enrol_note, "1 smaller face(s) in the background were ignored; the largest face was enrolled."
        )
        self.assertGreaterEqual(template.face_size, 90, "the subject's face, not the bystander's")
        self.assertFalse(self.enrol(self.employee, face_b64("Hugo_Chavez", 1)).enrol_note)
        # The enrolment screen shows it beside the photo's check, the wizard in the photo's feedback.
        check = self.employee.face_check_photo("data:image/jpeg;base64," + photo.decode())
        self.assertTrue(check["ok"])
        self.assertEqual(check["note"], template.enrol_note)
        self.assertEqual(self.employee.face_check_photo(face_b64("Hugo_Chavez", 2).decode())["note"], "")
        answer = self.other.face_enrol_photos([photo.decode(), face_b64("Kofi_Annan", 1).decode()])
        self.assertEqual(answer, {"face_count": 2, "notes": [template.enrol_note, ""]})
        wizard = self.env["face.enrol.wizard"].create(
            {"employee_id": self.other.id, "line_ids": [(0, 0, {"image": photo})]}
        )
        self.assertIn("Face found", wizard.line_ids.feedback)
        self.assertIn(template.enrol_note, wizard.line_ids.feedback)
        # Nobody types a note in: it comes from the photo.
        with self.assertRaises(AccessError):
            template.with_user(self.manager()).write({"enrol_note": "typed"})

    def manager(self):
        return new_test_user(
            self.env, login="enrol_manager", groups="base.group_user,face_attendance.group_face_attendance_manager"
        )

    def test_minimum_face_size_setting(self):
        self.config.set("min_face_size", 200)
        with self.assertRaisesRegex(UserError, "at least 200"):
            self.enrol(self.employee, face_b64("Hugo_Chavez", 1))

    def test_consent_required(self):
        self.config.set("consent_required", True)
        with self.assertRaisesRegex(UserError, "consent"):
            self.enrol(self.employee, face_b64("Hugo_Chavez", 1))
        self.employee.face_consent = True
        self.assertTrue(self.employee.face_consent_date)
        self.assertEqual(self.employee.face_consent_user_id, self.env.user)
        self.enrol(self.employee, face_b64("Hugo_Chavez", 1))
        self.assertEqual(self.employee.face_count, 1)

    def test_enrol_wizard(self):
        wizard = self.env["face.enrol.wizard"].create(
            {
                "employee_id": self.employee.id,
                "line_ids": [(0, 0, {"image": face_b64("Kofi_Annan", n)}) for n in (1, 2)],
            }
        )
        self.assertIn("Face found", wizard.line_ids[0].feedback)
        wizard.action_enrol()
        self.assertEqual(self.employee.face_count, 2)

    def test_gallery_sync_for_daemons(self):
        kept = self.enrol(self.employee, face_b64("Hugo_Chavez", 1))
        archived = self.enrol(self.employee, face_b64("Hugo_Chavez", 2))
        deleted = self.enrol(self.other, face_b64("Kofi_Annan", 1))
        Template = self.env["face.template"].with_user(self.device_user)
        tag = get_encoder("sface").tag
        full = Template.gallery_sync(tag)
        self.assertEqual({t["id"] for t in full["templates"]}, {kept.id, archived.id, deleted.id})
        self.assertEqual(
            Template.gallery_sync("dlib:resnet_v1")["templates"], [], "other encoders' templates never mix"
        )
        since = full["server_time"]
        self.env.cr.execute("UPDATE face_template SET write_date = write_date - interval '1 hour'")
        self.env.cr.execute("UPDATE hr_employee SET write_date = write_date - interval '1 hour'")
        self.env.invalidate_all()
        archived.active = False
        deleted_id = deleted.id
        deleted.unlink()
        delta = Template.gallery_sync(tag, since)
        # The person's own record changed (face count), so their remaining template may come again.
        self.assertLessEqual({t["id"] for t in delta["templates"]}, {kept.id})
        self.assertEqual(set(delta["removed"]), {archived.id, deleted_id})

    def test_erasure_removes_templates_and_snapshots(self):
        self.enrol(self.employee, face_b64("Hugo_Chavez", 1))
        snapshot = face_b64("Hugo_Chavez", 2).decode()
        self.ingest(self.event(self.cam_entry, "2026-01-20T07:00:00Z", self.employee, uid="snap", snapshot=snapshot))
        event = self.env["face.recognition.event"].search([("event_uid", "=", "snap")])
        self.assertTrue(event.snapshot)
        self.employee.action_erase_biometric_data()
        self.assertEqual(
            self.env["face.template"]
            .with_context(active_test=False)
            .search_count([("employee_id", "=", self.employee.id)]),
            0,
        )
        self.assertFalse(event.snapshot)
        self.assertFalse(
            self.env["ir.attachment"]
            .sudo()
            .search_count(
                [
                    ("res_model", "=", "face.recognition.event"),
                    ("res_id", "=", event.id),
                    ("res_field", "=", "snapshot"),
                ]
            )
        )
