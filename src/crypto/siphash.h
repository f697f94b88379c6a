// SipHash-2-4 (and Core's SipHash-1-3 "UJ" variant for uint256 + extra word), keyed with two 64-bit words.
#pragma once

#include "util/uint256.h"

#include <cstdint>
#include <span>

class SipHasher
{
public:
    SipHasher(uint64_t k0, uint64_t k1);
    /** Hash a 64-bit little-endian word; only valid while the byte count is a multiple of 8. */
    SipHasher& Write(uint64_t data);
    SipHasher& Write(std::span<const uint8_t> data);
    uint64_t Finalize() const;

private:
    uint64_t m_v[4];
    uint64_t m_tmp{0};
    uint8_t m_count{0};  // bytes written, mod 256
};

/** Core's SipHash-1-3 "UJ" variant (SipHasher13UJ): one round per block and three at the end, no padding (the
 *  finalizer constant is "unpadded" in LE64 instead of 0xff), and input made of 8-byte blocks and 32-byte
 *  "jumbo" blocks. Meant for hash tables keyed by cryptographic hashes. */
class SipHasher13UJ
{
public:
    SipHasher13UJ(uint64_t k0, uint64_t k1);
    /** A normal block: one 64-bit word. */
    SipHasher13UJ& Write(uint64_t data);
    /** A jumbo block: the uint256 as four LE64 words, mixed in by one round. */
    SipHasher13UJ& WriteJumbo(const uint256& hash);
    uint64_t Finalize() const;
    /** Finalize after one more jumbo block (and a normal block), leaving this object unchanged. */
    uint64_t Hash(const uint256& hash) const;
    uint64_t Hash(const uint256& hash, uint64_t extra) const;

private:
    uint64_t m_v[4];
};

/** SipHash-2-4 of a uint256 (fast path). */
uint64_t SipHashUint256(uint64_t k0, uint64_t k1, const uint256& val);
/** SipHash-2-4 of a uint256 followed by 4 little-endian bytes of extra (Core's PresaltedSipHasher with extra). */
uint64_t SipHash24Uint256Extra(uint64_t k0, uint64_t k1, const uint256& val, uint32_t extra);
/** Core's SipHash-1-3 "UJ" of a uint256 jumbo block followed by the zero-extended extra as one normal block
 *  (how Core's coins cache hashes an outpoint). */
uint64_t SipHashUint256Extra(uint64_t k0, uint64_t k1, const uint256& val, uint32_t extra);
