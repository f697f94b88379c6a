// Ban list and discouragement (see banman.h).
#include "net/banman.h"

#include <algorithm>
#include <cstring>

namespace {
size_t AddrBits(const NetAddr& a) { return a.bytes.size() * 8; }

/** Netmask given as an address ("255.255.255.0") to a prefix length; nullopt when not contiguous. */
std::optional<int> MaskToPrefix(const NetAddr& mask)
{
    int bits = 0;
    bool ended = false;
    for (uint8_t b : mask.bytes) {
        for (int i = 7; i >= 0; --i) {
            const bool set = (b >> i) & 1;
            if (set && ended) return std::nullopt;
            if (set) ++bits; else ended = true;
        }
    }
    return bits;
}
}  // namespace

std::optional<SubNet> SubNet::Parse(const std::string& text)
{
    const size_t slash = text.find('/');
    auto addr = NetAddr::Parse(text.substr(0, slash));
    if (!addr) return std::nullopt;
    SubNet out;
    out.network = *addr;
    out.prefix = static_cast<int>(AddrBits(*addr));
    if (slash != std::string::npos) {
        const std::string rest = text.substr(slash + 1);
        if (rest.empty()) return std::nullopt;
        if (rest.find_first_not_of("0123456789") == std::string::npos && rest.size() <= 3) {
            const int n = std::stoi(rest);
            if (n > out.prefix) return std::nullopt;
            out.prefix = n;
        } else {
            auto mask = NetAddr::Parse(rest);
            if (!mask || mask->network != addr->network) return std::nullopt;
            auto n = MaskToPrefix(*mask);
            if (!n) return std::nullopt;
            out.prefix = *n;
        }
    }
    // Normalise: clear the host bits so equal ranges compare equal.
    for (size_t i = 0; i < out.network.bytes.size(); ++i) {
        const int keep = std::clamp(out.prefix - static_cast<int>(i * 8), 0, 8);
        out.network.bytes[i] &= static_cast<uint8_t>(0xff00 >> keep);
    }
    return out;
}

SubNet SubNet::Single(const NetAddr& addr)
{
    SubNet s;
    s.network = addr;
    s.prefix = static_cast<int>(AddrBits(addr));
    return s;
}

bool SubNet::Match(const NetAddr& addr) const
{
    if (addr.network != network.network || addr.bytes.size() != network.bytes.size()) return false;
    for (size_t i = 0; i < addr.bytes.size(); ++i) {
        const int keep = std::clamp(prefix - static_cast<int>(i * 8), 0, 8);
        const uint8_t mask = static_cast<uint8_t>(0xff00 >> keep);
        if ((addr.bytes[i] & mask) != network.bytes[i]) return false;
    }
    return true;
}

std::string SubNet::ToString() const { return network.ToString() + "/" + std::to_string(prefix); }

bool BanMan::Ban(const SubNet& subnet, int64_t ban_until, int64_t now)
{
    {
        std::lock_guard lock(m_mutex);
        auto it = m_banned.find(subnet);
        if (it != m_banned.end() && it->second.ban_until > now) return false;
        m_banned[subnet] = BanEntry{now, ban_until};
    }
    DumpAfterChange();  // Core stores the ban list right away
    return true;
}

bool BanMan::Unban(const SubNet& subnet)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_banned.erase(subnet) == 0) return false;
    }
    DumpAfterChange();
    return true;
}

void BanMan::ClearBanned()
{
    {
        std::lock_guard lock(m_mutex);
        m_banned.clear();
    }
    DumpAfterChange();
}

bool BanMan::IsBanned(const NetAddr& addr, int64_t now) const
{
    std::lock_guard lock(m_mutex);
    for (const auto& [subnet, entry] : m_banned) {
        if (entry.ban_until > now && subnet.Match(addr)) return true;
    }
    return false;
}

bool BanMan::IsBannedSubnet(const SubNet& subnet, int64_t now) const
{
    std::lock_guard lock(m_mutex);
    auto it = m_banned.find(subnet);
    return it != m_banned.end() && it->second.ban_until > now;
}

void BanMan::Discourage(const NetAddr& addr)
{
    std::lock_guard lock(m_mutex);
    m_discouraged.insert(addr);
}

bool BanMan::IsDiscouraged(const NetAddr& addr) const
{
    std::lock_guard lock(m_mutex);
    return m_discouraged.count(addr) > 0;
}

void BanMan::ClearDiscouraged()
{
    std::lock_guard lock(m_mutex);
    m_discouraged.clear();
}

std::map<SubNet, BanEntry> BanMan::GetBanned(int64_t now)
{
    std::lock_guard lock(m_mutex);
    std::erase_if(m_banned, [now](const auto& kv) { return kv.second.ban_until <= now; });
    return m_banned;
}
