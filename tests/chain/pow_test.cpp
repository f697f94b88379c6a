// Proof of work and retargeting, checked on mainnet_alt.json: 2016 real mainnet-rules blocks ending in a retarget.
#include "chain/block_index.h"
#include "chain/pow.h"
#include "testutil/vectors.h"

#include <gtest/gtest.h>

#include <deque>

namespace {
// The block recipe of mainnet_alt.json's README: one coinbase paying 50 BTC to a fixed P2PKH script.
Block BuildAltBlock(int height, const uint256& prev, uint32_t time, uint32_t nonce, uint32_t bits)
{
    MutableTransaction cb;
    cb.version = 2;
    cb.vin.resize(1);
    if (height <= 16) {
        cb.vin[0].script_sig << Script::EncodeOP_N(height) << OP_0;
    } else {
        cb.vin[0].script_sig.PushInt(height);
    }
    cb.vout.emplace_back(50 * COIN, Script(ParseHex("76a914eadbac7f36c37e39361168b7aaee3cb24a25312d88ac")));
    Block block;
    block.vtx.push_back(MakeTransactionRef(std::move(cb)));
    block.header.version = 0x20000000;
    block.header.prev_block = prev;
    block.header.merkle_root = block.vtx[0]->GetHash();
    block.header.time = time;
    block.header.nonce = nonce;
    block.header.bits = bits;
    return block;
}
}  // namespace

TEST(Pow, MainnetAltChainRetargetsAtHeight2016)
{
    auto json = ReadVectorJson("bitcoin-core/mainnet_alt.json");
    const auto& times = json["timestamps"];
    const auto& nonces = json["nonces"];
    ASSERT_EQ(times.size(), 2016u);
    auto params = CreateChainParams(Chain::MAIN);
    const auto& consensus = params->consensus;

    std::deque<uint256> hashes;  // stable addresses for phash
    std::deque<BlockIndex> index;
    hashes.push_back(params->genesis.GetHash());
    index.emplace_back(params->genesis.header);
    index.back().phash = &hashes.back();
    index.back().chain_work = GetBlockProof(index.back());

    size_t passed = 0;
    for (size_t i = 0; i < times.size(); ++i) {
        const int height = static_cast<int>(i + 1);
        BlockIndex& prev = index.back();
        BlockHeader next_header;
        next_header.time = times[i].get<uint32_t>();
        const uint32_t bits = GetNextWorkRequired(&prev, next_header, consensus);
        Block block = BuildAltBlock(height, prev.GetBlockHash(), next_header.time, nonces[i].get<uint32_t>(), bits);
        const uint256 hash = block.GetHash();
        const bool pow_ok = CheckProofOfWork(hash, bits, consensus);
        const bool bits_ok = height < 2016 ? bits == 0x1d00ffff : bits == 0x1c3fffc0;
        EXPECT_TRUE(pow_ok) << "height " << height;
        EXPECT_TRUE(bits_ok) << "height " << height << " bits " << std::hex << bits;
        EXPECT_TRUE(PermittedDifficultyTransition(consensus, height, prev.bits, bits));
        if (pow_ok && bits_ok) ++passed;
        hashes.push_back(hash);
        index.emplace_back(block.header);
        BlockIndex& entry = index.back();
        entry.phash = &hashes.back();
        entry.pprev = &prev;
        entry.height = height;
        entry.chain_work = prev.chain_work + GetBlockProof(entry);
        entry.BuildSkip();
    }
    ReportVectorCount("mainnet_alt.json", passed, times.size());
    EXPECT_EQ(index.back().bits, 0x1c3fffc0u);
    // A 4x jump in one retarget is the most allowed; 5x is not.
    EXPECT_FALSE(PermittedDifficultyTransition(consensus, 2016, 0x1d00ffff, 0x1c0fffff));
}

TEST(Pow, RejectsTargetsAboveLimitOrMalformed)
{
    auto params = CreateChainParams(Chain::MAIN);
    uint256 zero_hash;
    EXPECT_TRUE(CheckProofOfWork(zero_hash, 0x1d00ffff, params->consensus));
    EXPECT_FALSE(CheckProofOfWork(zero_hash, 0x1e00ffff, params->consensus));  // above the limit
    EXPECT_FALSE(CheckProofOfWork(zero_hash, 0x01803456, params->consensus));  // negative
    EXPECT_FALSE(CheckProofOfWork(zero_hash, 0x00000000, params->consensus));  // zero
    EXPECT_FALSE(CheckProofOfWork(zero_hash, 0xff123456, params->consensus));  // overflow
}

TEST(Pow, RegtestNeverRetargetsAndTestnetAllowsMinDifficulty)
{
    auto regtest = CreateChainParams(Chain::REGTEST);
    uint256 h;
    // A full regtest retarget period (144 blocks) minted far too slowly still keeps the same bits.
    std::deque<BlockIndex> chain;
    for (int height = 0; height < 144; ++height) {
        chain.emplace_back(regtest->genesis.header);
        chain.back().phash = &h;
        chain.back().height = height;
        chain.back().time = 1296688602 + height * 100000;
        chain.back().pprev = height ? &chain[height - 1] : nullptr;
        chain.back().BuildSkip();
    }
    BlockHeader next;
    next.time = chain.back().time + 600;
    EXPECT_EQ(GetNextWorkRequired(&chain.back(), next, regtest->consensus), 0x207fffffu);

    auto testnet4 = CreateChainParams(Chain::TESTNET4);
    BlockIndex tip;
    tip.phash = &h;
    tip.height = 5;
    tip.bits = 0x1c00ffff;
    tip.time = 1000000;
    next.time = tip.time + 20 * 60 + 1;  // more than twice the spacing: min difficulty allowed
    EXPECT_EQ(GetNextWorkRequired(&tip, next, testnet4->consensus), 0x1d00ffffu);
    next.time = tip.time + 20 * 60;
    EXPECT_EQ(GetNextWorkRequired(&tip, next, testnet4->consensus), 0x1c00ffffu);
}

TEST(BlockIndex, AncestorsAndLocatorOnALongChain)
{
    std::deque<uint256> hashes;
    std::deque<BlockIndex> index;
    for (int h = 0; h < 5000; ++h) {
        uint256 hash;
        hash.data()[0] = uint8_t(h);
        hash.data()[1] = uint8_t(h >> 8);
        hashes.push_back(hash);
        index.emplace_back();
        BlockIndex& e = index.back();
        e.phash = &hashes.back();
        e.height = h;
        e.time = 1000 + h;
        e.time_max = e.time;
        e.pprev = h ? &index[h - 1] : nullptr;
        e.BuildSkip();
    }
    for (int h : {0, 1, 17, 1000, 4095, 4999}) EXPECT_EQ(index.back().GetAncestor(h), &index[h]);
    EXPECT_EQ(index.back().GetAncestor(5000), nullptr);
    ActiveChain chain;
    chain.SetTip(index.back());
    EXPECT_EQ(chain.Height(), 4999);
    auto locator = chain.GetLocator();
    EXPECT_EQ(locator.front(), hashes.back());
    EXPECT_EQ(locator.back(), hashes.front());
    EXPECT_LT(locator.size(), 30u);
    EXPECT_EQ(index[100].GetMedianTimePast(), 1000 + 95);
    EXPECT_EQ(chain.FindEarliestAtLeast(1000 + 300, 0), &index[300]);
}
