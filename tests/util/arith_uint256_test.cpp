// arith_uint256: Core's compact-encoding and arithmetic vectors, and randomized checks against __int128.
#include "util/arith_uint256.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace {
arith_uint256 FromHex(std::string_view hex) {
    return UintToArith256(*uint256::FromHex(hex));
}

// Core's arith_uint256_tests R1L and R2L (given there as little-endian byte arrays).
const arith_uint256 R1 = FromHex("7d1de5eaf9b156d53208f033b5aa8122d2d2355d5e12292b121156cfdb4a529c");
const arith_uint256 R2 = FromHex("d781cab4f072134971da2d19a3473013bfb69ca6c30a7e26406ba5477c1d3270");
const arith_uint256 MAX = ~arith_uint256(0);

struct CompactCase {
    uint32_t compact;
    const char* hex;
    uint32_t recompact;  // GetCompact(negative) of the decoded value
    bool negative;
    bool overflow;
};

// Vectors from Core's bignum_SetCompact test.
const CompactCase COMPACT_CASES[] = {
    {0x00000000, "0000000000000000000000000000000000000000000000000000000000000000", 0, false, false},
    {0x00123456, "0000000000000000000000000000000000000000000000000000000000000000", 0, false, false},
    {0x01003456, "0000000000000000000000000000000000000000000000000000000000000000", 0, false, false},
    {0x02000056, "0000000000000000000000000000000000000000000000000000000000000000", 0, false, false},
    {0x03000000, "0000000000000000000000000000000000000000000000000000000000000000", 0, false, false},
    {0x04000000, "0000000000000000000000000000000000000000000000000000000000000000", 0, false, false},
    {0x00923456, "0000000000000000000000000000000000000000000000000000000000000000", 0, false, false},
    {0x01803456, "0000000000000000000000000000000000000000000000000000000000000000", 0, false, false},
    {0x02800056, "0000000000000000000000000000000000000000000000000000000000000000", 0, false, false},
    {0x03800000, "0000000000000000000000000000000000000000000000000000000000000000", 0, false, false},
    {0x04800000, "0000000000000000000000000000000000000000000000000000000000000000", 0, false, false},
    {0x01123456, "0000000000000000000000000000000000000000000000000000000000000012", 0x01120000, false,
     false},
    {0x01fedcba, "000000000000000000000000000000000000000000000000000000000000007e", 0x01fe0000, true, false},
    {0x02123456, "0000000000000000000000000000000000000000000000000000000000001234", 0x02123400, false,
     false},
    {0x03123456, "0000000000000000000000000000000000000000000000000000000000123456", 0x03123456, false,
     false},
    {0x04123456, "0000000000000000000000000000000000000000000000000000000012345600", 0x04123456, false,
     false},
    {0x04923456, "0000000000000000000000000000000000000000000000000000000012345600", 0x04923456, true, false},
    {0x05009234, "0000000000000000000000000000000000000000000000000000000092340000", 0x05009234, false,
     false},
    {0x20123456, "1234560000000000000000000000000000000000000000000000000000000000", 0x20123456, false,
     false},
    // Mainnet's proof-of-work limit and a real target (block 413567).
    {0x1d00ffff, "00000000ffff0000000000000000000000000000000000000000000000000000", 0x1d00ffff, false,
     false},
    {0x18058436, "0000000000000000058436000000000000000000000000000000000000000000", 0x18058436, false,
     false},
};
}  // namespace

TEST(ArithUint256, CompactVectorsFromCore) {
    for (const auto& c : COMPACT_CASES) {
        bool negative = !c.negative, overflow = true;
        arith_uint256 num;
        num.SetCompact(c.compact, &negative, &overflow);
        EXPECT_EQ(num.GetHex(), c.hex) << std::hex << c.compact;
        EXPECT_EQ(negative, c.negative) << std::hex << c.compact;
        EXPECT_EQ(overflow, c.overflow) << std::hex << c.compact;
        EXPECT_EQ(num.GetCompact(c.negative), c.recompact) << std::hex << c.compact;
    }
}

TEST(ArithUint256, CompactOverflowCases) {
    bool negative = true, overflow = false;
    arith_uint256 num;
    num.SetCompact(0xff123456, &negative, &overflow);
    EXPECT_FALSE(negative);
    EXPECT_TRUE(overflow);
    // The limits: a 1-byte mantissa may have size 34, 2 bytes size 33, 3 bytes size 32.
    num.SetCompact(0x22000001, &negative, &overflow);
    EXPECT_FALSE(overflow);
    EXPECT_EQ(num, arith_uint256(1) << 248);
    num.SetCompact(0x23000001, &negative, &overflow);
    EXPECT_TRUE(overflow);
    num.SetCompact(0x21000100, &negative, &overflow);
    EXPECT_FALSE(overflow);
    num.SetCompact(0x22000100, &negative, &overflow);
    EXPECT_TRUE(overflow);
    num.SetCompact(0x20010000, &negative, &overflow);
    EXPECT_FALSE(overflow);
    num.SetCompact(0x21010000, &negative, &overflow);
    EXPECT_TRUE(overflow);
    // A zero mantissa is never an overflow nor negative, whatever the size.
    num.SetCompact(0xff800000, &negative, &overflow);
    EXPECT_FALSE(overflow);
    EXPECT_FALSE(negative);
    EXPECT_EQ(num, arith_uint256(0));
}

TEST(ArithUint256, GetCompactNeverSetsTheSignBit) {
    EXPECT_EQ(arith_uint256(0x80).GetCompact(), 0x02008000u);
    EXPECT_EQ(arith_uint256(0x800000).GetCompact(), 0x04008000u);
    // Every compact produced round-trips through SetCompact without sign or overflow.
    std::mt19937_64 rng(7);
    for (int i = 0; i < 2000; ++i) {
        arith_uint256 x = (arith_uint256(rng()) << 192) | (arith_uint256(rng()) << 128) |
                          (arith_uint256(rng()) << 64) | arith_uint256(rng());
        x >>= unsigned(rng() % 256);
        const uint32_t c = x.GetCompact();
        EXPECT_EQ(c & 0x00800000u, 0u);
        bool negative, overflow;
        arith_uint256 y;
        y.SetCompact(c, &negative, &overflow);
        EXPECT_FALSE(negative);
        EXPECT_FALSE(overflow);
        EXPECT_LE(y, x);  // truncation only drops low bits
        EXPECT_EQ(y.GetCompact(), c);
        // Only the bytes below the mantissa's lowest byte are lost.
        const unsigned int size = c >> 24;
        if (size > 3) {
            EXPECT_LT(x - y, arith_uint256(1) << (8 * (size - 3)));
        } else {
            EXPECT_EQ(x, y);
        }
    }
}

TEST(ArithUint256, MultiplyVectorsFromCore) {
    EXPECT_EQ((R1 * R1).GetHex(), "62a38c0486f01e45879d7910a7761bf30d5237e9873f9bff3642a732c4d84f10");
    EXPECT_EQ((R1 * R2).GetHex(), "de37805e9986996cfba76ff6ba51c008df851987d9dd323f0e5de07760529c40");
    EXPECT_EQ((R2 * R2).GetHex(), "ac8c010096767d3cae5005dec28bb2b45a1d85ab7996ccd3e102a650f74ff100");
    EXPECT_EQ(R1 * MAX, -R1);
    EXPECT_EQ(MAX * MAX, arith_uint256(1));
    EXPECT_EQ((R1 * 3).GetHex(), "7759b1c0ed14047f961ad09b20ff83687876a0181a367b813634046f91def7d4");
    EXPECT_EQ((R2 * 0x87654321u).GetHex(),
              "23f7816e30c4ae2017257b7a0fa64d60402f5234d46e746b61c960d09a26d070");
    EXPECT_EQ(R1 * 0u, arith_uint256(0));
}

TEST(ArithUint256, DivideVectorsFromCore) {
    const arith_uint256 d1 = FromHex("00000000000000000000000000000000000000000000000ad7133ac1977fa2b7");
    const arith_uint256 d2 = FromHex("0000000000000000000000000000000000000000000000000000000ecd751716");
    EXPECT_EQ((R1 / d1).GetHex(), "00000000000000000b8ac01106981635d9ed112290f8895545a7654dde28fb3a");
    EXPECT_EQ((R1 / d2).GetHex(), "000000000873ce8efec5b67150bad3aa8c5fcb70e947586153bf2cec7c37c57a");
    EXPECT_EQ((R2 / d1).GetHex(), "000000000000000013e1665895a1cc981de6d93670105a6b3ec3b73141b3a3c5");
    EXPECT_EQ((R2 / d2).GetHex(), "000000000e8f0abe753bb0afe2e9437ee85d280be60882cf0bd1aaf7fa3cc2c4");
    EXPECT_EQ(R1 / 1, R1);
    EXPECT_EQ(R1 / MAX, arith_uint256(0));
    EXPECT_EQ(MAX / R1, arith_uint256(2));
    EXPECT_EQ(MAX / R2, arith_uint256(1));
    EXPECT_EQ(R1 / 0, arith_uint256(0));  // documented: division by zero is a caller bug and gives zero
}

TEST(ArithUint256, OperatorsWithSelf) {
    arith_uint256 v{2};
    // Through a reference: the self-operation is the point, and clang's -Wself-assign-overloaded flags `v /= v`.
    const arith_uint256& self = v;
    v *= v;
    EXPECT_EQ(v, arith_uint256(4));
    v /= self;
    EXPECT_EQ(v, arith_uint256(1));
    v += v;
    EXPECT_EQ(v, arith_uint256(2));
    v -= self;
    EXPECT_EQ(v, arith_uint256(0));
}

TEST(ArithUint256, ShiftsBitsAndLow64) {
    const arith_uint256 one(1);
    for (unsigned int i = 0; i < 256; ++i) {
        EXPECT_EQ((one << i).Bits(), i + 1);
        EXPECT_EQ((one << i) >> i, one);
        EXPECT_EQ((one << i).GetDouble(), std::ldexp(1.0, int(i)));
    }
    EXPECT_EQ(one << 256, arith_uint256(0));
    EXPECT_EQ(MAX >> 256, arith_uint256(0));
    EXPECT_EQ(MAX >> 255, one);
    EXPECT_EQ(R1.GetLow64(), 0x121156cfdb4a529cULL);
    EXPECT_EQ((R1 << 10) >> 10, R1 & (MAX >> 10));
    EXPECT_EQ(arith_uint256(0).Bits(), 0u);
}

TEST(ArithUint256, ComparisonAndIncrement) {
    EXPECT_LT(R1, R2);
    EXPECT_GT(MAX, R2);
    EXPECT_LT(arith_uint256(0xffffffffULL), arith_uint256(1) << 32);
    arith_uint256 x(0xffffffffULL);
    ++x;
    EXPECT_EQ(x, arith_uint256(1) << 32);
    --x;
    EXPECT_EQ(x, arith_uint256(0xffffffffULL));
    arith_uint256 m = MAX;
    ++m;
    EXPECT_EQ(m, arith_uint256(0));
    --m;
    EXPECT_EQ(m, MAX);
    EXPECT_EQ(-arith_uint256(1), MAX);
}

TEST(ArithUint256, ConversionIsLittleEndian) {
    for (const arith_uint256& a : {arith_uint256(0), arith_uint256(1), R1, R2, MAX}) {
        EXPECT_EQ(UintToArith256(ArithToUint256(a)), a);
        EXPECT_EQ(ArithToUint256(a).GetHex(), a.GetHex());
    }
    uint256 b;
    b.data()[0] = 0xff;
    EXPECT_EQ(UintToArith256(b), arith_uint256(0xff));
    b.data()[0] = 0;
    b.data()[31] = 0x80;
    EXPECT_EQ(UintToArith256(b), arith_uint256(1) << 255);
}

TEST(ArithUint256, RandomizedAgainstInt128) {
    using u128 = unsigned __int128;
    auto to_arith = [](u128 v) {
        return (arith_uint256(uint64_t(v >> 64)) << 64) | arith_uint256(uint64_t(v));
    };
    std::mt19937_64 rng(42);
    for (int i = 0; i < 20000; ++i) {
        const u128 a = (u128(rng()) << 64 | rng()) >> (rng() % 128);
        const u128 b = (u128(rng()) << 64 | rng()) >> (rng() % 128);
        const uint64_t a64 = uint64_t(a), b64 = uint64_t(b);
        ASSERT_EQ(to_arith(a) + to_arith(b),
                  (to_arith(a >> 1) + to_arith(b >> 1)) * 2u + to_arith((a & 1) + (b & 1)));
        ASSERT_EQ(to_arith(a64) * to_arith(b64), to_arith(u128(a64) * b64));
        ASSERT_EQ(to_arith(a64) * uint32_t(b64), to_arith(u128(a64) * uint32_t(b64)));
        if (b != 0) {
            ASSERT_EQ(to_arith(a) / to_arith(b), to_arith(a / b));
        }
        ASSERT_EQ(to_arith(a) < to_arith(b), a < b);
        if (a >= b) {
            ASSERT_EQ(to_arith(a) - to_arith(b), to_arith(a - b));
        }
        const unsigned int s = unsigned(rng() % 128);
        ASSERT_EQ(to_arith(a) >> s, to_arith(a >> s));
        ASSERT_EQ((to_arith(a) << s) >> s, to_arith(a));
        // Full-width: (x * y) / y == x when the product does not wrap.
        const arith_uint256 x = to_arith(a) << 60, y = to_arith(b64 | 1);
        ASSERT_EQ((x * y) / y, x);
    }
}
