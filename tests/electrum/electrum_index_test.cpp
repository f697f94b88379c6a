// The Electrum history index against a real chainstate (catch-up, live blocks, reorgs, restarts: the database
// always equals a fresh rebuild), and the protocol helpers (status hash, merkle branches).
#include "consensus/merkle.h"
#include "crypto/hash.h"
#include "electrum/server.h"
#include "index/scripthash_index.h"
#include "testutil/regtest_chain.h"
#include "util/hex.h"

#include <gtest/gtest.h>

#include <unistd.h>

namespace fs = std::filesystem;

namespace {
class TestIndex : public ScripthashIndex
{
public:
    using ScripthashIndex::ScripthashIndex;
    /** Every row of the index except the best-block record, as (key, value) hex pairs. */
    std::vector<std::pair<std::string, std::string>> Dump() const
    {
        std::vector<std::pair<std::string, std::string>> rows;
        for (uint8_t tag : {'H', 'U', 'T'}) {
            for (auto it = Db().Seek(Bytes{tag}); it->Valid(); it->Next()) rows.emplace_back(HexStr(it->Key()), HexStr(it->Value()));
        }
        return rows;
    }
};

class ElectrumIndexTest : public RegtestChainTest
{
protected:
    Script spk = Script() << OP_TRUE;
    Script x_spk = Script() << OP_2 << OP_DROP << OP_TRUE;
    Script y_spk = Script() << OP_3 << OP_DROP << OP_TRUE;
    int fresh_count = 0;

    void MineWith(const std::vector<TransactionRef>& txs) { MineBlock(spk, txs); }
    void Mine(int n)
    {
        for (int i = 0; i < n; ++i) MineWith({});
    }
    TransactionRef Coinbase(int height)
    {
        std::lock_guard lock(node.chainman->Mutex());
        auto block = node.chainman->ReadBlock(*node.chainman->Chain()[height]);
        return block->vtx[0];
    }
    static TransactionRef Spend(const std::vector<OutPoint>& ins, const std::vector<TxOut>& outs)
    {
        MutableTransaction mtx;
        for (const OutPoint& o : ins) mtx.vin.emplace_back(o);
        mtx.vout = outs;
        return MakeTransactionRef(std::move(mtx));
    }
    void Invalidate(int height)
    {
        std::lock_guard lock(node.chainman->Mutex());
        BlockValidationState state;
        ASSERT_TRUE(node.chainman->InvalidateBlock(state, node.chainman->Chain()[height]));
    }
    std::unique_ptr<TestIndex> Open(const fs::path& path, bool memory_only = false)
    {
        BaseIndex::Options o;
        o.path = path;
        o.memory_only = memory_only;
        auto index = std::make_unique<TestIndex>(node, o);
        std::string error;
        EXPECT_TRUE(index->Init(&error)) << error;
        index->Start();
        EXPECT_TRUE(index->BlockUntilSynced(std::chrono::seconds(60)));
        return index;
    }
    void ExpectEqualsFreshRebuild(const TestIndex& index)
    {
        auto fresh = Open(dir / ("fresh" + std::to_string(++fresh_count)), true);
        EXPECT_EQ(index.Dump(), fresh->Dump());
    }
    static std::vector<std::pair<uint256, int>> Entries(const TestIndex& index, const Script& script)
    {
        std::vector<HistoryRow> rows;
        EXPECT_TRUE(index.GetHistory(ComputeScriptHash(script), 0, rows));
        std::vector<std::pair<uint256, int>> out;
        for (const HistoryRow& r : rows) out.emplace_back(r.txid, r.height);
        return out;
    }
};
}  // namespace

TEST_F(ElectrumIndexTest, HistoryUnspentAndReorgsEqualFreshRebuild)
{
    Mine(110);
    auto index = Open(dir / "indexes" / "electrum");
    ExpectEqualsFreshRebuild(*index);

    // Block 111: a spends coinbase 1 to x (two outputs); b spends a's first output to y in the same block.
    const TransactionRef cb1 = Coinbase(1), cb2 = Coinbase(2);
    const TransactionRef a = Spend({OutPoint(cb1->GetHash(), 0)}, {TxOut(20 * COIN, x_spk), TxOut(29 * COIN, x_spk)});
    const TransactionRef b = Spend({OutPoint(a->GetHash(), 0)}, {TxOut(19 * COIN, y_spk)});
    MineWith({a, b});
    // Block 112: c spends coinbase 2 and a's second output, paying x again.
    const TransactionRef c = Spend({OutPoint(cb2->GetHash(), 0), OutPoint(a->GetHash(), 1)}, {TxOut(70 * COIN, x_spk)});
    MineWith({c});

    EXPECT_EQ(Entries(*index, x_spk), (std::vector<std::pair<uint256, int>>{{a->GetHash(), 111}, {b->GetHash(), 111},
                                                                            {c->GetHash(), 112}}));
    EXPECT_EQ(Entries(*index, y_spk), (std::vector<std::pair<uint256, int>>{{b->GetHash(), 111}}));
    std::vector<UnspentRow> utxos;
    ASSERT_TRUE(index->GetUnspent(ComputeScriptHash(x_spk), 0, utxos));
    ASSERT_EQ(utxos.size(), 1u);
    EXPECT_EQ(utxos[0].txid, c->GetHash());
    EXPECT_EQ(utxos[0].value, 70 * COIN);
    // OP_TRUE: 112 coinbases, two spent.
    utxos.clear();
    ASSERT_TRUE(index->GetUnspent(ComputeScriptHash(spk), 0, utxos));
    EXPECT_EQ(utxos.size(), 110u);
    auto pos = index->FindTx(b->GetHash());
    ASSERT_TRUE(pos);
    EXPECT_EQ(pos->height, 111);
    EXPECT_EQ(pos->pos, 2u);
    // The history limit stops the scan.
    std::vector<HistoryRow> limited;
    EXPECT_FALSE(index->GetHistory(ComputeScriptHash(spk), 50, limited));
    EXPECT_EQ(limited.size(), 50u);
    ExpectEqualsFreshRebuild(*index);

    // A live reorg removes both blocks' rows and restores the spent outputs.
    Invalidate(111);
    EXPECT_TRUE(Entries(*index, x_spk).empty());
    EXPECT_FALSE(index->FindTx(a->GetHash()));
    Mine(3);
    ExpectEqualsFreshRebuild(*index);

    // Stopped while a reorg happens: the restart rewinds and catches up.
    index->Stop();
    index.reset();
    Invalidate(112);
    MineWith({a, b, c});
    index = Open(dir / "indexes" / "electrum");
    EXPECT_EQ(Entries(*index, y_spk).size(), 1u);
    ExpectEqualsFreshRebuild(*index);
}

TEST(ElectrumHelpers, StatusHashIsSha256OfTxidHeightPairs)
{
    EXPECT_FALSE(ElectrumStatusHash({}).has_value());
    const uint256 t1 = *uint256::FromHex("aa" + std::string(62, '0'));
    const uint256 t2 = *uint256::FromHex(std::string(62, '1') + "bb");
    const std::string text = t1.GetHex() + ":5:" + t2.GetHex() + ":-1:";
    const uint256 h = Sha256Hash(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    EXPECT_EQ(ElectrumStatusHash({{t1, 5}, {t2, -1}}), HexStr(std::span<const uint8_t>(h.begin(), 32)));
}

TEST(ElectrumHelpers, MerkleBranchRebuildsTheRoot)
{
    for (size_t n : {1u, 2u, 3u, 5u, 8u, 13u, 100u}) {
        std::vector<uint256> leaves(n);
        for (size_t i = 0; i < n; ++i) leaves[i] = Hash256(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&i), sizeof(i)));
        const uint256 expected = ComputeMerkleRoot(leaves);
        for (size_t index = 0; index < n; ++index) {
            uint256 root;
            const std::vector<uint256> branch = MerkleBranch(leaves, index, &root);
            EXPECT_EQ(root, expected);
            uint256 h = leaves[index];
            size_t i = index;
            for (const uint256& sib : branch) {
                uint8_t buf[64];
                const uint256& l = (i & 1) ? sib : h;
                const uint256& r = (i & 1) ? h : sib;
                std::copy(l.begin(), l.end(), buf);
                std::copy(r.begin(), r.end(), buf + 32);
                h = Hash256(std::span<const uint8_t>(buf, 64));
                i >>= 1;
            }
            EXPECT_EQ(h, expected) << n << " leaves, index " << index;
        }
    }
}

TEST(ElectrumHelpers, ScripthashHexIsReversed)
{
    const Script s = Script() << OP_TRUE;
    const ElectrumScripthash sh = ComputeScriptHash(s);
    const std::string hex = ScriptHashToHex(sh);
    ASSERT_EQ(hex.size(), 64u);
    EXPECT_EQ(hex.substr(0, 2), HexStr(std::span<const uint8_t>(&sh[31], 1)));
    EXPECT_EQ(ScriptHashFromHex(hex), sh);
    EXPECT_FALSE(ScriptHashFromHex(hex.substr(1)));
    EXPECT_FALSE(ScriptHashFromHex(std::string(64, 'z')));
}

TEST(ElectrumHelpers, DatabasePrefixScanMatchesHighBytes)
{
    // Scripthash prefixes contain bytes >= 0x80; the prefix scan must still find them (and stop after them).
    Database::Options o;
    o.path = fs::temp_directory_path() / ("sov_electrum_db_" + std::to_string(::getpid()));
    o.memory_only = true;
    std::string error;
    auto db = Database::Open(o, &error);
    ASSERT_TRUE(db) << error;
    const Bytes a{0x48, 0x84, 0xff, 0x01}, b{0x48, 0x84, 0xff, 0x02}, c{0x48, 0x85, 0x00};
    for (const Bytes& k : {a, b, c}) ASSERT_TRUE(db->Put(k, Bytes{1}, false));
    size_t n = 0;
    for (auto it = db->Seek(Bytes{0x48, 0x84, 0xff}); it->Valid(); it->Next()) ++n;
    EXPECT_EQ(n, 2u);
}
