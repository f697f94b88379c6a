// The address manager (Core's AddrMan): addresses learned from peers kept in a "new" table (1024 buckets of 64)
// and addresses we connected to in a "tried" table (256 buckets of 64). Placement hashes a secret 256-bit key with
// the address and its network group, so one source cannot fill the tables. Selection favours tried and fresh
// entries; tried-table collisions are resolved by testing the old entry first (test-before-evict). The tables are
// persisted to peers.dat (format in docs/storage.md). Thread-safe.
#pragma once

#include "net/netgroup.h"
#include "net/protocol.h"
#include "util/uint256.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <array>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

constexpr int ADDRMAN_NEW_BUCKET_COUNT = 1024;
constexpr int ADDRMAN_TRIED_BUCKET_COUNT = 256;
constexpr int ADDRMAN_BUCKET_SIZE = 64;
/** Over how many tried buckets one network group is spread. */
constexpr int ADDRMAN_TRIED_BUCKETS_PER_GROUP = 8;
/** Over how many new buckets the addresses from one source group are spread. */
constexpr int ADDRMAN_NEW_BUCKETS_PER_SOURCE_GROUP = 64;
/** In how many new buckets one address may be. */
constexpr int ADDRMAN_NEW_BUCKETS_PER_ADDRESS = 8;
/** Addresses not seen for this long are terrible (30 days). */
constexpr int64_t ADDRMAN_HORIZON = 30 * 24 * 60 * 60;
/** Failed attempts without any success before an address is terrible. */
constexpr int ADDRMAN_RETRIES = 3;
/** Successive failures within ADDRMAN_MIN_FAIL before an address is terrible. */
constexpr int ADDRMAN_MAX_FAILURES = 10;
constexpr int64_t ADDRMAN_MIN_FAIL = 7 * 24 * 60 * 60;
/** A tried entry that connected this recently is not evicted by a collision (4 hours). */
constexpr int64_t ADDRMAN_REPLACEMENT = 4 * 60 * 60;
/** Pending tried collisions kept at most. */
constexpr size_t ADDRMAN_SET_TRIED_COLLISION_SIZE = 10;
/** A collision unresolved for this long evicts the old entry (40 minutes). */
constexpr int64_t ADDRMAN_TEST_WINDOW = 40 * 60;

/** One address and its statistics (Core's AddrInfo). */
struct AddrInfo : Address {
    NetAddr source;             // who told us
    int64_t last_success{0};    // last successful connection (unix seconds)
    int64_t last_try{0};        // last connection attempt (not persisted, as Core)
    int64_t last_count_attempt{0};
    int attempts{0};            // failed attempts since the last success
    int ref_count{0};           // new buckets holding it
    bool in_tried{false};
    size_t random_pos{0};       // index in the random order

    /** Core's IsTerrible: too old, from the future, or failed too often. */
    bool IsTerrible(int64_t now) const;
    /** Core's GetChance: relative selection chance (recent and repeated failures make it lower). */
    double GetChance(int64_t now) const;
    int GetTriedBucket(const uint256& key, const NetGroupManager& ng) const;
    int GetNewBucket(const uint256& key, const NetAddr& src, const NetGroupManager& ng) const;
    int GetNewBucket(const uint256& key, const NetGroupManager& ng) const { return GetNewBucket(key, source, ng); }
    int GetBucketPosition(const uint256& key, bool is_new, int bucket) const;
};

class AddrMan
{
public:
    /** deterministic: a zero key and a fixed random seed (tests). now: the clock (unix seconds). */
    AddrMan(const NetGroupManager& netgroup, bool deterministic, std::function<int64_t()> now);

    const NetGroupManager& NetGroup() const { return m_netgroup; }
    size_t Size(std::optional<NetClass> net = std::nullopt, std::optional<bool> in_new = std::nullopt) const;
    /** Adds addresses heard from source; the time is pushed back by time_penalty seconds (except for a source's
     *  self-announcement). True when at least one was added. */
    bool Add(const std::vector<Address>& addrs, const NetAddr& source, int64_t time_penalty = 0);
    /** A connection to addr succeeded: moves it to tried (or queues a collision when test_before_evict). True when
     *  it was moved. */
    bool Good(const Service& addr, int64_t time = 0, bool test_before_evict = true);
    /** A connection attempt; count_failure counts it against the address. */
    void Attempt(const Service& addr, bool count_failure, int64_t time = 0);
    /** We were connected (updates the time we last saw it, at most every 20 minutes). */
    void Connected(const Service& addr, int64_t time = 0);
    void SetServices(const Service& addr, uint64_t services);
    /** Moves queued collisions to tried when the old entry failed or the test window passed. */
    void ResolveCollisions();
    /** An old tried entry a pending collision would evict (to be tested with a feeler), with its last try. */
    std::pair<Address, int64_t> SelectTriedCollision();
    /** A random address to connect to, with its last try; new_only restricts to the new table. */
    std::pair<Address, int64_t> Select(bool new_only = false, std::optional<NetClass> net = std::nullopt) const;
    /** Up to max_pct percent (0: no limit) and max_addresses (0: no limit) random addresses; filtered leaves out
     *  terrible ones. */
    std::vector<Address> GetAddr(size_t max_addresses, size_t max_pct, std::optional<NetClass> net,
                                 bool filtered = true) const;
    /** The entry for addr, if any (tests and RPC). */
    std::optional<AddrInfo> Find(const Service& addr) const;
    /** New/tried bucket and position of an address (tests). {-1,-1} when absent. */
    std::pair<int, int> GetLocation(const Service& addr) const;
    /** Checks the internal invariants (tests); returns 0 when consistent. */
    int CheckConsistency() const;

    // ---- persistence ----
    std::vector<uint8_t> Serialize() const;
    /** Replaces the contents with a peers.dat image; false (error set) on a bad checksum, version or structure. */
    bool Deserialize(std::span<const uint8_t> data, std::string& error);

private:
    using Id = int64_t;
    AddrInfo* FindLocked(const Service& addr, Id* id = nullptr);
    const AddrInfo* FindLocked(const Service& addr, Id* id = nullptr) const;
    AddrInfo& Create(const Address& addr, const NetAddr& source, Id* id);
    void SwapRandom(size_t a, size_t b) const;
    void Delete(Id id);
    void ClearNew(int bucket, int pos);
    void MakeTried(AddrInfo& info, Id id);
    bool AddSingle(const Address& addr, const NetAddr& source, int64_t time_penalty);
    bool GoodLocked(const Service& addr, bool test_before_evict, int64_t time);
    uint64_t RandRange(uint64_t n) const { return std::uniform_int_distribution<uint64_t>(0, n - 1)(m_rng); }
    void Clear();

    const NetGroupManager& m_netgroup;
    std::function<int64_t()> m_now;
    mutable std::mutex m_mutex;
    mutable std::mt19937_64 m_rng;
    uint256 m_key;
    Id m_next_id{0};
    std::unordered_map<Id, AddrInfo> m_info;
    std::map<Service, Id> m_by_addr;
    mutable std::vector<Id> m_random;
    std::vector<std::array<Id, ADDRMAN_BUCKET_SIZE>> m_new;
    std::vector<std::array<Id, ADDRMAN_BUCKET_SIZE>> m_tried;
    int m_num_new{0};
    int m_num_tried{0};
    int64_t m_last_good{1};
    std::set<Id> m_tried_collisions;
};

/** Writes bytes to path.new, fsyncs it, renames it over path and fsyncs the directory: a crash leaves the old
 *  file or the new one, whole. */
bool WriteFileAtomically(const std::filesystem::path& path, std::span<const uint8_t> bytes, std::string& error);
/** peers.dat on disk: written to a temporary file, fsynced and renamed over the old one. */
bool WritePeersFile(const AddrMan& addrman, const std::filesystem::path& path, std::string& error);
/** Loads peers.dat into addrman. A missing file is not an error (fresh table). A corrupt one is renamed to
 *  peers.dat.bak-<time> with a log line and the table starts empty; *corrupt is set. */
bool ReadPeersFile(AddrMan& addrman, const std::filesystem::path& path, std::string& error, bool* corrupt = nullptr);
