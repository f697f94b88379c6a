// Spending RPCs with Core's names, arguments, results and error codes: send, sendall, bumpfee, psbtbumpfee,
// lockunspent, listlockunspent.
#include "wallet/rpc_spend.h"

#include "address/destination.h"
#include "json/core_json.h"
#include "policy/fees.h"
#include "policy/policy.h"
#include "psbt/psbt_roles.h"
#include "rpc/protocol.h"
#include "rpc/util.h"
#include "util/args.h"
#include "util/hex.h"
#include "util/strencodings.h"
#include "wallet/wallet.h"

#include <ctime>

std::shared_ptr<Wallet> WalletForRequest(WalletManager& wallets, const JsonRpcRequest& req);
FeeRate WalletFeeRate(NodeContext& node, const JsonValue& fee_rate_arg, int conf_target);

namespace {
using Arg = RpcArg;
using Res = RpcResult;

const JsonValue& Param(const JsonRpcRequest& req, size_t i)
{
    static const JsonValue null;
    return i < req.params.size() ? req.params[i] : null;
}

const JsonValue& Opt(const JsonValue& options, const std::string& key)
{
    static const JsonValue null;
    return options.IsObject() ? options[key] : null;
}

Script ScriptFor(const std::string& address, Chain chain)
{
    std::string error;
    Destination dest = DecodeDestination(address, chain, &error);
    if (!IsValidDestination(dest)) {
        throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, error.empty() ? "Invalid Bitcoin address: " + address : error);
    }
    return GetScriptForDestination(dest);
}

/** Core's fee instructions: fee_rate (sat/vB) excludes conf_target and estimate_mode; else the estimator at
 *  conf_target (1..1008, default -txconfirmtarget 6) in the mode asked, with -fallbackfee as Core. */
FeeRate SpendFeeRate(NodeContext& node, const JsonValue& conf_target, const JsonValue& estimate_mode, const JsonValue& fee_rate,
                     bool replaceable)
{
    if (!fee_rate.IsNull()) {
        if (!conf_target.IsNull()) {
            throw RpcError(RPC_INVALID_PARAMETER, "Cannot specify both conf_target and fee_rate. Please provide either a "
                                                  "confirmation target in blocks for automatic fee estimation, or an explicit fee rate.");
        }
        if (!estimate_mode.IsNull() && JsonGetStr(estimate_mode) != "unset") {
            throw RpcError(RPC_INVALID_PARAMETER, "Cannot specify both estimate_mode and fee_rate");
        }
        return WalletFeeRate(node, fee_rate, 6);
    }
    bool conservative = !replaceable;  // Core: economical estimates for replaceable transactions unless asked
    if (!estimate_mode.IsNull()) {
        std::string mode = JsonGetStr(estimate_mode);
        std::transform(mode.begin(), mode.end(), mode.begin(), [](unsigned char c) { return std::tolower(c); });
        if (mode == "conservative") {
            conservative = true;
        } else if (mode == "economical") {
            conservative = false;
        } else if (mode != "unset") {
            throw RpcError(RPC_INVALID_PARAMETER, "Invalid estimate_mode parameter, must be one of: \"unset\", \"economical\", \"conservative\"");
        }
    }
    int target = 6;
    if (!conf_target.IsNull()) {
        target = JsonGetInt(conf_target);
        const int max_target = node.fee_estimator ? static_cast<int>(node.fee_estimator->HighestTargetTracked(FeeEstimateHorizon::LONG_HALFLIFE)) : 1008;
        if (target < 1 || target > max_target) {
            throw RpcError(RPC_INVALID_PARAMETER, "Invalid conf_target, must be between 1 and " + std::to_string(max_target));
        }
    }
    FeeRate rate;
    if (node.fee_estimator) rate = node.fee_estimator->EstimateSmartFee(target, nullptr, conservative);
    if (rate.GetFeePerK() == 0) return WalletFeeRate(node, JsonValue(), target);  // fallback fee or Core's error
    if (node.mempool) {
        std::lock_guard lock(node.mempool->m_mutex);
        rate = std::max(rate, node.mempool->GetMinFee(node.Now()));  // Core obeys the mempool minimum
    }
    return std::max(rate, FeeRate(DEFAULT_MIN_RELAY_TX_FEE));
}

/** send's and walletcreatefundedpsbt's outputs: [{"address": amount}, {"data": "hex"}] or one object. */
std::vector<Recipient> ParseOutputs(const JsonValue& outputs, const JsonValue& subtract, Chain chain)
{
    std::vector<std::pair<std::string, JsonValue>> pairs;
    if (outputs.IsObject()) {
        for (size_t i = 0; i < outputs.keys().size(); ++i) pairs.emplace_back(outputs.keys()[i], outputs.values()[i]);
    } else if (outputs.IsArray()) {
        for (const JsonValue& o : outputs.values()) {
            if (!o.IsObject()) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, key-value pair not an object as expected");
            if (o.keys().size() != 1) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, key-value pair must contain exactly one key");
            pairs.emplace_back(o.keys()[0], o.values()[0]);
        }
    } else {
        throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, outputs must be an array or an object");
    }
    if (pairs.empty()) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, output argument must be non-null");
    std::vector<Recipient> out;
    std::set<Script> seen;
    bool has_data = false;
    for (size_t i = 0; i < pairs.size(); ++i) {
        Recipient r;
        if (pairs[i].first == "data") {
            if (has_data) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, duplicate key: data");
            has_data = true;
            r.script = Script() << OP_RETURN << ParseHexV(pairs[i].second, "Data");
            r.amount = 0;
        } else {
            r.script = ScriptFor(pairs[i].first, chain);
            if (!seen.insert(r.script).second) {
                throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, duplicated address: " + pairs[i].first);
            }
            r.amount = AmountFromValue(pairs[i].second);
        }
        if (subtract.IsArray()) {
            for (const JsonValue& s : subtract.values()) {
                // Core accepts output indexes (and, for sendmany, addresses).
                if (s.IsNum()) {
                    const int64_t idx = JsonGetInt64(s);
                    if (idx < 0 || idx >= static_cast<int64_t>(pairs.size())) {
                        throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, value out of range: " + std::to_string(idx));
                    }
                    r.subtract_fee |= idx == static_cast<int64_t>(i);
                } else if (s.IsStr()) {
                    r.subtract_fee |= s.GetValStr() == pairs[i].first;
                }
            }
        }
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<OutPoint> ParseInputs(const JsonValue& inputs)
{
    std::vector<OutPoint> out;
    if (inputs.IsNull()) return out;
    for (const JsonValue& in : JsonGetArray(inputs).values()) {
        const JsonValue& o = JsonGetObject(in);
        const uint256 txid = ParseHashO(o, "txid");
        const JsonValue& vout = o["vout"];
        if (!vout.IsNum()) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, missing vout key");
        const int64_t n = JsonGetInt64(vout);
        if (n < 0) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, vout cannot be negative");
        out.emplace_back(txid, static_cast<uint32_t>(n));
    }
    return out;
}

void EnsureUnlocked(const Wallet& w)
{
    if (w.IsLocked()) {
        throw RpcError(RPC_WALLET_UNLOCK_NEEDED, "Error: Please enter the wallet passphrase with walletpassphrase first.");
    }
}

/** Core's FinishTransaction: sign what we can; broadcast when complete and wanted, else hand back the PSBT/hex. */
JsonValue FinishTransaction(Wallet& w, Psbt psbt, const JsonValue& options)
{
    w.FillPsbt(psbt, false, false, true);
    if (!w.PrivateKeysDisabled()) EnsureUnlocked(w);
    w.FillPsbt(psbt, !w.PrivateKeysDisabled(), false, false);
    Psbt finalized = psbt;
    MutableTransaction mtx;
    const bool complete = FinalizeAndExtractPsbt(finalized, mtx);
    const bool psbt_opt_in = Opt(options, "psbt").IsBool() && Opt(options, "psbt").GetBool();
    const bool add_to_wallet = Opt(options, "add_to_wallet").IsBool() ? Opt(options, "add_to_wallet").GetBool() : true;
    JsonValue r = JsonValue::Object();
    if (psbt_opt_in || !complete || !add_to_wallet) r.PushKV("psbt", EncodeBase64Psbt(complete ? finalized : psbt));
    if (complete) {
        const Transaction tx(mtx);
        r.PushKV("txid", tx.GetHash().GetHex());
        if (add_to_wallet && !psbt_opt_in) {
            std::string error;
            int code = RPC_WALLET_ERROR;
            if (!w.SignAndBroadcast(finalized, &error, &code)) throw RpcError(code, error);
        } else {
            r.PushKV("hex", EncodeHexTx(tx));
        }
    }
    r.PushKV("complete", complete);
    return r;
}

bool GetBoolOr(const JsonValue& v, bool fallback) { return v.IsNull() ? fallback : JsonGetBool(v); }

const JsonValue& OptEither(const JsonValue& options, const std::string& a, const std::string& b)
{
    return Opt(options, a).IsNull() ? Opt(options, b) : Opt(options, a);
}

/** Core's FundTransaction options (snake_case and the older camelCase names). */
FundOptions ParseFundOptions(const JsonValue& options, std::vector<OutPoint> inputs, const JsonValue& locktime, size_t n_outputs, Chain chain)
{
    FundOptions fo;
    fo.replaceable = GetBoolOr(Opt(options, "replaceable"), true);
    fo.preset_inputs = std::move(inputs);
    fo.add_inputs = GetBoolOr(Opt(options, "add_inputs"), fo.preset_inputs.empty());
    fo.include_unsafe = GetBoolOr(Opt(options, "include_unsafe"), false);
    fo.lock_unspents = GetBoolOr(OptEither(options, "lock_unspents", "lockUnspents"), false);
    const JsonValue& change_address = OptEither(options, "change_address", "changeAddress");
    if (change_address.IsStr() && Opt(options, "change_type").IsStr()) {
        throw RpcError(RPC_INVALID_PARAMETER, "Cannot specify both changeAddress and address_type options");
    }
    if (change_address.IsStr()) {
        std::string error;
        Destination dest = DecodeDestination(JsonGetStr(change_address), chain, &error);
        if (!IsValidDestination(dest)) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Change address must be a valid bitcoin address");
        fo.change_script = GetScriptForDestination(dest);
    }
    if (Opt(options, "change_type").IsStr()) {
        const std::string t = JsonGetStr(Opt(options, "change_type"));
        if (t == "bech32") {
            fo.change_type = OutputType::BECH32;
        } else if (t == "bech32m") {
            fo.change_type = OutputType::BECH32M;
        } else if (t == "legacy") {
            fo.change_type = OutputType::LEGACY;
        } else if (t == "p2sh-segwit") {
            fo.change_type = OutputType::P2SH_SEGWIT;
        } else {
            throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Unknown change type '" + t + "'");
        }
    }
    const JsonValue& change_position = OptEither(options, "change_position", "changePosition");
    if (!change_position.IsNull()) {
        const int64_t pos = JsonGetInt64(change_position);
        if (pos < 0 || pos > static_cast<int64_t>(n_outputs)) throw RpcError(RPC_INVALID_PARAMETER, "changePosition out of bounds");
        fo.change_position = static_cast<int>(pos);
    }
    // Core's FundTransaction keeps the transaction's own locktime (0 unless given): no anti-fee-sniping here.
    int64_t lt = locktime.IsNull() ? 0 : JsonGetInt64(locktime);
    if (lt < 0 || lt > 0xffffffffLL) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, locktime out of range");
    fo.locktime = static_cast<uint32_t>(lt);
    return fo;
}

RpcMethod Send(WalletManager& wallets, NodeContext& node)
{
    return RpcMethod{
        "send",
        "EXPERIMENTAL warning: this call may be changed in future releases.\n\nSend a transaction.\n",
        {Arg{"outputs", Arg::Type::ARR, Arg::Optional::NO, "The outputs specified as key-value pairs.", {}, RpcArgOptions{true, "", {}, false, false}},
         Arg{"conf_target", Arg::Type::NUM, Arg::DefaultHint{"wallet -txconfirmtarget"}, "Confirmation target in blocks"},
         Arg{"estimate_mode", Arg::Type::STR, Arg::Default{"unset"}, "The fee estimate mode, must be one of (case insensitive):\n\"unset\"\n\"economical\"\n\"conservative\""},
         Arg{"fee_rate", Arg::Type::AMOUNT, Arg::DefaultHint{"not set, falls back to wallet fee estimation"}, "Specify a fee rate in sat/vB."},
         Arg{"options", Arg::Type::OBJ_NAMED_PARAMS, Arg::Optional::OMITTED, "",
             {Arg{"add_inputs", Arg::Type::BOOL, Arg::DefaultHint{"false when \"inputs\" are specified, true otherwise"}, "Automatically include coins from the wallet to cover the target amount.\n"},
              Arg{"include_unsafe", Arg::Type::BOOL, Arg::Default{false}, "Include inputs that are not safe to spend (unconfirmed transactions from outside keys and unconfirmed replacement transactions)."},
              Arg{"add_to_wallet", Arg::Type::BOOL, Arg::Default{true}, "When false, returns a serialized transaction which will not be added to the wallet or broadcast"},
              Arg{"change_address", Arg::Type::STR, Arg::DefaultHint{"automatic"}, "The bitcoin address to receive the change"},
              Arg{"change_position", Arg::Type::NUM, Arg::DefaultHint{"random"}, "The index of the change output"},
              Arg{"change_type", Arg::Type::STR, Arg::DefaultHint{"set by -changetype"}, "The output type to use. Only valid if change_address is not specified."},
              Arg{"fee_rate", Arg::Type::AMOUNT, Arg::DefaultHint{"not set, falls back to wallet fee estimation"}, "Specify a fee rate in sat/vB."},
              Arg{"inputs", Arg::Type::ARR, Arg::Default{JsonValue::Array()}, "Specify inputs instead of adding them automatically."},
              Arg{"locktime", Arg::Type::NUM, Arg::Default{0}, "Raw locktime. Non-0 value also locktime-activates inputs"},
              Arg{"lock_unspents", Arg::Type::BOOL, Arg::Default{false}, "Lock selected unspent outputs"},
              Arg{"psbt", Arg::Type::BOOL, Arg::DefaultHint{"automatic"}, "Always return a PSBT, implies add_to_wallet=false."},
              Arg{"subtract_fee_from_outputs", Arg::Type::ARR, Arg::Default{JsonValue::Array()}, "Outputs to subtract the fee from, specified as integer indices."},
              Arg{"conf_target", Arg::Type::NUM, Arg::DefaultHint{"wallet -txconfirmtarget"}, "Confirmation target in blocks"},
              Arg{"estimate_mode", Arg::Type::STR, Arg::Default{"unset"}, "The fee estimate mode"},
              Arg{"replaceable", Arg::Type::BOOL, Arg::DefaultHint{"wallet default"}, "Marks this transaction as BIP125-replaceable."}}},
         Arg{"version", Arg::Type::NUM, Arg::Default{2}, "Transaction version"}},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::BOOL, "complete", "If the transaction has a complete set of signatures"},
                                      Res{Res::Type::STR_HEX, "txid", true, "The transaction id for the send. Only 1 transaction is created regardless of the number of addresses."},
                                      Res{Res::Type::STR_HEX, "hex", true, "If add_to_wallet is false, the hex-encoded raw transaction with signature(s)"},
                                      Res{Res::Type::STR, "psbt", true, "If more signatures are needed, or if add_to_wallet is false, the base64-encoded (partially) signed transaction"}}}},
        HelpExampleCli("send", "'{\"" + std::string("bcrt1q...") + "\": 0.1}'"),
        [&wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletForRequest(wallets, req);
            const JsonValue options = Param(req, 4).IsObject() ? Param(req, 4) : JsonValue::Object();
            if (!Param(req, 1).IsNull() && !Opt(options, "conf_target").IsNull()) {
                throw RpcError(RPC_INVALID_PARAMETER, "Pass conf_target either as positional or in options, not both");
            }
            if (!Param(req, 2).IsNull() && !Opt(options, "estimate_mode").IsNull()) {
                throw RpcError(RPC_INVALID_PARAMETER, "Pass estimate_mode either as positional or in options, not both");
            }
            if (!Param(req, 3).IsNull() && !Opt(options, "fee_rate").IsNull()) {
                throw RpcError(RPC_INVALID_PARAMETER, "Pass fee_rate either as positional or in options, not both");
            }
            const JsonValue& conf = Param(req, 1).IsNull() ? Opt(options, "conf_target") : Param(req, 1);
            const JsonValue& mode = Param(req, 2).IsNull() ? Opt(options, "estimate_mode") : Param(req, 2);
            const JsonValue& rate_arg = Param(req, 3).IsNull() ? Opt(options, "fee_rate") : Param(req, 3);
            const bool replaceable = GetBoolOr(Opt(options, "replaceable"), true);
            const FeeRate rate = SpendFeeRate(node, conf, mode, rate_arg, replaceable);
            const auto recipients = ParseOutputs(Param(req, 0), OptEither(options, "subtract_fee_from_outputs", "subtractFeeFromOutputs"), node.params->chain);
            FundOptions fo = ParseFundOptions(options, ParseInputs(Opt(options, "inputs")), Opt(options, "locktime"), recipients.size(), node.params->chain);
            std::string error;
            int code = RPC_WALLET_ERROR;
            auto funded = w->FundTransaction(recipients, rate, fo, &error, &code);
            if (!funded) throw RpcError(RPC_WALLET_ERROR, error);  // Core's FundTransaction reports RPC_WALLET_ERROR
            const int64_t version = Param(req, 5).IsNull() ? 2 : JsonGetInt64(Param(req, 5));
            if (version != 2) {
                if (version < 1 || version > 3) {
                    throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, version out of range(1~3)");
                }
                auto tx = funded->psbt.GetUnsignedTx();
                MutableTransaction m(*tx);
                m.version = static_cast<uint32_t>(version);
                Psbt p(m, 0);
                p.inputs = funded->psbt.inputs;
                p.outputs = funded->psbt.outputs;
                funded->psbt = p;
            }
            return FinishTransaction(*w, std::move(funded->psbt), options);
        }};
}

RpcMethod SendAll(WalletManager& wallets, NodeContext& node)
{
    return RpcMethod{
        "sendall",
        "EXPERIMENTAL warning: this call may be changed in future releases.\n\nSpend the value of all (or specific) "
        "confirmed UTXOs and unconfirmed change in the wallet to one or more recipients.\nUnconfirmed inbound UTXOs and "
        "locked UTXOs will not be spent. Sendall will respect the avoid_reuse wallet flag.\nIf your wallet contains many "
        "small inputs, either because it received tiny payments or as a result of accumulating change, consider using "
        "`send_max` to exclude inputs that are worth less than the fees needed to spend them.\n",
        {Arg{"recipients", Arg::Type::ARR, Arg::Optional::NO, "The sendall destinations. Each address may only appear once.\nOptionally some recipients can be specified with an amount to perform payments, but at least one address must appear without a specified amount.\n"},
         Arg{"conf_target", Arg::Type::NUM, Arg::DefaultHint{"wallet -txconfirmtarget"}, "Confirmation target in blocks"},
         Arg{"estimate_mode", Arg::Type::STR, Arg::Default{"unset"}, "The fee estimate mode"},
         Arg{"fee_rate", Arg::Type::AMOUNT, Arg::DefaultHint{"not set, falls back to wallet fee estimation"}, "Specify a fee rate in sat/vB."},
         Arg{"options", Arg::Type::OBJ_NAMED_PARAMS, Arg::Optional::OMITTED, "",
             {Arg{"add_to_wallet", Arg::Type::BOOL, Arg::Default{true}, "When false, returns the serialized transaction without broadcasting or adding it to the wallet"},
              Arg{"fee_rate", Arg::Type::AMOUNT, Arg::DefaultHint{"not set, falls back to wallet fee estimation"}, "Specify a fee rate in sat/vB."},
              Arg{"inputs", Arg::Type::ARR, Arg::Default{JsonValue::Array()}, "Use exactly the specified inputs to build the transaction. Specifying inputs is incompatible with the send_max, minconf, and maxconf options."},
              Arg{"locktime", Arg::Type::NUM, Arg::Default{0}, "Raw locktime. Non-0 value also locktime-activates inputs"},
              Arg{"lock_unspents", Arg::Type::BOOL, Arg::Default{false}, "Lock selected unspent outputs"},
              Arg{"psbt", Arg::Type::BOOL, Arg::DefaultHint{"automatic"}, "Always return a PSBT, implies add_to_wallet=false."},
              Arg{"send_max", Arg::Type::BOOL, Arg::Default{false}, "When true, only use UTXOs that can pay for their own fees to maximize the output amount. When 'false' (default), no UTXO is left behind. send_max is incompatible with providing specific inputs."},
              Arg{"minconf", Arg::Type::NUM, Arg::Default{0}, "Require inputs with at least this many confirmations."},
              Arg{"maxconf", Arg::Type::NUM, Arg::Optional::OMITTED, "Require inputs with at most this many confirmations."},
              Arg{"conf_target", Arg::Type::NUM, Arg::DefaultHint{"wallet -txconfirmtarget"}, "Confirmation target in blocks"},
              Arg{"estimate_mode", Arg::Type::STR, Arg::Default{"unset"}, "The fee estimate mode"},
              Arg{"replaceable", Arg::Type::BOOL, Arg::DefaultHint{"wallet default"}, "Marks this transaction as BIP125-replaceable."}}},
         Arg{"version", Arg::Type::NUM, Arg::Default{2}, "Transaction version"}},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::BOOL, "complete", "If the transaction has a complete set of signatures"},
                                      Res{Res::Type::STR_HEX, "txid", true, "The transaction id for the send. Only 1 transaction is created regardless of the number of addresses."},
                                      Res{Res::Type::STR_HEX, "hex", true, "If add_to_wallet is false, the hex-encoded raw transaction with signature(s)"},
                                      Res{Res::Type::STR, "psbt", true, "If more signatures are needed, or if add_to_wallet is false, the base64-encoded (partially) signed transaction"}}}},
        HelpExampleCli("sendall", "'[\"bcrt1q...\"]'"),
        [&wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletForRequest(wallets, req);
            const JsonValue options = Param(req, 4).IsObject() ? Param(req, 4) : JsonValue::Object();
            const bool rbf = GetBoolOr(Opt(options, "replaceable"), true);
            const Chain chain = node.params->chain;

            // Recipients: addresses alone share the remainder; {address: amount} pays a fixed amount.
            MutableTransaction tx;
            tx.version = Param(req, 5).IsNull() ? 2 : static_cast<uint32_t>(JsonGetInt64(Param(req, 5)));
            std::set<Script> without_amount;
            std::set<std::string> seen;
            for (const JsonValue& r : JsonGetArray(Param(req, 0)).values()) {
                std::string address;
                Amount amount = 0;
                if (r.IsStr()) {
                    address = r.GetValStr();
                } else if (r.IsObject() && r.keys().size() == 1) {
                    address = r.keys()[0];
                    amount = AmountFromValue(r.values()[0]);
                } else {
                    throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, recipients must be addresses or {address: amount} objects");
                }
                if (!seen.insert(address).second) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, duplicated address: " + address);
                const Script script = ScriptFor(address, chain);
                if (r.IsStr()) without_amount.insert(script);
                tx.vout.emplace_back(amount, script);
            }
            if (without_amount.empty()) throw RpcError(RPC_INVALID_PARAMETER, "Must provide at least one address without a specified amount");
            // The fee rate after the recipients, as Core.
            const JsonValue& conf = Param(req, 1).IsNull() ? Opt(options, "conf_target") : Param(req, 1);
            const JsonValue& mode = Param(req, 2).IsNull() ? Opt(options, "estimate_mode") : Param(req, 2);
            const JsonValue& rate_arg = Param(req, 3).IsNull() ? Opt(options, "fee_rate") : Param(req, 3);
            const FeeRate rate = SpendFeeRate(node, conf, mode, rate_arg, rbf);

            const bool send_max = GetBoolOr(Opt(options, "send_max"), false);
            const auto preset = ParseInputs(Opt(options, "inputs"));
            if (!preset.empty() && send_max) throw RpcError(RPC_INVALID_PARAMETER, "Cannot combine send_max with specific inputs.");
            if (!preset.empty() && (!Opt(options, "minconf").IsNull() || !Opt(options, "maxconf").IsNull())) {
                throw RpcError(RPC_INVALID_PARAMETER, "Cannot combine minconf or maxconf with specific inputs.");
            }
            const int minconf = Opt(options, "minconf").IsNull() ? 0 : JsonGetInt(Opt(options, "minconf"));
            const int maxconf = Opt(options, "maxconf").IsNull() ? 9999999 : JsonGetInt(Opt(options, "maxconf"));
            if (minconf < 0) throw RpcError(RPC_INVALID_PARAMETER, "Invalid minconf (minconf cannot be negative): " + std::to_string(minconf));
            if (maxconf < minconf) {
                throw RpcError(RPC_INVALID_PARAMETER, "maxconf can't be lower than minconf: " + std::to_string(maxconf) + " < " + std::to_string(minconf));
            }

            // Inputs: the given ones, or every safe unlocked coin (send_max leaves those worth less than their fee).
            Amount total_in = 0;
            int64_t vsize = 10 + static_cast<int64_t>(CompactSizeLen(tx.vout.size()));
            for (const TxOut& o : tx.vout) vsize += 8 + static_cast<int64_t>(CompactSizeLen(o.script_pubkey.size()) + o.script_pubkey.size());
            std::vector<TxOut> spent;
            auto add_input = [&](const OutPoint& op, const TxOut& out) {
                const auto bytes = w->InputSizeFor(out.script_pubkey);
                if (!bytes) throw RpcError(RPC_INVALID_PARAMETER, "Not solvable pre-selected input " + op.ToString());
                tx.vin.emplace_back();
                tx.vin.back().prevout = op;
                tx.vin.back().sequence = rbf ? 0xfffffffd : 0xfffffffe;
                total_in += out.value;
                vsize += *bytes;
                spent.push_back(out);
            };
            if (!preset.empty()) {
                std::set<OutPoint> unspent;
                for (const WalletCoin& c : w->ListCoins(true)) unspent.insert(c.outpoint);
                for (const OutPoint& op : preset) {
                    TxOut out;
                    if (!w->IsMineOutPoint(op, &out)) {
                        throw RpcError(RPC_INVALID_PARAMETER, "Input not found. UTXO (" + op.hash.GetHex() + ":" + std::to_string(op.n) + ") is not part of wallet.");
                    }
                    if (!unspent.count(op)) {
                        throw RpcError(RPC_INVALID_PARAMETER, "Input not available. UTXO (" + op.hash.GetHex() + ":" + std::to_string(op.n) + ") was already spent.");
                    }
                    add_input(op, out);
                }
            } else {
                for (const WalletCoin& c : w->ListCoins()) {
                    if (w->IsLockedCoin(c.outpoint)) continue;
                    if (c.depth == 0 && !c.from_me) continue;  // unconfirmed inbound coins are not spent
                    if (c.depth < minconf || c.depth > maxconf) continue;
                    const auto bytes = w->InputSizeFor(c.out.script_pubkey);
                    if (!bytes) continue;
                    if (send_max && rate.GetFee(*bytes) > c.out.value) continue;
                    add_input(c.outpoint, c.out);
                }
            }
            if (!Opt(options, "locktime").IsNull()) {
                tx.lock_time = static_cast<uint32_t>(JsonGetInt64(Opt(options, "locktime")));
            } else {
                std::lock_guard lock(node.chainman->Mutex());
                tx.lock_time = static_cast<uint32_t>(node.chainman->Chain().Height());  // anti-fee-sniping
            }

            const Amount fee = rate.GetFee(vsize);
            const Amount effective_value = total_in - fee;
            if (fee > DEFAULT_TRANSACTION_MAXFEE) {
                throw RpcError(RPC_WALLET_ERROR, "Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)");
            }
            if (effective_value <= 0) {
                throw RpcError(RPC_WALLET_INSUFFICIENT_FUNDS,
                               send_max ? "Total value of UTXO pool too low to pay for transaction, if using send_max, try using a lower feerate."
                                        : "Total value of UTXO pool too low to pay for transaction. Try using lower feerate or excluding uneconomic UTXOs with 'send_max' option.");
            }
            if (vsize * 4 > MAX_STANDARD_TX_WEIGHT) throw RpcError(RPC_WALLET_ERROR, "Transaction too large.");
            Amount claimed = 0;
            for (const TxOut& o : tx.vout) claimed += o.value;
            if (claimed > total_in) throw RpcError(RPC_WALLET_INSUFFICIENT_FUNDS, "Assigned more value to outputs than available funds.");
            const Amount remainder = effective_value - claimed;
            if (remainder < 0) throw RpcError(RPC_WALLET_INSUFFICIENT_FUNDS, "Insufficient funds for fees after creating specified outputs.");
            const Amount share = remainder / static_cast<Amount>(without_amount.size());
            bool first = true;
            for (TxOut& o : tx.vout) {
                if (without_amount.count(o.script_pubkey)) {
                    o.value = share;
                    if (first) {
                        o.value += remainder % static_cast<Amount>(without_amount.size());
                        first = false;
                    }
                    if (IsDust(o, FeeRate(DUST_RELAY_TX_FEE))) {
                        throw RpcError(RPC_WALLET_INSUFFICIENT_FUNDS, "Dynamically assigned remainder results in dust output.");
                    }
                } else if (IsDust(o, FeeRate(DUST_RELAY_TX_FEE))) {
                    Destination dest;
                    ExtractDestination(o.script_pubkey, dest);
                    throw RpcError(RPC_INVALID_PARAMETER, "Specified output amount to " + EncodeDestination(dest, chain) + " is below dust threshold.");
                }
            }
            if (GetBoolOr(Opt(options, "lock_unspents"), false)) {
                for (const TxIn& in : tx.vin) w->LockCoin(in.prevout, false);
            }
            Psbt psbt(tx, 0);
            for (size_t i = 0; i < spent.size(); ++i) psbt.inputs[i].witness_utxo = spent[i];
            return FinishTransaction(*w, std::move(psbt), options);
        }};
}

/** bumpfee and psbtbumpfee (Core's feebumper): the same payments at a higher fee rate, BIP125 rules 3 and 4. */
RpcMethod BumpFee(WalletManager& wallets, NodeContext& node, bool want_psbt)
{
    const std::string name = want_psbt ? "psbtbumpfee" : "bumpfee";
    std::vector<Res> results{Res{Res::Type::STR_AMOUNT, "origfee", "The fee of the replaced transaction."},
                             Res{Res::Type::STR_AMOUNT, "fee", "The fee of the new transaction."},
                             Res{Res::Type::ARR, "errors", "Errors encountered during processing (may be empty).", {Res{Res::Type::STR, "", ""}}}};
    results.insert(results.begin(), want_psbt ? Res{Res::Type::STR, "psbt", "The base64-encoded unsigned PSBT of the new transaction."}
                                              : Res{Res::Type::STR_HEX, "txid", "The id of the new transaction."});
    return RpcMethod{
        name,
        want_psbt ? "Bumps the fee of a transaction T, replacing it with a new transaction B.\nReturns a PSBT instead of creating and signing a new transaction.\n"
                  : "Bumps the fee of a transaction T, replacing it with a new transaction B.\nA transaction with the given txid must be in the wallet.\n"
                    "The command will pay the additional fee by reducing change outputs or adding inputs when necessary.\n",
        {Arg{"txid", Arg::Type::STR_HEX, Arg::Optional::NO, "The txid to be bumped"},
         Arg{"options", Arg::Type::OBJ_NAMED_PARAMS, Arg::Optional::OMITTED, "",
             {Arg{"conf_target", Arg::Type::NUM, Arg::DefaultHint{"wallet -txconfirmtarget"}, "Confirmation target in blocks\n"},
              Arg{"fee_rate", Arg::Type::AMOUNT, Arg::DefaultHint{"not set, falls back to wallet fee estimation"}, "\nSpecify a fee rate in sat/vB instead of relying on the built-in fee estimator.\n"},
              Arg{"replaceable", Arg::Type::BOOL, Arg::Default{true}, "Whether the new transaction should be\nmarked bip-125 replaceable."},
              Arg{"estimate_mode", Arg::Type::STR, Arg::Default{"unset"}, "The fee estimate mode"},
              Arg{"outputs", Arg::Type::ARR, Arg::Default{JsonValue::Array()}, "The outputs specified as key-value pairs.\n"},
              Arg{"original_change_index", Arg::Type::NUM, Arg::DefaultHint{"not set, detect change automatically"}, "The 0-based index of the change output on the original transaction."}}}},
        {Res{Res::Type::OBJ, "", "", results}},
        HelpExampleCli(name, "<txid>"),
        [&wallets, &node, want_psbt](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletForRequest(wallets, req);
            if (!want_psbt && w->PrivateKeysDisabled()) {
                throw RpcError(RPC_WALLET_ERROR, "bumpfee is not available with wallets that have private keys disabled. Use psbtbumpfee instead.");
            }
            const uint256 txid = ParseHashV(Param(req, 0), "txid");
            const JsonValue options = Param(req, 1).IsObject() ? Param(req, 1) : JsonValue::Object();
            const bool replaceable = GetBoolOr(Opt(options, "replaceable"), true);
            if (!Opt(options, "conf_target").IsNull() && !Opt(options, "fee_rate").IsNull()) {
                throw RpcError(RPC_INVALID_PARAMETER, "Cannot specify both conf_target and fee_rate. Please provide either a "
                                                      "confirmation target in blocks for automatic fee estimation, or an explicit fee rate.");
            }
            if (!want_psbt) EnsureUnlocked(*w);

            // Preconditions (Core's PreconditionChecks).
            auto wtx = w->GetTx(txid);
            if (!wtx) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Invalid or non-wallet transaction id");
            const Transaction& old = *wtx->tx;
            if (w->HasWalletSpend(txid)) throw RpcError(RPC_INVALID_PARAMETER, "Transaction has descendants in the wallet");
            {
                std::lock_guard lock(node.mempool->m_mutex);
                std::set<uint256> descendants;
                if (node.mempool->Exists(txid)) node.mempool->CalculateDescendants(txid, descendants);
                descendants.erase(txid);
                if (!descendants.empty()) throw RpcError(RPC_INVALID_PARAMETER, "Transaction has descendants in the mempool");
            }
            if (wtx->height >= 0) {
                throw RpcError(RPC_WALLET_ERROR, "Transaction has been mined, or is conflicted with a mined transaction");
            }
            bool signals = false;
            for (const TxIn& in : old.vin) signals |= in.sequence <= 0xfffffffd;
            if (!signals) throw RpcError(RPC_WALLET_ERROR, "Transaction is not BIP 125 replaceable");
            if (auto by = w->ReplacedBy(txid)) {
                throw RpcError(RPC_WALLET_ERROR, "Cannot bump transaction " + txid.GetHex() + " which was already bumped by transaction " + by->GetHex());
            }
            Amount in_value = 0;
            std::vector<OutPoint> inputs;
            for (const TxIn& in : old.vin) {
                TxOut prev;
                if (!w->IsMineOutPoint(in.prevout, &prev)) {
                    throw RpcError(RPC_WALLET_ERROR, "Transaction contains inputs that don't belong to this wallet");
                }
                in_value += prev.value;
                inputs.push_back(in.prevout);
            }
            Amount out_value = 0;
            for (const TxOut& o : old.vout) out_value += o.value;
            const Amount old_fee = in_value - out_value;
            const int64_t old_vsize = GetVirtualTransactionSize(old, 0, 0);

            // The change output: the given index, else our internal (change) script.
            std::optional<size_t> change_index;
            if (!Opt(options, "original_change_index").IsNull()) {
                const int64_t idx = JsonGetInt64(Opt(options, "original_change_index"));
                if (idx < 0 || idx >= static_cast<int64_t>(old.vout.size())) {
                    throw RpcError(RPC_INVALID_PARAMETER, "Change position is out of range");
                }
                change_index = static_cast<size_t>(idx);
            } else {
                for (size_t i = 0; i < old.vout.size() && !change_index; ++i) {
                    auto origin = w->ScriptOrigin(old.vout[i].script_pubkey);
                    if (!origin) continue;
                    for (const WalletDescriptor* d : w->Descriptors()) {
                        if (d->id == origin->first && d->internal) change_index = i;
                    }
                }
            }
            std::vector<Recipient> recipients;
            FundOptions fo;
            if (Opt(options, "outputs").IsArray() && !Opt(options, "outputs").values().empty()) {
                if (!Opt(options, "original_change_index").IsNull()) {
                    throw RpcError(RPC_INVALID_PARAMETER, "The options 'outputs' and 'original_change_index' are incompatible. You can only either specify a new set of outputs, or designate a change output to be recycled.");
                }
                recipients = ParseOutputs(Opt(options, "outputs"), JsonValue(), node.params->chain);
            } else {
                for (size_t i = 0; i < old.vout.size(); ++i) {
                    if (change_index && *change_index == i) {
                        fo.change_script = old.vout[i].script_pubkey;
                        continue;
                    }
                    recipients.push_back(Recipient{old.vout[i].script_pubkey, old.vout[i].value, false});
                }
            }

            // The new fee rate: given (checked against BIP125's rules), else the old rate plus the larger of the
            // node's and the wallet's incremental relay fee (Core's EstimateFeeRate).
            const FeeRate incremental(DEFAULT_INCREMENTAL_RELAY_FEE);
            FeeRate new_rate;
            if (!Opt(options, "fee_rate").IsNull()) {
                new_rate = WalletFeeRate(node, Opt(options, "fee_rate"), 6);
                const Amount new_total = new_rate.GetFee(old_vsize);
                const Amount min_total = old_fee + incremental.GetFee(old_vsize);
                if (new_total < min_total) {
                    throw RpcError(RPC_INVALID_PARAMETER, "Insufficient total fee " + FormatMoney(new_total) + ", must be at least " +
                                                              FormatMoney(min_total) + " (oldFee " + FormatMoney(old_fee) + " + incrementalFee " +
                                                              FormatMoney(incremental.GetFee(old_vsize)) + ")");
                }
            } else {
                new_rate = FeeRate(old_fee, old_vsize);
                new_rate += FeeRate(1);
                new_rate += std::max(incremental, FeeRate(WALLET_INCREMENTAL_RELAY_FEE));
                // At least the wallet's minimum rate; without estimates (and no fallback) that is the relay minimum,
                // as Core's GetMinimumFeeRate does not refuse here.
                FeeRate estimated(DEFAULT_MIN_RELAY_TX_FEE);
                try {
                    estimated = SpendFeeRate(node, Opt(options, "conf_target"), Opt(options, "estimate_mode"), JsonValue(), replaceable);
                } catch (const RpcError& e) {
                    if (e.Code() != RPC_WALLET_ERROR) throw;
                }
                new_rate = std::max(new_rate, estimated);
            }
            {
                std::lock_guard lock(node.mempool->m_mutex);
                const FeeRate min_pool = node.mempool->GetMinFee(node.Now());
                if (new_rate.GetFeePerK() < min_pool.GetFeePerK()) {
                    throw RpcError(RPC_WALLET_ERROR, "New fee rate (" + FormatMoney(new_rate.GetFeePerK()) + ") is lower than the minimum fee rate (" +
                                                         FormatMoney(min_pool.GetFeePerK()) + ") to get into the mempool -- ");
                }
            }

            fo.preset_inputs = inputs;
            fo.add_inputs = true;
            fo.replaceable = replaceable;
            fo.locktime = old.lock_time;
            fo.avoid_txids.insert(txid);  // never spend the outputs of the transaction being replaced
            std::string error;
            int code = RPC_WALLET_ERROR;
            auto funded = w->FundTransaction(recipients, new_rate, fo, &error, &code);
            if (!funded) throw RpcError(RPC_WALLET_ERROR, "Unable to create transaction. " + error);

            JsonValue r = JsonValue::Object();
            if (want_psbt) {
                r.PushKV("psbt", EncodeBase64Psbt(funded->psbt));
            } else {
                auto new_txid = w->SignAndBroadcast(funded->psbt, &error, &code);
                if (!new_txid) throw RpcError(code == RPC_VERIFY_REJECTED ? RPC_WALLET_ERROR : code, error);
                w->MarkReplaced(txid, *new_txid);
                r.PushKV("txid", new_txid->GetHex());
            }
            r.PushKV("origfee", ValueFromAmount(old_fee));
            r.PushKV("fee", ValueFromAmount(funded->fee));
            r.PushKV("errors", JsonValue::Array());
            return r;
        }};
}

RpcMethod LockUnspent(WalletManager& wallets)
{
    return RpcMethod{
        "lockunspent",
        "\nUpdates list of temporarily unspendable outputs.\nTemporarily lock (unlock=false) or unlock (unlock=true) specified transaction outputs.\n"
        "If no transaction outputs are specified when unlocking then all current locked transaction outputs are unlocked.\n"
        "A locked transaction output will not be chosen by automatic coin selection, when spending bitcoins.\n"
        "Manually selected coins are automatically unlocked.\n"
        "Locks are stored in memory only, unless persistent=true, in which case they will be written to the\n"
        "wallet database and loaded on node start. Unwritten (persistent=false) locks are always cleared\n"
        "(by virtue of process exit) when a node stops or fails. Unlocking will clear both persistent and not-persistent locks.\n"
        "Also see the listunspent call\n",
        {Arg{"unlock", Arg::Type::BOOL, Arg::Optional::NO, "Whether to unlock (true) or lock (false) the specified transactions"},
         Arg{"transactions", Arg::Type::ARR, Arg::Default{JsonValue::Array()}, "The transaction outputs and within each, the txid (string) vout (numeric).",
             {Arg{"", Arg::Type::OBJ, Arg::Optional::OMITTED, "",
                  {Arg{"txid", Arg::Type::STR_HEX, Arg::Optional::NO, "The transaction id"},
                   Arg{"vout", Arg::Type::NUM, Arg::Optional::NO, "The output number"}}}}},
         Arg{"persistent", Arg::Type::BOOL, Arg::Default{false}, "Whether to write/erase this lock in the wallet database, or keep the change in memory only. Ignored for unlocking."}},
        {Res{Res::Type::BOOL, "", "Whether the command was successful or not"}},
        HelpExampleCli("lockunspent", "false \"[{\\\"txid\\\":\\\"a08e6907dbbd3d809776dbfc5d82e371b764ed838b5655e72f463568df1aadf0\\\",\\\"vout\\\":1}]\""),
        [&wallets](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletForRequest(wallets, req);
            const bool unlock = JsonGetBool(Param(req, 0));
            const bool persistent = GetBoolOr(Param(req, 2), false);
            if (Param(req, 1).IsNull()) {
                if (unlock) w->UnlockAllCoins();
                return true;
            }
            std::set<OutPoint> unspent;
            for (const WalletCoin& c : w->ListCoins(true)) unspent.insert(c.outpoint);
            std::vector<OutPoint> outputs;
            for (const JsonValue& o : JsonGetArray(Param(req, 1)).values()) {
                RpcTypeCheckObj(o, {{"txid", {false, JsonValue::Type::STR}}, {"vout", {false, JsonValue::Type::NUM}}});
                const uint256 txid = ParseHashO(o, "txid");
                const int64_t n = JsonGetInt64(o["vout"]);
                if (n < 0) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, vout cannot be negative");
                const OutPoint op(txid, static_cast<uint32_t>(n));
                auto wtx = w->GetTx(txid);
                if (!wtx) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, unknown transaction");
                if (op.n >= wtx->tx->vout.size()) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, vout index out of bounds");
                if (!unspent.count(op)) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, expected unspent output");
                const bool locked = w->IsLockedCoin(op);
                if (unlock && !locked) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, expected locked output");
                if (!unlock && locked && !persistent) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, output already locked");
                outputs.push_back(op);
            }
            // All checked first, then applied: a bad entry changes nothing (as Core).
            for (const OutPoint& op : outputs) {
                const bool ok = unlock ? w->UnlockCoin(op) : w->LockCoin(op, persistent);
                if (!ok) throw RpcError(RPC_WALLET_ERROR, unlock ? "Unlocking coin failed" : "Locking coin failed");
            }
            return true;
        }};
}

RpcMethod ListLockUnspent(WalletManager& wallets)
{
    return RpcMethod{
        "listlockunspent",
        "\nReturns list of temporarily unspendable outputs.\nSee the lockunspent call to lock and unlock transactions for spending.\n",
        {},
        {Res{Res::Type::ARR, "", "", {Res{Res::Type::OBJ, "", "", {Res{Res::Type::STR_HEX, "txid", "The transaction id locked"},
                                                                Res{Res::Type::NUM, "vout", "The vout value"}}}}}},
        HelpExampleCli("listlockunspent", ""),
        [&wallets](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletForRequest(wallets, req);
            JsonValue r = JsonValue::Array();
            for (const OutPoint& op : w->ListLockedCoins()) {
                JsonValue o = JsonValue::Object();
                o.PushKV("txid", op.hash.GetHex());
                o.PushKV("vout", static_cast<int64_t>(op.n));
                r.PushBack(o);
            }
            return r;
        }};
}
}  // namespace

JsonValue WalletCreateFundedPsbtResult(Wallet& w, NodeContext& node, const JsonRpcRequest& req)
{
    const JsonValue options = Param(req, 3).IsObject() ? Param(req, 3) : JsonValue::Object();
    const bool replaceable = GetBoolOr(Opt(options, "replaceable"), true);
    const FeeRate rate = SpendFeeRate(node, Opt(options, "conf_target"), Opt(options, "estimate_mode"), Opt(options, "fee_rate"), replaceable);
    const auto recipients = ParseOutputs(Param(req, 1), OptEither(options, "subtractFeeFromOutputs", "subtract_fee_from_outputs"), node.params->chain);
    FundOptions fo = ParseFundOptions(options, ParseInputs(Param(req, 0)), Param(req, 2), recipients.size(), node.params->chain);
    // Core's defaults: a version 2 transaction in a version 2 PSBT (BIP370).
    fo.psbt_version = 2;
    if (!Param(req, 5).IsNull()) {
        const int64_t v = JsonGetInt64(Param(req, 5));
        if (v < 1 || v > 3) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, version out of range(1~3)");
        fo.tx_version = static_cast<uint32_t>(v);
    }
    if (!Param(req, 6).IsNull()) {
        const int64_t v = JsonGetInt64(Param(req, 6));
        if (v != 0 && v != 2) throw RpcError(RPC_INVALID_PARAMETER, "The PSBT version can only be 2 or 0");
        fo.psbt_version = static_cast<uint32_t>(v);
    }
    std::string error;
    int code = RPC_WALLET_ERROR;
    auto funded = w.FundTransaction(recipients, rate, fo, &error, &code);
    if (!funded) throw RpcError(RPC_WALLET_ERROR, error);  // Core: FundTransaction failures are RPC_WALLET_ERROR
    const bool bip32derivs = GetBoolOr(Param(req, 4), true);
    w.FillPsbt(funded->psbt, false, false, bip32derivs);
    JsonValue r = JsonValue::Object();
    r.PushKV("psbt", EncodeBase64Psbt(funded->psbt));
    r.PushKV("fee", ValueFromAmount(funded->fee));
    r.PushKV("changepos", funded->change_pos);
    return r;
}

void RegisterSpendRpcCommands(RpcTable& table, NodeContext& node, WalletManager& wallets)
{
    table.Register("wallet", Send(wallets, node));
    table.Register("wallet", SendAll(wallets, node));
    table.Register("wallet", BumpFee(wallets, node, false));
    table.Register("wallet", BumpFee(wallets, node, true));
    table.Register("wallet", LockUnspent(wallets));
    table.Register("wallet", ListLockUnspent(wallets));
}
