// Private keys over libsecp256k1: ECDSA (RFC6979 with low-R grinding) and BIP340/BIP341 Schnorr signing.
#include "crypto/key.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <cstdlib>
#include <cstring>

namespace {

/** Fills out with random bytes from OpenSSL's CSPRNG; a failing RNG must never yield a predictable key. */
void GetStrongRandBytes(std::span<uint8_t> out)
{
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) std::abort();
}

/** The signing context: created once, randomized against side channels (blinding of secret multiplications). */
const secp256k1_context* SignContext()
{
    static secp256k1_context* const ctx = [] {
        secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
        uint8_t seed[32];
        GetStrongRandBytes(seed);
        const int ok = secp256k1_context_randomize(c, seed);
        OPENSSL_cleanse(seed, sizeof(seed));
        if (!ok) std::abort();
        return c;
    }();
    return ctx;
}

/** DER needs no 0x00 padding byte for R when its top bit is clear: such signatures are at most 71 bytes. */
bool SigHasLowR(const secp256k1_ecdsa_signature& sig)
{
    uint8_t compact[64];
    secp256k1_ecdsa_signature_serialize_compact(SignContext(), compact, &sig);
    return compact[0] < 0x80;
}

void WriteLE32(uint8_t* out, uint32_t v)
{
    for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}

/** A keypair for the secret, tweaked per BIP341 when asked. The caller wipes it. */
bool MakeKeyPair(const Key& key, const uint256* merkle_root, bool tweak, secp256k1_keypair& keypair)
{
    if (!key.IsValid()) return false;
    if (!secp256k1_keypair_create(SignContext(), &keypair, key.bytes().data())) return false;
    if (!tweak) return true;
    secp256k1_xonly_pubkey internal;
    uint8_t internal_bytes[32];
    if (!secp256k1_keypair_xonly_pub(SignContext(), &internal, nullptr, &keypair)) return false;
    if (!secp256k1_xonly_pubkey_serialize(SignContext(), internal_bytes, &internal)) return false;
    const bool has_root = merkle_root && !merkle_root->IsNull();
    const uint256 tweak_hash = XOnlyPubKey(internal_bytes).ComputeTapTweakHash(has_root ? merkle_root : nullptr);
    return secp256k1_keypair_xonly_tweak_add(SignContext(), &keypair, tweak_hash.data());
}

}  // namespace

Key::~Key() { OPENSSL_cleanse(m_secret.data(), m_secret.size()); }

bool Key::Set(std::span<const uint8_t> secret32, bool compressed)
{
    m_valid = false;
    if (secret32.size() != SIZE || !secp256k1_ec_seckey_verify(SignContext(), secret32.data())) {
        OPENSSL_cleanse(m_secret.data(), m_secret.size());
        return false;
    }
    std::memcpy(m_secret.data(), secret32.data(), SIZE);
    m_compressed = compressed;
    m_valid = true;
    return true;
}

Key Key::Generate(bool compressed)
{
    Key key;
    uint8_t secret[SIZE];
    do {
        GetStrongRandBytes(secret);
    } while (!key.Set(secret, compressed));
    OPENSSL_cleanse(secret, sizeof(secret));
    return key;
}

PubKey Key::GetPubKey() const
{
    if (!m_valid) return PubKey();
    secp256k1_pubkey pk;
    if (!secp256k1_ec_pubkey_create(SignContext(), &pk, m_secret.data())) return PubKey();
    uint8_t out[PubKey::SIZE];
    size_t len = sizeof(out);
    secp256k1_ec_pubkey_serialize(SignContext(), out, &len, &pk,
                                  m_compressed ? SECP256K1_EC_COMPRESSED : SECP256K1_EC_UNCOMPRESSED);
    return PubKey(std::span<const uint8_t>(out, len));
}

XOnlyPubKey Key::GetXOnlyPubKey() const
{
    PubKey pk = GetPubKey();
    if (!pk.IsValid()) return XOnlyPubKey();
    return XOnlyPubKey(pk);
}

bool Key::Sign(const uint256& hash, std::vector<uint8_t>& sig_der, bool grind, uint32_t test_case) const
{
    sig_der.clear();
    if (!m_valid) return false;
    // Core's scheme: RFC6979 with no extra data first; when grinding, retry with a 32-byte little-endian counter
    // as extra entropy until R is low. Without grinding, a non-zero test_case is the extra entropy.
    uint8_t extra_entropy[32] = {0};
    WriteLE32(extra_entropy, test_case);
    secp256k1_ecdsa_signature sig;
    int ret = secp256k1_ecdsa_sign(SignContext(), &sig, hash.data(), m_secret.data(),
                                   secp256k1_nonce_function_rfc6979, (!grind && test_case) ? extra_entropy : nullptr);
    uint32_t counter = 0;
    while (ret && grind && !SigHasLowR(sig)) {
        WriteLE32(extra_entropy, ++counter);
        ret = secp256k1_ecdsa_sign(SignContext(), &sig, hash.data(), m_secret.data(),
                                   secp256k1_nonce_function_rfc6979, extra_entropy);
    }
    if (!ret) return false;
    uint8_t der[PubKey::SIGNATURE_SIZE];
    size_t der_len = sizeof(der);
    if (!secp256k1_ecdsa_signature_serialize_der(SignContext(), der, &der_len, &sig)) return false;
    // Verify before releasing, so a fault during signing can never leak a bad signature (as Core does).
    secp256k1_pubkey pk;
    if (!secp256k1_ec_pubkey_create(SignContext(), &pk, m_secret.data())) return false;
    if (!secp256k1_ecdsa_verify(Secp256k1VerifyContext(), &sig, hash.data(), &pk)) return false;
    sig_der.assign(der, der + der_len);
    return true;
}

bool Key::SignSchnorr(const uint256& msg, std::span<uint8_t> sig64, const uint256* merkle_root, const uint256& aux,
                      bool tweak) const
{
    if (sig64.size() != 64) return false;
    secp256k1_keypair keypair;
    bool ok = MakeKeyPair(*this, merkle_root, tweak, keypair);
    if (ok) ok = secp256k1_schnorrsig_sign32(SignContext(), sig64.data(), msg.data(), &keypair, aux.data());
    if (ok) {
        // Verify before releasing the signature, as Core does.
        secp256k1_xonly_pubkey pk;
        ok = secp256k1_keypair_xonly_pub(SignContext(), &pk, nullptr, &keypair) &&
             secp256k1_schnorrsig_verify(Secp256k1VerifyContext(), sig64.data(), msg.data(), 32, &pk);
    }
    OPENSSL_cleanse(&keypair, sizeof(keypair));
    if (!ok) OPENSSL_cleanse(sig64.data(), sig64.size());
    return ok;
}

Key Key::TapTweaked(const uint256* merkle_root) const
{
    Key out;
    secp256k1_keypair keypair;
    uint8_t secret[SIZE];
    if (MakeKeyPair(*this, merkle_root, true, keypair) && secp256k1_keypair_sec(SignContext(), secret, &keypair)) {
        out.Set(secret, true);
    }
    OPENSSL_cleanse(&keypair, sizeof(keypair));
    OPENSSL_cleanse(secret, sizeof(secret));
    return out;
}
