// Script container, opcode names, ScriptNum and structural queries.
#include "primitives/script.h"

#include <map>

std::string GetOpName(opcodetype opcode)
{
    switch (opcode) {
    case OP_0: return "0";
    case OP_PUSHDATA1: return "OP_PUSHDATA1";
    case OP_PUSHDATA2: return "OP_PUSHDATA2";
    case OP_PUSHDATA4: return "OP_PUSHDATA4";
    case OP_1NEGATE: return "-1";
    case OP_RESERVED: return "OP_RESERVED";
    case OP_1: return "1";
    case OP_2: return "2";
    case OP_3: return "3";
    case OP_4: return "4";
    case OP_5: return "5";
    case OP_6: return "6";
    case OP_7: return "7";
    case OP_8: return "8";
    case OP_9: return "9";
    case OP_10: return "10";
    case OP_11: return "11";
    case OP_12: return "12";
    case OP_13: return "13";
    case OP_14: return "14";
    case OP_15: return "15";
    case OP_16: return "16";
    case OP_NOP: return "OP_NOP";
    case OP_VER: return "OP_VER";
    case OP_IF: return "OP_IF";
    case OP_NOTIF: return "OP_NOTIF";
    case OP_VERIF: return "OP_VERIF";
    case OP_VERNOTIF: return "OP_VERNOTIF";
    case OP_ELSE: return "OP_ELSE";
    case OP_ENDIF: return "OP_ENDIF";
    case OP_VERIFY: return "OP_VERIFY";
    case OP_RETURN: return "OP_RETURN";
    case OP_TOALTSTACK: return "OP_TOALTSTACK";
    case OP_FROMALTSTACK: return "OP_FROMALTSTACK";
    case OP_2DROP: return "OP_2DROP";
    case OP_2DUP: return "OP_2DUP";
    case OP_3DUP: return "OP_3DUP";
    case OP_2OVER: return "OP_2OVER";
    case OP_2ROT: return "OP_2ROT";
    case OP_2SWAP: return "OP_2SWAP";
    case OP_IFDUP: return "OP_IFDUP";
    case OP_DEPTH: return "OP_DEPTH";
    case OP_DROP: return "OP_DROP";
    case OP_DUP: return "OP_DUP";
    case OP_NIP: return "OP_NIP";
    case OP_OVER: return "OP_OVER";
    case OP_PICK: return "OP_PICK";
    case OP_ROLL: return "OP_ROLL";
    case OP_ROT: return "OP_ROT";
    case OP_SWAP: return "OP_SWAP";
    case OP_TUCK: return "OP_TUCK";
    case OP_CAT: return "OP_CAT";
    case OP_SUBSTR: return "OP_SUBSTR";
    case OP_LEFT: return "OP_LEFT";
    case OP_RIGHT: return "OP_RIGHT";
    case OP_SIZE: return "OP_SIZE";
    case OP_INVERT: return "OP_INVERT";
    case OP_AND: return "OP_AND";
    case OP_OR: return "OP_OR";
    case OP_XOR: return "OP_XOR";
    case OP_EQUAL: return "OP_EQUAL";
    case OP_EQUALVERIFY: return "OP_EQUALVERIFY";
    case OP_RESERVED1: return "OP_RESERVED1";
    case OP_RESERVED2: return "OP_RESERVED2";
    case OP_1ADD: return "OP_1ADD";
    case OP_1SUB: return "OP_1SUB";
    case OP_2MUL: return "OP_2MUL";
    case OP_2DIV: return "OP_2DIV";
    case OP_NEGATE: return "OP_NEGATE";
    case OP_ABS: return "OP_ABS";
    case OP_NOT: return "OP_NOT";
    case OP_0NOTEQUAL: return "OP_0NOTEQUAL";
    case OP_ADD: return "OP_ADD";
    case OP_SUB: return "OP_SUB";
    case OP_MUL: return "OP_MUL";
    case OP_DIV: return "OP_DIV";
    case OP_MOD: return "OP_MOD";
    case OP_LSHIFT: return "OP_LSHIFT";
    case OP_RSHIFT: return "OP_RSHIFT";
    case OP_BOOLAND: return "OP_BOOLAND";
    case OP_BOOLOR: return "OP_BOOLOR";
    case OP_NUMEQUAL: return "OP_NUMEQUAL";
    case OP_NUMEQUALVERIFY: return "OP_NUMEQUALVERIFY";
    case OP_NUMNOTEQUAL: return "OP_NUMNOTEQUAL";
    case OP_LESSTHAN: return "OP_LESSTHAN";
    case OP_GREATERTHAN: return "OP_GREATERTHAN";
    case OP_LESSTHANOREQUAL: return "OP_LESSTHANOREQUAL";
    case OP_GREATERTHANOREQUAL: return "OP_GREATERTHANOREQUAL";
    case OP_MIN: return "OP_MIN";
    case OP_MAX: return "OP_MAX";
    case OP_WITHIN: return "OP_WITHIN";
    case OP_RIPEMD160: return "OP_RIPEMD160";
    case OP_SHA1: return "OP_SHA1";
    case OP_SHA256: return "OP_SHA256";
    case OP_HASH160: return "OP_HASH160";
    case OP_HASH256: return "OP_HASH256";
    case OP_CODESEPARATOR: return "OP_CODESEPARATOR";
    case OP_CHECKSIG: return "OP_CHECKSIG";
    case OP_CHECKSIGVERIFY: return "OP_CHECKSIGVERIFY";
    case OP_CHECKMULTISIG: return "OP_CHECKMULTISIG";
    case OP_CHECKMULTISIGVERIFY: return "OP_CHECKMULTISIGVERIFY";
    case OP_NOP1: return "OP_NOP1";
    case OP_CHECKLOCKTIMEVERIFY: return "OP_CHECKLOCKTIMEVERIFY";
    case OP_CHECKSEQUENCEVERIFY: return "OP_CHECKSEQUENCEVERIFY";
    case OP_NOP4: return "OP_NOP4";
    case OP_NOP5: return "OP_NOP5";
    case OP_NOP6: return "OP_NOP6";
    case OP_NOP7: return "OP_NOP7";
    case OP_NOP8: return "OP_NOP8";
    case OP_NOP9: return "OP_NOP9";
    case OP_NOP10: return "OP_NOP10";
    case OP_CHECKSIGADD: return "OP_CHECKSIGADD";
    case OP_INVALIDOPCODE: return "OP_INVALIDOPCODE";
    default: return "OP_UNKNOWN";
    }
}

std::optional<opcodetype> ParseOpName(const std::string& name)
{
    // As Core's ParseOpCode: the names GetOpName gives for OP_NOP..MAX_OPCODE and OP_RESERVED, with and
    // without the "OP_" prefix.
    static const std::map<std::string, opcodetype> table = [] {
        std::map<std::string, opcodetype> m;
        for (unsigned int op = 0; op <= MAX_OPCODE; ++op) {
            if (op < OP_NOP && op != OP_RESERVED) continue;
            std::string n = GetOpName(static_cast<opcodetype>(op));
            if (n == "OP_UNKNOWN") continue;
            m[n] = static_cast<opcodetype>(op);
            if (n.starts_with("OP_")) m[n.substr(3)] = static_cast<opcodetype>(op);
        }
        return m;
    }();
    auto it = table.find(name);
    if (it == table.end()) return std::nullopt;
    return it->second;
}

ScriptNum::ScriptNum(std::span<const uint8_t> vch, bool require_minimal, size_t max_num_size)
{
    if (vch.size() > max_num_size) throw ScriptNumError("script number overflow");
    if (require_minimal && !IsMinimallyEncoded(vch, max_num_size)) {
        throw ScriptNumError("non-minimally encoded script number");
    }
    if (vch.empty()) {
        m_value = 0;
        return;
    }
    uint64_t result = 0;
    for (size_t i = 0; i < vch.size(); ++i) result |= static_cast<uint64_t>(vch[i]) << (8 * i);
    // The sign bit lives in the top bit of the last byte.
    if (vch.back() & 0x80) {
        m_value = -static_cast<int64_t>(result & ~(uint64_t(0x80) << (8 * (vch.size() - 1))));
    } else {
        m_value = static_cast<int64_t>(result);
    }
}

bool ScriptNum::IsMinimallyEncoded(std::span<const uint8_t> vch, size_t max_num_size)
{
    if (vch.size() > max_num_size) return false;
    if (!vch.empty()) {
        // The last byte may only be 0x00/0x80 when the byte before needs its top bit for magnitude.
        if ((vch.back() & 0x7f) == 0) {
            if (vch.size() <= 1 || (vch[vch.size() - 2] & 0x80) == 0) return false;
        }
    }
    return true;
}

std::vector<uint8_t> ScriptNum::Serialize(int64_t value)
{
    if (value == 0) return {};
    std::vector<uint8_t> out;
    const bool neg = value < 0;
    uint64_t abs = neg ? ~static_cast<uint64_t>(value) + 1 : static_cast<uint64_t>(value);
    while (abs) {
        out.push_back(abs & 0xff);
        abs >>= 8;
    }
    if (out.back() & 0x80) {
        out.push_back(neg ? 0x80 : 0);
    } else if (neg) {
        out.back() |= 0x80;
    }
    return out;
}

Script& Script::PushInt(int64_t n)
{
    if (n == -1 || (n >= 1 && n <= 16)) {
        m_bytes.push_back(static_cast<uint8_t>(n + (OP_1 - 1)));
    } else if (n == 0) {
        m_bytes.push_back(OP_0);
    } else {
        PushData(ScriptNum::Serialize(n));
    }
    return *this;
}

Script& Script::PushData(std::span<const uint8_t> data)
{
    const size_t n = data.size();
    if (n < OP_PUSHDATA1) {
        m_bytes.push_back(static_cast<uint8_t>(n));
    } else if (n <= 0xff) {
        m_bytes.push_back(OP_PUSHDATA1);
        m_bytes.push_back(static_cast<uint8_t>(n));
    } else if (n <= 0xffff) {
        m_bytes.push_back(OP_PUSHDATA2);
        m_bytes.push_back(static_cast<uint8_t>(n));
        m_bytes.push_back(static_cast<uint8_t>(n >> 8));
    } else {
        m_bytes.push_back(OP_PUSHDATA4);
        for (int i = 0; i < 4; ++i) m_bytes.push_back(static_cast<uint8_t>(n >> (8 * i)));
    }
    m_bytes.insert(m_bytes.end(), data.begin(), data.end());
    return *this;
}

bool Script::GetOp(size_t& pc, opcodetype& op, std::vector<uint8_t>* data) const
{
    op = OP_INVALIDOPCODE;
    if (data) data->clear();
    const size_t end = m_bytes.size();
    if (pc >= end) return false;
    uint8_t opcode = m_bytes[pc++];
    if (opcode <= OP_PUSHDATA4) {
        uint64_t size = 0;
        if (opcode < OP_PUSHDATA1) {
            size = opcode;
        } else {
            const size_t width = opcode == OP_PUSHDATA1 ? 1 : opcode == OP_PUSHDATA2 ? 2 : 4;
            if (end - pc < width) return false;
            for (size_t i = 0; i < width; ++i) size |= uint64_t(m_bytes[pc + i]) << (8 * i);
            pc += width;
        }
        if (end - pc < size) return false;
        if (data) data->assign(m_bytes.begin() + pc, m_bytes.begin() + pc + size);
        pc += size;
    }
    op = static_cast<opcodetype>(opcode);
    return true;
}

unsigned int Script::GetSigOpCount(bool accurate) const
{
    unsigned int n = 0;
    size_t pc = 0;
    opcodetype last = OP_INVALIDOPCODE;
    opcodetype op;
    while (pc < m_bytes.size()) {
        if (!GetOp(pc, op)) break;
        if (op == OP_CHECKSIG || op == OP_CHECKSIGVERIFY) {
            n++;
        } else if (op == OP_CHECKMULTISIG || op == OP_CHECKMULTISIGVERIFY) {
            if (accurate && last >= OP_1 && last <= OP_16) {
                n += DecodeOP_N(last);
            } else {
                n += MAX_PUBKEYS_PER_MULTISIG;
            }
        }
        last = op;
    }
    return n;
}

unsigned int Script::GetSigOpCount(const Script& script_sig) const
{
    if (!IsPayToScriptHash()) return GetSigOpCount(true);
    // The redeem script is the last push of scriptSig; a non-push scriptSig counts zero.
    size_t pc = 0;
    std::vector<uint8_t> data;
    opcodetype op;
    while (pc < script_sig.size()) {
        if (!script_sig.GetOp(pc, op, &data)) return 0;
        if (op > OP_16) return 0;
    }
    return Script(data).GetSigOpCount(true);
}

bool Script::IsPayToScriptHash() const
{
    return m_bytes.size() == 23 && m_bytes[0] == OP_HASH160 && m_bytes[1] == 0x14 && m_bytes[22] == OP_EQUAL;
}

bool Script::IsPayToWitnessScriptHash() const
{
    return m_bytes.size() == 34 && m_bytes[0] == OP_0 && m_bytes[1] == 0x20;
}

bool Script::IsPayToTaproot() const
{
    return m_bytes.size() == 34 && m_bytes[0] == OP_1 && m_bytes[1] == 0x20;
}

bool Script::IsWitnessProgram(int& version, std::vector<uint8_t>& program) const
{
    if (m_bytes.size() < 4 || m_bytes.size() > 42) return false;
    if (m_bytes[0] != OP_0 && (m_bytes[0] < OP_1 || m_bytes[0] > OP_16)) return false;
    if (size_t(m_bytes[1]) + 2 == m_bytes.size()) {
        version = DecodeOP_N(static_cast<opcodetype>(m_bytes[0]));
        program.assign(m_bytes.begin() + 2, m_bytes.end());
        return true;
    }
    return false;
}

bool Script::IsPushOnly(size_t pc) const
{
    opcodetype op;
    while (pc < m_bytes.size()) {
        if (!GetOp(pc, op)) return false;
        // OP_RESERVED counts as a push here (Core: "> OP_16"), though it fails when executed.
        if (op > OP_16) return false;
    }
    return true;
}

bool Script::HasValidOps() const
{
    size_t pc = 0;
    std::vector<uint8_t> data;
    opcodetype op;
    while (pc < m_bytes.size()) {
        if (!GetOp(pc, op, &data) || op > MAX_OPCODE || data.size() > MAX_SCRIPT_ELEMENT_SIZE) return false;
    }
    return true;
}

bool IsOpSuccess(opcodetype op)
{
    const unsigned o = op;
    return o == 80 || o == 98 || (o >= 126 && o <= 129) || (o >= 131 && o <= 134) || (o >= 137 && o <= 138) ||
           (o >= 141 && o <= 142) || (o >= 149 && o <= 153) || (o >= 187 && o <= 254);
}
