// Mempool RPCs: submitting and test-accepting transactions, inspecting the pool, fee estimation, savemempool.
#include "policy/policy.h"
#include "rpc/node_rpc.h"
#include "rpc/protocol.h"
#include "rpc/util.h"
#include "util/hex.h"

#include <algorithm>
#include <cctype>

using Arg = RpcArg;
using Res = RpcResult;

namespace {
/** Core's DEFAULT_MAX_RAW_TX_FEE_RATE (0.10 BTC/kvB) and DEFAULT_MAX_BURN_AMOUNT (0). */
const FeeRate DEFAULT_MAX_RAW_TX_FEE_RATE{COIN / 10};
constexpr Amount DEFAULT_MAX_BURN_AMOUNT{0};

/** Core's ParseFeeRate: a BTC/kvB amount below 1 BTC/kvB. */
FeeRate ParseFeeRate(const JsonValue& v)
{
    const Amount val = AmountFromValue(v);
    if (val >= COIN) {
        throw RpcError(RPC_INVALID_PARAMETER, "Fee rates larger than or equal to 1BTC/kvB are not accepted");
    }
    return FeeRate(val);
}

/** Core's FormatMoney for the help defaults: at least two decimals, trailing zeros trimmed. */
std::string FormatMoneyText(Amount a)
{
    std::string s = ValueFromAmount(a).GetValStr();
    while (s.size() > 1 && s.back() == '0' && s[s.size() - 3] != '.') s.pop_back();
    return s;
}

std::optional<MutableTransaction> DecodeHexTxText(const std::string& hex)
{
    auto bytes = TryParseHex(hex);
    if (!bytes || !IsHex(hex)) return std::nullopt;
    auto decoded = DecodeTransaction(*bytes, true, true);
    if (!decoded) return std::nullopt;
    return std::move(*decoded.value);
}

/** Core's TransactionError codes and messages (node/transaction.h, common/messages.cpp). */
[[noreturn]] void ThrowTransactionError(int code, const std::string& message) { throw RpcError(code, message); }

/** Core's HandleATMPError: missing inputs are RPC_TRANSACTION_ERROR, other rejections RPC_TRANSACTION_REJECTED,
 *  both with the state's text. */
[[noreturn]] void ThrowAtmpError(const TxValidationState& state)
{
    if (state.IsInvalid()) {
        if (state.GetResult() == TxValidationResult::TX_MISSING_INPUTS) {
            ThrowTransactionError(RPC_TRANSACTION_ERROR, state.ToString());
        }
        ThrowTransactionError(RPC_TRANSACTION_REJECTED, state.ToString());
    }
    const std::string text = state.ToString();
    ThrowTransactionError(RPC_TRANSACTION_ERROR, text.empty() ? "Mempool internal error" : text);
}

void CheckBurn(const Transaction& tx, Amount max_burn)
{
    for (const TxOut& out : tx.vout) {
        if ((out.script_pubkey.IsUnspendable() || !out.script_pubkey.HasValidOps()) && out.value > max_burn) {
            ThrowTransactionError(RPC_TRANSACTION_ERROR,
                                  "Unspendable output exceeds maximum configured by user (maxburnamount)");
        }
    }
}

/** Core's BroadcastTransaction (without peers): refuses confirmed transactions, test-accepts for the fee limit,
 *  then adds to the pool and marks it unbroadcast. A transaction already in the pool is not an error. */
void Broadcast(NodeContext& node, const TransactionRef& tx, Amount max_fee)
{
    ChainstateManager& cm = EnsureChainman(node);
    TxMemPool& pool = EnsureMempool(node);
    {
        std::lock_guard lock(cm.Mutex());
        for (size_t o = 0; o < tx->vout.size(); ++o) {
            if (cm.CoinsTip().HaveCoin(OutPoint(tx->GetHash(), static_cast<uint32_t>(o)))) {
                ThrowTransactionError(RPC_TRANSACTION_ALREADY_IN_CHAIN, "Transaction outputs already in utxo set");
            }
        }
    }
    {
        std::lock_guard lock(pool.m_mutex);
        if (pool.Exists(tx->GetHash())) return;
    }
    if (max_fee > 0) {
        MempoolAcceptResult test = node.ProcessTransaction(tx, true);
        if (!test.IsValid()) ThrowAtmpError(test.state);
        if (test.base_fees.value_or(0) > max_fee) {
            ThrowTransactionError(RPC_TRANSACTION_ERROR,
                                  "Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)");
        }
    }
    MempoolAcceptResult result = node.ProcessTransaction(tx, false);
    if (!result.IsValid()) ThrowAtmpError(result.state);
    std::lock_guard lock(pool.m_mutex);
    pool.AddUnbroadcastTx(tx->GetHash());
}

std::string MaxFeeRateHelp()
{
    return "Reject transactions whose fee rate is higher than the specified value, expressed in BTC/kvB.\n"
           "Fee rates larger than 1BTC/kvB are rejected.\nSet to 0 to accept any fee rate.";
}

RpcMethod SendRawTransaction(NodeContext& node)
{
    return RpcMethod{
        "sendrawtransaction",
        "Submit a raw transaction (serialized, hex-encoded) to local node and network.\n"
        "\nThe transaction will be sent unconditionally to all peers, so using sendrawtransaction\n"
        "for manual rebroadcast may degrade privacy by leaking the transaction's origin, as\n"
        "nodes will normally not rebroadcast non-wallet transactions already in their mempool.\n"
        "\nA specific exception, RPC_TRANSACTION_ALREADY_IN_UTXO_SET, may throw if the transaction cannot be added to the mempool.\n"
        "\nRelated RPCs: createrawtransaction, signrawtransactionwithkey\n",
        {
            Arg{"hexstring", Arg::Type::STR_HEX, Arg::Optional::NO, "The hex string of the raw transaction"},
            Arg{"maxfeerate", Arg::Type::AMOUNT,
                Arg::Default{JsonValue(FormatMoneyText(DEFAULT_MAX_RAW_TX_FEE_RATE.GetFeePerK()))}, MaxFeeRateHelp()},
            Arg{"maxburnamount", Arg::Type::AMOUNT, Arg::Default{JsonValue(FormatMoneyText(DEFAULT_MAX_BURN_AMOUNT))},
                "Reject transactions with provably unspendable outputs (e.g. 'datacarrier' outputs that use the "
                "OP_RETURN opcode) greater than the specified value, expressed in BTC.\n"
                "If burning funds through unspendable outputs is desired, increase this value.\n"
                "This check is based on heuristics and does not guarantee spendability of outputs.\n"},
        },
        {Res{Res::Type::STR_HEX, "", "The transaction hash in hex"}},
        "\nCreate a transaction\n" +
            HelpExampleCli("createrawtransaction",
                           "\"[{\\\"txid\\\" : \\\"mytxid\\\",\\\"vout\\\":0}]\" \"{\\\"myaddress\\\":0.01}\"") +
            "Sign the transaction, and get back the hex\n" + HelpExampleCli("signrawtransactionwithwallet", "\"myhex\"") +
            "\nSend the transaction (signed hex)\n" + HelpExampleCli("sendrawtransaction", "\"signedhex\"") +
            "\nAs a JSON-RPC call\n" + HelpExampleRpc("sendrawtransaction", "\"signedhex\""),
        [&node](const RpcMethod& self, const JsonRpcRequest& req) -> JsonValue {
            const Amount max_burn = req.params.size() > 2 && !req.params[2].IsNull() ? AmountFromValue(req.params[2]) : 0;
            auto mtx = DecodeHexTxText(JsonGetStr(req.params[0]));
            if (!mtx) {
                throw RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed. Make sure the tx has at least one input.");
            }
            auto tx = MakeTransactionRef(std::move(*mtx));
            CheckBurn(*tx, max_burn);
            const FeeRate max_rate = ParseFeeRate(*ArgOrDefault(self, req, 1));
            const int64_t vsize = GetVirtualTransactionSize(GetTransactionWeight(*tx));
            Broadcast(node, tx, max_rate.GetFee(vsize));
            return JsonValue(tx->GetHash().GetHex());
        }};
}

JsonValue FeesObject(const MempoolAcceptResult& r)
{
    JsonValue fees = JsonValue::Object();
    fees.PushKV("base", ValueFromAmount(r.base_fees.value_or(0)));
    fees.PushKV("effective-feerate", ValueFromAmount(r.effective_feerate.value_or(FeeRate()).GetFeePerK()));
    JsonValue inc = JsonValue::Array();
    for (const uint256& w : r.wtxids_fee_calculations) inc.PushBack(w.GetHex());
    fees.PushKV("effective-includes", std::move(inc));
    return fees;
}

RpcMethod TestMempoolAccept(NodeContext& node)
{
    return RpcMethod{
        "testmempoolaccept",
        "Returns result of mempool acceptance tests indicating if raw transaction(s) (serialized, hex-encoded) would be accepted by mempool.\n"
        "\nIf multiple transactions are passed in, parents must come before children and package policies apply: the transactions cannot conflict with any mempool transactions or each other.\n"
        "\nIf one transaction fails, other transactions may not be fully validated (the 'allowed' key will be blank).\n"
        "\nThe maximum number of transactions allowed is " + std::to_string(MAX_PACKAGE_COUNT) + ".\n"
        "\nThis checks if transactions violate the consensus or policy rules.\n"
        "\nSee sendrawtransaction call.\n",
        {
            Arg{"rawtxs", Arg::Type::ARR, Arg::Optional::NO, "An array of hex strings of raw transactions.",
                {Arg{"rawtx", Arg::Type::STR_HEX, Arg::Optional::OMITTED, ""}}},
            Arg{"maxfeerate", Arg::Type::AMOUNT,
                Arg::Default{JsonValue(FormatMoneyText(DEFAULT_MAX_RAW_TX_FEE_RATE.GetFeePerK()))}, MaxFeeRateHelp()},
        },
        {Res{Res::Type::ARR, "", "The result of the mempool acceptance test for each raw transaction in the input array.\n"
                                 "Returns results for each transaction in the same order they were passed in.\n"
                                 "Transactions that cannot be fully validated due to failures in other transactions will not contain an 'allowed' result.\n",
             {Res{Res::Type::OBJ, "", "",
                  {
                      Res{Res::Type::STR_HEX, "txid", "The transaction hash in hex"},
                      Res{Res::Type::STR_HEX, "wtxid", "The transaction witness hash in hex"},
                      Res{Res::Type::STR, "package-error", true, "Package validation error, if any (only possible if rawtxs had more than 1 transaction)."},
                      Res{Res::Type::BOOL, "allowed", true, "Whether this tx would be accepted to the mempool and pass client-specified maxfeerate. If not present, the tx was not fully validated due to a failure in another tx in the list."},
                      Res{Res::Type::NUM, "vsize", true, "Virtual transaction size as defined in BIP 141. This is different from actual serialized size for witness transactions as witness data is discounted (only present when 'allowed' is true)"},
                      Res{Res::Type::OBJ, "fees", true, "Transaction fees (only present if 'allowed' is true)",
                          {
                              Res{Res::Type::STR_AMOUNT, "base", "transaction fee in BTC"},
                              Res{Res::Type::STR_AMOUNT, "effective-feerate", false, "the effective feerate in BTC per KvB. May differ from the base feerate if, for example, there are modified fees from prioritisetransaction or a package feerate was used."},
                              Res{Res::Type::ARR, "effective-includes", false, "transactions whose fees and vsizes are included in effective-feerate.",
                                  {Res{Res::Type::STR_HEX, "", "transaction wtxid in hex"}}},
                          }},
                      Res{Res::Type::STR, "reject-reason", true, "Rejection reason (only present when 'allowed' is false)"},
                      Res{Res::Type::STR, "reject-details", true, "Rejection details (only present when 'allowed' is false and rejection details exist)"},
                  }}}}},
        "\nCreate a transaction\n" +
            HelpExampleCli("createrawtransaction",
                           "\"[{\\\"txid\\\" : \\\"mytxid\\\",\\\"vout\\\":0}]\" \"{\\\"myaddress\\\":0.01}\"") +
            "Sign the transaction, and get back the hex\n" + HelpExampleCli("signrawtransactionwithwallet", "\"myhex\"") +
            "\nTest acceptance of the transaction (signed hex)\n" + HelpExampleCli("testmempoolaccept", "'[\"signedhex\"]'") +
            "\nAs a JSON-RPC call\n" + HelpExampleRpc("testmempoolaccept", "[\"signedhex\"]"),
        [&node](const RpcMethod& self, const JsonRpcRequest& req) -> JsonValue {
            const JsonValue& raw = req.params[0];
            if (raw.size() < 1 || raw.size() > MAX_PACKAGE_COUNT) {
                throw RpcError(RPC_INVALID_PARAMETER,
                               "Array must contain between 1 and " + std::to_string(MAX_PACKAGE_COUNT) + " transactions.");
            }
            const FeeRate max_rate = ParseFeeRate(*ArgOrDefault(self, req, 1));
            std::vector<TransactionRef> txs;
            for (const JsonValue& r : raw.values()) {
                auto mtx = DecodeHexTxText(JsonGetStr(r));
                if (!mtx) {
                    throw RpcError(RPC_DESERIALIZATION_ERROR,
                                   "TX decode failed: " + r.GetValStr() + " Make sure the tx has at least one input.");
                }
                txs.push_back(MakeTransactionRef(std::move(*mtx)));
            }
            TxMemPool& pool = EnsureMempool(node);
            ChainstateManager& cm = EnsureChainman(node);
            // One transaction goes through single acceptance; several are tested together as a package.
            PackageMempoolAcceptResult package;
            if (txs.size() > 1) {
                std::lock_guard lock(cm.Mutex());
                package = AcceptPackage(pool, *node.mempool_context, txs, node.Now(), true);
            } else {
                package.tx_results.emplace(txs[0]->GetWitnessHash(), node.ProcessTransaction(txs[0], true));
            }
            JsonValue out = JsonValue::Array();
            // Once a transaction exceeds maxfeerate the rest are left without a result (as Core).
            bool exit_early = false;
            for (const TransactionRef& tx : txs) {
                JsonValue inner = JsonValue::Object();
                inner.PushKV("txid", tx->GetHash().GetHex());
                inner.PushKV("wtxid", tx->GetWitnessHash().GetHex());
                if (package.state.GetResult() == PackageValidationResult::PCKG_POLICY) {
                    inner.PushKV("package-error", package.state.ToString());
                }
                auto it = package.tx_results.find(tx->GetWitnessHash());
                if (exit_early || it == package.tx_results.end()) {
                    out.PushBack(std::move(inner));
                    continue;
                }
                const MempoolAcceptResult& r = it->second;
                if (r.IsValid()) {
                    const Amount fee = r.base_fees.value_or(0);
                    const int64_t vsize = r.vsize.value_or(0);
                    const Amount max_fee = max_rate.GetFee(vsize);
                    if (max_fee && fee > max_fee) {
                        inner.PushKV("allowed", false);
                        inner.PushKV("reject-reason", "max-fee-exceeded");
                        exit_early = true;
                    } else {
                        inner.PushKV("allowed", true);
                        inner.PushKV("vsize", vsize);
                        inner.PushKV("fees", FeesObject(r));
                    }
                } else {
                    inner.PushKV("allowed", false);
                    if (r.state.GetResult() == TxValidationResult::TX_MISSING_INPUTS) {
                        inner.PushKV("reject-reason", "missing-inputs");
                    } else {
                        inner.PushKV("reject-reason", r.state.GetRejectReason());
                        inner.PushKV("reject-details", r.state.ToString());
                    }
                }
                out.PushBack(std::move(inner));
            }
            return out;
        }};
}

RpcMethod SubmitPackage(NodeContext& node)
{
    return RpcMethod{
        "submitpackage",
        "Submit a package of raw transactions (serialized, hex-encoded) to local node.\n"
        "The package will be validated according to consensus and mempool policy rules. If any transaction passes, it will be accepted to mempool.\n"
        "This RPC is experimental and the interface may be unstable. Refer to doc/policy/packages.md for documentation on package policies.\n"
        "Warning: successful submission does not mean the transactions will propagate throughout the network.\n",
        {
            Arg{"package", Arg::Type::ARR, Arg::Optional::NO,
                "An array of raw transactions.\n"
                "The package must consist of a transaction with (some, all, or none of) its unconfirmed parents. A single transaction is permitted.\n"
                "None of the parents may depend on each other. Parents that are already in mempool do not need to be present in the package.\n"
                "The package must be topologically sorted, with the child being the last element in the array if there are multiple elements.",
                {Arg{"rawtx", Arg::Type::STR_HEX, Arg::Optional::OMITTED, ""}}},
            Arg{"maxfeerate", Arg::Type::AMOUNT,
                Arg::Default{JsonValue(FormatMoneyText(DEFAULT_MAX_RAW_TX_FEE_RATE.GetFeePerK()))}, MaxFeeRateHelp()},
            Arg{"maxburnamount", Arg::Type::AMOUNT, Arg::Default{JsonValue(FormatMoneyText(DEFAULT_MAX_BURN_AMOUNT))},
                "Reject transactions with provably unspendable outputs (e.g. 'datacarrier' outputs that use the "
                "OP_RETURN opcode) greater than the specified value, expressed in BTC.\n"
                "If burning funds through unspendable outputs is desired, increase this value.\n"
                "This check is based on heuristics and does not guarantee spendability of outputs.\n"},
        },
        {Res{Res::Type::OBJ, "", "",
             {
                 Res{Res::Type::STR, "package_msg", "The transaction package result message. \"success\" indicates all transactions were accepted into or are already in the mempool."},
                 Res{Res::Type::OBJ_DYN, "tx-results", "The transaction results keyed by wtxid. An entry is returned for every submitted wtxid.",
                     {Res{Res::Type::OBJ, "wtxid", "transaction wtxid",
                          {
                              Res{Res::Type::STR_HEX, "txid", "The transaction hash in hex"},
                              Res{Res::Type::STR_HEX, "other-wtxid", true, "The wtxid of a different transaction with the same txid but different witness found in the mempool. This means the submitted transaction was ignored."},
                              Res{Res::Type::NUM, "vsize", true, "Sigops-adjusted virtual transaction size."},
                              Res{Res::Type::OBJ, "fees", true, "Transaction fees",
                                  {
                                      Res{Res::Type::STR_AMOUNT, "base", "transaction fee in BTC"},
                                      Res{Res::Type::STR_AMOUNT, "effective-feerate", true, "if the transaction was not already in the mempool, the effective feerate in BTC per KvB. For example, the package feerate and/or feerate with modified fees from prioritisetransaction."},
                                      Res{Res::Type::ARR, "effective-includes", true, "if effective-feerate is provided, the wtxids of the transactions whose fees and vsizes are included in effective-feerate.",
                                          {Res{Res::Type::STR_HEX, "", "transaction wtxid in hex"}}},
                                  }},
                              Res{Res::Type::STR, "error", true, "Error string if rejected from mempool, or \"package-not-validated\" when the package aborts before any per-tx processing."},
                          }}}},
                 Res{Res::Type::ARR, "replaced-transactions", true, "List of txids of replaced transactions",
                     {Res{Res::Type::STR_HEX, "", "The transaction id"}}},
             }}},
        HelpExampleRpc("submitpackage", R"(["raw-parent-tx-1", "raw-parent-tx-2", "raw-child-tx"])") +
            HelpExampleCli("submitpackage", R"('["raw-tx-without-unconfirmed-parents"]')"),
        [&node](const RpcMethod& self, const JsonRpcRequest& req) -> JsonValue {
            const JsonValue& raw = req.params[0];
            if (raw.size() < 1 || raw.size() > MAX_PACKAGE_COUNT) {
                throw RpcError(RPC_INVALID_PARAMETER,
                               "Array must contain between 1 and " + std::to_string(MAX_PACKAGE_COUNT) + " transactions.");
            }
            const FeeRate max_rate = ParseFeeRate(*ArgOrDefault(self, req, 1));
            const Amount max_burn = req.params.size() > 2 && !req.params[2].IsNull() ? AmountFromValue(req.params[2]) : 0;
            std::vector<TransactionRef> txs;
            for (const JsonValue& r : raw.values()) {
                auto mtx = DecodeHexTxText(JsonGetStr(r));
                if (!mtx) {
                    throw RpcError(RPC_DESERIALIZATION_ERROR,
                                   "TX decode failed: " + r.GetValStr() + " Make sure the tx has at least one input.");
                }
                auto tx = MakeTransactionRef(std::move(*mtx));
                CheckBurn(*tx, max_burn);
                txs.push_back(std::move(tx));
            }
            (void)max_rate;  // the package path has no client feerate limit yet
            if (txs.size() > 1 && !IsChildWithParents(txs)) {
                throw RpcError(RPC_TRANSACTION_ERROR, "package topology disallowed. not child-with-parents or parents depend on each other.");
            }
            TxMemPool& pool = EnsureMempool(node);
            ChainstateManager& cm = EnsureChainman(node);
            PackageMempoolAcceptResult package;
            {
                std::lock_guard lock(cm.Mutex());
                package = AcceptPackage(pool, *node.mempool_context, txs, node.Now(), false);
            }
            std::string package_msg = "success";
            switch (package.state.GetResult()) {
            case PackageValidationResult::PCKG_RESULT_UNSET:
                break;
            case PackageValidationResult::PCKG_MEMPOOL_ERROR:
                throw RpcError(RPC_TRANSACTION_ERROR, package.state.GetRejectReason());
            case PackageValidationResult::PCKG_POLICY:
            case PackageValidationResult::PCKG_TX:
                package_msg = package.state.ToString();
                break;
            }
            {
                std::lock_guard lock(pool.m_mutex);
                for (const TransactionRef& tx : txs) pool.AddUnbroadcastTx(tx->GetHash());
            }
            JsonValue results = JsonValue::Object();
            std::set<uint256> replaced;
            for (const TransactionRef& tx : txs) {
                JsonValue inner = JsonValue::Object();
                inner.PushKV("txid", tx->GetHash().GetHex());
                auto it = package.tx_results.find(tx->GetWitnessHash());
                if (it == package.tx_results.end()) {
                    inner.PushKV("error", "package-not-validated");
                    results.PushKV(tx->GetWitnessHash().GetHex(), std::move(inner));
                    continue;
                }
                const MempoolAcceptResult& r = it->second;
                switch (r.result_type) {
                case MempoolAcceptResult::ResultType::DIFFERENT_WITNESS:
                    inner.PushKV("other-wtxid", r.other_wtxid.value_or(uint256()).GetHex());
                    break;
                case MempoolAcceptResult::ResultType::INVALID:
                    inner.PushKV("error", r.state.ToString());
                    break;
                case MempoolAcceptResult::ResultType::VALID:
                case MempoolAcceptResult::ResultType::MEMPOOL_ENTRY: {
                    inner.PushKV("vsize", r.vsize.value_or(0));
                    JsonValue fees = JsonValue::Object();
                    fees.PushKV("base", ValueFromAmount(r.base_fees.value_or(0)));
                    if (r.result_type == MempoolAcceptResult::ResultType::VALID) {
                        fees.PushKV("effective-feerate", ValueFromAmount(r.effective_feerate.value_or(FeeRate()).GetFeePerK()));
                        JsonValue inc = JsonValue::Array();
                        for (const uint256& w : r.wtxids_fee_calculations) inc.PushBack(w.GetHex());
                        fees.PushKV("effective-includes", std::move(inc));
                    }
                    inner.PushKV("fees", std::move(fees));
                    for (const auto& rep : r.replaced_transactions) replaced.insert(rep->GetHash());
                    break;
                }
                }
                results.PushKV(tx->GetWitnessHash().GetHex(), std::move(inner));
            }
            JsonValue out = JsonValue::Object();
            out.PushKV("package_msg", package_msg);
            out.PushKV("tx-results", std::move(results));
            JsonValue replaced_list = JsonValue::Array();
            for (const uint256& h : replaced) replaced_list.PushBack(h.GetHex());
            out.PushKV("replaced-transactions", std::move(replaced_list));
            return out;
        }};
}

std::vector<Res> MempoolEntryDescription()
{
    return {
        Res{Res::Type::NUM, "vsize", "virtual transaction size as defined in BIP 141. This is different from actual serialized size for witness transactions as witness data is discounted."},
        Res{Res::Type::NUM, "weight", "transaction weight as defined in BIP 141."},
        Res{Res::Type::NUM_TIME, "time", "local time transaction entered pool in seconds since 1 Jan 1970 GMT"},
        Res{Res::Type::NUM, "height", "block height when transaction entered pool"},
        Res{Res::Type::NUM, "descendantcount", "number of in-mempool descendant transactions (including this one)"},
        Res{Res::Type::NUM, "descendantsize", "virtual transaction size of in-mempool descendants (including this one)"},
        Res{Res::Type::NUM, "ancestorcount", "number of in-mempool ancestor transactions (including this one)"},
        Res{Res::Type::NUM, "ancestorsize", "virtual transaction size of in-mempool ancestors (including this one)"},
        Res{Res::Type::STR_HEX, "wtxid", "hash of serialized transaction, including witness data"},
        Res{Res::Type::OBJ, "fees", "",
            {
                Res{Res::Type::STR_AMOUNT, "base", "transaction fee, denominated in BTC"},
                Res{Res::Type::STR_AMOUNT, "modified", "transaction fee with fee deltas used for mining priority, denominated in BTC"},
                Res{Res::Type::STR_AMOUNT, "ancestor", "transaction fees of in-mempool ancestors (including this one) with fee deltas used for mining priority, denominated in BTC"},
                Res{Res::Type::STR_AMOUNT, "descendant", "transaction fees of in-mempool descendants (including this one) with fee deltas used for mining priority, denominated in BTC"},
            }},
        Res{Res::Type::ARR, "depends", "unconfirmed transactions used as inputs for this transaction",
            {Res{Res::Type::STR_HEX, "transactionid", "parent transaction id"}}},
        Res{Res::Type::ARR, "spentby", "unconfirmed transactions spending outputs from this transaction",
            {Res{Res::Type::STR_HEX, "transactionid", "child transaction id"}}},
        Res{Res::Type::BOOL, "bip125-replaceable", "Whether this transaction signals BIP125 replaceability or has an unconfirmed ancestor signaling BIP125 replaceability. (DEPRECATED)\n"},
        Res{Res::Type::BOOL, "unbroadcast", "Whether this transaction is currently unbroadcast (initial broadcast not yet acknowledged by any peers)"},
    };
}

/** BIP125 signalling of the entry or any in-mempool ancestor (Core's IsRBFOptIn). */
bool SignalsRbf(const TxMemPool& pool, const MempoolEntry& e)
{
    auto signals = [](const Transaction& tx) {
        return std::any_of(tx.vin.begin(), tx.vin.end(), [](const TxIn& in) { return in.sequence <= 0xfffffffd; });
    };
    if (signals(*e.tx)) return true;
    for (const uint256& a : pool.CalculateAncestors(e.Txid())) {
        const MempoolEntry* ae = pool.GetEntry(a);
        if (ae && signals(*ae->tx)) return true;
    }
    return false;
}

/** Core's entryToJSON (pool locked). */
JsonValue EntryToJson(const TxMemPool& pool, const MempoolEntry& e)
{
    const MempoolAggregate anc = pool.AncestorAggregate(e.Txid());
    const MempoolAggregate desc = pool.DescendantAggregate(e.Txid());
    JsonValue info = JsonValue::Object();
    info.PushKV("vsize", e.vsize);
    info.PushKV("weight", e.weight);
    info.PushKV("time", e.time);
    info.PushKV("height", static_cast<int64_t>(e.entry_height));
    info.PushKV("descendantcount", static_cast<uint64_t>(desc.count));
    info.PushKV("descendantsize", desc.vsize);
    info.PushKV("ancestorcount", static_cast<uint64_t>(anc.count));
    info.PushKV("ancestorsize", anc.vsize);
    info.PushKV("wtxid", e.tx->GetWitnessHash().GetHex());
    JsonValue fees = JsonValue::Object();
    fees.PushKV("base", ValueFromAmount(e.fee));
    fees.PushKV("modified", ValueFromAmount(e.ModifiedFee()));
    fees.PushKV("ancestor", ValueFromAmount(anc.modified_fees));
    fees.PushKV("descendant", ValueFromAmount(desc.modified_fees));
    info.PushKV("fees", std::move(fees));
    std::set<std::string> depends;
    for (const TxIn& in : e.tx->vin) {
        if (pool.Exists(in.prevout.hash)) depends.insert(in.prevout.hash.GetHex());
    }
    JsonValue dep = JsonValue::Array();
    for (const std::string& d : depends) dep.PushBack(d);
    info.PushKV("depends", std::move(dep));
    JsonValue spent = JsonValue::Array();
    for (const uint256& c : e.children) spent.PushBack(c.GetHex());
    info.PushKV("spentby", std::move(spent));
    info.PushKV("bip125-replaceable", SignalsRbf(pool, e));
    info.PushKV("unbroadcast", pool.GetUnbroadcastTxs().count(e.Txid()) > 0);
    return info;
}

JsonValue MempoolToJson(const TxMemPool& pool, bool verbose, bool include_sequence)
{
    std::lock_guard lock(pool.m_mutex);
    if (verbose) {
        if (include_sequence) {
            throw RpcError(RPC_INVALID_PARAMETER, "Verbose results cannot contain mempool sequence values.");
        }
        JsonValue o = JsonValue::Object();
        for (const MempoolEntry* e : pool.SortedEntries()) o.PushKV(e->Txid().GetHex(), EntryToJson(pool, *e));
        return o;
    }
    JsonValue a = JsonValue::Array();
    for (const MempoolEntry* e : pool.SortedEntries()) a.PushBack(e->Txid().GetHex());
    if (!include_sequence) return a;
    JsonValue o = JsonValue::Object();
    o.PushKV("txids", std::move(a));
    o.PushKV("mempool_sequence", pool.GetSequence());
    return o;
}

RpcMethod GetRawMempool(NodeContext& node)
{
    return RpcMethod{
        "getrawmempool",
        "Returns all transaction ids in memory pool as a json array of string transaction ids.\n"
        "\nHint: use getmempoolentry to fetch a specific transaction from the mempool.\n",
        {
            Arg{"verbose", Arg::Type::BOOL, Arg::Default{JsonValue(false)}, "True for a json object, false for array of transaction ids"},
            Arg{"mempool_sequence", Arg::Type::BOOL, Arg::Default{JsonValue(false)}, "If verbose=false, returns a json object with transaction list and mempool sequence number attached."},
        },
        {Res{"for verbose = false", Res::Type::ARR, "", "", {Res{Res::Type::STR_HEX, "", "The transaction id"}}},
         Res{"for verbose = true", Res::Type::OBJ_DYN, "", "", {Res{Res::Type::OBJ, "transactionid", "", MempoolEntryDescription()}}},
         Res{"for verbose = false and mempool_sequence = true", Res::Type::OBJ, "", "",
             {
                 Res{Res::Type::ARR, "txids", "", {Res{Res::Type::STR_HEX, "", "The transaction id"}}},
                 Res{Res::Type::NUM, "mempool_sequence", "The mempool sequence value."},
             }}},
        HelpExampleCli("getrawmempool", "true") + HelpExampleRpc("getrawmempool", "true"),
        [&node](const RpcMethod& self, const JsonRpcRequest& req) -> JsonValue {
            const bool verbose = JsonGetBool(*ArgOrDefault(self, req, 0));
            const bool seq = JsonGetBool(*ArgOrDefault(self, req, 1));
            return MempoolToJson(EnsureMempool(node), verbose, seq);
        }};
}

RpcMethod GetMempoolEntry(NodeContext& node)
{
    return RpcMethod{
        "getmempoolentry",
        "Returns mempool data for given transaction\n",
        {Arg{"txid", Arg::Type::STR_HEX, Arg::Optional::NO, "The transaction id (must be in mempool)"}},
        {Res{Res::Type::OBJ, "", "", MempoolEntryDescription()}},
        HelpExampleCli("getmempoolentry", "\"mytxid\"") + HelpExampleRpc("getmempoolentry", "\"mytxid\""),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            const uint256 txid = ParseHashV(req.params[0], "txid");
            const TxMemPool& pool = EnsureMempool(node);
            std::lock_guard lock(pool.m_mutex);
            const MempoolEntry* e = pool.GetEntry(txid);
            if (!e) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Transaction not in mempool");
            return EntryToJson(pool, *e);
        }};
}

/** getmempoolancestors / getmempooldescendants. */
RpcMethod MempoolRelatives(NodeContext& node, bool ancestors)
{
    const std::string name = ancestors ? "getmempoolancestors" : "getmempooldescendants";
    const std::string what = ancestors ? "ancestor" : "descendant";
    return RpcMethod{
        name,
        "\nIf txid is in the mempool, returns all in-mempool " + what + "s.\n",
        {
            Arg{"txid", Arg::Type::STR_HEX, Arg::Optional::NO, "The transaction id (must be in mempool)"},
            Arg{"verbose", Arg::Type::BOOL, Arg::Default{JsonValue(false)}, "True for a json object, false for array of transaction ids"},
        },
        {Res{"for verbose = false", Res::Type::ARR, "", "",
             {Res{Res::Type::STR_HEX, "", "The transaction id of an in-mempool " + what + " transaction"}}},
         Res{"for verbose = true", Res::Type::OBJ_DYN, "", "", {Res{Res::Type::OBJ, "transactionid", "", MempoolEntryDescription()}}}},
        HelpExampleCli(name, "\"mytxid\"") + HelpExampleRpc(name, "\"mytxid\""),
        [&node, ancestors](const RpcMethod& self, const JsonRpcRequest& req) -> JsonValue {
            const uint256 txid = ParseHashV(req.params[0], "txid");
            const bool verbose = JsonGetBool(*ArgOrDefault(self, req, 1));
            const TxMemPool& pool = EnsureMempool(node);
            std::lock_guard lock(pool.m_mutex);
            if (!pool.Exists(txid)) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Transaction not in mempool");
            std::set<uint256> set;
            if (ancestors) {
                set = pool.CalculateAncestors(txid);
            } else {
                pool.CalculateDescendants(txid, set);
                set.erase(txid);
            }
            if (!verbose) {
                JsonValue a = JsonValue::Array();
                for (const uint256& h : set) a.PushBack(h.GetHex());
                return a;
            }
            JsonValue o = JsonValue::Object();
            for (const uint256& h : set) o.PushKV(h.GetHex(), EntryToJson(pool, *pool.GetEntry(h)));
            return o;
        }};
}

RpcMethod GetMempoolInfo(NodeContext& node)
{
    return RpcMethod{
        "getmempoolinfo",
        "Returns details on the active state of the TX memory pool.",
        {},
        {Res{Res::Type::OBJ, "", "",
             {
                 Res{Res::Type::BOOL, "loaded", "True if the initial load attempt of the persisted mempool finished"},
                 Res{Res::Type::NUM, "size", "Current tx count"},
                 Res{Res::Type::NUM, "bytes", "Sum of all virtual transaction sizes as defined in BIP 141. Differs from actual serialized size because witness data is discounted"},
                 Res{Res::Type::NUM, "usage", "Total memory usage for the mempool"},
                 Res{Res::Type::STR_AMOUNT, "total_fee", "Total fees for the mempool in BTC, ignoring modified fees through prioritisetransaction"},
                 Res{Res::Type::NUM, "maxmempool", "Maximum memory usage for the mempool"},
                 Res{Res::Type::STR_AMOUNT, "mempoolminfee", "Minimum fee rate in BTC/kvB for tx to be accepted. Is the maximum of minrelaytxfee and minimum mempool fee"},
                 Res{Res::Type::STR_AMOUNT, "minrelaytxfee", "Current minimum relay fee for transactions"},
                 Res{Res::Type::NUM, "incrementalrelayfee", "minimum fee rate increment for mempool limiting or replacement in BTC/kvB"},
                 Res{Res::Type::NUM, "unbroadcastcount", "Current number of transactions that haven't passed initial broadcast yet"},
                 Res{Res::Type::BOOL, "fullrbf", "True if the mempool accepts RBF without replaceability signaling inspection (DEPRECATED)"},
                 Res{Res::Type::BOOL, "permitbaremultisig", "True if the mempool accepts transactions with bare multisig outputs"},
                 Res{Res::Type::NUM, "maxdatacarriersize", "Maximum number of bytes that can be used by OP_RETURN outputs in the mempool"},
                 Res{Res::Type::NUM, "limitclustercount", "Maximum number of transactions that can be in a cluster (configured by -limitclustercount)"},
                 Res{Res::Type::NUM, "limitclustersize", "Maximum size of a cluster in virtual bytes (configured by -limitclustersize)"},
             }}},
        HelpExampleCli("getmempoolinfo", "") + HelpExampleRpc("getmempoolinfo", ""),
        [&node](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
            const TxMemPool& pool = EnsureMempool(node);
            std::lock_guard lock(pool.m_mutex);
            const MempoolOptions& o = pool.Options();
            JsonValue r = JsonValue::Object();
            r.PushKV("loaded", true);
            r.PushKV("size", static_cast<uint64_t>(pool.Size()));
            r.PushKV("bytes", pool.TotalTxSize());
            r.PushKV("usage", static_cast<uint64_t>(pool.DynamicMemoryUsage()));
            r.PushKV("total_fee", ValueFromAmount(pool.TotalFee()));
            r.PushKV("maxmempool", o.max_size_bytes);
            r.PushKV("mempoolminfee", ValueFromAmount(std::max(pool.GetMinFee(node.Now()), o.min_relay_feerate).GetFeePerK()));
            r.PushKV("minrelaytxfee", ValueFromAmount(o.min_relay_feerate.GetFeePerK()));
            r.PushKV("incrementalrelayfee", ValueFromAmount(o.incremental_relay_feerate.GetFeePerK()));
            r.PushKV("unbroadcastcount", static_cast<uint64_t>(pool.GetUnbroadcastTxs().size()));
            r.PushKV("fullrbf", o.full_rbf);
            r.PushKV("permitbaremultisig", o.permit_bare_multisig);
            r.PushKV("maxdatacarriersize", static_cast<uint64_t>(o.max_datacarrier_bytes.value_or(0)));
            r.PushKV("limitclustercount", static_cast<uint64_t>(o.cluster_count));
            r.PushKV("limitclustersize", o.cluster_size_vbytes);
            return r;
        }};
}

RpcMethod SaveMempool(NodeContext& node)
{
    return RpcMethod{
        "savemempool",
        "Dumps the mempool to disk. It will fail until the previous dump is fully loaded.\n",
        {},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::STR, "filename", "the directory and file where the mempool was saved"}}}},
        HelpExampleCli("savemempool", "") + HelpExampleRpc("savemempool", ""),
        [&node](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
            const TxMemPool& pool = EnsureMempool(node);
            const std::filesystem::path path = node.data_dir / "mempool.dat";
            std::string error;
            bool ok;
            {
                std::lock_guard lock(pool.m_mutex);
                ok = DumpMempool(pool, path, &error);
            }
            if (!ok) throw RpcError(RPC_MISC_ERROR, "Unable to dump mempool to disk");
            JsonValue r = JsonValue::Object();
            r.PushKV("filename", path.string());
            return r;
        }};
}

RpcMethod EstimateSmartFee(NodeContext& node)
{
    return RpcMethod{
        "estimatesmartfee",
        "Estimates the approximate fee per kilobyte needed for a transaction to begin\n"
        "confirmation within conf_target blocks if possible and return the number of blocks\n"
        "for which the estimate is valid. Uses virtual transaction size as defined\n"
        "in BIP 141 (witness data is discounted).\n",
        {
            Arg{"conf_target", Arg::Type::NUM, Arg::Optional::NO, "Confirmation target in blocks (1 - 1008)"},
            Arg{"estimate_mode", Arg::Type::STR, Arg::Default{JsonValue("economical")},
                "The fee estimate mode.\n"
                "unset, economical, conservative \n"
                "unset means no mode set (default mode will be used). \n"
                "economical mode potentially returns a lower fee rate estimate.\n"
                "conservative potentially returns a higher fee rate estimate.\n"},
        },
        {Res{Res::Type::OBJ, "", "",
             {
                 Res{Res::Type::NUM, "feerate", true, "estimate fee rate in BTC/kvB (only present if no errors were encountered)"},
                 Res{Res::Type::ARR, "errors", true, "Errors encountered during processing (if there are any)",
                     {Res{Res::Type::STR, "", "error"}}},
                 Res{Res::Type::NUM, "blocks", "block number where estimate was found\n"
                                               "The request target will be clamped between 2 and the highest target\n"
                                               "fee estimation is able to return based on how long it has been running.\n"
                                               "An error is returned if not enough transactions and blocks\n"
                                               "have been observed to make an estimate for any number of blocks."},
             }}},
        HelpExampleCli("estimatesmartfee", "6") + HelpExampleRpc("estimatesmartfee", "6"),
        [&node](const RpcMethod& self, const JsonRpcRequest& req) -> JsonValue {
            if (!node.fee_estimator) throw RpcError(RPC_INTERNAL_ERROR, "Fee estimation disabled");
            const TxMemPool& pool = EnsureMempool(node);
            const BlockPolicyEstimator& est = *node.fee_estimator;
            const unsigned int max_target = est.HighestTargetTracked(FeeEstimateHorizon::LONG_HALFLIFE);
            const int target = JsonGetInt(req.params[0]);
            if (target < 1 || static_cast<unsigned int>(target) > max_target) {
                throw RpcError(RPC_INVALID_PARAMETER,
                               "Invalid conf_target, must be between 1 and " + std::to_string(max_target));
            }
            std::string mode = JsonGetStr(*ArgOrDefault(self, req, 1));
            std::transform(mode.begin(), mode.end(), mode.begin(), [](unsigned char c) { return std::toupper(c); });
            if (mode != "UNSET" && mode != "ECONOMICAL" && mode != "CONSERVATIVE") {
                throw RpcError(RPC_INVALID_PARAMETER,
                               "Invalid estimate_mode parameter, must be one of: \"unset\", \"economical\", \"conservative\"");
            }
            FeeCalculation calc;
            const FeeRate rate = est.EstimateSmartFee(target, &calc, mode == "CONSERVATIVE");
            JsonValue r = JsonValue::Object();
            if (rate != FeeRate()) {
                FeeRate min_pool, min_relay;
                {
                    std::lock_guard lock(pool.m_mutex);
                    min_pool = pool.GetMinFee(node.Now());
                    min_relay = pool.Options().min_relay_feerate;
                }
                r.PushKV("feerate", ValueFromAmount(std::max({rate, min_pool, min_relay}).GetFeePerK()));
            } else {
                JsonValue errors = JsonValue::Array();
                errors.PushBack("Insufficient data or no feerate found");
                r.PushKV("errors", std::move(errors));
            }
            r.PushKV("blocks", calc.returned_target);
            return r;
        }};
}
}  // namespace

void RegisterMempoolRpcCommands(RpcTable& table, NodeContext& node)
{
    table.Register("rawtransactions", SendRawTransaction(node));
    table.Register("rawtransactions", TestMempoolAccept(node));
    table.Register("rawtransactions", SubmitPackage(node));
    table.Register("blockchain", MempoolRelatives(node, true));
    table.Register("blockchain", MempoolRelatives(node, false));
    table.Register("blockchain", GetMempoolEntry(node));
    table.Register("blockchain", GetMempoolInfo(node));
    table.Register("blockchain", GetRawMempool(node));
    table.Register("blockchain", SaveMempool(node));
    table.Register("util", EstimateSmartFee(node));
}
