import xmlrpc.client
from datetime import datetime, timedelta

from odoo.tests import new_test_user, tagged

from .common import ApiCase


@tagged("post_install", "-at_install", "face_attendance")
class TestApiCameras(ApiCase):
    def test_crud(self):
        response, payload = self.api(
            "POST",
            "/cameras",
            {
                "name": "Gate",
                "source_type": "rtsp",
                "source": "rtsp://user:secret@10.0.0.5/stream",
                "direction": "entry",
                "location": "North",
            },
        )
        self.assertEqual(response.status_code, 201, payload)
        camera_id = payload["data"]["id"]
        self.assertEqual(payload["data"]["source"], "rtsp://user:secret@10.0.0.5/stream")
        response, payload = self.api("PUT", "/cameras/%d" % camera_id, {"direction": "exit", "match_threshold": 0.45})
        self.assertEqual((payload["data"]["direction"], payload["data"]["match_threshold"]), ("exit", 0.45))
        response, payload = self.api("GET", "/cameras?direction=exit")
        self.assertIn(camera_id, [c["id"] for c in payload["data"]["cameras"]])
        response, payload = self.api("DELETE", "/cameras/%d" % camera_id)
        self.assertEqual(payload["data"], {"id": camera_id, "active": False})
        response, payload = self.api("DELETE", "/cameras/%d" % camera_id)
        self.assertError(response, payload, 409, "CONFLICT")
        response, payload = self.api("GET", "/cameras/%d" % camera_id)
        self.assertFalse(payload["data"]["active"])

    def test_refusals(self):
        cases = [
            ({"name": "Bad", "source_type": "rtsp", "source": "http://x"}, 422, "UNPROCESSABLE"),
            ({"name": "Bad", "source": "rtsp://x", "direction": "sideways"}, 400, "VALIDATION_ERROR"),
            ({"name": "Bad", "source": "rtsp://x", "min_face_size": "big"}, 400, "VALIDATION_ERROR"),
            ({"name": "Bad", "source": "rtsp://x", "min_face_size": 10**12}, 400, "VALIDATION_ERROR"),
            # Beyond the documented range: refused by the body's model, as documented.
            ({"name": "Bad", "source": "rtsp://x", "match_threshold": 7}, 400, "VALIDATION_ERROR"),
            ({"name": "Bad", "source": "rtsp://x", "min_face_size": 5000}, 400, "VALIDATION_ERROR"),
            ({"name": "Bad", "source": "rtsp://x", "daemon_id": 0}, 400, "VALIDATION_ERROR"),
            ({"name": "Bad", "source": "rtsp://x", "enabled": None}, 400, "VALIDATION_ERROR"),
            # As documented, but naming no daemon: a rule refuses it.
            ({"name": "Bad", "source": "rtsp://x", "daemon_id": 123456}, 422, "UNPROCESSABLE"),
            ({"name": "", "source": "rtsp://x"}, 400, "VALIDATION_ERROR"),
            ({"name": "Bad", "source": "rtsp://x", "colour": "red"}, 400, "VALIDATION_ERROR"),
        ]
        for body, status, code in cases:
            with self.subTest(body=body):
                response, payload = self.api("POST", "/cameras", body)
                self.assertError(response, payload, status, code)
        response, payload = self.api("GET", "/cameras/987654")
        self.assertError(response, payload, 404, "NOT_FOUND")
        response, payload = self.api("GET", "/cameras/99999999999")
        self.assertError(response, payload, 404, "NOT_FOUND")

    def test_source_hidden_from_plain_users(self):
        self.env["face.camera"].create({"name": "Secret cam", "source_type": "rtsp", "source": "rtsp://u:p@cam/1"})
        officer = new_test_user(
            self.env, login="fa_cam_officer", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        _key, secret = self.env["face.api.key"]._generate("viewer", officer, "camera:read camera:write")
        response, payload = self.api("GET", "/cameras", key=secret)
        self.assertTrue(payload["data"]["cameras"])
        self.assertNotIn("rtsp://u:p@cam/1", response.text)
        self.assertTrue(all("source" not in c for c in payload["data"]["cameras"]))
        # A user without the manager group cannot create cameras, whatever the key's scopes.
        response, payload = self.api("POST", "/cameras", {"name": "X", "source": "rtsp://x"}, key=secret)
        self.assertError(response, payload, 403, "FORBIDDEN")

    def test_file_sources_are_for_system_administrators(self):
        """A file source makes the daemon read its own host: a manager names none, through REST,
        XML-RPC or an import; a system administrator may."""
        daemon = self.env["face.daemon"].create({"name": "files-daemon"})
        planted = self.env["face.camera"].create(
            {"name": "Admin file cam", "source_type": "file", "source": "/srv/videos/door.mp4", "daemon_id": daemon.id}
        )
        Camera = self.env["face.camera"].with_context(active_test=False)
        count = Camera.search_count([])
        # REST, with the manager's key of every scope.
        for body in (
            {"name": "Files", "source_type": "file", "source": "/etc/passwd"},
            {"name": "Files", "source_type": "file", "source": "file:///etc/passwd", "daemon_id": daemon.id},
            {"name": "Files", "source_type": "kiosk", "source": " FILE:///etc/passwd"},
        ):
            response, payload = self.api("POST", "/cameras", body)
            self.assertError(response, payload, 403, "FORBIDDEN")
        response, payload = self.api("POST", "/cameras", {"name": "Stream", "source": "rtsp://10.0.0.9/s"})
        self.assertEqual(response.status_code, 201, payload)
        stream_id = payload["data"]["id"]
        count += 1
        response, payload = self.api("PUT", "/cameras/%d" % stream_id, {"source_type": "file", "source": "/etc/passwd"})
        self.assertError(response, payload, 403, "FORBIDDEN")
        response, payload = self.api("PUT", "/cameras/%d" % planted.id, {"source": "/etc/shadow"})
        self.assertError(response, payload, 403, "FORBIDDEN")
        # The import reports the row and imports nothing.
        response, payload = self.api(
            "POST", "/cameras/import", {"cameras": [{"name": "Imp", "streamType": "FILE", "streamUrl": "/etc/passwd"}]}
        )
        self.assertError(response, payload, 422, "IMPORT_REFUSED")
        # XML-RPC, as the manager.
        login = self.manager.login
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, login, login, {})

        def rpc(method, *args):
            return self.xmlrpc_object.execute_kw(self.env.cr.dbname, uid, login, "face.camera", method, list(args))

        for method, args in (
            ("create", [{"name": "Rpc file", "source_type": "file", "source": "/etc/passwd"}]),
            ("write", [[stream_id], {"source_type": "file", "source": "/root/.ssh/id_rsa"}]),
            ("write", [[planted.id], {"source": "/etc/passwd"}]),
            ("write", [[planted.id], {"daemon_id": False}]),
            ("camera_import", [[{"name": "Imp2", "streamType": "FILE", "streamUrl": "/etc/passwd"}]]),
        ):
            with self.subTest(method=method, args=args):
                try:
                    answer = rpc(method, *args)
                except xmlrpc.client.Fault as fault:
                    self.assertEqual(fault.faultCode, 4, fault.faultString[-300:])  # an access error
                else:
                    # The import answers a report: every row refused, nothing imported.
                    self.assertEqual((method, answer["created"], bool(answer["errors"])), ("camera_import", 0, True))
        self.env.invalidate_all()
        self.assertEqual(Camera.search_count([]), count)
        self.assertEqual((planted.source, planted.daemon_id), ("/srv/videos/door.mp4", daemon))
        self.assertEqual(Camera.browse(stream_id).source_type, "rtsp")
        # Other fields of a file camera stay the manager's.
        rpc("write", [planted.id], {"name": "Door (renamed)", "enabled": False})
        # A system administrator (the admin key) may.
        _key, admin_secret = self.env["face.api.key"]._generate("admin files", self.env.ref("base.user_admin"), "*")
        response, payload = self.api(
            "POST", "/cameras", {"name": "Admin file", "source_type": "file", "source": "/srv/x.mp4"}, key=admin_secret
        )
        self.assertEqual(response.status_code, 201, payload)

    def test_summary_counts_today(self):
        entry = self.env["face.camera"].create(
            {"name": "Count cam", "source_type": "file", "source": "x", "direction": "entry"}
        )
        person = self.env["hr.employee"].create({"name": "Counted", "person_ref": "CNT1"})
        now = datetime.utcnow()
        self.env["face.recognition.event"].ingest_events(
            [
                {
                    "event_id": "sum-1",
                    "camera_id": entry.id,
                    "timestamp": (now - timedelta(minutes=2)).isoformat() + "Z",
                    "person_id": "CNT1",
                },
                {
                    "event_id": "sum-2",
                    "camera_id": entry.id,
                    "timestamp": (now - timedelta(minutes=1)).isoformat() + "Z",
                    "person_id": "CNT1",
                },
                {
                    "event_id": "sum-3",
                    "camera_id": entry.id,
                    "timestamp": (now - timedelta(minutes=1)).isoformat() + "Z",
                },
            ]
        )
        self.manager.tz = "UTC"
        response, payload = self.api("GET", "/cameras/summary")
        counts = {c["id"]: c for c in payload["data"]["cameras"]}[entry.id]
        self.assertEqual(
            (counts["events"], counts["checked_in"], counts["duplicates"], counts["unknown"], counts["recognised"]),
            (3, 1, 1, 1, 2),
            counts,
        )
        self.assertTrue(person)
        response, payload = self.api("GET", "/cameras/summary?date=2001-01-01")
        self.assertEqual({c["id"]: c for c in payload["data"]["cameras"]}[entry.id]["events"], 0)
        response, payload = self.api("GET", "/cameras/summary?date=soon")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
