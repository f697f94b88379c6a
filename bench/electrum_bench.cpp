// Electrum get_history: the scripthash index's streamed history read (plus building the JSON answer) for
// 10 / 1,000 / 10,000 / 100,000-entry histories, each against a plain LevelDB range scan of the same keys.
#include "bench.h"

#include "electrum/server.h"
#include "index/scripthash_index.h"
#include "json/json_value.h"

#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {
/** An index database filled directly with history rows (no chain needed to read them back). */
class BenchIndex : public ScripthashIndex
{
public:
    using ScripthashIndex::ScripthashIndex;
    void Fill(const ElectrumScripthash& sh, size_t n)
    {
        DbBatch batch(Db());
        for (size_t i = 0; i < n; ++i) {
            uint256 txid;
            for (int k = 0; k < 8; ++k) txid.begin()[k] = uint8_t((i * 2654435761u) >> (k * 4));
            txid.begin()[8] = sh[0];
            batch.Put(HistoryKey(sh, static_cast<int>(1 + i / 8), static_cast<uint32_t>(i % 8)),
                      std::span<const uint8_t>(txid.begin(), txid.size()));
            if (batch.ApproximateSize() > (8 << 20)) {
                Db().Write(batch, false);
                batch.Clear();
            }
        }
        Db().Write(batch, false);
    }
    /** What a plain range scan costs: iterate the prefix, copy keys and values, nothing else. */
    size_t RawScan(const ElectrumScripthash& sh) const
    {
        Bytes prefix{'H'};
        prefix.insert(prefix.end(), sh.begin(), sh.end());
        size_t bytes = 0;
        for (auto it = Db().Seek(prefix); it->Valid(); it->Next()) bytes += it->Key().size() + it->Value().size();
        return bytes;
    }
};

struct Fixture {
    std::unique_ptr<const ChainParams> params = CreateChainParams(Chain::REGTEST);
    fs::path dir = fs::temp_directory_path() / ("sov_electrum_bench_" + std::to_string(::getpid()));
    NodeContext node;
    std::unique_ptr<BenchIndex> index;
    std::map<size_t, ElectrumScripthash> scripts;

    Fixture()
    {
        fs::remove_all(dir);
        node.params = params.get();
        ChainstateOptions opts;
        opts.data_dir = dir;
        opts.params = params.get();
        opts.memory_only = true;
        std::string error;
        node.chainman = ChainstateManager::Load(opts, &error);
        BaseIndex::Options o;
        o.path = dir / "electrum";
        index = std::make_unique<BenchIndex>(node, o);
        index->Init(&error);
        for (size_t n : {size_t{10}, size_t{1000}, size_t{10000}, size_t{100000}}) {
            ElectrumScripthash sh{};
            sh[0] = uint8_t(n % 251);
            sh[1] = uint8_t(n >> 8);
            index->Fill(sh, n);
            scripts[n] = sh;
        }
        // Neighbouring scripts, so the scans stop at a real boundary.
        ElectrumScripthash other{};
        other.fill(0x77);
        index->Fill(other, 1000);
        index->GetSummary();
    }
    ~Fixture()
    {
        index.reset();
        node.chainman.reset();
        fs::remove_all(dir);
    }
};

Fixture& F()
{
    static Fixture f;
    return f;
}

void History(benchmark::State& state, size_t n)
{
    const ElectrumScripthash sh = F().scripts.at(n);
    for (auto _ : state) {
        std::vector<HistoryRow> rows;
        F().index->GetHistory(sh, 0, rows);
        if (rows.size() != n) state.SkipWithError("wrong history size");
        // The answer text as the server builds it.
        std::string out = "[";
        out.reserve(rows.size() * 90 + 2);
        for (size_t i = 0; i < rows.size(); ++i) {
            if (i) out += ',';
            AppendHistoryJson(out, rows[i].txid, rows[i].height, std::nullopt);
        }
        out += ']';
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(n));
}

void Scan(benchmark::State& state, size_t n)
{
    const ElectrumScripthash sh = F().scripts.at(n);
    for (auto _ : state) benchmark::DoNotOptimize(F().index->RawScan(sh));
    state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(n));
}

void ElectrumScan10(benchmark::State& s) { Scan(s, 10); }
void ElectrumScan1000(benchmark::State& s) { Scan(s, 1000); }
void ElectrumScan10000(benchmark::State& s) { Scan(s, 10000); }
void ElectrumScan100000(benchmark::State& s) { Scan(s, 100000); }
void ElectrumGetHistory10(benchmark::State& s) { History(s, 10); }
void ElectrumGetHistory1000(benchmark::State& s) { History(s, 1000); }
void ElectrumGetHistory10000(benchmark::State& s) { History(s, 10000); }
void ElectrumGetHistory100000(benchmark::State& s) { History(s, 100000); }
}  // namespace

BENCHMARK(ElectrumScan10);
BENCHMARK(ElectrumScan1000);
BENCHMARK(ElectrumScan10000);
BENCHMARK(ElectrumScan100000);
SOV_BENCHMARK_VS(ElectrumGetHistory10, ElectrumScan10);
SOV_BENCHMARK_VS(ElectrumGetHistory1000, ElectrumScan1000);
SOV_BENCHMARK_VS(ElectrumGetHistory10000, ElectrumScan10000);
SOV_BENCHMARK_VS(ElectrumGetHistory100000, ElectrumScan100000);
