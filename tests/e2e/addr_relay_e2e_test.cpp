// Address relay end to end with a raw P2P client: a fresh self-contained addr is relayed to the other peers,
// the token bucket limits a large unsolicited addr, and more than 1000 entries is misbehaviour (disconnect).
#include "harness.h"

#include "net/protocol.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace e2e;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {
const std::array<uint8_t, 4> MAGIC = {0xfa, 0xbf, 0xb5, 0xda};  // regtest

template <typename F>
bool WaitFor(F cond, std::chrono::milliseconds timeout)
{
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (cond()) return true;
        std::this_thread::sleep_for(200ms);
    }
    return cond();
}

/** A minimal inbound P2P client: connects, completes the handshake, sends framed messages. */
class Client
{
public:
    explicit Client(uint16_t port)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        m_ok = ::connect(m_fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
    }
    ~Client() { ::close(m_fd); }
    bool Ok() const { return m_ok; }
    void Send(const std::string& cmd, const std::vector<uint8_t>& payload = {})
    {
        const auto bytes = m_transport.SerializeMessage(cmd, payload);
        (void)!::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    }
    /** Reads for a while; false when the node closed the connection. */
    bool Drain(std::chrono::milliseconds timeout)
    {
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < end) {
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            uint8_t buf[8192];
            const ssize_t n = ::recv(m_fd, buf, sizeof(buf), 0);
            if (n <= 0) return false;
        }
        return true;
    }
    void Handshake()
    {
        VersionMessage v;
        v.services = NODE_NETWORK | NODE_WITNESS;
        v.time = static_cast<int64_t>(::time(nullptr));
        v.nonce = 0xadd4;
        v.user_agent = "/addr-test/";
        Send(msg::VERSION, SerializeVersion(v));
        Send(msg::VERACK);
        Drain(500ms);
    }

private:
    int m_fd{-1};
    bool m_ok{false};
    V1Transport m_transport{MAGIC};
};

Address Addr(const std::string& ip, uint32_t time)
{
    Address a;
    a.time = time;
    a.services = NODE_NETWORK | NODE_WITNESS;
    a.service = Service{*NetAddr::Parse(ip), 8333};
    return a;
}
std::vector<std::string> Known(Node& n)
{
    std::vector<std::string> out;
    for (const auto& a : n.Rpc("getnodeaddresses", json::array({0}))) out.push_back(a["address"].get<std::string>());
    return out;
}
bool Has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }
json InboundRaw(Node& n)
{
    for (const auto& p : n.Rpc("getpeerinfo")) {
        if (p["subver"].get<std::string>() == "/addr-test/") return p;
    }
    return json();
}
}  // namespace

TEST(AddrRelayE2E, FreshAddressIsRelayedAndLimitsApply)
{
    Node a, b, c;
    const std::vector<std::string> flags{"-noconnect", "-listen=1"};
    ASSERT_TRUE(a.Start(flags)) << a.LogTail();
    auto with = [&](const std::string& extra) {
        auto f = flags;
        f.push_back(extra);
        return f;
    };
    ASSERT_TRUE(b.Start(with("-addnode=127.0.0.1:" + std::to_string(a.P2pPort())))) << b.LogTail();
    ASSERT_TRUE(c.Start(with("-addnode=127.0.0.1:" + std::to_string(a.P2pPort())))) << c.LogTail();
    ASSERT_TRUE(WaitFor([&] { return a.Rpc("getconnectioncount").get<int>() == 2; }, 30s)) << a.LogTail();
    // B and C asked A for addresses, so A relays to them.
    ASSERT_TRUE(WaitFor([&] {
        int enabled = 0;
        for (const auto& p : a.Rpc("getpeerinfo")) enabled += p["addr_relay_enabled"].get<bool>();
        return enabled == 2;
    }, 30s));

    Client raw(a.P2pPort());
    ASSERT_TRUE(raw.Ok());
    raw.Handshake();
    const uint32_t now = static_cast<uint32_t>(::time(nullptr));
    raw.Send(msg::ADDR, SerializeAddrMessage({Addr("44.55.66.77", now)}, false));
    ASSERT_TRUE(WaitFor([&] { return Has(Known(a), "44.55.66.77"); }, 10s)) << a.LogTail();
    // Relay goes out on A's 30-second Poisson timer per peer: move A's clock on (less than any timeout).
    a.Rpc("setmocktime", json::array({static_cast<int64_t>(now) + 10 * 60}));
    EXPECT_TRUE(WaitFor([&] { return Has(Known(b), "44.55.66.77"); }, 30s)) << b.LogTail();
    EXPECT_TRUE(WaitFor([&] { return Has(Known(c), "44.55.66.77"); }, 30s)) << c.LogTail();
    a.Rpc("setmocktime", json::array({0}));

    // 1000 addresses unsolicited: the token bucket (one token, refilled at 0.1/s) lets almost none through.
    std::vector<Address> many;
    for (int i = 0; i < 1000; ++i) {
        many.push_back(Addr("45." + std::to_string(i / 250 + 1) + "." + std::to_string(i % 250 + 1) + ".9", now));
    }
    raw.Send(msg::ADDR, SerializeAddrMessage(many, false));
    ASSERT_TRUE(WaitFor([&] {
        const json p = InboundRaw(a);
        return !p.is_null() && p["addr_rate_limited"].get<int>() >= 990;
    }, 10s)) << InboundRaw(a).dump();
    const json p = InboundRaw(a);
    EXPECT_LE(p["addr_processed"].get<int>(), 1 + 10);
    EXPECT_EQ(p["addr_processed"].get<int>() + p["addr_rate_limited"].get<int>(), 1001);

    // 1001 entries: misbehaviour; a local peer is disconnected (not discouraged).
    many.push_back(Addr("46.1.1.1", now));
    raw.Send(msg::ADDR, SerializeAddrMessage(many, false));
    EXPECT_FALSE(raw.Drain(5s));
    EXPECT_TRUE(WaitFor([&] { return InboundRaw(a).is_null(); }, 10s));
}
