"""Frames from one camera: a reader thread per source that always holds the newest frame.

Live sources (webcam, RTSP, HTTP/MJPEG) are read as fast as they deliver and only the newest frame
is kept, so a slow analysis never builds a backlog and one camera never waits for another. Video
files play at their own speed (or, with ``file_realtime`` off, hand over every frame in turn).

Sources come from Odoo, where a manager types them: before anything is opened, ``checked_source``
holds each one to what this daemon's own configuration allows (``[capture] file_roots`` and
``allowed_networks``), so that a camera record cannot read the daemon host's files or probe its
network.
"""

import ipaddress
import logging
import os
import re
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass

import cv2

from .breaker import backoff_delay

_logger = logging.getLogger(__name__)


@dataclass
class Frame:
    image: object
    captured_at: float  # time.time() of the sighting (files: start time + position in the video)
    index: int


class CameraStats:
    def __init__(self):
        self.frames_read = 0
        self.frames_analysed = 0
        self.frames_dropped = 0
        self.errors = 0
        self.reconnects = 0
        self.last_error = ""
        self.last_frame_at = None
        self.fps = 0.0  # analysed frames per second, smoothed
        self.latency_ms = 0.0  # capture to decision, smoothed
        self._last_analysed = None

    def analysed(self, frame, now=None):
        now = time.time() if now is None else now
        self.frames_analysed += 1
        if self._last_analysed is not None and now > self._last_analysed:
            self.fps = (
                0.8 * self.fps + 0.2 * (1.0 / (now - self._last_analysed))
                if self.fps
                else 1.0 / (now - self._last_analysed)
            )
        self._last_analysed = now
        self.latency_ms = 0.8 * self.latency_ms + 0.2 * max(0.0, (now - frame.captured_at) * 1000.0)

    def as_dict(self):
        return {
            "frames_read": self.frames_read,
            "frames_analysed": self.frames_analysed,
            "frames_dropped": self.frames_dropped,
            "errors": self.errors,
            "reconnects": self.reconnects,
            "last_error": self.last_error,
            "last_frame_at": self.last_frame_at,
            "fps": round(self.fps, 2),
            "latency_ms": round(self.latency_ms, 1),
        }


REFUSED = "refused by the daemon's configuration"
SCHEMES = {"rtsp": ("rtsp", "rtsps"), "http": ("http", "https")}
DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322, "http": 80, "https": 443}
# A URL scheme ("file:", "concat:", "pipe:"...) or an image-sequence or glob pattern ("%03d", "*.png")
# would make FFmpeg or OpenCV read something other than the one file named.
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_PATTERN = re.compile(r"[%*?\[]")
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


class SourceRefused(OSError):
    """The daemon's configuration does not let it open this source. The message is the same whether
    the host or file exists or not: a refusal must not tell what is there."""


def _refuse(source_type, source, rule):
    return SourceRefused("%s source %s %s (%s)" % (source_type, safe_source(source), REFUSED, rule))


def safe_source(source):
    # Stream URLs can carry credentials: never show them.
    source = str(source)
    if "@" in source and "://" in source:
        scheme, rest = source.split("://", 1)
        return "%s://***@%s" % (scheme, rest.split("@", 1)[1])
    return source


def _under(path, root):
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _checked_file(source, settings):
    source = str(source)
    rule = "[capture] file_roots"
    if not source or _URL_SCHEME.match(source) or _PATTERN.search(source) or "\x00" in source:
        raise _refuse("file", source, rule)
    # Real paths on both sides: a symbolic link under a root that points elsewhere is elsewhere.
    path = os.path.realpath(source)
    roots = [os.path.realpath(root) for root in settings.file_roots]
    if (
        not any(_under(path, root) for root in roots)
        or _PATTERN.search(path)
        or (os.path.exists(path) and not os.path.isfile(path))
    ):
        raise _refuse("file", source, rule)
    return path  # the resolved path, so that a link swapped after the check changes nothing


def _allowed_address(address, networks):
    address = ipaddress.ip_address(address.split("%", 1)[0])  # fe80::1%eth0: the zone is no part of it
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    if any(address in network for network in networks):
        return True
    # Loopback, link-local, private, shared, reserved and multicast addresses reach the daemon's
    # own host and site: only the networks the configuration lists.
    return address.is_global and not address.is_multicast


def _checked_stream(source_type, source, settings):
    source = str(source)
    rule = "[capture] allowed_networks"
    try:
        url = urllib.parse.urlsplit(source)
        host, port = url.hostname, url.port
    except ValueError:
        raise _refuse(source_type, source, rule) from None
    if url.scheme.lower() not in SCHEMES[source_type] or not host or _UNSAFE.search(source):
        raise _refuse(source_type, source, rule)
    # Where the host is must not depend on who reads the URL: http://8.8.8.8#@127.0.0.1/ is 8.8.8.8
    # to Python and 127.0.0.1 to a reader that takes the last "@" as the end of the credentials. A
    # fragment means nothing to a stream, and credentials carry "/", "?" and "#" percent-encoded.
    rest = source.split("://", 1)[-1]
    if "#" in source or ("@" in rest and any(mark in rest.rsplit("@", 1)[0] for mark in "/?#")):
        raise _refuse(source_type, source, rule)
    networks = [ipaddress.ip_network(text, strict=False) for text in settings.allowed_networks]
    try:
        # Every address the name has: a public name may resolve to 127.0.0.1.
        addresses = {
            info[4][0]
            for info in socket.getaddrinfo(host, port or DEFAULT_PORTS[url.scheme.lower()], proto=socket.IPPROTO_TCP)
        }
    except (OSError, UnicodeError):
        # Unresolvable answers as refused: no oracle of which internal names exist.
        raise _refuse(source_type, source, rule) from None
    if not addresses or not all(_allowed_address(address, networks) for address in addresses):
        raise _refuse(source_type, source, rule)
    return source


def checked_source(source_type, source, settings):
    """What to open for this source, or SourceRefused when ``settings`` (CaptureSettings) do not allow it."""
    if source_type == "webcam":
        text = str(source).strip()
        if not (text.isascii() and text.isdigit() and int(text) < 1024):
            raise _refuse(source_type, source, "a webcam source is a device index")
        return text
    if source_type == "file":
        return _checked_file(source, settings)
    if source_type in SCHEMES:
        return _checked_stream(source_type, source, settings)
    raise _refuse(source_type, source, "this daemon reads webcam, rtsp, http and file sources")


def open_capture(source_type, source):
    """Opens a source that ``checked_source`` allowed (and returned)."""
    if source_type == "webcam":
        return cv2.VideoCapture(int(source))
    if source_type in ("rtsp", "http"):
        capture = cv2.VideoCapture(source, cv2.CAP_FFMPEG)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        return capture
    # FFmpeg by name: other backends read a file name as an image sequence or a GStreamer pipeline.
    return cv2.VideoCapture(source, cv2.CAP_FFMPEG)


class CameraSource:
    """Reads one camera in its own thread; ``latest()`` / ``next_frame()`` hand frames to the analyser."""

    def __init__(self, camera_id, source_type, source, settings, opener=open_capture):
        self.camera_id, self.source_type, self.source = camera_id, source_type, source
        self.settings = settings
        self.opener = opener
        self.stats = CameraStats()
        self.finished = threading.Event()  # a video file played to its end (and does not loop)
        self._frame = None
        self._condition = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="capture-%s" % camera_id, daemon=True)

    @property
    def is_file(self):
        return self.source_type == "file"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        with self._condition:
            self._condition.notify_all()
        self._thread.join(timeout=5)

    def next_frame(self, timeout=1.0):
        """The newest frame not handed out yet, or None after ``timeout``."""
        with self._condition:
            if self._frame is None:
                self._condition.wait(timeout)
            frame, self._frame = self._frame, None
            self._condition.notify_all()  # a file reader waiting for the frame to be taken goes on
        return frame

    def _publish(self, frame, wait_until_taken):
        with self._condition:
            if wait_until_taken:
                while self._frame is not None and not self._stop.is_set():
                    self._condition.wait(0.5)
            elif self._frame is not None:
                self.stats.frames_dropped += 1  # stale: replaced by a newer one before analysis
            self._frame = frame
            self._condition.notify_all()

    def _run(self):
        attempt = 0
        while not self._stop.is_set():
            capture = None
            try:
                capture = self.opener(self.source_type, checked_source(self.source_type, self.source, self.settings))
                if capture is None or not capture.isOpened():
                    raise OSError("cannot open %s source %s" % (self.source_type, safe_source(self.source)))
                attempt = 0
                self._read_loop(capture)
                if self.is_file:
                    if not self.settings.file_loop:
                        self.finished.set()
                        return
                    continue  # played to the end: start again (finally releases it first)
            except Exception as error:  # a camera's trouble must stay with that camera
                self.stats.errors += 1
                self.stats.last_error = str(error)[:300]
                _logger.warning("camera error", extra={"camera_id": self.camera_id, "error": str(error)[:300]})
            finally:
                if capture is not None:
                    capture.release()
            if self._stop.is_set():
                return
            attempt += 1
            self.stats.reconnects += 1
            self._stop.wait(
                backoff_delay(attempt, self.settings.reconnect_base, self.settings.reconnect_max)
                + self.settings.reconnect_base / 2
            )

    def _read_loop(self, capture):
        started = self.settings.file_epoch or time.time()
        fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
        realtime_file = self.is_file and self.settings.file_realtime
        index = 0
        while not self._stop.is_set():
            ok, image = capture.read()
            if not ok or image is None:
                if self.is_file:
                    return  # end of the video
                raise OSError("the stream stopped delivering frames")
            index += 1
            self.stats.frames_read += 1
            if self.is_file:
                position = capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0 or (index / fps if fps else 0.0)
                captured_at = started + position
                if realtime_file:
                    delay = captured_at - time.time()
                    if delay > 0:
                        self._stop.wait(delay)
            else:
                captured_at = time.time()
            self.stats.last_frame_at = captured_at
            self._publish(Frame(image, captured_at, index), wait_until_taken=self.is_file and not realtime_file)
