// End-to-end relay: orphan transactions (a child before its parent), 1-parent-1-child package relay of a low-fee
// parent between two nodes, and BIP157 block filters served over P2P (getcfilters, getcfheaders, getcfcheckpt)
// compared with getblockfilter, with bad requests ending the connection.
#include "harness.h"
#include "raw_peer.h"

#include "address/destination.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "net/cfilters.h"
#include "testutil/p2wpkh.h"
#include "util/hex.h"

#include <gtest/gtest.h>

#include <thread>

using namespace e2e;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {
template <typename F>
bool WaitUntil(F cond, std::chrono::milliseconds timeout = 60s)
{
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (cond()) return true;
        std::this_thread::sleep_for(100ms);
    }
    return cond();
}

Key TestKey()
{
    std::vector<uint8_t> secret(32, 0);
    secret[31] = 0x2b;
    Key key;
    key.Set(secret, true);
    return key;
}

uint256 U256(const json& hex) { return *uint256::FromHex(hex.get<std::string>()); }

bool InMempool(Node& node, const std::string& txid)
{
    const json pool = node.Rpc("getrawmempool");
    for (const auto& t : pool) {
        if (t.get<std::string>() == txid) return true;
    }
    return false;
}

/** Spends output n (worth value) of prev to the key's P2WPKH script, paying fee. */
TransactionRef Spend(const uint256& prev, uint32_t n, Amount value, Amount fee, const Key& key)
{
    const PubKey pub = key.GetPubKey();
    MutableTransaction mtx;
    mtx.vin.resize(1);
    mtx.vin[0].prevout = OutPoint(prev, n);
    mtx.vout.emplace_back(value - fee, GetScriptForDestination(WitnessV0KeyHash{pub.GetID()}));
    SignP2wpkhInput(mtx, 0, key, value);
    return MakeTransactionRef(std::move(mtx));
}

/** The getdata inventory the node sent, or empty. */
std::vector<Inv> GetDataFrom(RawP2pPeer& peer, std::chrono::milliseconds timeout = 10s)
{
    auto m = peer.WaitFor("getdata", timeout);
    if (!m) return {};
    auto invs = ParseInvVector(m->payload);
    return invs ? *invs : std::vector<Inv>{};
}

bool WaitIndexSynced(Node& node)
{
    return WaitUntil([&] {
        const json info = node.Rpc("getindexinfo");
        return info.contains("basic block filter index") && info["basic block filter index"]["synced"].get<bool>() &&
               info["basic block filter index"]["best_block_height"] == node.Rpc("getblockcount");
    });
}
}  // namespace

TEST(E2eRelay, OrphanChildBeforeParentAndPackageRelay)
{
    const Key key = TestKey();
    const std::string key_address = EncodeDestination(WitnessV0KeyHash{key.GetPubKey().GetID()}, Chain::REGTEST);
    Node a;
    ASSERT_TRUE(a.Start({"-listen=1", "-debug=txpackages", "-debug=mempool"})) << a.LogTail();
    const json mined = a.Rpc("generatetoaddress", json::array({2, key_address}));
    a.Rpc("generatetoaddress", json::array({100, MINE_ADDRESS}));
    const uint256 cb1 = U256(a.Rpc("getblock", json::array({mined[0], 1}))["tx"][0]);
    const uint256 cb2 = U256(a.Rpc("getblock", json::array({mined[1], 1}))["tx"][0]);

    Node b;
    ASSERT_TRUE(b.Start({"-connect=127.0.0.1:" + std::to_string(a.P2pPort()), "-debug=txpackages"})) << b.LogTail();
    const std::string tip = a.Rpc("getbestblockhash").get<std::string>();
    ASSERT_TRUE(WaitUntil([&] { return b.Rpc("getbestblockhash").get<std::string>() == tip; })) << b.LogTail();

    RawP2pPeer peer(a.P2pPort());
    ASSERT_TRUE(peer.Connected());
    ASSERT_TRUE(peer.Handshake());

    // 1. The child first: kept as an orphan, its parent asked for (by txid) from the peer that sent it.
    const auto parent = Spend(cb1, 0, 50 * COIN, 10'000, key);
    const auto child = Spend(parent->GetHash(), 0, 50 * COIN - 10'000, 10'000, key);
    peer.Send("tx", EncodeTransaction(*child));
    const auto asked = GetDataFrom(peer);
    ASSERT_EQ(asked.size(), 1u) << a.LogTail();
    EXPECT_EQ(asked[0].type, static_cast<uint32_t>(MSG_WITNESS_TX));
    EXPECT_EQ(asked[0].hash, parent->GetHash());
    EXPECT_FALSE(InMempool(a, child->GetHash().GetHex()));
    // The parent arrives: accepted, and the orphan is reconsidered and accepted after it.
    peer.Send("tx", EncodeTransaction(*parent));
    ASSERT_TRUE(WaitUntil([&] { return InMempool(a, child->GetHash().GetHex()); }, 20s)) << a.LogTail();
    EXPECT_TRUE(InMempool(a, parent->GetHash().GetHex()));
    // Both travel on to B as normal relay.
    EXPECT_TRUE(WaitUntil([&] { return InMempool(b, child->GetHash().GetHex()); }, 30s)) << b.LogTail();
    EXPECT_TRUE(InMempool(b, parent->GetHash().GetHex()));

    // 2. 1-parent-1-child: a parent below the minimum relay feerate (5 sat for ~110 vB) with a child paying for
    // both. Alone the parent is refused; with its orphan child it is accepted as a package.
    const auto poor = Spend(cb2, 0, 50 * COIN, 5, key);
    const auto rich = Spend(poor->GetHash(), 0, 50 * COIN - 5, 40'000, key);
    json alone = a.Rpc("testmempoolaccept", json::array({json::array({HexStr(EncodeTransaction(*poor))})}));
    ASSERT_FALSE(alone[0]["allowed"].get<bool>());
    EXPECT_EQ(alone[0]["reject-reason"].get<std::string>(), "min relay fee not met");
    peer.Send("tx", EncodeTransaction(*rich));
    const auto asked2 = GetDataFrom(peer);
    ASSERT_EQ(asked2.size(), 1u) << a.LogTail();
    EXPECT_EQ(asked2[0].hash, poor->GetHash());
    peer.Send("tx", EncodeTransaction(*poor));
    ASSERT_TRUE(WaitUntil([&] { return InMempool(a, rich->GetHash().GetHex()); }, 20s)) << a.LogTail();
    EXPECT_TRUE(InMempool(a, poor->GetHash().GetHex()));
    // B receives only the child's announcement (the parent is under its fee filter), fetches the parent as an
    // orphan's parent, refuses it alone and accepts the pair as a package.
    EXPECT_TRUE(WaitUntil([&] { return InMempool(b, rich->GetHash().GetHex()); }, 40s)) << b.LogTail();
    EXPECT_TRUE(InMempool(b, poor->GetHash().GetHex()));

    // 3. A block including the transactions clears everything; the pools agree.
    a.Rpc("generatetoaddress", json::array({1, MINE_ADDRESS}));
    EXPECT_TRUE(a.Rpc("getrawmempool").empty());
    EXPECT_TRUE(WaitUntil([&] { return b.Rpc("getrawmempool").empty(); }, 30s));

    // 4. An orphan whose parent never comes stays out of the mempool; a consensus-invalid one is not kept.
    const auto lonely = Spend(uint256::FromHex(std::string(64, 'a')).value(), 0, COIN, 1000, key);
    peer.Send("tx", EncodeTransaction(*lonely));
    const auto asked3 = GetDataFrom(peer);
    ASSERT_EQ(asked3.size(), 1u);
    EXPECT_FALSE(InMempool(a, lonely->GetHash().GetHex()));
    EXPECT_FALSE(peer.Closed());
}

TEST(E2eRelay, BlockFiltersOverP2p)
{
    Node a;
    ASSERT_TRUE(a.Start({"-listen=1", "-blockfilterindex=1", "-peerblockfilters=1"})) << a.LogTail();
    a.Rpc("generatetoaddress", json::array({1010, MINE_ADDRESS}), 300s);
    ASSERT_TRUE(WaitIndexSynced(a)) << a.LogTail();
    const int height = a.Rpc("getblockcount").get<int>();
    ASSERT_EQ(height, 1010);
    auto hash_at = [&](int h) { return a.Rpc("getblockhash", json::array({h})).get<std::string>(); };
    const std::string tip = hash_at(height);

    RawP2pPeer peer(a.P2pPort());
    ASSERT_TRUE(peer.Handshake());
    EXPECT_TRUE(peer.TheirServices() & NODE_COMPACT_FILTERS) << "NODE_COMPACT_FILTERS not advertised";

    // getcfilters 1000..1010: one cfilter per block, equal to getblockfilter's.
    peer.Send(msg::GETCFILTERS, SerializeCFilterRangeRequest({0, 1000, *uint256::FromHex(tip)}));
    for (int h = 1000; h <= height; ++h) {
        auto m = peer.WaitFor(msg::CFILTER);
        ASSERT_TRUE(m) << "missing cfilter for height " << h << "\n" << a.LogTail();
        auto f = ParseCFilter(m->payload);
        ASSERT_TRUE(f);
        const std::string hash = hash_at(h);
        EXPECT_EQ(f->block_hash.GetHex(), hash);
        EXPECT_EQ(f->filter_type, 0);
        EXPECT_EQ(HexStr(f->filter), a.Rpc("getblockfilter", json::array({hash}))["filter"].get<std::string>());
    }

    // getcfheaders 1..1010: the previous header is genesis's; chaining the hashes gives getblockfilter's headers.
    peer.Send(msg::GETCFHEADERS, SerializeCFilterRangeRequest({0, 1, *uint256::FromHex(tip)}));
    auto hm = peer.WaitFor(msg::CFHEADERS);
    ASSERT_TRUE(hm) << a.LogTail();
    auto headers = ParseCFHeaders(hm->payload);
    ASSERT_TRUE(headers);
    EXPECT_EQ(headers->stop_hash.GetHex(), tip);
    ASSERT_EQ(headers->filter_hashes.size(), static_cast<size_t>(height));
    EXPECT_EQ(headers->previous_filter_header.GetHex(),
              a.Rpc("getblockfilter", json::array({hash_at(0)}))["header"].get<std::string>());
    uint256 header = headers->previous_filter_header;
    for (int h = 1; h <= height; ++h) {
        // BIP157: header = double-SHA256(filter hash || previous header).
        std::vector<uint8_t> buf(headers->filter_hashes[static_cast<size_t>(h - 1)].begin(),
                                 headers->filter_hashes[static_cast<size_t>(h - 1)].end());
        buf.insert(buf.end(), header.begin(), header.end());
        header = Hash256(buf);
        if (h == 1 || h == 500 || h >= 1000) {
            const json r = a.Rpc("getblockfilter", json::array({hash_at(h)}));
            EXPECT_EQ(header.GetHex(), r["header"].get<std::string>()) << "height " << h;
            EXPECT_EQ(headers->filter_hashes[static_cast<size_t>(h - 1)],
                      Hash256(ParseHex(r["filter"].get<std::string>())));
        }
    }

    // getcfcheckpt: the header at height 1000.
    peer.Send(msg::GETCFCHECKPT, SerializeCFCheckptRequest({0, *uint256::FromHex(tip)}));
    auto cm = peer.WaitFor(msg::CFCHECKPT);
    ASSERT_TRUE(cm);
    auto checkpt = ParseCFCheckpt(cm->payload);
    ASSERT_TRUE(checkpt);
    ASSERT_EQ(checkpt->filter_headers.size(), 1u);
    EXPECT_EQ(checkpt->filter_headers[0].GetHex(),
              a.Rpc("getblockfilter", json::array({hash_at(1000)}))["header"].get<std::string>());
    // Below the first checkpoint: an empty list.
    peer.Send(msg::GETCFCHECKPT, SerializeCFCheckptRequest({0, *uint256::FromHex(hash_at(999))}));
    auto empty = peer.WaitFor(msg::CFCHECKPT);
    ASSERT_TRUE(empty);
    EXPECT_TRUE(ParseCFCheckpt(empty->payload)->filter_headers.empty());
    EXPECT_FALSE(peer.Closed());

    // Bad requests end the connection (Core's PrepareBlockFilterRequest).
    struct Bad {
        const char* what;
        const char* command;
        std::vector<uint8_t> payload;
    };
    const uint256 tip_hash = *uint256::FromHex(tip);
    const uint256 unknown = *uint256::FromHex(std::string(64, '7'));
    const std::vector<Bad> bad = {
        {"unsupported filter type", msg::GETCFILTERS, SerializeCFilterRangeRequest({1, 1000, tip_hash})},
        {"unknown stop hash", msg::GETCFILTERS, SerializeCFilterRangeRequest({0, 0, unknown})},
        {"start above stop", msg::GETCFHEADERS, SerializeCFilterRangeRequest({0, 1005, *uint256::FromHex(hash_at(1000))})},
        {"more than 1000 filters", msg::GETCFILTERS, SerializeCFilterRangeRequest({0, 10, tip_hash})},
        {"unknown checkpoint stop", msg::GETCFCHECKPT, SerializeCFCheckptRequest({0, unknown})},
    };
    for (const Bad& b : bad) {
        RawP2pPeer p(a.P2pPort());
        ASSERT_TRUE(p.Handshake());
        p.Send(b.command, b.payload);
        EXPECT_TRUE(p.WaitForClose(10s)) << b.what << " did not end the connection";
    }
    // Exactly at the limits it is served: 1000 filters (10..1009).
    {
        RawP2pPeer p(a.P2pPort());
        ASSERT_TRUE(p.Handshake());
        p.Send(msg::GETCFILTERS, SerializeCFilterRangeRequest({0, 10, *uint256::FromHex(hash_at(1009))}));
        int got = 0;
        while (got < 1000 && p.WaitFor(msg::CFILTER, 20s)) ++got;
        EXPECT_EQ(got, 1000);
        EXPECT_FALSE(p.Closed());
    }

    // Without -peerblockfilters the service is not offered and requests are refused the same way.
    Node c;
    ASSERT_TRUE(c.Start({"-listen=1", "-blockfilterindex=1"})) << c.LogTail();
    c.Rpc("generatetoaddress", json::array({5, MINE_ADDRESS}));
    RawP2pPeer q(c.P2pPort());
    ASSERT_TRUE(q.Handshake());
    EXPECT_FALSE(q.TheirServices() & NODE_COMPACT_FILTERS);
    q.Send(msg::GETCFCHECKPT, SerializeCFCheckptRequest({0, *uint256::FromHex(c.Rpc("getbestblockhash").get<std::string>())}));
    EXPECT_TRUE(q.WaitForClose(10s));
}

TEST(E2eRelay, PeerBlockFiltersNeedsTheIndex)
{
    Node a;
    EXPECT_FALSE(a.Start({"-peerblockfilters=1"}, 20s));
    const std::string log = a.LogTail(50);
    EXPECT_NE(log.find("Cannot set -peerblockfilters without -blockfilterindex."), std::string::npos) << log;
}
