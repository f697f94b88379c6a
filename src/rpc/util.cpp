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
