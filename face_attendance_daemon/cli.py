"""face-attendance-daemon run|check --config FILE (environment FA_<SECTION>_<KEY> overrides the file)."""

import argparse
import sys

from . import __version__


def _parser():
    parser = argparse.ArgumentParser(prog="face-attendance-daemon", description=__doc__)
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("run", "recognise faces on the cameras assigned in Odoo and send events"),
        ("check", "validate the configuration, connect to Odoo and list the cameras"),
    ):
        command = sub.add_parser(name, help=text)
        command.add_argument("-c", "--config", help="TOML configuration file (default: environment only)")
        if name == "run":
            command.add_argument("--check", action="store_true", help="same as the check command")
            command.add_argument(
                "--exit-when-files-end",
                action="store_true",
                help="stop once every video-file camera is analysed and delivered (tests, demos)",
            )
    return parser


def check(config, out=sys.stdout):
    """Returns 0 when the configuration works end to end, 1 otherwise, saying why."""
    from .camera_liveness import ENFORCE, camera_mode
    from .daemon import make_transport
    from .engine import EngineError, get_encoder
    from .engine.liveness import checker_status
    from .transport import TransportError

    transport = make_transport(config)
    print("configuration: ok (%s)" % (config.source_path or "environment only"), file=out)
    try:
        version = transport.version()
        # describe() after the first call: with protocol auto it then names the protocol chosen.
        print(
            "odoo: %s reachable (server %s) over %s"
            % (config.odoo.url, version.get("server_version"), transport.describe()),
            file=out,
        )
        remote = transport.register(config.daemon.name, "check", __version__, config.recognition.encoder or None)
    except TransportError as error:
        print("odoo: FAILED - %s" % error, file=out)
        return 1
    encoder_name = config.recognition.encoder or remote.get("encoder") or "sface"
    try:
        encoder = get_encoder(encoder_name)
    except EngineError as error:
        print("encoder %s: FAILED - %s" % (encoder_name, error), file=out)
        return 1
    try:
        gallery = transport.gallery(encoder.tag)
    except TransportError as error:
        print("gallery: FAILED - %s" % error, file=out)
        return 1
    print(
        "daemon: %r is daemon #%s in Odoo; encoder %s; %d template(s) to match"
        % (config.daemon.name, remote["daemon_id"], encoder.tag, len(gallery.get("templates", []))),
        file=out,
    )
    checker, reason = checker_status(config.recognition.liveness_models)
    if checker is not None:
        print(
            "liveness: models in %s loaded (threshold %s)"
            % (config.recognition.liveness_models, config.recognition.liveness_threshold),
            file=out,
        )
    else:
        print("liveness: unavailable - %s" % reason, file=out)
    cameras = remote.get("cameras", [])
    if not cameras:
        print("cameras: none assigned to this daemon in Odoo (Face Attendance -> Devices -> Cameras)", file=out)
    for camera in cameras:
        source = config.camera_sources.get(camera["id"], camera["source"])
        mode, problem = camera_mode(camera.get("liveness"))
        print(
            "camera #%s %s: %s %s, direction %s, liveness %s%s"
            % (
                camera["id"],
                camera["name"],
                camera["source_type"],
                source if "@" not in str(source) else "(credentials hidden)",
                camera["direction"],
                mode,
                " - " + problem if problem else "",
            ),
            file=out,
        )
        if mode == ENFORCE and checker is None:
            print("camera #%s: WARNING - liveness enforced but unavailable: no attendance" % camera["id"], file=out)
    return 0


def main(argv=None):
    args = _parser().parse_args(argv)
    from . import logs
    from .config import ConfigError, load

    try:
        config = load(args.config)
    except ConfigError as error:
        print(str(error), file=sys.stderr)
        return 2
    if args.command == "check" or getattr(args, "check", False):
        return check(config)
    logs.setup(config.daemon.log_level)
    from .daemon import run
    from .transport import PermanentError

    try:
        return run(config, exit_when_files_end=args.exit_when_files_end)
    except PermanentError as error:
        print("Odoo refused the daemon: %s" % error, file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
