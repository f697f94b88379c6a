// Test helper: builds outputs of every standard script type and signs spends of them (legacy, BIP143, BIP341/342).
#pragma once

#include "crypto/key.h"
#include "primitives/transaction.h"
#include "script/interpreter.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace testutil {

/** The spendable output kinds the builder can create and sign for. OP_RETURN outputs are made by OpReturnScript. */
enum class OutputKind {
    P2PKH,
    P2SH_MULTISIG,   // P2SH of a 2-of-3 bare CHECKMULTISIG redeem script
    P2WPKH,
    P2SH_P2WPKH,
    P2WSH_MULTISIG,  // P2WSH of a 2-of-3 CHECKMULTISIG witness script
    P2TR_KEY,        // BIP86 key path (no script tree)
    P2TR_SCRIPT,     // two-leaf tree; spent through the leaf "<xonly> OP_CHECKSIG" with a control block
    CLTV,            // P2SH of "<height> OP_CHECKLOCKTIMEVERIFY OP_DROP <pubkey> OP_CHECKSIG" (BIP65)
    CSV,             // P2WSH of "<blocks> OP_CHECKSEQUENCEVERIFY OP_DROP <pubkey> OP_CHECKSIG" (BIP112)
};
inline constexpr OutputKind ALL_OUTPUT_KINDS[] = {
    OutputKind::P2PKH,       OutputKind::P2SH_MULTISIG, OutputKind::P2WPKH,
    OutputKind::P2SH_P2WPKH, OutputKind::P2WSH_MULTISIG, OutputKind::P2TR_KEY,
    OutputKind::P2TR_SCRIPT, OutputKind::CLTV,           OutputKind::CSV,
};
const char* OutputKindName(OutputKind kind);

/** Everything needed to spend one output: its scriptPubKey and the scripts and keys behind it. */
struct SpendInfo {
    OutputKind kind{OutputKind::P2WPKH};
    Script script_pubkey;
    Script redeem_script;   // P2SH: the script whose hash is committed to
    Script witness_script;  // P2WSH: the script whose SHA256 is committed to
    std::vector<Key> keys;  // signing keys, in the order their signatures go on the stack
    // Taproot.
    Key internal_key;
    Script leaf_script;                // P2TR_SCRIPT: the leaf that is spent
    std::vector<uint8_t> control;      // P2TR_SCRIPT: the BIP341 control block of that leaf
    std::optional<uint256> merkle_root;
    // Timelocks: CLTV needs nLockTime >= lock_height; CSV needs nSequence >= csv_blocks and version >= 2.
    int64_t lock_height{0};
    int64_t csv_blocks{0};
};

/** Deterministic keys for tests: secret = SHA256(seed || index), so runs are reproducible. */
Key DeterministicKey(uint64_t seed, uint64_t index);

/** Creates the output script and spend data of `kind` from `keys` (3 keys for the multisig kinds, 2 for P2TR_SCRIPT
 *  (internal key, leaf key), 1 otherwise). lock_height is CLTV's height, csv_blocks CSV's relative block count. */
SpendInfo MakeSpendInfo(OutputKind kind, const std::vector<Key>& keys, int64_t lock_height = 0,
                        int64_t csv_blocks = 0);
/** OP_RETURN <data> (a null-data output). */
Script OpReturnScript(std::span<const uint8_t> data);

/** A coin the builder can spend: where it is, what it holds, how to sign for it. */
struct SpendableCoin {
    OutPoint outpoint;
    TxOut out;
    SpendInfo info;
};

/** Sets what the spent coins' timelocks need (BIP65 nLockTime and a non-final nSequence, BIP68/112 nSequence and
 *  version 2). Call before SignTransaction: the signatures commit to these fields. */
void ApplyTimelocks(MutableTransaction& tx, const std::vector<SpendableCoin>& coins);

/** Signs every input (vin[i] spends coins[i]) with SIGHASH_ALL (SIGHASH_DEFAULT for taproot). False when a
 *  signature could not be made (e.g. coins and vin differ in size). */
bool SignTransaction(MutableTransaction& tx, const std::vector<SpendableCoin>& coins);

/** Runs VerifyScript on every input; false with the failing input and script error in *error. */
bool VerifyTransaction(const MutableTransaction& tx, const std::vector<SpendableCoin>& coins, uint32_t flags,
                       std::string* error = nullptr);

/** Serialized transaction (with witness) as hex, for sendrawtransaction. */
std::string EncodeHexTx(const MutableTransaction& tx);
/** BIP141 virtual size: ceil(weight / 4). */
int64_t VirtualSize(const MutableTransaction& tx);

}  // namespace testutil
