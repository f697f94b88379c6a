// JSON conversion helpers every RPC command uses, with Core's error codes and messages (rpc/util.cpp).
#pragma once

#include "json/core_json.h"  // ValueFromAmount
#include "json/json_value.h"
#include "primitives/transaction.h"
#include "util/uint256.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

/** BTC amount (number or string) to satoshis; RPC_TYPE_ERROR "Amount is not a number or string",
 *  "Invalid amount", "Amount out of range". */
Amount AmountFromValue(const JsonValue& value, int decimals = 8);

/** 64 hex digits to a hash (display order); RPC_INVALID_PARAMETER "<name> must be of length 64 (not N, for '...')"
 *  or "<name> must be hexadecimal string (not '...')". A non-string is a type error. */
uint256 ParseHashV(const JsonValue& v, std::string_view name);
uint256 ParseHashO(const JsonValue& o, std::string_view key);
/** Hex string to bytes; RPC_INVALID_PARAMETER "<name> must be hexadecimal string (not '...')". */
std::vector<uint8_t> ParseHexV(const JsonValue& v, std::string_view name);
std::vector<uint8_t> ParseHexO(const JsonValue& o, std::string_view key);

/** Core's ParseVerbosity: integer, or bool when allowed ("Verbosity was boolean but only integer allowed"). */
int ParseVerbosity(const JsonValue& arg, int default_verbosity, bool allow_bool);

/** Checks an object's members against expected types (Core's RPCTypeCheckObj): "Missing <key>",
 *  "JSON value of type X for field K is not of expected type Y", "Unexpected key K" (when strict). */
struct JsonFieldType {
    bool any{false};
    JsonValue::Type type{JsonValue::Type::NUL};
};
void RpcTypeCheckObj(const JsonValue& o, const std::vector<std::pair<std::string, JsonFieldType>>& expected,
                     bool allow_null = false, bool strict = false);

#include "rpc/method.h"

/** "nonstandard, anchor, pubkey, ..." in Core's TxoutType order, for help texts. */
std::string GetAllOutputTypes();
/** Result docs of a scriptPubKey object (asm, desc, hex, address, type). */
std::vector<RpcResult> ScriptPubKeyDoc();
/** Result docs of a decoded transaction (txid ... vout), as Core's TxDoc() with default options. */
std::vector<RpcResult> TxDoc();
/** Core's example addresses for help texts. */
extern const std::string EXAMPLE_ADDRESS[2];
