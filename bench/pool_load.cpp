// sovereign-pool-load: a local Stratum load generator against a real sovereignd (regtest, -stratum). It sends
// pipelined valid shares from several connections until N are accepted, samples the node's resident memory as it
// goes (it must stay flat: bounded PPLNS window, bounded duplicate sets) and reports accepted shares per second per
// core of the node's CPU time, next to raw double-SHA256 header checks per second measured in the same run.
//
//   sovereign-pool-load [--shares=1000000] [--connections=4] [--pipeline=256]
#include "../tests/e2e/harness.h"
#include "../tests/pool/stratum_client.h"

#include "crypto/hash.h"
#include "util/arith_uint256.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {
std::atomic<int64_t> g_accepted{0};
std::atomic<int64_t> g_rejected{0};
std::atomic<bool> g_stop{false};

/** Resident set size of a process, KiB (VmRSS). */
int64_t RssKiB(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
    }
    return -1;
}

/** User + system CPU seconds a process has used. */
double CpuSeconds(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    const size_t close = text.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(text.substr(close + 2));
    std::string f;
    double utime = 0, stime = 0;
    for (int i = 3; fields >> f; ++i) {  // field 3 is the state
        if (i == 14) utime = std::stod(f);
        if (i == 15) {
            stime = std::stod(f);
            break;
        }
    }
    return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

/** One miner connection: a blocking socket, pipelined submissions. */
class LoadConnection
{
public:
    LoadConnection(uint16_t port, int index) : m_worker("load.c" + std::to_string(index)), m_index(index)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (m_fd < 0 || ::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
            throw std::runtime_error("cannot connect to the pool");
        }
        int one = 1;
        ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    ~LoadConnection() { ::close(m_fd); }

    void Run(int pipeline)
    {
        Send(R"({"id":1,"method":"mining.subscribe","params":["sovereign-pool-load"]})"
             "\n"
             R"({"id":2,"method":"mining.authorize","params":[")" + m_worker + R"(","x"]})"
             "\n"
             R"({"id":3,"method":"mining.suggest_difficulty","params":[1e-12]})"
             "\n");
        while (!m_job || m_en1.empty() || m_handshake < 3) ReadSome();
        int64_t next_id = 100;
        std::string out;
        while (!g_stop) {
            out.clear();
            while (m_outstanding < pipeline) {
                out += NextShare(next_id++);
                ++m_outstanding;
            }
            if (!out.empty()) Send(out);
            ReadSome();
        }
    }

private:
    std::string NextShare(int64_t id)
    {
        // A fresh extranonce2 per share, then nonces until the hash is not a block (a block would move the tip and
        // stale every job): about two header hashes per share at difficulty 1e-12.
        char en2[17];
        std::snprintf(en2, sizeof(en2), "%08x%08x", m_index, static_cast<unsigned>(++m_en2));
        stratum_test::Share s{en2, m_job->ntime, 0, std::nullopt, {}};
        std::vector<uint8_t> header = stratum_test::BuildHeader(*m_job, m_en1, s);
        for (uint32_t nonce = 0;; ++nonce) {
            std::memcpy(header.data() + 76, &nonce, 4);
            if (Hash256(header).data()[31] >= 0x80) {
                s.nonce = nonce;
                break;
            }
        }
        char nonce_hex[9], ntime_hex[9];
        std::snprintf(nonce_hex, sizeof(nonce_hex), "%08x", s.nonce);
        std::snprintf(ntime_hex, sizeof(ntime_hex), "%08x", s.ntime);
        return R"({"id":)" + std::to_string(id) + R"(,"method":"mining.submit","params":[")" + m_worker + R"(",")" +
               m_job->id + R"(",")" + en2 + R"(",")" + ntime_hex + R"(",")" + nonce_hex + "\"]}\n";
    }

    void Send(const std::string& data)
    {
        size_t off = 0;
        while (off < data.size()) {
            const ssize_t n = ::send(m_fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
            if (n <= 0) throw std::runtime_error("send failed");
            off += static_cast<size_t>(n);
        }
    }

    void ReadSome()
    {
        char buf[65536];
        const ssize_t n = ::recv(m_fd, buf, sizeof(buf), 0);
        if (n <= 0) throw std::runtime_error("pool closed the connection");
        m_buffer.append(buf, static_cast<size_t>(n));
        size_t start = 0, nl;
        while ((nl = m_buffer.find('\n', start)) != std::string::npos) {
            Handle(json::parse(m_buffer.begin() + static_cast<std::ptrdiff_t>(start),
                               m_buffer.begin() + static_cast<std::ptrdiff_t>(nl)));
            start = nl + 1;
        }
        m_buffer.erase(0, start);
    }

    void Handle(const json& msg)
    {
        if (msg.contains("method") && msg["method"].is_string()) {
            if (msg["method"] == "mining.notify") {
                const json& p = msg["params"];
                stratum_test::Job j;
                j.id = p[0].get<std::string>();
                j.prevhash = p[1].get<std::string>();
                j.coinb1 = p[2].get<std::string>();
                j.coinb2 = p[3].get<std::string>();
                for (const auto& b : p[4]) j.branch.push_back(b.get<std::string>());
                j.version = static_cast<uint32_t>(std::stoul(p[5].get<std::string>(), nullptr, 16));
                j.nbits = static_cast<uint32_t>(std::stoul(p[6].get<std::string>(), nullptr, 16));
                j.ntime = static_cast<uint32_t>(std::stoul(p[7].get<std::string>(), nullptr, 16));
                m_job = j;
            }
            return;
        }
        const int64_t id = msg["id"].is_number() ? msg["id"].get<int64_t>() : 0;
        if (id < 100) {
            if (id == 1) m_en1 = msg["result"][1].get<std::string>();
            ++m_handshake;
            return;
        }
        --m_outstanding;
        if (msg["result"] == true) {
            ++g_accepted;
        } else {
            ++g_rejected;
        }
    }

    int m_fd{-1};
    std::string m_worker;
    uint32_t m_index;
    std::string m_buffer;
    std::string m_en1;
    std::optional<stratum_test::Job> m_job;
    int m_handshake{0};
    int m_outstanding{0};
    uint64_t m_en2{0};
};

/** Raw double-SHA256 header checks per second (hash and compare with a target), one thread. */
double HeaderChecksPerSecond(double seconds)
{
    std::vector<uint8_t> header(80, 0x5a);
    const arith_uint256 target = arith_uint256(1) << 224;
    int64_t n = 0, hits = 0;
    const auto start = Clock::now();
    while (std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
        for (int i = 0; i < 10000; ++i, ++n) {
            const uint32_t nonce = static_cast<uint32_t>(n);
            std::memcpy(header.data() + 76, &nonce, 4);
            hits += UintToArith256(Hash256(header)) <= target;
        }
    }
    std::printf("%s\n", hits > n ? "?" : "");  // uses hits, so the loop is not optimized away
    return static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - start).count();
}

int64_t FlagValue(int argc, char** argv, const std::string& name, int64_t def)
{
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a.rfind("--" + name + "=", 0) == 0) return std::stoll(a.substr(name.size() + 3));
    }
    return def;
}
}  // namespace

int main(int argc, char** argv)
{
    const int64_t target_shares = FlagValue(argc, argv, "shares", 1000000);
    const int connections = static_cast<int>(FlagValue(argc, argv, "connections", 4));
    const int pipeline = static_cast<int>(FlagValue(argc, argv, "pipeline", 256));

    std::printf("baseline: raw double-SHA256 header checks ");
    std::fflush(stdout);
    const double raw_before = HeaderChecksPerSecond(2.0);

    e2e::Node node;
    const uint16_t port = e2e::FreeLoopbackPort();
    // A share target far below the real share time keeps vardiff at the floor (regtest: 1e-12, where every hash is a
    // share), so the generator's shares never turn into low-difficulty rejections.
    if (!node.Start({"-stratum", "-stratumbind=127.0.0.1", "-stratumport=" + std::to_string(port),
                     std::string("-stratumpayout=") + e2e::MINE_ADDRESS, "-stratumsharetarget=0.000001",
                     "-stratumpplnswindow=10000"})) {
        std::fprintf(stderr, "sovereignd did not start:\n%s\n", node.LogTail().c_str());
        return 1;
    }
    const pid_t pid = node.Pid();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const int64_t rss_start = RssKiB(pid);
    std::vector<std::thread> threads;
    std::atomic<int> failed{0};
    for (int i = 0; i < connections; ++i) {
        threads.emplace_back([&, i] {
            try {
                LoadConnection c(port, i);
                c.Run(pipeline);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "connection %d: %s\n", i, e.what());
                ++failed;
            }
        });
    }
    // Warm-up: the first 10,000 shares (connections, first jobs, SQLite pages), then the measured run.
    while (g_accepted < 10000 && failed == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const int64_t rss_warm = RssKiB(pid);
    const double cpu0 = CpuSeconds(pid);
    const int64_t acc0 = g_accepted, rej0 = g_rejected;
    const auto t0 = Clock::now();
    std::printf("%12s %12s %10s %12s\n", "accepted", "rejected", "RSS KiB", "shares/s");
    std::printf("%12lld %12lld %10lld %12s\n", static_cast<long long>(acc0), static_cast<long long>(rej0),
                static_cast<long long>(rss_warm), "-");
    int64_t next_report = 100000;
    int64_t rss_max = rss_warm;
    int64_t last_accepted = 0;
    auto last_progress = Clock::now();
    while (g_accepted < target_shares && failed == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (g_accepted != last_accepted) {
            last_accepted = g_accepted;
            last_progress = Clock::now();
        } else if (Clock::now() - last_progress > std::chrono::seconds(30)) {
            std::fprintf(stderr, "no share accepted for 30 s: %s\n", node.Rpc("getpoolinfo").dump().c_str());
            break;
        }
        rss_max = std::max(rss_max, RssKiB(pid));
        if (g_accepted >= next_report) {
            const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
            std::printf("%12lld %12lld %10lld %12.0f\n", static_cast<long long>(g_accepted.load()),
                        static_cast<long long>(g_rejected.load()), static_cast<long long>(RssKiB(pid)),
                        static_cast<double>(g_accepted - acc0) / secs);
            std::fflush(stdout);
            next_report += 100000;
        }
    }
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    const double cpu = CpuSeconds(pid) - cpu0;
    const int64_t accepted = g_accepted - acc0, rejected = g_rejected - rej0;
    const int64_t rss_end = RssKiB(pid);
    g_stop = true;
    // Stop the node before the connections (their blocking reads end when it closes them).
    const json info = node.Rpc("getpoolinfo");
    node.StopRpc();
    for (auto& t : threads) t.join();
    if (failed == connections) return 1;

    std::printf("baseline: raw double-SHA256 header checks ");
    const double raw_after = HeaderChecksPerSecond(2.0);
    const double raw = (raw_before + raw_after) / 2;
    const double per_core = static_cast<double>(accepted) / cpu;
    std::printf("\n| measure | value |\n|---|---|\n");
    std::printf("| shares accepted (measured run) | %lld (rejected %lld) |\n", static_cast<long long>(accepted),
                static_cast<long long>(rejected));
    std::printf("| pool's accepted total (getpoolinfo) | %lld |\n", info["session_accepted"].get<long long>());
    std::printf("| wall time | %.1f s (%.0f shares/s) |\n", wall, static_cast<double>(accepted) / wall);
    std::printf("| sovereignd CPU time | %.1f s (%.2f cores busy) |\n", cpu, cpu / wall);
    std::printf("| accepted shares per second per core | %.0f |\n", per_core);
    std::printf("| raw double-SHA256 header checks per second (one core) | %.0f |\n", raw);
    std::printf("| header checks per accepted share (cost ratio) | %.0f |\n", raw / per_core);
    std::printf("| RSS at start / after warm-up / max / end | %lld / %lld / %lld / %lld KiB |\n",
                static_cast<long long>(rss_start), static_cast<long long>(rss_warm), static_cast<long long>(rss_max),
                static_cast<long long>(rss_end));
    std::printf("| RSS growth over the measured run | %+lld KiB |\n", static_cast<long long>(rss_end - rss_warm));
    return 0;
}
