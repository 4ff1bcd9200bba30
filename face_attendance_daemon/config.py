"""The daemon's configuration: one TOML file plus FA_* environment overrides, checked up front.

Every mistake is reported with the key it concerns and what is expected, all at once, so that an
operator fixes a config file in one go.
"""

import ipaddress
import os
import re
import socket
from dataclasses import dataclass, field, fields

import tomllib

from .engine import ENCODERS
from .engine.liveness import DEFAULT_THRESHOLD as LIVENESS_THRESHOLD
from .engine.liveness import ENV_MODEL_DIR as LIVENESS_ENV


class ConfigError(Exception):
    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("invalid configuration:\n" + "\n".join("  - %s" % p for p in self.problems))


PROTOCOLS = ("auto", "json2", "xmlrpc")


@dataclass
class OdooSettings:
    url: str = "http://127.0.0.1:8069"
    # Other Odoo nodes serving the same database, tried in turn when the current one cannot be reached.
    failover_urls: list = field(default_factory=list)
    db: str = ""
    # auto: JSON-2 on Odoo 19+ (needs api_key), XML-RPC on 18 (needs login and password or api_key).
    protocol: str = "auto"
    login: str = ""
    # Secrets stay out of repr(): a config printed in a traceback or a log must not leak them.
    password: str = field(default="", repr=False)  # XML-RPC: a password or an API key of the device user
    api_key: str = field(default="", repr=False)  # an Odoo API key of the device user (JSON-2, and XML-RPC)
    timeout: float = 30.0

    @property
    def urls(self):
        """Every node, url first; each once."""
        return list(dict.fromkeys(u.rstrip("/") for u in [self.url, *self.failover_urls]))


@dataclass
class DaemonSettings:
    name: str = field(default_factory=socket.gethostname)
    state_dir: str = "/var/lib/face-attendance"
    log_level: str = "INFO"
    health_host: str = "127.0.0.1"
    health_port: int = 8765  # 0 turns the health endpoint off
    # restart_daemon command: "exec" re-executes the daemon in place (same PID), "exit" ends it with
    # code 75 for a supervisor that starts it again (systemd Restart=always, docker restart policy).
    restart_mode: str = "exec"


@dataclass
class RecognitionSettings:
    encoder: str = ""  # empty: the one Odoo says (Settings -> encoder)
    threshold: float = 0.0  # 0: Odoo's match threshold, or the encoder's default
    min_face_size: int = 40
    vote_window: int = 5  # M: the last M frames of a track
    vote_min: int = 3  # N: agreeing frames needed among them
    max_track_age: float = 1.5  # seconds a track survives without a detection
    process_fps: float = 8.0  # frames per second analysed per camera (0: every frame)
    snapshots: bool = True
    snapshot_max_bytes: int = 60_000
    person_detection: bool = False
    person_model: str = ""  # YOLO model file (.pt with ultralytics, or .onnx)
    person_confidence: float = 0.4
    # Used by cameras whose liveness (set in Odoo) is flag or enforce. Empty: $FA_LIVENESS_MODELS;
    # unset or without its files, liveness is unavailable (never live).
    liveness_models: str = ""
    liveness_threshold: float = LIVENESS_THRESHOLD


@dataclass
class CaptureSettings:
    reconnect_base: float = 1.0
    reconnect_max: float = 60.0
    file_realtime: bool = True  # video files play at their own speed; false: every frame, as fast as analysed
    file_loop: bool = False  # play video files again when they end (demo)
    # Sighting times in a video file are this Unix time plus the position in the video (0: when
    # the file is opened). Fixed, a replayed file yields the very same events (same ids).
    file_epoch: float = 0.0
    stale_after: float = 2.0  # a frame older than this is not analysed
    # Camera sources are typed in Odoo; the daemon opens only what its own host allows.
    # file sources: only files under these directories (real paths); none: file sources are refused.
    file_roots: list = field(default_factory=list)
    # rtsp/http sources: public addresses, and addresses in these networks (CIDR, e.g. "192.168.1.0/24"
    # for the cameras' subnet, "127.0.0.1/32" for a local restreamer). Loopback, link-local and private
    # addresses not listed are refused.
    allowed_networks: list = field(default_factory=list)


@dataclass
class DeliverySettings:
    batch_size: int = 50
    interval: float = 1.0  # seconds between delivery rounds when idle
    retry_base: float = 1.0
    retry_max: float = 300.0
    breaker_failures: int = 5
    breaker_reset: float = 30.0
    outbox_max_mb: float = 500.0
    keep_sent_hours: float = 24.0


@dataclass
class SyncSettings:
    gallery_interval: float = 30.0
    heartbeat_interval: float = 30.0
    config_interval: float = 60.0
    # Odoo's command queue (test connection, snapshot, restarts, flush): asked every this many seconds.
    command_interval: float = 1.0
    command_timeout: float = 15.0  # a command (opening a camera) answers failure past this
    command_snapshot_max_bytes: int = 1_500_000


@dataclass
class Config:
    odoo: OdooSettings = field(default_factory=OdooSettings)
    daemon: DaemonSettings = field(default_factory=DaemonSettings)
    recognition: RecognitionSettings = field(default_factory=RecognitionSettings)
    capture: CaptureSettings = field(default_factory=CaptureSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    sync: SyncSettings = field(default_factory=SyncSettings)
    # Cameras normally come from Odoo (those assigned to this daemon); local entries override
    # a camera's source by id, e.g. to point it at a device path that only this host knows.
    camera_sources: dict = field(default_factory=dict)
    source_path: str = ""

    @property
    def outbox_path(self):
        return os.path.join(self.daemon.state_dir, "outbox.sqlite3")


_SECRETS = {"odoo": ("password", "api_key")}
_API_KEY = re.compile(r"[0-9a-f]{40}")
SECTIONS = {
    "odoo": OdooSettings,
    "daemon": DaemonSettings,
    "recognition": RecognitionSettings,
    "capture": CaptureSettings,
    "delivery": DeliverySettings,
    "sync": SyncSettings,
}


def _coerce(value, kind, where, problems):  # noqa: C901  # one branch per type
    if kind is list:
        # From TOML a list of strings; from the environment one string, comma-separated.
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return value
        problems.append("%s: expected a list of strings, got %r" % (where, value))
        return None
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if kind is int and isinstance(value, float) and not value.is_integer():
            raise ValueError
        if kind in (int, float) and isinstance(value, bool):
            raise ValueError
        return kind(value)
    except (TypeError, ValueError):
        problems.append("%s: expected %s, got %r" % (where, kind.__name__, value))
        return None


def load(path=None, environ=None):  # noqa: C901  # one branch per source and type of a setting
    """Read ``path`` (TOML), apply ``FA_<SECTION>_<KEY>`` environment overrides, validate."""
    environ = os.environ if environ is None else environ
    problems = []
    raw = {}
    if path:
        try:
            with open(path, "rb") as handle:
                raw = tomllib.load(handle)
        except FileNotFoundError:
            raise ConfigError(["config file %s does not exist" % path]) from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(["config file %s is not valid TOML: %s" % (path, error)]) from None
    config = Config(source_path=os.path.abspath(path) if path else "")
    for name in raw:
        if name not in SECTIONS and name != "cameras":
            problems.append("unknown section [%s] (known: %s, cameras)" % (name, ", ".join(SECTIONS)))
    for section, kind in SECTIONS.items():
        target = getattr(config, section)
        given = raw.get(section, {})
        if not isinstance(given, dict):
            problems.append("[%s] must be a table" % section)
            given = {}
        known = {f.name: f for f in fields(kind)}
        for key, value in given.items():
            if key not in known:
                problems.append("[%s] unknown key %r (known: %s)" % (section, key, ", ".join(known)))
                continue
            value = _coerce(value, type(getattr(target, key)), "[%s] %s" % (section, key), problems)
            if value is not None:
                setattr(target, key, value)
        for key in known:
            env_name = "FA_%s_%s" % (section.upper(), key.upper())
            # An empty secret in the environment (compose's ${FA_ODOO_API_KEY} when unset) must not
            # erase the one in the file.
            if key in _SECRETS.get(section, ()) and not environ.get(env_name):
                continue
            if env_name in environ:
                value = _coerce(environ[env_name], type(getattr(target, key)), env_name, problems)
                if value is not None:
                    setattr(target, key, value)
    config.recognition.liveness_models = (
        config.recognition.liveness_models.strip() or environ.get(LIVENESS_ENV, "").strip()
    )
    cameras = raw.get("cameras", [])
    if not isinstance(cameras, list):
        problems.append("[[cameras]] must be an array of tables")
        cameras = []
    for index, camera in enumerate(cameras):
        if not isinstance(camera, dict) or not isinstance(camera.get("id"), int) or not camera.get("source"):
            problems.append("[[cameras]] entry %d needs an integer id (Odoo's camera id) and a source" % (index + 1))
            continue
        config.camera_sources[camera["id"]] = str(camera["source"])
    problems += validate(config)
    if problems:
        raise ConfigError(problems)
    return config


def validate(config):  # noqa: C901  # one check per setting, each with its message
    problems = []
    odoo = config.odoo
    if not odoo.url.startswith(("http://", "https://")):
        problems.append("[odoo] url must start with http:// or https:// (got %r)" % odoo.url)
    for url in odoo.failover_urls:
        if not url.startswith(("http://", "https://")):
            problems.append("[odoo] failover_urls: %r does not start with http:// or https://" % url)
    problems += _odoo_credentials(odoo)
    if odoo.timeout <= 0:
        problems.append("[odoo] timeout must be positive")
    if not config.daemon.name.strip():
        problems.append("[daemon] name cannot be empty")
    if config.daemon.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        problems.append("[daemon] log_level must be DEBUG, INFO, WARNING or ERROR")
    if not 0 <= config.daemon.health_port <= 65535:
        problems.append("[daemon] health_port must be between 0 and 65535")
    rec = config.recognition
    if rec.encoder and rec.encoder not in ENCODERS:
        problems.append("[recognition] encoder must be one of %s (got %r)" % (", ".join(ENCODERS), rec.encoder))
    if not 0 <= rec.threshold <= 2:
        problems.append("[recognition] threshold is a distance between 0 and 2")
    if rec.vote_window < 1 or not 1 <= rec.vote_min <= rec.vote_window:
        problems.append("[recognition] needs 1 <= vote_min <= vote_window")
    if rec.min_face_size < 8:
        problems.append("[recognition] min_face_size must be at least 8 pixels")
    if rec.process_fps < 0:
        problems.append("[recognition] process_fps cannot be negative")
    if rec.person_detection:
        if not rec.person_model:
            problems.append("[recognition] person_detection needs person_model (a YOLO .pt or .onnx file)")
        elif not os.path.isfile(rec.person_model):
            problems.append("[recognition] person_model %s does not exist" % rec.person_model)
    if not 0 < rec.liveness_threshold < 1:
        problems.append("[recognition] liveness_threshold must be between 0 and 1, both excluded (default 0.5)")
    if rec.liveness_models and not os.path.isdir(rec.liveness_models):
        problems.append(
            "[recognition] liveness_models (or %s): directory %s does not exist; it should hold "
            "minifasnet_v2.onnx and minifasnet_v1se.onnx (empty: no liveness, and cameras in enforce mode "
            "make no attendance)" % (LIVENESS_ENV, rec.liveness_models)
        )
    delivery = config.delivery
    if delivery.batch_size < 1 or delivery.batch_size > 1000:
        problems.append("[delivery] batch_size must be between 1 and 1000")
    if delivery.retry_base <= 0 or delivery.retry_max < delivery.retry_base:
        problems.append("[delivery] needs 0 < retry_base <= retry_max")
    if delivery.breaker_failures < 1:
        problems.append("[delivery] breaker_failures must be at least 1")
    if delivery.outbox_max_mb <= 0:
        problems.append("[delivery] outbox_max_mb must be positive")
    for key in ("gallery_interval", "heartbeat_interval", "config_interval"):
        if getattr(config.sync, key) <= 0:
            problems.append("[sync] %s must be positive" % key)
    if not 0.2 <= config.sync.command_interval <= 60:
        problems.append("[sync] command_interval must be between 0.2 and 60 seconds")
    if not 1 <= config.sync.command_timeout <= 120:
        problems.append("[sync] command_timeout must be between 1 and 120 seconds")
    if not 10_000 <= config.sync.command_snapshot_max_bytes <= 4_000_000:
        problems.append("[sync] command_snapshot_max_bytes must be between 10000 and 4000000")
    problems += _capture_rules(config.capture)
    config.daemon.restart_mode = config.daemon.restart_mode.strip().lower()
    if config.daemon.restart_mode not in ("exec", "exit"):
        problems.append('[daemon] restart_mode must be "exec" or "exit"')
    return problems


def _capture_rules(capture):
    problems = []
    for root in capture.file_roots:
        if not os.path.isabs(root) or not os.path.isdir(root):
            problems.append("[capture] file_roots: %r is not an absolute path to a directory" % root)
    for network in capture.allowed_networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            problems.append('[capture] allowed_networks: %r is not a network (e.g. "192.168.1.0/24")' % network)
    return problems


def _odoo_credentials(odoo):
    """What each protocol needs. The secrets are never quoted back: the messages reach logs."""
    problems = []
    odoo.protocol = odoo.protocol.strip().lower()
    odoo.api_key = odoo.api_key.strip()
    if odoo.protocol not in PROTOCOLS:
        return ["[odoo] protocol must be one of %s (got %r)" % (", ".join(PROTOCOLS), odoo.protocol)]
    # JSON-2 finds the database from the X-Odoo-Database header, or the server's only/filtered one.
    if not odoo.db and odoo.protocol != "json2":
        problems.append("[odoo] db is required (or FA_ODOO_DB)")
    if odoo.api_key and not _API_KEY.fullmatch(odoo.api_key):
        problems.append(
            "[odoo] api_key is not an Odoo API key (40 hexadecimal characters, made in Odoo: "
            "the device user's Preferences -> Account Security -> New API Key)"
        )
    if odoo.protocol == "json2" and not odoo.api_key:
        problems.append("[odoo] protocol json2 needs api_key (or FA_ODOO_API_KEY): an Odoo API key of the device user")
    if odoo.protocol == "xmlrpc":
        if not odoo.login:
            problems.append("[odoo] login is required for XML-RPC (or FA_ODOO_LOGIN)")
        if not (odoo.password or odoo.api_key):
            problems.append("[odoo] password is required for XML-RPC (or FA_ODOO_PASSWORD; an API key works too)")
    if odoo.protocol == "auto" and not odoo.api_key and not (odoo.login and odoo.password):
        problems.append(
            "[odoo] api_key (or FA_ODOO_API_KEY) is required: an Odoo API key of the device user "
            "(JSON-2 on Odoo 19+); on Odoo 18, login with api_key or password works too"
        )
    return problems
