// -txindex: where every transaction of the active chain is stored, so getrawtransaction finds any of them.
//
// Layout as Bitcoin Core's: key 't' || txid -> VARINT(block file) VARINT(block data position) VARINT(offset of the
// transaction after the 80-byte block header). A lookup reads the header (for the block hash) and the transaction
// alone from the block file.
#pragma once

#include "index/base_index.h"

/** Core's txindex LevelDB cache default (-dbcache share is not modelled). */
constexpr size_t DEFAULT_TXINDEX_CACHE_BYTES = 8 << 20;

class TxIndex : public BaseIndex
{
public:
    TxIndex(NodeContext& node, Options options) : BaseIndex(node, "txindex", std::move(options)) {}
    ~TxIndex() override { Stop(); }

    /** Finds a transaction by txid. On success sets *tx and *block_hash (the block it was indexed in). */
    bool FindTx(const uint256& txid, uint256* block_hash, TransactionRef* tx) const;

protected:
    bool CustomAppend(DbBatch& batch, const Block& block, const BlockIndex& index) override;
    /** Core keeps entries of disconnected blocks (they are overwritten when the transaction confirms again). */
    bool CustomRemove(DbBatch&, const Block&, const BlockIndex&) override { return true; }
};
