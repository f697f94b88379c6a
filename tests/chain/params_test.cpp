// Genesis blocks and network magic of every chain match Bitcoin Core's.
#include "chain/params.h"

#include <gtest/gtest.h>

TEST(ChainParams, GenesisHashesMatchTheNetworks)
{
    struct Case {
        Chain chain;
        const char* hash;
    };
    for (const Case& c : {Case{Chain::MAIN, "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"},
                          Case{Chain::TESTNET, "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943"},
                          Case{Chain::TESTNET4, "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043"},
                          Case{Chain::SIGNET, "00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6"},
                          Case{Chain::REGTEST, "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"}}) {
        auto params = CreateChainParams(c.chain);
        EXPECT_EQ(params->consensus.hash_genesis_block.GetHex(), c.hash) << static_cast<int>(c.chain);
        EXPECT_EQ(params->genesis.GetHash(), params->consensus.hash_genesis_block);
    }
}

TEST(ChainParams, SignetMagicDerivesFromTheChallenge)
{
    auto def = CreateChainParams(Chain::SIGNET);
    EXPECT_EQ(def->message_start, (std::array<uint8_t, 4>{0x0a, 0x03, 0xcf, 0x40}));
    ChainOptions opts;
    opts.signet_challenge = std::vector<uint8_t>{0x51};
    auto custom = CreateChainParams(Chain::SIGNET, opts);
    EXPECT_NE(custom->message_start, def->message_start);
    EXPECT_TRUE(custom->dns_seeds.empty());
}
