// Bech32/Bech32m: BCH checksum over GF(32) (BIP173, BIP350) and Core's syndrome-based error location.
#include "address/bech32.h"

#include <array>
#include <optional>

namespace bech32 {
namespace {

constexpr char CHARSET[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/** Value of a data character (either case), or -1. */
constexpr std::array<int8_t, 128> MakeCharsetRev()
{
    std::array<int8_t, 128> rev{};
    for (auto& v : rev) v = -1;
    for (int i = 0; i < 32; ++i) {
        const char c = CHARSET[i];
        rev[static_cast<uint8_t>(c)] = static_cast<int8_t>(i);
        if (c >= 'a' && c <= 'z') rev[static_cast<uint8_t>(c - 'a' + 'A')] = static_cast<int8_t>(i);
    }
    return rev;
}
constexpr std::array<int8_t, 128> CHARSET_REV = MakeCharsetRev();

int CharValue(char c)
{
    const auto u = static_cast<uint8_t>(c);
    return u < 128 ? CHARSET_REV[u] : -1;
}

uint32_t EncodingConstant(Encoding encoding) { return encoding == Encoding::BECH32 ? 1 : 0x2bc830a3; }

/** Remainder of the polynomial 1·x^n + v[0]·x^(n-1) + ... + v[n-1] modulo the BIP173 generator
 *  g(x) = x^6 + {29}x^5 + {22}x^4 + {20}x^3 + {21}x^2 + {29}x + {18} over GF(32), as six packed 5-bit
 *  coefficients. */
uint32_t PolyMod(const std::vector<uint8_t>& v)
{
    // {1,2,4,8,16}·(g(x) - x^6), packed: what the coefficient shifted out at x^6 contributes back.
    static constexpr uint32_t GEN[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    uint32_t c = 1;
    for (uint8_t value : v) {
        const uint32_t top = c >> 25;
        c = ((c & 0x1ffffff) << 5) ^ value;
        for (int bit = 0; bit < 5; ++bit) {
            if ((top >> bit) & 1) c ^= GEN[bit];
        }
    }
    return c;
}

/** High bits of each hrp character, a zero, then the low bits (BIP173 hrp expansion), followed by values. */
std::vector<uint8_t> ChecksumInput(const std::string& hrp, const std::vector<uint8_t>& values)
{
    std::vector<uint8_t> out;
    out.reserve(hrp.size() * 2 + 1 + values.size() + CHECKSUM_SIZE);
    for (char c : hrp) out.push_back(static_cast<uint8_t>(c) >> 5);
    out.push_back(0);
    for (char c : hrp) out.push_back(static_cast<uint8_t>(c) & 31);
    out.insert(out.end(), values.begin(), values.end());
    return out;
}

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

/** Positions of characters outside 33..126, and of letters whose case differs from the first letter's. */
bool CheckCharacters(const std::string& str, std::vector<int>& errors)
{
    bool lower = false;
    bool upper = false;
    for (size_t i = 0; i < str.size(); ++i) {
        const auto c = static_cast<uint8_t>(str[i]);
        if (c >= 'a' && c <= 'z') {
            if (upper) {
                errors.push_back(static_cast<int>(i));
            } else {
                lower = true;
            }
        } else if (c >= 'A' && c <= 'Z') {
            if (lower) {
                errors.push_back(static_cast<int>(i));
            } else {
                upper = true;
            }
        } else if (c < 33 || c > 126) {
            errors.push_back(static_cast<int>(i));
        }
    }
    return errors.empty();
}

// Error location works in GF(1024) = GF(32)[e]/(e^2 + 9e + 23), where GF(32) = GF(2)[a]/(a^5 + a^3 + 1).
// The generator g(x) is the lcm of the minimal polynomials of e^997, e^998 and e^999, so a residue's values
// at those points (the syndromes) identify up to two errors.
struct GfTables {
    std::array<int16_t, 1023> exp{};  // exp[k] = e^k
    std::array<int16_t, 1024> log{};  // log[exp[k]] = k; log[0] = -1
};

constexpr GfTables MakeGfTables()
{
    std::array<int, 31> exp32{};
    std::array<int, 32> log32{};
    log32[0] = -1;
    int v = 1;
    for (int i = 0; i < 31; ++i) {
        exp32[i] = v;
        log32[v] = i;
        v <<= 1;
        if (v & 32) v ^= 41;  // a^5 = a^3 + 1
    }
    auto mul32 = [&](int x, int y) { return (x == 0 || y == 0) ? 0 : exp32[(log32[x] + log32[y]) % 31]; };

    GfTables t;
    t.log[0] = -1;
    v = 1;  // elements are hi·e + lo, packed as hi << 5 | lo
    for (int i = 0; i < 1023; ++i) {
        t.exp[i] = static_cast<int16_t>(v);
        t.log[v] = static_cast<int16_t>(i);
        // e·(hi·e + lo) = hi·e^2 + lo·e = (9·hi + lo)·e + 23·hi, since e^2 = 9e + 23 in characteristic 2.
        const int hi = v >> 5;
        const int lo = v & 31;
        v = ((mul32(hi, 9) ^ lo) << 5) | mul32(hi, 23);
    }
    return t;
}
constexpr GfTables GF = MakeGfTables();

/** For each bit of the residue's five upper coefficients: that bit's contribution to the three syndromes. */
constexpr std::array<uint32_t, 25> MakeSyndromeConstants()
{
    std::array<uint32_t, 25> out{};
    for (int k = 1; k < 6; ++k) {
        for (int shift = 0; shift < 5; ++shift) {
            const int b = GF.log[size_t{1} << shift];
            const uint32_t c0 = static_cast<uint32_t>(GF.exp[(997 * k + b) % 1023]);
            const uint32_t c1 = static_cast<uint32_t>(GF.exp[(998 * k + b) % 1023]);
            const uint32_t c2 = static_cast<uint32_t>(GF.exp[(999 * k + b) % 1023]);
            out[5 * (k - 1) + shift] = c2 << 20 | c1 << 10 | c0;
        }
    }
    return out;
}
constexpr std::array<uint32_t, 25> SYNDROME_CONSTS = MakeSyndromeConstants();

/** The residue evaluated at e^997, e^998, e^999, packed as three 10-bit values. */
uint32_t Syndrome(uint32_t residue)
{
    const uint32_t low = residue & 31;
    uint32_t result = low ^ (low << 10) ^ (low << 20);
    for (int i = 0; i < 25; ++i) {
        if ((residue >> (5 + i)) & 1) result ^= SYNDROME_CONSTS[i];
    }
    return result;
}

/** Likely error positions (string indices, left to right) for a residue, up to two; empty if none found. */
std::vector<int> FindErrors(uint32_t residue, size_t length, size_t str_size)
{
    std::vector<int> found;
    const uint32_t syn = Syndrome(residue);
    const int s0 = static_cast<int>(syn & 0x3ff);
    const int s1 = static_cast<int>((syn >> 10) & 0x3ff);
    const int s2 = static_cast<int>(syn >> 20);
    const int l_s0 = GF.log[s0];
    const int l_s1 = GF.log[s1];
    const int l_s2 = GF.log[s2];
    auto pos_to_index = [&](size_t p) { return static_cast<int>(str_size - p - 1); };

    // One error e1·x^p1 gives s1/s0 = s2/s1 = e^p1, i.e. s1^2 = s0·s2.
    if (l_s0 != -1 && l_s1 != -1 && l_s2 != -1 && (2 * l_s1 - l_s2 - l_s0 + 2046) % 1023 == 0) {
        const size_t p1 = static_cast<size_t>((l_s1 - l_s0 + 1023) % 1023);
        const int l_e1 = l_s0 + (1023 - 997) * static_cast<int>(p1);
        // The position must lie in the data part and e1 must be in GF(32) (a power of e^33).
        if (p1 < length && l_e1 % 33 == 0) found.push_back(pos_to_index(p1));
        return found;
    }
    // Two errors: try each first position and solve for the second.
    for (size_t p1 = 0; p1 < length; ++p1) {
        const int ip1 = static_cast<int>(p1);
        const int s2_s1p1 = s2 ^ (s1 == 0 ? 0 : GF.exp[(l_s1 + ip1) % 1023]);
        if (s2_s1p1 == 0) continue;
        const int l_s2_s1p1 = GF.log[s2_s1p1];
        const int s1_s0p1 = s1 ^ (s0 == 0 ? 0 : GF.exp[(l_s0 + ip1) % 1023]);
        if (s1_s0p1 == 0) continue;
        const int l_s1_s0p1 = GF.log[s1_s0p1];

        const size_t p2 = static_cast<size_t>((l_s2_s1p1 - l_s1_s0p1 + 1023) % 1023);
        if (p2 >= length || p1 == p2) continue;
        const int ip2 = static_cast<int>(p2);

        const int s1_s0p2 = s1 ^ (s0 == 0 ? 0 : GF.exp[(l_s0 + ip2) % 1023]);
        if (s1_s0p2 == 0) continue;
        const int l_s1_s0p2 = GF.log[s1_s0p2];
        const int inv_p1_p2 = 1023 - GF.log[GF.exp[p1] ^ GF.exp[p2]];

        const int l_e2 = l_s1_s0p1 + inv_p1_p2 + (1023 - 997) * ip2;
        if (l_e2 % 33) continue;
        const int l_e1 = l_s1_s0p2 + inv_p1_p2 + (1023 - 997) * ip1;
        if (l_e1 % 33) continue;

        found.push_back(pos_to_index(std::max(p1, p2)));
        found.push_back(pos_to_index(std::min(p1, p2)));
        break;
    }
    return found;
}

} // namespace

std::string Encode(Encoding encoding, const std::string& hrp, const std::vector<uint8_t>& values)
{
    if (encoding == Encoding::INVALID) return {};
    for (char c : hrp) {
        if (c >= 'A' && c <= 'Z') return {};
    }
    for (uint8_t v : values) {
        if (v > 31) return {};
    }
    std::vector<uint8_t> enc = ChecksumInput(hrp, values);
    enc.insert(enc.end(), CHECKSUM_SIZE, 0);
    const uint32_t mod = PolyMod(enc) ^ EncodingConstant(encoding);

    std::string out;
    out.reserve(hrp.size() + 1 + values.size() + CHECKSUM_SIZE);
    out += hrp;
    out += SEPARATOR;
    for (uint8_t v : values) out += CHARSET[v];
    for (size_t i = 0; i < CHECKSUM_SIZE; ++i) out += CHARSET[(mod >> (5 * (5 - i))) & 31];
    return out;
}

DecodeResult Decode(const std::string& str, size_t limit)
{
    std::vector<int> errors;
    if (!CheckCharacters(str, errors)) return {};
    if (str.size() > limit) return {};
    const size_t pos = str.rfind(SEPARATOR);
    if (pos == std::string::npos || pos == 0 || pos + CHECKSUM_SIZE >= str.size()) return {};

    std::vector<uint8_t> values;
    values.reserve(str.size() - 1 - pos);
    for (size_t i = pos + 1; i < str.size(); ++i) {
        const int v = CharValue(str[i]);
        if (v < 0) return {};
        values.push_back(static_cast<uint8_t>(v));
    }
    std::string hrp;
    hrp.reserve(pos);
    for (size_t i = 0; i < pos; ++i) hrp += ToLowerAscii(str[i]);

    const uint32_t check = PolyMod(ChecksumInput(hrp, values));
    Encoding encoding;
    if (check == EncodingConstant(Encoding::BECH32)) {
        encoding = Encoding::BECH32;
    } else if (check == EncodingConstant(Encoding::BECH32M)) {
        encoding = Encoding::BECH32M;
    } else {
        return {};
    }
    values.resize(values.size() - CHECKSUM_SIZE);
    return {encoding, std::move(hrp), std::move(values)};
}

std::pair<std::string, std::vector<int>> LocateErrors(const std::string& str, size_t limit)
{
    std::vector<int> locations;
    if (str.size() > limit) {
        for (size_t i = limit; i < str.size(); ++i) locations.push_back(static_cast<int>(i));
        return {"Bech32 string too long", std::move(locations)};
    }
    if (!CheckCharacters(str, locations)) return {"Invalid character or mixed case", std::move(locations)};

    const size_t pos = str.rfind(SEPARATOR);
    if (pos == std::string::npos) return {"Missing separator", {}};
    if (pos == 0 || pos + CHECKSUM_SIZE >= str.size()) {
        return {"Invalid separator position", {static_cast<int>(pos)}};
    }
    std::string hrp;
    for (size_t i = 0; i < pos; ++i) hrp += ToLowerAscii(str[i]);

    const size_t length = str.size() - 1 - pos;
    std::vector<uint8_t> values;
    values.reserve(length);
    for (size_t i = pos + 1; i < str.size(); ++i) {
        const int v = CharValue(str[i]);
        if (v < 0) return {"Invalid Base 32 character", {static_cast<int>(i)}};
        values.push_back(static_cast<uint8_t>(v));
    }

    // Try both checksums (the witness version could itself be an error) and keep the explanation needing
    // the fewest errors, preferring Bech32 on a tie.
    const uint32_t poly = PolyMod(ChecksumInput(hrp, values));
    std::optional<Encoding> chosen;
    for (Encoding encoding : {Encoding::BECH32, Encoding::BECH32M}) {
        const uint32_t residue = poly ^ EncodingConstant(encoding);
        if (residue == 0) return {"", {}};
        std::vector<int> possible = FindErrors(residue, length, str.size());
        if (locations.empty() || (!possible.empty() && possible.size() < locations.size())) {
            locations = std::move(possible);
            if (!locations.empty()) chosen = encoding;
        }
    }
    const char* message = chosen == Encoding::BECH32M ? "Invalid Bech32m checksum"
                          : chosen == Encoding::BECH32 ? "Invalid Bech32 checksum"
                                                       : "Invalid checksum";
    return {message, std::move(locations)};
}

} // namespace bech32

bool ConvertBits(int frombits, int tobits, bool pad, std::span<const uint8_t> in, std::vector<uint8_t>& out)
{
    if (frombits < 1 || frombits > 8 || tobits < 1 || tobits > 8) return false;
    uint32_t acc = 0;
    int bits = 0;
    const uint32_t maxv = (uint32_t{1} << tobits) - 1;
    const uint32_t max_acc = (uint32_t{1} << (frombits + tobits - 1)) - 1;
    for (uint8_t value : in) {
        if (value >> frombits) return false;
        acc = ((acc << frombits) | value) & max_acc;
        bits += frombits;
        while (bits >= tobits) {
            bits -= tobits;
            out.push_back(static_cast<uint8_t>((acc >> bits) & maxv));
        }
    }
    if (pad) {
        if (bits) out.push_back(static_cast<uint8_t>((acc << (tobits - bits)) & maxv));
    } else if (bits >= frombits || ((acc << (tobits - bits)) & maxv)) {
        return false;
    }
    return true;
}
