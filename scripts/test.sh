#!/usr/bin/env bash
# The test command: installs what is missing, configures, builds and runs every test through CTest.
#   scripts/test.sh            build (g++ 12, Release with assertions) and run all tests
#   scripts/test.sh --sanitize also build with clang-16 + ASan/UBSan, run the tests and every fuzz target
#                              for a bounded time (FUZZ_SECONDS per target, default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
SANITIZE=0
for a in "$@"; do
  case "$a" in
    --sanitize) SANITIZE=1 ;;
    *) echo "usage: scripts/test.sh [--sanitize]" >&2; exit 2 ;;
  esac
done
SOVEREIGN_WITH_CLANG=$SANITIZE SOVEREIGN_WITH_BROWSER=1 SOVEREIGN_WITH_ELECTRUM=1 scripts/deps.sh
JOBS=${JOBS:-2}
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=g++-12 -DCMAKE_C_COMPILER=gcc-12 >/dev/null
cmake --build build -j "$JOBS"
ctest --test-dir build --output-on-failure -j "$JOBS"
if ((SANITIZE)); then
  scripts/sanitize.sh
fi
