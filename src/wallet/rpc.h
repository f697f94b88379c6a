// Wallet RPC commands with Core's names, arguments, results and error codes, routed to a wallet by the request's
// /wallet/<name> path (or the only loaded wallet), as bitcoin-cli -rpcwallet expects.
#pragma once

#include "node/context.h"
#include "rpc/server.h"

class WalletManager;
class ArgsManager;

void RegisterWalletArgs(ArgsManager& args);
void RegisterWalletRpcCommands(RpcTable& table, NodeContext& node, WalletManager& wallets);
