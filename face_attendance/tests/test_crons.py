from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import FaceAttendanceCase, face_b64

NOW = datetime(2026, 3, 10, 12, 0, 0)


@tagged("post_install", "-at_install", "face_attendance")
@freeze_time(NOW)
class TestCrons(FaceAttendanceCase):
    def run_cron(self, xmlid):
        # The cron's action in this test's transaction (19's method_direct_trigger opens a cursor
        # of its own, which cannot see the test's data), as the cron's user.
        cron = self.env.ref(xmlid)
        cron.ir_actions_server_id.with_user(cron.user_id).run()

    def test_forgotten_check_out_closed_at_last_sighting(self):
        check_in = NOW - timedelta(hours=20)
        with freeze_time(check_in + timedelta(hours=7)):  # sent live, the attendance is not forgotten yet
            self.ingest(
                self.event(self.cam_entry, check_in, self.employee),
                self.event(self.cam_entry, check_in + timedelta(hours=6), self.employee),
            )  # still in
            self.assertFalse(self.attendances().check_out)
        self.ingest(self.event(self.cam_entry, NOW - timedelta(hours=2), self.other))  # recent: left alone
        self.run_cron("face_attendance.ir_cron_close_forgotten_checkouts")
        attendance = self.attendances()
        self.assertEqual(attendance.check_out, check_in + timedelta(hours=6))
        self.assertEqual((attendance.out_mode, attendance.face_auto_closed), ("auto_check_out", True))
        self.assertFalse(self.attendances(self.other).check_out)
        self.assertTrue(self.env["face.system.log"].search([("action", "=", "cron.close_forgotten")]))

    def test_forgotten_check_out_fixed_rule(self):
        self.config.set("forgotten_checkout_rule", "fixed")
        self.config.set("forgotten_checkout_fixed_hours", 8)
        check_in = NOW - timedelta(hours=30)
        with freeze_time(check_in + timedelta(hours=1)):
            self.ingest(self.event(self.cam_entry, check_in, self.employee))
        self.run_cron("face_attendance.ir_cron_close_forgotten_checkouts")
        self.assertEqual(self.attendances().check_out, check_in + timedelta(hours=8))
        self.assertTrue(self.attendances().face_auto_closed)

    def test_retention_purge(self):
        self.config.set("snapshot_retention_days", 7)
        self.config.set("unknown_retention_days", 14)
        self.config.set("event_retention_days", 60)
        snapshot = face_b64("Hugo_Chavez", 1).decode()
        events = [
            self.event(self.cam_entry, NOW - timedelta(days=10), self.employee, uid="old-snap", snapshot=snapshot),
            self.event(self.cam_entry, NOW - timedelta(days=1), self.other, uid="new-snap", snapshot=snapshot),
            self.event(self.cam_entry, NOW - timedelta(days=20), None, uid="old-unknown"),
            self.event(self.cam_entry, NOW - timedelta(days=3), None, uid="new-unknown"),
            self.event(self.cam_exit, NOW - timedelta(days=90), self.other, uid="ancient"),
        ]
        self.ingest(*events)
        attendance = self.attendances()
        self.run_cron("face_attendance.ir_cron_purge_retention")
        Event = self.env["face.recognition.event"]
        remaining = {e.event_uid: e for e in Event.search([("event_uid", "in", [e["event_id"] for e in events])])}
        self.assertEqual(set(remaining), {"old-snap", "new-snap", "new-unknown"})
        self.assertFalse(remaining["old-snap"].snapshot)
        self.assertTrue(remaining["new-snap"].snapshot)
        self.assertTrue(attendance.exists(), "purging events keeps the attendance")
