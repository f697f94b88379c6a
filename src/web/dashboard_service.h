// The dashboard as a node service: its options, its stores (ledger and custody files in the data directory), the
// operator password, the regtest demo reserve, and the web server. sovereignd calls RegisterDashboardArgs,
// DashboardService::Start and Stop.
#pragma once

#include "custody/policy.h"
#include "ledger/ledger.h"
#include "web/dashboard.h"
#include "web/web_server.h"

#include <memory>
#include <string>

class ArgsManager;
struct NodeContext;

void RegisterDashboardArgs(ArgsManager& args);

class DashboardService
{
public:
    /** nullptr without error when -dashboard is off; nullptr with error when it could not start. */
    static std::unique_ptr<DashboardService> Start(const ArgsManager& args, NodeContext& node, std::string& error);
    ~DashboardService();
    uint16_t Port() const { return m_server->Port(); }
    Ledger& GetLedger() { return *m_ledger; }
    CustodyEngine& Custody() { return *m_custody; }
    /** Shows the mining pool panel with data from source (sovereignd passes StratumPool::Panel). */
    void SetPoolSource(std::function<JsonValue()> source) { m_dashboard->SetPoolSource(std::move(source)); }

private:
    DashboardService() = default;
    std::unique_ptr<Ledger> m_ledger;
    std::unique_ptr<CustodyEngine> m_custody;
    std::unique_ptr<Dashboard> m_dashboard;
    std::unique_ptr<WebServer> m_server;
};

/** Fills an empty ledger and custody store with a demo reserve (regtest only): a 2-of-3 policy of three named
 *  officials, sixty days of prices ending at now and a year of weekly purchases. */
bool SeedDemoReserve(Ledger& ledger, CustodyEngine& custody, int64_t now, std::string* error);
