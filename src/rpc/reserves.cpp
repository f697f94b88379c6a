// verifyreserves and verifyliabilityproof; see reserves.h.
#include "rpc/reserves.h"

#include "node/validation.h"
#include "reserves/liabilities.h"
#include "reserves/proof_of_reserves.h"
#include "rpc/protocol.h"
#include "rpc/util.h"

#include <fcntl.h>
#include <unistd.h>

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
            const std::filesystem::path tmp = dir / (name + ".json.tmp"), final = dir / (name + ".json");
            {
                std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
                out << text;
                if (!out) throw RpcError(RPC_MISC_ERROR, "Cannot write " + tmp.string());
            }
            // fsync the file, rename over the final name, fsync the directory: a crash leaves old or new, whole.
            int fd = ::open(tmp.c_str(), O_RDONLY);
            if (fd >= 0) {
                ::fsync(fd);
                ::close(fd);
            }
            std::filesystem::rename(tmp, final, ec);
            if (ec) throw RpcError(RPC_MISC_ERROR, "Cannot publish " + final.string() + ": " + ec.message());
            fd = ::open(dir.c_str(), O_RDONLY);
            if (fd >= 0) {
                ::fsync(fd);
                ::close(fd);
            }
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
