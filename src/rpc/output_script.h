// Descriptor RPC commands: getdescriptorinfo and deriveaddresses (chain only), scantxoutset (needs the node's
// UTXO set), with Core's help, results and error messages.
#pragma once

#include "address/chain_prefixes.h"
#include "node/context.h"
#include "rpc/server.h"

void RegisterOutputScriptRpcCommands(RpcTable& table, Chain chain);
void RegisterScanTxOutSetRpcCommand(RpcTable& table, NodeContext& node);
