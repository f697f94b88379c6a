// Minimal descriptor inference for scripts without signing data (Core's InferScript at top level).
#include "json/descriptor_infer.h"

#include "address/destination.h"
#include "crypto/pubkey.h"
#include "script/descriptor_checksum.h"
#include "script/solver.h"
#include "util/hex.h"

namespace {
// Core's CPubKey::IsValidNonHybrid: descriptors never hold hybrid (0x06/0x07) keys.
bool IsNonHybridKey(const std::vector<uint8_t>& key)
{
    return !key.empty() && (key[0] == 0x02 || key[0] == 0x03 || key[0] == 0x04);
}

std::string InferBody(const Script& script, Chain chain)
{
    std::vector<std::vector<uint8_t>> data;
    const TxoutType type = Solver(script, data);
    if (type == TxoutType::PUBKEY && !data.empty() && IsNonHybridKey(data[0])) {
        return "pk(" + HexStr(data[0]) + ")";
    }
    if (type == TxoutType::MULTISIG && data.size() >= 2 && !data[0].empty()) {
        bool ok = true;
        std::string keys;
        for (size_t i = 1; i + 1 < data.size(); ++i) {
            if (!IsNonHybridKey(data[i])) {
                ok = false;
                break;
            }
            keys += "," + HexStr(data[i]);
        }
        if (ok) return "multi(" + std::to_string(int(data[0][0])) + keys + ")";
    }
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

std::string InferDescriptorString(const Script& script, Chain chain)
{
    return AddDescriptorChecksum(InferBody(script, chain));
}
