// JSON forms of amounts, scripts and transactions, field for field as Core's core_io writes them.
#include "json/core_json.h"

#include "address/destination.h"
#include "json/descriptor_infer.h"
#include "script/script_asm.h"
#include "script/solver.h"
#include "util/hex.h"

JsonValue ValueFromAmount(Amount amount)
{
    // Magnitude in unsigned arithmetic so that the most negative amount cannot overflow.
    const uint64_t mag = amount < 0 ? uint64_t(0) - uint64_t(amount) : uint64_t(amount);
    std::string frac = std::to_string(mag % uint64_t(COIN));
    frac.insert(0, 8 - frac.size(), '0');
    return JsonValue::Number((amount < 0 ? "-" : "") + std::to_string(mag / uint64_t(COIN)) + "." + frac);
}

void ScriptToJson(const Script& script, JsonValue& out, bool include_hex, bool include_address, Chain chain)
{
    out.PushKV("asm", ScriptToAsmStr(script));
    if (include_address) out.PushKV("desc", InferDescriptorString(script, chain));
    if (include_hex) out.PushKV("hex", HexStr(script.bytes()));
    std::vector<std::vector<uint8_t>> solutions;
    const TxoutType type = Solver(script, solutions);
    Destination dest;
    if (include_address && ExtractDestination(script, dest) && type != TxoutType::PUBKEY) {
        out.PushKV("address", EncodeDestination(dest, chain));
    }
    out.PushKV("type", GetTxnOutputType(type));
}

std::string EncodeHexTx(const Transaction& tx) { return HexStr(EncodeTransaction(tx, true)); }

void TxToJson(const Transaction& tx, const uint256& block_hash, JsonValue& out, Chain chain, bool include_hex)
{
    const int64_t weight = GetTransactionWeight(tx);
    out.PushKV("txid", tx.GetHash().GetHex());
    out.PushKV("hash", tx.GetWitnessHash().GetHex());
    // Core holds the version as uint32_t and prints it unsigned.
    out.PushKV("version", uint64_t{static_cast<uint32_t>(tx.version)});
    out.PushKV("size", uint64_t{tx.GetTotalSize()});
    out.PushKV("vsize", (weight + WITNESS_SCALE_FACTOR - 1) / WITNESS_SCALE_FACTOR);
    out.PushKV("weight", weight);
    out.PushKV("locktime", uint64_t{tx.lock_time});

    JsonValue vin = JsonValue::Array();
    for (const TxIn& txin : tx.vin) {
        JsonValue in = JsonValue::Object();
        if (tx.IsCoinBase()) {
            in.PushKV("coinbase", HexStr(txin.script_sig.bytes()));
        } else {
            in.PushKV("txid", txin.prevout.hash.GetHex());
            in.PushKV("vout", uint64_t{txin.prevout.n});
            JsonValue sig = JsonValue::Object();
            sig.PushKV("asm", ScriptToAsmStr(txin.script_sig, true));
            sig.PushKV("hex", HexStr(txin.script_sig.bytes()));
            in.PushKV("scriptSig", std::move(sig));
        }
        if (!txin.witness.IsNull()) {
            JsonValue witness = JsonValue::Array();
            for (const auto& item : txin.witness.stack) witness.PushBack(HexStr(item));
            in.PushKV("txinwitness", std::move(witness));
        }
        in.PushKV("sequence", uint64_t{txin.sequence});
        vin.PushBack(std::move(in));
    }
    out.PushKV("vin", std::move(vin));

    JsonValue vout = JsonValue::Array();
    for (size_t i = 0; i < tx.vout.size(); ++i) {
        const TxOut& txout = tx.vout[i];
        JsonValue o = JsonValue::Object();
        o.PushKV("value", ValueFromAmount(txout.value));
        o.PushKV("n", uint64_t{i});
        JsonValue spk = JsonValue::Object();
        ScriptToJson(txout.script_pubkey, spk, true, true, chain);
        o.PushKV("scriptPubKey", std::move(spk));
        vout.PushBack(std::move(o));
    }
    out.PushKV("vout", std::move(vout));

    if (!block_hash.IsNull()) out.PushKV("blockhash", block_hash.GetHex());
    if (include_hex) out.PushKV("hex", EncodeHexTx(tx));
}
