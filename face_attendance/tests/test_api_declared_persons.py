"""The persons, faces, history and recognition routes declared with models: what their documents
refuse is refused (400 naming the field), what they document is what they answer."""

from odoo.tests import tagged

from ..models.api_types import PERSON_ID_PATTERN
from .common import ApiCase


@tagged("post_install", "-at_install", "face_attendance")
class TestDeclaredPersonRoutes(ApiCase):
    def setUp(self):
        super().setUp()
        self.person = self.env["hr.employee"].create({"name": "Declared", "person_ref": "DP-1"})

    def refused(self, method, path, body=None, field=None):
        response, payload = self.api(method, path, body)
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        if field:
            self.assertEqual(payload["error"]["details"]["field"], field, (path, payload))
        return payload

    def test_bodies_refused_field_by_field(self):
        for body, field in (
            ({"person_id": "DP 2", "name": "x"}, "person_id"),
            ({"person_id": "x" * 65, "name": "x"}, "person_id"),
            ({"person_id": "DP-2", "name": ""}, "name"),
            ({"person_id": "DP-2", "name": "x", "email": "e" * 257}, "email"),
        ):
            self.refused("POST", "/persons", body, field)
        self.refused("PUT", "/persons/DP-1", {"status": "gone"}, "status")
        self.refused("PUT", "/persons/DP-1", {"name": None}, "name")
        self.refused("PUT", "/faces/DP-1", {"status": "inactive"}, "status")
        self.refused("POST", "/persons/DP-1/register-face", {"image": "aGVsbG8=", "origin": "fax"}, "origin")
        self.refused("POST", "/persons/DP-1/register-face", {"image": "***"}, "image")
        self.refused("POST", "/recognize", {"image": "aGVsbG8=", "camera_id": 0}, "camera_id")
        self.refused("POST", "/recognize", {"image": "aGVsbG8=", "liveness": "yes"}, "liveness")
        self.refused("POST", "/recognize", {"image": "aGVsbG8=", "mark_attendance": True}, "camera_id")
        self.assertFalse(self.env["hr.employee"].search([("person_ref", "=", "DP-2")]))
        self.assertEqual(self.person.name, "Declared")

    def test_queries_and_paths_refused_by_their_models(self):
        for path, field in (
            ("/persons?status=gone", "status"),
            ("/persons/DP%201", "person_id"),
            ("/persons/DP-1?erase=maybe", "erase"),
            ("/faces?status=inactive", "status"),
            ("/faces?pageSize=201", "pageSize"),
            ("/faces/DP-1/images?page=0", "page"),
            ("/history/person/DP-1?type=gossip", "type"),
            ("/history/person/DP-1?from=" + "2" * 65, "from"),
            ("/detections/live?limit=0", "limit"),
            ("/detections/live?cameraId=0", "cameraId"),
            ("/detections/live?camera_id=abc", "camera_id"),
        ):
            method = "DELETE" if "erase" in path else "GET"
            self.refused(method, path, field=field)
        self.assertTrue(self.person.active)
        # A flag reads true/false/1/0 in any case; the person is archived, nothing erased.
        response, payload = self.api("DELETE", "/persons/DP-1?erase=FALSE")
        self.assertEqual(payload["data"], {"person_id": "DP-1", "status": "inactive", "biometric_data_erased": False})
        self.assertFalse(self.person.active)

    def test_documents_are_the_models(self):
        _response, document = self.api("GET", "/openapi.json", key="")
        schemas = document["components"]["schemas"]

        def schema(ref_holder):
            return schemas[ref_holder["$ref"].rsplit("/", 1)[-1]]

        create = schema(document["paths"]["/persons"]["post"]["requestBody"]["content"]["application/json"]["schema"])
        self.assertEqual(sorted(create["required"]), ["name", "person_id"])
        self.assertEqual(create["properties"]["person_id"]["pattern"], PERSON_ID_PATTERN)
        path = document["paths"]["/persons/{person_id}"]["get"]["parameters"][0]
        self.assertEqual((path["name"], path["schema"]["pattern"]), ("person_id", PERSON_ID_PATTERN))
        erase = {p["name"]: p for p in document["paths"]["/faces/{person_id}"]["delete"]["parameters"]}["erase"]
        self.assertEqual(erase["schema"]["type"], "boolean")
        history = {p["name"] for p in document["paths"]["/history/person/{person_id}"]["get"]["parameters"]}
        self.assertTrue({"from", "to", "type", "page", "pageSize"} <= history, history)
        live = {p["name"] for p in document["paths"]["/detections/live"]["get"]["parameters"]}
        self.assertEqual(live, {"cameraId", "camera_id", "limit"})
        recognize = document["paths"]["/recognize"]["post"]["requestBody"]["content"]["application/json"]
        self.assertEqual(schema(recognize["schema"])["properties"]["camera_id"]["minimum"], 1)
        self.assertIn("liveness", schemas["RecognizedFace"]["properties"])
        self.assertNotIn("liveness", schemas["RecognizedFace"]["required"])
        # The multipart routes are declared by their form's model too.
        upload = document["paths"]["/faces/{person_id}/images"]["post"]
        form = schema(upload["requestBody"]["content"]["multipart/form-data"]["schema"])
        self.assertEqual(form["properties"]["images"]["items"], {"type": "string", "format": "binary", "minLength": 1})
        self.assertEqual(form["properties"]["images[]"]["maxItems"], 5)
        self.assertFalse(form["additionalProperties"])
        envelope = schema(upload["responses"]["201"]["content"]["application/json"]["schema"])
        self.assertEqual(envelope["properties"]["data"]["$ref"].rsplit("/", 1)[-1], "ImagesAdded")
