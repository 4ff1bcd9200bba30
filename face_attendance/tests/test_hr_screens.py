import base64
from datetime import datetime, timedelta

from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import FaceAttendanceCase, face_b64, stranger_photo


@tagged("post_install", "-at_install", "face_attendance")
class TestHrScreens(FaceAttendanceCase):
    """The server side of the HR screens: enrolment feedback, review queue, alerts, reports."""

    def test_photo_feedback(self):
        kofi = self.env["hr.employee"].create({"name": "Feedback Kofi", "person_ref": "FB-KOFI"})
        kofi.face_enrol_photos([face_b64("Kofi_Annan", 1).decode()], "upload")
        good = self.employee.face_check_photo("data:image/jpeg;base64," + face_b64("Winona_Ryder", 1).decode())
        self.assertTrue(good["ok"])
        self.assertGreater(good["face_size"], 60)
        self.assertFalse(good["warnings"])
        # A photo of somebody already enrolled is flagged.
        other = self.employee.face_check_photo(face_b64("Kofi_Annan", 2).decode())
        self.assertTrue(other["ok"])
        self.assertEqual(other["duplicate_of"], "Feedback Kofi")
        refused = self.employee.face_check_photo(base64.b64encode(b"not a photo").decode())
        self.assertFalse(refused["ok"])
        several = self.employee.face_check_photo(face_b64("Carlos_Menem", 3).decode())
        self.assertFalse(several["ok"])
        self.assertIn("faces", several["message"])

    def test_enrol_photos_needs_consent_when_required(self):
        self.config.set("consent_required", True)
        with self.assertRaises(UserError):
            self.employee.face_enrol_photos([face_b64("Winona_Ryder", 1).decode()], "webcam")
        self.assertEqual(self.employee.face_count, 0)
        result = self.employee.face_enrol_photos([face_b64("Winona_Ryder", 1).decode()], "webcam", consent=True)
        self.assertEqual(result["face_count"], 1)
        self.assertTrue(self.employee.face_consent)
        self.assertEqual(self.employee.face_template_ids.origin, "webcam")

    def _unknown(self, uid, photo_bytes, minutes_ago):
        # Around yesterday's noon (UTC): a sighting series across the employees' midnight would be two days.
        noon = (datetime.utcnow() - timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
        when = (noon - timedelta(minutes=minutes_ago)).isoformat() + "Z"
        return self.ingest(self.event(self.cam_entry, when, uid=uid, snapshot=base64.b64encode(photo_bytes).decode()))

    def test_unknown_faces_are_grouped_and_assigned(self):
        from .common import face_photo

        self._unknown("u-k1", face_photo("Kofi_Annan", 4), 30)
        self._unknown("u-k2", face_photo("Kofi_Annan", 5), 20)
        self._unknown("u-s1", stranger_photo("Aaron_Pena"), 10)
        groups = self.env["face.unknown.group"]._build_groups()
        self.assertEqual(sorted(groups.mapped("event_count")), [1, 2])
        kofi_group = groups.filtered(lambda g: g.event_count == 2)
        self.assertEqual(set(kofi_group.event_ids.mapped("event_uid")), {"u-k1", "u-k2"})
        kofi_group.employee_id = self.other
        kofi_group.action_assign()
        events = self.env["face.recognition.event"].search([("event_uid", "in", ("u-k1", "u-k2"))])
        self.assertEqual(events.employee_id, self.other)
        self.assertEqual(sorted(events.mapped("outcome")), ["checked_in", "duplicate"])
        self.assertEqual(self.other.face_count, 2)
        self.assertTrue(self.attendances(self.other))
        stranger_group = self.env["face.unknown.group"]._build_groups()
        self.assertEqual(stranger_group.event_ids.event_uid, "u-s1")
        stranger_group.action_dismiss()
        self.assertFalse(self.env["face.unknown.group"]._build_groups())

    def test_offline_alert_once_then_reset(self):
        manager = self.env.ref("base.user_admin")
        self.cam_entry.last_frame_at = datetime.utcnow() - timedelta(hours=2)
        Alert = self.env["face.device.alert"]
        Alert._cron_alert_offline()
        self.assertTrue(self.cam_entry.offline_alerted)
        activities = self.cam_entry.activity_ids
        self.assertEqual(len(activities), 1)
        self.assertIn(manager.partner_id, self.cam_entry.message_ids[:1].partner_ids)
        Alert._cron_alert_offline()  # still offline: no second alert
        self.assertEqual(len(self.cam_entry.activity_ids), 1)
        self.cam_entry.last_frame_at = datetime.utcnow()
        Alert._cron_alert_offline()
        self.assertFalse(self.cam_entry.offline_alerted)
        self.assertEqual(self.cam_exit.offline_alerted, False)  # never seen is not offline

    def test_offline_alert_stays_in_the_devices_company(self):
        other = self.env["res.company"].create({"name": "Offline Co B"})
        manager_b = new_test_user(
            self.env,
            login="fa_offline_b",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_id=other.id,
            company_ids=[(6, 0, [other.id])],
        )
        daemon_b = self.env["face.daemon"].create({"name": "b-daemon", "company_id": other.id})
        camera_b = self.env["face.camera"].create(
            {
                "name": "B gate",
                "source_type": "webcam",
                "source": "0",
                "company_id": other.id,
                "daemon_id": daemon_b.id,
                "last_frame_at": datetime.utcnow() - timedelta(hours=2),
            }
        )
        self.cam_entry.last_frame_at = datetime.utcnow() - timedelta(hours=2)
        self.env["face.device.alert"]._cron_alert_offline()
        admin = self.env.ref("base.user_admin")
        self.assertIn(manager_b.partner_id, camera_b.message_ids[:1].partner_ids)
        self.assertNotIn(admin.partner_id, camera_b.message_ids[:1].partner_ids)
        self.assertEqual(camera_b.activity_ids.user_id, manager_b)
        self.assertNotIn(manager_b.partner_id, self.cam_entry.message_ids[:1].partner_ids)

    def test_daily_summary_screen_and_sheet(self):
        day = datetime(2026, 11, 20, 8, 0)
        attendance = self.env["hr.attendance"].create(
            {"employee_id": self.employee.id, "check_in": day, "check_out": day + timedelta(hours=8)}
        )
        wizard = self.env["face.daily.summary.wizard"].create({"date": day.date()})
        self.assertGreaterEqual(wizard.present_count, 1)
        self.assertIn("Late", wizard.details)
        sheet = self.env["face.attendance.sheet.wizard"].create({"date_from": day.date(), "date_to": day.date()})
        people = sheet._sheet()
        mine = [p for p in people if p["employee"] == self.employee][0]
        self.assertEqual(mine["rows"][0]["check_in"], "09:00")  # Brussels time
        self.assertAlmostEqual(mine["total"], attendance.worked_hours)
        self.assertEqual(sheet.action_export_csv()["url"][:31], "/face_attendance/attendance.csv")


@tagged("post_install", "-at_install", "face_attendance")
class TestBackendCsv(HttpCase):
    def test_csv_download_in_session(self):
        employee = self.env["hr.employee"].create({"name": "Csv Person", "person_ref": "CSV1"})
        self.env["hr.attendance"].create(
            {
                "employee_id": employee.id,
                "check_in": datetime(2026, 11, 18, 8, 0),
                "check_out": datetime(2026, 11, 18, 12, 0),
            }
        )
        self.authenticate("admin", "admin")
        response = self.url_open(
            "/face_attendance/attendance.csv?start_date=2026-11-18&end_date=2026-11-18&person_id=CSV1"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Csv Person", response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("text/csv"))
