// Bech32 and Bech32m strings and segwit addresses from BIP173 and BIP350, and Core's error messages.
#include "address/bech32.h"
#include "address/destination.h"
#include "testutil/vectors.h"

#include <gtest/gtest.h>

#include <tuple>

namespace {

std::string FromHex(const std::string& hex)
{
    const Bytes b = ParseHex(hex);
    return std::string(b.begin(), b.end());
}

std::string Lower(std::string s)
{
    for (char& c : s) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return s;
}

/** The BIP173/BIP350 reference segwit_addr.decode, written from the BIPs' rules. */
std::optional<std::pair<int, Bytes>> SegwitDecode(const std::string& hrp, const std::string& addr)
{
    const auto dec = bech32::Decode(addr);
    if (dec.encoding == bech32::Encoding::INVALID || dec.hrp != hrp || dec.data.empty()) return std::nullopt;
    if (dec.data[0] > 16) return std::nullopt;
    Bytes program;
    if (!ConvertBits(5, 8, false, std::span<const uint8_t>(dec.data).subspan(1), program)) return std::nullopt;
    if (program.size() < 2 || program.size() > 40) return std::nullopt;
    if (dec.data[0] == 0 && program.size() != 20 && program.size() != 32) return std::nullopt;
    const auto want = dec.data[0] == 0 ? bech32::Encoding::BECH32 : bech32::Encoding::BECH32M;
    if (dec.encoding != want) return std::nullopt;
    return std::make_pair(int(dec.data[0]), program);
}

Bytes WitnessScript(int version, const Bytes& program)
{
    Bytes s{static_cast<uint8_t>(version == 0 ? 0 : 0x50 + version), static_cast<uint8_t>(program.size())};
    s.insert(s.end(), program.begin(), program.end());
    return s;
}

Chain ChainForHrp(const std::string& address)
{
    return Lower(address.substr(0, 2)) == "tb" ? Chain::TESTNET : Chain::MAIN;
}

struct Tally {
    size_t passed = 0;
    size_t total = 0;
    void Add(bool ok) { passed += ok, ++total; }
};

void CheckValidStrings(const nlohmann::json& list, bech32::Encoding encoding, Tally& tally)
{
    for (const auto& row : list) {
        const std::string str = FromHex(row["hex"].get<std::string>());
        const auto dec = bech32::Decode(str);
        bool ok = dec.encoding == encoding;
        // Re-encoding gives the lower-case string back; LocateErrors finds nothing.
        ok = ok && bech32::Encode(encoding, dec.hrp, dec.data) == Lower(str);
        ok = ok && bech32::LocateErrors(str).first.empty();
        // Any single flipped data character breaks the checksum.
        std::string bad = str;
        bad[str.rfind('1') + 1] ^= 1;
        ok = ok && bech32::Decode(bad).encoding == bech32::Encoding::INVALID;
        EXPECT_TRUE(ok) << str;
        tally.Add(ok);
    }
}

void CheckInvalidStrings(const nlohmann::json& list, bech32::Encoding encoding, Tally& tally)
{
    for (const auto& row : list) {
        const std::string str = FromHex(row["hex"].get<std::string>());
        const auto dec = bech32::Decode(str);
        bool ok = dec.encoding != encoding;
        if (dec.encoding == bech32::Encoding::INVALID) ok = ok && !bech32::LocateErrors(str).first.empty();
        EXPECT_TRUE(ok) << str << " (" << row["reason"].get<std::string>() << ")";
        tally.Add(ok);
    }
}

} // namespace

TEST(Bech32, BipVectors)
{
    const auto vectors = ReadVectorJson("bips/bech32_vectors.json");
    Tally tally;
    CheckValidStrings(vectors["bip173"]["valid_bech32"], bech32::Encoding::BECH32, tally);
    CheckValidStrings(vectors["bip350"]["valid_bech32m"], bech32::Encoding::BECH32M, tally);
    CheckInvalidStrings(vectors["bip173"]["invalid_bech32"], bech32::Encoding::BECH32, tally);
    CheckInvalidStrings(vectors["bip350"]["invalid_bech32m"], bech32::Encoding::BECH32M, tally);

    // BIP350 addresses: decode to the script both by the BIP's rules and through DecodeDestination, and encode
    // back to the lower-case address.
    for (const auto& row : vectors["bip350"]["valid_segwit_addresses"]) {
        const std::string addr = row["address"].get<std::string>();
        const std::string spk = row["scriptPubKey_hex"].get<std::string>();
        const Chain chain = ChainForHrp(addr);
        const auto seg = SegwitDecode(GetChainPrefixes(chain).bech32_hrp, addr);
        std::string error;
        const Destination dest = DecodeDestination(addr, chain, &error);
        bool ok = seg && HexStr(WitnessScript(seg->first, seg->second)) == spk;
        ok = ok && IsValidDestination(dest) && HexStr(GetScriptForDestination(dest).bytes()) == spk && error.empty();
        ok = ok && EncodeDestination(dest, chain) == Lower(addr);
        EXPECT_TRUE(ok) << addr << " " << error;
        tally.Add(ok);
    }
    for (const auto& row : vectors["bip350"]["invalid_segwit_addresses"]) {
        const std::string addr = row["address"].get<std::string>();
        bool ok = true;
        for (Chain chain : {Chain::MAIN, Chain::TESTNET}) {
            std::string error;
            ok = ok && !SegwitDecode(GetChainPrefixes(chain).bech32_hrp, addr);
            ok = ok && !IsValidDestination(DecodeDestination(addr, chain, &error)) && !error.empty();
        }
        EXPECT_TRUE(ok) << addr << " (" << row["reason"].get<std::string>() << ")";
        tally.Add(ok);
    }
    // BIP173 addresses: version 0 ones stay valid; version 1+ ones carry a Bech32 checksum, which BIP350 rejects.
    for (const auto& row : vectors["bip173"]["valid_segwit_addresses"]) {
        const std::string addr = row["address"].get<std::string>();
        const std::string spk = row["scriptPubKey_hex"].get<std::string>();
        const Chain chain = ChainForHrp(addr);
        const bool v0 = spk.substr(0, 2) == "00";
        const Destination dest = DecodeDestination(addr, chain);
        bool ok = bech32::Decode(addr).encoding == bech32::Encoding::BECH32;
        if (v0) {
            ok = ok && IsValidDestination(dest) && HexStr(GetScriptForDestination(dest).bytes()) == spk;
        } else {
            ok = ok && !IsValidDestination(dest) && !SegwitDecode(GetChainPrefixes(chain).bech32_hrp, addr);
        }
        EXPECT_TRUE(ok) << addr;
        tally.Add(ok);
    }
    for (const auto& row : vectors["bip173"]["invalid_segwit_addresses"]) {
        const std::string addr = row["address"].get<std::string>();
        bool ok = true;
        for (Chain chain : {Chain::MAIN, Chain::TESTNET}) {
            ok = ok && !SegwitDecode(GetChainPrefixes(chain).bech32_hrp, addr);
            ok = ok && !IsValidDestination(DecodeDestination(addr, chain));
        }
        EXPECT_TRUE(ok) << addr << " (" << row["reason"].get<std::string>() << ")";
        tally.Add(ok);
    }
    EXPECT_EQ(tally.total, 7u + 7 + 12 + 14 + 8 + 15 + 6 + 10);
    ReportVectorCount("bech32_vectors.json", tally.passed, tally.total);
}

TEST(Bech32, LengthLimitIsNinetyCharacters)
{
    const std::string hrp = "a";
    // 1 + 1 + 82 + 6 = 90 characters.
    const std::string ok90 = bech32::Encode(bech32::Encoding::BECH32, hrp, Bytes(82, 0));
    ASSERT_EQ(ok90.size(), 90u);
    EXPECT_EQ(bech32::Decode(ok90).encoding, bech32::Encoding::BECH32);
    const std::string too_long = bech32::Encode(bech32::Encoding::BECH32, hrp, Bytes(83, 0));
    EXPECT_EQ(bech32::Decode(too_long).encoding, bech32::Encoding::INVALID);
    EXPECT_EQ(bech32::Decode(too_long, 91).encoding, bech32::Encoding::BECH32);
    const auto err = bech32::LocateErrors(too_long);
    EXPECT_EQ(err.first, "Bech32 string too long");
    EXPECT_EQ(err.second, std::vector<int>{90});
}

TEST(Bech32, RejectsMixedCaseAndEncodeRejectsUpperCaseHrp)
{
    const std::string s = bech32::Encode(bech32::Encoding::BECH32M, "tb", {1, 2, 3});
    std::string mixed = s;
    mixed[0] = 'T';
    EXPECT_EQ(bech32::Decode(mixed).encoding, bech32::Encoding::INVALID);
    EXPECT_EQ(bech32::LocateErrors(mixed).first, "Invalid character or mixed case");
    EXPECT_EQ(bech32::Decode(Lower(s)).encoding, bech32::Encoding::BECH32M);
    std::string upper = s;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const auto dec = bech32::Decode(upper);
    EXPECT_EQ(dec.encoding, bech32::Encoding::BECH32M);
    EXPECT_EQ(dec.hrp, "tb");
    EXPECT_EQ(bech32::Encode(bech32::Encoding::BECH32, "Tb", {1}), "");
}

TEST(Bech32, LocateErrorsMatchesCoreMessagesAndPositions)
{
    // Cases and expected results from Core's bech32_tests (bech32_testvectors_invalid, bech32m_testvectors_invalid).
    const std::vector<std::tuple<std::string, std::string, std::vector<int>>> cases = {
        {" 1nwldj5", "Invalid character or mixed case", {0}},
        {"\x7f" "1axkwrx", "Invalid character or mixed case", {0}},
        {"\x80" "1eym55h", "Invalid character or mixed case", {0}},
        {"an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
         "Bech32 string too long", {90}},
        {"pzry9x0s0muk", "Missing separator", {}},
        {"1pzry9x0s0muk", "Invalid separator position", {0}},
        {"x1b4n0q5v", "Invalid Base 32 character", {2}},
        {"li1dgmt3", "Invalid separator position", {2}},
        {"de1lg7wt\xff", "Invalid character or mixed case", {8}},
        {"A1G7SGD8", "Invalid checksum", {}},
        {"10a06t8", "Invalid separator position", {0}},
        {"1qzzfhee", "Invalid separator position", {0}},
        {"a12UEL5L", "Invalid character or mixed case", {3, 4, 5, 7}},
        {"A12uEL5L", "Invalid character or mixed case", {3}},
        {"abcdef1qpzrz9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", "Invalid Bech32 checksum", {11}},
        {"test1zg69w7y6hn0aqy352euf40x77qddq3dc", "Invalid Bech32 checksum", {9, 16}},
        {"lt1igcx5c0", "Invalid Base 32 character", {3}},
        {"mm1crxm3i", "Invalid Base 32 character", {8}},
        {"au1s5cgom", "Invalid Base 32 character", {7}},
        {"M1VUXWEZ", "Invalid checksum", {}},
        {"abcdef1l7aum6echk45nj2s0wdvt2fg8x9yrzpqzd3ryx", "Invalid Bech32m checksum", {21}},
        {"test1zg69v7y60n00qy352euf40x77qcusag6", "Invalid Bech32m checksum", {13, 32}},
    };
    for (const auto& [str, message, positions] : cases) {
        EXPECT_EQ(bech32::Decode(str).encoding, bech32::Encoding::INVALID) << str;
        const auto [error, locations] = bech32::LocateErrors(str);
        EXPECT_EQ(error, message) << str;
        EXPECT_EQ(locations, positions) << str;
    }
}

TEST(Bech32, ConvertBitsPaddingRules)
{
    Bytes out;
    ASSERT_TRUE(ConvertBits(8, 5, true, Bytes{0xff}, out));
    EXPECT_EQ(out, (Bytes{31, 28}));
    Bytes back;
    EXPECT_TRUE(ConvertBits(5, 8, false, out, back));
    EXPECT_EQ(back, Bytes{0xff});
    back.clear();
    EXPECT_FALSE(ConvertBits(5, 8, false, Bytes{31, 29}, back));  // non-zero padding bits
    back.clear();
    EXPECT_FALSE(ConvertBits(5, 8, false, Bytes{31, 28, 0}, back));  // a whole spare group
    back.clear();
    EXPECT_FALSE(ConvertBits(5, 8, false, Bytes{32}, back));  // value wider than 5 bits
}
