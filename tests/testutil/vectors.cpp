// Loading reference vectors and reporting counts.
#include "testutil/vectors.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

std::filesystem::path VectorPath(const std::string& relative)
{
    const char* env = std::getenv("SOVEREIGN_VECTORS");
    std::filesystem::path base = env && *env ? env : SOV_VECTORS_DIR;
    return base / relative;
}

std::vector<uint8_t> ReadVectorBytes(const std::string& relative)
{
    std::ifstream in(VectorPath(relative), std::ios::binary);
    EXPECT_TRUE(in.good()) << "missing vector file " << VectorPath(relative);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

nlohmann::json ReadVectorJson(const std::string& relative)
{
    std::ifstream in(VectorPath(relative));
    EXPECT_TRUE(in.good()) << "missing vector file " << VectorPath(relative);
    if (!in.good()) return nlohmann::json::array();
    return nlohmann::json::parse(in);
}

void ReportVectorCount(const std::string& file, size_t passed, size_t total)
{
    std::printf("%s: %zu/%zu passed\n", file.c_str(), passed, total);
    std::fflush(stdout);
}
