// Address and WIF text forms per chain against Core's key_io vectors, and DecodeDestination's error messages.
#include "address/base58.h"
#include "address/destination.h"
#include "testutil/vectors.h"

#include <gtest/gtest.h>

#include <tuple>

namespace {

const Chain ALL_CHAINS[] = {Chain::MAIN, Chain::TESTNET, Chain::TESTNET4, Chain::SIGNET, Chain::REGTEST};

/** Whether text of this kind (WIF, Base58 address or bech32 address) written for `from` reads the same on `to`:
 *  only the prefixes that kind uses need to agree (regtest shares Base58 versions with testnet, not its HRP). */
bool SharesPrefixesFor(const std::string& text, bool is_privkey, Chain from, Chain to)
{
    const ChainPrefixes& a = GetChainPrefixes(from);
    const ChainPrefixes& b = GetChainPrefixes(to);
    if (is_privkey) return a.secret_key == b.secret_key;
    std::string lower = text;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.rfind(a.bech32_hrp + "1", 0) == 0) return a.bech32_hrp == b.bech32_hrp;
    return a.pubkey_address == b.pubkey_address && a.script_address == b.script_address;
}

std::string FlipCase(std::string s)
{
    for (char& c : s) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        } else if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return s;
}

/** One key_io_valid row on one chain, in both directions (Core's key_io_valid_parse and key_io_valid_gen). */
bool CheckValidRow(const std::string& text, const Bytes& payload, const nlohmann::json& meta, Chain chain)
{
    bool ok = true;
    if (meta["isPrivkey"].get<bool>()) {
        const bool compressed = meta["isCompressed"].get<bool>();
        const Key key = DecodeSecret(text, chain);
        ok = ok && key.IsValid() && key.IsCompressed() == compressed &&
             Bytes(key.bytes().begin(), key.bytes().end()) == payload;
        ok = ok && !IsValidDestination(DecodeDestination(text, chain));  // a WIF is no address
        Key built;
        built.Set(payload, compressed);
        ok = ok && built.IsValid() && EncodeSecret(built, chain) == text;
    } else {
        const bool case_flip = meta.contains("tryCaseFlip") && meta["tryCaseFlip"].get<bool>();
        std::string error;
        const Destination dest = DecodeDestination(text, chain, &error);
        ok = ok && IsValidDestination(dest) && error.empty() && GetScriptForDestination(dest).bytes() == payload;
        const Destination flipped = DecodeDestination(FlipCase(text), chain);
        ok = ok && IsValidDestination(flipped) == case_flip;
        if (IsValidDestination(flipped)) ok = ok && GetScriptForDestination(flipped).bytes() == payload;
        ok = ok && !DecodeSecret(text, chain).IsValid();  // an address is no WIF

        Destination extracted;
        ok = ok && ExtractDestination(Script(payload), extracted) && EncodeDestination(extracted, chain) == text;
        ok = ok && IsValidDestinationString(text, chain);
    }
    return ok;
}

} // namespace

TEST(KeyIo, ValidVectorsOnEveryChainWithTheSamePrefixes)
{
    const auto tests = ReadVectorJson("bitcoin-core/key_io_valid.json");
    size_t passed = 0;
    size_t chain_checks = 0;
    for (const auto& row : tests) {
        const std::string text = row[0].get<std::string>();
        const Bytes payload = ParseHex(row[1].get<std::string>());
        const auto& meta = row[2];
        const auto chain = ParseChainName(meta["chain"].get<std::string>());
        ASSERT_TRUE(chain.has_value()) << meta.dump();
        const bool is_privkey = meta["isPrivkey"].get<bool>();
        bool ok = true;
        // A row holds on every chain sharing the prefixes it uses (e.g. "testnet4" rows on testnet3 and signet).
        for (Chain other : ALL_CHAINS) {
            if (!SharesPrefixesFor(text, is_privkey, *chain, other)) continue;
            ++chain_checks;
            const bool row_ok = CheckValidRow(text, payload, meta, other);
            EXPECT_TRUE(row_ok) << text << " on " << ChainName(other);
            ok = ok && row_ok;
        }
        // And nowhere else: a different chain's prefixes reject it.
        for (Chain other : ALL_CHAINS) {
            if (SharesPrefixesFor(text, is_privkey, *chain, other)) continue;
            const bool rejected = !IsValidDestination(DecodeDestination(text, other)) &&
                                  !DecodeSecret(text, other).IsValid();
            EXPECT_TRUE(rejected) << text << " accepted on " << ChainName(other);
            ok = ok && rejected;
        }
        if (ok) ++passed;
    }
    EXPECT_EQ(tests.size(), 70u);
    EXPECT_GT(chain_checks, tests.size());
    ReportVectorCount("key_io_valid.json", passed, tests.size());
}

TEST(KeyIo, InvalidVectorsRejectedAsAddressAndWifOnEveryChain)
{
    const auto tests = ReadVectorJson("bitcoin-core/key_io_invalid.json");
    size_t passed = 0;
    for (const auto& row : tests) {
        const std::string text = row[0].get<std::string>();
        bool ok = true;
        for (Chain chain : ALL_CHAINS) {
            std::string error;
            const bool rejected = !IsValidDestination(DecodeDestination(text, chain, &error)) && !error.empty() &&
                                  !DecodeSecret(text, chain).IsValid() && !IsValidDestinationString(text, chain);
            EXPECT_TRUE(rejected) << "'" << text << "' on " << ChainName(chain);
            ok = ok && rejected;
        }
        if (ok) ++passed;
    }
    EXPECT_EQ(tests.size(), 70u);
    ReportVectorCount("key_io_invalid.json", passed, tests.size());
}

TEST(KeyIo, DecodeDestinationErrorMessagesAsCore)
{
    // Addresses, messages and error locations from Core's test/functional/rpc_invalid_address_message.py
    // (regtest).
    const std::vector<std::tuple<std::string, std::string, std::vector<int>>> cases = {
        {"bcrt1s0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav25430mtr",
         "Invalid Bech32 address program size (41 bytes)", {}},
        {"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
         "Invalid or unsupported Segwit (Bech32) or Base58 encoding.", {}},
        {"bcrt1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqdmchcc",
         "Version 1+ witness address must use Bech32m checksum", {}},
        {"bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7k35mrzd", "Version 0 witness address must use Bech32 checksum", {}},
        {"bcrt130xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqynjegk", "Invalid Bech32 address witness version",
         {}},
        {"bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kqqq5k3my",
         "Invalid Bech32 v0 address program size (21 bytes), per BIP141", {}},
        {"bcrt1q049edschfnwystcqnsvyfpj23mpsg3jcedq9xv049edschfnwystcqnsvyfpj23mpsg3jcedq9xv049edschfnwystcqnsvyfpj23m",
         "Bech32 string too long",
         {90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107}},
        {"bcrt1q049edschfnwystcqnsvyfpj23mpsg3jcedq9xv", "Invalid Bech32 checksum", {9}},
        {"bcrt1qax9suht3qv95sw33xavx8crpxduefdrsvgsklu", "Invalid Bech32 checksum", {22, 43}},
        {"BCRT1QPLMTZKC2XHARPPZDLNPAQL78RSHJ68U32RAH7R", "Invalid Bech32 checksum", {38}},
        {"bcrtq049ldschfnwystcqnsvyfpj23mpsg3jcedq9xv", "Missing separator", {}},
        {"bcrt1q04oldschfnwystcqnsvyfpj23mpsg3jcedq9xv", "Invalid Base 32 character", {8}},
        {"bcrt1qdg3myrgvzw7ml8q0ejxhlkyxn7vl9r56yzkfgvzclrf4hkpx9yfqhpsuks", "Invalid Bech32 checksum", {19, 30}},
        {"bcrt1ptmp74ayg7p24uslctssvjm06q5phz4yrxucgnv", "Invalid Bech32 checksum", {5}},
        {"17VZNX1SN5NtKa8UQFxwQbFeFc3iqRYhem", "Invalid or unsupported Base58-encoded address.", {}},
        {"mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJJfn", "Invalid checksum or length of Base58 address (P2PKH or P2SH)", {}},
        {"2VKf7XKMrp4bVNVmuRbyCewkP8FhGLP2E54LHDPakr9Sq5mtU2",
         "Invalid checksum or length of Base58 address (P2PKH or P2SH)", {}},
        {"asfah14i8fajz0123f", "Invalid or unsupported Segwit (Bech32) or Base58 encoding.", {}},
        {"1q049ldschfnwystcqnsvyfpj23mpsg3jcedq9xv", "Invalid or unsupported Segwit (Bech32) or Base58 encoding.", {}},
    };
    for (const auto& [text, message, positions] : cases) {
        std::string error;
        std::vector<int> locations{-1};
        EXPECT_FALSE(IsValidDestination(DecodeDestination(text, Chain::REGTEST, &error, &locations))) << text;
        EXPECT_EQ(error, message) << text;
        EXPECT_EQ(locations, positions) << text;
    }
    for (const std::string valid : {"bcrt1qtmp74ayg7p24uslctssvjm06q5phz4yrxucgnv", "bcrt1p424qxxyd0r",
                                    "BCRT1QPLMTZKC2XHARPPZDLNPAQL78RSHJ68U33RAH7R",
                                    "bcrt1qdg3myrgvzw7ml9q0ejxhlkyxm7vl9r56yzkfgvzclrf4hkpx9yfqhpsuks",
                                    "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn"}) {
        std::string error = "unset";
        EXPECT_TRUE(IsValidDestination(DecodeDestination(valid, Chain::REGTEST, &error))) << valid;
        EXPECT_EQ(error, "") << valid;
    }
    // A Base58Check payload whose version byte matches but whose length does not.
    std::vector<uint8_t> payload{0x6f};
    payload.resize(20, 0x11);  // 19-byte hash
    std::string error;
    EXPECT_FALSE(IsValidDestination(DecodeDestination(EncodeBase58Check(payload), Chain::REGTEST, &error)));
    EXPECT_EQ(error, "Invalid length for Base58 address (P2PKH or P2SH)");
}

TEST(KeyIo, PayToAnchorAndWitnessUnknownRoundTrip)
{
    const Destination anchor = DecodeDestination("bc1pfeessrawgf", Chain::MAIN);
    ASSERT_TRUE(std::holds_alternative<PayToAnchor>(anchor));
    EXPECT_EQ(HexStr(GetScriptForDestination(anchor).bytes()), "51024e73");
    EXPECT_EQ(EncodeDestination(PayToAnchor{}, Chain::MAIN), "bc1pfeessrawgf");

    const Destination unknown = DecodeDestination("bcrt1p424qxxyd0r", Chain::REGTEST);
    ASSERT_TRUE(std::holds_alternative<WitnessUnknown>(unknown));
    EXPECT_EQ(std::get<WitnessUnknown>(unknown).version, 1u);
    EXPECT_EQ(EncodeDestination(unknown, Chain::REGTEST), "bcrt1p424qxxyd0r");
    // Out-of-range versions and sizes have no address.
    EXPECT_EQ(EncodeDestination(WitnessUnknown{17, Bytes(20, 1)}, Chain::MAIN), "");
    EXPECT_EQ(EncodeDestination(WitnessUnknown{2, Bytes(41, 1)}, Chain::MAIN), "");
    EXPECT_EQ(EncodeDestination(NoDestination{}, Chain::MAIN), "");
}

TEST(KeyIo, WifRejectsBadCompressionFlagAndOutOfRangeSecret)
{
    Bytes data{0x80};
    data.resize(33, 0x01);
    data.push_back(0x02);  // compression flag must be 0x01
    EXPECT_FALSE(DecodeSecret(EncodeBase58Check(data), Chain::MAIN).IsValid());
    data.back() = 0x01;
    EXPECT_TRUE(DecodeSecret(EncodeBase58Check(data), Chain::MAIN).IsValid());
    Bytes zero{0x80};
    zero.resize(33, 0x00);  // secret 0 is not a key
    EXPECT_FALSE(DecodeSecret(EncodeBase58Check(zero), Chain::MAIN).IsValid());
    EXPECT_EQ(EncodeSecret(Key{}, Chain::MAIN), "");
}

TEST(KeyIo, MutatedStringsAreHandledAndWhatDecodesRoundTrips)
{
    // Deterministic mutations (substitute, insert, delete, case flip) of every valid vector string, on every chain.
    const auto tests = ReadVectorJson("bitcoin-core/key_io_valid.json");
    const std::string alphabet = "qpzry9x8gf2tvdw0s3jn54khce6mua7l1QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7LbiOI \t\x80";
    uint64_t state = 0x9e3779b97f4a7c15ULL;
    auto next = [&state]() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    size_t valid_mutants = 0;
    for (const auto& row : tests) {
        for (int round = 0; round < 60; ++round) {
            std::string s = row[0].get<std::string>();
            const int edits = 1 + static_cast<int>(next() % 3);
            for (int e = 0; e < edits && !s.empty(); ++e) {
                const size_t pos = next() % s.size();
                const char c = alphabet[next() % alphabet.size()];
                switch (next() % 4) {
                case 0: s[pos] = c; break;
                case 1: s.insert(s.begin() + static_cast<std::ptrdiff_t>(pos), c); break;
                case 2: s.erase(pos, 1); break;
                default: s[pos] = static_cast<char>(s[pos] ^ 0x20); break;
                }
            }
            for (Chain chain : ALL_CHAINS) {
                std::string error;
                const Destination dest = DecodeDestination(s, chain, &error);
                if (IsValidDestination(dest)) {
                    ++valid_mutants;
                    EXPECT_TRUE(error.empty());
                    EXPECT_EQ(DecodeDestination(EncodeDestination(dest, chain), chain), dest) << s;
                } else {
                    EXPECT_FALSE(error.empty()) << s;
                }
                const Key key = DecodeSecret(s, chain);
                if (key.IsValid()) {
                    const Key again = DecodeSecret(EncodeSecret(key, chain), chain);
                    EXPECT_TRUE(again.IsValid() && again.IsCompressed() == key.IsCompressed());
                }
            }
        }
    }
    // Case flips of bech32 addresses stay valid, so some mutants decode.
    EXPECT_GT(valid_mutants, 0u);
}
