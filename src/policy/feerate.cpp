// Fee rate arithmetic with Core's rounding.
#include "policy/feerate.h"

#include <cstdio>

namespace {
__int128 FloorDiv(__int128 a, __int128 b)
{
    __int128 q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}
}  // namespace

Amount FeeRate::GetFee(int64_t size_vbytes) const
{
    if (m_size == 0 || size_vbytes < 0) return 0;
    // ceil(fee * size / m_size)
    const __int128 num = static_cast<__int128>(m_fee) * size_vbytes;
    Amount fee = static_cast<Amount>(-FloorDiv(-num, m_size));
    if (fee == 0 && size_vbytes != 0 && m_fee < 0) return -1;
    return fee;
}

Amount FeeRate::GetFeePerK() const
{
    if (m_size == 0) return 0;
    return static_cast<Amount>(FloorDiv(static_cast<__int128>(m_fee) * 1000, m_size));
}

std::string FeeRate::ToString(bool sat_per_vb) const
{
    const Amount per_k = GetFeePerK();
    char buf[96];
    if (sat_per_vb) {
        std::snprintf(buf, sizeof(buf), "%lld.%03lld sat/vB", static_cast<long long>(per_k / 1000),
                      static_cast<long long>(per_k % 1000));
    } else {
        std::snprintf(buf, sizeof(buf), "%lld.%08lld BTC/kvB", static_cast<long long>(per_k / COIN),
                      static_cast<long long>(per_k % COIN));
    }
    return buf;
}

std::strong_ordering operator<=>(const FeeRate& a, const FeeRate& b)
{
    // Zero-size rates are the zero rate: compare as 0/1.
    const __int128 af = a.m_size ? a.m_fee : 0, as = a.m_size ? a.m_size : 1;
    const __int128 bf = b.m_size ? b.m_fee : 0, bs = b.m_size ? b.m_size : 1;
    return af * bs <=> bf * as;
}

FeeRate& FeeRate::operator+=(const FeeRate& other)
{
    // Core adds the per-kvB rates.
    *this = FeeRate(GetFeePerK() + other.GetFeePerK());
    return *this;
}
