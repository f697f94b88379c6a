// SipHash-2-4 (Aumasson and Bernstein) and Core's SipHash-1-3 "UJ" variant for hash-table keys.
#include "crypto/siphash.h"

#include <bit>

namespace {

// Initialization constants: "somepseudorandomlygeneratedbytes".
constexpr uint64_t C0 = 0x736f6d6570736575ULL;
constexpr uint64_t C1 = 0x646f72616e646f6dULL;
constexpr uint64_t C2 = 0x6c7967656e657261ULL;
constexpr uint64_t C3 = 0x7465646279746573ULL;
/** Standard finalization constant XORed into v2. */
constexpr uint64_t FINAL_PADDED = 0xff;
/** Core's UJ variant: "unpadded" in LE64, keeping its outputs apart from standard SipHash-1-3. */
constexpr uint64_t FINAL_UNPADDED = 0x6465646461706e75ULL;

struct State {
    uint64_t v0, v1, v2, v3;

    State(uint64_t k0, uint64_t k1) : v0(C0 ^ k0), v1(C1 ^ k1), v2(C2 ^ k0), v3(C3 ^ k1) {}
    explicit State(const uint64_t v[4]) : v0(v[0]), v1(v[1]), v2(v[2]), v3(v[3]) {}
    void Store(uint64_t v[4]) const
    {
        v[0] = v0;
        v[1] = v1;
        v[2] = v2;
        v[3] = v3;
    }

    void Round()
    {
        v0 += v1;
        v1 = std::rotl(v1, 13);
        v1 ^= v0;
        v0 = std::rotl(v0, 32);
        v2 += v3;
        v3 = std::rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = std::rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = std::rotl(v1, 17);
        v1 ^= v2;
        v2 = std::rotl(v2, 32);
    }
    State& Compress(uint64_t m, int rounds)
    {
        v3 ^= m;
        for (int i = 0; i < rounds; ++i) Round();
        v0 ^= m;
        return *this;
    }
    /** A jumbo block (d0..d3): XOR (d1,d2,d3,d0) in before the round and (d0,d1,d2,d3) after; with
     *  d1 = d2 = d3 = 0 this equals a normal block d0. */
    State& CompressJumbo(const uint256& h)
    {
        const uint64_t d0 = h.GetUint64(0), d1 = h.GetUint64(1), d2 = h.GetUint64(2), d3 = h.GetUint64(3);
        v3 ^= d0;
        v0 ^= d1;
        v1 ^= d2;
        v2 ^= d3;
        Round();
        v0 ^= d0;
        v1 ^= d1;
        v2 ^= d2;
        v3 ^= d3;
        return *this;
    }
    uint64_t Finalize(uint64_t constant, int rounds)
    {
        v2 ^= constant;
        for (int i = 0; i < rounds; ++i) Round();
        return v0 ^ v1 ^ v2 ^ v3;
    }
};

} // namespace

SipHasher::SipHasher(uint64_t k0, uint64_t k1)
{
    State(k0, k1).Store(m_v);
}

SipHasher& SipHasher::Write(uint64_t data)
{
    // Callers only use this at block boundaries (m_count % 8 == 0), where m_tmp is empty.
    State s(m_v);
    s.Compress(data, 2).Store(m_v);
    m_count = static_cast<uint8_t>(m_count + 8);
    return *this;
}

SipHasher& SipHasher::Write(std::span<const uint8_t> data)
{
    State s(m_v);
    uint64_t t = m_tmp;
    uint8_t c = m_count;
    for (uint8_t byte : data) {
        t |= uint64_t{byte} << (8 * (c % 8));
        ++c;
        if ((c & 7) == 0) {
            s.Compress(t, 2);
            t = 0;
        }
    }
    s.Store(m_v);
    m_tmp = t;
    m_count = c;
    return *this;
}

uint64_t SipHasher::Finalize() const
{
    // The last block carries the remaining bytes and the input length mod 256 in its top byte.
    State s(m_v);
    return s.Compress(m_tmp | (uint64_t{m_count} << 56), 2).Finalize(FINAL_PADDED, 4);
}

SipHasher13UJ::SipHasher13UJ(uint64_t k0, uint64_t k1)
{
    State(k0, k1).Store(m_v);
}

SipHasher13UJ& SipHasher13UJ::Write(uint64_t data)
{
    State s(m_v);
    s.Compress(data, 1).Store(m_v);
    return *this;
}

SipHasher13UJ& SipHasher13UJ::WriteJumbo(const uint256& hash)
{
    State s(m_v);
    s.CompressJumbo(hash).Store(m_v);
    return *this;
}

uint64_t SipHasher13UJ::Finalize() const
{
    State s(m_v);
    return s.Finalize(FINAL_UNPADDED, 3);
}

uint64_t SipHasher13UJ::Hash(const uint256& hash) const
{
    State s(m_v);
    return s.CompressJumbo(hash).Finalize(FINAL_UNPADDED, 3);
}

uint64_t SipHasher13UJ::Hash(const uint256& hash, uint64_t extra) const
{
    State s(m_v);
    return s.CompressJumbo(hash).Compress(extra, 1).Finalize(FINAL_UNPADDED, 3);
}

uint64_t SipHashUint256(uint64_t k0, uint64_t k1, const uint256& val)
{
    State s(k0, k1);
    for (int i = 0; i < 4; ++i) s.Compress(val.GetUint64(i), 2);
    return s.Compress(uint64_t{32} << 56, 2).Finalize(FINAL_PADDED, 4);
}

uint64_t SipHash24Uint256Extra(uint64_t k0, uint64_t k1, const uint256& val, uint32_t extra)
{
    State s(k0, k1);
    for (int i = 0; i < 4; ++i) s.Compress(val.GetUint64(i), 2);
    return s.Compress((uint64_t{36} << 56) | extra, 2).Finalize(FINAL_PADDED, 4);
}

uint64_t SipHashUint256Extra(uint64_t k0, uint64_t k1, const uint256& val, uint32_t extra)
{
    return SipHasher13UJ(k0, k1).Hash(val, uint64_t{extra});
}
