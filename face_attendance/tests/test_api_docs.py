import json
import os

from lxml import html as lxml_html

from odoo.tests import tagged
from odoo.tools.misc import file_path

from ..controllers.api_docs import LIB, LIB_FILES, lib_root
from .common import ApiCase

# The policy both pages send, whatever the viewer (each adds its own style-src and img-src).
COMMON_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "connect-src 'self'",
    "font-src 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
)


@tagged("post_install", "-at_install", "face_attendance")
class TestApiDocs(ApiCase):
    """/api/v1/docs (Swagger UI) and /api/v1/redoc (ReDoc): public pages on the OpenAPI document,
    their code served by this Odoo from the installed package."""

    def page(self, path):
        # No key, no session: the pages are public.
        response = self.opener.get(self.base_url() + path, timeout=60)
        self.assertEqual(response.status_code, 200, response.text[:300])
        self.assertEqual(response.headers["Content-Type"], "text/html; charset=utf-8")
        return response

    def policy(self, response):
        return [part.strip() for part in response.headers["Content-Security-Policy"].split(";")]

    def test_pages_are_public_html_with_a_strict_policy(self):
        for path in ("/api/v1/docs", "/api/v1/redoc"):
            response = self.page(path)
            policy = self.policy(response)
            for directive in COMMON_DIRECTIVES:
                self.assertIn(directive, policy, path)
            # No inline script at all; no inline style on Swagger UI's page, and on ReDoc's only the
            # <style> elements that carry this response's nonce.
            self.assertNotIn("unsafe-inline", response.headers["Content-Security-Policy"], path)
            self.assertNotIn("unsafe-eval", response.headers["Content-Security-Policy"], path)
            self.assertEqual([p for p in policy if p.startswith("script-src")], ["script-src 'self'"], path)
            self.assertEqual(response.headers["X-Frame-Options"], "DENY")
            self.assertEqual(response.headers["Referrer-Policy"], "no-referrer")
            self.assertEqual(response.headers["X-Content-Type-Options"], "nosniff")
            self.assertNotIn("Set-Cookie", response.headers)
            tree = lxml_html.fromstring(response.content)
            # Nothing the policy would block, nothing from another origin.
            for script in tree.iter("script"):
                self.assertTrue(script.get("src", "").startswith("/"), lxml_html.tostring(script))
                self.assertFalse((script.text or "").strip(), path)
            self.assertFalse(tree.xpath("//style | //*[@style]"), path)
            self.assertFalse(tree.xpath("//*[@*[starts-with(name(), 'on')]]"), path)
            for link in tree.xpath("//link"):
                self.assertTrue(link.get("href").startswith("/"), path)
        self.assertIn("style-src 'self'", self.policy(self.page("/api/v1/docs")))
        # ReDoc's nonce is new for every answer and is the one its page hands to ReDoc.
        nonces = []
        for _attempt in range(2):
            response = self.page("/api/v1/redoc")
            (style,) = [p for p in self.policy(response) if p.startswith("style-src")]
            self.assertRegex(style, r"^style-src 'self' 'nonce-[A-Za-z0-9_-]{20,}'$")
            nonce = style.split("'nonce-")[1].rstrip("'")
            tree = lxml_html.fromstring(response.content)
            self.assertEqual(tree.xpath("//*[@id='redoc']/@data-style-nonce"), [nonce])
            nonces.append(nonce)
        self.assertNotEqual(nonces[0], nonces[1])
        # Both documented in openapi.json as HTML pages, under the routing contract.
        response, document = self.api("GET", "/openapi.json", key="")
        self.assertEqual(response.status_code, 200)
        for route in ("/docs", "/redoc"):
            op = document["paths"][route]["get"]
            self.assertEqual(op["security"], [])
            self.assertIn("text/html", op["responses"]["200"]["content"])

    def test_the_pages_load_the_viewers_from_this_server_on_the_served_document(self):
        viewers = {
            "/api/v1/docs": ("swagger-ui-bundle.js", "swagger_init.js", "swagger-ui", "SwaggerUIBundle"),
            "/api/v1/redoc": ("redoc.standalone.js", "redoc_init.js", "redoc", "Redoc.init"),
        }
        for path, (bundle, init, root_id, call) in viewers.items():
            tree = lxml_html.fromstring(self.page(path).content)
            self.assertEqual(
                tree.xpath("//script/@src"), ["%s/%s" % (LIB, bundle), "/face_attendance/static/api_docs/%s" % init]
            )
            # The page names the document its viewer loads: this API's own.
            self.assertEqual(tree.xpath("//*[@id=$id]/@data-openapi-url", id=root_id), ["/api/v1/openapi.json"])
            response = self.opener.get(self.base_url() + "/face_attendance/static/api_docs/" + init, timeout=60)
            self.assertEqual(response.status_code, 200)
            self.assertIn(call, response.text)
            self.assertIn("dataset.openapiUrl", response.text)
        # The pages link to each other and to the document.
        docs = lxml_html.fromstring(self.page("/api/v1/docs").content)
        self.assertTrue(docs.xpath("//a[@href='/api/v1/redoc']"))
        self.assertTrue(docs.xpath("//a[@href='/api/v1/openapi.json']"))
        self.assertEqual(docs.xpath("//link[@rel='stylesheet']/@href")[0], LIB + "/swagger-ui.css")
        reference = lxml_html.fromstring(self.page("/api/v1/redoc").content)
        self.assertTrue(reference.xpath("//a[@href='/api/v1/docs']"))
        self.assertTrue(reference.xpath("//a[@href='/api/v1/openapi.json']"))

    def test_the_viewers_files_are_the_installed_package_s(self):
        root = lib_root()
        self.assertTrue(root and os.path.isdir(root), "drf-spectacular-sidecar is not installed")
        signatures = {
            "swagger-ui-bundle.js": "SwaggerUIBundle",
            "swagger-ui.css": ".swagger-ui",
            "redoc.standalone.js": "Redoc",
        }
        self.assertEqual(set(signatures), set(LIB_FILES))
        for name, (relative, mimetype) in LIB_FILES.items():
            response = self.opener.get(self.base_url() + "%s/%s" % (LIB, name), timeout=60)
            self.assertEqual(response.status_code, 200, name)
            self.assertTrue(response.headers["Content-Type"].startswith(mimetype), name)
            self.assertNotIn("Set-Cookie", response.headers)
            with open(os.path.join(root, relative), "rb") as package_file:
                self.assertEqual(response.content, package_file.read(), name)
            self.assertIn(signatures[name], response.text)
            # Cached and revalidated: a second load with its ETag costs no body.
            again = self.opener.get(
                self.base_url() + "%s/%s" % (LIB, name), headers={"If-None-Match": response.headers["ETag"]}
            )
            self.assertEqual(again.status_code, 304, name)
        # Nothing else of the package, nor of the disk, is served from there.
        for name in (
            "redoc.standalone.js.map",
            "LICENSE",
            "__init__.py",
            "..",
            "%2e%2e%2fapps.py",
            "swagger-ui-bundle",
        ):
            response = self.opener.get(self.base_url() + "%s/%s" % (LIB, name), timeout=60)
            self.assertEqual(response.status_code, 404, name)
        response = self.opener.get(self.base_url() + LIB + "/../../../etc/passwd", timeout=60)
        self.assertNotIn("root:", response.text)

    def test_no_viewer_code_is_copied_into_the_addon(self):
        # The viewers come from the package the set-up installs, at its version: the addon holds only
        # the few lines that start them (a copied build would age unnoticed).
        static = os.path.dirname(file_path("face_attendance/static/api_docs/swagger_init.js"))
        addon = os.path.dirname(os.path.dirname(static))
        for _root, _dirs, files in os.walk(addon):
            self.assertFalse(
                [f for f in files if f in {"swagger-ui-bundle.js", "redoc.standalone.js", "swagger-ui.css"}]
            )
        for name in os.listdir(static):
            self.assertLess(os.path.getsize(os.path.join(static, name)), 4096, name)

    def test_settings_link_to_the_docs(self):
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('href="/api/v1/docs"', arch)
        self.assertIn('href="/api/v1/redoc"', arch)


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_tours")
class TestApiDocsTour(ApiCase):
    """The pages in Chromium: a key given to Swagger UI's Authorize, operations tried at /api/v1 and
    at a compatibility path's own server; ReDoc rendered with its styles under the page's policy."""

    def script(self, name):
        """The browser check ``name`` after the helpers it shares with the other (helpers.js)."""
        code = []
        for part in ("helpers.js", name):
            with open(file_path("face_attendance/static/tests/api_docs/%s" % part), encoding="utf-8") as script:
                code.append(script.read())
        return "\n".join(code)

    def test_try_an_operation_from_the_docs(self):
        self.env["hr.employee"].create({"name": "Docs Tour Person", "person_ref": "DOCS-TOUR-1"})
        _key, secret = self.env["face.api.key"]._generate("docs tour", self.env.ref("base.user_admin"), "person:read")
        # The key is typed into the page by the script, as its reader would paste it; no session.
        code = "const FA_KEY = %s;\n%s" % (json.dumps(secret), self.script("swagger_try_it_out.js"))
        self.browser_js("/api/v1/docs", code, timeout=180)

    def test_the_reference_renders(self):
        self.browser_js("/api/v1/redoc", self.script("redoc_reference.js"), timeout=120)
