// Inbound eviction (Core's SelectNodeToEvict) and connection permissions (Core's NetPermissionFlags, -whitelist,
// -whitebind). When every inbound slot is taken, a new inbound connection may replace the peer that is least
// useful and easiest for an attacker to have placed: peers that are diverse, fast, useful (recent transactions or
// blocks) or long-lived are protected first, and the victim comes from the network group with most connections.
#pragma once

#include "net/banman.h"
#include "net/netgroup.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

/** Core's NetPermissionFlags bit values. */
enum NetPermissionFlags : uint32_t {
    PF_NONE = 0,
    PF_BLOOMFILTER = 1u << 1,
    PF_RELAY = 1u << 3,
    PF_FORCERELAY = (1u << 2) | PF_RELAY,
    PF_DOWNLOAD = 1u << 6,
    PF_NOBAN = (1u << 4) | PF_DOWNLOAD,
    PF_MEMPOOL = 1u << 5,
    PF_ADDR = 1u << 7,
    PF_IMPLICIT = 1u << 31,
    PF_ALL = PF_BLOOMFILTER | PF_FORCERELAY | PF_RELAY | PF_NOBAN | PF_MEMPOOL | PF_DOWNLOAD | PF_ADDR,
};
inline bool HasPermission(uint32_t flags, uint32_t f) { return (flags & f) == f; }
/** getpeerinfo "permissions": bloomfilter, noban, forcerelay, relay, mempool, download, addr (in that order). */
std::vector<std::string> PermissionsToStrings(uint32_t flags);

/** A -whitelist entry ([permissions@]subnet) or -whitebind entry ([permissions@]addr:port). */
struct WhitelistEntry {
    uint32_t flags{PF_NONE};
    SubNet subnet;
};
struct WhitebindEntry {
    uint32_t flags{PF_NONE};
    Service service;
};
/** Splits "perm,perm@rest"; without '@' the flags are implicit (PF_IMPLICIT). False with error set (Core's text)
 *  on an unknown permission. */
bool ParsePermissions(const std::string& text, uint32_t& flags, std::string& rest, std::string& error);
std::optional<WhitelistEntry> ParseWhitelist(const std::string& text, std::string& error);
std::optional<WhitebindEntry> ParseWhitebind(const std::string& text, std::string& error);
/** Implicit flags become Core's defaults: noban, mempool, relay (-whitelistrelay), forcerelay
 *  (-whitelistforcerelay). */
uint32_t ResolveImplicitPermissions(uint32_t flags, bool whitelist_relay, bool whitelist_forcerelay);

/** What eviction knows of one inbound peer (Core's NodeEvictionCandidate); times in seconds/microseconds. */
struct EvictionCandidate {
    int64_t id{0};
    int64_t connected{0};       // connection time
    int64_t min_ping_us{INT64_MAX};
    int64_t last_block_time{0};
    int64_t last_tx_time{0};
    bool relevant_services{false};
    bool relay_txs{false};
    bool bloom_filter{false};
    uint64_t keyed_net_group{0};
    bool prefer_evict{false};
    bool is_local{false};
    NetClass network{NetClass::IPV4};
    bool noban{false};
};
/** Core's SelectNodeToEvict: the id to disconnect, or nullopt when every candidate is protected. */
std::optional<int64_t> SelectNodeToEvict(std::vector<EvictionCandidate> candidates);
/** Core's ProtectEvictionCandidatesByRatio: removes (protects) half the candidates, up to a quarter of them
 *  reserved for local, onion, I2P and CJDNS peers, the rest by uptime. */
void ProtectEvictionCandidatesByRatio(std::vector<EvictionCandidate>& candidates);
