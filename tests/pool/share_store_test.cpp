// Share accounting in SQLite: counters, the PPLNS window, hashrate estimate and blocks survive reopening.
#include "pool/share_store.h"

#include <gtest/gtest.h>

#include <unistd.h>

using namespace pool;

TEST(ShareStoreTest, CountsWindowAndBlocksSurviveReopen)
{
    const auto file = std::filesystem::temp_directory_path() / ("sov_pool_store_" + std::to_string(::getpid()) + ".sqlite");
    std::filesystem::remove(file);
    {
        std::string error;
        auto store = ShareStore::Open(file, &error);
        ASSERT_TRUE(store) << error;
        for (int i = 0; i < 3; ++i) ASSERT_TRUE(store->AddAccepted("a.m1", "a", 2.0, 1000 + i));
        ASSERT_TRUE(store->AddAccepted("b.m1", "b", 0.5, 1003));
        ASSERT_TRUE(store->AddRejected("a.m1", "a", 1004));
        ASSERT_TRUE(store->AddBlock(FoundBlock{"00ab", 7, "b.m1", 1005, true, "b"}));
    }
    std::string error;
    auto store = ShareStore::Open(file, &error);
    ASSERT_TRUE(store) << error;
    const auto workers = store->Workers(1010, 600);
    ASSERT_EQ(workers.size(), 2u);
    EXPECT_EQ(workers[0].worker, "a.m1");
    EXPECT_EQ(workers[0].accepted, 3);
    EXPECT_EQ(workers[0].rejected, 1);
    EXPECT_DOUBLE_EQ(workers[0].accepted_work, 6.0);
    // 6 difficulty in 600 s: 6 * 2^32 / 600 H/s.
    EXPECT_DOUBLE_EQ(workers[0].hashrate, 6.0 * 4294967296.0 / 600);
    EXPECT_EQ(workers[1].blocks, 1);
    // PPLNS window of the last 2 shares: one of a.m1 (2.0) and b.m1's (0.5).
    const auto window = store->Window(2);
    ASSERT_EQ(window.size(), 2u);
    EXPECT_EQ(window[0].worker, "a.m1");
    EXPECT_EQ(window[0].shares, 1);
    EXPECT_DOUBLE_EQ(window[1].difficulty, 0.5);
    const auto blocks = store->Blocks();
    ASSERT_EQ(blocks.size(), 1u);
    EXPECT_EQ(blocks[0].height, 7);
    EXPECT_TRUE(blocks[0].accepted);
    store.reset();
    std::filesystem::remove(file);
    std::filesystem::remove(file.string() + "-wal");
    std::filesystem::remove(file.string() + "-shm");
}

TEST(ShareStoreTest, GroupCommitAndPayoutIndexSurviveReopen)
{
    const auto file =
        std::filesystem::temp_directory_path() / ("sov_pool_store2_" + std::to_string(::getpid()) + ".sqlite");
    std::filesystem::remove(file);
    const std::string desc = "wpkh(tpub.../0/*)#abcdefgh";
    {
        std::string error;
        auto store = ShareStore::Open(file, &error);
        ASSERT_TRUE(store) << error;
        EXPECT_EQ(store->NextPayoutIndex(desc), 0);
        ASSERT_TRUE(store->UsePayoutIndex(desc, 0));
        ASSERT_TRUE(store->UsePayoutIndex(desc, 4));
        // Never backwards: a late block of an older job does not bring an index back.
        ASSERT_TRUE(store->UsePayoutIndex(desc, 2));
        EXPECT_EQ(store->NextPayoutIndex(desc), 5);
        EXPECT_EQ(store->NextPayoutIndex("other"), 0);
        std::vector<AcceptedShare> batch;
        for (int i = 0; i < 5; ++i) batch.push_back(AcceptedShare{i % 2 ? "s.b" : "s.a", "s", 1.5, 2000 + i});
        ASSERT_TRUE(store->AddAcceptedBatch(batch));
        ASSERT_TRUE(store->AddAcceptedBatch({}));
        // A block whose share is still in the group commit: the worker's row is created with the block.
        ASSERT_TRUE(store->AddBlock(FoundBlock{"00cd", 9, "t.new", 2010, true, "t"}));
    }
    std::string error;
    auto store = ShareStore::Open(file, &error);
    ASSERT_TRUE(store) << error;
    EXPECT_EQ(store->NextPayoutIndex(desc), 5);
    const auto workers = store->Workers(2010, 600);
    ASSERT_EQ(workers.size(), 3u);
    EXPECT_EQ(workers[0].worker, "s.a");
    EXPECT_EQ(workers[0].accepted, 3);
    EXPECT_DOUBLE_EQ(workers[0].accepted_work, 4.5);
    EXPECT_EQ(workers[1].accepted, 2);
    EXPECT_EQ(workers[2].worker, "t.new");
    EXPECT_EQ(workers[2].site, "t");
    EXPECT_EQ(workers[2].blocks, 1);
    const auto window = store->Window(100);
    ASSERT_EQ(window.size(), 2u);
    EXPECT_EQ(window[0].shares + window[1].shares, 5);
    store.reset();
    std::filesystem::remove(file);
    std::filesystem::remove(file.string() + "-wal");
    std::filesystem::remove(file.string() + "-shm");
}
