// RPC value conversions with Core's exact error texts.
#include "rpc/util.h"

#include "rpc/protocol.h"
#include "rpc/request.h"
#include "util/hex.h"
#include "util/strencodings.h"

#include <algorithm>

Amount AmountFromValue(const JsonValue& value, int decimals)
{
    if (!value.IsNum() && !value.IsStr()) throw RpcError(RPC_TYPE_ERROR, "Amount is not a number or string");
    const auto amount = ParseFixedPoint(value.GetValStr(), decimals);
    if (!amount) throw RpcError(RPC_TYPE_ERROR, "Invalid amount");
    if (!MoneyRange(*amount)) throw RpcError(RPC_TYPE_ERROR, "Amount out of range");
    return *amount;
}

uint256 ParseHashV(const JsonValue& v, std::string_view name)
{
    const std::string& hex = JsonGetStr(v);
    if (hex.size() == 64 && IsHex(hex)) {
        if (auto h = uint256::FromHex(hex)) return *h;
    }
    if (hex.size() != 64) {
        throw RpcError(RPC_INVALID_PARAMETER, std::string(name) + " must be of length 64 (not " +
                                                  std::to_string(hex.size()) + ", for '" + hex + "')");
    }
    throw RpcError(RPC_INVALID_PARAMETER, std::string(name) + " must be hexadecimal string (not '" + hex + "')");
}

uint256 ParseHashO(const JsonValue& o, std::string_view key)
{
    return ParseHashV(o[key], key);
}

std::vector<uint8_t> ParseHexV(const JsonValue& v, std::string_view name)
{
    std::string hex;
    if (v.IsStr()) hex = v.GetValStr();
    if (!IsHex(hex)) {
        throw RpcError(RPC_INVALID_PARAMETER, std::string(name) + " must be hexadecimal string (not '" + hex + "')");
    }
    return ParseHex(hex);
}

std::vector<uint8_t> ParseHexO(const JsonValue& o, std::string_view key)
{
    return ParseHexV(o[key], key);
}

int ParseVerbosity(const JsonValue& arg, int default_verbosity, bool allow_bool)
{
    if (arg.IsNull()) return default_verbosity;
    if (arg.IsBool()) {
        if (!allow_bool) throw RpcError(RPC_TYPE_ERROR, "Verbosity was boolean but only integer allowed");
        return arg.GetBool() ? 1 : 0;
    }
    return JsonGetInt(arg);
}

void RpcTypeCheckObj(const JsonValue& o, const std::vector<std::pair<std::string, JsonFieldType>>& expected,
                     bool allow_null, bool strict)
{
    for (const auto& [key, t] : expected) {
        const JsonValue& v = o[key];
        if (!allow_null && v.IsNull()) throw RpcError(RPC_TYPE_ERROR, "Missing " + key);
        if (!(t.any || v.type() == t.type || (allow_null && v.IsNull()))) {
            throw RpcError(RPC_TYPE_ERROR, std::string("JSON value of type ") + JsonTypeName(v.type()) +
                                               " for field " + key + " is not of expected type " +
                                               JsonTypeName(t.type));
        }
    }
    if (strict) {
        for (const std::string& k : o.keys()) {
            if (std::none_of(expected.begin(), expected.end(), [&](const auto& e) { return e.first == k; })) {
                throw RpcError(RPC_TYPE_ERROR, "Unexpected key " + k);
            }
        }
    }
}

const std::string EXAMPLE_ADDRESS[2] = {"bc1q09vm5lfy0j5reeulh4x5752q25uqqvz34hufdl",
                                        "bc1q02ad21edsxd23d32dfgqqsz4vv4nmtfzuklhy3"};

std::string GetAllOutputTypes()
{
    // Core's TxoutType declaration order (ANCHOR second), which differs from ours.
    return "nonstandard, anchor, pubkey, pubkeyhash, scripthash, multisig, nulldata, witness_v0_scripthash, "
           "witness_v0_keyhash, witness_v1_taproot, witness_unknown";
}

std::vector<RpcResult> ScriptPubKeyDoc()
{
    using R = RpcResult;
    return {
        R{R::Type::STR, "asm", "Disassembly of the output script"},
        R{R::Type::STR, "desc", "Inferred descriptor for the output"},
        R{R::Type::STR_HEX, "hex", "The raw output script bytes, hex-encoded"},
        R{R::Type::STR, "address", true, "The Bitcoin address (only if a well-defined address exists)"},
        R{R::Type::STR, "type", "The type (one of: " + GetAllOutputTypes() + ")"},
    };
}

std::vector<RpcResult> TxDoc()
{
    using R = RpcResult;
    return {
        R{R::Type::STR_HEX, "txid", "The transaction id"},
        R{R::Type::STR_HEX, "hash", "The transaction hash (differs from txid for witness transactions)"},
        R{R::Type::NUM, "size", "The serialized transaction size"},
        R{R::Type::NUM, "vsize", "The virtual transaction size (differs from size for witness transactions)"},
        R{R::Type::NUM, "weight", "The transaction's weight (between vsize*4-3 and vsize*4)"},
        R{R::Type::NUM, "version", "The version"},
        R{R::Type::NUM_TIME, "locktime", "The lock time"},
        R{R::Type::ARR, "vin", "",
          {R{R::Type::OBJ, "", "",
             {
                 R{R::Type::STR_HEX, "coinbase", true, "The coinbase value (only if coinbase transaction)"},
                 R{R::Type::STR_HEX, "txid", true, "The transaction id (if not coinbase transaction)"},
                 R{R::Type::NUM, "vout", true, "The output number (if not coinbase transaction)"},
                 R{R::Type::OBJ, "scriptSig", true, "The script (if not coinbase transaction)",
                   {R{R::Type::STR, "asm", "Disassembly of the signature script"},
                    R{R::Type::STR_HEX, "hex", "The raw signature script bytes, hex-encoded"}}},
                 R{R::Type::ARR, "txinwitness", true, "",
                   {R{R::Type::STR_HEX, "hex", "hex-encoded witness data (if any)"}}},
                 R{R::Type::NUM, "sequence", "The script sequence number"},
             }}}},
        R{R::Type::ARR, "vout", "",
          {R{R::Type::OBJ, "", "",
             {R{R::Type::STR_AMOUNT, "value", "The value in BTC"}, R{R::Type::NUM, "n", "index"},
              R{R::Type::OBJ, "scriptPubKey", "", ScriptPubKeyDoc()}}}}},
    };
}
