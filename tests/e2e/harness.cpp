// End-to-end harness: process control for sovereignd/sovereign-cli and a minimal HTTP/1.1 JSON-RPC client.
#include "harness.h"

#include <algorithm>

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace e2e {

std::string SovereigndPath() { return SOVEREIGND_PATH; }
std::string CliPath() { return SOVEREIGN_CLI_PATH; }
std::string UtilPath() { return SOVEREIGN_UTIL_PATH; }

uint16_t FreeLoopbackPort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("bind/getsockname on port 0 failed");
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

std::string Base64Encode(const std::string& in)
{
    static constexpr char TABLE[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
        out += TABLE[v >> 18];
        out += TABLE[(v >> 12) & 63];
        out += TABLE[(v >> 6) & 63];
        out += TABLE[v & 63];
    }
    if (i + 1 == in.size()) {
        const uint32_t v = uint8_t(in[i]) << 16;
        out += TABLE[v >> 18];
        out += TABLE[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == in.size()) {
        const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
        out += TABLE[v >> 18];
        out += TABLE[(v >> 12) & 63];
        out += TABLE[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

namespace {
int ConnectLoopback(uint16_t port, std::chrono::milliseconds timeout, std::string& error)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = "socket() failed";
        return -1;
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        error = std::string("connect: ") + std::strerror(errno);
        ::close(fd);
        return -1;
    }
    timeval tv{};
    tv.tv_sec = timeout.count() / 1000;
    tv.tv_usec = (timeout.count() % 1000) * 1000;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    return fd;
}

bool SendAll(int fd, const char* data, size_t size)
{
    while (size > 0) {
        const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

/** Parses "HTTP/1.1 200 OK\r\n...\r\n\r\nbody", decoding a chunked body if needed. */
void ParseResponse(const std::string& raw, HttpResponse& out)
{
    const size_t head_end = raw.find("\r\n\r\n");
    if (raw.compare(0, 5, "HTTP/") != 0 || head_end == std::string::npos) {
        out.error = raw.empty() ? "connection closed without a response" : "malformed HTTP response";
        return;
    }
    const size_t sp = raw.find(' ');
    out.status = std::atoi(raw.c_str() + sp + 1);
    std::string head = raw.substr(0, head_end);
    for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string body = raw.substr(head_end + 4);
    if (head.find("transfer-encoding: chunked") != std::string::npos) {
        std::string decoded;
        size_t pos = 0;
        while (pos < body.size()) {
            const size_t eol = body.find("\r\n", pos);
            if (eol == std::string::npos) break;
            const size_t len = std::strtoul(body.substr(pos, eol - pos).c_str(), nullptr, 16);
            if (len == 0) break;
            decoded += body.substr(eol + 2, len);
            pos = eol + 2 + len + 2;
        }
        body = decoded;
    } else if (size_t cl = head.find("content-length:"); cl != std::string::npos) {
        const size_t len = std::strtoul(head.c_str() + cl + 15, nullptr, 10);
        if (body.size() > len) body.resize(len);
    }
    out.body = std::move(body);
}

HttpResponse Exchange(uint16_t port, const std::string& request, size_t extra_body_bytes,
                      std::chrono::milliseconds timeout)
{
    HttpResponse res;
    const int fd = ConnectLoopback(port, timeout, res.error);
    if (fd < 0) return res;
    bool sent = SendAll(fd, request.data(), request.size());
    // Padding for oversized-body tests: the server may answer and close before it is all sent.
    const std::string chunk(1 << 16, 'x');
    while (sent && extra_body_bytes > 0) {
        const size_t n = std::min(extra_body_bytes, chunk.size());
        sent = SendAll(fd, chunk.data(), n);
        extra_body_bytes -= n;
    }
    std::string raw;
    char buf[1 << 14];
    while (true) {
        const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n < 0 && raw.empty()) res.error = std::string("recv: ") + std::strerror(errno);
            break;
        }
        raw.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    if (!raw.empty() || res.error.empty()) ParseResponse(raw, res);
    return res;
}
}  // namespace

HttpResponse HttpPost(uint16_t port, const std::string& target, const std::string& authorization,
                      const std::string& body, std::chrono::milliseconds timeout)
{
    std::ostringstream req;
    req << "POST " << target << " HTTP/1.1\r\n"
        << "Host: 127.0.0.1:" << port << "\r\n"
        << "Connection: close\r\n"
        << "Content-Type: application/json\r\n"
        << "Content-Length: " << body.size() << "\r\n";
    if (!authorization.empty()) req << "Authorization: " << authorization << "\r\n";
    req << "\r\n" << body;
    return Exchange(port, req.str(), 0, timeout);
}

HttpResponse HttpRaw(uint16_t port, const std::string& request, size_t extra_body_bytes,
                     std::chrono::milliseconds timeout)
{
    return Exchange(port, request, extra_body_bytes, timeout);
}

namespace {
std::string ReadFile(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

pid_t SpawnProcess(const std::string& path, const std::vector<std::string>& args, const fs::path& out_file,
                   const fs::path& err_file)
{
    std::vector<std::string> argv_s{path};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        const int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        const int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        const int devnull = ::open("/dev/null", O_RDONLY);
        if (out >= 0) ::dup2(out, 1);
        if (err >= 0) ::dup2(err, 2);
        if (devnull >= 0) ::dup2(devnull, 0);
        ::execv(path.c_str(), argv.data());
        ::_exit(127);
    }
    return pid;
}

std::optional<int> WaitPid(pid_t pid, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) return status;
        if (r < 0) return std::nullopt;
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(10ms);
    }
}

fs::path MakeTempDir(const std::string& prefix)
{
    std::string tmpl = (fs::temp_directory_path() / (prefix + "XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    return tmpl;
}
}  // namespace

ProcessResult RunProcess(const std::string& path, const std::vector<std::string>& args,
                         std::chrono::milliseconds timeout)
{
    const fs::path dir = MakeTempDir("sov-e2e-proc-");
    ProcessResult res;
    const pid_t pid = SpawnProcess(path, args, dir / "out", dir / "err");
    auto status = WaitPid(pid, timeout);
    if (!status) {
        ::kill(pid, SIGKILL);
        status = WaitPid(pid, 10s);
        res.err = "timed out; ";
    }
    if (status && WIFEXITED(*status)) res.exit_code = WEXITSTATUS(*status);
    res.out = ReadFile(dir / "out");
    res.err += ReadFile(dir / "err");
    std::error_code ec;
    fs::remove_all(dir, ec);
    return res;
}

Node::Node() : Node(Programs{SovereigndPath(), CliPath()}) {}

Node::Node(Programs programs) : m_programs(std::move(programs)), m_datadir(MakeTempDir("sov-e2e-node-")) {}

Node::~Node()
{
    if (m_pid > 0) Kill();
    if (!std::getenv("SOV_E2E_KEEP")) {
        std::error_code ec;
        fs::remove_all(m_datadir, ec);
    }
}

void Node::Spawn(const std::vector<std::string>& extra)
{
    if (m_pid > 0) throw std::runtime_error("node already running");
    m_port = FreeLoopbackPort();
    std::vector<std::string> args{"-regtest", "-datadir=" + m_datadir.string(), "-rpcport=" + std::to_string(m_port),
                                  "-rpcbind=127.0.0.1", "-rpcallowip=127.0.0.1", "-printtoconsole=0"};
    // P2P on its own loopback port, so nodes of parallel tests never share the default 18444.
    m_p2p_port = FreeLoopbackPort();
    args.push_back("-port=" + std::to_string(m_p2p_port));
    const bool has_bind = std::any_of(extra.begin(), extra.end(), [](const std::string& a) { return a.rfind("-bind", 0) == 0; });
    if (!has_bind) args.push_back("-bind=127.0.0.1");
    args.insert(args.end(), extra.begin(), extra.end());
    m_pid = SpawnProcess(m_programs.daemon, args, m_datadir / "stdout.txt", m_datadir / "stderr.txt");
}

bool Node::Start(const std::vector<std::string>& extra, std::chrono::milliseconds timeout)
{
    // The free port can be taken by another process between our probe and the node's bind: then try another one.
    for (int attempt = 0;; ++attempt) {
        const size_t err_before = ReadFile(m_datadir / "stderr.txt").size();
        Spawn(extra);
        if (WaitForRpc(timeout)) return true;
        if (Running() || attempt == 2) return false;
        if (ReadFile(m_datadir / "stderr.txt").find("Unable to bind", err_before) == std::string::npos) return false;
    }
}

bool Node::WaitForRpc(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!Running()) return false;
        if (fs::exists(CookieFile())) {
            const HttpResponse r = RawCall(R"({"jsonrpc":"1.0","id":"wait","method":"getblockcount","params":[]})");
            if (r.status == 200) return true;
        }
        std::this_thread::sleep_for(25ms);
    }
    return false;
}

bool Node::Running()
{
    if (m_pid <= 0) return false;
    int status = 0;
    const pid_t r = ::waitpid(m_pid, &status, WNOHANG);
    if (r == m_pid) {
        m_pid = -1;
        return false;
    }
    return true;
}

void Node::Signal(int sig)
{
    if (m_pid > 0) ::kill(m_pid, sig);
}

std::optional<int> Node::WaitExit(std::chrono::milliseconds timeout)
{
    if (m_pid <= 0) return std::nullopt;
    auto status = WaitPid(m_pid, timeout);
    if (status) m_pid = -1;
    return status;
}

void Node::Kill()
{
    if (m_pid <= 0) return;
    ::kill(m_pid, SIGKILL);
    WaitPid(m_pid, 30s);
    m_pid = -1;
}

std::optional<int> Node::StopRpc(std::chrono::milliseconds timeout)
{
    Rpc("stop");
    return WaitExit(timeout);
}

std::string Node::CookieAuthorization() const
{
    std::string cookie = ReadFile(CookieFile());
    while (!cookie.empty() && (cookie.back() == '\n' || cookie.back() == '\r')) cookie.pop_back();
    return "Basic " + Base64Encode(cookie);
}

HttpResponse Node::RawCall(const std::string& body, const std::string& authorization)
{
    return HttpPost(m_port, "/", authorization.empty() ? CookieAuthorization() : authorization, body);
}

nlohmann::json Node::Rpc(const std::string& method, const nlohmann::json& params, std::chrono::milliseconds timeout)
{
    return CallAt("/", method, params, timeout);
}

nlohmann::json Node::WalletRpc(const std::string& wallet, const std::string& method, const nlohmann::json& params)
{
    return CallAt("/wallet/" + wallet, method, params, std::chrono::seconds(120));
}

nlohmann::json Node::CallAt(const std::string& target, const std::string& method, const nlohmann::json& params,
                            std::chrono::milliseconds timeout)
{
    const nlohmann::json req = {{"jsonrpc", "1.0"}, {"id", ++m_id}, {"method", method}, {"params", params}};
    const HttpResponse r = HttpPost(m_port, target, CookieAuthorization(), req.dump(), timeout);
    if (r.status == 0) throw RpcError(0, method + ": no HTTP response: " + r.error);
    const nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        throw RpcError(0, method + ": HTTP " + std::to_string(r.status) + " with non-JSON body: " + r.body);
    }
    if (j.contains("error") && !j["error"].is_null()) {
        throw RpcError(j["error"].value("code", 0), method + ": " + j["error"].value("message", std::string{}));
    }
    return j["result"];
}

bool Node::HasMethod(const std::string& method)
{
    // `help <method>` also knows hidden commands (invalidateblock, reconsiderblock), which `help` does not list.
    const std::string help = Rpc("help", nlohmann::json::array({method})).get<std::string>();
    return help.rfind("help: unknown command", 0) != 0;
}

ProcessResult Node::Cli(const std::vector<std::string>& args) { return CliWith(m_programs.cli, args); }

ProcessResult Node::CliWith(const std::string& cli, const std::vector<std::string>& args)
{
    std::vector<std::string> all{"-regtest", "-datadir=" + m_datadir.string(), "-rpcport=" + std::to_string(m_port)};
    all.insert(all.end(), args.begin(), args.end());
    return RunProcess(cli, all);
}

std::string Node::LogTail(size_t lines) const
{
    const std::string log = ReadFile(NetDir() / "debug.log") + ReadFile(m_datadir / "stderr.txt");
    size_t pos = log.size();
    for (size_t n = 0; n <= lines && pos > 0; ++n) {
        pos = log.rfind('\n', pos - 1);
        if (pos == std::string::npos) {
            pos = 0;
            break;
        }
    }
    return log.substr(pos);
}

}  // namespace e2e
