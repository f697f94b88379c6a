// Consensus limits on blocks and transactions (BIP141 weights, sigops, coinbase maturity), as in Bitcoin
// Core.
#pragma once

#include "primitives/transaction.h"  // WITNESS_SCALE_FACTOR (BIP141) lives with the transaction weight code

#include <cstddef>
#include <cstdint>

/** The maximum allowed size for a serialized block, in bytes (only for buffer size limits). */
inline constexpr unsigned int MAX_BLOCK_SERIALIZED_SIZE{4'000'000};
/** The maximum allowed weight for a block, see BIP141 (network rule). */
inline constexpr unsigned int MAX_BLOCK_WEIGHT{4'000'000};
/** The maximum allowed number of signature check operations in a block, in weight units (network rule). */
inline constexpr int64_t MAX_BLOCK_SIGOPS_COST{80'000};
/** Coinbase transaction outputs can only be spent after this number of new blocks (network rule). */
inline constexpr int COINBASE_MATURITY = 100;

/** 60 bytes is the lower bound for the size of a valid serialized transaction. */
inline constexpr size_t MIN_TRANSACTION_WEIGHT = WITNESS_SCALE_FACTOR * 60;
/** 10 bytes is the lower bound for the size of any serialized transaction. */
inline constexpr size_t MIN_SERIALIZABLE_TRANSACTION_WEIGHT = WITNESS_SCALE_FACTOR * 10;

/** Flag for nSequence/nLockTime checks: interpret sequence numbers as relative lock-time constraints (BIP68).
 */
inline constexpr unsigned int LOCKTIME_VERIFY_SEQUENCE = (1 << 0);

/** Maximum seconds the first block of a difficulty period may be earlier than the last of the previous
 * (BIP94). */
inline constexpr int64_t MAX_TIMEWARP = 600;
