import base64
import re

from odoo.tests import tagged

from .common import ApiCase


@tagged("post_install", "-at_install", "face_attendance")
class TestApiContract(ApiCase):
    """What every endpoint shares: the OpenAPI document, JSON answers for anything, the body limit."""

    def test_openapi_lists_every_route(self):
        response, payload = self.api("GET", "/openapi.json", key="")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(payload["openapi"].startswith("3."))
        paths = payload["paths"]
        for route in (
            "/health",
            "/status",
            "/persons",
            "/persons/{person_id}",
            "/persons/{person_id}/register-face",
            "/persons/{person_id}/faces",
            "/persons/{person_id}/faces/{face_id}",
            "/attendance",
            "/attendance/{attendance_id}",
            "/attendance/mark",
            "/attendance/{attendance_id}/checkout",
            "/attendance/export",
            "/reports/daily-summary/{day}",
            "/reports/daily",
            "/keys",
            "/logs",
            "/config",
            "/events",
            "/recognize",
            "/detections/live",
            "/cameras",
            "/cameras/{camera_id}",
            "/cameras/summary",
            "/openapi.json",
        ):
            self.assertIn(route, paths)
        # The document's methods are exactly the routes the controllers declare.
        from ..controllers.api_common import allowed_methods

        for route, item in paths.items():
            if "servers" in item:
                continue  # a compatibility route, served at its own path outside /api/v1
            concrete = re.sub(r"\{\w+\}", "1", route)
            documented = sorted(m.upper() for m in item if m != "parameters")
            self.assertEqual(allowed_methods(concrete), documented, route)
        self.assertEqual(paths["/persons"]["post"]["x-required-scope"], "person:write")
        self.assertEqual(payload["servers"][0]["url"], self.base_url() + "/api/v1")

    def test_no_route_under_the_api_is_undocumented(self):
        """Whatever declares a route under /api/v1 (api_route or a bare http.route), or an API route
        elsewhere (the compatibility routes), Odoo's routing map and the served document list the
        same (path, method) pairs; compatibility paths carry their own server, the host's root."""
        from ..controllers.api_common import BASE, openapi_path

        _response, payload = self.api("GET", "/openapi.json", key="")
        documented = set()
        for path, item in payload["paths"].items():
            if "servers" in item:
                self.assertEqual(item["servers"], [{"url": self.base_url()}], path)
            for method, op in item.items():
                if method in ("servers", "parameters"):
                    continue
                self.assertEqual("servers" in item, bool(op.get("x-compat")), (path, method))
                documented.add((path if "servers" in item else BASE + path, method.upper()))
        served = set()
        for rule in self.env["ir.http"].routing_map().iter_rules():
            if "<path:" in rule.rule or "<any_path:" in rule.rule:
                continue  # the catch-all routes: not operations
            if not rule.rule.startswith(BASE + "/") and not rule.endpoint.routing.get("face_api"):
                continue
            for method in rule.methods or ():
                if method not in ("HEAD", "OPTIONS"):
                    served.add((openapi_path(rule.rule), method))
        self.assertTrue(served)
        self.assertEqual(served - documented, set(), "routes missing from openapi.json")
        self.assertEqual(documented - served, set(), "documented operations nobody serves")

    def test_unknown_paths_and_methods_answer_json(self):
        response, payload = self.api("GET", "/no/such/thing")
        self.assertError(response, payload, 404, "NOT_FOUND")
        response, payload = self.api("PATCH", "/persons")
        self.assertError(response, payload, 405, "METHOD_NOT_ALLOWED")
        self.assertEqual(response.headers["Allow"], "GET, POST")
        response, payload = self.api("GET", "/cameras/-4")
        self.assertError(response, payload, 404, "NOT_FOUND")
        # Line breaks in a path: still the API's answer, not Odoo's HTML page.
        response, payload = self.api("GET", "/cameras/a%0Ab%0D%0Ac")
        self.assertError(response, payload, 404, "NOT_FOUND")

    def test_body_over_the_limit_is_413(self):
        self.env["face.attendance.config"].set("max_image_bytes", 1024)
        limit = 1024 * 4 // 3 + 65536
        response, payload = self.api(
            "POST",
            "/persons",
            raw=b'{"name": "' + b"x" * (limit + 10) + b'"}',
            headers={"Content-Type": "application/json"},
        )
        self.assertError(response, payload, 413, "PAYLOAD_TOO_LARGE")
        # Under the body limit but over the image limit: the image is refused by size.
        self.api("POST", "/persons", {"person_id": "BIG1", "name": "Big"})
        response, payload = self.api(
            "POST", "/persons/BIG1/register-face", {"image": base64.b64encode(b"\xff\xd8" + b"0" * 5000).decode()}
        )
        self.assertError(response, payload, 413, "IMAGE_TOO_LARGE")

    def test_hostile_input(self):
        response, payload = self.api(
            "POST",
            "/persons",
            raw=b'{"person_id": "N1", "name": "a\\u0000b"}',
            headers={"Content-Type": "application/json"},
        )
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api("GET", "/persons?search=a%00b")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api(
            "POST",
            "/cameras",
            raw=b'{"name": "n", "source": "rtsp://x", "match_threshold": NaN}',
            headers={"Content-Type": "application/json"},
        )
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api(
            "POST", "/events", {"events": [{"event_id": "x", "camera_id": 10**15, "timestamp": "2026-11-20T08:00:00Z"}]}
        )
        self.assertEqual(payload["data"]["results"][0]["status"], "invalid", payload)
        response, payload = self.api("GET", "/persons?offset=99999999999999999999")
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.api(
            "POST", "/persons", raw=b"[" * 100000, headers={"Content-Type": "application/json"}
        )
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
