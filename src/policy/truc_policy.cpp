// TRUC (BIP431) single-transaction topology checks.
#include "policy/truc_policy.h"

#include <algorithm>

namespace {
std::string Ids(const uint256& txid, const uint256& wtxid)
{
    return txid.GetHex() + " (wtxid=" + wtxid.GetHex() + ")";
}
}  // namespace

std::optional<std::pair<std::string, std::optional<uint256>>> SingleTRUCChecks(
    const Transaction& tx, const std::vector<TrucParentInfo>& mempool_parents,
    const std::set<uint256>& direct_conflicts, int64_t vsize)
{
    const std::string self = Ids(tx.GetHash(), tx.GetWitnessHash());
    // TRUC and non-TRUC transactions may not spend each other's unconfirmed outputs.
    for (const TrucParentInfo& p : mempool_parents) {
        if (tx.version != TRUC_VERSION && p.version == TRUC_VERSION) {
            return std::make_pair("non-version=3 tx " + self + " cannot spend from version=3 tx " + Ids(p.txid, p.wtxid),
                                  std::nullopt);
        }
        if (tx.version == TRUC_VERSION && p.version != TRUC_VERSION) {
            return std::make_pair("version=3 tx " + self + " cannot spend from non-version=3 tx " + Ids(p.txid, p.wtxid),
                                  std::nullopt);
        }
    }
    if (tx.version != TRUC_VERSION) return std::nullopt;

    if (vsize > TRUC_MAX_VSIZE) {
        return std::make_pair("version=3 tx " + self + " is too big: " + std::to_string(vsize) + " > " +
                                  std::to_string(TRUC_MAX_VSIZE) + " virtual bytes",
                              std::nullopt);
    }
    if (mempool_parents.size() + 1 > TRUC_ANCESTOR_LIMIT) {
        return std::make_pair("tx " + self + " would have too many ancestors", std::nullopt);
    }
    if (!mempool_parents.empty()) {
        const TrucParentInfo& parent = mempool_parents[0];
        if (parent.ancestor_count + 1 > TRUC_ANCESTOR_LIMIT) {
            return std::make_pair("tx " + self + " would have too many ancestors", std::nullopt);
        }
        if (vsize > TRUC_CHILD_MAX_VSIZE) {
            return std::make_pair("version=3 child tx " + self + " is too big: " + std::to_string(vsize) + " > " +
                                      std::to_string(TRUC_CHILD_MAX_VSIZE) + " virtual bytes",
                                  std::nullopt);
        }
        // An existing child being replaced by this transaction does not count against the limit.
        const bool child_will_be_replaced =
            std::any_of(parent.descendant_txids.begin(), parent.descendant_txids.end(),
                        [&](const uint256& d) { return direct_conflicts.count(d) > 0; });
        if (parent.descendant_count + 1 > TRUC_DESCENDANT_LIMIT && !child_will_be_replaced) {
            // With exactly one child that has no other ancestors, that sibling may be evicted instead.
            const bool consider_sibling_eviction = parent.descendant_count == 2 &&
                                                   !parent.descendant_txids.empty() &&
                                                   parent.first_descendant_ancestor_count == 2;
            std::optional<uint256> sibling;
            if (consider_sibling_eviction) sibling = parent.descendant_txids[0];
            return std::make_pair("tx " + Ids(parent.txid, parent.wtxid) + " would exceed descendant count limit",
                                  sibling);
        }
    }
    return std::nullopt;
}

std::optional<std::string> PackageTRUCChecks(const Transaction& tx, int64_t vsize,
                                             const std::vector<TransactionRef>& package,
                                             const std::vector<TrucParentInfo>& mempool_parents)
{
    const std::string self = Ids(tx.GetHash(), tx.GetWitnessHash());
    // Parents of tx within the package.
    std::vector<size_t> in_package_parents;
    for (size_t i = 0; i < package.size(); ++i) {
        if (package[i]->GetHash() == tx.GetHash()) continue;
        for (const TxIn& in : tx.vin) {
            if (in.prevout.hash == package[i]->GetHash()) {
                in_package_parents.push_back(i);
                break;
            }
        }
    }
    if (tx.version == TRUC_VERSION) {
        if (vsize > TRUC_MAX_VSIZE) {
            return "version=3 tx " + self + " is too big: " + std::to_string(vsize) + " > " +
                   std::to_string(TRUC_MAX_VSIZE) + " virtual bytes";
        }
        if (mempool_parents.size() + in_package_parents.size() + 1 > TRUC_ANCESTOR_LIMIT) {
            return "tx " + self + " would have too many ancestors";
        }
        if (!mempool_parents.empty() &&
            mempool_parents[0].ancestor_count + in_package_parents.size() + 1 > TRUC_ANCESTOR_LIMIT) {
            return "tx " + self + " would have too many ancestors";
        }
        if (!mempool_parents.empty() || !in_package_parents.empty()) {
            if (vsize > TRUC_CHILD_MAX_VSIZE) {
                return "version=3 child tx " + self + " is too big: " + std::to_string(vsize) + " > " +
                       std::to_string(TRUC_CHILD_MAX_VSIZE) + " virtual bytes";
            }
            uint256 ptxid, pwtxid;
            int32_t pversion;
            bool has_mempool_descendant = false;
            if (!mempool_parents.empty()) {
                ptxid = mempool_parents[0].txid;
                pwtxid = mempool_parents[0].wtxid;
                pversion = mempool_parents[0].version;
                has_mempool_descendant = mempool_parents[0].descendant_count > 1;
            } else {
                const Transaction& p = *package[in_package_parents.front()];
                ptxid = p.GetHash();
                pwtxid = p.GetWitnessHash();
                pversion = p.version;
            }
            if (pversion != TRUC_VERSION) {
                return "version=3 tx " + self + " cannot spend from non-version=3 tx " + Ids(ptxid, pwtxid);
            }
            for (const TransactionRef& other : package) {
                if (other->GetHash() == tx.GetHash()) continue;
                for (const TxIn& in : other->vin) {
                    // A sibling in the package.
                    if (in.prevout.hash == ptxid) return "tx " + Ids(ptxid, pwtxid) + " would exceed descendant count limit";
                    // A child of tx in the package makes tx's child a grandchild of its parent.
                    if (in.prevout.hash == tx.GetHash()) {
                        return "tx " + Ids(other->GetHash(), other->GetWitnessHash()) + " would have too many ancestors";
                    }
                }
            }
            if (has_mempool_descendant) return "tx " + Ids(ptxid, pwtxid) + " would exceed descendant count limit";
        }
    } else {
        for (const TrucParentInfo& p : mempool_parents) {
            if (p.version == TRUC_VERSION) {
                return "non-version=3 tx " + self + " cannot spend from version=3 tx " + Ids(p.txid, p.wtxid);
            }
        }
        for (size_t i : in_package_parents) {
            if (package[i]->version == TRUC_VERSION) {
                return "non-version=3 tx " + self + " cannot spend from version=3 tx " +
                       Ids(package[i]->GetHash(), package[i]->GetWitnessHash());
            }
        }
    }
    return std::nullopt;
}
