// Bitcoin's hash functions: HASH256 (double SHA-256), HASH160, BIP340 tagged hashes, HMAC, and a hashing stream.
#pragma once

#include "crypto/sha256.h"
#include "util/uint256.h"

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
    void write(std::span<const uint8_t> src) { m_sha.Write(src); }
    /** SHA256(SHA256(data)): txids, block hashes, legacy and BIP143 sighashes. */
    uint256 GetHash();
    /** SHA256(data): BIP341 sub-hashes and tagged hashes. */
    uint256 GetSha256();

private:
    Sha256 m_sha;
};

/** A HashWriter preloaded with SHA256(tag) || SHA256(tag) (BIP340 tagged hash). */
HashWriter TaggedHashWriter(std::string_view tag);
/** tagged_hash(tag, data) of BIP340. */
uint256 TaggedHash(std::string_view tag, std::span<const uint8_t> data);
