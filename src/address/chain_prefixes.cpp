// Per-chain Base58 version bytes, BIP32 version bytes and bech32 HRPs (Core's chainparams values).
#include "address/chain_prefixes.h"

namespace {

const ChainPrefixes MAIN_PREFIXES{
    {0}, {5}, {128}, {0x04, 0x88, 0xB2, 0x1E}, {0x04, 0x88, 0xAD, 0xE4}, "bc",
};
// testnet3, testnet4 and signet share their prefixes.
const ChainPrefixes TEST_PREFIXES{
    {111}, {196}, {239}, {0x04, 0x35, 0x87, 0xCF}, {0x04, 0x35, 0x83, 0x94}, "tb",
};
const ChainPrefixes REGTEST_PREFIXES{
    {111}, {196}, {239}, {0x04, 0x35, 0x87, 0xCF}, {0x04, 0x35, 0x83, 0x94}, "bcrt",
};

} // namespace

const ChainPrefixes& GetChainPrefixes(Chain chain)
{
    switch (chain) {
    case Chain::MAIN: return MAIN_PREFIXES;
    case Chain::TESTNET:
    case Chain::TESTNET4:
    case Chain::SIGNET: return TEST_PREFIXES;
    case Chain::REGTEST: return REGTEST_PREFIXES;
    }
    return MAIN_PREFIXES;
}

std::string ChainName(Chain chain)
{
    switch (chain) {
    case Chain::MAIN: return "main";
    case Chain::TESTNET: return "test";
    case Chain::TESTNET4: return "testnet4";
    case Chain::SIGNET: return "signet";
    case Chain::REGTEST: return "regtest";
    }
    return "main";
}

std::optional<Chain> ParseChainName(const std::string& name)
{
    for (Chain chain : {Chain::MAIN, Chain::TESTNET, Chain::TESTNET4, Chain::SIGNET, Chain::REGTEST}) {
        if (ChainName(chain) == name) return chain;
    }
    return std::nullopt;
}
