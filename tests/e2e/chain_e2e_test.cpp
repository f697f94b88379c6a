// End-to-end chain test (issue 4): one regtest sovereignd mines 1,500+ blocks carrying thousands of signed spends
// of every standard script type, then reorgs (depth 1 and 100), restarts, reindexes and survives kill -9 rounds with
// the UTXO set hash of a clean replay.
#include "harness.h"
#include "chain_wallet.h"

#include "address/destination.h"
#include "policy/policy.h"
#include "testutil/tx_builder.h"
#include "util/hex.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <list>
#include <map>
#include <random>
#include <set>
#include <sys/wait.h>
#include <thread>

using namespace e2e;
using namespace testutil;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr int TARGET_HEIGHT = 1500;  // before the reorg phase, which adds more
constexpr int TARGET_TXS = 3000;

bool ExitedCleanly(const std::optional<int>& status)
{
    return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

class ChainE2e : public ::testing::Test
{
protected:
    /** Sends the transactions in one batch; every one must be accepted. */
    void SendAll(const std::vector<BuiltTx>& txs)
    {
        std::vector<std::pair<std::string, json>> calls;
        for (const auto& b : txs) calls.emplace_back("sendrawtransaction", json::array({b.hex}));
        const auto replies = Batch(m_node, calls);
        for (size_t i = 0; i < txs.size(); ++i) {
            ASSERT_TRUE(replies[i]["error"].is_null())
                << replies[i]["error"] << " for a spend of " << txs[i].inputs.size() << " inputs, first "
                << OutputKindName(txs[i].inputs[0].coin.info.kind) << ": " << txs[i].hex;
            ASSERT_EQ(replies[i]["result"], txs[i].txid);
        }
    }

    /** getblock verbosity 2 of each hash, batched. */
    std::vector<json> Blocks(const json& hashes)
    {
        std::vector<std::pair<std::string, json>> calls;
        for (const auto& h : hashes) calls.emplace_back("getblock", json::array({h, 2}));
        std::vector<json> out;
        for (auto& r : Batch(m_node, calls)) {
            if (!r["error"].is_null()) throw RpcError(0, "getblock: " + r["error"].dump());
            out.push_back(r["result"]);
        }
        return out;
    }

    /** Credits the wallet with the new blocks' coinbases and the outputs of the pending transactions they hold. */
    void Confirm(const std::vector<json>& blocks, std::vector<BuiltTx>& pending, bool credit_coinbase = true)
    {
        std::map<std::string, int> where;
        for (const json& b : blocks) {
            if (credit_coinbase) {
                ASSERT_TRUE(m_wallet.AddCoinbase(b)) << "coinbase does not pay the miner key";
            }
            for (const json& tx : b.at("tx")) where[tx.at("txid")] = b.at("height");
            m_tx_count += static_cast<int>(b.at("tx").size()) - 1;
        }
        for (const auto& p : pending) {
            auto it = where.find(p.txid);
            ASSERT_NE(it, where.end()) << "transaction " << p.txid << " was not mined";
            m_height_of[p.txid] = it->second;
            m_built[p.txid] = p;
            for (const auto& o : p.outputs) m_wallet.AddConfirmed(o, it->second, false);
        }
        pending.clear();
    }

    int Tip() { return m_node.Rpc("getblockcount").get<int>(); }

    Node m_node;
    uint64_t m_seed{SeedFromEnv()};
    Wallet m_wallet{m_seed};
    int m_tx_count{0};
    std::map<std::string, int> m_height_of;  // txid -> confirmation height (our own transactions)
    std::map<std::string, BuiltTx> m_built;
};

/** Txids (without coinbase) of a getblock verbosity-2 object. */
std::set<std::string> TxidsOf(const json& block)
{
    std::set<std::string> out;
    for (size_t i = 1; i < block.at("tx").size(); ++i) out.insert(block["tx"][i].at("txid").get<std::string>());
    return out;
}

std::set<std::string> Mempool(Node& node)
{
    std::set<std::string> out;
    for (const json& t : node.Rpc("getrawmempool")) out.insert(t.get<std::string>());
    return out;
}

json TipEntry(const json& tips, const std::string& hash)
{
    for (const json& t : tips) {
        if (t.at("hash") == hash) return t;
    }
    return json();
}

}  // namespace

TEST_F(ChainE2e, ThousandsOfSpendsReorgsRestartsAndKills)
{
    const auto t_start = std::chrono::steady_clock::now();
    auto phase_done = [&, last = t_start](const char* name) mutable {
        const auto now = std::chrono::steady_clock::now();
        std::cout << "[ phase ] " << name << ": " << std::chrono::duration<double>(now - last).count() << " s (total "
                  << std::chrono::duration<double>(now - t_start).count() << " s)\n";
        last = now;
    };
    std::cout << "[ seed ] SOV_E2E_SEED=" << m_seed << "\n";
    std::mt19937_64& rng = m_wallet.Rng();
    ASSERT_TRUE(m_node.Start()) << m_node.LogTail();
    const std::string miner = m_wallet.MinerAddress();

    // ---- Phase 1: a mature coinbase supply, then rounds of spends of every type, each round mined. ----
    {
        std::vector<BuiltTx> none;
        const json hashes = m_node.Rpc("generatetoaddress", json::array({MATURITY + 10, miner}));
        Confirm(Blocks(hashes), none);
    }
    int round = 0;
    while (Tip() < TARGET_HEIGHT - 2 || m_tx_count < TARGET_TXS) {
        const int tip = Tip();
        std::vector<BuiltTx> pending;
        const int n_tx = 3 + static_cast<int>(rng() % 5);
        for (int i = 0; i < n_tx; ++i) {
            auto b = m_wallet.Build(tip, 1 + static_cast<int>(rng() % 3), 1 + static_cast<int>(rng() % 3),
                                    rng() % 4 == 0);
            if (!b) break;
            pending.push_back(std::move(*b));
        }
        SendAll(pending);
        if (HasFatalFailure()) return;
        json hashes;
        if (round % 10 == 3) {
            // generateblock with the mempool transactions named by txid (and a later empty block).
            json txids = json::array();
            for (const auto& p : pending) txids.push_back(p.txid);
            hashes.push_back(m_node.Rpc("generateblock", json::array({miner, txids})).at("hash"));
        } else {
            hashes = m_node.Rpc("generatetoaddress", json::array({1, miner}));
        }
        if (rng() % 2) hashes.push_back(m_node.Rpc("generatetoaddress", json::array({1, miner}))[0]);
        Confirm(Blocks(hashes), pending);
        if (HasFatalFailure()) return;
        ++round;
        if (Tip() > 4 * TARGET_HEIGHT) FAIL() << "no progress towards " << TARGET_TXS << " transactions";
    }
    EXPECT_TRUE(m_node.Rpc("getrawmempool").empty());
    std::cout << "[ chain ] height " << Tip() << ", " << m_tx_count << " transactions in " << round
              << " rounds, wallet pool " << m_wallet.PoolSize() << ", OP_RETURN outputs " << m_wallet.op_returns
              << "\n";
    for (const OutputKind kind : ALL_OUTPUT_KINDS) {
        std::cout << "[ chain ]   " << OutputKindName(kind) << ": created " << m_wallet.created[kind] << ", spent "
                  << m_wallet.spent[kind] << "\n";
        EXPECT_GE(m_wallet.created[kind], 100) << OutputKindName(kind);
        EXPECT_GE(m_wallet.spent[kind], 50) << OutputKindName(kind);
    }
    EXPECT_GE(m_wallet.op_returns, 100);
    EXPECT_GE(m_tx_count, TARGET_TXS);
    EXPECT_GE(Tip(), TARGET_HEIGHT - 2);
    phase_done("mining with transactions");

    // ---- Phase 2: reorg of depth 1. The tip's transactions return to the mempool and are mined again. ----
    const std::string other_address = AddressOf(DeterministicKey(m_seed, 1));
    {
        const int tip = Tip();
        std::vector<BuiltTx> pending;
        for (int i = 0; i < 6; ++i) {
            auto b = m_wallet.Build(tip, 2, 2, i == 0);
            if (b) pending.push_back(std::move(*b));
        }
        ASSERT_FALSE(pending.empty());
        SendAll(pending);
        const json hashes = m_node.Rpc("generatetoaddress", json::array({1, miner}));
        const std::vector<json> blocks = Blocks(hashes);
        const std::set<std::string> in_block = TxidsOf(blocks[0]);
        Confirm(blocks, pending, /*credit_coinbase=*/false);  // this block is about to be replaced
        ASSERT_FALSE(HasFatalFailure());
        const std::string old_tip = hashes[0];
        const std::string parent = blocks[0].at("previousblockhash");
        m_node.Rpc("invalidateblock", json::array({old_tip}));
        EXPECT_EQ(m_node.Rpc("getblockcount"), tip);
        EXPECT_EQ(m_node.Rpc("getbestblockhash"), parent);
        EXPECT_EQ(Mempool(m_node), in_block) << "the disconnected block's transactions are not all back";
        EXPECT_EQ(TipEntry(m_node.Rpc("getchaintips"), old_tip).value("status", ""), "invalid");
        const json alt = m_node.Rpc("generatetoaddress", json::array({2, other_address}));
        EXPECT_EQ(m_node.Rpc("getbestblockhash"), alt[1]);
        EXPECT_EQ(TxidsOf(Blocks(alt)[0]), in_block) << "the new block does not re-mine them";
        EXPECT_TRUE(m_node.Rpc("getrawmempool").empty());
        // Reconsidering the shorter branch does not move the tip; its block becomes a valid fork.
        m_node.Rpc("reconsiderblock", json::array({old_tip}));
        EXPECT_EQ(m_node.Rpc("getbestblockhash"), alt[1]);
        const json entry = TipEntry(m_node.Rpc("getchaintips"), old_tip);
        EXPECT_EQ(entry.value("status", ""), "valid-fork") << entry;
        EXPECT_EQ(entry.value("branchlen", -1), 1) << entry;
        // The wallet's coins keep their heights: the re-mined block is at the same height.
    }
    phase_done("reorg depth 1");

    // ---- Phase 3: reorg of depth 100. ----
    UtxoSnapshot fork_old, fork_new;
    int fork_height = 0;
    {
        // A few more rounds so the 100 blocks about to be disconnected all hold our transactions.
        // Each round also spends the coinbase that has just matured: after the reorg those are immature again, so
        // (but for the first) they must not return to the mempool (Core's removeForReorg).
        std::set<std::string> young_coinbase_spends;
        for (int r = 0; r < 100; ++r) {
            const int tip = Tip();
            std::vector<BuiltTx> pending;
            for (int i = 0; i < 3; ++i) {
                auto b = m_wallet.Build(tip, 1 + static_cast<int>(rng() % 2), 2, false);
                if (b) pending.push_back(std::move(*b));
            }
            auto young = m_wallet.Build(tip, 1, 2, false, -1, [tip](const WalletCoin& c) {
                return c.coinbase && c.height == tip + 1 - MATURITY;
            });
            if (young) {  // the blocks replaced in the depth-1 reorg paid another key: no coinbase of ours there
                young_coinbase_spends.insert(young->txid);
                pending.push_back(std::move(*young));
            }
            SendAll(pending);
            ASSERT_FALSE(HasFatalFailure());
            Confirm(Blocks(m_node.Rpc("generatetoaddress", json::array({1, miner}))), pending);
            ASSERT_FALSE(HasFatalFailure());
        }
        const int tip = Tip();
        const std::string old_tip = m_node.Rpc("getbestblockhash");
        fork_old = Snapshot(m_node);
        fork_height = tip - 100;
        const std::string first_old = m_node.Rpc("getblockhash", json::array({fork_height + 1}));
        const std::string fork_hash = m_node.Rpc("getblockhash", json::array({fork_height}));
        std::set<std::string> old_branch;
        for (const auto& [txid, h] : m_height_of) {
            if (h > fork_height) old_branch.insert(txid);
        }
        ASSERT_GE(old_branch.size(), 200u);

        m_node.Rpc("invalidateblock", json::array({first_old}), 300s);
        EXPECT_EQ(m_node.Rpc("getblockcount"), fork_height);
        EXPECT_EQ(m_node.Rpc("getbestblockhash"), fork_hash);
        const std::set<std::string> back = Mempool(m_node);
        // Everything in the pool came from the old branch; what did not come back must have a reason: it spends a
        // coinbase that is immature again, a timelocked coin no longer satisfied, or an output of a dropped one.
        std::set<std::string> dropped;
        for (const auto& txid : old_branch) {
            if (!back.count(txid)) dropped.insert(txid);
        }
        for (const auto& txid : back) EXPECT_TRUE(old_branch.count(txid)) << txid << " was not in the old branch";
        size_t unexplained = 0;
        for (const auto& txid : dropped) {
            bool reason = false;
            for (const auto& in : m_built[txid].inputs) {
                const auto kind = in.coin.info.kind;
                reason |= in.coinbase || kind == OutputKind::CLTV || kind == OutputKind::CSV ||
                          dropped.count(in.coin.outpoint.hash.GetHex()) > 0;
            }
            if (!reason) ++unexplained;
        }
        EXPECT_EQ(unexplained, 0u) << "of " << dropped.size() << " transactions not returned to the mempool";
        std::set<std::string> young_dropped;
        for (const auto& txid : young_coinbase_spends) {
            // Spending a coinbase of height c in the block after the fork needs fork_height + 1 - c >= 100.
            const bool still_mature = m_height_of[txid] == fork_height + 1;
            EXPECT_EQ(back.count(txid) > 0, still_mature) << txid << " confirmed at " << m_height_of[txid];
            if (!still_mature) young_dropped.insert(txid);
        }
        EXPECT_GE(young_dropped.size(), 90u);
        EXPECT_GT(back.size(), old_branch.size() / 2) << "most of the old branch should return to the mempool";
        std::cout << "[ reorg ] depth 100: " << old_branch.size() << " transactions disconnected, " << back.size()
                  << " back in the mempool, " << dropped.size() << " dropped (immature/timelocked or descendants)\n";
        json tips = m_node.Rpc("getchaintips");
        EXPECT_EQ(TipEntry(tips, old_tip).value("status", ""), "invalid");
        EXPECT_EQ(TipEntry(tips, fork_hash).value("status", ""), "active");

        // A longer alternative branch re-mines what returned.
        const json alt = m_node.Rpc("generatetoaddress", json::array({101, other_address}), 300s);
        ASSERT_EQ(alt.size(), 101u);
        EXPECT_EQ(m_node.Rpc("getbestblockhash"), alt[100]);
        std::set<std::string> remined;
        for (const json& b : Blocks(alt)) {
            for (const auto& t : TxidsOf(b)) remined.insert(t);
        }
        EXPECT_EQ(remined, back);
        EXPECT_TRUE(m_node.Rpc("getrawmempool").empty());
        fork_new = Snapshot(m_node);
        EXPECT_NE(fork_new.hash_serialized_3, fork_old.hash_serialized_3);
        tips = m_node.Rpc("getchaintips");
        EXPECT_EQ(TipEntry(tips, alt[100]).value("status", ""), "active");
        EXPECT_EQ(TipEntry(tips, old_tip).value("status", ""), "invalid");
        EXPECT_EQ(TipEntry(tips, old_tip).value("branchlen", -1), 100);

        // reconsiderblock on the shorter old branch: no reorg, the old tip becomes a valid fork.
        m_node.Rpc("reconsiderblock", json::array({first_old}), 300s);
        EXPECT_EQ(m_node.Rpc("getbestblockhash"), alt[100]);
        EXPECT_EQ(TipEntry(m_node.Rpc("getchaintips"), old_tip).value("status", ""), "valid-fork");
        // Invalidate the new branch: back to the old tip with exactly the old UTXO set and an empty mempool
        // (everything the new branch held is confirmed in the old one).
        m_node.Rpc("invalidateblock", json::array({alt[0]}), 300s);
        EXPECT_EQ(m_node.Rpc("getbestblockhash"), old_tip);
        EXPECT_EQ(Snapshot(m_node), fork_old);
        EXPECT_TRUE(m_node.Rpc("getrawmempool").empty()) << m_node.Rpc("getrawmempool").size();
        // reconsiderblock of the longer branch activates it again (Core calls ActivateBestChain).
        m_node.Rpc("reconsiderblock", json::array({alt[0]}), 300s);
        EXPECT_EQ(m_node.Rpc("getbestblockhash"), alt[100]);
        EXPECT_EQ(Snapshot(m_node), fork_new);
        // The old branch's transactions that the new branch lacks return to the mempool where valid now: the
        // coinbase spends dropped above are mature again at this height.
        const std::set<std::string> pool_now = Mempool(m_node);
        for (const auto& txid : young_dropped) EXPECT_TRUE(pool_now.count(txid)) << txid << " not back";
        for (const auto& txid : pool_now) EXPECT_TRUE(dropped.count(txid)) << txid << " was not a dropped one";
        tips = m_node.Rpc("getchaintips");
        EXPECT_EQ(TipEntry(tips, old_tip).value("status", ""), "valid-fork");
        EXPECT_EQ(TipEntry(tips, alt[100]).value("status", ""), "active");
    }
    phase_done("reorg depth 100");

    // ---- Phase 4: restart and -reindex-chainstate give the same tip and UTXO set. ----
    const std::string tip_hash = m_node.Rpc("getbestblockhash");
    ASSERT_TRUE(ExitedCleanly(m_node.StopRpc())) << m_node.LogTail();
    ASSERT_TRUE(m_node.Start()) << m_node.LogTail();
    EXPECT_EQ(m_node.Rpc("getbestblockhash"), tip_hash);
    EXPECT_EQ(Snapshot(m_node), fork_new);
    ASSERT_TRUE(ExitedCleanly(m_node.StopRpc())) << m_node.LogTail();
    phase_done("restart");
    ASSERT_TRUE(m_node.Start({"-reindex-chainstate"}, 240s)) << m_node.LogTail();
    EXPECT_EQ(m_node.Rpc("getbestblockhash"), tip_hash);
    EXPECT_EQ(Snapshot(m_node), fork_new);
    phase_done("reindex-chainstate");

    // ---- Phase 5: kill -9 while blocks (with transactions) are being connected. ----
    // The reference is a clean replay: a second node started from a copy of this datadir (taken after the clean
    // stop above) that is only ever fed, by submitblock, the blocks the killed node ends up with, and never killed.
    // Spends come only from coins confirmed at or below the fork point: unspent on either branch, and never reused,
    // so whatever the kills lose does not matter to later rounds.
    ASSERT_TRUE(ExitedCleanly(m_node.StopRpc())) << m_node.LogTail();
    Node reference;
    std::filesystem::copy(m_node.NetDir(), reference.NetDir(), std::filesystem::copy_options::recursive);
    std::filesystem::remove(reference.NetDir() / "debug.log");
    ASSERT_TRUE(m_node.Start()) << m_node.LogTail();
    ASSERT_TRUE(reference.Start()) << reference.LogTail();
    ASSERT_EQ(reference.Rpc("getbestblockhash"), tip_hash);
    const int kills = std::getenv("SOV_E2E_KILLS") ? std::atoi(std::getenv("SOV_E2E_KILLS")) : 20;
    int reindex_checks = 0, blocks_during_kills = 0, mid_connect_kills = 0;
    for (int it = 0; it < kills; ++it) {
        SCOPED_TRACE("kill round " + std::to_string(it) + ", seed " + std::to_string(m_seed));
        const int tip = Tip();
        std::vector<BuiltTx> batch;
        for (int i = 0; i < 24; ++i) {
            auto b = m_wallet.Build(tip, 1, 2, i % 5 == 0, fork_height);
            if (b) batch.push_back(std::move(*b));
        }
        std::atomic<int> acked{tip};
        std::atomic<bool> stop{false}, in_generate{false};
        std::string thread_error;
        std::thread miner_thread([&] {
            size_t next = 0;
            try {
                while (!stop) {
                    std::vector<std::pair<std::string, json>> calls;
                    for (int i = 0; i < 3 && next < batch.size(); ++i, ++next) {
                        calls.emplace_back("sendrawtransaction", json::array({batch[next].hex}));
                    }
                    if (!calls.empty()) Batch(m_node, calls);
                    in_generate = true;
                    const json h = m_node.Rpc("generatetoaddress", json::array({1 + static_cast<int>(next % 3),
                                                                                other_address}), 30s);
                    in_generate = false;
                    acked += static_cast<int>(h.size());
                }
            } catch (const std::exception& e) {
                thread_error = e.what();  // normally: the node died under us
            }
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 300));
        mid_connect_kills += in_generate.load();
        m_node.Kill();
        stop = true;
        miner_thread.join();

        ASSERT_TRUE(m_node.Start({}, 120s)) << "node did not come back after kill -9\n" << m_node.LogTail();
        const int height = Tip();
        EXPECT_GE(height, acked.load()) << "acknowledged blocks lost";
        blocks_during_kills += height - tip;
        // Feed the reference the blocks it lacks, then both UTXO sets must agree.
        const int ref_height = reference.Rpc("getblockcount");
        ASSERT_LE(ref_height, height);
        std::vector<std::pair<std::string, json>> hash_calls;
        for (int h = ref_height + 1; h <= height; ++h) hash_calls.emplace_back("getblockhash", json::array({h}));
        std::vector<std::pair<std::string, json>> raw_calls, submit_calls;
        for (const json& r : Batch(m_node, hash_calls)) raw_calls.emplace_back("getblock", json::array({r["result"], 0}));
        for (const json& r : Batch(m_node, raw_calls)) submit_calls.emplace_back("submitblock", json::array({r["result"]}));
        for (const json& r : Batch(reference, submit_calls)) {
            EXPECT_TRUE(r["error"].is_null() && r["result"].is_null()) << "reference refused a block: " << r;
        }
        const UtxoSnapshot after_kill = Snapshot(m_node);
        EXPECT_EQ(after_kill, Snapshot(reference)) << "UTXO set after kill -9 differs from a clean replay";
        // Now and then also rebuild the killed node's chainstate from its own block files.
        if (it % 10 == 9) {
            ASSERT_TRUE(ExitedCleanly(m_node.StopRpc())) << m_node.LogTail();
            ASSERT_TRUE(m_node.Start({"-reindex-chainstate"}, 240s)) << m_node.LogTail();
            EXPECT_EQ(Snapshot(m_node), after_kill);
            ++reindex_checks;
        }
        std::cout << "[ kill " << it << " ] acknowledged height " << acked.load() << ", after restart " << height
                  << (thread_error.empty() ? "" : "; miner stopped by: " + thread_error.substr(0, 80)) << "\n";
        if (HasFatalFailure()) return;
    }
    EXPECT_GT(blocks_during_kills, kills) << "the kill rounds connected too few blocks";
    std::cout << "[ kill ] " << kills << " rounds (" << mid_connect_kills << " killed inside generatetoaddress), "
              << blocks_during_kills << " blocks connected, every round compared with the clean replay, "
              << reindex_checks << " also with -reindex-chainstate\n";
    phase_done("kill -9 rounds");
    EXPECT_TRUE(ExitedCleanly(reference.StopRpc())) << reference.LogTail();
    EXPECT_TRUE(ExitedCleanly(m_node.StopRpc())) << m_node.LogTail();
}
