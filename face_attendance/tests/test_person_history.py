"""A person's history (sightings, attendances, HR's corrections with who made them, changes): the
service the screen and GET /history/person/{id} read, who may read it, and the screen in Chromium."""

from datetime import datetime, timedelta

from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..models.face_ops_common import OpsInputError
from .common import ApiCase, FaceAttendanceCase, face_b64
from .tour_case import FaceTourCase

# Two days ago at 08:00 UTC: recent enough for every rule, in the past for every door.
DAY = (datetime.utcnow() - timedelta(days=2)).replace(hour=8, minute=0, second=0, microsecond=0)


def seed_corrected_day(env, employee, entry, exit_, hr_user, device_user=None):
    """In at ``entry`` (with a snapshot), out at ``exit_``; then HR moves the check-out an hour back,
    saying why. Returns the attendance."""
    Event = env["face.recognition.event"]
    if device_user:
        Event = Event.with_user(device_user)
    Event.ingest_events(
        [
            {
                "event_id": "history-%s-in" % employee.id,
                "camera_id": entry.id,
                "employee_id": employee.id,
                "timestamp": DAY.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "snapshot": face_b64("Gordon_Brown", 1).decode(),
            },
            {
                "event_id": "history-%s-out" % employee.id,
                "camera_id": exit_.id,
                "employee_id": employee.id,
                "timestamp": (DAY + timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        ]
    )
    attendance = env["hr.attendance"].search([("employee_id", "=", employee.id)])
    attendance.with_user(hr_user).write(
        {"check_out": DAY + timedelta(hours=8), "face_correction_note": "Left at four, seen at the door later"}
    )
    return attendance


def seed_tour_person(env, name, ref, hr_login):
    """A person the tours open: in by the entry camera, out by the exit camera, corrected by HR
    ("Helen Tour")."""
    camera = env["face.camera"].create
    entry = camera({"name": "Tour entry", "source_type": "file", "source": "x", "direction": "entry"})
    exit_ = camera({"name": "Tour exit", "source_type": "file", "source": "x", "direction": "exit"})
    employee = env["hr.employee"].create({"name": name, "person_ref": ref})
    hr = new_test_user(
        env, login=hr_login, name="Helen Tour", groups="base.group_user,face_attendance.group_face_attendance_manager"
    )
    seed_corrected_day(env, employee, entry, exit_, hr)
    return employee


@tagged("post_install", "-at_install", "face_attendance")
class TestPersonHistory(FaceAttendanceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = "base.group_user,face_attendance.group_face_attendance_manager"
        cls.hr = new_test_user(cls.env, login="fa_hist_hr", name="Helen History", groups=groups)
        # A Face Attendance user who is also an HR officer: reads the person, not their biometric data.
        cls.officer = new_test_user(
            cls.env,
            login="fa_hist_officer",
            groups="base.group_user,hr.group_hr_user,face_attendance.group_face_attendance_user",
        )
        cls.portal = new_test_user(cls.env, login="fa_hist_portal", groups="base.group_portal")
        cls.internal = new_test_user(cls.env, login="fa_hist_internal", groups="base.group_user")
        other = cls.env["res.company"].create({"name": "History Other Co"})
        cls.outsider = new_test_user(
            cls.env, login="fa_hist_outsider", groups=groups, company_id=other.id, company_ids=[(6, 0, [other.id])]
        )
        cls.attendance = seed_corrected_day(
            cls.env, cls.employee, cls.cam_entry, cls.cam_exit, cls.hr, device_user=cls.device_user
        )

    def history(self, user, **kwargs):
        Log = self.env["face.system.log"].with_user(user).with_context(allowed_company_ids=user.company_ids.ids)
        return Log.person_history(self.employee.id, page_size=200, **kwargs)

    def test_sightings_attendance_and_correction_with_who_made_it(self):
        items = self.history(self.hr)["items"]
        stamps = [item["timestamp"] for item in items]
        self.assertEqual(stamps, sorted(stamps, reverse=True))
        sightings = [item for item in items if item["type"] == "sighting"]
        self.assertEqual({s["cameraName"] for s in sightings}, {"Entry", "Exit"})
        entry = next(s for s in sightings if s["cameraName"] == "Entry")
        event = self.env["face.recognition.event"].browse(entry["eventId"])
        self.assertEqual((event.event_uid, entry["outcome"]), ("history-%s-in" % self.employee.id, event.outcome))
        self.assertEqual(entry["attendanceId"], self.attendance.id)
        self.assertTrue(entry["outcomeLabel"] and entry["eventId"] and entry["confidence"] is not None)
        # The sighting that made the old check-out is set aside by HR's correction, and says so.
        exit_sighting = next(s for s in sightings if s["cameraName"] == "Exit")
        self.assertEqual(exit_sighting["outcome"], "rejected")
        self.assertTrue(exit_sighting["message"])
        attendances = [item for item in items if item["type"] == "attendance"]
        self.assertEqual([a["attendanceId"] for a in attendances], [self.attendance.id])
        self.assertEqual(attendances[0]["checkOut"], (DAY + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ"))
        [correction] = [item for item in items if item["type"] == "correction"]
        self.assertEqual(correction["userName"], "Helen History")
        self.assertEqual(correction["correction"]["kind"], "pinned")
        self.assertEqual(correction["correction"]["reason"], "Left at four, seen at the door later")
        self.assertEqual(correction["attendanceId"], self.attendance.id)
        self.assertIn("Left at four", correction["message"])
        # The system log line telling the correction is not listed a second time among the changes.
        actions = [item["change"]["action"] for item in items if item["type"] == "change"]
        self.assertNotIn("attendance.correct", actions)
        self.assertFalse([item for item in items if item["type"] == "change" and "Left at four" in item["message"]])
        self.assertEqual(self.history(self.hr, kind="correction")["total"], 1)

    def test_camera_and_date_filters(self):
        answer = self.history(self.hr, camera_id=self.cam_exit.id)
        self.assertEqual([item["type"] for item in answer["items"]], ["sighting"])
        self.assertEqual(answer["items"][0]["cameraName"], "Exit")
        # The attendance and its correction are the entry camera's (it made the attendance).
        by_entry = self.history(self.hr, camera_id=self.cam_entry.id)["items"]
        self.assertEqual(
            {item["type"] for item in by_entry if item["type"] != "change"}, {"sighting", "attendance", "correction"}
        )
        self.assertFalse([item for item in by_entry if item["cameraName"] and item["cameraName"] != "Entry"])
        self.assertEqual(self.history(self.hr, camera_id=self.cam_both.id)["total"], 0)
        afternoon = self.history(self.hr, kind="sighting", date_from=DAY + timedelta(hours=4))
        self.assertEqual([item["cameraName"] for item in afternoon["items"]], ["Exit"])
        morning = self.history(self.hr, date_from=DAY - timedelta(hours=1), date_to=DAY + timedelta(hours=4))
        self.assertEqual(
            {(item["type"], item["cameraName"]) for item in morning["items"]},
            {
                ("sighting", "Entry"),
                ("attendance", "Entry"),
            },
        )
        self.assertEqual(self.history(self.hr, date_from=DAY + timedelta(days=30))["total"], 0)
        with self.assertRaises(OpsInputError):
            self.history(self.hr, camera_id="Exit")

    def test_snapshots_for_managers_only(self):
        def flags(user):
            return {item["cameraName"]: item["snapshot"] for item in self.history(user, kind="sighting")["items"]}

        self.assertEqual(flags(self.hr), {"Entry": True, "Exit": False})
        self.assertEqual(flags(self.officer), {"Entry": False, "Exit": False})
        # The officer reads the correction and who made it where they read the attendance (Odoo 19's
        # rules; Odoo 18 lets an officer read their own team's only).
        if self.env["hr.attendance"].with_user(self.officer).search_count([("id", "=", self.attendance.id)]):
            [correction] = self.history(self.officer, kind="correction")["items"]
            self.assertEqual(correction["userName"], "Helen History")

    def test_corrections_follow_the_attendances_the_reader_may_read(self):
        self.env["ir.rule"].create(
            {
                "name": "hide the corrected attendance",
                "model_id": self.env["ir.model"]._get_id("hr.attendance"),
                "domain_force": "[('id', '!=', %d)]" % self.attendance.id,
            }
        )
        self.assertEqual(self.history(self.officer, kind="attendance")["total"], 0)
        self.assertEqual(self.history(self.officer, kind="correction")["total"], 0)
        self.assertEqual(self.history(self.hr, kind="correction")["total"], 1)

    def test_a_note_that_looks_like_a_correction_is_listed(self):
        from markupsafe import Markup

        self.attendance.with_user(self.hr).message_post(body=Markup("<b>Corrected by HR</b> quietly, nothing else"))
        changes = [item["message"] for item in self.history(self.hr, kind="change")["items"]]
        self.assertTrue([text for text in changes if "quietly" in text], changes)
        # The correction's own note is still not listed a second time.
        self.assertFalse([text for text in changes if "Left at four" in text], changes)

    def test_rights_per_group(self):
        for user in (self.portal, self.internal, self.device_user, self.outsider):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.history(user)
            with self.subTest(user=user.login, door="button"), self.assertRaises(AccessError):
                self.employee.with_user(user).with_context(
                    allowed_company_ids=user.company_ids.ids
                ).action_face_history()
        action = self.employee.with_user(self.officer).action_face_history()
        self.assertEqual(action["tag"], "face_attendance.person_history")
        self.assertEqual(action["params"]["employee_id"], self.employee.id)
        # The button is shown to Face Attendance users only.
        arch = etree.fromstring(self.env.ref("face_attendance.hr_employee_view_form_face").arch)
        [button] = arch.xpath("//button[@name='action_face_history']")
        self.assertEqual(button.get("groups"), "face_attendance.group_face_attendance_user")

    def test_unknown_group_opens_its_sightings(self):
        now = datetime.utcnow().replace(microsecond=0)
        self.ingest(
            *[
                self.event(self.cam_entry, now - timedelta(minutes=10 - n), snapshot=face_b64("Kofi_Annan", n).decode())
                for n in (4, 5)
            ]
        )
        Group = self.env["face.unknown.group"].with_user(self.hr)
        Group.action_open_queue()
        groups = Group.search([("create_uid", "=", self.hr.id)])
        self.assertTrue(groups)
        group = groups[0]
        action = group.action_open_sightings()
        self.assertEqual(action["res_model"], "face.recognition.event")
        self.assertEqual(set(action["domain"][0][2]), set(group.event_ids.ids))
        with self.assertRaises(AccessError):
            group.with_user(self.officer).action_open_sightings()


@tagged("post_install", "-at_install", "face_attendance")
class TestPersonHistoryApi(ApiCase):
    """GET /history/person/{id} answers as the screen's method: corrections, the camera filter."""

    def test_camera_filter_and_corrections(self):
        camera = self.env["face.camera"].create
        entry = camera({"name": "Api entry", "source_type": "file", "source": "x", "direction": "entry"})
        exit_ = camera({"name": "Api exit", "source_type": "file", "source": "x", "direction": "exit"})
        employee = self.env["hr.employee"].create({"name": "Api History", "person_ref": "API-HIST"})
        seed_corrected_day(self.env, employee, entry, exit_, self.manager)
        response, payload = self.api("GET", "/history/person/API-HIST?pageSize=200")
        self.assertEqual(response.status_code, 200, payload)
        [correction] = [item for item in payload["data"] if item["type"] == "correction"]
        self.assertEqual((correction["userName"], correction["correction"]["kind"]), (self.manager.name, "pinned"))
        # The key's user is a manager: the snapshot is theirs to see.
        self.assertTrue([item for item in payload["data"] if item["type"] == "sighting" and item["snapshot"]])
        response, payload = self.api("GET", "/history/person/API-HIST?cameraId=%d" % exit_.id)
        self.assertEqual([(item["type"], item["cameraName"]) for item in payload["data"]], [("sighting", "Api exit")])
        response, payload = self.api("GET", "/history/person/API-HIST?cameraId=0")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_tours")
class TestPersonHistoryTour(FaceTourCase):
    def test_person_history_after_a_correction(self):
        employee = seed_tour_person(self.env, "History Person", "TOUR-HIST", "fa_tour_hr")
        self.start_tour_with_screenshots("/odoo/employees/%d" % employee.id, "face_attendance_person_history_tour")
        self.assertIn("person_history", self.saved)

    def test_unknown_group_links_to_its_sightings(self):
        camera = self.env["face.camera"].create(
            {"name": "Unknown tour cam", "source_type": "file", "source": "x", "direction": "entry"}
        )
        now = datetime.utcnow().replace(microsecond=0)
        self.env["face.recognition.event"].ingest_events(
            [
                {
                    "event_id": "history-unknown-%d" % n,
                    "camera_id": camera.id,
                    "timestamp": (now - timedelta(minutes=10 - n)).isoformat() + "Z",
                    "snapshot": face_b64("Kofi_Annan", n).decode(),
                }
                for n in (4, 5)
            ]
        )
        self.start_tour_with_screenshots(
            "/odoo/action-face_attendance.face_unknown_group_action", "face_attendance_unknown_sightings_tour"
        )


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_tours")
class TestPersonHistoryTabletTour(FaceTourCase):
    """The history screen on a tablet (768 pixels wide, touch): filters and timeline still usable."""

    browser_size = "768x1024"
    touch_enabled = True

    def test_person_history_on_a_tablet(self):
        employee = seed_tour_person(self.env, "Tablet Person", "TOUR-TABLET", "fa_tablet_hr")
        self.start_tour_with_screenshots("/odoo/employees/%d" % employee.id, "face_attendance_person_history_tour")
        self.assertIn("person_history_tablet", self.saved)
