"""The daemon: wires cameras, the gallery, the outbox and Odoo together, and stops cleanly."""

import logging
import os
import signal
import socket
import threading
import time

from . import __version__
from .commands import RESTART_EXIT_CODE, CommandRunner, RememberingSource, reexec
from .decide import iso_utc
from .delivery import Delivery
from .engine import get_encoder
from .engine.liveness import checker_status
from .gallery_sync import GallerySync
from .health import HealthServer
from .outbox import Outbox
from .pipeline import CameraPipeline
from .transport import (
    AutoTransport,
    FailoverTransport,
    Json2Transport,
    PermanentError,
    TransportError,
    XmlRpcTransport,
)

_logger = logging.getLogger("face_attendance_daemon")


def make_transport(config):
    """The transport [odoo] protocol names; "auto" asks the server at the first call (json2/xmlrpc).
    With failover_urls, one per node, the next one taking over when a node cannot be reached."""
    odoo = config.odoo
    nodes = [_node_transport(odoo, url) for url in odoo.urls]
    return nodes[0] if len(nodes) == 1 else FailoverTransport(nodes)


def _node_transport(odoo, url):
    if odoo.protocol == "json2":
        return Json2Transport(url, odoo.db, odoo.api_key, odoo.timeout)
    if odoo.protocol == "xmlrpc":
        # Odoo accepts an API key wherever XML-RPC takes a password.
        return XmlRpcTransport(url, odoo.db, odoo.login, odoo.password or odoo.api_key, odoo.timeout)
    return AutoTransport(url, odoo.db, odoo.login, odoo.password, odoo.api_key, odoo.timeout)


class Daemon:
    def __init__(self, config, transport=None):
        self.config = config
        self.transport = transport or make_transport(config)
        self.stop_event = threading.Event()
        self.started = time.time()
        self.outbox = Outbox(config.outbox_path, int(config.delivery.outbox_max_mb * 1024 * 1024))
        self.pipelines = {}
        self.remote = None
        self.encoder = None
        self.gallery_sync = None
        self.delivery = None
        self.health = None
        self.person_detector = None
        self.commands = None
        self.restart_requested = False
        # The sync thread (new configuration) and the command thread (restart a camera) both
        # start and stop pipelines.
        self._pipelines_lock = threading.RLock()
        self._threads = []

    # ------------------------------------------------------------------ start-up
    def connect(self):
        """Register with Odoo until it answers: a daemon that starts before Odoo waits for it."""
        attempt = 0
        while not self.stop_event.is_set():
            try:
                remote = self.transport.register(
                    self.config.daemon.name, socket.gethostname(), __version__, self.config.recognition.encoder or None
                )
                return remote
            except PermanentError:
                raise
            except TransportError as error:
                attempt += 1
                delay = min(30.0, 2 ** min(attempt, 5))
                _logger.warning("cannot register with Odoo; retrying", extra={"error": str(error), "retry_in": delay})
                self.stop_event.wait(delay)
        return None

    def start(self):
        remote = self.connect()
        if remote is None:
            return False
        self.remote = remote
        encoder_name = self.config.recognition.encoder or remote.get("encoder") or "sface"
        self.encoder = get_encoder(encoder_name)
        self.gallery_sync = GallerySync(self.transport, self.encoder)
        self.gallery_sync.sync()
        if self.config.recognition.person_detection:
            from .person_detect import PersonDetector

            self.person_detector = PersonDetector(
                self.config.recognition.person_model, self.config.recognition.person_confidence
            )
        self.delivery = Delivery(self.outbox, self.transport, remote["daemon_id"], self.config.delivery)
        _logger.info(
            "daemon started",
            extra={
                "daemon_id": remote["daemon_id"],
                "encoder": self.encoder.tag,
                "templates": len(self.gallery_sync.gallery),
                "cameras": [c["id"] for c in remote.get("cameras", [])],
                "outbox_pending": self.outbox.pending_count(),
                "transport": self.transport.describe(),
            },
        )
        self._apply_cameras(remote.get("cameras", []))
        self.commands = CommandRunner(self, self.transport, remote["daemon_id"], self.config.sync)
        for name, target in (
            ("delivery", lambda: self.delivery.run(self.stop_event)),
            ("sync", self._sync_loop),
            ("commands", lambda: self.commands.run(self.stop_event)),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        if self.config.daemon.health_port:
            self.health = HealthServer(
                self.config.daemon.health_host, self.config.daemon.health_port, self.status
            ).start()
        return True

    def resolve_camera(self, camera):
        """Odoo's camera with this host's view of its source: a local override by id, a relative
        video file found beside the config file."""
        camera = dict(camera)
        if camera["id"] in self.config.camera_sources:
            camera["source"] = self.config.camera_sources[camera["id"]]
        if camera.get("source_type") == "file" and not os.path.isabs(camera["source"]) and self.config.source_path:
            local = os.path.join(os.path.dirname(self.config.source_path), camera["source"])
            if os.path.exists(local):
                camera["source"] = local
        return camera

    def _apply_cameras(self, cameras):
        with self._pipelines_lock:
            self._apply_cameras_locked(cameras)

    def restart_camera(self, camera_id):
        """Stop and start one camera's pipeline (the restart_camera command); False if it is not running."""
        with self._pipelines_lock:
            running = self.pipelines.pop(camera_id, None)
            if running is None:
                return False
            running.stop()
            _logger.info("camera restarting", extra={"camera_id": camera_id})
            self._apply_cameras_locked([running.camera] + [p.camera for p in self.pipelines.values()], resolved=True)
            return True

    def _apply_cameras_locked(self, cameras, resolved=False):
        wanted = {}
        for camera in cameras:
            camera = dict(camera) if resolved else self.resolve_camera(camera)
            wanted[camera["id"]] = camera
        for camera_id in list(self.pipelines):
            running = self.pipelines[camera_id]
            if camera_id not in wanted or running.camera != wanted[camera_id]:
                running.stop()
                del self.pipelines[camera_id]
                _logger.info("camera stopped", extra={"camera_id": camera_id})
        for camera_id, camera in wanted.items():
            if camera_id in self.pipelines:
                continue
            source = RememberingSource(camera_id, camera["source_type"], camera["source"], self.config.capture)
            self.pipelines[camera_id] = CameraPipeline(
                camera,
                source,
                self.encoder,
                self.gallery_sync,
                self.outbox,
                self.delivery.wake,
                self.config.recognition,
                self.config.daemon.name,
                self.remote.get("match_threshold"),
                self.person_detector,
            ).start()
            _logger.info(
                "camera started",
                extra={
                    "camera_id": camera_id,
                    "camera_name": camera.get("name"),
                    "direction": camera.get("direction"),
                    "liveness": self.pipelines[camera_id].liveness.mode,
                },
            )

    # ------------------------------------------------------------------ periodic work
    def _sync_loop(self):
        sync = self.config.sync
        next_gallery = next_heartbeat = time.monotonic()
        next_config = time.monotonic() + sync.config_interval
        while not self.stop_event.is_set():
            now = time.monotonic()
            try:
                if now >= next_heartbeat:
                    next_heartbeat = now + sync.heartbeat_interval
                    self.heartbeat()
                if now >= next_gallery:
                    next_gallery = now + sync.gallery_interval
                    self.gallery_sync.sync()
                if now >= next_config:
                    next_config = now + sync.config_interval
                    self.remote = self.transport.register(
                        self.config.daemon.name, socket.gethostname(), __version__, self.encoder.tag
                    )
                    self._apply_cameras(self.remote.get("cameras", []))
                self.outbox.prune_sent(self.config.delivery.keep_sent_hours * 3600)
            except TransportError as error:
                _logger.warning("sync with Odoo failed", extra={"error": str(error)})
            except Exception:
                _logger.exception("unexpected sync error")
            self.stop_event.wait(1.0)

    def heartbeat(self):
        cameras = []
        for camera_id, pipeline in self.pipelines.items():
            stats = pipeline.source.stats
            cameras.append(
                {
                    "camera_id": camera_id,
                    "fps": round(stats.fps, 2),
                    "error_count": stats.errors,
                    "last_error": stats.last_error or "",
                    "last_frame_at": iso_utc(stats.last_frame_at) if stats.last_frame_at else None,
                }
            )
        status = self.status()
        status.pop("cameras")
        self.transport.heartbeat(self.remote["daemon_id"], status, cameras)

    def status(self):
        outbox = self.outbox.stats()
        cameras = [
            dict(
                pipeline.source.stats.as_dict(),
                camera_id=camera_id,
                events=pipeline.events,
                name=pipeline.camera.get("name"),
                direction=pipeline.camera.get("direction"),
                liveness=pipeline.liveness.mode,
                **({"liveness_problem": pipeline.liveness.problem} if pipeline.liveness.problem else {}),
            )
            for camera_id, pipeline in self.pipelines.items()
        ]
        breaker = self.delivery.breaker.state if self.delivery else "closed"
        rec = self.config.recognition
        checker, reason = checker_status(rec.liveness_models)
        # A camera asked to check liveness that cannot is not working as configured.
        liveness_missing = checker is None and any(p.liveness.active for p in self.pipelines.values())
        degraded = breaker != "closed" or any(c["errors"] and not c["fps"] for c in cameras) or liveness_missing
        return {
            "status": "degraded" if degraded else "ok",
            "version": __version__,
            "uptime_seconds": int(time.time() - self.started),
            "encoder": self.encoder.tag if self.encoder else None,
            "gallery": {
                "templates": len(self.gallery_sync.gallery) if self.gallery_sync else 0,
                "negatives": self.gallery_sync.negatives if self.gallery_sync else 0,
                "lookalikes": self.gallery_sync.lookalikes if self.gallery_sync else 0,
            },
            "outbox": outbox,
            "delivery": {
                "delivered": self.delivery.delivered if self.delivery else 0,
                "breaker": breaker,
                "last_error": self.delivery.last_error if self.delivery else None,
            },
            "liveness": {
                "available": checker is not None,
                "reason": reason,
                "models": rec.liveness_models,
                "threshold": rec.liveness_threshold,
            },
            "commands": {
                "handled": self.commands.handled if self.commands else 0,
                "last_error": self.commands.last_error if self.commands else None,
                "interval": self.config.sync.command_interval,
            },
            "cameras": cameras,
        }

    # ------------------------------------------------------------------ stopping
    def request_stop(self, *_args):
        self.stop_event.set()

    def request_restart(self):
        """The restart_daemon command: stop cleanly, then start again (see commands.py)."""
        _logger.info("restart requested by Odoo", extra={"mode": self.config.daemon.restart_mode})
        self.restart_requested = True
        self.stop_event.set()

    def files_done(self):
        return bool(self.pipelines) and all(p.source.is_file and p.done for p in self.pipelines.values())

    def shutdown(self, flush_seconds=10.0):
        """Stop the cameras, deliver what can be delivered in ``flush_seconds``, close the outbox."""
        self.stop_event.set()
        with self._pipelines_lock:
            for pipeline in self.pipelines.values():
                pipeline.stop()
        for thread in self._threads:
            thread.join(timeout=10)
        if self.delivery:
            self.delivery.flush(flush_seconds)
        if self.health:
            self.health.stop()
        pending = self.outbox.pending_count()
        self.outbox.close()
        _logger.info("daemon stopped", extra={"outbox_pending": pending})


def run(config, exit_when_files_end=False):
    daemon = Daemon(config)
    signal.signal(signal.SIGTERM, daemon.request_stop)
    signal.signal(signal.SIGINT, daemon.request_stop)
    try:
        if not daemon.start():
            return 0
        while not daemon.stop_event.wait(0.5):
            if exit_when_files_end and daemon.files_done() and daemon.outbox.pending_count() == 0:
                _logger.info("every video file analysed and delivered")
                break
    finally:
        daemon.shutdown()
    if daemon.restart_requested:
        if config.daemon.restart_mode == "exec":
            reexec()  # does not return
        return RESTART_EXIT_CODE
    return 0
