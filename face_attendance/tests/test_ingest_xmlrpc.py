from datetime import datetime, timedelta

from odoo.tests import HttpCase, new_test_user, tagged

from .common import face_b64


@tagged("post_install", "-at_install", "face_attendance")
class TestIngestOverXmlRpc(HttpCase):
    """The daemon's path: real XML-RPC over HTTP, as the device user."""

    def setUp(self):
        super().setUp()
        self.device = new_test_user(
            self.env,
            login="fa_rpc_device",
            password="fa_rpc_device_pw",
            groups="face_attendance.group_face_attendance_device",
        )
        self.employee = self.env["hr.employee"].create({"name": "Rpc Person", "person_ref": "RPC1", "tz": "Asia/Tokyo"})
        self.env["face.template"].create({"employee_id": self.employee.id, "image": face_b64("Hugo_Chavez", 1)})
        daemon = self.env["face.daemon"].create({"name": "rpc-daemon", "user_id": self.device.id})
        self.camera = self.env["face.camera"].create(
            {"name": "Rpc cam", "source_type": "file", "source": "v.mp4", "direction": "entry", "daemon_id": daemon.id}
        )

    def call(self, model, method, *args):
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, "fa_rpc_device", "fa_rpc_device_pw", {})
        self.assertTrue(uid)
        return self.xmlrpc_object.execute_kw(self.env.cr.dbname, uid, "fa_rpc_device_pw", model, method, list(args))

    def test_batch_ingestion_is_idempotent_over_xmlrpc(self):
        when = (datetime.utcnow() - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        batch = [
            {
                "event_id": "rpc-1",
                "camera_id": self.camera.id,
                "timestamp": when,
                "employee_id": self.employee.id,
                "distance": 0.2,
                "confidence": 0.83,
                "track_id": "t1",
                "encoder": "sface:2021dec-int8bq",
            },
            {"event_id": "rpc-2", "camera_id": self.camera.id, "timestamp": when},
        ]
        first = self.call("face.recognition.event", "ingest_events", batch)
        again = self.call("face.recognition.event", "ingest_events", batch)
        self.assertEqual([a["outcome"] for a in first], ["checked_in", "unknown"])
        self.assertEqual([a["status"] for a in again], ["exists", "exists"])
        self.assertEqual(self.env["hr.attendance"].search_count([("employee_id", "=", self.employee.id)]), 1)

    def test_daemon_register_heartbeat_and_gallery(self):
        config = self.call("face.daemon", "daemon_register", "site-1", "host-a", "1.0", "sface:2021dec-int8bq")
        self.assertEqual(config["encoder"], "sface")
        daemon_id = config["daemon_id"]
        self.camera.daemon_id = daemon_id
        self.assertTrue(
            self.call(
                "face.daemon",
                "daemon_heartbeat",
                [daemon_id],
                {"uptime": 5},
                [
                    {
                        "camera_id": self.camera.id,
                        "fps": 12.5,
                        "error_count": 0,
                        "last_frame_at": datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%S"),
                    }
                ],
            )
        )
        self.assertEqual(self.camera.fps, 12.5)
        self.assertEqual(self.camera.status, "online")
        gallery = self.call("face.template", "gallery_sync", "sface:2021dec-int8bq")
        self.assertEqual([t["person_id"] for t in gallery["templates"]], ["RPC1"])

    def test_numbers_must_be_finite_and_distances_not_negative(self):
        when = (datetime.utcnow() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
        base = {"camera_id": self.camera.id, "timestamp": when, "employee_id": self.employee.id}
        # XML-RPC carries 1e400 as infinity (a <double>inf</double>), NaN too.
        for n, distance in enumerate((float("inf"), float("nan"), -0.5)):
            answers = self.call(
                "face.recognition.event", "ingest_events", [dict(base, event_id="fin-%d" % n, distance=distance)]
            )
            self.assertEqual(answers[0]["status"], "invalid", answers)
            self.assertIn("distance", answers[0]["message"])
        self.assertFalse(self.env["face.recognition.event"].search_count([("event_uid", "like", "fin-")]))

    def test_a_device_registers_a_bounded_number_of_plainly_named_daemons(self):
        self.env["ir.config_parameter"].sudo().set_param("face_attendance.max_daemons_per_device", "3")
        # rpc-daemon of setUp is the first; two more register themselves.
        self.call("face.daemon", "daemon_register", "gate-2", "host-b")
        self.call("face.daemon", "daemon_register", "gate 3 (north)", "host-c")
        with self.assertRaises(Exception) as refused:
            self.call("face.daemon", "daemon_register", "gate-4", "host-d")
        self.assertIn("already has 3 daemons", str(refused.exception))
        # An existing daemon still registers again (a restart is no new record).
        self.assertTrue(self.call("face.daemon", "daemon_register", "gate-2", "host-b")["daemon_id"])
        self.env["ir.config_parameter"].sudo().set_param("face_attendance.max_daemons_per_device", "10")
        for name in ("http://evil.example/login", "<b>URGENT</b>", "Pay now!\nCall +1", " ", "x" * 65, "D\u0430emon"):
            with self.subTest(name=name), self.assertRaises(Exception) as refused:
                self.call("face.daemon", "daemon_register", name, "host-e")
        self.assertEqual(
            self.env["face.daemon"].with_context(active_test=False).search_count([("user_id", "=", self.device.id)]), 3
        )
