// The chainstate end to end on regtest: mining, spending with real signatures, invalid blocks with Core's reasons,
// reorgs, restart, -reindex-chainstate, -reindex, and a process killed without flushing.
#include "testutil/p2wpkh.h"
#include "address/destination.h"
#include "node/miner.h"
#include "node/validation.h"
#include "script/sighash.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {
struct Wallet {
    Key key;
    Script spk;
    Wallet()
    {
        std::vector<uint8_t> secret(32, 0x11);
        key.Set(secret, true);
        spk = GetScriptForDestination(WitnessV0KeyHash{key.GetPubKey().GetID()});
    }
    /** A P2WPKH spend of outpoint (worth value) paying value - fee to spk. */
    TransactionRef Spend(const OutPoint& out, Amount value, Amount fee, int outputs = 1) const
    {
        MutableTransaction tx;
        tx.vin.resize(1);
        tx.vin[0].prevout = out;
        for (int i = 0; i < outputs; ++i) tx.vout.emplace_back((value - fee) / outputs, spk);
        SignP2wpkhInput(tx, 0, key, value);
        return MakeTransactionRef(std::move(tx));
    }
};

struct Node {
    std::unique_ptr<const ChainParams> params = CreateChainParams(Chain::REGTEST);
    fs::path dir;
    int64_t clock = 1'700'000'000;
    std::unique_ptr<ChainstateManager> cm;

    explicit Node(const std::string& name)
    {
        dir = fs::temp_directory_path() / ("sov_validation_" + name + "_" + std::to_string(::getpid()));
        fs::remove_all(dir);
    }
    ~Node()
    {
        cm.reset();
        fs::remove_all(dir);
    }
    ValidationNotifications* notifications{nullptr};

    void Load(bool reindex = false, bool reindex_chainstate = false)
    {
        cm.reset();
        ChainstateOptions opts;
        opts.notifications = notifications;
        opts.data_dir = dir;
        opts.params = params.get();
        opts.reindex = reindex;
        opts.reindex_chainstate = reindex_chainstate;
        opts.now = [this] { return clock; };
        std::string error;
        cm = ChainstateManager::Load(opts, &error);
        ASSERT_TRUE(cm) << error;
    }
    /** Mines a block with txs; returns the reject reason ("" when accepted and connected). */
    std::string Mine(const Script& spk, const std::vector<TransactionRef>& txs = {},
                     const std::function<void(Block&)>& tamper = nullptr)
    {
        clock += 600;
        std::string error;
        auto tmpl = CreateNewBlock(*cm, spk, txs, &error);
        if (!tmpl) return error;
        Block block = tmpl->block;
        if (tamper) {
            tamper(block);
            RegenerateCommitments(block);
        }
        EXPECT_TRUE(GrindNonce(block, params->consensus));
        BlockValidationState state;
        bool new_block = false;
        if (!cm->ProcessNewBlock(std::make_shared<const Block>(block), true, true, &new_block, &state)) {
            return state.GetRejectReason();
        }
        return cm->Tip()->GetBlockHash() == block.GetHash() ? "" : "not-connected";
    }
    uint256 UtxoHash()
    {
        cm->Flush();
        return ComputeUtxoStats(cm->CoinsDB())->hash_serialized;
    }
};

OutPoint CoinbaseOut(ChainstateManager& cm, int height)
{
    auto block = cm.ReadBlock(*cm.Chain()[height]);
    return OutPoint(block->vtx[0]->GetHash(), 0);
}
}  // namespace

TEST(Chainstate, MinesSpendsReorgsAndSurvivesRestartAndReindex)
{
    Node node("main");
    node.Load();
    Wallet w;
    ASSERT_EQ(node.cm->Chain().Height(), 0);
    for (int i = 0; i < 110; ++i) ASSERT_EQ(node.Mine(w.spk), "");
    ASSERT_EQ(node.cm->Chain().Height(), 110);

    // Spend the first coinbase (mature after 100 blocks) and a chain of its outputs in one block.
    const Amount subsidy = GetBlockSubsidy(1, node.params->consensus);
    auto tx1 = w.Spend(CoinbaseOut(*node.cm, 1), subsidy, 1000, 2);
    auto tx2 = w.Spend(OutPoint(tx1->GetHash(), 1), tx1->vout[1].value, 500);
    ASSERT_EQ(node.Mine(w.spk, {tx1, tx2}), "");
    EXPECT_FALSE(node.cm->CoinsTip().HaveCoin(CoinbaseOut(*node.cm, 1)));
    EXPECT_TRUE(node.cm->CoinsTip().HaveCoin(OutPoint(tx2->GetHash(), 0)));

    // Invalid blocks are refused with Core's reasons and leave the tip alone.
    const uint256 tip = node.cm->Tip()->GetBlockHash();
    EXPECT_EQ(node.Mine(w.spk, {tx1}), "transaction " + tx1->GetHash().GetHex() +
                                           " cannot be included: bad-txns-inputs-missingorspent, CheckTxInputs: "
                                           "inputs missing/spent");
    EXPECT_EQ(node.Mine(w.spk, {}, [](Block& b) {
        MutableTransaction cb(*b.vtx[0]);
        cb.vout[0].value += 1;
        b.vtx[0] = MakeTransactionRef(cb);
    }), "bad-cb-amount");
    auto premature = w.Spend(CoinbaseOut(*node.cm, 100), subsidy, 1000);
    EXPECT_EQ(node.Mine(w.spk, {}, [&](Block& b) { b.vtx.push_back(premature); }),
              "bad-txns-premature-spend-of-coinbase");
    auto bad_sig = w.Spend(CoinbaseOut(*node.cm, 2), subsidy, 1000);
    {
        MutableTransaction m(*bad_sig);
        m.vout[0].value -= 1;  // invalidates the signature
        bad_sig = MakeTransactionRef(m);
    }
    EXPECT_EQ(node.Mine(w.spk, {}, [&](Block& b) { b.vtx.push_back(bad_sig); }),
              "block-script-verify-flag-failed (Script evaluated without error but finished with a false/empty top "
              "stack element)");  // NULLFAIL is policy, not consensus
    EXPECT_EQ(node.cm->Tip()->GetBlockHash(), tip);
    const uint256 before_reorg = node.UtxoHash();

    // Reorg of depth 5: invalidate, build a longer branch, then let the original win again by reconsidering.
    BlockIndex* fork_point = node.cm->Chain()[node.cm->Chain().Height() - 4];
    BlockValidationState state;
    ASSERT_TRUE(node.cm->InvalidateBlock(state, fork_point));
    EXPECT_EQ(node.cm->Chain().Height(), fork_point->height - 1);
    EXPECT_TRUE(node.cm->CoinsTip().HaveCoin(CoinbaseOut(*node.cm, 1)));  // spend undone
    for (int i = 0; i < 6; ++i) ASSERT_EQ(node.Mine(w.spk), "");
    const int branch_height = node.cm->Chain().Height();
    const uint256 branch_tip = node.cm->Tip()->GetBlockHash();
    const uint256 branch_utxo = node.UtxoHash();
    EXPECT_EQ(branch_height, fork_point->height + 5);  // one block more than the original chain
    ASSERT_TRUE(node.cm->ReconsiderBlock(state, fork_point));
    EXPECT_EQ(node.cm->Tip()->GetBlockHash(), branch_tip);  // the original chain has less work
    // Invalidating the branch brings the original chain back.
    node.cm->InvalidateBlock(state, node.cm->Chain()[fork_point->height]);
    ASSERT_TRUE(node.cm->ReconsiderBlock(state, fork_point));
    EXPECT_EQ(node.cm->Tip()->GetBlockHash(), tip);
    EXPECT_EQ(node.UtxoHash(), before_reorg);

    // Restart, -reindex-chainstate and -reindex rebuild the same UTXO set.
    const int height = node.cm->Chain().Height();
    node.Load();
    EXPECT_EQ(node.cm->Tip()->GetBlockHash(), tip);
    EXPECT_EQ(node.UtxoHash(), before_reorg);
    node.Load(false, true);
    EXPECT_EQ(node.cm->Chain().Height(), height);
    EXPECT_EQ(node.UtxoHash(), before_reorg);
    // -reindex rebuilds the index from the block files, forgetting invalidateblock (as Core): the branch, with
    // the most work, wins.
    node.Load(true, false);
    EXPECT_EQ(node.cm->Tip()->GetBlockHash(), branch_tip);
    EXPECT_EQ(node.UtxoHash(), branch_utxo);
}

TEST(Chainstate, KilledProcessKeepsAcknowledgedBlocks)
{
    Node node("kill");
    node.Load();
    Wallet w;
    for (int i = 0; i < 5; ++i) ASSERT_EQ(node.Mine(w.spk), "");
    node.cm.reset();
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        // The child mines, makes each block durable as the RPC layer does, and dies without any flush.
        node.Load();
        for (int i = 0; i < 20; ++i) {
            if (node.Mine(w.spk) != "") _exit(2);
            if (!node.cm->MakeBlocksDurable(nullptr)) _exit(3);
        }
        _exit(node.cm->Chain().Height() == 25 ? 0 : 4);
    }
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0);
    node.Load();
    EXPECT_EQ(node.cm->Chain().Height(), 25);
    const uint256 recovered = node.UtxoHash();
    node.Load(false, true);
    EXPECT_EQ(node.UtxoHash(), recovered);
}

namespace {
/** Records what the chainstate reports to its subscribers. */
struct TipRecorder : ValidationNotifications {
    std::vector<uint256> tips, disconnected;
    void UpdatedBlockTip(const BlockIndex& tip, const BlockIndex* fork, bool initial_download) override
    {
        (void)fork, (void)initial_download;
        tips.push_back(tip.GetBlockHash());
    }
    void BlockDisconnected(const Block& block, const BlockIndex& index) override
    {
        (void)index;
        disconnected.push_back(block.GetHash());
    }
};
}  // namespace

// invalidateblock with no other chain to move to still changes the tip: subscribers must hear of it (the mempool
// re-adds the disconnected transactions on that notification, as Core's InvalidateBlock updates the mempool).
TEST(Chainstate, InvalidateBlockNotifiesTheNewTip)
{
    Node node("notify");
    TipRecorder recorder;
    node.notifications = &recorder;
    node.Load();
    Wallet w;
    for (int i = 0; i < 5; ++i) ASSERT_EQ(node.Mine(w.spk), "");
    BlockIndex* third = node.cm->Chain()[3];
    const uint256 second = node.cm->Chain()[2]->GetBlockHash();
    recorder.tips.clear();
    BlockValidationState state;
    ASSERT_TRUE(node.cm->InvalidateBlock(state, third));
    EXPECT_EQ(node.cm->Tip()->GetBlockHash(), second);
    EXPECT_EQ(recorder.disconnected.size(), 3u);
    ASSERT_EQ(recorder.tips.size(), 1u);
    EXPECT_EQ(recorder.tips[0], second);
    // Reconsidering moves the tip back, reported once by ActivateBestChain.
    ASSERT_TRUE(node.cm->ReconsiderBlock(state, third));
    ASSERT_EQ(recorder.tips.size(), 2u);
    EXPECT_EQ(recorder.tips[1], node.cm->Chain()[5]->GetBlockHash());
    node.cm.reset();
}
