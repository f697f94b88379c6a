// BIP157 message payloads: round trips, the exact wire layout, and hostile inputs (short, huge counts).
#include "net/cfilters.h"

#include "util/hex.h"

#include <gtest/gtest.h>

namespace {
uint256 Hash(uint8_t b)
{
    uint256 h;
    for (size_t i = 0; i < h.size(); ++i) h.data()[i] = static_cast<uint8_t>(b + i);
    return h;
}
}  // namespace

TEST(CFilters, RangeRequestLayout)
{
    CFilterRangeRequest r{0, 0x01020304, Hash(1)};
    const auto bytes = SerializeCFilterRangeRequest(r);
    ASSERT_EQ(bytes.size(), 1u + 4u + 32u);
    EXPECT_EQ(bytes[0], 0);
    EXPECT_EQ(bytes[1], 0x04);  // little-endian start height
    EXPECT_EQ(bytes[4], 0x01);
    auto back = ParseCFilterRangeRequest(bytes);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->start_height, 0x01020304u);
    EXPECT_EQ(back->stop_hash, Hash(1));
    EXPECT_FALSE(ParseCFilterRangeRequest(std::span(bytes).first(36)));
}

TEST(CFilters, CheckptRequestRoundTrip)
{
    CFCheckptRequest r{0, Hash(9)};
    const auto bytes = SerializeCFCheckptRequest(r);
    ASSERT_EQ(bytes.size(), 33u);
    auto back = ParseCFCheckptRequest(bytes);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->stop_hash, Hash(9));
    EXPECT_FALSE(ParseCFCheckptRequest(std::span(bytes).first(32)));
}

TEST(CFilters, ResponsesRoundTrip)
{
    CFilterMessage f{0, Hash(2), {0x01, 0x02, 0x03}};
    const auto fb = SerializeCFilter(f);
    EXPECT_EQ(HexStr(std::span(fb).subspan(33)), "03010203");
    auto f2 = ParseCFilter(fb);
    ASSERT_TRUE(f2);
    EXPECT_EQ(f2->block_hash, Hash(2));
    EXPECT_EQ(f2->filter, f.filter);

    CFHeadersMessage h{0, Hash(3), Hash(4), {Hash(5), Hash(6)}};
    const auto hb = SerializeCFHeaders(h);
    ASSERT_EQ(hb.size(), 1u + 32 + 32 + 1 + 64);
    auto h2 = ParseCFHeaders(hb);
    ASSERT_TRUE(h2);
    EXPECT_EQ(h2->previous_filter_header, Hash(4));
    EXPECT_EQ(h2->filter_hashes, h.filter_hashes);

    CFCheckptMessage c{0, Hash(7), {Hash(8)}};
    auto c2 = ParseCFCheckpt(SerializeCFCheckpt(c));
    ASSERT_TRUE(c2);
    EXPECT_EQ(c2->filter_headers, c.filter_headers);
}

TEST(CFilters, HostileCountsDoNotAllocate)
{
    // A count of 65535 hashes with one behind it fails instead of reserving memory for them all.
    std::vector<uint8_t> bytes(1 + 32 + 32, 0);
    bytes.insert(bytes.end(), {0xfd, 0xff, 0xff});
    bytes.insert(bytes.end(), 32, 0x11);
    auto h = ParseCFHeaders(bytes);
    EXPECT_FALSE(h);
    EXPECT_EQ(h.error, "end of data");
    std::vector<uint8_t> filter(1 + 32, 0);
    filter.push_back(0xfe);
    filter.insert(filter.end(), {0xff, 0xff, 0xff, 0x00});
    EXPECT_FALSE(ParseCFilter(filter));
    // Over MAX_SIZE the count itself is refused.
    std::vector<uint8_t> huge(1 + 32, 0);
    huge.insert(huge.end(), {0xfe, 0xff, 0xff, 0xff, 0xff});
    EXPECT_EQ(ParseCFCheckpt(huge).error, "ReadCompactSize(): size too large");
}
