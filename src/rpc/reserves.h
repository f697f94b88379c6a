// Public-reserve RPC commands: verifyreserves (a proof-of-reserves file against this node's UTXO set) and
// verifyliabilityproof (one account's inclusion in a published liabilities commitment).
#pragma once

#include "node/context.h"
#include "rpc/server.h"

void RegisterReservesRpcCommands(RpcTable& table, NodeContext& node);
