// Public-reserve RPC commands: verifyreserves (a proof-of-reserves file against this node's UTXO set) and
// verifyliabilityproof (one account's inclusion in a published liabilities commitment).
#pragma once

#include "node/context.h"
#include "rpc/server.h"

void RegisterReservesRpcCommands(RpcTable& table, NodeContext& node);

/** verifyreserves' result for a proof file's text; throws RpcError on a malformed file. */
JsonValue VerifyReservesJson(NodeContext& node, const std::string& proof_text);
/** Where published proofs live: <datadir>/proofs/<name>.json. */
std::filesystem::path ProofsDir(const NodeContext& node);
