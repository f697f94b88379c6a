// 256-bit unsigned arithmetic: schoolbook multiply, shift-subtract division, and Core's compact encoding.
#include "util/arith_uint256.h"

arith_uint256 arith_uint256::operator~() const {
    arith_uint256 r;
    for (int i = 0; i < WIDTH; ++i) r.m_limb[i] = ~m_limb[i];
    return r;
}

arith_uint256 arith_uint256::operator-() const {
    arith_uint256 r = ~*this;
    ++r;
    return r;
}

arith_uint256& arith_uint256::operator^=(const arith_uint256& b) {
    for (int i = 0; i < WIDTH; ++i) m_limb[i] ^= b.m_limb[i];
    return *this;
}

arith_uint256& arith_uint256::operator&=(const arith_uint256& b) {
    for (int i = 0; i < WIDTH; ++i) m_limb[i] &= b.m_limb[i];
    return *this;
}

arith_uint256& arith_uint256::operator|=(const arith_uint256& b) {
    for (int i = 0; i < WIDTH; ++i) m_limb[i] |= b.m_limb[i];
    return *this;
}

arith_uint256& arith_uint256::operator<<=(unsigned int shift) {
    const arith_uint256 a = *this;
    const unsigned int words = shift / 32, bits = shift % 32;
    for (int i = 0; i < WIDTH; ++i) m_limb[i] = 0;
    if (shift >= 256) return *this;
    for (unsigned int i = words; i < unsigned(WIDTH); ++i) {
        m_limb[i] = a.m_limb[i - words] << bits;
        if (bits != 0 && i > words) m_limb[i] |= a.m_limb[i - words - 1] >> (32 - bits);
    }
    return *this;
}

arith_uint256& arith_uint256::operator>>=(unsigned int shift) {
    const arith_uint256 a = *this;
    const unsigned int words = shift / 32, bits = shift % 32;
    for (int i = 0; i < WIDTH; ++i) m_limb[i] = 0;
    if (shift >= 256) return *this;
    for (unsigned int i = 0; i + words < unsigned(WIDTH); ++i) {
        m_limb[i] = a.m_limb[i + words] >> bits;
        if (bits != 0 && i + words + 1 < unsigned(WIDTH)) m_limb[i] |= a.m_limb[i + words + 1] << (32 - bits);
    }
    return *this;
}

arith_uint256& arith_uint256::operator+=(const arith_uint256& b) {
    uint64_t carry = 0;
    for (int i = 0; i < WIDTH; ++i) {
        const uint64_t n = carry + m_limb[i] + b.m_limb[i];
        m_limb[i] = uint32_t(n);
        carry = n >> 32;
    }
    return *this;
}

arith_uint256& arith_uint256::operator-=(const arith_uint256& b) {
    // a - b == a + (2^256 - b) modulo 2^256; copy first so that x -= x works.
    return *this += -arith_uint256(b);
}

arith_uint256& arith_uint256::operator*=(uint32_t b) {
    uint64_t carry = 0;
    for (int i = 0; i < WIDTH; ++i) {
        const uint64_t n = carry + uint64_t(b) * m_limb[i];
        m_limb[i] = uint32_t(n);
        carry = n >> 32;
    }
    return *this;
}

arith_uint256& arith_uint256::operator*=(const arith_uint256& b) {
    // Schoolbook product keeping only the low 256 bits. carry + limb + (2^32-1)^2 never exceeds 2^64-1.
    const arith_uint256 a = *this, m = b;
    arith_uint256 r;
    for (int j = 0; j < WIDTH; ++j) {
        uint64_t carry = 0;
        for (int i = 0; i + j < WIDTH; ++i) {
            const uint64_t n = carry + r.m_limb[i + j] + uint64_t(a.m_limb[j]) * m.m_limb[i];
            r.m_limb[i + j] = uint32_t(n);
            carry = n >> 32;
        }
    }
    *this = r;
    return *this;
}

arith_uint256& arith_uint256::operator/=(const arith_uint256& b) {
    arith_uint256 divisor = b;
    arith_uint256 rest = *this;
    *this = 0;
    const unsigned int divisor_bits = divisor.Bits();
    const unsigned int rest_bits = rest.Bits();
    if (divisor_bits == 0 || divisor_bits > rest_bits) return *this;
    // Long division in base 2: align the divisor's top bit with the dividend's, then walk down.
    int shift = int(rest_bits - divisor_bits);
    divisor <<= unsigned(shift);
    for (; shift >= 0; --shift) {
        if (rest >= divisor) {
            rest -= divisor;
            m_limb[shift / 32] |= uint32_t(1) << (shift % 32);
        }
        divisor >>= 1;
    }
    return *this;
}

arith_uint256& arith_uint256::operator++() {
    for (int i = 0; i < WIDTH; ++i) {
        if (++m_limb[i] != 0) break;
    }
    return *this;
}

arith_uint256 arith_uint256::operator++(int) {
    arith_uint256 old = *this;
    ++*this;
    return old;
}

arith_uint256& arith_uint256::operator--() {
    for (int i = 0; i < WIDTH; ++i) {
        if (m_limb[i]-- != 0) break;
    }
    return *this;
}

arith_uint256 arith_uint256::operator--(int) {
    arith_uint256 old = *this;
    --*this;
    return old;
}

std::strong_ordering operator<=>(const arith_uint256& a, const arith_uint256& b) {
    for (int i = arith_uint256::WIDTH - 1; i >= 0; --i) {
        if (a.m_limb[i] != b.m_limb[i]) return a.m_limb[i] <=> b.m_limb[i];
    }
    return std::strong_ordering::equal;
}

unsigned int arith_uint256::Bits() const {
    for (int i = WIDTH - 1; i >= 0; --i) {
        if (m_limb[i] != 0) return 32 * unsigned(i) + unsigned(32 - __builtin_clz(m_limb[i]));
    }
    return 0;
}

double arith_uint256::GetDouble() const {
    double r = 0.0, factor = 1.0;
    for (int i = 0; i < WIDTH; ++i) {
        r += factor * m_limb[i];
        factor *= 4294967296.0;
    }
    return r;
}

std::string arith_uint256::GetHex() const {
    return ArithToUint256(*this).GetHex();
}

arith_uint256& arith_uint256::SetCompact(uint32_t compact, bool* negative, bool* overflow) {
    const unsigned int size = compact >> 24;
    uint32_t mantissa = compact & 0x007fffff;
    if (size <= 3) {
        mantissa >>= 8 * (3 - size);
        *this = mantissa;
    } else {
        *this = mantissa;
        *this <<= 8 * (size - 3);  // shifts of 256 or more give zero, as Core
    }
    if (negative) *negative = mantissa != 0 && (compact & 0x00800000) != 0;
    if (overflow) {
        *overflow = mantissa != 0 &&
                    (size > 34 || (mantissa > 0xff && size > 33) || (mantissa > 0xffff && size > 32));
    }
    return *this;
}

uint32_t arith_uint256::GetCompact(bool negative) const {
    unsigned int size = (Bits() + 7) / 8;
    uint32_t compact;
    if (size <= 3) {
        compact = uint32_t(GetLow64() << (8 * (3 - size)));
    } else {
        compact = uint32_t((*this >> (8 * (size - 3))).GetLow64());
    }
    // The mantissa's top bit is the sign: if it would be set, use one more byte of size instead.
    if (compact & 0x00800000) {
        compact >>= 8;
        ++size;
    }
    compact |= size << 24;  // size <= 33, so this cannot collide with the mantissa
    if (negative && (compact & 0x007fffff) != 0) compact |= 0x00800000;
    return compact;
}

uint256 ArithToUint256(const arith_uint256& a) {
    uint256 r;
    uint8_t* p = r.data();
    for (int i = 0; i < arith_uint256::WIDTH; ++i) {
        for (int k = 0; k < 4; ++k) p[4 * i + k] = uint8_t(a.m_limb[i] >> (8 * k));
    }
    return r;
}

arith_uint256 UintToArith256(const uint256& b) {
    arith_uint256 r;
    const uint8_t* p = b.data();
    for (int i = 0; i < arith_uint256::WIDTH; ++i) {
        r.m_limb[i] = uint32_t(p[4 * i]) | uint32_t(p[4 * i + 1]) << 8 | uint32_t(p[4 * i + 2]) << 16 |
                      uint32_t(p[4 * i + 3]) << 24;
    }
    return r;
}
