// PSBT signer, finalizer and extractor against Core's rpc_psbt.json cases and the BIP174 role workflow.
#include "address/base58.h"
#include "address/destination.h"
#include "crypto/hash.h"
#include "psbt/psbt_roles.h"
#include "testutil/vectors.h"
#include "util/hex.h"
#include "util/strencodings.h"

#include <gtest/gtest.h>

namespace {

Psbt MustDecode(const std::string& b64)
{
    auto r = DecodeBase64Psbt(b64);
    EXPECT_TRUE(r.psbt) << r.error;
    return r.psbt.value_or(Psbt{});
}

Psbt MustDecodeHex(const std::string& hex)
{
    auto r = DecodeRawPsbt(ParseHex(hex));
    EXPECT_TRUE(r.psbt) << r.error;
    return r.psbt.value_or(Psbt{});
}

}  // namespace

TEST(PsbtRolesTest, RpcPsbtFinalizerExtractorSigner)
{
    auto j = ReadVectorJson("bitcoin-core/rpc_psbt.json");
    size_t passed = 0, total = 0;
    for (const auto& f : j["finalizer"]) {
        ++total;
        Psbt p = MustDecode(f["finalize"]);
        FinalizePsbt(p);
        bool ok = EncodeBase64Psbt(p) == f["result"].get<std::string>();
        EXPECT_TRUE(ok) << EncodeBase64Psbt(p);
        if (ok) ++passed;
    }
    for (const auto& e : j["extractor"]) {
        ++total;
        Psbt p = MustDecode(e["extract"]);
        MutableTransaction tx;
        bool ok = FinalizeAndExtractPsbt(p, tx) && HexStr(EncodeTransaction(tx)) == e["result"].get<std::string>();
        EXPECT_TRUE(ok);
        if (ok) ++passed;
    }
    size_t i = 0;
    for (const auto& s : j["signer"]) {
        ++total;
        PsbtKeyStore keys;
        for (const auto& wif : s["privkeys"]) {
            Key k = DecodeSecret(wif.get<std::string>(), Chain::REGTEST);
            ASSERT_TRUE(k.IsValid());
            keys.AddKey(k);
        }
        Psbt p = MustDecode(s["psbt"]);
        // walletprocesspsbt(psbt, sign=true, "ALL"), finalize and bip32derivs at their defaults.
        SignPsbtWithKeys(keys, p, SIGHASH_ALL, true, true);
        bool ok = EncodeBase64Psbt(p) == s["result"].get<std::string>();
        EXPECT_TRUE(ok) << "signer " << i << ": " << EncodeBase64Psbt(p);
        if (ok) ++passed;
        ++i;
    }
    ReportVectorCount("rpc_psbt.json (finalizer, extractor, signer)", passed, total);
}

TEST(PsbtRolesTest, Bip174RoleWorkflow)
{
    auto j = ReadVectorJson("bips/psbt_bip174_vectors.json");
    std::map<std::string, nlohmann::json> steps;
    for (const auto& s : j["role_workflow"]["steps"]) steps[s["step"]] = s;
    size_t passed = 0, total = 0;
    {
        // Creator: the unsigned transaction of the listed inputs and outputs, version 2, locktime 0.
        ++total;
        const auto& s = steps["creator"];
        MutableTransaction tx;
        for (const auto& in : s["inputs"]) {
            TxIn txin;
            txin.prevout = OutPoint(*uint256::FromHex(in["txid"].get<std::string>()), in["vout"].get<uint32_t>());
            tx.vin.push_back(txin);
        }
        for (const auto& out : s["outputs"]) {
            auto amount = ParseFixedPoint(out["amount_btc"].get<std::string>(), 8);
            ASSERT_TRUE(amount);
            tx.vout.emplace_back(*amount, Script(ParseHex(out["scriptPubKey_hex"].get<std::string>())));
        }
        Psbt p(tx, 0);
        p.version.reset();  // BIP174 v0 carries no PSBT_GLOBAL_VERSION
        bool ok = HexStr(SerializePsbt(p)) == s["expected_psbt"]["hex"].get<std::string>();
        EXPECT_TRUE(ok);
        if (ok) ++passed;
    }
    {
        // Updater: previous transactions, scripts and key origins (fingerprint of the BIP's master key).
        ++total;
        const auto& s = steps["updater"];
        const auto& d = s["updater_data"];
        std::vector<uint8_t> xprv;
        ASSERT_TRUE(DecodeBase58Check(j["role_workflow"]["master_key"]["tprv"].get<std::string>(), xprv, 78));
        ASSERT_EQ(xprv.size(), 78u);
        Key master;
        ASSERT_TRUE(master.Set(std::span<const uint8_t>(xprv).subspan(46, 32), true));
        uint160 master_id = master.GetPubKey().GetID();
        PsbtKeyStore store;
        for (const auto& pk : d["public_keys"]) {
            KeyOriginInfo origin;
            std::copy(master_id.begin(), master_id.begin() + 4, origin.fingerprint.begin());
            for (const auto& step : SplitString(pk["path"].get<std::string>().substr(2), '/')) {
                bool hardened = !step.empty() && step.back() == '\'';
                uint32_t index = *ParseUInt32(hardened ? step.substr(0, step.size() - 1) : step);
                origin.path.push_back(index | (hardened ? 0x80000000U : 0));
            }
            store.AddPubKey(PubKey(ParseHex(pk["pubkey_hex"].get<std::string>())), origin);
        }
        for (const auto& r : d["redeem_scripts"]) store.AddScript(Script(ParseHex(r.get<std::string>())));
        for (const auto& w : d["witness_scripts"]) store.AddScript(Script(ParseHex(w.get<std::string>())));
        std::vector<TransactionRef> prev;
        for (const auto& t : d["previous_transactions_hex"]) {
            auto tx = DecodeTransaction(ParseHex(t.get<std::string>()));
            ASSERT_TRUE(tx);
            prev.push_back(MakeTransactionRef(*tx));
        }
        Psbt p = MustDecodeHex(steps["creator"]["expected_psbt"]["hex"]);
        UpdatePsbtFromData(p, store, prev);
        bool ok = HexStr(SerializePsbt(p)) == s["expected_psbt"]["hex"].get<std::string>();
        EXPECT_TRUE(ok) << HexStr(SerializePsbt(p));
        if (ok) ++passed;

        // Updater adding SIGHASH_ALL to every input.
        ++total;
        for (auto& in : p.inputs) in.sighash_type = SIGHASH_ALL;
        ok = HexStr(SerializePsbt(p)) == steps["updater_sighash_all"]["expected_psbt"]["hex"].get<std::string>();
        EXPECT_TRUE(ok);
        if (ok) ++passed;
    }
    for (const char* name : {"signer_1", "signer_2"}) {
        ++total;
        const auto& s = steps[name];
        Psbt p = MustDecodeHex(steps[s["input_psbt_from_step"]]["expected_psbt"]["hex"]);
        PsbtKeyStore keys;
        for (const auto& k : s["keys"]) keys.AddKey(DecodeSecret(k["wif"].get<std::string>(), Chain::TESTNET));
        // The second signer's expected signatures are plain RFC6979 (one has a high R); the first grinds like Core.
        keys.SetGrindLowR(std::string(name) == "signer_1");
        // A BIP174 signer only adds partial signatures: no finalizing, no key origins of its own.
        auto txdata = PrecomputePsbtData(p);
        ASSERT_TRUE(txdata);
        for (unsigned int i = 0; i < p.inputs.size(); ++i) SignPsbtInput(keys, p, i, &*txdata, std::nullopt, false, nullptr, false);
        bool ok = HexStr(SerializePsbt(p)) == s["expected_psbt"]["hex"].get<std::string>();
        EXPECT_TRUE(ok) << name;
        if (ok) ++passed;
    }
    {
        ++total;
        const auto& s = steps["finalizer"];
        Psbt p = MustDecodeHex(steps[s["input_psbt_from_step"]]["expected_psbt"]["hex"]);
        bool ok = FinalizePsbt(p) && HexStr(SerializePsbt(p)) == s["expected_psbt"]["hex"].get<std::string>();
        EXPECT_TRUE(ok);
        if (ok) ++passed;
    }
    {
        ++total;
        const auto& s = steps["extractor"];
        Psbt p = MustDecodeHex(steps[s["input_psbt_from_step"]]["expected_psbt"]["hex"]);
        MutableTransaction tx;
        bool ok = FinalizeAndExtractPsbt(p, tx) &&
                  HexStr(EncodeTransaction(tx)) == s["expected_transaction_hex"].get<std::string>();
        EXPECT_TRUE(ok);
        if (ok) ++passed;
    }
    ReportVectorCount("psbt_bip174_vectors.json (creator, updaters, signers, finalizer, extractor)", passed, total);
}

TEST(PsbtRolesTest, Bip174SignerChecks)
{
    // Inputs a signer must refuse: even a signer able to sign for any key (dummy signatures) cannot complete them.
    auto j = ReadVectorJson("bips/psbt_bip174_vectors.json");
    size_t passed = 0, total = 0;
    PsbtKeyStore none;
    for (const auto& g : j["groups"]) {
        if (g["group"] != "fails_signer_checks") continue;
        for (const auto& c : g["cases"]) {
            ++total;
            Psbt p = MustDecodeHex(c["hex"]);
            bool refused = false;
            for (unsigned int i = 0; i < p.inputs.size(); ++i) {
                Psbt copy = p;
                if (SignPsbtInput(none, copy, i, nullptr, std::nullopt, true) != PsbtError::OK) refused = true;
            }
            EXPECT_TRUE(refused) << c["description"];
            if (refused) ++passed;
        }
    }
    ReportVectorCount("psbt_bip174_vectors.json (fails_signer_checks)", passed, total);
}
