// Mining and mempool RPCs through RpcTable::Execute on a temp-dir node: sendrawtransaction / testmempoolaccept with
// Core's error codes, pool inspection, prioritisation, getblocktemplate (template and proposal), generateblock,
// generatetodescriptor, submitheader, estimatesmartfee; and mainnet_alt.json submitted block by block.
#include "testutil/p2wpkh.h"
#include "address/destination.h"
#include "json/core_json.h"
#include "node/context.h"
#include "node/miner.h"
#include "rpc/node_rpc.h"
#include "rpc/protocol.h"
#include "rpc/server.h"
#include "script/sighash.h"
#include "testutil/vectors.h"
#include "util/hex.h"

#include <gtest/gtest.h>

#include <unistd.h>

namespace fs = std::filesystem;

namespace {
struct Wallet {
    Key key;
    Script spk;
    Wallet()
    {
        std::vector<uint8_t> secret(32, 0x22);
        key.Set(secret, true);
        spk = GetScriptForDestination(WitnessV0KeyHash{key.GetPubKey().GetID()});
    }
    /** A P2WPKH spend of out (worth value) into `outputs` equal outputs, paying fee. */
    TransactionRef Spend(const OutPoint& out, Amount value, Amount fee, int outputs = 1) const
    {
        MutableTransaction tx;
        tx.vin.resize(1);
        tx.vin[0].prevout = out;
        tx.vin[0].sequence = 0xfffffffd;
        for (int i = 0; i < outputs; ++i) tx.vout.emplace_back((value - fee) / outputs, spk);
        SignP2wpkhInput(tx, 0, key, value);
        return MakeTransactionRef(std::move(tx));
    }
};

std::string Hex(const Transaction& tx) { return EncodeHexTx(tx); }
std::string ScriptHex(const Script& s) { return HexStr(std::span<const uint8_t>(s.data(), s.size())); }

/** A node (chainstate, mempool, fee estimator) in a temp dir with every mining/mempool/blockchain RPC. */
struct RpcNode {
    std::unique_ptr<const ChainParams> params;
    fs::path dir;
    NodeContext node;
    RpcTable table;

    RpcNode(Chain chain, const std::string& name, int64_t mock_time)
    {
        params = CreateChainParams(chain);
        // Block files are fsynced per acknowledged block: keep them in memory when the system offers it.
        const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
        dir = base / ("sov_rpc_" + name + "_" + std::to_string(::getpid()));
        fs::remove_all(dir);
        fs::create_directories(dir);
        node.params = params.get();
        node.data_dir = dir;
        node.mock_time = mock_time;
        node.notifications = std::make_unique<NodeNotifications>(node);
        ChainstateOptions opts;
        opts.data_dir = dir;
        opts.params = params.get();
        opts.coins_cache_bytes = 16 << 20;
        opts.now = [this] { return node.Now(); };
        opts.notifications = node.notifications.get();
        std::string error;
        node.chainman = ChainstateManager::Load(opts, &error);
        EXPECT_TRUE(node.chainman) << error;
        node.mempool = std::make_unique<TxMemPool>();
        node.fee_estimator = std::make_unique<BlockPolicyEstimator>();
        node.mempool->m_fee_estimator = node.fee_estimator.get();
        node.mempool_context = std::make_unique<ChainMempoolContext>(*node.chainman, [this] { return node.Now(); });
        RegisterBlockchainRpcCommands(table, node);
        RegisterMiningRpcCommands(table, node);
        RegisterMempoolRpcCommands(table, node);
    }
    ~RpcNode()
    {
        node.mempool_context.reset();
        node.chainman.reset();
        node.mempool.reset();
        node.fee_estimator.reset();
        node.notifications.reset();
        fs::remove_all(dir);
    }
    JsonValue Call(const std::string& method, std::vector<JsonValue> args = {}) const
    {
        JsonRpcRequest req;
        req.method = method;
        for (auto& a : args) req.params.PushBack(std::move(a));
        return table.Execute(req);
    }
    /** (code, message) of a call that must fail. */
    std::pair<int, std::string> Error(const std::string& method, std::vector<JsonValue> args = {}) const
    {
        try {
            Call(method, std::move(args));
        } catch (const RpcError& e) {
            return {e.Code(), e.what()};
        }
        ADD_FAILURE() << method << " did not fail";
        return {0, ""};
    }
    ChainstateManager& Cm() { return *node.chainman; }
    OutPoint CoinbaseOut(int height)
    {
        std::lock_guard lock(Cm().Mutex());
        auto block = Cm().ReadBlock(*Cm().Chain()[height]);
        return OutPoint(block->vtx[0]->GetHash(), 0);
    }
};

JsonValue Arr(std::vector<JsonValue> v)
{
    JsonValue a = JsonValue::Array();
    for (auto& x : v) a.PushBack(std::move(x));
    return a;
}

JsonValue Rules()
{
    JsonValue o = JsonValue::Object();
    o.PushKV("rules", Arr({JsonValue("segwit")}));
    return o;
}

bool ArrayHas(const JsonValue& a, const std::string& s)
{
    for (const JsonValue& v : a.values()) {
        if (v.GetValStr() == s) return true;
    }
    return false;
}
}  // namespace

TEST(MiningMempoolRpc, SendTestAcceptInspectTemplateAndGenerate)
{
    RpcNode n(Chain::REGTEST, "regtest", 1'700'000'000);
    Wallet w;
    const std::string desc = "raw(" + ScriptHex(w.spk) + ")";
    const JsonValue hashes = n.Call("generatetodescriptor", {JsonValue(101), JsonValue(desc)});
    ASSERT_EQ(hashes.size(), 101u);
    EXPECT_EQ(n.Call("getblockcount").GetValStr(), "101");
    EXPECT_EQ(n.Call("getbestblockhash").GetValStr(), hashes[100].GetValStr());

    const Amount subsidy = 50 * COIN;
    auto tx1 = w.Spend(n.CoinbaseOut(1), subsidy, 10'001, 3);  // 10001 splits evenly in three
    const std::string txid1 = tx1->GetHash().GetHex();

    // Decode failures and the burn limit.
    auto err = n.Error("sendrawtransaction", {JsonValue("00")});
    EXPECT_EQ(err.first, RPC_DESERIALIZATION_ERROR);
    EXPECT_EQ(err.second, "TX decode failed. Make sure the tx has at least one input.");

    // Accepted: the txid comes back; submitting it again is not an error.
    EXPECT_EQ(n.Call("sendrawtransaction", {JsonValue(Hex(*tx1))}).GetValStr(), txid1);
    EXPECT_EQ(n.Call("sendrawtransaction", {JsonValue(Hex(*tx1))}).GetValStr(), txid1);

    JsonValue r = n.Call("testmempoolaccept", {Arr({JsonValue(Hex(*tx1))})});
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0]["txid"].GetValStr(), txid1);
    EXPECT_FALSE(r[0]["allowed"].GetBool());
    EXPECT_EQ(r[0]["reject-reason"].GetValStr(), "txn-already-in-mempool");

    const Amount out_value = (subsidy - 10'001) / 3;
    auto tx2 = w.Spend(OutPoint(tx1->GetHash(), 0), out_value, 5'000);
    r = n.Call("testmempoolaccept", {Arr({JsonValue(Hex(*tx2))})});
    EXPECT_TRUE(r[0]["allowed"].GetBool());
    EXPECT_EQ(r[0]["wtxid"].GetValStr(), tx2->GetWitnessHash().GetHex());
    EXPECT_EQ(r[0]["fees"]["base"].GetValStr(), "0.00005000");
    const int64_t vsize2 = GetVirtualTransactionSize(GetTransactionWeight(*tx2));
    EXPECT_EQ(r[0]["vsize"].GetValStr(), std::to_string(vsize2));
    EXPECT_EQ(n.Call("sendrawtransaction", {JsonValue(Hex(*tx2))}).GetValStr(), tx2->GetHash().GetHex());

    // A fee above maxfeerate (default 0.10 BTC/kvB) is refused until the limit is lifted with 0.
    auto tx3 = w.Spend(OutPoint(tx1->GetHash(), 1), out_value, COIN);
    r = n.Call("testmempoolaccept", {Arr({JsonValue(Hex(*tx3))})});
    EXPECT_FALSE(r[0]["allowed"].GetBool());
    EXPECT_EQ(r[0]["reject-reason"].GetValStr(), "max-fee-exceeded");
    err = n.Error("sendrawtransaction", {JsonValue(Hex(*tx3))});
    EXPECT_EQ(err.first, RPC_TRANSACTION_ERROR);
    EXPECT_EQ(err.second, "Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)");
    err = n.Error("sendrawtransaction", {JsonValue(Hex(*tx3)), JsonValue(1)});
    EXPECT_EQ(err.first, RPC_INVALID_PARAMETER);
    EXPECT_EQ(err.second, "Fee rates larger than or equal to 1BTC/kvB are not accepted");
    EXPECT_EQ(n.Call("sendrawtransaction", {JsonValue(Hex(*tx3)), JsonValue(0)}).GetValStr(), tx3->GetHash().GetHex());

    // Missing inputs: -25 with Core's reason; testmempoolaccept says missing-inputs.
    auto orphan = w.Spend(OutPoint(tx3->GetHash(), 7), out_value, 1000);
    err = n.Error("sendrawtransaction", {JsonValue(Hex(*orphan))});
    EXPECT_EQ(err.first, RPC_VERIFY_ERROR);
    EXPECT_EQ(err.second, "bad-txns-inputs-missingorspent");
    r = n.Call("testmempoolaccept", {Arr({JsonValue(Hex(*orphan))})});
    EXPECT_EQ(r[0]["reject-reason"].GetValStr(), "missing-inputs");

    // A bad signature is a policy/consensus rejection: -26 with the reject reason.
    MutableTransaction bad(*w.Spend(n.CoinbaseOut(2), subsidy, 1000));
    bad.vin[0].witness.stack[0][10] ^= 1;
    err = n.Error("sendrawtransaction", {JsonValue(Hex(Transaction(bad)))});
    EXPECT_EQ(err.first, RPC_VERIFY_REJECTED);
    EXPECT_NE(err.second.find("script-verify-flag-failed (Signature must be zero"), std::string::npos) << err.second;
    r = n.Call("testmempoolaccept", {Arr({JsonValue(Hex(Transaction(bad)))})});
    EXPECT_FALSE(r[0]["allowed"].GetBool());
    EXPECT_NE(r[0]["reject-reason"].GetValStr().find("script-verify-flag-failed"), std::string::npos);

    // An unspendable output above maxburnamount.
    MutableTransaction burn(*w.Spend(n.CoinbaseOut(3), subsidy, 1000));
    burn.vout[0].script_pubkey = Script() << OP_RETURN;
    err = n.Error("sendrawtransaction", {JsonValue(Hex(Transaction(burn)))});
    EXPECT_EQ(err.first, RPC_TRANSACTION_ERROR);
    EXPECT_EQ(err.second, "Unspendable output exceeds maximum configured by user (maxburnamount)");

    // Pool inspection.
    JsonValue pool = n.Call("getrawmempool");
    EXPECT_EQ(pool.size(), 3u);
    EXPECT_TRUE(ArrayHas(pool, txid1) && ArrayHas(pool, tx2->GetHash().GetHex()));
    JsonValue seq = n.Call("getrawmempool", {JsonValue(false), JsonValue(true)});
    EXPECT_EQ(seq["txids"].size(), 3u);
    EXPECT_TRUE(seq["mempool_sequence"].IsNum());
    err = n.Error("getrawmempool", {JsonValue(true), JsonValue(true)});
    EXPECT_EQ(err.first, RPC_INVALID_PARAMETER);
    EXPECT_EQ(err.second, "Verbose results cannot contain mempool sequence values.");
    JsonValue verbose = n.Call("getrawmempool", {JsonValue(true)});
    ASSERT_TRUE(verbose.Exists(tx2->GetHash().GetHex()));

    JsonValue e2 = n.Call("getmempoolentry", {JsonValue(tx2->GetHash().GetHex())});
    EXPECT_EQ(e2.Write(), verbose[tx2->GetHash().GetHex()].Write());
    EXPECT_EQ(e2["vsize"].GetValStr(), std::to_string(vsize2));
    EXPECT_EQ(e2["ancestorcount"].GetValStr(), "2");
    EXPECT_EQ(e2["descendantcount"].GetValStr(), "1");
    EXPECT_EQ(e2["height"].GetValStr(), "101");
    EXPECT_EQ(e2["fees"]["base"].GetValStr(), "0.00005000");
    EXPECT_EQ(e2["fees"]["ancestor"].GetValStr(), "0.00015001");
    EXPECT_EQ(e2["depends"].size(), 1u);
    EXPECT_EQ(e2["depends"][0].GetValStr(), txid1);
    EXPECT_TRUE(e2["bip125-replaceable"].GetBool());
    JsonValue e1 = n.Call("getmempoolentry", {JsonValue(txid1)});
    EXPECT_EQ(e1["descendantcount"].GetValStr(), "3");
    EXPECT_EQ(e1["spentby"].size(), 2u);
    EXPECT_TRUE(e1["unbroadcast"].GetBool());
    err = n.Error("getmempoolentry", {JsonValue(orphan->GetHash().GetHex())});
    EXPECT_EQ(err.first, RPC_INVALID_ADDRESS_OR_KEY);
    EXPECT_EQ(err.second, "Transaction not in mempool");
    JsonValue anc = n.Call("getmempoolancestors", {JsonValue(tx2->GetHash().GetHex())});
    ASSERT_EQ(anc.size(), 1u);
    EXPECT_EQ(anc[0].GetValStr(), txid1);
    JsonValue desc_set = n.Call("getmempooldescendants", {JsonValue(txid1), JsonValue(true)});
    EXPECT_EQ(desc_set.size(), 2u);
    EXPECT_TRUE(desc_set.Exists(tx3->GetHash().GetHex()));

    JsonValue info = n.Call("getmempoolinfo");
    EXPECT_TRUE(info["loaded"].GetBool());
    EXPECT_EQ(info["size"].GetValStr(), "3");
    EXPECT_EQ(info["total_fee"].GetValStr(), "1.00015001");
    EXPECT_EQ(info["minrelaytxfee"].GetValStr(), "0.00000100");
    EXPECT_EQ(info["unbroadcastcount"].GetValStr(), "3");

    // prioritisetransaction changes the modified fee only.
    EXPECT_TRUE(n.Call("prioritisetransaction", {JsonValue(txid1), JsonValue(), JsonValue(int64_t{50'000})}).GetBool());
    e1 = n.Call("getmempoolentry", {JsonValue(txid1)});
    EXPECT_EQ(e1["fees"]["base"].GetValStr(), "0.00010001");
    EXPECT_EQ(e1["fees"]["modified"].GetValStr(), "0.00060001");
    err = n.Error("prioritisetransaction", {JsonValue(txid1), JsonValue(1), JsonValue(int64_t{1})});
    EXPECT_EQ(err.second, "Priority is no longer supported, dummy argument to prioritisetransaction must be 0.");
    EXPECT_EQ(n.Call("getprioritisedtransactions")[txid1]["fee_delta"].GetValStr(), "50000");

    // getblocktemplate: the segwit rule is required; the template holds the pool parents first.
    err = n.Error("getblocktemplate", {JsonValue::Object()});
    EXPECT_EQ(err.first, RPC_INVALID_PARAMETER);
    EXPECT_EQ(err.second, "getblocktemplate must be called with the segwit rule set (call with {\"rules\": [\"segwit\"]})");
    JsonValue bad_mode = JsonValue::Object();
    bad_mode.PushKV("mode", "nonsense");
    EXPECT_EQ(n.Error("getblocktemplate", {bad_mode}).second, "Invalid mode");
    JsonValue t = n.Call("getblocktemplate", {Rules()});
    EXPECT_EQ(t["height"].GetValStr(), "102");
    EXPECT_EQ(t["previousblockhash"].GetValStr(), hashes[100].GetValStr());
    EXPECT_EQ(t["bits"].GetValStr(), "207fffff");
    EXPECT_EQ(t["capabilities"][0].GetValStr(), "proposal");
    EXPECT_TRUE(ArrayHas(t["rules"], "!segwit") && ArrayHas(t["rules"], "taproot") && ArrayHas(t["rules"], "csv"));
    ASSERT_EQ(t["transactions"].size(), 3u);
    EXPECT_EQ(t["transactions"][0]["txid"].GetValStr(), txid1);  // the highest-feerate package's parent first
    EXPECT_EQ(t["transactions"][0]["depends"].size(), 0u);
    Amount fees = 0;
    for (const JsonValue& tx : t["transactions"].values()) {
        fees += std::stoll(tx["fee"].GetValStr());
        if (tx["txid"].GetValStr() != txid1) {
            ASSERT_EQ(tx["depends"].size(), 1u);
            EXPECT_EQ(tx["depends"][0].GetValStr(), "1");
        }
        EXPECT_GT(std::stoll(tx["weight"].GetValStr()), 0);
        EXPECT_EQ(tx["sigops"].GetValStr(), "1");  // one P2WPKH input
    }
    EXPECT_EQ(fees, 10'001 + 5'000 + COIN);  // base fees, not the prioritised ones
    EXPECT_EQ(t["coinbasevalue"].GetValStr(), std::to_string(subsidy + fees));
    EXPECT_EQ(t["weightlimit"].GetValStr(), "4000000");
    EXPECT_EQ(t["sigoplimit"].GetValStr(), "80000");
    EXPECT_EQ(t["default_witness_commitment"].GetValStr().substr(0, 12), "6a24aa21a9ed");

    // generateblock with submit=false gives a block that passes as a BIP23 proposal; a changed one does not.
    JsonValue gb = n.Call("generateblock", {JsonValue(desc), Arr({JsonValue(txid1)}), JsonValue(false)});
    ASSERT_TRUE(gb.Exists("hex"));
    JsonValue proposal = JsonValue::Object();
    proposal.PushKV("mode", "proposal");
    proposal.PushKV("data", gb["hex"]);
    EXPECT_TRUE(n.Call("getblocktemplate", {proposal}).IsNull());
    auto block = DecodeBlock(*TryParseHex(gb["hex"].GetValStr()));
    ASSERT_TRUE(block);
    EXPECT_EQ(block->GetHash().GetHex(), gb["hash"].GetValStr());
    EXPECT_EQ(n.Call("getblockcount").GetValStr(), "101");  // not submitted
    {
        MutableTransaction cb(*block->vtx[0]);
        cb.vout[0].value -= 1;
        block->vtx[0] = MakeTransactionRef(cb);
        JsonValue p2 = JsonValue::Object();
        p2.PushKV("mode", "proposal");
        p2.PushKV("data", HexStr(EncodeBlock(*block)));
        EXPECT_EQ(n.Call("getblocktemplate", {p2}).GetValStr(), "bad-txnmrklroot");
    }
    JsonValue missing_data = JsonValue::Object();
    missing_data.PushKV("mode", "proposal");
    err = n.Error("getblocktemplate", {missing_data});
    EXPECT_EQ(err.first, RPC_TYPE_ERROR);
    EXPECT_EQ(err.second, "Missing data String key for proposal");

    // submitheader: the header of that block joins the index; an unknown parent is refused.
    const std::string header_hex = gb["hex"].GetValStr().substr(0, 160);
    EXPECT_TRUE(n.Call("submitheader", {JsonValue(header_hex)}).IsNull());
    {
        std::lock_guard lock(n.Cm().Mutex());
        EXPECT_NE(n.Cm().LookupBlockIndex(block->GetHash()), nullptr);
    }
    std::string orphan_header = header_hex;
    orphan_header[9] = orphan_header[9] == '0' ? '1' : '0';  // inside prev_block
    err = n.Error("submitheader", {JsonValue(orphan_header)});
    EXPECT_EQ(err.first, RPC_VERIFY_ERROR);
    EXPECT_EQ(err.second.rfind("Must submit previous header (", 0), 0u);
    EXPECT_EQ(n.Error("submitheader", {JsonValue("00")}).second, "Block header decode failed");

    // generateblock errors, then a submitted block with tx1 (from the pool) and tx4 (raw).
    err = n.Error("generateblock", {JsonValue("notanaddress"), JsonValue::Array()});
    EXPECT_EQ(err.first, RPC_INVALID_ADDRESS_OR_KEY);
    EXPECT_EQ(err.second, "Error: Invalid address or descriptor");
    err = n.Error("generateblock", {JsonValue(desc), Arr({JsonValue(orphan->GetHash().GetHex())})});
    EXPECT_EQ(err.second, "Transaction " + orphan->GetHash().GetHex() + " not in mempool.");
    err = n.Error("generateblock", {JsonValue(desc), Arr({JsonValue(Hex(*tx2))})});
    EXPECT_EQ(err.first, RPC_VERIFY_ERROR);
    EXPECT_EQ(err.second.rfind("TestBlockValidity failed: bad-txns-inputs-missingorspent", 0), 0u) << err.second;
    auto tx4 = w.Spend(n.CoinbaseOut(2), subsidy, 2'000);  // the bad-signature spend never entered
    const std::string address = EncodeDestination(WitnessV0KeyHash{w.key.GetPubKey().GetID()}, Chain::REGTEST);
    gb = n.Call("generateblock", {JsonValue(address), Arr({JsonValue(txid1), JsonValue(Hex(*tx4))})});
    EXPECT_FALSE(gb.Exists("hex"));
    EXPECT_EQ(n.Call("getbestblockhash").GetValStr(), gb["hash"].GetValStr());
    pool = n.Call("getrawmempool");
    EXPECT_EQ(pool.size(), 2u);
    EXPECT_FALSE(ArrayHas(pool, txid1));

    // generatetoaddress mines what is left (through the block assembler).
    JsonValue mined = n.Call("generatetoaddress", {JsonValue(1), JsonValue(address)});
    ASSERT_EQ(mined.size(), 1u);
    EXPECT_EQ(n.Call("getrawmempool").size(), 0u);
    EXPECT_EQ(n.Call("getblockcount").GetValStr(), "103");
    {
        std::lock_guard lock(n.Cm().Mutex());
        auto b = n.Cm().ReadBlock(*n.Cm().Tip());
        EXPECT_EQ(b->vtx.size(), 3u);
        EXPECT_EQ(b->vtx[0]->vout[0].value, subsidy + 5'000 + COIN);
    }
    // A confirmed transaction with an unspent output: -27.
    err = n.Error("sendrawtransaction", {JsonValue(Hex(*tx1))});
    EXPECT_EQ(err.first, RPC_VERIFY_ALREADY_IN_UTXO_SET);
    EXPECT_EQ(err.second, "Transaction outputs already in utxo set");

    // getmininginfo.
    JsonValue mi = n.Call("getmininginfo");
    EXPECT_EQ(mi["blocks"].GetValStr(), "103");
    EXPECT_EQ(mi["bits"].GetValStr(), "207fffff");
    EXPECT_EQ(mi["chain"].GetValStr(), "regtest");
    EXPECT_EQ(mi["pooledtx"].GetValStr(), "0");
    EXPECT_EQ(mi["next"]["height"].GetValStr(), "104");
    EXPECT_EQ(mi["difficulty"].GetValStr(), "4.656542373906925e-10");
    EXPECT_EQ(mi["blockmintxfee"].GetValStr(), "0.00000001");
    EXPECT_EQ(mi["target"].GetValStr(), "7fffff0000000000000000000000000000000000000000000000000000000000");
    EXPECT_TRUE(n.Call("getnetworkhashps").IsNum());
    EXPECT_EQ(n.Error("getnetworkhashps", {JsonValue(0)}).second, "Invalid nblocks. Must be a positive number or -1.");

    // setmocktime.
    n.Call("setmocktime", {JsonValue(int64_t{1'700'000'500})});
    EXPECT_EQ(n.node.Now(), 1'700'000'500);
    EXPECT_EQ(n.Error("setmocktime", {JsonValue(-1)}).second, "Mocktime must be in the range [0, 9223372036], not -1.");

    // submitpackage (simple, one by one) and savemempool.
    auto tx5 = w.Spend(n.CoinbaseOut(3), subsidy, 3'000);  // the burn was refused
    auto tx6 = w.Spend(OutPoint(tx5->GetHash(), 0), tx5->vout[0].value, 3'000);
    // testmempoolaccept checks parent and child together without adding them.
    r = n.Call("testmempoolaccept", {Arr({JsonValue(Hex(*tx5)), JsonValue(Hex(*tx6))})});
    ASSERT_EQ(r.size(), 2u);
    EXPECT_TRUE(r[0]["allowed"].GetBool()) << r.Write();
    EXPECT_TRUE(r[1]["allowed"].GetBool()) << r.Write();
    EXPECT_EQ(n.Call("getrawmempool").size(), 0u);
    err = n.Error("submitpackage", {Arr({JsonValue(Hex(*tx5)), JsonValue(Hex(*tx4))})});
    EXPECT_EQ(err.first, RPC_TRANSACTION_ERROR);
    EXPECT_EQ(err.second, "package topology disallowed. not child-with-parents or parents depend on each other.");
    JsonValue pkg = n.Call("submitpackage", {Arr({JsonValue(Hex(*tx5)), JsonValue(Hex(*tx6))})});
    EXPECT_EQ(pkg["package_msg"].GetValStr(), "success");
    EXPECT_EQ(pkg["tx-results"][tx6->GetWitnessHash().GetHex()]["txid"].GetValStr(), tx6->GetHash().GetHex());
    EXPECT_EQ(n.Call("getrawmempool").size(), 2u);
    JsonValue saved = n.Call("savemempool");
    EXPECT_TRUE(fs::exists(saved["filename"].GetValStr()));
}

TEST(MiningMempoolRpc, GenerateToDescriptorForms)
{
    RpcNode n(Chain::REGTEST, "desc", 1'700'000'000);
    Wallet w;
    const PubKey pub = w.key.GetPubKey();
    const std::string pub_hex = HexStr(pub.bytes());
    auto coinbase_spk = [&]() {
        std::lock_guard lock(n.Cm().Mutex());
        return n.Cm().ReadBlock(*n.Cm().Tip())->vtx[0]->vout[0].script_pubkey;
    };
    n.Call("generatetodescriptor", {JsonValue(1), JsonValue("pkh(" + pub_hex + ")")});
    EXPECT_EQ(coinbase_spk(), GetScriptForDestination(PKHash{pub.GetID()}));
    n.Call("generatetodescriptor", {JsonValue(1), JsonValue("wpkh([d34db33f/84'/1'/0']" + pub_hex + ")")});
    EXPECT_EQ(coinbase_spk(), w.spk);
    n.Call("generatetodescriptor", {JsonValue(1), JsonValue("pk(" + pub_hex + ")")});
    EXPECT_EQ(coinbase_spk(), GetScriptForDestination(PubKeyDestination{pub}));
    const std::string xonly = pub_hex.substr(2);
    n.Call("generatetodescriptor", {JsonValue(1), JsonValue("tr(" + xonly + ")")});
    const Script tr_spk = coinbase_spk();
    auto tweaked = XOnlyPubKey(pub).CreateTapTweak(nullptr);
    ASSERT_TRUE(tweaked);
    EXPECT_EQ(tr_spk, GetScriptForDestination(WitnessV1Taproot{tweaked->first}));
    n.Call("generatetodescriptor", {JsonValue(1), JsonValue("tr(" + pub_hex + ")")});  // compressed key form
    EXPECT_EQ(coinbase_spk(), tr_spk);
    const std::string address = EncodeDestination(PKHash{pub.GetID()}, Chain::REGTEST);
    n.Call("generatetodescriptor", {JsonValue(1), JsonValue("addr(" + address + ")")});
    EXPECT_EQ(coinbase_spk(), GetScriptForDestination(PKHash{pub.GetID()}));

    // Checksums: a wrong one names the right one, which is then accepted.
    auto err = n.Error("generatetodescriptor", {JsonValue(1), JsonValue("addr(" + address + ")#qqqqqqqq")});
    EXPECT_EQ(err.first, RPC_INVALID_ADDRESS_OR_KEY);
    const std::string prefix = "Provided checksum 'qqqqqqqq' does not match computed checksum '";
    ASSERT_EQ(err.second.rfind(prefix, 0), 0u) << err.second;
    const std::string sum = err.second.substr(prefix.size(), 8);
    n.Call("generatetodescriptor", {JsonValue(1), JsonValue("addr(" + address + ")#" + sum)});
    EXPECT_EQ(n.Call("getblockcount").GetValStr(), "7");
    // BIP380 test vector checksum.
    err = n.Error("generatetodescriptor",
                  {JsonValue(1), JsonValue("raw(deadbeef)#aaaaaaaa")});
    EXPECT_EQ(err.second, "Provided checksum 'aaaaaaaa' does not match computed checksum '89f8spxm'");

    err = n.Error("generatetodescriptor", {JsonValue(1), JsonValue("wpkh(" + pub_hex + "/0/*)")});
    EXPECT_EQ(err.first, RPC_INVALID_PARAMETER);
    EXPECT_EQ(err.second, "Ranged descriptor not accepted. Maybe pass through deriveaddresses first?");
    err = n.Error("generatetoaddress", {JsonValue(1), JsonValue("bogus")});
    EXPECT_EQ(err.first, RPC_INVALID_ADDRESS_OR_KEY);
    EXPECT_EQ(err.second, "Error: Invalid address");
}

TEST(MiningMempoolRpc, EstimateSmartFee)
{
    RpcNode n(Chain::REGTEST, "fees", 1'700'000'000);
    JsonValue r = n.Call("estimatesmartfee", {JsonValue(2)});
    ASSERT_TRUE(r.Exists("errors"));
    EXPECT_FALSE(r.Exists("feerate"));
    EXPECT_EQ(r["errors"][0].GetValStr(), "Insufficient data or no feerate found");
    EXPECT_EQ(r["blocks"].GetValStr(), "0");
    auto err = n.Error("estimatesmartfee", {JsonValue(0)});
    EXPECT_EQ(err.first, RPC_INVALID_PARAMETER);
    EXPECT_EQ(err.second, "Invalid conf_target, must be between 1 and 1008");
    err = n.Error("estimatesmartfee", {JsonValue(2), JsonValue("fast")});
    EXPECT_EQ(err.second, "Invalid estimate_mode parameter, must be one of: \"unset\", \"economical\", \"conservative\"");

    // Feed the node's estimator: 10 transactions a block at 20000 sat/kvB, all confirming in the next block.
    BlockPolicyEstimator& est = *n.node.fee_estimator;
    std::vector<FeeEstimatorTxInfo> pending;
    uint32_t next = 0;
    for (unsigned int height = 1; height <= 60; ++height) {
        est.ProcessBlock(pending, height);
        pending.clear();
        for (int k = 0; k < 10; ++k) {
            FeeEstimatorTxInfo tx;
            tx.txid.data()[0] = static_cast<uint8_t>(next);
            tx.txid.data()[1] = static_cast<uint8_t>(next >> 8);
            tx.txid.data()[31] = 0x77;
            ++next;
            tx.fee = 5'000;
            tx.vsize = 250;
            tx.entry_height = height;
            est.ProcessTransaction(tx);
            pending.push_back(tx);
        }
    }
    FeeCalculation calc;
    const FeeRate direct = est.EstimateSmartFee(2, &calc, false);
    ASSERT_GT(direct.GetFeePerK(), 0);
    r = n.Call("estimatesmartfee", {JsonValue(2)});
    EXPECT_FALSE(r.Exists("errors"));
    EXPECT_EQ(r["feerate"].GetValStr(), ValueFromAmount(direct.GetFeePerK()).GetValStr());
    EXPECT_EQ(r["blocks"].GetValStr(), std::to_string(calc.returned_target));
    EXPECT_TRUE(n.Call("estimatesmartfee", {JsonValue(6), JsonValue("CONSERVATIVE")}).Exists("feerate"));
}

TEST(MiningMempoolRpc, MainnetAltThroughSubmitBlock)
{
    const nlohmann::json v = ReadVectorJson("bitcoin-core/mainnet_alt.json");
    const auto& times = v["timestamps"];
    const auto& nonces = v["nonces"];
    ASSERT_EQ(times.size(), 2016u);
    ASSERT_EQ(nonces.size(), 2016u);
    RpcNode n(Chain::MAIN, "mainnet_alt", times.back().get<int64_t>() + 600);
    const auto spk_bytes = *TryParseHex("76a914eadbac7f36c37e39361168b7aaee3cb24a25312d88ac");
    const Script spk(spk_bytes.begin(), spk_bytes.end());
    uint256 prev = n.params->genesis.GetHash();
    size_t passed = 0;
    for (size_t i = 0; i < times.size(); ++i) {
        const int height = static_cast<int>(i) + 1;
        MutableTransaction cb;
        cb.version = 2;
        cb.vin.resize(1);
        cb.vin[0].prevout = OutPoint(uint256(), 0xffffffff);
        cb.vin[0].script_sig.PushInt(height);
        if (height <= 16) cb.vin[0].script_sig << OP_0;
        cb.vin[0].sequence = 0xffffffff;
        cb.lock_time = 0;
        cb.vout.emplace_back(50 * COIN, spk);
        Block block;
        block.header.version = 0x20000000;
        block.header.prev_block = prev;
        block.header.time = times[i].get<uint32_t>();
        block.header.bits = height < 2016 ? 0x1d00ffff : 0x1c3fffc0;
        block.header.nonce = nonces[i].get<uint32_t>();
        block.vtx.push_back(MakeTransactionRef(std::move(cb)));
        UpdateMerkleRoot(block);
        const JsonValue res = n.Call("submitblock", {JsonValue(HexStr(EncodeBlock(block, false)))});
        if (res.IsNull()) {
            ++passed;
        } else {
            ADD_FAILURE() << "block " << height << ": " << res.Write();
        }
        prev = block.GetHash();
    }
    ReportVectorCount("mainnet_alt.json (submitblock)", passed, times.size());
    EXPECT_EQ(passed, times.size());
    EXPECT_EQ(n.Call("getblockcount").GetValStr(), "2016");
    EXPECT_EQ(n.Call("getbestblockhash").GetValStr(), prev.GetHex());
    const JsonValue mi = n.Call("getmininginfo");
    EXPECT_EQ(mi["blocks"].GetValStr(), "2016");
    EXPECT_EQ(mi["bits"].GetValStr(), "1c3fffc0");
    EXPECT_EQ(mi["difficulty"].GetValStr(), "4");
    EXPECT_EQ(mi["chain"].GetValStr(), "main");
    EXPECT_EQ(mi["target"].GetValStr(), "000000003fffc000000000000000000000000000000000000000000000000000");
    // Resubmitting a known block is a duplicate.
    std::string tip_hex;
    {
        std::lock_guard lock(n.Cm().Mutex());
        tip_hex = HexStr(EncodeBlock(*n.Cm().ReadBlock(*n.Cm().Tip()), false));
    }
    EXPECT_EQ(n.Call("submitblock", {JsonValue(tip_hex)}).GetValStr(), "duplicate");
    // Far below mainnet's minimum chain work the node is in initial download: no templates.
    const auto err = n.Error("getblocktemplate", {Rules()});
    EXPECT_EQ(err.first, RPC_CLIENT_IN_INITIAL_DOWNLOAD);
    EXPECT_EQ(err.second, "Sovereign is in initial sync and waiting for blocks...");
}

TEST(MiningMempoolRpc, BlockAssemblerRespectsWeightAndParents)
{
    RpcNode n(Chain::REGTEST, "assembler", 1'700'000'000);
    Wallet w;
    n.Call("generatetodescriptor", {JsonValue(103), JsonValue("raw(" + ScriptHex(w.spk) + ")")});
    const Amount subsidy = 50 * COIN;
    auto a = w.Spend(n.CoinbaseOut(1), subsidy, 1'000);     // low feerate
    auto b = w.Spend(n.CoinbaseOut(2), subsidy, 50'000);    // high feerate
    auto b_child = w.Spend(OutPoint(b->GetHash(), 0), b->vout[0].value, 40'000);
    for (const auto& tx : {a, b, b_child}) n.Call("sendrawtransaction", {JsonValue(Hex(*tx))});
    TxMemPool& pool = *n.node.mempool;
    std::lock_guard lock(pool.m_mutex);
    // Everything fits by default, best package first.
    auto all = SelectBlockTransactions(pool);
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0]->GetHash(), b->GetHash());
    EXPECT_EQ(all[1]->GetHash(), b_child->GetHash());
    EXPECT_EQ(all[2]->GetHash(), a->GetHash());
    // Room for exactly one transaction (the limit itself is never reached): only the best one.
    BlockAssemblerOptions opts;
    opts.block_max_weight = opts.block_reserved_weight + GetTransactionWeight(*b) + 1;
    auto one = SelectBlockTransactions(pool, opts);
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0]->GetHash(), b->GetHash());
    opts.block_max_weight = opts.block_reserved_weight + GetTransactionWeight(*b);
    EXPECT_EQ(SelectBlockTransactions(pool, opts).size(), 0u);
    // The sigop budget: the coinbase reserve plus one P2WPKH input's cost of 1 must stay below the limit.
    opts = BlockAssemblerOptions{};
    opts.coinbase_output_max_additional_sigops = MAX_BLOCK_SIGOPS_COST - 2;
    auto by_sigops = SelectBlockTransactions(pool, opts);
    ASSERT_EQ(by_sigops.size(), 1u);
    EXPECT_EQ(by_sigops[0]->GetHash(), b->GetHash());
    // A minimum feerate above the low transaction's leaves it out.
    opts = BlockAssemblerOptions{};
    opts.block_min_fee_rate = FeeRate(20'000);  // a pays about 9000 sat/kvB
    EXPECT_EQ(SelectBlockTransactions(pool, opts).size(), 2u);
}
