// The orphan pool (see txorphanage.h).
#include "net/txorphanage.h"

#include "policy/policy.h"
#include "util/logging.h"

#include <algorithm>

bool TxOrphanage::AddTx(const TransactionRef& tx, int64_t peer, int64_t now)
{
    const uint256& wtxid = tx->GetWitnessHash();
    if (m_orphans.count(wtxid)) return false;
    // Bounds the pool's memory: an orphan is at most a standard transaction (Core ignores larger ones).
    const int64_t weight = GetTransactionWeight(*tx);
    if (weight > MAX_STANDARD_TX_WEIGHT) {
        LogDebug("txpackages", "ignoring large orphan tx (size: %lld, txid: %s, wtxid: %s)\n",
                 static_cast<long long>(weight), tx->GetHash().GetHex().c_str(), wtxid.GetHex().c_str());
        return false;
    }
    auto [it, inserted] =
        m_orphans.emplace(wtxid, Orphan{tx, peer, now + ORPHAN_TX_EXPIRE_TIME, ++m_sequence, m_list.size()});
    (void)inserted;
    m_list.push_back(it);
    for (const TxIn& in : tx->vin) m_outpoint_to_orphan[in.prevout].insert(it);
    m_total_weight += weight;
    LogDebug("txpackages", "stored orphan tx %s (wtxid=%s), weight: %lld (mapsz %zu outsz %zu)\n",
             tx->GetHash().GetHex().c_str(), wtxid.GetHex().c_str(), static_cast<long long>(weight),
             m_orphans.size(), m_outpoint_to_orphan.size());
    return true;
}

bool TxOrphanage::HaveTx(const uint256& wtxid) const { return m_orphans.count(wtxid) != 0; }

void TxOrphanage::Erase(OrphanMap::iterator it)
{
    for (const TxIn& in : it->second.tx->vin) {
        auto o = m_outpoint_to_orphan.find(in.prevout);
        if (o == m_outpoint_to_orphan.end()) continue;
        o->second.erase(it);
        if (o->second.empty()) m_outpoint_to_orphan.erase(o);
    }
    // Swap with the last list entry so random eviction stays O(1).
    const size_t pos = it->second.list_pos;
    if (pos + 1 != m_list.size()) {
        m_list[pos] = m_list.back();
        m_list[pos]->second.list_pos = pos;
    }
    m_list.pop_back();
    m_total_weight -= GetTransactionWeight(*it->second.tx);
    m_orphans.erase(it);
}

int TxOrphanage::EraseTx(const uint256& wtxid)
{
    auto it = m_orphans.find(wtxid);
    if (it == m_orphans.end()) return 0;
    LogDebug("txpackages", "   removed orphan tx %s (wtxid=%s)\n", it->second.tx->GetHash().GetHex().c_str(),
             wtxid.GetHex().c_str());
    Erase(it);
    return 1;
}

void TxOrphanage::EraseForPeer(int64_t peer)
{
    m_peer_work_set.erase(peer);
    int erased = 0;
    for (auto it = m_orphans.begin(); it != m_orphans.end();) {
        auto next = std::next(it);
        if (it->second.peer == peer) {
            Erase(it);
            ++erased;
        }
        it = next;
    }
    if (erased > 0) LogDebug("txpackages", "Erased %d orphan transaction(s) from peer=%lld\n", erased,
                             static_cast<long long>(peer));
}

void TxOrphanage::EraseForBlock(const Block& block)
{
    std::vector<uint256> to_erase;
    for (const TransactionRef& tx : block.vtx) {
        // Orphans spending what the block spends are either the block's own transactions or conflict with them.
        for (const TxIn& in : tx->vin) {
            auto o = m_outpoint_to_orphan.find(in.prevout);
            if (o == m_outpoint_to_orphan.end()) continue;
            for (auto it : o->second) to_erase.push_back(it->first);
        }
    }
    int erased = 0;
    for (const uint256& wtxid : to_erase) erased += EraseTx(wtxid);
    if (erased > 0) LogDebug("txpackages", "Erased %d orphan tx included or conflicted by block\n", erased);
}

void TxOrphanage::LimitOrphans(unsigned int max_orphans, int64_t now, std::mt19937_64& rng)
{
    if (m_next_sweep <= now) {
        int erased = 0;
        int64_t min_expiry = now + ORPHAN_TX_EXPIRE_TIME - ORPHAN_TX_EXPIRE_INTERVAL;
        for (auto it = m_orphans.begin(); it != m_orphans.end();) {
            auto next = std::next(it);
            if (it->second.expiry <= now) {
                Erase(it);
                ++erased;
            } else {
                min_expiry = std::min(it->second.expiry, min_expiry);
            }
            it = next;
        }
        // Sweep again when the oldest orphan expires, but not more often than every interval.
        m_next_sweep = min_expiry + ORPHAN_TX_EXPIRE_INTERVAL;
        if (erased > 0) LogDebug("txpackages", "Erased %d orphan tx due to expiration\n", erased);
    }
    unsigned int evicted = 0;
    while (m_orphans.size() > max_orphans) {
        std::uniform_int_distribution<size_t> pick(0, m_list.size() - 1);
        Erase(m_list[pick(rng)]);
        ++evicted;
    }
    if (evicted > 0) LogDebug("txpackages", "orphanage overflow, removed %u tx\n", evicted);
}

void TxOrphanage::AddChildrenToWorkSet(const Transaction& tx)
{
    for (uint32_t i = 0; i < tx.vout.size(); ++i) {
        auto o = m_outpoint_to_orphan.find(OutPoint(tx.GetHash(), i));
        if (o == m_outpoint_to_orphan.end()) continue;
        for (auto it : o->second) {
            m_peer_work_set[it->second.peer].insert(it->first);
            LogDebug("txpackages", "added %s (wtxid=%s) to peer %lld workset\n",
                     it->second.tx->GetHash().GetHex().c_str(), it->first.GetHex().c_str(),
                     static_cast<long long>(it->second.peer));
        }
    }
}

TransactionRef TxOrphanage::GetTxToReconsider(int64_t peer)
{
    auto ws = m_peer_work_set.find(peer);
    if (ws == m_peer_work_set.end()) return nullptr;
    while (!ws->second.empty()) {
        const uint256 wtxid = *ws->second.begin();
        ws->second.erase(ws->second.begin());
        auto it = m_orphans.find(wtxid);
        if (it != m_orphans.end()) return it->second.tx;
    }
    m_peer_work_set.erase(ws);
    return nullptr;
}

bool TxOrphanage::HaveTxToReconsider(int64_t peer) const
{
    auto ws = m_peer_work_set.find(peer);
    if (ws == m_peer_work_set.end()) return false;
    return std::any_of(ws->second.begin(), ws->second.end(), [&](const uint256& w) { return m_orphans.count(w); });
}

std::vector<TxOrphanage::OrphanMap::const_iterator> TxOrphanage::Children(const Transaction& parent) const
{
    std::vector<OrphanMap::const_iterator> out;
    for (uint32_t i = 0; i < parent.vout.size(); ++i) {
        auto o = m_outpoint_to_orphan.find(OutPoint(parent.GetHash(), i));
        if (o == m_outpoint_to_orphan.end()) continue;
        for (auto it : o->second) {
            if (std::find(out.begin(), out.end(), OrphanMap::const_iterator(it)) == out.end()) out.push_back(it);
        }
    }
    // Newest first: of children replacing each other the latest is likely the best paying (Core).
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a->second.sequence > b->second.sequence; });
    return out;
}

std::vector<TransactionRef> TxOrphanage::GetChildrenFromSamePeer(const TransactionRef& parent, int64_t peer) const
{
    std::vector<TransactionRef> out;
    for (const auto& it : Children(*parent)) {
        if (it->second.peer == peer) out.push_back(it->second.tx);
    }
    return out;
}

std::vector<std::pair<TransactionRef, int64_t>> TxOrphanage::GetChildrenFromDifferentPeer(
    const TransactionRef& parent, int64_t peer) const
{
    std::vector<std::pair<TransactionRef, int64_t>> out;
    for (const auto& it : Children(*parent)) {
        if (it->second.peer != peer) out.emplace_back(it->second.tx, it->second.peer);
    }
    return out;
}
