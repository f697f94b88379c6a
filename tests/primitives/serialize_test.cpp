// CompactSize encoding rules and bounded allocation.
#include "primitives/serialize.h"

#include <gtest/gtest.h>

namespace {
std::string ReadError(std::vector<uint8_t> bytes)
{
    try {
        SpanReader r(bytes);
        ReadCompactSize(r);
    } catch (const DeserializeError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST(CompactSize, RoundTripsAtEveryBoundary)
{
    for (uint64_t n : {0ULL, 252ULL, 253ULL, 0xffffULL, 0x10000ULL, 0xffffffffULL, 0x100000000ULL, ~0ULL}) {
        std::vector<uint8_t> buf;
        VectorWriter w(buf);
        WriteCompactSize(w, n);
        EXPECT_EQ(buf.size(), CompactSizeLen(n));
        SpanReader r(buf);
        EXPECT_EQ(ReadCompactSize(r, false), n);
    }
}

TEST(CompactSize, RejectsNonCanonicalEncodings)
{
    EXPECT_EQ(ReadError({0xfd, 0xfc, 0x00}), "non-canonical ReadCompactSize()");
    EXPECT_EQ(ReadError({0xfe, 0xff, 0xff, 0x00, 0x00}), "non-canonical ReadCompactSize()");
    EXPECT_EQ(ReadError({0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}), "non-canonical ReadCompactSize()");
}

TEST(CompactSize, RejectsSizesAboveMaxSize)
{
    EXPECT_EQ(ReadError({0xfe, 0x01, 0x00, 0x00, 0x02}), "ReadCompactSize(): size too large");
    EXPECT_EQ(ReadError({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), "ReadCompactSize(): size too large");
}

TEST(CompactSize, HugeAnnouncedLengthDoesNotAllocate)
{
    // A byte string claiming MAX_SERIALIZED_SIZE bytes with only 3 present fails on the read, not the allocation.
    std::vector<uint8_t> bytes{0xfe, 0x00, 0x00, 0x00, 0x02, 1, 2, 3};
    SpanReader r(bytes);
    EXPECT_THROW(ReadBytes(r), DeserializeError);
}
