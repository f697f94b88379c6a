// Inbound eviction and connection permissions (see eviction.h).
#include "net/eviction.h"

#include <algorithm>
#include <array>
#include <map>

namespace {
using C = EvictionCandidate;

bool ReverseMinPing(const C& a, const C& b) { return a.min_ping_us > b.min_ping_us; }
bool ReverseTimeConnected(const C& a, const C& b) { return a.connected > b.connected; }
bool NetGroupKeyed(const C& a, const C& b) { return a.keyed_net_group < b.keyed_net_group; }
bool BlockTime(const C& a, const C& b)
{
    // Most recent block senders sort last (protected); ties favour relevant services, then the older connection.
    if (a.last_block_time != b.last_block_time) return a.last_block_time < b.last_block_time;
    if (a.relevant_services != b.relevant_services) return b.relevant_services;
    return a.connected > b.connected;
}
bool TxTime(const C& a, const C& b)
{
    if (a.last_tx_time != b.last_tx_time) return a.last_tx_time < b.last_tx_time;
    if (a.relay_txs != b.relay_txs) return b.relay_txs;
    if (a.bloom_filter != b.bloom_filter) return a.bloom_filter;
    return a.connected > b.connected;
}
bool BlockRelayOnlyTime(const C& a, const C& b)
{
    if (a.relay_txs != b.relay_txs) return a.relay_txs;
    if (a.last_block_time != b.last_block_time) return a.last_block_time < b.last_block_time;
    if (a.relevant_services != b.relevant_services) return b.relevant_services;
    return a.connected > b.connected;
}

/** Sorts by comp and removes (protects) those of the last k that match pred. */
template <typename Comp, typename Pred>
void EraseLastKElements(std::vector<C>& v, Comp comp, size_t k, Pred pred)
{
    std::sort(v.begin(), v.end(), comp);
    const size_t n = std::min(k, v.size());
    v.erase(std::remove_if(v.end() - static_cast<long>(n), v.end(), pred), v.end());
}
template <typename Comp>
void EraseLastKElements(std::vector<C>& v, Comp comp, size_t k)
{
    EraseLastKElements(v, comp, k, [](const C&) { return true; });
}
}  // namespace

std::vector<std::string> PermissionsToStrings(uint32_t flags)
{
    std::vector<std::string> out;
    if (HasPermission(flags, PF_BLOOMFILTER)) out.emplace_back("bloomfilter");
    if (HasPermission(flags, PF_NOBAN)) out.emplace_back("noban");
    if (HasPermission(flags, PF_FORCERELAY)) out.emplace_back("forcerelay");
    if (HasPermission(flags, PF_RELAY)) out.emplace_back("relay");
    if (HasPermission(flags, PF_MEMPOOL)) out.emplace_back("mempool");
    if (HasPermission(flags, PF_DOWNLOAD)) out.emplace_back("download");
    if (HasPermission(flags, PF_ADDR)) out.emplace_back("addr");
    return out;
}

bool ParsePermissions(const std::string& text, uint32_t& flags, std::string& rest, std::string& error)
{
    flags = PF_NONE;
    const size_t at = text.find('@');
    if (at == std::string::npos) {
        flags = PF_IMPLICIT;
        rest = text;
        return true;
    }
    const std::string list = text.substr(0, at);
    rest = text.substr(at + 1);
    size_t start = 0;
    while (start <= list.size()) {
        size_t comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        const std::string p = list.substr(start, comma - start);
        start = comma + 1;
        if (p == "bloomfilter" || p == "bloom") {
            flags |= PF_BLOOMFILTER;
        } else if (p == "noban") {
            flags |= PF_NOBAN;
        } else if (p == "forcerelay") {
            flags |= PF_FORCERELAY;
        } else if (p == "mempool") {
            flags |= PF_MEMPOOL;
        } else if (p == "download") {
            flags |= PF_DOWNLOAD;
        } else if (p == "all") {
            flags |= PF_ALL;
        } else if (p == "relay") {
            flags |= PF_RELAY;
        } else if (p == "addr") {
            flags |= PF_ADDR;
        } else if (p.empty()) {
            // Core allows empty entries ("noban,@1.2.3.4")
        } else {
            error = "Invalid P2P permission: '" + p + "'";
            return false;
        }
    }
    return true;
}

std::optional<WhitelistEntry> ParseWhitelist(const std::string& text, std::string& error)
{
    WhitelistEntry e;
    std::string rest;
    if (!ParsePermissions(text, e.flags, rest, error)) return std::nullopt;
    auto subnet = SubNet::Parse(rest);
    if (!subnet) {
        error = "Invalid netmask specified in -whitelist: '" + rest + "'";
        return std::nullopt;
    }
    e.subnet = *subnet;
    return e;
}

std::optional<WhitebindEntry> ParseWhitebind(const std::string& text, std::string& error)
{
    WhitebindEntry e;
    std::string rest;
    if (!ParsePermissions(text, e.flags, rest, error)) return std::nullopt;
    const size_t colon = rest.rfind(':');
    const bool bracketed = !rest.empty() && rest[0] == '[';
    std::string host = rest, port;
    if (colon != std::string::npos && (bracketed ? colon > rest.find(']') : rest.find(':') == colon)) {
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
    }
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    auto addr = NetAddr::Parse(host);
    if (!addr) {
        error = "Cannot resolve -whitebind address: '" + rest + "'";
        return std::nullopt;
    }
    if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
        std::stoi(port) == 0 || std::stoi(port) > 65535) {
        error = "Need to specify a port with -whitebind: '" + rest + "'";
        return std::nullopt;
    }
    e.service = Service{*addr, static_cast<uint16_t>(std::stoi(port))};
    return e;
}

uint32_t ResolveImplicitPermissions(uint32_t flags, bool whitelist_relay, bool whitelist_forcerelay)
{
    if (!HasPermission(flags, PF_IMPLICIT)) return flags;
    flags &= ~PF_IMPLICIT;
    if (whitelist_forcerelay) flags |= PF_FORCERELAY;
    if (whitelist_relay) flags |= PF_RELAY;
    flags |= PF_MEMPOOL | PF_NOBAN;
    return flags;
}

void ProtectEvictionCandidatesByRatio(std::vector<C>& candidates)
{
    const size_t initial = candidates.size();
    const size_t total_protect = initial / 2;
    struct Net {
        bool is_local;
        std::optional<NetClass> id;
        size_t count;
    };
    // Disadvantaged networks (higher latency): with equal counts, earlier entries recover unused slots first.
    std::array<Net, 4> nets{{{false, NetClass::CJDNS, 0}, {false, NetClass::I2P, 0}, {true, std::nullopt, 0},
                             {false, NetClass::ONION, 0}}};
    auto member = [](const Net& n, const C& c) { return n.is_local ? c.is_local : c.network == n.id; };
    for (Net& n : nets) n.count = static_cast<size_t>(std::count_if(candidates.begin(), candidates.end(), [&](const C& c) { return member(n, c); }));
    std::stable_sort(nets.begin(), nets.end(), [](const Net& a, const Net& b) { return a.count < b.count; });
    const size_t max_by_network = total_protect / 2;
    size_t protected_count = 0;
    while (protected_count < max_by_network) {
        const auto num_nets = static_cast<size_t>(std::count_if(nets.begin(), nets.end(), [](const Net& n) { return n.count > 0; }));
        if (num_nets == 0) break;
        const size_t per_net = std::max((max_by_network - protected_count) / num_nets, size_t{1});
        bool any = false;
        for (Net& n : nets) {
            if (n.count == 0) continue;
            const size_t before = candidates.size();
            auto comp = [&n](const C& a, const C& b) {
                if (n.is_local && a.is_local != b.is_local) return b.is_local;
                if ((a.network == n.id) != (b.network == n.id)) return b.network == n.id;
                return a.connected > b.connected;
            };
            EraseLastKElements(candidates, comp, per_net, [&](const C& c) { return member(n, c); });
            const size_t delta = before - candidates.size();
            if (delta > 0) {
                any = true;
                protected_count += delta;
                if (protected_count >= max_by_network) break;
                n.count -= delta;
            }
        }
        if (!any) break;
    }
    EraseLastKElements(candidates, ReverseTimeConnected, total_protect - protected_count);
}

std::optional<int64_t> SelectNodeToEvict(std::vector<C> v)
{
    // Protect 4 peers by keyed network group (an attacker cannot predict which), 8 by lowest ping, 4 that last sent
    // us new transactions, up to 8 block-relay-only peers and 4 others that last sent us new blocks.
    EraseLastKElements(v, NetGroupKeyed, 4);
    EraseLastKElements(v, ReverseMinPing, 8);
    EraseLastKElements(v, TxTime, 4);
    EraseLastKElements(v, BlockRelayOnlyTime, 8, [](const C& n) { return !n.relay_txs && n.relevant_services; });
    EraseLastKElements(v, BlockTime, 4);
    ProtectEvictionCandidatesByRatio(v);
    if (v.empty()) return std::nullopt;
    // Peers marked for eviction (accepted although discouraged) go first.
    if (std::any_of(v.begin(), v.end(), [](const C& n) { return n.prefer_evict; })) {
        std::erase_if(v, [](const C& n) { return !n.prefer_evict; });
    }
    // The group with most connections (ties: the one whose youngest member is youngest); v is ordered youngest
    // first by the uptime protection above.
    uint64_t most_group = 0;
    size_t most = 0;
    int64_t most_time = 0;
    std::map<uint64_t, std::vector<C>> groups;
    for (const C& n : v) {
        auto& g = groups[n.keyed_net_group];
        g.push_back(n);
        const int64_t group_time = g[0].connected;
        if (g.size() > most || (g.size() == most && group_time > most_time)) {
            most = g.size();
            most_time = group_time;
            most_group = n.keyed_net_group;
        }
    }
    return groups[most_group].front().id;
}
