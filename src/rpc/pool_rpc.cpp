// planmining and the pool RPCs (see pool_rpc.h).
#include "rpc/pool_rpc.h"

#include "planner/planner.h"
#include "pool/pool.h"
#include "rpc/node_rpc.h"
#include "rpc/protocol.h"
#include "rpc/util.h"

#include <cmath>
#include <cstdio>

using Arg = RpcArg;
using Res = RpcResult;

namespace {
JsonValue Real(double v)
{
    if (!std::isfinite(v)) return JsonValue();
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.16g", v);
    return JsonValue::Number(buf);
}

/** Difficulty of compact bits as Core's GetDifficulty (multiples of the 0x1d00ffff target). */
double BitsDifficulty(uint32_t bits)
{
    int shift = (bits >> 24) & 0xff;
    double diff = 65535.0 / static_cast<double>(bits & 0x00ffffff);
    for (; shift < 29; ++shift) diff *= 256.0;
    for (; shift > 29; --shift) diff /= 256.0;
    return diff;
}

/** Average fees per block over the last `blocks` blocks: coinbase outputs minus the subsidy. */
int64_t RecentAverageFees(ChainstateManager& cm, int blocks)
{
    std::lock_guard lock(cm.Mutex());
    const ConsensusParams& params = cm.Params().consensus;
    int64_t total = 0;
    int counted = 0;
    for (const BlockIndex* index = cm.Tip(); index && index->height > 0 && counted < blocks; index = index->pprev) {
        auto block = cm.ReadBlock(*index);
        if (!block || block->vtx.empty()) break;  // pruned: average what we have
        int64_t out = 0;
        for (const TxOut& o : block->vtx[0]->vout) out += o.value;
        total += std::max<int64_t>(out - GetBlockSubsidy(index->height, params), 0);
        ++counted;
    }
    return counted ? total / counted : 0;
}

double NumArg(const RpcMethod& self, const JsonRpcRequest& req, size_t i)
{
    const JsonValue* v = ArgOrDefault(self, req, i);
    return v ? JsonGetReal(*v) : 0;
}

RpcMethod PlanMining(NodeContext& node)
{
    return RpcMethod{
        "planmining",
        "Plans a mining site: hashrate from power and machine efficiency, share of the network at the current\n"
        "difficulty, expected blocks and BTC per day, electricity cost per BTC, payback days, and month-by-month\n"
        "scenarios with difficulty growth and the subsidy schedule (halvings).\n",
        {
            Arg{"megawatts", Arg::Type::NUM, Arg::Optional::NO, "Facility power in MW"},
            Arg{"efficiency", Arg::Type::NUM, Arg::Optional::NO, "Machine efficiency in J/TH"},
            Arg{"btc_price", Arg::Type::NUM, Arg::Default{JsonValue(0)}, "BTC price in USD"},
            Arg{"electricity_price", Arg::Type::NUM, Arg::Default{JsonValue::Number("0.05")}, "Electricity in USD per kWh"},
            Arg{"hours_per_day", Arg::Type::NUM, Arg::Default{JsonValue(24)}, "Hours the site runs each day"},
            Arg{"pue", Arg::Type::NUM, Arg::Default{JsonValue::Number("1.0")}, "Power usage effectiveness (>= 1)"},
            Arg{"machine_hashrate", Arg::Type::NUM, Arg::Default{JsonValue(200)}, "Hashrate of one machine in TH/s"},
            Arg{"machines", Arg::Type::NUM, Arg::Default{JsonValue(0)}, "Number of machines (0: as many as the power runs)"},
            Arg{"hardware_cost", Arg::Type::NUM, Arg::Default{JsonValue(0)}, "Hardware cost of the fleet in USD"},
            Arg{"months", Arg::Type::NUM, Arg::Default{JsonValue(24)}, "Months of scenario"},
            Arg{"difficulty_growth", Arg::Type::NUM, Arg::Default{JsonValue(0)}, "Difficulty growth per month in percent"},
            Arg{"fees", Arg::Type::NUM, Arg::DefaultHint{"average of the last 144 blocks"}, "Fees per block in BTC"},
            Arg{"difficulty", Arg::Type::NUM, Arg::DefaultHint{"the tip's difficulty"}, "Network difficulty"},
            Arg{"format", Arg::Type::STR, Arg::Default{JsonValue("json")}, "\"json\", or \"csv\" for the scenario table"},
        },
        {Res{"for format json", Res::Type::OBJ, "", "",
             {Res{Res::Type::OBJ, "summary", "hashrate, network share, blocks and BTC per day, costs"},
              Res{Res::Type::ARR, "months", "scenario rows", {Res{Res::Type::OBJ, "", "a month", {Res{Res::Type::ANY, "", ""}}}}}}},
         Res{"for format csv", Res::Type::STR, "", "the scenario table as CSV"}},
        HelpExampleCli("planmining", "2000 20 90000") +
            HelpExampleCli("-named planmining", "megawatts=50 efficiency=18 btc_price=90000 pue=1.1 months=36 format=csv") +
            HelpExampleRpc("planmining", "2000, 20, 90000"),
        [&node](const RpcMethod& self, const JsonRpcRequest& req) -> JsonValue {
            ChainstateManager& cm = EnsureChainman(node);
            planner::SiteInputs site;
            site.megawatts = JsonGetReal(req.params[0]);
            site.efficiency_j_per_th = JsonGetReal(req.params[1]);
            site.btc_price_usd = NumArg(self, req, 2);
            site.electricity_usd_per_kwh = NumArg(self, req, 3);
            site.hours_per_day = NumArg(self, req, 4);
            site.pue = NumArg(self, req, 5);
            site.machine_th = NumArg(self, req, 6);
            const double machines = NumArg(self, req, 7);
            if (machines < 0 || machines != std::floor(machines) || machines > 1e12) {
                throw RpcError(RPC_INVALID_PARAMETER, "machines must be a whole number, 0 or more");
            }
            site.machine_count = static_cast<int64_t>(machines);
            site.hardware_cost_usd = NumArg(self, req, 8);
            planner::ScenarioInputs scenario;
            const double months = NumArg(self, req, 9);
            if (months != std::floor(months) || months < 0 || months > 1200) {
                throw RpcError(RPC_INVALID_PARAMETER, "months must be a whole number between 0 and 1200");
            }
            scenario.months = static_cast<int>(months);
            scenario.monthly_difficulty_growth = NumArg(self, req, 10) / 100.0;
            planner::ChainInputs chain;
            const ConsensusParams& params = cm.Params().consensus;
            {
                std::lock_guard lock(cm.Mutex());
                chain.height = cm.Tip()->height + 1;
                chain.difficulty = BitsDifficulty(cm.Tip()->bits);
            }
            chain.target_spacing_s = static_cast<double>(params.pow_target_spacing);
            chain.subsidy_at = [&params](int h) { return GetBlockSubsidy(h, params); };
            if (!req.params[11].IsNull()) {
                chain.avg_fees_sat = AmountFromValue(req.params[11]);
            } else {
                chain.avg_fees_sat = RecentAverageFees(cm, 144);
            }
            if (!req.params[12].IsNull()) chain.difficulty = JsonGetReal(req.params[12]);
            const std::string format = JsonGetStr(*ArgOrDefault(self, req, 13));
            if (format != "json" && format != "csv") throw RpcError(RPC_INVALID_PARAMETER, "format must be json or csv");

            const planner::PlanResult result = planner::MakePlan(site, chain, scenario);
            if (!result.plan) throw RpcError(RPC_INVALID_PARAMETER, result.error);
            const planner::Plan& plan = *result.plan;
            if (format == "csv") return JsonValue(planner::ScenarioCsv(plan));
            const planner::PlanSummary& s = plan.summary;
            JsonValue sum = JsonValue::Object();
            sum.PushKV("it_megawatts", Real(s.it_megawatts));
            sum.PushKV("machine_watts", Real(s.machine_watts));
            sum.PushKV("machines", s.machine_count);
            sum.PushKV("hashrate_ths", Real(s.hashrate_ths));
            sum.PushKV("hashrate_ehs", Real(s.hashrate_ths / 1e6));
            sum.PushKV("difficulty", Real(chain.difficulty));
            sum.PushKV("network_hashrate_ehs", Real(s.network_hashrate_ths / 1e6));
            sum.PushKV("network_share", Real(s.network_share));
            sum.PushKV("height", chain.height);
            sum.PushKV("subsidy_btc", Real(s.subsidy_btc));
            sum.PushKV("fees_btc", Real(s.fees_btc));
            sum.PushKV("blocks_per_day", Real(s.blocks_per_day));
            sum.PushKV("btc_per_day", Real(s.btc_per_day));
            sum.PushKV("energy_mwh_per_day", Real(s.energy_mwh_per_day));
            sum.PushKV("electricity_usd_per_day", Real(s.electricity_usd_per_day));
            sum.PushKV("revenue_usd_per_day", Real(s.revenue_usd_per_day));
            sum.PushKV("profit_usd_per_day", Real(s.profit_usd_per_day));
            sum.PushKV("cost_per_btc_usd", s.cost_per_btc_usd ? Real(*s.cost_per_btc_usd) : JsonValue());
            sum.PushKV("payback_days", s.payback_days ? Real(*s.payback_days) : JsonValue());
            JsonValue rows = JsonValue::Array();
            for (const planner::ScenarioMonth& m : plan.months) {
                JsonValue o = JsonValue::Object();
                o.PushKV("month", m.month);
                o.PushKV("start_height", m.start_height);
                o.PushKV("difficulty", Real(m.difficulty));
                o.PushKV("network_share", Real(m.network_share));
                o.PushKV("subsidy_btc", Real(m.subsidy_btc));
                o.PushKV("btc_mined", Real(m.btc_mined));
                o.PushKV("revenue_usd", Real(m.revenue_usd));
                o.PushKV("electricity_usd", Real(m.electricity_usd));
                o.PushKV("profit_usd", Real(m.profit_usd));
                o.PushKV("cumulative_profit_usd", Real(m.cumulative_profit_usd));
                rows.PushBack(std::move(o));
            }
            JsonValue r = JsonValue::Object();
            r.PushKV("summary", std::move(sum));
            r.PushKV("months", std::move(rows));
            r.PushKV("payback_month", plan.payback_month ? JsonValue(*plan.payback_month) : JsonValue());
            return r;
        }};
}

pool::StratumPool& EnsurePool(const std::function<pool::StratumPool*()>& get)
{
    pool::StratumPool* p = get ? get() : nullptr;
    if (!p) throw RpcError(RPC_MISC_ERROR, "The Stratum pool is not running (start sovereignd with -stratum)");
    return *p;
}
}  // namespace

void RegisterPlannerRpcCommands(RpcTable& table, NodeContext& node) { table.Register("mining", PlanMining(node)); }

void RegisterPoolRpcCommands(RpcTable& table, std::function<pool::StratumPool*()> get_pool)
{
    table.Register("mining", RpcMethod{"getpoolinfo",
                                       "Returns the Stratum pool's state: port, payout, current job, connections, share "
                                       "and block totals (this session and lifetime), per-site sums.\n",
                                       {},
                                       {Res{Res::Type::OBJ_DYN, "", "pool state", {Res{Res::Type::ANY, "", ""}}}},
                                       HelpExampleCli("getpoolinfo", "") + HelpExampleRpc("getpoolinfo", ""),
                                       [get_pool](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
                                           return EnsurePool(get_pool).Info();
                                       }});
    table.Register("mining", RpcMethod{"listpoolworkers",
                                       "Lists every worker (site.machine) the pool has seen with accepted and rejected "
                                       "shares, accepted work, hashrate estimate and blocks.\n",
                                       {},
                                       {Res{Res::Type::ARR, "", "", {Res{Res::Type::OBJ, "", "a worker", {Res{Res::Type::ANY, "", ""}}}}}},
                                       HelpExampleCli("listpoolworkers", "") + HelpExampleRpc("listpoolworkers", ""),
                                       [get_pool](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
                                           return EnsurePool(get_pool).Workers();
                                       }});
    table.Register("mining",
                   RpcMethod{"getpoolshares",
                             "Returns the PPLNS window (the last N accepted shares grouped by worker, with each "
                             "worker's fraction of the work) and the blocks the pool found.\n",
                             {Arg{"count", Arg::Type::NUM, Arg::DefaultHint{"-stratumpplnswindow"},
                                  "Shares in the window"}},
                             {Res{Res::Type::OBJ, "", "", {Res{Res::Type::ANY, "", ""}}}},
                             HelpExampleCli("getpoolshares", "1000") + HelpExampleRpc("getpoolshares", "1000"),
                             [get_pool](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
                                 const int64_t count = req.params[0].IsNull() ? 0 : JsonGetInt64(req.params[0]);
                                 if (count < 0) throw RpcError(RPC_INVALID_PARAMETER, "count must not be negative");
                                 return EnsurePool(get_pool).Shares(count);
                             }});
}
