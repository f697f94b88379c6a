// Public keys over libsecp256k1: ECDSA verification with Core's lax DER and low-S rules, BIP340 x-only keys,
// and taproot tweaks (BIP341).
#pragma once

#include "util/uint256.h"

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

struct secp256k1_context_struct;
/** The library's static context: enough for parsing and verification. */
const secp256k1_context_struct* Secp256k1VerifyContext();

class PubKey
{
public:
    static constexpr size_t SIZE = 65;
    static constexpr size_t COMPRESSED_SIZE = 33;
    static constexpr size_t SIGNATURE_SIZE = 72;
    static constexpr size_t COMPACT_SIGNATURE_SIZE = 65;

    /** Length implied by the first byte (0 when the byte is no key type). */
    static constexpr size_t GetLen(uint8_t header)
    {
        if (header == 2 || header == 3) return COMPRESSED_SIZE;
        if (header == 4 || header == 6 || header == 7) return SIZE;
        return 0;
    }

    PubKey() = default;
    /** Stores the bytes when their length matches their header, else an invalid key. */
    explicit PubKey(std::span<const uint8_t> bytes);

    bool IsValid() const { return m_size > 0; }
    /** Valid encoding and a point on the curve. */
    bool IsFullyValid() const;
    bool IsCompressed() const { return m_size == COMPRESSED_SIZE; }
    size_t size() const { return m_size; }
    const uint8_t* data() const { return m_data; }
    const uint8_t* begin() const { return m_data; }
    const uint8_t* end() const { return m_data + m_size; }
    std::span<const uint8_t> bytes() const { return {m_data, m_size}; }
    uint8_t operator[](size_t i) const { return m_data[i]; }

    /** HASH160 of the serialized key (P2PKH/P2WPKH key id). */
    uint160 GetID() const;

    /** ECDSA verification of a DER signature (without hash type byte), parsed laxly and normalized to low S,
     *  as consensus requires. */
    bool Verify(const uint256& hash, std::span<const uint8_t> sig_der) const;
    /** True when the lax-parsed signature already has a low S. */
    static bool CheckLowS(std::span<const uint8_t> sig_der);
    /** Turn into the uncompressed form; false when not a valid point. */
    bool Decompress();

    friend bool operator==(const PubKey& a, const PubKey& b)
    {
        return a.m_size == b.m_size && std::equal(a.begin(), a.end(), b.begin());
    }
    friend bool operator<(const PubKey& a, const PubKey& b)
    {
        return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
    }

private:
    uint8_t m_data[SIZE]{};
    size_t m_size{0};
};

class XOnlyPubKey
{
public:
    static constexpr size_t SIZE = 32;
    XOnlyPubKey() = default;
    explicit XOnlyPubKey(std::span<const uint8_t> bytes32) : m_keydata(bytes32) {}
    explicit XOnlyPubKey(const PubKey& pubkey) : m_keydata(std::span<const uint8_t>(pubkey.data() + 1, 32)) {}

    /** A point with this x coordinate exists. */
    bool IsFullyValid() const;
    /** BIP340 verification of a 64-byte signature over a 32-byte message. */
    bool VerifySchnorr(const uint256& msg, std::span<const uint8_t> sig64) const;
    /** BIP341 TapTweak hash: tagged_hash("TapTweak", key || merkle_root) (just the key when no root). */
    uint256 ComputeTapTweakHash(const uint256* merkle_root) const;
    /** True when this key is internal tweaked by merkle_root with the given parity (script path check). */
    bool CheckTapTweak(const XOnlyPubKey& internal, const uint256& merkle_root, bool parity) const;
    /** The output key and its parity for a tweak of this internal key; nullopt on failure. */
    std::optional<std::pair<XOnlyPubKey, bool>> CreateTapTweak(const uint256* merkle_root) const;

    const uint8_t* data() const { return m_keydata.data(); }
    const uint8_t* begin() const { return m_keydata.begin(); }
    const uint8_t* end() const { return m_keydata.end(); }
    static constexpr size_t size() { return SIZE; }
    const uint256& GetUint256() const { return m_keydata; }
    friend auto operator<=>(const XOnlyPubKey&, const XOnlyPubKey&) = default;
    friend bool operator==(const XOnlyPubKey&, const XOnlyPubKey&) = default;

private:
    uint256 m_keydata;
};

/** Core's ecdsa_signature_parse_der_lax: accepts BER-ish encodings seen on chain before BIP66. */
bool ParseDerSignatureLax(std::span<const uint8_t> input, uint8_t out_compact64[64]);
