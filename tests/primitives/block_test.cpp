// Block 413567: decoding, hashing, and re-encoding to the same bytes.
#include "primitives/block.h"
#include "testutil/vectors.h"

#include <gtest/gtest.h>

TEST(Block, DecodesMainnetBlock413567)
{
    auto raw = ReadVectorBytes("bitcoin-core/block413567.raw");
    auto block = DecodeBlock(raw);
    ASSERT_TRUE(block) << block.error;
    EXPECT_EQ(block->GetHash().GetHex(), "0000000000000000025aff8be8a55df8f89c77296db6198f272d6577325d4069");
    EXPECT_EQ(block->vtx.size(), 1557u);
    EXPECT_EQ(EncodeBlock(*block), raw);
}

TEST(Block, TruncatedBlockIsAnErrorNotACrash)
{
    auto raw = ReadVectorBytes("bitcoin-core/block413567.raw");
    for (size_t len : {size_t(0), size_t(1), size_t(79), size_t(80), size_t(81), raw.size() / 2, raw.size() - 1}) {
        auto block = DecodeBlock(std::span<const uint8_t>(raw.data(), len));
        EXPECT_FALSE(block) << len;
        EXPECT_FALSE(block.error.empty());
    }
}
