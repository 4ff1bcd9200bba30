import random
import re
from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from ..models import hr_attendance
from ..models.hr_attendance import OVERTIME_FIGURES
from ..models.odoo_compat import USER_GROUPS, V19
from .common import FaceAttendanceCase

# Brussels is UTC+1 in January: 07:00 UTC is 08:00 local.
NOW = datetime(2026, 1, 20, 18, 0, 0)


def utc(day, hour, minute=0, second=0):
    return datetime(2026, 1, day, hour, minute, second)


@tagged("post_install", "-at_install", "face_attendance")
@freeze_time(NOW)
class TestAttendanceRules(FaceAttendanceCase):
    def test_entry_then_exit_makes_one_attendance_with_odoo_worked_hours(self):
        answers = self.ingest(
            self.event(self.cam_entry, utc(20, 7), self.employee), self.event(self.cam_exit, utc(20, 16), self.employee)
        )
        self.assertEqual([a["outcome"] for a in answers], ["checked_in", "checked_out"])
        attendance = self.attendances()
        self.assertEqual(len(attendance), 1)
        self.assertEqual((attendance.check_in, attendance.check_out), (utc(20, 7), utc(20, 16)))
        self.assertEqual((attendance.in_mode, attendance.out_mode), ("face", "face"))
        self.assertEqual(attendance.face_camera_id, self.cam_entry)
        self.assertEqual(answers[0]["attendance_id"], attendance.id)
        # Odoo's own computation (9 h minus the calendar's lunch hour) keeps working.
        self.assertAlmostEqual(attendance.worked_hours, 8.0, places=2)
        self.assertEqual(self.employee.attendance_state, "checked_out")

    def test_duplicate_window(self):
        self.ingest(self.event(self.cam_entry, utc(20, 7), self.employee))
        answers = self.ingest(self.event(self.cam_exit, utc(20, 7, 4, 59), self.employee))
        self.assertEqual(answers[0]["outcome"], "duplicate")
        self.assertEqual(self.spans(), [(utc(20, 7), None)])
        answers = self.ingest(self.event(self.cam_exit, utc(20, 7, 5, 0), self.employee))
        self.assertEqual(answers[0]["outcome"], "checked_out")
        self.assertEqual(self.spans(), [(utc(20, 7), utc(20, 7, 5))])

    def test_duplicate_window_setting_is_used(self):
        self.config.set("duplicate_window_minutes", 30)
        self.ingest(self.event(self.cam_entry, utc(20, 7), self.employee))
        answers = self.ingest(self.event(self.cam_exit, utc(20, 7, 20), self.employee))
        self.assertEqual(answers[0]["outcome"], "duplicate")

    def test_entry_when_checked_in_is_a_duplicate(self):
        answers = self.ingest(
            self.event(self.cam_entry, utc(20, 7), self.employee), self.event(self.cam_entry, utc(20, 9), self.employee)
        )
        self.assertEqual([a["outcome"] for a in answers], ["checked_in", "duplicate"])
        self.assertEqual(self.spans(), [(utc(20, 7), None)])

    def test_exit_with_nothing_open_is_an_error_not_hours(self):
        answers = self.ingest(self.event(self.cam_exit, utc(20, 16), self.employee))
        self.assertEqual(answers[0]["outcome"], "error")
        self.assertIn("no open attendance", answers[0]["message"])
        self.assertFalse(self.attendances())

    def test_both_direction_first_in_last_out(self):
        answers = self.ingest(
            self.event(self.cam_both, utc(20, 7), self.employee),
            self.event(self.cam_both, utc(20, 12), self.employee),
            self.event(self.cam_both, utc(20, 16, 15), self.employee),
        )
        self.assertEqual([a["outcome"] for a in answers], ["checked_in", "checked_out", "checked_out"])
        attendance = self.attendances()
        self.assertEqual(len(attendance), 1)
        self.assertEqual((attendance.check_in, attendance.check_out), (utc(20, 7), utc(20, 16, 15)))
        # "already checked in today -> mark checkout, duration 9.25 h"
        self.assertAlmostEqual((attendance.check_out - attendance.check_in).total_seconds() / 3600, 9.25)
        self.assertAlmostEqual(attendance.worked_hours, 8.25, places=2)  # Odoo removes the lunch hour
        self.assertEqual(attendance.face_out_event_id.event_uid, answers[2]["event_id"])

    @freeze_time(datetime(2026, 1, 20, 6, 0, 0))
    def test_working_day_follows_employee_time_zone(self):
        # 22:50 UTC is 23:50 in Brussels (the 19th); 23:10 UTC is 00:10 (the 20th): two working days.
        self.ingest(
            self.event(self.cam_both, utc(19, 22, 50), self.employee),
            self.event(self.cam_both, utc(19, 23, 10), self.employee),
        )
        spans = self.spans()
        self.assertEqual(len(spans), 2)
        self.assertEqual(spans[1], (utc(19, 23, 10), None))
        first = self.attendances()[0]
        self.assertTrue(first.face_auto_closed)
        self.assertEqual(first.check_out, utc(19, 22, 50), "a forgotten check-out must not invent hours")
        # 23:10 and 23:40 UTC are both the 20th in Brussels (while both the 19th in UTC): one day.
        self.ingest(
            self.event(self.cam_both, utc(19, 23, 10), self.other),
            self.event(self.cam_both, utc(19, 23, 40), self.other),
        )
        self.assertEqual(self.spans(self.other), [(utc(19, 23, 10), utc(19, 23, 40))])

    def test_exit_camera_closes_a_night_shift(self):
        self.ingest(
            self.event(self.cam_entry, utc(19, 20), self.employee), self.event(self.cam_exit, utc(20, 4), self.employee)
        )
        self.assertEqual(self.spans(), [(utc(19, 20), utc(20, 4))])

    def test_forgotten_open_attendance_is_closed_by_next_days_entry(self):
        self.ingest(
            self.event(self.cam_entry, utc(19, 7), self.employee),
            self.event(self.cam_entry, utc(19, 15), self.employee),
        )  # seen again, still in
        answers = self.ingest(self.event(self.cam_entry, utc(20, 7), self.employee))
        self.assertEqual(answers[0]["outcome"], "checked_in")
        first, second = self.attendances()
        self.assertEqual(
            (first.check_out, first.out_mode, first.face_auto_closed), (utc(19, 15), "auto_check_out", True)
        )
        self.assertEqual((second.check_in, second.check_out), (utc(20, 7), False))

    def test_two_events_same_moment(self):
        answers = self.ingest(
            self.event(self.cam_entry, utc(20, 7), self.employee, uid="same-a"),
            self.event(self.cam_both, utc(20, 7), self.employee, uid="same-b"),
        )
        self.assertEqual(sorted(a["outcome"] for a in answers), ["checked_in", "duplicate"])
        self.assertEqual(self.spans(), [(utc(20, 7), None)])

    def test_idempotent_batches(self):
        batch = [
            self.event(self.cam_entry, utc(20, 7), self.employee, uid="idem-1"),
            self.event(self.cam_exit, utc(20, 15), self.employee, uid="idem-2"),
            self.event(self.cam_both, utc(20, 9), None, uid="idem-3"),
        ]
        first = self.ingest(*batch)
        events_before = self.env["face.recognition.event"].search_count([])
        attendance = self.attendances()
        attendance_state = (attendance.id, attendance.check_in, attendance.check_out, attendance.write_date)
        second = self.ingest(*batch)
        self.assertEqual([a["status"] for a in first], ["created"] * 3)
        self.assertEqual([a["status"] for a in second], ["exists"] * 3)
        self.assertEqual([a["outcome"] for a in first], [a["outcome"] for a in second])
        self.assertEqual(self.env["face.recognition.event"].search_count([]), events_before)
        attendance = self.attendances()
        self.assertEqual(
            (attendance.id, attendance.check_in, attendance.check_out, attendance.write_date), attendance_state
        )
        # The same id twice in one batch is taken once.
        answers = self.ingest(
            self.event(self.cam_entry, utc(20, 16), self.other, uid="twice"),
            self.event(self.cam_entry, utc(20, 16), self.other, uid="twice"),
        )
        self.assertEqual([a["status"] for a in answers], ["created", "exists"])
        self.assertEqual(len(self.attendances(self.other)), 1)

    def test_out_of_order_replay_gives_the_same_attendance(self):
        day = [
            (self.cam_both, utc(18, 7, 2)),
            (self.cam_both, utc(18, 7, 4)),
            (self.cam_both, utc(18, 12)),
            (self.cam_entry, utc(19, 7)),
            (self.cam_entry, utc(19, 7, 3)),
            (self.cam_exit, utc(19, 11)),
            (self.cam_entry, utc(19, 12)),
            (self.cam_exit, utc(19, 16, 30)),
            (self.cam_exit, utc(19, 17)),
            (self.cam_both, utc(19, 23, 30)),
            (self.cam_both, utc(20, 8)),
            (self.cam_exit, utc(20, 9)),
        ]
        self.ingest(*[self.event(cam, when, self.employee, uid="live-%02d" % i) for i, (cam, when) in enumerate(day)])
        shuffled = list(enumerate(day))
        random.Random(7).shuffle(shuffled)
        replayed = {}
        for i, (cam, when) in shuffled:  # one event per batch, in a random order
            replayed[i] = self.ingest(self.event(cam, when, self.other, uid="late-%02d" % i))[0]
        self.assertEqual(self.spans(self.employee), self.spans(self.other))
        self.assertTrue(len(self.spans(self.employee)) >= 4)
        events = self.env["face.recognition.event"]
        for i in range(len(day)):
            self.assertEqual(
                events.search([("event_uid", "=", "live-%02d" % i)]).outcome,
                events.search([("event_uid", "=", "late-%02d" % i)]).outcome,
                "event %d" % i,
            )

    def test_late_event_before_live_ones_rewrites_the_day(self):
        self.ingest(
            self.event(self.cam_both, utc(20, 9), self.employee), self.event(self.cam_both, utc(20, 15), self.employee)
        )
        attendance = self.attendances()
        answers = self.ingest(self.event(self.cam_both, utc(20, 7), self.employee))  # arrives after an outage
        self.assertEqual(answers[0]["outcome"], "checked_in")
        self.assertEqual(self.spans(), [(utc(20, 7), utc(20, 15))])
        self.assertEqual(self.attendances(), attendance, "the attendance is updated in place")

    def test_future_events_are_rejected(self):
        answers = self.ingest(self.event(self.cam_entry, NOW + timedelta(minutes=10), self.employee))
        self.assertEqual(answers[0]["outcome"], "rejected")
        self.assertFalse(self.attendances())
        answers = self.ingest(self.event(self.cam_entry, NOW + timedelta(minutes=4), self.employee))
        self.assertEqual(answers[0]["outcome"], "checked_in", "within the tolerance for clock skew")

    def test_unknown_faces_are_recorded(self):
        answers = self.ingest(self.event(self.cam_entry, utc(20, 7), None, distance=0.9, confidence=0.1))
        self.assertEqual(answers[0]["outcome"], "unknown")
        event = self.env["face.recognition.event"].search([("event_uid", "=", answers[0]["event_id"])])
        self.assertEqual((event.outcome, event.camera_id, event.distance), ("unknown", self.cam_entry, 0.9))
        self.assertFalse(self.env["hr.attendance"].search([("face_in_event_id", "=", event.id)]))

    def test_liveness_verdicts_of_the_sender(self):
        answers = self.ingest(
            self.event(self.cam_entry, utc(20, 7), self.employee, uid="spoof-1", liveness="spoof", liveness_score=0.02),
            self.event(self.cam_entry, utc(20, 7, 1), self.employee, uid="unavail-1", liveness="unavailable"),
            self.event(self.cam_entry, utc(20, 7, 2), None, uid="spoof-unknown", liveness="spoof"),
            self.event(self.cam_entry, utc(20, 7, 3), self.employee, uid="flagged", liveness_score=0.31),
            self.event(self.cam_entry, utc(20, 7, 4), self.employee, uid="bad-verdict", liveness="probably"),
            self.event(self.cam_entry, utc(20, 7, 5), self.employee, uid="bad-score", liveness_score=1.5),
            self.event(self.cam_entry, utc(20, 7, 6), self.employee, uid="bool-score", liveness_score=True),
        )
        self.assertEqual(
            [a["outcome"] for a in answers],
            ["spoof", "rejected", "spoof", "checked_in", "rejected", "rejected", "rejected"],
        )
        self.assertEqual([a["status"] for a in answers[4:]], ["invalid"] * 3)
        self.assertIn("liveness must be one of", answers[4]["message"])
        self.assertIn("liveness_score", answers[5]["message"])
        Event = self.env["face.recognition.event"]
        spoof = Event.search([("event_uid", "=", "spoof-1")])
        self.assertEqual((spoof.liveness, spoof.liveness_score, spoof.attendance_id.id), ("spoof", 0.02, False))
        self.assertIn("could not be checked", Event.search([("event_uid", "=", "unavail-1")]).message)
        # Only the event with a score and no verdict (a camera in "flag" mode) counted: one check-in, at 07:00:03.
        self.assertEqual(self.spans(), [(utc(20, 7, 3), None)])
        # Spoofs stay out of the rules' replay: a later event still sees only the flagged check-in.
        answers = self.ingest(self.event(self.cam_exit, utc(20, 16), self.employee, uid="out"))
        self.assertEqual(answers[0]["outcome"], "checked_out")
        self.assertEqual(spoof.outcome, "spoof")

    def test_a_camera_that_enforces_liveness_marks_nothing_unchecked(self):
        self.cam_entry.liveness_mode = "enforce"
        answers = self.ingest(
            self.event(self.cam_entry, utc(20, 7), self.employee, uid="unchecked"),
            self.event(
                self.cam_entry, utc(20, 7, 1), self.employee, uid="checked", liveness="live", liveness_score=0.9
            ),
        )
        self.assertEqual([a["outcome"] for a in answers], ["rejected", "checked_in"])
        self.assertEqual(self.spans(), [(utc(20, 7, 1), None)])

    def test_person_reference_and_timezone_offsets(self):
        answers = self.ingest(
            {
                "event_id": "ref-1",
                "camera_id": self.cam_entry.id,
                "timestamp": "2026-01-20T08:00:00+01:00",
                "person_id": "EMP-ADA",
            }
        )
        self.assertEqual(answers[0]["outcome"], "checked_in")
        self.assertEqual(self.spans(), [(utc(20, 7), None)])

    def test_invalid_events_get_clear_answers_and_do_not_block_the_batch(self):
        answers = self.ingest(
            {
                "event_id": "bad-1",
                "camera_id": self.cam_entry.id,
                "timestamp": "yesterday",
                "employee_id": self.employee.id,
            },
            {"event_id": "bad-2", "camera_id": 999999, "timestamp": "2026-01-20T07:00:00Z"},
            {"event_id": "bad-3", "camera_id": self.cam_entry.id, "timestamp": "2026-01-20T07:00:00Z", "colour": "red"},
            {"camera_id": self.cam_entry.id, "timestamp": "2026-01-20T07:00:00Z"},
            {
                "event_id": "bad-5",
                "camera_id": self.cam_entry.id,
                "timestamp": "2026-01-20T07:00:00Z",
                "person_id": "NOPE",
            },
            {
                "event_id": "bad-6",
                "camera_id": self.cam_entry.id,
                "timestamp": "2026-01-20T07:00:00Z",
                "snapshot": "%%%",
            },
            "not an object",
            self.event(self.cam_entry, utc(20, 7), self.employee, uid="good"),
        )
        self.assertEqual([a["status"] for a in answers], ["invalid"] * 7 + ["created"])
        self.assertIn("ISO 8601", answers[0]["message"])
        self.assertIn("camera 999999", answers[1]["message"])
        self.assertIn("colour", answers[2]["message"])
        self.assertIn("event_id", answers[3]["message"])
        self.assertIn("NOPE", answers[4]["message"])
        self.assertIn("base64", answers[5]["message"])
        self.assertEqual(answers[7]["outcome"], "checked_in")

    def toggle_camera(self):
        return self.env["face.camera"].create(
            {
                "name": "Kiosk",
                "source_type": "file",
                "source": "/dev/null",
                "direction": "toggle",
                "daemon_id": self.daemon.id,
            }
        )

    def test_toggle_checks_in_then_out_as_odoos_kiosk(self):
        kiosk = self.toggle_camera()
        answers = self.ingest(
            self.event(kiosk, utc(20, 7), self.employee),
            self.event(kiosk, utc(20, 7, 2), self.employee),  # within the duplicate window
            self.event(kiosk, utc(20, 11), self.employee),
            self.event(kiosk, utc(20, 12), self.employee),
            self.event(kiosk, utc(20, 16), self.employee),
        )
        self.assertEqual(
            [a["outcome"] for a in answers], ["checked_in", "duplicate", "checked_out", "checked_in", "checked_out"]
        )
        self.assertEqual(self.spans(), [(utc(20, 7), utc(20, 11)), (utc(20, 12), utc(20, 16))])

    def test_toggle_closes_a_night_shift_but_not_a_forgotten_attendance(self):
        kiosk = self.toggle_camera()
        answers = self.ingest(
            self.event(kiosk, utc(16, 21), self.employee), self.event(kiosk, utc(17, 5), self.employee)
        )
        self.assertEqual([a["outcome"] for a in answers], ["checked_in", "checked_out"])
        self.assertEqual(self.spans(), [(utc(16, 21), utc(17, 5))])
        # Left open longer than the forgotten check-out rule (16 h): closed by that rule, and a new check-in.
        answers = self.ingest(
            self.event(kiosk, utc(18, 7), self.employee), self.event(kiosk, utc(20, 7), self.employee)
        )
        self.assertEqual([a["outcome"] for a in answers], ["checked_in", "checked_in"])
        spans = self.attendances().sorted("check_in")
        self.assertTrue(spans[1].face_auto_closed)
        self.assertEqual((spans[2].check_in, spans[2].check_out), (utc(20, 7), False))

    def test_toggle_checks_out_an_attendance_opened_by_hand(self):
        manual = self.env["hr.attendance"].create({"employee_id": self.employee.id, "check_in": utc(20, 7)})
        answers = self.ingest(self.event(self.toggle_camera(), utc(20, 16), self.employee))
        self.assertEqual(answers[0]["outcome"], "checked_out")
        self.assertEqual(manual.check_out, utc(20, 16))

    def test_exit_camera_checks_out_an_attendance_opened_by_hand(self):
        manual = self.env["hr.attendance"].create({"employee_id": self.employee.id, "check_in": utc(20, 7)})
        answers = self.ingest(
            self.event(self.cam_entry, utc(20, 8), self.employee), self.event(self.cam_exit, utc(20, 16), self.employee)
        )
        self.assertEqual([a["outcome"] for a in answers], ["duplicate", "checked_out"])
        self.assertEqual((manual.check_out, manual.out_mode), (utc(20, 16), "face"))
        self.assertEqual(len(self.attendances()), 1)

    def test_overlap_with_a_manual_attendance_is_an_error_not_a_crash(self):
        self.env["hr.attendance"].create(
            {"employee_id": self.employee.id, "check_in": utc(20, 10), "check_out": utc(20, 11)}
        )
        answers = self.ingest(
            self.event(self.cam_both, utc(20, 7), self.employee), self.event(self.cam_both, utc(20, 16), self.employee)
        )
        self.assertEqual([a["outcome"] for a in answers], ["error", "error"])
        self.assertEqual(len(self.attendances()), 1)

    def test_one_persons_conflict_leaves_the_others_in_the_batch_written(self):
        # The batch is written together; Odoo refusing Ada's spans (a hand-entered overlap) must
        # not cost Bob his attendance.
        self.env["hr.attendance"].create(
            {"employee_id": self.employee.id, "check_in": utc(20, 10), "check_out": utc(20, 11)}
        )
        answers = self.ingest(
            self.event(self.cam_both, utc(20, 7), self.employee),
            self.event(self.cam_entry, utc(20, 7, 30), self.other),
            self.event(self.cam_both, utc(20, 16), self.employee),
            self.event(self.cam_exit, utc(20, 17), self.other),
        )
        self.assertEqual([a["outcome"] for a in answers], ["error", "checked_in", "error", "checked_out"])
        self.assertEqual(self.spans(self.other), [(utc(20, 7, 30), utc(20, 17))])
        self.assertEqual(len(self.attendances()), 1)

    def test_overtime_of_a_batch_is_odoos_own(self):
        # Overtime is updated once per batch: it must equal what Odoo computes when the same
        # attendances are entered one by one.
        self.env.company.write({"overtime_company_threshold": 0, "overtime_employee_threshold": 0})
        carol = self.env["hr.employee"].create(
            {
                "name": "Carol Test",
                "tz": "Europe/Brussels",
                "resource_calendar_id": self.employee.resource_calendar_id.id,
            }
        )
        days = [(19, 6, 18), (20, 5, 17)]  # Monday and Tuesday, 12 h each (8 h planned)
        events = []
        for day, start, end in days:
            events += [
                self.event(self.cam_entry, utc(day, start), self.employee),
                self.event(self.cam_exit, utc(day, end), self.employee),
                self.event(self.cam_entry, utc(day, start), self.other),
                self.event(self.cam_exit, utc(day, end), self.other),
            ]
            self.env["hr.attendance"].create(
                {"employee_id": carol.id, "check_in": utc(day, start), "check_out": utc(day, end)}
            )
        random.Random(7).shuffle(events)
        self.ingest(*events)

        def overtime(employee):
            return [round(a.overtime_hours, 2) for a in self.attendances(employee)]

        expected = overtime(carol)
        self.assertTrue(len(expected) == 2 and all(hours > 0 for hours in expected), expected)
        self.assertEqual(overtime(self.employee), expected)
        self.assertEqual(overtime(self.other), expected)

    def test_a_batch_recomputes_the_overtime_figures_of_its_own_days_only(self):
        # Odoo 18's overtime update marks a person's whole history for recomputing: a batch keeps
        # the days it changed, whose figures must be what a full recompute gives, and leaves the
        # others alone (their figures cannot change).
        self.env.company.write({"overtime_company_threshold": 0, "overtime_employee_threshold": 0})
        Attendance = self.env["hr.attendance"]
        old = Attendance.create(
            [{"employee_id": self.employee.id, "check_in": utc(day, 6), "check_out": utc(day, 18)} for day in (12, 13)]
        )
        self.env.flush_all()
        recomputed = []
        compute = type(Attendance)._compute_overtime_hours

        def spy(records):
            recomputed.extend(records.ids)
            return compute(records)

        with patch.object(type(Attendance), "_compute_overtime_hours", spy):
            self.ingest(
                self.event(self.cam_entry, utc(19, 6), self.employee),
                self.event(self.cam_exit, utc(19, 18), self.employee),
            )
            self.env.flush_all()
        every = self.attendances()
        self.assertEqual(len(every), 3)
        if not V19:
            self.assertTrue(recomputed)
            self.assertFalse(set(old.ids) & set(recomputed), "other days' attendances were recomputed")
        names = [name for name in OVERTIME_FIGURES if name in Attendance._fields]

        def figures():
            every.invalidate_recordset(names)
            return [tuple(round(attendance[name], 4) for name in names) for attendance in every]

        kept = figures()
        # Odoo 18 counts the hand-made 12-hour days as overtime too; 19's rules, the camera's day only.
        self.assertTrue((any if V19 else all)(row[0] > 0 for row in kept), kept)
        for name in names:
            self.env.add_to_compute(Attendance._fields[name], every)
        self.env.flush_all()
        self.assertEqual(figures(), kept)

    def test_a_batch_gives_the_overtime_odoo_computes_again_person_by_person(self):
        # Odoo 18's overtime update of a batch reads the calendars of the persons sharing one together:
        # what Odoo's own update then finds to change must be nothing, for a shared calendar in two time
        # zones, a company holiday, a fully flexible person, a person only checked in, and one checked
        # in again on a day that has an overtime record.
        self.env.company.write({"overtime_company_threshold": 0, "overtime_employee_threshold": 0})
        calendar = self.employee.resource_calendar_id
        Employee = self.env["hr.employee"]
        dan = Employee.create({"name": "Dan Test", "tz": "America/New_York", "resource_calendar_id": calendar.id})
        eve = Employee.create({"name": "Eve Test", "tz": "Europe/Brussels", "resource_calendar_id": False})
        fay = Employee.create({"name": "Fay Test", "tz": "Europe/Brussels", "resource_calendar_id": calendar.id})
        gus = Employee.create({"name": "Gus Test", "tz": "Europe/Brussels", "resource_calendar_id": calendar.id})
        self.env["hr.attendance"].create({"employee_id": gus.id, "check_in": utc(20, 5), "check_out": utc(20, 6)})
        if not V19:
            # History far from the batch's days, which Odoo 18's update in a batch does not read.
            self.env["hr.attendance"].create(
                {"employee_id": dan.id, "check_in": datetime(2025, 12, 1, 8), "check_out": datetime(2025, 12, 1, 20)}
            )
        self.env["resource.calendar.leaves"].create(
            {"name": "Holiday morning", "date_from": utc(19, 9), "date_to": utc(19, 11), "calendar_id": False}
        )
        people = self.employee | self.other | dan | eve | gus
        events = [self.event(self.cam_entry, utc(20, 7), fay), self.event(self.cam_entry, utc(20, 7), gus)]
        for person, start, end in ((self.employee, 6, 18), (self.other, 7, 14), (dan, 12, 23), (eve, 6, 15)):
            events += [
                self.event(self.cam_entry, utc(19, start), person),
                self.event(self.cam_exit, utc(19, end), person),
            ]
        seen = {}

        def spy(name):
            original = getattr(hr_attendance, name)

            def wrapper(*args):
                seen[name] = original(*args)
                return seen[name]

            return patch.object(hr_attendance, name, wrapper)

        with spy("_expected_in_batch"), spy("_lunches_in_batch"):
            self.ingest(*events)
            self.env.flush_all()
        Attendance = self.env["hr.attendance"]
        every = Attendance.search([("employee_id", "in", (people | fay).ids)], order="employee_id, check_in")
        self.assertEqual(len(every), 7 if V19 else 8)
        if not V19:
            # Eve has no calendar of her own: her company's serves (as Odoo reads it).
            self.assertEqual({key[0] for key in seen["_expected_in_batch"]}, set((people | fay).ids))
            # Lunch breaks: persons on the shared calendar (Eve, with none of her own, is flexible).
            self.assertEqual(set(seen["_lunches_in_batch"]), set(((people | fay) - eve).ids))
            self.assertTrue(any(lunch[3] for lunch in seen["_lunches_in_batch"].values()), "the calendar has lunches")
        names = [name for name in (*OVERTIME_FIGURES, "worked_hours") if name in Attendance._fields]
        Overtime = self.env["hr.attendance.overtime.line" if V19 else "hr.attendance.overtime"]
        amounts = [name for name in ("duration", "duration_real", "manual_duration") if name in Overtime._fields]

        def figures():
            self.env.invalidate_all()
            overtimes = Overtime.search([("employee_id", "in", (people | fay).ids)], order="employee_id, date, id")
            return (
                [(a.employee_id.id, a.check_in, tuple(round(a[name], 4) for name in names)) for a in every],
                [(o.employee_id.id, o.date, tuple(round(o[name], 4) for name in amounts)) for o in overtimes],
            )

        kept = figures()
        self.assertTrue(any(row[2][0] for row in kept[0]), kept)
        # Lunch was taken off the worked hours: 06:00-18:00 UTC is 12 hours of presence.
        self.assertIn(11.0, [row[2][names.index("worked_hours")] for row in kept[0]], kept)
        self.assertTrue(kept[1], kept)
        every._update_overtime()  # Odoo's own, outside a batch
        for name in names:  # worked hours too: Odoo's lunch breaks, read attendance by attendance
            self.env.add_to_compute(Attendance._fields[name], every)
        self.env.flush_all()
        self.assertEqual(figures(), kept)

    def test_the_superusers_overlap_check_refuses_what_odoo_refuses(self):
        # The rules write as superuser, where one query picks the attendances Odoo's check must read.
        # On random histories with ties, open attendances, overlaps and zero-length stays, it refuses
        # exactly what Odoo's check refuses under an attendance manager's rights (which see every
        # attendance and run Odoo's check whole), with the same message.
        officer = new_test_user(
            self.env, login="fa_overlap_officer", groups="base.group_user,hr_attendance.group_hr_attendance_manager"
        )
        # The messages give times in the reader's zone.
        officer.tz = self.env.user.tz = "UTC"
        # Odoo 19 stores each attendance's day.
        dated = "date" in self.env["hr.attendance"]._fields and self.env["hr.attendance"]._fields["date"].store
        chance = random.Random(26)
        refused = 0

        def insert(start, end):
            # Beside the constraint on purpose: the histories include what a buggy import leaves.
            columns = {"employee_id": self.employee.id, "check_in": utc(20, start), "worked_hours": 0}
            columns["check_out"] = utc(20, end) if end is not None else None
            if dated:
                columns["date"] = utc(20, start).date()
            self.env.cr.execute(
                "INSERT INTO hr_attendance (%s) VALUES (%s) RETURNING id"
                % (", ".join(columns), ", ".join(["%s"] * len(columns))),
                list(columns.values()),
            )
            return self.env.cr.fetchone()[0]

        trials = 300
        for _trial in range(trials):
            with self.env.cr.savepoint(flush=False) as savepoint:
                for _other in range(chance.randint(0, 3)):
                    start = chance.randint(0, 8)
                    insert(start, chance.choice([None, start, start + chance.randint(0, 3)]))
                start = chance.randint(0, 8)
                candidate = insert(start, chance.choice([None, start, start + chance.randint(0, 3)]))
                self.env.invalidate_all()
                verdicts = []
                for record in (
                    self.env["hr.attendance"].sudo().with_context(tz="UTC").browse(candidate),
                    self.env["hr.attendance"].with_user(officer).with_context(tz="UTC").browse(candidate),
                ):
                    try:
                        record._check_validity()
                        verdicts.append(None)
                    except ValidationError as error:
                        # Without the time it names: among attendances starting together, which
                        # one Odoo's "latest" search returns is PostgreSQL's choice.
                        verdicts.append(re.sub(r" \d.*", "", str(error)))
                history = self.env["hr.attendance"].search_read(
                    [("employee_id", "=", self.employee.id)], ["check_in", "check_out"], order="check_in, id"
                )
                self.assertEqual(verdicts[0], verdicts[1], (candidate, history))
                refused += verdicts[0] is not None
                savepoint.rollback()
        self.assertTrue(0.1 < refused / trials < 0.9, refused)

    def test_a_batch_of_the_rules_checks_its_overlaps_at_its_end(self):
        Attendance = self.env["hr.attendance"].sudo()
        first = Attendance.create({"employee_id": self.employee.id, "check_in": utc(20, 7), "check_out": utc(20, 9)})
        second = Attendance.create({"employee_id": self.employee.id, "check_in": utc(20, 10), "check_out": utc(20, 12)})
        # Through an overlap and out of it within the batch: what stands at its end is what counts.
        with hr_attendance.overtime_once(Attendance):
            first.write({"check_out": utc(20, 11)})
            first.write({"check_out": utc(20, 9, 30)})
        self.assertEqual(first.check_out, utc(20, 9, 30))
        # An overlap left at the end: Odoo's refusal, raised by the batch.
        with self.assertRaisesRegex(ValidationError, "already checked in"):
            with self.env.cr.savepoint(), hr_attendance.overtime_once(Attendance):
                second.write({"check_in": utc(20, 8)})
        # A block within a block (a manual entry rebuilds its person's attendances) checks at its own
        # end, where its savepoint lets the rules fall back.
        with hr_attendance.overtime_once(Attendance):
            with self.assertRaisesRegex(ValidationError, "already checked in"):
                with self.env.cr.savepoint(), hr_attendance.overtime_once(Attendance):
                    second.write({"check_in": utc(20, 8)})
            first.write({"check_out": utc(20, 9, 45)})
        # A second open attendance, created in a batch.
        with self.assertRaisesRegex(ValidationError, "hasn't checked out"):
            with self.env.cr.savepoint(), hr_attendance.overtime_once(Attendance):
                Attendance.create(
                    [
                        {"employee_id": self.employee.id, "check_in": utc(20, 13)},
                        {"employee_id": self.employee.id, "check_in": utc(20, 14)},
                    ]
                )
        self.env.invalidate_all()
        self.assertEqual(
            Attendance.search([("employee_id", "=", self.employee.id)], order="check_in").mapped("check_in"),
            [utc(20, 7), utc(20, 10)],
        )
        self.assertEqual(first.check_out, utc(20, 9, 45))

    def test_auto_mark_off_records_without_attendance(self):
        self.config.set("auto_mark", False)
        answers = self.ingest(self.event(self.cam_entry, utc(20, 7), self.employee))
        self.assertEqual(answers[0]["outcome"], "rejected")
        self.assertFalse(self.attendances())

    def test_only_devices_and_managers_send_events(self):
        clerk = self.env["res.users"].create(
            {"name": "Clerk", "login": "fa_clerk", USER_GROUPS: [(6, 0, [self.env.ref("base.group_user").id])]}
        )
        with self.assertRaises(AccessError):
            self.env["face.recognition.event"].with_user(clerk).ingest_events(
                [self.event(self.cam_entry, utc(20, 7), self.employee)]
            )

    def test_assigning_an_unknown_event_decides_its_attendance(self):
        answers = self.ingest(self.event(self.cam_entry, utc(20, 7), None))
        event = self.env["face.recognition.event"].search([("event_uid", "=", answers[0]["event_id"])])
        event._assign_to_employee(self.employee)
        self.assertEqual(event.outcome, "checked_in")
        self.assertEqual(self.spans(), [(utc(20, 7), None)])
