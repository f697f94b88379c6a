// Fuzz target: address text. Base58, Base58Check and bech32 decoding, and DecodeDestination / DecodeSecret on every
// chain: whatever decodes re-encodes to the same value (and, for Base58, to the trimmed input).
#include "address/base58.h"
#include "address/bech32.h"
#include "address/destination.h"
#include "fuzz_check.h"

#include <cstdint>
#include <string>

namespace {
// The whitespace DecodeBase58 skips around the text (Core's IsSpace).
std::string Trim(const std::string& s)
{
    const char* ws = " \f\n\r\t\v";
    const size_t b = s.find_first_not_of(ws);
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::string Lower(std::string s)
{
    for (char& c : s) {
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    }
    return s;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size > 1000) return 0;
    const std::string text(reinterpret_cast<const char*>(data), size);

    std::vector<uint8_t> bytes;
    if (DecodeBase58(text, bytes, 200)) {
        FUZZ_CHECK(bytes.size() <= 200);
        const std::string again = EncodeBase58(bytes);
        FUZZ_CHECK(again == Trim(text));
        std::vector<uint8_t> redecoded;
        FUZZ_CHECK(DecodeBase58(again, redecoded, 200) && redecoded == bytes);
        // A shorter limit than the result must fail.
        if (!bytes.empty()) FUZZ_CHECK(!DecodeBase58(again, redecoded, int(bytes.size()) - 1));
    }
    if (DecodeBase58Check(text, bytes, 200)) {
        FUZZ_CHECK(EncodeBase58Check(bytes) == Trim(text));
    }

    const auto bech = bech32::Decode(text);
    if (bech.encoding != bech32::Encoding::INVALID) {
        FUZZ_CHECK(bech32::Encode(bech.encoding, bech.hrp, bech.data) == Lower(text));
        for (uint8_t v : bech.data) FUZZ_CHECK(v < 32);
        std::vector<uint8_t> eight, five;
        if (ConvertBits(5, 8, false, bech.data, eight)) {
            FUZZ_CHECK(ConvertBits(8, 5, true, eight, five) && five == bech.data);
        }
    }
    (void)bech32::LocateErrors(text);

    for (Chain chain : {Chain::MAIN, Chain::TESTNET, Chain::TESTNET4, Chain::SIGNET, Chain::REGTEST}) {
        std::string error;
        const Destination dest = DecodeDestination(text, chain, &error);
        FUZZ_CHECK(IsValidDestination(dest) == IsValidDestinationString(text, chain));
        if (IsValidDestination(dest)) {
            const std::string addr = EncodeDestination(dest, chain);
            FUZZ_CHECK(!addr.empty());
            FUZZ_CHECK(DecodeDestination(addr, chain) == dest);
            // The script paying to it extracts back to it.
            Destination extracted;
            FUZZ_CHECK(ExtractDestination(GetScriptForDestination(dest), extracted) && extracted == dest);
        } else {
            FUZZ_CHECK(!error.empty());
        }
        const Key key = DecodeSecret(text, chain);
        if (key.IsValid()) {
            const Key again = DecodeSecret(EncodeSecret(key, chain), chain);
            FUZZ_CHECK(again.IsValid() && again.IsCompressed() == key.IsCompressed());
            FUZZ_CHECK(std::equal(again.bytes().begin(), again.bytes().end(), key.bytes().begin()));
        }
    }
    return 0;
}
