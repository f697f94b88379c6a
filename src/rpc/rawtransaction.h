// RPC commands that need no chainstate: decoderawtransaction, decodescript, createrawtransaction,
// validateaddress, createmultisig (Core's rawtransaction.cpp and output_script.cpp behaviour).
#pragma once

#include "address/chain_prefixes.h"
#include "rpc/server.h"

/** Registers the commands; addresses are encoded and decoded for chain. */
void RegisterRawTransactionRpcCommands(RpcTable& table, Chain chain);
