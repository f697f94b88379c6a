// utxoupdatepsbt against a real regtest chainstate: the spent output comes from the UTXO set, then the library signs,
// and finalizepsbt / analyzepsbt see the result as Core would.
#include "address/destination.h"
#include "node/miner.h"
#include "policy/policy.h"
#include "node/validation.h"
#include "psbt/psbt_roles.h"
#include "rpc/psbt.h"
#include "rpc/rawtransaction.h"
#include "rpc/request.h"
#include "util/hex.h"

#include <gtest/gtest.h>

#include <unistd.h>

namespace fs = std::filesystem;

namespace {
struct PsbtNode {
    std::unique_ptr<const ChainParams> params = CreateChainParams(Chain::REGTEST);
    fs::path dir;
    int64_t clock = 1'700'000'000;
    NodeContext node;
    RpcTable table;
    Key key;
    Script spk;

    PsbtNode()
    {
        dir = fs::temp_directory_path() / ("sov_psbt_node_" + std::to_string(::getpid()));
        fs::remove_all(dir);
        ChainstateOptions opts;
        opts.data_dir = dir;
        opts.params = params.get();
        opts.now = [this] { return clock; };
        std::string error;
        node.params = params.get();
        node.chainman = ChainstateManager::Load(opts, &error);
        EXPECT_TRUE(node.chainman) << error;
        node.mempool = std::make_unique<TxMemPool>();
        RegisterRawTransactionRpcCommands(table, Chain::REGTEST);
        RegisterPsbtRpcCommands(table, Chain::REGTEST);
        RegisterPsbtNodeRpcCommands(table, node);
        std::vector<uint8_t> secret(32, 0x33);
        key.Set(secret, true);
        spk = GetScriptForDestination(WitnessV0KeyHash{key.GetPubKey().GetID()});
    }
    ~PsbtNode()
    {
        node.mempool.reset();
        node.chainman.reset();
        fs::remove_all(dir);
    }
    Block Mine()
    {
        clock += 600;
        std::string error;
        auto tmpl = CreateNewBlock(*node.chainman, spk, {}, &error);
        EXPECT_TRUE(tmpl) << error;
        Block block = tmpl->block;
        EXPECT_TRUE(GrindNonce(block, params->consensus));
        BlockValidationState state;
        bool new_block = false;
        EXPECT_TRUE(node.chainman->ProcessNewBlock(std::make_shared<const Block>(block), true, true, &new_block, &state));
        return block;
    }
    JsonValue Call(const std::string& method, std::initializer_list<JsonValue> args)
    {
        JsonRpcRequest req;
        req.method = method;
        req.params = JsonValue::Array();
        for (const auto& a : args) req.params.PushBack(a);
        return table.Execute(req);
    }
};
}  // namespace

TEST(PsbtNodeTest, UtxoUpdateSignFinalize)
{
    PsbtNode n;
    const Block block = n.Mine();
    const TransactionRef& coinbase = block.vtx[0];

    JsonValue inputs = JsonValue::Array();
    JsonValue in = JsonValue::Object();
    in.PushKV("txid", coinbase->GetHash().GetHex());
    in.PushKV("vout", 0);
    inputs.PushBack(in);
    JsonValue outputs = JsonValue::Array();
    JsonValue out = JsonValue::Object();
    out.PushKV(EncodeDestination(WitnessV0KeyHash{n.key.GetPubKey().GetID()}, Chain::REGTEST), "1.0");
    outputs.PushBack(out);
    const std::string created = n.Call("createpsbt", {inputs, outputs}).GetValStr();

    // Before: nothing known. After utxoupdatepsbt: the coinbase output from the UTXO set (native segwit).
    EXPECT_EQ(n.Call("analyzepsbt", {created})["next"].GetValStr(), "updater");
    const std::string updated = n.Call("utxoupdatepsbt", {created}).GetValStr();
    auto p = DecodeBase64Psbt(updated);
    ASSERT_TRUE(p.psbt) << p.error;
    EXPECT_EQ(p.psbt->inputs[0].witness_utxo, coinbase->vout[0]);
    EXPECT_FALSE(p.psbt->inputs[0].non_witness_utxo);

    // The key's public key is still unknown to the PSBT: the analysis asks an updater for it.
    JsonValue a = n.Call("analyzepsbt", {updated});
    EXPECT_EQ(a["next"].GetValStr(), "updater");
    EXPECT_EQ(a["inputs"][0]["missing"]["pubkeys"][0].GetValStr(), HexStr(std::span<const uint8_t>(
                                                                         n.key.GetPubKey().GetID().data(), 20)));

    // Sign without finalizing, then finalizepsbt extracts a transaction whose input verifies.
    PsbtKeyStore keys;
    keys.AddKey(n.key);
    Psbt signed_psbt = *p.psbt;
    // Complete (every signature is there) though not finalized, as Core reports it.
    EXPECT_TRUE(SignPsbtWithKeys(keys, signed_psbt, std::nullopt, false));
    EXPECT_TRUE(signed_psbt.inputs[0].final_script_witness.IsNull());
    EXPECT_EQ(signed_psbt.inputs[0].partial_sigs.size(), 1u);
    EXPECT_EQ(n.Call("analyzepsbt", {EncodeBase64Psbt(signed_psbt)})["next"].GetValStr(), "finalizer");
    JsonValue fin = n.Call("finalizepsbt", {EncodeBase64Psbt(signed_psbt)});
    ASSERT_TRUE(fin["complete"].GetBool());
    auto tx = DecodeTransaction(ParseHex(fin["hex"].GetValStr()));
    ASSERT_TRUE(tx);
    MutableTransactionSignatureChecker checker(&*tx, 0, coinbase->vout[0].value, MissingDataBehavior::FAIL);
    EXPECT_TRUE(VerifyScript(tx->vin[0].script_sig, coinbase->vout[0].script_pubkey, &tx->vin[0].witness,
                             STANDARD_SCRIPT_VERIFY_FLAGS, checker));
    // Spending an unknown outpoint leaves the PSBT as it was.
    JsonValue unknown_in = JsonValue::Array();
    JsonValue u = JsonValue::Object();
    u.PushKV("txid", std::string(64, 'b'));
    u.PushKV("vout", 1);
    unknown_in.PushBack(u);
    const std::string other = n.Call("createpsbt", {unknown_in, outputs}).GetValStr();
    EXPECT_EQ(n.Call("utxoupdatepsbt", {other}).GetValStr(), other);
}
