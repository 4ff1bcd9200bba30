import contextlib
from datetime import datetime, timedelta
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import ApiCase, FaceAttendanceCase
from .tour_case import FaceTourCase

MANAGER = "base.group_user,face_attendance.group_face_attendance_manager"
FA_USER = "base.group_user,face_attendance.group_face_attendance_user"


def live_pushes(sent, company, kind):
    return [m for t, k, m in sent if k == kind and isinstance(t, tuple) and t == (company, "face_attendance_live")]


@contextlib.contextmanager
def bus_messages(env):
    """What the code sends on the bus in this block: [(target, type, message)]."""
    sent = []
    bus_class = type(env["bus.bus"])  # ImBus in 18, BusBus in 19
    original = bus_class._sendone

    def sendone(bus, target, notification_type, message):
        sent.append((target, notification_type, message))
        return original(bus, target, notification_type, message)

    with patch.object(bus_class, "_sendone", sendone):
        yield sent


def now_iso(delta=timedelta()):
    return (datetime.utcnow() + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_alerts")
class TestAlerts(FaceAttendanceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Alert = cls.env["face.alert"]
        cls.manager = new_test_user(cls.env, login="alert_manager", groups=MANAGER)
        cls.fa_user = new_test_user(cls.env, login="alert_user", groups=FA_USER)
        cls.clerk = new_test_user(cls.env, login="alert_clerk", groups="base.group_user")
        cls.company_b = cls.env["res.company"].create({"name": "Alerts B"})
        cls.manager_b = new_test_user(
            cls.env,
            login="alert_manager_b",
            groups=MANAGER,
            company_id=cls.company_b.id,
            company_ids=[(6, 0, [cls.company_b.id])],
        )

    def notifications(self, alert):
        return self.env["face.notification"].sudo().search([("alert_id", "=", alert.id)])

    # ------------------------------------------------------------------ raising
    def test_one_active_alert_per_condition(self):
        first = self.Alert._raise("camera_offline", "down", camera=self.cam_entry)
        self.assertEqual(
            (first.state, first.occurrences, first.dedup_key), ("open", 1, "camera:%d" % self.cam_entry.id)
        )
        notified = self.notifications(first)
        self.assertIn(self.manager, notified.user_id)
        self.assertNotIn(self.fa_user, notified.user_id, "managers are notified, not every user")
        self.assertNotIn(self.manager_b, notified.user_id, "nor another company's managers")
        for _attempt in range(3):
            again = self.Alert._raise("camera_offline", "still down", severity="critical", camera=self.cam_entry)
            self.assertEqual(again, first)
        self.assertEqual(first.occurrences, 4)
        self.assertEqual((first.message, first.severity), ("still down", "critical"))
        self.assertEqual(self.notifications(first), notified, "a condition seen again notifies nobody again")
        # Acknowledged is still active: counted on it, no new alert.
        first.with_user(self.fa_user).action_acknowledge()
        self.assertEqual(self.Alert._raise("camera_offline", "down", camera=self.cam_entry), first)
        self.assertEqual((first.state, first.occurrences), ("acknowledged", 5))
        # Another condition is another alert.
        other = self.Alert._raise("camera_offline", "down", camera=self.cam_exit)
        self.assertNotEqual(other, first)
        # The database refuses a second active alert for a condition, whoever tries.
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env.cr.execute("UPDATE face_alert SET dedup_key = %s WHERE id = %s", [first.dedup_key, other.id])
        # Gone, then back: a new alert.
        resolved = self.Alert._resolve("camera_offline", first.dedup_key)
        self.assertEqual(resolved, first)
        self.assertEqual(first.state, "resolved")
        self.assertTrue(first.resolved_at)
        reopened = self.Alert._raise("camera_offline", "down again", camera=self.cam_entry)
        self.assertNotEqual(reopened, first)
        self.assertEqual(reopened.occurrences, 1)
        self.assertTrue(self.notifications(reopened))

    def test_a_mute_outlives_its_alert(self):
        alert = self.Alert._raise("unknown_face", "x", camera=self.cam_entry)
        alert.with_user(self.manager).action_mute_hour()
        self.assertTrue(alert.muted)
        alert.with_user(self.manager).action_resolve()
        again = self.Alert._raise("unknown_face", "x", camera=self.cam_entry)
        self.assertNotEqual(again, alert)
        self.assertEqual(again.muted_until, alert.muted_until)
        self.assertFalse(self.notifications(again), "the condition back within the mute notifies nobody")
        self.assertNotIn(again.id, [a["id"] for a in self.Alert._live_alerts()], "hidden from the live monitor")
        again.with_user(self.manager).action_unmute()
        self.assertIn(again.id, [a["id"] for a in self.Alert._live_alerts()])

    def test_unknown_faces_raise_one_alert_per_camera(self):
        now = datetime.utcnow()
        self.ingest(self.event(self.cam_entry, now), self.event(self.cam_entry, now - timedelta(seconds=5)))
        self.ingest(self.event(self.cam_entry, now + timedelta(seconds=1)), self.event(self.cam_exit, now))
        self.ingest(self.event(self.cam_entry, now, employee=self.employee))  # recognised: no alert
        alerts = self.Alert.search([("alert_type", "=", "unknown_face")])
        self.assertEqual(alerts.camera_id, self.cam_entry | self.cam_exit)
        entry = alerts.filtered(lambda a: a.camera_id == self.cam_entry)
        self.assertEqual(entry.occurrences, 3, "counted per unknown sighting")
        self.assertEqual(entry.daemon_id, self.daemon)
        self.assertEqual(entry.event_id.outcome, "unknown")
        self.assertEqual(len(self.notifications(entry).filtered(lambda n: n.user_id == self.manager)), 1)

    def test_spoof_events_raise_a_critical_alert(self):
        self.ingest(self.event(self.cam_entry, datetime.utcnow(), employee=self.employee, liveness="spoof"))
        alert = self.Alert.search([("alert_type", "=", "spoof_attempt")])
        self.assertEqual(
            (alert.severity, alert.camera_id, alert.employee_id), ("critical", self.cam_entry, self.employee)
        )

    def test_kiosk_spoof_raises_the_kiosks_alert(self):
        kiosk = self.env["face.kiosk"].create({"name": "Alert kiosk"})
        for _attempt in range(2):
            kiosk.sudo()._spoof(self.employee, 0.1, None)
        alerts = self.Alert.search([("alert_type", "=", "spoof_attempt")])
        self.assertEqual(len(alerts), 1, "one alert for the kiosk, not one per attempt nor a second for its camera")
        self.assertEqual((alerts.dedup_key, alerts.occurrences), ("kiosk:%d" % kiosk.id, 2))
        self.assertEqual(alerts.camera_id, kiosk.camera_id)
        self.assertIn("Alert kiosk", alerts.message)
        self.assertEqual(alerts.event_id.outcome, "spoof")

    def test_one_kiosks_failing_spoof_notice_leaves_the_others_posted(self):
        kiosks = self.env["face.kiosk"].create([{"name": "Notice A"}, {"name": "Notice B"}])
        for kiosk in kiosks:
            kiosk.sudo()._alert_spoof("evt-%d" % kiosk.id)
        original = type(kiosks)._post_spoof_notice

        def post(kiosk, event_uid):
            if kiosk.name == "Notice A":
                raise ValueError("mail gateway down")
            return original(kiosk, event_uid)

        with (
            patch.object(type(kiosks), "_post_spoof_notice", post),
            mute_logger("odoo.addons.face_attendance.models.face_kiosk"),
        ):
            self.assertEqual(self.env["face.kiosk"]._cron_post_spoof_notices(), 2)
        posted = kiosks.mapped("message_ids").filtered(lambda m: "Spoof attempt" in (m.body or ""))
        self.assertEqual(posted.mapped("res_id"), kiosks[1].ids)
        self.assertIn("evt-%d" % kiosks[1].id, posted.body)
        self.assertFalse(any(kiosks.sudo().mapped("spoof_notice_event_uid")), "no notice retried forever")

    def test_refused_events_raise_an_ingestion_error_per_sender(self):
        bad = {"event_id": "bad-1", "camera_id": 999999, "timestamp": now_iso()}
        Event = self.env["face.recognition.event"].with_user(self.device_user)
        Event.ingest_events([bad], daemon_id=self.daemon.id)
        Event.ingest_events(
            [dict(bad, event_id="bad-2"), self.event(self.cam_entry, datetime.utcnow())], self.daemon.id
        )
        alert = self.Alert.search([("alert_type", "=", "ingestion_error")])
        self.assertEqual(
            (alert.dedup_key, alert.daemon_id, alert.occurrences), ("daemon:%d" % self.daemon.id, self.daemon, 2)
        )
        self.assertIn("camera 999999", alert.message)
        # Without a daemon (REST), the sending user is the condition.
        self.env["face.recognition.event"].with_user(self.device_user)._ingest_events([bad], "api")
        self.assertTrue(self.Alert.search([("dedup_key", "=", "user:%d" % self.device_user.id)]))

    def test_offline_cron_raises_and_resolves(self):
        Watch = self.env["face.device.alert"]
        self.cam_entry.last_frame_at = datetime.utcnow() - timedelta(hours=2)
        self.daemon.last_heartbeat = datetime.utcnow() - timedelta(hours=2)
        Watch._cron_alert_offline()
        camera_alert = self.Alert.search([("alert_type", "=", "camera_offline")])
        daemon_alert = self.Alert.search([("alert_type", "=", "daemon_offline")])
        self.assertEqual(camera_alert.camera_id, self.cam_entry)
        self.assertEqual((daemon_alert.daemon_id, daemon_alert.severity), (self.daemon, "critical"))
        self.assertEqual(len(self.cam_entry.activity_ids), 1, "the chatter alert is kept")
        Watch._cron_alert_offline()
        self.assertEqual(camera_alert.occurrences, 1, "still offline: nothing new")
        self.cam_entry.last_frame_at = datetime.utcnow()
        self.daemon.last_heartbeat = datetime.utcnow()
        Watch._cron_alert_offline()
        self.assertEqual((camera_alert.state, daemon_alert.state), ("resolved", "resolved"))

    def test_failing_deliveries_are_noticed_in_the_heartbeat(self):
        Watch = self.env["face.device.alert"]
        failing = {
            "outbox": {"pending": 40, "oldest_pending_age": 30.0},
            "delivery": {"breaker": "open", "last_error": "connection refused"},
        }
        self.daemon.sudo().write({"last_heartbeat": datetime.utcnow(), "status_details": failing})
        Watch._cron_alert_offline()
        alert = self.Alert.search([("alert_type", "=", "delivery_failing")])
        self.assertEqual(alert.daemon_id, self.daemon)
        self.assertIn("connection refused", alert.message)
        # A stuck outbox with a closed breaker fails too; a drained one is fine.
        stuck = {"outbox": {"pending": 3, "oldest_pending_age": 3600}, "delivery": {"breaker": "closed"}}
        self.daemon.sudo().status_details = stuck
        Watch._cron_alert_offline()
        self.assertEqual((alert.state, alert.occurrences), ("open", 2))
        self.daemon.sudo().status_details = {"outbox": {"pending": 0}, "delivery": {"breaker": "closed"}}
        Watch._cron_alert_offline()
        self.assertEqual(alert.state, "resolved")

    # ------------------------------------------------------------------ the bus and the live monitor
    def test_alerts_and_banners_are_pushed_to_the_live_monitor(self):
        with bus_messages(self.env) as sent:
            alert = self.Alert._raise("camera_offline", "down", camera=self.cam_entry)
        self.assertEqual(live_pushes(sent, self.env.company, "face_attendance/alerts"), [{"alert_ids": alert.ids}])
        pushed_to = [target for target, kind, message in sent if kind == "face_attendance/notification"]
        self.assertIn(self.manager.partner_id, pushed_to)
        self.assertNotIn(self.manager_b.partner_id, pushed_to)
        with bus_messages(self.env) as sent:
            alert.with_user(self.fa_user).action_acknowledge()
        self.assertEqual([kind for _t, kind, _m in sent], ["face_attendance/alerts"])
        with bus_messages(self.env) as sent:
            banner = self.env["face.banner.message"].with_user(self.manager).create({"message": "Fire drill at 3 pm"})
        self.assertEqual(live_pushes(sent, self.env.company, "face_attendance/banners"), [{"banner_ids": banner.ids}])
        data = self.env["face.recognition.event"].with_user(self.fa_user).live_monitor_data()
        self.assertEqual([a["id"] for a in data["alerts"]], alert.ids)
        self.assertEqual(data["alerts"][0]["state"], "acknowledged")
        self.assertEqual([b["message"] for b in data["banners"]], ["Fire drill at 3 pm"])
        # Another company's screen shows neither.
        data_b = self.env["face.recognition.event"].with_user(self.manager_b).live_monitor_data()
        self.assertEqual((data_b["alerts"], data_b["banners"]), ([], []))

    # ------------------------------------------------------------------ rights
    def test_who_may_do_what(self):
        alert = self.Alert._raise("unknown_face", "x", camera=self.cam_entry)
        # An employee without Face Attendance rights, and another company's manager, see nothing.
        for user in (self.clerk, self.manager_b):
            with self.assertRaises(AccessError):
                alert.with_user(user).action_acknowledge()
            with self.assertRaises(AccessError):
                alert.with_user(user).read(["message"])
        # A Face Attendance user acknowledges; muting and resolving are the managers'.
        for method in ("action_mute_hour", "action_unmute", "action_resolve"):
            with self.assertRaises(AccessError):
                getattr(alert.with_user(self.fa_user), method)()
        with self.assertRaises(AccessError):
            alert.with_user(self.manager).write({"state": "resolved"})
        alert.with_user(self.manager).action_resolve()
        with self.assertRaises(UserError):
            alert.with_user(self.manager).action_acknowledge()
        # Notifications: their owner only.
        mine = self.notifications(alert).filtered(lambda n: n.user_id == self.manager)
        admins = self.notifications(alert) - mine
        self.assertTrue(admins)
        self.assertEqual(self.env["face.notification"].with_user(self.manager).search([]), mine)
        with self.assertRaises(AccessError):
            admins.with_user(self.manager).action_acknowledge()
        with self.assertRaises(AccessError):
            mine.with_user(self.manager).write({"user_id": self.fa_user.id})
        mine.with_user(self.manager).action_acknowledge()
        self.assertTrue(mine.acknowledged)
        # Banners: managers write their company's, users read them.
        banner = self.env["face.banner.message"].with_user(self.manager).create({"message": "Hello"})
        self.assertEqual(self.env["face.banner.message"].with_user(self.fa_user).search([]), banner)
        with self.assertRaises(AccessError):
            banner.with_user(self.fa_user).write({"message": "Changed"})
        with self.assertRaises(AccessError):
            banner.with_user(self.manager_b).write({"message": "Changed"})
        with self.assertRaises(AccessError):
            self.env["face.banner.message"].with_user(self.manager_b).create(
                {"message": "Planted", "company_id": self.env.company.id}
            )


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_alerts")
class TestAlertsApi(ApiCase):
    def setUp(self):
        super().setUp()
        Key = self.env["face.api.key"]
        self.camera = self.env["face.camera"].create(
            {"name": "Api alert cam", "source_type": "file", "source": "x", "direction": "entry"}
        )
        self.fa_user = new_test_user(self.env, login="api_alert_user", groups=FA_USER)
        _key, self.user_secret = Key._generate("alerts user", self.fa_user, "alerts:read alerts:write")
        clerk = new_test_user(self.env, login="api_alert_clerk", groups="base.group_user")
        _key, self.clerk_secret = Key._generate("clerk", clerk, "*")
        _key, self.read_secret = Key._generate("alerts read", self.manager, "alerts:read")
        company_b = self.env["res.company"].create({"name": "Api alerts B"})
        manager_b = new_test_user(
            self.env, login="api_alert_b", groups=MANAGER, company_id=company_b.id, company_ids=[(6, 0, [company_b.id])]
        )
        _key, self.b_secret = Key._generate("b", manager_b, "*")
        self.alert = self.env["face.alert"]._raise("camera_offline", "Camera down", camera=self.camera)
        self.unknown = self.env["face.alert"]._raise("unknown_face", "2 unknown", severity="info", camera=self.camera)

    def test_list_and_filters(self):
        response, payload = self.api("GET", "/alerts?pageSize=1&page=1")
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual(payload["meta"]["pageSize"], 1)
        self.assertGreaterEqual(payload["meta"]["total"], 2)
        item = payload["data"][0]
        for field in (
            "id",
            "type",
            "title",
            "level",
            "severity",
            "status",
            "cameraId",
            "acknowledged",
            "muted",
            "occurrences",
            "lastSeen",
        ):
            self.assertIn(field, item)
        _r, payload = self.api("GET", "/alerts?type=unknown_face&cameraId=%d" % self.camera.id)
        self.assertEqual([a["id"] for a in payload["data"]], self.unknown.ids)
        self.assertEqual((payload["data"][0]["level"], payload["data"][0]["cameraName"]), ("low", "Api alert cam"))
        _r, payload = self.api("GET", "/alerts?status=resolved&cameraId=%d" % self.camera.id)
        self.assertEqual(payload["data"], [])
        _r, payload = self.api("GET", "/alerts?severity=warning&state=open&cameraId=%d" % self.camera.id)
        self.assertEqual([a["id"] for a in payload["data"]], self.alert.ids)
        for bad in ("status=gone", "type=fire", "cameraId=abc", "pageSize=0", "page=x"):
            response, payload = self.api("GET", "/alerts?" + bad)
            self.assertError(response, payload, 400, "VALIDATION_ERROR")
        # Another company's manager, an employee without the group, a key without the scope.
        _r, payload = self.api("GET", "/alerts", key=self.b_secret)
        self.assertNotIn(self.alert.id, [a["id"] for a in payload["data"]])
        response, payload = self.api("GET", "/alerts", key=self.clerk_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")
        response, payload = self.api("GET", "/alerts", key=self.reader_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")

    def test_acknowledge_mute_delete(self):
        path = "/alerts/%d" % self.alert.id
        response, payload = self.api("POST", path + "/acknowledge", key=self.read_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")
        response, payload = self.api("POST", path + "/acknowledge", key=self.b_secret)
        self.assertError(response, payload, 404, "NOT_FOUND")
        response, payload = self.api("POST", path + "/acknowledge", key=self.user_secret)
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual((payload["data"]["status"], payload["data"]["acknowledged"]), ("acknowledged", True))
        self.assertEqual(payload["data"]["acknowledgedBy"], self.fa_user.name)
        response, payload = self.api("POST", path + "/acknowledge")  # again: unchanged
        self.assertEqual((response.status_code, payload["data"]["acknowledgedBy"]), (200, self.fa_user.name))
        # Muting is the managers'.
        response, payload = self.api("POST", path + "/mute", {"minutes": 30}, key=self.user_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")
        for body in (
            {},
            {"minutes": 30, "until": now_iso()},
            {"minutes": -1},
            {"minutes": "x"},
            {"until": "soon"},
            {"hours": 1},
        ):
            response, payload = self.api("POST", path + "/mute", body)
            self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("POST", path + "/mute", {"until": now_iso(timedelta(days=-1))})
        self.assertError(response, payload, 422, "UNPROCESSABLE")
        response, payload = self.api("POST", path + "/mute", {"minutes": 30})
        self.assertEqual(response.status_code, 200, payload)
        self.assertTrue(payload["data"]["muted"])
        until = now_iso(timedelta(hours=5))
        _r, payload = self.api("POST", path + "/mute", {"until": until})
        self.assertEqual(payload["data"]["mutedUntil"], until)
        _r, payload = self.api("POST", path + "/mute", {"minutes": 0})
        self.assertEqual((payload["data"]["muted"], payload["data"]["mutedUntil"]), (False, None))
        # Delete: managers; resolved and archived, audited; then gone from the API.
        response, payload = self.api("DELETE", path, key=self.user_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")
        response, payload = self.api("DELETE", path)
        self.assertEqual(
            (response.status_code, payload["data"]), (200, {"id": self.alert.id, "deleted": True, "status": "resolved"})
        )
        self.assertEqual((self.alert.state, self.alert.active), ("resolved", False))
        self.assertTrue(
            self.env["face.system.log"].search(
                [("action", "=", "alert.delete"), ("object_ref", "=", "face.alert,%d" % self.alert.id)]
            )
        )
        response, payload = self.api("DELETE", path)
        self.assertError(response, payload, 404, "NOT_FOUND")
        self.env["face.alert"]._resolve("unknown_face", self.unknown.dedup_key)
        response, payload = self.api("POST", "/alerts/%d/acknowledge" % self.unknown.id, key=self.user_secret)
        self.assertError(response, payload, 422, "UNPROCESSABLE")
        response, payload = self.api("POST", "/alerts/2147483647/acknowledge")
        self.assertError(response, payload, 404, "NOT_FOUND")

    def test_notifications_are_their_users_own(self):
        mine = self.env["face.notification"].sudo().search([("user_id", "=", self.manager.id)])
        self.assertEqual(len(mine), 2, "one per alert opened")
        admins = self.env["face.notification"].sudo().search([("user_id", "=", self.env.ref("base.user_admin").id)])
        response, payload = self.api("GET", "/notifications?pageSize=50")
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual(sorted(n["id"] for n in payload["data"]), sorted(mine.ids))
        self.assertEqual(payload["meta"]["total"], 2)
        item = [n for n in payload["data"] if n["alertId"] == self.alert.id][0]
        self.assertEqual((item["acknowledged"], item["level"]), (False, "high"))
        self.assertIn("face_alert_action/%d" % self.alert.id, item["link"])
        response, payload = self.api("POST", "/notifications/%d/acknowledge" % admins[0].id)
        self.assertError(response, payload, 404, "NOT_FOUND")
        response, payload = self.api("POST", "/notifications/%d/acknowledge" % item["id"], key=self.read_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")
        response, payload = self.api("POST", "/notifications/%d/acknowledge" % item["id"])
        self.assertEqual((response.status_code, payload["data"]["acknowledged"]), (200, True))
        _r, payload = self.api("GET", "/notifications?acknowledged=false")
        self.assertEqual(len(payload["data"]), 1)
        response, payload = self.api("DELETE", "/notifications?acknowledgedOnly=true")
        self.assertEqual((response.status_code, payload["data"]), (200, {"deleted": 1}))
        response, payload = self.api("DELETE", "/notifications")
        self.assertEqual(payload["data"], {"deleted": 1})
        self.assertTrue(admins.exists(), "another user's notifications stay")
        response, payload = self.api("DELETE", "/notifications?acknowledgedOnly=maybe")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        _r, payload = self.api("GET", "/notifications", key=self.user_secret)
        self.assertEqual(payload["data"], [], "users who are not managers get none")
        response, payload = self.api("GET", "/notifications", key=self.clerk_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")

    def test_banner_messages(self):
        response, payload = self.api(
            "POST",
            "/services/banner-messages",
            {"message": "  Maintenance tonight  ", "severity": "warning", "endsAt": now_iso(timedelta(hours=2))},
        )
        self.assertEqual(response.status_code, 201, payload)
        banner = payload["data"]
        self.assertEqual((banner["message"], banner["level"], banner["current"]), ("Maintenance tonight", "high", True))
        self.assertEqual(banner["createdBy"], self.manager.name)
        _r, payload = self.api(
            "POST", "/services/banner-messages", {"message": "Later", "startsAt": now_iso(timedelta(days=1))}
        )
        later = payload["data"]["id"]
        _r, payload = self.api("GET", "/services/banner-messages", key=self.user_secret)
        self.assertEqual([b["id"] for b in payload["data"]], [banner["id"]], "only the current ones by default")
        _r, payload = self.api("GET", "/services/banner-messages?current=false")
        self.assertEqual({b["id"] for b in payload["data"]}, {banner["id"], later})
        _r, payload = self.api("GET", "/services/banner-messages", key=self.b_secret)
        self.assertEqual(payload["data"], [], "another company's banners are not shown")
        for body in (
            {},
            {"message": " "},
            {"message": "x", "severity": "panic"},
            {"message": "x", "endsAt": "tomorrow"},
            {"message": "x" * 501},
            {"message": "x", "color": "red"},
        ):
            response, payload = self.api("POST", "/services/banner-messages", body)
            self.assertError(response, payload, 400, "VALIDATION_ERROR")
        # Both times as documented, in the wrong order: a rule refuses it.
        body = {"message": "x", "startsAt": now_iso(), "endsAt": now_iso(timedelta(hours=-1))}
        response, payload = self.api("POST", "/services/banner-messages", body)
        self.assertError(response, payload, 422, "UNPROCESSABLE")
        response, payload = self.api("POST", "/services/banner-messages", {"message": "x"}, key=self.user_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")
        response, payload = self.api("POST", "/services/banner-messages", {"message": "x"}, key=self.read_secret)
        self.assertError(response, payload, 403, "FORBIDDEN")
        self.assertTrue(self.env["face.system.log"].search([("action", "=", "banner.create")]))

    def test_routes_refuse_what_their_models_refuse(self):
        """The alert, banner and notification routes are declared with models: a refusal names its
        field, and the document is those models' schema."""
        path = "/alerts/%d" % self.alert.id
        for method, url, body, field in (
            ("GET", "/alerts?cameraId=0", None, "cameraId"),
            ("GET", "/alerts?severity=panic", None, "severity"),
            ("GET", "/services/banner-messages?current=maybe", None, "current"),
            ("GET", "/notifications?acknowledged=maybe", None, "acknowledged"),
            ("DELETE", "/notifications?acknowledgedOnly=maybe", None, "acknowledgedOnly"),
            ("POST", path + "/mute", {"minutes": "30"}, "minutes"),
            ("POST", path + "/mute", {"minutes": 30 * 24 * 60 + 1}, "minutes"),
            ("POST", "/services/banner-messages", {"message": "x", "severity": "panic"}, "severity"),
            ("POST", "/services/banner-messages", {"message": "x", "startsAt": None}, "startsAt"),
        ):
            response, payload = self.api(method, url, body)
            self.assertError(response, payload, 400, "VALIDATION_ERROR")
            self.assertEqual(payload["error"]["details"]["field"], field, (url, body, payload))
        response, payload = self.api("POST", path + "/mute", {"hours": 1})
        self.assertEqual(payload["error"]["details"]["unknown_fields"], ["hours"])
        response, payload = self.api("POST", "/services/banner-messages", {"severity": "info"})
        self.assertEqual(payload["error"]["details"]["missing_fields"], ["message"])
        self.assertFalse(self.alert.muted)
        _response, document = self.api("GET", "/openapi.json", key="")
        schemas = document["components"]["schemas"]
        listing = document["paths"]["/alerts"]["get"]
        params = {p["name"]: p["schema"] for p in listing["parameters"]}
        self.assertEqual(params["status"]["enum"], ["open", "acknowledged", "resolved", "active"])
        self.assertEqual((params["cameraId"]["minimum"], params["pageSize"]["maximum"]), (1, 200))
        mute = document["paths"]["/alerts/{alert_id}/mute"]["post"]["requestBody"]["content"]["application/json"]
        mute = schemas[mute["schema"]["$ref"].rsplit("/", 1)[-1]]
        self.assertEqual((mute["minProperties"], mute["maxProperties"], mute["additionalProperties"]), (1, 1, False))
        self.assertEqual(schemas["Alert"]["properties"]["level"]["enum"], ["critical", "high", "low"])
        self.assertTrue(schemas["Banner"]["properties"]["endsAt"]["nullable"])
        self.assertEqual(sorted(schemas["Notification"]["required"])[:2], ["acknowledged", "acknowledgedAt"])
        created = document["paths"]["/services/banner-messages"]["post"]["responses"]["201"]
        self.assertIn("Banner", str(created))


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_tours")
class TestAlertsLiveMonitor(FaceTourCase):
    def test_live_monitor_shows_alerts_and_banners(self):
        camera = self.env["face.camera"].create(
            {"name": "Alert tour camera", "source_type": "file", "source": "x", "direction": "entry"}
        )
        self.env["face.alert"]._raise("camera_offline", "Alert tour camera sends no frame", camera=camera)
        self.env["face.banner.message"].create({"message": "Fire drill at 3 pm", "severity": "warning"})
        with self.pushed_bus():
            self.start_tour_with_screenshots(
                "/odoo/action-face_attendance.face_live_monitor_action", "alerts_live_monitor_tour"
            )
        unknown = self.env["face.alert"].search([("alert_type", "=", "unknown_face"), ("camera_id", "=", camera.id)])
        self.assertEqual(unknown.state, "acknowledged", "acknowledged from the live monitor")
        self.assertEqual(unknown.acknowledged_by, self.env.ref("base.user_admin"))
