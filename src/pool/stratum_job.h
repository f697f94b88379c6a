// Stratum v1 work units: difficulty <-> target, jobs cut from a block template (coinbase split around the
// extranonces, merkle branch), and the check of a submitted share (the hot path of the pool).
#pragma once

#include "primitives/block.h"
#include "util/arith_uint256.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pool {

inline constexpr size_t EXTRANONCE1_SIZE = 4;
inline constexpr size_t EXTRANONCE2_SIZE = 8;
/** BIP310 version-rolling bits the pool allows (the BIP's suggested general-purpose mask). */
inline constexpr uint32_t VERSION_ROLLING_MASK = 0x1fffe000;

/** Target of difficulty 1 (compact 0x1d00ffff), the pool-difficulty unit every miner uses. */
arith_uint256 DifficultyOneTarget();
/** Share target for a (possibly fractional) difficulty: diff1 / difficulty, saturating at 2^256 - 1. */
arith_uint256 TargetFromDifficulty(double difficulty);
/** Difficulty of a target or hash value: diff1 / value (infinity for zero). */
double DifficultyFromTarget(const arith_uint256& target);

/** The 32-byte previous-block hash as stratum sends it: header byte order with each 4-byte word reversed. */
std::string StratumPrevHash(const uint256& prev);
/** Merkle branch for the first leaf (the coinbase) over txids (index 0 is the coinbase placeholder). */
std::vector<uint256> CoinbaseMerkleBranch(const std::vector<uint256>& txids);
/** Merkle root from the coinbase txid and its branch. */
uint256 RootFromBranch(const uint256& coinbase_txid, const std::vector<uint256>& branch);

struct Job {
    std::string id;
    Block block;                     // the template (coinbase with zero extranonce)
    std::vector<uint8_t> coinb1;     // non-witness coinbase bytes before extranonce1
    std::vector<uint8_t> coinb2;     // ... after extranonce2
    std::vector<uint256> branch;
    int height{0};
    arith_uint256 network_target;
    int64_t created{0};              // unix time
    int64_t payout_index{-1};        // child index of a descriptor payout (-1: a fixed payout script)
    std::string payout_address;      // what the coinbase pays
};

/** Cuts a job from a block template: the coinbase scriptSig becomes BIP34 height, the tag, and a 12-byte push that
 *  holds extranonce1 + extranonce2. nullopt and *error when the tag is too long for a 100-byte scriptSig. */
std::optional<Job> MakeJob(std::string id, const Block& tmpl, int height, const std::string& coinbase_tag,
                           std::string* error);

struct Submission {
    std::vector<uint8_t> extranonce1;  // 4 bytes, the connection's
    std::vector<uint8_t> extranonce2;  // 8 bytes, the miner's
    uint32_t ntime{0};
    uint32_t nonce{0};
    uint32_t version_bits{0};          // rolled bits (already checked against the mask)
    bool has_version_bits{false};
};

struct ShareResult {
    uint256 hash;
    BlockHeader header;
    bool meets_share{false};
    bool meets_network{false};
    double hash_difficulty{0};
};

/** Hashes one submission against a job (coinbase, merkle root, header) and compares with both targets. */
ShareResult CheckShare(const Job& job, const Submission& sub, const arith_uint256& share_target);

/** The complete block for a share (coinbase with the extranonces and the template's witness). */
Block AssembleBlock(const Job& job, const Submission& sub, const BlockHeader& header);

/** Parses 8 hex digits as a big-endian uint32 (stratum's ntime/nonce/version encoding). */
std::optional<uint32_t> ParseHex32(const std::string& s);
std::string Hex32(uint32_t v);

}  // namespace pool
