// Wallet RPC commands with Core's names, arguments, results and error codes, routed to a wallet by the request's
// /wallet/<name> path (or the only loaded wallet), as bitcoin-cli -rpcwallet expects.
#pragma once

#include "address/chain_prefixes.h"
#include "node/context.h"
#include "rpc/server.h"

class WalletManager;
class ArgsManager;

void RegisterWalletArgs(ArgsManager& args);
void RegisterWalletRpcCommands(RpcTable& table, NodeContext& node, WalletManager& wallets);

// Commands added beside rpc.cpp, each file registering its own (sovereignd calls them after RegisterWalletRpcCommands).
/** signmessage (rpc_sign.cpp). */
void RegisterWalletSignRpcCommands(RpcTable& table, NodeContext& node, WalletManager& wallets);
/** setlabel, listlabels, getaddressesbylabel, exportlabels, importlabels (rpc_labels.cpp). */
void RegisterWalletLabelRpcCommands(RpcTable& table, NodeContext& node, WalletManager& wallets);
/** backupwallet, restorewallet, abortrescan, listsinceblock, signrawtransactionwith{wallet,key},
 *  descriptorprocesspsbt (rpc_backup.cpp). */
void RegisterWalletMoreRpcCommands(RpcTable& table, NodeContext& node, WalletManager& wallets);
/** verifymessage and signmessagewithprivkey: Core's "util" commands, available without wallets. */
void RegisterMessageRpcCommands(RpcTable& table, Chain chain);
