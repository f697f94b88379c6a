// Chain parameters as Bitcoin Core defines them (values are facts of the networks).
#include "chain/params.h"

#include "crypto/hash.h"
#include "util/hex.h"

#include <algorithm>

namespace {
uint256 U256(const char* hex) { return *uint256::FromHex(hex); }

const char* const SATOSHI_MESSAGE = "The Times 03/Jan/2009 Chancellor on brink of second bailout for banks";
const char* const SATOSHI_PUBKEY =
    "04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d5"
    "78a4c702b6bf11d5f";

Block SatoshiGenesis(uint32_t time, uint32_t nonce, uint32_t bits)
{
    Script out;
    out.PushData(ParseHex(SATOSHI_PUBKEY));
    out << OP_CHECKSIG;
    return CreateGenesisBlock(SATOSHI_MESSAGE, out, time, nonce, bits, 1, 50 * COIN);
}

void SetGenesis(ChainParams& p, Block genesis)
{
    p.genesis = std::move(genesis);
    p.consensus.hash_genesis_block = p.genesis.GetHash();
}

ChainParams Main()
{
    ChainParams p;
    p.chain = Chain::MAIN;
    auto& c = p.consensus;
    c.subsidy_halving_interval = 210000;
    c.script_flag_exceptions.emplace(U256("00000000000002dc756eebf4f49723ed8d30cc28a5f108eb94b1ba88ac4f9c22"),
                                     0);  // BIP16 exception: no flags
    c.script_flag_exceptions.emplace(U256("0000000000000000000f14c35b2d841e986ab5441de8c585d5ffe55ea1e395ad"),
                                     (1U << 0) | (1U << 11));  // taproot exception: P2SH | WITNESS only
    c.bip34_height = 227931;
    c.bip34_hash = U256("000000000000024b89b42a942fe0d9fea3bb44ab7bd1b19115dd6a759c0808b8");
    c.bip65_height = 388381;
    c.bip66_height = 363725;
    c.csv_height = 419328;
    c.segwit_height = 481824;
    c.pow_limit = U256("00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    c.minimum_chain_work = U256("0000000000000000000000000000000000000001128750f82f4c366153a3a030");
    c.default_assume_valid = U256("00000000000000000000ccebd6d74d9194d8dcdc1d177c478e094bfad51ba5ac");
    p.message_start = {0xf9, 0xbe, 0xb4, 0xd9};
    p.default_port = 8333;
    p.default_rpc_port = 8332;
    p.prune_after_height = 100000;
    p.dns_seeds = {"dnsseed.bluematt.me.",      "seed.bitcoin.jonasschnelli.ch.", "seed.btc.petertodd.net.",
                   "seed.bitcoin.sprovoost.nl.", "dnsseed.emzy.de.",               "seed.bitcoin.wiz.biz.",
                   "seed.mainnet.achownodes.xyz."};
    SetGenesis(p, SatoshiGenesis(1231006505, 2083236893, 0x1d00ffff));
    return p;
}

ChainParams Testnet3()
{
    ChainParams p;
    p.chain = Chain::TESTNET;
    p.is_test_chain = true;
    auto& c = p.consensus;
    c.script_flag_exceptions.emplace(U256("00000000dd30457c001f4095d208cc1296b0eed002427aa599874af7a432b105"), 0);
    c.bip34_height = 21111;
    c.bip34_hash = U256("0000000023b3a96d3484e5abb3755c413e7d41500f8e2a5c3f0dd01299cd8ef8");
    c.bip65_height = 581885;
    c.bip66_height = 330776;
    c.csv_height = 770112;
    c.segwit_height = 834624;
    c.pow_limit = U256("00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    c.pow_allow_min_difficulty_blocks = true;
    c.minimum_chain_work = U256("0000000000000000000000000000000000000000000017dde1c649f3708d14b6");
    c.default_assume_valid = U256("000000007a61e4230b28ac5cb6b5e5a0130de37ac1faf2f8987d2fa6505b67f4");
    p.message_start = {0x0b, 0x11, 0x09, 0x07};
    p.default_port = 18333;
    p.default_rpc_port = 18332;
    p.prune_after_height = 1000;
    p.dns_seeds = {"testnet-seed.bitcoin.jonasschnelli.ch.", "seed.tbtc.petertodd.net.", "testnet-seed.bluematt.me.",
                   "seed.testnet.achownodes.xyz."};
    SetGenesis(p, SatoshiGenesis(1296688602, 414098458, 0x1d00ffff));
    return p;
}

ChainParams Testnet4()
{
    ChainParams p;
    p.chain = Chain::TESTNET4;
    p.is_test_chain = true;
    auto& c = p.consensus;
    c.bip34_height = c.bip65_height = c.bip66_height = c.csv_height = c.segwit_height = 1;
    c.pow_limit = U256("00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    c.pow_allow_min_difficulty_blocks = true;
    c.enforce_bip94 = true;
    c.minimum_chain_work = U256("0000000000000000000000000000000000000000000009a0fe15d0177d086304");
    c.default_assume_valid = U256("0000000002368b1e4ee27e2e85676ae6f9f9e69579b29093e9a82c170bf7cf8a");
    p.message_start = {0x1c, 0x16, 0x3f, 0x28};
    p.default_port = 48333;
    p.default_rpc_port = 48332;
    p.prune_after_height = 1000;
    p.dns_seeds = {"seed.testnet4.bitcoin.sprovoost.nl.", "seed.testnet4.wiz.biz."};
    Script out;
    out.PushData(std::vector<uint8_t>(33, 0));
    out << OP_CHECKSIG;
    SetGenesis(p, CreateGenesisBlock("03/May/2024 000000000000000000001ebd58c244970b3aa9d783bb001011fbe8ea8e98e00e",
                                     out, 1714777860, 393743547, 0x1d00ffff, 1, 50 * COIN));
    return p;
}

ChainParams Signet(const ChainOptions& options)
{
    ChainParams p;
    p.chain = Chain::SIGNET;
    p.is_test_chain = true;
    auto& c = p.consensus;
    if (options.signet_challenge) {
        c.signet_challenge = *options.signet_challenge;
    } else {
        c.signet_challenge = ParseHex(
            "512103ad5e0edad18cb1f0fc0d28a3d4f1f3e445640337489abb10404f2d1e086be430210359ef5021964fe22d6f8e05b2463c954"
            "0ce96883fe3b278760f048f5189f2e6c452ae");
        p.dns_seeds = {"seed.signet.bitcoin.sprovoost.nl.", "seed.signet.achownodes.xyz."};
        c.minimum_chain_work = U256("00000000000000000000000000000000000000000000000000000b463ea0a4b8");
        c.default_assume_valid = U256("00000008414aab61092ef93f1aacc54cf9e9f16af29ddad493b908a01ff5c329");
    }
    c.signet_blocks = true;
    c.bip34_height = c.bip65_height = c.bip66_height = c.csv_height = c.segwit_height = 1;
    c.pow_limit = U256("00000377ae000000000000000000000000000000000000000000000000000000");
    // BIP325: the magic is the first four bytes of HASH256(CompactSize(len) || challenge).
    std::vector<uint8_t> ser;
    VectorWriter w(ser);
    WriteBytes(w, c.signet_challenge);
    uint256 h = Hash256(ser);
    std::copy_n(h.begin(), 4, p.message_start.begin());
    p.default_port = 38333;
    p.default_rpc_port = 38332;
    p.prune_after_height = 1000;
    SetGenesis(p, SatoshiGenesis(1598918400, 52613770, 0x1e0377ae));
    return p;
}

ChainParams Regtest()
{
    ChainParams p;
    p.chain = Chain::REGTEST;
    p.is_test_chain = true;
    p.is_mockable_chain = true;
    auto& c = p.consensus;
    c.subsidy_halving_interval = 150;
    c.bip34_height = c.bip65_height = c.bip66_height = c.csv_height = 1;
    c.segwit_height = 0;
    c.pow_limit = U256("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    c.pow_target_timespan = 24 * 60 * 60;
    c.pow_allow_min_difficulty_blocks = true;
    c.pow_no_retargeting = true;
    p.message_start = {0xfa, 0xbf, 0xb5, 0xda};
    p.default_port = 18444;
    p.default_rpc_port = 18443;
    p.prune_after_height = 1000;
    p.dns_seeds = {"dummySeed.invalid."};
    SetGenesis(p, SatoshiGenesis(1296688602, 2, 0x207fffff));
    return p;
}
}  // namespace

Block CreateGenesisBlock(const std::string& message, const Script& output_script, uint32_t time, uint32_t nonce,
                         uint32_t bits, int32_t version, Amount reward)
{
    MutableTransaction tx;
    tx.version = 1;
    tx.vin.resize(1);
    tx.vout.resize(1);
    tx.vin[0].script_sig.PushInt(486604799);
    tx.vin[0].script_sig.PushData(ScriptNum::Serialize(4));
    tx.vin[0].script_sig.PushData(std::vector<uint8_t>(message.begin(), message.end()));
    tx.vout[0].value = reward;
    tx.vout[0].script_pubkey = output_script;
    Block genesis;
    genesis.header.time = time;
    genesis.header.bits = bits;
    genesis.header.nonce = nonce;
    genesis.header.version = version;
    genesis.vtx.push_back(MakeTransactionRef(std::move(tx)));
    // One transaction: the merkle root is its txid.
    genesis.header.merkle_root = genesis.vtx[0]->GetHash();
    return genesis;
}

std::unique_ptr<const ChainParams> CreateChainParams(Chain chain, const ChainOptions& options)
{
    switch (chain) {
    case Chain::MAIN: return std::make_unique<const ChainParams>(Main());
    case Chain::TESTNET: return std::make_unique<const ChainParams>(Testnet3());
    case Chain::TESTNET4: return std::make_unique<const ChainParams>(Testnet4());
    case Chain::SIGNET: return std::make_unique<const ChainParams>(Signet(options));
    case Chain::REGTEST: return std::make_unique<const ChainParams>(Regtest());
    }
    return nullptr;
}
