// Legacy signmessage (Core's format) and BIP322 against the BIP's basic and generated vectors.
#include "address/destination.h"
#include "crypto/hash.h"
#include "message/message.h"
#include "psbt/psbt.h"
#include "testutil/vectors.h"
#include "util/hex.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace {

int64_t JsonInt(const nlohmann::json& v)
{
    if (v.is_string()) return std::stoll(v.get<std::string>());
    return v.get<int64_t>();
}

Script AddressScript(const std::string& address)
{
    std::string error;
    const Destination dest = DecodeDestination(address, Chain::MAIN, &error);
    EXPECT_TRUE(IsValidDestination(dest)) << address << ": " << error;
    return GetScriptForDestination(dest);
}

std::vector<Key> VectorKeys(const nlohmann::json& v)
{
    std::vector<Key> keys;
    for (const auto& wif : v["private_keys"]) {
        Key k = DecodeSecret(wif.get<std::string>(), Chain::MAIN);
        EXPECT_TRUE(k.IsValid());
        keys.push_back(k);
    }
    return keys;
}

std::vector<Script> VectorScripts(const nlohmann::json& v)
{
    std::vector<Script> scripts;
    for (const char* field : {"witness_script", "sig_script"}) {
        if (!v.contains(field)) continue;
        const std::string hex = v[field].get<std::string>();
        if (!hex.empty()) scripts.emplace_back(ParseHex(hex));
    }
    return scripts;
}

std::vector<std::string> Signatures(const nlohmann::json& v)
{
    std::vector<std::string> out;
    for (const auto& s : v["bip322_signatures"]) out.push_back(s.get<std::string>());
    return out;
}

/** Verifies every listed signature; then signs (except custom timelock scripts, which need a script-path or
 *  branch choice no generic signer makes) and checks the result verifies and, for deterministic ECDSA without a
 *  Schnorr component, equals one of the listed signatures. */
bool CheckSigned(const nlohmann::json& v, Bip322Format format)
{
    const std::string message = v["message"].get<std::string>();
    const Script spk = AddressScript(v["address"].get<std::string>());
    bool ok = true;
    for (const std::string& sig : Signatures(v)) {
        const Bip322Result r = Bip322Verify(spk, message, sig);
        EXPECT_TRUE(r.IsValid()) << v["address"] << " " << sig << ": " << r.error;
        ok &= r.IsValid();
    }
    const std::string type = v["type"].get<std::string>();
    if (type.find("time-lock") != std::string::npos) return ok;

    Bip322SignOptions options;
    options.format = format;
    if (format != Bip322Format::SIMPLE) {
        options.version = static_cast<int32_t>(JsonInt(v["tx_version"]));
        options.lock_time = static_cast<uint32_t>(JsonInt(v["lock_time"]));
        options.sequence = static_cast<uint32_t>(JsonInt(v["sequence"]));
    }
    std::vector<Key> keys = VectorKeys(v);
    if (format == Bip322Format::PROOF_OF_FUNDS) {
        // The outpoints of the proven outputs are only in the vector's PSBT.
        const std::string first = Signatures(v).front();
        auto decoded = DecodeBase64Psbt(first.substr(3));
        EXPECT_TRUE(decoded.psbt) << decoded.error;
        if (!decoded.psbt) return false;
        const auto unsigned_tx = decoded.psbt->GetUnsignedTx();
        if (!unsigned_tx) return false;
        // Grouped (one array per funding transaction); flattened in order they are the inputs after the first.
        nlohmann::json extras = nlohmann::json::array();
        for (const auto& group : v["additional_inputs"]) {
            for (const auto& e : group) extras.push_back(e);
        }
        EXPECT_EQ(extras.size() + 1, unsigned_tx->vin.size());
        std::map<uint256, TransactionRef> prev_txs;
        for (const auto& in : decoded.psbt->inputs) {
            if (in.non_witness_utxo) prev_txs[in.non_witness_utxo->GetHash()] = in.non_witness_utxo;
        }
        for (size_t i = 0; i < extras.size() && i + 1 < unsigned_tx->vin.size(); ++i) {
            Bip322ExtraInput e;
            if (auto it = prev_txs.find(unsigned_tx->vin[i + 1].prevout.hash); it != prev_txs.end()) e.prev_tx = it->second;
            e.outpoint = unsigned_tx->vin[i + 1].prevout;
            e.utxo = TxOut(JsonInt(extras[i]["value"]), Script(ParseHex(extras[i]["pk_script"].get<std::string>())));
            options.extra_inputs.push_back(e);
        }
    }
    const bool schnorr = spk.size() == 34 && spk[0] == OP_1;
    for (bool grind : {true, false}) {
        options.grind_low_r = grind;
        std::string error;
        auto sig = Bip322Sign(keys, VectorScripts(v), spk, message, options, &error);
        EXPECT_TRUE(sig) << type << ": " << error;
        if (!sig) return false;
        const Bip322Result r = Bip322Verify(spk, message, *sig);
        EXPECT_TRUE(r.IsValid()) << type << " own signature: " << r.error;
        ok &= r.IsValid();
        if (schnorr || format == Bip322Format::PROOF_OF_FUNDS) break;  // aux randomness / extra inputs differ
        const auto listed = Signatures(v);
        if (std::find(listed.begin(), listed.end(), *sig) != listed.end()) return ok;
        if (!grind) {
            ADD_FAILURE() << type << ": deterministic ECDSA signature not among the vector's: " << *sig;
            return false;
        }
    }
    return ok;
}

}  // namespace

TEST(MessageTest, LegacySignVerifyRoundTrip)
{
    const Key key = DecodeSecret("L3VFeEujGtevx9w18HD1fhRbCH67Az2dpCymeRE1SoPK6XQtaN2k", Chain::MAIN);
    ASSERT_TRUE(key.IsValid());
    const std::string address = EncodeDestination(PKHash{key.GetPubKey().GetID()}, Chain::MAIN);
    std::string sig;
    ASSERT_TRUE(MessageSign(key, "hello", sig));
    EXPECT_EQ(MessageVerify(address, sig, "hello", Chain::MAIN), MessageVerificationResult::OK);
    EXPECT_EQ(MessageVerify(address, sig, "hellO", Chain::MAIN), MessageVerificationResult::ERR_NOT_SIGNED);
    EXPECT_EQ(MessageVerify("notanaddress", sig, "hello", Chain::MAIN), MessageVerificationResult::ERR_INVALID_ADDRESS);
    EXPECT_EQ(MessageVerify(address, "not base64!", "hello", Chain::MAIN),
              MessageVerificationResult::ERR_MALFORMED_SIGNATURE);
    EXPECT_EQ(MessageVerify(address, "AAAA", "hello", Chain::MAIN), MessageVerificationResult::ERR_PUBKEY_NOT_RECOVERED);
    const std::string wpkh = EncodeDestination(WitnessV0KeyHash{key.GetPubKey().GetID()}, Chain::MAIN);
    EXPECT_EQ(MessageVerify(wpkh, sig, "hello", Chain::MAIN), MessageVerificationResult::ERR_ADDRESS_NO_KEY);
    // An uncompressed key signs with header 27..30 and its own (uncompressed) P2PKH address.
    Key uncompressed;
    ASSERT_TRUE(uncompressed.Set(key.bytes(), false));
    ASSERT_TRUE(MessageSign(uncompressed, "hello", sig));
    const auto raw = Base64Decode(sig);
    ASSERT_TRUE(raw && raw->size() == 65);
    EXPECT_LT((*raw)[0], 31);
    EXPECT_EQ(MessageVerify(EncodeDestination(PKHash{uncompressed.GetPubKey().GetID()}, Chain::MAIN), sig, "hello",
                            Chain::MAIN),
              MessageVerificationResult::OK);
}

TEST(MessageTest, LegacyKnownSignature)
{
    // Core's rpc_signmessage.py: this key and message give exactly this signature (RFC6979, no grinding).
    const Key key = DecodeSecret("cUeKHd5orzT3mz8P9pxyREHfsWtVfgsfDjiZZBcjUBAaGk1BTj7N", Chain::REGTEST);
    ASSERT_TRUE(key.IsValid());
    std::string sig;
    ASSERT_TRUE(MessageSign(key, "This is just a test message", sig));
    EXPECT_EQ(sig, "INbVnW4e6PeRmsv2Qgu8NuopvrVjkcxob+sX8OcZG0SALhWybUjzMLPdAsXI46YZGb0KQTRii+wWIQzRpG/U+S0=");
    EXPECT_EQ(MessageVerify("mpLQjfK79b7CCV4VMJWEWAj5Mpx8Up5zxB", sig, "This is just a test message", Chain::REGTEST),
              MessageVerificationResult::OK);
}

TEST(MessageTest, Bip322BasicVectors)
{
    const auto j = ReadVectorJson("bips/bip-0322-basic-test-vectors.json");
    size_t passed = 0, total = 0;
    for (const auto& v : j["tx_hashes"]) {
        ++total;
        const std::string message = v["message"].get<std::string>();
        const uint256 hash = Bip322MessageHash(message);
        const MutableTransaction to_spend = Bip322ToSpend(hash, AddressScript(v["address"].get<std::string>()));
        const MutableTransaction to_sign = Bip322ToSign(to_spend.GetHash());
        const bool ok = HexStr(std::span<const uint8_t>(hash.data(), 32)) == v["message_hash"].get<std::string>() &&
                        to_spend.GetHash().GetHex() == v["to_spend_tx_hash"].get<std::string>() &&
                        to_sign.GetHash().GetHex() == v["to_sign_tx_hash"].get<std::string>();
        EXPECT_TRUE(ok) << message;
        passed += ok;
    }
    for (const auto& v : j["simple"]) {
        ++total;
        passed += CheckSigned(v, Bip322Format::SIMPLE);
    }
    for (const auto& v : j["error"]) {
        ++total;
        const Script spk = AddressScript(v["address"].get<std::string>());
        const Bip322Result r = Bip322Verify(spk, v["message"].get<std::string>(), v["signature"].get<std::string>());
        EXPECT_FALSE(r.IsValid()) << v["description"];
        EXPECT_FALSE(r.error.empty());
        passed += !r.IsValid();
    }
    EXPECT_EQ(total, 15u);
    ReportVectorCount("bip-0322-basic-test-vectors.json", passed, total);
}

TEST(MessageTest, Bip322GeneratedVectors)
{
    const auto j = ReadVectorJson("bips/bip-0322-generated-test-vectors.json");
    size_t passed = 0, total = 0;
    for (const auto& v : j["simple"]) {
        ++total;
        passed += CheckSigned(v, Bip322Format::SIMPLE);
    }
    for (const auto& v : j["full"]) {
        ++total;
        passed += CheckSigned(v, Bip322Format::FULL);
    }
    for (const auto& v : j["proof_of_funds"]) {
        ++total;
        passed += CheckSigned(v, Bip322Format::PROOF_OF_FUNDS);
    }
    for (const auto& v : j["error"]) {
        ++total;
        const Script spk = AddressScript(v["address"].get<std::string>());
        const Bip322Result r = Bip322Verify(spk, v["message"].get<std::string>(), v["signature"].get<std::string>());
        EXPECT_FALSE(r.IsValid()) << v["description"];
        passed += !r.IsValid();
    }
    EXPECT_EQ(total, 45u);
    ReportVectorCount("bip-0322-generated-test-vectors.json", passed, total);
}

TEST(MessageTest, Bip322RejectsMalformedFull)
{
    const Key key = DecodeSecret("L3VFeEujGtevx9w18HD1fhRbCH67Az2dpCymeRE1SoPK6XQtaN2k", Chain::MAIN);
    const Script spk = GetScriptForDestination(WitnessV0KeyHash{key.GetPubKey().GetID()});
    Bip322SignOptions options;
    options.format = Bip322Format::FULL;
    std::string error;
    auto sig = Bip322Sign({key}, {}, spk, "msg", options, &error);
    ASSERT_TRUE(sig) << error;
    EXPECT_TRUE(Bip322Verify(spk, "msg", *sig).IsValid());
    // A second output breaks the to_sign shape.
    auto tx = DecodeTransaction(*Base64Decode(sig->substr(3)));
    ASSERT_TRUE(tx);
    tx->vout.push_back(tx->vout[0]);
    const Bip322Result r = Bip322Verify(spk, "msg", "ful" + Base64Encode(EncodeTransaction(*tx)));
    EXPECT_FALSE(r.IsValid());
    // An unknown version is inconclusive, not invalid.
    tx->vout.pop_back();
    tx->version = 3;
    EXPECT_EQ(Bip322Verify(spk, "msg", "ful" + Base64Encode(EncodeTransaction(*tx))).state, Bip322State::INCONCLUSIVE);
    // Simple cannot carry a P2SH-wrapped signature.
    const Script wrapped = GetScriptForDestination(ScriptHash{Hash160(spk.bytes())});
    options.format = Bip322Format::SIMPLE;
    EXPECT_FALSE(Bip322Sign({key}, {}, wrapped, "msg", options, &error));
}

TEST(MessageTest, Bip322RequiresSighashAll)
{
    // A SIGHASH_NONE signature satisfies the script under standard flags, but BIP322 requires SIGHASH_ALL.
    const Key key = DecodeSecret("L3VFeEujGtevx9w18HD1fhRbCH67Az2dpCymeRE1SoPK6XQtaN2k", Chain::MAIN);
    const Script spk = GetScriptForDestination(WitnessV0KeyHash{key.GetPubKey().GetID()});
    std::string error;
    auto psbt = Bip322CreatePsbt(spk, "msg", Bip322SignOptions{}, &error);
    ASSERT_TRUE(psbt) << error;
    PsbtKeyStore keys;
    keys.AddKey(key);
    auto txdata = PrecomputePsbtData(*psbt);
    ASSERT_TRUE(txdata);
    SignPsbtInput(keys, *psbt, 0, &*txdata, SIGHASH_NONE, true);
    auto sig = Bip322EncodeSigned(*psbt, Bip322Format::SIMPLE, &error);
    ASSERT_TRUE(sig) << error;
    EXPECT_FALSE(Bip322Verify(spk, "msg", *sig).IsValid());
    // The same with SIGHASH_ALL verifies.
    psbt = Bip322CreatePsbt(spk, "msg", Bip322SignOptions{}, &error);
    SignPsbtInput(keys, *psbt, 0, &*txdata, SIGHASH_ALL, true);
    sig = Bip322EncodeSigned(*psbt, Bip322Format::SIMPLE, &error);
    ASSERT_TRUE(sig) << error;
    EXPECT_TRUE(Bip322Verify(spk, "msg", *sig).IsValid());
}
