import contextlib
import io
import os
from datetime import datetime, timedelta

from odoo.tests import tagged

from .common import face_b64, face_photo, fake_camera
from .tour_case import SCREENSHOTS, FaceTourCase


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_tours")
class TestTours(FaceTourCase):
    """HR screens in headless Chromium; each tour saves screenshots to FA_SCREENSHOTS_DIR."""

    def test_enrol_from_photos(self):
        employee = self.env["hr.employee"].create({"name": "Tour Enrol", "person_ref": "TOUR-ENROL"})
        self.env["face.attendance.config"].set("consent_required", True)
        for number in (1, 2):
            attachment = self.env["ir.attachment"].create(
                {
                    "name": "tour_photo_%d.jpg" % number,
                    "datas": face_b64("Gordon_Brown", number),
                    "mimetype": "image/jpeg",
                    "public": True,
                }
            )
            self.env["ir.model.data"].create(
                {
                    "module": "face_attendance",
                    "name": "tour_photo_%d" % number,
                    "model": "ir.attachment",
                    "res_id": attachment.id,
                }
            )
        self.start_tour_with_screenshots("/odoo/employees/%d" % employee.id, "face_attendance_enrol_tour")
        self.assertEqual(employee.face_count, 2)
        self.assertTrue(employee.face_consent)
        self.assertEqual(set(employee.face_template_ids.mapped("origin")), {"upload"})

    def test_enrol_with_the_webcam(self):
        """Chromium's fake camera plays a video of a real face: getUserMedia, capture, check, enrol."""
        import cv2
        import numpy

        employee = self.env["hr.employee"].create({"name": "Webcam Person", "person_ref": "TOUR-CAM"})
        photo = cv2.imdecode(numpy.frombuffer(face_photo("Winona_Ryder", 2), numpy.uint8), cv2.IMREAD_COLOR)
        frame = numpy.full((480, 640, 3), 120, numpy.uint8)
        frame[40:440, 120:520] = cv2.resize(photo, (400, 400))
        y4m = os.path.join(self.tmp_dir(), "face.y4m")
        with open(y4m, "wb") as handle:
            handle.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
            planes = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes()
            for _ in range(10):
                handle.write(b"FRAME\n" + planes)
        with fake_camera(y4m):
            self.start_tour_with_screenshots("/odoo/employees/%d" % employee.id, "face_attendance_webcam_tour")
        self.assertEqual(employee.face_count, 1)
        self.assertEqual(employee.face_template_ids.origin, "webcam")

    def test_live_monitor_is_pushed(self):
        self.env["face.camera"].create(
            {"name": "Tour camera", "source_type": "file", "source": "x", "direction": "entry"}
        )
        self.env["hr.employee"].create({"name": "Live Person", "person_ref": "TOUR-LIVE"})
        with self.pushed_bus():
            self.start_tour_with_screenshots(
                "/odoo/action-face_attendance.face_live_monitor_action", "face_attendance_live_monitor_tour"
            )
        event = self.env["face.recognition.event"].search([("event_uid", "=", "tour-live-1")])
        self.assertEqual(event.outcome, "checked_in")

    def test_assign_unknown_faces(self):
        kofi = self.env["hr.employee"].create({"name": "Unknown Kofi", "person_ref": "TOUR-KOFI"})
        camera = self.env["face.camera"].create(
            {"name": "Review cam", "source_type": "file", "source": "x", "direction": "entry"}
        )
        now = datetime.utcnow().replace(microsecond=0)
        self.env["face.recognition.event"].ingest_events(
            [
                {
                    "event_id": "tour-unknown-%d" % number,
                    "camera_id": camera.id,
                    "timestamp": (now - timedelta(minutes=10 - number)).isoformat() + "Z",
                    "snapshot": face_b64("Kofi_Annan", number).decode(),
                }
                for number in (4, 5)
            ]
        )
        self.start_tour_with_screenshots(
            "/odoo/action-face_attendance.face_unknown_group_action", "face_attendance_unknown_tour"
        )
        events = self.env["face.recognition.event"].search([("event_uid", "like", "tour-unknown-")])
        self.assertEqual(events.employee_id, kofi)
        self.assertEqual(set(events.mapped("review_state")), {"assigned"})
        self.assertEqual(set(events.mapped("outcome")), {"checked_in", "duplicate"})
        self.assertEqual(kofi.face_count, 2)  # the snapshots became templates

    def test_screens_and_pdf(self):
        employee = self.env["hr.employee"].create({"name": "Sheet Person", "person_ref": "TOUR-SHEET"})
        self.env["face.template"].create({"employee_id": employee.id, "image": face_b64("Jackie_Chan", 1)})
        camera = self.env["face.camera"].create(
            {"name": "Screens camera", "source_type": "rtsp", "source": "rtsp://10.0.0.9/stream", "direction": "both"}
        )
        self.env["face.daemon"].create({"name": "screens-daemon"})
        now = datetime.utcnow().replace(microsecond=0)
        self.env["face.recognition.event"].ingest_events(
            [
                {
                    "event_id": "tour-sheet-%d" % n,
                    "camera_id": camera.id,
                    "person_id": "TOUR-SHEET",
                    "timestamp": (now - timedelta(hours=3 - n)).isoformat() + "Z",
                }
                for n in (0, 2)
            ]
        )
        self.start_tour_with_screenshots(
            "/odoo/action-face_attendance.hr_employee_face_action", "face_attendance_screens_tour"
        )
        # The PDF attendance sheet, through wkhtmltopdf: a real PDF naming the person.
        wizard = self.env["face.attendance.sheet.wizard"].create(
            {"date_from": (now - timedelta(days=1)).date(), "date_to": (now + timedelta(days=1)).date()}
        )
        # Odoo 19 refuses wkhtmltopdf's requests for the report's styles during tests unless told
        # (without them it draws the text as shapes); 18 lets them through.
        with getattr(self, "allow_pdf_render", contextlib.nullcontext)():
            pdf, kind = (
                self.env["ir.actions.report"]
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf("face_attendance.action_report_attendance_sheet", wizard.ids)
            )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        with open(os.path.join(SCREENSHOTS, "attendance_sheet.pdf"), "wb") as handle:
            handle.write(pdf)
        from PyPDF2 import PdfReader

        # wkhtmltopdf places words one by one: compare on normalised whitespace.
        text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
        self.assertIn("Sheet Person", text, text[-3000:])
        self.assertGreaterEqual(len(self.saved), 6, self.saved)
