// Merkle roots: level-by-level hashing with the Sha256D64 fast path, and single-path recomputation.
#include "consensus/merkle.h"

#include "crypto/sha256.h"

#include <utility>

namespace {
/** Number of equal sibling pairs (pos, pos+1) at one level, before any padding: Core's mutation test. */
size_t CountEqualPairs(const std::vector<uint256>& level) {
    size_t equal = 0;
    for (size_t pos = 0; pos + 1 < level.size(); pos += 2) {
        if (level[pos] == level[pos + 1]) ++equal;
    }
    return equal;
}

/** Replaces level (size > 1) by its parent level: pads an odd level with its last hash, then hashes each
 * pair. */
void HashLevelInPlace(std::vector<uint256>& level) {
    if (level.size() & 1) level.push_back(level.back());
    // uint256 is a plain 32-byte array, so the level is a contiguous run of 64-byte pairs; the output for
    // pair i (32 bytes at i*32) never overwrites an input pair not yet read (at i*64 and later).
    static_assert(sizeof(uint256) == 32);
    Sha256D64(level[0].data(), level[0].data(), level.size() / 2);
    level.resize(level.size() / 2);
}

uint256 HashPair(const uint256& left, const uint256& right) {
    uint8_t in[64];
    std::copy(left.begin(), left.end(), in);
    std::copy(right.begin(), right.end(), in + 32);
    uint256 out;
    Sha256D64(out.data(), in, 1);
    return out;
}
}  // namespace

uint256 ComputeMerkleRoot(std::vector<uint256> leaves, bool* mutated) {
    // Equal pairs are checked at every level: they can appear above the leaves, e.g. [1,2,3,4,5,6,5,6].
    size_t equal = 0;
    while (leaves.size() > 1) {
        if (mutated) equal += CountEqualPairs(leaves);
        HashLevelInPlace(leaves);
    }
    if (mutated) *mutated = equal != 0;
    if (leaves.empty()) return uint256();
    return leaves[0];
}

uint256 BlockMerkleRoot(const Block& block, bool* mutated) {
    std::vector<uint256> leaves;
    leaves.reserve((block.vtx.size() + 1) & ~size_t(1));  // room for the padding of the first level
    for (const auto& tx : block.vtx) leaves.push_back(tx->GetHash());
    return ComputeMerkleRoot(std::move(leaves), mutated);
}

uint256 BlockWitnessMerkleRoot(const Block& block, bool* mutated) {
    std::vector<uint256> leaves;
    leaves.reserve((block.vtx.size() + 1) & ~size_t(1));
    leaves.emplace_back();  // BIP141: the coinbase's wtxid is taken as zero
    for (size_t i = 1; i < block.vtx.size(); ++i) leaves.push_back(block.vtx[i]->GetWitnessHash());
    return ComputeMerkleRoot(std::move(leaves), mutated);
}

MerkleTree::MerkleTree(std::vector<uint256> leaves) {
    if (leaves.empty()) return;
    m_levels.push_back(std::move(leaves));
    while (m_levels.back().size() > 1) {
        m_equal_pairs += CountEqualPairs(m_levels.back());
        std::vector<uint256> next = m_levels.back();
        HashLevelInPlace(next);
        m_levels.push_back(std::move(next));
    }
    m_root = m_levels.back()[0];
}

uint256 MerkleTree::RootWithLeaf(size_t index, const uint256& leaf, bool* mutated) const {
    size_t equal = m_equal_pairs;
    uint256 hash = leaf;
    for (size_t depth = 0; depth + 1 < m_levels.size(); ++depth, index >>= 1) {
        const std::vector<uint256>& level = m_levels[depth];
        const size_t sibling = index ^ 1;
        if (sibling >= level.size()) {
            hash = HashPair(hash, hash);  // odd tail: paired with itself, never counted as a mutation
            continue;
        }
        // Swap the original pair's contribution to the equal-pair count for the new one.
        if (level[index] == level[sibling]) --equal;
        if (hash == level[sibling]) ++equal;
        hash = (index & 1) ? HashPair(level[sibling], hash) : HashPair(hash, level[sibling]);
    }
    if (mutated) *mutated = equal != 0;
    return hash;
}
