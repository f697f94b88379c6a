// The ban list (setban/listbanned/clearbanned) and the set of discouraged addresses (misbehaving peers), as
// Core's BanMan: manual bans by subnet with an expiry, discouragement per address until restart.
#pragma once

#include "net/protocol.h"

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

/** An address range: a network address and a prefix length (Core's CSubNet). */
struct SubNet {
    NetAddr network;
    int prefix{0};  // bits

    /** "1.2.3.4", "1.2.3.0/24", "1.2.3.0/255.255.255.0", "::1", "2001:db8::/32". */
    static std::optional<SubNet> Parse(const std::string& text);
    static SubNet Single(const NetAddr& addr);
    bool Match(const NetAddr& addr) const;
    /** "1.2.3.4/32", "1.2.3.0/24", "::1/128" as Core prints subnets. */
    std::string ToString() const;
    friend auto operator<=>(const SubNet&, const SubNet&) = default;
    friend bool operator==(const SubNet&, const SubNet&) = default;
};

struct BanEntry {
    int64_t create_time{0};
    int64_t ban_until{0};
};

/** Core's DEFAULT_MISBEHAVING_BANTIME: 24 hours. */
constexpr int64_t DEFAULT_MISBEHAVING_BANTIME = 60 * 60 * 24;

/** Thread-safe: RPC threads edit it, the network thread checks it. */
class BanMan
{
public:
    /** False when the subnet is already banned. */
    bool Ban(const SubNet& subnet, int64_t ban_until, int64_t now);
    /** False when it was not banned. */
    bool Unban(const SubNet& subnet);
    void ClearBanned();
    bool IsBanned(const NetAddr& addr, int64_t now) const;
    bool IsBannedSubnet(const SubNet& subnet, int64_t now) const;
    void Discourage(const NetAddr& addr);
    bool IsDiscouraged(const NetAddr& addr) const;
    void ClearDiscouraged();
    /** Current bans; expired ones are swept first. */
    std::map<SubNet, BanEntry> GetBanned(int64_t now);

    // Persistence (banlist.cpp): Core's banlist.json, rewritten atomically after every change.
    /** Loads bans from path (missing or corrupt file: none, as Core; expired entries dropped) and stores there
     *  from now on. The error parameter is reserved for I/O failures. */
    bool LoadBanList(const std::filesystem::path& path, int64_t now, std::string& error);
    /** Writes the current bans to the file given to LoadBanList (no-op without one). */
    bool DumpBanList(std::string& error) const;

private:
    void DumpAfterChange() const;
    std::filesystem::path m_banlist_path;
    mutable std::mutex m_mutex;
    std::map<SubNet, BanEntry> m_banned;
    std::set<NetAddr> m_discouraged;
};
