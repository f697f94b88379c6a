// Block headers and blocks: hashing and decoding of outside bytes.
#include "primitives/block.h"

#include "crypto/hash.h"

uint256 BlockHeader::GetHash() const
{
    HashWriter w;
    SerializeHeader(w, *this);
    return w.GetHash();
}

namespace {
template <typename T, typename F>
Decoded<T> DecodeAll(std::span<const uint8_t> bytes, F read)
{
    Decoded<T> result;
    try {
        SpanReader r(bytes);
        T value = read(r);
        if (!r.empty()) {
            result.error = "trailing data";
        } else {
            result.value = std::move(value);
        }
    } catch (const DeserializeError& e) {
        result.error = e.what();
    }
    return result;
}
}  // namespace

Decoded<Block> DecodeBlock(std::span<const uint8_t> bytes)
{
    return DecodeAll<Block>(bytes, [](SpanReader& r) { return UnserializeBlock(r); });
}

Decoded<BlockHeader> DecodeBlockHeader(std::span<const uint8_t> bytes)
{
    return DecodeAll<BlockHeader>(bytes, [](SpanReader& r) { return UnserializeHeader(r); });
}

std::vector<uint8_t> EncodeBlock(const Block& block, bool with_witness)
{
    std::vector<uint8_t> out;
    VectorWriter w(out);
    SerializeBlock(w, block, with_witness);
    return out;
}

std::vector<uint8_t> EncodeBlockHeader(const BlockHeader& header)
{
    std::vector<uint8_t> out;
    VectorWriter w(out);
    SerializeHeader(w, header);
    return out;
}
