// Script: the byte container for scriptSig/scriptPubKey, opcodes, ScriptNum and the structural queries
// consensus needs (P2SH / witness program detection, sigop counting). Evaluation lives in script/.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

/** Maximum number of bytes pushable to the stack. */
constexpr unsigned int MAX_SCRIPT_ELEMENT_SIZE = 520;
/** Maximum number of non-push operations per script. */
constexpr int MAX_OPS_PER_SCRIPT = 201;
/** Maximum number of public keys per multisig. */
constexpr int MAX_PUBKEYS_PER_MULTISIG = 20;
/** The limit of keys in OP_CHECKSIGADD-based scripts (bounded by the stack size). */
constexpr unsigned int MAX_PUBKEYS_PER_MULTI_A = 999;
/** Maximum script length in bytes. */
constexpr int MAX_SCRIPT_SIZE = 10000;
/** Maximum number of values on script interpreter stack. */
constexpr int MAX_STACK_SIZE = 1000;
/** nLockTime below this is a block height, at or above it a unix time. */
constexpr unsigned int LOCKTIME_THRESHOLD = 500000000;
/** Largest locktime; CLTV's argument is at most this. */
constexpr unsigned int LOCKTIME_MAX = 0xFFFFFFFFU;
/** Tag for the annex in taproot witness (BIP341). */
constexpr uint8_t ANNEX_TAG = 0x50;
/** Validation weight per passing signature (tapscript, BIP342). */
constexpr int64_t VALIDATION_WEIGHT_PER_SIGOP_PASSED = 50;
/** How much weight budget is added to the witness size (tapscript, BIP342). */
constexpr int64_t VALIDATION_WEIGHT_OFFSET = 50;

enum opcodetype : uint8_t {
    // push value
    OP_0 = 0x00,
    OP_FALSE = OP_0,
    OP_PUSHDATA1 = 0x4c,
    OP_PUSHDATA2 = 0x4d,
    OP_PUSHDATA4 = 0x4e,
    OP_1NEGATE = 0x4f,
    OP_RESERVED = 0x50,
    OP_1 = 0x51,
    OP_TRUE = OP_1,
    OP_2 = 0x52,
    OP_3 = 0x53,
    OP_4 = 0x54,
    OP_5 = 0x55,
    OP_6 = 0x56,
    OP_7 = 0x57,
    OP_8 = 0x58,
    OP_9 = 0x59,
    OP_10 = 0x5a,
    OP_11 = 0x5b,
    OP_12 = 0x5c,
    OP_13 = 0x5d,
    OP_14 = 0x5e,
    OP_15 = 0x5f,
    OP_16 = 0x60,
    // control
    OP_NOP = 0x61,
    OP_VER = 0x62,
    OP_IF = 0x63,
    OP_NOTIF = 0x64,
    OP_VERIF = 0x65,
    OP_VERNOTIF = 0x66,
    OP_ELSE = 0x67,
    OP_ENDIF = 0x68,
    OP_VERIFY = 0x69,
    OP_RETURN = 0x6a,
    // stack ops
    OP_TOALTSTACK = 0x6b,
    OP_FROMALTSTACK = 0x6c,
    OP_2DROP = 0x6d,
    OP_2DUP = 0x6e,
    OP_3DUP = 0x6f,
    OP_2OVER = 0x70,
    OP_2ROT = 0x71,
    OP_2SWAP = 0x72,
    OP_IFDUP = 0x73,
    OP_DEPTH = 0x74,
    OP_DROP = 0x75,
    OP_DUP = 0x76,
    OP_NIP = 0x77,
    OP_OVER = 0x78,
    OP_PICK = 0x79,
    OP_ROLL = 0x7a,
    OP_ROT = 0x7b,
    OP_SWAP = 0x7c,
    OP_TUCK = 0x7d,
    // splice ops
    OP_CAT = 0x7e,
    OP_SUBSTR = 0x7f,
    OP_LEFT = 0x80,
    OP_RIGHT = 0x81,
    OP_SIZE = 0x82,
    // bit logic
    OP_INVERT = 0x83,
    OP_AND = 0x84,
    OP_OR = 0x85,
    OP_XOR = 0x86,
    OP_EQUAL = 0x87,
    OP_EQUALVERIFY = 0x88,
    OP_RESERVED1 = 0x89,
    OP_RESERVED2 = 0x8a,
    // numeric
    OP_1ADD = 0x8b,
    OP_1SUB = 0x8c,
    OP_2MUL = 0x8d,
    OP_2DIV = 0x8e,
    OP_NEGATE = 0x8f,
    OP_ABS = 0x90,
    OP_NOT = 0x91,
    OP_0NOTEQUAL = 0x92,
    OP_ADD = 0x93,
    OP_SUB = 0x94,
    OP_MUL = 0x95,
    OP_DIV = 0x96,
    OP_MOD = 0x97,
    OP_LSHIFT = 0x98,
    OP_RSHIFT = 0x99,
    OP_BOOLAND = 0x9a,
    OP_BOOLOR = 0x9b,
    OP_NUMEQUAL = 0x9c,
    OP_NUMEQUALVERIFY = 0x9d,
    OP_NUMNOTEQUAL = 0x9e,
    OP_LESSTHAN = 0x9f,
    OP_GREATERTHAN = 0xa0,
    OP_LESSTHANOREQUAL = 0xa1,
    OP_GREATERTHANOREQUAL = 0xa2,
    OP_MIN = 0xa3,
    OP_MAX = 0xa4,
    OP_WITHIN = 0xa5,
    // crypto
    OP_RIPEMD160 = 0xa6,
    OP_SHA1 = 0xa7,
    OP_SHA256 = 0xa8,
    OP_HASH160 = 0xa9,
    OP_HASH256 = 0xaa,
    OP_CODESEPARATOR = 0xab,
    OP_CHECKSIG = 0xac,
    OP_CHECKSIGVERIFY = 0xad,
    OP_CHECKMULTISIG = 0xae,
    OP_CHECKMULTISIGVERIFY = 0xaf,
    // expansion
    OP_NOP1 = 0xb0,
    OP_CHECKLOCKTIMEVERIFY = 0xb1,
    OP_NOP2 = OP_CHECKLOCKTIMEVERIFY,
    OP_CHECKSEQUENCEVERIFY = 0xb2,
    OP_NOP3 = OP_CHECKSEQUENCEVERIFY,
    OP_NOP4 = 0xb3,
    OP_NOP5 = 0xb4,
    OP_NOP6 = 0xb5,
    OP_NOP7 = 0xb6,
    OP_NOP8 = 0xb7,
    OP_NOP9 = 0xb8,
    OP_NOP10 = 0xb9,
    // Opcode added by BIP 342 (Tapscript)
    OP_CHECKSIGADD = 0xba,
    OP_INVALIDOPCODE = 0xff,
};

/** Highest opcode that is not OP_INVALIDOPCODE-like in legacy scripts (Core's MAX_OPCODE). */
constexpr unsigned int MAX_OPCODE = OP_NOP10;

/** Core's GetOpName: "OP_DUP", "0" for OP_0, "-1", "1".."16", "OP_UNKNOWN" for undefined. */
std::string GetOpName(opcodetype opcode);
/** Parse an opcode name with or without "OP_" prefix (used by the test-vector asm parser). */
std::optional<opcodetype> ParseOpName(const std::string& name);

/** Thrown by ScriptNum on overlong or non-minimal encodings; caught inside the interpreter only. */
struct ScriptNumError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/** Script integers: little-endian sign-magnitude, arithmetic inputs limited to 4 bytes (CScriptNum). */
class ScriptNum
{
public:
    static constexpr size_t DEFAULT_MAX_NUM_SIZE = 4;

    explicit ScriptNum(int64_t n) : m_value(n) {}
    ScriptNum(std::span<const uint8_t> vch, bool require_minimal, size_t max_num_size = DEFAULT_MAX_NUM_SIZE);

    /** True when vch is the minimal encoding of its value. */
    static bool IsMinimallyEncoded(std::span<const uint8_t> vch, size_t max_num_size = DEFAULT_MAX_NUM_SIZE);

    int64_t value() const { return m_value; }
    /** Clamped to int range as Core's getint(). */
    int GetInt() const
    {
        if (m_value > std::numeric_limits<int>::max()) return std::numeric_limits<int>::max();
        if (m_value < std::numeric_limits<int>::min()) return std::numeric_limits<int>::min();
        return static_cast<int>(m_value);
    }
    std::vector<uint8_t> GetBytes() const { return Serialize(m_value); }
    static std::vector<uint8_t> Serialize(int64_t value);

private:
    int64_t m_value;
};

class Script
{
public:
    Script() = default;
    Script(std::vector<uint8_t> bytes) : m_bytes(std::move(bytes)) {}
    template <typename It>
    Script(It begin, It end) : m_bytes(begin, end)
    {
    }

    // Building scripts (used by tools, tests and later the wallet).
    Script& operator<<(opcodetype op)
    {
        m_bytes.push_back(op);
        return *this;
    }
    /** Pushes a number as OP_0 / OP_1NEGATE / OP_1..OP_16 or a minimal ScriptNum push. */
    Script& PushInt(int64_t n);
    /** Pushes data with the smallest push opcode. */
    Script& PushData(std::span<const uint8_t> data);
    Script& operator<<(std::span<const uint8_t> data) { return PushData(data); }
    Script& operator<<(const std::vector<uint8_t>& data) { return PushData(data); }
    Script& operator<<(const Script&) = delete;  // ambiguous: push the bytes or append them? Be explicit.
    Script& Append(std::span<const uint8_t> raw)
    {
        m_bytes.insert(m_bytes.end(), raw.begin(), raw.end());
        return *this;
    }

    /** Reads the opcode at pc, advancing pc; pushed data goes to *data. False on a truncated push or at end. */
    bool GetOp(size_t& pc, opcodetype& op, std::vector<uint8_t>* data = nullptr) const;

    static int DecodeOP_N(opcodetype op) { return op == OP_0 ? 0 : int(op) - int(OP_1) + 1; }
    static opcodetype EncodeOP_N(int n) { return n == 0 ? OP_0 : opcodetype(OP_1 + n - 1); }

    /** Legacy sigop count; accurate mode counts CHECKMULTISIG by its preceding OP_n (as for P2SH). */
    unsigned int GetSigOpCount(bool accurate) const;
    /** Sigops of a P2SH redeem script, taken from the last push of script_sig. */
    unsigned int GetSigOpCount(const Script& script_sig) const;

    bool IsPayToScriptHash() const;
    bool IsPayToWitnessScriptHash() const;
    bool IsPayToTaproot() const;
    /** BIP141 witness program: OP_n (0..16) followed by one 2..40 byte push, nothing else. */
    bool IsWitnessProgram(int& version, std::vector<uint8_t>& program) const;
    /** Only push opcodes (OP_RESERVED counts as a push here, as in Core). */
    bool IsPushOnly(size_t pc = 0) const;
    /** Every opcode parses and none is above MAX_OPCODE. */
    bool HasValidOps() const;
    /** Provably unspendable: starts with OP_RETURN or exceeds MAX_SCRIPT_SIZE. */
    bool IsUnspendable() const
    {
        return (!m_bytes.empty() && m_bytes[0] == OP_RETURN) || m_bytes.size() > MAX_SCRIPT_SIZE;
    }

    const std::vector<uint8_t>& bytes() const { return m_bytes; }
    std::vector<uint8_t>& bytes() { return m_bytes; }
    size_t size() const { return m_bytes.size(); }
    bool empty() const { return m_bytes.empty(); }
    uint8_t operator[](size_t i) const { return m_bytes[i]; }
    auto begin() const { return m_bytes.begin(); }
    auto end() const { return m_bytes.end(); }
    const uint8_t* data() const { return m_bytes.data(); }
    void clear() { m_bytes.clear(); }

    friend bool operator==(const Script& a, const Script& b) = default;
    friend auto operator<=>(const Script& a, const Script& b) = default;

private:
    std::vector<uint8_t> m_bytes;
};

/** Witness stack of one input. */
struct ScriptWitness {
    std::vector<std::vector<uint8_t>> stack;
    bool IsNull() const { return stack.empty(); }
    friend bool operator==(const ScriptWitness&, const ScriptWitness&) = default;
};

/** OP_SUCCESSx opcodes of BIP342 (tapscript only). */
bool IsOpSuccess(opcodetype op);
