// The blockchain RPCs through RpcTable::Execute on a regtest chainstate in a temp dir: field layout, values,
// error codes, and Core's getblockstats fixture (rpc_getblockstats.json) reproduced field for field.
#include "testutil/p2wpkh.h"
#include "address/destination.h"
#include "consensus/block_check.h"
#include "json/core_json.h"
#include "node/miner.h"
#include "rpc/merkleblock.h"
#include "rpc/node_rpc.h"
#include "rpc/protocol.h"
#include "script/sighash.h"
#include "testutil/vectors.h"

#include <gtest/gtest.h>

#include <unistd.h>

namespace fs = std::filesystem;

namespace {
struct TestNode {
    std::unique_ptr<const ChainParams> params = CreateChainParams(Chain::REGTEST);
    fs::path dir;
    int64_t clock = 1'700'000'000;
    NodeContext node;
    RpcTable table;
    Key key;
    Script spk;

    explicit TestNode(const std::string& name, uint64_t prune_bytes = 0)
    {
        dir = fs::temp_directory_path() / ("sov_rpc_" + name + "_" + std::to_string(::getpid()));
        fs::remove_all(dir);
        ChainstateOptions opts;
        opts.data_dir = dir;
        opts.params = params.get();
        opts.now = [this] { return clock; };
        opts.prune_target_bytes = prune_bytes;
        std::string error;
        node.params = params.get();
        node.chainman = ChainstateManager::Load(opts, &error);
        EXPECT_TRUE(node.chainman) << error;
        RegisterBlockchainRpcCommands(table, node);
        std::vector<uint8_t> secret(32, 0x22);
        key.Set(secret, true);
        spk = GetScriptForDestination(WitnessV0KeyHash{key.GetPubKey().GetID()});
    }
    ~TestNode()
    {
        node.chainman.reset();
        fs::remove_all(dir);
    }
    ChainstateManager& Cm() { return *node.chainman; }

    JsonValue Call(const std::string& method, const JsonValue& params = JsonValue::Array())
    {
        JsonRpcRequest req;
        req.method = method;
        req.params = params;
        return table.Execute(req);
    }
    /** The RPC error code a call fails with (0 when it succeeds), and its message. */
    int ErrorOf(const std::string& method, const JsonValue& params, std::string* message = nullptr)
    {
        try {
            Call(method, params);
        } catch (const RpcError& e) {
            if (message) *message = e.what();
            return e.Code();
        }
        return 0;
    }
    Block Mine(const std::vector<TransactionRef>& txs = {})
    {
        clock += 600;
        std::string error;
        auto tmpl = CreateNewBlock(Cm(), spk, txs, &error);
        EXPECT_TRUE(tmpl) << error;
        Block block = tmpl->block;
        EXPECT_TRUE(GrindNonce(block, params->consensus));
        BlockValidationState state;
        bool new_block = false;
        EXPECT_TRUE(Cm().ProcessNewBlock(std::make_shared<const Block>(block), true, true, &new_block, &state))
            << state.ToString();
        return block;
    }
    /** A P2WPKH spend of out (worth value) into n equal outputs paying fee. */
    TransactionRef Spend(const OutPoint& out, Amount value, Amount fee, int n = 1)
    {
        MutableTransaction tx;
        tx.vin.resize(1);
        tx.vin[0].prevout = out;
        for (int i = 0; i < n; ++i) tx.vout.emplace_back((value - fee) / n, spk);
        SignP2wpkhInput(tx, 0, key, value);
        return MakeTransactionRef(std::move(tx));
    }
};

JsonValue Params(std::initializer_list<JsonValue> values)
{
    JsonValue a = JsonValue::Array();
    for (const JsonValue& v : values) a.PushBack(v);
    return a;
}

std::vector<std::string> Keys(const JsonValue& o) { return o.keys(); }

nlohmann::json ToNlohmann(const JsonValue& v) { return nlohmann::json::parse(v.Write()); }
}  // namespace

TEST(BlockchainRpc, HeadersBlocksAndChainInfo)
{
    TestNode t("blocks");
    for (int i = 0; i < 101; ++i) t.Mine();
    const Amount subsidy = GetBlockSubsidy(1, t.params->consensus);
    auto b1 = t.Cm().ReadBlock(*t.Cm().Chain()[1]);
    const OutPoint cb1(b1->vtx[0]->GetHash(), 0);
    TransactionRef spend = t.Spend(cb1, subsidy, 10'000, 2);
    const Block blk = t.Mine({spend});
    const std::string hash = blk.GetHash().GetHex();
    ASSERT_EQ(JsonGetInt(t.Call("getblockcount")), 102);

    // getblockheader, verbose and raw.
    JsonValue h = t.Call("getblockheader", Params({hash}));
    EXPECT_EQ(Keys(h), (std::vector<std::string>{"hash", "confirmations", "height", "version", "versionHex",
                                                  "merkleroot", "time", "mediantime", "nonce", "bits", "target",
                                                  "difficulty", "chainwork", "nTx", "previousblockhash"}));
    EXPECT_EQ(h["confirmations"].GetValStr(), "1");
    EXPECT_EQ(h["bits"].GetValStr(), "207fffff");
    EXPECT_EQ(h["versionHex"].GetValStr(), "20000000");
    EXPECT_EQ(h["difficulty"].GetValStr(), "4.656542373906925e-10");
    EXPECT_EQ(h["target"].GetValStr(), "7fffff0000000000000000000000000000000000000000000000000000000000");
    EXPECT_EQ(h["nTx"].GetValStr(), "2");
    JsonValue raw = t.Call("getblockheader", Params({hash, false}));
    EXPECT_EQ(raw.GetValStr(), HexStr(EncodeBlockHeader(blk.header)));
    JsonValue h1 = t.Call("getblockheader", Params({t.Cm().Chain()[1]->GetBlockHash().GetHex()}));
    EXPECT_EQ(h1["confirmations"].GetValStr(), "102");
    EXPECT_EQ(h1["nextblockhash"].GetValStr(), t.Cm().Chain()[2]->GetBlockHash().GetHex());

    std::string msg;
    EXPECT_EQ(t.ErrorOf("getblockheader", Params({std::string(64, '0')}), &msg), RPC_INVALID_ADDRESS_OR_KEY);
    EXPECT_EQ(msg, "Block not found");
    EXPECT_EQ(t.ErrorOf("getblockheader", Params({"zz"}), &msg), RPC_INVALID_PARAMETER);
    EXPECT_EQ(msg, "hash must be of length 64 (not 2, for 'zz')");

    // getblock at every verbosity.
    EXPECT_EQ(t.Call("getblock", Params({hash, 0})).GetValStr(), HexStr(EncodeBlock(blk)));
    JsonValue v1 = t.Call("getblock", Params({hash}));
    EXPECT_EQ(v1["tx"].size(), 2u);
    EXPECT_EQ(v1["tx"][1].GetValStr(), spend->GetHash().GetHex());
    EXPECT_EQ(JsonGetInt(v1["size"]), static_cast<int>(EncodeBlock(blk).size()));
    EXPECT_EQ(JsonGetInt(v1["strippedsize"]), static_cast<int>(EncodeBlock(blk, false).size()));
    EXPECT_EQ(JsonGetInt64(v1["weight"]), GetBlockWeight(blk));
    EXPECT_EQ(v1["coinbase_tx"]["witness"].GetValStr(), std::string(64, '0'));
    EXPECT_EQ(Keys(v1["coinbase_tx"]), (std::vector<std::string>{"version", "locktime", "sequence", "coinbase", "witness"}));
    JsonValue v2 = t.Call("getblock", Params({hash, 2}));
    EXPECT_FALSE(v2["tx"][0].Exists("fee"));
    EXPECT_EQ(v2["tx"][1]["fee"].GetValStr(), "0.00010000");
    EXPECT_FALSE(v2["tx"][1]["vin"][0].Exists("prevout"));
    EXPECT_EQ(Keys(v2["tx"][1]).back(), "hex");
    JsonValue v3 = t.Call("getblock", Params({hash, 3}));
    const JsonValue& in = v3["tx"][1]["vin"][0];
    EXPECT_EQ(Keys(in), (std::vector<std::string>{"txid", "vout", "scriptSig", "txinwitness", "prevout", "sequence"}));
    EXPECT_TRUE(in["prevout"]["generated"].GetBool());
    EXPECT_EQ(in["prevout"]["height"].GetValStr(), "1");
    EXPECT_EQ(in["prevout"]["value"].GetValStr(), "50.00000000");
    EXPECT_EQ(t.Call("getblock", Params({hash, true}))["tx"][0].GetValStr(), blk.vtx[0]->GetHash().GetHex());

    // getblockchaininfo and getdifficulty.
    JsonValue info = t.Call("getblockchaininfo");
    EXPECT_EQ(Keys(info), (std::vector<std::string>{"chain", "blocks", "headers", "bestblockhash", "bits", "target",
                                                     "difficulty", "time", "mediantime", "verificationprogress",
                                                     "initialblockdownload", "chainwork", "size_on_disk", "pruned",
                                                     "warnings"}));
    EXPECT_EQ(info["chain"].GetValStr(), "regtest");
    EXPECT_EQ(info["blocks"].GetValStr(), "102");
    EXPECT_EQ(info["bestblockhash"].GetValStr(), hash);
    EXPECT_EQ(info["chainwork"].GetValStr(), t.Cm().Tip()->chain_work.GetHex());
    EXPECT_FALSE(info["pruned"].GetBool());
    EXPECT_EQ(t.Call("getdifficulty").GetValStr(), "4.656542373906925e-10");

    // getchaintxstats: 103 transactions up to the tip.
    JsonValue stats = t.Call("getchaintxstats");
    EXPECT_EQ(stats["txcount"].GetValStr(), "104");
    EXPECT_EQ(stats["window_block_count"].GetValStr(), "101");
    EXPECT_EQ(stats["window_tx_count"].GetValStr(), "102");
    EXPECT_EQ(t.ErrorOf("getchaintxstats", Params({200}), &msg), RPC_INVALID_PARAMETER);
    EXPECT_EQ(msg, "Invalid block count: should be between 0 and the block's height - 1");

    // gettxout: the spend's outputs exist, the spent coinbase does not.
    JsonValue out = t.Call("gettxout", Params({spend->GetHash().GetHex(), 1, false}));
    EXPECT_EQ(Keys(out), (std::vector<std::string>{"bestblock", "confirmations", "value", "scriptPubKey", "coinbase"}));
    EXPECT_EQ(out["confirmations"].GetValStr(), "1");
    EXPECT_EQ(out["value"].GetValStr(), "24.99995000");
    EXPECT_FALSE(out["coinbase"].GetBool());
    EXPECT_TRUE(t.Call("gettxout", Params({cb1.hash.GetHex(), 0, false})).IsNull());
    EXPECT_EQ(t.ErrorOf("gettxout", Params({cb1.hash.GetHex(), 0}), &msg), RPC_CLIENT_MEMPOOL_DISABLED);

    // getrawtransaction with a block hash; without one, Core's no-txindex error.
    EXPECT_EQ(t.Call("getrawtransaction", Params({spend->GetHash().GetHex(), 0, hash})).GetValStr(), EncodeHexTx(*spend));
    JsonValue rt = t.Call("getrawtransaction", Params({spend->GetHash().GetHex(), 2, hash}));
    EXPECT_TRUE(rt["in_active_chain"].GetBool());
    EXPECT_EQ(rt["fee"].GetValStr(), "0.00010000");
    EXPECT_TRUE(rt["vin"][0].Exists("prevout"));
    EXPECT_EQ(rt["blockhash"].GetValStr(), hash);
    EXPECT_EQ(rt["confirmations"].GetValStr(), "1");
    EXPECT_EQ(t.ErrorOf("getrawtransaction", Params({spend->GetHash().GetHex()}), &msg), RPC_INVALID_ADDRESS_OR_KEY);
    EXPECT_EQ(msg, "No such mempool transaction. Use -txindex or provide a block hash to enable blockchain "
                   "transaction queries. Use gettransaction for wallet transactions.");
    EXPECT_EQ(t.ErrorOf("getrawtransaction", Params({cb1.hash.GetHex(), 0, hash}), &msg), RPC_INVALID_ADDRESS_OR_KEY);
    EXPECT_EQ(msg, "No such transaction found in the provided block. Use gettransaction for wallet transactions.");

    // verifychain at every level.
    for (int level = 0; level <= 4; ++level) EXPECT_TRUE(t.Call("verifychain", Params({level, 0})).GetBool());
    EXPECT_TRUE(t.Call("getindexinfo").IsObject());
    EXPECT_EQ(t.ErrorOf("pruneblockchain", Params({10}), &msg), RPC_MISC_ERROR);
    EXPECT_EQ(msg, "Cannot prune blocks because node is not in prune mode.");
}

TEST(BlockchainRpc, TxOutSetInfoHashes)
{
    TestNode t("utxo");
    for (int i = 0; i < 5; ++i) t.Mine();
    JsonValue a = t.Call("gettxoutsetinfo");
    EXPECT_EQ(Keys(a), (std::vector<std::string>{"height", "bestblock", "txouts", "bogosize", "hash_serialized_3",
                                                  "total_amount", "transactions", "disk_size"}));
    EXPECT_EQ(a["height"].GetValStr(), "5");
    EXPECT_EQ(a["txouts"].GetValStr(), "5");  // the witness commitments are unspendable
    EXPECT_EQ(a["total_amount"].GetValStr(), "250.00000000");
    t.Cm().Flush();
    EXPECT_EQ(a["hash_serialized_3"].GetValStr(), ComputeUtxoStats(t.Cm().CoinsDB())->hash_serialized.GetHex());
    JsonValue m = t.Call("gettxoutsetinfo", Params({"muhash"}));
    ASSERT_TRUE(m.Exists("muhash"));
    EXPECT_EQ(m["txouts"].GetValStr(), "5");
    JsonValue n = t.Call("gettxoutsetinfo", Params({"none"}));
    EXPECT_FALSE(n.Exists("hash_serialized_3"));
    EXPECT_FALSE(n.Exists("muhash"));
    std::string msg;
    EXPECT_EQ(t.ErrorOf("gettxoutsetinfo", Params({"sha"}), &msg), RPC_INVALID_PARAMETER);
    EXPECT_EQ(msg, "'sha' is not a valid hash_type");

    // MuHash is a set hash: the same coins reached through a reorg give the same value.
    const std::string before = m["muhash"].GetValStr();
    const uint256 tip = t.Cm().Tip()->GetBlockHash();
    t.Call("invalidateblock", Params({tip.GetHex()}));
    EXPECT_EQ(t.Call("getblockcount").GetValStr(), "4");
    EXPECT_NE(t.Call("gettxoutsetinfo", Params({"muhash"}))["muhash"].GetValStr(), before);
    t.Call("reconsiderblock", Params({tip.GetHex()}));
    EXPECT_EQ(t.Call("getbestblockhash").GetValStr(), tip.GetHex());
    EXPECT_EQ(t.Call("gettxoutsetinfo", Params({"muhash"}))["muhash"].GetValStr(), before);
}

TEST(BlockchainRpc, ChainTipsAfterInvalidate)
{
    TestNode t("tips");
    for (int i = 0; i < 3; ++i) t.Mine();
    const uint256 old_tip = t.Cm().Tip()->GetBlockHash();
    const uint256 at2 = t.Cm().Chain()[2]->GetBlockHash();
    t.Call("invalidateblock", Params({at2.GetHex()}));
    EXPECT_EQ(t.Call("getblockcount").GetValStr(), "1");
    for (int i = 0; i < 3; ++i) t.Mine();  // the new branch ends higher than the invalid one
    JsonValue tips = t.Call("getchaintips");
    ASSERT_EQ(tips.size(), 2u);
    EXPECT_EQ(tips[0]["status"].GetValStr(), "active");
    EXPECT_EQ(tips[0]["branchlen"].GetValStr(), "0");
    EXPECT_EQ(tips[1]["hash"].GetValStr(), old_tip.GetHex());
    EXPECT_EQ(tips[1]["status"].GetValStr(), "invalid");
    EXPECT_EQ(tips[1]["branchlen"].GetValStr(), "2");
    std::string msg;
    EXPECT_EQ(t.ErrorOf("invalidateblock", Params({std::string(64, '1')}), &msg), RPC_INVALID_ADDRESS_OR_KEY);
    EXPECT_EQ(msg, "Block not found");
    t.Call("reconsiderblock", Params({at2.GetHex()}));
    JsonValue after = t.Call("getchaintips");
    ASSERT_EQ(after.size(), 2u);
    EXPECT_EQ(after[1]["status"].GetValStr(), "valid-fork");
    EXPECT_EQ(t.Call("getblockheader", Params({old_tip.GetHex()}))["confirmations"].GetValStr(), "-1");
}

TEST(BlockchainRpc, GetBlockStatsMatchesCore)
{
    const nlohmann::json vec = ReadVectorJson("bitcoin-core/rpc_getblockstats.json");
    ASSERT_TRUE(vec.is_object());
    ASSERT_EQ(vec["blocks"].size(), 104u);
    TestNode t("blockstats");
    t.clock = vec["mocktime"].get<int64_t>();
    ASSERT_EQ(vec["blocks"][0].get<std::string>(), HexStr(EncodeBlock(t.params->genesis)));
    for (size_t i = 1; i < vec["blocks"].size(); ++i) {
        auto bytes = TryParseHex(vec["blocks"][i].get<std::string>());
        ASSERT_TRUE(bytes);
        auto block = DecodeBlock(*bytes);
        ASSERT_TRUE(block);
        BlockValidationState state;
        bool new_block = false;
        ASSERT_TRUE(t.Cm().ProcessNewBlock(std::make_shared<const Block>(std::move(*block)), true, true, &new_block, &state))
            << i << ": " << state.ToString();
    }
    ASSERT_EQ(t.Cm().Chain().Height(), 103);

    size_t passed = 0;
    const auto& expected = vec["stats"];
    for (const auto& exp : expected) {
        const int height = exp["height"].get<int>();
        const nlohmann::json got = ToNlohmann(t.Call("getblockstats", Params({height})));
        bool ok = got.size() == exp.size();
        for (auto it = exp.begin(); it != exp.end(); ++it) {
            const bool same = got.contains(it.key()) && got[it.key()] == it.value();
            EXPECT_TRUE(same) << "height " << height << " field " << it.key() << ": got "
                              << (got.contains(it.key()) ? got[it.key()].dump() : "missing") << " want " << it.value();
            ok = ok && same;
        }
        // By hash too, and every statistic alone.
        const nlohmann::json by_hash = ToNlohmann(t.Call("getblockstats", Params({exp["blockhash"].get<std::string>()})));
        ok = ok && by_hash == got;
        for (auto it = exp.begin(); it != exp.end(); ++it) {
            JsonValue sel = JsonValue::Array();
            sel.PushBack(it.key());
            const nlohmann::json one = ToNlohmann(t.Call("getblockstats", Params({height, sel})));
            ok = ok && one.size() == 1 && one[it.key()] == it.value();
        }
        passed += ok;
    }
    ReportVectorCount("rpc_getblockstats.json", passed, expected.size());
    EXPECT_EQ(passed, expected.size());

    std::string msg;
    JsonValue bad = JsonValue::Array();
    bad.PushBack("nonsense");
    EXPECT_EQ(t.ErrorOf("getblockstats", Params({101, bad}), &msg), RPC_INVALID_PARAMETER);
    EXPECT_EQ(msg, "Invalid selected statistic 'nonsense'");
    EXPECT_EQ(t.ErrorOf("getblockstats", Params({104}), &msg), RPC_INVALID_PARAMETER);
    EXPECT_EQ(msg, "Target block height 104 after current tip 103");
    EXPECT_EQ(t.ErrorOf("getblockstats", Params({-1}), &msg), RPC_INVALID_PARAMETER);
    EXPECT_EQ(msg, "Target block height -1 is negative");
    EXPECT_EQ(t.ErrorOf("getblockstats", Params({std::string(64, '0')}), &msg), RPC_INVALID_ADDRESS_OR_KEY);
    EXPECT_EQ(msg, "Block not found");
}

TEST(BlockchainRpc, TxOutProofRoundTrip)
{
    TestNode t("proof");
    for (int i = 0; i < 104; ++i) t.Mine();  // coinbases 1..4 mature
    const Amount subsidy = GetBlockSubsidy(1, t.params->consensus);
    std::vector<TransactionRef> txs;
    for (int h = 1; h <= 4; ++h) {
        auto b = t.Cm().ReadBlock(*t.Cm().Chain()[h]);
        txs.push_back(t.Spend(OutPoint(b->vtx[0]->GetHash(), 0), subsidy, 1000 * h));
    }
    const Block blk = t.Mine(txs);
    const std::string hash = blk.GetHash().GetHex();

    // One transaction, found through its unspent output; then two with the block given.
    JsonValue ids = JsonValue::Array();
    ids.PushBack(txs[2]->GetHash().GetHex());
    const std::string proof = t.Call("gettxoutproof", Params({ids})).GetValStr();
    JsonValue got = t.Call("verifytxoutproof", Params({proof}));
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].GetValStr(), txs[2]->GetHash().GetHex());
    ids.PushBack(blk.vtx[0]->GetHash().GetHex());
    JsonValue two = t.Call("verifytxoutproof", Params({t.Call("gettxoutproof", Params({ids, hash}))}));
    ASSERT_EQ(two.size(), 2u);
    EXPECT_EQ(two[0].GetValStr(), blk.vtx[0]->GetHash().GetHex());  // in block order
    EXPECT_EQ(two[1].GetValStr(), txs[2]->GetHash().GetHex());

    // The proof is the header followed by the partial tree.
    auto bytes = TryParseHex(proof);
    ASSERT_TRUE(bytes);
    auto mb = MerkleBlock::Decode(*bytes);
    ASSERT_TRUE(mb);
    EXPECT_EQ(mb->header.GetHash(), blk.GetHash());
    EXPECT_EQ(mb->txn.GetNumTransactions(), 5u);
    EXPECT_EQ(HexStr(mb->Encode()), proof);

    // A tampered hash no longer reaches the header's root: empty result.
    std::vector<uint8_t> bad = *bytes;
    bad[80 + 4 + 1 + 5] ^= 1;
    EXPECT_EQ(t.Call("verifytxoutproof", Params({HexStr(bad)})).size(), 0u);

    std::string msg;
    EXPECT_EQ(t.ErrorOf("gettxoutproof", Params({JsonValue::Array()}), &msg), RPC_INVALID_PARAMETER);
    EXPECT_EQ(msg, "Parameter 'txids' cannot be empty");
    JsonValue dup = JsonValue::Array();
    dup.PushBack(txs[0]->GetHash().GetHex());
    dup.PushBack(txs[0]->GetHash().GetHex());
    EXPECT_EQ(t.ErrorOf("gettxoutproof", Params({dup}), &msg), RPC_INVALID_PARAMETER);
    EXPECT_EQ(msg, "Invalid parameter, duplicated txid: " + txs[0]->GetHash().GetHex());
    JsonValue other = JsonValue::Array();
    other.PushBack(txs[0]->GetHash().GetHex());
    EXPECT_EQ(t.ErrorOf("gettxoutproof", Params({other, t.Cm().Chain()[5]->GetBlockHash().GetHex()}), &msg),
              RPC_INVALID_ADDRESS_OR_KEY);
    EXPECT_EQ(msg, "Not all transactions found in specified or retrieved block");
}

TEST(BlockchainRpc, HelpAndPruneErrors)
{
    TestNode t("help", /*prune_bytes=*/uint64_t{550} << 20);
    for (const char* cmd : {"getblockchaininfo", "getblock", "getblockheader", "getchaintips", "getchaintxstats",
                            "getdifficulty", "gettxout", "gettxoutsetinfo", "getblockstats", "preciousblock",
                            "invalidateblock", "reconsiderblock", "verifychain", "pruneblockchain", "getindexinfo",
                            "getrawtransaction", "gettxoutproof", "verifytxoutproof"}) {
        const std::string help = t.table.Help(cmd);
        EXPECT_EQ(help.rfind(cmd, 0), 0u) << help;
        EXPECT_NE(help.find("Result"), std::string::npos) << cmd;
    }
    t.Mine();
    JsonValue info = t.Call("getblockchaininfo");
    EXPECT_TRUE(info["pruned"].GetBool());
    EXPECT_EQ(info["pruneheight"].GetValStr(), "0");
    EXPECT_TRUE(info["automatic_pruning"].GetBool());
    EXPECT_EQ(info["prune_target_size"].GetValStr(), std::to_string(uint64_t{550} << 20));
    std::string msg;
    EXPECT_EQ(t.ErrorOf("pruneblockchain", Params({-1}), &msg), RPC_INVALID_PARAMETER);
    EXPECT_EQ(msg, "Negative block height.");
    EXPECT_EQ(t.ErrorOf("pruneblockchain", Params({1}), &msg), RPC_MISC_ERROR);
    EXPECT_EQ(msg, "Blockchain is too short for pruning.");
}
