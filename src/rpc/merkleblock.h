// Core's CMerkleBlock: a block header plus a partial merkle tree proving which transactions it contains
// (BIP37 merkleblock format, also the gettxoutproof proof format).
#pragma once

#include "primitives/block.h"
#include "primitives/serialize.h"

#include <optional>
#include <set>
#include <vector>

class PartialMerkleTree
{
public:
    PartialMerkleTree() = default;
    /** The tree over txids keeping the branches to the entries where match is true. */
    PartialMerkleTree(const std::vector<uint256>& txids, const std::vector<bool>& match);

    /** The merkle root the tree commits to (null when it is malformed), and the matched txids and positions. */
    uint256 ExtractMatches(std::vector<uint256>& matches, std::vector<unsigned int>& indexes);
    uint32_t GetNumTransactions() const { return m_num_transactions; }

    std::vector<uint8_t> Encode() const;
    /** Reads from a reader; throws DeserializeError. */
    static PartialMerkleTree Read(SpanReader& s);

private:
    unsigned int CalcTreeWidth(int height) const { return (m_num_transactions + (1u << height) - 1) >> height; }
    uint256 CalcHash(int height, unsigned int pos, const std::vector<uint256>& txids) const;
    void TraverseAndBuild(int height, unsigned int pos, const std::vector<uint256>& txids, const std::vector<bool>& match);
    uint256 TraverseAndExtract(int height, unsigned int pos, unsigned int& bits_used, unsigned int& hashes_used,
                               std::vector<uint256>& matches, std::vector<unsigned int>& indexes);

    uint32_t m_num_transactions{0};
    std::vector<bool> m_bits;
    std::vector<uint256> m_hashes;
    bool m_bad{true};
};

struct MerkleBlock {
    BlockHeader header;
    PartialMerkleTree txn;

    MerkleBlock() = default;
    /** Proof for the transactions of block whose txid is in txids. */
    MerkleBlock(const Block& block, const std::set<uint256>& txids);
    std::vector<uint8_t> Encode() const;
    /** Core reads the header and tree and ignores anything after them; nullopt (and *error) when truncated. */
    static std::optional<MerkleBlock> Decode(std::span<const uint8_t> bytes, std::string* error = nullptr);
};
