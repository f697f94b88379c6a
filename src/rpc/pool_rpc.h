// RPC commands of the energy planner (planmining) and the Stratum pool (getpoolinfo, listpoolworkers,
// getpoolshares).
#pragma once

#include "node/context.h"
#include "rpc/server.h"

#include <functional>

namespace pool {
class StratumPool;
}

/** planmining: uses the node's difficulty, subsidy schedule and recent fees. */
void RegisterPlannerRpcCommands(RpcTable& table, NodeContext& node);
/** The pool commands; `get_pool` returns nullptr while the pool is not running (-stratum off). */
void RegisterPoolRpcCommands(RpcTable& table, std::function<pool::StratumPool*()> get_pool);
