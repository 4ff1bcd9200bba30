"""The benchmark command (scripts/benchmark.sh): accuracy, pipeline, matching, learning, ingestion, API.

Prints a table, writes the figures as JSON and BENCHMARKS.md. Every ratio compares figures measured
in this same run on this same machine.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import bench_accuracy  # noqa: E402
import bench_api_declarations  # noqa: E402
import bench_learning  # noqa: E402
import bench_nodes  # noqa: E402
import bench_odoo  # noqa: E402
import bench_pipeline  # noqa: E402
import bench_throughput  # noqa: E402
from report import markdown  # noqa: E402


def cpu_model():
    try:
        with open("/proc/cpuinfo") as handle:
            return next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        return "unknown"


def machine():
    cpu = cpu_model()
    with open("/proc/meminfo") as handle:
        memory_kb = int(handle.readline().split()[1])
    import cv2
    import numpy

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
        "numpy": numpy.__version__,
        "opencv": cv2.__version__,
        "commit": subprocess.run(
            ["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--faces", default=os.environ.get("FA_FACES_DIR") or os.path.join(ROOT, "..", "shared", "data", "faces")
    )
    parser.add_argument("--json", default=os.path.join(ROOT, "test-artifacts", "benchmarks.json"))
    parser.add_argument("--markdown", default=os.path.join(ROOT, "BENCHMARKS.md"))
    parser.add_argument("--skip-odoo", action="store_true", help="leave out ingestion and API (no Odoo server)")
    args = parser.parse_args()
    started = time.perf_counter()

    def log(message):
        print("[%6.1fs] %s" % (time.perf_counter() - started, message), flush=True)

    results = {
        "machine": machine(),
        "date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
        "command": "scripts/benchmark.sh",
    }
    known, _strangers = bench_accuracy.load_photos(args.faces)
    results["accuracy"] = bench_accuracy.run(args.faces, log)
    results["pipeline"] = bench_pipeline.pipeline(args.faces, known, log)
    results["matching"] = bench_pipeline.matching(log)
    results["learning"] = bench_learning.run(args.faces, log)
    if not args.skip_odoo:
        results["odoo"] = bench_odoo.run(log, args.faces)
        results["api_declarations"] = bench_api_declarations.run(log, args.faces)
        results["nodes"] = bench_nodes.run(log, args.faces)
        results["throughput"] = bench_throughput.run(log, args.faces)
    results["seconds"] = round(time.perf_counter() - started, 1)
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as handle:
        json.dump(results, handle, indent=1)
    text = markdown(results)
    with open(args.markdown, "w") as handle:
        handle.write(text)
    print(text)
    log("done: %s and %s" % (args.json, args.markdown))


if __name__ == "__main__":
    main()
