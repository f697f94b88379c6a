// Registration of the RPC commands that need a running node (chain, mempool, mining).
#pragma once

#include "node/context.h"
#include "rpc/server.h"

void RegisterBlockchainRpcCommands(RpcTable& table, NodeContext& node);
void RegisterMiningRpcCommands(RpcTable& table, NodeContext& node);
void RegisterMempoolRpcCommands(RpcTable& table, NodeContext& node);
/** gettxoutproof and verifytxoutproof (called by RegisterBlockchainRpcCommands). */
void RegisterTxOutProofRpcCommands(RpcTable& table, NodeContext& node);
/** getblockfilter (called by RegisterBlockchainRpcCommands). */
void RegisterBlockFilterRpcCommands(RpcTable& table, NodeContext& node);

/** verifychain's check (Core's VerifyDB, levels 0-3) with its log lines, for -checkblocks/-checklevel at startup. */
bool VerifyChainAtStartup(ChainstateManager& cm, int level, int depth);

/** Throws RPC_CLIENT_NOT_CONNECTED-style errors when the node part is missing; returns the chainstate. */
ChainstateManager& EnsureChainman(NodeContext& node);
TxMemPool& EnsureMempool(NodeContext& node);
