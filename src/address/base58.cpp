// Base58 and Base58Check: big-number conversion between bytes and the 58-letter alphabet.
#include "address/base58.h"

#include "crypto/hash.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

namespace {

// Digits 0..57: no '0', 'I', 'O' or 'l', so that similar-looking letters are not confused.
constexpr char ALPHABET[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

constexpr std::array<int8_t, 256> MakeDigitTable()
{
    std::array<int8_t, 256> table{};
    for (auto& v : table) v = -1;
    for (int i = 0; i < 58; ++i) table[static_cast<uint8_t>(ALPHABET[i])] = static_cast<int8_t>(i);
    return table;
}
constexpr std::array<int8_t, 256> DIGIT_OF = MakeDigitTable();

// Core's IsSpace: the C locale's whitespace set, independent of the process locale.
bool IsSpace(char c)
{
    return c == ' ' || c == '\f' || c == '\n' || c == '\r' || c == '\t' || c == '\v';
}

} // namespace

std::string EncodeBase58(std::span<const uint8_t> input)
{
    size_t zeroes = 0;
    while (zeroes < input.size() && input[zeroes] == 0) ++zeroes;
    input = input.subspan(zeroes);

    // Big-endian base-58 digits; 138/100 > log(256)/log(58) bounds the digit count.
    std::vector<uint8_t> digits(input.size() * 138 / 100 + 1);
    size_t used = 0;  // digits in use, counted from the end
    for (uint8_t byte : input) {
        uint32_t carry = byte;
        size_t i = 0;
        for (auto it = digits.rbegin(); (carry != 0 || i < used) && it != digits.rend(); ++it, ++i) {
            carry += 256 * uint32_t{*it};
            *it = static_cast<uint8_t>(carry % 58);
            carry /= 58;
        }
        used = i;
    }
    auto first = digits.end() - static_cast<std::ptrdiff_t>(used);
    while (first != digits.end() && *first == 0) ++first;

    std::string out(zeroes, '1');
    out.reserve(zeroes + static_cast<size_t>(digits.end() - first));
    for (auto it = first; it != digits.end(); ++it) out += ALPHABET[*it];
    return out;
}

bool DecodeBase58(const std::string& str, std::vector<uint8_t>& out, int max_ret_len)
{
    // Core works on a C string: an embedded NUL would silently end the text, so it is rejected up front.
    if (str.find('\0') != std::string::npos) return false;
    size_t pos = 0;
    const size_t n = str.size();
    while (pos < n && IsSpace(str[pos])) ++pos;

    int zeroes = 0;
    while (pos < n && str[pos] == '1') {
        ++zeroes;
        if (zeroes > max_ret_len) return false;
        ++pos;
    }
    // Big-endian base-256 digits; 733/1000 > log(58)/log(256).
    std::vector<uint8_t> b256((n - pos) * 733 / 1000 + 1);
    int length = 0;
    while (pos < n && !IsSpace(str[pos])) {
        int carry = DIGIT_OF[static_cast<uint8_t>(str[pos])];
        if (carry < 0) return false;
        int i = 0;
        for (auto it = b256.rbegin(); (carry != 0 || i < length) && it != b256.rend(); ++it, ++i) {
            carry += 58 * int{*it};
            *it = static_cast<uint8_t>(carry % 256);
            carry /= 256;
        }
        length = i;
        // Bounding here also bounds the work done on very long inputs.
        if (length + zeroes > max_ret_len) return false;
        ++pos;
    }
    while (pos < n && IsSpace(str[pos])) ++pos;
    if (pos != n) return false;

    out.assign(static_cast<size_t>(zeroes), 0x00);
    out.insert(out.end(), b256.end() - length, b256.end());
    return true;
}

std::string EncodeBase58Check(std::span<const uint8_t> input)
{
    std::vector<uint8_t> data(input.begin(), input.end());
    const uint256 check = Hash256(data);
    data.insert(data.end(), check.begin(), check.begin() + 4);
    return EncodeBase58(data);
}

bool DecodeBase58Check(const std::string& str, std::vector<uint8_t>& out, int max_ret_len)
{
    const int limit = max_ret_len > std::numeric_limits<int>::max() - 4 ? std::numeric_limits<int>::max()
                                                                         : max_ret_len + 4;
    if (!DecodeBase58(str, out, limit) || out.size() < 4) {
        out.clear();
        return false;
    }
    const size_t payload = out.size() - 4;
    const uint256 check = Hash256(std::span<const uint8_t>(out.data(), payload));
    if (std::memcmp(check.data(), out.data() + payload, 4) != 0) {
        out.clear();
        return false;
    }
    out.resize(payload);
    return true;
}
