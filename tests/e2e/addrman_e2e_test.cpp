// Address manager end to end: three sovereignd nodes learn addresses from each other through getaddr/addr
// (getnodeaddresses), peers.dat survives a restart and a corrupt one is moved aside, setban survives a restart
// (banlist.json), and the RPCs' errors match Core's.
#include "harness.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <thread>

using namespace e2e;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {
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
std::set<std::string> Addresses(Node& node)
{
    std::set<std::string> out;
    for (const auto& a : node.Rpc("getnodeaddresses", json::array({0}))) {
        out.insert(a["address"].get<std::string>() + ":" + std::to_string(a["port"].get<int>()));
    }
    return out;
}
// -noconnect: no automatic outbound (the made-up addresses are never dialled); addnode still connects.
std::vector<std::string> Flags(const std::vector<std::string>& extra = {})
{
    std::vector<std::string> f{"-noconnect", "-listen=1"};
    f.insert(f.end(), extra.begin(), extra.end());
    return f;
}
bool EndsWith(const std::string& s, const std::string& tail)
{
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
std::string AddNode(const Node& n) { return "-addnode=127.0.0.1:" + std::to_string(n.P2pPort()); }
}  // namespace

TEST(AddrManE2E, ThreeNodesLearnAddressesAndPeersDatPersists)
{
    Node a, b, c;
    ASSERT_TRUE(a.Start(Flags())) << a.LogTail();
    // 120 routable addresses in 120 /16s: a getaddr answer carries 23% of them.
    for (int i = 0; i < 120; ++i) {
        const std::string ip = std::to_string(30 + i % 60) + "." + std::to_string(i + 1) + ".3.4";
        auto r = a.Rpc("addpeeraddress", json::array({ip, 8333}));
        ASSERT_TRUE(r["success"].get<bool>()) << ip << " " << r.dump();
    }
    auto info = a.Rpc("getaddrmaninfo");
    EXPECT_EQ(info["all_networks"]["total"].get<int>(), 120);
    EXPECT_EQ(info["ipv4"]["new"].get<int>(), 120);
    EXPECT_EQ(a.Rpc("getnodeaddresses", json::array({0})).size(), 120u);
    EXPECT_EQ(a.Rpc("getnodeaddresses").size(), 1u);  // count defaults to 1
    EXPECT_TRUE(a.Rpc("getnodeaddresses", json::array({0, "ipv6"})).empty());

    // B connects to A (outbound), sends getaddr, and stores A's answer.
    ASSERT_TRUE(b.Start(Flags({AddNode(a)}))) << b.LogTail();
    ASSERT_TRUE(WaitFor([&] { return Addresses(b).size() >= 20; }, 30s)) << b.LogTail();
    const auto learned_b = Addresses(b);
    const auto known_a = Addresses(a);
    EXPECT_LE(learned_b.size(), 120u * 23 / 100);
    for (const auto& x : learned_b) EXPECT_TRUE(known_a.count(x)) << x;
    bool relay_seen = false;
    for (const auto& p : a.Rpc("getpeerinfo")) {
        if (p["inbound"].get<bool>()) relay_seen |= p["addr_relay_enabled"].get<bool>();
    }
    EXPECT_TRUE(relay_seen);

    // C learns from B what B learned from A.
    ASSERT_TRUE(c.Start(Flags({AddNode(b)}))) << c.LogTail();
    ASSERT_TRUE(WaitFor([&] { return !Addresses(c).empty(); }, 30s)) << c.LogTail();
    for (const auto& x : Addresses(c)) EXPECT_TRUE(learned_b.count(x)) << x;
    c.StopRpc();

    // B's table survives a restart through peers.dat.
    ASSERT_TRUE(b.StopRpc().has_value());
    ASSERT_TRUE(std::filesystem::exists(b.NetDir() / "peers.dat"));
    EXPECT_FALSE(std::filesystem::exists(b.NetDir() / "peers.dat.new"));
    ASSERT_TRUE(b.Start(Flags())) << b.LogTail();
    EXPECT_EQ(Addresses(b), learned_b);
    ASSERT_TRUE(b.StopRpc().has_value());

    // A damaged peers.dat is moved aside and the node starts with an empty table.
    {
        std::fstream f(b.NetDir() / "peers.dat", std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(60);
        f.put('\x5a');
    }
    ASSERT_TRUE(b.Start(Flags())) << b.LogTail();
    EXPECT_TRUE(Addresses(b).empty());
    bool moved = false;
    for (const auto& e : std::filesystem::directory_iterator(b.NetDir())) {
        moved |= e.path().filename().string().rfind("peers.dat.bak-", 0) == 0;
    }
    EXPECT_TRUE(moved);
    std::ifstream log(b.NetDir() / "debug.log");
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("Invalid or corrupt peers.dat"), std::string::npos);
}

TEST(AddrManE2E, RpcErrorsAndBanListPersists)
{
    Node a;
    ASSERT_TRUE(a.Start(Flags())) << a.LogTail();
    try {
        a.Rpc("addpeeraddress", json::array({"not-an-ip", 8333}));
        ADD_FAILURE() << "no error";
    } catch (const RpcError& e) {
        EXPECT_EQ(e.code, -30);
        EXPECT_TRUE(EndsWith(e.what(), "Invalid IP address")) << e.what();
    }
    auto r = a.Rpc("addpeeraddress", json::array({"1.2.3.4", 8333, true}));
    EXPECT_TRUE(r["success"].get<bool>());
    r = a.Rpc("addpeeraddress", json::array({"1.2.3.4", 8333}));
    EXPECT_FALSE(r["success"].get<bool>());
    EXPECT_EQ(r["error"].get<std::string>(), "failed-adding-to-new");
    r = a.Rpc("addpeeraddress", json::array({"127.0.0.1", 8333}));  // not routable
    EXPECT_FALSE(r["success"].get<bool>());
    EXPECT_EQ(a.Rpc("getaddrmaninfo")["all_networks"]["tried"].get<int>(), 1);
    try {
        a.Rpc("getnodeaddresses", json::array({-1}));
        ADD_FAILURE() << "no error";
    } catch (const RpcError& e) {
        EXPECT_EQ(e.code, -8);
        EXPECT_TRUE(EndsWith(e.what(), "Address count out of range")) << e.what();
    }
    try {
        a.Rpc("getnodeaddresses", json::array({1, "foo"}));
        ADD_FAILURE() << "no error";
    } catch (const RpcError& e) {
        EXPECT_EQ(e.code, -8);
        EXPECT_TRUE(EndsWith(e.what(), "Network not recognized: foo")) << e.what();
    }
    const auto got = a.Rpc("getnodeaddresses", json::array({0, "ipv4"}));
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["address"].get<std::string>(), "1.2.3.4");
    EXPECT_EQ(got[0]["port"].get<int>(), 8333);
    EXPECT_EQ(got[0]["network"].get<std::string>(), "ipv4");
    EXPECT_EQ(got[0]["services"].get<uint64_t>(), 9u);  // NETWORK | WITNESS

    // Bans survive a restart (banlist.json); a banned address is not handed out.
    a.Rpc("setban", json::array({"1.2.3.0/24", "add", 3600}));
    a.Rpc("setban", json::array({"5.6.7.8", "add"}));
    EXPECT_TRUE(a.Rpc("getnodeaddresses", json::array({0})).empty());
    ASSERT_TRUE(std::filesystem::exists(a.NetDir() / "banlist.json"));
    ASSERT_TRUE(a.StopRpc().has_value());
    ASSERT_TRUE(a.Start(Flags())) << a.LogTail();
    std::set<std::string> banned;
    for (const auto& e : a.Rpc("listbanned")) banned.insert(e["address"].get<std::string>());
    EXPECT_EQ(banned, (std::set<std::string>{"1.2.3.0/24", "5.6.7.8/32"}));
    a.Rpc("setban", json::array({"5.6.7.8", "remove"}));
    ASSERT_TRUE(a.StopRpc().has_value());
    ASSERT_TRUE(a.Start(Flags())) << a.LogTail();
    EXPECT_EQ(a.Rpc("listbanned").size(), 1u);
    a.Rpc("clearbanned");
    EXPECT_EQ(a.Rpc("getnodeaddresses", json::array({0})).size(), 1u);
}

TEST(AddrManE2E, WhitelistPermissionsAndFullInboundSlots)
{
    // -whitelist permissions show in getpeerinfo; a bad permission stops startup with Core's message.
    Node a, b, c;
    ASSERT_TRUE(a.Start(Flags({"-whitelist=noban,addr@127.0.0.0/8", "-maxconnections=12"}))) << a.LogTail();
    ASSERT_TRUE(b.Start(Flags({AddNode(a)}))) << b.LogTail();
    ASSERT_TRUE(WaitFor([&] { return a.Rpc("getconnectioncount").get<int>() == 1; }, 30s)) << a.LogTail();
    const auto peers = a.Rpc("getpeerinfo");
    ASSERT_EQ(peers.size(), 1u);
    std::vector<std::string> perms;
    for (const auto& p : peers[0]["permissions"]) perms.push_back(p.get<std::string>());
    EXPECT_EQ(perms, (std::vector<std::string>{"noban", "download", "addr"}));
    // -maxconnections=12 leaves one inbound slot; the only inbound peer is noban (never evicted), so a second
    // inbound connection is refused.
    ASSERT_TRUE(c.Start(Flags({AddNode(a)}))) << c.LogTail();
    std::this_thread::sleep_for(3s);
    EXPECT_EQ(a.Rpc("getconnectioncount").get<int>(), 1);
    EXPECT_EQ(c.Rpc("getconnectioncount").get<int>(), 0);

    Node bad;
    bad.Spawn(Flags({"-whitelist=bogus@127.0.0.1"}));
    const auto status = bad.WaitExit(30s);
    ASSERT_TRUE(status.has_value());
    std::ifstream err(bad.DataDir() / "stderr.txt");
    const std::string text((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("Invalid P2P permission: 'bogus'"), std::string::npos) << text;
}
