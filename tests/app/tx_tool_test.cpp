// Runs every bitcoin-tx case of Core's bitcoin-util-test.json through RunTxTool and compares stdout byte for
// byte, the return code, and the expected error text.
#include "app/tx_tool.h"
#include "address/destination.h"
#include "app/tx_sign.h"
#include "crypto/hash.h"
#include "script/interpreter.h"
#include "testutil/vectors.h"
#include "util/hex.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {
std::string ReadUtilFile(const std::string& name) {
    const auto bytes = ReadVectorBytes("bitcoin-core/util/" + name);
    return std::string(bytes.begin(), bytes.end());
}

struct RunResult {
    int code;
    std::string out;
    std::string err;
};

RunResult RunTool(const std::vector<std::string>& args, const std::string& input = "") {
    std::istringstream in(input);
    std::ostringstream out, err;
    const int code = RunTxTool(args, in, out, err);
    return {code, out.str(), err.str()};
}
}  // namespace

TEST(TxTool, BitcoinUtilTestVectors) {
    const nlohmann::json cases = ReadVectorJson("bitcoin-core/util/bitcoin-util-test.json");
    size_t total = 0, passed = 0;
    for (const auto& tc : cases) {
        if (tc.at("exec").get<std::string>() != "./bitcoin-tx") continue;
        ++total;
        const std::vector<std::string> args = tc.at("args").get<std::vector<std::string>>();
        const std::string input = tc.contains("input") ? ReadUtilFile(tc["input"].get<std::string>()) : "";
        const RunResult r = RunTool(args, input);
        const std::string description = tc.value("description", "");
        bool ok = true;
        if (tc.contains("output_cmp")) {
            const std::string expected = ReadUtilFile(tc["output_cmp"].get<std::string>());
            EXPECT_EQ(r.out, expected) << description;
            ok = ok && r.out == expected;
        }
        const int want_rc = tc.value("return_code", 0);
        EXPECT_EQ(r.code, want_rc) << description << "\nstderr: " << r.err;
        ok = ok && r.code == want_rc;
        if (tc.contains("error_txt")) {
            const std::string want_err = tc["error_txt"].get<std::string>();
            EXPECT_NE(r.err.find(want_err), std::string::npos) << description << "\nstderr: " << r.err;
            ok = ok && r.err.find(want_err) != std::string::npos;
        } else {
            EXPECT_EQ(r.err, "") << description;
            ok = ok && r.err.empty();
        }
        if (ok) ++passed;
    }
    EXPECT_EQ(total, 102u);
    ReportVectorCount("bitcoin-util-test.json (bitcoin-tx)", passed, total);
}

TEST(TxTool, TxidAndChainOptions) {
    // -txid prints the display-order txid of the result.
    const RunResult r = RunTool({"-txid", "-create", "nversion=1"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "d21633ba23f70118185227be58a63527675641ad37967e2aa461559f577aec43\n");
    // Conflicting chains are refused before anything runs.
    const RunResult bad = RunTool({"-regtest", "-testnet", "-create"});
    EXPECT_EQ(bad.code, 1);
    EXPECT_NE(bad.err.find("Invalid combination of -regtest, -signet, -testnet, -testnet4 and -chain"),
              std::string::npos);
    // Unknown options and commands.
    EXPECT_NE(RunTool({"-bogus", "-create"}).err.find("Invalid parameter -bogus"), std::string::npos);
    EXPECT_NE(RunTool({"-create", "frobnicate=1"}).err.find("error: unknown command"), std::string::npos);
    // No arguments: usage and failure.
    EXPECT_EQ(RunTool({}).code, 1);
}

TEST(TxTool, RegtestAddressOutput) {
    // A regtest bech32 address decodes only with -regtest, and the JSON shows the regtest form.
    const std::string addr = "bcrt1qjmprdr7rq522gw9ghkgfly7yng25n4m3nrxtmdujqsakvm9jfapqk795l5";
    const RunResult main = RunTool({"-create", "outaddr=1:" + addr});
    EXPECT_EQ(main.code, 1);
    EXPECT_NE(main.err.find("invalid TX output address"), std::string::npos);
    const RunResult reg = RunTool({"-regtest", "-json", "-create", "outaddr=1:" + addr});
    EXPECT_EQ(reg.code, 0) << reg.err;
    EXPECT_NE(reg.out.find("\"address\": \"" + addr + "\""), std::string::npos);
}

TEST(TxTool, SignP2SHMultisigAndRegisters) {
    // 1-of-1 P2SH multisig with the key of secret 1 (compressed), signed with a redeemScript from prevtxs.
    const std::string wif = "KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn";
    const std::string pub = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
    const std::string redeem = "5121" + pub + "51ae";
    const RunResult spk = RunTool({"-json", "-create", "outmultisig=1:1:1:" + pub + ":S"});
    ASSERT_EQ(spk.code, 0) << spk.err;
    const auto hex_pos = spk.out.find("\"hex\": \"a914");
    ASSERT_NE(hex_pos, std::string::npos);
    const std::string p2sh = spk.out.substr(hex_pos + 8, 46);
    const std::string txid(64, 'a');
    // The output comes before sign=, since a signature commits to the outputs present when it is made.
    const RunResult r = RunTool({"-create", "in=" + txid + ":0", "set=privatekeys:[\"" + wif + "\"]",
                                 "set=prevtxs:[{\"txid\":\"" + txid + "\",\"vout\":0,\"scriptPubKey\":\"" +
                                     p2sh + "\",\"redeemScript\":\"" + redeem + "\"}]",
                                 "outaddr=0.001:193P6LtvS4nCnkDvM9uXn1gsSRqh4aDAz7", "sign=ALL"});
    ASSERT_EQ(r.code, 0) << r.err;
    // scriptSig: OP_0 <sig> <redeemScript>, and it satisfies the P2SH output under standard flags.
    auto tx = DecodeTransaction(ParseHex(r.out.substr(0, r.out.size() - 1)));
    ASSERT_TRUE(tx);
    ASSERT_EQ(tx->vin.size(), 1u);
    const std::string script_sig = HexStr(tx->vin[0].script_sig.bytes());
    EXPECT_TRUE(script_sig.starts_with("00")) << script_sig;
    EXPECT_TRUE(script_sig.ends_with("25" + redeem)) << script_sig;
    const MutableTransactionSignatureChecker checker(&*tx, 0, MAX_MONEY, MissingDataBehavior::FAIL);
    EXPECT_TRUE(VerifyScript(tx->vin[0].script_sig, Script(ParseHex(p2sh)), &tx->vin[0].witness,
                             StandardScriptVerifyFlags(), checker));
    // Signing again keeps the complete input unchanged.
    const RunResult again =
        RunTool({"-", "set=privatekeys:[\"" + wif + "\"]",
                 "set=prevtxs:[{\"txid\":\"" + txid + "\",\"vout\":0,\"scriptPubKey\":\"" + p2sh +
                     "\",\"redeemScript\":\"" + redeem + "\"}]",
                 "sign=ALL"},
                r.out);
    EXPECT_EQ(again.out, r.out) << again.err;
    // Bad register syntax.
    EXPECT_NE(RunTool({"-create", "set=x"}).err.find("Register input requires NAME:VALUE"),
              std::string::npos);
    EXPECT_NE(RunTool({"-create", "set=x:{"}).err.find("Cannot parse JSON for key x"), std::string::npos);
    EXPECT_NE(RunTool({"-create", "sign=ALL"}).err.find("privatekeys register variable must be set."),
              std::string::npos);
}

namespace {
Key TestKey(uint8_t n, bool compressed = true) {
    std::vector<uint8_t> secret(32, 0);
    secret[31] = n;
    Key key;
    key.Set(secret, compressed);
    return key;
}

std::string PubHex(const Key& key) {
    return HexStr(key.GetPubKey().bytes());
}

/** Creates a one-input one-output tx spending spk (amount 1 BTC) and signs it with the WIFs given. */
RunResult SignSpend(const std::string& input_hex, const std::string& spk, const std::string& redeem,
                    const std::vector<Key>& keys) {
    const std::string txid(64, 'b');
    std::string key_list;
    for (const Key& k : keys)
        key_list += (key_list.empty() ? "\"" : ",\"") + EncodeSecret(k, Chain::MAIN) + "\"";
    std::string prev = "[{\"txid\":\"" + txid + "\",\"vout\":0,\"amount\":1,\"scriptPubKey\":\"" + spk + "\"";
    if (!redeem.empty()) prev += ",\"redeemScript\":\"" + redeem + "\"";
    prev += "}]";
    std::vector<std::string> args;
    if (input_hex.empty()) {
        args = {"-create", "in=" + txid + ":0", "outaddr=0.5:193P6LtvS4nCnkDvM9uXn1gsSRqh4aDAz7"};
    } else {
        args = {"-"};
    }
    args.push_back("set=privatekeys:[" + key_list + "]");
    args.push_back("set=prevtxs:" + prev);
    args.push_back("sign=ALL");
    return RunTool(args, input_hex);
}

bool Verifies(const std::string& tx_hex_line, const std::string& spk) {
    auto tx = DecodeTransaction(ParseHex(tx_hex_line.substr(0, tx_hex_line.size() - 1)));
    if (!tx || tx->vin.size() != 1) return false;
    const MutableTransactionSignatureChecker checker(&*tx, 0, COIN, MissingDataBehavior::FAIL);
    return VerifyScript(tx->vin[0].script_sig, Script(ParseHex(spk)), &tx->vin[0].witness,
                        StandardScriptVerifyFlags(), checker);
}

/** Hex of a hash's bytes in serialization order (not the reversed display form). */
template <typename Blob>
std::string Raw(const Blob& b) {
    return HexStr(std::span<const uint8_t>(b.begin(), b.end()));
}
std::string Hash160Hex(const std::string& hex) {
    return Raw(Hash160(ParseHex(hex)));
}
std::string P2SH(const std::string& redeem) {
    return "a914" + Hash160Hex(redeem) + "87";
}
std::string P2WSH(const std::string& ws) {
    return "0020" + Raw(Sha256Hash(ParseHex(ws)));
}
}  // namespace

TEST(TxTool, SignsEachScriptType) {
    const Key k1 = TestKey(1), k2 = TestKey(2), k1u = TestKey(1, false);
    const std::string pkh_hash = Raw(k1.GetPubKey().GetID());
    const std::string p2wpkh = "0014" + pkh_hash;
    const std::string multi11 = "5121" + PubHex(k1) + "51ae";
    struct Case {
        const char* name;
        std::string spk;
        std::string redeem;
        Key key;
        bool witness;
    };
    const std::vector<Case> cases = {
        {"P2PK", "21" + PubHex(k1) + "ac", "", k1, false},
        {"P2PK uncompressed", "41" + PubHex(k1u) + "ac", "", k1u, false},
        {"P2PKH", "76a914" + pkh_hash + "88ac", "", k1, false},
        {"P2WPKH", p2wpkh, "", k1, true},
        {"P2SH-P2WPKH", P2SH(p2wpkh), "", k1, true},
        {"bare multisig", multi11, "", k1, false},
        {"P2WSH multisig", P2WSH(multi11), multi11, k1, true},
    };
    for (const Case& c : cases) {
        const RunResult r = SignSpend("", c.spk, c.redeem, {c.key});
        ASSERT_EQ(r.code, 0) << c.name << ": " << r.err;
        EXPECT_TRUE(Verifies(r.out, c.spk)) << c.name << ": " << r.out;
        EXPECT_EQ(DecodeTransaction(ParseHex(r.out.substr(0, r.out.size() - 1)))->HasWitness(), c.witness)
            << c.name;
        // Without the key nothing is signed and the input stays empty.
        const RunResult none = SignSpend("", c.spk, c.redeem, {k2});
        ASSERT_EQ(none.code, 0) << c.name;
        EXPECT_FALSE(Verifies(none.out, c.spk)) << c.name;
    }
}

TEST(TxTool, CombinesPartialMultisigSignatures) {
    const Key k1 = TestKey(1), k2 = TestKey(2);
    const std::string multi22 = "5221" + PubHex(k1) + "21" + PubHex(k2) + "52ae";
    for (const std::string& spk : {P2SH(multi22), P2WSH(multi22)}) {
        // Sign with the second key first, then add the first: the signatures must end up in key order.
        const RunResult half = SignSpend("", spk, multi22, {k2});
        ASSERT_EQ(half.code, 0) << half.err;
        EXPECT_FALSE(Verifies(half.out, spk));
        const RunResult full = SignSpend(half.out, spk, multi22, {k1});
        ASSERT_EQ(full.code, 0) << full.err;
        EXPECT_TRUE(Verifies(full.out, spk)) << full.out;
    }
}

TEST(TxTool, LoadRegisterFromFile) {
    // load=NAME:FILE reads a JSON register from disk; signing then works as with set=.
    const auto path = std::filesystem::temp_directory_path() / "sovereign_tx_tool_test_keys.json";
    {
        std::ofstream f(path);
        f << "[\"5HpHagT65TZzG1PH3CSu63k8DbpvD8s5ip4nEB3kEsreAnchuDf\"]\n";
    }
    const std::string prevtxs =
        "set=prevtxs:[{\"txid\":\"4d49a71ec9da436f71ec4ee231d04f292a29cd316f598bb7068feccabdc59485\","
        "\"vout\":0,"
        "\"scriptPubKey\":\"76a91491b24bf9f5288532960ac687abb035127b1d28a588ac\"}]";
    const RunResult r = RunTool({"-create", "nversion=1",
                                 "in=4d49a71ec9da436f71ec4ee231d04f292a29cd316f598bb7068feccabdc59485:0",
                                 "load=privatekeys:" + path.string(), prevtxs, "sign=ALL",
                                 "outaddr=0.001:193P6LtvS4nCnkDvM9uXn1gsSRqh4aDAz7"});
    std::filesystem::remove(path);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, ReadUtilFile("txcreatesignv1.hex"));
    const RunResult missing = RunTool({"-create", "load=x:/nonexistent/sovereign/file.json"});
    EXPECT_NE(missing.err.find("error: Cannot open file /nonexistent/sovereign/file.json"),
              std::string::npos);
    EXPECT_NE(RunTool({"-create", "load=x"}).err.find("Register load requires NAME:FILENAME"),
              std::string::npos);
}
