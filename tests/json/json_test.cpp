// JSON layer: UniValue-compatible writing and parsing, amounts, descriptor checksums and inference, and
// decodescript results from Core's rpc_decodescript.json.
#include "json/core_json.h"
#include "json/descriptor_infer.h"
#include "json/json_value.h"
#include "script/descriptor_checksum.h"
#include "testutil/vectors.h"
#include "util/hex.h"

#include <gtest/gtest.h>

TEST(JsonValue, WritesLikeUniValue) {
    JsonValue obj = JsonValue::Object();
    obj.PushKV("b", 1);
    obj.PushKV("a", JsonValue::Number("0.00100000"));
    obj.PushKV("s", "q\"\\\n\x01");
    obj.PushKV("empty", JsonValue::Array());
    JsonValue arr = JsonValue::Array();
    arr.PushBack(true);
    arr.PushBack(JsonValue());
    obj.PushKV("arr", std::move(arr));
    // Key order preserved, numbers verbatim, UniValue escapes.
    EXPECT_EQ(obj.Write(),
              "{\"b\":1,\"a\":0.00100000,\"s\":\"q\\\"\\\\\\n\\u0001\",\"empty\":[],\"arr\":[true,null]}");
    EXPECT_EQ(obj.Write(4),
              "{\n    \"b\": 1,\n    \"a\": 0.00100000,\n    \"s\": \"q\\\"\\\\\\n\\u0001\",\n    \"empty\": "
              "[\n    ],\n"
              "    \"arr\": [\n        true,\n        null\n    ]\n}");
}

TEST(JsonValue, ParsesAndRejects) {
    auto v = JsonValue::Parse(" [{\"txid\":\"ab\",\"vout\":0,\"amount\":0.001, \"u\":\"\\u00e9\"}] ");
    ASSERT_TRUE(v);
    ASSERT_TRUE(v->IsArray());
    const JsonValue& o = (*v)[size_t{0}];
    EXPECT_TRUE(o["vout"].IsNum());
    EXPECT_EQ(o["amount"].GetValStr(), "0.001");  // numbers keep their text
    EXPECT_EQ(o["u"].GetValStr(), "\xc3\xa9");
    EXPECT_TRUE(o["missing"].IsNull());
    for (const char* bad :
         {"", "[", "{\"a\"}", "[1,]", "01", "1.", "\"\x01\"", "[1] x", "tru", "\"\\ud800\""}) {
        EXPECT_FALSE(JsonValue::Parse(bad)) << bad;
    }
    // Strings must be valid UTF-8 with paired surrogates, as UniValue requires.
    EXPECT_EQ(JsonValue::Parse("\"\\ud834\\udd1e\"")->GetValStr(), "\xf0\x9d\x84\x9e");
    EXPECT_EQ(JsonValue::Parse("\"\xe2\x82\xac\"")->GetValStr(), "\xe2\x82\xac");
    for (const char* bad : {"\"\x80\"", "\"\xe2\x82\"", "\"\xff\"", "\"\\udd1e\"", "\"\\ud834x\""}) {
        EXPECT_FALSE(JsonValue::Parse(bad)) << bad;
    }
    // Deep nesting is bounded, not a stack overflow.
    EXPECT_FALSE(JsonValue::Parse(std::string(100000, '[')));
}

TEST(CoreJson, ValueFromAmount) {
    EXPECT_EQ(ValueFromAmount(0).Write(), "0.00000000");
    EXPECT_EQ(ValueFromAmount(100000).Write(), "0.00100000");
    EXPECT_EQ(ValueFromAmount(-150000000).Write(), "-1.50000000");
    EXPECT_EQ(ValueFromAmount(MAX_MONEY).Write(), "21000000.00000000");
    EXPECT_EQ(ValueFromAmount(INT64_MIN).Write(), "-92233720368.54775808");
}

TEST(DescriptorChecksum, KnownValues) {
    // Checksums from Core's descriptor documentation and test outputs.
    EXPECT_EQ(DescriptorChecksum("raw()"), "58lrscpx");
    EXPECT_EQ(DescriptorChecksum("raw(75)"), "ppey0zqj");
    EXPECT_EQ(AddDescriptorChecksum("addr(193P6LtvS4nCnkDvM9uXn1gsSRqh4aDAz7)"),
              "addr(193P6LtvS4nCnkDvM9uXn1gsSRqh4aDAz7)#nw04wh58");
    EXPECT_EQ(DescriptorChecksum("raw(\x01)"), "");  // outside the character set
}

TEST(CoreJson, RpcDecodeScriptVectors) {
    const nlohmann::json cases = ReadVectorJson("bitcoin-core/rpc_decodescript.json");
    size_t passed = 0;
    for (const auto& c : cases) {
        const Script script(ParseHex(c[0].get<std::string>()));
        const JsonValue out = DecodeScriptToJson(script, Chain::REGTEST);
        const nlohmann::json got = nlohmann::json::parse(out.Write());
        EXPECT_EQ(got, c[1]) << c[0];
        if (got == c[1]) ++passed;
    }
    EXPECT_EQ(cases.size(), 10u);
    ReportVectorCount("rpc_decodescript.json", passed, cases.size());
}

TEST(DescriptorInfer, KeyScripts) {
    const std::string pub = "02a5613bd857b7048924264d1e70e08fb2a7e6527d32b7ab1bb993ac59964ff397";
    const Script p2pk(ParseHex("21" + pub + "ac"));
    EXPECT_EQ(InferDescriptorString(p2pk, Chain::MAIN), "pk(" + pub + ")#rk5v7uqw");
    // A hybrid key (0x06) has no descriptor key form: raw().
    const std::string hybrid = "06" + std::string(128, '1');
    const std::string hybrid_spk = "41" + hybrid + "ac";
    EXPECT_TRUE(
        InferDescriptorString(Script(ParseHex(hybrid_spk)), Chain::MAIN).starts_with("raw(" + hybrid_spk));
}

TEST(DescriptorInfer, WrappedScriptsWithKnownScript) {
    const std::string pub = "02a5613bd857b7048924264d1e70e08fb2a7e6527d32b7ab1bb993ac59964ff397";
    const Script multi(ParseHex("5121" + pub + "51ae"));
    // decodescript's segwit form of a multisig knows the witness script, so it infers wsh(multi(...)).
    const JsonValue r = DecodeScriptToJson(multi, Chain::MAIN);
    const std::string desc = r["segwit"]["desc"].GetValStr();
    EXPECT_TRUE(desc.starts_with("wsh(multi(1," + pub + "))#")) << desc;
    EXPECT_EQ(desc.substr(desc.size() - 8), DescriptorChecksum(desc.substr(0, desc.size() - 9)));
    EXPECT_EQ(r["type"].GetValStr(), "multisig");
    // Without the script, the same P2WSH output is only an address.
    const Script p2wsh(ParseHex(r["segwit"]["hex"].GetValStr()));
    EXPECT_TRUE(InferDescriptorString(p2wsh, Chain::MAIN).starts_with("addr(bc1q"));
    // An uncompressed key may not appear in a witness script: no segwit form is offered.
    const std::string upub =
        "047d1368ba7ae01c94bc32293efd70bd7e3be7aa7912d07d0b1c659c1008d179b8642f5fb90f47580feb29f045e2"
        "16ff5a4716d3a0fed36da414d332046303c44a";
    const JsonValue u = DecodeScriptToJson(Script(ParseHex("41" + upub + "ac")), Chain::MAIN);
    EXPECT_TRUE(u.Exists("p2sh"));
    EXPECT_FALSE(u.Exists("segwit"));
}
