// Signature hashes: Core's legacy sighash vectors, BIP143 examples, BIP341 wallet vectors (key path signing and
// output construction), and the PrecomputedTransactionData rules.
#include "address/destination.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "script/sighash.h"
#include "testutil/vectors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace {

MutableTransaction TxFromHex(const std::string& hex)
{
    auto decoded = DecodeTransaction(ParseHex(hex));
    EXPECT_TRUE(decoded) << hex;
    return decoded ? *decoded : MutableTransaction();
}

std::string Hex(const uint256& h) { return HexStr(std::span<const uint8_t>(h.data(), h.size())); }

uint256 U256(const std::string& hex)
{
    auto bytes = ParseHex(hex);
    EXPECT_EQ(bytes.size(), 32u) << hex;
    bytes.resize(32);
    return uint256(bytes);
}

bool Contains(const std::vector<uint8_t>& haystack, const uint256& needle)
{
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

}  // namespace

// ---- legacy -----------------------------------------------------------------------------------------------

TEST(Sighash, CoreLegacyVectors)
{
    const auto rows = ReadVectorJson("bitcoin-core/sighash.json");
    size_t total = 0, passed = 0;
    for (const auto& row : rows) {
        if (row.size() == 1) continue;  // comment
        ASSERT_EQ(row.size(), 5u) << row.dump();
        ++total;
        const MutableTransaction mtx = TxFromHex(row[0].get<std::string>());
        const Script script_code(ParseHex(row[1].get<std::string>()));
        const unsigned int n_in = row[2].get<unsigned int>();
        const int32_t hash_type = row[3].get<int32_t>();
        const std::string expected = row[4].get<std::string>();

        const uint256 h = SignatureHash(script_code, mtx, n_in, hash_type, 0, SigVersion::BASE);
        // The immutable transaction type must give the same answer.
        const Transaction tx(mtx);
        const uint256 h2 = SignatureHash(script_code, tx, n_in, hash_type, 0, SigVersion::BASE);
        const bool ok = h.GetHex() == expected && h2 == h;
        EXPECT_TRUE(ok) << "row " << total << ": got " << h.GetHex() << " want " << expected;
        if (ok) ++passed;
    }
    EXPECT_EQ(total, 500u);
    ReportVectorCount("sighash.json", passed, total);
}

TEST(Sighash, LegacySingleWithoutOutputSignsOne)
{
    MutableTransaction tx;
    tx.vin.resize(2);
    tx.vout.resize(1);
    tx.vout[0] = TxOut(5, Script(std::vector<uint8_t>{OP_TRUE}));
    uint256 one;
    one.data()[0] = 1;
    EXPECT_EQ(SignatureHash(Script(), tx, 1, SIGHASH_SINGLE, 0, SigVersion::BASE), one);
    EXPECT_EQ(SignatureHash(Script(), tx, 1, SIGHASH_SINGLE | SIGHASH_ANYONECANPAY, 0, SigVersion::BASE), one);
    EXPECT_NE(SignatureHash(Script(), tx, 0, SIGHASH_SINGLE, 0, SigVersion::BASE), one);
    // Only the low five bits select the mode: 0x43 is SINGLE as well.
    EXPECT_EQ(SignatureHash(Script(), tx, 1, 0x43, 0, SigVersion::BASE), one);
    // An input index beyond the inputs never crashes.
    EXPECT_EQ(SignatureHash(Script(), tx, 7, SIGHASH_ALL, 0, SigVersion::BASE), one);
    EXPECT_EQ(SignatureHash(Script(), tx, 7, SIGHASH_ALL, 0, SigVersion::WITNESS_V0), one);
}

TEST(Sighash, LegacyDropsCodeSeparatorsButBip143KeepsThem)
{
    MutableTransaction tx;
    tx.vin.resize(1);
    tx.vout.emplace_back(1, Script());
    Script with_sep(std::vector<uint8_t>{OP_1, OP_CODESEPARATOR, OP_2, OP_CODESEPARATOR});
    Script without(std::vector<uint8_t>{OP_1, OP_2});
    EXPECT_EQ(SignatureHash(with_sep, tx, 0, SIGHASH_ALL, 0, SigVersion::BASE),
              SignatureHash(without, tx, 0, SIGHASH_ALL, 0, SigVersion::BASE));
    EXPECT_NE(SignatureHash(with_sep, tx, 0, SIGHASH_ALL, 0, SigVersion::WITNESS_V0),
              SignatureHash(without, tx, 0, SIGHASH_ALL, 0, SigVersion::WITNESS_V0));
    // A separator's byte inside push data is not an opcode and stays.
    Script pushed(std::vector<uint8_t>{0x01, OP_CODESEPARATOR});
    Script other(std::vector<uint8_t>{0x01, OP_1});
    EXPECT_NE(SignatureHash(pushed, tx, 0, SIGHASH_ALL, 0, SigVersion::BASE),
              SignatureHash(other, tx, 0, SIGHASH_ALL, 0, SigVersion::BASE));
}

// ---- BIP143 -----------------------------------------------------------------------------------------------

namespace {
struct Bip143Case {
    const char* name;
    const char* tx;
    unsigned int n_in;
    const char* script_code;  // without its length prefix
    Amount amount;
    int32_t hash_type;
    const char* sighash;      // raw byte order, as the BIP prints it
    const char* privkey;      // "" when the BIP gives none
    const char* signature;    // DER + hash type byte, "" when none
};

// The examples of BIP143's "Example" section.
const Bip143Case BIP143_CASES[] = {
    {"native P2WPKH",
     "0100000002fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f0000000000eeffffffef51e1b804cc89d182"
     "d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206000000001976a9148280b37df378db99f66f8"
     "5c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac11000000",
     1, "76a9141d0f172a0ecb48aee1be1f2687d2963ae33f71a188ac", 600000000, SIGHASH_ALL,
     "c37af31116d1b27caf68aae9e3ac82f1477929014d5b917657d0eb49478cb670",
     "619c335025c7f4012e556c2a58b2506e30b8511b53ade95ea316fd8c3286feb9",
     "304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c4518331561406f90300e8f3358f"
     "51928d43c212a8caed02de67eebee01"},
    {"P2SH-P2WPKH",
     "0100000001db6b1b20aa0fd7b23880be2ecbd4a98130974cf4748fb66092ac4d3ceb1a54770100000000feffffff02b8b4eb0b000000001"
     "976a914a457b684d7f0d539a46a45bbc043f35b59d0d96388ac0008af2f000000001976a914fd270b1ee6abcaea97fea7ad0402e8bd8ad6"
     "d77c88ac92040000",
     0, "76a91479091972186c449eb1ded22b78e40d009bdf008988ac", 1000000000, SIGHASH_ALL,
     "64f3b0f4dd2bb3aa1ce8566d220cc74dda9df97d8490cc81d89d735c92e59fb6",
     "eb696a065ef48a2192da5b28b694f87544b30fae8327c4510137a922f32c6dcf",
     "3044022047ac8e878352d3ebbde1c94ce3a10d057c24175747116f8288e5d794d12d482f0220217f36a485cae903c713331d877c1f64677e"
     "3622ad4010726870540656fe9dcb01"},
    {"P2WSH SINGLE out of range, separators kept",
     "0100000002fe3dc9208094f3ffd12645477b3dc56f60ec4fa8e6f5d67c565d1c6b9216b36e0000000000ffffffff0815cf020f013ed6cf91"
     "d29f4202e8a58726b1ac6c79da47c23d1bee0a6925f80000000000ffffffff0100f2052a010000001976a914a30741f8145e5acadf23f751"
     "864167f32e0963f788ac00000000",
     1,
     "21026dccc749adc2a9d0d89497ac511f760f45c47dc5ed9cf352a58ac706453880aeadab210255a9626aebf5e29c0e6538428ba0d1dcf6ca"
     "98ffdf086aa8ced5e0d0215ea465ac",
     4900000000, SIGHASH_SINGLE, "82dde6e4f1e94d02c2b7ad03d2115d691f48d064e9d52f58194a6637e4194391",
     "8e02b539b1500aa7c81cf3fed177448a546f19d2be416c0c61ff28e577d8d0cd",
     "3044022027dc95ad6b740fe5129e7e62a75dd00f291a2aeb1200b84b09d9e3789406b6c002201a9ecd315dd6a0e632ab20bbb98948bc0c6f"
     "b204f2c286963bb48517a7058e2703"},
    {"P2WSH SINGLE out of range, after separator",
     "0100000002fe3dc9208094f3ffd12645477b3dc56f60ec4fa8e6f5d67c565d1c6b9216b36e0000000000ffffffff0815cf020f013ed6cf91"
     "d29f4202e8a58726b1ac6c79da47c23d1bee0a6925f80000000000ffffffff0100f2052a010000001976a914a30741f8145e5acadf23f751"
     "864167f32e0963f788ac00000000",
     1, "210255a9626aebf5e29c0e6538428ba0d1dcf6ca98ffdf086aa8ced5e0d0215ea465ac", 4900000000, SIGHASH_SINGLE,
     "fef7bd749cce710c5c052bd796df1af0d935e59cea63736268bcbe2d2134fc47",
     "86bf2ed75935a0cbef03b89d72034bb4c189d381037a5ac121a70016db8896ec",
     "304402200de66acf4527789bfda55fc5459e214fa6083f936b430a762c629656216805ac0220396f550692cd347171cbc1ef1f51e15282e8"
     "37bb2b30860dc77c8f78bc8501e503"},
    {"P2WSH SINGLE|ANYONECANPAY, unexecuted separator",
     "0100000002e9b542c5176808107ff1df906f46bb1f2583b16112b95ee5380665ba7fcfc0010000000000ffffffff80e68831516392fcd100"
     "d186b3c2c7b95c80b53c77e77c35ba03a66b429a2a1b0000000000ffffffff0280969800000000001976a914de4b231626ef508c9a74a851"
     "7e6783c0546d6b2888ac80969800000000001976a9146648a8cd4531e1ec47f35916de8e259237294d1e88ac00000000",
     0, "0063ab68210392972e2eb617b2388771abe27235fd5ac44af8e61693261550447a4c3e39da98ac", 16777215, 0x83,
     "e9071e75e25b8a1e298a72f0d2e9f4f95a0f5cdf86a533cda597eb402ed13b3a",
     "f52b3484edd96598e02a9c89c4492e9c1e2031f471c49fd721fe68b3ce37780d",
     "3045022100f6a10b8604e6dc910194b79ccfc93e1bc0ec7c03453caaa8987f7d6c3413566002206216229ede9b4d6ec2d325be245c5b508f"
     "f0339bf1794078e20bfe0babc7ffe683"},
    {"P2WSH SINGLE|ANYONECANPAY, second input",
     "0100000002e9b542c5176808107ff1df906f46bb1f2583b16112b95ee5380665ba7fcfc0010000000000ffffffff80e68831516392fcd100"
     "d186b3c2c7b95c80b53c77e77c35ba03a66b429a2a1b0000000000ffffffff0280969800000000001976a914de4b231626ef508c9a74a851"
     "7e6783c0546d6b2888ac80969800000000001976a9146648a8cd4531e1ec47f35916de8e259237294d1e88ac00000000",
     1, "68210392972e2eb617b2388771abe27235fd5ac44af8e61693261550447a4c3e39da98ac", 16777215, 0x83,
     "cd72f1f1a433ee9df816857fad88d8ebd97e09a75cd481583eb841c330275e54",
     "f52b3484edd96598e02a9c89c4492e9c1e2031f471c49fd721fe68b3ce37780d",
     "30440220032521802a76ad7bf74d0e2c218b72cf0cbc867066e2e53db905ba37f130397e02207709e2188ed7f08f4c952d9d13986da50450"
     "2b8c3be59617e043552f506c46ff83"},
};

// BIP143's P2SH-P2WSH 6-of-6 example: one input signed with six hash types.
const char* const BIP143_MULTI_TX =
    "010000000136641869ca081e70f394c6948e8af409e18b619df2ed74aa106c1ca29787b96e0100000000ffffffff0200e9a435000000001976"
    "a914389ffce9cd9ae88dcc0631e88a821ffdbe9bfe2688acc0832f05000000001976a9147480a33f950689af511e6e84c138dbbd3c3ee41588"
    "ac00000000";
const char* const BIP143_MULTI_SCRIPT =
    "56210307b8ae49ac90a048e9b53357a2354b3334e9c8bee813ecb98e99a7e07e8c3ba32103b28f0c28bfab54554ae8c658ac5c3e0ce6e79a"
    "d336331f78c428dd43eea8449b21034b8113d703413d57761b8b9781957b8c0ac1dfe69f492580ca4195f50376ba4a21033400f6afecb833"
    "092a9a21cfdf1ed1376e58c5d1f47de74683123987e967a8f42103a6d48b1131e94ba04d9737d61acdaa1322008af9602b3b14862c07a178"
    "9aac162102d8b661b0b3302ee2f162b09e07a55ad5dfbe673a9f01d9f0c19617681024306b56ae";
const std::pair<int32_t, const char*> BIP143_MULTI_HASHES[] = {
    {SIGHASH_ALL, "185c0be5263dce5b4bb50a047973c1b6272bfbd0103a89444597dc40b248ee7c"},
    {SIGHASH_NONE, "e9733bc60ea13c95c6527066bb975a2ff29a925e80aa14c213f686cbae5d2f36"},
    {SIGHASH_SINGLE, "1e1f1c303dc025bd664acb72e583e933fae4cff9148bf78c157d1e8f78530aea"},
    {0x81, "2a67f03e63a6a422125878b40b82da593be8d4efaafe88ee528af6e5a9955c6e"},
    {0x82, "781ba15f3779d5542ce8ecb5c18716733a5ee42a6f51488ec96154934e2c890a"},
    {0x83, "511e8e52ed574121fc1b654970395502128263f62662e076dc6baf05c2e6a99b"},
};
}  // namespace

TEST(Sighash, Bip143Examples)
{
    size_t total = 0, passed = 0;
    for (const Bip143Case& c : BIP143_CASES) {
        ++total;
        const MutableTransaction tx = TxFromHex(c.tx);
        const Script code(ParseHex(c.script_code));
        const uint256 uncached = SignatureHash(code, tx, c.n_in, c.hash_type, c.amount, SigVersion::WITNESS_V0);
        PrecomputedTransactionData cache;
        cache.Init(tx, {}, /*force=*/true);
        ASSERT_TRUE(cache.bip143_segwit_ready);
        const uint256 cached =
            SignatureHash(code, tx, c.n_in, c.hash_type, c.amount, SigVersion::WITNESS_V0, &cache);
        bool ok = Hex(uncached) == c.sighash && cached == uncached;
        EXPECT_EQ(Hex(uncached), c.sighash) << c.name;
        EXPECT_EQ(cached, uncached) << c.name;
        // The BIP's signatures verify against the key's public key, and Key::Sign reproduces them when RFC6979
        // without grinding already gives a low R (they were made before Core ground R).
        Key key;
        ASSERT_TRUE(key.Set(ParseHex(c.privkey), true));
        auto sig = ParseHex(c.signature);
        ASSERT_FALSE(sig.empty());
        EXPECT_EQ(sig.back(), uint8_t(c.hash_type));
        sig.pop_back();
        EXPECT_TRUE(key.GetPubKey().Verify(uncached, sig)) << c.name;
        ok = ok && key.GetPubKey().Verify(uncached, sig);
        std::vector<uint8_t> mine;
        ASSERT_TRUE(key.Sign(uncached, mine, /*grind=*/false));
        EXPECT_EQ(HexStr(mine), HexStr(sig)) << c.name;
        if (ok) ++passed;
    }
    const MutableTransaction tx = TxFromHex(BIP143_MULTI_TX);
    const Script code(ParseHex(BIP143_MULTI_SCRIPT));
    for (const auto& [hash_type, expected] : BIP143_MULTI_HASHES) {
        ++total;
        const uint256 h = SignatureHash(code, tx, 0, hash_type, 987654321, SigVersion::WITNESS_V0);
        EXPECT_EQ(Hex(h), expected) << "hash type " << hash_type;
        if (Hex(h) == expected) ++passed;
    }
    ReportVectorCount("BIP143 examples", passed, total);
}

// ---- PrecomputedTransactionData ---------------------------------------------------------------------------

TEST(Sighash, PrecomputeFollowsWitnessesAndSpentOutputs)
{
    MutableTransaction tx;
    tx.vin.resize(2);
    tx.vin[0].prevout = OutPoint(U256("11" + std::string(62, '0')), 0);
    tx.vin[1].prevout = OutPoint(U256("22" + std::string(62, '0')), 3);
    tx.vout.emplace_back(1000, Script(std::vector<uint8_t>{OP_TRUE}));
    Script p2tr(std::vector<uint8_t>{OP_1, 32});
    p2tr.bytes().resize(34, 0x07);
    const Script p2wpkh(ParseHex("00141d0f172a0ecb48aee1be1f2687d2963ae33f71a1"));
    const std::vector<TxOut> spent{TxOut(5000, p2tr), TxOut(6000, p2wpkh)};

    // No witness anywhere: nothing is needed.
    PrecomputedTransactionData none(tx);
    EXPECT_FALSE(none.bip143_segwit_ready);
    EXPECT_FALSE(none.bip341_taproot_ready);
    EXPECT_FALSE(none.spent_outputs_ready);

    // A witness spending a taproot output: BIP341 data only.
    tx.vin[0].witness.stack = {std::vector<uint8_t>(64, 1)};
    PrecomputedTransactionData taproot;
    taproot.Init(tx, std::vector<TxOut>(spent));
    EXPECT_TRUE(taproot.spent_outputs_ready);
    EXPECT_TRUE(taproot.bip341_taproot_ready);
    EXPECT_FALSE(taproot.bip143_segwit_ready);

    // Without spent outputs the same witness counts as v0 (taproot cannot be recognised).
    PrecomputedTransactionData unknown;
    unknown.Init(tx, {});
    EXPECT_TRUE(unknown.bip143_segwit_ready);
    EXPECT_FALSE(unknown.bip341_taproot_ready);

    // Add a v0 witness: both.
    tx.vin[1].witness.stack = {std::vector<uint8_t>(71, 2), std::vector<uint8_t>(33, 3)};
    PrecomputedTransactionData both;
    both.Init(tx, std::vector<TxOut>(spent));
    EXPECT_TRUE(both.bip143_segwit_ready);
    EXPECT_TRUE(both.bip341_taproot_ready);
    // BIP143 hashes are the double SHA256 of the serialized parts, BIP341's the single one.
    EXPECT_EQ(both.hash_prevouts, Sha256Hash(std::span<const uint8_t>(both.prevouts_single_hash.data(), 32)));
    std::vector<uint8_t> seqs;
    VectorWriter sw(seqs);
    WriteLE(sw, tx.vin[0].sequence);
    WriteLE(sw, tx.vin[1].sequence);
    EXPECT_EQ(both.hash_sequence, Hash256(seqs));
    EXPECT_EQ(both.sequences_single_hash, Sha256Hash(seqs));

    // A wrong number of spent outputs is treated as unknown rather than trusted.
    PrecomputedTransactionData wrong;
    wrong.Init(tx, std::vector<TxOut>{spent[0]});
    EXPECT_FALSE(wrong.spent_outputs_ready);
    EXPECT_FALSE(wrong.bip341_taproot_ready);

    // BIP143 hashes come out the same cached or not.
    const Script code(ParseHex("76a9141d0f172a0ecb48aee1be1f2687d2963ae33f71a188ac"));
    for (int32_t ht : {1, 2, 3, 0x81, 0x82, 0x83}) {
        EXPECT_EQ(SignatureHash(code, tx, 1, ht, 6000, SigVersion::WITNESS_V0, &both),
                  SignatureHash(code, tx, 1, ht, 6000, SigVersion::WITNESS_V0));
    }
}

// ---- BIP341 -----------------------------------------------------------------------------------------------

TEST(Sighash, Bip341KeyPathSpending)
{
    const auto vectors = ReadVectorJson("bitcoin-core/bip341_wallet_vectors.json");
    const auto& cases = vectors["keyPathSpending"];
    ASSERT_FALSE(cases.empty());
    size_t total = 0, passed = 0, tx_level = 0, tx_level_ok = 0;
    for (const auto& c : cases) {
        const MutableTransaction tx = TxFromHex(c["given"]["rawUnsignedTx"].get<std::string>());
        std::vector<TxOut> spent;
        for (const auto& u : c["given"]["utxosSpent"]) {
            spent.emplace_back(u["amountSats"].get<Amount>(), Script(ParseHex(u["scriptPubKey"].get<std::string>())));
        }
        ASSERT_EQ(spent.size(), tx.vin.size());
        PrecomputedTransactionData cache;
        cache.Init(tx, std::vector<TxOut>(spent), /*force=*/true);
        ASSERT_TRUE(cache.bip341_taproot_ready);

        const auto& im = c["intermediary"];
        const std::map<std::string, uint256> tx_hashes{
            {"hashAmounts", cache.spent_amounts_single_hash}, {"hashOutputs", cache.outputs_single_hash},
            {"hashPrevouts", cache.prevouts_single_hash},     {"hashScriptPubkeys", cache.spent_scripts_single_hash},
            {"hashSequences", cache.sequences_single_hash},
        };
        ++tx_level;
        bool tx_ok = true;
        for (const auto& [name, value] : tx_hashes) {
            EXPECT_EQ(Hex(value), im[name].get<std::string>()) << name;
            tx_ok = tx_ok && Hex(value) == im[name].get<std::string>();
        }
        if (tx_ok) ++tx_level_ok;

        for (const auto& in : c["inputSpending"]) {
            ++total;
            const auto& given = in["given"];
            const auto& inter = in["intermediary"];
            const unsigned int n_in = given["txinIndex"].get<unsigned int>();
            const uint8_t hash_type = given["hashType"].get<uint8_t>();
            const bool has_root = !given["merkleRoot"].is_null();
            const uint256 root = has_root ? U256(given["merkleRoot"].get<std::string>()) : uint256();
            const uint256* root_ptr = has_root ? &root : nullptr;
            bool ok = true;
            auto check = [&](bool cond, const std::string& what) {
                EXPECT_TRUE(cond) << "input " << n_in << ": " << what;
                ok = ok && cond;
            };

            ScriptExecutionData execdata;
            execdata.annex_init = true;
            execdata.annex_present = false;
            std::vector<uint8_t> msg;
            check(SignatureMessageSchnorr(msg, execdata, tx, n_in, hash_type, SigVersion::TAPROOT, cache),
                  "message");
            check(HexStr(msg) == inter["sigMsg"].get<std::string>(), "sigMsg " + HexStr(msg));
            uint256 sighash;
            check(SignatureHashSchnorr(sighash, execdata, tx, n_in, hash_type, SigVersion::TAPROOT, cache,
                                       MissingDataBehavior::FAIL),
                  "sighash");
            check(Hex(sighash) == inter["sigHash"].get<std::string>(), "sigHash " + Hex(sighash));
            check(TaggedHash("TapSighash", msg) == sighash, "sigHash is the tagged hash of sigMsg");
            // The immutable transaction type agrees.
            uint256 sighash2;
            ScriptExecutionData execdata2 = execdata;
            execdata2.output_hash.reset();
            check(SignatureHashSchnorr(sighash2, execdata2, Transaction(tx), n_in, hash_type, SigVersion::TAPROOT,
                                       cache, MissingDataBehavior::FAIL) &&
                      sighash2 == sighash,
                  "Transaction and MutableTransaction agree");

            // precomputedUsed names exactly the transaction-level hashes the message contains.
            std::set<std::string> used;
            for (const auto& [name, value] : tx_hashes) {
                if (Contains(msg, value)) used.insert(name);
            }
            std::set<std::string> expected_used;
            for (const auto& n : inter["precomputedUsed"]) expected_used.insert(n.get<std::string>());
            check(used == expected_used, "precomputedUsed");

            Key key;
            check(key.Set(ParseHex(given["internalPrivkey"].get<std::string>()), true), "private key");
            const XOnlyPubKey internal = key.GetXOnlyPubKey();
            check(Hex(internal.GetUint256()) == inter["internalPubkey"].get<std::string>(), "internalPubkey");
            check(Hex(internal.ComputeTapTweakHash(root_ptr)) == inter["tweak"].get<std::string>(), "tweak");
            const Key tweaked = key.TapTweaked(root_ptr);
            check(HexStr(tweaked.bytes()) == inter["tweakedPrivkey"].get<std::string>(), "tweakedPrivkey");

            // BIP341's vectors sign with all-zero auxiliary randomness (as Core's signer does).
            std::vector<uint8_t> sig(64);
            check(key.SignSchnorr(sighash, sig, root_ptr, uint256()), "sign");
            if (hash_type != SIGHASH_DEFAULT) sig.push_back(hash_type);
            const auto& witness = in["expected"]["witness"];
            check(witness.size() == 1 && HexStr(sig) == witness[0].get<std::string>(), "witness " + HexStr(sig));
            // And it verifies under the output key of the spent scriptPubKey.
            const Script& spk = spent[n_in].script_pubkey;
            check(spk.IsPayToTaproot() &&
                      XOnlyPubKey(std::span<const uint8_t>(spk.data() + 2, 32))
                          .VerifySchnorr(sighash, std::span<const uint8_t>(sig.data(), 64)),
                  "verifies under the output key");
            if (ok) ++passed;
        }
    }
    ReportVectorCount("bip341_wallet_vectors.json keyPathSpending (tx-level hashes)", tx_level_ok, tx_level);
    ReportVectorCount("bip341_wallet_vectors.json keyPathSpending inputs", passed, total);
}

TEST(Sighash, SchnorrRejectsUndefinedHashTypesAndMissingData)
{
    const auto vectors = ReadVectorJson("bitcoin-core/bip341_wallet_vectors.json");
    const auto& c = vectors["keyPathSpending"][0];
    MutableTransaction tx = TxFromHex(c["given"]["rawUnsignedTx"].get<std::string>());
    std::vector<TxOut> spent;
    for (const auto& u : c["given"]["utxosSpent"]) {
        spent.emplace_back(u["amountSats"].get<Amount>(), Script(ParseHex(u["scriptPubKey"].get<std::string>())));
    }
    PrecomputedTransactionData cache;
    cache.Init(tx, std::vector<TxOut>(spent), true);
    ScriptExecutionData execdata;
    execdata.annex_init = true;
    uint256 h;
    size_t defined = 0;
    for (int ht = 0; ht < 256; ++ht) {
        const bool ok = SignatureHashSchnorr(h, execdata, tx, 0, uint8_t(ht), SigVersion::TAPROOT, cache,
                                             MissingDataBehavior::FAIL);
        const bool is_defined = ht <= 3 || (ht >= 0x81 && ht <= 0x83);
        EXPECT_EQ(ok, is_defined) << ht;
        defined += ok;
    }
    EXPECT_EQ(defined, 7u);
    // SIGHASH_SINGLE needs an output at the input's index (the vector tx has 2 outputs and 9 inputs).
    ASSERT_EQ(tx.vout.size(), 2u);
    execdata.output_hash.reset();
    EXPECT_FALSE(SignatureHashSchnorr(h, execdata, tx, 5, SIGHASH_SINGLE, SigVersion::TAPROOT, cache,
                                      MissingDataBehavior::FAIL));
    EXPECT_TRUE(SignatureHashSchnorr(h, execdata, tx, 5, SIGHASH_ALL, SigVersion::TAPROOT, cache,
                                     MissingDataBehavior::FAIL));
    // No spent outputs: fail, never crash.
    PrecomputedTransactionData empty(tx);
    EXPECT_FALSE(SignatureHashSchnorr(h, execdata, tx, 0, SIGHASH_DEFAULT, SigVersion::TAPROOT, empty,
                                      MissingDataBehavior::FAIL));
    EXPECT_FALSE(SignatureHashSchnorr(h, execdata, tx, 0, SIGHASH_DEFAULT, SigVersion::TAPROOT, empty,
                                      MissingDataBehavior::ASSERT_FAIL));
    // Wrong sigversions and out-of-range inputs fail.
    EXPECT_FALSE(SignatureHashSchnorr(h, execdata, tx, 0, SIGHASH_DEFAULT, SigVersion::WITNESS_V0, cache,
                                      MissingDataBehavior::FAIL));
    EXPECT_FALSE(SignatureHashSchnorr(h, execdata, tx, 99, SIGHASH_DEFAULT, SigVersion::TAPROOT, cache,
                                      MissingDataBehavior::FAIL));
}

TEST(Sighash, TapscriptMessageCommitsToLeafAnnexAndCodeSeparator)
{
    const auto vectors = ReadVectorJson("bitcoin-core/bip341_wallet_vectors.json");
    const auto& c = vectors["keyPathSpending"][0];
    MutableTransaction tx = TxFromHex(c["given"]["rawUnsignedTx"].get<std::string>());
    std::vector<TxOut> spent;
    for (const auto& u : c["given"]["utxosSpent"]) {
        spent.emplace_back(u["amountSats"].get<Amount>(), Script(ParseHex(u["scriptPubKey"].get<std::string>())));
    }
    PrecomputedTransactionData cache;
    cache.Init(tx, std::vector<TxOut>(spent), true);

    ScriptExecutionData base;
    base.annex_init = true;
    std::vector<uint8_t> key_msg;
    ASSERT_TRUE(SignatureMessageSchnorr(key_msg, base, tx, 1, SIGHASH_DEFAULT, SigVersion::TAPROOT, cache));

    ScriptExecutionData tap = base;
    tap.tapleaf_hash_init = true;
    tap.tapleaf_hash = U256("5b75adecf53548f3ec6ad7d78383bf84cc57b55a3127c72b9a2481752dd88b21");
    tap.codeseparator_pos_init = true;
    tap.codeseparator_pos = 0xFFFFFFFF;
    std::vector<uint8_t> msg;
    ASSERT_TRUE(SignatureMessageSchnorr(msg, tap, tx, 1, SIGHASH_DEFAULT, SigVersion::TAPSCRIPT, cache));
    // BIP342: the key-path message with spend_type's ext bit set, then leaf hash, key_version 0, codesep position.
    std::vector<uint8_t> expect = key_msg;
    const size_t spend_type_pos = 1 + 1 + 4 + 4 + 5 * 32;
    ASSERT_EQ(expect[spend_type_pos], 0);
    expect[spend_type_pos] = 2;
    expect.insert(expect.end(), tap.tapleaf_hash.begin(), tap.tapleaf_hash.end());
    expect.push_back(0);
    for (int i = 0; i < 4; ++i) expect.push_back(0xff);
    EXPECT_EQ(HexStr(msg), HexStr(expect));

    // An annex sets the low spend_type bit and appends its hash after the input data.
    ScriptExecutionData annex = base;
    annex.annex_present = true;
    annex.annex_hash = U256("aa" + std::string(62, '5'));
    std::vector<uint8_t> annex_msg;
    ASSERT_TRUE(SignatureMessageSchnorr(annex_msg, annex, tx, 1, SIGHASH_DEFAULT, SigVersion::TAPROOT, cache));
    std::vector<uint8_t> annex_expect = key_msg;
    annex_expect[spend_type_pos] = 1;
    annex_expect.insert(annex_expect.end(), annex.annex_hash.begin(), annex.annex_hash.end());
    EXPECT_EQ(HexStr(annex_msg), HexStr(annex_expect));

    // Tapscript without its leaf data fails instead of hashing garbage.
    ScriptExecutionData incomplete = base;
    EXPECT_FALSE(SignatureMessageSchnorr(msg, incomplete, tx, 1, SIGHASH_DEFAULT, SigVersion::TAPSCRIPT, cache));
    EXPECT_TRUE(msg.empty());
}

namespace {
/** A BIP341 script tree node's hash, collecting each leaf's hash and its path (sibling hashes, leaf first). */
uint256 WalkTree(const nlohmann::json& node, std::map<int, uint256>& leaf_hashes,
                 std::map<int, std::vector<uint256>>& paths, std::map<int, uint8_t>& versions, std::vector<int>& ids)
{
    if (node.is_object()) {
        const int id = node["id"].get<int>();
        const uint8_t version = node["leafVersion"].get<uint8_t>();
        const auto script = ParseHex(node["script"].get<std::string>());
        std::vector<uint8_t> preimage{version};
        VectorWriter w(preimage);
        WriteBytes(w, script);
        const uint256 h = TaggedHash("TapLeaf", preimage);
        leaf_hashes[id] = h;
        versions[id] = version;
        paths[id];
        ids.push_back(id);
        return h;
    }
    EXPECT_TRUE(node.is_array() && node.size() == 2);
    std::vector<int> left_ids, right_ids;
    const uint256 left = WalkTree(node[0], leaf_hashes, paths, versions, left_ids);
    const uint256 right = WalkTree(node[1], leaf_hashes, paths, versions, right_ids);
    for (int id : left_ids) paths[id].push_back(right);
    for (int id : right_ids) paths[id].push_back(left);
    ids.insert(ids.end(), left_ids.begin(), left_ids.end());
    ids.insert(ids.end(), right_ids.begin(), right_ids.end());
    // BIP341: branches hash their children in lexicographic order.
    std::vector<uint8_t> pre;
    const uint256& a = std::min(left, right);
    const uint256& b = std::max(left, right);
    pre.insert(pre.end(), a.begin(), a.end());
    pre.insert(pre.end(), b.begin(), b.end());
    return TaggedHash("TapBranch", pre);
}
}  // namespace

TEST(Sighash, Bip341ScriptPubKeys)
{
    const auto vectors = ReadVectorJson("bitcoin-core/bip341_wallet_vectors.json");
    const auto& cases = vectors["scriptPubKey"];
    size_t total = 0, passed = 0, control_blocks = 0;
    for (const auto& c : cases) {
        ++total;
        bool ok = true;
        auto check = [&](bool cond, const std::string& what) {
            EXPECT_TRUE(cond) << "case " << total << ": " << what;
            ok = ok && cond;
        };
        const XOnlyPubKey internal(ParseHex(c["given"]["internalPubkey"].get<std::string>()));
        const auto& tree = c["given"]["scriptTree"];
        std::map<int, uint256> leaf_hashes;
        std::map<int, std::vector<uint256>> paths;
        std::map<int, uint8_t> versions;
        std::vector<int> ids;
        std::optional<uint256> root;
        if (!tree.is_null()) root = WalkTree(tree, leaf_hashes, paths, versions, ids);

        const auto& im = c["intermediary"];
        if (im.contains("leafHashes")) {
            const auto& expected = im["leafHashes"];
            check(expected.size() == leaf_hashes.size(), "leaf count");
            for (size_t i = 0; i < expected.size(); ++i) {
                check(leaf_hashes.count(int(i)) && Hex(leaf_hashes[int(i)]) == expected[i].get<std::string>(),
                      "leaf hash " + std::to_string(i));
            }
        }
        if (im["merkleRoot"].is_null()) {
            check(!root, "no merkle root");
        } else {
            check(root && Hex(*root) == im["merkleRoot"].get<std::string>(), "merkle root");
        }
        const uint256* root_ptr = root ? &*root : nullptr;
        check(Hex(internal.ComputeTapTweakHash(root_ptr)) == im["tweak"].get<std::string>(), "tweak");
        const auto output = internal.CreateTapTweak(root_ptr);
        check(output.has_value(), "tweak succeeds");
        if (!output) continue;
        check(Hex(output->first.GetUint256()) == im["tweakedPubkey"].get<std::string>(), "tweaked pubkey");
        if (root) check(output->first.CheckTapTweak(internal, *root, output->second), "CheckTapTweak");

        const auto& ex = c["expected"];
        Script spk(std::vector<uint8_t>{OP_1});
        spk.PushData(std::span<const uint8_t>(output->first.data(), 32));
        check(HexStr(spk.bytes()) == ex["scriptPubKey"].get<std::string>(), "scriptPubKey");
        check(spk.IsPayToTaproot(), "P2TR");
        // BIP350: the mainnet bech32m address of the output key, both ways.
        const std::string address = EncodeDestination(WitnessV1Taproot{output->first}, Chain::MAIN);
        check(address == ex["bip350Address"].get<std::string>(), "bip350Address " + address);
        Destination decoded = DecodeDestination(ex["bip350Address"].get<std::string>(), Chain::MAIN);
        check(GetScriptForDestination(decoded) == spk, "address decodes to the scriptPubKey");

        if (ex.contains("scriptPathControlBlocks")) {
            const auto& blocks = ex["scriptPathControlBlocks"];
            for (size_t i = 0; i < blocks.size(); ++i) {
                ++control_blocks;
                std::vector<uint8_t> cb{uint8_t(versions[int(i)] | (output->second ? 1 : 0))};
                cb.insert(cb.end(), internal.begin(), internal.end());
                for (const uint256& node : paths[int(i)]) cb.insert(cb.end(), node.begin(), node.end());
                check(HexStr(cb) == blocks[i].get<std::string>(), "control block " + std::to_string(i));
            }
        }
        if (ok) ++passed;
    }
    EXPECT_EQ(total, 7u);
    ReportVectorCount("bip341_wallet_vectors.json scriptPubKey", passed, total);
    std::printf("bip341_wallet_vectors.json control blocks checked: %zu\n", control_blocks);
}
