// Hash functions against known answers, and the 64-byte double-SHA256 fast path against the generic one.
#include "crypto/hash.h"
#include "util/hex.h"

#include <gtest/gtest.h>

TEST(Hash, KnownAnswers)
{
    std::string abc = "abc";
    std::span<const uint8_t> in(reinterpret_cast<const uint8_t*>(abc.data()), abc.size());
    uint256 sha = Sha256Hash(in);
    EXPECT_EQ(HexStr(sha), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    uint8_t rmd[20];
    Ripemd160(in, rmd);
    EXPECT_EQ(HexStr(rmd), "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
}

TEST(Hash, Sha256D64MatchesGenericDoubleSha)
{
    std::vector<uint8_t> in(64 * 7);
    for (size_t i = 0; i < in.size(); ++i) in[i] = uint8_t(i * 31 + 7);
    std::vector<uint8_t> out(32 * 7);
    Sha256D64(out.data(), in.data(), 7);
    for (size_t b = 0; b < 7; ++b) {
        uint256 expect = Hash256(std::span<const uint8_t>(in.data() + 64 * b, 64));
        EXPECT_EQ(HexStr(std::span<const uint8_t>(out.data() + 32 * b, 32)), HexStr(expect));
    }
}

TEST(Hash, TaggedHashIsDoubleTagPrefix)
{
    uint256 tag = Sha256Hash(std::vector<uint8_t>{'T', 'a', 'p', 'L', 'e', 'a', 'f'});
    std::vector<uint8_t> pre(tag.begin(), tag.end());
    pre.insert(pre.end(), tag.begin(), tag.end());
    pre.push_back(0x42);
    EXPECT_EQ(TaggedHash("TapLeaf", std::vector<uint8_t>{0x42}), Sha256Hash(pre));
}
