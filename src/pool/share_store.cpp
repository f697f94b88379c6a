// SQLite share accounting (see share_store.h).
#include "pool/share_store.h"

#include "util/logging.h"

#include <sqlite3.h>

#include <algorithm>

namespace pool {
namespace {
/** A prepared statement that finalizes itself. */
class Stmt
{
public:
    Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &m_stmt, nullptr); }
    ~Stmt() { sqlite3_finalize(m_stmt); }
    explicit operator bool() const { return m_stmt != nullptr; }
    Stmt& Bind(int i, const std::string& s)
    {
        sqlite3_bind_text(m_stmt, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& Bind(int i, int64_t v)
    {
        sqlite3_bind_int64(m_stmt, i, v);
        return *this;
    }
    Stmt& Bind(int i, double v)
    {
        sqlite3_bind_double(m_stmt, i, v);
        return *this;
    }
    int Step() { return sqlite3_step(m_stmt); }
    void Reset()
    {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
    }
    std::string Text(int c) const
    {
        const unsigned char* t = sqlite3_column_text(m_stmt, c);
        return t ? reinterpret_cast<const char*>(t) : "";
    }
    int64_t Int(int c) const { return sqlite3_column_int64(m_stmt, c); }
    double Real(int c) const { return sqlite3_column_double(m_stmt, c); }

private:
    sqlite3_stmt* m_stmt{nullptr};
};
}  // namespace

std::unique_ptr<ShareStore> ShareStore::Open(const std::filesystem::path& file, std::string* error, int64_t keep_shares)
{
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
        if (error) *error = "cannot open pool database " + file.string() + ": " + (db ? sqlite3_errmsg(db) : "");
        sqlite3_close(db);
        return nullptr;
    }
    std::unique_ptr<ShareStore> store(new ShareStore(db, std::max<int64_t>(keep_shares, 1)));
    // WAL keeps readers (RPC) off the writer's back; synchronous=FULL fsyncs each commit, so an acknowledged
    // share survives power loss.
    const char* schema =
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=FULL;"
        "CREATE TABLE IF NOT EXISTS workers (name TEXT PRIMARY KEY, site TEXT NOT NULL, accepted INTEGER NOT NULL,"
        " rejected INTEGER NOT NULL, accepted_work REAL NOT NULL, blocks INTEGER NOT NULL, last_share INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS shares (id INTEGER PRIMARY KEY AUTOINCREMENT, worker TEXT NOT NULL,"
        " difficulty REAL NOT NULL, time INTEGER NOT NULL);"
        "CREATE INDEX IF NOT EXISTS shares_time ON shares(time);"
        "CREATE TABLE IF NOT EXISTS blocks (hash TEXT PRIMARY KEY, height INTEGER NOT NULL, worker TEXT NOT NULL,"
        " time INTEGER NOT NULL, accepted INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS payout_index (descriptor TEXT PRIMARY KEY, next_index INTEGER NOT NULL);";
    if (!store->Exec(schema)) {
        if (error) *error = "cannot initialise pool database " + file.string() + ": " + sqlite3_errmsg(db);
        return nullptr;
    }
    return store;
}

ShareStore::~ShareStore() { sqlite3_close(m_db); }

bool ShareStore::Exec(const std::string& sql) const
{
    char* msg = nullptr;
    if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
        LogPrintf("pool: sqlite error: %s\n", msg ? msg : "?");
        sqlite3_free(msg);
        return false;
    }
    return true;
}

bool ShareStore::UpsertWorker(const std::string& worker, const std::string& site, int64_t accepted, int64_t rejected,
                              double work, int64_t blocks, int64_t time)
{
    Stmt s(m_db,
           "INSERT INTO workers (name, site, accepted, rejected, accepted_work, blocks, last_share) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(name) DO UPDATE SET accepted = accepted + ?3, "
           "rejected = rejected + ?4, accepted_work = accepted_work + ?5, blocks = blocks + ?6, "
           "last_share = MAX(last_share, ?7)");
    if (!s) return false;
    s.Bind(1, worker).Bind(2, site).Bind(3, accepted).Bind(4, rejected).Bind(5, work).Bind(6, blocks).Bind(7, time);
    return s.Step() == SQLITE_DONE;
}

bool ShareStore::AddAccepted(const std::string& worker, const std::string& site, double difficulty, int64_t time)
{
    std::lock_guard lock(m_mutex);
    if (!Exec("BEGIN IMMEDIATE")) return false;
    bool ok = UpsertWorker(worker, site, 1, 0, difficulty, 0, time);
    if (ok) {
        Stmt s(m_db, "INSERT INTO shares (worker, difficulty, time) VALUES (?1, ?2, ?3)");
        ok = s && s.Bind(1, worker).Bind(2, difficulty).Bind(3, time).Step() == SQLITE_DONE;
    }
    if (ok && ++m_inserts % 1024 == 0) {
        // Bounded table: drop rows that are both outside the kept window and older than a day.
        Stmt d(m_db, "DELETE FROM shares WHERE id <= (SELECT MAX(id) FROM shares) - ?1 AND time < ?2");
        ok = d && d.Bind(1, m_keep).Bind(2, time - 86400).Step() == SQLITE_DONE;
    }
    if (!ok) {
        Exec("ROLLBACK");
        return false;
    }
    return Exec("COMMIT");
}

bool ShareStore::AddAcceptedBatch(const std::vector<AcceptedShare>& shares)
{
    if (shares.empty()) return true;
    std::lock_guard lock(m_mutex);
    if (!Exec("BEGIN IMMEDIATE")) return false;
    bool ok = true;
    {
        Stmt ins(m_db, "INSERT INTO shares (worker, difficulty, time) VALUES (?1, ?2, ?3)");
        ok = static_cast<bool>(ins);
        for (size_t i = 0; ok && i < shares.size(); ++i) {
            const AcceptedShare& s = shares[i];
            ok = UpsertWorker(s.worker, s.site, 1, 0, s.difficulty, 0, s.time);
            if (ok) ok = ins.Bind(1, s.worker).Bind(2, s.difficulty).Bind(3, s.time).Step() == SQLITE_DONE;
            ins.Reset();
            if (ok && ++m_inserts % 1024 == 0) {
                // Bounded table: drop rows that are both outside the kept window and older than a day.
                Stmt d(m_db, "DELETE FROM shares WHERE id <= (SELECT MAX(id) FROM shares) - ?1 AND time < ?2");
                ok = d && d.Bind(1, m_keep).Bind(2, s.time - 86400).Step() == SQLITE_DONE;
            }
        }
    }
    if (!ok) {
        Exec("ROLLBACK");
        return false;
    }
    return Exec("COMMIT");
}

bool ShareStore::AddRejected(const std::string& worker, const std::string& site, int64_t time)
{
    std::lock_guard lock(m_mutex);
    return UpsertWorker(worker, site, 0, 1, 0, 0, time);
}

bool ShareStore::AddBlock(const FoundBlock& block)
{
    std::lock_guard lock(m_mutex);
    if (!Exec("BEGIN IMMEDIATE")) return false;
    Stmt s(m_db, "INSERT OR REPLACE INTO blocks (hash, height, worker, time, accepted) VALUES (?1, ?2, ?3, ?4, ?5)");
    bool ok = s && s.Bind(1, block.hash).Bind(2, int64_t{block.height}).Bind(3, block.worker).Bind(4, block.time)
                           .Bind(5, int64_t{block.accepted}).Step() == SQLITE_DONE;
    if (ok && block.accepted) {
        // The block's share may still wait in the pool's group commit: create the worker's row if need be.
        ok = UpsertWorker(block.worker, block.site, 0, 0, 0, 1, block.time);
    }
    if (!ok) {
        Exec("ROLLBACK");
        return false;
    }
    return Exec("COMMIT");
}

std::vector<WorkerStats> ShareStore::Workers(int64_t now, int64_t window_seconds) const
{
    std::lock_guard lock(m_mutex);
    std::vector<WorkerStats> out;
    Stmt s(m_db,
           "SELECT w.name, w.site, w.accepted, w.rejected, w.accepted_work, w.blocks, w.last_share, "
           "(SELECT IFNULL(SUM(difficulty), 0) FROM shares WHERE worker = w.name AND time > ?1) "
           "FROM workers w ORDER BY w.name");
    if (!s) return out;
    s.Bind(1, now - window_seconds);
    while (s.Step() == SQLITE_ROW) {
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
    Stmt s(m_db,
           "SELECT worker, COUNT(*), SUM(difficulty) FROM (SELECT worker, difficulty FROM shares ORDER BY id DESC "
           "LIMIT ?1) GROUP BY worker ORDER BY worker");
    if (!s) return out;
    s.Bind(1, count);
    while (s.Step() == SQLITE_ROW) out.push_back(WindowEntry{s.Text(0), s.Int(1), s.Real(2)});
    return out;
}

std::vector<FoundBlock> ShareStore::Blocks() const
{
    std::lock_guard lock(m_mutex);
    std::vector<FoundBlock> out;
    Stmt s(m_db, "SELECT hash, height, worker, time, accepted FROM blocks ORDER BY height, time");
    if (!s) return out;
    while (s.Step() == SQLITE_ROW) {
        out.push_back(FoundBlock{s.Text(0), static_cast<int>(s.Int(1)), s.Text(2), s.Int(3), s.Int(4) != 0, ""});
    }
    return out;
}

std::optional<int64_t> ShareStore::NextPayoutIndex(const std::string& descriptor) const
{
    std::lock_guard lock(m_mutex);
    Stmt s(m_db, "SELECT next_index FROM payout_index WHERE descriptor = ?1");
    if (!s) return std::nullopt;
    s.Bind(1, descriptor);
    const int rc = s.Step();
    if (rc == SQLITE_ROW) return s.Int(0);
    if (rc == SQLITE_DONE) return int64_t{0};
    return std::nullopt;
}

bool ShareStore::UsePayoutIndex(const std::string& descriptor, int64_t index)
{
    std::lock_guard lock(m_mutex);
    // One statement is one (autocommit) transaction: durable before it returns (synchronous=FULL).
    Stmt s(m_db,
           "INSERT INTO payout_index (descriptor, next_index) VALUES (?1, ?2) ON CONFLICT(descriptor) DO UPDATE SET "
           "next_index = MAX(next_index, ?2)");
    return s && s.Bind(1, descriptor).Bind(2, index + 1).Step() == SQLITE_DONE;
}

}  // namespace pool
