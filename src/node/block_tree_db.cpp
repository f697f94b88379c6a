// The block index database in Bitcoin Core's layout.
#include "node/block_tree_db.h"

namespace {
constexpr uint8_t DB_BLOCK_FILES = 'f';
constexpr uint8_t DB_BLOCK_INDEX = 'b';
constexpr uint8_t DB_FLAG = 'F';
constexpr uint8_t DB_REINDEX_FLAG = 'R';
constexpr uint8_t DB_LAST_BLOCK = 'l';
/** Core writes this constant where it once stored its client version. */
constexpr uint64_t DUMMY_VERSION = 259900;

Bytes FileKey(int file)
{
    Bytes key = DbKey(DB_BLOCK_FILES);
    VectorWriter w(key);
    WriteLE<VectorWriter, int32_t>(w, file);
    return key;
}

Bytes EncodeFileInfo(const BlockFileInfo& f)
{
    Bytes out;
    VectorWriter w(out);
    for (uint64_t v : {uint64_t(f.blocks), uint64_t(f.size), uint64_t(f.undo_size), uint64_t(f.height_first),
                       uint64_t(f.height_last), f.time_first, f.time_last}) {
        WriteVarInt(w, v);
    }
    return out;
}

std::optional<BlockFileInfo> DecodeFileInfo(std::span<const uint8_t> bytes)
{
    try {
        SpanReader r(bytes);
        BlockFileInfo f;
        constexpr uint64_t U32 = std::numeric_limits<uint32_t>::max();
        f.blocks = static_cast<uint32_t>(ReadVarInt(r, U32));
        f.size = static_cast<uint32_t>(ReadVarInt(r, U32));
        f.undo_size = static_cast<uint32_t>(ReadVarInt(r, U32));
        f.height_first = static_cast<uint32_t>(ReadVarInt(r, U32));
        f.height_last = static_cast<uint32_t>(ReadVarInt(r, U32));
        f.time_first = ReadVarInt(r);
        f.time_last = ReadVarInt(r);
        return f;
    } catch (const DeserializeError&) {
        return std::nullopt;
    }
}
}  // namespace

Bytes EncodeDiskBlockIndex(const BlockIndex& index)
{
    Bytes out;
    VectorWriter w(out);
    WriteVarInt(w, DUMMY_VERSION);
    WriteVarInt(w, static_cast<uint64_t>(index.height));
    WriteVarInt(w, index.status);
    WriteVarInt(w, index.tx_count);
    if (index.status & (BLOCK_HAVE_DATA | BLOCK_HAVE_UNDO)) WriteVarInt(w, static_cast<uint64_t>(index.file));
    if (index.status & BLOCK_HAVE_DATA) WriteVarInt(w, index.data_pos);
    if (index.status & BLOCK_HAVE_UNDO) WriteVarInt(w, index.undo_pos);
    SerializeHeader(w, index.GetBlockHeader());
    return out;
}

std::optional<DiskBlockIndex> DecodeDiskBlockIndex(const uint256& hash, std::span<const uint8_t> value)
{
    try {
        constexpr uint64_t I32 = std::numeric_limits<int32_t>::max();
        constexpr uint64_t U32 = std::numeric_limits<uint32_t>::max();
        SpanReader r(value);
        DiskBlockIndex d;
        d.hash = hash;
        ReadVarInt(r, I32);  // version, unused
        d.height = static_cast<int>(ReadVarInt(r, I32));
        d.status = static_cast<uint32_t>(ReadVarInt(r, U32));
        d.tx_count = static_cast<uint32_t>(ReadVarInt(r, U32));
        if (d.status & (BLOCK_HAVE_DATA | BLOCK_HAVE_UNDO)) d.file = static_cast<int>(ReadVarInt(r, I32));
        if (d.status & BLOCK_HAVE_DATA) d.data_pos = static_cast<uint32_t>(ReadVarInt(r, U32));
        if (d.status & BLOCK_HAVE_UNDO) d.undo_pos = static_cast<uint32_t>(ReadVarInt(r, U32));
        d.header = UnserializeHeader(r);
        d.prev_hash = d.header.prev_block;
        if (!r.empty() || d.header.GetHash() != hash) return std::nullopt;
        return d;
    } catch (const DeserializeError&) {
        return std::nullopt;
    }
}

bool BlockTreeDB::WriteBatchSync(const std::vector<BlockFileInfo>& files, const std::vector<const BlockIndex*>& entries,
                                 std::string* error)
{
    DbBatch batch(*m_db);
    for (size_t i = 0; i < files.size(); ++i) batch.Put(FileKey(static_cast<int>(i)), EncodeFileInfo(files[i]));
    Bytes last;
    VectorWriter w(last);
    WriteLE<VectorWriter, int32_t>(w, static_cast<int32_t>(files.size()) - 1);
    batch.Put(DbKey(DB_LAST_BLOCK), last);
    for (const BlockIndex* index : entries) {
        batch.Put(DbKey(DB_BLOCK_INDEX, std::span<const uint8_t>(index->GetBlockHash().data(), 32)),
                  EncodeDiskBlockIndex(*index));
    }
    return m_db->Write(batch, true, error);
}

std::vector<BlockFileInfo> BlockTreeDB::ReadFileInfo() const
{
    std::vector<BlockFileInfo> files;
    auto last = m_db->Read(DbKey(DB_LAST_BLOCK));
    if (!last || last->size() != 4) return files;
    SpanReader r(*last);
    const int32_t last_file = ReadLE<int32_t>(r);
    for (int f = 0; f <= last_file; ++f) {
        auto value = m_db->Read(FileKey(f));
        auto info = value ? DecodeFileInfo(*value) : std::nullopt;
        files.push_back(info.value_or(BlockFileInfo{}));
    }
    return files;
}

bool BlockTreeDB::ForEachIndex(const std::function<void(const DiskBlockIndex&)>& visit) const
{
    for (auto it = m_db->Seek(DbKey(DB_BLOCK_INDEX)); it->Valid(); it->Next()) {
        Bytes key = it->Key();
        if (key.size() != 33) return false;
        auto entry = DecodeDiskBlockIndex(uint256(std::span<const uint8_t>(key.data() + 1, 32)), it->Value());
        if (!entry) return false;
        visit(*entry);
    }
    return true;
}

bool BlockTreeDB::WriteReindexing(bool reindexing)
{
    if (reindexing) return m_db->Put(DbKey(DB_REINDEX_FLAG), Bytes{'1'}, true);
    return m_db->Erase(DbKey(DB_REINDEX_FLAG), true);
}

bool BlockTreeDB::IsReindexing() const { return m_db->Exists(DbKey(DB_REINDEX_FLAG)); }

bool BlockTreeDB::WriteFlag(const std::string& name, bool value)
{
    Bytes key = DbKey(DB_FLAG);
    VectorWriter w(key);
    WriteBytes(w, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(name.data()), name.size()));
    return m_db->Put(key, Bytes{uint8_t(value ? '1' : '0')}, true);
}

bool BlockTreeDB::ReadFlag(const std::string& name) const
{
    Bytes key = DbKey(DB_FLAG);
    VectorWriter w(key);
    WriteBytes(w, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(name.data()), name.size()));
    auto v = m_db->Read(key);
    return v && v->size() == 1 && (*v)[0] == '1';
}
