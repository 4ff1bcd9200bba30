"""Commands Odoo queues for this daemon: Odoo cannot reach the site's cameras, the daemon can.

A dedicated thread asks Odoo every ``[sync] command_interval`` seconds (1 s by default) for the
daemon's queued commands (``face.daemon.daemon_commands_poll``: one short call, Odoo marks them
sent), runs each in its own thread, bounded by ``[sync] command_timeout``, and answers with
``face.daemon.daemon_command_result`` (idempotent: a retried answer is stored once).

Executors:
- test_connection: holds the camera's source to the daemon's configuration (capture.checked_source,
  as the pipeline does: a refused source is refused before anything is opened, so the answer never
  tells an open port from a closed one or a file that exists from one that does not), opens it with
  the pipeline's own opener (capture.open_capture), reads one frame: latency to that frame,
  resolution, the stream's frame rate and bitrate when it says. A camera the pipeline holds open
  (a webcam cannot be opened twice) is reported from the pipeline's own newest frame.
- snapshot: one JPEG frame (the pipeline's newest, else a fresh read) of a source the same rules
  allow, at most ``[sync] command_snapshot_max_bytes``.
- restart_camera: stops and starts that camera's pipeline.
- flush_outbox: makes every waiting event due now, wakes delivery, reports what is still pending.
- restart_daemon: answers first, then stops cleanly (cameras stopped, outbox flushed for up to 10 s)
  and re-executes itself in place (same PID and arguments: systemd, docker and a shell see the same
  process), or exits with code 75 (EX_TEMPFAIL) when ``[daemon] restart_mode = "exit"`` for a
  supervisor that restarts it (systemd ``Restart=always``, docker ``restart: unless-stopped``).
"""

import base64
import logging
import os
import sys
import threading
import time

import cv2

from .capture import CameraSource, SourceRefused, checked_source, open_capture, safe_source
from .engine import encode_jpeg
from .transport import PermanentError, TransportError

_logger = logging.getLogger(__name__)

RESTART_EXIT_CODE = 75  # EX_TEMPFAIL: "try again", restarted by systemd and docker
MAX_PARALLEL = 4
FRESH_FRAME_SECONDS = 5.0


class RememberingSource(CameraSource):
    """The pipeline's source, keeping its newest frame for snapshots (the analyser takes frames away)."""

    last_frame = None

    def _publish(self, frame, wait_until_taken):
        self.last_frame = frame
        super()._publish(frame, wait_until_taken)


def _fresh_frame(pipeline):
    source = getattr(pipeline, "source", None) if pipeline else None
    frame = getattr(source, "last_frame", None)
    if frame is None or source.stats.last_frame_at is None:
        return None
    # File cameras play at their own pace: their newest frame is fresh as long as they play.
    if time.time() - source.stats.last_frame_at > FRESH_FRAME_SECONDS and not source.is_file:
        return None
    if source.is_file and source.finished.is_set():
        return None
    return frame


def probe(camera, settings, opener=open_capture):
    """Open the camera's source if ``settings`` (CaptureSettings) allow it, read one frame:
    (result dict, image or None). Never raises."""
    source_type, source = camera.get("source_type"), camera.get("source")
    started = time.monotonic()
    capture = None
    try:
        try:
            allowed = checked_source(source_type, source, settings)
        except SourceRefused as refused:
            return {"success": False, "message": "Cannot open the %s" % refused, "refused": True}, None
        capture = opener(source_type, allowed)
        if capture is None or not capture.isOpened():
            return {"success": False, "message": "Cannot open %s source %s" % (source_type, safe_source(source))}, None
        ok, image = capture.read()
        latency_ms = round((time.monotonic() - started) * 1000.0, 1)
        if not ok or image is None:
            return {
                "success": False,
                "message": "The %s source %s opened but delivered no frame" % (source_type, safe_source(source)),
                "latencyMs": latency_ms,
            }, None
        height, width = image.shape[:2]
        fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
        bitrate = capture.get(cv2.CAP_PROP_BITRATE) if hasattr(cv2, "CAP_PROP_BITRATE") else 0.0
        result = {
            "success": True,
            "message": "Connection OK: %dx%d%s" % (width, height, " at %.4g fps" % fps if 0 < fps < 1000 else ""),
            "latencyMs": latency_ms,
            "resolution": "%dx%d" % (width, height),
            "width": int(width),
            "height": int(height),
            "frameRate": round(float(fps), 3) if 0 < fps < 1000 else None,
            # OpenCV's FFmpeg backend says kbit/s; the API speaks Mbit/s.
            "bitrate": round(float(bitrate) / 1000.0, 3) if bitrate and bitrate > 0 else None,
            "source": "probe",
        }
        return result, image
    except Exception as error:  # any camera trouble is the answer, not a crash of the daemon
        return {"success": False, "message": "Cannot read %s: %s" % (safe_source(source), str(error)[:300])}, None
    finally:
        if capture is not None:
            capture.release()


def jpeg_b64(image, max_bytes):
    """The frame as a JPEG under ``max_bytes``: full size first, then smaller and lower quality."""
    for max_side, quality in ((None, 90), (1920, 85), (1280, 80), (960, 75), (640, 70), (480, 60), (320, 50)):
        data = encode_jpeg(image, quality=quality, max_side=max_side)
        if len(data) <= max_bytes:
            return base64.b64encode(data).decode(), len(data)
    return None, 0


class CommandRunner:
    """Polls Odoo for this daemon's commands and runs them. ``daemon`` is the Daemon (its cameras,
    outbox and delivery); ``transport`` the Odoo transport."""

    def __init__(self, daemon, transport, daemon_id, settings, opener=open_capture, capture=None):
        self.daemon, self.transport, self.daemon_id = daemon, transport, daemon_id
        # The pipeline's own rules for sources ([capture] file_roots, allowed_networks).
        self.capture = capture if capture is not None else daemon.config.capture
        self.interval = settings.command_interval
        self.timeout = settings.command_timeout
        self.snapshot_max_bytes = settings.command_snapshot_max_bytes
        self.opener = opener
        self.handled = 0
        self.last_error = None
        self._slots = threading.BoundedSemaphore(MAX_PARALLEL)
        self._running = set()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ the loop
    def run(self, stop):
        failures = 0
        while not stop.is_set():
            try:
                for command in self.transport.commands(self.daemon_id) or []:
                    self.dispatch(command)
                failures = 0
                self.last_error = None
            except PermanentError as error:
                # Refused (rights, or an Odoo without the command queue): ask again much later.
                self.last_error = str(error)
                _logger.warning("Odoo refused the command poll", extra={"error": str(error)[:300]})
                failures = max(failures, 5)
            except TransportError as error:
                failures += 1
                self.last_error = str(error)
                if failures == 1:
                    _logger.warning("command poll failed", extra={"error": str(error)[:300]})
            except Exception:
                failures += 1
                _logger.exception("unexpected command poll error")
            # Down or refusing Odoo: back off to 30 s; the delivery breaker already logs outages.
            stop.wait(self.interval if not failures else min(30.0, self.interval * 2 ** min(failures, 5)))

    def dispatch(self, command):
        key = command.get("id")
        with self._lock:
            if key in self._running:
                return
            self._running.add(key)
        self._slots.acquire()
        thread = threading.Thread(target=self._handle, args=(command,), name="command-%s" % key, daemon=True)
        thread.start()

    def _handle(self, command):
        try:
            success, result, snapshot = self.execute(command)
            after = result.pop("_after", None)
            self.answer(command["id"], success, result, snapshot)
            self.handled += 1
            if after:
                after()
        finally:
            with self._lock:
                self._running.discard(command.get("id"))
            self._slots.release()

    def answer(self, command_id, success, result, snapshot=None, tries=5):
        for attempt in range(1, tries + 1):
            try:
                return self.transport.command_result(self.daemon_id, command_id, success, result, snapshot)
            except PermanentError as error:
                _logger.warning("Odoo refused a command answer", extra={"command_id": command_id, "error": str(error)})
                return None
            except TransportError as error:
                # Answering again is safe: Odoo stores an answer once.
                if attempt == tries:
                    _logger.warning("cannot answer a command", extra={"command_id": command_id, "error": str(error)})
                    return None
                time.sleep(min(5.0, 0.5 * 2**attempt))
        return None

    # ------------------------------------------------------------------ executors
    def execute(self, command):
        """(success, result, snapshot base64 or None) for one command; never raises."""
        kind = command.get("kind")
        handler = {
            "test_connection": self.test_connection,
            "snapshot": self.snapshot,
            "restart_camera": self.restart_camera,
            "restart_daemon": self.restart_daemon,
            "flush_outbox": self.flush_outbox,
        }.get(kind)
        if handler is None:
            return False, {"success": False, "message": "This daemon does not know the command %r" % kind}, None
        started = time.monotonic()
        box = {}

        def target():
            try:
                box["answer"] = handler(command)
            except Exception as error:  # the daemon answers any failure rather than dying on it
                _logger.exception("command failed", extra={"kind": kind})
                box["answer"] = (False, {"success": False, "message": str(error)[:300]}, None)

        worker = threading.Thread(target=target, name="run-%s" % kind, daemon=True)
        worker.start()
        worker.join(self.timeout)
        if "answer" not in box:
            # The opener may hang (an unreachable RTSP host): answer now, let the thread end on its own.
            return False, {"success": False, "message": "No answer from the camera within %gs" % self.timeout}, None
        success, result, snapshot = box["answer"]
        result.setdefault("durationMs", round((time.monotonic() - started) * 1000.0, 1))
        _logger.info("command done", extra={"command_id": command.get("id"), "kind": kind, "success": success})
        return success, result, snapshot

    def _camera(self, command):
        camera = command.get("camera") or {}
        if not camera.get("id"):
            raise ValueError("the command names no camera")
        return self.daemon.resolve_camera(camera)

    def test_connection(self, command):
        camera = self._camera(command)
        pipeline = self.daemon.pipelines.get(camera["id"])
        result, _image = probe(camera, self.capture, self.opener)
        if not result["success"] and not result.get("refused"):
            frame = _fresh_frame(pipeline)
            if frame is not None:
                # The pipeline holds the device (a webcam opens once): it is the proof the camera works.
                height, width = frame.image.shape[:2]
                stats = pipeline.source.stats
                result = {
                    "success": True,
                    "message": "Camera streaming (read by the daemon's pipeline)",
                    "latencyMs": round(stats.latency_ms, 1) or None,
                    "resolution": "%dx%d" % (width, height),
                    "width": int(width),
                    "height": int(height),
                    "frameRate": round(stats.fps, 3) or None,
                    "bitrate": None,
                    "source": "pipeline",
                }
        return result["success"], result, None

    def snapshot(self, command):
        camera = self._camera(command)
        try:
            # The pipeline's frame too: it ran under the same rules, but they may have changed since.
            checked_source(camera.get("source_type"), camera.get("source"), self.capture)
        except SourceRefused as refused:
            return False, {"success": False, "message": "Cannot open the %s" % refused, "refused": True}, None
        frame = _fresh_frame(self.daemon.pipelines.get(camera["id"]))
        if frame is not None:
            image, result = frame.image, {"source": "pipeline"}
        else:
            result, image = probe(camera, self.capture, self.opener)
            if image is None:
                return False, result, None
        data, size = jpeg_b64(image, self.snapshot_max_bytes)
        if data is None:
            return (
                False,
                {"success": False, "message": "The frame does not fit in %d bytes" % self.snapshot_max_bytes},
                None,
            )
        height, width = image.shape[:2]
        return (
            True,
            {
                "success": True,
                "message": "Snapshot %dx%d, %d bytes" % (width, height, size),
                "resolution": "%dx%d" % (width, height),
                "bytes": size,
                "source": result.get("source", "probe"),
            },
            data,
        )

    def restart_camera(self, command):
        camera_id = (command.get("camera") or {}).get("id") or command.get("camera_id")
        if not self.daemon.restart_camera(camera_id):
            return False, {"success": False, "message": "Camera %s is not running on this daemon" % camera_id}, None
        return True, {"success": True, "message": "Camera %s restarted" % camera_id}, None

    def flush_outbox(self, _command):
        outbox, delivery = self.daemon.outbox, self.daemon.delivery
        before = outbox.pending_count()
        outbox.retry_now()
        if delivery is not None:
            delivery.wake()
        # A moment for the delivery thread to send what it can; the answer says what is left.
        end = time.monotonic() + min(3.0, self.timeout / 2)
        while outbox.pending_count() and time.monotonic() < end:
            time.sleep(0.1)
        pending = outbox.pending_count()
        return (
            True,
            {
                "success": True,
                "message": "%d events were waiting, %d still are" % (before, pending),
                "pendingBefore": before,
                "pending": pending,
            },
            None,
        )

    def restart_daemon(self, _command):
        # The answer goes first: once the daemon stops, nobody would send it.
        return (
            True,
            {
                "success": True,
                "message": "Restarting (%s)" % self.daemon.config.daemon.restart_mode,
                "mode": self.daemon.config.daemon.restart_mode,
                "pid": os.getpid(),
                "_after": self.daemon.request_restart,
            },
            None,
        )


def reexec():
    """Replace this process with a fresh daemon: same interpreter, same arguments, same PID."""
    argv = [sys.executable, "-m", "face_attendance_daemon.cli", *sys.argv[1:]]
    _logger.info("daemon re-executing itself", extra={"argv": argv[1:]})
    for handler in logging.getLogger().handlers:
        handler.flush()
    os.execv(sys.executable, argv)  # nosec B606  # our own interpreter and arguments, no shell
