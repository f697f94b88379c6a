// Fuzz target: serialization primitives (CompactSize, integers, byte strings, vectors) on arbitrary bytes.
#include "fuzz_check.h"
#include "primitives/serialize.h"

#include <cstdint>
#include <span>
#include <vector>

namespace {
template <typename F>
bool Reads(F f)
{
    try {
        f();
        return true;
    } catch (const DeserializeError&) {
        return false;
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::span<const uint8_t> bytes(data, size);

    // CompactSize: what is read is canonical, so writing it back gives the bytes consumed.
    for (bool range_check : {true, false}) {
        SpanReader r(bytes);
        uint64_t n = 0;
        if (Reads([&] { n = ReadCompactSize(r, range_check); })) {
            FUZZ_CHECK(r.pos() == CompactSizeLen(n));
            std::vector<uint8_t> out;
            VectorWriter w(out);
            WriteCompactSize(w, n);
            FUZZ_CHECK(std::equal(out.begin(), out.end(), bytes.begin(), bytes.begin() + r.pos()));
            if (range_check) FUZZ_CHECK(n <= MAX_SERIALIZED_SIZE);
            SizeComputer sc;
            WriteCompactSize(sc, n);
            FUZZ_CHECK(sc.size() == out.size());
        }
    }

    // Fixed-width integers round-trip.
    {
        SpanReader r(bytes);
        uint64_t v64 = 0;
        if (Reads([&] { v64 = ReadLE<uint64_t>(r); })) {
            std::vector<uint8_t> out;
            VectorWriter w(out);
            WriteLE(w, v64);
            FUZZ_CHECK(std::equal(out.begin(), out.end(), bytes.begin()));
            // Reading two int32 of the same bytes gives the halves.
            SpanReader r2(bytes);
            const auto lo = ReadLE<int32_t>(r2);
            const auto hi = ReadLE<uint32_t>(r2);
            FUZZ_CHECK(uint64_t(uint32_t(lo)) + (uint64_t(hi) << 32) == v64);
        } else {
            FUZZ_CHECK(size < 8);
        }
    }

    // Byte strings and vectors of byte strings: read, write back, compare with the bytes consumed.
    {
        SpanReader r(bytes);
        std::vector<uint8_t> item;
        if (Reads([&] { item = ReadBytes(r); })) {
            std::vector<uint8_t> out;
            VectorWriter w(out);
            WriteBytes(w, item);
            FUZZ_CHECK(out.size() == r.pos());
            FUZZ_CHECK(std::equal(out.begin(), out.end(), bytes.begin()));
        }
    }
    {
        SpanReader r(bytes);
        std::vector<std::vector<uint8_t>> stack;
        if (Reads([&] { stack = ReadVector<std::vector<uint8_t>>(r, [](SpanReader& s) { return ReadBytes(s); }); })) {
            std::vector<uint8_t> out;
            VectorWriter w(out);
            WriteCompactSize(w, stack.size());
            for (const auto& item : stack) WriteBytes(w, item);
            FUZZ_CHECK(out.size() == r.pos());
            FUZZ_CHECK(std::equal(out.begin(), out.end(), bytes.begin()));
        }
    }
    {
        SpanReader r(bytes);
        uint256 h;
        if (Reads([&] { h = ReadUint256(r); })) {
            FUZZ_CHECK(std::equal(h.begin(), h.end(), bytes.begin()));
        } else {
            FUZZ_CHECK(size < 32);
        }
    }
    return 0;
}
