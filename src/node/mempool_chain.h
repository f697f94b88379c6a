// MempoolChainContext over the node's ChainstateManager: the glue AcceptToMemoryPool needs from the active chain.
#pragma once

#include "node/mempool_accept.h"
#include "node/validation.h"

/** Reads the active chain of a ChainstateManager. Callers hold chainman.Mutex() while using it (Core's cs_main). */
class ChainstateMempoolContext : public MempoolChainContext
{
public:
    explicit ChainstateMempoolContext(ChainstateManager& chainman) : m_chainman(chainman) {}
    int TipHeight() const override;
    int64_t TipMedianTimePast() const override;
    int64_t MedianTimePastAt(int height) const override;
    CoinsView& TipCoins() override { return m_chainman.CoinsTip(); }
    uint32_t BlockScriptFlags() const override;
    int64_t Now() const override { return m_chainman.Now(); }
    bool IsCurrentForFeeEstimation() const override;
    void Uncache(const OutPoint& outpoint) override { m_chainman.CoinsTip().Uncache(outpoint); }

private:
    ChainstateManager& m_chainman;
};
