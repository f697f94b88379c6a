// Core-compatible JSON for amounts, scripts and transactions (Core's core_io: ValueFromAmount, ScriptToUniv,
// TxToUniv), as decoderawtransaction, getrawtransaction and bitcoin-tx -json print them.
#pragma once

#include "address/chain_prefixes.h"
#include "json/json_value.h"
#include "primitives/transaction.h"

#include <string>

/** BTC amount as a JSON number with exactly 8 decimals ("0.00100000", "-1.50000000"). */
JsonValue ValueFromAmount(Amount amount);

/** asm, desc (when include_address), hex (when include_hex), address (when it has one and is not P2PK), type.
 *  known_script is a script the descriptor inference may use (see InferDescriptorString). */
void ScriptToJson(const Script& script, JsonValue& out, bool include_hex, bool include_address, Chain chain,
                  const Script* known_script = nullptr);

/** The decodescript RPC result: ScriptToJson without hex, plus "p2sh" and "segwit" (the P2WPKH / P2WSH
 *  wrapping with its own "p2sh-segwit") for scripts that may be wrapped. */
JsonValue DecodeScriptToJson(const Script& script, Chain chain);

/** txid, hash, version, size, vsize, weight, locktime, vin, vout, [blockhash], [hex]. out must be an object.
 */
void TxToJson(const Transaction& tx, const uint256& block_hash, JsonValue& out, Chain chain,
              bool include_hex = true);

/** Network serialization (with witness) as hex. */
std::string EncodeHexTx(const Transaction& tx);
