// SQLite wrapper; see sqlite.h.
#include "sqlite/sqlite.h"

#include <sqlite3.h>

namespace sql {

std::unique_ptr<Database> Database::Open(const std::filesystem::path& path, bool create, std::string* error)
{
    auto fail = [&](std::string why) -> std::unique_ptr<Database> {
        if (error) *error = std::move(why);
        return nullptr;
    };
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    if (!exists && !create) return fail("database " + path.string() + " does not exist");
    std::unique_ptr<Database> db(new Database());
    const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db->m_db, flags, nullptr) != SQLITE_OK) {
        return fail("cannot open " + path.string() + ": " + (db->m_db ? sqlite3_errmsg(db->m_db) : "out of memory"));
    }
    sqlite3_busy_timeout(db->m_db, 5000);
    // Reading the schema fails on a file that is not a database or is truncated mid-header; stop before any
    // pragma could rewrite it.
    std::string why;
    if (!db->Exec("SELECT count(*) FROM sqlite_master;", &why)) {
        return fail(path.string() + " is not a readable database (" + why +
                    "); it was left untouched. Restore it from a backup or move it away.");
    }
    if (!db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;", &why)) {
        return fail("cannot configure " + path.string() + ": " + why);
    }
    auto check = db->Prepare("PRAGMA quick_check;");
    if (!check.Ok() || !check.Step() || check.Text(0) != "ok") {
        return fail(path.string() + " is corrupted (integrity check failed); it was left untouched. Restore it "
                                    "from a backup.");
    }
    return db;
}

Database::~Database()
{
    if (m_db) sqlite3_close_v2(m_db);
}

bool Database::Exec(std::string_view sql, std::string* error)
{
    char* msg = nullptr;
    const std::string text(sql);
    if (sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
        if (error) *error = msg ? msg : sqlite3_errmsg(m_db);
        sqlite3_free(msg);
        return false;
    }
    return true;
}

Statement Database::Prepare(std::string_view sql)
{
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK) {
        stmt = nullptr;
    }
    return Statement(m_db, stmt);
}

std::string Database::LastError() const { return sqlite3_errmsg(m_db); }
int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(m_db); }

int Database::UserVersion()
{
    auto s = Prepare("PRAGMA user_version;");
    return s.Ok() && s.Step() ? static_cast<int>(s.Int(0)) : -1;
}

bool Database::SetUserVersion(int version) { return Exec("PRAGMA user_version=" + std::to_string(version) + ";"); }

Statement::Statement(Statement&& other) noexcept : m_db(other.m_db), m_stmt(other.m_stmt), m_failed(other.m_failed)
{
    other.m_stmt = nullptr;
}

Statement::~Statement()
{
    if (m_stmt) sqlite3_finalize(m_stmt);
}

Statement& Statement::Bind(int index, int64_t value)
{
    if (m_stmt && sqlite3_bind_int64(m_stmt, index, value) != SQLITE_OK) m_failed = true;
    return *this;
}

Statement& Statement::Bind(int index, std::string_view text)
{
    if (m_stmt && sqlite3_bind_text(m_stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) !=
                      SQLITE_OK) {
        m_failed = true;
    }
    return *this;
}

Statement& Statement::Bind(int index, const std::vector<uint8_t>& blob)
{
    if (m_stmt && sqlite3_bind_blob(m_stmt, index, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT) !=
                      SQLITE_OK) {
        m_failed = true;
    }
    return *this;
}

Statement& Statement::BindNull(int index)
{
    if (m_stmt && sqlite3_bind_null(m_stmt, index) != SQLITE_OK) m_failed = true;
    return *this;
}

Statement& Statement::Bind(int index, const std::optional<std::string>& text)
{
    return text ? Bind(index, std::string_view(*text)) : BindNull(index);
}

bool Statement::Step()
{
    if (!m_stmt || m_failed) {
        m_failed = true;
        return false;
    }
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) m_failed = true;
    return false;
}

bool Statement::Run()
{
    Step();
    return !m_failed;
}

void Statement::Reset()
{
    if (!m_stmt) return;
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
    m_failed = false;
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(m_stmt, column); }

double Statement::Real(int column) const { return sqlite3_column_double(m_stmt, column); }

Statement& Statement::BindReal(int index, double value)
{
    if (m_stmt && sqlite3_bind_double(m_stmt, index, value) != SQLITE_OK) m_failed = true;
    return *this;
}

std::string Statement::Text(int column) const
{
    const unsigned char* p = sqlite3_column_text(m_stmt, column);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(m_stmt, column)) : std::string();
}

std::vector<uint8_t> Statement::Blob(int column) const
{
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(m_stmt, column));
    return p ? std::vector<uint8_t>(p, p + sqlite3_column_bytes(m_stmt, column)) : std::vector<uint8_t>();
}

bool Statement::IsNull(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }

Transaction::Transaction(Database& db) : m_db(db) { m_open = m_db.Exec("BEGIN IMMEDIATE;"); }

Transaction::~Transaction()
{
    if (m_open) m_db.Exec("ROLLBACK;");
}

bool Transaction::Commit(std::string* error)
{
    if (!m_open) {
        if (error) *error = "no open transaction";
        return false;
    }
    if (!m_db.Exec("COMMIT;", error)) return false;
    m_open = false;
    return true;
}

}  // namespace sql
