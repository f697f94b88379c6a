// Stratum v1 request parsing (see stratum_message.h).
#include "pool/stratum_message.h"

#include "pool/stratum_job.h"
#include "util/hex.h"

#include <cmath>
#include <cstdlib>

namespace pool {

std::optional<StratumRequest> ParseStratumRequest(std::string_view line, JsonValue* id)
{
    if (id) *id = JsonValue();
    if (line.size() > MAX_STRATUM_LINE) return std::nullopt;
    auto msg = JsonValue::Parse(line);
    if (!msg || !msg->IsObject()) return std::nullopt;
    if (id) *id = (*msg)["id"];
    if (!(*msg)["method"].IsStr()) return std::nullopt;
    return StratumRequest{(*msg)["id"], (*msg)["method"].GetValStr(), (*msg)["params"]};
}

bool IsSubmitShape(const JsonValue& params)
{
    if (!params.IsArray() || params.size() < 5 || params.size() > 6) return false;
    for (size_t i = 0; i < params.size(); ++i) {
        if (!params[i].IsStr()) return false;
    }
    return true;
}

SubmitParse ParseSubmitParams(const JsonValue& params, size_t extranonce2_size, SubmitParams& out)
{
    if (!IsSubmitShape(params)) return SubmitParse::MALFORMED;
    out = SubmitParams{};
    out.worker = params[0].GetValStr();
    out.job_id = params[1].GetValStr();
    const std::string& en2_hex = params[2].GetValStr();
    auto en2 = en2_hex.size() == 2 * extranonce2_size ? TryParseHex(en2_hex) : std::nullopt;
    if (!en2 || en2->size() != extranonce2_size) return SubmitParse::BAD_EXTRANONCE2;
    out.extranonce2 = std::move(*en2);
    auto ntime = ParseHex32(params[3].GetValStr());
    auto nonce = ParseHex32(params[4].GetValStr());
    if (!ntime || !nonce) return SubmitParse::MALFORMED;
    out.ntime = *ntime;
    out.nonce = *nonce;
    if (params.size() == 6) {
        auto bits = ParseHex32(params[5].GetValStr());
        if (!bits) return SubmitParse::MALFORMED;
        out.version_bits = *bits;
        out.has_version_bits = true;
    }
    return SubmitParse::OK;
}

std::optional<uint32_t> ParseVersionMask(const JsonValue& value)
{
    if (!value.IsStr() || value.GetValStr().size() > 8) return std::nullopt;
    std::string padded = value.GetValStr();
    padded.insert(0, 8 - padded.size(), '0');
    return ParseHex32(padded);
}

std::optional<double> ParseSuggestedDifficulty(const JsonValue& params)
{
    if (!params.IsArray() || params.size() < 1 || !params[0].IsNum()) return std::nullopt;
    const std::string& s = params[0].GetValStr();
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(d) || !(d > 0)) return std::nullopt;
    return d;
}

}  // namespace pool
