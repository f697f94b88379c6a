// LevelDB wrapper with Core-compatible obfuscation.
#include "node/database.h"

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/filter_policy.h>
#include <leveldb/helpers/memenv.h>
#include <leveldb/write_batch.h>
#include <openssl/rand.h>

namespace {
// Core serializes the key name as a string: CompactSize(14) || "\0obfuscate_key".
const Bytes OBFUSCATION_KEY = [] {
    const char name[] = "\000obfuscate_key";
    Bytes k;
    k.reserve(15);
    k.push_back(14);
    k.insert(k.end(), name, name + 14);
    return k;
}();

leveldb::Slice AsSlice(std::span<const uint8_t> s) { return {reinterpret_cast<const char*>(s.data()), s.size()}; }

void SetError(std::string* error, const std::string& msg)
{
    if (error) *error = msg;
}
}  // namespace

Bytes DbKey(uint8_t prefix, std::span<const uint8_t> rest)
{
    // reserve+push_back rather than an initializer list: g++ 12 warns falsely (array-bounds) on the latter.
    Bytes k;
    k.reserve(1 + rest.size());
    k.push_back(prefix);
    k.insert(k.end(), rest.begin(), rest.end());
    return k;
}

void Database::Xor(Bytes& value) const
{
    if (m_xor == std::array<uint8_t, 8>{}) return;
    for (size_t i = 0; i < value.size(); ++i) value[i] ^= m_xor[i % 8];
}

std::unique_ptr<Database> Database::Open(const Options& options, std::string* error)
{
    std::unique_ptr<Database> db(new Database());
    leveldb::Options opts;
    db->m_cache.reset(leveldb::NewLRUCache(options.cache_bytes / 2));
    db->m_filter.reset(leveldb::NewBloomFilterPolicy(10));
    opts.block_cache = db->m_cache.get();
    opts.filter_policy = db->m_filter.get();
    opts.write_buffer_size = std::max<size_t>(options.cache_bytes / 4, 1 << 20);
    opts.compression = leveldb::kNoCompression;  // values are hashes and compressed coins already
    opts.max_open_files = 64;
    opts.create_if_missing = true;
    opts.paranoid_checks = true;
    if (options.memory_only) {
        db->m_env.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
        opts.env = db->m_env.get();
    } else {
        std::error_code ec;
        if (options.wipe) std::filesystem::remove_all(options.path, ec);
        std::filesystem::create_directories(options.path, ec);
        if (ec) {
            SetError(error, "Cannot create database directory " + options.path.string() + ": " + ec.message());
            return nullptr;
        }
    }
    leveldb::DB* raw = nullptr;
    leveldb::Status status = leveldb::DB::Open(opts, options.path.string(), &raw);
    if (!status.ok()) {
        SetError(error, "Cannot open database " + options.path.string() + ": " + status.ToString() +
                            ". Is another sovereignd using this data directory? Otherwise restart with -reindex.");
        return nullptr;
    }
    db->m_db.reset(raw);
    if (auto key = db->Read(OBFUSCATION_KEY)) {
        if (key->size() != 9 || (*key)[0] != 8) {
            SetError(error, "Corrupt obfuscation key in " + options.path.string());
            return nullptr;
        }
        std::copy(key->begin() + 1, key->end(), db->m_xor.begin());
    } else if (options.obfuscate && db->IsEmpty()) {
        std::array<uint8_t, 8> key;
        RAND_bytes(key.data(), 8);
        Bytes value;
        value.reserve(9);
        value.push_back(8);
        value.insert(value.end(), key.begin(), key.end());
        if (!db->Put(OBFUSCATION_KEY, value, true)) {
            SetError(error, "Cannot write obfuscation key to " + options.path.string());
            return nullptr;
        }
        db->m_xor = key;
    }
    return db;
}

Database::~Database()
{
    m_db.reset();  // before the cache, filter and env it uses
}

std::optional<Bytes> Database::Read(std::span<const uint8_t> key) const
{
    std::string value;
    leveldb::Status s = m_db->Get(leveldb::ReadOptions(), AsSlice(key), &value);
    if (!s.ok()) return std::nullopt;
    Bytes out(value.begin(), value.end());
    Xor(out);
    return out;
}

bool Database::Exists(std::span<const uint8_t> key) const
{
    std::string value;
    return m_db->Get(leveldb::ReadOptions(), AsSlice(key), &value).ok();
}

bool Database::Write(DbBatch& batch, bool sync, std::string* error)
{
    leveldb::WriteOptions wo;
    wo.sync = sync;
    leveldb::Status s = m_db->Write(wo, batch.m_batch.get());
    if (!s.ok()) {
        SetError(error, "Database write failed: " + s.ToString() + ". Check free disk space.");
        return false;
    }
    batch.Clear();
    return true;
}

bool Database::Put(std::span<const uint8_t> key, std::span<const uint8_t> value, bool sync)
{
    DbBatch b(*this);
    b.Put(key, value);
    return Write(b, sync);
}

bool Database::Erase(std::span<const uint8_t> key, bool sync)
{
    DbBatch b(*this);
    b.Erase(key);
    return Write(b, sync);
}

bool Database::IsEmpty() const
{
    std::unique_ptr<leveldb::Iterator> it(m_db->NewIterator(leveldb::ReadOptions()));
    it->SeekToFirst();
    return !it->Valid();
}

uint64_t Database::EstimateSize(std::span<const uint8_t> begin, std::span<const uint8_t> end) const
{
    leveldb::Range range(AsSlice(begin), AsSlice(end));
    uint64_t size = 0;
    m_db->GetApproximateSizes(&range, 1, &size);
    return size;
}

void Database::Compact() { m_db->CompactRange(nullptr, nullptr); }

std::unique_ptr<DbIterator> Database::Seek(std::span<const uint8_t> prefix) const
{
    leveldb::ReadOptions ro;
    ro.fill_cache = false;
    leveldb::Iterator* it = m_db->NewIterator(ro);
    it->Seek(AsSlice(prefix));
    return std::unique_ptr<DbIterator>(new DbIterator(*this, it, Bytes(prefix.begin(), prefix.end())));
}

DbBatch::DbBatch(const Database& db) : m_db(db), m_batch(std::make_unique<leveldb::WriteBatch>()) {}
DbBatch::~DbBatch() = default;

void DbBatch::Put(std::span<const uint8_t> key, std::span<const uint8_t> value)
{
    Bytes v(value.begin(), value.end());
    m_db.Xor(v);
    m_batch->Put(AsSlice(key), AsSlice(v));
    m_size += key.size() + value.size() + 16;
}

void DbBatch::Erase(std::span<const uint8_t> key)
{
    m_batch->Delete(AsSlice(key));
    m_size += key.size() + 16;
}

void DbBatch::Clear()
{
    m_batch->Clear();
    m_size = 0;
}

DbIterator::DbIterator(const Database& db, leveldb::Iterator* it, Bytes prefix)
    : m_db(db), m_it(it), m_prefix(std::move(prefix))
{
}
DbIterator::~DbIterator() = default;

bool DbIterator::Valid() const
{
    if (!m_it->Valid()) return false;
    leveldb::Slice k = m_it->key();
    // Compare as unsigned bytes: a char key byte >= 0x80 would never equal the uint8_t prefix byte.
    return k.size() >= m_prefix.size() &&
           std::equal(m_prefix.begin(), m_prefix.end(), reinterpret_cast<const uint8_t*>(k.data()));
}

void DbIterator::Next() { m_it->Next(); }

Bytes DbIterator::Key() const
{
    leveldb::Slice k = m_it->key();
    return Bytes(k.data(), k.data() + k.size());
}

Bytes DbIterator::Value() const
{
    leveldb::Slice v = m_it->value();
    Bytes out(v.data(), v.data() + v.size());
    m_db.Xor(out);
    return out;
}
