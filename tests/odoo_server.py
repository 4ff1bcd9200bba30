"""A real Odoo server for the tests that cross process boundaries (REST clients, fuzzing, daemon).

Databases are copied from a template that already has the addon installed (``createdb -T``, a
file copy in PostgreSQL), so each test server starts from the same clean state in seconds.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import xmlrpc.client

import psycopg2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ODOO_SRC = os.environ.get("ODOO_SRC", "/opt/odoo-src")
ARTIFACTS = os.path.join(ROOT, "test-artifacts")
# A prefork server's gevent process listens this far above its HTTP port.
GEVENT_OFFSET = 1000
DATA_DIR = os.path.join(os.path.expanduser("~"), ".local", "share", "Odoo")
PG = {
    "host": os.environ.get("PGHOST", "127.0.0.1"),
    "port": os.environ.get("PGPORT", "5432"),
    "user": os.environ.get("FA_DB_USER", "face_attendance"),
    "password": os.environ.get("FA_DB_PASSWORD", "face_attendance"),
}


def odoo_command(*args, addons_root=ROOT):
    """``addons_root``: the folder holding face_attendance (a benchmark's baseline is another one)."""
    return [
        sys.executable,
        os.path.join(ODOO_SRC, "odoo-bin"),
        "--addons-path=%s,%s,%s"
        % (os.path.join(ODOO_SRC, "odoo", "addons"), os.path.join(ODOO_SRC, "addons"), addons_root),
        "--db_host=%s" % PG["host"],
        "--db_port=%s" % PG["port"],
        "--db_user=%s" % PG["user"],
        "--db_password=%s" % PG["password"],
        "--data-dir=%s" % DATA_DIR,
        *args,
    ]


def server_env(addons_root=ROOT):
    """The environment of an Odoo process serving the addon in ``addons_root``: a benchmark's baseline
    folder also holds the daemon package of its commit, which its addon must import, not ours."""
    env = dict(os.environ)
    if os.path.realpath(addons_root) != os.path.realpath(ROOT) and os.path.isdir(
        os.path.join(addons_root, "face_attendance_daemon")
    ):
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [addons_root, env.get("PYTHONPATH")]))
    return env


def _connect(dbname="postgres"):
    connection = psycopg2.connect(dbname=dbname, **PG)
    connection.autocommit = True
    return connection


def _execute(*statements):
    connection = _connect()
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(*statement)
    finally:
        connection.close()


def drop_database(name):
    _execute(
        ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]),
        ('DROP DATABASE IF EXISTS "%s"' % name,),
    )
    shutil.rmtree(os.path.join(DATA_DIR, "filestore", name), ignore_errors=True)


def install_template(name, log_path, addons_root=ROOT):
    """A database with face_attendance installed, made once per test session when none is given."""
    drop_database(name)
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    with open(log_path, "ab") as log:
        subprocess.run(
            odoo_command(
                "-d",
                name,
                "-i",
                "face_attendance",
                "--stop-after-init",
                "--no-http",
                "--log-level=warn",
                addons_root=addons_root,
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=server_env(addons_root),
            check=True,
        )


def clone_database(template, name):
    drop_database(name)
    _execute(('CREATE DATABASE "%s" TEMPLATE "%s"' % (name, template),))
    source = os.path.join(DATA_DIR, "filestore", template)
    if os.path.isdir(source):
        shutil.copytree(source, os.path.join(DATA_DIR, "filestore", name))


class OdooServer:
    """``odoo-bin`` serving one database on 127.0.0.1, started and stopped by the tests."""

    def __init__(self, db, port, workers=0, addons_root=ROOT, extra_args=(), name=None):
        """``extra_args``: more odoo-bin options (a replica, cron threads); ``name``: the log's name when
        several servers serve one database (nodes)."""
        self.db, self.port, self.workers, self.addons_root = db, port, workers, addons_root
        self.extra_args = tuple(extra_args)
        self.url = "http://127.0.0.1:%d" % port
        self.log_path = os.path.join(ARTIFACTS, "odoo-server-%s.log" % (name or db))
        self.process = None

    def _gevent_port(self):
        """Prefork servers run a gevent process, on 8072 unless told: two servers at once (a
        benchmark's baseline and current) would fight for it, the loser restarting it in a loop."""
        if self.workers and not any(arg.startswith("--gevent-port") for arg in self.extra_args):
            return ("--gevent-port=%d" % (self.port + GEVENT_OFFSET),)
        return ()

    def start(self, timeout=120):
        os.makedirs(ARTIFACTS, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            # As the run command serves: -d alone exposes that one database (a --db-filter would
            # make Odoo list PostgreSQL's databases on every request that has no session).
            odoo_command(
                "-d",
                self.db,
                "--no-database-list",
                "--http-interface=127.0.0.1",
                "--http-port=%d" % self.port,
                "--workers=%d" % self.workers,
                "--max-cron-threads=0",
                "--log-level=info",
                "--limit-time-real=600",
                "--limit-time-cpu=600",
                *self._gevent_port(),
                *self.extra_args,
                addons_root=self.addons_root,
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=server_env(self.addons_root),
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("Odoo exited with %s; see %s" % (self.process.returncode, self.log_path))
            try:
                with urllib.request.urlopen(self.url + "/api/v1/health", timeout=5) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError("Odoo did not answer on %s within %d s; see %s" % (self.url, timeout, self.log_path))

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def rpc(self, model, method, *args, login="admin", password="admin", **kwargs):
        common = xmlrpc.client.ServerProxy(self.url + "/xmlrpc/2/common", allow_none=True)
        user_id = common.authenticate(self.db, login, password, {})
        if not user_id:
            raise RuntimeError("cannot log in to %s as %s" % (self.db, login))
        models = xmlrpc.client.ServerProxy(self.url + "/xmlrpc/2/object", allow_none=True)
        return models.execute_kw(self.db, user_id, password, model, method, list(args), kwargs)

    def create_user(self, name, login, password, group_xmlids):
        """A user in the given groups (by XML id), whatever the Odoo version calls users' groups."""
        groups = [self.rpc("ir.model.data", "check_object_reference", *xmlid.split("."))[1] for xmlid in group_xmlids]
        field = (
            "group_ids" if "group_ids" in self.rpc("res.users", "fields_get", [], attributes=["type"]) else "groups_id"
        )
        return self.rpc(
            "res.users", "create", {"name": name, "login": login, "password": password, field: [(6, 0, groups)]}
        )

    def shell(self, script):
        """Runs ``script`` in ``odoo-bin shell`` on this server's database (the ORM's own code paths)."""
        command = odoo_command("-d", self.db, "--no-http", "--log-level=warn", addons_root=self.addons_root)
        command.insert(2, "shell")  # odoo-bin's sub-command comes first
        run = subprocess.run(
            command, input=script, capture_output=True, text=True, timeout=300, env=server_env(self.addons_root)
        )
        if run.returncode:
            raise RuntimeError("odoo-bin shell failed: %s" % run.stderr[-2000:])
        return run.stdout

    def create_user_api_keys(self, login, *names):
        """Odoo API keys (res.users.apikeys) of user ``login``, as its Preferences make them: no
        scope, so valid for JSON-2 and, as the password, for XML-RPC. On Odoo 18 and 19."""
        output = self.shell(
            (
                "user = env['res.users'].search([('login', '=', %r)])\n"
                "for name in %r:\n"
                "    print('KEY', name, env['res.users.apikeys'].with_user(user).sudo()._generate(None, name, None))\n"
                "env.cr.commit()\n"
            )
            % (login, list(names))
        )
        keys = dict(line.split()[1:] for line in output.splitlines() if line.startswith("KEY "))
        if set(keys) != set(names):
            raise RuntimeError("API keys were not created: %s" % output[-2000:])
        return keys

    def revoke_user_api_key(self, login, name):
        self.shell(
            (
                "env['res.users.apikeys'].search([('user_id.login', '=', %r), ('name', '=', %r)])._remove()\n"
                "env.cr.commit()\n"
            )
            % (login, name)
        )

    def create_api_key(self, name, scopes="*", login="admin", rate_limit=None):
        """Through the documented command line (scripts/create_api_key.sh), which prints 'Key: ...'."""
        env = dict(os.environ, FA_DB=self.db)
        output = subprocess.run(
            [os.path.join(ROOT, "scripts", "create_api_key.sh"), name, login, scopes],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        lines = [line for line in output.stdout.splitlines() if line.startswith("Key: ")]
        if output.returncode or not lines:
            raise RuntimeError("create_api_key.sh failed: %s %s" % (output.stdout, output.stderr))
        secret = lines[0][len("Key: ") :].strip()
        if rate_limit is not None:
            key_ids = self.rpc("face.api.key", "search", [("name", "=", name)])
            self.rpc("face.api.key", "write", key_ids, {"rate_limit_per_minute": rate_limit})
        return secret
