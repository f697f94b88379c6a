// Context-free block checks (proof of work, merkle root, size, coinbase, transactions, sigops) and the BIP141
// witness-commitment check, with Bitcoin Core's reject reasons and order.
#pragma once

#include "consensus/validation.h"
#include "primitives/block.h"
#include "util/arith_uint256.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

/** Index marker for when no witness commitment is present in a coinbase transaction. */
inline constexpr int NO_WITNESS_COMMITMENT{-1};
/** Minimum size of a witness commitment output script (BIP141): OP_RETURN, push 36, 4-byte tag, 32-byte hash.
 */
inline constexpr size_t MINIMUM_WITNESS_COMMITMENT{38};

/** The target encoded by bits, if it is positive, does not overflow and is at most pow_limit (Core's
 * DeriveTarget). */
std::optional<arith_uint256> DeriveTarget(uint32_t bits, const uint256& pow_limit);
/** True when hash, read as a little-endian number, is at most the valid target encoded by bits. */
bool CheckProofOfWork(const uint256& hash, uint32_t bits, const uint256& pow_limit);
/** Expected number of hashes for a block at target bits: 2^256 / (target + 1); zero for an invalid target. */
arith_uint256 GetBlockProof(uint32_t bits);

/** Proof of work of the header ("high-hash"). */
bool CheckBlockHeader(const BlockHeader& header, BlockValidationState& state, const uint256& pow_limit,
                      bool check_pow = true);

/** Block checks that need no chain context, in Core's order: header (high-hash), merkle root
 * (bad-txnmrklroot, bad-txns-duplicate), size (bad-blk-length), coinbase position (bad-cb-missing,
 * bad-cb-multiple), each transaction's CheckTransaction (its reason, debug "Transaction check failed (tx hash
 * <txid>) <debug>"), and legacy sigops (bad-blk-sigops). Witness data is not looked at (see
 * CheckWitnessMalleation). When check_pow and check_merkle both hold and the block passes, block.checked is
 * set and later calls return true at once. */
bool CheckBlock(const Block& block, BlockValidationState& state, const uint256& pow_limit,
                bool check_pow = true, bool check_merkle = true);

/** The merkle root of a block's transactions, as computed by BlockMerkleRoot, with its CVE-2012-2459 flag. */
struct ComputedMerkleRoot {
    uint256 root;
    bool mutated{false};
};

/** CheckBlock with check_merkle, when the caller already holds the merkle root of exactly these transactions
 *  (e.g. kept in a MerkleTree and updated along one path). Same checks, order and reasons as CheckBlock. */
bool CheckBlock(const Block& block, BlockValidationState& state, const uint256& pow_limit, bool check_pow,
                const ComputedMerkleRoot& merkle);

/** Index of the last coinbase output carrying a BIP141 witness commitment, or NO_WITNESS_COMMITMENT. */
int GetWitnessCommitmentIndex(const Block& block);

/** BIP141 commitment value: HASH256(witness merkle root || witness reserved value). */
uint256 ComputeWitnessCommitment(const Block& block, std::span<const uint8_t> witness_nonce);

/** The coinbase output script committing to commitment: OP_RETURN 0x24 aa21a9ed <commitment>. */
Script WitnessCommitmentScript(const uint256& commitment);

/** Contextual witness check, as Core's CheckWitnessMalleation: when segwit is active
 * (expect_witness_commitment) and the coinbase has a commitment, the coinbase witness must be one 32-byte
 * item (bad-witness-nonce-size) and the commitment must match (bad-witness-merkle-match); otherwise no
 * transaction may carry a witness (unexpected-witness). Meant to run after CheckBlock passed. */
bool CheckWitnessMalleation(const Block& block, bool expect_witness_commitment, BlockValidationState& state);

/** BIP141 block weight: stripped size * 3 + total size. */
int64_t GetBlockWeight(const Block& block);
