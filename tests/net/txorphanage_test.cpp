// The orphan pool: storage limits, per-peer and per-block erasure, expiry, random eviction, work sets for
// reconsideration and the 1-parent-1-child child lookups.
#include "net/txorphanage.h"

#include "policy/policy.h"

#include <gtest/gtest.h>

namespace {
/** A transaction spending the given outpoints with one output per entry of out_values; tag makes it unique. */
TransactionRef MakeTx(const std::vector<OutPoint>& spends, size_t outputs = 1, uint32_t tag = 0, size_t pad = 0)
{
    MutableTransaction mtx;
    for (const OutPoint& o : spends) {
        TxIn in;
        in.prevout = o;
        in.sequence = tag;
        in.script_sig = Script(std::vector<uint8_t>(pad, 0x51));
        mtx.vin.push_back(in);
    }
    for (size_t i = 0; i < outputs; ++i) mtx.vout.emplace_back(1000 + static_cast<Amount>(i), Script());
    return MakeTransactionRef(std::move(mtx));
}

OutPoint RandomOutPoint(uint32_t n)
{
    uint256 h;
    h.data()[0] = static_cast<uint8_t>(n);
    h.data()[1] = static_cast<uint8_t>(n >> 8);
    h.data()[2] = 0x77;
    return OutPoint(h, n);
}
}  // namespace

TEST(TxOrphanage, AddHaveEraseAndDuplicates)
{
    TxOrphanage pool;
    auto tx = MakeTx({RandomOutPoint(1)});
    EXPECT_TRUE(pool.AddTx(tx, 7, 1000));
    EXPECT_FALSE(pool.AddTx(tx, 8, 1000)) << "same wtxid stored twice";
    EXPECT_TRUE(pool.HaveTx(tx->GetWitnessHash()));
    EXPECT_EQ(pool.Size(), 1u);
    EXPECT_EQ(pool.TotalWeight(), GetTransactionWeight(*tx));
    EXPECT_EQ(pool.EraseTx(tx->GetWitnessHash()), 1);
    EXPECT_EQ(pool.EraseTx(tx->GetWitnessHash()), 0);
    EXPECT_FALSE(pool.HaveTx(tx->GetWitnessHash()));
    EXPECT_EQ(pool.TotalWeight(), 0);
}

TEST(TxOrphanage, RejectsOversizedOrphans)
{
    TxOrphanage pool;
    // A script_sig so large the weight passes MAX_STANDARD_TX_WEIGHT (Core ignores such orphans).
    auto big = MakeTx({RandomOutPoint(2)}, 1, 0, MAX_STANDARD_TX_WEIGHT / 4 + 10);
    ASSERT_GT(GetTransactionWeight(*big), MAX_STANDARD_TX_WEIGHT);
    EXPECT_FALSE(pool.AddTx(big, 1, 0));
    EXPECT_EQ(pool.Size(), 0u);
    auto fits = MakeTx({RandomOutPoint(3)}, 1, 0, MAX_STANDARD_TX_WEIGHT / 4 - 200);
    ASSERT_LE(GetTransactionWeight(*fits), MAX_STANDARD_TX_WEIGHT);
    EXPECT_TRUE(pool.AddTx(fits, 1, 0));
}

TEST(TxOrphanage, EraseForPeer)
{
    TxOrphanage pool;
    for (uint32_t i = 0; i < 10; ++i) ASSERT_TRUE(pool.AddTx(MakeTx({RandomOutPoint(i)}), i % 2, 0));
    pool.EraseForPeer(0);
    EXPECT_EQ(pool.Size(), 5u);
    pool.EraseForPeer(0);
    EXPECT_EQ(pool.Size(), 5u);
    pool.EraseForPeer(1);
    EXPECT_EQ(pool.Size(), 0u);
    EXPECT_EQ(pool.TotalWeight(), 0);
}

TEST(TxOrphanage, EraseForBlockRemovesIncludedAndConflicting)
{
    TxOrphanage pool;
    const OutPoint a = RandomOutPoint(10), b = RandomOutPoint(11), c = RandomOutPoint(12);
    auto included = MakeTx({a});
    auto conflicting = MakeTx({b}, 1, /*tag=*/1);  // spends b like the block's tx, but is a different tx
    auto unrelated = MakeTx({c});
    ASSERT_TRUE(pool.AddTx(included, 1, 0));
    ASSERT_TRUE(pool.AddTx(conflicting, 1, 0));
    ASSERT_TRUE(pool.AddTx(unrelated, 1, 0));
    Block block;
    block.vtx.push_back(included);
    block.vtx.push_back(MakeTx({b}, 1, /*tag=*/2));
    pool.EraseForBlock(block);
    EXPECT_FALSE(pool.HaveTx(included->GetWitnessHash()));
    EXPECT_FALSE(pool.HaveTx(conflicting->GetWitnessHash()));
    EXPECT_TRUE(pool.HaveTx(unrelated->GetWitnessHash()));
}

TEST(TxOrphanage, ExpiryAfterTwentyMinutes)
{
    TxOrphanage pool;
    std::mt19937_64 rng(1);
    auto old_tx = MakeTx({RandomOutPoint(20)});
    ASSERT_TRUE(pool.AddTx(old_tx, 1, 1000));
    pool.LimitOrphans(100, 1000, rng);  // first sweep: nothing expired
    auto young = MakeTx({RandomOutPoint(21)});
    ASSERT_TRUE(pool.AddTx(young, 1, 1000 + 10 * 60));
    // Not yet 20 minutes, and the next sweep is not due before then either.
    pool.LimitOrphans(100, 1000 + ORPHAN_TX_EXPIRE_TIME - 1, rng);
    EXPECT_EQ(pool.Size(), 2u);
    // Sweeps run at most every ORPHAN_TX_EXPIRE_INTERVAL past the earliest expiry.
    pool.LimitOrphans(100, 1000 + ORPHAN_TX_EXPIRE_TIME + ORPHAN_TX_EXPIRE_INTERVAL, rng);
    EXPECT_FALSE(pool.HaveTx(old_tx->GetWitnessHash()));
    EXPECT_TRUE(pool.HaveTx(young->GetWitnessHash()));
    pool.LimitOrphans(100, 1000 + 10 * 60 + ORPHAN_TX_EXPIRE_TIME + 2 * ORPHAN_TX_EXPIRE_INTERVAL, rng);
    EXPECT_EQ(pool.Size(), 0u);
}

TEST(TxOrphanage, RandomEvictionKeepsTheLimit)
{
    TxOrphanage pool;
    std::mt19937_64 rng(42);
    std::vector<TransactionRef> txs;
    for (uint32_t i = 0; i < 150; ++i) {
        txs.push_back(MakeTx({RandomOutPoint(100 + i)}));
        ASSERT_TRUE(pool.AddTx(txs.back(), i % 3, 0));
    }
    pool.LimitOrphans(DEFAULT_MAX_ORPHAN_TRANSACTIONS, 0, rng);
    EXPECT_EQ(pool.Size(), DEFAULT_MAX_ORPHAN_TRANSACTIONS);
    size_t have = 0, weight = 0;
    for (const auto& tx : txs) {
        if (pool.HaveTx(tx->GetWitnessHash())) {
            ++have;
            weight += static_cast<size_t>(GetTransactionWeight(*tx));
        }
    }
    EXPECT_EQ(have, DEFAULT_MAX_ORPHAN_TRANSACTIONS);
    EXPECT_EQ(static_cast<int64_t>(weight), pool.TotalWeight());
    // Eviction is random: a different seed keeps a different set.
    TxOrphanage other;
    std::mt19937_64 rng2(7);
    for (uint32_t i = 0; i < 150; ++i) ASSERT_TRUE(other.AddTx(txs[i], 0, 0));
    other.LimitOrphans(DEFAULT_MAX_ORPHAN_TRANSACTIONS, 0, rng2);
    size_t same = 0;
    for (const auto& tx : txs) same += pool.HaveTx(tx->GetWitnessHash()) == other.HaveTx(tx->GetWitnessHash());
    EXPECT_LT(same, txs.size());
    pool.LimitOrphans(0, 0, rng);
    EXPECT_EQ(pool.Size(), 0u);
    EXPECT_EQ(pool.TotalWeight(), 0);
}

TEST(TxOrphanage, WorkSetGoesToTheSenderOfEachChild)
{
    TxOrphanage pool;
    auto parent = MakeTx({RandomOutPoint(30)}, 2);
    auto child_a = MakeTx({OutPoint(parent->GetHash(), 0)});
    auto child_b = MakeTx({OutPoint(parent->GetHash(), 1)});
    auto grandchild = MakeTx({OutPoint(child_a->GetHash(), 0)});
    ASSERT_TRUE(pool.AddTx(child_a, 1, 0));
    ASSERT_TRUE(pool.AddTx(child_b, 2, 0));
    ASSERT_TRUE(pool.AddTx(grandchild, 1, 0));
    EXPECT_EQ(pool.GetTxToReconsider(1), nullptr);
    pool.AddChildrenToWorkSet(*parent);
    EXPECT_TRUE(pool.HaveTxToReconsider(1));
    EXPECT_TRUE(pool.HaveTxToReconsider(2));
    EXPECT_EQ(pool.GetTxToReconsider(1), child_a);
    EXPECT_EQ(pool.GetTxToReconsider(1), nullptr) << "the grandchild waits for its own parent";
    EXPECT_EQ(pool.GetTxToReconsider(2), child_b);
    // child_a accepted: its own orphan child is next.
    pool.AddChildrenToWorkSet(*child_a);
    pool.EraseTx(child_a->GetWitnessHash());
    EXPECT_EQ(pool.GetTxToReconsider(1), grandchild);
    // Erased orphans leave the work set.
    pool.AddChildrenToWorkSet(*parent);
    pool.EraseTx(child_b->GetWitnessHash());
    EXPECT_FALSE(pool.HaveTxToReconsider(2));
    EXPECT_EQ(pool.GetTxToReconsider(2), nullptr);
}

TEST(TxOrphanage, ChildrenFromSameAndDifferentPeers)
{
    TxOrphanage pool;
    auto parent = MakeTx({RandomOutPoint(40)}, 3);
    auto older = MakeTx({OutPoint(parent->GetHash(), 0)});
    auto newer = MakeTx({OutPoint(parent->GetHash(), 1), OutPoint(parent->GetHash(), 2)});
    auto other_peer = MakeTx({OutPoint(parent->GetHash(), 0)}, 1, 5);
    auto unrelated = MakeTx({RandomOutPoint(41)});
    ASSERT_TRUE(pool.AddTx(older, 1, 0));
    ASSERT_TRUE(pool.AddTx(newer, 1, 0));
    ASSERT_TRUE(pool.AddTx(other_peer, 2, 0));
    ASSERT_TRUE(pool.AddTx(unrelated, 1, 0));
    const auto same = pool.GetChildrenFromSamePeer(parent, 1);
    ASSERT_EQ(same.size(), 2u) << "a child spending two outputs is listed once";
    EXPECT_EQ(same[0], newer) << "newest first";
    EXPECT_EQ(same[1], older);
    const auto different = pool.GetChildrenFromDifferentPeer(parent, 1);
    ASSERT_EQ(different.size(), 1u);
    EXPECT_EQ(different[0].first, other_peer);
    EXPECT_EQ(different[0].second, 2);
    EXPECT_TRUE(pool.GetChildrenFromSamePeer(parent, 3).empty());
}
