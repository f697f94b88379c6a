// Strict parsing of numbers and amounts from text, as Bitcoin Core's util/strencodings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/** Strict decimal integer parse: optional sign, digits only, no whitespace, no overflow. */
std::optional<int64_t> ParseInt64(std::string_view s);
std::optional<int32_t> ParseInt32(std::string_view s);
std::optional<uint32_t> ParseUInt32(std::string_view s);
std::optional<uint64_t> ParseUInt64(std::string_view s);

/** Parse a fixed-point decimal ("0.18", "-1.5e3" not allowed) into an integer scaled by 10^decimals.
 *  Same acceptance rules as Core's ParseFixedPoint. */
std::optional<int64_t> ParseFixedPoint(std::string_view s, int decimals);

/** Format satoshis as Core prints BTC amounts in JSON: sign, integer part, '.', 8 digits. */
std::string FormatMoney(int64_t sat);

/** Lower-case copy. */
std::string ToLower(std::string_view s);
/** Split on a single character. */
std::vector<std::string> SplitString(std::string_view s, char sep);
