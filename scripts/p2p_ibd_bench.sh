#!/usr/bin/env bash
# P2P initial block download benchmark: real sovereignd processes. Node A mines a 2,000-block regtest chain with
# spends of every standard script type; node B downloads it from A over loopback (timed from process start to the
# tip); then a fresh node -reindexes a copy of A's block files (timed the same way). Prints blocks/s and MB/s of
# both (best of SOV_BENCH_RUNS runs, default 3) and their ratio (the goal is p2p sync >= 0.8x reindex).
# Usage: scripts/p2p_ibd_bench.sh [build dir]
set -euo pipefail
BUILD=${1:-build}
cmake --build "$BUILD" -j1 --target p2p_chain_e2e_tests sovereignd sovereign-cli >/dev/null
BIN="$BUILD/tests/e2e/p2p_chain_e2e_tests"
SOV_E2E_SEED=${SOV_E2E_SEED:-1} SOV_BENCH_RUNS=${SOV_BENCH_RUNS:-3} "$BIN" --gtest_brief=1 | grep -E '^\[ (bench|chain|seed) \]|FAILED|PASSED'
