// The block filter index: filters and headers equal ones computed here from the blocks alone (spent scripts
// found by replaying the chain, not from undo data), across catch-up, live blocks, reorgs and restarts;
// filters of blocks reorganized away stay retrievable; range lookups; the on-disk layout.
#include "index/blockfilterindex.h"
#include "testutil/regtest_chain.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <map>

namespace fs = std::filesystem;

namespace {
class BlockFilterIndexTest : public RegtestChainTest
{
protected:
    Script spk = Script() << OP_TRUE;
    /** Mature coinbase outputs not yet spent by our transactions. */
    std::vector<OutPoint> spendable;


    /** A transaction spending a coinbase (OP_TRUE) to several kinds of scripts, including OP_RETURN and empty
     *  ones that BIP158 leaves out. */
    TransactionRef Spend(const OutPoint& from, int salt)
    {
        MutableTransaction tx;
        TxIn in;
        in.prevout = from;
        tx.vin.push_back(in);
        std::vector<uint8_t> data(20, static_cast<uint8_t>(salt));
        tx.vout.emplace_back(10 * COIN, Script() << OP_DUP << OP_HASH160 << data << OP_EQUALVERIFY << OP_CHECKSIG);
        tx.vout.emplace_back(10 * COIN, Script() << OP_TRUE);
        tx.vout.emplace_back(0, Script() << OP_RETURN << data);
        tx.vout.emplace_back(1 * COIN, Script());
        return std::make_shared<const Transaction>(tx);
    }

    void Mine(int n, bool with_txs = false)
    {
        for (int i = 0; i < n; ++i) {
            clock += 600;
            std::vector<TransactionRef> txs;
            {
                std::lock_guard lock(node.chainman->Mutex());
                const int height = node.chainman->Chain().Height();
                // Coinbases become spendable after 100 blocks.
                if (with_txs && height >= 100) {
                    const BlockIndex* mature = node.chainman->Chain()[height - 99];
                    auto block = node.chainman->ReadBlock(*mature);
                    ASSERT_TRUE(block);
                    txs.push_back(Spend(OutPoint(block->vtx[0]->GetHash(), 0), height));
                    // And an output of our previous transaction, so blocks spend non-coinbase scripts too.
                    auto prev = node.chainman->ReadBlock(*node.chainman->Tip());
                    ASSERT_TRUE(prev);
                    if (prev->vtx.size() > 1) {
                        MutableTransaction tx;
                        TxIn in;
                        in.prevout = OutPoint(prev->vtx[1]->GetHash(), 1);
                        tx.vin.push_back(in);
                        tx.vout.emplace_back(9 * COIN, Script() << std::vector<uint8_t>(33, 2) << OP_CHECKSIG);
                        txs.push_back(std::make_shared<const Transaction>(tx));
                    }
                }
            }
            std::string error;
            auto tmpl = CreateNewBlock(*node.chainman, spk, txs, &error);
            ASSERT_TRUE(tmpl) << error;
            ASSERT_TRUE(GrindNonce(tmpl->block, params->consensus));
            bool new_block = false;
            BlockValidationState state;
            ASSERT_TRUE(node.chainman->ProcessNewBlock(std::make_shared<const Block>(tmpl->block), true, true,
                                                       &new_block, &state))
                << state.ToString();
        }
    }
    void Invalidate(int height)
    {
        std::lock_guard lock(node.chainman->Mutex());
        BlockValidationState state;
        ASSERT_TRUE(node.chainman->InvalidateBlock(state, node.chainman->Chain()[height]));
    }
    std::unique_ptr<BlockFilterIndex> Open(bool wipe = false)
    {
        auto index = std::make_unique<BlockFilterIndex>(
            node, BlockFilterType::BASIC, BlockFilterIndexOptions(node, BlockFilterType::BASIC, 1 << 20, wipe));
        std::string error;
        EXPECT_TRUE(index->Init(&error)) << error;
        index->Start();
        EXPECT_TRUE(index->BlockUntilSynced(std::chrono::seconds(60)));
        return index;
    }

    struct Expected {
        BlockFilter filter;
        uint256 header;
    };
    /** Filters and headers of the branch ending at tip, computed from the blocks: spent scripts come from a map of
     *  every output created earlier on the branch. */
    std::map<uint256, Expected> Compute(const BlockIndex* tip)
    {
        std::vector<const BlockIndex*> branch;
        for (const BlockIndex* b = tip; b; b = b->pprev) branch.push_back(b);
        std::map<OutPoint, Script> outputs;
        std::map<uint256, Expected> out;
        uint256 prev_header;
        for (auto it = branch.rbegin(); it != branch.rend(); ++it) {
            auto block = node.chainman->ReadBlock(**it);
            EXPECT_TRUE(block);
            if (!block) return out;
            std::vector<const Script*> spent;
            for (const auto& tx : block->vtx) {
                if (tx->IsCoinBase()) continue;
                for (const TxIn& in : tx->vin) spent.push_back(&outputs.at(in.prevout));
            }
            auto filter = BlockFilter::Build(BlockFilterType::BASIC, *block, spent);
            EXPECT_TRUE(filter);
            const uint256 header = filter->ComputeHeader(prev_header);
            out[(*it)->GetBlockHash()] = Expected{*filter, header};
            prev_header = header;
            for (const auto& tx : block->vtx) {
                for (uint32_t o = 0; o < tx->vout.size(); ++o) {
                    outputs[OutPoint(tx->GetHash(), o)] = tx->vout[o].script_pubkey;
                }
            }
        }
        return out;
    }

    void ExpectBlock(BlockFilterIndex& index, const BlockIndex* b, const Expected& e)
    {
        BlockFilter filter;
        ASSERT_TRUE(index.LookupFilter(b, filter)) << "height " << b->height;
        EXPECT_EQ(filter.GetEncodedFilter(), e.filter.GetEncodedFilter()) << "height " << b->height;
        EXPECT_EQ(filter.GetBlockHash(), b->GetBlockHash());
        uint256 header;
        ASSERT_TRUE(index.LookupFilterHeader(b, header));
        EXPECT_EQ(header, e.header) << "height " << b->height;
    }

    /** Every block of the active chain has its expected filter and header, and the ranges agree. */
    void ExpectMatchesChain(BlockFilterIndex& index)
    {
        std::lock_guard lock(node.chainman->Mutex());
        const BlockIndex* tip = node.chainman->Tip();
        const auto expected = Compute(tip);
        for (const BlockIndex* b = tip; b; b = b->pprev) ExpectBlock(index, b, expected.at(b->GetBlockHash()));
        std::vector<BlockFilter> filters;
        std::vector<uint256> hashes;
        const int start = std::max(0, tip->height - 30);
        ASSERT_TRUE(index.LookupFilterRange(start, tip, filters));
        ASSERT_TRUE(index.LookupFilterHashRange(start, tip, hashes));
        ASSERT_EQ(filters.size(), static_cast<size_t>(tip->height - start + 1));
        ASSERT_EQ(hashes.size(), filters.size());
        for (int h = start; h <= tip->height; ++h) {
            const Expected& e = expected.at(node.chainman->Chain()[h]->GetBlockHash());
            EXPECT_EQ(filters[h - start].GetEncodedFilter(), e.filter.GetEncodedFilter());
            EXPECT_EQ(hashes[h - start], e.filter.GetHash());
        }
        const IndexSummary s = index.GetSummary();
        EXPECT_TRUE(s.synced);
        EXPECT_EQ(s.best_block_height, tip->height);
    }
};
}  // namespace

TEST_F(BlockFilterIndexTest, CatchUpFollowReorgRestart)
{
    Mine(101);
    Mine(5, true);
    auto index = Open();
    EXPECT_EQ(index->Name(), "basic block filter index");
    ExpectMatchesChain(*index);

    Mine(4, true);  // followed live
    ExpectMatchesChain(*index);

    // A live reorg: the stale blocks' filters stay retrievable by hash.
    const BlockIndex* stale_tip = node.chainman->Tip();
    const auto stale_expected = [&] {
        std::lock_guard lock(node.chainman->Mutex());
        return Compute(stale_tip);
    }();
    Invalidate(stale_tip->height - 2);
    Mine(5, true);
    ExpectMatchesChain(*index);
    for (const BlockIndex* b = stale_tip; b->height >= stale_tip->height - 2; b = b->pprev) {
        ASSERT_FALSE(node.chainman->Chain().Contains(b));
        ExpectBlock(*index, b, stale_expected.at(b->GetBlockHash()));
    }
    // A range ending at a stale block follows the stale branch.
    std::vector<uint256> hashes;
    ASSERT_TRUE(index->LookupFilterHashRange(stale_tip->height - 5, stale_tip, hashes));
    ASSERT_EQ(hashes.size(), 6u);
    EXPECT_EQ(hashes.back(), stale_expected.at(stale_tip->GetBlockHash()).filter.GetHash());
    // Invalid ranges.
    EXPECT_FALSE(index->LookupFilterHashRange(-1, stale_tip, hashes));
    EXPECT_FALSE(index->LookupFilterHashRange(stale_tip->height + 1, stale_tip, hashes));

    // Stopped: blocks and a reorg happen while nobody follows; the restart rewinds and catches up.
    index->Stop();
    index.reset();
    Invalidate(node.chainman->Chain().Height() - 1);
    Mine(3, true);
    index = Open();
    ExpectMatchesChain(*index);
    for (const BlockIndex* b = stale_tip; b->height >= stale_tip->height - 2; b = b->pprev) {
        ExpectBlock(*index, b, stale_expected.at(b->GetBlockHash()));
    }

    // -reindex: a wiped index is rebuilt to the same filters.
    index->Stop();
    index.reset();
    index = Open(/*wipe=*/true);
    ExpectMatchesChain(*index);
}

TEST_F(BlockFilterIndexTest, StorageLayout)
{
    Mine(3);
    auto index = Open();
    const fs::path base = dir / "indexes" / "blockfilter" / "basic";
    EXPECT_EQ(index->FilterDir(), base);
    EXPECT_TRUE(fs::is_directory(base / "db"));
    ASSERT_TRUE(fs::exists(base / "fltr00000.dat"));
    // The first record is the genesis block hash followed by its CompactSize-prefixed filter.
    std::ifstream f(base / "fltr00000.dat", std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    ASSERT_GE(bytes.size(), 33u);
    const uint256 genesis = params->genesis.GetHash();
    EXPECT_TRUE(std::equal(genesis.begin(), genesis.end(), bytes.begin()));
    BlockFilter filter;
    ASSERT_TRUE(index->LookupFilter(node.chainman->Chain().Genesis(), filter));
    EXPECT_EQ(bytes[32], filter.GetEncodedFilter().size());
    EXPECT_TRUE(std::equal(filter.GetEncodedFilter().begin(), filter.GetEncodedFilter().end(), bytes.begin() + 33));
    EXPECT_EQ(FindBlockFilterIndex(node, BlockFilterType::BASIC), nullptr);
    node.indexes.push_back(index.get());
    EXPECT_EQ(FindBlockFilterIndex(node, BlockFilterType::BASIC), index.get());
    node.indexes.clear();

    // A corrupted filter file is detected by the hash check, not returned.
    index->Stop();
    {
        std::fstream out(base / "fltr00000.dat", std::ios::in | std::ios::out | std::ios::binary);
        out.seekp(34);
        out.put(static_cast<char>(bytes[34] ^ 0xff));
    }
    EXPECT_FALSE(index->LookupFilter(node.chainman->Chain().Genesis(), filter));
}
