// Proof of work: the next required target (mainnet retargeting, testnet min-difficulty and BIP94 rules,
// regtest's no-retarget) and the check of a header's hash against its target.
#pragma once

#include "chain/block_index.h"
#include "chain/params.h"
#include "consensus/block_check.h"

#include <optional>

uint32_t GetNextWorkRequired(const BlockIndex* last, const BlockHeader& next, const ConsensusParams& params);
uint32_t CalculateNextWorkRequired(const BlockIndex* last, int64_t first_block_time, const ConsensusParams& params);
/** Whether new_bits may follow old_bits at height (header-sync anti-DoS; always true on min-difficulty chains). */
bool PermittedDifficultyTransition(const ConsensusParams& params, int64_t height, uint32_t old_bits, uint32_t new_bits);
/** CheckProofOfWork of consensus/block_check.h with the chain's limit. */
bool CheckProofOfWork(const uint256& hash, uint32_t bits, const ConsensusParams& params);
