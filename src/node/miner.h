// Building blocks: coinbase (BIP34 height, witness commitment), templates from chosen transactions, and nonce
// grinding for regtest (generatetoaddress, generateblock, getblocktemplate, the mining pool).
#pragma once

#include "node/mempool.h"
#include "node/validation.h"
#include "policy/policy.h"

#include <optional>
#include <vector>

/** Block version without version-bits signalling (top bits 001). */
constexpr int32_t VERSIONBITS_TOP_BITS = 0x20000000;

struct BlockTemplate {
    Block block;
    std::vector<Amount> tx_fees;          // per transaction, coinbase first (negative total fees as Core)
    std::vector<int64_t> tx_sigop_costs;  // per transaction
    int height{0};
    Amount coinbase_value{0};
};

/** A block on the current tip paying subsidy plus fees to coinbase_script, containing txs in order (each must be
 *  valid given the tip and the transactions before it). nullopt and *error when a transaction cannot be included. */
std::optional<BlockTemplate> CreateNewBlock(ChainstateManager& chainman, const Script& coinbase_script,
                                            const std::vector<TransactionRef>& txs, std::string* error,
                                            std::optional<int64_t> time = std::nullopt);

/** Adds the BIP141 commitment output and the coinbase witness reserved value (32 zero bytes). */
void GenerateCoinbaseCommitment(Block& block);
/** After transactions changed: replaces the witness commitment (when there was one) and the merkle root. */
void RegenerateCommitments(Block& block);
/** Recomputes the merkle root after the transactions changed. */
void UpdateMerkleRoot(Block& block);
/** Tries nonces (and bumps the time when they run out) until the hash meets the target; false after max_tries. */
bool GrindNonce(Block& block, const ConsensusParams& params, uint64_t max_tries = 1'000'000'000);

/** Limits of block assembly from the mempool (Core's BlockAssembler::Options). */
struct BlockAssemblerOptions {
    int64_t block_max_weight{DEFAULT_BLOCK_MAX_WEIGHT};
    /** Weight kept free for the coinbase and header (counted as used from the start). */
    int64_t block_reserved_weight{DEFAULT_BLOCK_RESERVED_WEIGHT};
    /** Sigop cost kept free for the coinbase outputs. */
    int64_t coinbase_output_max_additional_sigops{400};
    FeeRate block_min_fee_rate{DEFAULT_BLOCK_MIN_TX_FEE};
};

/** Mempool transactions for the next block (pool locked by the caller): best ancestor-feerate packages first
 *  (modified fees), parents before children, skipping what would exceed the weight or sigop-cost limit and
 *  anything whose in-mempool parent was skipped. */
std::vector<TransactionRef> SelectBlockTransactions(const TxMemPool& pool, const BlockAssemblerOptions& options = {});

/** CreateNewBlock with the transactions chosen from the mempool (none when pool is null). Takes the chainstate
 *  lock, then the pool lock. */
std::optional<BlockTemplate> CreateNewBlockFromMempool(ChainstateManager& chainman, const TxMemPool* pool,
                                                       const Script& coinbase_script, std::string* error,
                                                       const BlockAssemblerOptions& options = {},
                                                       std::optional<int64_t> time = std::nullopt);
