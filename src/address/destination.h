// Destinations (what an address pays to), their scripts, and text encodings per chain (Core's key_io).
#pragma once

#include "address/chain_prefixes.h"
#include "crypto/key.h"
#include "primitives/script.h"
#include "util/uint256.h"

#include <optional>
#include <string>
#include <variant>
#include <vector>

struct NoDestination {
    Script script;  // the script that has no address form (may be empty)
    friend bool operator==(const NoDestination&, const NoDestination&) = default;
};
struct PubKeyDestination {  // bare P2PK: has no address
    PubKey pubkey;
    friend bool operator==(const PubKeyDestination& a, const PubKeyDestination& b) { return a.pubkey == b.pubkey; }
};
struct PKHash {
    uint160 hash;
    friend bool operator==(const PKHash&, const PKHash&) = default;
};
struct ScriptHash {
    uint160 hash;
    friend bool operator==(const ScriptHash&, const ScriptHash&) = default;
};
struct WitnessV0KeyHash {
    uint160 hash;
    friend bool operator==(const WitnessV0KeyHash&, const WitnessV0KeyHash&) = default;
};
struct WitnessV0ScriptHash {
    uint256 hash;
    friend bool operator==(const WitnessV0ScriptHash&, const WitnessV0ScriptHash&) = default;
};
struct WitnessV1Taproot {
    XOnlyPubKey output_key;
    friend bool operator==(const WitnessV1Taproot&, const WitnessV1Taproot&) = default;
};
struct PayToAnchor {
    friend bool operator==(const PayToAnchor&, const PayToAnchor&) = default;
};
struct WitnessUnknown {
    unsigned int version{0};
    std::vector<uint8_t> program;
    friend bool operator==(const WitnessUnknown&, const WitnessUnknown&) = default;
};

using Destination = std::variant<NoDestination, PubKeyDestination, PKHash, ScriptHash, WitnessV0KeyHash,
                                 WitnessV0ScriptHash, WitnessV1Taproot, PayToAnchor, WitnessUnknown>;

/** True for destinations that have an address (not NoDestination / PubKeyDestination). */
bool IsValidDestination(const Destination& dest);
/** The scriptPubKey paying to dest. */
Script GetScriptForDestination(const Destination& dest);
/** What script_pubkey pays to; false (with NoDestination or PubKeyDestination) when it has no address. */
bool ExtractDestination(const Script& script_pubkey, Destination& dest);

/** Address text of dest on chain ("" when it has none). */
std::string EncodeDestination(const Destination& dest, Chain chain);
/** Parse an address for chain; on failure NoDestination and a Core-style message in *error
 *  ("Invalid or unsupported Base58-encoded address.", "Invalid Bech32 checksum", ...), and for bech32 strings
 *  that fail to decode the indices of the likely wrong characters in *error_locations (else it is cleared). */
Destination DecodeDestination(const std::string& text, Chain chain, std::string* error = nullptr,
                              std::vector<int>* error_locations = nullptr);
bool IsValidDestinationString(const std::string& text, Chain chain);

/** WIF. */
std::string EncodeSecret(const Key& key, Chain chain);
/** Invalid Key on failure. */
Key DecodeSecret(const std::string& text, Chain chain);
