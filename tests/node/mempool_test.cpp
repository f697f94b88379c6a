// Mempool and acceptance: real signed transactions through AcceptToMemoryPool, replacement, cluster limits,
// eviction with the rolling minimum fee, expiry, block removal, ordering, TRUC and mempool.dat persistence.
#include "crypto/hash.h"
#include "crypto/key.h"
#include "node/mempool.h"
#include "node/mempool_accept.h"
#include "policy/truc_policy.h"
#include "script/sighash.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace {

class MemCoins : public CoinsView
{
public:
    std::optional<Coin> GetCoin(const OutPoint& o) const override
    {
        auto it = m_coins.find(o);
        if (it == m_coins.end() || it->second.IsSpent()) return std::nullopt;
        return it->second;
    }
    uint256 GetBestBlock() const override { return uint256(); }
    bool BatchWrite(CoinsMap&, const uint256&, std::string*) override { return false; }
    std::map<OutPoint, Coin> m_coins;
};

/** A fixed chain tip: height 200, blocks 600 s apart. */
class TestChain : public MempoolChainContext
{
public:
    int TipHeight() const override { return m_height; }
    int64_t TipMedianTimePast() const override { return MedianTimePastAt(m_height); }
    int64_t MedianTimePastAt(int h) const override { return 1'600'000'000 + int64_t{h} * 600; }
    CoinsView& TipCoins() override { return m_coins; }
    uint32_t BlockScriptFlags() const override { return MANDATORY_SCRIPT_VERIFY_FLAGS; }
    int64_t Now() const override { return m_now; }

    int m_height{200};
    int64_t m_now{1'600'000'000 + 200 * 600 + 3600};
    MemCoins m_coins;
};

Key TestKey(uint8_t seed)
{
    std::array<uint8_t, 32> secret{};
    secret.fill(seed);
    Key k;
    EXPECT_TRUE(k.Set(secret, true));
    return k;
}

std::vector<uint8_t> PubBytes(const Key& k)
{
    const PubKey pub = k.GetPubKey();
    return {pub.data(), pub.data() + pub.size()};
}

Script P2WPKHFor(const Key& k)
{
    const uint160 h = Hash160(PubBytes(k));
    Script s;
    s << OP_0;
    s.PushData(std::span<const uint8_t>(h.data(), 20));
    return s;
}

Script P2PKHFor(const Key& k)
{
    const uint160 h = Hash160(PubBytes(k));
    Script s;
    s << OP_DUP << OP_HASH160;
    s.PushData(std::span<const uint8_t>(h.data(), 20));
    s << OP_EQUALVERIFY << OP_CHECKSIG;
    return s;
}

struct Spendable {
    OutPoint outpoint;
    TxOut out;
};

/** Signs every input (P2WPKH or P2PKH of key) with SIGHASH_ALL. */
TransactionRef Sign(MutableTransaction m, const std::vector<Spendable>& inputs, const Key& key)
{
    for (size_t i = 0; i < inputs.size(); ++i) {
        const Script& spk = inputs[i].out.script_pubkey;
        std::vector<uint8_t> sig;
        if (spk == P2WPKHFor(key)) {
            const uint256 h = SignatureHash(P2PKHFor(key), m, i, SIGHASH_ALL, inputs[i].out.value, SigVersion::WITNESS_V0);
            EXPECT_TRUE(key.Sign(h, sig));
            sig.push_back(SIGHASH_ALL);
            m.vin[i].witness.stack = {sig, PubBytes(key)};
        } else {
            const uint256 h = SignatureHash(spk, m, i, SIGHASH_ALL, inputs[i].out.value, SigVersion::BASE);
            EXPECT_TRUE(key.Sign(h, sig));
            sig.push_back(SIGHASH_ALL);
            m.vin[i].script_sig = Script();
            m.vin[i].script_sig.PushData(sig);
            m.vin[i].script_sig.PushData(PubBytes(key));
        }
    }
    return MakeTransactionRef(std::move(m));
}

class MempoolTest : public ::testing::Test
{
protected:
    MempoolTest() : m_key(TestKey(7)), m_pool(MempoolOptions{}) {}

    /** A confirmed P2WPKH coin of value at height. */
    Spendable Fund(Amount value, uint32_t height = 100, bool coinbase = false)
    {
        uint256 h;
        h.data()[0] = static_cast<uint8_t>(++m_funded);
        h.data()[1] = static_cast<uint8_t>(m_funded >> 8);
        h.data()[31] = 0xaa;
        Spendable s{OutPoint(h, 0), TxOut(value, P2WPKHFor(m_key))};
        m_chain.m_coins.m_coins[s.outpoint] = Coin(s.out, height, coinbase);
        return s;
    }

    /** Spends inputs to one P2WPKH output paying fee. */
    TransactionRef Pay(const std::vector<Spendable>& inputs, Amount fee, int32_t version = 2,
                       uint32_t sequence = 0xfffffffd, size_t outputs = 1)
    {
        MutableTransaction m;
        m.version = version;
        Amount total = 0;
        for (const auto& in : inputs) {
            TxIn txin;
            txin.prevout = in.outpoint;
            txin.sequence = sequence;
            m.vin.push_back(txin);
            total += in.out.value;
        }
        const Amount each = (total - fee) / static_cast<Amount>(outputs);
        for (size_t i = 0; i < outputs; ++i) m.vout.push_back(TxOut(each, P2WPKHFor(m_key)));
        m.vout[0].value += (total - fee) - each * static_cast<Amount>(outputs);
        return Sign(m, inputs, m_key);
    }

    static Spendable Output(const TransactionRef& tx, uint32_t n = 0) { return {OutPoint(tx->GetHash(), n), tx->vout[n]}; }

    MempoolAcceptResult Accept(const TransactionRef& tx, bool test_accept = false)
    {
        return AcceptToMemoryPool(m_pool, m_chain, tx, m_chain.Now(), false, test_accept);
    }

    Key m_key;
    TestChain m_chain;
    TxMemPool m_pool;
    int m_funded{0};
};

}  // namespace

TEST_F(MempoolTest, AcceptsSignedTransactionAndIndexesIt)
{
    const Spendable coin = Fund(100'000);
    const TransactionRef tx = Pay({coin}, 1'000);
    const auto test = Accept(tx, /*test_accept=*/true);
    ASSERT_TRUE(test.IsValid()) << test.state.ToString();
    EXPECT_EQ(m_pool.Size(), 0u);  // test_accept adds nothing

    const auto r = Accept(tx);
    ASSERT_TRUE(r.IsValid()) << r.state.ToString();
    EXPECT_EQ(*r.base_fees, 1'000);
    EXPECT_EQ(*r.vsize, GetVirtualTransactionSize(GetTransactionWeight(*tx), 0, 0));
    EXPECT_EQ(*r.effective_feerate, FeeRate(1'000, *r.vsize));
    ASSERT_EQ(r.wtxids_fee_calculations.size(), 1u);
    EXPECT_EQ(r.wtxids_fee_calculations[0], tx->GetWitnessHash());

    ASSERT_TRUE(m_pool.Exists(tx->GetHash()));
    EXPECT_TRUE(m_pool.ExistsWtxid(tx->GetWitnessHash()));
    EXPECT_EQ(m_pool.GetConflictTx(coin.outpoint), tx.get());
    const MempoolEntry* e = m_pool.GetEntry(tx->GetHash());
    EXPECT_EQ(e->fee, 1'000);
    EXPECT_EQ(e->entry_height, 200u);
    EXPECT_EQ(e->sigop_cost, 1);  // one P2WPKH witness sigop
    EXPECT_EQ(m_pool.TotalTxSize(), e->vsize);

    // The pool's outputs are visible through CoinsViewMemPool at MEMPOOL_HEIGHT.
    CoinsViewMemPool view(&m_chain.m_coins, m_pool);
    auto out = view.GetCoin(OutPoint(tx->GetHash(), 0));
    ASSERT_TRUE(out);
    EXPECT_EQ(out->height, MEMPOOL_HEIGHT);
    EXPECT_EQ(out->out, tx->vout[0]);

    const auto again = Accept(tx);
    EXPECT_EQ(again.state.GetRejectReason(), "txn-already-in-mempool");
    EXPECT_EQ(again.state.GetResult(), TxValidationResult::TX_CONFLICT);
}

TEST_F(MempoolTest, AcceptsLegacyP2PKHSpend)
{
    const Spendable coin = Fund(50'000);
    m_chain.m_coins.m_coins[coin.outpoint].out.script_pubkey = P2PKHFor(m_key);
    const Spendable legacy{coin.outpoint, TxOut(50'000, P2PKHFor(m_key))};
    const auto r = Accept(Pay({legacy}, 2'000));
    EXPECT_TRUE(r.IsValid()) << r.state.ToString();
}

TEST_F(MempoolTest, RejectReasons)
{
    // Missing inputs.
    Spendable ghost{OutPoint(uint256::FromHex(std::string(64, 'e')).value(), 0), TxOut(10'000, P2WPKHFor(m_key))};
    auto r = Accept(Pay({ghost}, 1'000));
    EXPECT_EQ(r.state.GetRejectReason(), "bad-txns-inputs-missingorspent");
    EXPECT_EQ(r.state.GetResult(), TxValidationResult::TX_MISSING_INPUTS);

    // Non-standard version.
    r = Accept(Pay({Fund(10'000)}, 1'000, 4));
    EXPECT_EQ(r.state.GetRejectReason(), "version");
    EXPECT_EQ(r.state.GetResult(), TxValidationResult::TX_NOT_STANDARD);

    // Lock time beyond the next block.
    {
        const Spendable c = Fund(10'000);
        MutableTransaction m(*Pay({c}, 1'000));
        m.lock_time = 201;  // needs lock_time < height of the next block (201)
        r = Accept(Sign(m, {c}, m_key));
        EXPECT_EQ(r.state.GetRejectReason(), "non-final");
        EXPECT_EQ(r.state.GetResult(), TxValidationResult::TX_PREMATURE_SPEND);
        m.lock_time = 200;
        EXPECT_TRUE(Accept(Sign(m, {c}, m_key)).IsValid());
    }

    // BIP68: a coin confirmed at 195 with a 7-block relative lock is spendable from block 202, not 201.
    {
        const Spendable c = Fund(10'000, 195);
        r = Accept(Pay({c}, 1'000, 2, 7));
        EXPECT_EQ(r.state.GetRejectReason(), "non-BIP68-final");
        EXPECT_EQ(r.state.GetResult(), TxValidationResult::TX_PREMATURE_SPEND);
        EXPECT_TRUE(Accept(Pay({c}, 1'000, 2, 6)).IsValid());
    }

    // Fee floor: 0 fee with a 100 sat/kvB minimum.
    r = Accept(Pay({Fund(10'000)}, 0));
    EXPECT_EQ(r.state.GetRejectReason(), "min relay fee not met");
    EXPECT_EQ(r.state.GetResult(), TxValidationResult::TX_RECONSIDERABLE);
    ASSERT_TRUE(r.effective_feerate);

    // Immature coinbase.
    r = Accept(Pay({Fund(10'000, 150, true)}, 1'000));
    EXPECT_EQ(r.state.GetRejectReason(), "bad-txns-premature-spend-of-coinbase");

    // Spending more than the inputs.
    {
        const Spendable c = Fund(10'000);
        MutableTransaction m(*Pay({c}, 1'000));
        m.vout[0].value = 20'000;
        r = Accept(Sign(m, {c}, m_key));
        EXPECT_EQ(r.state.GetRejectReason(), "bad-txns-in-belowout");
    }

    // A bad signature fails the standard script checks.
    {
        const Spendable c = Fund(10'000);
        MutableTransaction m(*Pay({c}, 1'000));
        m.vin[0].witness.stack[0][10] ^= 1;
        r = Accept(MakeTransactionRef(m));
        EXPECT_EQ(r.state.GetRejectReason().rfind("mempool-script-verify-flag-failed (", 0), 0u)
            << r.state.GetRejectReason();
        EXPECT_EQ(r.state.GetResult(), TxValidationResult::TX_NOT_STANDARD);
        // Without its witness the spend is "witness stripped".
        m.vin[0].witness.stack.clear();
        r = Accept(MakeTransactionRef(m));
        EXPECT_EQ(r.state.GetResult(), TxValidationResult::TX_WITNESS_STRIPPED);
    }

    // Same txid, different witness.
    {
        const Spendable c = Fund(10'000);
        const TransactionRef tx = Pay({c}, 1'000);
        ASSERT_TRUE(Accept(tx).IsValid());
        MutableTransaction m(*tx);
        m.vin[0].witness.stack[0].insert(m.vin[0].witness.stack[0].begin() + 3, 0);  // different bytes
        r = Accept(MakeTransactionRef(m));
        EXPECT_EQ(r.state.GetRejectReason(), "txn-same-nonwitness-data-in-mempool");
    }

    // Coinbase transactions are never accepted loose.
    {
        MutableTransaction m;
        TxIn in;
        in.script_sig = Script(std::vector<uint8_t>{1, 2, 3});
        m.vin.push_back(in);
        m.vout.push_back(TxOut(5000, P2WPKHFor(m_key)));
        r = Accept(MakeTransactionRef(m));
        EXPECT_EQ(r.state.GetRejectReason(), "coinbase");
    }
}

TEST_F(MempoolTest, ReplacementNeedsHigherFees)
{
    const Spendable coin = Fund(100'000);
    const TransactionRef original = Pay({coin}, 1'000);
    ASSERT_TRUE(Accept(original).IsValid());

    // Same fee: rule 3 passes (not less) but rule 4 needs the incremental relay fee on top.
    const TransactionRef same = Pay({coin}, 1'000, 2, 0xfffffffe);
    auto r = Accept(same);
    EXPECT_EQ(r.state.GetRejectReason(), "insufficient fee");
    EXPECT_EQ(r.state.GetResult(), TxValidationResult::TX_RECONSIDERABLE);
    EXPECT_NE(r.state.GetDebugMessage().find("not enough additional fees to relay"), std::string::npos);

    // Full RBF: the original signalled, but even a non-signalling original would be replaceable.
    const TransactionRef better = Pay({coin}, 5'000, 2, 0xffffffff);
    r = Accept(better);
    ASSERT_TRUE(r.IsValid()) << r.state.ToString();
    ASSERT_EQ(r.replaced_transactions.size(), 1u);
    EXPECT_EQ(r.replaced_transactions[0]->GetHash(), original->GetHash());
    EXPECT_FALSE(m_pool.Exists(original->GetHash()));
    EXPECT_TRUE(m_pool.Exists(better->GetHash()));

    // Replacing a parent replaces its child too; the fees of both count.
    const TransactionRef child = Pay({Output(better)}, 20'000);
    ASSERT_TRUE(Accept(child).IsValid());
    r = Accept(Pay({coin}, 10'000));
    EXPECT_EQ(r.state.GetRejectReason(), "insufficient fee");
    EXPECT_NE(r.state.GetDebugMessage().find("less fees than conflicting txs"), std::string::npos);
    r = Accept(Pay({coin}, 30'000));
    ASSERT_TRUE(r.IsValid()) << r.state.ToString();
    EXPECT_EQ(r.replaced_transactions.size(), 2u);
    EXPECT_EQ(m_pool.Size(), 1u);
}

TEST_F(MempoolTest, ReplacementMustImproveFeerateDiagram)
{
    // The original is small and pays a high feerate; the replacement pays more in total but at a far lower
    // feerate by adding inputs, so the diagram gets worse at its start.
    const Spendable a = Fund(100'000);
    ASSERT_TRUE(Accept(Pay({a}, 10'000)).IsValid());
    std::vector<Spendable> many{a};
    for (int i = 0; i < 30; ++i) many.push_back(Fund(1'000));
    auto r = Accept(Pay(many, 10'300));
    EXPECT_EQ(r.state.GetRejectReason(), "replacement-failed");
    EXPECT_EQ(r.state.GetDebugMessage(), "insufficient feerate: does not improve feerate diagram");
}

TEST_F(MempoolTest, ClusterLimitRefusesLongChains)
{
    Spendable prev = Fund(10'000'000);
    for (unsigned i = 0; i < DEFAULT_CLUSTER_LIMIT; ++i) {
        const TransactionRef tx = Pay({prev}, 1'000);
        const auto r = Accept(tx);
        ASSERT_TRUE(r.IsValid()) << i << " " << r.state.ToString();
        prev = Output(tx);
    }
    EXPECT_EQ(m_pool.GetAncestorCount(prev.outpoint.hash), DEFAULT_CLUSTER_LIMIT);
    const auto r = Accept(Pay({prev}, 1'000));
    EXPECT_EQ(r.state.GetRejectReason(), "too-large-cluster");
    EXPECT_EQ(r.state.GetResult(), TxValidationResult::TX_MEMPOOL_POLICY);
}

TEST_F(MempoolTest, TrimEvictsLowestFeerateAndRaisesRollingMinimum)
{
    std::vector<TransactionRef> txs;
    for (Amount fee : {5'000, 1'000, 3'000, 2'000}) {
        txs.push_back(Pay({Fund(100'000)}, fee));
        ASSERT_TRUE(Accept(txs.back()).IsValid());
    }
    const int64_t vsize = m_pool.GetEntry(txs[1]->GetHash())->vsize;
    EXPECT_EQ(m_pool.GetMinFee(m_chain.Now()), FeeRate());

    // Trim to just under the current usage: exactly the cheapest transaction goes.
    std::vector<OutPoint> uncache;
    m_pool.TrimToSize(m_pool.DynamicMemoryUsage() - 1, m_chain.Now(), &uncache);
    EXPECT_EQ(m_pool.Size(), 3u);
    EXPECT_FALSE(m_pool.Exists(txs[1]->GetHash()));
    ASSERT_EQ(uncache.size(), 1u);
    EXPECT_EQ(uncache[0], txs[1]->vin[0].prevout);

    // The minimum is the evicted feerate plus the incremental relay fee.
    FeeRate expected(1'000, vsize);
    expected += FeeRate(Amount{DEFAULT_INCREMENTAL_RELAY_FEE});
    EXPECT_EQ(m_pool.GetMinFee(m_chain.Now()), expected);

    // A transaction below it is refused.
    const auto r = Accept(Pay({Fund(100'000)}, 1'000));
    EXPECT_EQ(r.state.GetRejectReason(), "mempool min fee not met");

    // After a block, the minimum decays with a 12 h half-life (faster while the pool is small).
    m_pool.RemoveForBlock({}, 201, m_chain.Now());
    const FeeRate later = m_pool.GetMinFee(1'000'000'000, m_chain.Now() + ROLLING_FEE_HALFLIFE);
    // The pool is far below the limit, so the half-life is 3 h: four halvings.
    EXPECT_EQ(later.GetFeePerK(), std::llround(static_cast<double>(expected.GetFeePerK()) / 16.0));
    // Once it decays below half the incremental relay fee it drops to zero.
    EXPECT_EQ(m_pool.GetMinFee(1'000'000'000, m_chain.Now() + 10 * ROLLING_FEE_HALFLIFE), FeeRate());
}

TEST_F(MempoolTest, TrimEvictsWorstChunkNotCpfpParent)
{
    // A cheap parent whose child pays for it forms one good chunk; a medium lone transaction is evicted first.
    const TransactionRef parent = Pay({Fund(100'000)}, 200);
    ASSERT_TRUE(Accept(parent).IsValid());
    const TransactionRef child = Pay({Output(parent)}, 20'000);
    ASSERT_TRUE(Accept(child).IsValid());
    const TransactionRef lone = Pay({Fund(100'000)}, 2'000);
    ASSERT_TRUE(Accept(lone).IsValid());
    auto worst = m_pool.WorstChunk(m_pool.GetCluster(parent->GetHash()));
    ASSERT_TRUE(worst);
    EXPECT_EQ(worst->first.size(), 2u);  // parent and child chunk together
    m_pool.TrimToSize(m_pool.DynamicMemoryUsage() - 1, m_chain.Now());
    EXPECT_FALSE(m_pool.Exists(lone->GetHash()));
    EXPECT_TRUE(m_pool.Exists(parent->GetHash()));
    EXPECT_TRUE(m_pool.Exists(child->GetHash()));
    // Trimming further evicts the whole chunk at once.
    m_pool.TrimToSize(m_pool.DynamicMemoryUsage() - 1, m_chain.Now());
    EXPECT_EQ(m_pool.Size(), 0u);
}

TEST_F(MempoolTest, ExpiryRemovesOldEntriesWithDescendants)
{
    const TransactionRef parent = Pay({Fund(100'000)}, 1'000);
    ASSERT_TRUE(AcceptToMemoryPool(m_pool, m_chain, parent, m_chain.Now() - 100, false, false).IsValid());
    const TransactionRef child = Pay({Output(parent)}, 1'000);
    ASSERT_TRUE(Accept(child).IsValid());
    const TransactionRef other = Pay({Fund(100'000)}, 1'000);
    ASSERT_TRUE(Accept(other).IsValid());

    std::vector<std::pair<uint256, MemPoolRemovalReason>> removed;
    m_pool.m_on_removed = [&](const MempoolEntry& e, MemPoolRemovalReason why) { removed.push_back({e.Txid(), why}); };
    EXPECT_EQ(m_pool.Expire(m_chain.Now() - 50), 2);
    EXPECT_EQ(m_pool.Size(), 1u);
    EXPECT_TRUE(m_pool.Exists(other->GetHash()));
    ASSERT_EQ(removed.size(), 2u);
    EXPECT_EQ(removed[0].second, MemPoolRemovalReason::EXPIRY);
}

TEST_F(MempoolTest, RemoveForBlockRemovesIncludedAndConflicting)
{
    const Spendable a = Fund(100'000), b = Fund(100'000);
    const TransactionRef ta = Pay({a}, 1'000);
    const TransactionRef tb = Pay({b}, 1'000);
    ASSERT_TRUE(Accept(ta).IsValid());
    ASSERT_TRUE(Accept(tb).IsValid());
    const TransactionRef child_a = Pay({Output(ta)}, 1'000);
    const TransactionRef child_b = Pay({Output(tb)}, 1'000);
    ASSERT_TRUE(Accept(child_a).IsValid());
    ASSERT_TRUE(Accept(child_b).IsValid());
    m_pool.PrioritiseTransaction(ta->GetHash(), 500);

    // The block confirms ta and a double spend of b.
    const TransactionRef double_spend = Pay({b}, 2'000, 2, 0xffffffff);
    std::map<uint256, MemPoolRemovalReason> why;
    m_pool.m_on_removed = [&](const MempoolEntry& e, MemPoolRemovalReason r) { why[e.Txid()] = r; };
    const auto confirmed = m_pool.RemoveForBlock({ta, double_spend}, 201, m_chain.Now());
    ASSERT_EQ(confirmed.size(), 1u);
    EXPECT_EQ(confirmed[0].Txid(), ta->GetHash());
    EXPECT_EQ(why[ta->GetHash()], MemPoolRemovalReason::BLOCK);
    EXPECT_EQ(why[tb->GetHash()], MemPoolRemovalReason::CONFLICT);
    EXPECT_EQ(why[child_b->GetHash()], MemPoolRemovalReason::CONFLICT);
    EXPECT_TRUE(m_pool.Exists(child_a->GetHash()));
    EXPECT_TRUE(m_pool.GetEntry(child_a->GetHash())->parents.empty());
    EXPECT_EQ(m_pool.GetFeeDelta(ta->GetHash()), 0);
    EXPECT_EQ(m_pool.Size(), 1u);
}

TEST_F(MempoolTest, ReorgRemovesNoLongerFinalTransactions)
{
    const Spendable c = Fund(100'000);
    MutableTransaction m(*Pay({c}, 1'000));
    m.lock_time = 200;
    const TransactionRef locked = Sign(m, {c}, m_key);
    ASSERT_TRUE(Accept(locked).IsValid());
    const TransactionRef child = Pay({Output(locked)}, 1'000);
    ASSERT_TRUE(Accept(child).IsValid());
    const TransactionRef free_tx = Pay({Fund(100'000)}, 1'000);
    ASSERT_TRUE(Accept(free_tx).IsValid());

    m_chain.m_height = 199;  // one block disconnected
    UpdateMempoolForReorg(m_pool, m_chain, {}, true);
    EXPECT_FALSE(m_pool.Exists(locked->GetHash()));
    EXPECT_FALSE(m_pool.Exists(child->GetHash()));
    EXPECT_TRUE(m_pool.Exists(free_tx->GetHash()));
}

TEST_F(MempoolTest, BlockTemplateOrderUsesAncestorFeerate)
{
    const TransactionRef parent = Pay({Fund(100'000)}, 200);
    ASSERT_TRUE(Accept(parent).IsValid());
    const TransactionRef child = Pay({Output(parent)}, 20'000);  // pays for its parent (CPFP)
    ASSERT_TRUE(Accept(child).IsValid());
    const TransactionRef middle = Pay({Fund(100'000)}, 5'000);
    ASSERT_TRUE(Accept(middle).IsValid());
    const auto order = m_pool.BlockTemplateOrder();
    ASSERT_EQ(order.size(), 3u);
    EXPECT_EQ(order[0], parent->GetHash());
    EXPECT_EQ(order[1], child->GetHash());
    EXPECT_EQ(order[2], middle->GetHash());
}

TEST_F(MempoolTest, PrioritisationChangesModifiedFee)
{
    const TransactionRef tx = Pay({Fund(100'000)}, 0);
    EXPECT_EQ(Accept(tx).state.GetRejectReason(), "min relay fee not met");
    m_pool.PrioritiseTransaction(tx->GetHash(), 10'000);
    const auto r = Accept(tx);
    ASSERT_TRUE(r.IsValid()) << r.state.ToString();
    EXPECT_EQ(*r.base_fees, 0);
    EXPECT_EQ(m_pool.GetEntry(tx->GetHash())->ModifiedFee(), 10'000);
}

TEST_F(MempoolTest, TrucRulesAndSiblingEviction)
{
    const TransactionRef parent = Pay({Fund(100'000)}, 1'000, 3, 0xfffffffd, 2);
    ASSERT_TRUE(Accept(parent).IsValid());
    // A non-TRUC child of a TRUC parent.
    auto r = Accept(Pay({Output(parent, 0)}, 1'000, 2));
    EXPECT_EQ(r.state.GetRejectReason(), "TRUC-violation");
    EXPECT_NE(r.state.GetDebugMessage().find("non-version=3 tx"), std::string::npos);

    const TransactionRef child1 = Pay({Output(parent, 0)}, 1'000, 3);
    ASSERT_TRUE(Accept(child1).IsValid());
    // A second child evicts the first when it pays enough; otherwise it fails as a replacement would.
    r = Accept(Pay({Output(parent, 1)}, 1'000, 3));
    EXPECT_EQ(r.state.GetRejectReason(), "insufficient fee (including sibling eviction)");
    const TransactionRef child2 = Pay({Output(parent, 1)}, 5'000, 3);
    r = Accept(child2);
    ASSERT_TRUE(r.IsValid()) << r.state.ToString();
    ASSERT_EQ(r.replaced_transactions.size(), 1u);
    EXPECT_EQ(r.replaced_transactions[0]->GetHash(), child1->GetHash());

    // A grandchild is one ancestor too many.
    r = Accept(Pay({Output(child2)}, 1'000, 3));
    EXPECT_EQ(r.state.GetRejectReason(), "TRUC-violation");
    EXPECT_NE(r.state.GetDebugMessage().find("would have too many ancestors"), std::string::npos);
}

TEST_F(MempoolTest, MempoolDatRoundTrip)
{
    const TransactionRef a = Pay({Fund(100'000)}, 1'000);
    ASSERT_TRUE(Accept(a).IsValid());
    const TransactionRef b = Pay({Output(a)}, 2'000);
    ASSERT_TRUE(Accept(b).IsValid());
    m_pool.PrioritiseTransaction(b->GetHash(), 777);
    const uint256 absent = uint256::FromHex(std::string(64, '9')).value();
    m_pool.PrioritiseTransaction(absent, -5);
    m_pool.AddUnbroadcastTx(a->GetHash());

    const auto dir = std::filesystem::temp_directory_path() / ("sov_mempool_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto path = dir / "mempool.dat";
    const std::array<uint8_t, 8> key{1, 2, 3, 4, 5, 6, 7, 8};
    ASSERT_TRUE(WriteMempoolDat(MakeMempoolDump(m_pool), path, false, key));

    // Header: version 2 (LE u64), CompactSize 8, the key; the body is XORed by absolute position.
    std::ifstream f(path, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    ASSERT_GE(bytes.size(), 25u);
    EXPECT_EQ(std::vector<uint8_t>(bytes.begin(), bytes.begin() + 17),
              (std::vector<uint8_t>{2, 0, 0, 0, 0, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8}));
    // The transaction count (2) follows, XORed with key[17 % 8] = key[1] and onwards.
    EXPECT_EQ(bytes[17] ^ key[17 % 8], 2);
    EXPECT_EQ(bytes[18] ^ key[18 % 8], 0);

    auto dump = ReadMempoolDat(path);
    ASSERT_TRUE(dump);
    ASSERT_EQ(dump->txs.size(), 2u);
    EXPECT_EQ(dump->txs[0].tx->GetWitnessHash(), a->GetWitnessHash());  // parents first
    EXPECT_EQ(dump->txs[1].fee_delta, 777);
    EXPECT_EQ(dump->deltas.size(), 1u);
    EXPECT_EQ(dump->deltas.at(absent), -5);
    EXPECT_EQ(dump->unbroadcast, std::set<uint256>{a->GetHash()});

    // Loading into an empty pool restores entries, their times, deltas and the unbroadcast set.
    TxMemPool restored;
    MempoolLoadStats stats;
    ASSERT_TRUE(LoadMempool(restored, m_chain, path, &stats));
    EXPECT_EQ(stats.count, 2);
    EXPECT_TRUE(restored.Exists(b->GetHash()));
    EXPECT_EQ(restored.GetEntry(b->GetHash())->ModifiedFee(), 2'777);
    EXPECT_EQ(restored.GetEntry(a->GetHash())->time, m_pool.GetEntry(a->GetHash())->time);
    EXPECT_EQ(restored.GetFeeDelta(absent), -5);
    EXPECT_EQ(restored.GetUnbroadcastTxs().count(a->GetHash()), 1u);

    // Version 1 has no key; unknown versions are refused.
    ASSERT_TRUE(WriteMempoolDat(MakeMempoolDump(m_pool), path, true));
    auto v1 = ReadMempoolDat(path);
    ASSERT_TRUE(v1);
    EXPECT_EQ(v1->txs.size(), 2u);
    {
        std::fstream g(path, std::ios::binary | std::ios::in | std::ios::out);
        g.put(3);
    }
    std::string error;
    EXPECT_FALSE(ReadMempoolDat(path, &error));
    EXPECT_EQ(error, "unknown mempool.dat version 3");
    // Truncated files fail cleanly.
    std::filesystem::resize_file(path, 30);
    EXPECT_FALSE(ReadMempoolDat(path));
    std::filesystem::remove_all(dir);
}

TEST_F(MempoolTest, FeeEstimatorLearnsFromConfirmedMempoolTransactions)
{
    BlockPolicyEstimator estimator;
    m_pool.m_fee_estimator = &estimator;
    estimator.ProcessBlock({}, static_cast<unsigned int>(m_chain.m_height));
    for (int block = 0; block < 40; ++block) {
        std::vector<TransactionRef> txs;
        for (int k = 1; k <= 8; ++k) {
            txs.push_back(Pay({Fund(100'000)}, 500 * k));
            ASSERT_TRUE(Accept(txs.back()).IsValid());
        }
        // Every transaction confirms in the next block.
        ++m_chain.m_height;
        m_pool.RemoveForBlock(txs, static_cast<unsigned int>(m_chain.m_height), m_chain.Now());
        EXPECT_EQ(m_pool.Size(), 0u);
    }
    FeeCalculation calc;
    const FeeRate estimate = estimator.EstimateSmartFee(2, &calc, false);
    EXPECT_GT(estimate, FeeRate()) << "no estimate after 40 blocks";
    EXPECT_EQ(calc.returned_target, 2);
    m_pool.m_fee_estimator = nullptr;
}

TEST_F(MempoolTest, PackageChildPaysForZeroFeeParent)
{
    const TransactionRef parent = Pay({Fund(100'000)}, 0);
    const TransactionRef child = Pay({Output(parent)}, 20'000);
    EXPECT_EQ(Accept(parent).state.GetRejectReason(), "min relay fee not met");

    const auto res = AcceptPackage(m_pool, m_chain, {parent, child}, m_chain.Now(), false);
    ASSERT_TRUE(res.state.IsValid()) << res.state.ToString();
    ASSERT_EQ(res.tx_results.size(), 2u);
    const auto& pr = res.tx_results.at(parent->GetWitnessHash());
    ASSERT_TRUE(pr.IsValid()) << pr.state.ToString();
    // Both report the package feerate, computed from both transactions.
    const int64_t total_vsize = *pr.vsize + *res.tx_results.at(child->GetWitnessHash()).vsize;
    EXPECT_EQ(*pr.effective_feerate, FeeRate(20'000, total_vsize));
    EXPECT_EQ(pr.wtxids_fee_calculations.size(), 2u);
    EXPECT_TRUE(m_pool.Exists(parent->GetHash()));
    EXPECT_TRUE(m_pool.Exists(child->GetHash()));

    // Submitting it again reports the entries already there.
    const auto again = AcceptPackage(m_pool, m_chain, {parent, child}, m_chain.Now(), false);
    EXPECT_EQ(again.tx_results.at(child->GetWitnessHash()).result_type,
              MempoolAcceptResult::ResultType::MEMPOOL_ENTRY);
}

TEST_F(MempoolTest, PackageFailsWhenTheWholePackageIsTooCheap)
{
    const TransactionRef parent = Pay({Fund(100'000)}, 0);
    const TransactionRef child = Pay({Output(parent)}, 10);
    const auto res = AcceptPackage(m_pool, m_chain, {parent, child}, m_chain.Now(), false);
    EXPECT_EQ(res.state.GetRejectReason(), "transaction failed");
    EXPECT_EQ(res.tx_results.at(child->GetWitnessHash()).state.GetRejectReason(), "min relay fee not met");
    EXPECT_EQ(m_pool.Size(), 0u);
}

TEST_F(MempoolTest, PackageShapeIsChecked)
{
    const TransactionRef parent = Pay({Fund(100'000)}, 1'000);
    const TransactionRef child = Pay({Output(parent)}, 1'000);
    const TransactionRef unrelated = Pay({Fund(100'000)}, 1'000);
    auto res = AcceptPackage(m_pool, m_chain, {child, parent}, m_chain.Now(), false);
    EXPECT_EQ(res.state.GetRejectReason(), "package-not-sorted");
    EXPECT_EQ(res.state.GetResult(), PackageValidationResult::PCKG_POLICY);
    res = AcceptPackage(m_pool, m_chain, {unrelated, child}, m_chain.Now(), false);
    EXPECT_EQ(res.state.GetRejectReason(), "package-not-child-with-parents");
    res = AcceptPackage(m_pool, m_chain, {parent, parent}, m_chain.Now(), false);
    EXPECT_EQ(res.state.GetRejectReason(), "package-contains-duplicates");
    const TransactionRef double_spend = Pay({Output(parent)}, 2'000);
    res = AcceptPackage(m_pool, m_chain, {parent, child, double_spend}, m_chain.Now(), false);
    EXPECT_EQ(res.state.GetRejectReason(), "conflict-in-package");
    std::vector<TransactionRef> many(MAX_PACKAGE_COUNT + 1, unrelated);
    res = AcceptPackage(m_pool, m_chain, many, m_chain.Now(), false);
    EXPECT_EQ(res.state.GetRejectReason(), "package-too-many-transactions");

    // testmempoolaccept of independent transactions: each judged alone, nothing added.
    res = AcceptPackage(m_pool, m_chain, {parent, unrelated}, m_chain.Now(), true);
    ASSERT_TRUE(res.state.IsValid()) << res.state.ToString();
    EXPECT_TRUE(res.tx_results.at(parent->GetWitnessHash()).IsValid());
    EXPECT_TRUE(res.tx_results.at(unrelated->GetWitnessHash()).IsValid());
    EXPECT_EQ(m_pool.Size(), 0u);
}

TEST_F(MempoolTest, PackageRbfReplacesWithParentAndChild)
{
    const Spendable coin = Fund(100'000);
    const TransactionRef original = Pay({coin}, 2'000);
    ASSERT_TRUE(Accept(original).IsValid());
    // A replacement parent paying less than the original, with a child that pays for both.
    const TransactionRef parent = Pay({coin}, 1'000, 2, 0xfffffffe);
    const TransactionRef child = Pay({Output(parent)}, 10'000);
    EXPECT_EQ(Accept(parent).state.GetRejectReason(), "insufficient fee");
    const auto res = AcceptPackage(m_pool, m_chain, {parent, child}, m_chain.Now(), false);
    ASSERT_TRUE(res.state.IsValid()) << res.state.ToString() << " "
                                     << res.tx_results.begin()->second.state.ToString();
    EXPECT_FALSE(m_pool.Exists(original->GetHash()));
    EXPECT_TRUE(m_pool.Exists(parent->GetHash()));
    EXPECT_TRUE(m_pool.Exists(child->GetHash()));
    ASSERT_EQ(res.tx_results.at(child->GetWitnessHash()).replaced_transactions.size(), 1u);
}

TEST_F(MempoolTest, BlockSelectionTakesChunksByFeerateWithinLimits)
{
    const TransactionRef parent = Pay({Fund(100'000)}, 200);
    ASSERT_TRUE(Accept(parent).IsValid());
    const TransactionRef child = Pay({Output(parent)}, 20'000);
    ASSERT_TRUE(Accept(child).IsValid());
    const TransactionRef middle = Pay({Fund(100'000)}, 5'000);
    ASSERT_TRUE(Accept(middle).IsValid());
    const TransactionRef cheap = Pay({Fund(100'000)}, 150);
    ASSERT_TRUE(Accept(cheap).IsValid());

    const auto chunks = m_pool.MiningChunks();
    ASSERT_EQ(chunks.size(), 3u);
    EXPECT_EQ(chunks[0].txids, (std::vector<uint256>{parent->GetHash(), child->GetHash()}));
    EXPECT_EQ(chunks[1].txids, std::vector<uint256>{middle->GetHash()});

    auto sel = m_pool.SelectForBlock(DEFAULT_BLOCK_MAX_WEIGHT, DEFAULT_BLOCK_RESERVED_WEIGHT, 400,
                                     FeeRate(Amount{DEFAULT_BLOCK_MIN_TX_FEE}), nullptr);
    ASSERT_EQ(sel.entries.size(), 4u);
    EXPECT_EQ(sel.entries[0]->Txid(), parent->GetHash());
    EXPECT_EQ(sel.fees, 200 + 20'000 + 5'000 + 150);
    EXPECT_EQ(sel.package_feerates.size(), 3u);

    // A higher block minimum fee stops before the cheap transaction (150 sat for ~110 vB < 2 sat/vB).
    sel = m_pool.SelectForBlock(DEFAULT_BLOCK_MAX_WEIGHT, DEFAULT_BLOCK_RESERVED_WEIGHT, 400, FeeRate(Amount{2000}),
                                nullptr);
    EXPECT_EQ(sel.entries.size(), 3u);

    // A block with room for one small transaction only skips the two-transaction chunk.
    const int64_t middle_weight = GetTransactionWeight(*middle);
    sel = m_pool.SelectForBlock(DEFAULT_BLOCK_RESERVED_WEIGHT + middle_weight + 1, DEFAULT_BLOCK_RESERVED_WEIGHT, 400,
                                FeeRate(), nullptr);
    ASSERT_EQ(sel.entries.size(), 1u);
    EXPECT_EQ(sel.entries[0]->Txid(), middle->GetHash());

    // Non-final transactions are left out.
    sel = m_pool.SelectForBlock(DEFAULT_BLOCK_MAX_WEIGHT, 0, 0, FeeRate(),
                                [&](const Transaction& tx) { return tx.GetHash() != middle->GetHash(); });
    EXPECT_EQ(sel.entries.size(), 3u);
    const auto updated = m_pool.GetTransactionsUpdated();
    m_pool.RemoveRecursive(*cheap, MemPoolRemovalReason::CONFLICT);
    EXPECT_GT(m_pool.GetTransactionsUpdated(), updated);
}

TEST_F(MempoolTest, Bip125ReplaceableIsInheritedFromAncestors)
{
    const TransactionRef signalling = Pay({Fund(100'000)}, 1'000, 2, 0xfffffffd);
    ASSERT_TRUE(Accept(signalling).IsValid());
    const TransactionRef child = Pay({Output(signalling)}, 1'000, 2, 0xffffffff);
    ASSERT_TRUE(Accept(child).IsValid());
    const TransactionRef final_tx = Pay({Fund(100'000)}, 1'000, 2, 0xfffffffe);
    ASSERT_TRUE(Accept(final_tx).IsValid());
    EXPECT_EQ(IsRBFOptIn(*signalling, m_pool), RBFTransactionState::REPLACEABLE_BIP125);
    EXPECT_EQ(IsRBFOptIn(*child, m_pool), RBFTransactionState::REPLACEABLE_BIP125);
    EXPECT_EQ(IsRBFOptIn(*final_tx, m_pool), RBFTransactionState::FINAL);
    EXPECT_EQ(IsRBFOptIn(*Pay({Fund(100'000)}, 1'000, 2, 0xffffffff), m_pool), RBFTransactionState::UNKNOWN);
}
