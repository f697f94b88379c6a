// Base58 and Base58Check against Core's vectors and Core's whitespace/NUL acceptance rules.
#include "address/base58.h"
#include "testutil/vectors.h"

#include <gtest/gtest.h>

using namespace std::string_literals;

TEST(Base58, EncodeDecodeVectors)
{
    const auto tests = ReadVectorJson("bitcoin-core/base58_encode_decode.json");
    size_t passed = 0;
    for (const auto& row : tests) {
        const Bytes data = ParseHex(row[0].get<std::string>());
        const std::string text = row[1].get<std::string>();
        std::vector<uint8_t> decoded;
        const bool encode_ok = EncodeBase58(data) == text;
        const bool decode_ok = DecodeBase58(text, decoded, 256) && decoded == data;
        EXPECT_TRUE(encode_ok) << text;
        EXPECT_TRUE(decode_ok) << text;
        if (encode_ok && decode_ok) ++passed;
    }
    EXPECT_EQ(tests.size(), 21u);
    ReportVectorCount("base58_encode_decode.json", passed, tests.size());
}

TEST(Base58, RejectsCharactersOutsideAlphabetAndEmbeddedNul)
{
    std::vector<uint8_t> out;
    EXPECT_FALSE(DecodeBase58("invalid"s, out, 100));  // 'l' is not a digit
    EXPECT_FALSE(DecodeBase58("invalid\0"s, out, 100));
    EXPECT_FALSE(DecodeBase58("\0invalid"s, out, 100));
    EXPECT_TRUE(DecodeBase58("good"s, out, 100));
    EXPECT_FALSE(DecodeBase58("bad0IOl"s, out, 100));
    EXPECT_FALSE(DecodeBase58("goodbad0IOl"s, out, 100));
    EXPECT_FALSE(DecodeBase58("good\0bad0IOl"s, out, 100));
}

TEST(Base58, SkipsLeadingAndTrailingWhitespaceOnly)
{
    std::vector<uint8_t> out;
    EXPECT_FALSE(DecodeBase58(" \t\n\v\f\r skip \r\f\v\n\t a", out, 3));
    ASSERT_TRUE(DecodeBase58(" \t\n\v\f\r skip \r\f\v\n\t ", out, 3));
    EXPECT_EQ(HexStr(out), "971a55");
    EXPECT_FALSE(DecodeBase58("sk ip", out, 3));  // inner whitespace ends the number; then junk follows
}

TEST(Base58, MaxLengthBoundsResultIncludingLeadingZeroes)
{
    std::vector<uint8_t> out;
    EXPECT_TRUE(DecodeBase58("111", out, 3));
    EXPECT_EQ(out, std::vector<uint8_t>(3, 0));
    EXPECT_FALSE(DecodeBase58("1111", out, 3));
    const std::string text = EncodeBase58(std::vector<uint8_t>{1, 2, 3, 4});
    EXPECT_TRUE(DecodeBase58(text, out, 4));
    EXPECT_FALSE(DecodeBase58(text, out, 3));
    // A very long string fails quickly rather than allocating its decoded size.
    EXPECT_FALSE(DecodeBase58(std::string(100000, 'z'), out, 100));
}

TEST(Base58, CheckDetectsBadChecksum)
{
    std::vector<uint8_t> out;
    EXPECT_TRUE(DecodeBase58Check("3vQB7B6MrGQZaxCuFg4oh"s, out, 100));
    EXPECT_EQ(EncodeBase58Check(out), "3vQB7B6MrGQZaxCuFg4oh");
    EXPECT_FALSE(DecodeBase58Check("3vQB7B6MrGQZaxCuFg4oi"s, out, 100));
    EXPECT_TRUE(out.empty());
    EXPECT_FALSE(DecodeBase58Check("3vQB7B6MrGQZaxCuFg4oh0IOl"s, out, 100));
    EXPECT_FALSE(DecodeBase58Check("3vQB7B6MrGQZaxCuFg4oh\0" "0IOl"s, out, 100));
    // max_ret_len counts the payload only, not the checksum.
    const std::vector<uint8_t> payload(21, 7);
    EXPECT_TRUE(DecodeBase58Check(EncodeBase58Check(payload), out, 21));
    EXPECT_EQ(out, payload);
    EXPECT_FALSE(DecodeBase58Check(EncodeBase58Check(payload), out, 20));
    EXPECT_FALSE(DecodeBase58Check("", out, 100));  // shorter than a checksum
}
