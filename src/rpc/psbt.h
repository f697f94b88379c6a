// Registration of the PSBT RPC commands (Core's rawtransaction.cpp PSBT commands).
#pragma once

#include "address/chain_prefixes.h"
#include "node/context.h"
#include "rpc/server.h"

/** decodepsbt, analyzepsbt, combinepsbt, finalizepsbt, createpsbt, converttopsbt, joinpsbts (no node needed).
 *  createpsbt builds its transaction through the table's createrawtransaction, which must be registered too. */
void RegisterPsbtRpcCommands(RpcTable& table, Chain chain);
/** utxoupdatepsbt (reads the node's UTXO set and mempool). */
void RegisterPsbtNodeRpcCommands(RpcTable& table, NodeContext& node);
