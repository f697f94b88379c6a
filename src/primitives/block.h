// Block headers and blocks, their hashes and serialization.
#pragma once

#include "crypto/hash.h"
#include "primitives/transaction.h"

#include <vector>

struct BlockHeader {
    int32_t version{0};
    uint256 prev_block;
    uint256 merkle_root;
    uint32_t time{0};
    uint32_t bits{0};
    uint32_t nonce{0};

    static constexpr size_t SERIALIZED_SIZE = 80;
    bool IsNull() const { return bits == 0; }
    uint256 GetHash() const;
    int64_t GetBlockTime() const { return time; }
};

struct Block {
    BlockHeader header;
    std::vector<TransactionRef> vtx;
    /** Set once CheckBlock passed, so it is not repeated (memory only). */
    mutable bool checked{false};

    uint256 GetHash() const { return header.GetHash(); }
};

template <typename S>
void SerializeHeader(S& s, const BlockHeader& h)
{
    WriteLE(s, h.version);
    WriteBlob(s, h.prev_block);
    WriteBlob(s, h.merkle_root);
    WriteLE(s, h.time);
    WriteLE(s, h.bits);
    WriteLE(s, h.nonce);
}

template <typename S>
BlockHeader UnserializeHeader(S& s)
{
    BlockHeader h;
    h.version = ReadLE<int32_t>(s);
    h.prev_block = ReadUint256(s);
    h.merkle_root = ReadUint256(s);
    h.time = ReadLE<uint32_t>(s);
    h.bits = ReadLE<uint32_t>(s);
    h.nonce = ReadLE<uint32_t>(s);
    return h;
}

template <typename S>
void SerializeBlock(S& s, const Block& b, bool with_witness = true)
{
    SerializeHeader(s, b.header);
    WriteCompactSize(s, b.vtx.size());
    for (const auto& tx : b.vtx) SerializeTransaction(s, *tx, with_witness);
}

template <typename S>
Block UnserializeBlock(S& s)
{
    Block b;
    b.header = UnserializeHeader(s);
    b.vtx = ReadVector<TransactionRef>(s, [](S& st) {
        MutableTransaction mtx;
        if constexpr (requires { st.Since(size_t{0}); }) {
            // In memory: hash the bytes just read instead of serializing the transaction again.
            const size_t start = st.pos();
            UnserializeTransaction(st, mtx, true);
            const uint256 wtxid = Hash256(st.Since(start));
            const uint256 txid = mtx.HasWitness() ? mtx.GetHash() : wtxid;
            return std::make_shared<const Transaction>(std::move(mtx), txid, wtxid);
        } else {
            UnserializeTransaction(st, mtx, true);
            return MakeTransactionRef(std::move(mtx));
        }
    });
    return b;
}

/** Decodes exactly one block (no trailing bytes). */
Decoded<Block> DecodeBlock(std::span<const uint8_t> bytes);
Decoded<BlockHeader> DecodeBlockHeader(std::span<const uint8_t> bytes);
std::vector<uint8_t> EncodeBlock(const Block& block, bool with_witness = true);
std::vector<uint8_t> EncodeBlockHeader(const BlockHeader& header);
