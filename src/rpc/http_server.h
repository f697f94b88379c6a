// HTTP/1.1 JSON-RPC server on Boost.Beast: keep-alive connections, -rpcbind/-rpcport/-rpcallowip, Basic auth
// with Core's 401 and delay, body and header limits, a bounded work queue served by -rpcthreads workers
// (HTTP 503 "Work queue depth exceeded" when full) and a clean shutdown.
#pragma once

#include "rpc/auth.h"
#include "rpc/server.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

class ArgsManager;

struct HttpServerOptions {
    /** Addresses to listen on ("127.0.0.1", "::1", "0.0.0.0", ...) with their ports. */
    std::vector<std::pair<std::string, uint16_t>> bind;
    /** Allowed client subnets besides loopback (which is always allowed), as "ip", "ip/bits" or "ip/mask". */
    std::vector<std::string> allow_ip;
    int threads{16};             // Core's DEFAULT_HTTP_THREADS
    int work_queue{64};          // Core's DEFAULT_HTTP_WORKQUEUE
    int timeout_seconds{30};     // Core's DEFAULT_HTTP_SERVER_TIMEOUT: idle keep-alive limit
    size_t max_body{0x02000000};  // Core's MAX_SIZE (32 MiB); larger bodies get HTTP 413
    size_t max_headers{8192};
    /** Delay before a 401 reply, deterring password guessing (Core: 250 ms). */
    int auth_failure_delay_ms{250};
};

/** Core's -rpcbind/-rpcport/-rpcallowip/-rpcthreads/-rpcworkqueue/-rpcservertimeout handling. default_port is
 *  the chain's RPC port. False with error on an invalid -rpcallowip subnet or -rpcbind address. Warnings (e.g.
 *  -rpcbind ignored without -rpcallowip) go to warnings. */
bool HttpServerOptionsFromArgs(const ArgsManager& args, uint16_t default_port, HttpServerOptions& out,
                               std::string& error, std::vector<std::string>* warnings = nullptr);

/** Registers the server's options (-rpcbind, -rpcport, -rpcallowip, -rpcuser, -rpcpassword, -rpcauth,
 *  -rpccookiefile, -rpcthreads, -rpcworkqueue, -rpcservertimeout) with their help text. */
void RegisterRpcServerArgs(ArgsManager& args, uint16_t main_port, uint16_t testnet_port, uint16_t testnet4_port,
                           uint16_t signet_port, uint16_t regtest_port);

class HttpRpcServer
{
public:
    /** table and auth must outlive the server. */
    HttpRpcServer(const RpcTable& table, const RpcAuthenticator& auth, HttpServerOptions options);
    ~HttpRpcServer();
    HttpRpcServer(const HttpRpcServer&) = delete;
    HttpRpcServer& operator=(const HttpRpcServer&) = delete;

    /** Binds every address and starts the I/O and worker threads. False (with error) when none could be bound. */
    bool Start(std::string& error);
    /** Stops accepting, lets queued requests finish and their replies go out, then closes every connection. */
    void Stop();
    /** Ports actually bound (useful when port 0 was requested). */
    std::vector<uint16_t> BoundPorts() const;

    class Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

/** True when addr (text form) is loopback or inside one of subnets ("ip", "ip/bits", "ip/mask"). */
bool ClientAllowed(const std::string& addr, const std::vector<std::string>& subnets);
/** Validates a subnet string as -rpcallowip accepts it. */
bool IsValidSubnet(const std::string& subnet);
