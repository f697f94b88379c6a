// Wallet RPC commands; see rpc.h.
#include "wallet/rpc.h"

#include "address/destination.h"
#include "json/core_json.h"
#include "policy/fees.h"
#include "policy/policy.h"
#include "psbt/psbt_roles.h"
#include "reserves/proof_of_reserves.h"
#include "rpc/protocol.h"
#include "rpc/util.h"
#include "util/args.h"
#include "util/hex.h"
#include "util/strencodings.h"
#include "wallet/rpc_spend.h"
#include "wallet/wallet.h"

void RegisterReserveProofWalletRpcCommands(RpcTable& table, NodeContext& node, WalletManager& wallets);
void RegisterReserveRpcCommands(RpcTable& table, NodeContext& node, WalletManager& wallets);

namespace {
using Arg = RpcArg;
using Res = RpcResult;
using A = ArgsManager;

std::string UrlDecodePath(const std::string& s)
{
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

/** Core's GetWalletForJSONRPCRequest. */
std::shared_ptr<Wallet> WalletFor(WalletManager& wallets, const JsonRpcRequest& req)
{
    const std::string prefix = "/wallet/";
    if (req.uri.rfind(prefix, 0) == 0) {
        auto w = wallets.Get(UrlDecodePath(req.uri.substr(prefix.size())));
        if (!w) throw RpcError(RPC_WALLET_NOT_FOUND, "Requested wallet does not exist or is not loaded");
        return w;
    }
    auto all = wallets.List();
    if (all.size() == 1) return all[0];
    if (all.empty()) {
        throw RpcError(RPC_WALLET_NOT_FOUND, "No wallet is loaded. Load a wallet using loadwallet or create a new one "
                                             "with createwallet. (Note: A default wallet is no longer automatically created)");
    }
    throw RpcError(RPC_WALLET_NOT_SPECIFIED, "Multiple wallets are loaded. Please select which wallet to use by "
                                             "requesting the RPC through the /wallet/<walletname> URI path.");
}

std::optional<OutputType> ParseOutputType(const std::string& s)
{
    if (s == "bech32") return OutputType::BECH32;
    if (s == "bech32m") return OutputType::BECH32M;
    if (s == "legacy") return OutputType::LEGACY;
    if (s == "p2sh-segwit") return OutputType::P2SH_SEGWIT;
    return std::nullopt;
}

std::string EncodeScript(const Script& s, Chain chain)
{
    Destination dest;
    return ExtractDestination(s, dest) ? EncodeDestination(dest, chain) : std::string();
}

Script ScriptForAddress(const std::string& address, Chain chain)
{
    std::string error;
    Destination dest = DecodeDestination(address, chain, &error);
    if (!IsValidDestination(dest)) {
        throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, error.empty() ? "Invalid address: " + address : error);
    }
    return GetScriptForDestination(dest);
}

/** Fee rate: explicit sat/vB, else the estimator (conf_target), else -fallbackfee (Core's default 0 refuses). */
FeeRate ChooseFeeRate(NodeContext& node, const JsonValue& fee_rate_arg, int conf_target)
{
    if (!fee_rate_arg.IsNull()) {
        const Amount sat_per_kvb = AmountFromValue(fee_rate_arg, 3);  // sat/vB with 3 decimals = sat/kvB
        if (sat_per_kvb < DEFAULT_MIN_RELAY_TX_FEE) {
            throw RpcError(RPC_WALLET_ERROR, "Fee rate (" + FeeRate(sat_per_kvb).ToString(true) +
                                                 ") is lower than the minimum fee rate setting (" +
                                                 FeeRate(DEFAULT_MIN_RELAY_TX_FEE).ToString(true) + ")");
        }
        return FeeRate(sat_per_kvb);
    }
    FeeRate rate;
    if (node.fee_estimator) rate = node.fee_estimator->EstimateSmartFee(conf_target, nullptr, false);
    if (rate.GetFeePerK() == 0) {
        const std::string fallback = node.args ? node.args->GetArg("-fallbackfee", "0") : "0";
        const auto sat = ParseFixedPoint(fallback, 8);
        if (!sat || *sat == 0) {
            throw RpcError(RPC_WALLET_ERROR, "Fee estimation failed. Fallbackfee is disabled. Wait a few blocks or "
                                             "enable -fallbackfee.");
        }
        rate = FeeRate(*sat);
    }
    return std::max(rate, FeeRate(DEFAULT_MIN_RELAY_TX_FEE));
}

JsonValue CoinJson(const Wallet& w, const WalletCoin& c, Chain chain)
{
    JsonValue o = JsonValue::Object();
    o.PushKV("txid", c.outpoint.hash.GetHex());
    o.PushKV("vout", static_cast<int64_t>(c.outpoint.n));
    const std::string address = EncodeScript(c.out.script_pubkey, chain);
    if (!address.empty()) {
        o.PushKV("address", address);
        auto labels = w.Labels();
        if (labels.count(address)) o.PushKV("label", labels[address]);
    }
    o.PushKV("scriptPubKey", HexStr(c.out.script_pubkey));
    o.PushKV("amount", ValueFromAmount(c.out.value));
    o.PushKV("confirmations", c.depth);
    o.PushKV("spendable", c.spendable);
    o.PushKV("solvable", true);
    for (const WalletDescriptor* d : w.Descriptors()) {
        if (d->id == c.desc_id) {
            FlatSigningProvider p;
            std::vector<Script> s;
            d->parsed->Expand(static_cast<int>(c.index), s, p);
            auto inferred = InferDescriptor(c.out.script_pubkey, p, chain);
            if (inferred) o.PushKV("desc", inferred->ToString());
        }
    }
    o.PushKV("safe", c.depth >= 1 || c.from_me);
    return o;
}

std::vector<Recipient> ParseRecipients(const JsonValue& amounts, const JsonValue& subtract, Chain chain)
{
    std::vector<Recipient> out;
    std::set<std::string> seen;
    for (size_t i = 0; i < amounts.keys().size(); ++i) {
        const std::string& address = amounts.keys()[i];
        if (!seen.insert(address).second) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, duplicated address: " + address);
        Recipient r;
        r.script = ScriptForAddress(address, chain);
        r.amount = AmountFromValue(amounts.values()[i]);
        if (r.amount <= 0) throw RpcError(RPC_TYPE_ERROR, "Invalid amount for send");
        if (subtract.IsArray()) {
            for (const auto& s : subtract.values()) r.subtract_fee |= s.IsStr() && s.GetValStr() == address;
        }
        out.push_back(std::move(r));
    }
    return out;
}

/** getwalletinfo's and getbalances' "lastprocessedblock": the block the wallet has applied last. */
JsonValue LastProcessedBlock(NodeContext& node, const Wallet& w)
{
    std::lock_guard lock(node.chainman->Mutex());
    const uint256 hash = w.BestBlock();
    const BlockIndex* best = node.chainman->LookupBlockIndex(hash);
    JsonValue last = JsonValue::Object();
    last.PushKV("hash", hash.GetHex());
    last.PushKV("height", best ? best->height : -1);
    return last;
}

/** sendtoaddress and sendmany: fund, sign and broadcast; the txid, or the wallet's error with its code. */
std::string SendOrThrow(Wallet& w, const std::vector<Recipient>& recipients, const FeeRate& rate, const JsonValue& replaceable)
{
    std::string error;
    int code = RPC_WALLET_ERROR;
    FundOptions options;
    options.replaceable = replaceable.IsNull() || JsonGetBool(replaceable);  // BIP125 unless asked otherwise
    auto txid = w.Send(recipients, rate, options, &error, &code);
    if (!txid) throw RpcError(code, error);
    return txid->GetHex();
}

RpcMethod CreateWallet(WalletManager& wallets)
{
    return RpcMethod{
        "createwallet",
        "Creates and loads a new wallet.\n",
        {
            Arg{"wallet_name", Arg::Type::STR, Arg::Optional::NO, "The name for the new wallet. If this is a path, the wallet will be created at the path location."},
            Arg{"disable_private_keys", Arg::Type::BOOL, Arg::Default{false}, "Disable the possibility of private keys (only watchonlys are possible in this mode)."},
            Arg{"blank", Arg::Type::BOOL, Arg::Default{false}, "Create a blank wallet. A blank wallet has no keys."},
            Arg{"passphrase", Arg::Type::STR, Arg::Optional::OMITTED, "Encrypt the wallet with this passphrase."},
            Arg{"avoid_reuse", Arg::Type::BOOL, Arg::Default{false}, "Keep track of coin reuse, and treat dirty and clean coins differently with privacy considerations in mind."},
            Arg{"descriptors", Arg::Type::BOOL, Arg::Default{true}, "If set, must be \"true\""},
            Arg{"load_on_startup", Arg::Type::BOOL, Arg::Optional::OMITTED, "Save wallet name to persistent settings and load on startup."},
            Arg{"external_signer", Arg::Type::BOOL, Arg::Default{false}, "Use an external signer such as a hardware wallet."},
        },
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::STR, "name", "The wallet name if created successfully."},
                                      Res{Res::Type::ARR, "warnings", true, "Warning messages, if any", {Res{Res::Type::STR, "", ""}}}}}},
        HelpExampleCli("createwallet", "\"testwallet\"") + HelpExampleRpc("createwallet", "\"testwallet\""),
        [&wallets](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            Wallet::CreateOptions o;
            o.disable_private_keys = req.params.size() > 1 && !req.params[1].IsNull() && JsonGetBool(req.params[1]);
            o.blank = req.params.size() > 2 && !req.params[2].IsNull() && JsonGetBool(req.params[2]);
            std::string passphrase = req.params.size() > 3 && !req.params[3].IsNull() ? JsonGetStr(req.params[3]) : "";
            if (req.params.size() > 5 && !req.params[5].IsNull() && !JsonGetBool(req.params[5])) {
                throw RpcError(RPC_WALLET_ERROR, "descriptors argument must be set to \"true\"; it is no longer possible to create a legacy wallet.");
            }
            if (req.params.size() > 7 && !req.params[7].IsNull() && JsonGetBool(req.params[7])) {
                throw RpcError(RPC_WALLET_ERROR, "Compiled without external signing support (required for external signing)");
            }
            std::string error;
            int code = RPC_WALLET_ERROR;
            auto w = wallets.Create(JsonGetStr(req.params[0]), o, &error, &code);
            if (!w) {
                WipeString(passphrase);
                throw RpcError(code, error);
            }
            JsonValue r = JsonValue::Object();
            r.PushKV("name", w->Name());
            if (!passphrase.empty() && !w->EncryptWallet(std::move(passphrase), &error)) {
                throw RpcError(RPC_WALLET_ENCRYPTION_FAILED, error);
            }
            if (req.params.size() > 3 && !req.params[3].IsNull() && JsonGetStr(req.params[3]).empty()) {
                JsonValue warnings = JsonValue::Array();
                warnings.PushBack("Empty string given as passphrase, wallet will not be encrypted.");
                r.PushKV("warnings", warnings);
            }
            return r;
        }};
}

RpcMethod LoadWallet(WalletManager& wallets)
{
    return RpcMethod{
        "loadwallet",
        "Loads a wallet from a wallet file or directory.\n",
        {Arg{"filename", Arg::Type::STR, Arg::Optional::NO, "The path to the directory of the wallet to be loaded, either absolute or relative to the \"wallets\" directory."},
         Arg{"load_on_startup", Arg::Type::BOOL, Arg::Optional::OMITTED, "Save wallet name to persistent settings and load on startup."}},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::STR, "name", "The wallet name if loaded successfully."}}}},
        HelpExampleCli("loadwallet", "\"test.dat\""),
        [&wallets](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            std::string error;
            int code = RPC_WALLET_ERROR;
            auto w = wallets.Load(JsonGetStr(req.params[0]), &error, &code);
            if (!w) throw RpcError(code, error);
            JsonValue r = JsonValue::Object();
            r.PushKV("name", w->Name());
            return r;
        }};
}

RpcMethod UnloadWallet(WalletManager& wallets)
{
    return RpcMethod{
        "unloadwallet",
        "Unloads the wallet referenced by the request endpoint, otherwise unloads the wallet specified in the argument.\n",
        {Arg{"wallet_name", Arg::Type::STR, Arg::DefaultHint{"the wallet name from the RPC endpoint"}, "The name of the wallet to unload."},
         Arg{"load_on_startup", Arg::Type::BOOL, Arg::Optional::OMITTED, "Save wallet name to persistent settings and load on startup."}},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::ARR, "warnings", true, "Warning messages, if any", {Res{Res::Type::STR, "", ""}}}}}},
        HelpExampleCli("unloadwallet", "wallet_name"),
        [&wallets](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            std::string name;
            if (req.uri.rfind("/wallet/", 0) == 0) {
                name = UrlDecodePath(req.uri.substr(8));
                if (req.params.size() > 0 && !req.params[0].IsNull() && JsonGetStr(req.params[0]) != name) {
                    throw RpcError(RPC_INVALID_PARAMETER, "RPC endpoint wallet and wallet_name parameter specify different wallets");
                }
            } else {
                if (req.params.size() == 0 || req.params[0].IsNull()) throw RpcError(RPC_INVALID_PARAMETER, "Either the RPC endpoint wallet or the wallet name parameter must be provided");
                name = JsonGetStr(req.params[0]);
            }
            std::string error;
            int code = RPC_WALLET_ERROR;
            if (!wallets.Unload(name, &error, &code)) throw RpcError(code, error);
            return JsonValue::Object();
        }};
}

RpcMethod ListWallets(WalletManager& wallets)
{
    return RpcMethod{
        "listwallets", "Returns a list of currently loaded wallets.\nFor full information on the wallet, use \"getwalletinfo\"\n", {},
        {Res{Res::Type::ARR, "", "", {Res{Res::Type::STR, "walletname", "the wallet name"}}}},
        HelpExampleCli("listwallets", ""),
        [&wallets](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
            JsonValue r = JsonValue::Array();
            for (const auto& w : wallets.List()) r.PushBack(w->Name());
            return r;
        }};
}

RpcMethod GetWalletInfo(WalletManager& wallets, NodeContext& node)
{
    return RpcMethod{
        "getwalletinfo", "Returns an object containing various wallet state info.\n", {},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::STR, "walletname", "the wallet name"}, Res{Res::Type::NUM, "txcount", "the total number of transactions in the wallet"}}}},
        HelpExampleCli("getwalletinfo", ""),
        [&wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletFor(wallets, req);
            JsonValue r = JsonValue::Object();
            r.PushKV("walletname", w->Name());
            r.PushKV("walletversion", 169900);
            r.PushKV("format", "sqlite");
            r.PushKV("txcount", static_cast<int64_t>(w->Transactions().size()));
            int64_t keypool = 0;
            for (const WalletDescriptor* d : w->Descriptors()) {
                if (d->active && !d->internal) keypool += d->range_end - d->next_index + 1;
            }
            r.PushKV("keypoolsize", keypool);
            r.PushKV("paytxfee", ValueFromAmount(0));
            if (w->IsEncrypted()) r.PushKV("unlocked_until", w->UnlockedUntil());
            r.PushKV("private_keys_enabled", !w->PrivateKeysDisabled());
            r.PushKV("avoid_reuse", false);
            r.PushKV("scanning", false);
            r.PushKV("descriptors", true);
            r.PushKV("external_signer", false);
            r.PushKV("blank", w->Descriptors().empty());
            r.PushKV("lastprocessedblock", LastProcessedBlock(node, *w));
            return r;
        }};
}

RpcMethod GetNewAddress(WalletManager& wallets, NodeContext& node, bool change)
{
    std::vector<RpcArg> args;
    if (!change) args.push_back(Arg{"label", Arg::Type::STR, Arg::Default{""}, "The label name for the address to be linked to. It can also be set to the empty string \"\" to represent the default label."});
    args.push_back(Arg{"address_type", Arg::Type::STR, Arg::DefaultHint{"set by -addresstype"}, "The address type to use. Options are \"legacy\", \"p2sh-segwit\", \"bech32\", and \"bech32m\"."});
    return RpcMethod{
        change ? "getrawchangeaddress" : "getnewaddress",
        change ? "Returns a new Bitcoin address, for receiving change.\nThis is for use with raw transactions, NOT normal use.\n"
               : "Returns a new Bitcoin address for receiving payments.\nIf 'label' is specified, it is added to the address book \nso payments received with the address will be associated with 'label'.\n",
        args,
        {Res{Res::Type::STR, "address", "The new bitcoin address"}},
        HelpExampleCli(change ? "getrawchangeaddress" : "getnewaddress", ""),
        [&wallets, &node, change](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletFor(wallets, req);
            const size_t type_pos = change ? 0 : 1;
            std::string label;
            if (!change && req.params.size() > 0 && !req.params[0].IsNull()) {
                label = JsonGetStr(req.params[0]);
                if (label == "*") throw RpcError(RPC_WALLET_INVALID_LABEL_NAME, "Invalid label name");
            }
            OutputType type = OutputType::BECH32;
            if (req.params.size() > type_pos && !req.params[type_pos].IsNull()) {
                auto t = ParseOutputType(JsonGetStr(req.params[type_pos]));
                if (!t) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Unknown address type '" + JsonGetStr(req.params[type_pos]) + "'");
                type = *t;
            }
            if (w->PrivateKeysDisabled() && w->Descriptors().empty()) {
                throw RpcError(RPC_WALLET_ERROR, "Error: Private keys are disabled for this wallet");
            }
            std::string error;
            auto script = w->GetNewScript(type, change, label, &error);
            if (!script) throw RpcError(RPC_WALLET_KEYPOOL_RAN_OUT, error);
            return EncodeScript(*script, node.params->chain);
        }};
}

RpcMethod GetBalance(WalletManager& wallets)
{
    return RpcMethod{
        "getbalance",
        "Returns the total available balance.\nThe available balance is what the wallet considers currently spendable, and is\nthus affected by options which limit spendability such as -spendzeroconfchange.\n",
        {Arg{"dummy", Arg::Type::STR, Arg::Optional::OMITTED, "Remains for backward compatibility. Must be excluded or set to \"*\"."},
         Arg{"minconf", Arg::Type::NUM, Arg::Default{0}, "Only include transactions confirmed at least this many times."},
         Arg{"include_watchonly", Arg::Type::BOOL, Arg::Default{true}, "No longer used"},
         Arg{"avoid_reuse", Arg::Type::BOOL, Arg::Default{true}, "(only available if avoid_reuse wallet flag is set) Do not include balance in dirty outputs; addresses are considered dirty if they have previously been used in a transaction."}},
        {Res{Res::Type::STR_AMOUNT, "amount", "The total amount in BTC received for this wallet."}},
        HelpExampleCli("getbalance", ""),
        [&wallets](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletFor(wallets, req);
            if (req.params.size() > 0 && !req.params[0].IsNull() && JsonGetStr(req.params[0]) != "*") {
                throw RpcError(RPC_METHOD_DEPRECATED, "dummy first argument must be excluded or set to \"*\".");
            }
            const int minconf = req.params.size() > 1 && !req.params[1].IsNull() ? JsonGetInt(req.params[1]) : 0;
            Amount total = 0;
            for (const WalletCoin& c : w->ListCoins()) {
                if (c.depth >= minconf && (c.depth >= 1 || c.from_me)) total += c.out.value;
            }
            return ValueFromAmount(total);
        }};
}

RpcMethod GetBalances(WalletManager& wallets, NodeContext& node)
{
    return RpcMethod{
        "getbalances", "Returns an object with all balances in BTC.\n", {},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::OBJ, "mine", "balances from outputs that the wallet can sign",
                                          {Res{Res::Type::STR_AMOUNT, "trusted", "trusted balance (outputs created by the wallet or confirmed outputs)"},
                                           Res{Res::Type::STR_AMOUNT, "untrusted_pending", "untrusted pending balance (outputs created by others that are in the mempool)"},
                                           Res{Res::Type::STR_AMOUNT, "immature", "balance from immature coinbase outputs"}}},
                                      Res{Res::Type::OBJ, "lastprocessedblock", "hash and height of the block this information was generated on"}}}},
        HelpExampleCli("getbalances", ""),
        [&wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletFor(wallets, req);
            const WalletBalances b = w->GetBalances();
            JsonValue mine = JsonValue::Object();
            mine.PushKV("trusted", ValueFromAmount(b.trusted));
            mine.PushKV("untrusted_pending", ValueFromAmount(b.untrusted_pending));
            mine.PushKV("immature", ValueFromAmount(b.immature));
            JsonValue r = JsonValue::Object();
            r.PushKV("mine", mine);
            r.PushKV("lastprocessedblock", LastProcessedBlock(node, *w));
            return r;
        }};
}

RpcMethod ListUnspent(WalletManager& wallets, NodeContext& node)
{
    return RpcMethod{
        "listunspent",
        "Returns array of unspent transaction outputs\nwith between minconf and maxconf (inclusive) confirmations.\nOptionally filter to only include txouts paid to specified addresses.\n",
        {Arg{"minconf", Arg::Type::NUM, Arg::Default{1}, "The minimum confirmations to filter"},
         Arg{"maxconf", Arg::Type::NUM, Arg::Default{9999999}, "The maximum confirmations to filter"},
         Arg{"addresses", Arg::Type::ARR, Arg::Default{JsonValue::Array()}, "The bitcoin addresses to filter", {Arg{"address", Arg::Type::STR, Arg::Optional::OMITTED, "bitcoin address"}}},
         Arg{"include_unsafe", Arg::Type::BOOL, Arg::Default{true}, "Include outputs that are not safe to spend"},
         Arg{"query_options", Arg::Type::OBJ_NAMED_PARAMS, Arg::Optional::OMITTED, ""}},
        {Res{Res::Type::ARR, "", "", {Res{Res::Type::OBJ, "", ""}}}},
        HelpExampleCli("listunspent", ""),
        [&wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletFor(wallets, req);
            const int minconf = req.params.size() > 0 && !req.params[0].IsNull() ? JsonGetInt(req.params[0]) : 1;
            const int maxconf = req.params.size() > 1 && !req.params[1].IsNull() ? JsonGetInt(req.params[1]) : 9999999;
            std::set<Script> filter;
            if (req.params.size() > 2 && req.params[2].IsArray()) {
                for (const auto& a : req.params[2].values()) {
                    const Script s = ScriptForAddress(JsonGetStr(a), node.params->chain);
                    if (!filter.insert(s).second) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, duplicated address: " + a.GetValStr());
                }
            }
            const bool include_unsafe = req.params.size() <= 3 || req.params[3].IsNull() || JsonGetBool(req.params[3]);
            JsonValue r = JsonValue::Array();
            for (const WalletCoin& c : w->ListCoins()) {
                if (c.depth < minconf || c.depth > maxconf) continue;
                if (!filter.empty() && !filter.count(c.out.script_pubkey)) continue;
                if (!include_unsafe && c.depth == 0 && !c.from_me) continue;
                r.PushBack(CoinJson(*w, c, node.params->chain));
            }
            return r;
        }};
}

JsonValue TxEntry(const Wallet& w, const WalletTx& wtx, NodeContext& node, bool detailed)
{
    JsonValue e = JsonValue::Object();
    const auto [net, fee] = w.TxAmounts(*wtx.tx);
    e.PushKV("amount", ValueFromAmount(fee ? net + *fee : net));
    if (fee) e.PushKV("fee", ValueFromAmount(-*fee));
    int depth = 0;
    {
        std::lock_guard lock(node.chainman->Mutex());
        depth = wtx.height >= 0 ? node.chainman->Chain().Height() - wtx.height + 1 : 0;
    }
    e.PushKV("confirmations", depth);
    if (wtx.tx->IsCoinBase()) e.PushKV("generated", true);
    if (wtx.height >= 0) {
        e.PushKV("blockhash", wtx.block_hash.GetHex());
        e.PushKV("blockheight", wtx.height);
        e.PushKV("blocktime", wtx.block_time);
    }
    e.PushKV("txid", wtx.tx->GetHash().GetHex());
    e.PushKV("wtxid", wtx.tx->GetWitnessHash().GetHex());
    e.PushKV("time", wtx.height >= 0 && wtx.block_time < wtx.time_received ? wtx.block_time : wtx.time_received);
    e.PushKV("timereceived", wtx.time_received);
    e.PushKV("bip125-replaceable", wtx.height >= 0 ? "no" : "yes");
    if (detailed) {
        JsonValue details = JsonValue::Array();
        for (uint32_t n = 0; n < wtx.tx->vout.size(); ++n) {
            const TxOut& out = wtx.tx->vout[n];
            if (!w.IsMine(out.script_pubkey)) continue;
            JsonValue d = JsonValue::Object();
            const std::string address = EncodeScript(out.script_pubkey, node.params->chain);
            if (!address.empty()) d.PushKV("address", address);
            d.PushKV("category", wtx.tx->IsCoinBase() ? (depth >= 100 ? "generate" : depth > 0 ? "immature" : "orphan") : "receive");
            d.PushKV("amount", ValueFromAmount(out.value));
            d.PushKV("vout", static_cast<int64_t>(n));
            details.PushBack(std::move(d));
        }
        e.PushKV("details", std::move(details));
        e.PushKV("hex", HexStr(EncodeTransaction(*wtx.tx)));
    }
    return e;
}

RpcMethod GetTransaction(WalletManager& wallets, NodeContext& node)
{
    return RpcMethod{
        "gettransaction", "Get detailed information about in-wallet transaction <txid>\n",
        {Arg{"txid", Arg::Type::STR_HEX, Arg::Optional::NO, "The transaction id"},
         Arg{"include_watchonly", Arg::Type::BOOL, Arg::Default{true}, "(DEPRECATED) No longer used"},
         Arg{"verbose", Arg::Type::BOOL, Arg::Default{false}, "Whether to include a `decoded` field containing the decoded transaction (equivalent to RPC decoderawtransaction)"}},
        {Res{Res::Type::OBJ, "", ""}},
        HelpExampleCli("gettransaction", "\"1075db55d416d3ca199f55b6084e2115b9345e16c5cf302fc80e9d5fbf5d48d\""),
        [&wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletFor(wallets, req);
            const uint256 txid = ParseHashV(req.params[0], "txid");
            auto wtx = w->GetTx(txid);
            if (!wtx) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Invalid or non-wallet transaction id");
            JsonValue e = TxEntry(*w, *wtx, node, true);
            if (req.params.size() > 2 && !req.params[2].IsNull() && JsonGetBool(req.params[2])) {
                JsonValue decoded = JsonValue::Object();
                TxToJson(*wtx->tx, uint256(), decoded, node.params->chain, false);
                e.PushKV("decoded", decoded);
            }
            return e;
        }};
}

RpcMethod ListTransactions(WalletManager& wallets, NodeContext& node)
{
    return RpcMethod{
        "listtransactions",
        "If a label name is provided, this will return only incoming transactions paying to addresses with the specified label.\n\nReturns up to 'count' most recent transactions skipping the first 'from' transactions.\n",
        {Arg{"label", Arg::Type::STR, Arg::Optional::OMITTED, "If set, should be a valid label name to return only incoming transactions\nwith the specified label, or \"*\" to disable filtering and return all transactions."},
         Arg{"count", Arg::Type::NUM, Arg::Default{10}, "The number of transactions to return"},
         Arg{"skip", Arg::Type::NUM, Arg::Default{0}, "The number of transactions to skip"},
         Arg{"include_watchonly", Arg::Type::BOOL, Arg::Default{true}, "(DEPRECATED) No longer used"}},
        {Res{Res::Type::ARR, "", "", {Res{Res::Type::OBJ, "", ""}}}},
        HelpExampleCli("listtransactions", ""),
        [&wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletFor(wallets, req);
            const int64_t count = req.params.size() > 1 && !req.params[1].IsNull() ? JsonGetInt64(req.params[1]) : 10;
            const int64_t skip = req.params.size() > 2 && !req.params[2].IsNull() ? JsonGetInt64(req.params[2]) : 0;
            if (count < 0) throw RpcError(RPC_INVALID_PARAMETER, "Negative count");
            if (skip < 0) throw RpcError(RPC_INVALID_PARAMETER, "Negative from");
            // One entry per transaction: received to our addresses, or sent (net) with its fee.
            std::vector<JsonValue> entries;
            for (const WalletTx& wtx : w->Transactions()) {
                JsonValue e = TxEntry(*w, wtx, node, false);
                const auto [net, fee] = w->TxAmounts(*wtx.tx);
                JsonValue out = JsonValue::Object();
                std::string address;
                for (const TxOut& o : wtx.tx->vout) {
                    if ((net >= 0) == w->IsMine(o.script_pubkey)) {
                        address = EncodeScript(o.script_pubkey, node.params->chain);
                        break;
                    }
                }
                if (!address.empty()) out.PushKV("address", address);
                out.PushKV("category", wtx.tx->IsCoinBase() ? "generate" : net >= 0 ? "receive" : "send");
                for (size_t i = 0; i < e.keys().size(); ++i) out.PushKV(e.keys()[i], e.values()[i]);
                entries.push_back(std::move(out));
            }
            JsonValue r = JsonValue::Array();
            const int64_t n = static_cast<int64_t>(entries.size());
            const int64_t end = std::max<int64_t>(0, n - skip);
            const int64_t begin = std::max<int64_t>(0, end - count);
            for (int64_t i = begin; i < end; ++i) r.PushBack(entries[i]);
            return r;
        }};
}

RpcMethod SendToAddress(WalletManager& wallets, NodeContext& node)
{
    return RpcMethod{
        "sendtoaddress", "Send an amount to a given address.\n",
        {Arg{"address", Arg::Type::STR, Arg::Optional::NO, "The bitcoin address to send to."},
         Arg{"amount", Arg::Type::AMOUNT, Arg::Optional::NO, "The amount in BTC to send. eg 0.1"},
         Arg{"comment", Arg::Type::STR, Arg::Optional::OMITTED, "A comment used to store what the transaction is for."},
         Arg{"comment_to", Arg::Type::STR, Arg::Optional::OMITTED, "A comment to store the name of the person or organization to which you're sending the transaction."},
         Arg{"subtractfeefromamount", Arg::Type::BOOL, Arg::Default{false}, "The fee will be deducted from the amount being sent."},
         Arg{"replaceable", Arg::Type::BOOL, Arg::DefaultHint{"wallet default"}, "Signal that this transaction can be replaced by a transaction (BIP 125)"},
         Arg{"conf_target", Arg::Type::NUM, Arg::DefaultHint{"wallet -txconfirmtarget"}, "Confirmation target in blocks"},
         Arg{"estimate_mode", Arg::Type::STR, Arg::Default{"unset"}, "The fee estimate mode"},
         Arg{"avoid_reuse", Arg::Type::BOOL, Arg::Default{true}, "(only available if avoid_reuse wallet flag is set) Avoid spending from dirty addresses"},
         Arg{"fee_rate", Arg::Type::AMOUNT, Arg::DefaultHint{"not set, falls back to wallet fee estimation"}, "Specify a fee rate in sat/vB."},
         Arg{"verbose", Arg::Type::BOOL, Arg::Default{false}, "If true, return extra information about the transaction."}},
        {Res{Res::Type::STR_HEX, "txid", "The transaction id."}},
        HelpExampleCli("sendtoaddress", "\"" + EXAMPLE_ADDRESS[0] + "\" 0.1"),
        [&wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletFor(wallets, req);
            JsonValue amounts = JsonValue::Object();
            amounts.PushKV(JsonGetStr(req.params[0]), req.params[1]);
            JsonValue subtract = JsonValue::Array();
            if (req.params.size() > 4 && !req.params[4].IsNull() && JsonGetBool(req.params[4])) subtract.PushBack(JsonGetStr(req.params[0]));
            const auto recipients = ParseRecipients(amounts, subtract, node.params->chain);
            const int target = req.params.size() > 6 && !req.params[6].IsNull() ? JsonGetInt(req.params[6]) : 6;
            const FeeRate rate = ChooseFeeRate(node, req.params.size() > 9 ? req.params[9] : JsonValue(), target);
            return SendOrThrow(*w, recipients, rate, req.params.size() > 5 ? req.params[5] : JsonValue());
        }};
}

RpcMethod SendMany(WalletManager& wallets, NodeContext& node)
{
    return RpcMethod{
        "sendmany", "Send multiple times. Amounts are double-precision floating point numbers.\n",
        {Arg{"dummy", Arg::Type::STR, Arg::Default{"\"\""}, "Must be set to \"\" for backwards compatibility."},
         Arg{"amounts", Arg::Type::OBJ_USER_KEYS, Arg::Optional::NO, "The addresses and amounts", {Arg{"address", Arg::Type::AMOUNT, Arg::Optional::NO, "The bitcoin address is the key, the numeric amount (can be string) in BTC is the value"}}},
         Arg{"minconf", Arg::Type::NUM, Arg::Optional::OMITTED, "Ignored dummy value"},
         Arg{"comment", Arg::Type::STR, Arg::Optional::OMITTED, "A comment"},
         Arg{"subtractfeefrom", Arg::Type::ARR, Arg::Optional::OMITTED, "The addresses.", {Arg{"address", Arg::Type::STR, Arg::Optional::OMITTED, "Subtract fee from this address"}}},
         Arg{"replaceable", Arg::Type::BOOL, Arg::DefaultHint{"wallet default"}, "Signal that this transaction can be replaced by a transaction (BIP 125)"},
         Arg{"conf_target", Arg::Type::NUM, Arg::DefaultHint{"wallet -txconfirmtarget"}, "Confirmation target in blocks"},
         Arg{"estimate_mode", Arg::Type::STR, Arg::Default{"unset"}, "The fee estimate mode"},
         Arg{"fee_rate", Arg::Type::AMOUNT, Arg::DefaultHint{"not set, falls back to wallet fee estimation"}, "Specify a fee rate in sat/vB."},
         Arg{"verbose", Arg::Type::BOOL, Arg::Default{false}, "If true, return extra infomration about the transaction."}},
        {Res{Res::Type::STR_HEX, "txid", "The transaction id for the send."}},
        HelpExampleCli("sendmany", "\"\" \"{\\\"" + EXAMPLE_ADDRESS[0] + "\\\":0.01}\""),
        [&wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletFor(wallets, req);
            if (!req.params[0].IsNull() && !JsonGetStr(req.params[0]).empty()) {
                throw RpcError(RPC_INVALID_PARAMETER, "Dummy value must be set to \"\"");
            }
            if (!req.params[1].IsObject()) throw RpcError(RPC_TYPE_ERROR, "Expected type object for amounts");
            const auto recipients = ParseRecipients(req.params[1], req.params.size() > 4 ? req.params[4] : JsonValue(), node.params->chain);
            const int target = req.params.size() > 6 && !req.params[6].IsNull() ? JsonGetInt(req.params[6]) : 6;
            const FeeRate rate = ChooseFeeRate(node, req.params.size() > 8 ? req.params[8] : JsonValue(), target);
            return SendOrThrow(*w, recipients, rate, req.params.size() > 5 ? req.params[5] : JsonValue());
        }};
}

RpcMethod ImportDescriptors(WalletManager& wallets, NodeContext& node)
{
    return RpcMethod{
        "importdescriptors",
        "Import descriptors. This will trigger a rescan of the blockchain based on the earliest timestamp of all descriptors being imported. Requires a new wallet backup.\n",
        {Arg{"requests", Arg::Type::ARR, Arg::Optional::NO, "Data to be imported",
             {Arg{"", Arg::Type::OBJ, Arg::Optional::OMITTED, "",
                  {Arg{"desc", Arg::Type::STR, Arg::Optional::NO, "Descriptor to import."},
                   Arg{"active", Arg::Type::BOOL, Arg::Default{false}, "Set this descriptor to be the active descriptor for the corresponding output type/externality"},
                   Arg{"range", Arg::Type::RANGE, Arg::Optional::OMITTED, "If a ranged descriptor is used, this specifies the end or the range (in the form [begin,end]) to import"},
                   Arg{"next_index", Arg::Type::NUM, Arg::Optional::OMITTED, "If a ranged descriptor is set to active, this specifies the next index to generate addresses from"},
                   Arg{"timestamp", Arg::Type::NUM, Arg::Optional::NO, "Time from which to start rescanning the blockchain for this descriptor, in UNIX epoch time or \"now\""},
                   Arg{"internal", Arg::Type::BOOL, Arg::Default{false}, "Whether matching outputs should be treated as not incoming payments (e.g. change)"},
                   Arg{"label", Arg::Type::STR, Arg::Default{""}, "Label to assign to the address, only allowed with internal=false. Disabled for ranged descriptors"}}}}}},
        {Res{Res::Type::ARR, "", "Response is an array with the same size as the input that has the execution result",
             {Res{Res::Type::OBJ, "", "", {Res{Res::Type::BOOL, "success", ""}}}}}},
        HelpExampleCli("importdescriptors", "'[{ \"desc\": \"<my descriptor>\", \"timestamp\":1455191478, \"internal\": true }]'"),
        [&wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletFor(wallets, req);
            if (!req.params[0].IsArray()) throw RpcError(RPC_TYPE_ERROR, "Expected type array for requests");
            JsonValue results = JsonValue::Array();
            int64_t earliest = INT64_MAX;
            for (const JsonValue& r : req.params[0].values()) {
                JsonValue result = JsonValue::Object();
                try {
                    if (!r["desc"].IsStr()) throw RpcError(RPC_INVALID_PARAMETER, "Descriptor not found.");
                    int64_t timestamp;
                    if (r["timestamp"].IsStr() && r["timestamp"].GetValStr() == "now") {
                        timestamp = node.Now();
                    } else if (r["timestamp"].IsNum()) {
                        timestamp = JsonGetInt64(r["timestamp"]);
                    } else {
                        throw RpcError(RPC_TYPE_ERROR, "Missing required timestamp field for key");
                    }
                    const bool active = r["active"].IsBool() && r["active"].GetBool();
                    const bool internal = r["internal"].IsBool() && r["internal"].GetBool();
                    std::optional<std::pair<int64_t, int64_t>> range;
                    if (r.Exists("range")) {
                        const JsonValue& v = r["range"];
                        if (v.IsNum()) range = std::make_pair(int64_t{0}, JsonGetInt64(v));
                        else if (v.IsArray() && v.size() == 2) range = std::make_pair(JsonGetInt64(v[0]), JsonGetInt64(v[1]));
                        else throw RpcError(RPC_INVALID_PARAMETER, "Range must be specified as end or as [begin,end]");
                        if (range->first < 0 || range->second < range->first || range->second - range->first >= 1000000) {
                            throw RpcError(RPC_INVALID_PARAMETER, "Range is invalid or too large");
                        }
                    }
                    const std::string label = r["label"].IsStr() ? r["label"].GetValStr() : "";
                    if (internal && !label.empty()) throw RpcError(RPC_INVALID_PARAMETER, "Internal addresses should not have a label");
                    std::string error;
                    if (!w->ImportDescriptor(r["desc"].GetValStr(), active, internal, range, timestamp, label, &error)) {
                        throw RpcError(RPC_INVALID_PARAMETER, error);
                    }
                    earliest = std::min(earliest, timestamp);
                    result.PushKV("success", true);
                } catch (const RpcError& e) {
                    result.PushKV("success", false);
                    result.PushKV("error", e.ToJson());
                }
                results.PushBack(std::move(result));
            }
            if (earliest != INT64_MAX) {
                // Rescan from the first block whose time could hold the new descriptors' transactions (2 h margin).
                int from;
                int tip;
                {
                    std::lock_guard lock(node.chainman->Mutex());
                    const BlockIndex* start = node.chainman->Chain().FindEarliestAtLeast(earliest - 7200, 0);
                    tip = node.chainman->Chain().Height();
                    from = start ? start->height : tip + 1;
                }
                if (from <= tip) w->Rescan(from, tip);
            }
            return results;
        }};
}

RpcMethod ListDescriptors(WalletManager& wallets)
{
    return RpcMethod{
        "listdescriptors", "List descriptors imported into a descriptor-enabled wallet.\n",
        {Arg{"private", Arg::Type::BOOL, Arg::Default{false}, "Show private descriptors."}},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::STR, "wallet_name", "Name of wallet this operation was performed on"},
                                      Res{Res::Type::ARR, "descriptors", "Array of descriptor objects (sorted by descriptor string representation)"}}}},
        HelpExampleCli("listdescriptors", ""),
        [&wallets](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletFor(wallets, req);
            const bool priv = req.params.size() > 0 && !req.params[0].IsNull() && JsonGetBool(req.params[0]);
            if (priv && w->PrivateKeysDisabled()) throw RpcError(RPC_WALLET_ERROR, "Can't get descriptor string.");
            if (priv && w->IsLocked()) throw RpcError(RPC_WALLET_UNLOCK_NEEDED, "Error: Please enter the wallet passphrase with walletpassphrase first.");
            std::vector<std::pair<std::string, JsonValue>> rows;
            for (const WalletDescriptor* d : w->Descriptors()) {
                std::string text = d->parsed->ToString();
                if (priv && !d->parsed->ToPrivateString(text)) throw RpcError(RPC_WALLET_ERROR, "Can't get descriptor string.");
                JsonValue o = JsonValue::Object();
                o.PushKV("desc", text);
                o.PushKV("timestamp", d->timestamp);
                o.PushKV("active", d->active);
                if (d->active) o.PushKV("internal", d->internal);
                if (d->parsed->IsRange()) {
                    JsonValue range = JsonValue::Array();
                    range.PushBack(d->range_start);
                    range.PushBack(d->range_end);
                    o.PushKV("range", range);
                    o.PushKV("next", d->next_index);
                    o.PushKV("next_index", d->next_index);
                }
                rows.emplace_back(text, std::move(o));
            }
            std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
            JsonValue list = JsonValue::Array();
            for (auto& [k, v] : rows) list.PushBack(std::move(v));
            JsonValue r = JsonValue::Object();
            r.PushKV("wallet_name", w->Name());
            r.PushKV("descriptors", std::move(list));
            return r;
        }};
}

RpcMethod WalletCreateFundedPsbt(WalletManager& wallets, NodeContext& node)
{
    return RpcMethod{
        "walletcreatefundedpsbt",
        "Creates and funds a transaction in the Partially Signed Transaction format.\nImplements the Creator and Updater roles.\n",
        {Arg{"inputs", Arg::Type::ARR, Arg::Optional::OMITTED, "Leave empty to add inputs automatically."},
         Arg{"outputs", Arg::Type::ARR, Arg::Optional::NO, "The outputs specified as key-value pairs."},
         Arg{"locktime", Arg::Type::NUM, Arg::Default{0}, "Raw locktime. Non-0 value also locktime-activates inputs"},
         Arg{"options", Arg::Type::OBJ_NAMED_PARAMS, Arg::Optional::OMITTED, "", {Arg{"add_inputs", Arg::Type::BOOL, Arg::DefaultHint{"false when \"inputs\" are specified, true otherwise"}, "Automatically include coins from the wallet to cover the target amount.\n"},
                                                                                 Arg{"include_unsafe", Arg::Type::BOOL, Arg::Default{false}, "Include inputs that are not safe to spend (unconfirmed transactions from outside keys and unconfirmed replacement transactions)."},
                                                                                 Arg{"changeAddress", Arg::Type::STR, Arg::DefaultHint{"automatic"}, "The bitcoin address to receive the change"},
                                                                                 Arg{"changePosition", Arg::Type::NUM, Arg::DefaultHint{"random"}, "The index of the change output"},
                                                                                 Arg{"change_type", Arg::Type::STR, Arg::DefaultHint{"set by -changetype"}, "The output type to use. Only valid if changeAddress is not specified."},
                                                                                 Arg{"lockUnspents", Arg::Type::BOOL, Arg::Default{false}, "Lock selected unspent outputs"},
                                                                                 Arg{"fee_rate", Arg::Type::AMOUNT, Arg::DefaultHint{"not set"}, "Specify a fee rate in sat/vB."},
                                                                                 Arg{"subtractFeeFromOutputs", Arg::Type::ARR, Arg::Default{JsonValue::Array()}, "The outputs to subtract the fee from."},
                                                                                 Arg{"conf_target", Arg::Type::NUM, Arg::DefaultHint{"wallet -txconfirmtarget"}, "Confirmation target in blocks"},
                                                                                 Arg{"estimate_mode", Arg::Type::STR, Arg::Default{"unset"}, "The fee estimate mode"},
                                                                                 Arg{"replaceable", Arg::Type::BOOL, Arg::DefaultHint{"wallet default"}, "Marks this transaction as BIP125-replaceable."}}},
         Arg{"bip32derivs", Arg::Type::BOOL, Arg::Default{true}, "Include BIP 32 derivation paths for public keys if we know them"},
         Arg{"version", Arg::Type::NUM, Arg::Default{JsonValue(2)}, "Transaction version"},
         Arg{"psbt_version", Arg::Type::NUM, Arg::Default{JsonValue(2)}, "The PSBT version number to use."}},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::STR, "psbt", "The resulting raw transaction (base64-encoded string)"},
                                      Res{Res::Type::STR_AMOUNT, "fee", "Fee in BTC the resulting transaction pays"},
                                      Res{Res::Type::NUM, "changepos", "The position of the added change output, or -1"}}}},
        HelpExampleCli("walletcreatefundedpsbt", "\"[]\" \"[{\\\"data\\\":\\\"00010203\\\"}]\""),
        [&wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            return WalletCreateFundedPsbtResult(*WalletFor(wallets, req), node, req);  // rpc_spend.cpp
        }};
}

RpcMethod WalletProcessPsbt(WalletManager& wallets)
{
    return RpcMethod{
        "walletprocesspsbt",
        "Update a PSBT with input information from our wallet and then sign inputs that we can sign for.\n",
        {Arg{"psbt", Arg::Type::STR, Arg::Optional::NO, "The transaction base64 string"},
         Arg{"sign", Arg::Type::BOOL, Arg::Default{true}, "Also sign the transaction when updating (requires wallet to be unlocked)"},
         Arg{"sighashtype", Arg::Type::STR, Arg::Default{"DEFAULT for Taproot, ALL otherwise"}, "The signature hash type to sign with if not specified by the PSBT."},
         Arg{"bip32derivs", Arg::Type::BOOL, Arg::Default{true}, "Include BIP 32 derivation paths for public keys if we know them"},
         Arg{"finalize", Arg::Type::BOOL, Arg::Default{true}, "Also finalize inputs if possible"}},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::STR, "psbt", "The base64-encoded partially signed transaction"},
                                      Res{Res::Type::BOOL, "complete", "If the transaction has a complete set of signatures"},
                                      Res{Res::Type::STR_HEX, "hex", true, "The hex-encoded network transaction if complete"}}}},
        HelpExampleCli("walletprocesspsbt", "\"psbt\""),
        [&wallets](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletFor(wallets, req);
            auto decoded = DecodeBase64Psbt(JsonGetStr(req.params[0]));
            if (!decoded.psbt) throw RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed " + decoded.error);
            Psbt psbt = *decoded.psbt;
            const bool sign = req.params.size() <= 1 || req.params[1].IsNull() || JsonGetBool(req.params[1]);
            const bool bip32 = req.params.size() <= 3 || req.params[3].IsNull() || JsonGetBool(req.params[3]);
            const bool finalize = req.params.size() <= 4 || req.params[4].IsNull() || JsonGetBool(req.params[4]);
            if (sign && w->IsLocked()) {
                throw RpcError(RPC_WALLET_UNLOCK_NEEDED, "Error: Please enter the wallet passphrase with walletpassphrase first.");
            }
            const bool complete = w->FillPsbt(psbt, sign, finalize, bip32);
            JsonValue r = JsonValue::Object();
            r.PushKV("psbt", EncodeBase64Psbt(psbt));
            r.PushKV("complete", complete);
            if (complete) {
                MutableTransaction tx;
                Psbt copy = psbt;
                if (FinalizeAndExtractPsbt(copy, tx)) r.PushKV("hex", HexStr(EncodeTransaction(tx)));
            }
            return r;
        }};
}

RpcMethod GetAddressInfo(WalletManager& wallets, NodeContext& node)
{
    return RpcMethod{
        "getaddressinfo", "Return information about the given bitcoin address.\n",
        {Arg{"address", Arg::Type::STR, Arg::Optional::NO, "The bitcoin address for which to get information."}},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::STR, "address", "The bitcoin address validated."},
                                      Res{Res::Type::BOOL, "ismine", "If the address is yours."}}}},
        HelpExampleCli("getaddressinfo", "\"" + EXAMPLE_ADDRESS[0] + "\""),
        [&wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletFor(wallets, req);
            const std::string address = JsonGetStr(req.params[0]);
            const Script script = ScriptForAddress(address, node.params->chain);
            JsonValue r = JsonValue::Object();
            r.PushKV("address", address);
            r.PushKV("scriptPubKey", HexStr(script));
            auto origin = w->ScriptOrigin(script);
            r.PushKV("ismine", origin.has_value());
            r.PushKV("solvable", origin.has_value());
            if (origin) {
                for (const WalletDescriptor* d : w->Descriptors()) {
                    if (d->id != origin->first) continue;
                    FlatSigningProvider p;
                    std::vector<Script> s;
                    d->parsed->Expand(static_cast<int>(origin->second), s, p);
                    if (auto inferred = InferDescriptor(script, p, node.params->chain)) r.PushKV("desc", inferred->ToString());
                    r.PushKV("parent_desc", d->parsed->ToString());
                    r.PushKV("ischange", d->internal);
                }
            }
            r.PushKV("iswatchonly", false);
            int version;
            std::vector<uint8_t> program;
            r.PushKV("isscript", script.IsPayToScriptHash() || (script.IsWitnessProgram(version, program) && version == 0 && program.size() == 32));
            r.PushKV("iswitness", script.IsWitnessProgram(version, program));
            auto labels = w->Labels();
            JsonValue l = JsonValue::Array();
            if (labels.count(address)) l.PushBack(labels[address]);
            r.PushKV("labels", l);
            return r;
        }};
}

RpcMethod RescanBlockchain(WalletManager& wallets, NodeContext& node)
{
    return RpcMethod{
        "rescanblockchain", "Rescan the local blockchain for wallet related transactions.\n",
        {Arg{"start_height", Arg::Type::NUM, Arg::Default{0}, "block height where the rescan should start"},
         Arg{"stop_height", Arg::Type::NUM, Arg::Optional::OMITTED, "the last block height that should be scanned. If none is provided it will rescan up to the tip at return time of this call."}},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::NUM, "start_height", "The block height where the rescan started (the requested height or 0)"},
                                      Res{Res::Type::NUM, "stop_height", "The height of the last rescanned block."}}}},
        HelpExampleCli("rescanblockchain", "100000 120000"),
        [&wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletFor(wallets, req);
            const int start = req.params.size() > 0 && !req.params[0].IsNull() ? JsonGetInt(req.params[0]) : 0;
            int tip;
            {
                std::lock_guard lock(node.chainman->Mutex());
                tip = node.chainman->Chain().Height();
            }
            int stop = req.params.size() > 1 && !req.params[1].IsNull() ? JsonGetInt(req.params[1]) : tip;
            if (start < 0 || start > tip) throw RpcError(RPC_INVALID_PARAMETER, "Invalid start_height");
            if (stop < start || stop > tip) throw RpcError(RPC_INVALID_PARAMETER, "Invalid stop_height");
            const int last = w->Rescan(start, stop);
            JsonValue r = JsonValue::Object();
            r.PushKV("start_height", start);
            r.PushKV("stop_height", last);
            return r;
        }};
}
RpcMethod EncryptWallet(WalletManager& wallets)
{
    return RpcMethod{
        "encryptwallet",
        "Encrypts the wallet with 'passphrase'. This is for first time encryption.\nAfter this, any calls that interact with private keys such as sending or signing\nwill require the passphrase to be set prior to making these calls.\nUse the walletpassphrase call for this, and then walletlock call.\n",
        {Arg{"passphrase", Arg::Type::STR, Arg::Optional::NO, "The pass phrase to encrypt the wallet with. It must be at least 1 character, but should be long."}},
        {Res{Res::Type::STR, "", "A string with further instructions"}},
        HelpExampleCli("encryptwallet", "\"my pass phrase\""),
        [&wallets](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletFor(wallets, req);
            if (w->PrivateKeysDisabled()) throw RpcError(RPC_WALLET_ENCRYPTION_FAILED, "Error: wallet does not contain private keys, nothing to encrypt.");
            if (w->IsEncrypted()) throw RpcError(RPC_WALLET_WRONG_ENC_STATE, "Error: running with an encrypted wallet, but encryptwallet was called.");
            std::string passphrase = JsonGetStr(req.params[0]);
            if (passphrase.empty()) throw RpcError(RPC_INVALID_PARAMETER, "passphrase cannot be empty");
            std::string error;
            if (!w->EncryptWallet(std::move(passphrase), &error)) throw RpcError(RPC_WALLET_ENCRYPTION_FAILED, error);
            return "wallet encrypted; The keypool has been flushed and a new HD seed was generated. You need to make a new backup with the backupwallet RPC.";
        }};
}

RpcMethod WalletPassphrase(WalletManager& wallets)
{
    return RpcMethod{
        "walletpassphrase",
        "Stores the wallet decryption key in memory for 'timeout' seconds.\nThis is needed prior to performing transactions related to private keys such as sending bitcoins\n",
        {Arg{"passphrase", Arg::Type::STR, Arg::Optional::NO, "The wallet passphrase"},
         Arg{"timeout", Arg::Type::NUM, Arg::Optional::NO, "The time to keep the decryption key in seconds; capped at 100000000 (~3 years)."}},
        {Res{Res::Type::NONE, "", ""}},
        HelpExampleCli("walletpassphrase", "\"my pass phrase\" 60"),
        [&wallets](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletFor(wallets, req);
            if (!w->IsEncrypted()) throw RpcError(RPC_WALLET_WRONG_ENC_STATE, "Error: running with an unencrypted wallet, but walletpassphrase was called.");
            std::string passphrase = JsonGetStr(req.params[0]);
            int64_t timeout = JsonGetInt64(req.params[1]);
            if (timeout < 0) throw RpcError(RPC_INVALID_PARAMETER, "Timeout cannot be negative.");
            timeout = std::min<int64_t>(timeout, 100000000);
            if (passphrase.empty()) throw RpcError(RPC_INVALID_PARAMETER, "passphrase cannot be empty");
            std::string error;
            if (!w->Unlock(std::move(passphrase), timeout, &error)) throw RpcError(RPC_WALLET_PASSPHRASE_INCORRECT, error);
            return JsonValue();
        }};
}

RpcMethod WalletLock(WalletManager& wallets)
{
    return RpcMethod{
        "walletlock",
        "Removes the wallet encryption key from memory, locking the wallet.\nAfter calling this method, you will need to call walletpassphrase again\nbefore being able to call any methods which require the wallet to be unlocked.\n",
        {}, {Res{Res::Type::NONE, "", ""}}, HelpExampleCli("walletlock", ""),
        [&wallets](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletFor(wallets, req);
            if (!w->IsEncrypted()) throw RpcError(RPC_WALLET_WRONG_ENC_STATE, "Error: running with an unencrypted wallet, but walletlock was called.");
            w->Lock();
            return JsonValue();
        }};
}

RpcMethod WalletPassphraseChange(WalletManager& wallets)
{
    return RpcMethod{
        "walletpassphrasechange", "Changes the wallet passphrase from 'oldpassphrase' to 'newpassphrase'.\n",
        {Arg{"oldpassphrase", Arg::Type::STR, Arg::Optional::NO, "The current passphrase"},
         Arg{"newpassphrase", Arg::Type::STR, Arg::Optional::NO, "The new passphrase"}},
        {Res{Res::Type::NONE, "", ""}}, HelpExampleCli("walletpassphrasechange", "\"old one\" \"new one\""),
        [&wallets](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletFor(wallets, req);
            if (!w->IsEncrypted()) throw RpcError(RPC_WALLET_WRONG_ENC_STATE, "Error: running with an unencrypted wallet, but walletpassphrasechange was called.");
            std::string oldp = JsonGetStr(req.params[0]), newp = JsonGetStr(req.params[1]);
            if (oldp.empty() || newp.empty()) throw RpcError(RPC_INVALID_PARAMETER, "passphrase cannot be empty");
            std::string error;
            if (!w->ChangePassphrase(std::move(oldp), std::move(newp), &error)) throw RpcError(RPC_WALLET_PASSPHRASE_INCORRECT, error);
            return JsonValue();
        }};
}
}  // namespace

void RegisterWalletArgs(ArgsManager& args)
{
    const auto W = OptionsCategory::OPTIONS;
    args.AddArg("-wallet=<path>", "Specify wallet path to load at startup. Can be used multiple times to load multiple wallets.", A::ALLOW_ANY, W);
    args.AddArg("-walletdir=<dir>", "Specify directory to hold wallets (default: <datadir>/wallets)", A::ALLOW_ANY, W);
    args.AddArg("-fallbackfee=<amt>", "A fee rate (in BTC/kvB) that will be used when fee estimation has insufficient data. 0 to entirely disable the fallbackfee feature. (default: 0.00)", A::ALLOW_ANY, W);
    args.AddArg("-disablewallet", "Do not load the wallet and disable wallet RPC calls", A::ALLOW_ANY, W);
}

void RegisterWalletRpcCommands(RpcTable& table, NodeContext& node, WalletManager& wallets)
{
    table.Register("wallet", CreateWallet(wallets));
    table.Register("wallet", LoadWallet(wallets));
    table.Register("wallet", UnloadWallet(wallets));
    table.Register("wallet", ListWallets(wallets));
    table.Register("wallet", GetWalletInfo(wallets, node));
    table.Register("wallet", GetNewAddress(wallets, node, false));
    table.Register("wallet", GetNewAddress(wallets, node, true));
    table.Register("wallet", GetBalance(wallets));
    table.Register("wallet", GetBalances(wallets, node));
    table.Register("wallet", ListUnspent(wallets, node));
    table.Register("wallet", GetTransaction(wallets, node));
    table.Register("wallet", ListTransactions(wallets, node));
    table.Register("wallet", SendToAddress(wallets, node));
    table.Register("wallet", SendMany(wallets, node));
    table.Register("wallet", ImportDescriptors(wallets, node));
    table.Register("wallet", ListDescriptors(wallets));
    table.Register("wallet", WalletCreateFundedPsbt(wallets, node));
    table.Register("wallet", WalletProcessPsbt(wallets));
    table.Register("wallet", GetAddressInfo(wallets, node));
    table.Register("wallet", RescanBlockchain(wallets, node));
    table.Register("wallet", EncryptWallet(wallets));
    table.Register("wallet", WalletPassphrase(wallets));
    table.Register("wallet", WalletLock(wallets));
    table.Register("wallet", WalletPassphraseChange(wallets));
    RegisterReserveProofWalletRpcCommands(table, node, wallets);
    RegisterReserveRpcCommands(table, node, wallets);
    RegisterSpendRpcCommands(table, node, wallets);
}

std::shared_ptr<Wallet> WalletForRequest(WalletManager& wallets, const JsonRpcRequest& req) { return WalletFor(wallets, req); }
FeeRate WalletFeeRate(NodeContext& node, const JsonValue& fee_rate_arg, int conf_target)
{
    return ChooseFeeRate(node, fee_rate_arg, conf_target);
}

// ---- Proof of reserves from a wallet's coins ------------------------------------------------------------------

namespace {
ReserveStatement StatementFromJson(const JsonValue& json)
{
    std::string error;
    auto st = ReserveStatementFromJson(json, &error);
    if (!st) throw RpcError(RPC_INVALID_PARAMETER, "statement: " + error);
    return *st;
}

RpcMethod CreateReserveProof(WalletManager& wallets, NodeContext& node)
{
    return RpcMethod{
        "createreserveproof",
        "Creates an unsigned proof-of-reserves PSBT (BIP127 style) over every confirmed coin of the wallet, committing "
        "to the institution, date, a nonce, the current tip and the wallet's public descriptors. Sign it like a spend "
        "(walletprocesspsbt with finalize=false by each official, then combinepsbt) and finish with finalizereserveproof.\n",
        {Arg{"institution", Arg::Type::STR, Arg::Optional::NO, "Who attests"},
         Arg{"date", Arg::Type::STR, Arg::Optional::NO, "The date stated (YYYY-MM-DD)"},
         Arg{"nonce", Arg::Type::STR, Arg::Optional::NO, "A fresh value, so that old signatures cannot be replayed"},
         Arg{"liabilities", Arg::Type::OBJ_USER_KEYS, Arg::Optional::OMITTED,
             "A published proof-of-liabilities commitment {\"root_hash\", \"total\", \"height\"} (as "
             "sovereign-util buildliabilities writes it): the proof then also states solvency against it"}},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::STR, "psbt", "The unsigned proof PSBT (base64)"},
                                      Res{Res::Type::OBJ, "statement", "What the proof commits to; pass it to finalizereserveproof"},
                                      Res{Res::Type::STR_AMOUNT, "amount", "The total of the coins included"}}}},
        HelpExampleCli("createreserveproof", "\"National Bitcoin Office\" 2026-11-28 7f3a"),
        [&wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletFor(wallets, req);
            ReserveStatement st;
            st.institution = JsonGetStr(req.params[0]);
            st.date = JsonGetStr(req.params[1]);
            st.nonce = JsonGetStr(req.params[2]);
            if (st.nonce.empty()) throw RpcError(RPC_INVALID_PARAMETER, "nonce must not be empty");
            if (!req.params[3].IsNull()) {
                std::string error;
                st.liabilities = LiabilityCommitmentFromJson(req.params[3], &error);
                if (!st.liabilities) throw RpcError(RPC_INVALID_PARAMETER, "liabilities: " + error);
            }
            {
                std::lock_guard lock(node.chainman->Mutex());
                st.height = node.chainman->Chain().Height();
                st.block_hash = node.chainman->Tip()->GetBlockHash();
            }
            for (const WalletDescriptor* d : w->Descriptors()) st.descriptors.push_back(d->parsed->ToString());
            std::vector<std::pair<OutPoint, TxOut>> utxos;
            Amount total = 0;
            for (const WalletCoin& c : w->ListCoins(true)) {
                if (c.depth < 1) continue;
                utxos.emplace_back(c.outpoint, c.out);
                total += c.out.value;
            }
            if (utxos.empty()) throw RpcError(RPC_WALLET_INSUFFICIENT_FUNDS, "The wallet has no confirmed coins to prove");
            Psbt psbt = CreateReservePsbt(st, utxos);
            w->FillPsbt(psbt, false, false);
            JsonValue r = JsonValue::Object();
            r.PushKV("psbt", EncodeBase64Psbt(psbt));
            r.PushKV("statement", ReserveStatementToJson(st));
            r.PushKV("amount", ValueFromAmount(total));
            return r;
        }};
}

RpcMethod FinalizeReserveProofRpc()
{
    return RpcMethod{
        "finalizereserveproof",
        "Finalizes a signed proof-of-reserves PSBT into the file to publish (verify it with verifyreserves).\n",
        {Arg{"psbt", Arg::Type::STR, Arg::Optional::NO, "The signed proof PSBT (base64)"},
         Arg{"statement", Arg::Type::OBJ_USER_KEYS, Arg::Optional::NO, "The statement createreserveproof returned"}},
        {Res{Res::Type::OBJ, "", "The proof file (JSON)"}},
        HelpExampleCli("finalizereserveproof", "\"psbt\" '{...}'"),
        [](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto decoded = DecodeBase64Psbt(JsonGetStr(req.params[0]));
            if (!decoded.psbt) throw RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed " + decoded.error);
            const ReserveStatement st = StatementFromJson(req.params[1]);
            std::string error;
            auto tx = FinalizeReserveProof(*decoded.psbt, &error);
            if (!tx) throw RpcError(RPC_WALLET_ERROR, error);
            if (tx->vin[0].prevout.hash != ReserveCommitmentTxid(ReserveMessage(st))) {
                throw RpcError(RPC_INVALID_PARAMETER, "The PSBT does not commit to this statement");
            }
            return ReserveProofToJson(st, *tx);
        }};
}
}  // namespace

void RegisterReserveProofWalletRpcCommands(RpcTable& table, NodeContext& node, WalletManager& wallets)
{
    table.Register("reserves", CreateReserveProof(wallets, node));
    table.Register("reserves", FinalizeReserveProofRpc());
}
