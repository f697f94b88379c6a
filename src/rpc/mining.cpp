// Mining RPCs: the regtest generators and block submission.
#include "address/destination.h"
#include "consensus/block_check.h"
#include "node/miner.h"
#include "rpc/node_rpc.h"
#include "rpc/protocol.h"
#include "rpc/util.h"
#include "script/descriptor_checksum.h"
#include "address/chain_prefixes.h"
#include "chain/pow.h"
#include "consensus/consensus.h"
#include "consensus/merkle.h"
#include "crypto/key.h"
#include "rpc/server.h"
#include "util/arith_uint256.h"
#include "util/hex.h"

#include <cstdio>
#include <iomanip>
#include <sstream>

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
        std::string error;
        auto tmpl = CreateNewBlockFromMempool(cm, node.mempool.get(), spk, &error);
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

/** Core's GetDifficulty: how many times harder than the minimum (bits 0x1d00ffff) the target is. */
double GetDifficulty(uint32_t bits)
{
    int shift = (bits >> 24) & 0xff;
    double diff = 65535.0 / static_cast<double>(bits & 0x00ffffff);
    while (shift < 29) {
        diff *= 256.0;
        ++shift;
    }
    while (shift > 29) {
        diff /= 256.0;
        --shift;
    }
    return diff;
}

/** A JSON number from a double, formatted as UniValue does (16 significant digits). */
JsonValue JsonReal(double v)
{
    std::ostringstream oss;
    oss.imbue(std::locale::classic());
    oss << std::setprecision(16) << v;
    return JsonValue::Number(oss.str());
}

double ArithToDouble(const arith_uint256& a)
{
    const uint256 u = ArithToUint256(a);
    double d = 0;
    for (int i = 31; i >= 0; --i) d = d * 256.0 + u.begin()[i];
    return d;
}

std::string TargetHex(uint32_t bits, const ConsensusParams& params)
{
    auto target = DeriveTarget(bits, params.pow_limit);
    return target ? target->GetHex() : arith_uint256().GetHex();
}

std::string BitsHex(uint32_t bits)
{
    char buf[9];
    std::snprintf(buf, sizeof(buf), "%08x", bits);
    return buf;
}

/** Core's GetMinimumTime: after the median time past, and (BIP94 timewarp rule, applied on every network for
 *  templates) not more than MAX_TIMEWARP before the previous block at a retarget boundary. */
int64_t GetMinimumTime(const BlockIndex* prev, int64_t interval)
{
    int64_t min_time = prev->GetMedianTimePast() + 1;
    if ((prev->height + 1) % interval == 0) min_time = std::max<int64_t>(min_time, prev->GetBlockTime() - MAX_TIMEWARP);
    return min_time;
}

/** Core's GetNetworkHashPS: chain work over the time span of the last `lookup` blocks. */
JsonValue NetworkHashPs(const ChainstateManager& cm, int lookup, int height)
{
    if (lookup < -1 || lookup == 0) {
        throw RpcError(RPC_INVALID_PARAMETER, "Invalid nblocks. Must be a positive number or -1.");
    }
    if (height < -1 || height > cm.Chain().Height()) {
        throw RpcError(RPC_INVALID_PARAMETER, "Block does not exist at specified height");
    }
    const BlockIndex* pb = height >= 0 ? cm.Chain()[height] : cm.Tip();
    if (pb == nullptr || pb->height == 0) return JsonValue(0);
    if (lookup == -1) lookup = static_cast<int>(pb->height % cm.Params().consensus.DifficultyAdjustmentInterval() + 1);
    if (lookup > pb->height) lookup = pb->height;
    const BlockIndex* pb0 = pb;
    int64_t min_time = pb0->GetBlockTime();
    int64_t max_time = min_time;
    for (int i = 0; i < lookup; ++i) {
        pb0 = pb0->pprev;
        min_time = std::min(pb0->GetBlockTime(), min_time);
        max_time = std::max(pb0->GetBlockTime(), max_time);
    }
    if (min_time == max_time) return JsonValue(0);
    const double work = ArithToDouble(pb->chain_work - pb0->chain_work);
    return JsonReal(work / static_cast<double>(max_time - min_time));
}

RpcMethod GetNetworkHashPsMethod(NodeContext& node)
{
    return RpcMethod{
        "getnetworkhashps",
        "Returns the estimated network hashes per second based on the last n blocks.\n"
        "Pass in [blocks] to override # of blocks, -1 specifies since last difficulty change.\n"
        "Pass in [height] to estimate the network speed at the time when a certain block was found.\n",
        {
            Arg{"nblocks", Arg::Type::NUM, Arg::Default{JsonValue(120)}, "The number of previous blocks to calculate estimate from, or -1 for blocks since last difficulty change."},
            Arg{"height", Arg::Type::NUM, Arg::Default{JsonValue(-1)}, "To estimate at the time of the given height."},
        },
        {Res{Res::Type::NUM, "", "Hashes per second estimated"}},
        HelpExampleCli("getnetworkhashps", "") + HelpExampleRpc("getnetworkhashps", ""),
        [&node](const RpcMethod& self, const JsonRpcRequest& req) -> JsonValue {
            ChainstateManager& cm = EnsureChainman(node);
            std::lock_guard lock(cm.Mutex());
            return NetworkHashPs(cm, JsonGetInt(*ArgOrDefault(self, req, 0)), JsonGetInt(*ArgOrDefault(self, req, 1)));
        }};
}

RpcMethod GetMiningInfo(NodeContext& node)
{
    return RpcMethod{
        "getmininginfo",
        "Returns a json object containing mining-related information.",
        {},
        {Res{Res::Type::OBJ, "", "",
             {
                 Res{Res::Type::NUM, "blocks", "The current block"},
                 Res{Res::Type::NUM, "currentblockweight", true, "The block weight (including reserved weight for block header, txs count and coinbase tx) of the last assembled block (only present if a block was ever assembled)"},
                 Res{Res::Type::NUM, "currentblocktx", true, "The number of block transactions (excluding coinbase) of the last assembled block (only present if a block was ever assembled)"},
                 Res{Res::Type::STR_HEX, "bits", "The current nBits, compact representation of the block difficulty target"},
                 Res{Res::Type::NUM, "difficulty", "The current difficulty"},
                 Res{Res::Type::STR_HEX, "target", "The current target"},
                 Res{Res::Type::NUM, "networkhashps", "The network hashes per second"},
                 Res{Res::Type::NUM, "pooledtx", "The size of the mempool"},
                 Res{Res::Type::STR_AMOUNT, "blockmintxfee", "Minimum feerate of packages selected for block inclusion in BTC/kvB"},
                 Res{Res::Type::STR, "chain", "current network name (main, test, testnet4, signet, regtest)"},
                 Res{Res::Type::STR_HEX, "signet_challenge", true, "The block challenge (aka. block script), in hexadecimal (only present if the current network is a signet)"},
                 Res{Res::Type::OBJ, "next", "The next block",
                     {
                         Res{Res::Type::NUM, "height", "The next height"},
                         Res{Res::Type::STR_HEX, "bits", "The next target nBits"},
                         Res{Res::Type::NUM, "difficulty", "The next difficulty"},
                         Res{Res::Type::STR_HEX, "target", "The next target"},
                     }},
                 Res{Res::Type::ARR, "warnings", "any network and blockchain warnings (run with `-deprecatedrpc=warnings` to return the latest warning as a single string)",
                     {Res{Res::Type::STR, "", "warning"}}},
             }}},
        HelpExampleCli("getmininginfo", "") + HelpExampleRpc("getmininginfo", ""),
        [&node](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
            ChainstateManager& cm = EnsureChainman(node);
            const TxMemPool& pool = EnsureMempool(node);
            std::lock_guard lock(cm.Mutex());
            const ConsensusParams& params = cm.Params().consensus;
            const BlockIndex* tip = cm.Tip();
            JsonValue obj = JsonValue::Object();
            obj.PushKV("blocks", cm.Chain().Height());
            obj.PushKV("bits", BitsHex(tip->bits));
            obj.PushKV("difficulty", JsonReal(GetDifficulty(tip->bits)));
            obj.PushKV("target", TargetHex(tip->bits, params));
            obj.PushKV("networkhashps", NetworkHashPs(cm, 120, -1));
            {
                std::lock_guard pool_lock(pool.m_mutex);
                obj.PushKV("pooledtx", static_cast<uint64_t>(pool.Size()));
            }
            obj.PushKV("blockmintxfee", ValueFromAmount(FeeRate(DEFAULT_BLOCK_MIN_TX_FEE).GetFeePerK()));
            obj.PushKV("chain", ChainName(node.params->chain));
            // Core's NextEmptyBlockIndex: the next block's height and required bits at the current time.
            BlockHeader next;
            next.prev_block = tip->GetBlockHash();
            next.time = static_cast<uint32_t>(
                std::max(GetMinimumTime(tip, params.DifficultyAdjustmentInterval()), node.Now()));
            const uint32_t next_bits = GetNextWorkRequired(tip, next, params);
            JsonValue n = JsonValue::Object();
            n.PushKV("height", tip->height + 1);
            n.PushKV("bits", BitsHex(next_bits));
            n.PushKV("difficulty", JsonReal(GetDifficulty(next_bits)));
            n.PushKV("target", TargetHex(next_bits, params));
            obj.PushKV("next", std::move(n));
            if (node.params->chain == Chain::SIGNET) {
                obj.PushKV("signet_challenge", HexStr(params.signet_challenge));
            }
            obj.PushKV("warnings", JsonValue::Array());
            return obj;
        }};
}

/** Core's BIP22ValidationResult. */
JsonValue Bip22Result(const BlockValidationState& state)
{
    if (state.IsValid()) return JsonValue();
    if (state.IsError()) throw RpcError(RPC_VERIFY_ERROR, state.ToString());
    const std::string reason = state.GetRejectReason();
    return JsonValue(reason.empty() ? "rejected" : reason);
}

RpcMethod GetBlockTemplate(NodeContext& node)
{
    return RpcMethod{
        "getblocktemplate",
        "If the request parameters include a 'mode' key, that is used to explicitly select between the default 'template' request or a 'proposal'.\n"
        "It returns data needed to construct a block to work on.\n"
        "For full specification, see BIPs 22, 23, 9, and 145:\n"
        "    https://github.com/bitcoin/bips/blob/master/bip-0022.mediawiki\n"
        "    https://github.com/bitcoin/bips/blob/master/bip-0023.mediawiki\n"
        "    https://github.com/bitcoin/bips/blob/master/bip-0009.mediawiki#getblocktemplate_changes\n"
        "    https://github.com/bitcoin/bips/blob/master/bip-0145.mediawiki\n",
        {
            Arg{"template_request", Arg::Type::OBJ, Arg::Optional::NO, "Format of the template",
                {
                    Arg{"mode", Arg::Type::STR, Arg::Optional::OMITTED, "This must be set to \"template\", \"proposal\" (see BIP 23), or omitted"},
                    Arg{"capabilities", Arg::Type::ARR, Arg::Optional::OMITTED, "A list of strings",
                        {Arg{"str", Arg::Type::STR, Arg::Optional::OMITTED, "client side supported feature, 'longpoll', 'coinbasevalue', 'proposal', 'serverlist', 'workid'"}}},
                    Arg{"rules", Arg::Type::ARR, Arg::Optional::NO, "A list of strings",
                        {
                            Arg{"segwit", Arg::Type::STR, Arg::Optional::NO, "(literal) indicates client side segwit support"},
                            Arg{"str", Arg::Type::STR, Arg::Optional::OMITTED, "other client side supported softfork deployment"},
                        }},
                    Arg{"longpollid", Arg::Type::STR, Arg::Optional::OMITTED, "delay processing request until the result would vary significantly from the \"longpollid\" of a prior template"},
                    Arg{"data", Arg::Type::STR_HEX, Arg::Optional::OMITTED, "proposed block data to check, encoded in hexadecimal; valid only for mode=\"proposal\""},
                }},
        },
        {
            Res{"If the proposal was accepted with mode=='proposal'", Res::Type::NONE, "", ""},
            Res{"If the proposal was not accepted with mode=='proposal'", Res::Type::STR, "", "According to BIP22"},
            Res{"Otherwise", Res::Type::OBJ, "", "",
                {
                    Res{Res::Type::NUM, "version", "The preferred block version"},
                    Res{Res::Type::ARR, "rules", "specific block rules that are to be enforced",
                        {Res{Res::Type::STR, "", "name of a rule the client must understand to some extent; see BIP 9 for format"}}},
                    Res{Res::Type::OBJ_DYN, "vbavailable", "set of pending, supported versionbit (BIP 9) softfork deployments",
                        {Res{Res::Type::NUM, "rulename", "identifies the bit number as indicating acceptance and readiness for the named softfork rule"}}},
                    Res{Res::Type::ARR, "capabilities", "", {Res{Res::Type::STR, "value", "A supported feature, for example 'proposal'"}}},
                    Res{Res::Type::NUM, "vbrequired", "bit mask of versionbits the server requires set in submissions"},
                    Res{Res::Type::STR, "previousblockhash", "The hash of current highest block"},
                    Res{Res::Type::ARR, "transactions", "contents of non-coinbase transactions that should be included in the next block",
                        {Res{Res::Type::OBJ, "", "",
                             {
                                 Res{Res::Type::STR_HEX, "data", "transaction data encoded in hexadecimal (byte-for-byte)"},
                                 Res{Res::Type::STR_HEX, "txid", "transaction hash excluding witness data, shown in byte-reversed hex"},
                                 Res{Res::Type::STR_HEX, "hash", "transaction hash including witness data, shown in byte-reversed hex"},
                                 Res{Res::Type::ARR, "depends", "array of numbers",
                                     {Res{Res::Type::NUM, "", "transactions before this one (by 1-based index in 'transactions' list) that must be present in the final block if this one is"}}},
                                 Res{Res::Type::NUM, "fee", "difference in value between transaction inputs and outputs (in satoshis); for coinbase transactions, this is a negative Number of the total collected block fees (ie, not including the block subsidy); if key is not present, fee is unknown and clients MUST NOT assume there isn't one"},
                                 Res{Res::Type::NUM, "sigops", "total SigOps cost, as counted for purposes of block limits; if key is not present, sigop cost is unknown and clients MUST NOT assume it is zero"},
                                 Res{Res::Type::NUM, "weight", "total transaction weight, as counted for purposes of block limits"},
                             }}}},
                    Res{Res::Type::OBJ_DYN, "coinbaseaux", "data that should be included in the coinbase's scriptSig content",
                        {Res{Res::Type::STR_HEX, "key", "values must be in the coinbase (keys may be ignored)"}}},
                    Res{Res::Type::NUM, "coinbasevalue", "maximum allowable input to coinbase transaction, including the generation award and transaction fees (in satoshis)"},
                    Res{Res::Type::STR, "longpollid", "an id to include with a request to longpoll on an update to this template"},
                    Res{Res::Type::STR, "target", "The hash target"},
                    Res{Res::Type::NUM_TIME, "mintime", "The minimum timestamp appropriate for the next block time, expressed in UNIX epoch time. Adjusted for the proposed BIP94 timewarp rule."},
                    Res{Res::Type::ARR, "mutable", "list of ways the block template may be changed",
                        {Res{Res::Type::STR, "value", "A way the block template may be changed, e.g. 'time', 'transactions', 'prevblock'"}}},
                    Res{Res::Type::STR_HEX, "noncerange", "A range of valid nonces"},
                    Res{Res::Type::NUM, "sigoplimit", "limit of sigops in blocks"},
                    Res{Res::Type::NUM, "sizelimit", "limit of block size"},
                    Res{Res::Type::NUM, "weightlimit", true, "limit of block weight"},
                    Res{Res::Type::NUM_TIME, "curtime", "current timestamp in UNIX epoch time. Adjusted for the proposed BIP94 timewarp rule."},
                    Res{Res::Type::STR, "bits", "compressed target of next block"},
                    Res{Res::Type::NUM, "height", "The height of the next block"},
                    Res{Res::Type::STR_HEX, "signet_challenge", true, "Only on signet"},
                    Res{Res::Type::STR_HEX, "default_witness_commitment", true, "a valid witness commitment for the unmodified block template"},
                }},
        },
        HelpExampleCli("getblocktemplate", "'{\"rules\": [\"segwit\"]}'") +
            HelpExampleRpc("getblocktemplate", "{\"rules\": [\"segwit\"]}"),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            ChainstateManager& cm = EnsureChainman(node);
            std::string mode = "template";
            std::set<std::string> client_rules;
            if (req.params.size() > 0 && !req.params[0].IsNull()) {
                const JsonValue& o = req.params[0];
                const JsonValue& modeval = o["mode"];
                if (modeval.IsStr()) {
                    mode = modeval.GetValStr();
                } else if (!modeval.IsNull()) {
                    throw RpcError(RPC_INVALID_PARAMETER, "Invalid mode");
                }
                if (mode == "proposal") {
                    const JsonValue& data = o["data"];
                    if (!data.IsStr()) throw RpcError(RPC_TYPE_ERROR, "Missing data String key for proposal");
                    auto bytes = TryParseHex(data.GetValStr());
                    auto decoded = bytes ? DecodeBlock(*bytes) : Decoded<Block>{};
                    if (!decoded || decoded->vtx.empty() || !decoded->vtx[0]->IsCoinBase()) {
                        throw RpcError(RPC_DESERIALIZATION_ERROR, "Block decode failed");
                    }
                    std::lock_guard lock(cm.Mutex());
                    if (const BlockIndex* index = cm.LookupBlockIndex(decoded->GetHash())) {
                        if (index->IsValid(BLOCK_VALID_SCRIPTS)) return JsonValue("duplicate");
                        if (index->status & BLOCK_FAILED_MASK) return JsonValue("duplicate-invalid");
                        return JsonValue("duplicate-inconclusive");
                    }
                    // BIP23: a proposal must build on the current tip.
                    if (decoded->header.prev_block != cm.Tip()->GetBlockHash()) return JsonValue("inconclusive-not-best-prevblk");
                    BlockValidationState state;
                    cm.TestBlockValidity(state, *decoded, cm.Tip(), false, true);
                    return Bip22Result(state);
                }
                const JsonValue& rules = o["rules"];
                if (rules.IsArray()) {
                    for (const JsonValue& r : rules.values()) client_rules.insert(JsonGetStr(r));
                }
            }
            if (mode != "template") throw RpcError(RPC_INVALID_PARAMETER, "Invalid mode");
            if (node.params->chain != Chain::REGTEST && cm.IsInitialBlockDownload()) {
                throw RpcError(RPC_CLIENT_IN_INITIAL_DOWNLOAD,
                               std::string(RpcTable::CLIENT_NAME) + " is in initial sync and waiting for blocks...");
            }
            const ConsensusParams& params = cm.Params().consensus;
            if (node.params->chain == Chain::SIGNET && !client_rules.count("signet")) {
                throw RpcError(RPC_INVALID_PARAMETER, "getblocktemplate must be called with the signet rule set (call with {\"rules\": [\"segwit\", \"signet\"]})");
            }
            if (!client_rules.count("segwit")) {
                throw RpcError(RPC_INVALID_PARAMETER, "getblocktemplate must be called with the segwit rule set (call with {\"rules\": [\"segwit\"]})");
            }
            std::lock_guard lock(cm.Mutex());
            const BlockIndex* prev = cm.Tip();
            std::string error;
            auto tmpl = CreateNewBlockFromMempool(cm, node.mempool.get(), Script() << OP_TRUE, &error);
            if (!tmpl) throw RpcError(RPC_INTERNAL_ERROR, "Couldn't create new block: " + error);
            Block& block = tmpl->block;
            // Core's UpdateTime: not before the minimum time, otherwise the current time.
            const int64_t min_time = GetMinimumTime(prev, params.DifficultyAdjustmentInterval());
            block.header.time = static_cast<uint32_t>(std::max<int64_t>(min_time, node.Now()));
            if (params.pow_allow_min_difficulty_blocks) block.header.bits = GetNextWorkRequired(prev, block.header, params);
            const bool pre_segwit = prev->height + 1 < params.segwit_height;

            JsonValue txs = JsonValue::Array();
            std::map<uint256, int64_t> index_of;
            int64_t i = 0;
            for (const TransactionRef& tx : block.vtx) {
                index_of[tx->GetHash()] = i++;
                if (tx->IsCoinBase()) continue;
                JsonValue entry = JsonValue::Object();
                entry.PushKV("data", EncodeHexTx(*tx));
                entry.PushKV("txid", tx->GetHash().GetHex());
                entry.PushKV("hash", tx->GetWitnessHash().GetHex());
                JsonValue deps = JsonValue::Array();
                for (const TxIn& in : tx->vin) {
                    auto it = index_of.find(in.prevout.hash);
                    if (it != index_of.end()) deps.PushBack(it->second);
                }
                entry.PushKV("depends", std::move(deps));
                const size_t at = static_cast<size_t>(i - 1);
                entry.PushKV("fee", tmpl->tx_fees.at(at));
                int64_t sigops = tmpl->tx_sigop_costs.at(at);
                if (pre_segwit) sigops /= WITNESS_SCALE_FACTOR;
                entry.PushKV("sigops", sigops);
                entry.PushKV("weight", GetTransactionWeight(*tx));
                txs.PushBack(std::move(entry));
            }
            JsonValue result = JsonValue::Object();
            JsonValue caps = JsonValue::Array();
            caps.PushBack("proposal");
            result.PushKV("capabilities", std::move(caps));
            JsonValue rules = JsonValue::Array();
            rules.PushBack("csv");
            if (!pre_segwit) {
                rules.PushBack("!segwit");
                rules.PushBack("taproot");
            }
            if (node.params->chain == Chain::SIGNET) rules.PushBack("!signet");
            result.PushKV("version", block.header.version);
            result.PushKV("rules", std::move(rules));
            result.PushKV("vbavailable", JsonValue::Object());
            result.PushKV("vbrequired", 0);
            result.PushKV("previousblockhash", block.header.prev_block.GetHex());
            result.PushKV("transactions", std::move(txs));
            result.PushKV("coinbaseaux", JsonValue::Object());
            result.PushKV("coinbasevalue", block.vtx[0]->vout[0].value);
            uint64_t sequence = 0;
            if (node.mempool) {
                std::lock_guard pool_lock(node.mempool->m_mutex);
                sequence = node.mempool->GetSequence();
            }
            result.PushKV("longpollid", prev->GetBlockHash().GetHex() + std::to_string(sequence));
            result.PushKV("target", TargetHex(block.header.bits, params));
            result.PushKV("mintime", min_time);
            JsonValue mut = JsonValue::Array();
            mut.PushBack("time");
            mut.PushBack("transactions");
            mut.PushBack("prevblock");
            result.PushKV("mutable", std::move(mut));
            result.PushKV("noncerange", "00000000ffffffff");
            int64_t sigop_limit = MAX_BLOCK_SIGOPS_COST;
            int64_t size_limit = MAX_BLOCK_SERIALIZED_SIZE;
            if (pre_segwit) {
                sigop_limit /= WITNESS_SCALE_FACTOR;
                size_limit /= WITNESS_SCALE_FACTOR;
            }
            result.PushKV("sigoplimit", sigop_limit);
            result.PushKV("sizelimit", size_limit);
            if (!pre_segwit) result.PushKV("weightlimit", static_cast<int64_t>(MAX_BLOCK_WEIGHT));
            result.PushKV("curtime", static_cast<int64_t>(block.header.time));
            result.PushKV("bits", BitsHex(block.header.bits));
            result.PushKV("height", prev->height + 1);
            if (node.params->chain == Chain::SIGNET) result.PushKV("signet_challenge", HexStr(params.signet_challenge));
            const int commit = GetWitnessCommitmentIndex(block);
            if (commit != NO_WITNESS_COMMITMENT) {
                const Script& spk = block.vtx[0]->vout[static_cast<size_t>(commit)].script_pubkey;
                result.PushKV("default_witness_commitment", HexStr(std::span<const uint8_t>(spk.data(), spk.size())));
            }
            return result;
        }};
}

RpcMethod SubmitHeader(NodeContext& node)
{
    return RpcMethod{
        "submitheader",
        "Decode the given hexdata as a header and submit it as a candidate chain tip if valid."
        "\nThrows when the header is invalid.\n",
        {Arg{"hexdata", Arg::Type::STR_HEX, Arg::Optional::NO, "the hex-encoded block header data"}},
        {Res{Res::Type::NONE, "", "None"}},
        HelpExampleCli("submitheader", "\"aabbcc\"") + HelpExampleRpc("submitheader", "\"aabbcc\""),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto bytes = TryParseHex(JsonGetStr(req.params[0]));
            auto header = bytes ? DecodeBlockHeader(*bytes) : Decoded<BlockHeader>{};
            if (!header) throw RpcError(RPC_DESERIALIZATION_ERROR, "Block header decode failed");
            ChainstateManager& cm = EnsureChainman(node);
            {
                std::lock_guard lock(cm.Mutex());
                if (!cm.LookupBlockIndex(header->prev_block)) {
                    throw RpcError(RPC_VERIFY_ERROR, "Must submit previous header (" + header->prev_block.GetHex() + ") first");
                }
            }
            BlockValidationState state;
            std::vector<BlockHeader> headers{*header};
            cm.ProcessNewBlockHeaders(headers, true, state);
            if (state.IsValid()) return JsonValue();
            if (state.IsError()) throw RpcError(RPC_VERIFY_ERROR, state.ToString());
            throw RpcError(RPC_VERIFY_ERROR, state.GetRejectReason());
        }};
}

RpcMethod PrioritiseTransaction(NodeContext& node)
{
    RpcArgOptions placeholder;
    return RpcMethod{
        "prioritisetransaction",
        "Accepts the transaction into mined blocks at a higher (or lower) priority\n",
        {
            Arg{"txid", Arg::Type::STR_HEX, Arg::Optional::NO, "The transaction id."},
            Arg{"dummy", Arg::Type::NUM, Arg::Optional::OMITTED,
                "API-Compatibility for previous API. Must be zero or null.\n"
                "                  DEPRECATED. For forward compatibility use named arguments and omit this parameter."},
            Arg{"fee_delta", Arg::Type::NUM, Arg::Optional::NO,
                "The fee value (in satoshis) to add (or subtract, if negative).\n"
                "                  Note, that this value is not a fee rate. It is a value to modify absolute fee of the TX.\n"
                "                  The fee is not actually paid, only the algorithm for selecting transactions into a block\n"
                "                  considers the transaction as it would have paid a higher (or lower) fee."},
        },
        {Res{Res::Type::BOOL, "", "Returns true"}},
        HelpExampleCli("prioritisetransaction", "\"txid\" 0.0 10000") +
            HelpExampleRpc("prioritisetransaction", "\"txid\", 0.0, 10000"),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            ChainstateManager& cm = EnsureChainman(node);
            std::lock_guard chain_lock(cm.Mutex());
            const uint256 txid = ParseHashV(req.params[0], "txid");
            const Amount delta = JsonGetInt64(req.params[2]);
            if (req.params.size() > 1 && !req.params[1].IsNull() && JsonGetReal(req.params[1]) != 0) {
                throw RpcError(RPC_INVALID_PARAMETER,
                               "Priority is no longer supported, dummy argument to prioritisetransaction must be 0.");
            }
            TxMemPool& pool = EnsureMempool(node);
            std::lock_guard lock(pool.m_mutex);
            const TransactionRef tx = pool.Get(txid);
            if (pool.Options().require_standard && tx) {
                for (const TxOut& out : tx->vout) {
                    if (IsDust(out, pool.Options().dust_relay_feerate)) {
                        throw RpcError(RPC_INVALID_PARAMETER, "Priority is not supported for transactions with dust outputs.");
                    }
                }
            }
            pool.PrioritiseTransaction(txid, delta);
            return JsonValue(true);
        }};
}

RpcMethod GetPrioritisedTransactions(NodeContext& node)
{
    return RpcMethod{
        "getprioritisedtransactions",
        "Returns a map of all user-created (see prioritisetransaction) fee deltas by txid, and whether the tx is present in mempool.",
        {},
        {Res{Res::Type::OBJ_DYN, "", "prioritisation keyed by txid",
             {Res{Res::Type::OBJ, "<transactionid>", "",
                  {
                      Res{Res::Type::NUM, "fee_delta", "transaction fee delta in satoshis"},
                      Res{Res::Type::BOOL, "in_mempool", "whether this transaction is currently in mempool"},
                      Res{Res::Type::NUM, "modified_fee", true, "modified fee in satoshis. Only returned if in_mempool=true"},
                  }}}}},
        HelpExampleCli("getprioritisedtransactions", "") + HelpExampleRpc("getprioritisedtransactions", ""),
        [&node](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
            const TxMemPool& pool = EnsureMempool(node);
            std::lock_guard lock(pool.m_mutex);
            JsonValue r = JsonValue::Object();
            for (const auto& [txid, delta] : pool.GetDeltas()) {
                JsonValue o = JsonValue::Object();
                o.PushKV("fee_delta", delta);
                const MempoolEntry* e = pool.GetEntry(txid);
                o.PushKV("in_mempool", e != nullptr);
                if (e) o.PushKV("modified_fee", e->ModifiedFee());
                r.PushKV(txid.GetHex(), std::move(o));
            }
            return r;
        }};
}

// ---- descriptors (the simple non-ranged forms generatetodescriptor takes) ----------------------------------

// The BIP380 checksum is script/descriptor_checksum.h's DescriptorChecksum.

struct DescKey {
    std::optional<PubKey> pubkey;
    std::optional<XOnlyPubKey> xonly;
};

/** A key expression: optional [origin], then hex public key (33/65 bytes, or 32 bytes x-only inside tr()) or WIF. */
std::optional<DescKey> ParseDescKey(std::string text, bool allow_xonly, Chain chain, std::string& error)
{
    if (!text.empty() && text[0] == '[') {
        const size_t close = text.find(']');
        if (close == std::string::npos) {
            error = "Key origin start '[ character expected but not found, got '" + text.substr(0, 1) + "' instead";
            return std::nullopt;
        }
        text = text.substr(close + 1);
    }
    if (text.find('*') != std::string::npos) {
        error = "ranged";
        return std::nullopt;
    }
    DescKey key;
    if (IsHex(text)) {
        auto bytes = *TryParseHex(text);
        if (allow_xonly && bytes.size() == 32) {
            XOnlyPubKey x{std::span<const uint8_t>(bytes)};
            if (x.IsFullyValid()) {
                key.xonly = x;
                return key;
            }
        } else {
            PubKey pk{std::span<const uint8_t>(bytes)};
            if (pk.IsFullyValid()) {
                key.pubkey = pk;
                return key;
            }
        }
        error = "Pubkey '" + text + "' is invalid";
        return std::nullopt;
    }
    Key secret = DecodeSecret(text, chain);
    if (secret.IsValid()) {
        key.pubkey = secret.GetPubKey();
        return key;
    }
    error = "key '" + text + "' is not valid";
    return std::nullopt;
}

/** The single output script of a simple descriptor; nullopt with error (and a flag for ranged descriptors). */
std::optional<Script> ScriptFromDescriptor(const std::string& descriptor, Chain chain, std::string& error, bool& ranged)
{
    ranged = false;
    std::string body = descriptor;
    const size_t hash = descriptor.find('#');
    if (hash != std::string::npos) {
        if (descriptor.find('#', hash + 1) != std::string::npos) {
            error = "Multiple '#' symbols";
            return std::nullopt;
        }
        body = descriptor.substr(0, hash);
        const std::string given = descriptor.substr(hash + 1);
        if (given.size() != 8) {
            error = "Expected 8 character checksum, not " + std::to_string(given.size()) + " characters";
            return std::nullopt;
        }
        const std::string computed = DescriptorChecksum(body);
        if (computed.empty()) {
            error = "Invalid characters in payload";
            return std::nullopt;
        }
        if (computed != given) {
            error = "Provided checksum '" + given + "' does not match computed checksum '" + computed + "'";
            return std::nullopt;
        }
    }
    const size_t open = body.find('(');
    if (open == std::string::npos || body.empty() || body.back() != ')') {
        error = "'" + body + "' is not a valid descriptor function";
        return std::nullopt;
    }
    const std::string fn = body.substr(0, open);
    const std::string arg = body.substr(open + 1, body.size() - open - 2);
    if (fn == "addr") {
        std::string e;
        Destination dest = DecodeDestination(arg, chain, &e);
        if (!IsValidDestination(dest)) {
            error = "Address is not valid";
            return std::nullopt;
        }
        return GetScriptForDestination(dest);
    }
    if (fn == "raw") {
        if (!IsHex(arg)) {
            error = "Raw script is not hex";
            return std::nullopt;
        }
        auto bytes = *TryParseHex(arg);
        return Script(bytes.begin(), bytes.end());
    }
    if (fn == "pk" || fn == "pkh" || fn == "wpkh" || fn == "tr") {
        if (fn == "tr" && arg.find(',') != std::string::npos) {
            error = "tr() with a script tree is not supported by this node";
            return std::nullopt;
        }
        auto key = ParseDescKey(arg, fn == "tr", chain, error);
        if (!key) {
            if (error == "ranged") ranged = true;
            return std::nullopt;
        }
        if (fn == "tr") {
            XOnlyPubKey internal = key->xonly ? *key->xonly : XOnlyPubKey(*key->pubkey);
            auto tweaked = internal.CreateTapTweak(nullptr);
            if (!tweaked) {
                error = "Cannot tweak key";
                return std::nullopt;
            }
            return GetScriptForDestination(WitnessV1Taproot{tweaked->first});
        }
        const PubKey& pk = *key->pubkey;
        if (fn == "pk") return GetScriptForDestination(PubKeyDestination{pk});
        if (fn == "pkh") return GetScriptForDestination(PKHash{pk.GetID()});
        if (!pk.IsCompressed()) {
            error = "Uncompressed keys are not allowed";
            return std::nullopt;
        }
        return GetScriptForDestination(WitnessV0KeyHash{pk.GetID()});
    }
    error = "'" + body + "' is not a valid descriptor function";
    return std::nullopt;
}

/** Core's getScriptFromDescriptor: false (with error) when the text is no descriptor at all. */
bool GetScriptFromDescriptor(const std::string& descriptor, Chain chain, Script& script, std::string& error)
{
    bool ranged = false;
    auto spk = ScriptFromDescriptor(descriptor, chain, error, ranged);
    if (ranged) {
        throw RpcError(RPC_INVALID_PARAMETER, "Ranged descriptor not accepted. Maybe pass through deriveaddresses first?");
    }
    if (!spk) return false;
    script = *spk;
    return true;
}

RpcMethod GenerateToDescriptor(NodeContext& node)
{
    return RpcMethod{
        "generatetodescriptor",
        "Mine to a specified descriptor and return the block hashes.",
        {
            Arg{"num_blocks", Arg::Type::NUM, Arg::Optional::NO, "How many blocks are generated."},
            Arg{"descriptor", Arg::Type::STR, Arg::Optional::NO, "The descriptor to send the newly generated bitcoin to."},
            Arg{"maxtries", Arg::Type::NUM, Arg::Default{JsonValue(static_cast<int64_t>(DEFAULT_MAX_TRIES))}, "How many iterations to try."},
        },
        {Res{Res::Type::ARR, "", "hashes of blocks generated", {Res{Res::Type::STR_HEX, "", "blockhash"}}}},
        "\nGenerate 11 blocks to mydesc\n" + HelpExampleCli("generatetodescriptor", "11 \"mydesc\""),
        [&node](const RpcMethod& self, const JsonRpcRequest& req) -> JsonValue {
            const int n = JsonGetInt(req.params[0]);
            const uint64_t max_tries = static_cast<uint64_t>(JsonGetInt64(*ArgOrDefault(self, req, 2)));
            Script spk;
            std::string error;
            if (!GetScriptFromDescriptor(JsonGetStr(req.params[1]), node.params->chain, spk, error)) {
                throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, error);
            }
            return GenerateBlocks(node, spk, n, max_tries);
        }};
}

RpcMethod GenerateBlock(NodeContext& node)
{
    return RpcMethod{
        "generateblock",
        "Mine a set of ordered transactions to a specified address or descriptor and return the block hash.",
        {
            Arg{"output", Arg::Type::STR, Arg::Optional::NO, "The address or descriptor to send the newly generated bitcoin to."},
            Arg{"transactions", Arg::Type::ARR, Arg::Optional::NO,
                "An array of hex strings which are either txids or raw transactions.\n"
                "Txids must reference transactions currently in the mempool.\n"
                "All transactions must be valid and in valid order, otherwise the block will be rejected.",
                {Arg{"rawtx/txid", Arg::Type::STR_HEX, Arg::Optional::OMITTED, ""}}},
            Arg{"submit", Arg::Type::BOOL, Arg::Default{JsonValue(true)},
                "Whether to submit the block before the RPC call returns or to return it as hex."},
        },
        {Res{Res::Type::OBJ, "", "",
             {
                 Res{Res::Type::STR_HEX, "hash", "hash of generated block"},
                 Res{Res::Type::STR_HEX, "hex", true, "hex of generated block, only present when submit=false"},
             }}},
        "\nGenerate a block to myaddress, with txs rawtx and mempool_txid\n" +
            HelpExampleCli("generateblock", R"("myaddress" '["rawtx", "mempool_txid"]')"),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            const std::string& out = JsonGetStr(req.params[0]);
            Script spk;
            std::string error;
            if (!GetScriptFromDescriptor(out, node.params->chain, spk, error)) {
                std::string e;
                Destination dest = DecodeDestination(out, node.params->chain, &e);
                if (!IsValidDestination(dest)) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Error: Invalid address or descriptor");
                spk = GetScriptForDestination(dest);
            }
            TxMemPool& pool = EnsureMempool(node);
            std::vector<TransactionRef> txs;
            for (const JsonValue& v : req.params[1].values()) {
                const std::string& str = JsonGetStr(v);
                if (str.size() == 64 && IsHex(str)) {
                    const uint256 txid = ParseHashV(v, "txid");
                    std::lock_guard lock(pool.m_mutex);
                    TransactionRef tx = pool.Get(txid);
                    if (!tx) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Transaction " + str + " not in mempool.");
                    txs.push_back(tx);
                    continue;
                }
                auto bytes = TryParseHex(str);
                auto decoded = bytes && IsHex(str) ? DecodeTransaction(*bytes, true, true) : Decoded<MutableTransaction>{};
                if (!decoded) {
                    throw RpcError(RPC_DESERIALIZATION_ERROR,
                                   "Transaction decode failed for " + str + ". Make sure the tx has at least one input.");
                }
                txs.push_back(MakeTransactionRef(std::move(*decoded.value)));
            }
            const bool submit = req.params.size() < 3 || req.params[2].IsNull() ? true : JsonGetBool(req.params[2]);
            ChainstateManager& cm = EnsureChainman(node);
            Block block;
            {
                std::lock_guard lock(cm.Mutex());
                std::string cb_error;
                auto tmpl = CreateNewBlock(cm, spk, {}, &cb_error);
                if (!tmpl) throw RpcError(RPC_INTERNAL_ERROR, cb_error);
                block = tmpl->block;
                // The coinbase pays only the subsidy: fees of the given transactions are not claimed (as Core).
                block.vtx.insert(block.vtx.end(), txs.begin(), txs.end());
                RegenerateCommitments(block);
                BlockValidationState state;
                if (!cm.TestBlockValidity(state, block, cm.Tip(), false, false)) {
                    throw RpcError(RPC_VERIFY_ERROR, "TestBlockValidity failed: " + state.ToString());
                }
            }
            if (!GrindNonce(block, cm.Params().consensus, DEFAULT_MAX_TRIES)) {
                throw RpcError(RPC_MISC_ERROR, "Failed to make block.");
            }
            JsonValue obj = JsonValue::Object();
            obj.PushKV("hash", block.GetHash().GetHex());
            if (submit) {
                BlockValidationState state;
                bool new_block = false;
                if (!cm.ProcessNewBlock(std::make_shared<const Block>(block), true, true, &new_block, &state)) {
                    throw RpcError(RPC_INTERNAL_ERROR, "ProcessNewBlock, block not accepted: " + state.ToString());
                }
                std::string dur_error;
                if (!cm.MakeBlocksDurable(&dur_error)) throw RpcError(RPC_DATABASE_ERROR, dur_error);
            } else {
                obj.PushKV("hex", HexStr(EncodeBlock(block)));
            }
            return obj;
        }};
}

RpcMethod SetMockTime(NodeContext& node)
{
    return RpcMethod{
        "setmocktime",
        "Set the local time to given timestamp (-regtest only)\n",
        {Arg{"timestamp", Arg::Type::NUM, Arg::Optional::NO,
             "UNIX epoch time\nPass 0 to go back to using the system time."}},
        {Res{Res::Type::NONE, "", ""}},
        "",
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            if (node.params->chain != Chain::REGTEST) {
                throw RpcError(RPC_MISC_ERROR, "setmocktime is for regression testing (-regtest mode) only");
            }
            const int64_t time = JsonGetInt64(req.params[0]);
            constexpr int64_t MAX_TIME = 9223372036;  // nanoseconds::max() in seconds, as Core
            if (time < 0 || time > MAX_TIME) {
                throw RpcError(RPC_INVALID_PARAMETER, "Mocktime must be in the range [0, " + std::to_string(MAX_TIME) +
                                                          "], not " + std::to_string(time) + ".");
            }
            node.mock_time.store(time);
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
    table.Register("mining", GetNetworkHashPsMethod(node));
    table.Register("mining", GetMiningInfo(node));
    table.Register("mining", PrioritiseTransaction(node));
    table.Register("mining", GetPrioritisedTransactions(node));
    table.Register("mining", GetBlockTemplate(node));
    table.Register("mining", SubmitBlock(node));
    table.Register("mining", SubmitHeader(node));
    if (node.params->chain == Chain::REGTEST) {
        table.Register("generating", GenerateToAddress(node));
        table.Register("generating", GenerateToDescriptor(node));
        table.Register("generating", GenerateBlock(node));
    }
    table.Register("hidden", SetMockTime(node));
}
