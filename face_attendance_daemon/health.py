"""Health and metrics on loopback: GET /health (JSON) and GET /metrics (Prometheus text)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def prometheus(status):
    lines = []

    def metric(name, value, help_text, labels=""):
        lines.append("# HELP face_attendance_daemon_%s %s" % (name, help_text))
        lines.append("face_attendance_daemon_%s%s %s" % (name, labels, value))

    metric("outbox_pending", status["outbox"]["pending"], "Events waiting to be delivered")
    metric("outbox_bytes", status["outbox"]["bytes"], "Size of the outbox on disk")
    metric("events_delivered_total", status["delivery"]["delivered"], "Events Odoo answered for")
    metric("gallery_templates", status["gallery"]["templates"], "Templates in the gallery")
    metric("gallery_negatives", status["gallery"].get("negatives", 0), "Faces HR said were not the person")
    metric("gallery_lookalikes", status["gallery"].get("lookalikes", 0), "Persons matched with a larger margin")
    metric("breaker_open", int(status["delivery"]["breaker"] == "open"), "1 when Odoo is considered down")
    if "liveness" in status:
        metric("liveness_available", int(bool(status["liveness"]["available"])), "1 when the liveness models load")
    for camera in status["cameras"]:
        label = '{camera_id="%s"}' % camera["camera_id"]
        for key in ("fps", "latency_ms", "frames_read", "frames_analysed", "frames_dropped", "errors", "events"):
            lines.append("face_attendance_daemon_camera_%s%s %s" % (key, label, camera[key]))
    return "\n".join(lines) + "\n"


class HealthServer:
    def __init__(self, host, port, status_function):
        status = status_function

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                path = self.path.split("?")[0]
                if path == "/health":
                    body, kind = json.dumps(status(), default=str).encode(), "application/json"
                    code = 200 if status()["status"] != "failing" else 503
                elif path == "/metrics":
                    body, kind, code = prometheus(status()).encode(), "text/plain; version=0.0.4", 200
                else:
                    body, kind, code = b'{"error": "not found"}', "application/json", 404
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # requests are not worth a log line each
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name="health", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
