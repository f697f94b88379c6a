// Treasury ledger: cost basis and P&L worked by hand (FIFO and average cost), policy refusals, price imports with
// bad rows, reconciliation against chain movements, exports (CSV, HTML and PDF statements), concurrent writers,
// and durability (kill -9, damaged files). The store-independent tests run on SQLite and on a PostgreSQL server
// the test starts itself (tests/ledger/test_postgres.h).
#include "ledger/ledger.h"
#include "ledger/pdf.h"
#include "sqlite/sqlite.h"
#include "test_postgres.h"

#include <gtest/gtest.h>

#include <fstream>
#include <atomic>
#include <random>
#include <thread>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {
constexpr int64_t DAY = 86400;
constexpr int64_t USD = 100;  // cents per dollar
const int64_t T0 = *ParseDate("2026-01-05");  // a Monday

LedgerEntry Entry(EntryKind kind, int64_t time, Amount sats, int64_t cents, std::optional<std::string> txid = {})
{
    LedgerEntry e;
    e.kind = kind;
    e.time = time;
    e.amount = sats;
    e.fiat = cents;
    e.venue = "National exchange";
    e.source = "Treasury budget line 7";
    e.txid = std::move(txid);
    return e;
}

std::string Txid(char c) { return std::string(64, c); }

class LedgerTest : public ::testing::Test
{
protected:
    fs::path dir = fs::temp_directory_path() / ("sov_ledger_" + std::to_string(::getpid()));
    fs::path file = dir / "ledger.sqlite";
    std::string location;  // where the ledger is kept: the SQLite file, or a PostgreSQL database
    std::unique_ptr<Ledger> ledger;
    /** The store under test ("" to skip). */
    virtual std::string Location() { return file.string(); }
    void SetUp() override
    {
        fs::remove_all(dir);
        fs::create_directories(dir);
        location = Location();
        if (location.empty()) GTEST_SKIP() << TestPostgres::Get().Why();
        std::string error;
        ledger = Ledger::Open(location, &error);
        ASSERT_TRUE(ledger) << error;
    }
    void TearDown() override
    {
        ledger.reset();
        fs::remove_all(dir);
    }
    int64_t Add(const LedgerEntry& e)
    {
        std::string error;
        auto id = ledger->AddEntry(e, &error);
        EXPECT_TRUE(id) << error;
        return id.value_or(0);
    }
    std::string Refusal(const LedgerEntry& e)
    {
        std::string error;
        EXPECT_FALSE(ledger->AddEntry(e, &error));
        return error;
    }
};

/** The tests that hold for every store, run on SQLite and on PostgreSQL (when its server binaries are installed). */
class LedgerStoreTest : public LedgerTest, public ::testing::WithParamInterface<std::string>
{
protected:
    std::string Location() override
    {
        if (GetParam() == "sqlite") return file.string();
        TestPostgres& pg = TestPostgres::Get();
        return pg.Available() ? pg.NewDatabase() : "";
    }
};
INSTANTIATE_TEST_SUITE_P(Stores, LedgerStoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });
}  // namespace

namespace {
/** A PDF's structure: header, trailer, and a cross-reference table whose every offset starts its object. */
void ExpectWellFormedPdf(const std::string& pdf)
{
    ASSERT_EQ(pdf.rfind("%PDF-1.4\n", 0), 0u);
    ASSERT_GE(pdf.size(), 6u);
    EXPECT_EQ(pdf.substr(pdf.size() - 6), "%%EOF\n");
    const size_t sx = pdf.rfind("startxref\n");
    ASSERT_NE(sx, std::string::npos);
    const size_t xref = std::stoul(pdf.substr(sx + 10));
    ASSERT_EQ(pdf.compare(xref, 5, "xref\n"), 0);
    const size_t count_at = pdf.find('\n', xref + 5);
    const size_t count = std::stoul(pdf.substr(xref + 7, count_at - xref - 7));
    for (size_t i = 1; i < count; ++i) {
        const size_t offset = std::stoul(pdf.substr(count_at + 1 + 20 * i, 10));
        EXPECT_EQ(pdf.compare(offset, std::to_string(i).size() + 6, std::to_string(i) + " 0 obj"), 0) << "object " << i;
    }
}
}  // namespace

TEST(LedgerDates, RoundTripAndRejectImpossibleDates)
{
    EXPECT_EQ(DateOf(0), "1970-01-01");
    EXPECT_EQ(DateOf(*ParseDate("2024-02-29") + DAY - 1), "2024-02-29");
    EXPECT_EQ(*ParseDate("2000-03-01") - *ParseDate("2000-02-28"), 2 * DAY);  // 2000 was a leap year
    for (const char* bad : {"2025-02-29", "2025-13-01", "2025-00-10", "2025-1-01", "20250101", "1969-12-31", "2025-04-31"}) {
        EXPECT_FALSE(ParseDate(bad)) << bad;
    }
}

TEST(LedgerPnl, FifoAndAverageCostWorkedByHand)
{
    // Buy 1 BTC for $30,000, then 1 BTC for $50,000; sell 1.5 BTC for $90,000; price later $60,000.
    std::vector<LedgerEntry> entries = {Entry(EntryKind::PURCHASE, T0, COIN, 30'000 * USD),
                                        Entry(EntryKind::PURCHASE, T0 + DAY, COIN, 50'000 * USD),
                                        Entry(EntryKind::SALE, T0 + 2 * DAY, COIN + COIN / 2, 90'000 * USD)};
    for (size_t i = 0; i < entries.size(); ++i) entries[i].id = int64_t(i + 1);
    // FIFO: cost of sold = 30,000 + 0.5 * 50,000 = 55,000 -> realized 35,000; 0.5 BTC left at cost 25,000,
    // worth 30,000 at $60,000 -> unrealized 5,000.
    PnlReport fifo = ComputePnl(entries, CostMethod::FIFO, T0 + 3 * DAY, 60'000 * USD);
    EXPECT_EQ(fifo.holdings, COIN / 2);
    EXPECT_EQ(fifo.realized, 35'000 * USD);
    EXPECT_EQ(fifo.cost_basis, 25'000 * USD);
    EXPECT_EQ(fifo.market_value, 30'000 * USD);
    EXPECT_EQ(fifo.unrealized, 5'000 * USD);
    // Average: 40,000 per BTC -> cost of sold 60,000, realized 30,000; 0.5 BTC at 20,000 -> unrealized 10,000.
    PnlReport avg = ComputePnl(entries, CostMethod::AVERAGE, T0 + 3 * DAY, 60'000 * USD);
    EXPECT_EQ(avg.realized, 30'000 * USD);
    EXPECT_EQ(avg.cost_basis, 20'000 * USD);
    EXPECT_EQ(avg.unrealized, 10'000 * USD);
    // Before the sale nothing is realized; without a price there is no valuation.
    PnlReport before = ComputePnl(entries, CostMethod::FIFO, T0 + DAY, std::nullopt);
    EXPECT_EQ(before.holdings, 2 * COIN);
    EXPECT_EQ(before.realized, 0);
    EXPECT_FALSE(before.market_value);
    // A network fee is a disposal with no proceeds: it realizes minus its cost.
    entries.push_back(Entry(EntryKind::FEE, T0 + 4 * DAY, 10'000, 0));
    entries.back().id = 4;
    PnlReport fee = ComputePnl(entries, CostMethod::FIFO, T0 + 5 * DAY, std::nullopt);
    // 10,000 sats of the remaining lot (0.5 BTC for 25,000.00): 25,000.00 * 10,000 / 50,000,000 = 5.00
    EXPECT_EQ(fee.realized, 35'000 * USD - 500);
    EXPECT_EQ(fee.cost_basis, 25'000 * USD - 500);
}

TEST_P(LedgerStoreTest, StoresEntriesAndRefusesOverdraws)
{
    Add(Entry(EntryKind::PURCHASE, T0, COIN, 50'000 * USD, Txid('a')));
    Add(Entry(EntryKind::MINING, T0 + DAY, 3 * COIN, 0));
    EXPECT_NE(Refusal(Entry(EntryKind::SALE, T0 + 2 * DAY, 5 * COIN, 1)).find("exceeds holdings"), std::string::npos);
    Add(Entry(EntryKind::PAYMENT, T0 + 3 * DAY, 2 * COIN, 10'000 * USD));
    // Back-dated before the mining entry: would overdraw on day 0 even though holdings today suffice.
    EXPECT_NE(Refusal(Entry(EntryKind::SALE, T0 + 10, 2 * COIN, 1)).find("exceeds holdings"), std::string::npos);
    EXPECT_NE(Refusal(Entry(EntryKind::PURCHASE, T0, 0, 1)).find("amount"), std::string::npos);
    EXPECT_NE(Refusal(Entry(EntryKind::PURCHASE, T0, 1, -5)).find("negative"), std::string::npos);
    LedgerEntry bad_currency = Entry(EntryKind::PURCHASE, T0, 1, 1);
    bad_currency.currency = "usd";
    EXPECT_NE(Refusal(bad_currency).find("currency"), std::string::npos);
    EXPECT_NE(Refusal(Entry(EntryKind::PURCHASE, T0, 1, 1, std::string("xyz"))).find("txid"), std::string::npos);
    EXPECT_NE(Refusal(Entry(EntryKind::FEE, T0, 1, 1)).find("fee"), std::string::npos);

    const auto entries = ledger->Entries();
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[0].txid, Txid('a'));
    EXPECT_EQ(entries[1].kind, EntryKind::MINING);
    // Reopen: everything acknowledged is there.
    ledger.reset();
    std::string error;
    ledger = Ledger::Open(location, &error);
    ASSERT_TRUE(ledger) << error;
    EXPECT_EQ(ledger->Entries().size(), 3u);
}

TEST_P(LedgerStoreTest, PolicyLimitsScheduleAndFreeze)
{
    LedgerPolicy p;
    p.max_purchase_per_day = COIN;  // one BTC a day
    p.max_purchase_per_entry = 80'000'000;
    p.max_disposal_per_entry = 50'000'000;
    std::string error;
    ASSERT_TRUE(ledger->SetPolicy(p, &error)) << error;
    EXPECT_EQ(ledger->Policy().max_purchase_per_day, COIN);
    Add(Entry(EntryKind::PURCHASE, T0 + 100, 60'000'000, 1));
    EXPECT_NE(Refusal(Entry(EntryKind::PURCHASE, T0 + 200, 50'000'000, 1)).find("per day"), std::string::npos);
    Add(Entry(EntryKind::PURCHASE, T0 + DAY, 50'000'000, 1));  // next UTC day
    EXPECT_NE(Refusal(Entry(EntryKind::PURCHASE, T0 + 2 * DAY, 90'000'000, 1)).find("per-purchase"), std::string::npos);
    EXPECT_NE(Refusal(Entry(EntryKind::SALE, T0 + 2 * DAY, 60'000'000, 1)).find("per-entry"), std::string::npos);

    p.freeze_acquisitions = true;
    p.freeze_reason = "agreement with lender, clause 4";
    ASSERT_TRUE(ledger->SetPolicy(p, &error));
    const std::string why = Refusal(Entry(EntryKind::PURCHASE, T0 + 3 * DAY, 1000, 1));
    EXPECT_NE(why.find("frozen"), std::string::npos);
    EXPECT_NE(why.find("clause 4"), std::string::npos);
    EXPECT_NE(Refusal(Entry(EntryKind::MINING, T0 + 3 * DAY, 1000, 0)).find("frozen"), std::string::npos);
    Add(Entry(EntryKind::SALE, T0 + 3 * DAY, 1000, 1));  // spending is not frozen
    p.freeze_disposals = true;
    ASSERT_TRUE(ledger->SetPolicy(p, &error));
    EXPECT_NE(Refusal(Entry(EntryKind::SALE, T0 + 3 * DAY, 1000, 1)).find("frozen"), std::string::npos);
    Add(Entry(EntryKind::FEE, T0 + 3 * DAY, 100, 0));  // fees of already-approved spends still record
    p.max_purchase_per_day = -1;
    EXPECT_FALSE(ledger->SetPolicy(p, &error));
}

TEST_P(LedgerStoreTest, PriceImportIsAllOrNothingWithLineNumbers)
{
    std::string error;
    auto n = ledger->ImportPricesCsv("\xEF\xBB\xBF" "date,price,currency\r\n2026-01-05,90000.5,USD\r\n"
                                     "2026-01-06, 91000.123456 ,USD\n\n2026-01-06,85000,EUR\n",
                                     &error);
    ASSERT_TRUE(n) << error;
    EXPECT_EQ(*n, 3u);
    EXPECT_EQ(ledger->PriceAt("2026-01-05", "USD")->first, 9'000'050);
    EXPECT_EQ(ledger->PriceAt("2026-01-06", "USD")->first, 9'100'012);  // rounded to the cent
    EXPECT_EQ(ledger->PriceAt("2026-02-01", "USD")->second, "2026-01-06");  // latest on or before
    EXPECT_FALSE(ledger->PriceAt("2025-12-31", "USD"));

    const std::vector<std::pair<std::string, std::string>> bad = {
        {"2026-01-07,92000,USD\n2026-02-30,1,USD\n", "line 2"},
        {"2026-01-07,-5,USD\n", "line 1"},
        {"2026-01-07,abc,USD\n", "line 1"},
        {"2026-01-07,1e5,USD\n", "line 1"},
        {"2026-01-07,5,USD,extra\n", "line 1"},
        {"2026-01-07,5\n", "line 1"},
        {"2026-01-07,5,dollars\n", "line 1"},
        {"2026-01-07,0.001,USD\n", "line 1"},
        {"", "no rows"},
        {std::string("2026-01-07,5,US\0D\n", 19), "line 1"},
    };
    for (const auto& [csv, where] : bad) {
        EXPECT_FALSE(ledger->ImportPricesCsv(csv, &error)) << csv;
        EXPECT_NE(error.find(where), std::string::npos) << error;
    }
    EXPECT_FALSE(ledger->PriceAt("2026-01-07", "USD")->second == "2026-01-07");  // nothing from the bad files
}

TEST_P(LedgerStoreTest, ReportsHoldingsExportsAndStatement)
{
    ASSERT_TRUE(ledger->ImportPricesCsv("2026-01-05,30000,USD\n2026-01-31,60000,USD\n2026-02-02,70000,USD\n", nullptr));
    Add(Entry(EntryKind::PURCHASE, T0, COIN, 30'000 * USD));
    LedgerEntry odd = Entry(EntryKind::PURCHASE, T0 + DAY, COIN, 50'000 * USD);
    odd.venue = "<script>alert(1)</script>, \"desk\"";
    odd.memo = "=HYPERLINK(\"x\")";
    Add(odd);
    Add(Entry(EntryKind::SALE, T0 + 2 * DAY, COIN + COIN / 2, 90'000 * USD));
    const PnlReport r = ledger->Report(CostMethod::FIFO, "2026-01-31", "USD");
    EXPECT_EQ(r.realized, 35'000 * USD);
    EXPECT_EQ(r.price, 60'000 * USD);
    EXPECT_EQ(r.unrealized, 5'000 * USD);

    const auto points = ledger->HoldingsOverTime(CostMethod::AVERAGE, "USD");
    ASSERT_EQ(points.size(), 5u);  // three entry days and two later price days
    EXPECT_EQ(points.front().date, "2026-01-05");
    EXPECT_EQ(points.front().report.market_value, 30'000 * USD);
    EXPECT_EQ(points.back().date, "2026-02-02");
    EXPECT_EQ(points.back().report.market_value, 35'000 * USD);

    const std::string csv = ledger->ExportEntriesCsv();
    EXPECT_NE(csv.find("\"<script>alert(1)</script>, \"\"desk\"\"\""), std::string::npos) << csv;
    EXPECT_NE(csv.find("'=HYPERLINK"), std::string::npos);  // formula injection defused
    EXPECT_NE(ledger->ExportHoldingsCsv(CostMethod::FIFO, "USD").find("2026-01-31,0.50000000,25000.00"), std::string::npos);

    const auto january = ledger->Statement(2026, 1, CostMethod::FIFO, "USD", "National Bitcoin Office");
    ASSERT_TRUE(january);
    const std::string html = MonthlyStatementHtml(*january);
    EXPECT_NE(html.find("National Bitcoin Office"), std::string::npos);
    EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
    EXPECT_EQ(html.find("<script>"), std::string::npos);
    EXPECT_NE(html.find("35000.00 USD"), std::string::npos);  // realized in January
    EXPECT_NE(html.find("0.50000000 BTC"), std::string::npos);
    EXPECT_NE(MonthlyStatementHtml(*ledger->Statement(2026, 2, CostMethod::FIFO, "USD", "x")).find("No entries"), std::string::npos);
    EXPECT_FALSE(ledger->Statement(2026, 13, CostMethod::FIFO, "USD", "x"));

    // The same statement as a PDF: well-formed (every cross-reference offset lands on its object) and showing
    // the same figures.
    const std::string pdf = MonthlyStatementPdf(*january);
    ExpectWellFormedPdf(pdf);
    EXPECT_NE(pdf.find("(National Bitcoin Office)"), std::string::npos);
    EXPECT_NE(pdf.find("35000.00 USD"), std::string::npos);
    EXPECT_NE(pdf.find("0.50000000 BTC"), std::string::npos);
    EXPECT_NE(pdf.find("<script>alert"), std::string::npos);  // PDF strings escape only parentheses and backslashes
}

TEST(LedgerStatement, LongStatementsSpanPagesAndEscapeText)
{
    std::vector<std::string> lines;
    for (int i = 0; i < 150; ++i) lines.push_back("line " + std::to_string(i) + " (with parentheses) and a \\ backslash");
    lines.push_back(std::string(300, 'x'));  // wrapped, not cut
    lines.push_back("caf\xC3\xA9");          // outside ASCII: printed as '?'
    const std::string pdf = TextPdf("Title (1)", lines);
    ExpectWellFormedPdf(pdf);
    EXPECT_NE(pdf.find("/Count 3"), std::string::npos);
    EXPECT_NE(pdf.find("(Page 3 of 3)"), std::string::npos);
    EXPECT_NE(pdf.find("(line 7 \\(with parentheses\\) and a \\\\ backslash)"), std::string::npos);
    EXPECT_NE(pdf.find("/Title (Title \\(1\\))"), std::string::npos);
    EXPECT_NE(pdf.find("(caf?" "?)"), std::string::npos);  // split: "??)" would be a trigraph
    EXPECT_EQ(pdf.find("\xC3\xA9"), std::string::npos);
}

TEST(LedgerReconcile, FindsEveryKindOfDifference)
{
    std::vector<LedgerEntry> entries = {
        Entry(EntryKind::PURCHASE, T0, COIN, 1, Txid('a')),       // matches
        Entry(EntryKind::SALE, T0 + 1, 20'000'000, 1, Txid('b')),  // with its fee: -20,001,000 on chain
        Entry(EntryKind::FEE, T0 + 1, 1'000, 0, Txid('b')),
        Entry(EntryKind::PURCHASE, T0 + 2, 5'000, 1, Txid('c')),  // chain shows 4,000
        Entry(EntryKind::PURCHASE, T0 + 3, 7'000, 1, Txid('d')),  // not on chain
        Entry(EntryKind::PURCHASE, T0 + 4, 7'000, 1),             // off-chain (exchange balance): ignored
    };
    for (size_t i = 0; i < entries.size(); ++i) entries[i].id = int64_t(i + 1);
    const std::vector<ChainMovement> chain = {
        {Txid('a'), COIN, T0}, {Txid('b'), -20'001'000, T0}, {Txid('c'), 4'000, T0}, {Txid('e'), 123, T0}};
    const auto d = Reconcile(entries, chain);
    ASSERT_EQ(d.size(), 3u);
    std::map<std::string, Discrepancy> by_tx;
    for (const auto& x : d) by_tx[x.txid] = x;
    EXPECT_EQ(by_tx[Txid('c')].kind, "amount-mismatch");
    EXPECT_EQ(by_tx[Txid('c')].ledger_delta, 5'000);
    EXPECT_EQ(by_tx[Txid('c')].chain_delta, 4'000);
    EXPECT_EQ(by_tx[Txid('d')].kind, "not-on-chain");
    EXPECT_EQ(by_tx[Txid('d')].entry_ids, std::vector<int64_t>{5});
    EXPECT_EQ(by_tx[Txid('e')].kind, "unrecorded");
    EXPECT_TRUE(Reconcile({}, {}).empty());
}

TEST_F(LedgerTest, DamagedFilesAreRefusedAndLeftUntouched)
{
    Add(Entry(EntryKind::PURCHASE, T0, COIN, 1));
    ledger.reset();
    auto read = [](const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    // Fold the WAL into the main file so truncation hits real data.
    {
        std::string error;
        auto db = sql::Database::Open(file, false, &error);
        ASSERT_TRUE(db) << error;
        ASSERT_TRUE(db->Exec("PRAGMA wal_checkpoint(TRUNCATE);"));
    }
    const std::string good = read(file);
    ASSERT_GT(good.size(), 4096u);
    for (const auto& damaged : {good.substr(0, 50), std::string(good.size(), 'x'), good.substr(0, good.size() - 1000)}) {
        { std::ofstream(file, std::ios::binary | std::ios::trunc) << damaged; }
        fs::remove(dir / "ledger.sqlite-wal");
        fs::remove(dir / "ledger.sqlite-shm");
        std::string error;
        auto l = Ledger::Open(file, &error);
        if (l) {
            // SQLite may open a file truncated at a page boundary; it must then still refuse to invent data.
            EXPECT_LE(l->Entries().size(), 1u);
            continue;
        }
        EXPECT_FALSE(error.empty());
        EXPECT_EQ(read(file), damaged) << "a damaged file was modified";
    }
}

TEST_F(LedgerTest, KillNineLosesNothingAcknowledged)
{
    ledger.reset();
    std::mt19937 rng(12345);
    std::set<int64_t> acknowledged;
    for (int round = 0; round < 20; ++round) {
        int fds[2];
        ASSERT_EQ(::pipe(fds), 0);
        const pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            ::close(fds[0]);
            std::string error;
            auto l = Ledger::Open(file, &error);
            if (!l) _exit(2);
            for (int i = 0;; ++i) {
                auto id = l->AddEntry(Entry(EntryKind::MINING, T0 + round * DAY + i, 1000 + i, 0), &error);
                if (!id) _exit(3);
                // Acknowledge only after AddEntry returned (committed and fsynced).
                if (::write(fds[1], &*id, sizeof(*id)) != sizeof(*id)) _exit(4);
            }
        }
        ::close(fds[1]);
        // Kill at a random point after the first acknowledgement (so every round kills a writer mid-stream,
        // however slow the disk is).
        int64_t id;
        if (::read(fds[0], &id, sizeof(id)) == sizeof(id)) acknowledged.insert(id);
        ::usleep(rng() % 50'000);
        ::kill(pid, SIGKILL);
        while (::read(fds[0], &id, sizeof(id)) == sizeof(id)) acknowledged.insert(id);
        ::close(fds[0]);
        int status;
        ::waitpid(pid, &status, 0);
        ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
        std::string error;
        auto l = Ledger::Open(file, &error);
        ASSERT_TRUE(l) << "round " << round << ": " << error;
        std::set<int64_t> stored;
        for (const auto& e : l->Entries()) stored.insert(e.id);
        for (int64_t a : acknowledged) ASSERT_TRUE(stored.count(a)) << "round " << round << " lost entry " << a;
    }
    EXPECT_GE(acknowledged.size(), 20u);
}

TEST_P(LedgerStoreTest, ConcurrentWritersCannotBreakTheSchedule)
{
    // Two writers (two connections, as two operators would have) race to buy 0.1 BTC at a time against a schedule
    // of 1 BTC a day: the policy check and the insert are one exclusive transaction, so exactly ten get in.
    LedgerPolicy p;
    p.max_purchase_per_day = COIN;
    std::string error;
    ASSERT_TRUE(ledger->SetPolicy(p, &error)) << error;
    std::atomic<int> accepted{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < 2; ++w) {
        writers.emplace_back([&] {
            std::string why;
            auto mine = Ledger::Open(location, &why);
            if (!mine) return;
            for (int i = 0; i < 10; ++i) {
                if (mine->AddEntry(Entry(EntryKind::PURCHASE, T0 + i, COIN / 10, 1), &why)) ++accepted;
            }
        });
    }
    for (auto& t : writers) t.join();
    EXPECT_EQ(accepted.load(), 10);
    Amount total = 0;
    for (const auto& e : ledger->Entries()) total += e.amount;
    EXPECT_EQ(total, COIN);
}
