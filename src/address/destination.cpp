// Destinations and their scripts (Core's addresstype) and their text forms per chain (Core's key_io).
#include "address/destination.h"

#include "address/base58.h"
#include "address/bech32.h"
#include "script/solver.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

namespace {

using Bytes = std::vector<uint8_t>;

/** BIP141: witness programs are 2..40 bytes. */
constexpr size_t WITNESS_PROG_MIN_LEN = 2;
constexpr size_t WITNESS_PROG_MAX_LEN = 40;
constexpr size_t WITNESS_V1_TAPROOT_SIZE = 32;
/** Pay-to-anchor program (Core policy output type): OP_1 <0x4e73>. */
const Bytes ANCHOR_PROGRAM{0x4e, 0x73};

std::string AsciiLower(std::string_view s)
{
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

bool StartsWith(const Bytes& data, const Bytes& prefix)
{
    return data.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), data.begin());
}

std::string EncodeBase58WithPrefix(const Bytes& prefix, std::span<const uint8_t> payload)
{
    Bytes data = prefix;
    data.insert(data.end(), payload.begin(), payload.end());
    return EncodeBase58Check(data);
}

std::string EncodeSegwit(bech32::Encoding encoding, const std::string& hrp, unsigned int version,
                         std::span<const uint8_t> program)
{
    Bytes data{static_cast<uint8_t>(version)};
    data.reserve(1 + (program.size() * 8 + 4) / 5);
    ConvertBits(8, 5, true, program, data);
    return bech32::Encode(encoding, hrp, data);
}

std::string ByteWord(size_t n) { return n == 1 ? "byte" : "bytes"; }

/** Overwrite secret bytes; volatile writes keep the compiler from dropping the clear as a dead store. */
void Cleanse(Bytes& data)
{
    volatile uint8_t* p = data.data();
    for (size_t i = 0; i < data.size(); ++i) p[i] = 0;
}

Destination Fail(std::string* error, std::string message)
{
    if (error) *error = std::move(message);
    return NoDestination{};
}

} // namespace

bool IsValidDestination(const Destination& dest)
{
    return !std::holds_alternative<NoDestination>(dest) && !std::holds_alternative<PubKeyDestination>(dest);
}

Script GetScriptForDestination(const Destination& dest)
{
    return std::visit(
        [](const auto& d) -> Script {
            using T = std::decay_t<decltype(d)>;
            Script s;
            if constexpr (std::is_same_v<T, NoDestination>) {
                s = d.script;
            } else if constexpr (std::is_same_v<T, PubKeyDestination>) {
                s.PushData(d.pubkey.bytes());
                s << OP_CHECKSIG;
            } else if constexpr (std::is_same_v<T, PKHash>) {
                s << OP_DUP << OP_HASH160;
                s.PushData(std::span<const uint8_t>(d.hash.begin(), d.hash.end()));
                s << OP_EQUALVERIFY << OP_CHECKSIG;
            } else if constexpr (std::is_same_v<T, ScriptHash>) {
                s << OP_HASH160;
                s.PushData(std::span<const uint8_t>(d.hash.begin(), d.hash.end()));
                s << OP_EQUAL;
            } else if constexpr (std::is_same_v<T, WitnessV0KeyHash> || std::is_same_v<T, WitnessV0ScriptHash>) {
                s << OP_0;
                s.PushData(std::span<const uint8_t>(d.hash.begin(), d.hash.end()));
            } else if constexpr (std::is_same_v<T, WitnessV1Taproot>) {
                s << OP_1;
                s.PushData(std::span<const uint8_t>(d.output_key.begin(), d.output_key.end()));
            } else if constexpr (std::is_same_v<T, PayToAnchor>) {
                s << OP_1;
                s.PushData(ANCHOR_PROGRAM);
            } else {
                static_assert(std::is_same_v<T, WitnessUnknown>);
                s << Script::EncodeOP_N(static_cast<int>(d.version));
                s.PushData(d.program);
            }
            return s;
        },
        dest);
}

bool ExtractDestination(const Script& script_pubkey, Destination& dest)
{
    std::vector<Bytes> solutions;
    switch (Solver(script_pubkey, solutions)) {
    case TxoutType::PUBKEY: {
        PubKey pubkey(solutions[0]);
        if (pubkey.IsValid()) {
            dest = PubKeyDestination{pubkey};
        } else {
            dest = NoDestination{script_pubkey};
        }
        return false;
    }
    case TxoutType::PUBKEYHASH: dest = PKHash{uint160(solutions[0])}; return true;
    case TxoutType::SCRIPTHASH: dest = ScriptHash{uint160(solutions[0])}; return true;
    case TxoutType::WITNESS_V0_KEYHASH: dest = WitnessV0KeyHash{uint160(solutions[0])}; return true;
    case TxoutType::WITNESS_V0_SCRIPTHASH: dest = WitnessV0ScriptHash{uint256(solutions[0])}; return true;
    case TxoutType::WITNESS_V1_TAPROOT: dest = WitnessV1Taproot{XOnlyPubKey(solutions[0])}; return true;
    case TxoutType::ANCHOR: dest = PayToAnchor{}; return true;
    case TxoutType::WITNESS_UNKNOWN: dest = WitnessUnknown{solutions[0][0], solutions[1]}; return true;
    case TxoutType::MULTISIG:
    case TxoutType::NULL_DATA:
    case TxoutType::NONSTANDARD: break;
    }
    dest = NoDestination{script_pubkey};
    return false;
}

std::string EncodeDestination(const Destination& dest, Chain chain)
{
    const ChainPrefixes& prefixes = GetChainPrefixes(chain);
    return std::visit(
        [&](const auto& d) -> std::string {
            using T = std::decay_t<decltype(d)>;
            if constexpr (std::is_same_v<T, PKHash>) {
                return EncodeBase58WithPrefix(prefixes.pubkey_address, std::span<const uint8_t>(d.hash.begin(), 20));
            } else if constexpr (std::is_same_v<T, ScriptHash>) {
                return EncodeBase58WithPrefix(prefixes.script_address, std::span<const uint8_t>(d.hash.begin(), 20));
            } else if constexpr (std::is_same_v<T, WitnessV0KeyHash> || std::is_same_v<T, WitnessV0ScriptHash>) {
                // BIP173: version 0 uses the Bech32 checksum.
                return EncodeSegwit(bech32::Encoding::BECH32, prefixes.bech32_hrp, 0,
                                    std::span<const uint8_t>(d.hash.begin(), d.hash.end()));
            } else if constexpr (std::is_same_v<T, WitnessV1Taproot>) {
                // BIP350: versions 1 and above use Bech32m.
                return EncodeSegwit(bech32::Encoding::BECH32M, prefixes.bech32_hrp, 1,
                                    std::span<const uint8_t>(d.output_key.begin(), d.output_key.end()));
            } else if constexpr (std::is_same_v<T, PayToAnchor>) {
                return EncodeSegwit(bech32::Encoding::BECH32M, prefixes.bech32_hrp, 1, ANCHOR_PROGRAM);
            } else if constexpr (std::is_same_v<T, WitnessUnknown>) {
                if (d.version < 1 || d.version > 16 || d.program.size() < WITNESS_PROG_MIN_LEN ||
                    d.program.size() > WITNESS_PROG_MAX_LEN) {
                    return {};
                }
                return EncodeSegwit(bech32::Encoding::BECH32M, prefixes.bech32_hrp, d.version, d.program);
            } else {
                return {};  // NoDestination, PubKeyDestination: no address form
            }
        },
        dest);
}

Destination DecodeDestination(const std::string& text, Chain chain, std::string* error,
                              std::vector<int>* error_locations)
{
    const ChainPrefixes& prefixes = GetChainPrefixes(chain);
    const std::string& hrp = prefixes.bech32_hrp;
    if (error) error->clear();
    if (error_locations) error_locations->clear();

    // Text starting with this chain's HRP is treated as bech32 only; a bech32 address of another chain
    // falls through to Base58 and fails there (as in Core).
    const bool is_bech32 = AsciiLower(std::string_view(text).substr(0, hrp.size())) == hrp;

    Bytes data;
    if (!is_bech32) {
        if (DecodeBase58Check(text, data, 21)) {
            if (data.size() == 20 + prefixes.pubkey_address.size() && StartsWith(data, prefixes.pubkey_address)) {
                return PKHash{uint160(std::span<const uint8_t>(data).subspan(prefixes.pubkey_address.size()))};
            }
            if (data.size() == 20 + prefixes.script_address.size() && StartsWith(data, prefixes.script_address)) {
                return ScriptHash{uint160(std::span<const uint8_t>(data).subspan(prefixes.script_address.size()))};
            }
            if (StartsWith(data, prefixes.script_address) || StartsWith(data, prefixes.pubkey_address)) {
                return Fail(error, "Invalid length for Base58 address (P2PKH or P2SH)");
            }
            return Fail(error, "Invalid or unsupported Base58-encoded address.");
        }
        // Not Base58Check: tell a bad checksum apart from text that is not Base58 at all.
        if (!DecodeBase58(text, data, 100)) {
            return Fail(error, "Invalid or unsupported Segwit (Bech32) or Base58 encoding.");
        }
        return Fail(error, "Invalid checksum or length of Base58 address (P2PKH or P2SH)");
    }

    const bech32::DecodeResult dec = bech32::Decode(text);
    if (dec.encoding == bech32::Encoding::INVALID) {
        auto [message, locations] = bech32::LocateErrors(text);
        if (error_locations) *error_locations = std::move(locations);
        return Fail(error, std::move(message));
    }
    if (dec.data.empty()) return Fail(error, "Empty Bech32 data section");
    if (dec.hrp != hrp) {
        return Fail(error, "Invalid or unsupported prefix for Segwit (Bech32) address (expected " + hrp + ", got " +
                               dec.hrp + ").");
    }
    const unsigned int version = dec.data[0];  // first 5-bit symbol: witness version
    if (version == 0 && dec.encoding != bech32::Encoding::BECH32) {
        return Fail(error, "Version 0 witness address must use Bech32 checksum");
    }
    if (version != 0 && dec.encoding != bech32::Encoding::BECH32M) {
        return Fail(error, "Version 1+ witness address must use Bech32m checksum");
    }
    if (!ConvertBits(5, 8, false, std::span<const uint8_t>(dec.data).subspan(1), data)) {
        return Fail(error, "Invalid padding in Bech32 data section");
    }
    if (version == 0) {
        if (data.size() == 20) return WitnessV0KeyHash{uint160(data)};
        if (data.size() == 32) return WitnessV0ScriptHash{uint256(data)};
        return Fail(error, "Invalid Bech32 v0 address program size (" + std::to_string(data.size()) + " " +
                               ByteWord(data.size()) + "), per BIP141");
    }
    if (version == 1 && data.size() == WITNESS_V1_TAPROOT_SIZE) return WitnessV1Taproot{XOnlyPubKey(data)};
    if (version == 1 && data == ANCHOR_PROGRAM) return PayToAnchor{};
    if (version > 16) return Fail(error, "Invalid Bech32 address witness version");
    if (data.size() < WITNESS_PROG_MIN_LEN || data.size() > WITNESS_PROG_MAX_LEN) {
        return Fail(error, "Invalid Bech32 address program size (" + std::to_string(data.size()) + " " +
                               ByteWord(data.size()) + ")");
    }
    return WitnessUnknown{version, data};
}

bool IsValidDestinationString(const std::string& text, Chain chain)
{
    return IsValidDestination(DecodeDestination(text, chain));
}

std::string EncodeSecret(const Key& key, Chain chain)
{
    if (!key.IsValid()) return {};
    Bytes data = GetChainPrefixes(chain).secret_key;
    data.insert(data.end(), key.bytes().begin(), key.bytes().end());
    if (key.IsCompressed()) data.push_back(1);  // WIF compression flag
    std::string out = EncodeBase58Check(data);
    Cleanse(data);
    return out;
}

Key DecodeSecret(const std::string& text, Chain chain)
{
    Key key;
    Bytes data;
    if (DecodeBase58Check(text, data, 34)) {
        const Bytes& prefix = GetChainPrefixes(chain).secret_key;
        const bool uncompressed = data.size() == prefix.size() + 32;
        const bool compressed = data.size() == prefix.size() + 33 && data.back() == 1;
        if ((uncompressed || compressed) && StartsWith(data, prefix)) {
            key.Set(std::span<const uint8_t>(data).subspan(prefix.size(), 32), compressed);
        }
    }
    Cleanse(data);
    return key;
}
