// Proof of reserves on a real regtest chainstate: P2WPKH, 2-of-3 P2WSH multisig (two officials sign separately,
// the PSBTs are combined) and P2TR key-path reserves; the verifier proves the total, and rejects a wrong
// statement, a spent UTXO, a forged signature, a UTXO younger than the stated height and a malformed file.
#include "address/destination.h"
#include "json/json_value.h"
#include "psbt/psbt_roles.h"
#include "reserves/proof_of_reserves.h"
#include "script/solver.h"
#include "testutil/regtest_chain.h"

#include <gtest/gtest.h>

#include <unistd.h>

namespace {
Key MakeKey(uint8_t fill)
{
    Key k;
    k.Set(std::vector<uint8_t>(32, fill), true);
    return k;
}

class ProofOfReservesTest : public RegtestChainTest
{
protected:
    Key single = MakeKey(1), off1 = MakeKey(2), off2 = MakeKey(3), off3 = MakeKey(4), tap = MakeKey(5);
    Script multisig;
    std::vector<std::pair<OutPoint, TxOut>> utxos;

    void SetUp() override
    {
        RegtestChainTest::SetUp();
        auto bytes = [](const Key& k) { auto p = k.GetPubKey(); return std::vector<uint8_t>(p.begin(), p.end()); };
        multisig = GetScriptForMultisig(2, {bytes(off1), bytes(off2), bytes(off3)});
        uint256 wsh;
        Sha256().Write(multisig.data(), multisig.size()).Finalize(wsh.data());
        const XOnlyPubKey tweaked = tap.GetXOnlyPubKey().CreateTapTweak(nullptr)->first;
        const std::vector<Script> scripts = {GetScriptForDestination(WitnessV0KeyHash{single.GetPubKey().GetID()}),
                                             GetScriptForDestination(WitnessV0ScriptHash{wsh}),
                                             GetScriptForDestination(WitnessV1Taproot{tweaked})};
        for (const Script& spk : scripts) {
            const Block block = Mine(spk);
            utxos.emplace_back(OutPoint(block.vtx[0]->GetHash(), 0), block.vtx[0]->vout[0]);
        }
        Mine(Script() << OP_TRUE);
    }
    Block Mine(const Script& spk, const std::vector<TransactionRef>& txs = {}) { return MineBlock(spk, txs); }
    std::function<std::optional<Coin>(const OutPoint&)> Lookup()
    {
        return [this](const OutPoint& op) {
            std::lock_guard lock(node.chainman->Mutex());
            return node.chainman->CoinsTip().GetCoin(op);
        };
    }
    ReserveStatement Statement()
    {
        ReserveStatement s;
        s.institution = "National Bitcoin Office";
        s.date = "2026-11-28";
        s.nonce = "7f3a";
        std::lock_guard lock(node.chainman->Mutex());
        s.height = node.chainman->Chain().Height();
        s.block_hash = node.chainman->Tip()->GetBlockHash();
        s.descriptors = {"wsh(multi(2,...))", "tr(...)"};
        return s;
    }
    /** The custody flow: the single-key holder, the taproot holder and two of three officials sign separately. */
    MutableTransaction SignedProof(const ReserveStatement& s)
    {
        Psbt unsigned_psbt = CreateReservePsbt(s, utxos);
        unsigned_psbt.inputs[2].witness_script = multisig;
        unsigned_psbt.inputs[3].tap_internal_key = tap.GetXOnlyPubKey();
        std::vector<Psbt> parts;
        for (const Key* k : {&single, &tap, &off1, &off3}) {
            Psbt p = unsigned_psbt;  // each official works on their own copy (a PSBT file)
            PsbtKeyStore store;
            store.AddKey(*k);
            SignPsbtWithKeys(store, p, std::nullopt, false);
            parts.push_back(DecodeBase64Psbt(EncodeBase64Psbt(p)).psbt.value());  // through the file format
        }
        auto combined = CombinePsbts(parts);
        EXPECT_TRUE(combined);
        std::string error;
        auto tx = FinalizeReserveProof(*combined, &error);
        EXPECT_TRUE(tx) << error;
        return tx.value_or(MutableTransaction());
    }
};
}  // namespace

TEST_F(ProofOfReservesTest, MultisigAndTaprootReservesAreProven)
{
    const ReserveStatement s = Statement();
    const MutableTransaction proof = SignedProof(s);
    const ReserveVerification v = VerifyReserveProof(proof, s, Lookup());
    EXPECT_TRUE(v.ok) << v.reason;
    Amount expected = 0;
    for (const auto& u : utxos) expected += u.second.value;
    EXPECT_EQ(v.proven, expected);
    ASSERT_EQ(v.inputs.size(), 3u);

    // The published file round-trips and still verifies ("a second node that only knows the published file").
    const std::string file = ReserveProofToJson(s, proof).Write(2);
    std::string error;
    auto parsed = ReserveProofFromJson(file, &error);
    ASSERT_TRUE(parsed) << error;
    EXPECT_TRUE(VerifyReserveProof(parsed->second, parsed->first, Lookup()).ok);

    // The proof can never be mined: its first input spends an outpoint that does not exist.
    EXPECT_FALSE(Lookup()(proof.vin[0].prevout));
}

TEST_F(ProofOfReservesTest, FailuresNameTheirReason)
{
    const ReserveStatement s = Statement();
    const MutableTransaction proof = SignedProof(s);

    ReserveStatement other = s;
    other.nonce = "replayed";
    EXPECT_NE(VerifyReserveProof(proof, other, Lookup()).reason.find("wrong commitment"), std::string::npos);

    MutableTransaction forged = proof;
    forged.vin[1].witness.stack[0][10] ^= 1;  // the single-key signature
    ReserveVerification bad = VerifyReserveProof(forged, s, Lookup());
    EXPECT_FALSE(bad.ok);
    EXPECT_NE(bad.reason.find("bad signature"), std::string::npos) << bad.reason;
    EXPECT_EQ(bad.proven, utxos[1].second.value + utxos[2].second.value);  // the others still verify

    MutableTransaction dup = proof;
    dup.vin.push_back(dup.vin[1]);
    // (The extra input also changes what every signature commits to; the duplicate itself is named.)
    const ReserveVerification dup_check = VerifyReserveProof(dup, s, Lookup());
    EXPECT_FALSE(dup_check.ok);
    EXPECT_EQ(dup_check.inputs.back().reason, "spent twice in the proof");

    ReserveStatement early = s;
    early.height = 1;  // the multisig and taproot coins were mined at heights 2 and 3
    auto early_proof = SignedProof(early);
    EXPECT_NE(VerifyReserveProof(early_proof, early, Lookup()).reason.find("after the stated height"), std::string::npos);

    // Spend the P2WPKH reserve UTXO (after maturity): the old proof now fails with the reason.
    for (int i = 0; i < 100; ++i) Mine(Script() << OP_TRUE);
    MutableTransaction spend;
    spend.vin.emplace_back();
    spend.vin[0].prevout = utxos[0].first;
    spend.vout.emplace_back(utxos[0].second.value - 1000, Script() << OP_TRUE);
    {
        Psbt p(spend, 0);
        p.inputs[0].witness_utxo = utxos[0].second;
        PsbtKeyStore store;
        store.AddKey(single);
        ASSERT_TRUE(SignPsbtWithKeys(store, p, std::nullopt, true));
        MutableTransaction signed_tx;
        ASSERT_TRUE(FinalizeAndExtractPsbt(p, signed_tx));
        Mine(Script() << OP_TRUE, {MakeTransactionRef(std::move(signed_tx))});
    }
    const ReserveVerification after = VerifyReserveProof(proof, s, Lookup());
    EXPECT_FALSE(after.ok);
    EXPECT_NE(after.reason.find("not in the UTXO set"), std::string::npos) << after.reason;
    EXPECT_NE(after.reason.find(utxos[0].first.hash.GetHex()), std::string::npos);
}

TEST(ProofOfReservesFile, MalformedFilesAreRefused)
{
    std::string error;
    for (const char* bad : {"", "{}", "[1]", "{\"version\":2}",
                            "{\"version\":1,\"institution\":\"x\",\"date\":\"d\",\"nonce\":\"n\",\"height\":-1,"
                            "\"block_hash\":\"00\",\"descriptors\":[],\"tx\":\"00\"}",
                            "{\"version\":1,\"institution\":\"x\",\"date\":\"d\",\"nonce\":\"n\",\"height\":5,"
                            "\"block_hash\":\"0000000000000000000000000000000000000000000000000000000000000000\","
                            "\"descriptors\":[],\"tx\":\"zz\"}"}) {
        EXPECT_FALSE(ReserveProofFromJson(bad, &error)) << bad;
        EXPECT_FALSE(error.empty());
    }
}

TEST_F(ProofOfReservesTest, SolvencyClaimIsSignedWithTheProof)
{
    // Liabilities of 120 BTC against 150 BTC of reserves, committed in the statement the officials sign.
    std::array<uint8_t, 32> secret{};
    secret[0] = 9;
    auto tree = LiabilityTree::Build({{"citizen-1", 100 * COIN}, {"citizen-2", 20 * COIN}}, secret, 8, nullptr);
    ASSERT_TRUE(tree);
    ReserveStatement s = Statement();
    s.liabilities = tree->Commitment();
    EXPECT_NE(ReserveMessage(s).find("liabilities total: " + std::to_string(120 * COIN)), std::string::npos);
    const MutableTransaction proof = SignedProof(s);
    EXPECT_TRUE(VerifyReserveProof(proof, s, Lookup()).ok);

    // The file is version 2 and carries the commitment; it round-trips.
    const JsonValue json = ReserveProofToJson(s, proof);
    EXPECT_EQ(json["version"].GetValStr(), "2");
    EXPECT_EQ(json["liabilities"]["total"].GetValStr(), std::to_string(120 * COIN));
    std::string error;
    auto parsed = ReserveProofFromJson(json.Write(), &error);
    ASSERT_TRUE(parsed) << error;
    ASSERT_TRUE(parsed->first.liabilities);
    EXPECT_EQ(parsed->first.liabilities->root, s.liabilities->root);
    EXPECT_TRUE(VerifyReserveProof(parsed->second, parsed->first, Lookup()).ok);

    // Claiming smaller liabilities than were signed breaks the commitment.
    ReserveStatement understated = s;
    understated.liabilities->root.sum -= COIN;
    const ReserveVerification v = VerifyReserveProof(proof, understated, Lookup());
    EXPECT_FALSE(v.ok);
    EXPECT_NE(v.reason.find("wrong commitment"), std::string::npos) << v.reason;
    // Dropping the claim does too: the signatures cover it.
    ReserveStatement dropped = s;
    dropped.liabilities.reset();
    EXPECT_FALSE(VerifyReserveProof(proof, dropped, Lookup()).ok);

    // A version-1 file must not carry liabilities, nor a version-2 file lack them.
    std::string text = json.Write();
    text.replace(text.find("\"version\":2"), 11, "\"version\":1");
    EXPECT_FALSE(ReserveProofFromJson(text, &error));
    EXPECT_NE(error.find("version 2"), std::string::npos) << error;
}

TEST(ReserveStatementJson, BadFieldsAreNamed)
{
    std::string error;
    auto parse = [&](const std::string& text) {
        auto j = JsonValue::Parse(text);
        return j ? ReserveStatementFromJson(*j, &error) : std::nullopt;
    };
    const std::string base = R"("institution":"x","date":"2026-11-28","nonce":"n","height":5,)"
                             R"("block_hash":"0000000000000000000000000000000000000000000000000000000000000000","descriptors":[])";
    ASSERT_TRUE(parse("{" + base + "}")) << error;
    EXPECT_FALSE(parse("{" + base + R"(,"liabilities":{"root_hash":"00","total":1,"height":8}})"));
    EXPECT_NE(error.find("liabilities"), std::string::npos) << error;
    EXPECT_FALSE(parse("{" + base + R"(,"liabilities":{"root_hash":")" + std::string(64, 'a') + R"(","total":-1,"height":8}})"));
    auto ok = parse("{" + base + R"(,"liabilities":{"root_hash":")" + std::string(64, 'a') + R"(","total":7,"height":8}})");
    ASSERT_TRUE(ok) << error;
    EXPECT_EQ(ok->liabilities->root.sum, 7u);
    EXPECT_FALSE(parse(R"({"institution":1})"));
    EXPECT_NE(error.find("institution"), std::string::npos);
}
