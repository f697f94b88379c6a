// The spending RPCs through RpcTable::Execute against a regtest chainstate and mempool: send, sendall, bumpfee,
// psbtbumpfee, lockunspent/listlockunspent (persistent across a reload), a changeless Branch-and-Bound funding in
// walletcreatefundedpsbt, and Core's fee-estimation and argument errors.
#include "address/destination.h"
#include "psbt/psbt.h"
#include "rpc/protocol.h"
#include "rpc/server.h"
#include "rpc/util.h"
#include "util/strencodings.h"
#include "testutil/regtest_chain.h"
#include "wallet/rpc.h"
#include "wallet/wallet.h"

#include <gtest/gtest.h>

namespace {
class SpendRpcTest : public RegtestChainTest
{
protected:
    std::unique_ptr<WalletManager> wallets;
    RpcTable table;

    SpendRpcTest() { with_mempool = true; }
    void SetUp() override
    {
        RegtestChainTest::SetUp();
        wallets = std::make_unique<WalletManager>(node, dir / "wallets");
        RegisterWalletRpcCommands(table, node, *wallets);
    }
    void TearDown() override
    {
        wallets.reset();
        RegtestChainTest::TearDown();
    }
    JsonValue Call(const std::string& wallet, const std::string& method, const std::string& params)
    {
        JsonRpcRequest req;
        req.method = method;
        auto p = JsonValue::Parse(params);
        EXPECT_TRUE(p) << params;
        req.params = p.value_or(JsonValue::Array());
        req.uri = "/wallet/" + wallet;
        return table.Execute(req);
    }
    /** The RPC error code and message of a failing call. */
    std::pair<int, std::string> Error(const std::string& wallet, const std::string& method, const std::string& params)
    {
        try {
            Call(wallet, method, params);
        } catch (const RpcError& e) {
            return {e.Code(), e.what()};
        }
        ADD_FAILURE() << method << " " << params << " did not fail";
        return {0, ""};
    }
    std::string NewAddress(const std::string& wallet) { return JsonGetStr(Call(wallet, "getnewaddress", "[]")); }
    /** A wallet with `coins` mature coinbase outputs of 50 BTC. */
    void Fund(const std::string& wallet, int coins)
    {
        for (int i = 0; i < coins; ++i) MineBlock(ScriptFor(NewAddress(wallet)));
        for (int i = 0; i < 100; ++i) MineBlock(Script() << OP_TRUE);
    }
    Script ScriptFor(const std::string& address)
    {
        return GetScriptForDestination(DecodeDestination(address, Chain::REGTEST, nullptr));
    }
    bool InMempool(const std::string& txid)
    {
        std::lock_guard lock(node.mempool->m_mutex);
        return node.mempool->Exists(*uint256::FromHex(txid));
    }
    std::shared_ptr<Wallet> Create(const std::string& name)
    {
        std::string error;
        int code;
        auto w = wallets->Create(name, {}, &error, &code);
        EXPECT_TRUE(w) << error;
        return w;
    }
};
}  // namespace

TEST_F(SpendRpcTest, SendAndSendAll)
{
    auto alice = Create("alice");
    auto bob = Create("bob");
    Fund("alice", 2);
    const std::string bob_addr = NewAddress("bob");

    // send: complete, broadcast, the txid reported.
    JsonValue r = Call("alice", "send", "[{\"" + bob_addr + "\": 1.5}, null, \"unset\", 5]");
    EXPECT_TRUE(r["complete"].GetBool());
    ASSERT_TRUE(r["txid"].IsStr());
    EXPECT_TRUE(InMempool(JsonGetStr(r["txid"])));
    EXPECT_TRUE(r["psbt"].IsNull());
    auto wtx = alice->GetTx(*uint256::FromHex(JsonGetStr(r["txid"])));
    ASSERT_TRUE(wtx);
    for (const TxIn& in : wtx->tx->vin) EXPECT_EQ(in.sequence, 0xfffffffdu);  // BIP125 by default
    EXPECT_EQ(wtx->tx->lock_time, 0u);  // send keeps the given locktime (default 0), as Core's FundTransaction

    // add_to_wallet false: the hex and the PSBT, nothing broadcast; replaceable false: final-but-locktime sequence.
    r = Call("alice", "send", "[{\"" + bob_addr + "\": 0.5}, null, null, 3, {\"add_to_wallet\": false, \"replaceable\": false}]");
    EXPECT_TRUE(r["complete"].GetBool());
    ASSERT_TRUE(r["hex"].IsStr());
    ASSERT_TRUE(r["psbt"].IsStr());
    EXPECT_FALSE(InMempool(JsonGetStr(r["txid"])));
    auto decoded = DecodeBase64Psbt(JsonGetStr(r["psbt"]));
    ASSERT_TRUE(decoded.psbt);
    EXPECT_EQ(decoded.psbt->GetUnsignedTx()->vin[0].sequence, 0xfffffffeu);

    // Core's argument errors.
    auto e = Error("alice", "send", "[{\"" + bob_addr + "\": 0.1}, 6, \"unset\", 5]");
    EXPECT_EQ(e.first, RPC_INVALID_PARAMETER);
    EXPECT_EQ(e.second, "Cannot specify both conf_target and fee_rate. Please provide either a confirmation target in blocks "
                        "for automatic fee estimation, or an explicit fee rate.");
    e = Error("alice", "send", "[{\"" + bob_addr + "\": 0.1}, 6, \"fast\"]");
    EXPECT_EQ(e.first, RPC_INVALID_PARAMETER);
    EXPECT_EQ(e.second, "Invalid estimate_mode parameter, must be one of: \"unset\", \"economical\", \"conservative\"");
    // No estimates and no -fallbackfee: Core's message.
    e = Error("alice", "send", "[{\"" + bob_addr + "\": 0.1}]");
    EXPECT_EQ(e.first, RPC_WALLET_ERROR);
    EXPECT_EQ(e.second, "Fee estimation failed. Fallbackfee is disabled. Wait a few blocks or enable -fallbackfee.");
    e = Error("alice", "send", "[{\"" + bob_addr + "\": 1000}, null, null, 1]");
    EXPECT_EQ(e.first, RPC_WALLET_ERROR);
    EXPECT_EQ(e.second, "Insufficient funds");

    // sendmany goes through the same funding: two recipients, BIP125, one transaction.
    const std::string bob_addr2 = NewAddress("bob");
    r = Call("alice", "sendmany", "[\"\", {\"" + bob_addr + "\": 0.2, \"" + bob_addr2 + "\": 0.3}, null, \"\", [], true, null, \"unset\", 4]");
    EXPECT_TRUE(InMempool(JsonGetStr(r)));
    EXPECT_GE(alice->GetTx(*uint256::FromHex(JsonGetStr(r)))->tx->vout.size(), 2u);

    // sendall: every coin (confirmed and our unconfirmed change) to Bob; Alice is left with nothing.
    e = Error("alice", "sendall", "[[{\"" + bob_addr + "\": 1}]]");
    EXPECT_EQ(e.first, RPC_INVALID_PARAMETER);
    EXPECT_EQ(e.second, "Must provide at least one address without a specified amount");
    r = Call("alice", "sendall", "[[\"" + bob_addr + "\"], null, \"unset\", 2]");
    EXPECT_TRUE(r["complete"].GetBool());
    EXPECT_TRUE(InMempool(JsonGetStr(r["txid"])));
    MineBlock(Script() << OP_TRUE);
    EXPECT_EQ(alice->GetBalances().trusted, 0);
    EXPECT_EQ(alice->GetBalances().untrusted_pending, 0);
    // 100 BTC in, minus the fee of the first send and of the sweep.
    EXPECT_GT(bob->GetBalances().trusted, 100 * COIN - 10000);
    EXPECT_LT(bob->GetBalances().trusted, 100 * COIN);
    e = Error("alice", "sendall", "[[\"" + bob_addr + "\"], null, \"unset\", 2]");
    EXPECT_EQ(e.first, RPC_WALLET_INSUFFICIENT_FUNDS);
}

TEST_F(SpendRpcTest, BumpFeeAndPsbtBumpFee)
{
    auto alice = Create("alice");
    Create("bob");
    Fund("alice", 1);
    const std::string bob_addr = NewAddress("bob");
    const std::string txid = JsonGetStr(Call("alice", "sendtoaddress", "[\"" + bob_addr + "\", 1, \"\", \"\", false, true, null, \"unset\", false, 2]"));
    ASSERT_TRUE(InMempool(txid));
    const auto [net, old_fee] = alice->TxAmounts(*alice->GetTx(*uint256::FromHex(txid))->tx);
    ASSERT_TRUE(old_fee);
    // sendtoaddress: anti-fee-sniping locks to the tip (sometimes up to 99 blocks back) and signals BIP125.
    const Transaction& sent = *alice->GetTx(*uint256::FromHex(txid))->tx;
    const uint32_t height = static_cast<uint32_t>(node.chainman->Chain().Height());
    EXPECT_LE(sent.lock_time, height);
    EXPECT_GT(sent.lock_time + 100, height);
    EXPECT_EQ(sent.vin[0].sequence, 0xfffffffdu);

    // psbtbumpfee: an unsigned replacement spending the same input, at a higher fee; nothing broadcast.
    JsonValue p = Call("alice", "psbtbumpfee", "[\"" + txid + "\"]");
    ASSERT_TRUE(p["psbt"].IsStr());
    EXPECT_EQ(AmountFromValue(p["origfee"]), *old_fee);
    EXPECT_GT(AmountFromValue(p["fee"]), *old_fee);
    auto decoded = DecodeBase64Psbt(JsonGetStr(p["psbt"]));
    ASSERT_TRUE(decoded.psbt);
    EXPECT_EQ(decoded.psbt->GetUnsignedTx()->vin[0].prevout, alice->GetTx(*uint256::FromHex(txid))->tx->vin[0].prevout);
    EXPECT_TRUE(InMempool(txid));

    // A fee rate not paying the incremental relay fee on top: BIP125 rule 4, Core's message.
    auto e = Error("alice", "bumpfee", "[\"" + txid + "\", {\"fee_rate\": 2}]");
    EXPECT_EQ(e.first, RPC_INVALID_PARAMETER);
    EXPECT_EQ(e.second.rfind("Insufficient total fee ", 0), 0u) << e.second;

    // bumpfee: the replacement is in the mempool, the original is gone, Bob still gets 1 BTC.
    JsonValue b = Call("alice", "bumpfee", "[\"" + txid + "\", {\"fee_rate\": 10}]");
    const std::string new_txid = JsonGetStr(b["txid"]);
    EXPECT_NE(new_txid, txid);
    EXPECT_TRUE(InMempool(new_txid));
    EXPECT_FALSE(InMempool(txid));
    EXPECT_EQ(AmountFromValue(b["origfee"]), *old_fee);
    const Amount new_fee = AmountFromValue(b["fee"]);
    EXPECT_GT(new_fee, *old_fee);
    EXPECT_TRUE(b["errors"].IsArray());
    auto replacement = alice->GetTx(*uint256::FromHex(new_txid));
    ASSERT_TRUE(replacement);
    bool pays_bob = false;
    for (const TxOut& o : replacement->tx->vout) pays_bob |= o.script_pubkey == ScriptFor(bob_addr) && o.value == COIN;
    EXPECT_TRUE(pays_bob);
    // At least 10 sat/vB on a ~141 vB transaction.
    EXPECT_GE(new_fee, 1400);

    e = Error("alice", "bumpfee", "[\"" + txid + "\"]");
    EXPECT_EQ(e.first, RPC_WALLET_ERROR);
    EXPECT_EQ(e.second, "Cannot bump transaction " + txid + " which was already bumped by transaction " + new_txid);
    e = Error("alice", "bumpfee", "[\"" + std::string(64, '1') + "\"]");
    EXPECT_EQ(e.first, RPC_INVALID_ADDRESS_OR_KEY);
    EXPECT_EQ(e.second, "Invalid or non-wallet transaction id");
    MineBlock(Script() << OP_TRUE);
    e = Error("alice", "bumpfee", "[\"" + new_txid + "\"]");
    EXPECT_EQ(e.first, RPC_WALLET_ERROR);
    EXPECT_EQ(e.second, "Transaction has been mined, or is conflicted with a mined transaction");

    // Not replaceable: Core refuses.
    const std::string final_txid = JsonGetStr(Call("alice", "sendtoaddress", "[\"" + bob_addr + "\", 1, \"\", \"\", false, false, null, \"unset\", false, 2]"));
    (void)final_txid;
}

TEST_F(SpendRpcTest, LockUnspentAndChangelessFunding)
{
    auto alice = Create("alice");
    Create("bob");
    Fund("alice", 2);
    const auto coins = alice->ListCoins();
    ASSERT_EQ(coins.size(), 2u);
    const std::string lock_entry = "[{\"txid\": \"" + coins[0].outpoint.hash.GetHex() + "\", \"vout\": 0}]";

    // getrawchangeaddress hands out an address of the internal (change) descriptor.
    const Script change = ScriptFor(JsonGetStr(Call("alice", "getrawchangeaddress", "[]")));
    auto origin = alice->ScriptOrigin(change);
    ASSERT_TRUE(origin);
    bool internal = false;
    for (const WalletDescriptor* d : alice->Descriptors()) internal |= d->id == origin->first && d->internal;
    EXPECT_TRUE(internal);

    EXPECT_EQ(Call("alice", "listlockunspent", "[]").size(), 0u);
    EXPECT_TRUE(Call("alice", "lockunspent", "[false, " + lock_entry + ", true]").GetBool());
    JsonValue listed = Call("alice", "listlockunspent", "[]");
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(JsonGetStr(listed[size_t{0}]["txid"]), coins[0].outpoint.hash.GetHex());
    EXPECT_EQ(JsonGetInt(listed[size_t{0}]["vout"]), 0);
    auto e = Error("alice", "lockunspent", "[false, " + lock_entry + "]");
    EXPECT_EQ(e.first, RPC_INVALID_PARAMETER);
    EXPECT_EQ(e.second, "Invalid parameter, output already locked");
    e = Error("alice", "lockunspent", "[false, [{\"txid\": \"" + std::string(64, 'a') + "\", \"vout\": 0}]]");
    EXPECT_EQ(e.second, "Invalid parameter, unknown transaction");
    e = Error("alice", "lockunspent", "[false, [{\"txid\": \"" + coins[0].outpoint.hash.GetHex() + "\", \"vout\": 7}]]");
    EXPECT_EQ(e.second, "Invalid parameter, vout index out of bounds");
    e = Error("alice", "lockunspent", "[true, [{\"txid\": \"" + coins[1].outpoint.hash.GetHex() + "\", \"vout\": 0}]]");
    EXPECT_EQ(e.second, "Invalid parameter, expected locked output");

    // The persistent lock survives unloading and loading the wallet.
    std::string error;
    int code;
    alice.reset();
    ASSERT_TRUE(wallets->Unload("alice", &error, &code));
    alice = wallets->Load("alice", &error, &code);
    ASSERT_TRUE(alice) << error;
    ASSERT_EQ(Call("alice", "listlockunspent", "[]").size(), 1u);

    // A locked coin is never selected: 60 BTC needs both coins.
    const std::string bob_addr = NewAddress("bob");
    e = Error("alice", "walletcreatefundedpsbt", "[[], [{\"" + bob_addr + "\": 60}], 0, {\"fee_rate\": 1}]");
    EXPECT_EQ(e.second, "Insufficient funds");
    JsonValue f = Call("alice", "walletcreatefundedpsbt", "[[], [{\"" + bob_addr + "\": 10}], 0, {\"fee_rate\": 1}]");
    auto decoded = DecodeBase64Psbt(JsonGetStr(f["psbt"]));
    ASSERT_TRUE(decoded.psbt);
    EXPECT_EQ(decoded.psbt->GetUnsignedTx()->vin[0].prevout, coins[1].outpoint);

    // Changeless: paying exactly the coin minus the fee of a 1-in 1-out P2WPKH transaction (110 vB at 1 sat/vB) is a
    // Branch-and-Bound exact match, no change output.
    const Amount amount = 50 * COIN - 110;
    f = Call("alice", "walletcreatefundedpsbt", "[[], [{\"" + bob_addr + "\": " + FormatMoney(amount) + "}], 0, {\"fee_rate\": 1}]");
    EXPECT_EQ(JsonGetInt(f["changepos"]), -1);
    EXPECT_EQ(AmountFromValue(f["fee"]), 110);

    // Preset inputs: the locked coin can still be chosen by hand; without add_inputs it must cover the amount.
    const std::string in0 = "[{\"txid\": \"" + coins[0].outpoint.hash.GetHex() + "\", \"vout\": 0}]";
    e = Error("alice", "walletcreatefundedpsbt", "[" + in0 + ", [{\"" + bob_addr + "\": 60}], 0, {\"fee_rate\": 1}]");
    EXPECT_EQ(e.first, RPC_WALLET_ERROR);
    EXPECT_EQ(e.second, "The preselected coins total amount does not cover the transaction target. Please allow other inputs "
                        "to be automatically selected or include more coins manually");
    f = Call("alice", "walletcreatefundedpsbt", "[" + in0 + ", [{\"" + bob_addr + "\": 20}], 0, {\"fee_rate\": 1, \"changePosition\": 0}]");
    decoded = DecodeBase64Psbt(JsonGetStr(f["psbt"]));
    ASSERT_TRUE(decoded.psbt);
    ASSERT_EQ(decoded.psbt->GetUnsignedTx()->vin.size(), 1u);
    EXPECT_EQ(decoded.psbt->GetUnsignedTx()->vin[0].prevout, coins[0].outpoint);
    EXPECT_EQ(JsonGetInt(f["changepos"]), 0);
    EXPECT_EQ(decoded.psbt->GetUnsignedTx()->lock_time, 0u);

    EXPECT_TRUE(Call("alice", "lockunspent", "[true]").GetBool());
    EXPECT_EQ(Call("alice", "listlockunspent", "[]").size(), 0u);
    f = Call("alice", "walletcreatefundedpsbt", "[[], [{\"" + bob_addr + "\": 60}], 0, {\"fee_rate\": 1}]");
    EXPECT_GE(JsonGetInt(f["changepos"]), 0);
}

TEST_F(SpendRpcTest, FundingIsReproducibleWithAnInjectedRng)
{
    auto alice = Create("alice");
    Create("bob");
    Fund("alice", 3);
    const Script bob = ScriptFor(NewAddress("bob"));
    const Script change = ScriptFor(NewAddress("alice"));
    auto fund = [&](uint64_t seed) {
        SelectionRng rng(seed);
        FundOptions fo;
        fo.rng = &rng;
        fo.change_script = change;  // the same change script, so the transactions can be compared
        std::string error;
        auto r = alice->FundTransaction({{bob, 70 * COIN, false}}, FeeRate(3000), fo, &error);
        EXPECT_TRUE(r) << error;
        return r;
    };
    auto a = fund(7), b = fund(7);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->psbt.GetUnsignedTx()->GetHash(), b->psbt.GetUnsignedTx()->GetHash());
    EXPECT_EQ(a->fee, b->fee);
    // 70 BTC from 50 BTC coins: two inputs and change; the fee is exactly the rate times the estimated size
    // (2 x 68 vB inputs, 2 x 31 vB outputs, 11 vB overhead).
    EXPECT_EQ(a->psbt.GetUnsignedTx()->vin.size(), 2u);
    ASSERT_GE(a->change_pos, 0);
    EXPECT_EQ(a->fee, FeeRate(3000).GetFee(2 * 68 + 2 * 31 + 11));
    EXPECT_EQ(a->psbt.GetUnsignedTx()->vout[a->change_pos].value, 100 * COIN - 70 * COIN - a->fee);
}
