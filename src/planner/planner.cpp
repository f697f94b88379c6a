// Energy planner arithmetic (see planner.h): power -> machines -> hashrate -> share of the network -> BTC and cost.
#include "planner/planner.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace planner {
namespace {
constexpr double SAT_PER_BTC = 100000000.0;
constexpr double SECONDS_PER_DAY = 86400.0;

bool Finite(double v) { return std::isfinite(v); }

PlanResult Fail(std::string message)
{
    PlanResult r;
    r.error = std::move(message);
    return r;
}

std::string Num(double v)
{
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.10g", v);
    return buf;
}
}  // namespace

double NetworkHashrate(double difficulty, double target_spacing_s)
{
    return difficulty * HASHES_PER_DIFFICULTY / target_spacing_s;
}

PlanResult MakePlan(const SiteInputs& site, const ChainInputs& chain, const ScenarioInputs& scenario)
{
    for (double v : {site.megawatts, site.hours_per_day, site.efficiency_j_per_th, site.machine_th,
                     site.electricity_usd_per_kwh, site.pue, site.hardware_cost_usd, site.btc_price_usd,
                     chain.difficulty, chain.target_spacing_s, scenario.monthly_difficulty_growth}) {
        if (!Finite(v)) return Fail("inputs must be finite numbers");
    }
    if (site.megawatts <= 0) return Fail("megawatts must be positive");
    if (site.hours_per_day <= 0 || site.hours_per_day > 24) return Fail("hours per day must be in (0, 24]");
    if (site.efficiency_j_per_th <= 0) return Fail("efficiency (J/TH) must be positive");
    if (site.machine_th <= 0) return Fail("machine hashrate (TH/s) must be positive");
    if (site.machine_count < 0) return Fail("machine count cannot be negative");
    if (site.electricity_usd_per_kwh < 0) return Fail("electricity price cannot be negative");
    if (site.pue < 1) return Fail("PUE cannot be below 1 (facility power includes the IT power)");
    if (site.hardware_cost_usd < 0) return Fail("hardware cost cannot be negative");
    if (site.btc_price_usd < 0) return Fail("BTC price cannot be negative");
    if (chain.difficulty <= 0) return Fail("difficulty must be positive");
    if (chain.target_spacing_s <= 0) return Fail("block spacing must be positive");
    if (chain.height < 0) return Fail("height cannot be negative");
    if (chain.avg_fees_sat < 0) return Fail("average fees cannot be negative");
    if (!chain.subsidy_at) return Fail("no subsidy schedule");
    if (scenario.months < 0 || scenario.months > 1200) return Fail("months must be between 0 and 1200");
    if (scenario.monthly_difficulty_growth <= -1) return Fail("monthly difficulty growth must be above -100%");

    Plan plan;
    PlanSummary& s = plan.summary;
    // PUE = facility power / IT power, so only megawatts / PUE reaches the machines.
    s.it_megawatts = site.megawatts / site.pue;
    // W = J/s, and J/TH * TH/s = J/s.
    s.machine_watts = site.machine_th * site.efficiency_j_per_th;
    const int64_t fits = static_cast<int64_t>(std::floor(s.it_megawatts * 1e6 / s.machine_watts + 1e-9));
    if (site.machine_count > 0) {
        if (site.machine_count > fits) {
            const double needed_mw = double(site.machine_count) * s.machine_watts * site.pue / 1e6;
            return Fail("machine count " + std::to_string(site.machine_count) + " needs " + Num(needed_mw) +
                        " MW at this PUE, more than the site's " + Num(site.megawatts) + " MW");
        }
        s.machine_count = site.machine_count;
    } else {
        s.machine_count = fits;
    }
    if (s.machine_count == 0) return Fail("the power does not run a single machine");
    s.hashrate_ths = double(s.machine_count) * site.machine_th;
    s.network_hashrate_ths = NetworkHashrate(chain.difficulty, chain.target_spacing_s) / 1e12;
    s.network_share = s.hashrate_ths / s.network_hashrate_ths;
    const double run_fraction = site.hours_per_day / 24.0;
    const double network_blocks_per_day = SECONDS_PER_DAY / chain.target_spacing_s;
    s.blocks_per_day = s.network_share * network_blocks_per_day * run_fraction;
    s.subsidy_btc = double(chain.subsidy_at(chain.height)) / SAT_PER_BTC;
    s.fees_btc = double(chain.avg_fees_sat) / SAT_PER_BTC;
    s.btc_per_day = s.blocks_per_day * (s.subsidy_btc + s.fees_btc);
    // Only the machines actually running draw power; the facility overhead scales with them.
    const double facility_mw = double(s.machine_count) * s.machine_watts * site.pue / 1e6;
    s.energy_mwh_per_day = facility_mw * site.hours_per_day;
    s.electricity_usd_per_day = s.energy_mwh_per_day * 1000.0 * site.electricity_usd_per_kwh;
    s.revenue_usd_per_day = s.btc_per_day * site.btc_price_usd;
    s.profit_usd_per_day = s.revenue_usd_per_day - s.electricity_usd_per_day;
    if (s.btc_per_day > 0) s.cost_per_btc_usd = s.electricity_usd_per_day / s.btc_per_day;
    if (s.profit_usd_per_day > 0) s.payback_days = site.hardware_cost_usd / s.profit_usd_per_day;

    // Scenarios: difficulty grows each month; the subsidy follows the schedule block by block (halvings).
    double cumulative = -site.hardware_cost_usd;
    double height_pos = chain.height;
    const double blocks_per_month = network_blocks_per_day * DAYS_PER_MONTH;
    for (int m = 0; m < scenario.months; ++m) {
        ScenarioMonth row;
        row.month = m + 1;
        row.start_height = static_cast<int>(height_pos);
        row.difficulty = chain.difficulty * std::pow(1.0 + scenario.monthly_difficulty_growth, m);
        row.network_share = s.hashrate_ths * 1e12 / NetworkHashrate(row.difficulty, chain.target_spacing_s);
        const int end_height = static_cast<int>(height_pos + blocks_per_month);
        double reward_sat = 0;  // sum of subsidy + fees over the network's blocks this month
        for (int h = row.start_height; h < end_height; ++h) reward_sat += double(chain.subsidy_at(h) + chain.avg_fees_sat);
        row.subsidy_btc = double(chain.subsidy_at(row.start_height)) / SAT_PER_BTC;
        row.btc_mined = row.network_share * run_fraction * reward_sat / SAT_PER_BTC;
        row.revenue_usd = row.btc_mined * site.btc_price_usd;
        row.electricity_usd = s.electricity_usd_per_day * DAYS_PER_MONTH;
        row.profit_usd = row.revenue_usd - row.electricity_usd;
        cumulative += row.profit_usd;
        row.cumulative_profit_usd = cumulative;
        if (!plan.payback_month && cumulative >= 0) plan.payback_month = row.month;
        plan.months.push_back(row);
        height_pos += blocks_per_month;
    }
    PlanResult r;
    r.plan = std::move(plan);
    return r;
}

std::string ScenarioCsv(const Plan& plan)
{
    std::ostringstream out;
    out << "month,start_height,difficulty,network_share,subsidy_btc,btc_mined,revenue_usd,electricity_usd,profit_usd,"
           "cumulative_profit_usd\n";
    for (const ScenarioMonth& r : plan.months) {
        out << r.month << ',' << r.start_height << ',' << Num(r.difficulty) << ',' << Num(r.network_share) << ','
            << Num(r.subsidy_btc) << ',' << Num(r.btc_mined) << ',' << Num(r.revenue_usd) << ','
            << Num(r.electricity_usd) << ',' << Num(r.profit_usd) << ',' << Num(r.cumulative_profit_usd) << '\n';
    }
    return out.str();
}

}  // namespace planner
