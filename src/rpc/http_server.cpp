// Boost.Beast HTTP/1.1 server for JSON-RPC with Core's status codes, limits, work queue and access rules.
#include "rpc/http_server.h"

#include "rpc/protocol.h"
#include "util/args.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr const char* WWW_AUTH_HEADER_DATA = "Basic realm=\"jsonrpc\"";

struct Reply {
    int status{HTTP_OK};
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    bool close{false};
};

Reply ErrorReply(int status, std::string body = {})
{
    Reply r;
    r.status = status;
    r.body = std::move(body);
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
}

std::optional<net::ip::address> ParseAddress(const std::string& text)
{
    boost::system::error_code ec;
    auto a = net::ip::make_address(text, ec);
    if (ec) return std::nullopt;
    if (a.is_v6() && a.to_v6().is_v4_mapped()) return net::ip::address(net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6()));
    return a;
}

std::vector<uint8_t> AddressBytes(const net::ip::address& a)
{
    if (a.is_v4()) {
        auto b = a.to_v4().to_bytes();
        return {b.begin(), b.end()};
    }
    auto b = a.to_v6().to_bytes();
    return {b.begin(), b.end()};
}

// A subnet as network bytes and mask bytes of the same length.
struct Subnet {
    std::vector<uint8_t> network;
    std::vector<uint8_t> mask;
};

std::optional<Subnet> ParseSubnet(const std::string& text)
{
    const size_t slash = text.find('/');
    const auto base = ParseAddress(text.substr(0, slash));
    if (!base) return std::nullopt;
    Subnet s;
    s.network = AddressBytes(*base);
    s.mask.assign(s.network.size(), 0xff);
    if (slash != std::string::npos) {
        const std::string suffix = text.substr(slash + 1);
        if (!suffix.empty() && suffix.find_first_not_of("0123456789") == std::string::npos && suffix.size() <= 3) {
            const int bits = std::stoi(suffix);
            if (bits < 0 || bits > static_cast<int>(s.network.size() * 8)) return std::nullopt;
            for (size_t i = 0; i < s.mask.size(); ++i) {
                const int remaining = bits - static_cast<int>(i * 8);
                s.mask[i] = remaining >= 8 ? 0xff : remaining <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - remaining));
            }
        } else {
            const auto mask = ParseAddress(suffix);
            if (!mask || mask->is_v4() != base->is_v4()) return std::nullopt;
            s.mask = AddressBytes(*mask);
        }
    }
    for (size_t i = 0; i < s.network.size(); ++i) s.network[i] &= s.mask[i];
    return s;
}

}  // namespace

bool IsValidSubnet(const std::string& subnet)
{
    return ParseSubnet(subnet).has_value();
}

bool ClientAllowed(const std::string& addr, const std::vector<std::string>& subnets)
{
    const auto a = ParseAddress(addr);
    if (!a) return false;
    if (a->is_loopback()) return true;
    const auto bytes = AddressBytes(*a);
    for (const auto& text : subnets) {
        const auto s = ParseSubnet(text);
        if (!s || s->network.size() != bytes.size()) continue;
        bool match = true;
        for (size_t i = 0; i < bytes.size(); ++i) match &= (bytes[i] & s->mask[i]) == s->network[i];
        if (match) return true;
    }
    return false;
}

void RegisterRpcServerArgs(ArgsManager& args, uint16_t main_port, uint16_t testnet_port, uint16_t testnet4_port,
                           uint16_t signet_port, uint16_t regtest_port)
{
    using A = ArgsManager;
    const auto RPC = OptionsCategory::RPC;
    args.AddArg("-rpcallowip=<ip>",
                "Allow JSON-RPC connections from specified source. Valid values for <ip> are a single IP (e.g. "
                "1.2.3.4), a network/netmask (e.g. 1.2.3.4/255.255.255.0), a network/CIDR (e.g. 1.2.3.4/24), all "
                "ipv4 (0.0.0.0/0), or all ipv6 (::/0). This option can be specified multiple times",
                A::ALLOW_ANY, RPC);
    args.AddArg("-rpcauth=<userpw>",
                "Username and HMAC-SHA-256 hashed password for JSON-RPC connections. The field <userpw> comes in "
                "the format: <USERNAME>:<SALT>$<HASH>. A canonical python script is included in share/rpcauth. The "
                "client then connects normally using the rpcuser=<USERNAME>/rpcpassword=<PASSWORD> pair of "
                "arguments. This option can be specified multiple times",
                A::ALLOW_ANY | A::SENSITIVE, RPC);
    args.AddArg("-rpcbind=<addr>[:port]",
                "Bind to given address to listen for JSON-RPC connections. Do not expose the RPC server to "
                "untrusted networks such as the public internet! This option is ignored unless -rpcallowip is "
                "also passed. Port is optional and overrides -rpcport. Use [host]:port notation for IPv6. This "
                "option can be specified multiple times (default: 127.0.0.1 and ::1 i.e., localhost)",
                A::ALLOW_ANY | A::NETWORK_ONLY, RPC);
    args.AddArg("-rpccookiefile=<loc>",
                "Location of the auth cookie. Relative paths will be prefixed by a net-specific datadir location. "
                "(default: data dir)",
                A::ALLOW_ANY, RPC);
    args.AddArg("-rpcpassword=<pw>", "Password for JSON-RPC connections", A::ALLOW_ANY | A::SENSITIVE, RPC);
    args.AddArg("-rpcport=<port>",
                "Listen for JSON-RPC connections on <port> (default: " + std::to_string(main_port) +
                    ", testnet3: " + std::to_string(testnet_port) + ", testnet4: " + std::to_string(testnet4_port) +
                    ", signet: " + std::to_string(signet_port) + ", regtest: " + std::to_string(regtest_port) + ")",
                A::ALLOW_ANY | A::NETWORK_ONLY, RPC);
    args.AddArg("-rpcservertimeout=<n>", "Timeout during HTTP requests (default: 30)", A::ALLOW_ANY | A::DEBUG_ONLY,
                RPC);
    args.AddArg("-rpcthreads=<n>", "Set the number of threads to service RPC calls (default: 16)", A::ALLOW_ANY, RPC);
    args.AddArg("-rpcuser=<user>", "Username for JSON-RPC connections", A::ALLOW_ANY | A::SENSITIVE, RPC);
    args.AddArg("-rpcworkqueue=<n>", "Set the maximum depth of the work queue to service RPC calls (default: 64)",
                A::ALLOW_ANY | A::DEBUG_ONLY, RPC);
}

// "host", "host:port", "[v6]:port", "v6" -> host and port (port unchanged when absent). False on a bad port.
static bool SplitHostPort(const std::string& in, uint16_t& port, std::string& host)
{
    host = in;
    const size_t colon = in.rfind(':');
    const bool has_bracket = !in.empty() && in[0] == '[';
    // A bare IPv6 address has several colons and no brackets: no port.
    const bool multi_colon = colon != std::string::npos && in.find(':') != colon;
    if (colon != std::string::npos && (has_bracket || !multi_colon) && !(has_bracket && in.back() == ']')) {
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

bool HttpServerOptionsFromArgs(const ArgsManager& args, uint16_t default_port, HttpServerOptions& out,
                               std::string& error, std::vector<std::string>* warnings)
{
    const int64_t port_arg = args.GetIntArg("-rpcport", default_port);
    if (port_arg < 1 || port_arg > 65535) {
        error = "Invalid port specified in -rpcport: '" + args.GetArg("-rpcport", "") + "'";
        return false;
    }
    const uint16_t port = static_cast<uint16_t>(port_arg);
    out.allow_ip = args.GetArgs("-rpcallowip");
    for (const auto& s : out.allow_ip) {
        if (!IsValidSubnet(s)) {
            error = "Invalid -rpcallowip subnet specification: " + s +
                    ". Valid values are a single IP (e.g. 1.2.3.4), a network/netmask (e.g. 1.2.3.4/255.255.255.0), "
                    "a network/CIDR (e.g. 1.2.3.4/24), all ipv4 (0.0.0.0/0), or all ipv6 (::/0).";
            return false;
        }
    }
    const auto binds = args.GetArgs("-rpcbind");
    out.bind.clear();
    // -rpcbind and -rpcallowip must come together; otherwise only loopback is served (Core's rule).
    if (out.allow_ip.empty() || binds.empty()) {
        out.bind.emplace_back("::1", port);
        out.bind.emplace_back("127.0.0.1", port);
        if (warnings && !out.allow_ip.empty()) {
            warnings->push_back("Option -rpcallowip was specified without -rpcbind; this doesn't usually make sense");
        }
        if (warnings && !binds.empty()) {
            warnings->push_back("Option -rpcbind was ignored because -rpcallowip was not specified, refusing to "
                                "allow everyone to connect");
        }
    } else {
        for (const auto& b : binds) {
            uint16_t p = port;
            std::string host;
            if (!SplitHostPort(b, p, host)) {
                error = "Invalid port specified in -rpcbind: '" + b + "'";
                return false;
            }
            out.bind.emplace_back(host, p);
        }
    }
    out.threads = static_cast<int>(std::max<int64_t>(args.GetIntArg("-rpcthreads", 16), 1));
    out.work_queue = static_cast<int>(std::max<int64_t>(args.GetIntArg("-rpcworkqueue", 64), 1));
    out.timeout_seconds = static_cast<int>(std::max<int64_t>(args.GetIntArg("-rpcservertimeout", 30), 1));
    return true;
}

class Session;

class HttpRpcServer::Impl
{
public:
    Impl(const RpcTable& table, const RpcAuthenticator& auth, HttpServerOptions options)
        : m_table(table), m_auth(auth), m_opts(std::move(options))
    {
    }

    bool Start(std::string& error);
    void Stop();
    void Accept(tcp::acceptor& acceptor);
    /** Queues work; false when the queue is full or the server is stopping. */
    bool Submit(std::function<void()> job, bool& stopping);
    Reply HandleRequest(const http::request<http::string_body>& req, const std::string& peer) const;
    void WorkerLoop();

    const RpcTable& m_table;
    const RpcAuthenticator& m_auth;
    HttpServerOptions m_opts;
    net::io_context m_ioc{1};
    std::optional<net::executor_work_guard<net::io_context::executor_type>> m_work;
    std::vector<std::unique_ptr<tcp::acceptor>> m_acceptors;
    std::vector<uint16_t> m_ports;
    std::thread m_io_thread;
    std::vector<std::thread> m_workers;
    std::mutex m_queue_mutex;
    std::condition_variable m_queue_cv;
    std::deque<std::function<void()>> m_queue;
    bool m_stopping{false};
    std::atomic<bool> m_closing{false};
    std::list<std::weak_ptr<Session>> m_sessions;  // touched only on the I/O thread
    bool m_started{false};
};

class Session : public std::enable_shared_from_this<Session>
{
public:
    Session(tcp::socket socket, HttpRpcServer::Impl& server) : m_stream(std::move(socket)), m_server(server)
    {
        boost::system::error_code ec;
        const auto ep = m_stream.socket().remote_endpoint(ec);
        if (!ec) {
            auto addr = ep.address();
            if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
                addr = net::ip::make_address_v4(net::ip::v4_mapped, addr.to_v6());
            }
            m_peer_ip = addr.to_string();
            m_peer = (addr.is_v6() ? "[" + m_peer_ip + "]" : m_peer_ip) + ":" + std::to_string(ep.port());
        }
    }

    void Start() { DoRead(); }

    /** Closes the connection if it is waiting for a request (used at shutdown). */
    void CloseIfIdle()
    {
        if (!m_busy) Close();
    }

private:
    void DoRead()
    {
        if (m_server.m_closing) return Close();
        m_parser.emplace();
        m_parser->header_limit(static_cast<uint32_t>(m_server.m_opts.max_headers));
        m_parser->body_limit(m_server.m_opts.max_body);
        m_stream.expires_after(std::chrono::seconds(m_server.m_opts.timeout_seconds));
        http::async_read(m_stream, m_buffer, *m_parser, beast::bind_front_handler(&Session::OnRead, shared_from_this()));
    }

    void OnRead(beast::error_code ec, size_t)
    {
        if (ec) {
            if (ec == http::error::body_limit) {
                Reply r = ErrorReply(HTTP_CONTENT_TOO_LARGE);
                r.close = true;
                return Send(std::move(r), 11);
            }
            if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
                ec != http::error::end_of_stream && ec != http::error::partial_message) {
                Reply r = ErrorReply(HTTP_BAD_REQUEST);
                r.close = true;
                return Send(std::move(r), 11);
            }
            return Close();  // end of stream, timeout, reset
        }
        m_busy = true;
        auto req = std::make_shared<http::request<http::string_body>>(m_parser->release());
        const unsigned version = req->version();
        m_keep_alive = req->keep_alive();
        if (!ClientAllowed(m_peer_ip, m_server.m_opts.allow_ip)) {
            Reply r = ErrorReply(HTTP_FORBIDDEN);
            r.close = true;
            return Send(std::move(r), version);
        }
        if (req->method() == http::verb::unknown) return Send(ErrorReply(HTTP_BAD_METHOD), version);
        // JSON-RPC is served at "/" only (Core registers it as an exact match; wallets add "/wallet/").
        const std::string target(req->target());
        if (target != "/" && !target.starts_with("/wallet/")) return Send(ErrorReply(HTTP_NOT_FOUND), version);
        auto self = shared_from_this();
        auto job = [self, req, version]() {
            Reply r;
            try {
                r = self->m_server.HandleRequest(*req, self->m_peer);
            } catch (const std::exception& e) {
                r = ErrorReply(HTTP_INTERNAL_SERVER_ERROR, e.what());
                r.close = true;
            }
            net::post(self->m_stream.get_executor(),
                      [self, r = std::move(r), version]() mutable { self->Send(std::move(r), version); });
        };
        bool stopping = false;
        if (!m_server.Submit(std::move(job), stopping)) {
            if (stopping) return Send(ErrorReply(HTTP_SERVICE_UNAVAILABLE, "Request rejected during server shutdown"), version);
            return Send(ErrorReply(HTTP_SERVICE_UNAVAILABLE, "Work queue depth exceeded"), version);
        }
    }

    void Send(Reply reply, unsigned version)
    {
        m_busy = true;
        auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(reply.status),
                                                                       version);
        for (const auto& [k, v] : reply.headers) res->set(k, v);
        const bool needs_body = reply.status != HTTP_NO_CONTENT && reply.status >= 200;
        if (needs_body && res->find(http::field::content_type) == res->end()) {
            res->set(http::field::content_type, "text/html; charset=ISO-8859-1");
        }
        const bool keep_alive = m_keep_alive && !reply.close && !m_server.m_closing;
        res->keep_alive(keep_alive);
        if (needs_body) {
            res->body() = std::move(reply.body);
            res->prepare_payload();
        }
        m_stream.expires_after(std::chrono::seconds(m_server.m_opts.timeout_seconds));
        http::async_write(m_stream, *res, [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
            self->m_busy = false;
            if (ec || !keep_alive) return self->Close();
            self->DoRead();
        });
    }

    void Close()
    {
        m_busy = false;
        boost::system::error_code ec;
        m_stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        m_stream.socket().close(ec);
    }

    beast::tcp_stream m_stream;
    HttpRpcServer::Impl& m_server;
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    std::string m_peer;
    std::string m_peer_ip;
    bool m_keep_alive{true};
    bool m_busy{false};
};

Reply HttpRpcServer::Impl::HandleRequest(const http::request<http::string_body>& req, const std::string& peer) const
{
    Reply r;
    if (req.method() != http::verb::post) {
        r.status = HTTP_BAD_METHOD;
        r.body = "JSONRPC server handles only POST requests";
        return r;
    }
    auto auth = req.find(http::field::authorization);
    if (auth == req.end()) {
        r.status = HTTP_UNAUTHORIZED;
        r.headers.emplace_back("WWW-Authenticate", WWW_AUTH_HEADER_DATA);
        return r;
    }
    std::string user;
    if (!m_auth.CheckAuthorization(std::string(auth->value()), user)) {
        // Deter brute-forcing (Core sleeps the same 250 ms on every failed attempt).
        std::this_thread::sleep_for(std::chrono::milliseconds(m_opts.auth_failure_delay_ms));
        r.status = HTTP_UNAUTHORIZED;
        r.headers.emplace_back("WWW-Authenticate", WWW_AUTH_HEADER_DATA);
        return r;
    }
    HttpRpcResult result = HandleJsonRpcBody(m_table, req.body(), user, peer, std::string(req.target()));
    r.status = result.status;
    r.body = std::move(result.body);
    if (!r.body.empty()) r.headers.emplace_back("Content-Type", "application/json");
    return r;
}

bool HttpRpcServer::Impl::Submit(std::function<void()> job, bool& stopping)
{
    std::lock_guard lock(m_queue_mutex);
    stopping = m_stopping;
    if (m_stopping) return false;
    if (static_cast<int>(m_queue.size()) >= m_opts.work_queue) return false;
    m_queue.push_back(std::move(job));
    m_queue_cv.notify_one();
    return true;
}

void HttpRpcServer::Impl::WorkerLoop()
{
    while (true) {
        std::function<void()> job;
        {
            std::unique_lock lock(m_queue_mutex);
            m_queue_cv.wait(lock, [&] { return m_stopping || !m_queue.empty(); });
            if (m_queue.empty()) return;  // stopping and drained
            job = std::move(m_queue.front());
            m_queue.pop_front();
        }
        job();
    }
}

void HttpRpcServer::Impl::Accept(tcp::acceptor& acceptor)
{
    acceptor.async_accept([this, &acceptor](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
        if (!ec) {
            auto session = std::make_shared<Session>(std::move(socket), *this);
            m_sessions.remove_if([](const auto& w) { return w.expired(); });
            m_sessions.push_back(session);
            session->Start();
        }
        Accept(acceptor);
    });
}

bool HttpRpcServer::Impl::Start(std::string& error)
{
    std::vector<std::string> failures;
    for (const auto& [host, port] : m_opts.bind) {
        boost::system::error_code ec;
        std::vector<tcp::endpoint> endpoints;
        if (auto addr = ParseAddress(host)) {
            endpoints.emplace_back(*addr, port);
        } else {
            tcp::resolver resolver(m_ioc);
            auto results = resolver.resolve(host, std::to_string(port), ec);
            if (!ec) {
                for (const auto& r : results) endpoints.push_back(r.endpoint());
            }
        }
        bool bound = false;
        for (const auto& ep : endpoints) {
            auto acc = std::make_unique<tcp::acceptor>(m_ioc);
            acc->open(ep.protocol(), ec);
            if (ec) continue;
            acc->set_option(net::socket_base::reuse_address(true), ec);
            if (ep.address().is_v6()) acc->set_option(net::ip::v6_only(true), ec);
            acc->bind(ep, ec);
            if (ec) continue;
            acc->listen(net::socket_base::max_listen_connections, ec);
            if (ec) continue;
            m_ports.push_back(acc->local_endpoint().port());
            m_acceptors.push_back(std::move(acc));
            bound = true;
        }
        if (!bound) failures.push_back(host + ":" + std::to_string(port));
    }
    if (m_acceptors.empty()) {
        error = "Unable to bind any endpoint for RPC server";
        return false;
    }
    for (auto& acc : m_acceptors) Accept(*acc);
    m_work.emplace(net::make_work_guard(m_ioc));
    m_io_thread = std::thread([this] { m_ioc.run(); });
    for (int i = 0; i < m_opts.threads; ++i) m_workers.emplace_back([this] { WorkerLoop(); });
    m_started = true;
    return true;
}

void HttpRpcServer::Impl::Stop()
{
    if (!m_started) return;
    m_started = false;
    // 1. Stop accepting new connections.
    net::post(m_ioc, [this] {
        for (auto& acc : m_acceptors) {
            boost::system::error_code ec;
            acc->close(ec);
        }
    });
    // 2. Let the workers finish every queued request; their replies are posted to the I/O thread.
    {
        std::lock_guard lock(m_queue_mutex);
        m_stopping = true;
    }
    m_queue_cv.notify_all();
    for (auto& t : m_workers) t.join();
    m_workers.clear();
    // 3. Connections close after their last reply; idle ones close now.
    m_closing = true;
    net::post(m_ioc, [this] {
        for (auto& w : m_sessions) {
            if (auto s = w.lock()) s->CloseIfIdle();
        }
    });
    m_work.reset();
    // Give in-flight writes a moment, then force the loop to end.
    for (int i = 0; i < 200 && !m_ioc.stopped(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    m_ioc.stop();
    if (m_io_thread.joinable()) m_io_thread.join();
    m_acceptors.clear();
    m_sessions.clear();
}

HttpRpcServer::HttpRpcServer(const RpcTable& table, const RpcAuthenticator& auth, HttpServerOptions options)
    : m_impl(std::make_unique<Impl>(table, auth, std::move(options)))
{
}

HttpRpcServer::~HttpRpcServer()
{
    Stop();
}

bool HttpRpcServer::Start(std::string& error)
{
    return m_impl->Start(error);
}

void HttpRpcServer::Stop()
{
    m_impl->Stop();
}

std::vector<uint16_t> HttpRpcServer::BoundPorts() const
{
    return m_impl->m_ports;
}
