// Fee estimation: estimates appear after enough confirmed blocks, follow the feerates that confirm quickly,
// respect the usable-target limit, and survive a fee_estimates.dat round trip.
#include "policy/fees.h"

#include <gtest/gtest.h>

namespace {
uint256 TxidFor(uint32_t n)
{
    uint256 h;
    for (int i = 0; i < 4; ++i) h.data()[i] = static_cast<uint8_t>(n >> (8 * i));
    h.data()[31] = 0x5a;
    return h;
}

/** Each block: transactions at feerates 1000..10000 sat/kvB enter; the best-paying ones confirm in the next
 *  block, the cheapest wait several blocks. */
void Simulate(BlockPolicyEstimator& est, unsigned int blocks)
{
    struct Pending {
        FeeEstimatorTxInfo info;
        unsigned int confirm_at;
    };
    std::vector<Pending> pending;
    uint32_t next = 0;
    for (unsigned int height = 1; height <= blocks; ++height) {
        std::vector<FeeEstimatorTxInfo> confirmed;
        std::vector<Pending> still;
        for (const auto& p : pending) (p.confirm_at <= height ? confirmed.push_back(p.info) : still.push_back(p));
        pending = std::move(still);
        est.ProcessBlock(confirmed, height);
        for (int k = 1; k <= 10; ++k) {
            FeeEstimatorTxInfo tx;
            tx.txid = TxidFor(next++);
            tx.fee = 1000 * k / 4;  // 250..2500 sat for 250 vB: 1000..10000 sat/kvB
            tx.vsize = 250;
            tx.entry_height = height;
            est.ProcessTransaction(tx);
            // Feerates of 6000+ sat/kvB confirm in the next block; lower ones wait 10 blocks.
            pending.push_back({tx, height + (k >= 6 ? 1u : 10u)});
        }
    }
}
}  // namespace

TEST(FeeEstimator, NoEstimateWithoutData)
{
    BlockPolicyEstimator est;
    FeeCalculation calc;
    EXPECT_EQ(est.EstimateSmartFee(2, &calc, false), FeeRate());
    EXPECT_EQ(calc.returned_target, 0);  // no usable targets yet
    EXPECT_EQ(est.HighestTargetTracked(FeeEstimateHorizon::SHORT_HALFLIFE), 12u);
    EXPECT_EQ(est.HighestTargetTracked(FeeEstimateHorizon::MED_HALFLIFE), 48u);
    EXPECT_EQ(est.HighestTargetTracked(FeeEstimateHorizon::LONG_HALFLIFE), 1008u);
}

TEST(FeeEstimator, EstimatesFromConfirmedBlocks)
{
    BlockPolicyEstimator est;
    Simulate(est, 200);
    EXPECT_EQ(est.BestSeenHeight(), 200u);
    FeeCalculation calc;
    const FeeRate fast = est.EstimateSmartFee(2, &calc, false);
    // Fast confirmation needs the 6000+ sat/kvB transactions' rates.
    EXPECT_GE(fast.GetFeePerK(), 6000) << fast.ToString();
    EXPECT_LE(fast.GetFeePerK(), 10000) << fast.ToString();
    EXPECT_EQ(calc.returned_target, 2);
    // Target 1 is answered for target 2.
    FeeCalculation calc1;
    EXPECT_EQ(est.EstimateSmartFee(1, &calc1, false), fast);
    EXPECT_EQ(calc1.returned_target, 2);
    // A slow target can be met by cheaper transactions.
    const FeeRate slow = est.EstimateSmartFee(20, nullptr, false);
    EXPECT_GT(slow, FeeRate());
    EXPECT_LE(slow, fast);
    // Conservative is never below economical.
    EXPECT_GE(est.EstimateSmartFee(20, nullptr, true), slow);
    // Targets beyond half the blocks seen are capped.
    FeeCalculation capped;
    est.EstimateSmartFee(500, &capped, false);
    EXPECT_EQ(capped.returned_target, 99);  // first confirmations recorded at height 2: (200 - 2) / 2
    // Raw estimates per horizon.
    EXPECT_GE(est.EstimateRawFee(1, 0.95, FeeEstimateHorizon::SHORT_HALFLIFE).GetFeePerK(), 6000);
    EXPECT_EQ(est.EstimateRawFee(13, 0.95, FeeEstimateHorizon::SHORT_HALFLIFE), FeeRate());
}

TEST(FeeEstimator, OldBlocksAndReorgsDoNotCountTwice)
{
    BlockPolicyEstimator est;
    Simulate(est, 50);
    const auto before = est.Write();
    est.ProcessBlock({}, 50);  // same height again
    est.ProcessBlock({}, 10);
    EXPECT_EQ(est.Write(), before);
}

TEST(FeeEstimator, FileRoundTrip)
{
    BlockPolicyEstimator est;
    Simulate(est, 120);
    est.FlushUnconfirmed();
    const std::vector<uint8_t> bytes = est.Write();
    // Version 309900 (int32 LE), then the best height.
    ASSERT_GE(bytes.size(), 8u);
    EXPECT_EQ(bytes[0] | bytes[1] << 8 | bytes[2] << 16 | bytes[3] << 24, 309900);
    EXPECT_EQ(bytes[4], 120);

    BlockPolicyEstimator loaded;
    std::string error;
    ASSERT_TRUE(loaded.Read(bytes, &error)) << error;
    EXPECT_EQ(loaded.BestSeenHeight(), 120u);
    EXPECT_EQ(loaded.Write(), bytes);
    // Loaded history counts toward usable targets.
    EXPECT_EQ(loaded.EstimateSmartFee(4, nullptr, false), est.EstimateSmartFee(4, nullptr, false));
    EXPECT_GT(loaded.EstimateSmartFee(4, nullptr, false), FeeRate());

    // Bad versions and truncated data are refused without changing state.
    std::vector<uint8_t> bad = bytes;
    bad[0] = 0;
    EXPECT_FALSE(loaded.Read(bad, &error));
    EXPECT_NE(error.find("Too old to be read"), std::string::npos);
    bad = bytes;
    bad.resize(bytes.size() / 2);
    EXPECT_FALSE(loaded.Read(bad, &error));
    EXPECT_EQ(loaded.Write(), bytes);
}
