import json
import os
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tests.common import new_test_user

from ..controllers.api_common import OPERATIONS
from ..controllers.openapi_spec import operation
from . import test_tours
from .common import ApiCase

TOUR_KEY_PARAM = "face_attendance.developer_console_tour_key"


@tagged("post_install", "-at_install", "face_attendance")
class TestDeveloperConsole(ApiCase):
    """GET /developer/endpoints is the OpenAPI document as a list; the backend page is for managers."""

    def endpoints(self, key=None):
        response, payload = self.api("GET", "/developer/endpoints", key=key)
        self.assertEqual(response.status_code, 200, payload)
        self.assertTrue(payload["success"])
        return payload["data"]

    def document(self):
        response, payload = self.api("GET", "/openapi.json", key="")
        self.assertEqual(response.status_code, 200)
        return payload

    def full_path(self, document, path):
        """The path from the host's root: a path item's own ``servers`` (the compatibility routes,
        served outside /api/v1) take precedence over the document's."""
        servers = document["paths"][path].get("servers") or document["servers"]
        return urlsplit(servers[0]["url"]).path.rstrip("/") + path

    def test_every_documented_operation_is_listed_once(self):
        document = self.document()
        items = self.endpoints()
        documented = {
            (self.full_path(document, path), method.upper())
            for path, operations in document["paths"].items()
            for method in operations
            if method not in ("parameters", "servers")
        }
        listed = [(item["path"], item["method"]) for item in items]
        self.assertEqual(len(listed), len(set(listed)), "an operation is listed twice")
        self.assertEqual(set(listed), documented)
        self.assertIn(("/api/v1/developer/endpoints", "GET"), listed)
        # Numbered in a stable order: by path, then method.
        self.assertEqual([item["id"] for item in items], ["DEV-%03d" % n for n in range(1, len(items) + 1)])
        self.assertEqual(
            listed, sorted(listed, key=lambda pm: (pm[0], ["GET", "POST", "PUT", "PATCH", "DELETE"].index(pm[1])))
        )
        self.assertEqual(self.endpoints(), items)
        # Each item says what the document says of its operation.
        by_full_path = {self.full_path(document, path): path for path in document["paths"]}
        for item in items:
            op = document["paths"][by_full_path[item["path"]]][item["method"].lower()]
            self.assertEqual(item["label"], op["tags"][0])
            self.assertEqual(item["description"], op["summary"])
            self.assertEqual(item["requiredScope"], op.get("x-required-scope"))
            self.assertEqual(item["public"], op["security"] == [])
            self.assertEqual(
                [(p["name"], p["in"], p["required"]) for p in item["parameters"]],
                [(p["name"], p["in"], bool(p.get("required"))) for p in op["parameters"]],
            )
            self.assertEqual(bool(item["requestBody"]), "requestBody" in op, item["id"])

    def test_items_carry_parameters_scope_and_a_body_skeleton(self):
        items = {(item["method"], item["path"]): item for item in self.endpoints()}
        create_person = items["POST", "/api/v1/persons"]
        self.assertEqual(create_person["label"], "Persons")
        self.assertEqual(create_person["requiredScope"], "person:write")
        body = create_person["requestBody"]
        self.assertEqual(body["contentType"], "application/json")
        self.assertIn("name", {f["name"] for f in body["fields"] if f["required"]})
        self.assertIsInstance(body["example"], dict)
        self.assertIn("name", body["example"])
        one_camera = items["GET", "/api/v1/cameras/{camera_id}"]
        self.assertEqual(one_camera["parameters"][0]["name"], "camera_id")
        self.assertEqual(one_camera["parameters"][0]["in"], "path")
        self.assertEqual(one_camera["parameters"][0]["type"], "integer")
        self.assertIsNone(one_camera["requestBody"])
        health = items["GET", "/api/v1/health"]
        self.assertTrue(health["public"])
        self.assertIsNone(health["requiredScope"])
        mine = items["GET", "/api/v1/developer/endpoints"]
        self.assertFalse(mine["public"])
        self.assertIsNone(mine["requiredScope"])

    def test_a_new_route_appears_by_itself(self):
        declared = operation(
            "A route declared just now", "Zz Test", "config:read", 200, {"type": "object", "properties": {"x": {}}}
        )
        with patch.dict(OPERATIONS, {"/zz-declared-now/{thing}": {"post": declared}}):
            self.assertIn("/zz-declared-now/{thing}", self.document()["paths"])
            items = [i for i in self.endpoints() if i["path"] == "/api/v1/zz-declared-now/{thing}"]
        self.assertEqual(len(items), 1)
        self.assertEqual(items[0]["method"], "POST")
        self.assertEqual(items[0]["label"], "Zz Test")
        self.assertEqual(items[0]["requiredScope"], "config:read")
        self.assertNotIn("/api/v1/zz-declared-now/{thing}", [i["path"] for i in self.endpoints()])

    def test_compatibility_routes_are_listed_at_their_own_path(self):
        """The older backends' routes are served from the host's root: the console calls them there,
        not under /api/v1 (the document gives their path item its own server)."""
        document = self.document()
        compat = {
            (self.full_path(document, path), method.upper()): op
            for path, item in document["paths"].items()
            for method, op in item.items()
            if isinstance(op, dict) and op.get("x-compat")
        }
        self.assertIn(("/api/persons", "GET"), compat)
        self.assertIn(("/users/", "POST"), compat)
        items = {(item["method"], item["path"]): item for item in self.endpoints()}
        for (path, method), op in compat.items():
            self.assertFalse(path.startswith("/api/v1/"), path)
            item = items[method, path]
            self.assertEqual(item["label"], op["tags"][0])
            self.assertTrue(item["label"].startswith("Compatibility: "), item["label"])
        self.assertNotIn(("GET", "/api/v1/api/persons"), items)
        persons = items["GET", "/api/persons"]
        self.assertEqual(persons["requiredScope"], "person:read")
        self.assertIn("is_active", [p["name"] for p in persons["parameters"]])
        # The path the console shows is the one that answers, with the console's own header.
        self.env["hr.employee"].create({"name": "Console Compat", "person_ref": "DEV-COMPAT-1"})
        response, payload = self.api("GET", persons["path"] + "?search=Console+Compat", prefix="")
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual([p["personnel_code"] for p in payload], ["DEV-COMPAT-1"])

    def test_any_valid_key_and_only_a_valid_key(self):
        self.assertTrue(self.endpoints(key=self.reader_secret))  # person:read only: any scope will do
        response, payload = self.api("GET", "/developer/endpoints", key="")
        self.assertError(response, payload, 401, "UNAUTHORIZED")
        response, payload = self.api("GET", "/developer/endpoints", key="fa_00000000_nope")
        self.assertError(response, payload, 401, "UNAUTHORIZED")
        self.reader_key.action_revoke()
        response, payload = self.api("GET", "/developer/endpoints", key=self.reader_secret)
        self.assertError(response, payload, 401, "UNAUTHORIZED")

    def console_rpc(self, login):
        self.authenticate(login, login)
        response = self.url_open(
            "/face_attendance/developer/endpoints",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": {}, "id": 1}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_the_page_is_for_managers_only(self):
        user = new_test_user(
            self.env, login="fa_dev_user", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        action = self.env.ref("face_attendance.face_developer_console_action")
        menu = self.env.ref("face_attendance.menu_face_developer_console")
        # The manager sees the menu, runs the action and gets the page's data.
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(self.manager)._visible_menu_ids())
        self.assertEqual(action.with_user(self.manager).run()["tag"], "face_attendance.developer_console")
        answer = self.console_rpc("fa_api_manager")
        self.assertEqual(answer["result"]["endpoints"], self.endpoints())
        # A Face Attendance user sees no menu, cannot run the action, and the page gets nothing.
        self.assertNotIn(menu.id, self.env["ir.ui.menu"].with_user(user)._visible_menu_ids())
        self.assertNotIn("Developer Console", json.dumps(self.env["ir.ui.menu"].with_user(user).load_menus(False)))
        with self.assertRaises(AccessError):
            action.with_user(user).run()
        answer = self.console_rpc("fa_dev_user")
        self.assertNotIn("result", answer)
        self.assertIn("managers", answer["error"]["data"]["message"])


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_tours")
class TestDeveloperConsoleTour(ApiCase):
    def test_call_an_endpoint_from_the_console(self):
        self.env["face.camera"].create(
            {"name": "Console camera", "source_type": "file", "source": "x", "direction": "entry"}
        )
        _key, secret = self.env["face.api.key"]._generate(
            "console tour", self.env.ref("base.user_admin"), "camera:read"
        )
        # The tour reads the key from here, as a manager pasting it would: the page itself never stores one.
        self.env["ir.config_parameter"].sudo().set_param(TOUR_KEY_PARAM, secret)
        # The tours' screenshot hook (a module import: importing the class would run its tests here too).
        self.saved = []
        os.makedirs(test_tours.SCREENSHOTS, exist_ok=True)
        test_tours.TestTours.start_tour_with_screenshots(
            self, "/odoo/action-face_attendance.face_api_key_action", "face_attendance_developer_console_tour"
        )
