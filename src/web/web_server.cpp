// HTTP server for web pages; see web_server.h.
#include "web/web_server.h"

#include <optional>
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <thread>

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string UrlDecode(std::string_view s)
{
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        auto hex = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        };
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::string WebRequest::Cookie(const std::string& name) const
{
    const std::string header = Header("cookie");
    size_t pos = 0;
    while (pos < header.size()) {
        size_t end = header.find(';', pos);
        if (end == std::string::npos) end = header.size();
        std::string part = header.substr(pos, end - pos);
        const size_t b = part.find_first_not_of(' ');
        if (b != std::string::npos) part = part.substr(b);
        const size_t eq = part.find('=');
        if (eq != std::string::npos && part.substr(0, eq) == name) return part.substr(eq + 1);
        pos = end + 1;
    }
    return "";
}

WebResponse WebResponse::Json(std::string body, int status)
{
    WebResponse r;
    r.status = status;
    r.content_type = "application/json";
    r.body = std::move(body);
    return r;
}

WebResponse WebResponse::Error(int status, const std::string& message)
{
    std::string escaped;
    for (char c : message) {
        if (c == '"' || c == '\\') escaped += '\\';
        if (static_cast<unsigned char>(c) < 0x20) continue;
        escaped += c;
    }
    return Json("{\"error\":\"" + escaped + "\"}", status);
}

class WebServer::Impl
{
public:
    Impl(WebServerOptions options, Handler handler) : m_opts(std::move(options)), m_handler(std::move(handler)) {}

    bool Start(std::string& error)
    {
        boost::system::error_code ec;
        const auto address = net::ip::make_address(m_opts.bind, ec);
        if (ec) {
            error = "invalid bind address " + m_opts.bind;
            return false;
        }
        tcp::endpoint ep(address, m_opts.port);
        m_acceptor.open(ep.protocol(), ec);
        if (!ec) m_acceptor.set_option(net::socket_base::reuse_address(true), ec);
        if (!ec) m_acceptor.bind(ep, ec);
        if (!ec) m_acceptor.listen(net::socket_base::max_listen_connections, ec);
        if (ec) {
            error = "cannot listen on " + m_opts.bind + ":" + std::to_string(m_opts.port) + ": " + ec.message() +
                    " (is another instance running?)";
            return false;
        }
        m_port = m_acceptor.local_endpoint().port();
        Accept();
        m_thread = std::thread([this] { m_io.run(); });
        return true;
    }

    void Stop()
    {
        if (!m_thread.joinable()) return;
        net::post(m_io, [this] {
            boost::system::error_code ec;
            m_acceptor.close(ec);
        });
        m_io.stop();
        m_thread.join();
    }

    uint16_t Port() const { return m_port; }

private:
    class Session : public std::enable_shared_from_this<Session>
    {
    public:
        Session(Impl& server, tcp::socket socket) : m_server(server), m_stream(std::move(socket)) {}
        ~Session() { --m_server.m_connections; }
        void Read()
        {
            m_parser.emplace();
            m_parser->header_limit(static_cast<uint32_t>(m_server.m_opts.max_header_bytes));
            m_parser->body_limit(m_server.m_opts.max_body_bytes);
            m_stream.expires_after(std::chrono::seconds(m_server.m_opts.idle_timeout_seconds));
            http::async_read(m_stream, m_buffer, *m_parser, [self = shared_from_this()](beast::error_code ec, size_t) {
                self->OnRead(ec);
            });
        }

    private:
        void OnRead(beast::error_code ec)
        {
            if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted) {
                Close();
                return;
            }
            if (ec) {
                const int status = ec == http::error::body_limit ? 413 : ec == http::error::header_limit ? 431 : 400;
                WebResponse r = WebResponse::Error(status, "bad request: " + ec.message());
                Write(r, false);
                return;
            }
            const auto& msg = m_parser->get();
            WebRequest req;
            req.method = std::string(msg.method_string());
            req.target = std::string(msg.target());
            const size_t q = req.target.find('?');
            req.path = req.target.substr(0, q);
            if (q != std::string::npos) {
                std::string_view qs(req.target);
                qs.remove_prefix(q + 1);
                while (!qs.empty()) {
                    const size_t amp = qs.find('&');
                    const std::string_view kv = qs.substr(0, amp);
                    const size_t eq = kv.find('=');
                    req.query[UrlDecode(kv.substr(0, eq))] = eq == std::string_view::npos ? "" : UrlDecode(kv.substr(eq + 1));
                    if (amp == std::string_view::npos) break;
                    qs.remove_prefix(amp + 1);
                }
            }
            for (const auto& f : msg) {
                std::string name(f.name_string());
                for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                req.headers[name] = std::string(f.value());
            }
            req.body = msg.body();
            boost::system::error_code rec;
            const auto remote = m_stream.socket().remote_endpoint(rec);
            if (!rec) req.remote = remote.address().to_string();
            WebResponse r;
            try {
                r = m_server.m_handler(req);
            } catch (const std::exception& e) {
                r = WebResponse::Error(500, "internal error");
            }
            Write(r, msg.keep_alive());
        }

        void Write(const WebResponse& r, bool keep_alive)
        {
            auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
            res->set(http::field::server, "sovereign");
            res->set(http::field::content_type, r.content_type);
            // Pages are served to browsers: forbid framing, sniffing and outside scripts.
            res->set("X-Content-Type-Options", "nosniff");
            res->set("X-Frame-Options", "DENY");
            res->set("Referrer-Policy", "no-referrer");
            res->set("Content-Security-Policy",
                     "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                     "connect-src 'self'; frame-ancestors 'none'; form-action 'self'");
            for (const auto& [k, v] : r.headers) res->set(k, v);
            res->body() = r.body;
            res->keep_alive(keep_alive);
            res->prepare_payload();
            http::async_write(m_stream, *res, [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
                if (ec || !keep_alive) {
                    self->Close();
                    return;
                }
                self->Read();
            });
        }

        void Close()
        {
            beast::error_code ec;
            m_stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        }

        Impl& m_server;
        beast::tcp_stream m_stream;
        beast::flat_buffer m_buffer;
        std::optional<http::request_parser<http::string_body>> m_parser;
    };

    void Accept()
    {
        m_acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
            if (ec == net::error::operation_aborted) return;
            if (!ec) {
                if (m_connections >= m_opts.max_connections) {
                    boost::system::error_code ignored;
                    socket.close(ignored);  // over the limit: refuse rather than queue
                } else {
                    ++m_connections;
                    std::make_shared<Session>(*this, std::move(socket))->Read();
                }
            }
            Accept();
        });
    }

    WebServerOptions m_opts;
    Handler m_handler;
    net::io_context m_io;
    tcp::acceptor m_acceptor{m_io};
    std::thread m_thread;
    std::atomic<size_t> m_connections{0};
    uint16_t m_port{0};
};

WebServer::WebServer(WebServerOptions options, Handler handler)
    : m_impl(std::make_unique<Impl>(std::move(options), std::move(handler)))
{
}
WebServer::~WebServer() { Stop(); }
bool WebServer::Start(std::string& error) { return m_impl->Start(error); }
void WebServer::Stop() { m_impl->Stop(); }
uint16_t WebServer::Port() const { return m_impl->Port(); }
