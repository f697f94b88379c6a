// Fuzz target: block and header decoding. A decoded block re-encodes to the input bytes; its header is the first 80.
// Decoded blocks also go through CheckBlock and the merkle roots, which must not crash and must agree.
#include "consensus/block_check.h"
#include "consensus/merkle.h"
#include "crypto/hash.h"
#include "fuzz_check.h"
#include "primitives/block.h"

#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::span<const uint8_t> bytes(data, size);

    const auto header = DecodeBlockHeader(bytes);
    FUZZ_CHECK(bool(header) == (size == BlockHeader::SERIALIZED_SIZE));
    if (header) {
        FUZZ_CHECK(EncodeBlockHeader(*header.value) == std::vector<uint8_t>(bytes.begin(), bytes.end()));
        FUZZ_CHECK(header.value->GetHash() == Hash256(bytes));
    } else {
        FUZZ_CHECK(!header.error.empty());
    }

    const auto block = DecodeBlock(bytes);
    if (!block) {
        FUZZ_CHECK(!block.error.empty());
        return 0;
    }
    // Each transaction was read with witness allowed; re-encoding with witness gives back the exact bytes (see the
    // transaction target for why this holds for both readings).
    const auto again = EncodeBlock(*block.value, true);
    FUZZ_CHECK(again == std::vector<uint8_t>(bytes.begin(), bytes.end()));

    const auto prefix = DecodeBlockHeader(bytes.first(BlockHeader::SERIALIZED_SIZE));
    FUZZ_CHECK(prefix);
    FUZZ_CHECK(block.value->GetHash() == prefix.value->GetHash());
    FUZZ_CHECK(EncodeBlockHeader(block.value->header) == EncodeBlockHeader(*prefix.value));

    // The stripped block has the same header and the same txids.
    const auto stripped = EncodeBlock(*block.value, false);
    size_t total = BlockHeader::SERIALIZED_SIZE + CompactSizeLen(block.value->vtx.size());
    size_t stripped_total = total;
    for (const auto& tx : block.value->vtx) {
        total += tx->GetTotalSize();
        stripped_total += tx->GetStrippedSize();
    }
    FUZZ_CHECK(total == bytes.size());
    FUZZ_CHECK(stripped_total == stripped.size());

    // Context-free checks without proof of work (fuzzed headers never have it); twice with the merkle check, as a
    // pass is remembered in block.checked and must give the same answer.
    const uint256 pow_limit = uint256(std::vector<uint8_t>(32, 0xff));
    bool mutated = false;
    const uint256 root = BlockMerkleRoot(*block.value, &mutated);
    (void)BlockWitnessMerkleRoot(*block.value);
    (void)GetWitnessCommitmentIndex(*block.value);
    BlockValidationState state;
    const bool ok = CheckBlock(*block.value, state, pow_limit, false, true);
    FUZZ_CHECK(ok == state.IsValid());
    FUZZ_CHECK(ok || !state.GetRejectReason().empty());
    if (ok) FUZZ_CHECK(root == block.value->header.merkle_root && !mutated);
    BlockValidationState state2;
    FUZZ_CHECK(CheckBlock(*block.value, state2, pow_limit, false, true) == ok);
    return 0;
}
