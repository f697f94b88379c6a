// Fixed-size opaque blobs (uint160, uint256) as used for hashes; hex shown byte-reversed as Core does.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

template <unsigned int BITS>
class BaseBlob
{
public:
    static constexpr int WIDTH = BITS / 8;

    constexpr BaseBlob() : m_data{} {}
    explicit BaseBlob(std::span<const uint8_t> bytes) { std::memcpy(m_data.data(), bytes.data(), WIDTH); }

    bool IsNull() const
    {
        for (uint8_t b : m_data) {
            if (b != 0) return false;
        }
        return true;
    }
    void SetNull() { m_data.fill(0); }

    /** Hex of the bytes in reverse order (how txids and block hashes are displayed). */
    std::string GetHex() const;
    std::string ToString() const { return GetHex(); }
    /** Parse display-order hex of exactly WIDTH*2 hex digits. */
    static std::optional<BaseBlob> FromHex(std::string_view hex);

    uint8_t* begin() { return m_data.data(); }
    uint8_t* end() { return m_data.data() + WIDTH; }
    const uint8_t* begin() const { return m_data.data(); }
    const uint8_t* end() const { return m_data.data() + WIDTH; }
    uint8_t* data() { return m_data.data(); }
    const uint8_t* data() const { return m_data.data(); }
    static constexpr unsigned int size() { return WIDTH; }

    /** Little-endian 64-bit word i (for hashing into tables). */
    uint64_t GetUint64(int pos) const
    {
        uint64_t v;
        std::memcpy(&v, m_data.data() + pos * 8, 8);
        return v;
    }

    friend auto operator<=>(const BaseBlob& a, const BaseBlob& b) = default;
    friend bool operator==(const BaseBlob& a, const BaseBlob& b) = default;

private:
    std::array<uint8_t, WIDTH> m_data;
};

using uint160 = BaseBlob<160>;
using uint256 = BaseBlob<256>;
