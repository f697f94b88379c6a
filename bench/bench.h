// Benchmark helpers: reading reference data, and declaring which benchmark is another one's baseline.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

/** Bytes of a vector file ("bitcoin-core/block413567.raw") from $SOVEREIGN_VECTORS or the configured directory;
 *  exits with a message when missing. */
std::vector<uint8_t> ReadBenchVector(const std::string& relative);

/** benchmark name -> the name of its baseline (for the ratio table). */
std::map<std::string, std::string>& BenchBaselines();

struct BaselineRegistration {
    BaselineRegistration(const char* name, const char* baseline) { BenchBaselines()[name] = baseline; }
};

/** Registers func as a benchmark whose time is reported as a ratio to the benchmark `baseline`. */
#define SOV_BENCHMARK_VS(func, baseline)                                                     \
    BENCHMARK(func);                                                                         \
    static const BaselineRegistration g_baseline_##func{#func, #baseline}
