"""Load generator, run as its own process: CONCURRENCY threads with keep-alive connections send GET
PATH (or POST the JSON in BODY_FILE) for SECONDS, after WARMUP seconds (default 1) whose requests are
not counted (every worker process has loaded what it keeps: engine models, caches); prints one JSON
line with p50, p95, requests per second and errors."""

import http.client
import json
import sys
import threading
import time
import urllib.parse


def main(url, key, concurrency, seconds, body_file=None, warmup=1.0):
    body = open(body_file, "rb").read() if body_file else None
    method = "POST" if body else "GET"
    headers = {"X-API-Key": key} if key else {}
    if body:
        headers["Content-Type"] = "application/json"
    parsed = urllib.parse.urlsplit(url)
    path = parsed.path + ("?" + parsed.query if parsed.query else "")
    latencies, errors = [], [0]
    lock = threading.Lock()
    measured_from = time.perf_counter() + warmup
    deadline = measured_from + seconds

    def worker():
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        mine, failed = [], 0
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200 and start >= measured_from:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += start >= measured_from
                connection.close()
                connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
                continue
            if start >= measured_from:
                mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - measured_from
    latencies.sort()

    def pct(q):
        return round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1) if latencies else None

    print(
        json.dumps(
            {
                "requests": len(latencies),
                "errors": errors[0],
                "rps": round(len(latencies) / wall, 1),
                "p50_ms": pct(0.50),
                "p95_ms": pct(0.95),
            }
        )
    )


if __name__ == "__main__":
    main(
        sys.argv[1],
        sys.argv[2],
        int(sys.argv[3]),
        float(sys.argv[4]),
        sys.argv[5] if len(sys.argv) > 5 else None,
        *[float(v) for v in sys.argv[6:7]],
    )
