// Command table, dispatch and the control commands, following Core's rpc/server.cpp and httprpc.cpp behaviour.
#include "rpc/server.h"

#include "rpc/protocol.h"

#include <algorithm>
#include <thread>
#include <unordered_map>

std::vector<std::string> SplitArgNames(const std::string& names);  // rpc/method.cpp

namespace {
using Arg = RpcArg;
using Res = RpcResult;

// Records a running command for getrpcinfo for as long as it runs.
class ActiveGuard
{
public:
    template <typename List>
    ActiveGuard(std::mutex& mutex, List& list, const std::string& method) : m_mutex(mutex)
    {
        std::lock_guard lock(m_mutex);
        list.push_back({method, std::chrono::steady_clock::now()});
        m_erase = [&list, it = std::prev(list.end())] { list.erase(it); };
    }
    ~ActiveGuard()
    {
        std::lock_guard lock(m_mutex);
        m_erase();
    }

private:
    std::mutex& m_mutex;
    std::function<void()> m_erase;
};
}  // namespace

RpcTable::RpcTable()
{
    RegisterControlCommands();
}

void RpcTable::Register(const std::string& category, RpcMethod method)
{
    std::string name = method.Name();
    m_commands.insert_or_assign(name, Command{category, std::move(method)});
}

std::vector<std::string> RpcTable::ListCommands() const
{
    std::vector<std::string> out;
    for (const auto& [name, _] : m_commands) out.push_back(name);
    return out;
}

void RpcTable::SetWarmupStatus(const std::string& status)
{
    std::lock_guard lock(m_mutex);
    m_in_warmup = true;
    m_warmup_status = status;
}

void RpcTable::SetWarmupFinished()
{
    std::lock_guard lock(m_mutex);
    m_in_warmup = false;
}

bool RpcTable::IsInWarmup() const
{
    std::lock_guard lock(m_mutex);
    return m_in_warmup;
}

JsonValue TransformNamedArguments(const JsonValue& named, const std::vector<std::pair<std::string, bool>>& arg_names)
{
    JsonValue out = JsonValue::Array();
    // Remaining (unconsumed) named parameters, so an unknown one can be reported.
    std::vector<std::pair<std::string, const JsonValue*>> args_in;
    for (size_t i = 0; i < named.keys().size(); ++i) {
        const std::string& k = named.keys()[i];
        for (const auto& [existing, _] : args_in) {
            if (existing == k) throw RpcError(RPC_INVALID_PARAMETER, "Parameter " + k + " specified multiple times");
        }
        args_in.emplace_back(k, &named.values()[i]);
    }
    auto find = [&](const std::string& name) {
        return std::find_if(args_in.begin(), args_in.end(), [&](const auto& p) { return p.first == name; });
    };
    // Holes (unspecified parameters before a specified one) become nulls; trailing holes are left out so that
    // commands that look at the parameter count behave as with positional calls.
    int hole = 0;
    int initial_hole_size = 0;
    const std::string* initial_param = nullptr;
    JsonValue options = JsonValue::Object();
    for (const auto& [pattern, named_only] : arg_names) {
        auto fr = args_in.end();
        for (const std::string& n : SplitArgNames(pattern)) {
            fr = find(n);
            if (fr != args_in.end()) break;
        }
        if (named_only) {
            if (fr != args_in.end()) {
                if (options.Exists(fr->first)) {
                    throw RpcError(RPC_INVALID_PARAMETER, "Parameter " + fr->first + " specified multiple times");
                }
                options.PushKV(fr->first, *fr->second);
                args_in.erase(fr);
            }
            continue;
        }
        if (options.size() > 0 || fr != args_in.end()) {
            for (int i = 0; i < hole; ++i) out.PushBack(JsonValue());
            hole = 0;
            if (!initial_param) initial_param = &pattern;
        } else {
            hole += 1;
            if (out.size() == 0) initial_hole_size = hole;
        }
        if (fr != args_in.end()) {
            if (options.size() > 0) {
                throw RpcError(RPC_INVALID_PARAMETER,
                               "Parameter " + fr->first + " conflicts with parameter " + options.keys().front());
            }
            out.PushBack(*fr->second);
            args_in.erase(fr);
        }
        if (options.size() > 0) {
            out.PushBack(std::move(options));
            options = JsonValue::Object();
        }
    }
    // "args" carries leading positional arguments, with the named ones appended after them.
    auto positional = find("args");
    if (positional != args_in.end()) {
        const JsonValue* pos = positional->second;
        args_in.erase(positional);
        if (pos->IsArray()) {
            if (initial_hole_size < static_cast<int>(pos->size()) && initial_param) {
                throw RpcError(RPC_INVALID_PARAMETER, "Parameter " + *initial_param +
                                                          " specified twice both as positional and named argument");
            }
            JsonValue named_args = std::move(out);
            out = *pos;
            for (size_t i = out.size(); i < named_args.size(); ++i) out.PushBack(named_args[i]);
        }
    }
    if (!args_in.empty()) throw RpcError(RPC_INVALID_PARAMETER, "Unknown named parameter " + args_in.front().first);
    return out;
}

JsonValue RpcTable::Execute(const JsonRpcRequest& request) const
{
    {
        std::lock_guard lock(m_mutex);
        if (m_in_warmup) throw RpcError(RPC_IN_WARMUP, m_warmup_status);
    }
    auto it = m_commands.find(request.method);
    if (it == m_commands.end()) throw RpcError(RPC_METHOD_NOT_FOUND, "Method not found");
    try {
        ActiveGuard guard(m_mutex, m_active, request.method);
        if (request.params.IsObject()) {
            JsonRpcRequest positional = request;
            positional.params = TransformNamedArguments(request.params, it->second.method.GetArgNames());
            return it->second.method.HandleRequest(positional);
        }
        return it->second.method.HandleRequest(request);
    } catch (const RpcError&) {
        throw;
    } catch (const JsonTypeError& e) {
        throw RpcError(RPC_TYPE_ERROR, e.what());
    } catch (const std::exception& e) {
        throw RpcError(RPC_MISC_ERROR, e.what());
    }
}

std::string RpcTable::Help(const std::string& command) const
{
    std::vector<std::pair<std::string, const Command*>> sorted;
    for (const auto& [name, cmd] : m_commands) sorted.emplace_back(cmd.category + name, &cmd);
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string ret;
    std::string category;
    for (const auto& [_, cmd] : sorted) {
        const std::string& name = cmd->method.Name();
        if ((!command.empty() || cmd->category == "hidden") && name != command) continue;
        std::string help = cmd->method.ToString();
        if (command.empty()) {
            help = help.substr(0, help.find('\n'));
            if (category != cmd->category) {
                if (!category.empty()) ret += "\n";
                category = cmd->category;
                std::string cap = category;
                if (!cap.empty() && cap[0] >= 'a' && cap[0] <= 'z') cap[0] = static_cast<char>(cap[0] - 'a' + 'A');
                ret += "== " + cap + " ==\n";
            }
        }
        ret += help + "\n";
    }
    if (ret.empty()) ret = "help: unknown command: " + command + "\n";
    return ret.substr(0, ret.size() - 1);
}

void RpcTable::RegisterControlCommands()
{
    Register("control",
             RpcMethod{"help",
                       "List all commands, or get help for a specified command.\n",
                       {Arg{"command", Arg::Type::STR, Arg::DefaultHint{"all commands"}, "The command to get help on"}},
                       {Res{Res::Type::STR, "", "The help text"}},
                       "",
                       [this](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
                           std::string command;
                           if (req.params.size() > 0 && !req.params[0].IsNull()) command = JsonGetStr(req.params[0]);
                           return Help(command);
                       }});
    static const std::string STOP_RESULT = std::string(CLIENT_NAME) + " stopping";
    Register("control",
             RpcMethod{"stop",
                       std::string("Request a graceful shutdown of ") + CLIENT_NAME + ".",
                       {Arg{"wait", Arg::Type::NUM, Arg::Optional::OMITTED, "how long to wait in ms",
                            HiddenArgOptions()}},
                       {Res{Res::Type::STR, "", "A string with the content '" + STOP_RESULT + "'"}},
                       "",
                       [this](const RpcMethod&, const JsonRpcRequest& req) -> JsonValue {
                           // The server finishes answering in-flight requests, so this reply still arrives.
                           if (m_shutdown) m_shutdown();
                           if (req.params.size() > 0 && req.params[0].IsNum()) {
                               std::this_thread::sleep_for(std::chrono::milliseconds(JsonGetInt(req.params[0])));
                           }
                           return STOP_RESULT;
                       }});
    Register("control",
             RpcMethod{"uptime",
                       "Returns the total uptime of the server.\n",
                       {},
                       {Res{Res::Type::NUM, "", "The number of seconds that the server has been running"}},
                       HelpExampleCli("uptime", "") + HelpExampleRpc("uptime", ""),
                       [this](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
                           return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                                           std::chrono::steady_clock::now() - m_start)
                                                           .count());
                       }});
    Register("control",
             RpcMethod{"getrpcinfo",
                       "Returns details of the RPC server.\n",
                       {},
                       {Res{Res::Type::OBJ, "", "",
                            {Res{Res::Type::ARR, "active_commands", "All active commands",
                                 {Res{Res::Type::OBJ, "", "Information about an active command",
                                      {Res{Res::Type::STR, "method", "The name of the RPC command"},
                                       Res{Res::Type::NUM, "duration", "The running time in microseconds"}}}}},
                             Res{Res::Type::STR, "logpath", "The complete file path to the debug log"}}}},
                       HelpExampleCli("getrpcinfo", "") + HelpExampleRpc("getrpcinfo", ""),
                       [this](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
                           std::lock_guard lock(m_mutex);
                           JsonValue active = JsonValue::Array();
                           const auto now = std::chrono::steady_clock::now();
                           for (const auto& a : m_active) {
                               JsonValue e = JsonValue::Object();
                               e.PushKV("method", a.method);
                               e.PushKV("duration", static_cast<int64_t>(
                                                        std::chrono::duration_cast<std::chrono::microseconds>(
                                                            now - a.start)
                                                            .count()));
                               active.PushBack(std::move(e));
                           }
                           JsonValue r = JsonValue::Object();
                           r.PushKV("active_commands", std::move(active));
                           r.PushKV("logpath", m_log_path);
                           return r;
                       }});
}

JsonValue JsonRpcExec(const RpcTable& table, const JsonRpcRequest& request, bool catch_errors)
{
    JsonValue result;
    if (catch_errors) {
        try {
            result = table.Execute(request);
        } catch (const RpcError& e) {
            return JsonRpcReplyObj(JsonValue(), e.ToJson(), request.id, request.json_version);
        } catch (const std::exception& e) {
            return JsonRpcReplyObj(JsonValue(), JsonRpcErrorObj(RPC_MISC_ERROR, e.what()), request.id,
                                   request.json_version);
        }
    } else {
        result = table.Execute(request);
    }
    return JsonRpcReplyObj(std::move(result), JsonValue(), request.id, request.json_version);
}

namespace {
// A failed 1.0 request (or one whose version is unknown): the HTTP status follows the RPC error code.
JsonValue ErrorReply(const JsonValue& error, const JsonRpcRequest& req, int& status)
{
    status = HTTP_INTERNAL_SERVER_ERROR;
    const int64_t code = JsonGetInt64(error["code"]);
    if (code == RPC_INVALID_REQUEST) {
        status = HTTP_BAD_REQUEST;
    } else if (code == RPC_METHOD_NOT_FOUND) {
        status = HTTP_NOT_FOUND;
    }
    return JsonRpcReplyObj(JsonValue(), error, req.id, req.json_version);
}

JsonValue ExecuteHttpRpc(const RpcTable& table, const JsonValue& request, JsonRpcRequest& jreq, int& status)
{
    status = HTTP_OK;
    try {
        if (request.IsObject()) {
            jreq.Parse(request);
            // 1.0 errors become HTTP errors; 2.0 errors are 200 replies with an error member.
            const bool catch_errors = jreq.json_version == JsonRpcVersion::V2;
            JsonValue reply = JsonRpcExec(table, jreq, catch_errors);
            if (jreq.IsNotification()) {
                status = HTTP_NO_CONTENT;
                return JsonValue();
            }
            return reply;
        } else if (request.IsArray()) {
            JsonValue reply = JsonValue::Array();
            for (size_t i = 0; i < request.size(); ++i) {
                JsonValue response;
                try {
                    jreq.Parse(request[i]);
                    response = JsonRpcExec(table, jreq, true);
                } catch (const RpcError& e) {
                    response = JsonRpcReplyObj(JsonValue(), e.ToJson(), jreq.id, jreq.json_version);
                } catch (const std::exception& e) {
                    response = JsonRpcReplyObj(JsonValue(), JsonRpcErrorObj(RPC_PARSE_ERROR, e.what()), jreq.id,
                                               jreq.json_version);
                }
                if (!jreq.IsNotification()) reply.PushBack(std::move(response));
            }
            // An all-notification batch gets no body; an empty batch still gets "[]" (Core keeps old clients working).
            if (reply.size() == 0 && request.size() > 0) {
                status = HTTP_NO_CONTENT;
                return JsonValue();
            }
            return reply;
        }
        throw RpcError(RPC_PARSE_ERROR, "Top-level object parse error");
    } catch (const RpcError& e) {
        return ErrorReply(e.ToJson(), jreq, status);
    } catch (const std::exception& e) {
        return ErrorReply(JsonRpcErrorObj(RPC_PARSE_ERROR, e.what()), jreq, status);
    }
}
}  // namespace

HttpRpcResult HandleJsonRpcBody(const RpcTable& table, const std::string& body, const std::string& auth_user,
                                const std::string& peer, const std::string& uri)
{
    JsonRpcRequest jreq;
    jreq.auth_user = auth_user;
    jreq.peer_addr = peer;
    jreq.uri = uri;
    int status = HTTP_OK;
    JsonValue reply;
    if (auto request = JsonValue::Parse(body)) {
        reply = ExecuteHttpRpc(table, *request, jreq, status);
    } else {
        reply = ErrorReply(JsonRpcErrorObj(RPC_PARSE_ERROR, "Parse error"), jreq, status);
    }
    if (reply.IsNull()) return {status, ""};
    return {status, reply.Write() + "\n"};
}
