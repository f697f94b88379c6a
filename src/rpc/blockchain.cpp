// Blockchain RPCs: tip, block and header queries, chain state.
#include "rpc/node_rpc.h"
#include "rpc/protocol.h"
#include "rpc/util.h"

using Arg = RpcArg;
using Res = RpcResult;

namespace {
RpcMethod GetBlockCount(NodeContext& node)
{
    return RpcMethod{
        "getblockcount",
        "Returns the height of the most-work fully-validated chain.\n"
        "The genesis block has height 0.\n",
        {},
        {Res{Res::Type::NUM, "", "The current block count"}},
        HelpExampleCli("getblockcount", "") + HelpExampleRpc("getblockcount", ""),
        [&node](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
            ChainstateManager& cm = EnsureChainman(node);
            std::lock_guard lock(cm.Mutex());
            return JsonValue(cm.Chain().Height());
        }};
}

RpcMethod GetBestBlockHash(NodeContext& node)
{
    return RpcMethod{
        "getbestblockhash",
        "Returns the hash of the best (tip) block in the most-work fully-validated chain.\n",
        {},
        {Res{Res::Type::STR_HEX, "", "the block hash, hex-encoded"}},
        HelpExampleCli("getbestblockhash", "") + HelpExampleRpc("getbestblockhash", ""),
        [&node](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
            ChainstateManager& cm = EnsureChainman(node);
            std::lock_guard lock(cm.Mutex());
            return JsonValue(cm.Tip()->GetBlockHash().GetHex());
        }};
}

RpcMethod GetBlockHash(NodeContext& node)
{
    return RpcMethod{
        "getblockhash",
        "Returns hash of block in best-block-chain at height provided.\n",
        {Arg{"height", Arg::Type::NUM, Arg::Optional::NO, "The height index"}},
        {Res{Res::Type::STR_HEX, "", "The block hash"}},
        HelpExampleCli("getblockhash", "1000") + HelpExampleRpc("getblockhash", "1000"),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            ChainstateManager& cm = EnsureChainman(node);
            std::lock_guard lock(cm.Mutex());
            const int height = JsonGetInt(req.params[0]);
            if (height < 0 || height > cm.Chain().Height()) {
                throw RpcError(RPC_INVALID_PARAMETER, "Block height out of range");
            }
            return JsonValue(cm.Chain()[height]->GetBlockHash().GetHex());
        }};
}
}  // namespace

void RegisterBlockchainRpcCommands(RpcTable& table, NodeContext& node)
{
    table.Register("blockchain", GetBlockCount(node));
    table.Register("blockchain", GetBestBlockHash(node));
    table.Register("blockchain", GetBlockHash(node));
}

