"""Password guesses are counted the same through every door (the API's sign-in, XML-RPC's
authenticate and execute_kw), in PostgreSQL, across Odoo's worker processes; a daemon's API key
still authenticates a login an attacker locked."""

import xmlrpc.client

import requests

PASSWORD = "Door-Pass-42"  # nosec B105  # a test user's password
LIMIT = 3

SETUP = (
    """
env["ir.config_parameter"].set_param("face_attendance.sign_in_failures_per_login", "%d")
env["ir.config_parameter"].set_param("face_attendance.sign_in_failures_per_address", "1000")
env["ir.config_parameter"].set_param("base.login_cooldown_after", "1000")
env.cr.commit()
"""
    % LIMIT
)


def test_every_door_counts_the_same_guesses(prefork_server):
    server = prefork_server
    groups = ["base.group_user", "face_attendance.group_face_attendance_manager"]
    target = server.create_user("Door Target", "door-target", PASSWORD, groups)
    server.create_user("Door Attacker", "door-attacker", PASSWORD, groups)
    key = server.create_user_api_keys("door-target", "daemon")["daemon"]
    server.shell(SETUP)
    common = xmlrpc.client.ServerProxy(server.url + "/xmlrpc/2/common", allow_none=True)
    models = xmlrpc.client.ServerProxy(server.url + "/xmlrpc/2/object", allow_none=True)

    def api_login(login, password):
        return requests.post(
            server.url + "/api/v1/auth/login", json={"username": login, "password": password}, timeout=60
        )

    # Guesses through XML-RPC's two doors and the API's, each followed by the attacker's own success.
    assert common.authenticate(server.db, "door-target", "guess-1", {}) is False
    assert common.authenticate(server.db, "door-attacker", PASSWORD, {})
    try:
        models.execute_kw(server.db, target, "guess-2", "res.users", "read", [[target]], {"fields": ["login"]})
        raise AssertionError("a wrong password was taken")
    except xmlrpc.client.Fault as fault:
        assert "Access Denied" in fault.faultString or "AccessDenied" in fault.faultString, fault.faultString
    assert api_login("door-attacker", PASSWORD).status_code == 200
    assert api_login("door-target", "guess-3").status_code == 401
    # Three guesses, three doors: the right password now waits on every one of them.
    assert common.authenticate(server.db, "door-target", PASSWORD, {}) is False
    answer = api_login("door-target", PASSWORD)
    assert answer.status_code == 429 and answer.headers["Retry-After"], answer.text
    # The login's device authenticates with its Odoo API key all the same, and clears nothing.
    assert common.authenticate(server.db, "door-target", key, {}) == target
    assert models.execute_kw(server.db, target, key, "res.users", "read", [[target]], {"fields": ["login"]})
    assert common.authenticate(server.db, "door-target", PASSWORD, {}) is False
    # Another login from the same address is not locked.
    assert common.authenticate(server.db, "door-attacker", PASSWORD, {})
