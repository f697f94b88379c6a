// SHA-256 fast path for 64-byte inputs: three compression calls, no buffering or length bookkeeping.
#include "crypto/sha256.h"

#include <array>
#include <cstring>

namespace {
constexpr uint32_t IV[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                            0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

// Padding block for a 64-byte message: 0x80, zeros, then the bit length 512 big-endian.
constexpr std::array<uint8_t, 64> PAD64 = [] {
    std::array<uint8_t, 64> p{};
    p[0] = 0x80;
    p[62] = 0x02;
    return p;
}();

void WriteBE32(uint8_t* p, uint32_t v)
{
    p[0] = uint8_t(v >> 24);
    p[1] = uint8_t(v >> 16);
    p[2] = uint8_t(v >> 8);
    p[3] = uint8_t(v);
}
}  // namespace

void Sha256D64(uint8_t* out, const uint8_t* in, size_t blocks)
{
    SHA256_CTX ctx;
    uint8_t second[64];
    // Padding for a 32-byte message: 0x80 after the hash, bit length 256.
    std::memset(second + 32, 0, 32);
    second[32] = 0x80;
    second[62] = 0x01;
    for (size_t i = 0; i < blocks; ++i) {
        std::memcpy(ctx.h, IV, sizeof(IV));
        SHA256_Transform(&ctx, in + 64 * i);
        SHA256_Transform(&ctx, PAD64.data());
        for (int j = 0; j < 8; ++j) WriteBE32(second + 4 * j, ctx.h[j]);
        std::memcpy(ctx.h, IV, sizeof(IV));
        SHA256_Transform(&ctx, second);
        for (int j = 0; j < 8; ++j) WriteBE32(out + 32 * i + 4 * j, ctx.h[j]);
    }
}
