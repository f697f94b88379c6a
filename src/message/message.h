// Signed messages: Core's legacy signmessage format (compact recoverable ECDSA over the "Bitcoin Signed Message"
// hash, P2PKH only) and BIP322 generic signed messages (simple, full and proof-of-funds formats) for any script.
#pragma once

#include "address/chain_prefixes.h"
#include "crypto/key.h"
#include "primitives/transaction.h"
#include "psbt/psbt_roles.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

/** Core's MESSAGE_MAGIC: prefixed to the message before hashing so a signature can never be a transaction's. */
inline constexpr std::string_view MESSAGE_MAGIC = "Bitcoin Signed Message:\n";

/** Outcomes of verifying a legacy message signature (Core's MessageVerificationResult). */
enum class MessageVerificationResult {
    ERR_INVALID_ADDRESS,      // the address does not parse
    ERR_ADDRESS_NO_KEY,       // not a P2PKH address (legacy signatures commit to a key hash only)
    ERR_MALFORMED_SIGNATURE,  // not base64
    ERR_PUBKEY_NOT_RECOVERED, // no key recovers from the signature
    ERR_NOT_SIGNED,           // a key recovers, but not the address's
    OK,
};

/** Double SHA256 of the serialized MESSAGE_MAGIC and message (both length-prefixed), as Core's MessageHash. */
uint256 MessageHash(std::string_view message);
/** 65-byte recoverable signature: header 27 + recid (+4 for a compressed key), then r and s (RFC6979, no
 *  low-R grinding, as Core's CKey::SignCompact). */
bool SignCompact(const Key& key, const uint256& hash, std::vector<uint8_t>& sig65);
/** The key that made a compact signature; nullopt when none recovers. */
std::optional<PubKey> RecoverCompact(const uint256& hash, std::span<const uint8_t> sig65);
/** Legacy signature (base64) of message with key; false when signing fails. */
bool MessageSign(const Key& key, std::string_view message, std::string& signature);
/** Core's MessageVerify for a P2PKH address on chain. */
MessageVerificationResult MessageVerify(const std::string& address, const std::string& signature,
                                        std::string_view message, Chain chain);

// ---- BIP322 ----------------------------------------------------------------------------------------------

/** BIP322 signature encodings; the text carries a 3-letter prefix naming the format. */
enum class Bip322Format { SIMPLE, FULL, PROOF_OF_FUNDS };

/** tagged_hash("BIP0322-signed-message", message). */
uint256 Bip322MessageHash(std::string_view message);
/** The virtual transaction whose only output (value 0, script_pubkey) the signature spends. */
MutableTransaction Bip322ToSpend(const uint256& message_hash, const Script& script_pubkey);
/** The unsigned spending transaction with BIP322 defaults (version, lock time and sequence 0, one OP_RETURN). */
MutableTransaction Bip322ToSign(const uint256& to_spend_txid);

/** A further output proven in a proof of funds (its scripts are signed as a real spend would). */
struct Bip322ExtraInput {
    OutPoint outpoint;
    TxOut utxo;
    TransactionRef prev_tx;  // the whole previous transaction: needed to sign legacy (non-segwit) scripts
};

struct Bip322SignOptions {
    Bip322Format format{Bip322Format::SIMPLE};
    // FULL and PROOF_OF_FUNDS only (BIP322 allows timelocks there).
    int32_t version{0};
    uint32_t lock_time{0};
    uint32_t sequence{0};
    std::vector<Bip322ExtraInput> extra_inputs;  // PROOF_OF_FUNDS only
    bool grind_low_r{true};  // Core grinds ECDSA nonces for 71-byte signatures; plain RFC6979 signers do not
};

/** The unsigned to_sign as a PSBT (v0) whose inputs carry the outputs they spend: a wallet fills and signs it,
 *  then Bip322EncodeSigned makes the signature text. nullopt and *error when the options do not fit the format. */
std::optional<Psbt> Bip322CreatePsbt(const Script& script_pubkey, std::string_view message,
                                     const Bip322SignOptions& options, std::string* error);
/** Finalizes a signed to_sign PSBT and encodes it in format (with its "smp"/"ful"/"pof" prefix); nullopt and
 *  *error when incomplete or when simple cannot carry it (it needs a native segwit script). */
std::optional<std::string> Bip322EncodeSigned(Psbt& psbt, Bip322Format format, std::string* error);
/** Signs message for script_pubkey with the keys and the redeem/witness scripts given. */
std::optional<std::string> Bip322Sign(const std::vector<Key>& keys, const std::vector<Script>& scripts,
                                      const Script& script_pubkey, std::string_view message,
                                      const Bip322SignOptions& options, std::string* error);

enum class Bip322State { VALID, INVALID, INCONCLUSIVE };

struct Bip322Result {
    Bip322State state{Bip322State::INVALID};
    std::string error;  // why, when not VALID
    Bip322Format format{Bip322Format::SIMPLE};
    uint32_t lock_time{0};  // "valid at time T": nLockTime of to_sign
    uint32_t sequence{0};   // "and age S": nSequence of its first input
    bool IsValid() const { return state == Bip322State::VALID; }
};

/** BIP322 verification of signature over message for script_pubkey. A signature without a prefix is read as
 *  simple, then as full (the encoding before the BIP named its formats). Never throws. */
Bip322Result Bip322Verify(const Script& script_pubkey, std::string_view message, std::string_view signature);

/** Core's script flags for BIP322 (its required rules are the standardness rules; failures are INVALID). */
uint32_t Bip322VerifyFlags();
