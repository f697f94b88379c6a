// Runs the bitcoin-util cases of Core's bitcoin-util-test.json (getchainparams per chain, argument errors,
// grind errors) through RunUtilTool, grinds a header to check the nonce search, and builds a proof-of-liabilities
// tree for a thousand accounts whose every proof verifies.
#include "app/util_tool.h"
#include "json/json_value.h"
#include "reserves/liabilities.h"
#include "primitives/block.h"
#include "testutil/vectors.h"
#include "util/arith_uint256.h"
#include "util/hex.h"
#include "util/strencodings.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

TEST(UtilTool, BitcoinUtilTestVectors) {
    const nlohmann::json cases = ReadVectorJson("bitcoin-core/util/bitcoin-util-test.json");
    size_t total = 0, passed = 0;
    for (const auto& tc : cases) {
        if (tc.at("exec").get<std::string>() != "./bitcoin-util") continue;
        ++total;
        std::ostringstream out, err;
        const int code = RunUtilTool(tc.at("args").get<std::vector<std::string>>(), out, err);
        const std::string description = tc.value("description", "");
        bool ok = true;
        if (tc.contains("output_cmp")) {
            const auto bytes = ReadVectorBytes("bitcoin-core/util/" + tc["output_cmp"].get<std::string>());
            const std::string expected(bytes.begin(), bytes.end());
            EXPECT_EQ(out.str(), expected) << description;
            ok = ok && out.str() == expected;
        }
        const int want_rc = tc.value("return_code", 0);
        EXPECT_EQ(code, want_rc) << description << "\nstderr: " << err.str();
        ok = ok && code == want_rc;
        if (tc.contains("error_txt")) {
            const std::string want = tc["error_txt"].get<std::string>();
            EXPECT_NE(err.str().find(want), std::string::npos) << description << "\nstderr: " << err.str();
            ok = ok && err.str().find(want) != std::string::npos;
        } else {
            EXPECT_EQ(err.str(), "") << description;
            ok = ok && err.str().empty();
        }
        if (ok) ++passed;
    }
    EXPECT_EQ(total, 12u);
    ReportVectorCount("bitcoin-util-test.json (bitcoin-util)", passed, total);
}

TEST(UtilTool, GrindFindsPassingNonce) {
    // Regtest difficulty (0x207fffff) passes about every second nonce.
    BlockHeader header;
    header.version = 1;
    header.time = 1296688602;
    header.bits = 0x207fffff;
    std::ostringstream out, err;
    ASSERT_EQ(RunUtilTool({"grind", HexStr(EncodeBlockHeader(header))}, out, err), 0) << err.str();
    const std::string hex = out.str().substr(0, out.str().size() - 1);
    auto ground = DecodeBlockHeader(ParseHex(hex));
    ASSERT_TRUE(ground);
    arith_uint256 target;
    target.SetCompact(header.bits);
    EXPECT_LE(UintToArith256(ground->GetHash()), target);
    EXPECT_EQ(ground->bits, header.bits);
    // A zero target can never be met.
    header.bits = 0;
    std::ostringstream out2, err2;
    EXPECT_EQ(RunUtilTool({"grind", HexStr(EncodeBlockHeader(header))}, out2, err2), 1);
    EXPECT_NE(err2.str().find("Could not satisfy difficulty target"), std::string::npos);
}

TEST(UtilTool, BuildLiabilitiesForAThousandAccounts) {
    const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("sov-liab-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::string csv = "account,balance\n";
    Amount total = 0;
    for (int i = 0; i < 1000; ++i) {
        const Amount sats = (i * 7919 % 100'000) * 1000 + i;
        total += sats;
        csv += "citizen-" + std::to_string(i) + "," + FormatMoney(sats) + "\n";
    }
    { std::ofstream(dir / "accounts.csv") << csv; }
    std::ostringstream out, err;
    ASSERT_EQ(RunUtilTool({"buildliabilities", (dir / "accounts.csv").string(), (dir / "out").string(), "16"}, out, err), 0)
        << err.str();
    auto result = JsonValue::Parse(out.str());
    ASSERT_TRUE(result);
    EXPECT_EQ((*result)["accounts"].GetValStr(), "1000");
    EXPECT_EQ((*result)["commitment"]["total"].GetValStr(), std::to_string(total));

    // The published commitment, and every holder's proof verifies against it.
    std::ifstream commitment_file(dir / "out" / "liabilities-commitment.json");
    auto commitment_json = JsonValue::Parse(std::string(std::istreambuf_iterator<char>(commitment_file), {}));
    ASSERT_TRUE(commitment_json);
    std::string error;
    auto commitment = LiabilityCommitmentFromJson(*commitment_json, &error);
    ASSERT_TRUE(commitment) << error;
    EXPECT_EQ(commitment->height, 16);
    std::ifstream proofs(dir / "out" / "liabilities-proofs.jsonl");
    std::string line;
    size_t verified = 0;
    std::vector<std::string> lines;
    while (std::getline(proofs, line)) {
        auto parsed = LiabilityProofFromJson(line, &error);
        ASSERT_TRUE(parsed) << error;
        EXPECT_EQ(parsed->second.root, commitment->root);
        EXPECT_EQ(parsed->first.account_id, "citizen-" + std::to_string(verified));
        if (VerifyLiabilityProof(parsed->first, *commitment, &error)) ++verified;
        lines.push_back(line);
    }
    EXPECT_EQ(verified, 1000u);
    // A holder whose balance was understated in their proof finds out.
    auto tampered = LiabilityProofFromJson(lines[17], &error);
    ASSERT_TRUE(tampered);
    tampered->first.balance -= 1;
    EXPECT_FALSE(VerifyLiabilityProof(tampered->first, *commitment, &error));
    // The secret is private.
    const auto perms = std::filesystem::status(dir / "out" / "liabilities-secret.hex").permissions();
    EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all), std::filesystem::perms::none);

    // Bad input: a clear error naming the line, and nothing written.
    { std::ofstream(dir / "bad.csv") << "alice,1\nbob,-2\n"; }
    std::ostringstream out2, err2;
    EXPECT_EQ(RunUtilTool({"buildliabilities", (dir / "bad.csv").string(), (dir / "out2").string()}, out2, err2), 1);
    EXPECT_NE(err2.str().find("line 2"), std::string::npos) << err2.str();
    EXPECT_FALSE(std::filesystem::exists(dir / "out2"));
    { std::ofstream(dir / "dup.csv") << "alice,1\nalice,2\n"; }
    std::ostringstream out3, err3;
    EXPECT_EQ(RunUtilTool({"buildliabilities", (dir / "dup.csv").string(), (dir / "out3").string()}, out3, err3), 1);
    EXPECT_NE(err3.str().find("Cannot build the tree"), std::string::npos) << err3.str();
    std::filesystem::remove_all(dir);
}
