// MuHash3072 (Core's crypto/muhash): a rolling set hash, the product of ChaCha20-expanded SHA256 digests of the
// elements modulo the prime 2^3072 - 1103717, kept as numerator and denominator so elements can be removed.
#pragma once

#include "util/uint256.h"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

class MuHash3072
{
public:
    static constexpr size_t BYTE_SIZE = 384;  // one 3072-bit number, little endian
    using Num = std::array<uint8_t, BYTE_SIZE>;

    /** The empty set (numerator and denominator 1). */
    MuHash3072();
    /** The set holding one element. */
    explicit MuHash3072(std::span<const uint8_t> element);

    MuHash3072& operator*=(const MuHash3072& other);
    MuHash3072& operator/=(const MuHash3072& other);
    MuHash3072& Insert(std::span<const uint8_t> element);
    MuHash3072& Remove(std::span<const uint8_t> element);
    /** SHA256 of numerator / denominator (fully reduced, 384 bytes little endian); resets the denominator to 1. */
    void Finalize(uint256& out);

    /** Core's serialization: numerator then denominator, 384 bytes each, little endian. */
    std::vector<uint8_t> Serialize() const;
    /** nullopt unless exactly 768 bytes. */
    static std::optional<MuHash3072> Deserialize(std::span<const uint8_t> bytes);

private:
    Num m_numerator{};
    Num m_denominator{};
};
