// The reserve custody commands: a wallet's custody policy, spend proposals that collect the officials' PSBT
// signatures (each signature counts as that official's approval), vetoes, broadcast only when the policy is met,
// and the audit log. The store is custody.sqlite next to the wallet file.
#include "wallet/rpc.h"

#include "address/destination.h"
#include "custody/policy.h"
#include "descriptor/bip32.h"
#include "json/core_json.h"
#include "psbt/psbt_roles.h"
#include "rpc/protocol.h"
#include "rpc/util.h"
#include "util/hex.h"
#include "wallet/wallet.h"

#include <map>
#include <mutex>

std::shared_ptr<Wallet> WalletForRequest(WalletManager& wallets, const JsonRpcRequest& req);
FeeRate WalletFeeRate(NodeContext& node, const JsonValue& fee_rate_arg, int conf_target);

namespace {
using Arg = RpcArg;
using Res = RpcResult;

/** Custody stores by wallet name, opened on first use. */
class CustodyStores
{
public:
    CustodyEngine& For(const Wallet& w)
    {
        std::lock_guard lock(m_mutex);
        auto& e = m_engines[w.File().string()];
        if (!e) {
            std::string error;
            e = CustodyEngine::Open(w.File().parent_path() / "custody.sqlite", &error);
            if (!e) throw RpcError(RPC_WALLET_ERROR, "Cannot open the custody store: " + error);
        }
        return *e;
    }

private:
    std::mutex m_mutex;
    std::map<std::string, std::unique_ptr<CustodyEngine>> m_engines;
};

/** The master fingerprints a signer's key expression stands for: its own, and its origin's when it has one. */
std::vector<std::array<uint8_t, 4>> SignerFingerprints(const std::string& key, Chain chain)
{
    std::vector<std::array<uint8_t, 4>> out;
    std::string xpub = key;
    if (!key.empty() && key[0] == '[') {
        const size_t close = key.find(']');
        if (close != std::string::npos && close >= 9) {
            auto fp = TryParseHex(key.substr(1, 8));
            if (fp && fp->size() == 4) out.push_back({(*fp)[0], (*fp)[1], (*fp)[2], (*fp)[3]});
            xpub = key.substr(close + 1);
        }
    }
    xpub = xpub.substr(0, xpub.find('/'));
    if (auto ext = DecodeExtPubKey(xpub, chain)) out.push_back(ext->Fingerprint());
    return out;
}

/** The officials whose keys made signatures in the PSBT (ECDSA partial signatures and taproot script-path
 *  signatures), matched through the inputs' key origins. */
std::set<std::string> SignersOf(const Psbt& psbt, const CustodyPolicy& policy, Chain chain)
{
    std::set<std::string> out;
    auto credit = [&](const std::array<uint8_t, 4>& fingerprint) {
        for (const CustodySigner& s : policy.signers) {
            for (const auto& fp : SignerFingerprints(s.key, chain)) {
                if (fp == fingerprint) out.insert(s.name);
            }
        }
    };
    for (const PsbtInput& in : psbt.inputs) {
        for (const auto& [keyid, sig] : in.partial_sigs) {
            auto origin = in.hd_keypaths.find(sig.first);
            if (origin != in.hd_keypaths.end()) credit(origin->second.fingerprint);
        }
        for (const auto& [key_leaf, sig] : in.tap_script_sigs) {
            auto origin = in.tap_bip32_paths.find(key_leaf.first);
            if (origin != in.tap_bip32_paths.end()) credit(origin->second.second.fingerprint);
        }
    }
    return out;
}

JsonValue ProposalJson(CustodyEngine& engine, const SpendProposal& p, int64_t now)
{
    JsonValue j = SpendProposalToJson(p);
    j.PushKV("blocked_by", engine.BroadcastBlocker(p.id, now));
    return j;
}

CustodyPolicy ParsePolicy(const JsonValue& v)
{
    std::string error;
    auto p = CustodyPolicyFromJson(v, &error);
    if (!p) throw RpcError(RPC_INVALID_PARAMETER, "Invalid policy: " + error);
    return *p;
}
}  // namespace

void RegisterReserveRpcCommands(RpcTable& table, NodeContext& node, WalletManager& wallets)
{
    auto stores = std::make_shared<CustodyStores>();
    const Chain chain = node.params->chain;

    table.Register("reserve", RpcMethod{
        "reservesetpolicy", "Sets the custody policy of a reserve wallet. Only the first policy: later changes need a quorum of its signers (reserveproposepolicy).\n",
        {Arg{"policy", Arg::Type::OBJ_USER_KEYS, Arg::Optional::NO, "signers [{name, key}], threshold, change_quorum, max_per_spend_sat, max_per_period_sat, period_seconds, allowlist, large_spend_sat, large_spend_delay, freeze_spending, freeze_acquisitions, freeze_reason, proposal_lifetime"}},
        {Res{Res::Type::OBJ, "", "The policy in force"}},
        HelpExampleCli("reservesetpolicy", "'{\"signers\":[...],\"threshold\":2}'"),
        [stores, &wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletForRequest(wallets, req);
            CustodyEngine& e = stores->For(*w);
            std::string error;
            if (!e.InitPolicy(ParsePolicy(req.params[0]), "operator", node.Now(), &error)) throw RpcError(RPC_WALLET_ERROR, error);
            return CustodyPolicyToJson(*e.Policy());
        }});
    table.Register("reserve", RpcMethod{
        "reservegetpolicy", "Returns the custody policy in force.\n", {}, {Res{Res::Type::OBJ, "", "The policy"}},
        HelpExampleCli("reservegetpolicy", ""),
        [stores, &wallets](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto p = stores->For(*WalletForRequest(wallets, req)).Policy();
            if (!p) throw RpcError(RPC_WALLET_ERROR, "This wallet has no custody policy; set one with reservesetpolicy");
            return CustodyPolicyToJson(*p);
        }});
    table.Register("reserve", RpcMethod{
        "reserveproposepolicy", "A signer proposes a new custody policy; it applies once change_quorum signers approved.\n",
        {Arg{"policy", Arg::Type::OBJ_USER_KEYS, Arg::Optional::NO, "The new policy"},
         Arg{"signer", Arg::Type::STR, Arg::Optional::NO, "The proposing signer's name"}},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::NUM, "change", "The change's id"}, Res{Res::Type::BOOL, "applied", "Whether it is in force"}}}},
        HelpExampleCli("reserveproposepolicy", "'{...}' \"Minister of Finance\""),
        [stores, &wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            CustodyEngine& e = stores->For(*WalletForRequest(wallets, req));
            std::string error;
            const CustodyPolicy proposed = ParsePolicy(req.params[0]);
            auto id = e.ProposePolicyChange(proposed, JsonGetStr(req.params[1]), node.Now(), &error);
            if (!id) throw RpcError(RPC_WALLET_ERROR, error);
            JsonValue r = JsonValue::Object();
            r.PushKV("change", *id);
            r.PushKV("applied", CustodyPolicyToJson(*e.Policy()).Write() == CustodyPolicyToJson(proposed).Write());
            return r;
        }});
    table.Register("reserve", RpcMethod{
        "reserveapprovepolicy", "A signer approves a proposed policy change.\n",
        {Arg{"change", Arg::Type::NUM, Arg::Optional::NO, "The change's id"}, Arg{"signer", Arg::Type::STR, Arg::Optional::NO, "The approving signer"}},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::BOOL, "applied", "Whether this approval put it in force"}}}},
        HelpExampleCli("reserveapprovepolicy", "1 \"Auditor General\""),
        [stores, &wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            CustodyEngine& e = stores->For(*WalletForRequest(wallets, req));
            std::string error;
            auto applied = e.ApprovePolicyChange(JsonGetInt64(req.params[0]), JsonGetStr(req.params[1]), node.Now(), &error);
            if (!applied) throw RpcError(RPC_WALLET_ERROR, error);
            JsonValue r = JsonValue::Object();
            r.PushKV("applied", *applied);
            return r;
        }});
    table.Register("reserve", RpcMethod{
        "reservepropose",
        "Proposes a spend from the reserve: funds it from the wallet, checks it against the custody policy (freeze, "
        "allow-list, limits) and records it. Officials then sign the returned PSBT (walletprocesspsbt or offline) and "
        "submit it with reservesign.\n",
        {Arg{"outputs", Arg::Type::OBJ_USER_KEYS, Arg::Optional::NO, "{\"address\": amount, ...}"},
         Arg{"purpose", Arg::Type::STR, Arg::Optional::NO, "What the spend is for"},
         Arg{"requester", Arg::Type::STR, Arg::Optional::NO, "Who asks for it"},
         Arg{"fee_rate", Arg::Type::AMOUNT, Arg::Optional::OMITTED, "Fee rate in sat/vB (default: estimation or -fallbackfee)"}},
        {Res{Res::Type::OBJ, "", "The proposal (id, state, psbt, approvals, blocked_by, ...)"}},
        HelpExampleCli("reservepropose", "'{\"bcrt1q...\":1.5}' \"road repairs\" \"treasury\""),
        [stores, &wallets, &node, chain](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletForRequest(wallets, req);
            CustodyEngine& e = stores->For(*w);
            if (!e.Policy()) throw RpcError(RPC_WALLET_ERROR, "This wallet has no custody policy; set one with reservesetpolicy");
            std::vector<Recipient> recipients;
            std::vector<SpendOutput> outputs;
            const JsonValue& o = req.params[0];
            for (size_t i = 0; i < o.keys().size(); ++i) {
                std::string error;
                Destination dest = DecodeDestination(o.keys()[i], chain, &error);
                if (!IsValidDestination(dest)) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Invalid address: " + o.keys()[i]);
                const Amount amount = AmountFromValue(o.values()[i]);
                recipients.push_back({GetScriptForDestination(dest), amount, false});
                outputs.push_back({o.keys()[i], amount});
            }
            const FeeRate rate = WalletFeeRate(node, req.params.size() > 3 ? req.params[3] : JsonValue(), 6);
            std::string error;
            auto psbt = w->CreateFundedPsbt(recipients, rate, &error);
            if (!psbt) throw RpcError(RPC_WALLET_INSUFFICIENT_FUNDS, error);
            const int64_t now = node.Now();
            auto id = e.Propose(JsonGetStr(req.params[2]), JsonGetStr(req.params[1]), outputs, EncodeBase64Psbt(*psbt), now, &error);
            if (!id) throw RpcError(RPC_WALLET_ERROR, "Refused by the custody policy: " + error);
            return ProposalJson(e, *e.Proposal(*id, now), now);
        }});
    table.Register("reserve", RpcMethod{
        "reservesign",
        "Submits an official's signed copy of a proposal's PSBT (from walletprocesspsbt or an offline signer). Every "
        "official whose key signed counts as having approved.\n",
        {Arg{"id", Arg::Type::NUM, Arg::Optional::NO, "The proposal"}, Arg{"psbt", Arg::Type::STR, Arg::Optional::NO, "The signed PSBT (base64)"}},
        {Res{Res::Type::OBJ, "", "The proposal after the signatures"}},
        HelpExampleCli("reservesign", "1 \"cHNidP8B...\""),
        [stores, &wallets, &node, chain](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            auto w = WalletForRequest(wallets, req);
            CustodyEngine& e = stores->For(*w);
            const int64_t id = JsonGetInt64(req.params[0]);
            const int64_t now = node.Now();
            auto proposal = e.Proposal(id, now);
            if (!proposal) throw RpcError(RPC_INVALID_PARAMETER, "No proposal " + std::to_string(id));
            auto mine = DecodeBase64Psbt(proposal->psbt);
            auto theirs = DecodeBase64Psbt(JsonGetStr(req.params[1]));
            if (!theirs.psbt) throw RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed " + theirs.error);
            if (!mine.psbt) throw RpcError(RPC_WALLET_ERROR, "The stored PSBT is damaged");
            auto combined = CombinePsbts({*mine.psbt, *theirs.psbt});
            if (!combined) throw RpcError(RPC_INVALID_PARAMETER, "PSBTs not compatible (different transactions)");
            // Verify the partial signatures before counting them as approvals.
            auto txdata = PrecomputePsbtData(*combined);
            Psbt check = *combined;
            const bool complete = FinalizePsbt(check);
            std::set<std::string> signers = SignersOf(*combined, *e.Policy(), chain);
            if (complete) {
                for (unsigned i = 0; i < check.inputs.size(); ++i) {
                    if (!PsbtInputSignedAndVerified(check, i, txdata ? &*txdata : nullptr)) {
                        throw RpcError(RPC_VERIFY_ERROR, "Input " + std::to_string(i) + " does not verify");
                    }
                }
            }
            std::string error;
            if (!e.UpdatePsbt(id, EncodeBase64Psbt(*combined), complete, "reservesign", now, &error)) throw RpcError(RPC_WALLET_ERROR, error);
            for (const std::string& s : signers) {
                if (!proposal->approvals.count(s)) e.Approve(id, s, now, nullptr);
            }
            return ProposalJson(e, *e.Proposal(id, now), now);
        }});
    table.Register("reserve", RpcMethod{
        "reserveveto", "A signer vetoes a pending proposal.\n",
        {Arg{"id", Arg::Type::NUM, Arg::Optional::NO, "The proposal"}, Arg{"signer", Arg::Type::STR, Arg::Optional::NO, "Who vetoes"},
         Arg{"reason", Arg::Type::STR, Arg::Default{""}, "Why"}},
        {Res{Res::Type::OBJ, "", "The proposal"}},
        HelpExampleCli("reserveveto", "1 \"Auditor General\" \"unknown contractor\""),
        [stores, &wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            CustodyEngine& e = stores->For(*WalletForRequest(wallets, req));
            const int64_t id = JsonGetInt64(req.params[0]);
            std::string error;
            const std::string reason = req.params.size() > 2 && !req.params[2].IsNull() ? JsonGetStr(req.params[2]) : "";
            if (!e.Veto(id, JsonGetStr(req.params[1]), reason, node.Now(), &error)) throw RpcError(RPC_WALLET_ERROR, error);
            return ProposalJson(e, *e.Proposal(id, node.Now()), node.Now());
        }});
    table.Register("reserve", RpcMethod{
        "reservebroadcast", "Broadcasts a proposal once the policy allows it (approvals, delay, limits, freeze, complete signatures).\n",
        {Arg{"id", Arg::Type::NUM, Arg::Optional::NO, "The proposal"}},
        {Res{Res::Type::STR_HEX, "txid", "The transaction id"}},
        HelpExampleCli("reservebroadcast", "1"),
        [stores, &wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            CustodyEngine& e = stores->For(*WalletForRequest(wallets, req));
            const int64_t id = JsonGetInt64(req.params[0]);
            const int64_t now = node.Now();
            if (std::string why = e.BroadcastBlocker(id, now); !why.empty()) throw RpcError(RPC_WALLET_ERROR, "Not allowed yet: " + why);
            auto decoded = DecodeBase64Psbt(e.Proposal(id, now)->psbt);
            MutableTransaction mtx;
            if (!decoded.psbt || !FinalizeAndExtractPsbt(*decoded.psbt, mtx)) throw RpcError(RPC_WALLET_ERROR, "The PSBT is not complete");
            TransactionRef tx = MakeTransactionRef(std::move(mtx));
            const MempoolAcceptResult result = node.ProcessTransaction(tx, false);
            if (!result.IsValid()) throw RpcError(RPC_VERIFY_REJECTED, result.state.ToString());
            std::string error;
            if (!e.MarkBroadcast(id, tx->GetHash().GetHex(), "reservebroadcast", now, &error)) throw RpcError(RPC_WALLET_ERROR, error);
            return tx->GetHash().GetHex();
        }});
    table.Register("reserve", RpcMethod{
        "reservelistproposals", "Lists spend proposals with their state and what blocks them.\n", {},
        {Res{Res::Type::ARR, "", "", {Res{Res::Type::OBJ, "", "A proposal"}}}},
        HelpExampleCli("reservelistproposals", ""),
        [stores, &wallets, &node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            CustodyEngine& e = stores->For(*WalletForRequest(wallets, req));
            JsonValue r = JsonValue::Array();
            const int64_t now = node.Now();
            for (const SpendProposal& p : e.Proposals(now)) r.PushBack(ProposalJson(e, p, now));
            return r;
        }});
    table.Register("reserve", RpcMethod{
        "reserveauditlog", "Returns the custody audit log and the result of verifying its hash chain.\n",
        {Arg{"anchor_seq", Arg::Type::NUM, Arg::Optional::OMITTED, "Also check this entry against an on-chain anchor"},
         Arg{"anchor_hash", Arg::Type::STR_HEX, Arg::Optional::OMITTED, "The anchored hash (hex)"}},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::BOOL, "valid", "Whether the chain verifies"}, Res{Res::Type::ARR, "entries", "The log"}}}},
        HelpExampleCli("reserveauditlog", ""),
        [stores, &wallets](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            CustodyEngine& e = stores->For(*WalletForRequest(wallets, req));
            AuditVerification v;
            if (req.params.size() > 1 && !req.params[1].IsNull()) {
                auto bytes = ParseHexV(req.params[1], "anchor_hash");
                if (bytes.size() != 32) throw RpcError(RPC_INVALID_PARAMETER, "anchor_hash must be 32 bytes");
                v = e.Audit().VerifyAgainstAnchor(JsonGetInt64(req.params[0]), uint256(bytes));
            } else {
                v = e.Audit().Verify();
            }
            JsonValue r = JsonValue::Object();
            r.PushKV("valid", v.ok);
            r.PushKV("entries_verified", v.entries);
            if (!v.ok) r.PushKV("reason", v.reason);
            if (v.first_bad_seq) r.PushKV("first_bad_entry", *v.first_bad_seq);
            r.PushKV("head", HexStr(v.head));
            r.PushKV("anchor_script", HexStr(AuditAnchorScript(v.entries, v.head)));
            JsonValue entries = JsonValue::Array();
            for (const AuditEntry& a : e.Audit().Entries()) {
                JsonValue x = JsonValue::Object();
                x.PushKV("seq", a.seq);
                x.PushKV("time", a.time);
                x.PushKV("actor", a.actor);
                x.PushKV("action", a.action);
                x.PushKV("details", a.details);
                x.PushKV("hash", HexStr(a.hash));
                entries.PushBack(std::move(x));
            }
            r.PushKV("entries", std::move(entries));
            return r;
        }});
}
