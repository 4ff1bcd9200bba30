#!/usr/bin/env bash
# The benchmark command (not part of the tests): accuracy, pipeline, matching, ingestion and API,
# ours beside the baseline, measured in one run. Prints a table, writes
# test-artifacts/benchmarks.json and BENCHMARKS.md. About 10-15 minutes on 2 cores.
#   scripts/benchmark.sh [--skip-odoo] [--skip-liveness]
# The liveness section (tests/benchmarks/bench_liveness.py: APCER/BPCER per frame and per attempt,
# time per frame) runs after the others and adds its section to BENCHMARKS.md; its figures go to
# test-artifacts/benchmarks-liveness.json. About 2 minutes.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
setup_all
run_args=()
skip_liveness=0
for arg in "$@"; do
    if [ "$arg" = "--skip-liveness" ]; then skip_liveness=1; else run_args+=("$arg"); fi
done
export FA_FACES_DIR="${FA_FACES_DIR:-$PROJECT_ROOT/../shared/data/faces}"
[ -d "$FA_FACES_DIR/known" ] || die "the face photos were not found at FA_FACES_DIR=$FA_FACES_DIR"
if [ "$skip_liveness" = 0 ]; then
    export FA_LIVENESS_DATA="${FA_LIVENESS_DATA:-$PROJECT_ROOT/../shared/data/liveness}"
    [ -d "$FA_LIVENESS_DATA/real" ] && [ -d "$FA_LIVENESS_DATA/attack" ] \
        || die "the liveness frames were not found at FA_LIVENESS_DATA=$FA_LIVENESS_DATA (or use --skip-liveness)"
    [ -n "${FA_LIVENESS_MODELS:-}" ] \
        || die "no liveness model directory: set FA_LIVENESS_MODELS (README, 'Liveness models') or use --skip-liveness"
fi
mkdir -p "$PROJECT_ROOT/test-artifacts"
"$FA_VENV/bin/python" "$PROJECT_ROOT/tests/benchmarks/run.py" ${run_args[@]+"${run_args[@]}"}
if [ "$skip_liveness" = 0 ]; then
    "$FA_VENV/bin/python" "$PROJECT_ROOT/tests/benchmarks/bench_liveness.py"
fi
