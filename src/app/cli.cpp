// sovereign-cli: talks JSON-RPC over HTTP to sovereignd (or bitcoind) exactly as bitcoin-cli does.
#include "app/cli.h"

#include "rpc/auth.h"
#include "rpc/client.h"
#include "rpc/protocol.h"
#include "rpc/request.h"
#include "util/args.h"

#include <filesystem>
#include <fstream>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr const char* DEFAULT_RPCCONNECT = "127.0.0.1";
constexpr const char* DEFAULT_RPC_REQ_ID = "1";
constexpr int DEFAULT_HTTP_CLIENT_TIMEOUT = 900;
constexpr int CONTINUE_EXECUTION = -1;

// Server unreachable (or still warming up, with -rpcwait): retried by -rpcwait.
struct ConnectionFailed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void SetupCliArgs(ArgsManager& args)
{
    using A = ArgsManager;
    const auto OPT = OptionsCategory::OPTIONS;
    args.SetupHelpOptions();
    args.AddArg("-version", "Print version and exit", A::ALLOW_ANY, OPT);
    args.AddArg("-conf=<file>",
                "Specify configuration file. Relative paths will be prefixed by datadir location. (default: "
                "sovereign.conf)",
                A::ALLOW_ANY, OPT);
    args.AddArg("-datadir=<dir>", "Specify data directory", A::ALLOW_ANY | A::DISALLOW_NEGATION, OPT);
    args.AddArg("-getinfo",
                "Get general information from the remote server. Note that unlike server-side RPC calls, the output "
                "of -getinfo is the result of multiple non-atomic requests. Some entries in the output may represent "
                "results from different states (e.g. wallet balance may be as of a different block from the chain "
                "state reported)",
                A::ALLOW_ANY, OptionsCategory::CLI_COMMANDS);
    args.SetupChainParamsBaseOptions();
    args.AddArg("-color=<when>",
                "Color setting for CLI output (default: auto). Valid values: always, auto (add color codes when "
                "standard output is connected to a terminal and OS is not WIN32), never. Only applies to the output "
                "of -getinfo.",
                A::ALLOW_ANY | A::DISALLOW_NEGATION, OPT);
    args.AddArg("-named", "Pass named instead of positional arguments (default: false)", A::ALLOW_ANY, OPT);
    args.AddArg("-rpcid=<id>", "Set a custom JSON-RPC request ID string (default: 1)",
                A::ALLOW_ANY | A::DISALLOW_NEGATION | A::DISALLOW_ELISION, OPT);
    args.AddArg("-rpcclienttimeout=<n>",
                "Timeout in seconds during HTTP requests, or 0 for no timeout. (default: 900)", A::ALLOW_ANY, OPT);
    args.AddArg("-rpcconnect=<ip>", "Send commands to node running on <ip> (default: 127.0.0.1)", A::ALLOW_ANY, OPT);
    args.AddArg("-rpccookiefile=<loc>",
                "Location of the auth cookie. Relative paths will be prefixed by a net-specific datadir location. "
                "(default: data dir)",
                A::ALLOW_ANY, OPT);
    args.AddArg("-rpcpassword=<pw>", "Password for JSON-RPC connections", A::ALLOW_ANY, OPT);
    args.AddArg("-rpcport=<port>",
                "Connect to JSON-RPC on <port> (default: 8332, testnet: 18332, testnet4: 48332, signet: 38332, "
                "regtest: 18443)",
                A::ALLOW_ANY | A::NETWORK_ONLY, OPT);
    args.AddArg("-rpcuser=<user>", "Username for JSON-RPC connections", A::ALLOW_ANY, OPT);
    args.AddArg("-rpcwait", "Wait for RPC server to start", A::ALLOW_ANY, OPT);
    args.AddArg("-rpcwaittimeout=<n>",
                "Timeout in seconds to wait for the RPC server to start, or 0 for no timeout. (default: 0)",
                A::ALLOW_ANY | A::DISALLOW_NEGATION, OPT);
    args.AddArg("-rpcwallet=<walletname>",
                "Send RPC for non-default wallet on RPC server (needs to exactly match corresponding -wallet option "
                "passed to sovereignd). This changes the RPC endpoint used, e.g. "
                "http://127.0.0.1:8332/wallet/<walletname>",
                A::ALLOW_ANY, OPT);
    args.AddArg("-stdin",
                "Read extra arguments from standard input, one per line until EOF/Ctrl-D (recommended for sensitive "
                "information such as passphrases). When combined with -stdinrpcpass, the first line from standard "
                "input is used for the RPC password.",
                A::ALLOW_ANY, OPT);
    args.AddArg("-stdinrpcpass",
                "Read RPC password from standard input as a single line. When combined with -stdin, the first line "
                "from standard input is used for the RPC password. When combined with -stdinwalletpassphrase, "
                "-stdinrpcpass consumes the first line, and -stdinwalletpassphrase consumes the second.",
                A::ALLOW_ANY, OPT);
    args.AddArg("-stdinwalletpassphrase",
                "Read wallet passphrase from standard input as a single line. When combined with -stdin, the first "
                "line from standard input is used for the wallet passphrase.",
                A::ALLOW_ANY, OPT);
}

// "host", "host:port", "[v6]:port"; port 0 when absent. False on an invalid port.
bool SplitHostPort(const std::string& in, uint16_t& port, std::string& host)
{
    port = 0;
    host = in;
    const size_t colon = in.rfind(':');
    const bool bracket = !in.empty() && in[0] == '[';
    const bool multi_colon = colon != std::string::npos && in.find(':') != colon;
    if (colon != std::string::npos && (bracket ? colon > 0 && in[colon - 1] == ']' : !multi_colon)) {
        const std::string p = in.substr(colon + 1);
        if (p.empty() || p.find_first_not_of("0123456789") != std::string::npos || p.size() > 5) return false;
        const int n = std::stoi(p);
        if (n < 1 || n > 65535) return false;
        port = static_cast<uint16_t>(n);
        host = in.substr(0, colon);
    }
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    return true;
}

std::string UrlEncode(const std::string& s)
{
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            char buf[4];
            std::snprintf(buf, sizeof(buf), "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

struct HttpResponse {
    int status{0};
    std::string body;
};

HttpResponse HttpPost(const std::string& host, uint16_t port, const std::string& target,
                      const std::string& authorization, const std::string& body, int timeout_seconds)
{
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    const auto timeout = timeout_seconds > 0 ? std::chrono::seconds(timeout_seconds)
                                             : std::chrono::seconds(5LL * 365 * 24 * 3600);
    boost::system::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec) throw ConnectionFailed(ec.message());
    // Asynchronous operations with run_for give every step a deadline.
    auto run = [&](auto&& start) {
        boost::system::error_code result = net::error::would_block;
        start([&](boost::system::error_code e, auto&&...) { result = e; });
        ioc.restart();
        ioc.run_for(timeout);
        if (result == net::error::would_block) {
            stream.close();
            ioc.restart();
            ioc.run();
            throw ConnectionFailed("timeout on HTTP request");
        }
        return result;
    };
    ec = run([&](auto handler) { stream.async_connect(endpoints, [handler](auto e, auto) mutable { handler(e); }); });
    if (ec) throw ConnectionFailed(ec.message());
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, host);
    req.set(http::field::content_type, "application/json");
    req.set(http::field::authorization, authorization);
    req.keep_alive(false);
    req.body() = body;
    req.prepare_payload();
    ec = run([&](auto handler) { http::async_write(stream, req, [handler](auto e, auto) mutable { handler(e); }); });
    if (ec) throw ConnectionFailed(ec.message());
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<uint64_t>::max());
    ec = run([&](auto handler) {
        http::async_read(stream, buffer, parser, [handler](auto e, auto) mutable { handler(e); });
    });
    if (ec && ec != http::error::end_of_stream) throw ConnectionFailed(ec.message());
    HttpResponse r;
    r.status = parser.get().result_int();
    r.body = parser.get().body();
    return r;
}

// Builds the request and interprets the reply for one kind of invocation (plain call or -getinfo).
struct RequestHandler {
    virtual ~RequestHandler() = default;
    virtual JsonValue PrepareRequest(const std::string& method, const std::vector<std::string>& args) = 0;
    virtual JsonValue ProcessReply(const JsonValue& reply) = 0;
};

struct DefaultRequestHandler : RequestHandler {
    const ArgsManager& m_args;
    explicit DefaultRequestHandler(const ArgsManager& args) : m_args(args) {}
    JsonValue PrepareRequest(const std::string& method, const std::vector<std::string>& args) override
    {
        JsonValue params = m_args.GetBoolArg("-named", false) ? RpcConvertNamedValues(method, args)
                                                              : RpcConvertValues(method, args);
        return JsonRpcRequestObj(method, params, JsonValue(m_args.GetArg("-rpcid", DEFAULT_RPC_REQ_ID)));
    }
    JsonValue ProcessReply(const JsonValue& reply) override { return JsonGetObject(reply); }
};

struct GetinfoRequestHandler : RequestHandler {
    enum { ID_NETWORKINFO = 0, ID_BLOCKCHAININFO = 1, ID_WALLETINFO = 2, ID_BALANCES = 3 };
    JsonValue PrepareRequest(const std::string&, const std::vector<std::string>& args) override
    {
        if (!args.empty()) throw std::runtime_error("-getinfo takes no arguments");
        JsonValue r = JsonValue::Array();
        r.PushBack(JsonRpcRequestObj("getnetworkinfo", JsonValue(), ID_NETWORKINFO));
        r.PushBack(JsonRpcRequestObj("getblockchaininfo", JsonValue(), ID_BLOCKCHAININFO));
        r.PushBack(JsonRpcRequestObj("getwalletinfo", JsonValue(), ID_WALLETINFO));
        r.PushBack(JsonRpcRequestObj("getbalances", JsonValue(), ID_BALANCES));
        return r;
    }
    JsonValue ProcessReply(const JsonValue& in) override
    {
        if (!in.IsArray()) throw std::runtime_error("Batch must be an array");
        std::vector<JsonValue> batch(in.size());
        for (const JsonValue& rec : in.values()) {
            if (!rec.IsObject()) throw std::runtime_error("Batch member must be an object");
            const size_t id = static_cast<size_t>(JsonGetInt(rec["id"]));
            if (id >= batch.size()) throw std::runtime_error("Batch member id is larger than batch size");
            batch[id] = rec;
        }
        if (batch.size() < 4) throw std::runtime_error("Batch member id is larger than batch size");
        // Node and chain errors are fatal; the wallet calls may fail when no wallet is loaded.
        if (!batch[ID_NETWORKINFO]["error"].IsNull()) return batch[ID_NETWORKINFO];
        if (!batch[ID_BLOCKCHAININFO]["error"].IsNull()) return batch[ID_BLOCKCHAININFO];
        const JsonValue& net = batch[ID_NETWORKINFO]["result"];
        const JsonValue& chain = batch[ID_BLOCKCHAININFO]["result"];
        JsonValue result = JsonValue::Object();
        result.PushKV("version", net["version"]);
        result.PushKV("blocks", chain["blocks"]);
        result.PushKV("headers", chain["headers"]);
        result.PushKV("verificationprogress", chain["verificationprogress"]);
        result.PushKV("timeoffset", net["timeoffset"]);
        JsonValue connections = JsonValue::Object();
        connections.PushKV("in", net["connections_in"]);
        connections.PushKV("out", net["connections_out"]);
        connections.PushKV("total", net["connections"]);
        result.PushKV("connections", std::move(connections));
        result.PushKV("networks", net["networks"]);
        result.PushKV("difficulty", chain["difficulty"]);
        result.PushKV("chain", chain["chain"]);
        const JsonValue& wallet = batch[ID_WALLETINFO]["result"];
        if (!wallet.IsNull()) {
            result.PushKV("has_wallet", true);
            result.PushKV("keypoolsize", wallet["keypoolsize"]);
            result.PushKV("walletname", wallet["walletname"]);
            if (!wallet["unlocked_until"].IsNull()) result.PushKV("unlocked_until", wallet["unlocked_until"]);
        }
        if (!batch[ID_BALANCES]["result"].IsNull()) {
            result.PushKV("balance", batch[ID_BALANCES]["result"]["mine"]["trusted"]);
        }
        result.PushKV("relayfee", net["relayfee"]);
        result.PushKV("warnings", net["warnings"]);
        return JsonRpcReplyObj(std::move(result), JsonValue(), JsonValue(1), JsonRpcVersion::V2);
    }
};

class Client
{
public:
    Client(ArgsManager& args, std::ostream& err) : m_args(args), m_err(err) {}

    JsonValue CallRpc(RequestHandler& rh, const std::string& method, const std::vector<std::string>& params,
                      const std::string& endpoint)
    {
        const std::string chain = m_args.GetChainName();
        uint16_t port = ChainRpcPort(chain);
        std::string host;
        uint16_t connect_port = 0;
        const std::string connect = m_args.GetArg("-rpcconnect", DEFAULT_RPCCONNECT);
        if (!SplitHostPort(connect, connect_port, host)) {
            throw std::runtime_error("Invalid port provided in -rpcconnect: " + connect);
        }
        if (connect_port != 0) port = connect_port;
        if (auto rpcport = m_args.GetArg("-rpcport")) {
            int64_t p = 0;
            const bool digits = !rpcport->empty() && rpcport->find_first_not_of("0123456789") == std::string::npos &&
                                rpcport->size() <= 5;
            if (digits) p = std::stoll(*rpcport);
            if (p <= 0 || p > 65535) throw std::runtime_error("Invalid port provided in -rpcport: " + *rpcport);
            port = static_cast<uint16_t>(p);
            if (connect_port != 0) {
                m_err << "Warning: Port specified in both -rpcconnect and -rpcport. Using -rpcport " << port << "\n";
            }
        }
        const int timeout = static_cast<int>(m_args.GetIntArg("-rpcclienttimeout", DEFAULT_HTTP_CLIENT_TIMEOUT));

        std::string credentials;
        enum class Cookie { NONE, ERROR, DISABLED, OK } cookie = Cookie::NONE;
        if (m_args.GetArg("-rpcpassword", "").empty()) {
            const auto file = GetAuthCookieFile(m_args);
            if (file.empty()) {
                cookie = Cookie::DISABLED;
            } else if (auto c = ReadAuthCookie(file)) {
                credentials = *c;
                cookie = Cookie::OK;
            } else {
                cookie = Cookie::ERROR;
            }
        } else {
            credentials = m_args.GetArg("-rpcuser", "") + ":" + m_args.GetArg("-rpcpassword", "");
        }
        const std::string request = rh.PrepareRequest(method, params).Write() + "\n";
        HttpResponse response;
        try {
            response = HttpPost(host, port, endpoint, "Basic " + EncodeBase64(credentials), request, timeout);
        } catch (const ConnectionFailed& e) {
            const std::string what = e.what();
            throw ConnectionFailed("Error while attempting to communicate with server " + host + ":" +
                                   std::to_string(port) + (what.empty() ? "" : " (" + what + ")") +
                                   "\n\nMake sure the sovereignd server is running and that you are connecting to "
                                   "the correct RPC port.\nUse \"sovereign-cli -help\" for more info.");
        }
        if (response.status == HTTP_UNAUTHORIZED) {
            std::string error = "Authorization failed: ";
            switch (cookie) {
            case Cookie::ERROR: error += "Failed to read cookie file and no rpcpassword was specified."; break;
            case Cookie::DISABLED:
                error += "Cookie file was disabled via -norpccookiefile and no rpcpassword was specified.";
                break;
            case Cookie::OK: error += "Cookie file credentials were invalid and no rpcpassword was specified."; break;
            case Cookie::NONE: error += "Incorrect rpcuser or rpcpassword were specified."; break;
            }
            std::filesystem::path conf = m_args.GetArg("-conf", "sovereign.conf");
            if (conf.is_relative()) conf = m_args.GetDataDirBase() / conf;
            error += " Configuration file: (" + conf.string() + ")";
            throw std::runtime_error(error);
        } else if (response.status == HTTP_SERVICE_UNAVAILABLE) {
            throw std::runtime_error("Server response: " + response.body);
        } else if (response.status >= 400 && response.status != HTTP_BAD_REQUEST &&
                   response.status != HTTP_NOT_FOUND && response.status != HTTP_INTERNAL_SERVER_ERROR) {
            throw std::runtime_error("server returned HTTP error " + std::to_string(response.status));
        } else if (response.body.empty()) {
            throw std::runtime_error("no response from server");
        }
        auto parsed = JsonValue::Parse(response.body);
        if (!parsed) throw std::runtime_error("couldn't parse reply from server");
        JsonValue reply = rh.ProcessReply(*parsed);
        if (reply.size() == 0) throw std::runtime_error("expected reply to have result, error and id properties");
        return reply;
    }

    JsonValue ConnectAndCallRpc(RequestHandler& rh, const std::string& method, const std::vector<std::string>& params,
                                const std::optional<std::string>& wallet = std::nullopt)
    {
        const bool wait = m_args.GetBoolArg("-rpcwait", false);
        const int64_t timeout = m_args.GetIntArg("-rpcwaittimeout", 0);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
        const std::string endpoint = wallet ? "/wallet/" + UrlEncode(*wallet) : "/";
        while (true) {
            try {
                JsonValue response = CallRpc(rh, method, params, endpoint);
                if (wait) {
                    const JsonValue& error = response["error"];
                    if (!error.IsNull() && error["code"].IsNum() && JsonGetInt(error["code"]) == RPC_IN_WARMUP) {
                        throw ConnectionFailed("server in warmup");
                    }
                }
                return response;
            } catch (const ConnectionFailed& e) {
                if (wait && (timeout <= 0 || std::chrono::steady_clock::now() < deadline)) {
                    std::this_thread::sleep_for(std::chrono::seconds(1));
                } else if (wait) {
                    throw ConnectionFailed(std::string("timeout on transient error: ") + e.what());
                } else {
                    throw;
                }
            }
        }
    }

private:
    ArgsManager& m_args;
    std::ostream& m_err;
};

void ParseError(const JsonValue& error, std::string& print, int& ret)
{
    if (error.IsObject()) {
        const JsonValue& code = error["code"];
        const JsonValue& msg = error["message"];
        if (!code.IsNull()) print = "error code: " + code.GetValStr() + "\n";
        if (msg.IsStr()) print += "error message:\n" + msg.GetValStr();
        if (code.IsNum() && JsonGetInt(code) == RPC_WALLET_NOT_SPECIFIED) {
            print += " Or for the CLI, specify the \"-rpcwallet=<walletname>\" option before the command (run "
                     "\"sovereign-cli -h\" for help or \"sovereign-cli listwallets\" to see which wallets are "
                     "currently loaded).";
        }
    } else {
        print = "error: " + error.Write();
    }
    ret = std::abs(JsonGetInt(error["code"]));
}

std::string GetInfoText(const JsonValue& result, const ArgsManager& args)
{
    const std::string color = args.GetArg("-color", "auto");
    bool colorize = false;  // "auto": output here is not known to be a terminal
    if (color == "always") {
        colorize = true;
    } else if (color != "never" && color != "auto") {
        throw std::runtime_error("Invalid value for -color option. Valid values: always, auto, never.");
    }
    const std::string RESET = colorize ? "\x1B[0m" : "", GREEN = colorize ? "\x1B[32m" : "",
                      BLUE = colorize ? "\x1B[34m" : "", YELLOW = colorize ? "\x1B[33m" : "",
                      MAGENTA = colorize ? "\x1B[35m" : "", CYAN = colorize ? "\x1B[36m" : "";
    std::string s = BLUE + "Chain: " + result["chain"].GetValStr() + RESET + "\n";
    s += "Blocks: " + result["blocks"].GetValStr() + "\n";
    s += "Headers: " + result["headers"].GetValStr() + "\n";
    const double progress = result["verificationprogress"].IsNum() ? JsonGetReal(result["verificationprogress"]) : 0;
    std::string bar;
    if (progress < 0.99) {
        if (progress >= 0 && progress <= 1) {
            for (int i = 0; i < progress / 0.05; ++i) bar += "\u2592";
            for (int i = 0; i < (1 - progress) / 0.05; ++i) bar += "\u2591";
        }
        bar += " ";
    }
    char pct[64];
    std::snprintf(pct, sizeof(pct), "%.4f%%", progress * 100);
    s += "Verification progress: " + bar + pct + "\n";
    s += "Difficulty: " + result["difficulty"].GetValStr() + "\n\n";
    s += GREEN + "Network: in " + result["connections"]["in"].GetValStr() + ", out " +
         result["connections"]["out"].GetValStr() + ", total " + result["connections"]["total"].GetValStr() + RESET +
         "\n";
    s += "Version: " + result["version"].GetValStr() + "\n";
    s += "Time offset (s): " + result["timeoffset"].GetValStr() + "\n";
    std::map<std::string, std::vector<std::string>> proxy_networks;
    std::vector<std::string> ordered;
    for (const JsonValue& network : result["networks"].values()) {
        const std::string proxy = network["proxy"].GetValStr();
        if (proxy.empty()) continue;
        if (!proxy_networks.contains(proxy)) ordered.push_back(proxy);
        proxy_networks[proxy].push_back(network["name"].GetValStr());
    }
    std::string proxies;
    for (const auto& p : ordered) {
        std::string names;
        for (const auto& n : proxy_networks[p]) names += (names.empty() ? "" : ", ") + n;
        proxies += (proxies.empty() ? "" : ", ") + p + " (" + names + ")";
    }
    s += "Proxies: " + (proxies.empty() ? std::string("n/a") : proxies) + "\n";
    s += "Min tx relay fee rate (BTC/kvB): " + result["relayfee"].GetValStr() + "\n\n";
    if (!result["has_wallet"].IsNull()) {
        const std::string name = result["walletname"].GetValStr();
        s += MAGENTA + "Wallet: " + (name.empty() ? "\"\"" : name) + RESET + "\n";
        s += "Keypool size: " + result["keypoolsize"].GetValStr() + "\n";
        if (!result["unlocked_until"].IsNull()) s += "Unlocked until: " + result["unlocked_until"].GetValStr() + "\n";
    }
    if (!result["balance"].IsNull()) s += CYAN + "Balance:" + RESET + " " + result["balance"].GetValStr() + "\n\n";
    const std::string warnings = result["warnings"].GetValStr();
    s += YELLOW + "Warnings:" + RESET + " " + (warnings.empty() ? "(none)" : warnings);
    return s;
}

int AppInit(ArgsManager& args, const std::vector<std::string>& argv, std::ostream& out, std::ostream& err)
{
    SetupCliArgs(args);
    std::string error;
    if (!args.ParseParameters(argv, error)) {
        err << "Error parsing command line arguments: " << error << "\n";
        return EXIT_FAILURE;
    }
    if (argv.empty() || args.HelpRequested() || args.GetBoolArg("-version", false)) {
        std::string usage = "Sovereign RPC client version v0.1.0\n";
        if (!args.GetBoolArg("-version", false)) {
            usage +=
                "\nThe sovereign-cli utility provides a command line interface to interact with a Sovereign RPC "
                "server.\n"
                "\nIt can be used to query network information, manage wallets, create or broadcast transactions, and "
                "control the Sovereign server.\n"
                "\nUse the \"help\" command to list all commands. Use \"help <command>\" to show help for that "
                "command.\n"
                "The -named option allows you to specify parameters using the key=value format, eliminating the need "
                "to pass unused positional parameters.\n"
                "\n"
                "Usage: sovereign-cli [options] <command> [params]\n"
                "or:    sovereign-cli [options] -named <command> [name=value]...\n"
                "or:    sovereign-cli [options] help\n"
                "or:    sovereign-cli [options] help <command>\n"
                "\n";
            usage += "\n" + args.GetHelpMessage();
        }
        out << usage;
        if (argv.empty()) {
            err << "Error: too few parameters\n";
            return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
    }
    const auto datadir = args.GetArg("-datadir");
    if (datadir && !datadir->empty() && !std::filesystem::is_directory(std::filesystem::absolute(*datadir))) {
        err << "Error: Specified data directory \"" << *datadir << "\" does not exist.\n";
        return EXIT_FAILURE;
    }
    if (!args.ReadConfigFiles(error, true)) {
        err << "Error reading configuration file: " << error << "\n";
        return EXIT_FAILURE;
    }
    try {
        args.SelectConfigNetwork(args.GetChainName());
    } catch (const std::exception& e) {
        err << "Error: " << e.what() << "\n";
        return EXIT_FAILURE;
    }
    return CONTINUE_EXECUTION;
}

int CommandLineRpc(ArgsManager& args, std::istream& in, std::ostream& out, std::ostream& err)
{
    std::string print;
    int ret = 0;
    try {
        if (args.GetBoolArg("-stdinrpcpass", false)) {
            std::string pass;
            if (!std::getline(in, pass)) {
                throw std::runtime_error("-stdinrpcpass specified but failed to read from standard input");
            }
            args.ForceSetArg("-rpcpassword", pass);
        }
        std::vector<std::string> params = args.Positional();
        if (args.GetBoolArg("-stdinwalletpassphrase", false)) {
            if (params.empty() || !params[0].starts_with("walletpassphrase")) {
                throw std::runtime_error("-stdinwalletpassphrase is only applicable for walletpassphrase(change)");
            }
            std::string pass;
            if (!std::getline(in, pass)) {
                throw std::runtime_error("-stdinwalletpassphrase specified but failed to read from standard input");
            }
            params.insert(params.begin() + 1, pass);
        }
        if (args.GetBoolArg("-stdin", false)) {
            std::string line;
            while (std::getline(in, line)) params.push_back(line);
        }
        Client client(args, err);
        std::unique_ptr<RequestHandler> rh;
        std::string method;
        const bool getinfo = args.GetBoolArg("-getinfo", false);
        if (getinfo) {
            rh = std::make_unique<GetinfoRequestHandler>();
        } else {
            rh = std::make_unique<DefaultRequestHandler>(args);
            if (params.empty()) throw std::runtime_error("too few parameters (need at least command)");
            method = params[0];
            params.erase(params.begin());
            // Proof and price files are files: `verifyreserves proof.json` sends the file's contents.
            if ((method == "verifyreserves" || method == "verifyliabilityproof" || method == "publishreserveproof" ||
                 method == "ledgerimportprices") &&
                params.size() == 1 &&
                !params[0].empty() && params[0][0] != '{' && std::filesystem::is_regular_file(params[0])) {
                std::ifstream file(params[0], std::ios::binary);
                params[0].assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
            }
        }
        std::optional<std::string> wallet;
        if (args.IsArgSet("-rpcwallet") && !args.IsArgNegated("-rpcwallet")) wallet = args.GetArg("-rpcwallet", "");
        const JsonValue reply = client.ConnectAndCallRpc(*rh, method, params, wallet);
        const JsonValue& result = reply["result"];
        const JsonValue& error = reply["error"];
        if (error.IsNull()) {
            if (getinfo) {
                print = GetInfoText(result, args);
            } else if (!result.IsNull()) {
                print = result.IsStr() ? result.GetValStr() : result.Write(2);
            }
        } else {
            ParseError(error, print, ret);
        }
    } catch (const std::exception& e) {
        print = std::string("error: ") + e.what();
        ret = EXIT_FAILURE;
    }
    if (!print.empty()) (ret == 0 ? out : err) << print << "\n";
    return ret;
}

}  // namespace

int RunCli(const std::vector<std::string>& argv, std::istream& in, std::ostream& out, std::ostream& err)
{
    try {
        ArgsManager args;
        const int init = AppInit(args, argv, out, err);
        if (init != CONTINUE_EXECUTION) return init;
        return CommandLineRpc(args, in, out, err);
    } catch (const std::exception& e) {
        err << "EXCEPTION: " << e.what() << "\n";
        return EXIT_FAILURE;
    }
}
