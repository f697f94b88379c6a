// Per-chain encoding prefixes: Base58 version bytes, BIP32 versions and bech32 HRPs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

enum class Chain { MAIN, TESTNET, TESTNET4, SIGNET, REGTEST };

struct ChainPrefixes {
    std::vector<uint8_t> pubkey_address;  // P2PKH version byte(s)
    std::vector<uint8_t> script_address;  // P2SH
    std::vector<uint8_t> secret_key;      // WIF
    std::vector<uint8_t> ext_public_key;  // BIP32 xpub / tpub
    std::vector<uint8_t> ext_secret_key;  // BIP32 xprv / tprv
    std::string bech32_hrp;               // "bc", "tb", "bcrt"
};

const ChainPrefixes& GetChainPrefixes(Chain chain);
/** "main", "test", "testnet4", "signet", "regtest" (Core's chain names). */
std::string ChainName(Chain chain);
std::optional<Chain> ParseChainName(const std::string& name);
