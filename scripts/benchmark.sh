#!/usr/bin/env bash
# The benchmark command (not part of the tests): accuracy, pipeline, matching, ingestion and API,
# ours beside the baseline, measured in one run. Prints a table, writes
# test-artifacts/benchmarks.json and BENCHMARKS.md. About 10-15 minutes on 2 cores.
#   scripts/benchmark.sh [--skip-odoo]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
setup_all
export FA_FACES_DIR="${FA_FACES_DIR:-$PROJECT_ROOT/../shared/data/faces}"
[ -d "$FA_FACES_DIR/known" ] || die "the face photos were not found at FA_FACES_DIR=$FA_FACES_DIR"
mkdir -p "$PROJECT_ROOT/test-artifacts"
exec "$FA_VENV/bin/python" "$PROJECT_ROOT/tests/benchmarks/run.py" "$@"
