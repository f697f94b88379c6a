// BIP32 extended keys, SLIP-132 versions, and BIP39 mnemonics against the BIP test vectors (bip32_vectors.json,
// bip39 vectors.json, bip84_86_vectors.json).
#include "address/destination.h"
#include "crypto/hash.h"
#include "descriptor/bip32.h"
#include "descriptor/bip39.h"
#include "testutil/vectors.h"
#include "util/hex.h"

#include <gtest/gtest.h>

namespace {

std::optional<ExtKey> DerivePath(const ExtKey& root, const KeyPath& path)
{
    ExtKey k = root;
    for (uint32_t i : path) {
        ExtKey next;
        if (!k.Derive(next, i)) return std::nullopt;
        k = next;
    }
    return k;
}

ExtKey MasterFromSeedHex(const std::string& hex)
{
    ExtKey m;
    auto seed = ParseHex(hex);
    EXPECT_TRUE(m.SetSeed(seed));
    return m;
}

} // namespace

TEST(Bip32, Vectors)
{
    auto j = ReadVectorJson("bips/bip32_vectors.json");
    size_t passed = 0, total = 0;
    for (const auto& vec : j["valid"]) {
        ExtKey master = MasterFromSeedHex(vec["seed_hex"].get<std::string>());
        for (const auto& chain : vec["chains"]) {
            ++total;
            KeyPath path = chain["path_indices"].get<KeyPath>();
            auto parsed = ParseHDKeypath(chain["path"].get<std::string>() == "m" ? "m" : [&] {
                std::string p = chain["path"].get<std::string>();
                for (auto& c : p) if (c == 'H') c = 'h';
                return p;
            }());
            auto k = DerivePath(master, path);
            ASSERT_TRUE(k);
            bool ok = parsed && *parsed == path;
            const std::string prv = EncodeExtKey(*k, Chain::MAIN), pub = EncodeExtPubKey(k->Neuter(), Chain::MAIN);
            ok &= prv == chain["ext_prv"].get<std::string>();
            ok &= pub == chain["ext_pub"].get<std::string>();
            // Round trip through the parsers.
            auto dk = DecodeExtKey(prv, Chain::MAIN);
            auto dp = DecodeExtPubKey(pub, Chain::MAIN);
            ok &= dk && EncodeExtKey(*dk, Chain::MAIN) == prv;
            ok &= dp && *dp == k->Neuter();
            // Public derivation agrees with private derivation for a non-hardened child.
            ExtPubKey child_pub;
            ExtKey child_prv;
            ok &= k->Neuter().Derive(child_pub, 7) && k->Derive(child_prv, 7) && child_pub == child_prv.Neuter();
            ExtPubKey dummy;
            ok &= !k->Neuter().Derive(dummy, BIP32_HARDENED_KEY_LIMIT);
            EXPECT_TRUE(ok) << chain["path"];
            passed += ok;
        }
    }
    for (const auto& inv : j["invalid"]) {
        ++total;
        const std::string key = inv["key"].get<std::string>();
        const bool rejected = !DecodeExtKey(key, Chain::MAIN) && !DecodeExtPubKey(key, Chain::MAIN);
        EXPECT_TRUE(rejected) << key << " (" << inv["reason"] << ")";
        passed += rejected;
    }
    EXPECT_EQ(total, 33u);
    EXPECT_EQ(passed, total);
    ReportVectorCount("bip32_vectors.json", passed, total);
}

TEST(Bip32, TestnetVersionsAndPaths)
{
    ExtKey m = MasterFromSeedHex("000102030405060708090a0b0c0d0e0f");
    const std::string tprv = EncodeExtKey(m, Chain::TESTNET);
    EXPECT_EQ(tprv.substr(0, 4), "tprv");
    EXPECT_EQ(EncodeExtPubKey(m.Neuter(), Chain::REGTEST).substr(0, 4), "tpub");
    EXPECT_FALSE(DecodeExtKey(tprv, Chain::MAIN));
    EXPECT_TRUE(DecodeExtKey(tprv, Chain::SIGNET));
    EXPECT_EQ(FormatHDKeypath({0x80000000u | 44, 0, 5}, true), "/44'/0/5");
    EXPECT_EQ(FormatHDKeypath({0x80000000u | 44, 0, 5}, false), "/44h/0/5");
    EXPECT_FALSE(ParseHDKeypath("m/2147483648"));
    EXPECT_FALSE(ParseHDKeypath("m/1x"));
    EXPECT_EQ(HexStr(m.Fingerprint()), "3442193e");
}

TEST(Bip39, Vectors)
{
    auto j = ReadVectorJson("bip39/vectors.json");
    size_t passed = 0, total = 0;
    for (const auto& e : j["english"]) {
        ++total;
        const auto entropy = ParseHex(e[0].get<std::string>());
        const std::string mnemonic = e[1].get<std::string>();
        bool ok = MnemonicFromEntropy(entropy) == mnemonic;
        ok &= MnemonicToEntropy(mnemonic) == std::optional<std::vector<uint8_t>>(entropy);
        auto seed = MnemonicToSeed(mnemonic, "TREZOR");
        ok &= HexStr(seed) == e[2].get<std::string>();
        ExtKey m;
        ok &= m.SetSeed(seed) && EncodeExtKey(m, Chain::MAIN) == e[3].get<std::string>();
        MemoryCleanse(seed.data(), seed.size());
        EXPECT_TRUE(ok) << mnemonic;
        passed += ok;
    }
    EXPECT_EQ(total, 24u);
    EXPECT_EQ(passed, total);
    ReportVectorCount("vectors.json (bip39 english)", passed, total);
}

TEST(Bip39, RejectsBadMnemonics)
{
    const std::string good = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    EXPECT_TRUE(IsValidMnemonic(good));
    // Wrong checksum word, unknown word, bad count, double space.
    EXPECT_FALSE(IsValidMnemonic("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon"));
    EXPECT_FALSE(IsValidMnemonic("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon xyzzy"));
    EXPECT_FALSE(IsValidMnemonic("abandon abandon abandon"));
    EXPECT_FALSE(IsValidMnemonic("abandon  abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"));
    EXPECT_FALSE(IsValidMnemonic(""));
    EXPECT_FALSE(MnemonicFromEntropy(std::vector<uint8_t>(15, 0)));
    EXPECT_FALSE(MnemonicFromEntropy(std::vector<uint8_t>(36, 0)));
    EXPECT_EQ(Bip39EnglishWordlist().size(), 2048u);
    EXPECT_STREQ(Bip39EnglishWordlist()[2047], "zoo");
}

TEST(Bip32, Bip84Bip86Vectors)
{
    auto j = ReadVectorJson("bips/bip84_86_vectors.json");
    size_t passed = 0, total = 0;
    for (const std::string bip : {"bip84", "bip86"}) {
        const auto& v = j[bip];
        auto seed = MnemonicToSeed(v["mnemonic"].get<std::string>(), "");
        ExtKey root;
        ASSERT_TRUE(root.SetSeed(seed));
        MemoryCleanse(seed.data(), seed.size());
        // Root keys: zprv/zpub for BIP84 (SLIP-132), xprv/xpub for BIP86.
        ++total;
        auto rp = DecodeSlip132(v["rootpriv"].get<std::string>());
        auto rq = DecodeSlip132(v["rootpub"].get<std::string>());
        bool ok = rp && rp->priv && EncodeExtKey(*rp->priv, Chain::MAIN) == EncodeExtKey(root, Chain::MAIN);
        ok &= rq && !rq->priv && rq->pub == root.Neuter();
        ok &= rp && rp->type == (bip == "bip84" ? Slip132Type::P2WPKH : Slip132Type::STANDARD);
        EXPECT_TRUE(ok) << bip << " root";
        passed += ok;
        for (const auto& e : v["entries"]) {
            ++total;
            auto path = ParseHDKeypath(e["path"].get<std::string>());
            ASSERT_TRUE(path);
            auto k = DerivePath(root, *path);
            ASSERT_TRUE(k);
            const auto& vals = e["values"];
            bool ok2 = true;
            for (const char* name : {"xpriv", "xprv"}) {
                if (!vals.contains(name)) continue;
                auto d = DecodeSlip132(vals[name].get<std::string>());
                ok2 &= d && d->priv && EncodeExtKey(*d->priv, Chain::MAIN) == EncodeExtKey(*k, Chain::MAIN);
            }
            if (vals.contains("xpub")) {
                auto d = DecodeSlip132(vals["xpub"].get<std::string>());
                ok2 &= d && d->pub == k->Neuter();
            }
            if (vals.contains("privkey")) ok2 &= EncodeSecret(k->key, Chain::MAIN) == vals["privkey"].get<std::string>();
            const PubKey pub = k->key.GetPubKey();
            if (vals.contains("pubkey")) ok2 &= HexStr(pub.bytes()) == vals["pubkey"].get<std::string>();
            if (vals.contains("internal_key")) {
                XOnlyPubKey internal(pub);
                ok2 &= HexStr(std::span<const uint8_t>(internal.begin(), 32)) == vals["internal_key"].get<std::string>();
                auto tweaked = internal.CreateTapTweak(nullptr);
                ok2 &= tweaked && HexStr(std::span<const uint8_t>(tweaked->first.begin(), 32)) ==
                                      vals["output_key"].get<std::string>();
                if (tweaked) {
                    Script spk = GetScriptForDestination(WitnessV1Taproot{tweaked->first});
                    ok2 &= HexStr(spk.bytes()) == vals["scriptPubKey"].get<std::string>();
                    ok2 &= EncodeDestination(WitnessV1Taproot{tweaked->first}, Chain::MAIN) ==
                           vals["address"].get<std::string>();
                }
            } else if (vals.contains("address")) {
                ok2 &= EncodeDestination(WitnessV0KeyHash{pub.GetID()}, Chain::MAIN) == vals["address"].get<std::string>();
            }
            EXPECT_TRUE(ok2) << bip << " " << e["path"];
            passed += ok2;
        }
    }
    EXPECT_EQ(total, 10u);
    EXPECT_EQ(passed, total);
    ReportVectorCount("bip84_86_vectors.json", passed, total);
}
