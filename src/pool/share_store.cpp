// SQLite share accounting (see share_store.h), on the shared sql:: layer (src/sqlite/sqlite.h).
#include "pool/share_store.h"

#include "sqlite/sqlite.h"
#include "util/logging.h"

#include <algorithm>

namespace pool {
namespace {
constexpr const char* UPSERT_WORKER =
    "INSERT INTO workers (name, site, accepted, rejected, accepted_work, blocks, last_share) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(name) DO UPDATE SET accepted = accepted + ?3, "
    "rejected = rejected + ?4, accepted_work = accepted_work + ?5, blocks = blocks + ?6, "
    "last_share = MAX(last_share, ?7)";
constexpr const char* INSERT_SHARE = "INSERT INTO shares (worker, difficulty, time) VALUES (?1, ?2, ?3)";
// Bounded table: drop rows that are both outside the kept window and older than a day.
constexpr const char* PRUNE_SHARES = "DELETE FROM shares WHERE id <= (SELECT MAX(id) FROM shares) - ?1 AND time < ?2";

bool RunUpsertWorker(sql::Statement& s, const std::string& worker, const std::string& site, int64_t accepted,
                     int64_t rejected, double work, int64_t blocks, int64_t time)
{
    s.Reset();
    s.Bind(1, std::string_view(worker)).Bind(2, std::string_view(site)).Bind(3, accepted).Bind(4, rejected);
    s.BindReal(5, work).Bind(6, blocks).Bind(7, time);
    return s.Run();
}

/** Inserts the shares (and counts them on their workers) inside the caller's transaction. */
bool InsertShares(sql::Database& db, const std::vector<AcceptedShare>& shares, int64_t keep, int64_t& inserts)
{
    sql::Statement upsert = db.Prepare(UPSERT_WORKER);
    sql::Statement insert = db.Prepare(INSERT_SHARE);
    if (!upsert.Ok() || !insert.Ok()) return false;
    for (const AcceptedShare& s : shares) {
        if (!RunUpsertWorker(upsert, s.worker, s.site, 1, 0, s.difficulty, 0, s.time)) return false;
        insert.Reset();
        if (!insert.Bind(1, std::string_view(s.worker)).BindReal(2, s.difficulty).Bind(3, s.time).Run()) return false;
        if (++inserts % 1024 == 0) {
            sql::Statement prune = db.Prepare(PRUNE_SHARES);
            if (!prune.Bind(1, keep).Bind(2, s.time - 86400).Run()) return false;
        }
    }
    return true;
}
}  // namespace

std::unique_ptr<ShareStore> ShareStore::Open(const std::filesystem::path& file, std::string* error, int64_t keep_shares)
{
    std::string err;
    // sql::Database opens with WAL (readers, i.e. RPC, stay off the writer's back) and synchronous=FULL (each
    // commit is fsynced, so an acknowledged share survives power loss).
    auto db = sql::Database::Open(file, /*create=*/true, &err);
    if (!db) {
        if (error) *error = "cannot open pool database " + file.string() + ": " + err;
        return nullptr;
    }
    const char* schema =
        "CREATE TABLE IF NOT EXISTS workers (name TEXT PRIMARY KEY, site TEXT NOT NULL, accepted INTEGER NOT NULL,"
        " rejected INTEGER NOT NULL, accepted_work REAL NOT NULL, blocks INTEGER NOT NULL, last_share INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS shares (id INTEGER PRIMARY KEY AUTOINCREMENT, worker TEXT NOT NULL,"
        " difficulty REAL NOT NULL, time INTEGER NOT NULL);"
        "CREATE INDEX IF NOT EXISTS shares_time ON shares(time);"
        "CREATE TABLE IF NOT EXISTS blocks (hash TEXT PRIMARY KEY, height INTEGER NOT NULL, worker TEXT NOT NULL,"
        " time INTEGER NOT NULL, accepted INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS payout_index (descriptor TEXT PRIMARY KEY, next_index INTEGER NOT NULL);";
    if (!db->Exec(schema, &err)) {
        if (error) *error = "cannot initialise pool database " + file.string() + ": " + err;
        return nullptr;
    }
    return std::unique_ptr<ShareStore>(new ShareStore(std::move(db), std::max<int64_t>(keep_shares, 1)));
}

ShareStore::ShareStore(std::unique_ptr<sql::Database> db, int64_t keep) : m_db(std::move(db)), m_keep(keep) {}

ShareStore::~ShareStore() = default;

bool ShareStore::AddAccepted(const std::string& worker, const std::string& site, double difficulty, int64_t time)
{
    return AddAcceptedBatch({AcceptedShare{worker, site, difficulty, time}});
}

bool ShareStore::AddAcceptedBatch(const std::vector<AcceptedShare>& shares)
{
    if (shares.empty()) return true;
    std::lock_guard lock(m_mutex);
    sql::Transaction tx(*m_db);
    std::string err;
    if (tx.Ok() && InsertShares(*m_db, shares, m_keep, m_inserts) && tx.Commit(&err)) return true;
    LogPrintf("pool: cannot record %u shares: %s\n", static_cast<unsigned>(shares.size()),
              err.empty() ? m_db->LastError().c_str() : err.c_str());
    return false;
}

bool ShareStore::AddRejected(const std::string& worker, const std::string& site, int64_t time)
{
    std::lock_guard lock(m_mutex);
    sql::Statement s = m_db->Prepare(UPSERT_WORKER);
    return RunUpsertWorker(s, worker, site, 0, 1, 0, 0, time);
}

bool ShareStore::AddBlock(const FoundBlock& block)
{
    std::lock_guard lock(m_mutex);
    sql::Transaction tx(*m_db);
    if (!tx.Ok()) return false;
    sql::Statement s =
        m_db->Prepare("INSERT OR REPLACE INTO blocks (hash, height, worker, time, accepted) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!s.Bind(1, std::string_view(block.hash)).Bind(2, int64_t{block.height}).Bind(3, std::string_view(block.worker))
             .Bind(4, block.time).Bind(5, int64_t{block.accepted}).Run()) {
        return false;
    }
    if (block.accepted) {
        // The block's share may still wait in the pool's group commit: create the worker's row if need be.
        sql::Statement u = m_db->Prepare(UPSERT_WORKER);
        if (!RunUpsertWorker(u, block.worker, block.site, 0, 0, 0, 1, block.time)) return false;
    }
    return tx.Commit();
}

std::vector<WorkerStats> ShareStore::Workers(int64_t now, int64_t window_seconds) const
{
    std::lock_guard lock(m_mutex);
    std::vector<WorkerStats> out;
    sql::Statement s = m_db->Prepare(
        "SELECT w.name, w.site, w.accepted, w.rejected, w.accepted_work, w.blocks, w.last_share, "
        "(SELECT IFNULL(SUM(difficulty), 0) FROM shares WHERE worker = w.name AND time > ?1) "
        "FROM workers w ORDER BY w.name");
    s.Bind(1, now - window_seconds);
    while (s.Step()) {
        WorkerStats w;
        w.worker = s.Text(0);
        w.site = s.Text(1);
        w.accepted = s.Int(2);
        w.rejected = s.Int(3);
        w.accepted_work = s.Real(4);
        w.blocks = s.Int(5);
        w.last_share_time = s.Int(6);
        // Each unit of difficulty is 2^32 expected hashes.
        w.hashrate = s.Real(7) * 4294967296.0 / double(window_seconds);
        out.push_back(std::move(w));
    }
    return out;
}

std::vector<WindowEntry> ShareStore::Window(int64_t count) const
{
    std::lock_guard lock(m_mutex);
    std::vector<WindowEntry> out;
    sql::Statement s = m_db->Prepare(
        "SELECT worker, COUNT(*), SUM(difficulty) FROM (SELECT worker, difficulty FROM shares ORDER BY id DESC "
        "LIMIT ?1) GROUP BY worker ORDER BY worker");
    s.Bind(1, count);
    while (s.Step()) out.push_back(WindowEntry{s.Text(0), s.Int(1), s.Real(2)});
    return out;
}

std::vector<FoundBlock> ShareStore::Blocks() const
{
    std::lock_guard lock(m_mutex);
    std::vector<FoundBlock> out;
    sql::Statement s = m_db->Prepare("SELECT hash, height, worker, time, accepted FROM blocks ORDER BY height, time");
    while (s.Step()) {
        out.push_back(FoundBlock{s.Text(0), static_cast<int>(s.Int(1)), s.Text(2), s.Int(3), s.Int(4) != 0, ""});
    }
    return out;
}

std::optional<int64_t> ShareStore::NextPayoutIndex(const std::string& descriptor) const
{
    std::lock_guard lock(m_mutex);
    sql::Statement s = m_db->Prepare("SELECT next_index FROM payout_index WHERE descriptor = ?1");
    s.Bind(1, std::string_view(descriptor));
    if (s.Step()) return s.Int(0);
    if (s.Failed()) return std::nullopt;
    return int64_t{0};
}

bool ShareStore::UsePayoutIndex(const std::string& descriptor, int64_t index)
{
    std::lock_guard lock(m_mutex);
    // One statement is one (autocommit) transaction: durable before it returns (synchronous=FULL).
    sql::Statement s = m_db->Prepare(
        "INSERT INTO payout_index (descriptor, next_index) VALUES (?1, ?2) ON CONFLICT(descriptor) DO UPDATE SET "
        "next_index = MAX(next_index, ?2)");
    return s.Bind(1, std::string_view(descriptor)).Bind(2, index + 1).Run();
}

}  // namespace pool
