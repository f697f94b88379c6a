// TRUC (version 3, BIP431) topology rules as pure functions over what the mempool knows of a transaction's
// in-mempool parents (Core's policy/truc_policy.h, single-transaction checks).
#pragma once

#include "primitives/transaction.h"

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

inline constexpr int32_t TRUC_VERSION{3};
/** A TRUC transaction has at most one unconfirmed parent, and a TRUC parent at most one unconfirmed child. */
inline constexpr unsigned int TRUC_DESCENDANT_LIMIT{2};
inline constexpr unsigned int TRUC_ANCESTOR_LIMIT{2};
inline constexpr int64_t TRUC_MAX_VSIZE{10'000};
inline constexpr int64_t TRUC_MAX_WEIGHT{TRUC_MAX_VSIZE * WITNESS_SCALE_FACTOR};
inline constexpr int64_t TRUC_CHILD_MAX_VSIZE{1000};
inline constexpr int64_t TRUC_CHILD_MAX_WEIGHT{TRUC_CHILD_MAX_VSIZE * WITNESS_SCALE_FACTOR};

/** What the TRUC rules need of one in-mempool parent. */
struct TrucParentInfo {
    uint256 txid;
    uint256 wtxid;
    int32_t version{0};
    /** Counts include the parent itself, as Core's. */
    size_t ancestor_count{1};
    size_t descendant_count{1};
    /** Txids of the parent's in-mempool descendants (excluding itself). */
    std::vector<uint256> descendant_txids;
    /** Ancestor count of the first such descendant (for sibling eviction). */
    size_t first_descendant_ancestor_count{0};
};

/** Core's SingleTRUCChecks: an error text (used with reject reason "TRUC-violation") and, when the only
 *  problem is an existing sibling that may be evicted, that sibling's txid. */
std::optional<std::pair<std::string, std::optional<uint256>>> SingleTRUCChecks(
    const Transaction& tx, const std::vector<TrucParentInfo>& mempool_parents,
    const std::set<uint256>& direct_conflicts, int64_t vsize);

/** Core's PackageTRUCChecks for tx within package (sorted, child last), given its in-mempool parents. Returns
 *  the error text (reject reason "TRUC-violation"). */
std::optional<std::string> PackageTRUCChecks(const Transaction& tx, int64_t vsize,
                                             const std::vector<TransactionRef>& package,
                                             const std::vector<TrucParentInfo>& mempool_parents);
