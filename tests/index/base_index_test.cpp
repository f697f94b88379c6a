// BaseIndex: catch-up from genesis, following new blocks, rewinding on reorgs (live and while stopped), and
// resuming from the recorded best block after a restart.
#include "index/base_index.h"
#include "testutil/regtest_chain.h"

namespace fs = std::filesystem;

#include <gtest/gtest.h>


namespace {
/** Records block hash -> height, so the test can compare the index with the active chain. */
class HeightIndex : public BaseIndex
{
public:
    using BaseIndex::BaseIndex;
    std::optional<int> Lookup(const uint256& hash) const
    {
        auto v = Db().Read(Key(hash));
        if (!v || v->size() != 4) return std::nullopt;
        return static_cast<int>((*v)[0] | (*v)[1] << 8 | (*v)[2] << 16 | (*v)[3] << 24);
    }
    size_t Count() const
    {
        size_t n = 0;
        for (auto it = Db().Seek(Bytes{'h'}); it->Valid(); it->Next()) ++n;
        return n;
    }

protected:
    static Bytes Key(const uint256& hash) { return DbKey('h', std::span<const uint8_t>(hash.begin(), hash.size())); }
    bool CustomAppend(DbBatch& batch, const Block&, const BlockIndex& index) override
    {
        const uint32_t h = static_cast<uint32_t>(index.height);
        const Bytes value{uint8_t(h), uint8_t(h >> 8), uint8_t(h >> 16), uint8_t(h >> 24)};
        batch.Put(Key(index.GetBlockHash()), value);
        return true;
    }
    bool CustomRemove(DbBatch& batch, const Block&, const BlockIndex& index) override
    {
        batch.Erase(Key(index.GetBlockHash()));
        return true;
    }
};

class BaseIndexTest : public RegtestChainTest
{
protected:
    Script spk = Script() << OP_TRUE;

    void Mine(int n)
    {
        for (int i = 0; i < n; ++i) MineBlock(spk);
    }
    void Invalidate(int height) { InvalidateAt(height); }
    std::unique_ptr<HeightIndex> Open()
    {
        BaseIndex::Options o;
        o.path = dir / "indexes" / "height";
        auto index = std::make_unique<HeightIndex>(node, "heightindex", o);
        std::string error;
        EXPECT_TRUE(index->Init(&error)) << error;
        index->Start();
        EXPECT_TRUE(index->BlockUntilSynced(std::chrono::seconds(30)));
        return index;
    }
    /** Every active-chain block is indexed at its height, and nothing else is. */
    void ExpectMatchesChain(const HeightIndex& index)
    {
        std::lock_guard lock(node.chainman->Mutex());
        const ActiveChain& chain = node.chainman->Chain();
        for (int h = 0; h <= chain.Height(); ++h) {
            EXPECT_EQ(index.Lookup(chain[h]->GetBlockHash()), h) << "height " << h;
        }
        EXPECT_EQ(index.Count(), static_cast<size_t>(chain.Height() + 1));
        const IndexSummary s = index.GetSummary();
        EXPECT_TRUE(s.synced);
        EXPECT_EQ(s.best_block_height, chain.Height());
        EXPECT_EQ(s.best_block_hash, chain.Tip()->GetBlockHash());
    }
};
}  // namespace

TEST_F(BaseIndexTest, CatchesUpFollowsRewindsAndResumes)
{
    Mine(40);
    auto index = Open();
    ExpectMatchesChain(*index);

    Mine(10);  // followed live
    ExpectMatchesChain(*index);

    Invalidate(45);  // a live reorg: six blocks leave, a longer branch arrives
    Mine(8);
    ExpectMatchesChain(*index);

    // Stopped: blocks arrive and a reorg happens while nobody follows; the restart resumes and rewinds.
    index->Stop();
    index.reset();
    const uint256 stale = [&] {
        std::lock_guard lock(node.chainman->Mutex());
        return node.chainman->Chain()[50]->GetBlockHash();
    }();
    Invalidate(50);
    Mine(12);
    index = Open();
    EXPECT_FALSE(index->Lookup(stale).has_value());
    ExpectMatchesChain(*index);
}

TEST_F(BaseIndexTest, UnknownBestBlockAsksForReindex)
{
    Mine(3);
    {
        auto index = Open();
        ExpectMatchesChain(*index);
    }
    // A chainstate wiped under the index: the recorded best block is unknown.
    node.chainman.reset();
    fs::remove_all(dir / "blocks");
    fs::remove_all(dir / "chainstate");
    LoadChain();
    BaseIndex::Options o;
    o.path = dir / "indexes" / "height";
    HeightIndex index(node, "heightindex", o);
    std::string error;
    EXPECT_FALSE(index.Init(&error));
    EXPECT_NE(error.find("-reindex"), std::string::npos) << error;
}
