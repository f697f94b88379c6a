// Proof of work: the next required target (mainnet retargeting, testnet min-difficulty and BIP94 rules,
// regtest's no-retarget) and the check of a header's hash against its target.
#pragma once

#include "chain/block_index.h"
#include "chain/params.h"

#include <optional>

uint32_t GetNextWorkRequired(const BlockIndex* last, const BlockHeader& next, const ConsensusParams& params);
uint32_t CalculateNextWorkRequired(const BlockIndex* last, int64_t first_block_time, const ConsensusParams& params);
/** Whether new_bits may follow old_bits at height (header-sync anti-DoS; always true on min-difficulty chains). */
bool PermittedDifficultyTransition(const ConsensusParams& params, int64_t height, uint32_t old_bits, uint32_t new_bits);
/** The target encoded by bits, unless negative, zero, overflowing or above pow_limit. */
std::optional<arith_uint256> DeriveTarget(uint32_t bits, const uint256& pow_limit);
bool CheckProofOfWork(const uint256& hash, uint32_t bits, const ConsensusParams& params);
