// Signature hashes: legacy (OP_CODESEPARATOR removal, the SIGHASH_SINGLE bug), BIP143 and BIP341/342.
#pragma once

#include "script/interpreter.h"

/** Legacy and BIP143 signature hash. For SigVersion::BASE, hash_type's 32 bits are serialized as given. */
template <class Tx>
uint256 SignatureHash(const Script& script_code, const Tx& tx, unsigned int n_in, int32_t hash_type, Amount amount,
                      SigVersion sigversion, const PrecomputedTransactionData* cache = nullptr);

/** BIP341/342 signature hash. Returns false where the BIP says the signature is invalid (bad hash type,
 *  SIGHASH_SINGLE without a matching output) or when spent outputs are missing. */
template <class Tx>
bool SignatureHashSchnorr(uint256& hash_out, ScriptExecutionData& execdata, const Tx& tx, unsigned int n_in,
                          uint8_t hash_type, SigVersion sigversion, const PrecomputedTransactionData& cache,
                          MissingDataBehavior mdb);

/** The BIP341 signature message itself (epoch byte first): what SignatureHashSchnorr hashes with the
 *  "TapSighash" tag. For tools and tests; false (and empty) exactly where SignatureHashSchnorr fails. */
template <class Tx>
bool SignatureMessageSchnorr(std::vector<uint8_t>& msg_out, ScriptExecutionData& execdata, const Tx& tx,
                             unsigned int n_in, uint8_t hash_type, SigVersion sigversion,
                             const PrecomputedTransactionData& cache);
