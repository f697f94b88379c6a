// Private keys: BIP340 vectors (sign and verify), ECDSA RFC6979 determinism, low-R grinding and DER output.
#include "crypto/hash.h"
#include "crypto/key.h"
#include "testutil/vectors.h"

#include <gtest/gtest.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<std::string> SplitCsvLine(std::string line)
{
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> out;
    std::stringstream ss(line);
    std::string field;
    while (std::getline(ss, field, ',')) out.push_back(field);
    if (!line.empty() && line.back() == ',') out.emplace_back();
    return out;
}

uint256 HashOf(const std::string& text)
{
    return Sha256Hash(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

Key KeyFromHex(const std::string& hex, bool compressed = true)
{
    Key key;
    EXPECT_TRUE(key.Set(ParseHex(hex), compressed)) << hex;
    return key;
}

/** BIP340 verification of a message of any length (the BIP's last vectors use 0, 1, 17 and 100 bytes). */
bool VerifyAnyLength(const std::vector<uint8_t>& pubkey, const std::vector<uint8_t>& msg,
                     const std::vector<uint8_t>& sig)
{
    if (msg.size() == 32) return XOnlyPubKey(pubkey).VerifySchnorr(uint256(msg), sig);
    secp256k1_xonly_pubkey pk;
    if (!secp256k1_xonly_pubkey_parse(Secp256k1VerifyContext(), &pk, pubkey.data())) return false;
    return secp256k1_schnorrsig_verify(Secp256k1VerifyContext(), sig.data(), msg.data(), msg.size(), &pk);
}

/** BIP340 signing of a message of any length; 32-byte messages go through Key::SignSchnorr (untweaked). */
std::vector<uint8_t> SignAnyLength(const Key& key, const std::vector<uint8_t>& msg, const uint256& aux)
{
    std::vector<uint8_t> sig(64);
    if (msg.size() == 32) {
        EXPECT_TRUE(key.SignSchnorr(uint256(msg), sig, nullptr, aux, /*tweak=*/false));
        return sig;
    }
    secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    secp256k1_keypair keypair;
    EXPECT_TRUE(secp256k1_keypair_create(ctx, &keypair, key.bytes().data()));
    secp256k1_schnorrsig_extraparams params = SECP256K1_SCHNORRSIG_EXTRAPARAMS_INIT;
    params.ndata = const_cast<uint8_t*>(aux.data());
    EXPECT_TRUE(secp256k1_schnorrsig_sign_custom(ctx, sig.data(), msg.data(), msg.size(), &keypair, &params));
    secp256k1_context_destroy(ctx);
    return sig;
}

}  // namespace

TEST(Key, Bip340Vectors)
{
    std::ifstream in(VectorPath("bips/bip-0340-test-vectors.csv"));
    ASSERT_TRUE(in.good());
    std::string line;
    std::getline(in, line);  // header
    size_t total = 0, passed = 0, signed_rows = 0, signed_ok = 0;
    while (std::getline(in, line)) {
        if (line.empty() || line == "\r") continue;
        auto f = SplitCsvLine(line);
        ASSERT_GE(f.size(), 7u) << line;
        ++total;
        const auto pubkey = ParseHex(f[2]);
        const auto msg = ParseHex(f[4]);
        const auto sig = ParseHex(f[5]);
        const bool expect_valid = f[6] == "TRUE";
        bool ok = VerifyAnyLength(pubkey, msg, sig) == expect_valid;
        EXPECT_TRUE(ok) << "verification of vector " << f[0];
        if (!f[1].empty()) {
            ++signed_rows;
            Key key = KeyFromHex(f[1]);
            EXPECT_EQ(HexStr(key.GetXOnlyPubKey().GetUint256()), HexStr(pubkey)) << "vector " << f[0];
            const auto aux = ParseHex(f[3]);
            ASSERT_EQ(aux.size(), 32u);
            const auto mine = SignAnyLength(key, msg, uint256(aux));
            const bool sign_ok = mine == sig;
            EXPECT_TRUE(sign_ok) << "signature of vector " << f[0] << ": " << HexStr(mine);
            if (sign_ok) ++signed_ok;
            ok = ok && sign_ok && key.GetXOnlyPubKey().GetUint256() == uint256(pubkey);
        }
        if (ok) ++passed;
    }
    EXPECT_EQ(total, 19u);
    EXPECT_EQ(signed_rows, signed_ok);
    ReportVectorCount("bip-0340-test-vectors.csv", passed, total);
    ReportVectorCount("bip-0340-test-vectors.csv (signing rows)", signed_ok, signed_rows);
}

// Known answers from an independent RFC6979 + secp256k1 implementation (a short Python script following the RFC
// and libsecp256k1's extra-data layout key||msg||extra). The first is the widely published RFC6979 vector for
// secret key 1 and SHA256("Satoshi Nakamoto").
TEST(Key, EcdsaRfc6979KnownAnswers)
{
    Key one = KeyFromHex("0000000000000000000000000000000000000000000000000000000000000001");
    std::vector<uint8_t> sig;
    ASSERT_TRUE(one.Sign(HashOf("Satoshi Nakamoto"), sig, /*grind=*/false));
    EXPECT_EQ(HexStr(sig), "3045022100934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d802202442ce9d2b"
                           "916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5");
    // The same with grinding: one retry (counter 1 as extra entropy) gives a low R.
    ASSERT_TRUE(one.Sign(HashOf("Satoshi Nakamoto"), sig));
    EXPECT_EQ(HexStr(sig), "304402203311d51d1326e30774b2fb1fbfd5e199ebccb43be1db2ce41051eb2d75e4b68f022044d2ea67486d"
                           "f31a242363de1f835d583620fea148ee422c8c80b904b53f5ac3");
    // Three retries.
    Key k2 = KeyFromHex("B7E151628AED2A6ABF7158809CF4F3C762E7160F38B4DA56A784D9045190CFEF");
    ASSERT_TRUE(k2.Sign(HashOf("Very deterministic message"), sig));
    EXPECT_EQ(HexStr(sig), "3044022027a72cc014fc20b3098ebe07040233e903450f5e4d4a65593f6cee4bfadb20c10220349d417a82c8"
                           "5e9c2b742320b91c747c3981e2528468e9a461dfc5c6f7a09c34");
    // R already low: grinding changes nothing.
    Key k3 = KeyFromHex("C90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B14E5C9");
    std::vector<uint8_t> plain;
    ASSERT_TRUE(k3.Sign(HashOf("Very deterministic message"), sig));
    ASSERT_TRUE(k3.Sign(HashOf("Very deterministic message"), plain, /*grind=*/false));
    EXPECT_EQ(sig, plain);
    EXPECT_EQ(HexStr(sig), "30440220068605007b80e212bc6fbe6ac02251ba426c61418d39181008d59c0875a4eb19022020a368f5ca0a"
                           "92582c6cd0edcbcdd480d993ac9459ddde1b7e9c43741796e56c");
}

TEST(Key, EcdsaSignaturesAreLowRDeterministicAndVerify)
{
    for (int i = 0; i < 40; ++i) {
        const bool compressed = i % 2 == 0;
        Key key = Key::Generate(compressed);
        ASSERT_TRUE(key.IsValid());
        PubKey pub = key.GetPubKey();
        ASSERT_TRUE(pub.IsFullyValid());
        EXPECT_EQ(pub.IsCompressed(), compressed);
        const uint256 hash = HashOf("message " + std::to_string(i));

        std::vector<uint8_t> sig, again;
        ASSERT_TRUE(key.Sign(hash, sig));
        ASSERT_TRUE(key.Sign(hash, again));
        EXPECT_EQ(sig, again) << "RFC6979 signing must be deterministic";
        EXPECT_LE(sig.size(), 71u);  // low R: no padding byte in R
        EXPECT_LE(sig[3], 0x20) << "R of a ground signature has no 0x00 padding";
        EXPECT_LT(sig[4], 0x80);
        EXPECT_TRUE(pub.Verify(hash, sig));
        EXPECT_TRUE(PubKey::CheckLowS(sig));

        // Another message or key does not verify.
        EXPECT_FALSE(pub.Verify(HashOf("other"), sig));
        EXPECT_FALSE(Key::Generate().GetPubKey().Verify(hash, sig));

        // Without grinding the signature is still deterministic, valid and low S; test_case changes the nonce.
        std::vector<uint8_t> plain, plain2, tc;
        ASSERT_TRUE(key.Sign(hash, plain, false));
        ASSERT_TRUE(key.Sign(hash, plain2, false));
        ASSERT_TRUE(key.Sign(hash, tc, false, 7));
        EXPECT_EQ(plain, plain2);
        EXPECT_NE(plain, tc);
        EXPECT_TRUE(pub.Verify(hash, plain));
        EXPECT_TRUE(pub.Verify(hash, tc));
    }
}

TEST(Key, SetRejectsOutOfRangeSecrets)
{
    Key key;
    EXPECT_FALSE(key.Set(std::vector<uint8_t>(32, 0), true));
    EXPECT_FALSE(key.IsValid());
    // The group order n is not a valid secret; n-1 is.
    EXPECT_FALSE(key.Set(ParseHex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141"), true));
    EXPECT_TRUE(key.Set(ParseHex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140"), false));
    EXPECT_FALSE(key.IsCompressed());
    EXPECT_EQ(key.GetPubKey().size(), PubKey::SIZE);
    EXPECT_FALSE(key.Set(std::vector<uint8_t>(31, 1), true));
    std::vector<uint8_t> sig;
    EXPECT_FALSE(key.Sign(uint256(), sig));
    EXPECT_FALSE(key.GetPubKey().IsValid());
}

TEST(Key, SchnorrTaprootTweakMatchesOutputKey)
{
    for (int i = 0; i < 10; ++i) {
        Key key = Key::Generate();
        const XOnlyPubKey internal = key.GetXOnlyPubKey();
        uint256 root = HashOf("tree " + std::to_string(i));
        const uint256 msg = HashOf("msg " + std::to_string(i));
        const uint256 aux = HashOf("aux");
        for (const uint256* r : {static_cast<const uint256*>(nullptr), static_cast<const uint256*>(&root)}) {
            auto output = internal.CreateTapTweak(r);
            ASSERT_TRUE(output.has_value());
            uint8_t sig[64];
            ASSERT_TRUE(key.SignSchnorr(msg, sig, r, aux));
            EXPECT_TRUE(output->first.VerifySchnorr(msg, sig));
            EXPECT_FALSE(internal.VerifySchnorr(msg, sig));
            // The tweaked secret's public key is the output key, and signing with it untweaked is the same.
            Key tweaked = key.TapTweaked(r);
            ASSERT_TRUE(tweaked.IsValid());
            EXPECT_EQ(tweaked.GetXOnlyPubKey(), output->first);
            uint8_t sig2[64];
            ASSERT_TRUE(tweaked.SignSchnorr(msg, sig2, nullptr, aux, false));
            EXPECT_EQ(HexStr(sig), HexStr(sig2));
        }
        // A pointer to a null root is the BIP86 key-path tweak, same as nullptr.
        uint256 null_root;
        uint8_t a[64], b[64];
        ASSERT_TRUE(key.SignSchnorr(msg, a, nullptr, aux));
        ASSERT_TRUE(key.SignSchnorr(msg, b, &null_root, aux));
        EXPECT_EQ(HexStr(a), HexStr(b));
        // Untweaked signatures verify under the internal key.
        ASSERT_TRUE(key.SignSchnorr(msg, a, nullptr, aux, false));
        EXPECT_TRUE(internal.VerifySchnorr(msg, a));
    }
}
