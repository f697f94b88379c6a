// Treasury ledger RPC commands (category "ledger"): ledgeraddentry, ledgerlistentries, ledgerreport,
// ledgerimportprices, ledgergetpolicy, ledgersetpolicy, ledgerreconcile and ledgerexport. The ledger belongs to the node's
// reserve services (-ledger or -dashboard); without them every command says how to turn it on.
#pragma once

#include "ledger/ledger.h"
#include "rpc/server.h"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

struct LedgerRpcContext {
    /** The open ledger, or nullptr when the node runs without one. */
    std::function<Ledger*()> ledger;
    /** The reserve wallets' confirmed on-chain movements (-reservewallet), for reconciliation. */
    std::function<std::vector<ChainMovement>()> movements;
    /** Records an action in the custody audit log, when there is one. */
    std::function<void(const std::string& action, const std::string& details)> audit;
    std::function<std::string()> currency;
    std::function<std::string()> institution;
    std::function<int64_t()> now;
    /** Where relative export paths go (the data directory). */
    std::filesystem::path data_dir;
};

void RegisterLedgerRpcCommands(RpcTable& table, LedgerRpcContext context);
