"""A key's rate limit holds across Odoo's worker processes (prefork), not per process."""

import re
import time
from concurrent.futures import ThreadPoolExecutor

import requests

LIMIT = 7
REQUESTS = 24


def test_rate_limit_is_shared_by_worker_processes(prefork_server):
    server = prefork_server
    secret = server.create_api_key("prefork limit", "person:read", rate_limit=LIMIT)

    def call(_index):
        # A new connection each time, sent concurrently, so that both workers take some.
        answer = requests.get(
            server.url + "/api/v1/persons", headers={"X-API-Key": secret, "Connection": "close"}, timeout=60
        )
        return answer.status_code

    # The limit counts per minute: keep the burst inside one minute.
    while time.time() % 60 > 45:
        time.sleep(0.5)
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(call, range(REQUESTS)))
    assert statuses.count(200) == LIMIT, statuses
    assert statuses.count(429) == REQUESTS - LIMIT, statuses
    with open(server.log_path, encoding="utf-8", errors="replace") as handle:
        pids = {
            match.group(1)
            for line in handle
            if "GET /api/v1/persons" in line and (match := re.match(r"\S+ \S+ (\d+) ", line))
        }
    assert len(pids) >= 2, "all requests were served by one process: %s" % pids
    # Each worker recorded the key's last use on its own committed connection: no request of the
    # burst met a serialization failure over it, and the use is visible.
    with open(server.log_path, encoding="utf-8", errors="replace") as handle:
        log = handle.read()
    assert "could not serialize access" not in log
    key = server.rpc("face.api.key", "search_read", [("name", "=", "prefork limit")], ["last_used_at", "last_used_ip"])
    assert key[0]["last_used_at"] and key[0]["last_used_ip"] == "127.0.0.1", key


def test_key_changes_reach_every_worker_at_once(prefork_server):
    # Workers keep what authentication needs of a key in memory: a revocation or a narrower
    # scope must still hold from the next request on, whichever worker serves it.
    server = prefork_server
    secret = server.create_api_key("prefork cache", "person:read attendance:read", rate_limit=0)
    key_id = server.rpc("face.api.key", "search", [("name", "=", "prefork cache")])[0]

    def burst(path):
        def call(_index):
            return requests.get(
                server.url + path, headers={"X-API-Key": secret, "Connection": "close"}, timeout=60
            ).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            return list(pool.map(call, range(16)))

    assert set(burst("/api/v1/attendance")) == {200}
    server.rpc("face.api.key", "write", [key_id], {"scopes": "person:read"})
    assert set(burst("/api/v1/attendance")) == {403}
    assert set(burst("/api/v1/persons")) == {200}
    server.rpc("face.api.key", "action_revoke", [key_id])
    assert set(burst("/api/v1/persons")) == {401}
