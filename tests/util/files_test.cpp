// Crash-safe file replacement (WriteFileAtomic) and the CSV walker shared by the price and accounts files.
#include "util/csv.h"
#include "util/fs_util.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

namespace {
std::string ReadAll(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}
}  // namespace

TEST(FsUtil, WriteFileAtomicReplacesWholeOrNotAtAll)
{
    const auto dir = std::filesystem::temp_directory_path() / ("sov-fsutil-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const auto file = dir / "state.json";
    std::string error;
    ASSERT_TRUE(WriteFileAtomic(file, "first", &error)) << error;
    EXPECT_EQ(ReadAll(file), "first");
    ASSERT_TRUE(WriteFileAtomic(file, "second, longer", &error)) << error;
    EXPECT_EQ(ReadAll(file), "second, longer");
    EXPECT_FALSE(std::filesystem::exists(dir / "state.json.tmp"));

    // A producer that gives up leaves the old file and no temporary behind.
    EXPECT_FALSE(WriteFileAtomic(file, [](const ChunkWriter& put) { return put("partial") && false; }, &error));
    EXPECT_EQ(ReadAll(file), "second, longer");
    EXPECT_FALSE(std::filesystem::exists(dir / "state.json.tmp"));
    // Chunks arrive in order.
    ASSERT_TRUE(WriteFileAtomic(file, [](const ChunkWriter& put) { return put("a") && put("b") && put("c"); }, &error));
    EXPECT_EQ(ReadAll(file), "abc");

    // Private files are 0600.
    ASSERT_TRUE(WriteFileAtomic(dir / "secret", "k", &error, true));
    EXPECT_EQ(std::filesystem::status(dir / "secret").permissions() &
                  (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
              std::filesystem::perms::none);
    // A directory that does not exist: an error, not a crash.
    EXPECT_FALSE(WriteFileAtomic(dir / "missing" / "x", "y", &error));
    EXPECT_NE(error.find("cannot create"), std::string::npos) << error;
    std::filesystem::remove_all(dir);
}

TEST(FsUtil, CsvRowsAreTrimmedAndNumbered)
{
    std::vector<std::pair<size_t, std::vector<std::string>>> rows;
    const bool all = ForEachCsvRow("\xEF\xBB\xBF" "a, b \r\n\n \t\nc,,d\nlast", [&](size_t n, const std::vector<std::string>& f) {
        rows.emplace_back(n, f);
        return true;
    });
    EXPECT_TRUE(all);
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].first, 1u);
    EXPECT_EQ(rows[0].second, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(rows[1].first, 4u);
    EXPECT_EQ(rows[1].second, (std::vector<std::string>{"c", "", "d"}));
    EXPECT_EQ(rows[2].second, (std::vector<std::string>{"last"}));
    size_t seen = 0;
    EXPECT_FALSE(ForEachCsvRow("x\ny\nz\n", [&](size_t, const std::vector<std::string>&) { return ++seen < 2; }));
    EXPECT_EQ(seen, 2u);
}
