// Interop with Bitcoin Core's bitcoin-cli (issue 4): Core's client, unchanged, drives sovereignd with cookie auth
// (-datadir, -regtest, -rpcport) and gets what it gets from Core on the same chain: getblockchaininfo, getblock,
// getbestblockhash, -named arguments, -rpcwallet, -getinfo, and the same error codes and messages.
// Skipped unless $BITCOIND and $BITCOIN_CLI name Core's programs.
#include "core_node.h"

#include <gtest/gtest.h>

using namespace e2e;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {
/** bitcoin-cli against a node (its datadir's cookie, its RPC port). */
ProcessResult CoreCli(Node& node, const std::vector<std::string>& args) { return node.CliWith(CoreCliPath(), args); }

json CliJson(Node& node, const std::vector<std::string>& args)
{
    const ProcessResult r = CoreCli(node, args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
    // bitcoin-cli prints a string result bare (no quotes), everything else as JSON.
    const json j = json::parse(r.out, nullptr, false);
    if (!j.is_discarded()) return j;
    std::string text = r.out;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return json(text);
}

/** The same call through bitcoin-cli to both nodes exits the same way and prints the same. */
void ExpectSameCli(Node& core, Node& sov, const std::vector<std::string>& args)
{
    std::string what;
    for (const std::string& a : args) what += a + " ";
    SCOPED_TRACE("bitcoin-cli " + what);
    // Messages that name the configuration file name each node's own datadir.
    auto scrub = [](ProcessResult r, const Node& n) {
        const std::string dir = n.DataDir().string();
        for (std::string* text : {&r.out, &r.err}) {
            for (size_t p = text->find(dir); p != std::string::npos; p = text->find(dir, p)) text->replace(p, dir.size(), "<datadir>");
        }
        return r;
    };
    const ProcessResult c = scrub(CoreCli(core, args), core);
    const ProcessResult s = scrub(CoreCli(sov, args), sov);
    EXPECT_EQ(s.exit_code, c.exit_code);
    EXPECT_EQ(s.out, c.out);
    EXPECT_EQ(s.err, c.err);
}
}  // namespace

TEST(E2eInteropRpc, CoreCliDrivesSovereignLikeCore)
{
    SKIP_WITHOUT_CORE(true);
    CoreNode core;
    ASSERT_TRUE(core.Start()) << core.LogTail();
    Node sov;
    ASSERT_TRUE(sov.Start({"-connect=" + P2pAddress(core), "-fallbackfee=0.0002"})) << sov.LogTail();
    core.Rpc("generatetoaddress", {12, MINE_ADDRESS});
    const std::string tip = core.Rpc("getbestblockhash").get<std::string>();
    ASSERT_TRUE(WaitUntil([&] { return sov.Rpc("getbestblockhash").get<std::string>() == tip; })) << sov.LogTail();

    // Plain calls: the same chain looks the same.
    ExpectSameCli(core, sov, {"getbestblockhash"});
    ExpectSameCli(core, sov, {"getblockcount"});
    ExpectSameCli(core, sov, {"getblockhash", "7"});
    const json info = CliJson(sov, {"getblockchaininfo"});
    const json core_info = CliJson(core, {"getblockchaininfo"});
    for (const char* k : {"chain", "blocks", "headers", "bestblockhash", "bits", "target", "difficulty", "time", "mediantime",
                          "chainwork", "initialblockdownload", "pruned"}) {
        EXPECT_EQ(info.value(k, json()), core_info.at(k)) << k;
    }
    // A pre-release Core build warns about itself; ours has nothing to warn about. Both give an array.
    EXPECT_TRUE(info.at("warnings").is_array() && core_info.at("warnings").is_array());
    for (const auto& [k, v] : info.items()) EXPECT_TRUE(core_info.contains(k)) << "sovereignd's extra field " << k;
    for (const auto& [k, v] : core_info.items()) EXPECT_TRUE(info.contains(k)) << "missing field " << k;

    // getblock at every verbosity, positional and -named.
    const std::string hash = CliJson(sov, {"getblockhash", "5"}).get<std::string>();
    EXPECT_EQ(CliJson(sov, {"getblock", hash}), CliJson(core, {"getblock", hash}));
    ExpectSameCli(core, sov, {"getblock", hash, "0"});
    EXPECT_EQ(CliJson(sov, {"getblock", hash, "2"}), CliJson(core, {"getblock", hash, "2"}));
    ExpectSameCli(core, sov, {"-named", "getblock", "blockhash=" + hash, "verbosity=0"});
    EXPECT_EQ(CliJson(sov, {"-named", "getblock", "verbosity=1", "blockhash=" + hash}), CliJson(core, {"getblock", hash, "1"}));
    EXPECT_EQ(CliJson(sov, {"-named", "getblockheader", "blockhash=" + hash}), CliJson(core, {"getblockheader", hash}));
    ExpectSameCli(core, sov, {"-named", "getblockheader", "blockhash=" + hash, "verbose=false"});

    // Wallets: created -named, addressed with -rpcwallet.
    for (Node* n : {static_cast<Node*>(&core), &sov}) {
        const ProcessResult created = CoreCli(*n, {"-named", "createwallet", "wallet_name=cli", "load_on_startup=false"});
        ASSERT_EQ(created.exit_code, 0) << created.err;
        EXPECT_EQ(json::parse(created.out).at("name").get<std::string>(), "cli");
    }
    ExpectSameCli(core, sov, {"-rpcwallet=cli", "getbalance"});
    EXPECT_EQ(CliJson(sov, {"-rpcwallet=cli", "getwalletinfo"}).at("walletname").get<std::string>(), "cli");
    const ProcessResult address = CoreCli(sov, {"-rpcwallet=cli", "getnewaddress", "", "bech32m"});
    ASSERT_EQ(address.exit_code, 0) << address.err;
    EXPECT_EQ(address.out.rfind("bcrt1p", 0), 0u) << address.out;
    ExpectSameCli(core, sov, {"-rpcwallet=cli", "-named", "getbalance", "minconf=0"});
    ExpectSameCli(core, sov, {"-rpcwallet=nosuchwallet", "getbalance"});
    ExpectSameCli(core, sov, {"listwallets"});

    // Errors: the same code and message (bitcoin-cli prints both and exits 1).
    ExpectSameCli(core, sov, {"getblock", "00"});
    ExpectSameCli(core, sov, {"getblock", std::string(64, '0')});
    ExpectSameCli(core, sov, {"getblock", std::string(64, 'g')});
    ExpectSameCli(core, sov, {"getblockhash", "1000"});
    ExpectSameCli(core, sov, {"getblockhash"});
    ExpectSameCli(core, sov, {"nosuchmethod"});
    ExpectSameCli(core, sov, {"-named", "getblock", "nosucharg=1"});
    ExpectSameCli(core, sov, {"-named", "getblock", "blockhash=" + hash, "blockhash=" + hash});
    ExpectSameCli(core, sov, {"-rpcpassword=wrong", "getblockcount"});

    // -getinfo is a batch of calls (getnetworkinfo, getblockchaininfo, getwalletinfo, getbalances, listwallets);
    // its chain, fee and wallet lines match.
    const ProcessResult gi_sov = CoreCli(sov, {"-getinfo", "-color=never"});
    const ProcessResult gi_core = CoreCli(core, {"-getinfo", "-color=never"});
    ASSERT_EQ(gi_sov.exit_code, 0) << gi_sov.err;
    ASSERT_EQ(gi_core.exit_code, 0) << gi_core.err;
    for (const std::string line : {"Chain: regtest\n", "Blocks: 12\n", "Headers: 12\n", "Difficulty: ", "Wallet: cli\n",
                                   "Balance: 0.00000000\n", "Min tx relay fee rate (BTC/kvB): "}) {
        EXPECT_NE(gi_core.out.find(line), std::string::npos) << line << " not in Core's:\n" << gi_core.out;
        EXPECT_NE(gi_sov.out.find(line), std::string::npos) << line << " not in sovereignd's:\n" << gi_sov.out;
    }
    auto line_of = [](const std::string& text, const std::string& start) {
        const size_t p = text.find(start);
        return p == std::string::npos ? std::string() : text.substr(p, text.find('\n', p) - p);
    };
    for (const char* start : {"Difficulty: ", "Min tx relay fee rate", "Verification progress: "}) {
        EXPECT_EQ(line_of(gi_sov.out, start), line_of(gi_core.out, start));
    }
}
