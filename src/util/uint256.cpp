// Fixed-size opaque blobs (uint160, uint256).
#include "util/uint256.h"

#include "util/hex.h"

#include <algorithm>

template <unsigned int BITS>
std::string BaseBlob<BITS>::GetHex() const
{
    std::array<uint8_t, WIDTH> rev;
    std::reverse_copy(m_data.begin(), m_data.end(), rev.begin());
    return HexStr(rev);
}

template <unsigned int BITS>
std::optional<BaseBlob<BITS>> BaseBlob<BITS>::FromHex(std::string_view hex)
{
    if (hex.size() != WIDTH * 2) return std::nullopt;
    auto bytes = TryParseHex(hex);
    if (!bytes || bytes->size() != WIDTH) return std::nullopt;
    std::reverse(bytes->begin(), bytes->end());
    return BaseBlob(*bytes);
}

template class BaseBlob<160>;
template class BaseBlob<256>;
