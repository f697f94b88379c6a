// Dashboard service wiring; see dashboard_service.h.
#include "web/dashboard_service.h"

#include "json/json_value.h"
#include "ledger/store.h"
#include "node/context.h"
#include "rpc/reserves.h"
#include "util/args.h"
#include "util/hex.h"
#include "util/logging.h"

#include <openssl/rand.h>
#include <sys/stat.h>

#include <fstream>

namespace fs = std::filesystem;

void RegisterDashboardArgs(ArgsManager& args)
{
    using A = ArgsManager;
    const auto OPT = OptionsCategory::OPTIONS;
    args.AddArg("-dashboard", "Serve the transparency dashboard (default: 0); implies -ledger", A::ALLOW_ANY, OPT);
    args.AddArg("-ledger", "Keep the treasury ledger (ledger.sqlite in the data directory) and serve its RPC commands "
                "(default: 0, 1 with -dashboard)", A::ALLOW_ANY, OPT);
    args.AddArg("-ledgerdb=<location>", "Where the treasury ledger is kept: a SQLite file (default: ledger.sqlite in the "
                "data directory) or a PostgreSQL connection string (postgresql://user@host/db or \"host=… dbname=…\")",
                A::ALLOW_ANY | A::SENSITIVE, OPT);
    args.AddArg("-reservewallet=<name>", "A wallet holding the reserve, whose on-chain movements the ledger is "
                "reconciled against (repeatable; default: the wallet named \"reserve\" when it is loaded)",
                A::ALLOW_ANY, OPT);
    args.AddArg("-dashboardbind=<addr>", "Bind the dashboard to this address (default: 127.0.0.1)", A::ALLOW_ANY, OPT);
    args.AddArg("-dashboardport=<port>", "Dashboard port (default: 8780, regtest: 18780)", A::ALLOW_ANY, OPT);
    args.AddArg("-dashboardpassword=<pw>",
                "Operator password (default: a random one written to dashboard-password in the data directory)",
                A::ALLOW_ANY | A::SENSITIVE, OPT);
    args.AddArg("-institution=<name>", "Name of the institution shown on the dashboard", A::ALLOW_ANY, OPT);
    args.AddArg("-currency=<code>", "Fiat currency of the ledger and dashboard (default: USD)", A::ALLOW_ANY, OPT);
    args.AddArg("-reservedescriptor=<desc>", "Publish a reserve descriptor on the dashboard (repeatable)",
                A::ALLOW_ANY, OPT);
    args.AddArg("-demoreserve", "Regtest only: a demo reserve (2-of-3 reserve and officials' wallets with fixed demo "
                "keys, mined coins, a fresh proof of reserves, and a ledger with sample entries and prices) (default: 0)",
                A::ALLOW_ANY,
                OptionsCategory::DEBUG_TEST);
}

std::string InstitutionName(const ArgsManager& args, const NodeContext& node)
{
    return args.GetArg("-institution", node.params->chain == Chain::REGTEST ? "Demo national Bitcoin reserve (regtest)"
                                                                           : "Public Bitcoin reserve");
}

bool SeedDemoReserve(Ledger& ledger, CustodyEngine& custody, int64_t now, std::string* error)
{
    if (!ledger.Entries().empty()) return true;
    if (!custody.Policy()) {
        CustodyPolicy p;
        p.signers = {{"Minister of Finance", "demo-key-1"}, {"Central Bank Governor", "demo-key-2"},
                     {"Auditor General", "demo-key-3"}};
        p.threshold = 2;
        p.change_quorum = 2;
        p.max_per_spend = 10 * COIN;
        p.large_spend = 5 * COIN;
        p.large_spend_delay = 86400;
        if (!custody.InitPolicy(p, "demo", now, error)) return false;
    }
    // A deterministic price walk: 60 daily prices ending today.
    std::string csv = "date,price,currency\n";
    int64_t price = 6'000'000;  // 60,000.00
    const int64_t day = 86400;
    for (int i = 365; i >= 0; --i) {
        price += ((i * 7919) % 41 - 19) * 10'000;
        if (price < 1'000'000) price = 1'000'000;
        csv += DateOf(now - i * day) + "," + FormatFiat(price) + ",USD\n";
    }
    if (!ledger.ImportPricesCsv(csv, error)) return false;
    for (int week = 52; week >= 1; --week) {
        LedgerEntry e;
        e.kind = week % 13 == 0 ? EntryKind::MINING : EntryKind::PURCHASE;
        e.time = now - week * 7 * day;
        e.amount = e.kind == EntryKind::MINING ? 3 * COIN + 12'500'000 : COIN;
        auto p = ledger.PriceAt(DateOf(e.time), "USD");
        e.fiat = e.kind == EntryKind::MINING ? 4'000'000 : (p ? p->first : 6'000'000);
        e.venue = e.kind == EntryKind::MINING ? "Geothermal mining site" : "National exchange";
        e.source = e.kind == EntryKind::MINING ? "Energy programme" : "Strategic reserve budget";
        if (!ledger.AddEntry(e, error)) return false;
    }
    return true;
}

DashboardService::~DashboardService()
{
    if (m_server) m_server->Stop();
}

std::unique_ptr<DashboardService> DashboardService::Start(const ArgsManager& args, NodeContext& node,
                                                         std::function<std::vector<ChainMovement>()> movements,
                                                         std::string& error,
                                                         const std::vector<std::string>& extra_descriptors)
{
    const bool web = args.GetBoolArg("-dashboard", false);
    if (!web && !args.GetBoolArg("-ledger", false)) return nullptr;
    std::unique_ptr<DashboardService> s(new DashboardService());
    s->m_currency = args.GetArg("-currency", "USD");
    const bool regtest = node.params->chain == Chain::REGTEST;
    s->m_institution = InstitutionName(args, node);
    const std::string ledger_location = args.GetArg("-ledgerdb", (node.data_dir / "ledger.sqlite").string());
    s->m_ledger = Ledger::Open(ledger_location, &error);
    if (!s->m_ledger) return nullptr;
    s->m_custody = CustodyEngine::Open(node.data_dir / "custody.sqlite", &error);
    if (!s->m_custody) return nullptr;
    if (args.GetBoolArg("-demoreserve", false)) {
        if (!regtest) {
            error = "-demoreserve is only available on regtest";
            return nullptr;
        }
        if (!SeedDemoReserve(*s->m_ledger, *s->m_custody, node.Now(), &error)) return nullptr;
    }

    if (!web) {
        // A connection string may hold a password: name the kind of store only.
        LogPrintf("Treasury ledger open (%s), dashboard off\n",
                  IsPostgresLocation(ledger_location) ? "PostgreSQL" : ledger_location.c_str());
        return s;
    }

    DashboardOptions opts;
    opts.institution = s->m_institution;
    opts.currency = s->m_currency;
    opts.descriptors = args.GetArgs("-reservedescriptor");
    opts.descriptors.insert(opts.descriptors.end(), extra_descriptors.begin(), extra_descriptors.end());
    if (auto pw = args.GetArg("-dashboardpassword")) {
        opts.operator_password = *pw;
    } else {
        // A random password in a private file: nothing secret in the log or on the command line.
        const fs::path file = node.data_dir / "dashboard-password";
        std::ifstream in(file);
        std::getline(in, opts.operator_password);
        if (opts.operator_password.empty()) {
            std::vector<uint8_t> b(18);
            RAND_bytes(b.data(), static_cast<int>(b.size()));
            opts.operator_password = HexStr(b);
            std::ofstream out(file, std::ios::trunc);
            out << opts.operator_password << "\n";
            out.close();
            ::chmod(file.c_str(), 0600);
        }
        LogPrintf("Dashboard operator password is in %s\n", file.string().c_str());
    }
    DashboardSources src;
    src.now = [&node] { return node.Now(); };
    src.chain = [&node] {
        JsonValue c = JsonValue::Object();
        std::lock_guard lock(node.chainman->Mutex());
        const BlockIndex* tip = node.chainman->Tip();
        c.PushKV("name", ChainName(node.params->chain));
        c.PushKV("height", tip->height);
        c.PushKV("best_block", tip->GetBlockHash().GetHex());
        c.PushKV("time", tip->GetBlockTime());
        return c;
    };
    src.proofs = [&node] {
        std::map<std::string, std::string> out;
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(ProofsDir(node), ec)) {
            if (entry.path().extension() != ".json" || entry.file_size(ec) > (16u << 20)) continue;
            std::ifstream in(entry.path(), std::ios::binary);
            out[entry.path().stem().string()] = std::string(std::istreambuf_iterator<char>(in), {});
        }
        return out;
    };
    src.verify_proof = [&node](const std::string& text) { return VerifyReservesJson(node, text); };
    src.ledger = s->m_ledger.get();
    src.movements = std::move(movements);
    src.custody = s->m_custody.get();
    s->m_dashboard = std::make_unique<Dashboard>(opts, src);

    WebServerOptions wo;
    wo.bind = args.GetArg("-dashboardbind", "127.0.0.1");
    const int64_t port = args.GetIntArg("-dashboardport", regtest ? 18780 : 8780);
    if (port < 0 || port > 65535) {
        error = "-dashboardport must be between 0 and 65535";
        return nullptr;
    }
    wo.port = static_cast<uint16_t>(port);
    Dashboard* dash = s->m_dashboard.get();
    s->m_server = std::make_unique<WebServer>(wo, [dash](const WebRequest& r) { return dash->Handle(r); });
    if (!s->m_server->Start(error)) return nullptr;
    LogPrintf("Dashboard at http://%s:%u/\n", wo.bind.c_str(), s->m_server->Port());
    return s;
}
