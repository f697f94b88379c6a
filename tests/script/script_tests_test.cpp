// Core's script_tests.json run as script_tests.cpp's script_json_test: exact result and ScriptError per row,
// plus the flag monotonicity check.
#include "crypto/hash.h"
#include "crypto/pubkey.h"
#include "primitives/transaction.h"
#include "script/interpreter.h"
#include "script/script_asm.h"
#include "script/script_error.h"
#include "testutil/vectors.h"
#include "util/hex.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace {

MutableTransaction BuildCreditingTransaction(const Script& script_pubkey, Amount value)
{
    MutableTransaction tx;
    tx.version = 1;
    tx.lock_time = 0;
    tx.vin.resize(1);
    tx.vout.resize(1);
    tx.vin[0].prevout = OutPoint();
    Script sig;
    sig.PushInt(0).PushInt(0);
    tx.vin[0].script_sig = sig;
    tx.vin[0].sequence = TxIn::SEQUENCE_FINAL;
    tx.vout[0].script_pubkey = script_pubkey;
    tx.vout[0].value = value;
    return tx;
}

MutableTransaction BuildSpendingTransaction(const Script& script_sig, const ScriptWitness& witness,
                                            const Transaction& credit)
{
    MutableTransaction tx;
    tx.version = 1;
    tx.lock_time = 0;
    tx.vin.resize(1);
    tx.vout.resize(1);
    tx.vin[0].witness = witness;
    tx.vin[0].prevout = OutPoint(credit.GetHash(), 0);
    tx.vin[0].script_sig = script_sig;
    tx.vin[0].sequence = TxIn::SEQUENCE_FINAL;
    tx.vout[0].script_pubkey = Script();
    tx.vout[0].value = credit.vout[0].value;
    return tx;
}

// x-only public key of private key 1 (the generator G): the internal key of script_tests' taproot outputs.
const char* INTERNAL_KEY_HEX = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";

struct TaprootLeaf {
    std::vector<uint8_t> control;
    Script output;
};

/** A one-leaf (depth 0) tapscript tree over the internal key G, as Core's TaprootBuilder builds it. */
std::optional<TaprootLeaf> BuildSingleLeaf(const std::vector<uint8_t>& script)
{
    const XOnlyPubKey internal(*TryParseHex(INTERNAL_KEY_HEX));
    const uint256 leaf = ComputeTapleafHash(TAPROOT_LEAF_TAPSCRIPT, script);
    auto tweaked = internal.CreateTapTweak(&leaf);
    if (!tweaked) return std::nullopt;
    TaprootLeaf out;
    out.control.assign(TAPROOT_CONTROL_BASE_SIZE, 0);
    out.control[0] = TAPROOT_LEAF_TAPSCRIPT | (tweaked->second ? 1 : 0);
    std::copy(internal.begin(), internal.end(), out.control.begin() + 1);
    out.output << OP_1;
    out.output.PushData(std::span<const uint8_t>(tweaked->first.begin(), tweaked->first.end()));
    return out;
}

bool RunVerify(const Script& sig, const Script& spk, const ScriptWitness& witness, uint32_t flags,
               const MutableTransaction& spend, Amount amount, ScriptError& err)
{
    MutableTransactionSignatureChecker checker(&spend, 0, amount, MissingDataBehavior::ASSERT_FAIL);
    return VerifyScript(sig, spk, &witness, flags, checker, &err);
}

}  // namespace

TEST(ScriptTests, ScriptJsonVectors)
{
    const nlohmann::json tests = ReadVectorJson("bitcoin-core/script_tests.json");
    std::mt19937_64 rng(0x5eed5c71);  // fixed seed: the monotonicity sample is reproducible
    const uint32_t all_flag_bits = SCRIPT_VERIFY_END_MARKER - 1;
    const uint32_t flag_space = (all_flag_bits << 1) - 1;  // every defined flag bit
    size_t total = 0, passed = 0;

    for (const auto& test : tests) {
        const std::string str_test = test.dump();
        ScriptWitness witness;
        std::optional<TaprootLeaf> taproot;
        Amount value = 0;
        size_t pos = 0;
        if (!test.empty() && test[0].is_array()) {
            const auto& wit = test[0];
            size_t i = 0;
            for (; i + 1 < wit.size(); ++i) {
                const std::string element = wit[i].get<std::string>();
                static const std::string SCRIPT_FLAG{"#SCRIPT#"};
                if (element.starts_with(SCRIPT_FLAG)) {
                    auto script = ParseScript(element.substr(SCRIPT_FLAG.size()));
                    ASSERT_TRUE(script) << str_test;
                    witness.stack.push_back(script->bytes());
                } else if (element == "#CONTROLBLOCK#") {
                    ASSERT_FALSE(witness.stack.empty()) << str_test;
                    taproot = BuildSingleLeaf(witness.stack.back());
                    ASSERT_TRUE(taproot) << str_test;
                    witness.stack.push_back(taproot->control);
                } else {
                    auto bytes = TryParseHex(element);
                    if (!bytes && element.empty()) bytes = Bytes{};
                    ASSERT_TRUE(bytes) << "witness is not hex: " << str_test;
                    witness.stack.push_back(*bytes);
                }
            }
            value = std::llround(wit[i].get<double>() * 1e8);
            ++pos;
        }
        if (test.size() < 4 + pos) {
            EXPECT_EQ(test.size(), 1U) << "bad test: " << str_test;
            continue;
        }
        ++total;
        std::string parse_error;
        auto script_sig = ParseScript(test[pos++].get<std::string>(), &parse_error);
        ASSERT_TRUE(script_sig) << parse_error << ": " << str_test;
        const std::string spk_text = test[pos++].get<std::string>();
        Script script_pubkey;
        if (spk_text == "0x51 0x20 #TAPROOTOUTPUT#") {
            ASSERT_TRUE(taproot) << "no taproot tree to build the output from: " << str_test;
            script_pubkey = taproot->output;
        } else {
            auto spk = ParseScript(spk_text, &parse_error);
            ASSERT_TRUE(spk) << parse_error << ": " << str_test;
            script_pubkey = *spk;
        }
        const auto parsed_flags = ParseScriptFlags(test[pos++].get<std::string>());
        ASSERT_TRUE(parsed_flags) << str_test;
        const ScriptError expected_error = ParseScriptErrorName(test[pos++].get<std::string>());
        ASSERT_NE(expected_error, SCRIPT_ERR_ERROR_COUNT) << str_test;

        uint32_t flags = *parsed_flags;
        const bool expect = expected_error == SCRIPT_ERR_OK;
        if (flags & SCRIPT_VERIFY_CLEANSTACK) flags |= SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_WITNESS;

        const Transaction credit(BuildCreditingTransaction(script_pubkey, value));
        const MutableTransaction spend = BuildSpendingTransaction(*script_sig, witness, credit);
        ScriptError err = SCRIPT_ERR_UNKNOWN_ERROR;
        const bool result = RunVerify(*script_sig, script_pubkey, witness, flags, spend, credit.vout[0].value, err);
        bool ok = true;
        if (result != expect || err != expected_error) {
            ok = false;
            ADD_FAILURE() << ScriptErrorName(err) << " where " << ScriptErrorName(expected_error)
                          << " expected: " << str_test;
        }

        // Removing flags from a passing test, or adding flags to a failing one, must not change the result.
        for (int i = 0; i < 256 && ok; ++i) {
            const uint32_t extra = uint32_t(rng()) & flag_space;
            const uint32_t combined = expect ? (flags & ~extra) : (flags | extra);
            if ((combined & SCRIPT_VERIFY_CLEANSTACK) &&
                (~combined & (SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_WITNESS))) {
                continue;
            }
            if ((combined & SCRIPT_VERIFY_WITNESS) && (~combined & SCRIPT_VERIFY_P2SH)) continue;
            ScriptError err2;
            if (RunVerify(*script_sig, script_pubkey, witness, combined, spend, credit.vout[0].value, err2) != expect) {
                ok = false;
                ADD_FAILURE() << "monotonicity broken with flags " << FormatScriptFlags(combined) << ": " << str_test;
            }
        }
        if (ok) ++passed;
    }
    ReportVectorCount("script_tests.json", passed, total);
    EXPECT_EQ(total, 1233U);
    EXPECT_EQ(passed, total);
}

TEST(ScriptTests, ErrorNamesRoundTrip)
{
    for (int e = 0; e < SCRIPT_ERR_ERROR_COUNT; ++e) {
        const auto err = static_cast<ScriptError>(e);
        EXPECT_EQ(ParseScriptErrorName(ScriptErrorName(err)), err) << ScriptErrorName(err);
        if (err != SCRIPT_ERR_UNKNOWN_ERROR) {
            EXPECT_NE(ScriptErrorString(err), "unknown error");
        }
    }
    EXPECT_EQ(ScriptErrorName(SCRIPT_ERR_SIG_NULLFAIL), "NULLFAIL");
    EXPECT_EQ(ScriptErrorString(SCRIPT_ERR_EVAL_FALSE),
              "Script evaluated without error but finished with a false/empty top stack element");
    EXPECT_EQ(ParseScriptErrorName("NO_SUCH_ERROR"), SCRIPT_ERR_ERROR_COUNT);
}

TEST(ScriptTests, FlagNamesRoundTrip)
{
    const uint32_t all = SCRIPT_VERIFY_END_MARKER * 2 - 1 - SCRIPT_VERIFY_END_MARKER;
    auto parsed = ParseScriptFlags(FormatScriptFlags(all));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, all);
    EXPECT_EQ(ParseScriptFlags(""), 0U);
    EXPECT_EQ(ParseScriptFlags("NONE"), 0U);
    EXPECT_FALSE(ParseScriptFlags("P2SH,BOGUS"));
    EXPECT_EQ(FormatScriptFlags(SCRIPT_VERIFY_WITNESS | SCRIPT_VERIFY_P2SH), "P2SH,WITNESS");
}

TEST(ScriptTests, PushDataVariantsAgree)
{
    // Direct push, PUSHDATA1, PUSHDATA2 and PUSHDATA4 of one byte leave the same stack.
    const std::vector<std::vector<uint8_t>> scripts{
        {1, 0x5a}, {OP_PUSHDATA1, 1, 0x5a}, {OP_PUSHDATA2, 1, 0, 0x5a}, {OP_PUSHDATA4, 1, 0, 0, 0, 0x5a}};
    ScriptStack reference;
    for (const auto& bytes : scripts) {
        ScriptStack stack;
        ScriptError err;
        EXPECT_TRUE(EvalScript(stack, Script(bytes), SCRIPT_VERIFY_P2SH, BaseSignatureChecker(), SigVersion::BASE, &err));
        EXPECT_EQ(err, SCRIPT_ERR_OK);
        if (reference.empty()) reference = stack;
        EXPECT_EQ(stack, reference);
    }
}

TEST(ScriptTests, FindAndDeleteCases)
{
    // Cases from Core's script_FindAndDelete test.
    auto run = [](const std::string& script_hex, const std::string& del_hex, const std::string& expect_hex, int n) {
        Script s(*TryParseHex(script_hex));
        Script d(*TryParseHex(del_hex));
        EXPECT_EQ(FindAndDelete(s, d), n) << script_hex;
        EXPECT_EQ(HexStr(s.bytes()), expect_hex) << script_hex;
    };
    run("0302ff030302ff03", "0302ff03", "", 2);
    run("0302ff030302ff03", "02", "0302ff030302ff03", 0);
    run("0302ff030302ff03", "ff", "0302ff030302ff03", 0);
    run("0302ff030302ff03", "03", "02ff0302ff03", 2);
    run("0003feed", "03feed", "00", 1);
    run("0003feed", "00", "03feed", 1);
    run("02feed51", "feed51", "02feed51", 0);  // not at an opcode boundary
    run("ababab", "ab", "", 3);
}

TEST(ScriptTests, Bip341KeyPathSpendsVerify)
{
    // The signed inputs of BIP341's keyPathSpending vector must pass VerifyScript (key path, SIGHASH_DEFAULT and
    // explicit hash types), and fail with SCHNORR_SIG once the signature is altered.
    const nlohmann::json vectors = ReadVectorJson("bitcoin-core/bip341_wallet_vectors.json");
    const uint32_t flags = SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_WITNESS | SCRIPT_VERIFY_TAPROOT | SCRIPT_VERIFY_STRICTENC |
                           SCRIPT_VERIFY_DERSIG | SCRIPT_VERIFY_LOW_S | SCRIPT_VERIFY_NULLFAIL |
                           SCRIPT_VERIFY_CLEANSTACK | SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE;
    size_t checked = 0;
    for (const auto& spending : vectors["keyPathSpending"]) {
        auto decoded = DecodeTransaction(*TryParseHex(spending["auxiliary"]["fullySignedTx"].get<std::string>()));
        ASSERT_TRUE(decoded) << decoded.error;
        const Transaction tx(*decoded);
        std::vector<TxOut> spent;
        for (const auto& utxo : spending["given"]["utxosSpent"]) {
            spent.emplace_back(utxo["amountSats"].get<int64_t>(), Script(*TryParseHex(utxo["scriptPubKey"].get<std::string>())));
        }
        ASSERT_EQ(spent.size(), tx.vin.size());
        PrecomputedTransactionData txdata;
        txdata.Init(tx, std::vector<TxOut>(spent));
        for (const auto& input : spending["inputSpending"]) {
            const unsigned int n = input["given"]["txinIndex"].get<unsigned int>();
            const TxIn& in = tx.vin[n];
            ScriptError err;
            TransactionSignatureChecker checker(&tx, n, spent[n].value, txdata, MissingDataBehavior::FAIL);
            EXPECT_TRUE(VerifyScript(in.script_sig, spent[n].script_pubkey, &in.witness, flags, checker, &err)) << n;
            EXPECT_EQ(err, SCRIPT_ERR_OK) << ScriptErrorName(err);

            ScriptWitness bad = in.witness;
            bad.stack[0][5] ^= 1;
            EXPECT_FALSE(VerifyScript(in.script_sig, spent[n].script_pubkey, &bad, flags, checker, &err));
            EXPECT_EQ(err, SCRIPT_ERR_SCHNORR_SIG) << ScriptErrorName(err);

            // A 65-byte signature whose hash type byte is 0 is invalid (BIP341).
            ScriptWitness zero_type = in.witness;
            zero_type.stack[0].resize(64);
            zero_type.stack[0].push_back(0);
            EXPECT_FALSE(VerifyScript(in.script_sig, spent[n].script_pubkey, &zero_type, flags, checker, &err));
            EXPECT_EQ(err, SCRIPT_ERR_SCHNORR_SIG_HASHTYPE) << ScriptErrorName(err);
            ++checked;
        }
    }
    EXPECT_EQ(checked, 7U);
}

TEST(ScriptTests, CountWitnessSigOpsByProgramType)
{
    const uint32_t flags = SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_WITNESS;
    const std::vector<uint8_t> key_hash(20, 0x11);
    Script p2wpkh;
    p2wpkh << OP_0;
    p2wpkh.PushData(key_hash);
    ScriptWitness empty;
    EXPECT_EQ(CountWitnessSigOps(Script(), p2wpkh, &empty, flags), 1U);
    EXPECT_EQ(CountWitnessSigOps(Script(), p2wpkh, &empty, SCRIPT_VERIFY_P2SH), 0U);

    // P2WSH: the witness script's accurate count (2-of-3 multisig counts 3).
    Script multisig;
    multisig << OP_2;
    for (int i = 0; i < 3; ++i) multisig.PushData(std::vector<uint8_t>(33, 0x02));
    multisig << OP_3 << OP_CHECKMULTISIG;
    const uint256 wsh = Sha256Hash(multisig.bytes());
    Script p2wsh;
    p2wsh << OP_0;
    p2wsh.PushData(std::span<const uint8_t>(wsh.begin(), wsh.end()));
    ScriptWitness witness;
    witness.stack = {{}, {}, multisig.bytes()};
    EXPECT_EQ(CountWitnessSigOps(Script(), p2wsh, &witness, flags), 3U);
    EXPECT_EQ(CountWitnessSigOps(Script(), p2wsh, &empty, flags), 0U);

    // P2SH-wrapped P2WPKH: the program is the scriptSig's last push.
    const uint160 sh = Hash160(p2wpkh.bytes());
    Script p2sh;
    p2sh << OP_HASH160;
    p2sh.PushData(std::span<const uint8_t>(sh.begin(), sh.end()));
    p2sh << OP_EQUAL;
    Script sig;
    sig.PushData(p2wpkh.bytes());
    EXPECT_EQ(CountWitnessSigOps(sig, p2sh, &empty, flags), 1U);
}
