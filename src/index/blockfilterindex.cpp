// The block filter index (-blockfilterindex); see blockfilterindex.h and docs/blockfilters.md.
#include "index/blockfilterindex.h"

#include "crypto/hash.h"
#include "node/coin.h"
#include "primitives/serialize.h"
#include "util/logging.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {
// Core's keys (index/db_key.h and blockfilterindex.cpp): entries of active-chain blocks by big-endian height,
// entries of blocks reorganized away by block hash, and the position of the next filter.
constexpr uint8_t DB_BLOCK_HASH = 's';
constexpr uint8_t DB_BLOCK_HEIGHT = 't';
constexpr uint8_t DB_FILTER_POS = 'P';

Bytes HeightKey(int height)
{
    const uint32_t h = static_cast<uint32_t>(height);
    return {DB_BLOCK_HEIGHT, uint8_t(h >> 24), uint8_t(h >> 16), uint8_t(h >> 8), uint8_t(h)};
}

Bytes HashKey(const uint256& hash) { return DbKey(DB_BLOCK_HASH, std::span<const uint8_t>(hash.begin(), hash.size())); }

template <typename S>
void WriteHash(S& s, const uint256& h)
{
    s.write(std::span<const uint8_t>(h.begin(), h.size()));
}

template <typename S>
uint256 ReadHash(S& s)
{
    uint256 h;
    s.read(std::span<uint8_t>(h.begin(), h.size()));
    return h;
}

/** Core's FlatFilePos serialization: VARINT(file, non-negative signed) then VARINT(pos). */
template <typename S>
void WritePos(S& s, const FlatFilePos& pos)
{
    WriteVarInt(s, static_cast<uint64_t>(pos.file));
    WriteVarInt(s, pos.pos);
}

template <typename S>
FlatFilePos ReadPos(S& s)
{
    FlatFilePos pos;
    const uint64_t file = ReadVarInt(s);
    const uint64_t offset = ReadVarInt(s);
    if (file > INT32_MAX || offset > UINT32_MAX) throw DeserializeError("file position out of range");
    pos.file = static_cast<int>(file);
    pos.pos = static_cast<uint32_t>(offset);
    return pos;
}

template <typename S>
void WriteEntry(S& s, const BlockFilterIndex::Entry& e)
{
    WriteHash(s, e.hash);
    WriteHash(s, e.header);
    WritePos(s, e.pos);
}

template <typename S>
BlockFilterIndex::Entry ReadEntry(S& s)
{
    BlockFilterIndex::Entry e;
    e.hash = ReadHash(s);
    e.header = ReadHash(s);
    e.pos = ReadPos(s);
    return e;
}

/** A height-keyed value: the block hash, then the entry. */
bool DecodeHeightValue(const Bytes& bytes, uint256& block_hash, BlockFilterIndex::Entry& entry)
{
    try {
        SpanReader r(bytes);
        block_hash = ReadHash(r);
        entry = ReadEntry(r);
        return true;
    } catch (const DeserializeError&) {
        return false;
    }
}

bool DecodeHashValue(const Bytes& bytes, BlockFilterIndex::Entry& entry)
{
    try {
        SpanReader r(bytes);
        entry = ReadEntry(r);
        return true;
    } catch (const DeserializeError&) {
        return false;
    }
}

bool PWriteAll(int fd, std::span<const uint8_t> data, uint64_t offset)
{
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

/** Reads up to out.size() bytes; the count read (short at end of file), or -1 on error. */
ssize_t PReadSome(int fd, std::span<uint8_t> out, uint64_t offset)
{
    size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) break;
        done += static_cast<size_t>(n);
    }
    return static_cast<ssize_t>(done);
}

/** Closes a descriptor when it goes out of scope. */
struct Fd {
    int fd{-1};
    explicit Fd(int f) : fd(f) {}
    ~Fd()
    {
        if (fd >= 0) ::close(fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
};
}  // namespace

BaseIndex::Options BlockFilterIndexOptions(const NodeContext& node, BlockFilterType type, size_t cache_bytes, bool wipe)
{
    BaseIndex::Options o;
    o.path = node.data_dir / "indexes" / "blockfilter" / BlockFilterTypeName(type) / "db";
    o.cache_bytes = cache_bytes;
    o.wipe = wipe;
    return o;
}

BlockFilterIndex* FindBlockFilterIndex(const NodeContext& node, BlockFilterType type)
{
    for (BaseIndex* index : node.indexes) {
        auto* filter_index = dynamic_cast<BlockFilterIndex*>(index);
        if (filter_index && filter_index->GetFilterType() == type) return filter_index;
    }
    return nullptr;
}

BlockFilterIndex::BlockFilterIndex(NodeContext& node, BlockFilterType type, Options options)
    : BaseIndex(node, BlockFilterTypeName(type) + " block filter index", options), m_type(type),
      m_dir(options.path.parent_path())
{
}

fs::path BlockFilterIndex::FilterFilePath(int file) const
{
    char name[32];
    std::snprintf(name, sizeof(name), "fltr%05u.dat", static_cast<unsigned>(file));
    return m_dir / name;
}

bool BlockFilterIndex::CustomInit(std::string* error)
{
    std::error_code ec;
    fs::create_directories(m_dir, ec);
    if (ec) {
        if (error) *error = "Cannot create " + m_dir.string() + ": " + ec.message();
        return false;
    }
    m_next_pos = FlatFilePos{0, 0};
    m_last_block_hash = uint256();
    if (auto bytes = Db().Read(Bytes{DB_FILTER_POS})) {
        try {
            SpanReader r(*bytes);
            m_next_pos = ReadPos(r);
        } catch (const DeserializeError&) {
            if (error) *error = "Cannot read current " + Name() + " state; index may be corrupted";
            return false;
        }
    }
    return true;
}

std::optional<FlatFilePos> BlockFilterIndex::WriteFilterToDisk(const BlockFilter& filter)
{
    Bytes record;
    VectorWriter w(record);
    WriteHash(w, filter.GetBlockHash());
    WriteCompactSize(w, filter.GetEncodedFilter().size());
    w.write(filter.GetEncodedFilter());
    if (m_next_pos.pos + record.size() > MAX_FLTR_FILE_SIZE) {
        // Cut off whatever a previous, uncommitted run left past the end, then start the next file.
        if (::truncate(FilterFilePath(m_next_pos.file).c_str(), static_cast<off_t>(m_next_pos.pos)) != 0 &&
            errno != ENOENT) {
            LogPrintf("%s: failed to truncate filter file %d: %s\n", Name().c_str(), m_next_pos.file,
                      std::strerror(errno));
            return std::nullopt;
        }
        ++m_next_pos.file;
        m_next_pos.pos = 0;
    }
    const fs::path path = FilterFilePath(m_next_pos.file);
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    if (fd.fd < 0 || !PWriteAll(fd.fd, record, m_next_pos.pos)) {
        LogPrintf("%s: failed to write filter file %s: %s\n", Name().c_str(), path.string().c_str(),
                  std::strerror(errno));
        return std::nullopt;
    }
    const FlatFilePos written = m_next_pos;
    m_next_pos.pos += static_cast<uint32_t>(record.size());
    return written;
}

bool BlockFilterIndex::ReadFilterFromDisk(const FlatFilePos& pos, const uint256& hash, BlockFilter& filter) const
{
    if (pos.IsNull()) return false;
    Fd fd(::open(FilterFilePath(pos.file).c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.fd < 0) return false;
    // Block hash and the CompactSize length first, then exactly the announced filter bytes.
    uint8_t head[32 + 9];
    const ssize_t got = PReadSome(fd.fd, head, pos.pos);
    if (got < 33) return false;
    uint256 block_hash;
    uint64_t length = 0;
    size_t head_len = 0;
    try {
        SpanReader r(std::span<const uint8_t>(head, static_cast<size_t>(got)));
        block_hash = ReadHash(r);
        length = ReadCompactSize(r);
        head_len = r.pos();
    } catch (const DeserializeError& e) {
        LogPrintf("%s: failed to deserialize block filter from disk: %s\n", Name().c_str(), e.what());
        return false;
    }
    Bytes encoded(static_cast<size_t>(length));
    if (PReadSome(fd.fd, encoded, pos.pos + head_len) != static_cast<ssize_t>(length)) return false;
    if (Hash256(encoded) != hash) {
        LogPrintf("%s: checksum mismatch in filter decode\n", Name().c_str());
        return false;
    }
    auto decoded = BlockFilter::FromEncoded(m_type, block_hash, std::move(encoded), /*skip_check=*/true);
    if (!decoded) return false;
    filter = std::move(*decoded);
    return true;
}

bool BlockFilterIndex::LookupOne(const BlockIndex& index, Entry& entry) const
{
    // Active-chain blocks are found by height; a different block there means this one was reorganized away
    // and its entry was copied under its hash.
    auto bytes = Db().Read(HeightKey(index.height));
    if (!bytes) return false;
    uint256 block_hash;
    if (!DecodeHeightValue(*bytes, block_hash, entry)) return false;
    if (block_hash == index.GetBlockHash()) return true;
    auto by_hash = Db().Read(HashKey(index.GetBlockHash()));
    return by_hash && DecodeHashValue(*by_hash, entry);
}

bool BlockFilterIndex::CustomAppend(DbBatch& batch, const Block& block, const BlockIndex& index)
{
    // BIP158 needs the scripts the block spends: they are in its undo data (genesis has none).
    BlockUndo undo;
    if (index.pprev) {
        auto read = Node().chainman->ReadUndo(index);
        if (!read) {
            LogPrintf("%s: cannot read undo data of block %s: %s\n", Name().c_str(),
                      index.GetBlockHash().GetHex().c_str(), read.error.c_str());
            return false;
        }
        undo = std::move(*read);
    }
    std::vector<const Script*> spent;
    for (const TxUndo& txundo : undo.vtxundo) {
        for (const Coin& coin : txundo.prevout) spent.push_back(&coin.out.script_pubkey);
    }
    auto filter = BlockFilter::Build(m_type, block, spent);
    if (!filter) return false;

    uint256 prev_header;  // BIP157: the genesis block's previous header is all zeros
    if (index.pprev) {
        if (!m_last_block_hash.IsNull() && m_last_block_hash == index.pprev->GetBlockHash()) {
            prev_header = m_last_header;
        } else {
            Entry prev;
            if (!LookupOne(*index.pprev, prev)) {
                LogPrintf("%s: cannot read the filter header of block %s\n", Name().c_str(),
                          index.pprev->GetBlockHash().GetHex().c_str());
                return false;
            }
            prev_header = prev.header;
        }
    }
    const uint256 header = filter->ComputeHeader(prev_header);

    auto pos = WriteFilterToDisk(*filter);
    if (!pos) return false;
    Entry entry{filter->GetHash(), header, *pos};
    Bytes value;
    VectorWriter w(value);
    WriteHash(w, index.GetBlockHash());
    WriteEntry(w, entry);
    batch.Put(HeightKey(index.height), value);
    Bytes next_pos;
    VectorWriter pw(next_pos);
    WritePos(pw, m_next_pos);
    batch.Put(Bytes{DB_FILTER_POS}, next_pos);

    m_last_block_hash = index.GetBlockHash();
    m_last_header = header;
    return true;
}

bool BlockFilterIndex::CustomRemove(DbBatch& batch, const Block&, const BlockIndex& index)
{
    // Keep the filter reachable: the height entry is copied under the block hash before a block of the new
    // branch overwrites it. The filter stays in its file.
    auto bytes = Db().Read(HeightKey(index.height));
    uint256 block_hash;
    Entry entry;
    if (!bytes || !DecodeHeightValue(*bytes, block_hash, entry)) {
        LogPrintf("%s: unexpected key in %s: expected (%c, %d)\n", Name().c_str(), Name().c_str(),
                  DB_BLOCK_HEIGHT, index.height);
        return false;
    }
    Bytes value;
    VectorWriter w(value);
    WriteEntry(w, entry);
    batch.Put(HashKey(block_hash), value);
    Bytes next_pos;
    VectorWriter pw(next_pos);
    WritePos(pw, m_next_pos);
    batch.Put(Bytes{DB_FILTER_POS}, next_pos);
    m_last_block_hash = uint256();  // the next append reads its previous header from the database
    return true;
}

bool BlockFilterIndex::LookupRange(int start_height, const BlockIndex* stop_index, std::vector<Entry>& entries) const
{
    if (!stop_index || start_height < 0 || start_height > stop_index->height) return false;
    const size_t count = static_cast<size_t>(stop_index->height - start_height + 1);
    entries.assign(count, Entry{});
    // Walk back from the stop block so each height is matched against the block actually on its branch.
    for (const BlockIndex* b = stop_index; b && b->height >= start_height; b = b->pprev) {
        if (!LookupOne(*b, entries[static_cast<size_t>(b->height - start_height)])) {
            LogPrintf("%s: unable to read the entry of block %s at height %d\n", Name().c_str(),
                      b->GetBlockHash().GetHex().c_str(), b->height);
            return false;
        }
    }
    return true;
}

bool BlockFilterIndex::LookupFilter(const BlockIndex* index, BlockFilter& filter_out) const
{
    Entry entry;
    if (!index || !LookupOne(*index, entry)) return false;
    return ReadFilterFromDisk(entry.pos, entry.hash, filter_out);
}

bool BlockFilterIndex::LookupFilterHeader(const BlockIndex* index, uint256& header_out)
{
    if (!index) return false;
    std::lock_guard lock(m_headers_cache_mutex);
    const bool checkpoint = index->height % CFCHECKPT_INTERVAL == 0;
    if (checkpoint) {
        auto it = m_headers_cache.find(index->GetBlockHash());
        if (it != m_headers_cache.end()) {
            header_out = it->second;
            return true;
        }
    }
    Entry entry;
    if (!LookupOne(*index, entry)) return false;
    // Bounded like Core's cache (2000 checkpoints cover two million blocks).
    if (checkpoint && m_headers_cache.size() < 2000) m_headers_cache.emplace(index->GetBlockHash(), entry.header);
    header_out = entry.header;
    return true;
}

bool BlockFilterIndex::LookupFilterRange(int start_height, const BlockIndex* stop_index,
                                         std::vector<BlockFilter>& filters_out) const
{
    std::vector<Entry> entries;
    if (!LookupRange(start_height, stop_index, entries)) return false;
    filters_out.resize(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
        if (!ReadFilterFromDisk(entries[i].pos, entries[i].hash, filters_out[i])) return false;
    }
    return true;
}

bool BlockFilterIndex::LookupFilterHashRange(int start_height, const BlockIndex* stop_index,
                                             std::vector<uint256>& hashes_out) const
{
    std::vector<Entry> entries;
    if (!LookupRange(start_height, stop_index, entries)) return false;
    hashes_out.clear();
    hashes_out.reserve(entries.size());
    for (const Entry& e : entries) hashes_out.push_back(e.hash);
    return true;
}
