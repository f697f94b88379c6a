// sovereign-bench entry point: runs the benchmarks, then prints each one's time as a ratio to its baseline.
#include "bench.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

std::vector<uint8_t> ReadBenchVector(const std::string& relative)
{
    const char* env = std::getenv("SOVEREIGN_VECTORS");
    const std::string path = std::string(env && *env ? env : SOV_VECTORS_DIR) + "/" + relative;
    std::ifstream in(path, std::ios::binary);
    if (!in.good()) {
        std::fprintf(stderr, "sovereign-bench: missing %s (set SOVEREIGN_VECTORS)\n", path.c_str());
        std::exit(1);
    }
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::map<std::string, std::string>& BenchBaselines()
{
    static std::map<std::string, std::string> baselines;
    return baselines;
}

namespace {
/** The console output, plus a record of each benchmark's CPU time per iteration in ns (CPU rather than wall time:
 *  the ratios stay meaningful on a shared, loaded machine). */
class RatioReporter : public benchmark::ConsoleReporter
{
public:
    void ReportRuns(const std::vector<Run>& runs) override
    {
        ConsoleReporter::ReportRuns(runs);
        for (const Run& run : runs) {
            if (run.error_occurred || run.run_type != Run::RT_Iteration || run.iterations == 0) continue;
            const double ns = run.cpu_accumulated_time * 1e9 / double(run.iterations);
            m_order.push_back(run.benchmark_name());
            m_ns[run.benchmark_name()] = ns;
        }
    }

    void PrintRatios() const
    {
        if (m_ns.empty()) return;
        std::printf("\n%-34s %14s   %-26s %10s\n", "benchmark", "cpu/iter", "baseline", "ratio");
        for (const std::string& name : m_order) {
            const double ns = m_ns.at(name);
            auto b = BenchBaselines().find(name);
            if (b == BenchBaselines().end()) {
                std::printf("%-34s %11.1f ns   %-26s %10s\n", name.c_str(), ns, "(baseline)", "1.00");
                continue;
            }
            auto base = m_ns.find(b->second);
            if (base == m_ns.end() || base->second <= 0) {
                std::printf("%-34s %11.1f ns   %-26s %10s\n", name.c_str(), ns, b->second.c_str(), "n/a");
            } else {
                std::printf("%-34s %11.1f ns   %-26s %9.2fx\n", name.c_str(), ns, b->second.c_str(), ns / base->second);
            }
        }
    }

private:
    std::vector<std::string> m_order;
    std::map<std::string, double> m_ns;
};
}  // namespace

int main(int argc, char** argv)
{
    // With another output format (e.g. --benchmark_format=json for bench/ratios.py) the library's reporter is used.
    bool console = true;
    for (int i = 1; i < argc; ++i) {
        if (std::strncmp(argv[i], "--benchmark_format=", 19) == 0 && std::strcmp(argv[i] + 19, "console") != 0) {
            console = false;
        }
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    if (console) {
        RatioReporter reporter;
        benchmark::RunSpecifiedBenchmarks(&reporter);
        reporter.PrintRatios();
    } else {
        benchmark::RunSpecifiedBenchmarks();
    }
    benchmark::Shutdown();
    return 0;
}
