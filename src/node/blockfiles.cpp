// Block and undo flat files with Core's framing.
#include "node/blockfiles.h"

#include "crypto/hash.h"

#include <openssl/rand.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace fs = std::filesystem;

void BlockFileInfo::AddBlock(uint32_t height, uint64_t time)
{
    if (blocks == 0 || height_first > height) height_first = height;
    if (blocks == 0 || time_first > time) time_first = time;
    blocks++;
    if (height > height_last) height_last = height;
    if (time > time_last) time_last = time;
}

namespace {
std::string FileName(const char* prefix, int file)
{
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%s%05d.dat", prefix, file);
    return buf;
}

bool SyncDirectory(const fs::path& dir)
{
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return false;
    bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

void SetError(std::string* error, const std::string& msg)
{
    if (error) *error = msg;
}
}  // namespace

fs::path BlockFiles::BlockPath(int file) const { return m_opts.dir / FileName("blk", file); }
fs::path BlockFiles::UndoPath(int file) const { return m_opts.dir / FileName("rev", file); }

std::unique_ptr<BlockFiles> BlockFiles::Open(const Options& options, std::vector<BlockFileInfo> files,
                                             std::string* error)
{
    std::unique_ptr<BlockFiles> bf(new BlockFiles());
    bf->m_opts = options;
    bf->m_files = std::move(files);
    if (bf->m_files.empty()) bf->m_files.emplace_back();
    std::error_code ec;
    fs::create_directories(options.dir, ec);
    if (ec) {
        SetError(error, "Cannot create blocks directory " + options.dir.string() + ": " + ec.message());
        return nullptr;
    }
    // Core treats a blocks dir holding only hidden files as a first run; only then is a random key chosen.
    bool first_run = true;
    for (const auto& entry : fs::directory_iterator(options.dir)) {
        if (!entry.is_regular_file() || !entry.path().filename().string().starts_with('.')) {
            first_run = false;
            break;
        }
    }
    const fs::path key_path = options.dir / "xor.dat";
    if (fs::exists(key_path)) {
        std::array<uint8_t, 8> key{};  // read with the (still zero) key: stored in the clear
        if (fs::file_size(key_path) != 8 || !bf->ReadAt(key_path, 0, key)) {
            SetError(error, "Cannot read XOR key file " + key_path.string());
            return nullptr;
        }
        bf->m_xor = key;
    } else {
        if (options.use_xor && first_run) RAND_bytes(bf->m_xor.data(), 8);
        // The key itself is stored in the clear: write it with a zero key.
        std::array<uint8_t, 8> key = bf->m_xor;
        bf->m_xor.fill(0);
        if (!bf->WriteAt(key_path, 0, key, error)) return nullptr;
        bf->m_xor = key;
        if (!bf->Flush(error)) return nullptr;
    }
    if (!options.use_xor && bf->m_xor != std::array<uint8_t, 8>{}) {
        SetError(error, "The blocksdir XOR-key can not be disabled when a random key was already stored!");
        return nullptr;
    }
    return bf;
}

BlockFiles::~BlockFiles() { Flush(nullptr); }

bool BlockFiles::WriteAt(const fs::path& path, uint64_t offset, std::span<const uint8_t> data, std::string* error)
{
    std::vector<uint8_t> buf(data.begin(), data.end());
    for (size_t i = 0; i < buf.size(); ++i) buf[i] ^= m_xor[(offset + i) % 8];
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        SetError(error, "Cannot open " + path.string() + ": " + std::strerror(errno));
        return false;
    }
    size_t done = 0;
    while (done < buf.size()) {
        ssize_t n = ::pwrite(fd, buf.data() + done, buf.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            SetError(error, "Write to " + path.string() + " failed: " + std::strerror(errno) +
                                ". Check free disk space.");
            ::close(fd);
            return false;
        }
        done += static_cast<size_t>(n);
    }
    ::close(fd);
    if (std::find(m_dirty.begin(), m_dirty.end(), path) == m_dirty.end()) m_dirty.push_back(path);
    return true;
}

bool BlockFiles::ReadAt(const fs::path& path, uint64_t offset, std::span<uint8_t> out) const
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    size_t done = 0;
    while (done < out.size()) {
        ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<size_t>(n);
    }
    ::close(fd);
    if (done != out.size()) return false;
    for (size_t i = 0; i < out.size(); ++i) out[i] ^= m_xor[(offset + i) % 8];
    return true;
}

namespace {
std::vector<uint8_t> Header(const std::array<uint8_t, 4>& magic, uint32_t size)
{
    std::vector<uint8_t> h(magic.begin(), magic.end());
    for (int i = 0; i < 4; ++i) h.push_back(static_cast<uint8_t>(size >> (8 * i)));
    return h;
}
}  // namespace

std::optional<FlatFilePos> BlockFiles::WriteBlock(const Block& block, uint32_t height, std::string* error)
{
    std::lock_guard lock(m_mutex);
    std::vector<uint8_t> record = EncodeBlock(block);
    const uint32_t size = static_cast<uint32_t>(record.size());
    std::vector<uint8_t> header = Header(m_opts.message_start, size);
    record.insert(record.begin(), header.begin(), header.end());
    BlockFileInfo* info = &m_files.back();
    if (info->size > 0 && uint64_t(info->size) + record.size() > m_opts.max_file_size) {
        m_files.emplace_back();
        info = &m_files.back();
    }
    const int file = CurrentFile();
    if (!WriteAt(BlockPath(file), info->size, record, error)) return std::nullopt;
    FlatFilePos pos{file, info->size + STORAGE_HEADER_BYTES};
    info->size += static_cast<uint32_t>(record.size());
    info->AddBlock(height, block.header.time);
    return pos;
}

std::optional<FlatFilePos> BlockFiles::WriteUndo(const BlockUndo& undo, const uint256& prev_block_hash, int file,
                                                 std::string* error)
{
    std::lock_guard lock(m_mutex);
    if (file < 0 || file >= static_cast<int>(m_files.size())) {
        SetError(error, "undo for unknown block file");
        return std::nullopt;
    }
    std::vector<uint8_t> data = EncodeBlockUndo(undo);
    HashWriter hasher;
    WriteBlob(hasher, prev_block_hash);
    hasher.write(data);
    uint256 checksum = hasher.GetHash();
    const uint32_t size = static_cast<uint32_t>(data.size());
    std::vector<uint8_t> record = Header(m_opts.message_start, size);
    record.insert(record.end(), data.begin(), data.end());
    record.insert(record.end(), checksum.begin(), checksum.end());
    BlockFileInfo& info = m_files[file];
    if (!WriteAt(UndoPath(file), info.undo_size, record, error)) return std::nullopt;
    FlatFilePos pos{file, info.undo_size + STORAGE_HEADER_BYTES};
    info.undo_size += static_cast<uint32_t>(record.size());
    return pos;
}

std::optional<std::vector<uint8_t>> BlockFiles::ReadRawBlock(const FlatFilePos& pos, std::string* error) const
{
    if (pos.IsNull() || pos.pos < STORAGE_HEADER_BYTES) {
        SetError(error, "invalid block position");
        return std::nullopt;
    }
    uint8_t header[8];
    if (!ReadAt(BlockPath(pos.file), pos.pos - STORAGE_HEADER_BYTES, header)) {
        SetError(error, "cannot read block header record from " + BlockPath(pos.file).string());
        return std::nullopt;
    }
    if (!std::equal(header, header + 4, m_opts.message_start.begin())) {
        SetError(error, "block record magic mismatch in " + BlockPath(pos.file).string());
        return std::nullopt;
    }
    uint32_t size = header[4] | header[5] << 8 | header[6] << 16 | uint32_t(header[7]) << 24;
    if (size > MAX_SERIALIZED_SIZE) {
        SetError(error, "block record size out of range");
        return std::nullopt;
    }
    std::vector<uint8_t> bytes(size);
    if (!ReadAt(BlockPath(pos.file), pos.pos, bytes)) {
        SetError(error, "block record truncated in " + BlockPath(pos.file).string());
        return std::nullopt;
    }
    return bytes;
}

std::optional<std::vector<uint8_t>> BlockFiles::ReadBlockPart(const FlatFilePos& pos, uint32_t offset,
                                                              uint32_t max_len, std::string* error) const
{
    if (pos.IsNull() || pos.pos < STORAGE_HEADER_BYTES) {
        SetError(error, "invalid block position");
        return std::nullopt;
    }
    uint8_t header[8];
    if (!ReadAt(BlockPath(pos.file), pos.pos - STORAGE_HEADER_BYTES, header) ||
        !std::equal(header, header + 4, m_opts.message_start.begin())) {
        SetError(error, "cannot read block record header from " + BlockPath(pos.file).string());
        return std::nullopt;
    }
    const uint32_t size = header[4] | header[5] << 8 | header[6] << 16 | uint32_t(header[7]) << 24;
    if (size > MAX_SERIALIZED_SIZE || offset > size) {
        SetError(error, "block record size out of range");
        return std::nullopt;
    }
    std::vector<uint8_t> bytes(std::min(max_len, size - offset));
    if (!ReadAt(BlockPath(pos.file), uint64_t{pos.pos} + offset, bytes)) {
        SetError(error, "block record truncated in " + BlockPath(pos.file).string());
        return std::nullopt;
    }
    return bytes;
}

Decoded<Block> BlockFiles::ReadBlock(const FlatFilePos& pos) const
{
    std::string error;
    auto raw = ReadRawBlock(pos, &error);
    if (!raw) {
        Decoded<Block> r;
        r.error = error;
        return r;
    }
    return DecodeBlock(*raw);
}

Decoded<BlockUndo> BlockFiles::ReadUndo(const FlatFilePos& pos, const uint256& prev_block_hash) const
{
    Decoded<BlockUndo> result;
    if (pos.IsNull() || pos.pos < STORAGE_HEADER_BYTES) {
        result.error = "invalid undo position";
        return result;
    }
    uint8_t header[8];
    if (!ReadAt(UndoPath(pos.file), pos.pos - STORAGE_HEADER_BYTES, header) ||
        !std::equal(header, header + 4, m_opts.message_start.begin())) {
        result.error = "undo record header unreadable";
        return result;
    }
    uint32_t size = header[4] | header[5] << 8 | header[6] << 16 | uint32_t(header[7]) << 24;
    if (size > MAX_SERIALIZED_SIZE) {
        result.error = "undo record size out of range";
        return result;
    }
    std::vector<uint8_t> bytes(size + 32);
    if (!ReadAt(UndoPath(pos.file), pos.pos, bytes)) {
        result.error = "undo record truncated";
        return result;
    }
    HashWriter hasher;
    WriteBlob(hasher, prev_block_hash);
    hasher.write(std::span<const uint8_t>(bytes.data(), size));
    uint256 checksum = hasher.GetHash();
    if (!std::equal(checksum.begin(), checksum.end(), bytes.begin() + size)) {
        result.error = "undo data checksum mismatch";
        return result;
    }
    return DecodeBlockUndo(std::span<const uint8_t>(bytes.data(), size));
}

bool BlockFiles::Flush(std::string* error)
{
    std::lock_guard lock(m_mutex);
    for (const fs::path& path : m_dirty) {
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::fsync(fd) != 0) {
            SetError(error, "fsync of " + path.string() + " failed: " + std::strerror(errno));
            if (fd >= 0) ::close(fd);
            return false;
        }
        ::close(fd);
    }
    if (!m_dirty.empty()) SyncDirectory(m_opts.dir);
    m_dirty.clear();
    return true;
}

bool BlockFiles::ScanFile(int file, const std::function<void(const FlatFilePos&, std::span<const uint8_t>)>& visit) const
{
    const fs::path path = BlockPath(file);
    std::error_code ec;
    const uint64_t file_size = fs::file_size(path, ec);
    if (ec) return false;
    std::vector<uint8_t> data(file_size);
    if (!ReadAt(path, 0, data)) return false;
    const auto& magic = m_opts.message_start;
    size_t pos = 0;
    while (pos + STORAGE_HEADER_BYTES <= data.size()) {
        if (!std::equal(magic.begin(), magic.end(), data.begin() + pos)) {
            ++pos;  // resynchronise on the next magic after garbage (e.g. a torn write)
            continue;
        }
        uint32_t size = data[pos + 4] | data[pos + 5] << 8 | data[pos + 6] << 16 | uint32_t(data[pos + 7]) << 24;
        if (size < BlockHeader::SERIALIZED_SIZE || size > MAX_SERIALIZED_SIZE ||
            pos + STORAGE_HEADER_BYTES + size > data.size()) {
            ++pos;
            continue;
        }
        visit(FlatFilePos{file, static_cast<uint32_t>(pos + STORAGE_HEADER_BYTES)},
              std::span<const uint8_t>(data.data() + pos + STORAGE_HEADER_BYTES, size));
        pos += STORAGE_HEADER_BYTES + size;
    }
    return true;
}

void BlockFiles::RemoveFiles(const std::vector<int>& files)
{
    std::lock_guard lock(m_mutex);
    for (int f : files) {
        std::error_code ec;
        fs::remove(BlockPath(f), ec);
        fs::remove(UndoPath(f), ec);
        if (f >= 0 && f < static_cast<int>(m_files.size())) m_files[f] = BlockFileInfo{};
    }
}
