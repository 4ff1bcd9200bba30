import base64
import contextlib
import itertools
import json
import os
from datetime import datetime
from unittest.mock import patch

from odoo.tests.common import HttpCase, TransactionCase, new_test_user

try:
    # Odoo 19: the test thread holds a lock that a request's test cursor waits for; url_open
    # releases it, a raw connection must do the same. 18 has no such lock.
    from odoo.tests.common import release_test_lock  # noqa: F401  # for the tests that import it from here
except ImportError:
    from contextlib import nullcontext as release_test_lock  # noqa: F401

_counter = itertools.count(1)


def faces_dir():
    """The shared LFW photos: FA_FACES_DIR, else ../shared/data/faces beside the project."""
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.normpath(os.path.join(here, "..", "..", "..", "shared", "data", "faces"))
    path = os.environ.get("FA_FACES_DIR") or default
    if not os.path.isdir(os.path.join(path, "known")):
        raise RuntimeError("Face photos not found at %s (set FA_FACES_DIR)" % path)
    return path


def face_photo(person, number):
    with open(os.path.join(faces_dir(), "known", person, "%s_%04d.jpg" % (person, number)), "rb") as handle:
        return handle.read()


def stranger_photo(name):
    with open(os.path.join(faces_dir(), "unknown", "%s_0001.jpg" % name), "rb") as handle:
        return handle.read()


@contextlib.contextmanager
def fake_camera(video_path):
    """Chromium's fake camera playing ``video_path`` (y4m) for the browsers started in this block."""
    from odoo.tests.common import ChromeBrowser

    original = ChromeBrowser._spawn_chrome

    def spawn(browser, cmd):
        flags = [
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            "--use-file-for-fake-video-capture=%s" % video_path,
        ]
        return original(browser, cmd[:-1] + flags + cmd[-1:])

    with patch.object(ChromeBrowser, "_spawn_chrome", spawn):
        yield


def face_b64(person, number):
    return base64.b64encode(face_photo(person, number))


class FaceAttendanceCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        # A non-UTC zone whose day boundary is not UTC's: Brussels is UTC+1 in winter.
        cls.employee = cls.env["hr.employee"].create(
            {"name": "Ada Test", "person_ref": "EMP-ADA", "tz": "Europe/Brussels"}
        )
        cls.employee.resource_calendar_id.tz = "Europe/Brussels"
        cls.other = cls.env["hr.employee"].create(
            {"name": "Bob Test", "person_ref": "EMP-BOB", "tz": "Europe/Brussels"}
        )
        cls.device_user = new_test_user(
            cls.env, login="fa_device", groups="face_attendance.group_face_attendance_device"
        )
        # A device sends events only for the cameras of the daemons assigned to it.
        cls.daemon = cls.env["face.daemon"].create({"name": "test-daemon", "user_id": cls.device_user.id})
        Camera = cls.env["face.camera"].with_context(default_daemon_id=cls.daemon.id)
        cls.cam_entry = Camera.create(
            {"name": "Entry", "source_type": "file", "source": "/dev/null", "direction": "entry"}
        )
        cls.cam_exit = Camera.create(
            {"name": "Exit", "source_type": "file", "source": "/dev/null", "direction": "exit"}
        )
        cls.cam_both = Camera.create(
            {"name": "Hall", "source_type": "file", "source": "/dev/null", "direction": "both"}
        )
        cls.config = cls.env["face.attendance.config"]

    def event(self, camera, when, employee=None, uid=None, **extra):
        vals = {
            "event_id": uid or "ev-%d" % next(_counter),
            "camera_id": camera.id,
            "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(when, datetime) else when,
        }
        if employee is not None:
            vals["employee_id"] = employee.id
        vals.update(extra)
        return vals

    def ingest(self, *events):
        return self.env["face.recognition.event"].with_user(self.device_user).ingest_events(list(events))

    def attendances(self, employee=None):
        return self.env["hr.attendance"].search(
            [("employee_id", "=", (employee or self.employee).id)], order="check_in"
        )

    def spans(self, employee=None):
        return [(a.check_in, a.check_out or None) for a in self.attendances(employee)]


class ApiCase(HttpCase):
    """Calls the REST API over real HTTP with a manager's key."""

    @classmethod
    def setUpClass(cls):
        # Once per class, not per test: each test runs in a savepoint rolled back after it, so what
        # a test does to the user or the keys (revoke, expire, rate limit) never reaches the next.
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, login="fa_api_manager", groups="base.group_user,face_attendance.group_face_attendance_manager"
        )
        Key = cls.env["face.api.key"]
        _key, cls.secret = Key._generate("integration", cls.manager, "*")
        cls.reader_key, cls.reader_secret = Key._generate("reader", cls.manager, "person:read")

    def api(
        self,
        method,
        path,
        body=None,
        key=None,
        bearer=False,
        raw=None,
        headers=None,
        files=None,
        expect_json=True,
        prefix="/api/v1",
    ):
        """One request over HTTP; ``prefix=""`` for the compatibility routes served at the root."""
        hdrs = dict(headers or {})
        secret = self.secret if key is None else key
        if secret:
            hdrs["Authorization" if bearer else "X-API-Key"] = ("Bearer %s" % secret) if bearer else secret
        data = raw
        if body is not None:
            data = json.dumps(body)
            hdrs["Content-Type"] = "application/json"
        response = self.opener.request(
            method, self.base_url() + prefix + path, data=data, headers=hdrs, files=files, timeout=60
        )
        if not expect_json:
            return response, None
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json", response.text[:200])
        return response, response.json()

    def assertDetail(self, response, payload, status, code=None):
        """An error of the compatibility routes, in FastAPI's shape: {"detail", "code", "requestId"}."""
        self.assertEqual(response.status_code, status, payload)
        self.assertIsInstance(payload["detail"], str)
        self.assertTrue(payload["detail"], payload)
        self.assertTrue(payload["requestId"], "every error names its request: %s" % payload)
        self.assertNotIn("success", payload)
        if code:
            self.assertEqual(payload["code"], code, payload)

    def assertError(self, response, payload, status, code):
        self.assertEqual(response.status_code, status, payload)
        self.assertFalse(payload["success"])
        self.assertEqual(payload["error"]["code"], code)
        self.assertTrue(payload["error"]["message"])
        self.assertTrue(payload["requestId"])


SIGN_IN_PASSWORD = "Sign-in-Pass-42"  # nosec B105  # a test user's password


class SignInCase(ApiCase):
    """Sign-in over real HTTP with users whose password is known; Odoo's own per-address login
    failures (kept in the registry) start and end empty."""

    def setUp(self):
        super().setUp()
        self._clear_failures()
        self.addCleanup(self._clear_failures)

    def _clear_failures(self):
        failures = getattr(self.registry, "_login_failures", None)
        if failures is not None:
            failures.clear()

    def _user(self, login, group):
        return new_test_user(self.env, login=login, groups="base.group_user,%s" % group, password=SIGN_IN_PASSWORD)

    def login(self, login, password=SIGN_IN_PASSWORD):
        return self.api("POST", "/auth/login", {"username": login, "password": password}, key="")

    def signed_in(self, login, password=SIGN_IN_PASSWORD):
        response, payload = self.login(login, password)
        self.assertEqual(response.status_code, 200, payload)
        return payload["data"]
