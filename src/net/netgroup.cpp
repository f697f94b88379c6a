// Routability, network classes, network groups and the asmap interpreter (see netgroup.h).
#include "net/netgroup.h"

#include "crypto/hash.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <iterator>

namespace {
bool Prefix(const NetAddr& a, std::initializer_list<uint8_t> p)
{
    if (a.bytes.size() < p.size()) return false;
    return std::equal(p.begin(), p.end(), a.bytes.begin());
}
const uint8_t* V4(const NetAddr& a) { return a.IsIPv4() && a.bytes.size() == 4 ? a.bytes.data() : nullptr; }
const uint8_t* V6(const NetAddr& a) { return a.IsIPv6() && a.bytes.size() == 16 ? a.bytes.data() : nullptr; }

/** The IPv4 address carried by IPv6 transition forms (RFC6145, RFC6052, RFC3964 6to4, RFC4380 Teredo). */
std::optional<std::array<uint8_t, 4>> EmbeddedIPv4(const NetAddr& a)
{
    const uint8_t* b = V6(a);
    if (!b) return std::nullopt;
    static const uint8_t RFC6145[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0};
    static const uint8_t RFC6052[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    if (std::memcmp(b, RFC6145, 12) == 0 || std::memcmp(b, RFC6052, 12) == 0) return std::array{b[12], b[13], b[14], b[15]};
    if (b[0] == 0x20 && b[1] == 0x02) return std::array{b[2], b[3], b[4], b[5]};
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) {
        return std::array<uint8_t, 4>{static_cast<uint8_t>(~b[12]), static_cast<uint8_t>(~b[13]),
                                      static_cast<uint8_t>(~b[14]), static_cast<uint8_t>(~b[15])};
    }
    return std::nullopt;
}

// ---- asmap bytecode (Core's util/asmap.cpp instruction set) ----
constexpr uint32_t INVALID = 0xFFFFFFFF;
using BitIt = std::vector<bool>::const_iterator;

uint32_t DecodeBits(BitIt& pos, const BitIt& end, uint8_t minval, const std::vector<uint8_t>& bit_sizes)
{
    uint32_t val = minval;
    for (auto it = bit_sizes.begin(); it != bit_sizes.end(); ++it) {
        bool bit = false;
        if (it + 1 != bit_sizes.end()) {
            if (pos == end) break;
            bit = *pos++;
        }
        if (bit) {
            val += (1u << *it);
        } else {
            for (int b = 0; b < *it; ++b) {
                if (pos == end) return INVALID;
                val += static_cast<uint32_t>(*pos++) << (*it - 1 - b);
            }
            return val;
        }
    }
    return INVALID;
}

enum class Op : uint32_t { RETURN = 0, JUMP = 1, MATCH = 2, DEFAULT = 3 };
const std::vector<uint8_t> TYPE_BITS{0, 0, 1};
const std::vector<uint8_t> ASN_BITS{15, 16, 17, 18, 19, 20, 21, 22, 23, 24};
const std::vector<uint8_t> MATCH_BITS{1, 2, 3, 4, 5, 6, 7, 8};
const std::vector<uint8_t> JUMP_BITS{5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30};
Op DecodeOp(BitIt& p, const BitIt& e) { return static_cast<Op>(DecodeBits(p, e, 0, TYPE_BITS)); }
uint32_t DecodeAsn(BitIt& p, const BitIt& e) { return DecodeBits(p, e, 1, ASN_BITS); }
uint32_t DecodeMatch(BitIt& p, const BitIt& e) { return DecodeBits(p, e, 2, MATCH_BITS); }
uint32_t DecodeJump(BitIt& p, const BitIt& e) { return DecodeBits(p, e, 17, JUMP_BITS); }
}  // namespace

bool IsValidAddr(const NetAddr& a)
{
    if (const uint8_t* b = V4(a)) {
        const uint32_t v = (uint32_t{b[0]} << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
        return v != 0 && v != 0xFFFFFFFF;
    }
    if (const uint8_t* b = V6(a)) {
        static const uint8_t ZERO[16] = {};
        if (std::memcmp(b, ZERO, 16) == 0) return false;
        if (Prefix(a, {0x20, 0x01, 0x0d, 0xb8})) return false;  // RFC3849 documentation
        return true;
    }
    return !a.bytes.empty() && Bip155AddressSize(static_cast<uint8_t>(a.network)) == a.bytes.size();
}

bool IsRoutableAddr(const NetAddr& a)
{
    if (!IsValidAddr(a) || a.IsLocal()) return false;
    if (const uint8_t* b = V4(a)) {
        if (b[0] == 10 || (b[0] == 192 && b[1] == 168) || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)) return false;  // RFC1918
        if (b[0] == 198 && (b[1] == 18 || b[1] == 19)) return false;                                             // RFC2544
        if (b[0] == 169 && b[1] == 254) return false;                                                              // RFC3927
        if (b[0] == 100 && (b[1] & 0xc0) == 64) return false;                                                      // RFC6598
        if ((b[0] == 192 && b[1] == 0 && b[2] == 2) || (b[0] == 198 && b[1] == 51 && b[2] == 100) ||
            (b[0] == 203 && b[1] == 0 && b[2] == 113)) {
            return false;  // RFC5737
        }
        return true;
    }
    if (const uint8_t* b = V6(a)) {
        if (b[0] == 0xfe && b[1] == 0x80 && std::all_of(b + 2, b + 8, [](uint8_t x) { return x == 0; })) return false;  // RFC4862
        if ((b[0] & 0xfe) == 0xfc) return false;                                                  // RFC4193
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && (b[3] & 0xf0) == 0x10) return false;  // RFC4843
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && (b[3] & 0xf0) == 0x20) return false;  // RFC7343
        if (auto v4 = EmbeddedIPv4(a)) return IsRoutableAddr(NetAddr::FromIPv4(*v4));
        return true;
    }
    return true;
}

NetClass GetNetClass(const NetAddr& a)
{
    if (!IsRoutableAddr(a)) return NetClass::UNROUTABLE;
    switch (a.network) {
    case NetworkId::IPV4: return NetClass::IPV4;
    case NetworkId::IPV6: return EmbeddedIPv4(a) ? NetClass::IPV4 : NetClass::IPV6;
    case NetworkId::TORV3: return NetClass::ONION;
    case NetworkId::I2P: return NetClass::I2P;
    case NetworkId::CJDNS: return NetClass::CJDNS;
    case NetworkId::TORV2: break;
    }
    return NetClass::UNROUTABLE;
}

std::string NetClassName(NetClass c)
{
    switch (c) {
    case NetClass::UNROUTABLE: return "not_publicly_routable";
    case NetClass::IPV4: return "ipv4";
    case NetClass::IPV6: return "ipv6";
    case NetClass::ONION: return "onion";
    case NetClass::I2P: return "i2p";
    case NetClass::CJDNS: return "cjdns";
    case NetClass::INTERNAL: return "internal";
    }
    return "";
}

std::optional<NetClass> ParseNetClass(const std::string& name)
{
    std::string n;
    for (char c : name) n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (n == "ipv4") return NetClass::IPV4;
    if (n == "ipv6") return NetClass::IPV6;
    if (n == "onion" || n == "tor") return NetClass::ONION;
    if (n == "i2p") return NetClass::I2P;
    if (n == "cjdns") return NetClass::CJDNS;
    return std::nullopt;
}

uint32_t InterpretAsmap(const std::vector<bool>& asmap, const std::vector<bool>& ip)
{
    BitIt pos = asmap.begin();
    const BitIt end = asmap.end();
    size_t bits = ip.size();
    uint32_t default_asn = 0;
    while (pos != end) {
        const Op op = DecodeOp(pos, end);
        if (op == Op::RETURN) {
            const uint32_t asn = DecodeAsn(pos, end);
            return asn == INVALID ? 0 : asn;
        } else if (op == Op::JUMP) {
            const uint32_t jump = DecodeJump(pos, end);
            if (jump == INVALID || bits == 0 || int64_t{jump} >= int64_t{end - pos}) return 0;
            if (ip[ip.size() - bits]) pos += jump;
            --bits;
        } else if (op == Op::MATCH) {
            const uint32_t match = DecodeMatch(pos, end);
            if (match == INVALID) return 0;
            const uint32_t matchlen = std::bit_width(match) - 1;
            if (bits < matchlen) return 0;
            for (uint32_t bit = 0; bit < matchlen; ++bit) {
                if (ip[ip.size() - bits] != static_cast<bool>((match >> (matchlen - 1 - bit)) & 1)) return default_asn;
                --bits;
            }
        } else if (op == Op::DEFAULT) {
            default_asn = DecodeAsn(pos, end);
            if (default_asn == INVALID) return 0;
        } else {
            return 0;
        }
    }
    return 0;
}

bool CheckAsmap(const std::vector<bool>& asmap)
{
    int bits = 128;
    const BitIt begin = asmap.begin(), end = asmap.end();
    BitIt pos = begin;
    std::vector<std::pair<uint32_t, int>> jumps;  // bit offset we may jump to, input bits left there
    Op prev = Op::JUMP;
    bool had_incomplete_match = false;
    while (pos != end) {
        uint32_t offset = static_cast<uint32_t>(pos - begin);
        if (!jumps.empty() && offset >= jumps.back().first) return false;
        const Op op = DecodeOp(pos, end);
        if (op == Op::RETURN) {
            if (prev == Op::DEFAULT) return false;
            if (DecodeAsn(pos, end) == INVALID) return false;
            if (jumps.empty()) {
                if (end - pos > 7) return false;  // padding beyond the last byte
                for (; pos != end; ++pos) {
                    if (*pos) return false;
                }
                return true;
            }
            offset = static_cast<uint32_t>(pos - begin);
            if (offset != jumps.back().first) return false;  // unreachable code
            bits = jumps.back().second;
            jumps.pop_back();
            prev = Op::JUMP;
        } else if (op == Op::JUMP) {
            const uint32_t jump = DecodeJump(pos, end);
            if (jump == INVALID || int64_t{jump} > int64_t{end - pos} || bits == 0) return false;
            --bits;
            const uint32_t target = static_cast<uint32_t>(pos - begin) + jump;
            if (!jumps.empty() && target >= jumps.back().first) return false;
            jumps.emplace_back(target, bits);
            prev = Op::JUMP;
        } else if (op == Op::MATCH) {
            const uint32_t match = DecodeMatch(pos, end);
            if (match == INVALID) return false;
            const int matchlen = std::bit_width(match) - 1;
            if (prev != Op::MATCH) had_incomplete_match = false;
            if (matchlen < 8 && had_incomplete_match) return false;
            had_incomplete_match = matchlen < 8;
            if (bits < matchlen) return false;
            bits -= matchlen;
            prev = Op::MATCH;
        } else if (op == Op::DEFAULT) {
            if (prev == Op::DEFAULT) return false;
            if (DecodeAsn(pos, end) == INVALID) return false;
            prev = Op::DEFAULT;
        } else {
            return false;
        }
    }
    return false;
}

std::optional<std::vector<bool>> LoadAsmap(const std::string& path, std::string& error)
{
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        error = "Could not find asmap file " + path;
        return std::nullopt;
    }
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::vector<bool> bits;
    bits.reserve(bytes.size() * 8);
    for (uint8_t b : bytes) {
        for (int i = 0; i < 8; ++i) bits.push_back((b >> i) & 1);
    }
    if (!CheckAsmap(bits)) {
        error = "Could not parse asmap file " + path;
        return std::nullopt;
    }
    return bits;
}

NetGroupManager::NetGroupManager(std::vector<bool> asmap) : m_asmap(std::move(asmap))
{
    if (m_asmap.empty()) return;
    std::vector<uint8_t> bytes((m_asmap.size() + 7) / 8, 0);
    for (size_t i = 0; i < m_asmap.size(); ++i) {
        if (m_asmap[i]) bytes[i / 8] |= static_cast<uint8_t>(1 << (i % 8));
    }
    m_version = Hash256(bytes);
}

uint32_t NetGroupManager::GetMappedAS(const NetAddr& addr) const
{
    if (m_asmap.empty()) return 0;
    const NetClass c = GetNetClass(addr);
    if (c != NetClass::IPV4 && c != NetClass::IPV6) return 0;
    std::array<uint8_t, 16> raw{};
    if (auto v4 = addr.IsIPv4() ? std::optional(std::array{addr.bytes[0], addr.bytes[1], addr.bytes[2], addr.bytes[3]})
                                : EmbeddedIPv4(addr)) {
        raw[10] = raw[11] = 0xff;
        std::copy(v4->begin(), v4->end(), raw.begin() + 12);
    } else {
        std::copy(addr.bytes.begin(), addr.bytes.end(), raw.begin());
    }
    std::vector<bool> ip;
    ip.reserve(128);
    for (uint8_t b : raw) {
        for (int i = 7; i >= 0; --i) ip.push_back((b >> i) & 1);
    }
    return InterpretAsmap(m_asmap, ip);
}

std::vector<uint8_t> NetGroupManager::GetGroup(const NetAddr& addr) const
{
    std::vector<uint8_t> out;
    if (const uint32_t asn = GetMappedAS(addr); asn != 0) {
        // IPv4 and IPv6 of one AS share a group.
        out.push_back(static_cast<uint8_t>(NetClass::IPV6));
        for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(asn >> (8 * i)));
        return out;
    }
    const NetClass c = GetNetClass(addr);
    out.push_back(static_cast<uint8_t>(c));
    if (c == NetClass::UNROUTABLE) return out;  // local and other unroutable addresses share one group
    if (c == NetClass::IPV4) {
        const auto v4 = addr.IsIPv4() ? std::array{addr.bytes[0], addr.bytes[1], addr.bytes[2], addr.bytes[3]}
                                      : *EmbeddedIPv4(addr);
        out.push_back(v4[0]);
        out.push_back(v4[1]);
        return out;
    }
    int bits = 32;
    if (c == NetClass::ONION || c == NetClass::I2P) {
        bits = 4;
    } else if (c == NetClass::CJDNS) {
        bits = 12;
    } else if (Prefix(addr, {0x20, 0x01, 0x04, 0x70})) {
        bits = 36;  // Hurricane Electric hands out /36s
    }
    const size_t whole = static_cast<size_t>(bits / 8);
    out.insert(out.end(), addr.bytes.begin(), addr.bytes.begin() + static_cast<long>(whole));
    if (bits % 8) out.push_back(static_cast<uint8_t>(addr.bytes[whole] | ((1 << (8 - bits % 8)) - 1)));
    return out;
}
