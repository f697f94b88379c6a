// Wallet encryption primitives over OpenSSL; see crypter.h.
#include "wallet/crypter.h"

#include "util/hex.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

namespace {
constexpr size_t NONCE_SIZE = 12;
constexpr size_t TAG_SIZE = 16;
}  // namespace

SecureBytes& SecureBytes::operator=(SecureBytes&& other) noexcept
{
    if (this != &other) {
        Clear();
        m_data = std::move(other.m_data);
    }
    return *this;
}

void SecureBytes::Clear()
{
    if (!m_data.empty()) OPENSSL_cleanse(m_data.data(), m_data.size());
    m_data.clear();
}

void WipeString(std::string& s)
{
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
    s.clear();
}

std::optional<SecureBytes> DeriveKey(const std::string& passphrase, const KdfParams& params)
{
    SecureBytes key(32);
    const uint64_t n = uint64_t{1} << params.log2_n;
    // Memory bound a little above 128 * N * r bytes.
    const uint64_t maxmem = 128 * n * params.r + (1 << 20);
    if (EVP_PBE_scrypt(passphrase.data(), passphrase.size(), params.salt.data(), params.salt.size(), n, params.r,
                       params.p, maxmem, key.data(), key.size()) != 1) {
        return std::nullopt;
    }
    return key;
}

std::vector<uint8_t> SealSecret(std::span<const uint8_t> key, std::span<const uint8_t> plaintext, std::string_view aad)
{
    std::vector<uint8_t> out(NONCE_SIZE + plaintext.size() + TAG_SIZE);
    RAND_bytes(out.data(), NONCE_SIZE);
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    int len = 0;
    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key.data(), out.data());
    EVP_EncryptUpdate(ctx, nullptr, &len, reinterpret_cast<const uint8_t*>(aad.data()), static_cast<int>(aad.size()));
    EVP_EncryptUpdate(ctx, out.data() + NONCE_SIZE, &len, plaintext.data(), static_cast<int>(plaintext.size()));
    EVP_EncryptFinal_ex(ctx, out.data() + NONCE_SIZE + len, &len);
    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_SIZE, out.data() + NONCE_SIZE + plaintext.size());
    EVP_CIPHER_CTX_free(ctx);
    return out;
}

std::optional<SecureBytes> OpenSealed(std::span<const uint8_t> key, std::span<const uint8_t> sealed, std::string_view aad)
{
    if (sealed.size() < NONCE_SIZE + TAG_SIZE || key.size() != 32) return std::nullopt;
    const size_t n = sealed.size() - NONCE_SIZE - TAG_SIZE;
    SecureBytes plain(n);
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    int len = 0;
    bool ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key.data(), sealed.data()) == 1;
    ok = ok && EVP_DecryptUpdate(ctx, nullptr, &len, reinterpret_cast<const uint8_t*>(aad.data()), static_cast<int>(aad.size())) == 1;
    ok = ok && EVP_DecryptUpdate(ctx, plain.data(), &len, sealed.data() + NONCE_SIZE, static_cast<int>(n)) == 1;
    std::array<uint8_t, TAG_SIZE> tag;
    std::copy(sealed.end() - TAG_SIZE, sealed.end(), tag.begin());
    ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_SIZE, tag.data()) == 1;
    ok = ok && EVP_DecryptFinal_ex(ctx, plain.data() + len, &len) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) return std::nullopt;
    return plain;
}

SecureBytes RandomSecret(size_t n)
{
    SecureBytes b(n);
    RAND_bytes(b.data(), static_cast<int>(n));
    return b;
}

std::string MasterKeyRecord::Encode() const
{
    std::vector<uint8_t> b(kdf.salt.begin(), kdf.salt.end());
    b.push_back(kdf.log2_n);
    b.push_back(kdf.r);
    b.push_back(kdf.p);
    b.insert(b.end(), sealed.begin(), sealed.end());
    return HexStr(b);
}

std::optional<MasterKeyRecord> MasterKeyRecord::Decode(const std::string& hex)
{
    auto b = TryParseHex(hex);
    if (!b || b->size() < 19 + NONCE_SIZE + TAG_SIZE) return std::nullopt;
    MasterKeyRecord r;
    std::copy(b->begin(), b->begin() + 16, r.kdf.salt.begin());
    r.kdf.log2_n = (*b)[16];
    r.kdf.r = (*b)[17];
    r.kdf.p = (*b)[18];
    if (r.kdf.log2_n < 10 || r.kdf.log2_n > 22 || r.kdf.r == 0 || r.kdf.r > 32 || r.kdf.p == 0 || r.kdf.p > 16) return std::nullopt;
    r.sealed.assign(b->begin() + 19, b->end());
    return r;
}
