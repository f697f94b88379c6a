// End to end: the Beast HTTP server on a loopback port, spoken to with raw sockets (valid calls, keep-alive, batch,
// auth failures, oversized and malformed requests, work-queue overflow) and with sovereign-cli (in process and as
// the real binary).
#include "app/cli.h"
#include "rpc/http_server.h"
#include "rpc/protocol.h"
#include "rpc/rawtransaction.h"
#include "util/args.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

namespace {

class RawClient
{
public:
    explicit RawClient(uint16_t port)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        timeval tv{10, 0};
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        m_ok = ::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    }
    ~RawClient() { ::close(m_fd); }
    bool ok() const { return m_ok; }
    void Send(const std::string& data) { ASSERT_EQ(::send(m_fd, data.data(), data.size(), MSG_NOSIGNAL), ssize_t(data.size())); }

    struct Response {
        int status{0};
        std::string headers;
        std::string body;
    };
    /** Reads one response (headers, then Content-Length bytes); status 0 when the connection closed first. */
    Response Read()
    {
        Response r;
        while (m_buf.find("\r\n\r\n") == std::string::npos) {
            if (!Fill()) return r;
        }
        const size_t end = m_buf.find("\r\n\r\n");
        r.headers = m_buf.substr(0, end + 4);
        m_buf.erase(0, end + 4);
        r.status = std::atoi(r.headers.substr(9, 3).c_str());
        size_t length = 0;
        const size_t cl = Lower(r.headers).find("content-length: ");
        if (cl != std::string::npos) length = std::stoul(r.headers.substr(cl + 16));
        while (m_buf.size() < length) {
            if (!Fill()) break;
        }
        r.body = m_buf.substr(0, length);
        m_buf.erase(0, length);
        return r;
    }
    /** True when the server closed the connection (EOF). */
    bool Closed() { return m_buf.empty() && !Fill(); }

private:
    static std::string Lower(std::string s)
    {
        for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    }
    bool Fill()
    {
        char tmp[4096];
        const ssize_t n = ::recv(m_fd, tmp, sizeof(tmp), 0);
        if (n <= 0) return false;
        m_buf.append(tmp, static_cast<size_t>(n));
        return true;
    }
    int m_fd;
    bool m_ok{false};
    std::string m_buf;
};

std::string Post(const std::string& body, const std::string& auth = "Basic dTpw", bool close = false)
{
    std::string req = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
    if (!auth.empty()) req += "Authorization: " + auth + "\r\n";
    if (close) req += "Connection: close\r\n";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    return req;
}

struct Fixture {
    RpcTable table;
    RpcAuthenticator auth;
    std::unique_ptr<HttpRpcServer> server;
    uint16_t port{0};
    std::atomic<bool> shutdown_requested{false};

    explicit Fixture(HttpServerOptions opts = {})
    {
        RegisterRawTransactionRpcCommands(table, Chain::REGTEST);
        table.Register("hidden", RpcMethod{"sleepms", "Sleeps.", {RpcArg{"ms", RpcArg::Type::NUM, RpcArg::Optional::NO, ""}},
                                           {RpcResult{RpcResult::Type::NONE, "", ""}}, "",
                                           [](const RpcMethod&, const JsonRpcRequest& r) -> JsonValue {
                                               std::this_thread::sleep_for(std::chrono::milliseconds(JsonGetInt(r.params[0])));
                                               return JsonValue();
                                           }});
        table.SetShutdownHandler([this] { shutdown_requested = true; });
        auth.AddUserPassword("u", "p");  // "Basic dTpw"
        opts.bind = {{"127.0.0.1", 0}};
        server = std::make_unique<HttpRpcServer>(table, auth, opts);
        std::string err;
        EXPECT_TRUE(server->Start(err)) << err;
        port = server->BoundPorts().at(0);
    }
};

}  // namespace

TEST(HttpRpc, ValidCallsKeepAliveAndBatch)
{
    Fixture f;
    RawClient c(f.port);
    ASSERT_TRUE(c.ok());
    c.Send(Post(R"({"jsonrpc":"1.0","id":"t","method":"decodescript","params":["6a00"]})"));
    auto r = c.Read();
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.headers.find("Content-Type: application/json"), std::string::npos) << r.headers;
    EXPECT_EQ(r.body, "{\"result\":{\"asm\":\"OP_RETURN 0\",\"desc\":\"raw(6a00)#ncfmkl43\",\"type\":\"nulldata\"},"
                      "\"error\":null,\"id\":\"t\"}\n");
    // Same connection (HTTP/1.1 keep-alive): a batch with a 2.0 call and a notification.
    c.Send(Post(R"([{"jsonrpc":"2.0","id":1,"method":"uptime"},{"jsonrpc":"2.0","method":"uptime"}])"));
    r = c.Read();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body.substr(0, 31), "[{\"jsonrpc\":\"2.0\",\"result\":0,\"i");
    // A lone notification: 204, no body.
    c.Send(Post(R"({"jsonrpc":"2.0","method":"uptime"})"));
    r = c.Read();
    EXPECT_EQ(r.status, 204);
    EXPECT_EQ(r.body, "");
    // Errors: unknown method (404, -32601), malformed JSON (500, -32700).
    c.Send(Post(R"({"id":2,"method":"nosuchmethod"})"));
    r = c.Read();
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body, "{\"result\":null,\"error\":{\"code\":-32601,\"message\":\"Method not found\"},\"id\":2}\n");
    c.Send(Post("{\"id\":3,\"method\":"));
    r = c.Read();
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.body, "{\"result\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error\"}}\n");
    // "Expect: 100-continue" (curl, large bodies): the server answers 100 before the body is sent.
    const std::string body = R"({"id":5,"method":"uptime"})";
    c.Send("POST / HTTP/1.1\r\nAuthorization: Basic dTpw\r\nExpect: 100-continue\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n");
    EXPECT_EQ(c.Read().status, 100);
    c.Send(body);
    r = c.Read();
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.headers.find("Date: "), std::string::npos);
    c.Send(Post(R"({"jsonrpc":"2.0","id":4,"method":"nosuchmethod"})", "Basic dTpw", /*close=*/true));
    r = c.Read();
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("-32601"), std::string::npos);
    EXPECT_TRUE(c.Closed());
}

TEST(HttpRpc, AuthenticationFailures)
{
    Fixture f;
    {
        RawClient c(f.port);
        c.Send(Post(R"({"id":1,"method":"uptime"})", ""));
        auto r = c.Read();
        EXPECT_EQ(r.status, 401);
        EXPECT_NE(r.headers.find("WWW-Authenticate: Basic realm=\"jsonrpc\""), std::string::npos) << r.headers;
    }
    {
        RawClient c(f.port);
        const auto start = std::chrono::steady_clock::now();
        c.Send(Post(R"({"id":1,"method":"uptime"})", "Basic dTp4"));  // u:x
        auto r = c.Read();
        EXPECT_EQ(r.status, 401);
        EXPECT_NE(r.headers.find("WWW-Authenticate"), std::string::npos);
        EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(240));  // Core's 250 ms delay
        c.Send(Post(R"({"id":1,"method":"uptime"})", "Basic !!notbase64"));
        EXPECT_EQ(c.Read().status, 401);
    }
}

TEST(HttpRpc, MalformedAndOversizedRequests)
{
    HttpServerOptions opts;
    opts.max_body = 1000;
    Fixture f(opts);
    {
        RawClient c(f.port);
        c.Send("POST / HTTP/1.1\r\nAuthorization: Basic dTpw\r\nContent-Length: 40000000\r\n\r\n");
        auto r = c.Read();
        EXPECT_EQ(r.status, 413);
        EXPECT_TRUE(c.Closed());
    }
    {
        RawClient c(f.port);
        c.Send(Post(std::string(1001, ' ')));
        EXPECT_EQ(c.Read().status, 413);
    }
    {
        RawClient c(f.port);
        c.Send("GARBAGE\r\n\r\n");
        EXPECT_EQ(c.Read().status, 400);
    }
    {
        RawClient c(f.port);
        c.Send("GET / HTTP/1.1\r\nAuthorization: Basic dTpw\r\n\r\n");
        auto r = c.Read();
        EXPECT_EQ(r.status, 405);
        EXPECT_EQ(r.body, "JSONRPC server handles only POST requests");
        c.Send("POST /rest/x HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
        EXPECT_EQ(c.Read().status, 404);
    }
    {
        RawClient c(f.port);
        c.Send("POST / HTTP/1.1\r\nX-Huge: " + std::string(20000, 'a') + "\r\n\r\n");
        EXPECT_EQ(c.Read().status, 400);
    }
    {
        // A client that disconnects mid-request leaves the server working.
        RawClient c(f.port);
        c.Send("POST / HTTP/1.1\r\nContent-Length: 50\r\n\r\n{\"id\"");
    }
    RawClient c(f.port);
    c.Send(Post(R"({"id":1,"method":"uptime"})"));
    EXPECT_EQ(c.Read().status, 200);
}

TEST(HttpRpc, WorkQueueDepth)
{
    HttpServerOptions opts;
    opts.threads = 1;
    opts.work_queue = 1;
    Fixture f(opts);
    // One request runs, one waits in the queue, the third finds the queue full.
    RawClient a(f.port), b(f.port), c(f.port);
    a.Send(Post(R"({"id":1,"method":"sleepms","params":[600]})"));
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    b.Send(Post(R"({"id":2,"method":"sleepms","params":[1]})"));
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    c.Send(Post(R"({"id":3,"method":"uptime"})"));
    auto rc = c.Read();
    EXPECT_EQ(rc.status, 503);
    EXPECT_EQ(rc.body, "Work queue depth exceeded");
    EXPECT_EQ(a.Read().status, 200);
    EXPECT_EQ(b.Read().status, 200);
}

TEST(HttpRpc, CliAgainstServer)
{
    Fixture f;
    const std::string port = "-rpcport=" + std::to_string(f.port);
    auto run = [&](std::vector<std::string> args, const std::string& input = "") {
        std::istringstream in(input);
        std::ostringstream out, err;
        const int code = RunCli(args, in, out, err);
        return std::make_tuple(code, out.str(), err.str());
    };
    const std::string none = "-datadir=" + std::filesystem::temp_directory_path().string();
    auto [code, out, err] = run({none, "-regtest", port, "-rpcuser=u", "-rpcpassword=p", "decodescript", "6a00"});
    EXPECT_EQ(code, 0) << err;
    EXPECT_EQ(out, "{\n  \"asm\": \"OP_RETURN 0\",\n  \"desc\": \"raw(6a00)#ncfmkl43\",\n  \"type\": \"nulldata\"\n}\n");
    std::tie(code, out, err) = run({none, port, "-rpcuser=u", "-rpcpassword=p", "nosuchmethod"});
    EXPECT_EQ(code, 32601);
    EXPECT_EQ(err, "error code: -32601\nerror message:\nMethod not found\n");
    std::tie(code, out, err) = run({none, port, "-rpcuser=u", "-rpcpassword=p", "-named", "createmultisig",
                                    "nrequired=1",
                                    "keys=[\"02ff12471208c14bd580709cb2358d98975247d8765f92bc25eab3b2763ed605f8\"]",
                                    "address_type=legacy"});
    EXPECT_EQ(code, 0) << err;
    EXPECT_NE(out.find("\"descriptor\": \"sh(multi(1,02ff1247"), std::string::npos) << out;
    std::tie(code, out, err) = run({none, port, "-rpcuser=u", "-stdinrpcpass", "-stdin", "help"}, "p\nuptime\n");
    EXPECT_EQ(code, 0) << err;
    EXPECT_EQ(out.substr(0, 8), "uptime\n\n");
    std::tie(code, out, err) = run({none, port, "-rpcuser=u", "-rpcpassword=bad", "uptime"});
    EXPECT_EQ(code, 1);
    EXPECT_TRUE(err.starts_with("error: Authorization failed: Incorrect rpcuser or rpcpassword were specified. "
                                "Configuration file: (")) << err;
    std::tie(code, out, err) = run({none, port, "-rpcuser=u", "-rpcpassword=p", "decodescript", "[]"});
    // hexstring is not in the conversion table, so "[]" is sent as a string (as bitcoin-cli does).
    EXPECT_EQ(code, 8);
    EXPECT_EQ(err, "error code: -8\nerror message:\nargument must be hexadecimal string (not '[]')\n");
    std::tie(code, out, err) = run({none, port, "-rpcuser=u", "-rpcpassword=p", "createmultisig", "x", "[]"});
    EXPECT_EQ(code, 1);
    EXPECT_EQ(err, "error: Error parsing JSON: x\n");
    std::tie(code, out, err) = run({none, port, "-rpcuser=u", "-rpcpassword=p", "createmultisig", "\"1\"", "[]"});
    EXPECT_EQ(code, 3);
    EXPECT_EQ(err, "error code: -3\nerror message:\nWrong type passed:\n{\n    \"Position 1 (nrequired)\": \"JSON "
                   "value of type string is not of expected type number\"\n}\n");
    std::tie(code, out, err) = run({none, "-rpcport=1", "-rpcuser=u", "-rpcpassword=p", "uptime"});
    EXPECT_EQ(code, 1);
    EXPECT_EQ(err.substr(0, 55), "error: Error while attempting to communicate with serve");
    std::tie(code, out, err) = run({"-foo"});
    EXPECT_EQ(code, 1);
    EXPECT_EQ(err, "Error parsing command line arguments: Invalid parameter -foo\n");
    std::tie(code, out, err) = run({none, port, "-rpcuser=u", "-rpcpassword=p", "-rpcwait", "-rpcwaittimeout=5", "stop"});
    EXPECT_EQ(code, 0);
    EXPECT_EQ(out, "Sovereign stopping\n");
    EXPECT_TRUE(f.shutdown_requested);
}

TEST(HttpRpc, CookieAuthAndCliBinary)
{
    const auto dir = std::filesystem::temp_directory_path() / ("sov_e2e_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    ArgsManager args;
    args.SetupChainParamsBaseOptions();
    args.AddArg("-datadir=<dir>", "", ArgsManager::ALLOW_ANY, OptionsCategory::OPTIONS);
    RegisterRpcServerArgs(args, 8332, 18332, 48332, 38332, 18443);
    std::string err;
    ASSERT_TRUE(args.ParseParameters({"-datadir=" + dir.string(), "-regtest", "-rpcport=0"}, err));
    RpcTable table;
    RegisterRawTransactionRpcCommands(table, Chain::REGTEST);
    RpcAuthenticator auth;
    ASSERT_TRUE(auth.Init(args, err)) << err;
    HttpServerOptions opts;
    std::vector<std::string> warnings;
    ASSERT_FALSE(HttpServerOptionsFromArgs(args, 18443, opts, err));  // port 0 is not a valid -rpcport
    EXPECT_EQ(err, "Invalid port specified in -rpcport: '0'");
    opts.bind = {{"127.0.0.1", 0}};
    HttpRpcServer server(table, auth, opts);
    ASSERT_TRUE(server.Start(err)) << err;
    const std::string port = std::to_string(server.BoundPorts().at(0));
    ASSERT_TRUE(std::filesystem::exists(dir / "regtest" / ".cookie"));
    // The real binary, reading the cookie from the regtest data directory.
    const std::string cmd = std::string(SOV_CLI_BINARY) + " -datadir=" + dir.string() + " -regtest -rpcport=" + port +
                            " validateaddress 2NF2b3KS8xXb9XHvbRMXdZh8s5g92rUZHtp 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string output;
    char buf[512];
    while (size_t n = std::fread(buf, 1, sizeof(buf), p)) output.append(buf, n);
    EXPECT_EQ(::pclose(p), 0) << output;
    EXPECT_NE(output.find("\"isvalid\": true"), std::string::npos) << output;
    EXPECT_NE(output.find("\"isscript\": true"), std::string::npos) << output;
    server.Stop();
    auth.DeleteCookie();
    EXPECT_FALSE(std::filesystem::exists(dir / "regtest" / ".cookie"));
    std::filesystem::remove_all(dir);
}

TEST(HttpRpc, OptionsFromArgs)
{
    ArgsManager args;
    RegisterRpcServerArgs(args, 8332, 18332, 48332, 38332, 18443);
    std::string err;
    ASSERT_TRUE(args.ParseParameters({"-rpcbind=0.0.0.0:9999", "-rpcbind=[::1]", "-rpcallowip=10.0.0.0/8",
                                      "-rpcallowip=192.168.1.0/255.255.255.0", "-rpcthreads=3"},
                                     err));
    HttpServerOptions o;
    ASSERT_TRUE(HttpServerOptionsFromArgs(args, 18443, o, err)) << err;
    EXPECT_EQ(o.bind, (std::vector<std::pair<std::string, uint16_t>>{{"0.0.0.0", 9999}, {"::1", 18443}}));
    EXPECT_EQ(o.threads, 3);
    EXPECT_TRUE(ClientAllowed("10.1.2.3", o.allow_ip));
    EXPECT_TRUE(ClientAllowed("192.168.1.77", o.allow_ip));
    EXPECT_FALSE(ClientAllowed("192.168.2.1", o.allow_ip));
    EXPECT_TRUE(ClientAllowed("127.0.0.1", {}));
    EXPECT_TRUE(ClientAllowed("::1", {}));
    EXPECT_FALSE(ClientAllowed("8.8.8.8", {}));
    ArgsManager only_bind;
    RegisterRpcServerArgs(only_bind, 8332, 18332, 48332, 38332, 18443);
    ASSERT_TRUE(only_bind.ParseParameters({"-rpcbind=0.0.0.0"}, err));
    std::vector<std::string> warnings;
    ASSERT_TRUE(HttpServerOptionsFromArgs(only_bind, 8332, o, err, &warnings));
    EXPECT_EQ(o.bind, (std::vector<std::pair<std::string, uint16_t>>{{"::1", 8332}, {"127.0.0.1", 8332}}));
    ASSERT_EQ(warnings.size(), 1u);
    ArgsManager bad;
    RegisterRpcServerArgs(bad, 8332, 18332, 48332, 38332, 18443);
    ASSERT_TRUE(bad.ParseParameters({"-rpcallowip=1.2.3.4/99"}, err));
    EXPECT_FALSE(HttpServerOptionsFromArgs(bad, 8332, o, err));
    EXPECT_EQ(err.substr(0, 58), "Invalid -rpcallowip subnet specification: 1.2.3.4/99. Vali");
}

TEST(HttpRpc, ServiceFromArgsWarmupRpcWaitAndStop)
{
    const auto dir = std::filesystem::temp_directory_path() / ("sov_svc_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    // Find a free loopback port for -rpcport.
    uint16_t free_port = 0;
    {
        RpcTable t;
        RpcAuthenticator a;
        HttpServerOptions o;
        o.bind = {{"127.0.0.1", 0}};
        HttpRpcServer probe(t, a, o);
        std::string e;
        ASSERT_TRUE(probe.Start(e));
        free_port = probe.BoundPorts().at(0);
    }
    ArgsManager args;
    args.SetupChainParamsBaseOptions();
    args.AddArg("-datadir=<dir>", "", ArgsManager::ALLOW_ANY, OptionsCategory::OPTIONS);
    RegisterRpcServerArgs(args, 8332, 18332, 48332, 38332, 18443);
    std::string err;
    // Server and client both take the port from the [regtest] section of sovereign.conf.
    std::ofstream(dir / "sovereign.conf") << "rpcport=1\n[regtest]\nrpcport=" << free_port << "\n";
    ASSERT_TRUE(args.ParseParameters({"-datadir=" + dir.string(), "-regtest"}, err));
    ASSERT_TRUE(args.ReadConfigFiles(err)) << err;
    RpcTable table;
    table.SetWarmupStatus("Loading block index…");
    auto service = RpcService::Start(args, table, 18443, err);
    ASSERT_TRUE(service) << err;
    const std::string cookie_file = (dir / "regtest" / ".cookie").string();
    ASSERT_TRUE(std::filesystem::exists(cookie_file));
    const std::vector<std::string> cli{"-datadir=" + dir.string(), "-regtest", "-rpcconnect=127.0.0.1"};
    {
        std::istringstream in;
        std::ostringstream out, errs;
        auto a = cli;
        a.push_back("uptime");
        EXPECT_EQ(RunCli(a, in, out, errs), 28);
        EXPECT_EQ(errs.str(), "error code: -28\nerror message:\nLoading block index…\n");
    }
    // -rpcwait retries through warm-up until it finishes.
    std::thread finisher([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1200));
        table.SetWarmupFinished();
    });
    {
        std::istringstream in;
        std::ostringstream out, errs;
        auto a = cli;
        a.insert(a.end(), {"-rpcwait", "-rpcwaittimeout=10", "uptime"});
        EXPECT_EQ(RunCli(a, in, out, errs), 0) << errs.str();
        EXPECT_EQ(out.str().size() >= 2, true);
    }
    finisher.join();
    // An idle keep-alive connection does not hold up shutdown; the cookie is removed.
    RawClient idle(free_port);
    ASSERT_TRUE(idle.ok());
    const auto start = std::chrono::steady_clock::now();
    service->Stop();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    EXPECT_TRUE(idle.Closed());
    EXPECT_FALSE(std::filesystem::exists(cookie_file));
    std::filesystem::remove_all(dir);
}

TEST(HttpRpc, GarbageNeverCrashes)
{
    RpcTable table;
    RegisterRawTransactionRpcCommands(table, Chain::REGTEST);
    // Deterministic pseudo-random bodies and mutations of valid requests.
    uint64_t state = 0x9e3779b97f4a7c15ULL;
    auto next = [&] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    const std::string seeds[] = {
        R"({"jsonrpc":"2.0","id":1,"method":"decodescript","params":["6a00"]})",
        R"([{"method":"createrawtransaction","params":[[],{"data":"00"}]},{"method":"help"}])",
        R"({"method":"createmultisig","params":{"nrequired":1,"keys":["02ff"],"args":[1]}})",
        R"({"method":"decoderawtransaction","params":["0200000000010000000000"]})",
    };
    size_t handled = 0;
    for (int i = 0; i < 4000; ++i) {
        std::string body = seeds[i % 4];
        const int edits = 1 + static_cast<int>(next() % 4);
        for (int e = 0; e < edits && !body.empty(); ++e) {
            const size_t pos = next() % body.size();
            switch (next() % 3) {
            case 0: body[pos] = static_cast<char>(next() & 0xff); break;
            case 1: body.erase(pos, 1 + next() % 5); break;
            default: body.insert(pos, 1, "{}[]\",:0-e9"[next() % 11]); break;
            }
        }
        const HttpRpcResult r = HandleJsonRpcBody(table, body, "u", "peer", "/");
        EXPECT_TRUE(r.status == 200 || r.status == 204 || r.status == 400 || r.status == 404 || r.status == 500);
        if (!r.body.empty()) {
            EXPECT_TRUE(JsonValue::Parse(r.body).has_value()) << body;
        }
        ++handled;
    }
    EXPECT_EQ(handled, 4000u);
}

TEST(HttpRpc, CliGetinfo)
{
    Fixture f;
    // Stand-ins for the node's getnetworkinfo/getblockchaininfo so -getinfo's batch and layout can be checked.
    f.table.Register("network", RpcMethod{"getnetworkinfo", "", {}, {RpcResult{RpcResult::Type::ANY, "", ""}}, "",
                                          [](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
                                              return *JsonValue::Parse(
                                                  R"({"version":10000,"timeoffset":0,"connections":3,"connections_in":1,)"
                                                  R"("connections_out":2,"networks":[],"relayfee":0.00001000,"warnings":""})");
                                          }});
    f.table.Register("blockchain", RpcMethod{"getblockchaininfo", "", {}, {RpcResult{RpcResult::Type::ANY, "", ""}}, "",
                                             [](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
                                                 return *JsonValue::Parse(
                                                     R"({"chain":"regtest","blocks":101,"headers":101,)"
                                                     R"("verificationprogress":1,"difficulty":4.656542373906925e-10})");
                                             }});
    std::istringstream in;
    std::ostringstream out, err;
    const int code = RunCli({"-datadir=" + std::filesystem::temp_directory_path().string(), "-regtest",
                             "-rpcport=" + std::to_string(f.port), "-rpcuser=u", "-rpcpassword=p", "-getinfo"},
                            in, out, err);
    EXPECT_EQ(code, 0) << err.str();
    EXPECT_EQ(out.str(), "Chain: regtest\n"
                         "Blocks: 101\n"
                         "Headers: 101\n"
                         "Verification progress: 100.0000%\n"
                         "Difficulty: 4.656542373906925e-10\n"
                         "\n"
                         "Network: in 1, out 2, total 3\n"
                         "Version: 10000\n"
                         "Time offset (s): 0\n"
                         "Proxies: n/a\n"
                         "Min tx relay fee rate (BTC/kvB): 0.00001000\n"
                         "\n"
                         "Warnings: (none)\n");
}
