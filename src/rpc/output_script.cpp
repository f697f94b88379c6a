// getdescriptorinfo, deriveaddresses and scantxoutset over sov_descriptor (Core's output_script.cpp and the
// scantxoutset of blockchain.cpp).
#include "rpc/output_script.h"

#include "address/destination.h"
#include "descriptor/descriptor.h"
#include "node/coin.h"
#include "node/coins.h"
#include "node/validation.h"
#include "rpc/node_rpc.h"
#include "rpc/protocol.h"
#include "rpc/util.h"
#include "util/hex.h"

#include <atomic>
#include <cstring>
#include <map>
#include <set>

namespace {
using Arg = RpcArg;
using Res = RpcResult;

/** Core's ParseRange: n means [0,n]. */
std::pair<int64_t, int64_t> ParseRange(const JsonValue& value)
{
    if (value.IsNum()) return {0, JsonGetInt64(value)};
    if (value.IsArray() && value.size() == 2 && value[0].IsNum() && value[1].IsNum()) {
        const int64_t low = JsonGetInt64(value[0]);
        const int64_t high = JsonGetInt64(value[1]);
        if (low > high) {
            throw RpcError(RPC_INVALID_PARAMETER, "Range specified as [begin,end] must not have begin after end");
        }
        return {low, high};
    }
    throw RpcError(RPC_INVALID_PARAMETER, "Range must be specified as end or as [begin,end]");
}

/** Core's ParseDescriptorRange: within [0, 2^31) and at most a million positions. */
std::pair<int64_t, int64_t> ParseDescriptorRange(const JsonValue& value)
{
    auto [low, high] = ParseRange(value);
    if (low < 0) throw RpcError(RPC_INVALID_PARAMETER, "Range should be greater or equal than 0");
    if ((high >> 31) != 0) throw RpcError(RPC_INVALID_PARAMETER, "End of range is too high");
    if (high >= low + 1000000) throw RpcError(RPC_INVALID_PARAMETER, "Range is too large");
    return {low, high};
}

/** Core's EvalDescriptorStringOrObject: the scripts of a scan object (string, or {desc, range}). */
std::vector<Script> EvalDescriptorStringOrObject(const JsonValue& scanobject, FlatSigningProvider& provider,
                                                 Chain chain)
{
    std::string desc_str;
    std::pair<int64_t, int64_t> range = {0, 1000};
    if (scanobject.IsStr()) {
        desc_str = scanobject.GetValStr();
    } else if (scanobject.IsObject()) {
        const JsonValue& desc_uni = scanobject["desc"];
        if (desc_uni.IsNull()) throw RpcError(RPC_INVALID_PARAMETER, "Descriptor needs to be provided in scan object");
        desc_str = JsonGetStr(desc_uni);
        const JsonValue& range_uni = scanobject["range"];
        if (!range_uni.IsNull()) range = ParseDescriptorRange(range_uni);
    } else {
        throw RpcError(RPC_INVALID_PARAMETER, "Scan object needs to be either a string or an object");
    }
    std::string error;
    auto descs = ParseDescriptor(desc_str, chain, error);
    if (descs.empty()) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, error);
    if (!descs.at(0)->IsRange()) range = {0, 0};
    std::vector<Script> ret;
    for (int64_t i = range.first; i <= range.second; ++i) {
        for (const auto& desc : descs) {
            std::vector<Script> scripts;
            if (!desc->Expand(int(i), scripts, provider)) {
                throw RpcError(RPC_INVALID_ADDRESS_OR_KEY,
                               "Cannot derive script without private keys: '" + desc_str + "'");
            }
            std::move(scripts.begin(), scripts.end(), std::back_inserter(ret));
        }
    }
    return ret;
}

RpcMethod GetDescriptorInfo(Chain chain)
{
    const std::string EXAMPLE_DESCRIPTOR =
        "wpkh([d34db33f/84h/0h/0h]0279be667ef9dcbbac55a06295Ce870b07029Bfcdb2dce28d959f2815b16f81798)";
    return RpcMethod{
        "getdescriptorinfo",
        "Analyses a descriptor.\n",
        {Arg{"descriptor", Arg::Type::STR, Arg::Optional::NO, "The descriptor."}},
        {Res{Res::Type::OBJ, "", "",
             {
                 Res{Res::Type::STR, "descriptor", "The descriptor in canonical form, without private keys. For a multipath descriptor, only the first will be returned."},
                 Res{Res::Type::ARR, "multipath_expansion", true, "All descriptors produced by expanding multipath derivation elements. Only if the provided descriptor specifies multipath derivation elements.",
                     {Res{Res::Type::STR, "", ""}}},
                 Res{Res::Type::STR, "checksum", "The checksum for the input descriptor"},
                 Res{Res::Type::BOOL, "isrange", "Whether the descriptor is ranged"},
                 Res{Res::Type::BOOL, "issolvable", "Whether the descriptor is solvable"},
                 Res{Res::Type::BOOL, "hasprivatekeys", "Whether the input descriptor contained at least one private key"},
             }}},
        "Analyse a descriptor\n" + HelpExampleCli("getdescriptorinfo", "\"" + EXAMPLE_DESCRIPTOR + "\"") +
            HelpExampleRpc("getdescriptorinfo", "\"" + EXAMPLE_DESCRIPTOR + "\""),
        [chain](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            const std::string& text = JsonGetStr(req.params[0]);
            std::string error;
            auto descs = ParseDescriptor(text, chain, error);
            if (descs.empty()) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, error);
            JsonValue result = JsonValue::Object();
            result.PushKV("descriptor", descs.at(0)->ToString());
            if (descs.size() > 1) {
                JsonValue multipath = JsonValue::Array();
                for (const auto& d : descs) multipath.PushBack(d->ToString());
                result.PushKV("multipath_expansion", std::move(multipath));
            }
            result.PushKV("checksum", GetDescriptorChecksum(text));
            result.PushKV("isrange", descs.at(0)->IsRange());
            result.PushKV("issolvable", descs.at(0)->IsSolvable());
            bool has_priv = false;
            for (const auto& d : descs) has_priv |= d->HavePrivateKeys();
            result.PushKV("hasprivatekeys", has_priv);
            return result;
        }};
}

JsonValue DeriveAddresses(const Descriptor& desc, int64_t begin, int64_t end, Chain chain)
{
    JsonValue addresses = JsonValue::Array();
    for (int64_t i = begin; i <= end; ++i) {
        FlatSigningProvider provider;
        std::vector<Script> scripts;
        if (!desc.Expand(int(i), scripts, provider)) {
            throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Cannot derive script without private keys");
        }
        for (const Script& script : scripts) {
            Destination dest;
            if (!ExtractDestination(script, dest)) {
                // combo() also gives P2PK, which has no address: skip it there.
                if (scripts.size() > 1 && std::holds_alternative<PubKeyDestination>(dest)) continue;
                throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Descriptor does not have a corresponding address");
            }
            addresses.PushBack(EncodeDestination(dest, chain));
        }
    }
    if (addresses.size() == 0) throw RpcError(RPC_MISC_ERROR, "Unexpected empty result");
    return addresses;
}

RpcMethod DeriveAddressesMethod(Chain chain)
{
    const std::string EXAMPLE_DESCRIPTOR =
        "wpkh([d34db33f/84h/0h/0h]xpub6DJ2dNUysrn5Vt36jH2KLBT2i1auw1tTSSomg8PhqNiUtx8QX2SvC9nrHu81fT41fvDUnhMjEzQgXnQjKEu3oaqMSzhSrHMxyyoEAmUHQbY/0/*)#cjjspncu";
    return RpcMethod{
        "deriveaddresses",
        "Derives one or more addresses corresponding to an output descriptor.\n"
        "Examples of output descriptors are:\n"
        "    pkh(<pubkey>)                                     P2PKH outputs for the given pubkey\n"
        "    wpkh(<pubkey>)                                    Native segwit P2PKH outputs for the given pubkey\n"
        "    sh(multi(<n>,<pubkey>,<pubkey>,...))              P2SH-multisig outputs for the given threshold and pubkeys\n"
        "    raw(<hex script>)                                 Outputs whose output script equals the specified hex-encoded bytes\n"
        "    tr(<pubkey>,multi_a(<n>,<pubkey>,<pubkey>,...))   P2TR-multisig outputs for the given threshold and pubkeys\n"
        "\nIn the above, <pubkey> either refers to a fixed public key in hexadecimal notation, or to an xpub/xprv optionally followed by one\n"
        "or more path elements separated by \"/\", where \"h\" represents a hardened child key.\n"
        "For more information on output descriptors, see the documentation in the doc/descriptors.md file.\n",
        {
            Arg{"descriptor", Arg::Type::STR, Arg::Optional::NO, "The descriptor."},
            Arg{"range", Arg::Type::RANGE, Arg::Optional::OMITTED, "If a ranged descriptor is used, this specifies the end or the range (in [begin,end] notation) to derive."},
        },
        {
            Res{"for single derivation descriptors", Res::Type::ARR, "", "",
                {Res{Res::Type::STR, "address", "the derived addresses"}}},
            Res{"for multipath descriptors", Res::Type::ARR, "", "The derived addresses for each of the multipath expansions of the descriptor, in multipath specifier order",
                {Res{Res::Type::ARR, "", "The derived addresses for a multipath descriptor expansion",
                     {Res{Res::Type::STR, "address", "the derived address"}}}}},
        },
        "First three native segwit receive addresses\n" +
            HelpExampleCli("deriveaddresses", "\"" + EXAMPLE_DESCRIPTOR + "\" \"[0,2]\"") +
            HelpExampleRpc("deriveaddresses", "\"" + EXAMPLE_DESCRIPTOR + "\", \"[0,2]\""),
        [chain](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            const std::string& text = JsonGetStr(req.params[0]);
            int64_t begin = 0, end = 0;
            const bool has_range = !req.params[1].IsNull();
            if (has_range) std::tie(begin, end) = ParseDescriptorRange(req.params[1]);
            std::string error;
            auto descs = ParseDescriptor(text, chain, error, /*require_checksum=*/true);
            if (descs.empty()) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, error);
            const auto& desc = descs.at(0);
            if (!desc->IsRange() && has_range) {
                throw RpcError(RPC_INVALID_PARAMETER, "Range should not be specified for an un-ranged descriptor");
            }
            if (desc->IsRange() && !has_range) {
                throw RpcError(RPC_INVALID_PARAMETER, "Range must be specified for a ranged descriptor");
            }
            JsonValue addresses = DeriveAddresses(*desc, begin, end, chain);
            if (descs.size() == 1) return addresses;
            JsonValue ret = JsonValue::Array();
            ret.PushBack(std::move(addresses));
            for (size_t i = 1; i < descs.size(); ++i) ret.PushBack(DeriveAddresses(*descs[i], begin, end, chain));
            return ret;
        }};
}

// One scan at a time (Core's CoinsViewScanReserver).
std::atomic<int> g_scan_progress{0};
std::atomic<bool> g_scan_in_progress{false};
std::atomic<bool> g_should_abort_scan{false};

class ScanReserver
{
public:
    bool Reserve()
    {
        if (g_scan_in_progress.exchange(true)) return false;
        m_reserved = true;
        return true;
    }
    ~ScanReserver()
    {
        if (m_reserved) {
            g_scan_in_progress = false;
            g_scan_progress = 0;
        }
    }

private:
    bool m_reserved{false};
};

struct OutPointLess {
    bool operator()(const OutPoint& a, const OutPoint& b) const
    {
        const int c = std::memcmp(a.hash.begin(), b.hash.begin(), 32);
        return c < 0 || (c == 0 && a.n < b.n);
    }
};

RpcMethod ScanTxOutSet(NodeContext& node)
{
    const std::string EXAMPLE_DESCRIPTOR_RAW = "raw(76a91411b366edfc0a8b66feebae5c2e25a7b6a5d1cf3188ac)#fm24fxxy";
    return RpcMethod{
        "scantxoutset",
        "Scans the unspent transaction output set for entries that match certain output descriptors.\n"
        "Examples of output descriptors are:\n"
        "    addr(<address>)                      Outputs whose output script corresponds to the specified address (does not include P2PK)\n"
        "    raw(<hex script>)                    Outputs whose output script equals the specified hex-encoded bytes\n"
        "    combo(<pubkey>)                      P2PK, P2PKH, P2WPKH, and P2SH-P2WPKH outputs for the given pubkey\n"
        "    pkh(<pubkey>)                        P2PKH outputs for the given pubkey\n"
        "    sh(multi(<n>,<pubkey>,<pubkey>,...)) P2SH-multisig outputs for the given threshold and pubkeys\n"
        "    tr(<pubkey>)                         P2TR\n"
        "    tr(<pubkey>,{pk(<pubkey>)})          P2TR with single fallback pubkey in tapscript\n"
        "    rawtr(<pubkey>)                      P2TR with the specified key as output key rather than inner\n"
        "    wsh(and_v(v:pk(<pubkey>),after(2)))  P2WSH miniscript with mandatory pubkey and a timelock\n"
        "\nIn the above, <pubkey> either refers to a fixed public key in hexadecimal notation, or to an xpub/xprv optionally followed by one\n"
        "or more path elements separated by \"/\", and optionally ending in \"/*\" (unhardened), or \"/*'\" or \"/*h\" (hardened) to specify all\n"
        "unhardened or hardened child keys.\n"
        "In the latter case, a range needs to be specified by below if different from 1000.\n"
        "For more information on output descriptors, see the documentation in the doc/descriptors.md file.\n",
        {
            Arg{"action", Arg::Type::STR, Arg::Optional::NO,
                "The action to execute\n"
                "\"start\" for starting a scan\n"
                "\"abort\" for aborting the current scan (returns true when abort was successful)\n"
                "\"status\" for progress report (in %) of the current scan"},
            Arg{"scanobjects", Arg::Type::ARR, Arg::Optional::OMITTED,
                "Array of scan objects. Required for \"start\" action\n"
                "Every scan object is either a string descriptor or an object:",
                {
                    Arg{"descriptor", Arg::Type::STR, Arg::Optional::OMITTED, "An output descriptor"},
                    Arg{"", Arg::Type::OBJ, Arg::Optional::OMITTED, "An object with output descriptor and metadata",
                        {
                            Arg{"desc", Arg::Type::STR, Arg::Optional::NO, "An output descriptor"},
                            Arg{"range", Arg::Type::RANGE, Arg::Default{JsonValue(1000)}, "The range of HD chain indexes to explore (either end or [begin,end])"},
                        }},
                },
                [] {
                    RpcArgOptions o;
                    o.oneline_description = "[scanobjects,...]";
                    return o;
                }()},
        },
        {
            Res{"when action=='start'; only returns after scan completes", Res::Type::OBJ, "", "",
                {
                    Res{Res::Type::BOOL, "success", "Whether the scan was completed"},
                    Res{Res::Type::NUM, "txouts", "The number of unspent transaction outputs scanned"},
                    Res{Res::Type::NUM, "height", "The block height at which the scan was done"},
                    Res{Res::Type::STR_HEX, "bestblock", "The hash of the block at the tip of the chain"},
                    Res{Res::Type::ARR, "unspents", "",
                        {Res{Res::Type::OBJ, "", "",
                             {
                                 Res{Res::Type::STR_HEX, "txid", "The transaction id"},
                                 Res{Res::Type::NUM, "vout", "The vout value"},
                                 Res{Res::Type::STR_HEX, "scriptPubKey", "The output script"},
                                 Res{Res::Type::STR, "desc", "A specialized descriptor for the matched output script"},
                                 Res{Res::Type::STR_AMOUNT, "amount", "The total amount in BTC of the unspent output"},
                                 Res{Res::Type::BOOL, "coinbase", "Whether this is a coinbase output"},
                                 Res{Res::Type::NUM, "height", "Height of the unspent transaction output"},
                                 Res{Res::Type::STR_HEX, "blockhash", "Blockhash of the unspent transaction output"},
                                 Res{Res::Type::NUM, "confirmations", "Number of confirmations of the unspent transaction output when the scan was done"},
                             }}}},
                    Res{Res::Type::STR_AMOUNT, "total_amount", "The total amount of all found unspent outputs in BTC"},
                }},
            Res{"when action=='abort'", Res::Type::BOOL, "success",
                "True if scan will be aborted (not necessarily before this RPC returns), or false if there is no scan to abort"},
            Res{"when action=='status' and a scan is currently in progress", Res::Type::OBJ, "", "",
                {Res{Res::Type::NUM, "progress", "Approximate percent complete"}}},
            Res{"when action=='status' and no scan is in progress - possibly already completed", Res::Type::NONE, "", ""},
        },
        HelpExampleCli("scantxoutset", "start \'[\"" + EXAMPLE_DESCRIPTOR_RAW + "\"]\'") +
            HelpExampleCli("scantxoutset", "status") + HelpExampleCli("scantxoutset", "abort") +
            HelpExampleRpc("scantxoutset", "\"start\", [\"" + EXAMPLE_DESCRIPTOR_RAW + "\"]") +
            HelpExampleRpc("scantxoutset", "\"status\"") + HelpExampleRpc("scantxoutset", "\"abort\""),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            const std::string& action = JsonGetStr(req.params[0]);
            if (action == "status") {
                ScanReserver reserver;
                if (reserver.Reserve()) return JsonValue();  // no scan in progress
                JsonValue r = JsonValue::Object();
                r.PushKV("progress", g_scan_progress.load());
                return r;
            }
            if (action == "abort") {
                ScanReserver reserver;
                if (reserver.Reserve()) return JsonValue(false);  // nothing was running
                g_should_abort_scan = true;
                return JsonValue(true);
            }
            if (action != "start") throw RpcError(RPC_INVALID_PARAMETER, "Invalid action '" + action + "'");

            ScanReserver reserver;
            if (!reserver.Reserve()) {
                throw RpcError(RPC_INVALID_PARAMETER, "Scan already in progress, use action \"abort\" or \"status\"");
            }
            if (req.params[1].IsNull()) {
                throw RpcError(RPC_MISC_ERROR, "scanobjects argument is required for the start action");
            }
            ChainstateManager& cm = EnsureChainman(node);
            const Chain chain = cm.Params().chain;
            std::set<Script> needles;
            std::map<Script, std::string> descriptors;
            for (const JsonValue& scanobject : JsonGetArray(req.params[1]).values()) {
                FlatSigningProvider provider;
                auto scripts = EvalDescriptorStringOrObject(scanobject, provider, chain);
                for (Script& script : scripts) {
                    std::string inferred = InferDescriptor(script, provider, chain)->ToString();
                    needles.insert(script);
                    descriptors.emplace(std::move(script), std::move(inferred));
                }
            }

            g_should_abort_scan = false;
            std::unique_ptr<DbIterator> cursor;
            const BlockIndex* tip;
            {
                // Flush so the database holds the whole UTXO set; the iterator then reads a consistent snapshot
                // without the lock.
                std::lock_guard lock(cm.Mutex());
                cm.Flush(FlushMode::ALWAYS);
                cursor = cm.CoinsDB().GetDatabase().Seek(Bytes{'C'});
                tip = cm.Tip();
            }
            std::map<OutPoint, Coin, OutPointLess> coins;
            int64_t count = 0;
            bool success = true;
            g_scan_progress = 0;
            for (; cursor->Valid(); cursor->Next()) {
                auto outpoint = CoinsViewDB::ParseCoinKey(cursor->Key());
                if (!outpoint) {
                    success = false;
                    break;
                }
                if (++count % 8192 == 0 && (g_should_abort_scan || node.shutdown_requested())) {
                    success = false;
                    break;
                }
                if (count % 256 == 0) {
                    // Progress from the first two bytes of the txid, as keys are ordered by it.
                    const uint32_t high = 0x100 * outpoint->hash.begin()[0] + outpoint->hash.begin()[1];
                    g_scan_progress = int(high * 100.0 / 65536.0 + 0.5);
                }
                auto coin = DeserializeCoin(cursor->Value());
                if (!coin) {
                    success = false;
                    break;
                }
                if (needles.count(coin->out.script_pubkey)) coins.emplace(*outpoint, *coin);
            }
            if (success) g_scan_progress = 100;

            JsonValue result = JsonValue::Object();
            result.PushKV("success", success);
            result.PushKV("txouts", count);
            result.PushKV("height", tip->height);
            result.PushKV("bestblock", tip->GetBlockHash().GetHex());
            JsonValue unspents = JsonValue::Array();
            Amount total = 0;
            for (const auto& [outpoint, coin] : coins) {
                const BlockIndex* block = tip->GetAncestor(int(coin.height));
                total += coin.out.value;
                JsonValue u = JsonValue::Object();
                u.PushKV("txid", outpoint.hash.GetHex());
                u.PushKV("vout", outpoint.n);
                u.PushKV("scriptPubKey", HexStr(coin.out.script_pubkey.bytes()));
                u.PushKV("desc", descriptors[coin.out.script_pubkey]);
                u.PushKV("amount", ValueFromAmount(coin.out.value));
                u.PushKV("coinbase", coin.coinbase);
                u.PushKV("height", int64_t(coin.height));
                u.PushKV("blockhash", block ? block->GetBlockHash().GetHex() : std::string());
                u.PushKV("confirmations", int64_t(tip->height) - int64_t(coin.height) + 1);
                unspents.PushBack(std::move(u));
            }
            result.PushKV("unspents", std::move(unspents));
            result.PushKV("total_amount", ValueFromAmount(total));
            return result;
        }};
}

}  // namespace

void RegisterOutputScriptRpcCommands(RpcTable& table, Chain chain)
{
    table.Register("util", DeriveAddressesMethod(chain));
    table.Register("util", GetDescriptorInfo(chain));
}

void RegisterScanTxOutSetRpcCommand(RpcTable& table, NodeContext& node)
{
    table.Register("blockchain", ScanTxOutSet(node));
}
