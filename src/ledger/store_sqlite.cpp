// The ledger's SQLite store (WAL, synchronous=FULL: an acknowledged entry survives kill -9); see store.h.
#include "ledger/store.h"

#include "sqlite/sqlite.h"

namespace {
constexpr int SCHEMA_VERSION = 1;

const char* SCHEMA = R"(
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time INTEGER NOT NULL,
    kind TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    fiat INTEGER NOT NULL CHECK (fiat >= 0),
    currency TEXT NOT NULL,
    venue TEXT NOT NULL,
    source TEXT NOT NULL,
    txid TEXT,
    memo TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_time ON entries (time, id);
CREATE TABLE IF NOT EXISTS prices (
    date TEXT NOT NULL,
    currency TEXT NOT NULL,
    price INTEGER NOT NULL CHECK (price > 0),
    PRIMARY KEY (date, currency)
);
CREATE TABLE IF NOT EXISTS policy (key TEXT PRIMARY KEY, value TEXT NOT NULL);
)";

class SqliteLedgerStore final : public LedgerStore
{
public:
    explicit SqliteLedgerStore(std::unique_ptr<sql::Database> db) : m_db(std::move(db)) {}

    std::vector<LedgerEntry> Entries() override
    {
        std::vector<LedgerEntry> out;
        auto s = m_db->Prepare("SELECT id, time, kind, amount, fiat, currency, venue, source, txid, memo FROM entries "
                               "ORDER BY time, id;");
        while (s.Step()) {
            LedgerEntry e;
            e.id = s.Int(0);
            e.time = s.Int(1);
            e.kind = ParseEntryKind(s.Text(2)).value_or(EntryKind::PURCHASE);
            e.amount = s.Int(3);
            e.fiat = s.Int(4);
            e.currency = s.Text(5);
            e.venue = s.Text(6);
            e.source = s.Text(7);
            if (!s.IsNull(8)) e.txid = s.Text(8);
            e.memo = s.Text(9);
            out.push_back(std::move(e));
        }
        return out;
    }

    std::map<std::string, std::string> PolicyValues() override
    {
        std::map<std::string, std::string> out;
        auto s = m_db->Prepare("SELECT key, value FROM policy;");
        while (s.Step()) out[s.Text(0)] = s.Text(1);
        return out;
    }

    bool SetPolicyValues(const std::map<std::string, std::string>& values, std::string* error) override
    {
        sql::Transaction tx(*m_db);
        for (const auto& [key, value] : values) {
            auto s = m_db->Prepare("INSERT OR REPLACE INTO policy (key, value) VALUES (?, ?);");
            if (!s.Bind(1, std::string_view(key)).Bind(2, std::string_view(value)).Run()) {
                if (error) *error = m_db->LastError();
                return false;
            }
        }
        return tx.Commit(error);
    }

    std::optional<int64_t> AddEntry(const LedgerEntry& e, const EntryCheck& check, std::string* error) override
    {
        auto refuse = [&](std::string why) -> std::optional<int64_t> {
            if (error) *error = std::move(why);
            return std::nullopt;
        };
        sql::Transaction tx(*m_db);  // BEGIN IMMEDIATE: no other writer until commit
        if (!tx.Ok()) return refuse("the ledger is busy or read-only: " + m_db->LastError());
        if (std::string why = check(Entries(), PolicyValues()); !why.empty()) return refuse(why);
        auto s = m_db->Prepare("INSERT INTO entries (time, kind, amount, fiat, currency, venue, source, txid, memo) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?);");
        s.Bind(1, e.time).Bind(2, std::string_view(EntryKindName(e.kind))).Bind(3, e.amount).Bind(4, e.fiat);
        s.Bind(5, std::string_view(e.currency)).Bind(6, std::string_view(e.venue)).Bind(7, std::string_view(e.source));
        s.Bind(8, e.txid).Bind(9, std::string_view(e.memo));
        if (!s.Run()) return refuse("cannot store the entry: " + m_db->LastError());
        const int64_t id = m_db->LastInsertRowId();
        std::string why;
        if (!tx.Commit(&why)) return refuse("cannot commit the entry: " + why);
        return id;
    }

    bool UpsertPrices(const std::vector<PriceRow>& rows, std::string* error) override
    {
        sql::Transaction tx(*m_db);
        auto s = m_db->Prepare("INSERT OR REPLACE INTO prices (date, currency, price) VALUES (?, ?, ?);");
        for (const PriceRow& r : rows) {
            s.Reset();
            if (!s.Bind(1, std::string_view(r.date)).Bind(2, std::string_view(r.currency)).Bind(3, r.price).Run()) {
                if (error) *error = "cannot store prices: " + m_db->LastError();
                return false;
            }
        }
        std::string why;
        if (!tx.Commit(&why)) {
            if (error) *error = "cannot commit prices: " + why;
            return false;
        }
        return true;
    }

    std::optional<std::pair<int64_t, std::string>> PriceAt(const std::string& date, const std::string& currency) override
    {
        auto s = m_db->Prepare("SELECT price, date FROM prices WHERE currency = ? AND date <= ? ORDER BY date DESC LIMIT 1;");
        s.Bind(1, std::string_view(currency)).Bind(2, std::string_view(date));
        if (!s.Step()) return std::nullopt;
        return std::make_pair(s.Int(0), s.Text(1));
    }

    std::vector<std::string> PriceDates(const std::string& currency, const std::string& from) override
    {
        std::vector<std::string> out;
        auto s = m_db->Prepare("SELECT date FROM prices WHERE currency = ? AND date >= ? ORDER BY date;");
        s.Bind(1, std::string_view(currency)).Bind(2, std::string_view(from));
        while (s.Step()) out.push_back(s.Text(0));
        return out;
    }

private:
    std::unique_ptr<sql::Database> m_db;
};
}  // namespace

std::unique_ptr<LedgerStore> OpenSqliteLedgerStore(const std::filesystem::path& path, std::string* error)
{
    auto db = sql::Database::Open(path, true, error);
    if (!db) return nullptr;
    const int version = db->UserVersion();
    if (version > SCHEMA_VERSION) {
        if (error) *error = path.string() + " was written by a newer Sovereign (schema " + std::to_string(version) +
                            "); upgrade to open it.";
        return nullptr;
    }
    std::string why;
    if (!db->Exec(SCHEMA, &why) || !db->SetUserVersion(SCHEMA_VERSION)) {
        if (error) *error = "cannot create the ledger schema in " + path.string() + ": " + why;
        return nullptr;
    }
    return std::make_unique<SqliteLedgerStore>(std::move(db));
}
