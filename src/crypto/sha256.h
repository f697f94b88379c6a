// SHA-256 through OpenSSL, with a fast path for double-SHA256 of 64-byte blocks (merkle trees).
#pragma once

#include <openssl/sha.h>

#include <cstddef>
#include <cstdint>
#include <span>

class Sha256
{
public:
    static constexpr size_t OUTPUT_SIZE = 32;
    Sha256() { SHA256_Init(&m_ctx); }
    Sha256& Write(std::span<const uint8_t> data)
    {
        SHA256_Update(&m_ctx, data.data(), data.size());
        return *this;
    }
    Sha256& Write(const uint8_t* data, size_t len)
    {
        SHA256_Update(&m_ctx, data, len);
        return *this;
    }
    void Finalize(uint8_t out[OUTPUT_SIZE]) { SHA256_Final(out, &m_ctx); }
    Sha256& Reset()
    {
        SHA256_Init(&m_ctx);
        return *this;
    }

private:
    SHA256_CTX m_ctx;
};

/** out[i*32..] = SHA256(SHA256(in[i*64..i*64+64])) for i in [0, blocks). */
void Sha256D64(uint8_t* out, const uint8_t* in, size_t blocks);
