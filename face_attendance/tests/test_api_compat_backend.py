"""The backend README's API (``../shared/seeds/backend-readme.md``) served by Odoo, over real HTTP:
its usage examples run with curl as written (host and authentication apart), and each route."""

import json
import os
import re
import subprocess
import tempfile
from datetime import datetime, timedelta

from odoo.tests import new_test_user, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME

from ..models.api_types import PERSON_ID_PATTERN
from .common import ApiCase, face_photo, faces_dir, release_test_lock, stranger_photo


def seed_readme(name):
    path = os.path.join(faces_dir(), "..", "..", "seeds", name)
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def usage_examples(readme):
    """The shell blocks of the README's "Usage Examples" section, in order: (title, command)."""
    section = readme.split("## Usage Examples", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"### ([^\n]+)\n```bash\n(.*?)```", section, re.S)


@tagged("post_install", "-at_install", "face_attendance")
class TestCompatBackendApi(ApiCase):
    def compat(self, method, path, body=None, **kw):
        return self.api(method, path, body, prefix="", **kw)

    def person(self, code="CB-1", first="Grace", last="Hopper", **extra):
        response, payload = self.compat(
            "POST", "/api/persons", dict({"first_name": first, "last_name": last, "personnel_code": code}, **extra)
        )
        self.assertEqual(response.status_code, 201, payload)
        return payload

    # -- The README's usage examples ----------------------------------------------------------------
    def curl(self, command, photo):
        """A usage example as written, but for the host, a key and the test server's cursor cookie."""
        command = command.replace("http://localhost:8000", self.base_url())
        command = command.replace("/path/to/face_image.jpg", photo)
        command = command.replace(
            "curl ",
            "curl -sS -w '\\n%%{http_code}' -H 'Authorization: Bearer %s' -b '%s=%s' "
            % (self.secret, TEST_CURSOR_COOKIE_NAME, self.http_request_key),
            1,
        )
        with release_test_lock():
            run = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
        self.assertEqual(run.returncode, 0, run.stderr)
        body, _sep, status = run.stdout.rpartition("\n")
        return int(status), json.loads(body)

    def test_usage_examples_run_as_written(self):
        examples = usage_examples(seed_readme("backend-readme.md"))
        self.assertEqual(
            [title for title, _command in examples], ["Create a New Person", "Enroll a Face", "Get All Persons"]
        )
        with tempfile.NamedTemporaryFile(suffix=".jpg") as photo:
            photo.write(face_photo("Kofi_Annan", 1))
            photo.flush()
            # Create a New Person
            status, created = self.curl(examples[0][1], photo.name)
            self.assertEqual(status, 201, created)
            self.assertEqual(
                {k: created[k] for k in ("first_name", "last_name", "personnel_code", "department", "position")},
                {
                    "first_name": "John",
                    "last_name": "Doe",
                    "personnel_code": "EMP001",
                    "department": "IT",
                    "position": "Developer",
                },
            )
            self.assertEqual(
                (created["email"], created["phone"], created["is_active"]),
                ("john.doe@company.com", "+1234567890", True),
            )
            employee = self.env["hr.employee"].browse(created["id"])
            self.assertEqual(
                (employee.name, employee.person_ref, employee.department_id.name, employee.job_title),
                ("John Doe", "EMP001", "IT", "Developer"),
            )
            self.assertEqual((employee.work_email, employee.mobile_phone), ("john.doe@company.com", "+1234567890"))
            # Enroll a Face: the README's person 1 is the person it has just created (its first row);
            # here that person has the id Odoo gave it.
            enrol = examples[1][1]
            self.assertIn("person_id=1", enrol)
            status, enrolment = self.curl(enrol.replace("person_id=1", "person_id=%d" % employee.id), photo.name)
            self.assertEqual(status, 201, enrolment)
            self.assertEqual((enrolment["person_id"], enrolment["is_active"]), (employee.id, True))
            self.assertGreater(enrolment["confidence_score"], 0)
            template = self.env["face.template"].browse(enrolment["id"])
            self.assertEqual(template.employee_id, employee)
            self.assertEqual(self.env["face.template"].search_count([("employee_id", "=", employee.id)]), 1)
        # Get All Persons: active people of IT only.
        self.person("CB-IT-OFF", "Off", "Duty", department="IT", is_active=False)
        self.person("CB-OPS", "Ops", "Person", department="Operations")
        status, persons = self.curl(examples[2][1], "")
        self.assertEqual(status, 200, persons)
        self.assertIn("EMP001", [p["personnel_code"] for p in persons])
        self.assertTrue(all(p["department"] == "IT" and p["is_active"] for p in persons), persons)
        # The change left an audit line with the key.
        line = self.env["face.system.log"].search([("action", "=", "person.create")], order="id desc", limit=1)
        self.assertIn("integration", line.api_key_name)

    # -- Persons ------------------------------------------------------------------------------------
    def test_person_fields_map_onto_the_employee_and_back(self):
        created = self.person("CB-LVB", "Ludwig", "van Beethoven", department="Music", phone="+4922")
        employee = self.env["hr.employee"].browse(created["id"])
        self.assertEqual(employee.name, "Ludwig van Beethoven")
        response, payload = self.compat("GET", "/api/persons/%d" % employee.id)
        self.assertEqual(response.status_code, 200, payload)
        # What was written is read back, though the last name has two words.
        self.assertEqual((payload["first_name"], payload["last_name"]), ("Ludwig", "van Beethoven"))
        self.assertEqual(payload["enrollments"], [])
        # A partial update keeps the other part.
        response, payload = self.compat("PUT", "/api/persons/%d" % employee.id, {"first_name": "Ludwig  Maria"})
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual((payload["first_name"], payload["last_name"]), ("Ludwig Maria", "van Beethoven"))
        self.assertEqual(employee.name, "Ludwig Maria van Beethoven")
        # Renamed in Odoo: the parts no longer join to the name, which is split at its last space.
        employee.name = "Grace Brewster Hopper"
        payload = self.compat("GET", "/api/persons/%d" % employee.id)[1]
        self.assertEqual((payload["first_name"], payload["last_name"]), ("Grace Brewster", "Hopper"))
        odoo_only = self.env["hr.employee"].create({"name": "Plato"})
        payload = self.compat("GET", "/api/persons/%d" % odoo_only.id)[1]
        self.assertEqual((payload["first_name"], payload["last_name"], payload["personnel_code"]), ("Plato", "", None))
        # Personnel code: changed, and refused when another person has it.
        self.person("CB-TAKEN", "Taken", "Code")
        response, payload = self.compat("PUT", "/api/persons/%d" % employee.id, {"personnel_code": "CB-TAKEN"})
        self.assertDetail(response, payload, 409, "CONFLICT")
        response, payload = self.compat("PUT", "/api/persons/%d" % employee.id, {"personnel_code": "CB-NEW"})
        self.assertEqual((response.status_code, employee.person_ref), (200, "CB-NEW"), payload)

    def test_invalid_input_is_refused_as_fastapi_does(self):
        self.person("CB-DUP")
        response, payload = self.compat("POST", "/api/persons", {"first_name": "Again", "personnel_code": "CB-DUP"})
        self.assertDetail(response, payload, 409, "CONFLICT")
        for body in (
            {"last_name": "NoFirst", "personnel_code": "CB-X1"},
            {"first_name": "NoCode"},
            {"first_name": "Bad", "personnel_code": "has space"},
            {"first_name": "Bad", "personnel_code": "CB-X2", "salary": 1},
            {"first_name": "Bad", "personnel_code": "CB-X3", "is_active": "yes"},
            {"first_name": "Bad", "personnel_code": "CB-X4", "email": "not-an-address"},
        ):
            response, payload = self.compat("POST", "/api/persons", body)
            self.assertDetail(response, payload, 422, "VALIDATION_ERROR")
        response, payload = self.compat(
            "POST", "/api/persons", raw="{not json", headers={"Content-Type": "application/json"}
        )
        self.assertDetail(response, payload, 422)
        self.assertFalse(
            self.env["hr.employee"].with_context(active_test=False).search([("person_ref", "like", "CB-X")])
        )
        response, payload = self.compat("GET", "/api/persons/999999")
        self.assertDetail(response, payload, 404, "NOT_FOUND")
        response, payload = self.compat("GET", "/api/persons?limit=0")
        self.assertDetail(response, payload, 422)

    def test_list_filters_paging_and_activation(self):
        ids = [
            self.person("CB-L%d" % n, "List", "N%d" % n, department="Lab" if n % 2 else "Lobby")["id"] for n in range(5)
        ]
        response, payload = self.compat("GET", "/api/persons?search=CB-L&skip=1&limit=2")
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual([p["id"] for p in payload], ids[1:3])
        self.assertEqual(response.headers["X-Total-Count"], "5")
        # The filter is a name, not a pattern: % and _ match themselves.
        self.assertEqual(self.compat("GET", "/api/persons?department=%25")[1], [])
        self.assertEqual(self.compat("GET", "/api/persons?department=L_b")[1], [])
        response, payload = self.compat("GET", "/api/persons?search=CB-L&department=lab")
        self.assertEqual([p["id"] for p in payload], [ids[1], ids[3]])
        # deactivate, toggle, activate
        response, payload = self.compat("PATCH", "/api/persons/%d/deactivate" % ids[0])
        self.assertEqual((response.status_code, payload["is_active"]), (200, False), payload)
        self.assertFalse(self.env["hr.employee"].browse(ids[0]).active)
        payload = self.compat("GET", "/api/persons?search=CB-L&is_active=false")[1]
        self.assertEqual([p["id"] for p in payload], [ids[0]])
        payload = self.compat("GET", "/api/persons?search=CB-L&is_active=true")[1]
        self.assertEqual([p["id"] for p in payload], ids[1:])
        self.assertEqual(len(self.compat("GET", "/api/persons?search=CB-L")[1]), 5, "no filter: both")
        payload = self.compat("PATCH", "/api/persons/%d/toggle-active" % ids[0])[1]
        self.assertTrue(payload["is_active"])
        payload = self.compat("PATCH", "/api/persons/%d/toggle-active" % ids[0])[1]
        self.assertFalse(payload["is_active"])
        payload = self.compat("PATCH", "/api/persons/%d/activate" % ids[0])[1]
        self.assertTrue(payload["is_active"])
        # DELETE archives: Odoo keeps the employee's history.
        response, payload = self.compat("DELETE", "/api/persons/%d" % ids[4])
        self.assertEqual((response.status_code, payload["id"]), (200, ids[4]), payload)
        employee = self.env["hr.employee"].with_context(active_test=False).browse(ids[4])
        self.assertTrue(employee.exists())
        self.assertFalse(employee.active)
        self.assertIn("person.deactivate", self.env["face.system.log"].search([]).mapped("action"))

    # -- Enrollments --------------------------------------------------------------------------------
    def enrol(self, person_id, photo, **kw):
        return self.compat(
            "POST", "/api/enrollment", raw={"person_id": str(person_id)}, files={"file": ("face.jpg", photo)}, **kw
        )

    def test_enrollments(self):
        person = self.person("CB-EN", "Kofi", "Annan")
        response, first = self.enrol(person["id"], face_photo("Kofi_Annan", 2))
        self.assertEqual(response.status_code, 201, first)
        second = self.enrol(person["id"], face_photo("Kofi_Annan", 3))[1]
        response, payload = self.compat("GET", "/api/enrollment?person_id=%d" % person["id"])
        self.assertEqual([e["id"] for e in payload], [first["id"], second["id"]])
        self.assertEqual(response.headers["X-Total-Count"], "2")
        self.assertEqual(self.compat("GET", "/api/enrollment/%d" % first["id"])[1], first)
        # Deactivated: out of the daemons' gallery, still listed.
        response, payload = self.compat("PUT", "/api/enrollment/%d" % first["id"], {"is_active": False})
        self.assertEqual((response.status_code, payload["is_active"]), (200, False), payload)
        sync = self.env["face.template"].sudo().gallery_sync(self.env["face.attendance.config"]._encoder().tag)
        self.assertNotIn(first["id"], [t["id"] for t in sync["templates"]])
        self.assertIn(second["id"], [t["id"] for t in sync["templates"]])
        payload = self.compat("GET", "/api/enrollment?person_id=%d&is_active=false" % person["id"])[1]
        self.assertEqual([e["id"] for e in payload], [first["id"]])
        payload = self.compat("PATCH", "/api/enrollment/%d/toggle-active" % first["id"])[1]
        self.assertTrue(payload["is_active"])
        response, payload = self.compat("PUT", "/api/enrollment/%d" % first["id"], {"confidence_score": 1})
        self.assertDetail(response, payload, 422)
        # The person with their enrollments
        payload = self.compat("GET", "/api/persons/%d" % person["id"])[1]
        self.assertEqual([e["id"] for e in payload["enrollments"]], [first["id"], second["id"]])
        # Delete
        response, payload = self.compat("DELETE", "/api/enrollment/%d" % first["id"])
        self.assertEqual(response.status_code, 200, payload)
        response, payload = self.compat("GET", "/api/enrollment/%d" % first["id"])
        self.assertDetail(response, payload, 404)
        self.assertTrue(self.env["face.template.tombstone"].search([("template_id", "=", first["id"])]))

    def test_refused_enrollments_lose_nothing(self):
        person = self.person("CB-EN2", "No", "Face")
        response, payload = self.enrol(person["id"], stranger_photo("Aaron_Pena")[:200])
        self.assertDetail(response, payload, 422)
        response, payload = self.enrol(person["id"], b"not an image at all")
        self.assertDetail(response, payload, 422, "NOT_AN_IMAGE")
        response, payload = self.enrol(999999, face_photo("Kofi_Annan", 1))
        self.assertDetail(response, payload, 404)
        response, payload = self.compat("POST", "/api/enrollment", raw={"person_id": str(person["id"])})
        self.assertDetail(response, payload, 422)
        response, payload = self.compat(
            "POST", "/api/enrollment", raw={"person_id": "one"}, files={"file": ("f.jpg", face_photo("Kofi_Annan", 1))}
        )
        self.assertDetail(response, payload, 422)
        self.assertFalse(self.env["face.template"].search([("employee_id", "=", person["id"])]))

    # -- Authentication, scopes, rate limits --------------------------------------------------------
    def test_login_gives_a_bearer_token(self):
        url = self.base_url() + "/api/auth/login"
        response = self.opener.post(url, data={"username": "fa_api_manager", "password": "fa_api_manager"}, timeout=60)
        self.assertEqual(response.status_code, 200, response.text)
        token = response.json()
        self.assertEqual(token["token_type"], "bearer")
        self.assertGreater(token["expires_in"], 0)
        response, payload = self.compat("GET", "/api/persons", key=token["access_token"], bearer=True)
        self.assertEqual(response.status_code, 200, payload)
        response, payload = self.compat(
            "POST", "/api/auth/login", {"username": "fa_api_manager", "password": "fa_api_manager"}, key=""
        )
        self.assertEqual(response.status_code, 200, payload)
        response = self.opener.post(url, data={"username": "fa_api_manager", "password": "wrong"}, timeout=60)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["code"], "INVALID_CREDENTIALS")
        self.assertEqual(response.headers["WWW-Authenticate"], "Bearer")
        # The failure is logged, not rolled back with an error.
        self.assertTrue(self.env["face.system.log"].search([("action", "=", "auth.login_failed")]))
        response = self.opener.post(url, data={"username": "fa_api_manager"}, timeout=60)
        self.assertEqual(response.status_code, 422)

    def test_register_is_for_managers(self):
        response, payload = self.compat(
            "POST", "/api/auth/register", {"first_name": "Reg", "last_name": "Istered", "personnel_code": "CB-REG"}
        )
        self.assertEqual(response.status_code, 201, payload)
        self.assertEqual(self.env["hr.employee"].browse(payload["id"]).name, "Reg Istered")
        officer = new_test_user(
            self.env,
            login="cb_officer",
            groups="base.group_user,hr.group_hr_user,face_attendance.group_face_attendance_user",
        )
        _key, secret = self.env["face.api.key"]._generate("officer", officer, "person:write")
        response, payload = self.compat(
            "POST", "/api/auth/register", {"first_name": "Not", "personnel_code": "CB-REG2"}, key=secret
        )
        self.assertDetail(response, payload, 403, "FORBIDDEN")

    def test_same_keys_scopes_rate_limits_and_companies(self):
        response, payload = self.compat("GET", "/api/persons", key="")
        self.assertDetail(response, payload, 401, "UNAUTHORIZED")
        self.assertEqual(response.headers["WWW-Authenticate"], "Bearer")
        response, payload = self.compat("GET", "/api/persons", key="fa_nope_" + "x" * 40)
        self.assertDetail(response, payload, 401)
        response, payload = self.compat(
            "POST", "/api/persons", {"first_name": "R", "personnel_code": "CB-R"}, key=self.reader_secret
        )
        self.assertDetail(response, payload, 403, "FORBIDDEN")
        response, payload = self.compat("GET", "/api/enrollment", key=self.reader_secret)
        self.assertEqual(response.status_code, 200, payload)
        key, secret = self.env["face.api.key"]._generate("tight", self.manager, "*")
        key.rate_limit_per_minute = 2
        statuses = [self.compat("GET", "/api/persons?limit=1", key=secret)[0] for _ in range(3)]
        self.assertEqual([r.status_code for r in statuses], [200, 200, 429])
        self.assertGreater(int(statuses[-1].headers["Retry-After"]), 0)
        self.assertEqual(statuses[-1].json()["code"], "RATE_LIMITED")
        # Another company's manager sees none of this company's persons or faces.
        mine = self.person("CB-MINE", "Mine", "Only")
        elsewhere = self.env["res.company"].create({"name": "Compat Elsewhere"})
        outsider = new_test_user(
            self.env,
            login="cb_outsider",
            company_id=elsewhere.id,
            company_ids=[(6, 0, [elsewhere.id])],
            groups="base.group_user,hr.group_hr_user,face_attendance.group_face_attendance_manager",
        )
        _key, outsider_secret = self.env["face.api.key"]._generate("outsider", outsider, "*", company=elsewhere)
        for method, path in (
            ("GET", "/api/persons/%d" % mine["id"]),
            ("PATCH", "/api/persons/%d/deactivate" % mine["id"]),
            ("DELETE", "/api/persons/%d" % mine["id"]),
        ):
            response, payload = self.compat(method, path, key=outsider_secret)
            self.assertDetail(response, payload, 404)
        self.assertNotIn(mine["id"], [p["id"] for p in self.compat("GET", "/api/persons", key=outsider_secret)[1]])
        self.assertTrue(self.env["hr.employee"].browse(mine["id"]).active)

    # -- Attendance logs ----------------------------------------------------------------------------
    def test_attendance_logs_from_the_events(self):
        employee = self.env["hr.employee"].browse(self.person("CB-LOG", "Log", "Person")["id"])
        device = new_test_user(self.env, login="cb_device", groups="face_attendance.group_face_attendance_device")
        daemon = self.env["face.daemon"].create({"name": "cb-daemon", "user_id": device.id})
        Camera = self.env["face.camera"].with_context(default_daemon_id=daemon.id)
        gate = Camera.create(
            {
                "name": "Gate A cam",
                "location": "Gate A",
                "source_type": "file",
                "source": "/dev/null",
                "direction": "entry",
            }
        )
        out = Camera.create({"name": "Gate B cam", "source_type": "file", "source": "/dev/null", "direction": "exit"})
        start = datetime.utcnow().replace(microsecond=0) - timedelta(hours=3)

        def at(delta):
            return (start + delta).strftime("%Y-%m-%dT%H:%M:%SZ")

        self.env["face.recognition.event"].with_user(device).ingest_events(
            [
                {
                    "event_id": "cb-1",
                    "camera_id": gate.id,
                    "timestamp": at(timedelta()),
                    "employee_id": employee.id,
                    "confidence": 0.91,
                },
                {"event_id": "cb-2", "camera_id": gate.id, "timestamp": at(timedelta(minutes=5))},
                {
                    "event_id": "cb-3",
                    "camera_id": out.id,
                    "timestamp": at(timedelta(hours=2)),
                    "employee_id": employee.id,
                    "confidence": 0.88,
                },
            ]
        )
        response, logs = self.compat("GET", "/api/attendance-logs?start_date=%s" % start.date().isoformat())
        self.assertEqual(response.status_code, 200, logs)
        mine = [log for log in logs if log["camera_name"] in ("Gate A cam", "Gate B cam")]
        self.assertEqual(
            [(log["gate_name"], log["direction"], log["status"], log["person_id"]) for log in mine],
            [
                ("Gate B cam", "exit", "authorized", employee.id),
                ("Gate A", "entry", "unauthorized", None),
                ("Gate A", "entry", "authorized", employee.id),
            ],
        )
        self.assertEqual(mine[2]["confidence_score"], 0.91)
        payload = self.compat("GET", "/api/attendance-logs?person_id=%d&direction=exit" % employee.id)[1]
        self.assertEqual([log["camera_name"] for log in payload], ["Gate B cam"])
        payload = self.compat("GET", "/api/attendance-logs?gate_name=gate%20a&status=unauthorized")[1]
        self.assertEqual(len(payload), 1)
        one = self.compat("GET", "/api/attendance-logs/%d" % mine[0]["id"])[1]
        self.assertEqual(one, mine[0])
        response, payload = self.compat("GET", "/api/attendance-logs?start_date=yesterday")
        self.assertDetail(response, payload, 422)
        response, payload = self.compat("GET", "/api/attendance-logs", key=self.reader_secret)
        self.assertDetail(response, payload, 403)

    def test_unknown_ids_paths_and_methods_answer_json(self):
        for method, path, status in (
            ("GET", "/api/persons/-1", 404),
            ("GET", "/api/persons/abc", 404),
            ("GET", "/api/persons/1/nope", 404),
            ("DELETE", "/api/enrollment/x", 404),
            ("PATCH", "/api/persons", 405),
            ("POST", "/api/persons/1", 405),
            ("GET", "/api/persons/1/activate", 405),
            ("GET", "/api/auth/login", 405),
        ):
            response, payload = self.compat(method, path)
            self.assertDetail(response, payload, status)
            if status == 405:
                self.assertIn(response.headers["Allow"], ("GET, POST", "DELETE, GET, PUT", "PATCH", "POST"))

    def test_the_document_has_every_compat_route_with_its_own_server(self):
        document = self.api("GET", "/openapi.json", key="")[1]
        compat = {
            (path, method): op
            for path, item in document["paths"].items()
            for method, op in item.items()
            if isinstance(op, dict) and op.get("x-compat") == "backend-readme"
        }
        self.assertIn(("/api/persons/{person_id}", "put"), compat)
        self.assertIn(("/api/enrollment", "post"), compat)
        self.assertGreaterEqual(len(compat), 18)
        for (path, _method), op in compat.items():
            self.assertEqual(document["paths"][path]["servers"], [{"url": self.base_url()}])
            self.assertEqual(op["tags"], ["Compatibility: backend README"])
            self.assertNotIn("400", op["responses"], "FastAPI answers invalid input with 422")
        self.assertNotIn("servers", document["paths"]["/persons"])

    def test_routes_are_declared_by_their_models(self):
        """The document is the models' (bodies, queries, bare answers), and so is the validation:
        refusals are 422 naming the field, what the old routes accepted is still accepted."""
        document = self.api("GET", "/openapi.json", key="")[1]
        schemas = document["components"]["schemas"]
        create = document["paths"]["/api/persons"]["post"]
        body = schemas[create["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]]
        self.assertEqual(sorted(body["required"]), ["first_name", "personnel_code"])
        self.assertFalse(body["additionalProperties"])
        self.assertEqual(body["properties"]["personnel_code"]["pattern"], PERSON_ID_PATTERN)
        self.assertEqual(
            create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].rsplit("/")[-1], "BackendPerson"
        )
        listing = document["paths"]["/api/persons"]["get"]
        params = {p["name"]: p["schema"] for p in listing["parameters"]}
        self.assertEqual((params["skip"]["maximum"], params["limit"]["maximum"]), (10**9, 1000))
        self.assertEqual(params["is_active"]["type"], "boolean")
        self.assertEqual(listing["responses"]["200"]["content"]["application/json"]["schema"]["type"], "array")
        login = document["paths"]["/api/auth/login"]["post"]
        self.assertEqual(
            sorted(login["requestBody"]["content"]),
            ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"],
        )
        logs = {p["name"]: p["schema"] for p in document["paths"]["/api/attendance-logs"]["get"]["parameters"]}
        self.assertEqual(logs["status"]["enum"], ["authorized", "pending", "rejected", "spoof", "unauthorized"])
        # Refusals name the field; a null name part still means "unchanged", as it always did.
        person = self.person("CB-DECL", "Ada", "Lovelace")
        response, payload = self.compat("PUT", "/api/persons/%d" % person["id"], {"first_name": None, "phone": "+1"})
        self.assertEqual((response.status_code, payload["first_name"], payload["phone"]), (200, "Ada", "+1"), payload)
        response, payload = self.compat("PUT", "/api/persons/%d" % person["id"], {"is_active": None})
        self.assertDetail(response, payload, 422, "VALIDATION_ERROR")
        self.assertEqual(payload["details"]["field"], "is_active")
        response, payload = self.compat("GET", "/api/persons?is_active=maybe")
        self.assertDetail(response, payload, 422, "VALIDATION_ERROR")
        self.assertEqual(payload["details"]["field"], "is_active")
        response, payload = self.compat("DELETE", "/api/persons/%d?erase=perhaps" % person["id"])
        self.assertDetail(response, payload, 422, "VALIDATION_ERROR")
        self.assertTrue(self.env["hr.employee"].browse(person["id"]).active)
        response, payload = self.compat(
            "POST", "/api/auth/login", {"username": "x", "password": "y", "otp": "1"}, key=""
        )
        self.assertDetail(response, payload, 422, "VALIDATION_ERROR")
        self.assertEqual(payload["details"]["unknown_fields"], ["otp"])
