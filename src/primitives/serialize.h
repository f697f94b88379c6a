// Bitcoin's consensus serialization: little-endian integers, CompactSize lengths, byte and object vectors.
//
// Readers throw DeserializeError on malformed or truncated input; public decoders (DecodeTx, DecodeBlock, ...)
// catch it at the boundary and return an error value. Writers never fail.
#pragma once

#include "util/uint256.h"

#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

/** Largest length a CompactSize prefix may announce (Core's MAX_SIZE). */
constexpr uint64_t MAX_SERIALIZED_SIZE = 0x02000000;
/** Vectors are grown at most this many bytes at a time, so a forged length cannot force a huge allocation. */
constexpr size_t MAX_VECTOR_ALLOCATE = 5000000;

struct DeserializeError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// ---- streams -------------------------------------------------------------------------------------------

/** Reads from a borrowed byte span. */
class SpanReader
{
public:
    explicit SpanReader(std::span<const uint8_t> data) : m_data(data) {}
    void read(std::span<uint8_t> dst)
    {
        if (dst.size() > m_data.size() - m_pos) throw DeserializeError("end of data");
        if (!dst.empty()) std::memcpy(dst.data(), m_data.data() + m_pos, dst.size());
        m_pos += dst.size();
    }
    /** Appends n bytes to out without an intermediate zero fill. */
    void ReadAppend(std::vector<uint8_t>& out, size_t n)
    {
        if (n > m_data.size() - m_pos) throw DeserializeError("end of data");
        out.insert(out.end(), m_data.begin() + m_pos, m_data.begin() + m_pos + n);
        m_pos += n;
    }
    size_t remaining() const { return m_data.size() - m_pos; }
    /** The bytes read since position from. */
    std::span<const uint8_t> Since(size_t from) const { return m_data.subspan(from, m_pos - from); }
    bool empty() const { return remaining() == 0; }
    size_t pos() const { return m_pos; }

private:
    std::span<const uint8_t> m_data;
    size_t m_pos{0};
};

/** Appends to a caller-owned byte vector. */
class VectorWriter
{
public:
    explicit VectorWriter(std::vector<uint8_t>& out) : m_out(out) {}
    void write(std::span<const uint8_t> src) { m_out.insert(m_out.end(), src.begin(), src.end()); }

private:
    std::vector<uint8_t>& m_out;
};

/** Counts bytes without storing them. */
class SizeComputer
{
public:
    void write(std::span<const uint8_t> src) { m_size += src.size(); }
    size_t size() const { return m_size; }

private:
    size_t m_size{0};
};

// ---- integers ------------------------------------------------------------------------------------------

template <typename S, typename T>
    requires std::is_integral_v<T>
void WriteLE(S& s, T v)
{
    uint8_t buf[sizeof(T)];
    using U = std::make_unsigned_t<T>;
    U u = static_cast<U>(v);
    for (size_t i = 0; i < sizeof(T); ++i) buf[i] = static_cast<uint8_t>(u >> (8 * i));
    s.write(buf);
}

template <typename T, typename S>
    requires std::is_integral_v<T>
T ReadLE(S& s)
{
    uint8_t buf[sizeof(T)];
    s.read(buf);
    using U = std::make_unsigned_t<T>;
    U u = 0;
    for (size_t i = 0; i < sizeof(T); ++i) u |= static_cast<U>(static_cast<U>(buf[i]) << (8 * i));
    return static_cast<T>(u);
}

inline size_t CompactSizeLen(uint64_t n) { return n < 253 ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9; }

template <typename S>
void WriteCompactSize(S& s, uint64_t n)
{
    if (n < 253) {
        WriteLE<S, uint8_t>(s, static_cast<uint8_t>(n));
    } else if (n <= 0xffff) {
        WriteLE<S, uint8_t>(s, 253);
        WriteLE<S, uint16_t>(s, static_cast<uint16_t>(n));
    } else if (n <= 0xffffffff) {
        WriteLE<S, uint8_t>(s, 254);
        WriteLE<S, uint32_t>(s, static_cast<uint32_t>(n));
    } else {
        WriteLE<S, uint8_t>(s, 255);
        WriteLE<S, uint64_t>(s, n);
    }
}

/** Reads a CompactSize, rejecting non-minimal encodings and (when range_check) values above MAX_SERIALIZED_SIZE,
 *  with Core's error texts. */
template <typename S>
uint64_t ReadCompactSize(S& s, bool range_check = true)
{
    uint8_t first = ReadLE<uint8_t>(s);
    uint64_t n;
    if (first < 253) {
        n = first;
    } else if (first == 253) {
        n = ReadLE<uint16_t>(s);
        if (n < 253) throw DeserializeError("non-canonical ReadCompactSize()");
    } else if (first == 254) {
        n = ReadLE<uint32_t>(s);
        if (n < 0x10000u) throw DeserializeError("non-canonical ReadCompactSize()");
    } else {
        n = ReadLE<uint64_t>(s);
        if (n < 0x100000000ULL) throw DeserializeError("non-canonical ReadCompactSize()");
    }
    if (range_check && n > MAX_SERIALIZED_SIZE) throw DeserializeError("ReadCompactSize(): size too large");
    return n;
}

// ---- byte strings and blobs ----------------------------------------------------------------------------

template <typename S>
void WriteBytes(S& s, std::span<const uint8_t> bytes)
{
    WriteCompactSize(s, bytes.size());
    s.write(bytes);
}

/** Reads a length-prefixed byte string, growing the buffer in bounded steps. */
template <typename S>
std::vector<uint8_t> ReadBytes(S& s)
{
    uint64_t n = ReadCompactSize(s);
    std::vector<uint8_t> out;
    if constexpr (requires { s.ReadAppend(out, size_t{0}); }) {
        // In-memory input: the length is checked against the bytes present before anything is allocated.
        s.ReadAppend(out, n);
        return out;
    }
    size_t done = 0;
    while (done < n) {
        size_t step = std::min<size_t>(n - done, MAX_VECTOR_ALLOCATE);
        out.resize(done + step);
        s.read(std::span<uint8_t>(out.data() + done, step));
        done += step;
    }
    return out;
}

template <typename S, unsigned int BITS>
void WriteBlob(S& s, const BaseBlob<BITS>& b)
{
    s.write(std::span<const uint8_t>(b.data(), b.size()));
}

template <typename S>
uint256 ReadUint256(S& s)
{
    uint256 out;
    s.read(std::span<uint8_t>(out.data(), out.size()));
    return out;
}

/** Reads a CompactSize-prefixed vector of objects, each decoded by read_one(s); allocation grows with the data
 *  actually read, not with the announced count. */
template <typename T, typename S, typename F>
std::vector<T> ReadVector(S& s, F read_one)
{
    uint64_t n = ReadCompactSize(s);
    std::vector<T> out;
    out.reserve(std::min<uint64_t>(n, MAX_VECTOR_ALLOCATE / sizeof(T) / 16 + 1));
    for (uint64_t i = 0; i < n; ++i) out.push_back(read_one(s));
    return out;
}
