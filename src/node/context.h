// Everything a running node holds (chainstate, mempool, fee estimator) and how they react to chain changes.
// RPC commands, the P2P layer and later the wallet receive a NodeContext& instead of reaching into globals.
//
// Lock order: the chainstate lock (ChainstateManager::Mutex) before the mempool lock (TxMemPool::m_mutex).
#pragma once

#include "node/mempool_accept.h"
#include "node/validation.h"
#include "policy/fees.h"

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

class ArgsManager;
class BaseIndex;

/** The mempool's view of the active chain. */
class ChainMempoolContext : public MempoolChainContext
{
public:
    explicit ChainMempoolContext(ChainstateManager& cm, std::function<int64_t()> now) : m_cm(cm), m_now(std::move(now)) {}
    int TipHeight() const override { return m_cm.Chain().Height(); }
    int64_t TipMedianTimePast() const override { return m_cm.Tip()->GetMedianTimePast(); }
    int64_t MedianTimePastAt(int height) const override { return m_cm.Chain()[height]->GetMedianTimePast(); }
    CoinsView& TipCoins() override { return m_cm.CoinsTip(); }
    uint32_t BlockScriptFlags() const override;
    int64_t Now() const override { return m_now(); }
    void Uncache(const OutPoint& outpoint) override { m_cm.CoinsTip().Uncache(outpoint); }

private:
    ChainstateManager& m_cm;
    std::function<int64_t()> m_now;
};

struct NodeContext;

/** Keeps the mempool and fee estimator in step with the chain, and wakes waiters on new tips. */
class NodeNotifications : public ValidationNotifications
{
public:
    explicit NodeNotifications(NodeContext& node) : m_node(node) {}
    void BlockConnected(const Block& block, const BlockIndex& index) override;
    void BlockDisconnected(const Block& block, const BlockIndex& index) override;
    void UpdatedBlockTip(const BlockIndex& tip, const BlockIndex* fork, bool initial_download) override;
    void Progress(const std::string& title, int percent) override;
    void FatalError(const std::string& message) override;
    void TransactionAddedToMempool(const TransactionRef& tx) override;

    /** Further subscribers (P2P, wallets, indexes, Electrum, dashboard) get every event after the mempool has
     *  reacted, in registration order. Register before the node starts moving; unregister before destruction. */
    void Register(ValidationNotifications* subscriber);
    void Unregister(ValidationNotifications* subscriber);

private:
    NodeContext& m_node;
    std::mutex m_subscribers_mutex;
    std::vector<ValidationNotifications*> m_subscribers;
    template <typename F>
    void ForEachSubscriber(F f)
    {
        std::vector<ValidationNotifications*> copy;
        {
            std::lock_guard lock(m_subscribers_mutex);
            copy = m_subscribers;
        }
        for (ValidationNotifications* s : copy) f(*s);
    }
    /** Transactions of disconnected blocks, re-offered to the mempool when the reorg completes. */
    std::vector<TransactionRef> m_disconnected;
};

struct NodeContext {
    const ChainParams* params{nullptr};
    ArgsManager* args{nullptr};
    std::filesystem::path data_dir;  // per-chain directory
    std::unique_ptr<ChainstateManager> chainman;
    std::unique_ptr<TxMemPool> mempool;
    std::unique_ptr<BlockPolicyEstimator> fee_estimator;
    std::unique_ptr<ChainMempoolContext> mempool_context;
    std::unique_ptr<NodeNotifications> notifications;
    /** Running optional indexes (txindex, block filters, Electrum history), owned by whoever started them;
     *  getindexinfo lists them. */
    std::vector<BaseIndex*> indexes;
    std::function<void()> request_shutdown;
    /** True once shutdown began: long RPC loops (generate*) stop early. */
    std::function<bool()> shutdown_requested = [] { return false; };
    /** setmocktime (regtest): 0 means the real clock. */
    std::atomic<int64_t> mock_time{0};
    /** Signalled on every new tip (waitfornewblock, the mining pool, -rpcwait clients). */
    std::mutex tip_mutex;
    std::condition_variable tip_changed;
    uint64_t tip_sequence{0};

    int64_t Now() const;
    /** Offers a transaction to the mempool with the chain locked (sendrawtransaction, P2P, wallets). */
    MempoolAcceptResult ProcessTransaction(const TransactionRef& tx, bool test_accept);
};
