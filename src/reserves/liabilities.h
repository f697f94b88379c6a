// Proof of liabilities: a Merkle-sum tree over account balances with per-account inclusion proofs.
//
// Built against the attacks in "Broken Proofs of Solvency in Blockchain Custodial Wallets and Exchanges"
// (Chalkias, Chatzigiannis, Ji, 2022), see docs/liabilities.md:
//  - every inner node commits to BOTH children's sums (not just their total), so a prover cannot shift value
//    between subtrees;
//  - balances are non-negative and every sum, at every node, is at most MAX_MONEY, so nothing can overflow;
//  - account identifiers are hidden behind a per-account salt only the holder receives;
//  - the tree has a fixed height, padded with secret-derived zero-sum nodes, and leaves are ordered by their
//    pseudorandom hash, so the proof leaks neither the number of accounts nor their order of creation.
#pragma once

#include "primitives/transaction.h"
#include "util/uint256.h"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

class HmacKey;
class JsonValue;

/** A node of the Merkle-sum tree: a hash and the sum of the balances below it (satoshis). */
struct SumNode {
    uint256 hash;
    uint64_t sum{0};
    bool operator==(const SumNode&) const = default;
};

struct LiabilityAccount {
    std::string id;   // the institution's account identifier (never published; salted in the tree)
    Amount balance{0};
};

/** What the institution publishes next to its proof of reserves. */
struct LiabilityCommitment {
    SumNode root;
    int height{0};
};

/** What one account holder receives: enough to recompute the root from their own balance. */
struct LiabilityProof {
    std::string account_id;
    uint256 salt;
    Amount balance{0};
    uint64_t leaf_index{0};          // its bits choose left/right on the way up
    std::vector<SumNode> siblings;   // one per level, leaf level first
};

/** Largest fixed height: 2^40 accounts is far beyond any population. */
constexpr int MAX_LIABILITY_TREE_HEIGHT = 40;
/** Default height: room for 2^32 accounts, and every proof has 32 siblings whatever the population. */
constexpr int DEFAULT_LIABILITY_TREE_HEIGHT = 32;

class LiabilityTree
{
public:
    /** Builds the tree. master_secret derives the salts and the padding; keep it private. nullopt and *error
     *  for negative or oversized balances, duplicate ids, a total above MAX_MONEY, or too many accounts for the
     *  height. */
    static std::optional<LiabilityTree> Build(const std::vector<LiabilityAccount>& accounts,
                                              const std::array<uint8_t, 32>& master_secret, int height,
                                              std::string* error);

    LiabilityCommitment Commitment() const { return {m_levels.back()[0], m_height}; }
    size_t AccountCount() const { return m_ids.size(); }
    /** The proof for an account id, or nullopt when the id is unknown. */
    std::optional<LiabilityProof> Prove(const std::string& account_id) const;
    /** The proof for the account at leaf position (0 <= leaf < AccountCount()). */
    LiabilityProof ProveLeaf(size_t leaf) const;
    /** Memory held by the tree's nodes and index (approximate). */
    size_t MemoryUsage() const;

private:
    LiabilityTree() = default;
    int m_height{0};
    std::shared_ptr<const HmacKey> m_secret;  // the master secret's HMAC midstates (salts, padding)
    /** m_levels[0] are the leaves (sorted by hash); each level has an even size except the root level. */
    std::vector<std::vector<SumNode>> m_levels;
    std::vector<std::string> m_ids;          // by leaf position
    std::vector<Amount> m_balances;          // by leaf position
    std::unordered_map<std::string, size_t> m_position;
};

/** The salt an account's identifier is hidden with (HMAC-SHA256 of the id under the master secret). */
uint256 LiabilitySalt(const std::array<uint8_t, 32>& master_secret, const std::string& account_id);
SumNode LiabilityLeaf(const uint256& salt, const std::string& account_id, Amount balance);
/** Inner node over two children; nullopt when the sum would pass MAX_MONEY. */
std::optional<SumNode> LiabilityParent(const SumNode& left, const SumNode& right);

/** Checks an inclusion proof against a published commitment; false and *error with the first problem. */
bool VerifyLiabilityProof(const LiabilityProof& proof, const LiabilityCommitment& commitment, std::string* error);

JsonValue LiabilityProofToJson(const LiabilityProof& proof, const LiabilityCommitment& commitment);
JsonValue LiabilityCommitmentToJson(const LiabilityCommitment& commitment);
/** Largest accounts file accepted (bytes): 10 million accounts with long ids fit. */
constexpr size_t MAX_LIABILITY_CSV_BYTES = size_t{2} << 30;
/** Longest account identifier (bytes). */
constexpr size_t MAX_LIABILITY_ACCOUNT_ID = 256;
/** Parses an accounts file, "account,balance" per line (header optional, balance in BTC with up to 8 decimals).
 *  nullopt and *error naming the first bad line (empty or overlong id, bad or negative balance). Duplicates and
 *  totals are checked by LiabilityTree::Build. */
std::optional<std::vector<LiabilityAccount>> ParseLiabilityAccountsCsv(std::string_view csv, std::string* error);

/** Parses a published commitment ({"root_hash", "total", "height"}); nullopt and *error when malformed. */
std::optional<LiabilityCommitment> LiabilityCommitmentFromJson(const JsonValue& commitment, std::string* error);
/** Parses a proof file (as written by LiabilityProofToJson); nullopt and *error on any malformed field. */
std::optional<std::pair<LiabilityProof, LiabilityCommitment>> LiabilityProofFromJson(std::string_view text,
                                                                                     std::string* error);
