// Merkle roots: agreement with a plain recursive definition, CVE-2012-2459 mutation detection, the
// single-path MerkleTree update, and the BIP141 witness root.
#include "consensus/merkle.h"
#include "crypto/hash.h"

#include <gtest/gtest.h>

#include <random>

namespace {
uint256 RandomHash(std::mt19937_64& rng) {
    uint256 h;
    for (int i = 0; i < 4; ++i) {
        const uint64_t v = rng();
        std::memcpy(h.data() + 8 * i, &v, 8);
    }
    return h;
}

/** The tree from its definition, with plain double-SHA256 of the 64-byte concatenation (not the fast path).
 */
uint256 ReferenceRoot(std::vector<uint256> level) {
    if (level.empty()) return uint256();
    while (level.size() > 1) {
        if (level.size() % 2) level.push_back(level.back());
        std::vector<uint256> next;
        for (size_t i = 0; i < level.size(); i += 2) {
            std::vector<uint8_t> cat(level[i].begin(), level[i].end());
            cat.insert(cat.end(), level[i + 1].begin(), level[i + 1].end());
            next.push_back(Hash256(cat));
        }
        level = std::move(next);
    }
    return level[0];
}

std::vector<uint256> RandomLeaves(std::mt19937_64& rng, size_t n) {
    std::vector<uint256> leaves;
    for (size_t i = 0; i < n; ++i) leaves.push_back(RandomHash(rng));
    return leaves;
}
}  // namespace

TEST(Merkle, EmptyAndSingleLeaf) {
    bool mutated = true;
    EXPECT_EQ(ComputeMerkleRoot({}, &mutated), uint256());
    EXPECT_FALSE(mutated);
    std::mt19937_64 rng(1);
    const uint256 leaf = RandomHash(rng);
    EXPECT_EQ(ComputeMerkleRoot({leaf}, &mutated), leaf);
    EXPECT_FALSE(mutated);
}

TEST(Merkle, MatchesRecursiveDefinitionForSizes1To300) {
    std::mt19937_64 rng(2);
    for (size_t n = 1; n <= 300; ++n) {
        const auto leaves = RandomLeaves(rng, n);
        bool mutated = true;
        EXPECT_EQ(ComputeMerkleRoot(leaves, &mutated), ReferenceRoot(leaves)) << n;
        EXPECT_FALSE(mutated) << n;
        EXPECT_EQ(ComputeMerkleRoot(leaves), ReferenceRoot(leaves)) << n;
    }
}

TEST(Merkle, DuplicatedTailKeepsRootButIsFlaggedMutated) {
    // CVE-2012-2459: [1..6] and [1..6,5,6] have the same root; so do [1..5] and [1..5,5].
    std::mt19937_64 rng(3);
    for (size_t n = 2; n <= 64; ++n) {
        const auto leaves = RandomLeaves(rng, n);
        bool mutated = true;
        const uint256 root = ComputeMerkleRoot(leaves, &mutated);
        ASSERT_FALSE(mutated);
        // Appending a copy of the last k leaves keeps the root whenever the tree pads the tail with them:
        // find the duplications that do, and check each is flagged.
        size_t same_root = 0;
        for (size_t k = 1; k <= n; ++k) {
            auto dup = leaves;
            dup.insert(dup.end(), leaves.end() - long(k), leaves.end());
            bool dup_mutated = false;
            if (ComputeMerkleRoot(dup, &dup_mutated) == root) {
                ++same_root;
                EXPECT_TRUE(dup_mutated) << n << " " << k;
            }
        }
        // An odd count always admits the one-leaf duplication.
        if (n % 2) {
            EXPECT_GE(same_root, 1u) << n;
        }
    }
    // The example of the CVE, spelled out.
    const auto six = RandomLeaves(rng, 6);
    auto eight = six;
    eight.push_back(six[4]);
    eight.push_back(six[5]);
    bool mutated = false;
    EXPECT_EQ(ComputeMerkleRoot(eight, &mutated), ComputeMerkleRoot(six));
    EXPECT_TRUE(mutated);
}

TEST(Merkle, EqualSiblingsAnywhereAreFlagged) {
    std::mt19937_64 rng(4);
    auto leaves = RandomLeaves(rng, 10);
    leaves[3] = leaves[2];  // a pair
    bool mutated = false;
    ComputeMerkleRoot(leaves, &mutated);
    EXPECT_TRUE(mutated);
    leaves = RandomLeaves(rng, 10);
    leaves[4] = leaves[3];  // equal but not siblings
    ComputeMerkleRoot(leaves, &mutated);
    EXPECT_FALSE(mutated);
    leaves = RandomLeaves(rng, 9);
    leaves.push_back(leaves[8]);  // equal siblings at the tail of an even level
    ComputeMerkleRoot(leaves, &mutated);
    EXPECT_TRUE(mutated);
}

TEST(MerkleTree, SinglePathUpdateEqualsFullRecomputation) {
    std::mt19937_64 rng(5);
    for (size_t n : {1, 2, 3, 5, 8, 13, 64, 99, 1557}) {
        auto leaves = RandomLeaves(rng, n);
        const MerkleTree tree(leaves);
        bool mutated = true;
        ASSERT_EQ(tree.Root(), ComputeMerkleRoot(leaves, &mutated));
        ASSERT_EQ(tree.Mutated(), mutated);
        for (size_t i = 0; i < n; i += (n > 100 ? 37 : 1)) {
            // A fresh leaf, a copy of the sibling (makes a mutation), and the original leaf again.
            for (const uint256& leaf : {RandomHash(rng), leaves[(i ^ 1) < n ? (i ^ 1) : i], leaves[i]}) {
                auto changed = leaves;
                changed[i] = leaf;
                bool expect_mutated = false, got_mutated = true;
                const uint256 expect = ComputeMerkleRoot(changed, &expect_mutated);
                EXPECT_EQ(tree.RootWithLeaf(i, leaf, &got_mutated), expect) << n << " " << i;
                EXPECT_EQ(got_mutated, expect_mutated) << n << " " << i;
            }
        }
    }
    // A tree that is already mutated stays so unless the change removes the equal pair.
    auto leaves = RandomLeaves(rng, 6);
    leaves[1] = leaves[0];
    const MerkleTree tree(leaves);
    EXPECT_TRUE(tree.Mutated());
    bool mutated = false;
    tree.RootWithLeaf(4, RandomHash(rng), &mutated);
    EXPECT_TRUE(mutated);
    tree.RootWithLeaf(1, RandomHash(rng), &mutated);
    EXPECT_FALSE(mutated);
}

TEST(Merkle, WitnessRootTakesCoinbaseWtxidAsZero) {
    // Three transactions, two with witnesses: the witness root is over {0, wtxid1, wtxid2}.
    Block block;
    for (int i = 0; i < 3; ++i) {
        MutableTransaction tx;
        tx.vin.resize(1);
        tx.vin[0].prevout = OutPoint(uint256(), uint32_t(i == 0 ? OutPoint::NULL_INDEX : i));
        tx.vin[0].witness.stack.push_back({uint8_t(i), 2, 3});
        tx.vout.emplace_back(i, Script());
        block.vtx.push_back(MakeTransactionRef(tx));
        ASSERT_NE(block.vtx.back()->GetWitnessHash(), block.vtx.back()->GetHash());
    }
    const uint256 expect =
        ComputeMerkleRoot({uint256(), block.vtx[1]->GetWitnessHash(), block.vtx[2]->GetWitnessHash()});
    bool mutated = true;
    EXPECT_EQ(BlockWitnessMerkleRoot(block, &mutated), expect);
    EXPECT_FALSE(mutated);
    EXPECT_NE(BlockWitnessMerkleRoot(block), BlockMerkleRoot(block));
    // Without witnesses the trees differ only in the coinbase leaf.
    EXPECT_EQ(BlockMerkleRoot(block),
              ComputeMerkleRoot({block.vtx[0]->GetHash(), block.vtx[1]->GetHash(), block.vtx[2]->GetHash()}));
}
