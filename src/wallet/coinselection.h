// Coin selection as Bitcoin Core's wallet: output groups, effective values, Branch-and-Bound, CoinGrinder, Knapsack,
// Single Random Draw, the waste metric, and the choice of the least wasteful result (Core's coinselection.cpp and
// the selection part of spend.cpp). Pure functions over coins; the wallet supplies the coins and the parameters.
#pragma once

#include "policy/feerate.h"
#include "primitives/transaction.h"

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

/** Core's coin selection constants. */
constexpr Amount CHANGE_LOWER{50000};     // lower bound of the random change target
constexpr Amount CHANGE_UPPER{1000000};   // upper bound of the random change target
constexpr size_t SELECTION_TOTAL_TRIES{100000};  // BnB and CoinGrinder search budget
constexpr size_t OUTPUT_GROUP_MAX_ENTRIES{100};  // coins per script group when avoiding partial spends
constexpr Amount DEFAULT_DISCARD_FEE{10000};       // sat/kvB: -discardfee
constexpr Amount DEFAULT_CONSOLIDATE_FEERATE{10000};  // sat/kvB: -consolidatefeerate (the long-term fee rate)
constexpr int MAX_STANDARD_TX_WEIGHT_SEL{400000};

/** The randomness coin selection uses (Knapsack, SRD, the change target, the change position). Production seeds it
 *  from the OS; tests seed it with a constant so results are reproducible. */
class SelectionRng
{
public:
    explicit SelectionRng(uint64_t seed) : m_engine(seed) {}
    SelectionRng();  // seeded from std::random_device
    /** Uniform in [0, range); range must be positive. */
    uint64_t RandRange(uint64_t range) { return std::uniform_int_distribution<uint64_t>(0, range - 1)(m_engine); }
    /** One bit of a cached 64-bit draw (Knapsack asks for millions; Core's randbool caches bits too). */
    bool RandBool()
    {
        if (m_bitcount == 0) {
            m_bits = m_engine();
            m_bitcount = 64;
        }
        const bool bit = (m_bits & 1) != 0;
        m_bits >>= 1;
        --m_bitcount;
        return bit;
    }
    template <typename T>
    void Shuffle(std::vector<T>& v)
    {
        // Fisher-Yates with our own RandRange, so that the permutation does not depend on the standard library.
        for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[RandRange(i)]);
    }

private:
    std::mt19937_64 m_engine;
    uint64_t m_bits{0};
    int m_bitcount{0};
};

/** A spendable coin with its spending size and the fees of spending it now and in the long term (Core's COutput). */
struct SelectionCoin {
    OutPoint outpoint;
    TxOut txout;
    int input_bytes{-1};  // virtual size of the signed input (the spending transaction's share)
    int depth{0};
    bool from_me{false};
    int type{0};                // output type (Core selects within one type before mixing types)
    Amount fee{0};              // at the effective fee rate
    Amount long_term_fee{0};    // at the long-term (consolidation) fee rate
    Amount effective_value{0};  // value - fee

    SelectionCoin() = default;
    SelectionCoin(const OutPoint& op, const TxOut& out, int bytes, int depth_, bool mine, int type_, const FeeRate& fee_rate,
                  const FeeRate& long_term_rate);
    Amount Value() const { return txout.value; }
    int Weight() const { return input_bytes * 4; }
};

/** Coins spent together (Core's OutputGroup): all coins to one script when avoiding partial spends, else one each. */
struct OutputGroup {
    std::vector<SelectionCoin> coins;
    Amount value{0};
    Amount effective_value{0};
    Amount fee{0};
    Amount long_term_fee{0};
    int weight{0};
    int depth{999999};  // the least confirmed coin's depth
    bool from_me{true};
    bool subtract_fee_outputs{false};  // select by value (fees come out of the recipients) instead of effective value

    void Insert(const SelectionCoin& coin);
    Amount GetSelectionAmount() const { return subtract_fee_outputs ? value : effective_value; }
};

/** Which coins may be selected in one attempt (Core's CoinEligibilityFilter, without the ancestor limits). */
struct CoinEligibilityFilter {
    int conf_mine{0};    // minimum confirmations of coins from our own transactions
    int conf_theirs{0};  // minimum confirmations of coins others sent us
    bool Eligible(const OutputGroup& g) const { return g.depth >= (g.from_me ? conf_mine : conf_theirs); }
};

struct Groups {
    std::vector<OutputGroup> positive;  // groups with positive effective value (BnB, CoinGrinder, SRD)
    std::vector<OutputGroup> mixed;     // all groups (Knapsack keeps Core's legacy of spending dust)
};

/** Groups the coins (by script when avoid_partial_spends, at most OUTPUT_GROUP_MAX_ENTRIES each; else one group per
 *  coin), keeping those the filter admits. */
Groups GroupOutputs(const std::vector<SelectionCoin>& coins, const CoinEligibilityFilter& filter, bool avoid_partial_spends,
                    bool subtract_fee_outputs);

enum class SelectionAlgorithm { BNB, KNAPSACK, SRD, CG, MANUAL };
std::string AlgorithmName(SelectionAlgorithm algo);

class SelectionResult
{
public:
    SelectionResult(Amount target, SelectionAlgorithm algo) : m_target(target), m_algo(algo) {}
    void AddInput(const OutputGroup& group);
    void Clear();
    const std::vector<SelectionCoin>& Inputs() const { return m_inputs; }
    Amount GetSelectedValue() const;
    Amount GetSelectedEffectiveValue() const;
    Amount GetTarget() const { return m_target; }
    int GetWeight() const { return m_weight; }
    SelectionAlgorithm Algorithm() const { return m_algo; }
    bool UseEffective() const { return m_use_effective; }
    /** Change left after paying the target and the change output's own fee; 0 when below min_viable_change (the
     *  remainder then goes to the fee). */
    Amount GetChange(Amount min_viable_change, Amount change_fee) const;
    /** Core's waste: the inputs' (fee - long-term fee), plus the cost of change when there is change, else the excess
     *  over the target that goes to the fee. */
    void RecalculateWaste(Amount min_viable_change, Amount change_cost, Amount change_fee);
    Amount GetWaste() const { return m_waste.value_or(0); }
    bool HasWaste() const { return m_waste.has_value(); }
    void SetAlgoCompleted(bool completed) { m_completed = completed; }
    bool AlgoCompleted() const { return m_completed; }
    /** Less waste first; at equal waste, more inputs (Core consolidates when it is free). */
    bool operator<(const SelectionResult& other) const;

private:
    std::vector<SelectionCoin> m_inputs;
    Amount m_target;
    SelectionAlgorithm m_algo;
    bool m_use_effective{false};
    int m_weight{0};
    bool m_completed{true};
    std::optional<Amount> m_waste;
};

/** A selection attempt's failure: Core distinguishes "too heavy" from "not enough". */
struct SelectionError {
    bool max_weight_exceeded{false};
};

template <typename T>
struct SelectionOutcome {
    std::optional<T> result;
    SelectionError error;
    explicit operator bool() const { return result.has_value(); }
};

/** Branch-and-Bound: a changeless input set whose selection amount is within [target, target + cost_of_change],
 *  least waste first (Core's SelectCoinsBnB). */
SelectionOutcome<SelectionResult> SelectCoinsBnB(std::vector<OutputGroup> pool, Amount selection_target, Amount cost_of_change,
                                                 int max_weight);
/** CoinGrinder: the lightest input set reaching target + change_target (Core's CoinGrinder, used at high fee rates). */
SelectionOutcome<SelectionResult> CoinGrinder(std::vector<OutputGroup> pool, Amount selection_target, Amount change_target,
                                              int max_weight);
/** Knapsack: an exact match, else the stochastic subset closest above target + change_target (Core's KnapsackSolver). */
SelectionOutcome<SelectionResult> KnapsackSolver(std::vector<OutputGroup> groups, Amount target, Amount change_target,
                                                 SelectionRng& rng, int max_weight);
/** Single Random Draw: random coins until target + CHANGE_LOWER + change_fee (Core's SelectCoinsSRD). */
SelectionOutcome<SelectionResult> SelectCoinsSRD(const std::vector<OutputGroup>& pool, Amount target, Amount change_fee,
                                                 SelectionRng& rng, int max_weight);

/** Core's GenerateChangeTarget: CHANGE_LOWER for small payments, else random in [CHANGE_LOWER, min(2 * payment,
 *  CHANGE_UPPER)), plus the change output's fee. */
Amount GenerateChangeTarget(Amount payment_value, Amount change_fee, SelectionRng& rng);

/** What the wallet knows when it selects (Core's CoinSelectionParams). */
struct CoinSelectionParams {
    FeeRate effective_feerate;
    FeeRate long_term_feerate{DEFAULT_CONSOLIDATE_FEERATE};
    FeeRate discard_feerate{DEFAULT_DISCARD_FEE};
    int change_output_size{31};  // P2WPKH output
    int change_spend_size{68};   // P2WPKH input
    Amount change_fee{0};        // effective rate x change_output_size
    Amount cost_of_change{0};    // change_fee + discard rate x change_spend_size
    Amount min_change_target{0};
    Amount min_viable_change{0};
    int tx_noinputs_size{0};
    bool subtract_fee_outputs{false};
    bool avoid_partial_spends{false};
    bool include_unsafe{false};  // a last pass admits unconfirmed coins from others

    /** Fills the change fee, cost of change, change target and minimum viable change from the rates and sizes, as
     *  Core's CreateTransactionInternal; dust_threshold is the change output's dust threshold at the discard rate. */
    void Derive(Amount recipients_sum, size_t recipient_count, Amount dust_threshold, SelectionRng& rng);
};

/** Runs every algorithm on the groups and returns the least wasteful result (Core's ChooseSelectionResult). */
SelectionOutcome<SelectionResult> ChooseSelectionResult(Amount target, Groups& groups, const CoinSelectionParams& params,
                                                        SelectionRng& rng);

/** Tries the eligibility filters from the strictest (Core's order: 1 confirmation for our own coins, 6 for others'; then 1
 *  and 1; then unconfirmed change) and returns the first success. */
SelectionOutcome<SelectionResult> AutomaticCoinSelection(const std::vector<SelectionCoin>& coins, Amount target,
                                                         const CoinSelectionParams& params, SelectionRng& rng);
