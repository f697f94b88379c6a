// Address manager: network groups and asmap, new/tried bucketing, Good/Attempt/Select, collisions with
// test-before-evict, GetAddr limits, and peers.dat persistence (round trip, corruption, asmap change).
#include "net/addrman.h"

#include "testutil/vectors.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

namespace {
Service Svc(const std::string& ip, uint16_t port = 8333)
{
    auto a = NetAddr::Parse(ip);
    EXPECT_TRUE(a.has_value()) << ip;
    return Service{a.value_or(NetAddr{}), port};
}
NetAddr Ip(const std::string& ip) { return *NetAddr::Parse(ip); }
Address Addr(const std::string& ip, uint32_t time, uint16_t port = 8333)
{
    Address a;
    a.time = time;
    a.services = NODE_NETWORK | NODE_WITNESS;
    a.service = Svc(ip, port);
    return a;
}
std::string Ip4(int a, int b, int c, int d)
{
    return std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c) + "." + std::to_string(d);
}

struct Clock {
    int64_t now{1'700'000'000};
    std::function<int64_t()> Fn() { return [this] { return now; }; }
};

std::vector<bool> AsmapBits()
{
    std::string error;
    auto bits = LoadAsmap(VectorPath("bitcoin-core/asmap.raw").string(), error);
    EXPECT_TRUE(bits.has_value()) << error;
    return bits.value_or(std::vector<bool>{});
}
}  // namespace

TEST(NetGroup, RoutabilityAndGroups)
{
    EXPECT_FALSE(IsRoutableAddr(Ip("127.0.0.1")));
    EXPECT_FALSE(IsRoutableAddr(Ip("10.1.2.3")));
    EXPECT_FALSE(IsRoutableAddr(Ip("192.168.0.1")));
    EXPECT_FALSE(IsRoutableAddr(Ip("172.20.0.1")));
    EXPECT_FALSE(IsRoutableAddr(Ip("169.254.1.1")));
    EXPECT_FALSE(IsRoutableAddr(Ip("100.64.0.1")));
    EXPECT_FALSE(IsRoutableAddr(Ip("192.0.2.1")));
    EXPECT_FALSE(IsRoutableAddr(Ip("2001:db8::1")));
    EXPECT_FALSE(IsRoutableAddr(Ip("fc00::1")));
    EXPECT_FALSE(IsRoutableAddr(Ip("fe80::1")));
    EXPECT_FALSE(IsRoutableAddr(Ip("::1")));
    EXPECT_TRUE(IsRoutableAddr(Ip("1.2.3.4")));
    EXPECT_TRUE(IsRoutableAddr(Ip("172.32.0.1")));
    EXPECT_TRUE(IsRoutableAddr(Ip("2a01:4f8::1")));

    NetGroupManager ng;
    // Core's netbase_getgroup expectations.
    EXPECT_EQ(ng.GetGroup(Ip("127.0.0.1")), std::vector<uint8_t>({0}));
    EXPECT_EQ(ng.GetGroup(Ip("1.2.3.4")), std::vector<uint8_t>({1, 1, 2}));
    EXPECT_EQ(ng.GetGroup(Ip("::FFFF:0:102:304")), std::vector<uint8_t>({1, 1, 2}));  // RFC6145
    EXPECT_EQ(ng.GetGroup(Ip("64:FF9B::102:304")), std::vector<uint8_t>({1, 1, 2}));  // RFC6052
    EXPECT_EQ(ng.GetGroup(Ip("2002:102:304:9999:9999:9999:9999:9999")), std::vector<uint8_t>({1, 1, 2}));  // 6to4
    EXPECT_EQ(ng.GetGroup(Ip("2001:0:9999:9999:9999:9999:FEFD:FCFB")), std::vector<uint8_t>({1, 1, 2}));  // Teredo
    EXPECT_EQ(ng.GetGroup(Ip("2001:470:abcd:9999:9999:9999:9999:9999")),
              std::vector<uint8_t>({2, 0x20, 0x01, 0x04, 0x70, 0xaf}));  // he.net /36
    EXPECT_EQ(ng.GetGroup(Ip("2001:2001:9999:9999:9999:9999:9999:9999")),
              std::vector<uint8_t>({2, 0x20, 0x01, 0x20, 0x01}));  // IPv6 /32
    EXPECT_EQ(NetClassName(GetNetClass(Ip("10.0.0.1"))), "not_publicly_routable");
    EXPECT_EQ(NetClassName(GetNetClass(Ip("8.8.8.8"))), "ipv4");
}

TEST(NetGroup, AsmapVector)
{
    // The mock map (README): 250.0.0.0/8 -> AS1000, 101.N.0.0/16 -> AS N for N = 1..8. Far-away addresses are
    // unmapped (the compressed map may extend a mapping into unlisted neighbouring ranges, so those are not probed).
    const auto bits = AsmapBits();
    ASSERT_FALSE(bits.empty());
    NetGroupManager ng(bits);
    size_t passed = 0, total = 0;
    auto check = [&](const std::string& ip, uint32_t asn) {
        ++total;
        const uint32_t got = ng.GetMappedAS(Ip(ip));
        EXPECT_EQ(got, asn) << ip;
        passed += got == asn;
    };
    check("250.1.2.3", 1000);
    check("250.255.0.1", 1000);
    for (int n = 1; n <= 8; ++n) check(Ip4(101, n, 7, 9), static_cast<uint32_t>(n));
    check("8.8.8.8", 0);
    check("2a01:4f8::1", 0);
    ReportVectorCount("asmap.raw", passed, total);
    EXPECT_EQ(ng.AsmapVersion().GetHex(), "bafc9da308f45179443bd1d22325400ac9104f741522d003e3fac86700f68895");
    // Mapped addresses are grouped by AS: two /16s of one AS share a group, IPv4 keeps /16 without a mapping.
    EXPECT_EQ(ng.GetGroup(Ip("250.1.1.1")), ng.GetGroup(Ip("250.200.1.1")));
    EXPECT_EQ(ng.GetGroup(Ip("250.1.1.1")), std::vector<uint8_t>({2, 0xe8, 0x03, 0, 0}));
    EXPECT_NE(ng.GetGroup(Ip("101.1.1.1")), ng.GetGroup(Ip("101.2.1.1")));
    EXPECT_EQ(ng.GetGroup(Ip("8.8.8.8")), std::vector<uint8_t>({1, 8, 8}));
    // A truncated map fails the sanity check.
    std::vector<bool> truncated(bits.begin(), bits.begin() + static_cast<long>(bits.size() / 2));
    EXPECT_FALSE(CheckAsmap(truncated));
    EXPECT_TRUE(CheckAsmap(bits));
}

TEST(AddrMan, AddSelectAndGood)
{
    Clock clock;
    NetGroupManager ng;
    AddrMan am(ng, true, clock.Fn());
    EXPECT_EQ(am.Size(), 0u);
    EXPECT_EQ(am.Select().first.service.port, 0);  // empty
    // Unroutable addresses are refused.
    EXPECT_FALSE(am.Add({Addr("127.0.0.1", clock.now)}, Ip("127.0.0.1")));
    EXPECT_FALSE(am.Add({Addr("192.168.1.1", clock.now)}, Ip("1.2.3.4")));
    EXPECT_EQ(am.Size(), 0u);

    const Address a = Addr("250.1.1.1", static_cast<uint32_t>(clock.now));
    EXPECT_TRUE(am.Add({a}, Ip("252.2.2.2"), 2 * 60 * 60));
    EXPECT_EQ(am.Size(), 1u);
    // The time penalty applies to addresses relayed by others.
    EXPECT_EQ(int64_t{am.Find(a.service)->time}, clock.now - 2 * 60 * 60);
    // The same address again adds nothing.
    EXPECT_FALSE(am.Add({a}, Ip("252.2.2.2"), 2 * 60 * 60));
    EXPECT_EQ(am.Size(), 1u);
    // Self-announcement: no penalty.
    const Address self = Addr("250.3.3.3", static_cast<uint32_t>(clock.now));
    EXPECT_TRUE(am.Add({self}, self.service.addr, 2 * 60 * 60));
    EXPECT_EQ(int64_t{am.Find(self.service)->time}, clock.now);
    EXPECT_EQ(am.Size(std::nullopt, true), 2u);
    EXPECT_EQ(am.Size(std::nullopt, false), 0u);

    // Select from new.
    std::set<Service> seen;
    for (int i = 0; i < 50; ++i) seen.insert(am.Select().first.service);
    EXPECT_EQ(seen, (std::set<Service>{a.service, self.service}));

    // Good moves to tried; the same port on another address is a different entry.
    EXPECT_TRUE(am.Good(a.service));
    EXPECT_FALSE(am.Good(Svc("250.1.1.1", 8334)));  // not known
    EXPECT_TRUE(am.Find(a.service)->in_tried);
    EXPECT_EQ(am.Size(std::nullopt, false), 1u);
    EXPECT_EQ(am.Size(std::nullopt, true), 1u);
    EXPECT_EQ(am.Select(true).first.service, self.service);  // new_only
    EXPECT_EQ(am.Size(NetClass::IPV4), 2u);
    EXPECT_EQ(am.Size(NetClass::IPV6), 0u);
    EXPECT_EQ(am.CheckConsistency(), 0);
}

TEST(AddrMan, TriedBucketing)
{
    NetGroupManager ng;
    uint256 key1, key2;
    key1.data()[0] = 1;
    key2.data()[0] = 2;
    AddrInfo info;
    info.service = Svc("250.1.1.1");
    info.source = Ip("250.1.1.1");
    // The key randomises placement.
    EXPECT_NE(info.GetTriedBucket(key1, ng), info.GetTriedBucket(key2, ng));
    // One /16 uses at most ADDRMAN_TRIED_BUCKETS_PER_GROUP tried buckets.
    std::set<int> buckets;
    for (int j = 0; j < 255; ++j) {
        AddrInfo i;
        i.service = Svc(Ip4(250, 1, 1, j));
        buckets.insert(i.GetTriedBucket(key1, ng));
    }
    EXPECT_LE(buckets.size(), static_cast<size_t>(ADDRMAN_TRIED_BUCKETS_PER_GROUP));
    EXPECT_GE(buckets.size(), 4u);
    // Different /16s spread over many more.
    buckets.clear();
    for (int j = 0; j < 255; ++j) {
        AddrInfo i;
        i.service = Svc(Ip4(250, j, 1, 1));
        buckets.insert(i.GetTriedBucket(key1, ng));
    }
    EXPECT_GT(buckets.size(), 100u);
    // Ports take part in the tried bucket key: some port moves the bucket.
    bool moved = false;
    for (uint16_t port = 8334; port < 8400 && !moved; ++port) {
        AddrInfo i = info;
        i.service.port = port;
        moved = i.GetTriedBucket(key1, ng) != info.GetTriedBucket(key1, ng);
    }
    EXPECT_TRUE(moved);
}

TEST(AddrMan, NewBucketing)
{
    NetGroupManager ng;
    uint256 key;
    key.data()[5] = 7;
    AddrInfo info;
    info.service = Svc("250.1.2.1");
    // The port of the address does not affect the new bucket (only groups are hashed).
    AddrInfo other = info;
    other.service.port = 9999;
    EXPECT_EQ(info.GetNewBucket(key, Ip("250.1.2.1"), ng), other.GetNewBucket(key, Ip("250.1.2.1"), ng));
    // Addresses of one group from one source group share one bucket.
    std::set<int> buckets;
    for (int j = 0; j < 255; ++j) {
        AddrInfo i;
        i.service = Svc(Ip4(250, 1, 1, j));
        buckets.insert(i.GetNewBucket(key, Ip("251.4.1.1"), ng));
    }
    EXPECT_EQ(buckets.size(), 1u);
    // All groups from one source group: at most ADDRMAN_NEW_BUCKETS_PER_SOURCE_GROUP buckets.
    buckets.clear();
    for (int j = 0; j < 4 * 255; ++j) {
        AddrInfo i;
        i.service = Svc(Ip4(250 + j / 255, j % 256, 1, 1));
        buckets.insert(i.GetNewBucket(key, Ip("251.4.1.1"), ng));
    }
    EXPECT_LE(buckets.size(), static_cast<size_t>(ADDRMAN_NEW_BUCKETS_PER_SOURCE_GROUP));
    EXPECT_GT(buckets.size(), 32u);
    // One address from many source groups: many buckets.
    buckets.clear();
    for (int p = 0; p < 255; ++p) buckets.insert(info.GetNewBucket(key, Ip(Ip4(250, p, 1, 1)), ng));
    EXPECT_GT(buckets.size(), static_cast<size_t>(ADDRMAN_NEW_BUCKETS_PER_SOURCE_GROUP));
    // With the asmap, groups are AS numbers: all of 101.1/16 and 250/8 collapse per AS.
    NetGroupManager asng(AsmapBits());
    buckets.clear();
    for (int j = 0; j < 255; ++j) {
        AddrInfo i;
        i.service = Svc(Ip4(250, j, 1, 1));
        buckets.insert(i.GetNewBucket(key, Ip("101.1.1.1"), asng));
    }
    EXPECT_EQ(buckets.size(), 1u);  // one AS (1000) from one source AS (1)
}

TEST(AddrMan, IsTerribleAndChance)
{
    const int64_t now = 1'700'000'000;
    AddrInfo i;
    i.time = static_cast<uint32_t>(now - 100);
    EXPECT_FALSE(i.IsTerrible(now));
    i.time = static_cast<uint32_t>(now + 11 * 60);  // from the future
    EXPECT_TRUE(i.IsTerrible(now));
    i.last_try = now - 30;  // tried within the last minute: never terrible
    EXPECT_FALSE(i.IsTerrible(now));
    i.last_try = 0;
    i.time = static_cast<uint32_t>(now - ADDRMAN_HORIZON - 1);
    EXPECT_TRUE(i.IsTerrible(now));
    i.time = static_cast<uint32_t>(now);
    i.attempts = ADDRMAN_RETRIES;  // never succeeded
    EXPECT_TRUE(i.IsTerrible(now));
    i.last_success = now - ADDRMAN_MIN_FAIL - 1;
    EXPECT_FALSE(i.IsTerrible(now));
    i.attempts = ADDRMAN_MAX_FAILURES;
    EXPECT_TRUE(i.IsTerrible(now));
    AddrInfo fresh;
    EXPECT_DOUBLE_EQ(fresh.GetChance(now), 1.0);
    fresh.last_try = now - 60;
    EXPECT_DOUBLE_EQ(fresh.GetChance(now), 0.01);
    fresh.last_try = 0;
    fresh.attempts = 20;
    EXPECT_DOUBLE_EQ(fresh.GetChance(now), std::pow(0.66, 8));
}

TEST(AddrMan, AttemptCountsFailuresOncePerGood)
{
    Clock clock;
    NetGroupManager ng;
    AddrMan am(ng, true, clock.Fn());
    const Address a = Addr("250.7.7.7", static_cast<uint32_t>(clock.now));
    const Address b = Addr("251.7.7.7", static_cast<uint32_t>(clock.now));
    am.Add({a, b}, Ip("252.1.1.1"));
    am.Attempt(a.service, true);
    EXPECT_EQ(am.Find(a.service)->attempts, 1);
    EXPECT_EQ(am.Find(a.service)->last_try, clock.now);
    clock.now += 10;
    am.Attempt(a.service, true);  // no Good in between: not counted again
    EXPECT_EQ(am.Find(a.service)->attempts, 1);
    am.Good(b.service);
    clock.now += 10;
    am.Attempt(a.service, true);
    EXPECT_EQ(am.Find(a.service)->attempts, 2);
    am.Attempt(a.service, false);
    EXPECT_EQ(am.Find(a.service)->attempts, 2);
    // Connected refreshes the time only after 20 minutes.
    clock.now += 10 * 60;
    am.Connected(b.service);
    EXPECT_EQ(int64_t{am.Find(b.service)->time}, clock.now - 10 * 60 - 20);
    clock.now += 11 * 60;
    am.Connected(b.service);
    EXPECT_EQ(int64_t{am.Find(b.service)->time}, clock.now);
}

TEST(AddrMan, CollisionsTestBeforeEvict)
{
    Clock clock;
    NetGroupManager ng;
    AddrMan am(ng, true, clock.Fn());
    // Fill until moving an address to tried collides with an existing tried entry.
    std::optional<Service> colliding;
    for (int i = 1; i < 2000 && !colliding; ++i) {
        const Address a = Addr(Ip4(250, 1 + i / 200, 1 + i % 200, 1), static_cast<uint32_t>(clock.now));
        am.Add({a}, Ip("252.1.1.1"));
        if (!am.Find(a.service)) continue;
        if (!am.Good(a.service)) colliding = a.service;
    }
    ASSERT_TRUE(colliding.has_value());
    EXPECT_FALSE(am.Find(*colliding)->in_tried);
    // The old entry is offered for a test connection.
    const auto [old, last_try] = am.SelectTriedCollision();
    ASSERT_NE(old.service.port, 0);
    EXPECT_NE(old.service, *colliding);
    // The old entry connected recently (Good just now): resolving keeps it and drops the collision.
    am.ResolveCollisions();
    EXPECT_FALSE(am.Find(*colliding)->in_tried);
    EXPECT_TRUE(am.Find(old.service)->in_tried);
    EXPECT_EQ(am.SelectTriedCollision().first.service.port, 0);
    // Again, but the old entry is now stale and the test window passes: the new one replaces it.
    am.Good(*colliding);
    EXPECT_NE(am.SelectTriedCollision().first.service.port, 0);
    clock.now += ADDRMAN_REPLACEMENT + ADDRMAN_TEST_WINDOW + 1;
    am.ResolveCollisions();
    EXPECT_TRUE(am.Find(*colliding)->in_tried);
    EXPECT_FALSE(am.Find(old.service)->in_tried);  // back in new
    EXPECT_EQ(am.CheckConsistency(), 0);
    // Without test-before-evict, Good evicts right away.
    const auto before = am.Size(std::nullopt, false);
    am.Good(old.service, 0, false);
    EXPECT_TRUE(am.Find(old.service)->in_tried);
    EXPECT_FALSE(am.Find(*colliding)->in_tried);
    EXPECT_EQ(am.Size(std::nullopt, false), before);
    EXPECT_EQ(am.CheckConsistency(), 0);
}

TEST(AddrMan, GetAddrLimits)
{
    Clock clock;
    NetGroupManager ng;
    AddrMan am(ng, true, clock.Fn());
    EXPECT_TRUE(am.GetAddr(1000, 23, std::nullopt).empty());
    std::vector<Address> addrs;
    for (int i = 0; i < 2000; ++i) {
        addrs.push_back(Addr(Ip4(1 + i % 200, 2 + i / 200, 3, 4), static_cast<uint32_t>(clock.now)));
    }
    for (int s = 0; s < 20; ++s) am.Add(addrs, Ip(Ip4(100 + s, 9, 9, 9)));
    const size_t size = am.Size();
    EXPECT_GT(size, 1000u);
    // 23% of the table, at most 1000.
    const auto got = am.GetAddr(1000, 23, std::nullopt);
    EXPECT_EQ(got.size(), std::min<size_t>(1000, size * 23 / 100));
    std::set<Service> unique;
    for (const auto& a : got) unique.insert(a.service);
    EXPECT_EQ(unique.size(), got.size());
    EXPECT_EQ(am.GetAddr(0, 0, std::nullopt).size(), size);
    EXPECT_EQ(am.GetAddr(10, 0, std::nullopt).size(), 10u);
    EXPECT_TRUE(am.GetAddr(0, 0, NetClass::IPV6).empty());
    // Terrible entries are filtered unless asked for all.
    clock.now += ADDRMAN_HORIZON + 3 * 60 * 60;
    EXPECT_TRUE(am.GetAddr(0, 0, std::nullopt).empty());
    EXPECT_EQ(am.GetAddr(0, 0, std::nullopt, false).size(), size);
    EXPECT_EQ(am.CheckConsistency(), 0);
}

TEST(AddrMan, PersistenceRoundTrip)
{
    Clock clock;
    NetGroupManager ng;
    AddrMan am(ng, false, clock.Fn());
    std::vector<Address> addrs;
    for (int i = 0; i < 300; ++i) {
        addrs.push_back(Addr(Ip4(20 + i % 50, 1 + i % 250, 1 + i / 250, 1), static_cast<uint32_t>(clock.now - i)));
    }
    am.Add(addrs, Ip("30.30.30.30"));
    am.Add(addrs, Ip("31.30.30.30"));
    Address v6 = Addr("2a01:4f8::5", static_cast<uint32_t>(clock.now), 18444);
    am.Add({v6}, Ip("2a01:4f8::1"));
    for (int i = 0; i < 40; ++i) am.Good(addrs[i].service);
    am.Attempt(addrs[100].service, true);

    const auto dir = std::filesystem::temp_directory_path() / ("addrman_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto path = dir / "peers.dat";
    std::string error;
    ASSERT_TRUE(WritePeersFile(am, path, error)) << error;
    EXPECT_FALSE(std::filesystem::exists(dir / "peers.dat.new"));

    AddrMan loaded(ng, false, clock.Fn());
    bool corrupt = true;
    ASSERT_TRUE(ReadPeersFile(loaded, path, error, &corrupt)) << error;
    EXPECT_FALSE(corrupt);
    EXPECT_EQ(loaded.Size(), am.Size());
    EXPECT_EQ(loaded.Size(std::nullopt, false), am.Size(std::nullopt, false));
    EXPECT_EQ(loaded.CheckConsistency(), 0);
    for (const Address& a : addrs) {
        auto x = am.Find(a.service);
        auto y = loaded.Find(a.service);
        ASSERT_EQ(x.has_value(), y.has_value());
        if (!x) continue;
        EXPECT_EQ(x->time, y->time);
        EXPECT_EQ(x->services, y->services);
        EXPECT_EQ(x->source, y->source);
        EXPECT_EQ(x->attempts, y->attempts);
        EXPECT_EQ(x->last_success, y->last_success);
        EXPECT_EQ(x->in_tried, y->in_tried);
        EXPECT_EQ(x->ref_count, y->ref_count);
        EXPECT_EQ(am.GetLocation(a.service), loaded.GetLocation(a.service));  // same key: same layout
    }
    EXPECT_TRUE(loaded.Find(v6.service).has_value());
    // The same bytes again (serialization is a pure function of the state).
    EXPECT_EQ(loaded.Serialize().size(), am.Serialize().size());

    // A different asmap re-buckets the new entries but keeps them.
    NetGroupManager asng(AsmapBits());
    AddrMan rebucketed(asng, false, clock.Fn());
    ASSERT_TRUE(ReadPeersFile(rebucketed, path, error, &corrupt));
    EXPECT_FALSE(corrupt);
    EXPECT_EQ(rebucketed.CheckConsistency(), 0);
    EXPECT_GT(rebucketed.Size(), 0u);
    EXPECT_LE(rebucketed.Size(), am.Size());

    // One flipped byte: the checksum fails, the file is moved aside, the table is empty.
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(100);
        char c;
        f.seekg(100);
        f.get(c);
        f.seekp(100);
        f.put(static_cast<char>(c ^ 0x20));
    }
    AddrMan fresh(ng, false, clock.Fn());
    fresh.Add({Addr("9.9.9.9", static_cast<uint32_t>(clock.now))}, Ip("9.9.9.9"));
    std::string why;
    std::vector<uint8_t> bytes(std::filesystem::file_size(path));
    {
        std::ifstream f(path, std::ios::binary);
        f.read(reinterpret_cast<char*>(bytes.data()), static_cast<long>(bytes.size()));
    }
    AddrMan probe(ng, false, clock.Fn());
    EXPECT_FALSE(probe.Deserialize(bytes, why));
    EXPECT_EQ(why, "checksum mismatch");
    ASSERT_TRUE(ReadPeersFile(fresh, path, error, &corrupt));
    EXPECT_TRUE(corrupt);
    EXPECT_EQ(fresh.Size(), 0u);
    EXPECT_FALSE(std::filesystem::exists(path));
    bool moved = false;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        moved |= e.path().filename().string().rfind("peers.dat.bak-", 0) == 0;
    }
    EXPECT_TRUE(moved);
    // Truncated and garbage inputs never crash.
    for (size_t n : {size_t{0}, size_t{5}, size_t{40}, bytes.size() / 2}) {
        AddrMan t(ng, false, clock.Fn());
        EXPECT_FALSE(t.Deserialize(std::span<const uint8_t>(bytes).first(n), why));
        EXPECT_EQ(t.Size(), 0u);
    }
    // A missing file is a fresh start, not an error.
    AddrMan none(ng, false, clock.Fn());
    EXPECT_TRUE(ReadPeersFile(none, dir / "absent.dat", error, &corrupt));
    EXPECT_FALSE(corrupt);
    std::filesystem::remove_all(dir);
}
