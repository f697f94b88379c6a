// Where the treasury ledger keeps its rows: SQLite (one file, the default) or PostgreSQL (a server, for
// deployments that outgrow one machine), chosen by the location string. The Ledger class holds the rules; a
// store only reads and writes rows, durably, and runs an entry's policy check and insert as one transaction that
// no concurrent writer can interleave with.
#pragma once

#include "ledger/ledger.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

class LedgerStore
{
public:
    virtual ~LedgerStore() = default;
    /** Every entry in (time, id) order. */
    virtual std::vector<LedgerEntry> Entries() = 0;
    /** The policy rows (key -> value). */
    virtual std::map<std::string, std::string> PolicyValues() = 0;
    /** Replaces the given policy rows in one transaction. */
    virtual bool SetPolicyValues(const std::map<std::string, std::string>& values, std::string* error) = 0;
    /** In one exclusive transaction: check(entries, policy values) returns "" to accept (the entry is then
     *  inserted and its new id returned) or the reason to refuse (then *error is it and nothing is written). */
    using EntryCheck = std::function<std::string(const std::vector<LedgerEntry>&, const std::map<std::string, std::string>&)>;
    virtual std::optional<int64_t> AddEntry(const LedgerEntry& entry, const EntryCheck& check, std::string* error) = 0;
    /** Inserts or replaces prices, all or nothing. */
    virtual bool UpsertPrices(const std::vector<PriceRow>& rows, std::string* error) = 0;
    /** The latest price on or before date: (price, its date). */
    virtual std::optional<std::pair<int64_t, std::string>> PriceAt(const std::string& date, const std::string& currency) = 0;
    /** Dates with a price on or after from, in order. */
    virtual std::vector<std::string> PriceDates(const std::string& currency, const std::string& from) = 0;
};

/** True for PostgreSQL connection strings ("postgresql://…", "postgres://…" or "key=value …" conninfo). */
bool IsPostgresLocation(const std::string& location);
/** Opens (creating the schema when missing) the store at location: a SQLite file path or a PostgreSQL connection
 *  string. nullptr and *error (what to do next) on failure; a damaged or newer store is never written. */
std::unique_ptr<LedgerStore> OpenSqliteLedgerStore(const std::filesystem::path& path, std::string* error);
std::unique_ptr<LedgerStore> OpenPostgresLedgerStore(const std::string& conninfo, std::string* error);
