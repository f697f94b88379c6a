// The transaction memory pool: bookkeeping, graph queries, removal, eviction, ordering and persistence.
#include "node/mempool.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <fstream>
#include <queue>

std::string RemovalReasonToString(MemPoolRemovalReason reason)
{
    switch (reason) {
    case MemPoolRemovalReason::EXPIRY: return "expiry";
    case MemPoolRemovalReason::SIZELIMIT: return "sizelimit";
    case MemPoolRemovalReason::REORG: return "reorg";
    case MemPoolRemovalReason::BLOCK: return "block";
    case MemPoolRemovalReason::CONFLICT: return "conflict";
    case MemPoolRemovalReason::REPLACED: return "replaced";
    }
    return "unknown";
}

RBFTransactionState IsRBFOptIn(const Transaction& tx, const TxMemPool& pool)
{
    if (SignalsOptInRBF(tx)) return RBFTransactionState::REPLACEABLE_BIP125;
    if (!pool.Exists(tx.GetHash())) return RBFTransactionState::UNKNOWN;
    for (const uint256& a : pool.CalculateAncestors(tx.GetHash())) {
        if (SignalsOptInRBF(*pool.Get(a))) return RBFTransactionState::REPLACEABLE_BIP125;
    }
    return RBFTransactionState::FINAL;
}

size_t EstimateEntryUsage(const Transaction& tx)
{
    // Allocations round up to 16 bytes; vectors add their own headers. Close to Core's memusage accounting.
    auto heap = [](size_t n) -> size_t { return n == 0 ? 0 : ((n + 15) / 16) * 16 + 16; };
    size_t usage = heap(sizeof(Transaction)) + heap(tx.vin.size() * sizeof(TxIn)) + heap(tx.vout.size() * sizeof(TxOut));
    for (const TxIn& in : tx.vin) {
        usage += heap(in.script_sig.size());
        usage += heap(in.witness.stack.size() * sizeof(std::vector<uint8_t>));
        for (const auto& item : in.witness.stack) usage += heap(item.size());
    }
    for (const TxOut& out : tx.vout) usage += heap(out.script_pubkey.size());
    // The entry itself and its index nodes (txid, wtxid, one spender node per input).
    usage += heap(sizeof(MempoolEntry)) + 2 * 64 + tx.vin.size() * 80;
    return usage;
}

const MempoolEntry* TxMemPool::GetEntry(const uint256& txid) const
{
    auto it = m_entries.find(txid);
    return it == m_entries.end() ? nullptr : &it->second;
}

const MempoolEntry* TxMemPool::GetEntryByWtxid(const uint256& wtxid) const
{
    auto it = m_by_wtxid.find(wtxid);
    return it == m_by_wtxid.end() ? nullptr : GetEntry(it->second);
}

TransactionRef TxMemPool::Get(const uint256& txid) const
{
    const MempoolEntry* e = GetEntry(txid);
    return e ? e->tx : nullptr;
}

const Transaction* TxMemPool::GetConflictTx(const OutPoint& outpoint) const
{
    auto it = m_spenders.find(outpoint);
    return it == m_spenders.end() ? nullptr : m_entries.at(it->second).tx.get();
}

std::vector<uint256> TxMemPool::Txids() const
{
    std::vector<uint256> out;
    out.reserve(m_entries.size());
    for (const auto& [txid, e] : m_entries) out.push_back(txid);
    return out;
}

std::vector<const MempoolEntry*> TxMemPool::SortedEntries() const
{
    std::vector<std::pair<std::pair<size_t, uint64_t>, const MempoolEntry*>> v;
    for (const auto& [txid, e] : m_entries) v.push_back({{GetAncestorCount(txid), e.sequence}, &e});
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
        if (a.first != b.first) return a.first < b.first;
        return a.second->Txid() < b.second->Txid();
    });
    std::vector<const MempoolEntry*> out;
    for (auto& p : v) out.push_back(p.second);
    return out;
}

// ---- graph -------------------------------------------------------------------------------------------------

std::set<uint256> TxMemPool::CalculateAncestors(const uint256& txid) const
{
    std::set<uint256> out;
    std::vector<uint256> todo(m_entries.at(txid).parents.begin(), m_entries.at(txid).parents.end());
    while (!todo.empty()) {
        uint256 t = todo.back();
        todo.pop_back();
        if (!out.insert(t).second) continue;
        for (const uint256& p : m_entries.at(t).parents) todo.push_back(p);
    }
    return out;
}

std::set<uint256> TxMemPool::CalculateAncestors(const Transaction& tx) const
{
    std::set<uint256> out;
    for (const TxIn& in : tx.vin) {
        if (!Exists(in.prevout.hash) || out.count(in.prevout.hash)) continue;
        out.insert(in.prevout.hash);
        for (const uint256& a : CalculateAncestors(in.prevout.hash)) out.insert(a);
    }
    return out;
}

void TxMemPool::CalculateDescendants(const uint256& txid, std::set<uint256>& out) const
{
    std::vector<uint256> todo{txid};
    while (!todo.empty()) {
        uint256 t = todo.back();
        todo.pop_back();
        if (!out.insert(t).second) continue;
        for (const uint256& c : m_entries.at(t).children) todo.push_back(c);
    }
}

MempoolAggregate TxMemPool::AncestorAggregate(const uint256& txid) const
{
    MempoolAggregate agg;
    std::set<uint256> set = CalculateAncestors(txid);
    set.insert(txid);
    for (const uint256& t : set) {
        const MempoolEntry& e = m_entries.at(t);
        ++agg.count;
        agg.vsize += e.vsize;
        agg.modified_fees += e.ModifiedFee();
        agg.sigop_cost += e.sigop_cost;
    }
    return agg;
}

MempoolAggregate TxMemPool::DescendantAggregate(const uint256& txid) const
{
    MempoolAggregate agg;
    std::set<uint256> set;
    CalculateDescendants(txid, set);
    for (const uint256& t : set) {
        const MempoolEntry& e = m_entries.at(t);
        ++agg.count;
        agg.vsize += e.vsize;
        agg.modified_fees += e.ModifiedFee();
        agg.sigop_cost += e.sigop_cost;
    }
    return agg;
}

std::set<uint256> TxMemPool::GetCluster(const uint256& txid) const
{
    std::set<uint256> out;
    std::vector<uint256> todo{txid};
    while (!todo.empty()) {
        uint256 t = todo.back();
        todo.pop_back();
        if (!out.insert(t).second) continue;
        const MempoolEntry& e = m_entries.at(t);
        for (const uint256& p : e.parents) todo.push_back(p);
        for (const uint256& c : e.children) todo.push_back(c);
    }
    return out;
}

size_t TxMemPool::GetUniqueClusterCount(const std::set<uint256>& txids) const
{
    std::set<uint256> seen;
    size_t clusters = 0;
    for (const uint256& t : txids) {
        if (!Exists(t) || seen.count(t)) continue;
        ++clusters;
        for (const uint256& m : GetCluster(t)) seen.insert(m);
    }
    return clusters;
}

namespace {
/** Connected component of the seeds in the pool graph with `removals` cut out. */
std::set<uint256> ComponentWithout(const std::map<uint256, MempoolEntry>& entries, const std::set<uint256>& seeds,
                                   const std::set<uint256>& removals)
{
    std::set<uint256> out;
    std::vector<uint256> todo(seeds.begin(), seeds.end());
    while (!todo.empty()) {
        uint256 t = todo.back();
        todo.pop_back();
        if (removals.count(t) || !entries.count(t) || !out.insert(t).second) continue;
        const MempoolEntry& e = entries.at(t);
        for (const uint256& p : e.parents) todo.push_back(p);
        for (const uint256& c : e.children) todo.push_back(c);
    }
    return out;
}
}  // namespace

bool TxMemPool::CheckClusterLimits(const std::set<uint256>& parents, int64_t vsize,
                                   const std::set<uint256>& removals, size_t count) const
{
    const std::set<uint256> cluster = ComponentWithout(m_entries, parents, removals);
    int64_t size = vsize;
    for (const uint256& t : cluster) size += m_entries.at(t).vsize;
    return cluster.size() + count <= m_opts.cluster_count && size <= m_opts.cluster_size_vbytes;
}

namespace {
/** A node of a linearization problem: fee and size, and indexes of its parents among the nodes. */
struct LinNode {
    FeeSize fs;
    std::vector<size_t> parents;
};
struct LinChunk {
    FeeSize fs;
    std::vector<size_t> members;
};

/** Linearizes a cluster by repeatedly taking the remaining ancestor set with the best feerate, and chunks the
 *  result (a later piece paying more merges into the chunk before it). Chunks come out in mining order. */
std::vector<LinChunk> LinearizeAndChunk(const std::vector<LinNode>& nodes)
{
    std::vector<bool> done(nodes.size(), false);
    std::vector<LinChunk> chunks;
    size_t remaining = nodes.size();
    while (remaining > 0) {
        std::vector<size_t> best_set;
        FeeSize best{0, 0};
        for (size_t i = 0; i < nodes.size(); ++i) {
            if (done[i]) continue;
            std::set<size_t> anc;
            std::vector<size_t> todo{i};
            while (!todo.empty()) {
                const size_t k = todo.back();
                todo.pop_back();
                if (done[k] || !anc.insert(k).second) continue;
                for (size_t p : nodes[k].parents) todo.push_back(p);
            }
            FeeSize fs{0, 0};
            for (size_t k : anc) fs.fee += nodes[k].fs.fee, fs.size += nodes[k].fs.size;
            if (best_set.empty() || FeeRate(fs.fee, fs.size) > FeeRate(best.fee, best.size)) {
                best = fs;
                best_set.assign(anc.begin(), anc.end());
            }
        }
        for (size_t k : best_set) done[k] = true;
        remaining -= best_set.size();
        chunks.push_back({best, best_set});
        while (chunks.size() >= 2 && FeeRate(chunks.back().fs.fee, chunks.back().fs.size) >
                                         FeeRate(chunks[chunks.size() - 2].fs.fee, chunks[chunks.size() - 2].fs.size)) {
            LinChunk last = std::move(chunks.back());
            chunks.pop_back();
            chunks.back().fs.fee += last.fs.fee;
            chunks.back().fs.size += last.fs.size;
            chunks.back().members.insert(chunks.back().members.end(), last.members.begin(), last.members.end());
        }
    }
    return chunks;
}
}  // namespace

std::vector<FeeSize> TxMemPool::ClusterChunks(const std::set<uint256>& seeds, const std::set<uint256>& removals,
                                              const std::optional<std::pair<FeeSize, std::set<uint256>>>& adding) const
{
    // Nodes: pool transactions of the affected clusters, plus the optional new one.
    std::set<uint256> start = seeds;
    if (adding) start.insert(adding->second.begin(), adding->second.end());
    const std::set<uint256> members = ComponentWithout(m_entries, start, removals);
    std::vector<LinNode> nodes;
    std::map<uint256, size_t> index;
    for (const uint256& t : members) {
        index[t] = nodes.size();
        const MempoolEntry& e = m_entries.at(t);
        nodes.push_back({{e.ModifiedFee(), e.vsize}, {}});
    }
    for (const uint256& t : members) {
        for (const uint256& p : m_entries.at(t).parents) {
            if (index.count(p)) nodes[index[t]].parents.push_back(index[p]);
        }
    }
    if (adding) {
        LinNode n{adding->first, {}};
        for (const uint256& p : adding->second) {
            if (index.count(p)) n.parents.push_back(index[p]);
        }
        nodes.push_back(n);
    }
    // Unrelated clusters linearize independently; the greedy order handles them together just the same.
    std::vector<FeeSize> chunks;
    for (const LinChunk& c : LinearizeAndChunk(nodes)) chunks.push_back(c.fs);
    std::stable_sort(chunks.begin(), chunks.end(), [](const FeeSize& a, const FeeSize& b) {
        return FeeRate(a.fee, a.size) > FeeRate(b.fee, b.size);
    });
    return chunks;
}

std::optional<std::pair<std::vector<uint256>, FeeRate>> TxMemPool::WorstChunk(const std::set<uint256>& cluster) const
{
    if (cluster.empty()) return std::nullopt;
    std::vector<LinNode> nodes;
    std::vector<uint256> ids(cluster.begin(), cluster.end());
    std::map<uint256, size_t> index;
    for (size_t i = 0; i < ids.size(); ++i) index[ids[i]] = i;
    for (const uint256& t : ids) {
        const MempoolEntry& e = m_entries.at(t);
        // Chunk sizes in sigop-adjusted weight, as Core's graph holds them.
        LinNode n{{e.ModifiedFee(), GetSigOpsAdjustedWeight(e.weight, e.sigop_cost, m_opts.bytes_per_sigop)}, {}};
        for (const uint256& p : e.parents) {
            if (index.count(p)) n.parents.push_back(index[p]);
        }
        nodes.push_back(std::move(n));
    }
    const std::vector<LinChunk> chunks = LinearizeAndChunk(nodes);
    const LinChunk& worst = chunks.back();
    std::vector<uint256> txids;
    for (size_t k : worst.members) txids.push_back(ids[k]);
    // Weight to virtual bytes, rounded up (Core's ToFeePerVSize).
    return std::make_pair(txids, FeeRate(worst.fs.fee, (worst.fs.size + WITNESS_SCALE_FACTOR - 1) / WITNESS_SCALE_FACTOR));
}

// ---- changes -----------------------------------------------------------------------------------------------

void TxMemPool::AddUnchecked(MempoolEntry entry)
{
    const uint256 txid = entry.Txid();
    if (auto it = m_deltas.find(txid); it != m_deltas.end()) entry.fee_delta = it->second;
    if (entry.usage == 0) entry.usage = EstimateEntryUsage(*entry.tx);
    entry.parents.clear();
    entry.children.clear();
    for (const TxIn& in : entry.tx->vin) {
        m_spenders[in.prevout] = txid;
        auto p = m_entries.find(in.prevout.hash);
        if (p != m_entries.end()) {
            entry.parents.insert(in.prevout.hash);
            p->second.children.insert(txid);
        }
    }
    // Children already in the pool (possible when re-adding block transactions after a reorg).
    for (uint32_t n = 0; n < entry.tx->vout.size(); ++n) {
        auto s = m_spenders.find(OutPoint(txid, n));
        if (s != m_spenders.end() && s->second != txid) {
            entry.children.insert(s->second);
            m_entries.at(s->second).parents.insert(txid);
        }
    }
    m_total_vsize += entry.vsize;
    m_total_fee += entry.fee;
    m_usage += entry.usage;
    ++m_sequence;
    ++m_transactions_updated;
    m_by_wtxid[entry.tx->GetWitnessHash()] = txid;
    auto [it, inserted] = m_entries.emplace(txid, std::move(entry));
    if (inserted && m_on_added) m_on_added(it->second);
}

void TxMemPool::RemoveUnchecked(const uint256& txid, MemPoolRemovalReason reason)
{
    auto it = m_entries.find(txid);
    if (it == m_entries.end()) return;
    if (m_on_removed) m_on_removed(it->second, reason);
    // Confirmed transactions reach the estimator through RemoveForBlock instead.
    if (m_fee_estimator && reason != MemPoolRemovalReason::BLOCK) m_fee_estimator->RemoveTx(txid);
    const MempoolEntry& e = it->second;
    for (const TxIn& in : e.tx->vin) {
        auto s = m_spenders.find(in.prevout);
        if (s != m_spenders.end() && s->second == txid) m_spenders.erase(s);
    }
    for (const uint256& p : e.parents) {
        if (auto pe = m_entries.find(p); pe != m_entries.end()) pe->second.children.erase(txid);
    }
    for (const uint256& c : e.children) {
        if (auto ce = m_entries.find(c); ce != m_entries.end()) ce->second.parents.erase(txid);
    }
    m_total_vsize -= e.vsize;
    m_total_fee -= e.fee;
    m_usage -= e.usage;
    m_by_wtxid.erase(e.tx->GetWitnessHash());
    m_unbroadcast.erase(txid);
    ++m_transactions_updated;
    m_entries.erase(it);
}

void TxMemPool::RemoveStaged(const std::set<uint256>& txids, MemPoolRemovalReason reason)
{
    for (const uint256& t : txids) RemoveUnchecked(t, reason);
}

void TxMemPool::RemoveRecursive(const Transaction& tx, MemPoolRemovalReason reason)
{
    std::set<uint256> to_remove;
    if (Exists(tx.GetHash())) {
        CalculateDescendants(tx.GetHash(), to_remove);
    } else {
        // Not in the pool (e.g. a block transaction): remove whatever spends its outputs.
        for (uint32_t n = 0; n < tx.vout.size(); ++n) {
            auto s = m_spenders.find(OutPoint(tx.GetHash(), n));
            if (s != m_spenders.end()) CalculateDescendants(s->second, to_remove);
        }
    }
    RemoveStaged(to_remove, reason);
}

std::vector<MempoolEntry> TxMemPool::RemoveForBlock(const std::vector<TransactionRef>& block_txs,
                                                    unsigned int block_height, int64_t now)
{
    std::vector<MempoolEntry> confirmed;
    for (const TransactionRef& tx : block_txs) {
        if (const MempoolEntry* e = GetEntry(tx->GetHash())) confirmed.push_back(*e);
    }
    for (const TransactionRef& tx : block_txs) {
        const uint256& txid = tx->GetHash();
        if (Exists(txid)) {
            // Its in-block parents were removed already; its children stay (now spending confirmed outputs).
            RemoveStaged({txid}, MemPoolRemovalReason::BLOCK);
        }
        // Anything else spending the same outputs conflicts with the block.
        for (const TxIn& in : tx->vin) {
            auto s = m_spenders.find(in.prevout);
            if (s != m_spenders.end() && s->second != txid) {
                ClearPrioritisation(s->second);
                std::set<uint256> conflicted;
                CalculateDescendants(s->second, conflicted);
                RemoveStaged(conflicted, MemPoolRemovalReason::CONFLICT);
            }
        }
        ClearPrioritisation(txid);
    }
    if (m_fee_estimator) {
        std::vector<FeeEstimatorTxInfo> infos;
        for (const MempoolEntry& e : confirmed) infos.push_back({e.Txid(), e.fee, e.vsize, e.entry_height, true});
        m_fee_estimator->ProcessBlock(infos, block_height);
    }
    m_last_rolling_update = now;
    m_block_since_bump = true;
    return confirmed;
}

void TxMemPool::RemoveForReorg(const std::function<bool(const MempoolEntry&)>& should_remove)
{
    std::set<uint256> to_remove;
    for (const auto& [txid, e] : m_entries) {
        if (!to_remove.count(txid) && should_remove(e)) CalculateDescendants(txid, to_remove);
    }
    RemoveStaged(to_remove, MemPoolRemovalReason::REORG);
}

int TxMemPool::Expire(int64_t cutoff)
{
    std::set<uint256> to_remove;
    for (const auto& [txid, e] : m_entries) {
        if (e.time < cutoff) CalculateDescendants(txid, to_remove);
    }
    RemoveStaged(to_remove, MemPoolRemovalReason::EXPIRY);
    return static_cast<int>(to_remove.size());
}

void TxMemPool::TrackPackageRemoved(const FeeRate& rate)
{
    if (static_cast<double>(rate.GetFeePerK()) > m_rolling_min_fee) {
        m_rolling_min_fee = static_cast<double>(rate.GetFeePerK());
        m_block_since_bump = false;
    }
}

void TxMemPool::SetRollingMinimumFee(double sat_per_kvb, int64_t now, bool block_since_bump)
{
    m_rolling_min_fee = sat_per_kvb;
    m_last_rolling_update = now;
    m_block_since_bump = block_since_bump;
}

FeeRate TxMemPool::GetMinFee(size_t size_limit, int64_t now) const
{
    if (!m_block_since_bump || m_rolling_min_fee == 0) return FeeRate(std::llround(m_rolling_min_fee));
    if (now > m_last_rolling_update + 10) {
        // Decay faster while the pool is far below its limit.
        double halflife = ROLLING_FEE_HALFLIFE;
        if (DynamicMemoryUsage() < size_limit / 4) {
            halflife /= 4;
        } else if (DynamicMemoryUsage() < size_limit / 2) {
            halflife /= 2;
        }
        m_rolling_min_fee = m_rolling_min_fee / std::pow(2.0, (now - m_last_rolling_update) / halflife);
        m_last_rolling_update = now;
        if (m_rolling_min_fee < static_cast<double>(m_opts.incremental_relay_feerate.GetFeePerK()) / 2) {
            m_rolling_min_fee = 0;
            return FeeRate(Amount{0});
        }
    }
    return std::max(FeeRate(std::llround(m_rolling_min_fee)), m_opts.incremental_relay_feerate);
}

void TxMemPool::TrimToSize(size_t size_limit, int64_t now, std::vector<OutPoint>* no_spends_remaining)
{
    (void)now;
    if (m_entries.empty() || DynamicMemoryUsage() <= size_limit) return;
    // Worst chunk of every cluster, keyed by a member; only the cluster that lost a chunk is recomputed.
    struct Candidate {
        std::vector<uint256> txids;
        FeeRate rate;
    };
    std::map<uint256, Candidate> worst;  // key: smallest txid of the cluster
    std::set<uint256> seen;
    auto compute = [&](const std::set<uint256>& cluster) {
        if (cluster.empty()) return;
        auto w = WorstChunk(cluster);
        worst[*cluster.begin()] = {std::move(w->first), w->second};
    };
    for (const auto& [txid, e] : m_entries) {
        if (seen.count(txid)) continue;
        const std::set<uint256> cluster = GetCluster(txid);
        seen.insert(cluster.begin(), cluster.end());
        compute(cluster);
    }
    while (!m_entries.empty() && DynamicMemoryUsage() > size_limit && !worst.empty()) {
        auto it = std::min_element(worst.begin(), worst.end(), [](const auto& a, const auto& b) {
            if (a.second.rate != b.second.rate) return a.second.rate < b.second.rate;
            return a.first < b.first;
        });
        const Candidate victim = it->second;
        worst.erase(it);
        // The next transaction must beat what was evicted by the incremental relay fee.
        FeeRate removed = victim.rate;
        removed += m_opts.incremental_relay_feerate;
        TrackPackageRemoved(removed);

        std::vector<TransactionRef> txs;
        std::set<uint256> rest_seeds;
        for (const uint256& t : victim.txids) {
            const MempoolEntry& e = m_entries.at(t);
            txs.push_back(e.tx);
            rest_seeds.insert(e.parents.begin(), e.parents.end());
            rest_seeds.insert(e.children.begin(), e.children.end());
        }
        const std::set<uint256> victims(victim.txids.begin(), victim.txids.end());
        RemoveStaged(victims, MemPoolRemovalReason::SIZELIMIT);
        // What is left of the cluster (possibly split in parts) gets new worst chunks.
        std::set<uint256> done;
        for (const uint256& s : rest_seeds) {
            if (victims.count(s) || done.count(s) || !Exists(s)) continue;
            const std::set<uint256> part = GetCluster(s);
            done.insert(part.begin(), part.end());
            compute(part);
        }
        if (no_spends_remaining) {
            for (const TransactionRef& tx : txs) {
                for (const TxIn& in : tx->vin) {
                    if (Exists(in.prevout.hash)) continue;
                    no_spends_remaining->push_back(in.prevout);
                }
            }
        }
    }
}

void TxMemPool::PrioritiseTransaction(const uint256& txid, Amount delta)
{
    Amount& d = m_deltas[txid];
    d += delta;
    if (auto it = m_entries.find(txid); it != m_entries.end()) it->second.fee_delta = d;
    // A zero delta is dropped so it is not persisted.
    if (d == 0) m_deltas.erase(txid);
}

Amount TxMemPool::GetFeeDelta(const uint256& txid) const
{
    auto it = m_deltas.find(txid);
    return it == m_deltas.end() ? 0 : it->second;
}

std::vector<uint256> TxMemPool::BlockTemplateOrder(const FeeRate& min_feerate) const
{
    // Core's package selection: take the transaction whose not-yet-selected ancestors have the best combined
    // feerate, add that package parents-first, and lower the packages of its descendants accordingly.
    struct Pkg {
        Amount fee{0};
        int64_t size{0};
        uint64_t version{0};
    };
    std::map<uint256, Pkg> pkgs;
    struct HeapItem {
        FeeRate rate;
        uint256 txid;
        uint64_t version;
        bool operator<(const HeapItem& o) const
        {
            if (rate != o.rate) return rate < o.rate;
            return txid > o.txid;  // deterministic tie-break
        }
    };
    std::priority_queue<HeapItem> heap;
    for (const auto& [txid, e] : m_entries) {
        const MempoolAggregate agg = AncestorAggregate(txid);
        pkgs[txid] = {agg.modified_fees, agg.vsize, 0};
        heap.push({FeeRate(agg.modified_fees, agg.vsize), txid, 0});
    }
    std::vector<uint256> order;
    std::set<uint256> included;
    while (!heap.empty()) {
        const HeapItem top = heap.top();
        heap.pop();
        if (included.count(top.txid) || pkgs[top.txid].version != top.version) continue;  // stale
        if (top.rate < min_feerate) break;
        std::set<uint256> pkg = CalculateAncestors(top.txid);
        pkg.insert(top.txid);
        std::vector<std::pair<size_t, uint256>> sorted;
        for (const uint256& t : pkg) {
            if (included.count(t)) continue;
            size_t depth = 0;
            for (const uint256& a : CalculateAncestors(t)) depth += included.count(a) ? 0 : 1;
            sorted.push_back({depth, t});
        }
        std::sort(sorted.begin(), sorted.end());
        for (const auto& [depth, t] : sorted) {
            order.push_back(t);
            included.insert(t);
        }
        // Descendants no longer carry the included transactions in their packages.
        std::map<uint256, Pkg> touched;
        for (const auto& [depth, t] : sorted) {
            const MempoolEntry& e = m_entries.at(t);
            std::set<uint256> desc;
            CalculateDescendants(t, desc);
            for (const uint256& d : desc) {
                if (included.count(d)) continue;
                Pkg& p = pkgs[d];
                p.fee -= e.ModifiedFee();
                p.size -= e.vsize;
                ++p.version;
                touched[d] = p;
            }
        }
        for (const auto& [d, p] : touched) heap.push({FeeRate(p.fee, p.size), d, p.version});
    }
    return order;
}

std::vector<TxMemPool::Chunk> TxMemPool::MiningChunks() const
{
    // Linearize every cluster (sizes in sigop-adjusted weight, as Core's graph).
    std::vector<std::vector<Chunk>> per_cluster;
    std::set<uint256> seen;
    for (const auto& [txid, e] : m_entries) {
        if (seen.count(txid)) continue;
        const std::set<uint256> cluster = GetCluster(txid);
        seen.insert(cluster.begin(), cluster.end());
        std::vector<uint256> ids(cluster.begin(), cluster.end());
        std::map<uint256, size_t> index;
        for (size_t i = 0; i < ids.size(); ++i) index[ids[i]] = i;
        std::vector<LinNode> nodes;
        for (const uint256& t : ids) {
            const MempoolEntry& m = m_entries.at(t);
            LinNode n{{m.ModifiedFee(), GetSigOpsAdjustedWeight(m.weight, m.sigop_cost, m_opts.bytes_per_sigop)}, {}};
            for (const uint256& p : m.parents) n.parents.push_back(index.at(p));
            nodes.push_back(std::move(n));
        }
        std::vector<Chunk> chunks;
        for (const LinChunk& lc : LinearizeAndChunk(nodes)) {
            Chunk c;
            c.fee = lc.fs.fee;
            c.weight = lc.fs.size;
            c.cluster = per_cluster.size();
            // Parents first within the chunk: order by in-chunk ancestor count.
            std::vector<std::pair<size_t, uint256>> order;
            std::set<uint256> members;
            for (size_t k : lc.members) members.insert(ids[k]);
            for (const uint256& t : members) {
                size_t depth = 0;
                for (const uint256& a : CalculateAncestors(t)) depth += members.count(a);
                order.push_back({depth, t});
            }
            std::sort(order.begin(), order.end());
            for (const auto& [d, t] : order) c.txids.push_back(t);
            chunks.push_back(std::move(c));
        }
        per_cluster.push_back(std::move(chunks));
    }
    // Merge: always the best next chunk among the clusters.
    struct Head {
        FeeRate rate;
        size_t cluster;
        size_t pos;
        bool operator<(const Head& o) const
        {
            if (rate != o.rate) return rate < o.rate;
            return cluster > o.cluster;
        }
    };
    std::priority_queue<Head> heap;
    for (size_t c = 0; c < per_cluster.size(); ++c) {
        heap.push({FeeRate(per_cluster[c][0].fee, per_cluster[c][0].weight), c, 0});
    }
    std::vector<Chunk> out;
    while (!heap.empty()) {
        const Head h = heap.top();
        heap.pop();
        out.push_back(per_cluster[h.cluster][h.pos]);
        if (h.pos + 1 < per_cluster[h.cluster].size()) {
            const Chunk& next = per_cluster[h.cluster][h.pos + 1];
            heap.push({FeeRate(next.fee, next.weight), h.cluster, h.pos + 1});
        }
    }
    return out;
}

TxMemPool::BlockSelection TxMemPool::SelectForBlock(int64_t max_weight, int64_t initial_weight,
                                                     int64_t initial_sigops, const FeeRate& min_feerate,
                                                     const std::function<bool(const Transaction&)>& is_final) const
{
    constexpr int64_t MAX_CONSECUTIVE_FAILURES = 1000;
    constexpr int64_t BLOCK_FULL_ENOUGH_WEIGHT_DELTA = 4000;
    BlockSelection sel;
    sel.weight = initial_weight;
    sel.sigop_cost = initial_sigops;
    int64_t consecutive_failed = 0;
    std::set<size_t> skipped_clusters;
    for (const Chunk& chunk : MiningChunks()) {
        if (skipped_clusters.count(chunk.cluster)) continue;
        // Feerate per virtual byte (weight rounded up), as Core's ToFeePerVSize.
        const FeeRate rate(chunk.fee, (chunk.weight + WITNESS_SCALE_FACTOR - 1) / WITNESS_SCALE_FACTOR);
        if (rate < min_feerate) break;
        int64_t sigops = 0;
        bool final_ok = true;
        for (const uint256& t : chunk.txids) {
            const MempoolEntry& e = m_entries.at(t);
            sigops += e.sigop_cost;
            if (is_final && !is_final(*e.tx)) final_ok = false;
        }
        if (sel.weight + chunk.weight >= max_weight || sel.sigop_cost + sigops >= MAX_BLOCK_SIGOPS_COST || !final_ok) {
            // Later chunks of this cluster depend on it.
            skipped_clusters.insert(chunk.cluster);
            ++consecutive_failed;
            if (consecutive_failed > MAX_CONSECUTIVE_FAILURES &&
                sel.weight + BLOCK_FULL_ENOUGH_WEIGHT_DELTA > max_weight) {
                break;
            }
            continue;
        }
        consecutive_failed = 0;
        for (const uint256& t : chunk.txids) {
            const MempoolEntry& e = m_entries.at(t);
            sel.entries.push_back(&e);
            sel.weight += e.weight;
            sel.sigop_cost += e.sigop_cost;
            sel.fees += e.fee;
        }
        sel.package_feerates.push_back(rate);
    }
    return sel;
}

// ---- coins view --------------------------------------------------------------------------------------------

std::optional<Coin> CoinsViewMemPool::GetCoin(const OutPoint& outpoint) const
{
    // A mempool transaction's outputs are never in the UTXO set below it, so look in the pool first.
    if (TransactionRef tx = m_pool.Get(outpoint.hash)) {
        if (outpoint.n < tx->vout.size()) return Coin(tx->vout[outpoint.n], MEMPOOL_HEIGHT, false);
        return std::nullopt;
    }
    if (auto it = m_temp_added.find(outpoint); it != m_temp_added.end()) return it->second;
    return m_base->GetCoin(outpoint);
}

void CoinsViewMemPool::PackageAddTransaction(const TransactionRef& tx)
{
    for (uint32_t n = 0; n < tx->vout.size(); ++n) {
        m_temp_added[OutPoint(tx->GetHash(), n)] = Coin(tx->vout[n], MEMPOOL_HEIGHT, false);
    }
}

// ---- mempool.dat -------------------------------------------------------------------------------------------

namespace {
constexpr uint64_t MEMPOOL_DUMP_VERSION_NO_XOR_KEY{1};
constexpr uint64_t MEMPOOL_DUMP_VERSION{2};
}  // namespace

MempoolDump MakeMempoolDump(const TxMemPool& pool)
{
    MempoolDump dump;
    dump.deltas = pool.GetDeltas();
    for (const MempoolEntry* e : pool.SortedEntries()) {
        dump.txs.push_back({e->tx, e->time, e->fee_delta});
        dump.deltas.erase(e->Txid());
    }
    dump.unbroadcast = pool.GetUnbroadcastTxs();
    return dump;
}

bool WriteMempoolDat(const MempoolDump& dump, const std::filesystem::path& path, bool v1,
                     std::optional<std::array<uint8_t, 8>> xor_key, std::string* error)
{
    std::vector<uint8_t> header, body;
    VectorWriter hw(header);
    std::array<uint8_t, 8> key{};
    if (v1) {
        WriteLE<VectorWriter, uint64_t>(hw, MEMPOOL_DUMP_VERSION_NO_XOR_KEY);
    } else {
        if (xor_key) {
            key = *xor_key;
        } else if (RAND_bytes(key.data(), key.size()) != 1) {
            if (error) *error = "no randomness for the XOR key";
            return false;
        }
        WriteLE<VectorWriter, uint64_t>(hw, MEMPOOL_DUMP_VERSION);
        WriteBytes(hw, key);  // serialized as a vector: CompactSize 8, then the key
    }
    VectorWriter bw(body);
    WriteLE<VectorWriter, uint64_t>(bw, dump.txs.size());
    for (const auto& item : dump.txs) {
        SerializeTransaction(bw, *item.tx, true);
        WriteLE<VectorWriter, int64_t>(bw, item.time);
        WriteLE<VectorWriter, int64_t>(bw, item.fee_delta);
    }
    WriteCompactSize(bw, dump.deltas.size());
    for (const auto& [txid, delta] : dump.deltas) {
        WriteBlob(bw, txid);
        WriteLE<VectorWriter, int64_t>(bw, delta);
    }
    WriteCompactSize(bw, dump.unbroadcast.size());
    for (const uint256& txid : dump.unbroadcast) WriteBlob(bw, txid);
    // The key applies by absolute file position, so the body starts at key offset header.size().
    for (size_t i = 0; i < body.size(); ++i) body[i] ^= key[(header.size() + i) % 8];

    std::filesystem::path tmp = path;
    tmp += ".new";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f) {
            if (error) *error = "cannot open " + tmp.string();
            return false;
        }
        f.write(reinterpret_cast<const char*>(header.data()), header.size());
        f.write(reinterpret_cast<const char*>(body.data()), body.size());
        f.flush();
        if (!f) {
            if (error) *error = "write failed: " + tmp.string();
            return false;
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        if (error) *error = "rename failed: " + ec.message();
        return false;
    }
    return true;
}

std::optional<MempoolDump> ReadMempoolDat(const std::filesystem::path& path, std::string* error)
{
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        if (error) *error = "cannot open " + path.string();
        return std::nullopt;
    }
    std::vector<uint8_t> data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    try {
        SpanReader r(data);
        const uint64_t version = ReadLE<uint64_t>(r);
        std::array<uint8_t, 8> key{};
        if (version == MEMPOOL_DUMP_VERSION) {
            std::vector<uint8_t> k = ReadBytes(r);
            if (k.size() != 8) throw DeserializeError("Obfuscation key size should be exactly 8 bytes long");
            std::copy(k.begin(), k.end(), key.begin());
        } else if (version != MEMPOOL_DUMP_VERSION_NO_XOR_KEY) {
            if (error) *error = "unknown mempool.dat version " + std::to_string(version);
            return std::nullopt;
        }
        const size_t start = r.pos();
        for (size_t i = start; i < data.size(); ++i) data[i] ^= key[i % 8];
        SpanReader body(std::span<const uint8_t>(data).subspan(start));
        MempoolDump dump;
        const uint64_t count = ReadLE<uint64_t>(body);
        for (uint64_t i = 0; i < count; ++i) {
            MutableTransaction mtx;
            UnserializeTransaction(body, mtx, true);
            MempoolDump::Item item;
            item.tx = MakeTransactionRef(std::move(mtx));
            item.time = ReadLE<int64_t>(body);
            item.fee_delta = ReadLE<int64_t>(body);
            dump.txs.push_back(std::move(item));
        }
        const uint64_t ndeltas = ReadCompactSize(body);
        for (uint64_t i = 0; i < ndeltas; ++i) {
            uint256 txid = ReadUint256(body);
            dump.deltas[txid] = ReadLE<int64_t>(body);
        }
        const uint64_t nunb = ReadCompactSize(body);
        for (uint64_t i = 0; i < nunb; ++i) dump.unbroadcast.insert(ReadUint256(body));
        return dump;
    } catch (const DeserializeError& e) {
        if (error) *error = e.what();
        return std::nullopt;
    }
}
