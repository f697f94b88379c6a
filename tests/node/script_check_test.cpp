// Parallel script verification (-par): the check queue alone, the -par thread rule, and a big block with one bad
// signature in the middle rejected with the same reason and input inline (-par=1) and on a worker (-par=2).
#include "testutil/p2wpkh.h"
#include "address/destination.h"
#include "node/checkqueue.h"
#include "node/miner.h"
#include "node/validation.h"

#include <gtest/gtest.h>

#include <atomic>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {
struct CountingCheck {
    std::atomic<int>* ran;
    int value;
    std::optional<int> operator()() const
    {
        ran->fetch_add(1);
        if (value < 0) return value;
        return std::nullopt;
    }
};
}  // namespace

TEST(CheckQueue, RunsEveryCheckAndReportsAFailure)
{
    for (int workers : {0, 1, 3}) {
        CheckQueue<CountingCheck> queue(16, workers);
        EXPECT_EQ(queue.HasThreads(), workers > 0);
        for (int round = 0; round < 3; ++round) {
            std::atomic<int> ran{0};
            std::lock_guard control(queue.ControlMutex());
            for (int batch = 0; batch < 20; ++batch) {
                std::vector<CountingCheck> checks;
                for (int i = 0; i < 50; ++i) checks.push_back({&ran, batch * 50 + i});
                queue.Add(std::move(checks));
            }
            EXPECT_FALSE(queue.Complete().has_value());
            EXPECT_EQ(ran.load(), 1000);
            // One failing check among many: reported, and the queue is clean for the next round.
            std::vector<CountingCheck> checks;
            for (int i = 0; i < 500; ++i) checks.push_back({&ran, i == 250 ? -7 : i});
            queue.Add(std::move(checks));
            EXPECT_EQ(queue.Complete(), std::optional<int>(-7));
        }
    }
}

TEST(CheckQueue, ParThreadRuleMatchesCore)
{
    EXPECT_EQ(ScriptCheckThreadsFromPar(0, 2), 1);  // auto: cores - 1
    EXPECT_EQ(ScriptCheckThreadsFromPar(0, 1), 0);
    EXPECT_EQ(ScriptCheckThreadsFromPar(1, 8), 0);  // no extra threads
    EXPECT_EQ(ScriptCheckThreadsFromPar(2, 8), 1);
    EXPECT_EQ(ScriptCheckThreadsFromPar(-1, 8), 6);  // leave one core free
    EXPECT_EQ(ScriptCheckThreadsFromPar(100, 8), MAX_SCRIPTCHECK_THREADS);
    EXPECT_EQ(ScriptCheckThreadsFromPar(-100, 8), 0);
}

namespace {
struct TestChain {
    std::unique_ptr<const ChainParams> params = CreateChainParams(Chain::REGTEST);
    fs::path dir;
    int64_t clock = 1'700'000'000;
    std::unique_ptr<ChainstateManager> cm;
    Key key;
    Script spk;

    explicit TestChain(fs::path d) : dir(std::move(d))
    {
        key.Set(std::vector<uint8_t>(32, 0x22), true);
        spk = GetScriptForDestination(WitnessV0KeyHash{key.GetPubKey().GetID()});
    }
    void Load(int threads)
    {
        cm.reset();
        ChainstateOptions opts;
        opts.data_dir = dir;
        opts.params = params.get();
        opts.now = [this] { return clock; };
        opts.script_check_threads = threads;
        std::string error;
        cm = ChainstateManager::Load(opts, &error);
        ASSERT_TRUE(cm) << error;
    }
    Block Template(const std::vector<TransactionRef>& txs)
    {
        clock += 600;
        std::string error;
        auto tmpl = CreateNewBlock(*cm, spk, txs, &error);
        EXPECT_TRUE(tmpl) << error;
        return tmpl ? tmpl->block : Block{};
    }
    BlockValidationState Submit(Block block)
    {
        RegenerateCommitments(block);
        EXPECT_TRUE(GrindNonce(block, params->consensus));
        BlockValidationState state;
        bool new_block = false;
        cm->ProcessNewBlock(std::make_shared<const Block>(block), true, true, &new_block, &state);
        return state;
    }
    /** n_in P2WPKH inputs from outs (each worth value) into one output. */
    TransactionRef Spend(const std::vector<OutPoint>& outs, Amount value) const
    {
        MutableTransaction tx;
        for (const OutPoint& o : outs) tx.vin.emplace_back().prevout = o;
        tx.vout.emplace_back(value * static_cast<Amount>(outs.size()) - 1000, spk);
        for (size_t i = 0; i < outs.size(); ++i) SignP2wpkhInput(tx, static_cast<unsigned>(i), key, value);
        return MakeTransactionRef(std::move(tx));
    }
};
}  // namespace

TEST(ParallelScriptChecks, BadSignatureMidBlockRejectedAlikeWithAndWithoutWorkers)
{
    const fs::path base = fs::temp_directory_path() / ("sov_scriptcheck_" + std::to_string(::getpid()));
    fs::remove_all(base);
    constexpr int TXS = 120, INPUTS = 3;
    TestChain a(base / "a");
    a.Load(0);
    for (int i = 0; i < 101; ++i) ASSERT_TRUE(a.Submit(a.Template({})).IsValid());
    // Fan out a coinbase into TXS * INPUTS outputs.
    const Amount subsidy = GetBlockSubsidy(1, a.params->consensus);
    const Amount each = (subsidy - 100000) / (TXS * INPUTS);
    TransactionRef fan;
    {
        std::lock_guard lock(a.cm->Mutex());
        auto cb = a.cm->ReadBlock(*a.cm->Chain()[1]);
        MutableTransaction tx;
        tx.vin.emplace_back().prevout = OutPoint(cb->vtx[0]->GetHash(), 0);
        for (int i = 0; i < TXS * INPUTS; ++i) tx.vout.emplace_back(each, a.spk);
        SignP2wpkhInput(tx, 0, a.key, subsidy);
        fan = MakeTransactionRef(std::move(tx));
    }
    ASSERT_TRUE(a.Submit(a.Template({fan})).IsValid());
    std::vector<TransactionRef> spends;
    for (int t = 0; t < TXS; ++t) {
        std::vector<OutPoint> outs;
        for (int j = 0; j < INPUTS; ++j) outs.emplace_back(fan->GetHash(), static_cast<uint32_t>(t * INPUTS + j));
        spends.push_back(a.Spend(outs, each));
    }
    const Block good = a.Template(spends);
    // The same block with input 1 of transaction 70 carrying a corrupted signature.
    Block bad = good;
    {
        MutableTransaction m(*bad.vtx[70]);
        m.vin[1].witness.stack[0][10] ^= 0x01;
        bad.vtx[70] = MakeTransactionRef(std::move(m));
    }
    // And with also a coinbase paying too much: with workers Core reports the non-script rule checked later.
    Block bad_and_overpaying = bad;
    {
        MutableTransaction cb(*bad_and_overpaying.vtx[0]);
        cb.vout[0].value += 1;
        bad_and_overpaying.vtx[0] = MakeTransactionRef(std::move(cb));
    }
    a.cm.reset();
    fs::copy(base / "a", base / "b", fs::copy_options::recursive);
    TestChain b(base / "b");
    b.clock = a.clock;
    b.Load(1);
    a.Load(0);

    const std::string bad_txid = bad.vtx[70]->GetHash().GetHex();
    // NULLFAIL is policy only: under consensus flags the failed CHECKSIG leaves false on the stack.
    const std::string SCRIPT_FAILURE =
        "block-script-verify-flag-failed (Script evaluated without error but finished with a false/empty top stack "
        "element)";
    for (TestChain* c : {&a, &b}) {
        SCOPED_TRACE(c == &a ? "-par=1" : "-par=2");
        BlockValidationState state = c->Submit(bad);
        EXPECT_EQ(state.GetRejectReason(), SCRIPT_FAILURE) << state.ToString();
        EXPECT_EQ(state.GetDebugMessage().rfind("input 1 of " + bad_txid + " (wtxid ", 0), 0u) << state.ToString();
        EXPECT_EQ(c->cm->Chain().Height(), 102);
    }
    EXPECT_EQ(a.Submit(bad_and_overpaying).GetRejectReason(), SCRIPT_FAILURE);
    EXPECT_EQ(b.Submit(bad_and_overpaying).GetRejectReason(), "bad-cb-amount");
    // The valid block connects under both.
    for (TestChain* c : {&a, &b}) {
        EXPECT_TRUE(c->Submit(good).IsValid());
        EXPECT_EQ(c->cm->Chain().Height(), 103);
    }
    a.cm.reset();
    b.cm.reset();
    fs::remove_all(base);
}
