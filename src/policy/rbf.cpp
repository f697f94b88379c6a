// Replacement policy checks.
#include "policy/rbf.h"


#include <algorithm>

namespace {
/** Core's FormatMoney for log and debug texts: 8 decimals with trailing zeros trimmed down to 2. */
std::string FormatMoney(Amount n)
{
    const Amount abs = n < 0 ? -n : n;
    std::string s = std::to_string(abs / COIN) + ".";
    const std::string frac = std::to_string(abs % COIN);
    s += std::string(8 - frac.size(), '0') + frac;
    while (s.size() >= 3 && s.back() == '0' && s[s.size() - 3] != '.') s.pop_back();
    return n < 0 ? "-" + s : s;
}
}  // namespace

bool SignalsOptInRBF(const Transaction& tx)
{
    return std::any_of(tx.vin.begin(), tx.vin.end(),
                       [](const TxIn& in) { return in.sequence <= MAX_BIP125_RBF_SEQUENCE; });
}

std::optional<std::string> PaysForRBF(Amount original_fees, Amount replacement_fees, int64_t replacement_vsize,
                                      const FeeRate& relay_fee, const uint256& txid)
{
    // Rule 3: no less absolute fee than everything replaced, so replacements cannot lower the mempool's fees.
    if (replacement_fees < original_fees) {
        return "rejecting replacement " + txid.GetHex() + ", less fees than conflicting txs; " +
               FormatMoney(replacement_fees) + " < " + FormatMoney(original_fees);
    }
    // Rule 4: the extra fee pays for relaying the replacement itself.
    const Amount additional = replacement_fees - original_fees;
    const Amount needed = relay_fee.GetFee(replacement_vsize);
    if (additional < needed) {
        return "rejecting replacement " + txid.GetHex() + ", not enough additional fees to relay; " +
               FormatMoney(additional) + " < " + FormatMoney(needed);
    }
    return std::nullopt;
}

std::optional<std::string> EntriesAndTxidsDisjoint(const std::vector<uint256>& ancestor_txids,
                                                   const std::set<uint256>& direct_conflicts, const uint256& txid)
{
    for (const uint256& a : ancestor_txids) {
        if (direct_conflicts.count(a)) {
            return txid.GetHex() + " spends conflicting transaction " + a.GetHex();
        }
    }
    return std::nullopt;
}

namespace {
/** Cumulative points (size, fee) of a diagram, starting at (0, 0). */
std::vector<FeeSize> Points(const std::vector<FeeSize>& chunks)
{
    std::vector<FeeSize> pts{{0, 0}};
    for (const FeeSize& c : chunks) pts.push_back({pts.back().fee + c.fee, pts.back().size + c.size});
    return pts;
}

/** Sign of (fee of diagram at x) - y, with the diagram linear between points; beyond the end it stays flat. */
int CompareAt(const std::vector<FeeSize>& pts, int64_t x_size, Amount y_fee)
{
    // Find the segment containing x.
    for (size_t i = 1; i < pts.size(); ++i) {
        if (x_size <= pts[i].size) {
            const FeeSize& p0 = pts[i - 1];
            const FeeSize& p1 = pts[i];
            // fee(x) = p0.fee + (p1.fee - p0.fee) * (x - p0.size) / (p1.size - p0.size); compare fee(x) with y.
            const __int128 dx = p1.size - p0.size;
            const __int128 lhs = static_cast<__int128>(p0.fee) * dx + static_cast<__int128>(p1.fee - p0.fee) * (x_size - p0.size);
            const __int128 rhs = static_cast<__int128>(y_fee) * dx;
            return lhs > rhs ? 1 : lhs < rhs ? -1 : 0;
        }
    }
    const Amount end = pts.back().fee;
    return end > y_fee ? 1 : end < y_fee ? -1 : 0;
}
}  // namespace

std::partial_ordering CompareChunks(const std::vector<FeeSize>& a, const std::vector<FeeSize>& b)
{
    const auto pa = Points(a), pb = Points(b);
    bool a_above = false, b_above = false;
    // Diagrams are concave and piecewise linear: comparing at every breakpoint of both decides the order.
    for (const FeeSize& p : pa) {
        const int c = CompareAt(pb, p.size, p.fee);
        if (c < 0) a_above = true;
        if (c > 0) b_above = true;
    }
    for (const FeeSize& p : pb) {
        const int c = CompareAt(pa, p.size, p.fee);
        if (c < 0) b_above = true;
        if (c > 0) a_above = true;
    }
    if (a_above && b_above) return std::partial_ordering::unordered;
    if (a_above) return std::partial_ordering::greater;
    if (b_above) return std::partial_ordering::less;
    return std::partial_ordering::equivalent;
}
