// A raw P2P client for end-to-end tests: a loopback TCP connection speaking the v1 transport, message by message.
#pragma once

#include "net/protocol.h"

#include <arpa/inet.h>
#include <chrono>
#include <ctime>
#include <deque>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace e2e {

inline constexpr std::array<uint8_t, 4> REGTEST_P2P_MAGIC = {0xfa, 0xbf, 0xb5, 0xda};

class RawP2pPeer
{
public:
    explicit RawP2pPeer(uint16_t port) : m_transport(REGTEST_P2P_MAGIC)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        m_connected = ::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    }
    ~RawP2pPeer()
    {
        if (m_fd >= 0) ::close(m_fd);
    }
    RawP2pPeer(const RawP2pPeer&) = delete;
    RawP2pPeer& operator=(const RawP2pPeer&) = delete;

    bool Connected() const { return m_connected; }
    bool Closed() const { return m_closed; }

    void Send(const std::string& command, const std::vector<uint8_t>& payload)
    {
        const auto bytes = m_transport.SerializeMessage(command, payload);
        (void)!::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    }

    /** The next message with this command (others are kept in Received()), or nullopt after timeout/close. */
    std::optional<NetMessage> WaitFor(const std::string& command,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (true) {
            for (auto it = m_pending.begin(); it != m_pending.end(); ++it) {
                if (it->command == command) {
                    NetMessage m = std::move(*it);
                    m_pending.erase(it);
                    return m;
                }
            }
            if (m_closed || std::chrono::steady_clock::now() >= end) return std::nullopt;
            Pump(end);
        }
    }

    /** Reads until the node closes the connection or timeout passes; true when it closed. */
    bool WaitForClose(std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (!m_closed && std::chrono::steady_clock::now() < end) Pump(end);
        return m_closed;
    }

    /** Everything received and not yet taken by WaitFor. */
    std::deque<NetMessage>& Received() { return m_pending; }

    /** version/verack both ways; answers pings from then on only when asked (tests stay deterministic). */
    bool Handshake(uint64_t services = NODE_NETWORK | NODE_WITNESS, bool wtxidrelay = true)
    {
        VersionMessage v;
        v.services = services;
        v.time = static_cast<int64_t>(::time(nullptr));
        v.nonce = 0x5eed0000u + static_cast<uint64_t>(m_fd);
        v.user_agent = "/raw-e2e/";
        Send("version", SerializeVersion(v));
        auto theirs = WaitFor("version");
        if (!theirs) return false;
        auto parsed = ParseVersion(theirs->payload);
        if (parsed) m_their_services = parsed->services;
        if (wtxidrelay) Send("wtxidrelay", {});
        Send("verack", {});
        return WaitFor("verack").has_value();
    }
    uint64_t TheirServices() const { return m_their_services; }

private:
    void Pump(std::chrono::steady_clock::time_point end)
    {
        const int left = static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count());
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, std::max(left, 1)) <= 0) return;
        uint8_t buf[65536];
        const ssize_t n = ::recv(m_fd, buf, sizeof(buf), 0);
        if (n <= 0) {
            m_closed = true;
            return;
        }
        std::vector<NetMessage> msgs;
        if (!m_transport.ReceivedBytes(std::span<const uint8_t>(buf, static_cast<size_t>(n)), msgs)) m_closed = true;
        for (auto& m : msgs) m_pending.push_back(std::move(m));
    }

    int m_fd{-1};
    bool m_connected{false};
    bool m_closed{false};
    V1Transport m_transport;
    std::deque<NetMessage> m_pending;
    uint64_t m_their_services{0};
};

}  // namespace e2e
