// Treasury ledger; see ledger.h.
#include "ledger/ledger.h"

#include "ledger/pdf.h"

#include "ledger/store.h"
#include "util/csv.h"
#include "util/hex.h"
#include "util/strencodings.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <deque>
#include <map>
#include <set>

namespace {
constexpr size_t MAX_PRICE_CSV_BYTES = 64 << 20;
constexpr size_t MAX_TEXT_FIELD = 1000;
constexpr int64_t SECONDS_PER_DAY = 86400;


// Days since 1970-01-01 <-> civil date (proleptic Gregorian), after H. Hinnant's public-domain algorithms.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/** value * num / den without overflow (den > 0), rounded toward zero. */
int64_t MulDiv(int64_t value, int64_t num, int64_t den)
{
    return static_cast<int64_t>(static_cast<__int128>(value) * num / den);
}

bool ValidCurrency(const std::string& c)
{
    return c.size() == 3 && std::all_of(c.begin(), c.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; });
}

std::string HtmlEscape(const std::string& s)
{
    std::string out;
    for (char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

/** CSV field, quoted when needed (RFC 4180), and defused against spreadsheet formula injection. */
std::string CsvField(std::string s)
{
    if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')) s = "'" + s;
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

/** "123.45678" -> minor units (two decimals), rounding half up beyond the second decimal. */
std::optional<int64_t> ParseDecimalPrice(std::string_view s)
{
    if (s.empty() || s.size() > 30) return std::nullopt;
    int64_t whole = 0;
    size_t i = 0;
    size_t digits = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits) {
        if (whole > 100'000'000'000'000LL) return std::nullopt;
        whole = whole * 10 + (s[i] - '0');
    }
    int64_t frac = 0;  // in 1e-8
    if (i < s.size() && s[i] == '.') {
        ++i;
        size_t n = 0;
        for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++n) {
            if (n >= 8) return std::nullopt;
            frac = frac * 10 + (s[i] - '0');
        }
        if (n == 0) return std::nullopt;
        for (; n < 8; ++n) frac *= 10;
    }
    if (i != s.size() || digits == 0) return std::nullopt;
    const int64_t minor = whole * 100 + (frac + 500'000) / 1'000'000;
    if (minor <= 0) return std::nullopt;
    return minor;
}

std::string PolicyValue(const LedgerPolicy& p, const std::string& key)
{
    if (key == "freeze_acquisitions") return p.freeze_acquisitions ? "1" : "0";
    if (key == "freeze_disposals") return p.freeze_disposals ? "1" : "0";
    if (key == "freeze_reason") return p.freeze_reason;
    if (key == "max_purchase_per_entry") return std::to_string(p.max_purchase_per_entry);
    if (key == "max_purchase_per_day") return std::to_string(p.max_purchase_per_day);
    if (key == "max_disposal_per_entry") return std::to_string(p.max_disposal_per_entry);
    return "";
}
LedgerPolicy PolicyFromValues(const std::map<std::string, std::string>& values)
{
    LedgerPolicy p;
    for (const auto& [key, value] : values) {
        const int64_t n = ParseInt64(value).value_or(0);
        if (key == "freeze_acquisitions") p.freeze_acquisitions = n != 0;
        if (key == "freeze_disposals") p.freeze_disposals = n != 0;
        if (key == "freeze_reason") p.freeze_reason = value;
        if (key == "max_purchase_per_entry") p.max_purchase_per_entry = n;
        if (key == "max_purchase_per_day") p.max_purchase_per_day = n;
        if (key == "max_disposal_per_entry") p.max_disposal_per_entry = n;
    }
    return p;
}

/** Why the policy refuses entry e given the entries already recorded ("" when it allows it). */
std::string PolicyRefusal(const LedgerEntry& e, const std::vector<LedgerEntry>& entries, const LedgerPolicy& policy);

const char* POLICY_KEYS[] = {"freeze_acquisitions",  "freeze_disposals",      "freeze_reason",
                             "max_purchase_per_entry", "max_purchase_per_day", "max_disposal_per_entry"};
}  // namespace

bool IsAcquisition(EntryKind kind)
{
    return kind == EntryKind::PURCHASE || kind == EntryKind::MINING || kind == EntryKind::TRANSFER_IN;
}

std::string EntryKindName(EntryKind kind)
{
    switch (kind) {
    case EntryKind::PURCHASE: return "purchase";
    case EntryKind::MINING: return "mining";
    case EntryKind::TRANSFER_IN: return "transfer_in";
    case EntryKind::SALE: return "sale";
    case EntryKind::PAYMENT: return "payment";
    case EntryKind::TRANSFER_OUT: return "transfer_out";
    case EntryKind::FEE: return "fee";
    }
    return "unknown";
}

std::optional<EntryKind> ParseEntryKind(std::string_view name)
{
    for (EntryKind k : {EntryKind::PURCHASE, EntryKind::MINING, EntryKind::TRANSFER_IN, EntryKind::SALE,
                        EntryKind::PAYMENT, EntryKind::TRANSFER_OUT, EntryKind::FEE}) {
        if (EntryKindName(k) == name) return k;
    }
    return std::nullopt;
}

std::string DateOf(int64_t time)
{
    int64_t y;
    unsigned m, d;
    CivilFromDays(FloorDiv(time, SECONDS_PER_DAY), y, m, d);
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
    return buf;
}

std::optional<int64_t> ParseDate(std::string_view s)
{
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    auto num = [&](size_t pos, size_t len) -> std::optional<unsigned> {
        unsigned v = 0;
        for (size_t i = pos; i < pos + len; ++i) {
            if (s[i] < '0' || s[i] > '9') return std::nullopt;
            v = v * 10 + static_cast<unsigned>(s[i] - '0');
        }
        return v;
    };
    auto y = num(0, 4), m = num(5, 2), d = num(8, 2);
    if (!y || !m || !d || *m < 1 || *m > 12 || *d < 1 || *y < 1970) return std::nullopt;
    const int64_t days = DaysFromCivil(*y, *m, *d);
    // Reject 2025-02-30 and the like: the date must round-trip.
    int64_t yy;
    unsigned mm, dd;
    CivilFromDays(days, yy, mm, dd);
    if (yy != *y || mm != *m || dd != *d) return std::nullopt;
    return days * SECONDS_PER_DAY;
}

std::string FormatFiat(int64_t minor)
{
    const bool neg = minor < 0;
    const uint64_t abs = neg ? 0 - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
    char buf[48];
    std::snprintf(buf, sizeof(buf), "%s%llu.%02llu", neg ? "-" : "", static_cast<unsigned long long>(abs / 100),
                  static_cast<unsigned long long>(abs % 100));
    return buf;
}

PnlReport ComputePnl(const std::vector<LedgerEntry>& entries, CostMethod method, int64_t as_of,
                     std::optional<int64_t> price)
{
    struct Lot {
        Amount sats;
        int64_t cost;
    };
    std::deque<Lot> lots;  // FIFO
    Amount pool_sats = 0;  // AVERAGE
    int64_t pool_cost = 0;
    PnlReport r;
    for (const LedgerEntry& e : entries) {
        if (e.time > as_of) break;
        if (IsAcquisition(e.kind)) {
            r.acquired_fiat += e.fiat;
            if (method == CostMethod::FIFO) {
                lots.push_back({e.amount, e.fiat});
            } else {
                pool_sats += e.amount;
                pool_cost += e.fiat;
            }
            r.holdings += e.amount;
            continue;
        }
        r.disposed_fiat += e.fiat;
        // The ledger refuses disposals beyond holdings; a pure caller may not have, so clamp.
        Amount left = std::min(e.amount, r.holdings);
        int64_t cost = 0;
        if (method == CostMethod::FIFO) {
            while (left > 0 && !lots.empty()) {
                Lot& lot = lots.front();
                const Amount take = std::min(left, lot.sats);
                const int64_t part = take == lot.sats ? lot.cost : MulDiv(lot.cost, take, lot.sats);
                cost += part;
                lot.cost -= part;
                lot.sats -= take;
                left -= take;
                if (lot.sats == 0) lots.pop_front();
            }
        } else if (pool_sats > 0) {
            const Amount take = std::min(left, pool_sats);
            const int64_t part = take == pool_sats ? pool_cost : MulDiv(pool_cost, take, pool_sats);
            cost = part;
            pool_cost -= part;
            pool_sats -= take;
        }
        r.holdings -= std::min(e.amount, r.holdings);
        r.realized += e.fiat - cost;
    }
    if (method == CostMethod::FIFO) {
        for (const Lot& lot : lots) r.cost_basis += lot.cost;
    } else {
        r.cost_basis = pool_cost;
    }
    if (price) {
        r.price = price;
        r.market_value = MulDiv(r.holdings, *price, COIN);
        r.unrealized = *r.market_value - r.cost_basis;
    }
    return r;
}

std::vector<Discrepancy> Reconcile(const std::vector<LedgerEntry>& entries, const std::vector<ChainMovement>& chain)
{
    std::map<std::string, std::pair<Amount, std::vector<int64_t>>> ledger;  // txid -> signed sum, entry ids
    for (const LedgerEntry& e : entries) {
        if (!e.txid) continue;
        auto& [sum, ids] = ledger[*e.txid];
        sum += IsAcquisition(e.kind) ? e.amount : -e.amount;
        ids.push_back(e.id);
    }
    std::map<std::string, Amount> onchain;
    for (const ChainMovement& m : chain) onchain[m.txid] += m.delta;
    std::vector<Discrepancy> out;
    for (const auto& [txid, v] : ledger) {
        auto it = onchain.find(txid);
        if (it == onchain.end()) {
            out.push_back({"not-on-chain", txid, v.second, v.first, 0,
                           "entries reference a transaction the reserve wallets do not show"});
        } else if (it->second != v.first) {
            out.push_back({"amount-mismatch", txid, v.second, v.first, it->second,
                           "ledger records " + FormatMoney(v.first) + " BTC, the chain shows " +
                               FormatMoney(it->second) + " BTC"});
        }
    }
    for (const auto& [txid, delta] : onchain) {
        if (!ledger.count(txid)) {
            out.push_back({"unrecorded", txid, {}, 0, delta, "on-chain movement with no ledger entry"});
        }
    }
    return out;
}

Ledger::Ledger(std::unique_ptr<LedgerStore> store) : m_store(std::move(store)) {}
Ledger::~Ledger() = default;

std::unique_ptr<Ledger> Ledger::Open(const std::string& location, std::string* error)
{
    auto store = IsPostgresLocation(location) ? OpenPostgresLedgerStore(location, error)
                                              : OpenSqliteLedgerStore(location, error);
    if (!store) return nullptr;
    return std::unique_ptr<Ledger>(new Ledger(std::move(store)));
}

std::vector<LedgerEntry> Ledger::Entries() const { return m_store->Entries(); }

LedgerPolicy Ledger::Policy() const { return PolicyFromValues(m_store->PolicyValues()); }

bool Ledger::SetPolicy(const LedgerPolicy& policy, std::string* error)
{
    if (policy.max_purchase_per_entry < 0 || policy.max_purchase_per_day < 0 || policy.max_disposal_per_entry < 0 ||
        policy.max_purchase_per_entry > MAX_MONEY || policy.max_purchase_per_day > MAX_MONEY ||
        policy.max_disposal_per_entry > MAX_MONEY) {
        if (error) *error = "limits must be between 0 (none) and 21 million BTC";
        return false;
    }
    std::map<std::string, std::string> values;
    for (const char* key : POLICY_KEYS) values[key] = PolicyValue(policy, key);
    return m_store->SetPolicyValues(values, error);
}

std::optional<int64_t> Ledger::AddEntry(const LedgerEntry& e, std::string* error)
{
    auto refuse = [&](std::string why) -> std::optional<int64_t> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    if (e.amount <= 0 || e.amount > MAX_MONEY) return refuse("amount must be between 1 satoshi and 21 million BTC");
    if (e.fiat < 0) return refuse("fiat value cannot be negative");
    if (e.fiat > 1'000'000'000'000'000LL) return refuse("fiat value is out of range");
    if (!ValidCurrency(e.currency)) return refuse("currency must be a three-letter ISO 4217 code such as USD");
    if (e.time < 0 || e.time > 253402300799LL) return refuse("time is out of range");
    if (e.kind == EntryKind::FEE && e.fiat != 0) return refuse("a network fee entry has no fiat value");
    if (e.venue.size() > MAX_TEXT_FIELD || e.source.size() > MAX_TEXT_FIELD || e.memo.size() > MAX_TEXT_FIELD) {
        return refuse("text fields are limited to 1000 characters");
    }
    if (e.txid && (e.txid->size() != 64 || !IsHex(*e.txid))) return refuse("txid must be 64 hex characters");

    return m_store->AddEntry(e, [&e](const std::vector<LedgerEntry>& entries, const std::map<std::string, std::string>& values) {
        return PolicyRefusal(e, entries, PolicyFromValues(values));
    }, error);
}

namespace {
std::string PolicyRefusal(const LedgerEntry& e, const std::vector<LedgerEntry>& entries, const LedgerPolicy& policy)
{
    if (IsAcquisition(e.kind)) {
        if (policy.freeze_acquisitions) {
            return ("acquisitions are frozen by policy" +
                          (policy.freeze_reason.empty() ? std::string() : " (" + policy.freeze_reason + ")"));
        }
        if (e.kind == EntryKind::PURCHASE) {
            if (policy.max_purchase_per_entry && e.amount > policy.max_purchase_per_entry) {
                return ("purchase of " + FormatMoney(e.amount) + " BTC is above the per-purchase limit of " +
                              FormatMoney(policy.max_purchase_per_entry) + " BTC");
            }
            if (policy.max_purchase_per_day) {
                const std::string day = DateOf(e.time);
                Amount bought = 0;
                for (const LedgerEntry& o : entries) {
                    if (o.kind == EntryKind::PURCHASE && DateOf(o.time) == day) bought += o.amount;
                }
                if (bought + e.amount > policy.max_purchase_per_day) {
                    return ("purchase would bring " + day + " to " + FormatMoney(bought + e.amount) +
                                  " BTC, above the schedule of " + FormatMoney(policy.max_purchase_per_day) +
                                  " BTC per day");
                }
            }
        }
    } else {
        if (policy.freeze_disposals && e.kind != EntryKind::FEE) {
            return ("disposals are frozen by policy" +
                          (policy.freeze_reason.empty() ? std::string() : " (" + policy.freeze_reason + ")"));
        }
        if (policy.max_disposal_per_entry && e.amount > policy.max_disposal_per_entry) {
            return ("disposal of " + FormatMoney(e.amount) + " BTC is above the per-entry limit of " +
                          FormatMoney(policy.max_disposal_per_entry) + " BTC");
        }
        // Holdings at the entry's time, and at every later time (a back-dated disposal must not make a later one
        // overdraw).
        std::vector<LedgerEntry> with = entries;
        LedgerEntry copy = e;
        copy.id = INT64_MAX;
        with.push_back(copy);
        std::stable_sort(with.begin(), with.end(), [](const LedgerEntry& a, const LedgerEntry& b) {
            return a.time != b.time ? a.time < b.time : a.id < b.id;
        });
        Amount running = 0;
        for (const LedgerEntry& o : with) {
            running += IsAcquisition(o.kind) ? o.amount : -o.amount;
            if (running < 0) {
                return ("disposal of " + FormatMoney(e.amount) + " BTC exceeds holdings at " + DateOf(o.time));
            }
        }
    }
    return "";
}
}  // namespace

std::optional<std::vector<PriceRow>> ParsePriceCsv(std::string_view csv, std::string* error)
{
    auto refuse = [&](std::string why) -> std::optional<std::vector<PriceRow>> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    if (csv.size() > MAX_PRICE_CSV_BYTES) return refuse("price file is larger than 64 MiB");
    std::vector<PriceRow> rows;
    std::string why;
    const bool ok = ForEachCsvRow(csv, [&](size_t line_no, const std::vector<std::string>& f) {
        auto at = [&](std::string what) {
            why = "line " + std::to_string(line_no) + ": " + what;
            return false;
        };
        if (rows.empty() && !f.empty() && (f[0] == "date" || f[0] == "Date" || f[0] == "DATE")) return true;
        if (f.size() != 3) return at("expected 3 fields (date,price,currency), found " + std::to_string(f.size()));
        if (!ParseDate(f[0])) return at("'" + f[0].substr(0, 40) + "' is not a date (YYYY-MM-DD)");
        auto price = ParseDecimalPrice(f[1]);
        if (!price) return at("'" + f[1].substr(0, 40) + "' is not a positive price (digits, optional '.' and up to 8 decimals)");
        if (!ValidCurrency(f[2])) return at("'" + f[2].substr(0, 40) + "' is not a currency code such as USD");
        rows.push_back({f[0], f[2], *price});
        return true;
    });
    if (!ok) return refuse(why);
    if (rows.empty()) return refuse("the price file has no rows");
    return rows;
}

std::optional<size_t> Ledger::ImportPricesCsv(std::string_view csv, std::string* error)
{
    auto refuse = [&](std::string why) -> std::optional<size_t> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    auto rows = ParsePriceCsv(csv, error);
    if (!rows) return std::nullopt;
    std::string why;
    if (!m_store->UpsertPrices(*rows, &why)) return refuse(why);
    return rows->size();
}

std::optional<std::pair<int64_t, std::string>> Ledger::PriceAt(const std::string& date, const std::string& currency) const
{
    return m_store->PriceAt(date, currency);
}

PnlReport Ledger::Report(CostMethod method, const std::string& as_of_date, const std::string& currency) const
{
    const int64_t end_of_day = ParseDate(as_of_date).value_or(0) + SECONDS_PER_DAY - 1;
    auto price = PriceAt(as_of_date, currency);
    PnlReport r = ComputePnl(Entries(), method, end_of_day, price ? std::optional(price->first) : std::nullopt);
    if (price) r.price_date = price->second;
    return r;
}

std::vector<HoldingPoint> Ledger::HoldingsOverTime(CostMethod method, const std::string& currency) const
{
    const auto entries = Entries();
    std::set<std::string> dates;
    for (const auto& e : entries) dates.insert(DateOf(e.time));
    if (dates.empty()) return {};
    for (std::string& d : m_store->PriceDates(currency, *dates.begin())) dates.insert(std::move(d));
    std::vector<HoldingPoint> out;
    for (const std::string& d : dates) {
        auto price = PriceAt(d, currency);
        HoldingPoint p{d, ComputePnl(entries, method, *ParseDate(d) + SECONDS_PER_DAY - 1,
                                     price ? std::optional(price->first) : std::nullopt)};
        if (price) p.report.price_date = price->second;
        out.push_back(std::move(p));
    }
    return out;
}

std::string Ledger::ExportEntriesCsv() const
{
    std::string out = "id,date,time,kind,amount_btc,fiat,currency,venue,source,txid,memo\n";
    for (const LedgerEntry& e : Entries()) {
        out += std::to_string(e.id) + "," + DateOf(e.time) + "," + std::to_string(e.time) + "," +
               EntryKindName(e.kind) + "," + FormatMoney(e.amount) + "," + FormatFiat(e.fiat) + "," + e.currency +
               "," + CsvField(e.venue) + "," + CsvField(e.source) + "," + e.txid.value_or("") + "," +
               CsvField(e.memo) + "\n";
    }
    return out;
}

std::string Ledger::ExportHoldingsCsv(CostMethod method, const std::string& currency) const
{
    std::string out = "date,holdings_btc,cost_basis,realized,price,market_value,unrealized,currency\n";
    for (const HoldingPoint& p : HoldingsOverTime(method, currency)) {
        const PnlReport& r = p.report;
        out += p.date + "," + FormatMoney(r.holdings) + "," + FormatFiat(r.cost_basis) + "," + FormatFiat(r.realized) +
               "," + (r.price ? FormatFiat(*r.price) : "") + "," + (r.market_value ? FormatFiat(*r.market_value) : "") +
               "," + (r.unrealized ? FormatFiat(*r.unrealized) : "") + "," + currency + "\n";
    }
    return out;
}

std::optional<MonthlyStatement> Ledger::Statement(int year, int month, CostMethod method, const std::string& currency,
                                                 const std::string& institution) const
{
    if (year < 1970 || year > 9998 || month < 1 || month > 12) return std::nullopt;
    char first[32], next[32];
    std::snprintf(first, sizeof(first), "%04d-%02d-01", year, month);
    std::snprintf(next, sizeof(next), "%04d-%02d-01", month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1);
    const auto start = ParseDate(first), end = ParseDate(next);
    if (!start || !end) return std::nullopt;
    MonthlyStatement st;
    st.institution = institution;
    st.month = std::string(first, 7);
    st.currency = currency;
    st.method = method == CostMethod::FIFO ? "FIFO" : "average cost";
    st.opening_date = DateOf(*start - 1);
    st.closing_date = DateOf(*end - 1);
    const auto entries = Entries();
    auto price_open = PriceAt(st.opening_date, currency), price_close = PriceAt(st.closing_date, currency);
    st.opening = ComputePnl(entries, method, *start - 1, price_open ? std::optional(price_open->first) : std::nullopt);
    st.closing = ComputePnl(entries, method, *end - 1, price_close ? std::optional(price_close->first) : std::nullopt);
    for (const LedgerEntry& e : entries) {
        if (e.time >= *start && e.time < *end) st.entries.push_back(e);
    }
    return st;
}

namespace {
/** The statement's summary rows: label, opening value, closing value. */
std::vector<std::array<std::string, 3>> SummaryRows(const MonthlyStatement& st)
{
    auto money = [&](std::optional<int64_t> v) { return v ? FormatFiat(*v) + " " + st.currency : std::string("n/a"); };
    return {{"Holdings", FormatMoney(st.opening.holdings) + " BTC", FormatMoney(st.closing.holdings) + " BTC"},
            {"Cost basis", money(st.opening.cost_basis), money(st.closing.cost_basis)},
            {"Price per BTC", money(st.opening.price), money(st.closing.price)},
            {"Market value", money(st.opening.market_value), money(st.closing.market_value)},
            {"Unrealized P&L", money(st.opening.unrealized), money(st.closing.unrealized)},
            {"Realized P&L in the month", "", money(st.closing.realized - st.opening.realized)}};
}

std::string SignedBtc(const LedgerEntry& e) { return (IsAcquisition(e.kind) ? "" : "-") + FormatMoney(e.amount); }
}  // namespace

std::string MonthlyStatementHtml(const MonthlyStatement& st)
{
    std::string h;
    h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Reserve statement " + st.month +
         "</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}"
         "td,th{border:1px solid #999;padding:4px 8px;text-align:right}td.l,th.l{text-align:left}"
         "@media print{body{margin:0}}</style></head><body>\n";
    h += "<h1>" + HtmlEscape(st.institution) + "</h1>\n<h2>Bitcoin reserve statement for " + st.month + "</h2>\n";
    h += "<p>Cost basis method: " + st.method + ". Amounts in BTC and " + HtmlEscape(st.currency) + ".</p>\n";
    h += "<table><tr><th class=\"l\"></th><th>Opening (" + st.opening_date + ")</th><th>Closing (" + st.closing_date + ")</th></tr>\n";
    for (const auto& [label, open, close] : SummaryRows(st)) {
        h += "<tr><td class=\"l\">" + HtmlEscape(label) + "</td><td>" + HtmlEscape(open) + "</td><td>" + HtmlEscape(close) + "</td></tr>\n";
    }
    h += "</table>\n<h3>Entries</h3>\n<table><tr><th class=\"l\">Date</th><th class=\"l\">Kind</th><th>BTC</th><th>" +
         HtmlEscape(st.currency) + "</th><th class=\"l\">Venue</th><th class=\"l\">Source / purpose</th><th class=\"l\">Transaction</th></tr>\n";
    for (const LedgerEntry& e : st.entries) {
        h += "<tr><td class=\"l\">" + DateOf(e.time) + "</td><td class=\"l\">" + EntryKindName(e.kind) + "</td><td>" +
             SignedBtc(e) + "</td><td>" + FormatFiat(e.fiat) + "</td><td class=\"l\">" + HtmlEscape(e.venue) +
             "</td><td class=\"l\">" + HtmlEscape(e.source) + "</td><td class=\"l\">" + HtmlEscape(e.txid.value_or("")) +
             "</td></tr>\n";
    }
    if (st.entries.empty()) h += "<tr><td class=\"l\" colspan=\"7\">No entries this month.</td></tr>\n";
    h += "</table>\n</body></html>\n";
    return h;
}

std::string MonthlyStatementPdf(const MonthlyStatement& st)
{
    auto pad = [](std::string s, size_t width, bool right) {
        if (s.size() >= width) return s;
        return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
    };
    std::vector<std::string> lines = {st.institution, "Bitcoin reserve statement for " + st.month,
                                      "Cost basis method: " + st.method + ". Amounts in BTC and " + st.currency + ".", ""};
    lines.push_back(pad("", 28, false) + pad("Opening " + st.opening_date, 26, true) + pad("Closing " + st.closing_date, 26, true));
    for (const auto& [label, open, close] : SummaryRows(st)) {
        lines.push_back(pad(label, 28, false) + pad(open, 26, true) + pad(close, 26, true));
    }
    lines.insert(lines.end(), {"", "Entries", pad("Date", 12, false) + pad("Kind", 14, false) + pad("BTC", 18, true) +
                                               pad(st.currency, 16, true) + "  Venue / source"});
    for (const LedgerEntry& e : st.entries) {
        lines.push_back(pad(DateOf(e.time), 12, false) + pad(EntryKindName(e.kind), 14, false) + pad(SignedBtc(e), 18, true) +
                        pad(FormatFiat(e.fiat), 16, true) + "  " + e.venue + (e.source.empty() ? "" : " / " + e.source));
        if (e.txid) lines.push_back(pad("", 26, false) + "tx " + *e.txid);
    }
    if (st.entries.empty()) lines.push_back("No entries this month.");
    return TextPdf(st.institution + " - reserve statement " + st.month, lines);
}

std::optional<LedgerExportFile> ExportLedger(const Ledger& ledger, const std::string& format, const std::string& month,
                                             CostMethod method, const std::string& currency,
                                             const std::string& institution, std::string* error)
{
    auto fail = [&](std::string why) -> std::optional<LedgerExportFile> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    if (format == "entries.csv") return LedgerExportFile{ledger.ExportEntriesCsv(), "text/csv; charset=utf-8", "ledger-entries.csv"};
    if (format == "holdings.csv") {
        return LedgerExportFile{ledger.ExportHoldingsCsv(method, currency), "text/csv; charset=utf-8", "ledger-holdings.csv"};
    }
    if (format != "statement.html" && format != "statement.pdf") {
        return fail("format must be entries.csv, holdings.csv, statement.html or statement.pdf");
    }
    const auto day = month.size() == 7 ? ParseDate(month + "-01") : std::nullopt;
    if (!day) return fail("month must be YYYY-MM");
    const auto st = ledger.Statement(std::stoi(month.substr(0, 4)), std::stoi(month.substr(5, 2)), method, currency, institution);
    if (!st) return fail("month must be YYYY-MM");
    if (format == "statement.pdf") return LedgerExportFile{MonthlyStatementPdf(*st), "application/pdf", "statement-" + month + ".pdf"};
    return LedgerExportFile{MonthlyStatementHtml(*st), "text/html; charset=utf-8", "statement-" + month + ".html"};
}
