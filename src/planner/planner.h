// Energy planner: what a site of given power and machines would mine (hashrate, share of the network, BTC per day,
// cost per BTC, payback) and month-by-month scenarios with difficulty growth and halvings. Pure functions, no I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace planner {

/** 2^32: the expected number of hashes per unit of difficulty (difficulty 1 = target 0x00000000ffff0000...). */
inline constexpr double HASHES_PER_DIFFICULTY = 4294967296.0;
/** Average month used by the scenarios (365.25 / 12 days). */
inline constexpr double DAYS_PER_MONTH = 30.4375;

struct SiteInputs {
    double megawatts{0};            // facility power (what the utility delivers), MW
    double hours_per_day{24};       // hours the site runs each day (curtailment)
    double efficiency_j_per_th{0};  // machine efficiency, joules per terahash
    double machine_th{200};         // hashrate of one machine, TH/s
    int64_t machine_count{0};       // 0: as many machines as the IT power feeds
    double electricity_usd_per_kwh{0};
    double pue{1.0};                // power usage effectiveness: facility power / IT power (>= 1)
    double hardware_cost_usd{0};    // total for the fleet
    double btc_price_usd{0};
};

/** What the planner needs from the chain: a snapshot taken by the caller (the node's RPC, or a test). */
struct ChainInputs {
    double difficulty{0};          // current difficulty (next block)
    int height{0};                 // height of the next block
    double target_spacing_s{600};  // seconds per block (Core's nPowTargetSpacing)
    int64_t avg_fees_sat{0};       // recent average fees per block, satoshis
    /** Block subsidy in satoshis at a height (the node passes GetBlockSubsidy). */
    std::function<int64_t(int)> subsidy_at;
};

struct ScenarioInputs {
    int months{0};                       // 0: no scenario rows
    double monthly_difficulty_growth{0};  // 0.02 = +2% difficulty per month
};

struct PlanSummary {
    double it_megawatts{0};        // megawatts / PUE: power that reaches the machines
    double machine_watts{0};       // one machine's draw: machine_th * J/TH
    int64_t machine_count{0};
    double hashrate_ths{0};        // fleet hashrate while running, TH/s
    double network_hashrate_ths{0};  // difficulty * 2^32 / spacing, in TH/s
    double network_share{0};       // hashrate / network hashrate while the site runs
    double blocks_per_day{0};
    double subsidy_btc{0};         // at the next height
    double fees_btc{0};            // average fees per block
    double btc_per_day{0};
    double energy_mwh_per_day{0};  // facility energy actually used
    double electricity_usd_per_day{0};
    double revenue_usd_per_day{0};
    double profit_usd_per_day{0};
    std::optional<double> cost_per_btc_usd;  // electricity per BTC mined (none when nothing is mined)
    std::optional<double> payback_days;      // hardware cost / daily profit (none when profit <= 0)
};

struct ScenarioMonth {
    int month{0};           // 1-based
    int start_height{0};
    double difficulty{0};
    double network_share{0};
    double subsidy_btc{0};  // at the first block of the month
    double btc_mined{0};
    double revenue_usd{0};
    double electricity_usd{0};
    double profit_usd{0};
    double cumulative_profit_usd{0};  // minus the hardware cost at the start
};

struct Plan {
    PlanSummary summary;
    std::vector<ScenarioMonth> months;
    std::optional<int> payback_month;  // first month whose cumulative profit covers the hardware
};

struct PlanResult {
    std::optional<Plan> plan;
    std::string error;  // set when plan is empty
};

/** Network hashrate in hashes per second implied by a difficulty: difficulty * 2^32 / spacing. */
double NetworkHashrate(double difficulty, double target_spacing_s = 600);

/** Checks the inputs and computes the plan; a readable error for impossible inputs (negative power, zero
 *  efficiency, more than 24 hours a day, PUE below 1, too many machines for the power, ...). */
PlanResult MakePlan(const SiteInputs& site, const ChainInputs& chain, const ScenarioInputs& scenario);

/** The scenario rows as CSV with a header line. */
std::string ScenarioCsv(const Plan& plan);

}  // namespace planner
