// End-to-end relay: orphan transactions (a child before its parent), 1-parent-1-child package relay of a low-fee
// parent between two nodes, and BIP157 block filters served over P2P on a short chain (cfilters_e2e_tests does a
// 1,000+ block chain with checkpoints and the request limits).
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

TEST(E2eRelay, BlockFiltersOnAShortChain)
{
    // The quick version of cfilters_e2e_tests (which needs 1,000+ blocks for checkpoints and the limits).
    Node a;
    ASSERT_TRUE(a.Start({"-listen=1", "-blockfilterindex=1", "-peerblockfilters=1"})) << a.LogTail();
    a.Rpc("generatetoaddress", json::array({25, MINE_ADDRESS}));
    ASSERT_TRUE(WaitIndexSynced(a)) << a.LogTail();
    auto hash_at = [&](int h) { return *uint256::FromHex(a.Rpc("getblockhash", json::array({h})).get<std::string>()); };
    const uint256 tip = hash_at(25);
    RawP2pPeer peer(a.P2pPort());
    ASSERT_TRUE(peer.Handshake());
    EXPECT_TRUE(peer.TheirServices() & NODE_COMPACT_FILTERS);
    peer.Send(msg::GETCFILTERS, SerializeCFilterRangeRequest({0, 0, tip}));
    for (int h = 0; h <= 25; ++h) {
        auto m = peer.WaitFor(msg::CFILTER);
        ASSERT_TRUE(m) << h;
        auto f = ParseCFilter(m->payload);
        ASSERT_TRUE(f);
        EXPECT_EQ(f->block_hash, hash_at(h));
        EXPECT_EQ(HexStr(f->filter),
                  a.Rpc("getblockfilter", json::array({hash_at(h).GetHex()}))["filter"].get<std::string>());
    }
    peer.Send(msg::GETCFHEADERS, SerializeCFilterRangeRequest({0, 20, tip}));
    auto hm = peer.WaitFor(msg::CFHEADERS);
    ASSERT_TRUE(hm);
    auto headers = ParseCFHeaders(hm->payload);
    ASSERT_TRUE(headers);
    ASSERT_EQ(headers->filter_hashes.size(), 6u);
    uint256 header = headers->previous_filter_header;
    EXPECT_EQ(header.GetHex(), a.Rpc("getblockfilter", json::array({hash_at(19).GetHex()}))["header"].get<std::string>());
    for (const uint256& fh : headers->filter_hashes) {
        std::vector<uint8_t> buf(fh.begin(), fh.end());
        buf.insert(buf.end(), header.begin(), header.end());
        header = Hash256(buf);
    }
    EXPECT_EQ(header.GetHex(), a.Rpc("getblockfilter", json::array({tip.GetHex()}))["header"].get<std::string>());
    peer.Send(msg::GETCFCHECKPT, SerializeCFCheckptRequest({0, tip}));
    auto cm = peer.WaitFor(msg::CFCHECKPT);
    ASSERT_TRUE(cm);
    EXPECT_TRUE(ParseCFCheckpt(cm->payload)->filter_headers.empty());
    EXPECT_FALSE(peer.Closed());
    // A malformed request is ignored (Core: a deserialization error is logged); bad ones disconnect.
    peer.Send(msg::GETCFILTERS, {0, 1, 2});
    peer.Send(msg::GETCFHEADERS, SerializeCFilterRangeRequest({0, 26, tip}));
    EXPECT_TRUE(peer.WaitForClose(10s));
    RawP2pPeer other(a.P2pPort());
    ASSERT_TRUE(other.Handshake());
    other.Send(msg::GETCFILTERS, SerializeCFilterRangeRequest({0, 0, *uint256::FromHex(std::string(64, '5'))}));
    EXPECT_TRUE(other.WaitForClose(10s));
}

TEST(E2eRelay, PeerBlockFiltersNeedsTheIndex)
{
    Node a;
    EXPECT_FALSE(a.Start({"-peerblockfilters=1"}, 20s));
    const std::string log = a.LogTail(50);
    EXPECT_NE(log.find("Cannot set -peerblockfilters without -blockfilterindex."), std::string::npos) << log;
}
