// Signing of transaction inputs from a set of private keys and known scripts, as Core's ProduceSignature /
// SignTransaction does for P2PK, P2PKH, bare multisig, P2SH, P2WPKH, P2WSH and their P2SH-wrapped forms.
#pragma once

#include "crypto/key.h"
#include "primitives/transaction.h"
#include "util/uint256.h"

#include <map>

/** Keys and scripts the signer may use (Core's FillableSigningProvider). */
class SigningKeys {
public:
    /** Adds a key; a compressed key also makes its P2WPKH script known, so P2SH-P2WPKH can be signed. */
    void AddKey(const Key& key);
    /** Makes a redeem / witness script known by its HASH160 (the id both P2SH and P2WSH lookups use). */
    void AddScript(const Script& script);

    const Key* GetKey(const uint160& key_id) const;
    bool GetPubKey(const uint160& key_id, PubKey& pubkey) const;
    const Script* GetScript(const uint160& script_id) const;

private:
    std::map<uint160, Key> m_keys;
    std::map<uint160, Script> m_scripts;
};

/** Signs input n_in of tx spending prevout (script and amount) with sighash_type, merging with signatures the
 *  input already holds. Updates the input's scriptSig and witness. Returns true when the input is complete.
 */
bool SignTxInput(MutableTransaction& tx, unsigned int n_in, const TxOut& prevout, const SigningKeys& keys,
                 int sighash_type);

/** Core's STANDARD_SCRIPT_VERIFY_FLAGS (policy), used to test produced signatures. */
uint32_t StandardScriptVerifyFlags();
