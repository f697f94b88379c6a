// Minimal descriptor inference for scripts without signing data (Core's InferScript at top level).
#include "json/descriptor_infer.h"

#include "address/destination.h"
#include "crypto/hash.h"
#include "crypto/pubkey.h"
#include "script/descriptor_checksum.h"
#include "script/solver.h"
#include "util/hex.h"

#include <optional>

namespace {
// Core's CPubKey::IsValidNonHybrid: descriptors never hold hybrid (0x06/0x07) keys.
bool IsNonHybridKey(const std::vector<uint8_t>& key) {
    return !key.empty() && (key[0] == 0x02 || key[0] == 0x03 || key[0] == 0x04);
}

// Where a script sits, which decides the key types allowed (Core's ParseScriptContext).
enum class Context { TOP, P2SH, P2WSH };

// Core's InferPubkey: non-hybrid, and uncompressed only outside witness scripts.
bool KeyAllowed(const std::vector<uint8_t>& key, Context ctx) {
    if (!IsNonHybridKey(key)) return false;
    return ctx != Context::P2WSH || key.size() == PubKey::COMPRESSED_SIZE;
}

std::optional<std::string> InferBody(const Script& script, Chain chain, Context ctx, const Script* known) {
    std::vector<std::vector<uint8_t>> data;
    const TxoutType type = Solver(script, data);
    if (type == TxoutType::PUBKEY && !data.empty() && KeyAllowed(data[0], ctx)) {
        return "pk(" + HexStr(data[0]) + ")";
    }
    if (type == TxoutType::MULTISIG && data.size() >= 2 && !data[0].empty()) {
        bool ok = true;
        std::string keys;
        for (size_t i = 1; i + 1 < data.size(); ++i) {
            if (!KeyAllowed(data[i], ctx)) {
                ok = false;
                break;
            }
            keys += "," + HexStr(data[i]);
        }
        if (ok) return "multi(" + std::to_string(int(data[0][0])) + keys + ")";
    }
    if (known && type == TxoutType::SCRIPTHASH && ctx == Context::TOP && !data.empty() &&
        Hash160(known->bytes()) == uint160(data[0])) {
        if (auto sub = InferBody(*known, chain, Context::P2SH, nullptr)) return "sh(" + *sub + ")";
    }
    if (known && type == TxoutType::WITNESS_V0_SCRIPTHASH && ctx != Context::P2WSH && !data.empty() &&
        Sha256Hash(known->bytes()) == uint256(data[0])) {
        if (auto sub = InferBody(*known, chain, Context::P2WSH, nullptr)) return "wsh(" + *sub + ")";
    }
    // The remaining forms exist only at top level.
    if (ctx != Context::TOP) return std::nullopt;
    if (type == TxoutType::WITNESS_V1_TAPROOT && !data.empty() && data[0].size() == XOnlyPubKey::SIZE) {
        const XOnlyPubKey key(data[0]);
        if (key.IsFullyValid()) return "rawtr(" + HexStr(data[0]) + ")";
    }
    Destination dest;
    if (ExtractDestination(script, dest) && GetScriptForDestination(dest) == script) {
        return "addr(" + EncodeDestination(dest, chain) + ")";
    }
    return "raw(" + HexStr(script.bytes()) + ")";
}
}  // namespace

std::string InferDescriptorString(const Script& script, Chain chain) {
    return AddDescriptorChecksum(*InferBody(script, chain, Context::TOP, nullptr));
}

std::string InferDescriptorString(const Script& script, Chain chain, const Script& known_script) {
    return AddDescriptorChecksum(*InferBody(script, chain, Context::TOP, &known_script));
}
