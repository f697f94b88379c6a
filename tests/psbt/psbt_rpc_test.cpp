// The PSBT RPC commands through RpcTable::Execute: Core's rpc_psbt.json cases as rpc_psbt.py runs them.
#include "psbt/psbt.h"
#include "rpc/psbt.h"
#include "rpc/rawtransaction.h"
#include "rpc/request.h"
#include "testutil/vectors.h"

#include <gtest/gtest.h>

namespace {

JsonValue ToJson(const nlohmann::json& j)
{
    auto v = JsonValue::Parse(j.dump());
    EXPECT_TRUE(v.has_value());
    return v.value_or(JsonValue());
}

class PsbtRpc : public ::testing::Test
{
protected:
    PsbtRpc()
    {
        RegisterRawTransactionRpcCommands(table, Chain::REGTEST);
        RegisterPsbtRpcCommands(table, Chain::REGTEST);
    }
    JsonValue Call(const std::string& method, JsonValue params)
    {
        JsonRpcRequest req;
        req.method = method;
        req.params = std::move(params);
        return table.Execute(req);
    }
    int ErrorOf(const std::string& method, JsonValue params, std::string* message = nullptr)
    {
        try {
            Call(method, std::move(params));
        } catch (const RpcError& e) {
            if (message) *message = e.what();
            return e.Code();
        }
        return 0;
    }
    static JsonValue Args(std::initializer_list<JsonValue> items)
    {
        JsonValue a = JsonValue::Array();
        for (const auto& i : items) a.PushBack(i);
        return a;
    }
    RpcTable table;
};

}  // namespace

TEST_F(PsbtRpc, RpcPsbtJsonCases)
{
    auto j = ReadVectorJson("bitcoin-core/rpc_psbt.json");
    size_t passed = 0, total = 0;
    for (const auto& v : j["invalid"]) {
        ++total;
        std::string msg;
        bool ok = ErrorOf("decodepsbt", Args({v.get<std::string>()}), &msg) == -22 &&
                  msg.rfind("TX decode failed", 0) == 0;
        EXPECT_TRUE(ok) << v;
        if (ok) ++passed;
    }
    for (const auto& v : j["invalid_with_msg"]) {
        ++total;
        std::string msg;
        bool ok = ErrorOf("decodepsbt", Args({v[0].get<std::string>()}), &msg) == -22 &&
                  msg.find("TX decode failed " + v[1].get<std::string>()) != std::string::npos;
        EXPECT_TRUE(ok) << msg;
        if (ok) ++passed;
    }
    for (const auto& v : j["valid"]) {
        ++total;
        JsonValue r = Call("decodepsbt", Args({v.get<std::string>()}));
        auto p = DecodeBase64Psbt(v.get<std::string>());
        bool ok = p.psbt && r["psbt_version"].GetValStr() == std::to_string(p.psbt->GetVersion()) &&
                  r["inputs"].size() == p.psbt->inputs.size() && r["outputs"].size() == p.psbt->outputs.size() &&
                  r.Exists("tx") == (p.psbt->GetVersion() == 0);
        EXPECT_TRUE(ok) << v;
        if (ok) ++passed;
    }
    for (const auto& c : j["creator"]) {
        ++total;
        JsonValue r = Call("createpsbt", Args({ToJson(c["inputs"]), ToJson(c["outputs"]), JsonValue(0), JsonValue(false),
                                              JsonValue(), ToJson(c["version"])}));
        bool ok = r.GetValStr() == c["result"].get<std::string>();
        EXPECT_TRUE(ok) << r.GetValStr();
        if (ok) ++passed;
    }
    for (const auto& c : j["combiner"]) {
        ++total;
        bool ok = Call("combinepsbt", Args({ToJson(c["combine"])})).GetValStr() == c["result"].get<std::string>();
        EXPECT_TRUE(ok);
        if (ok) ++passed;
    }
    for (const auto& f : j["finalizer"]) {
        ++total;
        JsonValue r = Call("finalizepsbt", Args({f["finalize"].get<std::string>(), JsonValue(false)}));
        bool ok = r["psbt"].GetValStr() == f["result"].get<std::string>();
        EXPECT_TRUE(ok);
        if (ok) ++passed;
    }
    for (const auto& e : j["extractor"]) {
        ++total;
        JsonValue r = Call("finalizepsbt", Args({e["extract"].get<std::string>(), JsonValue(true)}));
        bool ok = r["hex"].GetValStr() == e["result"].get<std::string>() && r["complete"].GetBool();
        EXPECT_TRUE(ok);
        if (ok) ++passed;
    }
    ReportVectorCount("rpc_psbt.json (RPC: decodepsbt, createpsbt, combinepsbt, finalizepsbt)", passed, total);

    std::string msg;
    EXPECT_EQ(ErrorOf("combinepsbt", Args({JsonValue::Array()}), &msg), -8);
    EXPECT_EQ(msg, "Parameter 'txs' cannot be empty");
}

TEST_F(PsbtRpc, ConvertJoinAnalyze)
{
    auto j = ReadVectorJson("bitcoin-core/rpc_psbt.json");
    const auto& c = j["creator"][0];
    const std::string created = c["result"];
    // converttopsbt of the same unsigned transaction gives the creator's PSBT.
    auto p = DecodeBase64Psbt(created);
    ASSERT_TRUE(p.psbt);
    std::string hex = Call("createrawtransaction", Args({ToJson(c["inputs"]), ToJson(c["outputs"]), JsonValue(0),
                                                         JsonValue(false)})).GetValStr();
    EXPECT_EQ(Call("converttopsbt", Args({hex, JsonValue(false), JsonValue(), JsonValue(0)})).GetValStr(), created);
    // Default version is 2.
    auto v2 = DecodeBase64Psbt(Call("converttopsbt", Args({hex})).GetValStr());
    ASSERT_TRUE(v2.psbt);
    EXPECT_EQ(v2.psbt->GetVersion(), 2u);
    std::string err;
    EXPECT_EQ(ErrorOf("converttopsbt", Args({hex, JsonValue(false), JsonValue(), JsonValue(1)}), &err), -8);
    EXPECT_EQ(err, "The PSBT version can only be 2 or 0");

    // analyzepsbt: no UTXOs yet, so the updater is next and no fee is shown.
    JsonValue a = Call("analyzepsbt", Args({created}));
    EXPECT_EQ(a["next"].GetValStr(), "updater");
    EXPECT_FALSE(a.Exists("fee"));
    // The finalizer case has every signature: analysis says finalizer and estimates size and fee.
    JsonValue f = Call("analyzepsbt", Args({j["finalizer"][0]["finalize"].get<std::string>()}));
    EXPECT_EQ(f["next"].GetValStr(), "finalizer");
    EXPECT_TRUE(f.Exists("estimated_vsize"));
    EXPECT_TRUE(f.Exists("fee"));
    // A finalized PSBT goes to the extractor.
    std::string finalized = Call("finalizepsbt", Args({j["finalizer"][0]["finalize"].get<std::string>(), JsonValue(false)}))["psbt"].GetValStr();
    EXPECT_EQ(Call("analyzepsbt", Args({finalized}))["next"].GetValStr(), "extractor");

    // joinpsbts: inputs of both, duplicate inputs refused, v2 refused.
    JsonValue in2 = JsonValue::Array();
    JsonValue one = JsonValue::Object();
    one.PushKV("txid", std::string(64, 'a'));
    one.PushKV("vout", 3);
    in2.PushBack(one);
    JsonValue outs = JsonValue::Array();
    JsonValue data = JsonValue::Object();
    data.PushKV("data", "00");
    outs.PushBack(data);
    std::string other = Call("createpsbt", Args({in2, outs, JsonValue(0), JsonValue(false), JsonValue(), JsonValue(0)})).GetValStr();
    JsonValue txs = Args({created, other});
    auto joined = DecodeBase64Psbt(Call("joinpsbts", Args({txs})).GetValStr());
    ASSERT_TRUE(joined.psbt);
    EXPECT_EQ(joined.psbt->inputs.size(), 3u);
    EXPECT_EQ(joined.psbt->outputs.size(), 3u);
    EXPECT_EQ(ErrorOf("joinpsbts", Args({Args({created, created})}), &err), -8);
    EXPECT_NE(err.find("exists in multiple PSBTs"), std::string::npos);
    std::string v2psbt = Call("converttopsbt", Args({hex})).GetValStr();
    EXPECT_EQ(ErrorOf("joinpsbts", Args({Args({created, v2psbt})}), &err), -8);
    EXPECT_EQ(err, "joinpsbts only operates on version 0 PSBTs");

    // decodepsbt of a v0 PSBT shows the unsigned tx and no fee without UTXOs.
    JsonValue d = Call("decodepsbt", Args({created}));
    EXPECT_EQ(d["tx"]["txid"].GetValStr(), p.psbt->GetUnsignedTx()->GetHash().GetHex());
    EXPECT_FALSE(d.Exists("fee"));
    JsonValue d2 = Call("decodepsbt", Args({j["finalizer"][0]["finalize"].get<std::string>()}));
    EXPECT_TRUE(d2.Exists("fee"));
}
