// MempoolChainContext over ChainstateManager.
#include "node/mempool_chain.h"

int ChainstateMempoolContext::TipHeight() const { return m_chainman.Chain().Height(); }

int64_t ChainstateMempoolContext::TipMedianTimePast() const { return m_chainman.Tip()->GetMedianTimePast(); }

int64_t ChainstateMempoolContext::MedianTimePastAt(int height) const
{
    const BlockIndex* index = m_chainman.Chain()[height];
    return index ? index->GetMedianTimePast() : m_chainman.Tip()->GetMedianTimePast();
}

uint32_t ChainstateMempoolContext::BlockScriptFlags() const
{
    // Core checks mempool transactions against the tip block's flags (ConsensusScriptChecks).
    return GetBlockScriptFlags(*m_chainman.Tip(), m_chainman.Params().consensus);
}

bool ChainstateMempoolContext::IsCurrentForFeeEstimation() const
{
    // Core's IsCurrentForFeeEstimation: not in IBD, tip at most 3 hours old, no more than one header ahead.
    if (m_chainman.IsInitialBlockDownload()) return false;
    if (m_chainman.Tip()->GetBlockTime() < m_chainman.Now() - MAX_FEE_ESTIMATION_TIP_AGE) return false;
    const BlockIndex* best_header = m_chainman.BestHeader();
    if (best_header && m_chainman.Chain().Height() < best_header->height - 1) return false;
    return true;
}
