// Context-free block checks and the BIP141 witness-commitment check, in Bitcoin Core's order with its
// reasons.
#include "consensus/block_check.h"

#include "consensus/consensus.h"
#include "consensus/merkle.h"
#include "consensus/tx_check.h"
#include "crypto/hash.h"

#include <algorithm>
#include <cstring>

std::optional<arith_uint256> DeriveTarget(uint32_t bits, const uint256& pow_limit) {
    bool negative = false, overflow = false;
    arith_uint256 target;
    target.SetCompact(bits, &negative, &overflow);
    if (negative || target == 0 || overflow || target > UintToArith256(pow_limit)) return std::nullopt;
    return target;
}

bool CheckProofOfWork(const uint256& hash, uint32_t bits, const uint256& pow_limit) {
    const auto target = DeriveTarget(bits, pow_limit);
    return target && UintToArith256(hash) <= *target;
}

arith_uint256 GetBlockProof(uint32_t bits) {
    bool negative = false, overflow = false;
    arith_uint256 target;
    target.SetCompact(bits, &negative, &overflow);
    if (negative || overflow || target == 0) return 0;
    // 2^256 / (target + 1) does not fit, but equals (2^256 - target - 1) / (target + 1) + 1 = ~target /
    // (target+1) + 1.
    return (~target / (target + 1)) + 1;
}

bool CheckBlockHeader(const BlockHeader& header, BlockValidationState& state, const uint256& pow_limit,
                      bool check_pow) {
    if (check_pow && !CheckProofOfWork(header.GetHash(), header.bits, pow_limit)) {
        return state.Invalid(BlockValidationResult::BLOCK_INVALID_HEADER, "high-hash",
                             "proof of work failed");
    }
    return true;
}

namespace {
bool CheckMerkleResult(const Block& block, const ComputedMerkleRoot& merkle, BlockValidationState& state) {
    if (block.header.merkle_root != merkle.root) {
        return state.Invalid(BlockValidationResult::BLOCK_MUTATED, "bad-txnmrklroot",
                             "hashMerkleRoot mismatch");
    }
    // CVE-2012-2459: repeated transactions can keep the root while making the block invalid; such a block
    // says nothing about the block the header commits to, so it is reported as mutated, not invalid.
    if (merkle.mutated) {
        return state.Invalid(BlockValidationResult::BLOCK_MUTATED, "bad-txns-duplicate",
                             "duplicate transaction");
    }
    return true;
}

size_t StrippedBlockSize(const Block& block) {
    SizeComputer s;
    SerializeBlock(s, block, /*with_witness=*/false);
    return s.size();
}

/** Everything after the merkle check. */
bool CheckBlockBody(const Block& block, BlockValidationState& state) {
    // All checks that could reveal corruption (header, merkle) are done before looking at transactions, so a
    // corrupted copy is not taken for an invalid block. Witness data is checked contextually, not here.
    if (block.vtx.empty() || block.vtx.size() * WITNESS_SCALE_FACTOR > MAX_BLOCK_WEIGHT ||
        StrippedBlockSize(block) * WITNESS_SCALE_FACTOR > MAX_BLOCK_WEIGHT) {
        return state.Invalid(BlockValidationResult::BLOCK_CONSENSUS, "bad-blk-length", "size limits failed");
    }
    if (!block.vtx[0]->IsCoinBase()) {
        return state.Invalid(BlockValidationResult::BLOCK_CONSENSUS, "bad-cb-missing",
                             "first tx is not coinbase");
    }
    for (size_t i = 1; i < block.vtx.size(); ++i) {
        if (block.vtx[i]->IsCoinBase()) {
            return state.Invalid(BlockValidationResult::BLOCK_CONSENSUS, "bad-cb-multiple",
                                 "more than one coinbase");
        }
    }
    // Includes the duplicate-input check (CVE-2018-17144).
    for (const auto& tx : block.vtx) {
        TxValidationState tx_state;
        if (!CheckTransaction(*tx, tx_state)) {
            return state.Invalid(BlockValidationResult::BLOCK_CONSENSUS, tx_state.GetRejectReason(),
                                 "Transaction check failed (tx hash " + tx->GetHash().GetHex() + ") " +
                                     tx_state.GetDebugMessage());
        }
    }
    // Undercounts on purpose (no P2SH or witness sigops): those need the spent outputs.
    int64_t sigops = 0;
    for (const auto& tx : block.vtx) sigops += GetLegacySigOpCount(*tx);
    if (sigops * WITNESS_SCALE_FACTOR > MAX_BLOCK_SIGOPS_COST) {
        return state.Invalid(BlockValidationResult::BLOCK_CONSENSUS, "bad-blk-sigops",
                             "out-of-bounds SigOpCount");
    }
    return true;
}
}  // namespace

bool CheckBlock(const Block& block, BlockValidationState& state, const uint256& pow_limit, bool check_pow,
                bool check_merkle) {
    if (block.checked) return true;
    if (!CheckBlockHeader(block.header, state, pow_limit, check_pow)) return false;
    if (check_merkle) {
        ComputedMerkleRoot merkle;
        merkle.root = BlockMerkleRoot(block, &merkle.mutated);
        if (!CheckMerkleResult(block, merkle, state)) return false;
    }
    if (!CheckBlockBody(block, state)) return false;
    if (check_pow && check_merkle) block.checked = true;
    return true;
}

bool CheckBlock(const Block& block, BlockValidationState& state, const uint256& pow_limit, bool check_pow,
                const ComputedMerkleRoot& merkle) {
    if (block.checked) return true;
    if (!CheckBlockHeader(block.header, state, pow_limit, check_pow)) return false;
    if (!CheckMerkleResult(block, merkle, state)) return false;
    if (!CheckBlockBody(block, state)) return false;
    if (check_pow) block.checked = true;
    return true;
}

int GetWitnessCommitmentIndex(const Block& block) {
    static constexpr uint8_t HEADER[6] = {OP_RETURN, 0x24, 0xaa, 0x21, 0xa9, 0xed};
    int index = NO_WITNESS_COMMITMENT;
    if (block.vtx.empty()) return index;
    const auto& vout = block.vtx[0]->vout;
    for (size_t o = 0; o < vout.size(); ++o) {
        const Script& spk = vout[o].script_pubkey;
        // The last matching output wins (BIP141).
        if (spk.size() >= MINIMUM_WITNESS_COMMITMENT && std::equal(HEADER, HEADER + 6, spk.begin())) {
            index = int(o);
        }
    }
    return index;
}

uint256 ComputeWitnessCommitment(const Block& block, std::span<const uint8_t> witness_nonce) {
    const uint256 root = BlockWitnessMerkleRoot(block);
    HashWriter w;
    w.write(std::span<const uint8_t>(root.data(), root.size()));
    w.write(witness_nonce);
    return w.GetHash();
}

Script WitnessCommitmentScript(const uint256& commitment) {
    std::vector<uint8_t> spk = {OP_RETURN, 0x24, 0xaa, 0x21, 0xa9, 0xed};
    spk.insert(spk.end(), commitment.begin(), commitment.end());
    return Script(std::move(spk));
}

bool CheckWitnessMalleation(const Block& block, bool expect_witness_commitment, BlockValidationState& state) {
    if (expect_witness_commitment) {
        const int index = GetWitnessCommitmentIndex(block);
        if (index != NO_WITNESS_COMMITMENT) {
            // A coinbase without inputs cannot pass CheckBlock; treat it as a missing reserved value, not a
            // crash.
            const auto& vin = block.vtx[0]->vin;
            if (vin.empty() || vin[0].witness.stack.size() != 1 || vin[0].witness.stack[0].size() != 32) {
                return state.Invalid(BlockValidationResult::BLOCK_MUTATED, "bad-witness-nonce-size",
                                     "CheckWitnessMalleation : invalid witness reserved value size");
            }
            // The witness tree's own mutation flag is not needed: the txid tree already rules that out.
            const uint256 commitment = ComputeWitnessCommitment(block, vin[0].witness.stack[0]);
            const Script& spk = block.vtx[0]->vout[size_t(index)].script_pubkey;
            if (std::memcmp(commitment.data(), spk.data() + 6, 32) != 0) {
                return state.Invalid(BlockValidationResult::BLOCK_MUTATED, "bad-witness-merkle-match",
                                     "CheckWitnessMalleation : witness merkle commitment mismatch");
            }
            return true;
        }
    }
    // Without a commitment no witness data is allowed, as it would be uncommitted room for spam.
    for (const auto& tx : block.vtx) {
        if (tx->HasWitness()) {
            return state.Invalid(BlockValidationResult::BLOCK_MUTATED, "unexpected-witness",
                                 "CheckWitnessMalleation : unexpected witness data found");
        }
    }
    return true;
}

int64_t GetBlockWeight(const Block& block) {
    SizeComputer total;
    SerializeBlock(total, block, /*with_witness=*/true);
    return int64_t(StrippedBlockSize(block)) * (WITNESS_SCALE_FACTOR - 1) + int64_t(total.size());
}
