#!/usr/bin/env bash
# Installs the Debian packages Sovereign needs, only those missing. Safe to run again.
# Pinned to Debian 12 (bookworm) package names; the versions CI last used are in scripts/deps.lock.
set -euo pipefail
PACKAGES=(
  cmake ninja-build ccache pkg-config g++-12 python3
  libssl-dev libsecp256k1-dev libleveldb-dev libsqlite3-dev libpq-dev nlohmann-json3-dev libboost-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
# The full test run: browser tests of the dashboard (headless Chromium driven by playwright-core from
# web/package-lock.json) and a PostgreSQL server the ledger tests start on a temporary directory.
if [[ "${SOVEREIGN_WITH_BROWSER:-0}" == 1 ]]; then
  PACKAGES+=(chromium nodejs postgresql)
fi
# The real Electrum wallet (Debian's electrum 4.3.x CLI), driven by tests/e2e/electrum_client_e2e_test.cpp; only the full
# test run installs it (the test skips when the executable is missing).
if [[ "${SOVEREIGN_WITH_ELECTRUM:-0}" == 1 ]]; then
  PACKAGES+=(electrum)
fi
if [[ "${SOVEREIGN_WITH_CLANG:-0}" == 1 ]]; then
  PACKAGES+=(clang-16 libclang-rt-16-dev llvm-16)
fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "sovereign: installing missing packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Front-end packages, pinned by web/package-lock.json (uPlot is embedded into sovereignd at build time).
ROOT_DIR="$(cd "$(dirname "$0")/.." && pwd)"
if [[ ! -f "$ROOT_DIR/web/node_modules/.package-lock.json" ]] || \
   [[ "$ROOT_DIR/web/package-lock.json" -nt "$ROOT_DIR/web/node_modules/.package-lock.json" ]]; then
  if ! command -v npm >/dev/null; then
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  echo "sovereign: installing web packages (npm ci in web/)"
  (cd "$ROOT_DIR/web" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
