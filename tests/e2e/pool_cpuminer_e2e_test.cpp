// A real Stratum miner (pooler's cpuminer, `minerd -a sha256d`) against the pool in a regtest sovereignd: shares
// accepted, blocks found and connected, every coinbase paying the payout descriptor's next child address, and the
// pool's statistics matching what the miner saw. MINERD names the minerd binary; without it the test skips.
#include "harness.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using nlohmann::json;
using namespace std::chrono_literals;

namespace {
// A regtest extended public key (Core's functional tests use it).
constexpr const char* TPUB =
    "tpubD6NzVbkrYhZ4WaWSyoBvQwbpLkojyoTZPRsgXELWz3Popb3qkjcJyJUGLnL4qHHoQvao8ESaAstxYSnhyswJ76uZPStJRJCTKvosUCJZL5B";

/** minerd as a child process writing stdout and stderr to one transcript file; killed when destroyed. */
class Miner
{
public:
    Miner(const std::string& path, const std::vector<std::string>& args, const std::filesystem::path& transcript)
        : m_transcript(transcript)
    {
        m_pid = ::fork();
        if (m_pid == 0) {
            const int fd = ::open(transcript.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd >= 0) {
                ::dup2(fd, 1);
                ::dup2(fd, 2);
            }
            std::vector<char*> argv;
            argv.push_back(const_cast<char*>(path.c_str()));
            for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            ::execv(path.c_str(), argv.data());
            ::_exit(127);
        }
    }
    ~Miner() { Stop(); }
    bool Running()
    {
        if (m_pid <= 0) return false;
        int status = 0;
        if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
            m_pid = -1;
            return false;
        }
        return true;
    }
    void Stop()
    {
        if (m_pid <= 0) return;
        ::kill(m_pid, SIGTERM);
        for (int i = 0; i < 50 && Running(); ++i) std::this_thread::sleep_for(100ms);
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
            m_pid = -1;
        }
    }
    std::string Transcript() const
    {
        std::ifstream f(m_transcript);
        std::stringstream ss;
        ss << f.rdbuf();
        return ss.str();
    }

private:
    pid_t m_pid{-1};
    std::filesystem::path m_transcript;
};

/** The last "accepted: A/T" the miner printed (A accepted of T answered); {0, 0} before the first. */
std::pair<int, int> MinerCounts(const std::string& transcript)
{
    static const std::regex re("accepted: ([0-9]+)/([0-9]+)");
    std::pair<int, int> last{0, 0};
    for (auto it = std::sregex_iterator(transcript.begin(), transcript.end(), re); it != std::sregex_iterator(); ++it) {
        last = {std::stoi((*it)[1].str()), std::stoi((*it)[2].str())};
    }
    return last;
}

json FindWorker(const json& workers, const std::string& name)
{
    for (const auto& w : workers) {
        if (w["worker"].get<std::string>() == name) return w;
    }
    return json();
}
}  // namespace

TEST(PoolCpuminerE2e, MinerdFindsSharesAndBlocksPayingTheDescriptor)
{
    const char* minerd_env = std::getenv("MINERD");
    if (!minerd_env || !*minerd_env || ::access(minerd_env, X_OK) != 0) {
        GTEST_SKIP() << "set MINERD to pooler's cpuminer minerd binary to run this test";
    }
    const std::string minerd = minerd_env;

    e2e::Node node;
    const uint16_t port = e2e::FreeLoopbackPort();
    const std::string desc = std::string("wsh(multi(1,") + TPUB + "/1/*))";
    // Regtest's start difficulty (0.0001) is a share target of about 2^237, so nearly every share is also a block
    // (the network target is about 2^255): each one moves the tip and makes a fresh job.
    ASSERT_TRUE(node.Start({"-stratum", "-stratumbind=127.0.0.1", "-stratumport=" + std::to_string(port),
                            "-stratumpayout=" + desc, "-stratumcoinbasetag=/cpuminer-e2e/"}))
        << node.LogTail();
    const std::string checked = node.Rpc("getdescriptorinfo", {desc})["descriptor"].get<std::string>();

    const std::filesystem::path transcript_file = node.DataDir() / "minerd.txt";
    Miner miner(minerd,
                {"-a", "sha256d", "-o", "stratum+tcp://127.0.0.1:" + std::to_string(port), "-u", "site1.rig1", "-p",
                 "x", "-t", "1", "-r", "0", "-P", "-D"},
                transcript_file);

    // Until the miner has several accepted shares and the node at least two blocks from it.
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    json info;
    bool connected_seen = false;
    while (std::chrono::steady_clock::now() < deadline && miner.Running()) {
        info = node.Rpc("getpoolinfo");
        if (info["workers_connected"].get<int>() == 1) connected_seen = true;
        if (info["session_accepted"].get<int>() >= 5 && info["session_blocks"].get<int>() >= 2 &&
            MinerCounts(miner.Transcript()).first >= 5) {
            break;
        }
        std::this_thread::sleep_for(200ms);
    }
    const json workers_live = node.Rpc("listpoolworkers");
    miner.Stop();
    std::this_thread::sleep_for(500ms);  // the pool notices the closed connection

    const std::string transcript = miner.Transcript();
    // The transcript in the test output (the protocol dump of the first exchanges and the miner's verdicts).
    {
        std::istringstream in(transcript);
        std::string line;
        int n = 0;
        std::cout << "---- minerd transcript (" << transcript_file.string() << ") ----\n";
        while (std::getline(in, line)) {
            if (++n <= 300) std::cout << line << "\n";
        }
        if (n > 300) std::cout << "... " << (n - 300) << " more lines\n";
        std::cout << "---- end of transcript ----" << std::endl;
    }
    info = node.Rpc("getpoolinfo");
    std::cout << "getpoolinfo: " << info.dump() << "\n";
    const json workers = node.Rpc("listpoolworkers");
    std::cout << "listpoolworkers: " << workers.dump() << std::endl;

    const auto [miner_accepted, miner_answered] = MinerCounts(transcript);
    ASSERT_GE(miner_accepted, 5) << node.LogTail();
    EXPECT_NE(transcript.find("yay!!!"), std::string::npos);
    EXPECT_TRUE(connected_seen);

    // Blocks: all of regtest's chain above genesis came from the miner; block h pays child h - 1 of the descriptor.
    const int height = node.Rpc("getblockcount").get<int>();
    ASSERT_GE(height, 2);
    const json expected = node.Rpc("deriveaddresses", {checked, json::array({0, height - 1})});
    for (int h = 1; h <= height; ++h) {
        const json block = node.Rpc("getblock", {node.Rpc("getblockhash", {h}), 2});
        const json& cb = block["tx"][0];
        EXPECT_EQ(cb["vout"][0]["scriptPubKey"]["address"].get<std::string>(), expected[h - 1].get<std::string>())
            << "height " << h;
        EXPECT_NE(cb["vin"][0]["coinbase"].get<std::string>().find("2f6370756d696e65722d6532652f"),  // /cpuminer-e2e/
                  std::string::npos);
    }
    EXPECT_EQ(info["job_payout_index"].get<int>(), height);
    EXPECT_EQ(info["job_payout_address"].get<std::string>(),
              node.Rpc("deriveaddresses", {checked, json::array({height, height})})[0].get<std::string>());

    // Statistics: the pool counted what the miner heard (a share may have been answered after the kill).
    const json w = FindWorker(workers, "site1.rig1");
    ASSERT_FALSE(w.is_null()) << workers.dump();
    EXPECT_EQ(w["site"].get<std::string>(), "site1");
    EXPECT_EQ(w["machine"].get<std::string>(), "rig1");
    EXPECT_FALSE(w["connected"].get<bool>());
    EXPECT_TRUE(FindWorker(workers_live, "site1.rig1")["connected"].get<bool>());
    const int64_t accepted = w["accepted"].get<int64_t>();
    const int64_t rejected = w["rejected"].get<int64_t>();
    EXPECT_GE(accepted, miner_accepted);
    EXPECT_LE(accepted, miner_accepted + 2);
    EXPECT_GE(rejected, miner_answered - miner_accepted);
    EXPECT_LE(rejected, miner_answered - miner_accepted + 2);
    EXPECT_EQ(w["blocks"].get<int>(), height);
    EXPECT_GT(w["hashrate"].get<double>(), 0);
    EXPECT_EQ(info["accepted"].get<int64_t>(), accepted);
    EXPECT_EQ(info["session_accepted"].get<int64_t>(), accepted);
    EXPECT_EQ(info["rejected"].get<int64_t>(), rejected);
    EXPECT_EQ(info["blocks"].get<int>(), height);
    EXPECT_EQ(info["session_blocks"].get<int>(), height);
    EXPECT_EQ(info["sites"]["site1"]["accepted"].get<int64_t>(), accepted);
    EXPECT_EQ(info["workers_connected"].get<int>(), 0);
    const json shares = node.Rpc("getpoolshares", {1000});
    EXPECT_EQ(shares["shares"].get<int64_t>(), accepted);
    EXPECT_EQ(shares["blocks"].size(), static_cast<size_t>(height));
}
