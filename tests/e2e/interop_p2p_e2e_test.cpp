// Interop with Bitcoin Core over P2P (issue 5): sovereignd syncs a chain Core mined and Core syncs one sovereignd
// mined (same tip, same UTXO set hash), transactions relay both ways into the other's mempool, compact blocks
// (BIP152) relay both ways at the tip and are rebuilt from the mempool, and each side's getpeerinfo shows the
// other's services and protocol version. Skipped unless $BITCOIND names Core's daemon.
#include "core_node.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace e2e;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {
/** The fields of gettxoutsetinfo that depend only on the UTXO set (disk_size is an estimate of each node's db). */
json UtxoSummary(Node& node)
{
    const json info = node.Rpc("gettxoutsetinfo");
    json out;
    for (const char* k : {"height", "bestblock", "txouts", "bogosize", "hash_serialized_3", "total_amount"}) out[k] = info.at(k);
    return out;
}

std::string BestHash(Node& node) { return node.Rpc("getbestblockhash").get<std::string>(); }

bool InMempool(Node& node, const std::string& txid)
{
    const json pool = node.Rpc("getrawmempool");
    return std::any_of(pool.begin(), pool.end(), [&](const json& t) { return t.get<std::string>() == txid; });
}

/** The only peer of a node (the tests connect exactly two nodes). */
json OnlyPeer(Node& node)
{
    const json peers = node.Rpc("getpeerinfo");
    if (peers.size() != 1) throw std::runtime_error("expected one peer, got " + peers.dump());
    return peers[0];
}

int64_t PerMsg(const json& peer, const char* direction, const char* command)
{
    const json& m = peer.at(direction);
    return m.contains(command) ? m.at(command).get<int64_t>() : 0;
}

bool HasName(const json& names, const std::string& name)
{
    return std::any_of(names.begin(), names.end(), [&](const json& n) { return n.get<std::string>() == name; });
}

/** `viewer` sees `other` with the services `other` says it offers, NETWORK|WITNESS among them; Core sees sovereignd
 *  at version 70016. */
void ExpectPeerView(Node& viewer, Node& other, const char* viewer_name)
{
    const json peer = OnlyPeer(viewer);
    const json other_info = other.Rpc("getnetworkinfo");
    SCOPED_TRACE(std::string(viewer_name) + "'s getpeerinfo: " + peer.dump());
    // sovereignd speaks 70016; Core master has moved on to 70017 (a later feature), which is fine for us.
    EXPECT_GE(peer.at("version").get<int>(), 70016);
    if (std::string(viewer_name) == "Core") {
        EXPECT_EQ(peer.at("version").get<int>(), 70016);
    }
    EXPECT_EQ(peer.at("services").get<std::string>(), other_info.at("localservices").get<std::string>());
    EXPECT_EQ(peer.at("servicesnames"), other_info.at("localservicesnames"));
    for (const char* s : {"NETWORK", "WITNESS", "NETWORK_LIMITED"}) EXPECT_TRUE(HasName(peer.at("servicesnames"), s)) << s;
    EXPECT_EQ(peer.at("subver").get<std::string>(), other_info.at("subversion").get<std::string>());
    EXPECT_TRUE(peer.at("relaytxes").get<bool>());
}
}  // namespace

// Core mines 210 blocks with wallet transactions of every address type; sovereignd (connecting out to Core) syncs
// them. Then transactions and compact blocks go both ways.
TEST(E2eInteropP2p, SovereignSyncsCoreChainThenTxAndCompactBlockRelayBothWays)
{
    SKIP_WITHOUT_CORE(false);
    CoreNode core;
    ASSERT_TRUE(core.Start()) << core.LogTail();
    core.Rpc("createwallet", {"w"});
    const std::string core_address = core.WalletRpc("w", "getnewaddress").get<std::string>();
    core.Rpc("generatetoaddress", {110, core_address});
    for (const char* type : {"legacy", "p2sh-segwit", "bech32", "bech32m"}) {
        const std::string to = core.WalletRpc("w", "getnewaddress", {"", type}).get<std::string>();
        core.WalletRpc("w", "sendtoaddress", {to, 1.5});
        core.WalletRpc("w", "sendtoaddress", {MINE_ADDRESS, 0.25});
        core.Rpc("generatetoaddress", {25, core_address});
    }
    ASSERT_EQ(core.Rpc("getblockcount").get<int>(), 210);

    Node sov;
    ASSERT_TRUE(sov.Start({"-connect=" + P2pAddress(core), "-listen=1", "-fallbackfee=0.0002", "-debug=net"}))
        << sov.LogTail();
    const std::string core_tip = BestHash(core);
    ASSERT_TRUE(WaitUntil([&] { return BestHash(sov) == core_tip; }, 120s))
        << "sovereignd did not sync Core's chain; height " << sov.Rpc("getblockcount") << "\n" << sov.LogTail();
    EXPECT_EQ(UtxoSummary(sov), UtxoSummary(core));

    // Both ways, the peer looks like what it announces.
    ExpectPeerView(sov, core, "sovereignd");
    ExpectPeerView(core, sov, "Core");
    EXPECT_EQ(OnlyPeer(sov).at("connection_type").get<std::string>(), "manual");
    EXPECT_EQ(OnlyPeer(core).at("connection_type").get<std::string>(), "inbound");

    // Core -> sovereignd: a wallet payment reaches sovereignd's mempool.
    sov.Rpc("createwallet", {"s"});
    const std::string sov_address = sov.WalletRpc("s", "getnewaddress").get<std::string>();
    const std::string to_sov = core.WalletRpc("w", "sendtoaddress", {sov_address, 10}).get<std::string>();
    ASSERT_TRUE(WaitUntil([&] { return InMempool(sov, to_sov); })) << sov.LogTail();

    // Core mines it: sovereignd gets the block as a compact block (it asked Core for high-bandwidth relay when Core
    // gave it new tips) and rebuilds it from its mempool without asking for transactions.
    const json sov_before = OnlyPeer(sov);
    core.Rpc("generatetoaddress", {1, core_address});
    const std::string core_tip2 = BestHash(core);
    ASSERT_TRUE(WaitUntil([&] { return BestHash(sov) == core_tip2; })) << sov.LogTail();
    const json sov_after = OnlyPeer(sov);
    EXPECT_GT(PerMsg(sov_after, "bytesrecv_per_msg", "cmpctblock"), PerMsg(sov_before, "bytesrecv_per_msg", "cmpctblock"))
        << sov_after.dump();
    EXPECT_EQ(PerMsg(sov_after, "bytessent_per_msg", "getblocktxn"), 0) << sov_after.dump();
    EXPECT_FALSE(InMempool(sov, to_sov));
    ASSERT_TRUE(WaitUntil([&] { return sov.WalletRpc("s", "getbalance").get<double>() == 10.0; }));

    // sovereignd -> Core: sovereignd's wallet spends it; the payment reaches Core's mempool.
    const std::string core_address2 = core.WalletRpc("w", "getnewaddress").get<std::string>();
    const std::string to_core = sov.WalletRpc("s", "sendtoaddress", {core_address2, 2.5}).get<std::string>();
    ASSERT_TRUE(WaitUntil([&] { return InMempool(core, to_core); })) << core.LogTail();
    EXPECT_EQ(core.Rpc("getmempoolentry", {to_core})["wtxid"], sov.Rpc("getmempoolentry", {to_core})["wtxid"]);

    // sovereignd mines blocks: Core takes them as compact blocks, the one with the payment rebuilt from its mempool.
    const json core_before = OnlyPeer(core);
    for (int i = 0; i < 2; ++i) {
        sov.Rpc("generatetoaddress", {1, MINE_ADDRESS});
        const std::string tip = BestHash(sov);
        ASSERT_TRUE(WaitUntil([&] { return BestHash(core) == tip; })) << core.LogTail();
    }
    const json core_after = OnlyPeer(core);
    EXPECT_GT(PerMsg(core_after, "bytesrecv_per_msg", "cmpctblock"), PerMsg(core_before, "bytesrecv_per_msg", "cmpctblock"))
        << core_after.dump();
    EXPECT_EQ(PerMsg(core_after, "bytessent_per_msg", "getblocktxn"), 0) << core_after.dump();
    EXPECT_FALSE(InMempool(core, to_core));
    EXPECT_EQ(UtxoSummary(sov), UtxoSummary(core));

    // Once high bandwidth is set up in both directions, a block goes out as cmpctblock unasked (no getdata first).
    const json hb_core = OnlyPeer(core);
    const json hb_sov = OnlyPeer(sov);
    core.Rpc("generatetoaddress", {1, core_address});
    const std::string tip3 = BestHash(core);
    ASSERT_TRUE(WaitUntil([&] { return BestHash(sov) == tip3; })) << sov.LogTail();
    const json sov_last = OnlyPeer(sov);
    EXPECT_GT(PerMsg(sov_last, "bytesrecv_per_msg", "cmpctblock"), PerMsg(hb_sov, "bytesrecv_per_msg", "cmpctblock"));
    EXPECT_EQ(PerMsg(sov_last, "bytessent_per_msg", "getdata"), PerMsg(hb_sov, "bytessent_per_msg", "getdata"))
        << "sovereignd had to ask for the block: " << sov_last.dump();
    sov.Rpc("generatetoaddress", {1, MINE_ADDRESS});
    const std::string tip4 = BestHash(sov);
    ASSERT_TRUE(WaitUntil([&] { return BestHash(core) == tip4; })) << core.LogTail();
    const json core_last = OnlyPeer(core);
    EXPECT_GT(PerMsg(core_last, "bytesrecv_per_msg", "cmpctblock"), PerMsg(hb_core, "bytesrecv_per_msg", "cmpctblock"));
    EXPECT_EQ(PerMsg(core_last, "bytessent_per_msg", "getdata"), PerMsg(hb_core, "bytessent_per_msg", "getdata"))
        << "Core had to ask for the block: " << core_last.dump();
    EXPECT_EQ(UtxoSummary(sov), UtxoSummary(core));
}

// sovereignd mines 210 blocks with its wallet paying every address type of a Core wallet; a fresh Core (connecting
// out to sovereignd with its default transport settings) syncs them, and its wallet sees the payments.
TEST(E2eInteropP2p, CoreSyncsSovereignChain)
{
    SKIP_WITHOUT_CORE(false);
    CoreNode core;
    ASSERT_TRUE(core.Start()) << core.LogTail();
    core.Rpc("createwallet", {"w"});

    Node sov;
    ASSERT_TRUE(sov.Start({"-listen=1", "-fallbackfee=0.0002", "-debug=net"})) << sov.LogTail();
    sov.Rpc("createwallet", {"s"});
    const std::string sov_address = sov.WalletRpc("s", "getnewaddress").get<std::string>();
    sov.Rpc("generatetoaddress", {110, sov_address});
    double sent = 0;
    for (const char* type : {"legacy", "p2sh-segwit", "bech32", "bech32m"}) {
        const std::string to = core.WalletRpc("w", "getnewaddress", {"", type}).get<std::string>();
        sov.WalletRpc("s", "sendtoaddress", {to, 1.5});
        sent += 1.5;
        sov.Rpc("generatetoaddress", {25, sov_address});
    }
    ASSERT_EQ(sov.Rpc("getblockcount").get<int>(), 210);

    core.Rpc("addnode", {P2pAddress(sov), "onetry"});
    const std::string sov_tip = BestHash(sov);
    ASSERT_TRUE(WaitUntil([&] { return BestHash(core) == sov_tip; }, 120s))
        << "Core did not sync sovereignd's chain; height " << core.Rpc("getblockcount") << "\n" << core.LogTail();
    EXPECT_EQ(UtxoSummary(core), UtxoSummary(sov));
    ASSERT_TRUE(WaitUntil([&] { return core.WalletRpc("w", "getbalances")["mine"]["trusted"].get<double>() == sent; }))
        << core.WalletRpc("w", "getbalances").dump();

    ExpectPeerView(sov, core, "sovereignd");
    ExpectPeerView(core, sov, "Core");
    EXPECT_EQ(OnlyPeer(core).at("connection_type").get<std::string>(), "manual");
    EXPECT_EQ(OnlyPeer(sov).at("connection_type").get<std::string>(), "inbound");
    // Core tried its encrypted transport first (BIP324); sovereignd speaks v1, so Core reconnected with v1.
    EXPECT_EQ(OnlyPeer(core).at("transport_protocol_type").get<std::string>(), "v1");

    // A block found by sovereignd at the tip reaches Core too.
    sov.Rpc("generatetoaddress", {1, MINE_ADDRESS});
    const std::string tip = BestHash(sov);
    ASSERT_TRUE(WaitUntil([&] { return BestHash(core) == tip; })) << core.LogTail();
    EXPECT_EQ(UtxoSummary(core), UtxoSummary(sov));
}
