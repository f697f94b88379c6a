// Energy planner: hand-worked examples (the arithmetic is in the comments) and the impossible-input errors.
#include "planner/planner.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace planner;

namespace {
/** Mainnet's schedule: 50 BTC halving every 210,000 blocks (what GetBlockSubsidy computes). */
int64_t Subsidy(int height)
{
    const int halvings = height / 210000;
    if (halvings >= 64) return 0;
    return (int64_t{50} * 100000000) >> halvings;
}

ChainInputs Chain(double difficulty, int height, int64_t fees_sat)
{
    ChainInputs c;
    c.difficulty = difficulty;
    c.height = height;
    c.avg_fees_sat = fees_sat;
    c.subsidy_at = Subsidy;
    return c;
}

void ExpectRel(double actual, double expected, double rel = 1e-9)
{
    EXPECT_NEAR(actual, expected, std::abs(expected) * rel) << "expected " << expected;
}
}  // namespace

TEST(PlannerTest, TwoGigawattsAtTwentyJoulesIsHundredExahash)
{
    SiteInputs site;
    site.megawatts = 2000;
    site.efficiency_j_per_th = 20;
    site.machine_th = 200;
    site.electricity_usd_per_kwh = 0.05;
    site.hardware_cost_usd = 3e9;
    site.btc_price_usd = 90000;
    // Height 900,000 is in the 4th halving era: 50 / 2^4 = 3.125 BTC; fees 0.05 BTC per block.
    const PlanResult r = MakePlan(site, Chain(1e14, 900000, 5000000), {});
    ASSERT_TRUE(r.plan) << r.error;
    const PlanSummary& s = r.plan->summary;
    // One machine: 200 TH/s * 20 J/TH = 4,000 W. 2,000 MW / 4,000 W = 500,000 machines.
    EXPECT_DOUBLE_EQ(s.machine_watts, 4000);
    EXPECT_EQ(s.machine_count, 500000);
    // 500,000 * 200 TH/s = 1e8 TH/s = 100 EH/s (= 2e9 W / 20 J/TH).
    EXPECT_DOUBLE_EQ(s.hashrate_ths, 1e8);
    // Network: 1e14 * 2^32 / 600 = 7.158278826666667e20 H/s = 715,827,882.67 TH/s.
    ExpectRel(s.network_hashrate_ths, 715827882.6666666);
    // Share: 1e20 / 7.158278826666667e20 = 600e6 / 2^32 = 0.13969838619232178.
    ExpectRel(s.network_share, 0.13969838619232178);
    // Blocks per day: 0.13969838619 * 144 = 20.116567611694336.
    ExpectRel(s.blocks_per_day, 20.116567611694336);
    // BTC per day: 20.1165676117 * (3.125 + 0.05) = 63.87010216712951.
    EXPECT_DOUBLE_EQ(s.subsidy_btc, 3.125);
    ExpectRel(s.btc_per_day, 63.87010216712951);
    // Energy: 2,000 MW * 24 h = 48,000 MWh = 48e6 kWh; * $0.05 = $2,400,000 per day.
    ExpectRel(s.energy_mwh_per_day, 48000);
    ExpectRel(s.electricity_usd_per_day, 2.4e6);
    // Cost per BTC: 2.4e6 / 63.8701021671 = $37,576.27.
    ASSERT_TRUE(s.cost_per_btc_usd);
    ExpectRel(*s.cost_per_btc_usd, 37576.266806649175);
    // Revenue 63.8701021671 * 90,000 = $5,748,309.20; profit $3,348,309.20; payback 3e9 / 3,348,309.20 = 895.97 days.
    ExpectRel(s.revenue_usd_per_day, 5748309.195041656);
    ASSERT_TRUE(s.payback_days);
    ExpectRel(*s.payback_days, 895.9746024777373);
}

TEST(PlannerTest, PueCurtailmentAndMachineCount)
{
    SiteInputs site;
    site.megawatts = 100;
    site.pue = 1.25;
    site.hours_per_day = 12;
    site.efficiency_j_per_th = 25;
    site.machine_th = 100;
    site.electricity_usd_per_kwh = 0.04;
    const PlanResult r = MakePlan(site, Chain(5e13, 900000, 2000000), {});
    ASSERT_TRUE(r.plan) << r.error;
    const PlanSummary& s = r.plan->summary;
    // IT power 100 / 1.25 = 80 MW; a machine draws 100 * 25 = 2,500 W; 80e6 / 2,500 = 32,000 machines.
    EXPECT_DOUBLE_EQ(s.it_megawatts, 80);
    EXPECT_EQ(s.machine_count, 32000);
    // 32,000 * 100 TH/s = 3.2e6 TH/s (3.2 EH/s).
    EXPECT_DOUBLE_EQ(s.hashrate_ths, 3.2e6);
    // Network 5e13 * 2^32 / 600 / 1e12 = 357,913,941.33 TH/s; share 3.2e6 / that = 0.008940696716308594.
    ExpectRel(s.network_share, 0.008940696716308594);
    // 12 of 24 hours: 0.0089406967 * 144 * 0.5 = 0.6437301635742188 blocks; * (3.125 + 0.02) = 2.0245313644 BTC.
    ExpectRel(s.blocks_per_day, 0.6437301635742188);
    ExpectRel(s.btc_per_day, 2.024531364440918);
    // Facility draw 32,000 * 2,500 W * 1.25 = 100 MW for 12 h = 1,200 MWh; * 1,000 * $0.04 = $48,000.
    ExpectRel(s.energy_mwh_per_day, 1200);
    ExpectRel(s.electricity_usd_per_day, 48000);
    // No price given: no revenue, no payback.
    EXPECT_FALSE(s.payback_days);

    // A fixed fleet of 1,000 machines uses only part of the power: 1,000 * 100 TH/s = 1e5 TH/s.
    site.machine_count = 1000;
    const PlanResult fixed = MakePlan(site, Chain(5e13, 900000, 0), {});
    ASSERT_TRUE(fixed.plan) << fixed.error;
    EXPECT_DOUBLE_EQ(fixed.plan->summary.hashrate_ths, 1e5);
    // 1,000 * 2,500 W * 1.25 = 3.125 MW for 12 h = 37.5 MWh.
    ExpectRel(fixed.plan->summary.energy_mwh_per_day, 37.5);
}

TEST(PlannerTest, ScenarioCrossesTheHalvingAndDifficultyGrows)
{
    SiteInputs site;
    site.megawatts = 2000;
    site.efficiency_j_per_th = 20;
    site.btc_price_usd = 50000;
    site.electricity_usd_per_kwh = 0;
    site.hardware_cost_usd = 1e9;
    ScenarioInputs sc;
    sc.months = 3;
    sc.monthly_difficulty_growth = 0.10;
    // Start 2,000 blocks before the 840,000 halving, no fees.
    const PlanResult r = MakePlan(site, Chain(1e14, 838000, 0), sc);
    ASSERT_TRUE(r.plan) << r.error;
    const auto& m = r.plan->months;
    ASSERT_EQ(m.size(), 3u);
    const double share = 0.13969838619232178;  // as in the first test (same power, efficiency, difficulty)
    // A month is 144 * 30.4375 = 4,383 network blocks.
    // Month 1: 2,000 blocks at 6.25 + 2,383 at 3.125 = 12,500 + 7,446.875 = 19,946.875 BTC of network reward.
    EXPECT_EQ(m[0].start_height, 838000);
    EXPECT_DOUBLE_EQ(m[0].subsidy_btc, 6.25);
    ExpectRel(m[0].btc_mined, share * 19946.875);
    // Month 2: difficulty * 1.1, share / 1.1; 4,383 blocks at 3.125 = 13,696.875 BTC.
    EXPECT_EQ(m[1].start_height, 842383);
    ExpectRel(m[1].difficulty, 1.1e14);
    ExpectRel(m[1].btc_mined, share / 1.1 * 13696.875);
    // Month 3: difficulty * 1.21.
    ExpectRel(m[2].difficulty, 1.21e14);
    ExpectRel(m[2].btc_mined, share / 1.21 * 13696.875);
    // Free power: profit = revenue; cumulative starts at -$1e9. Month 1: 0.1396983862 * 19,946.875 * 50,000
    // = $139,327,374.5 so payback is not within three months (the sum stays below $1e9).
    ExpectRel(m[0].cumulative_profit_usd, share * 19946.875 * 50000 - 1e9);
    EXPECT_FALSE(r.plan->payback_month);
    const std::string csv = ScenarioCsv(*r.plan);
    EXPECT_EQ(csv.substr(0, csv.find('\n')),
              "month,start_height,difficulty,network_share,subsidy_btc,btc_mined,revenue_usd,electricity_usd,"
              "profit_usd,cumulative_profit_usd");
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);
}

TEST(PlannerTest, NetworkHashrateFromDifficulty)
{
    // Difficulty 1 is 2^32 hashes per block: 2^32 / 600 = 7,158,278.83 H/s.
    ExpectRel(NetworkHashrate(1), 4294967296.0 / 600);
}

TEST(PlannerTest, ImpossibleInputsAreRejected)
{
    SiteInputs good;
    good.megawatts = 10;
    good.efficiency_j_per_th = 20;
    const ChainInputs chain = Chain(1e14, 900000, 0);
    ASSERT_TRUE(MakePlan(good, chain, {}).plan);
    auto fails = [&](SiteInputs s, const std::string& needle, ChainInputs c, ScenarioInputs sc = {}) {
        const PlanResult r = MakePlan(s, c, sc);
        EXPECT_FALSE(r.plan);
        EXPECT_NE(r.error.find(needle), std::string::npos) << r.error;
    };
    SiteInputs s = good;
    s.megawatts = -5;
    fails(s, "megawatts must be positive", chain);
    s = good;
    s.efficiency_j_per_th = 0;
    fails(s, "efficiency", chain);
    s = good;
    s.hours_per_day = 25;
    fails(s, "hours per day", chain);
    s = good;
    s.hours_per_day = 0;
    fails(s, "hours per day", chain);
    s = good;
    s.pue = 0.9;
    fails(s, "PUE", chain);
    s = good;
    s.electricity_usd_per_kwh = -0.01;
    fails(s, "electricity", chain);
    s = good;
    s.megawatts = NAN;
    fails(s, "finite", chain);
    // 10 MW / 4,000 W = 2,500 machines fit; 3,000 need 12 MW.
    s = good;
    s.machine_count = 3000;
    fails(s, "needs 12 MW", chain);
    s = good;
    s.megawatts = 0.001;  // 1 kW runs no 4 kW machine
    fails(s, "single machine", chain);
    fails(good, "difficulty must be positive", Chain(0, 1, 0));
    ScenarioInputs sc;
    sc.months = 3;
    sc.monthly_difficulty_growth = -1;
    fails(good, "growth", chain, sc);
}
