// CheckTransaction: each of Core's reject reasons triggered by a crafted transaction, and legacy sigop
// counting.
#include "consensus/tx_check.h"
#include "consensus/consensus.h"
#include "testutil/vectors.h"

#include <gtest/gtest.h>

namespace {
uint256 Hash(uint8_t fill) {
    uint256 h;
    std::fill(h.begin(), h.end(), fill);
    return h;
}

/** A plain valid spend: one input, one output. */
MutableTransaction ValidSpend() {
    MutableTransaction tx;
    tx.vin.resize(1);
    tx.vin[0].prevout = OutPoint(Hash(1), 0);
    tx.vin[0].script_sig = Script(std::vector<uint8_t>{OP_1});
    tx.vout.emplace_back(50 * COIN, Script(std::vector<uint8_t>{OP_TRUE}));
    return tx;
}

MutableTransaction ValidCoinbase() {
    MutableTransaction tx;
    tx.vin.resize(1);  // null prevout by default
    tx.vin[0].script_sig = Script(std::vector<uint8_t>{0x01, 0x01});
    tx.vout.emplace_back(50 * COIN, Script(std::vector<uint8_t>{OP_TRUE}));
    return tx;
}

std::string Reason(const MutableTransaction& mtx) {
    TxValidationState state;
    const bool ok = CheckTransaction(Transaction(mtx), state);
    EXPECT_EQ(ok, state.IsValid());
    if (ok) return "ok";
    EXPECT_TRUE(state.IsInvalid());
    EXPECT_EQ(state.GetResult(), TxValidationResult::TX_CONSENSUS);
    return state.GetRejectReason();
}
}  // namespace

TEST(CheckTransaction, AcceptsPlainSpendAndCoinbase) {
    EXPECT_EQ(Reason(ValidSpend()), "ok");
    EXPECT_EQ(Reason(ValidCoinbase()), "ok");
}

TEST(CheckTransaction, RejectsEmptyInputs) {
    auto tx = ValidSpend();
    tx.vin.clear();
    EXPECT_EQ(Reason(tx), "bad-txns-vin-empty");
    tx.vout.clear();  // vin is checked first
    EXPECT_EQ(Reason(tx), "bad-txns-vin-empty");
}

TEST(CheckTransaction, RejectsEmptyOutputs) {
    auto tx = ValidSpend();
    tx.vout.clear();
    EXPECT_EQ(Reason(tx), "bad-txns-vout-empty");
}

TEST(CheckTransaction, RejectsOversizeByStrippedSizeOnly) {
    auto tx = ValidSpend();
    // Stripped size just above MAX_BLOCK_WEIGHT / 4 bytes.
    const size_t base = Transaction(tx).GetStrippedSize();
    const size_t limit = MAX_BLOCK_WEIGHT / WITNESS_SCALE_FACTOR;
    // Replacing the 1-byte script: the tx grows by pad - 1 bytes of script and 4 bytes of CompactSize prefix
    // (0xfe).
    const size_t pad = limit + 1 - base - 3;
    tx.vout[0].script_pubkey = Script(std::vector<uint8_t>(pad, OP_NOP));
    ASSERT_EQ(Transaction(tx).GetStrippedSize(), limit + 1);
    EXPECT_EQ(Reason(tx), "bad-txns-oversize");
    tx.vout[0].script_pubkey = Script(std::vector<uint8_t>(pad - 1, OP_NOP));
    ASSERT_EQ(Transaction(tx).GetStrippedSize(), limit);
    EXPECT_EQ(Reason(tx), "ok");
    // A large witness does not count towards this limit.
    tx.vin[0].witness.stack.push_back(std::vector<uint8_t>(100000, 1));
    EXPECT_EQ(Reason(tx), "ok");
}

TEST(CheckTransaction, RejectsNegativeOutput) {
    auto tx = ValidSpend();
    tx.vout[0].value = -1;
    EXPECT_EQ(Reason(tx), "bad-txns-vout-negative");
    tx.vout[0].value = 0;  // zero is allowed
    EXPECT_EQ(Reason(tx), "ok");
}

TEST(CheckTransaction, RejectsOutputAboveMaxMoney) {
    auto tx = ValidSpend();
    tx.vout[0].value = MAX_MONEY + 1;
    EXPECT_EQ(Reason(tx), "bad-txns-vout-toolarge");
    tx.vout[0].value = MAX_MONEY;
    EXPECT_EQ(Reason(tx), "ok");
}

TEST(CheckTransaction, RejectsOutputTotalAboveMaxMoney) {
    auto tx = ValidSpend();
    tx.vout[0].value = MAX_MONEY;
    tx.vout.emplace_back(1, Script());
    EXPECT_EQ(Reason(tx), "bad-txns-txouttotal-toolarge");
    tx.vout[1].value = 0;
    EXPECT_EQ(Reason(tx), "ok");
}

TEST(CheckTransaction, RejectsDuplicateInputs) {
    auto tx = ValidSpend();
    tx.vin.push_back(tx.vin[0]);
    EXPECT_EQ(Reason(tx), "bad-txns-inputs-duplicate");
    tx.vin[1].prevout.n = 1;  // same txid, other index: fine
    EXPECT_EQ(Reason(tx), "ok");
    // Duplicates that are not adjacent are found too.
    tx.vin.push_back(tx.vin[0]);
    tx.vin[2].script_sig = Script();
    EXPECT_EQ(Reason(tx), "bad-txns-inputs-duplicate");
}

TEST(CheckTransaction, RejectsCoinbaseScriptLengthOutside2To100) {
    auto tx = ValidCoinbase();
    tx.vin[0].script_sig = Script(std::vector<uint8_t>(1, 0x51));
    EXPECT_EQ(Reason(tx), "bad-cb-length");
    tx.vin[0].script_sig = Script(std::vector<uint8_t>(101, 0x51));
    EXPECT_EQ(Reason(tx), "bad-cb-length");
    tx.vin[0].script_sig = Script(std::vector<uint8_t>(2, 0x51));
    EXPECT_EQ(Reason(tx), "ok");
    tx.vin[0].script_sig = Script(std::vector<uint8_t>(100, 0x51));
    EXPECT_EQ(Reason(tx), "ok");
}

TEST(CheckTransaction, RejectsNullPrevoutOutsideCoinbase) {
    auto tx = ValidSpend();
    tx.vin.emplace_back();  // null prevout as the second input: not a coinbase
    EXPECT_EQ(Reason(tx), "bad-txns-prevout-null");
}

TEST(CheckTransaction, DebugMessageAndToString) {
    TxValidationState state;
    EXPECT_EQ(state.ToString(), "Valid");
    auto tx = ValidSpend();
    tx.vin.clear();
    EXPECT_FALSE(CheckTransaction(Transaction(tx), state));
    EXPECT_EQ(state.ToString(), "bad-txns-vin-empty");
    EXPECT_EQ(state.GetDebugMessage(), "");
    BlockValidationState bstate;
    EXPECT_FALSE(bstate.Invalid(BlockValidationResult::BLOCK_CONSENSUS, "r", "d"));
    EXPECT_EQ(bstate.ToString(), "r, d");
    EXPECT_FALSE(bstate.Error("e"));
    EXPECT_TRUE(bstate.IsError());
    EXPECT_EQ(bstate.GetRejectReason(), "r");  // Error keeps the first reason
}

TEST(GetLegacySigOpCount, CountsScriptSigsAndOutputsInaccurately) {
    auto tx = ValidSpend();
    tx.vin[0].script_sig = Script(std::vector<uint8_t>{OP_CHECKSIG});
    tx.vout[0].script_pubkey = Script(std::vector<uint8_t>{OP_2, OP_CHECKMULTISIG, OP_CHECKSIGVERIFY});
    // CHECKMULTISIG counts as 20 when not accurate.
    EXPECT_EQ(GetLegacySigOpCount(Transaction(tx)), 1u + 20u + 1u);
}

namespace {
/** Runs CheckTransaction over Core's tx_valid/tx_invalid rows; returns reasons of the failures, in file
 * order. */
std::vector<std::string> CheckRows(const std::string& file, size_t& rows, size_t& badtx, bool& all_decoded) {
    std::vector<std::string> reasons;
    rows = badtx = 0;
    all_decoded = true;
    for (const auto& row : ReadVectorJson("bitcoin-core/" + file)) {
        if (row.size() == 1) continue;  // comment
        ++rows;
        auto mtx = DecodeTransaction(ParseHex(row[1].get<std::string>()), /*try_no_witness=*/false,
                                     /*try_witness=*/true);
        if (!mtx) {
            all_decoded = false;
            continue;
        }
        const bool is_badtx = row[2] == "BADTX";
        badtx += is_badtx;
        TxValidationState state;
        const bool ok = CheckTransaction(Transaction(*mtx), state);
        // Core: CheckTransaction fails exactly for the rows marked BADTX.
        EXPECT_EQ(ok, !is_badtx) << row.dump();
        if (!ok) reasons.push_back(state.GetRejectReason());
    }
    return reasons;
}
}  // namespace

TEST(CheckTransaction, CoreTxValidVectorsPass) {
    size_t rows, badtx;
    bool all_decoded;
    const auto reasons = CheckRows("tx_valid.json", rows, badtx, all_decoded);
    EXPECT_TRUE(all_decoded);
    EXPECT_EQ(rows, 121u);
    EXPECT_EQ(badtx, 0u);
    EXPECT_TRUE(reasons.empty());
    ReportVectorCount("tx_valid.json (CheckTransaction)", rows - reasons.size(), rows);
}

TEST(CheckTransaction, CoreTxInvalidVectorsFailExactlyForBadtx) {
    size_t rows, badtx;
    bool all_decoded;
    const auto reasons = CheckRows("tx_invalid.json", rows, badtx, all_decoded);
    EXPECT_TRUE(all_decoded);
    EXPECT_EQ(rows, 93u);
    EXPECT_EQ(badtx, 9u);
    // The reasons the file's comments describe, in order.
    const std::vector<std::string> expect = {"bad-txns-vout-empty",
                                             "bad-txns-vout-negative",
                                             "bad-txns-vout-toolarge",
                                             "bad-txns-txouttotal-toolarge",
                                             "bad-txns-inputs-duplicate",
                                             "bad-cb-length",
                                             "bad-cb-length",
                                             "bad-txns-prevout-null",
                                             "bad-txns-prevout-null"};
    EXPECT_EQ(reasons, expect);
    size_t passed = 0;
    for (size_t i = 0; i < std::min(reasons.size(), expect.size()); ++i) passed += reasons[i] == expect[i];
    ReportVectorCount("tx_invalid.json (CheckTransaction BADTX reasons)", passed, badtx);
}
