// The address manager's tables, selection and peers.dat persistence (see addrman.h).
#include "net/addrman.h"

#include "crypto/hash.h"
#include "primitives/serialize.h"
#include "util/logging.h"

#include <openssl/rand.h>

#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <unistd.h>

namespace {
constexpr uint8_t PEERS_MAGIC[8] = {'S', 'O', 'V', 'P', 'E', 'E', 'R', 'S'};
constexpr uint32_t PEERS_VERSION = 1;

uint64_t CheapHash(HashWriter& hw)
{
    const uint256 h = hw.GetHash();
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | h.data()[i];
    return v;
}

/** Core's CService::GetKey: the 16-byte v1 form for IP (raw bytes for other networks), then the port big-endian. */
std::vector<uint8_t> ServiceKey(const Service& s)
{
    std::vector<uint8_t> key;
    if (s.addr.IsIPv4() || s.addr.IsIPv6()) {
        const auto raw = s.addr.GetV1Bytes();
        key.assign(raw.begin(), raw.end());
    } else {
        key = s.addr.bytes;
    }
    key.push_back(static_cast<uint8_t>(s.port >> 8));
    key.push_back(static_cast<uint8_t>(s.port & 0xff));
    return key;
}

void WriteKey(HashWriter& hw, const uint256& key) { hw.write(std::span<const uint8_t>(key.data(), key.size())); }
}  // namespace

// ---- AddrInfo ----------------------------------------------------------------------------------------------

bool AddrInfo::IsTerrible(int64_t now) const
{
    if (now - last_try <= 60) return false;                       // never drop what was tried in the last minute
    if (int64_t{time} > now + 10 * 60) return true;               // time from the future
    if (now - int64_t{time} > ADDRMAN_HORIZON) return true;       // not seen recently
    if (last_success == 0 && attempts >= ADDRMAN_RETRIES) return true;  // never worked
    if (now - last_success > ADDRMAN_MIN_FAIL && attempts >= ADDRMAN_MAX_FAILURES) return true;  // failing for a week
    return false;
}

double AddrInfo::GetChance(int64_t now) const
{
    double chance = 1.0;
    if (now - last_try < 10 * 60) chance *= 0.01;  // deprioritise what we just tried
    return chance * std::pow(0.66, std::min(attempts, 8));
}

int AddrInfo::GetTriedBucket(const uint256& key, const NetGroupManager& ng) const
{
    HashWriter h1;
    WriteKey(h1, key);
    WriteBytes(h1, ServiceKey(service));
    const uint64_t hash1 = CheapHash(h1);
    HashWriter h2;
    WriteKey(h2, key);
    WriteBytes(h2, ng.GetGroup(service.addr));
    WriteLE(h2, uint64_t{hash1 % ADDRMAN_TRIED_BUCKETS_PER_GROUP});
    return static_cast<int>(CheapHash(h2) % ADDRMAN_TRIED_BUCKET_COUNT);
}

int AddrInfo::GetNewBucket(const uint256& key, const NetAddr& src, const NetGroupManager& ng) const
{
    const std::vector<uint8_t> src_group = ng.GetGroup(src);
    HashWriter h1;
    WriteKey(h1, key);
    WriteBytes(h1, ng.GetGroup(service.addr));
    WriteBytes(h1, src_group);
    const uint64_t hash1 = CheapHash(h1);
    HashWriter h2;
    WriteKey(h2, key);
    WriteBytes(h2, src_group);
    WriteLE(h2, uint64_t{hash1 % ADDRMAN_NEW_BUCKETS_PER_SOURCE_GROUP});
    return static_cast<int>(CheapHash(h2) % ADDRMAN_NEW_BUCKET_COUNT);
}

int AddrInfo::GetBucketPosition(const uint256& key, bool is_new, int bucket) const
{
    HashWriter h;
    WriteKey(h, key);
    WriteLE(h, static_cast<uint8_t>(is_new ? 'N' : 'K'));
    WriteLE(h, static_cast<int32_t>(bucket));
    WriteBytes(h, ServiceKey(service));
    return static_cast<int>(CheapHash(h) % ADDRMAN_BUCKET_SIZE);
}

// ---- AddrMan -----------------------------------------------------------------------------------------------

AddrMan::AddrMan(const NetGroupManager& netgroup, bool deterministic, std::function<int64_t()> now)
    : m_netgroup(netgroup), m_now(std::move(now)), m_rng(deterministic ? 1 : std::random_device{}())
{
    if (!deterministic) RAND_bytes(m_key.data(), static_cast<int>(m_key.size()));
    Clear();
}

void AddrMan::Clear()
{
    std::array<Id, ADDRMAN_BUCKET_SIZE> empty;
    empty.fill(-1);
    m_new.assign(ADDRMAN_NEW_BUCKET_COUNT, empty);
    m_tried.assign(ADDRMAN_TRIED_BUCKET_COUNT, empty);
    m_info.clear();
    m_by_addr.clear();
    m_random.clear();
    m_tried_collisions.clear();
    m_num_new = m_num_tried = 0;
    m_next_id = 0;
}

AddrInfo* AddrMan::FindLocked(const Service& addr, Id* id)
{
    auto it = m_by_addr.find(addr);
    if (it == m_by_addr.end()) return nullptr;
    if (id) *id = it->second;
    return &m_info.at(it->second);
}

const AddrInfo* AddrMan::FindLocked(const Service& addr, Id* id) const
{
    return const_cast<AddrMan*>(this)->FindLocked(addr, id);
}

AddrInfo& AddrMan::Create(const Address& addr, const NetAddr& source, Id* id)
{
    const Id n = m_next_id++;
    AddrInfo& info = m_info[n];
    static_cast<Address&>(info) = addr;
    info.source = source;
    info.random_pos = m_random.size();
    m_random.push_back(n);
    m_by_addr[addr.service] = n;
    ++m_num_new;
    if (id) *id = n;
    return info;
}

void AddrMan::SwapRandom(size_t a, size_t b) const
{
    if (a == b) return;
    std::swap(m_random[a], m_random[b]);
    // random_pos is bookkeeping, not observable state: const_cast keeps Select/GetAddr const as in Core.
    const_cast<AddrInfo&>(m_info.at(m_random[a])).random_pos = a;
    const_cast<AddrInfo&>(m_info.at(m_random[b])).random_pos = b;
}

void AddrMan::Delete(Id id)
{
    AddrInfo& info = m_info.at(id);
    SwapRandom(info.random_pos, m_random.size() - 1);
    m_random.pop_back();
    m_by_addr.erase(info.service);
    m_info.erase(id);
    --m_num_new;
}

void AddrMan::ClearNew(int bucket, int pos)
{
    const Id id = m_new[bucket][pos];
    if (id == -1) return;
    AddrInfo& info = m_info.at(id);
    --info.ref_count;
    m_new[bucket][pos] = -1;
    if (info.ref_count == 0) Delete(id);
}

void AddrMan::MakeTried(AddrInfo& info, Id id)
{
    for (int bucket = 0; bucket < ADDRMAN_NEW_BUCKET_COUNT && info.ref_count > 0; ++bucket) {
        const int pos = info.GetBucketPosition(m_key, true, bucket);
        if (m_new[bucket][pos] == id) {
            m_new[bucket][pos] = -1;
            --info.ref_count;
        }
    }
    --m_num_new;
    const int bucket = info.GetTriedBucket(m_key, m_netgroup);
    const int pos = info.GetBucketPosition(m_key, false, bucket);
    if (m_tried[bucket][pos] != -1) {
        // The occupant goes back to the new table, replacing whatever is in its new slot.
        const Id evict = m_tried[bucket][pos];
        AddrInfo& old = m_info.at(evict);
        old.in_tried = false;
        m_tried[bucket][pos] = -1;
        --m_num_tried;
        const int nb = old.GetNewBucket(m_key, m_netgroup);
        const int np = old.GetBucketPosition(m_key, true, nb);
        ClearNew(nb, np);
        old.ref_count = 1;
        m_new[nb][np] = evict;
        ++m_num_new;
    }
    m_tried[bucket][pos] = id;
    ++m_num_tried;
    info.in_tried = true;
}

bool AddrMan::AddSingle(const Address& addr_in, const NetAddr& source, int64_t time_penalty)
{
    if (!IsRoutableAddr(addr_in.service.addr)) return false;
    Address addr = addr_in;
    Id id = -1;
    AddrInfo* info = FindLocked(addr.service, &id);
    if (addr.service.addr == source) time_penalty = 0;  // a peer announcing itself
    const int64_t now = m_now();
    if (info) {
        // Refresh the time at most hourly for online addresses, daily otherwise.
        const bool online = now - int64_t{addr.time} < 24 * 60 * 60;
        const int64_t interval = online ? 60 * 60 : 24 * 60 * 60;
        if (int64_t{info->time} < int64_t{addr.time} - interval - time_penalty) {
            info->time = static_cast<uint32_t>(std::max<int64_t>(0, int64_t{addr.time} - time_penalty));
        }
        info->services |= addr.services;
        if (addr.time <= info->time) return false;  // nothing new
        if (info->in_tried) return false;
        if (info->ref_count == ADDRMAN_NEW_BUCKETS_PER_ADDRESS) return false;
        // Each further new-table reference is twice as hard to get.
        if (info->ref_count > 0 && RandRange(uint64_t{1} << info->ref_count) != 0) return false;
    } else {
        info = &Create(addr, source, &id);
        info->time = static_cast<uint32_t>(std::max<int64_t>(0, int64_t{info->time} - time_penalty));
    }
    const int bucket = info->GetNewBucket(m_key, source, m_netgroup);
    const int pos = info->GetBucketPosition(m_key, true, bucket);
    bool insert = m_new[bucket][pos] == -1;
    if (m_new[bucket][pos] != id) {
        if (!insert) {
            const AddrInfo& existing = m_info.at(m_new[bucket][pos]);
            if (existing.IsTerrible(now) || (existing.ref_count > 1 && info->ref_count == 0)) insert = true;
        }
        if (insert) {
            ClearNew(bucket, pos);
            ++info->ref_count;
            m_new[bucket][pos] = id;
        } else if (info->ref_count == 0) {
            Delete(id);
        }
    }
    return insert;
}

size_t AddrMan::Size(std::optional<NetClass> net, std::optional<bool> in_new) const
{
    std::lock_guard lock(m_mutex);
    if (!net) {
        if (!in_new) return m_random.size();
        return *in_new ? m_num_new : m_num_tried;
    }
    size_t n = 0;
    for (const auto& [id, info] : m_info) {
        if (GetNetClass(info.service.addr) != *net) continue;
        if (in_new && *in_new == info.in_tried) continue;
        ++n;
    }
    return n;
}

bool AddrMan::Add(const std::vector<Address>& addrs, const NetAddr& source, int64_t time_penalty)
{
    std::lock_guard lock(m_mutex);
    int added = 0;
    for (const Address& a : addrs) added += AddSingle(a, source, time_penalty);
    if (added > 0) {
        LogDebug("addrman", "Added %d addresses (of %zu) from %s: %d tried, %d new\n", added, addrs.size(),
                 source.ToString().c_str(), m_num_tried, m_num_new);
    }
    return added > 0;
}

bool AddrMan::GoodLocked(const Service& addr, bool test_before_evict, int64_t time)
{
    m_last_good = time;
    Id id = -1;
    AddrInfo* info = FindLocked(addr, &id);
    if (!info) return false;
    info->last_success = time;
    info->last_try = time;
    info->attempts = 0;
    // The time is not updated: it would tell others which peers we are connected to.
    if (info->in_tried || info->ref_count == 0) return false;
    const int bucket = info->GetTriedBucket(m_key, m_netgroup);
    const int pos = info->GetBucketPosition(m_key, false, bucket);
    if (test_before_evict && m_tried[bucket][pos] != -1) {
        if (m_tried_collisions.size() < ADDRMAN_SET_TRIED_COLLISION_SIZE) m_tried_collisions.insert(id);
        LogDebug("addrman", "Collision with %s while attempting to move %s to tried table\n",
                 m_info.at(m_tried[bucket][pos]).service.ToString().c_str(), addr.ToString().c_str());
        return false;
    }
    MakeTried(*info, id);
    LogDebug("addrman", "Moved %s to tried[%d][%d]\n", addr.ToString().c_str(), bucket, pos);
    return true;
}

bool AddrMan::Good(const Service& addr, int64_t time, bool test_before_evict)
{
    std::lock_guard lock(m_mutex);
    return GoodLocked(addr, test_before_evict, time ? time : m_now());
}

void AddrMan::Attempt(const Service& addr, bool count_failure, int64_t time)
{
    std::lock_guard lock(m_mutex);
    if (!time) time = m_now();
    AddrInfo* info = FindLocked(addr);
    if (!info) return;
    info->last_try = time;
    // Failures count once per success of some other address (so our own outage does not condemn everything).
    if (count_failure && info->last_count_attempt < m_last_good) {
        info->last_count_attempt = time;
        ++info->attempts;
    }
}

void AddrMan::Connected(const Service& addr, int64_t time)
{
    std::lock_guard lock(m_mutex);
    if (!time) time = m_now();
    AddrInfo* info = FindLocked(addr);
    if (!info) return;
    if (time - int64_t{info->time} > 20 * 60) info->time = static_cast<uint32_t>(time);
}

void AddrMan::SetServices(const Service& addr, uint64_t services)
{
    std::lock_guard lock(m_mutex);
    if (AddrInfo* info = FindLocked(addr)) info->services = services;
}

void AddrMan::ResolveCollisions()
{
    std::lock_guard lock(m_mutex);
    const int64_t now = m_now();
    for (auto it = m_tried_collisions.begin(); it != m_tried_collisions.end();) {
        const Id id_new = *it;
        bool erase = false;
        auto found = m_info.find(id_new);
        if (found == m_info.end()) {
            erase = true;
        } else {
            AddrInfo& info_new = found->second;
            const int bucket = info_new.GetTriedBucket(m_key, m_netgroup);
            const int pos = info_new.GetBucketPosition(m_key, false, bucket);
            if (!IsValidAddr(info_new.service.addr)) {
                erase = true;
            } else if (m_tried[bucket][pos] != -1) {
                const AddrInfo& info_old = m_info.at(m_tried[bucket][pos]);
                if (now - info_old.last_success < ADDRMAN_REPLACEMENT) {
                    erase = true;  // the old entry works: keep it
                } else if (now - info_old.last_try < ADDRMAN_REPLACEMENT) {
                    // The old entry was tried recently and has not succeeded since: give it a minute, then replace.
                    if (now - info_old.last_try > 60) {
                        GoodLocked(info_new.service, false, now);
                        erase = true;
                    }
                } else if (now - info_new.last_success > ADDRMAN_TEST_WINDOW) {
                    // Not tested in time: the old entry cannot be reached, evict it.
                    GoodLocked(info_new.service, false, now);
                    erase = true;
                }
            } else {
                GoodLocked(info_new.service, false, now);  // no longer a collision
                erase = true;
            }
        }
        it = erase ? m_tried_collisions.erase(it) : std::next(it);
    }
}

std::pair<Address, int64_t> AddrMan::SelectTriedCollision()
{
    std::lock_guard lock(m_mutex);
    if (m_tried_collisions.empty()) return {};
    auto it = m_tried_collisions.begin();
    std::advance(it, static_cast<long>(RandRange(m_tried_collisions.size())));
    auto found = m_info.find(*it);
    if (found == m_info.end()) {
        m_tried_collisions.erase(it);
        return {};
    }
    const int bucket = found->second.GetTriedBucket(m_key, m_netgroup);
    const int pos = found->second.GetBucketPosition(m_key, false, bucket);
    if (m_tried[bucket][pos] == -1) return {};
    const AddrInfo& old = m_info.at(m_tried[bucket][pos]);
    return {old, old.last_try};
}

std::pair<Address, int64_t> AddrMan::Select(bool new_only, std::optional<NetClass> net) const
{
    std::lock_guard lock(m_mutex);
    if (m_random.empty()) return {};
    if (new_only && m_num_new == 0) return {};
    if (net) {
        // Give up early when nothing of that network is in the chosen table(s).
        bool any = false;
        for (const auto& [id, info] : m_info) {
            if (GetNetClass(info.service.addr) == *net && (!new_only || !info.in_tried)) any = true;
        }
        if (!any) return {};
    }
    // 50% tried, 50% new, unless one table is empty.
    bool search_tried = false;
    if (!new_only && m_num_tried > 0 && (m_num_new == 0 || RandRange(2) == 0)) search_tried = true;
    if (net && search_tried) {
        bool any = false;
        for (const auto& [id, info] : m_info) any |= info.in_tried && GetNetClass(info.service.addr) == *net;
        if (!any) search_tried = false;
    } else if (net && !search_tried) {
        bool any = false;
        for (const auto& [id, info] : m_info) any |= !info.in_tried && GetNetClass(info.service.addr) == *net;
        if (!any) search_tried = true;
    }
    const int bucket_count = search_tried ? ADDRMAN_TRIED_BUCKET_COUNT : ADDRMAN_NEW_BUCKET_COUNT;
    const auto& table = search_tried ? m_tried : m_new;
    const int64_t now = m_now();
    double chance_factor = 1.0;
    while (true) {
        const int bucket = static_cast<int>(RandRange(bucket_count));
        const int initial = static_cast<int>(RandRange(ADDRMAN_BUCKET_SIZE));
        Id id = -1;
        int i = 0;
        for (; i < ADDRMAN_BUCKET_SIZE; ++i) {
            id = table[bucket][(initial + i) % ADDRMAN_BUCKET_SIZE];
            if (id != -1 && (!net || GetNetClass(m_info.at(id).service.addr) == *net)) break;
        }
        if (i == ADDRMAN_BUCKET_SIZE) continue;  // empty bucket: try another
        const AddrInfo& info = m_info.at(id);
        // Accept with probability GetChance() * chance_factor; the factor grows so the loop ends.
        if (static_cast<double>(RandRange(1u << 30)) < chance_factor * info.GetChance(now) * (1 << 30)) {
            return {info, info.last_try};
        }
        chance_factor *= 1.2;
    }
}

std::vector<Address> AddrMan::GetAddr(size_t max_addresses, size_t max_pct, std::optional<NetClass> net,
                                      bool filtered) const
{
    std::lock_guard lock(m_mutex);
    size_t n = m_random.size();
    if (max_pct != 0) n = max_pct * n / 100;
    if (max_addresses != 0) n = std::min(n, max_addresses);
    const int64_t now = m_now();
    std::vector<Address> out;
    // A partial Fisher-Yates shuffle of the random order.
    for (size_t i = 0; i < m_random.size() && out.size() < n; ++i) {
        SwapRandom(i, i + RandRange(m_random.size() - i));
        const AddrInfo& info = m_info.at(m_random[i]);
        if (net && GetNetClass(info.service.addr) != *net) continue;
        if (filtered && info.IsTerrible(now)) continue;
        out.push_back(info);
    }
    LogDebug("addrman", "GetAddr returned %zu random addresses\n", out.size());
    return out;
}

std::optional<AddrInfo> AddrMan::Find(const Service& addr) const
{
    std::lock_guard lock(m_mutex);
    const AddrInfo* info = FindLocked(addr);
    if (!info) return std::nullopt;
    return *info;
}

std::pair<int, int> AddrMan::GetLocation(const Service& addr) const
{
    std::lock_guard lock(m_mutex);
    Id id = -1;
    const AddrInfo* info = FindLocked(addr, &id);
    if (!info) return {-1, -1};
    if (info->in_tried) {
        const int b = info->GetTriedBucket(m_key, m_netgroup);
        return {b, info->GetBucketPosition(m_key, false, b)};
    }
    for (int b = 0; b < ADDRMAN_NEW_BUCKET_COUNT; ++b) {
        const int p = info->GetBucketPosition(m_key, true, b);
        if (m_new[b][p] == id) return {b, p};
    }
    return {-1, -1};
}

int AddrMan::CheckConsistency() const
{
    std::lock_guard lock(m_mutex);
    if (m_random.size() != m_info.size() || m_by_addr.size() != m_info.size()) return -1;
    int new_count = 0, tried_count = 0;
    std::map<Id, int> refs;
    for (int b = 0; b < ADDRMAN_NEW_BUCKET_COUNT; ++b) {
        for (int p = 0; p < ADDRMAN_BUCKET_SIZE; ++p) {
            const Id id = m_new[b][p];
            if (id == -1) continue;
            auto it = m_info.find(id);
            if (it == m_info.end() || it->second.in_tried) return -2;
            if (it->second.GetBucketPosition(m_key, true, b) != p) return -3;
            ++refs[id];
        }
    }
    for (int b = 0; b < ADDRMAN_TRIED_BUCKET_COUNT; ++b) {
        for (int p = 0; p < ADDRMAN_BUCKET_SIZE; ++p) {
            const Id id = m_tried[b][p];
            if (id == -1) continue;
            auto it = m_info.find(id);
            if (it == m_info.end() || !it->second.in_tried) return -4;
            if (it->second.GetTriedBucket(m_key, m_netgroup) != b || it->second.GetBucketPosition(m_key, false, b) != p) {
                return -5;
            }
            ++tried_count;
        }
    }
    for (const auto& [id, info] : m_info) {
        if (m_random.at(info.random_pos) != id) return -6;
        if (info.in_tried) {
            if (info.ref_count != 0) return -7;
        } else {
            if (info.ref_count == 0 || refs[id] != info.ref_count) return -8;
            ++new_count;
        }
    }
    if (new_count != m_num_new || tried_count != m_num_tried) return -9;
    return 0;
}

// ---- peers.dat ---------------------------------------------------------------------------------------------

std::vector<uint8_t> AddrMan::Serialize() const
{
    std::lock_guard lock(m_mutex);
    std::vector<uint8_t> out;
    VectorWriter w(out);
    w.write(PEERS_MAGIC);
    WriteLE(w, PEERS_VERSION);
    WriteBlob(w, m_key);
    WriteBlob(w, m_netgroup.AsmapVersion());
    WriteLE(w, static_cast<uint32_t>(ADDRMAN_NEW_BUCKET_COUNT));
    WriteLE(w, static_cast<uint64_t>(m_random.size()));
    // Buckets of each new entry, so an unchanged key and asmap restore the exact layout.
    std::map<Id, std::vector<uint16_t>> buckets;
    for (int b = 0; b < ADDRMAN_NEW_BUCKET_COUNT; ++b) {
        for (Id id : m_new[b]) {
            if (id != -1) buckets[id].push_back(static_cast<uint16_t>(b));
        }
    }
    for (Id id : m_random) {
        const AddrInfo& info = m_info.at(id);
        SerializeAddressV2(w, info);
        WriteLE(w, static_cast<uint8_t>(info.source.network));
        WriteBytes(w, info.source.bytes);
        WriteLE(w, info.last_success);
        WriteLE(w, static_cast<int32_t>(info.attempts));
        WriteLE(w, static_cast<uint8_t>(info.in_tried));
        const auto& bl = buckets[id];
        WriteCompactSize(w, info.in_tried ? 0 : bl.size());
        if (!info.in_tried) {
            for (uint16_t b : bl) WriteLE(w, b);
        }
    }
    const uint256 sum = Hash256(out);
    WriteBlob(w, sum);
    return out;
}

bool AddrMan::Deserialize(std::span<const uint8_t> data, std::string& error)
{
    std::lock_guard lock(m_mutex);
    Clear();  // whatever happens below, the old contents are gone (a failed load leaves an empty table)
    if (data.size() < sizeof(PEERS_MAGIC) + 32 || std::memcmp(data.data(), PEERS_MAGIC, sizeof(PEERS_MAGIC)) != 0) {
        error = "not a peers.dat file (bad magic)";
        return false;
    }
    const auto body = data.first(data.size() - 32);
    const uint256 sum = Hash256(body);
    if (std::memcmp(sum.data(), data.data() + body.size(), 32) != 0) {
        error = "checksum mismatch";
        return false;
    }
    try {
        SpanReader r(body.subspan(sizeof(PEERS_MAGIC)));
        const uint32_t version = ReadLE<uint32_t>(r);
        if (version != PEERS_VERSION) throw DeserializeError("unsupported version " + std::to_string(version));
        const uint256 key = ReadUint256(r);
        const uint256 asmap_version = ReadUint256(r);
        const uint32_t bucket_count = ReadLE<uint32_t>(r);
        const uint64_t count = ReadLE<uint64_t>(r);
        // Each entry takes at least 20 bytes: a count beyond that is corrupt, not a reason to allocate.
        if (count > r.remaining() / 20) throw DeserializeError("entry count " + std::to_string(count) + " too large");
        m_key = key;
        const bool same_layout = asmap_version == m_netgroup.AsmapVersion() && bucket_count == ADDRMAN_NEW_BUCKET_COUNT;
        int lost = 0;
        for (uint64_t i = 0; i < count; ++i) {
            bool known = false;
            const Address addr = UnserializeAddressV2(r, &known);
            NetAddr source;
            source.network = static_cast<NetworkId>(ReadLE<uint8_t>(r));
            source.bytes = ReadBytes(r);
            const int64_t last_success = ReadLE<int64_t>(r);
            const int32_t attempts = ReadLE<int32_t>(r);
            const bool in_tried = ReadLE<uint8_t>(r) != 0;
            const uint64_t nb = ReadCompactSize(r);
            if (nb > ADDRMAN_NEW_BUCKETS_PER_ADDRESS) throw DeserializeError("too many buckets for one entry");
            std::vector<uint16_t> stored;
            for (uint64_t j = 0; j < nb; ++j) stored.push_back(ReadLE<uint16_t>(r));
            if (!known || m_by_addr.count(addr.service)) {
                ++lost;
                continue;
            }
            Id id = -1;
            AddrInfo& info = Create(addr, source, &id);
            info.last_success = last_success;
            info.attempts = attempts;
            if (in_tried) {
                const int b = info.GetTriedBucket(m_key, m_netgroup);
                const int p = info.GetBucketPosition(m_key, false, b);
                if (m_tried[b][p] == -1) {
                    --m_num_new;
                    ++m_num_tried;
                    info.in_tried = true;
                    m_tried[b][p] = id;
                    continue;
                }
                // The tried slot is taken (key or asmap changed): keep it as a new entry instead.
            }
            std::vector<int> targets;
            if (same_layout && !in_tried) {
                for (uint16_t b : stored) {
                    if (b < ADDRMAN_NEW_BUCKET_COUNT) targets.push_back(b);
                }
            }
            if (targets.empty()) targets.push_back(info.GetNewBucket(m_key, m_netgroup));
            for (int b : targets) {
                const int p = info.GetBucketPosition(m_key, true, b);
                if (m_new[b][p] == -1 && info.ref_count < ADDRMAN_NEW_BUCKETS_PER_ADDRESS) {
                    m_new[b][p] = id;
                    ++info.ref_count;
                }
            }
            if (info.ref_count == 0) {
                Delete(id);
                ++lost;
            }
        }
        if (!r.empty()) throw DeserializeError("trailing data");
        if (lost > 0) LogDebug("addrman", "peers.dat: %d entries could not be placed and were dropped\n", lost);
    } catch (const std::exception& e) {
        Clear();
        error = e.what();
        return false;
    }
    return true;
}

bool WritePeersFile(const AddrMan& addrman, const std::filesystem::path& path, std::string& error)
{
    return WriteFileAtomically(path, addrman.Serialize(), error);
}

bool WriteFileAtomically(const std::filesystem::path& path, std::span<const uint8_t> bytes, std::string& error)
{
    const std::filesystem::path tmp = path.string() + ".new";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = "cannot create " + tmp.string() + ": " + std::strerror(errno);
        return false;
    }
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            error = "write to " + tmp.string() + " failed: " + std::strerror(errno);
            ::close(fd);
            return false;
        }
        done += static_cast<size_t>(n);
    }
    // Data durable before the rename makes it the current file; the directory after, so the rename is.
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!synced) {
        error = "fsync of " + tmp.string() + " failed";
        return false;
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        error = "rename to " + path.string() + " failed: " + ec.message();
        return false;
    }
    const int dfd = ::open(path.parent_path().empty() ? "." : path.parent_path().c_str(), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return true;
}

bool ReadPeersFile(AddrMan& addrman, const std::filesystem::path& path, std::string& error, bool* corrupt)
{
    if (corrupt) *corrupt = false;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return true;
    std::ifstream f(path, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (!f.eof() && f.fail()) {
        error = "cannot read " + path.string();
        return false;
    }
    std::string why;
    if (addrman.Deserialize(bytes, why)) return true;
    if (corrupt) *corrupt = true;
    const std::filesystem::path aside = path.string() + ".bak-" + std::to_string(std::time(nullptr));
    std::filesystem::rename(path, aside, ec);
    LogPrintf("Invalid or corrupt peers.dat (%s). Moved it to %s; starting with an empty address table\n",
              why.c_str(), aside.string().c_str());
    return true;
}
