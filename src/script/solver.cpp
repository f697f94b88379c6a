// Output-script classification as Core's Solver: templates are matched in Core's order, with Core's quirks.
#include "script/solver.h"

#include "crypto/pubkey.h"

#include <optional>

namespace {

using Bytes = std::vector<uint8_t>;

/** BIP141 program sizes, and BIP341's for taproot. */
constexpr size_t WITNESS_V0_KEYHASH_SIZE = 20;
constexpr size_t WITNESS_V0_SCRIPTHASH_SIZE = 32;
constexpr size_t WITNESS_V1_TAPROOT_SIZE = 32;

/** A push whose length agrees with its key-type header byte (Core's CPubKey::ValidSize; not a curve check). */
bool ValidPubKeySize(const Bytes& data)
{
    return !data.empty() && PubKey::GetLen(data[0]) == data.size();
}

/** Pay-to-anchor: OP_1 <0x4e73> (the witness v1 program 4e73). */
bool IsPayToAnchor(int version, const Bytes& program)
{
    return version == 1 && program.size() == 2 && program[0] == 0x4e && program[1] == 0x73;
}

/** data was pushed with the shortest opcode able to push it (Core's CheckMinimalPush). */
bool IsMinimalPush(const Bytes& data, opcodetype op)
{
    if (data.empty()) return op == OP_0;
    if (data.size() == 1 && data[0] >= 1 && data[0] <= 16) return false;  // OP_1..OP_16
    if (data.size() == 1 && data[0] == 0x81) return false;                 // OP_1NEGATE
    if (data.size() <= 75) return op == data.size();
    if (data.size() <= 255) return op == OP_PUSHDATA1;
    if (data.size() <= 65535) return op == OP_PUSHDATA2;
    return true;
}

/** A number in [min, max] written as OP_1..OP_16 or as a minimal push of a minimal ScriptNum. */
std::optional<int> GetScriptNumber(opcodetype op, const Bytes& data, int min, int max)
{
    int value;
    if (op >= OP_1 && op <= OP_16) {
        value = Script::DecodeOP_N(op);
    } else if (op <= OP_PUSHDATA4) {
        if (!IsMinimalPush(data, op)) return std::nullopt;
        if (!ScriptNum::IsMinimallyEncoded(data)) return std::nullopt;
        value = ScriptNum(data, true).GetInt();
    } else {
        return std::nullopt;
    }
    if (value < min || value > max) return std::nullopt;
    return value;
}

bool MatchPayToPubkey(const Script& script, Bytes& pubkey)
{
    for (size_t size : {PubKey::SIZE, PubKey::COMPRESSED_SIZE}) {
        if (script.size() == size + 2 && script[0] == size && script[size + 1] == OP_CHECKSIG) {
            pubkey.assign(script.begin() + 1, script.begin() + 1 + static_cast<std::ptrdiff_t>(size));
            return ValidPubKeySize(pubkey);
        }
    }
    return false;
}

bool MatchPayToPubkeyHash(const Script& script, Bytes& hash)
{
    if (script.size() == 25 && script[0] == OP_DUP && script[1] == OP_HASH160 && script[2] == 20 &&
        script[23] == OP_EQUALVERIFY && script[24] == OP_CHECKSIG) {
        hash.assign(script.begin() + 3, script.begin() + 23);
        return true;
    }
    return false;
}

/** <m> <pubkey>... <n> OP_CHECKMULTISIG with 1 <= m <= n <= 20 and exactly n keys of valid size. */
bool MatchMultisig(const Script& script, int& required, std::vector<Bytes>& pubkeys)
{
    if (script.empty() || script[script.size() - 1] != OP_CHECKMULTISIG) return false;
    size_t pc = 0;
    opcodetype op;
    Bytes data;
    if (!script.GetOp(pc, op, &data)) return false;
    const auto m = GetScriptNumber(op, data, 1, MAX_PUBKEYS_PER_MULTISIG);
    if (!m) return false;
    required = *m;
    while (script.GetOp(pc, op, &data) && ValidPubKeySize(data)) pubkeys.push_back(data);
    const auto n = GetScriptNumber(op, data, required, MAX_PUBKEYS_PER_MULTISIG);
    if (!n || pubkeys.size() != static_cast<size_t>(*n)) return false;
    return pc + 1 == script.size();  // only OP_CHECKMULTISIG may follow
}

} // namespace

std::string GetTxnOutputType(TxoutType type)
{
    switch (type) {
    case TxoutType::NONSTANDARD: return "nonstandard";
    case TxoutType::PUBKEY: return "pubkey";
    case TxoutType::PUBKEYHASH: return "pubkeyhash";
    case TxoutType::SCRIPTHASH: return "scripthash";
    case TxoutType::MULTISIG: return "multisig";
    case TxoutType::NULL_DATA: return "nulldata";
    case TxoutType::ANCHOR: return "anchor";
    case TxoutType::WITNESS_V0_KEYHASH: return "witness_v0_keyhash";
    case TxoutType::WITNESS_V0_SCRIPTHASH: return "witness_v0_scripthash";
    case TxoutType::WITNESS_V1_TAPROOT: return "witness_v1_taproot";
    case TxoutType::WITNESS_UNKNOWN: return "witness_unknown";
    }
    return "nonstandard";
}

TxoutType Solver(const Script& script_pubkey, std::vector<std::vector<uint8_t>>& solutions)
{
    solutions.clear();

    // P2SH first: its template is the most constrained.
    if (script_pubkey.IsPayToScriptHash()) {
        solutions.emplace_back(script_pubkey.begin() + 2, script_pubkey.begin() + 22);
        return TxoutType::SCRIPTHASH;
    }

    int version;
    Bytes program;
    if (script_pubkey.IsWitnessProgram(version, program)) {
        if (version == 0 && program.size() == WITNESS_V0_KEYHASH_SIZE) {
            solutions.push_back(std::move(program));
            return TxoutType::WITNESS_V0_KEYHASH;
        }
        if (version == 0 && program.size() == WITNESS_V0_SCRIPTHASH_SIZE) {
            solutions.push_back(std::move(program));
            return TxoutType::WITNESS_V0_SCRIPTHASH;
        }
        if (version == 1 && program.size() == WITNESS_V1_TAPROOT_SIZE) {
            solutions.push_back(std::move(program));
            return TxoutType::WITNESS_V1_TAPROOT;
        }
        if (IsPayToAnchor(version, program)) return TxoutType::ANCHOR;
        if (version != 0) {
            // Includes v1 programs that are not 32 bytes (nor the anchor).
            solutions.push_back(Bytes{static_cast<uint8_t>(version)});
            solutions.push_back(std::move(program));
            return TxoutType::WITNESS_UNKNOWN;
        }
        return TxoutType::NONSTANDARD;  // v0 with a size other than 20 or 32: unspendable
    }

    // Provably unspendable data carrier: OP_RETURN and then pushes only, whatever they hold.
    if (!script_pubkey.empty() && script_pubkey[0] == OP_RETURN && script_pubkey.IsPushOnly(1)) {
        return TxoutType::NULL_DATA;
    }

    Bytes data;
    if (MatchPayToPubkey(script_pubkey, data)) {
        solutions.push_back(std::move(data));
        return TxoutType::PUBKEY;
    }
    if (MatchPayToPubkeyHash(script_pubkey, data)) {
        solutions.push_back(std::move(data));
        return TxoutType::PUBKEYHASH;
    }

    int required = 0;
    std::vector<Bytes> keys;
    if (MatchMultisig(script_pubkey, required, keys)) {
        // m and n fit a byte: both are in 1..20.
        solutions.push_back(Bytes{static_cast<uint8_t>(required)});
        solutions.insert(solutions.end(), keys.begin(), keys.end());
        solutions.push_back(Bytes{static_cast<uint8_t>(keys.size())});
        return TxoutType::MULTISIG;
    }

    solutions.clear();
    return TxoutType::NONSTANDARD;
}

Script GetScriptForMultisig(int required, const std::vector<std::vector<uint8_t>>& pubkeys)
{
    Script script;
    script.PushInt(required);
    for (const auto& key : pubkeys) script.PushData(key);
    script.PushInt(static_cast<int64_t>(pubkeys.size()));
    script << OP_CHECKMULTISIG;
    return script;
}
