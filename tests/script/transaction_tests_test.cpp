// Core's tx_valid.json and tx_invalid.json run as transaction_tests.cpp does: CheckTransaction, every input's
// VerifyScript, and the checks that the listed flags are maximal (tx_valid) or minimal (tx_invalid).
#include "consensus/tx_check.h"
#include "primitives/transaction.h"
#include "script/interpreter.h"
#include "script/script_asm.h"
#include "testutil/vectors.h"
#include "util/hex.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

namespace {

// Every named flag, as Core's mapFlagNames (alphabetical order, as std::map iterates it).
const std::map<std::string, uint32_t>& FlagMap()
{
    static const std::map<std::string, uint32_t> map = [] {
        std::map<std::string, uint32_t> m;
        for (uint32_t bit = 1; bit < SCRIPT_VERIFY_END_MARKER; bit <<= 1) m[FormatScriptFlags(bit)] = bit;
        return m;
    }();
    return map;
}

constexpr uint32_t ALL_FLAG_BITS = (uint32_t(SCRIPT_VERIFY_END_MARKER) - 1) * 2 - 1;

/** WITNESS needs P2SH and CLEANSTACK needs WITNESS: drop what lacks its prerequisite. */
uint32_t TrimFlags(uint32_t flags)
{
    if (!(flags & SCRIPT_VERIFY_P2SH)) flags &= ~SCRIPT_VERIFY_WITNESS;
    if (!(flags & SCRIPT_VERIFY_WITNESS)) flags &= ~SCRIPT_VERIFY_CLEANSTACK;
    return flags;
}

/** The other way round: add the prerequisites. */
uint32_t FillFlags(uint32_t flags)
{
    if (flags & SCRIPT_VERIFY_CLEANSTACK) flags |= SCRIPT_VERIFY_WITNESS;
    if (flags & SCRIPT_VERIFY_WITNESS) flags |= SCRIPT_VERIFY_P2SH;
    return flags;
}

std::set<uint32_t> ExcludeIndividualFlags(uint32_t flags)
{
    std::set<uint32_t> combos;
    for (const auto& [name, flag] : FlagMap()) {
        const uint32_t without = TrimFlags(flags & ~flag);
        if (without != flags) combos.insert(without);
    }
    return combos;
}

struct TxCase {
    std::map<OutPoint, Script> scripts;
    std::map<OutPoint, Amount> values;
    std::optional<Transaction> tx;
};

/** Parses a row's prevouts and transaction; returns an error text on a malformed row. */
std::string ParseCase(const nlohmann::json& test, TxCase& out)
{
    if (test.size() != 3 || !test[1].is_string() || !test[2].is_string()) return "bad row shape";
    for (const auto& input : test[0]) {
        if (!input.is_array() || input.size() < 3 || input.size() > 4) return "bad input";
        auto hash = uint256::FromHex(input[0].get<std::string>());
        if (!hash) return "bad prevout hash";
        const OutPoint prevout(*hash, uint32_t(input[1].get<int>()));
        std::string error;
        auto script = ParseScript(input[2].get<std::string>(), &error);
        if (!script) return "bad scriptPubKey: " + error;
        out.scripts[prevout] = *script;
        if (input.size() >= 4) out.values[prevout] = input[3].get<int64_t>();
    }
    auto bytes = TryParseHex(test[1].get<std::string>());
    if (!bytes) return "bad tx hex";
    auto decoded = DecodeTransaction(*bytes);
    if (!decoded) return "tx does not decode: " + decoded.error;
    out.tx.emplace(std::move(*decoded));
    return "";
}

/** Core's CheckTxScripts: true when the scripts' verdict matches expect_valid. */
bool CheckTxScripts(const TxCase& c, uint32_t flags, const PrecomputedTransactionData& txdata, bool expect_valid)
{
    const Transaction& tx = *c.tx;
    bool tx_valid = true;
    ScriptError err = expect_valid ? SCRIPT_ERR_UNKNOWN_ERROR : SCRIPT_ERR_OK;
    for (unsigned int i = 0; i < tx.vin.size() && tx_valid; ++i) {
        const TxIn& input = tx.vin[i];
        auto spk = c.scripts.find(input.prevout);
        if (spk == c.scripts.end()) return false;  // the row lacks this prevout: a bad test
        auto value = c.values.find(input.prevout);
        const Amount amount = value == c.values.end() ? 0 : value->second;
        TransactionSignatureChecker checker(&tx, i, amount, txdata, MissingDataBehavior::ASSERT_FAIL);
        tx_valid = VerifyScript(input.script_sig, spk->second, &input.witness, flags, checker, &err);
        if (expect_valid) {
            if (!tx_valid || err != SCRIPT_ERR_OK) return false;
            err = SCRIPT_ERR_UNKNOWN_ERROR;
        }
    }
    if (!expect_valid) return !tx_valid && err != SCRIPT_ERR_OK;
    return tx_valid;
}

}  // namespace

TEST(TransactionTests, TxValidVectors)
{
    const nlohmann::json tests = ReadVectorJson("bitcoin-core/tx_valid.json");
    std::mt19937_64 rng(0x7a11d);
    size_t total = 0, passed = 0;
    for (const auto& test : tests) {
        if (test.empty() || !test[0].is_array()) continue;  // comment row
        ++total;
        const std::string str_test = test.dump();
        TxCase c;
        const std::string error = ParseCase(test, c);
        if (!error.empty()) {
            ADD_FAILURE() << error << ": " << str_test;
            continue;
        }
        bool ok = true;
        auto fail = [&](const std::string& why) {
            ok = false;
            ADD_FAILURE() << why << ": " << str_test;
        };
        TxValidationState state;
        if (!CheckTransaction(*c.tx, state) || !state.IsValid()) fail("CheckTransaction failed (" + state.GetRejectReason() + ")");

        const PrecomputedTransactionData txdata(*c.tx);
        const auto parsed = ParseScriptFlags(test[2].get<std::string>());
        if (!parsed) {
            fail("unknown flag");
            continue;
        }
        const uint32_t excluded = *parsed;
        if (~excluded != FillFlags(~excluded)) fail("bad test flags");
        if (!CheckTxScripts(c, ~excluded, txdata, true)) fail("tx unexpectedly failed");

        // Removing any flag(s) must not invalidate a valid transaction.
        for (const auto& [name, flag] : FlagMap()) {
            if (!CheckTxScripts(c, TrimFlags(~(excluded | flag)), txdata, true)) fail("failed with " + name + " unset");
            const uint32_t random = uint32_t(rng()) & ALL_FLAG_BITS;
            if (!CheckTxScripts(c, TrimFlags(~(excluded | random)), txdata, true)) {
                fail("failed with random flags " + FormatScriptFlags(TrimFlags(~(excluded | random))));
            }
        }
        // The excluded set is maximal: setting any excluded flag again makes the transaction fail.
        for (uint32_t excluding_one : ExcludeIndividualFlags(excluded)) {
            if (!CheckTxScripts(c, ~excluding_one, txdata, false)) fail("too many flags unset");
        }
        if (ok) ++passed;
    }
    ReportVectorCount("tx_valid.json", passed, total);
    EXPECT_EQ(total, 121U);
    EXPECT_EQ(passed, total);
}

TEST(TransactionTests, TxInvalidVectors)
{
    const nlohmann::json tests = ReadVectorJson("bitcoin-core/tx_invalid.json");
    std::mt19937_64 rng(0x1a7a11d);
    size_t total = 0, passed = 0, badtx = 0;
    for (const auto& test : tests) {
        if (test.empty() || !test[0].is_array()) continue;  // comment row
        ++total;
        const std::string str_test = test.dump();
        TxCase c;
        const std::string error = ParseCase(test, c);
        if (!error.empty()) {
            ADD_FAILURE() << error << ": " << str_test;
            continue;
        }
        TxValidationState state;
        if (!CheckTransaction(*c.tx, state) || state.IsInvalid()) {
            if (test[2].get<std::string>() == "BADTX") {
                ++passed;
                ++badtx;
            } else {
                ADD_FAILURE() << "CheckTransaction failed (" << state.GetRejectReason() << "): " << str_test;
            }
            continue;
        }
        bool ok = true;
        auto fail = [&](const std::string& why) {
            ok = false;
            ADD_FAILURE() << why << ": " << str_test;
        };
        const auto parsed = ParseScriptFlags(test[2].get<std::string>());
        if (!parsed) {
            fail("unknown flag (a BADTX row that passed CheckTransaction?)");
            continue;
        }
        const PrecomputedTransactionData txdata(*c.tx);
        const uint32_t flags = *parsed;
        if (flags != FillFlags(flags)) fail("bad test flags");
        if (!CheckTxScripts(c, flags, txdata, false)) fail("tx unexpectedly passed");

        // Adding any flag(s) must not validate an invalid transaction.
        for (const auto& [name, flag] : FlagMap()) {
            if (!CheckTxScripts(c, FillFlags(flags | flag), txdata, false)) fail("passed with " + name + " set");
            const uint32_t random = uint32_t(rng()) & ALL_FLAG_BITS;
            if (!CheckTxScripts(c, FillFlags(flags | random), txdata, false)) {
                fail("passed with random flags " + FormatScriptFlags(FillFlags(flags | random)));
            }
        }
        // The flags are minimal: dropping any one of them makes the transaction pass.
        for (uint32_t excluding_one : ExcludeIndividualFlags(flags)) {
            if (!CheckTxScripts(c, excluding_one, txdata, true)) fail("too many flags set");
        }
        if (ok) ++passed;
    }
    ReportVectorCount("tx_invalid.json", passed, total);
    std::printf("tx_invalid.json: %zu BADTX rows rejected by CheckTransaction\n", badtx);
    EXPECT_EQ(total, 93U);
    EXPECT_EQ(passed, total);
}
