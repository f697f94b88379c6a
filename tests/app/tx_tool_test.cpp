// Runs every bitcoin-tx case of Core's bitcoin-util-test.json through RunTxTool and compares stdout byte for
// byte, the return code, and the expected error text.
#include "app/tx_tool.h"
#include "testutil/vectors.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace {
std::string ReadUtilFile(const std::string& name)
{
    const auto bytes = ReadVectorBytes("bitcoin-core/util/" + name);
    return std::string(bytes.begin(), bytes.end());
}

struct RunResult {
    int code;
    std::string out;
    std::string err;
};

RunResult Run(const std::vector<std::string>& args, const std::string& input = "")
{
    std::istringstream in(input);
    std::ostringstream out, err;
    const int code = RunTxTool(args, in, out, err);
    return {code, out.str(), err.str()};
}
}  // namespace

TEST(TxTool, BitcoinUtilTestVectors)
{
    const nlohmann::json cases = ReadVectorJson("bitcoin-core/util/bitcoin-util-test.json");
    size_t total = 0, passed = 0;
    for (const auto& tc : cases) {
        if (tc.at("exec").get<std::string>() != "./bitcoin-tx") continue;
        ++total;
        const std::vector<std::string> args = tc.at("args").get<std::vector<std::string>>();
        const std::string input = tc.contains("input") ? ReadUtilFile(tc["input"].get<std::string>()) : "";
        const RunResult r = Run(args, input);
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

TEST(TxTool, TxidAndChainOptions)
{
    // -txid prints the display-order txid of the result.
    const RunResult r = Run({"-txid", "-create", "nversion=1"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "d21633ba23f70118185227be58a63527675641ad37967e2aa461559f577aec43\n");
    // Conflicting chains are refused before anything runs.
    const RunResult bad = Run({"-regtest", "-testnet", "-create"});
    EXPECT_EQ(bad.code, 1);
    EXPECT_NE(bad.err.find("Invalid combination of -regtest, -signet, -testnet, -testnet4 and -chain"),
              std::string::npos);
    // Unknown options and commands.
    EXPECT_NE(Run({"-bogus", "-create"}).err.find("Invalid parameter -bogus"), std::string::npos);
    EXPECT_NE(Run({"-create", "frobnicate=1"}).err.find("error: unknown command"), std::string::npos);
    // No arguments: usage and failure.
    EXPECT_EQ(Run({}).code, 1);
}

TEST(TxTool, RegtestAddressOutput)
{
    // A regtest bech32 address decodes only with -regtest, and the JSON shows the regtest form.
    const std::string addr = "bcrt1qjmprdr7rq522gw9ghkgfly7yng25n4m3nrxtmdujqsakvm9jfapqk795l5";
    const RunResult main = Run({"-create", "outaddr=1:" + addr});
    EXPECT_EQ(main.code, 1);
    EXPECT_NE(main.err.find("invalid TX output address"), std::string::npos);
    const RunResult reg = Run({"-regtest", "-json", "-create", "outaddr=1:" + addr});
    EXPECT_EQ(reg.code, 0) << reg.err;
    EXPECT_NE(reg.out.find("\"address\": \"" + addr + "\""), std::string::npos);
}

TEST(TxTool, SignP2SHMultisigAndRegisters)
{
    // 1-of-1 P2SH multisig with the key of secret 1 (compressed), signed with a redeemScript from prevtxs.
    const std::string wif = "KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn";
    const std::string pub = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
    const std::string redeem = "5121" + pub + "51ae";
    const RunResult spk = Run({"-json", "-create", "outmultisig=1:1:1:" + pub + ":S"});
    ASSERT_EQ(spk.code, 0) << spk.err;
    const auto hex_pos = spk.out.find("\"hex\": \"a914");
    ASSERT_NE(hex_pos, std::string::npos);
    const std::string p2sh = spk.out.substr(hex_pos + 8, 46);
    const std::string txid(64, 'a');
    const RunResult r = Run({"-create", "in=" + txid + ":0", "set=privatekeys:[\"" + wif + "\"]",
                             "set=prevtxs:[{\"txid\":\"" + txid + "\",\"vout\":0,\"scriptPubKey\":\"" + p2sh +
                                 "\",\"redeemScript\":\"" + redeem + "\"}]",
                             "sign=ALL", "outaddr=0.001:193P6LtvS4nCnkDvM9uXn1gsSRqh4aDAz7"});
    ASSERT_EQ(r.code, 0) << r.err;
    // scriptSig: OP_0 <sig> <redeemScript>; the redeem script ends the input script.
    EXPECT_NE(r.out.find("47" + redeem), std::string::npos);
    // Bad register syntax.
    EXPECT_NE(Run({"-create", "set=x"}).err.find("Register input requires NAME:VALUE"), std::string::npos);
    EXPECT_NE(Run({"-create", "set=x:{"}).err.find("Cannot parse JSON for key x"), std::string::npos);
    EXPECT_NE(Run({"-create", "sign=ALL"}).err.find("privatekeys register variable must be set."),
              std::string::npos);
}
