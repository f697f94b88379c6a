// SipHash-2-4 and Core's SipHash-1-3 "UJ" variant against Core's vectors, including the fixed-width fast paths.
#include "crypto/siphash.h"
#include "testutil/vectors.h"

#include <gtest/gtest.h>

namespace {

uint64_t HexU64(const nlohmann::json& j) { return std::stoull(j.get<std::string>(), nullptr, 16); }

uint64_t Le64(const Bytes& b, size_t off = 0)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8; ++i) v |= uint64_t{b[off + i]} << (8 * i);
    return v;
}

uint32_t Le32(const Bytes& b)
{
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) v |= uint32_t{b[i]} << (8 * i);
    return v;
}

} // namespace

TEST(SipHash, CoreVectorsBothVariants)
{
    const auto tests = ReadVectorJson("bitcoin-core/siphash.json");
    size_t passed = 0;
    size_t uj_rows = 0;
    size_t fast_path_checks = 0;
    for (const auto& row : tests) {
        const uint64_t k0 = HexU64(row["key"][0]);
        const uint64_t k1 = HexU64(row["key"][1]);
        std::vector<Bytes> blocks;
        for (const auto& b : row["input"]) blocks.push_back(ParseHex(b.get<std::string>()));
        const uint64_t want24 = HexU64(row["expected"]["siphash24"]);
        bool ok = true;

        // SipHash-2-4 over the concatenated bytes, written block by block and all at once.
        SipHasher by_block(k0, k1);
        Bytes all;
        bool all_words = true;
        for (const auto& b : blocks) {
            by_block.Write(b);
            all.insert(all.end(), b.begin(), b.end());
            all_words = all_words && b.size() == 8;
        }
        ok = ok && by_block.Finalize() == want24;
        ok = ok && SipHasher(k0, k1).Write(all).Finalize() == want24;
        if (all_words) {
            SipHasher words(k0, k1);
            for (const auto& b : blocks) words.Write(Le64(b));
            ok = ok && words.Finalize() == want24;
        }
        if (blocks.size() == 1 && blocks[0].size() == 32) {
            ok = ok && SipHashUint256(k0, k1, uint256(blocks[0])) == want24;
            ++fast_path_checks;
        }
        if (blocks.size() == 2 && blocks[0].size() == 32 && blocks[1].size() == 4) {
            ok = ok && SipHash24Uint256Extra(k0, k1, uint256(blocks[0]), Le32(blocks[1])) == want24;
            ++fast_path_checks;
        }

        if (row["expected"].contains("siphash13uj")) {
            ++uj_rows;
            const uint64_t want13 = HexU64(row["expected"]["siphash13uj"]);
            SipHasher13UJ uj(k0, k1);
            for (const auto& b : blocks) {
                if (b.size() == 8) {
                    uj.Write(Le64(b));
                } else {
                    ASSERT_EQ(b.size(), 32u);
                    uj.WriteJumbo(uint256(b));
                }
            }
            ok = ok && uj.Finalize() == want13;
            if (blocks.size() == 1 && blocks[0].size() == 32) {
                ok = ok && SipHasher13UJ(k0, k1).Hash(uint256(blocks[0])) == want13;
                ++fast_path_checks;
            }
            if (blocks.size() == 2 && blocks[0].size() == 32 && blocks[1].size() == 8) {
                const uint64_t extra = Le64(blocks[1]);
                ok = ok && SipHasher13UJ(k0, k1).Hash(uint256(blocks[0]), extra) == want13;
                if (extra <= 0xffffffff) {
                    ok = ok && SipHashUint256Extra(k0, k1, uint256(blocks[0]), uint32_t(extra)) == want13;
                }
                ++fast_path_checks;
            }
        }
        EXPECT_TRUE(ok) << row.dump();
        if (ok) ++passed;
    }
    EXPECT_EQ(tests.size(), 146u);
    EXPECT_GT(uj_rows, 0u);
    EXPECT_GT(fast_path_checks, 0u);
    ReportVectorCount("siphash.json", passed, tests.size());
}

TEST(SipHash, ReferenceVectorFromThePaper)
{
    // SipHash-2-4 paper, Appendix A: key 00..0f, message 00..0e.
    SipHasher h(0x0706050403020100ULL, 0x0F0E0D0C0B0A0908ULL);
    Bytes msg(15);
    for (size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<uint8_t>(i);
    EXPECT_EQ(h.Write(msg).Finalize(), 0xa129ca6149be45e5ULL);
}

TEST(SipHash, JumboWithZeroUpperWordsEqualsNormalBlock)
{
    Bytes b(32, 0);
    b[0] = 0x42;
    b[7] = 0x99;
    const uint256 jumbo(b);
    EXPECT_EQ(SipHasher13UJ(1, 2).WriteJumbo(jumbo).Finalize(), SipHasher13UJ(1, 2).Write(Le64(b)).Finalize());
    EXPECT_NE(SipHasher13UJ(1, 2).Finalize(), SipHasher13UJ(1, 3).Finalize());
}
