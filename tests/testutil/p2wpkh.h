// Test helper: signs input n_in of tx as a P2WPKH spend by key of a coin worth amount (SIGHASH_ALL, BIP143).
#pragma once

#include "crypto/key.h"
#include "primitives/transaction.h"
#include "script/sighash.h"

inline void SignP2wpkhInput(MutableTransaction& tx, unsigned int n_in, const Key& key, Amount amount)
{
    const PubKey pub = key.GetPubKey();  // a named copy: bytes() of a temporary would dangle
    Script code;  // BIP143: the script code of P2WPKH is the P2PKH script of the key hash
    code << OP_DUP << OP_HASH160;
    code.PushData(std::span<const uint8_t>(pub.GetID().data(), 20));
    code << OP_EQUALVERIFY << OP_CHECKSIG;
    const uint256 hash = SignatureHash(code, tx, n_in, SIGHASH_ALL, amount, SigVersion::WITNESS_V0);
    std::vector<uint8_t> sig;
    key.Sign(hash, sig);
    sig.push_back(SIGHASH_ALL);
    tx.vin[n_in].witness.stack = {sig, std::vector<uint8_t>(pub.begin(), pub.end())};
}
