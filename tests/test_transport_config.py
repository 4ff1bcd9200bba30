"""[odoo] protocol, api_key and the transport they make; no Odoo needed (the live half is in
test_transport_json2.py). The key must never come back in a message, a repr or a description."""

import os
import socket
import subprocess
import sys

import pytest

from face_attendance_daemon.config import ConfigError, load
from face_attendance_daemon.daemon import make_transport
from face_attendance_daemon.transport import AutoTransport, Json2Transport, XmlRpcTransport

KEY = "0123456789abcdef0123456789abcdef01234567"
OTHER_KEY = "fedcba9876543210fedcba9876543210fedcba98"


def write(tmp_path, odoo_lines):
    path = tmp_path / "daemon.toml"
    path.write_text("[odoo]\n" + "".join("%s\n" % line for line in odoo_lines))
    return str(path)


def problems(path, environ=None):
    with pytest.raises(ConfigError) as caught:
        load(path, environ=environ or {})
    return caught.value.problems


def test_auto_is_the_default_and_the_key_comes_from_the_file_or_the_environment(tmp_path):
    path = write(tmp_path, ['db = "d"', 'api_key = "%s"' % KEY])
    config = load(path, environ={})
    assert config.odoo.protocol == "auto" and config.odoo.api_key == KEY
    assert isinstance(make_transport(config), AutoTransport)
    # The environment wins over the file, but an empty variable (compose's ${VAR} when unset)
    # does not erase the file's key.
    assert load(path, environ={"FA_ODOO_API_KEY": OTHER_KEY}).odoo.api_key == OTHER_KEY
    assert load(path, environ={"FA_ODOO_API_KEY": ""}).odoo.api_key == KEY
    empty = write(tmp_path, ['db = "d"', 'api_key = ""'])
    assert load(empty, environ={"FA_ODOO_API_KEY": KEY + "\n"}).odoo.api_key == KEY


def test_each_protocol_says_what_it_lacks_all_at_once(tmp_path):
    text = " | ".join(problems(write(tmp_path, ['protocol = "json2"', 'url = "ftp://x"'])))
    assert "url must start with http" in text
    assert "protocol json2 needs api_key (or FA_ODOO_API_KEY)" in text
    # JSON-2 takes the database from the server when none is named: db is not required there.
    assert "db is required" not in text

    text = " | ".join(problems(write(tmp_path, ['protocol = "xmlrpc"'])))
    for expected in ("db is required", "login is required for XML-RPC", "password is required for XML-RPC"):
        assert expected in text

    text = " | ".join(problems(write(tmp_path, ['db = "d"', 'login = "daemon"'])))
    assert "api_key (or FA_ODOO_API_KEY) is required" in text

    assert problems(write(tmp_path, ['protocol = "grpc"', 'db = "d"'])) == [
        "[odoo] protocol must be one of auto, json2, xmlrpc (got 'grpc')"
    ]


def test_a_malformed_key_is_refused_without_being_quoted(tmp_path):
    secret = "my-login-password-not-a-key"
    found = problems(write(tmp_path, ['db = "d"', 'protocol = "json2"', 'api_key = "%s"' % secret]))
    assert any("api_key is not an Odoo API key (40 hexadecimal characters" in p for p in found)
    assert not any(secret in p for p in found)


def test_make_transport_follows_the_protocol(tmp_path):
    json2 = load(
        write(tmp_path, ['protocol = "JSON2"', 'url = "https://odoo.example.com/"', 'api_key = "%s"' % KEY]), environ={}
    )
    transport = make_transport(json2)
    assert json2.odoo.protocol == "json2" and isinstance(transport, Json2Transport)
    assert transport.url == "https://odoo.example.com" and transport.db == ""

    xmlrpc = load(
        write(tmp_path, ['protocol = "xmlrpc"', 'db = "d"', 'login = "daemon"']), environ={"FA_ODOO_API_KEY": KEY}
    )
    transport = make_transport(xmlrpc)
    # Odoo takes an API key wherever XML-RPC wants a password.
    assert isinstance(transport, XmlRpcTransport) and transport._password == KEY

    legacy = load(write(tmp_path, ['db = "d"', 'login = "daemon"', 'password = "secret-pw"']), environ={})
    assert legacy.odoo.protocol == "auto" and isinstance(make_transport(legacy), AutoTransport)


def test_secrets_stay_out_of_reprs_descriptions_and_errors(tmp_path):
    config = load(
        write(tmp_path, ['db = "d"', 'login = "daemon"', 'password = "secret-pw"', 'api_key = "%s"' % KEY]), environ={}
    )
    assert KEY not in repr(config) and "secret-pw" not in repr(config)
    for protocol in ("auto", "json2", "xmlrpc"):
        config.odoo.protocol = protocol
        transport = make_transport(config)
        for text in (transport.describe(), repr(transport), str(vars(config.odoo).get("url"))):
            assert KEY not in text and "secret-pw" not in text


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_check_command_reports_an_unreachable_odoo_without_the_key(tmp_path):
    path = write(tmp_path, ['url = "http://127.0.0.1:%d"' % free_port(), 'protocol = "json2"', "timeout = 5"])
    run = subprocess.run(
        [sys.executable, "-m", "face_attendance_daemon.cli", "check", "-c", path],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, FA_ODOO_API_KEY=KEY),
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "odoo: FAILED - cannot reach Odoo at http://127.0.0.1:" in run.stdout
    assert KEY not in run.stdout + run.stderr
