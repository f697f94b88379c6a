// Replacement policy (Core's policy/rbf.h): BIP125 signalling, fee rules 3 and 4, the candidate limit, and the
// feerate-diagram comparison of cluster-mempool RBF. Pure functions; the mempool supplies the numbers.
#pragma once

#include "policy/feerate.h"
#include "primitives/transaction.h"

#include <compare>
#include <optional>
#include <set>
#include <string>
#include <vector>

/** Largest number of distinct clusters a replacement may conflict with. */
inline constexpr uint32_t MAX_REPLACEMENT_CANDIDATES{100};
/** BIP125: an input with sequence at most this signals replaceability. */
inline constexpr uint32_t MAX_BIP125_RBF_SEQUENCE{0xfffffffd};

/** BIP125 opt-in by any input. */
bool SignalsOptInRBF(const Transaction& tx);

/** Rules 3 and 4: the replacement pays at least the replaced fees, plus relay_fee for its own size. Returns
 *  Core's debug text on failure. */
std::optional<std::string> PaysForRBF(Amount original_fees, Amount replacement_fees, int64_t replacement_vsize,
                                      const FeeRate& relay_fee, const uint256& txid);

/** A replacement may not spend an output of a transaction it replaces. */
std::optional<std::string> EntriesAndTxidsDisjoint(const std::vector<uint256>& ancestor_txids,
                                                   const std::set<uint256>& direct_conflicts, const uint256& txid);

/** A chunk of a linearization: total fee and total virtual size. */
struct FeeSize {
    Amount fee{0};
    int64_t size{0};
};

/** Compares two feerate diagrams given as chunks in decreasing feerate order: greater when a is nowhere below
 *  b and somewhere above; unordered when each is above the other somewhere. */
std::partial_ordering CompareChunks(const std::vector<FeeSize>& a, const std::vector<FeeSize>& b);
