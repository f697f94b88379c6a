// Blockchain RPCs: tip, block and header queries, chain state.
#include "consensus/block_check.h"
#include "consensus/consensus.h"
#include "crypto/muhash.h"
#include "node/mempool.h"
#include "index/base_index.h"
#include "rpc/node_rpc.h"
#include "rpc/protocol.h"
#include "rpc/util.h"
#include "util/hex.h"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <locale>
#include <set>
#include <sstream>

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
constexpr const char* UNIX_EPOCH_TIME = "UNIX epoch time";
constexpr const char* CURRENCY_UNIT = "BTC";
/** verifychain defaults (Core's DEFAULT_CHECKLEVEL and DEFAULT_CHECKBLOCKS). */
constexpr int DEFAULT_CHECKLEVEL = 3;
constexpr int DEFAULT_CHECKBLOCKS = 6;
/** getblockstats: an outpoint (36 bytes) plus the height/coinbase word, as Core counts a UTXO's overhead. */
constexpr int64_t PER_UTXO_OVERHEAD = 36 + 4;
constexpr int NUM_GETBLOCKSTATS_PERCENTILES = 5;

/** A double as UniValue prints it (16 significant digits, classic locale). */
JsonValue JsonDouble(double d)
{
    std::ostringstream o;
    o.imbue(std::locale::classic());
    o << std::setprecision(16) << d;
    return JsonValue::Number(o.str());
}

std::string Hex8(uint32_t v)
{
    char buf[9];
    std::snprintf(buf, sizeof(buf), "%08x", v);
    return buf;
}

/** Difficulty relative to the minimum difficulty 0x1d00ffff (Core's GetDifficulty). */
double GetDifficulty(uint32_t bits)
{
    int shift = (bits >> 24) & 0xff;
    double diff = static_cast<double>(0x0000ffff) / static_cast<double>(bits & 0x00ffffff);
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

std::string TargetHex(uint32_t bits, const uint256& pow_limit)
{
    auto target = DeriveTarget(bits, pow_limit);
    return target ? ArithToUint256(*target).GetHex() : uint256().GetHex();
}

/** Confirmations of index seen from tip (-1 off the active chain) and its successor on that chain. */
int ComputeNextBlockAndDepth(const BlockIndex& tip, const BlockIndex& index, const BlockIndex*& next)
{
    next = tip.GetAncestor(index.height + 1);
    if (next && next->pprev == &index) return tip.height - index.height + 1;
    next = nullptr;
    return &index == &tip ? 1 : -1;
}

const BlockIndex* ParseHashOrHeight(const JsonValue& param, ChainstateManager& cm)
{
    std::lock_guard lock(cm.Mutex());
    if (param.IsNum()) {
        const int height = JsonGetInt(param);
        if (height < 0) {
            throw RpcError(RPC_INVALID_PARAMETER, "Target block height " + std::to_string(height) + " is negative");
        }
        const int tip = cm.Chain().Height();
        if (height > tip) {
            throw RpcError(RPC_INVALID_PARAMETER, "Target block height " + std::to_string(height) +
                                                      " after current tip " + std::to_string(tip));
        }
        return cm.Chain()[height];
    }
    const uint256 hash = ParseHashV(param, "hash_or_height");
    const BlockIndex* index = cm.LookupBlockIndex(hash);
    if (!index) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found");
    return index;
}

JsonValue BlockHeaderToJson(const BlockIndex& tip, const BlockIndex& index, const uint256& pow_limit)
{
    JsonValue r = JsonValue::Object();
    r.PushKV("hash", index.GetBlockHash().GetHex());
    const BlockIndex* next = nullptr;
    r.PushKV("confirmations", ComputeNextBlockAndDepth(tip, index, next));
    r.PushKV("height", index.height);
    r.PushKV("version", static_cast<int64_t>(index.version));
    r.PushKV("versionHex", Hex8(static_cast<uint32_t>(index.version)));
    r.PushKV("merkleroot", index.merkle_root.GetHex());
    r.PushKV("time", uint64_t{index.time});
    r.PushKV("mediantime", index.GetMedianTimePast());
    r.PushKV("nonce", uint64_t{index.nonce});
    r.PushKV("bits", Hex8(index.bits));
    r.PushKV("target", TargetHex(index.bits, pow_limit));
    r.PushKV("difficulty", JsonDouble(GetDifficulty(index.bits)));
    r.PushKV("chainwork", index.chain_work.GetHex());
    r.PushKV("nTx", uint64_t{index.tx_count});
    if (index.pprev) r.PushKV("previousblockhash", index.pprev->GetBlockHash().GetHex());
    if (next) r.PushKV("nextblockhash", next->GetBlockHash().GetHex());
    return r;
}

bool IsBlockPruned(const ChainstateManager& cm, const BlockIndex& index)
{
    return cm.HavePruned() && !(index.status & BLOCK_HAVE_DATA) && index.tx_count > 0;
}

void CheckBlockDataAvailability(const ChainstateManager& cm, const BlockIndex& index, bool check_for_undo)
{
    const uint32_t flag = check_for_undo ? BLOCK_HAVE_UNDO : BLOCK_HAVE_DATA;
    if (index.status & flag) return;
    if (IsBlockPruned(cm, index)) {
        throw RpcError(RPC_MISC_ERROR, std::string(check_for_undo ? "Undo data" : "Block") + " not available (pruned data)");
    }
    if (check_for_undo) throw RpcError(RPC_MISC_ERROR, "Undo data not available");
    throw RpcError(RPC_MISC_ERROR, "Block not available (not fully downloaded)");
}

Block ReadBlockChecked(ChainstateManager& cm, const BlockIndex& index)
{
    std::lock_guard lock(cm.Mutex());
    CheckBlockDataAvailability(cm, index, false);
    auto block = cm.ReadBlock(index);
    if (!block) throw RpcError(RPC_MISC_ERROR, "Block not found on disk");
    return std::move(*block);
}

BlockUndo ReadUndoChecked(ChainstateManager& cm, const BlockIndex& index)
{
    if (index.height == 0) return {};  // genesis has no undo data
    std::lock_guard lock(cm.Mutex());
    CheckBlockDataAvailability(cm, index, true);
    auto undo = cm.ReadUndo(index);
    if (!undo) throw RpcError(RPC_MISC_ERROR, "Can't read undo data from disk");
    return std::move(*undo);
}

/** A transaction as Core's TxToUniv prints it: undo adds "fee" (and, at verbosity 3, each input's "prevout"). */
JsonValue TxWithUndoToJson(const Transaction& tx, const TxUndo* undo, int verbosity, Chain chain,
                           bool include_hex = true)
{
    JsonValue base = JsonValue::Object();
    TxToJson(tx, uint256(), base, chain, /*include_hex=*/false);
    const bool have_undo = undo && undo->prevout.size() == tx.vin.size();
    JsonValue out = JsonValue::Object();
    for (size_t k = 0; k < base.keys().size(); ++k) {
        const std::string& key = base.keys()[k];
        const JsonValue& value = base.values()[k];
        if (key == "vin" && have_undo && verbosity >= 3) {
            JsonValue vin = JsonValue::Array();
            for (size_t i = 0; i < value.size(); ++i) {
                const JsonValue& in = value[i];
                JsonValue n = JsonValue::Object();
                for (size_t j = 0; j < in.keys().size(); ++j) {
                    if (in.keys()[j] == "sequence") {
                        const Coin& coin = undo->prevout[i];
                        JsonValue spk = JsonValue::Object();
                        ScriptToJson(coin.out.script_pubkey, spk, true, true, chain);
                        JsonValue p = JsonValue::Object();
                        p.PushKV("generated", coin.coinbase);
                        p.PushKV("height", uint64_t{coin.height});
                        p.PushKV("value", ValueFromAmount(coin.out.value));
                        p.PushKV("scriptPubKey", std::move(spk));
                        n.PushKV("prevout", std::move(p));
                    }
                    n.PushKV(in.keys()[j], in.values()[j]);
                }
                vin.PushBack(std::move(n));
            }
            out.PushKV(key, std::move(vin));
            continue;
        }
        out.PushKV(key, value);
        if (key == "vout" && have_undo) {
            Amount in_total = 0, out_total = 0;
            for (const Coin& c : undo->prevout) in_total += c.out.value;
            for (const TxOut& o : tx.vout) out_total += o.value;
            out.PushKV("fee", ValueFromAmount(in_total - out_total));
        }
    }
    if (include_hex) out.PushKV("hex", EncodeHexTx(tx));
    return out;
}

JsonValue BlockToJson(ChainstateManager& cm, const Block& block, const BlockIndex& tip, const BlockIndex& index,
                      int verbosity)
{
    JsonValue r = BlockHeaderToJson(tip, index, cm.Params().consensus.pow_limit);
    r.PushKV("strippedsize", uint64_t{EncodeBlock(block, false).size()});
    r.PushKV("size", uint64_t{EncodeBlock(block, true).size()});
    r.PushKV("weight", GetBlockWeight(block));
    const Transaction& cb = *block.vtx.at(0);
    JsonValue cbj = JsonValue::Object();
    cbj.PushKV("version", uint64_t{static_cast<uint32_t>(cb.version)});
    cbj.PushKV("locktime", uint64_t{cb.lock_time});
    cbj.PushKV("sequence", uint64_t{cb.vin.at(0).sequence});
    cbj.PushKV("coinbase", HexStr(cb.vin[0].script_sig.bytes()));
    if (!cb.vin[0].witness.stack.empty()) cbj.PushKV("witness", HexStr(cb.vin[0].witness.stack[0]));
    r.PushKV("coinbase_tx", std::move(cbj));

    JsonValue txs = JsonValue::Array();
    if (verbosity <= 1) {
        for (const auto& tx : block.vtx) txs.PushBack(tx->GetHash().GetHex());
    } else {
        BlockUndo undo;
        bool have_undo;
        {
            std::lock_guard lock(cm.Mutex());
            have_undo = !IsBlockPruned(cm, index) && (index.status & BLOCK_HAVE_UNDO);
        }
        if (have_undo) {
            auto read = cm.ReadUndo(index);
            if (!read) {
                throw RpcError(RPC_INTERNAL_ERROR, "Undo data expected but can't be read. This could be due to disk "
                                                   "corruption or a conflict with a pruning event.");
            }
            undo = std::move(*read);
        }
        for (size_t i = 0; i < block.vtx.size(); ++i) {
            const TxUndo* tu = (have_undo && i > 0 && i - 1 < undo.vtxundo.size()) ? &undo.vtxundo[i - 1] : nullptr;
            txs.PushBack(TxWithUndoToJson(*block.vtx[i], tu, verbosity, cm.Params().chain));
        }
    }
    r.PushKV("tx", std::move(txs));
    return r;
}

std::vector<Res> HeaderFields()
{
    return {
        Res{Res::Type::STR_HEX, "hash", "the block hash (same as provided)"},
        Res{Res::Type::NUM, "confirmations", "The number of confirmations, or -1 if the block is not on the main chain"},
        Res{Res::Type::NUM, "height", "The block height or index"},
        Res{Res::Type::NUM, "version", "The block version"},
        Res{Res::Type::STR_HEX, "versionHex", "The block version formatted in hexadecimal"},
        Res{Res::Type::STR_HEX, "merkleroot", "The merkle root"},
        Res{Res::Type::NUM_TIME, "time", std::string("The block time expressed in ") + UNIX_EPOCH_TIME},
        Res{Res::Type::NUM_TIME, "mediantime", std::string("The median block time expressed in ") + UNIX_EPOCH_TIME},
        Res{Res::Type::NUM, "nonce", "The nonce"},
        Res{Res::Type::STR_HEX, "bits", "nBits: compact representation of the block difficulty target"},
        Res{Res::Type::STR_HEX, "target", "The difficulty target"},
        Res{Res::Type::NUM, "difficulty", "The difficulty"},
        Res{Res::Type::STR_HEX, "chainwork", "Expected number of hashes required to produce the current chain"},
        Res{Res::Type::NUM, "nTx", "The number of transactions in the block"},
        Res{Res::Type::STR_HEX, "previousblockhash", true, "The hash of the previous block (if available)"},
        Res{Res::Type::STR_HEX, "nextblockhash", true, "The hash of the next block (if available)"},
    };
}

std::vector<Res> BlockFields(Res tx_result, std::optional<std::string> elision)
{
    std::vector<Res> f{
        Res{Res::Type::STR_HEX, "hash", "the block hash (same as provided)"},
        Res{Res::Type::NUM, "confirmations", "The number of confirmations, or -1 if the block is not on the main chain"},
        Res{Res::Type::NUM, "size", "The block size"},
        Res{Res::Type::NUM, "strippedsize", "The block size excluding witness data"},
        Res{Res::Type::NUM, "weight", "The block weight as defined in BIP 141"},
        Res{Res::Type::OBJ, "coinbase_tx", "Coinbase transaction metadata",
            {
                Res{Res::Type::NUM, "version", "The coinbase transaction version"},
                Res{Res::Type::NUM, "locktime", "The coinbase transaction's locktime (nLockTime)"},
                Res{Res::Type::NUM, "sequence", "The coinbase input's sequence number (nSequence)"},
                Res{Res::Type::STR_HEX, "coinbase", "The coinbase input's script"},
                Res{Res::Type::STR_HEX, "witness", true,
                    "The coinbase input's first (and only) witness stack element, if present"},
            }},
        Res{Res::Type::NUM, "height", "The block height or index"},
        Res{Res::Type::NUM, "version", "The block version"},
        Res{Res::Type::STR_HEX, "versionHex", "The block version formatted in hexadecimal"},
        Res{Res::Type::STR_HEX, "merkleroot", "The merkle root"},
    };
    f.push_back(std::move(tx_result));
    f.emplace_back(Res::Type::NUM_TIME, "time", std::string("The block time expressed in ") + UNIX_EPOCH_TIME);
    f.emplace_back(Res::Type::NUM_TIME, "mediantime", std::string("The median block time expressed in ") + UNIX_EPOCH_TIME);
    f.emplace_back(Res::Type::NUM, "nonce", "The nonce");
    f.emplace_back(Res::Type::STR_HEX, "bits", "nBits: compact representation of the block difficulty target");
    f.emplace_back(Res::Type::STR_HEX, "target", "The difficulty target");
    f.emplace_back(Res::Type::NUM, "difficulty", "The difficulty");
    f.emplace_back(Res::Type::STR_HEX, "chainwork",
                   "Expected number of hashes required to produce the chain up to this block (in hex)");
    f.emplace_back(Res::Type::NUM, "nTx", "The number of transactions in the block");
    f.emplace_back(Res::Type::STR_HEX, "previousblockhash", true, "The hash of the previous block (if available)");
    f.emplace_back(Res::Type::STR_HEX, "nextblockhash", true, "The hash of the next block (if available)");
    if (elision) {
        bool first = true;
        for (Res& r : f) {
            if (r.key_name == "tx") continue;
            if (first) {
                r.elision = *elision;
                first = false;
            } else {
                r.skip_in_help = true;
            }
        }
    }
    return f;
}

RpcMethod GetBlockHeaderRpc(NodeContext& node)
{
    return RpcMethod{
        "getblockheader",
        "If verbose is false, returns a string that is serialized, hex-encoded data for blockheader 'hash'.\n"
        "If verbose is true, returns an Object with information about blockheader <hash>.\n",
        {
            Arg{"blockhash", Arg::Type::STR_HEX, Arg::Optional::NO, "The block hash"},
            Arg{"verbose", Arg::Type::BOOL, Arg::Default{JsonValue(true)},
                "true for a json object, false for the hex-encoded data"},
        },
        {
            Res{"for verbose = true", Res::Type::OBJ, "", "", HeaderFields()},
            Res{"for verbose=false", Res::Type::STR_HEX, "", "A string that is serialized, hex-encoded data for block 'hash'"},
        },
        HelpExampleCli("getblockheader", "\"00000000c937983704a73af28acdec37b049d214adbda81d7e2a3dd146f6ed09\"") +
            HelpExampleRpc("getblockheader", "\"00000000c937983704a73af28acdec37b049d214adbda81d7e2a3dd146f6ed09\""),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            const uint256 hash = ParseHashV(req.params[0], "hash");
            const bool verbose = req.params[1].IsNull() ? true : JsonGetBool(req.params[1]);
            ChainstateManager& cm = EnsureChainman(node);
            std::lock_guard lock(cm.Mutex());
            const BlockIndex* index = cm.LookupBlockIndex(hash);
            if (!index) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found");
            if (!verbose) return JsonValue(HexStr(EncodeBlockHeader(index->GetBlockHeader())));
            return BlockHeaderToJson(*cm.Tip(), *index, cm.Params().consensus.pow_limit);
        }};
}

RpcMethod GetBlockRpc(NodeContext& node)
{
    return RpcMethod{
        "getblock",
        "If verbosity is 0, returns a string that is serialized, hex-encoded data for block 'hash'.\n"
        "If verbosity is 1, returns an Object with information about block <hash>.\n"
        "If verbosity is 2, returns an Object with information about block <hash> and information about each "
        "transaction.\n"
        "If verbosity is 3, returns an Object with information about block <hash> and information about each "
        "transaction, including prevout information for inputs (only for unpruned blocks in the current best "
        "chain).\n",
        {
            Arg{"blockhash", Arg::Type::STR_HEX, Arg::Optional::NO, "The block hash"},
            Arg{"verbosity|verbose", Arg::Type::NUM, Arg::Default{JsonValue(1)},
                "0 for hex-encoded data, 1 for a JSON object, 2 for JSON object with transaction data, and 3 for JSON "
                "object with transaction data including prevout information for inputs",
                [] {
                    RpcArgOptions o;
                    o.skip_type_check = true;
                    return o;
                }()},
        },
        {
            Res{"for verbosity = 0", Res::Type::STR_HEX, "", "A string that is serialized, hex-encoded data for block 'hash'"},
            Res{"for verbosity = 1", Res::Type::OBJ, "", "",
                BlockFields(Res{Res::Type::ARR, "tx", "The transaction ids", {Res{Res::Type::STR_HEX, "", "The transaction id"}}},
                            std::nullopt)},
            Res{"for verbosity = 2", Res::Type::OBJ, "", "",
                BlockFields(Res{Res::Type::ARR, "tx", "", {Res{Res::Type::OBJ, "", "", TxDoc()}}},
                            "Same output as verbosity = 1")},
            Res{"for verbosity = 3", Res::Type::OBJ, "", "",
                BlockFields(Res{Res::Type::ARR, "tx", "", {Res{Res::Type::OBJ, "", "", TxDoc()}}},
                            "Same output as verbosity = 2")},
        },
        HelpExampleCli("getblock", "\"00000000c937983704a73af28acdec37b049d214adbda81d7e2a3dd146f6ed09\"") +
            HelpExampleRpc("getblock", "\"00000000c937983704a73af28acdec37b049d214adbda81d7e2a3dd146f6ed09\""),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            const uint256 hash = ParseHashV(req.params[0], "blockhash");
            const int verbosity = ParseVerbosity(req.params[1], 1, true);
            ChainstateManager& cm = EnsureChainman(node);
            const BlockIndex* index;
            const BlockIndex* tip;
            std::optional<std::vector<uint8_t>> raw;
            {
                std::lock_guard lock(cm.Mutex());
                index = cm.LookupBlockIndex(hash);
                tip = cm.Tip();
                if (!index) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found");
                CheckBlockDataAvailability(cm, *index, false);
                raw = cm.ReadRawBlock(*index);
            }
            if (!raw) throw RpcError(RPC_MISC_ERROR, "Block not found on disk");
            if (verbosity <= 0) return JsonValue(HexStr(*raw));
            auto block = DecodeBlock(*raw);
            if (!block) throw RpcError(RPC_MISC_ERROR, "Block not found on disk");
            return BlockToJson(cm, *block, *tip, *index, verbosity);
        }};
}

RpcMethod GetDifficultyRpc(NodeContext& node)
{
    return RpcMethod{
        "getdifficulty",
        "Returns the proof-of-work difficulty as a multiple of the minimum difficulty.\n",
        {},
        {Res{Res::Type::NUM, "", "the proof-of-work difficulty as a multiple of the minimum difficulty."}},
        HelpExampleCli("getdifficulty", "") + HelpExampleRpc("getdifficulty", ""),
        [&node](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
            ChainstateManager& cm = EnsureChainman(node);
            std::lock_guard lock(cm.Mutex());
            return JsonDouble(GetDifficulty(cm.Tip()->bits));
        }};
}

/** gettxoutsetinfo's statistics with the MuHash3072 of the UTXO set (each coin serialized as for
 *  hash_serialized_3: outpoint, height * 2 + coinbase as uint32, output). */
std::optional<UtxoStats> ComputeUtxoStatsMuHash(const CoinsViewDB& view)
{
    UtxoStats stats;
    stats.best_block = view.GetBestBlock();
    MuHash3072 muhash;
    uint256 last_txid;
    bool first = true;
    const Bytes prefix{'C'};
    for (auto it = view.GetDatabase().Seek(prefix); it->Valid(); it->Next()) {
        auto outpoint = CoinsViewDB::ParseCoinKey(it->Key());
        auto coin = DeserializeCoin(it->Value());
        if (!outpoint || !coin) return std::nullopt;
        if (first || outpoint->hash != last_txid) {
            ++stats.transactions;
            last_txid = outpoint->hash;
            first = false;
        }
        std::vector<uint8_t> ser;
        VectorWriter w(ser);
        SerializeOutPoint(w, *outpoint);
        WriteLE(w, static_cast<uint32_t>((coin->height << 1) | (coin->coinbase ? 1 : 0)));
        SerializeTxOut(w, coin->out);
        muhash.Insert(ser);
        ++stats.txouts;
        stats.total_amount += coin->out.value;
        stats.bogosize += 32 + 4 + 4 + 8 + 2 + coin->out.script_pubkey.size();
    }
    muhash.Finalize(stats.hash_serialized);
    const Bytes end{'C' + 1};
    stats.disk_size = view.GetDatabase().EstimateSize(prefix, end);
    return stats;
}

/** The -prune target in bytes (0 when not pruning). */
uint64_t ChainstatePruneTarget(const ChainstateManager& cm) { return cm.PruneTargetBytes(); }

RpcMethod GetBlockchainInfo(NodeContext& node)
{
    return RpcMethod{
        "getblockchaininfo",
        "Returns an object containing various state info regarding blockchain processing.\n",
        {},
        {Res{Res::Type::OBJ, "", "",
             {
                 Res{Res::Type::STR, "chain", "current network name (main, test, testnet4, signet, regtest)"},
                 Res{Res::Type::NUM, "blocks", "the height of the most-work fully-validated chain. The genesis block has height 0"},
                 Res{Res::Type::NUM, "headers", "the current number of headers we have validated"},
                 Res{Res::Type::STR, "bestblockhash", "the hash of the currently best block"},
                 Res{Res::Type::STR_HEX, "bits", "nBits: compact representation of the block difficulty target"},
                 Res{Res::Type::STR_HEX, "target", "the difficulty target"},
                 Res{Res::Type::NUM, "difficulty", "the current difficulty"},
                 Res{Res::Type::NUM_TIME, "time", std::string("the block time expressed in ") + UNIX_EPOCH_TIME},
                 Res{Res::Type::NUM_TIME, "mediantime", std::string("the median block time expressed in ") + UNIX_EPOCH_TIME},
                 Res{Res::Type::NUM, "verificationprogress", "estimate of verification progress [0..1]"},
                 Res{Res::Type::BOOL, "initialblockdownload", "(debug information) estimate of whether this node is in Initial Block Download mode"},
                 Res{Res::Type::STR_HEX, "chainwork", "total amount of work in active chain, in hexadecimal"},
                 Res{Res::Type::NUM, "size_on_disk", "the estimated size of the block and undo files on disk"},
                 Res{Res::Type::BOOL, "pruned", "if the blocks are subject to pruning"},
                 Res{Res::Type::NUM, "pruneheight", true, "the first block unpruned, all previous blocks were pruned (only present if pruning is enabled)"},
                 Res{Res::Type::BOOL, "automatic_pruning", true, "whether automatic pruning is enabled (only present if pruning is enabled)"},
                 Res{Res::Type::NUM, "prune_target_size", true, "the target size used by pruning (only present if automatic pruning is enabled)"},
                 Res{Res::Type::STR_HEX, "signet_challenge", true, "the block challenge (aka. block script), in hexadecimal (only present if the current network is a signet)"},
                 Res{Res::Type::ARR, "warnings", "any network and blockchain warnings (run with `-deprecatedrpc=warnings` to return the latest warning as a single string)",
                     {Res{Res::Type::STR, "", "warning"}}},
             }}},
        HelpExampleCli("getblockchaininfo", "") + HelpExampleRpc("getblockchaininfo", ""),
        [&node](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
            ChainstateManager& cm = EnsureChainman(node);
            std::lock_guard lock(cm.Mutex());
            const BlockIndex& tip = *cm.Tip();
            JsonValue r = JsonValue::Object();
            r.PushKV("chain", ChainName(cm.Params().chain));
            r.PushKV("blocks", tip.height);
            r.PushKV("headers", cm.BestHeader() ? cm.BestHeader()->height : -1);
            r.PushKV("bestblockhash", tip.GetBlockHash().GetHex());
            r.PushKV("bits", Hex8(tip.bits));
            r.PushKV("target", TargetHex(tip.bits, cm.Params().consensus.pow_limit));
            r.PushKV("difficulty", JsonDouble(GetDifficulty(tip.bits)));
            r.PushKV("time", tip.GetBlockTime());
            r.PushKV("mediantime", tip.GetMedianTimePast());
            r.PushKV("verificationprogress", JsonDouble(cm.VerificationProgress(&tip)));
            r.PushKV("initialblockdownload", cm.IsInitialBlockDownload());
            r.PushKV("chainwork", tip.chain_work.GetHex());
            r.PushKV("size_on_disk", cm.BlockFilesSize());
            r.PushKV("pruned", cm.IsPruneMode());
            if (cm.IsPruneMode()) {
                r.PushKV("pruneheight", cm.HavePruned() ? cm.PruneHeight() : 0);
                r.PushKV("automatic_pruning", true);
                // Sovereign has no manual-only prune mode: a prune target is always set.
                r.PushKV("prune_target_size", ChainstatePruneTarget(cm));
            }
            if (cm.Params().chain == Chain::SIGNET) {
                r.PushKV("signet_challenge", HexStr(cm.Params().consensus.signet_challenge));
            }
            r.PushKV("warnings", JsonValue::Array());
            return r;
        }};
}

RpcMethod GetChainTips(NodeContext& node)
{
    return RpcMethod{
        "getchaintips",
        "Return information about all known tips in the block tree, including the main chain as well as orphaned "
        "branches.\n",
        {},
        {Res{Res::Type::ARR, "", "",
             {Res{Res::Type::OBJ, "", "",
                  {
                      Res{Res::Type::NUM, "height", "height of the chain tip"},
                      Res{Res::Type::STR_HEX, "hash", "block hash of the tip"},
                      Res{Res::Type::NUM, "branchlen", "zero for main chain, otherwise length of branch connecting the tip to the main chain"},
                      Res{Res::Type::STR, "status",
                          "status of the chain, \"active\" for the main chain\n"
                          "Possible values for status:\n"
                          "1.  \"invalid\"               This branch contains at least one invalid block\n"
                          "2.  \"headers-only\"          Not all blocks for this branch are available, but the headers are valid\n"
                          "3.  \"valid-headers\"         All blocks are available for this branch, but they were never fully validated\n"
                          "4.  \"valid-fork\"            This branch is not part of the active chain, but is fully validated\n"
                          "5.  \"active\"                This is the tip of the active main chain, which is certainly valid"},
                  }}}}},
        HelpExampleCli("getchaintips", "") + HelpExampleRpc("getchaintips", ""),
        [&node](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
            ChainstateManager& cm = EnsureChainman(node);
            std::lock_guard lock(cm.Mutex());
            std::vector<const BlockIndex*> tips = cm.GetChainTips();
            if (std::find(tips.begin(), tips.end(), cm.Tip()) == tips.end()) tips.push_back(cm.Tip());
            // Highest first, as Core's CompareBlocksByHeight; equal heights in a fixed (hash) order.
            std::sort(tips.begin(), tips.end(), [](const BlockIndex* a, const BlockIndex* b) {
                if (a->height != b->height) return a->height > b->height;
                return a->GetBlockHash() < b->GetBlockHash();
            });
            JsonValue res = JsonValue::Array();
            for (const BlockIndex* b : tips) {
                JsonValue o = JsonValue::Object();
                o.PushKV("height", b->height);
                o.PushKV("hash", b->GetBlockHash().GetHex());
                o.PushKV("branchlen", b->height - cm.Chain().FindFork(b)->height);
                std::string status;
                if (cm.Chain().Contains(b)) {
                    status = "active";
                } else if (b->status & BLOCK_FAILED_MASK) {
                    status = "invalid";
                } else if (!b->HaveNumChainTxs()) {
                    status = "headers-only";
                } else if (b->IsValid(BLOCK_VALID_SCRIPTS)) {
                    status = "valid-fork";
                } else if (b->IsValid(BLOCK_VALID_TREE)) {
                    status = "valid-headers";
                } else {
                    status = "unknown";
                }
                o.PushKV("status", status);
                res.PushBack(std::move(o));
            }
            return res;
        }};
}

RpcMethod GetChainTxStats(NodeContext& node)
{
    return RpcMethod{
        "getchaintxstats",
        "Compute statistics about the total number and rate of transactions in the chain.\n",
        {
            Arg{"nblocks", Arg::Type::NUM, Arg::DefaultHint{"one month"}, "Size of the window in number of blocks"},
            Arg{"blockhash", Arg::Type::STR_HEX, Arg::DefaultHint{"chain tip"}, "The hash of the block that ends the window."},
        },
        {Res{Res::Type::OBJ, "", "",
             {
                 Res{Res::Type::NUM_TIME, "time", std::string("The timestamp for the final block in the window, expressed in ") + UNIX_EPOCH_TIME},
                 Res{Res::Type::NUM, "txcount", true, "The total number of transactions in the chain up to that point, if known. It may be unknown when using assumeutxo."},
                 Res{Res::Type::STR_HEX, "window_final_block_hash", "The hash of the final block in the window"},
                 Res{Res::Type::NUM, "window_final_block_height", "The height of the final block in the window."},
                 Res{Res::Type::NUM, "window_block_count", "Size of the window in number of blocks"},
                 Res{Res::Type::NUM, "window_interval", true, "The elapsed time in the window in seconds. Only returned if \"window_block_count\" is > 0"},
                 Res{Res::Type::NUM, "window_tx_count", true, "The number of transactions in the window. Only returned if \"window_block_count\" is > 0 and if txcount exists for the start and end of the window."},
                 Res{Res::Type::NUM, "txrate", true, "The average rate of transactions per second in the window. Only returned if \"window_interval\" is > 0 and if window_tx_count exists."},
             }}},
        HelpExampleCli("getchaintxstats", "") + HelpExampleRpc("getchaintxstats", "2016"),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            ChainstateManager& cm = EnsureChainman(node);
            int blockcount = static_cast<int>(30 * 24 * 60 * 60 / cm.Params().consensus.pow_target_spacing);
            std::lock_guard lock(cm.Mutex());
            const BlockIndex* index;
            if (req.params[1].IsNull()) {
                index = cm.Tip();
            } else {
                const uint256 hash = ParseHashV(req.params[1], "blockhash");
                index = cm.LookupBlockIndex(hash);
                if (!index) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found");
                if (!cm.Chain().Contains(index)) throw RpcError(RPC_INVALID_PARAMETER, "Block is not in main chain");
            }
            if (req.params[0].IsNull()) {
                blockcount = std::max(0, std::min(blockcount, index->height - 1));
            } else {
                blockcount = JsonGetInt(req.params[0]);
                if (blockcount < 0 || (blockcount > 0 && blockcount >= index->height)) {
                    throw RpcError(RPC_INVALID_PARAMETER, "Invalid block count: should be between 0 and the block's height - 1");
                }
            }
            const BlockIndex& past = *index->GetAncestor(index->height - blockcount);
            const int64_t time_diff = index->GetMedianTimePast() - past.GetMedianTimePast();
            JsonValue r = JsonValue::Object();
            r.PushKV("time", uint64_t{index->time});
            if (index->chain_tx_count) r.PushKV("txcount", index->chain_tx_count);
            r.PushKV("window_final_block_hash", index->GetBlockHash().GetHex());
            r.PushKV("window_final_block_height", index->height);
            r.PushKV("window_block_count", blockcount);
            if (blockcount > 0) {
                r.PushKV("window_interval", time_diff);
                if (index->chain_tx_count != 0 && past.chain_tx_count != 0) {
                    const uint64_t window_tx_count = index->chain_tx_count - past.chain_tx_count;
                    r.PushKV("window_tx_count", window_tx_count);
                    if (time_diff > 0) r.PushKV("txrate", JsonDouble(static_cast<double>(window_tx_count) / time_diff));
                }
            }
            return r;
        }};
}

RpcMethod GetTxOut(NodeContext& node)
{
    return RpcMethod{
        "gettxout",
        "Returns details about an unspent transaction output.\n",
        {
            Arg{"txid", Arg::Type::STR, Arg::Optional::NO, "The transaction id"},
            Arg{"n", Arg::Type::NUM, Arg::Optional::NO, "vout number"},
            Arg{"include_mempool", Arg::Type::BOOL, Arg::Default{JsonValue(true)},
                "Whether to include the mempool. Note that an unspent output that is spent in the mempool won't appear."},
        },
        {
            Res{"If the UTXO was not found", Res::Type::NONE, "", ""},
            Res{"Otherwise", Res::Type::OBJ, "", "",
                {
                    Res{Res::Type::STR_HEX, "bestblock", "The hash of the block at the tip of the chain"},
                    Res{Res::Type::NUM, "confirmations", "The number of confirmations"},
                    Res{Res::Type::STR_AMOUNT, "value", std::string("The transaction value in ") + CURRENCY_UNIT},
                    Res{Res::Type::OBJ, "scriptPubKey", "",
                        {
                            Res{Res::Type::STR, "asm", "Disassembly of the output script"},
                            Res{Res::Type::STR, "desc", "Inferred descriptor for the output"},
                            Res{Res::Type::STR_HEX, "hex", "The raw output script bytes, hex-encoded"},
                            Res{Res::Type::STR, "type", "The type, eg pubkeyhash"},
                            Res{Res::Type::STR, "address", true, "The Bitcoin address (only if a well-defined address exists)"},
                        }},
                    Res{Res::Type::BOOL, "coinbase", "Coinbase or not"},
                }},
        },
        "\nGet unspent transactions\n" + HelpExampleCli("listunspent", "") + "\nView the details\n" +
            HelpExampleCli("gettxout", "\"txid\" 1") + "\nAs a JSON-RPC call\n" + HelpExampleRpc("gettxout", "\"txid\", 1"),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            ChainstateManager& cm = EnsureChainman(node);
            std::lock_guard lock(cm.Mutex());
            const uint256 txid = ParseHashV(req.params[0], "txid");
            const int64_t n = JsonGetInt64(req.params[1]);
            if (n < 0 || n > 0xffffffffLL) throw std::runtime_error("JSON integer out of range");
            const OutPoint out{txid, static_cast<uint32_t>(n)};
            const bool include_mempool = req.params[2].IsNull() ? true : JsonGetBool(req.params[2]);
            CoinsViewCache& tip_view = cm.CoinsTip();
            std::optional<Coin> coin;
            if (include_mempool) {
                TxMemPool& pool = EnsureMempool(node);
                std::lock_guard pool_lock(pool.m_mutex);
                CoinsViewMemPool view(&tip_view, pool);
                if (!pool.IsSpent(out)) coin = view.GetCoin(out);
            } else {
                coin = tip_view.GetCoin(out);
            }
            if (!coin) return JsonValue();
            const BlockIndex* index = cm.LookupBlockIndex(tip_view.GetBestBlock());
            JsonValue r = JsonValue::Object();
            r.PushKV("bestblock", index->GetBlockHash().GetHex());
            if (coin->height == MEMPOOL_HEIGHT) {
                r.PushKV("confirmations", 0);
            } else {
                r.PushKV("confirmations", static_cast<int64_t>(index->height) - coin->height + 1);
            }
            r.PushKV("value", ValueFromAmount(coin->out.value));
            JsonValue spk = JsonValue::Object();
            ScriptToJson(coin->out.script_pubkey, spk, true, true, cm.Params().chain);
            r.PushKV("scriptPubKey", std::move(spk));
            r.PushKV("coinbase", coin->coinbase);
            return r;
        }};
}

RpcMethod GetTxOutSetInfo(NodeContext& node)
{
    return RpcMethod{
        "gettxoutsetinfo",
        "Returns statistics about the unspent transaction output set.\n"
        "Note this call may take some time if you are not using coinstatsindex.\n",
        {
            Arg{"hash_type", Arg::Type::STR, Arg::Default{JsonValue("hash_serialized_3")},
                "Which UTXO set hash should be calculated. Options: 'hash_serialized_3' (the legacy algorithm), 'muhash', 'none'."},
            Arg{"hash_or_height", Arg::Type::NUM, Arg::DefaultHint{"the current best block"},
                "The block hash or height of the target height (only available with coinstatsindex).",
                [] {
                    RpcArgOptions o;
                    o.skip_type_check = true;
                    o.type_str = {"", "string or numeric"};
                    return o;
                }()},
            Arg{"use_index", Arg::Type::BOOL, Arg::Default{JsonValue(true)}, "Use coinstatsindex, if available."},
        },
        {Res{Res::Type::OBJ, "", "",
             {
                 Res{Res::Type::NUM, "height", "The block height (index) of the returned statistics"},
                 Res{Res::Type::STR_HEX, "bestblock", "The hash of the block at which these statistics are calculated"},
                 Res{Res::Type::NUM, "txouts", "The number of unspent transaction outputs"},
                 Res{Res::Type::NUM, "bogosize", "Database-independent, meaningless metric indicating the UTXO set size"},
                 Res{Res::Type::STR_HEX, "hash_serialized_3", true, "The serialized hash (only present if 'hash_serialized_3' hash_type is chosen)"},
                 Res{Res::Type::STR_HEX, "muhash", true, "The serialized hash (only present if 'muhash' hash_type is chosen)"},
                 Res{Res::Type::NUM, "transactions", true, "The number of transactions with unspent outputs (not available when coinstatsindex is used)"},
                 Res{Res::Type::NUM, "disk_size", true, "The estimated size of the chainstate on disk (not available when coinstatsindex is used)"},
                 Res{Res::Type::STR_AMOUNT, "total_amount", "The total amount of coins in the UTXO set"},
             }}},
        HelpExampleCli("gettxoutsetinfo", "") + HelpExampleCli("gettxoutsetinfo", R"("none")") +
            HelpExampleCli("gettxoutsetinfo", R"("none" 1000)") +
            HelpExampleCli("gettxoutsetinfo", R"("none" '"00000000c937983704a73af28acdec37b049d214adbda81d7e2a3dd146f6ed09"')") +
            HelpExampleCli("-named gettxoutsetinfo", R"(hash_type='muhash' use_index='false')") +
            HelpExampleRpc("gettxoutsetinfo", "") + HelpExampleRpc("gettxoutsetinfo", R"("none")") +
            HelpExampleRpc("gettxoutsetinfo", R"("none", 1000)") +
            HelpExampleRpc("gettxoutsetinfo", R"("none", "00000000c937983704a73af28acdec37b049d214adbda81d7e2a3dd146f6ed09")"),
        [&node](const RpcMethod& self, const JsonRpcRequest& req) -> JsonValue {
            const std::string hash_type = JsonGetStr(*ArgOrDefault(self, req, 0));
            if (hash_type != "hash_serialized_3" && hash_type != "muhash" && hash_type != "none") {
                throw RpcError(RPC_INVALID_PARAMETER, "'" + hash_type + "' is not a valid hash_type");
            }
            if (!req.params[1].IsNull()) {
                // There is no coinstatsindex (yet).
                throw RpcError(RPC_INVALID_PARAMETER, "Querying specific block heights requires coinstatsindex");
            }
            ChainstateManager& cm = EnsureChainman(node);
            std::lock_guard lock(cm.Mutex());
            cm.Flush(FlushMode::ALWAYS);
            const std::optional<UtxoStats> stats =
                hash_type == "muhash" ? ComputeUtxoStatsMuHash(cm.CoinsDB()) : ComputeUtxoStats(cm.CoinsDB());
            if (!stats) throw RpcError(RPC_INTERNAL_ERROR, "Unable to read UTXO set");
            const BlockIndex* index = cm.LookupBlockIndex(stats->best_block);
            JsonValue r = JsonValue::Object();
            r.PushKV("height", index ? index->height : -1);
            r.PushKV("bestblock", stats->best_block.GetHex());
            r.PushKV("txouts", stats->txouts);
            r.PushKV("bogosize", stats->bogosize);
            if (hash_type == "hash_serialized_3") r.PushKV("hash_serialized_3", stats->hash_serialized.GetHex());
            if (hash_type == "muhash") r.PushKV("muhash", stats->hash_serialized.GetHex());
            r.PushKV("total_amount", ValueFromAmount(stats->total_amount));
            r.PushKV("transactions", stats->transactions);
            r.PushKV("disk_size", stats->disk_size);
            return r;
        }};
}

/** The two mainnet coinbases that repeat an earlier one (BIP30 exceptions): they do not change the UTXO set. */
bool IsBip30Repeat(const BlockIndex& index)
{
    static const uint256 H91842 = *uint256::FromHex("00000000000a4d0a398161ffc163c503763b1f4360639393e0e4c8e300e0caec");
    static const uint256 H91880 = *uint256::FromHex("00000000000743f190a18c5577a3c2d2a1f610ae9601ac046a38084ccb7cd721");
    return (index.height == 91842 && index.GetBlockHash() == H91842) ||
           (index.height == 91880 && index.GetBlockHash() == H91880);
}

int64_t TxOutSerializedSize(const TxOut& out)
{
    const size_t n = out.script_pubkey.size();
    return static_cast<int64_t>(8 + CompactSizeLen(n) + n);
}

template <typename T>
T TruncatedMedian(std::vector<T>& v)
{
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 == 0 ? (v[n / 2 - 1] + v[n / 2]) / 2 : v[n / 2];
}

/** Feerates at the 10th, 25th, 50th, 75th and 90th percentile of weight (Core's CalculatePercentilesByWeight). */
void PercentilesByWeight(Amount result[NUM_GETBLOCKSTATS_PERCENTILES], std::vector<std::pair<Amount, int64_t>>& scores,
                         int64_t total_weight)
{
    if (scores.empty()) return;
    std::sort(scores.begin(), scores.end());
    const double weights[NUM_GETBLOCKSTATS_PERCENTILES] = {total_weight / 10.0, total_weight / 4.0,
                                                           total_weight / 2.0, (total_weight * 3.0) / 4.0,
                                                           (total_weight * 9.0) / 10.0};
    int next = 0;
    int64_t cumulative = 0;
    for (const auto& [rate, weight] : scores) {
        cumulative += weight;
        while (next < NUM_GETBLOCKSTATS_PERCENTILES && cumulative >= weights[next]) result[next++] = rate;
    }
    for (int i = next; i < NUM_GETBLOCKSTATS_PERCENTILES; ++i) result[i] = scores.back().first;
}

RpcMethod GetBlockStats(NodeContext& node)
{
    RpcArgOptions hash_or_height_opts;
    hash_or_height_opts.skip_type_check = true;
    hash_or_height_opts.type_str = {"", "string or numeric"};
    RpcArgOptions stats_opts;
    stats_opts.oneline_description = "stats";
    return RpcMethod{
        "getblockstats",
        "Compute per block statistics for a given window. All amounts are in satoshis.\n"
        "It won't work for some heights with pruning.\n",
        {
            Arg{"hash_or_height", Arg::Type::NUM, Arg::Optional::NO, "The block hash or height of the target block",
                hash_or_height_opts},
            Arg{"stats", Arg::Type::ARR, Arg::DefaultHint{"all values"}, "Values to plot (see result below)",
                {
                    Arg{"height", Arg::Type::STR, Arg::Optional::OMITTED, "Selected statistic"},
                    Arg{"time", Arg::Type::STR, Arg::Optional::OMITTED, "Selected statistic"},
                },
                stats_opts},
        },
        {Res{Res::Type::OBJ, "", "",
             {
                 Res{Res::Type::NUM, "avgfee", true, "Average fee in the block"},
                 Res{Res::Type::NUM, "avgfeerate", true, "Average feerate (in satoshis per virtual byte)"},
                 Res{Res::Type::NUM, "avgtxsize", true, "Average transaction size"},
                 Res{Res::Type::STR_HEX, "blockhash", true, "The block hash (to check for potential reorgs)"},
                 Res{Res::Type::ARR_FIXED, "feerate_percentiles", true,
                     "Feerates at the 10th, 25th, 50th, 75th, and 90th percentile weight unit (in satoshis per virtual byte)",
                     {
                         Res{Res::Type::NUM, "10th_percentile_feerate", "The 10th percentile feerate"},
                         Res{Res::Type::NUM, "25th_percentile_feerate", "The 25th percentile feerate"},
                         Res{Res::Type::NUM, "50th_percentile_feerate", "The 50th percentile feerate"},
                         Res{Res::Type::NUM, "75th_percentile_feerate", "The 75th percentile feerate"},
                         Res{Res::Type::NUM, "90th_percentile_feerate", "The 90th percentile feerate"},
                     }},
                 Res{Res::Type::NUM, "height", true, "The height of the block"},
                 Res{Res::Type::NUM, "ins", true, "The number of inputs (excluding coinbase)"},
                 Res{Res::Type::NUM, "maxfee", true, "Maximum fee in the block"},
                 Res{Res::Type::NUM, "maxfeerate", true, "Maximum feerate (in satoshis per virtual byte)"},
                 Res{Res::Type::NUM, "maxtxsize", true, "Maximum transaction size"},
                 Res{Res::Type::NUM, "medianfee", true, "Truncated median fee in the block"},
                 Res{Res::Type::NUM, "mediantime", true, "The block median time past"},
                 Res{Res::Type::NUM, "mediantxsize", true, "Truncated median transaction size"},
                 Res{Res::Type::NUM, "minfee", true, "Minimum fee in the block"},
                 Res{Res::Type::NUM, "minfeerate", true, "Minimum feerate (in satoshis per virtual byte)"},
                 Res{Res::Type::NUM, "mintxsize", true, "Minimum transaction size"},
                 Res{Res::Type::NUM, "outs", true, "The number of outputs"},
                 Res{Res::Type::NUM, "subsidy", true, "The block subsidy"},
                 Res{Res::Type::NUM, "swtotal_size", true, "Total size of all segwit transactions"},
                 Res{Res::Type::NUM, "swtotal_weight", true, "Total weight of all segwit transactions"},
                 Res{Res::Type::NUM, "swtxs", true, "The number of segwit transactions"},
                 Res{Res::Type::NUM, "time", true, "The block time"},
                 Res{Res::Type::NUM, "total_out", true, "Total amount in all outputs (excluding coinbase and thus reward [ie subsidy + totalfee])"},
                 Res{Res::Type::NUM, "total_size", true, "Total size of all non-coinbase transactions"},
                 Res{Res::Type::NUM, "total_weight", true, "Total weight of all non-coinbase transactions"},
                 Res{Res::Type::NUM, "totalfee", true, "The fee total"},
                 Res{Res::Type::NUM, "txs", true, "The number of transactions (including coinbase)"},
                 Res{Res::Type::NUM, "utxo_increase", true, "The increase/decrease in the number of unspent outputs (not discounting op_return and similar)"},
                 Res{Res::Type::NUM, "utxo_size_inc", true, "The increase/decrease in size for the utxo index (not discounting op_return and similar)"},
                 Res{Res::Type::NUM, "utxo_increase_actual", true, "The increase/decrease in the number of unspent outputs, not counting unspendables"},
                 Res{Res::Type::NUM, "utxo_size_inc_actual", true, "The increase/decrease in size for the utxo index, not counting unspendables"},
             }}},
        HelpExampleCli("getblockstats", R"('"00000000c937983704a73af28acdec37b049d214adbda81d7e2a3dd146f6ed09"' '["minfeerate","avgfeerate"]')") +
            HelpExampleCli("getblockstats", R"(1000 '["minfeerate","avgfeerate"]')") +
            HelpExampleRpc("getblockstats", R"("00000000c937983704a73af28acdec37b049d214adbda81d7e2a3dd146f6ed09", ["minfeerate","avgfeerate"])") +
            HelpExampleRpc("getblockstats", R"(1000, ["minfeerate","avgfeerate"])"),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            ChainstateManager& cm = EnsureChainman(node);
            const BlockIndex& index = *ParseHashOrHeight(req.params[0], cm);
            std::set<std::string> stats;
            if (!req.params[1].IsNull()) {
                const JsonValue& arr = JsonGetArray(req.params[1]);
                for (size_t i = 0; i < arr.size(); ++i) stats.insert(JsonGetStr(arr[i]));
            }
            const Block block = ReadBlockChecked(cm, index);
            const BlockUndo undo = ReadUndoChecked(cm, index);

            // Everything is computed; a selection only filters the result (Core's shortcuts change no value).
            Amount maxfee = 0, maxfeerate = 0, minfee = MAX_MONEY, minfeerate = MAX_MONEY;
            Amount total_out = 0, totalfee = 0;
            int64_t inputs = 0, maxtxsize = 0, mintxsize = MAX_BLOCK_SERIALIZED_SIZE, outputs = 0;
            int64_t swtotal_size = 0, swtotal_weight = 0, swtxs = 0, total_size = 0, total_weight = 0;
            int64_t utxos = 0, utxo_size_inc = 0, utxo_size_inc_actual = 0;
            std::vector<Amount> fee_array;
            std::vector<std::pair<Amount, int64_t>> feerate_array;
            std::vector<int64_t> txsize_array;

            for (size_t i = 0; i < block.vtx.size(); ++i) {
                const Transaction& tx = *block.vtx[i];
                outputs += static_cast<int64_t>(tx.vout.size());
                Amount tx_total_out = 0;
                for (const TxOut& out : tx.vout) {
                    tx_total_out += out.value;
                    const int64_t out_size = TxOutSerializedSize(out) + PER_UTXO_OVERHEAD;
                    utxo_size_inc += out_size;
                    // Genesis and the repeated BIP30 coinbases leave the UTXO set unchanged.
                    if (index.height == 0 || (IsBip30Repeat(index) && tx.IsCoinBase())) continue;
                    if (out.script_pubkey.IsUnspendable()) continue;
                    ++utxos;
                    utxo_size_inc_actual += out_size;
                }
                if (tx.IsCoinBase()) continue;

                inputs += static_cast<int64_t>(tx.vin.size());
                total_out += tx_total_out;
                const int64_t tx_size = static_cast<int64_t>(tx.GetTotalSize());
                txsize_array.push_back(tx_size);
                maxtxsize = std::max(maxtxsize, tx_size);
                mintxsize = std::min(mintxsize, tx_size);
                total_size += tx_size;
                const int64_t weight = GetTransactionWeight(tx);
                total_weight += weight;
                if (tx.HasWitness()) {
                    ++swtxs;
                    swtotal_size += tx_size;
                    swtotal_weight += weight;
                }
                if (i - 1 >= undo.vtxundo.size()) throw RpcError(RPC_INTERNAL_ERROR, "Undo data mismatch");
                Amount tx_total_in = 0;
                for (const Coin& coin : undo.vtxundo[i - 1].prevout) {
                    tx_total_in += coin.out.value;
                    const int64_t prev_size = TxOutSerializedSize(coin.out) + PER_UTXO_OVERHEAD;
                    utxo_size_inc -= prev_size;
                    utxo_size_inc_actual -= prev_size;
                }
                const Amount txfee = tx_total_in - tx_total_out;
                if (!MoneyRange(txfee)) throw RpcError(RPC_INTERNAL_ERROR, "Internal bug detected: MoneyRange(txfee)");
                fee_array.push_back(txfee);
                maxfee = std::max(maxfee, txfee);
                minfee = std::min(minfee, txfee);
                totalfee += txfee;
                // Satoshis per virtual byte.
                const Amount feerate = weight ? (txfee * WITNESS_SCALE_FACTOR) / weight : 0;
                feerate_array.emplace_back(feerate, weight);
                maxfeerate = std::max(maxfeerate, feerate);
                minfeerate = std::min(minfeerate, feerate);
            }

            Amount percentiles[NUM_GETBLOCKSTATS_PERCENTILES] = {0};
            PercentilesByWeight(percentiles, feerate_array, total_weight);
            JsonValue feerates = JsonValue::Array();
            for (Amount p : percentiles) feerates.PushBack(JsonValue(static_cast<int64_t>(p)));

            const int64_t ntx = static_cast<int64_t>(block.vtx.size());
            JsonValue all = JsonValue::Object();
            all.PushKV("avgfee", ntx > 1 ? totalfee / (ntx - 1) : 0);
            all.PushKV("avgfeerate", total_weight ? (totalfee * WITNESS_SCALE_FACTOR) / total_weight : 0);
            all.PushKV("avgtxsize", ntx > 1 ? total_size / (ntx - 1) : 0);
            all.PushKV("blockhash", index.GetBlockHash().GetHex());
            all.PushKV("feerate_percentiles", std::move(feerates));
            all.PushKV("height", index.height);
            all.PushKV("ins", inputs);
            all.PushKV("maxfee", maxfee);
            all.PushKV("maxfeerate", maxfeerate);
            all.PushKV("maxtxsize", maxtxsize);
            all.PushKV("medianfee", TruncatedMedian(fee_array));
            all.PushKV("mediantime", index.GetMedianTimePast());
            all.PushKV("mediantxsize", TruncatedMedian(txsize_array));
            all.PushKV("minfee", minfee == MAX_MONEY ? 0 : minfee);
            all.PushKV("minfeerate", minfeerate == MAX_MONEY ? 0 : minfeerate);
            all.PushKV("mintxsize", mintxsize == MAX_BLOCK_SERIALIZED_SIZE ? 0 : mintxsize);
            all.PushKV("outs", outputs);
            all.PushKV("subsidy", GetBlockSubsidy(index.height, cm.Params().consensus));
            all.PushKV("swtotal_size", swtotal_size);
            all.PushKV("swtotal_weight", swtotal_weight);
            all.PushKV("swtxs", swtxs);
            all.PushKV("time", index.GetBlockTime());
            all.PushKV("total_out", total_out);
            all.PushKV("total_size", total_size);
            all.PushKV("total_weight", total_weight);
            all.PushKV("totalfee", totalfee);
            all.PushKV("txs", ntx);
            all.PushKV("utxo_increase", outputs - inputs);
            all.PushKV("utxo_size_inc", utxo_size_inc);
            all.PushKV("utxo_increase_actual", utxos - inputs);
            all.PushKV("utxo_size_inc_actual", utxo_size_inc_actual);
            if (stats.empty()) return all;

            JsonValue ret = JsonValue::Object();
            for (const std::string& stat : stats) {
                if (!all.Exists(stat)) {
                    throw RpcError(RPC_INVALID_PARAMETER, "Invalid selected statistic '" + stat + "'");
                }
                ret.PushKV(stat, all[stat]);
            }
            return ret;
        }};
}

RpcMethod PreciousBlock(NodeContext& node)
{
    return RpcMethod{
        "preciousblock",
        "Treats a block as if it were received before others with the same work.\n"
        "\nA later preciousblock call can override the effect of an earlier one.\n"
        "\nThe effects of preciousblock are not retained across restarts.\n",
        {Arg{"blockhash", Arg::Type::STR_HEX, Arg::Optional::NO, "the hash of the block to mark as precious"}},
        {Res{Res::Type::NONE, "", ""}},
        HelpExampleCli("preciousblock", "\"blockhash\"") + HelpExampleRpc("preciousblock", "\"blockhash\""),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            const uint256 hash = ParseHashV(req.params[0], "blockhash");
            ChainstateManager& cm = EnsureChainman(node);
            {
                std::lock_guard lock(cm.Mutex());
                if (!cm.LookupBlockIndex(hash)) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found");
            }
            // Simplified: the chainstate has no precious-block tie-break yet; re-run best-chain selection only.
            BlockValidationState state;
            cm.ActivateBestChain(state);
            if (!state.IsValid()) throw RpcError(RPC_DATABASE_ERROR, state.ToString());
            return JsonValue();
        }};
}

RpcMethod InvalidateBlockRpc(NodeContext& node)
{
    return RpcMethod{
        "invalidateblock",
        "Permanently marks a block as invalid, as if it violated a consensus rule.\n",
        {Arg{"blockhash", Arg::Type::STR_HEX, Arg::Optional::NO, "the hash of the block to mark as invalid"}},
        {Res{Res::Type::NONE, "", ""}},
        HelpExampleCli("invalidateblock", "\"blockhash\"") + HelpExampleRpc("invalidateblock", "\"blockhash\""),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            ChainstateManager& cm = EnsureChainman(node);
            const uint256 hash = ParseHashV(req.params[0], "blockhash");
            BlockIndex* index;
            {
                std::lock_guard lock(cm.Mutex());
                index = cm.LookupBlockIndex(hash);
                if (!index) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found");
            }
            BlockValidationState state;
            cm.InvalidateBlock(state, index);
            if (state.IsValid()) cm.ActivateBestChain(state);
            if (!state.IsValid()) throw RpcError(RPC_DATABASE_ERROR, state.ToString());
            return JsonValue();
        }};
}

RpcMethod ReconsiderBlockRpc(NodeContext& node)
{
    return RpcMethod{
        "reconsiderblock",
        "Removes invalidity status of a block, its ancestors and its descendants, reconsider them for activation.\n"
        "This can be used to undo the effects of invalidateblock.\n",
        {Arg{"blockhash", Arg::Type::STR_HEX, Arg::Optional::NO, "the hash of the block to reconsider"}},
        {Res{Res::Type::NONE, "", ""}},
        HelpExampleCli("reconsiderblock", "\"blockhash\"") + HelpExampleRpc("reconsiderblock", "\"blockhash\""),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            ChainstateManager& cm = EnsureChainman(node);
            const uint256 hash = ParseHashV(req.params[0], "blockhash");
            BlockIndex* index;
            {
                std::lock_guard lock(cm.Mutex());
                index = cm.LookupBlockIndex(hash);
                if (!index) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found");
            }
            BlockValidationState state;
            cm.ReconsiderBlock(state, index);
            state = BlockValidationState();
            cm.ActivateBestChain(state);
            if (!state.IsValid()) throw RpcError(RPC_DATABASE_ERROR, state.ToString());
            return JsonValue();
        }};
}

/** Core's VerifyDB up to level 3 on the last nblocks of the active chain: read each block (0), check it (1), read
 *  and check its undo data against the block (2), and check that disconnecting it restores the coins it spent
 *  and removes the ones it created, without touching the real UTXO set (3). Level 4 is treated as level 3. */
bool VerifyDb(ChainstateManager& cm, int level, int depth)
{
    std::lock_guard lock(cm.Mutex());
    const BlockIndex* tip = cm.Tip();
    if (!tip || tip->height == 0) return true;
    level = std::max(0, std::min(4, level));
    if (depth <= 0 || depth > tip->height) depth = tip->height;
    const uint256& pow_limit = cm.Params().consensus.pow_limit;
    // Level 3 walks backwards over an in-memory view of the coins.
    CoinsViewCache view(&cm.CoinsTip());
    for (const BlockIndex* index = tip; index && index->pprev && index->height > tip->height - depth;
         index = index->pprev) {
        if (cm.IsPruneMode() && !(index->status & BLOCK_HAVE_DATA)) break;  // pruned below here
        auto block = cm.ReadBlock(*index);
        if (!block) return false;
        if (level >= 1) {
            BlockValidationState state;
            if (!CheckBlock(*block, state, pow_limit)) return false;
        }
        if (level >= 2) {
            auto undo = cm.ReadUndo(*index);
            if (!undo) return false;
            if (undo->vtxundo.size() + 1 != block->vtx.size()) return false;
            for (size_t i = 1; i < block->vtx.size(); ++i) {
                if (undo->vtxundo[i - 1].prevout.size() != block->vtx[i]->vin.size()) return false;
            }
            if (level >= 3) {
                // Disconnect in reverse order: outputs must be present (or provably unspendable), then restore.
                for (size_t i = block->vtx.size(); i-- > 0;) {
                    const Transaction& tx = *block->vtx[i];
                    for (size_t o = 0; o < tx.vout.size(); ++o) {
                        if (tx.vout[o].script_pubkey.IsUnspendable()) continue;
                        const OutPoint op(tx.GetHash(), static_cast<uint32_t>(o));
                        Coin spent;
                        if (!view.SpendCoin(op, &spent)) {
                            // BIP30 duplicates and outputs spent later in the walked range were removed already.
                            continue;
                        }
                        if (spent.out != tx.vout[o] || spent.height != static_cast<uint32_t>(index->height)) return false;
                    }
                    if (i == 0) continue;
                    const TxUndo& tu = undo->vtxundo[i - 1];
                    for (size_t j = tx.vin.size(); j-- > 0;) {
                        view.AddCoin(tx.vin[j].prevout, tu.prevout[j], true);
                    }
                }
            }
        }
    }
    return true;
}

RpcMethod VerifyChain(NodeContext& node)
{
    return RpcMethod{
        "verifychain",
        "Verifies blockchain database.\n",
        {
            Arg{"checklevel", Arg::Type::NUM, Arg::DefaultHint{std::to_string(DEFAULT_CHECKLEVEL) + ", range=0-4"},
                "How thorough the block verification is:\n"
                "- level 0 reads the blocks from disk\n"
                "- level 1 verifies block validity\n"
                "- level 2 verifies undo data\n"
                "- level 3 checks disconnection of tip blocks\n"
                "- level 4 tries to reconnect the blocks\n"
                "- each level includes the checks of the previous levels"},
            Arg{"nblocks", Arg::Type::NUM, Arg::DefaultHint{std::to_string(DEFAULT_CHECKBLOCKS) + ", 0=all"},
                "The number of blocks to check."},
        },
        {Res{Res::Type::BOOL, "", "Verification finished successfully. If false, check debug log for reason."}},
        HelpExampleCli("verifychain", "") + HelpExampleRpc("verifychain", ""),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            const int level = req.params[0].IsNull() ? DEFAULT_CHECKLEVEL : JsonGetInt(req.params[0]);
            const int depth = req.params[1].IsNull() ? DEFAULT_CHECKBLOCKS : JsonGetInt(req.params[1]);
            return JsonValue(VerifyDb(EnsureChainman(node), level, depth));
        }};
}

RpcMethod PruneBlockchain(NodeContext& node)
{
    return RpcMethod{
        "pruneblockchain",
        "Attempts to delete block and undo data up to a specified height or timestamp, if eligible for pruning.\n"
        "Requires `-prune` to be enabled at startup. While pruned data may be re-fetched in some cases (e.g., via "
        "`getblockfrompeer`), local deletion is irreversible.\n",
        {Arg{"height", Arg::Type::NUM, Arg::Optional::NO,
             std::string("The block height to prune up to. May be set to a discrete height, or to a ") + UNIX_EPOCH_TIME +
                 "\n                  to prune blocks whose block time is at least 2 hours older than the provided timestamp."}},
        {Res{Res::Type::NUM, "", "Height of the last block pruned"}},
        HelpExampleCli("pruneblockchain", "1000") + HelpExampleRpc("pruneblockchain", "1000"),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            ChainstateManager& cm = EnsureChainman(node);
            if (!cm.IsPruneMode()) {
                throw RpcError(RPC_MISC_ERROR, "Cannot prune blocks because node is not in prune mode.");
            }
            std::lock_guard lock(cm.Mutex());
            int height = JsonGetInt(req.params[0]);
            if (height < 0) throw RpcError(RPC_INVALID_PARAMETER, "Negative block height.");
            // Above a billion it is a timestamp (Sep 2001 onwards), with Core's 2-hour window for old timestamps.
            if (height > 1000000000) {
                const BlockIndex* index = cm.Chain().FindEarliestAtLeast(height - MAX_FUTURE_BLOCK_TIME, 0);
                if (!index) {
                    throw RpcError(RPC_INVALID_PARAMETER, "Could not find block with at least the specified timestamp.");
                }
                height = index->height;
            }
            const int chain_height = cm.Chain().Height();
            if (static_cast<uint64_t>(chain_height) < cm.Params().prune_after_height) {
                throw RpcError(RPC_MISC_ERROR, "Blockchain is too short for pruning.");
            } else if (height > chain_height) {
                throw RpcError(RPC_INVALID_PARAMETER, "Blockchain is shorter than the attempted prune height.");
            } else if (height > chain_height - MIN_BLOCKS_TO_KEEP) {
                height = chain_height - MIN_BLOCKS_TO_KEEP;
            }
            cm.PruneBelow(height);
            return JsonValue(cm.HavePruned() ? cm.PruneHeight() - 1 : -1);
        }};
}

RpcMethod GetIndexInfo(NodeContext& node)
{
    return RpcMethod{
        "getindexinfo",
        "Returns the status of one or all available indices currently running in the node.\n",
        {Arg{"index_name", Arg::Type::STR, Arg::Optional::OMITTED, "Filter results for an index with a specific name."}},
        {Res{Res::Type::OBJ_DYN, "", "",
             {Res{Res::Type::OBJ, "name", "The name of the index",
                  {
                      Res{Res::Type::BOOL, "synced", "Whether the index is synced or not"},
                      Res{Res::Type::NUM, "best_block_height", "The block height to which the index is synced"},
                  }}}}},
        HelpExampleCli("getindexinfo", "") + HelpExampleRpc("getindexinfo", "") +
            HelpExampleCli("getindexinfo", "txindex") + HelpExampleRpc("getindexinfo", "txindex"),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            const std::string filter = req.params.size() > 0 && !req.params[0].IsNull() ? req.params[0].GetValStr() : "";
            JsonValue result = JsonValue::Object();
            for (const BaseIndex* index : node.indexes) {
                const IndexSummary s = index->GetSummary();
                if (!filter.empty() && filter != s.name) continue;
                JsonValue entry = JsonValue::Object();
                entry.PushKV("synced", s.synced);
                entry.PushKV("best_block_height", s.best_block_height);
                result.PushKV(s.name, entry);
            }
            return result;
        }};
}

/** blockhash, confirmations, time and blocktime after a transaction's own fields (Core's TxToJSON in rpc). */
void AddTxBlockInfo(ChainstateManager& cm, const uint256& block_hash, JsonValue& entry)
{
    if (block_hash.IsNull()) return;
    entry.PushKV("blockhash", block_hash.GetHex());
    const BlockIndex* index = cm.LookupBlockIndex(block_hash);
    if (!index) return;
    if (cm.Chain().Contains(index)) {
        entry.PushKV("confirmations", 1 + cm.Chain().Height() - index->height);
        entry.PushKV("time", index->GetBlockTime());
        entry.PushKV("blocktime", index->GetBlockTime());
    } else {
        entry.PushKV("confirmations", 0);
    }
}

void AppendFields(JsonValue& into, const JsonValue& from)
{
    for (size_t i = 0; i < from.keys().size(); ++i) into.PushKV(from.keys()[i], from.values()[i]);
}

RpcMethod GetRawTransaction(NodeContext& node)
{
    RpcArgOptions verbosity_opts;
    verbosity_opts.skip_type_check = true;
    std::vector<Res> v1{
        Res{Res::Type::BOOL, "in_active_chain", true, "Whether specified block is in the active chain or not (only present with explicit \"blockhash\" argument)"},
        Res{Res::Type::STR_HEX, "blockhash", true, "the block hash"},
        Res{Res::Type::NUM, "vsize_adjusted", true, "Sigop-adjusted virtual size in bytes, present for mempool transactions."},
        Res{Res::Type::NUM, "confirmations", true, "The confirmations"},
        Res{Res::Type::NUM_TIME, "blocktime", true, std::string("The block time expressed in ") + UNIX_EPOCH_TIME},
        Res{Res::Type::NUM, "time", true, "Same as \"blocktime\""},
        Res{Res::Type::STR_HEX, "hex", "The serialized, hex-encoded data for 'txid'"},
    };
    std::vector<Res> v1_all = v1;
    for (Res& r : TxDoc()) v1_all.push_back(r);
    std::vector<Res> v2 = v1;
    for (size_t i = 0; i < v2.size(); ++i) {
        if (i == 0) {
            v2[i].elision = "Same output as verbosity = 1";
        } else {
            v2[i].skip_in_help = true;
        }
    }
    v2.push_back(Res{Res::Type::NUM, "fee", true,
                     std::string("transaction fee in ") + CURRENCY_UNIT + ", omitted if block undo data is not available"});
    return RpcMethod{
        "getrawtransaction",
        "By default, this call only returns a transaction if it is in the mempool. If -txindex is enabled\n"
        "and no blockhash argument is passed, it will return the transaction if it is in the mempool or any block.\n"
        "If a blockhash argument is passed, it will return the transaction if\n"
        "the specified block is available and the transaction is in that block.\n\n"
        "Hint: Use gettransaction for wallet transactions.\n\n"
        "If verbosity is 0 or omitted, returns the serialized transaction as a hex-encoded string.\n"
        "If verbosity is 1, returns a JSON Object with information about the transaction.\n"
        "If verbosity is 2, returns a JSON Object with information about the transaction, including fee and prevout "
        "information.",
        {
            Arg{"txid", Arg::Type::STR_HEX, Arg::Optional::NO, "The transaction id"},
            Arg{"verbosity|verbose", Arg::Type::NUM, Arg::Default{JsonValue(0)},
                "0 for hex-encoded data, 1 for a JSON object, and 2 for JSON object with fee and prevout", verbosity_opts},
            Arg{"blockhash", Arg::Type::STR_HEX, Arg::Optional::OMITTED, "The block in which to look for the transaction"},
        },
        {
            Res{"if verbosity is not set or set to 0", Res::Type::STR, "data",
                "The serialized transaction as a hex-encoded string for 'txid'"},
            Res{"if verbosity is set to 1", Res::Type::OBJ, "", "", v1_all},
            Res{"for verbosity = 2", Res::Type::OBJ, "", "", v2},
        },
        HelpExampleCli("getrawtransaction", "\"mytxid\"") + HelpExampleCli("getrawtransaction", "\"mytxid\" 1") +
            HelpExampleRpc("getrawtransaction", "\"mytxid\", 1") +
            HelpExampleCli("getrawtransaction", "\"mytxid\" 0 \"myblockhash\"") +
            HelpExampleCli("getrawtransaction", "\"mytxid\" 1 \"myblockhash\"") +
            HelpExampleCli("getrawtransaction", "\"mytxid\" 2 \"myblockhash\""),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            ChainstateManager& cm = EnsureChainman(node);
            const uint256 txid = ParseHashV(req.params[0], "parameter 1");
            if (txid == cm.Params().genesis.header.merkle_root) {
                throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "The genesis block coinbase is not considered an ordinary "
                                                           "transaction and cannot be retrieved");
            }
            const int verbosity = ParseVerbosity(req.params[1], 0, true);
            std::lock_guard lock(cm.Mutex());
            const BlockIndex* index = nullptr;
            if (!req.params[2].IsNull()) {
                const uint256 block_hash = ParseHashV(req.params[2], "parameter 3");
                index = cm.LookupBlockIndex(block_hash);
                if (!index) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block hash not found");
            }
            // Core's GetTransaction: the mempool when no block is given, else the block's transactions.
            TransactionRef tx;
            uint256 hash_block;
            int64_t mempool_vsize = -1;
            std::optional<Block> block;
            size_t pos_in_block = 0;
            if (!index && node.mempool) {
                std::lock_guard pool_lock(node.mempool->m_mutex);
                if (const MempoolEntry* e = node.mempool->GetEntry(txid)) {
                    tx = e->tx;
                    mempool_vsize = e->vsize;
                }
            }
            if (!tx && index && (index->status & BLOCK_HAVE_DATA)) {
                auto read = cm.ReadBlock(*index);
                if (read) {
                    for (size_t i = 0; i < read->vtx.size(); ++i) {
                        if (read->vtx[i]->GetHash() == txid) {
                            tx = read->vtx[i];
                            pos_in_block = i;
                            hash_block = index->GetBlockHash();
                            break;
                        }
                    }
                    block = std::move(*read);
                }
            }
            if (!tx) {
                std::string msg;
                if (index) {
                    if (!(index->status & BLOCK_HAVE_DATA)) throw RpcError(RPC_MISC_ERROR, "Block not available");
                    msg = "No such transaction found in the provided block";
                } else {
                    msg = "No such mempool transaction. Use -txindex or provide a block hash to enable blockchain "
                          "transaction queries";
                }
                throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, msg + ". Use gettransaction for wallet transactions.");
            }
            if (verbosity <= 0) return JsonValue(EncodeHexTx(*tx));

            JsonValue result = JsonValue::Object();
            if (index) result.PushKV("in_active_chain", cm.Chain().Contains(index));
            if (mempool_vsize >= 0) result.PushKV("vsize_adjusted", mempool_vsize);
            const Chain chain = cm.Params().chain;
            const TxUndo* tx_undo = nullptr;
            std::optional<BlockUndo> undo;
            if (verbosity >= 2 && !tx->IsCoinBase() && index && (index->status & BLOCK_HAVE_MASK) == BLOCK_HAVE_MASK) {
                auto read = cm.ReadUndo(*index);
                if (!read) {
                    throw RpcError(RPC_INTERNAL_ERROR, "Undo data expected but can't be read. This could be due to "
                                                       "disk corruption or a conflict with a pruning event.");
                }
                undo = std::move(*read);
                if (pos_in_block >= 1 && pos_in_block - 1 < undo->vtxundo.size()) tx_undo = &undo->vtxundo[pos_in_block - 1];
            }
            AppendFields(result, TxWithUndoToJson(*tx, tx_undo, 3, chain));
            AddTxBlockInfo(cm, hash_block, result);
            return result;
        }};
}
}  // namespace

void RegisterBlockchainRpcCommands(RpcTable& table, NodeContext& node)
{
    table.Register("blockchain", GetBlockCount(node));
    table.Register("blockchain", GetBestBlockHash(node));
    table.Register("blockchain", GetBlockHash(node));
    table.Register("blockchain", GetBlockchainInfo(node));
    table.Register("blockchain", GetBlockRpc(node));
    table.Register("blockchain", GetBlockHeaderRpc(node));
    table.Register("blockchain", GetChainTips(node));
    table.Register("blockchain", GetChainTxStats(node));
    table.Register("blockchain", GetDifficultyRpc(node));
    table.Register("blockchain", GetTxOut(node));
    table.Register("blockchain", GetTxOutSetInfo(node));
    table.Register("blockchain", GetBlockStats(node));
    table.Register("blockchain", PreciousBlock(node));
    table.Register("hidden", InvalidateBlockRpc(node));
    table.Register("hidden", ReconsiderBlockRpc(node));
    table.Register("blockchain", VerifyChain(node));
    table.Register("blockchain", PruneBlockchain(node));
    table.Register("util", GetIndexInfo(node));
    table.Register("rawtransactions", GetRawTransaction(node));
    RegisterTxOutProofRpcCommands(table, node);
}

