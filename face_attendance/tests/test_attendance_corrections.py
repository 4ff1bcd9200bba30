"""HR's word is final: corrections made through Odoo's screens (Form, as the UI does), the ORM as a
user (what XML-RPC/JSON-2 run) and REST give the same records, and no camera undoes them."""

import xmlrpc.client
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import ApiCase, FaceAttendanceCase

NOW = datetime(2026, 1, 20, 20, 0, 0)


def utc(hour, minute=0):
    return datetime(2026, 1, 20, hour, minute)


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@tagged("post_install", "-at_install", "face_attendance")
@freeze_time(NOW)
class TestAttendanceCorrections(FaceAttendanceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hr = new_test_user(
            cls.env, login="fa_corr_hr", groups="base.group_user,face_attendance.group_face_attendance_manager"
        )
        cls.fa_user = new_test_user(
            cls.env, login="fa_corr_user", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        cls.portal = new_test_user(cls.env, login="fa_corr_portal", groups="base.group_portal")
        cls.internal = new_test_user(cls.env, login="fa_corr_internal", groups="base.group_user")

    def cctv_day(self):
        """08:00 in, 12:00 and 17:00 seen on the hall camera (direction both): one attendance 8-17."""
        answers = self.ingest(
            self.event(self.cam_both, utc(8), self.employee),
            self.event(self.cam_both, utc(12), self.employee),
            self.event(self.cam_both, utc(17), self.employee),
        )
        self.assertEqual(self.spans(), [(utc(8), utc(17))])
        return self.attendances(), answers

    def event_of(self, answer):
        return self.env["face.recognition.event"].search([("event_uid", "=", answer["event_id"])])

    # ------------------------------------------------------------------ delete
    def test_deleted_attendance_stays_deleted_in_order_or_late(self):
        attendance, answers = self.cctv_day()
        attendance.with_user(self.hr).unlink()
        self.assertFalse(self.attendances())
        events = self.env["face.recognition.event"].search([("event_uid", "in", [a["event_id"] for a in answers])])
        self.assertEqual(set(events.mapped("outcome")), {"rejected"})
        self.assertIn("deleted by %s" % self.hr.name, events[0].message)
        # A later sighting inside the deleted times, arriving late, rebuilds nothing ...
        late = self.ingest(self.event(self.cam_both, utc(10), self.employee))
        self.assertEqual(late[0]["outcome"], "rejected")
        self.assertFalse(self.attendances())
        # ... and one after its end is decided as usual: a new attendance, not the deleted one.
        after = self.ingest(self.event(self.cam_both, utc(18), self.employee))
        self.assertEqual(after[0]["outcome"], "checked_in")
        self.assertEqual(self.spans(), [(utc(18), None)])
        correction = self.env["face.attendance.correction"].search([("kind", "=", "deleted")])
        self.assertEqual((correction.check_in, correction.check_out, correction.user_id), (utc(8), utc(17), self.hr))
        line = self.env["face.system.log"].search([("action", "=", "attendance.delete")])
        self.assertEqual(len(line), 1, "audited once")
        self.assertEqual((line.user_id, line.details["rejected_events"]), (self.hr, 3))

    def test_delete_with_a_reason_managers_only(self):
        attendance, _answers = self.cctv_day()
        with self.assertRaises(AccessError):
            attendance.with_user(self.fa_user).action_face_delete("not mine to delete")
        self.assertTrue(attendance.exists())
        result = attendance.with_user(self.hr).action_face_delete("Twin brother")
        self.assertEqual(result, {"deleted": 1, "rejected_events": 3})
        correction = self.env["face.attendance.correction"].search([("kind", "=", "deleted")])
        self.assertEqual(correction.reason, "Twin brother")
        event = self.env["face.recognition.event"].search([("employee_id", "=", self.employee.id)], limit=1)
        self.assertIn("Twin brother", event.message)
        # The person's chatter tells it, since the attendance is gone.
        self.assertTrue(
            self.employee.message_ids.filtered(lambda m: "Twin brother" in (m.body or "")), "audited on the person"
        )

    # ------------------------------------------------------------------ edit: pin
    def test_check_out_corrected_in_the_form_is_never_moved_back(self):
        attendance, answers = self.cctv_day()
        with Form(attendance.with_user(self.hr)) as form:
            form.check_out = utc(16)
            form.face_correction_note = "Left at four, seen at the door later"
        self.assertTrue(attendance.face_pinned)
        self.assertEqual((attendance.check_in, attendance.check_out), (utc(8), utc(16)))
        # The sighting that made the old check-out is set aside; the ones inside are absorbed.
        self.assertEqual(self.event_of(answers[2]).outcome, "rejected")
        self.assertEqual(self.event_of(answers[1]).outcome, "duplicate")
        # Later sightings, in order or late, never move HR's times; after the check-out a CCTV
        # camera opens a new attendance, as if the day restarted there.
        self.ingest(self.event(self.cam_both, utc(15), self.employee))
        self.ingest(
            self.event(self.cam_both, utc(18), self.employee), self.event(self.cam_both, utc(19), self.employee)
        )
        self.ingest(self.event(self.cam_both, utc(9), self.employee))
        self.assertEqual(self.spans(), [(utc(8), utc(16)), (utc(18), utc(19))])
        correction = self.env["face.attendance.correction"].search([("kind", "=", "pinned")])
        self.assertEqual(correction.old_values, {"check_out": "2026-01-20 17:00:00"})
        self.assertEqual(correction.new_values, {"check_out": "2026-01-20 16:00:00"})
        self.assertEqual((correction.reason, correction.user_id), ("Left at four, seen at the door later", self.hr))
        self.assertFalse(attendance.face_correction_note, "a reason serves one correction")
        self.assertEqual(len(self.env["face.system.log"].search([("action", "=", "attendance.correct")])), 1)
        self.assertTrue(attendance.message_ids.filtered(lambda m: "Left at four" in (m.body or "")))

    def test_return_to_camera_decisions_replays_the_day(self):
        attendance, answers = self.cctv_day()
        attendance.with_user(self.hr).write({"check_in": utc(9), "check_out": utc(16)})
        self.assertEqual(self.event_of(answers[0]).outcome, "rejected")
        with self.assertRaises(AccessError):
            attendance.with_user(self.fa_user).action_face_unpin()
        attendance.with_user(self.hr).action_face_unpin()
        self.assertFalse(attendance.face_pinned)
        self.assertEqual(self.spans(), [(utc(8), utc(17))])
        self.assertEqual(self.event_of(answers[0]).outcome, "checked_in")
        self.assertTrue(self.env["face.attendance.correction"].search([("kind", "=", "unpinned")]))

    def test_edit_of_a_camera_attendance_by_an_ordinary_write_pins_it(self):
        # The same write an XML-RPC client sends: check_in moved later on an open entry attendance.
        self.ingest(self.event(self.cam_entry, utc(8), self.employee))
        attendance = self.attendances()
        attendance.with_user(self.hr).write({"check_in": utc(8, 30)})
        self.assertTrue(attendance.face_pinned)
        # Still open: an exit closes it once; its check-in stays HR's.
        self.ingest(self.event(self.cam_exit, utc(17), self.employee))
        self.assertEqual(self.spans(), [(utc(8, 30), utc(17))])
        # A late sighting before HR's arrival time does not undo it: HR corrected that arrival.
        self.ingest(self.event(self.cam_entry, utc(7), self.employee))
        self.assertEqual(self.spans(), [(utc(8, 30), utc(17))])
        # The check-out was the camera's: a later exit, arriving late, is decided as usual (the
        # earliest exit closes it, whatever the order of arrival).
        self.ingest(self.event(self.cam_exit, utc(16), self.employee))
        self.assertEqual(self.spans(), [(utc(8, 30), utc(16))])

    def test_pin_is_face_attendances_own_and_odoos_machinery_corrects_nothing(self):
        attendance, _answers = self.cctv_day()
        for user in (self.fa_user, self.hr):
            for vals in ({"face_pinned": True}, {"face_pinned_open": True}):
                with self.assertRaises(AccessError):
                    attendance.with_user(user).write(vals)
        # Odoo's own crons and kiosks write as superuser: no correction, no pin.
        attendance.sudo().write({"check_out": utc(16)})
        self.assertFalse(attendance.face_pinned)
        self.assertFalse(self.env["face.attendance.correction"].search([]))
        # A reason written alone is no correction and is not kept for the next one.
        attendance.with_user(self.hr).write({"face_correction_note": "Planted"})
        attendance.with_user(self.hr).write({"check_in": utc(8, 15)})
        self.assertFalse(self.env["face.attendance.correction"].search([]).reason)

    def test_moving_an_attendance_to_another_person_moves_its_sightings(self):
        attendance, answers = self.cctv_day()
        attendance.with_user(self.hr).write({"employee_id": self.other.id})
        self.assertEqual(self.spans(), [], "the first person does not get it back from the same sightings")
        self.assertEqual(self.spans(self.other), [(utc(8), utc(17))])
        event = self.event_of(answers[0])
        self.assertEqual((event.employee_id, event.face_rejected_employee_id), (self.other, self.employee))

    def test_deleting_an_entry_made_by_hand_gives_the_sightings_back(self):
        Attendance = self.env["hr.attendance"].with_user(self.hr)
        manual = Attendance.create({"employee_id": self.employee.id, "check_in": utc(8), "check_out": utc(17)})
        self.ingest(self.event(self.cam_both, utc(9), self.employee), self.event(self.cam_both, utc(16), self.employee))
        self.assertEqual(self.spans(), [(utc(8), utc(17))])
        manual.unlink()
        self.assertEqual(self.spans(), [(utc(9), utc(16))], "the cameras' word returns")

    def test_each_record_once_whatever_the_caller_sends(self):
        answers = self.ingest(self.event(self.cam_entry, utc(8), self.employee))
        event = self.event_of(answers[0])
        Event = self.env["face.recognition.event"].with_user(self.hr)
        Event.browse([event.id, event.id]).action_not_this_person(self.other.id)
        self.assertEqual((event.employee_id, event.face_rejected_employee_id), (self.other, self.employee))
        self.assertEqual(len(self.env["face.attendance.correction"].search([])), 1)

    # ------------------------------------------------------------------ manual entry
    def test_manual_entry_in_the_form_is_decided_with_the_sightings(self):
        Attendance = self.env["hr.attendance"].with_user(self.hr)
        with Form(Attendance) as form:
            form.employee_id = self.employee
            form.check_in = utc(7)
        manual = form.record
        answer = self.ingest(self.event(self.cam_entry, utc(8), self.employee))
        self.assertEqual(answer[0]["outcome"], "duplicate")
        answer = self.ingest(self.event(self.cam_exit, utc(16), self.employee))
        self.assertEqual((answer[0]["outcome"], manual.check_out), ("checked_out", utc(16)))

    def test_manual_entry_method_checks_and_audits(self):
        Attendance = self.env["hr.attendance"]
        for user in (self.portal, self.internal):
            with self.assertRaises(AccessError):
                Attendance.with_user(user).face_enter_manually(self.employee.id, "x")
        for bad in ({"timestamp": "2025-01-01 07:00:00"}, {"timestamp": "2026-01-21 07:00:00"}, {"note": "a\x00b"}):
            with self.assertRaises(ValidationError):
                Attendance.with_user(self.hr).face_enter_manually(self.employee.id, **dict({"note": "x"}, **bad))
        with self.assertRaises(ValidationError):
            Attendance.with_user(self.hr).face_enter_manually(self.employee.id, "  ")
        attendance_id = Attendance.with_user(self.hr).face_enter_manually(
            self.employee.id, "Badge reader down", timestamp="2026-01-20 07:00:00", check_out="2026-01-20 15:00:00"
        )
        attendance = Attendance.browse(attendance_id)
        self.assertEqual((attendance.check_in, attendance.check_out, attendance.in_mode), (utc(7), utc(15), "manual"))
        line = self.env["face.system.log"].search([("action", "=", "attendance.manual")])
        self.assertEqual((len(line), line.details["reason"]), (1, "Badge reader down"))
        # Sightings inside HR's times are absorbed, whatever the camera's direction.
        answers = self.ingest(
            self.event(self.cam_both, utc(9), self.employee), self.event(self.cam_exit, utc(14), self.employee)
        )
        self.assertEqual([a["outcome"] for a in answers], ["duplicate", "duplicate"])
        self.assertEqual(self.spans(), [(utc(7), utc(15))])

    # ------------------------------------------------------------------ not this person
    def test_not_this_person_sets_aside_or_reassigns_and_replays_both_days(self):
        answers = self.ingest(
            self.event(self.cam_entry, utc(8), self.employee), self.event(self.cam_exit, utc(17), self.employee)
        )
        wrong_in, wrong_out = self.event_of(answers[0]), self.event_of(answers[1])
        with self.assertRaises(AccessError):
            wrong_in.with_user(self.fa_user).action_not_this_person()
        # The check-in was Bob's: Ada's attendance is decided again without it, Bob's with it.
        wrong_in.with_user(self.hr).action_not_this_person(self.other.id, "Bob, not Ada")
        self.assertEqual((wrong_in.employee_id, wrong_in.face_rejected_employee_id), (self.other, self.employee))
        self.assertEqual((wrong_in.face_corrected_by, wrong_in.face_correction_kind), (self.hr, "reassigned"))
        self.assertEqual(self.spans(self.other), [(utc(8), None)])
        self.assertEqual(self.spans(), [])
        self.assertEqual(wrong_out.outcome, "error", "Ada's exit has nothing open any more")
        # Without a person: set aside.
        wrong_out.with_user(self.hr).action_not_this_person(reason="A visitor")
        self.assertEqual((wrong_out.outcome, wrong_out.employee_id.id), ("rejected", False))
        self.assertEqual(wrong_out.face_rejected_employee_id, self.employee)
        self.assertIn("Not %s" % self.employee.name, wrong_out.message)
        kinds = self.env["face.attendance.correction"].search([]).mapped("kind")
        self.assertEqual(sorted(kinds), ["not_person", "reassigned"])

    def test_not_this_person_in_the_backend_wizard(self):
        answers = self.ingest(self.event(self.cam_entry, utc(8), self.employee))
        event = self.event_of(answers[0])
        Wizard = self.env["face.event.not.person.wizard"].with_user(self.hr)
        context = {"active_model": "face.recognition.event", "active_ids": event.ids}
        with Form(Wizard.with_context(**context)) as form:
            form.employee_id = self.other
            form.reason = "Wrong twin"
        form.record.action_confirm()
        self.assertEqual(self.spans(self.other), [(utc(8), None)])
        self.assertEqual(event.face_correction_reason, "Wrong twin")

    def test_delete_wizard(self):
        attendance, _answers = self.cctv_day()
        Wizard = self.env["face.attendance.delete.wizard"].with_user(self.hr)
        context = {"active_model": "hr.attendance", "active_ids": attendance.ids}
        with Form(Wizard.with_context(**context)) as form:
            form.reason = "Entered twice"
        form.record.action_confirm()
        self.assertFalse(attendance.exists())
        self.assertEqual(self.env["face.attendance.correction"].search([]).reason, "Entered twice")


@tagged("post_install", "-at_install", "face_attendance")
class TestCorrectionDoors(ApiCase):
    """The same corrections over XML-RPC (as a user) and REST give the same records as the screens."""

    def setUp(self):
        super().setUp()
        self.hr = new_test_user(
            self.env,
            login="fa_door_hr",
            password="fa_door_hr_pw",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
        )
        self.person = self.env["hr.employee"].create({"name": "Door Person", "person_ref": "DOOR-1", "tz": "UTC"})
        self.other = self.env["hr.employee"].create({"name": "Door Other", "person_ref": "DOOR-2", "tz": "UTC"})
        self.camera = self.env["face.camera"].create(
            {"name": "Door hall", "source_type": "file", "source": "x", "direction": "both"}
        )
        self.day = (datetime.utcnow() - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        # Yesterday's attendances stay open whatever the time of the run: the forgotten check-out
        # rule (16 hours by default) would close yesterday's 14:00 from 06:00 today on.
        self.env["face.attendance.config"].set("forgotten_checkout_hours", 72.0)

    def at(self, hour):
        return self.day + timedelta(hours=hour)

    def ingest(self, *hours, person=None):
        Event = self.env["face.recognition.event"]
        events = [
            {
                "event_id": "door-%s-%d" % ((person or self.person).person_ref, hour),
                "camera_id": self.camera.id,
                "timestamp": stamp(self.at(hour)),
                "employee_id": (person or self.person).id,
            }
            for hour in hours
        ]
        return Event._ingest_events(events, "daemon")

    def spans(self, person=None):
        attendances = self.env["hr.attendance"].search(
            [("employee_id", "=", (person or self.person).id)], order="check_in"
        )
        return [(a.check_in, a.check_out or None) for a in attendances]

    def rpc(self, model, method, args, kwargs=None):
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, "fa_door_hr", "fa_door_hr_pw", {})
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, uid, "fa_door_hr_pw", model, method, args, kwargs or {}
        )

    def test_pin_and_delete_over_xmlrpc(self):
        self.ingest(8, 12, 17)
        attendance = self.env["hr.attendance"].search([("employee_id", "=", self.person.id)])
        self.rpc("hr.attendance", "write", [attendance.ids, {"check_out": self.at(16).strftime("%Y-%m-%d %H:%M:%S")}])
        self.ingest(18, 19)
        self.assertEqual(self.spans(), [(self.at(8), self.at(16)), (self.at(18), self.at(19))])
        self.assertTrue(attendance.face_pinned)
        later = self.env["hr.attendance"].search([("employee_id", "=", self.person.id), ("check_in", "=", self.at(18))])
        self.rpc("hr.attendance", "action_face_delete", [later.ids, "Cleaner, not the person"])
        self.ingest(18)  # sent again, late: nothing comes back
        self.assertEqual(self.spans(), [(self.at(8), self.at(16))])
        with self.assertRaises(xmlrpc.client.Fault):
            self.rpc("hr.attendance", "action_face_delete", [attendance.ids, "   "])

    def test_manual_entry_and_not_this_person_over_xmlrpc(self):
        # A manual entry is an ordinary create: decided with the sightings by the same rules.
        self.rpc(
            "hr.attendance",
            "create",
            [{"employee_id": self.person.id, "check_in": self.at(7).strftime("%Y-%m-%d %H:%M:%S")}],
        )
        answers = self.ingest(8)
        self.assertEqual(answers[0]["outcome"], "duplicate")
        seen = self.ingest(20, person=self.other)
        event = self.env["face.recognition.event"].search([("event_uid", "=", seen[0]["event_id"])])
        self.rpc("face.recognition.event", "action_not_this_person", [event.ids], {"reason": "A visitor"})
        self.assertEqual((event.outcome, event.face_rejected_employee_id), ("rejected", self.other))
        self.assertEqual(self.spans(self.other), [])

    def test_delete_manual_and_not_this_person_over_rest(self):
        self.ingest(8, 12)
        attendance = self.env["hr.attendance"].search([("employee_id", "=", self.person.id)])
        response, payload = self.api("DELETE", "/attendance/%d?reason=Twin" % attendance.id)
        self.assertEqual((response.status_code, payload["data"]["rejectedEvents"]), (200, 2), payload)
        self.ingest(10)
        self.assertEqual(self.spans(), [])
        body = {
            "employeeId": "DOOR-1",
            "timestamp": stamp(self.at(9)),
            "checkOut": stamp(self.at(11)),
            "note": "Forgot badge",
        }
        response, payload = self.api("POST", "/attendance/manual", body)
        self.assertEqual(response.status_code, 201, payload)
        self.assertEqual(self.spans(), [(self.at(9), self.at(11))])
        # Not this person, over REST: the 14:00 sighting was the other person.
        seen = self.ingest(14)
        self.assertEqual(seen[0]["outcome"], "checked_in")
        event = self.env["face.recognition.event"].search([("event_uid", "=", seen[0]["event_id"])])
        response, payload = self.api(
            "POST", "/events/%d/not-this-person" % event.id, {"personId": "DOOR-2", "reason": "Other one"}
        )
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual((payload["data"]["personId"], payload["data"]["notPersonId"]), ("DOOR-2", "DOOR-1"))
        self.assertEqual(self.spans(self.other), [(self.at(14), None)])
        self.assertEqual(self.spans(), [(self.at(9), self.at(11))])
        response, payload = self.api("POST", "/events/%d/not-this-person" % event.id, {"personId": "NOBODY"})
        self.assertError(response, payload, 404, "NOT_FOUND")
        # Already that person's: as documented, but a rule has nothing to correct.
        response, payload = self.api("POST", "/events/%d/not-this-person" % event.id, {"personId": "DOOR-2"})
        self.assertError(response, payload, 422, "UNPROCESSABLE")
        # Declared with a model: the person ID's one rule, the reason's length, unknown fields.
        for body, field in (({"personId": "DOOR 2"}, "personId"), ({"reason": "x" * 256}, "reason")):
            response, payload = self.api("POST", "/events/%d/not-this-person" % event.id, body)
            self.assertError(response, payload, 400, "VALIDATION_ERROR")
            self.assertEqual(payload["error"]["details"]["field"], field)
        response, payload = self.api("POST", "/events/%d/not-this-person" % event.id, {"who": "DOOR-2"})
        self.assertEqual(payload["error"]["details"]["unknown_fields"], ["who"])
        self.assertEqual(self.spans(self.other), [(self.at(14), None)])
        response, payload = self.api("POST", "/events/%d/not-this-person" % event.id, {}, key=self.reader_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")
