// The ledger's PostgreSQL store (libpq): the same rows as the SQLite file, in tables prefixed ledger_, for a ledger
// shared by several machines. Durability is the server's (a COMMIT returns after its WAL is flushed with the
// default synchronous_commit=on). One connection, used under a mutex; a dropped connection is re-established once
// per call. See store.h.
#include "ledger/store.h"

#include "util/strencodings.h"

#include <libpq-fe.h>

#include <mutex>

namespace {
constexpr int SCHEMA_VERSION = 1;

const char* SCHEMA = R"(
CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_entries (
    id BIGSERIAL PRIMARY KEY,
    time BIGINT NOT NULL,
    kind TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    fiat BIGINT NOT NULL CHECK (fiat >= 0),
    currency TEXT NOT NULL,
    venue TEXT NOT NULL,
    source TEXT NOT NULL,
    txid TEXT,
    memo TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_entries_time ON ledger_entries (time, id);
CREATE TABLE IF NOT EXISTS ledger_prices (
    date TEXT NOT NULL,
    currency TEXT NOT NULL,
    price BIGINT NOT NULL CHECK (price > 0),
    PRIMARY KEY (date, currency)
);
CREATE TABLE IF NOT EXISTS ledger_policy (key TEXT PRIMARY KEY, value TEXT NOT NULL);
)";

/** A query result, cleared on scope exit. */
class Result
{
public:
    explicit Result(PGresult* r) : m_r(r) {}
    ~Result() { PQclear(m_r); }
    Result(const Result&) = delete;
    Result& operator=(const Result&) = delete;
    bool Ok() const
    {
        const ExecStatusType s = m_r ? PQresultStatus(m_r) : PGRES_FATAL_ERROR;
        return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
    }
    int Rows() const { return m_r ? PQntuples(m_r) : 0; }
    std::string Text(int row, int col) const { return PQgetvalue(m_r, row, col); }
    int64_t Int(int row, int col) const { return ParseInt64(Text(row, col)).value_or(0); }
    bool IsNull(int row, int col) const { return PQgetisnull(m_r, row, col); }
    std::string Error() const { return m_r ? PQresultErrorMessage(m_r) : "no result"; }

private:
    PGresult* m_r;
};

class PostgresLedgerStore final : public LedgerStore
{
public:
    explicit PostgresLedgerStore(PGconn* conn) : m_conn(conn) {}
    ~PostgresLedgerStore() override { PQfinish(m_conn); }

    /** Runs sql with text parameters ($1, $2, ...; std::nullopt is NULL). */
    Result Exec(const std::string& sql, const std::vector<std::optional<std::string>>& params = {})
    {
        if (PQstatus(m_conn) != CONNECTION_OK) PQreset(m_conn);
        std::vector<const char*> values;
        for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
        if (params.empty()) return Result(PQexec(m_conn, sql.c_str()));
        return Result(PQexecParams(m_conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                                   nullptr, nullptr, 0));
    }
    std::string ConnectionError() const { return PQerrorMessage(m_conn); }

    std::vector<LedgerEntry> Entries() override
    {
        std::lock_guard lock(m_mutex);
        return EntriesLocked();
    }

    std::map<std::string, std::string> PolicyValues() override
    {
        std::lock_guard lock(m_mutex);
        return PolicyLocked();
    }

    bool SetPolicyValues(const std::map<std::string, std::string>& values, std::string* error) override
    {
        std::lock_guard lock(m_mutex);
        return InTransaction(error, [&](std::string& why) {
            for (const auto& [key, value] : values) {
                Result r = Exec("INSERT INTO ledger_policy (key, value) VALUES ($1, $2) "
                                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;",
                                {key, value});
                if (!r.Ok()) {
                    why = r.Error();
                    return false;
                }
            }
            return true;
        });
    }

    std::optional<int64_t> AddEntry(const LedgerEntry& e, const EntryCheck& check, std::string* error) override
    {
        std::lock_guard lock(m_mutex);
        std::optional<int64_t> id;
        const bool ok = InTransaction(error, [&](std::string& why) {
            // Readers go on; another writer waits until this entry is in (or refused): the policy check sees
            // every entry that was acknowledged before it.
            Result locked = Exec("LOCK TABLE ledger_entries IN EXCLUSIVE MODE;");
            if (!locked.Ok()) {
                why = "the ledger is busy: " + locked.Error();
                return false;
            }
            why = check(EntriesLocked(), PolicyLocked());
            if (!why.empty()) return false;
            Result r = Exec("INSERT INTO ledger_entries (time, kind, amount, fiat, currency, venue, source, txid, memo) "
                            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id;",
                            {std::to_string(e.time), EntryKindName(e.kind), std::to_string(e.amount),
                             std::to_string(e.fiat), e.currency, e.venue, e.source, e.txid, e.memo});
            if (!r.Ok() || r.Rows() != 1) {
                why = "cannot store the entry: " + r.Error();
                return false;
            }
            id = r.Int(0, 0);
            return true;
        });
        return ok ? id : std::nullopt;
    }

    bool UpsertPrices(const std::vector<PriceRow>& rows, std::string* error) override
    {
        std::lock_guard lock(m_mutex);
        return InTransaction(error, [&](std::string& why) {
            for (const PriceRow& p : rows) {
                Result r = Exec("INSERT INTO ledger_prices (date, currency, price) VALUES ($1, $2, $3) "
                                "ON CONFLICT (date, currency) DO UPDATE SET price = EXCLUDED.price;",
                                {p.date, p.currency, std::to_string(p.price)});
                if (!r.Ok()) {
                    why = "cannot store prices: " + r.Error();
                    return false;
                }
            }
            return true;
        });
    }

    std::optional<std::pair<int64_t, std::string>> PriceAt(const std::string& date, const std::string& currency) override
    {
        std::lock_guard lock(m_mutex);
        Result r = Exec("SELECT price, date FROM ledger_prices WHERE currency = $1 AND date <= $2 "
                        "ORDER BY date DESC LIMIT 1;",
                        {currency, date});
        if (!r.Ok() || r.Rows() == 0) return std::nullopt;
        return std::make_pair(r.Int(0, 0), r.Text(0, 1));
    }

    std::vector<std::string> PriceDates(const std::string& currency, const std::string& from) override
    {
        std::lock_guard lock(m_mutex);
        Result r = Exec("SELECT date FROM ledger_prices WHERE currency = $1 AND date >= $2 ORDER BY date;", {currency, from});
        std::vector<std::string> out;
        for (int i = 0; r.Ok() && i < r.Rows(); ++i) out.push_back(r.Text(i, 0));
        return out;
    }

private:
    std::vector<LedgerEntry> EntriesLocked()
    {
        Result r = Exec("SELECT id, time, kind, amount, fiat, currency, venue, source, txid, memo FROM ledger_entries "
                        "ORDER BY time, id;");
        std::vector<LedgerEntry> out;
        for (int i = 0; r.Ok() && i < r.Rows(); ++i) {
            LedgerEntry e;
            e.id = r.Int(i, 0);
            e.time = r.Int(i, 1);
            e.kind = ParseEntryKind(r.Text(i, 2)).value_or(EntryKind::PURCHASE);
            e.amount = r.Int(i, 3);
            e.fiat = r.Int(i, 4);
            e.currency = r.Text(i, 5);
            e.venue = r.Text(i, 6);
            e.source = r.Text(i, 7);
            if (!r.IsNull(i, 8)) e.txid = r.Text(i, 8);
            e.memo = r.Text(i, 9);
            out.push_back(std::move(e));
        }
        return out;
    }

    std::map<std::string, std::string> PolicyLocked()
    {
        Result r = Exec("SELECT key, value FROM ledger_policy;");
        std::map<std::string, std::string> out;
        for (int i = 0; r.Ok() && i < r.Rows(); ++i) out[r.Text(i, 0)] = r.Text(i, 1);
        return out;
    }

    /** BEGIN; body; COMMIT, or ROLLBACK when body fails (its reason in *error). */
    template <typename F>
    bool InTransaction(std::string* error, F body)
    {
        Result begin = Exec("BEGIN;");
        if (!begin.Ok()) {
            if (error) *error = "the ledger database is unreachable: " + begin.Error();
            return false;
        }
        std::string why;
        if (!body(why)) {
            Exec("ROLLBACK;");
            if (error) *error = why;
            return false;
        }
        Result commit = Exec("COMMIT;");
        if (!commit.Ok()) {
            if (error) *error = "cannot commit: " + commit.Error();
            return false;
        }
        return true;
    }

    PGconn* m_conn;
    std::mutex m_mutex;
};
}  // namespace

bool IsPostgresLocation(const std::string& location)
{
    for (const char* prefix : {"postgresql://", "postgres://", "host=", "hostaddr=", "dbname=", "service=", "user=", "port="}) {
        if (location.rfind(prefix, 0) == 0) return true;
    }
    return false;
}

std::unique_ptr<LedgerStore> OpenPostgresLedgerStore(const std::string& conninfo, std::string* error)
{
    PGconn* conn = PQconnectdb(conninfo.c_str());
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
        // libpq's message names the host and the problem, never the password.
        if (error) *error = std::string("cannot connect to the PostgreSQL ledger: ") + (conn ? PQerrorMessage(conn) : "out of memory");
        PQfinish(conn);
        return nullptr;
    }
    auto store = std::make_unique<PostgresLedgerStore>(conn);
    Result notices = store->Exec("SET client_min_messages = warning;");  // no NOTICE lines for IF NOT EXISTS
    Result schema = store->Exec(SCHEMA);
    if (!schema.Ok()) {
        if (error) *error = "cannot create the ledger tables: " + schema.Error();
        return nullptr;
    }
    Result version = store->Exec("SELECT value FROM ledger_meta WHERE key = 'schema_version';");
    if (version.Ok() && version.Rows() == 1 && version.Int(0, 0) > SCHEMA_VERSION) {
        if (error) *error = "the PostgreSQL ledger was written by a newer Sovereign (schema " + version.Text(0, 0) + "); upgrade to open it.";
        return nullptr;
    }
    Result set = store->Exec("INSERT INTO ledger_meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO NOTHING;",
                             {std::to_string(SCHEMA_VERSION)});
    if (!set.Ok()) {
        if (error) *error = "cannot record the ledger schema version: " + set.Error();
        return nullptr;
    }
    return store;
}
