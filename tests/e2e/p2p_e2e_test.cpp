// End-to-end P2P: real sovereignd processes on loopback sync blocks, relay a transaction, follow a reorg, pass the
// chain along a line of nodes, and shrug off hostile peers (oversized header, garbage, bad checksum).
#include "harness.h"

#include "address/destination.h"
#include "crypto/key.h"
#include "net/protocol.h"
#include "testutil/p2wpkh.h"
#include "util/hex.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace e2e;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {
const std::array<uint8_t, 4> REGTEST_MAGIC = {0xfa, 0xbf, 0xb5, 0xda};

/** Polls cond every 100 ms until it holds or timeout passes. */
template <typename F>
bool WaitFor(F cond, std::chrono::milliseconds timeout = 60s)
{
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (cond()) return true;
        std::this_thread::sleep_for(100ms);
    }
    return cond();
}

std::string UtxoHash(Node& node) { return node.Rpc("gettxoutsetinfo")["hash_serialized_3"].get<std::string>(); }

std::string Connect(const Node& node) { return "-connect=127.0.0.1:" + std::to_string(node.P2pPort()); }

Key TestKey()
{
    std::vector<uint8_t> secret(32, 0);
    secret[31] = 0x2a;
    Key key;
    key.Set(secret, true);
    return key;
}

/** A raw TCP connection to a node's P2P port. */
class RawPeer
{
public:
    explicit RawPeer(uint16_t port)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        m_connected = ::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    }
    ~RawPeer()
    {
        if (m_fd >= 0) ::close(m_fd);
    }
    bool Connected() const { return m_connected; }
    void Send(const std::vector<uint8_t>& bytes) { (void)!::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
    /** Reads what arrives within timeout; sets closed when the node hung up. */
    std::vector<uint8_t> Read(std::chrono::milliseconds timeout, bool& closed)
    {
        std::vector<uint8_t> out;
        closed = false;
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < end) {
            pollfd p{m_fd, POLLIN, 0};
            const int left = static_cast<int>(
                std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count());
            if (::poll(&p, 1, std::max(left, 1)) <= 0) continue;
            uint8_t buf[4096];
            const ssize_t n = ::recv(m_fd, buf, sizeof(buf), 0);
            if (n <= 0) {
                closed = true;
                break;
            }
            out.insert(out.end(), buf, buf + n);
        }
        return out;
    }

private:
    int m_fd{-1};
    bool m_connected{false};
};

std::vector<uint8_t> VersionPayload()
{
    VersionMessage v;
    v.services = NODE_NETWORK | NODE_WITNESS;
    v.time = static_cast<int64_t>(time(nullptr));
    v.nonce = 0x5eed;
    v.user_agent = "/raw-test/";
    return SerializeVersion(v);
}

/** Commands found in the bytes a node sent. */
std::vector<std::string> Commands(const std::vector<uint8_t>& bytes)
{
    V1Transport t(REGTEST_MAGIC);
    std::vector<NetMessage> msgs;
    t.ReceivedBytes(bytes, msgs);
    std::vector<std::string> out;
    for (const auto& m : msgs) out.push_back(m.command);
    return out;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }
}  // namespace

TEST(E2eP2p, SyncRelayReorgAndChainOfNodes)
{
    const auto t0 = std::chrono::steady_clock::now();
    const Key key = TestKey();
    const PubKey pub = key.GetPubKey();
    const Destination dest = WitnessV0KeyHash{pub.GetID()};
    const std::string key_address = EncodeDestination(dest, Chain::REGTEST);

    Node a;
    ASSERT_TRUE(a.Start({"-listen=1"})) << a.LogTail();
    const json first = a.Rpc("generatetoaddress", json::array({1, key_address}));
    a.Rpc("generatetoaddress", json::array({199, MINE_ADDRESS}));
    ASSERT_EQ(a.Rpc("getblockcount").get<int>(), 200);

    Node b;
    ASSERT_TRUE(b.Start({Connect(a), "-listen=1"})) << b.LogTail();
    const std::string tip_a = a.Rpc("getbestblockhash").get<std::string>();
    ASSERT_TRUE(WaitFor([&] { return b.Rpc("getbestblockhash").get<std::string>() == tip_a; }))
        << "B did not sync; B height " << b.Rpc("getblockcount") << "\n" << b.LogTail();
    EXPECT_EQ(UtxoHash(a), UtxoHash(b));

    // The connection as both sides see it.
    const json peers_a = a.Rpc("getpeerinfo");
    ASSERT_EQ(peers_a.size(), 1u);
    EXPECT_TRUE(peers_a[0]["inbound"].get<bool>());
    EXPECT_EQ(peers_a[0]["subver"], "/Sovereign:0.1.0/");
    EXPECT_EQ(peers_a[0]["version"], 70016);
    EXPECT_EQ(peers_a[0]["connection_type"], "inbound");
    const json peers_b = b.Rpc("getpeerinfo");
    ASSERT_EQ(peers_b.size(), 1u);
    EXPECT_EQ(peers_b[0]["connection_type"], "manual");
    EXPECT_EQ(peers_b[0]["servicesnames"], json::array({"NETWORK", "WITNESS", "NETWORK_LIMITED"}));
    EXPECT_EQ(peers_b[0]["synced_headers"], 200);
    EXPECT_EQ(b.Rpc("getconnectioncount"), 1);
    const json netinfo = b.Rpc("getnetworkinfo");
    EXPECT_EQ(netinfo["connections_out"], 1);
    EXPECT_EQ(netinfo["protocolversion"], 70016);
    EXPECT_GT(b.Rpc("getnettotals")["totalbytesrecv"].get<int64_t>(), 200 * 80);

    // A transaction sent to A reaches B's mempool (inv by wtxid -> getdata -> tx).
    const json block1 = a.Rpc("getblock", json::array({first[0], 1}));
    const std::string coinbase_txid = block1["tx"][0].get<std::string>();
    MutableTransaction mtx;
    mtx.vin.resize(1);
    mtx.vin[0].prevout = OutPoint(*uint256::FromHex(coinbase_txid), 0);
    mtx.vout.emplace_back(50 * COIN - 100000, GetScriptForDestination(dest));
    SignP2wpkhInput(mtx, 0, key, 50 * COIN);
    const std::string txid = a.Rpc("sendrawtransaction", json::array({HexStr(EncodeTransaction(mtx))})).get<std::string>();
    ASSERT_TRUE(WaitFor([&] {
        const json pool = b.Rpc("getrawmempool");
        return std::find(pool.begin(), pool.end(), txid) != pool.end();
    }, 30s)) << "transaction did not reach B\n" << b.LogTail();

    // BIP152: B picked A as a high-bandwidth peer when A gave it its tip; A's next block (with the transaction)
    // arrives as a cmpctblock that B rebuilds from its mempool.
    a.Rpc("generatetoaddress", json::array({1, MINE_ADDRESS}));
    const std::string tip_201 = a.Rpc("getbestblockhash").get<std::string>();
    ASSERT_TRUE(WaitFor([&] { return b.Rpc("getbestblockhash").get<std::string>() == tip_201; }, 30s)) << b.LogTail();
    EXPECT_TRUE(b.Rpc("getrawmempool").empty());
    const json peer_a = b.Rpc("getpeerinfo")[0];
    EXPECT_TRUE(peer_a["bip152_hb_to"].get<bool>());
    EXPECT_TRUE(peer_a["bytesrecv_per_msg"].contains("cmpctblock")) << peer_a.dump();
    EXPECT_FALSE(peer_a["bytesrecv_per_msg"].contains("blocktxn")) << "the transaction was already in B's mempool";

    // A reorg on A: invalidate the last 7 blocks, mine a longer branch; B follows.
    const std::string fork_hash = a.Rpc("getblockhash", json::array({195})).get<std::string>();
    a.Rpc("invalidateblock", json::array({fork_hash}));
    ASSERT_EQ(a.Rpc("getblockcount").get<int>(), 194);
    // Another address, so the new branch cannot repeat an invalidated block byte for byte.
    a.Rpc("generatetoaddress", json::array({10, key_address}));
    const std::string new_tip = a.Rpc("getbestblockhash").get<std::string>();
    ASSERT_TRUE(WaitFor([&] { return b.Rpc("getbestblockhash").get<std::string>() == new_tip; }))
        << "B did not follow the reorg\n" << b.LogTail();
    EXPECT_EQ(b.Rpc("getblockcount").get<int>(), 204);
    EXPECT_EQ(UtxoHash(a), UtxoHash(b));

    // C, connected only to B, syncs through B.
    Node c;
    ASSERT_TRUE(c.Start({Connect(b)})) << c.LogTail();
    ASSERT_TRUE(WaitFor([&] { return c.Rpc("getbestblockhash").get<std::string>() == new_tip; }))
        << "C did not sync from B\n" << c.LogTail() << "\nB:\n" << b.LogTail();
    EXPECT_EQ(UtxoHash(c), UtxoHash(a));

    // A new block on A travels A -> B -> C as an announcement.
    a.Rpc("generatetoaddress", json::array({1, MINE_ADDRESS}));
    const std::string last = a.Rpc("getbestblockhash").get<std::string>();
    EXPECT_TRUE(WaitFor([&] { return c.Rpc("getbestblockhash").get<std::string>() == last; }, 30s)) << c.LogTail();

    // disconnectnode: B drops A; -connect brings it back.
    const int64_t a_id = b.Rpc("getpeerinfo")[0]["id"].get<int64_t>();
    b.Rpc("disconnectnode", json::array({"", a_id}));
    EXPECT_TRUE(WaitFor([&] {
        const json p = b.Rpc("getpeerinfo");
        return !p.empty() && std::any_of(p.begin(), p.end(), [&](const json& x) { return x["id"].get<int64_t>() != a_id && x["connection_type"] == "manual"; });
    }, 20s));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 90s);
}

TEST(E2eP2p, HostilePeersAreDisconnectedAndHonestPeerIsServed)
{
    Node a;
    // A short handshake timeout (-peertimeout, default 60 s) so the silent peer below is dropped quickly.
    ASSERT_TRUE(a.Start({"-listen=1", "-peertimeout=5"})) << a.LogTail();
    a.Rpc("generatetoaddress", json::array({20, MINE_ADDRESS}));
    bool closed = false;
    // 0. A peer that connects and never completes the handshake is dropped after the timeout.
    RawPeer silent(a.P2pPort());
    ASSERT_TRUE(silent.Connected());
    const auto silent_start = std::chrono::steady_clock::now();

    // 1. A header announcing more than MAX_PROTOCOL_MESSAGE_LENGTH: disconnected at once.
    {
        RawPeer raw(a.P2pPort());
        ASSERT_TRUE(raw.Connected());
        V1Transport t(REGTEST_MAGIC);
        auto header = t.SerializeMessage("block", {});
        const uint32_t len = MAX_PROTOCOL_MESSAGE_LENGTH + 1;
        for (int i = 0; i < 4; ++i) header[16 + i] = static_cast<uint8_t>(len >> (8 * i));
        raw.Send(header);
        raw.Read(5s, closed);
        EXPECT_TRUE(closed) << "oversized header did not end the connection";
    }
    // 2. Garbage (wrong magic): disconnected.
    {
        RawPeer raw(a.P2pPort());
        ASSERT_TRUE(raw.Connected());
        raw.Send(std::vector<uint8_t>(100, 0x42));
        raw.Read(5s, closed);
        EXPECT_TRUE(closed) << "garbage did not end the connection";
    }
    // 3. A bad checksum: the message is dropped (Core keeps the connection); a correct version then works.
    {
        RawPeer raw(a.P2pPort());
        ASSERT_TRUE(raw.Connected());
        V1Transport t(REGTEST_MAGIC);
        auto bad = t.SerializeMessage("version", VersionPayload());
        bad[20] ^= 0xff;
        raw.Send(bad);
        const auto reply = raw.Read(1500ms, closed);
        EXPECT_FALSE(closed);
        EXPECT_TRUE(Commands(reply).empty()) << "a message with a bad checksum was processed";
        raw.Send(t.SerializeMessage("version", VersionPayload()));
        const auto answer = Commands(raw.Read(2s, closed));
        EXPECT_TRUE(Contains(answer, "version"));
        EXPECT_TRUE(Contains(answer, "verack"));
        EXPECT_TRUE(Contains(answer, "wtxidrelay"));
        EXPECT_TRUE(Contains(answer, "sendaddrv2"));
    }
    // 4. A headers message that does not chain: misbehaviour, disconnected (loopback: not discouraged).
    {
        RawPeer raw(a.P2pPort());
        V1Transport t(REGTEST_MAGIC);
        raw.Send(t.SerializeMessage("version", VersionPayload()));
        raw.Send(t.SerializeMessage("verack", {}));
        raw.Read(1s, closed);
        std::vector<BlockHeader> headers(2);
        headers[0].bits = 0x207fffff;
        headers[1].bits = 0x207fffff;
        headers[1].prev_block.data()[0] = 1;  // not the hash of headers[0]
        raw.Send(t.SerializeMessage("headers", SerializeHeaders(headers)));
        raw.Read(5s, closed);
        EXPECT_TRUE(closed) << "non-continuous headers did not end the connection";
    }
    silent.Read(10s, closed);
    EXPECT_TRUE(closed) << "handshake timeout did not drop the silent peer";
    EXPECT_GE(std::chrono::steady_clock::now() - silent_start, 4s);
    // The node still serves an honest peer.
    Node b;
    ASSERT_TRUE(b.Start({Connect(a)})) << b.LogTail();
    const std::string tip = a.Rpc("getbestblockhash").get<std::string>();
    EXPECT_TRUE(WaitFor([&] { return b.Rpc("getbestblockhash").get<std::string>() == tip; }, 30s)) << b.LogTail();
    EXPECT_EQ(a.Rpc("listbanned").size(), 0u);
}

TEST(E2eP2p, BanListAndAddNodeRpcs)
{
    Node a;
    ASSERT_TRUE(a.Start()) << a.LogTail();
    a.Rpc("setban", json::array({"192.168.0.0/24", "add", 3600}));
    const json banned = a.Rpc("listbanned");
    ASSERT_EQ(banned.size(), 1u);
    EXPECT_EQ(banned[0]["address"], "192.168.0.0/24");
    EXPECT_EQ(banned[0]["ban_duration"], 3600);
    try {
        a.Rpc("setban", json::array({"192.168.0.0/24", "add"}));
        ADD_FAILURE() << "double ban accepted";
    } catch (const RpcError& e) {
        EXPECT_EQ(e.code, -23);
        EXPECT_NE(std::string(e.what()).find("Error: IP/Subnet already banned"), std::string::npos) << e.what();
    }
    try {
        a.Rpc("setban", json::array({"not-an-ip", "add"}));
        ADD_FAILURE();
    } catch (const RpcError& e) {
        EXPECT_EQ(e.code, -30);
    }
    a.Rpc("setban", json::array({"192.168.0.0/24", "remove"}));
    EXPECT_TRUE(a.Rpc("listbanned").empty());
    a.Rpc("setban", json::array({"10.0.0.1", "add"}));
    a.Rpc("clearbanned");
    EXPECT_TRUE(a.Rpc("listbanned").empty());

    a.Rpc("addnode", json::array({"127.0.0.1:1", "add"}));
    try {
        a.Rpc("addnode", json::array({"127.0.0.1:1", "add"}));
        ADD_FAILURE();
    } catch (const RpcError& e) {
        EXPECT_EQ(e.code, -23);
        EXPECT_NE(std::string(e.what()).find("Error: Node already added"), std::string::npos) << e.what();
    }
    const json added = a.Rpc("getaddednodeinfo");
    ASSERT_EQ(added.size(), 1u);
    EXPECT_EQ(added[0]["addednode"], "127.0.0.1:1");
    EXPECT_FALSE(added[0]["connected"].get<bool>());
    a.Rpc("addnode", json::array({"127.0.0.1:1", "remove"}));
    try {
        a.Rpc("getaddednodeinfo", json::array({"127.0.0.1:1"}));
        ADD_FAILURE();
    } catch (const RpcError& e) {
        EXPECT_EQ(e.code, -24);
        EXPECT_NE(std::string(e.what()).find("Error: Node has not been added."), std::string::npos) << e.what();
    }
    try {
        a.Rpc("disconnectnode", json::array({"127.0.0.1:9"}));
        ADD_FAILURE();
    } catch (const RpcError& e) {
        EXPECT_EQ(e.code, -29);
        EXPECT_NE(std::string(e.what()).find("Node not found in connected nodes"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(a.Rpc("setnetworkactive", json::array({false})).get<bool>());
    EXPECT_FALSE(a.Rpc("getnetworkinfo")["networkactive"].get<bool>());
    EXPECT_TRUE(a.Rpc("setnetworkactive", json::array({true})).get<bool>());
    EXPECT_TRUE(a.Rpc("ping").is_null());
    // sovereign-cli -getinfo uses getnetworkinfo.
    const ProcessResult info = a.Cli({"-getinfo"});
    EXPECT_EQ(info.exit_code, 0) << info.err;
    EXPECT_NE(info.out.find("Network: in 0, out 0, total 0"), std::string::npos) << info.out;
}
