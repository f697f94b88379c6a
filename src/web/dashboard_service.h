// The reserve's books as a node service: the treasury ledger and custody store (files in the data directory),
// with -ledger or -dashboard; and with -dashboard the web server, its operator password and, on regtest, the demo
// reserve. sovereignd calls RegisterDashboardArgs, DashboardService::Start, and destroys it to stop.
#pragma once

#include "custody/policy.h"
#include "ledger/ledger.h"
#include "web/dashboard.h"
#include "web/web_server.h"

#include <functional>
#include <memory>
#include <string>

class ArgsManager;
struct NodeContext;

void RegisterDashboardArgs(ArgsManager& args);
/** The institution's name (-institution, or a default for the chain). */
std::string InstitutionName(const ArgsManager& args, const NodeContext& node);

class DashboardService
{
public:
    /** nullptr without error when -dashboard and -ledger are off; nullptr with error when it could not start.
     *  movements: the reserve wallets' confirmed on-chain movements, for reconciliation. */
    static std::unique_ptr<DashboardService> Start(const ArgsManager& args, NodeContext& node,
                                                   std::function<std::vector<ChainMovement>()> movements,
                                                   std::string& error,
                                                   const std::vector<std::string>& extra_descriptors = {});
    ~DashboardService();
    /** The dashboard's port (0 when only the ledger runs). */
    uint16_t Port() const { return m_server ? m_server->Port() : 0; }
    const std::string& Currency() const { return m_currency; }
    const std::string& Institution() const { return m_institution; }
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
    std::string m_currency;
    std::string m_institution;
};

/** Fills an empty ledger and custody store with a demo reserve (regtest only): a 2-of-3 policy of three named
 *  officials, sixty days of prices ending at now and a year of weekly purchases. */
bool SeedDemoReserve(Ledger& ledger, CustodyEngine& custody, int64_t now, std::string* error);
