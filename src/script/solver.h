// Classification of output scripts (Core's Solver / TxoutType), used for "type" in JSON and for standardness.
#pragma once

#include "primitives/script.h"

#include <string>
#include <vector>

enum class TxoutType {
    NONSTANDARD,
    PUBKEY,
    PUBKEYHASH,
    SCRIPTHASH,
    MULTISIG,
    NULL_DATA,  // unspendable OP_RETURN script that carries data
    ANCHOR,     // pay-to-anchor: OP_1 <0x4e73>
    WITNESS_V0_SCRIPTHASH,
    WITNESS_V0_KEYHASH,
    WITNESS_V1_TAPROOT,
    WITNESS_UNKNOWN,  // only for witness versions not already defined above
};

/** "nonstandard", "pubkey", "pubkeyhash", "scripthash", "multisig", "nulldata", "anchor",
 *  "witness_v0_scripthash", "witness_v0_keyhash", "witness_v1_taproot", "witness_unknown". */
std::string GetTxnOutputType(TxoutType type);

/** Classify script_pubkey; solutions receive the key hashes / keys / program (as Core's Solver). */
TxoutType Solver(const Script& script_pubkey, std::vector<std::vector<uint8_t>>& solutions);

/** Bare multisig script for required-of-keys. */
Script GetScriptForMultisig(int required, const std::vector<std::vector<uint8_t>>& pubkeys);
