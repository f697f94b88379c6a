// End-to-end: -txindex behind getrawtransaction and getindexinfo, and the startup/sync progress lines in debug.log
// (block index load, verification of the last blocks, -reindex with rates, UpdateTip with progress=).
#include "harness.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <sys/wait.h>
#include <thread>

using namespace e2e;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {
bool ExitedCleanly(const std::optional<int>& status) { return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0; }

std::string ReadLog(const Node& node)
{
    std::ifstream in(node.NetDir() / "debug.log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/** The RPC error message of a call expected to fail with RPC_INVALID_ADDRESS_OR_KEY (-5). */
std::string RpcErrorMessage(Node& node, const std::string& method, const json& params)
{
    try {
        node.Rpc(method, params);
    } catch (const RpcError& e) {
        // The harness prefixes the method name.
        std::string msg = e.what();
        const std::string prefix = method + ": ";
        if (msg.rfind(prefix, 0) == 0) msg = msg.substr(prefix.size());
        return e.code == -5 ? msg : "code " + std::to_string(e.code) + ": " + msg;
    }
    return "(no error)";
}

bool WaitTxindexSynced(Node& node, int height)
{
    for (int i = 0; i < 300; ++i) {
        const json info = node.Rpc("getindexinfo");
        if (info.contains("txindex") && info["txindex"]["synced"] == true &&
            info["txindex"]["best_block_height"] == height) {
            return true;
        }
        std::this_thread::sleep_for(100ms);
    }
    return false;
}
}  // namespace

TEST(E2eTxindex, GetRawTransactionFindsBlockTransactionsOnlyWithTxindex)
{
    Node node;
    ASSERT_TRUE(node.Start()) << node.LogTail();
    const json hashes = node.Rpc("generatetoaddress", json::array({30, MINE_ADDRESS}));
    ASSERT_EQ(hashes.size(), 30u);
    const json block = node.Rpc("getblock", json::array({hashes[9], 1}));
    const std::string txid = block["tx"][0];
    // Without -txindex: mempool only, with Core's hint.
    EXPECT_EQ(RpcErrorMessage(node, "getrawtransaction", json::array({txid})),
              "No such mempool transaction. Use -txindex or provide a block hash to enable blockchain transaction "
              "queries. Use gettransaction for wallet transactions.");
    EXPECT_EQ(node.Rpc("getindexinfo"), json::object());
    ASSERT_TRUE(ExitedCleanly(node.StopRpc())) << node.LogTail();

    // With -txindex: the index catches up with the existing chain, then follows new blocks.
    ASSERT_TRUE(node.Start({"-txindex"})) << node.LogTail();
    ASSERT_TRUE(WaitTxindexSynced(node, 30)) << node.LogTail();
    const json tx = node.Rpc("getrawtransaction", json::array({txid, 1}));
    EXPECT_EQ(tx["txid"], txid);
    EXPECT_EQ(tx["blockhash"], hashes[9]);
    EXPECT_EQ(tx["confirmations"], 21);
    const json with_block = node.Rpc("getrawtransaction", json::array({txid, 0, hashes[9]}));
    EXPECT_EQ(node.Rpc("getrawtransaction", json::array({txid})), with_block);
    EXPECT_EQ(RpcErrorMessage(node, "getrawtransaction", json::array({std::string(64, 'a')})),
              "No such mempool or blockchain transaction. Use gettransaction for wallet transactions.");
    const json more = node.Rpc("generatetoaddress", json::array({5, MINE_ADDRESS}));
    ASSERT_TRUE(WaitTxindexSynced(node, 35)) << node.LogTail();
    const std::string new_txid = node.Rpc("getblock", json::array({more[4], 1}))["tx"][0];
    EXPECT_EQ(node.Rpc("getrawtransaction", json::array({new_txid, 1}))["blockhash"], more[4]);
    const json info = node.Rpc("getindexinfo", json::array({"txindex"}));
    EXPECT_EQ(info["txindex"]["best_block_height"], 35);
    ASSERT_TRUE(ExitedCleanly(node.StopRpc())) << node.LogTail();

    // -reindex rebuilds the index too.
    ASSERT_TRUE(node.Start({"-txindex", "-reindex"})) << node.LogTail();
    ASSERT_TRUE(WaitTxindexSynced(node, 35)) << node.LogTail();
    EXPECT_EQ(node.Rpc("getrawtransaction", json::array({txid, 1}))["blockhash"], hashes[9]);
    ASSERT_TRUE(ExitedCleanly(node.StopRpc())) << node.LogTail();
}

TEST(E2eProgressLog, StartupReindexAndTipLinesCarryProgress)
{
    Node node;
    ASSERT_TRUE(node.Start({"-par=2"})) << node.LogTail();
    node.Rpc("generatetoaddress", json::array({20, MINE_ADDRESS}));
    ASSERT_TRUE(ExitedCleanly(node.StopRpc())) << node.LogTail();
    ASSERT_TRUE(node.Start({"-reindex"})) << node.LogTail();
    EXPECT_EQ(node.Rpc("getblockcount"), 20);
    ASSERT_TRUE(ExitedCleanly(node.StopRpc())) << node.LogTail();
    ASSERT_TRUE(node.Start()) << node.LogTail();
    ASSERT_TRUE(ExitedCleanly(node.StopRpc())) << node.LogTail();

    const std::string log = ReadLog(node);
    EXPECT_NE(log.find("Script verification uses 1 additional threads"), std::string::npos);
    EXPECT_TRUE(std::regex_search(log, std::regex(R"(Loaded block index: \d+ entries in [0-9.]+ms)")));
    EXPECT_NE(log.find("Verifying last 6 blocks at level 3"), std::string::npos);
    EXPECT_TRUE(std::regex_search(log, std::regex(R"(Verification progress: \d+%)")));
    EXPECT_NE(log.find("Verification: No coin database inconsistencies in last 6 blocks (6 transactions)"),
              std::string::npos);
    EXPECT_TRUE(std::regex_search(
        log, std::regex(R"(Reindexing block file blk00000\.dat\.\.\. \(1 of 1 files, 100\.0%, 21 blocks, \d+ blocks/s, ETA \w+\))")));
    EXPECT_TRUE(std::regex_search(log, std::regex(R"(Reindexing finished: 21 blocks from 1 files in [0-9.]+ s)")));
    // Core's UpdateTip line, for every block connected (20 mined, 20 again by -reindex).
    const std::regex update_tip(
        R"(UpdateTip: new best=[0-9a-f]{64} height=(\d+) version=0x[0-9a-f]{8} log2_work=[0-9.]+ tx=\d+ date='[0-9T:Z-]+' progress=[01]\.\d{6} cache=[0-9.]+MiB\(\d+txo\))");
    size_t count = 0;
    for (auto it = std::sregex_iterator(log.begin(), log.end(), update_tip); it != std::sregex_iterator(); ++it) ++count;
    EXPECT_GE(count, 40u) << log.substr(0, 4000);
}
