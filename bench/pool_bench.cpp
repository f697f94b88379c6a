// Stratum share validation (coinbase hash, merkle branch of a 2,000-transaction template, header hash, two target
// comparisons) against the raw double-SHA256 header check it cannot beat, in the same run.
#include "bench.h"

#include "crypto/hash.h"
#include "pool/stratum_job.h"

#include <cstring>

namespace {
pool::Job BenchJob()
{
    Block b;
    b.header.version = 0x20000000;
    b.header.bits = 0x1d00ffff;
    b.header.time = 1700000000;
    MutableTransaction cb;
    cb.vin.resize(1);
    cb.vin[0].script_sig.PushInt(900000);
    cb.vin[0].witness.stack.assign(1, std::vector<uint8_t>(32, 0));
    cb.vout.emplace_back(3 * COIN, Script(std::vector<uint8_t>(22, 0x14)));
    cb.vout.emplace_back(0, Script(std::vector<uint8_t>(38, 0x6a)));
    b.vtx.push_back(MakeTransactionRef(cb));
    for (int i = 0; i < 2000; ++i) {
        MutableTransaction tx;
        tx.vin.resize(1);
        tx.vin[0].prevout = OutPoint(Hash256(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&i), 4)), 0);
        tx.vout.emplace_back(1000 + i, Script(std::vector<uint8_t>(22, 0x14)));
        b.vtx.push_back(MakeTransactionRef(tx));
    }
    std::string error;
    return *pool::MakeJob("1", b, 900000, "/Sovereign/", &error);
}

void HeaderDoubleSha256(benchmark::State& state)
{
    std::vector<uint8_t> header(80, 0x5a);
    const arith_uint256 target = pool::TargetFromDifficulty(1024);
    uint32_t nonce = 0;
    int64_t hits = 0;
    for (auto _ : state) {
        ++nonce;
        std::memcpy(header.data() + 76, &nonce, 4);
        hits += UintToArith256(Hash256(header)) <= target;
    }
    benchmark::DoNotOptimize(hits);
    state.SetItemsProcessed(int64_t(state.iterations()));
}

void ShareValidation(benchmark::State& state)
{
    const pool::Job job = BenchJob();
    pool::Submission sub;
    sub.extranonce1 = {1, 2, 3, 4};
    sub.extranonce2 = {0, 0, 0, 0, 0, 0, 0, 0};
    sub.ntime = job.block.header.time;
    const arith_uint256 target = pool::TargetFromDifficulty(1024);
    int64_t hits = 0;
    for (auto _ : state) {
        ++sub.nonce;
        if (sub.nonce == 0) ++sub.extranonce2[0];
        hits += pool::CheckShare(job, sub, target).meets_share;
    }
    benchmark::DoNotOptimize(hits);
    state.SetItemsProcessed(int64_t(state.iterations()));
}
}  // namespace

BENCHMARK(HeaderDoubleSha256);
SOV_BENCHMARK_VS(ShareValidation, HeaderDoubleSha256);
