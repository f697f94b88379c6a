// Private keys over libsecp256k1: ECDSA signing (RFC6979, low-R grinding as Core), BIP340 Schnorr signing with
// optional taproot tweak. Key material is wiped on destruction.
#pragma once

#include "crypto/pubkey.h"

#include <array>
#include <cstdint>
#include <span>
#include <vector>

class Key
{
public:
    static constexpr size_t SIZE = 32;

    Key() = default;
    Key(const Key&) = default;
    Key& operator=(const Key&) = default;
    ~Key();

    /** Sets 32 secret bytes; the key stays invalid unless 0 < secret < group order. */
    bool Set(std::span<const uint8_t> secret32, bool compressed);
    /** A new random key (OpenSSL RAND_bytes). */
    static Key Generate(bool compressed = true);

    bool IsValid() const { return m_valid; }
    bool IsCompressed() const { return m_compressed; }
    std::span<const uint8_t> bytes() const { return {m_secret.data(), SIZE}; }

    PubKey GetPubKey() const;
    XOnlyPubKey GetXOnlyPubKey() const;

    /** DER ECDSA signature (no hash type byte), deterministic per RFC6979. With grind, retries with extra entropy
     *  (a counter) until R is low, as Core does, so signatures are at most 71 bytes. */
    bool Sign(const uint256& hash, std::vector<uint8_t>& sig_der, bool grind = true, uint32_t test_case = 0) const;

    /** BIP340 signature. With tweak (the default), signs for the BIP341 taproot output key: tweaked by
     *  *merkle_root, or by the key alone (BIP86, no script tree) when merkle_root is nullptr or points to a null
     *  uint256. tweak=false signs with the untweaked key (tapscript, plain BIP340). aux is BIP340 auxiliary
     *  randomness. sig64 must hold 64 bytes; false (and sig64 zeroed) on failure. */
    bool SignSchnorr(const uint256& msg, std::span<uint8_t> sig64, const uint256* merkle_root, const uint256& aux,
                     bool tweak = true) const;

    /** The BIP341 tweaked secret key (negated first when the internal key has an odd Y), whose x-only public
     *  key is the taproot output key; merkle_root as for SignSchnorr. Invalid Key on failure. */
    Key TapTweaked(const uint256* merkle_root) const;

private:
    std::array<uint8_t, SIZE> m_secret{};
    bool m_valid{false};
    bool m_compressed{true};
};
