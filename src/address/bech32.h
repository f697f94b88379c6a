// Bech32 (BIP173) and Bech32m (BIP350) text encoding, with Core's error location for bad strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace bech32 {

inline constexpr size_t CHECKSUM_SIZE = 6;
inline constexpr char SEPARATOR = '1';
/** BIP173/BIP350 length limit for addresses (guarantees detection of up to 4 errors). */
inline constexpr size_t MAX_LENGTH = 90;

enum class Encoding {
    INVALID,  // failed decoding
    BECH32,   // BIP173 checksum constant 1
    BECH32M,  // BIP350 checksum constant 0x2bc830a3
};

/** hrp (lower case) + '1' + values (5-bit each, 0..31) + checksum. Returns "" for an upper-case hrp, a value
 *  above 31 or Encoding::INVALID. */
std::string Encode(Encoding encoding, const std::string& hrp, const std::vector<uint8_t>& values);

struct DecodeResult {
    Encoding encoding{Encoding::INVALID};
    std::string hrp;            // lower-cased
    std::vector<uint8_t> data;  // 5-bit values, checksum removed
};

/** Decode with Core's rules: characters 33..126 only, no mixed case, at most limit characters, separator is the
 *  last '1' with a non-empty hrp and at least 6 data characters. */
DecodeResult Decode(const std::string& str, size_t limit = MAX_LENGTH);

/** Why str is not valid bech32/bech32m, and the indices of the characters that are likely wrong (Core's
 *  LocateErrors: "Bech32 string too long", "Invalid character or mixed case", "Missing separator",
 *  "Invalid separator position", "Invalid Base 32 character", "Invalid Bech32 checksum",
 *  "Invalid Bech32m checksum", "Invalid checksum"; "" when it is valid). */
std::pair<std::string, std::vector<int>> LocateErrors(const std::string& str, size_t limit = MAX_LENGTH);

} // namespace bech32

/** Regroup a bit string from frombits-wide to tobits-wide values (both 1..8), appending to out. With pad, a last
 *  partial group is zero-padded; without, leftover bits must be fewer than frombits and all zero (BIP173). */
bool ConvertBits(int frombits, int tobits, bool pad, std::span<const uint8_t> in, std::vector<uint8_t>& out);
