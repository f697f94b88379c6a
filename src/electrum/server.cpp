// Electrum protocol 1.4 server: sessions over Boost.Asio, the method table, the mempool view and notifications.
#include "electrum/server.h"

#include "consensus/merkle.h"
#include "crypto/hash.h"
#include "json/core_json.h"
#include "primitives/serialize.h"
#include "util/args.h"
#include "util/hex.h"
#include "util/logging.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {
/** Output waiting for a slow reader beyond this closes the session (it would otherwise grow without bound). */
constexpr size_t MAX_PENDING_OUTPUT = 64 << 20;
/** Reading pauses while this much output is queued. */
constexpr size_t PAUSE_READ_OUTPUT = 4 << 20;
/** How often the notifier re-reads the mempool when nothing woke it (evictions, expiry, replacements). */
constexpr auto MEMPOOL_POLL = std::chrono::milliseconds(1000);

std::string HeaderHex(const BlockHeader& header)
{
    Bytes out;
    VectorWriter w(out);
    SerializeHeader(w, header);
    return HexStr(out);
}

uint256 HashPair(const uint256& a, const uint256& b)
{
    uint8_t buf[64];
    std::copy(a.begin(), a.end(), buf);
    std::copy(b.begin(), b.end(), buf + 32);
    return Hash256(std::span<const uint8_t>(buf, 64));
}

JsonValue HashList(const std::vector<uint256>& hashes)
{
    JsonValue arr = JsonValue::Array();
    for (const uint256& h : hashes) arr.PushBack(h.GetHex());
    return arr;
}

/** A non-negative integer parameter (JSON number without fraction or exponent). */
std::optional<int64_t> ParseNonNegative(const JsonValue& v)
{
    if (!v.IsNum()) return std::nullopt;
    const std::string& s = v.GetValStr();
    int64_t out = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || p != s.data() + s.size() || out < 0) return std::nullopt;
    return out;
}

/** Version "1.4.2" -> {1,4,2}; nullopt when malformed. */
std::optional<std::vector<int>> ParseVersion(const std::string& s)
{
    std::vector<int> parts;
    size_t start = 0;
    while (start <= s.size()) {
        const size_t dot = s.find('.', start);
        const std::string part = s.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        int v = 0;
        auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
        if (part.empty() || ec != std::errc() || p != part.data() + part.size() || v < 0) return std::nullopt;
        parts.push_back(v);
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    if (parts.empty() || parts.size() > 4) return std::nullopt;
    while (parts.size() > 1 && parts.back() == 0) parts.pop_back();
    return parts;
}

JsonValue ErrorObject(int code, const std::string& message)
{
    JsonValue e = JsonValue::Object();
    e.PushKV("code", code);
    e.PushKV("message", message);
    return e;
}

std::string Response(const JsonValue& id, const JsonValue* result, const JsonValue* error)
{
    JsonValue r = JsonValue::Object();
    r.PushKV("jsonrpc", "2.0");
    if (error) {
        r.PushKV("error", *error);
    } else {
        r.PushKV("result", *result);
    }
    r.PushKV("id", id);
    return r.Write();
}

std::string Notification(const std::string& method, JsonValue params)
{
    JsonValue r = JsonValue::Object();
    r.PushKV("jsonrpc", "2.0");
    r.PushKV("method", method);
    r.PushKV("params", std::move(params));
    return r.Write() + "\n";
}

[[noreturn]] void BadRequest(const std::string& msg) { throw ElectrumRpcError(ELECTRUM_BAD_REQUEST, msg); }
[[noreturn]] void InvalidParams(const std::string& msg) { throw ElectrumRpcError(JSONRPC_INVALID_PARAMS, msg); }
}  // namespace

// ---- helpers exposed in the header ---------------------------------------------------------------------

std::optional<std::string> ElectrumStatusHash(const std::vector<std::pair<uint256, int>>& history)
{
    if (history.empty()) return std::nullopt;
    Sha256 sha;
    for (const auto& [txid, height] : history) {
        const std::string part = txid.GetHex() + ":" + std::to_string(height) + ":";
        sha.Write(reinterpret_cast<const uint8_t*>(part.data()), part.size());
    }
    uint8_t out[32];
    sha.Finalize(out);
    return HexStr(std::span<const uint8_t>(out, 32));
}

void AppendHistoryJson(std::string& out, const uint256& txid, int height, std::optional<Amount> fee)
{
    static constexpr char HEX[] = "0123456789abcdef";
    out += "{\"tx_hash\":\"";
    const size_t at = out.size();
    out.resize(at + 64);
    // Display order: the hash bytes reversed.
    for (size_t i = 0; i < 32; ++i) {
        const uint8_t b = txid.begin()[31 - i];
        out[at + 2 * i] = HEX[b >> 4];
        out[at + 2 * i + 1] = HEX[b & 15];
    }
    out += "\",\"height\":";
    out += std::to_string(height);
    if (fee) {
        out += ",\"fee\":";
        out += std::to_string(*fee);
    }
    out += '}';
}

std::vector<uint256> MerkleBranch(std::vector<uint256> level, size_t index, uint256* root)
{
    std::vector<uint256> branch;
    if (level.empty()) {
        if (root) *root = uint256();
        return branch;
    }
    while (level.size() > 1) {
        if (level.size() % 2) level.push_back(level.back());
        branch.push_back(level[index ^ 1]);
        std::vector<uint256> next(level.size() / 2);
        for (size_t i = 0; i < next.size(); ++i) next[i] = HashPair(level[2 * i], level[2 * i + 1]);
        level = std::move(next);
        index /= 2;
    }
    if (root) *root = level[0];
    return branch;
}

namespace {
/** Writes `pem` to a new file with `mode` (O_EXCL: an existing file is never overwritten). */
bool WriteNewFile(const std::filesystem::path& path, const std::string& pem, mode_t mode, std::string& error)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        error = "Cannot create " + path.string() + ": " + std::strerror(errno);
        return false;
    }
    size_t off = 0;
    while (off < pem.size()) {
        const ssize_t n = ::write(fd, pem.data() + off, pem.size() - off);
        if (n <= 0) break;
        off += static_cast<size_t>(n);
    }
    const bool ok = off == pem.size() && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) error = "Cannot write " + path.string();
    return ok;
}

std::string BioText(BIO* bio)
{
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

/** A self-signed P-256 certificate (CA:TRUE, so clients can pin it as their own trust anchor) for localhost,
 *  valid for ten years; PEM texts of the certificate and the private key. */
bool MakeSelfSignedCertificate(std::string& cert_pem, std::string& key_pem, std::string& error)
{
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    std::unique_ptr<X509, decltype(&X509_free)> x509(X509_new(), X509_free);
    if (!key || !x509) {
        error = "OpenSSL: cannot generate the Electrum TLS key";
        return false;
    }
    X509* x = x509.get();
    uint8_t serial[16];
    RAND_bytes(serial, sizeof(serial));
    serial[0] &= 0x7f;  // a positive INTEGER
    std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(BN_bin2bn(serial, sizeof(serial), nullptr), BN_free);
    bool ok = X509_set_version(x, 2) && bn && BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x)) &&
              X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
              X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 24 * 3600) && X509_set_pubkey(x, key.get());
    X509_NAME* name = X509_get_subject_name(x);
    ok = ok && X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Sovereign"), -1, -1, 0);
    ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    ok = ok && X509_set_issuer_name(x, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    for (const auto& [nid, value] : std::vector<std::pair<int, const char*>>{
             {NID_basic_constraints, "critical,CA:TRUE"},
             {NID_key_usage, "critical,digitalSignature,keyCertSign"},
             {NID_ext_key_usage, "serverAuth"},
             {NID_subject_key_identifier, "hash"},
             {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"}}) {
        if (!ok) break;
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        ok = ext && X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    ok = ok && X509_sign(x, key.get(), EVP_sha256()) > 0;
    std::unique_ptr<BIO, decltype(&BIO_free)> cbio(BIO_new(BIO_s_mem()), BIO_free), kbio(BIO_new(BIO_s_mem()), BIO_free);
    ok = ok && cbio && kbio && PEM_write_bio_X509(cbio.get(), x) &&
         PEM_write_bio_PrivateKey(kbio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    if (!ok) {
        error = "OpenSSL: cannot create the Electrum TLS certificate";
        return false;
    }
    cert_pem = BioText(cbio.get());
    key_pem = BioText(kbio.get());
    return true;
}
}  // namespace

bool EnsureElectrumCertificate(const std::filesystem::path& dir, std::string& cert_file, std::string& key_file,
                               std::string& error)
{
    const std::filesystem::path cert = dir / ELECTRUM_CERT_FILENAME, key = dir / ELECTRUM_KEY_FILENAME;
    cert_file = cert.string();
    key_file = key.string();
    std::error_code ec;
    const bool have_cert = std::filesystem::exists(cert, ec), have_key = std::filesystem::exists(key, ec);
    if (have_cert && have_key) return true;  // made at an earlier start: clients have pinned it
    if (have_cert != have_key) {
        error = "Found only one of " + cert.string() + " and " + key.string() +
                "; remove it (a new self-signed pair is then made) or give -electrumcert and -electrumkey";
        return false;
    }
    std::string cert_pem, key_pem;
    if (!MakeSelfSignedCertificate(cert_pem, key_pem, error)) return false;
    // The key first and private to the owner; the certificate last, so a crash in between is reported above.
    if (!WriteNewFile(key, key_pem, 0600, error)) return false;
    if (!WriteNewFile(cert, cert_pem, 0644, error)) {
        std::filesystem::remove(key, ec);
        return false;
    }
    LogPrintf("Electrum: created a self-signed TLS certificate %s (key %s)\n", cert.c_str(), key.c_str());
    return true;
}

uint16_t ElectrumDefaultPort(Chain chain)
{
    switch (chain) {
    case Chain::MAIN: return 50001;
    case Chain::TESTNET:
    case Chain::TESTNET4: return 60001;
    case Chain::SIGNET: return 60601;
    case Chain::REGTEST: return 60401;
    }
    return 50001;
}

void RegisterElectrumArgs(ArgsManager& args)
{
    using A = ArgsManager;
    const auto CAT = OptionsCategory::OPTIONS;
    args.AddArg("-electrum", "Run an Electrum protocol 1.4 server (maintains the Electrum history index) (default: 0)",
                A::ALLOW_ANY, CAT);
    args.AddArg("-electrumbind=<addr>", "Bind the Electrum server to this address (default: 127.0.0.1)", A::ALLOW_ANY, CAT);
    args.AddArg("-electrumport=<port>",
                "Listen for Electrum connections on <port> (default: 50001, testnet: 60001, signet: 60601, regtest: 60401)",
                A::ALLOW_ANY, CAT);
    args.AddArg("-electrumsslport=<port>",
                "Also listen for Electrum connections over TLS on <port> (default: none; 50002 is the usual mainnet port)",
                A::ALLOW_ANY, CAT);
    args.AddArg("-electrumcert=<file>",
                "PEM certificate (chain) for -electrumsslport (default: a self-signed one made in the data directory)",
                A::ALLOW_ANY, CAT);
    args.AddArg("-electrumkey=<file>", "PEM private key of -electrumcert", A::ALLOW_ANY, CAT);
    args.AddArg("-electrumwsport=<port>",
                "Also listen for Electrum connections over WebSocket on <port>, one JSON-RPC message per frame (default: none)",
                A::ALLOW_ANY, CAT);
    args.AddArg("-electrummaxconnections=<n>",
                "Maximum simultaneous Electrum connections, TCP, TLS and WebSocket together (default: 500)", A::ALLOW_ANY, CAT);
    args.AddArg("-electrummaxsubs=<n>", "Maximum scripthash subscriptions per Electrum connection (default: 10000)",
                A::ALLOW_ANY, CAT);
    args.AddArg("-electrummaxrequestsize=<n>", "Maximum size in bytes of one Electrum request line (default: 1000000)",
                A::ALLOW_ANY, CAT);
    args.AddArg("-electrumratelimit=<n>", "Maximum Electrum requests per second per connection (default: 500)",
                A::ALLOW_ANY, CAT);
    args.AddArg("-electrummaxhistory=<n>",
                "Maximum history entries (or unspent outputs) returned for one scripthash (default: 100000)",
                A::ALLOW_ANY, CAT);
    args.AddArg("-electrumbanner=<text>", "Text returned by server.banner", A::ALLOW_ANY, CAT);
    args.AddArg("-electrumdonationaddress=<addr>", "Address returned by server.donation_address (default: none)",
                A::ALLOW_ANY, CAT);
}

bool ElectrumOptionsFromArgs(const ArgsManager& args, uint16_t default_port, ElectrumOptions& out, std::string& error)
{
    const auto binds = args.GetArgs("-electrumbind");
    if (!binds.empty()) out.bind = binds;
    const int64_t port = args.GetIntArg("-electrumport", default_port);
    if (port <= 0 || port > 65535) {
        error = "Invalid -electrumport: " + std::to_string(port);
        return false;
    }
    out.port = static_cast<uint16_t>(port);
    for (const auto& [name, field] : {std::pair<const char*, uint16_t*>{"-electrumsslport", &out.ssl_port},
                                      std::pair<const char*, uint16_t*>{"-electrumwsport", &out.ws_port}}) {
        if (!args.IsArgSet(name)) continue;
        const int64_t p = args.GetIntArg(name, 0);
        if (p <= 0 || p > 65535) {
            error = std::string("Invalid ") + name + ": " + args.GetArg(name, "");
            return false;
        }
        *field = static_cast<uint16_t>(p);
    }
    out.cert_file = args.GetArg("-electrumcert", "");
    out.key_file = args.GetArg("-electrumkey", "");
    if (out.cert_file.empty() != out.key_file.empty()) {
        error = "-electrumcert and -electrumkey must be given together";
        return false;
    }
    auto positive = [&](const char* name, int64_t def, int64_t& value) {
        value = args.GetIntArg(name, def);
        if (value <= 0) {
            error = std::string("Invalid ") + name + ": must be positive";
            return false;
        }
        return true;
    };
    int64_t v;
    if (!positive("-electrummaxconnections", static_cast<int64_t>(out.max_connections), v)) return false;
    out.max_connections = static_cast<size_t>(v);
    if (!positive("-electrummaxsubs", static_cast<int64_t>(out.max_subscriptions), v)) return false;
    out.max_subscriptions = static_cast<size_t>(v);
    if (!positive("-electrummaxrequestsize", static_cast<int64_t>(out.max_request_bytes), v)) return false;
    out.max_request_bytes = static_cast<size_t>(v);
    if (!positive("-electrumratelimit", static_cast<int64_t>(out.max_requests_per_second), v)) return false;
    out.max_requests_per_second = static_cast<double>(v);
    if (!positive("-electrummaxhistory", static_cast<int64_t>(out.max_history), v)) return false;
    out.max_history = static_cast<size_t>(v);
    out.banner = args.GetArg("-electrumbanner", out.banner);
    out.donation_address = args.GetArg("-electrumdonationaddress", out.donation_address);
    return true;
}

// ---- sessions ------------------------------------------------------------------------------------------

struct ElectrumServer::Impl {
    asio::io_context ioc;
    std::vector<std::pair<std::unique_ptr<tcp::acceptor>, ElectrumListener>> acceptors;
    std::unique_ptr<asio::ssl::context> ssl;
    std::vector<std::thread> threads;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
};

namespace {
/** The stream under one session: plain TCP, TLS or WebSocket. Called on the session's strand only; the session
 *  owns the transport and its handlers keep the session alive. */
class ElectrumTransport
{
public:
    using Done = std::function<void(boost::system::error_code)>;
    /** What was read: some bytes (TCP, TLS) or one whole message (WebSocket). */
    using OnRead = std::function<void(boost::system::error_code, std::string_view)>;
    virtual ~ElectrumTransport() = default;
    virtual asio::any_io_executor Executor() = 0;
    /** TLS handshake or WebSocket upgrade; nothing for TCP. */
    virtual void Handshake(Done done) = 0;
    virtual void Read(OnRead on_read) = 0;
    /** Writes one newline-terminated JSON message; `data` stays alive until `done`. */
    virtual void Write(const std::string& data, Done done) = 0;
    /** True when every read is one JSON-RPC message (WebSocket frames), not a byte stream split on newlines. */
    virtual bool MessageFramed() const = 0;
    /** Orderly end, so the peer still gets what was written (TCP: half-close and discard input; TLS:
     *  close_notify; WebSocket: close frame); `done` when finished. */
    virtual void Shutdown(Done done) = 0;
    virtual void Close() = 0;
    /** Whether a read error means the message was over the size limit. */
    virtual bool TooBig(const boost::system::error_code&) const { return false; }
};

class TcpTransport final : public ElectrumTransport
{
public:
    explicit TcpTransport(tcp::socket socket) : m_socket(std::move(socket)) {}
    asio::any_io_executor Executor() override { return m_socket.get_executor(); }
    void Handshake(Done done) override { done({}); }
    void Read(OnRead on_read) override
    {
        m_socket.async_read_some(asio::buffer(m_buf), [this, on_read = std::move(on_read)](boost::system::error_code ec, size_t n) {
            on_read(ec, std::string_view(m_buf.data(), n));
        });
    }
    void Write(const std::string& data, Done done) override
    {
        asio::async_write(m_socket, asio::buffer(data), [done = std::move(done)](boost::system::error_code ec, size_t) { done(ec); });
    }
    bool MessageFramed() const override { return false; }
    void Shutdown(Done done) override
    {
        // Closing with unread input would reset the connection and the peer could lose the last answer.
        boost::system::error_code ec;
        m_socket.shutdown(tcp::socket::shutdown_send, ec);
        Drain(std::move(done));
    }
    void Close() override
    {
        boost::system::error_code ec;
        m_socket.shutdown(tcp::socket::shutdown_both, ec);
        m_socket.close(ec);
    }

private:
    void Drain(Done done)
    {
        m_socket.async_read_some(asio::buffer(m_buf), [this, done = std::move(done)](boost::system::error_code ec, size_t) mutable {
            if (ec) {
                done(ec);
                return;
            }
            Drain(std::move(done));
        });
    }
    tcp::socket m_socket;
    std::array<char, 16384> m_buf{};
};

class TlsTransport final : public ElectrumTransport
{
public:
    TlsTransport(tcp::socket socket, asio::ssl::context& ctx) : m_stream(std::move(socket), ctx) {}
    asio::any_io_executor Executor() override { return m_stream.get_executor(); }
    void Handshake(Done done) override { m_stream.async_handshake(asio::ssl::stream_base::server, std::move(done)); }
    void Read(OnRead on_read) override
    {
        m_stream.async_read_some(asio::buffer(m_buf), [this, on_read = std::move(on_read)](boost::system::error_code ec, size_t n) {
            on_read(ec, std::string_view(m_buf.data(), n));
        });
    }
    void Write(const std::string& data, Done done) override
    {
        asio::async_write(m_stream, asio::buffer(data), [done = std::move(done)](boost::system::error_code ec, size_t) { done(ec); });
    }
    bool MessageFramed() const override { return false; }
    void Shutdown(Done done) override { m_stream.async_shutdown(std::move(done)); }
    void Close() override
    {
        boost::system::error_code ec;
        m_stream.lowest_layer().shutdown(tcp::socket::shutdown_both, ec);
        m_stream.lowest_layer().close(ec);
    }

private:
    asio::ssl::stream<tcp::socket> m_stream;
    std::array<char, 16384> m_buf{};
};

class WsTransport final : public ElectrumTransport
{
public:
    WsTransport(tcp::socket socket, size_t max_message) : m_ws(std::move(socket))
    {
        m_ws.read_message_max(max_message);
        m_ws.text(true);
        beast::websocket::stream_base::timeout t{};
        t.handshake_timeout = std::chrono::seconds(10);
        t.idle_timeout = beast::websocket::stream_base::none();
        t.keep_alive_pings = false;
        m_ws.set_option(t);
        m_ws.set_option(beast::websocket::stream_base::decorator([](beast::websocket::response_type& res) {
            res.set(beast::http::field::server, ELECTRUM_SERVER_VERSION);
        }));
    }
    asio::any_io_executor Executor() override { return m_ws.get_executor(); }
    void Handshake(Done done) override { m_ws.async_accept(std::move(done)); }
    void Read(OnRead on_read) override
    {
        m_buf.clear();
        m_ws.async_read(m_buf, [this, on_read = std::move(on_read)](boost::system::error_code ec, size_t) {
            const auto data = m_buf.data();
            on_read(ec, std::string_view(static_cast<const char*>(data.data()), data.size()));
        });
    }
    void Write(const std::string& data, Done done) override
    {
        // One JSON-RPC message per frame, without the line terminator of the stream transports.
        const size_t n = !data.empty() && data.back() == '\n' ? data.size() - 1 : data.size();
        m_ws.async_write(asio::buffer(data.data(), n), [done = std::move(done)](boost::system::error_code ec, size_t) { done(ec); });
    }
    bool MessageFramed() const override { return true; }
    void Shutdown(Done done) override { m_ws.async_close(beast::websocket::close_code::normal, std::move(done)); }
    void Close() override
    {
        boost::system::error_code ec;
        m_ws.next_layer().shutdown(tcp::socket::shutdown_both, ec);
        m_ws.next_layer().close(ec);
    }
    bool TooBig(const boost::system::error_code& ec) const override { return ec == beast::websocket::error::message_too_big; }

private:
    beast::websocket::stream<tcp::socket> m_ws;
    beast::flat_buffer m_buf;
};
}  // namespace

class ElectrumSession : public std::enable_shared_from_this<ElectrumSession>
{
public:
    ElectrumSession(ElectrumServer& server, std::unique_ptr<ElectrumTransport> transport)
        : m_server(server), m_transport(std::move(transport)), m_executor(m_transport->Executor())
    {
        m_tokens = server.Options().max_requests_per_second;
        m_last_refill = std::chrono::steady_clock::now();
    }
    ~ElectrumSession()
    {
        m_server.EndSession(m_state);
        m_server.RemoveSession(this);
    }

    /** Handshake (TLS, WebSocket) within 10 s, then requests. */
    void Start()
    {
        m_handshake_timer = std::make_unique<asio::steady_timer>(m_executor, std::chrono::seconds(10));
        m_handshake_timer->async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (!ec && !self->m_handshake_done) self->DoClose();
        });
        m_transport->Handshake([self = shared_from_this()](boost::system::error_code ec) {
            self->m_handshake_done = true;
            self->m_handshake_timer->cancel();
            if (ec || self->m_closed) {
                self->DoClose();
                return;
            }
            self->Read();
        });
    }
    void Close()
    {
        asio::post(m_executor, [self = shared_from_this()] { self->DoClose(); });
    }

    /** Runs on the session's strand: sends what changed for this session. */
    void Notify(std::shared_ptr<const std::map<ElectrumScripthash, std::optional<std::string>>> statuses,
                std::shared_ptr<const JsonValue> tip)
    {
        asio::post(m_executor, [self = shared_from_this(), statuses, tip] {
            if (self->m_closed || !self->m_handshake_done) return;
            if (tip && self->m_state.headers_subscribed) {
                JsonValue params = JsonValue::Array();
                params.PushBack(*tip);
                self->Send(Notification("blockchain.headers.subscribe", std::move(params)));
            }
            if (!statuses) return;
            for (const auto& [sh, status] : *statuses) {
                auto it = self->m_state.subs.find(sh);
                if (it == self->m_state.subs.end() || it->second == status) continue;
                it->second = status;
                JsonValue params = JsonValue::Array();
                params.PushBack(ScriptHashToHex(sh));
                params.PushBack(status ? JsonValue(*status) : JsonValue());
                self->Send(Notification("blockchain.scripthash.subscribe", std::move(params)));
            }
        });
    }

    // State used by the method handlers (strand only).
    ElectrumSessionState m_state;

private:
    void Read()
    {
        if (m_closed) return;
        m_transport->Read([self = shared_from_this()](boost::system::error_code ec, std::string_view data) {
            if (ec) {
                if (self->m_transport->TooBig(ec) && !self->m_closed) {
                    self->TooLarge();
                } else {
                    self->DoClose();
                }
                return;
            }
            self->OnData(data);
        });
    }

    void OnData(std::string_view data)
    {
        if (m_transport->MessageFramed()) {
            // One WebSocket message is one request or batch (the transport enforces the size limit).
            while (!data.empty() && (data.back() == '\n' || data.back() == '\r')) data.remove_suffix(1);
            if (!data.empty()) HandleLine(data);
        } else {
            m_inbuf.append(data);
            size_t start = 0;
            while (!m_closing) {
                const size_t nl = m_inbuf.find('\n', start);
                if (nl == std::string::npos) break;
                if (nl - start > m_server.Options().max_request_bytes) {
                    TooLarge();
                    break;
                }
                std::string_view line(m_inbuf.data() + start, nl - start);
                if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
                if (!line.empty()) HandleLine(line);
                start = nl + 1;
            }
            // A request that closed the connection (rate limit) has already dropped the buffer.
            if (start <= m_inbuf.size()) {
                m_inbuf.erase(0, start);
            } else {
                m_inbuf.clear();
            }
            if (!m_closing && m_inbuf.size() > m_server.Options().max_request_bytes) TooLarge();
        }
        if (m_closing || m_closed) return;
        if (m_out_bytes > PAUSE_READ_OUTPUT) {
            m_read_paused = true;
        } else {
            Read();
        }
    }

    void TooLarge()
    {
        const JsonValue err = ErrorObject(JSONRPC_INVALID_REQUEST, "request too large (over " +
                                          std::to_string(m_server.Options().max_request_bytes) + " bytes)");
        Send(Response(JsonValue(), nullptr, &err) + "\n");
        CloseAfterWrite();
    }

    /** Closes once the queued output is written. The caller may still queue the final answer (the rate limit
     *  returns its error after deciding to close), so the check runs after the current handler. */
    void CloseAfterWrite()
    {
        m_closing = true;
        m_inbuf.clear();
        asio::post(m_executor, [self = shared_from_this()] {
            if (!self->m_writing) self->Linger();
        });
    }

    /** Ends the connection in order (for up to 2 s) so that the client still reads the final error message:
     *  TCP half-closes and discards what the client still sends, TLS and WebSocket send their close messages. */
    void Linger()
    {
        if (m_closed || m_lingering) return;
        m_lingering = true;
        m_linger_timer = std::make_unique<asio::steady_timer>(m_executor, std::chrono::seconds(2));
        m_linger_timer->async_wait([self = shared_from_this()](boost::system::error_code) { self->DoClose(); });
        m_transport->Shutdown([self = shared_from_this()](boost::system::error_code) { self->DoClose(); });
    }

    /** Token bucket: max_requests_per_second per second, bursts up to the same number. */
    bool TakeToken()
    {
        const double rate = m_server.Options().max_requests_per_second;
        const auto now = std::chrono::steady_clock::now();
        m_tokens = std::min(rate, m_tokens + rate * std::chrono::duration<double>(now - m_last_refill).count());
        m_last_refill = now;
        if (m_tokens < 1) return false;
        m_tokens -= 1;
        return true;
    }

    void HandleLine(std::string_view line)
    {
        bool close = false;
        std::string answer = m_server.HandleMessage(m_state, line, [this] { return TakeToken(); }, close);
        if (!answer.empty()) Send(answer + "\n");
        if (close) CloseAfterWrite();
    }

    void Send(std::string data)
    {
        if (m_closed) return;
        m_out_bytes += data.size();
        if (m_out_bytes > MAX_PENDING_OUTPUT) {
            LogPrintf("Electrum: closing a connection that does not read its answers\n");
            DoClose();
            return;
        }
        m_outq.push_back(std::move(data));
        if (!m_writing) WriteNext();
    }

    void WriteNext()
    {
        if (m_outq.empty() || m_closed) {
            m_writing = false;
            if (m_closing) Linger();
            return;
        }
        m_writing = true;
        m_transport->Write(m_outq.front(), [self = shared_from_this()](boost::system::error_code ec) {
                              // A close meanwhile (linger timer, read error) emptied the queue this buffer
                              // belonged to: nothing more to account for.
                              if (ec || self->m_closed || self->m_outq.empty()) {
                                  self->DoClose();
                                  return;
                              }
                              self->m_out_bytes -= self->m_outq.front().size();
                              self->m_outq.pop_front();
                              if (self->m_read_paused && self->m_out_bytes <= PAUSE_READ_OUTPUT / 2 && !self->m_closing) {
                                  self->m_read_paused = false;
                                  self->Read();
                              }
                              self->WriteNext();
                          });
    }

    void DoClose()
    {
        if (m_closed) return;
        m_closed = true;
        if (m_linger_timer) m_linger_timer->cancel();
        if (m_handshake_timer) m_handshake_timer->cancel();
        m_transport->Close();
        // A write in flight still points into the queue's front: the queue goes with the session then.
        if (!m_writing) m_outq.clear();
        m_server.RemoveSession(this);
    }

    ElectrumServer& m_server;
    std::unique_ptr<ElectrumTransport> m_transport;
    asio::any_io_executor m_executor;
    std::unique_ptr<asio::steady_timer> m_handshake_timer;
    bool m_handshake_done{false};
    std::string m_inbuf;
    std::deque<std::string> m_outq;
    size_t m_out_bytes{0};
    bool m_writing{false};
    bool m_closing{false};
    bool m_closed{false};
    bool m_read_paused{false};
    bool m_lingering{false};
    std::unique_ptr<asio::steady_timer> m_linger_timer;
    double m_tokens{0};
    std::chrono::steady_clock::time_point m_last_refill;
};

// ---- server --------------------------------------------------------------------------------------------

ElectrumServer::ElectrumServer(NodeContext& node, ScripthashIndex& index, ElectrumOptions options)
    : m_node(node), m_index(index), m_opts(std::move(options)), m_impl(std::make_unique<Impl>())
{
}

ElectrumServer::~ElectrumServer()
{
    Stop();
    // Sessions still queued in the io_context refer to the members below: destroy them first.
    m_impl.reset();
}

namespace {
void AcceptLoop(ElectrumServer& server, tcp::acceptor& acceptor, asio::io_context& ioc, ElectrumListener kind,
                asio::ssl::context* ssl)
{
    acceptor.async_accept(asio::make_strand(ioc), [&server, &acceptor, &ioc, kind, ssl](boost::system::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
        if (!ec) {
            // One limit for all transports: TCP, TLS and WebSocket sessions count together.
            if (server.SessionCount() >= server.Options().max_connections) {
                boost::system::error_code ignored;
                socket.close(ignored);
            } else {
                socket.set_option(tcp::no_delay(true), ec);
                std::unique_ptr<ElectrumTransport> transport;
                switch (kind) {
                case ElectrumListener::TCP: transport = std::make_unique<TcpTransport>(std::move(socket)); break;
                case ElectrumListener::TLS: transport = std::make_unique<TlsTransport>(std::move(socket), *ssl); break;
                case ElectrumListener::WS:
                    transport = std::make_unique<WsTransport>(std::move(socket), server.Options().max_request_bytes);
                    break;
                }
                auto session = std::make_shared<ElectrumSession>(server, std::move(transport));
                server.AddSession(session);
                session->Start();
            }
        }
        AcceptLoop(server, acceptor, ioc, kind, ssl);
    });
}
}  // namespace

bool ElectrumServer::Start(std::string& error)
{
    if (m_opts.ssl_port != 0) {
        std::string cert = m_opts.cert_file, key = m_opts.key_file;
        if (cert.empty() != key.empty()) {
            error = "-electrumcert and -electrumkey must be given together";
            return false;
        }
        if (cert.empty() && !EnsureElectrumCertificate(m_opts.data_dir, cert, key, error)) return false;
        try {
            auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
            ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                             asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                             asio::ssl::context::single_dh_use);
            ctx->use_certificate_chain_file(cert);
            ctx->use_private_key_file(key, asio::ssl::context::pem);
            m_impl->ssl = std::move(ctx);
        } catch (const boost::system::system_error& e) {
            error = "Unable to load the Electrum TLS certificate " + cert + " / key " + key + ": " + e.what();
            return false;
        }
    }
    std::vector<std::pair<uint16_t, ElectrumListener>> ports{{m_opts.port, ElectrumListener::TCP}};
    if (m_opts.ssl_port != 0) ports.emplace_back(m_opts.ssl_port, ElectrumListener::TLS);
    if (m_opts.ws_port != 0) ports.emplace_back(m_opts.ws_port, ElectrumListener::WS);
    for (const std::string& addr : m_opts.bind) {
        boost::system::error_code ec;
        const auto ip = asio::ip::make_address(addr, ec);
        if (ec) {
            error = "Invalid -electrumbind address: " + addr;
            return false;
        }
        for (const auto& [port, kind] : ports) {
            auto acceptor = std::make_unique<tcp::acceptor>(m_impl->ioc);
            const tcp::endpoint ep(ip, port);
            acceptor->open(ep.protocol(), ec);
            if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
            if (!ec) acceptor->bind(ep, ec);
            if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
            if (ec) {
                error = "Unable to bind the Electrum server to " + addr + ":" + std::to_string(port) + ": " +
                        ec.message() + ". Is another server already running?";
                return false;
            }
            m_impl->acceptors.emplace_back(std::move(acceptor), kind);
        }
    }
    {
        std::set<ElectrumScripthash> ignored;
        SyncMempool(ignored);
    }
    m_node.notifications->Register(this);
    m_registered = true;
    m_index.m_on_change = [this](const std::set<ElectrumScripthash>& changed) {
        std::lock_guard lock(m_notify_mutex);
        m_changed.insert(changed.begin(), changed.end());
        m_mempool_dirty = true;
        m_notify_cv.notify_one();
    };
    m_notifier = std::thread([this] { NotifierThread(); });
    for (auto& [acceptor, kind] : m_impl->acceptors) AcceptLoop(*this, *acceptor, m_impl->ioc, kind, m_impl->ssl.get());
    m_impl->work.emplace(m_impl->ioc.get_executor());
    for (unsigned i = 0; i < std::max(1u, m_opts.threads); ++i) {
        m_impl->threads.emplace_back([this] { m_impl->ioc.run(); });
    }
    return true;
}

std::vector<uint16_t> ElectrumServer::BoundPorts(ElectrumListener kind) const
{
    std::vector<uint16_t> ports;
    for (const auto& [a, k] : m_impl->acceptors) {
        if (k != kind) continue;
        boost::system::error_code ec;
        auto ep = a->local_endpoint(ec);
        if (!ec) ports.push_back(ep.port());
    }
    return ports;
}

void ElectrumServer::Stop()
{
    if (m_registered) {
        m_node.notifications->Unregister(this);
        m_registered = false;
    }
    m_index.m_on_change = nullptr;
    {
        std::lock_guard lock(m_notify_mutex);
        m_stop = true;
        m_notify_cv.notify_all();
    }
    if (m_notifier.joinable()) m_notifier.join();
    asio::post(m_impl->ioc, [this] {
        for (auto& [a, kind] : m_impl->acceptors) {
            boost::system::error_code ec;
            a->close(ec);
        }
    });
    std::vector<std::shared_ptr<ElectrumSession>> sessions;
    {
        std::lock_guard lock(m_sessions_mutex);
        for (auto& [p, w] : m_sessions) {
            if (auto s = w.lock()) sessions.push_back(s);
        }
    }
    for (auto& s : sessions) s->Close();
    sessions.clear();
    m_impl->work.reset();
    // Sessions close asynchronously; give them a moment, then stop the loop.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (SessionCount() > 0 && std::chrono::steady_clock::now() < deadline && !m_impl->threads.empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    m_impl->ioc.stop();
    for (auto& t : m_impl->threads) t.join();
    m_impl->threads.clear();
    m_impl->acceptors.clear();
}

size_t ElectrumServer::SessionCount() const
{
    std::lock_guard lock(m_sessions_mutex);
    return m_sessions.size();
}

void ElectrumServer::AddSession(const std::shared_ptr<ElectrumSession>& session)
{
    std::lock_guard lock(m_sessions_mutex);
    m_sessions.emplace(session.get(), session);
}

void ElectrumServer::RemoveSession(ElectrumSession* session)
{
    std::lock_guard lock(m_sessions_mutex);
    m_sessions.erase(session);
}

void ElectrumServer::EndSession(ElectrumSessionState& session)
{
    for (const auto& [sh, status] : session.subs) RemoveSubscriber(sh);
    session.subs.clear();
}

void ElectrumServer::AddSubscriber(const ElectrumScripthash& sh)
{
    std::lock_guard lock(m_sessions_mutex);
    ++m_subscribers[sh];
}

void ElectrumServer::RemoveSubscriber(const ElectrumScripthash& sh)
{
    std::lock_guard lock(m_sessions_mutex);
    auto it = m_subscribers.find(sh);
    if (it != m_subscribers.end() && --it->second == 0) m_subscribers.erase(it);
}

// ---- requests ------------------------------------------------------------------------------------------

std::string ElectrumServer::HandleMessage(ElectrumSessionState& session, std::string_view line,
                                          const std::function<bool()>& admit, bool& close)
{
    auto parsed = JsonValue::Parse(line);
    if (!parsed) {
        const JsonValue err = ErrorObject(JSONRPC_PARSE_ERROR, "invalid JSON");
        return Response(JsonValue(), nullptr, &err);
    }
    if (parsed->IsArray()) {
        if (parsed->size() == 0) {
            const JsonValue err = ErrorObject(JSONRPC_INVALID_REQUEST, "empty batch");
            return Response(JsonValue(), nullptr, &err);
        }
        std::string out = "[";
        bool any = false;
        for (const JsonValue& item : parsed->values()) {
            std::string r = HandleRequest(session, item, admit, close);
            if (r.empty()) continue;
            if (any) out += ",";
            out += r;
            any = true;
            if (close) break;
        }
        out += "]";
        return any ? out : std::string();
    }
    return HandleRequest(session, *parsed, admit, close);
}

std::string ElectrumServer::HandleRequest(ElectrumSessionState& session, const JsonValue& req,
                                          const std::function<bool()>& admit, bool& close)
{
    if (!req.IsObject()) {
        const JsonValue err = ErrorObject(JSONRPC_INVALID_REQUEST, "request must be an object");
        return Response(JsonValue(), nullptr, &err);
    }
    const bool has_id = req.Exists("id");
    const JsonValue& id = req["id"];
    if (has_id && !(id.IsNull() || id.IsStr() || id.IsNum())) {
        const JsonValue err = ErrorObject(JSONRPC_INVALID_REQUEST, "invalid request id");
        return Response(JsonValue(), nullptr, &err);
    }
    const JsonValue& method = req["method"];
    if (!method.IsStr()) {
        const JsonValue err = ErrorObject(JSONRPC_INVALID_REQUEST, "missing or invalid method");
        return Response(id, nullptr, &err);
    }
    const JsonValue& params = req["params"];
    if (!(params.IsNull() || params.IsArray() || params.IsObject())) {
        const JsonValue err = ErrorObject(JSONRPC_INVALID_REQUEST, "params must be an array or an object");
        return Response(id, nullptr, &err);
    }
    if (!admit()) {
        const JsonValue err = ErrorObject(ELECTRUM_BAD_REQUEST,
                                          "excessive resource usage: more than " +
                                              std::to_string(static_cast<int64_t>(m_opts.max_requests_per_second)) +
                                              " requests per second; disconnecting");
        close = true;
        return Response(id, nullptr, &err);
    }
    try {
        JsonValue result = Dispatch(session, method.GetValStr(), params);
        if (!has_id) return {};
        return Response(id, &result, nullptr);
    } catch (const ElectrumRpcError& e) {
        if (!has_id) return {};
        const JsonValue err = ErrorObject(e.code, e.what());
        return Response(id, nullptr, &err);
    } catch (const std::exception& e) {
        if (!has_id) return {};
        const JsonValue err = ErrorObject(JSONRPC_INTERNAL_ERROR, std::string("internal error: ") + e.what());
        return Response(id, nullptr, &err);
    }
}

// ---- node events ---------------------------------------------------------------------------------------

void ElectrumServer::WakeNotifier()
{
    std::lock_guard lock(m_notify_mutex);
    m_mempool_dirty = true;
    m_notify_cv.notify_one();
}

void ElectrumServer::UpdatedBlockTip(const BlockIndex&, const BlockIndex*, bool)
{
    std::lock_guard lock(m_notify_mutex);
    m_new_tip = true;
    m_mempool_dirty = true;
    m_notify_cv.notify_one();
}

void ElectrumServer::TransactionAddedToMempool(const TransactionRef&) { WakeNotifier(); }

void ElectrumServer::BlockConnected(const Block&, const BlockIndex&) { WakeNotifier(); }

void ElectrumServer::BlockDisconnected(const Block&, const BlockIndex&)
{
    // invalidateblock moves the tip back without an UpdatedBlockTip: subscribers still learn the new tip.
    std::lock_guard lock(m_notify_mutex);
    m_new_tip = true;
    m_mempool_dirty = true;
    m_notify_cv.notify_one();
}

void ElectrumServer::SyncMempool(std::set<ElectrumScripthash>& changed)
{
    ChainstateManager& cm = *m_node.chainman;
    std::lock_guard chain_lock(cm.Mutex());
    std::lock_guard pool_lock(m_node.mempool->m_mutex);
    std::lock_guard lock(m_mempool_mutex);
    const TxMemPool& pool = *m_node.mempool;
    // Nothing to do when neither the pool nor the tip moved since the last pass.
    const std::pair<uint64_t, uint256> seen{pool.GetTransactionsUpdated(), cm.Tip()->GetBlockHash()};
    if (m_mempool_seen && *m_mempool_seen == seen) return;
    m_mempool_seen = seen;
    auto forget = [&](std::map<uint256, MempoolTx>::iterator it) {
        for (const ElectrumScripthash& sh : it->second.touched) {
            changed.insert(sh);
            auto s = m_mempool_by_sh.find(sh);
            if (s != m_mempool_by_sh.end()) {
                s->second.erase(it->first);
                if (s->second.empty()) m_mempool_by_sh.erase(s);
            }
        }
        for (const auto& [sh, in] : it->second.inputs) m_mempool_spends.erase(in.first);
        return m_mempool.erase(it);
    };
    for (auto it = m_mempool.begin(); it != m_mempool.end();) {
        const MempoolEntry* e = pool.GetEntry(it->first);
        if (!e) {
            it = forget(it);
            continue;
        }
        // A parent confirmed: the entry's height changes from -1 to 0 (and back on a reorg).
        const bool unconfirmed_parents = !e->parents.empty();
        if (unconfirmed_parents != it->second.unconfirmed_parents) {
            it->second.unconfirmed_parents = unconfirmed_parents;
            changed.insert(it->second.touched.begin(), it->second.touched.end());
        }
        ++it;
    }
    if (m_mempool.size() == pool.Size()) return;
    for (const MempoolEntry* e : pool.SortedEntries()) {
        const uint256& txid = e->Txid();
        if (m_mempool.count(txid)) continue;
        MempoolTx info;
        info.fee = e->fee;
        info.unconfirmed_parents = !e->parents.empty();
        const Transaction& tx = *e->tx;
        for (const TxIn& in : tx.vin) {
            std::optional<TxOut> spent;
            if (TransactionRef parent = pool.Get(in.prevout.hash)) {
                if (in.prevout.n < parent->vout.size()) spent = parent->vout[in.prevout.n];
            } else if (auto coin = cm.CoinsTip().GetCoin(in.prevout)) {
                spent = coin->out;
            }
            if (!spent) continue;
            const ElectrumScripthash sh = ComputeScriptHash(spent->script_pubkey);
            info.inputs.push_back({sh, {in.prevout, spent->value}});
            info.touched.insert(sh);
            m_mempool_spends[in.prevout] = txid;
        }
        for (size_t n = 0; n < tx.vout.size(); ++n) {
            const ElectrumScripthash sh = ComputeScriptHash(tx.vout[n].script_pubkey);
            info.outputs.push_back({sh, {static_cast<uint32_t>(n), tx.vout[n].value}});
            info.touched.insert(sh);
        }
        for (const ElectrumScripthash& sh : info.touched) {
            m_mempool_by_sh[sh].insert(txid);
            changed.insert(sh);
        }
        m_mempool.emplace(txid, std::move(info));
    }
}

void ElectrumServer::RefreshMempool()
{
    std::set<ElectrumScripthash> changed;
    SyncMempool(changed);
    if (changed.empty()) return;
    // Subscribers learn about these through the notifier, as if it had seen the change first.
    std::lock_guard lock(m_notify_mutex);
    m_changed.insert(changed.begin(), changed.end());
    m_notify_cv.notify_one();
}

std::vector<ElectrumServer::MempoolRow> ElectrumServer::MempoolHistory(const ElectrumScripthash& sh)
{
    std::vector<MempoolRow> rows;
    std::lock_guard lock(m_mempool_mutex);
    auto it = m_mempool_by_sh.find(sh);
    if (it == m_mempool_by_sh.end()) return rows;
    for (const uint256& txid : it->second) {
        const MempoolTx& tx = m_mempool.at(txid);
        rows.push_back({txid, tx.unconfirmed_parents ? -1 : 0, tx.fee});
    }
    // Entries with confirmed parents (height 0) first, then those with unconfirmed parents (-1); by txid within.
    std::sort(rows.begin(), rows.end(), [](const MempoolRow& a, const MempoolRow& b) {
        if (a.height != b.height) return a.height > b.height;
        return a.txid.GetHex() < b.txid.GetHex();
    });
    return rows;
}

std::vector<HistoryRow> ElectrumServer::ConfirmedHistory(const ElectrumScripthash& sh)
{
    std::vector<HistoryRow> rows;
    if (!m_index.GetHistory(sh, m_opts.max_history, rows)) {
        BadRequest("history too large: more than " + std::to_string(m_opts.max_history) +
                   " entries (-electrummaxhistory)");
    }
    return rows;
}

std::optional<std::string> ElectrumServer::StatusOf(const ElectrumScripthash& sh)
{
    const std::vector<HistoryRow> confirmed = ConfirmedHistory(sh);
    const std::vector<MempoolRow> mempool = MempoolHistory(sh);
    if (confirmed.size() + mempool.size() > m_opts.max_history) {
        BadRequest("history too large: more than " + std::to_string(m_opts.max_history) +
                   " entries (-electrummaxhistory)");
    }
    std::vector<std::pair<uint256, int>> entries;
    entries.reserve(confirmed.size() + mempool.size());
    for (const HistoryRow& r : confirmed) entries.emplace_back(r.txid, r.height);
    for (const MempoolRow& r : mempool) entries.emplace_back(r.txid, r.height);
    return ElectrumStatusHash(entries);
}

JsonValue ElectrumServer::TipHeaderJson()
{
    std::lock_guard lock(m_node.chainman->Mutex());
    const BlockIndex* tip = m_node.chainman->Tip();
    JsonValue r = JsonValue::Object();
    r.PushKV("hex", HeaderHex(tip->GetBlockHeader()));
    r.PushKV("height", tip->height);
    return r;
}

void ElectrumServer::NotifierThread()
{
    std::unique_lock lock(m_notify_mutex);
    while (!m_stop) {
        m_notify_cv.wait_for(lock, MEMPOOL_POLL, [this] { return m_stop || m_new_tip || m_mempool_dirty || !m_changed.empty(); });
        if (m_stop) break;
        std::set<ElectrumScripthash> changed = std::move(m_changed);
        m_changed.clear();
        const bool new_tip = m_new_tip;
        m_new_tip = false;
        m_mempool_dirty = false;
        lock.unlock();
        try {
            SyncMempool(changed);
            std::vector<ElectrumScripthash> wanted;
            {
                std::lock_guard slock(m_sessions_mutex);
                for (const ElectrumScripthash& sh : changed) {
                    if (m_subscribers.count(sh)) wanted.push_back(sh);
                }
            }
            auto statuses = std::make_shared<std::map<ElectrumScripthash, std::optional<std::string>>>();
            for (const ElectrumScripthash& sh : wanted) {
                try {
                    (*statuses)[sh] = StatusOf(sh);
                } catch (const ElectrumRpcError&) {
                    // Over -electrummaxhistory: the subscriber got an error when subscribing; nothing to send.
                }
            }
            std::shared_ptr<const JsonValue> tip;
            if (new_tip) tip = std::make_shared<const JsonValue>(TipHeaderJson());
            if (tip || !statuses->empty()) {
                std::vector<std::shared_ptr<ElectrumSession>> sessions;
                {
                    std::lock_guard slock(m_sessions_mutex);
                    for (auto& [p, w] : m_sessions) {
                        if (auto s = w.lock()) sessions.push_back(std::move(s));
                    }
                }
                std::shared_ptr<const std::map<ElectrumScripthash, std::optional<std::string>>> st;
                if (!statuses->empty()) st = statuses;
                for (auto& s : sessions) s->Notify(st, tip);
            }
        } catch (const std::exception& e) {
            LogPrintf("Electrum notifier: %s\n", e.what());
        }
        lock.lock();
    }
}

// ---- methods -------------------------------------------------------------------------------------------

namespace {
/** Positional (array) or named (object) parameters of one method. */
class Params
{
public:
    Params(const JsonValue& params, std::vector<std::string> names) : m_params(params), m_names(std::move(names))
    {
        if (m_params.IsArray() && m_params.size() > m_names.size()) {
            InvalidParams("too many parameters: expected at most " + std::to_string(m_names.size()));
        }
        if (m_params.IsObject()) {
            for (const std::string& k : m_params.keys()) {
                if (std::find(m_names.begin(), m_names.end(), k) == m_names.end()) InvalidParams("unknown parameter " + k);
            }
        }
    }
    /** The i-th parameter, or nullptr when not given. */
    const JsonValue* Get(size_t i) const
    {
        if (m_params.IsArray()) return i < m_params.size() ? &m_params[i] : nullptr;
        if (m_params.IsObject() && m_params.Exists(m_names[i])) return &m_params[m_names[i]];
        return nullptr;
    }
    const JsonValue& Required(size_t i) const
    {
        const JsonValue* v = Get(i);
        if (!v) InvalidParams("missing parameter " + m_names[i]);
        return *v;
    }
    std::string Str(size_t i) const
    {
        const JsonValue& v = Required(i);
        if (!v.IsStr()) InvalidParams(m_names[i] + " must be a string");
        return v.GetValStr();
    }
    int64_t Int(size_t i, std::optional<int64_t> def = std::nullopt) const
    {
        const JsonValue* v = Get(i);
        if (!v || v->IsNull()) {
            if (def) return *def;
            InvalidParams("missing parameter " + m_names[i]);
        }
        auto n = ParseNonNegative(*v);
        if (!n) InvalidParams(m_names[i] + " should be a non-negative integer");
        return *n;
    }
    bool Bool(size_t i, bool def) const
    {
        const JsonValue* v = Get(i);
        if (!v || v->IsNull()) return def;
        if (!v->IsBool()) InvalidParams(m_names[i] + " must be a boolean");
        return v->GetBool();
    }
    ElectrumScripthash Hash(size_t i) const
    {
        const std::string s = Str(i);
        auto sh = ScriptHashFromHex(s);
        if (!sh) InvalidParams(s + " is not a valid script hash");
        return *sh;
    }
    uint256 TxHash(size_t i) const
    {
        const std::string s = Str(i);
        auto h = s.size() == 64 ? uint256::FromHex(s) : std::nullopt;
        if (!h) InvalidParams(s + " should be a transaction hash");
        return *h;
    }

private:
    const JsonValue& m_params;
    std::vector<std::string> m_names;
};

}  // namespace

JsonValue ElectrumServer::HeaderProof(int height, int cp_height)
{
    std::vector<uint256> hashes;
    {
        std::lock_guard lock(m_node.chainman->Mutex());
        const ActiveChain& chain = m_node.chainman->Chain();
        if (cp_height > chain.Height()) {
            BadRequest("cp_height " + std::to_string(cp_height) + " must be <= daemon height " + std::to_string(chain.Height()));
        }
        hashes.reserve(cp_height + 1);
        for (int h = 0; h <= cp_height; ++h) hashes.push_back(chain[h]->GetBlockHash());
    }
    uint256 root;
    std::vector<uint256> branch = MerkleBranch(std::move(hashes), static_cast<size_t>(height), &root);
    JsonValue r = JsonValue::Object();
    r.PushKV("branch", HashList(branch));
    r.PushKV("root", root.GetHex());
    return r;
}

JsonValue ElectrumServer::Dispatch(ElectrumSessionState& session, const std::string& method, const JsonValue& raw)
{
    ChainstateManager& cm = *m_node.chainman;
    auto index_ready = [&] {
        if (!m_index.GetSummary().synced) {
            throw ElectrumRpcError(ELECTRUM_DAEMON_ERROR, "the Electrum index is still catching up with the chain; "
                                                          "try again later");
        }
        // Answers see the mempool as it is now, not as of the notifier's last pass.
        RefreshMempool();
    };
    auto read_block_at = [&](int height) {
        std::lock_guard lock(cm.Mutex());
        const BlockIndex* index = height >= 0 ? cm.Chain()[height] : nullptr;
        if (!index) BadRequest("height " + std::to_string(height) + " out of range");
        auto block = cm.ReadBlock(*index);
        if (!block) throw ElectrumRpcError(ELECTRUM_DAEMON_ERROR, "cannot read block at height " + std::to_string(height));
        return std::make_pair(std::move(*block), index);
    };
    auto txids_of = [](const Block& block) {
        std::vector<uint256> txids;
        txids.reserve(block.vtx.size());
        for (const auto& tx : block.vtx) txids.push_back(tx->GetHash());
        return txids;
    };

    if (method == "server.version") {
        Params p(raw, {"client_name", "protocol_version"});
        if (session.version_negotiated) BadRequest("server.version already sent");
        std::string min = "1.4", max = "1.4";
        if (const JsonValue* v = p.Get(1); v && !v->IsNull()) {
            if (v->IsStr()) {
                min = max = v->GetValStr();
            } else if (v->IsArray() && v->size() == 2 && (*v)[0].IsStr() && (*v)[1].IsStr()) {
                min = (*v)[0].GetValStr();
                max = (*v)[1].GetValStr();
            } else {
                InvalidParams("invalid protocol version");
            }
        }
        if (const JsonValue* v = p.Get(0); v && !v->IsNull() && !v->IsStr()) InvalidParams("client_name must be a string");
        auto vmin = ParseVersion(min), vmax = ParseVersion(max), ours = ParseVersion(ELECTRUM_PROTOCOL_VERSION);
        if (!vmin || !vmax) InvalidParams("invalid protocol version: " + (vmin ? max : min));
        if (!(*vmin <= *ours && *ours <= *vmax)) {
            BadRequest("unsupported protocol version: " + (min == max ? min : "[" + min + ", " + max + "]"));
        }
        session.version_negotiated = true;
        JsonValue r = JsonValue::Array();
        r.PushBack(ELECTRUM_SERVER_VERSION);
        r.PushBack(ELECTRUM_PROTOCOL_VERSION);
        return r;
    }
    if (method == "server.banner") {
        Params p(raw, {});
        return JsonValue(m_opts.banner);
    }
    if (method == "server.donation_address") {
        Params p(raw, {});
        return JsonValue(m_opts.donation_address);
    }
    if (method == "server.features") {
        Params p(raw, {});
        JsonValue r = JsonValue::Object();
        r.PushKV("genesis_hash", m_node.params->consensus.hash_genesis_block.GetHex());
        r.PushKV("hosts", JsonValue::Object());
        r.PushKV("protocol_max", ELECTRUM_PROTOCOL_VERSION);
        r.PushKV("protocol_min", ELECTRUM_PROTOCOL_VERSION);
        r.PushKV("pruning", JsonValue());
        r.PushKV("server_version", ELECTRUM_SERVER_VERSION);
        r.PushKV("hash_function", "sha256");
        return r;
    }
    if (method == "server.peers.subscribe") {
        Params p(raw, {});
        return JsonValue::Array();
    }
    if (method == "server.ping") {
        Params p(raw, {});
        return JsonValue();
    }
    if (method == "blockchain.headers.subscribe") {
        Params p(raw, {});
        session.headers_subscribed = true;
        return TipHeaderJson();
    }
    if (method == "blockchain.block.header") {
        Params p(raw, {"height", "cp_height"});
        const int64_t height = p.Int(0), cp_height = p.Int(1, 0);
        std::string hex;
        {
            std::lock_guard lock(cm.Mutex());
            const BlockIndex* index = height <= cm.Chain().Height() ? cm.Chain()[static_cast<int>(height)] : nullptr;
            if (!index) BadRequest("height " + std::to_string(height) + " out of range");
            hex = HeaderHex(index->GetBlockHeader());
        }
        if (cp_height == 0) return JsonValue(hex);
        if (height > cp_height) {
            BadRequest("header height " + std::to_string(height) + " must be <= cp_height " + std::to_string(cp_height));
        }
        JsonValue proof = HeaderProof(static_cast<int>(height), static_cast<int>(std::min<int64_t>(cp_height, INT32_MAX)));
        JsonValue r = JsonValue::Object();
        r.PushKV("branch", proof["branch"]);
        r.PushKV("header", hex);
        r.PushKV("root", proof["root"]);
        return r;
    }
    if (method == "blockchain.block.headers") {
        Params p(raw, {"start_height", "count", "cp_height"});
        const int64_t start = p.Int(0), cp_height = p.Int(2, 0);
        int64_t count = std::min<int64_t>(p.Int(1), ELECTRUM_MAX_HEADERS);
        std::string hex;
        {
            std::lock_guard lock(cm.Mutex());
            const int64_t tip = cm.Chain().Height();
            count = start > tip ? 0 : std::min<int64_t>(count, tip - start + 1);
            hex.reserve(static_cast<size_t>(count) * 160);
            for (int64_t h = start; h < start + count; ++h) hex += HeaderHex(cm.Chain()[static_cast<int>(h)]->GetBlockHeader());
        }
        JsonValue r = JsonValue::Object();
        r.PushKV("count", count);
        r.PushKV("hex", hex);
        r.PushKV("max", ELECTRUM_MAX_HEADERS);
        if (cp_height != 0 && count > 0) {
            const int64_t last = start + count - 1;
            if (last > cp_height) {
                BadRequest("header height " + std::to_string(last) + " must be <= cp_height " + std::to_string(cp_height));
            }
            JsonValue proof = HeaderProof(static_cast<int>(last), static_cast<int>(std::min<int64_t>(cp_height, INT32_MAX)));
            r.PushKV("branch", proof["branch"]);
            r.PushKV("root", proof["root"]);
        }
        return r;
    }
    if (method == "blockchain.estimatefee") {
        Params p(raw, {"number", "mode"});
        const int64_t target = p.Int(0);
        if (const JsonValue* m = p.Get(1); m && !m->IsNull()) {
            if (!m->IsStr() || (m->GetValStr() != "CONSERVATIVE" && m->GetValStr() != "ECONOMICAL")) {
                InvalidParams("mode must be CONSERVATIVE or ECONOMICAL");
            }
        }
        const bool conservative = p.Get(1) && p.Get(1)->IsStr() && p.Get(1)->GetValStr() == "CONSERVATIVE";
        if (!m_node.fee_estimator || target < 1) return JsonValue(-1);
        FeeCalculation calc;
        const FeeRate rate = m_node.fee_estimator->EstimateSmartFee(static_cast<int>(std::min<int64_t>(target, 1008)), &calc,
                                                                    conservative);
        if (rate.GetFeePerK() <= 0) return JsonValue(-1);
        return ValueFromAmount(rate.GetFeePerK());
    }
    if (method == "blockchain.relayfee") {
        Params p(raw, {});
        return ValueFromAmount(m_node.mempool->Options().min_relay_feerate.GetFeePerK());
    }
    if (method == "mempool.get_fee_histogram") {
        Params p(raw, {});
        // (fee rate in sat/vB, vsize) of every entry, highest rate first, merged into bins that grow by 10%
        // from 100,000 vB, as ElectrumX reports it.
        std::vector<std::pair<double, int64_t>> rates;
        {
            std::lock_guard lock(m_node.mempool->m_mutex);
            for (const MempoolEntry* e : m_node.mempool->SortedEntries()) {
                rates.emplace_back(e->vsize > 0 ? static_cast<double>(e->fee) / static_cast<double>(e->vsize) : 0, e->vsize);
            }
        }
        std::sort(rates.begin(), rates.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
        JsonValue r = JsonValue::Array();
        double bin_size = 100'000, carry = 0;
        int64_t cum = 0;
        for (size_t i = 0; i < rates.size(); ++i) {
            cum += rates[i].second;
            const bool last_of_rate = i + 1 == rates.size() || rates[i + 1].first != rates[i].first;
            if (last_of_rate && static_cast<double>(cum) + carry > bin_size) {
                JsonValue bin = JsonValue::Array();
                char buf[32];
                std::snprintf(buf, sizeof(buf), "%.2f", rates[i].first);
                bin.PushBack(JsonValue::Number(buf));
                bin.PushBack(cum);
                r.PushBack(std::move(bin));
                carry += static_cast<double>(cum) - bin_size;
                cum = 0;
                bin_size *= 1.1;
            }
        }
        return r;
    }
    if (method == "blockchain.scripthash.get_balance") {
        Params p(raw, {"scripthash"});
        const ElectrumScripthash sh = p.Hash(0);
        index_ready();
        std::vector<UnspentRow> utxos;
        if (!m_index.GetUnspent(sh, m_opts.max_history, utxos)) {
            BadRequest("too many unspent outputs: more than " + std::to_string(m_opts.max_history) + " (-electrummaxhistory)");
        }
        Amount confirmed = 0, unconfirmed = 0;
        for (const UnspentRow& u : utxos) confirmed += u.value;
        {
            std::lock_guard lock(m_mempool_mutex);
            if (auto it = m_mempool_by_sh.find(sh); it != m_mempool_by_sh.end()) {
                for (const uint256& txid : it->second) {
                    const MempoolTx& tx = m_mempool.at(txid);
                    for (const auto& [osh, out] : tx.outputs) if (osh == sh) unconfirmed += out.second;
                    for (const auto& [ish, in] : tx.inputs) if (ish == sh) unconfirmed -= in.second;
                }
            }
        }
        JsonValue r = JsonValue::Object();
        r.PushKV("confirmed", confirmed);
        r.PushKV("unconfirmed", unconfirmed);
        return r;
    }
    if (method == "blockchain.scripthash.get_history" || method == "blockchain.scripthash.get_mempool") {
        Params p(raw, {"scripthash"});
        const ElectrumScripthash sh = p.Hash(0);
        index_ready();
        // Long histories are written straight to text (a JSON tree of 100,000 objects costs several times the
        // index read); the text is passed through as a verbatim JSON value.
        std::string text = "[";
        size_t n = 0;
        if (method == "blockchain.scripthash.get_history") {
            const std::vector<HistoryRow> rows = ConfirmedHistory(sh);
            text.reserve(rows.size() * 90 + 2);
            for (const HistoryRow& row : rows) {
                if (n++) text += ',';
                AppendHistoryJson(text, row.txid, row.height, std::nullopt);
            }
        }
        for (const MempoolRow& row : MempoolHistory(sh)) {
            if (n + 1 > m_opts.max_history) {
                BadRequest("history too large: more than " + std::to_string(m_opts.max_history) + " entries (-electrummaxhistory)");
            }
            if (n++) text += ',';
            AppendHistoryJson(text, row.txid, row.height, row.fee);
        }
        text += ']';
        return JsonValue::Number(std::move(text));
    }
    if (method == "blockchain.scripthash.listunspent") {
        Params p(raw, {"scripthash"});
        const ElectrumScripthash sh = p.Hash(0);
        index_ready();
        std::vector<UnspentRow> utxos;
        if (!m_index.GetUnspent(sh, m_opts.max_history, utxos)) {
            BadRequest("too many unspent outputs: more than " + std::to_string(m_opts.max_history) + " (-electrummaxhistory)");
        }
        JsonValue r = JsonValue::Array();
        auto push = [&](const uint256& txid, uint32_t vout, int height, Amount value) {
            JsonValue e = JsonValue::Object();
            e.PushKV("tx_hash", txid.GetHex());
            e.PushKV("tx_pos", vout);
            e.PushKV("height", height);
            e.PushKV("value", value);
            r.PushBack(std::move(e));
        };
        std::lock_guard lock(m_mempool_mutex);
        for (const UnspentRow& u : utxos) {
            if (!m_mempool_spends.count(OutPoint(u.txid, u.vout))) push(u.txid, u.vout, u.height, u.value);
        }
        if (auto it = m_mempool_by_sh.find(sh); it != m_mempool_by_sh.end()) {
            for (const uint256& txid : it->second) {
                const MempoolTx& tx = m_mempool.at(txid);
                for (const auto& [osh, out] : tx.outputs) {
                    if (osh == sh && !m_mempool_spends.count(OutPoint(txid, out.first))) push(txid, out.first, 0, out.second);
                }
            }
        }
        return r;
    }
    if (method == "blockchain.scripthash.subscribe") {
        Params p(raw, {"scripthash"});
        const ElectrumScripthash sh = p.Hash(0);
        index_ready();
        const bool known = session.subs.count(sh) > 0;
        if (!known && session.subs.size() >= m_opts.max_subscriptions) {
            BadRequest("too many subscriptions: at most " + std::to_string(m_opts.max_subscriptions) + " per connection");
        }
        if (!known) AddSubscriber(sh);
        std::optional<std::string> status;
        try {
            status = StatusOf(sh);
        } catch (...) {
            if (!known) RemoveSubscriber(sh);
            throw;
        }
        session.subs[sh] = status;
        return status ? JsonValue(*status) : JsonValue();
    }
    if (method == "blockchain.scripthash.unsubscribe") {
        Params p(raw, {"scripthash"});
        const ElectrumScripthash sh = p.Hash(0);
        auto it = session.subs.find(sh);
        if (it == session.subs.end()) return JsonValue(false);
        session.subs.erase(it);
        RemoveSubscriber(sh);
        return JsonValue(true);
    }
    if (method == "blockchain.transaction.broadcast") {
        Params p(raw, {"raw_tx"});
        const std::string hex = p.Str(0);
        auto bytes = TryParseHex(hex);
        if (!bytes) InvalidParams("raw_tx must be hex");
        auto mtx = DecodeTransaction(*bytes, true, true);
        if (!mtx) BadRequest("the transaction was rejected by network rules.\n\nTX decode failed\n[" + hex.substr(0, 200) + "]");
        TransactionRef tx = MakeTransactionRef(std::move(*mtx));
        {
            std::lock_guard lock(m_node.mempool->m_mutex);
            if (m_node.mempool->Exists(tx->GetHash())) return JsonValue(tx->GetHash().GetHex());
        }
        const MempoolAcceptResult result = m_node.ProcessTransaction(tx, false);
        if (result.result_type == MempoolAcceptResult::ResultType::INVALID) {
            BadRequest("the transaction was rejected by network rules.\n\n" + result.state.ToString() + "\n[" +
                       hex.substr(0, 200) + "]");
        }
        WakeNotifier();
        return JsonValue(tx->GetHash().GetHex());
    }
    if (method == "blockchain.transaction.get") {
        Params p(raw, {"tx_hash", "verbose"});
        const uint256 txid = p.TxHash(0);
        const bool verbose = p.Bool(1, false);
        TransactionRef tx;
        const BlockIndex* block_index = nullptr;
        {
            std::lock_guard lock(m_node.mempool->m_mutex);
            tx = m_node.mempool->Get(txid);
        }
        if (!tx) {
            index_ready();
            if (auto pos = m_index.FindTx(txid)) {
                auto [block, index] = read_block_at(pos->height);
                if (pos->pos < block.vtx.size() && block.vtx[pos->pos]->GetHash() == txid) {
                    tx = block.vtx[pos->pos];
                    block_index = index;
                }
            }
        }
        if (!tx) throw ElectrumRpcError(ELECTRUM_DAEMON_ERROR, "No such mempool or blockchain transaction. " + txid.GetHex());
        if (!verbose) return JsonValue(EncodeHexTx(*tx));
        JsonValue r = JsonValue::Object();
        TxToJson(*tx, block_index ? block_index->GetBlockHash() : uint256(), r, m_node.params->chain, true);
        if (block_index) {
            std::lock_guard lock(cm.Mutex());
            r.PushKV("confirmations", cm.Chain().Height() - block_index->height + 1);
            r.PushKV("time", block_index->GetBlockTime());
            r.PushKV("blocktime", block_index->GetBlockTime());
        }
        return r;
    }
    if (method == "blockchain.transaction.get_merkle") {
        Params p(raw, {"tx_hash", "height"});
        const uint256 txid = p.TxHash(0);
        const int64_t height = p.Int(1);
        auto [block, index] = read_block_at(static_cast<int>(std::min<int64_t>(height, INT32_MAX)));
        std::vector<uint256> txids = txids_of(block);
        auto it = std::find(txids.begin(), txids.end(), txid);
        if (it == txids.end()) BadRequest("tx " + txid.GetHex() + " not in block at height " + std::to_string(height));
        const size_t pos = static_cast<size_t>(it - txids.begin());
        JsonValue r = JsonValue::Object();
        r.PushKV("block_height", height);
        r.PushKV("merkle", HashList(MerkleBranch(std::move(txids), pos)));
        r.PushKV("pos", static_cast<uint64_t>(pos));
        return r;
    }
    if (method == "blockchain.transaction.id_from_pos") {
        Params p(raw, {"height", "tx_pos", "merkle"});
        const int64_t height = p.Int(0), tx_pos = p.Int(1);
        const bool merkle = p.Bool(2, false);
        auto [block, index] = read_block_at(static_cast<int>(std::min<int64_t>(height, INT32_MAX)));
        if (tx_pos >= static_cast<int64_t>(block.vtx.size())) {
            BadRequest("no tx at position " + std::to_string(tx_pos) + " in block at height " + std::to_string(height));
        }
        const uint256 txid = block.vtx[tx_pos]->GetHash();
        if (!merkle) return JsonValue(txid.GetHex());
        JsonValue r = JsonValue::Object();
        r.PushKV("tx_hash", txid.GetHex());
        r.PushKV("merkle", HashList(MerkleBranch(txids_of(block), static_cast<size_t>(tx_pos))));
        return r;
    }
    throw ElectrumRpcError(JSONRPC_METHOD_NOT_FOUND, "unknown method \"" + method + "\"");
}
