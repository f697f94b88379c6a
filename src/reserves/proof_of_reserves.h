// Proof of reserves in the BIP127 style: a transaction that spends a "commitment input" (an outpoint that cannot
// exist, derived from a message naming the institution, the date, a nonce and the block it refers to) together
// with every reserve UTXO. It can never be mined, yet each reserve input carries a valid signature under the
// reserve's own policy (multisig, taproot) that commits to the message. Anyone with a node checks it against
// the UTXO set.
#pragma once

#include "primitives/coin.h"
#include "primitives/transaction.h"
#include "psbt/psbt.h"
#include "reserves/liabilities.h"
#include "util/uint256.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

class JsonValue;

/** What an attestation states; the commitment message is derived from all of it. */
struct ReserveStatement {
    std::string institution;
    std::string date;   // YYYY-MM-DD
    std::string nonce;  // fresh per attestation, so old signatures cannot be replayed
    int height{0};      // the chain state the proof refers to
    uint256 block_hash;
    std::vector<std::string> descriptors;  // the public reserve descriptors the proof covers
    /** The proof-of-liabilities root the reserve is held against, when the institution holds balances for others:
     *  signing the proof then also signs the solvency claim "reserves >= liabilities at this height". */
    std::optional<LiabilityCommitment> liabilities;
};

/** The statement as JSON (the fields of a published file); and back, nullopt and *error naming the bad field. */
JsonValue ReserveStatementToJson(const ReserveStatement& statement);
std::optional<ReserveStatement> ReserveStatementFromJson(const JsonValue& json, std::string* error);

/** The message committed to (one field per line). */
std::string ReserveMessage(const ReserveStatement& statement);
/** BIP127: the commitment input spends outpoint (SHA256("Proof-of-Reserves: " || message), 0). */
uint256 ReserveCommitmentTxid(const std::string& message);
/** The output the commitment input pretends to spend (value 0, OP_TRUE), needed for segwit/taproot sighashes. */
TxOut ReserveCommitmentOutput();

/** An unsigned proof PSBT: input 0 is the commitment, then the reserve UTXOs (segwit outputs; their spent outputs
 *  are attached), one OP_TRUE output of the total. The reserve's signers sign it like any spend. */
Psbt CreateReservePsbt(const ReserveStatement& statement, const std::vector<std::pair<OutPoint, TxOut>>& utxos);
/** Finalizes the reserve inputs of a signed proof PSBT and returns the proof transaction; nullopt and *error
 *  naming the first input that is not fully signed. */
std::optional<MutableTransaction> FinalizeReserveProof(Psbt psbt, std::string* error);

struct ReserveInputCheck {
    OutPoint outpoint;
    Amount amount{0};
    bool ok{false};
    std::string reason;  // "" when ok
};

struct ReserveVerification {
    bool ok{false};
    Amount proven{0};          // sum of the reserve inputs that verified (all of them when ok)
    std::string reason;        // the first failure, in words
    std::vector<ReserveInputCheck> inputs;
};

/** Checks a proof transaction: the commitment matches statement, every other input is an unspent output of the
 *  UTXO set (lookup) created at or below the stated height, and its signature verifies under standard script
 *  rules. lookup returns nullopt for an outpoint that is not (or no longer) in the UTXO set. */
ReserveVerification VerifyReserveProof(const MutableTransaction& proof, const ReserveStatement& statement,
                                       const std::function<std::optional<Coin>(const OutPoint&)>& lookup);

/** The published file: the statement's fields, the proof transaction (hex) and the total it claims. Version 1
 *  without liabilities, version 2 with them (a version-1 reader would silently ignore the solvency claim). */
JsonValue ReserveProofToJson(const ReserveStatement& statement, const MutableTransaction& proof);
/** Parses a published file; nullopt and *error on malformed input (never throws). */
std::optional<std::pair<ReserveStatement, MutableTransaction>> ReserveProofFromJson(std::string_view text,
                                                                                     std::string* error);
