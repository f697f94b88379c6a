// Relay policy: fee rates, dust thresholds, standardness reasons, witness standardness, virtual size, RBF and TRUC.
#include "policy/feerate.h"
#include "policy/policy.h"
#include "policy/rbf.h"
#include "policy/truc_policy.h"
#include "util/hex.h"

#include <gtest/gtest.h>

namespace {
Script FromHex(const std::string& hex) { return Script(ParseHex(hex)); }
const Script P2PKH = FromHex("76a914751e76e8199196d454941c45d1b3a323f1433bd688ac");
const Script P2WPKH = FromHex("0014751e76e8199196d454941c45d1b3a323f1433bd6");
const Script P2SH = FromHex("a914751e76e8199196d454941c45d1b3a323f1433bd687");
const Script P2WSH = FromHex("0020" + std::string(64, 'a'));
const Script P2TR = FromHex("5120" + std::string(64, 'b'));
const Script P2A = FromHex("51024e73");

MutableTransaction Basic()
{
    MutableTransaction m;
    m.version = 2;
    TxIn in;
    in.prevout = OutPoint(uint256::FromHex(std::string(64, '1')).value(), 0);
    in.script_sig = Script();
    m.vin.push_back(in);
    m.vout.push_back(TxOut(10000, P2WPKH));
    return m;
}

std::string Reason(const MutableTransaction& m, std::optional<unsigned> datacarrier = MAX_OP_RETURN_RELAY,
                   bool bare_multisig = true)
{
    std::string reason;
    const bool ok = IsStandardTx(Transaction(m), datacarrier, bare_multisig, FeeRate(DUST_RELAY_TX_FEE), reason);
    return ok ? "ok" : reason;
}
}  // namespace

TEST(FeeRate, GetFeeRoundsUpAndKeepsSignOfNegativeRates)
{
    EXPECT_EQ(FeeRate(Amount{1000}).GetFee(250), 250);
    EXPECT_EQ(FeeRate(Amount{1}).GetFee(0), 0);
    EXPECT_EQ(FeeRate(Amount{1}).GetFee(1), 1);        // 0.001 rounds up
    EXPECT_EQ(FeeRate(Amount{1500}).GetFee(1), 2);     // 1.5 rounds up
    EXPECT_EQ(FeeRate(Amount{-1000}).GetFee(3), -3);
    EXPECT_EQ(FeeRate(Amount{-1}).GetFee(1), -1);      // never rounds a negative fee to zero
    EXPECT_EQ(FeeRate(Amount{123}, 1000).GetFeePerK(), 123);
    EXPECT_EQ(FeeRate(Amount{1}, 3).GetFeePerK(), 333);
    EXPECT_EQ(FeeRate(Amount{1000}).ToString(), "0.00001000 BTC/kvB");
    EXPECT_EQ(FeeRate(Amount{1234}).ToString(true), "1.234 sat/vB");
    EXPECT_LT(FeeRate(Amount{1}, 3), FeeRate(Amount{334}));  // exact comparison, not the rounded per-k value
    EXPECT_GT(FeeRate(Amount{1}, 3), FeeRate(Amount{333}));
}

TEST(Policy, DustThresholdsAtDefaultDustRelayFee)
{
    const FeeRate dust(DUST_RELAY_TX_FEE);
    EXPECT_EQ(GetDustThreshold(TxOut(0, P2PKH), dust), 546);
    EXPECT_EQ(GetDustThreshold(TxOut(0, P2WPKH), dust), 294);
    EXPECT_EQ(GetDustThreshold(TxOut(0, P2SH), dust), 540);
    EXPECT_EQ(GetDustThreshold(TxOut(0, P2WSH), dust), 330);
    EXPECT_EQ(GetDustThreshold(TxOut(0, P2TR), dust), 330);
    EXPECT_EQ(GetDustThreshold(TxOut(0, P2A), dust), 240);
    EXPECT_EQ(GetDustThreshold(TxOut(0, FromHex("6a0401020304")), dust), 0);  // unspendable: never dust
    EXPECT_TRUE(IsDust(TxOut(545, P2PKH), dust));
    EXPECT_FALSE(IsDust(TxOut(546, P2PKH), dust));
    EXPECT_TRUE(IsDust(TxOut(293, P2WPKH), dust));
    EXPECT_FALSE(IsDust(TxOut(294, P2WPKH), dust));
}

TEST(Policy, StandardTxReasons)
{
    EXPECT_EQ(Reason(Basic()), "ok");
    auto m = Basic();
    m.version = 0;
    EXPECT_EQ(Reason(m), "version");
    m.version = 4;
    EXPECT_EQ(Reason(m), "version");
    m.version = 3;
    EXPECT_EQ(Reason(m), "ok");

    m = Basic();
    m.vin[0].script_sig = Script(std::vector<uint8_t>{OP_DUP});
    EXPECT_EQ(Reason(m), "scriptsig-not-pushonly");
    m.vin[0].script_sig = Script(std::vector<uint8_t>(MAX_STANDARD_SCRIPTSIG_SIZE + 1, OP_1));
    EXPECT_EQ(Reason(m), "scriptsig-size");

    m = Basic();
    m.vout[0].script_pubkey = Script(std::vector<uint8_t>{OP_TRUE});
    EXPECT_EQ(Reason(m), "scriptpubkey");

    // 1-of-4 bare multisig is not standard; 1-of-2 is unless -permitbaremultisig=0.
    std::vector<std::vector<uint8_t>> keys(4, ParseHex("02" + std::string(64, '5')));
    m.vout[0] = TxOut(10000, GetScriptForMultisig(1, keys));
    EXPECT_EQ(Reason(m), "scriptpubkey");
    keys.resize(2);
    m.vout[0] = TxOut(10000, GetScriptForMultisig(1, keys));
    EXPECT_EQ(Reason(m), "ok");
    EXPECT_EQ(Reason(m, MAX_OP_RETURN_RELAY, false), "bare-multisig");

    // OP_RETURN outputs share one byte budget; several are allowed within it.
    m = Basic();
    m.vout.push_back(TxOut(0, FromHex("6a08" + std::string(16, '0'))));  // 10 bytes
    m.vout.push_back(TxOut(0, FromHex("6a08" + std::string(16, '1'))));  // 10 bytes
    EXPECT_EQ(Reason(m), "ok");
    EXPECT_EQ(Reason(m, 20), "ok");
    EXPECT_EQ(Reason(m, 19), "datacarrier");
    EXPECT_EQ(Reason(m, std::nullopt), "datacarrier");

    // One dust output is allowed (ephemeral dust), two are not.
    m = Basic();
    m.vout.push_back(TxOut(0, P2A));
    EXPECT_EQ(Reason(m), "ok");
    m.vout.push_back(TxOut(100, P2WPKH));
    EXPECT_EQ(Reason(m), "dust");

    m = Basic();
    m.vout.assign(12000, TxOut(10000, P2WPKH));  // 12000 * 31 bytes * 4 > 400000 weight
    EXPECT_EQ(Reason(m), "tx-size");
}

TEST(Policy, VirtualSizeIsSigopAdjusted)
{
    EXPECT_EQ(GetVirtualTransactionSize(400, 0, 0), 100);
    EXPECT_EQ(GetVirtualTransactionSize(401, 0, 0), 101);
    EXPECT_EQ(GetVirtualTransactionSize(400, 30, DEFAULT_BYTES_PER_SIGOP), 150);
    EXPECT_EQ(GetSigOpsAdjustedWeight(1000, 10, 20), 1000);
}

TEST(Policy, ScriptFlagSets)
{
    EXPECT_EQ(STANDARD_SCRIPT_VERIFY_FLAGS & MANDATORY_SCRIPT_VERIFY_FLAGS, MANDATORY_SCRIPT_VERIFY_FLAGS);
    EXPECT_TRUE(STANDARD_NOT_MANDATORY_VERIFY_FLAGS & SCRIPT_VERIFY_CLEANSTACK);
    EXPECT_FALSE(STANDARD_NOT_MANDATORY_VERIFY_FLAGS & SCRIPT_VERIFY_WITNESS);
    EXPECT_EQ(MAX_STANDARD_TX_SIGOPS_COST, 16000u);
}

TEST(Policy, InputStandardness)
{
    auto m = Basic();
    std::vector<Coin> spent{Coin(TxOut(1000, Script(std::vector<uint8_t>{OP_TRUE})), 1, false)};
    auto state = ValidateInputsStandardness(Transaction(m), spent);
    EXPECT_EQ(state.GetRejectReason(), "bad-txns-nonstandard-inputs");
    EXPECT_EQ(state.GetDebugMessage(), "input 0 script unknown");
    EXPECT_EQ(state.GetResult(), TxValidationResult::TX_INPUTS_NOT_STANDARD);

    spent[0].out.script_pubkey = FromHex("5220" + std::string(64, 'c'));  // witness v2
    EXPECT_EQ(ValidateInputsStandardness(Transaction(m), spent).GetDebugMessage(),
              "input 0 witness program is undefined");

    // P2SH redeem script with 16 sigops (OP_CHECKSIG x16) exceeds MAX_P2SH_SIGOPS.
    Script redeem(std::vector<uint8_t>(16, OP_CHECKSIG));
    m.vin[0].script_sig = Script();
    m.vin[0].script_sig.PushData(redeem.bytes());
    spent[0].out.script_pubkey = P2SH;
    EXPECT_EQ(ValidateInputsStandardness(Transaction(m), spent).GetDebugMessage(),
              "p2sh redeemscript sigops exceed limit (input 0: 16 > 15)");
    spent[0].out.script_pubkey = P2WPKH;
    m.vin[0].script_sig = Script();
    EXPECT_TRUE(ValidateInputsStandardness(Transaction(m), spent).IsValid());
}

TEST(Policy, WitnessStandardness)
{
    auto m = Basic();
    std::vector<Coin> spent{Coin(TxOut(1000, P2TR), 1, false)};
    m.vin[0].witness.stack = {std::vector<uint8_t>(64, 1)};
    EXPECT_TRUE(IsWitnessStandard(Transaction(m), spent));
    m.vin[0].witness.stack.push_back({ANNEX_TAG, 0});  // annex
    EXPECT_FALSE(IsWitnessStandard(Transaction(m), spent));
    // Tapscript stack items are limited to 80 bytes.
    m.vin[0].witness.stack = {std::vector<uint8_t>(81, 1), {OP_TRUE}, std::vector<uint8_t>(33, TAPROOT_LEAF_TAPSCRIPT)};
    EXPECT_FALSE(IsWitnessStandard(Transaction(m), spent));
    m.vin[0].witness.stack[0].resize(80);
    EXPECT_TRUE(IsWitnessStandard(Transaction(m), spent));
    // A witness on a non-witness output, or on pay-to-anchor, is stuffing.
    spent[0].out.script_pubkey = P2PKH;
    EXPECT_FALSE(IsWitnessStandard(Transaction(m), spent));
    spent[0].out.script_pubkey = P2A;
    EXPECT_FALSE(IsWitnessStandard(Transaction(m), spent));
    // P2WSH: at most 100 items of 80 bytes and a 3600-byte script.
    spent[0].out.script_pubkey = P2WSH;
    m.vin[0].witness.stack.assign(102, std::vector<uint8_t>(1, 1));  // 101 items plus the script
    EXPECT_FALSE(IsWitnessStandard(Transaction(m), spent));
    m.vin[0].witness.stack.assign(100, std::vector<uint8_t>(80, 1));
    m.vin[0].witness.stack.push_back(std::vector<uint8_t>(3600, OP_NOP));
    EXPECT_TRUE(IsWitnessStandard(Transaction(m), spent));
    m.vin[0].witness.stack.back().push_back(OP_NOP);
    EXPECT_FALSE(IsWitnessStandard(Transaction(m), spent));
}

TEST(Rbf, SignallingAndFeeRules)
{
    auto m = Basic();
    m.vin[0].sequence = 0xfffffffe;
    EXPECT_FALSE(SignalsOptInRBF(Transaction(m)));
    m.vin[0].sequence = 0xfffffffd;
    EXPECT_TRUE(SignalsOptInRBF(Transaction(m)));

    const uint256 txid = Transaction(m).GetHash();
    const FeeRate incremental(DEFAULT_INCREMENTAL_RELAY_FEE);
    EXPECT_FALSE(PaysForRBF(1000, 1200, 200, incremental, txid));
    auto err = PaysForRBF(1000, 999, 200, incremental, txid);
    ASSERT_TRUE(err);
    EXPECT_EQ(*err, "rejecting replacement " + txid.GetHex() + ", less fees than conflicting txs; 0.00000999 < 0.00001");
    err = PaysForRBF(1000, 1019, 200, incremental, txid);
    ASSERT_TRUE(err);
    EXPECT_EQ(*err, "rejecting replacement " + txid.GetHex() +
                        ", not enough additional fees to relay; 0.00000019 < 0.0000002");
}

TEST(Rbf, FeerateDiagramComparison)
{
    using V = std::vector<FeeSize>;
    EXPECT_TRUE(std::is_gt(CompareChunks(V{{2000, 100}}, V{{1000, 100}})));
    EXPECT_TRUE(std::is_lt(CompareChunks(V{{1000, 100}}, V{{2000, 100}})));
    EXPECT_TRUE(std::is_eq(CompareChunks(V{{1000, 100}}, V{{1000, 100}})));
    // Higher total fee but worse at the start: incomparable.
    EXPECT_EQ(CompareChunks(V{{500, 100}, {2000, 1000}}, V{{1000, 100}}), std::partial_ordering::unordered);
    // Same fee in less space is better.
    EXPECT_TRUE(std::is_gt(CompareChunks(V{{1000, 50}}, V{{1000, 100}})));
}

TEST(Truc, TopologyRules)
{
    auto child = Basic();
    child.version = 3;
    const Transaction tx(child);
    TrucParentInfo parent;
    parent.txid = uint256::FromHex(std::string(64, '1')).value();
    parent.version = 2;
    auto err = SingleTRUCChecks(tx, {parent}, {}, 100);
    ASSERT_TRUE(err);
    EXPECT_NE(err->first.find("cannot spend from non-version=3 tx"), std::string::npos);

    parent.version = 3;
    EXPECT_FALSE(SingleTRUCChecks(tx, {parent}, {}, 100));
    err = SingleTRUCChecks(tx, {parent}, {}, 1001);
    ASSERT_TRUE(err);
    EXPECT_NE(err->first.find("version=3 child tx"), std::string::npos);
    EXPECT_NE(err->first.find("is too big: 1001 > 1000 virtual bytes"), std::string::npos);
    EXPECT_TRUE(SingleTRUCChecks(tx, {}, {}, 10001));

    // A second child: the existing one (no other ancestors) may be evicted; unless it is being replaced.
    const uint256 sibling = uint256::FromHex(std::string(64, '2')).value();
    parent.descendant_count = 2;
    parent.descendant_txids = {sibling};
    parent.first_descendant_ancestor_count = 2;
    err = SingleTRUCChecks(tx, {parent}, {}, 100);
    ASSERT_TRUE(err);
    EXPECT_NE(err->first.find("would exceed descendant count limit"), std::string::npos);
    ASSERT_TRUE(err->second);
    EXPECT_EQ(*err->second, sibling);
    EXPECT_FALSE(SingleTRUCChecks(tx, {parent}, {sibling}, 100));

    // Grandparent in the pool: too many ancestors.
    parent.descendant_count = 1;
    parent.descendant_txids.clear();
    parent.ancestor_count = 2;
    err = SingleTRUCChecks(tx, {parent}, {}, 100);
    ASSERT_TRUE(err);
    EXPECT_NE(err->first.find("would have too many ancestors"), std::string::npos);

    // Non-TRUC child of a TRUC parent.
    child.version = 2;
    err = SingleTRUCChecks(Transaction(child), {parent}, {}, 100);
    ASSERT_TRUE(err);
    EXPECT_EQ(err->first.rfind("non-version=3 tx", 0), 0u);
}
