// Bitcoin's hash functions: HASH256 (double SHA-256), HASH160, BIP340 tagged hashes, HMAC, and a hashing stream.
#pragma once

#include "crypto/sha256.h"
#include "util/uint256.h"

#include <cstring>
#include <span>
#include <string_view>

void Ripemd160(std::span<const uint8_t> data, uint8_t out[20]);
void HmacSha512(std::span<const uint8_t> key, std::span<const uint8_t> data, uint8_t out[64]);
void HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data, uint8_t out[32]);

/** SHA256(data). */
uint256 Sha256Hash(std::span<const uint8_t> data);
/** SHA256(SHA256(data)). */
uint256 Hash256(std::span<const uint8_t> data);
/** RIPEMD160(SHA256(data)). */
uint160 Hash160(std::span<const uint8_t> data);

/** A stream that hashes what is serialized into it. */
class HashWriter
{
public:
    HashWriter() = default;
    explicit HashWriter(const Sha256& midstate) : m_sha(midstate) {}
    /** Small writes (serializing field by field) are gathered so SHA-256 sees few, larger updates. */
    void write(std::span<const uint8_t> src)
    {
        if (src.empty()) return;  // an empty span may carry a null pointer: memcpy must not see it
        if (m_len + src.size() <= sizeof(m_buf)) {
            std::memcpy(m_buf + m_len, src.data(), src.size());
            m_len += src.size();
            return;
        }
        Drain();
        if (src.size() >= sizeof(m_buf)) {
            m_sha.Write(src);
        } else {
            std::memcpy(m_buf, src.data(), src.size());
            m_len = src.size();
        }
    }
    /** SHA256(SHA256(data)): txids, block hashes, legacy and BIP143 sighashes. */
    uint256 GetHash();
    /** SHA256(data): BIP341 sub-hashes and tagged hashes. */
    uint256 GetSha256();

private:
    void Drain()
    {
        if (m_len) m_sha.Write(m_buf, m_len);
        m_len = 0;
    }
    Sha256 m_sha;
    uint8_t m_buf[256];
    size_t m_len{0};
};

/** A HashWriter preloaded with SHA256(tag) || SHA256(tag) (BIP340 tagged hash). */
HashWriter TaggedHashWriter(std::string_view tag);
/** tagged_hash(tag, data) of BIP340. */
uint256 TaggedHash(std::string_view tag, std::span<const uint8_t> data);
