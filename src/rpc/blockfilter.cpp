// getblockfilter: a block's BIP157/158 filter and filter header from the block filter index.
#include "index/blockfilterindex.h"
#include "rpc/node_rpc.h"
#include "rpc/protocol.h"
#include "rpc/util.h"
#include "util/hex.h"

using Arg = RpcArg;
using Res = RpcResult;

namespace {
RpcMethod GetBlockFilter(NodeContext& node)
{
    return RpcMethod{
        "getblockfilter",
        "Retrieve a BIP 157 content filter for a particular block.\n",
        {
            Arg{"blockhash", Arg::Type::STR_HEX, Arg::Optional::NO, "The hash of the block"},
            Arg{"filtertype", Arg::Type::STR, Arg::Default{JsonValue(BlockFilterTypeName(BlockFilterType::BASIC))},
                "The type name of the filter"},
        },
        {Res{Res::Type::OBJ, "", "",
             {
                 Res{Res::Type::STR_HEX, "filter", "the hex-encoded filter data"},
                 Res{Res::Type::STR_HEX, "header", "the hex-encoded filter header"},
             }}},
        HelpExampleCli("getblockfilter",
                       "\"00000000c937983704a73af28acdec37b049d214adbda81d7e2a3dd146f6ed09\" \"basic\"") +
            HelpExampleRpc("getblockfilter",
                           "\"00000000c937983704a73af28acdec37b049d214adbda81d7e2a3dd146f6ed09\", \"basic\""),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            const uint256 block_hash = ParseHashV(req.params[0], "blockhash");
            const std::string type_name = req.params.size() > 1 && !req.params[1].IsNull()
                                              ? req.params[1].GetValStr()
                                              : BlockFilterTypeName(BlockFilterType::BASIC);
            BlockFilterType type;
            if (!BlockFilterTypeByName(type_name, type)) {
                throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Unknown filtertype");
            }
            BlockFilterIndex* index = FindBlockFilterIndex(node, type);
            if (!index) throw RpcError(RPC_MISC_ERROR, "Index is not enabled for filtertype " + type_name);

            ChainstateManager& cm = EnsureChainman(node);
            const BlockIndex* block_index;
            bool block_was_connected;
            {
                std::lock_guard lock(cm.Mutex());
                block_index = cm.LookupBlockIndex(block_hash);
                if (!block_index) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found");
                block_was_connected = block_index->IsValid(BLOCK_VALID_SCRIPTS);
            }
            // As Core's BlockUntilSyncedToCurrentChain: an index still catching up is not waited for.
            const bool index_ready = index->GetSummary().synced && index->BlockUntilSynced(std::chrono::seconds(10));

            BlockFilter filter;
            uint256 header;
            if (!index->LookupFilter(block_index, filter) || !index->LookupFilterHeader(block_index, header)) {
                int code;
                std::string message = "Filter not found.";
                if (!block_was_connected) {
                    code = RPC_INVALID_ADDRESS_OR_KEY;
                    message += " Block was not connected to active chain.";
                } else if (!index_ready) {
                    code = RPC_MISC_ERROR;
                    message += " Block filters are still in the process of being indexed.";
                } else {
                    code = RPC_INTERNAL_ERROR;
                    message += " This error is unexpected and indicates index corruption.";
                }
                throw RpcError(code, message);
            }
            JsonValue result = JsonValue::Object();
            result.PushKV("filter", HexStr(filter.GetEncodedFilter()));
            result.PushKV("header", header.GetHex());
            return result;
        }};
}
}  // namespace

void RegisterBlockFilterRpcCommands(RpcTable& table, NodeContext& node)
{
    table.Register("blockchain", GetBlockFilter(node));
}
