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

/** SipHash-2-4 of a uint256 (fast path). */
uint64_t SipHashUint256(uint64_t k0, uint64_t k1, const uint256& val);
/** Core's SipHash-1-3 of a uint256 followed by a 32-bit extra (used for outpoint hashing tables). */
uint64_t SipHashUint256Extra(uint64_t k0, uint64_t k1, const uint256& val, uint32_t extra);
