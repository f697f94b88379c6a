// BIP32 derivation over libsecp256k1 tweaks, and the Base58Check forms of extended keys.
#include "descriptor/bip32.h"

#include "address/base58.h"
#include "crypto/hash.h"
#include "util/hex.h"
#include "util/strencodings.h"

#include <openssl/crypto.h>
#include <secp256k1.h>

#include <cstring>

void MemoryCleanse(void* ptr, size_t len)
{
    if (ptr != nullptr && len > 0) OPENSSL_cleanse(ptr, len);
}

namespace {

void WriteBE32(uint8_t* p, uint32_t v)
{
    p[0] = uint8_t(v >> 24);
    p[1] = uint8_t(v >> 16);
    p[2] = uint8_t(v >> 8);
    p[3] = uint8_t(v);
}

uint32_t ReadBE32(const uint8_t* p)
{
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

/** Secret wiped when it leaves scope. */
struct SecretBuf {
    uint8_t data[64]{};
    ~SecretBuf() { MemoryCleanse(data, sizeof(data)); }
};

/** BIP32's I = HMAC-SHA512(chaincode, data || index). */
void Bip32Hash(const ChainCode& cc, uint32_t index, uint8_t header, const uint8_t* data32, uint8_t out[64])
{
    uint8_t buf[37];
    buf[0] = header;
    std::memcpy(buf + 1, data32, 32);
    WriteBE32(buf + 33, index);
    HmacSha512(cc, buf, out);
    MemoryCleanse(buf, sizeof(buf));
}

std::array<uint8_t, 4> Fp(const PubKey& pubkey)
{
    uint160 id = pubkey.GetID();
    std::array<uint8_t, 4> ret;
    std::memcpy(ret.data(), id.data(), 4);
    return ret;
}

secp256k1_context* SignContext()
{
    // Tweaking public keys needs no precomputation; a private context keeps us off the const static one.
    static secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    return ctx;
}

} // namespace

std::array<uint8_t, 4> ExtPubKey::Fingerprint() const { return Fp(pubkey); }

bool ExtPubKey::Derive(ExtPubKey& out, uint32_t index) const
{
    if (index >> 31) return false;
    if (!pubkey.IsValid() || !pubkey.IsCompressed()) return false;
    SecretBuf h;
    uint8_t buf[37];
    std::memcpy(buf, pubkey.data(), 33);
    WriteBE32(buf + 33, index);
    HmacSha512(chaincode, buf, h.data);
    secp256k1_pubkey pk;
    if (!secp256k1_ec_pubkey_parse(SignContext(), &pk, pubkey.data(), pubkey.size())) return false;
    if (!secp256k1_ec_pubkey_tweak_add(SignContext(), &pk, h.data)) return false;
    uint8_t ser[33];
    size_t len = sizeof(ser);
    secp256k1_ec_pubkey_serialize(SignContext(), ser, &len, &pk, SECP256K1_EC_COMPRESSED);
    out.depth = uint8_t(depth + 1);
    out.parent_fingerprint = Fingerprint();
    out.child = index;
    std::memcpy(out.chaincode.data(), h.data + 32, 32);
    out.pubkey = PubKey(std::span<const uint8_t>(ser, len));
    return out.pubkey.IsValid();
}

void ExtPubKey::Encode(uint8_t code[BIP32_EXTKEY_SIZE]) const
{
    code[0] = depth;
    std::memcpy(code + 1, parent_fingerprint.data(), 4);
    WriteBE32(code + 5, child);
    std::memcpy(code + 9, chaincode.data(), 32);
    std::memcpy(code + 41, pubkey.data(), 33);
}

bool ExtPubKey::Decode(const uint8_t code[BIP32_EXTKEY_SIZE])
{
    depth = code[0];
    std::memcpy(parent_fingerprint.data(), code + 1, 4);
    child = ReadBE32(code + 5);
    std::memcpy(chaincode.data(), code + 9, 32);
    pubkey = PubKey();
    if (depth == 0 && (child != 0 || ReadBE32(code + 1) != 0)) return false;
    if (code[41] != 2 && code[41] != 3) return false;
    PubKey pk(std::span<const uint8_t>(code + 41, 33));
    if (!pk.IsFullyValid()) return false;
    pubkey = pk;
    return true;
}

bool ExtKey::SetSeed(std::span<const uint8_t> seed)
{
    static constexpr uint8_t HASHKEY[] = {'B', 'i', 't', 'c', 'o', 'i', 'n', ' ', 's', 'e', 'e', 'd'};
    SecretBuf h;
    HmacSha512(HASHKEY, seed, h.data);
    depth = 0;
    parent_fingerprint = {};
    child = 0;
    std::memcpy(chaincode.data(), h.data + 32, 32);
    return key.Set(std::span<const uint8_t>(h.data, 32), true);
}

bool ExtKey::Derive(ExtKey& out, uint32_t index) const
{
    if (!key.IsValid()) return false;
    SecretBuf h;
    PubKey pub = key.GetPubKey();
    if (index >> 31) {
        Bip32Hash(chaincode, index, 0, key.bytes().data(), h.data);
    } else {
        uint8_t buf[37];
        std::memcpy(buf, pub.data(), 33);
        WriteBE32(buf + 33, index);
        HmacSha512(chaincode, buf, h.data);
    }
    SecretBuf child_secret;
    std::memcpy(child_secret.data, key.bytes().data(), 32);
    if (!secp256k1_ec_seckey_tweak_add(SignContext(), child_secret.data, h.data)) return false;
    out.depth = uint8_t(depth + 1);
    out.parent_fingerprint = Fp(pub);
    out.child = index;
    std::memcpy(out.chaincode.data(), h.data + 32, 32);
    return out.key.Set(std::span<const uint8_t>(child_secret.data, 32), true);
}

ExtPubKey ExtKey::Neuter() const
{
    ExtPubKey ret;
    ret.depth = depth;
    ret.parent_fingerprint = parent_fingerprint;
    ret.child = child;
    ret.chaincode = chaincode;
    ret.pubkey = key.GetPubKey();
    return ret;
}

void ExtKey::Encode(uint8_t code[BIP32_EXTKEY_SIZE]) const
{
    code[0] = depth;
    std::memcpy(code + 1, parent_fingerprint.data(), 4);
    WriteBE32(code + 5, child);
    std::memcpy(code + 9, chaincode.data(), 32);
    code[41] = 0;
    std::memcpy(code + 42, key.bytes().data(), 32);
}

bool ExtKey::Decode(const uint8_t code[BIP32_EXTKEY_SIZE])
{
    depth = code[0];
    std::memcpy(parent_fingerprint.data(), code + 1, 4);
    child = ReadBE32(code + 5);
    std::memcpy(chaincode.data(), code + 9, 32);
    key = Key();
    if (depth == 0 && (child != 0 || ReadBE32(code + 1) != 0)) return false;
    if (code[41] != 0) return false;
    return key.Set(std::span<const uint8_t>(code + 42, 32), true);
}

namespace {

template <typename T>
std::string EncodeWithVersion(const T& k, const std::vector<uint8_t>& version)
{
    std::vector<uint8_t> data(version);
    size_t off = data.size();
    data.resize(off + BIP32_EXTKEY_SIZE);
    k.Encode(data.data() + off);
    std::string ret = EncodeBase58Check(data);
    MemoryCleanse(data.data(), data.size());
    return ret;
}

/** Base58Check payload of a 78-byte extended key, or empty. */
std::vector<uint8_t> DecodeExtPayload(const std::string& text)
{
    std::vector<uint8_t> data;
    if (!DecodeBase58Check(text, data, BIP32_EXTKEY_WITH_VERSION_SIZE)) return {};
    if (data.size() != BIP32_EXTKEY_WITH_VERSION_SIZE) {
        MemoryCleanse(data.data(), data.size());
        return {};
    }
    return data;
}

} // namespace

std::string EncodeExtKey(const ExtKey& key, Chain chain)
{
    return EncodeWithVersion(key, GetChainPrefixes(chain).ext_secret_key);
}

std::string EncodeExtPubKey(const ExtPubKey& key, Chain chain)
{
    return EncodeWithVersion(key, GetChainPrefixes(chain).ext_public_key);
}

std::optional<ExtKey> DecodeExtKey(const std::string& text, Chain chain)
{
    std::vector<uint8_t> data = DecodeExtPayload(text);
    const auto& prefix = GetChainPrefixes(chain).ext_secret_key;
    std::optional<ExtKey> ret;
    if (!data.empty() && prefix.size() == 4 && std::equal(prefix.begin(), prefix.end(), data.begin())) {
        ExtKey k;
        if (k.Decode(data.data() + 4)) ret = k;
    }
    MemoryCleanse(data.data(), data.size());
    return ret;
}

std::optional<ExtPubKey> DecodeExtPubKey(const std::string& text, Chain chain)
{
    std::vector<uint8_t> data = DecodeExtPayload(text);
    const auto& prefix = GetChainPrefixes(chain).ext_public_key;
    if (data.empty() || prefix.size() != 4 || !std::equal(prefix.begin(), prefix.end(), data.begin())) return {};
    ExtPubKey k;
    if (!k.Decode(data.data() + 4)) return {};
    return k;
}

std::optional<Slip132Key> DecodeSlip132(const std::string& text)
{
    struct Version {
        uint32_t pub, priv;
        Slip132Type type;
        bool testnet;
    };
    // SLIP-0132 registered HD version bytes.
    static constexpr Version VERSIONS[] = {
        {0x0488b21e, 0x0488ade4, Slip132Type::STANDARD, false},
        {0x049d7cb2, 0x049d7878, Slip132Type::P2SH_P2WPKH, false},
        {0x04b24746, 0x04b2430c, Slip132Type::P2WPKH, false},
        {0x0295b43f, 0x0295b005, Slip132Type::P2SH_P2WSH, false},
        {0x02aa7ed3, 0x02aa7a99, Slip132Type::P2WSH, false},
        {0x043587cf, 0x04358394, Slip132Type::STANDARD, true},
        {0x044a5262, 0x044a4e28, Slip132Type::P2SH_P2WPKH, true},
        {0x045f1cf6, 0x045f18bc, Slip132Type::P2WPKH, true},
        {0x024289ef, 0x024285b5, Slip132Type::P2SH_P2WSH, true},
        {0x02575483, 0x02575048, Slip132Type::P2WSH, true},
    };
    std::vector<uint8_t> data = DecodeExtPayload(text);
    if (data.empty()) return {};
    const uint32_t version = ReadBE32(data.data());
    std::optional<Slip132Key> ret;
    for (const auto& v : VERSIONS) {
        if (version == v.pub) {
            ExtPubKey k;
            if (k.Decode(data.data() + 4)) ret = Slip132Key{std::nullopt, k, v.type, v.testnet};
        } else if (version == v.priv) {
            ExtKey k;
            if (k.Decode(data.data() + 4)) ret = Slip132Key{k, k.Neuter(), v.type, v.testnet};
        }
    }
    MemoryCleanse(data.data(), data.size());
    return ret;
}

std::string FormatHDKeypath(const KeyPath& path, bool apostrophe)
{
    std::string ret;
    for (uint32_t i : path) {
        ret += '/';
        ret += std::to_string(i & ~BIP32_HARDENED_KEY_LIMIT);
        if (i & BIP32_HARDENED_KEY_LIMIT) ret += apostrophe ? '\'' : 'h';
    }
    return ret;
}

std::optional<KeyPath> ParseHDKeypath(std::string_view text)
{
    KeyPath ret;
    bool first = true;
    for (const std::string& item : SplitString(text, '/')) {
        if (first && item == "m") {
            first = false;
            continue;
        }
        first = false;
        std::string_view num = item;
        bool hardened = false;
        if (!num.empty() && (num.back() == '\'' || num.back() == 'h')) {
            hardened = true;
            num.remove_suffix(1);
        }
        auto v = ParseUInt32(num);
        if (!v || *v >= BIP32_HARDENED_KEY_LIMIT) return std::nullopt;
        ret.push_back(*v | (hardened ? BIP32_HARDENED_KEY_LIMIT : 0));
    }
    return ret;
}

std::string FormatKeyOrigin(const KeyOriginInfo& info, bool apostrophe)
{
    return HexStr(info.fingerprint) + FormatHDKeypath(info.path, apostrophe);
}
