"""Routes declared once with pydantic models: the request is refused field by field as the model
says, the document is the models' schema, the answer is checked against its model in test mode,
and the person ID is one rule for the API and hr.employee."""

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..controllers import api_common
from ..models.api_types import PERSON_ID_PATTERN, is_person_id
from .common import ApiCase


@tagged("post_install", "-at_install", "face_attendance")
class TestPersonIdRule(TransactionCase):
    def test_one_rule_for_the_model_and_the_api(self):
        for good in ("EMP001", "a" * 64, "é-1.x_y"):
            self.assertTrue(is_person_id(good), good)
        for bad in (
            "",
            "a" * 65,
            "A B",
            " A",
            "A\n",
            "A\t1",
            "A\u00a0B",
            "A\x1eB",
            "\ufeffA",
            "A\x01",
            "A\u200bB",
            "\u202eA",
        ):
            self.assertFalse(is_person_id(bad), repr(bad))
            with self.assertRaises(ValidationError), self.env.cr.savepoint():
                self.env["hr.employee"].create({"name": "Rule", "person_ref": bad or "x y"})
        self.env["hr.employee"].create({"name": "Rule", "person_ref": "é-1.x_y"})


@tagged("post_install", "-at_install", "face_attendance")
class TestApiDeclarations(ApiCase):
    def setUp(self):
        super().setUp()
        self.person = self.env["hr.employee"].create({"name": "Decl Person", "person_ref": "DECL-1"})

    def test_document_is_generated_from_the_models(self):
        _response, document = self.api("GET", "/openapi.json", key="")
        manual = document["paths"]["/attendance/manual"]["post"]
        self.assertEqual(manual["x-required-scope"], "attendance:write")
        body_ref = manual["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        body = document["components"]["schemas"][body_ref.rsplit("/", 1)[-1]]
        self.assertFalse(body["additionalProperties"])
        self.assertEqual(sorted(body["required"]), ["employeeId", "note"])
        self.assertEqual(
            (body["properties"]["cameraId"]["minimum"], body["properties"]["cameraId"]["maximum"]), (1, 2**31 - 1)
        )
        self.assertEqual(body["properties"]["employeeId"]["pattern"], PERSON_ID_PATTERN)
        self.assertEqual(body["properties"]["employeeId"]["maxLength"], 64)
        logs = document["paths"]["/attendance/logs"]["get"]
        params = {p["name"]: p for p in logs["parameters"]}
        self.assertEqual(params["pageSize"]["schema"]["maximum"], 200)
        self.assertEqual(params["odooStatus"]["schema"]["enum"], ["synced", "events-only"])
        self.assertTrue(params["dateFrom"]["schema"].get("nullable") or "pattern" in params["dateFrom"]["schema"])
        day = document["paths"]["/reports/daily-summary/{day}"]["get"]["parameters"][0]
        self.assertEqual((day["name"], day["in"], day["schema"]["format"]), ("day", "path", "date"))
        # The answer's model, nullable fields in OpenAPI 3.0's words.
        answer = document["components"]["schemas"]["Attendance"]
        self.assertTrue(answer["properties"]["check_out"]["nullable"])
        self.assertNotIn("anyOf", answer["properties"]["check_out"])

    def test_manual_entry_refuses_what_its_document_refuses(self):
        base = {"employeeId": "DECL-1", "note": "Badge reader down"}
        for body, field in (
            (dict(base, cameraId=0), "cameraId"),
            (dict(base, cameraId=True), "cameraId"),
            (dict(base, cameraId="1"), "cameraId"),
            (dict(base, employeeId="DECL 1"), "employeeId"),
            (dict(base, employeeId="x" * 65), "employeeId"),
            (dict(base, status="absent"), "status"),
            (dict(base, timestamp="noon"), "timestamp"),
        ):
            response, payload = self.api("POST", "/attendance/manual", body)
            self.assertError(response, payload, 400, "VALIDATION_ERROR")
            self.assertEqual(payload["error"]["details"]["field"], field, payload)
            self.assertEqual(payload["error"]["details"]["errors"][0]["field"], field)
        response, payload = self.api("POST", "/attendance/manual", dict(base, colour="red"))
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        self.assertEqual(payload["error"]["details"]["unknown_fields"], ["colour"])
        response, payload = self.api("POST", "/attendance/manual", {"employeeId": "DECL-1"})
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        self.assertEqual(payload["error"]["details"]["missing_fields"], ["note"])
        self.assertFalse(self.env["hr.attendance"].search([("employee_id", "=", self.person.id)]))

    def test_query_and_path_are_validated_by_their_models(self):
        for path, field in (
            ("/attendance/logs?pageSize=201", "pageSize"),
            ("/attendance/logs?cameraId=0", "cameraId"),
            ("/attendance/pending?days=abc", "days"),
            ("/attendance?person_id=A%20B", "person_id"),
            ("/reports/daily?date=2026-11-21&department_id=0", "department_id"),
            ("/reports/daily-summary/20261121", "day"),
        ):
            response, payload = self.api("GET", path)
            self.assertError(response, payload, 400, "VALIDATION_ERROR")
            self.assertEqual(payload["error"]["details"]["field"], field, (path, payload))
        response, payload = self.api("GET", "/attendance/logs?pageSize=1&unknown=1")
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual(payload["meta"]["pageSize"], 1)

    def test_an_answer_that_differs_from_its_model_fails_in_tests(self):
        """Test mode checks every answer against its model: a route that drifts answers 500."""
        figures = type(self.env["face.attendance.figures"])
        original = figures.pending

        def drifted(self, limit=50, days=7):
            return dict(original(self, limit, days), surprise=1)

        figures.pending = drifted
        try:
            with mute_logger("odoo.addons.face_attendance.controllers.api_common"):
                response, payload = self.api("GET", "/attendance/pending")
        finally:
            figures.pending = original
        self.assertError(response, payload, 500, "INTERNAL_ERROR")
        response, payload = self.api("GET", "/attendance/pending")
        self.assertEqual(response.status_code, 200, payload)
        self.assertTrue(api_common._checking_answers())
