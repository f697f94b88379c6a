// JSON forms of amounts, scripts and transactions, field for field as Core's core_io writes them.
#include "json/core_json.h"

#include "address/destination.h"
#include "crypto/hash.h"
#include "json/descriptor_infer.h"
#include "script/script_asm.h"
#include "script/solver.h"
#include "util/hex.h"

JsonValue ValueFromAmount(Amount amount) {
    // Magnitude in unsigned arithmetic so that the most negative amount cannot overflow.
    const uint64_t mag = amount < 0 ? uint64_t(0) - uint64_t(amount) : uint64_t(amount);
    std::string frac = std::to_string(mag % uint64_t(COIN));
    frac.insert(0, 8 - frac.size(), '0');
    return JsonValue::Number((amount < 0 ? "-" : "") + std::to_string(mag / uint64_t(COIN)) + "." + frac);
}

void ScriptToJson(const Script& script, JsonValue& out, bool include_hex, bool include_address, Chain chain,
                  const Script* known_script) {
    out.PushKV("asm", ScriptToAsmStr(script));
    if (include_address) {
        out.PushKV("desc", known_script ? InferDescriptorString(script, chain, *known_script)
                                        : InferDescriptorString(script, chain));
    }
    if (include_hex) out.PushKV("hex", HexStr(script.bytes()));
    std::vector<std::vector<uint8_t>> solutions;
    const TxoutType type = Solver(script, solutions);
    Destination dest;
    if (include_address && ExtractDestination(script, dest) && type != TxoutType::PUBKEY) {
        out.PushKV("address", EncodeDestination(dest, chain));
    }
    out.PushKV("type", GetTxnOutputType(type));
}

JsonValue DecodeScriptToJson(const Script& script, Chain chain) {
    JsonValue r = JsonValue::Object();
    ScriptToJson(script, r, /*include_hex=*/false, /*include_address=*/true, chain);
    std::vector<std::vector<uint8_t>> solutions;
    const TxoutType type = Solver(script, solutions);

    // P2SH-wrapping is offered for key, multisig and nonstandard scripts that could be spent inside P2SH.
    const bool can_wrap = [&] {
        switch (type) {
            case TxoutType::MULTISIG:
            case TxoutType::NONSTANDARD:
            case TxoutType::PUBKEY:
            case TxoutType::PUBKEYHASH:
            case TxoutType::WITNESS_V0_KEYHASH:
            case TxoutType::WITNESS_V0_SCRIPTHASH:
                break;
            default:
                return false;
        }
        if (!script.HasValidOps() || script.IsUnspendable()) return false;
        size_t pc = 0;
        opcodetype op;
        while (pc < script.size()) {
            if (!script.GetOp(pc, op)) return false;
            if (op == OP_CHECKSIGADD || IsOpSuccess(op)) return false;
        }
        return true;
    }();
    if (!can_wrap) return r;
    r.PushKV("p2sh", EncodeDestination(ScriptHash{Hash160(script.bytes())}, chain));

    // Witness programs and P2SH cannot be wrapped again; uncompressed keys cannot be used in segwit.
    const bool can_wrap_p2wsh = [&] {
        switch (type) {
            case TxoutType::MULTISIG:
            case TxoutType::PUBKEY:
                for (const auto& solution : solutions) {
                    if (solution.size() != 1 && solution.size() != PubKey::COMPRESSED_SIZE) return false;
                    if (solution.size() == PubKey::COMPRESSED_SIZE && !PubKey(solution).IsCompressed())
                        return false;
                }
                return true;
            case TxoutType::NONSTANDARD:
            case TxoutType::PUBKEYHASH:
                return true;
            default:
                return false;
        }
    }();
    if (!can_wrap_p2wsh) return r;
    Script segwit_script;
    bool known = false;
    if (type == TxoutType::PUBKEY) {
        segwit_script = GetScriptForDestination(WitnessV0KeyHash{Hash160(solutions[0])});
    } else if (type == TxoutType::PUBKEYHASH) {
        segwit_script = GetScriptForDestination(WitnessV0KeyHash{uint160(solutions[0])});
    } else {
        segwit_script = GetScriptForDestination(WitnessV0ScriptHash{Sha256Hash(script.bytes())});
        known = true;
    }
    JsonValue sr = JsonValue::Object();
    ScriptToJson(segwit_script, sr, /*include_hex=*/true, /*include_address=*/true, chain,
                 known ? &script : nullptr);
    sr.PushKV("p2sh-segwit", EncodeDestination(ScriptHash{Hash160(segwit_script.bytes())}, chain));
    r.PushKV("segwit", std::move(sr));
    return r;
}

std::string EncodeHexTx(const Transaction& tx) {
    return HexStr(EncodeTransaction(tx, true));
}

void TxToJson(const Transaction& tx, const uint256& block_hash, JsonValue& out, Chain chain,
              bool include_hex) {
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
