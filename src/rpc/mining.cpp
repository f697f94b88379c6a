// Mining RPCs: the regtest generators and block submission.
#include "address/destination.h"
#include "consensus/block_check.h"
#include "node/miner.h"
#include "rpc/node_rpc.h"
#include "rpc/protocol.h"
#include "rpc/util.h"
#include "util/hex.h"

using Arg = RpcArg;
using Res = RpcResult;

namespace {
/** Core's DEFAULT_MAX_TRIES for the generators. */
constexpr uint64_t DEFAULT_MAX_TRIES = 1000000;

/** Mines n blocks paying to spk with mempool transactions; returns their hashes. */
JsonValue GenerateBlocks(NodeContext& node, const Script& spk, int n, uint64_t max_tries)
{
    ChainstateManager& cm = EnsureChainman(node);
    JsonValue hashes = JsonValue::Array();
    for (int i = 0; i < n && !node.shutdown_requested(); ++i) {
        std::vector<TransactionRef> txs;
        if (node.mempool) {
            std::lock_guard chain_lock(cm.Mutex());
            std::lock_guard lock(node.mempool->m_mutex);
            for (const MempoolEntry* e : node.mempool->SortedEntries()) txs.push_back(e->tx);
        }
        std::string error;
        auto tmpl = CreateNewBlock(cm, spk, txs, &error);
        if (!tmpl) throw RpcError(RPC_INTERNAL_ERROR, "Couldn't create new block: " + error);
        Block& block = tmpl->block;
        if (!GrindNonce(block, cm.Params().consensus, max_tries)) break;
        auto shared = std::make_shared<const Block>(block);
        BlockValidationState state;
        bool new_block = false;
        if (!cm.ProcessNewBlock(shared, true, true, &new_block, &state)) {
            throw RpcError(RPC_INTERNAL_ERROR, "ProcessNewBlock, block not accepted: " + state.ToString());
        }
        // Acknowledged blocks survive a crash (kill -9) from here on.
        if (!cm.MakeBlocksDurable(&error)) throw RpcError(RPC_DATABASE_ERROR, error);
        hashes.PushBack(block.GetHash().GetHex());
    }
    return hashes;
}

RpcMethod GenerateToAddress(NodeContext& node)
{
    return RpcMethod{
        "generatetoaddress",
        "Mine to a specified address and return the block hashes.",
        {
            Arg{"nblocks", Arg::Type::NUM, Arg::Optional::NO, "How many blocks are generated."},
            Arg{"address", Arg::Type::STR, Arg::Optional::NO, "The address to send the newly generated bitcoin to."},
            Arg{"maxtries", Arg::Type::NUM, Arg::Default{JsonValue(static_cast<int64_t>(DEFAULT_MAX_TRIES))},
                "How many iterations to try."},
        },
        {Res{Res::Type::ARR, "", "hashes of blocks generated", {Res{Res::Type::STR_HEX, "", "blockhash"}}}},
        "\nGenerate 11 blocks to myaddress\n" + HelpExampleCli("generatetoaddress", "11 \"myaddress\""),
        [&node](const RpcMethod& self, const JsonRpcRequest& req) -> JsonValue {
            const int n = JsonGetInt(req.params[0]);
            const uint64_t max_tries = static_cast<uint64_t>(JsonGetInt64(*ArgOrDefault(self, req, 2)));
            std::string error;
            Destination dest = DecodeDestination(JsonGetStr(req.params[1]), node.params->chain, &error);
            if (!IsValidDestination(dest)) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Error: Invalid address");
            return GenerateBlocks(node, GetScriptForDestination(dest), n, max_tries);
        }};
}

RpcMethod SubmitBlock(NodeContext& node)
{
    return RpcMethod{
        "submitblock",
        "Attempts to submit new block to network.\n"
        "See https://en.bitcoin.it/wiki/BIP_0022 for full specification.",
        {
            Arg{"hexdata", Arg::Type::STR_HEX, Arg::Optional::NO, "the hex-encoded block data to submit"},
            Arg{"dummy", Arg::Type::STR, Arg::DefaultHint{"ignored"}, "dummy value, for compatibility with BIP22. This value is ignored."},
        },
        {Res{Res::Type::NONE, "", "If the block was accepted"},
         Res{"Otherwise", Res::Type::STR, "", "According to BIP22"}},
        HelpExampleCli("submitblock", "\"mydata\"") + HelpExampleRpc("submitblock", "\"mydata\""),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            ChainstateManager& cm = EnsureChainman(node);
            auto bytes = TryParseHex(JsonGetStr(req.params[0]));
            auto decoded = bytes ? DecodeBlock(*bytes) : Decoded<Block>{};
            if (!decoded) throw RpcError(RPC_DESERIALIZATION_ERROR, "Block decode failed");
            if (decoded->vtx.empty() || !decoded->vtx[0]->IsCoinBase()) {
                throw RpcError(RPC_DESERIALIZATION_ERROR, "Block does not start with a coinbase");
            }
            auto block = std::make_shared<const Block>(std::move(*decoded));
            const uint256 hash = block->GetHash();
            {
                std::lock_guard lock(cm.Mutex());
                if (const BlockIndex* index = cm.LookupBlockIndex(hash)) {
                    if (index->IsValid(BLOCK_VALID_SCRIPTS)) return JsonValue("duplicate");
                    if (index->status & BLOCK_FAILED_MASK) return JsonValue("duplicate-invalid");
                }
            }
            BlockValidationState state;
            bool new_block = false;
            const bool ok = cm.ProcessNewBlock(block, true, true, &new_block, &state);
            std::string error;
            cm.MakeBlocksDurable(&error);
            if (!ok) {
                if (state.IsError()) throw RpcError(RPC_MISC_ERROR, state.GetRejectReason());
                return JsonValue(state.GetRejectReason());
            }
            if (!new_block) return JsonValue("duplicate");
            return JsonValue();
        }};
}
}  // namespace

ChainstateManager& EnsureChainman(NodeContext& node)
{
    if (!node.chainman) throw RpcError(RPC_INTERNAL_ERROR, "Node chainman not found");
    return *node.chainman;
}

TxMemPool& EnsureMempool(NodeContext& node)
{
    if (!node.mempool) throw RpcError(RPC_CLIENT_MEMPOOL_DISABLED, "Mempool disabled or instance not found");
    return *node.mempool;
}

void RegisterMiningRpcCommands(RpcTable& table, NodeContext& node)
{
    if (node.params->chain == Chain::REGTEST) table.Register("generating", GenerateToAddress(node));
    table.Register("mining", SubmitBlock(node));
}
