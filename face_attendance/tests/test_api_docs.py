import os
import re
from unittest.mock import patch
from urllib.parse import urlsplit

from lxml import html as lxml_html

from odoo.tests import tagged

from ..controllers.api_common import OPERATIONS
from ..controllers.openapi_spec import obj, operation, query, s
from .common import ApiCase

TOUR_KEY_PARAM = "face_attendance.api_docs_tour_key"
METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
HOSTILE = '<script>alert("docs")</script><img src=x onerror=alert(1)> & "quotes"'


def full_path(document, path):
    """The path from the host's root: the path item's own servers (compatibility paths) win."""
    servers = document["paths"][path].get("servers") or document["servers"]
    return urlsplit(servers[0]["url"]).path.rstrip("/") + path


@tagged("post_install", "-at_install", "face_attendance")
class TestApiDocs(ApiCase):
    """/api/v1/docs and /api/v1/redoc: public HTML pages made from the OpenAPI document."""

    def page(self, path):
        # No key, no session: the pages are public.
        response = self.opener.get(self.base_url() + path, timeout=60)
        self.assertEqual(response.status_code, 200, response.text[:300])
        self.assertEqual(response.headers["Content-Type"], "text/html; charset=utf-8")
        return response

    def document(self):
        response, payload = self.api("GET", "/openapi.json", key="")
        self.assertEqual(response.status_code, 200)
        return payload

    def operations(self, document):
        return [
            (method.upper(), full_path(document, path), op)
            for path, item in document["paths"].items()
            for method, op in item.items()
            if method in METHODS
        ]

    def test_pages_are_public_html_with_a_strict_policy(self):
        for path, scripts in (
            ("/api/v1/docs", "script-src 'self' 'unsafe-eval'"),
            ("/api/v1/redoc", "script-src 'none'"),
        ):
            response = self.page(path)
            policy = [part.strip() for part in response.headers["Content-Security-Policy"].split(";")]
            for directive in (
                "default-src 'self'",
                "style-src 'self'",
                "connect-src 'self'",
                "frame-ancestors 'none'",
                "object-src 'none'",
                "base-uri 'none'",
                scripts,
            ):
                self.assertIn(directive, policy, path)
            self.assertNotIn("unsafe-inline", response.headers["Content-Security-Policy"])
            self.assertEqual(response.headers["X-Frame-Options"], "DENY")
            self.assertEqual(response.headers["Referrer-Policy"], "no-referrer")
            self.assertEqual(response.headers["X-Content-Type-Options"], "nosniff")
            self.assertNotIn("Set-Cookie", response.headers)
            tree = lxml_html.fromstring(response.content)
            # Nothing the policy would block: no inline script or style, every script from this server.
            for script in tree.iter("script"):
                self.assertTrue(script.get("src", "").startswith("/"), lxml_html.tostring(script))
                self.assertFalse((script.text or "").strip(), path)
            self.assertFalse(tree.xpath("//style | //*[@style]"), path)
            self.assertFalse(tree.xpath("//*[@*[starts-with(name(), 'on')]]"), path)
            for link in tree.xpath("//link[@rel='stylesheet']"):
                self.assertTrue(link.get("href").startswith("/"), path)
        # Both documented in openapi.json as HTML pages, under the routing contract.
        document = self.document()
        for route in ("/docs", "/redoc"):
            op = document["paths"][route]["get"]
            self.assertEqual(op["security"], [])
            self.assertIn("text/html", op["responses"]["200"]["content"])

    def test_pages_link_to_each_other_and_to_the_document(self):
        docs = lxml_html.fromstring(self.page("/api/v1/docs").content)
        self.assertTrue(docs.xpath("//a[@href='/api/v1/redoc']"))
        self.assertTrue(docs.xpath("//a[@href='/api/v1/openapi.json']"))
        # The interactive page loads the document from the API itself.
        self.assertEqual(docs.xpath("//*[@data-openapi-url]/@data-openapi-url"), ["/api/v1/openapi.json"])
        reference = lxml_html.fromstring(self.page("/api/v1/redoc").content)
        self.assertTrue(reference.xpath("//a[@href='/api/v1/docs']"))
        self.assertTrue(reference.xpath("//a[@href='/api/v1/openapi.json']"))

    def test_the_reference_shows_every_operation_with_its_scope(self):
        document = self.document()
        operations = self.operations(document)
        tree = lxml_html.fromstring(self.page("/api/v1/redoc").content)
        articles = tree.xpath("//article[contains(@class, 'o_fa_ref_op')][@data-method]")
        shown = [(a.get("data-method"), a.get("data-path")) for a in articles]
        self.assertEqual(len(shown), len(set(shown)), "an operation is shown twice")
        self.assertEqual(set(shown), {(method, path) for method, path, _op in operations})
        self.assertIn(("GET", "/api/v1/persons"), shown)
        articles = dict(zip(shown, articles, strict=True))
        nav = set(tree.xpath("//nav//a/@href"))
        for method, path, op in operations:
            article = articles[method, path]
            self.assertIn("#" + article.get("id"), nav, path)
            self.assertEqual(article.xpath("string(.//code[contains(@class, 'o_fa_ref_path')])"), path)
            access = " ".join(article.xpath("string(.//*[contains(@class, 'o_fa_ref_access')])").split())
            if op["security"] == []:
                self.assertIn("Public: no key", access, path)
            elif op.get("x-required-scope"):
                self.assertIn("Scope: %s" % op["x-required-scope"], access, path)
            else:
                self.assertIn("Any valid key", access, path)
            self.assertEqual(
                sorted(article.xpath(".//*[contains(@class, 'o_fa_ref_response')]/@data-status")),
                sorted(op["responses"]),
                path,
            )
            # An answer the document shares links to the one place the page shows it.
            for link in article.xpath(".//a[contains(@class, 'o_fa_ref_shared_link')]/@href"):
                self.assertTrue(tree.xpath("//*[@id=$id]", id=link[1:]), link)
            parameters = article.xpath(".//table[contains(@class, 'o_fa_ref_params')]//td[1]/code/text()")
            self.assertEqual(parameters, [p["name"] for p in op["parameters"]], path)
            if op.get("x-compat") or op["tags"][0].startswith("Compatibility: "):
                self.assertTrue(article.xpath(".//*[contains(@class, 'o_fa_api_compat_badge')]"), path)

    def test_the_reference_resolves_schemas(self):
        tree = lxml_html.fromstring(self.page("/api/v1/redoc").content)
        (create,) = tree.xpath("//article[@data-method='POST'][@data-path='/api/v1/persons']")
        body = " ".join(create.xpath("string(.//*[contains(@class, 'o_fa_ref_content')])").split())
        for field in ("person_id", "name", "email", "department", "additionalProperties: false", "maxLength: 64"):
            self.assertIn(field, body)
        # The answer's Person, behind a $ref in the envelope, is shown field by field, nested.
        (created,) = create.xpath(".//details[@data-status='201']")
        names = created.xpath(".//tr[contains(@class, 'o_fa_ref_depth_1')]/td[1]/code/text()")
        self.assertIn("face_count", names)
        self.assertIn("object (Person)", created.text_content())
        # Error answers are the document's shared ones: shown once, with the Error schema resolved.
        (unauthorized,) = create.xpath(".//*[@data-status='401']")
        self.assertEqual(unauthorized.xpath(".//a/@href"), ["#response-e401"])
        (shared,) = tree.xpath("//*[@id='response-e401']")
        self.assertIn("requestId", shared.text_content())
        self.assertIn("Missing, wrong, expired or revoked API key", shared.text_content())
        # Samples: a curl line and a JSON skeleton of the body.
        samples = create.xpath("string(.//aside)")
        self.assertIn("curl -X POST", samples)
        self.assertIn("$API_KEY", samples)
        self.assertIn('"person_id"', samples)

    def test_text_of_the_document_is_escaped(self):
        hostile = operation(
            HOSTILE,
            "Zz <b>Tag</b>",
            "config:read",
            200,
            obj({"x": s("integer", description=HOSTILE)}),
            parameters=[query("q", s("string", enum=[HOSTILE]), HOSTILE)],
            description=HOSTILE,
        )
        with patch.dict(OPERATIONS, {"/zz-docs-escape/{thing}": {"get": hostile}}):
            self.assertIn("/zz-docs-escape/{thing}", self.document()["paths"])
            raw = self.page("/api/v1/redoc").text
        self.assertIn("/api/v1/zz-docs-escape/{thing}", raw)
        self.assertIn("&lt;script&gt;alert(", raw)
        self.assertIn("Zz &lt;b&gt;Tag&lt;/b&gt;", raw)
        self.assertNotIn("<script>alert", raw)
        self.assertNotIn("<img src=x", raw)
        self.assertNotIn("<b>Tag", raw)
        tree = lxml_html.fromstring(raw)
        self.assertFalse(tree.xpath("//img | //script | //b"))
        (article,) = tree.xpath("//article[@data-path='/api/v1/zz-docs-escape/{thing}']")
        self.assertIn(HOSTILE, article.text_content())
        self.assertNotIn("/api/v1/zz-docs-escape/{thing}", self.page("/api/v1/redoc").text)

    def test_the_docs_page_loads_no_third_party_documentation_code(self):
        tree = lxml_html.fromstring(self.page("/api/v1/docs").content)
        bundles = [src for src in tree.xpath("//script/@src") if "assets_api_docs" in src and "tests" not in src]
        self.assertTrue(bundles)
        code = "".join(self.opener.get(self.base_url() + src, timeout=60).text for src in bundles)
        self.assertIn("@face_attendance/api_docs/api_docs", code)
        self.assertIn("@odoo/owl", code)
        # Either project's name as a word (not "compareDocumentPosition" of the DOM).
        found = re.findall(r"(?i).{0,40}(?:swagger|\bredoc\b).{0,40}", code)
        self.assertFalse(found, "third-party documentation code in the bundle: %s" % found[:3])
        # Nor is any copied into the addon.
        static = os.path.join(os.path.dirname(os.path.dirname(__file__)), "static")
        for _root, _dirs, files in os.walk(static):
            self.assertFalse([f for f in files if re.search("swagger|redoc", f, re.I)])

    def test_settings_link_to_the_docs(self):
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('href="/api/v1/docs"', arch)
        self.assertIn('href="/api/v1/redoc"', arch)


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_tours")
class TestApiDocsTour(ApiCase):
    """/api/v1/docs in Chromium: a key pasted, /api/v1 and compatibility operations called from the page."""

    def test_try_an_operation_from_the_docs(self):
        self.env["hr.employee"].create({"name": "Docs Tour Person", "person_ref": "DOCS-TOUR-1"})
        _key, secret = self.env["face.api.key"]._generate(
            "docs tour", self.env.ref("base.user_admin"), "person:read person:write face:write"
        )
        # The tour reads the key from here and pastes it: the page itself never stores one.
        self.env["ir.config_parameter"].sudo().set_param(TOUR_KEY_PARAM, secret)
        self.start_tour("/api/v1/docs", "face_attendance_api_docs", login="admin", timeout=180)
        # The upload the tour sent was refused whole: nobody was created.
        self.assertFalse(self.env["hr.employee"].with_context(active_test=False).search([("name", "=", "Docs Upload")]))
