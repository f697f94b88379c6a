// Proof-of-work rules as Bitcoin Core applies them.
#include "chain/pow.h"

#include <algorithm>
#include <cassert>

uint32_t GetNextWorkRequired(const BlockIndex* last, const BlockHeader& next, const ConsensusParams& params)
{
    assert(last != nullptr);
    const uint32_t pow_limit_bits = UintToArith256(params.pow_limit).GetCompact();
    const int64_t interval = params.DifficultyAdjustmentInterval();
    if ((last->height + 1) % interval != 0) {
        if (params.pow_allow_min_difficulty_blocks) {
            // Testnet: a block more than 20 minutes after its parent may use the minimum difficulty.
            if (next.GetBlockTime() > last->GetBlockTime() + params.pow_target_spacing * 2) return pow_limit_bits;
            // Otherwise the difficulty of the last block that did not use that exception.
            const BlockIndex* index = last;
            while (index->pprev && index->height % interval != 0 && index->bits == pow_limit_bits) {
                index = index->pprev;
            }
            return index->bits;
        }
        return last->bits;
    }
    const int first_height = static_cast<int>(last->height - (interval - 1));
    assert(first_height >= 0);
    const BlockIndex* first = last->GetAncestor(first_height);
    assert(first);
    return CalculateNextWorkRequired(last, first->GetBlockTime(), params);
}

uint32_t CalculateNextWorkRequired(const BlockIndex* last, int64_t first_block_time, const ConsensusParams& params)
{
    if (params.pow_no_retargeting) return last->bits;
    // Limit the adjustment to a factor of 4 either way.
    int64_t actual = last->GetBlockTime() - first_block_time;
    actual = std::clamp(actual, params.pow_target_timespan / 4, params.pow_target_timespan * 4);

    const arith_uint256 pow_limit = UintToArith256(params.pow_limit);
    arith_uint256 target;
    if (params.enforce_bip94) {
        // BIP94: start from the period's first block, which cannot use the min-difficulty exception.
        const int first_height = static_cast<int>(last->height - (params.DifficultyAdjustmentInterval() - 1));
        target.SetCompact(last->GetAncestor(first_height)->bits);
    } else {
        target.SetCompact(last->bits);
    }
    target *= static_cast<uint32_t>(actual);
    target /= arith_uint256(static_cast<uint64_t>(params.pow_target_timespan));
    if (target > pow_limit) target = pow_limit;
    return target.GetCompact();
}

bool PermittedDifficultyTransition(const ConsensusParams& params, int64_t height, uint32_t old_bits, uint32_t new_bits)
{
    if (params.pow_allow_min_difficulty_blocks) return true;
    if (height % params.DifficultyAdjustmentInterval() == 0) {
        const arith_uint256 pow_limit = UintToArith256(params.pow_limit);
        arith_uint256 observed;
        observed.SetCompact(new_bits);
        auto bound = [&](int64_t timespan) {
            arith_uint256 t;
            t.SetCompact(old_bits);
            t *= static_cast<uint32_t>(timespan);
            t /= arith_uint256(static_cast<uint64_t>(params.pow_target_timespan));
            if (t > pow_limit) t = pow_limit;
            // Round through the compact form, as the real retarget does.
            arith_uint256 rounded;
            rounded.SetCompact(t.GetCompact());
            return rounded;
        };
        if (bound(params.pow_target_timespan * 4) < observed) return false;
        if (bound(params.pow_target_timespan / 4) > observed) return false;
    } else if (old_bits != new_bits) {
        return false;
    }
    return true;
}

bool CheckProofOfWork(const uint256& hash, uint32_t bits, const ConsensusParams& params)
{
    return CheckProofOfWork(hash, bits, params.pow_limit);
}
