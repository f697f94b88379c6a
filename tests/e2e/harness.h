// End-to-end harness: runs the real sovereignd/sovereign-cli binaries on loopback and talks JSON-RPC over HTTP.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <sys/types.h>
#include <vector>

namespace e2e {

/** Paths of the binaries under test, baked in by CMake ($<TARGET_FILE:...>). */
std::string SovereigndPath();
std::string CliPath();
std::string UtilPath();

/** A regtest P2WPKH address to mine to (BIP173's example key, regtest HRP). */
inline constexpr const char* MINE_ADDRESS = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";

/** A free TCP port on 127.0.0.1, found by binding port 0 and asking the kernel which one it gave. */
uint16_t FreeLoopbackPort();

std::string Base64Encode(const std::string& in);

struct HttpResponse {
    int status{0};             // 0 = no response (connection failed or closed early)
    std::string body;
    std::string error;         // transport error text when status == 0
};

/** One HTTP/1.1 POST to 127.0.0.1:port with Connection: close. `raw_request` overrides the built request. */
HttpResponse HttpPost(uint16_t port, const std::string& target, const std::string& authorization,
                      const std::string& body, std::chrono::milliseconds timeout = std::chrono::seconds(120));
/** Sends raw bytes (e.g. a request head only) and reads whatever the server answers. */
HttpResponse HttpRaw(uint16_t port, const std::string& request, size_t extra_body_bytes = 0,
                     std::chrono::milliseconds timeout = std::chrono::seconds(30));

/** Thrown by Node::Rpc when the JSON-RPC call returned an error object or the transport failed. */
struct RpcError : std::runtime_error {
    int code;
    RpcError(int c, const std::string& msg) : std::runtime_error(msg), code(c) {}
};

struct ProcessResult {
    int exit_code{-1};
    std::string out;
    std::string err;
};

/** Runs a program to completion, capturing stdout/stderr. */
ProcessResult RunProcess(const std::string& path, const std::vector<std::string>& args,
                         std::chrono::milliseconds timeout = std::chrono::seconds(60));

/** The programs a Node runs: sovereignd/sovereign-cli by default; interop tests run Bitcoin Core's. */
struct Programs {
    std::string daemon;
    std::string cli;
};

/** A sovereignd on regtest with its own temp data dir and loopback RPC port. */
class Node
{
public:
    /** Creates a fresh temp data dir (removed in the destructor unless `keep` is set). */
    Node();
    /** The same for another daemon that takes the same flags (bitcoind, bitcoin-cli). */
    explicit Node(Programs programs);
    ~Node();
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    /** Spawns sovereignd with the base flags plus `extra` and waits until RPC answers; false on failure/timeout. */
    bool Start(const std::vector<std::string>& extra = {}, std::chrono::milliseconds timeout = std::chrono::seconds(60));
    /** Spawns without waiting. */
    void Spawn(const std::vector<std::string>& extra = {});
    /** Polls until RPC answers with the cookie, the process exits, or the timeout passes. */
    bool WaitForRpc(std::chrono::milliseconds timeout);

    bool Running();
    /** Sends `sig` to the process. */
    void Signal(int sig);
    /** Waits for exit; returns the wait status (or nullopt on timeout). */
    std::optional<int> WaitExit(std::chrono::milliseconds timeout);
    /** SIGKILL and reap. */
    void Kill();
    /** `stop` RPC then wait for exit; returns the wait status, nullopt on timeout. */
    std::optional<int> StopRpc(std::chrono::milliseconds timeout = std::chrono::seconds(30));

    /** Raw JSON-RPC: the whole response object (result/error/id), with the HTTP status. */
    HttpResponse RawCall(const std::string& body, const std::string& authorization = {});
    /** JSON-RPC 1.0 call via the cookie; returns `result` or throws RpcError. */
    nlohmann::json Rpc(const std::string& method, const nlohmann::json& params = nlohmann::json::array(),
                       std::chrono::milliseconds timeout = std::chrono::seconds(120));
    /** The same, routed to a wallet (/wallet/<name>), as bitcoin-cli -rpcwallet does. */
    nlohmann::json WalletRpc(const std::string& wallet, const std::string& method,
                             const nlohmann::json& params = nlohmann::json::array());
    /** Whether `help` lists the method. */
    bool HasMethod(const std::string& method);

    /** Runs sovereign-cli -regtest -datadir=... -rpcport=... <args>. */
    ProcessResult Cli(const std::vector<std::string>& args);
    /** The same with another client program (e.g. Core's bitcoin-cli against this node). */
    ProcessResult CliWith(const std::string& cli, const std::vector<std::string>& args);

    std::string CookieAuthorization() const;
    const std::filesystem::path& DataDir() const { return m_datadir; }
    std::filesystem::path NetDir() const { return m_datadir / "regtest"; }
    std::filesystem::path CookieFile() const { return NetDir() / ".cookie"; }
    uint16_t Port() const { return m_port; }
    /** The P2P port (-port) of the last start, bound on 127.0.0.1. */
    uint16_t P2pPort() const { return m_p2p_port; }
    pid_t Pid() const { return m_pid; }
    /** Last lines of debug.log, for failure messages. */
    std::string LogTail(size_t lines = 30) const;

private:
    nlohmann::json CallAt(const std::string& target, const std::string& method, const nlohmann::json& params,
                          std::chrono::milliseconds timeout);
    Programs m_programs;
    std::filesystem::path m_datadir;
    uint16_t m_port{0};
    uint16_t m_p2p_port{0};
    pid_t m_pid{-1};
    int m_id{0};
};

}  // namespace e2e
