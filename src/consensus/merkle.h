// Bitcoin's transaction merkle tree (with the CVE-2012-2459 duplicate-subtree detection) and the BIP141
// witness tree.
#pragma once

#include "primitives/block.h"
#include "util/uint256.h"

#include <cstddef>
#include <vector>

/** Root of the merkle tree over leaves, in Bitcoin's construction: an odd level is padded by repeating its
 * last hash before pairing. That padding makes some different leaf lists share a root (CVE-2012-2459), so
 * when mutated is given it is set if any level hashes two equal siblings (Core's check, applied before the
 * padding). The root of no leaves is zero. */
uint256 ComputeMerkleRoot(std::vector<uint256> leaves, bool* mutated = nullptr);

/** Merkle root over the block's txids. */
uint256 BlockMerkleRoot(const Block& block, bool* mutated = nullptr);

/** BIP141 witness merkle root over the wtxids, with the coinbase's wtxid taken as zero. */
uint256 BlockWitnessMerkleRoot(const Block& block, bool* mutated = nullptr);

/** A whole merkle tree kept level by level (built with the same hashing as ComputeMerkleRoot), so that the
 * root after replacing one leaf is recomputed along that leaf's path only: log2(n) hashes instead of n. */
class MerkleTree {
public:
    explicit MerkleTree(std::vector<uint256> leaves);

    const uint256& Root() const { return m_root; }
    /** The CVE-2012-2459 flag of ComputeMerkleRoot for these leaves. */
    bool Mutated() const { return m_equal_pairs != 0; }
    size_t LeafCount() const { return m_levels.empty() ? 0 : m_levels[0].size(); }

    /** Root (and mutated flag) the tree would have with leaf index replaced by leaf; the tree is unchanged.
     *  Equal to ComputeMerkleRoot of the modified leaf list. index must be below LeafCount(). */
    uint256 RootWithLeaf(size_t index, const uint256& leaf, bool* mutated = nullptr) const;

private:
    std::vector<std::vector<uint256>>
        m_levels;  // m_levels[0] = leaves; each level unpadded; last level is the root
    uint256 m_root;
    size_t m_equal_pairs{0};  // equal sibling pairs over all levels
};
