// BIP32 hierarchical deterministic keys: extended keys, child derivation, xprv/xpub text, key origins, and the
// SLIP-132 version variants (ypub, zpub, ...) read as plain extended keys.
#pragma once

#include "crypto/key_origin.h"

#include "address/chain_prefixes.h"
#include "crypto/key.h"
#include "crypto/pubkey.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/** Overwrite memory that held secrets so the compiler cannot drop the write (Core's memory_cleanse). */
void MemoryCleanse(void* ptr, size_t len);

inline constexpr uint32_t BIP32_HARDENED_KEY_LIMIT = 0x80000000U;
using ChainCode = std::array<uint8_t, 32>;

struct ExtPubKey {
    uint8_t depth{0};
    std::array<uint8_t, 4> parent_fingerprint{};
    uint32_t child{0};
    ChainCode chaincode{};
    PubKey pubkey;

    /** CKD_pub of BIP32; fails for hardened indices and (with negligible probability) invalid children. */
    bool Derive(ExtPubKey& out, uint32_t index) const;
    /** First 4 bytes of HASH160(pubkey): the fingerprint children record as their parent. */
    std::array<uint8_t, 4> Fingerprint() const;
    void Encode(uint8_t code[BIP32_EXTKEY_SIZE]) const;
    /** False for a malformed body (vector 5 of BIP32: bad key prefix, point off the curve, depth-0 key with a
     *  parent fingerprint or child number). */
    bool Decode(const uint8_t code[BIP32_EXTKEY_SIZE]);
    friend bool operator==(const ExtPubKey& a, const ExtPubKey& b)
    {
        return a.depth == b.depth && a.parent_fingerprint == b.parent_fingerprint && a.child == b.child &&
               a.chaincode == b.chaincode && a.pubkey == b.pubkey;
    }
};

struct ExtKey {
    uint8_t depth{0};
    std::array<uint8_t, 4> parent_fingerprint{};
    uint32_t child{0};
    ChainCode chaincode{};
    Key key;

    ExtKey() = default;
    ExtKey(const ExtKey&) = default;
    ExtKey& operator=(const ExtKey&) = default;
    ~ExtKey() { MemoryCleanse(chaincode.data(), chaincode.size()); }

    /** Master key from a seed (HMAC-SHA512 keyed "Bitcoin seed"); false when the seed gives an invalid key. */
    bool SetSeed(std::span<const uint8_t> seed);
    /** CKD_priv of BIP32 (hardened when index >= 2^31). */
    bool Derive(ExtKey& out, uint32_t index) const;
    /** The public counterpart (N() of BIP32). */
    ExtPubKey Neuter() const;
    std::array<uint8_t, 4> Fingerprint() const { return Neuter().Fingerprint(); }
    void Encode(uint8_t code[BIP32_EXTKEY_SIZE]) const;
    bool Decode(const uint8_t code[BIP32_EXTKEY_SIZE]);
};

/** Base58Check text with chain's version bytes (xprv/tprv, xpub/tpub). */
std::string EncodeExtKey(const ExtKey& key, Chain chain);
std::string EncodeExtPubKey(const ExtPubKey& key, Chain chain);
/** nullopt unless text is a valid extended key with chain's version bytes (as Core's DecodeExtKey). */
std::optional<ExtKey> DecodeExtKey(const std::string& text, Chain chain);
std::optional<ExtPubKey> DecodeExtPubKey(const std::string& text, Chain chain);

/** What output type a SLIP-132 version prefix stands for. */
enum class Slip132Type { STANDARD, P2SH_P2WPKH, P2WPKH, P2SH_P2WSH, P2WSH };
struct Slip132Key {
    std::optional<ExtKey> priv;  // set for the private variants
    ExtPubKey pub;
    Slip132Type type{Slip132Type::STANDARD};
    bool testnet{false};
};
/** Reads xpub/ypub/zpub/Ypub/Zpub (and tpub/upub/vpub/Upub/Vpub, and the private forms) into a plain extended
 *  key; use EncodeExtPubKey to turn it into the xpub Core's descriptors accept. */
std::optional<Slip132Key> DecodeSlip132(const std::string& text);

/** BIP32 key origin: the fingerprint of the master key and the path from it. */

/** "/0'/1/2h" style text of a path (Core's FormatHDKeypath); apostrophe picks ' over h. */
std::string FormatHDKeypath(const KeyPath& path, bool apostrophe = false);
/** "m/0'/1h" or "0/1" into indices; nullopt on a malformed element. */
std::optional<KeyPath> ParseHDKeypath(std::string_view text);
/** "[fingerprint/path]" contents (without brackets), apostrophe as above. */
std::string FormatKeyOrigin(const KeyOriginInfo& info, bool apostrophe = false);
