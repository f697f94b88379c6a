#!/usr/bin/env bash
# The run command: starts sovereignd on regtest with the reserve wallet and dashboard.
set -euo pipefail
echo "sovereign: the node (sovereignd) has not landed yet; see the issue 'The node'. Nothing to run." >&2
exit 1
