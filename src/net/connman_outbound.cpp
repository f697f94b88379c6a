// Connman's automatic outbound connections (Core's ThreadOpenConnections, ProcessAddrFetch and
// ThreadDNSAddressSeed): full-relay and block-relay-only peers chosen from addrman in distinct network groups,
// feelers that test new addresses and tried-table collisions, -seednode addr-fetch connections, DNS seeds; and
// the inbound side's permissions (-whitelist/-whitebind) and eviction (Core's AttemptToEvictConnection).
#include "net/addrman.h"
#include "net/connman.h"
#include "crypto/siphash.h"
#include "util/logging.h"

#include <random>

namespace {
std::mt19937_64& Rng()
{
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    return rng;
}
/** Core's IsBadPort: ports of well-known services automatic connections avoid. */
bool IsBadPort(uint16_t port)
{
    static const std::set<uint16_t> BAD{1,    7,    9,    11,   13,   15,   17,   19,   20,   21,   22,   23,   25,
                                        37,   42,   43,   53,   69,   77,   79,   87,   95,   101,  102,  103,  104,
                                        109,  110,  111,  113,  115,  117,  119,  123,  135,  137,  139,  143,  161,
                                        179,  389,  427,  465,  512,  513,  514,  515,  526,  530,  531,  532,  540,
                                        548,  554,  556,  563,  587,  601,  636,  989,  990,  993,  995,  1719, 1720,
                                        1723, 2049, 3659, 4045, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669,
                                        6697, 10080};
    return BAD.count(port) > 0;
}
int64_t ExpDelayUs(int64_t mean_s)
{
    std::exponential_distribution<double> d(1.0 / static_cast<double>(mean_s * 1'000'000));
    return static_cast<int64_t>(d(Rng()));
}
/** Addr-fetch connections that never answer are closed after ten broadcast intervals (Core: 5 minutes). */
constexpr int64_t ADDR_FETCH_TIMEOUT_S = 5 * 60;
}  // namespace

void Connman::MaintainAutomaticOutbound()
{
    const int64_t now_us = SteadyMicros();
    // Addr-fetch peers that did not deliver in time.
    for (auto& [id, p] : m_peers) {
        if (!p->disconnect && p->conn_type == ConnectionType::ADDR_FETCH && m_now() - p->conn_time > ADDR_FETCH_TIMEOUT_S) {
            LogDebug("net", "addrfetch connection timeout; disconnecting peer=%lld\n", static_cast<long long>(id));
            Disconnect(*p, "addr-fetch timeout");
        }
    }
    if (!m_addrman || !m_opts.automatic_outbound || !m_opts.connect.empty()) return;
    if (now_us < m_next_auto_us) return;
    m_next_auto_us = now_us + 500'000;  // one new connection per half second, as Core's loop
    m_addrman->ResolveCollisions();

    std::erase_if(m_auto_pending, [&](const auto& kv) { return m_pending.count(kv.first) == 0; });
    int full = 0, block = 0;
    std::set<std::vector<uint8_t>> groups;
    std::set<Service> connected;
    for (auto& [id, p] : m_peers) {
        if (p->disconnect) continue;
        connected.insert(p->addr);
        if (p->conn_type == ConnectionType::OUTBOUND_FULL_RELAY) ++full;
        if (p->conn_type == ConnectionType::BLOCK_RELAY) ++block;
        if (!p->IsInbound() && !p->IsManual()) groups.insert(m_addrman->NetGroup().GetGroup(p->addr.addr));
    }
    for (const auto& [target, type] : m_auto_pending) {
        bool is_peer = false;
        for (auto& [id, p] : m_peers) is_peer |= !p->disconnect && p->addr_name == target;
        if (is_peer) continue;  // counted above
        if (type == ConnectionType::OUTBOUND_FULL_RELAY) ++full;
        if (type == ConnectionType::BLOCK_RELAY) ++block;
    }
    ConnectionType type;
    if (full < m_opts.max_outbound_full_relay) {
        type = ConnectionType::OUTBOUND_FULL_RELAY;
    } else if (block < m_opts.max_block_relay) {
        type = ConnectionType::BLOCK_RELAY;
    } else if (now_us > m_next_feeler_us) {
        m_next_feeler_us = now_us + ExpDelayUs(m_opts.feeler_interval_s);
        type = ConnectionType::FEELER;
    } else {
        return;
    }
    if (m_opts.max_connections <= 0) return;
    const bool feeler = type == ConnectionType::FEELER;
    const int64_t now = m_now();
    std::vector<std::string> added;
    {
        std::lock_guard lock(m_added_mutex);
        added = m_added_nodes;
    }
    std::optional<Address> chosen;
    for (int tries = 0; tries < 100; ++tries) {
        Address addr;
        int64_t last_try = 0;
        if (feeler) {
            // Test an old tried entry that a collision would evict, else a new-table address.
            std::tie(addr, last_try) = m_addrman->SelectTriedCollision();
            if (addr.service.port == 0) {
                std::tie(addr, last_try) = m_addrman->Select(true);
            } else if (connected.count(addr.service)) {
                m_addrman->Good(addr.service);
                std::tie(addr, last_try) = m_addrman->Select(true);
            }
        } else {
            std::tie(addr, last_try) = m_addrman->Select();
        }
        if (addr.service.port == 0 || !IsValidAddr(addr.service.addr) || addr.service.addr.IsLocal()) break;
        if (!feeler && groups.count(m_addrman->NetGroup().GetGroup(addr.service.addr))) continue;
        if (connected.count(addr.service) || m_pending.count(addr.service.ToString())) continue;
        if (now - last_try < 10 * 60 && tries < 30) continue;  // only very recent tries after 30 failures
        const bool wanted = feeler ? (addr.services & (NODE_NETWORK | NODE_NETWORK_LIMITED)) != 0
                                   : (addr.services & NODE_WITNESS) && (addr.services & (NODE_NETWORK | NODE_NETWORK_LIMITED));
        if (!wanted) continue;
        if (tries < 50 && IsBadPort(addr.service.port)) continue;
        if (std::find(added.begin(), added.end(), addr.service.ToString()) != added.end()) continue;
        chosen = addr;
        break;
    }
    if (!chosen) return;
    // Failures count only when we clearly are online (two outbound peers in different groups).
    const bool count_failures = groups.size() >= 2;
    m_addrman->Attempt(chosen->service, count_failures);
    const std::string target = chosen->service.ToString();
    LogDebug("net", "trying %s connection to %s\n", ConnectionTypeAsString(type).c_str(), target.c_str());
    m_auto_pending[target] = type;
    ConnectTo(target, type);
}

void Connman::StartSeeding()
{
    // -seednode: one addr-fetch connection each at startup.
    const std::vector<std::string> seeds = m_opts.seednodes;
    Post([this, seeds] {
        for (const std::string& s : seeds) {
            if (m_network_active) ConnectTo(s, ConnectionType::ADDR_FETCH);
        }
    });
    if (!m_opts.dns_seeds.empty() && m_addrman && m_opts.connect.empty()) {
        m_seed_stop = false;
        m_dns_thread = std::thread([this] { DnsSeedThread(); });
    }
}

void Connman::StopSeeding()
{
    {
        std::lock_guard lock(m_seed_mutex);
        m_seed_stop = true;
    }
    m_seed_cv.notify_all();
    if (m_dns_thread.joinable()) m_dns_thread.join();
}

void Connman::DnsSeedThread()
{
    // With addresses on file, give them 11 seconds first and skip the seeds when that worked.
    if (m_addrman->Size() > 0) {
        std::unique_lock lock(m_seed_mutex);
        if (m_seed_cv.wait_for(lock, std::chrono::seconds(11), [this] { return m_seed_stop; })) return;
        lock.unlock();
        int full = Call([this] {
            int n = 0;
            for (auto& [id, p] : m_peers) n += !p->disconnect && p->conn_type == ConnectionType::OUTBOUND_FULL_RELAY;
            return n;
        });
        if (full >= 2) {
            LogPrintf("P2P peers available. Skipped DNS seeding.\n");
            return;
        }
    }
    LogPrintf("Loading addresses from DNS seed\n");
    int found = 0;
    for (const std::string& seed : m_opts.dns_seeds) {
        {
            std::lock_guard lock(m_seed_mutex);
            if (m_seed_stop) return;
        }
        boost::asio::io_context io;
        boost::asio::ip::tcp::resolver resolver(io);
        boost::system::error_code ec;
        std::string host = seed;
        if (!host.empty() && host.back() == '.') host.pop_back();
        auto results = resolver.resolve(host, std::to_string(m_opts.default_port), ec);
        if (ec) continue;
        std::vector<Address> addrs;
        const int64_t now = m_now();
        for (const auto& r : results) {
            Address a;
            const auto ip = r.endpoint().address();
            if (ip.is_v4()) {
                a.service.addr = NetAddr::FromIPv4(ip.to_v4().to_bytes());
            } else {
                const auto b = ip.to_v6().to_bytes();
                std::array<uint8_t, 16> raw;
                std::copy(b.begin(), b.end(), raw.begin());
                a.service.addr = NetAddr::FromV1Bytes(raw);
            }
            a.service.port = m_opts.default_port;
            a.services = NODE_NETWORK | NODE_WITNESS;
            // Seen three to seven days ago, as Core dates seed results.
            a.time = static_cast<uint32_t>(now - 3 * 24 * 60 * 60 - static_cast<int64_t>(Rng()() % (4 * 24 * 60 * 60)));
            addrs.push_back(a);
        }
        if (addrs.empty()) continue;
        // The source is the seed itself: its name hashed into Core's internal range (fd6b:88c0:8724::/48).
        NetAddr source;
        source.network = NetworkId::IPV6;
        source.bytes = {0xfd, 0x6b, 0x88, 0xc0, 0x87, 0x24};
        const uint64_t h = std::hash<std::string>{}(host);
        for (int i = 0; i < 10; ++i) source.bytes.push_back(static_cast<uint8_t>(h >> (8 * (i % 8))));
        found += static_cast<int>(addrs.size());
        m_addrman->Add(addrs, source);
    }
    LogPrintf("%d addresses found from DNS seeds\n", found);
}

// ---- inbound permissions and eviction ----------------------------------------------------------------------

uint32_t Connman::InboundPermissions(const boost::asio::ip::tcp::acceptor& acceptor, const Service& addr) const
{
    uint32_t flags = PF_NONE;
    if (auto it = m_acceptor_permissions.find(&acceptor); it != m_acceptor_permissions.end()) flags |= it->second;
    for (const WhitelistEntry& w : m_opts.whitelist) {
        if (w.subnet.Match(addr.addr)) flags |= w.flags;
    }
    return ResolveImplicitPermissions(flags, m_opts.whitelist_relay, m_opts.whitelist_forcerelay);
}

bool Connman::AttemptToEvictConnection()
{
    if (m_netgroup_k0 == 0 && m_netgroup_k1 == 0) {
        m_netgroup_k0 = Rng()();
        m_netgroup_k1 = Rng()() | 1;
    }
    static const NetGroupManager plain;
    const NetGroupManager& ng = m_addrman ? m_addrman->NetGroup() : plain;
    std::vector<EvictionCandidate> candidates;
    for (auto& [id, p] : m_peers) {
        if (p->disconnect || !p->IsInbound() || HasPermission(p->permissions, PF_NOBAN)) continue;
        EvictionCandidate c;
        c.id = id;
        c.connected = p->conn_time;
        c.min_ping_us = p->min_ping_us < 0 ? INT64_MAX : p->min_ping_us;
        c.last_block_time = p->last_block_time;
        c.last_tx_time = p->last_tx_time;
        c.relevant_services = (p->services & NODE_NETWORK) && (p->services & NODE_WITNESS);
        c.relay_txs = p->relay_txs;
        c.bloom_filter = false;  // BIP37 filters are not supported
        const auto group = ng.GetGroup(p->addr.addr);
        c.keyed_net_group = SipHasher(m_netgroup_k0, m_netgroup_k1).Write(group).Finalize();
        c.prefer_evict = p->prefer_evict;
        c.is_local = p->addr.addr.IsLocal();
        c.network = GetNetClass(p->addr.addr);
        c.noban = false;
        candidates.push_back(c);
    }
    const auto victim = SelectNodeToEvict(std::move(candidates));
    if (!victim) return false;
    Peer* p = FindPeer(*victim);
    if (!p) return false;
    LogDebug("net", "selected %s connection for eviction peer=%lld; disconnecting\n",
             ConnectionTypeAsString(p->conn_type).c_str(), static_cast<long long>(*victim));
    Disconnect(*p, "evicted");
    return true;
}
