// Coin selection algorithms; see coinselection.h.
#include "wallet/coinselection.h"

#include <algorithm>
#include <limits>
#include <map>
#include <numeric>
#include <queue>

SelectionRng::SelectionRng() : m_engine((static_cast<uint64_t>(std::random_device()()) << 32) ^ std::random_device()()) {}

SelectionCoin::SelectionCoin(const OutPoint& op, const TxOut& out, int bytes, int depth_, bool mine, int type_,
                             const FeeRate& fee_rate, const FeeRate& long_term_rate)
    : outpoint(op), txout(out), input_bytes(bytes), depth(depth_), from_me(mine), type(type_)
{
    // Core's COutput: a coin of unknown size has no fee (it cannot be sized, so it is never auto-selected).
    fee = bytes < 0 ? 0 : fee_rate.GetFee(bytes);
    long_term_fee = bytes < 0 ? 0 : long_term_rate.GetFee(bytes);
    effective_value = out.value - fee;
}

void OutputGroup::Insert(const SelectionCoin& coin)
{
    coins.push_back(coin);
    value += coin.Value();
    effective_value += coin.effective_value;
    fee += coin.fee;
    long_term_fee += coin.long_term_fee;
    weight += coin.Weight();
    depth = std::min(depth, coin.depth);
    // A group is "from me" only if all of its coins are (Core: m_from_me &= from_me).
    from_me = from_me && coin.from_me;
}

Groups GroupOutputs(const std::vector<SelectionCoin>& coins, const CoinEligibilityFilter& filter, bool avoid_partial_spends,
                    bool subtract_fee_outputs)
{
    Groups out;
    auto add = [&](OutputGroup g) {
        if (!filter.Eligible(g)) return;
        if (g.effective_value > 0) out.positive.push_back(g);
        out.mixed.push_back(std::move(g));
    };
    if (!avoid_partial_spends) {
        for (const SelectionCoin& c : coins) {
            OutputGroup g;
            g.subtract_fee_outputs = subtract_fee_outputs;
            g.Insert(c);
            add(std::move(g));
        }
        return out;
    }
    // Avoid partial spends: every coin to one script is spent together, in groups of at most
    // OUTPUT_GROUP_MAX_ENTRIES (Core fills groups in the order the coins come and keeps a full one).
    std::map<Script, std::vector<OutputGroup>> by_script;
    std::vector<Script> order;
    for (const SelectionCoin& c : coins) {
        auto& groups = by_script[c.txout.script_pubkey];
        if (groups.empty()) order.push_back(c.txout.script_pubkey);
        if (groups.empty() || groups.back().coins.size() >= OUTPUT_GROUP_MAX_ENTRIES) {
            groups.emplace_back();
            groups.back().subtract_fee_outputs = subtract_fee_outputs;
        }
        groups.back().Insert(c);
    }
    for (const Script& s : order) {
        for (OutputGroup& g : by_script[s]) add(std::move(g));
    }
    return out;
}

std::string AlgorithmName(SelectionAlgorithm algo)
{
    switch (algo) {
    case SelectionAlgorithm::BNB: return "bnb";
    case SelectionAlgorithm::KNAPSACK: return "knapsack";
    case SelectionAlgorithm::SRD: return "srd";
    case SelectionAlgorithm::CG: return "cg";
    case SelectionAlgorithm::MANUAL: return "manual";
    }
    return "unknown";
}

void SelectionResult::AddInput(const OutputGroup& group)
{
    for (const SelectionCoin& c : group.coins) m_inputs.push_back(c);
    m_use_effective = !group.subtract_fee_outputs;
    m_weight += group.weight;
}

void SelectionResult::Clear()
{
    m_inputs.clear();
    m_weight = 0;
    m_waste.reset();
}

Amount SelectionResult::GetSelectedValue() const
{
    Amount sum = 0;
    for (const SelectionCoin& c : m_inputs) sum += c.Value();
    return sum;
}

Amount SelectionResult::GetSelectedEffectiveValue() const
{
    Amount sum = 0;
    for (const SelectionCoin& c : m_inputs) sum += c.effective_value;
    return sum;
}

Amount SelectionResult::GetChange(Amount min_viable_change, Amount change_fee) const
{
    // Without fee subtraction the inputs' fees are in the effective values and the other fees in the target; with it
    // the recipients pay every fee.
    const Amount change = m_use_effective ? GetSelectedEffectiveValue() - m_target - change_fee : GetSelectedValue() - m_target;
    return change < min_viable_change ? 0 : change;
}

void SelectionResult::RecalculateWaste(Amount min_viable_change, Amount change_cost, Amount change_fee)
{
    Amount waste = 0;
    // Spending an input now instead of at the long-term rate.
    for (const SelectionCoin& c : m_inputs) waste += c.fee - c.long_term_fee;
    if (GetChange(min_viable_change, change_fee) != 0) {
        waste += change_cost;  // creating the change output now and spending it later
    } else {
        waste += (m_use_effective ? GetSelectedEffectiveValue() : GetSelectedValue()) - m_target;  // excess to the fee
    }
    m_waste = waste;
}

bool SelectionResult::operator<(const SelectionResult& other) const
{
    const Amount a = m_waste.value_or(0), b = other.m_waste.value_or(0);
    return a < b || (a == b && m_inputs.size() > other.m_inputs.size());
}

SelectionOutcome<SelectionResult> SelectCoinsBnB(std::vector<OutputGroup> pool, Amount selection_target, Amount cost_of_change,
                                                 int max_weight)
{
    SelectionOutcome<SelectionResult> out;
    Amount curr_value = 0;
    Amount curr_available_value = 0;
    int curr_weight = 0;
    for (const OutputGroup& g : pool) curr_available_value += g.GetSelectionAmount();  // all positive by construction
    if (curr_available_value < selection_target) return out;

    // Largest effective value first: the search reaches the target quickly and prunes early.
    std::sort(pool.begin(), pool.end(),
              [](const OutputGroup& a, const OutputGroup& b) { return a.GetSelectionAmount() > b.GetSelectionAmount(); });

    std::vector<size_t> curr_selection, best_selection;
    Amount curr_waste = 0;
    Amount best_waste = std::numeric_limits<Amount>::max();
    // At a fee rate above the long-term one, adding inputs only adds waste, so a wasteful branch can be cut.
    const bool is_feerate_high = !pool.empty() && pool[0].fee > pool[0].long_term_fee;
    bool max_weight_exceeded = false;

    size_t index = 0;
    for (size_t tries = 0; tries < SELECTION_TOTAL_TRIES; ++tries, ++index) {
        bool backtrack = false;
        if (curr_value + curr_available_value < selection_target ||   // cannot reach the target any more
            curr_value > selection_target + cost_of_change ||        // overshot the changeless window
            (curr_waste > best_waste && is_feerate_high)) {          // already worse than the best
            backtrack = true;
        } else if (curr_weight > max_weight) {
            max_weight_exceeded = true;
            backtrack = true;
        } else if (curr_value >= selection_target) {
            // A solution: its waste includes the excess that goes to the fee.
            curr_waste += curr_value - selection_target;
            if (curr_waste <= best_waste) {
                best_selection = curr_selection;
                best_waste = curr_waste;
            }
            curr_waste -= curr_value - selection_target;
            backtrack = true;
        }

        if (backtrack) {
            if (curr_selection.empty()) break;  // the whole tree is explored
            // Give back the lookahead of the coins skipped after the last included one, then try omitting it.
            for (--index; index > curr_selection.back(); --index) curr_available_value += pool[index].GetSelectionAmount();
            const OutputGroup& g = pool[index];
            curr_value -= g.GetSelectionAmount();
            curr_waste -= g.fee - g.long_term_fee;
            curr_weight -= g.weight;
            curr_selection.pop_back();
        } else {
            if (index >= pool.size()) break;
            const OutputGroup& g = pool[index];
            curr_available_value -= g.GetSelectionAmount();
            // Omitting a coin and then including an identical next one gives a selection already tried: skip it.
            if (curr_selection.empty() || index - 1 == curr_selection.back() ||
                g.GetSelectionAmount() != pool[index - 1].GetSelectionAmount() || g.fee != pool[index - 1].fee) {
                curr_selection.push_back(index);
                curr_value += g.GetSelectionAmount();
                curr_waste += g.fee - g.long_term_fee;
                curr_weight += g.weight;
            }
        }
    }

    if (best_selection.empty()) {
        out.error.max_weight_exceeded = max_weight_exceeded;
        return out;
    }
    SelectionResult result(selection_target, SelectionAlgorithm::BNB);
    for (size_t i : best_selection) result.AddInput(pool[i]);
    // Changeless by construction: the excess (below cost_of_change) counts as waste.
    result.RecalculateWaste(cost_of_change, cost_of_change, 0);
    out.result = std::move(result);
    return out;
}

SelectionOutcome<SelectionResult> CoinGrinder(std::vector<OutputGroup> pool, Amount selection_target, Amount change_target,
                                              int max_weight)
{
    SelectionOutcome<SelectionResult> out;
    // Descending effective value, lighter first among equals, so that equal-valued heavier coins are clones to skip.
    std::sort(pool.begin(), pool.end(), [](const OutputGroup& a, const OutputGroup& b) {
        if (a.GetSelectionAmount() != b.GetSelectionAmount()) return a.GetSelectionAmount() > b.GetSelectionAmount();
        return a.weight < b.weight;
    });
    const size_t n = pool.size();
    std::vector<Amount> lookahead(n);      // sum of the amounts after each index
    std::vector<int> min_tail_weight(n);   // least weight after each index
    Amount total_available = 0;
    int min_group_weight = std::numeric_limits<int>::max();
    for (size_t i = 0; i < n; ++i) {
        const size_t idx = n - 1 - i;
        lookahead[idx] = total_available;
        min_tail_weight[idx] = min_group_weight;
        total_available += pool[idx].GetSelectionAmount();
        min_group_weight = std::min(min_group_weight, pool[idx].weight);
    }
    const Amount total_target = selection_target + change_target;
    if (n == 0 || total_available < total_target) return out;

    std::vector<size_t> curr_selection, best_selection;
    Amount curr_amount = 0;
    Amount best_amount = MAX_MONEY;
    int curr_weight = 0;
    int best_weight = max_weight;  // ties allowed: a lower amount wins
    bool max_weight_exceeded = false;
    size_t next = 0;
    auto deselect_last = [&] {
        const OutputGroup& g = pool[curr_selection.back()];
        curr_amount -= g.GetSelectionAmount();
        curr_weight -= g.weight;
        curr_selection.pop_back();
    };

    SelectionResult result(selection_target, SelectionAlgorithm::CG);
    bool done = false;
    size_t tries = 0;
    while (!done) {
        bool shift = false, cut = false;
        // Include `next`.
        const OutputGroup& g = pool[next];
        curr_amount += g.GetSelectionAmount();
        curr_weight += g.weight;
        curr_selection.push_back(next);
        ++next;
        ++tries;

        const size_t tail = curr_selection.back();
        if (curr_amount + lookahead[tail] < total_target) {
            cut = true;  // even every later coin cannot reach the target
        } else if (curr_weight > best_weight) {
            if (curr_weight > max_weight) max_weight_exceeded = true;
            // More coins only add weight: if the last one was the lightest left, nothing later helps (cut), else try
            // a lighter one in its place (shift).
            if (pool[tail].weight <= min_tail_weight[tail]) {
                cut = true;
            } else {
                shift = true;
            }
        } else if (curr_amount >= total_target) {
            shift = true;  // a solution; adding coins cannot make it lighter
            if (curr_weight < best_weight || (curr_weight == best_weight && curr_amount < best_amount)) {
                best_selection = curr_selection;
                best_weight = curr_weight;
                best_amount = curr_amount;
            }
        } else if (!best_selection.empty() &&
                   curr_weight + int64_t{min_tail_weight[tail]} *
                                     ((total_target - curr_amount + pool[tail].GetSelectionAmount() - 1) / pool[tail].GetSelectionAmount()) >
                       best_weight) {
            // The missing amount needs at least this many more coins of at most the last one's amount, each at least
            // the lightest remaining weight: no lighter solution down this branch.
            if (pool[tail].weight <= min_tail_weight[tail]) {
                cut = true;
            } else {
                shift = true;
            }
        }

        if (tries >= SELECTION_TOTAL_TRIES) {
            result.SetAlgoCompleted(false);
            break;
        }
        if (next == n) cut = true;  // nothing left to add
        if (cut) {
            // Explore the omission branch of the penultimate selected coin.
            deselect_last();
            shift = true;
        }
        while (shift) {
            if (curr_selection.empty()) {
                done = true;
                result.SetAlgoCompleted(true);
                break;
            }
            next = curr_selection.back() + 1;
            deselect_last();
            shift = false;
            // Skip clones of the coin just omitted (same amount; sorted lighter first, so no lighter).
            while (pool[next - 1].GetSelectionAmount() == pool[next].GetSelectionAmount()) {
                if (next >= n - 1) {
                    shift = true;
                    break;
                }
                ++next;
            }
        }
    }

    if (best_selection.empty()) {
        out.error.max_weight_exceeded = max_weight_exceeded;
        return out;
    }
    for (size_t i : best_selection) result.AddInput(pool[i]);
    out.result = std::move(result);
    return out;
}

namespace {
/** Core's ApproximateBestSubset: random inclusion passes, keeping the smallest total at or above the target. The
 *  amounts and weights are read from flat arrays (the passes touch every group up to 2000 times). */
void ApproximateBestSubset(SelectionRng& rng, const std::vector<OutputGroup>& groups, Amount total_lower, Amount target,
                           std::vector<char>& best, Amount& best_total, int max_weight, int iterations = 1000)
{
    const size_t n = groups.size();
    std::vector<Amount> amounts(n);
    std::vector<int> weights(n);
    for (size_t i = 0; i < n; ++i) {
        amounts[i] = groups[i].GetSelectionAmount();
        weights[i] = groups[i].weight;
    }
    std::vector<char> included;
    best.assign(n, true);
    best_total = total_lower;
    for (int rep = 0; rep < iterations && best_total != target; ++rep) {
        included.assign(n, false);
        Amount total = 0;
        int weight = 0;
        bool reached = false;
        for (int pass = 0; pass < 2 && !reached; ++pass) {
            for (size_t i = 0; i < n; ++i) {
                // First pass: random half; second pass: everything not yet included.
                if (pass == 0 ? rng.RandBool() : !included[i]) {
                    total += amounts[i];
                    weight += weights[i];
                    included[i] = true;
                    if (total >= target && weight <= max_weight) {
                        reached = true;
                        if (total < best_total) {
                            best_total = total;
                            best = included;
                        }
                        total -= amounts[i];
                        weight -= weights[i];
                        included[i] = false;
                    }
                }
            }
        }
    }
}
}  // namespace

SelectionOutcome<SelectionResult> KnapsackSolver(std::vector<OutputGroup> groups, Amount target, Amount change_target,
                                                 SelectionRng& rng, int max_weight)
{
    SelectionOutcome<SelectionResult> out;
    SelectionResult result(target, SelectionAlgorithm::KNAPSACK);
    std::optional<OutputGroup> lowest_larger;
    std::vector<OutputGroup> applicable;  // below target + change_target: larger ones only overshoot
    Amount total_lower = 0;
    rng.Shuffle(groups);
    for (const OutputGroup& g : groups) {
        if (g.GetSelectionAmount() == target) {
            result.AddInput(g);
            out.result = std::move(result);
            return out;
        } else if (g.GetSelectionAmount() < target + change_target) {
            applicable.push_back(g);
            total_lower += g.GetSelectionAmount();
        } else if (!lowest_larger || g.GetSelectionAmount() < lowest_larger->GetSelectionAmount()) {
            lowest_larger = g;
        }
    }
    if (total_lower == target) {
        for (const OutputGroup& g : applicable) result.AddInput(g);
        if (result.GetWeight() <= max_weight) {
            out.result = std::move(result);
            return out;
        }
        result.Clear();
    }
    if (total_lower < target) {
        if (!lowest_larger) return out;
        result.AddInput(*lowest_larger);
        out.result = std::move(result);
        return out;
    }
    std::sort(applicable.begin(), applicable.end(),
              [](const OutputGroup& a, const OutputGroup& b) { return a.GetSelectionAmount() > b.GetSelectionAmount(); });
    std::vector<char> best;
    Amount best_total = 0;
    ApproximateBestSubset(rng, applicable, total_lower, target, best, best_total, max_weight);
    if (best_total != target && total_lower >= target + change_target) {
        ApproximateBestSubset(rng, applicable, total_lower, target + change_target, best, best_total, max_weight);
    }
    // The next larger coin wins when the subset missed both the exact target and the change target, or is no closer.
    if (lowest_larger && ((best_total != target && best_total < target + change_target) ||
                          lowest_larger->GetSelectionAmount() <= best_total)) {
        result.AddInput(*lowest_larger);
    } else {
        for (size_t i = 0; i < applicable.size(); ++i) {
            if (best[i]) result.AddInput(applicable[i]);
        }
        if (result.GetWeight() > max_weight) {
            if (!lowest_larger) {
                out.error.max_weight_exceeded = true;
                return out;
            }
            result.Clear();
            result.AddInput(*lowest_larger);
        }
    }
    out.result = std::move(result);
    return out;
}

SelectionOutcome<SelectionResult> SelectCoinsSRD(const std::vector<OutputGroup>& pool, Amount target, Amount change_fee,
                                                 SelectionRng& rng, int max_weight)
{
    SelectionOutcome<SelectionResult> out;
    SelectionResult result(target, SelectionAlgorithm::SRD);
    // Aim past the target by the smallest change, so that barely reaching it does not leave a tiny change.
    const Amount aim = target + CHANGE_LOWER + change_fee;
    std::vector<size_t> order(pool.size());
    std::iota(order.begin(), order.end(), 0);
    rng.Shuffle(order);
    // Min-heap by selection amount: when too heavy, the least valuable coins go first.
    auto cmp = [&](size_t a, size_t b) { return pool[a].GetSelectionAmount() > pool[b].GetSelectionAmount(); };
    std::priority_queue<size_t, std::vector<size_t>, decltype(cmp)> heap(cmp);
    Amount selected = 0;
    int weight = 0;
    bool max_weight_exceeded = false;
    for (size_t i : order) {
        heap.push(i);
        selected += pool[i].GetSelectionAmount();
        weight += pool[i].weight;
        if (weight > max_weight) {
            max_weight_exceeded = true;
            do {
                selected -= pool[heap.top()].GetSelectionAmount();
                weight -= pool[heap.top()].weight;
                heap.pop();
            } while (!heap.empty() && weight > max_weight);
        }
        if (selected >= aim) {
            while (!heap.empty()) {
                result.AddInput(pool[heap.top()]);
                heap.pop();
            }
            out.result = std::move(result);
            return out;
        }
    }
    out.error.max_weight_exceeded = max_weight_exceeded;
    return out;
}

Amount GenerateChangeTarget(Amount payment_value, Amount change_fee, SelectionRng& rng)
{
    if (payment_value <= CHANGE_LOWER / 2) return change_fee + CHANGE_LOWER;
    const Amount upper = std::min(payment_value * 2, CHANGE_UPPER);
    return change_fee + static_cast<Amount>(rng.RandRange(static_cast<uint64_t>(upper - CHANGE_LOWER))) + CHANGE_LOWER;
}

void CoinSelectionParams::Derive(Amount recipients_sum, size_t recipient_count, Amount dust_threshold, SelectionRng& rng)
{
    change_fee = effective_feerate.GetFee(change_output_size);
    const Amount change_spend_fee = discard_feerate.GetFee(change_spend_size);
    cost_of_change = change_spend_fee + change_fee;
    min_change_target = GenerateChangeTarget(recipient_count ? recipients_sum / static_cast<Amount>(recipient_count) : 0,
                                             change_fee, rng);
    // Change must be worth spending: above dust and above the cost of spending it at the discard rate.
    min_viable_change = std::max(change_spend_fee + 1, dust_threshold);
}

SelectionOutcome<SelectionResult> ChooseSelectionResult(Amount target, Groups& groups, const CoinSelectionParams& params,
                                                        SelectionRng& rng)
{
    SelectionOutcome<SelectionResult> out;
    std::vector<SelectionResult> results;
    int max_inputs_weight = MAX_STANDARD_TX_WEIGHT_SEL - params.tx_noinputs_size * 4;
    auto note = [&](SelectionOutcome<SelectionResult>& r) {
        if (r) {
            results.push_back(std::move(*r.result));
        } else if (r.error.max_weight_exceeded) {
            out.error.max_weight_exceeded = true;
        }
    };
    // Branch-and-Bound finds changeless solutions; it needs the fee paid by the inputs, so not with fee subtraction.
    if (!params.subtract_fee_outputs) {
        auto bnb = SelectCoinsBnB(groups.positive, target, params.cost_of_change, max_inputs_weight);
        note(bnb);
    }
    // The others may add a change output: leave room for it.
    max_inputs_weight -= params.change_output_size * 4;
    // Knapsack keeps Core's legacy of considering every group, dust included.
    auto knapsack = KnapsackSolver(groups.mixed, target, params.min_change_target, rng, max_inputs_weight);
    note(knapsack);
    // CoinGrinder minimizes weight, which matters when fees are well above the long-term rate.
    if (params.effective_feerate > FeeRate(3 * params.long_term_feerate.GetFeePerK())) {
        auto cg = CoinGrinder(groups.positive, target, params.min_change_target, max_inputs_weight);
        note(cg);
    }
    auto srd = SelectCoinsSRD(groups.positive, target, params.change_fee, rng, max_inputs_weight);
    note(srd);
    // Every result is scored with the same change parameters (Core recomputes all wastes before choosing).
    for (SelectionResult& r : results) r.RecalculateWaste(params.min_viable_change, params.cost_of_change, params.change_fee);
    if (results.empty()) return out;
    out.result = *std::min_element(results.begin(), results.end());
    return out;
}

SelectionOutcome<SelectionResult> AutomaticCoinSelection(const std::vector<SelectionCoin>& coins, Amount target,
                                                         const CoinSelectionParams& params, SelectionRng& rng)
{
    SelectionOutcome<SelectionResult> out;
    // Only coins we can size are candidates.
    std::vector<SelectionCoin> usable;
    Amount total = 0;
    for (const SelectionCoin& c : coins) {
        if (c.input_bytes < 0) continue;
        usable.push_back(c);
        total += params.subtract_fee_outputs ? c.Value() : c.effective_value;
    }
    if (total < target) return out;  // insufficient funds
    struct Filter {
        CoinEligibilityFilter filter;
        bool allow_mixed_types;
    };
    // Core's order: confirmed coins only (six confirmations for others' coins), then one confirmation, then our own
    // unconfirmed change.
    std::vector<Filter> filters{{{1, 6}, false}, {{1, 1}, true}, {{0, 1}, true}};
    if (params.include_unsafe) filters.push_back({{0, 0}, true});
    for (const Filter& f : filters) {
        // Each output type alone first (no mixing of script types, which would link them), least waste wins.
        std::map<int, Groups> by_type;
        Groups all = GroupOutputs(usable, f.filter, params.avoid_partial_spends, params.subtract_fee_outputs);
        for (const OutputGroup& g : all.mixed) {
            Groups& t = by_type[g.coins[0].type];
            if (g.effective_value > 0) t.positive.push_back(g);
            t.mixed.push_back(g);
        }
        std::vector<SelectionResult> results;
        for (auto& [type, groups] : by_type) {
            auto r = ChooseSelectionResult(target, groups, params, rng);
            if (r) {
                results.push_back(std::move(*r.result));
            } else if (r.error.max_weight_exceeded) {
                out.error.max_weight_exceeded = true;
            }
        }
        if (!results.empty()) {
            out.result = *std::min_element(results.begin(), results.end());
            return out;
        }
        if (f.allow_mixed_types && by_type.size() > 1) {
            auto r = ChooseSelectionResult(target, all, params, rng);
            if (r) return r;
            if (r.error.max_weight_exceeded) out.error.max_weight_exceeded = true;
        }
    }
    return out;
}
