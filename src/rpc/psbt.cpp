// PSBT RPC commands (decodepsbt, analyzepsbt, combinepsbt, finalizepsbt, createpsbt, converttopsbt, joinpsbts,
// utxoupdatepsbt) with Core's arguments, results and error messages.
#include "rpc/psbt.h"

#include "address/base58.h"
#include "json/core_json.h"
#include "node/mempool.h"
#include "node/validation.h"
#include "psbt/psbt_roles.h"
#include "rpc/node_rpc.h"
#include "rpc/protocol.h"
#include "rpc/util.h"
#include "script/script_asm.h"
#include "util/hex.h"

#include <algorithm>
#include <numeric>
#include <random>

namespace {
using Arg = RpcArg;
using Res = RpcResult;

const JsonValue& Param(const JsonRpcRequest& req, size_t i)
{
    static const JsonValue null_value;
    return i < req.params.size() ? req.params[i] : null_value;
}

Psbt DecodeOrThrow(const JsonValue& v)
{
    auto res = DecodeBase64Psbt(JsonGetStr(v));
    if (!res.psbt) throw RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed " + res.error);
    return std::move(*res.psbt);
}

std::string HdKeypath(const std::vector<uint32_t>& path)
{
    // Core's WriteHDKeypath: hardened steps marked with 'h'.
    std::string s = "m";
    for (uint32_t i : path) {
        s += "/" + std::to_string(i & 0x7fffffffU);
        if (i >> 31) s += 'h';
    }
    return s;
}

std::string SighashToStr(unsigned char t)
{
    switch (t) {
    case SIGHASH_ALL: return "ALL";
    case SIGHASH_ALL | SIGHASH_ANYONECANPAY: return "ALL|ANYONECANPAY";
    case SIGHASH_NONE: return "NONE";
    case SIGHASH_NONE | SIGHASH_ANYONECANPAY: return "NONE|ANYONECANPAY";
    case SIGHASH_SINGLE: return "SINGLE";
    case SIGHASH_SINGLE | SIGHASH_ANYONECANPAY: return "SINGLE|ANYONECANPAY";
    }
    return "";
}

std::string Hex(const uint256& h) { return HexStr(std::span<const uint8_t>(h.data(), h.size())); }
std::string Hex(const uint160& h) { return HexStr(std::span<const uint8_t>(h.data(), h.size())); }
std::string Hex(const XOnlyPubKey& k) { return HexStr(std::span<const uint8_t>(k.data(), k.size())); }

JsonValue KeypathsJson(const std::map<PubKey, KeyOriginInfo>& paths)
{
    JsonValue arr = JsonValue::Array();
    for (const auto& [pk, origin] : paths) {
        JsonValue o = JsonValue::Object();
        o.PushKV("pubkey", HexStr(pk.bytes()));
        o.PushKV("master_fingerprint", HexStr(origin.fingerprint));
        o.PushKV("path", HdKeypath(origin.path));
        arr.PushBack(std::move(o));
    }
    return arr;
}

JsonValue TapKeypathsJson(const std::map<XOnlyPubKey, TapLeafOrigins>& paths)
{
    JsonValue arr = JsonValue::Array();
    for (const auto& [xonly, leaf_origin] : paths) {
        JsonValue o = JsonValue::Object();
        o.PushKV("pubkey", Hex(xonly));
        o.PushKV("master_fingerprint", HexStr(leaf_origin.second.fingerprint));
        o.PushKV("path", HdKeypath(leaf_origin.second.path));
        JsonValue hashes = JsonValue::Array();
        for (const uint256& h : leaf_origin.first) hashes.PushBack(Hex(h));
        o.PushKV("leaf_hashes", std::move(hashes));
        arr.PushBack(std::move(o));
    }
    return arr;
}

JsonValue ProprietaryJson(const std::set<PsbtProprietary>& prop)
{
    JsonValue arr = JsonValue::Array();
    for (const auto& p : prop) {
        JsonValue o = JsonValue::Object();
        o.PushKV("identifier", HexStr(p.identifier));
        o.PushKV("subtype", static_cast<uint64_t>(p.subtype));
        o.PushKV("key", HexStr(p.key));
        o.PushKV("value", HexStr(p.value));
        arr.PushBack(std::move(o));
    }
    return arr;
}

JsonValue UnknownJson(const std::map<PsbtBytes, PsbtBytes>& unknown)
{
    JsonValue o = JsonValue::Object();
    for (const auto& [k, v] : unknown) o.PushKV(HexStr(k), HexStr(v));
    return o;
}

JsonValue MuSigParticipantsJson(const std::map<PubKey, std::vector<PubKey>>& parts)
{
    JsonValue arr = JsonValue::Array();
    for (const auto& [agg, pubs] : parts) {
        JsonValue o = JsonValue::Object();
        o.PushKV("aggregate_pubkey", HexStr(agg.bytes()));
        JsonValue list = JsonValue::Array();
        for (const PubKey& pk : pubs) list.PushBack(HexStr(pk.bytes()));
        o.PushKV("participant_pubkeys", std::move(list));
        arr.PushBack(std::move(o));
    }
    return arr;
}

JsonValue ScriptJson(const Script& s, Chain chain)
{
    JsonValue o = JsonValue::Object();
    ScriptToJson(s, o, true, false, chain);
    return o;
}

JsonValue DecodePsbtJson(const Psbt& psbt, Chain chain)
{
    JsonValue result = JsonValue::Object();
    if (psbt.GetVersion() < 2) {
        JsonValue tx = JsonValue::Object();
        TxToJson(Transaction(*psbt.GetUnsignedTx()), uint256(), tx, chain, false);
        result.PushKV("tx", std::move(tx));
    }
    JsonValue xpubs = JsonValue::Array();
    for (const auto& [origin, set] : psbt.xpubs) {
        for (const auto& x : set) {
            JsonValue o = JsonValue::Object();
            o.PushKV("xpub", EncodeBase58Check(x.data));
            o.PushKV("master_fingerprint", HexStr(origin.fingerprint));
            o.PushKV("path", HdKeypath(origin.path));
            xpubs.PushBack(std::move(o));
        }
    }
    result.PushKV("global_xpubs", std::move(xpubs));
    if (psbt.GetVersion() >= 2) {
        result.PushKV("tx_version", static_cast<uint64_t>(psbt.tx_version));
        if (psbt.fallback_locktime) result.PushKV("fallback_locktime", static_cast<uint64_t>(*psbt.fallback_locktime));
        result.PushKV("input_count", static_cast<uint64_t>(psbt.inputs.size()));
        result.PushKV("output_count", static_cast<uint64_t>(psbt.outputs.size()));
        if (psbt.tx_modifiable) {
            result.PushKV("inputs_modifiable", (*psbt.tx_modifiable & 1) != 0);
            result.PushKV("outputs_modifiable", (*psbt.tx_modifiable & 2) != 0);
            result.PushKV("has_sighash_single", (*psbt.tx_modifiable & 4) != 0);
        }
    }
    result.PushKV("psbt_version", static_cast<uint64_t>(psbt.GetVersion()));
    result.PushKV("proprietary", ProprietaryJson(psbt.proprietary));
    result.PushKV("unknown", UnknownJson(psbt.unknown));

    Amount total_in = 0;
    bool have_all_utxos = true;
    JsonValue inputs = JsonValue::Array();
    for (const PsbtInput& input : psbt.inputs) {
        JsonValue in = JsonValue::Object();
        bool have_a_utxo = false;
        TxOut txout;
        if (!input.witness_utxo.IsNull()) {
            txout = input.witness_utxo;
            JsonValue spk = JsonValue::Object();
            ScriptToJson(txout.script_pubkey, spk, true, true, chain);
            JsonValue out = JsonValue::Object();
            out.PushKV("amount", ValueFromAmount(txout.value));
            out.PushKV("scriptPubKey", std::move(spk));
            in.PushKV("witness_utxo", std::move(out));
            have_a_utxo = true;
        }
        if (input.non_witness_utxo) {
            txout = input.non_witness_utxo->vout[input.prev_out];
            JsonValue non_wit = JsonValue::Object();
            TxToJson(*input.non_witness_utxo, uint256(), non_wit, chain, false);
            in.PushKV("non_witness_utxo", std::move(non_wit));
            have_a_utxo = true;
        }
        if (have_a_utxo) {
            if (MoneyRange(txout.value) && MoneyRange(total_in + txout.value)) {
                total_in += txout.value;
            } else {
                have_all_utxos = false;
            }
        } else {
            have_all_utxos = false;
        }
        if (!input.partial_sigs.empty()) {
            JsonValue sigs = JsonValue::Object();
            for (const auto& [id, sig] : input.partial_sigs) sigs.PushKV(HexStr(sig.first.bytes()), HexStr(sig.second));
            in.PushKV("partial_signatures", std::move(sigs));
        }
        if (input.sighash_type) in.PushKV("sighash", SighashToStr(static_cast<unsigned char>(*input.sighash_type)));
        if (!input.redeem_script.empty()) in.PushKV("redeem_script", ScriptJson(input.redeem_script, chain));
        if (!input.witness_script.empty()) in.PushKV("witness_script", ScriptJson(input.witness_script, chain));
        if (!input.hd_keypaths.empty()) in.PushKV("bip32_derivs", KeypathsJson(input.hd_keypaths));
        if (!input.final_script_sig.empty()) {
            JsonValue ss = JsonValue::Object();
            ss.PushKV("asm", ScriptToAsmStr(input.final_script_sig, true));
            ss.PushKV("hex", HexStr(input.final_script_sig.bytes()));
            in.PushKV("final_scriptSig", std::move(ss));
        }
        if (!input.final_script_witness.IsNull()) {
            JsonValue wit = JsonValue::Array();
            for (const auto& item : input.final_script_witness.stack) wit.PushBack(HexStr(item));
            in.PushKV("final_scriptwitness", std::move(wit));
        }
        auto preimages = [&](const char* name, const auto& map) {
            if (map.empty()) return;
            JsonValue o = JsonValue::Object();
            for (const auto& [h, pre] : map) o.PushKV(Hex(h), HexStr(pre));
            in.PushKV(name, std::move(o));
        };
        preimages("ripemd160_preimages", input.ripemd160_preimages);
        preimages("sha256_preimages", input.sha256_preimages);
        preimages("hash160_preimages", input.hash160_preimages);
        preimages("hash256_preimages", input.hash256_preimages);
        if (psbt.GetVersion() >= 2) {
            in.PushKV("previous_txid", input.prev_txid.GetHex());
            in.PushKV("previous_vout", static_cast<uint64_t>(input.prev_out));
            if (input.sequence) in.PushKV("sequence", static_cast<uint64_t>(*input.sequence));
            if (input.time_locktime) in.PushKV("time_locktime", static_cast<uint64_t>(*input.time_locktime));
            if (input.height_locktime) in.PushKV("height_locktime", static_cast<uint64_t>(*input.height_locktime));
        }
        if (!input.tap_key_sig.empty()) in.PushKV("taproot_key_path_sig", HexStr(input.tap_key_sig));
        if (!input.tap_script_sigs.empty()) {
            JsonValue arr = JsonValue::Array();
            for (const auto& [kl, sig] : input.tap_script_sigs) {
                JsonValue o = JsonValue::Object();
                o.PushKV("pubkey", Hex(kl.first));
                o.PushKV("leaf_hash", Hex(kl.second));
                o.PushKV("sig", HexStr(sig));
                arr.PushBack(std::move(o));
            }
            in.PushKV("taproot_script_path_sigs", std::move(arr));
        }
        if (!input.tap_scripts.empty()) {
            JsonValue arr = JsonValue::Array();
            for (const auto& [leaf, cbs] : input.tap_scripts) {
                JsonValue o = JsonValue::Object();
                o.PushKV("script", HexStr(leaf.first));
                o.PushKV("leaf_ver", leaf.second);
                JsonValue cb_arr = JsonValue::Array();
                for (const auto& cb : cbs) cb_arr.PushBack(HexStr(cb));
                o.PushKV("control_blocks", std::move(cb_arr));
                arr.PushBack(std::move(o));
            }
            in.PushKV("taproot_scripts", std::move(arr));
        }
        if (!input.tap_bip32_paths.empty()) in.PushKV("taproot_bip32_derivs", TapKeypathsJson(input.tap_bip32_paths));
        if (!input.tap_internal_key.GetUint256().IsNull()) in.PushKV("taproot_internal_key", Hex(input.tap_internal_key));
        if (!input.tap_merkle_root.IsNull()) in.PushKV("taproot_merkle_root", Hex(input.tap_merkle_root));
        if (!input.musig2_participants.empty()) {
            in.PushKV("musig2_participant_pubkeys", MuSigParticipantsJson(input.musig2_participants));
        }
        if (!input.musig2_pubnonces.empty()) {
            JsonValue arr = JsonValue::Array();
            for (const auto& [agg_lh, nonces] : input.musig2_pubnonces) {
                for (const auto& [part, nonce] : nonces) {
                    JsonValue o = JsonValue::Object();
                    o.PushKV("participant_pubkey", HexStr(part.bytes()));
                    o.PushKV("aggregate_pubkey", HexStr(agg_lh.first.bytes()));
                    if (!agg_lh.second.IsNull()) o.PushKV("leaf_hash", Hex(agg_lh.second));
                    o.PushKV("pubnonce", HexStr(nonce));
                    arr.PushBack(std::move(o));
                }
            }
            in.PushKV("musig2_pubnonces", std::move(arr));
        }
        if (!input.musig2_partial_sigs.empty()) {
            JsonValue arr = JsonValue::Array();
            for (const auto& [agg_lh, psigs] : input.musig2_partial_sigs) {
                for (const auto& [part, psig] : psigs) {
                    JsonValue o = JsonValue::Object();
                    o.PushKV("participant_pubkey", HexStr(part.bytes()));
                    o.PushKV("aggregate_pubkey", HexStr(agg_lh.first.bytes()));
                    if (!agg_lh.second.IsNull()) o.PushKV("leaf_hash", Hex(agg_lh.second));
                    o.PushKV("partial_sig", Hex(psig));
                    arr.PushBack(std::move(o));
                }
            }
            in.PushKV("musig2_partial_sigs", std::move(arr));
        }
        if (!input.proprietary.empty()) in.PushKV("proprietary", ProprietaryJson(input.proprietary));
        if (!input.unknown.empty()) in.PushKV("unknown", UnknownJson(input.unknown));
        inputs.PushBack(std::move(in));
    }
    result.PushKV("inputs", std::move(inputs));

    Amount output_value = 0;
    JsonValue outputs = JsonValue::Array();
    for (const PsbtOutput& output : psbt.outputs) {
        JsonValue out = JsonValue::Object();
        if (!output.redeem_script.empty()) out.PushKV("redeem_script", ScriptJson(output.redeem_script, chain));
        if (!output.witness_script.empty()) out.PushKV("witness_script", ScriptJson(output.witness_script, chain));
        if (!output.hd_keypaths.empty()) out.PushKV("bip32_derivs", KeypathsJson(output.hd_keypaths));
        if (psbt.GetVersion() >= 2) {
            out.PushKV("amount", ValueFromAmount(output.amount));
            JsonValue spk = JsonValue::Object();
            ScriptToJson(output.script, spk, true, true, chain);
            out.PushKV("script", std::move(spk));
        }
        if (!output.tap_internal_key.GetUint256().IsNull()) out.PushKV("taproot_internal_key", Hex(output.tap_internal_key));
        if (!output.tap_tree.empty()) {
            JsonValue tree = JsonValue::Array();
            for (const auto& [depth, leaf_ver, script] : output.tap_tree) {
                JsonValue o = JsonValue::Object();
                o.PushKV("depth", static_cast<int>(depth));
                o.PushKV("leaf_ver", static_cast<int>(leaf_ver));
                o.PushKV("script", HexStr(script));
                tree.PushBack(std::move(o));
            }
            out.PushKV("taproot_tree", std::move(tree));
        }
        if (!output.tap_bip32_paths.empty()) out.PushKV("taproot_bip32_derivs", TapKeypathsJson(output.tap_bip32_paths));
        if (!output.musig2_participants.empty()) {
            out.PushKV("musig2_participant_pubkeys", MuSigParticipantsJson(output.musig2_participants));
        }
        if (!output.proprietary.empty()) out.PushKV("proprietary", ProprietaryJson(output.proprietary));
        if (!output.unknown.empty()) out.PushKV("unknown", UnknownJson(output.unknown));
        outputs.PushBack(std::move(out));
        if (MoneyRange(output.amount) && MoneyRange(output_value + output.amount)) {
            output_value += output.amount;
        } else {
            have_all_utxos = false;
        }
    }
    result.PushKV("outputs", std::move(outputs));
    if (have_all_utxos) result.PushKV("fee", ValueFromAmount(total_in - output_value));
    return result;
}

JsonValue AnalyzePsbtJson(const Psbt& psbt)
{
    PsbtAnalysis a = AnalyzePsbt(psbt);
    JsonValue result = JsonValue::Object();
    JsonValue inputs = JsonValue::Array();
    for (const auto& in : a.inputs) {
        JsonValue o = JsonValue::Object();
        JsonValue missing = JsonValue::Object();
        o.PushKV("has_utxo", in.has_utxo);
        o.PushKV("is_final", in.is_final);
        o.PushKV("next", PsbtRoleName(in.next));
        if (!in.missing_pubkeys.empty()) {
            JsonValue arr = JsonValue::Array();
            for (const auto& id : in.missing_pubkeys) arr.PushBack(Hex(id));
            missing.PushKV("pubkeys", std::move(arr));
        }
        if (!in.missing_redeem_script.IsNull()) missing.PushKV("redeemscript", Hex(in.missing_redeem_script));
        if (!in.missing_witness_script.IsNull()) missing.PushKV("witnessscript", Hex(in.missing_witness_script));
        if (!in.missing_sigs.empty()) {
            JsonValue arr = JsonValue::Array();
            for (const auto& id : in.missing_sigs) arr.PushBack(Hex(id));
            missing.PushKV("signatures", std::move(arr));
        }
        if (missing.size() > 0) o.PushKV("missing", std::move(missing));
        inputs.PushBack(std::move(o));
    }
    if (inputs.size() > 0) result.PushKV("inputs", std::move(inputs));
    if (a.estimated_vsize) result.PushKV("estimated_vsize", static_cast<uint64_t>(*a.estimated_vsize));
    if (a.estimated_feerate) result.PushKV("estimated_feerate", ValueFromAmount(*a.estimated_feerate));
    if (a.fee) result.PushKV("fee", ValueFromAmount(*a.fee));
    result.PushKV("next", PsbtRoleName(a.next));
    if (!a.error.empty()) result.PushKV("error", a.error);
    return result;
}

uint32_t PsbtVersionArg(const JsonValue& v)
{
    if (v.IsNull()) return 2;
    int64_t ver = JsonGetInt64(v);
    if (ver < 0 || ver > UINT32_MAX) throw std::runtime_error("JSON integer out of range");
    if (ver != 2 && ver != 0) throw RpcError(RPC_INVALID_PARAMETER, "The PSBT version can only be 2 or 0");
    return static_cast<uint32_t>(ver);
}

std::vector<Arg> CreateTxArgs()
{
    RpcArgOptions skip;
    skip.skip_type_check = true;
    return {
        Arg{"inputs", Arg::Type::ARR, Arg::Optional::NO, "The inputs",
            {Arg{"", Arg::Type::OBJ, Arg::Optional::OMITTED, "",
                 {Arg{"txid", Arg::Type::STR_HEX, Arg::Optional::NO, "The transaction id"},
                  Arg{"vout", Arg::Type::NUM, Arg::Optional::NO, "The output number"},
                  Arg{"sequence", Arg::Type::NUM,
                      Arg::DefaultHint{"depends on the value of the 'replaceable' and 'locktime' arguments"},
                      "The sequence number"}}}}},
        Arg{"outputs", Arg::Type::ARR, Arg::Optional::NO,
            "The outputs specified as key-value pairs.\n"
            "Each key may only appear once, i.e. there can only be one 'data' output, and no address may be "
            "duplicated.\n"
            "At least one output of either type must be specified.\n"
            "For compatibility reasons, a dictionary, which holds the key-value pairs directly, is also\n"
            "                             accepted as second parameter.",
            {Arg{"", Arg::Type::OBJ_USER_KEYS, Arg::Optional::OMITTED, "",
                 {Arg{"address", Arg::Type::AMOUNT, Arg::Optional::NO,
                      "A key-value pair. The key (string) is the bitcoin address, the value (float or string) is "
                      "the amount in BTC"}}},
             Arg{"", Arg::Type::OBJ, Arg::Optional::OMITTED, "",
                 {Arg{"data", Arg::Type::STR_HEX, Arg::Optional::NO,
                      "A key-value pair. The key must be \"data\", the value is hex-encoded data that becomes a part "
                      "of an OP_RETURN output"}}}},
            skip},
        Arg{"locktime", Arg::Type::NUM, Arg::Default{JsonValue(0)},
            "Raw locktime. Non-0 value also locktime-activates inputs"},
        Arg{"replaceable", Arg::Type::BOOL, Arg::Default{JsonValue(true)},
            "Marks this transaction as BIP125-replaceable.\n"
            "Allows this transaction to be replaced by a transaction with higher fees. If provided, it is an error "
            "if explicit sequence numbers are incompatible."},
        Arg{"version", Arg::Type::NUM, Arg::Default{JsonValue(2)}, "Transaction version"},
    };
}

/** Core's ElideGroup: the first field prints "..." with the summary, the rest are left out of help. */
std::vector<Res> ElideGroup(std::vector<Res> fields, const std::string& summary)
{
    for (size_t i = 0; i < fields.size(); ++i) {
        if (i == 0) {
            fields[i].elision = summary;
        } else {
            fields[i].skip_in_help = true;
        }
    }
    return fields;
}

std::vector<Res> ProprietaryDoc()
{
    return {Res{Res::Type::OBJ, "", "",
                {Res{Res::Type::STR_HEX, "identifier", "The hex string for the proprietary identifier"},
                 Res{Res::Type::NUM, "subtype", "The number for the subtype"},
                 Res{Res::Type::STR_HEX, "key", "The hex for the key"},
                 Res{Res::Type::STR_HEX, "value", "The hex for the value"}}}};
}

Res ScriptDoc(const std::string& name, const std::string& what)
{
    return Res{Res::Type::OBJ, name, true, "",
               {Res{Res::Type::STR, "asm", "Disassembly of the " + what},
                Res{Res::Type::STR_HEX, "hex", "The raw " + what + " bytes, hex-encoded"},
                Res{Res::Type::STR, "type", "The type, eg 'pubkeyhash'"}}};
}

Res TapDerivsDoc()
{
    return Res{Res::Type::ARR, "taproot_bip32_derivs", true, "",
               {Res{Res::Type::OBJ, "", "",
                    {Res{Res::Type::STR, "pubkey", "The x-only public key this path corresponds to"},
                     Res{Res::Type::STR, "master_fingerprint", "The fingerprint of the master key"},
                     Res{Res::Type::STR, "path", "The path"},
                     Res{Res::Type::ARR, "leaf_hashes", "The hashes of the leaves this pubkey appears in",
                         {Res{Res::Type::STR_HEX, "hash", "The hash of a leaf this pubkey appears in"}}}}}}};
}

Res MuSigParticipantsDoc()
{
    return Res{Res::Type::ARR, "musig2_participant_pubkeys", true, "",
               {Res{Res::Type::OBJ, "", "",
                    {Res{Res::Type::STR_HEX, "aggregate_pubkey",
                         "The compressed aggregate public key for which the participants create."},
                     Res{Res::Type::ARR, "participant_pubkeys", "",
                         {Res{Res::Type::STR_HEX, "pubkey",
                              "The compressed public keys that are aggregated for aggregate_pubkey."}}}}}}};
}

const std::string LAYOUT_AS_DECODERAWTX = "The layout is the same as the output of decoderawtransaction.";

Res DecodePsbtInputsDoc()
{
    auto preimages = [](const std::string& name) {
        return Res{Res::Type::OBJ_DYN, name, true, "",
                   {Res{Res::Type::STR, "hash", "The hash and preimage that corresponds to it."}}};
    };
    auto musig_entry = [](const std::string& what, const std::string& value_key, const std::string& value_desc) {
        return Res{Res::Type::OBJ, "", "",
                   {Res{Res::Type::STR_HEX, "participant_pubkey",
                        "The compressed public key of the participant that created this " + what + "."},
                    Res{Res::Type::STR_HEX, "aggregate_pubkey",
                        "The compressed aggregate public key for which this " + what + " is for."},
                    Res{Res::Type::STR_HEX, "leaf_hash", true,
                        "The hash of the leaf script that contains the aggregate pubkey being signed for. Omitted "
                        "when signing for the internal key."},
                    Res{Res::Type::STR_HEX, value_key, value_desc}}};
    };
    return Res{
        Res::Type::ARR, "inputs", "",
        {Res{Res::Type::OBJ, "", "",
             {Res{Res::Type::OBJ, "non_witness_utxo", true, "Decoded network transaction for non-witness UTXOs",
                  ElideGroup(TxDoc(), LAYOUT_AS_DECODERAWTX)},
              Res{Res::Type::OBJ, "witness_utxo", true, "Transaction output for witness UTXOs",
                  {Res{Res::Type::NUM, "amount", "The value in BTC"},
                   Res{Res::Type::OBJ, "scriptPubKey", "",
                       {Res{Res::Type::STR, "asm", "Disassembly of the output script"},
                        Res{Res::Type::STR, "desc", "Inferred descriptor for the output"},
                        Res{Res::Type::STR_HEX, "hex", "The raw output script bytes, hex-encoded"},
                        Res{Res::Type::STR, "type", "The type, eg 'pubkeyhash'"},
                        Res{Res::Type::STR, "address", true,
                            "The Bitcoin address (only if a well-defined address exists)"}}}}},
              Res{Res::Type::OBJ_DYN, "partial_signatures", true, "",
                  {Res{Res::Type::STR, "pubkey", "The public key and signature that corresponds to it."}}},
              Res{Res::Type::STR, "sighash", true, "The sighash type to be used"},
              ScriptDoc("redeem_script", "redeem script"),
              ScriptDoc("witness_script", "witness script"),
              Res{Res::Type::ARR, "bip32_derivs", true, "",
                  {Res{Res::Type::OBJ, "", "",
                       {Res{Res::Type::STR, "pubkey", "The public key with the derivation path as the value."},
                        Res{Res::Type::STR, "master_fingerprint", "The fingerprint of the master key"},
                        Res{Res::Type::STR, "path", "The path"}}}}},
              Res{Res::Type::OBJ, "final_scriptSig", true, "",
                  {Res{Res::Type::STR, "asm", "Disassembly of the final signature script"},
                   Res{Res::Type::STR_HEX, "hex", "The raw final signature script bytes, hex-encoded"}}},
              Res{Res::Type::ARR, "final_scriptwitness", true, "",
                  {Res{Res::Type::STR_HEX, "", "hex-encoded witness data (if any)"}}},
              preimages("ripemd160_preimages"),
              preimages("sha256_preimages"),
              preimages("hash160_preimages"),
              preimages("hash256_preimages"),
              Res{Res::Type::STR_HEX, "previous_txid", true,
                  "TXID of the transaction containing the output being spent by this input"},
              Res{Res::Type::NUM, "previous_vout", true, "Index of the output being spent"},
              Res{Res::Type::NUM, "sequence", true, "Sequence number for this input"},
              Res{Res::Type::NUM, "time_locktime", true, "Time-based locktime required for this input"},
              Res{Res::Type::NUM, "height_locktime", true, "Height-based locktime required for this input"},
              Res{Res::Type::STR_HEX, "taproot_key_path_sig", true,
                  "hex-encoded signature for the Taproot key path spend"},
              Res{Res::Type::ARR, "taproot_script_path_sigs", true, "",
                  {Res{Res::Type::OBJ, "signature", true, "The signature for the pubkey and leaf hash combination",
                       {Res{Res::Type::STR, "pubkey", "The x-only pubkey for this signature"},
                        Res{Res::Type::STR, "leaf_hash", "The leaf hash for this signature"},
                        Res{Res::Type::STR, "sig", "The signature itself"}}}}},
              Res{Res::Type::ARR, "taproot_scripts", true, "",
                  {Res{Res::Type::OBJ, "", "",
                       {Res{Res::Type::STR_HEX, "script", "A leaf script"},
                        Res{Res::Type::NUM, "leaf_ver", "The version number for the leaf script"},
                        Res{Res::Type::ARR, "control_blocks", "The control blocks for this script",
                            {Res{Res::Type::STR_HEX, "control_block",
                                 "A hex-encoded control block for this script"}}}}}}},
              TapDerivsDoc(),
              Res{Res::Type::STR_HEX, "taproot_internal_key", true, "The hex-encoded Taproot x-only internal key"},
              Res{Res::Type::STR_HEX, "taproot_merkle_root", true, "The hex-encoded Taproot merkle root"},
              MuSigParticipantsDoc(),
              Res{Res::Type::ARR, "musig2_pubnonces", true, "",
                  {musig_entry("pubnonce", "pubnonce", "The public nonce itself.")}},
              Res{Res::Type::ARR, "musig2_partial_sigs", true, "",
                  {musig_entry("partial signature", "partial_sig", "The partial signature itself.")}},
              Res{Res::Type::OBJ_DYN, "unknown", true, "The unknown input fields",
                  {Res{Res::Type::STR_HEX, "key", "(key-value pair) An unknown key-value pair"}}},
              Res{Res::Type::ARR, "proprietary", true, "The input proprietary map", ProprietaryDoc()}}}}};
}

Res DecodePsbtOutputsDoc()
{
    return Res{
        Res::Type::ARR, "outputs", "",
        {Res{Res::Type::OBJ, "", "",
             {ScriptDoc("redeem_script", "redeem script"),
              ScriptDoc("witness_script", "witness script"),
              Res{Res::Type::ARR, "bip32_derivs", true, "",
                  {Res{Res::Type::OBJ, "", "",
                       {Res{Res::Type::STR, "pubkey", "The public key this path corresponds to"},
                        Res{Res::Type::STR, "master_fingerprint", "The fingerprint of the master key"},
                        Res{Res::Type::STR, "path", "The path"}}}}},
              Res{Res::Type::NUM, "amount", true, "The amount (nValue) for this output"},
              Res{Res::Type::OBJ, "script", true, "The output script (scriptPubKey) for this output",
                  ElideGroup(ScriptPubKeyDoc(),
                             "The layout is the same as the output of scriptPubKeys in decoderawtransaction.")},
              Res{Res::Type::STR_HEX, "taproot_internal_key", true, "The hex-encoded Taproot x-only internal key"},
              Res{Res::Type::ARR, "taproot_tree", true,
                  "The tuples that make up the Taproot tree, in depth first search order",
                  {Res{Res::Type::OBJ, "tuple", true, "A single leaf script in the taproot tree",
                       {Res{Res::Type::NUM, "depth", "The depth of this element in the tree"},
                        Res{Res::Type::NUM, "leaf_ver", "The version of this leaf"},
                        Res{Res::Type::STR, "script", "The hex-encoded script itself"}}}}},
              TapDerivsDoc(),
              MuSigParticipantsDoc(),
              Res{Res::Type::OBJ_DYN, "unknown", true, "The unknown output fields",
                  {Res{Res::Type::STR_HEX, "key", "(key-value pair) An unknown key-value pair"}}},
              Res{Res::Type::ARR, "proprietary", true, "The output proprietary map", ProprietaryDoc()}}}}};
}

std::vector<Res> DecodePsbtDoc()
{
    return {Res{
        Res::Type::OBJ, "", "",
        {Res{Res::Type::OBJ, "tx", true, "The decoded network-serialized unsigned transaction.",
             ElideGroup(TxDoc(), LAYOUT_AS_DECODERAWTX)},
         Res{Res::Type::ARR, "global_xpubs", "",
             {Res{Res::Type::OBJ, "", "",
                  {Res{Res::Type::STR, "xpub", "The extended public key this path corresponds to"},
                   Res{Res::Type::STR_HEX, "master_fingerprint", "The fingerprint of the master key"},
                   Res{Res::Type::STR, "path", "The path"}}}}},
         Res{Res::Type::NUM, "tx_version", true,
             "The version number of the unsigned transaction. Not to be confused with PSBT version"},
         Res{Res::Type::NUM, "fallback_locktime", true,
             "The locktime to fallback to if no inputs specify a required locktime."},
         Res{Res::Type::NUM, "input_count", true, "The number of inputs in this psbt"},
         Res{Res::Type::NUM, "output_count", true, "The number of outputs in this psbt."},
         Res{Res::Type::BOOL, "inputs_modifiable", true, "Whether inputs can be modified"},
         Res{Res::Type::BOOL, "outputs_modifiable", true, "Whether outputs can be modified"},
         Res{Res::Type::BOOL, "has_sighash_single", true, "Whether this PSBT has SIGHASH_SINGLE inputs"},
         Res{Res::Type::NUM, "psbt_version", true,
             "The PSBT version number. Not to be confused with the unsigned transaction version"},
         Res{Res::Type::ARR, "proprietary", "The global proprietary map", ProprietaryDoc()},
         Res{Res::Type::OBJ_DYN, "unknown", "The unknown global fields",
             {Res{Res::Type::STR_HEX, "key", "(key-value pair) An unknown key-value pair"}}},
         DecodePsbtInputsDoc(),
         DecodePsbtOutputsDoc(),
         Res{Res::Type::STR_AMOUNT, "fee", true,
             "The transaction fee paid if all UTXOs slots in the PSBT have been filled."}}}};
}

RpcMethod DecodePsbt(Chain chain)
{
    return RpcMethod{
        "decodepsbt",
        "Return a JSON object representing the serialized, base64-encoded partially signed Bitcoin transaction.",
        {Arg{"psbt", Arg::Type::STR, Arg::Optional::NO, "The PSBT base64 string"}},
        DecodePsbtDoc(),
        HelpExampleCli("decodepsbt", "\"psbt\""),
        [chain](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            return DecodePsbtJson(DecodeOrThrow(Param(req, 0)), chain);
        }};
}

RpcMethod AnalyzePsbtRpc()
{
    return RpcMethod{
        "analyzepsbt",
        "Analyzes and provides information about the current status of a PSBT and its inputs\n",
        {Arg{"psbt", Arg::Type::STR, Arg::Optional::NO, "A base64 string of a PSBT"}},
        {Res{Res::Type::OBJ, "", "",
             {Res{Res::Type::ARR, "inputs", true, "",
                  {Res{Res::Type::OBJ, "", "",
                       {Res{Res::Type::BOOL, "has_utxo", "Whether a UTXO is provided"},
                        Res{Res::Type::BOOL, "is_final", "Whether the input is finalized"},
                        Res{Res::Type::OBJ, "missing", true,
                            "Things that are missing that are required to complete this input",
                            {Res{Res::Type::ARR, "pubkeys", true, "",
                                 {Res{Res::Type::STR_HEX, "keyid",
                                      "Public key ID, hash160 of the public key, of a public key whose BIP 32 "
                                      "derivation path is missing"}}},
                             Res{Res::Type::ARR, "signatures", true, "",
                                 {Res{Res::Type::STR_HEX, "keyid",
                                      "Public key ID, hash160 of the public key, of a public key whose signature is "
                                      "missing"}}},
                             Res{Res::Type::STR_HEX, "redeemscript", true, "Hash160 of the redeem script that is missing"},
                             Res{Res::Type::STR_HEX, "witnessscript", true, "SHA256 of the witness script that is missing"}}},
                        Res{Res::Type::STR, "next", true, "Role of the next person that this input needs to go to"}}}}},
              Res{Res::Type::NUM, "estimated_vsize", true, "Estimated vsize of the final signed transaction"},
              Res{Res::Type::STR_AMOUNT, "estimated_feerate", true,
                  "Estimated feerate of the final signed transaction in BTC/kvB. Shown only if all UTXO slots in the "
                  "PSBT have been filled"},
              Res{Res::Type::STR_AMOUNT, "fee", true,
                  "The transaction fee paid. Shown only if all UTXO slots in the PSBT have been filled"},
              Res{Res::Type::STR, "next", "Role of the next person that this psbt needs to go to"},
              Res{Res::Type::STR, "error", true, "Error message (if there is one)"}}}},
        HelpExampleCli("analyzepsbt", "\"psbt\""),
        [](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            return AnalyzePsbtJson(DecodeOrThrow(Param(req, 0)));
        }};
}

RpcMethod CombinePsbt()
{
    return RpcMethod{
        "combinepsbt",
        "Combine multiple partially signed Bitcoin transactions into one transaction.\n"
        "Implements the Combiner role.\n",
        {Arg{"txs", Arg::Type::ARR, Arg::Optional::NO, "The base64 strings of partially signed transactions",
             {Arg{"psbt", Arg::Type::STR, Arg::Optional::OMITTED, "A base64 string of a PSBT"}}}},
        {Res{Res::Type::STR, "", "The base64-encoded partially signed transaction"}},
        HelpExampleCli("combinepsbt", R"('["mybase64_1", "mybase64_2", "mybase64_3"]')"),
        [](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            const JsonValue& txs = JsonGetArray(Param(req, 0));
            if (txs.size() == 0) throw RpcError(RPC_INVALID_PARAMETER, "Parameter 'txs' cannot be empty");
            std::vector<Psbt> psbts;
            for (const JsonValue& t : txs.values()) psbts.push_back(DecodeOrThrow(t));
            auto merged = CombinePsbts(psbts);
            if (!merged) throw RpcError(RPC_INVALID_PARAMETER, "PSBTs not compatible (different transactions)");
            return EncodeBase64Psbt(*merged);
        }};
}

RpcMethod FinalizePsbtRpc()
{
    return RpcMethod{
        "finalizepsbt",
        "Finalize the inputs of a PSBT. If the transaction is fully signed, it will produce a\n"
        "network serialized transaction which can be broadcast with sendrawtransaction. Otherwise a PSBT will be\n"
        "created which has the final_scriptSig and final_scriptwitness fields filled for inputs that are complete.\n"
        "Implements the Finalizer and Extractor roles.\n",
        {Arg{"psbt", Arg::Type::STR, Arg::Optional::NO, "A base64 string of a PSBT"},
         Arg{"extract", Arg::Type::BOOL, Arg::Default{JsonValue(true)},
             "If true and the transaction is complete,\n"
             "                             extract and return the complete transaction in normal network "
             "serialization instead of the PSBT."}},
        {Res{Res::Type::OBJ, "", "",
             {Res{Res::Type::STR, "psbt", true, "The base64-encoded partially signed transaction if not extracted"},
              Res{Res::Type::STR_HEX, "hex", true, "The hex-encoded network transaction if extracted"},
              Res{Res::Type::BOOL, "complete", "If the transaction has a complete set of signatures"}}}},
        HelpExampleCli("finalizepsbt", "\"psbt\""),
        [](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            Psbt psbt = DecodeOrThrow(Param(req, 0));
            const bool extract = Param(req, 1).IsNull() || JsonGetBool(Param(req, 1));
            MutableTransaction mtx;
            const bool complete = FinalizeAndExtractPsbt(psbt, mtx);
            JsonValue result = JsonValue::Object();
            if (complete && extract) {
                result.PushKV("hex", HexStr(EncodeTransaction(mtx, true)));
            } else {
                result.PushKV("psbt", EncodeBase64Psbt(psbt));
            }
            result.PushKV("complete", complete);
            return result;
        }};
}

RpcMethod CreatePsbt(const RpcTable* table)
{
    std::vector<Arg> args = CreateTxArgs();
    args.push_back(Arg{"psbt_version", Arg::Type::NUM, Arg::Default{JsonValue(2)}, "The PSBT version number to use."});
    return RpcMethod{
        "createpsbt",
        "Creates a transaction in the Partially Signed Transaction format.\n"
        "Implements the Creator role.\n"
        "Note that the transaction's inputs are not signed, and\n"
        "it is not stored in the wallet or transmitted to the network.\n",
        std::move(args),
        {Res{Res::Type::STR, "", "The resulting raw transaction (base64-encoded string)"}},
        HelpExampleCli("createpsbt", "\"[{\\\"txid\\\":\\\"myid\\\",\\\"vout\\\":0}]\" \"[{\\\"address\\\":0.01}]\""),
        [table](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            // The transaction is built exactly as createrawtransaction builds it (Core's ConstructTransaction).
            JsonRpcRequest raw;
            raw.method = "createrawtransaction";
            raw.params = JsonValue::Array();
            for (size_t i = 0; i < 5; ++i) raw.params.PushBack(Param(req, i));
            while (raw.params.size() > 0 && raw.params.values().back().IsNull()) {
                JsonValue trimmed = JsonValue::Array();
                for (size_t i = 0; i + 1 < raw.params.size(); ++i) trimmed.PushBack(raw.params[i]);
                raw.params = std::move(trimmed);
            }
            const JsonValue hex = table->Execute(raw);
            auto tx = DecodeTransaction(ParseHex(hex.GetValStr()), false, true);
            if (!tx) throw RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed");
            const uint32_t psbt_version = PsbtVersionArg(Param(req, 5));
            return EncodeBase64Psbt(Psbt(*tx, psbt_version));
        }};
}

RpcMethod ConvertToPsbt()
{
    return RpcMethod{
        "converttopsbt",
        "Converts a network serialized transaction to a PSBT. This should be used only with createrawtransaction "
        "and fundrawtransaction\n"
        "createpsbt and walletcreatefundedpsbt should be used for new applications.\n",
        {Arg{"hexstring", Arg::Type::STR_HEX, Arg::Optional::NO, "The hex string of a raw transaction"},
         Arg{"permitsigdata", Arg::Type::BOOL, Arg::Default{JsonValue(false)},
             "If true, any signatures in the input will be discarded and conversion\n"
             "                              will continue. If false, RPC will fail if any signatures are present."},
         Arg{"iswitness", Arg::Type::BOOL, Arg::DefaultHint{"depends on heuristic tests"},
             "Whether the transaction hex is a serialized witness transaction.\n"
             "If iswitness is not present, heuristic tests will be used in decoding.\n"
             "If true, only witness deserialization will be tried.\n"
             "If false, only non-witness deserialization will be tried.\n"
             "This boolean should reflect whether the transaction has inputs\n"
             "(e.g. fully valid, or on-chain transactions), if known by the caller."},
         Arg{"psbt_version", Arg::Type::NUM, Arg::Default{JsonValue(2)}, "The PSBT version number to use."}},
        {Res{Res::Type::STR, "", "The resulting raw transaction (base64-encoded string)"}},
        "\nCreate a transaction\n" +
            HelpExampleCli("createrawtransaction",
                           "\"[{\\\"txid\\\":\\\"myid\\\",\\\"vout\\\":0}]\" \"[{\\\"data\\\":\\\"00010203\\\"}]\"") +
            "\nConvert the transaction to a PSBT\n" + HelpExampleCli("converttopsbt", "\"rawtransaction\""),
        [](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            const bool permitsigdata = Param(req, 1).IsNull() ? false : JsonGetBool(Param(req, 1));
            const bool witness_specified = !Param(req, 2).IsNull();
            const bool iswitness = witness_specified ? JsonGetBool(Param(req, 2)) : false;
            const bool try_witness = witness_specified ? iswitness : true;
            const bool try_no_witness = witness_specified ? !iswitness : true;
            const std::string& hex = JsonGetStr(Param(req, 0));
            auto bytes = TryParseHex(hex);
            Decoded<MutableTransaction> tx;
            if (bytes) tx = DecodeTransaction(*bytes, try_no_witness, try_witness);
            if (!bytes || !tx) throw RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed");
            for (TxIn& in : tx->vin) {
                if ((!in.script_sig.empty() || !in.witness.IsNull()) && !permitsigdata) {
                    throw RpcError(RPC_DESERIALIZATION_ERROR, "Inputs must not have scriptSigs and scriptWitnesses");
                }
                in.script_sig.clear();
                in.witness.stack.clear();
            }
            const uint32_t psbt_version = PsbtVersionArg(Param(req, 3));
            return EncodeBase64Psbt(Psbt(*tx, psbt_version));
        }};
}

RpcMethod JoinPsbts()
{
    return RpcMethod{
        "joinpsbts",
        "Joins multiple distinct version 0 PSBTs with different inputs and outputs into one version 0 PSBT with "
        "inputs and outputs from all of the PSBTs\n"
        "No input in any of the PSBTs can be in more than one of the PSBTs.\n",
        {Arg{"txs", Arg::Type::ARR, Arg::Optional::NO, "The base64 strings of partially signed transactions",
             {Arg{"psbt", Arg::Type::STR, Arg::Optional::NO, "A base64 string of a PSBT"}}}},
        {Res{Res::Type::STR, "", "The base64-encoded partially signed transaction"}},
        HelpExampleCli("joinpsbts", "\"psbt\""),
        [](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            const JsonValue& txs = JsonGetArray(Param(req, 0));
            if (txs.size() <= 1) {
                throw RpcError(RPC_INVALID_PARAMETER, "At least two PSBTs are required to join PSBTs.");
            }
            std::vector<Psbt> psbts;
            uint32_t best_version = 1;
            uint32_t best_locktime = 0xffffffff;
            for (const JsonValue& t : txs.values()) {
                psbts.push_back(DecodeOrThrow(t));
                const Psbt& p = psbts.back();
                if (p.GetVersion() != 0) {
                    throw RpcError(RPC_INVALID_PARAMETER, "joinpsbts only operates on version 0 PSBTs");
                }
                best_version = std::max(best_version, p.tx_version);
                best_locktime = std::min(best_locktime, p.fallback_locktime.value_or(0));
            }
            MutableTransaction tx;
            tx.version = static_cast<int32_t>(best_version);
            tx.lock_time = best_locktime;
            Psbt merged(tx, psbts.at(0).GetVersion());
            // An explicit v0 marker would add PSBT_GLOBAL_VERSION; Core's v0 PSBTs carry none.
            merged.version.reset();
            for (const Psbt& p : psbts) {
                for (const PsbtInput& in : p.inputs) {
                    if (!merged.AddInput(in)) {
                        throw RpcError(RPC_INVALID_PARAMETER, "Input " + in.prev_txid.GetHex() + ":" +
                                                                  std::to_string(in.prev_out) +
                                                                  " exists in multiple PSBTs");
                    }
                }
                for (const PsbtOutput& out : p.outputs) merged.AddOutput(out);
                for (const auto& [origin, set] : p.xpubs) {
                    for (const auto& x : set) {
                        bool known = std::any_of(merged.xpubs.begin(), merged.xpubs.end(),
                                                 [&](const auto& e) { return e.second.count(x) > 0; });
                        if (!known) merged.xpubs[origin].insert(x);
                    }
                }
                merged.unknown.insert(p.unknown.begin(), p.unknown.end());
            }
            std::vector<size_t> in_idx(merged.inputs.size()), out_idx(merged.outputs.size());
            std::iota(in_idx.begin(), in_idx.end(), 0);
            std::iota(out_idx.begin(), out_idx.end(), 0);
            std::random_device rd;
            std::mt19937_64 rng(rd());
            std::shuffle(in_idx.begin(), in_idx.end(), rng);
            std::shuffle(out_idx.begin(), out_idx.end(), rng);
            Psbt shuffled(tx, merged.GetVersion());
            shuffled.version = merged.version;
            for (size_t i : in_idx) shuffled.AddInput(merged.inputs[i]);
            for (size_t i : out_idx) shuffled.AddOutput(merged.outputs[i]);
            shuffled.unknown.insert(merged.unknown.begin(), merged.unknown.end());
            return EncodeBase64Psbt(shuffled);
        }};
}

RpcMethod UtxoUpdatePsbt(NodeContext& node)
{
    return RpcMethod{
        "utxoupdatepsbt",
        "Updates all segwit inputs and outputs in a PSBT with data from output descriptors, the UTXO set, txindex, "
        "or the mempool.\n",
        {Arg{"psbt", Arg::Type::STR, Arg::Optional::NO, "A base64 string of a PSBT"},
         Arg{"descriptors", Arg::Type::ARR, Arg::Optional::OMITTED, "An array of either strings or objects",
             {Arg{"", Arg::Type::STR, Arg::Optional::OMITTED, "An output descriptor"},
              Arg{"", Arg::Type::OBJ, Arg::Optional::OMITTED, "An object with an output descriptor and extra information",
                  {Arg{"desc", Arg::Type::STR, Arg::Optional::NO, "An output descriptor"},
                   Arg{"range", Arg::Type::RANGE, Arg::Default{JsonValue(1000)},
                       "Up to what index HD chains should be explored (either end or [begin,end])"}}}}}},
        {Res{Res::Type::STR, "", "The base64-encoded partially signed transaction with inputs updated"}},
        HelpExampleCli("utxoupdatepsbt", "\"psbt\""),
        [&node](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            Psbt psbt = DecodeOrThrow(Param(req, 0));
            if (!Param(req, 1).IsNull() && JsonGetArray(Param(req, 1)).size() > 0) {
                // Descriptor evaluation lands with src/descriptor/; until then only the node's data is used.
                throw RpcError(RPC_INVALID_PARAMETER, "Descriptors are not supported yet by this node");
            }
            ChainstateManager& cm = EnsureChainman(node);
            TxMemPool& pool = EnsureMempool(node);
            {
                std::lock_guard lock(cm.Mutex());
                std::lock_guard pool_lock(pool.m_mutex);
                CoinsViewMemPool view(&cm.CoinsTip(), pool);
                for (PsbtInput& in : psbt.inputs) {
                    if (in.non_witness_utxo) continue;
                    // No transaction index: the full previous transaction is found only in the mempool.
                    if (TransactionRef tx = pool.Get(in.prev_txid)) {
                        in.non_witness_utxo = tx;
                        continue;
                    }
                    auto coin = view.GetCoin(in.GetOutPoint());
                    if (!coin || coin->out.IsNull()) continue;
                    int version;
                    std::vector<uint8_t> program;
                    // Core's IsSegWitOutput with no descriptors: only native witness programs qualify.
                    if (coin->out.script_pubkey.IsWitnessProgram(version, program)) in.witness_utxo = coin->out;
                }
            }
            auto txdata = PrecomputePsbtData(psbt);
            PsbtKeyStore none;
            for (unsigned int i = 0; i < psbt.inputs.size(); ++i) {
                if (PsbtInputSigned(psbt.inputs[i])) continue;
                if (txdata && SignPsbtInput(none, psbt, i, &*txdata, std::nullopt, false) == PsbtError::SIGHASH_MISMATCH) {
                    throw RpcError(RPC_DESERIALIZATION_ERROR, "Specified sighash value does not match value stored in PSBT");
                }
            }
            for (unsigned int i = 0; i < psbt.outputs.size(); ++i) UpdatePsbtOutput(none, psbt, i);
            RemoveUnnecessaryTransactions(psbt);
            return EncodeBase64Psbt(psbt);
        }};
}

}  // namespace

void RegisterPsbtRpcCommands(RpcTable& table, Chain chain)
{
    table.Register("rawtransactions", DecodePsbt(chain));
    table.Register("rawtransactions", AnalyzePsbtRpc());
    table.Register("rawtransactions", CombinePsbt());
    table.Register("rawtransactions", FinalizePsbtRpc());
    table.Register("rawtransactions", CreatePsbt(&table));
    table.Register("rawtransactions", ConvertToPsbt());
    table.Register("rawtransactions", JoinPsbts());
}

void RegisterPsbtNodeRpcCommands(RpcTable& table, NodeContext& node)
{
    table.Register("rawtransactions", UtxoUpdatePsbt(node));
}
