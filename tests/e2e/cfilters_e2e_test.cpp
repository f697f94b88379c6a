// End-to-end BIP157 over 1,000+ blocks: a raw P2P client fetches filters, filter headers and checkpoints from a node
// running -blockfilterindex -peerblockfilters and compares them with getblockfilter; requests past Core's limits,
// for unknown stop hashes or other filter types end the connection; without -peerblockfilters nothing is served.
#include "harness.h"
#include "raw_peer.h"

#include "crypto/hash.h"
#include "net/cfilters.h"
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

bool WaitIndexSynced(Node& node)
{
    return WaitUntil([&] {
        const json info = node.Rpc("getindexinfo");
        return info.contains("basic block filter index") && info["basic block filter index"]["synced"].get<bool>() &&
               info["basic block filter index"]["best_block_height"] == node.Rpc("getblockcount");
    });
}
}  // namespace

TEST(E2eCFilters, FiltersHeadersCheckpointsAndLimits)
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
