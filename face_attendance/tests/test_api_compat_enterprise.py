"""The enterprise README's API over real HTTP: POST /users/ (a name and a photo), the camera units'
sync (GET /users/) and their attendance log (POST /attendance/), as its clients call them."""

import base64
import io
from datetime import timedelta

import numpy as np

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from face_attendance_daemon.engine import Gallery, enrol_image, get_encoder

from .common import ApiCase, face_photo
from .test_api_faces import gray_jpeg


def photo(person, number):
    return ("%s_%d.jpg" % (person, number), face_photo(person, number), "image/jpeg")


def when(hours_ago=0, day_hour=None):
    """A past time: hours ago, or yesterday at ``day_hour`` UTC (a working day whatever the clock)."""
    moment = fields.Datetime.now() - timedelta(hours=hours_ago)
    if day_hour is not None:
        moment = (fields.Datetime.now() - timedelta(days=1)).replace(hour=day_hour, minute=0, second=0)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@tagged("post_install", "-at_install", "face_attendance")
class TestApiCompatEnterprise(ApiCase):
    def setUp(self):
        super().setUp()
        Key = self.env["face.api.key"]
        self.device_user = new_test_user(
            self.env, login="fa_ent_device", groups="face_attendance.group_face_attendance_device"
        )
        self.daemon = self.env["face.daemon"].create({"name": "ent-unit", "user_id": self.device_user.id})
        Camera = self.env["face.camera"].with_context(default_daemon_id=self.daemon.id)
        self.gate = Camera.create(
            {"name": "Front Gate", "source_type": "file", "source": "/dev/null", "direction": "entry"}
        )
        _key, self.device_secret = Key._generate("camera unit", self.device_user, "gallery:read events:write")

    # -- helpers ----------------------------------------------------------------------------------
    def call(self, method, path, key=None, **kwargs):
        return self.api(method, path, key=key, prefix="", **kwargs)

    def register(self, name, image, key=None, **form):
        return self.call("POST", "/users/", key=key, raw=dict(form, name=name), files={"file": image})

    def employees(self, name):
        return self.env["hr.employee"].with_context(active_test=False).search([("name", "=", name)])

    def synced(self, key=None, **params):
        query = "&".join("%s=%s" % item for item in params.items())
        response, payload = self.call("GET", "/users/" + ("?" + query if query else ""), key=key or self.device_secret)
        self.assertEqual(response.status_code, 200, payload)
        return response, payload

    # -- POST /users/ -----------------------------------------------------------------------------
    def test_register_user_creates_person_and_face(self):
        response, payload = self.register("Kofi Annan", photo("Kofi_Annan", 1), personnel_code="ENT-KA")
        self.assertEqual(response.status_code, 201, payload)
        employee = self.employees("Kofi Annan")
        self.assertEqual(len(employee), 1)
        template = self.env["face.template"].search([("employee_id", "=", employee.id)])
        self.assertEqual(len(template), 1)
        self.assertEqual(
            {k: payload[k] for k in ("id", "name", "personnel_code", "face_id", "face_count", "encoder")},
            {
                "id": employee.id,
                "name": "Kofi Annan",
                "personnel_code": "ENT-KA",
                "face_id": template.id,
                "face_count": 1,
                "encoder": "%s:%s" % (template.encoder_name, template.encoder_version),
            },
        )
        self.assertEqual(employee.person_ref, "ENT-KA")
        self.assertGreater(payload["quality"]["face_size"], 0)
        # Audited like /api/v1's enrolment: the person and the face.
        actions = self.env["face.system.log"].search(
            [("object_ref", "in", ["hr.employee,%d" % employee.id, "face.template,%d" % template.id])]
        )
        self.assertEqual(set(actions.mapped("action")), {"person.create", "face.register"})
        self.assertTrue(all(actions.mapped("api_key_name")))
        # Without a person ID the employee gets none; /users without the slash is the same route.
        response, payload = self.call(
            "POST", "/users", raw={"name": "Gordon Brown"}, files={"file": photo("Gordon_Brown", 1)}
        )
        self.assertEqual((response.status_code, response.history), (201, []), payload)
        self.assertIsNone(payload["personnel_code"])
        self.assertFalse(self.employees("Gordon Brown").person_ref)
        # The person ID is unique in the company.
        response, payload = self.register("Twin", photo("Gordon_Brown", 2), personnel_code="ENT-KA")
        self.assertDetail(response, payload, 409, "CONFLICT")
        self.assertFalse(self.employees("Twin"))

    def test_refused_photo_creates_nobody(self):
        for image, code in (
            (("gray.jpg", gray_jpeg(), "image/jpeg"), "NO_FACE"),
            (("notes.jpg", b"this is not a photo", "image/jpeg"), "NOT_AN_IMAGE"),
        ):
            response, payload = self.register("Nobody Here", image, personnel_code="ENT-NO")
            self.assertDetail(response, payload, 422, code)
            self.assertFalse(self.employees("Nobody Here"), "all or nothing: no employee without a face")
            self.assertFalse(
                self.env["hr.employee"].with_context(active_test=False).search([("person_ref", "=", "ENT-NO")])
            )

    def test_missing_and_unknown_fields(self):
        response, payload = self.call(
            "POST", "/users/", raw={"personnel_code": "X"}, files={"file": photo("Kofi_Annan", 1)}
        )
        self.assertDetail(response, payload, 422, "VALIDATION_ERROR")
        self.assertEqual(payload["details"]["missing_fields"], ["name"])
        response, payload = self.call(
            "POST", "/users/", raw={"name": "No Photo"}, files={"other": ("", b"", "application/octet-stream")}
        )
        self.assertDetail(response, payload, 422, "VALIDATION_ERROR")
        self.assertEqual(payload["details"]["unknown_fields"], ["other"])
        response, payload = self.call(
            "POST", "/users/", raw={"name": "No Photo"}, files={"file": ("empty.jpg", b"", "image/jpeg")}
        )
        self.assertDetail(response, payload, 422, "VALIDATION_ERROR")
        self.assertEqual(payload["details"]["missing_fields"], ["file"])
        response, payload = self.call("POST", "/users/", body={"name": "As JSON"})
        self.assertDetail(response, payload, 422, "VALIDATION_ERROR")
        response, payload = self.register("   ", photo("Kofi_Annan", 1))
        self.assertDetail(response, payload, 422, "VALIDATION_ERROR")
        response, payload = self.register("Spaced", photo("Kofi_Annan", 1), personnel_code="A B")
        self.assertDetail(response, payload, 422, "VALIDATION_ERROR")
        self.assertFalse(self.employees("No Photo") | self.employees("As JSON") | self.employees("Spaced"))

    def test_keys_and_scopes(self):
        Key = self.env["face.api.key"]
        response, payload = self.call(
            "POST", "/users/", key="", raw={"name": "A"}, files={"file": photo("Kofi_Annan", 1)}
        )
        self.assertDetail(response, payload, 401, "UNAUTHORIZED")
        self.assertEqual(response.headers["WWW-Authenticate"], "Bearer")
        response, payload = self.call("GET", "/users/", key="fa_00000000_wrong")
        self.assertDetail(response, payload, 401, "UNAUTHORIZED")
        # person:write alone cannot enrol a face: nothing is created.
        _key, writer = Key._generate("writer", self.manager, "person:write")
        response, payload = self.register("Writer Only", photo("Kofi_Annan", 1), key=writer)
        self.assertDetail(response, payload, 403, "FORBIDDEN")
        self.assertEqual(payload["details"]["required_scope"], "face:write")
        self.assertFalse(self.employees("Writer Only"))
        _key, enroller = Key._generate("enroller", self.manager, "face:write")
        response, payload = self.register("Face Only", photo("Kofi_Annan", 1), key=enroller)
        self.assertDetail(response, payload, 403, "FORBIDDEN")
        self.assertEqual(payload["details"]["required_scope"], "person:write")
        # The sync and the attendance log have their own scopes; the device key has no person:write.
        response, payload = self.call("GET", "/users/", key=self.reader_secret)
        self.assertDetail(response, payload, 403, "FORBIDDEN")
        self.assertEqual(payload["details"]["required_scope"], "gallery:read")
        response, payload = self.call("POST", "/attendance/", key=self.reader_secret, body={"user_id": 1})
        self.assertDetail(response, payload, 403, "FORBIDDEN")
        self.assertEqual(payload["details"]["required_scope"], "events:write")
        response, payload = self.register("Device Made", photo("Kofi_Annan", 1), key=self.device_secret)
        self.assertDetail(response, payload, 403, "FORBIDDEN")
        # Bearer works as well as X-API-Key (the README's clients send either).
        response, payload = self.api("GET", "/users/", key=self.device_secret, bearer=True, prefix="")
        self.assertEqual(response.status_code, 200, payload)

    # -- GET /users/ ------------------------------------------------------------------------------
    def test_sync_lists_people_with_encodings(self):
        _r, kofi = self.register("Kofi Annan", photo("Kofi_Annan", 1), personnel_code="ENT-KA")
        _r, gordon = self.register("Gordon Brown", photo("Gordon_Brown", 1))
        self.env["face.template"].create(
            {"employee_id": kofi["id"], "image": base64.b64encode(face_photo("Kofi_Annan", 2))}
        )
        tag = get_encoder(self.env["face.attendance.config"]._get("encoder")).tag
        response, users = self.synced()
        self.assertEqual([u["id"] for u in users], sorted([kofi["id"], gordon["id"]]))
        by_id = {u["id"]: u for u in users}
        entry = by_id[kofi["id"]]
        self.assertEqual((entry["name"], entry["personnel_code"], entry["encoder"]), ("Kofi Annan", "ENT-KA", tag))
        self.assertEqual(len(entry["face_encoding"]), 128)
        self.assertTrue(all(isinstance(v, float) for v in entry["face_encoding"]))
        self.assertEqual(len(entry["face_encodings"]), 2)
        self.assertEqual(entry["face_encodings"][0], entry["face_encoding"])
        self.assertEqual(entry["face_ids"][0], kofi["face_id"])
        self.assertIsNone(by_id[gordon["id"]]["personnel_code"])
        self.assertEqual(response.headers["X-Total-Count"], "2")
        since = response.headers["X-Server-Time"]
        # The same vectors as the daemons' gallery sync.
        stored = self.env["face.template"].browse(kofi["face_id"])
        expected = np.frombuffer(base64.b64decode(stored.encoding), dtype="<f4")
        self.assertTrue(np.array_equal(np.asarray(entry["face_encoding"], dtype=np.float32), expected))
        # Paging as FastAPI's skip/limit; by encoder name or tag; another encoder's vectors never mix.
        _r, page = self.synced(skip=1, limit=1)
        self.assertEqual([u["id"] for u in page], [max(kofi["id"], gordon["id"])])
        _r, same = self.synced(encoder=tag.split(":")[0])
        self.assertEqual(len(same), 2)
        other = "dlib:resnet_v1" if not tag.startswith("dlib") else "sface:2021dec-int8bq"
        _r, none = self.synced(encoder=other)
        self.assertEqual(none, [])
        # Incremental: nothing changed since; then Gordon archived and one of Kofi's faces deleted.
        self.env.cr.execute("UPDATE face_template SET write_date = write_date - interval '1 hour'")
        self.env.cr.execute("UPDATE hr_employee SET write_date = write_date - interval '1 hour'")
        self.env.invalidate_all()
        response, delta = self.synced(since=since, format="sync")
        self.assertEqual((delta["users"], delta["removed"], delta["removed_face_ids"]), ([], [], []))
        self.assertEqual(delta["encoder"], tag)
        self.env["hr.employee"].browse(gordon["id"]).active = False
        self.env["face.template"].browse(kofi["face_id"]).unlink()
        response, delta = self.synced(since=since, format="sync")
        self.assertEqual(delta["removed"], [gordon["id"]])
        self.assertEqual(set(delta["removed_face_ids"]), {gordon["face_id"], kofi["face_id"]})
        self.assertEqual([u["id"] for u in delta["users"]], [kofi["id"]])
        self.assertEqual(len(delta["users"][0]["face_encodings"]), 1, "a changed person comes with all their faces")
        # Kofi's last face deleted: the tombstone says whose it was, so Kofi is to be forgotten.
        last = self.env["face.template"].search([("employee_id", "=", kofi["id"])])
        self.assertEqual(len(last), 1)
        last.unlink()
        _r, gone = self.synced(since=since, format="sync")
        self.assertEqual((gone["users"], sorted(gone["removed"])), ([], sorted([gordon["id"], kofi["id"]])))
        self.assertIn(last.id, gone["removed_face_ids"])
        # Another company's tombstones are none of this unit's business.
        elsewhere = self.env["res.company"].create({"name": "Tombstone Elsewhere"})
        outsider = self.env["hr.employee"].create({"name": "Far Away", "company_id": elsewhere.id})
        self.env["face.template.tombstone"].sudo().create(
            {"template_id": 987654, "employee_id": outsider.id, "company_id": elsewhere.id}
        )
        _r, gone = self.synced(since=since, format="sync")
        self.assertNotIn(987654, gone["removed_face_ids"])
        self.assertNotIn(outsider.id, gone["removed"])
        self.env["face.template"].create(
            {"employee_id": kofi["id"], "image": base64.b64encode(photo("Kofi_Annan", 3)[1])}
        )
        _r, plain = self.synced(since=since)
        self.assertEqual([u["id"] for u in plain], [kofi["id"]])
        response, slashless = self.call("GET", "/users?since=%s" % since, key=self.device_secret)
        self.assertEqual(slashless, plain, "/users without the slash is the same route")
        for params in ({"since": "yesterday"}, {"format": "xml"}, {"limit": "0"}):
            response, payload = self.call(
                "GET", "/users/?" + "&".join("%s=%s" % i for i in params.items()), key=self.device_secret
            )
            self.assertDetail(response, payload, 422, "VALIDATION_ERROR")

    def test_camera_unit_recognises_with_the_engine(self):
        """A camera unit: syncs, encodes a new photo with the configured encoder and matches it as
        the engine's gallery does (sface: 1 - cosine similarity)."""
        people = ("Kofi_Annan", "Gordon_Brown", "Colin_Farrell")
        for person in people:
            response, payload = self.register(person.replace("_", " "), photo(person, 1))
            self.assertEqual(response.status_code, 201, payload)
        _r, users = self.synced()
        self.assertEqual(len(users), 3)
        encoder = get_encoder(users[0]["encoder"].split(":")[0])
        self.assertEqual(encoder.tag, users[0]["encoder"])
        gallery = Gallery(encoder)
        gallery.replace(
            (face_id, user["name"], vector)
            for user in users
            for face_id, vector in zip(user["face_ids"], user["face_encodings"], strict=True)
        )
        for person in people:
            probe = enrol_image(encoder, face_photo(person, 2)).vector
            result = gallery.match(probe, self.env["face.attendance.config"]._match_threshold(encoder))
            self.assertEqual(result.person_key, person.replace("_", " "), result)

    def test_camera_unit_with_face_recognition(self):
        """The README's camera client: face_recognition (dlib) encodings compared by Euclidean
        distance, with Odoo configured for the dlib encoder; then it logs the attendance."""
        import face_recognition

        self.env["ir.config_parameter"].sudo().set_param("face_attendance.encoder", "dlib")
        people = ("Kofi_Annan", "Gordon_Brown", "Colin_Farrell")
        for person in people:
            response, payload = self.register(person.replace("_", " "), photo(person, 1))
            self.assertEqual((response.status_code, payload.get("encoder")), (201, "dlib:resnet_v1"), payload)
        _r, users = self.synced()
        self.assertEqual({u["encoder"] for u in users}, {"dlib:resnet_v1"})
        known_encodings = [np.array(u["face_encoding"]) for u in users]
        known_names = [u["name"] for u in users]
        image = face_recognition.load_image_file(io.BytesIO(face_photo("Gordon_Brown", 2)))
        (probe,) = face_recognition.face_encodings(image)
        matches = face_recognition.compare_faces(known_encodings, probe)
        distances = face_recognition.face_distance(known_encodings, probe)
        best = int(np.argmin(distances))
        self.assertTrue(matches[best])
        self.assertEqual(known_names[best], "Gordon Brown")
        # The client decides with face_recognition's own tolerance (0.6, compare_faces above), not
        # with the addon's threshold, which is for centroids.
        self.assertLess(distances[best], 0.6)
        # The camera logs the recognised face: an attendance in Odoo.
        response, payload = self.call(
            "POST", "/attendance/", key=self.device_secret, body={"user_id": users[best]["id"]}
        )
        self.assertEqual((response.status_code, payload["outcome"]), (200, "checked_in"), payload)
        self.assertEqual(payload["camera_id"], self.gate.id, "the key's only camera")
        attendance = self.env["hr.attendance"].browse(payload["attendance_id"])
        self.assertEqual(attendance.employee_id.name, "Gordon Brown")

    def test_people_enrolled_before_the_switch_to_dlib_are_re_encoded(self):
        """Camera units need dlib vectors: after the switch, a manager re-encodes the existing
        templates from their photos with the bound action; other users cannot run it."""
        from ..models.odoo_compat import USER_GROUPS

        _r, kofi = self.register("Kofi Annan", photo("Kofi_Annan", 1))
        self.assertTrue(kofi["encoder"].startswith("sface"), kofi)
        self.env["ir.config_parameter"].sudo().set_param("face_attendance.encoder", "dlib")
        self.assertEqual(self.synced(encoder="dlib")[1], [], "nothing is dlib yet")
        action = self.env.ref("face_attendance.face_template_reencode_action")
        self.assertEqual(action[USER_GROUPS], self.env.ref("face_attendance.group_face_attendance_manager"))
        template = self.env["face.template"].browse(kofi["face_id"])
        context = {"active_model": "face.template", "active_ids": template.ids, "active_id": template.id}
        clerk = new_test_user(
            self.env, login="fa_ent_clerk2", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        with self.assertRaises(AccessError):
            action.with_user(clerk).with_context(**context).run()
        action.with_user(self.manager).with_context(**context).run()
        self.assertEqual(template.encoder_name, "dlib")
        (user,) = self.synced()[1]
        self.assertEqual((user["id"], user["encoder"], len(user["face_encoding"])), (kofi["id"], "dlib:resnet_v1", 128))

    def test_other_users_and_companies_get_nothing(self):
        _r, kofi = self.register("Kofi Annan", photo("Kofi_Annan", 1), personnel_code="ENT-KA")
        Key = self.env["face.api.key"]
        clerk = new_test_user(
            self.env, login="fa_ent_clerk", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        _key, clerk_key = Key._generate("clerk", clerk, "*")
        response, payload = self.call("GET", "/users/", key=clerk_key)
        self.assertDetail(response, payload, 403, "FORBIDDEN")
        self.assertNotIn("Kofi", response.text)
        portal = new_test_user(self.env, login="fa_ent_portal", groups="base.group_portal")
        _key, portal_key = Key._generate("portal", portal, "*")
        response, payload = self.call("GET", "/users/", key=portal_key)
        self.assertDetail(response, payload, 403, "FORBIDDEN")
        self.assertNotIn("Kofi", response.text)
        response, payload = self.call("POST", "/attendance/", key=portal_key, body={"user_id": kofi["id"]})
        self.assertDetail(response, payload, 403, "FORBIDDEN")
        # Another company's camera unit: its own (empty) gallery, and no attendance for our people.
        other = self.env["res.company"].create({"name": "Enterprise Other Co"})
        device = new_test_user(
            self.env,
            login="fa_ent_other_device",
            groups="face_attendance.group_face_attendance_device",
            company_id=other.id,
            company_ids=[(6, 0, [other.id])],
        )
        daemon = self.env["face.daemon"].create({"name": "other-unit", "user_id": device.id, "company_id": other.id})
        camera = self.env["face.camera"].create(
            {
                "name": "Other Gate",
                "source_type": "file",
                "source": "/dev/null",
                "direction": "entry",
                "daemon_id": daemon.id,
                "company_id": other.id,
            }
        )
        _key, other_key = Key._generate("other unit", device, "gallery:read events:write", company=other)
        theirs = self.env["hr.employee"].create({"name": "Their Person", "company_id": other.id})
        self.env["face.template"].create(
            {"employee_id": theirs.id, "image": base64.b64encode(face_photo("Colin_Farrell", 1))}
        )
        response, users = self.synced(key=other_key)
        self.assertEqual([u["id"] for u in users], [theirs.id])
        response, users = self.synced(key=other_key, format="sync", since=when(48))
        self.assertEqual([u["id"] for u in users["users"]], [theirs.id])
        response, users = self.synced()
        self.assertEqual([u["id"] for u in users], [kofi["id"]], "and ours see nothing of theirs")
        response, payload = self.call(
            "POST", "/attendance/", key=other_key, body={"user_id": kofi["id"], "camera": camera.id}
        )
        self.assertDetail(response, payload, 422, "INVALID_EVENT")
        # Our gate is not theirs, by id or by name.
        for gate in (self.gate.id, "Front Gate"):
            response, payload = self.call(
                "POST", "/attendance/", key=other_key, body={"user_id": kofi["id"], "camera": gate}
            )
            self.assertDetail(response, payload, 422, "INVALID_EVENT")
        self.assertFalse(self.env["hr.attendance"].search([("employee_id", "=", kofi["id"])]))

    # -- POST /attendance/ ------------------------------------------------------------------------
    def test_attendance_is_an_idempotent_event(self):
        _r, kofi = self.register("Kofi Annan", photo("Kofi_Annan", 1), personnel_code="ENT-KA")
        self.env["hr.employee"].browse(kofi["id"]).tz = "UTC"
        Camera = self.env["face.camera"].with_context(default_daemon_id=self.daemon.id)
        exit_gate = Camera.create(
            {"name": "Back_Gate", "source_type": "file", "source": "/dev/null", "direction": "exit"}
        )
        Event = self.env["face.recognition.event"]
        sighting = {
            "user_id": kofi["id"],
            "timestamp": when(day_hour=8),
            "camera": "front gate",
            "event_id": "unit-1-0001",
        }
        response, first = self.call("POST", "/attendance/", key=self.device_secret, body=sighting)
        self.assertEqual(response.status_code, 200, first)
        self.assertEqual(
            {k: first[k] for k in ("event_id", "status", "outcome", "user_id", "name", "camera_id", "timestamp")},
            {
                "event_id": "unit-1-0001",
                "status": "created",
                "outcome": "checked_in",
                "user_id": kofi["id"],
                "name": "Kofi Annan",
                "camera_id": self.gate.id,
                "timestamp": sighting["timestamp"],
            },
        )
        event = Event.search([("event_uid", "=", "unit-1-0001")])
        self.assertEqual((event.employee_id.id, event.camera_id, event.source), (kofi["id"], self.gate, "api"))
        attendance = self.env["hr.attendance"].browse(first["attendance_id"])
        self.assertEqual(attendance.employee_id.id, kofi["id"])
        self.assertTrue(self.env["face.system.log"].search_count([("action", "=", "events.ingest")]))
        # The same event again: recorded once, answered with its outcome.
        response, again = self.call("POST", "/attendance/", key=self.device_secret, body=sighting)
        self.assertEqual((response.status_code, again["status"]), (200, "exists"), again)
        self.assertEqual((again["outcome"], again["attendance_id"]), ("checked_in", first["attendance_id"]))
        self.assertEqual(Event.search_count([("event_uid", "=", "unit-1-0001")]), 1)
        # Without an event_id the same sighting (camera, user, second) is still recorded once.
        later = {"user_id": kofi["id"], "timestamp": when(day_hour=16), "camera": exit_gate.id}
        response, out = self.call("POST", "/attendance/", key=self.device_secret, body=later)
        self.assertEqual((out["status"], out["outcome"]), ("created", "checked_out"), out)
        self.assertEqual(out["attendance_id"], first["attendance_id"])
        self.assertTrue(attendance.check_out)
        # (/attendance without the slash is the same route.)
        response, out_again = self.call("POST", "/attendance", key=self.device_secret, body=later)
        self.assertEqual((out_again["status"], out_again["event_id"]), ("exists", out["event_id"]), out_again)
        self.assertEqual(Event.search_count([("employee_id", "=", kofi["id"])]), 2)
        self.assertEqual(self.env["hr.attendance"].search_count([("employee_id", "=", kofi["id"])]), 1)

    def test_attendance_refusals(self):
        _r, kofi = self.register("Kofi Annan", photo("Kofi_Annan", 1), personnel_code="ENT-KA")
        Camera = self.env["face.camera"].with_context(default_daemon_id=self.daemon.id)
        for body, code in (
            ({"user_id": 2147483000, "camera": self.gate.id}, "INVALID_EVENT"),
            ({"user_id": kofi["id"], "camera": "Nowhere"}, "INVALID_EVENT"),
            ({"user_id": kofi["id"], "timestamp": "tomorrow"}, "VALIDATION_ERROR"),
            ({"user_id": "%d" % kofi["id"]}, "VALIDATION_ERROR"),
            ({"user_id": kofi["id"], "camera": True}, "VALIDATION_ERROR"),
            ({"user_id": kofi["id"], "gate": "front"}, "VALIDATION_ERROR"),
            ({"camera": self.gate.id}, "VALIDATION_ERROR"),
            ({"user_id": kofi["id"], "confidence": 3}, "INVALID_EVENT"),
            ({"user_id": kofi["id"], "distance": 10**400}, "VALIDATION_ERROR"),
            ({"user_id": kofi["id"], "distance": "far"}, "VALIDATION_ERROR"),
        ):
            response, payload = self.call("POST", "/attendance/", key=self.device_secret, body=body)
            self.assertDetail(response, payload, 422, code)
        # In the future: recorded, but no attendance (the ingestion's rule).
        response, payload = self.call(
            "POST",
            "/attendance/",
            key=self.device_secret,
            body={"user_id": kofi["id"], "timestamp": "2999-01-01T00:00:00Z"},
        )
        self.assertEqual((response.status_code, payload["outcome"], payload["attendance_id"]), (200, "rejected", None))
        # Two cameras: which one must be said.
        Camera.create({"name": "Side", "source_type": "file", "source": "/dev/null", "direction": "entry"})
        response, payload = self.call("POST", "/attendance/", key=self.device_secret, body={"user_id": kofi["id"]})
        self.assertDetail(response, payload, 422, "VALIDATION_ERROR")
        self.assertFalse(self.env["hr.attendance"].search([("employee_id", "=", kofi["id"])]))

    def test_routes_are_declared_by_their_models(self):
        """The sighting's body, the sync's query and the answers are the models'; the form of POST
        /users/ is documented by its model and read by it (an empty personnel_code is none)."""
        document = self.call("GET", "/api/v1/openapi.json", key="")[1]
        schemas = document["components"]["schemas"]
        sighting = document["paths"]["/attendance/"]["post"]
        body = schemas[sighting["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]]
        self.assertEqual(body["required"], ["user_id"])
        self.assertEqual(len(body["properties"]["camera"]["anyOf"]), 2)
        sync = document["paths"]["/users/"]["get"]
        params = {p["name"]: p["schema"] for p in sync["parameters"]}
        self.assertEqual((params["format"]["enum"], params["limit"]["maximum"]), (["list", "sync"], 100000))
        self.assertEqual(len(sync["responses"]["200"]["content"]["application/json"]["schema"]["anyOf"]), 2)
        form = document["paths"]["/users/"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
        self.assertEqual(schemas[form["$ref"].rsplit("/", 1)[-1]]["required"], ["name", "file"])
        response, payload = self.register("Empty Code", photo("Kofi_Annan", 1), personnel_code="")
        self.assertEqual((response.status_code, payload["personnel_code"]), (201, None), payload)
        response, payload = self.call("POST", "/attendance/", key=self.device_secret, body={"user_id": 0})
        self.assertDetail(response, payload, 422, "VALIDATION_ERROR")
        self.assertEqual(payload["details"]["field"], "user_id")
