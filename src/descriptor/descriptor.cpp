// Output descriptor parsing, printing and expansion with Bitcoin Core's semantics (script/descriptor.cpp):
// key providers (constant, BIP32, with origin) under script descriptors built as a tree.
#include "descriptor/descriptor.h"

#include "descriptor/miniscript.h"

#include "address/destination.h"
#include "crypto/hash.h"
#include "script/descriptor_checksum.h"
#include "script/interpreter.h"
#include "util/hex.h"

#include <secp256k1.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <set>
#include <span>
#include <unordered_set>

bool FlatSigningProvider::GetKeyOrigin(const uint160& keyid, KeyOriginInfo& info) const
{
    auto it = origins.find(keyid);
    if (it == origins.end()) return false;
    info = it->second.second;
    return true;
}

bool FlatSigningProvider::GetKeyOriginByXOnly(const XOnlyPubKey& key, KeyOriginInfo& info) const
{
    for (uint8_t prefix : {uint8_t{2}, uint8_t{3}}) {
        uint8_t full[33];
        full[0] = prefix;
        std::memcpy(full + 1, key.data(), 32);
        if (GetKeyOrigin(PubKey(std::span<const uint8_t>(full, 33)).GetID(), info)) return true;
    }
    return false;
}

void FlatSigningProvider::Merge(const FlatSigningProvider& other)
{
    scripts.insert(other.scripts.begin(), other.scripts.end());
    pubkeys.insert(other.pubkeys.begin(), other.pubkeys.end());
    origins.insert(other.origins.begin(), other.origins.end());
    keys.insert(other.keys.begin(), other.keys.end());
    tr_trees.insert(other.tr_trees.begin(), other.tr_trees.end());
}

namespace {

using Span = std::span<const char>;

// ---------------------------------------------------------------------------------------------------------------
// Expression scanning (Core's script/parsing).

/** Consume str from the front of sp when it is there. */
bool Const(std::string_view str, Span& sp)
{
    if (sp.size() >= str.size() && std::equal(str.begin(), str.end(), sp.begin())) {
        sp = sp.subspan(str.size());
        return true;
    }
    return false;
}

/** sp is exactly name(...): replace sp by what is inside the parentheses. */
bool Func(std::string_view name, Span& sp)
{
    if (sp.size() >= name.size() + 2 && sp[name.size()] == '(' && sp.back() == ')' &&
        std::equal(name.begin(), name.end(), sp.begin())) {
        sp = sp.subspan(name.size() + 1, sp.size() - name.size() - 2);
        return true;
    }
    return false;
}

/** Take the front expression up to a ',' ')' or '}' at nesting level 0. */
Span Expr(Span& sp)
{
    int level = 0;
    size_t i = 0;
    for (; i < sp.size(); ++i) {
        const char c = sp[i];
        if (c == '(' || c == '{') {
            ++level;
        } else if (level && (c == ')' || c == '}')) {
            --level;
        } else if (level == 0 && (c == ')' || c == '}' || c == ',')) {
            break;
        }
    }
    Span ret = sp.first(i);
    sp = sp.subspan(i);
    return ret;
}

std::vector<Span> Split(Span sp, char sep)
{
    std::vector<Span> ret;
    size_t start = 0;
    for (size_t i = 0; i < sp.size(); ++i) {
        if (sp[i] == sep) {
            ret.push_back(sp.subspan(start, i - start));
            start = i + 1;
        }
    }
    ret.push_back(sp.subspan(start));
    return ret;
}

std::string Str(Span sp) { return std::string(sp.begin(), sp.end()); }

/** Core's ToIntegral<uint32_t>: digits only (no sign, no whitespace), no overflow. */
std::optional<uint32_t> ToU32(std::string_view s)
{
    uint32_t v{};
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

bool IsSpaceChar(char c) { return c == ' ' || c == '\f' || c == '\n' || c == '\r' || c == '\t' || c == '\v'; }

std::array<uint8_t, 4> KeyFingerprint(const PubKey& pk)
{
    uint160 id = pk.GetID();
    std::array<uint8_t, 4> fp;
    std::memcpy(fp.data(), id.data(), 4);
    return fp;
}

uint160 ScriptId(const Script& s) { return Hash160(s.bytes()); }

// ---------------------------------------------------------------------------------------------------------------
// Key providers.

enum class StringType { PUBLIC, PRIVATE, NORMALIZED, COMPAT };

class PubkeyProvider
{
public:
    explicit PubkeyProvider(uint32_t expr_index) : m_expr_index(expr_index) {}
    virtual ~PubkeyProvider() = default;
    /** The key at pos with its origin; nullopt when a hardened step has no private key. */
    virtual std::optional<PubKey> GetPubKey(int pos, KeyOriginInfo& info) const = 0;
    virtual bool GetPrivKey(int pos, Key& key) const = 0;
    virtual bool IsRange() const = 0;
    /** Bytes the key takes in a script (65, 33, or 32 for x-only). */
    virtual size_t GetSize() const = 0;
    virtual std::string ToString(StringType type) const = 0;
    virtual bool ToPrivateString(std::string& out) const = 0;
    virtual bool ToNormalizedString(std::string& out) const = 0;
    virtual bool HasPrivateKey() const = 0;
    /** An xpub/xprv (possibly with an origin): what musig() derivation needs of its participants. */
    virtual bool IsBIP32() const { return false; }
    virtual std::unique_ptr<PubkeyProvider> Clone() const = 0;
    uint32_t m_expr_index;
};

class ConstPubkeyProvider final : public PubkeyProvider
{
public:
    ConstPubkeyProvider(uint32_t idx, const PubKey& pubkey, bool xonly, std::optional<Key> key, Chain chain)
        : PubkeyProvider(idx), m_pubkey(pubkey), m_xonly(xonly), m_key(std::move(key)), m_chain(chain)
    {
    }
    std::optional<PubKey> GetPubKey(int, KeyOriginInfo& info) const override
    {
        info.fingerprint = KeyFingerprint(m_pubkey);
        info.path.clear();
        return m_pubkey;
    }
    bool GetPrivKey(int, Key& key) const override
    {
        if (!m_key) return false;
        key = *m_key;
        return true;
    }
    bool IsRange() const override { return false; }
    size_t GetSize() const override { return m_xonly ? 32 : m_pubkey.size(); }
    std::string ToString(StringType) const override
    {
        return m_xonly ? HexStr(m_pubkey.bytes().subspan(1)) : HexStr(m_pubkey.bytes());
    }
    bool ToPrivateString(std::string& out) const override
    {
        if (!m_key) {
            out = ToString(StringType::PUBLIC);
            return false;
        }
        out = EncodeSecret(*m_key, m_chain);
        return true;
    }
    bool ToNormalizedString(std::string& out) const override
    {
        out = ToString(StringType::PUBLIC);
        return true;
    }
    bool HasPrivateKey() const override { return m_key.has_value(); }
    std::unique_ptr<PubkeyProvider> Clone() const override
    {
        return std::make_unique<ConstPubkeyProvider>(m_expr_index, m_pubkey, m_xonly, m_key, m_chain);
    }

private:
    PubKey m_pubkey;
    bool m_xonly;
    std::optional<Key> m_key;
    Chain m_chain;
};

enum class DeriveType { NON_RANGED, UNHARDENED_RANGED, HARDENED_RANGED };

class Bip32PubkeyProvider final : public PubkeyProvider
{
public:
    Bip32PubkeyProvider(uint32_t idx, const ExtPubKey& root, std::optional<ExtKey> root_priv, KeyPath path,
                        DeriveType derive, bool apostrophe, Chain chain)
        : PubkeyProvider(idx), m_root(root), m_root_priv(std::move(root_priv)), m_path(std::move(path)),
          m_derive(derive), m_apostrophe(apostrophe), m_chain(chain)
    {
        // Derive the fixed part of the path once; ranged children are one step from here.
        if (m_root_priv) {
            ExtKey k = *m_root_priv;
            bool ok = true;
            for (uint32_t i : m_path) {
                ExtKey next;
                if (!k.Derive(next, i)) {
                    ok = false;
                    break;
                }
                k = next;
            }
            if (ok) {
                m_parent_priv = k;
                m_parent = k.Neuter();
            }
        } else if (!IsHardened()) {
            ExtPubKey k = m_root;
            bool ok = true;
            for (uint32_t i : m_path) {
                ExtPubKey next;
                if (!k.Derive(next, i)) {
                    ok = false;
                    break;
                }
                k = next;
            }
            if (ok) m_parent = k;
        }
    }

    std::optional<PubKey> GetPubKey(int pos, KeyOriginInfo& info) const override
    {
        if (!m_parent) return std::nullopt;
        info.fingerprint = m_root.Fingerprint();
        info.path = m_path;
        if (m_derive == DeriveType::NON_RANGED) return m_parent->pubkey;
        if (pos < 0) return std::nullopt;
        if (m_derive == DeriveType::UNHARDENED_RANGED) {
            ExtPubKey child;
            if (!m_parent->Derive(child, uint32_t(pos))) return std::nullopt;
            info.path.push_back(uint32_t(pos));
            return child.pubkey;
        }
        if (!m_parent_priv) return std::nullopt;
        ExtKey child;
        const uint32_t index = uint32_t(pos) | BIP32_HARDENED_KEY_LIMIT;
        if (!m_parent_priv->Derive(child, index)) return std::nullopt;
        info.path.push_back(index);
        return child.key.GetPubKey();
    }
    bool GetPrivKey(int pos, Key& key) const override
    {
        if (!m_parent_priv) return false;
        if (m_derive == DeriveType::NON_RANGED) {
            key = m_parent_priv->key;
            return true;
        }
        if (pos < 0) return false;
        ExtKey child;
        uint32_t index = uint32_t(pos) | (m_derive == DeriveType::HARDENED_RANGED ? BIP32_HARDENED_KEY_LIMIT : 0);
        if (!m_parent_priv->Derive(child, index)) return false;
        key = child.key;
        return true;
    }
    bool IsRange() const override { return m_derive != DeriveType::NON_RANGED; }
    size_t GetSize() const override { return 33; }
    std::string ToString(StringType type) const override { return Format(type, /*normalized=*/false); }
    bool ToPrivateString(std::string& out) const override
    {
        if (!m_root_priv) {
            out = ToString(StringType::PUBLIC);
            return false;
        }
        out = EncodeExtKey(*m_root_priv, m_chain) + FormatHDKeypath(m_path, m_apostrophe);
        if (IsRange()) {
            out += "/*";
            if (m_derive == DeriveType::HARDENED_RANGED) out += m_apostrophe ? '\'' : 'h';
        }
        return true;
    }
    bool ToNormalizedString(std::string& out) const override
    {
        if (m_derive == DeriveType::HARDENED_RANGED) {
            out = Format(StringType::PUBLIC, /*normalized=*/true);
            return true;
        }
        int last_hardened = int(m_path.size()) - 1;
        while (last_hardened >= 0 && !(m_path[last_hardened] >> 31)) --last_hardened;
        if (last_hardened < 0) {
            out = Format(StringType::PUBLIC, /*normalized=*/false);
            return true;
        }
        // The xpub at the last hardened step becomes the key; the hardened steps go into its origin.
        if (!m_root_priv) return false;
        ExtKey k = *m_root_priv;
        KeyOriginInfo origin;
        origin.fingerprint = m_root.Fingerprint();
        for (int i = 0; i <= last_hardened; ++i) {
            ExtKey next;
            if (!k.Derive(next, m_path[i])) return false;
            k = next;
            origin.path.push_back(m_path[i]);
        }
        KeyPath rest(m_path.begin() + last_hardened + 1, m_path.end());
        out = "[" + FormatKeyOrigin(origin) + "]" + EncodeExtPubKey(k.Neuter(), m_chain) + FormatHDKeypath(rest);
        if (IsRange()) out += "/*";
        return true;
    }
    bool HasPrivateKey() const override { return m_root_priv.has_value(); }
    bool IsBIP32() const override { return true; }
    std::unique_ptr<PubkeyProvider> Clone() const override
    {
        return std::make_unique<Bip32PubkeyProvider>(m_expr_index, m_root, m_root_priv, m_path, m_derive,
                                                     m_apostrophe, m_chain);
    }

private:
    bool IsHardened() const
    {
        if (m_derive == DeriveType::HARDENED_RANGED) return true;
        return std::any_of(m_path.begin(), m_path.end(), [](uint32_t i) { return i >> 31; });
    }
    std::string Format(StringType type, bool normalized) const
    {
        // COMPAT always prints ' for compatibility with descriptors from before 'h' was the default.
        const bool apostrophe = (!normalized && m_apostrophe) || type == StringType::COMPAT;
        std::string ret = EncodeExtPubKey(m_root, m_chain) + FormatHDKeypath(m_path, apostrophe);
        if (IsRange()) {
            ret += "/*";
            if (m_derive == DeriveType::HARDENED_RANGED) ret += apostrophe ? '\'' : 'h';
        }
        return ret;
    }

    ExtPubKey m_root;
    std::optional<ExtKey> m_root_priv;
    KeyPath m_path;
    DeriveType m_derive;
    bool m_apostrophe;
    Chain m_chain;
    std::optional<ExtPubKey> m_parent;
    std::optional<ExtKey> m_parent_priv;
};

class OriginPubkeyProvider final : public PubkeyProvider
{
public:
    OriginPubkeyProvider(uint32_t idx, KeyOriginInfo origin, std::unique_ptr<PubkeyProvider> provider,
                         bool apostrophe)
        : PubkeyProvider(idx), m_origin(std::move(origin)), m_provider(std::move(provider)),
          m_apostrophe(apostrophe)
    {
    }
    std::optional<PubKey> GetPubKey(int pos, KeyOriginInfo& info) const override
    {
        KeyOriginInfo sub;
        auto pk = m_provider->GetPubKey(pos, sub);
        if (!pk) return std::nullopt;
        info.fingerprint = m_origin.fingerprint;
        info.path = m_origin.path;
        info.path.insert(info.path.end(), sub.path.begin(), sub.path.end());
        return pk;
    }
    bool GetPrivKey(int pos, Key& key) const override { return m_provider->GetPrivKey(pos, key); }
    bool IsRange() const override { return m_provider->IsRange(); }
    size_t GetSize() const override { return m_provider->GetSize(); }
    std::string ToString(StringType type) const override
    {
        return "[" + OriginString(type, false) + "]" + m_provider->ToString(type);
    }
    bool ToPrivateString(std::string& out) const override
    {
        std::string sub;
        const bool has_priv = m_provider->ToPrivateString(sub);
        out = "[" + OriginString(StringType::PUBLIC, false) + "]" + sub;
        return has_priv;
    }
    bool ToNormalizedString(std::string& out) const override
    {
        std::string sub;
        if (!m_provider->ToNormalizedString(sub)) return false;
        // A normalized BIP32 key may bring its own origin; append its path to ours, dropping its fingerprint.
        if (!sub.empty() && sub[0] == '[') {
            out = "[" + OriginString(StringType::PUBLIC, true) + sub.substr(9);
        } else {
            out = "[" + OriginString(StringType::PUBLIC, true) + "]" + sub;
        }
        return true;
    }
    bool HasPrivateKey() const override { return m_provider->HasPrivateKey(); }
    bool IsBIP32() const override { return m_provider->IsBIP32(); }
    std::unique_ptr<PubkeyProvider> Clone() const override
    {
        return std::make_unique<OriginPubkeyProvider>(m_expr_index, m_origin, m_provider->Clone(), m_apostrophe);
    }

private:
    std::string OriginString(StringType type, bool normalized) const
    {
        const bool apostrophe = (!normalized && m_apostrophe) || type == StringType::COMPAT;
        return FormatKeyOrigin(m_origin, apostrophe);
    }
    KeyOriginInfo m_origin;
    std::unique_ptr<PubkeyProvider> m_provider;
    bool m_apostrophe;
};

/** BIP327 KeyAgg of compressed keys (in the given order); nullopt on failure. */
std::optional<PubKey> MuSig2AggregatePubkeys(const std::vector<PubKey>& keys)
{
    static const std::array<uint8_t, 32> ORDER = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                                  0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                                                  0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
    if (keys.empty()) return std::nullopt;
    for (const auto& k : keys) {
        if (!k.IsCompressed()) return std::nullopt;
    }
    HashWriter list = TaggedHashWriter("KeyAgg list");
    for (const auto& k : keys) list.write(k.bytes());
    const uint256 l_hash = list.GetSha256();
    // The second distinct key gets coefficient 1 (BIP327 GetSecondKey).
    const PubKey* second = nullptr;
    for (const auto& k : keys) {
        if (!(k == keys[0])) {
            second = &k;
            break;
        }
    }
    static secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    std::vector<secp256k1_pubkey> points(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
        if (!secp256k1_ec_pubkey_parse(ctx, &points[i], keys[i].data(), keys[i].size())) return std::nullopt;
        if (second && keys[i] == *second) continue;
        HashWriter coef = TaggedHashWriter("KeyAgg coefficient");
        coef.write({l_hash.begin(), 32});
        coef.write(keys[i].bytes());
        uint256 a = coef.GetSha256();
        // Reduce modulo the group order (a >= n has negligible probability but must be handled).
        if (!std::lexicographical_compare(a.begin(), a.end(), ORDER.begin(), ORDER.end())) {
            int borrow = 0;
            for (int j = 31; j >= 0; --j) {
                int d = int(a.begin()[j]) - ORDER[j] - borrow;
                borrow = d < 0;
                a.begin()[j] = uint8_t(d + (borrow ? 256 : 0));
            }
        }
        if (!secp256k1_ec_pubkey_tweak_mul(ctx, &points[i], a.begin())) return std::nullopt;
    }
    std::vector<const secp256k1_pubkey*> ptrs;
    for (const auto& p : points) ptrs.push_back(&p);
    secp256k1_pubkey sum;
    if (!secp256k1_ec_pubkey_combine(ctx, &sum, ptrs.data(), ptrs.size())) return std::nullopt;
    uint8_t out[33];
    size_t len = sizeof(out);
    secp256k1_ec_pubkey_serialize(ctx, out, &len, &sum, SECP256K1_EC_COMPRESSED);
    return PubKey(std::span<const uint8_t>(out, len));
}

/** BIP328: the aggregate key as a depth-0 xpub with a fixed chain code, so it can be derived from. */
ExtPubKey MuSig2SyntheticXpub(const PubKey& aggregate)
{
    static constexpr ChainCode CHAINCODE = {0x86, 0x80, 0x87, 0xca, 0x02, 0xa6, 0xf9, 0x74, 0xc4, 0x59, 0x89,
                                            0x24, 0xc3, 0x6b, 0x57, 0x76, 0x2d, 0x32, 0xcb, 0x45, 0x71, 0x71,
                                            0x67, 0xe3, 0x00, 0x62, 0x2c, 0x71, 0x67, 0xe3, 0x89, 0x65};
    ExtPubKey x;
    x.chaincode = CHAINCODE;
    x.pubkey = aggregate;
    return x;
}

/** musig(KEY,...) with optional unhardened path and range (BIP390): the sorted participants aggregated with
 *  KeyAgg, then derived from the BIP328 synthetic xpub. */
class MuSigPubkeyProvider final : public PubkeyProvider
{
public:
    MuSigPubkeyProvider(uint32_t idx, std::vector<std::unique_ptr<PubkeyProvider>> participants, KeyPath path,
                        bool ranged, Chain chain)
        : PubkeyProvider(idx), m_participants(std::move(participants)), m_path(std::move(path)), m_ranged(ranged),
          m_chain(chain)
    {
    }
    std::optional<PubKey> GetPubKey(int pos, KeyOriginInfo& info) const override
    {
        std::vector<PubKey> keys;
        for (const auto& p : m_participants) {
            KeyOriginInfo sub;
            auto pk = p->GetPubKey(pos, sub);
            if (!pk) return std::nullopt;
            keys.push_back(*pk);
        }
        std::sort(keys.begin(), keys.end());
        auto agg = MuSig2AggregatePubkeys(keys);
        if (!agg) return std::nullopt;
        if (!m_ranged && m_path.empty()) {
            info.fingerprint = KeyFingerprint(*agg);
            info.path.clear();
            return agg;
        }
        ExtPubKey x = MuSig2SyntheticXpub(*agg);
        info.fingerprint = x.Fingerprint();
        info.path.clear();
        for (uint32_t i : m_path) {
            ExtPubKey next;
            if (!x.Derive(next, i)) return std::nullopt;
            x = next;
            info.path.push_back(i);
        }
        if (m_ranged) {
            if (pos < 0) return std::nullopt;
            ExtPubKey next;
            if (!x.Derive(next, uint32_t(pos))) return std::nullopt;
            x = next;
            info.path.push_back(uint32_t(pos));
        }
        return x.pubkey;
    }
    bool GetPrivKey(int, Key&) const override { return false; }
    bool IsRange() const override
    {
        if (m_ranged) return true;
        for (const auto& p : m_participants) {
            if (p->IsRange()) return true;
        }
        return false;
    }
    size_t GetSize() const override { return 32; }
    std::string ToString(StringType type) const override
    {
        std::string out = "musig(";
        for (size_t i = 0; i < m_participants.size(); ++i) {
            if (i) out += ',';
            out += m_participants[i]->ToString(type);
        }
        return out + ")" + Suffix();
    }
    bool ToPrivateString(std::string& out) const override
    {
        bool any = false;
        out = "musig(";
        for (size_t i = 0; i < m_participants.size(); ++i) {
            if (i) out += ',';
            std::string tmp;
            any = m_participants[i]->ToPrivateString(tmp) || any;
            out += tmp;
        }
        out += ")" + Suffix();
        return any;
    }
    bool ToNormalizedString(std::string& out) const override
    {
        out = "musig(";
        for (size_t i = 0; i < m_participants.size(); ++i) {
            if (i) out += ',';
            std::string tmp;
            if (!m_participants[i]->ToNormalizedString(tmp)) return false;
            out += tmp;
        }
        out += ")" + Suffix();
        return true;
    }
    bool HasPrivateKey() const override
    {
        for (const auto& p : m_participants) {
            if (p->HasPrivateKey()) return true;
        }
        return false;
    }
    std::unique_ptr<PubkeyProvider> Clone() const override
    {
        std::vector<std::unique_ptr<PubkeyProvider>> parts;
        for (const auto& p : m_participants) parts.push_back(p->Clone());
        return std::make_unique<MuSigPubkeyProvider>(m_expr_index, std::move(parts), m_path, m_ranged, m_chain);
    }

private:
    std::string Suffix() const { return FormatHDKeypath(m_path) + (m_ranged ? "/*" : ""); }
    std::vector<std::unique_ptr<PubkeyProvider>> m_participants;
    KeyPath m_path;
    bool m_ranged;
    Chain m_chain;
};

// ---------------------------------------------------------------------------------------------------------------
// Script descriptors.

class DescriptorImpl : public Descriptor
{
public:
    DescriptorImpl(std::vector<std::unique_ptr<PubkeyProvider>> keys, std::string name)
        : m_keys(std::move(keys)), m_name(std::move(name))
    {
    }
    DescriptorImpl(std::vector<std::unique_ptr<PubkeyProvider>> keys, std::unique_ptr<DescriptorImpl> sub,
                   std::string name)
        : m_keys(std::move(keys)), m_name(std::move(name))
    {
        if (sub) m_subs.push_back(std::move(sub));
    }
    DescriptorImpl(std::vector<std::unique_ptr<PubkeyProvider>> keys,
                   std::vector<std::unique_ptr<DescriptorImpl>> subs, std::string name)
        : m_keys(std::move(keys)), m_subs(std::move(subs)), m_name(std::move(name))
    {
    }

    bool IsRange() const override
    {
        for (const auto& k : m_keys) {
            if (k->IsRange()) return true;
        }
        for (const auto& s : m_subs) {
            if (s->IsRange()) return true;
        }
        return false;
    }
    bool IsSolvable() const override
    {
        for (const auto& s : m_subs) {
            if (!s->IsSolvable()) return false;
        }
        return true;
    }
    bool IsSingleType() const override { return true; }
    bool HavePrivateKeys() const override
    {
        for (const auto& k : m_keys) {
            if (k->HasPrivateKey()) return true;
        }
        for (const auto& s : m_subs) {
            if (s->HavePrivateKeys()) return true;
        }
        return false;
    }

    std::string ToString(bool compat_format) const override
    {
        std::string ret;
        ToStringHelper(compat_format ? StringType::COMPAT : StringType::PUBLIC, ret);
        return AddDescriptorChecksum(ret);
    }
    bool ToPrivateString(std::string& out) const override
    {
        std::string ret;
        const bool has_priv = ToStringHelper(StringType::PRIVATE, ret);
        out = AddDescriptorChecksum(ret);
        return has_priv;
    }
    bool ToNormalizedString(std::string& out) const override
    {
        std::string ret;
        if (!ToStringHelper(StringType::NORMALIZED, ret)) return false;
        out = AddDescriptorChecksum(ret);
        return true;
    }

    bool Expand(int pos, std::vector<Script>& scripts, FlatSigningProvider& out) const override
    {
        return ExpandHelper(pos, scripts, out);
    }
    void ExpandPrivate(int pos, FlatSigningProvider& out) const override
    {
        for (const auto& k : m_keys) {
            Key key;
            if (k->GetPrivKey(pos, key)) out.keys.emplace(key.GetPubKey().GetID(), key);
        }
        for (const auto& s : m_subs) s->ExpandPrivate(pos, out);
    }

    /** For PRIVATE, keys without a private part print in public form and the result says whether any key
     *  had one (as Core since v30); for NORMALIZED, false when a key cannot be normalized. */
    virtual bool ToStringHelper(StringType type, std::string& out) const
    {
        std::string extra = ToStringExtra();
        size_t pos = extra.empty() ? 0 : 1;
        std::string ret = m_name + "(" + extra;
        const bool is_private = type == StringType::PRIVATE;
        bool any_success = !is_private;
        for (const auto& k : m_keys) {
            if (pos++) ret += ',';
            std::string tmp;
            const bool res = KeyString(*k, type, tmp);
            if (type == StringType::NORMALIZED && !res) return false;
            if (is_private) any_success = res || any_success;
            ret += tmp;
        }
        std::string subs;
        const bool sub_res = ToStringSubScriptHelper(type, subs);
        if (!is_private && !sub_res) return false;
        any_success = any_success || sub_res;
        if (pos && !subs.empty()) ret += ',';
        out = ret + subs + ")";
        return any_success;
    }

    bool ExpandHelper(int pos, std::vector<Script>& scripts, FlatSigningProvider& out) const
    {
        std::vector<PubKey> pubkeys;
        pubkeys.reserve(m_keys.size());
        for (const auto& k : m_keys) {
            KeyOriginInfo info;
            auto pk = k->GetPubKey(pos, info);
            if (!pk) return false;
            out.origins.emplace(pk->GetID(), std::make_pair(*pk, info));
            pubkeys.push_back(*pk);
        }
        std::vector<Script> subscripts;
        for (const auto& s : m_subs) {
            std::vector<Script> sub_out;
            if (!s->ExpandHelper(pos, sub_out, out)) return false;
            if (sub_out.size() != 1) return false;
            subscripts.push_back(std::move(sub_out[0]));
        }
        scripts = MakeScripts(pubkeys, subscripts, out);
        return true;
    }

    virtual std::unique_ptr<DescriptorImpl> Clone() const = 0;

protected:
    static bool KeyString(const PubkeyProvider& k, StringType type, std::string& out)
    {
        switch (type) {
        case StringType::PRIVATE: return k.ToPrivateString(out);
        case StringType::NORMALIZED: return k.ToNormalizedString(out);
        case StringType::PUBLIC:
        case StringType::COMPAT: out = k.ToString(type); return true;
        }
        return false;
    }
    virtual std::string ToStringExtra() const { return ""; }
    virtual bool ToStringSubScriptHelper(StringType type, std::string& out) const
    {
        const bool is_private = type == StringType::PRIVATE;
        bool any_success = !is_private;
        size_t pos = 0;
        for (const auto& s : m_subs) {
            if (pos++) out += ',';
            std::string tmp;
            const bool res = s->ToStringHelper(type, tmp);
            if (!is_private && !res) return false;
            any_success = any_success || res;
            out += tmp;
        }
        return any_success;
    }
    virtual std::vector<Script> MakeScripts(const std::vector<PubKey>& keys, std::span<const Script> subs,
                                            FlatSigningProvider& out) const = 0;
    std::vector<std::unique_ptr<PubkeyProvider>> CloneKeys() const
    {
        std::vector<std::unique_ptr<PubkeyProvider>> ret;
        for (const auto& k : m_keys) ret.push_back(k->Clone());
        return ret;
    }
    std::vector<std::unique_ptr<DescriptorImpl>> CloneSubs() const
    {
        std::vector<std::unique_ptr<DescriptorImpl>> ret;
        for (const auto& s : m_subs) ret.push_back(s->Clone());
        return ret;
    }

    std::vector<std::unique_ptr<PubkeyProvider>> m_keys;
    std::vector<std::unique_ptr<DescriptorImpl>> m_subs;
    std::string m_name;
};

std::vector<uint8_t> XOnlyBytes(const PubKey& pk) { return {pk.begin() + 1, pk.begin() + 33}; }

Script P2PKHScript(const PubKey& pk)
{
    uint160 id = pk.GetID();
    Script s;
    s << OP_DUP << OP_HASH160 << std::span<const uint8_t>(id.begin(), 20) << OP_EQUALVERIFY << OP_CHECKSIG;
    return s;
}

Script P2WPKHScript(const PubKey& pk)
{
    uint160 id = pk.GetID();
    Script s;
    s << OP_0 << std::span<const uint8_t>(id.begin(), 20);
    return s;
}

Script P2SHScript(const Script& inner)
{
    uint160 id = ScriptId(inner);
    Script s;
    s << OP_HASH160 << std::span<const uint8_t>(id.begin(), 20) << OP_EQUAL;
    return s;
}

class AddressDescriptor final : public DescriptorImpl
{
public:
    AddressDescriptor(Destination dest, Chain chain) : DescriptorImpl({}, "addr"), m_dest(std::move(dest)), m_chain(chain) {}
    bool IsSolvable() const override { return false; }
    std::optional<OutputType> GetOutputType() const override
    {
        if (std::holds_alternative<PKHash>(m_dest)) return OutputType::LEGACY;
        if (std::holds_alternative<ScriptHash>(m_dest)) return OutputType::LEGACY;  // as Core: P2SH is legacy
        if (std::holds_alternative<WitnessV0KeyHash>(m_dest) || std::holds_alternative<WitnessV0ScriptHash>(m_dest))
            return OutputType::BECH32;
        if (std::holds_alternative<WitnessV1Taproot>(m_dest) || std::holds_alternative<WitnessUnknown>(m_dest))
            return OutputType::BECH32M;
        return std::nullopt;
    }
    bool ToStringHelper(StringType type, std::string& out) const override
    {
        out = "addr(" + EncodeDestination(m_dest, m_chain) + ")";
        return type != StringType::PRIVATE;  // no keys, so never a private one
    }
    std::unique_ptr<DescriptorImpl> Clone() const override
    {
        return std::make_unique<AddressDescriptor>(m_dest, m_chain);
    }

protected:
    std::vector<Script> MakeScripts(const std::vector<PubKey>&, std::span<const Script>,
                                    FlatSigningProvider&) const override
    {
        return {GetScriptForDestination(m_dest)};
    }

private:
    Destination m_dest;
    Chain m_chain;
};

class RawDescriptor final : public DescriptorImpl
{
public:
    explicit RawDescriptor(Script script) : DescriptorImpl({}, "raw"), m_script(std::move(script)) {}
    bool IsSolvable() const override { return false; }
    std::optional<OutputType> GetOutputType() const override
    {
        Destination dest;
        if (!ExtractDestination(m_script, dest)) return std::nullopt;
        if (std::holds_alternative<PKHash>(dest) || std::holds_alternative<ScriptHash>(dest)) return OutputType::LEGACY;
        if (std::holds_alternative<WitnessV0KeyHash>(dest) || std::holds_alternative<WitnessV0ScriptHash>(dest))
            return OutputType::BECH32;
        if (std::holds_alternative<WitnessV1Taproot>(dest) || std::holds_alternative<WitnessUnknown>(dest))
            return OutputType::BECH32M;
        return std::nullopt;
    }
    bool ToStringHelper(StringType type, std::string& out) const override
    {
        out = "raw(" + HexStr(m_script.bytes()) + ")";
        return type != StringType::PRIVATE;
    }
    std::unique_ptr<DescriptorImpl> Clone() const override { return std::make_unique<RawDescriptor>(m_script); }

protected:
    std::vector<Script> MakeScripts(const std::vector<PubKey>&, std::span<const Script>,
                                    FlatSigningProvider&) const override
    {
        return {m_script};
    }

private:
    Script m_script;
};

std::vector<std::unique_ptr<PubkeyProvider>> One(std::unique_ptr<PubkeyProvider> p)
{
    std::vector<std::unique_ptr<PubkeyProvider>> v;
    v.push_back(std::move(p));
    return v;
}

class PKDescriptor final : public DescriptorImpl
{
public:
    PKDescriptor(std::unique_ptr<PubkeyProvider> key, bool xonly)
        : DescriptorImpl(One(std::move(key)), "pk"), m_xonly(xonly)
    {
    }
    std::optional<OutputType> GetOutputType() const override { return std::nullopt; }
    std::unique_ptr<DescriptorImpl> Clone() const override
    {
        return std::make_unique<PKDescriptor>(m_keys[0]->Clone(), m_xonly);
    }

protected:
    std::vector<Script> MakeScripts(const std::vector<PubKey>& keys, std::span<const Script>,
                                    FlatSigningProvider&) const override
    {
        Script s;
        if (m_xonly) {
            s << XOnlyBytes(keys[0]);
        } else {
            s << keys[0].bytes();
        }
        s << OP_CHECKSIG;
        return {s};
    }

private:
    bool m_xonly;
};

/** pkh(); inside tr() it is the miniscript fragment, which hashes the x-only key (BIP379). */
class PKHDescriptor final : public DescriptorImpl
{
public:
    PKHDescriptor(std::unique_ptr<PubkeyProvider> key, bool xonly)
        : DescriptorImpl(One(std::move(key)), "pkh"), m_xonly(xonly)
    {
    }
    std::optional<OutputType> GetOutputType() const override
    {
        return m_xonly ? std::nullopt : std::optional<OutputType>(OutputType::LEGACY);
    }
    std::unique_ptr<DescriptorImpl> Clone() const override
    {
        return std::make_unique<PKHDescriptor>(m_keys[0]->Clone(), m_xonly);
    }

protected:
    std::vector<Script> MakeScripts(const std::vector<PubKey>& keys, std::span<const Script>,
                                    FlatSigningProvider& out) const override
    {
        if (!m_xonly) {
            out.pubkeys.emplace(keys[0].GetID(), keys[0]);
            return {P2PKHScript(keys[0])};
        }
        uint160 id = Hash160(XOnlyBytes(keys[0]));
        Script s;
        s << OP_DUP << OP_HASH160 << std::span<const uint8_t>(id.begin(), 20) << OP_EQUALVERIFY << OP_CHECKSIG;
        return {s};
    }

private:
    bool m_xonly;
};

class WPKHDescriptor final : public DescriptorImpl
{
public:
    explicit WPKHDescriptor(std::unique_ptr<PubkeyProvider> key) : DescriptorImpl(One(std::move(key)), "wpkh") {}
    std::optional<OutputType> GetOutputType() const override { return OutputType::BECH32; }
    std::unique_ptr<DescriptorImpl> Clone() const override
    {
        return std::make_unique<WPKHDescriptor>(m_keys[0]->Clone());
    }

protected:
    std::vector<Script> MakeScripts(const std::vector<PubKey>& keys, std::span<const Script>,
                                    FlatSigningProvider& out) const override
    {
        out.pubkeys.emplace(keys[0].GetID(), keys[0]);
        return {P2WPKHScript(keys[0])};
    }
};

class ComboDescriptor final : public DescriptorImpl
{
public:
    explicit ComboDescriptor(std::unique_ptr<PubkeyProvider> key) : DescriptorImpl(One(std::move(key)), "combo") {}
    std::optional<OutputType> GetOutputType() const override { return std::nullopt; }
    bool IsSingleType() const override { return false; }
    std::unique_ptr<DescriptorImpl> Clone() const override
    {
        return std::make_unique<ComboDescriptor>(m_keys[0]->Clone());
    }

protected:
    std::vector<Script> MakeScripts(const std::vector<PubKey>& keys, std::span<const Script>,
                                    FlatSigningProvider& out) const override
    {
        // BIP384 order: P2PK, P2PKH, and for compressed keys P2WPKH and P2SH-P2WPKH.
        std::vector<Script> ret;
        const PubKey& pk = keys[0];
        out.pubkeys.emplace(pk.GetID(), pk);
        Script p2pk;
        p2pk << pk.bytes() << OP_CHECKSIG;
        ret.push_back(p2pk);
        ret.push_back(P2PKHScript(pk));
        if (pk.IsCompressed()) {
            Script wpkh = P2WPKHScript(pk);
            out.scripts.emplace(ScriptId(wpkh), wpkh);
            ret.push_back(wpkh);
            ret.push_back(P2SHScript(wpkh));
        }
        return ret;
    }
};

class MultisigDescriptor final : public DescriptorImpl
{
public:
    MultisigDescriptor(int threshold, std::vector<std::unique_ptr<PubkeyProvider>> keys, bool sorted)
        : DescriptorImpl(std::move(keys), sorted ? "sortedmulti" : "multi"), m_threshold(threshold),
          m_sorted(sorted)
    {
    }
    std::optional<OutputType> GetOutputType() const override { return std::nullopt; }
    std::unique_ptr<DescriptorImpl> Clone() const override
    {
        return std::make_unique<MultisigDescriptor>(m_threshold, CloneKeys(), m_sorted);
    }

protected:
    std::string ToStringExtra() const override { return std::to_string(m_threshold); }
    std::vector<Script> MakeScripts(const std::vector<PubKey>& keys, std::span<const Script>,
                                    FlatSigningProvider&) const override
    {
        std::vector<PubKey> sorted = keys;
        if (m_sorted) std::sort(sorted.begin(), sorted.end());  // BIP67: lexicographic order of the encodings
        Script s;
        s.PushInt(m_threshold);
        for (const auto& k : sorted) s << k.bytes();
        s.PushInt(int64_t(sorted.size()));
        s << OP_CHECKMULTISIG;
        return {s};
    }

private:
    int m_threshold;
    bool m_sorted;
};

class MultiADescriptor final : public DescriptorImpl
{
public:
    MultiADescriptor(int threshold, std::vector<std::unique_ptr<PubkeyProvider>> keys, bool sorted)
        : DescriptorImpl(std::move(keys), sorted ? "sortedmulti_a" : "multi_a"), m_threshold(threshold),
          m_sorted(sorted)
    {
    }
    std::optional<OutputType> GetOutputType() const override { return std::nullopt; }
    std::unique_ptr<DescriptorImpl> Clone() const override
    {
        return std::make_unique<MultiADescriptor>(m_threshold, CloneKeys(), m_sorted);
    }

protected:
    std::string ToStringExtra() const override { return std::to_string(m_threshold); }
    std::vector<Script> MakeScripts(const std::vector<PubKey>& keys, std::span<const Script>,
                                    FlatSigningProvider&) const override
    {
        std::vector<std::vector<uint8_t>> xonly;
        for (const auto& k : keys) xonly.push_back(XOnlyBytes(k));
        if (m_sorted) std::sort(xonly.begin(), xonly.end());
        Script s;
        for (size_t i = 0; i < xonly.size(); ++i) {
            s << xonly[i] << (i == 0 ? OP_CHECKSIG : OP_CHECKSIGADD);
        }
        s.PushInt(m_threshold);
        s << OP_NUMEQUAL;
        return {s};
    }

private:
    int m_threshold;
    bool m_sorted;
};

class SHDescriptor final : public DescriptorImpl
{
public:
    explicit SHDescriptor(std::unique_ptr<DescriptorImpl> sub) : DescriptorImpl({}, std::move(sub), "sh") {}
    std::optional<OutputType> GetOutputType() const override
    {
        auto t = m_subs[0]->GetOutputType();
        if (t == OutputType::BECH32) return OutputType::P2SH_SEGWIT;
        return OutputType::LEGACY;
    }
    std::unique_ptr<DescriptorImpl> Clone() const override
    {
        return std::make_unique<SHDescriptor>(m_subs[0]->Clone());
    }

protected:
    std::vector<Script> MakeScripts(const std::vector<PubKey>&, std::span<const Script> subs,
                                    FlatSigningProvider& out) const override
    {
        out.scripts.emplace(ScriptId(subs[0]), subs[0]);
        return {P2SHScript(subs[0])};
    }
};

class WSHDescriptor final : public DescriptorImpl
{
public:
    explicit WSHDescriptor(std::unique_ptr<DescriptorImpl> sub) : DescriptorImpl({}, std::move(sub), "wsh") {}
    std::optional<OutputType> GetOutputType() const override { return OutputType::BECH32; }
    std::unique_ptr<DescriptorImpl> Clone() const override
    {
        return std::make_unique<WSHDescriptor>(m_subs[0]->Clone());
    }

protected:
    std::vector<Script> MakeScripts(const std::vector<PubKey>&, std::span<const Script> subs,
                                    FlatSigningProvider& out) const override
    {
        out.scripts.emplace(ScriptId(subs[0]), subs[0]);
        uint256 h = Sha256Hash(subs[0].bytes());
        Script s;
        s << OP_0 << std::span<const uint8_t>(h.begin(), 32);
        return {s};
    }
};

uint256 TapLeafHash(const Script& script)
{
    HashWriter w = TaggedHashWriter("TapLeaf");
    uint8_t ver = TAPROOT_LEAF_TAPSCRIPT;
    w.write({&ver, 1});
    // CompactSize length prefix of the script.
    uint8_t len[9];
    size_t n = script.size(), l;
    if (n < 253) {
        len[0] = uint8_t(n);
        l = 1;
    } else if (n <= 0xffff) {
        len[0] = 253;
        len[1] = uint8_t(n);
        len[2] = uint8_t(n >> 8);
        l = 3;
    } else {
        len[0] = 254;
        for (int i = 0; i < 4; ++i) len[1 + i] = uint8_t(n >> (8 * i));
        l = 5;
    }
    w.write({len, l});
    w.write(script.bytes());
    return w.GetSha256();
}

uint256 TapBranchHash(const uint256& a, const uint256& b)
{
    HashWriter w = TaggedHashWriter("TapBranch");
    const bool a_first = std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
    w.write(a_first ? std::span<const uint8_t>(a.begin(), 32) : std::span<const uint8_t>(b.begin(), 32));
    w.write(a_first ? std::span<const uint8_t>(b.begin(), 32) : std::span<const uint8_t>(a.begin(), 32));
    return w.GetSha256();
}

/** The BIP341 Merkle root of leaves given in depth-first order with their depths; nullopt when the depths do
 *  not form a full binary tree. */
std::optional<uint256> TaprootMerkleRoot(const std::vector<std::pair<int, Script>>& leaves)
{
    std::vector<std::optional<uint256>> branch;
    for (const auto& [depth_in, script] : leaves) {
        int depth = depth_in;
        uint256 node = TapLeafHash(script);
        for (;;) {
            if (depth < 0) return std::nullopt;
            if (branch.size() <= size_t(depth)) branch.resize(depth + 1);
            if (!branch[depth]) {
                branch[depth] = node;
                break;
            }
            if (depth == 0) return std::nullopt;
            node = TapBranchHash(*branch[depth], node);
            branch[depth].reset();
            --depth;
        }
        // Nothing may hang below a completed subtree.
        branch.resize(size_t(std::max(depth, 0)) + 1);
    }
    if (branch.empty() || !branch[0]) return std::nullopt;
    for (size_t i = 1; i < branch.size(); ++i) {
        if (branch[i]) return std::nullopt;
    }
    return branch[0];
}

class TRDescriptor final : public DescriptorImpl
{
public:
    TRDescriptor(std::unique_ptr<PubkeyProvider> internal, std::vector<std::unique_ptr<DescriptorImpl>> subs,
                 std::vector<int> depths)
        : DescriptorImpl(One(std::move(internal)), std::move(subs), "tr"), m_depths(std::move(depths))
    {
    }
    std::optional<OutputType> GetOutputType() const override { return OutputType::BECH32M; }
    std::unique_ptr<DescriptorImpl> Clone() const override
    {
        return std::make_unique<TRDescriptor>(m_keys[0]->Clone(), CloneSubs(), m_depths);
    }

protected:
    bool ToStringSubScriptHelper(StringType type, std::string& out) const override
    {
        // Without scripts, whether there is a private key depends on the internal key alone.
        if (m_depths.empty()) return type != StringType::PRIVATE;
        const bool is_private = type == StringType::PRIVATE;
        bool any_success = !is_private;
        std::vector<bool> path;
        for (size_t pos = 0; pos < m_depths.size(); ++pos) {
            if (pos) out += ',';
            while (int(path.size()) <= m_depths[pos]) {
                if (!path.empty()) out += '{';
                path.push_back(false);
            }
            std::string tmp;
            const bool res = m_subs[pos]->ToStringHelper(type, tmp);
            if (!is_private && !res) return false;
            any_success = any_success || res;
            out += tmp;
            while (!path.empty() && path.back()) {
                if (path.size() > 1) out += '}';
                path.pop_back();
            }
            if (!path.empty()) path.back() = true;
        }
        return any_success;
    }
    std::vector<Script> MakeScripts(const std::vector<PubKey>& keys, std::span<const Script> subs,
                                    FlatSigningProvider& out) const override
    {
        TaprootTree tree;
        tree.internal_key = XOnlyPubKey(keys[0]);
        for (size_t i = 0; i < subs.size(); ++i) tree.leaves.emplace_back(m_depths[i], subs[i]);
        std::optional<uint256> root;
        if (!tree.leaves.empty()) {
            root = TaprootMerkleRoot(tree.leaves);
            if (!root) return {};
        }
        auto tweaked = tree.internal_key.CreateTapTweak(root ? &*root : nullptr);
        if (!tweaked) return {};
        out.tr_trees[tweaked->first] = tree;
        Script s;
        s << OP_1 << std::span<const uint8_t>(tweaked->first.begin(), 32);
        return {s};
    }

private:
    std::vector<int> m_depths;
};

class RawTRDescriptor final : public DescriptorImpl
{
public:
    explicit RawTRDescriptor(std::unique_ptr<PubkeyProvider> key) : DescriptorImpl(One(std::move(key)), "rawtr") {}
    std::optional<OutputType> GetOutputType() const override { return OutputType::BECH32M; }
    std::unique_ptr<DescriptorImpl> Clone() const override
    {
        return std::make_unique<RawTRDescriptor>(m_keys[0]->Clone());
    }

protected:
    std::vector<Script> MakeScripts(const std::vector<PubKey>& keys, std::span<const Script>,
                                    FlatSigningProvider&) const override
    {
        Script s;
        s << OP_1 << XOnlyBytes(keys[0]);
        return {s};
    }
};


/** A miniscript expression (BIP379) inside wsh() or as a tr() leaf. The node refers to keys by their index in
 *  m_keys, so multipath descriptors share one node. */
class MiniscriptDescriptor final : public DescriptorImpl
{
public:
    MiniscriptDescriptor(std::vector<std::unique_ptr<PubkeyProvider>> keys, miniscript::NodeRef node)
        : DescriptorImpl(std::move(keys), "?"), m_node(std::move(node))
    {
    }
    std::optional<OutputType> GetOutputType() const override { return std::nullopt; }
    bool IsSolvable() const override { return true; }
    std::unique_ptr<DescriptorImpl> Clone() const override
    {
        return std::make_unique<MiniscriptDescriptor>(CloneKeys(), m_node);
    }
    bool ToStringHelper(StringType type, std::string& out) const override
    {
        bool has_priv = false;
        miniscript::KeyCallbacks kc;
        kc.to_string = [&](uint32_t i) -> std::optional<std::string> {
            std::string tmp;
            const bool res = KeyString(*m_keys.at(i), type, tmp);
            if (type == StringType::NORMALIZED && !res) return std::nullopt;
            has_priv = has_priv || (type == StringType::PRIVATE && res);
            return tmp;
        };
        auto res = miniscript::ToString(*m_node, kc);
        if (res) out = *res;
        if (type == StringType::PRIVATE) return has_priv;
        return res.has_value();
    }
    const miniscript::NodeRef& GetNode() const { return m_node; }

protected:
    std::vector<Script> MakeScripts(const std::vector<PubKey>& keys, std::span<const Script>,
                                    FlatSigningProvider& out) const override
    {
        const bool tap = miniscript::IsTapscript(m_node->ctx);
        for (const auto& k : keys) {
            if (tap) {
                out.pubkeys.emplace(Hash160(XOnlyBytes(k)), k);
            } else {
                out.pubkeys.emplace(k.GetID(), k);
            }
        }
        miniscript::KeyCallbacks kc;
        kc.to_bytes = [&](uint32_t i) -> std::vector<uint8_t> {
            const PubKey& pk = keys.at(i);
            if (tap) return XOnlyBytes(pk);
            return {pk.begin(), pk.end()};
        };
        return {miniscript::ToScript(*m_node, kc)};
    }

private:
    miniscript::NodeRef m_node;
};

// ---------------------------------------------------------------------------------------------------------------
// Parsing.

enum class ParseContext { TOP, P2SH, P2WPKH, P2WSH, P2TR, MUSIG };

struct ParseState {
    Chain chain;
    uint32_t key_exp_index{0};
    std::string error;
};

using Providers = std::vector<std::unique_ptr<PubkeyProvider>>;
using Descs = std::vector<std::unique_ptr<DescriptorImpl>>;

struct PathElem {
    uint32_t index;
    bool hardened;
};

std::optional<PathElem> ParseKeyPathElement(Span elem, std::string& error)
{
    const std::string raw = Str(elem);
    if (elem.empty()) {
        error = "Key path value '" + raw + "' is not valid";
        return std::nullopt;
    }
    bool hardened = false;
    if (elem.back() == '\'' || elem.back() == 'h') {
        elem = elem.first(elem.size() - 1);
        hardened = true;
    }
    auto num = ToU32(std::string_view(elem.data(), elem.size()));
    if (!num) {
        error = "Key path value '" + raw + "' is not a valid uint32";
        return std::nullopt;
    }
    if (*num >= BIP32_HARDENED_KEY_LIMIT) {
        error = "Key path value " + std::to_string(*num) + " is out of range";
        return std::nullopt;
    }
    return PathElem{*num, hardened};
}

/** Elements after the first of split (the key itself); BIP389 <a;b;...> gives one path per alternative. */
bool ParseKeyPath(const std::vector<Span>& split, std::vector<KeyPath>& out, bool& apostrophe, std::string& error,
                  bool allow_multipath)
{
    auto parse = [&](Span elem) -> std::optional<uint32_t> {
        auto e = ParseKeyPathElement(elem, error);
        if (!e) return std::nullopt;
        if (e->hardened) {
            apostrophe = elem.back() == '\'';
            return e->index | BIP32_HARDENED_KEY_LIMIT;
        }
        return e->index;
    };
    KeyPath path;
    std::optional<size_t> placeholder;
    std::vector<uint32_t> alternatives;
    for (size_t i = 1; i < split.size(); ++i) {
        Span elem = split[i];
        if (!elem.empty() && elem.front() == '<' && elem.back() == '>') {
            if (!allow_multipath) {
                error = "Key path value '" + Str(elem) +
                        "' specifies multipath in a section where multipath is not allowed";
                return false;
            }
            if (placeholder) {
                error = "Multiple multipath key path specifiers found";
                return false;
            }
            auto nums = Split(elem.subspan(1, elem.size() - 2), ';');
            if (nums.size() < 2) {
                error = "Multipath key path specifiers must have at least two items";
                return false;
            }
            std::unordered_set<uint32_t> seen;
            for (Span num : nums) {
                auto v = parse(num);
                if (!v) return false;
                if (!seen.insert(*v).second) {
                    error = "Duplicated key path value " + std::to_string(*v) + " in multipath specifier";
                    return false;
                }
                alternatives.push_back(*v);
            }
            path.push_back(0);
            placeholder = path.size() - 1;
        } else {
            auto v = parse(elem);
            if (!v) return false;
            path.push_back(*v);
        }
    }
    if (!placeholder) {
        out.push_back(std::move(path));
    } else {
        for (uint32_t v : alternatives) {
            KeyPath p = path;
            p[*placeholder] = v;
            out.push_back(std::move(p));
        }
    }
    return true;
}

DeriveType ParseDeriveType(std::vector<Span>& split, bool& apostrophe)
{
    const std::string last = Str(split.back());
    if (last == "*") {
        split.pop_back();
        return DeriveType::UNHARDENED_RANGED;
    }
    if (last == "*'" || last == "*h") {
        apostrophe = last == "*'";
        split.pop_back();
        return DeriveType::HARDENED_RANGED;
    }
    return DeriveType::NON_RANGED;
}

Providers ParsePubkeyInner(ParseState& st, Span sp, ParseContext ctx, bool& apostrophe)
{
    Providers ret;
    const bool permit_uncompressed = ctx == ParseContext::TOP || ctx == ParseContext::P2SH;
    auto split = Split(sp, '/');
    const std::string str = Str(split[0]);
    std::string& error = st.error;
    if (str.empty()) {
        error = "No key provided";
        return {};
    }
    if (IsSpaceChar(str.front()) || IsSpaceChar(str.back())) {
        error = "Key '" + str + "' is invalid due to whitespace";
        return {};
    }
    if (split.size() == 1) {
        if (IsHex(str)) {
            std::vector<uint8_t> data = ParseHex(str);
            PubKey pubkey(data);
            if (pubkey.IsValid() && (pubkey[0] == 6 || pubkey[0] == 7)) {
                error = "Hybrid public keys are not allowed";
                return {};
            }
            if (pubkey.IsFullyValid()) {
                if (permit_uncompressed || pubkey.IsCompressed()) {
                    ret.push_back(std::make_unique<ConstPubkeyProvider>(st.key_exp_index++, pubkey, false,
                                                                        std::nullopt, st.chain));
                    return ret;
                }
                error = "Uncompressed keys are not allowed";
                return {};
            } else if (data.size() == 32 && ctx == ParseContext::P2TR) {
                uint8_t full[33] = {0x02};
                std::copy(data.begin(), data.end(), full + 1);
                PubKey even(std::span<const uint8_t>(full, 33));
                if (even.IsFullyValid()) {
                    ret.push_back(std::make_unique<ConstPubkeyProvider>(st.key_exp_index++, even, true,
                                                                        std::nullopt, st.chain));
                    return ret;
                }
            }
            error = "Pubkey '" + str + "' is invalid";
            return {};
        }
        Key key = DecodeSecret(str, st.chain);
        if (key.IsValid()) {
            if (permit_uncompressed || key.IsCompressed()) {
                ret.push_back(std::make_unique<ConstPubkeyProvider>(st.key_exp_index++, key.GetPubKey(),
                                                                    ctx == ParseContext::P2TR, key, st.chain));
                return ret;
            }
            error = "Uncompressed keys are not allowed";
            return {};
        }
    }
    std::optional<ExtKey> extkey = DecodeExtKey(str, st.chain);
    std::optional<ExtPubKey> extpub = DecodeExtPubKey(str, st.chain);
    if (!extkey && !extpub) {
        error = "key '" + str + "' is not valid";
        return {};
    }
    std::vector<KeyPath> paths;
    DeriveType type = ParseDeriveType(split, apostrophe);
    if (!ParseKeyPath(split, paths, apostrophe, error, /*allow_multipath=*/true)) return {};
    if (extkey) extpub = extkey->Neuter();
    for (auto& path : paths) {
        ret.push_back(std::make_unique<Bip32PubkeyProvider>(st.key_exp_index, *extpub, extkey, std::move(path), type,
                                                            apostrophe, st.chain));
    }
    ++st.key_exp_index;
    return ret;
}

Providers ParsePubkey(ParseState& st, Span sp, ParseContext ctx);

/** Clone single entries so every list has n entries; false when a list has another length. */
template <typename T>
bool EqualizeMultipath(std::vector<std::vector<std::unique_ptr<T>>>& lists, size_t n)
{
    for (auto& v : lists) {
        if (v.size() == 1) {
            for (size_t i = 1; i < n; ++i) v.push_back(v[0]->Clone());
        } else if (v.size() != n) {
            return false;
        }
    }
    return true;
}

/** Split after each sep, keeping it in the piece before (Core's Split with include_sep). */
std::vector<Span> SplitKeep(Span sp, char sep)
{
    std::vector<Span> ret;
    size_t start = 0;
    for (size_t i = 0; i < sp.size(); ++i) {
        if (sp[i] == sep) {
            ret.push_back(sp.subspan(start, i + 1 - start));
            start = i + 1;
        }
    }
    ret.push_back(sp.subspan(start));
    return ret;
}

/** musig(KEY,KEY,...) with an optional path and range (BIP390), with Core's rules and messages. */
Providers ParseMuSig(ParseState& st, Span sp, ParseContext ctx)
{
    std::string& error = st.error;
    if (ctx != ParseContext::P2TR) {
        error = "musig() is only allowed in tr() and rawtr()";
        return {};
    }
    auto split = SplitKeep(sp, ')');
    if (split.size() > 2) {
        error = "Too many ')' in musig() expression";
        return {};
    }
    Span expr = split.at(0);
    if (!Func("musig", expr)) {
        error = "Invalid musig() expression";
        return {};
    }
    bool any_ranged = false, all_bip32 = true, any_key = false;
    std::vector<Providers> providers;
    size_t max_multipath = 0;
    while (!expr.empty()) {
        if (any_key && !Const(",", expr)) {
            error = std::string("musig(): expected ',', got '") + expr[0] + "'";
            return {};
        }
        auto arg = Expr(expr);
        auto pk = ParsePubkey(st, arg, ParseContext::MUSIG);
        if (pk.empty()) {
            error = "musig(): " + error;
            return {};
        }
        any_key = true;
        any_ranged = any_ranged || pk.at(0)->IsRange();
        all_bip32 = all_bip32 && pk.at(0)->IsBIP32();
        max_multipath = std::max(max_multipath, pk.size());
        providers.push_back(std::move(pk));
    }
    if (!any_key) {
        error = "musig(): Must contain key expressions";
        return {};
    }
    bool ranged = false;
    std::vector<KeyPath> paths;
    if (split.size() == 2 && !split[1].empty() && split[1][0] == '/') {
        if (!all_bip32) {
            error = "musig(): derivation requires all participants to be xpubs or xprvs";
            return {};
        }
        if (any_ranged) {
            error = "musig(): Cannot have ranged participant keys if musig() also has derivation";
            return {};
        }
        bool dummy = false;
        auto deriv_split = Split(split[1], '/');
        const DeriveType type = ParseDeriveType(deriv_split, dummy);
        if (type == DeriveType::HARDENED_RANGED) {
            error = "musig(): Cannot have hardened child derivation";
            return {};
        }
        ranged = type == DeriveType::UNHARDENED_RANGED;
        std::string path_error;
        if (!ParseKeyPath(deriv_split, paths, dummy, path_error, /*allow_multipath=*/true)) {
            error = "musig(): " + path_error;
            return {};
        }
        for (const auto& p : paths) {
            for (uint32_t i : p) {
                if (i >> 31) {
                    error = "musig(): cannot have hardened derivation steps";
                    return {};
                }
            }
        }
    } else {
        paths.emplace_back();
    }
    Providers ret;
    auto emplace = [&](size_t vec_idx, size_t path_idx) {
        Providers parts;
        for (auto& v : providers) parts.push_back(std::move(v.at(vec_idx)));
        ret.push_back(std::make_unique<MuSigPubkeyProvider>(st.key_exp_index, std::move(parts), paths.at(path_idx),
                                                            ranged, st.chain));
    };
    if (max_multipath > 1 && paths.size() > 1) {
        error = "musig(): Cannot have multipath participant keys if musig() is also multipath";
        return {};
    } else if (max_multipath > 1) {
        if (!EqualizeMultipath(providers, max_multipath)) {
            error = "musig(): Multipath derivation paths have mismatched lengths";
            return {};
        }
        for (size_t i = 0; i < max_multipath; ++i) emplace(i, 0);
    } else if (paths.size() > 1) {
        EqualizeMultipath(providers, paths.size());
        for (size_t i = 0; i < paths.size(); ++i) emplace(i, i);
    } else {
        emplace(0, 0);
    }
    ++st.key_exp_index;
    return ret;
}

Providers ParsePubkey(ParseState& st, Span sp, ParseContext ctx)
{
    std::string& error = st.error;
    if (Str(sp).rfind("musig(", 0) == 0) return ParseMuSig(st, sp, ctx);
    auto origin_split = Split(sp, ']');
    if (origin_split.size() > 2) {
        error = "Multiple ']' characters found for a single pubkey";
        return {};
    }
    bool apostrophe = false;
    if (origin_split.size() == 1) return ParsePubkeyInner(st, origin_split[0], ctx, apostrophe);
    if (origin_split[0].empty() || origin_split[0][0] != '[') {
        error = std::string("Key origin start '[ character expected but not found, got '") +
                (origin_split[0].empty() ? ']' : origin_split[0][0]) + "' instead";
        return {};
    }
    auto slash_split = Split(origin_split[0].subspan(1), '/');
    if (slash_split[0].size() != 8) {
        error = "Fingerprint is not 4 bytes (" + std::to_string(slash_split[0].size()) +
                " characters instead of 8 characters)";
        return {};
    }
    const std::string fpr_hex = Str(slash_split[0]);
    if (!IsHex(fpr_hex)) {
        error = "Fingerprint '" + fpr_hex + "' is not hex";
        return {};
    }
    auto fpr = ParseHex(fpr_hex);
    KeyOriginInfo info;
    std::copy_n(fpr.begin(), 4, info.fingerprint.begin());
    std::vector<KeyPath> path;
    if (!ParseKeyPath(slash_split, path, apostrophe, error, /*allow_multipath=*/false)) return {};
    info.path = path.at(0);
    auto providers = ParsePubkeyInner(st, origin_split[1], ctx, apostrophe);
    if (providers.empty()) return {};
    Providers ret;
    for (auto& p : providers) {
        const uint32_t idx = p->m_expr_index;
        ret.push_back(std::make_unique<OriginPubkeyProvider>(idx, info, std::move(p), apostrophe));
    }
    return ret;
}


Descs ParseScript(ParseState& st, Span& sp, ParseContext ctx)
{
    Descs ret;
    std::string& error = st.error;
    auto expr = Expr(sp);
    if (Func("pk", expr)) {
        auto keys = ParsePubkey(st, expr, ctx);
        if (keys.empty()) {
            error = "pk(): " + error;
            return {};
        }
        for (auto& k : keys) ret.push_back(std::make_unique<PKDescriptor>(std::move(k), ctx == ParseContext::P2TR));
        return ret;
    }
    if ((ctx == ParseContext::TOP || ctx == ParseContext::P2SH || ctx == ParseContext::P2WSH) && Func("pkh", expr)) {
        auto keys = ParsePubkey(st, expr, ctx);
        if (keys.empty()) {
            error = "pkh(): " + error;
            return {};
        }
        for (auto& k : keys) ret.push_back(std::make_unique<PKHDescriptor>(std::move(k), false));
        return ret;
    }
    if (ctx == ParseContext::TOP && Func("combo", expr)) {
        auto keys = ParsePubkey(st, expr, ctx);
        if (keys.empty()) {
            error = "combo(): " + error;
            return {};
        }
        for (auto& k : keys) ret.push_back(std::make_unique<ComboDescriptor>(std::move(k)));
        return ret;
    } else if (Func("combo", expr)) {
        error = "Can only have combo() at top level";
        return {};
    }
    const bool multi = Func("multi", expr);
    const bool sortedmulti = !multi && Func("sortedmulti", expr);
    const bool multi_a = !(multi || sortedmulti) && Func("multi_a", expr);
    const bool sortedmulti_a = !(multi || sortedmulti || multi_a) && Func("sortedmulti_a", expr);
    if (((ctx == ParseContext::TOP || ctx == ParseContext::P2SH || ctx == ParseContext::P2WSH) &&
         (multi || sortedmulti)) ||
        (ctx == ParseContext::P2TR && (multi_a || sortedmulti_a))) {
        auto threshold = Expr(expr);
        auto thres_opt = ToU32(std::string_view(threshold.data(), threshold.size()));
        if (!thres_opt) {
            error = "Multi threshold '" + Str(threshold) + "' is not valid";
            return {};
        }
        const uint32_t thres = *thres_opt;
        std::vector<Providers> providers;
        size_t script_size = 0;
        size_t max_len = 0;
        while (!expr.empty()) {
            if (!Const(",", expr)) {
                error = std::string("Multi: expected ',', got '") + expr[0] + "'";
                return {};
            }
            auto arg = Expr(expr);
            auto pks = ParsePubkey(st, arg, ctx);
            if (pks.empty()) {
                error = "Multi: " + error;
                return {};
            }
            script_size += pks.at(0)->GetSize() + 1;
            max_len = std::max(max_len, pks.size());
            providers.push_back(std::move(pks));
            // Keep parsing bounded: past the limits the checks below fail anyway.
            if (providers.size() > size_t(MAX_PUBKEYS_PER_MULTI_A) + 1) break;
        }
        if ((multi || sortedmulti) &&
            (providers.empty() || providers.size() > size_t(MAX_PUBKEYS_PER_MULTISIG))) {
            error = "Cannot have " + std::to_string(providers.size()) +
                    " keys in multisig; must have between 1 and " + std::to_string(MAX_PUBKEYS_PER_MULTISIG) +
                    " keys, inclusive";
            return {};
        } else if ((multi_a || sortedmulti_a) &&
                   (providers.empty() || providers.size() > size_t(MAX_PUBKEYS_PER_MULTI_A))) {
            error = "Cannot have " + std::to_string(providers.size()) + " keys in multi_a; must have between 1 and " +
                    std::to_string(MAX_PUBKEYS_PER_MULTI_A) + " keys, inclusive";
            return {};
        } else if (thres < 1) {
            error = "Multisig threshold cannot be " + std::to_string(thres) + ", must be at least 1";
            return {};
        } else if (thres > providers.size()) {
            error = "Multisig threshold cannot be larger than the number of keys; threshold is " +
                    std::to_string(thres) + " but only " + std::to_string(providers.size()) + " keys specified";
            return {};
        }
        if (ctx == ParseContext::TOP && providers.size() > 3) {
            error = "Cannot have " + std::to_string(providers.size()) +
                    " pubkeys in bare multisig; only at most 3 pubkeys";
            return {};
        }
        if (ctx == ParseContext::P2SH && script_size + 3 > MAX_SCRIPT_ELEMENT_SIZE) {
            // This limits P2SH multisig to 15 compressed keys.
            error = "P2SH script is too large, " + std::to_string(script_size + 3) + " bytes is larger than " +
                    std::to_string(MAX_SCRIPT_ELEMENT_SIZE) + " bytes";
            return {};
        }
        if (!EqualizeMultipath(providers, max_len)) {
            error = "multi(): Multipath derivation paths have mismatched lengths";
            return {};
        }
        for (size_t i = 0; i < max_len; ++i) {
            Providers pubs;
            for (auto& p : providers) pubs.push_back(std::move(p.at(i)));
            if (multi || sortedmulti) {
                ret.push_back(std::make_unique<MultisigDescriptor>(int(thres), std::move(pubs), sortedmulti));
            } else {
                ret.push_back(std::make_unique<MultiADescriptor>(int(thres), std::move(pubs), sortedmulti_a));
            }
        }
        return ret;
    } else if (multi || sortedmulti) {
        error = "Can only have multi/sortedmulti at top level, in sh(), or in wsh()";
        return {};
    } else if (multi_a || sortedmulti_a) {
        error = "Can only have multi_a/sortedmulti_a inside tr()";
        return {};
    }
    if ((ctx == ParseContext::TOP || ctx == ParseContext::P2SH) && Func("wpkh", expr)) {
        auto keys = ParsePubkey(st, expr, ParseContext::P2WPKH);
        if (keys.empty()) {
            error = "wpkh(): " + error;
            return {};
        }
        for (auto& k : keys) ret.push_back(std::make_unique<WPKHDescriptor>(std::move(k)));
        return ret;
    } else if (Func("wpkh", expr)) {
        error = "Can only have wpkh() at top level or inside sh()";
        return {};
    }
    if (ctx == ParseContext::TOP && Func("sh", expr)) {
        auto descs = ParseScript(st, expr, ParseContext::P2SH);
        if (descs.empty() || !expr.empty()) return {};
        for (auto& d : descs) ret.push_back(std::make_unique<SHDescriptor>(std::move(d)));
        return ret;
    } else if (Func("sh", expr)) {
        error = "Can only have sh() at top level";
        return {};
    }
    if ((ctx == ParseContext::TOP || ctx == ParseContext::P2SH) && Func("wsh", expr)) {
        auto descs = ParseScript(st, expr, ParseContext::P2WSH);
        if (descs.empty() || !expr.empty()) return {};
        for (auto& d : descs) ret.push_back(std::make_unique<WSHDescriptor>(std::move(d)));
        return ret;
    } else if (Func("wsh", expr)) {
        error = "Can only have wsh() at top level or inside sh()";
        return {};
    }
    if (ctx == ParseContext::TOP && Func("addr", expr)) {
        Destination dest = DecodeDestination(Str(expr), st.chain);
        if (!IsValidDestination(dest)) {
            error = "Address is not valid";
            return {};
        }
        ret.push_back(std::make_unique<AddressDescriptor>(std::move(dest), st.chain));
        return ret;
    } else if (Func("addr", expr)) {
        error = "Can only have addr() at top level";
        return {};
    }
    if (ctx == ParseContext::TOP && Func("tr", expr)) {
        auto arg = Expr(expr);
        auto internal_keys = ParsePubkey(st, arg, ParseContext::P2TR);
        if (internal_keys.empty()) {
            error = "tr(): " + error;
            return {};
        }
        size_t max_len = internal_keys.size();
        std::vector<Descs> subscripts;
        std::vector<int> depths;
        if (!expr.empty()) {
            if (!Const(",", expr)) {
                error = std::string("tr: expected ',', got '") + expr[0] + "'";
                return {};
            }
            // branches[i]: false while in the left branch at depth i, true in the right one.
            std::vector<bool> branches;
            do {
                while (Const("{", expr)) {
                    branches.push_back(false);
                    if (branches.size() > TAPROOT_CONTROL_MAX_NODE_COUNT) {
                        error = "tr() supports at most " + std::to_string(TAPROOT_CONTROL_MAX_NODE_COUNT) +
                                " nesting levels";
                        return {};
                    }
                }
                auto sarg = Expr(expr);
                subscripts.push_back(ParseScript(st, sarg, ParseContext::P2TR));
                if (subscripts.back().empty()) return {};
                max_len = std::max(max_len, subscripts.back().size());
                depths.push_back(int(branches.size()));
                while (!branches.empty() && branches.back()) {
                    if (!Const("}", expr)) {
                        error = "tr(): expected '}' after script expression";
                        return {};
                    }
                    branches.pop_back();
                }
                if (!branches.empty() && !branches.back()) {
                    if (!Const(",", expr)) {
                        error = "tr(): expected ',' after script expression";
                        return {};
                    }
                    branches.back() = true;
                }
            } while (!branches.empty());
            if (!expr.empty()) {
                error = "tr(): expected ')' after script expression";
                return {};
            }
        }
        if (!EqualizeMultipath(subscripts, max_len)) {
            error = "tr(): Multipath subscripts have mismatched lengths";
            return {};
        }
        if (internal_keys.size() > 1 && internal_keys.size() != max_len) {
            error = "tr(): Multipath internal key mismatches multipath subscripts lengths";
            return {};
        }
        while (internal_keys.size() < max_len) internal_keys.push_back(internal_keys.at(0)->Clone());
        for (size_t i = 0; i < max_len; ++i) {
            Descs subs;
            for (auto& s : subscripts) subs.push_back(std::move(s.at(i)));
            ret.push_back(std::make_unique<TRDescriptor>(std::move(internal_keys.at(i)), std::move(subs), depths));
        }
        return ret;
    } else if (Func("tr", expr)) {
        error = "Can only have tr at top level";
        return {};
    }
    if (ctx == ParseContext::TOP && Func("rawtr", expr)) {
        auto arg = Expr(expr);
        if (!expr.empty()) {
            error = "rawtr(): only one key expected.";
            return {};
        }
        auto keys = ParsePubkey(st, arg, ParseContext::P2TR);
        if (keys.empty()) {
            error = "rawtr(): " + error;
            return {};
        }
        for (auto& k : keys) ret.push_back(std::make_unique<RawTRDescriptor>(std::move(k)));
        return ret;
    } else if (Func("rawtr", expr)) {
        error = "Can only have rawtr at top level";
        return {};
    }
    if (ctx == ParseContext::TOP && Func("raw", expr)) {
        const std::string str = Str(expr);
        if (!IsHex(str)) {
            error = "Raw script is not hex";
            return {};
        }
        auto bytes = ParseHex(str);
        ret.push_back(std::make_unique<RawDescriptor>(Script(bytes.begin(), bytes.end())));
        return ret;
    } else if (Func("raw", expr)) {
        error = "Can only have raw() at top level";
        return {};
    }
    // Miniscript (BIP379). Core tries it in every context (keys parsed as in tr() outside wsh()) so that the
    // error names the misplaced expression.
    {
        const auto ms_ctx = ctx == ParseContext::P2WSH ? miniscript::MsContext::P2WSH : miniscript::MsContext::TAPSCRIPT;
        const ParseContext key_ctx = ctx == ParseContext::P2WSH ? ParseContext::P2WSH : ParseContext::P2TR;
        std::vector<Providers> ms_keys;
        std::string key_error;
        miniscript::KeyCallbacks kc;
        kc.from_string = [&](std::string_view text) -> std::optional<uint32_t> {
            auto pk = ParsePubkey(st, Span(text.data(), text.size()), key_ctx);
            if (pk.empty()) {
                if (key_error.empty()) key_error = st.error;
                return std::nullopt;
            }
            ms_keys.push_back(std::move(pk));
            return uint32_t(ms_keys.size() - 1);
        };
        kc.to_string = [&](uint32_t i) -> std::optional<std::string> {
            return ms_keys.at(i).at(0)->ToString(StringType::PUBLIC);
        };
        kc.identity = [&](uint32_t i) -> std::vector<uint8_t> {
            KeyOriginInfo info;
            if (auto pk = ms_keys.at(i).at(0)->GetPubKey(0, info)) return {pk->begin(), pk->end()};
            const std::string str = ms_keys.at(i).at(0)->ToString(StringType::PUBLIC);
            return std::vector<uint8_t>(str.begin(), str.end());
        };
        auto node = miniscript::FromString(std::string_view(expr.data(), expr.size()), ms_ctx, kc);
        if (!key_error.empty()) {
            error = key_error;
            return {};
        }
        if (node) {
            if (ctx != ParseContext::P2WSH && ctx != ParseContext::P2TR) {
                error = "Miniscript expressions can only be used in wsh or tr.";
                return {};
            }
            if (!node->IsSane() || node->IsNotSatisfiable()) {
                // Name the first insane subexpression.
                const miniscript::Node* insane = node.get();
                if (const auto* sub = node->FindInsaneSub()) insane = sub;
                error = miniscript::ToString(*insane, kc).value_or("");
                if (!insane->IsValid()) {
                    error += " is invalid";
                } else if (!node->IsSane()) {
                    error += " is not sane";
                    if (!insane->IsNonMalleable()) {
                        error += ": malleable witnesses exist";
                    } else if (insane == node.get() && !insane->NeedsSignature()) {
                        error += ": witnesses without signature exist";
                    } else if (!insane->CheckTimeLocksMix()) {
                        error += ": contains mixes of timelocks expressed in blocks and seconds";
                    } else if (!insane->CheckDuplicateKey()) {
                        error += ": contains duplicate public keys";
                    } else if (!insane->ValidSatisfactions()) {
                        error += ": needs witnesses that may exceed resource limits";
                    }
                } else {
                    error += " is not satisfiable";
                }
                return {};
            }
            size_t num_multipath = 1;
            for (const auto& v : ms_keys) num_multipath = std::max(num_multipath, v.size());
            for (auto& v : ms_keys) {
                if (v.size() == 1) {
                    while (v.size() < num_multipath) v.push_back(v.at(0)->Clone());
                } else if (v.size() != num_multipath) {
                    error = "Miniscript: Multipath derivation paths have mismatched lengths";
                    return {};
                }
            }
            for (size_t i = 0; i < num_multipath; ++i) {
                Providers pubs;
                for (auto& v : ms_keys) pubs.push_back(std::move(v.at(i)));
                ret.push_back(std::make_unique<MiniscriptDescriptor>(std::move(pubs), node));
            }
            return ret;
        }
    }
    if (ctx == ParseContext::P2SH) {
        error = "A function is needed within P2SH";
        return {};
    } else if (ctx == ParseContext::P2WSH) {
        error = "A function is needed within P2WSH";
        return {};
    }
    error = "'" + Str(expr) + "' is not a valid descriptor function";
    return {};
}

bool CheckChecksum(Span& sp, bool require_checksum, std::string& error, std::string* out_checksum = nullptr)
{
    auto check_split = Split(sp, '#');
    if (check_split.size() > 2) {
        error = "Multiple '#' symbols";
        return false;
    }
    if (check_split.size() == 1 && require_checksum) {
        error = "Missing checksum";
        return false;
    }
    if (check_split.size() == 2 && check_split[1].size() != 8) {
        error = "Expected 8 character checksum, not " + std::to_string(check_split[1].size()) + " characters";
        return false;
    }
    std::string checksum = DescriptorChecksum(std::string_view(check_split[0].data(), check_split[0].size()));
    if (checksum.empty()) {
        error = "Invalid characters in payload";
        return false;
    }
    if (check_split.size() == 2 && Str(check_split[1]) != checksum) {
        error = "Provided checksum '" + Str(check_split[1]) + "' does not match computed checksum '" + checksum + "'";
        return false;
    }
    if (out_checksum) *out_checksum = std::move(checksum);
    sp = check_split[0];
    return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Inference.

std::unique_ptr<PubkeyProvider> InferPubkey(const PubKey& pubkey, ParseContext ctx, const FlatSigningProvider& prov,
                                            Chain chain)
{
    if (!pubkey.IsValid() || pubkey[0] == 6 || pubkey[0] == 7) return nullptr;
    if (ctx != ParseContext::TOP && ctx != ParseContext::P2SH && !pubkey.IsCompressed()) return nullptr;
    std::unique_ptr<PubkeyProvider> p = std::make_unique<ConstPubkeyProvider>(0, pubkey, false, std::nullopt, chain);
    KeyOriginInfo info;
    if (prov.GetKeyOrigin(pubkey.GetID(), info)) {
        return std::make_unique<OriginPubkeyProvider>(0, std::move(info), std::move(p), false);
    }
    return p;
}

std::unique_ptr<PubkeyProvider> InferXOnlyPubkey(const XOnlyPubKey& xkey, const FlatSigningProvider& prov,
                                                 Chain chain)
{
    uint8_t full[33] = {0x02};
    std::memcpy(full + 1, xkey.data(), 32);
    std::unique_ptr<PubkeyProvider> p = std::make_unique<ConstPubkeyProvider>(
        0, PubKey(std::span<const uint8_t>(full, 33)), true, std::nullopt, chain);
    KeyOriginInfo info;
    if (prov.GetKeyOriginByXOnly(xkey, info)) {
        return std::make_unique<OriginPubkeyProvider>(0, std::move(info), std::move(p), false);
    }
    return p;
}

/** Parses the pushes of a script as opcodes with data. */
bool Ops(const Script& s, std::vector<std::pair<opcodetype, std::vector<uint8_t>>>& ops)
{
    size_t pc = 0;
    while (pc < s.size()) {
        opcodetype op;
        std::vector<uint8_t> data;
        if (!s.GetOp(pc, op, &data)) return false;
        ops.emplace_back(op, std::move(data));
    }
    return true;
}

/** Core's miniscript inference for a witness script or tapscript leaf: keys from their bytes (or, for pk_h, from
 *  what the provider knows); only sane expressions are inferred. */
std::unique_ptr<DescriptorImpl> InferMiniscript(const Script& script, miniscript::MsContext ms_ctx,
                                                const FlatSigningProvider& prov, Chain chain)
{
    const bool tap = miniscript::IsTapscript(ms_ctx);
    Providers keys;
    miniscript::ScriptKeyCallbacks kc;
    kc.from_bytes = [&](std::span<const uint8_t> b) -> std::optional<uint32_t> {
        std::unique_ptr<PubkeyProvider> p;
        if (tap && b.size() == 32) {
            p = InferXOnlyPubkey(XOnlyPubKey(b), prov, chain);
        } else if (!tap) {
            PubKey pk(std::vector<uint8_t>(b.begin(), b.end()));
            if (pk.IsFullyValid()) p = InferPubkey(pk, ParseContext::P2WSH, prov, chain);
        }
        if (!p) return std::nullopt;
        keys.push_back(std::move(p));
        return uint32_t(keys.size() - 1);
    };
    kc.from_pkh = [&](std::span<const uint8_t> h) -> std::optional<uint32_t> {
        auto it = prov.pubkeys.find(uint160(h));
        if (it == prov.pubkeys.end()) return std::nullopt;
        auto p = tap ? InferXOnlyPubkey(XOnlyPubKey(it->second), prov, chain)
                     : InferPubkey(it->second, ParseContext::P2WSH, prov, chain);
        if (!p) return std::nullopt;
        keys.push_back(std::move(p));
        return uint32_t(keys.size() - 1);
    };
    auto node = miniscript::FromScript(script, ms_ctx, kc);
    if (!node) return nullptr;
    // Sanity includes the duplicate-key check, which FromScript leaves to the caller.
    auto checked = std::make_shared<miniscript::Node>(*node);
    miniscript::ComputeDuplicateKeys(*checked, [&](uint32_t i) -> std::vector<uint8_t> {
        KeyOriginInfo info;
        auto pk = keys.at(i)->GetPubKey(0, info);
        return pk ? std::vector<uint8_t>(pk->begin(), pk->end()) : std::vector<uint8_t>();
    });
    if (!checked->IsSane()) return nullptr;
    return std::make_unique<MiniscriptDescriptor>(std::move(keys), checked);
}

std::unique_ptr<DescriptorImpl> InferTapscript(const Script& script, const FlatSigningProvider& prov, Chain chain)
{
    std::vector<std::pair<opcodetype, std::vector<uint8_t>>> ops;
    if (!Ops(script, ops)) return nullptr;
    // pk(K): <32 bytes> OP_CHECKSIG
    if (ops.size() == 2 && ops[0].second.size() == 32 && ops[1].first == OP_CHECKSIG && script.size() == 34) {
        return std::make_unique<PKDescriptor>(InferXOnlyPubkey(XOnlyPubKey(ops[0].second), prov, chain), true);
    }
    // multi_a: <k1> CHECKSIG (<ki> CHECKSIGADD)* <n> NUMEQUAL
    if (ops.size() >= 4 && ops.size() % 2 == 0 && ops.back().first == OP_NUMEQUAL) {
        const size_t n = (ops.size() - 2) / 2;
        Providers keys;
        for (size_t i = 0; i < n; ++i) {
            if (ops[2 * i].second.size() != 32) return nullptr;
            if (ops[2 * i + 1].first != (i == 0 ? OP_CHECKSIG : OP_CHECKSIGADD)) return nullptr;
            keys.push_back(InferXOnlyPubkey(XOnlyPubKey(ops[2 * i].second), prov, chain));
        }
        Script rebuilt;
        int64_t k = 0;
        const auto& kop = ops[ops.size() - 2];
        if (kop.first >= OP_1 && kop.first <= OP_16) {
            k = Script::DecodeOP_N(kop.first);
        } else if (!kop.second.empty() && kop.second.size() <= 4) {
            for (size_t i = 0; i < kop.second.size(); ++i) k |= int64_t(kop.second[i]) << (8 * i);
        }
        if (k < 1 || size_t(k) > n) return nullptr;
        auto d = std::make_unique<MultiADescriptor>(int(k), std::move(keys), false);
        // Only accept when it re-encodes to the very same script (minimal pushes).
        FlatSigningProvider dummy;
        std::vector<Script> out;
        if (!d->Expand(0, out, dummy) || out.size() != 1 || out[0] != script) return nullptr;
        return d;
    }
    return InferMiniscript(script, miniscript::MsContext::TAPSCRIPT, prov, chain);
}

std::unique_ptr<DescriptorImpl> InferScript(const Script& script, ParseContext ctx, const FlatSigningProvider& prov,
                                            Chain chain)
{
    std::vector<std::pair<opcodetype, std::vector<uint8_t>>> ops;
    const bool parsed = Ops(script, ops);
    // P2PK
    if (parsed && ops.size() == 2 && ops[1].first == OP_CHECKSIG &&
        (ops[0].second.size() == 33 || ops[0].second.size() == 65) && script.size() == ops[0].second.size() + 2) {
        PubKey pk(ops[0].second);
        if (pk.IsFullyValid()) {
            if (auto p = InferPubkey(pk, ctx, prov, chain)) return std::make_unique<PKDescriptor>(std::move(p), false);
        }
    }
    // P2PKH
    if (script.size() == 25 && script[0] == OP_DUP && script[1] == OP_HASH160 && script[2] == 20 &&
        script[23] == OP_EQUALVERIFY && script[24] == OP_CHECKSIG) {
        uint160 id(std::span<const uint8_t>(script.data() + 3, 20));
        auto it = prov.pubkeys.find(id);
        if (it != prov.pubkeys.end()) {
            if (auto p = InferPubkey(it->second, ctx, prov, chain)) {
                return std::make_unique<PKHDescriptor>(std::move(p), false);
            }
        }
    }
    int version;
    std::vector<uint8_t> program;
    const bool witness = script.IsWitnessProgram(version, program);
    // P2WPKH
    if (witness && version == 0 && program.size() == 20 && (ctx == ParseContext::TOP || ctx == ParseContext::P2SH)) {
        auto it = prov.pubkeys.find(uint160(program));
        if (it != prov.pubkeys.end()) {
            if (auto p = InferPubkey(it->second, ParseContext::P2WPKH, prov, chain)) {
                return std::make_unique<WPKHDescriptor>(std::move(p));
            }
        }
    }
    // Bare or nested multisig.
    if (parsed && ops.size() >= 4 && ops.back().first == OP_CHECKMULTISIG && ctx != ParseContext::P2TR) {
        const opcodetype kop = ops.front().first, nop = ops[ops.size() - 2].first;
        if (kop >= OP_1 && kop <= OP_16 && nop >= OP_1 && nop <= OP_16 &&
            size_t(Script::DecodeOP_N(nop)) == ops.size() - 3) {
            Providers keys;
            bool ok = true;
            for (size_t i = 1; i + 2 < ops.size() && ok; ++i) {
                PubKey pk(ops[i].second);
                auto p = pk.IsFullyValid() ? InferPubkey(pk, ctx, prov, chain) : nullptr;
                if (!p) ok = false;
                else keys.push_back(std::move(p));
            }
            const int k = Script::DecodeOP_N(kop);
            if (ok && k <= int(keys.size())) {
                return std::make_unique<MultisigDescriptor>(k, std::move(keys), false);
            }
        }
    }
    // P2SH with a known script.
    if (script.IsPayToScriptHash() && ctx == ParseContext::TOP) {
        uint160 id(std::span<const uint8_t>(script.data() + 2, 20));
        auto it = prov.scripts.find(id);
        if (it != prov.scripts.end()) {
            if (auto sub = InferScript(it->second, ParseContext::P2SH, prov, chain)) {
                return std::make_unique<SHDescriptor>(std::move(sub));
            }
        }
    }
    // P2WSH with a known script (looked up by RIPEMD160 of the program = HASH160 of the script).
    if (witness && version == 0 && program.size() == 32 && (ctx == ParseContext::TOP || ctx == ParseContext::P2SH)) {
        uint8_t rip[20];
        Ripemd160(program, rip);
        auto it = prov.scripts.find(uint160(std::span<const uint8_t>(rip, 20)));
        if (it != prov.scripts.end()) {
            if (auto sub = InferScript(it->second, ParseContext::P2WSH, prov, chain)) {
                return std::make_unique<WSHDescriptor>(std::move(sub));
            }
        }
    }
    // P2TR with a known tree, or a known output key.
    if (witness && version == 1 && program.size() == 32 && ctx == ParseContext::TOP) {
        XOnlyPubKey output(program);
        auto it = prov.tr_trees.find(output);
        if (it != prov.tr_trees.end()) {
            Descs subs;
            std::vector<int> depths;
            bool ok = true;
            for (const auto& [depth, leaf] : it->second.leaves) {
                auto sub = InferTapscript(leaf, prov, chain);
                if (!sub) {
                    ok = false;
                    break;
                }
                subs.push_back(std::move(sub));
                depths.push_back(depth);
            }
            if (ok) {
                return std::make_unique<TRDescriptor>(InferXOnlyPubkey(it->second.internal_key, prov, chain),
                                                      std::move(subs), std::move(depths));
            }
        }
        KeyOriginInfo info;
        if (prov.GetKeyOriginByXOnly(output, info)) {
            return std::make_unique<RawTRDescriptor>(InferXOnlyPubkey(output, prov, chain));
        }
    }
    if (ctx == ParseContext::P2WSH) {
        if (auto ms = InferMiniscript(script, miniscript::MsContext::P2WSH, prov, chain)) return ms;
    }
    // The remaining descriptors exist at top level only (Core): a witness or redeem script that is none of the
    // above leaves the output to addr().
    if (ctx != ParseContext::TOP) return nullptr;
    Destination dest;
    if (ExtractDestination(script, dest) && GetScriptForDestination(dest) == script) {
        return std::make_unique<AddressDescriptor>(std::move(dest), chain);
    }
    return std::make_unique<RawDescriptor>(script);
}

} // namespace

std::vector<std::unique_ptr<Descriptor>> ParseDescriptor(std::string_view text, Chain chain, std::string& error,
                                                         bool require_checksum)
{
    Span sp(text.data(), text.size());
    if (!CheckChecksum(sp, require_checksum, error)) return {};
    ParseState st{chain, 0, {}};
    auto ret = ParseScript(st, sp, ParseContext::TOP);
    error = st.error;
    if (!sp.empty() || ret.empty()) return {};
    std::vector<std::unique_ptr<Descriptor>> descs;
    for (auto& r : ret) descs.push_back(std::move(r));
    return descs;
}

std::string GetDescriptorChecksum(const std::string& descriptor)
{
    std::string ret, error;
    Span sp(descriptor.data(), descriptor.size());
    if (!CheckChecksum(sp, false, error, &ret)) return "";
    return ret;
}

std::unique_ptr<Descriptor> InferDescriptor(const Script& script, const FlatSigningProvider& provider, Chain chain)
{
    return InferScript(script, ParseContext::TOP, provider, chain);
}
