// Block index entries, skip-list ancestry and the active chain.
#include "chain/block_index.h"

#include "consensus/block_check.h"

#include <algorithm>

BlockHeader BlockIndex::GetBlockHeader() const
{
    BlockHeader h;
    h.version = version;
    if (pprev) h.prev_block = pprev->GetBlockHash();
    h.merkle_root = merkle_root;
    h.time = time;
    h.bits = bits;
    h.nonce = nonce;
    return h;
}

int64_t BlockIndex::GetMedianTimePast() const
{
    int64_t times[MEDIAN_TIME_SPAN];
    int n = 0;
    for (const BlockIndex* p = this; p && n < MEDIAN_TIME_SPAN; p = p->pprev) times[n++] = p->GetBlockTime();
    std::sort(times, times + n);
    return times[n / 2];
}

bool BlockIndex::RaiseValidity(BlockStatus up_to)
{
    if (status & BLOCK_FAILED_MASK) return false;
    if ((status & BLOCK_VALID_MASK) < up_to) {
        status = (status & ~BLOCK_VALID_MASK) | up_to;
        return true;
    }
    return false;
}

namespace {
int InvertLowestOne(int n) { return n & (n - 1); }

// The skip target: a height that makes ancestor search O(log n) while keeping nearby jumps cheap.
int GetSkipHeight(int height)
{
    if (height < 2) return 0;
    return (height & 1) ? InvertLowestOne(InvertLowestOne(height - 1)) + 1 : InvertLowestOne(height);
}
}  // namespace

void BlockIndex::BuildSkip()
{
    if (pprev) pskip = pprev->GetAncestor(GetSkipHeight(height));
}

const BlockIndex* BlockIndex::GetAncestor(int h) const
{
    if (h > height || h < 0) return nullptr;
    const BlockIndex* walk = this;
    int height_walk = height;
    while (height_walk > h) {
        int height_skip = GetSkipHeight(height_walk);
        int height_skip_prev = GetSkipHeight(height_walk - 1);
        if (walk->pskip != nullptr &&
            (height_skip == h || (height_skip > h && !(height_skip_prev < height_skip - 2 && height_skip_prev >= h)))) {
            walk = walk->pskip;
            height_walk = height_skip;
        } else {
            walk = walk->pprev;
            height_walk--;
        }
    }
    return walk;
}

BlockIndex* BlockIndex::GetAncestor(int h)
{
    return const_cast<BlockIndex*>(static_cast<const BlockIndex*>(this)->GetAncestor(h));
}

arith_uint256 GetBlockProof(const BlockIndex& block) { return GetBlockProof(block.bits); }

int64_t GetBlockProofEquivalentTime(const BlockIndex& to, const BlockIndex& from, const BlockIndex& tip,
                                    int64_t target_spacing)
{
    arith_uint256 r;
    int sign = 1;
    if (to.chain_work > from.chain_work) {
        r = to.chain_work - from.chain_work;
    } else {
        r = from.chain_work - to.chain_work;
        sign = -1;
    }
    r = r * arith_uint256(static_cast<uint64_t>(target_spacing)) / GetBlockProof(tip);
    if (r.Bits() > 63) return sign * std::numeric_limits<int64_t>::max();
    return sign * static_cast<int64_t>(r.GetLow64());
}

const BlockIndex* LastCommonAncestor(const BlockIndex* a, const BlockIndex* b)
{
    if (a->height > b->height) {
        a = a->GetAncestor(b->height);
    } else if (b->height > a->height) {
        b = b->GetAncestor(a->height);
    }
    while (a != b && a && b) {
        a = a->pprev;
        b = b->pprev;
    }
    return a;
}

void ActiveChain::SetTip(BlockIndex& tip)
{
    BlockIndex* index = &tip;
    m_chain.resize(index->height + 1);
    while (index && m_chain[index->height] != index) {
        m_chain[index->height] = index;
        index = index->pprev;
    }
}

const BlockIndex* ActiveChain::FindFork(const BlockIndex* index) const
{
    if (!index) return nullptr;
    if (index->height > Height()) index = index->GetAncestor(Height());
    while (index && !Contains(index)) index = index->pprev;
    return index;
}

std::vector<uint256> ActiveChain::GetLocator(const BlockIndex* index) const
{
    if (!index) index = Tip();
    std::vector<uint256> have;
    if (!index) return have;
    have.reserve(32);
    int step = 1;
    while (index) {
        have.push_back(index->GetBlockHash());
        if (index->height == 0) break;
        int h = std::max(index->height - step, 0);
        // Use the active chain when the entry is on it (O(1)), else walk the skip list.
        index = Contains(index) ? (*this)[h] : index->GetAncestor(h);
        if (have.size() > 10) step *= 2;
    }
    return have;
}

BlockIndex* ActiveChain::FindEarliestAtLeast(int64_t time, int height) const
{
    auto it = std::lower_bound(m_chain.begin(), m_chain.end(), std::make_pair(time, height),
                               [](const BlockIndex* b, const std::pair<int64_t, int>& v) {
                                   return b->GetBlockTimeMax() < v.first || b->height < v.second;
                               });
    return it == m_chain.end() ? nullptr : *it;
}
