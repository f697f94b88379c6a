#!/usr/bin/env bash
# The run command: builds sovereignd/sovereign-cli if needed and runs a regtest node in ./.regtest-data.
#   scripts/run.sh [extra sovereignd options]     Ctrl-C stops the node cleanly
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
scripts/deps.sh
JOBS=${JOBS:-2}
export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1
if [[ ! -f build/CMakeCache.txt ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=g++-12 \
    -DCMAKE_C_COMPILER=gcc-12 >/dev/null
fi
cmake --build build -j "$JOBS" --target sovereignd sovereign-cli

DAEMON="$ROOT/build/src/app/sovereignd"
CLI="$ROOT/build/src/app/sovereign-cli"
DATADIR="$ROOT/.regtest-data"
mkdir -p "$DATADIR"
CLI_CMD="$CLI -regtest -datadir=$DATADIR"
for a in "$@"; do
  case "$a" in -rpcport=*) CLI_CMD="$CLI_CMD $a" ;; esac  # the cli must use the same port
done

"$DAEMON" -regtest -datadir="$DATADIR" -minefirststart=101 -dashboard -demoreserve -printtoconsole "$@" &
NODE_PID=$!
stop_node() { kill -TERM "$NODE_PID" 2>/dev/null || true; }
trap stop_node INT TERM

# Wait until the RPC server answers (first start mines 101 blocks first), or the node exits.
for _ in $(seq 1 600); do
  kill -0 "$NODE_PID" 2>/dev/null || break
  $CLI_CMD getblockcount >/dev/null 2>&1 && break
  sleep 0.2
done
if kill -0 "$NODE_PID" 2>/dev/null && $CLI_CMD getblockcount >/dev/null 2>&1; then
  ADDRESS=$(sed -n 's/^address //p' "$DATADIR/regtest/first-start-key.txt" 2>/dev/null || true)
  cat <<MSG

================================================================================
sovereignd is running on regtest (pid $NODE_PID), data in $DATADIR
height: $($CLI_CMD getblockcount)
Call it with:
  $CLI_CMD getblockcount
  $CLI_CMD help
First-start address (its key is in $DATADIR/regtest/first-start-key.txt):
  ${ADDRESS:-(none: this data dir was not started fresh)}
Mine more to it:
  $CLI_CMD generatetoaddress 1 ${ADDRESS:-<address>}
Transparency dashboard (public view; operator view at /operator, password in
$DATADIR/regtest/dashboard-password):
  $(grep -o 'Dashboard at http[^ ]*' "$DATADIR/regtest/debug.log" | tail -1 | sed 's/Dashboard at //')
Stop with Ctrl-C or:
  $CLI_CMD stop
================================================================================

MSG
fi
set +e
wait "$NODE_PID"
rc=$?
# A signal interrupted the first wait: wait for the orderly shutdown to finish.
if kill -0 "$NODE_PID" 2>/dev/null; then
  wait "$NODE_PID"
  rc=$?
fi
exit "$rc"
