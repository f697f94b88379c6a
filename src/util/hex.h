// Hexadecimal encoding and decoding of byte strings.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

using Bytes = std::vector<uint8_t>;

/** Lower-case hex of the bytes, in order. */
std::string HexStr(std::span<const uint8_t> bytes);

/** Value of one hex digit, or -1. */
int HexDigit(char c);

/** True when s is a non-empty, even-length string of hex digits. */
bool IsHex(std::string_view s);

/** Bytes of a hex string (whitespace between byte pairs skipped, as Core); nullopt on anything else. */
std::optional<Bytes> TryParseHex(std::string_view s);

/** TryParseHex, or empty on failure (Core's ParseHex). */
Bytes ParseHex(std::string_view s);
