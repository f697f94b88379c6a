// Wallet secrets at rest: a random master key encrypts each private descriptor with AES-256-GCM; the master key
// itself is encrypted under a key derived from the passphrase with scrypt (memory-hard). Buffers holding secrets
// are wiped when released.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

/** Bytes that are wiped (OPENSSL_cleanse) when destroyed or cleared. */
class SecureBytes
{
public:
    SecureBytes() = default;
    explicit SecureBytes(size_t n) : m_data(n) {}
    SecureBytes(const SecureBytes&) = delete;
    SecureBytes& operator=(const SecureBytes&) = delete;
    SecureBytes(SecureBytes&& other) noexcept : m_data(std::move(other.m_data)) {}
    SecureBytes& operator=(SecureBytes&& other) noexcept;
    ~SecureBytes() { Clear(); }
    void Clear();
    uint8_t* data() { return m_data.data(); }
    const uint8_t* data() const { return m_data.data(); }
    size_t size() const { return m_data.size(); }
    bool empty() const { return m_data.empty(); }
    std::span<const uint8_t> span() const { return m_data; }

private:
    std::vector<uint8_t> m_data;
};

/** Wipes a string's characters (for passphrases and private descriptor text). */
void WipeString(std::string& s);

/** scrypt parameters stored with the encrypted master key, so they can be raised later. */
struct KdfParams {
    std::array<uint8_t, 16> salt{};
    uint8_t log2_n{15};  // N = 32768: 32 MiB with r = 8
    uint8_t r{8};
    uint8_t p{1};
};

/** The passphrase-derived key (32 bytes); nullopt when scrypt fails (out of memory). */
std::optional<SecureBytes> DeriveKey(const std::string& passphrase, const KdfParams& params);
/** AES-256-GCM: nonce (12) || ciphertext || tag (16). aad binds the ciphertext to its context. */
std::vector<uint8_t> SealSecret(std::span<const uint8_t> key, std::span<const uint8_t> plaintext, std::string_view aad);
/** Opens a SealSecret()ed blob; nullopt when the key is wrong or the data was altered. */
std::optional<SecureBytes> OpenSealed(std::span<const uint8_t> key, std::span<const uint8_t> sealed, std::string_view aad);
/** Cryptographically random bytes. */
SecureBytes RandomSecret(size_t n);

/** The encrypted master key record kept in the wallet file: KDF parameters and the sealed key. */
struct MasterKeyRecord {
    KdfParams kdf;
    std::vector<uint8_t> sealed;
    std::string Encode() const;  // hex
    static std::optional<MasterKeyRecord> Decode(const std::string& hex);
};
