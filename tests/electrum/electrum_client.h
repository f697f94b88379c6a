// A minimal Electrum protocol client for the tests: one TCP connection, newline-delimited JSON-RPC 2.0, answers
// matched by id, server notifications kept in a queue.
#pragma once

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>

namespace electrum_test {

struct CallError : std::runtime_error {
    int code;
    CallError(int c, const std::string& m) : std::runtime_error(m), code(c) {}
};

class Client
{
public:
    Client() = default;
    ~Client() { Close(); }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    Client(Client&& o) noexcept : m_fd(o.m_fd), m_buf(std::move(o.m_buf)), m_notes(std::move(o.m_notes)), m_id(o.m_id) { o.m_fd = -1; }

    bool Connect(uint16_t port)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (m_fd < 0) return false;
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
            Close();
            return false;
        }
        return true;
    }
    void Close()
    {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = -1;
    }
    bool SendRaw(const std::string& data)
    {
        size_t off = 0;
        while (off < data.size()) {
            const ssize_t n = ::send(m_fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
            if (n <= 0) return false;
            off += static_cast<size_t>(n);
        }
        return true;
    }
    /** Next line from the server (answer or notification); nullopt on timeout or close. */
    std::optional<std::string> ReadLine(std::chrono::milliseconds timeout = std::chrono::seconds(30))
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (true) {
            if (auto nl = m_buf.find('\n'); nl != std::string::npos) {
                std::string line = m_buf.substr(0, nl);
                m_buf.erase(0, nl + 1);
                return line;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0 || m_fd < 0) return std::nullopt;
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
            char tmp[65536];
            const ssize_t n = ::recv(m_fd, tmp, sizeof(tmp), 0);
            if (n <= 0) {
                m_eof = true;
                return std::nullopt;
            }
            m_buf.append(tmp, static_cast<size_t>(n));
        }
    }
    /** The whole answer object to a request (notifications arriving meanwhile are queued). */
    nlohmann::json Request(const std::string& method, const nlohmann::json& params = nlohmann::json::array())
    {
        const int id = ++m_id;
        nlohmann::json req = {{"jsonrpc", "2.0"}, {"method", method}, {"params", params}, {"id", id}};
        if (!SendRaw(req.dump() + "\n")) throw std::runtime_error("send failed");
        while (true) {
            auto line = ReadLine();
            if (!line) throw std::runtime_error("no answer to " + method);
            auto j = nlohmann::json::parse(*line);
            if (j.is_object() && j.contains("id") && j["id"] == id) return j;
            m_notes.push_back(std::move(j));
        }
    }
    /** result, or throws CallError with the error object. */
    nlohmann::json Call(const std::string& method, const nlohmann::json& params = nlohmann::json::array())
    {
        auto j = Request(method, params);
        if (j.contains("error")) throw CallError(j["error"]["code"].get<int>(), j["error"]["message"].get<std::string>());
        return j["result"];
    }
    /** Next notification for method (queued or arriving within timeout). */
    std::optional<nlohmann::json> WaitNotification(const std::string& method,
                                                   std::chrono::milliseconds timeout = std::chrono::seconds(20))
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (true) {
            for (auto it = m_notes.begin(); it != m_notes.end(); ++it) {
                if ((*it)["method"] == method) {
                    auto j = *it;
                    m_notes.erase(it);
                    return j;
                }
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return std::nullopt;
            auto line = ReadLine(left);
            if (!line) return std::nullopt;
            m_notes.push_back(nlohmann::json::parse(*line));
        }
    }
    void ClearNotifications() { m_notes.clear(); }
    bool Eof() const { return m_eof; }
    int Fd() const { return m_fd; }

private:
    int m_fd{-1};
    std::string m_buf;
    std::deque<nlohmann::json> m_notes;
    int m_id{0};
    bool m_eof{false};
};

}  // namespace electrum_test
