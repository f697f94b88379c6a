// The transparency dashboard: a public view (holdings, value over time, descriptors, proofs, explanations for
// citizens) and an operator view behind a password (policy, spend proposals, audit log with verification, ledger
// entries, reconciliation). Pages and scripts are embedded in the binary; nothing is fetched from elsewhere.
#pragma once

#include "ledger/ledger.h"
#include "web/web_server.h"

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

class CustodyEngine;
class JsonValue;

struct DashboardOptions {
    std::string institution{"Public Bitcoin reserve"};
    std::string currency{"USD"};
    std::vector<std::string> descriptors;  // published reserve descriptors (xpubs only)
    std::string operator_password;         // empty: operator view disabled
    int64_t session_seconds{8 * 3600};
    CostMethod cost_method{CostMethod::FIFO};
};

/** What the dashboard needs from the rest of the node, as callbacks so it can be tested without one. */
struct DashboardSources {
    std::function<int64_t()> now;
    /** {"name", "height", "best_block", "time"} of the active chain. */
    std::function<JsonValue()> chain;
    Ledger* ledger{nullptr};
    CustodyEngine* custody{nullptr};
    /** The reserve wallets' on-chain movements for reconciliation (empty until a wallet is attached). */
    std::function<std::vector<ChainMovement>()> movements;
    /** Published proof-of-reserves files: name -> contents. */
    std::function<std::map<std::string, std::string>()> proofs;
    /** The node's verification of a proof file (verifyreserves' result); throws on a malformed file. */
    std::function<JsonValue(const std::string&)> verify_proof;
};

class Dashboard
{
public:
    Dashboard(DashboardOptions options, DashboardSources sources);
    WebResponse Handle(const WebRequest& request);
    /** The mining pool panel's data (GET /api/pool; 404 while unset): StratumPool::Panel. */
    void SetPoolSource(std::function<JsonValue()> source);

private:
    struct Session {
        std::string csrf;
        int64_t expires{0};
    };
    WebResponse PublicJson();
    WebResponse PoolJson();
    WebResponse Login(const WebRequest& request);
    WebResponse VerifyProof(const WebRequest& request);
    WebResponse Operator(const WebRequest& request);
    /** The session of a request, or nullptr; state-changing requests also need the CSRF header. */
    const Session* Authenticate(const WebRequest& request, bool state_changing);

    DashboardOptions m_opts;
    DashboardSources m_src;
    std::mutex m_mutex;
    std::map<std::string, Session> m_sessions;  // token -> session
    std::vector<int64_t> m_failed_logins;       // times of recent failures (rate limit)
    std::vector<int64_t> m_verifications;       // times of recent public verifications (rate limit)
    std::function<JsonValue()> m_pool;          // guarded by m_mutex
};

/** An embedded asset by name ("public.js"), with its content type; nullptr when unknown. */
const std::pair<std::string_view, std::string_view>* FindWebAsset(std::string_view name);
