// Script <-> text: Core's ParseScript test syntax, and the "asm" form of decodescript / decoderawtransaction.
#pragma once

#include "primitives/script.h"

#include <optional>
#include <string>

/** Parse Core's script text ("0x14 0x<hex> DUP HASH160 'text' 16"); nullopt + error message on failure
 *  ("script parse error: unknown opcode", ...). */
std::optional<Script> ParseScript(const std::string& text, std::string* error = nullptr);

/** The asm form; with attempt_sighash_decode, signature pushes end in "[ALL]" etc. as in scriptSig asm. */
std::string ScriptToAsmStr(const Script& script, bool attempt_sighash_decode = false);
