// Relay policy: standardness of scripts, transactions, inputs and witnesses (Core's policy/policy.cpp rules).
#include "policy/policy.h"

#include "script/script_error.h"

#include <algorithm>

namespace {
size_t SerializedTxOutSize(const TxOut& txout)
{
    SizeComputer s;
    SerializeTxOut(s, txout);
    return s.size();
}

/** The redeem script a P2SH scriptSig pushes last; nullopt when evaluation fails or leaves nothing. */
std::optional<Script> ExtractRedeemScript(const Script& script_sig)
{
    ScriptStack stack;
    BaseSignatureChecker checker;
    if (!EvalScript(stack, script_sig, SCRIPT_VERIFY_NONE, checker, SigVersion::BASE)) return std::nullopt;
    if (stack.empty()) return std::nullopt;
    return Script(stack.back());
}
}  // namespace

bool IsPayToAnchor(const Script& spk)
{
    return spk.size() == 4 && spk[0] == OP_1 && spk[1] == 0x02 && spk[2] == 0x4e && spk[3] == 0x73;
}

Amount GetDustThreshold(const TxOut& txout, const FeeRate& dust_relay_fee)
{
    if (txout.script_pubkey.IsUnspendable()) return 0;
    uint64_t size = SerializedTxOutSize(txout);
    int version = 0;
    std::vector<uint8_t> program;
    // An input spending it: outpoint 32, scriptSig length 1, sequence 4, plus a 107-byte P2PKH-style scriptSig,
    // which a witness program gets at the BIP141 discount (Core's numbers: 546 sat P2PKH, 294 sat P2WPKH at
    // 3000 sat/kvB).
    if (txout.script_pubkey.IsWitnessProgram(version, program)) {
        size += 32 + 4 + 1 + (107 / WITNESS_SCALE_FACTOR) + 4;
    } else {
        size += 32 + 4 + 1 + 107 + 4;
    }
    return dust_relay_fee.GetFee(static_cast<int64_t>(size));
}

bool IsDust(const TxOut& txout, const FeeRate& dust_relay_fee)
{
    return txout.value < GetDustThreshold(txout, dust_relay_fee);
}

std::vector<uint32_t> GetDust(const Transaction& tx, const FeeRate& dust_relay_fee)
{
    std::vector<uint32_t> dust;
    for (uint32_t i = 0; i < tx.vout.size(); ++i) {
        if (IsDust(tx.vout[i], dust_relay_fee)) dust.push_back(i);
    }
    return dust;
}

bool IsStandard(const Script& script_pubkey, TxoutType& type)
{
    std::vector<std::vector<uint8_t>> solutions;
    type = Solver(script_pubkey, solutions);
    if (type == TxoutType::NONSTANDARD) return false;
    if (type == TxoutType::MULTISIG) {
        const int m = solutions.front()[0];
        const int n = solutions.back()[0];
        // Up to x-of-3 bare multisig is standard.
        if (n < 1 || n > 3) return false;
        if (m < 1 || m > n) return false;
    }
    return true;
}

bool IsStandardTx(const Transaction& tx, const std::optional<unsigned>& max_datacarrier_bytes,
                  bool permit_bare_multisig, const FeeRate& dust_relay_fee, std::string& reason)
{
    if (tx.version > TX_MAX_STANDARD_VERSION || tx.version < TX_MIN_STANDARD_VERSION) {
        reason = "version";
        return false;
    }
    // Signature hashing is O(inputs * size): bound the weight to bound the work.
    if (GetTransactionWeight(tx) > MAX_STANDARD_TX_WEIGHT) {
        reason = "tx-size";
        return false;
    }
    for (const TxIn& in : tx.vin) {
        // 1650 bytes fit a 15-of-15 P2SH multisig spend with compressed keys.
        if (in.script_sig.size() > MAX_STANDARD_SCRIPTSIG_SIZE) {
            reason = "scriptsig-size";
            return false;
        }
        if (!in.script_sig.IsPushOnly()) {
            reason = "scriptsig-not-pushonly";
            return false;
        }
    }
    unsigned int datacarrier_left = max_datacarrier_bytes.value_or(0);
    TxoutType type;
    for (const TxOut& out : tx.vout) {
        if (!IsStandard(out.script_pubkey, type)) {
            reason = "scriptpubkey";
            return false;
        }
        if (type == TxoutType::NULL_DATA) {
            // All OP_RETURN outputs of a transaction share one -datacarriersize budget.
            const unsigned int size = out.script_pubkey.size();
            if (size > datacarrier_left) {
                reason = "datacarrier";
                return false;
            }
            datacarrier_left -= size;
        } else if (type == TxoutType::MULTISIG && !permit_bare_multisig) {
            reason = "bare-multisig";
            return false;
        }
    }
    // One dust output is allowed (ephemeral dust, checked further at acceptance).
    if (GetDust(tx, dust_relay_fee).size() > MAX_DUST_OUTPUTS_PER_TX) {
        reason = "dust";
        return false;
    }
    return true;
}

TxValidationState ValidateInputsStandardness(const Transaction& tx, std::span<const Coin> spent)
{
    TxValidationState state;
    if (tx.IsCoinBase()) return state;

    // BIP54: count legacy sigops where they may execute: scriptSig plus spent scriptPubKey (with P2SH).
    unsigned int sigops = 0;
    for (size_t i = 0; i < tx.vin.size(); ++i) {
        sigops += tx.vin[i].script_sig.GetSigOpCount(true);
        sigops += spent[i].out.script_pubkey.GetSigOpCount(tx.vin[i].script_sig);
        if (sigops > MAX_TX_LEGACY_SIGOPS) {
            state.Invalid(TxValidationResult::TX_INPUTS_NOT_STANDARD, "bad-txns-nonstandard-inputs",
                          "non-witness sigops exceed bip54 limit");
            return state;
        }
    }

    for (size_t i = 0; i < tx.vin.size(); ++i) {
        const Script& prev = spent[i].out.script_pubkey;
        std::vector<std::vector<uint8_t>> solutions;
        const TxoutType type = Solver(prev, solutions);
        if (type == TxoutType::NONSTANDARD) {
            state.Invalid(TxValidationResult::TX_INPUTS_NOT_STANDARD, "bad-txns-nonstandard-inputs",
                          "input " + std::to_string(i) + " script unknown");
            return state;
        }
        if (type == TxoutType::WITNESS_UNKNOWN) {
            state.Invalid(TxValidationResult::TX_INPUTS_NOT_STANDARD, "bad-txns-nonstandard-inputs",
                          "input " + std::to_string(i) + " witness program is undefined");
            return state;
        }
        if (type == TxoutType::SCRIPTHASH) {
            ScriptError error = SCRIPT_ERR_OK;
            ScriptStack stack;
            BaseSignatureChecker checker;
            // Turn the scriptSig into a stack to look at the redeem script.
            if (!EvalScript(stack, tx.vin[i].script_sig, SCRIPT_VERIFY_NONE, checker, SigVersion::BASE, &error)) {
                state.Invalid(TxValidationResult::TX_INPUTS_NOT_STANDARD, "bad-txns-nonstandard-inputs",
                              "p2sh scriptsig malformed (input " + std::to_string(i) + ": " +
                                  ScriptErrorString(error) + ")");
                return state;
            }
            if (stack.empty()) {
                state.Invalid(TxValidationResult::TX_INPUTS_NOT_STANDARD, "bad-txns-nonstandard-inputs",
                              "input " + std::to_string(i) + " P2SH redeemscript missing");
                return state;
            }
            const Script redeem(stack.back());
            const unsigned int count = redeem.GetSigOpCount(true);
            if (count > MAX_P2SH_SIGOPS) {
                state.Invalid(TxValidationResult::TX_INPUTS_NOT_STANDARD, "bad-txns-nonstandard-inputs",
                              "p2sh redeemscript sigops exceed limit (input " + std::to_string(i) + ": " +
                                  std::to_string(count) + " > " + std::to_string(MAX_P2SH_SIGOPS) + ")");
                return state;
            }
        }
    }
    return state;
}

bool IsWitnessStandard(const Transaction& tx, std::span<const Coin> spent)
{
    if (tx.IsCoinBase()) return true;
    for (size_t i = 0; i < tx.vin.size(); ++i) {
        const auto& witness = tx.vin[i].witness.stack;
        if (witness.empty()) continue;  // an empty witness cannot be bloated
        Script prev = spent[i].out.script_pubkey;
        if (IsPayToAnchor(prev)) return false;  // witness stuffing
        bool p2sh = false;
        if (prev.IsPayToScriptHash()) {
            ScriptStack stack;
            BaseSignatureChecker checker;
            if (!EvalScript(stack, tx.vin[i].script_sig, SCRIPT_VERIFY_NONE, checker, SigVersion::BASE)) return false;
            if (stack.empty()) return false;
            prev = Script(stack.back());
            p2sh = true;
        }
        int version = 0;
        std::vector<uint8_t> program;
        // A witness attached to a non-witness-program output.
        if (!prev.IsWitnessProgram(version, program)) return false;

        if (version == 0 && program.size() == WITNESS_V0_SCRIPTHASH_SIZE) {
            if (witness.back().size() > MAX_STANDARD_P2WSH_SCRIPT_SIZE) return false;
            const size_t items = witness.size() - 1;
            if (items > MAX_STANDARD_P2WSH_STACK_ITEMS) return false;
            for (size_t j = 0; j < items; ++j) {
                if (witness[j].size() > MAX_STANDARD_P2WSH_STACK_ITEM_SIZE) return false;
            }
        }
        if (version == 1 && program.size() == WITNESS_V1_TAPROOT_SIZE && !p2sh) {
            size_t n = witness.size();
            // BIP341 annexes stay non-standard until they have meaning.
            if (n >= 2 && !witness.back().empty() && witness.back()[0] == ANNEX_TAG) return false;
            if (n >= 2) {
                const auto& control = witness[n - 1];
                if (control.empty()) return false;
                if ((control[0] & TAPROOT_LEAF_MASK) == TAPROOT_LEAF_TAPSCRIPT) {
                    for (size_t j = 0; j + 2 < n; ++j) {
                        if (witness[j].size() > MAX_STANDARD_TAPSCRIPT_STACK_ITEM_SIZE) return false;
                    }
                }
            } else if (n == 0) {
                return false;
            }
        }
    }
    return true;
}

bool SpendsNonAnchorWitnessProg(const Transaction& tx, std::span<const Coin> spent)
{
    if (tx.IsCoinBase()) return false;
    int version = 0;
    std::vector<uint8_t> program;
    for (size_t i = 0; i < tx.vin.size(); ++i) {
        const Script& prev = spent[i].out.script_pubkey;
        if (prev.IsWitnessProgram(version, program) && !IsPayToAnchor(prev)) return true;
        if (prev.IsPayToScriptHash()) {
            auto redeem = ExtractRedeemScript(tx.vin[i].script_sig);
            if (!redeem) continue;
            if (redeem->IsWitnessProgram(version, program)) return true;
        }
    }
    return false;
}

int64_t GetSigOpsAdjustedWeight(int64_t weight, int64_t sigop_cost, unsigned int bytes_per_sigop)
{
    return std::max(weight, sigop_cost * static_cast<int64_t>(bytes_per_sigop));
}

int64_t GetVirtualTransactionSize(int64_t weight, int64_t sigop_cost, unsigned int bytes_per_sigop)
{
    return (GetSigOpsAdjustedWeight(weight, sigop_cost, bytes_per_sigop) + WITNESS_SCALE_FACTOR - 1) /
           WITNESS_SCALE_FACTOR;
}

int64_t GetVirtualTransactionSize(const Transaction& tx, int64_t sigop_cost, unsigned int bytes_per_sigop)
{
    return GetVirtualTransactionSize(GetTransactionWeight(tx), sigop_cost, bytes_per_sigop);
}
