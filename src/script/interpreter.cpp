// The script interpreter (EvalScript, VerifyScript), the transaction signature checker and taproot helpers,
// following Bitcoin Core's src/script/interpreter.cpp rule for rule.
#include "script/interpreter.h"

#include "crypto/hash.h"
#include "crypto/pubkey.h"
#include "primitives/serialize.h"
#include "script/sighash.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>

namespace {

using ValType = std::vector<uint8_t>;

bool SetSuccess(ScriptError* ret)
{
    if (ret) *ret = SCRIPT_ERR_OK;
    return true;
}

bool SetError(ScriptError* ret, ScriptError err)
{
    if (ret) *ret = err;
    return false;
}

bool CastToBool(const ValType& vch)
{
    for (size_t i = 0; i < vch.size(); ++i) {
        if (vch[i] != 0) {
            // Negative zero (0x80 as the last byte, all else zero) is false.
            return !(i == vch.size() - 1 && vch[i] == 0x80);
        }
    }
    return false;
}

bool IsCompressedOrUncompressedPubKey(const ValType& key)
{
    if (key.size() < PubKey::COMPRESSED_SIZE) return false;
    if (key[0] == 0x04) return key.size() == PubKey::SIZE;
    if (key[0] == 0x02 || key[0] == 0x03) return key.size() == PubKey::COMPRESSED_SIZE;
    return false;
}

bool IsCompressedPubKey(const ValType& key)
{
    return key.size() == PubKey::COMPRESSED_SIZE && (key[0] == 0x02 || key[0] == 0x03);
}

bool IsLowDERSignature(const ValType& sig, ScriptError* serror)
{
    if (!IsValidSignatureEncoding(sig)) return SetError(serror, SCRIPT_ERR_SIG_DER);
    // The hash type byte is not part of the DER signature.
    if (!PubKey::CheckLowS(std::span<const uint8_t>(sig.data(), sig.size() - 1))) {
        return SetError(serror, SCRIPT_ERR_SIG_HIGH_S);
    }
    return true;
}

bool IsDefinedHashtypeSignature(const ValType& sig)
{
    if (sig.empty()) return false;
    const uint8_t hash_type = sig.back() & ~SIGHASH_ANYONECANPAY;
    return hash_type >= SIGHASH_ALL && hash_type <= SIGHASH_SINGLE;
}

bool CheckSignatureEncoding(const ValType& sig, uint32_t flags, ScriptError* serror)
{
    // An empty signature is a compact way to fail CHECK(MULTI)SIG on purpose; it is always allowed.
    if (sig.empty()) return true;
    if ((flags & (SCRIPT_VERIFY_DERSIG | SCRIPT_VERIFY_LOW_S | SCRIPT_VERIFY_STRICTENC)) != 0 &&
        !IsValidSignatureEncoding(sig)) {
        return SetError(serror, SCRIPT_ERR_SIG_DER);
    } else if ((flags & SCRIPT_VERIFY_LOW_S) != 0 && !IsLowDERSignature(sig, serror)) {
        return false;
    } else if ((flags & SCRIPT_VERIFY_STRICTENC) != 0 && !IsDefinedHashtypeSignature(sig)) {
        return SetError(serror, SCRIPT_ERR_SIG_HASHTYPE);
    }
    return true;
}

bool CheckPubKeyEncoding(const ValType& key, uint32_t flags, SigVersion sigversion, ScriptError* serror)
{
    if ((flags & SCRIPT_VERIFY_STRICTENC) != 0 && !IsCompressedOrUncompressedPubKey(key)) {
        return SetError(serror, SCRIPT_ERR_PUBKEYTYPE);
    }
    // BIP143 policy: only compressed keys in witness v0.
    if ((flags & SCRIPT_VERIFY_WITNESS_PUBKEYTYPE) != 0 && sigversion == SigVersion::WITNESS_V0 &&
        !IsCompressedPubKey(key)) {
        return SetError(serror, SCRIPT_ERR_WITNESS_PUBKEYTYPE);
    }
    return true;
}

/** Whether data was pushed with the smallest possible opcode (MINIMALDATA, BIP62 rule 3). */
bool CheckMinimalPush(const ValType& data, opcodetype opcode)
{
    if (data.empty()) return opcode == OP_0;
    if (data.size() == 1 && data[0] >= 1 && data[0] <= 16) return false;  // should have used OP_1..OP_16
    if (data.size() == 1 && data[0] == 0x81) return false;                 // should have used OP_1NEGATE
    if (data.size() <= 75) return opcode == data.size();
    if (data.size() <= 255) return opcode == OP_PUSHDATA1;
    if (data.size() <= 65535) return opcode == OP_PUSHDATA2;
    return true;
}

/** Stack of IF/ELSE branch states, stored as its size and the position of the first false entry. */
class ConditionStack
{
public:
    bool empty() const { return m_size == 0; }
    bool AllTrue() const { return m_first_false == NO_FALSE; }
    void PushBack(bool value)
    {
        if (m_first_false == NO_FALSE && !value) m_first_false = m_size;
        ++m_size;
    }
    void PopBack()
    {
        --m_size;
        if (m_first_false == m_size) m_first_false = NO_FALSE;
    }
    void ToggleTop()
    {
        if (m_first_false == NO_FALSE) {
            m_first_false = m_size - 1;
        } else if (m_first_false == m_size - 1) {
            m_first_false = NO_FALSE;
        }
        // A false below the top stays the first false: toggling the top is then unobservable.
    }

private:
    static constexpr uint32_t NO_FALSE = std::numeric_limits<uint32_t>::max();
    uint32_t m_size{0};
    uint32_t m_first_false{NO_FALSE};
};

Script PushScript(const ValType& data)
{
    Script s;
    s.PushData(data);
    return s;
}

bool EvalChecksigPreTapscript(const ValType& sig, const ValType& pubkey, const Script& script, size_t begin_code_hash,
                              uint32_t flags, const BaseSignatureChecker& checker, SigVersion sigversion,
                              ScriptError* serror, bool& success)
{
    // The signed script code starts after the last executed OP_CODESEPARATOR.
    Script script_code(script.begin() + begin_code_hash, script.end());
    // Legacy scripts remove the signature from the script code; segwit scripts do not (BIP143).
    if (sigversion == SigVersion::BASE) {
        const int found = FindAndDelete(script_code, PushScript(sig));
        if (found > 0 && (flags & SCRIPT_VERIFY_CONST_SCRIPTCODE)) {
            return SetError(serror, SCRIPT_ERR_SIG_FINDANDDELETE);
        }
    }
    if (!CheckSignatureEncoding(sig, flags, serror) || !CheckPubKeyEncoding(pubkey, flags, sigversion, serror)) {
        return false;
    }
    success = checker.CheckECDSASignature(sig, pubkey, script_code, sigversion);
    if (!success && (flags & SCRIPT_VERIFY_NULLFAIL) && !sig.empty()) {
        return SetError(serror, SCRIPT_ERR_SIG_NULLFAIL);
    }
    return true;
}

bool EvalChecksigTapscript(const ValType& sig, const ValType& pubkey, ScriptExecutionData& execdata, uint32_t flags,
                           const BaseSignatureChecker& checker, SigVersion sigversion, ScriptError* serror,
                           bool& success)
{
    // BIP342 order matters: the budget is charged first, then the key type decides.
    success = !sig.empty();
    if (success) {
        // Every non-empty signature (also under an unknown key type) costs validation weight.
        execdata.validation_weight_left -= VALIDATION_WEIGHT_PER_SIGOP_PASSED;
        if (execdata.validation_weight_left < 0) return SetError(serror, SCRIPT_ERR_TAPSCRIPT_VALIDATION_WEIGHT);
    }
    if (pubkey.empty()) {
        return SetError(serror, SCRIPT_ERR_TAPSCRIPT_EMPTY_PUBKEY);
    } else if (pubkey.size() == 32) {
        if (success && !checker.CheckSchnorrSignature(sig, pubkey, sigversion, execdata, serror)) return false;
    } else {
        // Unknown public key types succeed (upgradable, BIP342), unless policy discourages them.
        if (flags & SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE) {
            return SetError(serror, SCRIPT_ERR_DISCOURAGE_UPGRADABLE_PUBKEYTYPE);
        }
    }
    return true;
}

bool EvalChecksig(const ValType& sig, const ValType& pubkey, const Script& script, size_t begin_code_hash,
                  ScriptExecutionData& execdata, uint32_t flags, const BaseSignatureChecker& checker,
                  SigVersion sigversion, ScriptError* serror, bool& success)
{
    switch (sigversion) {
    case SigVersion::BASE:
    case SigVersion::WITNESS_V0:
        return EvalChecksigPreTapscript(sig, pubkey, script, begin_code_hash, flags, checker, sigversion, serror,
                                        success);
    case SigVersion::TAPSCRIPT:
        return EvalChecksigTapscript(sig, pubkey, execdata, flags, checker, sigversion, serror, success);
    case SigVersion::TAPROOT:
        break;  // key path spends run no script
    }
    return SetError(serror, SCRIPT_ERR_UNKNOWN_ERROR);
}

bool IsDisabledOpcode(opcodetype op)
{
    // CVE-2010-5137: these were disabled in 2010 and fail even in unexecuted branches.
    switch (op) {
    case OP_CAT: case OP_SUBSTR: case OP_LEFT: case OP_RIGHT: case OP_INVERT: case OP_AND: case OP_OR:
    case OP_XOR: case OP_2MUL: case OP_2DIV: case OP_MUL: case OP_DIV: case OP_MOD: case OP_LSHIFT:
    case OP_RSHIFT:
        return true;
    default:
        return false;
    }
}

const ValType VCH_FALSE{};
const ValType VCH_TRUE{1};

}  // namespace

bool IsValidSignatureEncoding(std::span<const uint8_t> sig)
{
    // BIP66 strict DER: 0x30 len 0x02 lenR R 0x02 lenS S hashtype, R and S minimal positive integers.
    if (sig.size() < 9 || sig.size() > 73) return false;
    if (sig[0] != 0x30) return false;
    if (sig[1] != sig.size() - 3) return false;
    const size_t len_r = sig[3];
    if (5 + len_r >= sig.size()) return false;
    const size_t len_s = sig[5 + len_r];
    if (len_r + len_s + 7 != sig.size()) return false;
    if (sig[2] != 0x02) return false;
    if (len_r == 0) return false;
    if (sig[4] & 0x80) return false;
    if (len_r > 1 && sig[4] == 0x00 && !(sig[5] & 0x80)) return false;
    if (sig[len_r + 4] != 0x02) return false;
    if (len_s == 0) return false;
    if (sig[len_r + 6] & 0x80) return false;
    if (len_s > 1 && sig[len_r + 6] == 0x00 && !(sig[len_r + 7] & 0x80)) return false;
    return true;
}

int FindAndDelete(Script& script, const Script& b)
{
    int found = 0;
    if (b.empty()) return found;
    const auto& bytes = script.bytes();
    const auto& pattern = b.bytes();
    std::vector<uint8_t> result;
    size_t pc = 0, pc2 = 0;
    const size_t end = bytes.size();
    opcodetype op;
    // Matches are only looked for at opcode boundaries, as Core does.
    do {
        result.insert(result.end(), bytes.begin() + pc2, bytes.begin() + pc);
        while (end - pc >= pattern.size() && std::equal(pattern.begin(), pattern.end(), bytes.begin() + pc)) {
            pc += pattern.size();
            ++found;
        }
        pc2 = pc;
    } while (script.GetOp(pc, op));
    if (found > 0) {
        result.insert(result.end(), bytes.begin() + pc2, bytes.end());
        script = Script(std::move(result));
    }
    return found;
}

bool EvalScript(ScriptStack& stack, const Script& script, uint32_t flags, const BaseSignatureChecker& checker,
                SigVersion sigversion, ScriptExecutionData& execdata, ScriptError* serror)
{
    if (sigversion == SigVersion::TAPROOT) return SetError(serror, SCRIPT_ERR_UNKNOWN_ERROR);  // no script there

    size_t pc = 0;
    const size_t pend = script.size();
    size_t begin_code_hash = 0;
    opcodetype opcode;
    ValType push_value;
    ConditionStack exec_stack;
    ScriptStack altstack;
    SetError(serror, SCRIPT_ERR_UNKNOWN_ERROR);
    const bool legacy = sigversion == SigVersion::BASE || sigversion == SigVersion::WITNESS_V0;
    if (legacy && script.size() > MAX_SCRIPT_SIZE) return SetError(serror, SCRIPT_ERR_SCRIPT_SIZE);
    int op_count = 0;
    const bool require_minimal = (flags & SCRIPT_VERIFY_MINIMALDATA) != 0;
    uint32_t opcode_pos = 0;
    execdata.codeseparator_pos = 0xFFFFFFFFU;
    execdata.codeseparator_pos_init = true;

    auto top = [&stack](int64_t i) -> ValType& { return stack[size_t(int64_t(stack.size()) + i)]; };

    try {
        for (; pc < pend; ++opcode_pos) {
            const bool exec = exec_stack.AllTrue();

            if (!script.GetOp(pc, opcode, &push_value)) return SetError(serror, SCRIPT_ERR_BAD_OPCODE);
            if (push_value.size() > MAX_SCRIPT_ELEMENT_SIZE) return SetError(serror, SCRIPT_ERR_PUSH_SIZE);

            // OP_RESERVED and the pushes do not count towards the limit; tapscript has no limit (BIP342).
            if (legacy && opcode > OP_16 && ++op_count > MAX_OPS_PER_SCRIPT) {
                return SetError(serror, SCRIPT_ERR_OP_COUNT);
            }
            if (IsDisabledOpcode(opcode)) return SetError(serror, SCRIPT_ERR_DISABLED_OPCODE);
            // CONST_SCRIPTCODE rejects OP_CODESEPARATOR in legacy scripts, executed or not.
            if (opcode == OP_CODESEPARATOR && sigversion == SigVersion::BASE &&
                (flags & SCRIPT_VERIFY_CONST_SCRIPTCODE)) {
                return SetError(serror, SCRIPT_ERR_OP_CODESEPARATOR);
            }

            if (exec && opcode <= OP_PUSHDATA4) {
                if (require_minimal && !CheckMinimalPush(push_value, opcode)) {
                    return SetError(serror, SCRIPT_ERR_MINIMALDATA);
                }
                stack.push_back(push_value);
            } else if (exec || (OP_IF <= opcode && opcode <= OP_ENDIF)) {
                switch (opcode) {
                case OP_1NEGATE: case OP_1: case OP_2: case OP_3: case OP_4: case OP_5: case OP_6: case OP_7:
                case OP_8: case OP_9: case OP_10: case OP_11: case OP_12: case OP_13: case OP_14: case OP_15:
                case OP_16:
                    stack.push_back(ScriptNum::Serialize(int(opcode) - int(OP_1 - 1)));
                    break;

                case OP_NOP:
                    break;

                case OP_CHECKLOCKTIMEVERIFY: {
                    if (!(flags & SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY)) break;  // still NOP2
                    if (stack.empty()) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    // 5-byte operands (BIP65) so lock times up to 2^39-1 fit, beyond nLockTime's range.
                    const ScriptNum lock_time(top(-1), require_minimal, 5);
                    if (lock_time.value() < 0) return SetError(serror, SCRIPT_ERR_NEGATIVE_LOCKTIME);
                    if (!checker.CheckLockTime(lock_time)) return SetError(serror, SCRIPT_ERR_UNSATISFIED_LOCKTIME);
                    break;
                }

                case OP_CHECKSEQUENCEVERIFY: {
                    if (!(flags & SCRIPT_VERIFY_CHECKSEQUENCEVERIFY)) break;  // still NOP3
                    if (stack.empty()) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    const ScriptNum sequence(top(-1), require_minimal, 5);
                    if (sequence.value() < 0) return SetError(serror, SCRIPT_ERR_NEGATIVE_LOCKTIME);
                    // BIP112: with the disable flag set in the operand, CSV is a NOP (soft-fork room).
                    if ((sequence.value() & TxIn::SEQUENCE_LOCKTIME_DISABLE_FLAG) != 0) break;
                    if (!checker.CheckSequence(sequence)) return SetError(serror, SCRIPT_ERR_UNSATISFIED_LOCKTIME);
                    break;
                }

                case OP_NOP1: case OP_NOP4: case OP_NOP5: case OP_NOP6: case OP_NOP7: case OP_NOP8: case OP_NOP9:
                case OP_NOP10:
                    if (flags & SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_NOPS) {
                        return SetError(serror, SCRIPT_ERR_DISCOURAGE_UPGRADABLE_NOPS);
                    }
                    break;

                case OP_IF:
                case OP_NOTIF: {
                    bool value = false;
                    if (exec) {
                        if (stack.empty()) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                        const ValType& vch = top(-1);
                        // BIP342: consensus requires an empty or exactly 0x01 argument in tapscript.
                        if (sigversion == SigVersion::TAPSCRIPT) {
                            if (vch.size() > 1 || (vch.size() == 1 && vch[0] != 1)) {
                                return SetError(serror, SCRIPT_ERR_TAPSCRIPT_MINIMALIF);
                            }
                        }
                        // In witness v0 the same rule is policy (MINIMALIF).
                        if (sigversion == SigVersion::WITNESS_V0 && (flags & SCRIPT_VERIFY_MINIMALIF)) {
                            if (vch.size() > 1) return SetError(serror, SCRIPT_ERR_MINIMALIF);
                            if (vch.size() == 1 && vch[0] != 1) return SetError(serror, SCRIPT_ERR_MINIMALIF);
                        }
                        value = CastToBool(vch);
                        if (opcode == OP_NOTIF) value = !value;
                        stack.pop_back();
                    }
                    exec_stack.PushBack(value);
                    break;
                }

                case OP_ELSE:
                    if (exec_stack.empty()) return SetError(serror, SCRIPT_ERR_UNBALANCED_CONDITIONAL);
                    exec_stack.ToggleTop();
                    break;

                case OP_ENDIF:
                    if (exec_stack.empty()) return SetError(serror, SCRIPT_ERR_UNBALANCED_CONDITIONAL);
                    exec_stack.PopBack();
                    break;

                case OP_VERIFY:
                    if (stack.empty()) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    if (!CastToBool(top(-1))) return SetError(serror, SCRIPT_ERR_VERIFY);
                    stack.pop_back();
                    break;

                case OP_RETURN:
                    return SetError(serror, SCRIPT_ERR_OP_RETURN);

                case OP_TOALTSTACK:
                    if (stack.empty()) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    altstack.push_back(top(-1));
                    stack.pop_back();
                    break;

                case OP_FROMALTSTACK:
                    if (altstack.empty()) return SetError(serror, SCRIPT_ERR_INVALID_ALTSTACK_OPERATION);
                    stack.push_back(altstack.back());
                    altstack.pop_back();
                    break;

                case OP_2DROP:
                    if (stack.size() < 2) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    stack.pop_back();
                    stack.pop_back();
                    break;

                case OP_2DUP: {
                    if (stack.size() < 2) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    ValType a = top(-2), b = top(-1);
                    stack.push_back(std::move(a));
                    stack.push_back(std::move(b));
                    break;
                }

                case OP_3DUP: {
                    if (stack.size() < 3) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    ValType a = top(-3), b = top(-2), c = top(-1);
                    stack.push_back(std::move(a));
                    stack.push_back(std::move(b));
                    stack.push_back(std::move(c));
                    break;
                }

                case OP_2OVER: {
                    if (stack.size() < 4) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    ValType a = top(-4), b = top(-3);
                    stack.push_back(std::move(a));
                    stack.push_back(std::move(b));
                    break;
                }

                case OP_2ROT: {
                    if (stack.size() < 6) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    ValType a = top(-6), b = top(-5);
                    stack.erase(stack.end() - 6, stack.end() - 4);
                    stack.push_back(std::move(a));
                    stack.push_back(std::move(b));
                    break;
                }

                case OP_2SWAP:
                    if (stack.size() < 4) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    std::swap(top(-4), top(-2));
                    std::swap(top(-3), top(-1));
                    break;

                case OP_IFDUP: {
                    if (stack.empty()) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    if (CastToBool(top(-1))) {
                        ValType a = top(-1);
                        stack.push_back(std::move(a));
                    }
                    break;
                }

                case OP_DEPTH:
                    stack.push_back(ScriptNum::Serialize(int64_t(stack.size())));
                    break;

                case OP_DROP:
                    if (stack.empty()) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    stack.pop_back();
                    break;

                case OP_DUP: {
                    if (stack.empty()) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    ValType a = top(-1);
                    stack.push_back(std::move(a));
                    break;
                }

                case OP_NIP:
                    if (stack.size() < 2) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    stack.erase(stack.end() - 2);
                    break;

                case OP_OVER: {
                    if (stack.size() < 2) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    ValType a = top(-2);
                    stack.push_back(std::move(a));
                    break;
                }

                case OP_PICK:
                case OP_ROLL: {
                    if (stack.size() < 2) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    const int n = ScriptNum(top(-1), require_minimal).GetInt();
                    stack.pop_back();
                    if (n < 0 || n >= int(stack.size())) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    ValType a = top(-n - 1);
                    if (opcode == OP_ROLL) stack.erase(stack.end() - n - 1);
                    stack.push_back(std::move(a));
                    break;
                }

                case OP_ROT:
                    if (stack.size() < 3) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    std::swap(top(-3), top(-2));
                    std::swap(top(-2), top(-1));
                    break;

                case OP_SWAP:
                    if (stack.size() < 2) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    std::swap(top(-2), top(-1));
                    break;

                case OP_TUCK: {
                    if (stack.size() < 2) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    ValType a = top(-1);
                    stack.insert(stack.end() - 2, std::move(a));
                    break;
                }

                case OP_SIZE:
                    if (stack.empty()) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    stack.push_back(ScriptNum::Serialize(int64_t(top(-1).size())));
                    break;

                case OP_EQUAL:
                case OP_EQUALVERIFY: {
                    if (stack.size() < 2) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    const bool equal = top(-2) == top(-1);
                    stack.pop_back();
                    stack.pop_back();
                    stack.push_back(equal ? VCH_TRUE : VCH_FALSE);
                    if (opcode == OP_EQUALVERIFY) {
                        if (!equal) return SetError(serror, SCRIPT_ERR_EQUALVERIFY);
                        stack.pop_back();
                    }
                    break;
                }

                case OP_1ADD: case OP_1SUB: case OP_NEGATE: case OP_ABS: case OP_NOT: case OP_0NOTEQUAL: {
                    if (stack.empty()) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    int64_t bn = ScriptNum(top(-1), require_minimal).value();
                    switch (opcode) {
                    case OP_1ADD: bn += 1; break;
                    case OP_1SUB: bn -= 1; break;
                    case OP_NEGATE: bn = -bn; break;
                    case OP_ABS: if (bn < 0) bn = -bn; break;
                    case OP_NOT: bn = (bn == 0); break;
                    case OP_0NOTEQUAL: bn = (bn != 0); break;
                    default: break;
                    }
                    stack.pop_back();
                    stack.push_back(ScriptNum::Serialize(bn));
                    break;
                }

                case OP_ADD: case OP_SUB: case OP_BOOLAND: case OP_BOOLOR: case OP_NUMEQUAL: case OP_NUMEQUALVERIFY:
                case OP_NUMNOTEQUAL: case OP_LESSTHAN: case OP_GREATERTHAN: case OP_LESSTHANOREQUAL:
                case OP_GREATERTHANOREQUAL: case OP_MIN: case OP_MAX: {
                    if (stack.size() < 2) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    // Operands are at most 4 bytes, so int64 arithmetic cannot overflow.
                    const int64_t a = ScriptNum(top(-2), require_minimal).value();
                    const int64_t b = ScriptNum(top(-1), require_minimal).value();
                    int64_t bn = 0;
                    switch (opcode) {
                    case OP_ADD: bn = a + b; break;
                    case OP_SUB: bn = a - b; break;
                    case OP_BOOLAND: bn = (a != 0 && b != 0); break;
                    case OP_BOOLOR: bn = (a != 0 || b != 0); break;
                    case OP_NUMEQUAL: bn = (a == b); break;
                    case OP_NUMEQUALVERIFY: bn = (a == b); break;
                    case OP_NUMNOTEQUAL: bn = (a != b); break;
                    case OP_LESSTHAN: bn = (a < b); break;
                    case OP_GREATERTHAN: bn = (a > b); break;
                    case OP_LESSTHANOREQUAL: bn = (a <= b); break;
                    case OP_GREATERTHANOREQUAL: bn = (a >= b); break;
                    case OP_MIN: bn = std::min(a, b); break;
                    case OP_MAX: bn = std::max(a, b); break;
                    default: break;
                    }
                    stack.pop_back();
                    stack.pop_back();
                    stack.push_back(ScriptNum::Serialize(bn));
                    if (opcode == OP_NUMEQUALVERIFY) {
                        if (!CastToBool(top(-1))) return SetError(serror, SCRIPT_ERR_NUMEQUALVERIFY);
                        stack.pop_back();
                    }
                    break;
                }

                case OP_WITHIN: {
                    if (stack.size() < 3) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    const int64_t x = ScriptNum(top(-3), require_minimal).value();
                    const int64_t lo = ScriptNum(top(-2), require_minimal).value();
                    const int64_t hi = ScriptNum(top(-1), require_minimal).value();
                    const bool value = lo <= x && x < hi;
                    stack.pop_back();
                    stack.pop_back();
                    stack.pop_back();
                    stack.push_back(value ? VCH_TRUE : VCH_FALSE);
                    break;
                }

                case OP_RIPEMD160: case OP_SHA1: case OP_SHA256: case OP_HASH160: case OP_HASH256: {
                    if (stack.empty()) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    const ValType& vch = top(-1);
                    ValType hash;
                    if (opcode == OP_RIPEMD160) {
                        hash.resize(20);
                        Ripemd160(vch, hash.data());
                    } else if (opcode == OP_SHA1) {
                        hash.resize(20);
                        SHA1(vch.data(), vch.size(), hash.data());
                    } else if (opcode == OP_SHA256) {
                        const uint256 h = Sha256Hash(vch);
                        hash.assign(h.begin(), h.end());
                    } else if (opcode == OP_HASH160) {
                        const uint160 h = Hash160(vch);
                        hash.assign(h.begin(), h.end());
                    } else {
                        const uint256 h = Hash256(vch);
                        hash.assign(h.begin(), h.end());
                    }
                    stack.pop_back();
                    stack.push_back(std::move(hash));
                    break;
                }

                case OP_CODESEPARATOR:
                    // The signed script code starts after it; tapscript signs its position (BIP342).
                    begin_code_hash = pc;
                    execdata.codeseparator_pos = opcode_pos;
                    break;

                case OP_CHECKSIG:
                case OP_CHECKSIGVERIFY: {
                    if (stack.size() < 2) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    const ValType& sig = top(-2);
                    const ValType& pubkey = top(-1);
                    bool success = true;
                    if (!EvalChecksig(sig, pubkey, script, begin_code_hash, execdata, flags, checker, sigversion,
                                      serror, success)) {
                        return false;
                    }
                    stack.pop_back();
                    stack.pop_back();
                    stack.push_back(success ? VCH_TRUE : VCH_FALSE);
                    if (opcode == OP_CHECKSIGVERIFY) {
                        if (!success) return SetError(serror, SCRIPT_ERR_CHECKSIGVERIFY);
                        stack.pop_back();
                    }
                    break;
                }

                case OP_CHECKSIGADD: {
                    // BIP342: tapscript only; elsewhere 0xba is an unknown opcode.
                    if (legacy) return SetError(serror, SCRIPT_ERR_BAD_OPCODE);
                    if (stack.size() < 3) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    const ValType& sig = top(-3);
                    const int64_t num = ScriptNum(top(-2), require_minimal).value();
                    const ValType& pubkey = top(-1);
                    bool success = true;
                    if (!EvalChecksig(sig, pubkey, script, begin_code_hash, execdata, flags, checker, sigversion,
                                      serror, success)) {
                        return false;
                    }
                    stack.pop_back();
                    stack.pop_back();
                    stack.pop_back();
                    stack.push_back(ScriptNum::Serialize(num + (success ? 1 : 0)));
                    break;
                }

                case OP_CHECKMULTISIG:
                case OP_CHECKMULTISIGVERIFY: {
                    if (sigversion == SigVersion::TAPSCRIPT) return SetError(serror, SCRIPT_ERR_TAPSCRIPT_CHECKMULTISIG);

                    // ([sig ...] num_of_signatures [pubkey ...] num_of_pubkeys -- bool)
                    int i = 1;
                    if (int(stack.size()) < i) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    int keys_count = ScriptNum(top(-i), require_minimal).GetInt();
                    if (keys_count < 0 || keys_count > MAX_PUBKEYS_PER_MULTISIG) {
                        return SetError(serror, SCRIPT_ERR_PUBKEY_COUNT);
                    }
                    op_count += keys_count;
                    if (op_count > MAX_OPS_PER_SCRIPT) return SetError(serror, SCRIPT_ERR_OP_COUNT);
                    int ikey = ++i;
                    // Position of the last non-signature item (top = 1), used for the NULLFAIL cleanup.
                    int ikey2 = keys_count + 2;
                    i += keys_count;
                    if (int(stack.size()) < i) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    int sigs_count = ScriptNum(top(-i), require_minimal).GetInt();
                    if (sigs_count < 0 || sigs_count > keys_count) return SetError(serror, SCRIPT_ERR_SIG_COUNT);
                    int isig = ++i;
                    i += sigs_count;
                    if (int(stack.size()) < i) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);

                    Script script_code(script.begin() + begin_code_hash, script.end());
                    // Legacy scripts remove every signature from the script code first.
                    for (int k = 0; k < sigs_count; ++k) {
                        const ValType& sig = top(-isig - k);
                        if (sigversion == SigVersion::BASE) {
                            const int found = FindAndDelete(script_code, PushScript(sig));
                            if (found > 0 && (flags & SCRIPT_VERIFY_CONST_SCRIPTCODE)) {
                                return SetError(serror, SCRIPT_ERR_SIG_FINDANDDELETE);
                            }
                        }
                    }

                    bool success = true;
                    while (success && sigs_count > 0) {
                        const ValType& sig = top(-isig);
                        const ValType& pubkey = top(-ikey);
                        // Encoding is checked pair by pair, so the evaluation order is observable with STRICTENC.
                        if (!CheckSignatureEncoding(sig, flags, serror) ||
                            !CheckPubKeyEncoding(pubkey, flags, sigversion, serror)) {
                            return false;
                        }
                        if (checker.CheckECDSASignature(sig, pubkey, script_code, sigversion)) {
                            ++isig;
                            --sigs_count;
                        }
                        ++ikey;
                        --keys_count;
                        // More signatures left than keys: it can no longer succeed.
                        if (sigs_count > keys_count) success = false;
                    }

                    while (i-- > 1) {
                        // NULLFAIL: on failure every signature must be empty.
                        if (!success && (flags & SCRIPT_VERIFY_NULLFAIL) && !ikey2 && !top(-1).empty()) {
                            return SetError(serror, SCRIPT_ERR_SIG_NULLFAIL);
                        }
                        if (ikey2 > 0) --ikey2;
                        stack.pop_back();
                    }

                    // The historical off-by-one consumes one more item; NULLDUMMY (BIP147) requires it empty.
                    if (stack.empty()) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
                    if ((flags & SCRIPT_VERIFY_NULLDUMMY) && !top(-1).empty()) {
                        return SetError(serror, SCRIPT_ERR_SIG_NULLDUMMY);
                    }
                    stack.pop_back();
                    stack.push_back(success ? VCH_TRUE : VCH_FALSE);
                    if (opcode == OP_CHECKMULTISIGVERIFY) {
                        if (!success) return SetError(serror, SCRIPT_ERR_CHECKMULTISIGVERIFY);
                        stack.pop_back();
                    }
                    break;
                }

                default:
                    return SetError(serror, SCRIPT_ERR_BAD_OPCODE);
                }
            }

            if (stack.size() + altstack.size() > MAX_STACK_SIZE) return SetError(serror, SCRIPT_ERR_STACK_SIZE);
        }
    } catch (const ScriptNumError&) {
        return SetError(serror, SCRIPT_ERR_SCRIPTNUM);
    } catch (...) {
        return SetError(serror, SCRIPT_ERR_UNKNOWN_ERROR);
    }

    if (!exec_stack.empty()) return SetError(serror, SCRIPT_ERR_UNBALANCED_CONDITIONAL);
    return SetSuccess(serror);
}

bool EvalScript(ScriptStack& stack, const Script& script, uint32_t flags, const BaseSignatureChecker& checker,
                SigVersion sigversion, ScriptError* error)
{
    ScriptExecutionData execdata;
    return EvalScript(stack, script, flags, checker, sigversion, execdata, error);
}

// ---- signature checker ---------------------------------------------------------------------------------

namespace {
bool HandleMissingData(MissingDataBehavior mdb)
{
    // Core aborts for ASSERT_FAIL; consensus code here never aborts, so both behaviours fail the check.
    (void)mdb;
    return false;
}
}  // namespace

template <class Tx>
bool GenericTransactionSignatureChecker<Tx>::VerifyECDSASignature(const std::vector<uint8_t>& sig,
                                                                   const std::vector<uint8_t>& pubkey,
                                                                   const uint256& sighash) const
{
    return PubKey(pubkey).Verify(sighash, sig);
}

template <class Tx>
bool GenericTransactionSignatureChecker<Tx>::VerifySchnorrSignature(std::span<const uint8_t> sig,
                                                                     std::span<const uint8_t> pubkey,
                                                                     const uint256& sighash) const
{
    return XOnlyPubKey(pubkey).VerifySchnorr(sighash, sig);
}

template <class Tx>
bool GenericTransactionSignatureChecker<Tx>::CheckECDSASignature(const std::vector<uint8_t>& sig_in,
                                                                  const std::vector<uint8_t>& pubkey,
                                                                  const Script& script_code,
                                                                  SigVersion sigversion) const
{
    if (!PubKey(pubkey).IsValid()) return false;
    if (sig_in.empty()) return false;
    // The last byte is the hash type; the rest is the DER signature.
    std::vector<uint8_t> sig(sig_in.begin(), sig_in.end() - 1);
    const int hash_type = sig_in.back();
    if (sigversion == SigVersion::WITNESS_V0 && m_amount < 0) return HandleMissingData(m_mdb);
    const uint256 sighash = SignatureHash(script_code, *m_tx, m_n_in, hash_type, m_amount, sigversion, m_txdata);
    return VerifyECDSASignature(sig, pubkey, sighash);
}

template <class Tx>
bool GenericTransactionSignatureChecker<Tx>::CheckSchnorrSignature(std::span<const uint8_t> sig,
                                                                    std::span<const uint8_t> pubkey,
                                                                    SigVersion sigversion,
                                                                    ScriptExecutionData& execdata,
                                                                    ScriptError* serror) const
{
    if (pubkey.size() != 32) return SetError(serror, SCRIPT_ERR_UNKNOWN_ERROR);
    // BIP341: 64 bytes means SIGHASH_DEFAULT; 65 bytes carry an explicit, non-zero hash type.
    if (sig.size() != 64 && sig.size() != 65) return SetError(serror, SCRIPT_ERR_SCHNORR_SIG_SIZE);
    uint8_t hash_type = SIGHASH_DEFAULT;
    if (sig.size() == 65) {
        hash_type = sig.back();
        sig = sig.first(64);
        if (hash_type == SIGHASH_DEFAULT) return SetError(serror, SCRIPT_ERR_SCHNORR_SIG_HASHTYPE);
    }
    if (!m_txdata) return HandleMissingData(m_mdb);
    uint256 sighash;
    if (!SignatureHashSchnorr(sighash, execdata, *m_tx, m_n_in, hash_type, sigversion, *m_txdata, m_mdb)) {
        return SetError(serror, SCRIPT_ERR_SCHNORR_SIG_HASHTYPE);
    }
    if (!VerifySchnorrSignature(sig, pubkey, sighash)) return SetError(serror, SCRIPT_ERR_SCHNORR_SIG);
    return true;
}

template <class Tx>
bool GenericTransactionSignatureChecker<Tx>::CheckLockTime(const ScriptNum& lock_time) const
{
    // BIP65: both must be heights or both times, the tx must be at least as late, and the input non-final
    // (a final input would bypass nLockTime).
    const int64_t tx_lock = m_tx->lock_time;
    const int64_t want = lock_time.value();
    if (!((tx_lock < LOCKTIME_THRESHOLD && want < LOCKTIME_THRESHOLD) ||
          (tx_lock >= LOCKTIME_THRESHOLD && want >= LOCKTIME_THRESHOLD))) {
        return false;
    }
    if (want > tx_lock) return false;
    if (m_tx->vin[m_n_in].sequence == TxIn::SEQUENCE_FINAL) return false;
    return true;
}

template <class Tx>
bool GenericTransactionSignatureChecker<Tx>::CheckSequence(const ScriptNum& sequence) const
{
    // BIP112: relative lock times need tx version >= 2 and an input whose own relative lock is enabled.
    const int64_t tx_sequence = m_tx->vin[m_n_in].sequence;
    // Core's version field is unsigned (uint32_t): a "negative" version such as 0xffffffff counts as >= 2.
    if (static_cast<uint32_t>(m_tx->version) < 2) return false;
    if (tx_sequence & TxIn::SEQUENCE_LOCKTIME_DISABLE_FLAG) return false;
    const uint32_t mask = TxIn::SEQUENCE_LOCKTIME_TYPE_FLAG | TxIn::SEQUENCE_LOCKTIME_MASK;
    const int64_t tx_masked = tx_sequence & mask;
    const int64_t want_masked = sequence.value() & mask;
    const int64_t type_flag = TxIn::SEQUENCE_LOCKTIME_TYPE_FLAG;
    if (!((tx_masked < type_flag && want_masked < type_flag) || (tx_masked >= type_flag && want_masked >= type_flag))) {
        return false;
    }
    return want_masked <= tx_masked;
}

template class GenericTransactionSignatureChecker<Transaction>;
template class GenericTransactionSignatureChecker<MutableTransaction>;

// ---- witness programs ----------------------------------------------------------------------------------

namespace {

bool ExecuteWitnessScript(std::span<const ValType> stack_span, const Script& exec_script, uint32_t flags,
                          SigVersion sigversion, const BaseSignatureChecker& checker, ScriptExecutionData& execdata,
                          ScriptError* serror)
{
    ScriptStack stack(stack_span.begin(), stack_span.end());
    if (sigversion == SigVersion::TAPSCRIPT) {
        // BIP342: any OP_SUCCESSx makes the script succeed unconditionally, checked before execution; a script
        // that does not even parse fails.
        size_t pc = 0;
        while (pc < exec_script.size()) {
            opcodetype op;
            if (!exec_script.GetOp(pc, op)) return SetError(serror, SCRIPT_ERR_BAD_OPCODE);
            if (IsOpSuccess(op)) {
                if (flags & SCRIPT_VERIFY_DISCOURAGE_OP_SUCCESS) {
                    return SetError(serror, SCRIPT_ERR_DISCOURAGE_OP_SUCCESS);
                }
                return SetSuccess(serror);
            }
        }
        // The initial stack is limited too (BIP342).
        if (stack.size() > MAX_STACK_SIZE) return SetError(serror, SCRIPT_ERR_STACK_SIZE);
    }
    for (const ValType& elem : stack) {
        if (elem.size() > MAX_SCRIPT_ELEMENT_SIZE) return SetError(serror, SCRIPT_ERR_PUSH_SIZE);
    }
    if (!EvalScript(stack, exec_script, flags, checker, sigversion, execdata, serror)) return false;
    // Witness scripts must leave exactly one true element (BIP141 clean stack is consensus here).
    if (stack.size() != 1) return SetError(serror, SCRIPT_ERR_CLEANSTACK);
    if (!CastToBool(stack.back())) return SetError(serror, SCRIPT_ERR_EVAL_FALSE);
    return true;
}

uint256 ComputeTapbranchHash(std::span<const uint8_t> a, std::span<const uint8_t> b)
{
    HashWriter w = TaggedHashWriter("TapBranch");
    if (std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end())) {
        w.write(a);
        w.write(b);
    } else {
        w.write(b);
        w.write(a);
    }
    return w.GetSha256();
}

bool VerifyTaprootCommitment(const ValType& control, const ValType& program, const uint256& tapleaf_hash)
{
    const XOnlyPubKey p(std::span<const uint8_t>(control.data() + 1, TAPROOT_CONTROL_BASE_SIZE - 1));
    const XOnlyPubKey q(std::span<const uint8_t>(program.data(), 32));
    const uint256 merkle_root = ComputeTaprootMerkleRoot(control, tapleaf_hash);
    return q.CheckTapTweak(p, merkle_root, control[0] & 1);
}

size_t WitnessStackSerializeSize(const ScriptWitness& witness)
{
    size_t size = CompactSizeLen(witness.stack.size());
    for (const auto& item : witness.stack) size += CompactSizeLen(item.size()) + item.size();
    return size;
}

/** Pay-to-anchor (BIP of Core 28): OP_1 <0x4e73>, spendable without witness. */
bool IsPayToAnchor(int version, const ValType& program)
{
    return version == 1 && program.size() == 2 && program[0] == 0x4e && program[1] == 0x73;
}

bool VerifyWitnessProgram(const ScriptWitness& witness, int witversion, const ValType& program, uint32_t flags,
                          const BaseSignatureChecker& checker, ScriptError* serror, bool is_p2sh)
{
    std::span<const ValType> stack{witness.stack};
    ScriptExecutionData execdata;

    if (witversion == 0) {
        if (program.size() == WITNESS_V0_SCRIPTHASH_SIZE) {
            // P2WSH: the last item is the script, its SHA256 the program.
            if (stack.empty()) return SetError(serror, SCRIPT_ERR_WITNESS_PROGRAM_WITNESS_EMPTY);
            const ValType& script_bytes = stack.back();
            stack = stack.first(stack.size() - 1);
            const Script exec_script(script_bytes);
            const uint256 hash = Sha256Hash(script_bytes);
            if (std::memcmp(hash.begin(), program.data(), 32) != 0) {
                return SetError(serror, SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH);
            }
            return ExecuteWitnessScript(stack, exec_script, flags, SigVersion::WITNESS_V0, checker, execdata, serror);
        } else if (program.size() == WITNESS_V0_KEYHASH_SIZE) {
            // P2WPKH: exactly signature and key, run through the implied P2PKH script.
            if (stack.size() != 2) return SetError(serror, SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH);
            Script exec_script;
            exec_script << OP_DUP << OP_HASH160;
            exec_script.PushData(program);
            exec_script << OP_EQUALVERIFY << OP_CHECKSIG;
            return ExecuteWitnessScript(stack, exec_script, flags, SigVersion::WITNESS_V0, checker, execdata, serror);
        } else {
            return SetError(serror, SCRIPT_ERR_WITNESS_PROGRAM_WRONG_LENGTH);
        }
    } else if (witversion == 1 && program.size() == WITNESS_V1_TAPROOT_SIZE && !is_p2sh) {
        // BIP341 taproot.
        if (!(flags & SCRIPT_VERIFY_TAPROOT)) return SetSuccess(serror);
        if (stack.empty()) return SetError(serror, SCRIPT_ERR_WITNESS_PROGRAM_WITNESS_EMPTY);
        if (stack.size() >= 2 && !stack.back().empty() && stack.back()[0] == ANNEX_TAG) {
            // The annex is committed to by the signature hash (its SHA256 over the compact-size-prefixed bytes).
            const ValType& annex = stack.back();
            stack = stack.first(stack.size() - 1);
            HashWriter w;
            WriteCompactSize(w, annex.size());
            w.write(annex);
            execdata.annex_hash = w.GetSha256();
            execdata.annex_present = true;
        } else {
            execdata.annex_present = false;
        }
        execdata.annex_init = true;
        if (stack.size() == 1) {
            // Key path: one signature against the output key.
            if (!checker.CheckSchnorrSignature(stack.front(), program, SigVersion::TAPROOT, execdata, serror)) {
                return false;
            }
            return SetSuccess(serror);
        }
        // Script path: ... script control.
        const ValType& control = stack.back();
        const ValType& script = stack[stack.size() - 2];
        stack = stack.first(stack.size() - 2);
        if (control.size() < TAPROOT_CONTROL_BASE_SIZE || control.size() > TAPROOT_CONTROL_MAX_SIZE ||
            ((control.size() - TAPROOT_CONTROL_BASE_SIZE) % TAPROOT_CONTROL_NODE_SIZE) != 0) {
            return SetError(serror, SCRIPT_ERR_TAPROOT_WRONG_CONTROL_SIZE);
        }
        execdata.tapleaf_hash = ComputeTapleafHash(control[0] & TAPROOT_LEAF_MASK, script);
        if (!VerifyTaprootCommitment(control, program, execdata.tapleaf_hash)) {
            return SetError(serror, SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH);
        }
        execdata.tapleaf_hash_init = true;
        if ((control[0] & TAPROOT_LEAF_MASK) == TAPROOT_LEAF_TAPSCRIPT) {
            // BIP342: the signature budget is the serialized witness size plus an offset.
            const Script exec_script(script);
            execdata.validation_weight_left = int64_t(WitnessStackSerializeSize(witness)) + VALIDATION_WEIGHT_OFFSET;
            execdata.validation_weight_left_init = true;
            return ExecuteWitnessScript(stack, exec_script, flags, SigVersion::TAPSCRIPT, checker, execdata, serror);
        }
        // Unknown leaf versions succeed (upgradable), unless policy discourages them.
        if (flags & SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION) {
            return SetError(serror, SCRIPT_ERR_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION);
        }
        return SetSuccess(serror);
    } else if (!is_p2sh && IsPayToAnchor(witversion, program)) {
        return true;
    } else {
        // Higher witness versions and other sizes are left for future soft forks (BIP141).
        if (flags & SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM) {
            return SetError(serror, SCRIPT_ERR_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM);
        }
        return true;
    }
}

}  // namespace

bool VerifyScript(const Script& script_sig, const Script& script_pubkey, const ScriptWitness* witness, uint32_t flags,
                  const BaseSignatureChecker& checker, ScriptError* serror)
{
    static const ScriptWitness EMPTY_WITNESS;
    if (witness == nullptr) witness = &EMPTY_WITNESS;
    bool had_witness = false;

    SetError(serror, SCRIPT_ERR_UNKNOWN_ERROR);

    if ((flags & SCRIPT_VERIFY_SIGPUSHONLY) != 0 && !script_sig.IsPushOnly()) {
        return SetError(serror, SCRIPT_ERR_SIG_PUSHONLY);
    }

    ScriptStack stack, stack_copy;
    if (!EvalScript(stack, script_sig, flags, checker, SigVersion::BASE, serror)) return false;
    if (flags & SCRIPT_VERIFY_P2SH) stack_copy = stack;
    if (!EvalScript(stack, script_pubkey, flags, checker, SigVersion::BASE, serror)) return false;
    if (stack.empty()) return SetError(serror, SCRIPT_ERR_EVAL_FALSE);
    if (!CastToBool(stack.back())) return SetError(serror, SCRIPT_ERR_EVAL_FALSE);

    int witness_version;
    ValType witness_program;
    if (flags & SCRIPT_VERIFY_WITNESS) {
        if (script_pubkey.IsWitnessProgram(witness_version, witness_program)) {
            had_witness = true;
            // Native witness programs need an empty scriptSig, or the txid would be malleable.
            if (!script_sig.empty()) return SetError(serror, SCRIPT_ERR_WITNESS_MALLEATED);
            if (!VerifyWitnessProgram(*witness, witness_version, witness_program, flags, checker, serror, false)) {
                return false;
            }
            // Bypass the cleanstack check: the witness program left the stack as is.
            stack.resize(1);
        }
    }

    // BIP16 pay-to-script-hash.
    if ((flags & SCRIPT_VERIFY_P2SH) && script_pubkey.IsPayToScriptHash()) {
        if (!script_sig.IsPushOnly()) return SetError(serror, SCRIPT_ERR_SIG_PUSHONLY);
        std::swap(stack, stack_copy);
        // The scriptSig left at least the redeem script (the pubkey script hashed something).
        if (stack.empty()) return SetError(serror, SCRIPT_ERR_INVALID_STACK_OPERATION);
        const Script redeem_script(stack.back());
        stack.pop_back();
        if (!EvalScript(stack, redeem_script, flags, checker, SigVersion::BASE, serror)) return false;
        if (stack.empty()) return SetError(serror, SCRIPT_ERR_EVAL_FALSE);
        if (!CastToBool(stack.back())) return SetError(serror, SCRIPT_ERR_EVAL_FALSE);

        if (flags & SCRIPT_VERIFY_WITNESS) {
            if (redeem_script.IsWitnessProgram(witness_version, witness_program)) {
                had_witness = true;
                // P2SH-wrapped witness: the scriptSig must be exactly the push of the redeem script.
                Script expected;
                expected.PushData(redeem_script.bytes());
                if (script_sig != expected) return SetError(serror, SCRIPT_ERR_WITNESS_MALLEATED_P2SH);
                if (!VerifyWitnessProgram(*witness, witness_version, witness_program, flags, checker, serror, true)) {
                    return false;
                }
                stack.resize(1);
            }
        }
    }

    // CLEANSTACK (BIP62 rule 6) is only meaningful together with P2SH and WITNESS, as Core requires.
    if ((flags & SCRIPT_VERIFY_CLEANSTACK) != 0) {
        if (stack.size() != 1) return SetError(serror, SCRIPT_ERR_CLEANSTACK);
    }

    if (flags & SCRIPT_VERIFY_WITNESS) {
        // A witness on an input that does not spend a witness program would be malleable.
        if (!had_witness && !witness->IsNull()) return SetError(serror, SCRIPT_ERR_WITNESS_UNEXPECTED);
    }

    return SetSuccess(serror);
}

namespace {
size_t WitnessSigOps(int witversion, const ValType& program, const ScriptWitness& witness)
{
    if (witversion == 0) {
        if (program.size() == WITNESS_V0_KEYHASH_SIZE) return 1;
        if (program.size() == WITNESS_V0_SCRIPTHASH_SIZE && !witness.stack.empty()) {
            return Script(witness.stack.back()).GetSigOpCount(true);
        }
    }
    // Taproot and future versions have no sigops in this sense (BIP342 uses the validation weight budget).
    return 0;
}
}  // namespace

size_t CountWitnessSigOps(const Script& script_sig, const Script& script_pubkey, const ScriptWitness* witness,
                          uint32_t flags)
{
    static const ScriptWitness EMPTY_WITNESS;
    if (witness == nullptr) witness = &EMPTY_WITNESS;
    if ((flags & SCRIPT_VERIFY_WITNESS) == 0) return 0;

    int version;
    ValType program;
    if (script_pubkey.IsWitnessProgram(version, program)) return WitnessSigOps(version, program, *witness);

    if (script_pubkey.IsPayToScriptHash() && script_sig.IsPushOnly()) {
        size_t pc = 0;
        ValType data;
        while (pc < script_sig.size()) {
            opcodetype op;
            script_sig.GetOp(pc, op, &data);
        }
        const Script subscript(data);
        if (subscript.IsWitnessProgram(version, program)) return WitnessSigOps(version, program, *witness);
    }
    return 0;
}

uint256 ComputeTapleafHash(uint8_t leaf_version, std::span<const uint8_t> script)
{
    HashWriter w = TaggedHashWriter("TapLeaf");
    const uint8_t version[1] = {leaf_version};
    w.write(version);
    WriteCompactSize(w, script.size());
    w.write(script);
    return w.GetSha256();
}

uint256 ComputeTaprootMerkleRoot(std::span<const uint8_t> control, const uint256& tapleaf_hash)
{
    // Callers validate the size; a malformed control block just yields the leaf hash path it has.
    const size_t path_len =
        control.size() < TAPROOT_CONTROL_BASE_SIZE ? 0 : (control.size() - TAPROOT_CONTROL_BASE_SIZE) / TAPROOT_CONTROL_NODE_SIZE;
    uint256 k = tapleaf_hash;
    for (size_t i = 0; i < path_len; ++i) {
        const auto node = control.subspan(TAPROOT_CONTROL_BASE_SIZE + TAPROOT_CONTROL_NODE_SIZE * i,
                                          TAPROOT_CONTROL_NODE_SIZE);
        k = ComputeTapbranchHash(std::span<const uint8_t>(k.begin(), k.end()), node);
    }
    return k;
}

// ---- flag names ----------------------------------------------------------------------------------------

namespace {
const std::map<std::string, uint32_t>& FlagNames()
{
    static const std::map<std::string, uint32_t> names{
        {"P2SH", SCRIPT_VERIFY_P2SH},
        {"STRICTENC", SCRIPT_VERIFY_STRICTENC},
        {"DERSIG", SCRIPT_VERIFY_DERSIG},
        {"LOW_S", SCRIPT_VERIFY_LOW_S},
        {"SIGPUSHONLY", SCRIPT_VERIFY_SIGPUSHONLY},
        {"MINIMALDATA", SCRIPT_VERIFY_MINIMALDATA},
        {"NULLDUMMY", SCRIPT_VERIFY_NULLDUMMY},
        {"DISCOURAGE_UPGRADABLE_NOPS", SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_NOPS},
        {"CLEANSTACK", SCRIPT_VERIFY_CLEANSTACK},
        {"MINIMALIF", SCRIPT_VERIFY_MINIMALIF},
        {"NULLFAIL", SCRIPT_VERIFY_NULLFAIL},
        {"CHECKLOCKTIMEVERIFY", SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY},
        {"CHECKSEQUENCEVERIFY", SCRIPT_VERIFY_CHECKSEQUENCEVERIFY},
        {"WITNESS", SCRIPT_VERIFY_WITNESS},
        {"DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM", SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM},
        {"WITNESS_PUBKEYTYPE", SCRIPT_VERIFY_WITNESS_PUBKEYTYPE},
        {"CONST_SCRIPTCODE", SCRIPT_VERIFY_CONST_SCRIPTCODE},
        {"TAPROOT", SCRIPT_VERIFY_TAPROOT},
        {"DISCOURAGE_UPGRADABLE_PUBKEYTYPE", SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE},
        {"DISCOURAGE_OP_SUCCESS", SCRIPT_VERIFY_DISCOURAGE_OP_SUCCESS},
        {"DISCOURAGE_UPGRADABLE_TAPROOT_VERSION", SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION},
    };
    return names;
}
}  // namespace

std::optional<uint32_t> ParseScriptFlags(const std::string& names)
{
    uint32_t flags = SCRIPT_VERIFY_NONE;
    if (names.empty() || names == "NONE") return flags;
    size_t start = 0;
    while (true) {
        const size_t comma = names.find(',', start);
        const std::string word = names.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        auto it = FlagNames().find(word);
        if (it == FlagNames().end()) return std::nullopt;
        flags |= it->second;
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return flags;
}

std::string FormatScriptFlags(uint32_t flags)
{
    // As Core's GetScriptFlagNames: names in alphabetical order, then any unknown bits as 0x%08x.
    std::string out;
    uint32_t leftover = flags;
    for (const auto& [name, flag] : FlagNames()) {
        if (flags & flag) {
            if (!out.empty()) out += ',';
            out += name;
            leftover &= ~flag;
        }
    }
    if (leftover != 0) {
        char buf[16];
        std::snprintf(buf, sizeof(buf), "0x%08x", leftover);
        if (!out.empty()) out += ',';
        out += buf;
    }
    return out;
}
