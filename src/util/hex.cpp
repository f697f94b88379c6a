// Hexadecimal encoding and decoding of byte strings.
#include "util/hex.h"

#include <cctype>

std::string HexStr(std::span<const uint8_t> bytes)
{
    static constexpr char DIGITS[] = "0123456789abcdef";
    std::string out(bytes.size() * 2, '0');
    for (size_t i = 0; i < bytes.size(); ++i) {
        out[2 * i] = DIGITS[bytes[i] >> 4];
        out[2 * i + 1] = DIGITS[bytes[i] & 15];
    }
    return out;
}

int HexDigit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool IsHex(std::string_view s)
{
    if (s.empty() || s.size() % 2 != 0) return false;
    for (char c : s) {
        if (HexDigit(c) < 0) return false;
    }
    return true;
}

std::optional<Bytes> TryParseHex(std::string_view s)
{
    // As Core: whitespace between byte pairs is skipped; anything else that is not a hex pair fails.
    Bytes out;
    out.reserve(s.size() / 2);
    size_t i = 0;
    while (i < s.size()) {
        if (std::isspace(static_cast<unsigned char>(s[i]))) {
            ++i;
            continue;
        }
        if (i + 1 >= s.size()) return std::nullopt;
        int hi = HexDigit(s[i]), lo = HexDigit(s[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<uint8_t>(hi << 4 | lo));
        i += 2;
    }
    return out;
}

Bytes ParseHex(std::string_view s) { return TryParseHex(s).value_or(Bytes{}); }
