// Proof of liabilities at national scale: building the Merkle-sum tree and generating every account's proof,
// against raw SHA-256 of the same number of 80-byte node messages. SOV_LIABILITY_ACCOUNTS sets the population
// (default 1,000,000; the target is 10,000,000).
#include "bench.h"

#include "crypto/sha256.h"
#include "reserves/liabilities.h"

#include <cstdlib>
#include <memory>

namespace {
size_t Population()
{
    const char* env = std::getenv("SOV_LIABILITY_ACCOUNTS");
    return env ? std::strtoull(env, nullptr, 10) : 1'000'000;
}

std::vector<LiabilityAccount> MakeAccounts(size_t n)
{
    std::vector<LiabilityAccount> accounts;
    accounts.reserve(n);
    uint64_t x = 88172645463325252ULL;
    for (size_t i = 0; i < n; ++i) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        accounts.push_back({"acct-" + std::to_string(i), static_cast<Amount>(x % 100'000'000)});
    }
    return accounts;
}

const std::array<uint8_t, 32> SECRET = {7};

/** Baseline: one SHA-256 of an 80-byte message per tree node (2 per account). */
void LiabilityRawSha256(benchmark::State& state)
{
    const size_t n = Population();
    uint8_t msg[80] = {1};
    uint8_t out[32];
    for (auto _ : state) {
        for (size_t i = 0; i < 2 * n; ++i) {
            msg[0] = static_cast<uint8_t>(i);
            Sha256().Write(msg, sizeof(msg)).Finalize(out);
            benchmark::DoNotOptimize(out);
        }
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(n));
}

void LiabilityTreeBuild(benchmark::State& state)
{
    const size_t n = Population();
    const auto accounts = MakeAccounts(n);
    size_t memory = 0;
    for (auto _ : state) {
        auto tree = LiabilityTree::Build(accounts, SECRET, DEFAULT_LIABILITY_TREE_HEIGHT, nullptr);
        if (!tree) {
            state.SkipWithError("build failed");
            return;
        }
        memory = tree->MemoryUsage();
        benchmark::DoNotOptimize(tree->Commitment());
    }
    state.counters["tree_MiB"] = double(memory) / (1 << 20);
    state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(n));
}

/** Every account's proof (path extraction and salt), as a publisher does once per attestation. */
void LiabilityProveAll(benchmark::State& state)
{
    const size_t n = Population();
    auto tree = LiabilityTree::Build(MakeAccounts(n), SECRET, DEFAULT_LIABILITY_TREE_HEIGHT, nullptr);
    for (auto _ : state) {
        for (size_t i = 0; i < n; ++i) {
            LiabilityProof p = tree->ProveLeaf(i);
            benchmark::DoNotOptimize(p.siblings.data());
        }
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(n));
}

/** What each holder runs: 32 parent hashes and one leaf hash. */
void LiabilityVerifyOne(benchmark::State& state)
{
    auto tree = LiabilityTree::Build(MakeAccounts(10'000), SECRET, DEFAULT_LIABILITY_TREE_HEIGHT, nullptr);
    const LiabilityProof p = tree->ProveLeaf(1234);
    const LiabilityCommitment c = tree->Commitment();
    for (auto _ : state) {
        if (!VerifyLiabilityProof(p, c, nullptr)) state.SkipWithError("verify failed");
    }
    state.SetItemsProcessed(int64_t(state.iterations()));
}
}  // namespace

BENCHMARK(LiabilityRawSha256)->Unit(benchmark::kMillisecond);
BENCHMARK(LiabilityTreeBuild)->Unit(benchmark::kMillisecond);
static const BaselineRegistration g_build{"LiabilityTreeBuild", "LiabilityRawSha256"};
BENCHMARK(LiabilityProveAll)->Unit(benchmark::kMillisecond);
static const BaselineRegistration g_prove{"LiabilityProveAll", "LiabilityRawSha256"};
BENCHMARK(LiabilityVerifyOne);
