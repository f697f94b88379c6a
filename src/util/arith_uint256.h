// 256-bit unsigned integers with arithmetic (mod 2^256) for proof of work: targets, compact "nBits", chain
// work.
#pragma once

#include "util/uint256.h"

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

/** An unsigned 256-bit number; arithmetic wraps modulo 2^256 like the built-in unsigned types. Named after
 * Core's arith_uint256, which the opaque uint256 converts to with UintToArith256. */
class arith_uint256 {
public:
    static constexpr int WIDTH = 8;  // 32-bit limbs, least significant first

    constexpr arith_uint256() : m_limb{} {}
    constexpr arith_uint256(uint64_t v) : m_limb{uint32_t(v), uint32_t(v >> 32)} {}

    arith_uint256 operator~() const;
    arith_uint256 operator-() const;

    arith_uint256& operator^=(const arith_uint256& b);
    arith_uint256& operator&=(const arith_uint256& b);
    arith_uint256& operator|=(const arith_uint256& b);
    arith_uint256& operator<<=(unsigned int shift);
    arith_uint256& operator>>=(unsigned int shift);
    arith_uint256& operator+=(const arith_uint256& b);
    arith_uint256& operator-=(const arith_uint256& b);
    arith_uint256& operator*=(uint32_t b);
    arith_uint256& operator*=(const arith_uint256& b);
    /** Integer division. The divisor must not be zero (a caller bug); if it is, the result is zero. */
    arith_uint256& operator/=(const arith_uint256& b);
    arith_uint256& operator++();
    arith_uint256 operator++(int);
    arith_uint256& operator--();
    arith_uint256 operator--(int);

    friend arith_uint256 operator+(arith_uint256 a, const arith_uint256& b) { return a += b; }
    friend arith_uint256 operator-(arith_uint256 a, const arith_uint256& b) { return a -= b; }
    friend arith_uint256 operator*(arith_uint256 a, const arith_uint256& b) { return a *= b; }
    friend arith_uint256 operator*(arith_uint256 a, uint32_t b) { return a *= b; }
    friend arith_uint256 operator/(arith_uint256 a, const arith_uint256& b) { return a /= b; }
    friend arith_uint256 operator|(arith_uint256 a, const arith_uint256& b) { return a |= b; }
    friend arith_uint256 operator&(arith_uint256 a, const arith_uint256& b) { return a &= b; }
    friend arith_uint256 operator^(arith_uint256 a, const arith_uint256& b) { return a ^= b; }
    friend arith_uint256 operator<<(arith_uint256 a, unsigned int shift) { return a <<= shift; }
    friend arith_uint256 operator>>(arith_uint256 a, unsigned int shift) { return a >>= shift; }

    friend bool operator==(const arith_uint256& a, const arith_uint256& b) = default;
    friend std::strong_ordering operator<=>(const arith_uint256& a, const arith_uint256& b);

    /** Position of the highest set bit plus one (0 for zero). */
    unsigned int Bits() const;
    uint64_t GetLow64() const { return m_limb[0] | (uint64_t(m_limb[1]) << 32); }
    /** Nearest double (used for difficulty display, never for consensus). */
    double GetDouble() const;
    /** 64 hex digits, most significant first (as uint256::GetHex of the same number). */
    std::string GetHex() const;
    std::string ToString() const { return GetHex(); }
    static constexpr unsigned int size() { return 32; }

    /** Decodes the "compact" floating-point form used by nBits: the top byte is the size in bytes N, the low
     * 23 bits the mantissa M, bit 23 the sign; value = M * 256^(N-3). negative is set when the sign bit is
     * set and M != 0; overflow when the value does not fit in 256 bits (exactly Core's SetCompact). */
    arith_uint256& SetCompact(uint32_t compact, bool* negative = nullptr, bool* overflow = nullptr);
    /** Encodes to compact form, truncating to 23 mantissa bits (Core's GetCompact). */
    uint32_t GetCompact(bool negative = false) const;

    uint32_t GetLimb(int i) const { return m_limb[i]; }

    friend uint256 ArithToUint256(const arith_uint256& a);
    friend arith_uint256 UintToArith256(const uint256& b);

private:
    uint32_t m_limb[WIDTH];
};

/** The opaque blob's bytes are the number in little-endian order. */
uint256 ArithToUint256(const arith_uint256& a);
arith_uint256 UintToArith256(const uint256& b);
