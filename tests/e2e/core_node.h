// Bitcoin Core next to sovereignd: a bitcoind -regtest on loopback (its own datadir, cookie auth) for interop tests.
#pragma once

#include "harness.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace e2e {

/** $BITCOIND / $BITCOIN_CLI, or "" when unset: interop tests skip without them (CI has no Core). */
inline std::string EnvPath(const char* name)
{
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}
inline std::string CoreDaemonPath() { return EnvPath("BITCOIND"); }
inline std::string CoreCliPath() { return EnvPath("BITCOIN_CLI"); }

/** A bitcoind on regtest: the harness's flags (-regtest, -datadir, -rpcport, -rpcbind, -port, -bind=127.0.0.1)
 *  plus listening and a fallback fee so its wallet can send. Regtest has no DNS or fixed seeds, and -bind on
 *  loopback turns address discovery off, so nothing else is needed; the flags are ones sovereignd takes too, so
 *  BITCOIND=sovereignd runs the same tests sovereignd against itself. */
class CoreNode : public Node
{
public:
    CoreNode() : Node(Programs{CoreDaemonPath(), CoreCliPath()}) {}
    bool Start(const std::vector<std::string>& extra = {})
    {
        std::vector<std::string> args{"-listen=1", "-fallbackfee=0.0002", "-debug=net", "-debug=cmpctblock"};
        args.insert(args.end(), extra.begin(), extra.end());
        return Node::Start(args, std::chrono::seconds(120));
    }
};

/** Polls cond every 100 ms until it holds or timeout passes. */
template <typename F>
bool WaitUntil(F cond, std::chrono::milliseconds timeout = std::chrono::seconds(60))
{
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (cond()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return cond();
}

/** "127.0.0.1:<p2p port>" of a running node, for -connect / addnode. */
inline std::string P2pAddress(const Node& node) { return "127.0.0.1:" + std::to_string(node.P2pPort()); }

}  // namespace e2e

/** Skips the test unless $BITCOIND names Core's daemon (and $BITCOIN_CLI when `need_cli`). */
#define SKIP_WITHOUT_CORE(need_cli)                                                                          \
    do {                                                                                                     \
        if (e2e::CoreDaemonPath().empty()) GTEST_SKIP() << "BITCOIND is not set (path to Bitcoin Core's bitcoind)"; \
        if ((need_cli) && e2e::CoreCliPath().empty()) GTEST_SKIP() << "BITCOIN_CLI is not set (path to bitcoin-cli)"; \
    } while (0)
