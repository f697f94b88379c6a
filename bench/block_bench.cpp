// Block benchmarks on mainnet block 413567: deserialization, CheckBlock and the merkle root, each against a single
// SHA-256 pass over the same bytes.
#include "bench.h"

#include "chain/params.h"
#include "consensus/block_check.h"
#include "consensus/merkle.h"
#include "crypto/hash.h"
#include "primitives/block.h"

namespace {
const std::vector<uint8_t>& Block413567()
{
    static const std::vector<uint8_t> raw = ReadBenchVector("bitcoin-core/block413567.raw");
    return raw;
}

void BlockSha256(benchmark::State& state)
{
    const auto& raw = Block413567();
    for (auto _ : state) benchmark::DoNotOptimize(Sha256Hash(raw));
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(raw.size()));
}

void BlockDeserialize(benchmark::State& state)
{
    const auto& raw = Block413567();
    for (auto _ : state) {
        auto block = DecodeBlock(raw);
        if (!block || block->vtx.size() != 1557) {
            state.SkipWithError("block 413567 did not decode");
            break;
        }
        benchmark::DoNotOptimize(block);
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(raw.size()));
}

const Block& Decoded413567()
{
    static const Block block = *DecodeBlock(Block413567()).value;
    return block;
}

/** Context-free checks with proof of work, as Core's CheckBlockTest (which also deserializes; see above). */
void BlockCheck(benchmark::State& state)
{
    const Block& block = Decoded413567();
    const uint256 pow_limit = CreateChainParams(Chain::MAIN)->consensus.pow_limit;
    for (auto _ : state) {
        block.checked = false;  // CheckBlock remembers a pass; measure the checks each time
        BlockValidationState vs;
        if (!CheckBlock(block, vs, pow_limit)) {
            state.SkipWithError("block 413567 failed CheckBlock");
            break;
        }
    }
}

void BlockMerkle(benchmark::State& state)
{
    const Block& block = Decoded413567();
    for (auto _ : state) {
        bool mutated = false;
        const uint256 root = BlockMerkleRoot(block, &mutated);
        if (root != block.header.merkle_root || mutated) {
            state.SkipWithError("block 413567 merkle root mismatch");
            break;
        }
    }
}
}  // namespace

BENCHMARK(BlockSha256);
SOV_BENCHMARK_VS(BlockDeserialize, BlockSha256);
SOV_BENCHMARK_VS(BlockCheck, BlockSha256);
SOV_BENCHMARK_VS(BlockMerkle, BlockSha256);
