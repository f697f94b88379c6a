// Stratum test client (see stratum_client.h). Independent of src/pool: it rebuilds headers the way a miner does.
#include "stratum_client.h"

#include "crypto/hash.h"
#include "util/hex.h"

#include <arpa/inet.h>
#include <cmath>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace stratum_test {

Client::Client(uint16_t port)
{
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (m_fd < 0 || ::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        if (m_fd >= 0) ::close(m_fd);
        throw std::runtime_error("cannot connect to stratum port " + std::to_string(port));
    }
}

Client::~Client()
{
    if (m_fd >= 0) ::close(m_fd);
}

void Client::SendLine(const std::string& line)
{
    const std::string data = line + "\n";
    size_t off = 0;
    while (off < data.size()) {
        const ssize_t n = ::send(m_fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n <= 0) throw std::runtime_error("stratum send failed");
        off += static_cast<size_t>(n);
    }
}

bool Client::Pump(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        const size_t nl = m_buffer.find('\n');
        if (nl != std::string::npos) {
            const std::string line = m_buffer.substr(0, nl);
            m_buffer.erase(0, nl + 1);
            Handle(nlohmann::json::parse(line));
            return true;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
        char buf[4096];
        const ssize_t n = ::recv(m_fd, buf, sizeof(buf), 0);
        if (n <= 0) return false;
        m_buffer.append(buf, static_cast<size_t>(n));
    }
}

void Client::Handle(const nlohmann::json& msg)
{
    if (msg.contains("method") && msg["method"].is_string()) {
        const std::string method = msg["method"];
        const auto& p = msg["params"];
        if (method == "mining.set_difficulty") {
            m_difficulty = p[0].get<double>();
        } else if (method == "mining.notify") {
            Job j;
            j.id = p[0];
            j.prevhash = p[1];
            j.coinb1 = p[2];
            j.coinb2 = p[3];
            for (const auto& b : p[4]) j.branch.push_back(b);
            j.version = static_cast<uint32_t>(std::stoul(p[5].get<std::string>(), nullptr, 16));
            j.nbits = static_cast<uint32_t>(std::stoul(p[6].get<std::string>(), nullptr, 16));
            j.ntime = static_cast<uint32_t>(std::stoul(p[7].get<std::string>(), nullptr, 16));
            j.clean = p[8];
            m_job = j;
            ++m_notifies;
        }
        return;
    }
    m_responses.push_back(msg);
}

Response Client::Call(const std::string& method, const nlohmann::json& params, std::chrono::milliseconds timeout)
{
    const int id = m_next_id++;
    SendLine(nlohmann::json{{"id", id}, {"method", method}, {"params", params}}.dump());
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        for (auto it = m_responses.begin(); it != m_responses.end(); ++it) {
            if ((*it)["id"] == id) {
                Response r{(*it)["result"], (*it)["error"]};
                m_responses.erase(it);
                return r;
            }
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !Pump(left)) throw std::runtime_error("no stratum response to " + method);
    }
}

bool Client::WaitForNewJob(const std::string& old_id, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!m_job || m_job->id == old_id) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !Pump(left)) return false;
    }
    return true;
}

Response Client::Subscribe()
{
    Response r = Call("mining.subscribe", {"stratum-test/1.0"});
    if (r.result.is_array() && r.result.size() == 3) {
        m_extranonce1 = r.result[1];
        m_extranonce2_size = r.result[2];
    }
    // set_difficulty and notify follow the reply.
    while (!m_job && Pump(std::chrono::seconds(10))) {
    }
    return r;
}

Response Client::Authorize(const std::string& worker) { return Call("mining.authorize", {worker, "x"}); }

namespace {
std::string Hex32(uint32_t v)
{
    char buf[9];
    std::snprintf(buf, sizeof(buf), "%08x", v);
    return buf;
}
std::string Extranonce2Hex(uint64_t v)
{
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
    return buf;
}
void PutLE32(std::vector<uint8_t>& out, uint32_t v)
{
    for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
}
long double HashValue(const std::array<uint8_t, 32>& hash)
{
    long double v = 0;
    for (int i = 31; i >= 0; --i) v = v * 256.0L + hash[i];
    return v;
}
}  // namespace

Response Client::Submit(const std::string& worker, const Job& job, const Share& share)
{
    nlohmann::json params = {worker, job.id, share.extranonce2, Hex32(share.ntime), Hex32(share.nonce)};
    if (share.version_bits) params.push_back(Hex32(*share.version_bits));
    return Call("mining.submit", params);
}

std::vector<uint8_t> BuildHeader(const Job& job, const std::string& extranonce1, const Share& share)
{
    const std::vector<uint8_t> coinbase = ParseHex(job.coinb1 + extranonce1 + share.extranonce2 + job.coinb2);
    uint256 root = Hash256(coinbase);
    for (const std::string& b : job.branch) {
        std::vector<uint8_t> pair(root.begin(), root.end());
        const auto bytes = ParseHex(b);
        pair.insert(pair.end(), bytes.begin(), bytes.end());
        root = Hash256(pair);
    }
    std::vector<uint8_t> h;
    h.reserve(80);
    uint32_t version = job.version;
    if (share.version_bits) version = (version & ~0x1fffe000u) | *share.version_bits;
    PutLE32(h, version);
    // prevhash: stratum reverses each 4-byte word of the header bytes.
    const auto prev = ParseHex(job.prevhash);
    for (int w = 0; w < 8; ++w) {
        for (int i = 3; i >= 0; --i) h.push_back(prev[w * 4 + i]);
    }
    h.insert(h.end(), root.begin(), root.end());
    PutLE32(h, share.ntime);
    PutLE32(h, job.nbits);
    PutLE32(h, share.nonce);
    return h;
}

bool MeetsDifficulty(const std::array<uint8_t, 32>& hash, double difficulty)
{
    const long double target = 65535.0L * std::ldexp(1.0L, 208) / static_cast<long double>(difficulty);
    return HashValue(hash) <= target;
}

bool MeetsBits(const std::array<uint8_t, 32>& hash, uint32_t nbits)
{
    const long double target = static_cast<long double>(nbits & 0x007fffff) * std::ldexp(1.0L, 8 * (int(nbits >> 24) - 3));
    return HashValue(hash) <= target;
}

Share Client::Mine(const Job& job, const std::function<bool(const std::array<uint8_t, 32>&)>& accept,
                   std::optional<uint32_t> version_bits, uint64_t extranonce2_start)
{
    Share s;
    s.ntime = job.ntime;
    s.version_bits = version_bits;
    // At most 20 million hashes: a predicate nothing meets must fail the test, not hang it.
    for (uint64_t en2 = extranonce2_start; en2 < extranonce2_start + 200; ++en2) {
        s.extranonce2 = Extranonce2Hex(en2);
        std::vector<uint8_t> header = BuildHeader(job, m_extranonce1, s);
        for (uint32_t nonce = 0; nonce < 100000; ++nonce) {
            for (int i = 0; i < 4; ++i) header[76 + i] = uint8_t(nonce >> (8 * i));
            const uint256 h = Hash256(header);
            std::array<uint8_t, 32> hash;
            std::memcpy(hash.data(), h.data(), 32);
            if (accept(hash)) {
                s.nonce = nonce;
                s.hash = hash;
                return s;
            }
        }
    }
    throw std::runtime_error("no share found in 20 million hashes");
}

}  // namespace stratum_test
