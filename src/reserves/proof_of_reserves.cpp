// Proof of reserves (BIP127 style); see proof_of_reserves.h.
#include "reserves/proof_of_reserves.h"

#include "crypto/sha256.h"
#include "json/json_value.h"
#include "policy/policy.h"
#include "psbt/psbt_roles.h"
#include "script/interpreter.h"
#include "util/hex.h"
#include "util/strencodings.h"

#include <set>

namespace {
constexpr size_t MAX_PROOF_JSON = 16 << 20;
constexpr size_t MAX_DESCRIPTORS = 1000;
}  // namespace

std::string ReserveMessage(const ReserveStatement& s)
{
    std::string m = "institution: " + s.institution + "\ndate: " + s.date + "\nnonce: " + s.nonce +
                    "\nheight: " + std::to_string(s.height) + "\nblock: " + s.block_hash.GetHex();
    for (const std::string& d : s.descriptors) m += "\ndescriptor: " + d;
    if (s.liabilities) {
        m += "\nliabilities root: " + HexStr(s.liabilities->root.hash) +
             "\nliabilities total: " + std::to_string(s.liabilities->root.sum) +
             "\nliabilities tree height: " + std::to_string(s.liabilities->height);
    }
    return m;
}

uint256 ReserveCommitmentTxid(const std::string& message)
{
    const std::string preimage = "Proof-of-Reserves: " + message;
    uint256 h;
    Sha256().Write(reinterpret_cast<const uint8_t*>(preimage.data()), preimage.size()).Finalize(h.data());
    return h;
}

TxOut ReserveCommitmentOutput() { return TxOut(0, Script() << OP_TRUE); }

Psbt CreateReservePsbt(const ReserveStatement& statement, const std::vector<std::pair<OutPoint, TxOut>>& utxos)
{
    MutableTransaction tx;
    tx.version = 2;
    tx.vin.emplace_back();
    tx.vin[0].prevout = OutPoint(ReserveCommitmentTxid(ReserveMessage(statement)), 0);
    Amount total = 0;
    for (const auto& [outpoint, txout] : utxos) {
        tx.vin.emplace_back();
        tx.vin.back().prevout = outpoint;
        total += txout.value;
    }
    tx.vout.emplace_back(total, Script() << OP_TRUE);
    Psbt psbt(tx, 0);
    psbt.inputs[0].witness_utxo = ReserveCommitmentOutput();
    for (size_t i = 0; i < utxos.size(); ++i) psbt.inputs[i + 1].witness_utxo = utxos[i].second;
    return psbt;
}

std::optional<MutableTransaction> FinalizeReserveProof(Psbt psbt, std::string* error)
{
    FinalizePsbt(psbt);  // input 0 (the commitment) never completes; the reserve inputs must
    auto tx = psbt.GetUnsignedTx();
    if (!tx || tx->vin.size() < 2) {
        if (error) *error = "not a proof-of-reserves PSBT";
        return std::nullopt;
    }
    for (size_t i = 1; i < tx->vin.size(); ++i) {
        if (psbt.inputs[i].final_script_sig.empty() && psbt.inputs[i].final_script_witness.IsNull()) {
            if (error) *error = "reserve input " + std::to_string(i) + " (" + tx->vin[i].prevout.hash.GetHex() + ":" +
                                std::to_string(tx->vin[i].prevout.n) + ") is not fully signed yet";
            return std::nullopt;
        }
        tx->vin[i].script_sig = psbt.inputs[i].final_script_sig;
        tx->vin[i].witness = psbt.inputs[i].final_script_witness;
    }
    return tx;
}

ReserveVerification VerifyReserveProof(const MutableTransaction& proof, const ReserveStatement& statement,
                                       const std::function<std::optional<Coin>(const OutPoint&)>& lookup)
{
    ReserveVerification v;
    auto fail = [&](std::string why) {
        if (v.reason.empty()) v.reason = std::move(why);
        v.ok = false;
        return v;
    };
    if (proof.vin.size() < 2) return fail("the proof spends no reserve outputs");
    const uint256 commitment = ReserveCommitmentTxid(ReserveMessage(statement));
    if (proof.vin[0].prevout.hash != commitment || proof.vin[0].prevout.n != 0) {
        return fail("wrong commitment: the first input does not commit to this statement (institution, date, "
                    "nonce, height, block, descriptors)");
    }
    // Every spent output, for the signature hashes (taproot signs all of them).
    std::vector<TxOut> spent{ReserveCommitmentOutput()};
    std::vector<std::optional<Coin>> coins{std::nullopt};
    std::vector<bool> duplicate{false};
    std::set<OutPoint> seen;
    for (size_t i = 1; i < proof.vin.size(); ++i) {
        const OutPoint& op = proof.vin[i].prevout;
        duplicate.push_back(!seen.insert(op).second);
        std::optional<Coin> coin = duplicate.back() ? std::nullopt : lookup(op);
        spent.push_back(coin ? coin->out : TxOut());
        coins.push_back(std::move(coin));
    }
    const Transaction tx(proof);
    PrecomputedTransactionData txdata;
    txdata.Init(tx, std::vector<TxOut>(spent), true);
    v.ok = true;
    for (size_t i = 1; i < proof.vin.size(); ++i) {
        ReserveInputCheck c;
        c.outpoint = proof.vin[i].prevout;
        const std::string where = "input " + std::to_string(i) + " (" + c.outpoint.hash.GetHex() + ":" + std::to_string(c.outpoint.n) + ")";
        if (!coins[i]) {
            c.reason = duplicate[i] ? "spent twice in the proof" : "not in the UTXO set (spent, or never existed)";
        } else if (statement.height >= 0 && static_cast<int64_t>(coins[i]->height) > statement.height) {
            c.amount = coins[i]->out.value;
            c.reason = "created at height " + std::to_string(coins[i]->height) + ", after the stated height " +
                       std::to_string(statement.height);
        } else {
            c.amount = coins[i]->out.value;
            ScriptError err = SCRIPT_ERR_OK;
            GenericTransactionSignatureChecker<Transaction> checker(&tx, static_cast<unsigned int>(i), c.amount, txdata,
                                                                    MissingDataBehavior::FAIL);
            if (VerifyScript(proof.vin[i].script_sig, coins[i]->out.script_pubkey, &proof.vin[i].witness,
                             STANDARD_SCRIPT_VERIFY_FLAGS, checker, &err)) {
                c.ok = true;
                v.proven += c.amount;
            } else {
                c.reason = std::string("bad signature: ") + ScriptErrorString(err);
            }
        }
        if (!c.ok) fail(where + ": " + c.reason);
        v.inputs.push_back(std::move(c));
    }
    return v;
}

JsonValue ReserveStatementToJson(const ReserveStatement& s)
{
    JsonValue j = JsonValue::Object();
    j.PushKV("institution", s.institution);
    j.PushKV("date", s.date);
    j.PushKV("nonce", s.nonce);
    j.PushKV("height", s.height);
    j.PushKV("block_hash", s.block_hash.GetHex());
    JsonValue d = JsonValue::Array();
    for (const auto& x : s.descriptors) d.PushBack(x);
    j.PushKV("descriptors", std::move(d));
    if (s.liabilities) j.PushKV("liabilities", LiabilityCommitmentToJson(*s.liabilities));
    return j;
}

std::optional<ReserveStatement> ReserveStatementFromJson(const JsonValue& j, std::string* error)
{
    auto fail = [&](std::string why) -> std::optional<ReserveStatement> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    if (!j.IsObject()) return fail("the statement must be a JSON object");
    for (const char* key : {"institution", "date", "nonce", "block_hash"}) {
        if (!j[key].IsStr()) return fail(std::string("missing or non-string field '") + key + "'");
    }
    ReserveStatement s;
    s.institution = j["institution"].GetValStr();
    s.date = j["date"].GetValStr();
    s.nonce = j["nonce"].GetValStr();
    auto height = j["height"].IsNum() ? ParseInt64(j["height"].GetValStr()) : std::nullopt;
    if (!height || *height < 0 || *height > 100'000'000) return fail("height must be a non-negative integer");
    s.height = static_cast<int>(*height);
    auto hash = uint256::FromHex(j["block_hash"].GetValStr());
    if (!hash || j["block_hash"].GetValStr().size() != 64) return fail("block_hash must be 64 hex characters");
    s.block_hash = *hash;
    if (!j["descriptors"].IsArray() || j["descriptors"].size() > MAX_DESCRIPTORS) return fail("descriptors must be an array");
    for (const auto& d : j["descriptors"].values()) {
        if (!d.IsStr()) return fail("descriptors must be strings");
        s.descriptors.push_back(d.GetValStr());
    }
    if (!j["liabilities"].IsNull()) {
        std::string why;
        s.liabilities = LiabilityCommitmentFromJson(j["liabilities"], &why);
        if (!s.liabilities) return fail("liabilities: " + why);
    }
    return s;
}

JsonValue ReserveProofToJson(const ReserveStatement& s, const MutableTransaction& proof)
{
    JsonValue j = JsonValue::Object();
    j.PushKV("version", s.liabilities ? 2 : 1);
    const JsonValue statement = ReserveStatementToJson(s);
    for (size_t i = 0; i < statement.size(); ++i) j.PushKV(statement.keys()[i], statement.values()[i]);
    Amount total = 0;
    for (const TxOut& out : proof.vout) total += out.value;
    j.PushKV("claimed_sat", total);
    j.PushKV("tx", HexStr(EncodeTransaction(proof)));
    return j;
}

std::optional<std::pair<ReserveStatement, MutableTransaction>> ReserveProofFromJson(std::string_view text,
                                                                                     std::string* error)
{
    auto fail = [&](std::string why) -> std::optional<std::pair<ReserveStatement, MutableTransaction>> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    if (text.size() > MAX_PROOF_JSON) return fail("proof file is larger than 16 MiB");
    auto doc = JsonValue::Parse(text);
    if (!doc || !doc->IsObject()) return fail("proof file is not a JSON object");
    const JsonValue& j = *doc;
    const std::string version = j["version"].IsNum() ? j["version"].GetValStr() : "";
    if (version != "1" && version != "2") return fail("unsupported proof version (expected 1 or 2)");
    auto s = ReserveStatementFromJson(j, error);
    if (!s) return std::nullopt;
    if ((version == "2") != s->liabilities.has_value()) {
        return fail("version 2 proofs, and only they, state liabilities");
    }
    if (!j["tx"].IsStr()) return fail("missing or non-string field 'tx'");
    auto bytes = TryParseHex(j["tx"].GetValStr());
    if (!bytes) return fail("tx must be hex");
    auto tx = DecodeTransaction(*bytes, false, true);
    if (!tx) return fail("tx does not decode: " + tx.error);
    return std::make_pair(std::move(*s), std::move(*tx.value));
}
