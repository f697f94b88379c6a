// A thin SQLite layer for the stores that are files of records (ledger, wallets, pool shares): open with WAL and
// full fsync, prepared statements with typed binds, and RAII transactions. Errors are returned, never thrown.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace sql {

class Statement;

class Database
{
public:
    /** Opens (creating when create is set) a database file with journal_mode=WAL, synchronous=FULL and foreign
     *  keys on, and checks it is a readable SQLite file. nullptr and *error (what to do next) on failure. A file
     *  that is not a database is never overwritten. */
    static std::unique_ptr<Database> Open(const std::filesystem::path& path, bool create, std::string* error);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    /** Runs one or more statements without results (schema, pragmas). */
    bool Exec(std::string_view sql, std::string* error = nullptr);
    /** A prepared statement; invalid (check Ok()) with the error in LastError() when the SQL is wrong. */
    Statement Prepare(std::string_view sql);
    std::string LastError() const;
    int64_t LastInsertRowId() const;
    /** PRAGMA user_version, used as the schema version. */
    int UserVersion();
    bool SetUserVersion(int version);
    sqlite3* Handle() const { return m_db; }

private:
    Database() = default;
    sqlite3* m_db{nullptr};
};

class Statement
{
public:
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;
    ~Statement();
    bool Ok() const { return m_stmt != nullptr; }

    // Binds are 1-based like SQLite's; each returns *this so they chain.
    Statement& Bind(int index, int64_t value);
    Statement& Bind(int index, std::string_view text);
    Statement& Bind(int index, const std::vector<uint8_t>& blob);
    Statement& BindNull(int index);
    Statement& Bind(int index, const std::optional<std::string>& text);
    /** A REAL (its own name: an int argument would make Bind(int64_t)/Bind(double) ambiguous). */
    Statement& BindReal(int index, double value);

    /** Advances: true when a row is available; false at the end or on error (then Failed() is true). */
    bool Step();
    /** Runs a statement without rows; false on error. */
    bool Run();
    bool Failed() const { return m_failed; }
    void Reset();

    int64_t Int(int column) const;
    double Real(int column) const;
    std::string Text(int column) const;
    std::vector<uint8_t> Blob(int column) const;
    bool IsNull(int column) const;

private:
    friend class Database;
    Statement(sqlite3* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}
    sqlite3* m_db;
    sqlite3_stmt* m_stmt;
    bool m_failed{false};
};

/** BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless Commit() succeeded. */
class Transaction
{
public:
    explicit Transaction(Database& db);
    ~Transaction();
    bool Ok() const { return m_open; }
    bool Commit(std::string* error = nullptr);

private:
    Database& m_db;
    bool m_open{false};
};

}  // namespace sql
