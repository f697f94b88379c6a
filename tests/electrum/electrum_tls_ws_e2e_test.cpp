// The Electrum server's TLS (-electrumsslport) and WebSocket (-electrumwsport) listeners of a real sovereignd,
// driven by Asio SSL and Beast WebSocket clients: the self-signed certificate (made once, mode 0600, reused),
// -electrumcert/-electrumkey, answers and notifications, and the same limits as plain TCP.
#include "electrum_client.h"
#include "harness.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <sys/stat.h>

#include <deque>
#include <fstream>
#include <sstream>
#include <thread>

using namespace e2e;
using namespace std::chrono_literals;
using nlohmann::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

/** A JSON-RPC client over one message transport (TLS lines or WebSocket frames), with timeouts. */
class MessageClient
{
public:
    virtual ~MessageClient() = default;
    /** Next message from the server; nullopt on timeout or close. */
    virtual std::optional<std::string> ReadMessage(std::chrono::milliseconds timeout) = 0;
    virtual bool SendRaw(const std::string& text) = 0;
    /** Sends one request as the transport frames it. */
    virtual bool SendRequest(const std::string& json_text) = 0;

    json Request(const std::string& method, const json& params = json::array())
    {
        const int id = ++m_id;
        const json req = {{"jsonrpc", "2.0"}, {"method", method}, {"params", params}, {"id", id}};
        if (!SendRequest(req.dump())) throw std::runtime_error("send failed");
        while (true) {
            auto msg = ReadMessage(30s);
            if (!msg) throw std::runtime_error("no answer to " + method);
            auto j = json::parse(*msg);
            if (j.is_object() && j.contains("id") && j["id"] == id) return j;
            m_notes.push_back(std::move(j));
        }
    }
    json Call(const std::string& method, const json& params = json::array())
    {
        auto j = Request(method, params);
        if (j.contains("error")) {
            throw electrum_test::CallError(j["error"]["code"].get<int>(), j["error"]["message"].get<std::string>());
        }
        return j["result"];
    }
    std::optional<json> WaitNotification(const std::string& method, std::chrono::milliseconds timeout = 20s)
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (true) {
            for (auto it = m_notes.begin(); it != m_notes.end(); ++it) {
                if ((*it)["method"] == method) {
                    json j = *it;
                    m_notes.erase(it);
                    return j;
                }
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return std::nullopt;
            auto msg = ReadMessage(left);
            if (!msg) return std::nullopt;
            m_notes.push_back(json::parse(*msg));
        }
    }
    /** Reads until the server closes (true) or the timeout passes (false); messages meanwhile go to `seen`. */
    bool WaitClosed(std::vector<std::string>& seen, std::chrono::milliseconds timeout = 10s)
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            auto msg = ReadMessage(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
            if (!msg) return m_closed;
            seen.push_back(*msg);
        }
        return false;
    }
    bool Closed() const { return m_closed; }

protected:
    /** Runs the io_context until `done` or the timeout; on timeout cancels the pending operation. */
    bool RunUntil(asio::io_context& ioc, bool& done, std::chrono::milliseconds timeout, const std::function<void()>& cancel)
    {
        ioc.restart();
        ioc.run_for(timeout);
        if (done) return true;
        cancel();
        ioc.restart();
        ioc.run();
        return false;
    }
    bool m_closed{false};

private:
    std::deque<json> m_notes;
    int m_id{0};
};

class TlsClient final : public MessageClient
{
public:
    /** Connects and handshakes; with a CA file the server's certificate must chain to it and name localhost. */
    std::string Connect(uint16_t port, const std::string& ca_file)
    {
        boost::system::error_code ec;
        if (!ca_file.empty()) {
            m_ctx.load_verify_file(ca_file, ec);
            if (ec) return "load_verify_file: " + ec.message();
            m_ctx.set_verify_mode(asio::ssl::verify_peer);
        } else {
            m_ctx.set_verify_mode(asio::ssl::verify_none);
        }
        m_stream = std::make_unique<asio::ssl::stream<tcp::socket>>(m_ioc, m_ctx);
        SSL_set_tlsext_host_name(m_stream->native_handle(), "localhost");
        if (!ca_file.empty()) m_stream->set_verify_callback(asio::ssl::host_name_verification("localhost"));
        m_stream->lowest_layer().connect(tcp::endpoint(asio::ip::address_v4::loopback(), port), ec);
        if (ec) return "connect: " + ec.message();
        m_stream->handshake(asio::ssl::stream_base::client, ec);
        if (ec) return "handshake: " + ec.message();
        return {};
    }
    /** PEM of the certificate the server presented. */
    std::string PeerCertificatePem()
    {
        X509* cert = SSL_get1_peer_certificate(m_stream->native_handle());
        if (!cert) return {};
        BIO* bio = BIO_new(BIO_s_mem());
        PEM_write_bio_X509(bio, cert);
        char* data = nullptr;
        const long n = BIO_get_mem_data(bio, &data);
        std::string pem(data, static_cast<size_t>(n));
        BIO_free(bio);
        X509_free(cert);
        return pem;
    }
    std::optional<std::string> ReadMessage(std::chrono::milliseconds timeout) override
    {
        if (auto nl = m_buf.find('\n'); nl != std::string::npos) return TakeLine(nl);
        if (m_closed) return std::nullopt;
        bool done = false;
        boost::system::error_code result;
        asio::async_read_until(*m_stream, asio::dynamic_buffer(m_buf), '\n', [&](boost::system::error_code ec, size_t) {
            done = true;
            result = ec;
        });
        if (!RunUntil(m_ioc, done, timeout, [&] { m_stream->lowest_layer().cancel(); })) return std::nullopt;
        if (result) {
            m_closed = true;
            return std::nullopt;
        }
        return TakeLine(m_buf.find('\n'));
    }
    bool SendRaw(const std::string& text) override
    {
        boost::system::error_code ec;
        asio::write(*m_stream, asio::buffer(text), ec);
        return !ec;
    }
    bool SendRequest(const std::string& json_text) override { return SendRaw(json_text + "\n"); }

private:
    std::string TakeLine(size_t nl)
    {
        std::string line = m_buf.substr(0, nl);
        m_buf.erase(0, nl + 1);
        return line;
    }
    asio::io_context m_ioc;
    asio::ssl::context m_ctx{asio::ssl::context::tls_client};
    std::unique_ptr<asio::ssl::stream<tcp::socket>> m_stream;
    std::string m_buf;
};

class WsClient final : public MessageClient
{
public:
    std::string Connect(uint16_t port)
    {
        boost::system::error_code ec;
        beast::get_lowest_layer(m_ws).connect(tcp::endpoint(asio::ip::address_v4::loopback(), port), ec);
        if (ec) return "connect: " + ec.message();
        m_ws.handshake("127.0.0.1:" + std::to_string(port), "/", ec);
        if (ec) return "handshake: " + ec.message();
        m_ws.text(true);
        return {};
    }
    std::optional<std::string> ReadMessage(std::chrono::milliseconds timeout) override
    {
        if (m_closed) return std::nullopt;
        bool done = false;
        boost::system::error_code result;
        beast::flat_buffer buf;
        m_ws.async_read(buf, [&](boost::system::error_code ec, size_t) {
            done = true;
            result = ec;
        });
        if (!RunUntil(m_ioc, done, timeout, [&] { beast::get_lowest_layer(m_ws).cancel(); })) return std::nullopt;
        if (result) {
            m_closed = true;
            return std::nullopt;
        }
        ++m_frames;
        return beast::buffers_to_string(buf.data());
    }
    bool SendRaw(const std::string& text) override
    {
        boost::system::error_code ec;
        m_ws.write(asio::buffer(text), ec);
        return !ec;
    }
    bool SendRequest(const std::string& json_text) override { return SendRaw(json_text); }
    size_t Frames() const { return m_frames; }

private:
    asio::io_context m_ioc;
    beast::websocket::stream<tcp::socket> m_ws{m_ioc};
    size_t m_frames{0};
};

std::string ReadFile(const std::filesystem::path& p)
{
    std::ifstream f(p, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

bool WaitSynced(Node& node)
{
    for (int i = 0; i < 600; ++i) {
        try {
            const json info = node.Rpc("getindexinfo");
            if (info.contains("electrumindex") && info["electrumindex"]["synced"].get<bool>() &&
                info["electrumindex"]["best_block_height"].get<int>() == node.Rpc("getblockcount").get<int>()) {
                return true;
            }
        } catch (const std::exception&) {
        }
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

/** blockchain.headers.subscribe over `c`, then a mined block arrives as a notification. */
void ExpectNotifications(Node& node, MessageClient& c)
{
    const json tip = c.Call("blockchain.headers.subscribe");
    const int height = tip["height"].get<int>();
    node.Rpc("generatetoaddress", {1, MINE_ADDRESS});
    auto note = c.WaitNotification("blockchain.headers.subscribe");
    ASSERT_TRUE(note.has_value());
    EXPECT_EQ((*note)["params"][0]["height"].get<int>(), height + 1);
}

}  // namespace

TEST(ElectrumTlsWs, SelfSignedCertificateMadeOnceReusedAndServesTheProtocol)
{
    Node node;
    const uint16_t port = FreeLoopbackPort(), ssl_port = FreeLoopbackPort();
    ASSERT_TRUE(node.Start({"-electrum", "-electrumport=" + std::to_string(port), "-electrumsslport=" + std::to_string(ssl_port)}))
        << node.LogTail();
    const auto cert = node.NetDir() / "electrum_cert.pem", key = node.NetDir() / "electrum_key.pem";
    ASSERT_TRUE(std::filesystem::exists(cert) && std::filesystem::exists(key)) << node.LogTail();
    struct stat st {};
    ASSERT_EQ(::stat(key.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    const std::string cert_pem = ReadFile(cert), key_pem = ReadFile(key);
    EXPECT_NE(cert_pem.find("BEGIN CERTIFICATE"), std::string::npos);

    node.Rpc("generatetoaddress", {3, MINE_ADDRESS});
    ASSERT_TRUE(WaitSynced(node));
    {
        // The client pins the generated certificate as its trust anchor and checks the name, as Electrum does.
        TlsClient c;
        ASSERT_EQ(c.Connect(ssl_port, cert.string()), "");
        EXPECT_EQ(c.PeerCertificatePem(), cert_pem);
        const json v = c.Call("server.version", {"tls-test", "1.4"});
        EXPECT_EQ(v[1].get<std::string>(), "1.4");
        EXPECT_EQ(c.Call("blockchain.block.header", {0}).get<std::string>().size(), 160u);
        ExpectNotifications(node, c);
        // The plain TCP port answers alongside.
        electrum_test::Client plain;
        ASSERT_TRUE(plain.Connect(port));
        EXPECT_EQ(plain.Call("server.ping"), nullptr);
    }
    // Restart: the same pair is loaded, not regenerated (clients pinned it).
    ASSERT_TRUE(node.StopRpc().has_value());
    ASSERT_TRUE(node.Start({"-electrum", "-electrumport=" + std::to_string(port), "-electrumsslport=" + std::to_string(ssl_port)}))
        << node.LogTail();
    EXPECT_EQ(ReadFile(cert), cert_pem);
    EXPECT_EQ(ReadFile(key), key_pem);
    {
        TlsClient c;
        ASSERT_EQ(c.Connect(ssl_port, cert.string()), "");
        EXPECT_EQ(c.PeerCertificatePem(), cert_pem);
        EXPECT_EQ(c.Call("server.ping"), nullptr);
    }
    // -electrumcert/-electrumkey: a pair given by the operator (here a copy of the generated one, moved away).
    ASSERT_TRUE(node.StopRpc().has_value());
    const auto own_cert = node.DataDir() / "own_cert.pem", own_key = node.DataDir() / "own_key.pem";
    std::filesystem::rename(cert, own_cert);
    std::filesystem::rename(key, own_key);
    ASSERT_TRUE(node.Start({"-electrum", "-electrumport=" + std::to_string(port), "-electrumsslport=" + std::to_string(ssl_port),
                            "-electrumcert=" + own_cert.string(), "-electrumkey=" + own_key.string()}))
        << node.LogTail();
    EXPECT_FALSE(std::filesystem::exists(cert));  // nothing generated when a pair is given
    {
        TlsClient c;
        ASSERT_EQ(c.Connect(ssl_port, own_cert.string()), "");
        EXPECT_EQ(c.PeerCertificatePem(), cert_pem);
        EXPECT_EQ(c.Call("server.version", {"tls-test", "1.4"})[1].get<std::string>(), "1.4");
    }
    // A plain-text client on the TLS port gets nothing it can use and is dropped.
    {
        electrum_test::Client plain;
        ASSERT_TRUE(plain.Connect(ssl_port));
        plain.SendRaw("{\"id\":1,\"method\":\"server.ping\"}\n");
        const auto line = plain.ReadLine(15s);
        EXPECT_TRUE(!line || line->find("\"result\"") == std::string::npos);
    }
    ASSERT_TRUE(node.StopRpc().has_value());
    // Only one of the pair: refused at start.
    ASSERT_FALSE(node.Start({"-electrum", "-electrumport=" + std::to_string(port), "-electrumsslport=" + std::to_string(ssl_port),
                             "-electrumcert=" + own_cert.string()},
                            20s));
}

TEST(ElectrumTlsWs, WebSocketOneMessagePerFrameWithNotifications)
{
    Node node;
    const uint16_t port = FreeLoopbackPort(), ws_port = FreeLoopbackPort();
    ASSERT_TRUE(node.Start({"-electrum", "-electrumport=" + std::to_string(port), "-electrumwsport=" + std::to_string(ws_port)}))
        << node.LogTail();
    node.Rpc("generatetoaddress", {3, MINE_ADDRESS});
    ASSERT_TRUE(WaitSynced(node));
    WsClient c;
    ASSERT_EQ(c.Connect(ws_port), "");
    EXPECT_EQ(c.Call("server.version", {"ws-test", "1.4"})[1].get<std::string>(), "1.4");
    EXPECT_EQ(c.Frames(), 1u);
    // A batch is one frame in, one frame (the array of answers) out.
    ASSERT_TRUE(c.SendRaw(R"([{"jsonrpc":"2.0","id":"a","method":"server.ping"},{"jsonrpc":"2.0","id":"b","method":"blockchain.block.header","params":[1]}])"));
    auto batch = c.ReadMessage(30s);
    ASSERT_TRUE(batch.has_value());
    const json answers = json::parse(*batch);
    ASSERT_TRUE(answers.is_array());
    ASSERT_EQ(answers.size(), 2u);
    EXPECT_EQ(answers[1]["result"].get<std::string>(), node.Rpc("getblockheader", {node.Rpc("getblockhash", {1}), false}).get<std::string>());
    // A notification (no id) gets no answer; the next answer is the next frame.
    ASSERT_TRUE(c.SendRaw(R"({"jsonrpc":"2.0","method":"server.ping"})"));
    EXPECT_EQ(c.Call("server.ping"), nullptr);
    // Parse errors are answered, and the connection stays.
    ASSERT_TRUE(c.SendRaw("{not json"));
    auto err = c.ReadMessage(30s);
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(json::parse(*err)["error"]["code"].get<int>(), -32700);
    const size_t frames_before = c.Frames();
    ExpectNotifications(node, c);
    EXPECT_EQ(c.Frames(), frames_before + 2);  // the subscribe answer and the notification, one frame each
}

TEST(ElectrumTlsWs, SameLimitsAsTcpForTlsAndWebSocket)
{
    Node node;
    const uint16_t port = FreeLoopbackPort(), ssl_port = FreeLoopbackPort(), ws_port = FreeLoopbackPort();
    ASSERT_TRUE(node.Start({"-electrum", "-electrumport=" + std::to_string(port), "-electrumsslport=" + std::to_string(ssl_port),
                            "-electrumwsport=" + std::to_string(ws_port), "-electrumratelimit=20",
                            "-electrummaxrequestsize=2000", "-electrummaxconnections=3"}))
        << node.LogTail();
    ASSERT_TRUE(WaitSynced(node));
    const std::string cert = (node.NetDir() / "electrum_cert.pem").string();
    const std::string big = std::string(R"({"jsonrpc":"2.0","id":9,"method":"server.banner","params":[")") + std::string(3000, 'x') + "\"]}";
    std::string flood;
    for (int i = 0; i < 60; ++i) flood += R"({"jsonrpc":"2.0","id":)" + std::to_string(i) + R"(,"method":"server.ping"})" + "\n";

    // Rate limit: the burst of 20 is answered, then error 1 and the connection closes.
    auto check_rate = [&](MessageClient& c, bool framed, const char* what) {
        if (framed) {
            for (int i = 0; i < 60; ++i) {
                if (!c.SendRaw(R"({"jsonrpc":"2.0","id":)" + std::to_string(i) + R"(,"method":"server.ping"})")) break;
            }
        } else {
            ASSERT_TRUE(c.SendRaw(flood)) << what;
        }
        std::vector<std::string> seen;
        EXPECT_TRUE(c.WaitClosed(seen)) << what;
        size_t ok = 0;
        bool limited = false;
        for (const std::string& m : seen) {
            const json j = json::parse(m);
            if (j.contains("result")) ++ok;
            if (j.contains("error") && j["error"]["code"].get<int>() == 1 &&
                j["error"]["message"].get<std::string>().find("excessive resource usage") != std::string::npos) {
                limited = true;
            }
        }
        EXPECT_TRUE(limited) << what << ": " << seen.size() << " messages, last " << (seen.empty() ? "" : seen.back());
        EXPECT_GE(ok, 15u) << what;
        EXPECT_LE(ok, 25u) << what;
    };
    {
        TlsClient c;
        ASSERT_EQ(c.Connect(ssl_port, cert), "");
        check_rate(c, false, "tls");
    }
    {
        WsClient c;
        ASSERT_EQ(c.Connect(ws_port), "");
        check_rate(c, true, "ws");
    }
    // Request size: over -electrummaxrequestsize is error -32600 and a close (TLS); WebSocket refuses the frame.
    {
        TlsClient c;
        ASSERT_EQ(c.Connect(ssl_port, cert), "");
        ASSERT_TRUE(c.SendRaw(big + "\n"));
        std::vector<std::string> seen;
        EXPECT_TRUE(c.WaitClosed(seen));
        ASSERT_EQ(seen.size(), 1u);
        EXPECT_EQ(json::parse(seen[0])["error"]["code"].get<int>(), -32600);
    }
    {
        WsClient c;
        ASSERT_EQ(c.Connect(ws_port), "");
        c.SendRaw(big);
        std::vector<std::string> seen;
        EXPECT_TRUE(c.WaitClosed(seen));
        for (const std::string& m : seen) EXPECT_EQ(json::parse(m)["error"]["code"].get<int>(), -32600) << m;
    }
    // Connections: TCP, TLS and WebSocket count together against -electrummaxconnections=3.
    std::this_thread::sleep_for(500ms);  // the sessions above are gone
    electrum_test::Client a;
    ASSERT_TRUE(a.Connect(port));
    EXPECT_EQ(a.Call("server.ping"), nullptr);
    TlsClient b;
    ASSERT_EQ(b.Connect(ssl_port, cert), "");
    EXPECT_EQ(b.Call("server.ping"), nullptr);
    WsClient w;
    ASSERT_EQ(w.Connect(ws_port), "");
    EXPECT_EQ(w.Call("server.ping"), nullptr);
    WsClient extra_ws;
    const std::string refused = extra_ws.Connect(ws_port);
    EXPECT_NE(refused, "") << "a fourth connection (WebSocket) was accepted";
    TlsClient extra_tls;
    EXPECT_NE(extra_tls.Connect(ssl_port, cert), "") << "a fourth connection (TLS) was accepted";
}
