// Address relay: getaddr answers, addr intake with rate limiting, relay and self-advertisement (see addr_relay.h).
#include "net/addr_relay.h"

#include "crypto/siphash.h"
#include "util/logging.h"

#include <openssl/rand.h>

#include <algorithm>
#include <random>

namespace {
std::mt19937_64& Rng()
{
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    return rng;
}
int64_t ExpDelayUs(int64_t mean_us)
{
    std::exponential_distribution<double> d(1.0 / static_cast<double>(mean_us));
    return static_cast<int64_t>(d(Rng()));
}
bool IsAddrCompatible(const Peer& peer, const Address& a)
{
    return peer.wants_addrv2 || a.service.addr.IsIPv4() || a.service.addr.IsIPv6();
}
std::vector<uint8_t> AddrKey(const Address& a)
{
    std::vector<uint8_t> k(a.service.addr.bytes);
    k.push_back(static_cast<uint8_t>(a.service.addr.network));
    k.push_back(static_cast<uint8_t>(a.service.port >> 8));
    k.push_back(static_cast<uint8_t>(a.service.port));
    return k;
}
/** Core's m_addr_known is a rolling bloom filter of 5000 entries; a capped set that restarts when full. */
constexpr size_t ADDR_KNOWN_MAX = 5000;
void Remember(std::set<std::vector<uint8_t>>& known, std::vector<uint8_t> key)
{
    if (known.size() >= ADDR_KNOWN_MAX) known.clear();
    known.insert(std::move(key));
}
bool DesirableServices(uint64_t services)
{
    // Core: MayHaveUsefulAddressDB or HasAllDesirableServiceFlags; both need a full (or limited) node.
    return (services & (NODE_NETWORK | NODE_NETWORK_LIMITED)) != 0;
}
}  // namespace

AddrRelay::AddrRelay(Connman& connman, AddrMan& addrman, BanMan& banman, std::function<int64_t()> now,
                     std::function<bool()> in_ibd)
    : m_connman(connman), m_addrman(addrman), m_banman(banman), m_now(std::move(now)), m_in_ibd(std::move(in_ibd))
{
    RAND_bytes(reinterpret_cast<uint8_t*>(&m_k0), sizeof(m_k0));
    RAND_bytes(reinterpret_cast<uint8_t*>(&m_k1), sizeof(m_k1));
}

AddrRelay::State& AddrRelay::Get(const Peer& peer)
{
    auto [it, inserted] = m_state.try_emplace(peer.id);
    if (inserted) it->second.token_timestamp_us = NowUs();
    return it->second;
}

bool AddrRelay::SetupRelay(Peer& peer)
{
    // Block-relay-only connections never take part in address relay (they must not be identifiable by it).
    if (peer.conn_type == ConnectionType::BLOCK_RELAY) return false;
    Get(peer).relay_enabled = true;
    return true;
}

void AddrRelay::OnVersion(Peer& peer, const Address& addr_me, uint64_t our_services)
{
    State& s = Get(peer);
    if (IsRoutableAddr(addr_me.service.addr)) s.addr_local = addr_me.service;
    if (peer.conn_type == ConnectionType::BLOCK_RELAY) peer.relay_txs = false;  // we asked for no tx relay
    if (!peer.IsInbound() && SetupRelay(peer)) {
        // Tell an outbound peer how to reach us, then ask it once for addresses.
        if (m_connman.IsListening() && !m_in_ibd() && s.addr_local) {
            Address self;
            self.service = Service{s.addr_local->addr, m_connman.Options().port};
            self.services = our_services;
            self.time = static_cast<uint32_t>(m_now());
            LogDebug("net", "ProcessMessages: advertising address %s\n", self.service.ToString().c_str());
            PushAddress(s, self, peer.wants_addrv2);
        }
        m_connman.PushMessage(peer, msg::GETADDR, {});
        s.getaddr_sent = true;
        // The answer may hold MAX_ADDR_TO_SEND addresses beyond the rate limit.
        s.token_bucket += MAX_ADDR_TO_SEND;
    }
    if (!peer.IsInbound()) {
        // The connection worked: move it to tried (no-op for addresses addrman does not know).
        m_addrman.Good(peer.addr);
    }
    if (peer.conn_type == ConnectionType::FEELER) {
        LogDebug("net", "feeler connection completed peer=%lld; disconnecting\n", static_cast<long long>(peer.id));
        m_connman.Disconnect(peer, "feeler connection completed");
    }
}

void AddrRelay::OnAddr(Peer& peer, std::vector<Address> addrs)
{
    if (!SetupRelay(peer)) {
        LogDebug("net", "ignoring addr message from block-relay-only peer=%lld\n", static_cast<long long>(peer.id));
        return;
    }
    State& s = Get(peer);
    const int64_t now = m_now();
    const int64_t now_us = NowUs();
    // Refill the token bucket at MAX_ADDR_RATE_PER_SECOND, up to its cap.
    if (s.token_bucket < MAX_ADDR_PROCESSING_TOKEN_BUCKET) {
        const double elapsed = static_cast<double>(std::max<int64_t>(now_us - s.token_timestamp_us, 0)) / 1e6;
        s.token_bucket = std::min(s.token_bucket + elapsed * MAX_ADDR_RATE_PER_SECOND, MAX_ADDR_PROCESSING_TOKEN_BUCKET);
    }
    s.token_timestamp_us = now_us;
    std::shuffle(addrs.begin(), addrs.end(), Rng());
    std::vector<Address> ok;
    uint64_t processed = 0, limited = 0;
    for (Address& a : addrs) {
        if (s.token_bucket < 1.0) {
            if (!HasPermission(peer.permissions, PF_ADDR)) {  // addr permission: not rate limited
                ++limited;
                continue;
            }
        } else {
            s.token_bucket -= 1.0;
        }
        if (!DesirableServices(a.services)) continue;
        // Times before 1973 or more than 10 minutes ahead become five days ago.
        if (a.time <= 100000000 || int64_t{a.time} > now + 10 * 60) a.time = static_cast<uint32_t>(now - 5 * 24 * 60 * 60);
        Remember(s.known, AddrKey(a));
        if (m_banman.IsDiscouraged(a.service.addr) || m_banman.IsBanned(a.service.addr, now)) continue;
        ++processed;
        // Fresh addresses of small unsolicited messages are passed on.
        if (int64_t{a.time} > now - 10 * 60 && !s.getaddr_sent && addrs.size() <= 10 && IsRoutableAddr(a.service.addr)) {
            RelayAddress(peer.id, a);
        }
        ok.push_back(a);
    }
    s.processed += processed;
    s.rate_limited += limited;
    peer.addr_processed += processed;
    LogDebug("net", "Received addr: %zu addresses (%llu processed, %llu rate-limited) from peer=%lld\n", addrs.size(),
             static_cast<unsigned long long>(processed), static_cast<unsigned long long>(limited),
             static_cast<long long>(peer.id));
    m_addrman.Add(ok, peer.addr.addr, 2 * 60 * 60);
    if (addrs.size() < MAX_ADDR_TO_SEND) s.getaddr_sent = false;
    // An addr-fetch connection has done its job once it got more than a self-announcement.
    if (peer.conn_type == ConnectionType::ADDR_FETCH && addrs.size() > 1) {
        LogDebug("net", "addrfetch connection to peer=%lld completed\n", static_cast<long long>(peer.id));
        m_connman.Disconnect(peer, "addr-fetch completed");
    }
}

void AddrRelay::OnGetAddr(Peer& peer)
{
    // Only inbound peers are answered: answering outbound ones would let them fingerprint us.
    if (!peer.IsInbound()) {
        LogDebug("net", "Ignoring \"getaddr\" from %s connection. peer=%lld\n",
                 ConnectionTypeAsString(peer.conn_type).c_str(), static_cast<long long>(peer.id));
        return;
    }
    SetupRelay(peer);
    State& s = Get(peer);
    if (s.getaddr_recvd) {
        LogDebug("net", "Ignoring repeated \"getaddr\". peer=%lld\n", static_cast<long long>(peer.id));
        return;
    }
    s.getaddr_recvd = true;
    s.to_send.clear();
    std::vector<Address> addrs;
    if (HasPermission(peer.permissions, PF_ADDR)) {
        // Trusted peers get a fresh sample, not the cached one.
        const int64_t now = m_now();
        addrs = m_addrman.GetAddr(MAX_ADDR_TO_SEND, MAX_PCT_ADDR_TO_SEND, std::nullopt);
        std::erase_if(addrs, [&](const Address& a) {
            return m_banman.IsDiscouraged(a.service.addr) || m_banman.IsBanned(a.service.addr, now);
        });
    } else {
        addrs = CachedAddresses(peer);
    }
    for (const Address& a : addrs) PushAddress(s, a, peer.wants_addrv2);
}

std::vector<Address> AddrRelay::CachedAddresses(const Peer& peer)
{
    // Core caches the answer per requestor network and local socket for 21-27 hours, so repeated getaddr from
    // new connections cannot map the whole table.
    const auto key = std::make_pair(static_cast<uint8_t>(GetNetClass(peer.addr.addr)), peer.addr_bind);
    const int64_t now = m_now();
    Cache& c = m_getaddr_cache[key];
    if (c.expires < now) {
        c.addrs = m_addrman.GetAddr(MAX_ADDR_TO_SEND, MAX_PCT_ADDR_TO_SEND, std::nullopt);
        std::erase_if(c.addrs, [&](const Address& a) {
            return m_banman.IsDiscouraged(a.service.addr) || m_banman.IsBanned(a.service.addr, now);
        });
        c.expires = now + 21 * 60 * 60 + static_cast<int64_t>(Rng()() % (6 * 60 * 60));
    }
    return c.addrs;
}

void AddrRelay::PushAddress(State& s, const Address& a, bool wants_v2)
{
    if (!wants_v2 && !a.service.addr.IsIPv4() && !a.service.addr.IsIPv6()) return;
    if (s.known.count(AddrKey(a))) return;
    if (s.to_send.size() >= MAX_ADDR_TO_SEND) {
        s.to_send[Rng()() % s.to_send.size()] = a;  // full: replace a random one
    } else {
        s.to_send.push_back(a);
    }
}

void AddrRelay::RelayAddress(int64_t from, const Address& a)
{
    // The same two peers get a given address for a day, so repeating it to us does not spread it further.
    const auto key = AddrKey(a);
    const uint64_t hash_addr = SipHasher(0, 0).Write(key).Finalize();
    const uint64_t time_addr = (static_cast<uint64_t>(m_now()) + hash_addr) / ROTATE_ADDR_RELAY_DEST_INTERVAL;
    SipHasher hasher(m_k0, m_k1);
    hasher.Write(hash_addr).Write(time_addr);
    std::array<std::pair<uint64_t, Peer*>, 2> best{{{0, nullptr}, {0, nullptr}}};
    constexpr size_t relay_nodes = 2;  // every address we store is reachable: two peers
    m_connman.ForEachPeer([&](Peer& p) {
        if (p.id == from || !IsAddrCompatible(p, a)) return;
        auto it = m_state.find(p.id);
        if (it == m_state.end() || !it->second.relay_enabled) return;
        const uint64_t h = SipHasher(hasher).Write(static_cast<uint64_t>(p.id)).Finalize();
        for (size_t i = 0; i < relay_nodes; ++i) {
            if (h > best[i].first) {
                std::copy(best.begin() + static_cast<long>(i), best.begin() + static_cast<long>(relay_nodes) - 1,
                          best.begin() + static_cast<long>(i) + 1);
                best[i] = {h, &p};
                break;
            }
        }
    });
    for (size_t i = 0; i < relay_nodes && best[i].second; ++i) {
        PushAddress(m_state[best[i].second->id], a, best[i].second->wants_addrv2);
    }
}

void AddrRelay::SendAddrs(Peer& peer, uint64_t our_services)
{
    auto it = m_state.find(peer.id);
    if (it == m_state.end() || !it->second.relay_enabled || !peer.successfully_connected) return;
    State& s = it->second;
    const int64_t now_us = NowUs();
    // Re-advertise ourselves about once a day.
    if (m_connman.IsListening() && !m_in_ibd() && s.next_local_send_us < now_us) {
        if (s.next_local_send_us != 0) s.known.clear();
        if (s.addr_local) {
            Address self;
            self.service = Service{s.addr_local->addr, m_connman.Options().port};
            self.services = our_services;
            self.time = static_cast<uint32_t>(m_now());
            PushAddress(s, self, peer.wants_addrv2);
        }
        s.next_local_send_us = now_us + ExpDelayUs(AVG_LOCAL_ADDRESS_BROADCAST_INTERVAL_US);
    }
    if (now_us <= s.next_addr_send_us) return;
    s.next_addr_send_us = now_us + ExpDelayUs(AVG_ADDRESS_BROADCAST_INTERVAL_US);
    std::erase_if(s.to_send, [&](const Address& a) {
        auto k = AddrKey(a);
        if (s.known.count(k)) return true;
        Remember(s.known, std::move(k));
        return false;
    });
    if (s.to_send.empty()) return;
    m_connman.PushMessage(peer, peer.wants_addrv2 ? msg::ADDRV2 : msg::ADDR,
                          SerializeAddrMessage(s.to_send, peer.wants_addrv2));
    s.to_send.clear();
    s.to_send.shrink_to_fit();
}

void AddrRelay::OnDisconnect(Peer& peer)
{
    // Only full outbound peers change what addrman shows (block-relay-only ones must stay invisible).
    if (peer.successfully_connected && !peer.IsInbound() && peer.conn_type != ConnectionType::BLOCK_RELAY) {
        m_addrman.Connected(peer.addr);
    }
    m_state.erase(peer.id);
}

std::pair<uint64_t, uint64_t> AddrRelay::Stats(int64_t peer_id) const
{
    auto it = m_state.find(peer_id);
    if (it == m_state.end()) return {0, 0};
    return {it->second.processed, it->second.rate_limited};
}

bool AddrRelay::RelayEnabled(int64_t peer_id) const
{
    auto it = m_state.find(peer_id);
    return it != m_state.end() && it->second.relay_enabled;
}
