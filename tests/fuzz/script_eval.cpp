// Fuzz target: script evaluation. Input as Core's script_flags target: a transaction (with witness), u32 verify flags,
// u32 flags to toggle, then one spent output per input. Every input is verified; the result must agree with its
// error code, and must not change when flags are removed from a pass or added to a failure (flag monotonicity).
// Every script is also run through EvalScript alone with each SigVersion: it must not crash.
#include "fuzz_check.h"
#include "primitives/transaction.h"
#include "script/interpreter.h"

#include <cstdint>
#include <span>

namespace {
// As Core's IsValidFlagCombination: CLEANSTACK needs P2SH and WITNESS, WITNESS needs P2SH.
bool IsValidFlagCombination(uint32_t flags)
{
    if ((flags & SCRIPT_VERIFY_CLEANSTACK) && (~flags & (SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_WITNESS))) return false;
    if ((flags & SCRIPT_VERIFY_WITNESS) && (~flags & SCRIPT_VERIFY_P2SH)) return false;
    return true;
}

void EvalAlone(const Script& script, uint32_t flags)
{
    for (SigVersion sv : {SigVersion::BASE, SigVersion::WITNESS_V0, SigVersion::TAPSCRIPT}) {
        ScriptStack stack;
        ScriptError err = SCRIPT_ERR_UNKNOWN_ERROR;
        ScriptExecutionData execdata;
        if (sv == SigVersion::TAPSCRIPT) {
            // Tapscript evaluation expects its budget and leaf hash set up, as VerifyScript does.
            execdata.validation_weight_left_init = true;
            execdata.validation_weight_left = 10000;
            execdata.tapleaf_hash_init = true;
            execdata.codeseparator_pos_init = true;
        }
        const bool ok = EvalScript(stack, script, flags, BaseSignatureChecker(), sv, execdata, &err);
        FUZZ_CHECK(ok == (err == SCRIPT_ERR_OK));
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size > 100000) return 0;
    try {
        SpanReader s(std::span<const uint8_t>(data, size));
        MutableTransaction mtx;
        UnserializeTransaction(s, mtx, true);
        const Transaction tx(mtx);
        uint32_t verify_flags = ReadLE<uint32_t>(s);
        const uint32_t fuzzed_flags = ReadLE<uint32_t>(s);
        std::vector<TxOut> spent;
        for (size_t i = 0; i < tx.vin.size(); ++i) {
            TxOut out;
            out.value = ReadLE<int64_t>(s);
            out.script_pubkey = Script(ReadBytes(s));
            if (!MoneyRange(out.value)) out.value = 1;  // spent outputs are consensus-valid
            spent.push_back(std::move(out));
        }
        if (!IsValidFlagCombination(verify_flags)) return 0;

        PrecomputedTransactionData txdata;
        txdata.Init(tx, std::vector<TxOut>(spent));
        for (size_t i = 0; i < tx.vin.size(); ++i) {
            const TxOut& prevout = spent[i];
            const TransactionSignatureChecker checker(&tx, unsigned(i), prevout.value, txdata,
                                                      MissingDataBehavior::ASSERT_FAIL);
            ScriptError err = SCRIPT_ERR_UNKNOWN_ERROR;
            const bool ok = VerifyScript(tx.vin[i].script_sig, prevout.script_pubkey, &tx.vin[i].witness,
                                         verify_flags, checker, &err);
            FUZZ_CHECK(ok == (err == SCRIPT_ERR_OK));

            // Removing flags from a pass, or adding flags to a failure, must not change the result.
            if (ok) {
                verify_flags &= ~fuzzed_flags;
            } else {
                verify_flags |= fuzzed_flags;
            }
            if (!IsValidFlagCombination(verify_flags)) return 0;
            ScriptError err2 = SCRIPT_ERR_UNKNOWN_ERROR;
            const bool ok2 = VerifyScript(tx.vin[i].script_sig, prevout.script_pubkey, &tx.vin[i].witness,
                                          verify_flags, checker, &err2);
            FUZZ_CHECK(ok2 == (err2 == SCRIPT_ERR_OK));
            FUZZ_CHECK(ok2 == ok);

            (void)CountWitnessSigOps(tx.vin[i].script_sig, prevout.script_pubkey, &tx.vin[i].witness, verify_flags);
            EvalAlone(tx.vin[i].script_sig, verify_flags);
            EvalAlone(prevout.script_pubkey, verify_flags);
        }
    } catch (const DeserializeError&) {
        return 0;
    }
    return 0;
}
