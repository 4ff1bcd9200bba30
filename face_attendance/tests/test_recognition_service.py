"""face.recognition.service: the one recognition path of /recognize, /detections/send-frame, RPC and the
kiosk, on real photos; who may call each of its public methods."""

import base64
import json
import re
import xmlrpc.client
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

from face_attendance_daemon.engine import EngineError

from ..controllers.face_kiosk import DEVICE_COOKIE
from .common import ApiCase, face_b64, face_photo, stranger_photo


def marshallable(value):
    """What XML-RPC answers carry: no None, no foreign number types."""
    xmlrpc.client.dumps((value,), methodresponse=True, allow_none=False)
    return value


class RecognitionSetup:
    @classmethod
    def recognition_data(cls, env):
        cls.kofi = env["hr.employee"].create({"name": "Kofi Annan", "person_ref": "SVC-KOFI", "tz": "UTC"})
        env["face.template"].create(
            [{"employee_id": cls.kofi.id, "image": face_b64("Kofi_Annan", n)} for n in (1, 2, 3)]
        )
        cls.device = new_test_user(env, login="svc_device", groups="face_attendance.group_face_attendance_device")
        cls.daemon = env["face.daemon"].create({"name": "svc-daemon", "user_id": cls.device.id})
        cls.camera = env["face.camera"].create(
            {"name": "Svc door", "source_type": "file", "source": "x", "direction": "entry", "daemon_id": cls.daemon.id}
        )
        cls.foreign_camera = env["face.camera"].create(
            {"name": "Svc yard", "source_type": "file", "source": "x", "direction": "exit"}
        )
        cls.manager = new_test_user(
            env, login="svc_manager", groups="base.group_user,face_attendance.group_face_attendance_manager"
        )
        cls.fa_user = new_test_user(
            env, login="svc_user", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        cls.internal = new_test_user(env, login="svc_internal", groups="base.group_user")
        cls.portal = new_test_user(env, login="svc_portal", groups="base.group_portal")
        cls.elsewhere = env["res.company"].create({"name": "Svc Elsewhere"})
        cls.outsider = new_test_user(
            env,
            login="svc_outsider",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_id=cls.elsewhere.id,
            company_ids=[(6, 0, [cls.elsewhere.id])],
        )


@tagged("post_install", "-at_install", "face_attendance")
class TestRecognitionService(RecognitionSetup, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.recognition_data(cls.env)
        cls.photo = face_b64("Kofi_Annan", 5).decode()

    def service(self, user):
        return self.env["face.recognition.service"].with_user(user)

    def events(self):
        return self.env["face.recognition.event"].search([("employee_id", "=", self.kofi.id)])

    def test_recognize_names_only_whom_the_caller_may_read(self):
        answer = marshallable(self.service(self.manager).recognize(self.photo))
        self.assertEqual(answer["count"], 1)
        face = answer["faces"][0]
        self.assertEqual(
            (face["person_id"], face["employee_id"], face["name"]), ("SVC-KOFI", self.kofi.id, "Kofi Annan")
        )
        self.assertGreater(face["confidence"], 0.5)
        self.assertIs(answer["attendance_marked"], False)
        self.assertFalse(self.events())
        # A data URL and raw bytes are the same image.
        answer = self.service(self.manager).recognize("data:image/jpeg;base64," + self.photo)
        self.assertEqual(answer["faces"][0]["employee_id"], self.kofi.id)
        # A device or a Face Attendance user without HR rights recognises, but is not told whom (they
        # read no persons); nor is another company's manager.
        for user in (self.device, self.fa_user, self.outsider):
            face = marshallable(self.service(user).recognize(self.photo))["faces"][0]
            self.assertEqual((face["person_id"], face["employee_id"], face["distance"]), (False, False, False))
        # A stranger learns no distance.
        stranger = base64.b64encode(stranger_photo("Aaron_Pena")).decode()
        face = self.service(self.manager).recognize(stranger)["faces"][0]
        self.assertEqual((face["person_id"], face["distance"], face["confidence"]), (False, False, False))
        # Without a Face Attendance group, whatever the context says.
        for user in (self.internal, self.portal):
            with self.assertRaises(AccessError):
                self.service(user).with_context(face_api_scope_events=True, su=True).recognize(self.photo)

    def test_refusals_of_images_and_cameras(self):
        service = self.service(self.manager)
        with self.assertRaises(ValidationError):
            service.recognize("***")
        with self.assertRaises(UserError) as caught:
            service.recognize(base64.b64encode(b"plain text, not a picture").decode())
        self.assertIsInstance(caught.exception.__cause__, EngineError)
        self.assertEqual(caught.exception.__cause__.code, "NOT_AN_IMAGE")
        with self.assertRaises(MissingError):
            service.recognize(self.photo, 999999)
        with self.assertRaises(ValidationError):
            service.recognize(self.photo, False, False, True)
        # Another company's camera is as unknown as none.
        with self.assertRaises(MissingError):
            self.service(self.outsider).recognize(self.photo, self.camera.id)

    def test_marking_goes_through_the_ingestion(self):
        answer = marshallable(self.service(self.manager).recognize(self.photo, self.camera.id, False, True))
        face = answer["faces"][0]
        self.assertEqual(face["outcome"], "checked_in", answer)
        event = self.env["face.recognition.event"].search([("event_uid", "=", face["event_id"])])
        self.assertEqual((event.source, event.employee_id, event.camera_id), ("recognize", self.kofi, self.camera))
        self.assertEqual(event.attendance_id.id, face["attendance_id"])
        self.assertTrue(self.env["face.system.log"].search([("action", "=", "recognize.mark")]))
        # A Face Attendance user recognises but does not record sightings.
        with self.assertRaises(AccessError):
            self.service(self.fa_user).recognize(self.photo, self.camera.id, False, True)
        self.assertEqual(len(self.events()), 1)

    def test_send_frame(self):
        service = self.service(self.device)
        answer = marshallable(service.send_frame(self.photo, self.camera.id, "svc-0001"))
        self.assertEqual((answer["frame_id"], answer["camera_id"], answer["count"]), ("svc-0001", self.camera.id, 1))
        self.assertEqual(answer["events"][0]["status"], "created", answer)
        event = self.env["face.recognition.event"].search([("event_uid", "=", answer["events"][0]["event_id"])])
        self.assertEqual((event.source, event.employee_id), ("frame", self.kofi))
        self.assertEqual(event.event_uid, "frame-u%d-svc-0001-1" % self.device.id)
        # The same frame again records nothing new.
        answer = service.send_frame(self.photo, self.camera.id, "svc-0001")
        self.assertEqual(answer["events"][0]["status"], "exists")
        self.assertEqual(len(self.events()), 1)
        # Capture time, and what is refused.
        moment = fields.Datetime.now().replace(microsecond=0) - timedelta(hours=1)
        answer = service.send_frame(self.photo, self.camera.id, "svc-0002", moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
        event = self.env["face.recognition.event"].search([("event_uid", "=", answer["events"][0]["event_id"])])
        self.assertEqual(event.sighted_at, moment)
        with self.assertRaises(ValidationError):
            service.send_frame(self.photo, self.camera.id, "bad id/with spaces")
        with self.assertRaises(ValidationError):
            service.send_frame(self.photo, self.camera.id, "svc-0003", "yesterday")
        with self.assertRaises(MissingError):
            service.send_frame(self.photo, self.foreign_camera.id)
        with self.assertRaises(MissingError):
            self.service(self.outsider).send_frame(self.photo, self.camera.id)
        for user in (self.fa_user, self.internal, self.portal):
            with self.assertRaises(AccessError):
                self.service(user).send_frame(self.photo, self.camera.id)
        # A manager sends for any camera of the company.
        answer = self.service(self.manager).send_frame(self.photo, self.foreign_camera.id)
        self.assertEqual(answer["camera_id"], self.foreign_camera.id)
        self.assertEqual(len(self.events()), 3)

    def test_live_detections(self):
        self.service(self.manager).recognize(self.photo, self.camera.id, False, True)
        stranger = base64.b64encode(stranger_photo("Aaron_Pena")).decode()
        self.service(self.manager).recognize(stranger, self.camera.id, False, True)
        live = marshallable(self.service(self.fa_user).live_detections(self.camera.id, 5))
        self.assertEqual(live["count"], 2)
        by_status = {row["status"]: row for row in live["detections"]}
        self.assertEqual(set(by_status), {"authorized", "unknown"})
        self.assertEqual(
            (by_status["authorized"]["person_id"], by_status["authorized"]["camera_name"]), ("SVC-KOFI", "Svc door")
        )
        self.assertEqual(by_status["unknown"]["person_id"], False)
        self.assertEqual(self.service(self.fa_user).live_detections(self.foreign_camera.id)["count"], 0)
        self.assertEqual(self.service(self.outsider).live_detections()["count"], 0)
        for limit in (0, 201, "5", True):
            with self.assertRaises(ValidationError):
                self.service(self.fa_user).live_detections(False, limit)
        for user in (self.device, self.internal, self.portal):
            with self.assertRaises(AccessError):
                self.service(user).live_detections()
        # The events' history, with the plan's statuses.
        history = marshallable(self.service(self.fa_user).detection_events(camera_id=self.camera.id))
        self.assertEqual(history["total"], 2)
        self.assertEqual({item["status"] for item in history["items"]}, {"processed", "unknown"})
        processed = self.service(self.fa_user).detection_events("processed", self.camera.id)
        self.assertEqual([item["payload"]["personId"] for item in processed["items"]], ["SVC-KOFI"])
        later = fields.Datetime.now() + timedelta(days=1)
        self.assertEqual(self.service(self.fa_user).detection_events(date_from=later)["total"], 0)
        self.assertEqual(self.service(self.outsider).detection_events()["total"], 0)
        with self.assertRaises(ValidationError):
            self.service(self.fa_user).detection_events("bogus")
        for user in (self.device, self.internal, self.portal):
            with self.assertRaises(AccessError):
                self.service(user).detection_events()

    def test_kiosk_matches_through_the_service(self):
        """The kiosk's largest face, on a scaled-down copy, matched by the same service."""
        service = self.env["face.recognition.service"]
        encoder = self.env["face.attendance.config"]._encoder()
        from face_attendance_daemon.engine import decode_image

        image = decode_image(face_photo("Kofi_Annan", 5))
        found, _threshold = service._identify(image, encoder, largest=True, detect_side=320, min_face=48)
        self.assertEqual(len(found), 1)
        self.assertEqual(found[0].match.person_key, self.kofi.id)


@tagged("post_install", "-at_install", "face_attendance")
class TestRecognitionOnePath(RecognitionSetup, ApiCase):
    """The same frame through the model method, /recognize and the kiosk: the same person."""

    def test_same_person_through_model_rest_and_kiosk(self):
        self.recognition_data(self.env)
        config = self.env["face.attendance.config"]
        config.set("auto_mark", True)
        config.set("kiosk_live_frames", 1)
        config.set("kiosk_window_frames", 1)
        photo = face_b64("Kofi_Annan", 5).decode()
        # The model method, as the key's user (a manager) over RPC would call it.
        face = self.env["face.recognition.service"].with_user(self.manager).recognize(photo)["faces"][0]
        self.assertEqual(face["employee_id"], self.kofi.id)
        # /recognize.
        response, payload = self.api("POST", "/recognize", {"image": photo})
        self.assertEqual(response.status_code, 200, payload)
        rest = payload["data"]["faces"][0]
        self.assertEqual((rest["employee_id"], rest["person_id"]), (self.kofi.id, "SVC-KOFI"))
        self.assertEqual((rest["distance"], rest["box"]), (face["distance"], face["box"]))
        # The kiosk (liveness off: an LFW photo is a photo).
        kiosk = self.env["face.kiosk"].create({"name": "Svc kiosk", "direction": "entry", "liveness_required": False})
        headers = {"Content-Type": "application/json", "X-Face-Kiosk-Token": kiosk.sudo().kiosk_token}
        # A paired tablet: the code a manager reads on the form, typed on the tablet.
        code = re.search(r"\b(\d{8})\b", str(kiosk.action_pairing_code()["params"]["message"])).group(1)
        paired = self.url_open("/face_attendance/kiosk/pair", data=json.dumps({"code": code}), headers=headers)
        self.assertEqual(paired.status_code, 200, paired.text)
        # The device cookie is Secure, never sent over the tests' http://: the client keeps a plain copy.
        secret = paired.cookies[DEVICE_COOKIE]
        for cookie in [c for c in self.opener.cookies if c.name == DEVICE_COOKIE]:
            self.opener.cookies.clear(cookie.domain, cookie.path, cookie.name)
        self.opener.cookies.set(DEVICE_COOKIE, secret, path="/face_attendance/kiosk/")
        response = self.url_open("/face_attendance/kiosk/frame", data=json.dumps({"image": photo}), headers=headers)
        answer = response.json()
        self.assertEqual((response.status_code, answer["state"], answer["name"]), (200, "checked_in", "Kofi Annan"))
        event = self.env["face.recognition.event"].search([("event_uid", "=", answer["event_id"])])
        self.assertEqual((event.employee_id, event.camera_id, event.source), (self.kofi, kiosk.camera_id, "kiosk"))
