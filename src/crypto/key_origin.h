// BIP32 key origin: the master key's fingerprint and the derivation path from it (Core's KeyOriginInfo). Shared by
// descriptors, PSBT and the wallet, so it lives below all of them.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <cstddef>

/** A serialized BIP32 extended key: without and with its 4 version bytes. */
inline constexpr size_t BIP32_EXTKEY_SIZE = 74;
inline constexpr size_t BIP32_EXTKEY_WITH_VERSION_SIZE = 78;

using KeyPath = std::vector<uint32_t>;

struct KeyOriginInfo {
    std::array<uint8_t, 4> fingerprint{};
    KeyPath path;
    friend bool operator==(const KeyOriginInfo&, const KeyOriginInfo&) = default;
    /** Core's ordering: fingerprint, then path length, then path. */
    friend bool operator<(const KeyOriginInfo& a, const KeyOriginInfo& b)
    {
        if (a.fingerprint != b.fingerprint) return a.fingerprint < b.fingerprint;
        if (a.path.size() != b.path.size()) return a.path.size() < b.path.size();
        return a.path < b.path;
    }
};
