// Chainstate-free raw transaction and script commands with Core's output and error messages.
#include "rpc/rawtransaction.h"

#include "address/destination.h"
#include "crypto/hash.h"
#include "crypto/pubkey.h"
#include "json/core_json.h"
#include "json/descriptor_infer.h"
#include "rpc/protocol.h"
#include "rpc/util.h"
#include "script/descriptor_checksum.h"
#include "script/solver.h"
#include "util/hex.h"

namespace {
using Arg = RpcArg;
using Res = RpcResult;

constexpr uint32_t MAX_BIP125_RBF_SEQUENCE = 0xfffffffd;
constexpr int32_t DEFAULT_RAWTX_VERSION = 2;
constexpr int64_t TX_MIN_STANDARD_VERSION = 1;
constexpr int64_t TX_MAX_STANDARD_VERSION = 3;

// Descriptor Core infers for a P2WSH output when the witness script is known: wsh(multi(..)) / wsh(pk(..)) for
// compressed-key scripts, otherwise the plain inference (addr(..)).
std::string InferWithWitnessScript(const Script& segwit_script, const Script& witness_script, Chain chain)
{
    std::vector<std::vector<uint8_t>> sol;
    const TxoutType type = Solver(witness_script, sol);
    auto compressed = [](const std::vector<uint8_t>& k) { return k.size() == 33 && (k[0] == 2 || k[0] == 3); };
    if (type == TxoutType::PUBKEY && compressed(sol[0])) return AddDescriptorChecksum("wsh(pk(" + HexStr(sol[0]) + "))");
    if (type == TxoutType::MULTISIG) {
        std::string keys;
        for (size_t i = 1; i + 1 < sol.size(); ++i) {
            if (!compressed(sol[i])) return InferDescriptorString(segwit_script, chain);
            keys += "," + HexStr(sol[i]);
        }
        return AddDescriptorChecksum("wsh(multi(" + std::to_string(int(sol[0][0])) + keys + "))");
    }
    return InferDescriptorString(segwit_script, chain);
}

Script P2shFor(const Script& s)
{
    return GetScriptForDestination(ScriptHash{Hash160(s.bytes())});
}

Script P2wshFor(const Script& s)
{
    return GetScriptForDestination(WitnessV0ScriptHash{Sha256Hash(s.bytes())});
}

RpcMethod DecodeRawTransaction(Chain chain)
{
    return RpcMethod{
        "decoderawtransaction",
        "Return a JSON object representing the serialized, hex-encoded transaction.",
        {
            Arg{"hexstring", Arg::Type::STR_HEX, Arg::Optional::NO, "The transaction hex string"},
            Arg{"iswitness", Arg::Type::BOOL, Arg::DefaultHint{"depends on heuristic tests"},
                "Whether the transaction hex is a serialized witness transaction.\n"
                "If iswitness is not present, heuristic tests will be used in decoding.\n"
                "If true, only witness deserialization will be tried.\n"
                "If false, only non-witness deserialization will be tried.\n"
                "This boolean should reflect whether the transaction has inputs\n"
                "(e.g. fully valid, or on-chain transactions), if known by the caller."},
        },
        {Res{Res::Type::OBJ, "", "", TxDoc()}},
        HelpExampleCli("decoderawtransaction", "\"hexstring\"") + HelpExampleRpc("decoderawtransaction", "\"hexstring\""),
        [chain](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            const bool has_flag = req.params.size() > 1 && !req.params[1].IsNull();
            const bool try_witness = has_flag ? JsonGetBool(req.params[1]) : true;
            const bool try_no_witness = has_flag ? !JsonGetBool(req.params[1]) : true;
            const std::string& hex = JsonGetStr(req.params[0]);
            auto bytes = TryParseHex(hex);
            if (!bytes || !IsHex(hex)) throw RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed");
            auto decoded = DecodeTransaction(*bytes, try_no_witness, try_witness);
            if (!decoded) throw RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed");
            JsonValue result = JsonValue::Object();
            TxToJson(Transaction(std::move(*decoded.value)), uint256(), result, chain, false);
            return result;
        }};
}

RpcMethod DecodeScript(Chain chain)
{
    return RpcMethod{
        "decodescript",
        "Decode a hex-encoded script.\n",
        {Arg{"hexstring", Arg::Type::STR_HEX, Arg::Optional::NO, "the hex-encoded script"}},
        {Res{Res::Type::OBJ, "", "",
             {
                 Res{Res::Type::STR, "asm", "Disassembly of the script"},
                 Res{Res::Type::STR, "desc", "Inferred descriptor for the script"},
                 Res{Res::Type::STR, "type", "The output type (e.g. " + GetAllOutputTypes() + ")"},
                 Res{Res::Type::STR, "address", true, "The Bitcoin address (only if a well-defined address exists)"},
                 Res{Res::Type::STR, "p2sh", true,
                     "address of P2SH script wrapping this redeem script (not returned for types that should not be "
                     "wrapped)"},
                 Res{Res::Type::OBJ, "segwit", true,
                     "Result of a witness output script wrapping this redeem script (not returned for types that "
                     "should not be wrapped)",
                     {
                         Res{Res::Type::STR, "asm", "Disassembly of the output script"},
                         Res{Res::Type::STR_HEX, "hex", "The raw output script bytes, hex-encoded"},
                         Res{Res::Type::STR, "type",
                             "The type of the output script (e.g. witness_v0_keyhash or witness_v0_scripthash)"},
                         Res{Res::Type::STR, "address", true,
                             "The Bitcoin address (only if a well-defined address exists)"},
                         Res{Res::Type::STR, "desc", "Inferred descriptor for the script"},
                         Res{Res::Type::STR, "p2sh-segwit",
                             "address of the P2SH script wrapping this witness redeem script"},
                     }},
             }}},
        HelpExampleCli("decodescript", "\"hexstring\"") + HelpExampleRpc("decodescript", "\"hexstring\""),
        [chain](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            JsonValue r = JsonValue::Object();
            Script script;
            if (!JsonGetStr(req.params[0]).empty()) script = Script(ParseHexV(req.params[0], "argument"));
            ScriptToJson(script, r, false, true, chain);

            std::vector<std::vector<uint8_t>> solutions;
            const TxoutType type = Solver(script, solutions);
            bool can_wrap = false;
            switch (type) {
            case TxoutType::MULTISIG:
            case TxoutType::NONSTANDARD:
            case TxoutType::PUBKEY:
            case TxoutType::PUBKEYHASH:
            case TxoutType::WITNESS_V0_KEYHASH:
            case TxoutType::WITNESS_V0_SCRIPTHASH: can_wrap = true; break;
            default: can_wrap = false;
            }
            if (can_wrap && (!script.HasValidOps() || script.IsUnspendable())) can_wrap = false;
            if (can_wrap) {
                // Tapscript-only opcodes make a script unfit for P2SH/P2WSH wrapping.
                size_t pc = 0;
                opcodetype op;
                while (pc < script.size() && script.GetOp(pc, op)) {
                    if (op == OP_CHECKSIGADD || IsOpSuccess(op)) {
                        can_wrap = false;
                        break;
                    }
                }
            }
            if (!can_wrap) return r;
            Destination p2sh_dest;
            ExtractDestination(P2shFor(script), p2sh_dest);
            r.PushKV("p2sh", EncodeDestination(p2sh_dest, chain));

            bool can_wrap_p2wsh = false;
            switch (type) {
            case TxoutType::MULTISIG:
            case TxoutType::PUBKEY:
                // Uncompressed keys cannot be used in segwit.
                can_wrap_p2wsh = true;
                for (const auto& s : solutions) {
                    if (s.size() != 1 && !PubKey(s).IsCompressed()) can_wrap_p2wsh = false;
                }
                break;
            case TxoutType::NONSTANDARD:
            case TxoutType::PUBKEYHASH: can_wrap_p2wsh = true; break;
            default: can_wrap_p2wsh = false;
            }
            if (!can_wrap_p2wsh) return r;
            Script segwit;
            std::string desc;
            if (type == TxoutType::PUBKEY) {
                segwit = GetScriptForDestination(WitnessV0KeyHash{Hash160(solutions[0])});
                desc = InferDescriptorString(segwit, chain);
            } else if (type == TxoutType::PUBKEYHASH) {
                uint160 h;
                std::copy(solutions[0].begin(), solutions[0].end(), h.begin());
                segwit = GetScriptForDestination(WitnessV0KeyHash{h});
                desc = InferDescriptorString(segwit, chain);
            } else {
                segwit = P2wshFor(script);
                desc = InferWithWitnessScript(segwit, script, chain);
            }
            JsonValue sr = JsonValue::Object();
            JsonValue tmp = JsonValue::Object();
            ScriptToJson(segwit, tmp, true, true, chain);
            // Same fields as ScriptToJson, with the descriptor that knows the witness script.
            for (size_t i = 0; i < tmp.keys().size(); ++i) {
                sr.PushKV(tmp.keys()[i], tmp.keys()[i] == "desc" ? JsonValue(desc) : tmp.values()[i]);
            }
            Destination nested;
            ExtractDestination(P2shFor(segwit), nested);
            sr.PushKV("p2sh-segwit", EncodeDestination(nested, chain));
            r.PushKV("segwit", std::move(sr));
            return r;
        }};
}

RpcMethod CreateRawTransaction(Chain chain)
{
    std::vector<Arg> args{
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
            [] {
                RpcArgOptions o;
                o.skip_type_check = true;
                return o;
            }()},
        Arg{"locktime", Arg::Type::NUM, Arg::Default{JsonValue(0)}, "Raw locktime. Non-0 value also locktime-activates inputs"},
        Arg{"replaceable", Arg::Type::BOOL, Arg::Default{JsonValue(true)},
            "Marks this transaction as BIP125-replaceable.\n"
            "Allows this transaction to be replaced by a transaction with higher fees. If provided, it is an error "
            "if explicit sequence numbers are incompatible."},
        Arg{"version", Arg::Type::NUM, Arg::Default{JsonValue(DEFAULT_RAWTX_VERSION)}, "Transaction version"},
    };
    return RpcMethod{
        "createrawtransaction",
        "Create a transaction spending the given inputs and creating new outputs.\n"
        "Outputs can be addresses or data.\n"
        "Returns hex-encoded raw transaction.\n"
        "Note that the transaction's inputs are not signed, and\n"
        "it is not stored in the wallet or transmitted to the network.\n",
        std::move(args),
        {Res{Res::Type::STR_HEX, "transaction", "hex string of the transaction"}},
        HelpExampleCli("createrawtransaction",
                       "\"[{\\\"txid\\\":\\\"myid\\\",\\\"vout\\\":0}]\" \"[{\\\"address\\\":0.01}]\"") +
            HelpExampleCli("createrawtransaction",
                           "\"[{\\\"txid\\\":\\\"myid\\\",\\\"vout\\\":0}]\" \"[{\\\"data\\\":\\\"00010203\\\"}]\"") +
            HelpExampleRpc("createrawtransaction",
                           "\"[{\\\"txid\\\":\\\"myid\\\",\\\"vout\\\":0}]\", \"[{\\\"address\\\":0.01}]\"") +
            HelpExampleRpc("createrawtransaction",
                           "\"[{\\\"txid\\\":\\\"myid\\\",\\\"vout\\\":0}]\", \"[{\\\"data\\\":\\\"00010203\\\"}]\""),
        [chain](const RpcMethod& self, const JsonRpcRequest& req) -> JsonValue {
            auto param = [&](size_t i) -> const JsonValue& {
                static const JsonValue null_value;
                return i < req.params.size() ? req.params[i] : null_value;
            };
            std::optional<bool> rbf;
            if (!param(3).IsNull()) rbf = JsonGetBool(param(3));
            const int64_t version64 = JsonGetInt64(*ArgOrDefault(self, req, 4));
            if (version64 < 0 || version64 > UINT32_MAX) throw std::runtime_error("JSON integer out of range");
            MutableTransaction tx;
            if (!param(2).IsNull()) {
                const int64_t lt = JsonGetInt64(param(2));
                if (lt < 0 || lt > 0xffffffffLL) {
                    throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, locktime out of range");
                }
                tx.lock_time = static_cast<uint32_t>(lt);
            }
            if (version64 < TX_MIN_STANDARD_VERSION || version64 > TX_MAX_STANDARD_VERSION) {
                throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, version out of range(" +
                                                          std::to_string(TX_MIN_STANDARD_VERSION) + "~" +
                                                          std::to_string(TX_MAX_STANDARD_VERSION) + ")");
            }
            tx.version = static_cast<int32_t>(static_cast<uint32_t>(version64));
            // Inputs.
            const JsonValue inputs = param(0).IsNull() ? JsonValue::Array() : JsonGetArray(param(0));
            for (const JsonValue& input : inputs.values()) {
                const JsonValue& o = JsonGetObject(input);
                const uint256 txid = ParseHashO(o, "txid");
                const JsonValue& vout_v = o["vout"];
                if (!vout_v.IsNum()) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, missing vout key");
                const int n = JsonGetInt(vout_v);
                if (n < 0) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, vout cannot be negative");
                uint32_t sequence;
                if (rbf.value_or(true)) {
                    sequence = MAX_BIP125_RBF_SEQUENCE;
                } else if (tx.lock_time) {
                    sequence = TxIn::MAX_SEQUENCE_NONFINAL;
                } else {
                    sequence = TxIn::SEQUENCE_FINAL;
                }
                const JsonValue& seq = o["sequence"];
                if (seq.IsNum()) {
                    const int64_t s = JsonGetInt64(seq);
                    if (s < 0 || s > TxIn::SEQUENCE_FINAL) {
                        throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, sequence number is out of range");
                    }
                    sequence = static_cast<uint32_t>(s);
                }
                TxIn in;
                in.prevout = OutPoint(txid, static_cast<uint32_t>(n));
                in.sequence = sequence;
                tx.vin.push_back(std::move(in));
            }
            // Outputs: an object, or an array of one-key objects.
            const JsonValue& outputs_in = param(1);
            if (outputs_in.IsNull()) {
                throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, output argument must be non-null");
            }
            JsonValue outputs = JsonValue::Object();
            if (outputs_in.IsObject()) {
                outputs = outputs_in;
            } else {
                for (const JsonValue& output : JsonGetArray(outputs_in).values()) {
                    if (!output.IsObject()) {
                        throw RpcError(RPC_INVALID_PARAMETER,
                                       "Invalid parameter, key-value pair not an object as expected");
                    }
                    if (output.size() != 1) {
                        throw RpcError(RPC_INVALID_PARAMETER,
                                       "Invalid parameter, key-value pair must contain exactly one key");
                    }
                    // UniValue::pushKVs replaces an existing key's value in place.
                    JsonValue merged = JsonValue::Object();
                    bool replaced = false;
                    for (size_t i = 0; i < outputs.size(); ++i) {
                        if (outputs.keys()[i] == output.keys()[0]) {
                            merged.PushKV(outputs.keys()[i], output.values()[0]);
                            replaced = true;
                        } else {
                            merged.PushKV(outputs.keys()[i], outputs.values()[i]);
                        }
                    }
                    if (!replaced) merged.PushKV(output.keys()[0], output.values()[0]);
                    outputs = std::move(merged);
                }
            }
            bool has_data = false;
            std::vector<Script> seen;
            for (size_t i = 0; i < outputs.size(); ++i) {
                const std::string& name = outputs.keys()[i];
                const JsonValue& value = outputs.values()[i];
                if (name == "data") {
                    if (has_data) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, duplicate key: data");
                    has_data = true;
                    const std::vector<uint8_t> data = ParseHexV(JsonValue(value.GetValStr()), "Data");
                    Script s;
                    s << OP_RETURN << data;
                    tx.vout.emplace_back(0, std::move(s));
                } else {
                    const Destination dest = DecodeDestination(name, chain);
                    const Amount amount = AmountFromValue(value);
                    if (!IsValidDestination(dest)) {
                        throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Invalid Bitcoin address: " + name);
                    }
                    Script spk = GetScriptForDestination(dest);
                    if (std::find(seen.begin(), seen.end(), spk) != seen.end()) {
                        throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, duplicated address: " + name);
                    }
                    seen.push_back(spk);
                    tx.vout.emplace_back(amount, std::move(spk));
                }
            }
            if (rbf.value_or(false) && !tx.vin.empty()) {
                bool signals = false;
                for (const auto& in : tx.vin) signals |= in.sequence <= MAX_BIP125_RBF_SEQUENCE;
                if (!signals) {
                    throw RpcError(RPC_INVALID_PARAMETER,
                                   "Invalid parameter combination: Sequence number(s) contradict replaceable option");
                }
            }
            return HexStr(EncodeTransaction(tx, true));
        }};
}

JsonValue DescribeAddress(const Destination& dest)
{
    JsonValue obj = JsonValue::Object();
    auto witness = [&](bool isscript, int version, const std::vector<uint8_t>& program) {
        obj.PushKV("isscript", isscript);
        obj.PushKV("iswitness", true);
        obj.PushKV("witness_version", version);
        obj.PushKV("witness_program", HexStr(program));
    };
    if (std::holds_alternative<PKHash>(dest)) {
        obj.PushKV("isscript", false);
        obj.PushKV("iswitness", false);
    } else if (std::holds_alternative<ScriptHash>(dest)) {
        obj.PushKV("isscript", true);
        obj.PushKV("iswitness", false);
    } else if (const auto* k = std::get_if<WitnessV0KeyHash>(&dest)) {
        witness(false, 0, {k->hash.begin(), k->hash.end()});
    } else if (const auto* s = std::get_if<WitnessV0ScriptHash>(&dest)) {
        witness(true, 0, {s->hash.begin(), s->hash.end()});
    } else if (const auto* t = std::get_if<WitnessV1Taproot>(&dest)) {
        witness(true, 1, {t->output_key.begin(), t->output_key.end()});
    } else if (std::holds_alternative<PayToAnchor>(dest)) {
        obj.PushKV("isscript", true);
        obj.PushKV("iswitness", true);
    } else if (const auto* u = std::get_if<WitnessUnknown>(&dest)) {
        obj.PushKV("iswitness", true);
        obj.PushKV("witness_version", static_cast<int>(u->version));
        obj.PushKV("witness_program", HexStr(u->program));
    }
    return obj;
}

RpcMethod ValidateAddress(Chain chain)
{
    return RpcMethod{
        "validateaddress",
        "Return information about the given bitcoin address.\n",
        {Arg{"address", Arg::Type::STR, Arg::Optional::NO, "The bitcoin address to validate"}},
        {Res{Res::Type::OBJ, "", "",
             {
                 Res{Res::Type::BOOL, "isvalid", "If the address is valid or not"},
                 Res{Res::Type::STR, "address", true, "The bitcoin address validated"},
                 Res{Res::Type::STR_HEX, "scriptPubKey", true, "The hex-encoded output script generated by the address"},
                 Res{Res::Type::BOOL, "isscript", true, "If the key is a script"},
                 Res{Res::Type::BOOL, "iswitness", true, "If the address is a witness address"},
                 Res{Res::Type::NUM, "witness_version", true, "The version number of the witness program"},
                 Res{Res::Type::STR_HEX, "witness_program", true, "The hex value of the witness program"},
                 Res{Res::Type::STR, "error", true, "Error message, if any"},
                 Res{Res::Type::ARR, "error_locations", true,
                     "Indices of likely error locations in address, if known (e.g. Bech32 errors)",
                     {Res{Res::Type::NUM, "index", "index of a potential error"}}},
             }}},
        HelpExampleCli("validateaddress", "\"" + EXAMPLE_ADDRESS[0] + "\"") +
            HelpExampleRpc("validateaddress", "\"" + EXAMPLE_ADDRESS[0] + "\""),
        [chain](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
            std::string error;
            const Destination dest = DecodeDestination(JsonGetStr(req.params[0]), chain, &error);
            const bool valid = IsValidDestination(dest);
            JsonValue ret = JsonValue::Object();
            ret.PushKV("isvalid", valid);
            if (valid) {
                ret.PushKV("address", EncodeDestination(dest, chain));
                ret.PushKV("scriptPubKey", HexStr(GetScriptForDestination(dest).bytes()));
                const JsonValue detail = DescribeAddress(dest);
                for (size_t i = 0; i < detail.size(); ++i) ret.PushKV(detail.keys()[i], detail.values()[i]);
            } else {
                // Bech32 error positions are not computed here; Core lists them when it can locate them.
                ret.PushKV("error_locations", JsonValue::Array());
                ret.PushKV("error", error.empty() ? std::string("Invalid address format") : error);
            }
            return ret;
        }};
}

PubKey HexToPubKey(const std::string& hex)
{
    if (!IsHex(hex)) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Pubkey \"" + hex + "\" must be a hex string");
    if (hex.size() != 66 && hex.size() != 130) {
        throw RpcError(RPC_INVALID_ADDRESS_OR_KEY,
                       "Pubkey \"" + hex + "\" must have a length of either 33 or 65 bytes");
    }
    PubKey key(ParseHex(hex));
    if (!key.IsFullyValid()) {
        throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Pubkey \"" + hex + "\" must be cryptographically valid.");
    }
    return key;
}

RpcMethod CreateMultisig(Chain chain)
{
    return RpcMethod{
        "createmultisig",
        "Creates a multi-signature address with n signatures of m keys required.\n"
        "It returns a json object with the address and redeemScript.\n",
        {
            Arg{"nrequired", Arg::Type::NUM, Arg::Optional::NO, "The number of required signatures out of the m keys."},
            Arg{"keys", Arg::Type::ARR, Arg::Optional::NO, "The hex-encoded public keys.",
                {Arg{"key", Arg::Type::STR_HEX, Arg::Optional::OMITTED, "The hex-encoded public key"}}},
            Arg{"address_type", Arg::Type::STR, Arg::Default{JsonValue("legacy")},
                "The address type to use. Options are \"legacy\", \"p2sh-segwit\", and \"bech32\"."},
        },
        {Res{Res::Type::OBJ, "", "",
             {
                 Res{Res::Type::STR, "address", "The value of the new multisig address."},
                 Res{Res::Type::STR_HEX, "redeemScript", "The string value of the hex-encoded redemption script."},
                 Res{Res::Type::STR, "descriptor", "The descriptor for this multisig"},
                 Res{Res::Type::ARR, "warnings", true, "Any warnings resulting from the creation of this multisig",
                     {Res{Res::Type::STR, "", ""}}},
             }}},
        "\nCreate a multisig address from 2 public keys\n" +
            HelpExampleCli("createmultisig",
                           "2 \"[\\\"03789ed0bb717d88f7d321a368d905e7430207ebbd82bd342cf11ae157a7ace5fd\\\","
                           "\\\"03dbc6764b8884a92e871274b87583e6d5c2a58819473e17e107ef3f6aa5a61626\\\"]\"") +
            "\nAs a JSON-RPC call\n" +
            HelpExampleRpc("createmultisig",
                           "2, [\"03789ed0bb717d88f7d321a368d905e7430207ebbd82bd342cf11ae157a7ace5fd\","
                           "\"03dbc6764b8884a92e871274b87583e6d5c2a58819473e17e107ef3f6aa5a61626\"]"),
        [chain](const RpcMethod& self, const JsonRpcRequest& req) -> JsonValue {
            const int required = JsonGetInt(req.params[0]);
            std::vector<std::vector<uint8_t>> keys;
            bool all_compressed = true;
            for (const JsonValue& k : JsonGetArray(req.params[1]).values()) {
                const PubKey pk = HexToPubKey(JsonGetStr(k));
                all_compressed &= pk.IsCompressed();
                keys.push_back(ParseHex(k.GetValStr()));
            }
            const std::string type = JsonGetStr(*ArgOrDefault(self, req, 2));
            if (type == "bech32m") {
                throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "createmultisig cannot create bech32m multisig addresses");
            }
            if (type != "legacy" && type != "p2sh-segwit" && type != "bech32") {
                throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Unknown address type '" + type + "'");
            }
            if (required < 1) {
                throw RpcError(RPC_INVALID_PARAMETER, "a multisignature address must require at least one key to redeem");
            }
            if (static_cast<int>(keys.size()) < required) {
                throw RpcError(RPC_INVALID_PARAMETER, "not enough keys supplied (got " + std::to_string(keys.size()) +
                                                          " keys, but need at least " + std::to_string(required) +
                                                          " to redeem)");
            }
            if (keys.size() > static_cast<size_t>(MAX_PUBKEYS_PER_MULTISIG)) {
                throw RpcError(RPC_INVALID_PARAMETER, "Number of keys involved in the multisignature address creation > " +
                                                          std::to_string(MAX_PUBKEYS_PER_MULTISIG) + "\nReduce the number");
            }
            const Script inner = GetScriptForMultisig(required, keys);
            // Uncompressed keys force a legacy (P2SH) address.
            const std::string effective = all_compressed ? type : "legacy";
            if (effective == "legacy" && inner.size() > MAX_SCRIPT_ELEMENT_SIZE) {
                throw RpcError(RPC_INVALID_PARAMETER, "redeemScript exceeds size limit: " + std::to_string(inner.size()) +
                                                          " > " + std::to_string(MAX_SCRIPT_ELEMENT_SIZE));
            }
            std::string multi = "multi(" + std::to_string(required);
            for (const auto& k : keys) multi += "," + HexStr(k);
            multi += ")";
            Script out;
            std::string desc;
            if (effective == "legacy") {
                out = P2shFor(inner);
                desc = "sh(" + multi + ")";
            } else if (effective == "p2sh-segwit") {
                out = P2shFor(P2wshFor(inner));
                desc = "sh(wsh(" + multi + "))";
            } else {
                out = P2wshFor(inner);
                desc = "wsh(" + multi + ")";
            }
            Destination dest;
            ExtractDestination(out, dest);
            JsonValue result = JsonValue::Object();
            result.PushKV("address", EncodeDestination(dest, chain));
            result.PushKV("redeemScript", HexStr(inner.bytes()));
            result.PushKV("descriptor", AddDescriptorChecksum(desc));
            if (effective != type) {
                JsonValue warnings = JsonValue::Array();
                warnings.PushBack("Unable to make chosen address type, please ensure no uncompressed public keys are present.");
                result.PushKV("warnings", std::move(warnings));
            }
            return result;
        }};
}

}  // namespace

void RegisterRawTransactionRpcCommands(RpcTable& table, Chain chain)
{
    table.Register("rawtransactions", DecodeRawTransaction(chain));
    table.Register("rawtransactions", DecodeScript(chain));
    table.Register("rawtransactions", CreateRawTransaction(chain));
    table.Register("util", ValidateAddress(chain));
    table.Register("util", CreateMultisig(chain));
}
