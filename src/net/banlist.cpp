// banlist.json: the manual bans kept across restarts, in Core's format ({"banned_nets": [{"version": 1,
// "ban_created": t, "banned_until": t, "address": "subnet"}]}), written atomically (see banman.h).
#include "net/addrman.h"
#include "net/banman.h"
#include "util/logging.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace {
constexpr int BANLIST_ENTRY_VERSION = 1;
}

bool BanMan::LoadBanList(const std::filesystem::path& path, int64_t now, std::string& error)
{
    std::lock_guard lock(m_mutex);
    m_banlist_path = path;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return true;
    std::ifstream f(path);
    nlohmann::json doc = nlohmann::json::parse(f, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("banned_nets") || !doc["banned_nets"].is_array()) {
        // As Core: an unreadable list is replaced by an empty one.
        LogPrintf("Invalid or corrupt ban list %s. Recreating the banlist database\n", path.string().c_str());
        (void)error;
        return true;
    }
    size_t loaded = 0;
    for (const auto& e : doc["banned_nets"]) {
        if (!e.is_object() || !e.contains("address") || !e["address"].is_string() || !e.contains("ban_created") ||
            !e["ban_created"].is_number_integer() || !e.contains("banned_until") || !e["banned_until"].is_number_integer()) {
            LogPrintf("Dropping entry with unparseable ban list entry in %s\n", path.string().c_str());
            continue;
        }
        if (e.contains("version") && e["version"] != BANLIST_ENTRY_VERSION) continue;
        auto subnet = SubNet::Parse(e["address"].get<std::string>());
        if (!subnet) {
            LogPrintf("Dropping entry with unknown subnet %s from ban list\n", e["address"].get<std::string>().c_str());
            continue;
        }
        const int64_t until = e["banned_until"].get<int64_t>();
        if (until <= now) continue;  // expired while we were down
        m_banned[*subnet] = BanEntry{e["ban_created"].get<int64_t>(), until};
        ++loaded;
    }
    LogPrintf("Loaded %zu banned node addresses/subnets\n", loaded);
    return true;
}

bool BanMan::DumpBanList(std::string& error) const
{
    std::map<SubNet, BanEntry> bans;
    std::filesystem::path path;
    {
        std::lock_guard lock(m_mutex);
        if (m_banlist_path.empty()) return true;
        bans = m_banned;
        path = m_banlist_path;
    }
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [subnet, entry] : bans) {
        list.push_back({{"version", BANLIST_ENTRY_VERSION},
                        {"ban_created", entry.create_time},
                        {"banned_until", entry.ban_until},
                        {"address", subnet.ToString()}});
    }
    const std::string text = nlohmann::json{{"banned_nets", list}}.dump(4) + "\n";
    return WriteFileAtomically(path, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()), error);
}

void BanMan::DumpAfterChange() const
{
    std::string error;
    if (!DumpBanList(error)) LogPrintf("Failed to write ban list: %s\n", error.c_str());
}
