"""The browser tours' base: screenshots of the screens, and Odoo's bus pushed in tests."""

import base64
import contextlib
import os
import shutil
import tempfile
from unittest.mock import patch

from odoo.tests import HttpCase
from odoo.tests.common import ChromeBrowser

from odoo.addons.bus.models.bus import channel_with_db, dispatch, hashable
from odoo.addons.bus.websocket import WebsocketConnectionHandler

SCREENSHOTS = os.environ.get("FA_SCREENSHOTS_DIR") or os.path.normpath(
    os.path.join(os.path.dirname(__file__), "..", "..", "test-artifacts", "screenshots")
)


class FaceTourCase(HttpCase):
    """Base of the browser tours: each tour saves screenshots to FA_SCREENSHOTS_DIR, and
    ``pushed_bus()`` delivers Odoo's bus notifications although the test cursor never commits."""

    # The laptop the issue names: each screen must be usable at this size (Odoo's default is 1366x768).
    browser_size = "1280x800"

    def setUp(self):
        super().setUp()
        os.makedirs(SCREENSHOTS, exist_ok=True)
        self.env["face.attendance.config"].set("auto_mark", True)
        self.saved = []

    def start_tour_with_screenshots(self, url, tour, login="admin"):
        """A tour step logging "fa-screenshot:<name>" saves <name>.png of the page at that moment."""
        original = ChromeBrowser._handle_console
        saved = self.saved

        def handle_console(browser, type, args=None, stackTrace=None, **kw):  # noqa: A002 (Chrome's name)
            value = args and isinstance(args[0], dict) and args[0].get("value")
            if isinstance(value, str) and value.startswith("fa-screenshot:"):
                name = value.split(":", 1)[1].strip()

                def write(future):
                    try:
                        data = base64.b64decode(future.result(timeout=0)["data"])
                    except Exception:  # a missed screenshot must not fail the tour
                        return
                    with open(os.path.join(SCREENSHOTS, "%s.png" % name), "wb") as handle:
                        handle.write(data)
                    saved.append(name)

                browser._websocket_send("Page.captureScreenshot", with_future=True).add_done_callback(write)
                return None
            return original(browser, type, args=args, stackTrace=stackTrace, **kw)

        with patch.object(ChromeBrowser, "_handle_console", handle_console):
            self.start_tour(url, tour, login=login, timeout=180)

    @contextlib.contextmanager
    def pushed_bus(self):
        bus_class = type(self.env["bus.bus"])  # ImBus in 18, BusBus in 19
        original = bus_class._sendone

        def sendone(bus, target, notification_type, message):
            # The test cursor never commits, so the NOTIFY that wakes the websockets after a real
            # commit never happens: do here what it would do.
            original(bus, target, notification_type, message)
            bus.env.cr.precommit.run()
            for websocket in dispatch._channels_to_ws.get(hashable(channel_with_db(bus.env.cr.dbname, target)), []):
                websocket.trigger_notification_dispatching()

        # Odoo refuses websockets while tests run unless told otherwise (as its own bus tests do).
        with (
            patch.object(bus_class, "_sendone", sendone),
            patch.object(WebsocketConnectionHandler, "websocket_allowed", return_value=True),
        ):
            yield

    def tmp_dir(self):
        path = tempfile.mkdtemp(prefix="fa_tour_")
        self.addCleanup(lambda: shutil.rmtree(path, ignore_errors=True))
        return path
