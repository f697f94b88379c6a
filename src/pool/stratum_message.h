// Parsing of what a Stratum v1 miner sends (outside input): one JSON-RPC line, the mining.submit parameters and the
// BIP310 version-rolling mask. Pure functions, shared by the pool and its fuzz target; they never throw.
#pragma once

#include "json/json_value.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pool {

/** Longest line the pool reads from a miner (the connection's buffer); longer lines close the connection. */
inline constexpr size_t MAX_STRATUM_LINE = 16 * 1024;

struct StratumRequest {
    JsonValue id;
    std::string method;
    JsonValue params;
};

/** One request line (without its newline): a JSON object whose "method" is a string. nullopt otherwise; *id then
 *  holds the request's id when the line was an object at all (for the error reply). */
std::optional<StratumRequest> ParseStratumRequest(std::string_view line, JsonValue* id = nullptr);

/** mining.submit: [worker, job id, extranonce2, ntime, nonce (, version bits)], every one a string. */
bool IsSubmitShape(const JsonValue& params);

struct SubmitParams {
    std::string worker;
    std::string job_id;
    std::vector<uint8_t> extranonce2;
    uint32_t ntime{0};
    uint32_t nonce{0};
    uint32_t version_bits{0};
    bool has_version_bits{false};
};

enum class SubmitParse { OK, BAD_EXTRANONCE2, MALFORMED };

/** Decodes submit params that passed IsSubmitShape: extranonce2 of extranonce2_size bytes (checked first), then
 *  ntime, nonce and the optional version bits as 8 hex digits each. */
SubmitParse ParseSubmitParams(const JsonValue& params, size_t extranonce2_size, SubmitParams& out);

/** BIP310's "version-rolling.mask" value: up to 8 hex digits (zero-padded on the left); nullopt when malformed. */
std::optional<uint32_t> ParseVersionMask(const JsonValue& value);

/** mining.suggest_difficulty's number: a positive finite double; nullopt otherwise. */
std::optional<double> ParseSuggestedDifficulty(const JsonValue& params);

}  // namespace pool
