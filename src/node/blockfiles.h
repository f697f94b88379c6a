// Block and undo storage in blk?????.dat / rev?????.dat with Bitcoin Core's record framing and XOR obfuscation.
//
// A block record is   magic(4) | size(4, LE) | block bytes
// An undo record is   magic(4) | size(4, LE) | undo bytes | HASH256(prev block hash || undo bytes)
// Every byte at file offset p is stored XOR key[p % 8], where key is the 8 bytes of blocks/xor.dat (all zero
// means no obfuscation). Positions (FlatFilePos) point at the data, after the 8-byte header, as in Core.
#pragma once

#include "node/coin.h"
#include "primitives/block.h"

#include <array>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct FlatFilePos {
    int file{-1};
    uint32_t pos{0};
    bool IsNull() const { return file == -1; }
    friend bool operator==(const FlatFilePos&, const FlatFilePos&) = default;
};

/** What the node records about each block file (Core's CBlockFileInfo). */
struct BlockFileInfo {
    uint32_t blocks{0};
    uint32_t size{0};       // bytes used in blk file
    uint32_t undo_size{0};  // bytes used in rev file
    uint32_t height_first{0};
    uint32_t height_last{0};
    uint64_t time_first{0};
    uint64_t time_last{0};
    void AddBlock(uint32_t height, uint64_t time);
    friend bool operator==(const BlockFileInfo&, const BlockFileInfo&) = default;
};

constexpr uint32_t MAX_BLOCKFILE_SIZE = 0x8000000;  // 128 MiB
constexpr uint32_t STORAGE_HEADER_BYTES = 8;

class BlockFiles
{
public:
    struct Options {
        std::filesystem::path dir;  // the blocks directory
        std::array<uint8_t, 4> message_start{};
        bool use_xor{true};  // a random key on first start, as Core's -blocksxor default
        uint32_t max_file_size{MAX_BLOCKFILE_SIZE};
    };

    /** Opens (creating) the directory and its xor.dat. files describes the block files recorded so far (may be
     *  empty for a new node). nullptr and *error on failure. */
    static std::unique_ptr<BlockFiles> Open(const Options& options, std::vector<BlockFileInfo> files,
                                            std::string* error);
    ~BlockFiles();

    /** Appends a block; a new file starts when the current one would exceed max_file_size. */
    std::optional<FlatFilePos> WriteBlock(const Block& block, uint32_t height, std::string* error);
    /** Appends undo data to the rev file with the block's file number. */
    std::optional<FlatFilePos> WriteUndo(const BlockUndo& undo, const uint256& prev_block_hash, int file,
                                         std::string* error);

    Decoded<Block> ReadBlock(const FlatFilePos& pos) const;
    std::optional<std::vector<uint8_t>> ReadRawBlock(const FlatFilePos& pos, std::string* error) const;
    Decoded<BlockUndo> ReadUndo(const FlatFilePos& pos, const uint256& prev_block_hash) const;
    /** Up to max_len bytes starting offset bytes into the block record at pos, fewer when the record ends first
     *  (-txindex reads one transaction, not the whole block). */
    std::optional<std::vector<uint8_t>> ReadBlockPart(const FlatFilePos& pos, uint32_t offset, uint32_t max_len,
                                                      std::string* error) const;

    /** fsync every file written since the last flush (before the chainstate records a new best block). */
    bool Flush(std::string* error);

    /** Calls visit(pos, raw block bytes) for each block record found in file number `file` (for -reindex);
     *  skips garbage between records by searching for the magic. Returns false when the file does not exist. */
    bool ScanFile(int file, const std::function<void(const FlatFilePos&, std::span<const uint8_t>)>& visit) const;

    /** Deletes blk/rev files numbered in `files` (pruning). */
    void RemoveFiles(const std::vector<int>& files);

    const std::vector<BlockFileInfo>& FileInfo() const { return m_files; }
    int CurrentFile() const { return static_cast<int>(m_files.size()) - 1; }
    const std::array<uint8_t, 8>& XorKey() const { return m_xor; }
    std::filesystem::path BlockPath(int file) const;
    std::filesystem::path UndoPath(int file) const;

private:
    BlockFiles() = default;
    bool WriteAt(const std::filesystem::path& path, uint64_t offset, std::span<const uint8_t> data, std::string* error);
    bool ReadAt(const std::filesystem::path& path, uint64_t offset, std::span<uint8_t> out) const;

    Options m_opts;
    std::array<uint8_t, 8> m_xor{};
    std::vector<BlockFileInfo> m_files;
    std::vector<std::filesystem::path> m_dirty;  // written since last Flush
    mutable std::mutex m_mutex;
};
