// Spending RPCs (send, sendall, bumpfee, psbtbumpfee, lockunspent, listlockunspent); registered by
// RegisterWalletRpcCommands.
#pragma once

#include "node/context.h"
#include "rpc/server.h"

class Wallet;
class WalletManager;

void RegisterSpendRpcCommands(RpcTable& table, NodeContext& node, WalletManager& wallets);
/** walletcreatefundedpsbt's work (inputs, outputs, locktime, options as Core's FundTransaction). */
JsonValue WalletCreateFundedPsbtResult(Wallet& wallet, NodeContext& node, const JsonRpcRequest& req);
