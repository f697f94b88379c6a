// The block index: one entry per known header, linked to its parent with a skip list, plus the active chain.
#pragma once

#include "primitives/block.h"
#include "util/arith_uint256.h"

#include <cstdint>
#include <vector>

/** Validation progress and data availability of a block (bit values as Core's BlockStatus, stored on disk). */
enum BlockStatus : uint32_t {
    BLOCK_VALID_UNKNOWN = 0,
    BLOCK_VALID_RESERVED = 1,      // version 1 legacy: parsed, version ok, hash satisfies claimed PoW
    BLOCK_VALID_TREE = 2,          // all parent headers found, difficulty matches, timestamps ok
    BLOCK_VALID_TRANSACTIONS = 3,  // CheckBlock passed and the data is stored
    BLOCK_VALID_CHAIN = 4,         // outputs do not overspend, no double spends, coinbase ok, BIP30
    BLOCK_VALID_SCRIPTS = 5,       // scripts and signatures ok
    BLOCK_VALID_MASK = 7,
    BLOCK_HAVE_DATA = 8,
    BLOCK_HAVE_UNDO = 16,
    BLOCK_HAVE_MASK = BLOCK_HAVE_DATA | BLOCK_HAVE_UNDO,
    BLOCK_FAILED_VALID = 32,  // this block failed validation
    BLOCK_FAILED_CHILD = 64,  // descends from a failed block
    BLOCK_FAILED_MASK = BLOCK_FAILED_VALID | BLOCK_FAILED_CHILD,
    BLOCK_OPT_WITNESS = 128,  // block data was received with witness-enforcing client
};

/** Blocks whose timestamps are considered for the median time past. */
constexpr int MEDIAN_TIME_SPAN = 11;

class BlockIndex
{
public:
    const uint256* phash{nullptr};  // points into the map key that owns this entry
    BlockIndex* pprev{nullptr};
    BlockIndex* pskip{nullptr};
    int height{0};
    int file{0};
    uint32_t data_pos{0};
    uint32_t undo_pos{0};
    arith_uint256 chain_work;
    uint32_t tx_count{0};        // transactions in this block (0 until the data is seen)
    uint64_t chain_tx_count{0};  // transactions up to and including this block (0 if some ancestor lacks data)
    uint32_t status{0};
    int32_t sequence_id{0};  // order blocks were received in (tie-break between equal-work tips)
    uint32_t time_max{0};    // max time of this and all ancestors

    // Header fields.
    int32_t version{0};
    uint256 merkle_root;
    uint32_t time{0};
    uint32_t bits{0};
    uint32_t nonce{0};

    BlockIndex() = default;
    explicit BlockIndex(const BlockHeader& h)
        : version(h.version), merkle_root(h.merkle_root), time(h.time), bits(h.bits), nonce(h.nonce)
    {
    }

    BlockHeader GetBlockHeader() const;
    const uint256& GetBlockHash() const { return *phash; }
    int64_t GetBlockTime() const { return time; }
    int64_t GetBlockTimeMax() const { return time_max; }
    /** Median of the last MEDIAN_TIME_SPAN block times (BIP113). */
    int64_t GetMedianTimePast() const;

    bool IsValid(BlockStatus up_to = BLOCK_VALID_TRANSACTIONS) const
    {
        if (status & BLOCK_FAILED_MASK) return false;
        return (status & BLOCK_VALID_MASK) >= up_to;
    }
    /** Raise the validity level; false if already at or above it, or failed. */
    bool RaiseValidity(BlockStatus up_to);
    bool HaveNumChainTxs() const { return chain_tx_count != 0; }

    /** Set pskip from pprev (call once pprev and height are set). */
    void BuildSkip();
    BlockIndex* GetAncestor(int h);
    const BlockIndex* GetAncestor(int h) const;
};

/** Work represented by a block's target: 2^256 / (target + 1). */
arith_uint256 GetBlockProof(const BlockIndex& block);
/** Blocks needed at `to`'s rate to move from `from`'s work to `to`'s, in seconds of expected time. */
int64_t GetBlockProofEquivalentTime(const BlockIndex& to, const BlockIndex& from, const BlockIndex& tip,
                                    int64_t target_spacing);
/** The last common ancestor of two entries. */
const BlockIndex* LastCommonAncestor(const BlockIndex* a, const BlockIndex* b);

/** The active chain: a vector indexed by height. */
class ActiveChain
{
public:
    BlockIndex* Genesis() const { return m_chain.empty() ? nullptr : m_chain[0]; }
    BlockIndex* Tip() const { return m_chain.empty() ? nullptr : m_chain.back(); }
    BlockIndex* operator[](int h) const
    {
        if (h < 0 || h >= static_cast<int>(m_chain.size())) return nullptr;
        return m_chain[h];
    }
    bool Contains(const BlockIndex* index) const { return index && (*this)[index->height] == index; }
    BlockIndex* Next(const BlockIndex* index) const { return Contains(index) ? (*this)[index->height + 1] : nullptr; }
    int Height() const { return static_cast<int>(m_chain.size()) - 1; }
    void SetTip(BlockIndex& tip);
    void Clear() { m_chain.clear(); }
    /** The last entry of this chain that is an ancestor of (or equal to) index. */
    const BlockIndex* FindFork(const BlockIndex* index) const;
    /** Block locator from index (or the tip): dense for 10 entries, then exponentially sparse, ending at genesis. */
    std::vector<uint256> GetLocator(const BlockIndex* index = nullptr) const;
    /** First entry with time_max >= time and height >= height, or nullptr. */
    BlockIndex* FindEarliestAtLeast(int64_t time, int height) const;

private:
    std::vector<BlockIndex*> m_chain;
};
