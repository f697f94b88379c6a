// The Stratum pool in a real sovereignd (regtest), driven by our own client: every method, version rolling, each
// reject code, concurrent connections, a block found by the CPU loop paying the payout address, persistence over
// a restart, and planmining through sovereign-cli.
#include "../e2e/harness.h"
#include "stratum_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

using namespace stratum_test;
using nlohmann::json;

namespace {
/** Regtest's target (0x207fffff) is about 2^255: a hash with the top bit set is a share but not a block. */
bool NotBlock(const std::array<uint8_t, 32>& h) { return h[31] >= 0x80; }
bool IsBlock(const std::array<uint8_t, 32>& h) { return h[31] < 0x7f; }

std::vector<std::string> PoolArgs(uint16_t port)
{
    return {"-stratum", "-stratumbind=127.0.0.1", "-stratumport=" + std::to_string(port),
            std::string("-stratumpayout=") + e2e::MINE_ADDRESS, "-stratumcoinbasetag=/pool-test/",
            "-stratumsharetarget=1000"};
}

int64_t WorkerAccepted(const json& workers, const std::string& name)
{
    for (const auto& w : workers) {
        if (w["worker"] == name) return w["accepted"].get<int64_t>();
    }
    return -1;
}
}  // namespace

TEST(PoolE2e, StratumMethodsRejectionsBlockAndRestart)
{
    e2e::Node node;
    const uint16_t port = e2e::FreeLoopbackPort();
    ASSERT_TRUE(node.Start(PoolArgs(port))) << node.LogTail();

    Client c(port);
    // Before subscribing: 25.
    EXPECT_EQ(c.Call("mining.submit", {"site1.m1", "1", "0000000000000000", "00000000", "00000000"}).ErrorCode(), 25);
    // BIP310 version rolling: the pool grants the intersection with 1fffe000.
    Response conf = c.Call("mining.configure", {{"version-rolling"}, {{"version-rolling.mask", "ffffffff"},
                                                                      {"version-rolling.min-bit-count", 2}}});
    ASSERT_TRUE(conf.error.is_null()) << conf.error;
    EXPECT_EQ(conf.result["version-rolling"], true);
    EXPECT_EQ(conf.result["version-rolling.mask"], "1fffe000");
    Response sub = c.Subscribe();
    ASSERT_TRUE(sub.error.is_null()) << sub.error;
    EXPECT_EQ(c.Extranonce1().size(), 8u);  // 4 bytes
    EXPECT_EQ(c.Extranonce2Size(), 8);
    ASSERT_TRUE(c.CurrentJob());
    EXPECT_TRUE(c.CurrentJob()->clean);
    EXPECT_EQ(c.CurrentJob()->nbits, 0x207fffffu);
    EXPECT_EQ(c.Call("mining.extranonce.subscribe", json::array()).result, true);
    // Not yet authorized: 24. A name that is not site.machine-like: 24.
    EXPECT_EQ(c.Submit("site1.m1", *c.CurrentJob(), Share{"0000000000000000", c.CurrentJob()->ntime, 0, {}, {}})
                  .ErrorCode(), 24);
    EXPECT_EQ(c.Authorize("bad name!").ErrorCode(), 24);
    ASSERT_EQ(c.Authorize("site1.m1").result, true);
    // Fractional difficulty far below 1.
    EXPECT_EQ(c.Call("mining.suggest_difficulty", {1e-12}).result, true);
    c.Pump(std::chrono::seconds(2));
    EXPECT_DOUBLE_EQ(c.Difficulty(), 1e-12);

    const Job job = *c.CurrentJob();
    // Malformed (20): too few params, a short extranonce2.
    EXPECT_EQ(c.Call("mining.submit", {"site1.m1", job.id, "00"}).ErrorCode(), 20);
    EXPECT_EQ(c.Submit("site1.m1", job, Share{"00", job.ntime, 0, {}, {}}).ErrorCode(), 20);
    // Unknown job (21).
    Job unknown = job;
    unknown.id = "ffffff";
    EXPECT_EQ(c.Submit("site1.m1", unknown, Share{"0000000000000000", job.ntime, 0, {}, {}}).ErrorCode(), 21);

    // A share that is not a block: accepted, then the same again is a duplicate (22).
    int accepted = 0;
    Share s1 = c.Mine(job, NotBlock);
    Response r1 = c.Submit("site1.m1", job, s1);
    ASSERT_TRUE(r1.error.is_null()) << r1.error;
    EXPECT_EQ(r1.result, true);
    ++accepted;
    EXPECT_EQ(c.Submit("site1.m1", job, s1).ErrorCode(), 22);

    // Version rolling: bits inside the mask are accepted (and change the hash), bits outside are rejected (20).
    Share rolled = c.Mine(job, NotBlock, 0x00002000u, 1000);
    Response rr = c.Submit("site1.m1", job, rolled);
    ASSERT_TRUE(rr.error.is_null()) << rr.error;
    ++accepted;
    Share outside = rolled;
    outside.version_bits = 0x00000001u;
    EXPECT_EQ(c.Submit("site1.m1", job, outside).ErrorCode(), 20);

    // Low difficulty (23): at difficulty 1 a hash above the diff-1 target does not count.
    EXPECT_EQ(c.Call("mining.suggest_difficulty", {1}).result, true);
    Share low = c.Mine(job, [](const std::array<uint8_t, 32>& h) { return !MeetsDifficulty(h, 1) && NotBlock(h); },
                       std::nullopt, 2000);
    EXPECT_EQ(c.Submit("site1.m1", job, low).ErrorCode(), 23);

    // A block: accepted by the node at once, paying the payout address; a clean job follows.
    EXPECT_EQ(c.Call("mining.suggest_difficulty", {1e-12}).result, true);
    Share blk = c.Mine(job, IsBlock, std::nullopt, 3000);
    ASSERT_TRUE(MeetsBits(blk.hash, job.nbits));
    Response rb = c.Submit("site1.m1", job, blk);
    ASSERT_TRUE(rb.error.is_null()) << rb.error << node.LogTail();
    ++accepted;
    EXPECT_EQ(node.Rpc("getblockcount").get<int>(), 1);
    const std::string hash = node.Rpc("getbestblockhash");
    std::string expected_hash;
    for (int i = 31; i >= 0; --i) {
        char b[3];
        std::snprintf(b, sizeof(b), "%02x", blk.hash[i]);
        expected_hash += b;
    }
    EXPECT_EQ(hash, expected_hash);
    const json block = node.Rpc("getblock", {hash, 2});
    EXPECT_EQ(block["tx"][0]["vout"][0]["scriptPubKey"]["address"], e2e::MINE_ADDRESS);
    EXPECT_NE(block["tx"][0]["vin"][0]["coinbase"].get<std::string>().find("2f706f6f6c2d746573742f"),  // /pool-test/
              std::string::npos);
    ASSERT_TRUE(c.WaitForNewJob(job.id));
    EXPECT_TRUE(c.CurrentJob()->clean);
    // The old job is stale now (21).
    Share stale = c.Mine(job, NotBlock, std::nullopt, 4000);
    EXPECT_EQ(c.Submit("site1.m1", job, stale).ErrorCode(), 21);

    // Several connections at once, each with its own extranonce1.
    constexpr int CLIENTS = 4, SHARES = 3;
    std::atomic<int> ok{0};
    std::vector<std::string> en1(CLIENTS);
    std::vector<std::thread> threads;
    for (int i = 0; i < CLIENTS; ++i) {
        threads.emplace_back([&, i] {
            try {
                Client m(port);
                m.Subscribe();
                const std::string worker = "site2.m" + std::to_string(i);
                if (m.Authorize(worker).result != true) return;
                m.Call("mining.suggest_difficulty", {1e-12});
                en1[i] = m.Extranonce1();
                const Job j = *m.CurrentJob();
                for (int k = 0; k < SHARES; ++k) {
                    Share s = m.Mine(j, NotBlock, std::nullopt, 100000 * (k + 1));
                    if (m.Submit(worker, j, s).result == true) ++ok;
                }
            } catch (const std::exception&) {
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), CLIENTS * SHARES);
    EXPECT_EQ(std::set<std::string>(en1.begin(), en1.end()).size(), size_t{CLIENTS});

    // Accounting RPCs.
    const json info = node.Rpc("getpoolinfo");
    EXPECT_EQ(info["port"], port);
    EXPECT_EQ(info["accepted"], accepted + CLIENTS * SHARES);
    EXPECT_EQ(info["blocks"], 1);
    EXPECT_GE(info["rejected"].get<int>(), 6);
    EXPECT_EQ(info["sites"]["site2"]["accepted"], CLIENTS * SHARES);
    const json workers = node.Rpc("listpoolworkers");
    EXPECT_EQ(WorkerAccepted(workers, "site1.m1"), accepted);
    EXPECT_EQ(WorkerAccepted(workers, "site2.m0"), SHARES);
    const json shares = node.Rpc("getpoolshares", {100});
    EXPECT_EQ(shares["shares"], accepted + CLIENTS * SHARES);
    ASSERT_EQ(shares["blocks"].size(), 1u);
    EXPECT_EQ(shares["blocks"][0]["hash"], hash);

    // Restart: what was accepted is still there.
    ASSERT_TRUE(node.StopRpc().has_value());
    const uint16_t port2 = e2e::FreeLoopbackPort();
    ASSERT_TRUE(node.Start(PoolArgs(port2))) << node.LogTail();
    const json after = node.Rpc("listpoolworkers");
    EXPECT_EQ(WorkerAccepted(after, "site1.m1"), accepted);
    EXPECT_EQ(WorkerAccepted(after, "site2.m3"), SHARES);
    EXPECT_EQ(node.Rpc("getpoolinfo")["accepted"], accepted + CLIENTS * SHARES);
    // The restarted pool serves work on the new tip.
    Client c2(port2);
    c2.Subscribe();
    ASSERT_TRUE(c2.CurrentJob());
    EXPECT_EQ(c2.CurrentJob()->prevhash.size(), 64u);
}

TEST(PoolE2e, PlanMiningThroughCli)
{
    e2e::Node node;
    ASSERT_TRUE(node.Start()) << node.LogTail();
    // Without -stratum the pool RPCs explain themselves.
    try {
        node.Rpc("getpoolinfo");
        ADD_FAILURE() << "getpoolinfo without -stratum";
    } catch (const e2e::RpcError& e) {
        EXPECT_NE(std::string(e.what()).find("-stratum"), std::string::npos);
    }
    // 2,000 MW at 20 J/TH = 100 EH/s; difficulty 1e14 -> 715.8 EH/s network.
    auto r = node.Cli({"-named", "planmining", "megawatts=2000", "efficiency=20", "btc_price=90000",
                       "difficulty=100000000000000", "fees=0.05", "months=12", "difficulty_growth=2"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json plan = json::parse(r.out);
    EXPECT_DOUBLE_EQ(plan["summary"]["hashrate_ehs"].get<double>(), 100);
    EXPECT_NEAR(plan["summary"]["network_share"].get<double>(), 0.13969838619232178, 1e-12);
    EXPECT_EQ(plan["months"].size(), 12u);
    // Regtest halves every 150 blocks: the first block's subsidy is 50 BTC.
    EXPECT_DOUBLE_EQ(plan["summary"]["subsidy_btc"].get<double>(), 50);
    auto csv = node.Cli({"-named", "planmining", "megawatts=10", "efficiency=20", "months=3", "format=csv"});
    ASSERT_EQ(csv.exit_code, 0) << csv.err;
    EXPECT_EQ(csv.out.rfind("month,start_height", 0), 0u);
    auto bad = node.Cli({"planmining", "-5", "20"});
    EXPECT_NE(bad.exit_code, 0);
    EXPECT_NE(bad.err.find("megawatts must be positive"), std::string::npos) << bad.err;
}

TEST(PoolE2e, VardiffRaisesForFastAndLowersForQuietConnections)
{
    e2e::Node node;
    const uint16_t port = e2e::FreeLoopbackPort();
    std::vector<std::string> args = PoolArgs(port);
    args.push_back("-stratumsharetarget=1");
    args.push_back("-stratumjobinterval=1");
    ASSERT_TRUE(node.Start(args)) << node.LogTail();
    Client c(port);
    c.Subscribe();
    ASSERT_EQ(c.Authorize("site3.m1").result, true);
    // Below regtest's network difficulty (4.66e-10) so that shares need not be blocks.
    ASSERT_EQ(c.Call("mining.suggest_difficulty", {1e-11}).result, true);
    c.Pump(std::chrono::seconds(1));
    EXPECT_DOUBLE_EQ(c.Difficulty(), 1e-11);
    // Eight shares far faster than one a second: the difficulty goes up by the 4x cap.
    const Job job = *c.CurrentJob();
    for (int i = 0; i < 8; ++i) {
        Share s = c.Mine(job, NotBlock, std::nullopt, 1000 * (i + 1));
        Response r = c.Submit("site3.m1", job, s);
        ASSERT_TRUE(r.error.is_null()) << r.error;
    }
    EXPECT_DOUBLE_EQ(c.Difficulty(), 4e-11);
    // Then silence: after four share times without shares it is halved (checked on the 1 s refresh).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (c.Difficulty() >= 4e-11 && std::chrono::steady_clock::now() < deadline) c.Pump(std::chrono::seconds(1));
    EXPECT_DOUBLE_EQ(c.Difficulty(), 2e-11);
}

namespace {
// A regtest extended public key (Core's functional tests use it); receive chain /0/*.
constexpr const char* TPUB =
    "tpubD6NzVbkrYhZ4WaWSyoBvQwbpLkojyoTZPRsgXELWz3Popb3qkjcJyJUGLnL4qHHoQvao8ESaAstxYSnhyswJ76uZPStJRJCTKvosUCJZL5B";

/** Mines a block on the client's current job and returns the address its coinbase pays (checked accepted). */
std::string MinePoolBlock(e2e::Node& node, Client& c, const std::string& worker, uint32_t start_nonce)
{
    const Job job = *c.CurrentJob();
    const int height = node.Rpc("getblockcount").get<int>();
    Share blk = c.Mine(job, IsBlock, std::nullopt, start_nonce);
    Response r = c.Submit(worker, job, blk);
    EXPECT_TRUE(r.error.is_null()) << r.error << node.LogTail();
    EXPECT_EQ(node.Rpc("getblockcount").get<int>(), height + 1);
    EXPECT_TRUE(c.WaitForNewJob(job.id));
    const json block = node.Rpc("getblock", {node.Rpc("getbestblockhash"), 2});
    return block["tx"][0]["vout"][0]["scriptPubKey"]["address"].get<std::string>();
}
}  // namespace

TEST(PoolE2e, RangedDescriptorPaysNextChildAndNeverReusesOneAfterRestart)
{
    e2e::Node node;
    const std::string desc = std::string("wpkh(") + TPUB + "/0/*)";
    const uint16_t port = e2e::FreeLoopbackPort();
    auto args = [&](uint16_t p) {
        std::vector<std::string> a = PoolArgs(p);
        a[3] = "-stratumpayout=" + desc;
        return a;
    };
    ASSERT_TRUE(node.Start(args(port))) << node.LogTail();
    const std::string checked = node.Rpc("getdescriptorinfo", {desc})["descriptor"].get<std::string>();
    const json expected = node.Rpc("deriveaddresses", {checked, json::array({0, 5})});
    ASSERT_EQ(expected.size(), 6u);

    json info = node.Rpc("getpoolinfo");
    EXPECT_EQ(info["payout_descriptor"].get<std::string>(), checked);
    EXPECT_EQ(info["job_payout_index"], 0);
    EXPECT_EQ(info["job_payout_address"].get<std::string>(), expected[0].get<std::string>());

    Client c(port);
    c.Subscribe();
    ASSERT_EQ(c.Authorize("site1.m1").result, true);
    ASSERT_EQ(c.Call("mining.suggest_difficulty", {1e-12}).result, true);
    // A refresh on the same tip keeps the unused child: only a found block consumes one.
    EXPECT_EQ(MinePoolBlock(node, c, "site1.m1", 1000), expected[0].get<std::string>());
    EXPECT_EQ(MinePoolBlock(node, c, "site1.m1", 2000), expected[1].get<std::string>());
    info = node.Rpc("getpoolinfo");
    EXPECT_EQ(info["job_payout_index"], 2);
    EXPECT_EQ(info["job_payout_address"].get<std::string>(), expected[2].get<std::string>());

    // Restart: index 2 comes next, never 0 or 1 again.
    ASSERT_TRUE(node.StopRpc().has_value());
    const uint16_t port2 = e2e::FreeLoopbackPort();
    ASSERT_TRUE(node.Start(args(port2))) << node.LogTail();
    EXPECT_EQ(node.Rpc("getpoolinfo")["job_payout_index"], 2);
    Client c2(port2);
    c2.Subscribe();
    ASSERT_EQ(c2.Authorize("site1.m2").result, true);
    ASSERT_EQ(c2.Call("mining.suggest_difficulty", {1e-12}).result, true);
    EXPECT_EQ(MinePoolBlock(node, c2, "site1.m2", 3000), expected[2].get<std::string>());
    EXPECT_EQ(node.Rpc("getpoolinfo")["job_payout_index"], 3);
    EXPECT_EQ(node.Rpc("getpoolinfo")["blocks"], 3);
}

TEST(PoolE2e, PayoutDescriptorErrors)
{
    e2e::Node node;
    const uint16_t port = e2e::FreeLoopbackPort();
    std::vector<std::string> a = PoolArgs(port);
    // Hardened derivation from a public key cannot be done; a bad descriptor is a startup error.
    a[3] = std::string("-stratumpayout=wpkh(") + TPUB + "/0h/*)";
    EXPECT_FALSE(node.Start(a, std::chrono::seconds(20)));
    EXPECT_NE(node.LogTail(50).find("cannot derive"), std::string::npos) << node.LogTail();
}
