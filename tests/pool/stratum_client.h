// Our own Stratum v1 test client: line-delimited JSON over a blocking loopback socket, the miner's side of job
// handling (coinbase from coinb1/extranonces/coinb2, merkle root from the branch, header), and a CPU nonce loop.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace stratum_test {

struct Job {
    std::string id;
    std::string prevhash;  // stratum encoding
    std::string coinb1, coinb2;
    std::vector<std::string> branch;
    uint32_t version{0}, nbits{0}, ntime{0};
    bool clean{false};
};

struct Share {
    std::string extranonce2;  // hex
    uint32_t ntime{0};
    uint32_t nonce{0};
    std::optional<uint32_t> version_bits;
    std::array<uint8_t, 32> hash{};  // block hash, internal byte order (last byte most significant)
};

/** The response to a call: result or error ([code, message, data]). */
struct Response {
    nlohmann::json result;
    nlohmann::json error;
    int ErrorCode() const { return error.is_array() && !error.empty() ? error[0].get<int>() : 0; }
};

class Client
{
public:
    /** Connects to 127.0.0.1:port; throws on failure. */
    explicit Client(uint16_t port);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    /** Sends a request and waits for its response, handling notifications on the way. */
    Response Call(const std::string& method, const nlohmann::json& params,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30));
    /** Sends a raw line (no waiting). */
    void SendLine(const std::string& line);
    /** Reads until a message arrives (or timeout); returns false on timeout/close. */
    bool Pump(std::chrono::milliseconds timeout);
    /** Waits until a notify for a job other than `old_id` arrives. */
    bool WaitForNewJob(const std::string& old_id, std::chrono::milliseconds timeout = std::chrono::seconds(30));

    Response Subscribe();
    Response Authorize(const std::string& worker);
    Response Submit(const std::string& worker, const Job& job, const Share& share);

    /** Tries nonces (then extranonce2 values) until accept(hash) holds; version bits rolled when given. */
    Share Mine(const Job& job, const std::function<bool(const std::array<uint8_t, 32>&)>& accept,
               std::optional<uint32_t> version_bits = std::nullopt, uint64_t extranonce2_start = 0);

    const std::optional<Job>& CurrentJob() const { return m_job; }
    double Difficulty() const { return m_difficulty; }
    const std::string& Extranonce1() const { return m_extranonce1; }
    int Extranonce2Size() const { return m_extranonce2_size; }
    int Notifies() const { return m_notifies; }

private:
    void Handle(const nlohmann::json& msg);
    int m_fd{-1};
    std::string m_buffer;
    int m_next_id{1};
    std::deque<nlohmann::json> m_responses;
    std::optional<Job> m_job;
    double m_difficulty{0};
    std::string m_extranonce1;
    int m_extranonce2_size{0};
    int m_notifies{0};
};

/** The header a miner builds for a share (80 bytes). */
std::vector<uint8_t> BuildHeader(const Job& job, const std::string& extranonce1, const Share& share);
/** Hash value compared as a number: hash (little-endian) <= target (difficulty-1 target / difficulty). */
bool MeetsDifficulty(const std::array<uint8_t, 32>& hash, double difficulty);
/** Whether the hash meets the compact target nbits. */
bool MeetsBits(const std::array<uint8_t, 32>& hash, uint32_t nbits);

}  // namespace stratum_test
