// verifyreserves and verifyliabilityproof; see reserves.h.
#include "rpc/reserves.h"

#include "node/validation.h"
#include "reserves/liabilities.h"
#include "reserves/proof_of_reserves.h"
#include "rpc/protocol.h"
#include "rpc/util.h"
#include "util/fs_util.h"

#include <fstream>

std::filesystem::path ProofsDir(const NodeContext& node) { return node.data_dir / "proofs"; }

JsonValue VerifyReservesJson(NodeContext& node, const std::string& proof_text)
{
    std::string error;
    auto parsed = ReserveProofFromJson(proof_text, &error);
    if (!parsed) throw RpcError(RPC_DESERIALIZATION_ERROR, "Proof file is malformed: " + error);
    const auto& [statement, proof] = *parsed;
    ReserveVerification v;
    {
        std::lock_guard lock(node.chainman->Mutex());
        const BlockIndex* at = node.chainman->Chain()[statement.height];
        v = VerifyReserveProof(proof, statement,
                               [&node](const OutPoint& op) { return node.chainman->CoinsTip().GetCoin(op); });
        if (!at || at->GetBlockHash() != statement.block_hash) {
            v.ok = false;
            v.reason = "the stated block " + statement.block_hash.GetHex() + " is not at height " +
                       std::to_string(statement.height) +
                       " of this node's chain (another network, a reorg, or this node is not synced yet)";
        }
    }
    JsonValue r = JsonValue::Object();
    r.PushKV("valid", v.ok);
    r.PushKV("proven_amount", ValueFromAmount(v.proven));
    r.PushKV("height", statement.height);
    r.PushKV("blockhash", statement.block_hash.GetHex());
    r.PushKV("institution", statement.institution);
    r.PushKV("date", statement.date);
    if (!v.ok) r.PushKV("reason", v.reason);
    if (statement.liabilities) {
        // The solvency claim the signers made: only as good as the proof itself.
        const Amount liabilities = static_cast<Amount>(statement.liabilities->root.sum);
        JsonValue l = LiabilityCommitmentToJson(*statement.liabilities);
        l.PushKV("total_btc", ValueFromAmount(liabilities));
        r.PushKV("liabilities", std::move(l));
        r.PushKV("solvent", v.ok && v.proven >= liabilities);
        r.PushKV("surplus", ValueFromAmount(v.proven - liabilities));
    }
    JsonValue inputs = JsonValue::Array();
    for (const ReserveInputCheck& c : v.inputs) {
        JsonValue i = JsonValue::Object();
        i.PushKV("txid", c.outpoint.hash.GetHex());
        i.PushKV("vout", static_cast<int64_t>(c.outpoint.n));
        i.PushKV("amount", ValueFromAmount(c.amount));
        i.PushKV("valid", c.ok);
        if (!c.ok) i.PushKV("reason", c.reason);
        inputs.PushBack(std::move(i));
    }
    r.PushKV("inputs", std::move(inputs));
    return r;
}

namespace {
using Arg = RpcArg;
using Res = RpcResult;

RpcMethod VerifyReserves(NodeContext& node)
{
    return RpcMethod{
        "verifyreserves",
        "Checks a proof of reserves (the published JSON file) against this node's UTXO set: the commitment to the "
        "statement, that every reserve output is unspent and existed at the stated height, and every signature.\n",
        {Arg{"proof", Arg::Type::STR, Arg::Optional::NO, "The proof file's contents (sovereign-cli reads a file name)."}},
        {Res{Res::Type::OBJ, "", "",
             {
                 Res{Res::Type::BOOL, "valid", "Whether every reserve input verified"},
                 Res{Res::Type::STR_AMOUNT, "proven_amount", "Sum of the reserve outputs that verified, in BTC"},
                 Res{Res::Type::NUM, "height", "The height the proof states"},
                 Res{Res::Type::STR_HEX, "blockhash", "The block the proof states"},
                 Res{Res::Type::STR, "institution", "Who made the proof"},
                 Res{Res::Type::STR, "date", "The date it states"},
                 Res{Res::Type::STR, "reason", true, "Why it failed (the first problem)"},
                 Res{Res::Type::OBJ, "liabilities", true, "The proof-of-liabilities commitment the proof states solvency against",
                     {Res{Res::Type::STR_HEX, "root_hash", "The Merkle-sum root"},
                      Res{Res::Type::NUM, "total", "Total liabilities in satoshis"},
                      Res{Res::Type::NUM, "height", "The tree's height"},
                      Res{Res::Type::STR_AMOUNT, "total_btc", "Total liabilities in BTC"}}},
                 Res{Res::Type::BOOL, "solvent", true, "Whether the proof verified and proves at least the liabilities"},
                 Res{Res::Type::STR_AMOUNT, "surplus", true, "Proven reserves minus liabilities (negative when short)"},
                 Res{Res::Type::ARR, "inputs", "Each reserve output",
                     {Res{Res::Type::OBJ, "", "",
                          {
                              Res{Res::Type::STR_HEX, "txid", "Its transaction"},
                              Res{Res::Type::NUM, "vout", "Its index"},
                              Res{Res::Type::STR_AMOUNT, "amount", "Its value in BTC (0 when unknown)"},
                              Res{Res::Type::BOOL, "valid", "Whether it verified"},
                              Res{Res::Type::STR, "reason", true, "Why not"},
                          }}}},
             }}},
        HelpExampleCli("verifyreserves", "proof.json") + HelpExampleRpc("verifyreserves", "\"{...}\""),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            return VerifyReservesJson(node, JsonGetStr(req.params[0]));
        }};
}

RpcMethod VerifyLiabilityProof()
{
    return RpcMethod{
        "verifyliabilityproof",
        "Checks that an account is included, with its balance, in a published proof-of-liabilities commitment.\n",
        {Arg{"proof", Arg::Type::STR, Arg::Optional::NO, "The account's proof file contents."}},
        {Res{Res::Type::OBJ, "", "",
             {
                 Res{Res::Type::BOOL, "valid", "Whether the proof leads to the commitment"},
                 Res{Res::Type::STR, "account", "The account"},
                 Res{Res::Type::STR_AMOUNT, "balance", "Its balance in BTC"},
                 Res{Res::Type::STR_AMOUNT, "total_liabilities", "The commitment's total in BTC"},
                 Res{Res::Type::STR_HEX, "root", "The commitment's root hash"},
                 Res{Res::Type::STR, "reason", true, "Why it failed"},
             }}},
        HelpExampleCli("verifyliabilityproof", "myproof.json"),
        [](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            std::string error;
            auto parsed = LiabilityProofFromJson(JsonGetStr(req.params[0]), &error);
            if (!parsed) throw RpcError(RPC_DESERIALIZATION_ERROR, "Proof file is malformed: " + error);
            const auto& [proof, commitment] = *parsed;
            std::string why;
            const bool ok = VerifyLiabilityProof(proof, commitment, &why);
            JsonValue r = JsonValue::Object();
            r.PushKV("valid", ok);
            r.PushKV("account", proof.account_id);
            r.PushKV("balance", ValueFromAmount(proof.balance));
            r.PushKV("total_liabilities", ValueFromAmount(static_cast<Amount>(commitment.root.sum)));
            r.PushKV("root", LiabilityCommitmentToJson(commitment)["root_hash"].GetValStr());
            if (!ok) r.PushKV("reason", why);
            return r;
        }};
}
}  // namespace

RpcMethod PublishReserveProof(NodeContext& node)
{
    return RpcMethod{
        "publishreserveproof",
        "Stores a proof-of-reserves file where the dashboard publishes it (<datadir>/proofs/). The file must parse; it "
        "is written atomically and durably.\n",
        {Arg{"proof", Arg::Type::STR, Arg::Optional::NO, "The proof file's contents"}},
        {Res{Res::Type::OBJ, "", "", {Res{Res::Type::STR, "name", "The published name"}}}},
        HelpExampleCli("publishreserveproof", "proof.json"),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            const std::string& text = JsonGetStr(req.params[0]);
            std::string error;
            auto parsed = ReserveProofFromJson(text, &error);
            if (!parsed) throw RpcError(RPC_DESERIALIZATION_ERROR, "Proof file is malformed: " + error);
            std::string name = parsed->first.date + "-" + parsed->first.nonce;
            for (char& c : name) {
                if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
            }
            name = name.substr(0, 80);
            const std::filesystem::path dir = ProofsDir(node);
            std::error_code ec;
            std::filesystem::create_directories(dir, ec);
            const std::filesystem::path final = dir / (name + ".json");
            std::string why;
            if (!WriteFileAtomic(final, text, &why)) throw RpcError(RPC_MISC_ERROR, "Cannot publish the proof: " + why);
            JsonValue r = JsonValue::Object();
            r.PushKV("name", name);
            return r;
        }};
}

void RegisterReservesRpcCommands(RpcTable& table, NodeContext& node)
{
    table.Register("reserves", PublishReserveProof(node));
    table.Register("reserves", VerifyReserves(node));
    table.Register("reserves", VerifyLiabilityProof());
}
