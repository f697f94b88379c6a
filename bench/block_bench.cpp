// Block benchmarks on mainnet block 413567: deserialization (and later CheckBlock, merkle root) against a single
// SHA-256 pass over the same bytes.
#include "bench.h"

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
}  // namespace

BENCHMARK(BlockSha256);
SOV_BENCHMARK_VS(BlockDeserialize, BlockSha256);
