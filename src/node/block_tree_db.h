// The block index database (blocks/index), in Bitcoin Core's layout:
//   'b' || hash      -> VARINT(259900) VARINT(height) VARINT(status) VARINT(tx count) [VARINT(file)]
//                       [VARINT(data pos)] [VARINT(undo pos)] header(80)
//   'f' || int32 LE  -> block file info (seven VARINTs)
//   'l'              -> last block file number (int32 LE)
//   'R'              -> present while a reindex is under way
//   'F' || name      -> flag ('1' or '0'), e.g. "prunedblockfiles"
#pragma once

#include "chain/block_index.h"
#include "node/blockfiles.h"
#include "node/database.h"

#include <optional>
#include <string>
#include <vector>

/** What the database stores per block (the in-memory BlockIndex minus derived fields). */
struct DiskBlockIndex {
    uint256 hash;
    uint256 prev_hash;
    int height{0};
    uint32_t status{0};
    uint32_t tx_count{0};
    int file{0};
    uint32_t data_pos{0};
    uint32_t undo_pos{0};
    BlockHeader header;
};

Bytes EncodeDiskBlockIndex(const BlockIndex& index);
std::optional<DiskBlockIndex> DecodeDiskBlockIndex(const uint256& hash, std::span<const uint8_t> value);

class BlockTreeDB
{
public:
    explicit BlockTreeDB(std::unique_ptr<Database> db) : m_db(std::move(db)) {}

    /** Writes file infos, the last file number and changed index entries in one synced batch. */
    bool WriteBatchSync(const std::vector<BlockFileInfo>& files, const std::vector<const BlockIndex*>& entries,
                        std::string* error);
    std::vector<BlockFileInfo> ReadFileInfo() const;
    /** Calls visit for every stored entry; false when an entry is corrupt. */
    bool ForEachIndex(const std::function<void(const DiskBlockIndex&)>& visit) const;
    bool WriteReindexing(bool reindexing);
    bool IsReindexing() const;
    bool WriteFlag(const std::string& name, bool value);
    bool ReadFlag(const std::string& name) const;
    Database& GetDatabase() { return *m_db; }

private:
    std::unique_ptr<Database> m_db;
};
