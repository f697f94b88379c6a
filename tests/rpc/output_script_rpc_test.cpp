// getdescriptorinfo, deriveaddresses and scantxoutset through RpcTable::Execute on a regtest chainstate, with
// values from Core's rpc_deriveaddresses.py / rpc_getdescriptorinfo.py and a scan of mined coinbases.
#include "address/destination.h"
#include "chain/params.h"
#include "descriptor/descriptor.h"
#include "node/context.h"
#include "node/miner.h"
#include "rpc/output_script.h"
#include "rpc/protocol.h"
#include "util/hex.h"

#include <gtest/gtest.h>

#include <unistd.h>

namespace fs = std::filesystem;

namespace {
struct ScanNode {
    std::unique_ptr<const ChainParams> params = CreateChainParams(Chain::REGTEST);
    fs::path dir;
    int64_t clock = 1'700'000'000;
    NodeContext node;
    RpcTable table;
    Key key;
    Script spk;

    ScanNode()
    {
        dir = fs::temp_directory_path() / ("sov_rpc_scan_" + std::to_string(::getpid()));
        fs::remove_all(dir);
        ChainstateOptions opts;
        opts.data_dir = dir;
        opts.params = params.get();
        opts.now = [this] { return clock; };
        std::string error;
        node.params = params.get();
        node.chainman = ChainstateManager::Load(opts, &error);
        EXPECT_TRUE(node.chainman) << error;
        RegisterOutputScriptRpcCommands(table, Chain::REGTEST);
        RegisterScanTxOutSetRpcCommand(table, node);
        std::vector<uint8_t> secret(32, 0x22);
        key.Set(secret, true);
        spk = GetScriptForDestination(WitnessV0KeyHash{key.GetPubKey().GetID()});
    }
    ~ScanNode()
    {
        node.chainman.reset();
        fs::remove_all(dir);
    }
    void Mine()
    {
        clock += 600;
        std::string error;
        auto tmpl = CreateNewBlock(*node.chainman, spk, {}, &error);
        ASSERT_TRUE(tmpl) << error;
        Block block = tmpl->block;
        ASSERT_TRUE(GrindNonce(block, params->consensus));
        BlockValidationState state;
        bool new_block = false;
        ASSERT_TRUE(node.chainman->ProcessNewBlock(std::make_shared<const Block>(block), true, true, &new_block, &state));
    }
    JsonValue Call(const std::string& method, const JsonValue& params)
    {
        JsonRpcRequest req;
        req.method = method;
        req.params = params;
        return table.Execute(req);
    }
    std::pair<int, std::string> Error(const std::string& method, const JsonValue& params)
    {
        try {
            Call(method, params);
        } catch (const RpcError& e) {
            return {e.Code(), e.what()};
        }
        return {0, ""};
    }
};

JsonValue Params(std::initializer_list<JsonValue> values)
{
    JsonValue a = JsonValue::Array();
    for (const JsonValue& v : values) a.PushBack(v);
    return a;
}
}  // namespace

TEST(OutputScriptRpc, DeriveAddressesAndDescriptorInfo)
{
    ScanNode t;
    // rpc_deriveaddresses.py
    const std::string desc = "wpkh(tprv8ZgxMBicQKsPd7Uf69XL1XwhmjHopUGep8GuEiJDZmbQz6o58LninorQAfcKZWARbtRtfnLcJ5MQ2AtHcQJCCRUcMRvmDUjyEmNUWwx8UbK/1/1/0)";
    EXPECT_EQ(GetDescriptorChecksum(desc), "t6wfjs64");
    JsonValue a = t.Call("deriveaddresses", Params({desc + "#t6wfjs64"}));
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].GetValStr(), "bcrt1qjqmxmkpmxt80xz4y3746zgt0q3u3ferr34acd5");
    EXPECT_EQ(t.Error("deriveaddresses", Params({desc})), std::make_pair(int(RPC_INVALID_ADDRESS_OR_KEY), std::string("Missing checksum")));
    EXPECT_EQ(t.Error("deriveaddresses", Params({desc + "#t6wfjs64", JsonValue(2)})).second,
              "Range should not be specified for an un-ranged descriptor");

    // The xpub form derives the same address.
    JsonValue info = t.Call("getdescriptorinfo", Params({desc}));
    const std::string pub = info["descriptor"].GetValStr();
    EXPECT_EQ(pub.substr(0, 9), "wpkh(tpub");
    EXPECT_EQ(info["checksum"].GetValStr(), "t6wfjs64");
    EXPECT_FALSE(info["isrange"].GetBool());
    EXPECT_TRUE(info["issolvable"].GetBool());
    EXPECT_TRUE(info["hasprivatekeys"].GetBool());
    EXPECT_FALSE(info.Exists("multipath_expansion"));
    EXPECT_EQ(t.Call("deriveaddresses", Params({pub}))[0].GetValStr(), "bcrt1qjqmxmkpmxt80xz4y3746zgt0q3u3ferr34acd5");

    // Ranged, and multipath (one list per branch).
    const std::string ranged = "wpkh(tprv8ZgxMBicQKsPd7Uf69XL1XwhmjHopUGep8GuEiJDZmbQz6o58LninorQAfcKZWARbtRtfnLcJ5MQ2AtHcQJCCRUcMRvmDUjyEmNUWwx8UbK/1/1/*)";
    const std::string ranged_ck = ranged + "#" + GetDescriptorChecksum(ranged);
    JsonValue r = t.Call("deriveaddresses", Params({ranged_ck, Params({JsonValue(0), JsonValue(2)})}));
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].GetValStr(), "bcrt1qjqmxmkpmxt80xz4y3746zgt0q3u3ferr34acd5");
    EXPECT_EQ(t.Error("deriveaddresses", Params({ranged_ck})).second, "Range must be specified for a ranged descriptor");
    EXPECT_EQ(t.Error("deriveaddresses", Params({ranged_ck, Params({JsonValue(2), JsonValue(0)})})).second,
              "Range specified as [begin,end] must not have begin after end");
    EXPECT_EQ(t.Error("deriveaddresses", Params({ranged_ck, JsonValue(int64_t(1) << 31)})).second, "End of range is too high");
    const std::string multi = "wpkh(tprv8ZgxMBicQKsPd7Uf69XL1XwhmjHopUGep8GuEiJDZmbQz6o58LninorQAfcKZWARbtRtfnLcJ5MQ2AtHcQJCCRUcMRvmDUjyEmNUWwx8UbK/1/<1;2>/*)";
    JsonValue m = t.Call("deriveaddresses", Params({multi + "#" + GetDescriptorChecksum(multi), JsonValue(1)}));
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(m[0].size(), 2u);
    EXPECT_EQ(m[0][0].GetValStr(), "bcrt1qjqmxmkpmxt80xz4y3746zgt0q3u3ferr34acd5");
    JsonValue mi = t.Call("getdescriptorinfo", Params({multi}));
    EXPECT_EQ(mi["multipath_expansion"].size(), 2u);
    EXPECT_TRUE(mi["isrange"].GetBool());

    // P2PK has no address.
    const std::string pk = "pk(0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798)";
    EXPECT_EQ(t.Error("deriveaddresses", Params({pk + "#" + GetDescriptorChecksum(pk)})).second,
              "Descriptor does not have a corresponding address");
    EXPECT_EQ(t.Error("getdescriptorinfo", Params({"wpkh(foo)"})),
              std::make_pair(int(RPC_INVALID_ADDRESS_OR_KEY), std::string("wpkh(): key 'foo' is not valid")));
}

TEST(OutputScriptRpc, ScanTxOutSet)
{
    ScanNode t;
    for (int i = 0; i < 3; ++i) t.Mine();
    EXPECT_TRUE(t.Call("scantxoutset", Params({"status"})).IsNull());
    EXPECT_FALSE(t.Call("scantxoutset", Params({"abort"})).GetBool());
    EXPECT_EQ(t.Error("scantxoutset", Params({"start"})).second, "scanobjects argument is required for the start action");
    EXPECT_EQ(t.Error("scantxoutset", Params({"go"})).second, "Invalid action 'go'");

    const std::string wif = EncodeSecret(t.key, Chain::REGTEST);
    JsonValue objs = JsonValue::Array();
    objs.PushBack("combo(" + wif + ")");
    JsonValue obj = JsonValue::Object();
    obj.PushKV("desc", "addr(bcrt1qjqmxmkpmxt80xz4y3746zgt0q3u3ferr34acd5)");
    objs.PushBack(obj);
    JsonValue r = t.Call("scantxoutset", Params({"start", objs}));
    EXPECT_EQ(r.keys(), (std::vector<std::string>{"success", "txouts", "height", "bestblock", "unspents", "total_amount"}));
    EXPECT_TRUE(r["success"].GetBool());
    EXPECT_EQ(r["height"].GetValStr(), "3");
    EXPECT_EQ(r["bestblock"].GetValStr(), t.node.chainman->Tip()->GetBlockHash().GetHex());
    ASSERT_EQ(r["unspents"].size(), 3u);
    const JsonValue& u = r["unspents"][0];
    EXPECT_EQ(u.keys(), (std::vector<std::string>{"txid", "vout", "scriptPubKey", "desc", "amount", "coinbase",
                                                  "height", "blockhash", "confirmations"}));
    EXPECT_EQ(u["scriptPubKey"].GetValStr(), HexStr(t.spk.bytes()));
    // The inferred descriptor names the key with its fingerprint as origin, as Core does.
    const PubKey pub = t.key.GetPubKey();
    const std::string fp = HexStr(std::span<const uint8_t>(pub.GetID().begin(), 4));
    const std::string want = "wpkh([" + fp + "]" + HexStr(pub.bytes()) + ")";
    EXPECT_EQ(u["desc"].GetValStr(), want + "#" + GetDescriptorChecksum(want));
    EXPECT_TRUE(u["coinbase"].GetBool());
    EXPECT_EQ(r["total_amount"].GetValStr(), "150.00000000");
    int confirmations = 0;
    for (const JsonValue& x : r["unspents"].values()) confirmations += std::stoi(x["confirmations"].GetValStr());
    EXPECT_EQ(confirmations, 1 + 2 + 3);

    EXPECT_EQ(t.Error("scantxoutset", Params({"start", Params({"wpkh(tpubD6NzVbkrYhZ4WaWSyoBvQwbpLkojyoTZPRsgXELWz3Popb3qkjcJyJUGLnL4qHHoQvao8ESaAstxYSnhyswJ76uZPStJRJCTKvosUCJZL5B/1h/*)"})})).second,
              "Cannot derive script without private keys: 'wpkh(tpubD6NzVbkrYhZ4WaWSyoBvQwbpLkojyoTZPRsgXELWz3Popb3qkjcJyJUGLnL4qHHoQvao8ESaAstxYSnhyswJ76uZPStJRJCTKvosUCJZL5B/1h/*)'");
    EXPECT_EQ(t.Error("scantxoutset", Params({"start", Params({JsonValue(5)})})).second,
              "Scan object needs to be either a string or an object");
}
