// Coin selection (Core's algorithms) on hand-built pools with a seeded RNG: Branch-and-Bound exact matches and its
// waste-driven choice, CoinGrinder's lightest set, Knapsack's exact and next-larger rules, Single Random Draw under a
// weight limit, the waste metric, the result ordering, change parameters and the eligibility filters.
#include "policy/policy.h"
#include "wallet/coinselection.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace {
constexpr Amount CENT = COIN / 100;

SelectionCoin MakeCoin(Amount value, int bytes = 68, int depth = 6, bool from_me = false, const FeeRate& rate = FeeRate(0),
                       const FeeRate& long_term = FeeRate(0), uint32_t n = 0)
{
    static uint32_t counter = 0;
    uint256 h;
    h.data()[0] = static_cast<uint8_t>(++counter);
    h.data()[1] = static_cast<uint8_t>(counter >> 8);
    Script spk;
    spk << OP_0 << std::vector<uint8_t>(20, static_cast<uint8_t>(counter));
    return SelectionCoin(OutPoint(h, n), TxOut(value, spk), bytes, depth, from_me, 1, rate, long_term);
}

/** A one-coin group with explicit fees (value is the effective value plus the fee). */
OutputGroup Group(Amount effective, Amount fee = 0, Amount long_term_fee = 0, int weight = 272)
{
    SelectionCoin c = MakeCoin(effective + fee);
    c.fee = fee;
    c.long_term_fee = long_term_fee;
    c.effective_value = effective;
    c.input_bytes = weight / 4;
    OutputGroup g;
    g.Insert(c);
    return g;
}

std::vector<Amount> Values(const SelectionResult& r)
{
    std::vector<Amount> v;
    for (const SelectionCoin& c : r.Inputs()) v.push_back(c.effective_value);
    std::sort(v.rbegin(), v.rend());
    return v;
}
}  // namespace

TEST(CoinSelection, BnBFindsExactMatches)
{
    std::vector<OutputGroup> pool{Group(1 * CENT), Group(2 * CENT), Group(3 * CENT), Group(4 * CENT)};
    // Single-coin matches.
    auto r = SelectCoinsBnB(pool, 1 * CENT, CENT / 2, 400000);
    ASSERT_TRUE(r);
    EXPECT_EQ(Values(*r.result), (std::vector<Amount>{1 * CENT}));
    // Target 4: {4} is met first, then {3,1} with the same (zero) waste; a later equal solution replaces the best
    // (Core keeps the last one with curr_waste <= best_waste).
    r = SelectCoinsBnB(pool, 4 * CENT, CENT / 2, 400000);
    ASSERT_TRUE(r);
    EXPECT_EQ(Values(*r.result), (std::vector<Amount>{3 * CENT, 1 * CENT}));
    // Target 5: the depth-first search meets {4,1} then {3,2}, both waste 0; the later one wins ties (<=).
    r = SelectCoinsBnB(pool, 5 * CENT, CENT / 2, 400000);
    ASSERT_TRUE(r);
    EXPECT_EQ(Values(*r.result), (std::vector<Amount>{3 * CENT, 2 * CENT}));
    EXPECT_EQ(r.result->GetWaste(), 0);
    EXPECT_EQ(r.result->Algorithm(), SelectionAlgorithm::BNB);
    // Everything: 10.
    r = SelectCoinsBnB(pool, 10 * CENT, CENT / 2, 400000);
    ASSERT_TRUE(r);
    EXPECT_EQ(r.result->Inputs().size(), 4u);
    // Within the cost-of-change window: 4.3 is reached by 4 + 1 = 5 (excess 0.7) only if the window is 1 cent.
    EXPECT_FALSE(SelectCoinsBnB(pool, 43 * CENT / 10, CENT / 2, 400000));
    r = SelectCoinsBnB(pool, 43 * CENT / 10, CENT, 400000);
    ASSERT_TRUE(r);
    EXPECT_EQ(r.result->GetSelectedEffectiveValue(), 5 * CENT);
    EXPECT_EQ(r.result->GetWaste(), 7 * CENT / 10);  // the excess goes to the fee
    // More than available, and nothing in the window.
    EXPECT_FALSE(SelectCoinsBnB(pool, 11 * CENT, CENT / 2, 400000));
    EXPECT_FALSE(SelectCoinsBnB({Group(4 * CENT), Group(3 * CENT)}, 1 * CENT, CENT / 2, 400000));
    // Too heavy: {3,2} weighs 2 x 272, only one input fits.
    auto heavy = SelectCoinsBnB(pool, 5 * CENT, CENT / 2, 300);
    EXPECT_FALSE(heavy);
    EXPECT_TRUE(heavy.error.max_weight_exceeded);
}

TEST(CoinSelection, BnBWasteDecidesBetweenOneAndTwoInputs)
{
    // Target 5: {5} or {3,2}. At a high fee rate (fee 100 > long-term 50 per input) one input wastes less; at a low
    // one (fee 50 < long-term 100) spending two now saves later, so the consolidating set wins.
    std::vector<OutputGroup> high{Group(5 * CENT, 100, 50), Group(3 * CENT, 100, 50), Group(2 * CENT, 100, 50)};
    auto r = SelectCoinsBnB(high, 5 * CENT, 1000, 400000);
    ASSERT_TRUE(r);
    EXPECT_EQ(Values(*r.result), (std::vector<Amount>{5 * CENT}));
    EXPECT_EQ(r.result->GetWaste(), 50);
    std::vector<OutputGroup> low{Group(5 * CENT, 50, 100), Group(3 * CENT, 50, 100), Group(2 * CENT, 50, 100)};
    r = SelectCoinsBnB(low, 5 * CENT, 1000, 400000);
    ASSERT_TRUE(r);
    EXPECT_EQ(Values(*r.result), (std::vector<Amount>{3 * CENT, 2 * CENT}));
    EXPECT_EQ(r.result->GetWaste(), -100);
}

TEST(CoinSelection, BnBSkipsEquivalentCoinsAndStaysWithinTries)
{
    // 50 identical coins and a target none of their sums hits within the window: the clone skip keeps it finite.
    std::vector<OutputGroup> pool;
    for (int i = 0; i < 50; ++i) pool.push_back(Group(2 * CENT));
    EXPECT_FALSE(SelectCoinsBnB(pool, 5 * CENT, CENT / 2, 400000));
    auto r = SelectCoinsBnB(pool, 10 * CENT, 0, 400000);
    ASSERT_TRUE(r);
    EXPECT_EQ(r.result->Inputs().size(), 5u);
}

TEST(CoinSelection, WasteMetric)
{
    OutputGroup a = Group(3 * CENT, 100, 40), b = Group(2 * CENT, 100, 40);
    SelectionResult r(4 * CENT, SelectionAlgorithm::MANUAL);
    r.AddInput(a);
    r.AddInput(b);
    // Change = 5 - 4 - 31 (change fee) >= min viable change: waste = inputs (2 x 60) + cost of change 300.
    r.RecalculateWaste(/*min_viable_change=*/1000, /*change_cost=*/300, /*change_fee=*/31);
    EXPECT_EQ(r.GetChange(1000, 31), 1 * CENT - 31);
    EXPECT_EQ(r.GetWaste(), 420);
    // Same inputs, no change possible (min viable change above the remainder): the excess of 1 cent is waste.
    r.RecalculateWaste(2 * CENT, 300, 31);
    EXPECT_EQ(r.GetChange(2 * CENT, 31), 0);
    EXPECT_EQ(r.GetWaste(), 120 + 1 * CENT);
    // Fee subtracted from outputs: selection by value, change = value - target.
    OutputGroup s = Group(3 * CENT, 100, 40);
    s.subtract_fee_outputs = true;
    SelectionResult sffo(2 * CENT, SelectionAlgorithm::MANUAL);
    sffo.AddInput(s);
    EXPECT_EQ(sffo.GetChange(1000, 31), 3 * CENT + 100 - 2 * CENT);
    // Ordering: less waste first; equal waste prefers more inputs.
    SelectionResult one(1 * CENT, SelectionAlgorithm::BNB), two(1 * CENT, SelectionAlgorithm::KNAPSACK);
    one.AddInput(Group(1 * CENT));
    two.AddInput(Group(CENT / 2));
    two.AddInput(Group(CENT / 2));
    one.RecalculateWaste(1000, 300, 0);
    two.RecalculateWaste(1000, 300, 0);
    EXPECT_EQ(one.GetWaste(), 0);
    EXPECT_EQ(two.GetWaste(), 0);
    EXPECT_TRUE(two < one);
    EXPECT_FALSE(one < two);
}

TEST(CoinSelection, CoinGrinderPicksTheLightestSet)
{
    // Target 10 + change target 1: {A,B} or {A,C} weigh 1000, {B,C} reaches 11 with 400.
    std::vector<OutputGroup> pool{Group(10 * COIN, 0, 0, 800), Group(6 * COIN, 0, 0, 200), Group(5 * COIN, 0, 0, 200)};
    auto r = CoinGrinder(pool, 10 * COIN, 1 * COIN, 400000);
    ASSERT_TRUE(r);
    EXPECT_EQ(Values(*r.result), (std::vector<Amount>{6 * COIN, 5 * COIN}));
    EXPECT_EQ(r.result->GetWeight(), 400);
    EXPECT_TRUE(r.result->AlgoCompleted());
    // A single heavy coin when nothing lighter suffices.
    r = CoinGrinder(pool, 15 * COIN, 1 * COIN, 400000);
    ASSERT_TRUE(r);
    EXPECT_EQ(Values(*r.result), (std::vector<Amount>{10 * COIN, 6 * COIN}));
    // Insufficient funds and too heavy.
    EXPECT_FALSE(CoinGrinder(pool, 21 * COIN, 1 * COIN, 400000));
    auto heavy = CoinGrinder(pool, 10 * COIN, 1 * COIN, 300);
    EXPECT_FALSE(heavy);
    EXPECT_TRUE(heavy.error.max_weight_exceeded);
    // Many light small coins against one heavy large one: the weight decides, not the count.
    std::vector<OutputGroup> mixed{Group(3 * COIN, 0, 0, 1000)};
    for (int i = 0; i < 3; ++i) mixed.push_back(Group(1 * COIN, 0, 0, 200));
    r = CoinGrinder(mixed, 2 * COIN, 1 * COIN, 400000);
    ASSERT_TRUE(r);
    EXPECT_EQ(r.result->GetWeight(), 600);
    EXPECT_EQ(r.result->Inputs().size(), 3u);
}

TEST(CoinSelection, KnapsackRules)
{
    SelectionRng rng(42);
    // An exact single coin.
    auto r = KnapsackSolver({Group(1 * CENT), Group(2 * CENT), Group(5 * CENT)}, 2 * CENT, CENT, rng, 400000);
    ASSERT_TRUE(r);
    EXPECT_EQ(Values(*r.result), (std::vector<Amount>{2 * CENT}));
    // Smaller coins sum exactly to the target: all of them.
    r = KnapsackSolver({Group(1 * CENT), Group(2 * CENT), Group(20 * CENT)}, 3 * CENT, 5 * CENT, rng, 400000);
    ASSERT_TRUE(r);
    EXPECT_EQ(Values(*r.result), (std::vector<Amount>{2 * CENT, 1 * CENT}));
    // Smaller coins cannot reach it: the smallest larger coin.
    r = KnapsackSolver({Group(1 * CENT), Group(1 * CENT), Group(10 * CENT), Group(20 * CENT)}, 5 * CENT, CENT, rng, 400000);
    ASSERT_TRUE(r);
    EXPECT_EQ(Values(*r.result), (std::vector<Amount>{10 * CENT}));
    // A subset reaching target + change target beats a larger coin further away: 6 + 3 = 9 >= 7 + 1 vs 20.
    r = KnapsackSolver({Group(6 * CENT), Group(3 * CENT), Group(20 * CENT)}, 7 * CENT, CENT, rng, 400000);
    ASSERT_TRUE(r);
    EXPECT_EQ(Values(*r.result), (std::vector<Amount>{6 * CENT, 3 * CENT}));
    EXPECT_FALSE(KnapsackSolver({Group(1 * CENT)}, 5 * CENT, CENT, rng, 400000));
}

TEST(CoinSelection, SingleRandomDrawDropsSmallestWhenTooHeavy)
{
    // Only two inputs fit; whatever the draw order, {3, 2} is the only pair above 4.5 BTC.
    std::vector<OutputGroup> pool{Group(1 * COIN, 0, 0, 100), Group(2 * COIN, 0, 0, 100), Group(3 * COIN, 0, 0, 100)};
    for (uint64_t seed = 0; seed < 20; ++seed) {
        SelectionRng rng(seed);
        auto r = SelectCoinsSRD(pool, 45 * COIN / 10 - CHANGE_LOWER, 0, rng, 200);
        ASSERT_TRUE(r);
        EXPECT_EQ(Values(*r.result), (std::vector<Amount>{3 * COIN, 2 * COIN}));
    }
    SelectionRng rng(1);
    // SRD aims past the target by CHANGE_LOWER + change fee.
    auto r = SelectCoinsSRD({Group(1 * COIN)}, 1 * COIN - CHANGE_LOWER, 1, rng, 400000);
    EXPECT_FALSE(r);
    r = SelectCoinsSRD({Group(1 * COIN)}, 1 * COIN - CHANGE_LOWER - 1, 1, rng, 400000);
    EXPECT_TRUE(r);
    // Same seed, same draw.
    std::vector<OutputGroup> many;
    for (int i = 1; i <= 30; ++i) many.push_back(Group(i * CENT));
    SelectionRng a(7), b(7);
    auto ra = SelectCoinsSRD(many, 20 * CENT, 0, a, 400000), rb = SelectCoinsSRD(many, 20 * CENT, 0, b, 400000);
    ASSERT_TRUE(ra && rb);
    EXPECT_EQ(Values(*ra.result), Values(*rb.result));
    EXPECT_GE(ra.result->GetSelectedEffectiveValue(), 20 * CENT + CHANGE_LOWER);
}

TEST(CoinSelection, ChangeTargetAndParams)
{
    SelectionRng rng(3);
    EXPECT_EQ(GenerateChangeTarget(CHANGE_LOWER / 2, 31, rng), CHANGE_LOWER + 31);
    for (int i = 0; i < 100; ++i) {
        const Amount t = GenerateChangeTarget(1 * COIN, 31, rng);
        EXPECT_GE(t, CHANGE_LOWER + 31);
        EXPECT_LT(t, CHANGE_UPPER + 31);
        const Amount small = GenerateChangeTarget(40000, 0, rng);  // upper bound min(2 x 40000, 1M) = 80000
        EXPECT_GE(small, CHANGE_LOWER);
        EXPECT_LT(small, 80000);
    }
    // 2 sat/vB, discard 10 sat/vB, P2WPKH change (31 vB out, 68 vB to spend).
    CoinSelectionParams p;
    p.effective_feerate = FeeRate(2000);
    Script change;
    change << OP_0 << std::vector<uint8_t>(20, 1);
    const Amount dust = GetDustThreshold(TxOut(0, change), p.discard_feerate);
    EXPECT_EQ(dust, 980);  // (31 + 67) vB at 10 sat/vB
    p.Derive(1 * COIN, 1, dust, rng);
    EXPECT_EQ(p.change_fee, 62);
    EXPECT_EQ(p.cost_of_change, 62 + 680);
    EXPECT_EQ(p.min_viable_change, 980);
}

TEST(CoinSelection, ChooseLeastWasteAndFilters)
{
    const FeeRate rate(1000), long_term(DEFAULT_CONSOLIDATE_FEERATE);
    CoinSelectionParams p;
    p.effective_feerate = rate;
    p.tx_noinputs_size = 10 + 1 + 31;
    SelectionRng rng(11);
    p.Derive(1 * COIN, 1, 294, rng);
    // An exact changeless match exists (BnB): value 1 BTC + the input's fee (68 sat at 1 sat/vB). The others would
    // make change, which costs more than the zero excess.
    const Amount target = 1 * COIN + rate.GetFee(p.tx_noinputs_size);
    std::vector<SelectionCoin> coins{MakeCoin(target + 68, 68, 6, false, rate, long_term), MakeCoin(5 * COIN, 68, 6, false, rate, long_term),
                                     MakeCoin(3 * COIN, 68, 6, false, rate, long_term)};
    auto r = AutomaticCoinSelection(coins, target, p, rng);
    ASSERT_TRUE(r);
    EXPECT_EQ(r.result->Algorithm(), SelectionAlgorithm::BNB);
    EXPECT_EQ(r.result->GetSelectedValue(), target + 68);
    EXPECT_EQ(r.result->GetChange(p.min_viable_change, p.change_fee), 0);
    // Waste at 1 sat/vB below the 10 sat/vB long-term rate is negative: 68 - 680.
    EXPECT_EQ(r.result->GetWaste(), 68 - 680);

    // Filters: a coin from others with 1 confirmation is used only when the 6-confirmation pass fails, and our own
    // unconfirmed change only after confirmed coins.
    std::vector<SelectionCoin> f{MakeCoin(2 * COIN, 68, 0, true, rate, long_term), MakeCoin(2 * COIN, 68, 1, false, rate, long_term),
                                 MakeCoin(2 * COIN, 68, 6, false, rate, long_term)};
    r = AutomaticCoinSelection(f, 1 * COIN, p, rng);
    ASSERT_TRUE(r);
    ASSERT_EQ(r.result->Inputs().size(), 1u);
    EXPECT_EQ(r.result->Inputs()[0].depth, 6);
    r = AutomaticCoinSelection({f[0], f[1]}, 1 * COIN, p, rng);
    ASSERT_TRUE(r);
    EXPECT_EQ(r.result->Inputs()[0].depth, 1);
    r = AutomaticCoinSelection({f[0]}, 1 * COIN, p, rng);
    ASSERT_TRUE(r);
    EXPECT_EQ(r.result->Inputs()[0].depth, 0);
    // Not enough.
    EXPECT_FALSE(AutomaticCoinSelection(f, 7 * COIN, p, rng));
}

TEST(CoinSelection, HighFeeRateRunsCoinGrinder)
{
    // At 50 sat/vB (> 3 x 10) CoinGrinder competes; with one heavy (P2PKH-sized) and lighter coins the chosen
    // result is never heavier than CoinGrinder's lightest set.
    const FeeRate rate(50000), long_term(DEFAULT_CONSOLIDATE_FEERATE);
    CoinSelectionParams p;
    p.effective_feerate = rate;
    p.tx_noinputs_size = 42;
    SelectionRng rng(5);
    p.Derive(1 * COIN, 1, 294, rng);
    std::vector<SelectionCoin> coins;
    coins.push_back(MakeCoin(3 * COIN, 148, 6, false, rate, long_term));
    for (int i = 0; i < 6; ++i) coins.push_back(MakeCoin(COIN / 2 + i * CENT, 68, 6, false, rate, long_term));
    auto all = GroupOutputs(coins, {1, 6}, false, false);
    auto cg = CoinGrinder(all.positive, 1 * COIN, p.min_change_target, 400000);
    ASSERT_TRUE(cg);
    auto r = ChooseSelectionResult(1 * COIN, all, p, rng);
    ASSERT_TRUE(r);
    EXPECT_LE(r.result->GetWeight(), std::max(cg.result->GetWeight(), 148 * 4));
    EXPECT_GT(r.result->GetWaste(), 0);  // spending now at 5x the long-term rate is waste
}

TEST(CoinSelection, GroupsByScriptWhenAvoidingPartialSpends)
{
    const FeeRate rate(1000);
    SelectionCoin a = MakeCoin(1 * COIN, 68, 6, false, rate, rate), b = MakeCoin(2 * COIN, 68, 6, false, rate, rate),
                  c = MakeCoin(3 * COIN, 68, 6, false, rate, rate);
    b.txout.script_pubkey = a.txout.script_pubkey;
    auto separate = GroupOutputs({a, b, c}, {1, 6}, false, false);
    EXPECT_EQ(separate.positive.size(), 3u);
    auto grouped = GroupOutputs({a, b, c}, {1, 6}, true, false);
    ASSERT_EQ(grouped.positive.size(), 2u);
    EXPECT_EQ(grouped.positive[0].value, 3 * COIN);
    EXPECT_EQ(grouped.positive[0].coins.size(), 2u);
    EXPECT_EQ(grouped.positive[0].weight, 2 * 68 * 4);
    // Dust (effective value <= 0) is only in the mixed groups.
    SelectionCoin dust = MakeCoin(50, 68, 6, false, rate, rate);
    auto d = GroupOutputs({dust}, {1, 6}, false, false);
    EXPECT_TRUE(d.positive.empty());
    EXPECT_EQ(d.mixed.size(), 1u);
}
