// BIP380 descriptor checksum: a BCH code over 5-bit symbols derived from the descriptor characters.
#include "script/descriptor_checksum.h"

#include <cstdint>

namespace {
// Generator of the BCH code (BIP380, "Checksum"): multiply by x modulo G(x) over GF(32).
uint64_t PolyMod(uint64_t c, int val) {
    const uint8_t c0 = static_cast<uint8_t>(c >> 35);
    c = ((c & 0x7ffffffffULL) << 5) ^ static_cast<uint64_t>(val);
    if (c0 & 1) c ^= 0xf5dee51989ULL;
    if (c0 & 2) c ^= 0xa9fdca3312ULL;
    if (c0 & 4) c ^= 0x1bab10e32dULL;
    if (c0 & 8) c ^= 0x3706b1677aULL;
    if (c0 & 16) c ^= 0x644d626ffdULL;
    return c;
}

// BIP380 INPUT_CHARSET: three groups of 32; position within a group and the group number are coded apart.
constexpr std::string_view INPUT_CHARSET =
    "0123456789()[],'/*abcdefgh@:$%{}"
    "IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~"
    "ijklmnopqrstuvwxyzABCDEFGH`#\"\\ ";
constexpr std::string_view CHECKSUM_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
}  // namespace

std::string DescriptorChecksum(std::string_view desc) {
    uint64_t c = 1;
    int cls = 0;
    int clscount = 0;
    for (char ch : desc) {
        const size_t pos = INPUT_CHARSET.find(ch);
        if (pos == std::string_view::npos) return "";
        c = PolyMod(c, static_cast<int>(pos & 31));
        cls = cls * 3 + static_cast<int>(pos >> 5);
        if (++clscount == 3) {
            c = PolyMod(c, cls);
            cls = 0;
            clscount = 0;
        }
    }
    if (clscount > 0) c = PolyMod(c, cls);
    for (int j = 0; j < 8; ++j) c = PolyMod(c, 0);
    c ^= 1;  // so that appending zero symbols changes the checksum
    std::string ret(8, ' ');
    for (int j = 0; j < 8; ++j) ret[j] = CHECKSUM_CHARSET[(c >> (5 * (7 - j))) & 31];
    return ret;
}

std::string AddDescriptorChecksum(const std::string& desc) {
    return desc + "#" + DescriptorChecksum(desc);
}
