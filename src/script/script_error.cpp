// Script error messages (Core's ScriptErrorString) and the short names used by script_tests.json.
#include "script/script_error.h"

#include <array>
#include <utility>

std::string ScriptErrorString(ScriptError err)
{
    switch (err) {
    case SCRIPT_ERR_OK: return "No error";
    case SCRIPT_ERR_EVAL_FALSE: return "Script evaluated without error but finished with a false/empty top stack element";
    case SCRIPT_ERR_VERIFY: return "Script failed an OP_VERIFY operation";
    case SCRIPT_ERR_EQUALVERIFY: return "Script failed an OP_EQUALVERIFY operation";
    case SCRIPT_ERR_CHECKMULTISIGVERIFY: return "Script failed an OP_CHECKMULTISIGVERIFY operation";
    case SCRIPT_ERR_CHECKSIGVERIFY: return "Script failed an OP_CHECKSIGVERIFY operation";
    case SCRIPT_ERR_NUMEQUALVERIFY: return "Script failed an OP_NUMEQUALVERIFY operation";
    case SCRIPT_ERR_SCRIPT_SIZE: return "Script is too big";
    case SCRIPT_ERR_PUSH_SIZE: return "Push value size limit exceeded";
    case SCRIPT_ERR_OP_COUNT: return "Operation limit exceeded";
    case SCRIPT_ERR_STACK_SIZE: return "Stack size limit exceeded";
    case SCRIPT_ERR_SIG_COUNT: return "Signature count negative or greater than pubkey count";
    case SCRIPT_ERR_PUBKEY_COUNT: return "Pubkey count negative or limit exceeded";
    case SCRIPT_ERR_BAD_OPCODE: return "Opcode missing or not understood";
    case SCRIPT_ERR_DISABLED_OPCODE: return "Attempted to use a disabled opcode";
    case SCRIPT_ERR_INVALID_STACK_OPERATION: return "Operation not valid with the current stack size";
    case SCRIPT_ERR_INVALID_ALTSTACK_OPERATION: return "Operation not valid with the current altstack size";
    case SCRIPT_ERR_OP_RETURN: return "OP_RETURN was encountered";
    case SCRIPT_ERR_UNBALANCED_CONDITIONAL: return "Invalid OP_IF construction";
    case SCRIPT_ERR_NEGATIVE_LOCKTIME: return "Negative locktime";
    case SCRIPT_ERR_UNSATISFIED_LOCKTIME: return "Locktime requirement not satisfied";
    case SCRIPT_ERR_SIG_HASHTYPE: return "Signature hash type missing or not understood";
    case SCRIPT_ERR_SIG_DER: return "Non-canonical DER signature";
    case SCRIPT_ERR_MINIMALDATA: return "Data push larger than necessary";
    case SCRIPT_ERR_SIG_PUSHONLY: return "Only push operators allowed in signatures";
    case SCRIPT_ERR_SIG_HIGH_S: return "Non-canonical signature: S value is unnecessarily high";
    case SCRIPT_ERR_SIG_NULLDUMMY: return "Dummy CHECKMULTISIG argument must be zero";
    case SCRIPT_ERR_MINIMALIF: return "OP_IF/NOTIF argument must be minimal";
    case SCRIPT_ERR_SIG_NULLFAIL: return "Signature must be zero for failed CHECK(MULTI)SIG operation";
    case SCRIPT_ERR_DISCOURAGE_UPGRADABLE_NOPS: return "NOPx reserved for soft-fork upgrades";
    case SCRIPT_ERR_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM: return "Witness version reserved for soft-fork upgrades";
    case SCRIPT_ERR_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION: return "Taproot version reserved for soft-fork upgrades";
    case SCRIPT_ERR_DISCOURAGE_OP_SUCCESS: return "OP_SUCCESSx reserved for soft-fork upgrades";
    case SCRIPT_ERR_DISCOURAGE_UPGRADABLE_PUBKEYTYPE: return "Public key version reserved for soft-fork upgrades";
    case SCRIPT_ERR_PUBKEYTYPE: return "Public key is neither compressed or uncompressed";
    case SCRIPT_ERR_CLEANSTACK: return "Stack size must be exactly one after execution";
    case SCRIPT_ERR_WITNESS_PROGRAM_WRONG_LENGTH: return "Witness program has incorrect length";
    case SCRIPT_ERR_WITNESS_PROGRAM_WITNESS_EMPTY: return "Witness program was passed an empty witness";
    case SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH: return "Witness program hash mismatch";
    case SCRIPT_ERR_WITNESS_MALLEATED: return "Witness requires empty scriptSig";
    case SCRIPT_ERR_WITNESS_MALLEATED_P2SH: return "Witness requires only-redeemscript scriptSig";
    case SCRIPT_ERR_WITNESS_UNEXPECTED: return "Witness provided for non-witness script";
    case SCRIPT_ERR_WITNESS_PUBKEYTYPE: return "Using non-compressed keys in segwit";
    case SCRIPT_ERR_SCHNORR_SIG_SIZE: return "Invalid Schnorr signature size";
    case SCRIPT_ERR_SCHNORR_SIG_HASHTYPE: return "Invalid Schnorr signature hash type";
    case SCRIPT_ERR_SCHNORR_SIG: return "Invalid Schnorr signature";
    case SCRIPT_ERR_TAPROOT_WRONG_CONTROL_SIZE: return "Invalid Taproot control block size";
    case SCRIPT_ERR_TAPSCRIPT_VALIDATION_WEIGHT: return "Too much signature validation relative to witness weight";
    case SCRIPT_ERR_TAPSCRIPT_CHECKMULTISIG: return "OP_CHECKMULTISIG(VERIFY) is not available in tapscript";
    case SCRIPT_ERR_TAPSCRIPT_MINIMALIF: return "OP_IF/NOTIF argument must be minimal in tapscript";
    case SCRIPT_ERR_TAPSCRIPT_EMPTY_PUBKEY: return "Empty public key in tapscript";
    case SCRIPT_ERR_OP_CODESEPARATOR: return "Using OP_CODESEPARATOR in non-witness script";
    case SCRIPT_ERR_SIG_FINDANDDELETE: return "Signature is found in scriptCode";
    case SCRIPT_ERR_SCRIPTNUM: return "Script number overflowed or is non-minimally encoded";
    case SCRIPT_ERR_UNKNOWN_ERROR:
    case SCRIPT_ERR_ERROR_COUNT: break;
    }  // no default: the compiler flags a missing case
    return "unknown error";
}

namespace {
// Names of script_tests.cpp's script_errors table; errors the table lacks use their enum name without the
// SCRIPT_ERR_ prefix.
const std::array<std::pair<ScriptError, const char*>, SCRIPT_ERR_ERROR_COUNT> ERROR_NAMES{{
    {SCRIPT_ERR_OK, "OK"},
    {SCRIPT_ERR_UNKNOWN_ERROR, "UNKNOWN_ERROR"},
    {SCRIPT_ERR_EVAL_FALSE, "EVAL_FALSE"},
    {SCRIPT_ERR_OP_RETURN, "OP_RETURN"},
    {SCRIPT_ERR_SCRIPTNUM, "SCRIPTNUM"},
    {SCRIPT_ERR_SCRIPT_SIZE, "SCRIPT_SIZE"},
    {SCRIPT_ERR_PUSH_SIZE, "PUSH_SIZE"},
    {SCRIPT_ERR_OP_COUNT, "OP_COUNT"},
    {SCRIPT_ERR_STACK_SIZE, "STACK_SIZE"},
    {SCRIPT_ERR_SIG_COUNT, "SIG_COUNT"},
    {SCRIPT_ERR_PUBKEY_COUNT, "PUBKEY_COUNT"},
    {SCRIPT_ERR_VERIFY, "VERIFY"},
    {SCRIPT_ERR_EQUALVERIFY, "EQUALVERIFY"},
    {SCRIPT_ERR_CHECKMULTISIGVERIFY, "CHECKMULTISIGVERIFY"},
    {SCRIPT_ERR_CHECKSIGVERIFY, "CHECKSIGVERIFY"},
    {SCRIPT_ERR_NUMEQUALVERIFY, "NUMEQUALVERIFY"},
    {SCRIPT_ERR_BAD_OPCODE, "BAD_OPCODE"},
    {SCRIPT_ERR_DISABLED_OPCODE, "DISABLED_OPCODE"},
    {SCRIPT_ERR_INVALID_STACK_OPERATION, "INVALID_STACK_OPERATION"},
    {SCRIPT_ERR_INVALID_ALTSTACK_OPERATION, "INVALID_ALTSTACK_OPERATION"},
    {SCRIPT_ERR_UNBALANCED_CONDITIONAL, "UNBALANCED_CONDITIONAL"},
    {SCRIPT_ERR_NEGATIVE_LOCKTIME, "NEGATIVE_LOCKTIME"},
    {SCRIPT_ERR_UNSATISFIED_LOCKTIME, "UNSATISFIED_LOCKTIME"},
    {SCRIPT_ERR_SIG_HASHTYPE, "SIG_HASHTYPE"},
    {SCRIPT_ERR_SIG_DER, "SIG_DER"},
    {SCRIPT_ERR_MINIMALDATA, "MINIMALDATA"},
    {SCRIPT_ERR_SIG_PUSHONLY, "SIG_PUSHONLY"},
    {SCRIPT_ERR_SIG_HIGH_S, "SIG_HIGH_S"},
    {SCRIPT_ERR_SIG_NULLDUMMY, "SIG_NULLDUMMY"},
    {SCRIPT_ERR_PUBKEYTYPE, "PUBKEYTYPE"},
    {SCRIPT_ERR_CLEANSTACK, "CLEANSTACK"},
    {SCRIPT_ERR_MINIMALIF, "MINIMALIF"},
    {SCRIPT_ERR_SIG_NULLFAIL, "NULLFAIL"},
    {SCRIPT_ERR_DISCOURAGE_UPGRADABLE_NOPS, "DISCOURAGE_UPGRADABLE_NOPS"},
    {SCRIPT_ERR_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM, "DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM"},
    {SCRIPT_ERR_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION, "DISCOURAGE_UPGRADABLE_TAPROOT_VERSION"},
    {SCRIPT_ERR_DISCOURAGE_OP_SUCCESS, "DISCOURAGE_OP_SUCCESS"},
    {SCRIPT_ERR_DISCOURAGE_UPGRADABLE_PUBKEYTYPE, "DISCOURAGE_UPGRADABLE_PUBKEYTYPE"},
    {SCRIPT_ERR_WITNESS_PROGRAM_WRONG_LENGTH, "WITNESS_PROGRAM_WRONG_LENGTH"},
    {SCRIPT_ERR_WITNESS_PROGRAM_WITNESS_EMPTY, "WITNESS_PROGRAM_WITNESS_EMPTY"},
    {SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH, "WITNESS_PROGRAM_MISMATCH"},
    {SCRIPT_ERR_WITNESS_MALLEATED, "WITNESS_MALLEATED"},
    {SCRIPT_ERR_WITNESS_MALLEATED_P2SH, "WITNESS_MALLEATED_P2SH"},
    {SCRIPT_ERR_WITNESS_UNEXPECTED, "WITNESS_UNEXPECTED"},
    {SCRIPT_ERR_WITNESS_PUBKEYTYPE, "WITNESS_PUBKEYTYPE"},
    {SCRIPT_ERR_SCHNORR_SIG_SIZE, "SCHNORR_SIG_SIZE"},
    {SCRIPT_ERR_SCHNORR_SIG_HASHTYPE, "SCHNORR_SIG_HASHTYPE"},
    {SCRIPT_ERR_SCHNORR_SIG, "SCHNORR_SIG"},
    {SCRIPT_ERR_TAPROOT_WRONG_CONTROL_SIZE, "TAPROOT_WRONG_CONTROL_SIZE"},
    {SCRIPT_ERR_TAPSCRIPT_VALIDATION_WEIGHT, "TAPSCRIPT_VALIDATION_WEIGHT"},
    {SCRIPT_ERR_TAPSCRIPT_CHECKMULTISIG, "TAPSCRIPT_CHECKMULTISIG"},
    {SCRIPT_ERR_TAPSCRIPT_MINIMALIF, "TAPSCRIPT_MINIMALIF"},
    {SCRIPT_ERR_TAPSCRIPT_EMPTY_PUBKEY, "TAPSCRIPT_EMPTY_PUBKEY"},
    {SCRIPT_ERR_OP_CODESEPARATOR, "OP_CODESEPARATOR"},
    {SCRIPT_ERR_SIG_FINDANDDELETE, "SIG_FINDANDDELETE"},
}};
}  // namespace

std::string ScriptErrorName(ScriptError err)
{
    for (const auto& [e, name] : ERROR_NAMES) {
        if (e == err) return name;
    }
    return "UNKNOWN_ERROR";
}

ScriptError ParseScriptErrorName(const std::string& name)
{
    for (const auto& [e, n] : ERROR_NAMES) {
        if (name == n) return e;
    }
    return SCRIPT_ERR_ERROR_COUNT;
}
