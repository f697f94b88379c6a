// Loading reference vectors from ../shared/vectors (or $SOVEREIGN_VECTORS), and reporting counts.
#pragma once

#include "util/hex.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

/** Absolute path of a vector file, e.g. VectorPath("bitcoin-core/script_tests.json"). */
std::filesystem::path VectorPath(const std::string& relative);
/** Whole file as bytes; fails the current test (and returns empty) when missing. */
std::vector<uint8_t> ReadVectorBytes(const std::string& relative);
nlohmann::json ReadVectorJson(const std::string& relative);
/** Prints "<file>: passed/total passed" on its own line, the format the issue asks for. */
void ReportVectorCount(const std::string& file, size_t passed, size_t total);
