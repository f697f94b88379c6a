// Spending RPCs (send, sendall, bumpfee, psbtbumpfee, lockunspent, listlockunspent); registered by
// RegisterWalletRpcCommands.
#pragma once

#include "node/context.h"
#include "rpc/server.h"

class WalletManager;

void RegisterSpendRpcCommands(RpcTable& table, NodeContext& node, WalletManager& wallets);
