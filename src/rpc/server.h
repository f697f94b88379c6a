// The RPC command table: registration, named-argument conversion, dispatch, `help`, and the control commands
// (help, stop, uptime, getrpcinfo) with Core's behaviour; plus the JSON-RPC-over-HTTP body handling.
#pragma once

#include "json/json_value.h"
#include "rpc/method.h"
#include "rpc/request.h"

#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <vector>

class RpcTable
{
public:
    /** A table with Core's control commands (help, stop, uptime, getrpcinfo) already registered. */
    RpcTable();

    /** Adds a command under category (e.g. "blockchain", "rawtransactions"); replaces one of the same name. */
    void Register(const std::string& category, RpcMethod method);
    std::vector<std::string> ListCommands() const;

    /** Runs a parsed request: warm-up check, method lookup, named→positional conversion, argument checks.
     *  Throws RpcError (Core's codes; type errors become RPC_TYPE_ERROR, other exceptions RPC_MISC_ERROR). */
    JsonValue Execute(const JsonRpcRequest& request) const;

    /** `help` with no command (categories and one-line summaries) or for one command. */
    std::string Help(const std::string& command) const;

    /** While warming up every call fails with RPC_IN_WARMUP and the status text. Starts finished. */
    void SetWarmupStatus(const std::string& status);
    void SetWarmupFinished();
    bool IsInWarmup() const;

    /** Called by `stop`; the node sets it to begin shutdown. */
    void SetShutdownHandler(std::function<void()> handler) { m_shutdown = std::move(handler); }
    /** Log file path shown by getrpcinfo. */
    void SetLogPath(std::string path) { m_log_path = std::move(path); }
    /** Product name in `stop`'s reply ("Sovereign stopping"). */
    static constexpr const char* CLIENT_NAME = "Sovereign";

private:
    struct Command {
        std::string category;
        RpcMethod method;
    };
    struct Active {
        std::string method;
        std::chrono::steady_clock::time_point start;
    };
    void RegisterControlCommands();

    std::map<std::string, Command> m_commands;
    mutable std::mutex m_mutex;  // guards warm-up state and the active list
    bool m_in_warmup{false};
    std::string m_warmup_status{"RPC server started"};
    mutable std::list<Active> m_active;
    std::function<void()> m_shutdown;
    std::string m_log_path;
    std::chrono::steady_clock::time_point m_start{std::chrono::steady_clock::now()};
};

/** Core's transformNamedArguments: named params (object) → positional array for arg_names; throws RpcError. */
JsonValue TransformNamedArguments(const JsonValue& named,
                                  const std::vector<std::pair<std::string, bool>>& arg_names);

/** Executes one request and builds its reply; with catch_errors, errors become reply objects. */
JsonValue JsonRpcExec(const RpcTable& table, const JsonRpcRequest& request, bool catch_errors);

struct HttpRpcResult {
    int status;        // HTTP status code
    std::string body;  // empty for no-content replies and HTTP-level errors
};

/** Core's HTTPReq_JSONRPC after authentication: parses body, runs single or batch requests, and gives the HTTP
 *  status and body exactly as Core (1.0 errors as HTTP 500/404/400, 2.0 always 200, notifications 204). */
HttpRpcResult HandleJsonRpcBody(const RpcTable& table, const std::string& body, const std::string& auth_user,
                                const std::string& peer, const std::string& uri);
