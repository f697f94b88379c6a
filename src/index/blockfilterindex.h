// -blockfilterindex: BIP157/158 block filters and filter headers for every block, stored as in Bitcoin Core
// (filters in indexes/blockfilter/<type>/fltr?????.dat, a LevelDB in .../<type>/db with the hash, header and file
// position of each filter, keyed by height for the active chain and by block hash for blocks reorganized away).
// docs/blockfilters.md describes the format.
#pragma once

#include "blockfilter/blockfilter.h"
#include "index/base_index.h"
#include "node/blockfiles.h"

#include <map>
#include <mutex>
#include <optional>
#include <vector>

/** BIP157: getcfcheckpt returns every 1000th filter header. */
constexpr int CFCHECKPT_INTERVAL = 1000;
/** A filter file is closed and the next begins when a filter would take it past this size (Core: 16 MiB). */
constexpr uint32_t MAX_FLTR_FILE_SIZE = 16 << 20;

class BlockFilterIndex final : public BaseIndex
{
public:
    /** options.path is the database directory (see BlockFilterIndexOptions); the filter files go in its parent. */
    BlockFilterIndex(NodeContext& node, BlockFilterType type, Options options);

    BlockFilterType GetFilterType() const { return m_type; }

    /** The filter of a block, on the active chain or reorganized away after being indexed. */
    bool LookupFilter(const BlockIndex* index, BlockFilter& filter_out) const;
    /** The filter header of a block (headers at multiples of CFCHECKPT_INTERVAL are cached). */
    bool LookupFilterHeader(const BlockIndex* index, uint256& header_out);
    /** Filters of stop_index's ancestors from start_height to stop_index, in height order (getcfilters). */
    bool LookupFilterRange(int start_height, const BlockIndex* stop_index, std::vector<BlockFilter>& filters_out) const;
    /** Filter hashes of the same range (getcfheaders). */
    bool LookupFilterHashRange(int start_height, const BlockIndex* stop_index, std::vector<uint256>& hashes_out) const;

    /** Where the filter files of this index are (e.g. for tests and docs). */
    const std::filesystem::path& FilterDir() const { return m_dir; }
    std::filesystem::path FilterFilePath(int file) const;

    /** What the database holds for a block: the filter's hash, its header and where the filter is. */
    struct Entry {
        uint256 hash;
        uint256 header;
        FlatFilePos pos;
    };

protected:
    bool CustomInit(std::string* error) override;
    bool CustomAppend(DbBatch& batch, const Block& block, const BlockIndex& index) override;
    bool CustomRemove(DbBatch& batch, const Block& block, const BlockIndex& index) override;

private:
    bool LookupOne(const BlockIndex& index, Entry& entry) const;
    bool LookupRange(int start_height, const BlockIndex* stop_index, std::vector<Entry>& entries) const;
    bool ReadFilterFromDisk(const FlatFilePos& pos, const uint256& hash, BlockFilter& filter) const;
    /** Appends the filter at m_next_pos (moving to a new file when full); the position it was written at. */
    std::optional<FlatFilePos> WriteFilterToDisk(const BlockFilter& filter);

    const BlockFilterType m_type;
    const std::filesystem::path m_dir;
    /** Where the next filter goes; only touched by the thread appending blocks (under the chain lock). */
    FlatFilePos m_next_pos{0, 0};
    /** Header of the last appended block, so appends need no database read (null hash: unknown). */
    uint256 m_last_block_hash;
    uint256 m_last_header;

    std::mutex m_headers_cache_mutex;
    std::map<uint256, uint256> m_headers_cache;  // block hash -> header, checkpoint heights only
};

/** Options for a filter index of type under node.data_dir (the database path is derived from the type). */
BaseIndex::Options BlockFilterIndexOptions(const NodeContext& node, BlockFilterType type, size_t cache_bytes,
                                           bool wipe);

/** The running filter index of a type among node.indexes, or nullptr (RPC, P2P getcfilters/getcfheaders). */
BlockFilterIndex* FindBlockFilterIndex(const NodeContext& node, BlockFilterType type);
