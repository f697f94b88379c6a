// Durable share accounting of the Stratum pool: per-worker counters, accepted shares (the PPLNS window), found
// blocks and the descriptor payout index in SQLite (src/sqlite: WAL, synchronous=FULL), so nothing acknowledged to
// a miner is lost on restart or crash.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sql {
class Database;
}

namespace pool {

struct WorkerStats {
    std::string worker;  // "site.machine"
    std::string site;
    int64_t accepted{0};
    int64_t rejected{0};
    double accepted_work{0};  // sum of share difficulties
    int64_t blocks{0};
    int64_t last_share_time{0};
    double hashrate{0};  // H/s over the recent window
};

struct WindowEntry {
    std::string worker;
    int64_t shares{0};
    double difficulty{0};
};

struct FoundBlock {
    std::string hash;
    int height{0};
    std::string worker;
    int64_t time{0};
    bool accepted{false};
    std::string site;  // of the worker (AddBlock creates the worker's row when the block is its first share)
};

struct AcceptedShare {
    std::string worker;
    std::string site;
    double difficulty{0};
    int64_t time{0};
};

class ShareStore
{
public:
    /** keep_shares: accepted-share rows kept beyond a day's age (at least the PPLNS window); older ones are pruned
     *  (the per-worker counters keep their totals). */
    static std::unique_ptr<ShareStore> Open(const std::filesystem::path& file, std::string* error,
                                            int64_t keep_shares = 100000);
    ~ShareStore();
    ShareStore(const ShareStore&) = delete;
    ShareStore& operator=(const ShareStore&) = delete;

    /** An accepted share: one committed (fsynced) transaction before the miner hears "true". */
    bool AddAccepted(const std::string& worker, const std::string& site, double difficulty, int64_t time);
    /** Accepted shares in one committed transaction (the pool's group commit): all recorded or none. */
    bool AddAcceptedBatch(const std::vector<AcceptedShare>& shares);
    bool AddRejected(const std::string& worker, const std::string& site, int64_t time);
    bool AddBlock(const FoundBlock& block);

    /** Every worker, with the hashrate estimated from accepted work since now - window_seconds. */
    std::vector<WorkerStats> Workers(int64_t now, int64_t window_seconds) const;
    /** The last `count` accepted shares grouped by worker (PPLNS). */
    std::vector<WindowEntry> Window(int64_t count) const;
    std::vector<FoundBlock> Blocks() const;

    /** Descriptor payouts: the first child index of descriptor (its canonical text) that no found block has paid
     *  (0 for a new descriptor); nullopt on a database error. */
    std::optional<int64_t> NextPayoutIndex(const std::string& descriptor) const;
    /** Marks index as paid by a found block: the next index becomes at least index + 1, committed (fsynced) before
     *  the block leaves the pool, so a restart never pays the same address twice. */
    bool UsePayoutIndex(const std::string& descriptor, int64_t index);

private:
    ShareStore(std::unique_ptr<sql::Database> db, int64_t keep);
    std::unique_ptr<sql::Database> m_db;
    int64_t m_keep;
    int64_t m_inserts{0};
    mutable std::mutex m_mutex;
};

}  // namespace pool
