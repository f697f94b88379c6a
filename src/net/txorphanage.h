// The orphan pool (Core's TxOrphanage): transactions whose parents we do not have yet, kept per announcing peer
// until a parent arrives, a block includes or conflicts them, the peer goes away, they expire or are evicted.
// Used on the network thread only (no lock of its own).
#pragma once

#include "primitives/block.h"
#include "primitives/transaction.h"

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <vector>

/** Default for -maxorphantx (Core's DEFAULT_MAX_ORPHAN_TRANSACTIONS). */
inline constexpr unsigned int DEFAULT_MAX_ORPHAN_TRANSACTIONS{100};
/** How long an orphan is kept (Core's ORPHAN_TX_EXPIRE_TIME, 20 minutes). */
inline constexpr int64_t ORPHAN_TX_EXPIRE_TIME{20 * 60};
/** How often expired orphans are swept (Core's ORPHAN_TX_EXPIRE_INTERVAL, 5 minutes). */
inline constexpr int64_t ORPHAN_TX_EXPIRE_INTERVAL{5 * 60};

class TxOrphanage
{
public:
    /** Stores tx as sent by peer; false when it is already there or too heavy (over MAX_STANDARD_TX_WEIGHT, as
     *  Core, so the pool holds at most max_orphans * 400 kWU). now is the unix time used for expiry. */
    bool AddTx(const TransactionRef& tx, int64_t peer, int64_t now);
    /** Whether an orphan with this wtxid is stored. */
    bool HaveTx(const uint256& wtxid) const;
    /** Removes one orphan by wtxid; returns how many were removed (0 or 1). */
    int EraseTx(const uint256& wtxid);
    /** Removes every orphan the peer sent (on disconnect). */
    void EraseForPeer(int64_t peer);
    /** Removes the orphans a connected block includes or conflicts with (spends an input they spend). */
    void EraseForBlock(const Block& block);
    /** Sweeps expired orphans (at most every ORPHAN_TX_EXPIRE_INTERVAL), then evicts random orphans until at most
     *  max_orphans remain. */
    void LimitOrphans(unsigned int max_orphans, int64_t now, std::mt19937_64& rng);
    /** tx entered the mempool: its orphan children go into the work set of the peer that sent each child. */
    void AddChildrenToWorkSet(const Transaction& tx);
    /** The next orphan of peer's work set that is still stored, or nullptr. */
    TransactionRef GetTxToReconsider(int64_t peer);
    bool HaveTxToReconsider(int64_t peer) const;
    /** Orphans from peer spending an output of parent, newest first (1-parent-1-child package relay). */
    std::vector<TransactionRef> GetChildrenFromSamePeer(const TransactionRef& parent, int64_t peer) const;
    /** Orphans from other peers spending an output of parent, newest first, with the peer that sent each. */
    std::vector<std::pair<TransactionRef, int64_t>> GetChildrenFromDifferentPeer(const TransactionRef& parent,
                                                                                 int64_t peer) const;
    size_t Size() const { return m_orphans.size(); }
    /** Sum of the stored orphans' weights. */
    int64_t TotalWeight() const { return m_total_weight; }

private:
    struct Orphan {
        TransactionRef tx;
        int64_t peer;
        int64_t expiry;
        uint64_t sequence;  // insertion order, for "newest first"
        size_t list_pos;    // index in m_list (O(1) random eviction)
    };
    using OrphanMap = std::map<uint256, Orphan>;  // by wtxid
    struct IterLess {
        bool operator()(OrphanMap::iterator a, OrphanMap::iterator b) const { return a->first < b->first; }
    };
    void Erase(OrphanMap::iterator it);
    /** Orphans spending an output of parent. */
    std::vector<OrphanMap::const_iterator> Children(const Transaction& parent) const;

    OrphanMap m_orphans;
    /** Outpoint -> orphans spending it. */
    std::map<OutPoint, std::set<OrphanMap::iterator, IterLess>> m_outpoint_to_orphan;
    std::vector<OrphanMap::iterator> m_list;
    std::map<int64_t, std::set<uint256>> m_peer_work_set;
    int64_t m_next_sweep{0};
    uint64_t m_sequence{0};
    int64_t m_total_weight{0};
};
