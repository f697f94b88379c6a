// Strict parsing of numbers and amounts from text, as Bitcoin Core's util/strencodings.
#include "util/strencodings.h"

#include <charconv>
#include <limits>

namespace {
template <typename T>
std::optional<T> ParseIntegral(std::string_view s)
{
    if (s.empty()) return std::nullopt;
    // from_chars rejects a leading '+'; Core accepts it for non-negative values.
    if (s[0] == '+') {
        s.remove_prefix(1);
        if (s.empty() || s[0] == '-' || s[0] == '+') return std::nullopt;
    }
    T value{};
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
    return value;
}
}  // namespace

std::optional<int64_t> ParseInt64(std::string_view s) { return ParseIntegral<int64_t>(s); }
std::optional<int32_t> ParseInt32(std::string_view s) { return ParseIntegral<int32_t>(s); }
std::optional<uint32_t> ParseUInt32(std::string_view s)
{
    if (!s.empty() && s[0] == '-') return std::nullopt;
    return ParseIntegral<uint32_t>(s);
}
std::optional<uint64_t> ParseUInt64(std::string_view s)
{
    if (!s.empty() && s[0] == '-') return std::nullopt;
    return ParseIntegral<uint64_t>(s);
}

// Follows the grammar of Core's ParseFixedPoint: [-]int[.frac][e[+-]exp], at most 18 significant digits.
std::optional<int64_t> ParseFixedPoint(std::string_view val, int decimals)
{
    static constexpr int64_t UPPER_BOUND = 1000000000000000000LL - 1LL;
    int64_t mantissa = 0;
    int64_t exponent = 0;
    int mantissa_tzeros = 0;
    bool mantissa_sign = false;
    bool exponent_sign = false;
    int ptr = 0;
    int end = static_cast<int>(val.size());
    int point_ofs = 0;
    auto process_digit = [&](int ch) -> bool {
        if (ch == '0') {
            ++mantissa_tzeros;
        } else {
            for (int i = 0; i <= mantissa_tzeros; ++i) {
                if (mantissa > (UPPER_BOUND / 10LL)) return false;
                mantissa *= 10;
            }
            mantissa += ch - '0';
            mantissa_tzeros = 0;
        }
        return true;
    };
    if (ptr < end && val[ptr] == '-') {
        mantissa_sign = true;
        ++ptr;
    }
    if (ptr < end) {
        if (val[ptr] == '0') {
            ++ptr;  // pass single 0
        } else if (val[ptr] >= '1' && val[ptr] <= '9') {
            while (ptr < end && val[ptr] >= '0' && val[ptr] <= '9') {
                if (!process_digit(val[ptr])) return std::nullopt;
                ++ptr;
            }
        } else {
            return std::nullopt;
        }
        if (ptr < end && val[ptr] == '.') {
            ++ptr;
            if (ptr < end && val[ptr] >= '0' && val[ptr] <= '9') {
                while (ptr < end && val[ptr] >= '0' && val[ptr] <= '9') {
                    if (!process_digit(val[ptr])) return std::nullopt;
                    ++ptr;
                    ++point_ofs;
                }
            } else {
                return std::nullopt;
            }
        }
        if (ptr < end && (val[ptr] == 'e' || val[ptr] == 'E')) {
            ++ptr;
            if (ptr < end && val[ptr] == '+') {
                ++ptr;
            } else if (ptr < end && val[ptr] == '-') {
                exponent_sign = true;
                ++ptr;
            }
            if (ptr < end && val[ptr] >= '0' && val[ptr] <= '9') {
                while (ptr < end && val[ptr] >= '0' && val[ptr] <= '9') {
                    if (exponent > (UPPER_BOUND / 10LL)) return std::nullopt;
                    exponent = exponent * 10 + val[ptr] - '0';
                    ++ptr;
                }
            } else {
                return std::nullopt;
            }
        }
        if (ptr != end) return std::nullopt;
    } else {
        return std::nullopt;
    }
    if (exponent_sign) exponent = -exponent;
    exponent = exponent - point_ofs + mantissa_tzeros;
    if (mantissa_sign) mantissa = -mantissa;
    exponent += decimals;
    if (exponent < 0) return std::nullopt;
    if (exponent >= 18) return std::nullopt;
    for (int i = 0; i < exponent; ++i) {
        if (mantissa > (UPPER_BOUND / 10LL) || mantissa < -(UPPER_BOUND / 10LL)) return std::nullopt;
        mantissa *= 10;
    }
    if (mantissa > UPPER_BOUND || mantissa < -UPPER_BOUND) return std::nullopt;
    return mantissa;
}

std::string FormatMoney(int64_t sat)
{
    static constexpr int64_t COIN = 100000000;
    // Work in unsigned magnitude so INT64_MIN does not overflow.
    uint64_t mag = sat < 0 ? uint64_t(0) - uint64_t(sat) : uint64_t(sat);
    std::string frac = std::to_string(mag % COIN);
    frac.insert(0, 8 - frac.size(), '0');
    return (sat < 0 ? "-" : "") + std::to_string(mag / COIN) + "." + frac;
}

std::string ToLower(std::string_view s)
{
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::vector<std::string> SplitString(std::string_view s, char sep)
{
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        size_t pos = s.find(sep, start);
        out.emplace_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
        if (pos == std::string_view::npos) break;
        start = pos + 1;
    }
    return out;
}
