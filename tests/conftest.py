import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


# Tests that start or use an Odoo server need one of these fixtures; the others (engine, daemon
# stages, configuration) need no Odoo and run once, not once per Odoo version (scripts/test.sh).
ODOO_FIXTURES = {"odoo_template", "odoo_servers", "prefork_server"}


def pytest_configure(config):
    config.addinivalue_line("markers", "odoo: needs a real Odoo server (run for every Odoo version)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if ODOO_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.odoo)


@pytest.fixture(scope="session")
def faces_dir():
    path = os.environ.get("FA_FACES_DIR") or os.path.join(ROOT, "..", "shared", "data", "faces")
    if not os.path.isdir(os.path.join(path, "known")):
        pytest.fail("face photos not found at %s (set FA_FACES_DIR)" % path)
    return os.path.normpath(path)


@pytest.fixture(scope="session")
def photo(faces_dir):
    def load(person, number):
        with open(os.path.join(faces_dir, "known", person, "%s_%04d.jpg" % (person, number)), "rb") as handle:
            return handle.read()

    return load


@pytest.fixture(scope="session")
def odoo_template():
    """A database with the addon installed: the test command's (FA_TEMPLATE_DB) or one made here."""
    from odoo_server import ARTIFACTS, drop_database, install_template

    given = os.environ.get("FA_TEMPLATE_DB")
    if given:
        yield given
        return
    name = "fa_pytest_tpl_%d" % os.getpid()
    os.makedirs(ARTIFACTS, exist_ok=True)
    install_template(name, os.path.join(ARTIFACTS, "odoo-template.log"))
    yield name
    drop_database(name)


@pytest.fixture(scope="session")
def odoo_servers(odoo_template):
    """Starts Odoo servers on copies of the template; each name gets its own database and port."""
    from odoo_server import OdooServer, clone_database, drop_database

    servers = {}
    base_port = int(os.environ.get("FA_E2E_PORT", "8269"))

    def start(name):
        if name not in servers:
            db = "fa_e2e_%s_%d" % (name, os.getpid())
            clone_database(odoo_template, db)
            servers[name] = OdooServer(db, base_port + len(servers)).start()
        return servers[name]

    yield start
    for server in servers.values():
        server.stop()
        drop_database(server.db)


@pytest.fixture()
def prefork_server(odoo_template):
    """An Odoo server with two worker processes (as the run command serves it) on a copy of the
    template, for what must hold across workers (counts kept in PostgreSQL, not per process)."""
    from odoo_server import OdooServer, clone_database, drop_database

    db = "fa_e2e_prefork_%d" % os.getpid()
    clone_database(odoo_template, db)
    server = OdooServer(db, int(os.environ.get("FA_E2E_PORT", "8269")) + 20, workers=2).start()
    yield server
    server.stop()
    drop_database(db)
