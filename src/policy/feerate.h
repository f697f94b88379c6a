// Fee rates as exact fractions (fee over virtual size), as Core's CFeeRate: ordering is exact, GetFee rounds up.
#pragma once

#include "primitives/transaction.h"

#include <compare>
#include <cstdint>
#include <string>

class FeeRate
{
public:
    FeeRate() = default;
    /** A rate of sat_per_kvb satoshis per 1000 virtual bytes. */
    explicit FeeRate(Amount sat_per_kvb) : m_fee(sat_per_kvb), m_size(1000) {}
    /** fee paid by size_vbytes virtual bytes; a non-positive size gives the zero rate. */
    FeeRate(Amount fee, int64_t size_vbytes)
    {
        if (size_vbytes > 0) {
            m_fee = fee;
            m_size = size_vbytes;
        }
    }

    /** Fee for size_vbytes at this rate, rounded up (a negative rate never rounds to 0, as Core). */
    Amount GetFee(int64_t size_vbytes) const;
    /** Satoshis per 1000 vbytes, rounded down. */
    Amount GetFeePerK() const;
    /** "0.00001000 BTC/kvB", or with sat_per_vb "1.000 sat/vB". */
    std::string ToString(bool sat_per_vb = false) const;

    friend std::strong_ordering operator<=>(const FeeRate& a, const FeeRate& b);
    friend bool operator==(const FeeRate& a, const FeeRate& b) { return (a <=> b) == 0; }
    FeeRate& operator+=(const FeeRate& other);

    Amount Fee() const { return m_fee; }
    int64_t Size() const { return m_size; }

private:
    Amount m_fee{0};
    int64_t m_size{0};  // 0 means the zero rate
};
