// Script <-> text conversions with Core's exact output.
#include "script/script_asm.h"

#include "script/interpreter.h"
#include "util/hex.h"
#include "util/strencodings.h"

#include <algorithm>
#include <cctype>

std::optional<Script> ParseScript(const std::string& text, std::string* error)
{
    auto fail = [&](const std::string& msg) -> std::optional<Script> {
        if (error) *error = msg;
        return std::nullopt;
    };
    auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    Script result;
    size_t i = 0;
    while (i <= text.size()) {
        size_t j = text.find_first_of(" \t\n", i);
        if (j == std::string::npos) j = text.size();
        std::string w = text.substr(i, j - i);
        i = j + 1;
        if (w.empty()) continue;
        if (std::all_of(w.begin(), w.end(), is_digit) ||
            (w.front() == '-' && w.size() > 1 && std::all_of(w.begin() + 1, w.end(), is_digit))) {
            auto num = ParseInt64(w);
            if (!num || *num > int64_t{0xffffffff} || *num < -int64_t{0xffffffff}) {
                return fail("script parse error: decimal numeric value only allowed in the range "
                            "-0xFFFFFFFF...0xFFFFFFFF");
            }
            result.PushInt(*num);
        } else if (w.starts_with("0x") && w.size() > 2 && IsHex(w.substr(2))) {
            // Raw bytes, inserted without a push opcode.
            result.Append(ParseHex(w.substr(2)));
        } else if (w.size() >= 2 && w.front() == '\'' && w.back() == '\'') {
            std::vector<uint8_t> value(w.begin() + 1, w.end() - 1);
            result.PushData(value);
        } else if (auto op = ParseOpName(w)) {
            result << *op;
        } else {
            return fail("script parse error: unknown opcode");
        }
    }
    return result;
}

namespace {
const char* SighashName(uint8_t type)
{
    switch (type) {
    case SIGHASH_ALL: return "ALL";
    case SIGHASH_ALL | SIGHASH_ANYONECANPAY: return "ALL|ANYONECANPAY";
    case SIGHASH_NONE: return "NONE";
    case SIGHASH_NONE | SIGHASH_ANYONECANPAY: return "NONE|ANYONECANPAY";
    case SIGHASH_SINGLE: return "SINGLE";
    case SIGHASH_SINGLE | SIGHASH_ANYONECANPAY: return "SINGLE|ANYONECANPAY";
    default: return nullptr;
    }
}

// Core decodes a sighash suffix only for pushes that pass STRICTENC signature checks.
bool LooksLikeStrictSignature(const std::vector<uint8_t>& sig)
{
    if (!IsValidSignatureEncoding(sig)) return false;
    const int type = sig.back() & ~SIGHASH_ANYONECANPAY;
    return type >= SIGHASH_ALL && type <= SIGHASH_SINGLE;
}
}  // namespace

std::string ScriptToAsmStr(const Script& script, bool attempt_sighash_decode)
{
    std::string str;
    size_t pc = 0;
    opcodetype op;
    std::vector<uint8_t> data;
    while (pc < script.size()) {
        if (!str.empty()) str += " ";
        if (!script.GetOp(pc, op, &data)) {
            str += "[error]";
            return str;
        }
        if (op <= OP_PUSHDATA4) {
            if (data.size() <= 4) {
                str += std::to_string(ScriptNum(data, false).GetInt());
            } else if (attempt_sighash_decode && !script.IsUnspendable()) {
                std::string suffix;
                if (LooksLikeStrictSignature(data)) {
                    if (const char* name = SighashName(data.back())) {
                        suffix = std::string("[") + name + "]";
                        data.pop_back();
                    }
                }
                str += HexStr(data) + suffix;
            } else {
                str += HexStr(data);
            }
        } else {
            str += GetOpName(op);
        }
    }
    return str;
}
