// Runs the bitcoin-util cases of Core's bitcoin-util-test.json (getchainparams per chain, argument errors,
// grind errors) through RunUtilTool, and grinds a header to check the nonce search.
#include "app/util_tool.h"
#include "primitives/block.h"
#include "testutil/vectors.h"
#include "util/arith_uint256.h"
#include "util/hex.h"

#include <gtest/gtest.h>

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
