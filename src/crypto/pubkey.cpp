// Public keys over libsecp256k1.
#include "crypto/pubkey.h"

#include "crypto/hash.h"

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <algorithm>
#include <cstring>

const secp256k1_context_struct* Secp256k1VerifyContext() { return secp256k1_context_static; }

namespace {
const secp256k1_context* Ctx() { return secp256k1_context_static; }
}  // namespace

// A signature is SEQUENCE { INTEGER r, INTEGER s }. The lax parser tolerates long-form lengths, padding, and
// oversize integers (taking the low 32 bytes when the excess is zero), and maps unrepresentable values to a
// signature that never verifies; it fails only on structurally broken input.
bool ParseDerSignatureLax(std::span<const uint8_t> input, uint8_t out_compact64[64])
{
    size_t pos = 0;
    const size_t inputlen = input.size();
    auto read_len = [&](size_t& len) -> bool {
        if (pos == inputlen) return false;
        len = input[pos++];
        if (len & 0x80) {
            size_t lenbyte = len - 0x80;
            if (lenbyte > inputlen - pos) return false;
            while (lenbyte > 0 && input[pos] == 0) {
                pos++;
                lenbyte--;
            }
            static_assert(sizeof(size_t) >= 4);
            if (lenbyte >= 4) return false;
            len = 0;
            while (lenbyte > 0) {
                len = (len << 8) + input[pos];
                pos++;
                lenbyte--;
            }
        }
        return true;
    };
    uint8_t tmpsig[64] = {0};
    // Sequence tag and length (the length is ignored).
    if (pos == inputlen || input[pos] != 0x30) return false;
    pos++;
    size_t ignored;
    if (!read_len(ignored)) return false;
    size_t rpos, rlen, spos, slen;
    // Integer r.
    if (pos == inputlen || input[pos] != 0x02) return false;
    pos++;
    if (!read_len(rlen)) return false;
    if (rlen > inputlen - pos) return false;
    rpos = pos;
    pos += rlen;
    // Integer s.
    if (pos == inputlen || input[pos] != 0x02) return false;
    pos++;
    if (!read_len(slen)) return false;
    if (slen > inputlen - pos) return false;
    spos = pos;
    // Drop leading zeros, then copy the value right-aligned; overflow gives a zero signature (never valid).
    bool overflow = false;
    while (rlen > 0 && input[rpos] == 0) {
        rlen--;
        rpos++;
    }
    if (rlen > 32) {
        overflow = true;
    } else if (rlen) {
        std::memcpy(tmpsig + 32 - rlen, input.data() + rpos, rlen);
    }
    while (slen > 0 && input[spos] == 0) {
        slen--;
        spos++;
    }
    if (slen > 32) {
        overflow = true;
    } else if (slen) {
        std::memcpy(tmpsig + 64 - slen, input.data() + spos, slen);
    }
    if (overflow) std::memset(tmpsig, 0, 64);
    std::memcpy(out_compact64, tmpsig, 64);
    return true;
}

PubKey::PubKey(std::span<const uint8_t> bytes)
{
    if (!bytes.empty() && GetLen(bytes[0]) == bytes.size()) {
        std::memcpy(m_data, bytes.data(), bytes.size());
        m_size = bytes.size();
    }
}

bool PubKey::IsFullyValid() const
{
    if (!IsValid()) return false;
    secp256k1_pubkey pk;
    return secp256k1_ec_pubkey_parse(Ctx(), &pk, m_data, m_size);
}

uint160 PubKey::GetID() const { return Hash160(bytes()); }

namespace {
bool ParseLaxSignature(std::span<const uint8_t> der, secp256k1_ecdsa_signature& sig)
{
    uint8_t compact[64];
    if (!ParseDerSignatureLax(der, compact)) return false;
    if (!secp256k1_ecdsa_signature_parse_compact(Ctx(), &sig, compact)) {
        // r or s not below the group order: such a signature cannot verify; use a zero one.
        std::memset(compact, 0, 64);
        secp256k1_ecdsa_signature_parse_compact(Ctx(), &sig, compact);
    }
    return true;
}
}  // namespace

bool PubKey::Verify(const uint256& hash, std::span<const uint8_t> sig_der) const
{
    if (!IsValid()) return false;
    secp256k1_pubkey pk;
    if (!secp256k1_ec_pubkey_parse(Ctx(), &pk, m_data, m_size)) return false;
    secp256k1_ecdsa_signature sig;
    if (!ParseLaxSignature(sig_der, sig)) return false;
    // libsecp256k1 only accepts low S; consensus accepts both, so normalize first.
    secp256k1_ecdsa_signature_normalize(Ctx(), &sig, &sig);
    return secp256k1_ecdsa_verify(Ctx(), &sig, hash.data(), &pk);
}

bool PubKey::CheckLowS(std::span<const uint8_t> sig_der)
{
    secp256k1_ecdsa_signature sig;
    if (!ParseLaxSignature(sig_der, sig)) return false;
    return !secp256k1_ecdsa_signature_normalize(Ctx(), nullptr, &sig);
}

bool PubKey::Decompress()
{
    if (!IsValid()) return false;
    secp256k1_pubkey pk;
    if (!secp256k1_ec_pubkey_parse(Ctx(), &pk, m_data, m_size)) return false;
    size_t len = SIZE;
    secp256k1_ec_pubkey_serialize(Ctx(), m_data, &len, &pk, SECP256K1_EC_UNCOMPRESSED);
    m_size = len;
    return true;
}

bool XOnlyPubKey::IsFullyValid() const
{
    secp256k1_xonly_pubkey pk;
    return secp256k1_xonly_pubkey_parse(Ctx(), &pk, m_keydata.data());
}

bool XOnlyPubKey::VerifySchnorr(const uint256& msg, std::span<const uint8_t> sig64) const
{
    if (sig64.size() != 64) return false;
    secp256k1_xonly_pubkey pk;
    if (!secp256k1_xonly_pubkey_parse(Ctx(), &pk, m_keydata.data())) return false;
    return secp256k1_schnorrsig_verify(Ctx(), sig64.data(), msg.data(), 32, &pk);
}

uint256 XOnlyPubKey::ComputeTapTweakHash(const uint256* merkle_root) const
{
    HashWriter w = TaggedHashWriter("TapTweak");
    w.write(std::span<const uint8_t>(m_keydata.data(), 32));
    if (merkle_root) w.write(std::span<const uint8_t>(merkle_root->data(), 32));
    return w.GetSha256();
}

bool XOnlyPubKey::CheckTapTweak(const XOnlyPubKey& internal, const uint256& merkle_root, bool parity) const
{
    secp256k1_xonly_pubkey internal_key;
    if (!secp256k1_xonly_pubkey_parse(Ctx(), &internal_key, internal.data())) return false;
    uint256 tweak = internal.ComputeTapTweakHash(&merkle_root);
    return secp256k1_xonly_pubkey_tweak_add_check(Ctx(), m_keydata.data(), parity, &internal_key, tweak.data());
}

std::optional<std::pair<XOnlyPubKey, bool>> XOnlyPubKey::CreateTapTweak(const uint256* merkle_root) const
{
    secp256k1_xonly_pubkey base;
    if (!secp256k1_xonly_pubkey_parse(Ctx(), &base, m_keydata.data())) return std::nullopt;
    uint256 tweak = ComputeTapTweakHash(merkle_root);
    secp256k1_pubkey out;
    if (!secp256k1_xonly_pubkey_tweak_add(Ctx(), &out, &base, tweak.data())) return std::nullopt;
    int parity = 0;
    secp256k1_xonly_pubkey out_xonly;
    if (!secp256k1_xonly_pubkey_from_pubkey(Ctx(), &out_xonly, &parity, &out)) return std::nullopt;
    uint8_t ser[32];
    secp256k1_xonly_pubkey_serialize(Ctx(), ser, &out_xonly);
    return std::make_pair(XOnlyPubKey(ser), parity != 0);
}
