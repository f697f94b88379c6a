// -txindex entries and lookups; see txindex.h.
#include "index/txindex.h"

#include "node/coin.h"
#include "primitives/serialize.h"
#include "util/logging.h"

#include <limits>

namespace {
constexpr uint8_t DB_TXINDEX = 't';
constexpr uint32_t BLOCK_HEADER_BYTES = 80;
/** First read when looking a transaction up; larger ones are read again in full. */
constexpr uint32_t FIRST_READ_BYTES = 64 << 10;

Bytes TxKey(const uint256& txid) { return DbKey(DB_TXINDEX, std::span<const uint8_t>(txid.begin(), txid.size())); }

struct DiskTxPos {
    int file{-1};
    uint32_t block_pos{0};
    uint32_t tx_offset{0};  // after the block header
};

Bytes EncodeDiskTxPos(const DiskTxPos& p)
{
    Bytes out;
    VectorWriter w(out);
    WriteVarInt(w, static_cast<uint64_t>(p.file));
    WriteVarInt(w, p.block_pos);
    WriteVarInt(w, p.tx_offset);
    return out;
}

std::optional<DiskTxPos> DecodeDiskTxPos(const Bytes& bytes)
{
    try {
        SpanReader r(bytes);
        DiskTxPos p;
        p.file = static_cast<int>(ReadVarInt(r, std::numeric_limits<int32_t>::max()));
        p.block_pos = static_cast<uint32_t>(ReadVarInt(r, std::numeric_limits<uint32_t>::max()));
        p.tx_offset = static_cast<uint32_t>(ReadVarInt(r, std::numeric_limits<uint32_t>::max()));
        return p;
    } catch (const DeserializeError&) {
        return std::nullopt;
    }
}
}  // namespace

bool TxIndex::CustomAppend(DbBatch& batch, const Block& block, const BlockIndex& index)
{
    // The genesis coinbase is not an ordinary transaction (Core skips the genesis block).
    if (index.height == 0) return true;
    if (!(index.status & BLOCK_HAVE_DATA)) return false;
    DiskTxPos pos{index.file, index.data_pos, static_cast<uint32_t>(CompactSizeLen(block.vtx.size()))};
    for (const TransactionRef& tx : block.vtx) {
        batch.Put(TxKey(tx->GetHash()), EncodeDiskTxPos(pos));
        pos.tx_offset += static_cast<uint32_t>(tx->GetTotalSize());
    }
    return true;
}

bool TxIndex::FindTx(const uint256& txid, uint256* block_hash, TransactionRef* tx) const
{
    const auto value = Db().Read(TxKey(txid));
    if (!value) return false;
    const auto pos = DecodeDiskTxPos(*value);
    if (!pos) {
        LogPrintf("txindex: corrupt entry for %s\n", txid.GetHex().c_str());
        return false;
    }
    const FlatFilePos block_pos{pos->file, pos->block_pos};
    std::string error;
    auto header_bytes = Node().chainman->ReadBlockPart(block_pos, 0, BLOCK_HEADER_BYTES, &error);
    if (!header_bytes || header_bytes->size() != BLOCK_HEADER_BYTES) {
        LogPrintf("txindex: cannot read the block of %s: %s\n", txid.GetHex().c_str(), error.c_str());
        return false;
    }
    auto header = DecodeBlockHeader(*header_bytes);
    if (!header) return false;
    const uint32_t offset = BLOCK_HEADER_BYTES + pos->tx_offset;
    uint32_t want = FIRST_READ_BYTES;
    for (int attempt = 0; attempt < 2; ++attempt, want = static_cast<uint32_t>(MAX_SERIALIZED_SIZE)) {
        auto bytes = Node().chainman->ReadBlockPart(block_pos, offset, want, &error);
        if (!bytes) {
            LogPrintf("txindex: cannot read %s: %s\n", txid.GetHex().c_str(), error.c_str());
            return false;
        }
        try {
            SpanReader r(*bytes);
            MutableTransaction mtx;
            UnserializeTransaction(r, mtx, true);
            TransactionRef found = MakeTransactionRef(std::move(mtx));
            if (found->GetHash() != txid) {
                LogPrintf("txindex: txid mismatch at the indexed position of %s\n", txid.GetHex().c_str());
                return false;
            }
            *tx = std::move(found);
            *block_hash = header->GetHash();
            return true;
        } catch (const DeserializeError&) {
            // A transaction longer than the first read: read up to the end of the block and decode again.
            if (bytes->size() < want) return false;
        }
    }
    return false;
}
