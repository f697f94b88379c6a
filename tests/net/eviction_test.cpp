// Inbound eviction (SelectNodeToEvict, ProtectEvictionCandidatesByRatio) and -whitelist/-whitebind permission
// parsing, against Core's rules.
#include "net/eviction.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace {
std::vector<EvictionCandidate> Candidates(int n, std::mt19937_64& rng)
{
    std::vector<EvictionCandidate> v;
    for (int i = 0; i < n; ++i) {
        EvictionCandidate c;
        c.id = i;
        c.connected = 1000 + static_cast<int64_t>(rng() % 1000);
        c.min_ping_us = 1000 + static_cast<int64_t>(rng() % 100000);
        c.last_block_time = static_cast<int64_t>(rng() % 100);
        c.last_tx_time = static_cast<int64_t>(rng() % 100);
        c.relevant_services = rng() & 1;
        c.relay_txs = rng() & 1;
        c.keyed_net_group = rng() % 16;
        v.push_back(c);
    }
    return v;
}
}  // namespace

TEST(Eviction, NothingToEvictWhenAllProtected)
{
    std::mt19937_64 rng(7);
    EXPECT_FALSE(SelectNodeToEvict({}).has_value());
    // 4 protected by netgroup, 8 by ping, 4 by transactions, 4 by blocks: 20 distinct peers are all protected.
    auto twenty = Candidates(20, rng);
    for (size_t i = 0; i < twenty.size(); ++i) {
        twenty[i].keyed_net_group = i;
        twenty[i].min_ping_us = 1000 + static_cast<int64_t>(i);
        twenty[i].last_tx_time = static_cast<int64_t>(i);
        twenty[i].last_block_time = static_cast<int64_t>(i);
        twenty[i].relay_txs = true;
    }
    EXPECT_FALSE(SelectNodeToEvict(twenty).has_value());
    // Many more: somebody goes.
    EXPECT_TRUE(SelectNodeToEvict(Candidates(100, rng)).has_value());
    auto few = Candidates(4, rng);
    EXPECT_FALSE(SelectNodeToEvict(few).has_value());  // the netgroup protection alone covers four peers
}

TEST(Eviction, ProtectedPeersAreNeverEvicted)
{
    std::mt19937_64 rng(11);
    for (int round = 0; round < 200; ++round) {
        auto v = Candidates(60, rng);
        for (auto& c : v) c.last_tx_time = 0;
        // Peer 0 has the lowest ping, peer 1 sent the latest transaction, peer 2 the latest block, peer 3 is oldest.
        v[0].min_ping_us = 1;
        v[1].last_tx_time = 1000;
        v[2].last_block_time = 1000;
        v[3].connected = 1;
        const auto victim = SelectNodeToEvict(v);
        ASSERT_TRUE(victim.has_value());
        EXPECT_GT(*victim, 3);
    }
}

TEST(Eviction, VictimComesFromLargestNetGroupAndPreferEvictFirst)
{
    std::mt19937_64 rng(3);
    for (int round = 0; round < 100; ++round) {
        auto v = Candidates(60, rng);
        for (size_t i = 0; i < v.size(); ++i) v[i].keyed_net_group = 1000 + i;
        for (int i = 40; i < 60; ++i) v[i].keyed_net_group = 42;  // one group holds a third of the peers
        const auto victim = SelectNodeToEvict(v);
        ASSERT_TRUE(victim.has_value());
        EXPECT_EQ(v[*victim].keyed_net_group, 42u);
        // Among the largest group the youngest connection goes.
        auto w = v;
        w[17].prefer_evict = true;
        w[17].min_ping_us = 50000000;  // slow, so not protected by ping
        w[17].connected = 1999;        // young
        w[17].last_block_time = w[17].last_tx_time = 0;
        const auto preferred = SelectNodeToEvict(w);
        ASSERT_TRUE(preferred.has_value());
        EXPECT_EQ(*preferred, 17);
    }
}

TEST(Eviction, RatioProtectsDisadvantagedNetworks)
{
    // 20 candidates, 4 of them onion: half (10) are protected, up to a quarter (5) by network: all 4 onion ones,
    // then the 6 longest-connected of the others.
    std::vector<EvictionCandidate> v;
    for (int i = 0; i < 20; ++i) {
        EvictionCandidate c;
        c.id = i;
        c.connected = 100 + i;  // lower id: older
        c.network = i >= 16 ? NetClass::ONION : NetClass::IPV4;
        v.push_back(c);
    }
    ProtectEvictionCandidatesByRatio(v);
    ASSERT_EQ(v.size(), 10u);
    std::set<int64_t> left;
    for (const auto& c : v) left.insert(c.id);
    for (int64_t id = 6; id < 16; ++id) EXPECT_TRUE(left.count(id)) << id;
    // Local peers take the disadvantaged slots the same way.
    std::vector<EvictionCandidate> w;
    for (int i = 0; i < 16; ++i) {
        EvictionCandidate c;
        c.id = i;
        c.connected = 100 + i;
        c.is_local = i % 2 == 0;
        w.push_back(c);
    }
    ProtectEvictionCandidatesByRatio(w);
    ASSERT_EQ(w.size(), 8u);
    // The 4 oldest local peers (0, 2, 4, 6) by network, then the 4 oldest others (1, 3, 5, 7) by uptime.
    std::set<int64_t> rest;
    for (const auto& c : w) rest.insert(c.id);
    EXPECT_EQ(rest, (std::set<int64_t>{8, 9, 10, 11, 12, 13, 14, 15}));
}

TEST(Permissions, ParseAndStrings)
{
    std::string error;
    auto w = ParseWhitelist("noban,relay@1.2.3.0/24", error);
    ASSERT_TRUE(w.has_value()) << error;
    EXPECT_EQ(w->flags, static_cast<uint32_t>(PF_NOBAN | PF_RELAY));
    EXPECT_EQ(w->subnet.ToString(), "1.2.3.0/24");
    EXPECT_EQ(PermissionsToStrings(w->flags), (std::vector<std::string>{"noban", "relay", "download"}));
    // No permissions: implicit, which resolve to Core's defaults.
    w = ParseWhitelist("10.0.0.1", error);
    ASSERT_TRUE(w.has_value());
    EXPECT_EQ(w->flags, static_cast<uint32_t>(PF_IMPLICIT));
    EXPECT_EQ(PermissionsToStrings(ResolveImplicitPermissions(w->flags, true, false)),
              (std::vector<std::string>{"noban", "relay", "mempool", "download"}));
    EXPECT_EQ(PermissionsToStrings(ResolveImplicitPermissions(w->flags, false, true)),
              (std::vector<std::string>{"noban", "forcerelay", "relay", "mempool", "download"}));
    EXPECT_EQ(PermissionsToStrings(PF_ALL),
              (std::vector<std::string>{"bloomfilter", "noban", "forcerelay", "relay", "mempool", "download", "addr"}));
    EXPECT_FALSE(ParseWhitelist("bad@1.2.3.4", error).has_value());
    EXPECT_EQ(error, "Invalid P2P permission: 'bad'");
    EXPECT_FALSE(ParseWhitelist("noban@1.2.3.4/99", error).has_value());
    EXPECT_EQ(error, "Invalid netmask specified in -whitelist: '1.2.3.4/99'");
    auto b = ParseWhitebind("addr,mempool@127.0.0.1:18444", error);
    ASSERT_TRUE(b.has_value()) << error;
    EXPECT_EQ(b->flags, static_cast<uint32_t>(PF_ADDR | PF_MEMPOOL));
    EXPECT_EQ(b->service.ToString(), "127.0.0.1:18444");
    EXPECT_FALSE(ParseWhitebind("noban@127.0.0.1", error).has_value());
    EXPECT_EQ(error, "Need to specify a port with -whitebind: '127.0.0.1'");
    EXPECT_TRUE(ParseWhitebind("[::1]:8333", error).has_value());
}
