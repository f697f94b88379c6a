// Node wiring: mempool and fee estimation follow the chain.
#include "node/context.h"

#include "util/logging.h"

#include <cmath>
#include <ctime>
#include <set>

uint32_t ChainMempoolContext::BlockScriptFlags() const
{
    // Flags of a block at the next height (the exception table cannot apply to an unknown block hash).
    const BlockIndex* tip = m_cm.Tip();
    BlockIndex next;
    uint256 none;
    next.phash = &none;
    next.height = tip->height + 1;
    return GetBlockScriptFlags(next, m_cm.Params().consensus);
}

int64_t NodeContext::Now() const
{
    const int64_t mock = mock_time.load();
    return mock ? mock : static_cast<int64_t>(std::time(nullptr));
}

MempoolAcceptResult NodeContext::ProcessTransaction(const TransactionRef& tx, bool test_accept)
{
    // The pool reports entries and removals to the fee estimator itself (mempool->m_fee_estimator).
    MempoolAcceptResult result = [&] {
        std::lock_guard chain_lock(chainman->Mutex());
        std::lock_guard pool_lock(mempool->m_mutex);
        return AcceptToMemoryPool(*mempool, *mempool_context, tx, Now(), false, test_accept);
    }();
    if (!test_accept && result.result_type == MempoolAcceptResult::ResultType::VALID && notifications) {
        notifications->TransactionAddedToMempool(tx);
    }
    return result;
}

void NodeNotifications::Register(ValidationNotifications* subscriber)
{
    std::lock_guard lock(m_subscribers_mutex);
    m_subscribers.push_back(subscriber);
}

void NodeNotifications::Unregister(ValidationNotifications* subscriber)
{
    std::lock_guard lock(m_subscribers_mutex);
    std::erase(m_subscribers, subscriber);
}

void NodeNotifications::TransactionAddedToMempool(const TransactionRef& tx)
{
    ForEachSubscriber([&](ValidationNotifications& s) { s.TransactionAddedToMempool(tx); });
}

void NodeNotifications::BlockConnected(const Block& block, const BlockIndex& index)
{
    if (m_node.mempool) {
        std::lock_guard lock(m_node.mempool->m_mutex);
        m_node.mempool->RemoveForBlock(block.vtx, static_cast<unsigned int>(index.height), m_node.Now());
    }
    // Transactions of a disconnected block that the new chain confirms need not come back.
    if (!m_disconnected.empty()) {
        std::set<uint256> mined;
        for (const auto& tx : block.vtx) mined.insert(tx->GetHash());
        std::erase_if(m_disconnected, [&](const TransactionRef& tx) { return mined.count(tx->GetHash()); });
    }
    ForEachSubscriber([&](ValidationNotifications& s) { s.BlockConnected(block, index); });
}

void NodeNotifications::BlockDisconnected(const Block& block, const BlockIndex& index)
{
    // Keep block order: later blocks' transactions go first here, reversed when re-added.
    for (auto it = block.vtx.rbegin(); it != block.vtx.rend(); ++it) {
        if (!(*it)->IsCoinBase()) m_disconnected.push_back(*it);
    }
    ForEachSubscriber([&](ValidationNotifications& s) { s.BlockDisconnected(block, index); });
}

void NodeNotifications::UpdatedBlockTip(const BlockIndex& tip, const BlockIndex* fork, bool initial_download)
{
    (void)fork;
    if (m_node.mempool && !m_disconnected.empty()) {
        std::reverse(m_disconnected.begin(), m_disconnected.end());
        std::lock_guard lock(m_node.mempool->m_mutex);
        UpdateMempoolForReorg(*m_node.mempool, *m_node.mempool_context, m_disconnected, true);
        m_disconnected.clear();
    } else if (m_node.mempool && fork && fork != tip.pprev) {
        std::lock_guard lock(m_node.mempool->m_mutex);
        RemoveForReorg(*m_node.mempool, *m_node.mempool_context);
    }
    if (!initial_download || tip.height % 1000 == 0) {
        LogPrintf("UpdateTip: new best=%s height=%d log2_work=%.6f tx=%llu date='%lld'\n",
                  tip.GetBlockHash().GetHex().c_str(), tip.height, std::log2(tip.chain_work.GetDouble()),
                  static_cast<unsigned long long>(tip.chain_tx_count), static_cast<long long>(tip.time));
    }
    {
        std::lock_guard lock(m_node.tip_mutex);
        m_node.tip_sequence++;
    }
    m_node.tip_changed.notify_all();
    ForEachSubscriber([&](ValidationNotifications& s) { s.UpdatedBlockTip(tip, fork, initial_download); });
}

void NodeNotifications::Progress(const std::string& title, int percent)
{
    LogPrintf("%s: %d%%\n", title.c_str(), percent);
    ForEachSubscriber([&](ValidationNotifications& s) { s.Progress(title, percent); });
}

void NodeNotifications::FatalError(const std::string& message)
{
    LogPrintf("*** %s\n", message.c_str());
    LogPrintf("Error: A fatal internal error occurred, see debug.log for details. Shutting down.\n");
    if (m_node.request_shutdown) m_node.request_shutdown();
}
