// The treasury ledger: what the reserve bought, mined, received, sold, paid and spent in fees, at what fiat
// value; cost basis (FIFO or average cost), mark-to-market from an imported price series, realized and
// unrealized P&L, holdings over time, acquisition policy (limits, schedule, freeze), reconciliation against the
// chain, and exports. Stored in SQLite (WAL, fsync on every commit: an acknowledged entry survives kill -9) or
// PostgreSQL (store.h).
//
// Money: bitcoin in satoshis, fiat in minor units (cents), prices in minor units per BTC. No floating point.
#pragma once

#include "primitives/transaction.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

class LedgerStore;

enum class EntryKind {
    PURCHASE,      // bought with fiat (fiat = price paid, fees included)
    MINING,        // mined by the programme (fiat = value recognized, e.g. energy cost; may be 0)
    TRANSFER_IN,   // received from another body (fiat = basis carried over; may be 0)
    SALE,          // sold for fiat (fiat = proceeds)
    PAYMENT,       // paid for goods or services (fiat = their value)
    TRANSFER_OUT,  // given to another body (fiat = value received, usually 0)
    FEE,           // network fee paid in bitcoin (fiat 0)
};

bool IsAcquisition(EntryKind kind);
std::string EntryKindName(EntryKind kind);
std::optional<EntryKind> ParseEntryKind(std::string_view name);

struct LedgerEntry {
    int64_t id{0};     // assigned by the ledger
    int64_t time{0};   // unix seconds (UTC)
    EntryKind kind{EntryKind::PURCHASE};
    Amount amount{0};  // satoshis, > 0
    int64_t fiat{0};   // minor units, >= 0
    std::string currency{"USD"};
    std::string venue;   // exchange, desk, pool or counterparty
    std::string source;  // source of funds (budget line) or purpose
    std::optional<std::string> txid;  // the on-chain transaction, when there is one
    std::string memo;
};

struct LedgerPolicy {
    bool freeze_acquisitions{false};  // e.g. a freeze on new purchases agreed with a lender
    bool freeze_disposals{false};
    std::string freeze_reason;
    Amount max_purchase_per_entry{0};  // 0: no limit
    Amount max_purchase_per_day{0};    // the purchase schedule, e.g. one BTC a day (UTC days)
    Amount max_disposal_per_entry{0};
};

enum class CostMethod { FIFO, AVERAGE };

struct PnlReport {
    Amount holdings{0};
    int64_t cost_basis{0};  // of what is still held
    int64_t realized{0};    // proceeds minus cost of everything disposed of
    int64_t acquired_fiat{0};
    int64_t disposed_fiat{0};
    std::optional<int64_t> price;  // per BTC at the report date, when the series has one
    std::string price_date;
    std::optional<int64_t> market_value;
    std::optional<int64_t> unrealized;
};

struct HoldingPoint {
    std::string date;  // YYYY-MM-DD
    PnlReport report;
};

/** A movement of the reserve's wallets on chain (from the wallet or the node), for reconciliation. */
struct ChainMovement {
    std::string txid;
    Amount delta{0};  // received minus sent, fees included
    int64_t time{0};
};

struct Discrepancy {
    std::string kind;  // "unrecorded", "not-on-chain", "amount-mismatch"
    std::string txid;
    std::vector<int64_t> entry_ids;
    Amount ledger_delta{0};
    Amount chain_delta{0};
    std::string detail;
};

/** Cost basis and P&L of entries (in (time, id) order) up to and including time as_of; price per BTC if known.
 *  Pure: the ledger and the tests use it the same way. */
PnlReport ComputePnl(const std::vector<LedgerEntry>& entries, CostMethod method, int64_t as_of,
                     std::optional<int64_t> price);
/** Every ledger-vs-chain difference: entries whose txid is missing on chain, movements without entries, and
 *  transactions whose entries do not add up to the on-chain amount. */
std::vector<Discrepancy> Reconcile(const std::vector<LedgerEntry>& entries, const std::vector<ChainMovement>& chain);

/** "YYYY-MM-DD" of a unix time (UTC), and back (midnight UTC); nullopt for a malformed or impossible date. */
std::string DateOf(int64_t time);
std::optional<int64_t> ParseDate(std::string_view date);

class Ledger
{
public:
    /** Opens or creates the ledger at location: a SQLite file path, or a PostgreSQL connection string
     *  ("postgresql://user@host/db", "host=… dbname=…") for a ledger kept on a database server. nullptr and *error
     *  on failure; a damaged file is never overwritten. */
    static std::unique_ptr<Ledger> Open(const std::string& location, std::string* error);
    ~Ledger();

    /** Checks the entry against the rules and the policy, then stores it durably. Returns its id, or nullopt and
     *  *error with the reason it was refused. */
    std::optional<int64_t> AddEntry(const LedgerEntry& entry, std::string* error);
    std::vector<LedgerEntry> Entries() const;

    LedgerPolicy Policy() const;
    bool SetPolicy(const LedgerPolicy& policy, std::string* error);

    /** Imports "date,price,currency" rows (header optional; price with up to 8 decimals, rounded to the minor
     *  unit). All or nothing: any bad row refuses the whole file with its line number. Returns rows imported. */
    std::optional<size_t> ImportPricesCsv(std::string_view csv, std::string* error);
    /** Latest price on or before date, and the date it is for. */
    std::optional<std::pair<int64_t, std::string>> PriceAt(const std::string& date, const std::string& currency) const;

    PnlReport Report(CostMethod method, const std::string& as_of_date, const std::string& currency) const;
    /** One point per day that has an entry or a price, from the first entry to the last date known. */
    std::vector<HoldingPoint> HoldingsOverTime(CostMethod method, const std::string& currency) const;

    std::string ExportEntriesCsv() const;
    std::string ExportHoldingsCsv(CostMethod method, const std::string& currency) const;
    /** The monthly statement's figures: opening and closing positions, the month's entries, realized P&L and the
     *  month-end valuation; nullopt for an impossible month. Render with MonthlyStatementHtml/Pdf. */
    std::optional<struct MonthlyStatement> Statement(int year, int month, CostMethod method, const std::string& currency,
                                                     const std::string& institution) const;

private:
    explicit Ledger(std::unique_ptr<LedgerStore> store);
    std::unique_ptr<LedgerStore> m_store;
};

struct MonthlyStatement {
    std::string institution;
    std::string month;  // YYYY-MM
    std::string currency;
    std::string method;  // "FIFO" or "average cost"
    std::string opening_date, closing_date;  // the days before and at the month's end
    PnlReport opening, closing;
    std::vector<LedgerEntry> entries;  // of the month, in order
};
/** The statement as a self-contained printable HTML page, and as a PDF (A4, monospaced). */
std::string MonthlyStatementHtml(const MonthlyStatement& statement);
std::string MonthlyStatementPdf(const MonthlyStatement& statement);

/** One export, ready to save or serve. */
struct LedgerExportFile {
    std::string content;
    std::string content_type;
    std::string file_name;  // suggested, e.g. "statement-2026-11.pdf"
};
/** Exports by format: "entries.csv", "holdings.csv", "statement.html" or "statement.pdf" (statements need month
 *  "YYYY-MM"). nullopt and *error for an unknown format or a bad month. */
std::optional<LedgerExportFile> ExportLedger(const Ledger& ledger, const std::string& format, const std::string& month,
                                             CostMethod method, const std::string& currency,
                                             const std::string& institution, std::string* error);

struct PriceRow {
    std::string date;      // YYYY-MM-DD
    std::string currency;  // ISO 4217
    int64_t price{0};      // minor units per BTC
};
/** Parses a price file (see Ledger::ImportPricesCsv); nullopt and *error naming the first bad line. */
std::optional<std::vector<PriceRow>> ParsePriceCsv(std::string_view csv, std::string* error);

/** Minor units as "1234.56" (two decimals). */
std::string FormatFiat(int64_t minor);
