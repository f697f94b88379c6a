// BIP158 filters: Core's blockfilters.json vectors in full, Golomb-coded set round trips and matching, and
// decoding of malformed filters.
#include "blockfilter/blockfilter.h"
#include "crypto/hash.h"
#include "testutil/vectors.h"
#include "util/hex.h"

#include <gtest/gtest.h>

#include <random>

namespace {
GcsFilter::Params TestParams()
{
    GcsFilter::Params p;
    p.siphash_k0 = 0;
    p.siphash_k1 = 0;
    p.p = 10;
    p.m = 1 << 10;
    return p;
}

std::vector<uint8_t> Unhex(const std::string& s)
{
    auto b = TryParseHex(s);
    return b ? *b : std::vector<uint8_t>{};
}
}  // namespace

TEST(BlockFilterTest, CoreVectors)
{
    const nlohmann::json rows = ReadVectorJson("bitcoin-core/blockfilters.json");
    ASSERT_TRUE(rows.is_array());
    size_t total = 0, passed = 0;
    for (size_t i = 1; i < rows.size(); ++i) {  // row 0 is the column header
        const auto& row = rows[i];
        ++total;
        SCOPED_TRACE("height " + std::to_string(row[0].get<int>()) + " " + row[7].get<std::string>());
        auto block = DecodeBlock(Unhex(row[2].get<std::string>()));
        ASSERT_TRUE(block) << block.error;
        const auto block_hash = uint256::FromHex(row[1].get<std::string>());
        ASSERT_TRUE(block_hash);
        EXPECT_EQ(block->GetHash(), *block_hash);

        std::vector<Script> spent;
        for (const auto& s : row[3]) spent.emplace_back(Unhex(s.get<std::string>()));
        std::vector<const Script*> spent_ptrs;
        for (const Script& s : spent) spent_ptrs.push_back(&s);

        auto filter = BlockFilter::Build(BlockFilterType::BASIC, *block, spent_ptrs);
        ASSERT_TRUE(filter);
        const std::vector<uint8_t> expected_filter = Unhex(row[5].get<std::string>());
        const bool filter_ok = filter->GetEncodedFilter() == expected_filter;
        EXPECT_TRUE(filter_ok) << HexStr(filter->GetEncodedFilter());

        const auto prev_header = uint256::FromHex(row[4].get<std::string>());
        const auto expected_header = uint256::FromHex(row[6].get<std::string>());
        ASSERT_TRUE(prev_header && expected_header);
        const uint256 header = filter->ComputeHeader(*prev_header);
        EXPECT_EQ(header, *expected_header);

        // The encoded vector decodes with the full check, and every element of the block matches it.
        auto decoded = BlockFilter::FromEncoded(BlockFilterType::BASIC, *block_hash, expected_filter, false);
        ASSERT_TRUE(decoded);
        bool all_match = true;
        const auto elements = BasicFilterElements(*block, spent_ptrs);
        EXPECT_EQ(decoded->GetFilter().GetN(), elements.size());
        for (const auto& e : elements) all_match &= decoded->GetFilter().Match(e);
        EXPECT_TRUE(all_match);
        if (!elements.empty()) {
            EXPECT_TRUE(decoded->GetFilter().MatchAny(elements));
        }
        // OP_RETURN and empty scripts are left out.
        for (const auto& tx : block->vtx) {
            for (const auto& out : tx->vout) {
                const bool left_out = out.script_pubkey.empty() || out.script_pubkey[0] == OP_RETURN;
                EXPECT_EQ(elements.count(out.script_pubkey.bytes()), left_out ? 0u : 1u);
            }
        }
        if (filter_ok && header == *expected_header && all_match) ++passed;
    }
    EXPECT_EQ(total, 10u);
    ReportVectorCount("blockfilters.json", passed, total);
}

TEST(BlockFilterTest, GcsRoundTripAndMatch)
{
    std::mt19937_64 rng(42);
    GcsFilter::ElementSet included, excluded;
    for (int i = 0; i < 100; ++i) {
        GcsFilter::Element a(32), b(32);
        for (auto& x : a) x = static_cast<uint8_t>(rng());
        for (auto& x : b) x = static_cast<uint8_t>(rng());
        included.insert(a);
        excluded.insert(b);
    }
    const GcsFilter filter(TestParams(), included);
    EXPECT_EQ(filter.GetN(), 100u);
    for (const auto& e : included) EXPECT_TRUE(filter.Match(e));
    EXPECT_TRUE(filter.MatchAny(included));
    size_t false_positives = 0;
    for (const auto& e : excluded) false_positives += filter.Match(e);
    // Rate about 1/1024: a handful at most among 100 random elements.
    EXPECT_LT(false_positives, 5u);

    auto decoded = GcsFilter::Decode(TestParams(), filter.GetEncoded(), false);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->GetN(), 100u);
    for (const auto& e : included) EXPECT_TRUE(decoded->Match(e));
}

TEST(BlockFilterTest, EmptyFilter)
{
    const GcsFilter empty(TestParams(), GcsFilter::ElementSet{});
    EXPECT_EQ(empty.GetEncoded(), std::vector<uint8_t>{0});
    EXPECT_FALSE(empty.Match(std::vector<uint8_t>{1, 2, 3}));
    EXPECT_FALSE(empty.MatchAny({{1}, {2}}));
    const GcsFilter default_filter;
    EXPECT_EQ(default_filter.GetEncoded(), std::vector<uint8_t>{0});
}

TEST(BlockFilterTest, MalformedFiltersAreRejected)
{
    GcsFilter::ElementSet elements{{1}, {2}, {3}, {4}};
    const GcsFilter filter(TestParams(), elements);
    std::string error;
    // Excess data after the N values.
    auto extra = filter.GetEncoded();
    extra.push_back(0);
    EXPECT_FALSE(GcsFilter::Decode(TestParams(), extra, false, &error));
    EXPECT_EQ(error, "encoded_filter contains excess data");
    // Truncated: fewer values than N announces.
    auto truncated = filter.GetEncoded();
    truncated.resize(2);
    EXPECT_FALSE(GcsFilter::Decode(TestParams(), truncated, false, &error));
    // Skipping the check accepts it, and matching stops safely at the end.
    auto lax = GcsFilter::Decode(TestParams(), truncated, true);
    ASSERT_TRUE(lax);
    (void)lax->Match(std::vector<uint8_t>{9});
    // N above 2^32.
    const std::vector<uint8_t> huge{0xff, 0, 0, 0, 0, 1, 0, 0, 0};
    EXPECT_FALSE(GcsFilter::Decode(TestParams(), huge, false, &error));
    EXPECT_EQ(error, "N must be <2^32");
    EXPECT_FALSE(GcsFilter::Decode(TestParams(), {}, false, &error));
    // Unknown filter type.
    EXPECT_FALSE(BlockFilter::FromEncoded(BlockFilterType::INVALID, uint256(), {0}, false, &error));
}

TEST(BlockFilterTest, TypeNames)
{
    BlockFilterType t = BlockFilterType::INVALID;
    EXPECT_TRUE(BlockFilterTypeByName("basic", t));
    EXPECT_EQ(t, BlockFilterType::BASIC);
    EXPECT_FALSE(BlockFilterTypeByName("Basic", t));
    EXPECT_FALSE(BlockFilterTypeByName("extended", t));
    EXPECT_EQ(BlockFilterTypeName(BlockFilterType::BASIC), "basic");
    EXPECT_EQ(BlockFilterTypeName(BlockFilterType::INVALID), "");
    EXPECT_EQ(ListBlockFilterTypes(), "basic");
    EXPECT_EQ(AllBlockFilterTypes().size(), 1u);
}
