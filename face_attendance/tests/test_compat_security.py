"""The compatibility APIs (backend README, enterprise README) seen from an attacker's side, over real
HTTP: another company's manager or device, a Face Attendance user, an HR officer, a plain internal
user, a client without a key. Each test is a property an attacker must not be able to break.

Tests marked "(issue 15 review: fails until fixed)" reproduce findings of the security review of
issue 15; the others pin properties that held when it was done.
"""

import base64

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ApiCase, face_photo

PASSWORD = "Compat-Sec-Pa55!"
MANAGER = "face_attendance.group_face_attendance_manager"
USER = "face_attendance.group_face_attendance_user"
DEVICE = "face_attendance.group_face_attendance_device"


def photo(person, number):
    return ("%s_%d.jpg" % (person, number), face_photo(person, number), "image/jpeg")


@tagged("post_install", "-at_install", "face_attendance")
class TestCompatSecurity(ApiCase):
    def setUp(self):
        super().setUp()
        self._clear_failures()
        self.addCleanup(self._clear_failures)
        Key = self.env["face.api.key"]
        self.company = self.env.company
        self.other_company = self.env["res.company"].create({"name": "Compat Elsewhere"})

        # Our company: a person with a face, two camera units of two daemons.
        self.department = self.env["hr.department"].create({"name": "Compat Sec Dept"})
        self.alice = self.env["hr.employee"].create(
            {"name": "Alice Anders", "person_ref": "SEC-A1", "department_id": self.department.id}
        )
        self.alice_face = self.env["face.template"].create(
            {"employee_id": self.alice.id, "image": base64.b64encode(face_photo("Kofi_Annan", 1))}
        )
        self.device, self.device_secret, self.gate = self._unit("sec_unit_1", "Sec Gate 1")
        self.device2, self.device2_secret, self.gate2 = self._unit("sec_unit_2", "Sec Gate 2")

        # Another company: its manager, its device, a person with a face and a sighting.
        self.outsider = self._user("sec_outsider_mgr", "base.group_user," + MANAGER, self.other_company)
        _key, self.outsider_secret = Key._generate("outsider", self.outsider, "*", company=self.other_company)
        other_device = self._user("sec_outsider_dev", DEVICE, self.other_company)
        _key, self.other_device_secret = Key._generate("outsider dev", other_device, "*", company=self.other_company)
        other_daemon = self.env["face.daemon"].create(
            {"name": "sec-outsider", "user_id": other_device.id, "company_id": self.other_company.id}
        )
        self.other_gate = self.env["face.camera"].create(
            {
                "name": "Outsider Gate",
                "location": "Outsider Hall",
                "source_type": "file",
                "source": "/dev/null",
                "direction": "entry",
                "daemon_id": other_daemon.id,
                "company_id": self.other_company.id,
            }
        )
        other_department = self.env["hr.department"].create(
            {"name": "Outsider Dept", "company_id": self.other_company.id}
        )
        self.bruno = self.env["hr.employee"].create(
            {
                "name": "Bruno Berg",
                "person_ref": "SEC-B1",
                "company_id": self.other_company.id,
                "department_id": other_department.id,
            }
        )
        self.bruno_face = self.env["face.template"].create(
            {"employee_id": self.bruno.id, "image": base64.b64encode(face_photo("Gordon_Brown", 1))}
        )
        (answer,) = (
            self.env["face.recognition.event"]
            .with_user(other_device)
            .with_company(self.other_company)
            .ingest_events(
                [
                    {
                        "event_id": "sec-outsider-1",
                        "camera_id": self.other_gate.id,
                        "employee_id": self.bruno.id,
                        "timestamp": "2026-01-05T08:00:00Z",
                    }
                ]
            )
        )
        self.assertEqual(answer["status"], "created", answer)

        # Users of our company without the rights of a Face Attendance manager, each with a key
        # of every scope: the scope is never what stops them.
        self.fa_user = self._user("sec_fa_user", "base.group_user," + USER)
        self.hr_officer = self._user("sec_hr_officer", "base.group_user,hr.group_hr_user")
        self.internal = self._user("sec_internal", "base.group_user")
        self.fa_user_secret = Key._generate("fa user", self.fa_user, "*")[1]
        self.hr_officer_secret = Key._generate("hr officer", self.hr_officer, "*")[1]
        self.internal_secret = Key._generate("internal", self.internal, "*")[1]

    # -- helpers ----------------------------------------------------------------------------------
    def _clear_failures(self):
        failures = getattr(self.registry, "_login_failures", None)
        if failures is not None:
            failures.clear()

    def _user(self, login, groups, company=None):
        company = company or self.env.company
        return new_test_user(
            self.env,
            login=login,
            password=PASSWORD,
            groups=groups,
            company_id=company.id,
            company_ids=[(6, 0, company.ids)],
        )

    def _unit(self, login, camera_name):
        user = self._user(login, DEVICE)
        daemon = self.env["face.daemon"].create({"name": login, "user_id": user.id})
        camera = self.env["face.camera"].create(
            {
                "name": camera_name,
                "source_type": "file",
                "source": "/dev/null",
                "direction": "entry",
                "daemon_id": daemon.id,
            }
        )
        _key, secret = self.env["face.api.key"]._generate(login, user, "gallery:read events:write")
        return user, secret, camera

    def call(self, method, path, key=None, **kwargs):
        return self.api(method, path, key=key, prefix="", **kwargs)

    def employees(self, **where):
        domain = [(name, "=", value) for name, value in where.items()]
        return self.env["hr.employee"].with_context(active_test=False).search(domain)

    # -- findings of the review (fail until fixed) -----------------------------------------------
    def test_options_runs_no_handler(self):
        """(issue 15 review: fails until fixed) Werkzeug adds OPTIONS to every rule, and Odoo calls
        the endpoint of the first matching rule: OPTIONS /api/enrollment/<id> deleted the face,
        OPTIONS /api/persons/<id> archived the person, OPTIONS /users/ created one. OPTIONS is a
        safe method (RFC 9110): proxies, gateways and API tools send it freely."""
        response, _ = self.call("OPTIONS", "/api/enrollment/%d" % self.alice_face.id, expect_json=False)
        self.assertIn(response.status_code, (200, 204, 405), response.text[:200])
        self.assertTrue(self.alice_face.exists(), "OPTIONS deleted a face template: %s" % response.text[:200])
        response, _ = self.call("OPTIONS", "/api/persons/%d" % self.alice.id, expect_json=False)
        self.assertTrue(self.alice.active, "OPTIONS archived a person: %s" % response.text[:200])
        response, _ = self.call(
            "OPTIONS",
            "/users/",
            raw={"name": "Options Olga"},
            files={"file": photo("Kofi_Annan", 2)},
            expect_json=False,
        )
        self.assertFalse(self.employees(name="Options Olga"), "OPTIONS created a person: %s" % response.text[:200])
        self.assertFalse(response.text.strip().startswith('{"id"'), response.text[:200])

    def test_login_form_with_nul_is_refused_not_500(self):
        """(issue 15 review: fails until fixed) A NUL in the form's username reached PostgreSQL:
        500 and a traceback in the log; as JSON it is refused (422)."""
        for form in ({"username": "fa_api_man\x00ager", "password": "x"}, {"username": "x", "password": "x\x00"}):
            response, payload = self.call("POST", "/api/auth/login", key="", raw=form)
            self.assertIn(response.status_code, (401, 422), payload)
            self.assertNotEqual(payload["code"], "INTERNAL_ERROR")
        # Repeated fields: every value is checked, not only the first (an empty one hid the NUL), and a
        # single-value field given twice is refused rather than one of its values chosen.
        for raw in ("username=&username=a%00b&password=x", "username=a&username=b&password=x"):
            response, payload = self.call(
                "POST",
                "/api/auth/login",
                key="",
                raw=raw,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            self.assertEqual(response.status_code, 422, payload)
            self.assertNotEqual(payload["code"], "INTERNAL_ERROR")

    def test_login_errors_name_their_request(self):
        """(issue 15 review: fails until fixed) Compatibility errors carry a requestId; the sign-in's
        refusals answered an empty one."""
        response, payload = self.call("POST", "/api/auth/login", key="", raw={"username": "nobody", "password": "x"})
        self.assertDetail(response, payload, 401, "INVALID_CREDENTIALS")

    def test_person_ids_not_probed_without_rights_to_create(self):
        """(issue 15 review: fails until fixed) A key whose user may neither read nor create
        employees (an internal user, a Face Attendance user, a device) told an existing person ID
        (409) from a free one (403): the person IDs of the company, archived ones included, could
        be enumerated."""
        self.alice.person_ref = "SEC-A1"
        for secret in (self.internal_secret, self.fa_user_secret):
            for path, kwargs in (
                ("/api/persons", {"body": {"first_name": "Probe", "personnel_code": "SEC-A1"}}),
                (
                    "/users/",
                    {"raw": {"name": "Probe", "personnel_code": "SEC-A1"}, "files": {"file": photo("Kofi_Annan", 2)}},
                ),
            ):
                response, payload = self.call("POST", path, key=secret, **kwargs)
                self.assertDetail(response, payload, 403, "FORBIDDEN")

    def test_event_id_of_another_camera_unit_tells_nothing(self):
        """(issue 15 review: fails until fixed) Event ids are unique per company: a camera unit that
        sent another unit's event id (the default one is predictable: camera, user, second) got
        that sighting back as "exists" (who, the outcome, the attendance) and squatted it, so the
        real sighting was never recorded."""
        sighting = {"user_id": self.alice.id, "camera": self.gate2.id, "timestamp": "2026-01-06T08:00:00Z"}
        response, payload = self.call("POST", "/attendance/", key=self.device2_secret, body=sighting)
        self.assertEqual((response.status_code, payload["status"]), (200, "created"), payload)
        Event = self.env["face.recognition.event"]
        before = Event.search_count([])
        # The first unit asks about it with a user of its own choosing, on its own camera.
        decoy = self.env["hr.employee"].create({"name": "Dave Decoy"})
        probe = {"user_id": decoy.id, "camera": self.gate.id}
        response, answer = self.call(
            "POST", "/attendance/", key=self.device_secret, body=dict(probe, event_id=payload["event_id"])
        )
        self.assertIn(response.status_code, (409, 422), answer)
        self.assertNotIn("Alice", response.text)
        self.assertEqual(Event.search_count([]), before)

    def test_face_attendance_user_reads_attendance_logs(self):
        """(issue 15 review: fails until fixed) A Face Attendance user's token has attendance:read,
        yet every log with a person answered 403 (hr.employee's private fields); /api/v1 reads the
        names as it does for the detections (sighting_names)."""
        self.env["face.recognition.event"].with_user(self.device).ingest_events(
            [
                {
                    "event_id": "sec-logs-1",
                    "camera_id": self.gate.id,
                    "employee_id": self.alice.id,
                    "timestamp": "2026-01-05T09:00:00Z",
                }
            ]
        )
        _key, secret = self.env["face.api.key"]._generate("fa user logs", self.fa_user, "attendance:read")
        response, payload = self.call("GET", "/api/attendance-logs", key=secret)
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual([(log["person_name"], log["gate_name"]) for log in payload], [("Alice Anders", "Sec Gate 1")])

    # -- properties that hold ---------------------------------------------------------------------
    def test_other_company_reaches_nothing_by_id_or_filter(self):
        key = self.outsider_secret
        for method, path, body in (
            ("GET", "/api/persons/%d" % self.alice.id, None),
            ("PUT", "/api/persons/%d" % self.alice.id, {"first_name": "Mallory"}),
            ("DELETE", "/api/persons/%d" % self.alice.id, None),
            ("PATCH", "/api/persons/%d/deactivate" % self.alice.id, None),
            ("PATCH", "/api/persons/%d/toggle-active" % self.alice.id, None),
            ("GET", "/api/enrollment/%d" % self.alice_face.id, None),
            ("PUT", "/api/enrollment/%d" % self.alice_face.id, {"is_active": False}),
            ("PATCH", "/api/enrollment/%d/toggle-active" % self.alice_face.id, None),
            ("DELETE", "/api/enrollment/%d" % self.alice_face.id, None),
        ):
            response, payload = self.call(method, path, key=key, body=body)
            self.assertDetail(response, payload, 404, "NOT_FOUND")
        response, payload = self.call(
            "POST",
            "/api/enrollment",
            key=key,
            raw={"person_id": str(self.alice.id)},
            files={"file": photo("Kofi_Annan", 2)},
        )
        self.assertDetail(response, payload, 404, "NOT_FOUND")
        self.assertEqual((self.alice.name, self.alice.active, self.alice.face_count), ("Alice Anders", True, 1))
        self.assertTrue(self.alice_face.active)
        # Filters and counts: only their own company, whatever the filter names.
        for path in (
            "/api/persons?department=Compat%20Sec%20Dept",
            "/api/persons?search=SEC-A1",
            "/api/persons?search=Alice",
            "/api/enrollment?person_id=%d" % self.alice.id,
            "/api/attendance-logs?gate_name=Sec%20Gate%201",
        ):
            response, payload = self.call("GET", path, key=key)
            self.assertEqual((response.status_code, payload), (200, []), path)
            self.assertEqual(response.headers["X-Total-Count"], "0", path)
        for path, expected in (
            # % is no wildcard (the filter is a name), and the other company's person stays unseen.
            ("/api/persons?department=%25", set()),
            ("/api/persons?department=outsider%20dept", {self.bruno.id}),
            ("/api/enrollment", {self.bruno_face.id}),
        ):
            response, payload = self.call("GET", path + ("&" if "?" in path else "?") + "limit=1000", key=key)
            self.assertEqual({row["id"] for row in payload}, expected, path)
            self.assertEqual(response.headers["X-Total-Count"], str(len(expected)), path)
        # Our manager sees none of theirs either, and their sighting is not ours.
        response, payload = self.call("GET", "/api/attendance-logs?gate_name=Outsider%20Hall")
        self.assertEqual((payload, response.headers["X-Total-Count"]), ([], "0"))
        response, payload = self.call("GET", "/api/persons/%d" % self.bruno.id)
        self.assertDetail(response, payload, 404, "NOT_FOUND")

    def test_encodings_reach_only_devices_and_managers_of_the_company(self):
        for secret in (self.fa_user_secret, self.hr_officer_secret, self.internal_secret):
            response, payload = self.call("GET", "/users/", key=secret)
            self.assertDetail(response, payload, 403, "FORBIDDEN")
            self.assertNotIn("face_encoding", response.text)
        response, payload = self.call("GET", "/users/", key=self.other_device_secret)
        self.assertEqual([user["id"] for user in payload], [self.bruno.id])
        self.assertEqual(response.headers["X-Total-Count"], "1")
        response, payload = self.call("GET", "/users/?format=sync&since=2000-01-01T00:00:00", key=self.device_secret)
        self.assertEqual([user["id"] for user in payload["users"]], [self.alice.id])
        self.assertNotIn(self.bruno.id, payload["removed"])
        self.assertNotIn(self.bruno_face.id, payload["removed_face_ids"])
        # Another company's templates are no enrollments of ours, and /api/v1/users is not the sync.
        self.assertNotIn("Bruno", response.text)
        response, _payload = self.api("GET", "/users", key=self.device_secret)
        self.assertNotIn("face_encoding", response.text)
        # The gallery scope alone opens nothing else.
        response, payload = self.call("GET", "/api/persons", key=self.device_secret)
        self.assertDetail(response, payload, 403, "FORBIDDEN")

    def test_camera_unit_sends_only_for_its_cameras_and_company(self):
        Event = self.env["face.recognition.event"]
        before = Event.search_count([])
        for body in (
            {"user_id": self.alice.id, "camera": self.gate2.id},
            {"user_id": self.alice.id, "camera": "Sec Gate 2"},
            {"user_id": self.alice.id, "camera": "Sec Gate _"},
            {"user_id": self.alice.id, "camera": "%"},
            {"user_id": self.alice.id, "camera": self.other_gate.id},
            {"user_id": self.bruno.id, "camera": self.gate.id},
        ):
            response, payload = self.call("POST", "/attendance/", key=self.device_secret, body=body)
            self.assertDetail(response, payload, 422)
            self.assertNotIn("Bruno", response.text)
        self.assertEqual(Event.search_count([]), before)
        # Another company's person and a free id get the same answer: nothing is learnt of them.
        free_id = self.env["hr.employee"].with_context(active_test=False).search([], order="id desc", limit=1).id + 1000
        answers = [
            self.call(
                "POST", "/attendance/", key=self.device_secret, body={"user_id": user_id, "camera": self.gate.id}
            )[1]
            for user_id in (self.bruno.id, free_id)
        ]
        self.assertEqual(
            [
                a["detail"].replace(str(user_id), "N")
                for a, user_id in zip(answers, (self.bruno.id, free_id), strict=False)
            ],
            ["employee N does not exist in the camera's company"] * 2,
            answers,
        )
        # A Face Attendance user's key sends nothing, whatever its scopes.
        response, payload = self.call(
            "POST", "/attendance/", key=self.fa_user_secret, body={"user_id": self.alice.id, "camera": self.gate.id}
        )
        self.assertDetail(response, payload, 403, "FORBIDDEN")

    def test_registration_and_enrolment_need_a_manager(self):
        response, payload = self.call(
            "POST",
            "/api/auth/register",
            key=self.hr_officer_secret,
            body={"first_name": "Hr", "last_name": "Made", "personnel_code": "SEC-HR1"},
        )
        self.assertDetail(response, payload, 403, "FORBIDDEN")
        self.assertFalse(self.employees(person_ref="SEC-HR1"))
        # An HR officer's key with face:write creates no face, and no half person either.
        response, payload = self.call(
            "POST",
            "/users/",
            key=self.hr_officer_secret,
            raw={"name": "Half Person"},
            files={"file": photo("Kofi_Annan", 2)},
        )
        self.assertDetail(response, payload, 403, "FORBIDDEN")
        self.assertFalse(self.employees(name="Half Person"))
        response, payload = self.call(
            "POST",
            "/api/enrollment",
            key=self.hr_officer_secret,
            raw={"person_id": str(self.alice.id)},
            files={"file": photo("Kofi_Annan", 2)},
        )
        self.assertDetail(response, payload, 403, "FORBIDDEN")
        self.assertEqual(self.alice.face_count, 1)
        # A key without face:write enrols nothing through /users/ (scope checked inside).
        _key, secret = self.env["face.api.key"]._generate("persons only", self.manager, "person:write")
        response, payload = self.call(
            "POST", "/users/", key=secret, raw={"name": "Scope Less"}, files={"file": photo("Kofi_Annan", 2)}
        )
        self.assertDetail(response, payload, 403, "FORBIDDEN")
        self.assertFalse(self.employees(name="Scope Less"))

    def test_login_cooldown_and_no_token_without_a_group(self):
        Param = self.env["ir.config_parameter"].sudo()
        Param.set_param("base.login_cooldown_after", "3")
        Param.set_param("base.login_cooldown_duration", "600")
        self._user("sec_login_mgr", "base.group_user," + MANAGER)
        for _attempt in range(3):
            response, payload = self.call(
                "POST", "/api/auth/login", key="", raw={"username": "sec_login_mgr", "password": "guess"}
            )
            self.assertEqual(response.status_code, 401, payload)
        # On cooldown: the right password is not even tried, by form or JSON.
        response, payload = self.call(
            "POST", "/api/auth/login", key="", raw={"username": "sec_login_mgr", "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 429, payload)
        self.assertTrue(response.headers.get("Retry-After"))
        self.assertNotIn("access_token", payload)
        response, payload = self.call(
            "POST", "/api/auth/login", key="", body={"username": "sec_login_mgr", "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 429, payload)
        self._clear_failures()
        # Right password, no Face Attendance group: no token.
        response, payload = self.call(
            "POST", "/api/auth/login", key="", raw={"username": "sec_internal", "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 403, payload)
        self.assertNotIn("access_token", payload)
        # A token of a Face Attendance user never carries the gallery.
        response, payload = self.call(
            "POST", "/api/auth/login", key="", raw={"username": "sec_fa_user", "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 200, payload)
        response, denied = self.call("GET", "/users/", key=payload["access_token"])
        self.assertDetail(response, denied, 403, "FORBIDDEN")

    def test_odd_input_is_refused_cleanly(self):
        for method, path, kwargs in (
            ("POST", "/users/", {"raw": {"name": "Nul\x00Name"}, "files": {"file": photo("Kofi_Annan", 2)}}),
            ("POST", "/users/", {"raw": {"name": "x" * 300}, "files": {"file": photo("Kofi_Annan", 2)}}),
            (
                "POST",
                "/users/",
                {"raw": {"name": "Dept", "department": "D\x00"}, "files": {"file": photo("Kofi_Annan", 2)}},
            ),
            ("POST", "/api/enrollment", {"raw": {"person_id": "9" * 5000}, "files": {"file": photo("Kofi_Annan", 2)}}),
            ("POST", "/api/persons", {"body": {"first_name": "\u3000", "personnel_code": "SEC-WS"}}),
            ("POST", "/api/persons", {"body": {"first_name": "A", "personnel_code": "SEC\u00a0X"}}),
            ("GET", "/api/persons?skip=1000000001", {}),
            ("GET", "/api/persons?limit=1001", {}),
            ("GET", "/api/persons?search=%00", {}),
            ("GET", "/users/?encoder=" + "x" * 200, {}),
            ("GET", "/api/attendance-logs?start_date=9999-99-99", {}),
        ):
            response, payload = self.call(method, path, **kwargs)
            self.assertDetail(response, payload, 422)
        self.assertFalse(self.employees(name="Dept") | self.employees(person_ref="SEC-WS"))
        # A body over the limit is refused before it is read.
        response, payload = self.call(
            "POST", "/users/", raw={"name": "Big"}, files={"file": ("big.jpg", b"\xff" * 20_000_000, "image/jpeg")}
        )
        self.assertDetail(response, payload, 413, "PAYLOAD_TOO_LARGE")
        # The largest paging is answered, empty.
        response, payload = self.call("GET", "/api/persons?skip=1000000000&limit=1000")
        self.assertEqual((response.status_code, payload), (200, []))

    def test_unicode_names_round_trip(self):
        for first, last in (
            ("José María", "de la Cruz"),
            ("Zoë", "Ñúñez-Ørsted"),
            ("李", "小龍"),
            ("Ludwig", "van Beethoven"),
        ):
            code = "SEC-U%d" % len(self.employees())
            response, payload = self.call(
                "POST", "/api/persons", body={"first_name": first, "last_name": last, "personnel_code": code}
            )
            self.assertEqual(response.status_code, 201, payload)
            self.assertEqual((payload["first_name"], payload["last_name"]), (first, last))
            self.assertEqual(self.employees(person_ref=code).name, "%s %s" % (first, last))
            response, payload = self.call("GET", "/api/persons/%d" % payload["id"])
            self.assertEqual((payload["first_name"], payload["last_name"]), (first, last))

    def test_changes_are_audited_with_the_key(self):
        Log = self.env["face.system.log"]
        for method, path, action in (
            ("PATCH", "/api/persons/%d/deactivate" % self.alice.id, "person.deactivate"),
            ("PATCH", "/api/persons/%d/toggle-active" % self.alice.id, "person.activate"),
            ("PATCH", "/api/enrollment/%d/toggle-active" % self.alice_face.id, "face.update"),
            ("PUT", "/api/persons/%d" % self.alice.id, "person.update"),
        ):
            before = Log.search_count([("action", "=", action)])
            body = {"phone": "+32 2 555 00 00"} if method == "PUT" else None
            response, payload = self.call(method, path, body=body)
            self.assertEqual(response.status_code, 200, payload)
            lines = Log.search([("action", "=", action)], order="id desc", limit=1)
            self.assertEqual(Log.search_count([("action", "=", action)]), before + 1, action)
            self.assertIn("integration", lines.api_key_name or "")

    def test_compat_fallbacks_shadow_no_other_route(self):
        """The fallbacks answer JSON under the compatibility resources only, and no route of Odoo or
        of another module lives under them."""
        from ..controllers.api_compat_fallback import RESOURCES

        for path in ("/users/1", "/api/persons/1/nope", "/attendance/x", "/api/enrollment/abc", "/api/persons/a%0Ab"):
            response, payload = self.call("GET", path)
            self.assertDetail(response, payload, 404, "NOT_FOUND")
        foreign = []
        for rule in self.env["ir.http"].routing_map().iter_rules():
            endpoint = getattr(rule.endpoint, "original_endpoint", rule.endpoint)
            module = getattr(endpoint, "__module__", "") or ""
            if "face_attendance" in module:
                continue
            for resource in RESOURCES:
                if rule.rule == resource or rule.rule.startswith(resource + "/"):
                    foreign.append((rule.rule, module))
        self.assertEqual(foreign, [])

    def test_reencode_is_for_managers_of_the_template(self):
        for user in (self.fa_user, self.device):
            with self.assertRaises(AccessError):
                self.alice_face.with_user(user).action_reencode()
        with self.assertRaises(AccessError):
            self.alice_face.with_user(self.outsider).with_company(self.other_company).action_reencode()
        encoding = self.alice_face.encoding
        self.assertTrue(self.alice_face.with_user(self.manager).action_reencode())
        self.assertTrue(self.alice_face.encoding)
        self.assertEqual(self.alice_face.employee_id, self.alice)
        self.assertTrue(encoding)
