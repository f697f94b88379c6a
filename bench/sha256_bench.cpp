// SHA-256 of 64-byte inputs (merkle tree pairs): the Sha256D64 fast path against generic double SHA-256 calls.
#include "bench.h"

#include "crypto/hash.h"
#include "crypto/sha256.h"

#include <cstring>

namespace {
constexpr size_t PAIRS = 1024;

std::vector<uint8_t> Pairs()
{
    std::vector<uint8_t> in(64 * PAIRS);
    for (size_t i = 0; i < in.size(); ++i) in[i] = uint8_t(i * 37 + 11);
    return in;
}

void Sha256D64Generic(benchmark::State& state)
{
    const auto in = Pairs();
    std::vector<uint8_t> out(32 * PAIRS);
    for (auto _ : state) {
        for (size_t i = 0; i < PAIRS; ++i) {
            const uint256 h = Hash256(std::span<const uint8_t>(in.data() + 64 * i, 64));
            std::memcpy(out.data() + 32 * i, h.data(), 32);
        }
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(PAIRS));
}

void Sha256D64Fast(benchmark::State& state)
{
    const auto in = Pairs();
    std::vector<uint8_t> out(32 * PAIRS);
    // The fast path must agree with the generic one.
    Sha256D64(out.data(), in.data(), PAIRS);
    for (size_t i = 0; i < PAIRS; ++i) {
        if (Hash256(std::span<const uint8_t>(in.data() + 64 * i, 64)) != uint256(std::span<const uint8_t>(out.data() + 32 * i, 32))) {
            state.SkipWithError("Sha256D64 disagrees with Hash256");
            return;
        }
    }
    for (auto _ : state) {
        Sha256D64(out.data(), in.data(), PAIRS);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(PAIRS));
}
}  // namespace

BENCHMARK(Sha256D64Generic);
SOV_BENCHMARK_VS(Sha256D64Fast, Sha256D64Generic);
