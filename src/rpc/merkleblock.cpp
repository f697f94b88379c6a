// Partial merkle trees as Core builds and checks them (depth-first bits and hashes, CVE-2012-2459 check).
#include "rpc/merkleblock.h"

#include "consensus/consensus.h"
#include "crypto/hash.h"
#include "primitives/serialize.h"

namespace {
uint256 HashPair(const uint256& left, const uint256& right)
{
    uint8_t buf[64];
    std::copy(left.begin(), left.end(), buf);
    std::copy(right.begin(), right.end(), buf + 32);
    return Hash256(buf);
}
}  // namespace

PartialMerkleTree::PartialMerkleTree(const std::vector<uint256>& txids, const std::vector<bool>& match)
    : m_num_transactions(static_cast<uint32_t>(txids.size())), m_bad(false)
{
    int height = 0;
    while (CalcTreeWidth(height) > 1) ++height;
    TraverseAndBuild(height, 0, txids, match);
}

uint256 PartialMerkleTree::CalcHash(int height, unsigned int pos, const std::vector<uint256>& txids) const
{
    if (height == 0) return txids[pos];
    const uint256 left = CalcHash(height - 1, pos * 2, txids);
    const uint256 right = pos * 2 + 1 < CalcTreeWidth(height - 1) ? CalcHash(height - 1, pos * 2 + 1, txids) : left;
    return HashPair(left, right);
}

void PartialMerkleTree::TraverseAndBuild(int height, unsigned int pos, const std::vector<uint256>& txids,
                                         const std::vector<bool>& match)
{
    bool parent_of_match = false;
    for (unsigned int p = pos << height; p < (pos + 1) << height && p < m_num_transactions; ++p) {
        parent_of_match |= match[p];
    }
    m_bits.push_back(parent_of_match);
    if (height == 0 || !parent_of_match) {
        m_hashes.push_back(CalcHash(height, pos, txids));
    } else {
        TraverseAndBuild(height - 1, pos * 2, txids, match);
        if (pos * 2 + 1 < CalcTreeWidth(height - 1)) TraverseAndBuild(height - 1, pos * 2 + 1, txids, match);
    }
}

uint256 PartialMerkleTree::TraverseAndExtract(int height, unsigned int pos, unsigned int& bits_used,
                                              unsigned int& hashes_used, std::vector<uint256>& matches,
                                              std::vector<unsigned int>& indexes)
{
    if (bits_used >= m_bits.size()) {
        m_bad = true;
        return uint256();
    }
    const bool parent_of_match = m_bits[bits_used++];
    if (height == 0 || !parent_of_match) {
        if (hashes_used >= m_hashes.size()) {
            m_bad = true;
            return uint256();
        }
        const uint256& hash = m_hashes[hashes_used++];
        if (height == 0 && parent_of_match) {
            matches.push_back(hash);
            indexes.push_back(pos);
        }
        return hash;
    }
    const uint256 left = TraverseAndExtract(height - 1, pos * 2, bits_used, hashes_used, matches, indexes);
    uint256 right;
    if (pos * 2 + 1 < CalcTreeWidth(height - 1)) {
        right = TraverseAndExtract(height - 1, pos * 2 + 1, bits_used, hashes_used, matches, indexes);
        // Identical siblings would let a proof claim a duplicated transaction (CVE-2012-2459).
        if (right == left) m_bad = true;
    } else {
        right = left;
    }
    return HashPair(left, right);
}

uint256 PartialMerkleTree::ExtractMatches(std::vector<uint256>& matches, std::vector<unsigned int>& indexes)
{
    matches.clear();
    if (m_num_transactions == 0) return uint256();
    if (m_num_transactions > MAX_BLOCK_WEIGHT / MIN_TRANSACTION_WEIGHT) return uint256();
    if (m_hashes.size() > m_num_transactions) return uint256();
    if (m_bits.size() < m_hashes.size()) return uint256();
    int height = 0;
    while (CalcTreeWidth(height) > 1) ++height;
    unsigned int bits_used = 0, hashes_used = 0;
    const uint256 root = TraverseAndExtract(height, 0, bits_used, hashes_used, matches, indexes);
    if (m_bad) return uint256();
    // Every bit (up to byte padding) and every hash must have been used.
    if ((bits_used + 7) / 8 != (m_bits.size() + 7) / 8) return uint256();
    if (hashes_used != m_hashes.size()) return uint256();
    return root;
}

std::vector<uint8_t> PartialMerkleTree::Encode() const
{
    std::vector<uint8_t> out;
    VectorWriter w(out);
    WriteLE(w, m_num_transactions);
    WriteCompactSize(w, m_hashes.size());
    for (const uint256& h : m_hashes) WriteBlob(w, h);
    std::vector<uint8_t> bytes((m_bits.size() + 7) / 8);
    for (size_t p = 0; p < m_bits.size(); ++p) bytes[p / 8] |= static_cast<uint8_t>(m_bits[p] << (p % 8));
    WriteBytes(w, bytes);
    return out;
}

PartialMerkleTree PartialMerkleTree::Read(SpanReader& s)
{
    PartialMerkleTree t;
    t.m_num_transactions = ReadLE<uint32_t>(s);
    t.m_hashes = ReadVector<uint256>(s, [](SpanReader& r) { return ReadUint256(r); });
    const std::vector<uint8_t> bytes = ReadBytes(s);
    t.m_bits.resize(bytes.size() * 8);
    for (size_t p = 0; p < t.m_bits.size(); ++p) t.m_bits[p] = (bytes[p / 8] & (1 << (p % 8))) != 0;
    t.m_bad = false;
    return t;
}

MerkleBlock::MerkleBlock(const Block& block, const std::set<uint256>& txids) : header(block.header)
{
    std::vector<bool> match;
    std::vector<uint256> hashes;
    for (const auto& tx : block.vtx) {
        match.push_back(txids.count(tx->GetHash()) > 0);
        hashes.push_back(tx->GetHash());
    }
    txn = PartialMerkleTree(hashes, match);
}

std::vector<uint8_t> MerkleBlock::Encode() const
{
    std::vector<uint8_t> out = EncodeBlockHeader(header);
    const std::vector<uint8_t> tree = txn.Encode();
    out.insert(out.end(), tree.begin(), tree.end());
    return out;
}

std::optional<MerkleBlock> MerkleBlock::Decode(std::span<const uint8_t> bytes, std::string* error)
{
    try {
        SpanReader s(bytes);
        MerkleBlock mb;
        mb.header = UnserializeHeader(s);
        mb.txn = PartialMerkleTree::Read(s);
        return mb;
    } catch (const DeserializeError& e) {
        if (error) *error = e.what();
        return std::nullopt;
    }
}
