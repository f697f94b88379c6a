// Address classification for peer selection (Core's CNetAddr::IsRoutable/GetNetClass and NetGroupManager): which
// addresses are routable, the network class, the network group used to spread buckets and outbound connections
// (/16 for IPv4, /32 for IPv6, or the AS number when an asmap is loaded), and the asmap bytecode interpreter.
#pragma once

#include "net/protocol.h"
#include "util/uint256.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

/** Core's enum Network (getnodeaddresses "network", GetNetClass). */
enum class NetClass : uint8_t { UNROUTABLE = 0, IPV4 = 1, IPV6 = 2, ONION = 3, I2P = 4, CJDNS = 5, INTERNAL = 6 };

/** Core's CNetAddr::IsValid: not unspecified, not the IPv4 broadcast, not the RFC3849 documentation range. */
bool IsValidAddr(const NetAddr& addr);
/** Core's CNetAddr::IsRoutable: valid and outside the private, link-local, documentation and loopback ranges. */
bool IsRoutableAddr(const NetAddr& addr);
/** Core's GetNetClass: UNROUTABLE for unroutable addresses, IPV4 for IPv4 and IPv6 forms embedding IPv4. */
NetClass GetNetClass(const NetAddr& addr);
/** "ipv4", "ipv6", "onion", "i2p", "cjdns", "not_publicly_routable", "internal" (Core's GetNetworkName). */
std::string NetClassName(NetClass c);
/** Parses a getnodeaddresses network name; nullopt for unknown names. */
std::optional<NetClass> ParseNetClass(const std::string& name);

/** Core's asmap Interpret: the AS number of a 128-bit address (IPv4 as ::ffff:a.b.c.d), 0 when not mapped or when
 *  the map is malformed. asmap bits are read least significant bit of each byte first. */
uint32_t InterpretAsmap(const std::vector<bool>& asmap, const std::vector<bool>& ip);
/** Core's SanityCheckASMap over 128-bit inputs: every path ends in RETURN, no jump leaves the map. */
bool CheckAsmap(const std::vector<bool>& asmap);
/** Reads an asmap file into bits; nullopt (error set) when unreadable or failing the sanity check. */
std::optional<std::vector<bool>> LoadAsmap(const std::string& path, std::string& error);

class NetGroupManager
{
public:
    NetGroupManager() = default;
    explicit NetGroupManager(std::vector<bool> asmap);
    /** Core's GetGroup: the bytes that identify the address's network group. */
    std::vector<uint8_t> GetGroup(const NetAddr& addr) const;
    /** The AS number from the asmap (0 without one or for non-IP networks). */
    uint32_t GetMappedAS(const NetAddr& addr) const;
    bool UsingAsmap() const { return !m_asmap.empty(); }
    /** Hash256 of the asmap bytes (zero without asmap): peers.dat re-buckets when it changes. */
    const uint256& AsmapVersion() const { return m_version; }

private:
    std::vector<bool> m_asmap;
    uint256 m_version;
};
