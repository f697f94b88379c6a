// Fuzz target: script text. ParseScript on the input as text and ScriptToAsmStr on it as script bytes never crash;
// parsed text disassembles, and scripts whose asm has no ambiguity parse back to the same bytes.
#include "fuzz_check.h"
#include "script/script_asm.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size > 20000) return 0;  // parse time is linear; longer inputs add nothing
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::string error;
    const auto parsed = ParseScript(text, &error);
    if (parsed) {
        FUZZ_CHECK(error.empty());
        (void)ScriptToAsmStr(*parsed, false);
        (void)ScriptToAsmStr(*parsed, true);
    } else {
        FUZZ_CHECK(!error.empty());
    }

    const Script script(std::vector<uint8_t>(data, data + size));
    const std::string plain = ScriptToAsmStr(script, false);
    const std::string decoded = ScriptToAsmStr(script, true);
    // A script of opcodes only (no data pushes, which asm prints as numbers or hex without their push opcode)
    // round-trips through ParseScript when every name is one ParseScript knows (Core: OP_NOP..MAX_OPCODE and
    // OP_RESERVED; OP_1NEGATE..OP_16 print as numbers, which parse back to the same opcodes).
    bool only_ops = true;
    size_t pc = 0;
    opcodetype op;
    while (pc < script.size()) {
        if (!script.GetOp(pc, op) || op <= OP_PUSHDATA4 || op > MAX_OPCODE || GetOpName(op) == "OP_UNKNOWN") {
            only_ops = false;
            break;
        }
    }
    if (only_ops) {
        FUZZ_CHECK(plain == decoded);
        const auto back = ParseScript(plain);
        FUZZ_CHECK(back && *back == script);
    }
    return 0;
}
