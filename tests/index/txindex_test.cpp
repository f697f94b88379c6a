// TxIndex: every transaction of the active chain (not the genesis coinbase) is found with its block, including
// one larger than the first read; entries survive a restart and -reindex (wipe) rebuilds them.
#include "index/txindex.h"
#include "testutil/regtest_chain.h"

#include <gtest/gtest.h>

#include <unistd.h>

namespace fs = std::filesystem;

namespace {
class TxIndexTest : public RegtestChainTest
{
protected:
    Script spk = Script() << OP_TRUE;

    void Mine(const std::vector<TransactionRef>& txs = {}) { MineBlock(spk, txs); }
    std::unique_ptr<TxIndex> Open(bool wipe = false)
    {
        BaseIndex::Options o;
        o.path = dir / "indexes" / "txindex";
        o.wipe = wipe;
        auto index = std::make_unique<TxIndex>(node, o);
        std::string error;
        EXPECT_TRUE(index->Init(&error)) << error;
        index->Start();
        EXPECT_TRUE(index->BlockUntilSynced(std::chrono::seconds(30)));
        return index;
    }
    /** Every transaction of every active block but the genesis one is found, byte-identical, with its block. */
    void ExpectAllFound(const TxIndex& index, size_t* count)
    {
        std::lock_guard lock(node.chainman->Mutex());
        const ActiveChain& chain = node.chainman->Chain();
        *count = 0;
        for (int h = 0; h <= chain.Height(); ++h) {
            auto block = node.chainman->ReadBlock(*chain[h]);
            ASSERT_TRUE(block);
            for (const TransactionRef& tx : block->vtx) {
                uint256 block_hash;
                TransactionRef found;
                const bool ok = index.FindTx(tx->GetHash(), &block_hash, &found);
                if (h == 0) {
                    EXPECT_FALSE(ok) << "the genesis coinbase is not indexed";
                    continue;
                }
                ASSERT_TRUE(ok) << "height " << h << " tx " << tx->GetHash().GetHex();
                EXPECT_EQ(block_hash, chain[h]->GetBlockHash());
                EXPECT_EQ(EncodeTransaction(*found), EncodeTransaction(*tx));
                ++*count;
            }
        }
    }
    OutPoint CoinbaseOut(int height)
    {
        std::lock_guard lock(node.chainman->Mutex());
        auto block = node.chainman->ReadBlock(*node.chainman->Chain()[height]);
        return OutPoint(block->vtx[0]->GetHash(), 0);
    }
};

/** Spends out (anyone-can-spend) into n outputs of 40-byte scripts. */
TransactionRef Spend(const OutPoint& out, Amount value, int n)
{
    MutableTransaction tx;
    tx.vin.resize(1);
    tx.vin[0].prevout = out;
    tx.vin[0].script_sig = Script() << std::vector<uint8_t>{0x51};  // push-only, keeps it non-empty
    Script big = Script() << OP_TRUE;
    for (int i = 0; i < 39; ++i) big << OP_NOP;
    for (int i = 0; i < n; ++i) tx.vout.emplace_back((value - 10000) / n, i == 0 ? (Script() << OP_TRUE) : big);
    return MakeTransactionRef(std::move(tx));
}
}  // namespace

TEST_F(TxIndexTest, FindsEveryChainTransactionAcrossRestartAndWipe)
{
    for (int i = 0; i < 105; ++i) Mine();
    const Amount subsidy = GetBlockSubsidy(1, params->consensus);
    // A block with several transactions, one of them over 64 KiB (read in a second step).
    auto small1 = Spend(CoinbaseOut(1), subsidy, 2);
    auto huge = Spend(CoinbaseOut(2), subsidy, 2000);
    ASSERT_GT(huge->GetTotalSize(), 64u << 10);
    auto small2 = Spend(OutPoint(small1->GetHash(), 0), small1->vout[0].value, 1);
    Mine({small1, huge, small2});

    auto index = Open();
    size_t count = 0;
    ExpectAllFound(*index, &count);
    EXPECT_EQ(count, 105u + 1 + 3);
    uint256 block_hash;
    TransactionRef found;
    EXPECT_FALSE(index->FindTx(uint256::FromHex(std::string(64, 'a')).value(), &block_hash, &found));

    Mine();  // followed live
    ExpectAllFound(*index, &count);
    EXPECT_EQ(count, 105u + 1 + 3 + 1);
    const IndexSummary s = index->GetSummary();
    EXPECT_TRUE(s.synced);
    EXPECT_EQ(s.best_block_height, 107);

    index.reset();  // restart resumes from the recorded block
    index = Open();
    ExpectAllFound(*index, &count);
    EXPECT_EQ(count, 110u);
    index.reset();
    index = Open(/*wipe=*/true);  // -reindex
    ExpectAllFound(*index, &count);
    EXPECT_EQ(count, 110u);
}
