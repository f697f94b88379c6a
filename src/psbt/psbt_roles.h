// PSBT roles beyond parsing: signing (ECDSA and Schnorr, from a key list), finalizing, extracting, updating
// outputs with known keys, and Core's analyzepsbt analysis. Semantics follow Core's script/sign.cpp,
// psbt.cpp and node/psbt.cpp for the standard script types.
#pragma once

#include "crypto/key.h"
#include "psbt/psbt.h"
#include "script/interpreter.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

/** Private keys (and the scripts they make known) a signer may use; Core's FlatSigningProvider holding
 *  combo() descriptors of imported keys: each key's origin is its own fingerprint with an empty path. */
class PsbtKeyStore
{
public:
    void AddKey(const Key& key);
    /** A public key with its BIP32 origin (an updater's knowledge; no signing). */
    void AddPubKey(const PubKey& pubkey, const KeyOriginInfo& origin);
    /** A redeem or witness script, found by its HASH160. */
    void AddScript(const Script& script);
    const Key* GetKey(const uint160& key_id) const;
    const Key* GetKeyByXOnly(const XOnlyPubKey& xonly) const;
    std::optional<PubKey> GetPubKey(const uint160& key_id) const;
    /** The x-only key whose HASH160 is id (what a tapscript pk_h commits to), among known keys. */
    std::optional<XOnlyPubKey> GetXOnlyByHash(const uint160& id) const;
    std::optional<KeyOriginInfo> GetKeyOrigin(const uint160& key_id) const;
    std::optional<KeyOriginInfo> GetKeyOriginByXOnly(const XOnlyPubKey& xonly) const;
    /** A script the keys imply (P2WPKH of a compressed key, for P2SH-P2WPKH), by its HASH160. */
    const Script* GetScript(const uint160& script_id) const;
    bool empty() const { return m_keys.empty(); }
    /** Core grinds ECDSA nonces for a low R (71-byte signatures); plain RFC6979 signers (BIP174's second signer)
     *  do not. */
    void SetGrindLowR(bool grind) { m_grind = grind; }
    bool GrindLowR() const { return m_grind; }

private:
    bool m_grind{true};
    std::map<uint160, Key> m_keys;
    std::map<uint160, std::pair<PubKey, KeyOriginInfo>> m_pubkeys;
    std::map<uint160, Script> m_scripts;
};

enum class PsbtError { OK, MISSING_INPUTS, SIGHASH_MISMATCH, INCOMPLETE, INVALID_TX };

/** What a signing attempt found missing (Core's SignatureData missing_* fields). */
struct PsbtMissing {
    std::vector<uint160> pubkeys;
    std::vector<uint160> sigs;
    uint160 redeem_script;
    uint256 witness_script;
};

/** The per-transaction data signing needs (Core's PrecomputePSBTData); nullopt when no unsigned tx exists. */
std::optional<PrecomputedTransactionData> PrecomputePsbtData(const Psbt& psbt);

/** Input already finalized (has a final scriptSig or witness). */
bool PsbtInputSigned(const PsbtInput& input);
/** Input finalized and its final scripts verify under standard flags. */
bool PsbtInputSignedAndVerified(const Psbt& psbt, unsigned int index, const PrecomputedTransactionData* txdata);
size_t CountPsbtUnsignedInputs(const Psbt& psbt);

/** Core's SignPSBTInput: signs what keys allow, keeps partial signatures, finalizes when complete and finalize is
 *  set. txdata nullptr makes dummy signatures (size estimation). */
PsbtError SignPsbtInput(const PsbtKeyStore& keys, Psbt& psbt, unsigned int index,
                        const PrecomputedTransactionData* txdata, std::optional<int> sighash_type, bool finalize,
                        PsbtMissing* missing = nullptr, bool bip32_derivs = true);

/** Core's FinalizePSBT: true when every input is complete. */
bool FinalizePsbt(Psbt& psbt);
/** FinalizePsbt, then the network transaction with final scripts; false when incomplete. */
bool FinalizeAndExtractPsbt(Psbt& psbt, MutableTransaction& result);

/** Core's RemoveUnnecessaryTransactions: drop full previous transactions when every input is segwit v1+. */
void RemoveUnnecessaryTransactions(Psbt& psbt);

/** Core's UpdatePSBTOutput with a key store: scripts and key origins of outputs paying to known keys. */
void UpdatePsbtOutput(const PsbtKeyStore& keys, Psbt& psbt, unsigned int index);

/** BIP174 Updater from given data: each input gets its previous transaction (non-segwit spends) or the spent
 *  output (segwit spends, native or P2SH-wrapped per the store's scripts); then scripts and key origins the store
 *  knows are added to inputs and outputs. */
void UpdatePsbtFromData(Psbt& psbt, const PsbtKeyStore& store, const std::vector<TransactionRef>& prev_txs);

/** walletprocesspsbt-like signing with a key list: sign every input, drop unneeded transactions, update outputs.
 *  Returns whether the PSBT is complete. */
bool SignPsbtWithKeys(const PsbtKeyStore& keys, Psbt& psbt, std::optional<int> sighash_type, bool finalize,
                      bool bip32_derivs = true);

enum class PsbtRole { CREATOR, UPDATER, SIGNER, FINALIZER, EXTRACTOR };
std::string PsbtRoleName(PsbtRole role);

struct PsbtInputAnalysis {
    bool has_utxo{false};
    bool is_final{false};
    PsbtRole next{PsbtRole::CREATOR};
    std::vector<uint160> missing_pubkeys;
    std::vector<uint160> missing_sigs;
    uint160 missing_redeem_script;
    uint256 missing_witness_script;
};

struct PsbtAnalysis {
    std::optional<size_t> estimated_vsize;
    /** Fee rate in sat/kvB (Core's CFeeRate::GetFeePerK). */
    std::optional<Amount> estimated_feerate;
    std::optional<Amount> fee;
    std::vector<PsbtInputAnalysis> inputs;
    PsbtRole next{PsbtRole::CREATOR};
    std::string error;
};

/** Core's node::AnalyzePSBT. */
PsbtAnalysis AnalyzePsbt(Psbt psbt);
