// The real Electrum wallet (Debian's `electrum` 4.3 CLI) against sovereignd's Electrum server on regtest: receive
// from the node's wallet, pay back, and follow an invalidateblock reorg; the same over TLS (`:s`). Skips when the
// `electrum` executable is not installed.
#include "harness.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

using namespace e2e;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

/** The electrum executable: $ELECTRUM, else the one on PATH; empty when there is none. */
std::string FindElectrum()
{
    if (const char* env = std::getenv("ELECTRUM"); env && *env) return env;
    const ProcessResult r = RunProcess("/bin/sh", {"-c", "command -v electrum"}, 10s);
    std::string path = r.out;
    while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
    return r.exit_code == 0 ? path : std::string();
}

std::string Trim(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    size_t b = 0;
    while (b < s.size() && (s[b] == '\n' || s[b] == ' ')) ++b;
    return s.substr(b);
}

/** One Electrum client with its own -D directory, run as a daemon; every command is logged to a transcript. */
class ElectrumCli
{
public:
    ElectrumCli(std::string exe, std::string dir) : m_exe(std::move(exe)), m_dir(std::move(dir)) {}
    ~ElectrumCli() { StopDaemon(); }
    ElectrumCli(const ElectrumCli&) = delete;
    ElectrumCli& operator=(const ElectrumCli&) = delete;

    /** Runs `electrum --regtest -D dir <args>`; the output (stdout then stderr), trimmed. */
    std::string Run(const std::vector<std::string>& args, bool log = true, int* exit_code = nullptr)
    {
        std::vector<std::string> all{"--regtest", "-D", m_dir};
        all.insert(all.end(), args.begin(), args.end());
        const ProcessResult r = RunProcess(m_exe, all, 120s);
        std::string out = Trim(r.out + (r.err.empty() ? "" : "\n" + r.err));
        if (exit_code) *exit_code = r.exit_code;
        if (log) {
            std::string cmd = "$ electrum";
            for (const std::string& a : args) cmd += " " + (a.size() > 40 ? a.substr(0, 24) + "..." : a);
            std::string shown = out.size() > 400 ? out.substr(0, 400) + "..." : out;
            m_transcript << cmd << "\n" << shown << "\n";
        }
        return out;
    }
    json RunJson(const std::vector<std::string>& args, bool log = true)
    {
        const std::string out = Run(args, log);
        auto j = json::parse(out, nullptr, false);
        if (j.is_discarded()) throw std::runtime_error("electrum " + args[0] + ": not JSON: " + out);
        return j;
    }
    /** Starts the daemon; its JSON-RPC listens on a loopback TCP port so that polling needs no new process. */
    bool StartDaemon(const std::string& server)
    {
        m_rpc_port = FreeLoopbackPort();
        for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
                 {"rpcport", std::to_string(m_rpc_port)}, {"rpcuser", "sov"}, {"rpcpassword", "sovpass"}}) {
            Run({"--offline", "setconfig", k, v}, false);
        }
        const std::string out = Run({"daemon", "-d", "--oneserver", "--server", server});
        if (auto at = out.find("PID "); at != std::string::npos) m_pid = std::atoi(out.c_str() + at + 4);
        return m_pid > 0;
    }
    void StopDaemon()
    {
        if (m_pid <= 0) return;
        Run({"stop"}, false);
        for (int i = 0; i < 100 && ::kill(m_pid, 0) == 0; ++i) std::this_thread::sleep_for(100ms);
        if (::kill(m_pid, 0) == 0) ::kill(m_pid, SIGKILL);
        m_pid = -1;
    }
    /** A daemon command over its JSON-RPC (not logged); throws on an error answer. */
    json Rpc(const std::string& method, const json& params = json::object())
    {
        const json req = {{"jsonrpc", "2.0"}, {"id", ++m_rpc_id}, {"method", method}, {"params", params}};
        const HttpResponse r = HttpPost(m_rpc_port, "/", "Basic " + Base64Encode("sov:sovpass"), req.dump(), 60s);
        auto j = json::parse(r.body, nullptr, false);
        if (r.status != 200 || j.is_discarded() || !j.contains("result") || (j.contains("error") && !j["error"].is_null())) {
            throw std::runtime_error("electrum rpc " + method + ": " + std::to_string(r.status) + " " + r.body);
        }
        return j["result"];
    }
    void Note(const std::string& line) { m_transcript << "# " << line << "\n"; }
    void Raw(const std::string& text) { m_transcript << text; }
    std::string Transcript() const { return m_transcript.str(); }

private:
    std::string m_exe;
    std::string m_dir;
    int m_pid{-1};
    uint16_t m_rpc_port{0};
    int m_rpc_id{0};
    std::ostringstream m_transcript;
};

/** Polls `check` (which may throw) until it holds or `timeout` passes. */
bool WaitFor(const std::function<bool()>& check, std::chrono::seconds timeout = 90s)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            if (check()) return true;
        } catch (const std::exception&) {
        }
        std::this_thread::sleep_for(300ms);
    }
    return false;
}

/** txid -> height of the wallet's on-chain history (`onchain_history`); with log, the CLI command is run and
 *  its transactions shown one per line. */
std::map<std::string, int> ClientHistory(ElectrumCli& cli, bool log = false)
{
    std::map<std::string, int> out;
    const json h = log ? cli.RunJson({"onchain_history"}, false) : cli.Rpc("onchain_history");
    std::string shown = "$ electrum onchain_history   (txid height confirmations bc_value)\n";
    for (const json& t : h["transactions"]) {
        out[t["txid"].get<std::string>()] = t["height"].get<int>();
        shown += "  " + t["txid"].get<std::string>() + " " + t["height"].dump() + " " + t["confirmations"].dump() +
                 " " + t["bc_value"].get<std::string>() + "\n";
    }
    if (log) cli.Raw(shown);
    return out;
}

bool ClientAtHeight(ElectrumCli& cli, int height)
{
    const json info = cli.Rpc("getinfo");
    return info["connected"].get<bool>() && info["server_height"].get<int>() == height &&
           info["blockchain_height"].get<int>() == height && cli.Rpc("is_synchronized").get<bool>();
}

/** "confirmed" or "confirmed+unconfirmed" of getbalance. */
std::string ConfirmedBalance(ElectrumCli& cli, bool log = false)
{
    const json b = log ? cli.RunJson({"getbalance"}) : cli.Rpc("getbalance");
    return b.value("confirmed", "") + (b.contains("unconfirmed") ? "+" + b["unconfirmed"].get<std::string>() : "");
}

std::vector<std::string> NodeArgs(uint16_t port, std::vector<std::string> extra = {})
{
    std::vector<std::string> args{"-electrum", "-electrumport=" + std::to_string(port), "-fallbackfee=0.0002"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

}  // namespace

TEST(ElectrumClientE2e, RealWalletReceivesPaysBackAndFollowsReorg)
{
    const std::string exe = FindElectrum();
    if (exe.empty()) GTEST_SKIP() << "the electrum executable is not installed (Debian package electrum)";
    Node node;
    const uint16_t port = FreeLoopbackPort();
    ASSERT_TRUE(node.Start(NodeArgs(port))) << node.LogTail();
    node.Rpc("createwallet", {"w"});
    const std::string node_addr = node.WalletRpc("w", "getnewaddress").get<std::string>();
    node.Rpc("generatetoaddress", {101, node_addr});

    ElectrumCli cli(exe, (node.DataDir() / "ec").string());
    ASSERT_TRUE(cli.StartDaemon("127.0.0.1:" + std::to_string(port) + ":t")) << cli.Transcript();
    const json created = cli.RunJson({"create"});
    ASSERT_TRUE(created.contains("path")) << cli.Transcript();
    ASSERT_EQ(cli.Run({"load_wallet"}), "true") << cli.Transcript();
    ASSERT_TRUE(WaitFor([&] { return ClientAtHeight(cli, 101); })) << cli.Transcript() << node.LogTail();
    cli.RunJson({"getinfo"});
    const std::string client_addr = cli.Run({"getunusedaddress"});
    ASSERT_EQ(client_addr.rfind("bcrt1", 0), 0u) << client_addr;

    // 1. The node's wallet pays the client: unconfirmed first, then confirmed at 102.
    const std::string tx1 = node.WalletRpc("w", "sendtoaddress", {client_addr, 1.5}).get<std::string>();
    cli.Note("node: sendtoaddress " + client_addr + " 1.5 -> " + tx1);
    EXPECT_TRUE(WaitFor([&] {
        const auto h = ClientHistory(cli);
        return h.count(tx1) && h.at(tx1) == 0;
    }))
        << cli.Transcript();
    EXPECT_TRUE(WaitFor([&] { return ConfirmedBalance(cli) == "0+1.5"; })) << ConfirmedBalance(cli, true);
    node.Rpc("generatetoaddress", {1, MINE_ADDRESS});
    cli.Note("node: generatetoaddress 1 (height 102)");
    ASSERT_TRUE(WaitFor([&] { return ClientAtHeight(cli, 102) && ConfirmedBalance(cli) == "1.5"; }))
        << cli.Transcript() << ConfirmedBalance(cli, true);
    EXPECT_EQ(ClientHistory(cli, true), (std::map<std::string, int>{{tx1, 102}}));
    ConfirmedBalance(cli, true);

    // 2. The client pays the node back (payto signs, broadcast goes through the server to the node's mempool).
    const std::string back_addr = node.WalletRpc("w", "getnewaddress").get<std::string>();
    const std::string hex = cli.Run({"payto", back_addr, "0.7", "--feerate", "2"});
    ASSERT_FALSE(hex.empty());
    const std::string tx2 = cli.Run({"broadcast", hex});
    ASSERT_EQ(tx2.size(), 64u) << cli.Transcript();
    const json pool = node.Rpc("getrawmempool");
    EXPECT_NE(std::find(pool.begin(), pool.end(), json(tx2)), pool.end()) << pool.dump();
    EXPECT_EQ(node.WalletRpc("w", "gettransaction", {tx2})["confirmations"].get<int>(), 0);
    node.Rpc("generatetoaddress", {1, MINE_ADDRESS});
    cli.Note("node: generatetoaddress 1 (height 103)");
    ASSERT_TRUE(WaitFor([&] { return ClientAtHeight(cli, 103) && ClientHistory(cli)[tx2] == 103; })) << cli.Transcript();
    EXPECT_EQ(ClientHistory(cli, true), (std::map<std::string, int>{{tx1, 102}, {tx2, 103}}));
    const json node_tx2 = node.WalletRpc("w", "gettransaction", {tx2});
    cli.Note("node: gettransaction " + tx2 + " -> amount " + node_tx2["amount"].dump() + ", confirmations " +
             node_tx2["confirmations"].dump());
    EXPECT_EQ(node_tx2["confirmations"].get<int>(), 1);
    EXPECT_EQ(node_tx2["amount"].dump(), "0.7");
    const std::string balance_after_pay = ConfirmedBalance(cli, true);
    EXPECT_EQ(balance_after_pay.find('+'), std::string::npos) << balance_after_pay;  // nothing unconfirmed left
    EXPECT_LT(std::stod(balance_after_pay), 0.8);
    EXPECT_GT(std::stod(balance_after_pay), 0.79);

    // 3. Reorg: invalidate the block with tx2 and mine a longer branch without it (tx2 goes back to the
    //    mempool), then a block that includes it again.
    const std::string block103 = node.Rpc("getblockhash", {103}).get<std::string>();
    node.Rpc("invalidateblock", {block103});
    node.Rpc("generateblock", {MINE_ADDRESS, json::array()});
    node.Rpc("generateblock", {MINE_ADDRESS, json::array()});
    cli.Note("node: invalidateblock 103, generateblock x2 without tx2 (alternative chain to 104)");
    ASSERT_EQ(node.Rpc("getblockcount").get<int>(), 104);
    ASSERT_TRUE(WaitFor([&] { return ClientAtHeight(cli, 104) && ClientHistory(cli)[tx2] == 0; }))
        << cli.Transcript() << node.LogTail();
    EXPECT_EQ(ClientHistory(cli, true), (std::map<std::string, int>{{tx1, 102}, {tx2, 0}}));
    EXPECT_EQ(node.WalletRpc("w", "gettransaction", {tx2})["confirmations"].get<int>(), 0);
    node.Rpc("generatetoaddress", {1, MINE_ADDRESS});
    cli.Note("node: generatetoaddress 1 (tx2 re-included at 105)");
    ASSERT_TRUE(WaitFor([&] { return ClientAtHeight(cli, 105) && ClientHistory(cli)[tx2] == 105; })) << cli.Transcript();
    EXPECT_EQ(ClientHistory(cli, true), (std::map<std::string, int>{{tx1, 102}, {tx2, 105}}));
    EXPECT_EQ(ConfirmedBalance(cli, true), balance_after_pay);
    EXPECT_EQ(node.WalletRpc("w", "gettransaction", {tx2})["confirmations"].get<int>(), 1);

    cli.StopDaemon();
    std::cout << "---- real Electrum client transcript ----\n" << cli.Transcript() << "---- end of transcript ----\n";
}

TEST(ElectrumClientE2e, RealWalletOverTlsPinsTheSelfSignedCertificate)
{
    const std::string exe = FindElectrum();
    if (exe.empty()) GTEST_SKIP() << "the electrum executable is not installed (Debian package electrum)";
    Node node;
    const uint16_t port = FreeLoopbackPort(), ssl_port = FreeLoopbackPort();
    ASSERT_TRUE(node.Start(NodeArgs(port, {"-electrumsslport=" + std::to_string(ssl_port)}))) << node.LogTail();
    node.Rpc("createwallet", {"w"});
    node.Rpc("generatetoaddress", {101, node.WalletRpc("w", "getnewaddress").get<std::string>()});

    ElectrumCli cli(exe, (node.DataDir() / "ec").string());
    ASSERT_TRUE(cli.StartDaemon("127.0.0.1:" + std::to_string(ssl_port) + ":s")) << cli.Transcript();
    ASSERT_TRUE(cli.RunJson({"create"}).contains("path")) << cli.Transcript();
    ASSERT_EQ(cli.Run({"load_wallet"}), "true") << cli.Transcript();
    ASSERT_TRUE(WaitFor([&] { return ClientAtHeight(cli, 101); })) << cli.Transcript() << node.LogTail();
    cli.RunJson({"getinfo"});
    // Electrum pins a self-signed certificate on first use (certs/<host>): it is the one the node made.
    const auto pinned = node.DataDir() / "ec" / "regtest" / "certs" / "127.0.0.1";
    ASSERT_TRUE(std::filesystem::exists(pinned));
    std::ifstream a(pinned), b(node.NetDir() / "electrum_cert.pem");
    const std::string pinned_pem((std::istreambuf_iterator<char>(a)), {}), node_pem((std::istreambuf_iterator<char>(b)), {});
    EXPECT_EQ(Trim(pinned_pem), Trim(node_pem));
    cli.Note("certs/127.0.0.1 pinned by the client == <datadir>/regtest/electrum_cert.pem");

    const std::string client_addr = cli.Run({"getunusedaddress"});
    const std::string tx1 = node.WalletRpc("w", "sendtoaddress", {client_addr, 0.25}).get<std::string>();
    node.Rpc("generatetoaddress", {1, MINE_ADDRESS});
    cli.Note("node: sendtoaddress " + client_addr + " 0.25 -> " + tx1 + "; generatetoaddress 1");
    ASSERT_TRUE(WaitFor([&] { return ClientAtHeight(cli, 102) && ConfirmedBalance(cli) == "0.25"; })) << cli.Transcript();
    EXPECT_EQ(ClientHistory(cli, true), (std::map<std::string, int>{{tx1, 102}}));
    ConfirmedBalance(cli, true);
    cli.StopDaemon();
    std::cout << "---- real Electrum client over TLS, transcript ----\n" << cli.Transcript() << "---- end of transcript ----\n";
}
